//! The wrapper (IEC 62056-47) decoders on arbitrary bytes: the view's accessors never panic,
//! datagrams that parse re-emit to the same bytes, the lenient parse agrees with the strict one
//! on big-endian headers, and the TCP stream reassembler takes every byte in any chunking and
//! yields the PDUs that `scan` finds.
#![no_main]

use dlms::wrapper::{ByteOrder, WrapperEvent, WrapperPdu, WrapperRepr, WrapperStream, scan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pdu = WrapperPdu::new_unchecked(data);
    let _ = (pdu.version(), pdu.source_wport(), pdu.destination_wport(), pdu.apdu());
    if let Ok(repr) = WrapperRepr::parse_datagram(data) {
        let mut out = vec![0u8; repr.buffer_len()];
        assert_eq!(repr.emit(&mut out), Ok(data.len()));
        assert_eq!(out, data);
    }
    if let Ok((repr, order)) = WrapperRepr::parse_lenient(data) {
        if order == ByteOrder::BigEndian {
            assert_eq!(WrapperRepr::parse(&WrapperPdu::new_unchecked(data)), Ok(repr));
        }
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit_with_order(order, &mut out).unwrap();
        assert_eq!(WrapperRepr::parse_lenient(&out), Ok((repr, order)));
    }

    // Expected PDUs: scan from the start, skipping what scan says to skip.
    let mut expected = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        match scan(&data[pos..]) {
            dlms::Scan::Complete { offset, len } => {
                let start = pos + offset;
                if len <= 128 {
                    expected.push(data[start + 8..start + len].to_vec());
                }
                pos = start + len;
            }
            dlms::Scan::Invalid { discard, .. } => pos += discard,
            dlms::Scan::Incomplete { .. } => break,
        }
    }
    let chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 16);
    let mut s = WrapperStream::new([0u8; 128]);
    let mut got = Vec::new();
    for piece in data.chunks(chunk) {
        let mut input = piece;
        while let Some(ev) = s.poll(&mut input) {
            if let WrapperEvent::Pdu(p) = ev {
                got.push(p.apdu.to_vec());
            }
        }
        assert!(input.is_empty());
    }
    assert_eq!(got, expected);
});
