//! The 64-bit token data block: a zero-copy view over its 8 bytes (IEC 62055-41 6.1).
//!
//! Layout, bits 63..0 of the block written big-endian:
//!
//! ```text
//! 63..60 subclass | 59..16 payload (44 bits) | 15..0 CRC
//! common payload: 59..56 RND | 55..32 TID | 31..16 16-bit field (amount, register, ...)
//! ```
//!
//! The class is not in the block: it travels in the token number (see
//! [`TokenNumber`](crate::TokenNumber)) and is covered by the CRC.
//!
//! Panic contract: after [`DataBlock::check_len`] succeeds (or with [`DataBlock::new_checked`])
//! every accessor is exact; on a shorter buffer given to [`DataBlock::new_unchecked`], getters read
//! zeros and setters write nothing. No accessor ever panics.

use crate::error::{Error, Result};

/// Length of a data block in bytes.
pub const BLOCK_LEN: usize = 8;

mod field {
    use core::ops::Range;
    /// Subclass (high nibble) and RND (low nibble).
    pub const SUBCLASS_RND: usize = 0;
    /// The 24-bit TID.
    pub const TID: Range<usize> = 1..4;
    /// The 16-bit field (amount, register, rate, pad, ...).
    pub const FIELD16: Range<usize> = 4..6;
    /// The CRC.
    pub const CRC: Range<usize> = 6..8;
}

/// A read/write view of an 8-byte data block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataBlock<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> DataBlock<T> {
    /// A view without a length check.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// A view of a buffer of at least 8 bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let b = Self::new_unchecked(buffer);
        b.check_len()?;
        Ok(b)
    }

    /// Checks that the buffer holds a whole block.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is shorter than 8 bytes.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < BLOCK_LEN {
            Err(Error::Truncated {
                field: "data block",
                offset: 0,
                needed: BLOCK_LEN - len,
            })
        } else {
            Ok(())
        }
    }

    /// The buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole block as a big-endian integer.
    pub fn word(&self) -> u64 {
        self.buffer
            .as_ref()
            .first_chunk::<BLOCK_LEN>()
            .map_or(0, |b| u64::from_be_bytes(*b))
    }

    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        self.buffer
            .as_ref()
            .get(at..)
            .and_then(|b| b.first_chunk::<N>())
            .copied()
            .unwrap_or([0; N])
    }

    /// The 4-bit subclass (bits 63..60).
    pub fn subclass(&self) -> u8 {
        self.bytes::<1>(field::SUBCLASS_RND)[0] >> 4
    }

    /// The 4-bit RND (bits 59..56); S&E for currency, KENHO/KENLO in key-change tokens.
    pub fn rnd(&self) -> u8 {
        self.bytes::<1>(field::SUBCLASS_RND)[0] & 0x0F
    }

    /// The 24-bit TID (bits 55..32).
    pub fn tid(&self) -> u32 {
        let [a, b, c] = self.bytes::<3>(field::TID.start);
        u32::from_be_bytes([0, a, b, c])
    }

    /// The 16-bit field (bits 31..16).
    pub fn field16(&self) -> u16 {
        u16::from_be_bytes(self.bytes::<2>(field::FIELD16.start))
    }

    /// The 44-bit payload (bits 59..16).
    pub fn payload(&self) -> u64 {
        (self.word() >> 16) & PAYLOAD_MASK
    }

    /// The 16-bit CRC (bits 15..0).
    pub fn crc(&self) -> u16 {
        u16::from_be_bytes(self.bytes::<2>(field::CRC.start))
    }
}

/// Mask of the 44 payload bits.
pub const PAYLOAD_MASK: u64 = (1 << 44) - 1;

impl<T: AsRef<[u8]> + AsMut<[u8]>> DataBlock<T> {
    /// Writes the whole block.
    pub fn set_word(&mut self, word: u64) {
        if let Some(b) = self.buffer.as_mut().first_chunk_mut::<BLOCK_LEN>() {
            *b = word.to_be_bytes();
        }
    }

    fn set_bytes<const N: usize>(&mut self, at: usize, v: [u8; N]) {
        if let Some(b) = self
            .buffer
            .as_mut()
            .get_mut(at..)
            .and_then(|b| b.first_chunk_mut::<N>())
        {
            *b = v;
        }
    }

