//! The security state of one association or one peer: keys, system titles, invocation
//! counters and policy, with protect/unprotect in place (IEC 62056-5-3; Green Book 9.2.7.2).
//!
//! Every `impl SecurityContext` is here: the information of a ciphered APDU given its parts,
//! and whole APDUs protected and unprotected in place through the application layer's
//! envelope views (Green Book 9.5; IEC 62056-5-3): glo- and ded-ciphering of every service,
//! general-glo- and general-ded-ciphering, general-ciphering (identified, wrapped and agreed
//! keys) and general-signing. Unprotecting decrypts the received APDU where it lies
//! ([`SecurityContext::unprotect_apdu`]); protecting moves the plaintext APDU at the start of
//! the caller's buffer behind the envelope header, encrypts it there and appends the tag
//! ([`SecurityContext::protect_apdu`]). Nothing is allocated. The envelope types are in
//! `envelope.rs`, which does not refer back to this file.

use core::fmt;

use super::ciphering::{
    AadExtension, CipheringParams, TagStatus, open_in_place, seal_in_place, split_content,
};
use super::counter::{CounterPair, Counters};
use super::envelope::{
    Ciphering, EnvelopeKind, GeneralKey, KeyUsed, SigningCoverage, UnprotectedApdu, envelope_head,
};
#[cfg(any(feature = "p256", feature = "p384"))]
use super::envelope::{GeneralFields, SignedApdu, coverage, general_header};
use super::gcm::Cipher;
use super::hls::{Exchange, HlsSecret, Response};
use super::keys::Key;
use super::keys::{WRAPPED_KEY_256_LEN, unwrap_key, wrap_key};
use super::policy::SecurityPolicy;
#[cfg(any(feature = "p256", feature = "p384"))]
use crate::apdu::GeneralSigning;
use crate::apdu::{CipheredApduMut, EnvelopeHead, GeneralHeader, InitiateRequest, KeyInfo};
use crate::axdr::SliceSink;
#[cfg(any(feature = "p256", feature = "p384"))]
use crate::axdr::{length_len, put_octets};
use crate::wire::KeyId;
use crate::wire::SystemTitle;
use crate::wire::{
    Protection, SECURITY_HEADER_LEN, SecurityControl, SecurityHeader, SecurityHeaderRepr,
    SecuritySuite,
};
use crate::wire::{TAG_LEN, Tag};
use crate::{Error, Result};

/// The parts of a received ciphered APDU besides its ciphered content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Which key family the APDU tag names.
    pub ciphering: Ciphering,
    /// The system title the APDU carries (general-glo, general-ded and general-ciphering), or
    /// `None` (glo- and ded-ciphering: the peer's known title is used).
    pub system_title: Option<&'a [u8]>,
    /// The general-ciphering AAD extension, if the peer authenticates those fields.
    pub aad_extension: Option<&'a AadExtension<'a>>,
}

impl<'a> Envelope<'a> {
    /// glo-xxx APDUs.
    #[must_use]
    pub const fn global() -> Self {
        Self {
            ciphering: Ciphering::Global,
            system_title: None,
            aad_extension: None,
        }
    }

    /// ded-xxx APDUs.
    #[must_use]
    pub const fn dedicated() -> Self {
        Self {
            ciphering: Ciphering::Dedicated,
            system_title: None,
            aad_extension: None,
        }
    }

    /// The same envelope with the system title the APDU carries.
    #[must_use]
    pub const fn with_system_title(mut self, title: &'a [u8]) -> Self {
        self.system_title = Some(title);
        self
    }

    /// The same envelope with a general-ciphering AAD extension.
    #[must_use]
    pub const fn with_aad_extension(mut self, extension: &'a AadExtension<'a>) -> Self {
        self.aad_extension = Some(extension);
        self
    }
}

/// The result of [`SecurityContext::protect_in_place`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protected {
    /// The invocation counter used (put it in the security header).
    pub invocation_counter: u32,
    /// The tag to append, when the A bit is set.
    pub tag: Option<Tag>,
}

