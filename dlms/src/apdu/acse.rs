//! ACSE APDUs in BER: AARQ, AARE, RLRQ, RLRE (ISO/IEC 8650-1 as profiled by the DLMS Green
//! Book 9.4; field tags as in the jDLMS `iso-acse-layer.asn` and GuruxDLMS.c `apdu.c`).
//!
//! Components are decoded in place: object identifiers, AP titles and authentication values
//! borrow the input; the user-information is decoded as the xDLMS APDU it carries (an
//! InitiateRequest/Response, a ConfirmedServiceError, or a ciphered envelope).
//!
//! ```
//! use dlms::apdu::{Aarq, ApplicationContextName, MechanismName};
//! use dlms::axdr::Encode;
//! // AARQ with LLS password "12345678" (u9n/dlms-cosem tests).
//! let bytes = [
//!     0x60, 0x36, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8A, 0x02,
//!     0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01, 0xAC, 0x0A, 0x80, 0x08,
//!     b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00,
//!     0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0xB0,
//! ];
//! let aarq = Aarq::parse(&bytes)?;
//! assert_eq!(aarq.application_context_name.application_context(), Some(ApplicationContextName::LN_NO_CIPHERING));
//! assert_eq!(aarq.mechanism_name.and_then(|m| m.mechanism()), Some(MechanismName::LOW_LEVEL_SECURITY));
//! assert_eq!(aarq.calling_authentication_value.unwrap().value, b"12345678");
//! assert_eq!(aarq.to_vec()?, bytes);
//! # Ok::<(), dlms::Error>(())
//! ```

use core::fmt;

use super::ciphered::{CipheredApdu, GeneralCiphering, GeneralGloCiphering, plain_tag_of};
use super::common::encode_via_write;
use super::initiate::{InitiateRequest, InitiateResponse};
use super::service_error::ConfirmedServiceError;
use crate::axdr::{Encode, Limits, Sink};
use crate::wire::Reader;
use crate::wire::code_point;
use crate::{Error, Result};

// ---- BER ---------------------------------------------------------------------------------------

/// A BER definite length: short form, or 0x81..=0x84 and that many bytes. 0x80 (indefinite)
/// is rejected.
fn ber_length(r: &mut Reader<'_>, field: &'static str) -> Result<usize> {
    let at = r.offset();
    let first = r.u8(field)?;
    if first < 0x80 {
        return Ok(usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 4 {
        return Err(Error::InvalidLength { field, offset: at });
    }
    let v = r
        .bytes(n, field)?
        .iter()
        .fold(0u64, |a, &b| a << 8 | u64::from(b));
    usize::try_from(v).map_err(|_| Error::InvalidLength { field, offset: at })
}

const fn ber_length_len(n: usize) -> usize {
    crate::axdr::length_len(n)
}

fn put_ber_length<S: Sink + ?Sized>(out: &mut S, n: usize) -> Result<()> {
    // The BER long form is the A-XDR one (0x81..=0x84 + big-endian bytes, shortest form).
    crate::axdr::put_length(out, n)
}

/// One TLV: its tag, the offset of the tag, the content and the offset of the content.
struct RawTlv<'a> {
    tag: u8,
    at: usize,
    content: &'a [u8],
    content_at: usize,
}

fn read_tlv<'a>(r: &mut Reader<'a>, field: &'static str) -> Result<RawTlv<'a>> {
    let at = r.offset();
    let tag = r.u8(field)?;
    if tag & 0x1F == 0x1F {
        return Err(Error::UnknownTag {
            field,
            tag,
            offset: at,
        });
    }
    let n = ber_length(r, field)?;
    let content_at = r.offset();
    let content = r.bytes(n, field)?;
    Ok(RawTlv {
        tag,
        at,
        content,
        content_at,
    })
}

/// The single TLV an EXPLICIT component wraps.
fn inner<'a>(outer: &RawTlv<'a>, field: &'static str) -> Result<RawTlv<'a>> {
    let mut r = Reader::new(outer.content, outer.content_at);
    let t = read_tlv(&mut r, field)?;
    r.finish(field)?;
    Ok(t)
}

fn put_tlv<S: Sink + ?Sized>(out: &mut S, tag: u8, content: &[u8]) -> Result<()> {
    out.put_u8(tag)?;
    put_ber_length(out, content.len())?;
    out.put(content)
}

fn tlv_len(content_len: usize) -> usize {
    1 + ber_length_len(content_len) + content_len
}

/// `outer { inner_tag content }`.
fn put_explicit<S: Sink + ?Sized>(
    out: &mut S,
    outer: u8,
    inner_tag: u8,
    content: &[u8],
) -> Result<()> {
    out.put_u8(outer)?;
    put_ber_length(out, tlv_len(content.len()))?;
    put_tlv(out, inner_tag, content)
}

/// A universal value inside an EXPLICIT component (AP titles, AE qualifiers, invocation ids):
/// its tag and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tlv<'a> {
    /// The universal tag (0x04 OCTET STRING for DLMS AP titles, 0x02 INTEGER for invocation
    /// ids).
    pub tag: u8,
    /// The content.
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// An OCTET STRING (the AP-title form DLMS uses for system titles).
    #[must_use]
    pub const fn octet_string(value: &'a [u8]) -> Self {
        Self { tag: 0x04, value }
    }

    /// An INTEGER with the given content bytes (big-endian).
    #[must_use]
    pub const fn integer(value: &'a [u8]) -> Self {
        Self { tag: 0x02, value }
    }

    /// The value of an INTEGER of up to 8 bytes, read as unsigned (Gurux writes user ids
    /// 128..=255 in one byte).
    #[must_use]
    pub fn as_unsigned(&self) -> Option<u64> {
        (self.tag == 0x02 && !self.value.is_empty() && self.value.len() <= 8)
            .then(|| self.value.iter().fold(0u64, |a, &b| a << 8 | u64::from(b)))
    }
}

