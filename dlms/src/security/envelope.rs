//! Whole APDUs protected and unprotected in place, through the application layer's envelope
//! views (IEC 62056-5-3; Green Book 9.2.7.2 and 9.5; notes §8.3, §8.6): glo- and ded-ciphering
//! of every service, general-glo- and general-ded-ciphering, general-ciphering (identified,
//! wrapped and agreed keys) and general-signing.
//!
//! Unprotecting takes the received APDU in the caller's buffer and decrypts its information
//! where it lies ([`SecurityContext::unprotect_apdu`]); protecting takes the plaintext APDU at
//! the start of the caller's buffer, moves it behind the envelope header, encrypts it there and
//! appends the tag ([`SecurityContext::protect_apdu`]). Nothing is allocated.

use super::TagStatus;
use super::ciphering::AadExtension;
use super::context::{Ciphering, KeyRef, SecurityContext, Unprotected};
use super::control::SecurityControl;
use super::gcm::{Cipher, TAG_LEN};
use super::keys::{Key, KeyId, WRAPPED_KEY_256_LEN, unwrap_key, wrap_key};
use super::title::SystemTitle;
#[cfg(any(feature = "p256", feature = "p384"))]
use crate::apdu::GeneralSigning;
use crate::apdu::{
    CipheredApduMut, EnvelopeHead, GeneralHeader, InitiateRequest, KeyInfo, ciphered_tag_of,
};
use crate::axdr::SliceSink;
#[cfg(any(feature = "p256", feature = "p384"))]
use crate::axdr::{length_len, put_octets};
use crate::{Error, Result};

/// Which key protected an unprotected APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUsed {
    /// The global unicast encryption key.
    GlobalUnicast,
    /// The global broadcast encryption key.
    GlobalBroadcast,
    /// The dedicated key.
    Dedicated,
    /// A key wrapped with the master key (general-ciphering wrapped-key).
    Wrapped,
    /// A key agreed by one-pass Diffie-Hellman (general-ciphering agreed-key).
    Agreed,
}

/// A whole APDU unprotected in place: the plaintext APDU in the caller's buffer and what
/// protected it.
#[derive(Debug, PartialEq, Eq)]
pub struct UnprotectedApdu<'a> {
    /// The plaintext: a complete APDU (`C0 …`, `01 …`, `0F …`), whose own tag says which
    /// service it is.
    pub plaintext: &'a mut [u8],
    /// The tag of the envelope (0xC8 glo-get-request, 0xDB general-glo-ciphering, ...).
    pub envelope_tag: u8,
    /// The key that protected it.
    pub key: KeyUsed,
    /// The security control byte.
    pub control: SecurityControl,
    /// The invocation counter (accepted and recorded).
    pub invocation_counter: u32,
    /// The sender's system title used in the IV.
    pub system_title: SystemTitle,
    /// Whether the tag was verified.
    pub tag: TagStatus,
}

impl<'a> UnprotectedApdu<'a> {
    fn new(u: Unprotected<'a>, envelope_tag: u8, key: KeyUsed) -> Self {
        Self {
            plaintext: u.plaintext,
            envelope_tag,
            key,
            control: u.control,
            invocation_counter: u.invocation_counter,
            system_title: u.system_title,
            tag: u.tag,
        }
    }
}

/// The fields of a general-ciphering or general-signing APDU the sender chooses; the
/// originator system title is the context's own, the recipient the peer's (empty when not
/// known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GeneralFields<'a> {
    /// transaction-id (Gurux: 8 bytes).
    pub transaction_id: &'a [u8],
    /// date-time: empty, or the 12 bytes of a COSEM date-time.
    pub date_time: &'a [u8],
    /// other-information.
    pub other_information: &'a [u8],
}

