//! The token data of every class and subclass (IEC 62055-41 6.2, 6.3): the owned representation
//! [`TokenRepr`], parsed from and emitted into a [`DataBlock`].
//!
//! | class/sub | token | payload (bits 59..16 of the block) |
//! |---|---|---|
//! | 0/0–3 | TransferCredit electricity, water, gas, time | RND(4) TID(24) amount(16) |
//! | 0/4–7 | TransferCurrency electricity, water, gas, time | S&E(4) TID(24) amount low 16 bits; CRC_C |
//! | 1/0 | InitiateMeterTest/Display, 2-digit manufacturer code | control(36) manufacturer(8) |
//! | 1/1 | InitiateMeterTest/Display, 4-digit manufacturer code | control(28) manufacturer(16) |
//! | 2/0 | SetMaximumPowerLimit (W) | RND TID amount(16) |
//! | 2/1 | ClearCredit | RND TID register(16) |
//! | 2/2 | SetTariffRate | RND TID rate(16) |
//! | 2/3 | Set1stSectionDecoderKey | KENHO(4) KRN(4) RO(1) RES(1) KT(2) NKHO(32) |
//! | 2/4 | Set2ndSectionDecoderKey | KENLO(4) TI(8) NKLO(32) |
//! | 2/5 | ClearTamperCondition | RND TID pad(16) |
//! | 2/6 | SetMaximumPhasePowerUnbalanceLimit (W) | RND TID amount(16) |
//! | 2/7 | SetWaterMeterFactor | RND TID factor(16) |
//! | 2/8 | Set3rdSectionDecoderKey | SGC part(12) key part(32) |
//! | 2/9 | Set4thSectionDecoderKey | SGC high 12 bits(12) key bytes 8..11(32) |
//! | others | reserved, proprietary and STS 202-5 extended tokens | raw 44 bits ([`TokenRepr::Other`]) |

use crate::amount::{CurrencyAmount, TransferAmount};
use crate::block::{DataBlock, PAYLOAD_MASK};
use crate::codec::TokenClass;
use crate::crc::{CrcKind, crc16};
use crate::error::{Error, Result};
use crate::tid::Tid;

/// What a class 0 token credits (its subclass modulo 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Utility {
    /// Electricity: 0.1 kWh (units), or currency for electricity.
    Electricity = 0,
    /// Water: 0.1 m³ (kL), or currency for water.
    Water = 1,
    /// Gas: 0.1 m³, or currency for gas.
    Gas = 2,
    /// Time: 0.1 min, or currency for time.
    Time = 3,
}

impl Utility {
    /// The utility of the low two bits of `bits`.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Self::Electricity,
            1 => Self::Water,
            2 => Self::Gas,
            _ => Self::Time,
        }
    }

    /// Lower-case name (`electricity`, `water`, `gas`, `time`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Electricity => "electricity",
            Self::Water => "water",
            Self::Gas => "gas",
            Self::Time => "time",
        }
    }

    /// The unit of one transfer-amount step times ten (`kWh`, `kL`, `m3`, `min`).
    #[must_use]
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Electricity => "kWh",
            Self::Water => "kL",
            Self::Gas => "m3",
            Self::Time => "min",
        }
    }
}

/// The decoder key type (KT, 2 bits; IEC 62055-41 6.5.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyType {
    /// 0: decoder initialisation transfer key (DITK).
    Ditk = 0,
    /// 1: decoder default transfer key (DDTK); the meter refuses credit tokens under it.
    Ddtk = 1,
    /// 2: decoder unique transfer key (DUTK), the normal per-meter key.
    Dutk = 2,
    /// 3: decoder common transfer key (DCTK), shared by a group of meters.
    Dctk = 3,
}

