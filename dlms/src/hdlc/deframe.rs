//! Finding frames in a byte stream: [`scan`] over a contiguous buffer, and the [`Deframer`]
//! that is fed bytes as they arrive.
//!
//! DLMS HDLC has no byte stuffing: a frame is delimited by its length field, and `0x7E` may
//! occur inside it. A candidate frame starts at a flag followed by a type-3 format field; it is
//! accepted only when its structure, HCS and FCS are right. After garbage or a corrupted frame
//! the search resumes at the next flag *inside* the rejected bytes, so a good frame that
//! follows (or hides inside a bogus length) is not lost. One flag may close a frame and open the
//! next; runs of flags between frames are skipped.

use super::frame::{
    FLAG, FormatField, FrameHeader, HdlcFrame, HeaderScan, MIN_FRAME_LEN, parse_header,
};
use crate::{Error, Scan};

/// Looks for a frame at the start of `buf` (httparse-style: incomplete input is not an error).
///
/// [`Scan::Complete`]: a valid frame (structure, HCS and FCS checked) at
/// `buf[offset..offset + len]`, flags included; `offset` skips fill flags. The closing flag may
/// also open the next frame: continue at `offset + len - 1`. [`Scan::Invalid`]: the start is
/// not a valid frame; `discard` goes up to the next flag.
///
/// ```
/// use dlms::hdlc::{scan, Scan};
/// // Two frames sharing one flag, from u9n TestSnrmFrame (HDLC-01) and an RR N(R)=2.
/// let bytes = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64,
///              0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x51, 0xA3, 0x81, 0x7E];
/// assert_eq!(scan(&bytes), Scan::Complete { offset: 0, len: 10 });
/// assert_eq!(scan(&bytes[9..]), Scan::Complete { offset: 0, len: 10 });
/// assert_eq!(scan(&bytes[..5]), Scan::Incomplete { needed: 5 });
/// ```
#[must_use]
pub fn scan(buf: &[u8]) -> Scan {
    let Some(&first) = buf.first() else {
        return Scan::Incomplete {
            needed: MIN_FRAME_LEN,
        };
    };
    if first != FLAG {
        return Scan::Invalid {
            discard: next_flag(buf, 1),
            error: Error::BadFlag {
                offset: 0,
                found: first,
            },
        };
    }
    // Skip a run of flags: the last one opens the frame.
    let start = buf
        .iter()
        .position(|&b| b != FLAG)
        .map_or(buf.len() - 1, |p| p - 1);
    let Some(&[f0, f1]) = buf.get(start + 1..start + 3) else {
        let have = buf.len() - start;
        return Scan::Incomplete {
            needed: MIN_FRAME_LEN - have,
        };
    };
    let format = FormatField::from_bytes([f0, f1]);
    if !format.is_type_3() {
        // The flag closed something (or was noise): drop the flags and look further.
        return Scan::Invalid {
            discard: start + 1,
            error: Error::BadFrameFormat {
                offset: start + 1,
                found: format.format_type,
            },
        };
    }
    let declared = format.length;
    if declared < MIN_FRAME_LEN - 2 {
        return Scan::Invalid {
            discard: next_flag(buf, start + 1),
            error: Error::Truncated {
                field: "frame (format field length)",
                offset: start + 1,
                needed: MIN_FRAME_LEN - 2 - declared,
            },
        };
    }
    let len = declared + 2;
    let Some(candidate) = buf.get(start..start + len) else {
        return Scan::Incomplete {
            needed: start + len - buf.len(),
        };
    };
    let frame = HdlcFrame::new_unchecked(candidate);
    match frame.check_checksums() {
        Ok(()) => Scan::Complete { offset: start, len },
        Err(error) => Scan::Invalid {
            discard: next_flag(buf, start + 1),
            error: shift(error, start),
        },
    }
}

/// The index of the first flag at or after `from`, or the buffer length.
fn next_flag(buf: &[u8], from: usize) -> usize {
    buf.get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == FLAG))
        .map_or(buf.len(), |p| from + p)
}

