//! DLMS/COSEM protocol stack (IEC 62056): from the bytes on the wire to the COSEM value, and back.
//!
//! ```
//! use dlms::apdu::{Apdu, GetDataResult, GetResponse};
//! use dlms::axdr::{Data, DateTime, DeviationConvention};
//! use dlms::hdlc::{HdlcFrame, HdlcFrameRepr, Llc};
//!
//! // A meter answers a GET of its clock (0-0:1.0.0*255, attribute 2) in one HDLC I-frame.
//! let wire = [
//!     0x7E, 0xA0, 0x1E, 0x75, 0x95, 0x96, 0x6F, 0x67, 0xE6, 0xE7, 0x00, 0xC4, 0x01, 0x81, 0x00,
//!     0x09, 0x0C, 0x07, 0xD2, 0x0C, 0x04, 0x03, 0x0A, 0x06, 0x0B, 0xFF, 0x00, 0x78, 0x00, 0xF3,
//!     0x30, 0x7E,
//! ];
//! // bytes -> frame: length, HCS and FCS checked once, fields read in place.
//! let frame = HdlcFrameRepr::parse(&HdlcFrame::new_checked(&wire[..])?)?;
//! // frame -> APDU: strip the LLC header of a response, decode without copying.
//! let apdu = Apdu::parse(Llc::Response.strip(frame.info)?)?;
//! let Apdu::GetResponse(GetResponse::Normal { result, .. }) = apdu else { panic!("{apdu:?}") };
//! // APDU -> value: the clock is an octet-string holding a COSEM date-time.
//! let GetDataResult::Data(Data::OctetString(bytes)) = result else { panic!("{result:?}") };
//! let now = DateTime::from_slice(bytes).expect("12 bytes");
//! assert_eq!(now.to_string(), "2002-12-04 Wed 10:06:11.** deviation 120 status 0x00");
//! // Deviation +120 minutes: under the standard sign convention UTC = local time + deviation.
//! let utc = now.to_utc(DeviationConvention::Standard).expect("a fully specified time");
//! assert_eq!((utc.hour, utc.minute), (12, 6));
//! # Ok::<(), dlms::Error>(())
//! ```
//!
//! # Layers
//!
//! Data flows one way, each layer borrowing from the one below; every encoder has a decoder.
//! Imports follow the table: a module imports only modules in rows above its own (documentation
//! links aside). `security` sits above the codecs (it protects whole APDUs through the `apdu`
//! envelope views), so `security` may import `apdu` and `axdr`, and neither codec imports
//! `security`. What the codecs and `security` share (the reader and sink, the security control
//! byte, the system title, the key id, IV and tag) is in a private leaf module that imports
//! nothing but [`error`], and is re-exported from `axdr` and `security`.
//!
//! | module | what | standard |
//! |---|---|---|
//! | [`hdlc`] | frame format type 3: frames, addresses, control, HCS/FCS, parameters, deframer, segmentation | IEC 62056-46 |
//! | [`wrapper`] | the TCP/UDP wrapper PDU and a TCP stream reassembler | IEC 62056-47 |
//! | [`link`] | sans-IO `HdlcClient` / `HdlcServer`: connection, windows, RR polling, timers, retransmission | IEC 62056-46 |
//! | [`axdr`] | A-XDR `Data` (borrowed, validated once, walked lazily), date-time, limits | IEC 61334-6 |
//! | [`apdu`] | ACSE (AARQ/AARE/RLRQ/RLRE) and every xDLMS APDU, ciphered envelopes taken apart | IEC 62056-5-3 |
//! | [`gbt`] | general block transfer: an APDU cut into numbered blocks, and reassembled in a caller's buffer | IEC 62056-5-3 |
//! | [`security`] | suites 0-2: AES-GCM in place, keys, counters, HLS 2-7, KDF, ECDH/ECDSA, policy; uses `apdu` and `axdr` | IEC 62056-5-3 |
//! | [`session`] | client and server associations: AARQ/AARE, authentication, ciphering, GET/SET/ACTION with block transfer, dispatch to the application | IEC 62056-5-3 |
//!
//! # Contract
//!
//! Nothing in this crate panics on input: every length is checked before it is used, nesting
//! depth and element counts are bounded ([`axdr::Limits`]), and no allocation is sized by a
//! field of the input. Errors ([`Error`]) say what was wrong and at which offset. State machines
//! take bytes and a caller-supplied time and hand out bytes, events and timeouts; they contain
//! no clock, socket, thread or random source.
//!
//! # Decoders: `parse` and `parse_prefix`
//!
//! Every decoder follows one rule:
//!
//! - `parse` (and `parse_with` where limits apply) takes the whole input: the value must end
//!   exactly where the input ends, else [`Error::TrailingBytes`]. Examples: [`apdu::Apdu::parse`],
//!   [`axdr::Data::parse`], [`hdlc::Address::parse`].
//! - `parse_prefix` (and `parse_prefix_with`) decodes one value at the start of the input and
//!   returns it with the number of bytes it used; what follows is the caller's. Examples:
//!   [`axdr::Data::parse_prefix`], [`hdlc::Address::parse_prefix`].
//!
//! # Features
//!
//! - `std` (default): `alloc`, `bytes`, `std::error::Error`.
//! - `alloc`: owned forms of decoded values ([`axdr::OwnedData`]).
//! - `bytes`: head-end buffers from the `bytes` crate (kept apart from `alloc`: `bytes` does not
//!   build on `thumbv6m`).
//! - `p256`, `p384` (default): the elliptic-curve parts of security suites 1 and 2.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod error;

// ---- shared leaf: `wire` (reader, sink, security fields); imports nothing above `error` ------
mod wire;

pub use error::{Error, Result};

mod invariant;
mod scan;
pub use scan::Scan;

// ---- link layer: `hdlc`, `wrapper`, `link` ---------------------------------------------------
pub mod hdlc;
pub mod link;
pub mod wrapper;

// ---- application layer: `axdr`, `apdu` (ACSE and xDLMS) --------------------------------------
pub mod apdu;
pub mod axdr;
pub mod gbt;

// ---- sessions: `session` (client and server associations) ---------------------------------
pub mod session;

// ---- security: `security` ----------------------------------------------------------------------
pub mod security;
