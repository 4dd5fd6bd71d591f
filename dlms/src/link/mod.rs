//! Sans-IO HDLC link state machines (IEC 62056-46, ISO/IEC 13239 normal response mode): the
//! client (primary station, head-end side) [`HdlcClient`] and the server (secondary station,
//! meter side) [`HdlcServer`].
//!
//! Neither touches a socket, a serial port, a clock or the heap. The caller moves bytes and
//! time in and out:
//!
//! - [`HdlcClient::handle_input`] / [`HdlcServer::handle_input`]: bytes as they arrived, with
//!   the current time;
//! - `poll_event`: what happened ([`LinkEvent`]: connected, an APDU, a push, ...);
//! - `poll_transmit`: the next frame to send, written into the caller's buffer;
//! - `poll_timeout` / `handle_timeout`: when to call back if nothing arrives.
//!
//! All buffers live in one storage the caller provides (an array, a slice or a `Vec`), split
//! into a frame buffer, a receive buffer and a transmit buffer; `storage_len` says how big it
//! must be. The same code runs in a meter (`no_std`, no allocator) and in a head-end.
//!
//! ```
//! use dlms::hdlc::{Address, MAX_FRAME_LEN_WITH_FLAGS};
//! use dlms::link::{ClientConfig, HdlcClient, HdlcServer, Instant, LinkEvent, ServerConfig};
//!
//! let server_address = Address::server(1, Some(17))?;
//! let client_config = ClientConfig::new(Address::client(16)?, server_address);
//! let server_config = ServerConfig::new(server_address);
//! let mut client = HdlcClient::new(client_config, vec![0u8; HdlcClient::<Vec<u8>>::storage_len(&client_config)])?;
//! let mut meter = HdlcServer::new(server_config, vec![0u8; HdlcServer::<Vec<u8>>::storage_len(&server_config)])?;
//!
//! let now = Instant::from_millis(0);
//! let mut frame = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
//! client.connect(now)?;
//! // A perfect wire: everything one side transmits, the other receives.
//! fn pump(
//!     client: &mut HdlcClient<Vec<u8>>,
//!     meter: &mut HdlcServer<Vec<u8>>,
//!     frame: &mut [u8],
//!     now: Instant,
//! ) -> Vec<Vec<u8>> {
//!     let mut requests = Vec::new();
//!     loop {
//!         let mut moved = false;
//!         while let Some(n) = client.poll_transmit(frame, now).unwrap() {
//!             let _taken = meter.handle_input(&frame[..n], now);
//!             moved = true;
//!             while let Some(event) = meter.poll_event() {
//!                 if let LinkEvent::Apdu(apdu) = event {
//!                     requests.push(apdu.to_vec());
//!                 }
//!             }
//!             for request in requests.drain(..) {
//!                 // The meter answers every request with a fixed response.
//!                 let _ = request;
//!                 meter.send(&[0xC4, 0x01, 0xC1, 0x00, 0x11, 0x2A]).unwrap();
//!             }
//!         }
//!         while let Some(n) = meter.poll_transmit(frame).unwrap() {
//!             let _taken = client.handle_input(&frame[..n], now);
//!             moved = true;
//!         }
//!         if !moved {
//!             return requests;
//!         }
//!     }
//! }
//! pump(&mut client, &mut meter, &mut frame, now);
//! assert!(matches!(client.poll_event(), Some(LinkEvent::Connected { .. })));
//! client.send(&[0xC0, 0x01, 0xC1, 0x00, 0x03, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x02, 0x00], now)?;
//! pump(&mut client, &mut meter, &mut frame, now);
//! let mut response = None;
//! while let Some(event) = client.poll_event() {
//!     if let LinkEvent::Apdu(apdu) = event {
//!         response = Some(apdu.to_vec());
//!     }
//! }
//! assert_eq!(response.as_deref(), Some(&[0xC4, 0x01, 0xC1, 0x00, 0x11, 0x2A][..]));
//! # Ok::<(), dlms::Error>(())
//! ```
//!
//! # Protocol behaviour
//!
//! - Connection: SNRM with the parameter field (or none, [`ClientConfig::propose_parameters`]);
//!   UA carries the server's values; each direction uses the smaller of both. A client whose
//!   SNRM with parameters is answered with DM retries once without them (jDLMS behaviour,
//!   `HdlcConnection.connectSequence`).
//! - Data: I-frames numbered modulo 8 with the negotiated window; every frame but the last of
//!   an APDU has the segmentation bit; the last frame of a window carries P (client) or F
//!   (server). The client polls with RR for the next segments of a response, and keeps polling
//!   every [`Timeouts::poll_interval`] while it waits for a response or while the server is
//!   busy (RNR).
//! - Recovery (go-back-N with checkpointing, ISO/IEC 13239 NRM): the client retransmits its
//!   unacknowledged frames when an F-frame acknowledges less than it sent, or after
//!   [`Timeouts::response`] without an answer (then up to [`Timeouts::max_retries`] times); the
//!   server, which may only speak when polled, retransmits its unacknowledged frames in answer
//!   to the next poll. Frames with an unexpected N(S) are dropped (duplicates are detected this
//!   way and never delivered twice). A frame with an unexpected N(S) whose N(R) acknowledges
//!   frames never sent is ignored rather than answered with FRMR, because on real lines it is
//!   a delayed duplicate.
//! - Invalid N(R) in an in-sequence I-frame (server): Gurux's client (gurux-dlms 1.0.203)
//!   counts its receive sequence one too far after its RR keep-alive, and then sends its next
//!   request with an N(R) one above our V(S). While none of our I-frames is outstanding,
//!   nothing can be lost: the server accepts the information field, keeps its V(S) (the
//!   client still expects our N(S) in sequence) and takes every later N(R) of the connection
//!   as counting that far ahead ([`LinkStats::nr_resyncs`]). While frames are
//!   outstanding, the N(R) cannot be trusted: the server answers FRMR with the Z bit (invalid
//!   N(R), the ISO/IEC 13239 FRMR response) and repeats it until the client resets the link with
//!   SNRM or DISC, the recovery ISO/IEC 13239 prescribes. Either way the frame is never
//!   dropped silently.
//! - An F-frame that acknowledges nothing new while I-frames are outstanding, or a duplicate
//!   I-frame carrying F, is not taken as the answer to the current poll: it is a duplicate of an
//!   earlier answer, and acting on it would retransmit needlessly, forever.
//! - Over-long data: an I-frame whose information field exceeds the negotiated maximum is
//!   answered with FRMR (Y bit); an APDU that exceeds the receive buffer once reassembled is
//!   acknowledged segment by segment and reported with [`LinkEvent::ApduTooLong`] after its
//!   last segment, so that the session layer can answer it.
//! - Disconnection: DISC answered with UA (or DM when not connected); FRMR for frames the
//!   server cannot accept (unknown control field, information field where none is allowed,
//!   information field too long), repeated on every poll until SNRM or DISC.
//! - Timers: inactivity (the server drops the link, class 23 default 120 s), inter-octet (a
//!   gap inside a frame discards the partial frame, class 23 default 25 ms on the server),
//!   response timeout and poll interval (client), optional keep-alive polls (client).
//! - Frames outside a connection are handed up: UI pushes (also segmented, as Iskra AM550
//!   sends them) and I-frame pushes (Kaifa MA304H3E sends them without SNRM), from any address
//!   (esphome-libs/dlms_parser meter dumps; esphome/esphome PR #16942; u9n/dlms-cosem #71,
//!   #108). They are never answered.
//! - Echo: a frame identical to the one just sent, or one coming from our own address to our
//!   peer, is dropped (optical heads, u9n/dlms-cosem #62).
//! - Transports: the links take bytes from anywhere. "HDLC over IP" (u9n/dlms-cosem #37) is
//!   the same client on a TCP socket (see the `hdlc_client` example). The IEC 62056-21 mode E
//!   handshake that optical ports need before HDLC is not part of this module: run it on the
//!   port (at 300 Bd, 7E1), switch the port to the agreed speed and 8N1, then hand the bytes
//!   to the link.
//! - Frames are checked strictly: a frame whose length field disagrees with its bytes (the
//!   E650 SNRM test frame of jDLMS `HdlcFrameTest`, which Gurux rejects) is dropped, never
//!   "repaired".

