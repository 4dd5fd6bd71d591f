//! Whole APDUs through `dlms::security`'s envelope views with arbitrary keys, policy and bytes:
//! `unprotect_apdu`, `unprotect_user_information` and `verify_signed` never panic; what
//! unprotects is the information the application layer's parser sees, and replaying it fails;
//! and whatever a sender protects (every envelope, protection, symmetric key kind and counter)
//! the receiver unprotects back to the same plaintext.
//!
//! Input: `flags | suite | key tweak | [64 key bytes if flags & 0x80] | APDU`. The keys are the
//! Green Book keys with every byte XORed with the tweak, or the 64 bytes given. The elliptic-curve
//! paths (agreed keys, general-signing) are parsed up to the missing EC keys: their scalar
//! multiplications cost milliseconds per run under instrumentation and the fuzzer would spend
//! its time there; the unit tests cover them against OpenSSL.
#![no_main]

use dlms::apdu::{Apdu, CipheredApduMut, EnvelopeHead};
use dlms::security::{
    Ciphering, Counters, EnvelopeKind, GeneralFields, GeneralKey, KeyId,
    SecurityControl, SecurityPolicy, SecuritySuite, SendCounter, SigningCoverage,
};
use libfuzzer_sys::fuzz_target;

mod unprotect_input;
use unprotect_input::{byte, context, key, policy, take};

const METER: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
const CLIENT: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let flags = byte(&mut data);
    let suite = SecuritySuite(byte(&mut data) % 3);
    let tweak = byte(&mut data);
    let len = suite.key_len().unwrap();
    let (ek, ak) = if flags & 0x80 != 0 {
        (key(take(&mut data, 32), len), key(take(&mut data, 32), len))
    } else {
        let gb = |base: u8| -> Vec<u8> { (0..32u8).map(|i| (base.wrapping_add(i)) ^ tweak).collect() };
        (key(&gb(0x00), len), key(&gb(0xD0), len))
    };

    // 1. Arbitrary bytes into the receiver (the meter's peer, the client), arbitrary policy.
    let mut rx = context(suite, CLIENT, METER, &ek, &ak);
    rx.set_policy(policy(flags, suite));
    rx.set_general_ciphering_aad(flags & 32 != 0);
    rx.set_signing_coverage(if flags & 64 != 0 {
        SigningCoverage::HeaderAndContent
    } else {
        SigningCoverage::Prefix
    });

    // The envelope view agrees with the parser.
    let mut split_copy = data.to_vec();
    if let Ok(parts) = CipheredApduMut::split(&mut split_copy) {
        let (sc, ic, info, tag) = match Apdu::parse(data).expect("a split envelope parses") {
            Apdu::Ciphered(c) => (c.content.security_control, c.content.invocation_counter, c.content.information, c.content.auth_tag),
            Apdu::GeneralGloCiphering(g) => (g.content.security_control, g.content.invocation_counter, g.content.information, g.content.auth_tag),
            Apdu::GeneralCiphering(g) => {
                assert!(matches!(parts.head, EnvelopeHead::GeneralCiphering { header, key_info } if header == g.header && key_info == g.key_info));
                (g.content.security_control, g.content.invocation_counter, g.content.information, g.content.auth_tag)
            }
            other => panic!("split a {}", other.type_name()),
        };
        assert_eq!((parts.security_control, parts.invocation_counter), (sc, ic));
        assert_eq!(&*parts.information, info);
        assert_eq!(parts.auth_tag, tag);
    }

    let mut apdu = data.to_vec();
    if let Ok(got) = rx.unprotect_apdu(&mut apdu) {
        assert!(got.plaintext.len() + 7 <= data.len());
        assert!(rx.unprotect_apdu(&mut data.to_vec()).is_err(), "a replay");
    }
    let _ = rx.unprotect_user_information(&mut data.to_vec());
    // Without the peer's signing key this parses, checks the titles and stops.
    let _ = rx.verify_signed(&mut data.to_vec());

    // 2. Round trip: the rest of the input as the plaintext, through a chosen envelope.
    let mut tx = context(suite, METER, CLIENT, &ek, &ak);
    let mut rx = context(suite, CLIENT, METER, &ek, &ak);
    rx.set_policy(SecurityPolicy::STRICT.allow_unauthenticated(true));
    let aad = flags & 32 != 0;
    tx.set_general_ciphering_aad(aad);
    rx.set_general_ciphering_aad(aad);
    let start = u32::from_be_bytes(core::array::from_fn(|i| input.get(i).copied().unwrap_or(0)));
    let mut counters = Counters::default();
    counters.unicast.tx = SendCounter::starting_at(start);
    counters.broadcast.tx = SendCounter::starting_at(start);
    counters.dedicated.tx = SendCounter::starting_at(start);
    tx.set_counters(counters);
    let protection = [0x00, 0x10, 0x20, 0x30][usize::from(tweak & 3)];
    let control = SecurityControl::from_byte(protection | suite.0)
        .with_broadcast_key(tweak & 4 != 0);
    let one_time = key(&[tweak; 32], len);
    let tid = [tweak; 8];
    let fields = GeneralFields { transaction_id: &tid, ..GeneralFields::default() };
    let kind = match (flags >> 4) & 7 {
        0 => EnvelopeKind::Service(Ciphering::Global),
        1 => EnvelopeKind::Service(Ciphering::Dedicated),
        2 => EnvelopeKind::General(Ciphering::Global),
        3 => EnvelopeKind::General(Ciphering::Dedicated),
        4 => EnvelopeKind::GeneralCiphering { fields, key: GeneralKey::Identified(KeyId(tweak & 1)) },
        5 => EnvelopeKind::GeneralCiphering { fields, key: GeneralKey::Wrapped(&one_time) },
        _ => EnvelopeKind::GeneralCiphering { fields, key: GeneralKey::Identified(KeyId::GLOBAL_UNICAST_ENCRYPTION) },
    };
    let mut buf = vec![0u8; data.len() + 400];
    buf[..data.len()].copy_from_slice(data);
    match tx.protect_apdu(&kind, control, &mut buf, data.len()) {
        Ok(n) => {
            assert_eq!(n, tx.protected_len(&kind, control, data.len()).unwrap());
            let got = rx.unprotect_apdu(&mut buf[..n]).expect("what we protect unprotects");
            assert_eq!(got.plaintext, data);
        }
        // A service without a glo-/ded- form (or an empty plaintext) has no service-specific
        // envelope; nothing else may fail.
        Err(dlms::Error::InvalidArgument { .. }) => {
            assert!(matches!(kind, EnvelopeKind::Service(_)));
        }
        Err(e) => panic!("protect failed: {e}"),
    }
});
