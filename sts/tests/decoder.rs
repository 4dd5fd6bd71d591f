//! The meter-side decoder: result codes, TID memory, key-change staging, limits, persistence,
//! and end-to-end runs against the vending side and the compliance-test tokens.

use sts::decoder::{Action, Decoder, DecoderConfig, Lockout, MeterKey, Outcome, ResultCode};
use sts::vend::{KeyChange, TokenData, TokenIssuer};
use sts::{
    Algorithm, BaseDate, CurrencyAmount, DateTime, DecoderKey, Dkga04, Error, KeyGenerator,
    KeyType, MeterKeyParams, Pan, Register, Tid, TokenCipher, TokenClass, TokenNumber, TokenRepr,
    TransferAmount, Utility, VendingKey, sta::SAMPLE_TABLES,
};

// STS 531-1-0-04 (NectarAPI/tokens-service 0_04 compliance tests): EA11, decoder key of
// PAN 600727000000000009, SGC 123457, TI 01, KRN 1 (DKGA04), and its CTSA tokens.
const N04_KEY: &str = "f94b6ed353c3bfdb113e2d3a7ea3c41d";
const N04_CREDIT: [&str; 3] = [
    "59386323472137426967", // CTSA01 step 1: 0.1 kWh, TID 5871660
    "47186281207955155808", // CTSA01 step 2: 0.1 kL
    "52059556253782091701", // CTSA01 step 3: 0.1 m³
];
const N04_MPL: &str = "26521936751055502278"; // CTSA03: max power 1000 W
const N04_CLEAR_ALL: &str = "59725289138639529749"; // CTSA04: clear credit, all registers
// CTSA05 step 1: the 4-token key change to b208834372ef892ef6e04c28593090d4 (SGC 123457, TI 2).
const N04_KCT: [&str; 4] = [
    "34812744915211133004",
    "46903925208523674737",
    "71464563847088610152",
    "67904239402617643990",
];

fn ea11_key(hex: &str) -> MeterKey {
    MeterKey {
        key: DecoderKey::from_hex(hex).unwrap(),
        kt: KeyType::Dutk,
        krn: 1,
        ken: 255,
        ti: 1,
        sgc: Some(123_457),
        base_date: BaseDate::Y1993,
    }
}

fn zero(_: Register) -> i64 {
    0
}

fn sample_key(kt: KeyType, ken: u8) -> MeterKey {
    MeterKey {
        key: DecoderKey::new64(0x0abc_12de_f345_6789u64.to_be_bytes()),
        kt,
        krn: 1,
        ken,
        ti: 1,
        sgc: None,
        base_date: BaseDate::Y2014,
    }
}

/// An EA07 decoder with the IEC sample tables and `N` TID slots.
fn sample_decoder<const N: usize>(kt: KeyType, ken: u8) -> Decoder<'static, N> {
    Decoder::new(
        Algorithm::Ea07(&SAMPLE_TABLES),
        sample_key(kt, ken),
        DecoderConfig::default(),
    )
    .unwrap()
}

fn sample_cipher() -> TokenCipher<'static> {
    TokenCipher::new(
        Algorithm::Ea07(&SAMPLE_TABLES),
        &DecoderKey::new64(0x0abc_12de_f345_6789u64.to_be_bytes()),
    )
    .unwrap()
}

fn digits(n: TokenNumber) -> [u8; 20] {
    n.to_digits()
}

fn credit(tid: u32, tenths: u32) -> TokenRepr {
    TokenRepr::TransferCredit {
        utility: Utility::Electricity,
        rnd: 3,
        tid: Tid::new(tid).unwrap(),
        amount: TransferAmount::from_value(tenths).unwrap(),
    }
}

fn feed<const N: usize>(d: &mut Decoder<'_, N>, t: &TokenRepr) -> Outcome {
    let n = sample_cipher().encode(t).unwrap();
    d.handle_token(&digits(n), 0, zero)
}