/// The key-info a general-ciphering APDU is sent with.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum GeneralKey<'a> {
    /// identified-key: the global unicast or broadcast key of the context.
    Identified(KeyId),
    /// wrapped-key: this key (fresh for the APDU, from the caller's RNG), wrapped with the
    /// master key (RFC 3394) and sent along.
    Wrapped(&'a Key),
    /// agreed-key by one-pass Diffie-Hellman, C(1e, 1s): this ephemeral key (fresh, from the
    /// caller's RNG) is sent signed with our signing key; the key is derived from its ECDH
    /// with the peer's agreement key.
    #[cfg(any(feature = "p256", feature = "p384"))]
    Agreed(&'a super::ecc::EcSecretKey),
}

/// The envelope [`SecurityContext::protect_apdu`] puts around a plaintext APDU.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum EnvelopeKind<'a> {
    /// Service-specific: glo-xxx with the global keys, ded-xxx with the dedicated key; the
    /// tag follows from the plaintext's ([`ciphered_tag_of`]).
    Service(Ciphering),
    /// general-glo-ciphering (global keys) or general-ded-ciphering (dedicated key), with the
    /// context's own system title.
    General(Ciphering),
    /// general-ciphering.
    GeneralCiphering {
        /// Transaction id, date-time, other information.
        fields: GeneralFields<'a>,
        /// How the key is given.
        key: GeneralKey<'a>,
    },
}

/// What a general-signing signature covers. The public sources disagree and neither is
/// confirmed by the standard's text available to us (notes §8.6, §13), so both are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SigningCoverage {
    /// Everything before the signature field, `DF ‖ header fields ‖ content length ‖
    /// content` (dlms-cosem-rs `GeneralSigning`; the notes' reading). The default.
    #[default]
    Prefix,
    /// The header fields with their lengths, then the content without its length, no tag
    /// (Gurux Java `GXSecure.decryptAesGcm`).
    HeaderAndContent,
}

/// A general-signing APDU whose signature was verified: its header and its content, in the
/// caller's buffer (mutable, to unprotect it in place when it is itself ciphered).
#[derive(Debug, PartialEq, Eq)]
pub struct SignedApdu<'a> {
    /// Transaction id, titles, date-time, other information.
    pub header: GeneralHeader<'a>,
    /// The signer (the originator system title).
    pub signer: SystemTitle,
    /// The signed APDU.
    pub content: &'a mut [u8],
}

/// The cryptographic algorithm id of the KDF for a suite's content key: AES-GCM-128 (suite 1)
/// or AES-GCM-256 (suite 2; id 1 from Gurux Go only, notes §8.8).
#[cfg(any(feature = "p256", feature = "p384"))]
const fn kdf_algorithm(suite: super::SecuritySuite) -> super::AlgorithmId {
    if suite.0 == 2 {
        super::AlgorithmId::AES_GCM_256
    } else {
        super::AlgorithmId::AES_GCM_128
    }
}

/// Longest key-ciphered-data we send: a wrapped 256-bit key, or a P-384 ephemeral key and its
/// signature.
const MAX_KEY_DATA: usize = 2 * 96;

