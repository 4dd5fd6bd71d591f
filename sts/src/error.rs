//! The crate's error type.
//!
//! One enum for the whole crate (`#[non_exhaustive]`, `Copy`). Faults of the token or the stored
//! state (bad digits, a CRC that does not match, a corrupted state image) are distinct from misuse
//! by the caller (a value too wide for its field, an output buffer that is too small, a key of the
//! wrong length for the algorithm).

#[cfg(doc)]
use crate::tid::BaseDate;
use crate::tid::DateTime;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- the token (peer faults) -------------------------------------------------------------
    /// A token does not have exactly 20 decimal digits (IEC 62055-41 6.1.1).
    #[error("a token has 20 digits, found {found}")]
    TokenLength {
        /// The number of digits found.
        found: usize,
    },
    /// A character of a token is not a decimal digit.
    #[error("not a decimal digit at offset {offset}: byte 0x{byte:02x}")]
    NotADigit {
        /// Offset of the character in the input.
        offset: usize,
        /// The byte found there.
        byte: u8,
    },
    /// The 20 digits give a number of 2^66 or more, which no 66-bit token can be.
    #[error("the token number is 2^66 or more")]
    TokenOutOfRange,
    /// The CRC of the decrypted data block does not match (wrong key or tables, mistyped token).
    #[error("CRC mismatch: computed {expected:04x}, token carries {found:04x}")]
    BadCrc {
        /// The CRC computed over class, subclass and payload.
        expected: u16,
        /// The CRC found in the data block.
        found: u16,
    },

    // ---- stored state, key material and tables (peer or storage faults) --------------------------
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
    /// A saved decoder state has a version this crate does not read.
    #[error("decoder state version {found} is not supported")]
    StateVersion {
        /// The version byte found.
        found: u8,
    },
    /// A saved decoder state fails its checksum.
    #[error("decoder state checksum mismatch: computed {expected:04x}, stored {found:04x}")]
    StateChecksum {
        /// The checksum computed over the image.
        expected: u16,
        /// The checksum stored in the image.
        found: u16,
    },
    /// A field of a saved decoder state holds a value it cannot hold.
    #[error("decoder state field {field} is invalid")]
    StateField {
        /// The field.
        field: &'static str,
    },
    /// STA tables are not permutations of the right size (IEC 62055-41 EA07).
    #[error("STA table {table} is not a permutation (value {value} at index {index})")]
    InvalidTables {
        /// Which table (`s0`, `s1` or `p`).
        table: &'static str,
        /// The index of the first offending entry.
        index: usize,
        /// The value found there.
        value: u8,
    },
    /// A check digit (Luhn) does not match.
    #[error("{field} check digit is {found}, expected {expected}")]
    CheckDigit {
        /// The number checked (`pan` or `drn`).
        field: &'static str,
        /// The correct check digit.
        expected: u8,
        /// The check digit found.
        found: u8,
    },

    // ---- caller misuse ---------------------------------------------------------------------------
    /// A value does not fit the field it is meant for.
    #[error("{field} value {value} does not fit its field")]
    FieldRange {
        /// The field.
        field: &'static str,
        /// The value given (truncated to 128 bits).
        value: i128,
    },
    /// A value passed in by the caller is not acceptable.
    #[error("invalid argument: {what}")]
    InvalidArgument {
        /// What was wrong.
        what: &'static str,
    },
    /// The key does not have the length the algorithm needs (8 bytes for EA07/EA09, 16 for EA11).
    #[error("the algorithm needs a {expected}-byte key, got {found} bytes")]
    KeyLength {
        /// Length the algorithm needs.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// The date-time is before the base date, or its TID would not fit 24 bits (IEC 62055-41
    /// 6.1.9: the TID range of a base date ends 0xFFFFFF minutes after it).
    #[error(
        "{at} is outside the TID range of base date {base_year}: {}",
        TidRangeAdvice::new(.base_year, .in_force)
    )]
    TidRange {
        /// The base date's year.
        base_year: u16,
        /// The date-time asked for.
        at: DateTime,
        /// The year of the base date in force at `at` ([`BaseDate::in_force_at`]), if any.
        in_force: Option<u16>,
    },
    /// The TID is beyond the key's expiry number (`(TID >> 16) > KEN`, IEC 62055-41 6.1.10).
    #[error("TID {tid} is beyond key expiry number {ken}")]
    KeyExpired {
        /// The TID.
        tid: u32,
        /// The key expiry number.
        ken: u8,
    },
    /// The output buffer cannot hold what is to be written.
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What to do about a date-time outside a base date's TID range ([`Error::TidRange`]).
struct TidRangeAdvice {
    base_year: u16,
    in_force: Option<u16>,
}

impl TidRangeAdvice {
    const fn new(base_year: &u16, in_force: &Option<u16>) -> Self {
        Self {
            base_year: *base_year,
            in_force: *in_force,
        }
    }
}

impl core::fmt::Display for TidRangeAdvice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let base = self.base_year;
        match self.in_force {
            Some(year) if year > base => write!(
                f,
                "base date {year} applies to it; a meter still on base date {base} needs its \
                 key-change set with base date {year} (rollover bit set) first"
            ),
            Some(year) if year < base => write!(
                f,
                "it is before base date {base}; base date {year} applies to it"
            ),
            Some(_) => write!(
                f,
                "no TID is left on base date {base}; the meter needs its key-change set with the \
                 next base date first"
            ),
            None => write!(
                f,
                "no base date applies to it (the last, 2035, ends 2066-11-24T20:15)"
            ),
        }
    }
}