/// A BER BIT STRING content: the unused-bits count, then the bytes (ACSE requirements,
/// protocol version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BerBitString<'a>(pub &'a [u8]);

impl<'a> BerBitString<'a> {
    /// One bit set: `07 80` (authentication functional unit; protocol version1).
    pub const FIRST_BIT: BerBitString<'static> = BerBitString(&[0x07, 0x80]);

    /// Number of bits.
    #[must_use]
    pub fn len(&self) -> usize {
        match self.0.split_first() {
            Some((&unused, rest)) => (rest.len() * 8).saturating_sub(usize::from(unused)),
            None => 0,
        }
    }

    /// True without bits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bit `n` (0 = the most significant bit of the first byte).
    #[must_use]
    pub fn bit(&self, n: usize) -> bool {
        n < self.len()
            && self
                .0
                .get(1 + n / 8)
                .is_some_and(|b| b & (0x80 >> (n % 8)) != 0)
    }

    /// The bits in order.
    pub fn bits(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.len()).map(|n| self.bit(n))
    }

    fn check(t: &RawTlv<'a>, field: &'static str) -> Result<Self> {
        match t.content.split_first() {
            Some((&unused, rest)) if unused < 8 && (unused == 0 || !rest.is_empty()) => {
                Ok(Self(t.content))
            }
            _ => Err(Error::InvalidValue {
                field,
                offset: t.content_at,
            }),
        }
    }
}

/// An object identifier's BER content (`60 85 74 05 08 01 01` = 2.16.756.5.8.1.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId<'a>(pub &'a [u8]);

const DLMS_UA: [u8; 5] = [0x60, 0x85, 0x74, 0x05, 0x08];

static APPLICATION_CONTEXTS: [[u8; 7]; 4] = [
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x02],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x03],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x04],
];

static MECHANISMS: [[u8; 7]; 8] = [
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x00],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x02],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x03],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x04],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x06],
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x07],
];

impl<'a> ObjectId<'a> {
    /// The arcs (sub-identifiers, the first split into two), `None` for a malformed encoding.
    pub fn arcs(&self) -> impl Iterator<Item = Option<u64>> + 'a {
        let bytes = self.0;
        let mut pos = 0usize;
        let mut pending: Option<u64> = None;
        let mut first = true;
        core::iter::from_fn(move || {
            if let Some(p) = pending.take() {
                return Some(Some(p));
            }
            if pos >= bytes.len() {
                return None;
            }
            let mut v = 0u64;
            loop {
                let Some(&b) = bytes.get(pos) else {
                    pos = bytes.len();
                    return Some(None);
                };
                pos += 1;
                if v >> 57 != 0 {
                    pos = bytes.len();
                    return Some(None);
                }
                v = v << 7 | u64::from(b & 0x7F);
                if b & 0x80 == 0 {
                    break;
                }
            }
            if first {
                first = false;
                let (a, b) = if v < 40 {
                    (0, v)
                } else if v < 80 {
                    (1, v - 40)
                } else {
                    (2, v - 80)
                };
                pending = Some(b);
                return Some(Some(a));
            }
            Some(Some(v))
        })
    }

    fn last_arc_of(self, family: u8) -> Option<u8> {
        match self.0 {
            [a, b, c, d, e, f, id]
                if [*a, *b, *c, *d, *e] == DLMS_UA && *f == family && *id < 0x80 =>
            {
                Some(*id)
            }
            _ => None,
        }
    }

    /// The DLMS application context this names (2.16.756.5.8.1.x).
    #[must_use]
    pub fn application_context(self) -> Option<ApplicationContextName> {
        self.last_arc_of(1).map(ApplicationContextName)
    }

    /// The DLMS authentication mechanism this names (2.16.756.5.8.2.x).
    #[must_use]
    pub fn mechanism(self) -> Option<MechanismName> {
        self.last_arc_of(2).map(MechanismName)
    }

    fn check(t: &RawTlv<'a>, field: &'static str) -> Result<Self> {
        let ok = t.content.last().is_some_and(|b| b & 0x80 == 0);
        let oid = Self(t.content);
        if ok && oid.arcs().all(|a| a.is_some()) {
            Ok(oid)
        } else {
            Err(Error::InvalidValue {
                field,
                offset: t.content_at,
            })
        }
    }
}

impl fmt::Display for ObjectId<'_> {
    /// Dotted decimal (`2.16.756.5.8.1.1`); a malformed arc prints as `?`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for arc in self.arcs() {
            match arc {
                Some(a) => write!(f, "{sep}{a}")?,
                None => write!(f, "{sep}?")?,
            }
            sep = ".";
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

code_point! {
    /// The DLMS application context names, 2.16.756.5.8.1.x (GuruxDLMS.c `apdu.c`).
    ApplicationContextName {
        /// Logical_Name_Referencing_No_Ciphering (1).
        LN_NO_CIPHERING = 1 => "logical-name-referencing-no-ciphering",
        /// Short_Name_Referencing_No_Ciphering (2).
        SN_NO_CIPHERING = 2 => "short-name-referencing-no-ciphering",
        /// Logical_Name_Referencing_With_Ciphering (3).
        LN_WITH_CIPHERING = 3 => "logical-name-referencing-with-ciphering",
        /// Short_Name_Referencing_With_Ciphering (4).
        SN_WITH_CIPHERING = 4 => "short-name-referencing-with-ciphering",
    }
}

impl ApplicationContextName {
    /// The object identifier (for contexts 1..=4).
    #[must_use]
    pub fn oid(self) -> Option<ObjectId<'static>> {
        let i = usize::from(self.0).checked_sub(1)?;
        APPLICATION_CONTEXTS.get(i).map(|b| ObjectId(b))
    }
}