#[test]
fn compliance_sequence_ea11() {
    let mut meter: Decoder<'_> =
        Decoder::new(Algorithm::Ea11, ea11_key(N04_KEY), DecoderConfig::default()).unwrap();
    for (t, (register, amount)) in N04_CREDIT.iter().zip([(0, 1), (1, 1), (2, 1)]) {
        let out = meter.handle_token(t.as_bytes(), 0, zero);
        assert!(
            matches!(out, Outcome::Accepted { action: Action::AddCredit { register: r, amount: a }, .. }
                if r == Register(register) && a == amount),
            "{t}: {out:?}"
        );
    }
    let out = meter.handle_token(N04_MPL.as_bytes(), 0, zero);
    assert!(matches!(
        out,
        Outcome::Accepted {
            action: Action::SetMaximumPowerLimit { watts: 1000 },
            ..
        }
    ));
    let out = meter.handle_token(N04_CLEAR_ALL.as_bytes(), 0, zero);
    assert!(matches!(
        out,
        Outcome::Accepted {
            action: Action::ClearCredit {
                register: Register::ALL
            },
            ..
        }
    ));
    assert_eq!(meter.tids().count(), 5);
    // A used token.
    assert_eq!(
        meter.handle_token(N04_CREDIT[0].as_bytes(), 0, zero).code(),
        ResultCode::Used
    );
    // The key change, in the order 2nd, 4th, 1st, 3rd.
    let codes: Vec<ResultCode> = [1, 3, 0, 2]
        .iter()
        .map(|&i| meter.handle_token(N04_KCT[i].as_bytes(), 0, zero).code())
        .collect();
    assert_eq!(
        codes,
        [
            ResultCode::FirstKct,
            ResultCode::SecondKct,
            ResultCode::SecondKct,
            ResultCode::Accept
        ]
    );
    assert_eq!(
        meter.key().key,
        DecoderKey::from_hex("b208834372ef892ef6e04c28593090d4").unwrap()
    );
    assert_eq!(meter.key().sgc, Some(123_457));
    assert_eq!((meter.key().ti, meter.key().ken), (2, 255));
    // RO = 0: the TID memory is kept. Old-key tokens now fail authentication.
    assert_eq!(meter.tids().count(), 5);
    assert_eq!(
        meter.handle_token(N04_CREDIT[1].as_bytes(), 0, zero).code(),
        ResultCode::Crc
    );
}

#[test]
fn format_and_authentication() {
    let mut d = sample_decoder::<4>(KeyType::Dutk, 255);
    assert_eq!(d.handle_token(b"123", 0, zero).code(), ResultCode::Format);
    assert_eq!(
        d.handle_token(b"9999999999999999999x", 0, zero).code(),
        ResultCode::Format
    );
    assert_eq!(
        d.handle_token(b"99999999999999999999", 0, zero).code(),
        ResultCode::Format
    );
    let class3 = TokenNumber::from_parts(TokenClass::Reserved, 0);
    assert_eq!(
        d.handle_token(&digits(class3), 0, zero).code(),
        ResultCode::Format
    );
    // A token for another key.
    let other = TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &DecoderKey::new64([9; 8]))
        .unwrap()
        .encode(&credit(100, 10))
        .unwrap();
    assert_eq!(
        d.handle_token(&digits(other), 0, zero).code(),
        ResultCode::Crc
    );
    assert_eq!(d.tids().count(), 0);
}

#[test]
fn tid_memory_used_and_old() {
    let mut d = sample_decoder::<4>(KeyType::Dutk, 255);
    for tid in [100, 50, 300, 200] {
        assert_eq!(feed(&mut d, &credit(tid, 10)).code(), ResultCode::Accept);
    }
    assert_eq!(feed(&mut d, &credit(300, 10)).code(), ResultCode::Used);
    // Full memory: older than the oldest (50) is OLD; newer replaces the oldest.
    assert_eq!(feed(&mut d, &credit(49, 10)).code(), ResultCode::Old);
    assert_eq!(feed(&mut d, &credit(75, 10)).code(), ResultCode::Accept);
    let mut tids: Vec<u32> = d.tids().map(Tid::value).collect();
    tids.sort_unstable();
    assert_eq!(tids, [75, 100, 200, 300]);
    assert_eq!(feed(&mut d, &credit(60, 10)).code(), ResultCode::Old);
    // Management tokens with a TID follow the same rules.
    let t = TokenRepr::ClearTamperCondition {
        rnd: 0,
        tid: Tid::new(300).unwrap(),
        pad: 0,
    };
    assert_eq!(feed(&mut d, &t).code(), ResultCode::Used);
}

#[test]
fn memory_not_full_accepts_older_tokens() {
    let mut d = sample_decoder::<4>(KeyType::Dutk, 255);
    assert_eq!(feed(&mut d, &credit(1000, 10)).code(), ResultCode::Accept);
    assert_eq!(feed(&mut d, &credit(10, 10)).code(), ResultCode::Accept);
}

