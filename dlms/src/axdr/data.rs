//! The borrowing A-XDR `Data` value (IEC 62056-6-2 / DLMS Green Book 9.5 "Data ::= CHOICE").

use core::fmt;

use super::datetime::{Date, DateTime, Time};
use crate::wire::Reader;
use crate::wire::{Encode, Sink, length_len, put_length};
use crate::{Error, Result};

/// An A-XDR data type tag (the CHOICE number of `Data`, DLMS Green Book 9.5; IEC 61334-6).
///
/// Open: any byte is representable; [`DataType::name`] knows the assigned ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataType(pub u8);

impl DataType {
    /// null-data (0).
    pub const NULL_DATA: Self = Self(0);
    /// array (1).
    pub const ARRAY: Self = Self(1);
    /// structure (2).
    pub const STRUCTURE: Self = Self(2);
    /// boolean (3).
    pub const BOOLEAN: Self = Self(3);
    /// bit-string (4).
    pub const BIT_STRING: Self = Self(4);
    /// double-long, i32 (5).
    pub const DOUBLE_LONG: Self = Self(5);
    /// double-long-unsigned, u32 (6).
    pub const DOUBLE_LONG_UNSIGNED: Self = Self(6);
    /// octet-string (9).
    pub const OCTET_STRING: Self = Self(9);
    /// visible-string (10).
    pub const VISIBLE_STRING: Self = Self(10);
    /// utf8-string (12).
    pub const UTF8_STRING: Self = Self(12);
    /// bcd (13).
    pub const BCD: Self = Self(13);
    /// integer, i8 (15).
    pub const INTEGER: Self = Self(15);
    /// long, i16 (16).
    pub const LONG: Self = Self(16);
    /// unsigned, u8 (17).
    pub const UNSIGNED: Self = Self(17);
    /// long-unsigned, u16 (18).
    pub const LONG_UNSIGNED: Self = Self(18);
    /// compact-array (19).
    pub const COMPACT_ARRAY: Self = Self(19);
    /// long64, i64 (20).
    pub const LONG64: Self = Self(20);
    /// long64-unsigned, u64 (21).
    pub const LONG64_UNSIGNED: Self = Self(21);
    /// enum (22).
    pub const ENUM: Self = Self(22);
    /// float32 (23).
    pub const FLOAT32: Self = Self(23);
    /// float64 (24).
    pub const FLOAT64: Self = Self(24);
    /// date-time (25).
    pub const DATE_TIME: Self = Self(25);
    /// date (26).
    pub const DATE: Self = Self(26);
    /// time (27).
    pub const TIME: Self = Self(27);
    /// delta-integer (28).
    pub const DELTA_INTEGER: Self = Self(28);
    /// delta-long (29).
    pub const DELTA_LONG: Self = Self(29);
    /// delta-double-long (30).
    pub const DELTA_DOUBLE_LONG: Self = Self(30);
    /// delta-unsigned (31).
    pub const DELTA_UNSIGNED: Self = Self(31);
    /// delta-long-unsigned (32).
    pub const DELTA_LONG_UNSIGNED: Self = Self(32);
    /// delta-double-long-unsigned (33).
    pub const DELTA_DOUBLE_LONG_UNSIGNED: Self = Self(33);
    /// dont-care (255).
    pub const DONT_CARE: Self = Self(255);

    /// The name used in the Green Book and in the JSON rendering (`"double-long-unsigned"`),
    /// or `None` for an unassigned tag.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "null-data",
            1 => "array",
            2 => "structure",
            3 => "boolean",
            4 => "bit-string",
            5 => "double-long",
            6 => "double-long-unsigned",
            9 => "octet-string",
            10 => "visible-string",
            12 => "utf8-string",
            13 => "bcd",
            15 => "integer",
            16 => "long",
            17 => "unsigned",
            18 => "long-unsigned",
            19 => "compact-array",
            20 => "long64",
            21 => "long64-unsigned",
            22 => "enum",
            23 => "float32",
            24 => "float64",
            25 => "date-time",
            26 => "date",
            27 => "time",
            28 => "delta-integer",
            29 => "delta-long",
            30 => "delta-double-long",
            31 => "delta-unsigned",
            32 => "delta-long-unsigned",
            33 => "delta-double-long-unsigned",
            255 => "dont-care",
            _ => return None,
        })
    }
}

/// Bounds applied while decoding A-XDR data from a peer.
///
/// The defaults are far above anything a real meter sends (the deepest COSEM attribute, an
/// Association LN object list with access rights, nests 6 levels) and cheap to enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and structures (a scalar is depth 0; the elements of a
    /// top-level array are at depth 1). Values above [`Limits::MAX_DEPTH`] act as that.
    pub max_depth: u8,
    /// Most values (containers and scalars, compact-array leaves included) in one decoded
    /// value. Checked when a container is opened: a container whose elements would pass the
    /// limit fails at its own offset.
    pub max_elements: u32,
}

impl Limits {
    /// The hard upper bound on [`max_depth`](Self::max_depth).
    pub const MAX_DEPTH: u8 = 64;
    /// Depth 16, one million elements.
    pub const DEFAULT: Self = Self {
        max_depth: 16,
        max_elements: 1 << 20,
    };
    /// The most permissive limits.
    pub const UNBOUNDED: Self = Self {
        max_depth: Self::MAX_DEPTH,
        max_elements: u32::MAX,
    };

    fn depth(&self) -> usize {
        usize::from(self.max_depth.min(Self::MAX_DEPTH))
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A bit-string: `len` bits stored most-significant bit first in `ceil(len / 8)` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BitString<'a> {
    bits: u32,
    bytes: &'a [u8],
}

impl<'a> BitString<'a> {
    /// A bit-string of `bits` bits held in `bytes` (bit 0 = MSB of the first byte).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `bytes.len() == ceil(bits / 8)`.
    pub const fn new(bits: u32, bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() as u64 == (bits as u64).div_ceil(8) {
            Ok(Self { bits, bytes })
        } else {
            Err(Error::InvalidArgument {
                what: "bit-string bytes do not match its length",
            })
        }
    }

    /// Number of bits.
    #[must_use]
    pub const fn len(&self) -> u32 {
        self.bits
    }

    /// True for the empty bit-string.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The bytes holding the bits.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Bit `i` (0 = the MSB of the first byte), or `None` past the end.
    #[must_use]
    pub fn get(&self, i: u32) -> Option<bool> {
        if i >= self.bits {
            return None;
        }
        let byte = self.bytes.get(usize::try_from(i / 8).ok()?)?;
        Some(byte & (0x80 >> (i % 8)) != 0)
    }

    /// The bits in order.
    pub fn iter(&self) -> impl Iterator<Item = bool> + 'a {
        let copy = *self;
        (0..self.bits).map(move |i| copy.get(i).unwrap_or(false))
    }
}

