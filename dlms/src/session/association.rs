//! The association's own objects and security steps, built from the APDU types so that neither
//! a head-end nor a meter hand-rolls bytes (Green Book 9.2.7.4 and 9.4.2; IEC 62056-5-3, the
//! ACSE services and the HLS authentication; IEC 62056-6-2, Association LN and Security setup):
//!
//! - the authentication fields of the AARQ (pass 1: mechanism name, calling-authentication
//!   value with the password or the challenge CtoS, calling-AP-title) and of the AARE (pass 2:
//!   diagnostic authentication-required, StoC, responding-AP-title), both ways;
//! - pass 3, ACTION on the current association (Association LN, `0-0:40.0.0.255`, method 1
//!   `reply_to_HLS_authentication`) with f(StoC), and pass 4, its response with f(CtoS), both
//!   ways;
//! - the ExceptionResponse a server answers a refused ciphered APDU with (`D8 01 06 <expected
//!   IC>` for a replayed counter);
//! - Security setup (class 64) `key_transfer`: its parameter, parsed into
//!   [`SecurityContext::transfer_key`] calls ([`apply_key_transfer`]) and built for the client.
//!
//! The f() of each mechanism is [`crate::security::HlsSecret`] (or [`SecurityContext::hls_gmac_respond`]
//! and [`SecurityContext::hls_gmac_verify`] for HLS-GMAC with the context's keys).
//!
//! A whole HLS-SHA256 association, both sides:
//!
//! ```
//! use dlms::apdu::{Aare, Aarq, ActionRequest, ActionResponse, ApplicationContextName,
//!                  AssociationResult, InvokeIdAndPriority, MechanismName, ResultSourceDiagnostic,
//!                  AcseServiceUser};
//! use dlms::axdr::Encode;
//! use dlms::session::association::{self, AarqAuthentication};
//! use dlms::security::{Exchange, HlsSecret, SystemTitle};
//! let (client, meter) = (SystemTitle::new(*b"MMM\0\0\0\0\x01"), SystemTitle::new(*b"MMM\0\0\xBC\x61\x4E"));
//! let secret = HlsSecret::Sha256 { secret: b"12345678" };
//! let (ctos, stoc) = (b"K56iVagY", b"P6wRJ21F"); // from each side's RNG (Challenge::generate)
//! let invoke = InvokeIdAndPriority::new(1, true, true);
//!
//! // Pass 1, client: the AARQ.
//! let aarq = association::authenticate_aarq(
//!     Aarq::new(ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(), None),
//!     MechanismName::HLS_SHA256, ctos, Some(client.as_bytes()));
//! let aarq_bytes = aarq.to_vec()?;
//! // Pass 2, meter: reads the AARQ, answers with its challenge.
//! let AarqAuthentication { mechanism, value, calling_title } =
//!     association::aarq_authentication(&Aarq::parse(&aarq_bytes)?)?;
//! assert_eq!((mechanism, calling_title), (MechanismName::HLS_SHA256, Some(client)));
//! let aare = association::authenticate_aare(
//!     Aare::new(ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(), AssociationResult::ACCEPTED,
//!               ResultSourceDiagnostic::User(AcseServiceUser::NULL), None),
//!     MechanismName::HLS_SHA256, stoc, Some(meter.as_bytes()));
//! let aare_bytes = aare.to_vec()?;
//! // Pass 3, client: f(StoC) in the ACTION request.
//! let got = association::aare_authentication(&Aare::parse(&aare_bytes)?)?;
//! let client_view = Exchange { own_title: &client, peer_title: &meter, own_challenge: ctos, peer_challenge: got.value };
//! let f_stoc = secret.respond(&client_view, 0)?;
//! let request = association::reply_to_hls_request(invoke, f_stoc.as_bytes()).to_vec()?;
//! // Pass 4, meter: checks f(StoC), answers f(CtoS).
//! let meter_view = Exchange { own_title: &meter, peer_title: &client, own_challenge: stoc, peer_challenge: value };
//! let request = ActionRequest::parse(&request)?;
//! let f_stoc = association::reply_to_hls_of(&request).unwrap();
//! secret.verify(&meter_view, f_stoc)?;
//! let f_ctos = secret.respond(&meter_view, 0)?;
//! let response = association::reply_to_hls_response(invoke, Some(f_ctos.as_bytes())).to_vec()?;
//! // The client checks f(CtoS): the association is authenticated.
//! let f_ctos = association::hls_reply_of(&ActionResponse::parse(&response)?)?;
//! secret.verify(&client_view, f_ctos)?;
//! # Ok::<(), dlms::Error>(())
//! ```

