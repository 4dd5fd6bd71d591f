//! Amount encodings, in exact integer arithmetic.
//!
//! * [`TransferAmount`]: the 16-bit field `e(2) ‖ m(14)` of class 0 subclasses 0–3 (in tenths of
//!   the base unit: 0.1 kWh, 0.1 m³, 0.1 min) and of the power limits of class 2 subclasses 0 and
//!   6 (in W). Value `m·10^e + Σ_{n=1..e} 2^14·10^(n−1)` (IEC 62055-41 6.3.5.2).
//! * [`CurrencyAmount`]: the 20-bit field `s(1) ‖ e(5) ‖ m(14)` of currency transfers (class 0,
//!   subclasses 4–7), in units of 10^-5 of the currency; same formula, with a sign (STS 202-1 5.6.1,
//!   IEC 62055-41 6.3.6.3).
//!
//! Encoding rounds **up** to the next representable value (in the customer's favour); negative
//! currency amounts round their magnitude **down**. When rounding up overflows the mantissa, the
//! value moves to the next exponent with mantissa 0 (180223 → `0x8000`, which decodes as 180224).

use crate::error::{Error, Result};

const MANTISSA_MAX: u128 = (1 << 14) - 1;

/// `Σ_{n=1..e} 2^14·10^(n−1)`, the offset of exponent `e`.
const fn offset(e: u32) -> u128 {
    16384 * (10u128.pow(e) - 1) / 9
}

/// Encodes a magnitude with exponents `0..=max_exp`: `(e, m)` or `None` when it is too large.
/// `round_up` selects the ceiling (positive amounts) or the floor (negative amounts).
fn encode_magnitude(value: u128, max_exp: u32, round_up: bool) -> Option<(u32, u128)> {
    let mut e = 0;
    while e <= max_exp {
        let base = offset(e);
        let scale = 10u128.pow(e);
        let m = if value <= base {
            0
        } else if round_up {
            (value - base).div_ceil(scale)
        } else {
            (value - base) / scale
        };
        if m <= MANTISSA_MAX {
            return Some((e, m));
        }
        e += 1;
    }
    None
}

/// The 16-bit transfer amount field (IEC 62055-41 6.3.5.2).
///
/// ```
/// use sts::TransferAmount;
/// // 25.6 kWh = 256 tenths.
/// assert_eq!(TransferAmount::from_value(256)?.field(), 0x0100);
/// // 18022.3 kWh is not on the grid: it rounds up and carries into the next exponent.
/// let a = TransferAmount::from_value(180_223)?;
/// assert_eq!((a.field(), a.value()), (0x8000, 180_224));
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransferAmount(u16);

impl TransferAmount {
    /// The largest value the field can carry: 18201624 (1820162.4 kWh, or W for power limits).
    pub const MAX_VALUE: u32 = 18_201_624;

    /// The amount whose field is `field` (every 16-bit value is valid).
    #[must_use]
    pub const fn from_field(field: u16) -> Self {
        Self(field)
    }

    /// The smallest encodable amount not below `value` (tenths of a unit, or W).
    ///
    /// # Errors
    /// [`Error::FieldRange`] when `value` exceeds [`TransferAmount::MAX_VALUE`].
    pub fn from_value(value: u32) -> Result<Self> {
        match encode_magnitude(u128::from(value), 3, true) {
            // e ≤ 3 and m ≤ 0x3FFF, so the field fits 16 bits.
            Some((e, m)) => Ok(Self(((e << 14) as u16) | m as u16)),
            None => Err(Error::FieldRange {
                field: "transfer amount",
                value: i128::from(value),
            }),
        }
    }

    /// The 16-bit field.
    #[must_use]
    pub const fn field(self) -> u16 {
        self.0
    }

    /// The exponent (0–3).
    #[must_use]
    pub const fn exponent(self) -> u8 {
        (self.0 >> 14) as u8
    }

    /// The 14-bit mantissa.
    #[must_use]
    pub const fn mantissa(self) -> u16 {
        self.0 & 0x3FFF
    }