/// One A-XDR value, borrowing its bytes from the input (DLMS Green Book 9.5; IEC 61334-6).
///
/// Arrays and structures are lazy [`Sequence`] views: decoding validates the whole value once
/// (every length and count against the input, nesting against [`Limits`]) and iteration then
/// walks the bytes in place, without allocating. A value can also be built from parts
/// ([`Sequence::from_items`]) and encoded with [`Encode`].
///
/// A received array or structure re-encodes to exactly the bytes it came in (a boolean sent as
/// `03 81`, a length in a longer form than needed); values built by the caller are encoded in
/// the canonical form (booleans as `01`, shortest lengths).
///
/// Equality compares values: floats by their bit patterns (so that decoding is an exact
/// inverse of encoding, NaN included), sequences element by element whatever their backing.
///
/// ```
/// use dlms::axdr::{Data, Encode};
/// // structure { octet-string 1-0:1.8.0.255, double-long-unsigned 5000 }
/// let bytes = [0x02, 0x02, 0x09, 0x06, 1, 0, 1, 8, 0, 0xFF, 0x06, 0, 0, 0x13, 0x88];
/// let data = Data::parse(&bytes)?;
/// let Data::Structure(fields) = data else { panic!() };
/// let values: Vec<Data<'_>> = fields.iter().collect();
/// assert_eq!(values[0], Data::OctetString(&[1, 0, 1, 8, 0, 0xFF]));
/// assert_eq!(values[1], Data::DoubleLongUnsigned(5000));
///
/// let items = [Data::OctetString(&[1, 0, 1, 8, 0, 0xFF]), Data::DoubleLongUnsigned(5000)];
/// let built = Data::structure(&items);
/// assert_eq!(built, data);
/// let mut out = [0u8; 32];
/// let n = built.emit(&mut out)?;
/// assert_eq!(&out[..n], &bytes);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// null-data (0).
    Null,
    /// array (1): elements of one type.
    Array(Sequence<'a>),
    /// structure (2).
    Structure(Sequence<'a>),
    /// boolean (3); any non-zero byte decodes as true, true encodes as 0x01.
    Boolean(bool),
    /// bit-string (4).
    BitString(BitString<'a>),
    /// double-long (5).
    DoubleLong(i32),
    /// double-long-unsigned (6).
    DoubleLongUnsigned(u32),
    /// octet-string (9).
    OctetString(&'a [u8]),
    /// visible-string (10), the raw bytes (ASCII by definition, not checked).
    VisibleString(&'a [u8]),
    /// utf8-string (12), the raw bytes (UTF-8 by definition, not checked).
    Utf8String(&'a [u8]),
    /// bcd (13): one byte, two BCD digits.
    Bcd(u8),
    /// integer (15).
    Integer(i8),
    /// long (16).
    Long(i16),
    /// unsigned (17).
    Unsigned(u8),
    /// long-unsigned (18).
    LongUnsigned(u16),
    /// compact-array (19).
    CompactArray(CompactArray<'a>),
    /// long64 (20).
    Long64(i64),
    /// long64-unsigned (21).
    Long64Unsigned(u64),
    /// enum (22).
    Enum(u8),
    /// float32 (23).
    Float32(f32),
    /// float64 (24).
    Float64(f64),
    /// date-time (25), 12 bytes without a length.
    DateTime(DateTime),
    /// date (26), 5 bytes.
    Date(Date),
    /// time (27), 4 bytes.
    Time(Time),
    /// delta-integer (28).
    DeltaInteger(i8),
    /// delta-long (29).
    DeltaLong(i16),
    /// delta-double-long (30).
    DeltaDoubleLong(i32),
    /// delta-unsigned (31).
    DeltaUnsigned(u8),
    /// delta-long-unsigned (32).
    DeltaLongUnsigned(u16),
    /// delta-double-long-unsigned (33).
    DeltaDoubleLongUnsigned(u32),
    /// dont-care (255).
    DontCare,
}

/// The elements of an array or structure: a view over encoded bytes, over a compact-array's
/// packed contents, or over a caller's slice of values.
#[derive(Clone, Copy)]
pub struct Sequence<'a> {
    repr: SeqRepr<'a>,
}

#[derive(Clone, Copy)]
enum SeqRepr<'a> {
    /// Tagged elements, validated.
    Encoded { body: &'a [u8], count: u32 },
    /// Values built by the caller.
    Items(&'a [Data<'a>]),
    /// Untagged elements of a compact-array (validated); `desc` is the element type
    /// description (arrays) or the concatenated field descriptions (structures).
    Compact {
        desc: &'a [u8],
        body: &'a [u8],
        count: u32,
        array: bool,
    },
}

/// A compact-array (tag 19): one type description and the packed, untagged contents
/// (DLMS Green Book 9.5 `compact-array`; jDLMS `TypeDescription`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompactArray<'a> {
    description: &'a [u8],
    contents: &'a [u8],
    rows: u32,
}

// ---- the tag classes -------------------------------------------------------------------------

/// Fixed payload sizes are 0..=12; the rest are classes.
const STR: u8 = 0xF0;
const BITS: u8 = 0xF1;
const CONTAINER: u8 = 0xF2;
const COMPACT: u8 = 0xF3;
const INVALID: u8 = 0xFF;

const fn class_of(tag: u8) -> u8 {
    match tag {
        0 | 0xFF => 0,
        1 | 2 => CONTAINER,
        3 | 13 | 15 | 17 | 22 | 28 | 31 => 1,
        4 => BITS,
        5 | 6 | 23 | 30 | 33 => 4,
        9 | 10 | 12 => STR,
        16 | 18 | 29 | 32 => 2,
        19 => COMPACT,
        20 | 21 | 24 => 8,
        25 => 12,
        26 => 5,
        27 => 4,
        _ => INVALID,
    }
}

// Evaluated at compile time: `i < 256` bounds the index, and an out-of-range index would be a
// compile error, not a panic.
#[allow(clippy::indexing_slicing)]
static CLASS: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class_of(i as u8);
        i += 1;
    }
    t
};

#[inline(always)]
fn class(tag: u8) -> u8 {
    CLASS.get(usize::from(tag)).copied().unwrap_or(INVALID)
}

/// Reads an A-XDR length at `*pos` (fast path for the one-byte form).
#[inline(always)]
fn read_len(buf: &[u8], pos: &mut usize, base: usize, field: &'static str) -> Result<usize> {
    match buf.get(*pos) {
        Some(&b) if b < 0x80 => {
            *pos += 1;
            Ok(usize::from(b))
        }
        Some(_) => {
            let mut r = Reader::new(buf.get(*pos..).unwrap_or_default(), base + *pos);
            let n = r.length(field)?;
            *pos = buf.len() - r.remaining();
            Ok(n)
        }
        None => Err(Error::Truncated {
            field,
            offset: base + *pos,
            needed: 1,
        }),
    }
}

#[inline(always)]
fn take(buf: &[u8], pos: usize, n: usize, base: usize, field: &'static str) -> Result<usize> {
    match pos.checked_add(n) {
        Some(end) if end <= buf.len() => Ok(end),
        _ => Err(Error::Truncated {
            field,
            offset: base + pos,
            needed: n.saturating_sub(buf.len().saturating_sub(pos)),
        }),
    }
}

// ---- validation (decoding a value from a peer) -------------------------------------------------

/// Validates one tagged value at `start`, returning its end. Iterative: nesting costs one
/// `u32` per level, bounded by `limits`.
pub(crate) fn validate(buf: &[u8], start: usize, base: usize, limits: &Limits) -> Result<usize> {
    let max_depth = limits.depth();
    let mut stack = [0u32; Limits::MAX_DEPTH as usize];
    let mut depth = 0usize;
    let mut left: u32 = 1;
    // Values are counted when their container is opened (the root counts 1), so the limit is
    // checked once per container rather than once per value.
    let mut elements: u32 = 1;
    if limits.max_elements == 0 {
        return Err(Error::TooManyElements {
            limit: 0,
            offset: base + start,
        });
    }
    let mut pos = start;
    loop {
        let at = pos;
        let Some(&tag) = buf.get(pos) else {
            return Err(Error::Truncated {
                field: "data",
                offset: base + pos,
                needed: 1,
            });
        };
        pos += 1;
        left -= 1;
        // One arm per size, so that a well-predicted branch (not a table lookup that the next
        // position would depend on) decides how far to skip.
        match tag {
            9 | 10 | 12 => {
                let n = read_len(buf, &mut pos, base, "string length")?;
                pos = take(buf, pos, n, base, "string")?;
            }
            5 | 6 | 23 | 27 | 30 | 33 => pos = take(buf, pos, 4, base, "data")?,
            16 | 18 | 29 | 32 => pos = take(buf, pos, 2, base, "data")?,
            3 | 13 | 15 | 17 | 22 | 28 | 31 => pos = take(buf, pos, 1, base, "data")?,
            20 | 21 | 24 => pos = take(buf, pos, 8, base, "data")?,
            25 => pos = take(buf, pos, 12, base, "data")?,
            26 => pos = take(buf, pos, 5, base, "data")?,
            0 | 0xFF => {}
            4 => {
                let bits = read_len(buf, &mut pos, base, "bit-string length")?;
                pos = take(buf, pos, bits.div_ceil(8), base, "bit-string")?;
            }
            1 | 2 => {
                let count_at = pos;
                let n = read_len(buf, &mut pos, base, "element count")?;
                let available = buf.len() - pos;
                if n > available {
                    return Err(Error::CountTooLarge {
                        field: if tag == 1 { "array" } else { "structure" },
                        count: u32::try_from(n).unwrap_or(u32::MAX),
                        available,
                        offset: base + count_at,
                    });
                }
                if depth >= max_depth {
                    return Err(Error::DepthExceeded {
                        limit: limits.max_depth.min(Limits::MAX_DEPTH),
                        offset: base + at,
                    });
                }
                elements = elements.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                if elements > limits.max_elements {
                    return Err(Error::TooManyElements {
                        limit: limits.max_elements,
                        offset: base + at,
                    });
                }
                if n > 0 {
                    let slot = stack.get_mut(depth).ok_or(Error::DepthExceeded {
                        limit: Limits::MAX_DEPTH,
                        offset: base + at,
                    })?;
                    *slot = left;
                    depth += 1;
                    // n <= available <= usize, and a count above u32::MAX cannot fit the input.
                    left = u32::try_from(n).map_err(|_| Error::InvalidLength {
                        field: "element count",
                        offset: base + count_at,
                    })?;
                    // Arrays of flat structures (profile buffers, object lists) are checked
                    // row by row against the first row's tags and lengths.
                    if tag == 1 && n >= 2 && depth < max_depth {
                        let (rows, end, fields) = uniform_rows(buf, pos, n);
                        if rows > 0 {
                            let added =
                                u32::try_from(rows.saturating_mul(fields)).unwrap_or(u32::MAX);
                            elements = elements.saturating_add(added);
                            if elements > limits.max_elements {
                                return Err(Error::TooManyElements {
                                    limit: limits.max_elements,
                                    offset: base + pos,
                                });
                            }
                            // rows <= n = left.
                            left -= u32::try_from(rows).unwrap_or(left);
                            pos = end;
                        }
                    }
                }
            }
            19 => {
                let (end, leaves) = validate_compact(buf, pos, base, depth, limits)?;
                elements = elements.saturating_add(u32::try_from(leaves).unwrap_or(u32::MAX));
                if elements > limits.max_elements {
                    return Err(Error::TooManyElements {
                        limit: limits.max_elements,
                        offset: base + at,
                    });
                }
                pos = end;
            }
            _ => {
                return Err(Error::UnknownTag {
                    field: "data",
                    tag,
                    offset: base + at,
                });
            }
        }
        while left == 0 {
            if depth == 0 {
                return Ok(pos);
            }
            depth -= 1;
            left = stack.get(depth).copied().unwrap_or(0);
        }
    }
}

/// Most fields of a row [`Skeleton`] handles.
const MAX_FIELDS: usize = 16;

/// The layout of a flat structure (at most 16 leaves, one-byte lengths): where its tag and
/// length bytes are and what they hold. Every structure whose bytes at those offsets are equal
/// has the same layout and size, so arrays of such rows (profile buffers, object lists) are
/// validated and walked row by row with a few byte compares.
struct Skeleton {
    /// Offsets (from the row start) of the tag and length bytes, and their values.
    offsets: [u16; 2 + 2 * MAX_FIELDS],
    bytes: [u8; 2 + 2 * MAX_FIELDS],
    checks: usize,
    /// Offset of each field's tag.
    fields: [u16; MAX_FIELDS],
    count: usize,
    /// Bytes per row.
    len: usize,
    /// The same checks as whole words, for rows of at most [`WORD_ROW`] bytes: a row matches
    /// when every word of it, masked, equals the template (little-endian words).
    mask: [u64; WORD_ROW / 8],
    template: [u64; WORD_ROW / 8],
}

/// Longest row that [`Skeleton::matches`] compares a word at a time (profile rows are about 32
/// bytes); longer rows are compared byte by byte.
const WORD_ROW: usize = 64;

impl Skeleton {
    /// The skeleton of the structure at `start`, if it is flat and its row fits `buf`.
    fn of(buf: &[u8], start: usize) -> Option<Self> {
        let (Some(&2), Some(&count)) = (buf.get(start), buf.get(start + 1)) else {
            return None;
        };
        let count = usize::from(count);
        if count > MAX_FIELDS {
            return None;
        }
        let mut sk = Self {
            offsets: [0; 2 + 2 * MAX_FIELDS],
            bytes: [0; 2 + 2 * MAX_FIELDS],
            checks: 0,
            fields: [0; MAX_FIELDS],
            count,
            len: 0,
            mask: [0; WORD_ROW / 8],
            template: [0; WORD_ROW / 8],
        };
        sk.check(0, 2)?;
        sk.check(1, u8::try_from(count).ok()?)?;
        let mut p = start + 2;
        for i in 0..count {
            let tag = *buf.get(p)?;
            let off = u16::try_from(p - start).ok()?;
            *sk.fields.get_mut(i)? = off;
            sk.check(off, tag)?;
            let size = match tag {
                0 | 0xFF => 0,
                3 | 13 | 15 | 17 | 22 | 28 | 31 => 1,
                16 | 18 | 29 | 32 => 2,
                5 | 6 | 23 | 27 | 30 | 33 => 4,
                26 => 5,
                20 | 21 | 24 => 8,
                25 => 12,
                4 | 9 | 10 | 12 => {
                    let len = *buf.get(p + 1).filter(|&&l| l < 0x80)?;
                    sk.check(off + 1, len)?;
                    p += 1;
                    if tag == 4 {
                        usize::from(len).div_ceil(8)
                    } else {
                        usize::from(len)
                    }
                }
                _ => return None,
            };
            p += 1 + size;
        }
        sk.len = p - start;
        (p <= buf.len() && u16::try_from(sk.len).is_ok()).then_some(sk)
    }

    fn check(&mut self, off: u16, byte: u8) -> Option<()> {
        *self.offsets.get_mut(self.checks)? = off;
        *self.bytes.get_mut(self.checks)? = byte;
        self.checks += 1;
        let (word, shift) = (usize::from(off) / 8, 8 * (u32::from(off) % 8));
        if let (Some(m), Some(t)) = (self.mask.get_mut(word), self.template.get_mut(word)) {
            *m |= 0xFF << shift;
            *t |= u64::from(byte) << shift;
        }
        Some(())
    }

    /// Whether the row at `start` is whole and has this layout.
    #[inline]
    fn matches(&self, buf: &[u8], start: usize) -> bool {
        let Some(row) = buf.get(start..start + self.len) else {
            return false;
        };
        if self.len <= WORD_ROW {
            let words = self.len.div_ceil(8);
            let (mask, template) = (
                self.mask.get(..words).unwrap_or_default(),
                self.template.get(..words).unwrap_or_default(),
            );
            let diff = |span: &[u8]| {
                span.chunks_exact(8).zip(mask.iter().zip(template)).fold(
                    0u64,
                    |acc, (chunk, (m, t))| {
                        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
                        acc | ((w & m) ^ t)
                    },
                )
            };
            // Whole words, reading past the row's end where the buffer goes on (those bytes
            // are masked out); the last row of a buffer is copied and padded with zeros.
            return match buf.get(start..start + 8 * words) {
                Some(span) => diff(span) == 0,
                None => {
                    let mut padded = [0u8; WORD_ROW];
                    if let Some(dst) = padded.get_mut(..row.len()) {
                        dst.copy_from_slice(row);
                    }
                    diff(padded.get(..8 * words).unwrap_or_default()) == 0
                }
            };
        }
        let offsets = self.offsets.get(..self.checks).unwrap_or_default();
        let bytes = self.bytes.get(..self.checks).unwrap_or_default();
        offsets
            .iter()
            .zip(bytes)
            .all(|(&o, &b)| row.get(usize::from(o)) == Some(&b))
    }

    /// The field tag offsets.
    fn field_offsets(&self) -> &[u16] {
        self.fields.get(..self.count).unwrap_or_default()
    }
}

/// Validates the rows of an array that match its first row's [`Skeleton`]; returns how many
/// (0 when the first row is not flat), where they end, and the fields per row.
fn uniform_rows(buf: &[u8], start: usize, n: usize) -> (usize, usize, usize) {
    let Some(sk) = Skeleton::of(buf, start) else {
        return (0, start, 0);
    };
    let mut rows = 1usize;
    while rows < n && sk.matches(buf, start + rows * sk.len) {
        rows += 1;
    }
    (rows, start + rows * sk.len, sk.count)
}

/// What a compact-array type description says about one instance of the type.
#[derive(Clone, Copy)]
struct DescInfo {
    /// End of the description.
    end: usize,
    /// Encoded size of an instance, if fixed.
    size: Option<usize>,
    /// Values in one instance (the type itself and everything inside), saturating.
    leaves: u64,
}

/// Parses a type description at `pos` of `desc` (Green Book 9.5 `TypeDescription`).
fn describe(
    desc: &[u8],
    pos: usize,
    base: usize,
    depth: usize,
    limits: &Limits,
) -> Result<DescInfo> {
    let Some(&tag) = desc.get(pos) else {
        return Err(Error::Truncated {
            field: "type description",
            offset: base + pos,
            needed: 1,
        });
    };
    match (tag, class(tag)) {
        (1, _) => {
            if depth >= limits.depth() {
                return Err(Error::DepthExceeded {
                    limit: limits.max_depth.min(Limits::MAX_DEPTH),
                    offset: base + pos,
                });
            }
            let count_at = pos + 1;
            let end = take(desc, count_at, 2, base, "type description")?;
            let count = desc
                .get(count_at..end)
                .map_or(0, |b| usize::from(u16::from_be_bytes(be(b))));
            let child = describe(desc, end, base, depth + 1, limits)?;
            Ok(DescInfo {
                end: child.end,
                size: if count == 0 {
                    Some(0)
                } else {
                    child.size.and_then(|s| s.checked_mul(count))
                },
                leaves: child.leaves.saturating_mul(count as u64).saturating_add(1),
            })
        }
        (2, _) => {
            if depth >= limits.depth() {
                return Err(Error::DepthExceeded {
                    limit: limits.max_depth.min(Limits::MAX_DEPTH),
                    offset: base + pos,
                });
            }
            let mut p = pos + 1;
            let count_at = p;
            let count = read_len(desc, &mut p, base, "type description count")?;
            if count > desc.len() - p {
                return Err(Error::CountTooLarge {
                    field: "type description",
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    available: desc.len() - p,
                    offset: base + count_at,
                });
            }
            let mut size = Some(0usize);
            let mut leaves = 1u64;
            for _ in 0..count {
                let child = describe(desc, p, base, depth + 1, limits)?;
                p = child.end;
                size = match (size, child.size) {
                    (Some(a), Some(b)) => a.checked_add(b),
                    _ => None,
                };
                leaves = leaves.saturating_add(child.leaves);
            }
            Ok(DescInfo {
                end: p,
                size,
                leaves,
            })
        }
        (_, n @ 0..=12) => Ok(DescInfo {
            end: pos + 1,
            size: Some(usize::from(n)),
            leaves: 1,
        }),
        (_, STR | BITS) => Ok(DescInfo {
            end: pos + 1,
            size: None,
            leaves: 1,
        }),
        _ => Err(Error::UnknownTag {
            field: "type description",
            tag,
            offset: base + pos,
        }),
    }
}

/// Skips one untyped instance of the type described at `dpos` in `body` from `bpos`.
/// The description is known to be valid.
fn skip_untyped(desc: &[u8], dpos: usize, body: &[u8], bpos: usize, base: usize) -> Result<usize> {
    let tag = desc.get(dpos).copied().unwrap_or(INVALID);
    match (tag, class(tag)) {
        (1, _) => {
            let count = desc
                .get(dpos + 1..dpos + 3)
                .map_or(0, |b| usize::from(u16::from_be_bytes(be(b))));
            let child = dpos + 3;
            if let Some(size) = fixed_size(desc, child) {
                let total = size.checked_mul(count).ok_or(Error::InvalidLength {
                    field: "compact-array row",
                    offset: base + bpos,
                })?;
                return take(body, bpos, total, base, "compact-array row");
            }
            let mut p = bpos;
            for _ in 0..count {
                p = skip_untyped(desc, child, body, p, base)?;
            }
            Ok(p)
        }
        (2, _) => {
            let mut d = dpos + 1;
            let count = read_len(desc, &mut d, 0, "type description count")?;
            let mut p = bpos;
            for _ in 0..count {
                p = skip_untyped(desc, d, body, p, base)?;
                d = desc_end(desc, d);
            }
            Ok(p)
        }
        (_, n @ 0..=12) => take(body, bpos, usize::from(n), base, "compact-array row"),
        (_, STR) => {
            let mut p = bpos;
            let n = read_len(body, &mut p, base, "string length")?;
            take(body, p, n, base, "compact-array row")
        }
        (_, BITS) => {
            let mut p = bpos;
            let n = read_len(body, &mut p, base, "bit-string length")?;
            take(body, p, n.div_ceil(8), base, "compact-array row")
        }
        _ => Err(Error::UnknownTag {
            field: "type description",
            tag,
            offset: base + dpos,
        }),
    }
}

/// End of a valid type description starting at `pos` (stackless: counts pending children).
fn desc_end(desc: &[u8], pos: usize) -> usize {
    let mut pending = 1usize;
    let mut p = pos;
    while pending > 0 {
        pending -= 1;
        match desc.get(p).copied() {
            Some(1) => {
                p += 3;
                pending += 1;
            }
            Some(2) => {
                p += 1;
                pending += read_len(desc, &mut p, 0, "type description count").unwrap_or(0);
            }
            Some(_) => p += 1,
            None => return desc.len(),
        }
    }
    p
}

/// Fixed encoded size of an instance of the valid description at `pos`, if it has one.
fn fixed_size(desc: &[u8], pos: usize) -> Option<usize> {
    let tag = *desc.get(pos)?;
    match (tag, class(tag)) {
        (1, _) => {
            let count = desc
                .get(pos + 1..pos + 3)
                .map(|b| usize::from(u16::from_be_bytes(be(b))))?;
            // An empty array takes no bytes whatever its element type: without this, arrays of
            // empty arrays of strings would be "variable" and walked element by element.
            if count == 0 {
                return Some(0);
            }
            fixed_size(desc, pos + 3)?.checked_mul(count)
        }
        (2, _) => {
            let mut p = pos + 1;
            let count = read_len(desc, &mut p, 0, "").ok()?;
            let mut total = 0usize;
            for _ in 0..count {
                total = total.checked_add(fixed_size(desc, p)?)?;
                p = desc_end(desc, p);
            }
            Some(total)
        }
        (_, n @ 0..=12) => Some(usize::from(n)),
        _ => None,
    }
}

/// Validates a compact-array after its tag; returns its end and the number of values in it.
fn validate_compact(
    buf: &[u8],
    pos: usize,
    base: usize,
    depth: usize,
    limits: &Limits,
) -> Result<(usize, u64)> {
    let info = describe(buf, pos, base, depth, limits)?;
    // One row's values are known from the description: refuse before walking any contents.
    if info.leaves > u64::from(limits.max_elements) {
        return Err(Error::TooManyElements {
            limit: limits.max_elements,
            offset: base + pos,
        });
    }
    let mut p = info.end;
    let n = read_len(buf, &mut p, base, "compact-array length")?;
    let end = take(buf, p, n, base, "compact-array contents")?;
    let desc = buf.get(pos..info.end).unwrap_or_default();
    let contents = buf.get(p..end).unwrap_or_default();
    let rows = match info.size {
        Some(0) if n > 0 => {
            return Err(Error::InvalidValue {
                field: "compact-array of zero-size rows",
                offset: base + pos,
            });
        }
        Some(0) => 0,
        Some(size) if n.is_multiple_of(size) => n / size,
        Some(_) => {
            return Err(Error::InvalidLength {
                field: "compact-array contents",
                offset: base + p,
            });
        }
        None => {
            let mut rows = 0usize;
            let mut q = 0usize;
            while q < contents.len() {
                q = skip_untyped(desc, 0, contents, q, base + p)?;
                rows += 1;
            }
            rows
        }
    };
    let rows = u64::try_from(rows).unwrap_or(u64::MAX);
    Ok((end, rows.saturating_mul(info.leaves)))
}

// ---- decoding of validated bytes ---------------------------------------------------------------

#[inline(always)]
fn be<const N: usize>(p: &[u8]) -> [u8; N] {
    p.first_chunk::<N>().copied().unwrap_or([0; N])
}

/// The scalar of `tag` whose fixed-size payload is `p` (the caller checked its length).
#[inline(always)]
fn fixed_scalar(tag: u8, p: &[u8]) -> Data<'_> {
    match tag {
        3 => Data::Boolean(p.first().is_some_and(|&b| b != 0)),
        5 => Data::DoubleLong(i32::from_be_bytes(be(p))),
        6 => Data::DoubleLongUnsigned(u32::from_be_bytes(be(p))),
        13 => Data::Bcd(be::<1>(p)[0]),
        15 => Data::Integer(i8::from_be_bytes(be(p))),
        16 => Data::Long(i16::from_be_bytes(be(p))),
        17 => Data::Unsigned(be::<1>(p)[0]),
        18 => Data::LongUnsigned(u16::from_be_bytes(be(p))),
        20 => Data::Long64(i64::from_be_bytes(be(p))),
        21 => Data::Long64Unsigned(u64::from_be_bytes(be(p))),
        22 => Data::Enum(be::<1>(p)[0]),
        23 => Data::Float32(f32::from_be_bytes(be(p))),
        24 => Data::Float64(f64::from_be_bytes(be(p))),
        25 => Data::DateTime(DateTime::from_bytes(be(p))),
        26 => Data::Date(Date::from_bytes(be(p))),
        27 => Data::Time(Time::from_bytes(be(p))),
        28 => Data::DeltaInteger(i8::from_be_bytes(be(p))),
        29 => Data::DeltaLong(i16::from_be_bytes(be(p))),
        30 => Data::DeltaDoubleLong(i32::from_be_bytes(be(p))),
        31 => Data::DeltaUnsigned(be::<1>(p)[0]),
        32 => Data::DeltaLongUnsigned(u16::from_be_bytes(be(p))),
        33 => Data::DeltaDoubleLongUnsigned(u32::from_be_bytes(be(p))),
        0xFF => Data::DontCare,
        _ => Data::Null,
    }
}

