//! Token identifiers (TID), base dates, the rollover and key expiry (IEC 62055-41 6.1.9, 6.1.10).
//!
//! A TID is the number of whole minutes since the base date (1993-01-01, 2014-01-01 or
//! 2035-01-01, 00:00 UTC since the 2018 edition) in 24 bits, so each base date lasts
//! 0xFFFFFF minutes: the 1993 base date ends at 2024-11-24 20:15 (the "TID rollover"), 2014 at
//! 2045-11-24 20:15, 2035 at 2066-11-24 20:15.
//!
//! The minute 00:01 of every day is reserved: a token issued then gets the TID of 00:02.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// Minutes per day.
const DAY: u32 = 1440;

/// A calendar date and time of day, to the minute (UTC, proleptic Gregorian calendar).
///
/// ```
/// use sts::DateTime;
/// let t: DateTime = "2024-11-24T20:15".parse()?;
/// assert_eq!(t, DateTime::new(2024, 11, 24, 20, 15)?);
/// assert_eq!(t.to_string(), "2024-11-24T20:15");
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
}

const fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

const fn days_in_month(year: u32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 0000-03-01 to the date (an era-based count; month 1..=12, day 1..=31).
const fn day_number(year: u32, month: u8, day: u8) -> u32 {
    // Count years from March so that the leap day is the last day of the "year".
    let (y, m) = if month <= 2 {
        (year - 1, month as u32 + 9)
    } else {
        (year, month as u32 - 3)
    };
    let day_of_year = (153 * m + 2) / 5 + day as u32 - 1;
    y * 365 + y / 4 - y / 100 + y / 400 + day_of_year
}

impl DateTime {
    /// The earliest year accepted.
    pub const MIN_YEAR: u16 = 1993;
    /// The latest year accepted.
    pub const MAX_YEAR: u16 = 9999;

    /// A date-time; every field is checked.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a year outside 1993..=9999 or an impossible date or time.
    pub const fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8) -> Result<Self> {
        if year < Self::MIN_YEAR || year > Self::MAX_YEAR {
            return Err(Error::InvalidArgument {
                what: "year outside 1993..=9999",
            });
        }
        if month < 1 || month > 12 || day < 1 || day > days_in_month(year as u32, month) {
            return Err(Error::InvalidArgument {
                what: "no such date",
            });
        }
        if hour > 23 || minute > 59 {
            return Err(Error::InvalidArgument {
                what: "no such time of day",
            });
        }
        Ok(Self {
            year,
            month,
            day,
            hour,
            minute,
        })
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }
    /// The month (1–12).
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }
    /// The day of the month (1–31).
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }
    /// The hour (0–23).
    #[must_use]
    pub const fn hour(self) -> u8 {
        self.hour
    }
    /// The minute (0–59).
    #[must_use]
    pub const fn minute(self) -> u8 {
        self.minute
    }

    /// The date-time of a Unix time (seconds since 1970-01-01 00:00 UTC), truncated to the
    /// minute. The library reads no clock: this is for callers that have one.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a time before 1993 or after 9999.
    ///
    /// ```
    /// use sts::DateTime;
    /// assert_eq!(DateTime::from_unix_seconds(725_846_460)?.to_string(), "1993-01-01T00:01");
    /// # Ok::<(), sts::Error>(())
    /// ```
    pub const fn from_unix_seconds(seconds: u64) -> Result<Self> {
        /// 1993-01-01 00:00 UTC.
        const UNIX_1993: u64 = 725_846_400;
        const MAX_MINUTES: u64 = DateTime {
            year: 9999,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
        }
        .minutes() as u64;
        if seconds < UNIX_1993 || (seconds - UNIX_1993) / 60 > MAX_MINUTES {
            return Err(Error::InvalidArgument {
                what: "time outside 1993..=9999",
            });
        }
        Ok(Self::from_minutes(((seconds - UNIX_1993) / 60) as u32))
    }

    /// Minutes since 1993-01-01 00:00.
    const fn minutes(self) -> u32 {
        let days = day_number(self.year as u32, self.month, self.day) - day_number(1993, 1, 1);
        days * DAY + self.hour as u32 * 60 + self.minute as u32
    }

    /// The date-time `minutes` minutes after 1993-01-01 00:00.
    const fn from_minutes(minutes: u32) -> Self {
        let days = minutes / DAY + day_number(1993, 1, 1);
        let rest = minutes % DAY;
        // Invert day_number: find the March-based year, then the month within it.
        let mut y = (days * 400 + 399) / 146_097;
        while day_number_march(y + 1) <= days {
            y += 1;
        }
        while day_number_march(y) > days {
            y -= 1;
        }
        let doy = days - day_number_march(y);
        let m = (5 * doy + 2) / 153;
        let day = doy - (153 * m + 2) / 5 + 1;
        let (year, month) = if m < 10 { (y, m + 3) } else { (y + 1, m - 9) };
        Self {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: (rest / 60) as u8,
            minute: (rest % 60) as u8,
        }
    }
}