use obis::ObisCode;

use crate::apdu::{
    Aare, Aarq, AcseServiceUser, ActionRequest, ActionResponse, ActionResponseItem, ActionResult,
    AuthenticationValue, BerBitString, ExceptionResponse, ExceptionServiceError, GetDataResult,
    InvokeIdAndPriority, MechanismName, MethodDescriptor, ResultSourceDiagnostic, StateError, Tlv,
};
use crate::axdr::{Data, Sink, SliceSink, put_length};
use crate::security::{Key, SecurityContext, WRAPPED_KEY_256_LEN, unwrap_key, wrap_key};
use crate::wire::KeyId;
use crate::wire::SystemTitle;
use crate::{Error, Result};

/// The logical name of the current association: Association LN `0-0:40.0.0.255`.
pub const CURRENT_ASSOCIATION: ObisCode = ObisCode::new(0, 0, 40, 0, 0, 255);
/// The Association LN interface class.
pub const ASSOCIATION_LN_CLASS: u16 = 15;
/// Association LN method 1, `reply_to_HLS_authentication`.
pub const REPLY_TO_HLS_AUTHENTICATION: i8 = 1;
/// The Security setup interface class.
pub const SECURITY_SETUP_CLASS: u16 = 64;
/// Security setup method 2, `key_transfer` (version 0: `global_key_transfer`).
pub const KEY_TRANSFER: i8 = 2;

/// The AARQ `aarq` with the authentication fields of `mechanism` (pass 1): the
/// sender-acse-requirements with the authentication bit, the mechanism name, the
/// calling-authentication-value (the LLS password or the HLS challenge CtoS) and, when given,
/// the client system title as calling-AP-title (needed for ciphering and HLS 5 to 7).
#[must_use]
pub fn authenticate_aarq<'a>(
    aarq: Aarq<'a>,
    mechanism: MechanismName,
    value: &'a [u8],
    calling_title: Option<&'a [u8; 8]>,
) -> Aarq<'a> {
    let calling_ap_title = match calling_title {
        Some(t) => Some(Tlv::octet_string(t)),
        None => aarq.calling_ap_title,
    };
    Aarq {
        sender_acse_requirements: Some(BerBitString::FIRST_BIT),
        mechanism_name: mechanism.oid(),
        calling_authentication_value: Some(AuthenticationValue::charstring(value)),
        calling_ap_title,
        ..aarq
    }
}

/// The AARE `aare` answering an HLS AARQ (pass 2): result source diagnostic
/// authentication-required (14), the responder-acse-requirements, the mechanism name, the
/// challenge StoC as responding-authentication-value and, when given, the server system title
/// as responding-AP-title. The association becomes usable after pass 4.
#[must_use]
pub fn authenticate_aare<'a>(
    aare: Aare<'a>,
    mechanism: MechanismName,
    stoc: &'a [u8],
    responding_title: Option<&'a [u8; 8]>,
) -> Aare<'a> {
    let responding_ap_title = match responding_title {
        Some(t) => Some(Tlv::octet_string(t)),
        None => aare.responding_ap_title,
    };
    Aare {
        result_source_diagnostic: ResultSourceDiagnostic::User(
            AcseServiceUser::AUTHENTICATION_REQUIRED,
        ),
        responder_acse_requirements: Some(BerBitString::FIRST_BIT),
        mechanism_name: mechanism.oid(),
        responding_authentication_value: Some(AuthenticationValue::charstring(stoc)),
        responding_ap_title,
        ..aare
    }
}

/// The authentication an AARQ or AARE asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AarqAuthentication<'a> {
    /// The mechanism (lowest-level-security when the APDU names none).
    pub mechanism: MechanismName,
    /// The password (LLS) or the challenge (CtoS in an AARQ, StoC in an AARE); empty when
    /// absent.
    pub value: &'a [u8],
    /// The peer's system title from the calling- (AARQ) or responding-AP-title (AARE).
    pub calling_title: Option<SystemTitle>,
}

