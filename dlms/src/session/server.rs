//! The meter side of a session (IEC 62056-5-3, the DLMS/COSEM application layer, server side).
//!
//! A [`Server`] holds up to `N` associations, one per client SAP, each configured with its
//! authentication, whether it is ciphered, the services it offers and its security context.
//! It takes one request APDU at a time, as the link delivered it, and writes the answer into
//! the caller's buffer:
//!
//! - AARQ: the application context, the authentication (LLS password, HLS challenge) and the
//!   InitiateRequest (in clear or glo-ciphered) are checked. The AARE offers only the services
//!   configured and the receive PDU size of the server. HLS associations answer with StoC and
//!   become usable after pass 3, the client's `reply_to_HLS_authentication`, verifies.
//! - GET, SET and ACTION (normal and with-list) are checked against the negotiated conformance
//!   and the access rights the [`Application`] gives, then dispatched to it by class id,
//!   logical name and attribute or method. A GET value larger than the client's PDU is sent
//!   with GET-Response-With-Datablock, produced block by block: the application writes into a
//!   [`ValueWriter`] of one block and says where to resume ([`Progress::More`]), so a meter
//!   serves a long profile with a transmit buffer of one PDU.
//! - Ciphered requests are unprotected with the association's [`SecurityContext`] (replays and
//!   bad tags are answered with exception-response, as IEC 62056-5-3 gives) and answered in
//!   the same envelope. An association configured as ciphered refuses requests in clear.
//! - RLRQ ends the association (RLRE).
//! - Faults of the client are answered as the standard says, never by dropping the state: an
//!   APDU longer than the server's receive PDU with exception-response `pdu-too-long`; an
//!   unknown or malformed APDU with exception-response; a request outside an association with
//!   exception-response `service-not-allowed`.
//!
//! Nothing here allocates; the server's size is fixed at compile time by `N`.
//!
//! - SET with data blocks (SET-Request-With-First-Datablock / -With-Datablock), into a buffer
//!   the association is given ([`AssociationConfig::with_set_buffer`]); the value is decoded
//!   and handed to [`Application::set`] once the last block is in.
//!
//! - General block transfer (IEC 62056-5-3, GBT) in associations without ciphering that are
//!   given a GBT buffer ([`AssociationConfig::with_gbt_buffer`]): a request in blocks is
//!   reassembled; the response goes back in blocks of the client's PDU size, up to the client's
//!   window at a time ([`Server::poll_gbt`] gives the rest of a window; `serve` sends them as
//!   the link frees), kept until acknowledged and sent again from the block after
//!   `block-number-ack`. A long GET streams from the application into the blocks.
//!
//! - Pushes: [`Server::push`] builds a DataNotification for an association, usually a
//!   pre-established one ([`AssociationConfig::pre_established`]), general-glo-ciphered when
//!   the association is ciphered.
//!
//! Not yet here: short-name referencing, ACTION with data blocks and SET with-list in blocks
//! (they are not offered in the AARE, so a client does not send them), general block transfer
//! in ciphered associations.
//!
//! ```
//! use dlms::apdu::{AttributeDescriptor, Conformance, DataAccessResult, MethodDescriptor,
//!                  ActionResult, SelectiveAccess};
//! use dlms::axdr::{Data, Encode};
//! use dlms::session::Authentication;
//! use dlms::session::server::{Application, AssociationConfig, AttributeAccess, MethodAccess,
//!                             Progress, RequestContext, Server, ServerConfig, ValueWriter};
//!
//! /// A meter with one register, 1-0:1.8.0.255, value 5000 Wh.
//! struct Meter;
//! impl Application for Meter {
//!     fn attribute_access(&self, _: &RequestContext, a: &AttributeDescriptor)
//!         -> Result<AttributeAccess, DataAccessResult> {
//!         const ENERGY: obis::ObisCode = obis::ObisCode::new(1, 0, 1, 8, 0, 255);
//!         match (a.class_id, a.instance_id) {
//!             (3, ENERGY) => Ok(AttributeAccess::Read),
//!             (_, ENERGY) => Err(DataAccessResult::OBJECT_CLASS_INCONSISTENT),
//!             _ => Err(DataAccessResult::OBJECT_UNDEFINED),
//!         }
//!     }
//!     fn method_access(&self, _: &RequestContext, _: &MethodDescriptor)
//!         -> Result<MethodAccess, ActionResult> {
//!         Err(ActionResult::OBJECT_UNDEFINED)
//!     }
//!     fn get(&mut self, _: &RequestContext, _: &AttributeDescriptor, _: Option<&SelectiveAccess<'_>>,
//!            _: Option<u64>, out: &mut ValueWriter<'_>) -> Result<Progress, DataAccessResult> {
//!         Data::DoubleLongUnsigned(5000).emit_to(out).map_err(|_| DataAccessResult::OTHER_REASON)?;
//!         Ok(Progress::Done)
//!     }
//! }
//!
//! let public = AssociationConfig::new(16, Authentication::None, Conformance::GET);
//! let mut server: Server<'_, 1> = Server::new(ServerConfig::new(512), [public]);
//! # struct Rng(u64);
//! # impl rand_core::TryRng for Rng {
//! #     type Error = core::convert::Infallible;
//! #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(0) }
//! #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { Ok(0) }
//! #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(7); Ok(()) }
//! # }
//! # impl rand_core::TryCryptoRng for Rng {}
//! let mut rng = Rng(1); // any `rand_core::CryptoRng`: a meter passes its TRNG
//! let mut out = [0u8; 512];
//!
//! // AARQ: LN referencing, no authentication, proposed conformance GET (bit 19:
//! // 5F 1F 04 00 00 00 10), client PDU 0x400.
//! let mut aarq = [0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01,
//!     0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x00,
//!     0x10, 0x04, 0x00];
//! let n = server.handle_apdu(16, &mut aarq, &mut Meter, &mut rng, &mut out)?.unwrap();
//! assert_eq!(out[0], 0x61); // AARE
//! assert!(server.is_associated(16));
//!
//! // GET 1-0:1.8.0.255 attribute 2.
//! let mut get = [0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 0xFF, 0x02, 0x00];
//! let n = server.handle_apdu(16, &mut get, &mut Meter, &mut rng, &mut out)?.unwrap();
//! assert_eq!(&out[..n], [0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x13, 0x88]);
//! # Ok::<(), dlms::Error>(())
//! ```
//!
//! # Static RAM
//!
//! What a meter's session stack takes with one association and 1 KiB PDUs, measured with
//! `core::mem::size_of` on x86-64 (Rust 1.95, `dlms` with `std` only, no elliptic-curve
//! suites); other targets and features differ, mostly in the expanded AES keys. The test
//! `benches/tests/ram_session.rs` keeps these figures true.
//!
//! | Part                                                                                 | Bytes |
//! |--------------------------------------------------------------------------------------|------:|
//! | `Server<'_, 1>`                                                                      | 5,280 |
//! | each further association                                                             | 5,264 |
//! | of which its `SecurityContext` (keys, their expanded ciphers, counters)              | 4,080 |
//! | `HdlcServer`, without its storage                                                    | 1,008 |
//! | its storage, `HdlcServer::storage_len` (a frame, 1 KiB receive and transmit buffers) | 2,199 |
//! | the session's request and response buffers, 1 KiB each                               | 2,048 |
//! | total                                                                                | 10,535 |
//!
//! With the elliptic-curve suites 1 and 2 (features `p256` and `p384`, on by default) each
//! `SecurityContext` holds their keys too: 4,416 bytes, 336 more per association.
//!
//! The caller's frame buffer for `poll_transmit` comes on top (one frame). Besides its
//! `SecurityContext`, an association holds the state of a long GET, a SET in blocks and a
//! response in general block transfer (with their selective-access copies) and the 256-byte
//! carry of its `ValueWriter`; the buffers for SET and GBT blocks are the caller's.

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

use super::Authentication;
use crate::apdu::{
    Aare, Aarq, AcseServiceUser, ActionRequest, ActionResponse, ActionResponseItem, ActionResult,
    Apdu, ApplicationContextName, AssociationResult, AttributeDescriptor, ConfirmedService,
    ConfirmedServiceError, Conformance, DataAccessResult, ExceptionResponse, ExceptionServiceError,
    GetDataResult, GetRequest, InitiateRequest, InitiateResponse, MechanismName, MethodDescriptor,
    ResultSourceDiagnostic, Rlre, SelectiveAccess, ServiceError, SetRequest, SetResponse,
    StateError, UserInformation, plain_tag_of,
};
use crate::axdr::{Data, Encode, Limits, Sink, length_len, put_length};
use crate::link::{Instant, LinkEvent, Transport};
use crate::security::{
    Challenge, Ciphering, EnvelopeKind, Exchange, SecurityContext, SecurityControl,
};
use crate::session::association::{self, reply_to_hls_of, reply_to_hls_response};
use crate::{Error, Result};

/// The lowest DLMS version the server accepts in an InitiateRequest (IEC 62056-5-3: version 6).
pub const DLMS_VERSION: u8 = 6;

/// The VAA name of an LN association in the InitiateResponse (IEC 62056-5-3: `0x0007`).
pub const LN_VAA_NAME: u16 = 0x0007;

/// The largest encoded selective access a long GET keeps between its blocks.
pub const MAX_SELECTION_LEN: usize = 128;

/// The carry of a [`ValueWriter`]: the part of one write that did not fit the block and opens
/// the next. An application writes one element (a profile row, say) at a time, so this bounds
/// the encoding of one element.
pub const CARRY_LEN: usize = 256;

/// The length of the HLS challenge StoC the server sends (IEC 62056-5-3 allows 8 to 64 bytes).
pub const STOC_LEN: usize = 16;

