//! General block transfer (`dlms::gbt`) on arbitrary bytes: the input is a stream of
//! General-Block-Transfer APDUs, fed to a small reassembler in any order the bytes give. The
//! reassembler never panics, never holds more than its buffer, and a refused block (missing
//! or repeated) changes nothing. The whole input, cut into blocks and reassembled, comes back
//! unchanged.
#![no_main]

use dlms::Error;
use dlms::apdu::GeneralBlockTransfer;
use dlms::axdr::Encode;
use dlms::gbt::{GbtReassembler, GbtStatus, blocks};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = GbtReassembler::new([0u8; 256]);
    let mut rest = data;
    let mut completed = false;
    while !rest.is_empty() {
        let Ok((block, used)) = GeneralBlockTransfer::parse_prefix(rest) else {
            rest = &rest[1..];
            continue;
        };
        assert!(used > 0 && used <= rest.len());
        rest = &rest[used..];
        let before = (r.buffered(), r.ack(), r.in_progress());
        let was_complete = completed;
        completed = false;
        match r.push(&block) {
            Ok(GbtStatus::Complete(apdu)) => {
                assert!(block.last_block());
                assert!(apdu.len() <= 256);
                completed = true;
            }
            Ok(GbtStatus::Partial { block_number }) => {
                assert_eq!(block_number, block.block_number);
                assert_eq!(r.ack(), block.block_number);
            }
            Ok(GbtStatus::Skipped { block_number }) => {
                assert_eq!(block_number, block.block_number);
                if block.last_block() {
                    // The over-long APDU is over: ready for the next one.
                    assert!(!r.in_progress());
                    assert_eq!(r.ack(), 0);
                } else {
                    assert_eq!(r.ack(), block.block_number);
                }
            }
            Err(Error::ApduTooLong { capacity, .. }) => assert_eq!(capacity, 256),
            Err(Error::GbtBlockMissing { .. } | Error::GbtBlockRepeated { .. }) => {
                if !was_complete {
                    assert_eq!((r.buffered(), r.ack(), r.in_progress()), before);
                }
            }
            Err(e) => panic!("unexpected error {e:?}"),
        }
        assert!(r.buffered() <= r.capacity());
    }

    // Round trip: the input as one APDU, cut by a size the input picks.
    let max = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut whole = GbtReassembler::new(vec![0u8; data.len()]);
    let mut out = None;
    for b in blocks(data, max, true, 0).unwrap() {
        let mut wire = vec![0u8; b.buffer_len()];
        let n = b.emit(&mut wire).unwrap();
        let parsed = GeneralBlockTransfer::parse(&wire[..n]).unwrap();
        assert_eq!(parsed, b);
        if let GbtStatus::Complete(a) = whole.push(&parsed).unwrap() {
            out = Some(a.to_vec());
        }
    }
    assert_eq!(out.as_deref(), Some(data));
});