/// Unprotected information, in the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Unprotected<'a> {
    /// The plaintext (a complete APDU, whose own tag says which service it is).
    pub plaintext: &'a mut [u8],
    /// The security control byte.
    pub control: SecurityControl,
    /// The invocation counter.
    pub invocation_counter: u32,
    /// The sender's system title used in the IV.
    pub system_title: SystemTitle,
    /// Whether the tag was verified.
    pub tag: TagStatus,
}

struct Slot {
    key: Key,
    cipher: Cipher,
}

impl Slot {
    fn new(key: Key) -> Self {
        Self {
            cipher: Cipher::new(&key),
            key,
        }
    }
}

/// Which key protects an APDU and, through it, which invocation counters apply.
#[derive(Clone, Copy)]
pub(super) enum KeyRef<'k> {
    /// A key of the context: the key family, and for the global family the key set.
    Context {
        /// Global or dedicated.
        ciphering: Ciphering,
        /// The broadcast key of the global family.
        broadcast: bool,
    },
    /// A key that comes with the APDU (general-ciphering wrapped or agreed key).
    OneTime(&'k Cipher),
}

impl KeyRef<'_> {
    /// The key `ciphering` and the key-set bit of `control` select.
    pub(super) const fn context(ciphering: Ciphering, control: SecurityControl) -> Self {
        Self::Context {
            ciphering,
            broadcast: control.uses_broadcast_key(),
        }
    }
}

/// Keys, system titles, invocation counters and policy for talking to one peer, with protect
/// and unprotect in place. A client keeps one per meter; a meter keeps one per client
/// association; a push listener one per meter (looked up by the system title of the push).
///
/// `Debug` prints which keys are set, never their bytes.
///
/// ```
/// use dlms::security::{Envelope, Ciphering, Key, KeyId, Protection, SecurityContext,
///                      SecurityControl, SecuritySuite, SystemTitle, TagStatus};
/// let client_title = SystemTitle::new(*b"MMM\x00\x00\x00\x00\x01");
/// let meter_title = SystemTitle::new(*b"MMM\x00\x00\xBC\x61\x4E");
/// let ek = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F];
/// let ak = [0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF];
///
/// let mut client = SecurityContext::new(SecuritySuite::SUITE_0, client_title)?;
/// client.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(ek))?;
/// client.set_key(KeyId::AUTHENTICATION, Key::aes128(ak))?;
/// client.set_peer_title(Some(meter_title));
///
/// let mut meter = SecurityContext::new(SecuritySuite::SUITE_0, meter_title)?;
/// meter.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(ek))?;
/// meter.set_key(KeyId::AUTHENTICATION, Key::aes128(ak))?;
/// meter.set_peer_title(Some(client_title));
///
/// // The client protects a GET request: header, plaintext, room for the tag.
/// let get = [0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00];
/// let mut content = [0u8; 5 + 13 + 12];
/// content[5..18].copy_from_slice(&get);
/// let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
/// let len = client.protect_content(Ciphering::Global, sc, None, &mut content, get.len())?;
///
/// // The meter unprotects it in place.
/// let apdu = meter.unprotect_content(&Envelope::global(), &mut content[..len])?;
/// assert_eq!(apdu.plaintext, &get);
/// assert_eq!(apdu.tag, TagStatus::Verified);
/// # Ok::<(), dlms::Error>(())
/// ```
pub struct SecurityContext {
    suite: SecuritySuite,
    policy: SecurityPolicy,
    own_title: SystemTitle,
    peer_title: Option<SystemTitle>,
    unicast: Option<Slot>,
    broadcast: Option<Slot>,
    dedicated: Option<Slot>,
    authentication: Option<Key>,
    master: Option<Key>,
    counters: Counters,
    /// Whether general-ciphering authenticates its header fields (single source).
    general_aad: bool,
    /// What a general-signing signature covers (single source each).
    signing_coverage: SigningCoverage,
    /// The elliptic-curve keys of suites 1 and 2.
    #[cfg(any(feature = "p256", feature = "p384"))]
    ec: super::ecc::EcKeys,
}