    /// The value the field stands for (at most [`TransferAmount::MAX_VALUE`]).
    #[must_use]
    pub const fn value(self) -> u32 {
        let e = self.exponent() as u32;
        (self.mantissa() as u32) * 10u32.pow(e) + offset(e) as u32
    }
}

/// The 20-bit currency amount field (class 0, subclasses 4–7; STS 202-1 5.6.1).
///
/// The value is in units of 10^-5 of the currency and may be negative.
///
/// ```
/// use sts::CurrencyAmount;
/// // STS 531-1-07 CTSA20 (IEC 62055-41 currency amount, as transcribed in the public
/// // STSCompliancePOS project): 1 → 060AA, −1 → 860A9.
/// assert_eq!(CurrencyAmount::from_value(100_000)?.field(), 0x060AA);
/// assert_eq!(CurrencyAmount::from_value(-100_000)?.field(), 0x860A9);
/// // 1.00000 is not on the grid: the field stands for 1.00004.
/// assert_eq!(CurrencyAmount::from_field(0x060AA)?.value(), 100_004);
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyAmount(u32);

impl CurrencyAmount {
    /// The largest magnitude the field can carry, in 10^-5 units: `16383·10^31 + offset(31)`.
    pub const MAX_MAGNITUDE: u128 = MANTISSA_MAX * 10u128.pow(31) + offset(31);

    /// The amount whose field is `field`.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when `field` has more than 20 bits.
    pub const fn from_field(field: u32) -> Result<Self> {
        if field >> 20 != 0 {
            Err(Error::FieldRange {
                field: "currency amount",
                value: field as i128,
            })
        } else {
            Ok(Self(field))
        }
    }