#[test]
fn key_expiry_and_ddtk() {
    // KEN 0x55: TIDs with top byte above 0x55 are refused (STS 531-1-0-02 CTSA16 uses KEN 85).
    let mut d = sample_decoder::<8>(KeyType::Dutk, 0x55);
    assert_eq!(
        feed(&mut d, &credit(0x56_0000, 10)).code(),
        ResultCode::KeyExpired
    );
    assert_eq!(
        feed(&mut d, &credit(0x55_FFFF, 10)).code(),
        ResultCode::Accept
    );
    let mut d = sample_decoder::<8>(KeyType::Ddtk, 255);
    assert_eq!(feed(&mut d, &credit(10, 10)).code(), ResultCode::Ddtk);
    let mpl = TokenRepr::SetMaximumPowerLimit {
        rnd: 1,
        tid: Tid::new(11).unwrap(),
        limit: TransferAmount::from_value(5000).unwrap(),
    };
    assert_eq!(feed(&mut d, &mpl).code(), ResultCode::Accept);
}

#[test]
fn credit_limits() {
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    let mut config = DecoderConfig::default();
    config.units.max_token_amount = 10_000;
    config.units.max_balance = 50_000;
    config.currency.max_token_amount = 100_000_000;
    config.currency.max_balance = 100_000_000;
    d.set_config(config);
    let n = sample_cipher().encode(&credit(1, 10_001)).unwrap();
    assert!(matches!(
        d.handle_token(&digits(n), 0, zero),
        Outcome::Rejected {
            code: ResultCode::Range,
            token: Some(_)
        }
    ));
    let n = sample_cipher().encode(&credit(2, 10_000)).unwrap();
    assert_eq!(
        d.handle_token(&digits(n), 0, |_| 40_001).code(),
        ResultCode::Overflow
    );
    assert_eq!(
        d.handle_token(&digits(n), 0, |_| 40_000).code(),
        ResultCode::Accept
    );
    // Currency: a negative amount is bounded too.
    let cur = |tid, amount| TokenRepr::TransferCurrency {
        utility: Utility::Water,
        tid: Tid::new(tid).unwrap(),
        amount: CurrencyAmount::from_value(amount).unwrap(),
    };
    let n = sample_cipher().encode(&cur(3, -50_000_000)).unwrap();
    let out = d.handle_token(&digits(n), 0, |r| {
        assert_eq!(r, Register::CURRENCY_WATER);
        -60_000_000
    });
    assert_eq!(out.code(), ResultCode::Overflow);
    let out = d.handle_token(&digits(n), 0, zero);
    let Outcome::Accepted {
        action: Action::AddCredit { register, amount },
        ..
    } = out
    else {
        panic!("{out:?}");
    };
    assert_eq!(register, Register::CURRENCY_WATER);
    assert!((-50_000_000..=-49_000_000).contains(&amount));
    // The largest encodable amount never fits the default bound.
    d.set_config(DecoderConfig::default());
    let n = sample_cipher()
        .encode(&cur(4, CurrencyAmount::MAX_MAGNITUDE as i128))
        .unwrap();
    assert_eq!(
        d.handle_token(&digits(n), 0, zero).code(),
        ResultCode::Range
    );
}

#[test]
fn function_range_and_manufacturer() {
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    let mut config = DecoderConfig {
        credit_subclasses: 0x0001,
        manufacturer_code: Some(0x42),
        ..DecoderConfig::default()
    };
    d.set_config(config);
    let water = TokenRepr::TransferCredit {
        utility: Utility::Water,
        rnd: 0,
        tid: Tid::new(5).unwrap(),
        amount: TransferAmount::from_field(1),
    };
    assert_eq!(feed(&mut d, &water).code(), ResultCode::Function);
    let reserved = TokenRepr::from_parts(TokenClass::MeterSpecific, 12, 0x1234);
    assert_eq!(feed(&mut d, &reserved).code(), ResultCode::Function);
    // 4th section with an 8-byte key, 3rd section not in the SGC form.
    let fourth = TokenRepr::from_parts(TokenClass::MeterSpecific, 9, 0x1234);
    assert_eq!(feed(&mut d, &fourth).code(), ResultCode::Function);
    let third = TokenRepr::from_parts(TokenClass::MeterSpecific, 8, 0x1234);
    assert_eq!(feed(&mut d, &third).code(), ResultCode::Function);
    let clear = |register, tid| TokenRepr::ClearCredit {
        rnd: 0,
        tid: Tid::new(tid).unwrap(),
        register: Register(register),
    };
    assert_eq!(feed(&mut d, &clear(9, 6)).code(), ResultCode::Range);
    assert_eq!(feed(&mut d, &clear(7, 7)).code(), ResultCode::Accept);
    let tamper = TokenRepr::ClearTamperCondition {
        rnd: 0,
        tid: Tid::new(8).unwrap(),
        pad: 1,
    };
    assert_eq!(feed(&mut d, &tamper).code(), ResultCode::Range);
    let test = |code| TokenRepr::InitiateMeterTest1 {
        control: 1,
        manufacturer_code: code,
    };
    assert_eq!(
        feed(&mut d, &test(0x41)).code(),
        ResultCode::ManufacturerCode
    );
    assert_eq!(feed(&mut d, &test(0x42)).code(), ResultCode::Accept);
    assert_eq!(feed(&mut d, &test(0)).code(), ResultCode::Accept);
    config.manufacturer_code_zero_matches = false;
    config.proprietary = true;
    d.set_config(config);
    assert_eq!(feed(&mut d, &test(0)).code(), ResultCode::ManufacturerCode);
    let out = feed(&mut d, &reserved);
    assert!(matches!(
        out,
        Outcome::Accepted {
            action: Action::Proprietary { subclass: 12, .. },
            ..
        }
    ));
    // The extended set token (2/10) is TID-checked.
    let ext = TokenRepr::from_parts(TokenClass::MeterSpecific, 10, (9 << 16) | 0xFC00);
    assert_eq!(feed(&mut d, &ext).code(), ResultCode::Accept);
    assert_eq!(feed(&mut d, &ext).code(), ResultCode::Used);
}