impl fmt::Debug for SecurityContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityContext")
            .field("suite", &self.suite)
            .field("policy", &self.policy)
            .field("own_title", &self.own_title)
            .field("peer_title", &self.peer_title)
            .field("unicast_key", &self.unicast.as_ref().map(|s| &s.key))
            .field("broadcast_key", &self.broadcast.as_ref().map(|s| &s.key))
            .field("dedicated_key", &self.dedicated.as_ref().map(|s| &s.key))
            .field("authentication_key", &self.authentication)
            .field("master_key", &self.master)
            .field("counters", &self.counters)
            .field("general_aad", &self.general_aad)
            .field("signing_coverage", &self.signing_coverage)
            .finish_non_exhaustive()
    }
}

impl SecurityContext {
    /// A context for `suite` with our own system title, no keys, the strict policy and fresh
    /// counters.
    ///
    /// # Errors
    /// [`Error::UnsupportedSuite`] for a suite other than 0, 1 and 2.
    pub fn new(suite: SecuritySuite, own_title: SystemTitle) -> Result<Self> {
        suite.require_known()?;
        Ok(Self {
            suite,
            policy: SecurityPolicy::STRICT,
            own_title,
            peer_title: None,
            unicast: None,
            broadcast: None,
            dedicated: None,
            authentication: None,
            master: None,
            counters: Counters::default(),
            general_aad: false,
            signing_coverage: SigningCoverage::Prefix,
            #[cfg(any(feature = "p256", feature = "p384"))]
            ec: super::ecc::EcKeys::default(),
        })
    }

    /// The security suite.
    #[must_use]
    pub const fn suite(&self) -> SecuritySuite {
        self.suite
    }

    /// Our system title.
    #[must_use]
    pub const fn own_title(&self) -> &SystemTitle {
        &self.own_title
    }

    /// The peer's system title, when known.
    #[must_use]
    pub const fn peer_title(&self) -> Option<&SystemTitle> {
        self.peer_title.as_ref()
    }