impl SecurityContext {
    /// Unprotects a whole ciphered APDU in place: glo-xxx or ded-xxx, general-glo- or
    /// general-ded-ciphering, or general-ciphering (notes §8.3, §8.6). Picks the key the
    /// envelope names, checks the security control byte against the policy, the sender's system
    /// title, the freshness of the invocation counter and the tag; decrypts; records the
    /// counter.
    ///
    /// general-ciphering: the originator system title is the sender's (checked like the title
    /// of general-glo-ciphering), a recipient system title must be ours; an identified key is
    /// the global unicast or broadcast key; a wrapped key is unwrapped with the master key; an
    /// agreed key (one-pass Diffie-Hellman) is checked against the peer's signing key and
    /// derived from its ECDH with our agreement key ([`super::ecc::EcKeys`]). Without
    /// key-info the global key the key-set bit names is used. Wrapped and agreed keys have no
    /// counters of their own: their invocation counters are checked against the global
    /// unicast (or, with the key-set bit, broadcast) key's, so one sender counter covers all
    /// its global traffic.
    ///
    /// # Errors
    /// The parse errors of [`CipheredApduMut::split`] (truncation, unknown tags, trailing
    /// bytes); [`Error::Replay`], [`Error::TagMismatch`], [`Error::WrongSystemTitle`],
    /// [`Error::SystemTitleLength`], [`Error::MissingSystemTitle`], [`Error::MissingKey`],
    /// [`Error::ProtectionNotAccepted`], [`Error::SuiteNotAccepted`],
    /// [`Error::UnsupportedSuite`], [`Error::CompressionUnsupported`], [`Error::KeySize`];
    /// general-ciphering: [`Error::KeyInfoUnsupported`], [`Error::KeyUnwrap`],
    /// [`Error::BadSignature`], [`Error::BadEcKey`].
    ///
    /// ```
    /// use dlms::security::{Key, KeyId, KeyUsed, SecurityContext, SecuritySuite, SystemTitle};
    /// // SEC-01: the Green Book glo-get-request (u9n/dlms-cosem test_security.py; jDLMS).
    /// let mut apdu = [0xC8, 0x1E, 0x30, 0x01, 0x23, 0x45, 0x67, 0x41, 0x13, 0x12, 0xFF, 0x93,
    ///     0x5A, 0x47, 0x56, 0x68, 0x27, 0xC4, 0x67, 0xBC, 0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7,
    ///     0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B];
    /// let mut meter = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(*b"MMM\0\0\0\0\x01"))?;
    /// meter.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128([0x00, 0x01, 0x02, 0x03, 0x04,
    ///     0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]))?;
    /// meter.set_key(KeyId::AUTHENTICATION, Key::aes128([0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5,
    ///     0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF]))?;
    /// meter.set_peer_title(Some(SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E])));
    /// let get = meter.unprotect_apdu(&mut apdu)?;
    /// assert_eq!(get.plaintext, &[0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00]);
    /// assert_eq!(get.key, KeyUsed::GlobalUnicast);
    /// # Ok::<(), dlms::Error>(())
    /// ```
    pub fn unprotect_apdu<'a>(&mut self, apdu: &'a mut [u8]) -> Result<UnprotectedApdu<'a>> {
        let parts = CipheredApduMut::split(apdu)?;
        let control = parts.security_control;
        let envelope_tag = parts.head.tag();
        let (key_ref, key_used, carried, aad): (_, _, _, Option<AadExtension<'_>>) = match parts
            .head
        {
            EnvelopeHead::Service { .. } | EnvelopeHead::General { .. } => {
                let ciphering = if parts.head.dedicated() {
                    Ciphering::Dedicated
                } else {
                    Ciphering::Global
                };
                let carried = match parts.head {
                    EnvelopeHead::General { system_title, .. } => Some(system_title),
                    _ => None,
                };
                let key = KeyRef::context(ciphering, control);
                (key, key_used(key), carried, None)
            }
            EnvelopeHead::GeneralCiphering { header, key_info } => {
                self.check_recipient(header.recipient_system_title)?;
                let aad = self.general_ciphering_aad().then_some(header);
                let carried = Some(header.originator_system_title);
                let mut one_time = None;
                let (key, used) = self.general_key(&header, key_info, control, &mut one_time)?;
                let key = match (key, one_time.as_ref()) {
                    (Some(key), _) => key,
                    (None, Some(cipher)) => KeyRef::OneTime(cipher),
                    (None, None) => {
                        return Err(Error::MissingKey {
                            key: "general-ciphering key",
                        });
                    }
                };
                return self
                    .unprotect_with(
                        key,
                        carried,
                        aad.as_ref(),
                        control,
                        parts.invocation_counter,
                        parts.information,
                        parts.auth_tag,
                    )
                    .map(|u| UnprotectedApdu::new(u, envelope_tag, used));
            }
        };
        let unprotected = self.unprotect_with(
            key_ref,
            carried,
            aad.as_ref(),
            control,
            parts.invocation_counter,
            parts.information,
            parts.auth_tag,
        )?;
        Ok(UnprotectedApdu::new(unprotected, envelope_tag, key_used))
    }

    /// A recipient system title, when given, must be ours.
    fn check_recipient(&self, recipient: &[u8]) -> Result<()> {
        if recipient.is_empty() {
            return Ok(());
        }
        let found = SystemTitle::from_slice(recipient)?;
        if found == *self.own_title() {
            Ok(())
        } else {
            Err(Error::WrongSystemTitle {
                expected: self.own_title().to_bytes(),
                found: found.to_bytes(),
            })
        }
    }

    /// The key of a received general-ciphering APDU: a context key, or a one-time key put into
    /// `one_time`.
    fn general_key<'k>(
        &self,
        header: &GeneralHeader<'_>,
        key_info: Option<KeyInfo<'_>>,
        control: SecurityControl,
        one_time: &mut Option<Cipher>,
    ) -> Result<(Option<KeyRef<'k>>, KeyUsed)> {
        match key_info {
            None => {
                let key = KeyRef::context(Ciphering::Global, control);
                Ok((Some(key), key_used(key)))
            }
            Some(KeyInfo::Identified { key_id }) => {
                let key = identified(key_id)?;
                Ok((Some(key), key_used(key)))
            }
            Some(KeyInfo::Wrapped {
                kek_id,
                key_ciphered_data,
            }) => {
                if kek_id != 0 {
                    return Err(Error::KeyInfoUnsupported {
                        choice: 1,
                        value: kek_id,
                    });
                }
                let master = self.required_master_key()?;
                let key = unwrap_key(master, key_ciphered_data)?;
                *one_time = Some(Cipher::new(&key));
                Ok((None, KeyUsed::Wrapped))
            }
            Some(KeyInfo::Agreed {
                key_parameters,
                key_ciphered_data,
            }) => {
                let key =
                    self.agreed_key_received(header, key_parameters, key_ciphered_data, control)?;
                *one_time = Some(Cipher::new(&key));
                Ok((None, KeyUsed::Agreed))
            }
        }
    }

    /// One-pass Diffie-Hellman, receiving side (Green Book 9.2.3.4.6; notes §8.6, §8.8):
    /// key-ciphered-data = the sender's ephemeral public key ‖ its signature with the sender's
    /// static signing key; Z = ECDH(our agreement key, ephemeral key); the key is derived with
    /// party U = originator, party V = recipient (us).
    #[cfg(any(feature = "p256", feature = "p384"))]
    fn agreed_key_received(
        &self,
        header: &GeneralHeader<'_>,
        key_parameters: &[u8],
        key_ciphered_data: &[u8],
        control: SecurityControl,
    ) -> Result<Key> {
        use super::ecc::EcPublicKey;
        if key_parameters != [1] {
            return Err(Error::KeyInfoUnsupported {
                choice: 2,
                value: key_parameters.first().copied().unwrap_or(0),
            });
        }
        let suite = control.suite();
        let own = self.ec_keys().own_agreement()?;
        let signer = self.ec_keys().peer_signing()?;
        let half = key_ciphered_data.len() / 2;
        let (ephemeral, signature) = key_ciphered_data
            .split_at_checked(half)
            .ok_or(Error::BadEcKey)?;
        signer.verify(&[ephemeral], signature)?;
        let ephemeral = EcPublicKey::from_slice(suite, ephemeral)?;
        let party_u = self.sender_title(Some(header.originator_system_title))?;
        let party_v = *self.own_title();
        let mut z = own.diffie_hellman(&ephemeral)?;
        let key = super::derive_key(
            suite,
            z.as_bytes(),
            kdf_algorithm(suite),
            &party_u,
            &party_v,
        );
        z.wipe();
        key
    }

    #[cfg(not(any(feature = "p256", feature = "p384")))]
    #[allow(clippy::unused_self)] // the same signature as with the curves
    fn agreed_key_received(
        &self,
        _header: &GeneralHeader<'_>,
        key_parameters: &[u8],
        _key_ciphered_data: &[u8],
        _control: SecurityControl,
    ) -> Result<Key> {
        Err(Error::KeyInfoUnsupported {
            choice: 2,
            value: key_parameters.first().copied().unwrap_or(0),
        })
    }

    /// Bytes [`SecurityContext::protect_apdu`] needs for a plaintext of `plaintext_len` bytes
    /// (the envelope header, the plaintext and the tag), before it runs.
    ///
    /// # Errors
    /// As [`SecurityContext::protect_apdu`] for the envelope and key (but no counter is taken).
    pub fn protected_len(
        &self,
        kind: &EnvelopeKind<'_>,
        control: SecurityControl,
        plaintext_len: usize,
    ) -> Result<usize> {
        let tag_len = if control.is_authenticated() {
            TAG_LEN
        } else {
            0
        };
        let body = plaintext_len.saturating_add(tag_len);
        let own = self.own_title().to_bytes();
        let peer = self.peer_title().map(|t| t.to_bytes());
        let key_data_len = match kind {
            EnvelopeKind::GeneralCiphering {
                key: GeneralKey::Wrapped(key),
                ..
            } => key.len() + 8,
            #[cfg(any(feature = "p256", feature = "p384"))]
            EnvelopeKind::GeneralCiphering {
                key: GeneralKey::Agreed(ephemeral),
                ..
            } => 2 * ephemeral.raw_len(),
            _ => 0,
        };
        let placeholder = [0u8; MAX_KEY_DATA];
        // The header's length does not depend on which service-specific tag it carries.
        let head = envelope_head(
            kind,
            crate::apdu::GetRequest::TAG,
            &own,
            peer.as_ref().map_or(&[][..], |p| &p[..]),
            placeholder.get(..key_data_len).unwrap_or(&[]),
        )?;
        Ok(head.header_len(body).saturating_add(body))
    }

    /// Protects a whole APDU in place: the plaintext APDU is at `buf[..plaintext_len]`; this
    /// moves it behind the envelope header `kind` asks for, protects it as `control` says with
    /// the next invocation counter of the key, writes the header before it and the tag after
    /// it, and returns the length of the protected APDU (notes §8.3, §8.6).
    ///
    /// The key: glo-/general-glo-ciphering use the global key the key-set bit of `control`
    /// names, ded-/general-ded-ciphering the dedicated key; general-ciphering the key its
    /// [`GeneralKey`] gives (wrapped and agreed keys take the invocation counters of the global
    /// key the key-set bit names).
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `buf` cannot hold the protected APDU (nothing is changed
    /// then); [`Error::InvalidArgument`] for a plaintext whose service has no glo-/ded- form
    /// (use [`EnvelopeKind::General`]), an identified key other than 0 and 1, a key or
    /// ephemeral key that does not fit the suite; [`Error::MissingKey`],
    /// [`Error::MissingSystemTitle`] (agreed key without the peer's title),
    /// [`Error::CounterExhausted`], and the errors of [`super::seal_in_place`].
    ///
    /// ```
    /// use dlms::security::{Ciphering, EnvelopeKind, Key, KeyId, Protection, SecurityContext,
    ///                      SecurityControl, SecuritySuite, SendCounter, SystemTitle};
    /// let mut client = SecurityContext::new(SecuritySuite::SUITE_0,
    ///     SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]))?;
    /// client.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128([0x00, 0x01, 0x02, 0x03,
    ///     0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]))?;
    /// client.set_key(KeyId::AUTHENTICATION, Key::aes128([0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5,
    ///     0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF]))?;
    /// let mut counters = *client.counters();
    /// counters.unicast.tx = SendCounter::starting_at(0x0123_4567);
    /// client.set_counters(counters);
    /// // GET clock time, protected as glo-get-request: SEC-01 of the shared vectors.
    /// let mut buf = [0u8; 64];
    /// let get = [0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00];
    /// buf[..get.len()].copy_from_slice(&get);
    /// let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    /// let n = client.protect_apdu(&EnvelopeKind::Service(Ciphering::Global), sc, &mut buf, get.len())?;
    /// assert_eq!(buf[..7], [0xC8, 0x1E, 0x30, 0x01, 0x23, 0x45, 0x67]);
    /// assert_eq!(buf[n - 12..n], [0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B]);
    /// # Ok::<(), dlms::Error>(())
    /// ```
    pub fn protect_apdu(
        &mut self,
        kind: &EnvelopeKind<'_>,
        control: SecurityControl,
        buf: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize> {
        let available = buf.len();
        if plaintext_len > available {
            return Err(Error::InvalidArgument {
                what: "the plaintext length exceeds the buffer",
            });
        }
        let plain_tag = buf.first().copied().unwrap_or(0);
        let own = self.own_title().to_bytes();
        let peer = self.peer_title().map(|t| t.to_bytes());
        let mut key_data = [0u8; MAX_KEY_DATA];
        let mut one_time = None;
        let (key, key_data_len) = match kind {
            EnvelopeKind::Service(c) | EnvelopeKind::General(c) => {
                (Some(KeyRef::context(*c, control)), 0)
            }
            EnvelopeKind::GeneralCiphering { key, .. } => self.sending_key(
                key,
                control,
                &own,
                peer.as_ref(),
                &mut key_data,
                &mut one_time,
            )?,
        };
        let key = match (key, one_time.as_ref()) {
            (Some(key), _) => key,
            (None, Some(cipher)) => KeyRef::OneTime(cipher),
            (None, None) => {
                return Err(Error::MissingKey {
                    key: "general-ciphering key",
                });
            }
        };
        let head = envelope_head(
            kind,
            plain_tag,
            &own,
            peer.as_ref().map_or(&[][..], |p| &p[..]),
            key_data.get(..key_data_len).unwrap_or(&[]),
        )?;
        let tag_len = if control.is_authenticated() {
            TAG_LEN
        } else {
            0
        };
        let body_len = plaintext_len + tag_len;
        let header_len = head.header_len(body_len);
        let needed = header_len + body_len;
        if needed > available {
            return Err(Error::BufferTooSmall { needed, available });
        }
        let aad = match head {
            EnvelopeHead::GeneralCiphering { header, .. } if self.general_ciphering_aad() => {
                Some(header)
            }
            _ => None,
        };
        buf.copy_within(..plaintext_len, header_len);
        let (header_area, rest) = buf.split_at_mut(header_len);
        let (data, tag_area) = rest.split_at_mut(plaintext_len);
        let protected = self.protect_with(key, control, aad.as_ref(), data)?;
        let mut sink = SliceSink::new(header_area);
        head.emit_header(control, protected.invocation_counter, body_len, &mut sink)?;
        if let (Some(tag), Some(out)) = (protected.tag, tag_area.get_mut(..TAG_LEN)) {
            out.copy_from_slice(&tag);
        }
        Ok(needed)
    }

    /// The key of a general-ciphering APDU we send, and its key-ciphered-data in `key_data`.
    #[cfg_attr(
        not(any(feature = "p256", feature = "p384")),
        allow(unused_variables, clippy::unused_self)
    )]
    fn sending_key<'k>(
        &self,
        key: &GeneralKey<'_>,
        control: SecurityControl,
        own: &[u8; 8],
        peer: Option<&[u8; 8]>,
        key_data: &mut [u8; MAX_KEY_DATA],
        one_time: &mut Option<Cipher>,
    ) -> Result<(Option<KeyRef<'k>>, usize)> {
        match key {
            GeneralKey::Identified(id) => Ok((
                Some(identified(*id).map_err(|_| Error::InvalidArgument {
                    what: "an identified key is the global unicast (0) or broadcast (1) key",
                })?),
                0,
            )),
            GeneralKey::Wrapped(key) => {
                key.check_suite(control.suite())?;
                let master = self.required_master_key()?;
                let mut out = [0u8; WRAPPED_KEY_256_LEN];
                let len = wrap_key(master, key, &mut out)?.len();
                if let (Some(dst), Some(src)) = (key_data.get_mut(..len), out.get(..len)) {
                    dst.copy_from_slice(src);
                }
                *one_time = Some(Cipher::new(key));
                Ok((None, len))
            }
            #[cfg(any(feature = "p256", feature = "p384"))]
            GeneralKey::Agreed(ephemeral) => {
                let suite = control.suite();
                if ephemeral.suite() != suite {
                    return Err(Error::InvalidArgument {
                        what: "the ephemeral key is not on the curve of the suite",
                    });
                }
                let signing = self.ec_keys().own_signing()?;
                let peer_agreement = self.ec_keys().peer_agreement()?;
                let peer = SystemTitle::new(*peer.ok_or(Error::MissingSystemTitle)?);
                let public = ephemeral.public_key().to_raw();
                let signature = signing.sign(&[public.as_bytes()]);
                let mut z = ephemeral.diffie_hellman(peer_agreement)?;
                let derived = super::derive_key(
                    suite,
                    z.as_bytes(),
                    kdf_algorithm(suite),
                    &SystemTitle::new(*own),
                    &peer,
                );
                z.wipe();
                let derived = derived?;
                let (p, s) = (public.as_bytes(), signature.as_bytes());
                let len = p.len() + s.len();
                if let Some(dst) = key_data.get_mut(..len) {
                    let (dp, ds) = dst.split_at_mut(p.len());
                    dp.copy_from_slice(p);
                    ds.copy_from_slice(s);
                }
                *one_time = Some(Cipher::new(&derived));
                Ok((None, len))
            }
        }
    }

    /// Installs the dedicated key of an InitiateRequest (the plaintext of a glo- or
    /// ded-initiate-request in the AARQ), as the server and the client both do once the
    /// association is set up (notes §8.1, §8.10): ded-ciphering then uses it, with counters of
    /// its own that start afresh. Returns whether the request carried one.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] (field `dedicated-key`) when the key is not 16 or 32 bytes long;
    /// [`Error::KeySize`] when it does not fit the suite.
    pub fn set_dedicated_key_from(&mut self, request: &InitiateRequest<'_>) -> Result<bool> {
        let Some(bytes) = request.dedicated_key else {
            return Ok(false);
        };
        let key = Key::from_slice(bytes).map_err(|_| Error::InvalidValue {
            field: "dedicated-key",
            offset: 2,
        })?;
        self.set_dedicated_key(Some(key))?;
        Ok(true)
    }

    /// Unprotects, in place, the ciphered user-information of an AARQ, AARE, RLRQ or RLRE
    /// (a glo- or ded-initiate-request/-response, or a general-glo/-ded/general-ciphering
    /// envelope), and installs the dedicated key an InitiateRequest inside carries. Returns
    /// `None` when the APDU has no user-information or carries it in clear.
    ///
    /// # Errors
    /// The errors of [`crate::apdu::user_information_range`],
    /// [`SecurityContext::unprotect_apdu`] and [`SecurityContext::set_dedicated_key_from`].
    pub fn unprotect_user_information<'a>(
        &mut self,
        acse: &'a mut [u8],
    ) -> Result<Option<UnprotectedApdu<'a>>> {
        let Some(range) = crate::apdu::user_information_range(acse)? else {
            return Ok(None);
        };
        let Some(user) = acse.get_mut(range) else {
            return Ok(None);
        };
        let ciphered = user.first().is_some_and(|&t| {
            crate::apdu::plain_tag_of(t).is_some()
                || matches!(
                    t,
                    crate::apdu::GeneralGloCiphering::TAG_GLO
                        | crate::apdu::GeneralGloCiphering::TAG_DED
                        | crate::apdu::GeneralCiphering::TAG
                )
        });
        if !ciphered {
            return Ok(None);
        }
        let unprotected = self.unprotect_apdu(user)?;
        if let Ok(request) = InitiateRequest::parse(unprotected.plaintext) {
            self.set_dedicated_key_from(&request)?;
        }
        Ok(Some(unprotected))
    }

    /// Verifies a general-signing APDU (0xDF) with the peer's signing key, and gives its
    /// content in place (unprotect it with [`SecurityContext::unprotect_apdu`] when it is
    /// ciphered). The originator must be the peer (as for general-glo-ciphering), a recipient
    /// must be us; what the signature covers is [`SecurityContext::signing_coverage`].
    ///
    /// The signature does not make a replay fail: check the transaction id or date-time, or
    /// let the content's own invocation counter do it.
    ///
    /// # Errors
    /// The parse errors of [`GeneralSigning::split_mut`]; [`Error::BadSignature`];
    /// [`Error::MissingKey`] without the peer's signing key; [`Error::WrongSystemTitle`],
    /// [`Error::SystemTitleLength`], [`Error::MissingSystemTitle`].
    #[cfg(any(feature = "p256", feature = "p384"))]
    pub fn verify_signed<'a>(&self, apdu: &'a mut [u8]) -> Result<SignedApdu<'a>> {
        let parts = GeneralSigning::split_mut(apdu)?;
        let signer = self.sender_title(Some(parts.header.originator_system_title))?;
        self.check_recipient(parts.header.recipient_system_title)?;
        let key = self.ec_keys().peer_signing()?;
        let covered = coverage(self.signing_coverage(), parts.head, &parts.header);
        key.verify(&[covered, parts.content], parts.signature)?;
        Ok(SignedApdu {
            header: parts.header,
            signer,
            content: parts.content,
        })
    }

    /// Signs an APDU with general-signing (0xDF) in place: the APDU to sign (plaintext or
    /// already ciphered) is at `buf[..content_len]`; this moves it behind the header (our
    /// title as originator, the peer's as recipient), appends the signature of our signing
    /// key and returns the length of the general-signing APDU.
    ///
    /// # Errors
    /// [`Error::MissingKey`] without our signing key; [`Error::BufferTooSmall`];
    /// [`Error::InvalidArgument`] when `content_len` exceeds the buffer.
    #[cfg(any(feature = "p256", feature = "p384"))]
    pub fn sign_apdu(
        &self,
        fields: &GeneralFields<'_>,
        buf: &mut [u8],
        content_len: usize,
    ) -> Result<usize> {
        let available = buf.len();
        if content_len > available {
            return Err(Error::InvalidArgument {
                what: "the content length exceeds the buffer",
            });
        }
        let key = self.ec_keys().own_signing()?;
        let own = self.own_title().to_bytes();
        let peer = self.peer_title().map(|t| t.to_bytes());
        let header = general_header(fields, &own, peer.as_ref().map_or(&[][..], |p| &p[..]));
        let head_len = GeneralSigning::head_len(&header, content_len);
        let signature_len = key.raw_len();
        let needed = head_len + content_len + length_len(signature_len) + signature_len;
        if needed > available {
            return Err(Error::BufferTooSmall { needed, available });
        }
        buf.copy_within(..content_len, head_len);
        let (head, rest) = buf.split_at_mut(head_len);
        let mut sink = SliceSink::new(head);
        GeneralSigning::emit_head(&header, content_len, &mut sink)?;
        let (content, tail) = rest.split_at_mut(content_len);
        let covered = coverage(self.signing_coverage(), head, &header);
        let signature = key.sign(&[covered, content]);
        let mut sink = SliceSink::new(tail);
        put_octets(&mut sink, signature.as_bytes())?;
        Ok(needed)
    }
}