/// Skips one validated tagged value (stackless).
fn skip_valid(buf: &[u8], mut pos: usize) -> Option<usize> {
    let mut pending = 1usize;
    while pending > 0 {
        pending -= 1;
        let tag = *buf.get(pos)?;
        pos += 1;
        match class(tag) {
            n @ 0..=12 => pos += usize::from(n),
            STR => {
                let n = read_len(buf, &mut pos, 0, "").ok()?;
                pos += n;
            }
            BITS => {
                let n = read_len(buf, &mut pos, 0, "").ok()?;
                pos += n.div_ceil(8);
            }
            CONTAINER => pending += read_len(buf, &mut pos, 0, "").ok()?,
            COMPACT => {
                pos = desc_end(buf, pos);
                let n = read_len(buf, &mut pos, 0, "").ok()?;
                pos += n;
            }
            _ => return None,
        }
    }
    (pos <= buf.len()).then_some(pos)
}

/// Decodes the validated tagged value at `pos` when it is not an array or structure; returns
/// it and its end. One dispatch on the tag, each arm with its own constant size.
#[inline(always)]
fn decode_leaf(buf: &[u8], pos: usize) -> Option<(Data<'_>, usize)> {
    let tag = *buf.get(pos)?;
    let rest = buf.get(pos + 1..)?;
    macro_rules! fixed {
        ($n:literal, $make:expr) => {{
            let b: [u8; $n] = *rest.first_chunk::<$n>()?;
            Some(($make(b), pos + 1 + $n))
        }};
    }
    match tag {
        9 | 10 | 12 => {
            let (n, skip) = match rest.first() {
                Some(&b) if b < 0x80 => (usize::from(b), 1),
                _ => {
                    let mut p = 0;
                    (read_len(rest, &mut p, 0, "").ok()?, p)
                }
            };
            let s = rest.get(skip..skip + n)?;
            let d = match tag {
                9 => Data::OctetString(s),
                10 => Data::VisibleString(s),
                _ => Data::Utf8String(s),
            };
            Some((d, pos + 1 + skip + n))
        }
        6 => fixed!(4, |b| Data::DoubleLongUnsigned(u32::from_be_bytes(b))),
        5 => fixed!(4, |b| Data::DoubleLong(i32::from_be_bytes(b))),
        18 => fixed!(2, |b| Data::LongUnsigned(u16::from_be_bytes(b))),
        16 => fixed!(2, |b| Data::Long(i16::from_be_bytes(b))),
        17 => fixed!(1, |b: [u8; 1]| Data::Unsigned(b[0])),
        15 => fixed!(1, |b| Data::Integer(i8::from_be_bytes(b))),
        22 => fixed!(1, |b: [u8; 1]| Data::Enum(b[0])),
        3 => fixed!(1, |b: [u8; 1]| Data::Boolean(b[0] != 0)),
        13 => fixed!(1, |b: [u8; 1]| Data::Bcd(b[0])),
        20 => fixed!(8, |b| Data::Long64(i64::from_be_bytes(b))),
        21 => fixed!(8, |b| Data::Long64Unsigned(u64::from_be_bytes(b))),
        23 => fixed!(4, |b| Data::Float32(f32::from_be_bytes(b))),
        24 => fixed!(8, |b| Data::Float64(f64::from_be_bytes(b))),
        25 => fixed!(12, |b| Data::DateTime(DateTime::from_bytes(b))),
        26 => fixed!(5, |b| Data::Date(Date::from_bytes(b))),
        27 => fixed!(4, |b| Data::Time(Time::from_bytes(b))),
        28 => fixed!(1, |b| Data::DeltaInteger(i8::from_be_bytes(b))),
        29 => fixed!(2, |b| Data::DeltaLong(i16::from_be_bytes(b))),
        30 => fixed!(4, |b| Data::DeltaDoubleLong(i32::from_be_bytes(b))),
        31 => fixed!(1, |b: [u8; 1]| Data::DeltaUnsigned(b[0])),
        32 => fixed!(2, |b| Data::DeltaLongUnsigned(u16::from_be_bytes(b))),
        33 => fixed!(4, |b| Data::DeltaDoubleLongUnsigned(u32::from_be_bytes(b))),
        0 => Some((Data::Null, pos + 1)),
        0xFF => Some((Data::DontCare, pos + 1)),
        4 => {
            let mut p = pos + 1;
            let bits = read_len(buf, &mut p, 0, "").ok()?;
            let n = bits.div_ceil(8);
            let bytes = buf.get(p..p + n)?;
            Some((
                Data::BitString(BitString {
                    bits: u32::try_from(bits).ok()?,
                    bytes,
                }),
                p + n,
            ))
        }
        19 => {
            let p = pos + 1;
            let dend = desc_end(buf, p);
            let description = buf.get(p..dend)?;
            let mut q = dend;
            let n = read_len(buf, &mut q, 0, "").ok()?;
            let contents = buf.get(q..q + n)?;
            let rows = count_rows(description, contents)?;
            Some((
                Data::CompactArray(CompactArray {
                    description,
                    contents,
                    rows,
                }),
                q + n,
            ))
        }
        _ => None,
    }
}

