//! Elliptic-curve cryptography of security suites 1 (P-256, SHA-256) and 2 (P-384, SHA-384):
//! ECDSA signatures in the raw `r ‖ s` encoding DLMS uses, ECDH shared secrets, and the key
//! formats found in DLMS APDUs (Green Book 9.2.3.4; IEC 62056-5-3), on RustCrypto
//! `p256` / `p384` / `ecdsa`. Signatures are deterministic (RFC 6979), so signing needs no RNG.
//!
//! Each curve has its own module with the same API: [`p256`] (feature `p256`) and [`p384`]
//! (feature `p384`).

macro_rules! curve_module {
    ($module:ident, $krate:ident, $len:literal, $suite:literal, $hash:literal) => {
        #[doc = concat!("ECDSA and ECDH on ", stringify!($module), " with ", $hash, " (security suite ", $suite, ").")]
        pub mod $module {
            use core::fmt;

            use ::$krate::ecdsa::signature::{MultipartSigner, MultipartVerifier};
            use ::$krate::elliptic_curve::sec1::ToSec1Point;
            use zeroize::Zeroize;

            use crate::{Error, Result};

            /// Length of a scalar, a field element and each of `r` and `s`.
            pub const SCALAR_LEN: usize = $len;
            /// Length of a raw public key `x ‖ y` (an uncompressed SEC1 point without its `04`).
            pub const PUBLIC_KEY_LEN: usize = 2 * $len;
            /// Length of a raw signature `r ‖ s`.
            pub const SIGNATURE_LEN: usize = 2 * $len;

            /// A private key (a static signing/agreement key or an ephemeral one). Wiped on drop;
            /// `Debug` prints nothing of it.
            #[derive(Clone)]
            pub struct SecretKey(::$krate::SecretKey);

            impl SecretKey {
                /// The key from its big-endian scalar bytes.
                ///
                /// # Errors
                /// [`Error::BadEcKey`] when the slice has the wrong length or the scalar is zero
                /// or not below the group order.
                pub fn from_slice(bytes: &[u8]) -> Result<Self> {
                    ::$krate::SecretKey::from_slice(bytes)
                        .map(Self)
                        .map_err(|_| Error::BadEcKey)
                }

                /// A fresh random key from the caller's cryptographic RNG.
                pub fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
                    Self(<::$krate::SecretKey as ::$krate::elliptic_curve::Generate>::generate_from_rng(rng))
                }

                /// The big-endian scalar bytes (to persist the key; handle with care).
                #[must_use]
                pub fn to_bytes(&self) -> [u8; SCALAR_LEN] {
                    let mut field = self.0.to_bytes();
                    let mut out = [0u8; SCALAR_LEN];
                    out.copy_from_slice(field.as_slice());
                    field.as_mut_slice().zeroize();
                    out
                }

                /// The matching public key.
                #[must_use]
                pub fn public_key(&self) -> PublicKey {
                    PublicKey(self.0.public_key())
                }

                /// Signs the concatenation of `message` with ECDSA and
                #[doc = concat!($hash, ", deterministically (RFC 6979); returns `r ‖ s`.")]
                #[must_use]
                pub fn sign(&self, message: &[&[u8]]) -> [u8; SIGNATURE_LEN] {
                    let signing = ::$krate::ecdsa::SigningKey::from(&self.0);
                    let signature: ::$krate::ecdsa::Signature = signing.multipart_sign(message);
                    let mut out = [0u8; SIGNATURE_LEN];
                    out.copy_from_slice(signature.to_bytes().as_slice());
                    out
                }

                /// The ECDH shared secret with `peer`: the x-coordinate of the shared point, the
                /// `Z` of the NIST SP 800-56A key derivation.
                #[must_use]
                pub fn diffie_hellman(&self, peer: &PublicKey) -> SharedSecret {
                    let shared = self.0.diffie_hellman(&peer.0);
                    let mut z = [0u8; SCALAR_LEN];
                    z.copy_from_slice(shared.raw_secret_bytes().as_slice());
                    SharedSecret(z)
                }
            }

            impl fmt::Debug for SecretKey {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(concat!(stringify!($module), "::SecretKey(..)"))
                }
            }

            /// A public key.
            #[derive(Clone, Copy, PartialEq, Eq)]
            pub struct PublicKey(::$krate::PublicKey);

            impl PublicKey {
                /// A public key as DLMS carries it: raw `x ‖ y`
                #[doc = concat!("(", stringify!($len), " + ", stringify!($len), " bytes), or a SEC1 point (`04 ‖ x ‖ y`, or compressed `02`/`03 ‖ x`).")]
                ///
                /// # Errors
                /// [`Error::BadEcKey`] for any other length or a point not on the curve.
                pub fn from_slice(bytes: &[u8]) -> Result<Self> {
                    let key = if bytes.len() == PUBLIC_KEY_LEN {
                        let mut sec1 = [0u8; PUBLIC_KEY_LEN + 1];
                        let (tag, xy) = sec1.split_at_mut(1);
                        tag.copy_from_slice(&[0x04]);
                        xy.copy_from_slice(bytes);
                        ::$krate::PublicKey::from_sec1_bytes(&sec1)
                    } else {
                        ::$krate::PublicKey::from_sec1_bytes(bytes)
                    };
                    key.map(Self).map_err(|_| Error::BadEcKey)
                }

                /// The raw `x ‖ y` encoding.
                #[must_use]
                pub fn to_raw(&self) -> [u8; PUBLIC_KEY_LEN] {
                    let point = self.0.to_sec1_point(false);
                    let mut out = [0u8; PUBLIC_KEY_LEN];
                    if let Some(xy) = point.as_bytes().get(1..) {
                        if let Some(dst) = out.get_mut(..xy.len()) {
                            dst.copy_from_slice(xy);
                        }
                    }
                    out
                }

                /// Verifies an ECDSA signature `r ‖ s` over the concatenation of `message`
                #[doc = concat!("with ", $hash, ".")]
                ///
                /// # Errors
                /// [`Error::BadSignature`] when the signature is malformed or does not verify.
                pub fn verify(&self, message: &[&[u8]], signature: &[u8]) -> Result<()> {
                    let signature = ::$krate::ecdsa::Signature::from_slice(signature)
                        .map_err(|_| Error::BadSignature)?;
                    let verifying = ::$krate::ecdsa::VerifyingKey::from(&self.0);
                    verifying
                        .multipart_verify(message, &signature)
                        .map_err(|_| Error::BadSignature)
                }
            }

            impl fmt::Debug for PublicKey {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    crate::security::write_hex(f, concat!(stringify!($module), "::PublicKey"), &self.to_raw())
                }
            }

            /// An ECDH shared secret `Z` (x-coordinate of the shared point). Wiped on drop.
            pub struct SharedSecret([u8; SCALAR_LEN]);

            impl SharedSecret {
                /// The raw bytes, input to the key derivation
                /// ([`crate::security::concat_kdf`], [`crate::security::derive_key`]).
                #[must_use]
                pub fn as_bytes(&self) -> &[u8; SCALAR_LEN] {
                    &self.0
                }
            }

            impl Drop for SharedSecret {
                fn drop(&mut self) {
                    self.0.zeroize();
                }
            }

            impl fmt::Debug for SharedSecret {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("SharedSecret(..)")
                }
            }
        }
    };
}

