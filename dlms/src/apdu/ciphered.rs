//! Ciphered envelopes, parsed into their parts (DLMS Green Book 9.2.7 and 9.5; IEC 62056-5-3):
//! service-specific glo-/ded- APDUs, general-glo- and general-ded-ciphering,
//! general-ciphering and general-signing.
//!
//! Protecting and unprotecting (AES-GCM, keys, counters) is the job of the security layer;
//! these views give it every field, and `emit_header` writes an envelope around a caller's
//! ciphertext so that encryption can happen in place.
//!
//! ```
//! use dlms::apdu::CipheredApdu;
//! use dlms::axdr::Sink;
//! use dlms::security::{SecurityControl, SystemTitle};
//! // Green Book suite-0 example: glo-get-request, SC 0x30, IC 0x01234567.
//! let bytes = [
//!     0xC8, 0x1E, 0x30, 0x01, 0x23, 0x45, 0x67, 0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56,
//!     0x68, 0x27, 0xC4, 0x67, 0xBC, 0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05,
//!     0x6B, 0x6B,
//! ];
//! let c = CipheredApdu::parse(&bytes)?;
//! assert_eq!(c.plain_tag(), Some(0xC0));
//! assert_eq!(c.content.security_control, SecurityControl::from_byte(0x30));
//! assert_eq!(c.content.invocation_counter, 0x0123_4567);
//! assert_eq!(c.content.information.len(), 13);
//! assert_eq!(c.content.auth_tag.map(|t| t.len()), Some(12));
//! let sender = SystemTitle::new([0x4D, 0x4D, 0x4D, 0, 0, 0xBC, 0x61, 0x4E]);
//! assert_eq!(c.content.iv(&sender)[8..], [1, 0x23, 0x45, 0x67]);
//!
//! // Writing the same envelope around a ciphertext the caller produces in place:
//! let mut out = [0u8; 32];
//! let mut sink = dlms::axdr::SliceSink::new(&mut out);
//! CipheredApdu::emit_header(0xC8, SecurityControl::from_byte(0x30), 0x0123_4567, 13 + 12, &mut sink)?;
//! assert_eq!(sink.written(), &bytes[..7]);
//! # Ok::<(), dlms::Error>(())
//! ```

use super::common::{encode_via_write, read_choice};
use super::service_error::expect_tag;
use crate::axdr::{Limits, Sink, length_len, put_length, put_octets};
use crate::wire::Reader;
use crate::wire::{Iv, KeyId, SecurityControl, SystemTitle, TAG_LEN, Tag};
use crate::{Error, Result};

/// The protected part of every envelope: `SC | IC | information | tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipheredContent<'a> {
    /// The security control byte.
    pub security_control: SecurityControl,
    /// The invocation counter (the last four bytes of the GCM IV).
    pub invocation_counter: u32,
    /// The ciphertext, or the plaintext when [`SecurityControl::is_encrypted`] is false;
    /// without the authentication tag.
    pub information: &'a [u8],
    /// The 12-byte authentication tag when [`SecurityControl::is_authenticated`] is true.
    pub auth_tag: Option<&'a Tag>,
}

/// The length of the information in the `body_len` bytes that follow `SC | IC` (at `offset`
/// of the input): all of them, or all but the 12-byte tag when the A bit is set.
pub(crate) fn information_len(
    sc: SecurityControl,
    body_len: usize,
    offset: usize,
) -> Result<usize> {
    if !sc.is_authenticated() {
        return Ok(body_len);
    }
    body_len.checked_sub(TAG_LEN).ok_or(Error::Truncated {
        field: "authentication tag",
        offset,
        needed: TAG_LEN.saturating_sub(body_len),
    })
}

/// Splits `body` (the bytes after `SC | IC`) into the information and the tag.
fn split_tag(body: &[u8], info_len: usize) -> (&[u8], Option<&Tag>) {
    let (info, tag) = body.split_at(info_len.min(body.len()));
    (info, <&Tag>::try_from(tag).ok())
}