/// Decodes the validated tagged value at `pos`; returns it and its end.
#[inline]
fn decode_valid(buf: &[u8], pos: usize) -> Option<(Data<'_>, usize)> {
    let tag = *buf.get(pos)?;
    if tag != 1 && tag != 2 {
        return decode_leaf(buf, pos);
    }
    let mut p = pos + 1;
    let count = read_len(buf, &mut p, 0, "").ok()?;
    let mut end = p;
    for _ in 0..count {
        end = skip_valid(buf, end)?;
    }
    let seq = Sequence {
        repr: SeqRepr::Encoded {
            body: buf.get(p..end)?,
            count: u32::try_from(count).ok()?,
        },
    };
    Some((
        if tag == 1 {
            Data::Array(seq)
        } else {
            Data::Structure(seq)
        },
        end,
    ))
}

/// Decodes the validated value that starts `buf` and ends at `end` (no second skip for
/// containers).
fn decode_validated(buf: &[u8], end: usize) -> Option<Data<'_>> {
    let tag = *buf.first()?;
    if tag == 1 || tag == 2 {
        let mut p = 1;
        let count = u32::try_from(read_len(buf, &mut p, 0, "").ok()?).ok()?;
        let seq = Sequence {
            repr: SeqRepr::Encoded {
                body: buf.get(p..end)?,
                count,
            },
        };
        return Some(if tag == 1 {
            Data::Array(seq)
        } else {
            Data::Structure(seq)
        });
    }
    decode_valid(buf, 0).map(|(d, _)| d)
}