fn authentication<'a>(
    mechanism: Option<crate::apdu::ObjectId<'a>>,
    value: Option<AuthenticationValue<'a>>,
    title: Option<Tlv<'a>>,
) -> Result<AarqAuthentication<'a>> {
    let mechanism = match mechanism {
        None => MechanismName::LOWEST_LEVEL_SECURITY,
        Some(oid) => oid.mechanism().ok_or(Error::InvalidValue {
            field: "mechanism-name",
            offset: 0,
        })?,
    };
    let value = match value {
        None => &[][..],
        Some(v) if v.tag == 0x80 => v.value,
        Some(v) => {
            return Err(Error::UnknownTag {
                field: "authentication-value",
                tag: v.tag,
                offset: 0,
            });
        }
    };
    if mechanism.is_hls() {
        crate::security::Challenge::from_slice(value)?;
    }
    let calling_title = match title {
        None => None,
        Some(t) if t.tag == 0x04 => Some(SystemTitle::from_slice(t.value)?),
        Some(t) => {
            return Err(Error::UnknownTag {
                field: "ap-title",
                tag: t.tag,
                offset: 0,
            });
        }
    };
    Ok(AarqAuthentication {
        mechanism,
        value,
        calling_title,
    })
}

/// What a server reads from an AARQ (pass 1): the mechanism, the password or CtoS, the client
/// system title.
///
/// # Errors
/// [`Error::InvalidValue`] for a mechanism name outside the DLMS arc; [`Error::UnknownTag`]
/// for an authentication value that is not a charstring or an AP-title that is not an OCTET
/// STRING; [`Error::ChallengeLength`] for an HLS challenge that is not 8 to 64 bytes;
/// [`Error::SystemTitleLength`].
pub fn aarq_authentication<'a>(aarq: &Aarq<'a>) -> Result<AarqAuthentication<'a>> {
    authentication(
        aarq.mechanism_name,
        aarq.calling_authentication_value,
        aarq.calling_ap_title,
    )
}

/// What a client reads from an AARE (pass 2): the mechanism, StoC, the server system title.
///
/// # Errors
/// As [`aarq_authentication`]; [`Error::AssociationRejected`] with the AARE's result and
/// diagnostic when the association was rejected (which is not always a wrong password).
pub fn aare_authentication<'a>(aare: &Aare<'a>) -> Result<AarqAuthentication<'a>> {
    if aare.result != crate::apdu::AssociationResult::ACCEPTED {
        let (diagnostic, by_provider) = match aare.result_source_diagnostic {
            ResultSourceDiagnostic::User(d) => (d.0, false),
            ResultSourceDiagnostic::Provider(d) => (d.0, true),
        };
        return Err(Error::AssociationRejected {
            result: aare.result.0,
            diagnostic,
            by_provider,
        });
    }
    authentication(
        aare.mechanism_name,
        aare.responding_authentication_value,
        aare.responding_ap_title,
    )
}

/// The method descriptor of `reply_to_HLS_authentication` on the current association.
#[must_use]
pub const fn reply_to_hls_method() -> MethodDescriptor {
    MethodDescriptor::new(
        ASSOCIATION_LN_CLASS,
        CURRENT_ASSOCIATION,
        REPLY_TO_HLS_AUTHENTICATION,
    )
}

/// Pass 3 (client): ACTION-Request-Normal on Association LN `0-0:40.0.0.255` method 1 with
/// f(StoC) as an octet-string.
#[must_use]
pub const fn reply_to_hls_request(invoke: InvokeIdAndPriority, f_stoc: &[u8]) -> ActionRequest<'_> {
    ActionRequest::Normal {
        invoke,
        method: reply_to_hls_method(),
        parameters: Some(Data::OctetString(f_stoc)),
    }
}

/// The f(StoC) of a pass-3 request (server side), `None` when the request is not a
/// `reply_to_HLS_authentication` with an octet-string.
#[must_use]
pub fn reply_to_hls_of<'a>(request: &ActionRequest<'a>) -> Option<&'a [u8]> {
    match request {
        ActionRequest::Normal {
            method,
            parameters: Some(Data::OctetString(f)),
            ..
        } if *method == reply_to_hls_method() => Some(f),
        _ => None,
    }
}

