//! General block transfer (GBT): one APDU carried in numbered General-Block-Transfer APDUs
//! (tag 0xE0), IEC 62056-5-3 and the Green Book (DLMS UA 1000-2), the general block transfer
//! mechanism.
//!
//! A sender cuts an APDU (any APDU, in clear or ciphered) into blocks numbered from 1; the
//! block with the last-block bit ends it, and the block data of blocks 1..n, concatenated, is
//! the APDU. With the streaming bit set, the sender goes on without waiting for an
//! acknowledgement, up to the receiver's window. A window of zero with streaming set is what
//! pushes use (Landis+Gyr E450 HAN pushes: three UI frames, block controls `40 40 C0`): no
//! acknowledgement is possible, and the receiver only reassembles.
//!
//! This module is the layer between [`apdu`](crate::apdu) and whatever runs the exchange: a
//! push listener with no association uses [`GbtReassembler`] alone; a session adds the
//! acknowledgements and the recovery of lost blocks on top
//! ([`GbtReassembler::ack`], [`GbtReassembler::awaits_ack`]).
//!
//! ```
//! use dlms::apdu::GeneralBlockTransfer;
//! use dlms::gbt::{GbtReassembler, GbtStatus, blocks};
//!
//! // A meter pushes a 300-byte APDU in blocks of at most 128 bytes (streaming, window 0).
//! let apdu = [0x0F; 300];
//! let mut wire = Vec::new();
//! for block in blocks(&apdu, 128, true, 0)? {
//!     let mut buf = [0u8; 140];
//!     let n = dlms::axdr::Encode::emit(&block, &mut buf)?;
//!     wire.push(buf[..n].to_vec());
//! }
//! assert_eq!(wire.len(), 3);
//!
//! // The listener reassembles into a fixed buffer.
//! let mut r = GbtReassembler::new([0u8; 512]);
//! let mut done = None;
//! for bytes in &wire {
//!     let block = GeneralBlockTransfer::parse(bytes)?;
//!     if let GbtStatus::Complete(whole) = r.push(&block)? {
//!         done = Some(whole.to_vec());
//!     }
//! }
//! assert_eq!(done.as_deref(), Some(&apdu[..]));
//! # Ok::<(), dlms::Error>(())
//! ```

use crate::apdu::GeneralBlockTransfer;
use crate::{Error, Result};

/// Bit 7 of the block control: this is the last block.
pub const LAST_BLOCK: u8 = 0x80;
/// Bit 6 of the block control: streaming (more blocks follow without an acknowledgement).
pub const STREAMING: u8 = 0x40;
/// Bits 5..0 of the block control: the window (0 to 63 blocks).
pub const WINDOW_MASK: u8 = 0x3F;

/// The block control byte of a block with these flags (the window is masked to 6 bits).
#[must_use]
pub const fn block_control(last: bool, streaming: bool, window: u8) -> u8 {
    (if last { LAST_BLOCK } else { 0 })
        | (if streaming { STREAMING } else { 0 })
        | (window & WINDOW_MASK)
}

/// Splits `apdu` into blocks of at most `max_data` bytes of block data, numbered from 1, each
/// with the streaming bit and window given; the last one carries the last-block bit. The
/// block-number-ack of every block is 0 (a session that acknowledges sets it on each block).
///
/// An empty APDU gives one empty last block; a `max_data` of 0 is taken as 1.
///
/// # Errors
/// [`Error::InvalidArgument`] when the APDU needs more than 65,535 blocks (block numbers are
/// 16 bits).
pub fn blocks(apdu: &[u8], max_data: usize, streaming: bool, window: u8) -> Result<Blocks<'_>> {
    let max_data = max_data.max(1);
    let count = apdu.len().div_ceil(max_data).max(1);
    if count > usize::from(u16::MAX) {
        return Err(Error::InvalidArgument {
            what: "apdu: more than 65,535 general-block-transfer blocks",
        });
    }
    Ok(Blocks {
        rest: apdu,
        max_data,
        next: 1,
        done: false,
        control: block_control(false, streaming, window),
    })
}