/// Makes the offsets of a frame error relative to the scanned buffer.
fn shift(error: Error, by: usize) -> Error {
    match error {
        Error::Truncated {
            field,
            offset,
            needed,
        } => Error::Truncated {
            field,
            offset: offset + by,
            needed,
        },
        Error::BadFlag { offset, found } => Error::BadFlag {
            offset: offset + by,
            found,
        },
        Error::BadFrameFormat { offset, found } => Error::BadFrameFormat {
            offset: offset + by,
            found,
        },
        Error::AddressTooLong { field, offset } => Error::AddressTooLong {
            field,
            offset: offset + by,
        },
        Error::BadAddressLength { field, offset, len } => Error::BadAddressLength {
            field,
            offset: offset + by,
            len,
        },
        Error::BadHcs {
            offset,
            expected,
            found,
        } => Error::BadHcs {
            offset: offset + by,
            expected,
            found,
        },
        Error::BadFcs {
            offset,
            expected,
            found,
        } => Error::BadFcs {
            offset: offset + by,
            expected,
            found,
        },
        other => other,
    }
}

/// What [`Deframer::poll`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deframed<'a> {
    /// A valid frame (structure, HCS and FCS checked), borrowed from the deframer's buffer
    /// until the next call.
    Frame(HdlcFrame<&'a [u8]>),
    /// Bytes were dropped: garbage between frames, or a frame that failed a check.
    Discarded {
        /// How many bytes.
        bytes: usize,
        /// Why (offsets relative to the dropped bytes).
        error: Error,
    },
    /// A valid frame identical to the one announced with [`Deframer::expect_echo`] was
    /// dropped (an optical head or RS-485 adapter echoing what we sent).
    Echo {
        /// Its length.
        len: usize,
    },
}

/// Counters of a [`Deframer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeframerStats {
    /// Valid frames handed out.
    pub frames: u64,
    /// Bytes dropped as garbage or bad frames.
    pub discarded_bytes: u64,
    /// Times bytes were dropped (each [`Deframed::Discarded`]).
    pub discards: u64,
    /// Echoes dropped.
    pub echoes: u64,
}

/// The fingerprint of a frame we sent: its length, its first bytes and its FCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Echo {
    len: usize,
    head: [u8; 12],
    fcs: [u8; 2],
}

impl Echo {
    fn of(frame: &[u8]) -> Echo {
        let mut head = [0u8; 12];
        for (h, b) in head.iter_mut().zip(frame) {
            *h = *b;
        }
        let fcs = match frame.len().checked_sub(3).and_then(|i| frame.get(i..i + 2)) {
            Some(&[a, b]) => [a, b],
            _ => [0, 0],
        };
        Echo {
            len: frame.len(),
            head,
            fcs,
        }
    }
}

/// A stream deframer with a fixed buffer: feed it bytes in any chunking, get frames out.
///
/// The buffer (any `AsMut<[u8]>`: an array, a slice, a `Vec`) bounds the longest frame
/// accepted; [`MAX_FRAME_LEN_WITH_FLAGS`](super::MAX_FRAME_LEN_WITH_FLAGS) bytes hold any type-3
/// frame. Nothing is allocated. A candidate frame longer
/// than the buffer is dropped ([`Error::FrameTooLong`]): when its header checks (the HCS
/// covers the length field) the whole frame is skipped by its length, else the search resumes
/// after its opening flag.
///
/// ```
/// use dlms::hdlc::{Deframer, Deframed};
/// // RR N(R)=2 and DISC (IEC 62056-46), delivered one byte at a time after some line noise.
/// let wire = [0x00, 0x13, 0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x51, 0xA3, 0x81, 0x7E,
///             0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x53, 0xB1, 0xA2, 0x7E];
/// let mut deframer = Deframer::new([0u8; 2049]);
/// let mut controls = Vec::new();
/// for byte in wire.chunks(1) {
///     let mut input = byte;
///     while let Some(out) = deframer.poll(&mut input) {
///         if let Deframed::Frame(frame) = out {
///             controls.push(frame.control_byte());
///         }
///     }
/// }
/// assert_eq!(controls, [0x51, 0x53]);
/// assert_eq!(deframer.stats().discarded_bytes, 2);
/// ```
#[derive(Debug, Clone)]
pub struct Deframer<B> {
    buf: B,
    core: DeframerCore,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Deframer<B> {
    /// A deframer using `buf` as its buffer.
    pub fn new(buf: B) -> Self {
        Deframer {
            buf,
            core: DeframerCore::new(),
        }
    }

    /// The longest frame accepted (the buffer length).
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// Counters.
    pub fn stats(&self) -> DeframerStats {
        self.core.stats
    }

    /// True when bytes of an unfinished frame are buffered (not just a flag).
    pub fn has_partial_frame(&self) -> bool {
        self.core.has_partial_frame(self.buf.as_ref())
    }

    /// Drops everything buffered (for example after an inter-octet timeout), returning the
    /// number of bytes dropped that were not flags.
    pub fn reset(&mut self) -> usize {
        self.core.reset(self.buf.as_ref())
    }

    /// Announces a frame we just sent: the next valid frame is dropped as an echo if it is
    /// identical (same length, first 12 bytes and FCS). Only the next frame is compared.
    pub fn expect_echo(&mut self, sent: &[u8]) {
        self.core.expect_echo(sent);
    }

    /// Takes bytes from the front of `input` and returns the next result, or `None` when
    /// `input` is used up without completing a frame (the partial frame stays buffered).
    ///
    /// Call in a loop until it returns `None`; a [`Deframed::Frame`] borrows the buffer until
    /// the next call.
    pub fn poll<'s>(&'s mut self, input: &mut &[u8]) -> Option<Deframed<'s>> {
        self.core.poll(self.buf.as_mut(), input)
    }
}