/// Rows of validated compact-array contents.
fn count_rows(desc: &[u8], contents: &[u8]) -> Option<u32> {
    let rows = match fixed_size(desc, 0) {
        Some(0) => 0,
        Some(size) => contents.len() / size,
        None => {
            let mut rows = 0usize;
            let mut q = 0;
            while q < contents.len() {
                q = skip_untyped(desc, 0, contents, q, 0).ok()?;
                rows += 1;
            }
            rows
        }
    };
    u32::try_from(rows).ok()
}

/// Decodes the untyped instance of the valid description at `dpos` from `body` at `bpos`.
fn decode_untyped<'a>(
    desc: &'a [u8],
    dpos: usize,
    body: &'a [u8],
    bpos: usize,
) -> Option<(Data<'a>, usize)> {
    let tag = *desc.get(dpos)?;
    match (tag, class(tag)) {
        (1, _) => {
            let count = desc
                .get(dpos + 1..dpos + 3)
                .map(|b| u32::from(u16::from_be_bytes(be(b))))?;
            let end = skip_untyped(desc, dpos, body, bpos, 0).ok()?;
            let child = desc.get(dpos + 3..desc_end(desc, dpos + 3))?;
            let seq = SeqRepr::Compact {
                desc: child,
                body: body.get(bpos..end)?,
                count,
                array: true,
            };
            Some((Data::Array(Sequence { repr: seq }), end))
        }
        (2, _) => {
            let mut d = dpos + 1;
            let count = read_len(desc, &mut d, 0, "").ok()?;
            let end = skip_untyped(desc, dpos, body, bpos, 0).ok()?;
            let fields = desc.get(d..desc_end(desc, dpos))?;
            let seq = SeqRepr::Compact {
                desc: fields,
                body: body.get(bpos..end)?,
                count: u32::try_from(count).ok()?,
                array: false,
            };
            Some((Data::Structure(Sequence { repr: seq }), end))
        }
        (_, n @ 0..=12) => {
            let end = bpos + usize::from(n);
            Some((fixed_scalar(tag, body.get(bpos..end)?), end))
        }
        (_, STR) => {
            let mut p = bpos;
            let n = read_len(body, &mut p, 0, "").ok()?;
            let s = body.get(p..p + n)?;
            let d = match tag {
                9 => Data::OctetString(s),
                10 => Data::VisibleString(s),
                _ => Data::Utf8String(s),
            };
            Some((d, p + n))
        }
        (_, BITS) => {
            let mut p = bpos;
            let bits = read_len(body, &mut p, 0, "").ok()?;
            let n = bits.div_ceil(8);
            Some((
                Data::BitString(BitString {
                    bits: u32::try_from(bits).ok()?,
                    bytes: body.get(p..p + n)?,
                }),
                p + n,
            ))
        }
        _ => None,
    }
}

// ---- the public API ----------------------------------------------------------------------------