/// The bytes a ciphered response needs beyond its plaintext: a general-glo-ciphering envelope
/// (tag, system title, length, security control, invocation counter and a 12-byte tag).
const CIPHER_OVERHEAD: usize = 1 + 9 + 3 + 1 + 4 + 12;

/// The longest GET-Response-With-Datablock head: tag, choice, invoke id, last-block, block
/// number, choice and the raw-data length (up to 3 bytes).
const BLOCK_HEAD_MAX: usize = 3 + 1 + 4 + 1 + 3;

/// The head of a GET-Response-Normal with data: tag, choice, invoke id, choice.
const NORMAL_HEAD: usize = 4;

/// The access an association has to an attribute (IEC 62056-6-2, Association LN
/// `attribute_access_mode`): the authenticated variants allow the access only to requests
/// that were authenticated by ciphering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeAccess {
    /// no-access (0).
    NoAccess,
    /// read-only (1).
    Read,
    /// write-only (2).
    Write,
    /// read-and-write (3).
    ReadWrite,
    /// authenticated-read-only (4).
    AuthenticatedRead,
    /// authenticated-write-only (5).
    AuthenticatedWrite,
    /// authenticated-read-and-write (6).
    AuthenticatedReadWrite,
}

impl AttributeAccess {
    /// The access mode's code (0 to 6).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::NoAccess => 0,
            Self::Read => 1,
            Self::Write => 2,
            Self::ReadWrite => 3,
            Self::AuthenticatedRead => 4,
            Self::AuthenticatedWrite => 5,
            Self::AuthenticatedReadWrite => 6,
        }
    }

    /// Whether a request (authenticated or not) may read.
    #[must_use]
    pub const fn allows_read(self, authenticated: bool) -> bool {
        match self {
            Self::Read | Self::ReadWrite => true,
            Self::AuthenticatedRead | Self::AuthenticatedReadWrite => authenticated,
            Self::NoAccess | Self::Write | Self::AuthenticatedWrite => false,
        }
    }

    /// Whether a request (authenticated or not) may write.
    #[must_use]
    pub const fn allows_write(self, authenticated: bool) -> bool {
        match self {
            Self::Write | Self::ReadWrite => true,
            Self::AuthenticatedWrite | Self::AuthenticatedReadWrite => authenticated,
            Self::NoAccess | Self::Read | Self::AuthenticatedRead => false,
        }
    }
}

/// The access an association has to a method (IEC 62056-6-2, Association LN
/// `method_access_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodAccess {
    /// no-access (0).
    NoAccess,
    /// access (1).
    Access,
    /// authenticated-access (2): only requests authenticated by ciphering.
    AuthenticatedAccess,
}

impl MethodAccess {
    /// Whether a request (authenticated or not) may invoke the method.
    #[must_use]
    pub const fn allows(self, authenticated: bool) -> bool {
        match self {
            Self::Access => true,
            Self::AuthenticatedAccess => authenticated,
            Self::NoAccess => false,
        }
    }
}

/// Who asks, and how the request came: what the application needs to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestContext {
    /// The client SAP of the association.
    pub client_sap: u16,
    /// The association's authentication mechanism (lowest level security when none).
    pub mechanism: MechanismName,
    /// The request was authenticated by its ciphering (a verified GCM tag).
    pub authenticated: bool,
    /// The request was encrypted.
    pub encrypted: bool,
}

/// Where a GET value stands after the application wrote a block of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The value is complete.
    Done,
    /// More follows: call again with this resume point (the application's own cursor, e.g. the
    /// index of the next profile row). Returned only after the block filled
    /// ([`ValueWriter::is_full`]).
    More(u64),
}

/// The data of ACTION's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Success without return parameters.
    Done,
    /// Success; the return parameters were written into the writer (one A-XDR value).
    WithData,
}

/// The meter's objects, as the session sees them: access rights per association, and the
/// value of each attribute and method, addressed by class id and logical name. The COSEM
/// object model implements this; a firmware can also implement it directly.
pub trait Application {
    /// The association's access to an attribute, or the data-access-result that says why the
    /// object cannot be accessed: `object-undefined` (no such object),
    /// `object-class-inconsistent` (the object exists with another class),
    /// `object-unavailable`, or `scope-of-access-violated` for an attribute that does not exist.
    ///
    /// # Errors
    /// The data-access-result to answer with.
    fn attribute_access(
        &self,
        ctx: &RequestContext,
        attribute: &AttributeDescriptor,
    ) -> core::result::Result<AttributeAccess, DataAccessResult>;

    /// The association's access to a method, or the action-result that says why not.
    ///
    /// # Errors
    /// The action-result to answer with.
    fn method_access(
        &self,
        ctx: &RequestContext,
        method: &MethodDescriptor,
    ) -> core::result::Result<MethodAccess, ActionResult>;

    /// Writes the A-XDR encoding of an attribute's value into `out`, from `resume` on.
    ///
    /// `resume` is `None` on the first call. A value that does not fit one block is written
    /// element by element until [`ValueWriter::is_full`]; the call then returns
    /// [`Progress::More`] with where to go on, and the next block calls again with that point.
    /// The session only calls this once the access rights allow the read.
    ///
    /// # Errors
    /// The data-access-result to answer with.
    fn get(
        &mut self,
        ctx: &RequestContext,
        attribute: &AttributeDescriptor,
        selection: Option<&SelectiveAccess<'_>>,
        resume: Option<u64>,
        out: &mut ValueWriter<'_>,
    ) -> core::result::Result<Progress, DataAccessResult>;

    /// Sets an attribute to `value` (already decoded). The application checks the value's
    /// type and range and changes nothing when it refuses. The default refuses every write.
    ///
    /// # Errors
    /// The data-access-result to answer with.
    fn set(
        &mut self,
        ctx: &RequestContext,
        attribute: &AttributeDescriptor,
        selection: Option<&SelectiveAccess<'_>>,
        value: &Data<'_>,
    ) -> core::result::Result<(), DataAccessResult> {
        let _ = (ctx, attribute, selection, value);
        Err(DataAccessResult::READ_WRITE_DENIED)
    }

    /// Invokes a method; return parameters, if any, are one A-XDR value written into `out`
    /// (which holds one block: return parameters must fit one PDU). The default refuses.
    ///
    /// # Errors
    /// The action-result to answer with.
    fn action(
        &mut self,
        ctx: &RequestContext,
        method: &MethodDescriptor,
        parameters: Option<&Data<'_>>,
        out: &mut ValueWriter<'_>,
    ) -> core::result::Result<ActionOutcome, ActionResult> {
        let _ = (ctx, method, parameters, out);
        Err(ActionResult::READ_WRITE_DENIED)
    }
}

/// A sink of one block: bytes go into the block until it is full, the rest of that write into
/// a carry that opens the next block.
///
/// An application writes one element at a time and checks [`is_full`](Self::is_full)
/// between elements; a single element may overflow the block by up to [`CARRY_LEN`] bytes.
#[derive(Debug)]
pub struct ValueWriter<'b> {
    block: &'b mut [u8],
    len: usize,
    carry: &'b mut [u8],
    carried: usize,
    /// Whether bytes may go to the carry (false: the value must fit the block).
    carry_allowed: bool,
}

impl<'b> ValueWriter<'b> {
    fn new(block: &'b mut [u8], len: usize, carry: &'b mut [u8], carry_allowed: bool) -> Self {
        debug_assert!(len <= block.len());
        ValueWriter {
            block,
            len,
            carry,
            carried: 0,
            carry_allowed,
        }
    }

    /// True when the block is full: stop writing and return [`Progress::More`].
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.len >= self.block.len()
    }

    /// Bytes written into this block.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was written into this block.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the block can still take before it is full.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.block.len().saturating_sub(self.len)
    }
}

impl Sink for ValueWriter<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let room = self.remaining();
        let (now, later) = bytes.split_at(room.min(bytes.len()));
        if !later.is_empty() {
            let end = self.carried + later.len();
            let dst = match self.carry.get_mut(self.carried..end) {
                Some(dst) if self.carry_allowed => dst,
                _ => {
                    return Err(Error::BufferTooSmall {
                        needed: self.len + end,
                        available: self.block.len(),
                    });
                }
            };
            dst.copy_from_slice(later);
            self.carried = end;
        }
        if let Some(dst) = self.block.get_mut(self.len..self.len + now.len()) {
            dst.copy_from_slice(now);
        }
        self.len += now.len();
        Ok(())
    }
}

/// The configuration of the server as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// The largest APDU the server takes (its server-max-receive-pdu-size, announced in the
    /// AARE); longer requests are answered with exception-response `pdu-too-long`.
    pub max_receive_pdu: u16,
}

impl ServerConfig {
    /// A server that takes APDUs of up to `max_receive_pdu` bytes.
    #[must_use]
    pub const fn new(max_receive_pdu: u16) -> Self {
        ServerConfig { max_receive_pdu }
    }
}

/// One association the server offers: to which client, with which authentication and
/// services.
pub struct AssociationConfig<'c> {
    /// The client SAP (16: public client; 1: management, by convention).
    pub client_sap: u16,
    /// The authentication the client must pass.
    pub authentication: Authentication<'c>,
    /// Whether the association is ciphered: the LN-with-ciphering context, the InitiateRequest
    /// and every request protected with the security context's keys.
    pub ciphering: bool,
    /// The services offered; the AARE negotiates the intersection with the client's proposal.
    /// Bits of services the server does not implement are removed (see [`Server::SERVICES`]).
    pub conformance: Conformance,
    /// Keys, system titles and counters: needed for ciphering and for HLS-GMAC.
    pub security: Option<SecurityContext>,
    /// Where a value sent with SET-Request-With-Datablock is put together; its length bounds
    /// the value. Without it, block transfer with SET is not offered.
    pub set_buffer: Option<&'c mut [u8]>,
    /// Where general block transfer keeps a request arriving in blocks and the blocks of a
    /// response until the client acknowledges them (a window of blocks of the client's PDU
    /// size). Without it, or in a ciphered association, general block transfer is not offered.
    pub gbt_buffer: Option<&'c mut [u8]>,
    /// A pre-established association (IEC 62056-5-3: no AARQ; the push association of a
    /// meter): usable from the start with `conformance` and this client maximum PDU.
    pub pre_established: Option<u16>,
}

