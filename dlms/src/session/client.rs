//! The client (head-end) side of an association (IEC 62056-5-3, the DLMS/COSEM application
//! layer): associate, read, write, invoke, release, and receive pushes.
//!
//! [`Client`] is sans-IO. Every request is built into the caller's buffer, protected there when
//! the association is ciphered, and returned as a length; every APDU received is handed to
//! [`Client::handle_apdu`] in the caller's buffer (mutable, because a ciphered APDU is
//! decrypted where it lies) and comes back as an [`Event`] that borrows it, or a typed
//! [`ClientError`]. Nothing is allocated; the time is passed in ([`Instant`]) and the HLS
//! challenge comes from the caller's `rand_core::CryptoRng`.
//!
//! Scope: logical-name referencing only (application contexts 1 and 3). Short-name
//! referencing (contexts 2 and 4, ReadRequest/WriteRequest) is not supported by this client.
//!
//! - Association (IEC 62056-5-3, the ACSE services and xDLMS initiate; Green Book 9.4.2):
//!   [`Client::associate`] builds the AARQ (application context, mechanism name,
//!   calling-authentication-value, calling-AP-title, the InitiateRequest in clear or as a
//!   glo-initiate-request); the AARE is checked for result and diagnostic
//!   ([`ClientError::Rejected`]), and its InitiateResponse (possibly ciphered) gives the
//!   negotiated conformance and the server's maximum receive PDU size ([`AssociationInfo`]).
//! - HLS (mechanisms 2 to 7; Green Book 9.2.7.4): after an AARE with diagnostic
//!   authentication-required, [`Event::AuthenticationRequired`]; [`Client::hls_reply`] sends
//!   pass 3 (ACTION `reply_to_HLS_authentication` on `0-0:40.0.0.255` with f(StoC)), and the
//!   response is pass 4: f(CtoS) is checked before [`Event::Associated`].
//! - GET, SET, ACTION (IEC 62056-5-3, the xDLMS services; Green Book 9.5), with the service
//!   block transfer of GET ([`Event::Block`], [`Client::next_block`]; stream the blocks or
//!   collect them with [`BlockCollector`]) and of SET ([`Client::set`] splits a value larger
//!   than the server's maximum receive PDU size; [`Client::next_set_block`]).
//! - General block transfer (IEC 62056-5-3, GBT) when [`ClientConfig::gbt_window`] is set and
//!   the association negotiated it (in clear): each request goes in one GBT block, and a
//!   long GET answer streams in blocks as [`Event::Block`]s of its value, a window at a time.
//!   After each block, [`Client::next_block`] gives the acknowledgement to send when one is due
//!   (0 bytes while the server streams on: over HDLC, call the link's `expect_more` so that it
//!   polls); a block out of order makes the acknowledgement of the last one in sequence due,
//!   and a timeout asks again ([`GBT_RETRIES`]), so that lost blocks are sent again.
//! - Release (RLRQ/RLRE), pushes ([`Event::DataNotification`], [`Event::EventNotification`]),
//!   pushes in general block transfer with [`reassemble_gbt`], and a timer per request
//!   ([`Client::poll_timeout`], [`Client::handle_timeout`]).
//!
//! The invocation counters live in the [`SecurityContext`] the client owns: persist them with
//! [`Client::security`] and [`SecurityContext::counters`], restore them with
//! [`Client::security_mut`] and [`SecurityContext::set_counters`].
//!
//! A whole exchange without security, the server's side built from the APDU types:
//!
//! ```
//! use dlms::apdu::{Aare, AcseServiceUser, ApplicationContextName, AssociationResult,
//!                  AttributeDescriptor, Conformance, GetDataResult, GetResponse,
//!                  InitiateResponse, ConformanceTag, ResultSourceDiagnostic, UserInformation};
//! use dlms::axdr::{Data, Encode};
//! use dlms::link::Instant;
//! use dlms::session::Authentication;
//! use dlms::session::client::{Client, ClientConfig, Event};
//! # struct Rng;
//! # impl rand_core::TryRng for Rng {
//! #     type Error = core::convert::Infallible;
//! #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(0) }
//! #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { Ok(0) }
//! #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(0x5A); Ok(()) }
//! # }
//! # impl rand_core::TryCryptoRng for Rng {}
//! let mut client = Client::new(ClientConfig::new(Authentication::None), None)?;
//! let mut out = [0u8; 256];
//! let now = Instant::from_millis(0);
//!
//! // The AARQ goes out...
//! let n = client.associate(now, &mut Rng, &mut out)?;
//! assert_eq!(out[0], 0x60);
//! // ... and the meter accepts.
//! let initiate = InitiateResponse {
//!     negotiated_quality_of_service: None,
//!     negotiated_dlms_version_number: 6,
//!     negotiated_conformance: Conformance(0x00_1E1D),
//!     conformance_tag: ConformanceTag::Standard,
//!     server_max_receive_pdu_size: 0x04C8,
//!     vaa_name: 7,
//! };
//! let aare = Aare::new(ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
//!     AssociationResult::ACCEPTED, ResultSourceDiagnostic::User(AcseServiceUser::NULL),
//!     Some(UserInformation::InitiateResponse(initiate)));
//! let mut response = [0u8; 64];
//! let m = aare.emit(&mut response)?;
//! let Event::Associated(info) = client.handle_apdu(&mut response[..m])? else { panic!() };
//! assert_eq!(info.server_max_receive_pdu_size, 0x04C8);
//!
//! // GET Register 1-0:1.8.0.255 attribute 2.
//! let energy = AttributeDescriptor::new(3, obis::ObisCode::new(1, 0, 1, 8, 0, 255), 2);
//! let n = client.get(now, energy, None, &mut out)?;
//! assert_eq!(&out[..n], [0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 0xFF, 0x02, 0x00]);
//! let mut response = [0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x13, 0x91];
//! let event = client.handle_apdu(&mut response)?;
//! assert_eq!(event, Event::Value { attribute: energy, value: Data::DoubleLongUnsigned(5009) });
//! # Ok::<(), dlms::session::client::ClientError>(())
//! ```

use core::fmt;

use rand_core::CryptoRng;

use super::Authentication;
use super::association;
use crate::Error;
use crate::apdu::{
    Aare, Aarq, AcseServiceUser, ActionRequest, ActionResponse, ActionResult, Apdu,
    ApplicationContextName, AssociationResult, AttributeDescriptor, AttributeWithSelection,
    BlockResult, CipheredApdu, ConfirmedServiceError, Conformance, DataAccessResult, DataBlock,
    DataNotification, EventNotification, ExceptionResponse, GeneralBlockTransfer, GetDataResult,
    GetRequest, GetResponse, InitiateRequest, InitiateResponse, InvokeIdAndPriority, List,
    MethodDescriptor, ReleaseRequestReason, ReleaseResponseReason, ResultSourceDiagnostic, Rlre,
    Rlrq, SelectiveAccess, SetRequest, SetResponse, Tlv, UserInformation, plain_tag_of,
};
use crate::axdr::{Data, Encode};
use crate::gbt::{GbtReassembler, GbtStatus};
use crate::link::{Duration, Instant};
use crate::security::{
    Challenge, Ciphering, Counters, EnvelopeKind, Exchange, Key, Protection, SecurityContext,
    SecurityControl, SystemTitle,
};

/// Room for the InitiateRequest of an AARQ or RLRQ, ciphered: the request with a 32-byte
/// dedicated key is 45 bytes, the envelope adds at most 19.
const USER_INFORMATION_MAX: usize = 96;

/// How the client associates and what it proposes (IEC 62056-5-3, the xDLMS initiate service;
/// Green Book 9.4.2). Logical-name referencing only.
///
/// ```
/// use dlms::apdu::Conformance;
/// use dlms::session::Authentication;
/// use dlms::session::client::ClientConfig;
/// let mut config = ClientConfig::new(Authentication::Lls { password: b"12345678" });
/// config.conformance = Conformance(0x00_7E1F);
/// config.max_receive_pdu_size = 1200;
/// assert_eq!(config.invoke_id, 1);
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ClientConfig<'a> {
    /// The authentication mechanism and its secret.
    pub authentication: Authentication<'a>,
    /// `None`: no ciphering (application context Logical_Name_Referencing_No_Ciphering).
    /// `Some`: every xDLMS APDU is protected (context Logical_Name_Referencing_With_Ciphering)
    /// with the global or the dedicated key of the client's [`SecurityContext`]. The AARQ's
    /// InitiateRequest always uses the global key.
    pub ciphering: Option<Ciphering>,
    /// The protection applied when ciphering (default authenticated and encrypted).
    pub protection: Protection,
    /// A dedicated key sent in the (ciphered) InitiateRequest, 16 or 32 bytes; needed for
    /// [`Ciphering::Dedicated`].
    pub dedicated_key: Option<&'a [u8]>,
    /// The client system title for the calling-AP-title when there is no security context
    /// (HLS mechanisms 2 to 4 and 6 without ciphering). With a security context its own title
    /// is used.
    pub system_title: Option<SystemTitle>,
    /// The proposed conformance block (default `0x007E1F`).
    pub conformance: Conformance,
    /// client-max-receive-pdu-size (default `0xFFFF`).
    pub max_receive_pdu_size: u16,
    /// The invoke id of the first request (0 to 15); each new request takes the next one.
    pub invoke_id: u8,
    /// The priority bit of invoke-id-and-priority (default high).
    pub high_priority: bool,
    /// The service-class bit of invoke-id-and-priority (default confirmed).
    pub confirmed: bool,
    /// The length of the HLS challenge CtoS, 8 to 64 bytes (default 16).
    pub challenge_len: usize,
    /// How long to wait for each response (default 10 s).
    pub timeout: Duration,
    /// `Some(window)`: send requests in general block transfer (IEC 62056-5-3, GBT), taking up
    /// to `window` blocks of a response before acknowledging them, when the association
    /// negotiated general-block-transfer and is not ciphered; the server then answers in GBT.
    /// `None` (default): the service-specific block transfer.
    pub gbt_window: Option<u8>,
}