impl KeyType {
    /// The key type of the low two bits of `bits`.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Self::Ditk,
            1 => Self::Ddtk,
            2 => Self::Dutk,
            _ => Self::Dctk,
        }
    }

    /// The key type `value`, if it is 0–3.
    #[must_use]
    pub const fn new(value: u8) -> Option<Self> {
        if value > 3 {
            None
        } else {
            Some(Self::from_bits(value))
        }
    }

    /// The 2-bit value.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// The register a ClearCredit token (2/1) clears: an open code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Register(pub u16);

impl Register {
    /// Electricity units.
    pub const ELECTRICITY: Self = Self(0);
    /// Water units.
    pub const WATER: Self = Self(1);
    /// Gas units.
    pub const GAS: Self = Self(2);
    /// Time units.
    pub const TIME: Self = Self(3);
    /// Electricity currency.
    pub const CURRENCY_ELECTRICITY: Self = Self(4);
    /// Water currency.
    pub const CURRENCY_WATER: Self = Self(5);
    /// Gas currency.
    pub const CURRENCY_GAS: Self = Self(6);
    /// Time currency.
    pub const CURRENCY_TIME: Self = Self(7);
    /// All credit registers.
    pub const ALL: Self = Self(0xFFFF);

    /// `"all"`, the register's name, or `None` for an undefined value.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "electricity",
            1 => "water",
            2 => "gas",
            3 => "time",
            4 => "currency electricity",
            5 => "currency water",
            6 => "currency gas",
            7 => "currency time",
            0xFFFF => "all",
            _ => return None,
        })
    }
}

/// The data of a token: one variant per class/subclass layout (IEC 62055-41 6.2, 6.3).
///
/// Fields narrower than their Rust type are checked when the token is emitted
/// ([`Error::FieldRange`]). [`TokenRepr::parse`] never yields [`TokenRepr::Other`] for a
/// class/subclass that has its own variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenRepr {
    /// 0/0–3: credit in tenths of a unit (0.1 kWh, 0.1 m³, 0.1 min).
    TransferCredit {
        /// What is credited (the subclass).
        utility: Utility,
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// The amount.
        amount: TransferAmount,
    },
    /// 0/4–7: currency credit in 10^-5 currency units, with CRC_C.
    TransferCurrency {
        /// What the currency buys (subclass − 4).
        utility: Utility,
        /// Token identifier.
        tid: Tid,
        /// The 20-bit signed amount; its top 4 bits occupy the RND position.
        amount: CurrencyAmount,
    },
    /// 1/0: initiate meter test/display, 2-digit manufacturer code.
    InitiateMeterTest1 {
        /// 36-bit control field: bit n selects test/display n.
        control: u64,
        /// Manufacturer code (0 in the compliance vectors).
        manufacturer_code: u8,
    },
    /// 1/1: initiate meter test/display, 4-digit manufacturer code.
    InitiateMeterTest2 {
        /// 28-bit control field.
        control: u32,
        /// Manufacturer code.
        manufacturer_code: u16,
    },
    /// 2/0: set the maximum power limit (W, transfer-amount encoding).
    SetMaximumPowerLimit {
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// The limit in W.
        limit: TransferAmount,
    },
    /// 2/1: clear a credit register.
    ClearCredit {
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// The register.
        register: Register,
    },
    /// 2/2: set the tariff rate (raw 16-bit value).
    SetTariffRate {
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// The rate.
        rate: u16,
    },
    /// 2/3: first section of a key change.
    Set1stSectionDecoderKey {
        /// High nibble of the new key expiry number.
        kenho: u8,
        /// New key revision number (4 bits).
        krn: u8,
        /// Rollover: clear the TID memory when the new key is installed.
        ro: bool,
        /// Set in the first token of a 3-token (EA07 + SGC) set.
        res: bool,
        /// New key type.
        kt: KeyType,
        /// Key bytes 0..3 (big-endian).
        nkho: u32,
    },
    /// 2/4: second section of a key change.
    Set2ndSectionDecoderKey {
        /// Low nibble of the new key expiry number.
        kenlo: u8,
        /// New tariff index (binary).
        ti: u8,
        /// The last four key bytes (8-byte key: bytes 4..7; 16-byte key: bytes 12..15).
        nklo: u32,
    },
    /// 2/5: clear the tamper condition.
    ClearTamperCondition {
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// Padding, 0.
        pad: u16,
    },
    /// 2/6: set the maximum phase power unbalance limit (W).
    SetMaximumPhasePowerUnbalanceLimit {
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// The limit in W.
        limit: TransferAmount,
    },
    /// 2/7: set the water meter factor (raw 16-bit value).
    SetWaterMeterFactor {
        /// 4-bit random number.
        rnd: u8,
        /// Token identifier.
        tid: Tid,
        /// The factor.
        factor: u16,
    },
    /// 2/8: third section of a key change. Two forms share this layout: with a 16-byte key
    /// (EA11) `sgc_part` is the SGC's low 12 bits and `key_part` key bytes 4..7; in a 3-token EA07
    /// set bits 59..36 are the whole 24-bit SGC and bits 35..16 are zero
    /// ([`TokenRepr::third_section_sgc`], [`TokenRepr::sgc_section`]).
    Set3rdSectionDecoderKey {
        /// Bits 59..48 (12 bits).
        sgc_part: u16,
        /// Bits 47..16.
        key_part: u32,
    },
    /// 2/9: fourth section of a 16-byte key change.
    Set4thSectionDecoderKey {
        /// High 12 bits of the supply group code.
        sgc_high12: u16,
        /// Key bytes 8..11.
        nk_bytes_8_11: u32,
    },
    /// Any other class/subclass, as its raw 44-bit payload: class 0/8–15 and class 1/3–15
    /// (reserved or proprietary), class 1/2 and 2/10 (STS 202-5 extended tokens), 2/11–15,
    /// class 3.
    Other {
        /// The class.
        class: TokenClass,
        /// The 4-bit subclass.
        subclass: u8,
        /// The 44-bit payload.
        payload: u64,
    },
}

