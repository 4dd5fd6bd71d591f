//! The HDLC deframer on a byte stream built from the input: runs of raw bytes and valid frames
//! (the harness encodes them, so checksums are right), fed in chunks of varying size. Every
//! frame handed out is valid; when the stream has no raw bytes, exactly the encoded frames come
//! out, in order; nothing is lost when raw bytes contain no flag.
#![no_main]

use dlms::hdlc::{Address, Control, Deframed, Deframer, HdlcFrameRepr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut wire = Vec::new();
    let mut frames = Vec::new();
    let mut raw_with_flag = false;
    let mut raw_any = false;
    let mut chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
    let mut rest = data.get(1..).unwrap_or(&[]);
    while let [op, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        match op % 3 {
            0 => {
                raw_any |= !body.is_empty();
                raw_with_flag |= body.contains(&0x7E);
                wire.extend_from_slice(body);
            }
            1 => {
                let repr = HdlcFrameRepr {
                    segmented: op & 0x80 != 0,
                    dst: Address::client(op & 0x7F).unwrap(),
                    src: Address::server(1, Some(u16::from(*len & 0x7F))).unwrap(),
                    control: Control::from(op.wrapping_mul(31)),
                    info: body,
                };
                let mut f = vec![0u8; repr.buffer_len()];
                repr.emit_to_slice(&mut f).unwrap();
                wire.extend_from_slice(&f);
                frames.push(f);
            }
            _ => chunk = 1 + usize::from(*len % 64),
        }
    }
    let mut d = Deframer::new([0u8; 300]);
    let mut got = Vec::new();
    // Every result drops at least one byte (a frame releases at least 8): the number of
    // results is bounded by the bytes fed.
    let mut steps = 0usize;
    for piece in wire.chunks(chunk) {
        let mut input = piece;
        while let Some(out) = d.poll(&mut input) {
            steps += 1;
            assert!(steps <= wire.len(), "deframer does not progress");
            if let Deframed::Frame(f) = out {
                assert!(f.check_checksums().is_ok());
                got.push(f.as_bytes().to_vec());
            }
        }
        assert!(input.is_empty());
    }
    // Whatever is still buffered can be completed by enough zeros (no frame hides there
    // forever): flush and collect.
    let zeros = [0u8; 300];
    let mut input = &zeros[..];
    while let Some(out) = d.poll(&mut input) {
        if let Deframed::Frame(f) = out {
            got.push(f.as_bytes().to_vec());
        }
    }
    if !raw_any {
        assert_eq!(got, frames);
    } else if !raw_with_flag {
        // Raw bytes without a flag cannot start a candidate: every frame survives (extra
        // frames cannot appear either).
        assert_eq!(got, frames);
    }
    let stats = d.stats();
    assert!(stats.discarded_bytes <= (wire.len() + zeros.len()) as u64);
});