impl fmt::Debug for ClientConfig<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password, the secret or the dedicated key.
        f.debug_struct("ClientConfig")
            .field("authentication", &self.authentication)
            .field("ciphering", &self.ciphering)
            .field("protection", &self.protection)
            .field("dedicated_key", &self.dedicated_key.map(|_| "..."))
            .field("system_title", &self.system_title)
            .field("conformance", &self.conformance)
            .field("max_receive_pdu_size", &self.max_receive_pdu_size)
            .field("invoke_id", &self.invoke_id)
            .field("high_priority", &self.high_priority)
            .field("confirmed", &self.confirmed)
            .field("challenge_len", &self.challenge_len)
            .field("timeout", &self.timeout)
            .field("gbt_window", &self.gbt_window)
            .finish()
    }
}

impl<'a> ClientConfig<'a> {
    /// A configuration with `authentication`, no ciphering, conformance `0x007E1F`, maximum
    /// receive PDU size `0xFFFF`, invoke id 1 with high priority and confirmed service class
    /// (`0xC1`), a 16-byte challenge and a timeout of 10 s.
    #[must_use]
    pub const fn new(authentication: Authentication<'a>) -> Self {
        Self {
            authentication,
            ciphering: None,
            protection: Protection::AuthenticatedEncrypted,
            dedicated_key: None,
            system_title: None,
            conformance: Conformance(0x00_7E1F),
            max_receive_pdu_size: 0xFFFF,
            invoke_id: 1,
            high_priority: true,
            confirmed: true,
            challenge_len: 16,
            timeout: Duration::from_secs(10),
            gbt_window: None,
        }
    }
}

/// A response arriving in general block transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GbtRx {
    /// The block expected next.
    expected: u16,
    /// Blocks taken since the last acknowledgement.
    since_ack: u8,
    /// An acknowledgement is due (the window is full, the server stopped streaming, or a block
    /// came out of order).
    ack_due: bool,
    /// Timeouts in a row that asked again for the missing blocks.
    retries: u8,
}

/// How many times a timeout in general block transfer asks again for the missing blocks
/// before the request fails.
pub const GBT_RETRIES: u8 = 3;

/// Where the association is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssociationState {
    /// No association: [`Client::associate`] starts one.
    Idle,
    /// The AARQ is out; waiting for the AARE.
    Associating,
    /// The AARE asked for HLS: [`Client::hls_reply`] sends pass 3, whose response is pass 4.
    Authenticating,
    /// The association is usable.
    Associated,
    /// The RLRQ is out; waiting for the RLRE.
    Releasing,
}

/// What the server granted (IEC 62056-5-3, the xDLMS InitiateResponse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssociationInfo {
    /// The negotiated conformance block.
    pub conformance: Conformance,
    /// The largest APDU the server accepts (0: no limit).
    pub server_max_receive_pdu_size: u16,
    /// The vaa-name (0x0007 for LN referencing).
    pub vaa_name: u16,
    /// The server system title from the responding-AP-title, when it sent one.
    pub server_title: Option<SystemTitle>,
}

/// What a request or an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The association (AARQ/AARE, HLS pass 3 and 4).
    Association,
    /// One attribute (GET, SET).
    Attribute(AttributeDescriptor),
    /// A GET with a list of this many attributes.
    Attributes {
        /// How many attributes were asked for.
        count: usize,
    },
    /// One method (ACTION).
    Method(MethodDescriptor),
    /// The release (RLRQ/RLRE).
    Release,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Association => f.write_str("the association"),
            Target::Attribute(a) => write!(
                f,
                "class {} {} attribute {}",
                a.class_id, a.instance_id, a.attribute_id
            ),
            Target::Attributes { count } => write!(f, "a list of {count} attributes"),
            Target::Method(m) => write!(
                f,
                "class {} {} method {}",
                m.class_id, m.instance_id, m.method_id
            ),
            Target::Release => f.write_str("the release"),
        }
    }
}

/// Everything that can go wrong in a client session. Faults of the server name the object the
/// request was about; decoding and security failures are [`ClientError::Apdu`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The APDU could not be decoded or unprotected, or a buffer or argument was wrong: the
    /// crate's error with its field and offset.
    #[error(transparent)]
    Apdu(#[from] Error),
    /// The server rejected the association (AARE result other than accepted). This is not
    /// necessarily a wrong password: the diagnostic says why.
    #[error("association {result}, diagnostic {diagnostic:?}")]
    Rejected {
        /// rejected-permanent or rejected-transient.
        result: AssociationResult,
        /// The result-source-diagnostic.
        diagnostic: ResultSourceDiagnostic,
        /// The ConfirmedServiceError of the user-information, when the AARE carried one.
        service_error: Option<ConfirmedServiceError>,
    },
    /// HLS pass 4: the server refused our f(StoC) (an action-result other than success, or no
    /// f(CtoS)).
    #[error("the server refused our HLS response ({result})")]
    HlsRefused {
        /// The action-result of the pass-4 response.
        result: ActionResult,
    },
    /// HLS pass 4: the server's f(CtoS) is wrong; the server is not authenticated.
    #[error("the server's answer to our challenge is wrong")]
    ServerNotAuthenticated,
    /// A GET or SET, or the return value of an ACTION, failed with a data-access-result.
    #[error("{target}: {result}")]
    DataAccess {
        /// The object.
        target: Target,
        /// The data-access-result.
        result: DataAccessResult,
    },
    /// An ACTION failed with an action-result.
    #[error("class {} {} method {}: {result}", method.class_id, method.instance_id, method.method_id)]
    Action {
        /// The method.
        method: MethodDescriptor,
        /// The action-result.
        result: ActionResult,
    },
    /// The server answered with a ConfirmedServiceError.
    #[error("{target}: confirmed-service-error {error:?}")]
    ServiceError {
        /// What the request was about.
        target: Target,
        /// The error.
        error: ConfirmedServiceError,
    },
    /// The server answered with an ExceptionResponse (`target` is `None` when no request was
    /// waiting). An invocation-counter-error carries the counter the server expects; it is
    /// not authenticated, so the client does not resynchronise from it.
    #[error("exception-response {exception:?} (about {target:?})")]
    Exception {
        /// What the request waiting was about.
        target: Option<Target>,
        /// The exception.
        exception: ExceptionResponse,
    },
    /// A response's invoke id is not the request's. The request still waits.
    #[error("{target}: response with invoke id {found}, request had {expected}")]
    InvokeIdMismatch {
        /// What the request waiting is about.
        target: Target,
        /// The request's invoke id.
        expected: u8,
        /// The response's.
        found: u8,
    },
    /// A response came when no request was waiting for one.
    #[error("{apdu} answers no request")]
    Unsolicited {
        /// The APDU received.
        apdu: &'static str,
    },
    /// A response of another service or variant than the request waiting asks for.
    #[error("{target}: expected {expected}, received {found}")]
    UnexpectedApdu {
        /// What the request is about.
        target: Target,
        /// What was expected.
        expected: &'static str,
        /// What came.
        found: &'static str,
    },
    /// A block transfer went out of sequence.
    #[error("{target}: block {found} where block {expected} was due")]
    BlockNumber {
        /// What the transfer is about.
        target: Target,
        /// The block number due.
        expected: u32,
        /// The block number received.
        found: u32,
    },
    /// No response came in time; the request is dropped.
    #[error("{target}: no response in time")]
    Timeout {
        /// What the request was about.
        target: Target,
    },
    /// A response came in clear in a ciphered association.
    #[error("{apdu} in clear in a ciphered association")]
    NotProtected {
        /// The APDU received.
        apdu: &'static str,
    },
    /// The service was not negotiated in the conformance block.
    #[error("{service} was not negotiated")]
    NotNegotiated {
        /// The conformance bit missing.
        service: &'static str,
    },
    /// The request does not fit the server's maximum receive PDU size.
    #[error("APDU of {len} bytes exceeds the server's maximum of {max}")]
    PduTooLong {
        /// The APDU length.
        len: usize,
        /// The server's maximum receive PDU size.
        max: usize,
    },
    /// The call does not fit the state of the session (caller error): a request while another
    /// waits, before the association, or a continuation of a transfer that is not in progress.
    #[error("not now: {what}")]
    State {
        /// What was wrong.
        what: &'static str,
    },
}