    /// Sets the peer's system title (from the AARQ calling-AP-title or the AARE
    /// responding-AP-title, or from configuration).
    pub fn set_peer_title(&mut self, title: Option<SystemTitle>) {
        self.peer_title = title;
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> &SecurityPolicy {
        &self.policy
    }

    /// Sets the policy.
    pub fn set_policy(&mut self, policy: SecurityPolicy) {
        self.policy = policy;
    }

    /// Whether general-ciphering APDUs (0xDD) extend the authenticated-encryption AAD with their
    /// header fields ([`AadExtension`]), both ways. Off by default: the layout is single-source
    /// (Gurux.DLMS.Python `getAuthenticatedData`, suites 1 and 2); switch it on for peers known to
    /// do it.
    pub fn set_general_ciphering_aad(&mut self, extend: bool) {
        self.general_aad = extend;
    }

    /// Whether general-ciphering APDUs extend the AAD with their header fields.
    #[must_use]
    pub const fn general_ciphering_aad(&self) -> bool {
        self.general_aad
    }

    /// What general-signing signatures cover, both ways (default [`SigningCoverage::Prefix`]).
    pub fn set_signing_coverage(&mut self, coverage: SigningCoverage) {
        self.signing_coverage = coverage;
    }

    /// What general-signing signatures cover.
    #[must_use]
    pub const fn signing_coverage(&self) -> SigningCoverage {
        self.signing_coverage
    }

    /// Sets the elliptic-curve keys of suites 1 and 2 (general-ciphering with agreed keys,
    /// general-signing). Their curve must be the context's suite's.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a key is on another curve than the suite's.
    #[cfg(any(feature = "p256", feature = "p384"))]
    pub fn set_ec_keys(&mut self, keys: super::ecc::EcKeys) -> Result<()> {
        let suites = [
            keys.own_signing
                .as_ref()
                .map(super::ecc::EcSecretKey::suite),
            keys.own_agreement
                .as_ref()
                .map(super::ecc::EcSecretKey::suite),
            keys.peer_signing
                .as_ref()
                .map(super::ecc::EcPublicKey::suite),
            keys.peer_agreement
                .as_ref()
                .map(super::ecc::EcPublicKey::suite),
        ];
        if suites.iter().flatten().any(|s| *s != self.suite) {
            return Err(Error::InvalidArgument {
                what: "an elliptic-curve key is not on the curve of the context's suite",
            });
        }
        self.ec = keys;
        Ok(())
    }

    /// The elliptic-curve keys of suites 1 and 2.
    #[cfg(any(feature = "p256", feature = "p384"))]
    #[must_use]
    pub const fn ec_keys(&self) -> &super::ecc::EcKeys {
        &self.ec
    }

    /// Sets one of the global keys or the master key ([`KeyId`] 0 to 3).
    ///
    /// # Errors
    /// [`Error::KeySize`] when the key does not fit the suite; [`Error::InvalidArgument`] for
    /// an unknown key id.
    pub fn set_key(&mut self, id: KeyId, key: Key) -> Result<()> {
        key.check_suite(self.suite)?;
        match id {
            KeyId::GLOBAL_UNICAST_ENCRYPTION => self.unicast = Some(Slot::new(key)),
            KeyId::GLOBAL_BROADCAST_ENCRYPTION => self.broadcast = Some(Slot::new(key)),
            KeyId::AUTHENTICATION => self.authentication = Some(key),
            KeyId::MASTER => self.master = Some(key),
            _ => {
                return Err(Error::InvalidArgument {
                    what: "unknown key id",
                });
            }
        }
        Ok(())
    }

    /// Removes one of the global keys or the master key.
    pub fn clear_key(&mut self, id: KeyId) {
        match id {
            KeyId::GLOBAL_UNICAST_ENCRYPTION => self.unicast = None,
            KeyId::GLOBAL_BROADCAST_ENCRYPTION => self.broadcast = None,
            KeyId::AUTHENTICATION => self.authentication = None,
            KeyId::MASTER => self.master = None,
            _ => {}
        }
    }

    /// Installs a key wrapped with the master key (Security setup `key_transfer`; RFC 3394)
    /// under `id`.
    ///
    /// # Errors
    /// [`Error::MissingKey`] without a master key; [`Error::KeyUnwrap`]; the errors of
    /// [`SecurityContext::set_key`].
    pub fn transfer_key(&mut self, id: KeyId, wrapped: &[u8]) -> Result<()> {
        let key = unwrap_key(self.required_master_key()?, wrapped)?;
        self.set_key(id, key)
    }

    /// Sets (or, with `None`, removes) the dedicated key of the association (from the
    /// InitiateRequest); its invocation counters start afresh.
    ///
    /// # Errors
    /// [`Error::KeySize`] when the key does not fit the suite.
    pub fn set_dedicated_key(&mut self, key: Option<Key>) -> Result<()> {
        if let Some(key) = &key {
            key.check_suite(self.suite)?;
        }
        self.dedicated = key.map(Slot::new);
        self.counters.dedicated = CounterPair::default();
        Ok(())
    }

    /// The authentication key, if set.
    #[must_use]
    pub const fn authentication_key(&self) -> Option<&Key> {
        self.authentication.as_ref()
    }

    /// The master key, if set.
    #[must_use]
    pub const fn master_key(&self) -> Option<&Key> {
        self.master.as_ref()
    }

    /// The master key, needed to wrap or unwrap a key.
    pub(crate) fn required_master_key(&self) -> Result<&Key> {
        self.master
            .as_ref()
            .ok_or(Error::MissingKey { key: "master key" })
    }

    /// All invocation counters (to persist them).
    #[must_use]
    pub const fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Restores the invocation counters (after a restart; never lower them).
    pub fn set_counters(&mut self, counters: Counters) {
        self.counters = counters;
    }

    /// The prepared cipher of `key`.
    fn cipher<'s>(&'s self, key: KeyRef<'s>) -> Result<&'s Cipher> {
        let (slot, name) = match key {
            KeyRef::OneTime(cipher) => return Ok(cipher),
            KeyRef::Context {
                ciphering: Ciphering::Dedicated,
                ..
            } => (&self.dedicated, "dedicated key"),
            KeyRef::Context {
                broadcast: false, ..
            } => (&self.unicast, "global unicast encryption key"),
            KeyRef::Context {
                broadcast: true, ..
            } => (&self.broadcast, "global broadcast encryption key"),
        };
        slot.as_ref()
            .map(|s| &s.cipher)
            .ok_or(Error::MissingKey { key: name })
    }

    /// The invocation counters of `key` (one-time keys use those of the global key the
    /// key-set bit names).
    fn counter_pair(&mut self, key: KeyRef<'_>, control: SecurityControl) -> &mut CounterPair {
        match key {
            KeyRef::Context {
                ciphering: Ciphering::Dedicated,
                ..
            } => &mut self.counters.dedicated,
            KeyRef::Context {
                broadcast: false, ..
            } => &mut self.counters.unicast,
            KeyRef::Context {
                broadcast: true, ..
            } => &mut self.counters.broadcast,
            KeyRef::OneTime(_) if control.uses_broadcast_key() => &mut self.counters.broadcast,
            KeyRef::OneTime(_) => &mut self.counters.unicast,
        }
    }

    /// Protects `data` in place with the next invocation counter of the key `ciphering` and
    /// `control` select (IEC 62056-5-3). `control` must name the context's suite.
    ///
    /// The counter advances only when protection succeeds. `aad_extension` (general-ciphering)
    /// applies to authenticated encryption only and is ignored for the other protections.
    ///
    /// # Errors
    /// [`Error::CounterExhausted`], [`Error::MissingKey`], [`Error::InvalidArgument`] (a suite
    /// other than the context's), and the errors of [`super::seal_in_place`].
    pub fn protect_in_place(
        &mut self,
        ciphering: Ciphering,
        control: SecurityControl,
        aad_extension: Option<&AadExtension<'_>>,
        data: &mut [u8],
    ) -> Result<Protected> {
        let key = KeyRef::context(ciphering, control);
        self.protect_with(key, control, aad_extension, data)
    }

    /// [`SecurityContext::protect_in_place`] with any key.
    pub(super) fn protect_with(
        &mut self,
        key: KeyRef<'_>,
        control: SecurityControl,
        aad_extension: Option<&AadExtension<'_>>,
        data: &mut [u8],
    ) -> Result<Protected> {
        if control.suite() != self.suite {
            return Err(Error::InvalidArgument {
                what: "the security control byte names another suite than the context's",
            });
        }
        let invocation_counter = self
            .counter_pair(key, control)
            .tx
            .next()
            .ok_or(Error::CounterExhausted)?;
        let params = CipheringParams {
            control,
            system_title: &self.own_title,
            invocation_counter,
            authentication_key: self.authentication.as_ref(),
            aad_extension: aad_extension
                .filter(|_| control.protection() == Protection::AuthenticatedEncrypted),
        };
        let tag = seal_in_place(self.cipher(key)?, &params, data)?;
        self.counter_pair(key, control).tx.take()?;
        Ok(Protected {
            invocation_counter,
            tag,
        })
    }

    /// Protects ciphered content in place: `content` holds the plaintext at
    /// `SECURITY_HEADER_LEN..SECURITY_HEADER_LEN + plaintext_len`; this writes the security header before it and
    /// the tag after it (when the A bit is set) and returns the length of the content
    /// (`SC ‖ IC ‖ information ‖ tag`), which goes after the APDU's tag and length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `content` cannot hold header, plaintext and tag; the
    /// errors of [`SecurityContext::protect_in_place`].
    pub fn protect_content(
        &mut self,
        ciphering: Ciphering,
        control: SecurityControl,
        aad_extension: Option<&AadExtension<'_>>,
        content: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize> {
        let tag_len = if control.is_authenticated() {
            TAG_LEN
        } else {
            0
        };
        let needed = plaintext_len.saturating_add(SECURITY_HEADER_LEN + tag_len);
        let available = content.len();
        let content = content
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed, available })?;
        let (header, rest) = content.split_at_mut(SECURITY_HEADER_LEN);
        let (data, tag_out) = rest.split_at_mut(plaintext_len);
        let protected = self.protect_in_place(ciphering, control, aad_extension, data)?;
        SecurityHeaderRepr {
            control,
            invocation_counter: protected.invocation_counter,
        }
        .emit(&mut SecurityHeader::new_unchecked(header))?;
        if let Some(tag) = protected.tag {
            tag_out.copy_from_slice(&tag);
        }
        Ok(needed)
    }

