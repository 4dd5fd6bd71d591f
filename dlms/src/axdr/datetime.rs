//! COSEM `date`, `time` and `date-time` (IEC 62056-6-2 4.1.6.1; DLMS Blue Book 4.1.6.1).
//!
//! The types keep the raw wire fields, wildcards included, so that a value always re-encodes
//! to the bytes it came from; accessors interpret them. Conversion to and from a calendar
//! date-time ([`CivilDateTime`]) and Unix time needs no `std`.
//!
//! The sign convention of the deviation is described at [`Deviation`].

use core::fmt;

/// How to read the sign of a date-time deviation (see [`Deviation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviationConvention {
    /// `UTC = local + deviation` (Blue Book; −60 is UTC+01:00).
    #[default]
    Standard,
    /// `UTC = local − deviation` (some meters and companion specifications; +60 is UTC+01:00).
    Inverted,
}

/// The month field of a [`Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Month {
    /// A month, 1..=12.
    Month(u8),
    /// 0xFD: the month daylight saving time ends in.
    DaylightSavingsEnd,
    /// 0xFE: the month daylight saving time begins in.
    DaylightSavingsBegin,
    /// 0xFF: not specified (any month).
    NotSpecified,
    /// 0, 13..=0xFC: reserved values.
    Reserved(u8),
}

/// The day-of-month field of a [`Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOfMonth {
    /// A day, 1..=31.
    Day(u8),
    /// 0xFE: the last day of the month (or, with a weekday, the last such weekday).
    LastDay,
    /// 0xFD: the second-last day of the month (or, with a weekday, the second-last such
    /// weekday).
    SecondLastDay,
    /// 0xFF: not specified (any day).
    NotSpecified,
    /// 0, 32..=0xFC: reserved values.
    Reserved(u8),
}

/// A COSEM date (5 bytes): year, month, day of month, day of week, each possibly a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    /// Year; 0xFFFF = not specified.
    pub year: u16,
    /// Month (raw; see [`Date::month`]).
    pub month: u8,
    /// Day of month (raw; see [`Date::day`]).
    pub day_of_month: u8,
    /// Day of week, 1 = Monday .. 7 = Sunday; 0xFF = not specified.
    pub day_of_week: u8,
}

/// A COSEM time (4 bytes): hour, minute, second, hundredths, each 0xFF when not specified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59.
    pub second: u8,
    /// Hundredths of a second 0..=99.
    pub hundredths: u8,
}

/// The deviation of a date-time: minutes to add to local time to get UTC under the
/// [standard convention](DeviationConvention::Standard); 0x8000 = not specified.
///
/// # Sign convention
///
/// The deviation is the number of minutes to **add to the local time to get UTC** (`UTC = local +
/// deviation`): Central European Time (UTC+01:00) is −60 (`FF C4`), summer time (UTC+02:00) −120
/// (`FF 88`). This is the reading of the Blue Book shared by the public implementations we checked
/// (u9n/dlms-cosem, GuruxDLMS.c, reitermarkus/dlms-cosem-rs); some meters and decoders use the
/// opposite sign (UtilitechAS/amsreader-firmware #809), so every conversion that uses the deviation
/// takes a [`DeviationConvention`] and the raw value is never changed.
///
/// ```
/// use dlms::axdr::{DateTime, DeviationConvention};
/// // 2024-07-01 Monday 12:30:00.00, deviation −120 (CEST), daylight saving active.
/// let dt = DateTime::from_bytes([0x07, 0xE8, 7, 1, 1, 12, 30, 0, 0, 0xFF, 0x88, 0x80]);
/// assert_eq!(dt.deviation.minutes(), Some(-120));
/// assert_eq!(dt.deviation.utc_offset_minutes(DeviationConvention::Standard), Some(120));
/// assert_eq!(dt.clock_status.daylight_saving_active(), Some(true));
/// // 12:30 local at UTC+2 is 10:30 UTC.
/// let utc = dt.to_utc(DeviationConvention::Standard).unwrap();
/// assert_eq!((utc.hour, utc.minute), (10, 30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deviation(pub i16);