code_point! {
    /// The DLMS authentication mechanism names, 2.16.756.5.8.2.x (Gurux `DLMS_AUTHENTICATION`).
    MechanismName {
        /// 0: lowest level security, no authentication.
        LOWEST_LEVEL_SECURITY = 0 => "lowest-level-security",
        /// 1: low level security (password).
        LOW_LEVEL_SECURITY = 1 => "low-level-security",
        /// 2: high level security, manufacturer specific.
        HIGH_LEVEL_SECURITY = 2 => "high-level-security-2",
        /// 3: HLS with MD5.
        HLS_MD5 = 3 => "high-level-security-md5",
        /// 4: HLS with SHA-1.
        HLS_SHA1 = 4 => "high-level-security-sha1",
        /// 5: HLS with GMAC.
        HLS_GMAC = 5 => "high-level-security-gmac",
        /// 6: HLS with SHA-256.
        HLS_SHA256 = 6 => "high-level-security-sha256",
        /// 7: HLS with ECDSA.
        HLS_ECDSA = 7 => "high-level-security-ecdsa",
    }
}

impl MechanismName {
    /// Whether this is a high-level (four-pass, challenge-response) mechanism, 2 to 7
    /// (GuruxDLMS.c, u9n/dlms-cosem).
    #[must_use]
    pub const fn is_hls(self) -> bool {
        self.0 >= 2 && self.0 <= 7
    }

    /// The object identifier (for mechanisms 0..=7).
    #[must_use]
    pub fn oid(self) -> Option<ObjectId<'static>> {
        MECHANISMS.get(usize::from(self.0)).map(|b| ObjectId(b))
    }
}

/// An authentication value (Authentication-value CHOICE): the context tag of the alternative
/// and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthenticationValue<'a> {
    /// 0x80 charstring (the DLMS choice), 0x81 bitstring, 0xA2 external, 0xA3 other.
    pub tag: u8,
    /// The password or challenge.
    pub value: &'a [u8],
}

impl<'a> AuthenticationValue<'a> {
    /// A charstring value (passwords and challenges in DLMS).
    #[must_use]
    pub const fn charstring(value: &'a [u8]) -> Self {
        Self { tag: 0x80, value }
    }

    /// The name of the alternative.
    #[must_use]
    pub const fn choice_name(&self) -> &'static str {
        match self.tag {
            0x80 => "charstring",
            0x81 => "bitstring",
            0xA2 => "external",
            0xA3 => "other",
            _ => "unknown",
        }
    }
}

/// The xDLMS APDU carried in an ACSE user-information field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserInformation<'a> {
    /// InitiateRequest (AARQ, RLRQ).
    InitiateRequest(InitiateRequest<'a>),
    /// InitiateResponse (AARE, RLRE).
    InitiateResponse(InitiateResponse),
    /// ConfirmedServiceError (a rejecting AARE).
    ConfirmedServiceError(ConfirmedServiceError),
    /// glo- or ded-initiate-request/-response (ciphered association).
    Ciphered(CipheredApdu<'a>),
    /// general-glo- or general-ded-ciphering.
    GeneralGlo(GeneralGloCiphering<'a>),
    /// general-ciphering.
    GeneralCiphering(GeneralCiphering<'a>),
}

impl<'a> UserInformation<'a> {
    fn parse(bytes: &'a [u8], offset: usize) -> Result<Self> {
        let mut r = Reader::new(bytes, offset);
        let at = r.offset();
        let tag = r.u8("user-information")?;
        let limits = Limits::DEFAULT;
        let v = match tag {
            InitiateRequest::TAG => {
                Self::InitiateRequest(InitiateRequest::read_body(&mut r, &limits)?)
            }
            InitiateResponse::TAG => {
                Self::InitiateResponse(InitiateResponse::read_body(&mut r, &limits)?)
            }
            ConfirmedServiceError::TAG => {
                Self::ConfirmedServiceError(ConfirmedServiceError::read_body(&mut r, &limits)?)
            }
            GeneralGloCiphering::TAG_GLO | GeneralGloCiphering::TAG_DED => {
                Self::GeneralGlo(GeneralGloCiphering::read_body(tag, &mut r)?)
            }
            GeneralCiphering::TAG => {
                Self::GeneralCiphering(GeneralCiphering::read_body(&mut r, &limits)?)
            }
            t if plain_tag_of(t).is_some() => Self::Ciphered(CipheredApdu::read_body(tag, &mut r)?),
            _ => {
                return Err(Error::UnknownTag {
                    field: "user-information",
                    tag,
                    offset: at,
                });
            }
        };
        r.finish("user-information")?;
        Ok(v)
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::InitiateRequest(x) => x.write(out),
            Self::InitiateResponse(x) => x.write(out),
            Self::ConfirmedServiceError(x) => x.write(out),
            Self::Ciphered(x) => x.write(out),
            Self::GeneralGlo(x) => x.write(out),
            Self::GeneralCiphering(x) => x.write(out),
        }
    }
}

encode_via_write!(UserInformation);

fn user_information_len(u: &UserInformation<'_>) -> usize {
    tlv_len(tlv_len(u.buffer_len()))
}

fn put_user_information<S: Sink + ?Sized>(out: &mut S, u: &UserInformation<'_>) -> Result<()> {
    let n = u.buffer_len();
    out.put_u8(0xBE)?;
    put_ber_length(out, tlv_len(n))?;
    out.put_u8(0x04)?;
    put_ber_length(out, n)?;
    u.write(out)
}

fn read_user_information<'a>(t: &RawTlv<'a>) -> Result<UserInformation<'a>> {
    let i = inner(t, "user-information")?;
    if i.tag != 0x04 {
        return Err(Error::UnknownTag {
            field: "user-information",
            tag: i.tag,
            offset: i.at,
        });
    }
    UserInformation::parse(i.content, i.content_at)
}