#[cfg(feature = "p256")]
curve_module!(p256, p256, 32, "1", "SHA-256");
#[cfg(feature = "p384")]
curve_module!(p384, p384, 48, "2", "SHA-384");

use super::Bounded;
use crate::wire::SecuritySuite;
use crate::{Error, Result};

/// The longest raw public key or signature (P-384: 96 bytes).
pub const MAX_EC_LEN: usize = 96;

/// A private key on the curve of security suite 1 (P-256) or 2 (P-384): a static signing or
/// key-agreement key, or an ephemeral one. Wiped on drop; `Debug` prints nothing of it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EcSecretKey {
    /// P-256 (suite 1).
    #[cfg(feature = "p256")]
    P256(p256::SecretKey),
    /// P-384 (suite 2).
    #[cfg(feature = "p384")]
    P384(p384::SecretKey),
}

/// A public key on the curve of suite 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EcPublicKey {
    /// P-256 (suite 1).
    #[cfg(feature = "p256")]
    P256(p256::PublicKey),
    /// P-384 (suite 2).
    #[cfg(feature = "p384")]
    P384(p384::PublicKey),
}

/// The curve of `suite`, or the error for a suite without elliptic curves (or one this build
/// leaves out).
fn curve_error(suite: SecuritySuite) -> Error {
    match suite.0 {
        1 | 2 => Error::UnsupportedSuite { suite: suite.0 },
        _ => Error::InvalidArgument {
            what: "only security suites 1 and 2 use elliptic curves",
        },
    }
}

