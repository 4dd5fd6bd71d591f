//! Time for the link state machines: a monotonic instant and a duration, in milliseconds.
//!
//! The caller owns the clock: `Instant::from_millis(ticks)` from a hardware timer, or the
//! milliseconds since some start from `std::time::Instant`. Arithmetic saturates; it never
//! panics or wraps.

use core::ops::{Add, Sub};

/// A point in time, in milliseconds since an arbitrary start (monotonic, chosen by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    millis: u64,
}

impl Instant {
    /// The start of time.
    pub const ZERO: Instant = Instant { millis: 0 };

    /// An instant `millis` milliseconds after the start.
    #[must_use]
    pub const fn from_millis(millis: u64) -> Instant {
        Instant { millis }
    }

    /// Milliseconds since the start.
    #[must_use]
    pub const fn millis(self) -> u64 {
        self.millis
    }
}

/// A span of time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    millis: u64,
}

impl Duration {
    /// Zero.
    pub const ZERO: Duration = Duration { millis: 0 };

    /// `millis` milliseconds.
    #[must_use]
    pub const fn from_millis(millis: u64) -> Duration {
        Duration { millis }
    }

    /// `secs` seconds.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Duration {
        Duration {
            millis: secs.saturating_mul(1000),
        }
    }

    /// The length in milliseconds.
    #[must_use]
    pub const fn millis(self) -> u64 {
        self.millis
    }
}

impl From<core::time::Duration> for Duration {
    /// Truncates to whole milliseconds (saturating).
    fn from(d: core::time::Duration) -> Duration {
        Duration {
            millis: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, d: Duration) -> Instant {
        Instant {
            millis: self.millis.saturating_add(d.millis),
        }
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// The time from `other` to `self`, zero if `other` is later.
    fn sub(self, other: Instant) -> Duration {
        Duration {
            millis: self.millis.saturating_sub(other.millis),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_millis(10);
        assert_eq!((t + Duration::from_secs(2)).millis(), 2010);
        assert_eq!(
            Instant::from_millis(u64::MAX) + Duration::from_millis(1),
            Instant::from_millis(u64::MAX)
        );
        assert_eq!(t - Instant::from_millis(30), Duration::ZERO);
        assert_eq!(Instant::from_millis(30) - t, Duration::from_millis(20));
        assert_eq!(
            Duration::from(core::time::Duration::from_micros(2500)).millis(),
            2
        );
        assert_eq!(Duration::from_secs(u64::MAX).millis(), u64::MAX);
        assert_eq!(Instant::ZERO.millis(), 0);
    }
}