const fn rnd_tid_field(rnd: u8, tid: Tid, field: u16) -> u64 {
    ((rnd as u64 & 0xF) << 40) | ((tid.value() as u64) << 16) | field as u64
}

fn check(field: &'static str, value: u64, bits: u32) -> Result<()> {
    if value >> bits == 0 {
        Ok(())
    } else {
        Err(Error::FieldRange {
            field,
            value: i128::from(value),
        })
    }
}

impl TokenRepr {
    /// The length of the data block [`TokenRepr::emit`] writes.
    pub const BUFFER_LEN: usize = crate::block::BLOCK_LEN;

    /// A 3-token EA07 key change's third section: the 24-bit supply group code in bits 59..36.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when `sgc` has more than 24 bits.
    pub fn sgc_section(sgc: u32) -> Result<Self> {
        check("sgc", u64::from(sgc), 24)?;
        Ok(Self::Set3rdSectionDecoderKey {
            sgc_part: (sgc >> 12) as u16,
            key_part: (sgc & 0xFFF) << 20,
        })
    }

    /// The supply group code of a 3-token EA07 third section (bits 35..16 zero), if this is one.
    #[must_use]
    pub const fn third_section_sgc(&self) -> Option<u32> {
        match *self {
            Self::Set3rdSectionDecoderKey { sgc_part, key_part } if key_part & 0xF_FFFF == 0 => {
                Some(((sgc_part as u32) << 12) | (key_part >> 20))
            }
            _ => None,
        }
    }

    /// The token class.
    #[must_use]
    pub const fn class(&self) -> TokenClass {
        match self {
            Self::TransferCredit { .. } | Self::TransferCurrency { .. } => {
                TokenClass::TransferCredit
            }
            Self::InitiateMeterTest1 { .. } | Self::InitiateMeterTest2 { .. } => {
                TokenClass::NonMeterSpecific
            }
            Self::Other { class, .. } => *class,
            _ => TokenClass::MeterSpecific,
        }
    }