/// The bytes before the content a general-signing signature covers.
#[cfg(any(feature = "p256", feature = "p384"))]
fn coverage<'h>(coverage: SigningCoverage, head: &'h [u8], header: &GeneralHeader<'_>) -> &'h [u8] {
    match coverage {
        SigningCoverage::Prefix => head,
        SigningCoverage::HeaderAndContent => head.get(1..1 + header.len()).unwrap_or(&[]),
    }
}

/// The context key an identified key-id names.
fn identified<'k>(key_id: KeyId) -> Result<KeyRef<'k>> {
    match key_id {
        KeyId::GLOBAL_UNICAST_ENCRYPTION | KeyId::GLOBAL_BROADCAST_ENCRYPTION => {
            Ok(KeyRef::Context {
                ciphering: Ciphering::Global,
                broadcast: key_id == KeyId::GLOBAL_BROADCAST_ENCRYPTION,
            })
        }
        other => Err(Error::KeyInfoUnsupported {
            choice: 0,
            value: other.0,
        }),
    }
}

const fn key_used(key: KeyRef<'_>) -> KeyUsed {
    match key {
        KeyRef::Context {
            ciphering: Ciphering::Dedicated,
            ..
        } => KeyUsed::Dedicated,
        KeyRef::Context {
            broadcast: true, ..
        } => KeyUsed::GlobalBroadcast,
        KeyRef::Context { .. } => KeyUsed::GlobalUnicast,
        // Only reported for general-ciphering, which says which one-time key it was.
        KeyRef::OneTime(_) => KeyUsed::Wrapped,
    }
}

