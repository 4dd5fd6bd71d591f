//! The meter-side decoder as a state machine fed token sequences: it never panics, its TID memory
//! never exceeds its capacity, an accepted TID is refused as used when entered again, and saving
//! then restoring the state gives a decoder that saves the same image.
//!
//! Input: a sequence of 9-byte commands. Byte 0 selects the command; bytes 1..9 are its argument.
//! Tokens are built from the argument (class, subclass, 44-bit payload) and encrypted under the
//! decoder's current key, so the fuzzer reaches past the CRC check; raw digit strings test the
//! format checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts::decoder::{Decoder, DecoderConfig, MeterKey, Outcome, ResultCode};
use sts::{
    Algorithm, BaseDate, DecoderKey, KeyType, TokenCipher, TokenClass, TokenNumber, TokenRepr,
    sta::SAMPLE_TABLES,
};

const N: usize = 8;

fn run(alg: Algorithm<'static>, key: DecoderKey, data: &[u8]) {
    let key = MeterKey {
        key,
        kt: KeyType::Dutk,
        krn: 1,
        ken: 0xF0,
        ti: 1,
        sgc: None,
        base_date: BaseDate::Y2014,
    };
    let mut config = DecoderConfig::default();
    config.kct_timeout = Some(1000);
    config.units.max_balance = 1_000_000;
    let mut d: Decoder<'static, N> = Decoder::new(alg, key, config).unwrap();
    let mut now = 0u64;
    for cmd in data.chunks_exact(9) {
        let arg = u64::from_be_bytes(cmd[1..9].try_into().unwrap());
        let digits = match cmd[0] % 4 {
            // A well-formed token of any class/subclass under the current key.
            0 | 1 => {
                let class = TokenClass::from_bits((arg >> 60) as u8);
                let repr = TokenRepr::from_parts(class, (arg >> 56) as u8 & 0xF, arg & ((1 << 44) - 1));
                let cipher = TokenCipher::new(alg, &d.key().key).unwrap();
                cipher.encode(&repr).unwrap().to_digits()
            }
            // An arbitrary 66-bit number (almost always a CRC failure).
            2 => TokenNumber::new(u128::from(arg) << 2 | u128::from(cmd[0] >> 6))
                .unwrap()
                .to_digits(),
            // Save and restore, then move the clock.
            _ => {
                let mut image = [0u8; Decoder::<'static, N>::STATE_LEN];
                d.save(&mut image).unwrap();
                let restored: Decoder<'static, N> =
                    Decoder::restore(&image, alg, *d.config()).unwrap();
                let mut again = [0u8; Decoder::<'static, N>::STATE_LEN];
                restored.save(&mut again).unwrap();
                assert_eq!(image, again);
                d = restored;
                now += arg % 2000;
                continue;
            }
        };
        let balance = |_| (arg % 2_000_000) as i64 - 1_000_000;
        let out = d.handle_token(&digits, now, balance);
        assert!(d.tids().count() <= N);
        if let Outcome::Accepted { token, .. } = out {
            if token.tid().is_some() {
                assert_eq!(d.handle_token(&digits, now, balance).code(), ResultCode::Used);
            }
        }
        let _ = out.code().value();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 3 {
        0 => run(Algorithm::Ea07(&SAMPLE_TABLES), DecoderKey::new64([0x5A; 8]), rest),
        1 => run(Algorithm::Ea09, DecoderKey::new64([0x3C; 8]), rest),
        _ => run(Algorithm::Ea11, DecoderKey::new128([0xA5; 16]), rest),
    }
});