impl<'a> Data<'a> {
    /// Decodes a value that must fill `input` exactly, with the default [`Limits`] (the crate
    /// rule: `parse` takes the whole input).
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::UnknownTag`], [`Error::InvalidLength`],
    /// [`Error::CountTooLarge`], [`Error::DepthExceeded`], [`Error::TooManyElements`],
    /// [`Error::InvalidValue`]; [`Error::TrailingBytes`] when bytes are left over; offsets are
    /// into `input`.
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        Self::parse_with(input, &Limits::DEFAULT)
    }

    /// As [`parse`](Self::parse), with the caller's limits.
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_with(input: &'a [u8], limits: &Limits) -> Result<Self> {
        let mut r = Reader::new(input, 0);
        let d = Self::read(&mut r, limits)?;
        r.finish("data")?;
        Ok(d)
    }

    /// Decodes one value from the start of `input` with the default [`Limits`]; returns it and
    /// the number of bytes it took (the crate rule: `parse_prefix` may leave bytes over).
    ///
    /// # Errors
    /// As [`parse`](Self::parse), without [`Error::TrailingBytes`].
    pub fn parse_prefix(input: &'a [u8]) -> Result<(Self, usize)> {
        Self::parse_prefix_with(input, &Limits::DEFAULT)
    }

    /// As [`parse_prefix`](Self::parse_prefix), with the caller's limits.
    ///
    /// # Errors
    /// As [`parse_prefix`](Self::parse_prefix).
    pub fn parse_prefix_with(input: &'a [u8], limits: &Limits) -> Result<(Self, usize)> {
        let mut r = Reader::new(input, 0);
        let d = Self::read(&mut r, limits)?;
        Ok((d, input.len() - r.remaining()))
    }

    /// Decodes one value at the reader's position.
    pub(crate) fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let buf = r.rest();
        let end = validate(buf, 0, r.offset(), limits)?;
        let d = decode_validated(buf, end).ok_or(Error::InvalidValue {
            field: "data",
            offset: r.offset(),
        })?;
        r.advance(end, "data")?;
        Ok(d)
    }

    /// An array of the caller's values.
    #[must_use]
    pub const fn array(items: &'a [Data<'a>]) -> Self {
        Data::Array(Sequence::from_items(items))
    }

    /// A structure of the caller's values.
    #[must_use]
    pub const fn structure(items: &'a [Data<'a>]) -> Self {
        Data::Structure(Sequence::from_items(items))
    }

    /// The type tag.
    #[must_use]
    pub const fn data_type(&self) -> DataType {
        DataType(match self {
            Data::Null => 0,
            Data::Array(_) => 1,
            Data::Structure(_) => 2,
            Data::Boolean(_) => 3,
            Data::BitString(_) => 4,
            Data::DoubleLong(_) => 5,
            Data::DoubleLongUnsigned(_) => 6,
            Data::OctetString(_) => 9,
            Data::VisibleString(_) => 10,
            Data::Utf8String(_) => 12,
            Data::Bcd(_) => 13,
            Data::Integer(_) => 15,
            Data::Long(_) => 16,
            Data::Unsigned(_) => 17,
            Data::LongUnsigned(_) => 18,
            Data::CompactArray(_) => 19,
            Data::Long64(_) => 20,
            Data::Long64Unsigned(_) => 21,
            Data::Enum(_) => 22,
            Data::Float32(_) => 23,
            Data::Float64(_) => 24,
            Data::DateTime(_) => 25,
            Data::Date(_) => 26,
            Data::Time(_) => 27,
            Data::DeltaInteger(_) => 28,
            Data::DeltaLong(_) => 29,
            Data::DeltaDoubleLong(_) => 30,
            Data::DeltaUnsigned(_) => 31,
            Data::DeltaLongUnsigned(_) => 32,
            Data::DeltaDoubleLongUnsigned(_) => 33,
            Data::DontCare => 255,
        })
    }

    /// The elements of an array or structure.
    #[must_use]
    pub const fn as_sequence(&self) -> Option<&Sequence<'a>> {
        match self {
            Data::Array(s) | Data::Structure(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of an octet-, visible- or utf8-string.
    #[must_use]
    pub const fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => Some(b),
            _ => None,
        }
    }

    /// Any integer type (including enum, bcd, boolean and the delta types) widened to `i128`.
    #[must_use]
    pub const fn as_integer(&self) -> Option<i128> {
        Some(match *self {
            Data::Boolean(b) => b as i128,
            Data::DoubleLong(v) | Data::DeltaDoubleLong(v) => v as i128,
            Data::DoubleLongUnsigned(v) | Data::DeltaDoubleLongUnsigned(v) => v as i128,
            Data::Bcd(v) | Data::Unsigned(v) | Data::Enum(v) | Data::DeltaUnsigned(v) => v as i128,
            Data::Integer(v) | Data::DeltaInteger(v) => v as i128,
            Data::Long(v) | Data::DeltaLong(v) => v as i128,
            Data::LongUnsigned(v) | Data::DeltaLongUnsigned(v) => v as i128,
            Data::Long64(v) => v as i128,
            Data::Long64Unsigned(v) => v as i128,
            _ => return None,
        })
    }

    /// A date-time carried either with its own tag or as a 12-byte octet-string (the usual
    /// form in real meters).
    #[must_use]
    pub fn as_date_time(&self) -> Option<DateTime> {
        match *self {
            Data::DateTime(dt) => Some(dt),
            Data::OctetString(b) => DateTime::from_slice(b),
            _ => None,
        }
    }

    /// Calls `f` for this value and everything inside it, in pre-order: the fastest way to see
    /// every value (internal iteration; see [`walk`](Self::walk) for an iterator).
    ///
    /// Runs of received (encoded) elements are walked by a flat loop with a stack of element
    /// counts; caller-built and compact-array sequences nest at most as deep as they were
    /// built or validated.
    ///
    /// ```
    /// use dlms::axdr::{Data, NodeKind};
    /// let data = Data::parse(&[0x02, 0x02, 0x11, 0x07, 0x01, 0x01, 0x12, 0x00, 0x05])?;
    /// let mut leaves = Vec::new();
    /// data.visit(|node| {
    ///     if let NodeKind::Value(v) = node.kind {
    ///         leaves.push((node.depth, v.as_integer()));
    ///     }
    /// });
    /// assert_eq!(leaves, [(1, Some(7)), (2, Some(5))]);
    /// # Ok::<(), dlms::Error>(())
    /// ```
    pub fn visit<F: FnMut(Node<'a>)>(&self, mut f: F) {
        visit_data(*self, 0, &mut f);
    }

    /// A pre-order walk over this value and everything inside it (see [`Walker`]).
    #[must_use]
    pub fn walk(&self) -> Walker<'a> {
        Walker::new(*self)
    }
}

impl<'a> Sequence<'a> {
    /// A sequence of the caller's values (for encoding).
    #[must_use]
    pub const fn from_items(items: &'a [Data<'a>]) -> Self {
        Self {
            repr: SeqRepr::Items(items),
        }
    }

    /// Number of elements.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.repr {
            SeqRepr::Encoded { count, .. } | SeqRepr::Compact { count, .. } => count as usize,
            SeqRepr::Items(items) => items.len(),
        }
    }

    /// True without elements.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements in order.
    #[must_use]
    pub fn iter(&self) -> SeqIter<'a> {
        let left = u32::try_from(self.len()).unwrap_or(u32::MAX);
        let repr = match self.repr {
            SeqRepr::Encoded { body, .. } => IterRepr::Encoded { body, pos: 0 },
            SeqRepr::Items(items) => IterRepr::Items(items.iter()),
            SeqRepr::Compact {
                desc, body, array, ..
            } => IterRepr::Compact {
                desc,
                dpos: 0,
                body,
                bpos: 0,
                array,
            },
        };
        SeqIter { repr, left }
    }

    /// Element `index` (walks the elements before it).
    #[must_use]
    pub fn get(&self, index: usize) -> Option<Data<'a>> {
        self.iter().nth(index)
    }

    /// The encoded elements (tags included) when this view is over received bytes.
    #[must_use]
    pub const fn encoded_body(&self) -> Option<&'a [u8]> {
        match self.repr {
            SeqRepr::Encoded { body, .. } => Some(body),
            _ => None,
        }
    }
}

impl<'a> IntoIterator for Sequence<'a> {
    type Item = Data<'a>;
    type IntoIter = SeqIter<'a>;
    fn into_iter(self) -> SeqIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Sequence<'a> {
    type Item = Data<'a>;
    type IntoIter = SeqIter<'a>;
    fn into_iter(self) -> SeqIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Sequence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Sequence<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Iterator over the elements of a [`Sequence`].
#[derive(Debug, Clone)]
pub struct SeqIter<'a> {
    repr: IterRepr<'a>,
    left: u32,
}

#[derive(Debug, Clone)]
enum IterRepr<'a> {
    Encoded {
        body: &'a [u8],
        pos: usize,
    },
    Items(core::slice::Iter<'a, Data<'a>>),
    Compact {
        desc: &'a [u8],
        dpos: usize,
        body: &'a [u8],
        bpos: usize,
        array: bool,
    },
}

impl<'a> Iterator for SeqIter<'a> {
    type Item = Data<'a>;

    #[inline]
    fn next(&mut self) -> Option<Data<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        match &mut self.repr {
            IterRepr::Encoded { body, pos } => {
                let (d, end) = decode_valid(body, *pos)?;
                *pos = end;
                Some(d)
            }
            IterRepr::Items(it) => it.next().copied(),
            IterRepr::Compact {
                desc,
                dpos,
                body,
                bpos,
                array,
            } => {
                let (d, end) = decode_untyped(desc, *dpos, body, *bpos)?;
                *bpos = end;
                if !*array {
                    *dpos = desc_end(desc, *dpos);
                }
                Some(d)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.left as usize;
        (n, Some(n))
    }
}

impl<'a> CompactArray<'a> {
    /// A compact-array of `contents` packed as `description` says.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the description is malformed or the contents are not
    /// whole rows of it.
    pub fn new(description: &'a [u8], contents: &'a [u8]) -> Result<Self> {
        let bad = Error::InvalidArgument {
            what: "compact-array description or contents",
        };
        let info = describe(description, 0, 0, 0, &Limits::UNBOUNDED).map_err(|_| bad)?;
        if info.end != description.len() {
            return Err(bad);
        }
        let rows = match info.size {
            Some(0) if contents.is_empty() => 0,
            Some(0) => return Err(bad),
            Some(size) if contents.len().is_multiple_of(size) => contents.len() / size,
            Some(_) => return Err(bad),
            None => {
                let mut rows = 0usize;
                let mut q = 0;
                while q < contents.len() {
                    q = skip_untyped(description, 0, contents, q, 0).map_err(|_| bad)?;
                    rows += 1;
                }
                rows
            }
        };
        Ok(Self {
            description,
            contents,
            rows: u32::try_from(rows).map_err(|_| bad)?,
        })
    }

    /// The type description of one element (`12` = long-unsigned, `02 02 12 06` = structure
    /// {long-unsigned, double-long-unsigned}, ...).
    #[must_use]
    pub const fn description(&self) -> &'a [u8] {
        self.description
    }

