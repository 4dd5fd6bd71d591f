//! Invocation counters (Green Book 9.2.7.2.4.2; per-client counters: u9n/dlms-cosem #70 and
//! #66; never lowered: OSGP/open-smart-grid-platform PRs #1098 and #796).
//!
//! The counter is half of the AES-GCM IV, so under one key it must never repeat: the sender
//! takes a fresh value for every APDU it protects and stops when the 32 bits are used up; the
//! receiver accepts only values greater than the last one it accepted. Both states are plain
//! numbers so that a head-end or a meter can persist them and restore them after a restart
//! (never lower a persisted counter).

use crate::{Error, Result};

/// The sending side of one key: the next invocation counter to use.
///
/// ```
/// use dlms::security::SendCounter;
/// let mut tx = SendCounter::starting_at(u32::MAX - 1);
/// assert_eq!(tx.take(), Ok(u32::MAX - 1));
/// assert_eq!(tx.take(), Ok(u32::MAX));
/// assert_eq!(tx.take(), Err(dlms::Error::CounterExhausted));
/// assert_eq!(tx.next(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SendCounter {
    /// 0..=2^32; 2^32 means exhausted.
    next: u64,
}

impl SendCounter {
    const EXHAUSTED: u64 = 1 << 32;

    /// A counter whose next value is `next`.
    #[must_use]
    pub const fn starting_at(next: u32) -> Self {
        Self { next: next as u64 }
    }

    /// A counter restored from [`SendCounter::next`]: `None` is an exhausted counter.
    #[must_use]
    pub const fn from_next(next: Option<u32>) -> Self {
        match next {
            Some(n) => Self::starting_at(n),
            None => Self {
                next: Self::EXHAUSTED,
            },
        }
    }

    /// The value the next [`SendCounter::take`] returns, `None` when exhausted (persist this).
    #[must_use]
    pub const fn next(&self) -> Option<u32> {
        if self.next < Self::EXHAUSTED {
            Some(self.next as u32)
        } else {
            None
        }
    }

    /// Takes the next value and advances.
    ///
    /// # Errors
    /// [`Error::CounterExhausted`] after `u32::MAX` was taken: the key must be renewed.
    pub fn take(&mut self) -> Result<u32> {
        let value = self.next().ok_or(Error::CounterExhausted)?;
        self.next += 1;
        Ok(value)
    }
}

/// The receiving side of one key: the last invocation counter accepted.
///
/// ```
/// use dlms::security::ReceiveCounter;
/// let mut rx = ReceiveCounter::new();
/// rx.accept(5)?;
/// assert_eq!(rx.check(5), Err(dlms::Error::Replay { counter: 5, last: 5 }));
/// assert_eq!(rx.check(4), Err(dlms::Error::Replay { counter: 4, last: 5 }));
/// rx.accept(6)?;
/// assert_eq!(rx.last(), Some(6));
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReceiveCounter {
    last: Option<u32>,
}

impl ReceiveCounter {
    /// A counter that has accepted nothing yet (any value is accepted first).
    #[must_use]
    pub const fn new() -> Self {
        Self { last: None }
    }

    /// A counter restored from [`ReceiveCounter::last`].
    #[must_use]
    pub const fn from_last(last: Option<u32>) -> Self {
        Self { last }
    }

    /// The last value accepted (persist this).
    #[must_use]
    pub const fn last(&self) -> Option<u32> {
        self.last
    }

    /// Checks that `counter` is greater than the last value accepted, without accepting it.
    ///
    /// # Errors
    /// [`Error::Replay`] when it is not.
    pub const fn check(&self, counter: u32) -> Result<()> {
        match self.last {
            Some(last) if counter <= last => Err(Error::Replay { counter, last }),
            _ => Ok(()),
        }
    }

    /// Checks `counter` and records it as the last value accepted.
    ///
    /// # Errors
    /// [`Error::Replay`] when it is not greater than the last value accepted.
    pub fn accept(&mut self, counter: u32) -> Result<()> {
        self.check(counter)?;
        self.last = Some(counter);
        Ok(())
    }
}

/// Both directions of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CounterPair {
    /// What we send.
    pub tx: SendCounter,
    /// What we receive from the peer.
    pub rx: ReceiveCounter,
}

/// The invocation counters of one peer, per key and direction (the state to persist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Counters {
    /// Global unicast encryption key (glo-ciphering, key-set bit 0).
    pub unicast: CounterPair,
    /// Global broadcast encryption key (key-set bit 1).
    pub broadcast: CounterPair,
    /// Dedicated key (ded-ciphering); starts afresh with every new dedicated key.
    pub dedicated: CounterPair,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_counter_exhaustion_and_restore() {
        let mut tx = SendCounter::default();
        assert_eq!(tx.take(), Ok(0));
        assert_eq!(tx.next(), Some(1));
        let mut restored = SendCounter::from_next(tx.next());
        assert_eq!(restored.take(), Ok(1));
        let mut end = SendCounter::starting_at(u32::MAX);
        assert_eq!(end.take(), Ok(u32::MAX));
        assert_eq!(end.take(), Err(Error::CounterExhausted));
        assert_eq!(end.take(), Err(Error::CounterExhausted));
        assert_eq!(SendCounter::from_next(None), end);
    }

    #[test]
    fn receive_counter_strictly_increasing() {
        let mut rx = ReceiveCounter::new();
        assert_eq!(rx.accept(0), Ok(()));
        assert_eq!(
            rx.accept(0),
            Err(Error::Replay {
                counter: 0,
                last: 0
            })
        );
        assert_eq!(rx.accept(u32::MAX), Ok(()));
        assert_eq!(
            rx.accept(u32::MAX),
            Err(Error::Replay {
                counter: u32::MAX,
                last: u32::MAX
            })
        );
        assert_eq!(ReceiveCounter::from_last(rx.last()), rx);
    }
}