/// Day number of March 1st of March-based year `y`.
const fn day_number_march(y: u32) -> u32 {
    y * 365 + y / 4 - y / 100 + y / 400
}

impl fmt::Display for DateTime {
    /// `YYYY-MM-DDTHH:MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }
}

impl FromStr for DateTime {
    type Err = Error;

    /// Parses `YYYY-MM-DDTHH:MM` (a space may replace the `T`; `:SS` seconds are accepted and
    /// dropped).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the text is not in that form or not a valid date-time.
    fn from_str(s: &str) -> Result<Self> {
        const BAD: Error = Error::InvalidArgument {
            what: "expected YYYY-MM-DDTHH:MM",
        };
        let b = s.as_bytes();
        let num = |range: core::ops::Range<usize>| -> Result<u16> {
            let digits = b.get(range).ok_or(BAD)?;
            digits.iter().try_fold(0u16, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u16::from(c - b'0'))
                } else {
                    Err(BAD)
                }
            })
        };
        let sep = |i: usize, ok: &[u8]| b.get(i).is_some_and(|c| ok.contains(c));
        if !(b.len() == 16 || (b.len() == 19 && sep(16, b":") && num(17..19)? < 60))
            || !sep(4, b"-")
            || !sep(7, b"-")
            || !sep(10, b"T ")
            || !sep(13, b":")
        {
            return Err(BAD);
        }
        // Each of these fields has at most two digits, so they fit u8.
        let small = |v: u16| u8::try_from(v).map_err(|_| BAD);
        Self::new(
            num(0..4)?,
            small(num(5..7)?)?,
            small(num(8..10)?)?,
            small(num(11..13)?)?,
            small(num(14..16)?)?,
        )
    }
}

/// The base date a TID counts from (IEC 62055-41 6.1.9; STS Association "key management").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BaseDate {
    /// 1993-01-01 00:00 (STS edition 1; rolls over 2024-11-24 20:15).
    Y1993,
    /// 2014-01-01 00:00.
    Y2014,
    /// 2035-01-01 00:00.
    Y2035,
}

impl BaseDate {
    /// The base date of `year` (1993, 2014 or 2035).
    #[must_use]
    pub const fn from_year(year: u16) -> Option<Self> {
        match year {
            1993 => Some(Self::Y1993),
            2014 => Some(Self::Y2014),
            2035 => Some(Self::Y2035),
            _ => None,
        }
    }

    /// The base date of a two-digit code (93, 14 or 35), as DKGA04 and saved states use it.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            93 => Some(Self::Y1993),
            14 => Some(Self::Y2014),
            35 => Some(Self::Y2035),
            _ => None,
        }
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> u16 {
        match self {
            Self::Y1993 => 1993,
            Self::Y2014 => 2014,
            Self::Y2035 => 2035,
        }
    }

    /// The two-digit code (93, 14, 35).
    #[must_use]
    pub const fn code(self) -> u8 {
        (self.year() % 100) as u8
    }

    /// The next base date, if any.
    #[must_use]
    pub const fn next(self) -> Option<Self> {
        match self {
            Self::Y1993 => Some(Self::Y2014),
            Self::Y2014 => Some(Self::Y2035),
            Self::Y2035 => None,
        }
    }

    /// 00:00 on January 1st of the base year.
    #[must_use]
    pub const fn start(self) -> DateTime {
        DateTime {
            year: self.year(),
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
        }
    }

    /// The base date in force at `at`: each base date is used until its rollover, then the next
    /// (IEC 62055-41 6.1.9; the STS Association's TID rollover programme moves meters from 1993
    /// to 2014 by a key-change set before 2024-11-24 20:15). `None` after the 2035 base date's
    /// rollover (2066-11-24 20:15).
    ///
    /// A meter that was moved to the next base date early (with its key-change set) is already
    /// on it: its own base date, not this one, is what its TIDs count from.
    ///
    /// ```
    /// use sts::{BaseDate, DateTime};
    /// let at = |s: &str| s.parse::<DateTime>();
    /// assert_eq!(BaseDate::in_force_at(at("2024-11-24T20:15")?), Some(BaseDate::Y1993));
    /// assert_eq!(BaseDate::in_force_at(at("2024-11-24T20:16")?), Some(BaseDate::Y2014));
    /// assert_eq!(BaseDate::in_force_at(at("2026-12-06T12:00")?), Some(BaseDate::Y2014));
    /// assert_eq!(BaseDate::in_force_at(at("2045-11-24T20:16")?), Some(BaseDate::Y2035));
    /// assert_eq!(BaseDate::in_force_at(at("2066-11-24T20:16")?), None);
    /// # Ok::<(), sts::Error>(())
    /// ```
    #[must_use]
    pub const fn in_force_at(at: DateTime) -> Option<Self> {
        let mut base = Self::Y1993;
        loop {
            if at.minutes() <= base.rollover().minutes() {
                return Some(base);
            }
            match base.next() {
                Some(next) => base = next,
                None => return None,
            }
        }
    }

    /// The last minute with a TID (TID 0xFFFFFF), the rollover instant.
    ///
    /// ```
    /// use sts::{BaseDate, DateTime};
    /// assert_eq!(BaseDate::Y1993.rollover(), DateTime::new(2024, 11, 24, 20, 15)?);
    /// # Ok::<(), sts::Error>(())
    /// ```
    #[must_use]
    pub const fn rollover(self) -> DateTime {
        DateTime::from_minutes(self.start().minutes() + Tid::MAX)
    }
}

