//! The owned form of A-XDR data (feature `alloc`): for values that must outlive the received
//! buffer, or be built up element by element.

use alloc::vec::Vec;

use super::data::{BitString, CompactArray, Data, Limits};
use crate::Result;
use crate::wire::{Encode, Sink, length_len, put_length};

/// An A-XDR value that owns its bytes (feature `alloc`).
///
/// Fixed-size scalars are kept as a [`Data<'static>`] in [`OwnedData::Scalar`]; strings,
/// bit-strings, compact-arrays and containers own their contents.
///
/// ```
/// use dlms::axdr::{Data, Encode, OwnedData};
/// let bytes = [0x01, 0x02, 0x12, 0x00, 0x01, 0x0A, 0x02, b'h', b'i'];
/// let owned = OwnedData::parse(&bytes)?;
/// assert_eq!(
///     owned,
///     OwnedData::Array(vec![
///         OwnedData::Scalar(Data::LongUnsigned(1)),
///         OwnedData::VisibleString(b"hi".to_vec()),
///     ])
/// );
/// assert_eq!(owned.to_vec()?, bytes);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedData {
    /// A fixed-size scalar (null, boolean, integers, enum, bcd, floats, date-time, date, time,
    /// the delta types, dont-care).
    Scalar(Data<'static>),
    /// array (1).
    Array(Vec<OwnedData>),
    /// structure (2).
    Structure(Vec<OwnedData>),
    /// bit-string (4): the number of bits and the bytes holding them.
    BitString {
        /// Number of bits.
        bits: u32,
        /// `ceil(bits / 8)` bytes, most significant bit first.
        bytes: Vec<u8>,
    },
    /// octet-string (9).
    OctetString(Vec<u8>),
    /// visible-string (10).
    VisibleString(Vec<u8>),
    /// utf8-string (12).
    Utf8String(Vec<u8>),
    /// compact-array (19): the type description and the packed contents.
    CompactArray {
        /// The type description.
        description: Vec<u8>,
        /// The packed contents.
        contents: Vec<u8>,
    },
}

impl OwnedData {
    /// Decodes a value that fills `input` (default [`Limits`]).
    ///
    /// # Errors
    /// As [`Data::parse`].
    pub fn parse(input: &[u8]) -> Result<Self> {
        Data::parse(input).map(|d| Self::from(&d))
    }

    /// Decodes one value from the start of `input` with the caller's limits; returns it and the
    /// bytes it took.
    ///
    /// # Errors
    /// As [`Data::parse_prefix_with`].
    pub fn parse_prefix_with(input: &[u8], limits: &Limits) -> Result<(Self, usize)> {
        Data::parse_prefix_with(input, limits).map(|(d, n)| (Self::from(&d), n))
    }

    /// Borrows this value as [`Data`] when it is not a container (containers would need a
    /// slice of borrowed elements; walk or encode them instead).
    #[must_use]
    pub fn as_leaf(&self) -> Option<Data<'_>> {
        Some(match self {
            OwnedData::Scalar(d) => *d,
            OwnedData::Array(_) | OwnedData::Structure(_) => return None,
            OwnedData::BitString { bits, bytes } => {
                Data::BitString(BitString::new(*bits, bytes).ok()?)
            }
            OwnedData::OctetString(b) => Data::OctetString(b),
            OwnedData::VisibleString(b) => Data::VisibleString(b),
            OwnedData::Utf8String(b) => Data::Utf8String(b),
            OwnedData::CompactArray {
                description,
                contents,
            } => Data::CompactArray(CompactArray::new(description, contents).ok()?),
        })
    }
}