mod client;
mod engine;
mod server;
mod time;
mod transport;

pub use client::{ClientConfig, ClientState, HdlcClient};
pub use server::{HdlcServer, ServerConfig, ServerState};
pub use time::{Duration, Instant};
pub use transport::{Transport, WrapperLink, WrapperMode};

use crate::Error;
use crate::hdlc::{Address, FrameType, FrmrInfo, HdlcParameters, Llc};

/// The timers and retry limit of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Client: how long to wait for the answer to a poll before retransmitting.
    pub response: Duration,
    /// Client: how many retransmissions without an answer before the link is declared lost.
    pub max_retries: u8,
    /// Client: interval between RR polls while waiting for a response or while the server is busy.
    pub poll_interval: Duration,
    /// Client: send an RR poll after this long without traffic (`None`: never).
    pub keepalive: Option<Duration>,
    /// Server: drop the connection after this long without a valid frame (`None`: never).
    pub inactivity: Option<Duration>,
    /// A gap longer than this inside a frame discards the partial frame (`None`: never).
    pub inter_octet: Option<Duration>,
}

impl Timeouts {
    /// Client defaults: 3 s response timeout, 3 retries, 100 ms poll interval, no keep-alive,
    /// no inter-octet timeout (TCP gateways deliver frames in pieces with arbitrary gaps).
    pub const CLIENT: Timeouts = Timeouts {
        response: Duration::from_millis(3000),
        max_retries: 3,
        poll_interval: Duration::from_millis(100),
        keepalive: None,
        inactivity: None,
        inter_octet: None,
    };