    /// The packed contents.
    #[must_use]
    pub const fn contents(&self) -> &'a [u8] {
        self.contents
    }

    /// Number of elements (rows).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.rows as usize
    }

    /// True without rows.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The elements, decoded as the description says.
    #[must_use]
    pub const fn elements(&self) -> Sequence<'a> {
        Sequence {
            repr: SeqRepr::Compact {
                desc: self.description,
                body: self.contents,
                count: self.rows,
                array: true,
            },
        }
    }
}

impl PartialEq for Data<'_> {
    fn eq(&self, other: &Self) -> bool {
        use Data::*;
        match (self, other) {
            (Null, Null) | (DontCare, DontCare) => true,
            (Array(a), Array(b)) | (Structure(a), Structure(b)) => a == b,
            (Boolean(a), Boolean(b)) => a == b,
            (BitString(a), BitString(b)) => a == b,
            (DoubleLong(a), DoubleLong(b)) | (DeltaDoubleLong(a), DeltaDoubleLong(b)) => a == b,
            (DoubleLongUnsigned(a), DoubleLongUnsigned(b))
            | (DeltaDoubleLongUnsigned(a), DeltaDoubleLongUnsigned(b)) => a == b,
            (OctetString(a), OctetString(b))
            | (VisibleString(a), VisibleString(b))
            | (Utf8String(a), Utf8String(b)) => a == b,
            (Bcd(a), Bcd(b))
            | (Unsigned(a), Unsigned(b))
            | (Enum(a), Enum(b))
            | (DeltaUnsigned(a), DeltaUnsigned(b)) => a == b,
            (Integer(a), Integer(b)) | (DeltaInteger(a), DeltaInteger(b)) => a == b,
            (Long(a), Long(b)) | (DeltaLong(a), DeltaLong(b)) => a == b,
            (LongUnsigned(a), LongUnsigned(b)) | (DeltaLongUnsigned(a), DeltaLongUnsigned(b)) => {
                a == b
            }
            (CompactArray(a), CompactArray(b)) => a == b,
            (Long64(a), Long64(b)) => a == b,
            (Long64Unsigned(a), Long64Unsigned(b)) => a == b,
            (Float32(a), Float32(b)) => a.to_bits() == b.to_bits(),
            (Float64(a), Float64(b)) => a.to_bits() == b.to_bits(),
            (DateTime(a), DateTime(b)) => a == b,
            (Date(a), Date(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            _ => false,
        }
    }
}

// ---- encoding ----------------------------------------------------------------------------------

fn seq_len(seq: &Sequence<'_>) -> usize {
    let n = seq.len();
    1 + length_len(n)
        + match seq.repr {
            SeqRepr::Encoded { body, .. } => body.len(),
            _ => seq.iter().map(|d| d.buffer_len()).sum(),
        }
}

fn emit_seq<S: Sink + ?Sized>(tag: u8, seq: &Sequence<'_>, out: &mut S) -> Result<()> {
    out.put_u8(tag)?;
    put_length(out, seq.len())?;
    match seq.repr {
        SeqRepr::Encoded { body, .. } => out.put(body),
        _ => seq.iter().try_for_each(|d| d.emit_to(out)),
    }
}

impl Encode for Data<'_> {
    fn buffer_len(&self) -> usize {
        match self {
            Data::Array(s) | Data::Structure(s) => seq_len(s),
            Data::BitString(b) => 1 + length_len(b.bits as usize) + b.bytes.len(),
            Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => {
                1 + length_len(b.len()) + b.len()
            }
            Data::CompactArray(c) => {
                1 + c.description.len() + length_len(c.contents.len()) + c.contents.len()
            }
            other => 1 + usize::from(class(other.data_type().0)),
        }
    }

    fn emit_to<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let tag = self.data_type().0;
        match *self {
            Data::Array(ref s) | Data::Structure(ref s) => return emit_seq(tag, s, out),
            Data::BitString(b) => {
                out.put_u8(tag)?;
                put_length(out, b.bits as usize)?;
                return out.put(b.bytes);
            }
            Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => {
                out.put_u8(tag)?;
                put_length(out, b.len())?;
                return out.put(b);
            }
            Data::CompactArray(c) => {
                out.put_u8(tag)?;
                out.put(c.description)?;
                put_length(out, c.contents.len())?;
                return out.put(c.contents);
            }
            _ => {}
        }
        let mut buf = [0u8; 13];
        buf[0] = tag;
        let n = fixed_payload(self, buf.get_mut(1..).unwrap_or_default());
        out.put(buf.get(..1 + n).unwrap_or_default())
    }
}

/// Writes the payload of a fixed-size scalar into `dst` (12 bytes); returns its size.
fn fixed_payload(d: &Data<'_>, dst: &mut [u8]) -> usize {
    fn put(dst: &mut [u8], src: &[u8]) -> usize {
        if let Some(d) = dst.get_mut(..src.len()) {
            d.copy_from_slice(src);
        }
        src.len()
    }
    match *d {
        Data::Boolean(b) => put(dst, &[u8::from(b)]),
        Data::DoubleLong(v) | Data::DeltaDoubleLong(v) => put(dst, &v.to_be_bytes()),
        Data::DoubleLongUnsigned(v) | Data::DeltaDoubleLongUnsigned(v) => {
            put(dst, &v.to_be_bytes())
        }
        Data::Bcd(v) | Data::Unsigned(v) | Data::Enum(v) | Data::DeltaUnsigned(v) => put(dst, &[v]),
        Data::Integer(v) | Data::DeltaInteger(v) => put(dst, &v.to_be_bytes()),
        Data::Long(v) | Data::DeltaLong(v) => put(dst, &v.to_be_bytes()),
        Data::LongUnsigned(v) | Data::DeltaLongUnsigned(v) => put(dst, &v.to_be_bytes()),
        Data::Long64(v) => put(dst, &v.to_be_bytes()),
        Data::Long64Unsigned(v) => put(dst, &v.to_be_bytes()),
        Data::Float32(v) => put(dst, &v.to_be_bytes()),
        Data::Float64(v) => put(dst, &v.to_be_bytes()),
        Data::DateTime(v) => put(dst, &v.to_bytes()),
        Data::Date(v) => put(dst, &v.to_bytes()),
        Data::Time(v) => put(dst, &v.to_bytes()),
        _ => 0,
    }
}

// ---- walking -----------------------------------------------------------------------------------

fn visit_data<'a, F: FnMut(Node<'a>)>(d: Data<'a>, depth: usize, f: &mut F) {
    let (seq, kind) = match d {
        Data::Array(s) => (s, NodeKind::Array(s.len())),
        Data::Structure(s) => (s, NodeKind::Structure(s.len())),
        other => {
            return f(Node {
                depth,
                kind: NodeKind::Value(other),
            });
        }
    };
    f(Node { depth, kind });
    match seq.repr {
        SeqRepr::Encoded { body, count } => {
            let (mut pos, mut n) = (0, usize::try_from(count).unwrap_or(0));
            if matches!(kind, NodeKind::Array(_))
                && !visit_uniform_rows(body, &mut pos, &mut n, depth + 1, f)
            {
                return;
            }
            if let Some(rest) = body.get(pos..) {
                visit_encoded(rest, u32::try_from(n).unwrap_or(0), depth + 1, f);
            }
        }
        _ => seq.iter().for_each(|e| visit_data(e, depth + 1, f)),
    }
}

/// Visits the leading rows of an array body at `*pos` that share the first row's flat layout
/// ([`Skeleton`]), at most `*n` of them, as structures at `depth` and their fields at
/// `depth + 1`, with no per-value bookkeeping; advances `*pos` and lowers `*n` past them.
/// Returns `false` when a field cannot be decoded (not for validated input).
#[inline(always)]
fn visit_uniform_rows<'a, F: FnMut(Node<'a>)>(
    buf: &'a [u8],
    pos: &mut usize,
    n: &mut usize,
    depth: usize,
    f: &mut F,
) -> bool {
    if *n < 2 {
        return true;
    }
    let Some(sk) = Skeleton::of(buf, *pos) else {
        return true;
    };
    while *n > 0 && sk.matches(buf, *pos) {
        f(Node {
            depth,
            kind: NodeKind::Structure(sk.count),
        });
        for &off in sk.field_offsets() {
            let Some((d, _)) = decode_leaf(buf, *pos + usize::from(off)) else {
                return false;
            };
            f(Node {
                depth: depth + 1,
                kind: NodeKind::Value(d),
            });
        }
        *pos += sk.len;
        *n -= 1;
    }
    true
}

