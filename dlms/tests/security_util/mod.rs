//! Helpers shared by the `security_*` integration tests.
#![allow(dead_code)]

use dlms::security::{Key, KeyId, SecurityContext, SecuritySuite, SystemTitle};

/// Decodes hex (whitespace ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Green Book suite-0 keys and titles (vectors SEC-01..05).
pub const EK: &str = "000102030405060708090a0b0c0d0e0f";
pub const AK: &str = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
/// The system title used in the Green Book ciphering examples (the sender's).
pub const ST_SENDER: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
/// The other party.
pub const ST_OTHER: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];

pub fn key(s: &str) -> Key {
    Key::from_slice(&hex(s)).unwrap()
}

/// A receiving context for APDUs sent by `ST_SENDER` with the given keys.
pub fn receiver(suite: SecuritySuite, ek: &str, ak: Option<&str>) -> SecurityContext {
    let mut ctx = SecurityContext::new(suite, SystemTitle::new(ST_OTHER)).unwrap();
    ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, key(ek))
        .unwrap();
    if let Some(ak) = ak {
        ctx.set_key(KeyId::AUTHENTICATION, key(ak)).unwrap();
    }
    ctx.set_peer_title(Some(SystemTitle::new(ST_SENDER)));
    ctx
}

/// The sending context matching [`receiver`].
pub fn sender(suite: SecuritySuite, ek: &str, ak: Option<&str>) -> SecurityContext {
    let mut ctx = SecurityContext::new(suite, SystemTitle::new(ST_SENDER)).unwrap();
    ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, key(ek))
        .unwrap();
    if let Some(ak) = ak {
        ctx.set_key(KeyId::AUTHENTICATION, key(ak)).unwrap();
    }
    ctx.set_peer_title(Some(SystemTitle::new(ST_OTHER)));
    ctx
}