    /// Server defaults from the IEC HDLC setup object (class 23): inactivity 120 s,
    /// inter-octet 25 ms.
    pub const SERVER: Timeouts = Timeouts {
        response: Duration::from_millis(3000),
        max_retries: 3,
        poll_interval: Duration::from_millis(100),
        keepalive: None,
        inactivity: Some(Duration::from_secs(120)),
        inter_octet: Some(Duration::from_millis(25)),
    };
}

/// Why a link went down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// Our DISC was acknowledged (UA or DM).
    Requested,
    /// The peer disconnected: DISC received (server) or DM received (client).
    Peer,
    /// The server refused the SNRM with DM.
    Refused,
    /// The peer's parameters cannot be used (information field below 4 bytes).
    BadParameters,
    /// No answer after the configured retries.
    NoResponse,
    /// No valid frame for the inactivity timeout.
    Inactivity,
    /// The peer rejected a frame (FRMR).
    FrameReject,
}

/// A frame or data that arrived outside a connection, or a UI frame: a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Push<'a> {
    /// The data, without the LLC header if there was one.
    pub apdu: &'a [u8],
    /// The LLC header found at the start of the first segment, if any.
    pub llc: Option<Llc>,
    /// Destination address of the frame(s).
    pub dst: Address,
    /// Source address of the frame(s).
    pub src: Address,
    /// [`FrameType::Ui`] or [`FrameType::I`] (I-frame pushes outside a connection).
    pub frame_type: FrameType,
}

/// What a link reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkEvent<'a> {
    /// The link is up (client: UA received; server: SNRM accepted).
    Connected {
        /// The parameters in force, from this side's point of view.
        parameters: HdlcParameters,
        /// The peer's address.
        peer: Address,
    },
    /// The link is down.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// An APDU arrived in the connection (LLC header removed); borrowed until the next call.
    Apdu(&'a [u8]),
    /// The APDU given to `send` has been acknowledged completely; `send` accepts the next one.
    Sent,
    /// Data outside the connection, or in UI frames (pushes, broadcasts).
    Push(Push<'a>),
    /// The peer rejected one of our frames (client; the link is down afterwards).
    FrameRejected(FrmrInfo),
    /// Received data was dropped: a push too long for the receive buffer, or a wrong LLC
    /// header.
    Discarded(Error),
    /// The peer sent an APDU in the connection longer than our receive buffer
    /// ([`ServerConfig::max_apdu_rx`] / [`ClientConfig::max_apdu_rx`]). Its segments were
    /// acknowledged and dropped; this event comes after the last one, when the peer waits for
    /// an answer. A server answers with an exception-response whose service-error is
    /// pdu-too-long (`D8 01 04`, DLMS Green Book, EXCEPTION-Response), sent with
    /// [`HdlcServer::send`] as any other response; the link stays usable.
    ApduTooLong {
        /// Length of the APDU (LLC header not counted).
        len: usize,
        /// The longest APDU we accept.
        capacity: usize,
    },
}

/// Counters of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LinkStats {
    /// Valid frames received (addressed to us or not).
    pub frames_received: u64,
    /// Frames sent.
    pub frames_sent: u64,
    /// Bytes dropped by the deframer (garbage, bad HCS/FCS, too long).
    pub bad_bytes: u64,
    /// Times the deframer dropped bytes.
    pub bad_frames: u64,
    /// Partial frames dropped after an inter-octet timeout.
    pub inter_octet_timeouts: u64,
    /// Echoes of our own frames dropped.
    pub echoes: u64,
    /// Frames for another station, or from a station other than our peer.
    pub foreign: u64,
    /// I-frames with an unexpected N(S), dropped (duplicates and frames after a loss).
    pub out_of_sequence: u64,
    /// Frames with an N(R) acknowledging frames never sent (ignored, resynchronised or
    /// rejected: see [`LinkStats::nr_resyncs`] and [`LinkStats::frame_rejects`]).
    pub invalid_nr: u64,
    /// Server: in-sequence I-frames with an invalid N(R) that were accepted while none of our
    /// frames was outstanding, our V(S) taking the peer's N(R) (the Gurux keep-alive quirk).
    pub nr_resyncs: u64,
    /// Answers to an earlier poll (duplicates), not taken as the answer to the current one.
    pub stale_answers: u64,
    /// I-frames sent again.
    pub retransmissions: u64,
    /// Response timeouts (client).
    pub timeouts: u64,
    /// FRMR frames sent or received.
    pub frame_rejects: u64,
    /// APDUs delivered.
    pub apdus_received: u64,
    /// APDUs acknowledged completely.
    pub apdus_sent: u64,
}