    /// The amount whose field is the low 20 bits of `bits`.
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits & 0xF_FFFF)
    }

    /// Encodes `value` (10^-5 units): magnitudes of positive values round up, of negative values
    /// down.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when the magnitude exceeds [`CurrencyAmount::MAX_MAGNITUDE`].
    pub fn from_value(value: i128) -> Result<Self> {
        let negative = value < 0;
        match encode_magnitude(value.unsigned_abs(), 31, !negative) {
            // e ≤ 31 and m ≤ 0x3FFF, so the field fits 20 bits.
            Some((e, m)) => Ok(Self((u32::from(negative) << 19) | (e << 14) | m as u32)),
            None => Err(Error::FieldRange {
                field: "currency amount",
                value,
            }),
        }
    }

    /// The 20-bit field.
    #[must_use]
    pub const fn field(self) -> u32 {
        self.0
    }

    /// Whether the sign bit is set.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 >> 19 != 0
    }

    /// The 5-bit exponent.
    #[must_use]
    pub const fn exponent(self) -> u8 {
        ((self.0 >> 14) & 0x1F) as u8
    }

    /// The 14-bit mantissa.
    #[must_use]
    pub const fn mantissa(self) -> u16 {
        (self.0 & 0x3FFF) as u16
    }

    /// The value in units of 10^-5 of the currency (a field with the sign bit and magnitude 0
    /// gives 0).
    #[must_use]
    pub const fn value(self) -> i128 {
        let e = self.exponent() as u32;
        // At most MAX_MAGNITUDE < 2^118: fits i128.
        let magnitude = (self.mantissa() as i128) * 10i128.pow(e) + offset(e) as i128;
        if self.is_negative() {
            -magnitude
        } else {
            magnitude
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn transfer_amount_grid() {
        // IEC 62055-41 TransferAmount (NectarAPI/tokens-service Utils.convertToBitString, vendor
        // scripts).
        for (value, field) in [
            (0, 0x0000),
            (1, 0x0001),
            (16383, 0x3FFF),
            (16384, 0x4000),
            (16385, 0x4001),
            (16394, 0x4001),
            (16395, 0x4002),
            (180_224, 0x8000),
            (1_818_624, 0xC000),
            (18_201_624, 0xFFFF),
        ] {
            assert_eq!(
                TransferAmount::from_value(value).unwrap().field(),
                field,
                "{value}"
            );
        }
        assert!(TransferAmount::from_value(18_201_625).is_err());
        assert!(TransferAmount::from_value(u32::MAX).is_err());
    }

    #[test]
    fn transfer_amount_carry() {
        // STS 531-1-0-02 CTSA10 steps 5 and 7 (NectarAPI test STSComplianceTests..CTSA10; the
        // same values in STS 531-1-07): 18022.3 kWh → 8000, 181862.3 kWh → C000.
        assert_eq!(TransferAmount::from_value(180_223).unwrap().field(), 0x8000);
        assert_eq!(
            TransferAmount::from_value(1_818_623).unwrap().field(),
            0xC000
        );
        assert_eq!(TransferAmount::from_field(0x8000).value(), 180_224);
        assert_eq!(TransferAmount::from_field(0xC000).value(), 1_818_624);
        assert_eq!(TransferAmount::from_field(0xFFFF).value(), 18_201_624);
    }

    #[test]
    fn currency_vectors() {
        // STS 531-1-07 CTSA20 (public transcription "STSCompliancePOS"; IEC 62055-41 currency
        // amount): amount → 20-bit field.
        for (amount, field) in [
            (1, 0x060AA),
            (16383, 0x178E3),
            (16384, 0x178E4),
            (180_224, 0x1BF4A),
            (-1, 0x860A9),
            (-180_224, 0x9BF49),
        ] {
            let value = amount * 100_000;
            assert_eq!(
                CurrencyAmount::from_value(value).unwrap().field(),
                field,
                "{amount}"
            );
        }
    }

    #[test]
    fn currency_limits() {
        let max = CurrencyAmount::from_value(CurrencyAmount::MAX_MAGNITUDE as i128).unwrap();
        assert_eq!(max.field(), 0x7FFFF);
        assert_eq!(max.value(), CurrencyAmount::MAX_MAGNITUDE as i128);
        let min = CurrencyAmount::from_value(-(CurrencyAmount::MAX_MAGNITUDE as i128)).unwrap();
        assert_eq!(min.field(), 0xFFFFF);
        assert!(CurrencyAmount::from_value(CurrencyAmount::MAX_MAGNITUDE as i128 + 1).is_err());
        assert!(CurrencyAmount::from_value(i128::MIN).is_err());
        assert!(CurrencyAmount::from_field(0x10_0000).is_err());
        assert_eq!(CurrencyAmount::from_field(0x8_0000).unwrap().value(), 0);
    }

    proptest! {
        #[test]
        fn transfer_rounds_up_minimally(value in 0u32..=TransferAmount::MAX_VALUE) {
            let a = TransferAmount::from_value(value).unwrap();
            prop_assert!(a.value() >= value);
            // No smaller field value also covers `value`: the grid value just below is < value.
            let f = a.field();
            if f > 0 {
                prop_assert!(TransferAmount::from_field(f - 1).value() < value);
            }
            prop_assert_eq!(TransferAmount::from_value(a.value()).unwrap(), a);
        }

        #[test]
        fn transfer_field_round_trip(field in any::<u16>()) {
            let a = TransferAmount::from_field(field);
            prop_assert_eq!(TransferAmount::from_value(a.value()).unwrap(), a);
        }

        #[test]
        fn currency_field_round_trip(field in 0u32..(1 << 20)) {
            let a = CurrencyAmount::from_field(field).unwrap();
            // Negative zero is the only field that does not come back as itself.
            if field != 0x8_0000 {
                prop_assert_eq!(CurrencyAmount::from_value(a.value()).unwrap(), a);
            }
        }

        #[test]
        fn currency_rounding(value in -(1i128 << 100)..(1i128 << 100)) {
            let a = CurrencyAmount::from_value(value).unwrap();
            // The magnitude moves in the customer's favour and by less than one grid step.
            if value >= 0 {
                prop_assert!(a.value() >= value);
            } else {
                prop_assert!(a.value() >= value && a.value() <= 0);
            }
            let step = 10i128.pow(u32::from(a.exponent()));
            prop_assert!((a.value() - value).abs() < step.max(1) || a.mantissa() == 0);
        }
    }
}
