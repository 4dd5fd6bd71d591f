//! OBIS codes (IEC 62056-6-1).
//!
//! # Text forms
//!
//! See [`ObisCode::from_str`](core::str::FromStr) for the forms accepted.
//!
//! ```
//! use obis::ObisCode;
//! let code = ObisCode::new(1, 0, 2, 8, 1, 255);
//! assert_eq!(code.to_string(), "1-0:2.8.1*255");
//! ```
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

mod code;
mod parse;

pub use code::ObisCode;
pub use parse::{FormattedCode, ParseError, ParseErrorKind, TextForm, ValueGroup, letter_code};

#[cfg(feature = "alloc")]
impl From<ObisCode> for alloc::string::String {
    /// The canonical text form.
    fn from(code: ObisCode) -> Self {
        use alloc::string::ToString;
        code.to_string()
    }
}

/// A byte slice that should have held a six-byte OBIS code had another length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongLength {
    /// The length that was found.
    pub len: usize,
}

impl core::fmt::Display for WrongLength {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "an OBIS code is 6 bytes, found {}", self.len)
    }
}

impl core::error::Error for WrongLength {}
