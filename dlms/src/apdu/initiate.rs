//! InitiateRequest (0x01), InitiateResponse (0x08) and the conformance block (DLMS Green Book
//! 9.5; jDLMS `cosem.asn`, GuruxDLMS.c `apdu_getInitiateRequest`).

use core::fmt;

use super::common::{apdu_parse, encode_via_write, encode_via_write_static};
use crate::axdr::{Limits, Sink, put_octets};
use crate::wire::Reader;
use crate::{Error, Result};

/// The xDLMS conformance block: 24 bits, bit 0 the most significant bit of the first byte
/// (ASN.1 BIT STRING order). As a number, bit `n` has mask `0x80_0000 >> n`.
///
/// ```
/// use dlms::apdu::Conformance;
/// let c = Conformance(0x00_7E1F);
/// assert!(c.contains(Conformance::GET) && c.contains(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ));
/// assert_eq!(c.names().next(), Some("priority-mgmt-supported"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Conformance(pub u32);

const CONFORMANCE_NAMES: [&str; 24] = [
    "reserved-zero",
    "general-protection",
    "general-block-transfer",
    "read",
    "write",
    "unconfirmed-write",
    "delta-value-encoding",
    "reserved-seven",
    "attribute0-supported-with-set",
    "priority-mgmt-supported",
    "attribute0-supported-with-get",
    "block-transfer-with-get-or-read",
    "block-transfer-with-set-or-write",
    "block-transfer-with-action",
    "multiple-references",
    "information-report",
    "data-notification",
    "access",
    "parameterized-access",
    "get",
    "set",
    "selective-access",
    "event-notification",
    "action",
];

impl Conformance {
    /// Bit 0: reserved-zero.
    pub const RESERVED_ZERO: Self = Self::bit(0);
    /// Bit 1: general-protection.
    pub const GENERAL_PROTECTION: Self = Self::bit(1);
    /// Bit 2: general-block-transfer.
    pub const GENERAL_BLOCK_TRANSFER: Self = Self::bit(2);
    /// Bit 3: read (SN).
    pub const READ: Self = Self::bit(3);
    /// Bit 4: write (SN).
    pub const WRITE: Self = Self::bit(4);
    /// Bit 5: unconfirmed-write (SN).
    pub const UNCONFIRMED_WRITE: Self = Self::bit(5);
    /// Bit 6: delta-value-encoding.
    pub const DELTA_VALUE_ENCODING: Self = Self::bit(6);
    /// Bit 7: reserved-seven.
    pub const RESERVED_SEVEN: Self = Self::bit(7);
    /// Bit 8: attribute0-supported-with-set.
    pub const ATTRIBUTE0_SUPPORTED_WITH_SET: Self = Self::bit(8);
    /// Bit 9: priority-mgmt-supported.
    pub const PRIORITY_MGMT_SUPPORTED: Self = Self::bit(9);
    /// Bit 10: attribute0-supported-with-get.
    pub const ATTRIBUTE0_SUPPORTED_WITH_GET: Self = Self::bit(10);
    /// Bit 11: block-transfer-with-get-or-read.
    pub const BLOCK_TRANSFER_WITH_GET_OR_READ: Self = Self::bit(11);
    /// Bit 12: block-transfer-with-set-or-write.
    pub const BLOCK_TRANSFER_WITH_SET_OR_WRITE: Self = Self::bit(12);
    /// Bit 13: block-transfer-with-action.
    pub const BLOCK_TRANSFER_WITH_ACTION: Self = Self::bit(13);
    /// Bit 14: multiple-references.
    pub const MULTIPLE_REFERENCES: Self = Self::bit(14);
    /// Bit 15: information-report (SN).
    pub const INFORMATION_REPORT: Self = Self::bit(15);
    /// Bit 16: data-notification.
    pub const DATA_NOTIFICATION: Self = Self::bit(16);
    /// Bit 17: access.
    pub const ACCESS: Self = Self::bit(17);
    /// Bit 18: parameterized-access (SN).
    pub const PARAMETERIZED_ACCESS: Self = Self::bit(18);
    /// Bit 19: get.
    pub const GET: Self = Self::bit(19);
    /// Bit 20: set.
    pub const SET: Self = Self::bit(20);
    /// Bit 21: selective-access.
    pub const SELECTIVE_ACCESS: Self = Self::bit(21);
    /// Bit 22: event-notification.
    pub const EVENT_NOTIFICATION: Self = Self::bit(22);
    /// Bit 23: action.
    pub const ACTION: Self = Self::bit(23);