/// The [`Error::TidRange`] of `at` on `base`.
const fn tid_range(base: BaseDate, at: DateTime) -> Error {
    Error::TidRange {
        base_year: base.year(),
        at,
        in_force: match BaseDate::in_force_at(at) {
            Some(b) => Some(b.year()),
            None => None,
        },
    }
}

/// A 24-bit token identifier: minutes since the base date (IEC 62055-41 6.1.9).
///
/// ```
/// use sts::{BaseDate, DateTime, Tid};
/// // sts.org.za "TID" page: 2016-12-11 15:49 on base 1993 is TID 0xC02A55.
/// let tid = Tid::from_datetime(BaseDate::Y1993, DateTime::new(2016, 12, 11, 15, 49)?)?;
/// assert_eq!(tid.value(), 0xC0_2A55);
/// assert_eq!(tid.to_datetime(BaseDate::Y1993).to_string(), "2016-12-11T15:49");
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tid(u32);

impl Tid {
    /// The largest TID, 0xFFFFFF.
    pub const MAX: u32 = 0xFF_FFFF;

    /// The TID `value`.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when `value` has more than 24 bits.
    pub const fn new(value: u32) -> Result<Self> {
        if value > Self::MAX {
            Err(Error::FieldRange {
                field: "tid",
                value: value as i128,
            })
        } else {
            Ok(Self(value))
        }
    }

    /// The TID of the low 24 bits of `value`.
    #[must_use]
    pub const fn from_bits(value: u32) -> Self {
        Self(value & Self::MAX)
    }

    /// The 24-bit value.
    #[must_use]
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The TID of `at`: whole minutes since `base` (no reserved-minute adjustment).
    ///
    /// # Errors
    /// [`Error::TidRange`] when `at` is before `base` or after its rollover; it names the base
    /// date in force at `at`.
    pub const fn from_datetime(base: BaseDate, at: DateTime) -> Result<Self> {
        let start = base.start().minutes();
        let now = at.minutes();
        if now < start || now - start > Self::MAX {
            Err(tid_range(base, at))
        } else {
            Ok(Self(now - start))
        }
    }

    /// The date-time this TID stands for on `base`.
    #[must_use]
    pub const fn to_datetime(self, base: BaseDate) -> DateTime {
        DateTime::from_minutes(base.start().minutes() + self.0)
    }

    /// The TID a vending system issues at `at`, after `previous` (the last TID issued to this
    /// meter): at least one minute after `previous`, never the reserved minute 00:01.
    ///
    /// # Errors
    /// [`Error::TidRange`] when `at` is before `base`, or the TID would pass 0xFFFFFF (move the
    /// meter to the next base date first).
    pub const fn for_issue(base: BaseDate, at: DateTime, previous: Option<Tid>) -> Result<Self> {
        let mut tid = match Self::from_datetime(base, at) {
            Ok(t) => t.0,
            Err(e) => return Err(e),
        };
        if let Some(p) = previous
            && tid <= p.0
        {
            tid = p.0 + 1;
        }
        if tid % DAY == 1 {
            tid += 1;
        }
        if tid > Self::MAX {
            Err(tid_range(base, at))
        } else {
            Ok(Self(tid))
        }
    }

