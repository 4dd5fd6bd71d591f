//! `dlms::security` unprotect on arbitrary keys, policy and bytes: never panics; and whatever a
//! sender protects (arbitrary suite, protection, key family, counter, plaintext) the receiver
//! unprotects back to the same plaintext.
#![no_main]

use dlms::security::{
    Ciphering, Envelope, KeyId, Protection, SecurityControl, SecurityPolicy, SecuritySuite,
    SendCounter,
};
use libfuzzer_sys::fuzz_target;

mod unprotect_input;
use unprotect_input::{byte, context, key, policy, take};

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let flags = byte(&mut data);
    let suite = SecuritySuite(byte(&mut data) % 3);
    let len = suite.key_len().unwrap();
    let ek = key(take(&mut data, 32), len);
    let ak = key(take(&mut data, 32), len);
    let own: [u8; 8] = core::array::from_fn(|i| take(&mut data, 1).first().copied().unwrap_or(i as u8));
    let peer = [0x4D, 0x4D, 0x4D, 0, 0, 0xBC, 0x61, 0x4E];

    // 1. Arbitrary ciphered content into the receiver, under an arbitrary policy.
    let mut rx = context(suite, own, peer, &ek, &ak);
    rx.set_policy(policy(flags, suite));
    if flags & 32 != 0 {
        rx.clear_key(KeyId::AUTHENTICATION);
    }
    let title_len = usize::from(byte(&mut data) % 10);
    let title = take(&mut data, title_len).to_vec();
    let envelope = match flags >> 6 {
        0 => Envelope::global(),
        1 => Envelope::dedicated(),
        2 => Envelope::global().with_system_title(&title),
        _ => Envelope::dedicated().with_system_title(&title),
    };
    let mut content = data.to_vec();
    if let Ok(got) = rx.unprotect_content(&envelope, &mut content) {
        assert!(got.plaintext.len() + 5 <= data.len());
        // The same content is now a replay.
        let mut again = data.to_vec();
        assert!(rx.unprotect_content(&envelope, &mut again).is_err());
    }

    // 2. Round trip: protect the remaining bytes as plaintext, unprotect them.
    let mut tx = context(suite, peer, own, &ek, &ak);
    let mut rx = context(suite, own, peer, &ek, &ak);
    rx.set_policy(SecurityPolicy::STRICT.allow_unauthenticated(true));
    let protection = [
        Protection::None,
        Protection::Authenticated,
        Protection::Encrypted,
        Protection::AuthenticatedEncrypted,
    ][usize::from(flags & 3)];
    let dedicated = flags & 4 != 0;
    let control = SecurityControl::new(suite, protection).with_broadcast_key(!dedicated && flags & 8 != 0);
    let start = u32::from_be_bytes(core::array::from_fn(|i| input.get(i).copied().unwrap_or(0)));
    let mut counters = *tx.counters();
    counters.unicast.tx = SendCounter::starting_at(start);
    counters.broadcast.tx = SendCounter::starting_at(start);
    counters.dedicated.tx = SendCounter::starting_at(start);
    tx.set_counters(counters);
    let (ciphering, envelope) = if dedicated {
        (Ciphering::Dedicated, Envelope::dedicated())
    } else {
        (Ciphering::Global, Envelope::global().with_system_title(&peer))
    };
    let mut buf = vec![0u8; 5 + data.len() + 12];
    buf[5..5 + data.len()].copy_from_slice(data);
    let n = tx.protect_content(ciphering, control, None, &mut buf, data.len()).unwrap();
    let got = rx.unprotect_content(&envelope, &mut buf[..n]).unwrap();
    assert_eq!(got.plaintext, data);
});