/// The clock status byte of a date-time (Blue Book 4.1.6.1); 0xFF = not specified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClockStatus(pub u8);

/// A COSEM date-time (12 bytes): date, time, deviation and clock status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The date part.
    pub date: Date,
    /// The time part.
    pub time: Time,
    /// The deviation of local time from UTC.
    pub deviation: Deviation,
    /// The clock status.
    pub clock_status: ClockStatus,
}

/// A proleptic Gregorian calendar date and time without wildcards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDateTime {
    /// Year.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59.
    pub second: u8,
    /// Hundredths 0..=99.
    pub hundredths: u8,
}

impl Date {
    /// Encoded length.
    pub const LEN: usize = 5;
    /// Year "not specified".
    pub const YEAR_NOT_SPECIFIED: u16 = 0xFFFF;
    /// Any single-byte field "not specified".
    pub const NOT_SPECIFIED: u8 = 0xFF;

    /// Decodes the five wire bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 5]) -> Self {
        Self {
            year: u16::from_be_bytes([b[0], b[1]]),
            month: b[2],
            day_of_month: b[3],
            day_of_week: b[4],
        }
    }

    /// The five wire bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 5] {
        let y = self.year.to_be_bytes();
        [y[0], y[1], self.month, self.day_of_month, self.day_of_week]
    }

    /// The year, unless it is a wildcard.
    #[must_use]
    pub const fn year(self) -> Option<u16> {
        if self.year == Self::YEAR_NOT_SPECIFIED {
            None
        } else {
            Some(self.year)
        }
    }

    /// The month field, interpreted.
    #[must_use]
    pub const fn month(self) -> Month {
        match self.month {
            m @ 1..=12 => Month::Month(m),
            0xFD => Month::DaylightSavingsEnd,
            0xFE => Month::DaylightSavingsBegin,
            0xFF => Month::NotSpecified,
            m => Month::Reserved(m),
        }
    }

    /// The day-of-month field, interpreted.
    #[must_use]
    pub const fn day(self) -> DayOfMonth {
        match self.day_of_month {
            d @ 1..=31 => DayOfMonth::Day(d),
            0xFD => DayOfMonth::SecondLastDay,
            0xFE => DayOfMonth::LastDay,
            0xFF => DayOfMonth::NotSpecified,
            d => DayOfMonth::Reserved(d),
        }
    }

    /// The day of week (1 = Monday .. 7 = Sunday), unless it is a wildcard or out of range.
    #[must_use]
    pub const fn weekday(self) -> Option<u8> {
        match self.day_of_week {
            d @ 1..=7 => Some(d),
            _ => None,
        }
    }

    /// The calendar date this pattern names in `year` (Blue Book 4.1.6.1 wildcard rules).
    ///
    /// The month must be explicit. The day may be explicit, the last or second-last day; with
    /// an explicit weekday the last (second-last) day means the last (second-last) such weekday
    /// of the month, and an explicit day means the first such weekday on or after it. A pattern
    /// with an explicit year other than `year`, or an explicit day and weekday that disagree,
    /// names no date.
    #[must_use]
    pub fn resolve(self, year: i32) -> Option<(i32, u8, u8)> {
        if let Some(y) = self.year()
            && i32::from(y) != year
        {
            return None;
        }
        let Month::Month(month) = self.month() else {
            return None;
        };
        let last = days_in_month(year, month);
        let weekday_of = |d: u8| weekday_from_days(days_from_civil(year, month, d));
        let day = match (self.day(), self.weekday()) {
            (DayOfMonth::Day(d), None) if d <= last => d,
            (DayOfMonth::Day(d), Some(w)) if d <= last => {
                let shift = (w + 7 - weekday_of(d)) % 7;
                let day = d + shift;
                if (self.year().is_some() && shift != 0) || day > last {
                    return None;
                }
                day
            }
            (DayOfMonth::LastDay, None) => last,
            (DayOfMonth::SecondLastDay, None) => last - 1,
            (DayOfMonth::LastDay | DayOfMonth::SecondLastDay, Some(w)) => {
                let back = (weekday_of(last) + 7 - w) % 7;
                let extra = if self.day() == DayOfMonth::SecondLastDay {
                    7
                } else {
                    0
                };
                last - back - extra
            }
            _ => return None,
        };
        Some((year, month, day))
    }
}