impl EcSecretKey {
    /// A fresh random key on the curve of `suite` (1: P-256, 2: P-384) from the caller's
    /// cryptographic RNG (ephemeral keys of one-pass Diffie-Hellman).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for suite 0; [`Error::UnsupportedSuite`] when the curve's
    /// feature is off.
    pub fn random<R: rand_core::CryptoRng + ?Sized>(
        suite: SecuritySuite,
        rng: &mut R,
    ) -> Result<Self> {
        match suite.0 {
            #[cfg(feature = "p256")]
            1 => Ok(Self::P256(p256::SecretKey::random(rng))),
            #[cfg(feature = "p384")]
            2 => Ok(Self::P384(p384::SecretKey::random(rng))),
            _ => {
                let _ = rng;
                Err(curve_error(suite))
            }
        }
    }

    /// The key from its big-endian scalar bytes, on the curve of `suite`.
    ///
    /// # Errors
    /// [`Error::BadEcKey`] for a scalar out of range or of the wrong length; the errors of
    /// [`EcSecretKey::random`] for the suite.
    pub fn from_slice(suite: SecuritySuite, bytes: &[u8]) -> Result<Self> {
        match suite.0 {
            #[cfg(feature = "p256")]
            1 => p256::SecretKey::from_slice(bytes).map(Self::P256),
            #[cfg(feature = "p384")]
            2 => p384::SecretKey::from_slice(bytes).map(Self::P384),
            _ => Err(curve_error(suite)),
        }
    }

    /// The security suite of the key's curve.
    #[must_use]
    pub const fn suite(&self) -> SecuritySuite {
        match self {
            #[cfg(feature = "p256")]
            Self::P256(_) => SecuritySuite::SUITE_1,
            #[cfg(feature = "p384")]
            Self::P384(_) => SecuritySuite::SUITE_2,
        }
    }

