//! A bounds-checked cursor over borrowed input, shared by the A-XDR and APDU decoders.
//!
//! Every read checks the remaining length and reports the absolute offset (`base + pos`) of the
//! field that did not fit, so errors from nested decoders point into the caller's input.

use crate::{Error, Result};

/// A cursor over `buf`; offsets in errors are `base + position`.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`, whose first byte is at offset `base` of the input.
    pub(crate) const fn new(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub(crate) const fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        let rest = self.buf.get(self.pos..);
        debug_assert!(
            rest.is_some(),
            "the position only moves over bytes that were checked"
        );
        rest.unwrap_or_default()
    }

    /// True when every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn truncated(&self, field: &'static str, n: usize) -> Error {
        Error::Truncated {
            field,
            offset: self.offset(),
            needed: n - self.remaining(),
        }
    }

    /// The next byte, without consuming it.
    pub(crate) fn peek(&self, field: &'static str) -> Result<u8> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.truncated(field, 1))
    }

    /// The next `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| self.truncated(field, n))?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| self.truncated(field, n))?;
        self.pos = end;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N]> {
        let rest = self.rest();
        let (head, _) = rest
            .split_first_chunk::<N>()
            .ok_or_else(|| self.truncated(field, N))?;
        self.pos += N;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8> {
        let b = self.peek(field)?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16> {
        self.array::<2>(field).map(u16::from_be_bytes)
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32> {
        self.array::<4>(field).map(u32::from_be_bytes)
    }

    /// An A-XDR BOOLEAN: any non-zero byte is true.
    pub(crate) fn bool(&mut self, field: &'static str) -> Result<bool> {
        self.u8(field).map(|b| b != 0)
    }

    /// An A-XDR length or element count (IEC 61334-6 / DLMS Green Book 9.3): one byte below
    /// 0x80, else 0x81..=0x84 followed by that many big-endian bytes. 0x80 is rejected.
    pub(crate) fn length(&mut self, field: &'static str) -> Result<usize> {
        let at = self.offset();
        let first = self.u8(field)?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return Err(Error::InvalidLength { field, offset: at });
        }
        let bytes = self.bytes(n, field)?;
        let value = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        usize::try_from(value).map_err(|_| Error::InvalidLength { field, offset: at })
    }

    /// A length-prefixed byte string.
    pub(crate) fn octets(&mut self, field: &'static str) -> Result<&'a [u8]> {
        let n = self.length(field)?;
        self.bytes(n, field)
    }

    /// An element count, checked against the bytes left at `min_size` bytes per element.
    pub(crate) fn count(&mut self, field: &'static str, min_size: usize) -> Result<u32> {
        let at = self.offset();
        let n = self.length(field)?;
        let available = self.remaining();
        let count = u32::try_from(n).map_err(|_| Error::InvalidLength { field, offset: at })?;
        if n.saturating_mul(min_size) > available {
            return Err(Error::CountTooLarge {
                field,
                count,
                available,
                offset: at,
            });
        }
        Ok(count)
    }

    /// An OPTIONAL usage flag: `00` absent, `01` present.
    pub(crate) fn flag(&mut self, field: &'static str) -> Result<bool> {
        let at = self.offset();
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::InvalidValue { field, offset: at }),
        }
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(&self, field: &'static str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes {
                field,
                offset: self.offset(),
                count: self.remaining(),
            })
        }
    }

    /// Skips `n` bytes that are known to be present.
    pub(crate) fn advance(&mut self, n: usize, field: &'static str) -> Result<()> {
        self.bytes(n, field).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_in_every_form() {
        // IEC 61334-6 length forms (0x00..0x7F, or 0x81..0x84 and 1..4 length bytes).
        for (bytes, value) in [
            (&[0x00][..], 0usize),
            (&[0x7F], 0x7F),
            (&[0x81, 0x80], 0x80),
            (&[0x82, 0x01, 0x00], 0x100),
            (&[0x83, 0x01, 0x00, 0x00], 0x1_0000),
            (&[0x84, 0x01, 0x00, 0x00, 0x00], 0x100_0000),
        ] {
            let mut r = Reader::new(bytes, 0);
            assert_eq!(r.length("len"), Ok(value));
            assert!(r.is_empty());
        }
    }

    #[test]
    fn forbidden_length_forms() {
        for bytes in [&[0x80][..], &[0x85, 0, 0, 0, 0, 1], &[0xFF]] {
            let mut r = Reader::new(bytes, 7);
            assert_eq!(
                r.length("len"),
                Err(Error::InvalidLength {
                    field: "len",
                    offset: 7
                })
            );
        }
        let mut r = Reader::new(&[0x82, 0x01], 3);
        assert_eq!(
            r.length("len"),
            Err(Error::Truncated {
                field: "len",
                offset: 4,
                needed: 1
            })
        );
    }

    #[test]
    fn counts_are_bounded_by_the_input() {
        let mut r = Reader::new(&[0x84, 0x3B, 0x9A, 0xCA, 0x00, 1, 2, 3], 0);
        assert_eq!(
            r.count("array", 1),
            Err(Error::CountTooLarge {
                field: "array",
                count: 1_000_000_000,
                available: 3,
                offset: 0
            })
        );
    }
}
