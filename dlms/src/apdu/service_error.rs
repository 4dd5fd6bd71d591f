//! ExceptionResponse (0xD8) and ConfirmedServiceError (0x0E) (DLMS Green Book 9.5; jDLMS
//! `cosem.asn`, GuruxDLMS.c `errorcodes.h`).

use super::common::encode_via_write_static;
use crate::axdr::{Limits, Sink};
use crate::wire::Reader;
use crate::wire::code_point;
use crate::{Error, Result};

code_point! {
    /// The state-error of an ExceptionResponse.
    StateError {
        /// service-not-allowed (1).
        SERVICE_NOT_ALLOWED = 1 => "service-not-allowed",
        /// service-unknown (2).
        SERVICE_UNKNOWN = 2 => "service-unknown",
    }
}

code_point! {
    /// The service-error of an ExceptionResponse.
    ExceptionServiceError {
        /// operation-not-possible (1).
        OPERATION_NOT_POSSIBLE = 1 => "operation-not-possible",
        /// service-not-supported (2).
        SERVICE_NOT_SUPPORTED = 2 => "service-not-supported",
        /// other-reason (3).
        OTHER_REASON = 3 => "other-reason",
        /// pdu-too-long (4).
        PDU_TOO_LONG = 4 => "pdu-too-long",
        /// deciphering-error (5).
        DECIPHERING_ERROR = 5 => "deciphering-error",
        /// invocation-counter-error (6): the server appends the counter it expects.
        INVOCATION_COUNTER_ERROR = 6 => "invocation-counter-error",
    }
}

/// EXCEPTION-Response (tag 0xD8).
///
/// With service-error 6 (invocation-counter-error) servers append the invocation counter they
/// expect next (GuruxDLMS.c `svr_generateExceptionResponse`). Do not resynchronise a counter from
/// it without authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionResponse {
    /// The state error.
    pub state_error: StateError,
    /// The service error.
    pub service_error: ExceptionServiceError,
    /// The expected invocation counter, when sent.
    pub invocation_counter: Option<u32>,
}

impl ExceptionResponse {
    /// The APDU tag.
    pub const TAG: u8 = 0xD8;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for another APDU; truncation; trailing bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        expect_tag(&mut r, Self::TAG, "exception-response")?;
        let v = Self::read_body(&mut r, &Limits::DEFAULT)?;
        r.finish("exception-response")?;
        Ok(v)
    }

    pub(crate) fn read_body(r: &mut Reader<'_>, _limits: &Limits) -> Result<Self> {
        let state_error = StateError(r.u8("state-error")?);
        let service_error = ExceptionServiceError(r.u8("service-error")?);
        let invocation_counter = if service_error == ExceptionServiceError::INVOCATION_COUNTER_ERROR
            && r.remaining() >= 4
        {
            Some(r.u32("invocation-counter")?)
        } else {
            None
        };
        Ok(Self {
            state_error,
            service_error,
            invocation_counter,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put(&[Self::TAG, self.state_error.0, self.service_error.0])?;
        match self.invocation_counter {
            Some(ic) => out.put(&ic.to_be_bytes()),
            None => Ok(()),
        }
    }
}

code_point! {
    /// The service a ConfirmedServiceError reports on (the CHOICE of ConfirmedServiceError).
    ConfirmedService {
        /// initiateError (1).
        INITIATE_ERROR = 1 => "initiate-error",
        /// getStatus (2).
        GET_STATUS = 2 => "get-status",
        /// getNameList (3).
        GET_NAME_LIST = 3 => "get-name-list",
        /// getVariableAttribute (4).
        GET_VARIABLE_ATTRIBUTE = 4 => "get-variable-attribute",
        /// read (5).
        READ = 5 => "read",
        /// write (6).
        WRITE = 6 => "write",
        /// getDataSetAttribute (7).
        GET_DATA_SET_ATTRIBUTE = 7 => "get-data-set-attribute",
        /// getTIAttribute (8).
        GET_TI_ATTRIBUTE = 8 => "get-ti-attribute",
        /// changeScope (9).
        CHANGE_SCOPE = 9 => "change-scope",
        /// start (10).
        START = 10 => "start",
        /// stop (11).
        STOP = 11 => "stop",
        /// resume (12).
        RESUME = 12 => "resume",
        /// makeUsable (13).
        MAKE_USABLE = 13 => "make-usable",
        /// initiateLoad (14).
        INITIATE_LOAD = 14 => "initiate-load",
        /// loadSegment (15).
        LOAD_SEGMENT = 15 => "load-segment",
        /// terminateLoad (16).
        TERMINATE_LOAD = 16 => "terminate-load",
        /// initiateUpLoad (17).
        INITIATE_UPLOAD = 17 => "initiate-upload",
        /// upLoadSegment (18).
        UPLOAD_SEGMENT = 18 => "upload-segment",
        /// terminateUpLoad (19).
        TERMINATE_UPLOAD = 19 => "terminate-upload",
    }
}

code_point! {
    /// The class of a ServiceError (its CHOICE number; jDLMS ASN.1 and u9n numbering).
    ServiceErrorClass {
        /// application-reference (0).
        APPLICATION_REFERENCE = 0 => "application-reference",
        /// hardware-resource (1).
        HARDWARE_RESOURCE = 1 => "hardware-resource",
        /// vde-state-error (2).
        VDE_STATE_ERROR = 2 => "vde-state-error",
        /// service (3).
        SERVICE = 3 => "service",
        /// definition (4).
        DEFINITION = 4 => "definition",
        /// access (5).
        ACCESS = 5 => "access",
        /// initiate (6).
        INITIATE = 6 => "initiate",
        /// load-data-set (7).
        LOAD_DATA_SET = 7 => "load-data-set",
        /// change-scope (8, reserved).
        CHANGE_SCOPE = 8 => "change-scope",
        /// task (9).
        TASK = 9 => "task",
        /// other (10, manufacturer-specific).
        OTHER = 10 => "other",
    }
}

/// A ServiceError: its class and the enumerated value within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceError {
    /// The class (CHOICE).
    pub class: ServiceErrorClass,
    /// The value within the class.
    pub value: u8,
}

