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
        let n = segment_count(self.rest.len(), self.max_info);
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<Segment<'a>> {
        // Every segment but the last is `max_info` long: skip `n` of them at once.
        let skip = n.saturating_mul(self.max_info);
        self.rest = self.rest.get(skip..).unwrap_or(&[]);
        self.next()
    }
}

impl ExactSizeIterator for Segments<'_> {}

/// How many segments [`segments`] cuts an LSDU of `len` bytes into.
pub(crate) const fn segment_count(len: usize, max_info: usize) -> usize {
    len.div_ceil(if max_info == 0 { 1 } else { max_info })
}

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
    core: Reassembly,
}

/// The state of a reassembly without its buffer, which is passed to every
/// [`push`](Reassembly::push): the link engine keeps its receive buffer in the caller's
/// storage. [`Reassembler`] is this with an owned buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reassembly {
    len: usize,
    state: State,
    /// The length of the LSDU being (or last) skipped, all its segments counted.
    skipped: usize,
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
            core: Reassembly::new(),
        }
    }

    /// The largest LSDU this reassembler accepts.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// True while segments of an unfinished LSDU are buffered (or being skipped).
    pub fn in_progress(&self) -> bool {
        self.core.in_progress()
    }

    /// Bytes buffered for the unfinished LSDU.
    pub fn buffered(&self) -> usize {
        self.core.buffered()
    }

    /// Drops whatever is buffered.
    pub fn reset(&mut self) {
        self.core.reset();
    }

    /// Adds one segment; returns the LSDU when `more` is false.
    ///
    /// # Errors
    /// [`Error::ApduTooLong`] when the LSDU does not fit; the segments that follow up to the
    /// last one are then skipped (each push returns `Ok(None)`).
    pub fn push(&mut self, info: &[u8], more: bool) -> Result<Option<&[u8]>> {
        self.core
            .push(self.buf.as_mut(), info, more)
            .map(|lsdu| lsdu.map(|b| &*b))
    }
}

impl Reassembly {
    /// Nothing buffered.
    pub(crate) const fn new() -> Self {
        Reassembly {
            len: 0,
            state: State::Idle,
            skipped: 0,
        }
    }

    /// As [`Reassembler::in_progress`].
    pub(crate) fn in_progress(&self) -> bool {
        matches!(self.state, State::Collecting | State::Discarding)
    }

    /// True while the rest of an LSDU that did not fit is skipped.
    pub(crate) fn discarding(&self) -> bool {
        self.state == State::Discarding
    }

    /// The length of the LSDU being (or last) skipped: every segment of it, up to now.
    pub(crate) const fn skipped_len(&self) -> usize {
        self.skipped
    }

    /// As [`Reassembler::buffered`].
    pub(crate) fn buffered(&self) -> usize {
        if self.state == State::Collecting {
            self.len
        } else {
            0
        }
    }

    /// As [`Reassembler::reset`].
    pub(crate) fn reset(&mut self) {
        self.len = 0;
        self.state = State::Idle;
    }

    /// As [`Reassembler::push`], into `buf` (the same buffer on every call).
    ///
    /// # Errors
    /// As [`Reassembler::push`].
    pub(crate) fn push<'b>(
        &mut self,
        buf: &'b mut [u8],
        info: &[u8],
        more: bool,
    ) -> Result<Option<&'b mut [u8]>> {
        match self.state {
            State::Complete => {
                self.len = 0;
                self.state = State::Idle;
            }
            State::Discarding => {
                self.skipped += info.len();
                if !more {
                    self.state = State::Idle;
                }
                return Ok(None);
            }
            State::Idle | State::Collecting => {}
        }
        let capacity = buf.len();
        let end = self.len + info.len();
        let Some(dst) = buf.get_mut(self.len..end) else {
            self.len = 0;
            self.skipped = end;
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
        Ok(buf.get_mut(..end))
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
