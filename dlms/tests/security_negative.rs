//! Negative tests, each with its own error, and the interop policy for real meters (issue
//! threads cited per test).

mod security_util;

use dlms::Error;
use dlms::security::{
    Ciphering, Counters, Envelope, Key, KeyId, Protection, SecurityContext, SecurityControl,
    SecurityPolicy, SecuritySuite, SendCounter, SystemTitle, TagStatus, wrap_key,
};
use proptest::prelude::*;
use security_util::{AK, EK, ST_OTHER, ST_SENDER, hex, key, receiver, sender};

/// SEC-01 (u9n/dlms-cosem test_security.py; jDLMS CipheringTest, Green Book): ciphered content
/// of the glo-get-request, i.e. the APDU without tag C8 and length 1E.
const SEC01_CONTENT: &str = "3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b";
const PLAIN: &str = "c0010000080000010000ff0200";

fn sec01() -> Vec<u8> {
    hex(SEC01_CONTENT)
}

#[test]
fn wrong_encryption_key() {
    let mut rx = receiver(
        SecuritySuite::SUITE_0,
        "000102030405060708090a0b0c0d0e0e",
        Some(AK),
    );
    let mut content = sec01();
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content),
        Err(Error::TagMismatch)
    );
    assert_eq!(content, sec01(), "nothing decrypted on a tag mismatch");
    assert_eq!(
        rx.counters().unicast.rx.last(),
        None,
        "counter not recorded"
    );
}

#[test]
fn wrong_authentication_key() {
    let mut rx = receiver(
        SecuritySuite::SUITE_0,
        EK,
        Some("d0d1d2d3d4d5d6d7d8d9dadbdcdddedd"),
    );
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sec01()),
        Err(Error::TagMismatch)
    );
}

#[test]
fn wrong_key_size_for_the_suite() {
    let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(ST_OTHER)).unwrap();
    assert_eq!(
        ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes256([0; 32])),
        Err(Error::KeySize {
            suite: 0,
            expected: 16,
            found: 32
        })
    );
}

#[test]
fn one_flipped_tag_bit() {
    for bit in [0, 7, 12 * 8 - 1] {
        let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
        let mut content = sec01();
        let tag_start = content.len() - 12;
        content[tag_start + bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            rx.unprotect_content(&Envelope::global(), &mut content),
            Err(Error::TagMismatch)
        );
    }
    // A flipped ciphertext bit, and a flipped bit of an authentication-only plaintext, too.
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let mut content = sec01();
    content[7] ^= 0x80;
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content),
        Err(Error::TagMismatch)
    );
    // IEC 62056-5-3, SC 0x10 (authentication only).
    let mut auth_only = hex("1001234567c0010000080000010000ff020006725d910f9221d263877516");
    auth_only[10] ^= 0x01;
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut auth_only),
        Err(Error::TagMismatch)
    );
}

#[test]
fn replayed_and_stale_counter() {
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    rx.unprotect_content(&Envelope::global(), &mut sec01())
        .unwrap();
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sec01()),
        Err(Error::Replay {
            counter: 0x0123_4567,
            last: 0x0123_4567
        })
    );
    // A persisted state with a later counter rejects the (older) APDU as stale.
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let mut counters = Counters::default();
    counters.unicast.rx = dlms::security::ReceiveCounter::from_last(Some(0x0200_0000));
    rx.set_counters(counters);
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sec01()),
        Err(Error::Replay {
            counter: 0x0123_4567,
            last: 0x0200_0000
        })
    );
}

#[test]
fn truncated_header_and_tag() {
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    for len in 0..5 {
        let mut content = sec01()[..len].to_vec();
        assert_eq!(
            rx.unprotect_content(&Envelope::global(), &mut content),
            Err(Error::Truncated {
                field: "security header",
                offset: 0,
                needed: 5 - len
            })
        );
    }
    let mut content = sec01()[..5 + 7].to_vec();
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content),
        Err(Error::Truncated {
            field: "authentication tag",
            offset: 5,
            needed: 5
        })
    );
}

