//! Unprotecting and protecting whole APDUs allocates nothing: a counting global allocator
//! watches `SecurityContext::unprotect_apdu`, `protect_apdu` and the user-information of a
//! ciphered AARQ, in the caller's buffers.
//!
//! One test function, so that no other test thread allocates while a region is measured.

use std::alloc::System;
use std::hint::black_box;

use dlms::security::{
    Ciphering, Counters, EnvelopeKind, Key, KeyId, SecurityContext, SecurityControl, SecuritySuite,
    SystemTitle,
};
use meterkit_benches::{GGLO1K_HEX, hex};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and returns the number of allocations (and reallocations) it made.
fn allocations(f: impl FnOnce() -> usize) -> usize {
    let region = Region::new(GLOBAL);
    black_box(f());
    let stats = region.change();
    stats.allocations + stats.reallocations
}

/// A context with the Green Book suite-0 keys (EK 00..0F, AK D0..DF).
fn context(own: [u8; 8], peer: [u8; 8]) -> SecurityContext {
    let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
    ctx.set_key(
        KeyId::GLOBAL_UNICAST_ENCRYPTION,
        Key::aes128(core::array::from_fn(|i| i as u8)),
    )
    .unwrap();
    ctx.set_key(
        KeyId::AUTHENTICATION,
        Key::aes128(core::array::from_fn(|i| 0xD0 + i as u8)),
    )
    .unwrap();
    ctx.set_peer_title(Some(SystemTitle::new(peer)));
    ctx
}

#[test]
fn unprotecting_and_protecting_allocate_nothing() {
    const METER: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
    const HEAD_END: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];
    let mut head_end = context(HEAD_END, METER);
    let mut meter = context(METER, HEAD_END);
    let mut gglo = hex(GGLO1K_HEX);
    // ACSE-04 (u9n/dlms-cosem @c52e9d4 tests/test_asce/test_aarq.py::
    // test_parse_ciphered_low_security2): an AARQ with a glo-initiate-request.
    let mut aarq = hex(concat!(
        "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a8008313233",
        "3435363738be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211",
        "be6841db204d39ee6fdb8e356855",
    ));
    let mut buf = [0u8; 64];

    let n = allocations(|| head_end.unprotect_apdu(&mut gglo).unwrap().plaintext.len());
    assert_eq!(n, 0, "unprotect_apdu (gglo1k)");

    head_end.set_counters(Counters::default());
    let n = allocations(|| {
        head_end
            .unprotect_user_information(&mut aarq)
            .unwrap()
            .map_or(0, |u| u.plaintext.len())
    });
    assert_eq!(n, 0, "unprotect_user_information (ACSE-04)");

    let n = allocations(|| {
        buf[..13].copy_from_slice(&[0xC0, 0x01, 0xC1, 0x00, 0x08, 0, 0, 1, 0, 0, 0xFF, 2, 0]);
        meter
            .protect_apdu(
                &EnvelopeKind::Service(Ciphering::Global),
                SecurityControl::from_byte(0x30),
                &mut buf,
                13,
            )
            .unwrap()
    });
    assert_eq!(n, 0, "protect_apdu");
}