fn read_auth_value<'a>(t: &RawTlv<'a>, field: &'static str) -> Result<AuthenticationValue<'a>> {
    let i = inner(t, field)?;
    match i.tag {
        0x80 | 0x81 | 0xA2 | 0xA3 => Ok(AuthenticationValue {
            tag: i.tag,
            value: i.content,
        }),
        tag => Err(Error::UnknownTag {
            field,
            tag,
            offset: i.at,
        }),
    }
}

fn read_oid<'a>(t: &RawTlv<'a>, field: &'static str) -> Result<ObjectId<'a>> {
    let i = inner(t, field)?;
    if i.tag != 0x06 {
        return Err(Error::UnknownTag {
            field,
            tag: i.tag,
            offset: i.at,
        });
    }
    ObjectId::check(&i, field)
}

fn read_small_integer(t: &RawTlv<'_>, field: &'static str) -> Result<u8> {
    match t.content {
        [v] => Ok(*v),
        _ => Err(Error::InvalidValue {
            field,
            offset: t.content_at,
        }),
    }
}

fn inner_tlv<'a>(t: &RawTlv<'a>, field: &'static str) -> Result<Tlv<'a>> {
    inner(t, field).map(|i| Tlv {
        tag: i.tag,
        value: i.content,
    })
}

fn set<T>(slot: &mut Option<T>, v: T, field: &'static str, at: usize) -> Result<()> {
    if slot.is_some() {
        return Err(Error::DuplicateField { field, offset: at });
    }
    *slot = Some(v);
    Ok(())
}

fn put_opt_explicit<S: Sink + ?Sized>(out: &mut S, tag: u8, v: Option<Tlv<'_>>) -> Result<()> {
    match v {
        Some(t) => put_explicit(out, tag, t.tag, t.value),
        None => Ok(()),
    }
}

/// The components AARQ and AARE share after the AP titles (with their own tags).
struct AuthTail<'a, 'u> {
    requirements: Option<BerBitString<'a>>,
    mechanism: Option<ObjectId<'a>>,
    value: Option<AuthenticationValue<'a>>,
    implementation: Option<&'a [u8]>,
    user: Option<&'u UserInformation<'a>>,
}

impl AuthTail<'_, '_> {
    /// Writes the components with the tags of the ACSE requirements, mechanism name and
    /// authentication value, then implementation-information and user-information.
    fn write<S: Sink + ?Sized>(
        &self,
        out: &mut S,
        [requirements, mechanism, value]: [u8; 3],
    ) -> Result<()> {
        if let Some(b) = self.requirements {
            put_tlv(out, requirements, b.0)?;
        }
        if let Some(m) = self.mechanism {
            put_tlv(out, mechanism, m.0)?;
        }
        if let Some(a) = self.value {
            put_explicit(out, value, a.tag, a.value)?;
        }
        if let Some(i) = self.implementation {
            put_tlv(out, 0x9D, i)?;
        }
        match self.user {
            Some(u) => put_user_information(out, u),
            None => Ok(()),
        }
    }
}

/// Reads `tag len` of an ACSE APDU and returns a reader over its components.
fn open<'a>(bytes: &'a [u8], tag: u8, field: &'static str) -> Result<(Reader<'a>, Reader<'a>)> {
    let mut r = Reader::new(bytes, 0);
    let t = read_tlv(&mut r, "apdu")?;
    if t.tag != tag {
        return Err(Error::UnknownTag {
            field,
            tag: t.tag,
            offset: t.at,
        });
    }
    Ok((Reader::new(t.content, t.content_at), r))
}

/// Where the xDLMS APDU of the user-information component of an AARQ, AARE, RLRQ or RLRE
/// lies in `acse`: the contents of its inner OCTET STRING (`BE len 04 len …`), or `None` without
/// user-information. The security layer unprotects a ciphered InitiateRequest/Response there,
/// in place.
///
/// # Errors
/// [`Error::UnknownTag`] when `acse` is not an ACSE APDU or the user-information is not an
/// OCTET STRING; the BER errors of the components before it (truncation, bad lengths).
///
/// ```
/// // RLRQ normal with a glo-initiate-request (u9n/dlms-cosem test_rlrq.py).
/// let rlrq = [0x62, 0x0A, 0x80, 0x01, 0x00, 0xBE, 0x05, 0x04, 0x03, 0x21, 0x01, 0x30];
/// assert_eq!(dlms::apdu::user_information_range(&rlrq)?, Some(9..12));
/// assert_eq!(dlms::apdu::user_information_range(&[0x62, 0x00])?, None);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn user_information_range(acse: &[u8]) -> Result<Option<core::ops::Range<usize>>> {
    let tag = acse.first().copied().unwrap_or(0);
    let field = match tag {
        Aarq::TAG => "aarq",
        Aare::TAG => "aare",
        Rlrq::TAG => "rlrq",
        Rlre::TAG => "rlre",
        _ => {
            return Err(Error::UnknownTag {
                field: "acse apdu",
                tag,
                offset: 0,
            });
        }
    };
    let (mut c, outer) = open(acse, tag, field)?;
    outer.finish(field)?;
    while !c.is_empty() {
        let t = read_tlv(&mut c, field)?;
        if t.tag == 0xBE {
            let i = inner(&t, "user-information")?;
            if i.tag != 0x04 {
                return Err(Error::UnknownTag {
                    field: "user-information",
                    tag: i.tag,
                    offset: i.at,
                });
            }
            return Ok(Some(i.content_at..i.content_at + i.content.len()));
        }
    }
    Ok(None)
}

// ---- AARQ --------------------------------------------------------------------------------------

