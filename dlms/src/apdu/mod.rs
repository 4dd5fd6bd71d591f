//! ACSE and xDLMS APDUs (IEC 62056-5-3 / DLMS Green Book 9.4-9.5), decoded without copying and
//! encoded into a caller's buffer.
//!
//! [`Apdu::parse`] dispatches on the first byte to a typed view: every field borrows the
//! input, lists ([`List`]) and A-XDR values ([`Data`](crate::axdr::Data)) are validated once
//! and iterated in place. Every type implements [`Encode`]: a decoded APDU re-encodes to the
//! bytes it came from (the encodings the standard leaves open - date-time forms, DEFAULT
//! fields, conformance tag form - are kept). Unknown tags and choices are typed errors with
//! the offset; nothing panics.
//!
//! ```
//! use dlms::apdu::{Apdu, GetDataResult, GetResponse};
//! use dlms::axdr::{Data, Encode};
//! // GET-Response-Normal, invoke 0xC1, double-long-unsigned 5009 (Green Book layout).
//! let bytes = [0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x13, 0x91];
//! let apdu = Apdu::parse(&bytes)?;
//! let Apdu::GetResponse(GetResponse::Normal { invoke, result }) = apdu else { panic!() };
//! assert_eq!(invoke.invoke_id(), 1);
//! assert_eq!(result, GetDataResult::Data(Data::DoubleLongUnsigned(5009)));
//! let mut out = [0u8; 16];
//! let n = apdu.emit(&mut out)?;
//! assert_eq!(&out[..n], &bytes);
//!
//! // Unknown tags are errors, never panics.
//! assert!(matches!(Apdu::parse(&[0x77, 0x00]), Err(dlms::Error::UnknownTag { tag: 0x77, offset: 0, .. })));
//! # Ok::<(), dlms::Error>(())
//! ```

mod access;
mod acse;
mod ciphered;
pub(crate) mod common;
mod initiate;
mod notification;
mod selective;
mod service_error;
mod services;
mod sn;

pub use access::{AccessRequest, AccessRequestSpec, AccessResponse, AccessResponseSpec};
pub use acse::{
    Aare, Aarq, AcseServiceProvider, AcseServiceUser, ApplicationContextName, AssociationResult,
    AuthenticationValue, BerBitString, MechanismName, ObjectId, ReleaseRequestReason,
    ReleaseResponseReason, ResultSourceDiagnostic, Rlre, Rlrq, Tlv, UserInformation,
    user_information_range,
};
pub(crate) use ciphered::information_len;
pub use ciphered::{
    CipheredApdu, CipheredApduMut, CipheredContent, EnvelopeHead, GeneralCiphering,
    GeneralGloCiphering, GeneralHeader, GeneralSigning, GeneralSigningMut, KeyInfo,
    ciphered_tag_of, plain_tag_of,
};
pub use common::{
    ActionResponseItem, ActionResult, AttributeDescriptor, AttributeWithSelection,
    DataAccessResult, DataBlock, DateTimeEncoding, DateTimeField, GetDataResult,
    InvokeIdAndPriority, List, ListElement, ListIter, LongInvokeIdAndPriority, MethodDescriptor,
    SelectiveAccess,
};
pub use initiate::{Conformance, ConformanceTag, InitiateRequest, InitiateResponse};
pub use notification::{DataNotification, EventNotification, GeneralBlockTransfer};
pub use selective::{CaptureObjectDefinition, EntryDescriptor, RangeDescriptor};
pub use service_error::{
    ConfirmedService, ConfirmedServiceError, ExceptionResponse, ExceptionServiceError,
    ServiceError, ServiceErrorClass, StateError,
};
pub use services::{
    ActionRequest, ActionResponse, BlockResult, GetRequest, GetResponse, SetRequest, SetResponse,
};
pub use sn::{
    InformationReportRequest, ReadRequest, ReadResponse, ReadResult, UnconfirmedWriteRequest,
    VariableAccess, WriteRequest, WriteResponse, WriteResult,
};

pub use crate::axdr::Encode;
use crate::axdr::{Limits, Sink};
use crate::wire::Reader;
use crate::{Error, Result};

