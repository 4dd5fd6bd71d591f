//! Security: suites 0, 1 and 2 (IEC 62056-5-3; DLMS UA Green Book 9.2).
//!
//! Layered from the bytes up:
//!
//! - [`SecurityControl`], [`SecuritySuite`], [`SecurityHeader`] / [`SecurityHeaderRepr`]: the
//!   security control byte and `SC ‖ IC` (zero-copy view and representation);
//! - [`Cipher`]: an AES-128/256 key prepared for GCM with 12-byte tags, GMAC and the tag-less
//!   CTR mode, in place, through RustCrypto `aes-gcm` (no hand-written AES or GHASH);
//! - [`seal_in_place`] / [`open_in_place`]: protect or unprotect the information of a ciphered
//!   APDU given its parts (security control, system title, invocation counter, data, tag) —
//!   IV = system title ‖ IC, AAD = `SC ‖ AK` (authenticated encryption) or `SC ‖ AK ‖ data`
//!   (authentication only), optionally extended by the general-ciphering fields
//!   ([`AadExtension`], single source);
//! - [`SecurityContext`]: keys, titles, invocation counters ([`Counters`]) and the
//!   [`SecurityPolicy`] of one peer. It protects and unprotects **whole APDUs in place**
//!   through the application layer's envelope views ([`SecurityContext::unprotect_apdu`],
//!   [`SecurityContext::protect_apdu`]): glo- and ded-ciphering of every service,
//!   general-glo- and general-ded-ciphering, general-ciphering with identified, wrapped and
//!   agreed keys ([`EnvelopeKind`], [`GeneralKey`]), general-signing
//!   ([`SecurityContext::verify_signed`], [`SecurityContext::sign_apdu`]), the dedicated key of
//!   the InitiateRequest ([`SecurityContext::unprotect_user_information`]); or ciphered content
//!   given its parts ([`SecurityContext::unprotect_content`]);
//! - [`Key`] (zeroized, never printed), [`wrap_key`] / [`unwrap_key`] (RFC 3394);
//! - authentication: [`Challenge`], [`HlsSecret`] (f(StoC)/f(CtoS) of HLS 2-7 on both sides),
//!   [`check_password`] (LLS); the AARQ/AARE fields, the ACTION
//!   `reply_to_HLS_authentication` passes, the ExceptionResponse for a refused APDU and the
//!   Security setup `key_transfer` are the session's (`dlms::session::association`);
//! - suites 1 and 2: `ecc::p256` / `ecc::p384` (ECDSA `r ‖ s`, ECDH; features `p256`,
//!   `p384`), `ecc::EcKeys` for a context, and the SP 800-56A KDF ([`concat_kdf`],
//!   [`derive_key`]).
//!
//! A meter unprotecting the Green Book suite-0 glo-get-request in place, and answering a
//! replay of it:
//!
//! ```
//! use dlms::security::{Key, KeyId, SecurityContext, SecuritySuite, SystemTitle, TagStatus};
//! use dlms::session::association;
//! let sec01 = [0xC8, 0x1E, 0x30, 0x01, 0x23, 0x45, 0x67, 0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A,
//!              0x47, 0x56, 0x68, 0x27, 0xC4, 0x67, 0xBC, 0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7,
//!              0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B];
//! let mut meter = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new([0x4D, 0x4D, 0x4D, 0, 0, 0, 0, 1]))?;
//! meter.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128([0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
//!     0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]))?;
//! meter.set_key(KeyId::AUTHENTICATION, Key::aes128([0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6,
//!     0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF]))?;
//! meter.set_peer_title(Some(SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E])));
//!
//! let mut apdu = sec01;
//! let get = meter.unprotect_apdu(&mut apdu)?;
//! assert_eq!(get.plaintext, &[0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00]);
//! assert_eq!(get.tag, TagStatus::Verified);
//!
//! // The same APDU again is a replay: refused, and answered D8 01 06 <expected IC>.
//! let error = meter.unprotect_apdu(&mut sec01.clone()).unwrap_err();
//! assert_eq!(error, dlms::Error::Replay { counter: 0x0123_4567, last: 0x0123_4567 });
//! let exception = association::exception_response(&error).unwrap();
//! assert_eq!(exception.invocation_counter, Some(0x0123_4568));
//! # Ok::<(), dlms::Error>(())
//! ```

mod ciphering;
mod context;
mod counter;
#[cfg(any(feature = "p256", feature = "p384"))]
pub mod ecc;
mod envelope;
mod gcm;
mod hls;
mod kdf;
mod keys;
mod policy;

pub use crate::wire::{IV_LEN, Iv, KeyId, TAG_LEN, Tag, iv};
pub use crate::wire::{
    Protection, SECURITY_HEADER_LEN, SecurityControl, SecurityHeader, SecurityHeaderRepr,
    SecuritySuite,
};
pub use crate::wire::{SYSTEM_TITLE_LEN, SystemTitle};
pub use ciphering::{
    AadExtension, CipheringParams, MAX_AAD_LEN, TagStatus, open_in_place, seal_in_place,
    split_content,
};
pub use context::{Envelope, Protected, SecurityContext, Unprotected};
pub use counter::{CounterPair, Counters, ReceiveCounter, SendCounter};
pub use envelope::{
    Ciphering, EnvelopeKind, GeneralFields, GeneralKey, KeyUsed, SignedApdu, SigningCoverage,
    UnprotectedApdu,
};
pub use gcm::Cipher;
pub use hls::{
    Challenge, Exchange, GMAC_RESPONSE_LEN, HlsSecret, MAX_CHALLENGE_LEN, MAX_RESPONSE_LEN,
    MIN_CHALLENGE_LEN, ManufacturerHls, Response, check_password,
};
pub use kdf::{AlgorithmId, KdfHash, concat_kdf, derive_key};
pub use keys::{Key, WRAPPED_KEY_128_LEN, WRAPPED_KEY_256_LEN, unwrap_key, wrap_key};
pub use policy::{SecurityPolicy, SuiteSet};

/// Writes `name(hex)` (Debug output of byte strings that are not secret).
fn write_hex(f: &mut core::fmt::Formatter<'_>, name: &str, bytes: &[u8]) -> core::fmt::Result {
    f.write_str(name)?;
    f.write_str("(")?;
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
    f.write_str(")")
}

/// Up to `N` bytes in a fixed array (no heap): challenges, responses, raw public keys,
/// signatures and shared secrets. `N` is at most 255.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Bounded<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Bounded<N> {
    /// `None` when `bytes` is longer than `N`.
    pub(crate) fn new(bytes: &[u8]) -> Option<Self> {
        let mut b = Self::empty();
        b.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        b.len = u8::try_from(bytes.len()).ok()?;
        Some(b)
    }

    /// No bytes.
    pub(crate) const fn empty() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Overwrites the bytes with zeros (for secrets).
    #[cfg(any(feature = "p256", feature = "p384"))]
    pub(crate) fn wipe(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}