impl<'a> CipheredContent<'a> {
    /// Splits `SC | IC | information | tag` (everything after the envelope's length field),
    /// whose first byte is at `offset` of the input.
    ///
    /// # Errors
    /// [`Error::Truncated`] when shorter than the header and the tag the SC announces.
    pub fn split(bytes: &'a [u8], offset: usize) -> Result<Self> {
        let mut r = Reader::new(bytes, offset);
        let security_control = SecurityControl::from_byte(r.u8("security-control")?);
        let invocation_counter = r.u32("invocation-counter")?;
        let rest = r.rest();
        let info_len = information_len(security_control, rest.len(), r.offset())?;
        let (information, auth_tag) = split_tag(rest, info_len);
        Ok(Self {
            security_control,
            invocation_counter,
            information,
            auth_tag,
        })
    }

    /// Bytes of `SC | IC | information | tag`.
    #[must_use]
    pub fn len(&self) -> usize {
        5 + self.information.len() + self.auth_tag.map_or(0, |t| t.len())
    }

    /// Never empty (the SC and IC are always there).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The AES-GCM initialisation vector: the sender's system title, then the invocation
    /// counter (Green Book 9.2.7.2.4.1; [`crate::security::iv`]).
    #[must_use]
    pub fn iv(&self, sender_system_title: &SystemTitle) -> Iv {
        crate::wire::iv(sender_system_title, self.invocation_counter)
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        put_length(out, self.len())?;
        write_sc_ic(out, self.security_control, self.invocation_counter)?;
        out.put(self.information)?;
        match self.auth_tag {
            Some(t) => out.put(t),
            None => Ok(()),
        }
    }
}

fn write_sc_ic<S: Sink + ?Sized>(out: &mut S, sc: SecurityControl, ic: u32) -> Result<()> {
    let [a, b, c, d] = ic.to_be_bytes();
    out.put(&[sc.to_byte(), a, b, c, d])
}

/// Writes `len(5 + body_len) | SC | IC`.
fn write_content_header<S: Sink + ?Sized>(
    out: &mut S,
    sc: SecurityControl,
    ic: u32,
    body_len: usize,
) -> Result<()> {
    put_length(out, body_len.saturating_add(5))?;
    write_sc_ic(out, sc, ic)
}

fn read_content<'a>(r: &mut Reader<'a>) -> Result<CipheredContent<'a>> {
    let offset_after_len;
    let bytes = {
        let n = r.length("ciphered content length")?;
        offset_after_len = r.offset();
        r.bytes(n, "ciphered content")?
    };
    CipheredContent::split(bytes, offset_after_len)
}

/// The tag of the unprotected service a service-specific ciphered tag carries, if `tag` is one
/// (glo = plain + 8 or + 32, ded = plain + 16 or + 64; jDLMS `cosem.asn`, dlms-cosem-rs).
#[must_use]
pub const fn plain_tag_of(tag: u8) -> Option<u8> {
    match tag {
        0x21 | 0x25 | 0x26 | 0x28 | 0x2C | 0x2D | 0x2E | 0x36 | 0x38 => Some(tag - 0x20),
        0x41 | 0x45 | 0x46 | 0x48 | 0x4C | 0x4D | 0x4E | 0x56 | 0x58 => Some(tag - 0x40),
        0xC8..=0xCD | 0xCF => Some(tag - 8),
        0xD0..=0xD5 | 0xD7 => Some(tag - 16),
        _ => None,
    }
}

