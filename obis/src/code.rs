//! The [`ObisCode`] value type.

use core::fmt;

/// An OBIS code: the six value groups A–F that name a COSEM object (IEC 62056-6-1).
///
/// | group | meaning |
/// |---|---|
/// | A | media (energy type): 0 abstract, 1 electricity, 7 gas, ... |
/// | B | channel |
/// | C | the physical quantity or abstract object family |
/// | D | processing of the quantity (instantaneous, time integral, maximum, ...) |
/// | E | further classification, mostly the tariff |
/// | F | historical values (billing period); 255 when not used |
///
/// On the wire (A-XDR, the `instance-id` of a COSEM descriptor) an OBIS code is exactly six
/// bytes in the order A..F; [`ObisCode::from_bytes`] and [`ObisCode::to_bytes`] convert.
/// Ordering is lexicographic by group, A first.
///
/// ```
/// use obis::ObisCode;
/// const IMPORT: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
/// assert_eq!(IMPORT.to_string(), "1-0:1.8.0*255");
/// assert_eq!(ObisCode::from_bytes([1, 0, 1, 8, 0, 255]), IMPORT);
/// assert_eq!(format!("[{IMPORT:>15}]"), "[  1-0:1.8.0*255]");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ObisCode([u8; 6]);

impl ObisCode {
    /// Builds a code from its six value groups.
    #[must_use]
    pub const fn new(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) -> Self {
        Self([a, b, c, d, e, f])
    }

    /// Builds a code from its six-byte wire form (A first).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 6]) -> Self {
        Self(bytes)
    }

    /// The six-byte wire form (A first).
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 6] {
        self.0
    }

    /// The six value groups as a byte slice (A first).
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }

    /// Value group A: the media (energy type).
    #[must_use]
    pub const fn a(self) -> u8 {
        self.0[0]
    }

    /// Value group B: the channel.
    #[must_use]
    pub const fn b(self) -> u8 {
        self.0[1]
    }

    /// Value group C: the quantity or abstract object family.
    #[must_use]
    pub const fn c(self) -> u8 {
        self.0[2]
    }

    /// Value group D: the processing of the quantity.
    #[must_use]
    pub const fn d(self) -> u8 {
        self.0[3]
    }

    /// Value group E: further classification (tariff).
    #[must_use]
    pub const fn e(self) -> u8 {
        self.0[4]
    }

    /// Value group F: the historical value (billing period); 255 = not used.
    #[must_use]
    pub const fn f(self) -> u8 {
        self.0[5]
    }

    /// The same code with value group F replaced.
    #[must_use]
    pub const fn with_f(self, f: u8) -> Self {
        let [a, b, c, d, e, _] = self.0;
        Self([a, b, c, d, e, f])
    }
}

impl From<[u8; 6]> for ObisCode {
    fn from(bytes: [u8; 6]) -> Self {
        Self(bytes)
    }
}

impl From<ObisCode> for [u8; 6] {
    fn from(code: ObisCode) -> Self {
        code.0
    }
}

impl TryFrom<&[u8]> for ObisCode {
    type Error = crate::WrongLength;

    /// Reads a six-byte wire form.
    ///
    /// # Errors
    /// [`WrongLength`](crate::WrongLength) when the slice is not exactly six bytes long.
    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        <[u8; 6]>::try_from(bytes)
            .map(Self)
            .map_err(|_| crate::WrongLength { len: bytes.len() })
    }
}

/// The canonical text form `A-B:C.D.E*F`; width, fill and alignment are honoured.
impl fmt::Display for ObisCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, ff] = self.0;
        if f.width().is_none() {
            return write!(f, "{a}-{b}:{c}.{d}.{e}*{ff}");
        }
        // The longest form, "255-255:255.255.255*255", is 23 bytes.
        let mut buf = StackStr {
            buf: [0; 23],
            len: 0,
        };
        fmt::Write::write_fmt(&mut buf, format_args!("{a}-{b}:{c}.{d}.{e}*{ff}"))?;
        f.pad(buf.as_str())
    }
}

/// A fixed buffer to format a code into before padding it.
struct StackStr {
    buf: [u8; 23],
    len: usize,
}

impl StackStr {
    fn as_str(&self) -> &str {
        // Only whole `str`s are ever appended, so the prefix is valid UTF-8.
        self.buf
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

impl fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ObisCode {
    fn format(&self, f: defmt::Formatter<'_>) {
        let [a, b, c, d, e, ff] = self.0;
        defmt::write!(f, "{}-{}:{}.{}.{}*{}", a, b, c, d, e, ff);
    }
}

impl fmt::Debug for ObisCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObisCode({self})")
    }
}
