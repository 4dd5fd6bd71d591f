//! Input helpers shared by the `unprotect` and `unprotect_apdu` fuzz targets.

use dlms::security::{Key, KeyId, SecurityContext, SecurityPolicy, SecuritySuite, SystemTitle};

/// Splits `n` bytes off the front of `data` (fewer if it is shorter).
pub fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, tail) = data.split_at(n.min(data.len()));
    *data = tail;
    head
}

/// One byte off the front of `data` (0 when it is empty).
pub fn byte(data: &mut &[u8]) -> u8 {
    take(data, 1).first().copied().unwrap_or(0)
}

/// A key of `len` bytes from `bytes`, zero-padded.
pub fn key(bytes: &[u8], len: usize) -> Key {
    let mut k = [0u8; 32];
    k[..bytes.len().min(len)].copy_from_slice(&bytes[..bytes.len().min(len)]);
    Key::from_slice(&k[..len]).unwrap()
}

/// A context with `ek` as every encryption key and the master key, `ak` as the authentication
/// key, and the peer's title.
pub fn context(suite: SecuritySuite, own: [u8; 8], peer: [u8; 8], ek: &Key, ak: &Key) -> SecurityContext {
    let mut ctx = SecurityContext::new(suite, SystemTitle::new(own)).unwrap();
    for id in [KeyId::GLOBAL_UNICAST_ENCRYPTION, KeyId::GLOBAL_BROADCAST_ENCRYPTION, KeyId::MASTER] {
        ctx.set_key(id, ek.clone()).unwrap();
    }
    ctx.set_key(KeyId::AUTHENTICATION, ak.clone()).unwrap();
    ctx.set_dedicated_key(Some(ek.clone())).unwrap();
    ctx.set_peer_title(Some(SystemTitle::new(peer)));
    ctx
}

/// A policy from the low five bits of `flags`.
pub fn policy(flags: u8, suite: SecuritySuite) -> SecurityPolicy {
    let policy = SecurityPolicy::STRICT
        .allow_unauthenticated(flags & 1 != 0)
        .allow_empty_system_title(flags & 2 != 0)
        .allow_unverified_tag(flags & 4 != 0)
        .require_encryption(flags & 8 != 0);
    if flags & 16 != 0 {
        policy.also_accept_suite(SecuritySuite((suite.0 + 1) % 3))
    } else {
        policy
    }
}
