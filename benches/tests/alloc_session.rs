//! The application sessions allocate nothing once set up: a counting global allocator watches
//! the whole request/response path of both sessions, for a plain GET, a ciphered GET
//! (HLS-GMAC, suite-0 ciphering) and a GET block transfer of a 10,000-row profile:
//!
//! - through the HDLC links: the client session builds the request, `HdlcClient` frames it,
//!   `HdlcServer` takes the frames, `Server::serve` dispatches to the meter and sends the
//!   answer, `HdlcServer` frames it, `HdlcClient` delivers it and the client session decodes
//!   it;
//! - APDU by APDU: the client session against `Server::handle_apdu`.
//!
//! The association itself (AARQ/AARE, HLS passes 3 and 4) is watched too.
//!
//! One test function, so that no other test thread allocates while a region is measured.

use std::alloc::System;
use std::hint::black_box;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[path = "../common/session.rs"]
mod session;

use session::{
    Carrier, Direct, ENERGY_WH, Framed, MANAGEMENT, PDU, PUBLIC, READER, ROW_LEN, ROWS, associate,
    client, get_energy, get_profile,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and returns its result and the allocations (and reallocations) made meanwhile.
fn count<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let region = Region::new(GLOBAL);
    let r = black_box(f());
    let stats = region.change();
    (r, stats.allocations + stats.reallocations)
}

fn counter_works() {
    let (v, n) = count(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert_eq!(n, 1);
}

/// Associates, then reads the register and the profile, each under the counter.
fn exchanges_allocate_nothing<C: Carrier>(what: &str, carrier: &mut C, sap: u16) {
    let mut cl = client(sap);
    let mut out = vec![0u8; PDU];
    let ((), n) = count(|| associate(carrier, &mut cl, &mut out));
    assert_eq!(n, 0, "{what}, SAP {sap}: the association allocated");

    let (sum, n) = count(|| {
        (0..100)
            .map(|_| u64::from(get_energy(carrier, &mut cl, &mut out)))
            .sum::<u64>()
    });
    assert_eq!(sum, 100 * u64::from(ENERGY_WH));
    assert_eq!(n, 0, "{what}, SAP {sap}: a GET allocated");

    let ((blocks, bytes), n) = count(|| get_profile(carrier, &mut cl, &mut out, |_| {}));
    assert_eq!(bytes, 4 + ROWS as usize * ROW_LEN);
    assert!(blocks > 250, "{blocks}");
    assert_eq!(n, 0, "{what}, SAP {sap}: the block transfer allocated");
    println!("{what}, SAP {sap}: associate, 100 GETs, {blocks} blocks: 0 allocations");
}

#[test]
fn nothing_allocates() {
    counter_works();
    for sap in [PUBLIC, READER, MANAGEMENT] {
        exchanges_allocate_nothing("handle_apdu", &mut Direct::new(sap), sap);
        exchanges_allocate_nothing("HDLC and serve", &mut Framed::new(sap), sap);
    }
}
