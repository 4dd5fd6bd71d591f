//! The demonstration meter of the `hdlc_meter` and `wrapper_meter` examples: an
//! [`Application`] that serves a few COSEM objects (IEC 62056-6-2 interface classes, Green
//! Book 4.1 and 4.5):
//!
//! | object | class | logical name | attributes |
//! |---|---|---|---|
//! | clock | 8 (v0) | `0-0:1.0.0.255` | 1–2 (time: the system clock, UTC) |
//! | logical device name | 1 (v0) | `0-0:42.0.0.255` | 1–2 |
//! | active energy import | 3 (v0) | `1-0:1.8.0.255` | 1–3 |
//! | active energy export | 3 (v0) | `1-0:2.8.0.255` | 1–3 |
//! | load profile | 7 (v1) | `1-0:99.1.0.255` | 1–8 |
//! | current association | 15 (v1) | `0-0:40.0.0.255` | 1–2 (`object_list`) |
//!
//! The registers have the scaler_unit `structure { integer 0, enum 30 }` (Wh). The load
//! profile captures clock, import and export every 900 s from 2026-01-01 00:00 UTC, oldest
//! first (`sort_method` 1, FIFO, on the clock); its buffer is served in blocks, one row at a
//! time, and answers selective access by range (selector 1, on the clock) and by entry
//! (selector 2). The registers hold the values of the last row.
//!
//! Two associations (see [`associations`]): the public client (SAP 16) without
//! authentication, and a client with low level security (SAP 17, password `12345678`). Both
//! may read every attribute above and write none.

use dlms::apdu::{
    ActionResult, AttributeDescriptor, Conformance, DataAccessResult, MethodDescriptor,
    SelectiveAccess,
};
use dlms::axdr::{Data, Encode, Sink, put_length};
use dlms::session::Authentication;
use dlms::session::server::{
    Application, AssociationConfig, AttributeAccess, MethodAccess, Progress, RequestContext,
    ValueWriter,
};
use obis::ObisCode;

/// Clock (class 8).
pub const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
/// COSEM logical device name (class 1).
pub const DEVICE_NAME: ObisCode = ObisCode::new(0, 0, 42, 0, 0, 255);
/// Active energy import, total (class 3).
pub const ENERGY_IMPORT: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
/// Active energy export, total (class 3).
pub const ENERGY_EXPORT: ObisCode = ObisCode::new(1, 0, 2, 8, 0, 255);
/// Load profile (class 7).
pub const LOAD_PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
/// Current association (class 15).
pub const ASSOCIATION: ObisCode = ObisCode::new(0, 0, 40, 0, 0, 255);

/// The value of the logical device name: a manufacturer id (three letters) and a serial
/// number, 16 bytes at most.
pub const DEVICE_NAME_VALUE: &[u8] = b"MTK0000000000042";

/// The public client SAP.
pub const PUBLIC_CLIENT: u16 = 16;
/// The SAP of the client with low level security.
pub const LLS_CLIENT: u16 = 17;
/// The LLS password (the default of Gurux's tools).
pub const LLS_PASSWORD: &[u8] = b"12345678";
/// The profile's capture period, seconds.
pub const CAPTURE_PERIOD: u32 = 900;
/// The default number of profile rows: ten days of quarter hours.
pub const DEFAULT_ROWS: u32 = 960;

/// The largest APDU the example meter takes and sends: its receive PDU and the session's
/// buffers.
pub const PDU: usize = 1024;

/// The services the meter offers: GET with selective access, block transfer and lists.
pub const SERVICES: Conformance = Conformance(
    Conformance::GET.0
        | Conformance::SELECTIVE_ACCESS.0
        | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
        | Conformance::MULTIPLE_REFERENCES.0,
);

/// The objects: class id, version, logical name, number of attributes served.
const OBJECTS: [(u16, u8, ObisCode, i8); 6] = [
    (15, 1, ASSOCIATION, 2),
    (8, 0, CLOCK, 2),
    (1, 0, DEVICE_NAME, 2),
    (3, 0, ENERGY_IMPORT, 3),
    (3, 0, ENERGY_EXPORT, 3),
    (7, 1, LOAD_PROFILE, 8),
];