/// The glo- (`dedicated` false) or ded- (`dedicated` true) tag of an unprotected service tag,
/// if the service has a service-specific ciphered form (the inverse of [`plain_tag_of`];
/// jDLMS `cosem.asn`). DataNotification, ACCESS, ExceptionResponse and the general APDUs have none:
/// they are protected with general-glo- or general-ded-ciphering.
///
/// ```
/// use dlms::apdu::{ciphered_tag_of, plain_tag_of};
/// assert_eq!(ciphered_tag_of(0xC0, false), Some(0xC8)); // glo-get-request
/// assert_eq!(ciphered_tag_of(0x01, true), Some(0x41));  // ded-initiate-request
/// assert_eq!(ciphered_tag_of(0x0F, false), None);       // data-notification
/// assert_eq!(plain_tag_of(ciphered_tag_of(0xC7, true).unwrap()), Some(0xC7));
/// ```
#[must_use]
pub const fn ciphered_tag_of(plain: u8, dedicated: bool) -> Option<u8> {
    match (plain, dedicated) {
        (0x01 | 0x05 | 0x06 | 0x08 | 0x0C | 0x0D | 0x0E | 0x16 | 0x18, false) => Some(plain + 0x20),
        (0x01 | 0x05 | 0x06 | 0x08 | 0x0C | 0x0D | 0x0E | 0x16 | 0x18, true) => Some(plain + 0x40),
        (0xC0..=0xC5 | 0xC7, false) => Some(plain + 8),
        (0xC0..=0xC5 | 0xC7, true) => Some(plain + 16),
        _ => None,
    }
}

/// What a ciphered APDU carries before its ciphered content (`length | SC | IC | information |
/// tag`): the APDU tag and, for the general envelopes, their fields (IEC 62056-5-3).
///
/// The same description serves to read an envelope ([`CipheredApduMut::split`]) and to write
/// one around a ciphertext made in place ([`EnvelopeHead::emit_header`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeHead<'a> {
    /// A service-specific glo-xxx or ded-xxx APDU: the tag alone.
    Service {
        /// The APDU tag (see [`plain_tag_of`] and [`ciphered_tag_of`]).
        tag: u8,
    },
    /// general-glo-ciphering (0xDB) or general-ded-ciphering (0xDC).
    General {
        /// 0xDB or 0xDC.
        tag: u8,
        /// The sender's system title (8 bytes, or empty: u9n/dlms-cosem tests).
        system_title: &'a [u8],
    },
    /// general-ciphering (0xDD).
    GeneralCiphering {
        /// Transaction id, titles, date-time, other information.
        header: GeneralHeader<'a>,
        /// Which key protects the content, if given.
        key_info: Option<KeyInfo<'a>>,
    },
}

impl<'a> EnvelopeHead<'a> {
    /// The APDU tag.
    #[must_use]
    pub const fn tag(&self) -> u8 {
        match self {
            Self::Service { tag } | Self::General { tag, .. } => *tag,
            Self::GeneralCiphering { .. } => GeneralCiphering::TAG,
        }
    }

    /// True for the envelopes of the dedicated key: ded-xxx and general-ded-ciphering.
    #[must_use]
    pub const fn dedicated(&self) -> bool {
        match self {
            Self::Service { tag } => matches!(*tag, 0x41..=0x58 | 0xD0..=0xD7),
            Self::General { tag, .. } => *tag == GeneralGloCiphering::TAG_DED,
            Self::GeneralCiphering { .. } => false,
        }
    }

    /// Reads the tag and the fields up to the content length.
    fn read(r: &mut Reader<'a>) -> Result<Self> {
        let (tag, at) = read_choice(r, "apdu")?;
        match tag {
            GeneralGloCiphering::TAG_GLO | GeneralGloCiphering::TAG_DED => Ok(Self::General {
                tag,
                system_title: r.octets("system-title")?,
            }),
            GeneralCiphering::TAG => Ok(Self::GeneralCiphering {
                header: GeneralHeader::read(r)?,
                key_info: read_key_info(r)?,
            }),
            t if plain_tag_of(t).is_some() => Ok(Self::Service { tag }),
            _ => Err(Error::UnknownTag {
                field: "ciphered apdu",
                tag,
                offset: at,
            }),
        }
    }