/// What a received APDU meant.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Event<'b> {
    /// The association is usable (after the AARE, or after HLS pass 4).
    Associated(AssociationInfo),
    /// The AARE asks for HLS: send pass 3 with [`Client::hls_reply`].
    AuthenticationRequired,
    /// GET-Response-Normal: the value.
    Value {
        /// The attribute read.
        attribute: AttributeDescriptor,
        /// Its value.
        value: Data<'b>,
    },
    /// GET-Response-With-List: one result per attribute, in the order asked (each a value or
    /// a data-access-result).
    Values {
        /// The results.
        results: List<'b, GetDataResult<'b>>,
    },
    /// GET-Response-With-Datablock: one block of the encoded value (of the list of results for
    /// a GET with a list). Unless `last`, ask for the next with [`Client::next_block`].
    Block {
        /// What is read.
        target: Target,
        /// The block number, from 1.
        block_number: u32,
        /// Whether this is the last block.
        last: bool,
        /// This block's part of the A-XDR encoding.
        raw_data: &'b [u8],
    },
    /// SET succeeded.
    Set {
        /// The attribute written.
        attribute: AttributeDescriptor,
    },
    /// SET with blocks: the server took this block; send the next with
    /// [`Client::next_set_block`].
    SetBlockAccepted {
        /// The attribute being written.
        attribute: AttributeDescriptor,
        /// The block acknowledged.
        block_number: u32,
    },
    /// ACTION succeeded.
    Action {
        /// The method invoked.
        method: MethodDescriptor,
        /// Its return value, if any.
        return_value: Option<Data<'b>>,
    },
    /// The association is released (RLRE).
    Released {
        /// The RLRE reason, if any.
        reason: Option<ReleaseResponseReason>,
    },
    /// A DataNotification push (unprotected when it came ciphered).
    DataNotification(DataNotification<'b>),
    /// An EventNotification push (unprotected when it came ciphered).
    EventNotification(EventNotification<'b>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Associate,
    Hls,
    /// `list`: 0 for a GET normal; `blocks`: the last block received.
    Get {
        target: Target,
        list: usize,
        blocks: u32,
    },
    /// `sent`: the last block sent (0 for a SET normal); `offset`: bytes of the value sent.
    Set {
        attribute: AttributeDescriptor,
        sent: u32,
        offset: usize,
        total: usize,
        chunk: usize,
    },
    Action {
        method: MethodDescriptor,
    },
    Release,
}

impl Kind {
    const fn target(&self) -> Target {
        match *self {
            Kind::Associate | Kind::Hls => Target::Association,
            Kind::Get { target, .. } => target,
            Kind::Set { attribute, .. } => Target::Attribute(attribute),
            Kind::Action { method } => Target::Method(method),
            Kind::Release => Target::Release,
        }
    }

    const fn expected(&self) -> &'static str {
        match self {
            Kind::Associate => "aare",
            Kind::Hls | Kind::Action { .. } => "action-response",
            Kind::Get { .. } => "get-response",
            Kind::Set { .. } => "set-response",
            Kind::Release => "rlre",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    invoke: InvokeIdAndPriority,
    /// `None` while a block transfer waits for the caller.
    deadline: Option<Instant>,
    kind: Kind,
}

/// A DLMS/COSEM client association: see the [module documentation](self).
pub struct Client<'a> {
    config: ClientConfig<'a>,
    security: Option<SecurityContext>,
    state: AssociationState,
    info: Option<AssociationInfo>,
    ctos: Option<Challenge>,
    stoc: Option<Challenge>,
    next_invoke: u8,
    pending: Option<Pending>,
    /// The invocation counter of the ciphered APDU being handled (`None`: it came in clear).
    envelope_counter: Option<u32>,
    /// The response to the request in flight, when it comes in general block transfer.
    gbt_rx: Option<GbtRx>,
}

impl fmt::Debug for Client<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("security", &self.security)
            .field("state", &self.state)
            .field("info", &self.info)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

const fn no_context() -> ClientError {
    ClientError::Apdu(Error::MissingKey {
        key: "security context",
    })
}

const fn is_ciphered(tag: u8) -> bool {
    plain_tag_of(tag).is_some() || matches!(tag, 0xDB..=0xDD)
}

impl<'a> Client<'a> {
    /// A client with `config` and, for ciphering or HLS-GMAC, the security context holding the
    /// keys, the client system title (and the server's, when known in advance) and the
    /// invocation counters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when ciphering or HLS-GMAC is asked for without a security
    /// context, dedicated ciphering without a dedicated key, or a challenge length outside 8
    /// to 64.
    pub fn new(
        config: ClientConfig<'a>,
        security: Option<SecurityContext>,
    ) -> Result<Self, ClientError> {
        let needs_context = config.ciphering.is_some()
            || matches!(config.authentication, Authentication::HlsGmac)
            || config.dedicated_key.is_some();
        if needs_context && security.is_none() {
            return Err(Error::InvalidArgument {
                what: "ciphering, HLS-GMAC and a dedicated key need a security context",
            }
            .into());
        }
        if config.ciphering == Some(Ciphering::Dedicated) && config.dedicated_key.is_none() {
            return Err(Error::InvalidArgument {
                what: "dedicated ciphering needs a dedicated key",
            }
            .into());
        }
        if !(8..=64).contains(&config.challenge_len) {
            return Err(Error::InvalidArgument {
                what: "a challenge is 8 to 64 bytes long",
            }
            .into());
        }
        Ok(Self {
            next_invoke: config.invoke_id & 0x0F,
            config,
            security,
            state: AssociationState::Idle,
            info: None,
            ctos: None,
            stoc: None,
            pending: None,
            envelope_counter: None,
            gbt_rx: None,
        })
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &ClientConfig<'a> {
        &self.config
    }

    /// Where the association is.
    #[must_use]
    pub const fn state(&self) -> AssociationState {
        self.state
    }

    /// What the server granted, once the AARE is accepted.
    #[must_use]
    pub const fn association(&self) -> Option<&AssociationInfo> {
        self.info.as_ref()
    }

    /// The security context (keys, titles and the invocation counters to persist).
    #[must_use]
    pub const fn security(&self) -> Option<&SecurityContext> {
        self.security.as_ref()
    }

    /// The security context, to restore invocation counters or change keys.
    pub fn security_mut(&mut self) -> Option<&mut SecurityContext> {
        self.security.as_mut()
    }

    /// The invocation counters, to persist after every protected APDU (Green Book 9.2.7.2.4.2:
    /// a counter must never repeat under one key).
    #[must_use]
    pub fn counters(&self) -> Option<&Counters> {
        self.security.as_ref().map(SecurityContext::counters)
    }

    /// Whether a request waits for a response or for its next block.
    #[must_use]
    pub const fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Forgets the association and any request (the link was lost). The security context and
    /// its counters are kept.
    pub fn abort(&mut self) {
        self.state = AssociationState::Idle;
        self.pending = None;
        self.info = None;
        self.ctos = None;
        self.stoc = None;
    }

    /// When the request waiting for a response times out (`None` when none waits).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.and_then(|p| p.deadline)
    }

    /// Checks the request timer at `now`: when it has run out, the request is dropped (an
    /// association or release that timed out leaves the client idle).
    ///
    /// A response in general block transfer first asks again: the timeout makes an
    /// acknowledgement of the blocks received in sequence due (so that the server sends the
    /// lost ones again), up to [`GBT_RETRIES`] times; call [`Client::next_block`] and send what
    /// it returns.
    ///
    /// # Errors
    /// [`ClientError::Timeout`] naming the request that timed out.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), ClientError> {
        let Some(pending) = self.pending else {
            return Ok(());
        };
        if let (Some(mut rx), Some(deadline)) = (self.gbt_rx, pending.deadline)
            && now >= deadline
            && rx.retries < GBT_RETRIES
        {
            rx.retries += 1;
            rx.ack_due = true;
            self.gbt_rx = Some(rx);
            self.pending = Some(Pending {
                deadline: self.deadline(now),
                ..pending
            });
            return Ok(());
        }
        match pending.deadline {
            Some(deadline) if now >= deadline => {
                self.gbt_rx = None;
                self.pending = None;
                if matches!(pending.kind, Kind::Associate | Kind::Hls | Kind::Release) {
                    self.abort();
                }
                Err(ClientError::Timeout {
                    target: pending.kind.target(),
                })
            }
            _ => Ok(()),
        }
    }

    fn own_title(&self) -> Option<SystemTitle> {
        match &self.security {
            Some(s) => Some(*s.own_title()),
            None => self.config.system_title,
        }
    }

    const fn context_name(&self) -> ApplicationContextName {
        if self.config.ciphering.is_some() {
            ApplicationContextName::LN_WITH_CIPHERING
        } else {
            ApplicationContextName::LN_NO_CIPHERING
        }
    }

    fn initiate_request(&self) -> InitiateRequest<'a> {
        let mut request =
            InitiateRequest::new(self.config.conformance, self.config.max_receive_pdu_size);
        request.dedicated_key = self.config.dedicated_key;
        request
    }

    fn take_invoke(&mut self) -> InvokeIdAndPriority {
        let invoke = InvokeIdAndPriority::new(
            self.next_invoke,
            self.config.confirmed,
            self.config.high_priority,
        );
        self.next_invoke = (self.next_invoke + 1) & 0x0F;
        invoke
    }

    fn deadline(&self, now: Instant) -> Option<Instant> {
        Some(now + self.config.timeout)
    }

    /// The InitiateRequest of the AARQ or RLRQ, protected as a glo-initiate-request in `ui`
    /// when ciphering; returns its length.
    fn ciphered_initiate(&mut self, ui: &mut [u8]) -> Result<usize, ClientError> {
        let n = self.initiate_request().emit(ui)?;
        self.protect(Ciphering::Global, ui, n)
    }

    fn protect(
        &mut self,
        ciphering: Ciphering,
        buf: &mut [u8],
        len: usize,
    ) -> Result<usize, ClientError> {
        let protection = self.config.protection;
        let security = self.security.as_mut().ok_or_else(no_context)?;
        let control = SecurityControl::new(security.suite(), protection);
        Ok(security.protect_apdu(&EnvelopeKind::Service(ciphering), control, buf, len)?)
    }

    /// The length `plain` bytes take on the wire (protected when ciphering).
    fn wire_len(&self, plain: usize) -> Result<usize, ClientError> {
        match (self.config.ciphering, &self.security) {
            (Some(c), Some(security)) => {
                let control = SecurityControl::new(security.suite(), self.config.protection);
                Ok(security.protected_len(&EnvelopeKind::Service(c), control, plain)?)
            }
            (Some(_), None) => Err(no_context()),
            (None, _) => Ok(plain),
        }
    }

    fn server_max(&self) -> usize {
        self.info
            .map_or(0, |i| usize::from(i.server_max_receive_pdu_size))
    }

    /// Checks the size, protects the plaintext request at `out[..len]` and arms the timer.
    fn send(
        &mut self,
        now: Instant,
        out: &mut [u8],
        len: usize,
        invoke: InvokeIdAndPriority,
        kind: Kind,
    ) -> Result<usize, ClientError> {
        let wire = self.wire_len(len)?;
        let max = self.server_max();
        if max != 0 && wire > max {
            return Err(ClientError::PduTooLong { len: wire, max });
        }
        let n = match self.config.ciphering {
            Some(c) => self.protect(c, out, len)?,
            None => len,
        };
        self.gbt_rx = None;
        let n = match self.gbt_window() {
            Some(window) => {
                // One block, the last, carrying the whole request; our window for the answer.
                let head = 6 + crate::axdr::length_len(n);
                let available = out.len();
                let moved = out.get_mut(..head + n).ok_or(Error::BufferTooSmall {
                    needed: head + n,
                    available,
                })?;
                moved.copy_within(..n, head);
                let control = crate::gbt::block_control(true, false, window);
                // E0 control block-number 1, block-number-ack 0, then the length.
                let fixed = [GeneralBlockTransfer::TAG, control, 0, 1, 0, 0];
                if let Some(dst) = moved.get_mut(..fixed.len()) {
                    dst.copy_from_slice(&fixed);
                }
                let mut sink = crate::axdr::SliceSink::new(
                    moved.get_mut(fixed.len()..head).unwrap_or_default(),
                );
                crate::axdr::put_length(&mut sink, n)?;
                self.gbt_rx = Some(GbtRx {
                    expected: 1,
                    since_ack: 0,
                    ack_due: false,
                    retries: 0,
                });
                head + n
            }
            None => n,
        };
        self.pending = Some(Pending {
            invoke,
            deadline: self.deadline(now),
            kind,
        });
        Ok(n)
    }

    /// The window to use general block transfer with, when it is on and negotiated.
    fn gbt_window(&self) -> Option<u8> {
        let window = self.config.gbt_window?;
        let negotiated = self
            .info
            .is_some_and(|i| i.conformance.contains(Conformance::GENERAL_BLOCK_TRANSFER));
        (negotiated
            && self.config.ciphering.is_none()
            && self.state == AssociationState::Associated)
            .then_some(window.clamp(1, crate::gbt::WINDOW_MASK))
    }

    /// A block of the response in flight, in general block transfer.
    fn on_gbt<'b>(&mut self, apdu: &'b mut [u8]) -> Result<Event<'b>, ClientError> {
        let total = apdu.len();
        let (block, data_at) = {
            let block = GeneralBlockTransfer::parse(apdu)?;
            (
                (
                    block.block_control,
                    block.block_number,
                    block.block_data.len(),
                ),
                total - block.block_data.len(),
            )
        };
        let (control, number, data_len) = block;
        let last = control & crate::gbt::LAST_BLOCK != 0;
        let streaming = control & crate::gbt::STREAMING != 0;
        let Some(mut rx) = self.gbt_rx else {
            return Err(ClientError::Unsolicited {
                apdu: "general-block-transfer",
            });
        };
        let window = self.gbt_window().unwrap_or(1);
        let Some(pending) = self.pending else {
            return Err(ClientError::Unsolicited {
                apdu: "general-block-transfer",
            });
        };
        if data_len == 0 && !last {
            // The server's acknowledgement of our request: nothing to take.
            return Ok(Event::Block {
                target: pending.kind.target(),
                block_number: u32::from(rx.expected.saturating_sub(1)),
                last: false,
                raw_data: &[],
            });
        }
        if number != rx.expected {
            // Lost or repeated: acknowledge what came in sequence so that the server resends.
            rx.ack_due = true;
            rx.since_ack = 0;
            self.gbt_rx = Some(rx);
            self.pending = Some(Pending {
                deadline: None,
                ..pending
            });
            return Ok(Event::Block {
                target: pending.kind.target(),
                block_number: u32::from(rx.expected.saturating_sub(1)),
                last: false,
                raw_data: &[],
            });
        }
        let data = apdu.get_mut(data_at..).unwrap_or_default();
        if number == 1 && last {
            // The whole response in one block: an ordinary APDU.
            self.gbt_rx = None;
            return self.handle_apdu(data);
        }
        rx.expected = number.wrapping_add(1);
        rx.since_ack = rx.since_ack.saturating_add(1);
        rx.retries = 0;
        let mut raw: &'b [u8] = data;
        if number == 1 {
            // A long response: a GET-Response-Normal with data, streamed as its value.
            let Kind::Get { list: 0, .. } = pending.kind else {
                return Err(ClientError::UnexpectedApdu {
                    target: pending.kind.target(),
                    expected: "a get-response in general block transfer",
                    found: "general-block-transfer",
                });
            };
            match raw {
                [0xC4, 0x01, invoke, 0x00, value @ ..] if *invoke == pending.invoke.0 => {
                    raw = value;
                }
                _ => {
                    return Err(ClientError::UnexpectedApdu {
                        target: pending.kind.target(),
                        expected: "get-response-normal with data",
                        found: "general-block-transfer",
                    });
                }
            }
        }
        if last {
            self.gbt_rx = None;
            self.pending = None;
        } else {
            rx.ack_due = !streaming || rx.since_ack >= window;
            self.gbt_rx = Some(rx);
            self.pending = Some(Pending {
                deadline: None,
                ..pending
            });
        }
        Ok(Event::Block {
            target: pending.kind.target(),
            block_number: u32::from(number),
            last,
            raw_data: raw,
        })
    }

    fn require(&self, service: Conformance, name: &'static str) -> Result<(), ClientError> {
        match self.info {
            Some(info) if info.conformance.contains(service) => Ok(()),
            _ => Err(ClientError::NotNegotiated { service: name }),
        }
    }

    fn ready(&self) -> Result<(), ClientError> {
        if self.state != AssociationState::Associated {
            return Err(ClientError::State {
                what: "the association is not established",
            });
        }
        if self.pending.is_some() {
            return Err(ClientError::State {
                what: "a request is in progress",
            });
        }
        Ok(())
    }

    /// Starts the association: builds the AARQ into `out` and returns its length (IEC
    /// 62056-5-3, the ACSE A-ASSOCIATE service; Green Book 9.4.2). For HLS the challenge
    /// CtoS is drawn from `rng`; the calling-AP-title carries the client system title when
    /// ciphering or HLS is used; the InitiateRequest is protected as a glo-initiate-request
    /// when ciphering.
    ///
    /// # Errors
    /// [`ClientError::State`] unless idle; [`Error::BufferTooSmall`]; [`Error::MissingKey`],
    /// [`Error::MissingSystemTitle`] and the other errors of protecting.
    pub fn associate<R: CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        rng: &mut R,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        if self.state != AssociationState::Idle || self.pending.is_some() {
            return Err(ClientError::State {
                what: "an association exists or is being set up",
            });
        }
        let mechanism = self.config.authentication.mechanism();
        let hls = mechanism.is_some_and(|m| m.is_hls());
        let ctos = if hls {
            Some(Challenge::generate(rng, self.config.challenge_len)?)
        } else {
            None
        };
        if let Some(key) = self.config.dedicated_key {
            let key = Key::from_slice(key)?;
            self.security
                .as_mut()
                .ok_or_else(no_context)?
                .set_dedicated_key(Some(key))?;
        }
        let mut ui = [0u8; USER_INFORMATION_MAX];
        let ciphered = match self.config.ciphering {
            Some(_) => Some(self.ciphered_initiate(&mut ui)?),
            None => None,
        };
        let user_information = match ciphered {
            Some(n) => UserInformation::Ciphered(CipheredApdu::parse(ui.get(..n).unwrap_or(&[]))?),
            None => UserInformation::InitiateRequest(self.initiate_request()),
        };
        let context = self.context_name().oid().ok_or(Error::InvalidArgument {
            what: "application context",
        })?;
        let title = if hls || self.config.ciphering.is_some() {
            Some(
                self.own_title()
                    .ok_or(Error::MissingSystemTitle)?
                    .to_bytes(),
            )
        } else {
            None
        };
        let mut aarq = Aarq::new(context, Some(user_information));
        aarq = match (self.config.authentication, mechanism) {
            (Authentication::Lls { password }, Some(m)) => {
                association::authenticate_aarq(aarq, m, password, title.as_ref())
            }
            (_, Some(m)) => {
                let challenge = ctos.as_ref().map_or(&[][..], Challenge::as_bytes);
                association::authenticate_aarq(aarq, m, challenge, title.as_ref())
            }
            (_, None) => {
                aarq.calling_ap_title = title.as_ref().map(|t| Tlv::octet_string(t));
                aarq
            }
        };
        let n = aarq.emit(out)?;
        self.ctos = ctos;
        self.stoc = None;
        self.info = None;
        self.state = AssociationState::Associating;
        self.pending = Some(Pending {
            invoke: InvokeIdAndPriority(0),
            deadline: self.deadline(now),
            kind: Kind::Associate,
        });
        Ok(n)
    }

    /// HLS pass 3 (Green Book 9.2.7.4): ACTION `reply_to_HLS_authentication` on the current
    /// association `0-0:40.0.0.255` with f(StoC), into `out`; returns its length. HLS-GMAC
    /// takes the keys and the next invocation counter of the security context.
    ///
    /// # Errors
    /// [`ClientError::State`] unless the AARE asked for HLS; the errors of the mechanism's
    /// f() ([`Error::MissingKey`], [`Error::MissingSystemTitle`], ...); [`Error::BufferTooSmall`].
    pub fn hls_reply(&mut self, now: Instant, out: &mut [u8]) -> Result<usize, ClientError> {
        if self.state != AssociationState::Authenticating || self.pending.is_some() {
            return Err(ClientError::State {
                what: "no HLS authentication is due",
            });
        }
        let (Some(ctos), Some(stoc)) = (self.ctos.as_ref(), self.stoc.as_ref()) else {
            return Err(ClientError::State {
                what: "no HLS challenges",
            });
        };
        let response = match self.config.authentication {
            Authentication::HlsGmac => self
                .security
                .as_mut()
                .ok_or_else(no_context)?
                .hls_gmac_respond(ctos.as_bytes(), stoc.as_bytes())?,
            Authentication::Hls(secret) => {
                let (own, peer) = self.titles();
                secret.respond(
                    &Exchange {
                        own_title: &own,
                        peer_title: &peer,
                        own_challenge: ctos.as_bytes(),
                        peer_challenge: stoc.as_bytes(),
                    },
                    0,
                )?
            }
            _ => {
                return Err(ClientError::State {
                    what: "the mechanism is not HLS",
                });
            }
        };
        let invoke = self.take_invoke();
        let n = association::reply_to_hls_request(invoke, response.as_bytes()).emit(out)?;
        self.send(now, out, n, invoke, Kind::Hls)
    }

    /// Both system titles for an HLS exchange; unknown ones are zero (mechanisms 2 to 4 do
    /// not use them; 6 and 7 then fail to verify).
    fn titles(&self) -> (SystemTitle, SystemTitle) {
        let zero = SystemTitle::new([0; 8]);
        let own = self.own_title().unwrap_or(zero);
        let peer = self
            .info
            .and_then(|i| i.server_title)
            .or_else(|| self.security.as_ref().and_then(|s| s.peer_title().copied()))
            .unwrap_or(zero);
        (own, peer)
    }

    /// GET-Request-Normal of `attribute`, with selective access when given (IEC 62056-5-3,
    /// the GET service; Green Book 9.5), into `out`; returns its length.
    ///
    /// # Errors
    /// [`ClientError::State`] unless associated and free; [`ClientError::NotNegotiated`] (get,
    /// selective-access); [`ClientError::PduTooLong`]; [`Error::BufferTooSmall`]; the errors
    /// of protecting.
    pub fn get(
        &mut self,
        now: Instant,
        attribute: AttributeDescriptor,
        access: Option<SelectiveAccess<'_>>,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        self.ready()?;
        self.require(Conformance::GET, "get")?;
        if access.is_some() {
            self.require(Conformance::SELECTIVE_ACCESS, "selective-access")?;
        }
        let invoke = self.take_invoke();
        let n = GetRequest::Normal {
            invoke,
            attribute,
            access,
        }
        .emit(out)?;
        let kind = Kind::Get {
            target: Target::Attribute(attribute),
            list: 0,
            blocks: 0,
        };
        self.send(now, out, n, invoke, kind)
    }

    /// GET-Request-With-List of `attributes` into `out`; returns its length.
    ///
    /// # Errors
    /// As [`Client::get`]; [`ClientError::NotNegotiated`] (multiple-references);
    /// [`Error::InvalidArgument`] for an empty list.
    pub fn get_with_list(
        &mut self,
        now: Instant,
        attributes: &[AttributeWithSelection<'_>],
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        self.ready()?;
        self.require(Conformance::GET, "get")?;
        self.require(Conformance::MULTIPLE_REFERENCES, "multiple-references")?;
        if attributes.iter().any(|a| a.access.is_some()) {
            self.require(Conformance::SELECTIVE_ACCESS, "selective-access")?;
        }
        if attributes.is_empty() {
            return Err(Error::InvalidArgument {
                what: "an empty attribute list",
            }
            .into());
        }
        let invoke = self.take_invoke();
        let n = GetRequest::WithList {
            invoke,
            attributes: List::from_items(attributes),
        }
        .emit(out)?;
        let count = attributes.len();
        let kind = Kind::Get {
            target: Target::Attributes { count },
            list: count,
            blocks: 0,
        };
        self.send(now, out, n, invoke, kind)
    }

    /// GET-Request-Next after an [`Event::Block`] that was not the last, into `out`; returns
    /// its length.
    ///
    /// # Errors
    /// [`ClientError::State`] when no GET block transfer waits for it; the errors of
    /// [`Client::get`].
    pub fn next_block(&mut self, now: Instant, out: &mut [u8]) -> Result<usize, ClientError> {
        if let Some(mut rx) = self.gbt_rx {
            // General block transfer: an acknowledgement when one is due, else nothing to
            // send (the server goes on streaming).
            let Some(pending) = self.pending else {
                return Err(ClientError::State {
                    what: "no GET block transfer waits for the next block",
                });
            };
            self.pending = Some(Pending {
                deadline: self.deadline(now),
                ..pending
            });
            if !rx.ack_due {
                return Ok(0);
            }
            let window = self.gbt_window().unwrap_or(1);
            let n = GeneralBlockTransfer {
                block_control: crate::gbt::block_control(false, false, window),
                block_number: 1,
                block_number_ack: rx.expected.saturating_sub(1),
                block_data: &[],
            }
            .emit(out)?;
            rx.ack_due = false;
            rx.since_ack = 0;
            self.gbt_rx = Some(rx);
            return Ok(n);
        }
        let Some(Pending {
            invoke,
            deadline: None,
            kind: kind @ Kind::Get { blocks, .. },
        }) = self.pending
        else {
            return Err(ClientError::State {
                what: "no GET block transfer waits for the next block",
            });
        };
        let n = GetRequest::Next {
            invoke,
            block_number: blocks,
        }
        .emit(out)?;
        self.send(now, out, n, invoke, kind)
    }

    /// SET of `attribute` to `value`, the A-XDR encoding of the new value (encode a
    /// [`Data`] with [`Encode::emit`]), into `out`; returns its length. When the request
    /// would exceed the server's maximum receive PDU size, the value is sent in blocks
    /// (SET-Request-With-First-Datablock): keep `value` and pass it again to
    /// [`Client::next_set_block`] after each [`Event::SetBlockAccepted`].
    ///
    /// # Errors
    /// As [`Client::get`] (set, block-transfer-with-set); the decoding errors of `value`.
    pub fn set(
        &mut self,
        now: Instant,
        attribute: AttributeDescriptor,
        access: Option<SelectiveAccess<'_>>,
        value: &[u8],
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        self.ready()?;
        self.require(Conformance::SET, "set")?;
        if access.is_some() {
            self.require(Conformance::SELECTIVE_ACCESS, "selective-access")?;
        }
        let data = Data::parse(value)?;
        let invoke = self.take_invoke();
        let normal = SetRequest::Normal {
            invoke,
            attribute,
            access,
            value: data,
        };
        let max = self.server_max();
        if max == 0 || self.wire_len(normal.buffer_len())? <= max {
            let n = normal.emit(out)?;
            let kind = Kind::Set {
                attribute,
                sent: 0,
                offset: value.len(),
                total: value.len(),
                chunk: 0,
            };
            return self.send(now, out, n, invoke, kind);
        }
        self.require(
            Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE,
            "block-transfer-with-set-or-write",
        )?;
        let empty = SetRequest::WithFirstDataBlock {
            invoke,
            attribute,
            access,
            block: DataBlock {
                last_block: false,
                block_number: 1,
                raw_data: &[],
            },
        }
        .buffer_len();
        // The raw-data length takes up to 3 bytes more than the empty block's one; the
        // envelope's header and tag are at most what they are for a body of the whole limit.
        let overhead = self.wire_len(max)?.saturating_sub(max);
        let chunk = max
            .checked_sub(empty + 2 + overhead)
            .filter(|&c| c > 0)
            .ok_or(ClientError::PduTooLong {
                len: empty + 3 + overhead,
                max,
            })?;
        let first = value.get(..chunk).unwrap_or(value);
        let n = SetRequest::WithFirstDataBlock {
            invoke,
            attribute,
            access,
            block: DataBlock {
                last_block: first.len() == value.len(),
                block_number: 1,
                raw_data: first,
            },
        }
        .emit(out)?;
        let kind = Kind::Set {
            attribute,
            sent: 1,
            offset: first.len(),
            total: value.len(),
            chunk,
        };
        self.send(now, out, n, invoke, kind)
    }

    /// The next SET-Request-With-Datablock after an [`Event::SetBlockAccepted`], into `out`;
    /// `value` is the same encoding given to [`Client::set`]. Returns its length.
    ///
    /// # Errors
    /// [`ClientError::State`] when no SET block transfer waits for a block;
    /// [`Error::InvalidArgument`] when `value` is not the one being sent; as [`Client::set`].
    pub fn next_set_block(
        &mut self,
        now: Instant,
        value: &[u8],
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        let Some(Pending {
            invoke,
            deadline: None,
            kind:
                Kind::Set {
                    attribute,
                    sent,
                    offset,
                    total,
                    chunk,
                },
        }) = self.pending
        else {
            return Err(ClientError::State {
                what: "no SET block transfer waits for the next block",
            });
        };
        if value.len() != total {
            return Err(Error::InvalidArgument {
                what: "the value is not the one being sent",
            }
            .into());
        }
        let end = offset.saturating_add(chunk).min(total);
        let raw_data = value.get(offset..end).unwrap_or(&[]);
        let n = SetRequest::WithDataBlock {
            invoke,
            block: DataBlock {
                last_block: end == total,
                block_number: sent.wrapping_add(1),
                raw_data,
            },
        }
        .emit(out)?;
        let kind = Kind::Set {
            attribute,
            sent: sent.wrapping_add(1),
            offset: end,
            total,
            chunk,
        };
        self.send(now, out, n, invoke, kind)
    }

    /// ACTION-Request-Normal on `method` with optional `parameters` (IEC 62056-5-3, the
    /// ACTION service), into `out`; returns its length.
    ///
    /// # Errors
    /// As [`Client::get`] (action).
    pub fn action(
        &mut self,
        now: Instant,
        method: MethodDescriptor,
        parameters: Option<Data<'_>>,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        self.ready()?;
        self.require(Conformance::ACTION, "action")?;
        let invoke = self.take_invoke();
        let n = ActionRequest::Normal {
            invoke,
            method,
            parameters,
        }
        .emit(out)?;
        self.send(now, out, n, invoke, Kind::Action { method })
    }

    /// The RLRQ (reason normal) into `out`; returns its length. In a ciphered association it
    /// carries the InitiateRequest as a glo-initiate-request, so that the release is
    /// authenticated (IEC 62056-5-3, the A-RELEASE service).
    ///
    /// # Errors
    /// [`ClientError::State`] unless associated and free; [`Error::BufferTooSmall`]; the
    /// errors of protecting.
    pub fn release(&mut self, now: Instant, out: &mut [u8]) -> Result<usize, ClientError> {
        self.ready()?;
        let mut ui = [0u8; USER_INFORMATION_MAX];
        let ciphered = match self.config.ciphering {
            Some(_) => Some(self.ciphered_initiate(&mut ui)?),
            None => None,
        };
        let user_information = match ciphered {
            Some(n) => Some(UserInformation::Ciphered(CipheredApdu::parse(
                ui.get(..n).unwrap_or(&[]),
            )?)),
            None => None,
        };
        let n = Rlrq {
            reason: Some(ReleaseRequestReason::NORMAL),
            user_information,
        }
        .emit(out)?;
        self.state = AssociationState::Releasing;
        self.pending = Some(Pending {
            invoke: InvokeIdAndPriority(0),
            deadline: self.deadline(now),
            kind: Kind::Release,
        });
        Ok(n)
    }

    /// Takes an APDU received from the server, in the caller's buffer (unprotected there when
    /// ciphered), and says what it means. A General-Block-Transfer APDU is reassembled first
    /// with [`reassemble_gbt`].
    ///
    /// # Errors
    /// [`ClientError::Apdu`] for bytes that do not decode or do not unprotect; the server's
    /// refusals and errors, typed and naming the object ([`ClientError::Rejected`],
    /// [`ClientError::DataAccess`], [`ClientError::Action`], [`ClientError::ServiceError`],
    /// [`ClientError::Exception`], [`ClientError::HlsRefused`],
    /// [`ClientError::ServerNotAuthenticated`]); [`ClientError::InvokeIdMismatch`],
    /// [`ClientError::Unsolicited`], [`ClientError::UnexpectedApdu`],
    /// [`ClientError::BlockNumber`], [`ClientError::NotProtected`]. Never panics.
    pub fn handle_apdu<'b>(&mut self, apdu: &'b mut [u8]) -> Result<Event<'b>, ClientError> {
        let Some(&tag) = apdu.first() else {
            return Err(Error::Truncated {
                field: "apdu",
                offset: 0,
                needed: 1,
            }
            .into());
        };
        match tag {
            Aare::TAG => return self.on_aare(apdu),
            Rlre::TAG => return self.on_rlre(apdu),
            GeneralBlockTransfer::TAG if self.gbt_rx.is_some() => return self.on_gbt(apdu),
            GeneralBlockTransfer::TAG => {
                return Err(ClientError::State {
                    what: "a general-block-transfer APDU: reassemble it with reassemble_gbt",
                });
            }
            _ => {}
        }
        self.envelope_counter = None;
        let (plain, protected): (&'b [u8], bool) = if is_ciphered(tag) {
            let security = self.security.as_mut().ok_or_else(no_context)?;
            let unprotected = security.unprotect_apdu(apdu)?;
            self.envelope_counter = Some(unprotected.invocation_counter);
            (unprotected.plaintext, true)
        } else {
            (apdu, false)
        };
        let parsed = Apdu::parse(plain)?;
        let ciphered_session = self.config.ciphering.is_some();
        match parsed {
            Apdu::DataNotification(n) => Ok(Event::DataNotification(n)),
            Apdu::EventNotification(n) => Ok(Event::EventNotification(n)),
            Apdu::ExceptionResponse(exception) => {
                let target = self.take_in_flight().map(|p| p.kind.target());
                Err(ClientError::Exception { target, exception })
            }
            Apdu::ConfirmedServiceError(error) => match self.take_in_flight() {
                Some(p) => Err(ClientError::ServiceError {
                    target: p.kind.target(),
                    error,
                }),
                None => Err(ClientError::Unsolicited {
                    apdu: "confirmed-service-error",
                }),
            },
            Apdu::GetResponse(_) | Apdu::SetResponse(_) | Apdu::ActionResponse(_)
                if ciphered_session && !protected =>
            {
                Err(ClientError::NotProtected {
                    apdu: parsed.type_name(),
                })
            }
            Apdu::GetResponse(r) => {
                let pending = self.matching(r.invoke(), "get-response")?;
                self.on_get(pending, r)
            }
            Apdu::SetResponse(r) => {
                let pending = self.matching(r.invoke(), "set-response")?;
                self.on_set(pending, r)
            }
            Apdu::ActionResponse(r) => {
                let pending = self.matching(r.invoke(), "action-response")?;
                self.on_action(pending, r)
            }
            other => Err(ClientError::Unsolicited {
                apdu: other.type_name(),
            }),
        }
    }

    /// The request waiting for a response, taken.
    fn take_in_flight(&mut self) -> Option<Pending> {
        match self.pending {
            Some(p) if p.deadline.is_some() => {
                self.pending = None;
                if matches!(p.kind, Kind::Associate | Kind::Hls | Kind::Release) {
                    self.abort();
                }
                Some(p)
            }
            _ => None,
        }
    }

    /// The request a response with `invoke` answers, taken; a mismatch leaves it waiting.
    fn matching(
        &mut self,
        invoke: InvokeIdAndPriority,
        apdu: &'static str,
    ) -> Result<Pending, ClientError> {
        match self.pending {
            Some(p)
                if p.deadline.is_some() && !matches!(p.kind, Kind::Associate | Kind::Release) =>
            {
                if p.invoke.invoke_id() != invoke.invoke_id() {
                    return Err(ClientError::InvokeIdMismatch {
                        target: p.kind.target(),
                        expected: p.invoke.invoke_id(),
                        found: invoke.invoke_id(),
                    });
                }
                self.pending = None;
                Ok(p)
            }
            _ => Err(ClientError::Unsolicited { apdu }),
        }
    }

    fn unexpected(&mut self, pending: Pending, found: &'static str) -> ClientError {
        if matches!(pending.kind, Kind::Hls) {
            self.abort();
        }
        ClientError::UnexpectedApdu {
            target: pending.kind.target(),
            expected: pending.kind.expected(),
            found,
        }
    }

    fn on_get<'b>(
        &mut self,
        pending: Pending,
        response: GetResponse<'b>,
    ) -> Result<Event<'b>, ClientError> {
        let Kind::Get {
            target,
            list,
            blocks,
        } = pending.kind
        else {
            return Err(self.unexpected(pending, "get-response"));
        };
        match response {
            GetResponse::Normal { result, .. } if list == 0 && blocks == 0 => {
                let Target::Attribute(attribute) = target else {
                    return Err(self.unexpected(pending, "get-response-normal"));
                };
                match result {
                    GetDataResult::Data(value) => Ok(Event::Value { attribute, value }),
                    GetDataResult::Error(result) => Err(ClientError::DataAccess { target, result }),
                }
            }
            GetResponse::WithList { results, .. } if list != 0 && blocks == 0 => {
                if results.len() != list {
                    return Err(Error::InvalidValue {
                        field: "get-response-with-list count",
                        offset: 3,
                    }
                    .into());
                }
                Ok(Event::Values { results })
            }
            GetResponse::WithDataBlock {
                last_block,
                block_number,
                result,
                ..
            } => {
                let expected = blocks.wrapping_add(1);
                if block_number != expected {
                    return Err(ClientError::BlockNumber {
                        target,
                        expected,
                        found: block_number,
                    });
                }
                let raw_data = match result {
                    BlockResult::RawData(raw) => raw,
                    BlockResult::Error(result) => {
                        return Err(ClientError::DataAccess { target, result });
                    }
                };
                if !last_block {
                    self.pending = Some(Pending {
                        invoke: pending.invoke,
                        deadline: None,
                        kind: Kind::Get {
                            target,
                            list,
                            blocks: block_number,
                        },
                    });
                }
                Ok(Event::Block {
                    target,
                    block_number,
                    last: last_block,
                    raw_data,
                })
            }
            other => Err(self.unexpected(pending, other.variant_name())),
        }
    }

    fn on_set<'b>(
        &mut self,
        pending: Pending,
        response: SetResponse<'b>,
    ) -> Result<Event<'b>, ClientError> {
        let Kind::Set {
            attribute,
            sent,
            offset,
            total,
            ..
        } = pending.kind
        else {
            return Err(self.unexpected(pending, "set-response"));
        };
        let target = Target::Attribute(attribute);
        let check = |result: DataAccessResult| {
            if result == DataAccessResult::SUCCESS {
                Ok(Event::Set { attribute })
            } else {
                Err(ClientError::DataAccess { target, result })
            }
        };
        match response {
            SetResponse::Normal { result, .. } if sent == 0 => check(result),
            // A server that refuses a SET with blocks part-way (access, a block out of order, a
            // value too long for it) answers with the last-datablock response and the error.
            SetResponse::LastDataBlock { result, .. } | SetResponse::Normal { result, .. }
                if sent != 0 && result != DataAccessResult::SUCCESS =>
            {
                check(result)
            }
            SetResponse::DataBlock { block_number, .. } if sent != 0 && offset < total => {
                if block_number != sent {
                    return Err(ClientError::BlockNumber {
                        target,
                        expected: sent,
                        found: block_number,
                    });
                }
                self.pending = Some(Pending {
                    deadline: None,
                    ..pending
                });
                Ok(Event::SetBlockAccepted {
                    attribute,
                    block_number,
                })
            }
            SetResponse::LastDataBlock {
                result,
                block_number,
                ..
            } if sent != 0 && offset == total => {
                if block_number != sent {
                    return Err(ClientError::BlockNumber {
                        target,
                        expected: sent,
                        found: block_number,
                    });
                }
                check(result)
            }
            other => Err(self.unexpected(pending, other.variant_name())),
        }
    }

    fn on_action<'b>(
        &mut self,
        pending: Pending,
        response: ActionResponse<'b>,
    ) -> Result<Event<'b>, ClientError> {
        match pending.kind {
            Kind::Hls => self.on_hls_reply(&response),
            Kind::Action { method } => {
                let ActionResponse::Normal { response, .. } = response else {
                    return Err(self.unexpected(pending, response.variant_name()));
                };
                if response.result != ActionResult::SUCCESS {
                    return Err(ClientError::Action {
                        method,
                        result: response.result,
                    });
                }
                match response.return_parameters {
                    None => Ok(Event::Action {
                        method,
                        return_value: None,
                    }),
                    Some(GetDataResult::Data(d)) => Ok(Event::Action {
                        method,
                        return_value: Some(d),
                    }),
                    Some(GetDataResult::Error(result)) => Err(ClientError::DataAccess {
                        target: Target::Method(method),
                        result,
                    }),
                }
            }
            _ => Err(self.unexpected(pending, "action-response")),
        }
    }

    /// HLS pass 4: the server's f(CtoS).
    fn on_hls_reply(
        &mut self,
        response: &ActionResponse<'_>,
    ) -> Result<Event<'static>, ClientError> {
        let f_ctos = match association::hls_reply_of(response) {
            Ok(f) => f,
            Err(_) => {
                let result = match response {
                    ActionResponse::Normal { response, .. } => response.result,
                    _ => ActionResult::OTHER_REASON,
                };
                self.abort();
                return Err(ClientError::HlsRefused { result });
            }
        };
        let verified = match (self.ctos.as_ref(), self.stoc.as_ref()) {
            (Some(ctos), Some(stoc)) => match self.config.authentication {
                // In a ciphered association f(CtoS) comes inside the protected response, whose
                // counter the server took after the one in f(CtoS).
                Authentication::HlsGmac => match (self.security.as_mut(), self.envelope_counter) {
                    (Some(s), None) => s
                        .hls_gmac_verify(ctos.as_bytes(), stoc.as_bytes(), f_ctos)
                        .is_ok(),
                    (Some(s), Some(envelope)) => s
                        .hls_gmac_verify_enveloped(
                            ctos.as_bytes(),
                            stoc.as_bytes(),
                            f_ctos,
                            envelope,
                        )
                        .is_ok(),
                    (None, _) => false,
                },
                Authentication::Hls(secret) => {
                    let (own, peer) = self.titles();
                    secret
                        .verify(
                            &Exchange {
                                own_title: &own,
                                peer_title: &peer,
                                own_challenge: ctos.as_bytes(),
                                peer_challenge: stoc.as_bytes(),
                            },
                            f_ctos,
                        )
                        .is_ok()
                }
                _ => false,
            },
            _ => false,
        };
        if !verified {
            self.abort();
            return Err(ClientError::ServerNotAuthenticated);
        }
        let info = self.info.ok_or(ClientError::State {
            what: "no association information",
        })?;
        self.state = AssociationState::Associated;
        self.ctos = None;
        self.stoc = None;
        Ok(Event::Associated(info))
    }

    fn on_aare<'b>(&mut self, apdu: &'b mut [u8]) -> Result<Event<'b>, ClientError> {
        match self.pending {
            Some(Pending {
                kind: Kind::Associate,
                ..
            }) => {}
            _ => return Err(ClientError::Unsolicited { apdu: "aare" }),
        }
        let hls = self
            .config
            .authentication
            .mechanism()
            .is_some_and(|m| m.is_hls());
        let (ciphered_ui, plain_response, server_title, stoc) = {
            let aare = Aare::parse(apdu)?;
            if aare.result != AssociationResult::ACCEPTED {
                let service_error = match aare.user_information {
                    Some(UserInformation::ConfirmedServiceError(e)) => Some(e),
                    _ => None,
                };
                self.abort();
                return Err(ClientError::Rejected {
                    result: aare.result,
                    diagnostic: aare.result_source_diagnostic,
                    service_error,
                });
            }
            if aare.application_context_name.application_context() != Some(self.context_name()) {
                self.abort();
                return Err(Error::InvalidValue {
                    field: "application-context-name",
                    offset: 2,
                }
                .into());
            }
            let auth = association::aare_authentication(&aare)?;
            let required = aare.result_source_diagnostic
                == ResultSourceDiagnostic::User(AcseServiceUser::AUTHENTICATION_REQUIRED);
            let stoc = if hls {
                if !required || Some(auth.mechanism) != self.config.authentication.mechanism() {
                    self.abort();
                    return Err(Error::InvalidValue {
                        field: "aare authentication (HLS expected)",
                        offset: 0,
                    }
                    .into());
                }
                Some(Challenge::from_slice(auth.value)?)
            } else {
                if required {
                    self.abort();
                    return Err(Error::InvalidValue {
                        field: "aare authentication (HLS not configured)",
                        offset: 0,
                    }
                    .into());
                }
                None
            };
            let (ciphered_ui, plain_response) = match aare.user_information {
                Some(UserInformation::InitiateResponse(r)) => (false, Some(r)),
                Some(UserInformation::ConfirmedServiceError(error)) => {
                    self.abort();
                    return Err(ClientError::ServiceError {
                        target: Target::Association,
                        error,
                    });
                }
                Some(
                    UserInformation::Ciphered(_)
                    | UserInformation::GeneralGlo(_)
                    | UserInformation::GeneralCiphering(_),
                ) => (true, None),
                Some(UserInformation::InitiateRequest(_)) | None => {
                    return Err(Error::MissingField {
                        field: "initiate-response",
                        offset: apdu.len(),
                    }
                    .into());
                }
            };
            (ciphered_ui, plain_response, auth.calling_title, stoc)
        };
        if let (Some(title), Some(security)) = (server_title, self.security.as_mut()) {
            security.set_peer_title(Some(title));
        }
        let response = match (ciphered_ui, plain_response) {
            (false, Some(r)) => {
                if self.config.ciphering.is_some() {
                    return Err(ClientError::NotProtected {
                        apdu: "initiate-response",
                    });
                }
                r
            }
            _ => {
                let security = self.security.as_mut().ok_or_else(no_context)?;
                let unprotected =
                    security
                        .unprotect_user_information(apdu)?
                        .ok_or(Error::MissingField {
                            field: "initiate-response",
                            offset: 0,
                        })?;
                if unprotected.plaintext.first() == Some(&ConfirmedServiceError::TAG) {
                    let error = ConfirmedServiceError::parse(unprotected.plaintext)?;
                    self.abort();
                    return Err(ClientError::ServiceError {
                        target: Target::Association,
                        error,
                    });
                }
                InitiateResponse::parse(unprotected.plaintext)?
            }
        };
        if response.negotiated_dlms_version_number != 6 {
            self.abort();
            return Err(Error::InvalidValue {
                field: "negotiated-dlms-version-number",
                offset: 0,
            }
            .into());
        }
        let info = AssociationInfo {
            conformance: response.negotiated_conformance,
            server_max_receive_pdu_size: response.server_max_receive_pdu_size,
            vaa_name: response.vaa_name,
            server_title,
        };
        self.info = Some(info);
        self.pending = None;
        if hls {
            self.stoc = stoc;
            self.state = AssociationState::Authenticating;
            Ok(Event::AuthenticationRequired)
        } else {
            self.state = AssociationState::Associated;
            Ok(Event::Associated(info))
        }
    }

    fn on_rlre<'b>(&mut self, apdu: &'b mut [u8]) -> Result<Event<'b>, ClientError> {
        match self.pending {
            Some(Pending {
                kind: Kind::Release,
                ..
            }) => {}
            _ => return Err(ClientError::Unsolicited { apdu: "rlre" }),
        }
        if self.config.ciphering.is_some()
            && let Some(security) = self.security.as_mut()
        {
            security.unprotect_user_information(apdu)?;
        }
        let rlre = Rlre::parse(apdu)?;
        self.abort();
        Ok(Event::Released {
            reason: rlre.reason,
        })
    }
}

