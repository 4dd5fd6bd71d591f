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

    // ---- application layer (A-XDR, ACSE, xDLMS) -------------------------------------------
    /// A tag or CHOICE selector that the decoded structure does not define (peer fault).
    #[error("unknown {field} tag 0x{tag:02X} at offset {offset}")]
    UnknownTag {
        /// What the tag selects (`"data"`, `"apdu"`, `"get-request"`, ...).
        field: &'static str,
        /// The tag byte.
        tag: u8,
        /// Offset of the tag in the input.
        offset: usize,
    },
    /// A length field uses a form this encoding forbids (0x80, or more than four length bytes),
    /// or a length does not fit the field (peer fault).
    #[error("invalid length of {field} at offset {offset}")]
    InvalidLength {
        /// The field whose length is wrong.
        field: &'static str,
        /// Offset of the length in the input.
        offset: usize,
    },
    /// A field holds a value its definition does not allow (peer fault).
    #[error("invalid {field} at offset {offset}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// Offset of the field in the input.
        offset: usize,
    },
    /// A mandatory component is absent (peer fault).
    #[error("missing {field} in the component ending at offset {offset}")]
    MissingField {
        /// The missing component.
        field: &'static str,
        /// Offset of the end of the enclosing component.
        offset: usize,
    },
    /// A component appears twice (peer fault).
    #[error("duplicate {field} at offset {offset}")]
    DuplicateField {
        /// The repeated component.
        field: &'static str,
        /// Offset of the second occurrence.
        offset: usize,
    },
    /// Arrays and structures nest deeper than [`Limits::max_depth`](crate::axdr::Limits)
    /// allows (peer fault, or a limit the caller set too low).
    #[error("nesting deeper than {limit} level(s) at offset {offset}")]
    DepthExceeded {
        /// The limit in force.
        limit: u8,
        /// Offset of the container that went too deep.
        offset: usize,
    },
    /// A value holds more elements than [`Limits::max_elements`](crate::axdr::Limits) allows
    /// (peer fault, or a limit the caller set too low).
    #[error("more than {limit} element(s) at offset {offset}")]
    TooManyElements {
        /// The limit in force.
        limit: u32,
        /// Offset of the element that went over the limit.
        offset: usize,
    },
    /// An element count cannot be right: even at one byte per element it needs more bytes than
    /// are left (peer fault).
    #[error(
        "{field} claims {count} element(s) at offset {offset} with only {available} byte(s) left"
    )]
    CountTooLarge {
        /// The sequence whose count is wrong.
        field: &'static str,
        /// The count read.
        count: u32,
        /// Bytes left after the count.
        available: usize,
        /// Offset of the count in the input.
        offset: usize,
    },
    /// Bytes follow a complete APDU or value that was expected to end the input (peer fault).
    #[error("{count} byte(s) after the end of the {field} at offset {offset}")]
    TrailingBytes {
        /// What ended.
        field: &'static str,
        /// Offset of the first extra byte.
        offset: usize,
        /// How many extra bytes there are.
        count: usize,
    },
    // ---- security ---------------------------------------------------------------------------
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