impl From<&Data<'_>> for OwnedData {
    fn from(d: &Data<'_>) -> Self {
        match *d {
            Data::Array(ref s) => OwnedData::Array(s.iter().map(|e| Self::from(&e)).collect()),
            Data::Structure(ref s) => {
                OwnedData::Structure(s.iter().map(|e| Self::from(&e)).collect())
            }
            Data::BitString(b) => OwnedData::BitString {
                bits: b.len(),
                bytes: b.as_bytes().to_vec(),
            },
            Data::OctetString(b) => OwnedData::OctetString(b.to_vec()),
            Data::VisibleString(b) => OwnedData::VisibleString(b.to_vec()),
            Data::Utf8String(b) => OwnedData::Utf8String(b.to_vec()),
            Data::CompactArray(c) => OwnedData::CompactArray {
                description: c.description().to_vec(),
                contents: c.contents().to_vec(),
            },
            Data::Null => OwnedData::Scalar(Data::Null),
            Data::Boolean(v) => OwnedData::Scalar(Data::Boolean(v)),
            Data::DoubleLong(v) => OwnedData::Scalar(Data::DoubleLong(v)),
            Data::DoubleLongUnsigned(v) => OwnedData::Scalar(Data::DoubleLongUnsigned(v)),
            Data::Bcd(v) => OwnedData::Scalar(Data::Bcd(v)),
            Data::Integer(v) => OwnedData::Scalar(Data::Integer(v)),
            Data::Long(v) => OwnedData::Scalar(Data::Long(v)),
            Data::Unsigned(v) => OwnedData::Scalar(Data::Unsigned(v)),
            Data::LongUnsigned(v) => OwnedData::Scalar(Data::LongUnsigned(v)),
            Data::Long64(v) => OwnedData::Scalar(Data::Long64(v)),
            Data::Long64Unsigned(v) => OwnedData::Scalar(Data::Long64Unsigned(v)),
            Data::Enum(v) => OwnedData::Scalar(Data::Enum(v)),
            Data::Float32(v) => OwnedData::Scalar(Data::Float32(v)),
            Data::Float64(v) => OwnedData::Scalar(Data::Float64(v)),
            Data::DateTime(v) => OwnedData::Scalar(Data::DateTime(v)),
            Data::Date(v) => OwnedData::Scalar(Data::Date(v)),
            Data::Time(v) => OwnedData::Scalar(Data::Time(v)),
            Data::DeltaInteger(v) => OwnedData::Scalar(Data::DeltaInteger(v)),
            Data::DeltaLong(v) => OwnedData::Scalar(Data::DeltaLong(v)),
            Data::DeltaDoubleLong(v) => OwnedData::Scalar(Data::DeltaDoubleLong(v)),
            Data::DeltaUnsigned(v) => OwnedData::Scalar(Data::DeltaUnsigned(v)),
            Data::DeltaLongUnsigned(v) => OwnedData::Scalar(Data::DeltaLongUnsigned(v)),
            Data::DeltaDoubleLongUnsigned(v) => OwnedData::Scalar(Data::DeltaDoubleLongUnsigned(v)),
            Data::DontCare => OwnedData::Scalar(Data::DontCare),
        }
    }
}

impl From<Data<'_>> for OwnedData {
    fn from(d: Data<'_>) -> Self {
        Self::from(&d)
    }
}

impl Encode for OwnedData {
    fn buffer_len(&self) -> usize {
        match self {
            OwnedData::Array(items) | OwnedData::Structure(items) => {
                1 + length_len(items.len()) + items.iter().map(Encode::buffer_len).sum::<usize>()
            }
            OwnedData::Scalar(d) => d.buffer_len(),
            OwnedData::BitString { bits, bytes } => 1 + length_len(*bits as usize) + bytes.len(),
            OwnedData::OctetString(b) | OwnedData::VisibleString(b) | OwnedData::Utf8String(b) => {
                1 + length_len(b.len()) + b.len()
            }
            OwnedData::CompactArray {
                description,
                contents,
            } => 1 + description.len() + length_len(contents.len()) + contents.len(),
        }
    }

    fn emit_to<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            OwnedData::Array(items) | OwnedData::Structure(items) => {
                out.put_u8(if matches!(self, OwnedData::Array(_)) {
                    1
                } else {
                    2
                })?;
                put_length(out, items.len())?;
                items.iter().try_for_each(|i| i.emit_to(out))
            }
            OwnedData::BitString { bits, bytes } => {
                out.put_u8(4)?;
                put_length(out, *bits as usize)?;
                out.put(bytes)
            }
            OwnedData::CompactArray {
                description,
                contents,
            } => {
                out.put_u8(19)?;
                out.put(description)?;
                put_length(out, contents.len())?;
                out.put(contents)
            }
            other => match other.as_leaf() {
                Some(d) => d.emit_to(out),
                None => Err(crate::Error::InvalidArgument {
                    what: "bit-string or compact-array does not match its length",
                }),
            },
        }
    }
}