    /// Writes the tag and the fields up to the content length.
    fn write_prefix<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(self.tag())?;
        match self {
            Self::Service { .. } => Ok(()),
            Self::General { system_title, .. } => put_octets(out, system_title),
            Self::GeneralCiphering { header, key_info } => {
                header.write(out)?;
                write_key_info(out, key_info.as_ref())
            }
        }
    }

    /// Bytes [`write_prefix`](Self::write_prefix) writes.
    const fn prefix_len(&self) -> usize {
        1 + match self {
            Self::Service { .. } => 0,
            Self::General { system_title, .. } => {
                length_len(system_title.len()) + system_title.len()
            }
            Self::GeneralCiphering { header, key_info } => header.len() + key_info_len(key_info),
        }
    }

    /// Writes everything up to and including the invocation counter, `... | length | SC | IC`,
    /// for a body (information + authentication tag) of `body_len` bytes that the caller
    /// writes next.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_header<S: Sink + ?Sized>(
        &self,
        sc: SecurityControl,
        ic: u32,
        body_len: usize,
        out: &mut S,
    ) -> Result<()> {
        self.write_prefix(out)?;
        write_content_header(out, sc, ic, body_len)
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub const fn header_len(&self, body_len: usize) -> usize {
        self.prefix_len() + length_len(body_len.saturating_add(5)) + 5
    }
}

/// A glo-, ded-, general-glo-, general-ded- or general-ciphering APDU taken apart in the
/// caller's buffer, to unprotect its information in place: the envelope fields (read-only),
/// the security header, the information (mutable) and the tag.
///
/// ```
/// use dlms::apdu::{CipheredApduMut, EnvelopeHead};
/// // general-glo-ciphering of the Green Book suite-0 glo-get-request.
/// let mut apdu = [
///     0xDB, 0x08, 0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E, 0x1E, 0x30, 0x01, 0x23, 0x45,
///     0x67, 0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56, 0x68, 0x27, 0xC4, 0x67, 0xBC, 0x7D,
///     0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B,
/// ];
/// let parts = CipheredApduMut::split(&mut apdu)?;
/// assert!(matches!(parts.head, EnvelopeHead::General { tag: 0xDB, system_title: [0x4D, ..] }));
/// assert_eq!(parts.invocation_counter, 0x0123_4567);
/// assert_eq!(parts.information.len(), 13);
/// parts.information[0] ^= 0xFF; // the caller decrypts here, in place
/// assert_eq!(parts.auth_tag.map(|t| t[0]), Some(0x7D));
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct CipheredApduMut<'a> {
    /// The tag and the envelope fields before the ciphered content.
    pub head: EnvelopeHead<'a>,
    /// The security control byte.
    pub security_control: SecurityControl,
    /// The invocation counter.
    pub invocation_counter: u32,
    /// The information: ciphertext, or plaintext when the E bit is clear.
    pub information: &'a mut [u8],
    /// The 12-byte tag when the A bit is set.
    pub auth_tag: Option<&'a Tag>,
}

impl<'a> CipheredApduMut<'a> {
    /// Takes apart the ciphered APDU that fills `apdu`, without copying.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for an APDU that is not one of the ciphering envelopes (or an
    /// unknown key-info choice); [`Error::Truncated`] when the content is shorter than its
    /// length, the security header or the tag the security control byte announces;
    /// [`Error::TrailingBytes`] after the content.
    pub fn split(apdu: &'a mut [u8]) -> Result<Self> {
        // First pass over the whole APDU: where the information starts and how long it is.
        let (info_at, info_len) = {
            let mut r = Reader::new(apdu, 0);
            EnvelopeHead::read(&mut r)?;
            let n = r.length("ciphered content length")?;
            let content_at = r.offset();
            let remaining = r.remaining();
            if n > remaining {
                return Err(Error::Truncated {
                    field: "ciphered content",
                    offset: content_at,
                    needed: n - remaining,
                });
            }
            if n < remaining {
                return Err(Error::TrailingBytes {
                    field: "ciphered apdu",
                    offset: content_at + n,
                    count: remaining - n,
                });
            }
            let sc = SecurityControl::from_byte(r.u8("security-control")?);
            r.u32("invocation-counter")?;
            (r.offset(), information_len(sc, r.remaining(), r.offset())?)
        };
        // Second pass over the bytes before the information only (cheap: the header fields),
        // so that they stay borrowed while the information is lent out mutably.
        let (head_bytes, rest) = apdu.split_at_mut(info_at.min(apdu.len()));
        let (information, tag) = rest.split_at_mut(info_len.min(rest.len()));
        let mut r = Reader::new(head_bytes, 0);
        let head = EnvelopeHead::read(&mut r)?;
        r.length("ciphered content length")?;
        let security_control = SecurityControl::from_byte(r.u8("security-control")?);
        let invocation_counter = r.u32("invocation-counter")?;
        Ok(Self {
            head,
            security_control,
            invocation_counter,
            information,
            auth_tag: <&Tag>::try_from(&*tag).ok(),
        })
    }
}