fn kct(change: &KeyChange) -> Vec<TokenNumber> {
    let issuer = TokenIssuer::new(
        Algorithm::Ea07(&SAMPLE_TABLES),
        &sample_key(KeyType::Dutk, 255).key,
        BaseDate::Y2014,
        255,
    )
    .unwrap();
    issuer
        .key_change_set(change)
        .unwrap()
        .tokens()
        .iter()
        .map(|t| t.number)
        .collect()
}

fn change(kt: KeyType, rollover: bool, sgc: Option<u32>) -> KeyChange {
    KeyChange {
        key: DecoderKey::new64([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]),
        kt,
        krn: 2,
        ken: 0xA5,
        ti: 7,
        rollover,
        sgc,
    }
}

#[test]
fn key_change_two_and_three_tokens() {
    // Two tokens, second first.
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    feed(&mut d, &credit(10, 1));
    let set = kct(&change(KeyType::Dutk, false, None));
    assert_eq!(set.len(), 2);
    let out = d.handle_token(&digits(set[1]), 0, zero);
    assert!(matches!(
        out,
        Outcome::KeyChangePending {
            code: ResultCode::FirstKct,
            staged: 0b10,
            ..
        }
    ));
    let out = d.handle_token(&digits(set[0]), 0, zero);
    assert_eq!(
        out,
        Outcome::Accepted {
            token: sample_cipher().decode(set[0]).unwrap().token,
            action: Action::KeyChanged {
                kt: KeyType::Dutk,
                krn: 2,
                ken: 0xA5,
                ti: 7,
                sgc: None,
                rollover: false
            }
        }
    );
    assert_eq!(d.key().key.as_u64(), Some(0x1122_3344_5566_7788));
    assert_eq!(d.tids().count(), 1);

    // Three tokens with RO: waits for the SGC token, then clears the TID memory.
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    feed(&mut d, &credit(10, 1));
    let set = kct(&change(KeyType::Dutk, true, Some(654_321)));
    assert_eq!(set.len(), 3);
    assert_eq!(
        d.handle_token(&digits(set[0]), 0, zero).code(),
        ResultCode::FirstKct
    );
    assert_eq!(
        d.handle_token(&digits(set[1]), 0, zero).code(),
        ResultCode::SecondKct
    );
    assert_eq!(d.staged_sections(), 0b11);
    assert_eq!(
        d.handle_token(&digits(set[2]), 0, zero).code(),
        ResultCode::Accept
    );
    assert_eq!(d.key().sgc, Some(654_321));
    assert_eq!(d.tids().count(), 0);
    assert_eq!(d.staged_sections(), 0);
}

#[test]
fn key_change_to_ditk_is_refused() {
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    let set = kct(&change(KeyType::Ditk, false, None));
    d.handle_token(&digits(set[0]), 0, zero);
    assert_eq!(
        d.handle_token(&digits(set[1]), 0, zero).code(),
        ResultCode::KeyType
    );
    assert_eq!(d.key().key.as_u64(), Some(0x0abc_12de_f345_6789));
    assert_eq!(d.staged_sections(), 0);
    // From a DITK it is allowed.
    let mut d = sample_decoder::<8>(KeyType::Ditk, 255);
    d.handle_token(&digits(set[0]), 0, zero);
    assert_eq!(
        d.handle_token(&digits(set[1]), 0, zero).code(),
        ResultCode::Accept
    );
}

