//! `dlms::security` benches: AES-GCM-128 decrypt-and-verify and encrypt of whole
//! general-glo-ciphering APDUs, in place (Green Book suite-0 keys, ../shared/bench/README.md).
//!
//! `gcm/decrypt/1024` unprotects `gglo1k.hex` with `SecurityContext::unprotect_apdu`: the
//! application layer's envelope view takes the APDU apart in the caller's buffer (tag, system
//! title, A-XDR length, security header, tag), the context checks the policy, the title and
//! the invocation counter, then the ciphertext is verified and decrypted in place. The 64- and
//! 65,536-byte inputs are general-glo APDUs of that total size made with
//! `SecurityContext::protect_apdu`. Throughput counts the whole APDU. The keys are prepared
//! once, as a context does; each iteration gets a fresh copy of the APDU (made outside the
//! timed routine) and a reset receive counter, so that the same APDU is not a replay.
//!
//! `gcm/encrypt/1024` protects the 994-byte plaintext of `gglo1k` with
//! `SecurityContext::protect_apdu`: the plaintext is moved behind the envelope header, encrypted
//! in place and the tag appended.
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dlms::security::{
    Ciphering, Counters, EnvelopeKind, Key, KeyId, SecurityContext, SecurityControl, SecuritySuite,
    SendCounter, SystemTitle,
};
use meterkit_benches::{GGLO1K_HEX, hex};

const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];
/// The sender of `gglo1k` (the meter).
const METER: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
/// The head-end.
const HEAD_END: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];
/// The invocation counter of `gglo1k`.
const IC: u32 = 0x0123_4567;
const GENERAL_GLO: EnvelopeKind<'static> = EnvelopeKind::General(Ciphering::Global);

fn context(own: [u8; 8], peer: [u8; 8]) -> SecurityContext {
    let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
    ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(EK))
        .unwrap();
    ctx.set_key(KeyId::AUTHENTICATION, Key::aes128(AK)).unwrap();
    ctx.set_peer_title(Some(SystemTitle::new(peer)));
    ctx
}

/// The meter's context, about to send with invocation counter `IC`.
fn meter() -> SecurityContext {
    let mut meter = context(METER, HEAD_END);
    let mut counters = Counters::default();
    counters.unicast.tx = SendCounter::starting_at(IC);
    meter.set_counters(counters);
    meter
}

fn sc() -> SecurityControl {
    SecurityControl::from_byte(0x30)
}

/// Unprotects `apdu` in place with a fresh receive counter; returns the plaintext length.
fn decrypt(head_end: &mut SecurityContext, apdu: &mut [u8]) -> usize {
    head_end.set_counters(Counters::default());
    head_end.unprotect_apdu(apdu).unwrap().plaintext.len()
}

/// A general-glo APDU of `total` bytes (SC 0x30, Green Book keys), made with `protect_apdu`.
fn build(total: usize) -> Vec<u8> {
    let mut meter = meter();
    let plain_len = (0..total)
        .rev()
        .find(|&n| meter.protected_len(&GENERAL_GLO, sc(), n).unwrap() == total)
        .unwrap();
    let mut apdu: Vec<u8> = (0..total).map(|i| i as u8).collect();
    assert_eq!(
        meter
            .protect_apdu(&GENERAL_GLO, sc(), &mut apdu, plain_len)
            .unwrap(),
        total
    );
    apdu
}

/// Fresh copies per batch, few enough to stay in the L2 cache like a just-received APDU
/// (criterion's `SmallInput` would allocate megabytes of copies and measure memory bandwidth).
fn batch_size(apdu_len: usize) -> BatchSize {
    BatchSize::NumIterations((32 * 1024 / apdu_len).clamp(1, 64) as u64)
}

fn gcm(c: &mut Criterion) {
    let mut head_end = context(HEAD_END, METER);
    let gglo1k = hex(GGLO1K_HEX);
    // The shared input decrypts and verifies.
    assert_eq!(decrypt(&mut head_end, &mut gglo1k.clone()), 994);

    let mut g = c.benchmark_group("gcm/decrypt");
    for (id, apdu) in [
        ("64", build(64)),
        ("1024", gglo1k.clone()),
        ("65536", build(65_536)),
    ] {
        g.throughput(Throughput::Bytes(apdu.len() as u64));
        let size = batch_size(apdu.len());
        g.bench_function(id, |b| {
            b.iter_batched_ref(
                || apdu.clone(),
                |a| decrypt(black_box(&mut head_end), black_box(a)),
                size,
            )
        });
    }
    g.finish();

    // Encrypt the 994-byte plaintext of gglo1k in place (moved behind the header, tag appended).
    let mut plain = gglo1k.clone();
    let plain_len = decrypt(&mut head_end, &mut plain);
    let at = gglo1k.len() - 12 - plain_len;
    plain.copy_within(at..at + plain_len, 0);
    let mut meter = meter();
    let mut g = c.benchmark_group("gcm/encrypt");
    g.throughput(Throughput::Bytes(gglo1k.len() as u64));
    g.bench_function("1024", |b| {
        b.iter_batched_ref(
            || plain.clone(),
            |apdu| {
                black_box(&mut meter)
                    .protect_apdu(&GENERAL_GLO, sc(), black_box(apdu), plain_len)
                    .unwrap()
            },
            batch_size(1024),
        )
    });
    g.finish();
    // With the counter of gglo1k, protecting its plaintext gives gglo1k back.
    let mut again = plain.clone();
    let n = self::meter()
        .protect_apdu(&GENERAL_GLO, sc(), &mut again, plain_len)
        .unwrap();
    assert_eq!(
        &again[..n],
        &gglo1k[..],
        "encrypting the plaintext gives gglo1k"
    );
}

criterion_group!(benches, gcm);
criterion_main!(benches);
