//! Ciphered envelopes, parsed into their parts (DLMS Green Book 9.2.7 and 9.5; dlms.md §8.3,
//! §8.6): service-specific glo-/ded- APDUs, general-glo- and general-ded-ciphering,
//! general-ciphering and general-signing.
//!
//! Protecting and unprotecting (AES-GCM, keys, counters) is the job of the security layer;
//! these views give it every field, and `emit_header` writes an envelope around a caller's
//! ciphertext so that encryption can happen in place.
//!
//! ```
//! use dlms::apdu::{CipheredApdu, SecurityControl};
//! use dlms::axdr::Sink;
//! // Green Book suite-0 example (dlms.md §8.4): glo-get-request, SC 0x30, IC 0x01234567.
//! let bytes = [
//!     0xC8, 0x1E, 0x30, 0x01, 0x23, 0x45, 0x67, 0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56,
//!     0x68, 0x27, 0xC4, 0x67, 0xBC, 0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05,
//!     0x6B, 0x6B,
//! ];
//! let c = CipheredApdu::parse(&bytes)?;
//! assert_eq!(c.plain_tag(), Some(0xC0));
//! assert_eq!(c.content.security_control, SecurityControl(0x30));
//! assert_eq!(c.content.invocation_counter, 0x0123_4567);
//! assert_eq!(c.content.information.len(), 13);
//! assert_eq!(c.content.auth_tag.map(<[u8]>::len), Some(12));
//! assert_eq!(c.content.iv(&[0x4D, 0x4D, 0x4D, 0, 0, 0xBC, 0x61, 0x4E])[8..], [1, 0x23, 0x45, 0x67]);
//!
//! // Writing the same envelope around a ciphertext the caller produces in place:
//! let mut out = [0u8; 32];
//! let mut sink = dlms::axdr::SliceSink::new(&mut out);
//! CipheredApdu::emit_header(0xC8, SecurityControl(0x30), 0x0123_4567, 13 + 12, &mut sink)?;
//! assert_eq!(sink.written(), &bytes[..7]);
//! # Ok::<(), dlms::Error>(())
//! ```

use super::common::{code_point, encode_via_write, read_choice};
use super::service_error::expect_tag;
use crate::axdr::reader::Reader;
use crate::axdr::{Limits, Sink, length_len, put_length, put_octets};
use crate::{Error, Result};

/// Length of the authentication tag of security suites 0, 1 and 2 (GCM tag truncated to 96 bits).
pub const AUTH_TAG_LEN: usize = 12;

/// The security control byte (Green Book 9.2.7.2.2; dlms.md §8.2): bits 3..0 the security
/// suite, bit 4 authentication, bit 5 encryption, bit 6 broadcast key, bit 7 compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityControl(pub u8);

impl SecurityControl {
    /// From its fields (suite masked to 4 bits).
    #[must_use]
    pub const fn new(
        suite: u8,
        authenticated: bool,
        encrypted: bool,
        broadcast_key: bool,
        compressed: bool,
    ) -> Self {
        Self(
            (suite & 0x0F)
                | (authenticated as u8) << 4
                | (encrypted as u8) << 5
                | (broadcast_key as u8) << 6
                | (compressed as u8) << 7,
        )
    }

    /// The security suite id (the whole low nibble; see dlms.md §12.2 item 16).
    #[must_use]
    pub const fn suite(self) -> u8 {
        self.0 & 0x0F
    }

    /// Bit 4: an authentication tag is present.
    #[must_use]
    pub const fn authenticated(self) -> bool {
        self.0 & 0x10 != 0
    }

    /// Bit 5: the information is encrypted.
    #[must_use]
    pub const fn encrypted(self) -> bool {
        self.0 & 0x20 != 0
    }

    /// Bit 6: the broadcast key is used (else the unicast key).
    #[must_use]
    pub const fn broadcast_key(self) -> bool {
        self.0 & 0x40 != 0
    }

