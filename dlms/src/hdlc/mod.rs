//! HDLC frame format type 3 (IEC 62056-46): frames, addresses, control field, HCS/FCS,
//! parameter negotiation, FRMR information, stream deframing, segmentation and reassembly.
//!
//! Everything here decodes without copying and encodes into a caller's buffer; nothing
//! allocates. The sans-IO link state machines that use these pieces are in [`crate::link`].
//!
//! ```
//! use dlms::hdlc::{Address, Control, HdlcFrame, HdlcFrameRepr, Llc};
//! // A GET request (IEC 62056-46): client 16 -> server (1,17), I-frame N(S)=0 N(R)=0 P=1.
//! let wire = [
//!     0x7E, 0xA0, 0x1A, 0x02, 0x23, 0x21, 0x10, 0xE6, 0x70, 0xE6, 0xE6, 0x00, 0xC0, 0x01,
//!     0xC1, 0x00, 0x03, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x02, 0x00, 0x32, 0x68, 0x7E,
//! ];
//! let repr = HdlcFrameRepr::parse(&HdlcFrame::new_unchecked(&wire[..]))?;
//! assert_eq!(repr.dst, Address::server(1, Some(17))?);
//! assert_eq!(repr.control, Control::I { ns: 0, nr: 0, pf: true });
//! let apdu = Llc::Command.strip(repr.info)?;
//! assert_eq!(apdu[0], 0xC0); // GET-Request
//!
//! // Emit it again into a buffer of ours.
//! let mut out = [0u8; 64];
//! let n = repr.emit_to_slice(&mut out)?;
//! assert_eq!(&out[..n], &wire[..]);
//! # Ok::<(), dlms::Error>(())
//! ```
//!
//! # Panic contract
//! After [`HdlcFrame::check_len`] succeeded no accessor panics (none panics at all: on an
//! unchecked buffer they return placeholders); parsing never panics; emitting never panics
//! and reports a short buffer as [`crate::Error::BufferTooSmall`].

mod address;
mod control;
mod deframe;
mod fcs;
mod frame;
mod frmr;
mod llc;
mod params;
mod segment;

pub use crate::Scan;
pub use address::{Address, AddressBytes, AddressSize};
pub use control::{Control, FrameType};
pub use deframe::{Deframed, Deframer, DeframerStats, scan};
pub use fcs::{GOOD_CHECK, fcs, fcs_ok};
pub use frame::{
    FLAG, FormatField, HdlcFrame, HdlcFrameRepr, MAX_FRAME_LEN, MAX_FRAME_LEN_WITH_FLAGS,
    MAX_OVERHEAD, MIN_FRAME_LEN, frame_len,
};
pub use frmr::FrmrInfo;
pub use llc::{LLC_COMMAND, LLC_RESPONSE, Llc};
pub use params::{
    DEFAULT_MAX_INFO, DEFAULT_WINDOW, FORMAT_IDENTIFIER, GROUP_HDLC, GROUP_USER, HdlcParameters,
    MAX_INFO_LIMIT, MAX_WINDOW, Parameter, Parameters, ParametersRepr, id as parameter_id,
    parameters,
};
pub use segment::{Reassembler, Segment, Segments, segments};

pub(crate) use deframe::{DeframerCore, Input};
pub(crate) use frame::FrameHeader;
pub(crate) use segment::{Reassembly, segment_count};