    /// The block with only bit `n` (0..=23) set.
    #[must_use]
    pub const fn bit(n: u8) -> Self {
        Self(0x80_0000 >> (n % 24))
    }

    /// Whether every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The bits set in both (what a server grants: proposed AND supported).
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The three bytes of the bit string.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 3] {
        let b = self.0.to_be_bytes();
        [b[1], b[2], b[3]]
    }

    /// The names of the bits set, bit 0 first.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        CONFORMANCE_NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (0x80_0000 >> i) != 0)
            .map(|(_, n)| *n)
    }
}

impl fmt::Display for Conformance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06x}", self.0 & 0xFF_FFFF)?;
        let mut sep = " (";
        for n in self.names() {
            write!(f, "{sep}{n}")?;
            sep = ", ";
        }
        if sep == ", " {
            f.write_str(")")
        } else {
            Ok(())
        }
    }
}

/// How the conformance block's `[APPLICATION 31]` tag is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConformanceTag {
    /// `5F 1F`: the two-byte BER form of tag 31 (the standard).
    #[default]
    Standard,
    /// `5F`: a single byte, as sent by some short-name meters (the WRAP-02 vector).
    Short,
}

fn read_conformance(r: &mut Reader<'_>) -> Result<(Conformance, ConformanceTag)> {
    let at = r.offset();
    if r.u8("conformance")? != 0x5F {
        return Err(Error::InvalidValue {
            field: "conformance tag",
            offset: at,
        });
    }
    let tag = if r.peek("conformance")? == 0x1F {
        r.u8("conformance")?;
        ConformanceTag::Standard
    } else {
        ConformanceTag::Short
    };
    let len_at = r.offset();
    if r.u8("conformance length")? != 4 {
        return Err(Error::InvalidLength {
            field: "conformance",
            offset: len_at,
        });
    }
    let unused_at = r.offset();
    if r.u8("conformance unused bits")? != 0 {
        return Err(Error::InvalidValue {
            field: "conformance unused bits",
            offset: unused_at,
        });
    }
    let b = r.array::<3>("conformance")?;
    Ok((Conformance(u32::from_be_bytes([0, b[0], b[1], b[2]])), tag))
}

fn write_conformance<S: Sink + ?Sized>(
    out: &mut S,
    c: Conformance,
    tag: ConformanceTag,
) -> Result<()> {
    match tag {
        ConformanceTag::Standard => out.put(&[0x5F, 0x1F])?,
        ConformanceTag::Short => out.put_u8(0x5F)?,
    }
    let b = c.to_bytes();
    out.put(&[0x04, 0x00, b[0], b[1], b[2]])
}

/// xDLMS-Initiate.request (tag 0x01): the client's proposal, carried in the AARQ
/// user-information.
///
/// ```
/// use dlms::apdu::{Conformance, InitiateRequest};
/// // No dedicated key, conformance 0x007E1F, max PDU 1200.
/// let bytes = [0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0xB0];
/// let req = InitiateRequest::parse(&bytes)?;
/// assert!(req.response_allowed());
/// assert_eq!(req.proposed_conformance, Conformance(0x7E1F));
/// assert_eq!(req.client_max_receive_pdu_size, 1200);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitiateRequest<'a> {
    /// The dedicated key (only inside a ciphered AARQ).
    pub dedicated_key: Option<&'a [u8]>,
    /// response-allowed as encoded: `None` when the DEFAULT (true) was used (`00`).
    pub response_allowed: Option<bool>,
    /// proposed-quality-of-service, ignored by COSEM servers.
    pub proposed_quality_of_service: Option<i8>,
    /// Always 6.
    pub proposed_dlms_version_number: u8,
    /// The services the client wants.
    pub proposed_conformance: Conformance,
    /// How the conformance tag was written.
    pub conformance_tag: ConformanceTag,
    /// The largest APDU the client accepts (0 = no limit; 0 occurs in the jDLMS and EPRI vectors).
    pub client_max_receive_pdu_size: u16,
}

/// xDLMS-Initiate.response (tag 0x08): what the server grants, in the AARE user-information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitiateResponse {
    /// negotiated-quality-of-service.
    pub negotiated_quality_of_service: Option<i8>,
    /// Always 6.
    pub negotiated_dlms_version_number: u8,
    /// The services granted.
    pub negotiated_conformance: Conformance,
    /// How the conformance tag was written.
    pub conformance_tag: ConformanceTag,
    /// The largest APDU the server accepts.
    pub server_max_receive_pdu_size: u16,
    /// 0x0007 for LN referencing; the Association SN base name (0xFA00) for SN.
    pub vaa_name: u16,
}

