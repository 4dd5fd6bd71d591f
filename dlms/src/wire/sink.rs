//! Encoding: the [`Sink`] the encoders write to and the [`Encode`] trait every value and APDU
//! implements.

use crate::{Error, Result};

/// Where encoders write their bytes: a caller's slice ([`SliceSink`]) or, with `alloc`, a
/// `Vec<u8>`.
pub trait Sink {
    /// Appends `bytes`.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when the sink cannot take them.
    fn put(&mut self, bytes: &[u8]) -> Result<()>;

    /// Appends one byte.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when the sink is full.
    fn put_u8(&mut self, byte: u8) -> Result<()> {
        self.put(&[byte])
    }
}

/// A [`Sink`] writing into a caller's buffer from its start.
#[derive(Debug)]
pub struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceSink<'b> {
    /// A sink that writes `buf` from its first byte.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Bytes written so far.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes written so far.
    #[must_use]
    pub fn written(&self) -> &[u8] {
        let written = self.buf.get(..self.len);
        debug_assert!(
            written.is_some(),
            "`put` only counts bytes it wrote into `buf`"
        );
        written.unwrap_or_default()
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len = end;
                Ok(())
            }
            None => Err(Error::BufferTooSmall {
                needed: end,
                available: self.buf.len(),
            }),
        }
    }

    #[inline]
    fn put_u8(&mut self, byte: u8) -> Result<()> {
        match self.buf.get_mut(self.len) {
            Some(dst) => {
                *dst = byte;
                self.len += 1;
                Ok(())
            }
            None => Err(Error::BufferTooSmall {
                needed: self.len + 1,
                available: self.buf.len(),
            }),
        }
    }
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    fn put_u8(&mut self, byte: u8) -> Result<()> {
        self.push(byte);
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        (**self).put(bytes)
    }

    fn put_u8(&mut self, byte: u8) -> Result<()> {
        (**self).put_u8(byte)
    }
}

/// A value with a wire encoding: A-XDR data, xDLMS and ACSE APDUs.
///
/// `emit` never panics; on a buffer of at least [`buffer_len`](Encode::buffer_len) bytes it
/// cannot fail.
pub trait Encode {
    /// The exact number of bytes [`emit`](Encode::emit) writes.
    fn buffer_len(&self) -> usize;

    /// Writes the encoding to `out`.
    ///
    /// # Errors
    /// Whatever the sink reports (a full buffer); values whose fields cannot be expressed on
    /// the wire report [`Error::InvalidArgument`].
    fn emit_to<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()>;

    /// Writes the encoding at the start of `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `buf` is shorter than [`buffer_len`](Encode::buffer_len)
    /// (nothing is written then); [`Error::InvalidArgument`] as for
    /// [`emit_to`](Encode::emit_to).
    fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let needed = self.buffer_len();
        let Some(dst) = buf.get_mut(..needed) else {
            return Err(Error::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        };
        let mut sink = SliceSink::new(dst);
        self.emit_to(&mut sink)?;
        Ok(sink.len())
    }

    /// The encoding as a new vector.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] as for [`emit_to`](Encode::emit_to).
    #[cfg(feature = "alloc")]
    fn to_vec(&self) -> Result<alloc::vec::Vec<u8>> {
        let mut out = alloc::vec::Vec::with_capacity(self.buffer_len());
        self.emit_to(&mut out)?;
        Ok(out)
    }
}

/// Bytes an A-XDR length (or element count) of `n` takes in its shortest form.
#[must_use]
pub const fn length_len(n: usize) -> usize {
    if n < 0x80 {
        1
    } else if n <= 0xFF {
        2
    } else if n <= 0xFFFF {
        3
    } else if n <= 0xFF_FFFF {
        4
    } else {
        5
    }
}

/// Writes an A-XDR length (or element count) in its shortest form (IEC 61334-6).
///
/// # Errors
/// [`Error::InvalidArgument`] above `u32::MAX`; whatever the sink reports.
pub fn put_length<S: Sink + ?Sized>(out: &mut S, n: usize) -> Result<()> {
    let Ok(v) = u32::try_from(n) else {
        return Err(Error::InvalidArgument {
            what: "length above u32::MAX",
        });
    };
    let b = v.to_be_bytes();
    match length_len(n) {
        1 => out.put_u8(b[3]),
        2 => out.put(&[0x81, b[3]]),
        3 => out.put(&[0x82, b[2], b[3]]),
        4 => out.put(&[0x83, b[1], b[2], b[3]]),
        _ => out.put(&[0x84, b[0], b[1], b[2], b[3]]),
    }
}

/// Writes a length-prefixed byte string.
///
/// # Errors
/// As [`put_length`].
pub fn put_octets<S: Sink + ?Sized>(out: &mut S, bytes: &[u8]) -> Result<()> {
    put_length(out, bytes.len())?;
    out.put(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_length_forms() {
        for (n, bytes) in [
            (0usize, &[0x00][..]),
            (0x7F, &[0x7F]),
            (0x80, &[0x81, 0x80]),
            (0xFF, &[0x81, 0xFF]),
            (0x100, &[0x82, 0x01, 0x00]),
            (0xFFFF, &[0x82, 0xFF, 0xFF]),
            (0x1_0000, &[0x83, 0x01, 0x00, 0x00]),
            (0x100_0000, &[0x84, 0x01, 0x00, 0x00, 0x00]),
        ] {
            let mut buf = [0xA5u8; 8];
            let mut sink = SliceSink::new(&mut buf);
            put_length(&mut sink, n).unwrap();
            assert_eq!(sink.written(), bytes, "{n}");
            assert_eq!(length_len(n), bytes.len());
        }
    }

    #[test]
    fn slice_sink_reports_the_shortfall() {
        let mut buf = [0u8; 2];
        let mut sink = SliceSink::new(&mut buf);
        sink.put(&[1]).unwrap();
        assert_eq!(
            sink.put(&[2, 3]),
            Err(Error::BufferTooSmall {
                needed: 3,
                available: 2
            })
        );
        assert_eq!(sink.written(), &[1]);
    }
}