/// The flat loop over validated tagged elements: `count` elements of `buf` at `depth0`.
#[inline(always)]
fn visit_encoded<'a, F: FnMut(Node<'a>)>(buf: &'a [u8], count: u32, depth0: usize, f: &mut F) {
    let mut lefts = [0u32; Limits::MAX_DEPTH as usize];
    let mut sp = 0usize;
    let mut left = count;
    let mut pos = 0usize;
    loop {
        while left == 0 {
            if sp == 0 {
                return;
            }
            sp -= 1;
            left = lefts.get(sp).copied().unwrap_or(0);
        }
        left -= 1;
        let Some(&tag) = buf.get(pos) else { return };
        if tag == 1 || tag == 2 {
            let mut p = pos + 1;
            let Ok(mut n) = read_len(buf, &mut p, 0, "") else {
                return;
            };
            pos = p;
            let depth = depth0 + sp;
            let kind = if tag == 1 {
                NodeKind::Array(n)
            } else {
                NodeKind::Structure(n)
            };
            f(Node { depth, kind });
            if tag == 1 && !visit_uniform_rows(buf, &mut pos, &mut n, depth + 1, f) {
                return;
            }
            if n > 0 {
                // Validated input nests at most Limits::MAX_DEPTH deep.
                let Some(slot) = lefts.get_mut(sp) else {
                    return;
                };
                *slot = left;
                sp += 1;
                left = u32::try_from(n).unwrap_or(0);
            }
        } else {
            let Some((d, end)) = decode_leaf(buf, pos) else {
                return;
            };
            pos = end;
            f(Node {
                depth: depth0 + sp,
                kind: NodeKind::Value(d),
            });
        }
    }
}

/// One step of a [`Walker`]: a container being entered or a leaf value, with its depth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node<'a> {
    /// 0 for the walked value itself, 1 for its elements, ...
    pub depth: usize,
    /// What was found.
    pub kind: NodeKind<'a>,
}

/// What a [`Node`] holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeKind<'a> {
    /// An array with this many elements; they follow at `depth + 1`.
    Array(usize),
    /// A structure with this many elements; they follow at `depth + 1`.
    Structure(usize),
    /// Any other value (a compact-array is a leaf: walk its
    /// [`elements`](CompactArray::elements) separately).
    Value(Data<'a>),
}

#[derive(Debug, Clone)]
enum Frame<'a> {
    /// A container whose elements are tagged bytes at the walker's cursor.
    Encoded { left: u32 },
    /// A container walked through its element iterator (caller-built or compact).
    Iter(SeqIter<'a>),
}

/// A pre-order walk over a [`Data`] value: a tight loop over the tags with an explicit stack of
/// `N` levels (16 by default, the default [`Limits::max_depth`]); no recursion, no allocation.
///
/// Yields `Err(DepthExceeded)` once, then stops, when the value nests deeper than `N`.
///
/// ```
/// use dlms::axdr::{Data, NodeKind};
/// // array [ structure { long-unsigned 1, long-unsigned 2 } ]
/// let data = Data::parse(&[0x01, 0x01, 0x02, 0x02, 0x12, 0, 1, 0x12, 0, 2])?;
/// let mut sum = 0;
/// for node in data.walk() {
///     if let NodeKind::Value(Data::LongUnsigned(v)) = node?.kind {
///         sum += v;
///     }
/// }
/// assert_eq!(sum, 3);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Walker<'a, const N: usize = 16> {
    root: Option<Data<'a>>,
    /// The tagged bytes the innermost encoded frames walk.
    buf: &'a [u8],
    pos: usize,
    /// The innermost open frame (valid when `depth > 0`), kept out of the stack so that the
    /// hot loop works on a local.
    top: Frame<'a>,
    /// The frames below `top`.
    stack: [Frame<'a>; N],
    /// Open frames, `top` included.
    depth: usize,
    failed: bool,
}

impl<'a, const N: usize> Walker<'a, N> {
    /// A walk over `data` with an `N`-level stack.
    #[must_use]
    pub fn new(data: Data<'a>) -> Self {
        Self {
            root: Some(data),
            buf: &[],
            pos: 0,
            top: Frame::Encoded { left: 0 },
            stack: core::array::from_fn(|_| Frame::Encoded { left: 0 }),
            depth: 0,
            failed: false,
        }
    }

    #[inline]
    fn push(&mut self, frame: Frame<'a>) -> Result<()> {
        if self.depth >= N {
            self.failed = true;
            return Err(Error::DepthExceeded {
                limit: u8::try_from(N).unwrap_or(u8::MAX),
                offset: self.pos,
            });
        }
        if self.depth > 0 {
            let below = core::mem::replace(&mut self.top, frame);
            if let Some(slot) = self.stack.get_mut(self.depth - 1) {
                *slot = below;
            }
        } else {
            self.top = frame;
        }
        self.depth += 1;
        Ok(())
    }

    #[inline]
    fn pop(&mut self) {
        self.depth -= 1;
        if self.depth > 0
            && let Some(slot) = self.stack.get_mut(self.depth - 1)
        {
            self.top = core::mem::replace(slot, Frame::Encoded { left: 0 });
        }
    }

    fn enter(&mut self, data: Data<'a>, depth: usize) -> Result<Node<'a>> {
        let (seq, array) = match data {
            Data::Array(s) => (s, true),
            Data::Structure(s) => (s, false),
            other => {
                return Ok(Node {
                    depth,
                    kind: NodeKind::Value(other),
                });
            }
        };
        let frame = match seq.repr {
            SeqRepr::Encoded { body, count } => {
                self.buf = body;
                self.pos = 0;
                Frame::Encoded { left: count }
            }
            _ => Frame::Iter(seq.iter()),
        };
        self.push(frame)?;
        let n = seq.len();
        Ok(Node {
            depth,
            kind: if array {
                NodeKind::Array(n)
            } else {
                NodeKind::Structure(n)
            },
        })
    }
}

impl<'a, const N: usize> Iterator for Walker<'a, N> {
    type Item = Result<Node<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Result<Node<'a>>> {
        if self.failed {
            return None;
        }
        if let Some(root) = self.root.take() {
            return Some(self.enter(root, 0));
        }
        loop {
            if self.depth == 0 {
                return None;
            }
            let depth = self.depth;
            match &mut self.top {
                Frame::Encoded { left } => {
                    if *left == 0 {
                        self.pop();
                        continue;
                    }
                    *left -= 1;
                    let tag = *self.buf.get(self.pos)?;
                    if tag == 1 || tag == 2 {
                        let mut p = self.pos + 1;
                        let count = read_len(self.buf, &mut p, 0, "").ok()?;
                        self.pos = p;
                        let pushed = self.push(Frame::Encoded {
                            left: u32::try_from(count).ok()?,
                        });
                        let kind = if tag == 1 {
                            NodeKind::Array(count)
                        } else {
                            NodeKind::Structure(count)
                        };
                        return Some(pushed.map(|()| Node { depth, kind }));
                    }
                    let (d, end) = decode_leaf(self.buf, self.pos)?;
                    self.pos = end;
                    return Some(Ok(Node {
                        depth,
                        kind: NodeKind::Value(d),
                    }));
                }
                Frame::Iter(it) => match it.next() {
                    Some(d) => return Some(self.enter(d, depth)),
                    None => self.pop(),
                },
            }
        }
    }
}

impl fmt::Display for Data<'_> {
    /// An indented tree, one value per line (two spaces per level), e.g.
    ///
    /// ```text
    /// structure (2)
    ///   octet-string 0100010800ff
    ///   double-long-unsigned 5000
    /// ```
    ///
    /// Nesting deeper than 16 levels is shown as `...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for node in self.walk() {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            let Ok(node) = node else {
                return f.write_str("...");
            };
            for _ in 0..node.depth {
                f.write_str("  ")?;
            }
            match node.kind {
                NodeKind::Array(n) => write!(f, "array ({n})")?,
                NodeKind::Structure(n) => write!(f, "structure ({n})")?,
                NodeKind::Value(v) => write_leaf(f, &v)?,
            }
        }
        Ok(())
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

fn write_text(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("\"")?;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            write!(f, "{}", c.escape_debug())?;
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    f.write_str("\"")
}

fn write_leaf(f: &mut fmt::Formatter<'_>, v: &Data<'_>) -> fmt::Result {
    f.write_str(v.data_type().name().unwrap_or("?"))?;
    match *v {
        Data::Null | Data::DontCare => Ok(()),
        Data::Array(ref s) | Data::Structure(ref s) => write!(f, " ({})", s.len()),
        Data::Boolean(b) => write!(f, " {b}"),
        Data::BitString(b) => {
            f.write_str(" ")?;
            b.iter()
                .try_for_each(|bit| f.write_str(if bit { "1" } else { "0" }))
        }
        Data::OctetString(b) => {
            f.write_str(" ")?;
            write_hex(f, b)?;
            if let Some(dt) = DateTime::from_slice(b)
                && dt.to_civil().is_some()
            {
                write!(f, " ({dt})")?;
            }
            Ok(())
        }
        Data::VisibleString(b) | Data::Utf8String(b) => {
            f.write_str(" ")?;
            write_text(f, b)
        }
        Data::Bcd(x) => write!(f, " {x:02x}"),
        Data::CompactArray(c) => {
            write!(f, " ({} rows, description ", c.len())?;
            write_hex(f, c.description)?;
            f.write_str(")")
        }
        Data::Float32(x) => write!(f, " {x}"),
        Data::Float64(x) => write!(f, " {x}"),
        Data::DateTime(dt) => write!(f, " {dt}"),
        Data::Date(d) => write!(f, " {d}"),
        Data::Time(t) => write!(f, " {t}"),
        ref other => match other.as_integer() {
            Some(i) => write!(f, " {i}"),
            None => Ok(()),
        },
    }
}
