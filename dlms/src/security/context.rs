//! The security state of one association or one peer: keys, system titles, invocation
//! counters and policy, with protect/unprotect in place (IEC 62056-5-3; Green Book 9.2.7.2).

use core::fmt;

use super::ciphering::{
    AadExtension, CipheringParams, TagStatus, open_in_place, seal_in_place, split_content,
};
use super::control::{
    Protection, SECURITY_HEADER_LEN, SecurityControl, SecurityHeader, SecurityHeaderRepr,
    SecuritySuite,
};
use super::counter::{CounterPair, Counters};
use super::envelope::SigningCoverage;
use super::gcm::{Cipher, TAG_LEN, Tag};
use super::hls::{Exchange, HlsSecret, Response};
use super::keys::{Key, KeyId};
use super::policy::SecurityPolicy;
use super::title::SystemTitle;
use crate::{Error, Result};

/// Which key family protects an APDU: the global keys (glo- and general-glo-ciphering; the
/// key-set bit of the security control byte picks unicast or broadcast) or the dedicated key
/// (ded- and general-ded-ciphering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ciphering {
    /// Global unicast or broadcast encryption key.
    Global,
    /// The dedicated key of the association.
    Dedicated,
}

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
    /// header fields ([`AadExtension`]), both ways. Off by default: the layout is
    /// single-source (Gurux Python, suites 1 and 2; notes §8.4, §13); switch it on for peers
    /// known to do it.
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
        let key = super::keys::unwrap_key(self.required_master_key()?, wrapped)?;
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
    pub(super) fn required_master_key(&self) -> Result<&Key> {
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
    /// ciphered APDU, `SC ‖ IC ‖ information [‖ tag]` (notes §8.3).
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
    /// server; notes §8.9).
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