    /// Whether this is a reserved minute (00:01 of a day).
    #[must_use]
    pub const fn is_reserved(self) -> bool {
        self.0 % DAY == 1
    }

    /// The top 8 bits, compared with a key's expiry number.
    #[must_use]
    pub const fn ken_block(self) -> u8 {
        (self.0 >> 16) as u8
    }

    /// Whether a key with expiry number `ken` has expired for this TID: `(TID >> 16) > KEN`
    /// (IEC 62055-41 6.1.10; KEN 255 never expires).
    #[must_use]
    pub const fn is_expired(self, ken: u8) -> bool {
        self.ken_block() > ken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8) -> DateTime {
        DateTime::new(y, mo, d, h, mi).unwrap()
    }

    #[test]
    fn rollover_instants() {
        // sts.org.za "TID" page and the STSA TID-rollover FAQ: 1993 → 2024-11-24 20:15,
        // 2014 → 2045-11-24 20:15; 2035 computed the same way.
        assert_eq!(BaseDate::Y1993.rollover(), dt(2024, 11, 24, 20, 15));
        assert_eq!(BaseDate::Y2014.rollover(), dt(2045, 11, 24, 20, 15));
        assert_eq!(BaseDate::Y2035.rollover(), dt(2066, 11, 24, 20, 15));
        let base = BaseDate::Y1993;
        assert_eq!(
            Tid::from_datetime(base, dt(2024, 11, 24, 20, 15))
                .unwrap()
                .value(),
            0xFF_FFFF
        );
        let past = Tid::from_datetime(base, dt(2024, 11, 24, 20, 16)).unwrap_err();
        assert_eq!(
            past,
            Error::TidRange {
                base_year: 1993,
                at: dt(2024, 11, 24, 20, 16),
                in_force: Some(2014)
            }
        );
        assert_eq!(
            past.to_string(),
            "2024-11-24T20:16 is outside the TID range of base date 1993: base date 2014 applies \
             to it; a meter still on base date 1993 needs its key-change set with base date 2014 \
             (rollover bit set) first"
        );
        assert_eq!(
            Tid::from_datetime(BaseDate::Y2014, dt(2013, 12, 31, 23, 59)),
            Err(Error::TidRange {
                base_year: 2014,
                at: dt(2013, 12, 31, 23, 59),
                in_force: Some(1993)
            })
        );
        let late = Tid::from_datetime(BaseDate::Y2035, dt(2066, 11, 24, 20, 16)).unwrap_err();
        assert!(
            late.to_string()
                .ends_with("no base date applies to it (the last, 2035, ends 2066-11-24T20:15)")
        );
        // Used-up TIDs within the range: the next base date is needed.
        let last = Tid::new(Tid::MAX).unwrap();
        let used_up = Tid::for_issue(base, dt(2024, 11, 24, 20, 0), Some(last)).unwrap_err();
        assert!(
            used_up
                .to_string()
                .contains("no TID is left on base date 1993"),
            "{used_up}"
        );
    }

    #[test]
    fn base_date_in_force() {
        // The TID rollover (sts.org.za "TID" page, STSA TID-rollover FAQ): 1993 until
        // 2024-11-24 20:15, then 2014 until 2045-11-24 20:15, then 2035.
        let cases = [
            (dt(1993, 1, 1, 0, 0), Some(BaseDate::Y1993)),
            (dt(2014, 1, 1, 0, 0), Some(BaseDate::Y1993)),
            (dt(2024, 11, 24, 20, 15), Some(BaseDate::Y1993)),
            (dt(2024, 11, 24, 20, 16), Some(BaseDate::Y2014)),
            (dt(2026, 12, 6, 0, 0), Some(BaseDate::Y2014)),
            (dt(2045, 11, 24, 20, 15), Some(BaseDate::Y2014)),
            (dt(2045, 11, 24, 20, 16), Some(BaseDate::Y2035)),
            (dt(2066, 11, 24, 20, 15), Some(BaseDate::Y2035)),
            (dt(2066, 11, 24, 20, 16), None),
        ];
        for (at, expected) in cases {
            assert_eq!(BaseDate::in_force_at(at), expected, "{at}");
            // The base date in force always has a TID for that minute.
            if let Some(base) = expected {
                assert!(Tid::from_datetime(base, at).is_ok(), "{at}");
            }
        }
    }

