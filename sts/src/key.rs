//! Key material: decoder keys and vending keys.
//!
//! Keys are held in their canonical form: the bytes of the big-endian integer (IEC 62055-41;
//! NectarAPI/tokens-service stores EA07 keys byte-reversed — reverse its printed keys before use).
//! `Debug` shows only the key length, and the bytes are zeroized on drop. Equality is
//! constant-time.

use core::fmt;

use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Parses hex digits (no separators) into `out`; returns how many bytes were written.
pub(crate) fn parse_hex(text: &str, out: &mut [u8]) -> Result<usize> {
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return Err(Error::InvalidArgument {
            what: "odd number of hex digits",
        });
    }
    let n = t.len() / 2;
    if n > out.len() {
        return Err(Error::InvalidArgument {
            what: "hex string too long",
        });
    }
    for (i, (pair, slot)) in t.chunks_exact(2).zip(out.iter_mut()).enumerate() {
        let nib = |offset: usize| -> Result<u8> {
            let b = pair.get(offset).copied().unwrap_or(b' ');
            match b {
                b'0'..=b'9' => Ok(b - b'0'),
                b'a'..=b'f' => Ok(b - b'a' + 10),
                b'A'..=b'F' => Ok(b - b'A' + 10),
                _ => Err(Error::NotADigit {
                    offset: 2 * i + offset,
                    byte: b,
                }),
            }
        };
        *slot = (nib(0)? << 4) | nib(1)?;
    }
    Ok(n)
}

/// Compares in time independent of where the inputs differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Writes bytes as lower-case hex.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Key bytes in a fixed buffer: the first `len` bytes of `bytes`. Zeroized on drop, compared in
/// constant time, never printed.
#[derive(Clone)]
struct Secret<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Secret<N> {
    /// `key` (at most N bytes; the caller checks the length).
    fn new(key: &[u8]) -> Self {
        let mut bytes = [0u8; N];
        for (d, s) in bytes.iter_mut().zip(key) {
            *d = *s;
        }
        Self {
            bytes,
            len: key.len().min(N) as u8,
        }
    }

    /// Parses hex into a zeroized scratch buffer and hands the bytes to `make`.
    fn from_hex<T>(hex: &str, make: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        let mut buf = [0u8; N];
        let key = parse_hex(hex, &mut buf).and_then(|n| make(buf.get(..n).unwrap_or_default()));
        buf.zeroize();
        key
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    fn bits(&self) -> u32 {
        u32::from(self.len) * 8
    }
}

impl<const N: usize> PartialEq for Secret<N> {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(self.as_bytes(), other.as_bytes())
    }
}

impl<const N: usize> Eq for Secret<N> {}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// A decoder key: 8 bytes (EA07, EA09) or 16 bytes (EA11), canonical big-endian.
///
/// ```
/// use sts::DecoderKey;
/// let k = DecoderKey::from_hex("e653341f9d5bf36f")?;
/// assert_eq!(k.len(), 8);
/// assert_eq!(format!("{k:?}"), "DecoderKey(64 bits)");
/// assert_eq!(k.reveal_hex().to_string(), "e653341f9d5bf36f");
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DecoderKey(Secret<16>);

impl DecoderKey {
    /// An 8-byte key (EA07, EA09).
    #[must_use]
    pub fn new64(key: [u8; 8]) -> Self {
        Self(Secret::new(&key))
    }

    /// A 16-byte key (EA11).
    #[must_use]
    pub fn new128(key: [u8; 16]) -> Self {
        Self(Secret::new(&key))
    }

    /// A key from 8 or 16 bytes.
    ///
    /// # Errors
    /// [`Error::KeyLength`] for any other length.
    pub fn from_slice(key: &[u8]) -> Result<Self> {
        match key.len() {
            8 | 16 => Ok(Self(Secret::new(key))),
            found => Err(Error::KeyLength {
                expected: if found < 12 { 8 } else { 16 },
                found,
            }),
        }
    }

