//! The status of an incremental scan for a frame or PDU at the start of a buffer, shared by
//! [`hdlc::scan`](crate::hdlc::scan) and [`wrapper::scan`](crate::wrapper::scan).

use crate::Error;

/// What a scan found at the start of a buffer (httparse-style: incomplete input is not an
/// error). Returned by [`hdlc::scan`](crate::hdlc::scan) (HDLC frames) and
/// [`wrapper::scan`](crate::wrapper::scan) (wrapper PDUs on a TCP stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// A complete, valid unit at `buf[offset..offset + len]`. `offset` skips what may precede
    /// it (HDLC fill flags); it is 0 for a wrapper PDU.
    Complete {
        /// Offset of its first byte (for HDLC, the opening flag).
        offset: usize,
        /// Its length (for HDLC, flags included; for the wrapper, header included).
        len: usize,
    },
    /// More bytes are needed: at least `needed` (a lower bound).
    Incomplete {
        /// How many more bytes are needed at least.
        needed: usize,
    },
    /// The start of the buffer is not a valid unit: discard `discard` bytes and scan again.
    Invalid {
        /// How many bytes to drop (at least 1).
        discard: usize,
        /// Why. Offsets are relative to the start of the buffer.
        error: Error,
    },
}
