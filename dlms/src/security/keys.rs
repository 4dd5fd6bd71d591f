//! Symmetric keys and AES key wrap (Green Book 9.2.7.2.3 and 9.2.7.2.5; RFC 3394).

use core::fmt;

use aes::cipher::KeyInit;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::wire::SecuritySuite;
use crate::{Error, Result};

/// A symmetric key: 16 bytes (AES-128; suites 0 and 1) or 32 bytes (AES-256; suite 2).
///
/// The bytes are wiped when the key is dropped; `Debug` shows the size, never the bytes;
/// equality is constant-time.
///
/// ```
/// use dlms::security::Key;
/// let ek = Key::from_slice(&[0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
///                            0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]).unwrap();
/// assert_eq!(ek.len(), 16);
/// assert_eq!(format!("{ek:?}"), "Key(AES-128, ..)");
/// ```
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
    len: u8,
}

impl Key {
    /// An AES-128 key.
    #[must_use]
    pub fn aes128(mut bytes: [u8; 16]) -> Self {
        let key = Self::from_fixed(&bytes);
        bytes.zeroize();
        key
    }

    /// An AES-256 key.
    #[must_use]
    pub fn aes256(mut bytes: [u8; 32]) -> Self {
        let key = Self::from_fixed(&bytes);
        bytes.zeroize();
        key
    }

    fn from_fixed(src: &[u8]) -> Self {
        let mut key = Self {
            bytes: [0; 32],
            len: 0,
        };
        if let Some(dst) = key.bytes.get_mut(..src.len()) {
            dst.copy_from_slice(src);
            // `src` is 16 or 32 bytes long here (callers).
            key.len = if src.len() == 32 { 32 } else { 16 };
        }
        key
    }

    /// A key from a slice of 16 or 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other length (caller error).
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        match bytes.len() {
            16 | 32 => Ok(Self::from_fixed(bytes)),
            _ => Err(Error::InvalidArgument {
                what: "a key must be 16 or 32 bytes long",
            }),
        }
    }

    /// The key size in bytes: 16 or 32.
    #[must_use]
    #[allow(clippy::len_without_is_empty)] // a key is never empty
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// The key bytes (needed for the AAD, key wrap and persistence; handle with care).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len()).unwrap_or(&[])
    }

    /// The key in a 32-byte array (the first [`Key::len`] bytes are the key).
    pub(crate) const fn raw(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Checks that the key has the size `suite` needs.
    ///
    /// # Errors
    /// [`Error::UnsupportedSuite`] for an unknown suite, [`Error::KeySize`] for a key of the
    /// wrong size.
    pub fn check_suite(&self, suite: SecuritySuite) -> Result<()> {
        let expected = suite.require_known()?;
        if self.len() == expected {
            Ok(())
        } else {
            Err(Error::KeySize {
                suite: suite.id(),
                expected,
                found: self.len(),
            })
        }
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(AES-{}, ..)", self.len() * 8)
    }
}

impl ConstantTimeEq for Key {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        // Lengths are public (16 or 32); the bytes are compared in constant time.
        self.len.ct_eq(&other.len) & self.bytes.ct_eq(&other.bytes)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Key {}

/// Length of a wrapped 16-byte key (RFC 3394: key + 8).
pub const WRAPPED_KEY_128_LEN: usize = 24;
/// Length of a wrapped 32-byte key.
pub const WRAPPED_KEY_256_LEN: usize = 40;

/// Wraps `key` with the master key `kek` (RFC 3394 AES key wrap, default IV `A6A6A6A6A6A6A6A6`;
/// Green Book 9.2.7.2.5) into `out`, and returns the wrapped bytes (`key.len() + 8` of them).
///
/// The KEK may be 16 or 32 bytes (suites 0/1 and 2); any key can be wrapped with either.
///
/// # Errors
/// [`Error::BufferTooSmall`] when `out` is shorter than `key.len() + 8`.
///
/// ```
/// use dlms::security::{Key, wrap_key};
/// // RFC 3394 4.1: 128 bits of key data wrapped with a 128-bit KEK.
/// let kek = Key::aes128([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
///                        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]);
/// let key = Key::aes128([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
///                        0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]);
/// let mut out = [0u8; 24];
/// let wrapped = wrap_key(&kek, &key, &mut out)?;
/// assert_eq!(wrapped[..8], [0x1F, 0xA6, 0x8B, 0x0A, 0x81, 0x12, 0xB4, 0x47]);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn wrap_key<'a>(kek: &Key, key: &Key, out: &'a mut [u8]) -> Result<&'a [u8]> {
    let needed = key.len() + 8;
    let available = out.len();
    let out = out
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, available })?;
    let wrapped = match kek.len() {
        32 => aes_kw::KwAes256::new_from_slice(kek.as_bytes())
            .map_err(|_| Error::InvalidArgument { what: "master key" })?
            .wrap_key(key.as_bytes(), out),
        _ => aes_kw::KwAes128::new_from_slice(kek.as_bytes())
            .map_err(|_| Error::InvalidArgument { what: "master key" })?
            .wrap_key(key.as_bytes(), out),
    };
    wrapped.map_err(|_| Error::BufferTooSmall { needed, available })
}