    /// Resolves the sender's system title for an incoming APDU.
    pub(super) fn sender_title(&self, carried: Option<&[u8]>) -> Result<SystemTitle> {
        match carried {
            None => self.peer_title.ok_or(Error::MissingSystemTitle),
            Some([]) => {
                if !self.policy.allow_empty_system_title {
                    return Err(Error::SystemTitleLength { len: 0 });
                }
                self.peer_title.ok_or(Error::MissingSystemTitle)
            }
            Some(bytes) => {
                let found = SystemTitle::from_slice(bytes)?;
                match self.peer_title {
                    Some(expected) if expected != found => Err(Error::WrongSystemTitle {
                        expected: expected.to_bytes(),
                        found: found.to_bytes(),
                    }),
                    _ => Ok(found),
                }
            }
        }
    }

    /// Checks an incoming security control byte against the suite and the policy.
    pub(super) fn accept_control(&self, control: SecurityControl) -> Result<()> {
        if control.is_compressed() {
            return Err(Error::CompressionUnsupported {
                control: control.to_byte(),
            });
        }
        let suite = control.suite();
        suite.require_known()?;
        if suite != self.suite && !self.policy.extra_suites.contains(suite) {
            return Err(Error::SuiteNotAccepted {
                expected: self.suite.id(),
                found: suite.id(),
            });
        }
        let refused = (!control.is_authenticated() && !self.policy.allow_unauthenticated)
            || (!control.is_encrypted() && self.policy.require_encryption);
        if refused {
            return Err(Error::ProtectionNotAccepted {
                control: control.to_byte(),
            });
        }
        Ok(())
    }