#[test]
fn wrong_system_title() {
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let other = [0x4B, 0x46, 0x4D, 0, 0, 0, 0, 9];
    assert_eq!(
        rx.unprotect_content(&Envelope::global().with_system_title(&other), &mut sec01()),
        Err(Error::WrongSystemTitle {
            expected: ST_SENDER,
            found: other
        })
    );
    assert_eq!(
        rx.unprotect_content(
            &Envelope::global().with_system_title(&other[..5]),
            &mut sec01()
        ),
        Err(Error::SystemTitleLength { len: 5 })
    );
    // No title known and none in the APDU.
    rx.set_peer_title(None);
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sec01()),
        Err(Error::MissingSystemTitle)
    );
    // The right title decrypts (through a general-glo style envelope).
    let mut content = sec01();
    let got = rx
        .unprotect_content(
            &Envelope::global().with_system_title(&ST_SENDER),
            &mut content,
        )
        .unwrap();
    assert_eq!(got.plaintext, &hex(PLAIN)[..]);
}

#[test]
fn zero_length_system_title_only_by_policy() {
    // General-glo `DB 00 ...` (u9n/dlms-cosem tests).
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let empty = Envelope::global().with_system_title(&[]);
    assert_eq!(
        rx.unprotect_content(&empty, &mut sec01()),
        Err(Error::SystemTitleLength { len: 0 })
    );
    rx.set_policy(SecurityPolicy::STRICT.allow_empty_system_title(true));
    let mut content = sec01();
    let got = rx.unprotect_content(&empty, &mut content).unwrap();
    assert_eq!(
        got.system_title,
        SystemTitle::new(ST_SENDER),
        "the known title is used"
    );
}

#[test]
fn kaifa_sc_0x21_only_by_policy() {
    // Kaifa MA309 (tirolerstefan/kaifa #8) sends SC 0x21 (suite 1 id, AES-128 key, encryption
    // only). The ciphertext of SEC-01b does not depend on the SC byte (CTR), so only the byte
    // changes.
    let content = hex("2101234567411312ff935a47566827c467bc");
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, None);
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content.clone()),
        Err(Error::SuiteNotAccepted {
            expected: 0,
            found: 1
        })
    );
    rx.set_policy(SecurityPolicy::STRICT.also_accept_suite(SecuritySuite::SUITE_1));
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content.clone()),
        Err(Error::ProtectionNotAccepted { control: 0x21 })
    );
    rx.set_policy(
        SecurityPolicy::STRICT
            .also_accept_suite(SecuritySuite::SUITE_1)
            .allow_unauthenticated(true),
    );
    let mut buf = content.clone();
    let got = rx.unprotect_content(&Envelope::global(), &mut buf).unwrap();
    assert_eq!(got.plaintext, &hex(PLAIN)[..]);
    assert_eq!(got.tag, TagStatus::Absent);
    // Suite 2 stays refused for a 16-byte key even when listed.
    rx.set_policy(
        SecurityPolicy::STRICT
            .also_accept_suite(SecuritySuite::SUITE_2)
            .allow_unauthenticated(true),
    );
    let mut sc22 = content.clone();
    sc22[0] = 0x22;
    sc22[1] = 0x02; // a fresh counter
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sc22),
        Err(Error::KeySize {
            suite: 2,
            expected: 32,
            found: 16
        })
    );
}

#[test]
fn encryption_only_and_require_encryption() {
    // SEC-01b (jDLMS CipheringTest::test_enrcypted_apdu): SC 0x20, no tag.
    let sec01b = hex("2001234567411312ff935a47566827c467bc");
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sec01b.clone()),
        Err(Error::ProtectionNotAccepted { control: 0x20 })
    );
    // Authentication only is accepted by default, refused with `require_encryption`.
    let mut auth_only = hex("1001234567c0010000080000010000ff020006725d910f9221d263877516");
    rx.set_policy(SecurityPolicy::STRICT.require_encryption(true));
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut auth_only),
        Err(Error::ProtectionNotAccepted { control: 0x10 })
    );
}