    /// Bit 7: the information is compressed (suites 1 and 2).
    #[must_use]
    pub const fn compressed(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// The protected part of every envelope: `SC | IC | information | tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipheredContent<'a> {
    /// The security control byte.
    pub security_control: SecurityControl,
    /// The invocation counter (the last four bytes of the GCM IV).
    pub invocation_counter: u32,
    /// The ciphertext, or the plaintext when [`SecurityControl::encrypted`] is false; without
    /// the authentication tag.
    pub information: &'a [u8],
    /// The 12-byte authentication tag when [`SecurityControl::authenticated`] is true.
    pub auth_tag: Option<&'a [u8]>,
}

impl<'a> CipheredContent<'a> {
    /// Splits `SC | IC | information | tag` (everything after the envelope's length field),
    /// whose first byte is at `offset` of the input.
    ///
    /// # Errors
    /// [`Error::Truncated`] when shorter than the header and the tag the SC announces.
    pub fn split(bytes: &'a [u8], offset: usize) -> Result<Self> {
        let mut r = Reader::new(bytes, offset);
        let security_control = SecurityControl(r.u8("security-control")?);
        let invocation_counter = r.u32("invocation-counter")?;
        let rest = r.rest();
        let (information, auth_tag) = if security_control.authenticated() {
            match rest.len().checked_sub(AUTH_TAG_LEN) {
                Some(n) => {
                    let (info, tag) = rest.split_at(n);
                    (info, Some(tag))
                }
                None => {
                    return Err(Error::Truncated {
                        field: "authentication tag",
                        offset: r.offset(),
                        needed: AUTH_TAG_LEN - rest.len(),
                    });
                }
            }
        } else {
            (rest, None)
        };
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
        5 + self.information.len() + self.auth_tag.map_or(0, <[u8]>::len)
    }

    /// Never empty (the SC and IC are always there).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The AES-GCM initialisation vector: the sender's system title, then the invocation
    /// counter (Green Book 9.2.7.2.4.1; dlms.md §8.4).
    #[must_use]
    pub fn iv(&self, sender_system_title: &[u8; 8]) -> [u8; 12] {
        let mut iv = [0u8; 12];
        let (st, ic) = iv.split_at_mut(8);
        st.copy_from_slice(sender_system_title);
        ic.copy_from_slice(&self.invocation_counter.to_be_bytes());
        iv
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
    let i = ic.to_be_bytes();
    out.put(&[sc.0, i[0], i[1], i[2], i[3]])
}

/// Writes `len(5 + body_len) | SC | IC`.
fn write_content_header<S: Sink + ?Sized>(
    out: &mut S,
    sc: SecurityControl,
    ic: u32,
    body_len: usize,
) -> Result<()> {
    put_length(out, 5 + body_len)?;
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
/// (dlms.md §5.1: glo = plain + 8 or + 32, ded = plain + 16 or + 64).
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

/// A service-specific ciphered APDU, glo-xxx or ded-xxx: `tag | length | SC | IC | information
/// | tag` (Green Book 9.5; dlms.md §8.3).
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
        matches!(self.tag, 0x41..=0x58 | 0xD0..=0xD7)
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
        out.put_u8(tag)?;
        write_content_header(out, sc, ic, body_len)
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub const fn header_len(body_len: usize) -> usize {
        1 + length_len(5 + body_len) + 5
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(self.tag)?;
        self.content.write(out)
    }
}

/// general-glo-ciphering (0xDB) or general-ded-ciphering (0xDC): the sender's system title,
/// then the protected content (dlms.md §8.3). A zero-length system title is valid (the
/// receiver uses the one it knows, dlms.md §12.2 item 20).
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

