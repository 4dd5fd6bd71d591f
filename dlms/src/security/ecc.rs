//! Elliptic-curve cryptography of security suites 1 (P-256, SHA-256) and 2 (P-384, SHA-384):
//! ECDSA signatures in the raw `r ‖ s` encoding DLMS uses, ECDH shared secrets, and the key
//! formats found in DLMS APDUs (Green Book 9.2.3.4; notes §8.5, §8.8, §8.9), on RustCrypto
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
                /// `Z` of the NIST SP 800-56A key derivation (notes §8.8).
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