impl ServiceError {
    /// The name of the value within its class (`"dlms-version-too-low"`), if assigned.
    #[must_use]
    pub const fn name(&self) -> Option<&'static str> {
        let names: &[&str] = match self.class.0 {
            0 => &[
                "other",
                "time-elapsed",
                "application-unreachable",
                "application-reference-invalid",
                "application-context-unsupported",
                "provider-communication-error",
                "deciphering-error",
            ],
            1 => &[
                "other",
                "memory-unavailable",
                "processor-resource-unavailable",
                "mass-storage-unavailable",
                "other-resource-unavailable",
            ],
            2 => &[
                "other",
                "no-dlms-context",
                "loading-data-set",
                "status-nochange",
                "status-inoperable",
            ],
            3 => &["other", "pdu-size", "service-unsupported"],
            4 => &[
                "other",
                "object-undefined",
                "object-class-inconsistent",
                "object-attribute-inconsistent",
            ],
            5 => &[
                "other",
                "scope-of-access-violated",
                "object-access-invalid",
                "hardware-fault",
                "object-unavailable",
            ],
            6 => &[
                "other",
                "dlms-version-too-low",
                "incompatible-conformance",
                "pdu-size-too-short",
                "refused-by-the-vde-handler",
            ],
            7 => &[
                "other",
                "primitive-out-of-sequence",
                "not-loadable",
                "dataset-size-too-large",
                "not-awaited-segment",
                "interpretation-failure",
                "storage-failure",
                "data-set-not-ready",
            ],
            9 => &[
                "other",
                "no-remote-control",
                "ti-stopped",
                "ti-running",
                "ti-unusable",
            ],
            _ => &[],
        };
        let i = self.value as usize;
        if i < names.len() {
            // `i < names.len()` was just checked.
            #[allow(clippy::indexing_slicing)]
            Some(names[i])
        } else {
            None
        }
    }
}

/// ConfirmedServiceError (tag 0x0E): a server's refusal of an initiate, read or write request,
/// e.g. `0E 01 06 01` = initiate error, initiate, dlms-version-too-low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfirmedServiceError {
    /// The service that failed.
    pub service: ConfirmedService,
    /// Why.
    pub error: ServiceError,
}

impl ConfirmedServiceError {
    /// The APDU tag.
    pub const TAG: u8 = 0x0E;

    /// Decodes the APDU that fills `bytes`.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] for another APDU; truncation; trailing bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        expect_tag(&mut r, Self::TAG, "confirmed-service-error")?;
        let v = Self::read_body(&mut r, &Limits::DEFAULT)?;
        r.finish("confirmed-service-error")?;
        Ok(v)
    }

    pub(crate) fn read_body(r: &mut Reader<'_>, _limits: &Limits) -> Result<Self> {
        Ok(Self {
            service: ConfirmedService(r.u8("confirmed-service-error")?),
            error: ServiceError {
                class: ServiceErrorClass(r.u8("service-error")?),
                value: r.u8("service-error value")?,
            },
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put(&[
            Self::TAG,
            self.service.0,
            self.error.class.0,
            self.error.value,
        ])
    }
}

pub(crate) fn expect_tag(r: &mut Reader<'_>, tag: u8, field: &'static str) -> Result<()> {
    let at = r.offset();
    let found = r.u8("apdu")?;
    if found == tag {
        Ok(())
    } else {
        Err(Error::UnknownTag {
            field,
            tag: found,
            offset: at,
        })
    }
}

encode_via_write_static!(ExceptionResponse, ConfirmedServiceError);