/// One step of the deframer, as positions in its buffer.
enum Step {
    Frame {
        from: usize,
        len: usize,
    },
    Discarded {
        bytes: usize,
        error: Error,
    },
    Echo {
        len: usize,
    },
    /// A frame longer than the buffer whose header (HCS checked) was read; the rest of it is
    /// skipped by its length.
    TooLong {
        header: FrameHeader,
        capacity: usize,
    },
}

/// What [`DeframerCore::next_frame`] hands to a link.
pub(crate) enum Input<'s> {
    /// A valid frame.
    Frame(HdlcFrame<&'s [u8]>),
    /// A frame too long for the buffer, with a valid header: the link may reject it.
    TooLong(FrameHeader),
}

/// The state of a deframer without its buffer, for owners that lend the buffer at each call
/// (the link state machines keep all their buffers in one caller-provided storage).
#[derive(Debug, Clone, Default)]
pub(crate) struct DeframerCore {
    /// Buffered bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Bytes of the frame handed out last, dropped on the next call (its closing flag stays).
    release: usize,
    /// Bytes the candidate at `start` needs (known from its format field), 0 when unknown.
    want: usize,
    /// Bytes of a too-long frame still to be dropped from the input (its closing flag kept).
    skip: usize,
    echo: Option<Echo>,
    pub(crate) stats: DeframerStats,
}

impl DeframerCore {
    pub(crate) fn new() -> Self {
        DeframerCore::default()
    }