/// Pass 4 (server): ACTION-Response-Normal with f(CtoS) as the return parameter when the client's
/// f(StoC) verified, or `other-reason` without data when it did not (`None`). Meters differ in how
/// they refuse (a non-success result, or success without data); a client must treat anything but
/// success with an octet-string as a failure.
#[must_use]
pub const fn reply_to_hls_response(
    invoke: InvokeIdAndPriority,
    f_ctos: Option<&[u8]>,
) -> ActionResponse<'_> {
    let response = match f_ctos {
        Some(f) => ActionResponseItem {
            result: ActionResult::SUCCESS,
            return_parameters: Some(GetDataResult::Data(Data::OctetString(f))),
        },
        None => ActionResponseItem {
            result: ActionResult::OTHER_REASON,
            return_parameters: None,
        },
    };
    ActionResponse::Normal { invoke, response }
}

/// The f(CtoS) of a pass-4 response (client side), to check with
/// [`super::HlsSecret::verify`].
///
/// # Errors
/// [`Error::AuthenticationFailed`] when the server refused (any result but success, or no
/// octet-string).
pub fn hls_reply_of<'a>(response: &ActionResponse<'a>) -> Result<&'a [u8]> {
    match response {
        ActionResponse::Normal {
            response:
                ActionResponseItem {
                    result: ActionResult::SUCCESS,
                    return_parameters: Some(GetDataResult::Data(Data::OctetString(f))),
                },
            ..
        } => Ok(f),
        _ => Err(Error::AuthenticationFailed),
    }
}

/// The ExceptionResponse a server answers a ciphered APDU it refused with (Green Book 9.5;
/// GuruxDLMS.c `svr_generateExceptionResponse`), or `None` for errors that are not about the
/// protection:
///
/// - a replayed or stale invocation counter ([`Error::Replay`]): `D8 01 06 <the counter
///   expected next>` (service-not-allowed, invocation-counter-error);
/// - any other failure to unprotect (wrong tag, key, title, suite, protection, signature):
///   `D8 01 05` (service-not-allowed, deciphering-error).
///
/// A client must not resynchronise its counter from such a response without authenticating
/// it (dlms-cosem-rs `xdlms/error.rs` gives the same advice).
///
/// ```
/// use dlms::apdu::ExceptionResponse;
/// use dlms::axdr::Encode;
/// let e = dlms::session::association::exception_response(&dlms::Error::Replay { counter: 5, last: 9 }).unwrap();
/// assert_eq!(e.to_vec()?, [0xD8, 0x01, 0x06, 0x00, 0x00, 0x00, 0x0A]);
/// # Ok::<(), dlms::Error>(())
/// ```
#[must_use]
pub fn exception_response(error: &Error) -> Option<ExceptionResponse> {
    let (service_error, invocation_counter) = match *error {
        Error::Replay { last, .. } => (
            ExceptionServiceError::INVOCATION_COUNTER_ERROR,
            Some(last.saturating_add(1)),
        ),
        Error::TagMismatch
        | Error::WrongSystemTitle { .. }
        | Error::SystemTitleLength { .. }
        | Error::MissingSystemTitle
        | Error::UnsupportedSuite { .. }
        | Error::SuiteNotAccepted { .. }
        | Error::KeySize { .. }
        | Error::MissingKey { .. }
        | Error::CompressionUnsupported { .. }
        | Error::ProtectionNotAccepted { .. }
        | Error::KeyUnwrap
        | Error::KeyInfoUnsupported { .. }
        | Error::BadSignature
        | Error::BadEcKey => (ExceptionServiceError::DECIPHERING_ERROR, None),
        _ => return None,
    };
    Some(ExceptionResponse {
        state_error: StateError::SERVICE_NOT_ALLOWED,
        service_error,
        invocation_counter,
    })
}

