//! `hdlc` benches: parsing, emitting and deframing HDLC frames (IEC 62056-46), and the bare
//! CRC-16/X.25 over the same bytes for comparison.
//!
//! Parse = check the structure and the length, the HCS and the FCS, and read every field.
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::hdlc::{Deframed, Deframer, HdlcFrame, HdlcFrameRepr, fcs};
use meterkit_benches::{HDLC_BIG_HEX, HDLC32_HEX, hex};

/// Parses a frame and folds every field into a number, so nothing is optimised away.
fn parse(bytes: &[u8]) -> usize {
    let Ok(repr) = HdlcFrameRepr::parse(&HdlcFrame::new_unchecked(bytes)) else {
        return 0;
    };
    usize::from(repr.segmented)
        + usize::from(repr.dst.upper())
        + usize::from(repr.dst.lower().unwrap_or(0))
        + usize::from(repr.src.upper())
        + usize::from(repr.src.lower().unwrap_or(0))
        + usize::from(repr.control.to_byte())
        + repr.info.len()
}

/// About 1 MiB of back-to-back frames: the big frame and the 32-byte frame, alternating.
fn stream() -> Vec<u8> {
    let big = hex(HDLC_BIG_HEX);
    let small = hex(HDLC32_HEX);
    let mut out = Vec::with_capacity(1 << 20);
    while out.len() < (1 << 20) {
        out.extend_from_slice(&big);
        out.extend_from_slice(&small);
    }
    out
}

fn benches(c: &mut Criterion) {
    let small = hex(HDLC32_HEX);
    let big = hex(HDLC_BIG_HEX);
    // dst 0x75 = client 58, src 0x95 = server 74, control 0x96, 21 bytes of information.
    assert_eq!(parse(&small), 58 + 74 + 0x96 + 21);
    assert_ne!(parse(&big), 0);

    let mut g = c.benchmark_group("hdlc");
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.bench_function("parse/32", |b| b.iter(|| parse(black_box(&small))));

    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("parse/2049", |b| b.iter(|| parse(black_box(&big))));
    // The bare FCS over the bytes the FCS covers (format .. information).
    g.bench_function("crc/2049", |b| {
        b.iter(|| fcs(black_box(&big[1..big.len() - 3])))
    });
    let repr = HdlcFrameRepr::parse(&HdlcFrame::new_unchecked(&big[..])).expect("valid frame");
    let mut out = vec![0u8; big.len()];
    g.bench_function("emit/2049", |b| {
        b.iter(|| black_box(&repr).emit_to_slice(black_box(&mut out)))
    });

    let wire = stream();
    let frames = wire.len() / (big.len() + small.len());
    g.throughput(Throughput::Bytes(wire.len() as u64));
    let mut deframer = Deframer::new(vec![0u8; 2049]);
    g.bench_function("deframe/1MiB", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for chunk in black_box(&wire).chunks(64) {
                let mut input = chunk;
                while let Some(out) = deframer.poll(&mut input) {
                    if let Deframed::Frame(f) = out {
                        n += f.info().len();
                    }
                }
            }
            n
        })
    });
    assert!(frames > 500);
    g.finish();
}

criterion_group!(hdlc, benches);
criterion_main!(hdlc);