#[test]
fn key_change_timeout() {
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    d.set_config(DecoderConfig {
        kct_timeout: Some(600),
        ..DecoderConfig::default()
    });
    let set = kct(&change(KeyType::Dutk, false, None));
    assert_eq!(
        d.handle_token(&digits(set[0]), 1000, zero).code(),
        ResultCode::FirstKct
    );
    // More than 600 later the first section is forgotten.
    assert_eq!(
        d.handle_token(&digits(set[1]), 1601, zero).code(),
        ResultCode::FirstKct
    );
    assert_eq!(
        d.handle_token(&digits(set[0]), 1700, zero).code(),
        ResultCode::Accept
    );
}

#[test]
fn save_and_restore() {
    let mut d = sample_decoder::<4>(KeyType::Dutk, 0xC3);
    for tid in [7, 8, 9] {
        feed(&mut d, &credit(tid, 1));
    }
    let set = kct(&change(KeyType::Dutk, false, Some(42)));
    d.handle_token(&digits(set[0]), 77, zero);
    let mut image = [0u8; Decoder::<'static, 4>::STATE_LEN];
    assert_eq!(d.save(&mut image), Ok(image.len()));
    assert!(matches!(
        d.save(&mut [0u8; 10]),
        Err(Error::BufferTooSmall { .. })
    ));
    let alg = Algorithm::Ea07(&SAMPLE_TABLES);
    let mut r: Decoder<'_, 4> = Decoder::restore(&image, alg, DecoderConfig::default()).unwrap();
    assert_eq!(r.key(), d.key());
    assert_eq!(r.staged_sections(), 0b01);
    let mut tids: Vec<u32> = r.tids().map(Tid::value).collect();
    tids.sort_unstable();
    assert_eq!(tids, [7, 8, 9]);
    // The staged section survives: the rest of the set completes the change.
    assert_eq!(
        r.handle_token(&digits(set[1]), 78, zero).code(),
        ResultCode::SecondKct
    );
    assert_eq!(
        r.handle_token(&digits(set[2]), 79, zero).code(),
        ResultCode::Accept
    );

    // A smaller memory keeps the most recent TIDs.
    let small: Decoder<'_, 2> = Decoder::restore(&image, alg, DecoderConfig::default()).unwrap();
    let mut tids: Vec<u32> = small.tids().map(Tid::value).collect();
    tids.sort_unstable();
    assert_eq!(tids, [8, 9]);

    // Corruption, truncation, version, algorithm.
    let mut bad = image;
    bad[40] ^= 1;
    assert!(matches!(
        Decoder::<'_, 4>::restore(&bad, alg, DecoderConfig::default()),
        Err(Error::StateChecksum { .. })
    ));
    assert!(matches!(
        Decoder::<'_, 4>::restore(&image[..image.len() - 1], alg, DecoderConfig::default()),
        Err(Error::Truncated { .. })
    ));
    assert!(matches!(
        Decoder::<'_, 4>::restore(&image[..5], alg, DecoderConfig::default()),
        Err(Error::Truncated { .. })
    ));
    assert_eq!(
        Decoder::<'_, 4>::restore(&image, Algorithm::Ea11, DecoderConfig::default()).err(),
        Some(Error::StateField { field: "algorithm" })
    );
    let mut v2 = image;
    v2[0] = 2;
    let crc = crc::Crc::<u16>::new(&crc::CRC_16_MODBUS).checksum(&v2[..v2.len() - 2]);
    let n = v2.len();
    v2[n - 2..].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        Decoder::<'_, 4>::restore(&v2, alg, DecoderConfig::default()).err(),
        Some(Error::StateVersion { found: 2 })
    );
}

/// A deterministic RNG for the vending side.
struct Counter(u32);

impl rand_core::TryRng for Counter {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        Ok(self.0 >> 8)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.try_next_u32()?))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u32()? as u8;
        }
        Ok(())
    }
}

