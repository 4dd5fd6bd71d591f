//! What the value groups of a code mean (IEC 62056-6-1, DLMS UA 1000-1 "Blue Book" part 1).
//!
//! Each value group has a typed meaning: [`Media`] (A), [`Channel`] (B), for electricity the
//! [`Quantity`] (C), its [`Processing`] (D) and [`Classification`] (E, mostly the tariff), and the
//! [`BillingPeriod`] (F). [`ObisCode::describe`] combines them into a sentence without allocating.
//!
//! Sources for the tables (facts, restated): the value-group tables of IEC 62056-6-1 / Blue Book
//! part 1 as reproduced by Gurux's standard OBIS list (`OBiscodes.h`, `GXStandardObisCodeCollection`),
//! the EnergyICT `DLMSUtils.getInfoLN` description function, and the OBIS media table used by
//! ioBroker.smartmeter. Where those sources name a code the same way we use their name.

use core::fmt;

use crate::ObisCode;

/// Value group A: the energy type (medium) the object relates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Media {
    /// 0: abstract objects (clock, associations, profiles, ...).
    Abstract,
    /// 1: electricity.
    Electricity,
    /// 4: heat cost allocators.
    HeatCostAllocator,
    /// 5: thermal energy, cooling.
    Cooling,
    /// 6: thermal energy, heat.
    Heat,
    /// 7: gas.
    Gas,
    /// 8: cold water.
    ColdWater,
    /// 9: hot water.
    HotWater,
    /// 16: oil.
    Oil,
    /// 17: compressed air.
    CompressedAir,
    /// 18: nitrogen.
    Nitrogen,
    /// Any other value (reserved or not described here).
    Other(u8),
}

impl Media {
    /// The medium of value group A.
    #[must_use]
    pub const fn from_a(a: u8) -> Self {
        match a {
            0 => Self::Abstract,
            1 => Self::Electricity,
            4 => Self::HeatCostAllocator,
            5 => Self::Cooling,
            6 => Self::Heat,
            7 => Self::Gas,
            8 => Self::ColdWater,
            9 => Self::HotWater,
            16 => Self::Oil,
            17 => Self::CompressedAir,
            18 => Self::Nitrogen,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Abstract => "Abstract",
            Self::Electricity => "Electricity",
            Self::HeatCostAllocator => "Heat cost allocator",
            Self::Cooling => "Cooling",
            Self::Heat => "Heat",
            Self::Gas => "Gas",
            Self::ColdWater => "Cold water",
            Self::HotWater => "Hot water",
            Self::Oil => "Oil",
            Self::CompressedAir => "Compressed air",
            Self::Nitrogen => "Nitrogen",
            Self::Other(a) => return write!(f, "Media {a}"),
        })
    }
}

/// Value group B: the channel (measurement input) of the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Channel {
    /// 0: no channel specified.
    Unspecified,
    /// 1..=64: channel number.
    Number(u8),
    /// 65..=127: utility-specific.
    UtilitySpecific(u8),
    /// 128..=199: manufacturer-specific.
    ManufacturerSpecific(u8),
    /// 200..=255: reserved.
    Reserved(u8),
}

impl Channel {
    /// The channel of value group B.
    #[must_use]
    pub const fn from_b(b: u8) -> Self {
        match b {
            0 => Self::Unspecified,
            1..=64 => Self::Number(b),
            65..=127 => Self::UtilitySpecific(b),
            128..=199 => Self::ManufacturerSpecific(b),
            _ => Self::Reserved(b),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unspecified => f.write_str("no channel specified"),
            Self::Number(b) => write!(f, "channel {b}"),
            Self::UtilitySpecific(b) => write!(f, "utility-specific channel {b}"),
            Self::ManufacturerSpecific(b) => write!(f, "manufacturer-specific channel {b}"),
            Self::Reserved(b) => write!(f, "reserved channel {b}"),
        }
    }
}

/// Which phases an electricity quantity covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Phase {
    /// Σ Li: all phases together (C = 1..=20).
    All,
    /// Phase L1 (C = 21..=40).
    L1,
    /// Phase L2 (C = 41..=60).
    L2,
    /// Phase L3 (C = 61..=80).
    L3,
}

/// The twenty quantities that value group C repeats for Σ Li, L1, L2 and L3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Measurand {
    /// Active power+ (QI+QIV): import, +P / +A.
    ActiveImport,
    /// Active power− (QII+QIII): export, −P / −A.
    ActiveExport,
    /// Reactive power+ (QI+QII): +Q / +R.
    ReactiveImport,
    /// Reactive power− (QIII+QIV): −Q / −R.
    ReactiveExport,
    /// Reactive power in quadrant I.
    ReactiveQ1,
    /// Reactive power in quadrant II.
    ReactiveQ2,
    /// Reactive power in quadrant III.
    ReactiveQ3,
    /// Reactive power in quadrant IV.
    ReactiveQ4,
    /// Apparent power+ (QI+QIV).
    ApparentImport,
    /// Apparent power− (QII+QIII).
    ApparentExport,
    /// Current (for Σ Li: any phase).
    Current,
    /// Voltage (for Σ Li: any phase).
    Voltage,
    /// Power factor.
    PowerFactor,
    /// Supply frequency.
    Frequency,
    /// Active power |QI+QIV| + |QII+QIII|.
    ActiveAbsoluteSum,
    /// Active power |QI+QIV| − |QII+QIII| (net).
    ActiveNet,
    /// Active power in quadrant I.
    ActiveQ1,
    /// Active power in quadrant II.
    ActiveQ2,
    /// Active power in quadrant III.
    ActiveQ3,
    /// Active power in quadrant IV.
    ActiveQ4,
}