/// The profile's columns: class id, logical name, attribute.
const COLUMNS: [(u16, ObisCode, i8); 3] =
    [(8, CLOCK, 2), (3, ENERGY_IMPORT, 2), (3, ENERGY_EXPORT, 2)];

/// The associations of the meter: the public client and the LLS client, with `password`.
#[must_use]
pub fn associations(password: &[u8]) -> [AssociationConfig<'_>; 2] {
    [
        AssociationConfig::new(PUBLIC_CLIENT, Authentication::None, SERVICES),
        AssociationConfig::new(LLS_CLIENT, Authentication::Lls { password }, SERVICES),
    ]
}

/// Imported energy at profile row `i` (1-based), Wh.
#[must_use]
pub const fn import(i: u32) -> u32 {
    1_000_000 + i * 37
}

/// Exported energy at profile row `i` (1-based), Wh.
#[must_use]
pub const fn export(i: u32) -> u32 {
    i * 11
}

/// The capture time of profile row `i` (1-based): Unix seconds.
#[must_use]
pub const fn row_time(i: u32) -> i64 {
    // 2026-01-01 00:00:00 UTC
    1_767_225_600 + (i as i64 - 1) * CAPTURE_PERIOD as i64
}

/// The civil date of a Unix day number: year, month, day (H. Hinnant's `civil_from_days`).
#[must_use]
pub const fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// The Unix day number of a civil date (H. Hinnant's `days_from_civil`).
#[must_use]
pub const fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The COSEM date-time (IEC 62056-6-2, 12 bytes) of a Unix time, in UTC: deviation 0, clock
/// status 0, hundredths 0.
#[must_use]
pub fn date_time(unix: i64) -> [u8; 12] {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let y = u16::try_from(year).unwrap_or(0xFFFF).to_be_bytes();
    // 1970-01-01 was a Thursday; COSEM counts Monday as 1.
    let weekday = (days + 3).rem_euclid(7) as u8 + 1;
    [
        y[0],
        y[1],
        month,
        day,
        weekday,
        (secs / 3600) as u8,
        (secs % 3600 / 60) as u8,
        (secs % 60) as u8,
        0,
        0,
        0,
        0,
    ]
}

/// The Unix time of a COSEM date-time, read as UTC (deviation and status ignored; fields
/// "not specified" (0xFF) read as 0). `None` when it is not 12 bytes or the year is not
/// specified.
#[must_use]
pub fn unix_of(date_time: &[u8]) -> Option<i64> {
    let b: &[u8; 12] = date_time.try_into().ok()?;
    let year = u16::from_be_bytes([b[0], b[1]]);
    if year == 0xFFFF || !(1..=12).contains(&b[2]) || !(1..=31).contains(&b[3]) {
        return None;
    }
    let field = |v: u8| if v == 0xFF { 0 } else { i64::from(v) };
    Some(
        days_from_civil(i64::from(year), b[2], b[3]) * 86_400
            + field(b[5]) * 3600
            + field(b[6]) * 60
            + field(b[7]),
    )
}

/// The current Unix time of the system clock.
fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// The meter: a load profile of `rows` rows.
#[derive(Debug, Clone)]
pub struct Meter {
    rows: u32,
}

impl Meter {
    /// A meter whose load profile holds `rows` rows (at least one).
    #[must_use]
    pub fn new(rows: u32) -> Self {
        Meter { rows: rows.max(1) }
    }