#[test]
fn vending_to_meter_with_tid_rollover() {
    // A meter on base date 1993 moved to 2014 before the rollover (RO = 1, new KRN), EA11.
    let vk = VendingKey::from_hex("abababababababab949494949494949401234567").unwrap();
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
    let key = generator.derive(&params, sts::AlgorithmCode::Ea11).unwrap();
    let mut meter: Decoder<'_> = Decoder::new(
        Algorithm::Ea11,
        MeterKey {
            key,
            kt: KeyType::Dutk,
            krn: 1,
            ken: 255,
            ti: 1,
            sgc: Some(123_457),
            base_date: BaseDate::Y1993,
        },
        DecoderConfig::default(),
    )
    .unwrap();
    let mut rng = Counter(1);
    let at: DateTime = "2024-11-20T10:00".parse().unwrap();
    let batch = issuer
        .issue_batch(
            &[
                TokenData::Credit {
                    utility: Utility::Electricity,
                    tenths: 505,
                },
                TokenData::Credit {
                    utility: Utility::Electricity,
                    tenths: 10,
                },
                TokenData::Currency {
                    utility: Utility::Gas,
                    amount: 1_234_567,
                },
                TokenData::MaximumPowerLimit { watts: 3_000 },
            ],
            at,
            &mut rng,
        )
        .unwrap();
    let tids: Vec<u32> = batch.iter().map(|t| t.tid().unwrap().value()).collect();
    // 2024-11-20 10:00 is 6375 minutes before the rollover instant (TID 0xFFFFFF).
    assert_eq!(tids, [16_770_840, 16_770_841, 16_770_842, 16_770_843]);
    for t in &batch {
        assert_eq!(
            meter.handle_token(&t.number.to_digits(), 0, zero).code(),
            ResultCode::Accept
        );
    }
    // Past the rollover no TID is left on base 1993.
    assert!(matches!(
        issuer.issue(
            &TokenData::ClearTamper,
            "2024-11-24T20:16".parse().unwrap(),
            &mut rng
        ),
        Err(Error::TidRange {
            base_year: 1993,
            in_force: Some(2014),
            ..
        })
    ));
    // Key change to base date 2014 with KRN 2: RO is set, the set has 4 tokens.
    let new_params = MeterKeyParams {
        krn: 2,
        base_date: BaseDate::Y2014,
        ..params
    };
    let set = issuer
        .change_key(&generator, &new_params, 255, false, true)
        .unwrap();
    assert_eq!(set.tokens().len(), 4);
    assert!(matches!(
        set.tokens()[0].token,
        TokenRepr::Set1stSectionDecoderKey {
            ro: true,
            krn: 2,
            ..
        }
    ));
    for (i, t) in set.tokens().iter().enumerate().rev() {
        let out = meter.handle_token(&t.number.to_digits(), 0, zero);
        let expected = if i == 0 {
            ResultCode::Accept
        } else if i == 3 {
            ResultCode::FirstKct
        } else {
            ResultCode::SecondKct
        };
        assert_eq!(out.code(), expected, "section {i}");
    }
    assert_eq!(meter.tids().count(), 0);
    assert_eq!(meter.key().krn, 2);
    meter.set_base_date(BaseDate::Y2014);
    // New tokens count minutes from 2014 and are accepted.
    let t = issuer
        .issue(
            &TokenData::Credit {
                utility: Utility::Electricity,
                tenths: 100,
            },
            "2024-11-25T08:00".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
    assert_eq!(
        t.tid().unwrap().to_datetime(BaseDate::Y2014).to_string(),
        "2024-11-25T08:00"
    );
    assert_eq!(
        meter.handle_token(&t.number.to_digits(), 0, zero).code(),
        ResultCode::Accept
    );
}