/// Unwraps a key wrapped with the master key `kek` (RFC 3394; Green Book 9.2.7.2.5), as sent
/// in Security setup `key_transfer` or a general-ciphering wrapped key.
///
/// # Errors
/// [`Error::KeyUnwrap`] when the integrity check fails (wrong master key, altered data) or the
/// wrapped key is not 24 or 40 bytes long.
///
/// ```
/// use dlms::security::{Key, unwrap_key};
/// let kek = Key::aes128([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
///                        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]);
/// let wrapped = [0x1F, 0xA6, 0x8B, 0x0A, 0x81, 0x12, 0xB4, 0x47, 0xAE, 0xF3, 0x4B, 0xD8,
///                0xFB, 0x5A, 0x7B, 0x82, 0x9D, 0x3E, 0x86, 0x23, 0x71, 0xD2, 0xCF, 0xE5];
/// let key = unwrap_key(&kek, &wrapped)?;
/// assert_eq!(key.as_bytes()[..4], [0x00, 0x11, 0x22, 0x33]);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn unwrap_key(kek: &Key, wrapped: &[u8]) -> Result<Key> {
    if wrapped.len() != WRAPPED_KEY_128_LEN && wrapped.len() != WRAPPED_KEY_256_LEN {
        return Err(Error::KeyUnwrap);
    }
    let mut buf = [0u8; 32];
    let result = match kek.len() {
        32 => aes_kw::KwAes256::new_from_slice(kek.as_bytes())
            .map_err(|_| Error::InvalidArgument { what: "master key" })?
            .unwrap_key(wrapped, &mut buf)
            .map_err(|_| Error::KeyUnwrap)
            .and_then(Key::from_slice),
        _ => aes_kw::KwAes128::new_from_slice(kek.as_bytes())
            .map_err(|_| Error::InvalidArgument { what: "master key" })?
            .unwrap_key(wrapped, &mut buf)
            .map_err(|_| Error::KeyUnwrap)
            .and_then(Key::from_slice),
    };
    buf.zeroize();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::KeyId;
    use std::format;

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn key_sizes_and_debug() {
        assert!(Key::from_slice(&[0; 15]).is_err());
        assert!(Key::from_slice(&[0; 24]).is_err());
        let k = Key::from_slice(&[7; 32]).unwrap();
        assert_eq!(k.len(), 32);
        assert_eq!(format!("{k:?}"), "Key(AES-256, ..)");
        assert!(!format!("{k:?}").contains('7'));
        assert_eq!(k.check_suite(SecuritySuite::SUITE_2), Ok(()));
        assert_eq!(
            k.check_suite(SecuritySuite::SUITE_0),
            Err(Error::KeySize {
                suite: 0,
                expected: 16,
                found: 32
            })
        );
        assert_eq!(Key::aes128([1; 16]), Key::from_slice(&[1; 16]).unwrap());
        assert_ne!(Key::aes128([1; 16]), Key::aes128([2; 16]));
    }

    // RFC 3394 section 4 test vectors (4.1, 4.3, 4.6): KEK 000102..., key data 00112233...
    const RFC3394: [(&str, &str, &str); 3] = [
        (
            "000102030405060708090A0B0C0D0E0F",
            "00112233445566778899AABBCCDDEEFF",
            "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5",
        ),
        (
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF",
            "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7",
        ),
        (
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
        ),
    ];

    #[test]
    fn rfc3394_vectors() {
        for (kek, key, wrapped) in RFC3394 {
            let kek = Key::from_slice(&hex(kek)).unwrap();
            let key = Key::from_slice(&hex(key)).unwrap();
            let mut out = [0xA5u8; 40];
            assert_eq!(wrap_key(&kek, &key, &mut out).unwrap(), &hex(wrapped)[..]);
            assert_eq!(unwrap_key(&kek, &hex(wrapped)).unwrap(), key);
        }
    }

    #[test]
    fn unwrap_failures() {
        let (kek, _, wrapped) = RFC3394[0];
        let kek = Key::from_slice(&hex(kek)).unwrap();
        let mut altered = hex(wrapped);
        altered[9] ^= 0x01;
        assert_eq!(unwrap_key(&kek, &altered), Err(Error::KeyUnwrap));
        let other = Key::aes128([0; 16]);
        assert_eq!(unwrap_key(&other, &hex(wrapped)), Err(Error::KeyUnwrap));
        assert_eq!(unwrap_key(&kek, &hex(wrapped)[..16]), Err(Error::KeyUnwrap));
        let mut small = [0u8; 23];
        assert_eq!(
            wrap_key(&kek, &kek, &mut small),
            Err(Error::BufferTooSmall {
                needed: 24,
                available: 23
            })
        );
    }

    #[test]
    fn key_ids() {
        assert_eq!(KeyId::MASTER.0, 3);
        assert_eq!(KeyId(9).name(), None);
        assert_eq!(KeyId::AUTHENTICATION.name(), Some("authentication-key"));
    }
}