impl Time {
    /// Encoded length.
    pub const LEN: usize = 4;

    /// Decodes the four wire bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 4]) -> Self {
        Self {
            hour: b[0],
            minute: b[1],
            second: b[2],
            hundredths: b[3],
        }
    }

    /// The four wire bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 4] {
        [self.hour, self.minute, self.second, self.hundredths]
    }

    /// The hour, unless it is a wildcard or out of range.
    #[must_use]
    pub const fn hour(self) -> Option<u8> {
        if self.hour < 24 {
            Some(self.hour)
        } else {
            None
        }
    }

    /// The minute, unless it is a wildcard or out of range.
    #[must_use]
    pub const fn minute(self) -> Option<u8> {
        if self.minute < 60 {
            Some(self.minute)
        } else {
            None
        }
    }

    /// The second, unless it is a wildcard or out of range.
    #[must_use]
    pub const fn second(self) -> Option<u8> {
        if self.second < 60 {
            Some(self.second)
        } else {
            None
        }
    }

    /// The hundredths, unless they are a wildcard or out of range.
    #[must_use]
    pub const fn hundredths(self) -> Option<u8> {
        if self.hundredths < 100 {
            Some(self.hundredths)
        } else {
            None
        }
    }
}

impl Deviation {
    /// "Not specified" (0x8000).
    pub const NOT_SPECIFIED: Self = Self(i16::MIN);

    /// The raw deviation in minutes, unless it is "not specified".
    #[must_use]
    pub const fn minutes(self) -> Option<i16> {
        if self.0 == i16::MIN {
            None
        } else {
            Some(self.0)
        }
    }

    /// The offset of local time from UTC in minutes (+60 for UTC+01:00) under `convention`.
    #[must_use]
    pub const fn utc_offset_minutes(self, convention: DeviationConvention) -> Option<i16> {
        match (self.minutes(), convention) {
            (Some(m), DeviationConvention::Standard) => Some(-m),
            (Some(m), DeviationConvention::Inverted) => Some(m),
            (None, _) => None,
        }
    }

    /// The deviation that encodes a local time `offset_minutes` ahead of UTC under
    /// `convention` (the inverse of [`utc_offset_minutes`](Self::utc_offset_minutes)).
    #[must_use]
    pub const fn from_utc_offset(offset_minutes: i16, convention: DeviationConvention) -> Self {
        match convention {
            DeviationConvention::Standard => Self(offset_minutes.saturating_neg()),
            DeviationConvention::Inverted => Self(offset_minutes),
        }
    }
}

impl ClockStatus {
    /// Bit 0: the time could not be recovered after an incident (invalid value).
    pub const INVALID_VALUE: u8 = 0x01;
    /// Bit 1: the time could be recovered but its value is doubtful.
    pub const DOUBTFUL_VALUE: u8 = 0x02;
    /// Bit 2: the clock base differs from the one configured.
    pub const DIFFERENT_CLOCK_BASE: u8 = 0x04;
    /// Bit 3: the clock status itself is invalid (u9n reading; Gurux calls it reserved).
    pub const INVALID_CLOCK_STATUS: u8 = 0x08;
    /// Bit 7: daylight saving time is active.
    pub const DAYLIGHT_SAVING_ACTIVE: u8 = 0x80;
    /// 0xFF: "not specified" (not "every flag set"; Gurux/gurux.dlms.java PR #42,
    /// u9n/dlms-cosem PR #85).
    pub const NOT_SPECIFIED: Self = Self(0xFF);

    /// The flag bits, unless the status is "not specified".
    #[must_use]
    pub const fn flags(self) -> Option<u8> {
        if self.0 == 0xFF { None } else { Some(self.0) }
    }

    /// Whether every bit of `mask` is set, unless the status is "not specified".
    #[must_use]
    pub const fn contains(self, mask: u8) -> Option<bool> {
        match self.flags() {
            Some(f) => Some(f & mask == mask),
            None => None,
        }
    }

