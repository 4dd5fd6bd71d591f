//! `session` benches: whole application-layer exchanges (IEC 62056-5-3) between the client
//! session and the server session, in memory.
//!
//! - `get_register`: one GET-Request-Normal of a register and its GET-Response-Normal, framed
//!   by HDLC both ways (IEC 62056-46): the client session builds the request, `HdlcClient`
//!   frames it, `HdlcServer` deframes it, `Server::serve` dispatches it to the meter's
//!   `Application` and sends the answer, which goes back the same way and is decoded by the
//!   client session (`Event::Value`). One element per round trip.
//! - `get_register_ciphered`: the same in an HLS-GMAC association with suite-0 ciphering
//!   (glo-get-request and glo-get-response, authenticated and encrypted; the Green Book
//!   example keys).
//! - `profile_10000/apdu`: a 10,000-row load profile read with GET block transfer, the client
//!   session against `Server::handle_apdu` (PDUs of 1,024 bytes). One element per row.
//! - `profile_10000/hdlc`: the same through the HDLC links (128-byte information fields, so
//!   each block is segmented into frames).
//!
//! The associations are made once, outside the timed loops.
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "../common/session.rs"]
mod session;

use session::{
    Carrier, Direct, ENERGY_WH, Framed, MANAGEMENT, PDU, PUBLIC, ROW_LEN, ROWS, associate, client,
    get_energy, get_profile,
};

/// Associates a client for `sap` through `carrier`; returns it and its request buffer.
fn associated<C: Carrier>(
    carrier: &mut C,
    sap: u16,
) -> (dlms::session::client::Client<'static>, Vec<u8>) {
    let mut c = client(sap);
    let mut out = vec![0u8; PDU];
    associate(carrier, &mut c, &mut out);
    (c, out)
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("session");

    g.throughput(Throughput::Elements(1));
    let mut framed = Framed::new(PUBLIC);
    let (mut cl, mut out) = associated(&mut framed, PUBLIC);
    assert_eq!(get_energy(&mut framed, &mut cl, &mut out), ENERGY_WH);
    g.bench_function("get_register", |b| {
        b.iter(|| get_energy(black_box(&mut framed), &mut cl, &mut out))
    });

    let mut framed = Framed::new(MANAGEMENT);
    let (mut cl, mut out) = associated(&mut framed, MANAGEMENT);
    assert_eq!(get_energy(&mut framed, &mut cl, &mut out), ENERGY_WH);
    g.bench_function("get_register_ciphered", |b| {
        b.iter(|| get_energy(black_box(&mut framed), &mut cl, &mut out))
    });

    // Every row, in blocks of at most one PDU: the array tag, its 3-byte length, 26 bytes a row.
    let value_len = 4 + ROWS as usize * ROW_LEN;
    g.throughput(Throughput::Elements(u64::from(ROWS)));
    let mut direct = Direct::new(PUBLIC);
    let (mut cl, mut out) = associated(&mut direct, PUBLIC);
    let (blocks, bytes) = get_profile(&mut direct, &mut cl, &mut out, |_| {});
    assert_eq!(bytes, value_len);
    assert!(blocks > 250, "{blocks} blocks");
    g.bench_function("profile_10000/apdu", |b| {
        b.iter(|| {
            get_profile(black_box(&mut direct), &mut cl, &mut out, |d| {
                black_box(d);
            })
        })
    });

    let mut framed = Framed::new(PUBLIC);
    let (mut cl, mut out) = associated(&mut framed, PUBLIC);
    let (_, bytes) = get_profile(&mut framed, &mut cl, &mut out, |_| {});
    assert_eq!(bytes, value_len);
    g.bench_function("profile_10000/hdlc", |b| {
        b.iter(|| {
            get_profile(black_box(&mut framed), &mut cl, &mut out, |d| {
                black_box(d);
            })
        })
    });
    g.finish();
}

criterion_group!(session, benches);
criterion_main!(session);