impl Measurand {
    const ALL: [Measurand; 20] = [
        Self::ActiveImport,
        Self::ActiveExport,
        Self::ReactiveImport,
        Self::ReactiveExport,
        Self::ReactiveQ1,
        Self::ReactiveQ2,
        Self::ReactiveQ3,
        Self::ReactiveQ4,
        Self::ApparentImport,
        Self::ApparentExport,
        Self::Current,
        Self::Voltage,
        Self::PowerFactor,
        Self::Frequency,
        Self::ActiveAbsoluteSum,
        Self::ActiveNet,
        Self::ActiveQ1,
        Self::ActiveQ2,
        Self::ActiveQ3,
        Self::ActiveQ4,
    ];

    /// (noun as power, noun as energy, symbol) — the symbol is printed after the phase.
    const fn names(
        self,
    ) -> (
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
    ) {
        // (power noun, energy noun, power symbol, energy symbol)
        match self {
            Self::ActiveImport => (
                "Active power import",
                Some("Active energy import"),
                " (+P)",
                " (+A)",
            ),
            Self::ActiveExport => (
                "Active power export",
                Some("Active energy export"),
                " (\u{2212}P)",
                " (\u{2212}A)",
            ),
            Self::ReactiveImport => (
                "Reactive power import",
                Some("Reactive energy import"),
                " (+Q)",
                " (+R)",
            ),
            Self::ReactiveExport => (
                "Reactive power export",
                Some("Reactive energy export"),
                " (\u{2212}Q)",
                " (\u{2212}R)",
            ),
            Self::ReactiveQ1 => ("Reactive power QI", Some("Reactive energy QI"), "", ""),
            Self::ReactiveQ2 => ("Reactive power QII", Some("Reactive energy QII"), "", ""),
            Self::ReactiveQ3 => ("Reactive power QIII", Some("Reactive energy QIII"), "", ""),
            Self::ReactiveQ4 => ("Reactive power QIV", Some("Reactive energy QIV"), "", ""),
            Self::ApparentImport => (
                "Apparent power import",
                Some("Apparent energy import"),
                " (+S)",
                "",
            ),
            Self::ApparentExport => (
                "Apparent power export",
                Some("Apparent energy export"),
                " (\u{2212}S)",
                "",
            ),
            Self::Current => ("Current", None, "", ""),
            Self::Voltage => ("Voltage", None, "", ""),
            Self::PowerFactor => ("Power factor", None, "", ""),
            Self::Frequency => ("Frequency", None, "", ""),
            Self::ActiveAbsoluteSum => (
                "Active power |+P|+|\u{2212}P|",
                Some("Active energy |+A|+|\u{2212}A|"),
                "",
                "",
            ),
            Self::ActiveNet => (
                "Active power net |+P|\u{2212}|\u{2212}P|",
                Some("Active energy net |+A|\u{2212}|\u{2212}A|"),
                "",
                "",
            ),
            Self::ActiveQ1 => ("Active power QI", Some("Active energy QI"), "", ""),
            Self::ActiveQ2 => ("Active power QII", Some("Active energy QII"), "", ""),
            Self::ActiveQ3 => ("Active power QIII", Some("Active energy QIII"), "", ""),
            Self::ActiveQ4 => ("Active power QIV", Some("Active energy QIV"), "", ""),
        }
    }
}

/// Value group C for electricity (A = 1): the physical quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Quantity {
    /// 0: general-purpose objects (identifiers, billing period counters, meter constants, ...).
    GeneralPurpose,
    /// 1..=80: one of the twenty measurands, for all phases or one phase.
    Measured(Measurand, Phase),
    /// 81: phase angles (E selects the pair of phasors).
    Angles,
    /// 82: unitless quantities (pulses or pieces).
    Unitless,
    /// 83: transformer and line losses (E selects the loss quantity).
    Losses,
    /// 84..=87: power factor− (export), Σ Li / L1 / L2 / L3.
    PowerFactorExport(Phase),
    /// 88: Σ Li ampere-squared hours (A²h), QI+QII+QIII+QIV.
    AmpereSquaredHours,
    /// 89: Σ Li volt-squared hours (V²h), QI+QII+QIII+QIV.
    VoltSquaredHours,
    /// 90: Σ Li current (sum over all phases).
    CurrentSum,
    /// 91: neutral current (L0).
    NeutralCurrent,
    /// 92: neutral voltage (L0).
    NeutralVoltage,
    /// 94: country-specific identifiers.
    CountrySpecific,
    /// 96: electricity-related service entries.
    ServiceEntries,
    /// 97: electricity-related error registers.
    ErrorRegisters,
    /// 98: electricity-related lists (billing data).
    Lists,
    /// 99: electricity-related data profiles (load profiles, event logs).
    DataProfiles,
    /// 128..=199: manufacturer-specific.
    ManufacturerSpecific(u8),
    /// Reserved or not assigned.
    Reserved(u8),
}

impl Quantity {
    /// The electricity quantity of value group C.
    #[must_use]
    pub const fn from_c(c: u8) -> Self {
        match c {
            0 => Self::GeneralPurpose,
            1..=80 => {
                let phase = match (c - 1) / 20 {
                    0 => Phase::All,
                    1 => Phase::L1,
                    2 => Phase::L2,
                    _ => Phase::L3,
                };
                let index = ((c - 1) % 20) as usize;
                // `index` < 20 by construction.
                #[allow(clippy::indexing_slicing)]
                let m = Measurand::ALL[index];
                Self::Measured(m, phase)
            }
            81 => Self::Angles,
            82 => Self::Unitless,
            83 => Self::Losses,
            84 => Self::PowerFactorExport(Phase::All),
            85 => Self::PowerFactorExport(Phase::L1),
            86 => Self::PowerFactorExport(Phase::L2),
            87 => Self::PowerFactorExport(Phase::L3),
            88 => Self::AmpereSquaredHours,
            89 => Self::VoltSquaredHours,
            90 => Self::CurrentSum,
            91 => Self::NeutralCurrent,
            92 => Self::NeutralVoltage,
            94 => Self::CountrySpecific,
            96 => Self::ServiceEntries,
            97 => Self::ErrorRegisters,
            98 => Self::Lists,
            99 => Self::DataProfiles,
            128..=199 => Self::ManufacturerSpecific(c),
            _ => Self::Reserved(c),
        }
    }

