//! `dlms` application-layer benches: decoding APDUs that carry A-XDR data and walking every
//! value, and encoding a GET request.
//!
//! - `axdr/notif242`: decode the 242-byte DataNotification (E450 push plaintext) and walk its
//!   33 values;
//! - `axdr/profile1000`: decode the GET-Response-Normal with a 1,000-row profile buffer and
//!   walk its 6,001 values;
//! - `apdu/get_request_encode`: encode a GET-Request-Normal into a buffer (checked against
//!   `getreq.hex` before measuring).
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::apdu::{
    AttributeDescriptor, DataNotification, GetDataResult, GetRequest, GetResponse,
    InvokeIdAndPriority,
};
use dlms::axdr::{Data, Encode, NodeKind};
use meterkit_benches::{GETREQ_HEX, NOTIF242_HEX, PROFILE1000_HEX, hex};
use obis::ObisCode;

/// Visits every value and folds it into a number, so that nothing is optimised away.
#[inline]
fn walk(data: &Data<'_>) -> u64 {
    let mut acc = 0u64;
    data.visit(|node| {
        acc = acc.wrapping_add(match node.kind {
            NodeKind::Array(n) | NodeKind::Structure(n) => n as u64,
            NodeKind::Value(v) => match v {
                Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => {
                    b.len() as u64
                }
                other => other.as_integer().map_or(1, |i| i as u64),
            },
        });
    });
    acc
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("axdr");
    let notif = hex(NOTIF242_HEX);
    g.throughput(Throughput::Bytes(notif.len() as u64));
    g.bench_function("notif242", |b| {
        b.iter(|| {
            let n = DataNotification::parse(black_box(&notif)).unwrap();
            black_box(n.date_time);
            walk(&n.body)
        })
    });

    let profile = hex(PROFILE1000_HEX);
    g.throughput(Throughput::Bytes(profile.len() as u64));
    g.bench_function("profile1000", |b| {
        b.iter(|| {
            let GetResponse::Normal {
                result: GetDataResult::Data(d),
                ..
            } = GetResponse::parse(black_box(&profile)).unwrap()
            else {
                unreachable!()
            };
            walk(&d)
        })
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let expected = hex(GETREQ_HEX);
    let request = GetRequest::Normal {
        invoke: InvokeIdAndPriority(0xC1),
        attribute: AttributeDescriptor::new(3, ObisCode::new(1, 0, 1, 8, 0, 255), 2),
        access: None,
    };
    let mut buf = [0u8; 64];
    let n = request.emit(&mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        expected.as_slice(),
        "the encoder must produce getreq.hex"
    );

    let mut g = c.benchmark_group("apdu");
    g.throughput(Throughput::Bytes(expected.len() as u64));
    g.bench_function("get_request_encode", |b| {
        b.iter(|| black_box(&request).emit(black_box(&mut buf)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
