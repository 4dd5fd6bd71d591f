//! Segmentation of an LSDU into I- or UI-frame information fields, and reassembly
//! (IEC 62056-46: the segmentation bit of the format field).
//!
//! The LSDU is the LLC header followed by the APDU; the negotiated maximum information field
//! length counts the LLC header, so the first segment carries three APDU bytes fewer than the
//! others. Every segment but the last has the segmentation bit set.

use crate::{Error, Result};

/// One segment: an information field and whether more segments follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The information field.
    pub info: &'a [u8],
    /// The segmentation bit: more segments of this LSDU follow.
    pub more: bool,
}

/// Splits `lsdu` (LLC header + APDU) into information fields of at most `max_info` bytes.
///
/// A `max_info` of 0 is taken as 1. An empty `lsdu` yields no segment.
///
/// ```
/// use dlms::hdlc::{segments, LLC_COMMAND};
/// let mut lsdu = LLC_COMMAND.to_vec();
/// lsdu.extend_from_slice(&[0xC0; 300]);
/// let parts: Vec<_> = segments(&lsdu, 128).map(|s| (s.info.len(), s.more)).collect();
/// assert_eq!(parts, [(128, true), (128, true), (47, false)]);
/// ```
pub fn segments(lsdu: &[u8], max_info: usize) -> Segments<'_> {
    Segments {
        rest: lsdu,
        max_info: max_info.max(1),
    }
}

/// Iterator returned by [`segments`].
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    rest: &'a [u8],
    max_info: usize,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let (info, rest) = self
            .rest
            .split_at_checked(self.max_info)
            .unwrap_or((self.rest, &[]));
        self.rest = rest;
        Some(Segment {
            info,
            more: !rest.is_empty(),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len().div_ceil(self.max_info);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Segments<'_> {}

/// Reassembles segmented information fields into a caller-provided buffer.
///
/// The buffer bounds the LSDU: a longer one is an error ([`Error::ApduTooLong`]), after which
/// the rest of that LSDU is skipped up to its last segment. Nothing is allocated.
///
/// ```
/// use dlms::hdlc::Reassembler;
/// let mut r = Reassembler::new([0u8; 64]);
/// assert_eq!(r.push(&[0xE6, 0xE7, 0x00, 0xC4], true)?, None);
/// assert_eq!(r.push(&[0x01, 0xC1], false)?, Some(&[0xE6, 0xE7, 0x00, 0xC4, 0x01, 0xC1][..]));
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reassembler<B> {
    buf: B,
    len: usize,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing buffered.
    Idle,
    /// Segments of an LSDU are buffered.
    Collecting,
    /// The last push returned a complete LSDU (dropped on the next push).
    Complete,
    /// An LSDU overflowed the buffer: skip up to its last segment.
    Discarding,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Reassembler<B> {
    /// A reassembler writing into `buf`.
    pub fn new(buf: B) -> Self {
        Reassembler {
            buf,
            len: 0,
            state: State::Idle,
        }
    }

    /// The largest LSDU this reassembler accepts.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// True while segments of an unfinished LSDU are buffered (or being skipped).
    pub fn in_progress(&self) -> bool {
        matches!(self.state, State::Collecting | State::Discarding)
    }

    /// Bytes buffered for the unfinished LSDU.
    pub fn buffered(&self) -> usize {
        if self.state == State::Collecting {
            self.len
        } else {
            0
        }
    }

    /// Drops whatever is buffered.
    pub fn reset(&mut self) {
        self.len = 0;
        self.state = State::Idle;
    }

    /// Adds one segment; returns the LSDU when `more` is false.
    ///
    /// # Errors
    /// [`Error::ApduTooLong`] when the LSDU does not fit; the segments that follow up to the
    /// last one are then skipped (each push returns `Ok(None)`).
    pub fn push(&mut self, info: &[u8], more: bool) -> Result<Option<&[u8]>> {
        match self.state {
            State::Complete => {
                self.len = 0;
                self.state = State::Idle;
            }
            State::Discarding => {
                if !more {
                    self.state = State::Idle;
                }
                return Ok(None);
            }
            State::Idle | State::Collecting => {}
        }
        let capacity = self.capacity();
        let end = self.len + info.len();
        let Some(dst) = self.buf.as_mut().get_mut(self.len..end) else {
            self.len = 0;
            self.state = if more { State::Discarding } else { State::Idle };
            return Err(Error::ApduTooLong { len: end, capacity });
        };
        dst.copy_from_slice(info);
        self.len = end;
        if more {
            self.state = State::Collecting;
            return Ok(None);
        }
        self.state = State::Complete;
        Ok(self.buf.as_ref().get(..end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn split_and_join() {
        let data: std::vec::Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut r = Reassembler::new([0u8; 1000]);
        let mut out = None;
        let segs = segments(&data, 128);
        assert_eq!(segs.len(), 8);
        for s in segs {
            assert!(s.info.len() <= 128);
            if let Some(done) = r.push(s.info, s.more).unwrap() {
                out = Some(done.to_vec());
            }
        }
        assert_eq!(out.as_deref(), Some(&data[..]));
        assert!(!r.in_progress());
        assert_eq!(segments(&[], 10).count(), 0);
        assert_eq!(segments(&[1, 2, 3], 0).count(), 3);
    }

    #[test]
    fn overflow_then_recover() {
        let mut r = Reassembler::new([0u8; 8]);
        assert_eq!(r.push(&[1; 6], true), Ok(None));
        assert_eq!(r.buffered(), 6);
        assert_eq!(
            r.push(&[2; 6], true),
            Err(Error::ApduTooLong {
                len: 12,
                capacity: 8
            })
        );
        assert!(r.in_progress());
        assert_eq!(r.push(&[3; 6], true), Ok(None));
        assert_eq!(r.push(&[4; 1], false), Ok(None));
        assert!(!r.in_progress());
        assert_eq!(r.push(&[5; 2], false), Ok(Some(&[5, 5][..])));
        assert_eq!(
            r.push(&[6; 9], false),
            Err(Error::ApduTooLong {
                len: 9,
                capacity: 8
            })
        );
        assert!(!r.in_progress());
        assert_eq!(r.push(&[7; 1], true), Ok(None));
        r.reset();
        assert_eq!(r.buffered(), 0);
        assert_eq!(r.push(&[8; 1], false), Ok(Some(&[8][..])));
    }

    proptest! {
        #[test]
        fn roundtrip(data in proptest::collection::vec(any::<u8>(), 1..600), max in 1usize..200) {
            let mut r = Reassembler::new(std::vec![0u8; 600]);
            let mut got = None;
            let n = segments(&data, max).len();
            for (i, s) in segments(&data, max).enumerate() {
                prop_assert_eq!(s.more, i + 1 < n);
                if let Some(done) = r.push(s.info, s.more).unwrap() {
                    got = Some(done.to_vec());
                }
            }
            prop_assert_eq!(got, Some(data));
        }
    }
}
