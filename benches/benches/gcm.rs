//! `dlms::security` benches: AES-GCM-128 decrypt-and-verify and encrypt of general-glo-ciphering
//! APDUs, in place (Green Book suite-0 keys, ../shared/bench/README.md).
//!
//! `gcm/decrypt/1024` takes `gglo1k.hex` apart by hand — tag DB, system-title length and title,
//! A-XDR length, SC, IC, ciphertext, 12-byte tag — and decrypts and verifies the ciphertext in
//! place (the APDU views come with the application layer). The 64- and 65,536-byte inputs are
//! general-glo APDUs of that total size built the same way. Throughput counts the whole APDU.
//! The key is prepared once (`Cipher`), as a `SecurityContext` does; each iteration gets a fresh
//! copy of the APDU, made outside the timed routine.
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dlms::security::{
    Cipher, CipheringParams, Key, SecurityControl, SystemTitle, Tag, open_in_place, seal_in_place,
};
use meterkit_benches::{GGLO1K_HEX, hex};

const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];
const TITLE: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];

/// A general-glo-ciphering APDU taken apart: offsets into the buffer.
struct Parts<'a> {
    title: &'a [u8],
    control: u8,
    invocation_counter: u32,
    data: &'a mut [u8],
    tag: Tag,
}

/// `DB | st-len | title | A-XDR length | SC | IC | ciphertext | tag(12)`.
fn take_apart(apdu: &mut [u8]) -> Parts<'_> {
    let (head, rest) = apdu.split_at_mut(2);
    assert_eq!(head[0], 0xDB, "general-glo-ciphering");
    let (title, rest) = rest.split_at_mut(usize::from(head[1]));
    let (len, rest) = match rest[0] {
        n @ 0..=0x7F => (usize::from(n), &mut rest[1..]),
        0x81 => (usize::from(rest[1]), &mut rest[2..]),
        0x82 => (
            usize::from(u16::from_be_bytes([rest[1], rest[2]])),
            &mut rest[3..],
        ),
        other => panic!("A-XDR length form {other:#x}"),
    };
    assert_eq!(len, rest.len());
    let (header, rest) = rest.split_at_mut(5);
    let (data, tag) = rest.split_at_mut(rest.len() - 12);
    Parts {
        title,
        control: header[0],
        invocation_counter: u32::from_be_bytes([header[1], header[2], header[3], header[4]]),
        data,
        tag: (&*tag).try_into().unwrap(),
    }
}

fn decrypt(cipher: &Cipher, ak: &Key, apdu: &mut [u8]) -> usize {
    let parts = take_apart(apdu);
    let title = SystemTitle::from_slice(parts.title).unwrap();
    let params = CipheringParams {
        control: SecurityControl::from_byte(parts.control),
        system_title: &title,
        invocation_counter: parts.invocation_counter,
        authentication_key: Some(ak),
        aad_extension: None,
    };
    open_in_place(cipher, &params, parts.data, Some(&parts.tag)).unwrap();
    parts.data.len()
}

fn params<'a>(title: &'a SystemTitle, ak: &'a Key) -> CipheringParams<'a> {
    CipheringParams {
        control: SecurityControl::from_byte(0x30),
        system_title: title,
        invocation_counter: 0x0123_4567,
        authentication_key: Some(ak),
        aad_extension: None,
    }
}

/// A general-glo APDU of `total` bytes (SC 0x30, Green Book keys), built with our encoder.
fn build(cipher: &Cipher, ak: &Key, total: usize) -> Vec<u8> {
    let length_len = match total {
        0..=0x8C => 1,
        0x8D..=0x10C => 2,
        _ => 3,
    };
    let content = total - 2 - 8 - length_len;
    let mut apdu = vec![0xDB, 8];
    apdu.extend_from_slice(&TITLE);
    match length_len {
        1 => apdu.push(content as u8),
        2 => apdu.extend_from_slice(&[0x81, content as u8]),
        _ => apdu.extend_from_slice(&[0x82, (content >> 8) as u8, content as u8]),
    }
    apdu.extend_from_slice(&[0x30, 0x01, 0x23, 0x45, 0x67]);
    let plain_len = content - 5 - 12;
    let start = apdu.len();
    apdu.extend((0..plain_len).map(|i| i as u8));
    let title = SystemTitle::new(TITLE);
    let tag = seal_in_place(cipher, &params(&title, ak), &mut apdu[start..])
        .unwrap()
        .unwrap();
    apdu.extend_from_slice(&tag);
    assert_eq!(apdu.len(), total);
    apdu
}

/// Fresh copies per batch, few enough to stay in the L2 cache like a just-received APDU
/// (criterion's `SmallInput` would allocate megabytes of copies and measure memory bandwidth).
fn batch_size(apdu_len: usize) -> BatchSize {
    BatchSize::NumIterations((32 * 1024 / apdu_len).clamp(1, 64) as u64)
}

fn gcm(c: &mut Criterion) {
    let cipher = Cipher::new(&Key::aes128(EK));
    let ak = Key::aes128(AK);
    let gglo1k = hex(GGLO1K_HEX);
    // The shared input decrypts and verifies.
    assert_eq!(decrypt(&cipher, &ak, &mut gglo1k.clone()), 994);

    let mut g = c.benchmark_group("gcm/decrypt");
    for (id, apdu) in [
        ("64", build(&cipher, &ak, 64)),
        ("1024", gglo1k.clone()),
        ("65536", build(&cipher, &ak, 65_536)),
    ] {
        g.throughput(Throughput::Bytes(apdu.len() as u64));
        let size = batch_size(apdu.len());
        g.bench_function(id, |b| {
            b.iter_batched_ref(
                || apdu.clone(),
                |a| decrypt(black_box(&cipher), &ak, black_box(a)),
                size,
            )
        });
    }
    g.finish();

    // Encrypt the 994-byte plaintext of gglo1k in place (header and tag written around it).
    let mut plain = gglo1k.clone();
    decrypt(&cipher, &ak, &mut plain);
    let title = SystemTitle::new(TITLE);
    let mut g = c.benchmark_group("gcm/encrypt");
    g.throughput(Throughput::Bytes(gglo1k.len() as u64));
    g.bench_function("1024", |b| {
        b.iter_batched_ref(
            || plain.clone(),
            |apdu| {
                let (_, data) = apdu.split_at_mut(18);
                let (data, tag_out) = data.split_at_mut(994);
                let tag = seal_in_place(black_box(&cipher), &params(&title, &ak), data)
                    .unwrap()
                    .unwrap();
                tag_out.copy_from_slice(&tag);
            },
            batch_size(1024),
        )
    });
    g.finish();
    assert_eq!(
        {
            let (_, data) = plain.split_at_mut(18);
            let (data, tag_out) = data.split_at_mut(994);
            let tag = seal_in_place(&cipher, &params(&title, &ak), data)
                .unwrap()
                .unwrap();
            tag_out.copy_from_slice(&tag);
            &plain
        },
        &gglo1k,
        "encrypting the plaintext gives gglo1k back"
    );
}

criterion_group!(benches, gcm);
criterion_main!(benches);