/// AARQ (A-ASSOCIATE request, `[APPLICATION 0]`, tag 0x60; jDLMS ACSE ASN.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aarq<'a> {
    /// `[0]` protocol-version (usually absent; `07 80` = version1).
    pub protocol_version: Option<BerBitString<'a>>,
    /// `[1]` application-context-name.
    pub application_context_name: ObjectId<'a>,
    /// `[2]` called-AP-title.
    pub called_ap_title: Option<Tlv<'a>>,
    /// `[3]` called-AE-qualifier.
    pub called_ae_qualifier: Option<Tlv<'a>>,
    /// `[4]` called-AP-invocation-id.
    pub called_ap_invocation_id: Option<Tlv<'a>>,
    /// `[5]` called-AE-invocation-id.
    pub called_ae_invocation_id: Option<Tlv<'a>>,
    /// `[6]` calling-AP-title: the client system title when ciphering or HLS is used.
    pub calling_ap_title: Option<Tlv<'a>>,
    /// `[7]` calling-AE-qualifier.
    pub calling_ae_qualifier: Option<Tlv<'a>>,
    /// `[8]` calling-AP-invocation-id.
    pub calling_ap_invocation_id: Option<Tlv<'a>>,
    /// `[9]` calling-AE-invocation-id (Gurux: the user id of Association LN v2).
    pub calling_ae_invocation_id: Option<Tlv<'a>>,
    /// `[10]` sender-acse-requirements (bit 0 = authentication).
    pub sender_acse_requirements: Option<BerBitString<'a>>,
    /// `[11]` mechanism-name.
    pub mechanism_name: Option<ObjectId<'a>>,
    /// `[12]` calling-authentication-value: the password (LLS) or CtoS challenge (HLS).
    pub calling_authentication_value: Option<AuthenticationValue<'a>>,
    /// `[29]` implementation-information.
    pub implementation_information: Option<&'a [u8]>,
    /// `[30]` user-information: the (possibly ciphered) InitiateRequest.
    pub user_information: Option<UserInformation<'a>>,
}

impl<'a> Aarq<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x60;

    /// An AARQ with only the application context and user-information.
    #[must_use]
    pub const fn new(
        application_context_name: ObjectId<'a>,
        user_information: Option<UserInformation<'a>>,
    ) -> Self {
        Self {
            protocol_version: None,
            application_context_name,
            called_ap_title: None,
            called_ae_qualifier: None,
            called_ap_invocation_id: None,
            called_ae_invocation_id: None,
            calling_ap_title: None,
            calling_ae_qualifier: None,
            calling_ap_invocation_id: None,
            calling_ae_invocation_id: None,
            sender_acse_requirements: None,
            mechanism_name: None,
            calling_authentication_value: None,
            implementation_information: None,
            user_information,
        }
    }

    /// Decodes the APDU that fills `bytes`.
    ///
    /// Components may come in any order but not twice; an unknown component is an error.
    ///
    /// # Errors
    /// [`Error::UnknownTag`], [`Error::InvalidLength`] (0x80), [`Error::Truncated`],
    /// [`Error::MissingField`] without an application context, [`Error::DuplicateField`],
    /// errors of the user-information APDU, [`Error::TrailingBytes`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (mut c, outer) = open(bytes, Self::TAG, "aarq")?;
        outer.finish("aarq")?;
        let mut app: Option<ObjectId<'a>> = None;
        let mut v = Self::new(ObjectId(&[]), None);
        while !c.is_empty() {
            let t = read_tlv(&mut c, "aarq component")?;
            let at = t.at;
            match t.tag {
                0x80 => set(
                    &mut v.protocol_version,
                    BerBitString::check(&t, "protocol-version")?,
                    "protocol-version",
                    at,
                )?,
                0xA1 => set(
                    &mut app,
                    read_oid(&t, "application-context-name")?,
                    "application-context-name",
                    at,
                )?,
                0xA2 => set(
                    &mut v.called_ap_title,
                    inner_tlv(&t, "called-AP-title")?,
                    "called-AP-title",
                    at,
                )?,
                0xA3 => set(
                    &mut v.called_ae_qualifier,
                    inner_tlv(&t, "called-AE-qualifier")?,
                    "called-AE-qualifier",
                    at,
                )?,
                0xA4 => set(
                    &mut v.called_ap_invocation_id,
                    inner_tlv(&t, "called-AP-invocation-id")?,
                    "called-AP-invocation-id",
                    at,
                )?,
                0xA5 => set(
                    &mut v.called_ae_invocation_id,
                    inner_tlv(&t, "called-AE-invocation-id")?,
                    "called-AE-invocation-id",
                    at,
                )?,
                0xA6 => set(
                    &mut v.calling_ap_title,
                    inner_tlv(&t, "calling-AP-title")?,
                    "calling-AP-title",
                    at,
                )?,
                0xA7 => set(
                    &mut v.calling_ae_qualifier,
                    inner_tlv(&t, "calling-AE-qualifier")?,
                    "calling-AE-qualifier",
                    at,
                )?,
                0xA8 => set(
                    &mut v.calling_ap_invocation_id,
                    inner_tlv(&t, "calling-AP-invocation-id")?,
                    "calling-AP-invocation-id",
                    at,
                )?,
                0xA9 => set(
                    &mut v.calling_ae_invocation_id,
                    inner_tlv(&t, "calling-AE-invocation-id")?,
                    "calling-AE-invocation-id",
                    at,
                )?,
                0x8A => set(
                    &mut v.sender_acse_requirements,
                    BerBitString::check(&t, "sender-acse-requirements")?,
                    "sender-acse-requirements",
                    at,
                )?,
                0x8B => set(
                    &mut v.mechanism_name,
                    ObjectId::check(&t, "mechanism-name")?,
                    "mechanism-name",
                    at,
                )?,
                0xAC => set(
                    &mut v.calling_authentication_value,
                    read_auth_value(&t, "calling-authentication-value")?,
                    "calling-authentication-value",
                    at,
                )?,
                0x9D => set(
                    &mut v.implementation_information,
                    t.content,
                    "implementation-information",
                    at,
                )?,
                0xBE => set(
                    &mut v.user_information,
                    read_user_information(&t)?,
                    "user-information",
                    at,
                )?,
                tag => {
                    return Err(Error::UnknownTag {
                        field: "aarq component",
                        tag,
                        offset: at,
                    });
                }
            }
        }
        v.application_context_name = app.ok_or(Error::MissingField {
            field: "application-context-name",
            offset: bytes.len(),
        })?;
        Ok(v)
    }

    fn write_components<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        if let Some(b) = self.protocol_version {
            put_tlv(out, 0x80, b.0)?;
        }
        put_explicit(out, 0xA1, 0x06, self.application_context_name.0)?;
        put_opt_explicit(out, 0xA2, self.called_ap_title)?;
        put_opt_explicit(out, 0xA3, self.called_ae_qualifier)?;
        put_opt_explicit(out, 0xA4, self.called_ap_invocation_id)?;
        put_opt_explicit(out, 0xA5, self.called_ae_invocation_id)?;
        put_opt_explicit(out, 0xA6, self.calling_ap_title)?;
        put_opt_explicit(out, 0xA7, self.calling_ae_qualifier)?;
        put_opt_explicit(out, 0xA8, self.calling_ap_invocation_id)?;
        put_opt_explicit(out, 0xA9, self.calling_ae_invocation_id)?;
        let tail = AuthTail {
            requirements: self.sender_acse_requirements,
            mechanism: self.mechanism_name,
            value: self.calling_authentication_value,
            implementation: self.implementation_information,
            user: self.user_information.as_ref(),
        };
        tail.write(out, [0x8A, 0x8B, 0xAC])
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let mut n = super::common::Counter(0);
        self.write_components(&mut n)?;
        out.put_u8(Self::TAG)?;
        put_ber_length(out, n.0)?;
        self.write_components(out)
    }
}