impl<'a> InitiateRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x01;

    /// A request without dedicated key or QoS, response allowed, DLMS version 6.
    #[must_use]
    pub const fn new(conformance: Conformance, client_max_receive_pdu_size: u16) -> Self {
        Self {
            dedicated_key: None,
            response_allowed: None,
            proposed_quality_of_service: None,
            proposed_dlms_version_number: 6,
            proposed_conformance: conformance,
            conformance_tag: ConformanceTag::Standard,
            client_max_receive_pdu_size,
        }
    }

    /// Whether the client wants responses (the DEFAULT is true).
    #[must_use]
    pub const fn response_allowed(&self) -> bool {
        match self.response_allowed {
            Some(b) => b,
            None => true,
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, _limits: &Limits) -> Result<Self> {
        let dedicated_key = if r.flag("dedicated-key")? {
            Some(r.octets("dedicated-key")?)
        } else {
            None
        };
        let response_allowed = if r.flag("response-allowed")? {
            Some(r.bool("response-allowed")?)
        } else {
            None
        };
        let proposed_quality_of_service = if r.flag("proposed-quality-of-service")? {
            Some(i8::from_be_bytes([r.u8("qos")?]))
        } else {
            None
        };
        let proposed_dlms_version_number = r.u8("proposed-dlms-version-number")?;
        let (proposed_conformance, conformance_tag) = read_conformance(r)?;
        let client_max_receive_pdu_size = r.u16("client-max-receive-pdu-size")?;
        Ok(Self {
            dedicated_key,
            response_allowed,
            proposed_quality_of_service,
            proposed_dlms_version_number,
            proposed_conformance,
            conformance_tag,
            client_max_receive_pdu_size,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        match self.dedicated_key {
            Some(k) => {
                out.put_u8(1)?;
                put_octets(out, k)?;
            }
            None => out.put_u8(0)?,
        }
        match self.response_allowed {
            Some(b) => out.put(&[1, u8::from(b)])?,
            None => out.put_u8(0)?,
        }
        match self.proposed_quality_of_service {
            Some(q) => out.put(&[1, q.to_be_bytes()[0]])?,
            None => out.put_u8(0)?,
        }
        out.put_u8(self.proposed_dlms_version_number)?;
        write_conformance(out, self.proposed_conformance, self.conformance_tag)?;
        out.put(&self.client_max_receive_pdu_size.to_be_bytes())
    }
}

impl InitiateResponse {
    /// The APDU tag.
    pub const TAG: u8 = 0x08;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for another APDU; truncation, a malformed conformance block,
    /// trailing bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        super::service_error::expect_tag(&mut r, Self::TAG, "initiate-response")?;
        let v = Self::read_body(&mut r, &Limits::DEFAULT)?;
        r.finish("initiate-response")?;
        Ok(v)
    }

    pub(crate) fn read_body(r: &mut Reader<'_>, _limits: &Limits) -> Result<Self> {
        let negotiated_quality_of_service = if r.flag("negotiated-quality-of-service")? {
            Some(i8::from_be_bytes([r.u8("qos")?]))
        } else {
            None
        };
        let negotiated_dlms_version_number = r.u8("negotiated-dlms-version-number")?;
        let (negotiated_conformance, conformance_tag) = read_conformance(r)?;
        Ok(Self {
            negotiated_quality_of_service,
            negotiated_dlms_version_number,
            negotiated_conformance,
            conformance_tag,
            server_max_receive_pdu_size: r.u16("server-max-receive-pdu-size")?,
            vaa_name: r.u16("vaa-name")?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        match self.negotiated_quality_of_service {
            Some(q) => out.put(&[1, q.to_be_bytes()[0]])?,
            None => out.put_u8(0)?,
        }
        out.put_u8(self.negotiated_dlms_version_number)?;
        write_conformance(out, self.negotiated_conformance, self.conformance_tag)?;
        out.put(&self.server_max_receive_pdu_size.to_be_bytes())?;
        out.put(&self.vaa_name.to_be_bytes())
    }
}

apdu_parse!(InitiateRequest, 0x01, "initiate-request");
encode_via_write!(InitiateRequest);
encode_via_write_static!(InitiateResponse);
