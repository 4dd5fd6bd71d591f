//! The crate's error type.
//!
//! One enum for the whole crate (`#[non_exhaustive]`, `Copy`), grouped by layer. Every variant
//! says what was wrong and where: the field, and the byte offset into the input the decoder was
//! given. Faults of the peer (bad bytes on the wire) are distinct from misuse by the caller
//! (`BufferTooSmall`, `InvalidArgument`).

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- shared by every layer ----------------------------------------------------------
    /// The input ends before `field` is complete.
    #[error("truncated {field} at offset {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Offset of the field in the input.
        offset: usize,
        /// How many more bytes the field needs.
        needed: usize,
    },
    /// The caller's output buffer cannot hold what is to be written (caller error).
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A value passed in by the caller is outside what the protocol can express (caller error).
    #[error("invalid argument {what}")]
    InvalidArgument {
        /// What was wrong.
        what: &'static str,
    },
    // ---- link layer (HDLC, wrapper) -------------------------------------------------------
    /// A byte that must be the HDLC flag `0x7E` is something else (IEC 62056-46, frame format type 3).
    #[error("expected the HDLC flag 0x7E at offset {offset}, found 0x{found:02X}")]
    BadFlag {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// The frame format field does not announce frame format type 3 (`0xA` in the top nibble).
    #[error("frame format type 0x{found:X} at offset {offset} is not type 3 (0xA)")]
    BadFrameFormat {
        /// Offset of the format field.
        offset: usize,
        /// The format type found (top nibble of the first format byte).
        found: u8,
    },
    /// The frame length in the format field does not match the bytes between the flags.
    #[error("format field length {declared} does not match the {actual} bytes between the flags")]
    LengthMismatch {
        /// Length announced by the format field (or wrapper header).
        declared: usize,
        /// Bytes actually present.
        actual: usize,
    },
    /// An HDLC address has no byte with the extension bit set within its first four bytes.
    #[error("{field} at offset {offset} is longer than 4 bytes")]
    AddressTooLong {
        /// Which address (`"destination address"` or `"source address"`).
        field: &'static str,
        /// Offset of the address.
        offset: usize,
    },
    /// An HDLC address is 3 bytes long; only 1, 2 and 4 bytes are defined (IEC 62056-46 6.4.2.2).
    #[error("{field} at offset {offset} is {len} bytes long (1, 2 or 4 allowed)")]
    BadAddressLength {
        /// Which address.
        field: &'static str,
        /// Offset of the address.
        offset: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// The header check sequence is wrong.
    #[error("bad HCS at offset {offset}: computed 0x{expected:04X}, frame has 0x{found:04X}")]
    BadHcs {
        /// Offset of the HCS.
        offset: usize,
        /// The CRC computed over the header.
        expected: u16,
        /// The HCS found in the frame.
        found: u16,
    },
    /// The frame check sequence is wrong.
    #[error("bad FCS at offset {offset}: computed 0x{expected:04X}, frame has 0x{found:04X}")]
    BadFcs {
        /// Offset of the FCS.
        offset: usize,
        /// The CRC computed over the frame.
        expected: u16,
        /// The FCS found in the frame.
        found: u16,
    },
    /// A frame is longer than the receiver's buffer (or than the 11-bit length can express).
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLong {
        /// Length of the frame in bytes, flags included.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The LLC header of an information field is not the expected one (IEC 62056-46, LLC sub-layer).
    #[error("bad LLC header {found:02X?} at offset {offset}")]
    BadLlc {
        /// Offset of the LLC header.
        offset: usize,
        /// The three bytes found (fewer bytes are padded with zero).
        found: [u8; 3],
    },
    /// The HDLC parameter negotiation field of an SNRM or UA frame is malformed.
    #[error("bad HDLC parameter field at offset {offset}: {what}")]
    BadParameters {
        /// Offset of the offending byte in the information field.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A reassembled APDU (or LSDU) does not fit the receive buffer.
    #[error("reassembled data of at least {len} bytes exceeds the buffer of {capacity} bytes")]
    ApduTooLong {
        /// Bytes received so far (at least).
        len: usize,
        /// Capacity of the reassembly buffer.
        capacity: usize,
    },
    /// The wrapper header does not carry version 0x0001 (IEC 62056-47, wrapper header).
    #[error("wrapper version 0x{found:04X} at offset {offset} is not 0x0001")]
    BadWrapperVersion {
        /// Offset of the version field.
        offset: usize,
        /// The version found.
        found: u16,
    },
    /// An operation needs a connected link (caller error).
    #[error("the HDLC link is not connected")]
    NotConnected,
    /// The link is still busy with an earlier APDU or command (caller error).
    #[error("the link is busy: wait for the previous APDU or command to complete")]
    LinkBusy,
    // ---- application layer (A-XDR, ACSE, xDLMS) -------------------------------------------

    // ---- security ---------------------------------------------------------------------------
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