impl core::fmt::Debug for AssociationConfig<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AssociationConfig")
            .field("client_sap", &self.client_sap)
            .field("authentication", &self.authentication)
            .field("ciphering", &self.ciphering)
            .field("conformance", &self.conformance)
            .field("security", &self.security.is_some())
            .field("set_buffer", &self.set_buffer.as_ref().map(|b| b.len()))
            .field("gbt_buffer", &self.gbt_buffer.as_ref().map(|b| b.len()))
            .field("pre_established", &self.pre_established)
            .finish()
    }
}

impl<'c> AssociationConfig<'c> {
    /// An association for `client_sap` without ciphering.
    #[must_use]
    pub const fn new(
        client_sap: u16,
        authentication: Authentication<'c>,
        conformance: Conformance,
    ) -> Self {
        AssociationConfig {
            client_sap,
            authentication,
            ciphering: false,
            conformance,
            security: None,
            set_buffer: None,
            gbt_buffer: None,
            pre_established: None,
        }
    }

    /// The same, pre-established (no AARQ: the push association), for a client whose maximum
    /// receive PDU is `client_max_pdu` (0: no limit).
    #[must_use]
    pub const fn pre_established(mut self, client_max_pdu: u16) -> Self {
        self.pre_established = Some(client_max_pdu);
        self
    }

    /// The same, ciphered with `security` (LN with ciphering).
    #[must_use]
    pub fn ciphered(mut self, security: SecurityContext) -> Self {
        self.ciphering = true;
        self.security = Some(security);
        self
    }

    /// The same, taking values written with SET-Request-With-Datablock into `buffer` (which
    /// bounds their encoded length); offers block transfer with SET.
    #[must_use]
    pub fn with_set_buffer(mut self, buffer: &'c mut [u8]) -> Self {
        self.set_buffer = Some(buffer);
        self
    }

    /// The same, with general block transfer in `buffer`: requests in blocks up to its length
    /// (at most 1,024 bytes are used for them), and responses in blocks of the client's PDU
    /// size, as many at a time as fit it (the window, up to the client's).
    #[must_use]
    pub fn with_gbt_buffer(mut self, buffer: &'c mut [u8]) -> Self {
        self.gbt_buffer = Some(buffer);
        self
    }

    /// The same, with `security` for HLS-GMAC but requests in clear.
    #[must_use]
    pub fn with_security(mut self, security: SecurityContext) -> Self {
        self.security = Some(security);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No association.
    Idle,
    /// HLS pass 2 sent: waiting for the client's reply_to_HLS_authentication.
    AwaitingHls,
    /// Associated.
    Associated,
}

/// A GET being sent in blocks.
#[derive(Debug, Clone, Copy)]
struct LongGet {
    invoke: crate::apdu::InvokeIdAndPriority,
    attribute: AttributeDescriptor,
    selection: [u8; MAX_SELECTION_LEN],
    /// 0: no selective access; else the length of selector + parameters in `selection`.
    selection_len: usize,
    /// Where the application resumes; `None` once it returned [`Progress::Done`].
    resume: Option<u64>,
    /// The last block sent.
    block: u32,
}

/// A SET arriving in blocks.
#[derive(Debug, Clone, Copy)]
struct LongSet {
    attribute: AttributeDescriptor,
    selection: [u8; MAX_SELECTION_LEN],
    selection_len: usize,
    /// The last block received.
    block: u32,
    /// Bytes of the value received so far (in the association's set buffer).
    len: usize,
}

/// How a request came, for the answer.
#[derive(Debug, Clone, Copy)]
struct Protection {
    kind: EnvelopeKind<'static>,
    control: SecurityControl,
}

/// How the request being handled came: in clear, or in an envelope with this accepted
/// invocation counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Came {
    Clear,
    Ciphered { invocation_counter: u32 },
}

/// One association's state.
struct Association<'c> {
    config: AssociationConfig<'c>,
    state: State,
    /// Negotiated conformance.
    conformance: Conformance,
    /// The client's maximum receive PDU (0: no limit).
    client_max_pdu: u16,
    ctos: Option<Challenge>,
    stoc: Option<Challenge>,
    long_get: Option<LongGet>,
    long_set: Option<LongSet>,
    gbt: gbt::GbtState,
    carry: [u8; CARRY_LEN],
    carried: usize,
}

impl<'c> Association<'c> {
    fn new(config: AssociationConfig<'c>) -> Self {
        let mut a = Association::idle(config);
        a.establish_if_pre();
        a
    }

    /// A pre-established association is associated from the start, and again after a reset.
    fn establish_if_pre(&mut self) {
        if let Some(max) = self.config.pre_established {
            self.state = State::Associated;
            self.conformance = self.config.conformance;
            self.client_max_pdu = max;
        }
    }

    fn idle(config: AssociationConfig<'c>) -> Self {
        Association {
            config,
            state: State::Idle,
            conformance: Conformance(0),
            client_max_pdu: 0,
            ctos: None,
            stoc: None,
            long_get: None,
            long_set: None,
            gbt: gbt::GbtState::new(),
            carry: [0; CARRY_LEN],
            carried: 0,
        }
    }

    fn reset(&mut self) {
        self.state = State::Idle;
        self.conformance = Conformance(0);
        self.client_max_pdu = 0;
        self.ctos = None;
        self.stoc = None;
        self.long_get = None;
        self.long_set = None;
        self.gbt = gbt::GbtState::new();
        self.carried = 0;
        self.establish_if_pre();
    }

    fn mechanism(&self) -> MechanismName {
        self.config
            .authentication
            .mechanism()
            .unwrap_or(MechanismName::LOWEST_LEVEL_SECURITY)
    }

    fn context_name(&self) -> ApplicationContextName {
        if self.config.ciphering {
            ApplicationContextName::LN_WITH_CIPHERING
        } else {
            ApplicationContextName::LN_NO_CIPHERING
        }
    }
}

/// The server side of the sessions of one link (see the [module docs](self)).
pub struct Server<'c, const N: usize> {
    config: ServerConfig,
    associations: [Association<'c>; N],
    /// The client SAP of the last APDU [`Server::serve`] handled (for a link that goes down).
    link_sap: Option<u16>,
}

impl<const N: usize> core::fmt::Debug for Server<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut l = f.debug_list();
        for a in &self.associations {
            l.entry(&(a.config.client_sap, a.state));
        }
        l.finish()
    }
}

impl<'c, const N: usize> Server<'c, N> {
    /// The services this server implements and may offer: GET, SET, ACTION (normal and
    /// with-list), selective access, block transfer with GET, multiple references.
    pub const SERVICES: Conformance = Conformance(
        Conformance::GET.0
            | Conformance::SET.0
            | Conformance::ACTION.0
            | Conformance::SELECTIVE_ACCESS.0
            | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
            | Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0
            | Conformance::MULTIPLE_REFERENCES.0
            | Conformance::GENERAL_BLOCK_TRANSFER.0,
    );