    /// Sets the subclass (low 4 bits of `v`).
    pub fn set_subclass(&mut self, v: u8) {
        let b = self.bytes::<1>(field::SUBCLASS_RND)[0];
        self.set_bytes(field::SUBCLASS_RND, [(b & 0x0F) | (v << 4)]);
    }

    /// Sets the RND nibble (low 4 bits of `v`).
    pub fn set_rnd(&mut self, v: u8) {
        let b = self.bytes::<1>(field::SUBCLASS_RND)[0];
        self.set_bytes(field::SUBCLASS_RND, [(b & 0xF0) | (v & 0x0F)]);
    }

    /// Sets the TID (low 24 bits of `v`).
    pub fn set_tid(&mut self, v: u32) {
        let [_, a, b, c] = v.to_be_bytes();
        self.set_bytes(field::TID.start, [a, b, c]);
    }

    /// Sets the 16-bit field.
    pub fn set_field16(&mut self, v: u16) {
        self.set_bytes(field::FIELD16.start, v.to_be_bytes());
    }

    /// Sets the 44-bit payload (low 44 bits of `v`).
    pub fn set_payload(&mut self, v: u64) {
        let w = (self.word() & !(PAYLOAD_MASK << 16)) | ((v & PAYLOAD_MASK) << 16);
        self.set_word(w);
    }

    /// Sets the CRC.
    pub fn set_crc(&mut self, v: u16) {
        self.set_bytes(field::CRC.start, v.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Plaintext block of STS 531-1-0-02 CTSA01 step 1 (NectarAPI/tokens-service test
    // STSComplianceTests_STS_531_1_0_02_CTSA01.java:82): class 0, subclass 0, RND 5,
    // TID 5871715, amount 0x0001, CRC 0x19E6.
    const BYTES: [u8; 8] = [0x05, 0x59, 0x98, 0x63, 0x00, 0x01, 0x19, 0xe6];

    #[test]
    fn deconstruct() {
        let b = DataBlock::new_checked(&BYTES[..]).unwrap();
        assert_eq!(b.subclass(), 0);
        assert_eq!(b.rnd(), 5);
        assert_eq!(b.tid(), 5_871_715);
        assert_eq!(b.field16(), 1);
        assert_eq!(b.crc(), 0x19e6);
        assert_eq!(b.word(), 0x0559_9863_0001_19e6);
        assert_eq!(b.payload(), 0x0559_9863_0001);
    }

    #[test]
    fn construct() {
        let mut buf = [0xA5u8; 8];
        let mut b = DataBlock::new_unchecked(&mut buf[..]);
        b.set_subclass(0);
        b.set_rnd(5);
        b.set_tid(5_871_715);
        b.set_field16(1);
        b.set_crc(0x19e6);
        assert_eq!(buf, BYTES);
        let mut buf = [0xA5u8; 8];
        let mut b = DataBlock::new_unchecked(&mut buf[..]);
        b.set_payload(0x0559_9863_0001);
        assert_eq!(buf, [0xA5, 0x59, 0x98, 0x63, 0x00, 0x01, 0xA5, 0xA5]);
    }

    #[test]
    fn short_buffers() {
        assert_eq!(
            DataBlock::new_checked(&BYTES[..5]).err(),
            Some(Error::Truncated {
                field: "data block",
                offset: 0,
                needed: 3
            })
        );
        let b = DataBlock::new_unchecked(&BYTES[..3]);
        assert_eq!((b.word(), b.crc(), b.field16()), (0, 0, 0));
        let mut short = [0u8; 3];
        {
            let mut b = DataBlock::new_unchecked(&mut short[..]);
            b.set_crc(0xFFFF);
            b.set_word(u64::MAX);
            b.set_tid(0xFF_FFFF);
        }
        assert_eq!(short, [0, 0, 0]);
        DataBlock::new_unchecked(&mut short[..]).set_subclass(0xF);
        assert_eq!(short, [0xF0, 0, 0]);
        let _ = DataBlock::new_unchecked(&[][..]).subclass();
    }
}
