//! `sts` benches: decoding 20-digit tokens to fields (decryption and CRC included) and generating
//! tokens, with a known decoder key and with the key derived from the vending key per token.
//!
//! EA07 runs with the IEC sample tables: the production tables are not in the repository, and the
//! cost does not depend on the table values.
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sts::vend::{TokenData, TokenIssuer};
use sts::{
    Algorithm, BaseDate, DateTime, DecoderKey, Dkga02, Dkga04, KeyGenerator, KeyType,
    MeterKeyParams, Pan, Tid, TokenCipher, TokenNumber, Utility, VendingKey, sta::SAMPLE_TABLES,
};

/// STS 531-1-0-04 CTSA01 step 1 (NectarAPI/tokens-service): EA11, 0.1 kWh.
const EA11_TOKEN: &[u8; 20] = b"59386323472137426967";
const EA11_KEY: &str = "f94b6ed353c3bfdb113e2d3a7ea3c41d";
/// Vector STA-01: sample tables, 25.6 kWh.
const EA07_TOKEN: &[u8; 20] = b"51043465443420856213";
const EA07_KEY: &str = "0abc12def3456789";

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("sts/decode");
    g.throughput(Throughput::Elements(1));
    let key = DecoderKey::from_hex(EA07_KEY).unwrap();
    let cipher = TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &key).unwrap();
    g.bench_function("ea07", |b| {
        b.iter(|| {
            let n = TokenNumber::from_digits(black_box(EA07_TOKEN)).unwrap();
            cipher.decode(n).unwrap().token
        })
    });
    let key = DecoderKey::from_hex(EA11_KEY).unwrap();
    let cipher = TokenCipher::new(Algorithm::Ea11, &key).unwrap();
    g.bench_function("ea11", |b| {
        b.iter(|| {
            let n = TokenNumber::from_digits(black_box(EA11_TOKEN)).unwrap();
            cipher.decode(n).unwrap().token
        })
    });
    g.finish();
}

fn params(krn: u8) -> MeterKeyParams {
    MeterKeyParams {
        pan: Pan::parse("600727000000000009").unwrap(),
        kt: KeyType::Dutk,
        sgc: 123_457,
        ti: 1,
        krn,
        base_date: BaseDate::Y1993,
    }
}

/// One token for `issuer`: TID from the date-time, fields, CRC, encryption, 20 digits.
fn vend(issuer: &TokenIssuer<'_>, at: DateTime) -> [u8; 20] {
    let data = TokenData::Credit {
        utility: Utility::Electricity,
        tenths: black_box(1234),
    };
    let tid = Tid::for_issue(BaseDate::Y1993, at, None).unwrap();
    let token = issuer.build(&data, tid, 5).unwrap();
    issuer.cipher().encode(&token).unwrap().to_digits()
}

fn generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("sts/generate");
    g.throughput(Throughput::Elements(1));
    let at = DateTime::new(2004, 3, 1, 13, 55).unwrap();

    let key = DecoderKey::from_hex(EA07_KEY).unwrap();
    let issuer =
        TokenIssuer::new(Algorithm::Ea07(&SAMPLE_TABLES), &key, BaseDate::Y1993, 255).unwrap();
    g.bench_function("ea07", |b| b.iter(|| vend(&issuer, black_box(at))));

    let key = DecoderKey::from_hex(EA11_KEY).unwrap();
    let issuer = TokenIssuer::new(Algorithm::Ea11, &key, BaseDate::Y1993, 255).unwrap();
    g.bench_function("ea11", |b| b.iter(|| vend(&issuer, black_box(at))));

    // The vending key is prepared once (DES key schedule / HMAC pads); the decoder key is derived
    // for every token.
    let dkga02 = KeyGenerator::Dkga02(
        Dkga02::new(&VendingKey::from_hex("abababababababab").unwrap()).unwrap(),
    );
    let p = params(1);
    g.bench_function("ea07_dkga02", |b| {
        b.iter(|| {
            let issuer = TokenIssuer::from_vending_key(
                &dkga02,
                black_box(&p),
                Algorithm::Ea07(&SAMPLE_TABLES),
                255,
            )
            .unwrap();
            vend(&issuer, black_box(at))
        })
    });
    let dkga04 = KeyGenerator::Dkga04(
        Dkga04::new(&VendingKey::from_hex("abababababababab949494949494949401234567").unwrap())
            .unwrap(),
    );
    g.bench_function("ea11_dkga04", |b| {
        b.iter(|| {
            let issuer =
                TokenIssuer::from_vending_key(&dkga04, black_box(&p), Algorithm::Ea11, 255)
                    .unwrap();
            vend(&issuer, black_box(at))
        })
    });
    g.finish();
}

/// The parts of the pipeline, to see where the time goes.
fn parts(c: &mut Criterion) {
    let mut g = c.benchmark_group("sts/parts");
    g.throughput(Throughput::Elements(1));
    let block = 0x0B19_EB23_0100_C207u64;
    g.bench_function("sta_encrypt", |b| {
        b.iter(|| SAMPLE_TABLES.encrypt(black_box(0x0abc_12de_f345_6789), black_box(block)))
    });
    g.bench_function("sta_decrypt", |b| {
        b.iter(|| SAMPLE_TABLES.decrypt(black_box(0x0abc_12de_f345_6789), black_box(block)))
    });
    let key = DecoderKey::from_hex(EA11_KEY).unwrap();
    g.bench_function("misty1_key_schedule", |b| {
        b.iter(|| TokenCipher::new(Algorithm::Ea11, black_box(&key)).unwrap())
    });
    let key8 = DecoderKey::from_hex(EA07_KEY).unwrap();
    g.bench_function("des_key_schedule", |b| {
        b.iter(|| TokenCipher::new(Algorithm::Ea09, black_box(&key8)).unwrap())
    });
    let des = TokenCipher::new(Algorithm::Ea09, &key8).unwrap();
    g.bench_function("des_block", |b| {
        b.iter(|| des.encrypt_block(black_box(block)))
    });
    let dkga02 = Dkga02::new(&VendingKey::from_hex("abababababababab").unwrap()).unwrap();
    let p = params(1);
    g.bench_function("dkga02", |b| {
        b.iter(|| dkga02.derive(black_box(&p)).unwrap())
    });
    let dkga04 =
        Dkga04::new(&VendingKey::from_hex("abababababababab949494949494949401234567").unwrap())
            .unwrap();
    g.bench_function("dkga04_ea11", |b| {
        b.iter(|| {
            dkga04
                .derive(black_box(&p), sts::AlgorithmCode::Ea11)
                .unwrap()
        })
    });
    let n = TokenNumber::from_digits(EA11_TOKEN).unwrap();
    g.bench_function("digits_parse", |b| {
        b.iter(|| TokenNumber::from_digits(black_box(EA11_TOKEN)).unwrap())
    });
    g.bench_function("digits_format", |b| b.iter(|| black_box(n).to_digits()));
    g.finish();
}

criterion_group!(benches, decode, generate, parts);
criterion_main!(benches);
