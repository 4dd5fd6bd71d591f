//! STS token decoding on arbitrary bytes: the digit parser, the class transposition and every
//! cipher never panic; whatever decodes re-encodes to the same 20 digits. The text parsers of
//! keys, PANs and date-times never panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts::{
    Algorithm, DateTime, DecoderKey, Pan, TokenCipher, TokenNumber, VendingKey,
    sta::SAMPLE_TABLES,
};

fuzz_target!(|data: &[u8]| {
    // The first 16 bytes (if any) are a key; the rest is the token text.
    let (key, text) = data.split_at(data.len().min(16));
    let mut k16 = [0u8; 16];
    k16[..key.len()].copy_from_slice(key);
    let k8: [u8; 8] = k16[..8].try_into().unwrap();
    let ciphers = [
        TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &DecoderKey::new64(k8)).unwrap(),
        TokenCipher::new(Algorithm::Ea09, &DecoderKey::new64(k8)).unwrap(),
        TokenCipher::new(Algorithm::Ea11, &DecoderKey::new128(k16)).unwrap(),
    ];
    let numbers = [
        TokenNumber::from_digits(text).ok(),
        core::str::from_utf8(text).ok().and_then(|s| s.parse::<TokenNumber>().ok()),
    ];
    for n in numbers.into_iter().flatten() {
        assert_eq!(TokenNumber::from_digits(&n.to_digits()), Ok(n));
        assert_eq!(TokenNumber::from_parts(n.class(), n.block()), n);
        for c in &ciphers {
            if let Ok(d) = c.decode(n) {
                assert_eq!(c.encode(&d.token), Ok(n));
                assert_eq!(d.token.to_block(), Ok(d.plaintext));
            }
        }
    }
    if let Ok(s) = core::str::from_utf8(text) {
        let _ = DecoderKey::from_hex(s);
        let _ = VendingKey::from_hex(s);
        let _ = Pan::parse(s);
        let _ = Pan::from_meter_number(s);
        if let Ok(t) = s.parse::<DateTime>() {
            assert_eq!(t.to_string().parse::<DateTime>(), Ok(t));
        }
    }
});