    /// Whether value group E counts harmonics for this quantity rather than tariffs
    /// (current, voltage and active power |+P|+|−P|, per phase and neutral).
    #[must_use]
    pub const fn has_harmonics(self) -> bool {
        matches!(
            self,
            Self::Measured(
                Measurand::Current | Measurand::Voltage | Measurand::ActiveAbsoluteSum,
                _
            ) | Self::CurrentSum
                | Self::NeutralCurrent
                | Self::NeutralVoltage
        )
    }

    /// Whether D codes processing (instantaneous, integrals, averages, ...) apply.
    const fn is_processed(self) -> bool {
        matches!(
            self,
            Self::Measured(..)
                | Self::Angles
                | Self::Unitless
                | Self::Losses
                | Self::PowerFactorExport(_)
                | Self::AmpereSquaredHours
                | Self::VoltSquaredHours
                | Self::CurrentSum
                | Self::NeutralCurrent
                | Self::NeutralVoltage
        )
    }

    /// Writes the quantity's name, as power (`energy = false`) or as energy.
    fn write_name(self, f: &mut fmt::Formatter<'_>, energy: bool) -> fmt::Result {
        let phase = |f: &mut fmt::Formatter<'_>, p: Phase| match p {
            Phase::All => Ok(()),
            Phase::L1 => f.write_str(" L1"),
            Phase::L2 => f.write_str(" L2"),
            Phase::L3 => f.write_str(" L3"),
        };
        match self {
            Self::GeneralPurpose => f.write_str("General-purpose object"),
            Self::Measured(m, p) => {
                let (power, energy_noun, power_sym, energy_sym) = m.names();
                let (noun, sym) = match energy_noun {
                    Some(e) if energy => (e, energy_sym),
                    _ => (power, power_sym),
                };
                f.write_str(noun)?;
                if p == Phase::All && matches!(m, Measurand::Current | Measurand::Voltage) {
                    f.write_str(", any phase")?;
                }
                phase(f, p)?;
                f.write_str(sym)
            }
            Self::Angles => f.write_str("Phase angle"),
            Self::Unitless => f.write_str("Unitless quantity (pulses or pieces)"),
            Self::Losses => f.write_str("Transformer and line losses"),
            Self::PowerFactorExport(p) => {
                f.write_str("Power factor\u{2212}")?;
                phase(f, p)
            }
            Self::AmpereSquaredHours => f.write_str("Ampere-squared hours (A\u{b2}h)"),
            Self::VoltSquaredHours => f.write_str("Volt-squared hours (V\u{b2}h)"),
            Self::CurrentSum => f.write_str("Current, sum of all phases"),
            Self::NeutralCurrent => f.write_str("Neutral current (L0)"),
            Self::NeutralVoltage => f.write_str("Neutral voltage (L0)"),
            Self::CountrySpecific => f.write_str("Country-specific identifier"),
            Self::ServiceEntries => f.write_str("Electricity-related service entry"),
            Self::ErrorRegisters => f.write_str("Electricity-related error register"),
            Self::Lists => f.write_str("Electricity-related list"),
            Self::DataProfiles => f.write_str("Electricity-related data profile"),
            Self::ManufacturerSpecific(c) => write!(f, "Manufacturer-specific quantity C = {c}"),
            Self::Reserved(c) => write!(f, "Reserved quantity C = {c}"),
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_name(f, false)
    }
}

/// Value group D for electricity quantities: how the quantity is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Processing {
    /// 0: billing period average (since last reset).
    BillingPeriodAverage,
    /// 1, 11, 21: cumulative minimum 1, 2, 3.
    CumulativeMinimum(u8),
    /// 2, 12, 22: cumulative maximum 1, 2, 3.
    CumulativeMaximum(u8),
    /// 3, 13, 23: minimum 1, 2, 3.
    Minimum(u8),
    /// 4, 14, 24, 27, 28: current average 1, 2, 3, 5, 6 (the running demand).
    CurrentAverage(u8),
    /// 5, 15, 25: last average 1, 2, 3.
    LastAverage(u8),
    /// 6, 16, 26: maximum 1, 2, 3 (maximum demand).
    Maximum(u8),
    /// 7: instantaneous value.
    Instantaneous,
    /// 8, 9, 10, 58, 29, 30, 17..=20: time integral 1, 2, 3, 4, 5, 6, 7..=10. Time integral 1
    /// is the energy register (from the start of measurement to now).
    TimeIntegral(u8),
    /// 31: under-limit threshold.
    UnderLimitThreshold,
    /// 32: under-limit occurrence counter (e.g. voltage sags).
    UnderLimitOccurrences,
    /// 33: under-limit duration.
    UnderLimitDuration,
    /// 34: under-limit magnitude.
    UnderLimitMagnitude,
    /// 35: over-limit threshold.
    OverLimitThreshold,
    /// 36: over-limit occurrence counter (e.g. voltage swells).
    OverLimitOccurrences,
    /// 37: over-limit duration.
    OverLimitDuration,
    /// 38: over-limit magnitude.
    OverLimitMagnitude,
    /// 39: missing threshold.
    MissingThreshold,
    /// 40: missing occurrence counter.
    MissingOccurrences,
    /// 41: missing duration.
    MissingDuration,
    /// 42: missing magnitude.
    MissingMagnitude,
    /// 43: time threshold for under limit.
    UnderLimitTimeThreshold,
    /// 44: time threshold for over limit.
    OverLimitTimeThreshold,
    /// 45: time threshold for missing magnitude.
    MissingTimeThreshold,
    /// 46: contracted value.
    ContractedValue,
    /// 51, 52: minimum for recording interval 1, 2.
    MinimumForRecordingInterval(u8),
    /// 53, 54: maximum for recording interval 1, 2.
    MaximumForRecordingInterval(u8),
    /// 55: test average.
    TestAverage,
    /// 128..=254: manufacturer-specific.
    ManufacturerSpecific(u8),
    /// Reserved or not assigned.
    Reserved(u8),
}