#[test]
fn decrypt_without_authentication_key_only_by_policy() {
    // Kamstrup pushes, users with the EK only (arendst/Tasmota #8790).
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, None);
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut sec01()),
        Err(Error::MissingKey {
            key: "authentication key"
        })
    );
    rx.set_policy(SecurityPolicy::STRICT.allow_unverified_tag(true));
    let mut content = sec01();
    let got = rx
        .unprotect_content(&Envelope::global(), &mut content)
        .unwrap();
    assert_eq!(got.plaintext, &hex(PLAIN)[..]);
    assert_eq!(got.tag, TagStatus::NotVerified);
    // Authentication only (IEC 62056-5-3, SC 0x10): the information is in clear, tag unchecked.
    let mut auth_only = hex("1001234568c0010000080000010000ff020006725d910f9221d263877516");
    let got = rx
        .unprotect_content(&Envelope::global(), &mut auth_only)
        .unwrap();
    assert_eq!(got.plaintext, &hex(PLAIN)[..]);
    assert_eq!(got.tag, TagStatus::NotVerified);
    // With the authentication key set the policy has no effect: the tag is checked.
    rx.set_key(KeyId::AUTHENTICATION, key(AK)).unwrap();
    let mut altered = hex("1001234569c0010000080000010000ff020006725d910f9221d263877516");
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut altered),
        Err(Error::TagMismatch)
    );
}

#[test]
fn unsupported_suite_compression_and_missing_keys() {
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let mut content = sec01();
    content[0] = 0x33;
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content),
        Err(Error::UnsupportedSuite { suite: 3 })
    );
    content[0] = 0xB0;
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content),
        Err(Error::CompressionUnsupported { control: 0xB0 })
    );
    content[0] = 0x70; // broadcast key
    assert_eq!(
        rx.unprotect_content(&Envelope::global(), &mut content),
        Err(Error::MissingKey {
            key: "global broadcast encryption key"
        })
    );
    assert_eq!(
        rx.unprotect_content(&Envelope::dedicated(), &mut sec01()),
        Err(Error::MissingKey {
            key: "dedicated key"
        })
    );
    assert_eq!(
        SecurityContext::new(SecuritySuite(5), SystemTitle::new(ST_OTHER)).unwrap_err(),
        Error::UnsupportedSuite { suite: 5 }
    );
}