// ---- AARE --------------------------------------------------------------------------------------

code_point! {
    /// The result of an association request (AARE `[2]`).
    AssociationResult {
        /// accepted (0).
        ACCEPTED = 0 => "accepted",
        /// rejected-permanent (1).
        REJECTED_PERMANENT = 1 => "rejected-permanent",
        /// rejected-transient (2).
        REJECTED_TRANSIENT = 2 => "rejected-transient",
    }
}

code_point! {
    /// acse-service-user diagnostics (jDLMS ACSE ASN.1; Gurux `DLMS_SOURCE_DIAGNOSTIC`).
    AcseServiceUser {
        /// null (0).
        NULL = 0 => "null",
        /// no-reason-given (1).
        NO_REASON_GIVEN = 1 => "no-reason-given",
        /// application-context-name-not-supported (2).
        APPLICATION_CONTEXT_NAME_NOT_SUPPORTED = 2 => "application-context-name-not-supported",
        /// calling-AP-title-not-recognized (3).
        CALLING_AP_TITLE_NOT_RECOGNIZED = 3 => "calling-ap-title-not-recognized",
        /// calling-AP-invocation-identifier-not-recognized (4).
        CALLING_AP_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 4 => "calling-ap-invocation-identifier-not-recognized",
        /// calling-AE-qualifier-not-recognized (5).
        CALLING_AE_QUALIFIER_NOT_RECOGNIZED = 5 => "calling-ae-qualifier-not-recognized",
        /// calling-AE-invocation-identifier-not-recognized (6).
        CALLING_AE_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 6 => "calling-ae-invocation-identifier-not-recognized",
        /// called-AP-title-not-recognized (7).
        CALLED_AP_TITLE_NOT_RECOGNIZED = 7 => "called-ap-title-not-recognized",
        /// called-AP-invocation-identifier-not-recognized (8).
        CALLED_AP_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 8 => "called-ap-invocation-identifier-not-recognized",
        /// called-AE-qualifier-not-recognized (9).
        CALLED_AE_QUALIFIER_NOT_RECOGNIZED = 9 => "called-ae-qualifier-not-recognized",
        /// called-AE-invocation-identifier-not-recognized (10).
        CALLED_AE_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 10 => "called-ae-invocation-identifier-not-recognized",
        /// authentication-mechanism-name-not-recognised (11).
        AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED = 11 => "authentication-mechanism-name-not-recognised",
        /// authentication-mechanism-name-required (12).
        AUTHENTICATION_MECHANISM_NAME_REQUIRED = 12 => "authentication-mechanism-name-required",
        /// authentication-failure (13).
        AUTHENTICATION_FAILURE = 13 => "authentication-failure",
        /// authentication-required (14): HLS pass 2, the association is usable after pass 4.
        AUTHENTICATION_REQUIRED = 14 => "authentication-required",
    }
}

code_point! {
    /// acse-service-provider diagnostics.
    AcseServiceProvider {
        /// null (0).
        NULL = 0 => "null",
        /// no-reason-given (1).
        NO_REASON_GIVEN = 1 => "no-reason-given",
        /// no-common-acse-version (2).
        NO_COMMON_ACSE_VERSION = 2 => "no-common-acse-version",
    }
}

/// Associate-source-diagnostic (AARE `[3]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultSourceDiagnostic {
    /// `[1]` acse-service-user.
    User(AcseServiceUser),
    /// `[2]` acse-service-provider.
    Provider(AcseServiceProvider),
}