impl Processing {
    /// The processing of value group D (for electricity quantities, C = 1..=92).
    #[must_use]
    pub const fn from_d(d: u8) -> Self {
        match d {
            0 => Self::BillingPeriodAverage,
            1 => Self::CumulativeMinimum(1),
            2 => Self::CumulativeMaximum(1),
            3 => Self::Minimum(1),
            4 => Self::CurrentAverage(1),
            5 => Self::LastAverage(1),
            6 => Self::Maximum(1),
            7 => Self::Instantaneous,
            8 => Self::TimeIntegral(1),
            9 => Self::TimeIntegral(2),
            10 => Self::TimeIntegral(3),
            11 => Self::CumulativeMinimum(2),
            12 => Self::CumulativeMaximum(2),
            13 => Self::Minimum(2),
            14 => Self::CurrentAverage(2),
            15 => Self::LastAverage(2),
            16 => Self::Maximum(2),
            17..=20 => Self::TimeIntegral(d - 10),
            21 => Self::CumulativeMinimum(3),
            22 => Self::CumulativeMaximum(3),
            23 => Self::Minimum(3),
            24 => Self::CurrentAverage(3),
            25 => Self::LastAverage(3),
            26 => Self::Maximum(3),
            27 => Self::CurrentAverage(5),
            28 => Self::CurrentAverage(6),
            29 => Self::TimeIntegral(5),
            30 => Self::TimeIntegral(6),
            31 => Self::UnderLimitThreshold,
            32 => Self::UnderLimitOccurrences,
            33 => Self::UnderLimitDuration,
            34 => Self::UnderLimitMagnitude,
            35 => Self::OverLimitThreshold,
            36 => Self::OverLimitOccurrences,
            37 => Self::OverLimitDuration,
            38 => Self::OverLimitMagnitude,
            39 => Self::MissingThreshold,
            40 => Self::MissingOccurrences,
            41 => Self::MissingDuration,
            42 => Self::MissingMagnitude,
            43 => Self::UnderLimitTimeThreshold,
            44 => Self::OverLimitTimeThreshold,
            45 => Self::MissingTimeThreshold,
            46 => Self::ContractedValue,
            51 => Self::MinimumForRecordingInterval(1),
            52 => Self::MinimumForRecordingInterval(2),
            53 => Self::MaximumForRecordingInterval(1),
            54 => Self::MaximumForRecordingInterval(2),
            55 => Self::TestAverage,
            58 => Self::TimeIntegral(4),
            128..=254 => Self::ManufacturerSpecific(d),
            _ => Self::Reserved(d),
        }
    }

    /// Whether the value is an energy-like integral over time (the quantity reads as energy).
    #[must_use]
    pub const fn is_time_integral(self) -> bool {
        matches!(self, Self::TimeIntegral(_))
    }
}

impl fmt::Display for Processing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BillingPeriodAverage => f.write_str("billing period average"),
            Self::CumulativeMinimum(n) => write!(f, "cumulative minimum {n}"),
            Self::CumulativeMaximum(n) => write!(f, "cumulative maximum {n}"),
            Self::Minimum(n) => write!(f, "minimum {n}"),
            Self::CurrentAverage(n) => write!(f, "current average {n}"),
            Self::LastAverage(n) => write!(f, "last average {n}"),
            Self::Maximum(n) => write!(f, "maximum {n}"),
            Self::Instantaneous => f.write_str("instantaneous value"),
            Self::TimeIntegral(n) => write!(f, "time integral {n}"),
            Self::UnderLimitThreshold => f.write_str("under-limit threshold"),
            Self::UnderLimitOccurrences => f.write_str("under-limit occurrence counter"),
            Self::UnderLimitDuration => f.write_str("under-limit duration"),
            Self::UnderLimitMagnitude => f.write_str("under-limit magnitude"),
            Self::OverLimitThreshold => f.write_str("over-limit threshold"),
            Self::OverLimitOccurrences => f.write_str("over-limit occurrence counter"),
            Self::OverLimitDuration => f.write_str("over-limit duration"),
            Self::OverLimitMagnitude => f.write_str("over-limit magnitude"),
            Self::MissingThreshold => f.write_str("missing threshold"),
            Self::MissingOccurrences => f.write_str("missing occurrence counter"),
            Self::MissingDuration => f.write_str("missing duration"),
            Self::MissingMagnitude => f.write_str("missing magnitude"),
            Self::UnderLimitTimeThreshold => f.write_str("time threshold for under limit"),
            Self::OverLimitTimeThreshold => f.write_str("time threshold for over limit"),
            Self::MissingTimeThreshold => f.write_str("time threshold for missing magnitude"),
            Self::ContractedValue => f.write_str("contracted value"),
            Self::MinimumForRecordingInterval(n) => write!(f, "minimum for recording interval {n}"),
            Self::MaximumForRecordingInterval(n) => write!(f, "maximum for recording interval {n}"),
            Self::TestAverage => f.write_str("test average"),
            Self::ManufacturerSpecific(d) => write!(f, "manufacturer-specific processing D = {d}"),
            Self::Reserved(d) => write!(f, "reserved processing D = {d}"),
        }
    }
}

/// A phasor that phase angles (C = 81) are measured between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Phasor {
    /// U(L1).
    U1,
    /// U(L2).
    U2,
    /// U(L3).
    U3,
    /// I(L1).
    I1,
    /// I(L2).
    I2,
    /// I(L3).
    I3,
    /// I(L0), the neutral current.
    I0,
}

impl Phasor {
    const fn from_digit(d: u8) -> Option<Self> {
        Some(match d {
            0 => Self::U1,
            1 => Self::U2,
            2 => Self::U3,
            4 => Self::I1,
            5 => Self::I2,
            6 => Self::I3,
            7 => Self::I0,
            _ => return None,
        })
    }
}