    /// A server offering `associations`, one per client SAP.
    #[must_use]
    pub fn new(config: ServerConfig, associations: [AssociationConfig<'c>; N]) -> Self {
        Server {
            config,
            associations: associations.map(Association::new),
            link_sap: None,
        }
    }

    /// Runs the server over a link: hands every APDU the link delivered to
    /// [`handle_apdu`](Self::handle_apdu) and gives the answers to the link. Call it after
    /// each [`Transport::handle_input`] and before [`Transport::poll_transmit`]. Returns how
    /// many requests were handled.
    ///
    /// `request` and `response` are the session's buffers, each at least the server's and the
    /// client's maximum PDU (an APDU longer than `request` is answered with `pdu-too-long`).
    /// A link that connects or goes down ends the association of its client; an APDU the link
    /// could not take whole ([`LinkEvent::ApduTooLong`]) is answered with exception-response
    /// `pdu-too-long`. While the link is still sending the last answer, requests wait in the
    /// link.
    ///
    /// # Errors
    /// The link's errors when it refuses an answer ([`Error::ApduTooLong`] for an answer
    /// longer than its transmit buffer); [`Error::BufferTooSmall`] from `handle_apdu`.
    pub fn serve<T, A, R>(
        &mut self,
        link: &mut T,
        app: &mut A,
        rng: &mut R,
        request: &mut [u8],
        response: &mut [u8],
        now: Instant,
    ) -> Result<usize>
    where
        T: Transport + ?Sized,
        A: Application + ?Sized,
        R: CryptoRng + ?Sized,
    {
        let mut handled = 0;
        while link.can_send() {
            // The blocks of a response in general block transfer go out as the link frees.
            if let Some(n) = self.next_gbt_block(app, response)? {
                let Some(bytes) = response.get(..n) else {
                    break;
                };
                match link.send(bytes, now) {
                    Ok(()) | Err(Error::NotConnected) => {}
                    Err(e) => return Err(e),
                }
                continue;
            }
            let Some(event) = link.poll_event() else {
                break;
            };
            let answer = match event {
                LinkEvent::Apdu(apdu) => {
                    let len = apdu.len();
                    match request.get_mut(..len) {
                        Some(dst) => {
                            dst.copy_from_slice(apdu);
                            Some(len)
                        }
                        None => None,
                    }
                    .ok_or(len)
                }
                LinkEvent::ApduTooLong { len, .. } => Err(len),
                LinkEvent::Connected { peer, .. } => {
                    self.link_lost(peer.upper());
                    continue;
                }
                LinkEvent::Disconnected { .. } => {
                    if let Some(sap) = self.link_sap.take() {
                        self.link_lost(sap);
                    }
                    continue;
                }
                _ => continue,
            };
            let Some(sap) = link.peer_sap() else {
                continue;
            };
            self.link_sap = Some(sap);
            let n = match answer {
                Ok(len) => {
                    handled += 1;
                    let Some(req) = request.get_mut(..len) else {
                        continue;
                    };
                    self.handle_apdu(sap, req, app, rng, response)?
                }
                Err(_) => exception(
                    response,
                    StateError::SERVICE_NOT_ALLOWED,
                    ExceptionServiceError::PDU_TOO_LONG,
                )?,
            };
            if let Some(n) = n {
                let Some(bytes) = response.get(..n) else {
                    continue;
                };
                match link.send(bytes, now) {
                    Ok(()) | Err(Error::NotConnected) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(handled)
    }

    /// Whether the association of `client_sap` is established (and, for HLS, authenticated).
    #[must_use]
    pub fn is_associated(&self, client_sap: u16) -> bool {
        self.find(client_sap).is_some_and(|i| {
            self.associations
                .get(i)
                .is_some_and(|a| a.state == State::Associated)
        })
    }

    /// The security context of `client_sap`'s association (its counters, for persistence).
    #[must_use]
    pub fn security(&self, client_sap: u16) -> Option<&SecurityContext> {
        let i = self.find(client_sap)?;
        self.associations.get(i)?.config.security.as_ref()
    }

    /// The security context of `client_sap`'s association, to restore counters or change keys.
    pub fn security_mut(&mut self, client_sap: u16) -> Option<&mut SecurityContext> {
        let i = self.find(client_sap)?;
        self.associations.get_mut(i)?.config.security.as_mut()
    }

    /// Ends the association of `client_sap` without an RLRQ: the link went down.
    pub fn link_lost(&mut self, client_sap: u16) {
        if let Some(a) = self
            .find(client_sap)
            .and_then(|i| self.associations.get_mut(i))
        {
            a.reset();
        }
    }

    /// A DataNotification (IEC 62056-5-3, the DATA-NOTIFICATION service) to the association of
    /// `client_sap` (normally a pre-established push association), written into `out`:
    /// `body` with `date_time`, numbered with `invoke_id`. In a ciphered association it is
    /// protected as general-glo-ciphering (DataNotification has no service-specific
    /// envelope). Send it with the link (`HdlcServer::push` for a UI frame, or `send`).
    ///
    /// # Errors
    /// [`Error::NotConnected`] when the association is not established;
    /// [`Error::BufferTooSmall`]; [`Error::ApduTooLong`] when the push exceeds the client's
    /// maximum PDU (send a smaller body, or the body in general block transfer with
    /// [`crate::gbt::blocks`]); the errors of protecting it.
    pub fn push(
        &mut self,
        client_sap: u16,
        invoke_id: u32,
        date_time: Option<crate::axdr::DateTime>,
        body: &Data<'_>,
        out: &mut [u8],
    ) -> Result<usize> {
        let Some(assoc) = self
            .find(client_sap)
            .and_then(|i| self.associations.get_mut(i))
        else {
            return Err(Error::NotConnected);
        };
        if assoc.state != State::Associated {
            return Err(Error::NotConnected);
        }
        let notification = crate::apdu::DataNotification {
            long_invoke_id: crate::apdu::LongInvokeIdAndPriority(invoke_id & 0x00FF_FFFF),
            date_time: match date_time {
                Some(value) => crate::apdu::DateTimeField::Present {
                    value,
                    encoding: crate::apdu::DateTimeEncoding::Length,
                },
                None => crate::apdu::DateTimeField::Absent,
            },
            body: *body,
        };
        let n = emit(&notification, out)?;
        let n = match (assoc.config.ciphering, assoc.config.security.as_mut()) {
            (true, Some(security)) => {
                let control = SecurityControl::new(
                    security.suite(),
                    crate::security::Protection::AuthenticatedEncrypted,
                );
                security.protect_apdu(&EnvelopeKind::General(Ciphering::Global), control, out, n)?
            }
            _ => n,
        };
        let max = usize::from(assoc.client_max_pdu);
        if max != 0 && n > max {
            return Err(Error::ApduTooLong {
                len: n,
                capacity: max,
            });
        }
        Ok(n)
    }

    /// The next block of a response in general block transfer that the client's window
    /// allows, for the association of the last APDU [`serve`](Self::serve) handled.
    fn next_gbt_block<A: Application + ?Sized>(
        &mut self,
        app: &mut A,
        out: &mut [u8],
    ) -> Result<Option<usize>> {
        let Some(sap) = self.link_sap else {
            return Ok(None);
        };
        self.poll_gbt(sap, app, out)
    }

    /// The next APDU of a response in general block transfer to `client_sap` that its window
    /// allows, written into `out`; `None` when nothing is due (all sent, or waiting for the
    /// client's acknowledgement). Call it after each [`handle_apdu`](Self::handle_apdu) until it
    /// returns `None` (`serve` does this).
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `out` cannot hold a block.
    pub fn poll_gbt<A: Application + ?Sized>(
        &mut self,
        client_sap: u16,
        app: &mut A,
        out: &mut [u8],
    ) -> Result<Option<usize>> {
        let Some(assoc) = self
            .find(client_sap)
            .and_then(|i| self.associations.get_mut(i))
        else {
            return Ok(None);
        };
        if assoc.gbt.tx.is_none() || assoc.state != State::Associated {
            return Ok(None);
        }
        let ctx = RequestContext {
            client_sap,
            mechanism: assoc.mechanism(),
            authenticated: false,
            encrypted: false,
        };
        let limit = response_limit(assoc, out.len());
        gbt::next_block(assoc, &ctx, app, out, limit)
    }

    fn find(&self, client_sap: u16) -> Option<usize> {
        self.associations
            .iter()
            .position(|a| a.config.client_sap == client_sap)
    }

    /// Handles one request APDU from `client_sap` and writes the answer into `out`; returns
    /// its length, or `None` when the request takes no answer.
    ///
    /// `request` is modified (a ciphered request is decrypted in place). `rng` gives the HLS
    /// challenges. `out` should hold at least the client's maximum receive PDU; a smaller
    /// `out` bounds the answers (a GET value is then sent in smaller blocks).
    ///
    /// # Errors
    /// Only for the caller's faults: [`Error::BufferTooSmall`] when `out` cannot hold even a
    /// short answer. Every fault of the client is answered.
    pub fn handle_apdu<A: Application + ?Sized, R: CryptoRng + ?Sized>(
        &mut self,
        client_sap: u16,
        request: &mut [u8],
        app: &mut A,
        rng: &mut R,
        out: &mut [u8],
    ) -> Result<Option<usize>> {
        let Some(index) = self.find(client_sap) else {
            return self.unknown_client(request, out);
        };
        let max_receive = usize::from(self.config.max_receive_pdu);
        let Some(assoc) = self.associations.get_mut(index) else {
            debug_assert!(false, "find returned an index of the array");
            return Ok(None);
        };
        if request.len() > max_receive && max_receive != 0 {
            return exception(
                out,
                StateError::SERVICE_NOT_ALLOWED,
                ExceptionServiceError::PDU_TOO_LONG,
            );
        }
        let Some(&tag) = request.first() else {
            return exception(
                out,
                StateError::SERVICE_UNKNOWN,
                ExceptionServiceError::SERVICE_NOT_SUPPORTED,
            );
        };
        match tag {
            Aarq::TAG => associate(assoc, &self.config, request, rng, out),
            crate::apdu::Rlrq::TAG => release(assoc, request, out),
            _ if is_ciphered_tag(tag) => {
                let Some(security) = assoc.config.security.as_mut() else {
                    return exception(
                        out,
                        StateError::SERVICE_NOT_ALLOWED,
                        ExceptionServiceError::DECIPHERING_ERROR,
                    );
                };
                let unprotected = match security.unprotect_apdu(request) {
                    Ok(u) => u,
                    Err(e) => {
                        let ex = association::exception_response(&e).unwrap_or(ExceptionResponse {
                            state_error: StateError::SERVICE_NOT_ALLOWED,
                            service_error: ExceptionServiceError::DECIPHERING_ERROR,
                            invocation_counter: None,
                        });
                        return emit(&ex, out).map(Some);
                    }
                };
                let protection = Protection {
                    kind: envelope_kind(unprotected.envelope_tag),
                    control: unprotected.control,
                };
                let ctx = RequestContext {
                    client_sap,
                    mechanism: assoc.mechanism(),
                    authenticated: unprotected.control.is_authenticated(),
                    encrypted: unprotected.control.is_encrypted(),
                };
                let came = Came::Ciphered {
                    invocation_counter: unprotected.invocation_counter,
                };
                let plaintext: &[u8] = unprotected.plaintext;
                let reserve = CIPHER_OVERHEAD.min(out.len());
                let limit = response_limit(assoc, out.len()).saturating_sub(reserve);
                let Some(n) = dispatch(assoc, &ctx, came, plaintext, app, out, limit)? else {
                    return Ok(None);
                };
                let Some(security) = assoc.config.security.as_mut() else {
                    return Ok(None);
                };
                match security.protect_apdu(&protection.kind, protection.control, out, n) {
                    Ok(len) => Ok(Some(len)),
                    // The invocation counter ran out, or the keys changed under us: the answer
                    // cannot be protected, and an answer in clear would leak it.
                    Err(Error::BufferTooSmall { needed, available }) => {
                        Err(Error::BufferTooSmall { needed, available })
                    }
                    Err(_) => exception(
                        out,
                        StateError::SERVICE_NOT_ALLOWED,
                        ExceptionServiceError::OPERATION_NOT_POSSIBLE,
                    ),
                }
            }
            _ => {
                if assoc.config.ciphering && assoc.state != State::Idle {
                    // LN with ciphering: requests in clear are refused.
                    return exception(
                        out,
                        StateError::SERVICE_NOT_ALLOWED,
                        ExceptionServiceError::OPERATION_NOT_POSSIBLE,
                    );
                }
                let ctx = RequestContext {
                    client_sap,
                    mechanism: assoc.mechanism(),
                    authenticated: false,
                    encrypted: false,
                };
                let limit = response_limit(assoc, out.len());
                dispatch(assoc, &ctx, Came::Clear, request, app, out, limit)
            }
        }
    }

    fn unknown_client(&self, request: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
        if request.first() == Some(&Aarq::TAG) {
            // The client's context when it is a DLMS one this crate can name (an AARE with an
            // empty application-context-name would not parse).
            let context = Aarq::parse(request)
                .ok()
                .and_then(|a| a.application_context_name.application_context())
                .filter(|c| c.oid().is_some())
                .unwrap_or(ApplicationContextName::LN_NO_CIPHERING);
            let aare = Aare::new(
                context.oid().unwrap_or(crate::apdu::ObjectId(&[])),
                AssociationResult::REJECTED_PERMANENT,
                ResultSourceDiagnostic::User(AcseServiceUser::NO_REASON_GIVEN),
                None,
            );
            return emit(&aare, out).map(Some);
        }
        exception(
            out,
            StateError::SERVICE_NOT_ALLOWED,
            ExceptionServiceError::OPERATION_NOT_POSSIBLE,
        )
    }
}

/// Whether `tag` is a ciphered envelope: glo-/ded- service APDUs and the general envelopes.
fn is_ciphered_tag(tag: u8) -> bool {
    plain_tag_of(tag).is_some()
        || matches!(
            tag,
            crate::apdu::GeneralGloCiphering::TAG_GLO
                | crate::apdu::GeneralGloCiphering::TAG_DED
                | crate::apdu::GeneralCiphering::TAG
        )
}

/// The envelope to answer a request of envelope `tag` in.
fn envelope_kind(tag: u8) -> EnvelopeKind<'static> {
    let dedicated = matches!(tag, 0x41..=0x58 | 0xD0..=0xD7);
    let ciphering = if dedicated {
        Ciphering::Dedicated
    } else {
        Ciphering::Global
    };
    match tag {
        crate::apdu::GeneralGloCiphering::TAG_GLO | crate::apdu::GeneralCiphering::TAG => {
            EnvelopeKind::General(Ciphering::Global)
        }
        crate::apdu::GeneralGloCiphering::TAG_DED => EnvelopeKind::General(Ciphering::Dedicated),
        _ => EnvelopeKind::Service(ciphering),
    }
}

/// The largest answer for this association: the client's maximum receive PDU, bounded by `out`.
fn response_limit(assoc: &Association<'_>, out_len: usize) -> usize {
    match assoc.client_max_pdu {
        0 => out_len,
        n => usize::from(n).min(out_len),
    }
}

fn emit<E: Encode + ?Sized>(value: &E, out: &mut [u8]) -> Result<usize> {
    value.emit(out)
}

fn exception(
    out: &mut [u8],
    state_error: StateError,
    service_error: ExceptionServiceError,
) -> Result<Option<usize>> {
    emit(
        &ExceptionResponse {
            state_error,
            service_error,
            invocation_counter: None,
        },
        out,
    )
    .map(Some)
}

// ---- association (ACSE) ----------------------------------------------------------------------

/// The AARE that refuses an AARQ with `diagnostic`.
fn reject(
    assoc: &mut Association<'_>,
    diagnostic: AcseServiceUser,
    user_information: Option<UserInformation<'_>>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    assoc.reset();
    let context = assoc
        .context_name()
        .oid()
        .unwrap_or(crate::apdu::ObjectId(&[]));
    let aare = Aare::new(
        context,
        AssociationResult::REJECTED_PERMANENT,
        ResultSourceDiagnostic::User(diagnostic),
        user_information,
    );
    emit(&aare, out).map(Some)
}

fn initiate_error(error: u8) -> UserInformation<'static> {
    UserInformation::ConfirmedServiceError(ConfirmedServiceError {
        service: ConfirmedService::INITIATE_ERROR,
        error: ServiceError {
            class: crate::apdu::ServiceErrorClass::INITIATE,
            value: error,
        },
    })
}

fn associate<R: CryptoRng + ?Sized>(
    assoc: &mut Association<'_>,
    config: &ServerConfig,
    request: &mut [u8],
    rng: &mut R,
    out: &mut [u8],
) -> Result<Option<usize>> {
    // A new AARQ ends whatever association there was.
    assoc.reset();
    let parsed = match Aarq::parse(request) {
        Ok(a) => a,
        Err(_) => return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out),
    };
    if parsed.application_context_name.application_context() != Some(assoc.context_name()) {
        return reject(
            assoc,
            AcseServiceUser::APPLICATION_CONTEXT_NAME_NOT_SUPPORTED,
            None,
            out,
        );
    }
    let auth = match association::aarq_authentication(&parsed) {
        Ok(a) => a,
        Err(_) => return reject(assoc, AcseServiceUser::AUTHENTICATION_FAILURE, None, out),
    };
    let expected = assoc.mechanism();
    if auth.mechanism != expected {
        let diagnostic = if auth.mechanism == MechanismName::LOWEST_LEVEL_SECURITY {
            AcseServiceUser::AUTHENTICATION_MECHANISM_NAME_REQUIRED
        } else {
            AcseServiceUser::AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED
        };
        return reject(assoc, diagnostic, None, out);
    }
    match assoc.config.authentication {
        Authentication::Lls { password } => {
            if !bool::from(auth.value.ct_eq(password)) {
                return reject(assoc, AcseServiceUser::AUTHENTICATION_FAILURE, None, out);
            }
        }
        Authentication::HlsGmac | Authentication::Hls(_) => match Challenge::from_slice(auth.value)
        {
            Ok(c) => assoc.ctos = Some(c),
            Err(_) => return reject(assoc, AcseServiceUser::AUTHENTICATION_FAILURE, None, out),
        },
        Authentication::None => {}
    }
    let hls = expected.is_hls();
    let needs_title =
        assoc.config.ciphering || matches!(assoc.config.authentication, Authentication::HlsGmac);
    if needs_title {
        match (auth.calling_title, assoc.config.security.as_mut()) {
            (Some(title), Some(security)) => security.set_peer_title(Some(title)),
            _ => {
                return reject(
                    assoc,
                    AcseServiceUser::CALLING_AP_TITLE_NOT_RECOGNIZED,
                    None,
                    out,
                );
            }
        }
    }
    let user_information_in_clear = matches!(
        parsed.user_information,
        Some(UserInformation::InitiateRequest(_))
    );
    if assoc.config.ciphering == user_information_in_clear {
        // LN with ciphering wants a glo-initiate-request; LN without ciphering a plain one.
        return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out);
    }
    // The InitiateRequest, decrypted in place when ciphered (and the dedicated key installed).
    let initiate_protection = if assoc.config.ciphering {
        let Some(security) = assoc.config.security.as_mut() else {
            return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out);
        };
        match security.unprotect_user_information(request) {
            Ok(Some(u)) => {
                let p = Protection {
                    kind: envelope_kind(u.envelope_tag),
                    control: u.control,
                };
                let plain: &[u8] = u.plaintext;
                let len = plain.len().min(INITIATE_MAX);
                let mut copy = [0u8; INITIATE_MAX];
                if let (Some(dst), Some(src)) = (copy.get_mut(..len), plain.get(..len)) {
                    dst.copy_from_slice(src);
                }
                Some((p, copy, len))
            }
            _ => {
                return reject(
                    assoc,
                    AcseServiceUser::NO_REASON_GIVEN,
                    Some(initiate_error(0)),
                    out,
                );
            }
        }
    } else {
        None
    };
    let initiate = match &initiate_protection {
        Some((_, copy, len)) => copy
            .get(..*len)
            .and_then(|b| InitiateRequest::parse(b).ok())
            .map(|r| {
                (
                    r.proposed_dlms_version_number,
                    r.proposed_conformance,
                    r.client_max_receive_pdu_size,
                )
            }),
        None => match Aarq::parse(request).ok().and_then(|a| a.user_information) {
            Some(UserInformation::InitiateRequest(r)) => Some((
                r.proposed_dlms_version_number,
                r.proposed_conformance,
                r.client_max_receive_pdu_size,
            )),
            _ => None,
        },
    };
    let Some((version, proposed, client_max_pdu)) = initiate else {
        return reject(
            assoc,
            AcseServiceUser::NO_REASON_GIVEN,
            Some(initiate_error(0)),
            out,
        );
    };
    if version < DLMS_VERSION {
        // initiateError / initiate / dlms-version-too-low
        return reject(
            assoc,
            AcseServiceUser::NO_REASON_GIVEN,
            Some(initiate_error(1)),
            out,
        );
    }
    // The client's PDU must hold the smallest answer with data: a GET-Response-With-Datablock
    // head and one byte, in an envelope when the association has keys (a request may come
    // ciphered). Below that a long GET could not be answered at all.
    let smallest = BLOCK_HEAD_MAX
        + 1
        + if assoc.config.security.is_some() {
            CIPHER_OVERHEAD
        } else {
            0
        };
    if client_max_pdu != 0 && usize::from(client_max_pdu) < smallest {
        // initiateError / initiate / pdu-size-too-short
        return reject(
            assoc,
            AcseServiceUser::NO_REASON_GIVEN,
            Some(initiate_error(3)),
            out,
        );
    }
    let mut offered = Conformance(assoc.config.conformance.0 & Server::<'_, 0>::SERVICES.0);
    if assoc.config.set_buffer.is_none() {
        offered.0 &= !Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0;
    }
    if assoc.config.gbt_buffer.is_none() || assoc.config.ciphering {
        offered.0 &= !Conformance::GENERAL_BLOCK_TRANSFER.0;
    }
    let negotiated = Conformance(offered.0 & proposed.0);
    if negotiated.0 == 0 {
        // initiateError / initiate / incompatible-conformance
        return reject(
            assoc,
            AcseServiceUser::NO_REASON_GIVEN,
            Some(initiate_error(2)),
            out,
        );
    }
    assoc.conformance = negotiated;
    assoc.client_max_pdu = client_max_pdu;

    // The AARE.
    let response = InitiateResponse {
        negotiated_quality_of_service: None,
        negotiated_dlms_version_number: DLMS_VERSION,
        negotiated_conformance: negotiated,
        conformance_tag: crate::apdu::ConformanceTag::Standard,
        server_max_receive_pdu_size: config.max_receive_pdu,
        vaa_name: LN_VAA_NAME,
    };
    let mut initiate_buf = [0u8; INITIATE_MAX + CIPHER_OVERHEAD];
    let user_information = match &initiate_protection {
        None => UserInformation::InitiateResponse(response),
        Some((protection, _, _)) => {
            let n = emit(&response, &mut initiate_buf)?;
            let Some(security) = assoc.config.security.as_mut() else {
                return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out);
            };
            let Ok(len) =
                security.protect_apdu(&protection.kind, protection.control, &mut initiate_buf, n)
            else {
                return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out);
            };
            let Some(ciphered) = initiate_buf.get(..len) else {
                return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out);
            };
            let parsed = match ciphered.first() {
                Some(
                    &crate::apdu::GeneralGloCiphering::TAG_GLO
                    | &crate::apdu::GeneralGloCiphering::TAG_DED,
                ) => crate::apdu::GeneralGloCiphering::parse(ciphered)
                    .map(UserInformation::GeneralGlo),
                _ => crate::apdu::CipheredApdu::parse(ciphered).map(UserInformation::Ciphered),
            };
            match parsed {
                Ok(u) => u,
                Err(_) => return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out),
            }
        }
    };
    let context = assoc
        .context_name()
        .oid()
        .unwrap_or(crate::apdu::ObjectId(&[]));
    let aare = Aare::new(
        context,
        AssociationResult::ACCEPTED,
        ResultSourceDiagnostic::User(AcseServiceUser::NULL),
        Some(user_information),
    );
    let own_title = assoc
        .config
        .security
        .as_ref()
        .map(|s| *s.own_title().as_bytes());
    let aare = if hls {
        let stoc = match Challenge::generate(rng, STOC_LEN) {
            Ok(c) => c,
            Err(_) => return reject(assoc, AcseServiceUser::NO_REASON_GIVEN, None, out),
        };
        assoc.stoc = Some(stoc);
        assoc.state = State::AwaitingHls;
        let stoc_bytes: &[u8] = assoc.stoc.as_ref().map_or(&[], Challenge::as_bytes);
        let aare = association::authenticate_aare(aare, expected, stoc_bytes, own_title.as_ref());
        return emit(&aare, out).map(Some);
    } else {
        assoc.state = State::Associated;
        match own_title.as_ref() {
            Some(t) if assoc.config.ciphering => Aare {
                responding_ap_title: Some(crate::apdu::Tlv::octet_string(t)),
                ..aare
            },
            _ => aare,
        }
    };
    emit(&aare, out).map(Some)
}