/// A service-specific ciphered APDU, glo-xxx or ded-xxx: `tag | length | SC | IC | information
/// | tag` (Green Book 9.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipheredApdu<'a> {
    /// The APDU tag (0xC8 glo-get-request, 0xD0 ded-get-request, 0x21 glo-initiate-request, ...).
    pub tag: u8,
    /// The protected content.
    pub content: CipheredContent<'a>,
}

impl<'a> CipheredApdu<'a> {
    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] unless the tag is a glo-/ded- service tag; truncation; trailing
    /// bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        let (tag, at) = read_choice(&mut r, "apdu")?;
        if plain_tag_of(tag).is_none() {
            return Err(Error::UnknownTag {
                field: "ciphered apdu",
                tag,
                offset: at,
            });
        }
        let v = Self::read_body(tag, &mut r)?;
        r.finish("ciphered apdu")?;
        Ok(v)
    }

    pub(crate) fn read_body(tag: u8, r: &mut Reader<'a>) -> Result<Self> {
        Ok(Self {
            tag,
            content: read_content(r)?,
        })
    }

    /// The tag of the service inside (0xC0 for glo-get-request).
    #[must_use]
    pub const fn plain_tag(&self) -> Option<u8> {
        plain_tag_of(self.tag)
    }

    /// True for the ded- (dedicated key) variants.
    #[must_use]
    pub const fn dedicated(&self) -> bool {
        EnvelopeHead::Service { tag: self.tag }.dedicated()
    }

    /// Writes `tag | length | SC | IC` for a body (information + authentication tag) of
    /// `body_len` bytes that the caller writes next.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_header<S: Sink + ?Sized>(
        tag: u8,
        sc: SecurityControl,
        ic: u32,
        body_len: usize,
        out: &mut S,
    ) -> Result<()> {
        EnvelopeHead::Service { tag }.emit_header(sc, ic, body_len, out)
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub const fn header_len(body_len: usize) -> usize {
        EnvelopeHead::Service { tag: 0 }.header_len(body_len)
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(self.tag)?;
        self.content.write(out)
    }
}

/// general-glo-ciphering (0xDB) or general-ded-ciphering (0xDC): the sender's system title,
/// then the protected content (Green Book 9.5). A zero-length system title is valid (the
/// receiver uses the one it knows; u9n/dlms-cosem tests, GuruxDLMS.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneralGloCiphering<'a> {
    /// 0xDB (global key) or 0xDC (dedicated key).
    pub tag: u8,
    /// The sender's system title (8 bytes, or empty).
    pub system_title: &'a [u8],
    /// The protected content.
    pub content: CipheredContent<'a>,
}