impl fmt::Display for Phasor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::U1 => "U(L1)",
            Self::U2 => "U(L2)",
            Self::U3 => "U(L3)",
            Self::I1 => "I(L1)",
            Self::I2 => "I(L2)",
            Self::I3 => "I(L3)",
            Self::I0 => "I(L0)",
        })
    }
}

/// Transformer and line loss quantities (C = 83), by value group E. Index = E − 1 within a block of
/// eighteen: line, transformer and total losses, active then reactive, each +, − and both.
const LOSSES: [&str; 18] = [
    "active line losses +",
    "active line losses \u{2212}",
    "active line losses",
    "active transformer losses +",
    "active transformer losses \u{2212}",
    "active transformer losses",
    "active losses +",
    "active losses \u{2212}",
    "active losses",
    "reactive line losses +",
    "reactive line losses \u{2212}",
    "reactive line losses",
    "reactive transformer losses +",
    "reactive transformer losses \u{2212}",
    "reactive transformer losses",
    "reactive losses +",
    "reactive losses \u{2212}",
    "reactive losses",
];

/// Σ Li-only loss quantities (C = 83, E = 19..=28).
const LOSSES_TOTAL: [&str; 10] = [
    "total transformer losses with normalised RFe = 1 M\u{3a9}",
    "total line losses with normalised RCu = 10 \u{3a9}",
    "compensated active gross +",
    "compensated active net +",
    "compensated active gross \u{2212}",
    "compensated active net \u{2212}",
    "compensated reactive gross +",
    "compensated reactive net +",
    "compensated reactive gross \u{2212}",
    "compensated reactive net \u{2212}",
];

/// Value group E for electricity: the tariff, or what E means for the quantity (harmonic,
/// phase-angle pair, loss quantity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Classification {
    /// E = 0: total (all tariffs; for harmonic quantities, the fundamental and all harmonics).
    Total,
    /// E = 1..=63: tariff (rate) number.
    Tariff(u8),
    /// E = 1..=120 for current/voltage quantities: harmonic number.
    Harmonic(u8),
    /// E = 124: total harmonic distortion (THD).
    TotalHarmonicDistortion,
    /// E = 125: total demand distortion (TDD).
    TotalDemandDistortion,
    /// E = 126: all harmonics.
    AllHarmonics,
    /// E = 127: all harmonics to nominal value ratio.
    AllHarmonicsToNominal,
    /// C = 81: the angle of `measured` relative to `reference`.
    Angle {
        /// The phasor whose angle is given.
        measured: Phasor,
        /// The reference phasor.
        reference: Phasor,
    },
    /// C = 83: a transformer or line loss quantity.
    Loss {
        /// Which phases: Σ Li, L1, L2 or L3.
        phase: Phase,
        /// The quantity.
        name: &'static str,
    },
    /// 128..=254: manufacturer-specific.
    ManufacturerSpecific(u8),
    /// 255 or reserved values: no classification.
    Unspecified(u8),
}

impl Classification {
    /// The meaning of value group E for the electricity quantity `quantity`.
    #[must_use]
    pub fn of(quantity: Quantity, e: u8) -> Self {
        match (quantity, e) {
            (_, 128..=254) => Self::ManufacturerSpecific(e),
            (Quantity::Angles, _) => match (Phasor::from_digit(e % 10), Phasor::from_digit(e / 10))
            {
                (Some(measured), Some(reference)) => Self::Angle {
                    measured,
                    reference,
                },
                _ => Self::Unspecified(e),
            },
            (Quantity::Losses, 1..=18) => Self::Loss {
                phase: Phase::All,
                name: loss(LOSSES.as_slice(), e - 1),
            },
            (Quantity::Losses, 19..=28) => Self::Loss {
                phase: Phase::All,
                name: loss(LOSSES_TOTAL.as_slice(), e - 19),
            },
            (Quantity::Losses, 49 | 69 | 89) => Self::Loss {
                phase: loss_phase(e),
                name: "ampere-squared hours (A\u{b2}h)",
            },
            (Quantity::Losses, 50 | 70 | 90) => Self::Loss {
                phase: loss_phase(e),
                name: "volt-squared hours (V\u{b2}h)",
            },
            (Quantity::Losses, 31..=48 | 51..=68 | 71..=88) => Self::Loss {
                phase: loss_phase(e),
                name: loss(LOSSES.as_slice(), (e - 31) % 20),
            },
            (q, _) if q.has_harmonics() => match e {
                0 => Self::Total,
                1..=120 => Self::Harmonic(e),
                124 => Self::TotalHarmonicDistortion,
                125 => Self::TotalDemandDistortion,
                126 => Self::AllHarmonics,
                127 => Self::AllHarmonicsToNominal,
                _ => Self::Unspecified(e),
            },
            (_, 0) => Self::Total,
            (_, 1..=63) => Self::Tariff(e),
            _ => Self::Unspecified(e),
        }
    }
}

fn loss(table: &[&'static str], index: u8) -> &'static str {
    table
        .get(usize::from(index))
        .copied()
        .unwrap_or("loss quantity")
}

const fn loss_phase(e: u8) -> Phase {
    match e {
        31..=50 => Phase::L1,
        51..=70 => Phase::L2,
        71..=90 => Phase::L3,
        _ => Phase::All,
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Total => f.write_str("total"),
            Self::Tariff(n) => write!(f, "tariff {n}"),
            Self::Harmonic(n) => write!(f, "harmonic {n}"),
            Self::TotalHarmonicDistortion => f.write_str("total harmonic distortion (THD)"),
            Self::TotalDemandDistortion => f.write_str("total demand distortion (TDD)"),
            Self::AllHarmonics => f.write_str("all harmonics"),
            Self::AllHarmonicsToNominal => f.write_str("all harmonics to nominal value ratio"),
            Self::Angle {
                measured,
                reference,
            } => write!(f, "{measured} \u{2212} {reference}"),
            Self::Loss { phase, name } => match phase {
                Phase::All => f.write_str(name),
                Phase::L1 => write!(f, "L1 {name}"),
                Phase::L2 => write!(f, "L2 {name}"),
                Phase::L3 => write!(f, "L3 {name}"),
            },
            Self::ManufacturerSpecific(e) => write!(f, "manufacturer-specific E = {e}"),
            Self::Unspecified(e) => write!(f, "E = {e}"),
        }
    }
}

/// Value group F: which historical value (billing period) the code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BillingPeriod {
    /// 255: not used — the current value.
    Current,
    /// 0..=99: the value stored at the end of billing period F (the billing period counter
    /// modulo 100).
    Period(u8),
    /// 101..=125: the last F − 100 billing periods (profiles).
    Last(u8),
    /// 126: an unspecified number of the most recent billing periods.
    MostRecent,
    /// 128..=254: manufacturer-specific.
    ManufacturerSpecific(u8),
    /// 100, 127: reserved.
    Reserved(u8),
}

