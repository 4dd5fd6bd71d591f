//! The types of whole-APDU protection (IEC 62056-5-3; Green Book 9.2.7.2 and 9.5): what to put
//! around a plaintext APDU ([`EnvelopeKind`], [`GeneralKey`], [`GeneralFields`]), what came out of
//! one ([`UnprotectedApdu`], [`KeyUsed`], [`SignedApdu`]), and the envelope heads built from them.
//! [`SecurityContext`](super::SecurityContext) does the protecting and unprotecting (in
//! `context.rs`); nothing here refers back to it.

use super::TagStatus;
use super::keys::Key;
use crate::apdu::{EnvelopeHead, GeneralHeader, KeyInfo, ciphered_tag_of};
use crate::wire::{KeyId, SecurityControl, SystemTitle};
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

/// The envelope [`SecurityContext::protect_apdu`](super::SecurityContext::protect_apdu) puts around a plaintext APDU.
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
/// confirmed by the standard's text available to us (dlms-cosem-rs says "everything before
/// it"), so both are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SigningCoverage {
    /// Everything before the signature field, `DF ‖ header fields ‖ content length ‖
    /// content` (dlms-cosem-rs `GeneralSigning`). The default.
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

/// The bytes before the content a general-signing signature covers.
#[cfg(any(feature = "p256", feature = "p384"))]
pub(super) fn coverage<'h>(
    coverage: SigningCoverage,
    head: &'h [u8],
    header: &GeneralHeader<'_>,
) -> &'h [u8] {
    match coverage {
        SigningCoverage::Prefix => head,
        SigningCoverage::HeaderAndContent => head.get(1..1 + header.len()).unwrap_or(&[]),
    }
}

pub(super) fn general_header<'a>(
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
pub(super) fn envelope_head<'a>(
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