    /// Whether daylight saving time is active, unless the status is "not specified".
    #[must_use]
    pub const fn daylight_saving_active(self) -> Option<bool> {
        self.contains(Self::DAYLIGHT_SAVING_ACTIVE)
    }
}

impl DateTime {
    /// Encoded length.
    pub const LEN: usize = 12;

    /// Decodes the twelve wire bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 12]) -> Self {
        Self {
            date: Date::from_bytes([b[0], b[1], b[2], b[3], b[4]]),
            time: Time::from_bytes([b[5], b[6], b[7], b[8]]),
            deviation: Deviation(i16::from_be_bytes([b[9], b[10]])),
            clock_status: ClockStatus(b[11]),
        }
    }

    /// The twelve wire bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 12] {
        let d = self.date.to_bytes();
        let t = self.time.to_bytes();
        let dev = self.deviation.0.to_be_bytes();
        [
            d[0],
            d[1],
            d[2],
            d[3],
            d[4],
            t[0],
            t[1],
            t[2],
            t[3],
            dev[0],
            dev[1],
            self.clock_status.0,
        ]
    }

    /// Decodes twelve bytes from a slice (an octet-string that carries a date-time).
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self::from_bytes)
    }

    /// The local calendar date-time, if every field is specified and in range (unspecified
    /// hundredths read as 0). The day of week is not checked.
    #[must_use]
    pub fn to_civil(&self) -> Option<CivilDateTime> {
        let year = i32::from(self.date.year()?);
        let Month::Month(month) = self.date.month() else {
            return None;
        };
        let DayOfMonth::Day(day) = self.date.day() else {
            return None;
        };
        if day > days_in_month(year, month) {
            return None;
        }
        Some(CivilDateTime {
            year,
            month,
            day,
            hour: self.time.hour()?,
            minute: self.time.minute()?,
            second: self.time.second()?,
            hundredths: if self.time.hundredths == 0xFF {
                0
            } else {
                self.time.hundredths()?
            },
        })
    }

    /// The UTC calendar date-time: the local time corrected by the deviation read under
    /// `convention`. `None` when a field is a wildcard or the deviation is not specified.
    #[must_use]
    pub fn to_utc(&self, convention: DeviationConvention) -> Option<CivilDateTime> {
        let local = self.to_civil()?;
        let offset = self.deviation.utc_offset_minutes(convention)?;
        let secs = local.to_unix_seconds() - i64::from(offset) * 60;
        let mut utc = CivilDateTime::from_unix_seconds(secs)?;
        utc.hundredths = local.hundredths;
        Some(utc)
    }

    /// Seconds since 1970-01-01T00:00:00Z (see [`to_utc`](Self::to_utc)).
    #[must_use]
    pub fn to_unix_seconds(&self, convention: DeviationConvention) -> Option<i64> {
        self.to_utc(convention).map(|c| c.to_unix_seconds())
    }

    /// The date-time of a local calendar time, with the day of week computed.
    ///
    /// `None` when the year does not fit the 16-bit field (0..=0xFFFE) or a field is out of
    /// range.
    #[must_use]
    pub fn from_civil(
        local: CivilDateTime,
        deviation: Deviation,
        clock_status: ClockStatus,
    ) -> Option<Self> {
        let year = u16::try_from(local.year).ok().filter(|&y| y != 0xFFFF)?;
        if !local.is_valid() {
            return None;
        }
        Some(Self {
            date: Date {
                year,
                month: local.month,
                day_of_month: local.day,
                day_of_week: local.weekday(),
            },
            time: Time {
                hour: local.hour,
                minute: local.minute,
                second: local.second,
                hundredths: local.hundredths,
            },
            deviation,
            clock_status,
        })
    }

    /// The local date-time of a Unix time for a clock at `deviation` (read under `convention`).
    #[must_use]
    pub fn from_unix_seconds(
        unix: i64,
        deviation: Deviation,
        convention: DeviationConvention,
        clock_status: ClockStatus,
    ) -> Option<Self> {
        let offset = i64::from(deviation.utc_offset_minutes(convention)?);
        let local = CivilDateTime::from_unix_seconds(unix.checked_add(offset * 60)?)?;
        Self::from_civil(local, deviation, clock_status)
    }
}