/// The longest InitiateRequest/-Response the server handles (with a 32-byte dedicated key).
const INITIATE_MAX: usize = 64;

fn release(assoc: &mut Association<'_>, request: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
    let ok = crate::apdu::Rlrq::parse(request).is_ok();
    assoc.reset();
    if !ok {
        return exception(
            out,
            StateError::SERVICE_NOT_ALLOWED,
            ExceptionServiceError::OTHER_REASON,
        );
    }
    // RLRE with reason normal (0).
    let rlre = Rlre {
        reason: Some(crate::apdu::ReleaseResponseReason::NORMAL),
        user_information: None,
    };
    emit(&rlre, out).map(Some)
}

// ---- services ------------------------------------------------------------------------------

fn dispatch<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    came: Came,
    apdu: &[u8],
    app: &mut A,
    out: &mut [u8],
    limit: usize,
) -> Result<Option<usize>> {
    let parsed = match Apdu::parse(apdu) {
        Ok(a) => a,
        Err(Error::UnknownTag { .. }) => {
            return exception(
                out,
                StateError::SERVICE_UNKNOWN,
                ExceptionServiceError::SERVICE_NOT_SUPPORTED,
            );
        }
        Err(_) => {
            return exception(
                out,
                StateError::SERVICE_NOT_ALLOWED,
                ExceptionServiceError::OTHER_REASON,
            );
        }
    };
    match assoc.state {
        State::Associated => {}
        State::AwaitingHls => {
            if let Apdu::ActionRequest(request) = parsed
                && let Some(f_stoc) = reply_to_hls_of(&request)
            {
                return hls_pass_4(assoc, came, &request, f_stoc, out);
            }
            return exception(
                out,
                StateError::SERVICE_NOT_ALLOWED,
                ExceptionServiceError::OPERATION_NOT_POSSIBLE,
            );
        }
        State::Idle => {
            return exception(
                out,
                StateError::SERVICE_NOT_ALLOWED,
                ExceptionServiceError::OPERATION_NOT_POSSIBLE,
            );
        }
    }
    let allowed = |bit: Conformance| assoc.conformance.0 & bit.0 != 0;
    let out = match out.get_mut(..limit) {
        Some(o) => o,
        None => out,
    };
    match parsed {
        Apdu::GeneralBlockTransfer(block) if allowed(Conformance::GENERAL_BLOCK_TRANSFER) => {
            gbt::on_block(assoc, ctx, &block, app, out, limit)
        }
        Apdu::GetRequest(GetRequest::Normal {
            invoke,
            attribute,
            access,
        }) if allowed(Conformance::GET)
            && (access.is_none() || allowed(Conformance::SELECTIVE_ACCESS)) =>
        {
            get_normal(assoc, ctx, app, invoke, attribute, access, out)
        }
        Apdu::GetRequest(GetRequest::Next {
            invoke,
            block_number,
        }) if allowed(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ) => {
            get_next(assoc, ctx, app, invoke, block_number, out)
        }
        Apdu::GetRequest(GetRequest::WithList { invoke, attributes })
            if allowed(Conformance::MULTIPLE_REFERENCES) && allowed(Conformance::GET) =>
        {
            get_with_list(assoc, ctx, app, invoke, &attributes, out)
        }
        Apdu::SetRequest(SetRequest::Normal {
            invoke,
            attribute,
            access,
            value,
        }) if allowed(Conformance::SET) => {
            let result = set_one(app, ctx, &attribute, access.as_ref(), &value);
            emit(&SetResponse::Normal { invoke, result }, out).map(Some)
        }
        Apdu::SetRequest(SetRequest::WithList {
            invoke,
            attributes,
            values,
        }) if allowed(Conformance::SET) && allowed(Conformance::MULTIPLE_REFERENCES) => {
            set_with_list(app, ctx, invoke, &attributes, &values, out)
        }
        Apdu::SetRequest(SetRequest::WithFirstDataBlock {
            invoke,
            attribute,
            access,
            block,
        }) if allowed(Conformance::SET)
            && allowed(Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE) =>
        {
            set_first_block(assoc, ctx, app, invoke, attribute, access, &block, out)
        }
        Apdu::SetRequest(SetRequest::WithDataBlock { invoke, block })
            if allowed(Conformance::SET)
                && allowed(Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE) =>
        {
            set_next_block(assoc, ctx, app, invoke, &block, out)
        }
        Apdu::ActionRequest(ActionRequest::Normal {
            invoke,
            method,
            parameters,
        }) if allowed(Conformance::ACTION) => {
            action_normal(assoc, ctx, app, invoke, &method, parameters.as_ref(), out)
        }
        Apdu::GetRequest(_) | Apdu::SetRequest(_) | Apdu::ActionRequest(_) => exception(
            out,
            StateError::SERVICE_NOT_ALLOWED,
            ExceptionServiceError::SERVICE_NOT_SUPPORTED,
        ),
        _ => exception(
            out,
            StateError::SERVICE_UNKNOWN,
            ExceptionServiceError::SERVICE_NOT_SUPPORTED,
        ),
    }
}