/// Takes one General-Block-Transfer APDU `block` (IEC 62056-5-3, general block transfer) into
/// `reassembler`; when it completes the APDU, copies the whole APDU into `out` and returns it,
/// ready for [`Client::handle_apdu`] (a push carried in blocks, or a response).
///
/// # Errors
/// The errors of [`GeneralBlockTransfer::parse`] and [`GbtReassembler::push`];
/// [`Error::BufferTooSmall`] when `out` cannot hold the APDU.
pub fn reassemble_gbt<'o, B: AsRef<[u8]> + AsMut<[u8]>>(
    reassembler: &mut GbtReassembler<B>,
    block: &[u8],
    out: &'o mut [u8],
) -> Result<Option<&'o mut [u8]>, ClientError> {
    let block = GeneralBlockTransfer::parse(block)?;
    match reassembler.push(&block)? {
        GbtStatus::Complete(whole) => {
            let available = out.len();
            let dst = out.get_mut(..whole.len()).ok_or(Error::BufferTooSmall {
                needed: whole.len(),
                available,
            })?;
            dst.copy_from_slice(whole);
            Ok(Some(dst))
        }
        GbtStatus::Partial { .. } | GbtStatus::Skipped { .. } => Ok(None),
    }
}

/// Collects the raw data of [`Event::Block`]s in a caller's buffer, then decodes the value:
/// the mode for values that fit in memory (stream the blocks instead for a large profile).
///
/// ```
/// use dlms::axdr::Data;
/// use dlms::session::client::BlockCollector;
/// let mut buf = [0u8; 16];
/// let mut value = BlockCollector::new(&mut buf);
/// value.push(&[0x06, 0x00])?;            // a value split inside its encoding
/// value.push(&[0x00, 0x13, 0x91])?;
/// assert_eq!(value.value()?, Data::DoubleLongUnsigned(5009));
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug)]
pub struct BlockCollector<'c> {
    buf: &'c mut [u8],
    len: usize,
}

