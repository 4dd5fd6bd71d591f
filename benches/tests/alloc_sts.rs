//! The STS meter side allocates nothing: decoding tokens, running them through the decoder
//! (TID memory, key-change staging, key installation) and saving/restoring its state, and the
//! single-token vending path, all under a counting global allocator.
//!
//! One test function, so that no other test thread allocates while a region is measured.

use std::alloc::System;
use std::hint::black_box;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use sts::decoder::{DEFAULT_TID_CAPACITY, Decoder, DecoderConfig, MeterKey};
use sts::vend::{TokenData, TokenIssuer};
use sts::{
    Algorithm, BaseDate, DateTime, DecoderKey, Dkga04, KeyGenerator, KeyType, MeterKeyParams, Pan,
    TokenCipher, TokenNumber, Utility, VendingKey, sta::SAMPLE_TABLES,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and returns the number of allocations (and reallocations) it made.
fn allocations(f: impl FnOnce() -> u64) -> usize {
    let region = Region::new(GLOBAL);
    black_box(f());
    let stats = region.change();
    stats.allocations + stats.reallocations
}

/// A fixed RND.
struct Five;

impl rand_core::TryRng for Five {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(5)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(5)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(5);
        Ok(())
    }
}

// STS 531-1-0-04 (NectarAPI/tokens-service 0_04 tests, as in the shared vector set): EA11 key of
// PAN 600727000000000009 / SGC 123457 / TI 01 / KRN 1, CTSA01 credit tokens, the CTSA05 key change.
const KEY: &str = "f94b6ed353c3bfdb113e2d3a7ea3c41d";
const TOKENS: [&[u8; 20]; 8] = [
    b"59386323472137426967",
    b"47186281207955155808",
    b"52059556253782091701",
    b"59386323472137426967",
    b"34812744915211133004",
    b"46903925208523674737",
    b"71464563847088610152",
    b"67904239402617643990",
];

#[test]
fn meter_side_allocates_nothing() {
    // The counter sees allocations.
    assert!(allocations(|| black_box(vec![1u8; 10]).len() as u64) > 0);
    let key = DecoderKey::from_hex(KEY).unwrap();
    let meter_key = MeterKey {
        key: key.clone(),
        kt: KeyType::Dutk,
        krn: 1,
        ken: 255,
        ti: 1,
        sgc: Some(123_457),
        base_date: BaseDate::Y1993,
    };

    // Codec and cipher: digits → fields.
    let n = allocations(|| {
        let ea11 = TokenCipher::new(Algorithm::Ea11, &key).unwrap();
        let ea07 =
            TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &DecoderKey::new64([1; 8])).unwrap();
        let mut acc = 0u64;
        for t in TOKENS {
            let number = TokenNumber::from_digits(t).unwrap();
            acc ^= ea11.decode(number).map_or(0, |d| d.plaintext);
            acc ^= ea07.decode(number).map_or(1, |d| d.plaintext);
        }
        acc
    });
    assert_eq!(n, 0, "decoding allocated");

    // The decoder: accept, used, key-change staging and installation, save and restore.
    let n = allocations(|| {
        let mut meter: Decoder<'_, DEFAULT_TID_CAPACITY> =
            Decoder::new(Algorithm::Ea11, meter_key, DecoderConfig::default()).unwrap();
        let mut acc = 0u64;
        for t in TOKENS {
            acc += u64::from(meter.handle_token(t, 0, |_| 0).code().value());
        }
        let mut image = [0u8; Decoder::<'static, DEFAULT_TID_CAPACITY>::STATE_LEN];
        meter.save(&mut image).unwrap();
        let restored: Decoder<'_, DEFAULT_TID_CAPACITY> =
            Decoder::restore(&image, Algorithm::Ea11, DecoderConfig::default()).unwrap();
        acc + restored.tids().count() as u64
    });
    assert_eq!(n, 0, "the decoder allocated");

    // Vending one token, key derived from the vending key (DKGA04).
    let vk = VendingKey::from_hex("abababababababab949494949494949401234567").unwrap();
    let n = allocations(|| {
        let generator = KeyGenerator::Dkga04(Dkga04::new(&vk).unwrap());
        let params = MeterKeyParams {
            pan: Pan::parse("600727000000000009").unwrap(),
            kt: KeyType::Dutk,
            sgc: 123_457,
            ti: 1,
            krn: 1,
            base_date: BaseDate::Y1993,
        };
        let mut issuer =
            TokenIssuer::from_vending_key(&generator, &params, Algorithm::Ea11, 255).unwrap();
        let at = DateTime::new(2004, 3, 1, 13, 0).unwrap();
        let data = TokenData::Credit {
            utility: Utility::Electricity,
            tenths: 1,
        };
        let t = issuer.issue(&data, at, &mut Five).unwrap();
        // STS 531-1-0-04 CTSA01 step 1.
        assert_eq!(&t.number.to_digits(), TOKENS[0]);
        t.number.value() as u64
    });
    assert_eq!(n, 0, "vending allocated");
}