impl BillingPeriod {
    /// The billing period of value group F.
    #[must_use]
    pub const fn from_f(f: u8) -> Self {
        match f {
            255 => Self::Current,
            0..=99 => Self::Period(f),
            101..=125 => Self::Last(f - 100),
            126 => Self::MostRecent,
            128..=254 => Self::ManufacturerSpecific(f),
            _ => Self::Reserved(f),
        }
    }
}

impl fmt::Display for BillingPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Current => f.write_str("current value"),
            Self::Period(n) => write!(f, "billing period {n}"),
            Self::Last(1) => f.write_str("last billing period"),
            Self::Last(n) => write!(f, "last {n} billing periods"),
            Self::MostRecent => f.write_str("most recent billing periods"),
            Self::ManufacturerSpecific(n) => write!(f, "manufacturer-specific F = {n}"),
            Self::Reserved(n) => write!(f, "reserved F = {n}"),
        }
    }
}

/// Value group C for abstract objects (A = 0): the object family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AbstractFamily {
    /// 0: general-purpose objects (billing period counters, program entries, ...).
    GeneralPurpose,
    /// 1: clock objects.
    Clock,
    /// 2: modem configuration, auto connect, auto answer.
    Modem,
    /// 10: script tables.
    ScriptTable,
    /// 11: special days tables.
    SpecialDaysTable,
    /// 12: schedules.
    Schedule,
    /// 13: activity calendars.
    ActivityCalendar,
    /// 14: register activation.
    RegisterActivation,
    /// 15: single action schedules.
    SingleActionSchedule,
    /// 16: register monitors, alarm monitors.
    RegisterMonitor,
    /// 17: limiters.
    Limiter,
    /// 19: payment metering (account, credit, charge, token gateway).
    PaymentMetering,
    /// 20: IEC local port setup.
    LocalPortSetup,
    /// 21: standard readout profiles.
    StandardReadout,
    /// 22: IEC HDLC setup.
    HdlcSetup,
    /// 23: IEC twisted pair setup.
    TwistedPairSetup,
    /// 24: M-Bus port setup and M-Bus objects.
    MBus,
    /// 25: internet (TCP-UDP, IPv4, MAC, PPP, GPRS, SMTP) setup and push setup.
    Internet,
    /// 26..=31: PLC, LLC and wireless communication setup.
    CommunicationSetup(u8),
    /// 40: associations.
    Association,
    /// 41: SAP assignment.
    SapAssignment,
    /// 42: COSEM logical device name.
    LogicalDeviceName,
    /// 43: security setup and invocation counters.
    Security,
    /// 44: image transfer.
    ImageTransfer,
    /// 65: utility tables.
    UtilityTables,
    /// 94: country-specific identifiers.
    CountrySpecific,
    /// 96: general and service entries (device ids, status, disconnect control, ...).
    ServiceEntries,
    /// 97: error registers, alarm registers and alarm filters.
    ErrorRegisters,
    /// 98: lists (data of billing periods).
    Lists,
    /// 99: data profiles (event logs, ...).
    DataProfiles,
    /// 127: inactive objects.
    Inactive,
    /// 128..=199: manufacturer-specific.
    ManufacturerSpecific(u8),
    /// Reserved or not described here.
    Other(u8),
}

impl AbstractFamily {
    /// The abstract object family of value group C.
    #[must_use]
    pub const fn from_c(c: u8) -> Self {
        match c {
            0 => Self::GeneralPurpose,
            1 => Self::Clock,
            2 => Self::Modem,
            10 => Self::ScriptTable,
            11 => Self::SpecialDaysTable,
            12 => Self::Schedule,
            13 => Self::ActivityCalendar,
            14 => Self::RegisterActivation,
            15 => Self::SingleActionSchedule,
            16 => Self::RegisterMonitor,
            17 => Self::Limiter,
            19 => Self::PaymentMetering,
            20 => Self::LocalPortSetup,
            21 => Self::StandardReadout,
            22 => Self::HdlcSetup,
            23 => Self::TwistedPairSetup,
            24 => Self::MBus,
            25 => Self::Internet,
            26..=31 => Self::CommunicationSetup(c),
            40 => Self::Association,
            41 => Self::SapAssignment,
            42 => Self::LogicalDeviceName,
            43 => Self::Security,
            44 => Self::ImageTransfer,
            65 => Self::UtilityTables,
            94 => Self::CountrySpecific,
            96 => Self::ServiceEntries,
            97 => Self::ErrorRegisters,
            98 => Self::Lists,
            99 => Self::DataProfiles,
            127 => Self::Inactive,
            128..=199 => Self::ManufacturerSpecific(c),
            _ => Self::Other(c),
        }
    }
}