    /// Unprotects the information of a received APDU in place, given the parts of its security
    /// header: checks the suite and protection against the policy, the system title, and that
    /// the invocation counter is fresh; verifies the tag and decrypts; then records the counter.
    ///
    /// # Errors
    /// [`Error::SuiteNotAccepted`], [`Error::UnsupportedSuite`], [`Error::ProtectionNotAccepted`],
    /// [`Error::CompressionUnsupported`], [`Error::SystemTitleLength`], [`Error::WrongSystemTitle`],
    /// [`Error::MissingSystemTitle`], [`Error::MissingKey`], [`Error::Replay`],
    /// [`Error::TagMismatch`], [`Error::KeySize`].
    pub fn unprotect_in_place<'a>(
        &mut self,
        envelope: &Envelope<'_>,
        control: SecurityControl,
        invocation_counter: u32,
        data: &'a mut [u8],
        tag: Option<&Tag>,
    ) -> Result<Unprotected<'a>> {
        self.unprotect_with(
            KeyRef::context(envelope.ciphering, control),
            envelope.system_title,
            envelope.aad_extension,
            control,
            invocation_counter,
            data,
            tag,
        )
    }

    /// [`SecurityContext::unprotect_in_place`] with any key.
    #[allow(clippy::too_many_arguments)] // the parts of a security header, kept apart
    pub(super) fn unprotect_with<'a>(
        &mut self,
        key: KeyRef<'_>,
        carried_title: Option<&[u8]>,
        aad_extension: Option<&AadExtension<'_>>,
        control: SecurityControl,
        invocation_counter: u32,
        data: &'a mut [u8],
        tag: Option<&Tag>,
    ) -> Result<Unprotected<'a>> {
        self.accept_control(control)?;
        let system_title = self.sender_title(carried_title)?;
        self.counter_pair(key, control)
            .rx
            .check(invocation_counter)?;
        let cipher = self.cipher(key)?;
        let without_ak = self.authentication.is_none() && self.policy.allow_unverified_tag;
        let status = match control.protection() {
            // Decrypt without the authentication key: the keystream does not depend on the
            // AAD, so this is the encryption-only path; the tag stays unchecked.
            Protection::AuthenticatedEncrypted if without_ak => {
                let params = CipheringParams {
                    control: SecurityControl::from_byte(
                        control.to_byte() & !SecurityControl::AUTHENTICATED,
                    ),
                    system_title: &system_title,
                    invocation_counter,
                    authentication_key: None,
                    aad_extension: None,
                };
                open_in_place(cipher, &params, data, None)?;
                TagStatus::NotVerified
            }
            // Authentication only: the information is in clear; without the key the tag cannot
            // be checked.
            Protection::Authenticated if without_ak => TagStatus::NotVerified,
            protection => {
                let params = CipheringParams {
                    control,
                    system_title: &system_title,
                    invocation_counter,
                    authentication_key: self.authentication.as_ref(),
                    // The extension belongs to authenticated encryption only (Gurux Python).
                    aad_extension: aad_extension
                        .filter(|_| protection == Protection::AuthenticatedEncrypted),
                };
                open_in_place(cipher, &params, data, tag)?
            }
        };
        self.counter_pair(key, control)
            .rx
            .accept(invocation_counter)?;
        Ok(Unprotected {
            plaintext: data,
            control,
            invocation_counter,
            system_title,
            tag: status,
        })
    }

    /// Unprotects ciphered content in place: `content` is what follows the length in every
    /// ciphered APDU, `SC ‖ IC ‖ information [‖ tag]` (IEC 62056-5-3).
    ///
    /// # Errors
    /// [`Error::Truncated`] for content shorter than the header or the announced tag; the
    /// errors of [`SecurityContext::unprotect_in_place`].
    pub fn unprotect_content<'a>(
        &mut self,
        envelope: &Envelope<'_>,
        content: &'a mut [u8],
    ) -> Result<Unprotected<'a>> {
        let (header, data, tag) = split_content(content)?;
        let tag = tag.copied();
        self.unprotect_in_place(
            envelope,
            header.control,
            header.invocation_counter,
            data,
            tag.as_ref(),
        )
    }

    /// Our HLS-GMAC response f(challenge) to the peer's challenge, with the next invocation
    /// counter of the global unicast key (mechanism 5; pass 3 for a client, pass 4 for a
    /// server; GuruxDLMS.c, u9n/dlms-cosem, jDLMS).
    ///
    /// # Errors
    /// [`Error::MissingKey`] without the unicast or authentication key;
    /// [`Error::CounterExhausted`]; [`Error::ChallengeLength`].
    pub fn hls_gmac_respond(
        &mut self,
        own_challenge: &[u8],
        peer_challenge: &[u8],
    ) -> Result<Response> {
        let peer_title = self.peer_title.ok_or(Error::MissingSystemTitle)?;
        let ic = self
            .counters
            .unicast
            .tx
            .next()
            .ok_or(Error::CounterExhausted)?;
        let response = self.hls_gmac()?.respond(
            &Exchange {
                own_title: &self.own_title,
                peer_title: &peer_title,
                own_challenge,
                peer_challenge,
            },
            ic,
        )?;
        self.counters.unicast.tx.take()?;
        Ok(response)
    }

    /// Checks the peer's HLS-GMAC response to our challenge and records its invocation counter
    /// (it must be fresh for the global unicast key).
    ///
    /// # Errors
    /// [`Error::AuthenticationFailed`]; [`Error::Replay`]; [`Error::MissingKey`];
    /// [`Error::MissingSystemTitle`]; [`Error::ChallengeLength`].
    pub fn hls_gmac_verify(
        &mut self,
        own_challenge: &[u8],
        peer_challenge: &[u8],
        response: &[u8],
    ) -> Result<()> {
        let peer_title = self.peer_title.ok_or(Error::MissingSystemTitle)?;
        let ic = self.hls_gmac()?.verify(
            &Exchange {
                own_title: &self.own_title,
                peer_title: &peer_title,
                own_challenge,
                peer_challenge,
            },
            response,
        )?;
        if let Some(ic) = ic {
            self.counters.unicast.rx.accept(ic)?;
        }
        Ok(())
    }

    /// As [`hls_gmac_verify`](Self::hls_gmac_verify), for a response that came inside a
    /// ciphered APDU whose own invocation counter `envelope_counter` this context has just
    /// accepted (HLS pass 3 or 4 in a ciphered association, IEC 62056-5-3). The peer computed
    /// f() before it protected the APDU, so the response's counter is lower than the
    /// envelope's: it must be below `envelope_counter`, and the envelope's counter, already
    /// recorded, stays the last one received.
    ///
    /// # Errors
    /// As [`hls_gmac_verify`](Self::hls_gmac_verify); [`Error::Replay`] when the response's
    /// counter is not below `envelope_counter`.
    pub fn hls_gmac_verify_enveloped(
        &mut self,
        own_challenge: &[u8],
        peer_challenge: &[u8],
        response: &[u8],
        envelope_counter: u32,
    ) -> Result<()> {
        let peer_title = self.peer_title.ok_or(Error::MissingSystemTitle)?;
        let ic = self.hls_gmac()?.verify(
            &Exchange {
                own_title: &self.own_title,
                peer_title: &peer_title,
                own_challenge,
                peer_challenge,
            },
            response,
        )?;
        match ic {
            Some(ic) if ic >= envelope_counter => Err(Error::Replay {
                counter: ic,
                last: envelope_counter,
            }),
            _ => Ok(()),
        }
    }

    fn hls_gmac(&self) -> Result<HlsSecret<'_>> {
        let slot = self.unicast.as_ref().ok_or(Error::MissingKey {
            key: "global unicast encryption key",
        })?;
        let authentication_key = self.authentication.as_ref().ok_or(Error::MissingKey {
            key: "authentication key",
        })?;
        Ok(HlsSecret::Gmac {
            cipher: &slot.cipher,
            authentication_key,
            suite: self.suite,
        })
    }
}