fn hls_pass_4(
    assoc: &mut Association<'_>,
    came: Came,
    request: &ActionRequest<'_>,
    f_stoc: &[u8],
    out: &mut [u8],
) -> Result<Option<usize>> {
    let invoke = request.invoke();
    let (Some(ctos), Some(stoc)) = (assoc.ctos.as_ref(), assoc.stoc.as_ref()) else {
        assoc.reset();
        return emit(&reply_to_hls_response(invoke, None), out).map(Some);
    };
    let (ctos, stoc) = (ctos.clone(), stoc.clone());
    let response = match (assoc.config.authentication, assoc.config.security.as_mut()) {
        (Authentication::HlsGmac, Some(security)) => match came {
            Came::Clear => security.hls_gmac_verify(stoc.as_bytes(), ctos.as_bytes(), f_stoc),
            Came::Ciphered { invocation_counter } => security.hls_gmac_verify_enveloped(
                stoc.as_bytes(),
                ctos.as_bytes(),
                f_stoc,
                invocation_counter,
            ),
        }
        .and_then(|()| security.hls_gmac_respond(stoc.as_bytes(), ctos.as_bytes())),
        (Authentication::Hls(secret), security) => {
            let own = security.as_ref().map(|s| *s.own_title());
            let peer = security.as_ref().and_then(|s| s.peer_title().copied());
            match (own, peer) {
                (Some(own_title), Some(peer_title)) => {
                    let exchange = Exchange {
                        own_title: &own_title,
                        peer_title: &peer_title,
                        own_challenge: stoc.as_bytes(),
                        peer_challenge: ctos.as_bytes(),
                    };
                    secret
                        .verify(&exchange, f_stoc)
                        .and_then(|_| secret.respond(&exchange, 0))
                }
                _ => {
                    // Mechanisms 3 and 4 use no system titles; give both sides an empty one.
                    let none = crate::security::SystemTitle::new([0; 8]);
                    let exchange = Exchange {
                        own_title: &none,
                        peer_title: &none,
                        own_challenge: stoc.as_bytes(),
                        peer_challenge: ctos.as_bytes(),
                    };
                    secret
                        .verify(&exchange, f_stoc)
                        .and_then(|_| secret.respond(&exchange, 0))
                }
            }
        }
        _ => Err(Error::AuthenticationFailed),
    };
    match response {
        Ok(f_ctos) => {
            assoc.state = State::Associated;
            assoc.ctos = None;
            assoc.stoc = None;
            emit(&reply_to_hls_response(invoke, Some(f_ctos.as_bytes())), out).map(Some)
        }
        Err(_) => {
            assoc.reset();
            emit(&reply_to_hls_response(invoke, None), out).map(Some)
        }
    }
}