impl fmt::Display for AbstractFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::GeneralPurpose => "General-purpose object",
            Self::Clock => "Clock object",
            Self::Modem => "Modem configuration object",
            Self::ScriptTable => "Script table",
            Self::SpecialDaysTable => "Special days table",
            Self::Schedule => "Schedule",
            Self::ActivityCalendar => "Activity calendar",
            Self::RegisterActivation => "Register activation",
            Self::SingleActionSchedule => "Single action schedule",
            Self::RegisterMonitor => "Register monitor",
            Self::Limiter => "Limiter",
            Self::PaymentMetering => "Payment metering object",
            Self::LocalPortSetup => "IEC local port setup",
            Self::StandardReadout => "Standard readout profile",
            Self::HdlcSetup => "IEC HDLC setup",
            Self::TwistedPairSetup => "IEC twisted pair setup",
            Self::MBus => "M-Bus object",
            Self::Internet => "Internet communication setup",
            Self::CommunicationSetup(_) => "Communication setup (PLC, LLC, wireless)",
            Self::Association => "Association",
            Self::SapAssignment => "SAP assignment",
            Self::LogicalDeviceName => "COSEM logical device name",
            Self::Security => "Security object",
            Self::ImageTransfer => "Image transfer",
            Self::UtilityTables => "Utility table",
            Self::CountrySpecific => "Country-specific identifier",
            Self::ServiceEntries => "General and service entry",
            Self::ErrorRegisters => "Error or alarm register",
            Self::Lists => "List object",
            Self::DataProfiles => "Data profile",
            Self::Inactive => "Inactive object",
            Self::ManufacturerSpecific(c) => {
                return write!(f, "Manufacturer-specific object C = {c}");
            }
            Self::Other(c) => return write!(f, "Abstract object C = {c}"),
        })
    }
}

impl ObisCode {
    /// Value group A as a [`Media`].
    #[must_use]
    pub const fn media(self) -> Media {
        Media::from_a(self.a())
    }

    /// Value group B as a [`Channel`].
    #[must_use]
    pub const fn channel(self) -> Channel {
        Channel::from_b(self.b())
    }

    /// Value group C as an electricity [`Quantity`], when the code is an electricity code (A = 1).
    #[must_use]
    pub const fn quantity(self) -> Option<Quantity> {
        match self.media() {
            Media::Electricity => Some(Quantity::from_c(self.c())),
            _ => None,
        }
    }

    /// Value group D as a [`Processing`], for electricity quantities (A = 1, C = 1..=92).
    #[must_use]
    pub const fn processing(self) -> Option<Processing> {
        match self.quantity() {
            Some(q) if q.is_processed() => Some(Processing::from_d(self.d())),
            _ => None,
        }
    }

    /// Value group E as a [`Classification`] (tariff, harmonic, ...), for electricity quantities.
    #[must_use]
    pub fn classification(self) -> Option<Classification> {
        match self.quantity() {
            Some(q) if q.is_processed() => Some(Classification::of(q, self.e())),
            _ => None,
        }
    }

    /// Value group F as a [`BillingPeriod`].
    #[must_use]
    pub const fn billing_period(self) -> BillingPeriod {
        BillingPeriod::from_f(self.f())
    }

    /// Value group C as an [`AbstractFamily`], when the code is an abstract code (A = 0).
    #[must_use]
    pub const fn abstract_family(self) -> Option<AbstractFamily> {
        match self.media() {
            Media::Abstract => Some(AbstractFamily::from_c(self.c())),
            _ => None,
        }
    }

    /// A description of the code in words, built without allocation.
    ///
    /// Named objects of the [registry](crate::registry) are described by their title; electricity
    /// codes are composed from the quantity, its processing, the tariff and the billing period.
    ///
    /// ```
    /// use obis::ObisCode;
    /// let export_t1 = ObisCode::new(1, 0, 2, 8, 1, 255);
    /// assert_eq!(export_t1.describe().to_string(), "Active energy export (\u{2212}A), tariff 1");
    /// let voltage = ObisCode::new(1, 0, 32, 7, 0, 255);
    /// assert_eq!(voltage.describe().to_string(), "Voltage L1, instantaneous value");
    /// ```
    #[must_use]
    pub const fn describe(self) -> Description {
        Description { code: self }
    }
}

/// A code's description; `Display` writes it. See [`ObisCode::describe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Description {
    code: ObisCode,
}

