//! The NIST SP 800-56A single-step ("concatenation") key derivation function used by security
//! suites 1 and 2 after ECDH (Green Book 9.2.3.4.6.5, Table C.2).
//!
//! ```text
//! K(i) = Hash( counter i (u32 BE, from 1) ‖ Z ‖ AlgorithmID ‖ PartyUInfo ‖ PartyVInfo [‖ SuppPubInfo] [‖ SuppPrivInfo] )
//! key  = leftmost bytes of K(1) ‖ K(2) ‖ …
//! ```

use sha2::Digest;

use super::keys::Key;
use crate::wire::SecuritySuite;
use crate::wire::SystemTitle;
use crate::{Error, Result};

/// The hash of the KDF: SHA-256 for suite 1, SHA-384 for suite 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KdfHash {
    /// SHA-256 (suite 1).
    Sha256,
    /// SHA-384 (suite 2).
    Sha384,
}

impl KdfHash {
    /// The hash of `suite`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for suite 0 (no key agreement), [`Error::UnsupportedSuite`]
    /// for unknown suites.
    pub fn for_suite(suite: SecuritySuite) -> Result<Self> {
        match suite.0 {
            1 => Ok(Self::Sha256),
            2 => Ok(Self::Sha384),
            0 => Err(Error::InvalidArgument {
                what: "security suite 0 has no key agreement",
            }),
            other => Err(Error::UnsupportedSuite { suite: other }),
        }
    }
}

/// The cryptographic algorithm id that ends the AlgorithmID OID 2.16.756.5.8.3.id.
///
/// Only id 0 (AES-GCM-128) appears in a public vector; ids 1 to 3 follow Gurux Go
/// (gxdlms-go `AlgorithmId`, single source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlgorithmId(pub u8);

impl AlgorithmId {
    /// AES-GCM-128.
    pub const AES_GCM_128: Self = Self(0);
    /// AES-GCM-256 (single source).
    pub const AES_GCM_256: Self = Self(1);
    /// AES key wrap with a 128-bit key (single source).
    pub const AES_WRAP_128: Self = Self(2);
    /// AES key wrap with a 256-bit key (single source).
    pub const AES_WRAP_256: Self = Self(3);

    /// The BER contents of the OID 2.16.756.5.8.3.id: `60 85 74 05 08 03 id`.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 7] {
        [0x60, 0x85, 0x74, 0x05, 0x08, 0x03, self.0]
    }
}

/// Derives `out.len()` bytes from the shared secret `z` and the concatenated `other_info`
/// (AlgorithmID ‖ PartyUInfo ‖ PartyVInfo [‖ SuppPubInfo] [‖ SuppPrivInfo]) with the SP 800-56A
/// concatenation KDF (SP 800-56A rev. 3, 5.8.2.1.1).
///
/// ```
/// use dlms::security::{concat_kdf, KdfHash};
/// let mut out = [0u8; 16];
/// concat_kdf(KdfHash::Sha256, &[0x0D; 32], &[b"info"], &mut out);
/// ```
pub fn concat_kdf(hash: KdfHash, z: &[u8], other_info: &[&[u8]], out: &mut [u8]) {
    fn run<D: Digest>(z: &[u8], other_info: &[&[u8]], out: &mut [u8]) {
        let mut counter: u32 = 1;
        for chunk in out.chunks_mut(<D as Digest>::output_size()) {
            let mut h = D::new();
            h.update(counter.to_be_bytes());
            h.update(z);
            for part in other_info {
                h.update(part);
            }
            let mut k = h.finalize();
            if let Some(src) = k.get(..chunk.len()) {
                chunk.copy_from_slice(src);
            }
            zeroize::Zeroize::zeroize(k.as_mut_slice());
            counter = counter.wrapping_add(1);
        }
    }
    match hash {
        KdfHash::Sha256 => run::<sha2::Sha256>(z, other_info, out),
        KdfHash::Sha384 => run::<sha2::Sha384>(z, other_info, out),
    }
}

/// Derives the symmetric key of `suite` (16 bytes for suite 1, 32 for suite 2) from an ECDH
/// shared secret as the Green Book does: `OtherInfo = AlgorithmID ‖ system title of party U ‖
/// system title of party V` (party U is the one that sends the ephemeral key).
///
/// # Errors
/// [`Error::InvalidArgument`] for suite 0, [`Error::UnsupportedSuite`] for unknown suites.
///
/// ```
/// use dlms::security::{derive_key, AlgorithmId, SecuritySuite, SystemTitle};
/// // Green Book Table C.2 (recomputed with Python hashlib).
/// let z = [0x0D, 0x43, 0x85, 0xBA, 0x0D, 0xD7, 0x56, 0xCB, 0xCA, 0xB9, 0x88, 0x7E, 0xB5, 0x38,
///          0x39, 0x6E, 0xE8, 0xF0, 0x90, 0xA1, 0x4C, 0x10, 0x79, 0xB4, 0x35, 0x9F, 0x11, 0x5B,
///          0x97, 0x7F, 0x46, 0x15];
/// let u = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);
/// let v = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01]);
/// let key = derive_key(SecuritySuite::SUITE_1, &z, AlgorithmId::AES_GCM_128, &u, &v)?;
/// assert_eq!(key.as_bytes()[..4], [0x59, 0xA7, 0x1F, 0xD8]);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn derive_key(
    suite: SecuritySuite,
    z: &[u8],
    algorithm: AlgorithmId,
    party_u: &SystemTitle,
    party_v: &SystemTitle,
) -> Result<Key> {
    let hash = KdfHash::for_suite(suite)?;
    let mut out = [0u8; 32];
    let len = suite.require_known()?;
    let dst = out
        .get_mut(..len)
        .ok_or(Error::UnsupportedSuite { suite: suite.0 })?;
    concat_kdf(
        hash,
        z,
        &[
            &algorithm.to_bytes(),
            party_u.as_bytes(),
            party_v.as_bytes(),
        ],
        dst,
    );
    let key = Key::from_slice(dst);
    zeroize::Zeroize::zeroize(&mut out);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_block_output_chains_the_counter() {
        let mut long = [0u8; 40];
        concat_kdf(KdfHash::Sha256, b"z", &[b"x"], &mut long);
        let mut first = [0u8; 32];
        concat_kdf(KdfHash::Sha256, b"z", &[b"x"], &mut first);
        assert_eq!(long[..32], first);
        let mut h = sha2::Sha256::new();
        h.update([0, 0, 0, 2]);
        h.update(b"zx");
        assert_eq!(long[32..], h.finalize()[..8]);
    }

    #[test]
    fn suites() {
        assert_eq!(
            KdfHash::for_suite(SecuritySuite::SUITE_2),
            Ok(KdfHash::Sha384)
        );
        assert!(KdfHash::for_suite(SecuritySuite::SUITE_0).is_err());
        assert_eq!(
            KdfHash::for_suite(SecuritySuite(7)),
            Err(Error::UnsupportedSuite { suite: 7 })
        );
        let st = SystemTitle::new([0; 8]);
        let key = derive_key(
            SecuritySuite::SUITE_2,
            &[1; 48],
            AlgorithmId::AES_GCM_256,
            &st,
            &st,
        )
        .unwrap();
        assert_eq!(key.len(), 32);
    }
}
