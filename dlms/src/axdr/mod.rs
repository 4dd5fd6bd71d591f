//! A-XDR data (IEC 61334-6 as profiled by DLMS; DLMS Green Book 9.5 `Data`).
//!
//! - [`Data`] borrows from the input: decoding validates the value once (every length and
//!   element count against the bytes left, nesting depth and element totals against
//!   [`Limits`]) and hands out lazy [`Sequence`] views; [`Walker`] visits every value in a
//!   tight, non-recursive loop. Nothing is allocated.
//! - [`OwnedData`] (feature `alloc`) owns its bytes.
//! - [`Encode`] writes a value (or an APDU) into a caller's buffer or any [`Sink`].
//! - [`DateTime`], [`Date`], [`Time`] with wildcards, deviation and clock status, and
//!   calendar conversion without `std`.
//!
//! Contract: decoding never panics and never allocates; an array that claims more elements
//! than there are bytes left fails at its count; `emit` never panics.
//!
//! ```
//! use dlms::axdr::{Data, Limits, NodeKind};
//! // array [ structure { double-long-unsigned 5009, long -1 } ]
//! let bytes = [0x01, 0x01, 0x02, 0x02, 0x06, 0x00, 0x00, 0x13, 0x91, 0x10, 0xFF, 0xFF];
//! let (data, used) = Data::parse_prefix_with(&bytes, &Limits::DEFAULT)?;
//! assert_eq!(used, bytes.len());
//! let values: Vec<String> = data
//!     .walk()
//!     .filter_map(|n| match n.ok()?.kind {
//!         NodeKind::Value(v) => Some(v.to_string()),
//!         _ => None,
//!     })
//!     .collect();
//! assert_eq!(values, ["double-long-unsigned 5009", "long -1"]);
//!
//! // A billion elements claimed in a few bytes fail at once.
//! let err = Data::parse_prefix(&[0x01, 0x84, 0x3B, 0x9A, 0xCA, 0x00, 0x00]).unwrap_err();
//! assert!(matches!(err, dlms::Error::CountTooLarge { count: 1_000_000_000, .. }));
//! # Ok::<(), dlms::Error>(())
//! ```

mod data;
mod datetime;
#[cfg(feature = "alloc")]
mod owned;

pub use crate::wire::{Encode, Sink, SliceSink, length_len, put_length, put_octets};
pub use data::{
    BitString, CompactArray, Data, DataType, Limits, Node, NodeKind, SeqIter, Sequence, Walker,
};
pub use datetime::{
    CivilDateTime, ClockStatus, Date, DateTime, DayOfMonth, Deviation, DeviationConvention, Month,
    Time, days_in_month, is_leap_year,
};
#[cfg(feature = "alloc")]
pub use owned::OwnedData;

#[cfg(test)]
pub(crate) mod tests;