/// The access check before a read: `None` when allowed, else the result to answer.
fn check_read<A: Application + ?Sized>(
    app: &A,
    ctx: &RequestContext,
    attribute: &AttributeDescriptor,
) -> Option<DataAccessResult> {
    match app.attribute_access(ctx, attribute) {
        Ok(access) if access.allows_read(ctx.authenticated) => None,
        Ok(_) => Some(DataAccessResult::READ_WRITE_DENIED),
        Err(result) => Some(result),
    }
}

fn set_one<A: Application + ?Sized>(
    app: &mut A,
    ctx: &RequestContext,
    attribute: &AttributeDescriptor,
    access: Option<&SelectiveAccess<'_>>,
    value: &Data<'_>,
) -> DataAccessResult {
    match app.attribute_access(ctx, attribute) {
        Ok(a) if a.allows_write(ctx.authenticated) => {}
        Ok(_) => return DataAccessResult::READ_WRITE_DENIED,
        Err(result) => return result,
    }
    match app.set(ctx, attribute, access, value) {
        Ok(()) => DataAccessResult::SUCCESS,
        Err(result) => result,
    }
}

/// The answer that ends a SET with blocks: SET-Response-Last-Datablock with `result`.
fn set_done(
    invoke: crate::apdu::InvokeIdAndPriority,
    result: DataAccessResult,
    block_number: u32,
    out: &mut [u8],
) -> Result<Option<usize>> {
    emit(
        &SetResponse::LastDataBlock {
            invoke,
            result,
            block_number,
        },
        out,
    )
    .map(Some)
}

#[allow(clippy::too_many_arguments)]
fn set_first_block<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    invoke: crate::apdu::InvokeIdAndPriority,
    attribute: AttributeDescriptor,
    access: Option<SelectiveAccess<'_>>,
    block: &crate::apdu::DataBlock<'_>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    assoc.long_set = None;
    if block.block_number != 1 {
        return set_done(
            invoke,
            DataAccessResult::DATA_BLOCK_NUMBER_INVALID,
            block.block_number,
            out,
        );
    }
    match app.attribute_access(ctx, &attribute) {
        Ok(a) if a.allows_write(ctx.authenticated) => {}
        Ok(_) => return set_done(invoke, DataAccessResult::READ_WRITE_DENIED, 1, out),
        Err(result) => return set_done(invoke, result, 1, out),
    }
    let mut selection = [0u8; MAX_SELECTION_LEN];
    let selection_len = match access {
        None => 0,
        Some(a) => {
            let mut sink = crate::axdr::SliceSink::new(&mut selection);
            if sink.put_u8(a.selector).is_err() || a.parameters.emit_to(&mut sink).is_err() {
                return set_done(invoke, DataAccessResult::OTHER_REASON, 1, out);
            }
            sink.len()
        }
    };
    assoc.long_set = Some(LongSet {
        attribute,
        selection,
        selection_len,
        block: 0,
        len: 0,
    });
    set_next_block(assoc, ctx, app, invoke, block, out)
}

fn set_next_block<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    invoke: crate::apdu::InvokeIdAndPriority,
    block: &crate::apdu::DataBlock<'_>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    let Some(mut long) = assoc.long_set.take() else {
        return set_done(
            invoke,
            DataAccessResult::NO_LONG_SET_IN_PROGRESS,
            block.block_number,
            out,
        );
    };
    if block.block_number != long.block.wrapping_add(1) {
        return set_done(
            invoke,
            DataAccessResult::DATA_BLOCK_NUMBER_INVALID,
            block.block_number,
            out,
        );
    }
    let Some(buffer) = assoc.config.set_buffer.as_deref_mut() else {
        return set_done(
            invoke,
            DataAccessResult::LONG_SET_ABORTED,
            block.block_number,
            out,
        );
    };
    let end = long.len + block.raw_data.len();
    let Some(dst) = buffer.get_mut(long.len..end) else {
        // The value does not fit what the meter takes.
        return set_done(
            invoke,
            DataAccessResult::LONG_SET_ABORTED,
            block.block_number,
            out,
        );
    };
    dst.copy_from_slice(block.raw_data);
    long.len = end;
    long.block = block.block_number;
    if !block.last_block {
        assoc.long_set = Some(long);
        return emit(
            &SetResponse::DataBlock {
                invoke,
                block_number: block.block_number,
            },
            out,
        )
        .map(Some);
    }
    let value_bytes: &[u8] = buffer.get(..long.len).unwrap_or_default();
    let result = match Data::parse_with(value_bytes, &Limits::DEFAULT) {
        Ok(value) => {
            let selection = match long.selection.get(..long.selection_len) {
                Some(s) if !s.is_empty() => parse_selection(s),
                _ => None,
            };
            set_one(app, ctx, &long.attribute, selection.as_ref(), &value)
        }
        Err(_) => DataAccessResult::TYPE_UNMATCHED,
    };
    set_done(invoke, result, block.block_number, out)
}

fn get_normal<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    invoke: crate::apdu::InvokeIdAndPriority,
    attribute: AttributeDescriptor,
    access: Option<SelectiveAccess<'_>>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    // A new GET ends a long GET in progress.
    assoc.long_get = None;
    assoc.carried = 0;
    let error = |result: DataAccessResult, out: &mut [u8]| {
        emit(
            &crate::apdu::GetResponse::Normal {
                invoke,
                result: GetDataResult::Error(result),
            },
            out,
        )
        .map(Some)
    };
    if let Some(result) = check_read(app, ctx, &attribute) {
        return error(result, out);
    }
    if out.len() < BLOCK_HEAD_MAX + 1 {
        return Err(Error::BufferTooSmall {
            needed: BLOCK_HEAD_MAX + 1,
            available: out.len(),
        });
    }
    let block_transfer = assoc.conformance.0 & Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0 != 0;
    let (progress, len, carried) = {
        let Some(region) = out.get_mut(BLOCK_HEAD_MAX..) else {
            return error(DataAccessResult::OTHER_REASON, out);
        };
        let mut w = ValueWriter::new(region, 0, &mut assoc.carry, block_transfer);
        let progress = match app.get(ctx, &attribute, access.as_ref(), None, &mut w) {
            Ok(p) => p,
            Err(result) => {
                return error(result, out);
            }
        };
        (progress, w.len, w.carried)
    };
    assoc.carried = carried;
    if progress == Progress::Done && carried == 0 {
        // GET-Response-Normal: C4 01 invoke 00 value.
        out.copy_within(BLOCK_HEAD_MAX..BLOCK_HEAD_MAX + len, NORMAL_HEAD);
        let head = [crate::apdu::GetResponse::TAG, 1, invoke.0, 0];
        if let Some(dst) = out.get_mut(..NORMAL_HEAD) {
            dst.copy_from_slice(&head);
        }
        return Ok(Some(NORMAL_HEAD + len));
    }
    if !block_transfer || (matches!(progress, Progress::More(_)) && len == 0) {
        // Too large for one PDU without block transfer; or the application asked for another
        // block without writing into this one.
        assoc.carried = 0;
        return error(DataAccessResult::OTHER_REASON, out);
    }
    // Block transfer: keep the selection for the next blocks.
    let mut selection = [0u8; MAX_SELECTION_LEN];
    let selection_len = match access {
        None => 0,
        Some(a) => {
            let mut sink = crate::axdr::SliceSink::new(&mut selection);
            if sink.put_u8(a.selector).is_err() || a.parameters.emit_to(&mut sink).is_err() {
                assoc.carried = 0;
                return error(DataAccessResult::OTHER_REASON, out);
            }
            sink.len()
        }
    };
    let resume = match progress {
        Progress::Done => None,
        Progress::More(r) => Some(r),
    };
    assoc.long_get = Some(LongGet {
        invoke,
        attribute,
        selection,
        selection_len,
        resume,
        block: 1,
    });
    Ok(Some(block_response(invoke, false, 1, out, len)))
}