/// AARE (A-ASSOCIATE response, `[APPLICATION 1]`, tag 0x61; jDLMS ACSE ASN.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aare<'a> {
    /// `[0]` protocol-version.
    pub protocol_version: Option<BerBitString<'a>>,
    /// `[1]` application-context-name.
    pub application_context_name: ObjectId<'a>,
    /// `[2]` result.
    pub result: AssociationResult,
    /// `[3]` result-source-diagnostic.
    pub result_source_diagnostic: ResultSourceDiagnostic,
    /// `[4]` responding-AP-title: the server system title.
    pub responding_ap_title: Option<Tlv<'a>>,
    /// `[5]` responding-AE-qualifier.
    pub responding_ae_qualifier: Option<Tlv<'a>>,
    /// `[6]` responding-AP-invocation-id.
    pub responding_ap_invocation_id: Option<Tlv<'a>>,
    /// `[7]` responding-AE-invocation-id.
    pub responding_ae_invocation_id: Option<Tlv<'a>>,
    /// `[8]` responder-acse-requirements.
    pub responder_acse_requirements: Option<BerBitString<'a>>,
    /// `[9]` mechanism-name.
    pub mechanism_name: Option<ObjectId<'a>>,
    /// `[10]` responding-authentication-value: the StoC challenge (HLS).
    pub responding_authentication_value: Option<AuthenticationValue<'a>>,
    /// `[29]` implementation-information.
    pub implementation_information: Option<&'a [u8]>,
    /// `[30]` user-information: InitiateResponse, its ciphered form, or ConfirmedServiceError.
    pub user_information: Option<UserInformation<'a>>,
}

impl<'a> Aare<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x61;

    /// An AARE with only the mandatory components and user-information.
    #[must_use]
    pub const fn new(
        application_context_name: ObjectId<'a>,
        result: AssociationResult,
        result_source_diagnostic: ResultSourceDiagnostic,
        user_information: Option<UserInformation<'a>>,
    ) -> Self {
        Self {
            protocol_version: None,
            application_context_name,
            result,
            result_source_diagnostic,
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responding_ap_invocation_id: None,
            responding_ae_invocation_id: None,
            responder_acse_requirements: None,
            mechanism_name: None,
            responding_authentication_value: None,
            implementation_information: None,
            user_information,
        }
    }

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// As [`Aarq::parse`]; [`Error::MissingField`] without application context, result or
    /// diagnostic.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (mut c, outer) = open(bytes, Self::TAG, "aare")?;
        outer.finish("aare")?;
        let mut app = None;
        let mut result = None;
        let mut diag = None;
        let mut v = Self::new(
            ObjectId(&[]),
            AssociationResult(0),
            ResultSourceDiagnostic::User(AcseServiceUser(0)),
            None,
        );
        while !c.is_empty() {
            let t = read_tlv(&mut c, "aare component")?;
            let at = t.at;
            match t.tag {
                0x80 => set(
                    &mut v.protocol_version,
                    BerBitString::check(&t, "protocol-version")?,
                    "protocol-version",
                    at,
                )?,
                0xA1 => set(
                    &mut app,
                    read_oid(&t, "application-context-name")?,
                    "application-context-name",
                    at,
                )?,
                0xA2 => {
                    let i = inner(&t, "result")?;
                    if i.tag != 0x02 {
                        return Err(Error::UnknownTag {
                            field: "result",
                            tag: i.tag,
                            offset: i.at,
                        });
                    }
                    set(
                        &mut result,
                        AssociationResult(read_small_integer(&i, "result")?),
                        "result",
                        at,
                    )?;
                }
                0xA3 => {
                    let choice = inner(&t, "result-source-diagnostic")?;
                    let value = inner(&choice, "result-source-diagnostic")?;
                    if value.tag != 0x02 {
                        return Err(Error::UnknownTag {
                            field: "result-source-diagnostic",
                            tag: value.tag,
                            offset: value.at,
                        });
                    }
                    let code = read_small_integer(&value, "result-source-diagnostic")?;
                    let d = match choice.tag {
                        0xA1 => ResultSourceDiagnostic::User(AcseServiceUser(code)),
                        0xA2 => ResultSourceDiagnostic::Provider(AcseServiceProvider(code)),
                        tag => {
                            return Err(Error::UnknownTag {
                                field: "result-source-diagnostic",
                                tag,
                                offset: choice.at,
                            });
                        }
                    };
                    set(&mut diag, d, "result-source-diagnostic", at)?;
                }
                0xA4 => set(
                    &mut v.responding_ap_title,
                    inner_tlv(&t, "responding-AP-title")?,
                    "responding-AP-title",
                    at,
                )?,
                0xA5 => set(
                    &mut v.responding_ae_qualifier,
                    inner_tlv(&t, "responding-AE-qualifier")?,
                    "responding-AE-qualifier",
                    at,
                )?,
                0xA6 => set(
                    &mut v.responding_ap_invocation_id,
                    inner_tlv(&t, "responding-AP-invocation-id")?,
                    "responding-AP-invocation-id",
                    at,
                )?,
                0xA7 => set(
                    &mut v.responding_ae_invocation_id,
                    inner_tlv(&t, "responding-AE-invocation-id")?,
                    "responding-AE-invocation-id",
                    at,
                )?,
                0x88 => set(
                    &mut v.responder_acse_requirements,
                    BerBitString::check(&t, "responder-acse-requirements")?,
                    "responder-acse-requirements",
                    at,
                )?,
                0x89 => set(
                    &mut v.mechanism_name,
                    ObjectId::check(&t, "mechanism-name")?,
                    "mechanism-name",
                    at,
                )?,
                0xAA => set(
                    &mut v.responding_authentication_value,
                    read_auth_value(&t, "responding-authentication-value")?,
                    "responding-authentication-value",
                    at,
                )?,
                0x9D => set(
                    &mut v.implementation_information,
                    t.content,
                    "implementation-information",
                    at,
                )?,
                0xBE => set(
                    &mut v.user_information,
                    read_user_information(&t)?,
                    "user-information",
                    at,
                )?,
                tag => {
                    return Err(Error::UnknownTag {
                        field: "aare component",
                        tag,
                        offset: at,
                    });
                }
            }
        }
        let end = bytes.len();
        v.application_context_name = app.ok_or(Error::MissingField {
            field: "application-context-name",
            offset: end,
        })?;
        v.result = result.ok_or(Error::MissingField {
            field: "result",
            offset: end,
        })?;
        v.result_source_diagnostic = diag.ok_or(Error::MissingField {
            field: "result-source-diagnostic",
            offset: end,
        })?;
        Ok(v)
    }

    fn write_components<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        if let Some(b) = self.protocol_version {
            put_tlv(out, 0x80, b.0)?;
        }
        put_explicit(out, 0xA1, 0x06, self.application_context_name.0)?;
        put_explicit(out, 0xA2, 0x02, &[self.result.0])?;
        let (choice, code) = match self.result_source_diagnostic {
            ResultSourceDiagnostic::User(c) => (0xA1, c.0),
            ResultSourceDiagnostic::Provider(c) => (0xA2, c.0),
        };
        out.put(&[0xA3, 0x05, choice, 0x03, 0x02, 0x01, code])?;
        put_opt_explicit(out, 0xA4, self.responding_ap_title)?;
        put_opt_explicit(out, 0xA5, self.responding_ae_qualifier)?;
        put_opt_explicit(out, 0xA6, self.responding_ap_invocation_id)?;
        put_opt_explicit(out, 0xA7, self.responding_ae_invocation_id)?;
        let tail = AuthTail {
            requirements: self.responder_acse_requirements,
            mechanism: self.mechanism_name,
            value: self.responding_authentication_value,
            implementation: self.implementation_information,
            user: self.user_information.as_ref(),
        };
        tail.write(out, [0x88, 0x89, 0xAA])
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let mut n = super::common::Counter(0);
        self.write_components(&mut n)?;
        out.put_u8(Self::TAG)?;
        put_ber_length(out, n.0)?;
        self.write_components(out)
    }
}