impl CivilDateTime {
    /// Whether every field is in range (days per month and leap years included).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
            && self.hundredths < 100
    }

    /// Seconds since 1970-01-01T00:00:00 of this calendar time (hundredths dropped).
    #[must_use]
    pub fn to_unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The calendar time `secs` seconds after 1970-01-01T00:00:00 (`None` outside ±2^31 years).
    #[must_use]
    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days)?;
        Some(Self {
            year,
            month,
            day,
            hour: u8::try_from(rem / 3600).ok()?,
            minute: u8::try_from(rem % 3600 / 60).ok()?,
            second: u8::try_from(rem % 60).ok()?,
            hundredths: 0,
        })
    }

    /// The ISO day of week, 1 = Monday .. 7 = Sunday.
    #[must_use]
    pub fn weekday(&self) -> u8 {
        weekday_from_days(days_from_civil(self.year, self.month, self.day))
    }
}

/// Whether `year` is a Gregorian leap year.
#[must_use]
pub const fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1..=12) of `year`; 0 for a month out of range.
#[must_use]
pub const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (March-based year, 400-year
/// eras of 146,097 days).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = (m + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> Option<(i32, u8, u8)> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Some((
        i32::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    ))
}

/// ISO weekday of a day count from 1970-01-01 (a Thursday).
fn weekday_from_days(days: i64) -> u8 {
    // rem_euclid(7) is 0..=6, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let w = (days + 3).rem_euclid(7) as u8;
    w + 1
}