    /// A key from 16 or 32 hex digits.
    ///
    /// # Errors
    /// [`Error::NotADigit`], [`Error::InvalidArgument`] or [`Error::KeyLength`].
    pub fn from_hex(hex: &str) -> Result<Self> {
        Secret::<16>::from_hex(hex, Self::from_slice)
    }

    /// The key bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The key length in bytes (8 or 16).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.0.len as usize
    }

    /// Always false: a key has 8 or 16 bytes.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// An 8-byte key as its big-endian integer.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        <[u8; 8]>::try_from(self.as_bytes())
            .ok()
            .map(u64::from_be_bytes)
    }

    /// A [`Display`](fmt::Display) of the key in lower-case hex; call it only where printing the
    /// key is intended.
    pub fn reveal_hex(&self) -> impl fmt::Display + '_ {
        Hex(self.as_bytes())
    }
}

impl fmt::Debug for DecoderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecoderKey({} bits)", self.0.bits())
    }
}

/// A vending key: 8 bytes for DKGA02 (DES), 20 bytes for DKGA04 (HMAC-SHA-256).
///
/// ```
/// use sts::VendingKey;
/// let vk = VendingKey::from_hex("abababababababab")?;
/// assert_eq!(format!("{vk:?}"), "VendingKey(64 bits)");
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct VendingKey(Secret<32>);

impl VendingKey {
    /// The longest vending key accepted, in bytes.
    pub const MAX_LEN: usize = 32;

    /// A vending key from 1 to 32 bytes.
    ///
    /// # Errors
    /// [`Error::KeyLength`] for an empty or longer key.
    pub fn from_slice(key: &[u8]) -> Result<Self> {
        if key.is_empty() || key.len() > Self::MAX_LEN {
            return Err(Error::KeyLength {
                expected: 20,
                found: key.len(),
            });
        }
        Ok(Self(Secret::new(key)))
    }

    /// A vending key from hex digits.
    ///
    /// # Errors
    /// [`Error::NotADigit`], [`Error::InvalidArgument`] or [`Error::KeyLength`].
    pub fn from_hex(hex: &str) -> Result<Self> {
        Secret::<32>::from_hex(hex, Self::from_slice)
    }

    /// The key bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for VendingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VendingKey({} bits)", self.0.bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn hex_and_lengths() {
        let k = DecoderKey::from_hex("92666e9f0478a17770614c1c5fce9d46").unwrap();
        assert_eq!(k.len(), 16);
        assert_eq!(k.as_u64(), None);
        assert_eq!(
            k.reveal_hex().to_string(),
            "92666e9f0478a17770614c1c5fce9d46"
        );
        let k = DecoderKey::from_hex("E653341F9D5BF36F").unwrap();
        assert_eq!(k.as_u64(), Some(0xe653_341f_9d5b_f36f));
        assert_eq!(k, DecoderKey::new64(0xe653_341f_9d5b_f36fu64.to_be_bytes()));
        assert_ne!(k, DecoderKey::new64([0; 8]));
        assert_eq!(
            DecoderKey::from_hex("e653341f9d5bf3"),
            Err(Error::KeyLength {
                expected: 8,
                found: 7
            })
        );
        assert!(matches!(
            DecoderKey::from_hex("e653341f9d5bf36"),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(
            DecoderKey::from_hex("e653341f9d5bf3zz"),
            Err(Error::NotADigit {
                offset: 14,
                byte: b'z'
            })
        );
        assert!(DecoderKey::from_hex(&"00".repeat(17)).is_err());
        assert!(VendingKey::from_hex("").is_err());
        assert!(VendingKey::from_hex(&"00".repeat(33)).is_err());
        assert_eq!(
            VendingKey::from_hex("abababababababab949494949494949401234567")
                .unwrap()
                .as_bytes()
                .len(),
            20
        );
    }

    #[test]
    fn debug_hides_bytes() {
        let k = DecoderKey::from_hex("e653341f9d5bf36f").unwrap();
        assert_eq!(format!("{k:?}"), "DecoderKey(64 bits)");
        let v = VendingKey::from_hex("abababababababab949494949494949401234567").unwrap();
        assert_eq!(format!("{v:?}"), "VendingKey(160 bits)");
    }
}