    /// The 4-bit subclass.
    #[must_use]
    pub const fn subclass(&self) -> u8 {
        match self {
            Self::TransferCredit { utility, .. } => *utility as u8,
            Self::TransferCurrency { utility, .. } => 4 + *utility as u8,
            Self::InitiateMeterTest1 { .. } | Self::SetMaximumPowerLimit { .. } => 0,
            Self::InitiateMeterTest2 { .. } | Self::ClearCredit { .. } => 1,
            Self::SetTariffRate { .. } => 2,
            Self::Set1stSectionDecoderKey { .. } => 3,
            Self::Set2ndSectionDecoderKey { .. } => 4,
            Self::ClearTamperCondition { .. } => 5,
            Self::SetMaximumPhasePowerUnbalanceLimit { .. } => 6,
            Self::SetWaterMeterFactor { .. } => 7,
            Self::Set3rdSectionDecoderKey { .. } => 8,
            Self::Set4thSectionDecoderKey { .. } => 9,
            Self::Other { subclass, .. } => *subclass & 0xF,
        }
    }

    /// Which CRC the token carries.
    #[must_use]
    pub const fn crc_kind(&self) -> CrcKind {
        CrcKind::for_token(self.class().bits(), self.subclass())
    }

    /// The token identifier, for the tokens that carry one in their own variant.
    #[must_use]
    pub const fn tid(&self) -> Option<Tid> {
        match *self {
            Self::TransferCredit { tid, .. }
            | Self::TransferCurrency { tid, .. }
            | Self::SetMaximumPowerLimit { tid, .. }
            | Self::ClearCredit { tid, .. }
            | Self::SetTariffRate { tid, .. }
            | Self::ClearTamperCondition { tid, .. }
            | Self::SetMaximumPhasePowerUnbalanceLimit { tid, .. }
            | Self::SetWaterMeterFactor { tid, .. } => Some(tid),
            _ => None,
        }
    }