/// Moves `len` bytes of raw data from `out[BLOCK_HEAD_MAX..]` behind a
/// GET-Response-With-Datablock head and returns the APDU's length.
fn block_response(
    invoke: crate::apdu::InvokeIdAndPriority,
    last: bool,
    block: u32,
    out: &mut [u8],
    len: usize,
) -> usize {
    let n = block.to_be_bytes();
    let mut head = [0u8; BLOCK_HEAD_MAX];
    let fixed = [
        crate::apdu::GetResponse::TAG,
        2,
        invoke.0,
        u8::from(last),
        n[0],
        n[1],
        n[2],
        n[3],
        0,
    ];
    let head_len = fixed.len() + length_len(len);
    if let Some(dst) = head.get_mut(..fixed.len()) {
        dst.copy_from_slice(&fixed);
    }
    let mut sink = crate::axdr::SliceSink::new(head.get_mut(fixed.len()..).unwrap_or_default());
    let written = put_length(&mut sink, len);
    debug_assert!(written.is_ok(), "a length of at most 3 bytes fits");
    out.copy_within(BLOCK_HEAD_MAX..BLOCK_HEAD_MAX + len, head_len);
    if let (Some(dst), Some(src)) = (out.get_mut(..head_len), head.get(..head_len)) {
        dst.copy_from_slice(src);
    }
    head_len + len
}

fn get_next<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    invoke: crate::apdu::InvokeIdAndPriority,
    block_number: u32,
    out: &mut [u8],
) -> Result<Option<usize>> {
    let refuse = |result: DataAccessResult, block: u32, out: &mut [u8]| {
        emit(
            &crate::apdu::GetResponse::WithDataBlock {
                invoke,
                last_block: true,
                block_number: block,
                result: crate::apdu::BlockResult::Error(result),
            },
            out,
        )
        .map(Some)
    };
    let Some(mut long) = assoc.long_get else {
        return refuse(DataAccessResult::NO_LONG_GET_IN_PROGRESS, block_number, out);
    };
    if block_number != long.block {
        assoc.long_get = None;
        assoc.carried = 0;
        return refuse(
            DataAccessResult::DATA_BLOCK_NUMBER_INVALID,
            block_number,
            out,
        );
    }
    if out.len() < BLOCK_HEAD_MAX + 1 {
        return Err(Error::BufferTooSmall {
            needed: BLOCK_HEAD_MAX + 1,
            available: out.len(),
        });
    }
    let next = long.block.saturating_add(1);
    let (len, carried, resume) = {
        let Some(region) = out.get_mut(BLOCK_HEAD_MAX..) else {
            return refuse(DataAccessResult::OTHER_REASON, next, out);
        };
        // The carry of the last block opens this one; what does not fit stays carried.
        let pending = assoc.carried;
        let take = pending.min(region.len());
        if let (Some(dst), Some(src)) = (region.get_mut(..take), assoc.carry.get(..take)) {
            dst.copy_from_slice(src);
        }
        assoc.carry.copy_within(take..pending, 0);
        let still = pending - take;
        let mut w = ValueWriter::new(region, take, &mut assoc.carry, true);
        w.carried = still;
        let mut resume = long.resume;
        if let Some(point) = resume
            && !w.is_full()
        {
            let selection = match long.selection.get(..long.selection_len) {
                Some(s) if !s.is_empty() => parse_selection(s),
                _ => None,
            };
            match app.get(
                ctx,
                &long.attribute,
                selection.as_ref(),
                Some(point),
                &mut w,
            ) {
                Ok(Progress::Done) => resume = None,
                Ok(Progress::More(r)) => resume = Some(r),
                Err(result) => {
                    assoc.long_get = None;
                    assoc.carried = 0;
                    return refuse(result, next, out);
                }
            }
        }
        (w.len, w.carried, resume)
    };
    if resume.is_some() && len == 0 {
        assoc.long_get = None;
        assoc.carried = 0;
        return refuse(DataAccessResult::OTHER_REASON, next, out);
    }
    assoc.carried = carried;
    long.resume = resume;
    long.block = next;
    long.invoke = invoke;
    let last = resume.is_none() && carried == 0;
    assoc.long_get = if last { None } else { Some(long) };
    Ok(Some(block_response(invoke, last, next, out, len)))
}

fn parse_selection(bytes: &[u8]) -> Option<SelectiveAccess<'_>> {
    let (&selector, rest) = bytes.split_first()?;
    let parameters = Data::parse_with(rest, &Limits::DEFAULT).ok()?;
    Some(SelectiveAccess {
        selector,
        parameters,
    })
}

fn get_with_list<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    invoke: crate::apdu::InvokeIdAndPriority,
    attributes: &crate::apdu::List<'_, crate::apdu::AttributeWithSelection<'_>>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    assoc.long_get = None;
    assoc.carried = 0;
    // C4 03 invoke count { 00 value | 01 result }*: written in place; each value must fit
    // what is left of the PDU (the results of one with-list answer are not sent in blocks).
    let count = attributes.len();
    let mut head = crate::axdr::SliceSink::new(out);
    head.put(&[crate::apdu::GetResponse::TAG, 3, invoke.0])?;
    put_length(&mut head, count)?;
    let mut pos = head.len();
    for item in attributes.iter() {
        let denied = check_read(app, ctx, &item.attribute);
        let result = match denied {
            Some(result) => Err(result),
            None => {
                let Some(region) = out.get_mut(pos + 1..) else {
                    return list_too_long(out);
                };
                let mut w = ValueWriter::new(region, 0, &mut assoc.carry, false);
                match app.get(ctx, &item.attribute, item.access.as_ref(), None, &mut w) {
                    Ok(Progress::Done) => Ok(w.len),
                    // Too large for what is left of the PDU.
                    Ok(Progress::More(_)) => Err(DataAccessResult::OTHER_REASON),
                    Err(result) => Err(result),
                }
            }
        };
        match result {
            Ok(len) => {
                if let Some(b) = out.get_mut(pos) {
                    *b = 0;
                }
                pos += 1 + len;
            }
            Err(result) => {
                let Some(dst) = out.get_mut(pos..pos + 2) else {
                    return list_too_long(out);
                };
                dst.copy_from_slice(&[1, result.0]);
                pos += 2;
            }
        }
    }
    Ok(Some(pos))
}

/// The answer to a GET with-list whose results do not fit the client's PDU even as
/// data-access-results (the results of one with-list answer are not sent in blocks): an
/// exception-response, operation-not-possible, rather than an error of the caller.
fn list_too_long(out: &mut [u8]) -> Result<Option<usize>> {
    exception(
        out,
        StateError::SERVICE_NOT_ALLOWED,
        ExceptionServiceError::OPERATION_NOT_POSSIBLE,
    )
}

fn set_with_list<A: Application + ?Sized>(
    app: &mut A,
    ctx: &RequestContext,
    invoke: crate::apdu::InvokeIdAndPriority,
    attributes: &crate::apdu::List<'_, crate::apdu::AttributeWithSelection<'_>>,
    values: &crate::apdu::List<'_, Data<'_>>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    // C5 05 invoke count { result }*
    let mut sink = crate::axdr::SliceSink::new(out);
    sink.put(&[SetResponse::TAG, 5, invoke.0])?;
    put_length(&mut sink, attributes.len())?;
    for (i, item) in attributes.iter().enumerate() {
        let result = match values.get(i) {
            Some(value) => set_one(app, ctx, &item.attribute, item.access.as_ref(), &value),
            None => DataAccessResult::TYPE_UNMATCHED,
        };
        sink.put_u8(result.0)?;
    }
    Ok(Some(sink.len()))
}

fn action_normal<A: Application + ?Sized>(
    assoc: &mut Association<'_>,
    ctx: &RequestContext,
    app: &mut A,
    invoke: crate::apdu::InvokeIdAndPriority,
    method: &MethodDescriptor,
    parameters: Option<&Data<'_>>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    let answer = |result: ActionResult, out: &mut [u8]| {
        emit(
            &ActionResponse::Normal {
                invoke,
                response: ActionResponseItem {
                    result,
                    return_parameters: None,
                },
            },
            out,
        )
        .map(Some)
    };
    match app.method_access(ctx, method) {
        Ok(access) if access.allows(ctx.authenticated) => {}
        Ok(_) => return answer(ActionResult::READ_WRITE_DENIED, out),
        Err(result) => return answer(result, out),
    }
    // C7 01 invoke result 01 00 value: the return parameters are written at offset 6.
    const HEAD: usize = 6;
    let (outcome, len) = {
        let Some(region) = out.get_mut(HEAD..) else {
            return Err(Error::BufferTooSmall {
                needed: HEAD + 1,
                available: out.len(),
            });
        };
        let mut w = ValueWriter::new(region, 0, &mut assoc.carry, false);
        let outcome = app.action(ctx, method, parameters, &mut w);
        (outcome, w.len)
    };
    match outcome {
        Ok(ActionOutcome::Done) => answer(ActionResult::SUCCESS, out),
        Ok(ActionOutcome::WithData) => {
            let head = [
                ActionResponse::TAG,
                1,
                invoke.0,
                ActionResult::SUCCESS.0,
                1,
                0,
            ];
            if let Some(dst) = out.get_mut(..HEAD) {
                dst.copy_from_slice(&head);
            }
            Ok(Some(HEAD + len))
        }
        Err(result) => answer(result, out),
    }
}

mod gbt;

#[cfg(test)]
mod tests;