#[test]
fn issuer_refuses_expired_keys_and_ddtk_credit() {
    let key = sample_key(KeyType::Ddtk, 255).key;
    let mut issuer = TokenIssuer::new(Algorithm::Ea07(&SAMPLE_TABLES), &key, BaseDate::Y1993, 0x55)
        .unwrap()
        .with_key_type(KeyType::Ddtk);
    let mut rng = Counter(7);
    let data = TokenData::Credit {
        utility: Utility::Electricity,
        tenths: 1,
    };
    // 2004-03-01 is TID 0x59..: beyond KEN 0x55 (STS 531-1-0-02 CTSA16).
    assert!(matches!(
        issuer.issue(&data, "2004-03-01T13:55".parse().unwrap(), &mut rng),
        Err(Error::KeyExpired { ken: 0x55, .. })
    ));
    assert!(matches!(
        issuer.issue(&data, "2000-01-01T00:00".parse().unwrap(), &mut rng),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(
        issuer
            .issue(
                &TokenData::ClearTamper,
                "2000-01-01T00:00".parse().unwrap(),
                &mut rng
            )
            .is_ok()
    );
    // A failed batch issues nothing.
    let before = issuer.last_tid();
    let mut out = [issuer
        .issue(
            &TokenData::ClearTamper,
            "2000-01-01T00:00".parse().unwrap(),
            &mut rng,
        )
        .unwrap(); 2];
    let before2 = issuer.last_tid();
    assert_ne!(before, before2);
    assert!(
        issuer
            .issue_into(
                &[TokenData::ClearTamper, data],
                "2000-01-02T00:00".parse().unwrap(),
                &mut rng,
                &mut out
            )
            .is_err()
    );
    assert_eq!(issuer.last_tid(), before2);
}

/// The decoder of [`STATE_IMAGE_V1`]: EA11 (STS 531-1-0-04 key), SGC learned, base date 2014,
/// three TIDs in four slots, the first key-change section staged at time 0x0102030405060708.
fn golden_decoder() -> Decoder<'static, 4> {
    let key = MeterKey {
        base_date: BaseDate::Y2014,
        ken: 0xC3,
        ..ea11_key(N04_KEY)
    };
    let mut d: Decoder<'_, 4> =
        Decoder::new(Algorithm::Ea11, key, DecoderConfig::default()).unwrap();
    for token in N04_CREDIT {
        assert_eq!(
            d.handle_token(token.as_bytes(), 0, zero).code(),
            ResultCode::Accept
        );
    }
    assert_eq!(
        d.handle_token(N04_KCT[0].as_bytes(), 0x0102_0304_0506_0708, zero)
            .code(),
        ResultCode::FirstKct
    );
    d
}

/// A state image written by `Decoder::save` of version 1 (before the field map of the image
/// was shared by save and restore): the format must stay byte-identical.
/// (Fields: version 01, EA 0b, key length 10, key, KT 2, KRN 1, KEN c3, TI 01, SGC present 01,
/// SGC 01e241 = 123457, base date 0e = 14, capacity 0004, count 0003, TIDs 59982c 599831 599836
/// 000000, staged mask 01, four 6-byte sections, time 0102030405060708, CRC-16/MODBUS 34db.)
const STATE_IMAGE_V1: &str = "010b10f94b6ed353c3bfdb113e2d3a7ea3c41d0201c3010101e2410e0004000359982c\
    599831599836000000010f12b2088343000000000000000000000000000000000000010203040506070834db";

#[test]
fn state_image_format_is_stable() {
    let d = golden_decoder();
    let mut image = [0u8; Decoder::<'static, 4>::STATE_LEN];
    d.save(&mut image).unwrap();
    let hex: String = image.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, STATE_IMAGE_V1.replace(' ', ""));

    // The old image restores to the same state, and the staged key change goes on from it.
    let bytes: Vec<u8> = (0..image.len())
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut r: Decoder<'_, 4> =
        Decoder::restore(&bytes, Algorithm::Ea11, DecoderConfig::default()).unwrap();
    assert_eq!(r.key(), d.key());
    assert_eq!(r.key().sgc, Some(123_457));
    assert_eq!(r.key().base_date, BaseDate::Y2014);
    let mut tids: Vec<u32> = r.tids().map(Tid::value).collect();
    tids.sort_unstable();
    assert_eq!(tids, [0x59_982c, 0x59_9831, 0x59_9836]);
    assert_eq!(r.staged_sections(), 0b0001);
    let mut again = [0u8; Decoder::<'static, 4>::STATE_LEN];
    r.save(&mut again).unwrap();
    assert_eq!(again, image);
    // The staging time came back too: a timeout of 10 from it drops the section at +11.
    let mut timed: Decoder<'_, 4> = Decoder::restore(
        &bytes,
        Algorithm::Ea11,
        DecoderConfig {
            kct_timeout: Some(10),
            ..DecoderConfig::default()
        },
    )
    .unwrap();
    assert_eq!(
        timed
            .handle_token(N04_KCT[1].as_bytes(), 0x0102_0304_0506_0708 + 11, zero)
            .code(),
        ResultCode::FirstKct
    );
    assert_eq!(timed.staged_sections(), 0b0010);
    for t in &N04_KCT[1..3] {
        assert_eq!(
            r.handle_token(t.as_bytes(), 0, zero).code(),
            ResultCode::SecondKct
        );
    }
    assert!(matches!(
        r.handle_token(N04_KCT[3].as_bytes(), 0, zero),
        Outcome::Accepted {
            action: Action::KeyChanged {
                ti: 2,
                sgc: Some(123_457),
                ..
            },
            ..
        }
    ));
}

#[test]
fn no_lockout_by_default() {
    // IEC 62055-41 has no lockout rule: without a configured lockout nothing ever locks.
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    let bad = digits(TokenNumber::from_parts(
        TokenClass::TransferCredit,
        0x1234_5678,
    ));
    for now in 0..20 {
        assert_eq!(d.handle_token(&bad, now, zero).code(), ResultCode::Crc);
    }
    assert_eq!(d.locked_until(20), None);
    assert_eq!(feed(&mut d, &credit(100, 1)).code(), ResultCode::Accept);
}

#[test]
fn lockout_after_repeated_rejections() {
    // The lockout of a meter vendor's FAQ (metering.clouglobal.com, result code 15 of the Conlog
    // BEC62 manual), scaled: 3 rejected tokens lock for 10, each further one doubles the time up to
    // 40.
    let mut d = sample_decoder::<8>(KeyType::Dutk, 255);
    d.set_config(DecoderConfig {
        lockout: Some(Lockout {
            after_failures: 3,
            first: 10,
            longest: 40,
        }),
        ..DecoderConfig::default()
    });
    let bad = digits(TokenNumber::from_parts(
        TokenClass::TransferCredit,
        0x1234_5678,
    ));
    let good = |tid| digits(sample_cipher().encode(&credit(tid, 1)).unwrap());
    let test = digits(
        sts::cipher::encode_unencrypted(&TokenRepr::InitiateMeterTest1 {
            control: 1,
            manufacturer_code: 0,
        })
        .unwrap(),
    );
    // Two rejections (a CRC and a format failure) do not lock yet; the third does.
    assert_eq!(d.handle_token(&bad, 0, zero).code(), ResultCode::Crc);
    assert_eq!(d.handle_token(b"123", 0, zero).code(), ResultCode::Format);
    assert_eq!(d.locked_until(0), None);
    assert_eq!(d.handle_token(&bad, 0, zero).code(), ResultCode::Crc);
    assert_eq!(d.locked_until(0), Some(10));
    // Locked: a valid meter-specific token is refused unread and its TID is not recorded; a
    // class 1 token still works and does not end the lockout.
    assert_eq!(
        d.handle_token(&good(100), 5, zero),
        Outcome::Rejected {
            code: ResultCode::TokenLockout,
            token: None
        }
    );
    assert_eq!(d.tids().count(), 0);
    assert_eq!(d.handle_token(&test, 6, zero).code(), ResultCode::Accept);
    assert_eq!(d.locked_until(9), Some(10));
    // At the end of the lockout the token is accepted, which clears the count.
    assert_eq!(d.locked_until(10), None);
    assert_eq!(
        d.handle_token(&good(100), 10, zero).code(),
        ResultCode::Accept
    );
    assert_eq!(d.handle_token(&bad, 11, zero).code(), ResultCode::Crc);
    assert_eq!(d.handle_token(&bad, 11, zero).code(), ResultCode::Crc);
    assert_eq!(d.locked_until(11), None);
    // Three in a row again: 10; the next rejection after it 20, then 40, and 40 at most. A
    // token already used counts as a rejection too.
    assert_eq!(
        d.handle_token(&good(100), 20, zero).code(),
        ResultCode::Used
    );
    assert_eq!(d.locked_until(20), Some(30));
    assert_eq!(
        d.handle_token(&good(101), 29, zero).code(),
        ResultCode::TokenLockout
    );
    assert_eq!(d.handle_token(&bad, 30, zero).code(), ResultCode::Crc);
    assert_eq!(d.locked_until(30), Some(50));
    assert_eq!(d.handle_token(&bad, 50, zero).code(), ResultCode::Crc);
    assert_eq!(d.locked_until(50), Some(90));
    assert_eq!(d.handle_token(&bad, 90, zero).code(), ResultCode::Crc);
    assert_eq!(d.locked_until(90), Some(130));
    // A power cycle (restore from the saved state) forgets the lockout.
    let mut image = [0u8; Decoder::<'static, 8>::STATE_LEN];
    d.save(&mut image).unwrap();
    let mut r: Decoder<'_, 8> =
        Decoder::restore(&image, Algorithm::Ea07(&SAMPLE_TABLES), *d.config()).unwrap();
    assert_eq!(r.locked_until(91), None);
    assert_eq!(
        r.handle_token(&good(101), 91, zero).code(),
        ResultCode::Accept
    );
}

#[test]
fn result_codes_are_the_meter_numbers() {
    // W9 numbering: 15 is the lockout; 16 (virtual carrier not ready) is not a decoder result.
    assert_eq!(ResultCode::from_u8(15), ResultCode::TokenLockout);
    assert_eq!(ResultCode::TokenLockout.value(), 15);
    assert_eq!(ResultCode::from_u8(16), ResultCode::Unknown(16));
    for v in 0..=255 {
        assert_eq!(ResultCode::from_u8(v).value(), v);
    }
}