/// The entries of a Security setup `key_transfer` parameter, `array of structure { key_id
/// enum, key_wrapped octet-string }` (Gurux.DLMS.Python `globalKeyTransfer`), in order.
///
/// # Errors
/// [`Error::InvalidValue`] (field `key_transfer`) when the parameter does not have that shape;
/// each entry is checked as it is reached.
pub fn key_transfer_entries<'a>(
    parameter: &Data<'a>,
) -> Result<impl Iterator<Item = Result<(KeyId, &'a [u8])>> + 'a> {
    let Data::Array(entries) = parameter else {
        return Err(bad_key_transfer());
    };
    Ok(entries.iter().map(|entry| {
        let Data::Structure(fields) = entry else {
            return Err(bad_key_transfer());
        };
        match (fields.len(), fields.get(0), fields.get(1)) {
            (2, Some(Data::Enum(id)), Some(Data::OctetString(wrapped))) => Ok((KeyId(id), wrapped)),
            _ => Err(bad_key_transfer()),
        }
    }))
}

const fn bad_key_transfer() -> Error {
    Error::InvalidValue {
        field: "key_transfer",
        offset: 0,
    }
}

/// Applies a Security setup `key_transfer` (method 2) parameter to `context` (server side):
/// unwraps
/// every key with the master key (RFC 3394) and installs them with
/// [`SecurityContext::transfer_key`]. All or nothing: every entry is checked before any
/// key changes. Returns how many keys were installed. Changing the global unicast or
/// broadcast key does not reset its counters (the invocation counters belong to the
/// sender and must keep increasing).
///
/// # Errors
/// [`Error::InvalidValue`] for a malformed parameter; [`Error::MissingKey`] without a master
/// key; [`Error::KeyUnwrap`]; [`Error::KeySize`]; [`Error::InvalidArgument`] for a key id
/// outside 0..=3.
pub fn apply_key_transfer(context: &mut SecurityContext, parameter: &Data<'_>) -> Result<usize> {
    let master = context.required_master_key()?;
    let mut count = 0usize;
    for entry in key_transfer_entries(parameter)? {
        let (id, wrapped) = entry?;
        if id.name().is_none() {
            return Err(Error::InvalidArgument {
                what: "unknown key id",
            });
        }
        unwrap_key(master, wrapped)?.check_suite(context.suite())?;
        count += 1;
    }
    for entry in key_transfer_entries(parameter)? {
        let (id, wrapped) = entry?;
        context.transfer_key(id, wrapped)?;
    }
    Ok(count)
}

/// Builds a Security setup `key_transfer` parameter (client side): every key wrapped with the
/// master key `kek` (RFC 3394), as `array of structure { enum key_id, octet-string }` in
/// `out`; returns its length. Send it with [`key_transfer_request`].
///
/// # Errors
/// [`Error::BufferTooSmall`] when `out` cannot hold it.
///
/// ```
/// use dlms::axdr::Data;
/// use dlms::security::{Key, KeyId, SecurityContext, SecuritySuite, SystemTitle};
/// use dlms::session::association::{apply_key_transfer, key_transfer_parameter, key_transfer_request};
/// let kek = Key::aes128([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
///                        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]);
/// let new_ek = Key::aes128([0x11; 16]);
/// let mut param = [0u8; 64];
/// let n = key_transfer_parameter(&kek, &[(KeyId::GLOBAL_UNICAST_ENCRYPTION, &new_ek)], &mut param)?;
/// assert_eq!(param[..7], [0x01, 0x01, 0x02, 0x02, 0x16, 0x00, 0x09]);
/// // The meter installs it.
/// let mut meter = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new([1; 8]))?;
/// meter.set_key(KeyId::MASTER, kek)?;
/// assert_eq!(apply_key_transfer(&mut meter, &Data::parse(&param[..n])?)?, 1);
/// # Ok::<(), dlms::Error>(())
/// ```
pub fn key_transfer_parameter(kek: &Key, keys: &[(KeyId, &Key)], out: &mut [u8]) -> Result<usize> {
    let mut sink = SliceSink::new(out);
    sink.put_u8(0x01)?;
    put_length(&mut sink, keys.len())?;
    let mut wrapped = [0u8; WRAPPED_KEY_256_LEN];
    for (id, key) in keys {
        sink.put(&[0x02, 0x02, 0x16, id.0, 0x09])?;
        let w = wrap_key(kek, key, &mut wrapped)?;
        put_length(&mut sink, w.len())?;
        sink.put(w)?;
    }
    Ok(sink.len())
}

/// The ACTION-Request invoking `key_transfer` on the Security setup object `security_setup`
/// (usually `0-0:43.0.x.255`) with `parameter` ([`key_transfer_parameter`], decoded).
#[must_use]
pub const fn key_transfer_request<'a>(
    invoke: InvokeIdAndPriority,
    security_setup: ObisCode,
    parameter: Data<'a>,
) -> ActionRequest<'a> {
    ActionRequest::Normal {
        invoke,
        method: MethodDescriptor::new(SECURITY_SETUP_CLASS, security_setup, KEY_TRANSFER),
        parameters: Some(parameter),
    }
}