impl<'a> GeneralGloCiphering<'a> {
    /// general-glo-ciphering.
    pub const TAG_GLO: u8 = 0xDB;
    /// general-ded-ciphering.
    pub const TAG_DED: u8 = 0xDC;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for another APDU; truncation; trailing bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        let (tag, at) = read_choice(&mut r, "apdu")?;
        if tag != Self::TAG_GLO && tag != Self::TAG_DED {
            return Err(Error::UnknownTag {
                field: "general-glo-ciphering",
                tag,
                offset: at,
            });
        }
        let v = Self::read_body(tag, &mut r)?;
        r.finish("general-glo-ciphering")?;
        Ok(v)
    }

    pub(crate) fn read_body(tag: u8, r: &mut Reader<'a>) -> Result<Self> {
        Ok(Self {
            tag,
            system_title: r.octets("system-title")?,
            content: read_content(r)?,
        })
    }

    /// The envelope fields before the content.
    #[must_use]
    pub const fn head(&self) -> EnvelopeHead<'a> {
        EnvelopeHead::General {
            tag: self.tag,
            system_title: self.system_title,
        }
    }

    /// Writes `tag | st-len | system title | length | SC | IC` for a body of `body_len` bytes.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_header<S: Sink + ?Sized>(&self, body_len: usize, out: &mut S) -> Result<()> {
        self.head().emit_header(
            self.content.security_control,
            self.content.invocation_counter,
            body_len,
            out,
        )
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub const fn header_len(&self, body_len: usize) -> usize {
        self.head().header_len(body_len)
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        self.head().write_prefix(out)?;
        self.content.write(out)
    }
}

/// The key-info of a general-ciphering APDU: which key protects the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyInfo<'a> {
    /// `[0]` identified-key: a global key ([`KeyId::GLOBAL_UNICAST_ENCRYPTION`] or
    /// [`KeyId::GLOBAL_BROADCAST_ENCRYPTION`]).
    Identified {
        /// The key.
        key_id: KeyId,
    },
    /// `[1]` wrapped-key: a key wrapped with the KEK.
    Wrapped {
        /// The key-encryption key id (0 = master key).
        kek_id: u8,
        /// The wrapped key.
        key_ciphered_data: &'a [u8],
    },
    /// `[2]` agreed-key: a key agreed by ECDH.
    Agreed {
        /// The key parameters (`01` one-pass DH, `02` static unified model).
        key_parameters: &'a [u8],
        /// The ephemeral public key and signature, or other agreement data.
        key_ciphered_data: &'a [u8],
    },
}

fn read_key_info<'a>(r: &mut Reader<'a>) -> Result<Option<KeyInfo<'a>>> {
    if !r.flag("key-info")? {
        return Ok(None);
    }
    let (choice, at) = read_choice(r, "key-info")?;
    Ok(Some(match choice {
        0 => KeyInfo::Identified {
            key_id: KeyId(r.u8("key-id")?),
        },
        1 => KeyInfo::Wrapped {
            kek_id: r.u8("kek-id")?,
            key_ciphered_data: r.octets("key-ciphered-data")?,
        },
        2 => KeyInfo::Agreed {
            key_parameters: r.octets("key-parameters")?,
            key_ciphered_data: r.octets("key-ciphered-data")?,
        },
        tag => {
            return Err(Error::UnknownTag {
                field: "key-info",
                tag,
                offset: at,
            });
        }
    }))
}

fn write_key_info<S: Sink + ?Sized>(out: &mut S, key_info: Option<&KeyInfo<'_>>) -> Result<()> {
    match key_info {
        None => out.put_u8(0),
        Some(KeyInfo::Identified { key_id }) => out.put(&[1, 0, key_id.0]),
        Some(KeyInfo::Wrapped {
            kek_id,
            key_ciphered_data,
        }) => {
            out.put(&[1, 1, *kek_id])?;
            put_octets(out, key_ciphered_data)
        }
        Some(KeyInfo::Agreed {
            key_parameters,
            key_ciphered_data,
        }) => {
            out.put(&[1, 2])?;
            put_octets(out, key_parameters)?;
            put_octets(out, key_ciphered_data)
        }
    }
}