#[test]
fn sending_counter_exhaustion() {
    let mut tx = sender(SecuritySuite::SUITE_0, EK, Some(AK));
    let mut counters = *tx.counters();
    counters.unicast.tx = SendCounter::starting_at(u32::MAX);
    tx.set_counters(counters);
    let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    let mut data = hex(PLAIN);
    let p = tx
        .protect_in_place(Ciphering::Global, sc, None, &mut data)
        .unwrap();
    assert_eq!(p.invocation_counter, u32::MAX);
    assert_eq!(
        tx.protect_in_place(Ciphering::Global, sc, None, &mut data),
        Err(Error::CounterExhausted)
    );
    // A failed protection does not consume a counter value.
    let mut tx = sender(SecuritySuite::SUITE_0, EK, None);
    assert_eq!(
        tx.protect_in_place(Ciphering::Global, sc, None, &mut data),
        Err(Error::MissingKey {
            key: "authentication key"
        })
    );
    assert_eq!(tx.counters().unicast.tx.next(), Some(0));
    // And the suite must be the context's.
    let sc1 = SecurityControl::new(SecuritySuite::SUITE_1, Protection::AuthenticatedEncrypted);
    assert!(matches!(
        tx.protect_in_place(Ciphering::Global, sc1, None, &mut data),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn keys_per_direction_and_key_set() {
    let mut tx = sender(SecuritySuite::SUITE_0, EK, Some(AK));
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let bk = [0x42; 16];
    tx.set_key(KeyId::GLOBAL_BROADCAST_ENCRYPTION, Key::aes128(bk))
        .unwrap();
    rx.set_key(KeyId::GLOBAL_BROADCAST_ENCRYPTION, Key::aes128(bk))
        .unwrap();
    let dk = Key::aes128([0x24; 16]);
    tx.set_dedicated_key(Some(dk.clone())).unwrap();
    rx.set_dedicated_key(Some(dk)).unwrap();
    let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    for (ciphering, control, envelope) in [
        (Ciphering::Global, sc, Envelope::global()),
        (
            Ciphering::Global,
            sc.with_broadcast_key(true),
            Envelope::global(),
        ),
        (Ciphering::Dedicated, sc, Envelope::dedicated()),
        (Ciphering::Global, sc, Envelope::global()),
    ] {
        let plain = hex(PLAIN);
        let mut content = vec![0u8; 5 + plain.len() + 12];
        content[5..5 + plain.len()].copy_from_slice(&plain);
        let len = tx
            .protect_content(ciphering, control, None, &mut content, plain.len())
            .unwrap();
        let got = rx
            .unprotect_content(&envelope, &mut content[..len])
            .unwrap();
        assert_eq!(got.plaintext, &plain[..]);
    }
    // Separate counters per key.
    assert_eq!(rx.counters().unicast.rx.last(), Some(1));
    assert_eq!(rx.counters().broadcast.rx.last(), Some(0));
    assert_eq!(rx.counters().dedicated.rx.last(), Some(0));
    // A new dedicated key starts its counters afresh.
    rx.set_dedicated_key(Some(Key::aes128([1; 16]))).unwrap();
    assert_eq!(rx.counters().dedicated.rx.last(), None);
}

#[test]
fn key_transfer_and_debug_hides_keys() {
    let mut ctx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    assert_eq!(
        ctx.transfer_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, &[0; 24]),
        Err(Error::MissingKey { key: "master key" })
    );
    let kek = Key::aes128([0x11; 16]);
    ctx.set_key(KeyId::MASTER, kek.clone()).unwrap();
    let new_ek = Key::aes128([0x77; 16]);
    let mut wrapped = [0u8; 24];
    wrap_key(&kek, &new_ek, &mut wrapped).unwrap();
    ctx.transfer_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, &wrapped)
        .unwrap();
    wrapped[0] ^= 1;
    assert_eq!(
        ctx.transfer_key(KeyId::AUTHENTICATION, &wrapped),
        Err(Error::KeyUnwrap)
    );
    let debug = format!("{ctx:?}");
    assert!(debug.contains("Key(AES-128, ..)"), "{debug}");
    for secret in ["d0, d1", "208, 209", "119, 119", "0x77", "77"] {
        assert!(!debug.contains(secret), "{debug}");
    }
}

proptest! {
    // protect -> unprotect gives the plaintext back, for every protection, suite and key family.
    #[test]
    fn protect_unprotect_roundtrip(
        plain in proptest::collection::vec(any::<u8>(), 0..200),
        protection in 0u8..4,
        suite in 0u8..3,
        dedicated: bool,
        broadcast: bool,
        start in any::<u32>(),
    ) {
        let suite = SecuritySuite(suite);
        let (ek, ak) = if suite == SecuritySuite::SUITE_2 {
            ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
             "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef")
        } else {
            (EK, AK)
        };
        let mut tx = sender(suite, ek, Some(ak));
        let mut rx = receiver(suite, ek, Some(ak));
        rx.set_policy(SecurityPolicy::STRICT.allow_unauthenticated(true));
        for ctx in [&mut tx, &mut rx] {
            ctx.set_key(KeyId::GLOBAL_BROADCAST_ENCRYPTION, key(&ek.replace('0', "9"))).unwrap();
            ctx.set_dedicated_key(Some(key(&ek.replace('1', "8")))).unwrap();
        }
        let mut counters = *tx.counters();
        counters.unicast.tx = SendCounter::starting_at(start);
        counters.broadcast.tx = SendCounter::starting_at(start);
        counters.dedicated.tx = SendCounter::starting_at(start);
        tx.set_counters(counters);
        let protection = [Protection::None, Protection::Authenticated, Protection::Encrypted,
                          Protection::AuthenticatedEncrypted][usize::from(protection)];
        let control = SecurityControl::new(suite, protection).with_broadcast_key(broadcast && !dedicated);
        let (ciphering, envelope) = if dedicated {
            (Ciphering::Dedicated, Envelope::dedicated())
        } else {
            (Ciphering::Global, Envelope::global())
        };
        let mut content = vec![0u8; 5 + plain.len() + 12];
        content[5..5 + plain.len()].copy_from_slice(&plain);
        let len = tx.protect_content(ciphering, control, None, &mut content, plain.len()).unwrap();
        prop_assert_eq!(len, 5 + plain.len() + if protection.has_tag() { 12 } else { 0 });
        if protection.is_encrypted() && plain.len() > 8 {
            prop_assert_ne!(&content[5..5 + plain.len()], &plain[..]);
        }
        let got = rx.unprotect_content(&envelope, &mut content[..len]).unwrap();
        prop_assert_eq!(&got.plaintext[..], &plain[..]);
        prop_assert_eq!(got.invocation_counter, start);
    }

    // Arbitrary content never panics, whatever the policy.
    #[test]
    fn unprotect_arbitrary_content(content in proptest::collection::vec(any::<u8>(), 0..80), lenient: bool) {
        let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
        if lenient {
            rx.set_policy(SecurityPolicy::STRICT
                .also_accept_suite(SecuritySuite::SUITE_1)
                .allow_unauthenticated(true)
                .allow_unverified_tag(true)
                .allow_empty_system_title(true));
        }
        let mut buf = content.clone();
        let _ = rx.unprotect_content(&Envelope::global(), &mut buf);
    }
}