    /// The length of a raw public key `x ‖ y` and of a raw signature `r ‖ s` on the key's
    /// curve: 64 (P-256) or 96 (P-384).
    #[must_use]
    pub const fn raw_len(&self) -> usize {
        match self {
            #[cfg(feature = "p256")]
            Self::P256(_) => p256::SIGNATURE_LEN,
            #[cfg(feature = "p384")]
            Self::P384(_) => p384::SIGNATURE_LEN,
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> EcPublicKey {
        match self {
            #[cfg(feature = "p256")]
            Self::P256(k) => EcPublicKey::P256(k.public_key()),
            #[cfg(feature = "p384")]
            Self::P384(k) => EcPublicKey::P384(k.public_key()),
        }
    }

    /// The raw ECDSA signature `r ‖ s` over the concatenation of `message` (RFC 6979, hash of
    /// the curve's suite).
    pub(crate) fn sign(&self, message: &[&[u8]]) -> Bounded<MAX_EC_LEN> {
        let signature = match self {
            #[cfg(feature = "p256")]
            Self::P256(k) => Bounded::new(&k.sign(message)),
            #[cfg(feature = "p384")]
            Self::P384(k) => Bounded::new(&k.sign(message)),
        };
        // Both signature sizes fit MAX_EC_LEN.
        signature.unwrap_or_else(Bounded::empty)
    }

    /// The ECDH shared secret `Z` with `peer` (wipe it after use).
    ///
    /// # Errors
    /// [`Error::BadEcKey`] when `peer` is on the other curve.
    pub(crate) fn diffie_hellman(&self, peer: &EcPublicKey) -> Result<Bounded<48>> {
        let z = match (self, peer) {
            #[cfg(feature = "p256")]
            (Self::P256(k), EcPublicKey::P256(p)) => Bounded::new(k.diffie_hellman(p).as_bytes()),
            #[cfg(feature = "p384")]
            (Self::P384(k), EcPublicKey::P384(p)) => Bounded::new(k.diffie_hellman(p).as_bytes()),
            #[allow(unreachable_patterns)] // with one curve built, the pairs always match
            _ => None,
        };
        z.ok_or(Error::BadEcKey)
    }
}

impl EcPublicKey {
    /// A public key on the curve of `suite`, raw `x ‖ y` or SEC1.
    ///
    /// # Errors
    /// [`Error::BadEcKey`] for a point not on the curve or of the wrong length; the suite
    /// errors of [`EcSecretKey::random`].
    pub fn from_slice(suite: SecuritySuite, bytes: &[u8]) -> Result<Self> {
        match suite.0 {
            #[cfg(feature = "p256")]
            1 => p256::PublicKey::from_slice(bytes).map(Self::P256),
            #[cfg(feature = "p384")]
            2 => p384::PublicKey::from_slice(bytes).map(Self::P384),
            _ => Err(curve_error(suite)),
        }
    }

    /// The security suite of the key's curve.
    #[must_use]
    pub const fn suite(&self) -> SecuritySuite {
        match self {
            #[cfg(feature = "p256")]
            Self::P256(_) => SecuritySuite::SUITE_1,
            #[cfg(feature = "p384")]
            Self::P384(_) => SecuritySuite::SUITE_2,
        }
    }

    /// The raw `x ‖ y` encoding (64 or 96 bytes).
    pub(crate) fn to_raw(self) -> Bounded<MAX_EC_LEN> {
        let raw = match self {
            #[cfg(feature = "p256")]
            Self::P256(k) => Bounded::new(&k.to_raw()),
            #[cfg(feature = "p384")]
            Self::P384(k) => Bounded::new(&k.to_raw()),
        };
        raw.unwrap_or_else(Bounded::empty)
    }

    /// Verifies a raw ECDSA signature `r ‖ s` over the concatenation of `message`.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it is malformed or does not verify.
    pub fn verify(&self, message: &[&[u8]], signature: &[u8]) -> Result<()> {
        match self {
            #[cfg(feature = "p256")]
            Self::P256(k) => k.verify(message, signature),
            #[cfg(feature = "p384")]
            Self::P384(k) => k.verify(message, signature),
        }
    }
}

#[cfg(feature = "p256")]
impl From<p256::SecretKey> for EcSecretKey {
    fn from(k: p256::SecretKey) -> Self {
        Self::P256(k)
    }
}

#[cfg(feature = "p384")]
impl From<p384::SecretKey> for EcSecretKey {
    fn from(k: p384::SecretKey) -> Self {
        Self::P384(k)
    }
}

#[cfg(feature = "p256")]
impl From<p256::PublicKey> for EcPublicKey {
    fn from(k: p256::PublicKey) -> Self {
        Self::P256(k)
    }
}

#[cfg(feature = "p384")]
impl From<p384::PublicKey> for EcPublicKey {
    fn from(k: p384::PublicKey) -> Self {
        Self::P384(k)
    }
}

/// The static elliptic-curve keys of suites 1 and 2 a [`super::SecurityContext`] uses with one
/// peer (Green Book 9.2.3.4; NIST SP 800-56A): its own signing and key-agreement keys, the
/// peer's public ones (from their certificates). Each is needed only for some operations:
///
/// | operation | needs |
/// |---|---|
/// | receive general-ciphering with an agreed key (one-pass DH) | `own_agreement`, `peer_signing` |
/// | send general-ciphering with an agreed key | `own_signing`, `peer_agreement` |
/// | verify general-signing | `peer_signing` |
/// | sign general-signing | `own_signing` |
#[derive(Debug, Clone, Default)]
pub struct EcKeys {
    /// Our static signing key.
    pub own_signing: Option<EcSecretKey>,
    /// Our static key-agreement key.
    pub own_agreement: Option<EcSecretKey>,
    /// The peer's public signing key.
    pub peer_signing: Option<EcPublicKey>,
    /// The peer's public key-agreement key.
    pub peer_agreement: Option<EcPublicKey>,
}

impl EcKeys {
    /// Our signing key.
    ///
    /// # Errors
    /// [`Error::MissingKey`] when not set.
    pub fn own_signing(&self) -> Result<&EcSecretKey> {
        self.own_signing.as_ref().ok_or(Error::MissingKey {
            key: "own signing key",
        })
    }

    /// Our key-agreement key.
    ///
    /// # Errors
    /// [`Error::MissingKey`] when not set.
    pub fn own_agreement(&self) -> Result<&EcSecretKey> {
        self.own_agreement.as_ref().ok_or(Error::MissingKey {
            key: "own key-agreement key",
        })
    }

    /// The peer's signing key.
    ///
    /// # Errors
    /// [`Error::MissingKey`] when not set.
    pub fn peer_signing(&self) -> Result<&EcPublicKey> {
        self.peer_signing.as_ref().ok_or(Error::MissingKey {
            key: "peer signing key",
        })
    }

    /// The peer's key-agreement key.
    ///
    /// # Errors
    /// [`Error::MissingKey`] when not set.
    pub fn peer_agreement(&self) -> Result<&EcPublicKey> {
        self.peer_agreement.as_ref().ok_or(Error::MissingKey {
            key: "peer key-agreement key",
        })
    }
}