const fn key_info_len(key_info: &Option<KeyInfo<'_>>) -> usize {
    const fn f(b: &[u8]) -> usize {
        length_len(b.len()) + b.len()
    }
    match key_info {
        None => 1,
        Some(KeyInfo::Identified { .. }) => 3,
        Some(KeyInfo::Wrapped {
            key_ciphered_data, ..
        }) => 3 + f(key_ciphered_data),
        Some(KeyInfo::Agreed {
            key_parameters,
            key_ciphered_data,
        }) => 2 + f(key_parameters) + f(key_ciphered_data),
    }
}

/// The fields general-ciphering and general-signing share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GeneralHeader<'a> {
    /// transaction-id (8 bytes in Gurux).
    pub transaction_id: &'a [u8],
    /// originator-system-title.
    pub originator_system_title: &'a [u8],
    /// recipient-system-title.
    pub recipient_system_title: &'a [u8],
    /// date-time (empty, or 12 bytes).
    pub date_time: &'a [u8],
    /// other-information.
    pub other_information: &'a [u8],
}

impl<'a> GeneralHeader<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Self {
            transaction_id: r.octets("transaction-id")?,
            originator_system_title: r.octets("originator-system-title")?,
            recipient_system_title: r.octets("recipient-system-title")?,
            date_time: r.octets("date-time")?,
            other_information: r.octets("other-information")?,
        })
    }

    /// The five fields in wire order.
    #[must_use]
    pub const fn fields(&self) -> [&'a [u8]; 5] {
        [
            self.transaction_id,
            self.originator_system_title,
            self.recipient_system_title,
            self.date_time,
            self.other_information,
        ]
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        self.fields()
            .iter()
            .try_for_each(|field| put_octets(out, field))
    }

    /// Bytes the five fields take on the wire, each with its length.
    #[must_use]
    pub const fn len(&self) -> usize {
        const fn f(b: &[u8]) -> usize {
            length_len(b.len()) + b.len()
        }
        f(self.transaction_id)
            + f(self.originator_system_title)
            + f(self.recipient_system_title)
            + f(self.date_time)
            + f(self.other_information)
    }

    /// Never empty (each field has at least its length byte).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// general-ciphering (0xDD): transaction and parties, key-info, protected content
/// (Gurux.DLMS.Python `GXDLMSChippering`, dlms-cosem-rs `xdlms/protection.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneralCiphering<'a> {
    /// Transaction id, titles, date-time, other information.
    pub header: GeneralHeader<'a>,
    /// Which key protects the content, if given.
    pub key_info: Option<KeyInfo<'a>>,
    /// The protected content.
    pub content: CipheredContent<'a>,
}

impl<'a> GeneralCiphering<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xDD;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for another APDU or key-info choice; truncation; trailing bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        expect_tag(&mut r, Self::TAG, "general-ciphering")?;
        let v = Self::read_body(&mut r, &Limits::DEFAULT)?;
        r.finish("general-ciphering")?;
        Ok(v)
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, _limits: &Limits) -> Result<Self> {
        Ok(Self {
            header: GeneralHeader::read(r)?,
            key_info: read_key_info(r)?,
            content: read_content(r)?,
        })
    }

    /// The envelope fields before the content.
    #[must_use]
    pub const fn head(&self) -> EnvelopeHead<'a> {
        EnvelopeHead::GeneralCiphering {
            header: self.header,
            key_info: self.key_info,
        }
    }

    /// Writes everything up to and including the IC, for a body (ciphertext + tag) of
    /// `body_len` bytes that the caller writes next.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_header<S: Sink + ?Sized>(&self, body_len: usize, out: &mut S) -> Result<()> {
        self.head().emit_header(
            self.content.security_control,
            self.content.invocation_counter,
            body_len,
            out,
        )
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub const fn header_len(&self, body_len: usize) -> usize {
        self.head().header_len(body_len)
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        self.head().write_prefix(out)?;
        self.content.write(out)
    }
}