    #[test]
    fn vector_tids() {
        // NectarAPI/tokens-service STS 531-1-0-02 CTSA01 step 1: 2004-03-01 13:55 → 5871715.
        let t = Tid::from_datetime(BaseDate::Y1993, dt(2004, 3, 1, 13, 55)).unwrap();
        assert_eq!(t.value(), 5_871_715);
        // Vendor script sts_token_recharge.py: 1996-03-25 13:55 → 0x19EB23.
        let t = Tid::from_datetime(BaseDate::Y1993, dt(1996, 3, 25, 13, 55)).unwrap();
        assert_eq!(t.value(), 0x19_EB23);
        assert_eq!(t.to_datetime(BaseDate::Y1993), dt(1996, 3, 25, 13, 55));
    }

    #[test]
    fn reserved_minute_and_sequence() {
        // STS 531-1-0-02 CTSA09 step 2 (NectarAPI TokenIdentifier.generateTID): a token issued
        // at 00:01 carries the TID of 00:02.
        let base = BaseDate::Y2014;
        let at = dt(2026, 7, 29, 0, 1);
        let tid = Tid::for_issue(base, at, None).unwrap();
        assert_eq!(tid.to_datetime(base), dt(2026, 7, 29, 0, 2));
        assert!(!tid.is_reserved());
        assert!(Tid::from_datetime(base, at).unwrap().is_reserved());
        // CTSA09 step 3: a second token in the same minute gets the next minute.
        let at = dt(2026, 7, 29, 10, 0);
        let first = Tid::for_issue(base, at, None).unwrap();
        let second = Tid::for_issue(base, at, Some(first)).unwrap();
        assert_eq!(second.value(), first.value() + 1);
        // ... and skips the reserved minute on the way.
        let before = Tid::from_datetime(base, dt(2026, 7, 29, 0, 0)).unwrap();
        let next = Tid::for_issue(base, dt(2026, 7, 28, 12, 0), Some(before)).unwrap();
        assert_eq!(next.to_datetime(base), dt(2026, 7, 29, 0, 2));
        // Past the rollover there is no TID left.
        let last = Tid::new(Tid::MAX).unwrap();
        assert!(Tid::for_issue(base, dt(2030, 1, 1, 0, 0), Some(last)).is_err());
    }

    #[test]
    fn key_expiry() {
        // https://www.sts.org.za/wiki/what-is-a-ken-key-expiry-number: reject when the top
        // 8 bits of the TID exceed the KEN; KEN 255 never expires.
        let t = Tid::new(0x55_FFFF).unwrap();
        assert!(!t.is_expired(0x55));
        assert!(Tid::new(0x56_0000).unwrap().is_expired(0x55));
        assert!(!Tid::new(Tid::MAX).unwrap().is_expired(0xFF));
    }

    #[test]
    fn parse_datetime() {
        assert_eq!("2004-03-01 13:55".parse(), Ok(dt(2004, 3, 1, 13, 55)));
        assert_eq!("2004-03-01T13:55:59".parse(), Ok(dt(2004, 3, 1, 13, 55)));
        for bad in [
            "2004-03-01T13:5",
            "2004-02-30T13:55",
            "2004-03-01T24:00",
            "2004-03-01T13:55:60",
            "2004/03/01T13:55",
            "1992-12-31T23:59",
            "2004-03-01T13:55+",
            "",
        ] {
            assert!(bad.parse::<DateTime>().is_err(), "{bad}");
        }
        assert_eq!(dt(2000, 2, 29, 0, 0).to_string(), "2000-02-29T00:00");
        assert!(DateTime::new(2000, 2, 29, 0, 0).is_ok());
        assert!(DateTime::new(2100, 2, 29, 0, 0).is_err());
    }

    proptest! {
        #[test]
        fn minutes_round_trip(m in 0u32..(7000 * 365 * 1440)) {
            let t = DateTime::from_minutes(m);
            prop_assert!(DateTime::new(t.year, t.month, t.day, t.hour, t.minute).is_ok());
            prop_assert_eq!(t.minutes(), m);
        }

        #[test]
        fn tid_round_trip(v in 0u32..=Tid::MAX, base in 0usize..3) {
            let base = [BaseDate::Y1993, BaseDate::Y2014, BaseDate::Y2035][base];
            let tid = Tid::new(v).unwrap();
            prop_assert_eq!(Tid::from_datetime(base, tid.to_datetime(base)), Ok(tid));
        }

        #[test]
        fn datetime_text_never_panics(s in ".{0,24}") {
            let _ = s.parse::<DateTime>();
        }
    }
}