    fn buffered<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start + self.release..self.end).unwrap_or(&[])
    }

    pub(crate) fn has_partial_frame(&self, buf: &[u8]) -> bool {
        self.skip > 0 || self.buffered(buf).iter().any(|&b| b != FLAG)
    }

    pub(crate) fn reset(&mut self, buf: &[u8]) -> usize {
        let dropped = self.buffered(buf).iter().filter(|&&b| b != FLAG).count();
        if dropped > 0 {
            self.stats.discarded_bytes += dropped as u64;
            self.stats.discards += 1;
        }
        self.start = 0;
        self.end = 0;
        self.release = 0;
        self.want = 0;
        self.skip = 0;
        dropped
    }

    pub(crate) fn expect_echo(&mut self, sent: &[u8]) {
        self.echo = Some(Echo::of(sent));
    }

    pub(crate) fn poll<'s>(
        &mut self,
        buf: &'s mut [u8],
        input: &mut &[u8],
    ) -> Option<Deframed<'s>> {
        Some(match self.step(buf, input)? {
            Step::Frame { from, len } => {
                let frame: &'s [u8] = buf.get(from..from + len).unwrap_or(&[]);
                Deframed::Frame(HdlcFrame::new_unchecked(frame))
            }
            Step::Discarded { bytes, error } => Deframed::Discarded { bytes, error },
            Step::Echo { len } => Deframed::Echo { len },
            Step::TooLong { header, capacity } => Deframed::Discarded {
                bytes: header.length + 2,
                error: Error::FrameTooLong {
                    len: header.length + 2,
                    max: capacity,
                },
            },
        })
    }

    /// The next valid frame or too-long frame header, skipping (and counting) garbage, bad
    /// frames and echoes.
    pub(crate) fn next_frame<'s>(
        &mut self,
        buf: &'s mut [u8],
        input: &mut &[u8],
    ) -> Option<Input<'s>> {
        loop {
            match self.step(buf, input)? {
                Step::Frame { from, len } => {
                    let frame: &'s [u8] = buf.get(from..from + len).unwrap_or(&[]);
                    return Some(Input::Frame(HdlcFrame::new_unchecked(frame)));
                }
                Step::TooLong { header, .. } => return Some(Input::TooLong(header)),
                Step::Discarded { .. } | Step::Echo { .. } => {}
            }
        }
    }

    fn step(&mut self, buf: &mut [u8], input: &mut &[u8]) -> Option<Step> {
        if self.release > 0 {
            self.start += self.release;
            self.release = 0;
        }
        let capacity = buf.len();
        if self.skip > 0 {
            // The rest of a too-long frame (counted when it was reported).
            let n = self.skip.min(input.len());
            *input = input.get(n..).unwrap_or(&[]);
            self.skip -= n;
            if self.skip > 0 {
                return None;
            }
        }
        loop {
            if self.start == self.end {
                // Nothing buffered: skip garbage in the input without copying it.
                self.start = 0;
                self.end = 0;
                let skip = input.iter().position(|&b| b == FLAG).unwrap_or(input.len());
                if skip > 0 {
                    let found = input.first().copied().unwrap_or(0);
                    *input = input.get(skip..).unwrap_or(&[]);
                    return Some(self.discarded(skip, Error::BadFlag { offset: 0, found }));
                }
            }
            // Of a run of flags keep the last one, so that fill flags never count against the
            // buffer capacity.
            while self.end - self.start >= 2
                && matches!(buf.get(self.start..self.start + 2), Some(&[FLAG, FLAG]))
            {
                self.start += 1;
                self.want = 0;
            }
            let have = self.end - self.start;
            if self.want > have {
                // The candidate's length is known: copy up to it without scanning again.
                if input.is_empty() {
                    return None;
                }
                let take = (self.want - have).min(input.len());
                if self.end + take > capacity {
                    buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                }
                let (chunk, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
                if let Some(dst) = buf.get_mut(self.end..self.end + take) {
                    dst.copy_from_slice(chunk);
                }
                self.end += take;
                *input = rest;
                if have + take < self.want {
                    return None;
                }
            }
            let buffered = buf.get(self.start..self.end).unwrap_or(&[]);
            match scan(buffered) {
                Scan::Complete { offset, len } => {
                    let from = self.start + offset;
                    self.release = offset + len - 1;
                    self.want = 0;
                    self.stats.frames += 1;
                    if let Some(echo) = self.echo.take()
                        && echo == Echo::of(buf.get(from..from + len).unwrap_or(&[]))
                    {
                        self.stats.frames -= 1;
                        self.stats.echoes += 1;
                        return Some(Step::Echo { len });
                    }
                    return Some(Step::Frame { from, len });
                }
                Scan::Invalid { discard, error } => {
                    self.start += discard;
                    self.want = 0;
                    return Some(self.discarded(discard, error));
                }
                Scan::Incomplete { needed } => {
                    let have = self.end - self.start;
                    if have + needed > capacity {
                        // A candidate longer than the buffer. When its header is right (the
                        // HCS covers the length), report it and skip the frame by its length;
                        // else drop its opening flag and search on.
                        let run = buffered.iter().take_while(|&&b| b == FLAG).count();
                        let fill = run.saturating_sub(1);
                        self.start += fill;
                        let have = have - fill;
                        let candidate = buf.get(self.start..self.end).unwrap_or(&[]);
                        match parse_header(candidate) {
                            HeaderScan::Incomplete { needed } if have + needed <= capacity => {
                                self.want = have + needed;
                                if input.is_empty() {
                                    return None;
                                }
                                continue;
                            }
                            HeaderScan::Valid(header) => {
                                // Everything up to the closing flag, which may open the next
                                // frame.
                                let total = header.length + 2;
                                debug_assert!(total > have);
                                self.skip = (total - 1).saturating_sub(have);
                                self.start = self.end;
                                self.want = 0;
                                self.stats.discarded_bytes += total as u64;
                                self.stats.discards += 1;
                                return Some(Step::TooLong { header, capacity });
                            }
                            HeaderScan::Incomplete { .. } | HeaderScan::Invalid => {}
                        }
                        self.start += 1;
                        self.want = 0;
                        return Some(self.discarded(
                            1,
                            Error::FrameTooLong {
                                len: have + needed,
                                max: capacity,
                            },
                        ));
                    }
                    self.want = have + needed;
                    if input.is_empty() {
                        return None;
                    }
                }
            }
        }
    }

    fn discarded(&mut self, bytes: usize, error: Error) -> Step {
        self.stats.discarded_bytes += bytes as u64;
        self.stats.discards += 1;
        Step::Discarded { bytes, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // u9n/dlms-cosem TestSnrmFrame (HDLC-01), TestUAFrame (HDLC-03), TestInformationFrame (HDLC-06).
    const SNRM: &str = "7ea00802232193bd647e";
    const UA: &str = "7ea01f21022373e6c781801205019a06019a070400000001080400000001cca27e";
    const IFRAME: &str = "7ea02c02232110af9fe6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffffc5e47e";

    /// Feeds `wire` in chunks of `chunk` bytes; returns the frames and the discarded byte count.
    fn run(wire: &[u8], chunk: usize, cap: usize) -> (Vec<Vec<u8>>, u64) {
        let mut d = Deframer::new(std::vec![0u8; cap]);
        let mut frames = Vec::new();
        for piece in wire.chunks(chunk) {
            let mut input = piece;
            while let Some(out) = d.poll(&mut input) {
                if let Deframed::Frame(f) = out {
                    frames.push(f.as_bytes().to_vec());
                }
            }
            assert!(input.is_empty());
        }
        (frames, d.stats().discarded_bytes)
    }

    #[test]
    fn scan_cases() {
        let snrm = hex(SNRM);
        assert_eq!(scan(&snrm), Scan::Complete { offset: 0, len: 10 });
        assert_eq!(scan(&[]), Scan::Incomplete { needed: 9 });
        assert_eq!(scan(&[0x7E]), Scan::Incomplete { needed: 8 });
        assert_eq!(scan(&[0x7E, 0x7E, 0x7E]), Scan::Incomplete { needed: 8 });
        assert_eq!(scan(&snrm[..3]), Scan::Incomplete { needed: 7 });
        let mut lead = std::vec![0x7E, 0x7E];
        lead.extend_from_slice(&snrm);
        assert_eq!(scan(&lead), Scan::Complete { offset: 2, len: 10 });
        assert_eq!(
            scan(&[0x01, 0x02, 0x7E, 0xA0]),
            Scan::Invalid {
                discard: 2,
                error: Error::BadFlag {
                    offset: 0,
                    found: 0x01
                }
            }
        );
        assert_eq!(
            scan(&[0x7E, 0x7E, 0x55, 0x7E]),
            Scan::Invalid {
                discard: 2,
                error: Error::BadFrameFormat {
                    offset: 2,
                    found: 0x5
                }
            }
        );
        let mut bad = snrm.clone();
        bad[7] ^= 0xFF;
        assert_eq!(
            scan(&bad),
            Scan::Invalid {
                discard: 9,
                error: Error::BadFcs {
                    offset: 7,
                    expected: 0x64BD,
                    found: 0x6442
                }
            }
        );
        // A declared length below the smallest frame is rejected at once.
        let tiny = Error::Truncated {
            field: "frame (format field length)",
            offset: 1,
            needed: 6,
        };
        assert_eq!(
            scan(&[0x7E, 0xA0, 0x01]),
            Scan::Invalid {
                discard: 3,
                error: tiny
            }
        );
        assert_eq!(
            scan(&[0x7E, 0xA0, 0x01, 0, 0, 0, 0, 0, 0x7E]),
            Scan::Invalid {
                discard: 8,
                error: tiny
            }
        );
    }

    #[test]
    fn any_chunking() {
        let mut wire = Vec::new();
        for f in [SNRM, UA, IFRAME] {
            wire.extend(hex(f));
        }
        // Every chunk size (a sample of them under Miri).
        let step = if cfg!(miri) { 13 } else { 1 };
        for chunk in (1..=wire.len()).step_by(step) {
            let (frames, discarded) = run(&wire, chunk, 2049);
            assert_eq!(frames, [hex(SNRM), hex(UA), hex(IFRAME)], "chunk {chunk}");
            assert_eq!(discarded, 0);
        }
    }

    #[test]
    fn shared_flags_and_fill_flags() {
        let mut wire = hex(SNRM);
        wire.extend_from_slice(&hex(UA)[1..]); // shares the SNRM's closing flag
        wire.extend_from_slice(&[0x7E, 0x7E, 0x7E]);
        wire.extend(hex(IFRAME));
        let (frames, discarded) = run(&wire, 7, 2049);
        assert_eq!(frames, [hex(SNRM), hex(UA), hex(IFRAME)]);
        assert_eq!(discarded, 0);
    }

    #[test]
    fn resync_after_garbage_and_corruption() {
        let mut wire = std::vec![0x00, 0xA0, 0x55];
        wire.extend(hex(SNRM));
        let mut corrupt = hex(UA);
        corrupt[20] ^= 0x40;
        wire.extend(&corrupt);
        wire.extend(hex(IFRAME));
        // A frame cut short: its length field announces more than is there, so the SNRM after
        // it is found once enough bytes arrived to reject the candidate.
        wire.extend(&hex(UA)[..15]);
        wire.extend(hex(SNRM));
        wire.extend(hex(IFRAME));
        for chunk in [1, 3, 64, wire.len()] {
            let (frames, _) = run(&wire, chunk, 2049);
            assert_eq!(
                frames,
                [hex(SNRM), hex(IFRAME), hex(SNRM), hex(IFRAME)],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn good_frame_inside_bogus_length_is_found() {
        // Garbage that looks like the start of a 2,047-byte frame, then real frames: the
        // deframer buffers them while waiting, fails the candidate, and finds them again.
        let mut wire = std::vec![0x7E, 0xA7, 0xFF, 0x01];
        for _ in 0..3 {
            wire.extend(hex(IFRAME));
        }
        wire.extend(std::iter::repeat_n(0x00, 2100));
        wire.extend(hex(SNRM));
        let (frames, _) = run(&wire, 64, 2049);
        assert_eq!(frames, [hex(IFRAME), hex(IFRAME), hex(IFRAME), hex(SNRM)]);
    }

    #[test]
    fn unescaped_flag_in_payload() {
        // A UA whose parameters hold 0x7E (Iskra, jDLMS `HdlcFrameTest`): built with our encoder.
        use crate::hdlc::{Address, Control, HdlcFrameRepr};
        let info = [0x81, 0x80, 0x06, 0x05, 0x01, 0x7E, 0x06, 0x01, 0x7E];
        let repr = HdlcFrameRepr {
            segmented: false,
            dst: Address::client(16).unwrap(),
            src: Address::server(1, None).unwrap(),
            control: Control::Ua { pf: true },
            info: &info,
        };
        let mut frame = std::vec![0u8; repr.buffer_len()];
        repr.emit_to_slice(&mut frame).unwrap();
        let mut wire = frame.clone();
        wire.extend(hex(SNRM));
        for chunk in [1, 5, wire.len()] {
            assert_eq!(run(&wire, chunk, 64).0, [frame.clone(), hex(SNRM)]);
        }
    }

    #[test]
    fn too_long_for_the_buffer() {
        let mut wire = hex(IFRAME);
        wire.extend(hex(SNRM));
        let mut d = Deframer::new([0u8; 20]);
        let mut input = &wire[..];
        let mut events = Vec::new();
        while let Some(out) = d.poll(&mut input) {
            events.push(match out {
                Deframed::Frame(f) => Ok(f.as_bytes().to_vec()),
                Deframed::Discarded { error, .. } => Err(error),
                Deframed::Echo { .. } => unreachable!(),
            });
        }
        assert_eq!(events[0], Err(Error::FrameTooLong { len: 46, max: 20 }));
        assert_eq!(events.last(), Some(&Ok(hex(SNRM))));
        // Its header is right (HCS), so the whole frame is skipped by its length in one
        // discard, in any chunking, and the frame after it is found.
        assert_eq!(events.len(), 2);
        for chunk in [1, 3, 7, 64] {
            let mut d = Deframer::new([0u8; 20]);
            let mut events = Vec::new();
            for piece in wire.chunks(chunk) {
                let mut input = piece;
                while let Some(out) = d.poll(&mut input) {
                    events.push(match out {
                        Deframed::Frame(f) => Ok(f.as_bytes().to_vec()),
                        Deframed::Discarded { bytes, error } => Err((bytes, error)),
                        Deframed::Echo { .. } => unreachable!(),
                    });
                }
            }
            assert_eq!(
                events,
                [
                    Err((46, Error::FrameTooLong { len: 46, max: 20 })),
                    Ok(hex(SNRM))
                ]
            );
        }
        // With a corrupted HCS the length cannot be trusted: only the flag is dropped and the
        // search goes on inside the frame.
        let mut bad = wire.clone();
        bad[8] ^= 0x01;
        let (frames, _) = run(&bad, 1, 20);
        assert_eq!(frames, [hex(SNRM)]);
    }

    #[test]
    fn echo_is_dropped_once() {
        let snrm = hex(SNRM);
        let mut d = Deframer::new([0u8; 64]);
        d.expect_echo(&snrm);
        let mut wire = snrm.clone();
        wire.extend(&snrm);
        let mut input = &wire[..];
        assert_eq!(d.poll(&mut input), Some(Deframed::Echo { len: 10 }));
        assert!(matches!(d.poll(&mut input), Some(Deframed::Frame(_))));
        assert_eq!(d.poll(&mut input), None);
        assert_eq!(d.stats().echoes, 1);
        assert_eq!(d.stats().frames, 1);
        // Only the next frame is compared: a different frame clears the expectation.
        d.expect_echo(&snrm);
        let ua = hex(UA);
        let mut input = &ua[..];
        assert!(matches!(d.poll(&mut input), Some(Deframed::Frame(_))));
        let mut input = &snrm[..];
        assert!(matches!(d.poll(&mut input), Some(Deframed::Frame(_))));
    }

    fn frame(info: &[u8], ns: u8) -> Vec<u8> {
        use crate::hdlc::{Address, Control, HdlcFrameRepr};
        let repr = HdlcFrameRepr {
            segmented: false,
            dst: Address::client(16).unwrap(),
            src: Address::server(1, Some(17)).unwrap(),
            control: Control::I {
                ns: ns & 7,
                nr: 0,
                pf: true,
            },
            info,
        };
        let mut out = std::vec![0u8; repr.buffer_len()];
        repr.emit_to_slice(&mut out).unwrap();
        out
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_terminate_and_yield_valid_frames(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            chunk in 1usize..40,
        ) {
            let mut d = Deframer::new([0u8; 64]);
            for piece in bytes.chunks(chunk) {
                let mut input = piece;
                while let Some(out) = d.poll(&mut input) {
                    if let Deframed::Frame(f) = out {
                        proptest::prop_assert!(f.check_checksums().is_ok());
                    }
                }
                proptest::prop_assert!(input.is_empty());
            }
        }

        #[test]
        fn frames_survive_surrounding_garbage(
            parts in proptest::collection::vec(
                (proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
                 proptest::collection::vec(proptest::prelude::any::<u8>(), 0..60)),
                1..5),
            chunk in 1usize..70,
        ) {
            let mut wire = Vec::new();
            let mut expected = Vec::new();
            for (i, (garbage, info)) in parts.iter().enumerate() {
                wire.extend_from_slice(garbage);
                let f = frame(info, i as u8);
                wire.extend_from_slice(&f);
                expected.push(f);
            }
            // Enough trailing bytes to complete (and reject) any bogus candidate.
            wire.extend(std::iter::repeat_n(0u8, 300));
            let (frames, _) = run(&wire, chunk, 300);
            proptest::prop_assert_eq!(frames, expected);
        }
    }

    #[test]
    fn partial_frame_and_reset() {
        let snrm = hex(SNRM);
        let mut d = Deframer::new([0u8; 64]);
        let mut input = &snrm[..5];
        assert_eq!(d.poll(&mut input), None);
        assert!(d.has_partial_frame());
        assert_eq!(d.reset(), 4);
        assert!(!d.has_partial_frame());
        let mut input = &snrm[5..];
        // The tail alone is garbage, up to the closing flag, which waits for a next frame.
        assert!(matches!(
            d.poll(&mut input),
            Some(Deframed::Discarded { bytes: 4, .. })
        ));
        assert_eq!(d.poll(&mut input), None);
        assert!(!d.has_partial_frame());
        assert_eq!(d.capacity(), 64);
    }
}