/// general-signing (0xDF): transaction and parties, the signed content (an APDU, possibly
/// itself ciphered) and the signature (dlms-cosem-rs `GeneralSigning`, spodes-rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneralSigning<'a> {
    /// Transaction id, titles, date-time, other information.
    pub header: GeneralHeader<'a>,
    /// The signed APDU.
    pub content: &'a [u8],
    /// The signature (raw r‖s in the public implementations).
    pub signature: &'a [u8],
}

impl<'a> GeneralSigning<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xDF;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for another APDU; truncation; trailing bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        expect_tag(&mut r, Self::TAG, "general-signing")?;
        let v = Self::read_body(&mut r, &Limits::DEFAULT)?;
        r.finish("general-signing")?;
        Ok(v)
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, _limits: &Limits) -> Result<Self> {
        Ok(Self {
            header: GeneralHeader::read(r)?,
            content: r.octets("content")?,
            signature: r.octets("signature")?,
        })
    }

    /// Bytes of the APDU before the signature field: the tag, the five header fields and the
    /// content with its length.
    #[must_use]
    pub const fn signed_len(&self) -> usize {
        Self::head_len(&self.header, self.content.len()) + self.content.len()
    }

    /// The bytes before the signature field: what the signature is computed over according to
    /// dlms-cosem-rs (not confirmed by a second source; see
    /// [`crate::security::SigningCoverage`]). `apdu` must be the bytes this value was parsed
    /// from.
    #[must_use]
    pub fn signed_part<'b>(&self, apdu: &'b [u8]) -> Option<&'b [u8]> {
        apdu.get(..self.signed_len())
    }

    /// Writes `DF | header | content-length` for a content of `content_len` bytes that the
    /// caller writes next (to sign an APDU in place).
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_head<S: Sink + ?Sized>(
        header: &GeneralHeader<'_>,
        content_len: usize,
        out: &mut S,
    ) -> Result<()> {
        out.put_u8(Self::TAG)?;
        header.write(out)?;
        put_length(out, content_len)
    }

    /// Bytes [`emit_head`](Self::emit_head) writes.
    #[must_use]
    pub const fn head_len(header: &GeneralHeader<'_>, content_len: usize) -> usize {
        1 + header.len() + length_len(content_len)
    }

    /// Takes apart the general-signing APDU that fills `apdu`, without copying: the bytes
    /// before the content and the fields read from them, the content (mutable, to unprotect a
    /// ciphered content in place) and the signature.
    ///
    /// # Errors
    /// As [`GeneralSigning::parse`].
    pub fn split_mut(apdu: &'a mut [u8]) -> Result<GeneralSigningMut<'a>> {
        let (head_len, content_len) = {
            let v = GeneralSigning::parse(apdu)?;
            (Self::head_len(&v.header, v.content.len()), v.content.len())
        };
        let (head, rest) = apdu.split_at_mut(head_len.min(apdu.len()));
        let (content, tail) = rest.split_at_mut(content_len.min(rest.len()));
        let head: &'a [u8] = head;
        let tail: &'a [u8] = tail;
        let mut r = Reader::new(head, 0);
        expect_tag(&mut r, Self::TAG, "general-signing")?;
        let header = GeneralHeader::read(&mut r)?;
        let mut r = Reader::new(tail, head_len + content_len);
        Ok(GeneralSigningMut {
            head,
            header,
            content,
            signature: r.octets("signature")?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        Self::emit_head(&self.header, self.content.len(), out)?;
        out.put(self.content)?;
        put_octets(out, self.signature)
    }
}

/// A general-signing APDU taken apart in the caller's buffer ([`GeneralSigning::split_mut`]).
#[derive(Debug, PartialEq, Eq)]
pub struct GeneralSigningMut<'a> {
    /// The bytes before the content: `DF | header | content-length`.
    pub head: &'a [u8],
    /// The header fields (borrowing `head`).
    pub header: GeneralHeader<'a>,
    /// The signed APDU.
    pub content: &'a mut [u8],
    /// The signature.
    pub signature: &'a [u8],
}

encode_via_write!(
    CipheredApdu,
    GeneralGloCiphering,
    GeneralCiphering,
    GeneralSigning
);