/// The cryptographic algorithm id of the KDF for a suite's content key: AES-GCM-128 (suite 1)
/// or AES-GCM-256 (suite 2; id 1 from Gurux gxdlms-go `GenerateKDF` only).
#[cfg(any(feature = "p256", feature = "p384"))]
const fn kdf_algorithm(suite: SecuritySuite) -> super::AlgorithmId {
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
    /// general-ded-ciphering, or general-ciphering (IEC 62056-5-3). Picks the key the
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
                    .map(|u| unprotected_apdu(u, envelope_tag, used));
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
        Ok(unprotected_apdu(unprotected, envelope_tag, key_used))
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

    /// One-pass Diffie-Hellman, receiving side (Green Book 9.2.3.4.6; NIST SP 800-56A):
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
    /// it, and returns the length of the protected APDU (IEC 62056-5-3).
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
    /// ded-initiate-request in the AARQ), as the server and the client both do once the association
    /// is set up (the dedicated key lives for one association): ded-ciphering then uses it, with
    /// counters of its own that start afresh. Returns whether the request carried one.
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

/// The whole-APDU result of unprotecting the information `u` of an envelope.
fn unprotected_apdu<'a>(u: Unprotected<'a>, envelope_tag: u8, key: KeyUsed) -> UnprotectedApdu<'a> {
    UnprotectedApdu {
        plaintext: u.plaintext,
        envelope_tag,
        key,
        control: u.control,
        invocation_counter: u.invocation_counter,
        system_title: u.system_title,
        tag: u.tag,
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