fn wild(f: &mut fmt::Formatter<'_>, value: Option<u32>, width: usize) -> fmt::Result {
    match value {
        Some(v) => write!(f, "{v:0width$}"),
        None => {
            for _ in 0..width {
                f.write_str("*")?;
            }
            Ok(())
        }
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD` with `*` for wildcards, `L`/`L2` for the last/second-last day, `DE`/`DB`
    /// for the daylight-saving end/begin months, then the weekday (`Mon`..`Sun`) if given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        wild(f, self.year().map(u32::from), 4)?;
        f.write_str("-")?;
        match self.month() {
            Month::Month(m) => write!(f, "{m:02}")?,
            Month::DaylightSavingsEnd => f.write_str("DE")?,
            Month::DaylightSavingsBegin => f.write_str("DB")?,
            Month::NotSpecified => f.write_str("**")?,
            Month::Reserved(m) => write!(f, "?{m:02X}")?,
        }
        f.write_str("-")?;
        match self.day() {
            DayOfMonth::Day(d) => write!(f, "{d:02}")?,
            DayOfMonth::LastDay => f.write_str("L")?,
            DayOfMonth::SecondLastDay => f.write_str("L2")?,
            DayOfMonth::NotSpecified => f.write_str("**")?,
            DayOfMonth::Reserved(d) => write!(f, "?{d:02X}")?,
        }
        if let Some(w) = self.weekday() {
            const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            let name = NAMES.get(usize::from(w - 1)).copied().unwrap_or("?");
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Time {
    /// `hh:mm:ss.cc` with `*` for wildcards.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        wild(f, self.hour().map(u32::from), 2)?;
        f.write_str(":")?;
        wild(f, self.minute().map(u32::from), 2)?;
        f.write_str(":")?;
        wild(f, self.second().map(u32::from), 2)?;
        f.write_str(".")?;
        wild(f, self.hundredths().map(u32::from), 2)
    }
}

impl fmt::Display for DateTime {
    /// Date and time, then the deviation and the clock status:
    /// `2024-07-01 Mon 12:30:00.00 deviation -120 status 0x80`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)?;
        match self.deviation.minutes() {
            Some(m) => write!(f, " deviation {m}")?,
            None => f.write_str(" deviation *")?,
        }
        match self.clock_status.flags() {
            Some(s) => write!(f, " status 0x{s:02X}"),
            None => f.write_str(" status *"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    // IEC 62056-6-2 date-time examples (computed by us, decoded by Gurux Python).
    const CET: [u8; 12] = [
        0x07, 0xE8, 0x01, 0x16, 0x01, 0x0C, 0x1E, 0x00, 0x00, 0xFF, 0xC4, 0x00,
    ];
    const CEST: [u8; 12] = [
        0x07, 0xE8, 0x07, 0x01, 0x01, 0x0C, 0x1E, 0x00, 0x00, 0xFF, 0x88, 0x80,
    ];
    const WILD: [u8; 12] = [
        0x07, 0xE8, 0x01, 0x16, 0xFF, 0x0C, 0x1E, 0x00, 0xFF, 0x80, 0x00, 0xFF,
    ];
    const DST_BEGIN: [u8; 12] = [
        0xFF, 0xFF, 0x03, 0xFE, 0x07, 0x02, 0x00, 0x00, 0x00, 0x80, 0x00, 0xFF,
    ];

    #[test]
    fn deconstruct() {
        let dt = DateTime::from_bytes(CET);
        assert_eq!(
            dt.date,
            Date {
                year: 2024,
                month: 1,
                day_of_month: 22,
                day_of_week: 1
            }
        );
        assert_eq!(
            dt.time,
            Time {
                hour: 12,
                minute: 30,
                second: 0,
                hundredths: 0
            }
        );
        assert_eq!(dt.deviation.minutes(), Some(-60));
        assert_eq!(dt.clock_status.flags(), Some(0));
        assert_eq!(dt.to_bytes(), CET);

        let wild = DateTime::from_bytes(WILD);
        assert_eq!(wild.date.weekday(), None);
        assert_eq!(wild.time.hundredths(), None);
        assert_eq!(wild.deviation, Deviation::NOT_SPECIFIED);
        assert_eq!(wild.clock_status.flags(), None);
        assert_eq!(wild.clock_status.daylight_saving_active(), None);
        assert_eq!(wild.to_bytes(), WILD);
    }

    #[test]
    fn deviation_sign_against_the_vectors() {
        // NOTIF-02 (reitermarkus/dlms-cosem-rs, crate dlms_cosem 0.2.0, src/lib.rs tests::parse_apdu):
        // 07E0 09 08 04 13 0D 19 00 FFC4 80 = 2016-09-08 Thu 19:13:25.00, deviation −60, DST.
        let dt = DateTime::from_bytes([
            0x07, 0xE0, 0x09, 0x08, 0x04, 0x13, 0x0D, 0x19, 0x00, 0xFF, 0xC4, 0x80,
        ]);
        assert_eq!(dt.deviation.minutes(), Some(-60));
        assert_eq!(
            dt.deviation
                .utc_offset_minutes(DeviationConvention::Standard),
            Some(60)
        );
        assert_eq!(
            dt.deviation
                .utc_offset_minutes(DeviationConvention::Inverted),
            Some(-60)
        );
        let utc = dt.to_utc(DeviationConvention::Standard).unwrap();
        assert_eq!(
            (
                utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second
            ),
            (2016, 9, 8, 18, 13, 25)
        );
        let inverted = dt.to_utc(DeviationConvention::Inverted).unwrap();
        assert_eq!(inverted.hour, 20);
        // CEST (UTC+2) is −120 under the standard reading (UtilitechAS/amsreader-firmware #809).
        let cest = DateTime::from_bytes(CEST);
        assert_eq!(
            cest.deviation
                .utc_offset_minutes(DeviationConvention::Standard),
            Some(120)
        );
        assert_eq!(
            Deviation::from_utc_offset(120, DeviationConvention::Standard),
            Deviation(-120)
        );
        assert_eq!(
            Deviation::from_utc_offset(60, DeviationConvention::Inverted),
            Deviation(60)
        );
        assert_eq!(cest.clock_status.daylight_saving_active(), Some(true));
    }

    #[test]
    fn calendar_round_trip_and_weekday() {
        let dt = DateTime::from_bytes(CET);
        let civil = dt.to_civil().unwrap();
        assert_eq!(civil.weekday(), 1); // 2024-01-22 is a Monday
        let back = DateTime::from_civil(civil, dt.deviation, dt.clock_status).unwrap();
        assert_eq!(back.to_bytes(), CET);
        // 2024-01-22T12:30 CET = 11:30Z = 1705923000.
        assert_eq!(
            dt.to_unix_seconds(DeviationConvention::Standard),
            Some(1_705_923_000)
        );
        let again = DateTime::from_unix_seconds(
            1_705_923_000,
            Deviation(-60),
            DeviationConvention::Standard,
            ClockStatus(0),
        )
        .unwrap();
        assert_eq!(again.to_bytes(), CET);
        assert_eq!(CivilDateTime::from_unix_seconds(0).unwrap().weekday(), 4);
        assert_eq!(CivilDateTime::from_unix_seconds(-1).unwrap().year, 1969);
        // Unspecified hundredths read as 0; an unspecified year has no calendar date.
        assert_eq!(DateTime::from_bytes(WILD).to_civil().unwrap().hundredths, 0);
        assert!(DateTime::from_bytes(DST_BEGIN).to_civil().is_none());
    }

    #[test]
    fn wildcard_dates_resolve() {
        // Every year, last Sunday of March (u9n/dlms-cosem `time.py`): 2024-03-31, 2025-03-30.
        let rule = DateTime::from_bytes(DST_BEGIN).date;
        assert_eq!(rule.resolve(2024), Some((2024, 3, 31)));
        assert_eq!(rule.resolve(2025), Some((2025, 3, 30)));
        let last = Date {
            year: 0xFFFF,
            month: 2,
            day_of_month: 0xFE,
            day_of_week: 0xFF,
        };
        assert_eq!(last.resolve(2024), Some((2024, 2, 29)));
        assert_eq!(last.resolve(2023), Some((2023, 2, 28)));
        let second_last = Date {
            day_of_month: 0xFD,
            ..last
        };
        assert_eq!(second_last.resolve(2023), Some((2023, 2, 27)));
        let second_last_sunday = Date {
            year: 0xFFFF,
            month: 10,
            day_of_month: 0xFD,
            day_of_week: 7,
        };
        assert_eq!(second_last_sunday.resolve(2024), Some((2024, 10, 20)));
        // First Monday on or after the 1st of September 2024 is the 2nd.
        let first_monday = Date {
            year: 0xFFFF,
            month: 9,
            day_of_month: 1,
            day_of_week: 1,
        };
        assert_eq!(first_monday.resolve(2024), Some((2024, 9, 2)));
        // An explicit date whose weekday disagrees names no date.
        let wrong = Date {
            year: 2024,
            month: 9,
            day_of_month: 1,
            day_of_week: 1,
        };
        assert_eq!(wrong.resolve(2024), None);
        assert_eq!(
            Date {
                month: 0xFE,
                ..last
            }
            .resolve(2024),
            None
        );
    }

    #[test]
    fn display() {
        assert_eq!(
            DateTime::from_bytes(CET).to_string(),
            "2024-01-22 Mon 12:30:00.00 deviation -60 status 0x00"
        );
        assert_eq!(
            DateTime::from_bytes(WILD).to_string(),
            "2024-01-22 12:30:00.** deviation * status *"
        );
        assert_eq!(
            DateTime::from_bytes(DST_BEGIN).to_string(),
            "****-03-L Sun 02:00:00.00 deviation * status *"
        );
    }

    #[test]
    fn leap_years() {
        assert!(
            is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(1900) && !is_leap_year(2023)
        );
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2024, 13), 0);
    }

    proptest::proptest! {
        #[test]
        fn bytes_round_trip(b in proptest::array::uniform12(proptest::num::u8::ANY)) {
            proptest::prop_assert_eq!(DateTime::from_bytes(b).to_bytes(), b);
        }

        #[test]
        fn unix_round_trip(secs in -10_000_000_000i64..10_000_000_000) {
            let civil = CivilDateTime::from_unix_seconds(secs).unwrap();
            proptest::prop_assert!(civil.is_valid());
            proptest::prop_assert_eq!(civil.to_unix_seconds(), secs);
        }
    }
}