    /// A short name, as in the shared vector file (`"TransferCredit electricity"`, ...).
    #[must_use]
    pub const fn token_type(&self) -> &'static str {
        match self {
            Self::TransferCredit { utility, .. } => match utility {
                Utility::Electricity => "TransferCredit electricity",
                Utility::Water => "TransferCredit water",
                Utility::Gas => "TransferCredit gas",
                Utility::Time => "TransferCredit time",
            },
            Self::TransferCurrency { utility, .. } => match utility {
                Utility::Electricity => "TransferCurrency electricity",
                Utility::Water => "TransferCurrency water",
                Utility::Gas => "TransferCurrency gas",
                Utility::Time => "TransferCurrency time",
            },
            Self::InitiateMeterTest1 { .. } => "InitiateMeterTest/Display 1",
            Self::InitiateMeterTest2 { .. } => "InitiateMeterTest/Display 2",
            Self::SetMaximumPowerLimit { .. } => "SetMaximumPowerLimit",
            Self::ClearCredit { .. } => "ClearCredit",
            Self::SetTariffRate { .. } => "SetTariffRate",
            Self::Set1stSectionDecoderKey { .. } => "Set1stSectionDecoderKey",
            Self::Set2ndSectionDecoderKey { .. } => "Set2ndSectionDecoderKey",
            Self::ClearTamperCondition { .. } => "ClearTamperCondition",
            Self::SetMaximumPhasePowerUnbalanceLimit { .. } => "SetMaximumPhasePowerUnbalanceLimit",
            Self::SetWaterMeterFactor { .. } => "SetWaterMeterFactor",
            Self::Set3rdSectionDecoderKey { .. } => "Set3rdSectionDecoderKey",
            Self::Set4thSectionDecoderKey { .. } => "Set4thSectionDecoderKey",
            Self::Other {
                class, subclass, ..
            } => match (*class, *subclass) {
                (TokenClass::NonMeterSpecific, 2) => "ExtendedTokenRead",
                (TokenClass::MeterSpecific, 10) => "ExtendedTokenSet",
                (TokenClass::Reserved, _) => "Reserved class 3",
                _ => "Reserved/proprietary",
            },
        }
    }

    /// The token of class `class`, subclass `subclass` (low 4 bits) and 44-bit `payload` (low
    /// 44 bits); every bit pattern maps to a token.
    #[must_use]
    pub const fn from_parts(class: TokenClass, subclass: u8, payload: u64) -> Self {
        let p = payload & PAYLOAD_MASK;
        let subclass = subclass & 0xF;
        let rnd = (p >> 40) as u8;
        let tid = Tid::from_bits((p >> 16) as u32);
        let field = p as u16;
        let word = p as u32;
        let high12 = ((p >> 32) & 0xFFF) as u16;
        match (class, subclass) {
            (TokenClass::TransferCredit, 0..=3) => Self::TransferCredit {
                utility: Utility::from_bits(subclass),
                rnd,
                tid,
                amount: TransferAmount::from_field(field),
            },
            (TokenClass::TransferCredit, 4..=7) => Self::TransferCurrency {
                utility: Utility::from_bits(subclass),
                tid,
                amount: CurrencyAmount::from_bits(((rnd as u32) << 16) | field as u32),
            },
            (TokenClass::NonMeterSpecific, 0) => Self::InitiateMeterTest1 {
                control: p >> 8,
                manufacturer_code: p as u8,
            },
            (TokenClass::NonMeterSpecific, 1) => Self::InitiateMeterTest2 {
                control: (p >> 16) as u32,
                manufacturer_code: field,
            },
            (TokenClass::MeterSpecific, 0) => Self::SetMaximumPowerLimit {
                rnd,
                tid,
                limit: TransferAmount::from_field(field),
            },
            (TokenClass::MeterSpecific, 1) => Self::ClearCredit {
                rnd,
                tid,
                register: Register(field),
            },
            (TokenClass::MeterSpecific, 2) => Self::SetTariffRate {
                rnd,
                tid,
                rate: field,
            },
            (TokenClass::MeterSpecific, 3) => Self::Set1stSectionDecoderKey {
                kenho: rnd,
                krn: ((p >> 36) & 0xF) as u8,
                ro: (p >> 35) & 1 == 1,
                res: (p >> 34) & 1 == 1,
                kt: KeyType::from_bits((p >> 32) as u8),
                nkho: word,
            },
            (TokenClass::MeterSpecific, 4) => Self::Set2ndSectionDecoderKey {
                kenlo: rnd,
                ti: (p >> 32) as u8,
                nklo: word,
            },
            (TokenClass::MeterSpecific, 5) => Self::ClearTamperCondition {
                rnd,
                tid,
                pad: field,
            },
            (TokenClass::MeterSpecific, 6) => Self::SetMaximumPhasePowerUnbalanceLimit {
                rnd,
                tid,
                limit: TransferAmount::from_field(field),
            },
            (TokenClass::MeterSpecific, 7) => Self::SetWaterMeterFactor {
                rnd,
                tid,
                factor: field,
            },
            (TokenClass::MeterSpecific, 8) => Self::Set3rdSectionDecoderKey {
                sgc_part: high12,
                key_part: word,
            },
            (TokenClass::MeterSpecific, 9) => Self::Set4thSectionDecoderKey {
                sgc_high12: high12,
                nk_bytes_8_11: word,
            },
            _ => Self::Other {
                class,
                subclass,
                payload: p,
            },
        }
    }

    /// The 44-bit payload.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when a field holds more bits than its place in the block.
    pub fn payload(&self) -> Result<u64> {
        Ok(match *self {
            Self::TransferCredit {
                rnd, tid, amount, ..
            } => {
                check("rnd", rnd.into(), 4)?;
                rnd_tid_field(rnd, tid, amount.field())
            }
            Self::TransferCurrency { tid, amount, .. } => {
                let a = amount.field();
                rnd_tid_field((a >> 16) as u8, tid, a as u16)
            }
            Self::InitiateMeterTest1 {
                control,
                manufacturer_code,
            } => {
                check("control", control, 36)?;
                (control << 8) | u64::from(manufacturer_code)
            }
            Self::InitiateMeterTest2 {
                control,
                manufacturer_code,
            } => {
                check("control", control.into(), 28)?;
                (u64::from(control) << 16) | u64::from(manufacturer_code)
            }
            Self::SetMaximumPowerLimit {
                rnd,
                tid,
                limit: amount,
            }
            | Self::SetMaximumPhasePowerUnbalanceLimit {
                rnd,
                tid,
                limit: amount,
            } => {
                check("rnd", rnd.into(), 4)?;
                rnd_tid_field(rnd, tid, amount.field())
            }
            Self::ClearCredit { rnd, tid, register } => {
                check("rnd", rnd.into(), 4)?;
                rnd_tid_field(rnd, tid, register.0)
            }
            Self::SetTariffRate {
                rnd,
                tid,
                rate: field,
            }
            | Self::ClearTamperCondition {
                rnd,
                tid,
                pad: field,
            }
            | Self::SetWaterMeterFactor {
                rnd,
                tid,
                factor: field,
            } => {
                check("rnd", rnd.into(), 4)?;
                rnd_tid_field(rnd, tid, field)
            }
            Self::Set1stSectionDecoderKey {
                kenho,
                krn,
                ro,
                res,
                kt,
                nkho,
            } => {
                check("kenho", kenho.into(), 4)?;
                check("krn", krn.into(), 4)?;
                (u64::from(kenho) << 40)
                    | (u64::from(krn) << 36)
                    | (u64::from(ro) << 35)
                    | (u64::from(res) << 34)
                    | (u64::from(kt.bits()) << 32)
                    | u64::from(nkho)
            }
            Self::Set2ndSectionDecoderKey { kenlo, ti, nklo } => {
                check("kenlo", kenlo.into(), 4)?;
                (u64::from(kenlo) << 40) | (u64::from(ti) << 32) | u64::from(nklo)
            }
            Self::Set3rdSectionDecoderKey {
                sgc_part: high,
                key_part: word,
            }
            | Self::Set4thSectionDecoderKey {
                sgc_high12: high,
                nk_bytes_8_11: word,
            } => {
                check("sgc", high.into(), 12)?;
                (u64::from(high) << 32) | u64::from(word)
            }
            Self::Other {
                subclass, payload, ..
            } => {
                check("subclass", subclass.into(), 4)?;
                check("payload", payload, 44)?;
                payload
            }
        })
    }

    /// The 50 bits the CRC covers: class, subclass, payload.
    fn crc_input(class: TokenClass, subclass: u8, payload: u64) -> u64 {
        (u64::from(class.bits()) << 48) | (u64::from(subclass & 0xF) << 44) | payload
    }

    /// The plaintext data block (subclass, payload, CRC).
    ///
    /// # Errors
    /// [`Error::FieldRange`] when a field is too wide.
    pub fn to_block(&self) -> Result<u64> {
        let payload = self.payload()?;
        let subclass = self.subclass();
        let crc = crc16(
            Self::crc_input(self.class(), subclass, payload),
            self.crc_kind(),
        );
        Ok((u64::from(subclass) << 60) | (payload << 16) | u64::from(crc))
    }

    /// The token of class `class` in the plaintext data block `block`, after checking its CRC.
    ///
    /// # Errors
    /// [`Error::BadCrc`] when the CRC does not match.
    pub fn from_block(class: TokenClass, block: u64) -> Result<Self> {
        let subclass = (block >> 60) as u8;
        let payload = (block >> 16) & PAYLOAD_MASK;
        let found = block as u16;
        let expected = crc16(
            Self::crc_input(class, subclass, payload),
            CrcKind::for_token(class.bits(), subclass),
        );
        if expected != found {
            return Err(Error::BadCrc { expected, found });
        }
        Ok(Self::from_parts(class, subclass, payload))
    }

    /// Parses the plaintext data block of a token of class `class` (IEC 62055-41 6.1).
    ///
    /// # Errors
    /// [`Error::Truncated`] for a short buffer, [`Error::BadCrc`] when the CRC does not match.
    pub fn parse<T: AsRef<[u8]>>(class: TokenClass, block: &DataBlock<T>) -> Result<Self> {
        block.check_len()?;
        Self::from_block(class, block.word())
    }

    /// The number of bytes [`TokenRepr::emit`] writes.
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        Self::BUFFER_LEN
    }

    /// Writes the plaintext data block, CRC included.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when a field is too wide, [`Error::BufferTooSmall`] for a buffer
    /// shorter than [`TokenRepr::buffer_len`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, block: &mut DataBlock<T>) -> Result<()> {
        let word = self.to_block()?;
        if let Err(Error::Truncated { needed, .. }) = block.check_len() {
            return Err(Error::BufferTooSmall {
                needed: Self::BUFFER_LEN,
                available: Self::BUFFER_LEN - needed,
            });
        }
        block.set_word(word);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any token representation with in-range fields.
    pub(crate) fn any_repr() -> impl Strategy<Value = TokenRepr> {
        (0u8..4, 0u8..16, 0u64..(1 << 44)).prop_map(|(class, subclass, payload)| {
            TokenRepr::from_parts(TokenClass::from_bits(class), subclass, payload)
        })
    }

    // STS 531-1-0-02 CTSA05 step 1 (NectarAPI/tokens-service
    // STSComplianceTests_STS_531_1_0_02_CTSA05.java:98): the plaintext of a first-section key
    // change token: KENHO 15, KRN 1, RO 0, RES 0, KT 2, NKHO 060b8643, CRC d717.
    const KCT1: [u8; 8] = [0x3f, 0x12, 0x06, 0x0b, 0x86, 0x43, 0xd7, 0x17];

    #[test]
    fn parse() {
        let block = DataBlock::new_checked(&KCT1[..]).unwrap();
        assert_eq!(
            TokenRepr::parse(TokenClass::MeterSpecific, &block),
            Ok(TokenRepr::Set1stSectionDecoderKey {
                kenho: 15,
                krn: 1,
                ro: false,
                res: false,
                kt: KeyType::Dutk,
                nkho: 0x060b_8643,
            })
        );
        // The same bytes under another class fail the CRC: the class is covered.
        assert!(matches!(
            TokenRepr::parse(TokenClass::TransferCredit, &block),
            Err(Error::BadCrc { found: 0xd717, .. })
        ));
    }

    #[test]
    fn emit() {
        let repr = TokenRepr::Set1stSectionDecoderKey {
            kenho: 15,
            krn: 1,
            ro: false,
            res: false,
            kt: KeyType::Dutk,
            nkho: 0x060b_8643,
        };
        let mut buf = [0xA5u8; 8];
        repr.emit(&mut DataBlock::new_unchecked(&mut buf[..]))
            .unwrap();
        assert_eq!(buf, KCT1);
        let mut short = [0u8; 7];
        assert_eq!(
            repr.emit(&mut DataBlock::new_unchecked(&mut short[..])),
            Err(Error::BufferTooSmall {
                needed: 8,
                available: 7
            })
        );
    }

    #[test]
    fn currency_uses_crc_c() {
        // The STSA "Cryptography" page CRC_C example: 50 bits 00 00 4A 2D 90 0F F2 (class 0,
        // subclass 0) → 7BC4. Here with subclass 4 the CRC_C of the same construction applies.
        let repr = TokenRepr::TransferCurrency {
            utility: Utility::Electricity,
            tid: Tid::new(0x12_3456).unwrap(),
            amount: CurrencyAmount::from_value(100_000).unwrap(),
        };
        let block = repr.to_block().unwrap();
        let v50 = (4u64 << 44) | ((block >> 16) & PAYLOAD_MASK);
        assert_eq!(block as u16, crc16(v50, CrcKind::CrcC));
        assert_eq!((block >> 56) & 0xF, 0x0); // S&E: positive, exponent 1 → top nibble 0
        assert_eq!((block >> 16) & 0xFFFF, 0x60AA);
        assert_eq!(
            TokenRepr::from_block(TokenClass::TransferCredit, block),
            Ok(repr)
        );
    }

    #[test]
    fn field_ranges() {
        let tid = Tid::new(1).unwrap();
        let bad = [
            TokenRepr::TransferCredit {
                utility: Utility::Gas,
                rnd: 16,
                tid,
                amount: TransferAmount::from_field(1),
            },
            TokenRepr::InitiateMeterTest1 {
                control: 1 << 36,
                manufacturer_code: 0,
            },
            TokenRepr::InitiateMeterTest2 {
                control: 1 << 28,
                manufacturer_code: 0,
            },
            TokenRepr::Set1stSectionDecoderKey {
                kenho: 0,
                krn: 16,
                ro: false,
                res: false,
                kt: KeyType::Ditk,
                nkho: 0,
            },
            TokenRepr::Set2ndSectionDecoderKey {
                kenlo: 16,
                ti: 0,
                nklo: 0,
            },
            TokenRepr::Set4thSectionDecoderKey {
                sgc_high12: 0x1000,
                nk_bytes_8_11: 0,
            },
            TokenRepr::Other {
                class: TokenClass::Reserved,
                subclass: 0,
                payload: 1 << 44,
            },
        ];
        for repr in bad {
            assert!(
                matches!(repr.to_block(), Err(Error::FieldRange { .. })),
                "{repr:?}"
            );
        }
        assert!(TokenRepr::sgc_section(1 << 24).is_err());
    }

    #[test]
    fn three_kct_sgc() {
        // STS 531-1-07 CTSA05 step 4 layout (STSCompliancePOS transcription; 2/8 EA07 3-KCT
        // variant).
        let t = TokenRepr::sgc_section(123_457).unwrap();
        assert_eq!(t.third_section_sgc(), Some(123_457));
        assert_eq!(t.payload().unwrap(), 123_457 << 20);
        let ea11 = TokenRepr::Set3rdSectionDecoderKey {
            sgc_part: 0x241,
            key_part: 0x72ef_892e,
        };
        assert_eq!(ea11.third_section_sgc(), None);
    }

    proptest! {
        #[test]
        fn block_round_trip(repr in any_repr()) {
            let block = repr.to_block().unwrap();
            prop_assert_eq!(TokenRepr::from_block(repr.class(), block), Ok(repr));
            let mut buf = [0xA5u8; 8];
            repr.emit(&mut DataBlock::new_unchecked(&mut buf[..])).unwrap();
            prop_assert_eq!(TokenRepr::parse(repr.class(), &DataBlock::new_checked(&buf[..]).unwrap()), Ok(repr));
            prop_assert_eq!(TokenRepr::from_parts(repr.class(), repr.subclass(), repr.payload().unwrap()), repr);
        }

        #[test]
        fn arbitrary_blocks_never_panic(class in 0u8..4, block in any::<u64>()) {
            if let Ok(repr) = TokenRepr::from_block(TokenClass::from_bits(class), block) {
                prop_assert_eq!(repr.to_block(), Ok(block));
            }
        }
    }
}