    /// The number of profile rows.
    #[must_use]
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// The rows (1-based, inclusive) a selection picks: all of them without one, a range on
    /// the clock column (selector 1) or a range of entries (selector 2; `to` 0 is the last).
    fn selected(
        &self,
        selection: Option<&SelectiveAccess<'_>>,
    ) -> Result<(u32, u32), DataAccessResult> {
        let Some(s) = selection else {
            return Ok((1, self.rows));
        };
        let Data::Structure(fields) = s.parameters else {
            return Err(DataAccessResult::TYPE_UNMATCHED);
        };
        let mut f = fields.iter();
        match s.selector {
            1 => {
                let (_restricting, Some(Data::OctetString(from)), Some(Data::OctetString(to))) =
                    (f.next(), f.next(), f.next())
                else {
                    return Err(DataAccessResult::TYPE_UNMATCHED);
                };
                let (Some(from), Some(to)) = (unix_of(from), unix_of(to)) else {
                    return Err(DataAccessResult::TYPE_UNMATCHED);
                };
                let first = (1..=self.rows)
                    .find(|&i| row_time(i) >= from)
                    .unwrap_or(self.rows + 1);
                let last = (1..=self.rows)
                    .rev()
                    .find(|&i| row_time(i) <= to)
                    .unwrap_or(0);
                Ok((first, last))
            }
            2 => {
                let (Some(Data::DoubleLongUnsigned(from)), Some(Data::DoubleLongUnsigned(to))) =
                    (f.next(), f.next())
                else {
                    return Err(DataAccessResult::TYPE_UNMATCHED);
                };
                let to = if to == 0 {
                    self.rows
                } else {
                    to.min(self.rows)
                };
                Ok((from.max(1), to))
            }
            _ => Err(DataAccessResult::OTHER_REASON),
        }
    }
}

impl Default for Meter {
    fn default() -> Self {
        Meter::new(DEFAULT_ROWS)
    }
}

fn put_row(out: &mut ValueWriter<'_>, i: u32) -> dlms::Result<()> {
    out.put(&[0x02, 0x03])?;
    Data::OctetString(&date_time(row_time(i))).emit_to(out)?;
    Data::DoubleLongUnsigned(import(i)).emit_to(out)?;
    Data::DoubleLongUnsigned(export(i)).emit_to(out)
}

/// A capture object definition: structure { class_id, logical_name, attribute_index,
/// data_index }.
fn put_column(
    out: &mut ValueWriter<'_>,
    (class, ln, attribute): (u16, ObisCode, i8),
) -> dlms::Result<()> {
    out.put(&[0x02, 0x04])?;
    Data::LongUnsigned(class).emit_to(out)?;
    Data::OctetString(ln.as_bytes()).emit_to(out)?;
    Data::Integer(attribute).emit_to(out)?;
    Data::LongUnsigned(0).emit_to(out)
}

/// An object_list element: structure { class_id, version, logical_name, access_rights }, the
/// access rights read-only for every attribute served, no methods.
fn put_object(
    out: &mut ValueWriter<'_>,
    (class, version, ln, attributes): (u16, u8, ObisCode, i8),
) -> dlms::Result<()> {
    out.put(&[0x02, 0x04])?;
    Data::LongUnsigned(class).emit_to(out)?;
    Data::Unsigned(version).emit_to(out)?;
    Data::OctetString(ln.as_bytes()).emit_to(out)?;
    // access_rights: structure { attribute_access array, method_access array }
    out.put(&[0x02, 0x02, 0x01])?;
    put_length(out, attributes as usize)?;
    for id in 1..=attributes {
        // structure { attribute_id, access_mode read-only, access_selectors }
        out.put(&[0x02, 0x03])?;
        Data::Integer(id).emit_to(out)?;
        Data::Enum(1).emit_to(out)?;
        if (ln, id) == (LOAD_PROFILE, 2) {
            out.put(&[0x01, 0x02, 0x0F, 0x01, 0x0F, 0x02])?;
        } else {
            Data::Null.emit_to(out)?;
        }
    }
    out.put(&[0x01, 0x00])
}

impl Application for Meter {
    fn attribute_access(
        &self,
        _: &RequestContext,
        a: &AttributeDescriptor,
    ) -> Result<AttributeAccess, DataAccessResult> {
        let Some(&(class, _, _, attributes)) = OBJECTS.iter().find(|o| o.2 == a.instance_id) else {
            return Err(DataAccessResult::OBJECT_UNDEFINED);
        };
        if a.class_id != class {
            return Err(DataAccessResult::OBJECT_CLASS_INCONSISTENT);
        }
        if !(1..=attributes).contains(&a.attribute_id) {
            return Err(DataAccessResult::OBJECT_UNAVAILABLE);
        }
        Ok(AttributeAccess::Read)
    }

    fn method_access(
        &self,
        _: &RequestContext,
        _: &MethodDescriptor,
    ) -> Result<MethodAccess, ActionResult> {
        Err(ActionResult::OBJECT_UNDEFINED)
    }