fn general_header<'a>(
    fields: &GeneralFields<'a>,
    own: &'a [u8; 8],
    peer: &'a [u8],
) -> GeneralHeader<'a> {
    GeneralHeader {
        transaction_id: fields.transaction_id,
        originator_system_title: own,
        recipient_system_title: peer,
        date_time: fields.date_time,
        other_information: fields.other_information,
    }
}

/// The envelope head of an APDU we send.
fn envelope_head<'a>(
    kind: &EnvelopeKind<'a>,
    plain_tag: u8,
    own: &'a [u8; 8],
    peer: &'a [u8],
    key_data: &'a [u8],
) -> Result<EnvelopeHead<'a>> {
    Ok(match kind {
        EnvelopeKind::Service(c) => EnvelopeHead::Service {
            tag: ciphered_tag_of(plain_tag, *c == Ciphering::Dedicated).ok_or(
                Error::InvalidArgument {
                    what: "this APDU has no glo-/ded- form: use general-glo-ciphering",
                },
            )?,
        },
        EnvelopeKind::General(c) => EnvelopeHead::General {
            tag: match c {
                Ciphering::Global => crate::apdu::GeneralGloCiphering::TAG_GLO,
                Ciphering::Dedicated => crate::apdu::GeneralGloCiphering::TAG_DED,
            },
            system_title: own,
        },
        EnvelopeKind::GeneralCiphering { fields, key } => EnvelopeHead::GeneralCiphering {
            header: general_header(fields, own, peer),
            key_info: Some(match key {
                GeneralKey::Identified(key_id) => KeyInfo::Identified { key_id: *key_id },
                GeneralKey::Wrapped(_) => KeyInfo::Wrapped {
                    kek_id: 0,
                    key_ciphered_data: key_data,
                },
                #[cfg(any(feature = "p256", feature = "p384"))]
                GeneralKey::Agreed(_) => KeyInfo::Agreed {
                    key_parameters: &[1],
                    key_ciphered_data: key_data,
                },
            }),
        },
    })
}