/// The iterator of [`blocks`].
#[derive(Debug, Clone)]
pub struct Blocks<'a> {
    rest: &'a [u8],
    max_data: usize,
    next: u16,
    done: bool,
    control: u8,
}

impl<'a> Iterator for Blocks<'a> {
    type Item = GeneralBlockTransfer<'a>;

    fn next(&mut self) -> Option<GeneralBlockTransfer<'a>> {
        if self.done {
            return None;
        }
        let (data, rest) = self
            .rest
            .split_at_checked(self.max_data)
            .unwrap_or((self.rest, &[]));
        self.rest = rest;
        self.done = rest.is_empty();
        let block = GeneralBlockTransfer {
            block_control: self.control | if self.done { LAST_BLOCK } else { 0 },
            block_number: self.next,
            block_number_ack: 0,
            block_data: data,
        };
        // `blocks` checked that the count fits 16 bits, so only the block after the last one
        // could wrap, and none follows it.
        debug_assert!(self.done || self.next < u16::MAX);
        self.next = self.next.wrapping_add(1);
        Some(block)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.done {
            0
        } else {
            self.rest.len().div_ceil(self.max_data).max(1)
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Blocks<'_> {}

/// What [`GbtReassembler::push`] made of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GbtStatus<'a> {
    /// The block was taken; more follow.
    Partial {
        /// The block's number.
        block_number: u16,
    },
    /// The block was the last: the whole APDU, valid until the next push.
    Complete(&'a [u8]),
    /// The APDU overflowed the buffer earlier ([`Error::ApduTooLong`]); this block of it was
    /// skipped. The next APDU starts after its last block.
    Skipped {
        /// The block's number.
        block_number: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for block 1.
    Idle,
    /// Blocks 1..next-1 are buffered.
    Collecting,
    /// The last push completed an APDU (dropped on the next push).
    Complete,
    /// The APDU overflowed: skip up to its last block.
    Discarding,
}

/// Reassembles the blocks of one APDU at a time into a caller's buffer, without allocating.
///
/// Blocks must come in order from block 1. A block out of order is refused with an error
/// that names it, and the state stays as it was, so the caller can go on. A session answers
/// with an acknowledgement of [`ack`](Self::ack), so that the peer resends from there. A push
/// listener drops the broken push with [`reset`](Self::reset).
#[derive(Debug, Clone)]
pub struct GbtReassembler<B> {
    buf: B,
    len: usize,
    /// The number of the next block expected (1 when idle).
    next: u16,
    state: State,
    /// The block control of the last block taken.
    control: u8,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> GbtReassembler<B> {
    /// A reassembler writing into `buf`, whose length bounds the APDU.
    pub fn new(buf: B) -> Self {
        GbtReassembler {
            buf,
            len: 0,
            next: 1,
            state: State::Idle,
            control: 0,
        }
    }

    /// The largest APDU this reassembler takes.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// True while blocks of an unfinished APDU are buffered (or being skipped).
    pub fn in_progress(&self) -> bool {
        matches!(self.state, State::Collecting | State::Discarding)
    }

    /// Bytes of the unfinished APDU buffered so far.
    pub fn buffered(&self) -> usize {
        if self.state == State::Collecting {
            self.len
        } else {
            0
        }
    }

    /// The block-number-ack a receiver sends: the highest block number received in sequence
    /// (0 when none).
    pub fn ack(&self) -> u16 {
        match self.state {
            State::Idle => 0,
            _ => self.next.wrapping_sub(1),
        }
    }

    /// True when the sender waits for an acknowledgement: the last block taken was not the
    /// last of its APDU, and it did not have the streaming bit (the sender's window is full).
    pub fn awaits_ack(&self) -> bool {
        self.in_progress() && self.control & (STREAMING | LAST_BLOCK) == 0
    }

    /// The APDU the last [`push`](Self::push) completed, mutable (to decrypt it in place),
    /// until the next push; `None` when the last push did not complete one.
    pub fn completed_mut(&mut self) -> Option<&mut [u8]> {
        if self.state != State::Complete {
            return None;
        }
        self.buf.as_mut().get_mut(..self.len)
    }

    /// Drops whatever is buffered; the next block expected is block 1.
    pub fn reset(&mut self) {
        self.len = 0;
        self.next = 1;
        self.state = State::Idle;
        self.control = 0;
    }

    /// Takes one block.
    ///
    /// # Errors
    /// - [`Error::GbtBlockMissing`]: the block comes after a gap (block 1 when nothing is
    ///   buffered).
    /// - [`Error::GbtBlockRepeated`]: the block was already taken, or a new APDU starts (block 1)
    ///   before the last one ended. The caller that wants the new APDU calls
    ///   [`reset`](Self::reset) and pushes the block again.
    /// - [`Error::ApduTooLong`]: the APDU does not fit the buffer; its blocks up to the last
    ///   are then skipped ([`GbtStatus::Skipped`]).
    ///
    /// After an error the state is as it was before the call.
    pub fn push(&mut self, block: &GeneralBlockTransfer<'_>) -> Result<GbtStatus<'_>> {
        if self.state == State::Complete {
            self.reset();
        }
        let number = block.block_number;
        if number != self.next {
            return Err(if number < self.next {
                Error::GbtBlockRepeated { block: number }
            } else {
                Error::GbtBlockMissing {
                    expected: self.next,
                    found: number,
                }
            });
        }
        let last = block.last_block();
        self.next = number.wrapping_add(1);
        self.control = block.block_control;
        if self.state == State::Discarding {
            if last {
                self.reset();
            }
            return Ok(GbtStatus::Skipped {
                block_number: number,
            });
        }
        let end = self.len + block.block_data.len();
        let capacity = self.capacity();
        let Some(dst) = self.buf.as_mut().get_mut(self.len..end) else {
            self.state = if last { State::Idle } else { State::Discarding };
            if last {
                self.reset();
            }
            self.len = 0;
            return Err(Error::ApduTooLong { len: end, capacity });
        };
        dst.copy_from_slice(block.block_data);
        self.len = end;
        if last {
            self.state = State::Complete;
            let whole = self.buf.as_ref().get(..end);
            debug_assert!(whole.is_some(), "the APDU was written inside the buffer");
            return Ok(GbtStatus::Complete(whole.unwrap_or_default()));
        }
        self.state = State::Collecting;
        Ok(GbtStatus::Partial {
            block_number: number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::axdr::Encode;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn gbt(control: u8, number: u16, data: &[u8]) -> GeneralBlockTransfer<'_> {
        GeneralBlockTransfer {
            block_control: control,
            block_number: number,
            block_number_ack: 0,
            block_data: data,
        }
    }

    #[test]
    fn block_control_bits() {
        assert_eq!(block_control(true, true, 0), 0xC0);
        assert_eq!(block_control(false, true, 0), 0x40);
        assert_eq!(block_control(false, false, 4), 0x04);
        assert_eq!(block_control(true, false, 0xFF), 0xBF);
    }

    #[test]
    fn splits_like_the_e450() {
        // Landis+Gyr E450 pushes: three blocks with block control 40 40 C0, ack 0.
        let apdu = [7u8; 250];
        let b: Vec<_> = blocks(&apdu, 100, true, 0).unwrap().collect();
        let shape: Vec<_> = b
            .iter()
            .map(|g| {
                (
                    g.block_control,
                    g.block_number,
                    g.block_number_ack,
                    g.block_data.len(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [(0x40, 1, 0, 100), (0x40, 2, 0, 100), (0xC0, 3, 0, 50)]
        );
        assert_eq!(blocks(&apdu, 100, true, 0).unwrap().len(), 3);
    }

    #[test]
    fn empty_apdu_is_one_last_block() {
        let b: Vec<_> = blocks(&[], 10, false, 1).unwrap().collect();
        assert_eq!(b, [gbt(0x81, 1, &[])]);
        let b: Vec<_> = blocks(&[1, 2], 0, false, 0).unwrap().collect();
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn too_many_blocks_is_an_error() {
        let apdu = [0u8; 65_536];
        assert!(matches!(
            blocks(&apdu, 1, true, 0),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(blocks(&apdu[..65_535], 1, true, 0).unwrap().count(), 65_535);
    }

    #[test]
    fn reassembles_in_order() {
        let mut r = GbtReassembler::new([0u8; 16]);
        assert_eq!(r.ack(), 0);
        assert_eq!(
            r.push(&gbt(0x40, 1, &[1, 2])).unwrap(),
            GbtStatus::Partial { block_number: 1 }
        );
        assert!(r.in_progress());
        assert_eq!(r.buffered(), 2);
        assert_eq!(r.ack(), 1);
        assert_eq!(
            r.push(&gbt(0x40, 2, &[3])).unwrap(),
            GbtStatus::Partial { block_number: 2 }
        );
        assert_eq!(
            r.push(&gbt(0xC0, 3, &[4])).unwrap(),
            GbtStatus::Complete(&[1, 2, 3, 4])
        );
        assert!(!r.in_progress());
        assert_eq!(r.ack(), 3);
        // The next APDU starts again at block 1.
        assert_eq!(
            r.push(&gbt(0xC0, 1, &[9])).unwrap(),
            GbtStatus::Complete(&[9])
        );
    }

    #[test]
    fn missing_and_repeated_blocks_name_the_block_and_change_nothing() {
        let mut r = GbtReassembler::new([0u8; 16]);
        assert_eq!(
            r.push(&gbt(0x40, 2, &[1])),
            Err(Error::GbtBlockMissing {
                expected: 1,
                found: 2
            })
        );
        assert!(!r.in_progress());
        r.push(&gbt(0x40, 1, &[1])).unwrap();
        r.push(&gbt(0x40, 2, &[2])).unwrap();
        assert_eq!(
            r.push(&gbt(0xC0, 4, &[4])),
            Err(Error::GbtBlockMissing {
                expected: 3,
                found: 4
            })
        );
        assert_eq!(
            r.push(&gbt(0x40, 2, &[2])),
            Err(Error::GbtBlockRepeated { block: 2 })
        );
        assert_eq!(r.ack(), 2);
        assert_eq!(r.buffered(), 2);
        // The resent block 3 goes on where the transfer stood.
        assert_eq!(
            r.push(&gbt(0x40, 3, &[3])).unwrap(),
            GbtStatus::Partial { block_number: 3 }
        );
        assert_eq!(
            r.push(&gbt(0xC0, 4, &[4])).unwrap(),
            GbtStatus::Complete(&[1, 2, 3, 4])
        );
    }

    #[test]
    fn a_new_apdu_mid_transfer_is_refused_until_reset() {
        // A push listener that lost the last frame of a push sees block 1 of the next one.
        let mut r = GbtReassembler::new([0u8; 16]);
        r.push(&gbt(0x40, 1, &[1])).unwrap();
        let next = gbt(0xC0, 1, &[5, 6]);
        assert_eq!(r.push(&next), Err(Error::GbtBlockRepeated { block: 1 }));
        r.reset();
        assert_eq!(r.push(&next).unwrap(), GbtStatus::Complete(&[5, 6]));
    }

    #[test]
    fn overflow_skips_to_the_last_block() {
        let mut r = GbtReassembler::new([0u8; 4]);
        r.push(&gbt(0x40, 1, &[1, 2, 3])).unwrap();
        assert_eq!(
            r.push(&gbt(0x40, 2, &[4, 5])),
            Err(Error::ApduTooLong {
                len: 5,
                capacity: 4
            })
        );
        assert!(r.in_progress());
        assert_eq!(r.buffered(), 0);
        assert_eq!(
            r.push(&gbt(0x40, 3, &[6])).unwrap(),
            GbtStatus::Skipped { block_number: 3 }
        );
        assert_eq!(
            r.push(&gbt(0xC0, 4, &[7])).unwrap(),
            GbtStatus::Skipped { block_number: 4 }
        );
        // The over-long APDU is over: idle, nothing acknowledged, block 1 expected.
        assert!(!r.in_progress());
        assert_eq!(r.ack(), 0);
        assert_eq!(
            r.push(&gbt(0xC0, 1, &[8, 9])).unwrap(),
            GbtStatus::Complete(&[8, 9])
        );
        // An overflowing last block leaves the reassembler ready for the next APDU.
        assert!(r.push(&gbt(0xC0, 1, &[0; 5])).is_err());
        assert!(!r.in_progress());
        assert_eq!(
            r.push(&gbt(0xC0, 1, &[1])).unwrap(),
            GbtStatus::Complete(&[1])
        );
    }

    #[test]
    fn awaits_ack_when_the_sender_stops_streaming() {
        let mut r = GbtReassembler::new([0u8; 16]);
        r.push(&gbt(0x44, 1, &[1])).unwrap();
        assert!(!r.awaits_ack());
        r.push(&gbt(0x04, 2, &[2])).unwrap();
        assert!(r.awaits_ack());
        assert_eq!(r.ack(), 2);
        r.push(&gbt(0x84, 3, &[3])).unwrap();
        assert!(!r.awaits_ack());
    }

    proptest! {
        #[test]
        fn reassemble_of_split_is_identity(
            apdu in proptest::collection::vec(any::<u8>(), 0..600),
            max in 1usize..200,
            streaming in any::<bool>(),
            window in 0u8..64,
        ) {
            let mut r = GbtReassembler::new([0u8; 600]);
            let mut whole = None;
            let n = blocks(&apdu, max, streaming, window).unwrap().len();
            for (i, b) in blocks(&apdu, max, streaming, window).unwrap().enumerate() {
                // Through the wire form and back, as a listener sees it.
                let mut wire = [0u8; 210];
                let len = b.emit(&mut wire).unwrap();
                let parsed = GeneralBlockTransfer::parse(&wire[..len]).unwrap();
                prop_assert_eq!(parsed, b);
                prop_assert_eq!(parsed.streaming(), streaming);
                prop_assert_eq!(parsed.window(), window);
                prop_assert_eq!(parsed.last_block(), i + 1 == n);
                match r.push(&parsed).unwrap() {
                    GbtStatus::Complete(a) => whole = Some(a.to_vec()),
                    GbtStatus::Partial { block_number } => prop_assert_eq!(usize::from(block_number), i + 1),
                    GbtStatus::Skipped { .. } => prop_assert!(false, "nothing overflows"),
                }
            }
            prop_assert_eq!(whole, Some(apdu));
        }

        #[test]
        fn arbitrary_blocks_never_panic_and_stay_bounded(
            seq in proptest::collection::vec((any::<u8>(), 0u16..6, proptest::collection::vec(any::<u8>(), 0..20)), 0..40),
        ) {
            let mut r = GbtReassembler::new([0u8; 32]);
            let mut completed = false;
            for (control, number, data) in &seq {
                let before = (r.buffered(), r.ack());
                // A completed APDU is dropped by the next push, whatever that push brings.
                let was_complete = completed;
                completed = false;
                match r.push(&gbt(*control, *number, data)) {
                    Ok(GbtStatus::Complete(a)) => {
                        prop_assert!(a.len() <= 32);
                        completed = true;
                    }
                    Ok(_) | Err(Error::ApduTooLong { .. }) => {}
                    Err(_) if was_complete => prop_assert_eq!(r.buffered(), 0),
                    Err(_) => prop_assert_eq!((r.buffered(), r.ack()), before),
                }
                prop_assert!(r.buffered() <= r.capacity());
            }
        }
    }
}