    fn get(
        &mut self,
        _: &RequestContext,
        a: &AttributeDescriptor,
        selection: Option<&SelectiveAccess<'_>>,
        resume: Option<u64>,
        out: &mut ValueWriter<'_>,
    ) -> Result<Progress, DataAccessResult> {
        let fail = |_| DataAccessResult::OTHER_REASON;
        let unit = [Data::Integer(0), Data::Enum(30)];
        match (a.instance_id, a.attribute_id) {
            (ln, 1) => Data::OctetString(ln.as_bytes())
                .emit_to(out)
                .map_err(fail)?,
            (CLOCK, 2) => Data::OctetString(&date_time(now_unix()))
                .emit_to(out)
                .map_err(fail)?,
            (DEVICE_NAME, 2) => Data::OctetString(DEVICE_NAME_VALUE)
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY_IMPORT, 2) => Data::DoubleLongUnsigned(import(self.rows))
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY_EXPORT, 2) => Data::DoubleLongUnsigned(export(self.rows))
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY_IMPORT | ENERGY_EXPORT, 3) => {
                out.put(&[0x02, 0x02]).map_err(fail)?;
                for d in unit {
                    d.emit_to(out).map_err(fail)?;
                }
            }
            (LOAD_PROFILE, 2) => {
                let (from, to) = self.selected(selection)?;
                let mut i = match resume {
                    None => {
                        out.put_u8(0x01).map_err(fail)?;
                        put_length(out, if to >= from { to - from + 1 } else { 0 } as usize)
                            .map_err(fail)?;
                        from
                    }
                    Some(r) => u32::try_from(r).map_err(|_| DataAccessResult::OTHER_REASON)?,
                };
                while i <= to {
                    if out.is_full() {
                        return Ok(Progress::More(u64::from(i)));
                    }
                    put_row(out, i).map_err(fail)?;
                    i += 1;
                }
            }
            (LOAD_PROFILE, 3) => {
                out.put(&[0x01, COLUMNS.len() as u8]).map_err(fail)?;
                for c in COLUMNS {
                    put_column(out, c).map_err(fail)?;
                }
            }
            (LOAD_PROFILE, 4) => Data::DoubleLongUnsigned(CAPTURE_PERIOD)
                .emit_to(out)
                .map_err(fail)?,
            (LOAD_PROFILE, 5) => Data::Enum(1).emit_to(out).map_err(fail)?,
            (LOAD_PROFILE, 6) => put_column(out, COLUMNS[0]).map_err(fail)?,
            (LOAD_PROFILE, 7 | 8) => Data::DoubleLongUnsigned(self.rows)
                .emit_to(out)
                .map_err(fail)?,
            (ASSOCIATION, 2) => {
                let mut i = match resume {
                    None => {
                        out.put(&[0x01, OBJECTS.len() as u8]).map_err(fail)?;
                        0
                    }
                    Some(r) => usize::try_from(r).map_err(|_| DataAccessResult::OTHER_REASON)?,
                };
                while let Some(&o) = OBJECTS.get(i) {
                    if out.is_full() {
                        return Ok(Progress::More(i as u64));
                    }
                    put_object(out, o).map_err(fail)?;
                    i += 1;
                }
            }
            _ => return Err(DataAccessResult::OBJECT_UNAVAILABLE),
        }
        Ok(Progress::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2026, 1, 1) * 86_400, row_time(1));
        assert_eq!(
            date_time(row_time(1)),
            [0x07, 0xEA, 1, 1, 4, 0, 0, 0, 0, 0, 0, 0]
        );
        // 2024-02-29 12:34:56 is a Thursday.
        let t = days_from_civil(2024, 2, 29) * 86_400 + 12 * 3600 + 34 * 60 + 56;
        assert_eq!(date_time(t), [0x07, 0xE8, 2, 29, 4, 12, 34, 56, 0, 0, 0, 0]);
        assert_eq!(unix_of(&date_time(t)), Some(t));
        for i in [1, 96, 97, 960, 35_040] {
            assert_eq!(unix_of(&date_time(row_time(i))), Some(row_time(i)));
        }
    }
}