impl Description {
    fn write_electricity(&self, f: &mut fmt::Formatter<'_>, q: Quantity) -> fmt::Result {
        let code = self.code;
        if !q.is_processed() {
            return q.write_name(f, false);
        }
        let processing = Processing::from_d(code.d());
        let energy = processing == Processing::TimeIntegral(1);
        q.write_name(f, energy)?;
        if !energy {
            write!(f, ", {processing}")?;
        }
        match Classification::of(q, code.e()) {
            Classification::Total
                if q.has_harmonics() || processing == Processing::Instantaneous => {}
            Classification::Unspecified(255) => {}
            class => write!(f, ", {class}")?,
        }
        Ok(())
    }
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code;
        let named =
            crate::registry::by_code(code).or_else(|| crate::registry::by_code(code.with_f(255)));
        let title = named.and_then(|o| o.title());
        match (code.media(), title) {
            (Media::Electricity, _) if Quantity::from_c(code.c()).is_processed() => {
                self.write_electricity(f, Quantity::from_c(code.c()))?;
            }
            (_, Some(title)) => f.write_str(title)?,
            (Media::Electricity, None) => {
                write!(
                    f,
                    "{} (D = {}, E = {})",
                    Quantity::from_c(code.c()),
                    code.d(),
                    code.e()
                )?;
            }
            (Media::Abstract, None) => {
                write!(
                    f,
                    "{} (D = {}, E = {})",
                    AbstractFamily::from_c(code.c()),
                    code.d(),
                    code.e()
                )?;
            }
            (media, None) => {
                write!(
                    f,
                    "{media} object C = {}, D = {}, E = {}",
                    code.c(),
                    code.d(),
                    code.e()
                )?;
            }
        }
        // A registry match includes B; F only when it matched exactly.
        if title.is_none() && code.channel() != Channel::Unspecified {
            write!(f, ", {}", code.channel())?;
        }
        let titled_exactly = title.is_some() && named.is_some_and(|o| o.code == code);
        if code.billing_period() != BillingPeriod::Current && !titled_exactly {
            write!(f, ", {}", code.billing_period())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    fn d(a: u8, b: u8, c: u8, dd: u8, e: u8, ff: u8) -> String {
        ObisCode::new(a, b, c, dd, e, ff).describe().to_string()
    }

    #[test]
    fn issue_examples() {
        assert_eq!(
            d(1, 0, 2, 8, 1, 255),
            "Active energy export (\u{2212}A), tariff 1"
        );
        assert_eq!(d(1, 0, 32, 7, 0, 255), "Voltage L1, instantaneous value");
    }

    #[test]
    fn electricity_descriptions() {
        assert_eq!(d(1, 0, 1, 8, 0, 255), "Active energy import (+A), total");
        assert_eq!(
            d(1, 0, 1, 8, 0, 3),
            "Active energy import (+A), total, billing period 3"
        );
        assert_eq!(
            d(1, 0, 1, 8, 2, 126),
            "Active energy import (+A), tariff 2, most recent billing periods"
        );
        assert_eq!(
            d(1, 0, 21, 7, 0, 255),
            "Active power import L1 (+P), instantaneous value"
        );
        assert_eq!(
            d(1, 0, 1, 6, 0, 255),
            "Active power import (+P), maximum 1, total"
        );
        assert_eq!(
            d(1, 0, 2, 9, 0, 255),
            "Active power export (\u{2212}P), time integral 2, total"
        );
        assert_eq!(
            d(1, 0, 12, 7, 0, 255),
            "Voltage, any phase, instantaneous value"
        );
        assert_eq!(
            d(1, 0, 32, 7, 3, 255),
            "Voltage L1, instantaneous value, harmonic 3"
        );
        assert_eq!(
            d(1, 0, 31, 7, 124, 255),
            "Current L1, instantaneous value, total harmonic distortion (THD)"
        );
        assert_eq!(
            d(1, 0, 32, 32, 0, 255),
            "Voltage L1, under-limit occurrence counter"
        );
        assert_eq!(
            d(1, 0, 16, 8, 0, 255),
            "Active energy net |+A|\u{2212}|\u{2212}A|, total"
        );
        assert_eq!(
            d(1, 0, 81, 7, 40, 255),
            "Phase angle, instantaneous value, U(L1) \u{2212} I(L1)"
        );
        assert_eq!(
            d(1, 0, 83, 8, 4, 255),
            "Transformer and line losses, active transformer losses +"
        );
        assert_eq!(
            d(1, 0, 83, 7, 33, 255),
            "Transformer and line losses, instantaneous value, L1 active line losses"
        );
        assert_eq!(
            d(1, 0, 91, 7, 0, 255),
            "Neutral current (L0), instantaneous value"
        );
        assert_eq!(
            d(1, 0, 99, 3, 0, 255),
            "Electricity-related data profile (D = 3, E = 0)"
        );
        assert_eq!(
            d(1, 0, 150, 8, 0, 255),
            "Manufacturer-specific quantity C = 150 (D = 8, E = 0)"
        );
        assert_eq!(
            d(1, 2, 1, 8, 0, 255),
            "Active energy import (+A), total, channel 2"
        );
        assert_eq!(
            d(1, 0, 1, 8, 200, 255),
            "Active energy import (+A), manufacturer-specific E = 200"
        );
    }

    #[test]
    fn abstract_and_other_media() {
        assert_eq!(d(0, 0, 13, 0, 5, 255), "Activity calendar (D = 0, E = 5)");
        assert_eq!(
            d(0, 0, 200, 1, 2, 255),
            "Abstract object C = 200 (D = 1, E = 2)"
        );
        assert_eq!(d(7, 0, 3, 0, 0, 255), "Gas object C = 3, D = 0, E = 0");
    }

    #[test]
    fn typed_groups() {
        let code = ObisCode::new(1, 0, 52, 7, 0, 255);
        assert_eq!(code.media(), Media::Electricity);
        assert_eq!(code.channel(), Channel::Unspecified);
        assert_eq!(
            code.quantity(),
            Some(Quantity::Measured(Measurand::Voltage, Phase::L2))
        );
        assert_eq!(code.processing(), Some(Processing::Instantaneous));
        assert_eq!(code.classification(), Some(Classification::Total));
        assert_eq!(code.billing_period(), BillingPeriod::Current);
        assert_eq!(code.abstract_family(), None);
        assert_eq!(
            ObisCode::new(0, 0, 1, 0, 0, 255).abstract_family(),
            Some(AbstractFamily::Clock)
        );
        assert_eq!(ObisCode::new(0, 0, 1, 0, 0, 255).quantity(), None);
    }

    #[test]
    fn every_c_d_e_f_value_has_a_meaning() {
        for v in 0..=255u8 {
            let _ = Quantity::from_c(v).to_string();
            let _ = Processing::from_d(v).to_string();
            let _ = BillingPeriod::from_f(v).to_string();
            let _ = Media::from_a(v).to_string();
            let _ = Channel::from_b(v).to_string();
            let _ = AbstractFamily::from_c(v).to_string();
            for q in [1u8, 31, 81, 83] {
                let _ = Classification::of(Quantity::from_c(q), v).to_string();
            }
        }
        // Every electricity C from 1 to 80 is a measurand with a phase, in the order of the table.
        assert_eq!(
            Quantity::from_c(1),
            Quantity::Measured(Measurand::ActiveImport, Phase::All)
        );
        assert_eq!(
            Quantity::from_c(20),
            Quantity::Measured(Measurand::ActiveQ4, Phase::All)
        );
        assert_eq!(
            Quantity::from_c(41),
            Quantity::Measured(Measurand::ActiveImport, Phase::L2)
        );
        assert_eq!(
            Quantity::from_c(80),
            Quantity::Measured(Measurand::ActiveQ4, Phase::L3)
        );
        assert_eq!(Quantity::from_c(93), Quantity::Reserved(93));
        assert_eq!(Processing::from_d(17), Processing::TimeIntegral(7));
        assert_eq!(Processing::from_d(58), Processing::TimeIntegral(4));
        assert_eq!(BillingPeriod::from_f(101), BillingPeriod::Last(1));
    }
}
