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

    // ---- security ---------------------------------------------------------------------------
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