impl<'c> BlockCollector<'c> {
    /// A collector writing into `buf`, whose length bounds the value.
    pub fn new(buf: &'c mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Appends one block's raw data.
    ///
    /// # Errors
    /// [`Error::ApduTooLong`] when the value outgrows the buffer (nothing is appended).
    pub fn push(&mut self, raw_data: &[u8]) -> Result<(), Error> {
        let end = self.len.saturating_add(raw_data.len());
        let capacity = self.buf.len();
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(Error::ApduTooLong { len: end, capacity })?;
        dst.copy_from_slice(raw_data);
        self.len = end;
        Ok(())
    }

    /// The bytes collected so far.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The value the blocks encode.
    ///
    /// # Errors
    /// The errors of [`Data::parse`] (an incomplete or malformed encoding).
    pub fn value(&self) -> Result<Data<'_>, Error> {
        Data::parse(self.bytes())
    }

    /// Empties the collector for the next transfer.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

/// Collects the raw data of [`Event::Block`]s in a growing vector (feature `alloc`).
#[cfg(feature = "alloc")]
#[derive(Debug, Default, Clone)]
pub struct VecCollector(pub alloc::vec::Vec<u8>);

#[cfg(feature = "alloc")]
impl VecCollector {
    /// Appends one block's raw data.
    pub fn push(&mut self, raw_data: &[u8]) {
        self.0.extend_from_slice(raw_data);
    }

    /// The value the blocks encode.
    ///
    /// # Errors
    /// The errors of [`Data::parse`].
    pub fn value(&self) -> Result<Data<'_>, Error> {
        Data::parse(&self.0)
    }

    /// The value, owned.
    ///
    /// # Errors
    /// The errors of [`crate::axdr::OwnedData::parse`].
    pub fn into_owned(self) -> Result<crate::axdr::OwnedData, Error> {
        crate::axdr::OwnedData::parse(&self.0)
    }
}

#[cfg(test)]
mod tests;
