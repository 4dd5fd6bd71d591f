//! OBIS codes (IEC 62056-6-1): the six value groups that name every object of a DLMS/COSEM meter.
//!
//! ```
//! use obis::{ObisCode, Pattern, registry};
//!
//! // Parse any text form; print the canonical one.
//! let code: ObisCode = "1.0.2.8.1.255".parse()?;
//! assert_eq!(code.to_string(), "1-0:2.8.1*255");
//!
//! // What it means, without allocating.
//! assert_eq!(code.describe().to_string(), "Active energy export (\u{2212}A), tariff 1");
//! assert_eq!(registry::by_code(code).map(|o| o.name), Some("active_energy_export_t1"));
//!
//! // Head-end filters, compiled once.
//! let energy: Pattern = "1-0:*.8.*".parse()?;
//! assert!(energy.matches(code));
//! # Ok::<(), obis::ParseError>(())
//! ```
//!
//! # Text forms
//!
//! [`ObisCode`] parses (via [`str::parse`]) every form in use; the table in the
//! [`FromStr` impl](ObisCode#impl-FromStr-for-ObisCode) docs says where each comes from:
//! `1-0:1.8.0*255` (canonical, IEC 62056-6-1), `1-0:1.8.0.255`, `1.0.1.8.0.255`, `1-0:1.8.0`
//! (F = 255), hex `0100010800FF`, and the reduced IEC 62056-21 data-set forms `1.8.0`, `1.8.1*01`,
//! `C.1.0`, `F.F` with the letter codes C = 96, F = 97, L = 98, P = 99. Reduced forms have no A and
//! B: they are read as B = 0 and A = 0 for the letter-coded abstract families (C ≥ 96), A = 1
//! (electricity) otherwise; [`ObisCode::parse_reduced_with`] takes A and B from the caller.
//! Errors ([`ParseError`]) name the value group, what is wrong and the byte offset.
//!
//! # Meaning
//!
//! [`ObisCode::media`] (A), [`ObisCode::channel`] (B), [`ObisCode::quantity`] (C, electricity),
//! [`ObisCode::processing`] (D), [`ObisCode::classification`] (E: tariff, harmonic, ...),
//! [`ObisCode::billing_period`] (F) and [`ObisCode::abstract_family`] (C for A = 0) give typed
//! meanings; [`ObisCode::describe`] composes them into a sentence. The [`registry`] names the
//! objects a bi-directional meter exposes.
//!
//! # Features
//!
//! - `std` (default) / `alloc`: `From<ObisCode> for String`. Everything else is `core` only.
//! - `serde`: [`ObisCode`] serialises as its canonical string and deserialises from any text form.
//! - `defmt`: `defmt::Format` for the code and the meaning types.
//!
//! # Panics
//!
//! Nothing in this crate panics on any input.
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
mod meaning;
mod parse;
mod pattern;
pub mod registry;
#[cfg(feature = "serde")]
mod serde_impl;

pub use code::ObisCode;
pub use meaning::{
    AbstractFamily, BillingPeriod, Channel, Classification, Description, Measurand, Media, Phase,
    Phasor, Processing, Quantity,
};
pub use parse::{FormattedCode, ParseError, ParseErrorKind, TextForm, ValueGroup, letter_code};
pub use pattern::Pattern;

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
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