/// Any ACSE or xDLMS APDU.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Apdu<'a> {
    /// AARQ (0x60).
    Aarq(Aarq<'a>),
    /// AARE (0x61).
    Aare(Aare<'a>),
    /// RLRQ (0x62).
    Rlrq(Rlrq<'a>),
    /// RLRE (0x63).
    Rlre(Rlre<'a>),
    /// InitiateRequest (0x01).
    InitiateRequest(InitiateRequest<'a>),
    /// InitiateResponse (0x08).
    InitiateResponse(InitiateResponse),
    /// ConfirmedServiceError (0x0E).
    ConfirmedServiceError(ConfirmedServiceError),
    /// ExceptionResponse (0xD8).
    ExceptionResponse(ExceptionResponse),
    /// GET-Request (0xC0).
    GetRequest(GetRequest<'a>),
    /// GET-Response (0xC4).
    GetResponse(GetResponse<'a>),
    /// SET-Request (0xC1).
    SetRequest(SetRequest<'a>),
    /// SET-Response (0xC5).
    SetResponse(SetResponse<'a>),
    /// ACTION-Request (0xC3).
    ActionRequest(ActionRequest<'a>),
    /// ACTION-Response (0xC7).
    ActionResponse(ActionResponse<'a>),
    /// EVENT-NOTIFICATION-Request (0xC2).
    EventNotification(EventNotification<'a>),
    /// DataNotification (0x0F).
    DataNotification(DataNotification<'a>),
    /// General-Block-Transfer (0xE0).
    GeneralBlockTransfer(GeneralBlockTransfer<'a>),
    /// access-request (0xD9).
    AccessRequest(AccessRequest<'a>),
    /// access-response (0xDA).
    AccessResponse(AccessResponse<'a>),
    /// ReadRequest (0x05).
    ReadRequest(ReadRequest<'a>),
    /// ReadResponse (0x0C).
    ReadResponse(ReadResponse<'a>),
    /// WriteRequest (0x06).
    WriteRequest(WriteRequest<'a>),
    /// WriteResponse (0x0D).
    WriteResponse(WriteResponse<'a>),
    /// UnconfirmedWriteRequest (0x16).
    UnconfirmedWriteRequest(UnconfirmedWriteRequest<'a>),
    /// InformationReportRequest (0x18).
    InformationReportRequest(InformationReportRequest<'a>),
    /// A service-specific glo- or ded- ciphered APDU.
    Ciphered(CipheredApdu<'a>),
    /// general-glo-ciphering (0xDB) or general-ded-ciphering (0xDC).
    GeneralGloCiphering(GeneralGloCiphering<'a>),
    /// general-ciphering (0xDD).
    GeneralCiphering(GeneralCiphering<'a>),
    /// general-signing (0xDF).
    GeneralSigning(GeneralSigning<'a>),
}

impl<'a> Apdu<'a> {
    /// Decodes the APDU that fills `bytes`, with the default [`Limits`] for A-XDR data.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] (field `"apdu"`) for a tag this crate does not know, and every
    /// error of the typed decoders; never panics.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        Self::parse_with(bytes, &Limits::DEFAULT)
    }

    /// As [`parse`](Self::parse), with the caller's limits.
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_with(bytes: &'a [u8], limits: &Limits) -> Result<Self> {
        let Some(&tag) = bytes.first() else {
            return Err(Error::Truncated {
                field: "apdu",
                offset: 0,
                needed: 1,
            });
        };
        match tag {
            Aarq::TAG => return Aarq::parse(bytes).map(Apdu::Aarq),
            Aare::TAG => return Aare::parse(bytes).map(Apdu::Aare),
            Rlrq::TAG => return Rlrq::parse(bytes).map(Apdu::Rlrq),
            Rlre::TAG => return Rlre::parse(bytes).map(Apdu::Rlre),
            _ => {}
        }
        let mut r = Reader::new(bytes, 0);
        r.u8("apdu")?;
        let apdu = match tag {
            InitiateRequest::TAG => {
                Apdu::InitiateRequest(InitiateRequest::read_body(&mut r, limits)?)
            }
            InitiateResponse::TAG => {
                Apdu::InitiateResponse(InitiateResponse::read_body(&mut r, limits)?)
            }
            ConfirmedServiceError::TAG => {
                Apdu::ConfirmedServiceError(ConfirmedServiceError::read_body(&mut r, limits)?)
            }
            ExceptionResponse::TAG => {
                Apdu::ExceptionResponse(ExceptionResponse::read_body(&mut r, limits)?)
            }
            GetRequest::TAG => Apdu::GetRequest(GetRequest::read_body(&mut r, limits)?),
            GetResponse::TAG => Apdu::GetResponse(GetResponse::read_body(&mut r, limits)?),
            SetRequest::TAG => Apdu::SetRequest(SetRequest::read_body(&mut r, limits)?),
            SetResponse::TAG => Apdu::SetResponse(SetResponse::read_body(&mut r, limits)?),
            ActionRequest::TAG => Apdu::ActionRequest(ActionRequest::read_body(&mut r, limits)?),
            ActionResponse::TAG => Apdu::ActionResponse(ActionResponse::read_body(&mut r, limits)?),
            EventNotification::TAG => {
                Apdu::EventNotification(EventNotification::read_body(&mut r, limits)?)
            }
            DataNotification::TAG => {
                Apdu::DataNotification(DataNotification::read_body(&mut r, limits)?)
            }
            GeneralBlockTransfer::TAG => {
                Apdu::GeneralBlockTransfer(GeneralBlockTransfer::read_body(&mut r, limits)?)
            }
            AccessRequest::TAG => Apdu::AccessRequest(AccessRequest::read_body(&mut r, limits)?),
            AccessResponse::TAG => Apdu::AccessResponse(AccessResponse::read_body(&mut r, limits)?),
            ReadRequest::TAG => Apdu::ReadRequest(ReadRequest::read_body(&mut r, limits)?),
            ReadResponse::TAG => Apdu::ReadResponse(ReadResponse::read_body(&mut r, limits)?),
            WriteRequest::TAG => Apdu::WriteRequest(WriteRequest::read_body(&mut r, limits)?),
            WriteResponse::TAG => Apdu::WriteResponse(WriteResponse::read_body(&mut r, limits)?),
            UnconfirmedWriteRequest::TAG => {
                Apdu::UnconfirmedWriteRequest(UnconfirmedWriteRequest::read_body(&mut r, limits)?)
            }
            InformationReportRequest::TAG => {
                Apdu::InformationReportRequest(InformationReportRequest::read_body(&mut r, limits)?)
            }
            GeneralGloCiphering::TAG_GLO | GeneralGloCiphering::TAG_DED => {
                Apdu::GeneralGloCiphering(GeneralGloCiphering::read_body(tag, &mut r)?)
            }
            GeneralCiphering::TAG => {
                Apdu::GeneralCiphering(GeneralCiphering::read_body(&mut r, limits)?)
            }
            GeneralSigning::TAG => Apdu::GeneralSigning(GeneralSigning::read_body(&mut r, limits)?),
            t if plain_tag_of(t).is_some() => Apdu::Ciphered(CipheredApdu::read_body(tag, &mut r)?),
            _ => {
                return Err(Error::UnknownTag {
                    field: "apdu",
                    tag,
                    offset: 0,
                });
            }
        };
        r.finish("apdu")?;
        Ok(apdu)
    }

    /// The APDU's name as the Green Book spells it, lower-case (`"get-request"`,
    /// `"glo-get-request"`, `"aarq"`, ...).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Apdu::Aarq(_) => "aarq",
            Apdu::Aare(_) => "aare",
            Apdu::Rlrq(_) => "rlrq",
            Apdu::Rlre(_) => "rlre",
            Apdu::InitiateRequest(_) => "initiate-request",
            Apdu::InitiateResponse(_) => "initiate-response",
            Apdu::ConfirmedServiceError(_) => "confirmed-service-error",
            Apdu::ExceptionResponse(_) => "exception-response",
            Apdu::GetRequest(_) => "get-request",
            Apdu::GetResponse(_) => "get-response",
            Apdu::SetRequest(_) => "set-request",
            Apdu::SetResponse(_) => "set-response",
            Apdu::ActionRequest(_) => "action-request",
            Apdu::ActionResponse(_) => "action-response",
            Apdu::EventNotification(_) => "event-notification-request",
            Apdu::DataNotification(_) => "data-notification",
            Apdu::GeneralBlockTransfer(_) => "general-block-transfer",
            Apdu::AccessRequest(_) => "access-request",
            Apdu::AccessResponse(_) => "access-response",
            Apdu::ReadRequest(_) => "read-request",
            Apdu::ReadResponse(_) => "read-response",
            Apdu::WriteRequest(_) => "write-request",
            Apdu::WriteResponse(_) => "write-response",
            Apdu::UnconfirmedWriteRequest(_) => "unconfirmed-write-request",
            Apdu::InformationReportRequest(_) => "information-report-request",
            Apdu::Ciphered(c) => ciphered_name(c.tag),
            Apdu::GeneralGloCiphering(g) if g.tag == GeneralGloCiphering::TAG_DED => {
                "general-ded-ciphering"
            }
            Apdu::GeneralGloCiphering(_) => "general-glo-ciphering",
            Apdu::GeneralCiphering(_) => "general-ciphering",
            Apdu::GeneralSigning(_) => "general-signing",
        }
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Apdu::Aarq(x) => x.emit_to(out),
            Apdu::Aare(x) => x.emit_to(out),
            Apdu::Rlrq(x) => x.emit_to(out),
            Apdu::Rlre(x) => x.emit_to(out),
            Apdu::InitiateRequest(x) => x.emit_to(out),
            Apdu::InitiateResponse(x) => x.emit_to(out),
            Apdu::ConfirmedServiceError(x) => x.emit_to(out),
            Apdu::ExceptionResponse(x) => x.emit_to(out),
            Apdu::GetRequest(x) => x.emit_to(out),
            Apdu::GetResponse(x) => x.emit_to(out),
            Apdu::SetRequest(x) => x.emit_to(out),
            Apdu::SetResponse(x) => x.emit_to(out),
            Apdu::ActionRequest(x) => x.emit_to(out),
            Apdu::ActionResponse(x) => x.emit_to(out),
            Apdu::EventNotification(x) => x.emit_to(out),
            Apdu::DataNotification(x) => x.emit_to(out),
            Apdu::GeneralBlockTransfer(x) => x.emit_to(out),
            Apdu::AccessRequest(x) => x.emit_to(out),
            Apdu::AccessResponse(x) => x.emit_to(out),
            Apdu::ReadRequest(x) => x.emit_to(out),
            Apdu::ReadResponse(x) => x.emit_to(out),
            Apdu::WriteRequest(x) => x.emit_to(out),
            Apdu::WriteResponse(x) => x.emit_to(out),
            Apdu::UnconfirmedWriteRequest(x) => x.emit_to(out),
            Apdu::InformationReportRequest(x) => x.emit_to(out),
            Apdu::Ciphered(x) => x.emit_to(out),
            Apdu::GeneralGloCiphering(x) => x.emit_to(out),
            Apdu::GeneralCiphering(x) => x.emit_to(out),
            Apdu::GeneralSigning(x) => x.emit_to(out),
        }
    }
}

common::encode_via_write!(Apdu);

/// The name of a service-specific ciphered APDU tag (`0xC8` → `"glo-get-request"`).
#[must_use]
pub const fn ciphered_name(tag: u8) -> &'static str {
    match tag {
        0x21 => "glo-initiate-request",
        0x25 => "glo-read-request",
        0x26 => "glo-write-request",
        0x28 => "glo-initiate-response",
        0x2C => "glo-read-response",
        0x2D => "glo-write-response",
        0x2E => "glo-confirmed-service-error",
        0x36 => "glo-unconfirmed-write-request",
        0x38 => "glo-information-report-request",
        0x41 => "ded-initiate-request",
        0x45 => "ded-read-request",
        0x46 => "ded-write-request",
        0x48 => "ded-initiate-response",
        0x4C => "ded-read-response",
        0x4D => "ded-write-response",
        0x4E => "ded-confirmed-service-error",
        0x56 => "ded-unconfirmed-write-request",
        0x58 => "ded-information-report-request",
        0xC8 => "glo-get-request",
        0xC9 => "glo-set-request",
        0xCA => "glo-event-notification-request",
        0xCB => "glo-action-request",
        0xCC => "glo-get-response",
        0xCD => "glo-set-response",
        0xCF => "glo-action-response",
        0xD0 => "ded-get-request",
        0xD1 => "ded-set-request",
        0xD2 => "ded-event-notification-request",
        0xD3 => "ded-action-request",
        0xD4 => "ded-get-response",
        0xD5 => "ded-set-response",
        0xD7 => "ded-action-response",
        _ => "ciphered",
    }
}

#[cfg(test)]
mod tests;