#[test]
fn aad_extension_only_for_authenticated_encryption() {
    // Gurux.DLMS.Python `getAuthenticatedData`: the general-ciphering fields extend the AAD of SC
    // 0x3x only; the context ignores them for other protections, the primitive refuses them.
    let ext = dlms::security::AadExtension {
        transaction_id: &[0, 0, 0, 0, 0, 0, 0, 1],
        ..Default::default()
    };
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    let mut auth_only = hex("1001234567c0010000080000010000ff020006725d910f9221d263877516");
    let got = rx
        .unprotect_content(&Envelope::global().with_aad_extension(&ext), &mut auth_only)
        .unwrap();
    assert_eq!(got.plaintext, &hex(PLAIN)[..]);
    // With SC 0x30 it changes the tag: SEC-01 no longer verifies.
    let mut rx = receiver(SecuritySuite::SUITE_0, EK, Some(AK));
    assert_eq!(
        rx.unprotect_content(&Envelope::global().with_aad_extension(&ext), &mut sec01()),
        Err(Error::TagMismatch)
    );
    // An extension beyond the AAD buffer is refused, not truncated.
    let long = vec![0u8; 600];
    let too_long = dlms::security::AadExtension {
        other_information: &long,
        ..Default::default()
    };
    assert!(matches!(
        rx.unprotect_content(
            &Envelope::global().with_aad_extension(&too_long),
            &mut sec01()
        ),
        Err(Error::AadTooLong { max: 512, .. })
    ));
    let mut tx = sender(SecuritySuite::SUITE_0, EK, Some(AK));
    let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    assert_eq!(
        tx.protect_content(Ciphering::Global, sc, None, &mut [0u8; 8], usize::MAX),
        Err(Error::BufferTooSmall {
            needed: usize::MAX,
            available: 8
        })
    );
}