    /// Writes `tag | st-len | system title | length | SC | IC` for a body of `body_len` bytes.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_header<S: Sink + ?Sized>(&self, body_len: usize, out: &mut S) -> Result<()> {
        out.put_u8(self.tag)?;
        put_octets(out, self.system_title)?;
        write_content_header(
            out,
            self.content.security_control,
            self.content.invocation_counter,
            body_len,
        )
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub const fn header_len(&self, body_len: usize) -> usize {
        1 + length_len(self.system_title.len())
            + self.system_title.len()
            + length_len(5 + body_len)
            + 5
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(self.tag)?;
        put_octets(out, self.system_title)?;
        self.content.write(out)
    }
}

code_point! {
    /// The key-id of an identified key (general-ciphering key-info).
    KeyId {
        /// global-unicast-encryption-key (0).
        GLOBAL_UNICAST = 0 => "global-unicast-encryption-key",
        /// global-broadcast-encryption-key (1).
        GLOBAL_BROADCAST = 1 => "global-broadcast-encryption-key",
    }
}

/// The key-info of a general-ciphering APDU: which key protects the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyInfo<'a> {
    /// `[0]` identified-key.
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

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        put_octets(out, self.transaction_id)?;
        put_octets(out, self.originator_system_title)?;
        put_octets(out, self.recipient_system_title)?;
        put_octets(out, self.date_time)?;
        put_octets(out, self.other_information)
    }

    const fn len(&self) -> usize {
        const fn f(b: &[u8]) -> usize {
            length_len(b.len()) + b.len()
        }
        f(self.transaction_id)
            + f(self.originator_system_title)
            + f(self.recipient_system_title)
            + f(self.date_time)
            + f(self.other_information)
    }
}

/// general-ciphering (0xDD): transaction and parties, key-info, protected content
/// (dlms.md §8.6).
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
        let header = GeneralHeader::read(r)?;
        let key_info = if r.flag("key-info")? {
            let (choice, at) = read_choice(r, "key-info")?;
            Some(match choice {
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
            })
        } else {
            None
        };
        Ok(Self {
            header,
            key_info,
            content: read_content(r)?,
        })
    }

    fn write_key_info<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self.key_info {
            None => out.put_u8(0),
            Some(KeyInfo::Identified { key_id }) => out.put(&[1, 0, key_id.0]),
            Some(KeyInfo::Wrapped {
                kek_id,
                key_ciphered_data,
            }) => {
                out.put(&[1, 1, kek_id])?;
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

    /// Writes everything up to and including the IC, for a body (ciphertext + tag) of
    /// `body_len` bytes that the caller writes next.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn emit_header<S: Sink + ?Sized>(&self, body_len: usize, out: &mut S) -> Result<()> {
        self.write_head(out)?;
        write_content_header(
            out,
            self.content.security_control,
            self.content.invocation_counter,
            body_len,
        )
    }

    /// Bytes [`emit_header`](Self::emit_header) writes.
    #[must_use]
    pub fn header_len(&self, body_len: usize) -> usize {
        let key_info = match self.key_info {
            None => 1,
            Some(KeyInfo::Identified { .. }) => 3,
            Some(KeyInfo::Wrapped {
                key_ciphered_data, ..
            }) => 3 + length_len(key_ciphered_data.len()) + key_ciphered_data.len(),
            Some(KeyInfo::Agreed {
                key_parameters,
                key_ciphered_data,
            }) => {
                2 + length_len(key_parameters.len())
                    + key_parameters.len()
                    + length_len(key_ciphered_data.len())
                    + key_ciphered_data.len()
            }
        };
        1 + self.header.len() + key_info + length_len(5 + body_len) + 5
    }

    /// Everything before the ciphered content.
    fn write_head<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.header.write(out)?;
        self.write_key_info(out)
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        self.write_head(out)?;
        self.content.write(out)
    }
}

/// general-signing (0xDF): transaction and parties, the signed content (an APDU, possibly
/// itself ciphered) and the signature (dlms.md §8.6).
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

    /// The bytes before the signature field: what the signature is computed over according to
    /// dlms-cosem-rs (not confirmed by a second source, dlms.md §8.6). `apdu` must be the
    /// bytes this value was parsed from.
    #[must_use]
    pub fn signed_part<'b>(&self, apdu: &'b [u8]) -> Option<&'b [u8]> {
        let n = 1 + self.header.len() + length_len(self.content.len()) + self.content.len();
        apdu.get(..n)
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.header.write(out)?;
        put_octets(out, self.content)?;
        put_octets(out, self.signature)
    }
}

encode_via_write!(
    CipheredApdu,
    GeneralGloCiphering,
    GeneralCiphering,
    GeneralSigning
);