// ---- RLRQ / RLRE -------------------------------------------------------------------------------

code_point! {
    /// Release-request-reason (RLRQ `[0]`).
    ReleaseRequestReason {
        /// normal (0).
        NORMAL = 0 => "normal",
        /// urgent (1).
        URGENT = 1 => "urgent",
        /// user-defined (30).
        USER_DEFINED = 30 => "user-defined",
    }
}

code_point! {
    /// Release-response-reason (RLRE `[0]`).
    ReleaseResponseReason {
        /// normal (0).
        NORMAL = 0 => "normal",
        /// not-finished (1).
        NOT_FINISHED = 1 => "not-finished",
        /// user-defined (30).
        USER_DEFINED = 30 => "user-defined",
    }
}

fn read_release<'a>(
    bytes: &'a [u8],
    tag: u8,
    field: &'static str,
) -> Result<(Option<u8>, Option<UserInformation<'a>>)> {
    let (mut c, outer) = open(bytes, tag, field)?;
    outer.finish(field)?;
    let mut reason = None;
    let mut user = None;
    while !c.is_empty() {
        let t = read_tlv(&mut c, "release component")?;
        match t.tag {
            0x80 => set(
                &mut reason,
                read_small_integer(&t, "reason")?,
                "reason",
                t.at,
            )?,
            0xBE => set(
                &mut user,
                read_user_information(&t)?,
                "user-information",
                t.at,
            )?,
            other => {
                return Err(Error::UnknownTag {
                    field: "release component",
                    tag: other,
                    offset: t.at,
                });
            }
        }
    }
    Ok((reason, user))
}

fn write_release<S: Sink + ?Sized>(
    out: &mut S,
    tag: u8,
    reason: Option<u8>,
    user: Option<&UserInformation<'_>>,
) -> Result<()> {
    let len = reason.map_or(0, |_| 3) + user.map_or(0, user_information_len);
    out.put_u8(tag)?;
    put_ber_length(out, len)?;
    if let Some(r) = reason {
        out.put(&[0x80, 0x01, r])?;
    }
    match user {
        Some(u) => put_user_information(out, u),
        None => Ok(()),
    }
}

/// RLRQ (A-RELEASE request, `[APPLICATION 2]`, tag 0x62; jDLMS ACSE ASN.1). The empty `62 00`
/// is valid (EPRI DLMS-COSEM tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rlrq<'a> {
    /// `[0]` reason.
    pub reason: Option<ReleaseRequestReason>,
    /// `[30]` user-information (an InitiateRequest, ciphered when the association is).
    pub user_information: Option<UserInformation<'a>>,
}

/// RLRE (A-RELEASE response, `[APPLICATION 3]`, tag 0x63).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rlre<'a> {
    /// `[0]` reason.
    pub reason: Option<ReleaseResponseReason>,
    /// `[30]` user-information (an InitiateResponse).
    pub user_information: Option<UserInformation<'a>>,
}

impl<'a> Rlrq<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x62;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// As [`Aarq::parse`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (reason, user_information) = read_release(bytes, Self::TAG, "rlrq")?;
        Ok(Self {
            reason: reason.map(ReleaseRequestReason),
            user_information,
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        write_release(
            out,
            Self::TAG,
            self.reason.map(|r| r.0),
            self.user_information.as_ref(),
        )
    }
}

impl<'a> Rlre<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x63;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// As [`Aarq::parse`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (reason, user_information) = read_release(bytes, Self::TAG, "rlre")?;
        Ok(Self {
            reason: reason.map(ReleaseResponseReason),
            user_information,
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        write_release(
            out,
            Self::TAG,
            self.reason.map(|r| r.0),
            self.user_information.as_ref(),
        )
    }
}

encode_via_write!(Aarq, Aare, Rlrq, Rlre);
