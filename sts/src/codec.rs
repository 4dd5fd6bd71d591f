//! 20 decimal digits ↔ 66-bit token number ↔ class + 64-bit (encrypted) data block.
//!
//! A token is a 66-bit number printed as exactly 20 decimal digits, zero-padded. Its two extra
//! bits carry the token class: the class is placed in bits 28..27 of the 64-bit block and the
//! block bits it displaces move to bits 65..64 (IEC 62055-41 6.1.3, "class bits transposition").

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// Number of decimal digits in a token.
pub const TOKEN_DIGITS: usize = 20;

/// The largest 66-bit value, `2^66 − 1` = 73786976294838206463.
pub const MAX_TOKEN_NUMBER: u128 = (1 << 66) - 1;

/// The 2-bit token class (IEC 62055-41 6.1.2).
///
/// All four values are defined by the standard, so the enum is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum TokenClass {
    /// Class 0: credit transfer (electricity, water, gas, time, currency). Encrypted.
    TransferCredit = 0,
    /// Class 1: non-meter-specific management (initiate meter test/display). Not encrypted.
    NonMeterSpecific = 1,
    /// Class 2: meter-specific management (limits, clear credit, key change, ...). Encrypted.
    MeterSpecific = 2,
    /// Class 3: reserved.
    Reserved = 3,
}

impl TokenClass {
    /// The class from the low two bits of `bits` (the other bits are ignored).
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Self::TransferCredit,
            1 => Self::NonMeterSpecific,
            2 => Self::MeterSpecific,
            _ => Self::Reserved,
        }
    }

    /// The 2-bit value.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// Whether tokens of this class are encrypted with the decoder key (classes 0 and 2; the
    /// reserved class 3 is handled as encrypted by this crate).
    #[must_use]
    pub const fn is_encrypted(self) -> bool {
        !matches!(self, Self::NonMeterSpecific)
    }
}

/// A 66-bit token number (`0 ..= 2^66 − 1`), the value of the 20 digits a customer types.
///
/// ```
/// use sts::{TokenClass, TokenNumber};
/// // Class 0 and ciphertext block fc240cabd90145d7 (IEC 62055-41 transposition example).
/// let n = TokenNumber::from_parts(TokenClass::TransferCredit, 0xfc24_0cab_d901_45d7);
/// assert_eq!(n.to_string(), "73508892949665105367");
/// let back: TokenNumber = "7350 8892 9496 6510 5367".parse()?;
/// assert_eq!(back.class(), TokenClass::TransferCredit);
/// assert_eq!(back.block(), 0xfc24_0cab_d901_45d7);
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenNumber(u128);

const TEN_POW_10: u64 = 10_000_000_000;
/// `2^64 = 1844674407 · 10^10 + 3709551616`.
const TWO_POW_64_HI: u64 = 1_844_674_407;
const TWO_POW_64_LO: u64 = 3_709_551_616;
const CLASS_MASK: u64 = 3 << 27;

impl TokenNumber {
    /// The token number with the value `value`.
    ///
    /// # Errors
    /// [`Error::TokenOutOfRange`] when `value` is 2^66 or more.
    pub const fn new(value: u128) -> Result<Self> {
        if value > MAX_TOKEN_NUMBER {
            Err(Error::TokenOutOfRange)
        } else {
            Ok(Self(value))
        }
    }

    /// The 66-bit value.
    #[must_use]
    pub const fn value(self) -> u128 {
        self.0
    }

    /// Transposes `class` into the 64-bit `block` (IEC 62055-41 6.1.3).
    #[must_use]
    pub const fn from_parts(class: TokenClass, block: u64) -> Self {
        let displaced = ((block & CLASS_MASK) >> 27) as u128;
        let low = (block & !CLASS_MASK) | ((class.bits() as u64) << 27);
        Self((displaced << 64) | low as u128)
    }

    /// The token class (bits 28..27 of the number).
    #[must_use]
    pub const fn class(self) -> TokenClass {
        TokenClass::from_bits((self.0 >> 27) as u8)
    }

    /// The 64-bit data block with the class bits transposed back (the ciphertext for classes 0/2).
    #[must_use]
    pub const fn block(self) -> u64 {
        let displaced = ((self.0 >> 64) as u64) & 3;
        ((self.0 as u64) & !CLASS_MASK) | (displaced << 27)
    }

    /// Parses exactly 20 ASCII decimal digits (no separators).
    ///
    /// # Errors
    /// [`Error::TokenLength`], [`Error::NotADigit`] or [`Error::TokenOutOfRange`].
    pub fn from_digits(digits: &[u8]) -> Result<Self> {
        let Ok(digits) = <&[u8; TOKEN_DIGITS]>::try_from(digits) else {
            return Err(Error::TokenLength {
                found: digits.len(),
            });
        };
        // Fast path: 8 + 8 digits as words, 4 digits one by one.
        let (a, rest) = digits.split_at(8);
        let (b, c) = rest.split_at(8);
        let fast = match (eight_digits(a), eight_digits(b), four_digits(c)) {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        };
        let Some((a, b, c)) = fast else {
            // Some byte is not a digit: find which, for the error.
            let (hi, lo) = digits.split_at(TOKEN_DIGITS / 2);
            ten_digits(hi, 0)?;
            ten_digits(lo, TOKEN_DIGITS / 2)?;
            return Err(Error::TokenOutOfRange);
        };
        // digits = a (8) ‖ b (8) ‖ c (4): value = a·10^12 + b·10^4 + c.
        Self::new(u128::from(a) * 1_000_000_000_000 + u128::from(b * 10_000 + c))
    }

    /// The 20 ASCII decimal digits, zero-padded.
    #[must_use]
    pub fn to_digits(self) -> [u8; TOKEN_DIGITS] {
        // Split the (< 2^66) value into two 10-digit halves without a 128-bit division.
        let hi = (self.0 >> 64) as u64;
        let lo = self.0 as u64;
        let r = hi * TWO_POW_64_LO + lo % TEN_POW_10;
        let q = hi * TWO_POW_64_HI + lo / TEN_POW_10 + r / TEN_POW_10;
        let r = r % TEN_POW_10;
        let mut out = [b'0'; TOKEN_DIGITS];
        let (a, b) = out.split_at_mut(TOKEN_DIGITS / 2);
        write_ten_digits(a, q);
        write_ten_digits(b, r);
        out
    }
}

/// Eight ASCII digits (big-endian order in `bytes`) as a number, or `None` if one is not a digit.
fn eight_digits(bytes: &[u8]) -> Option<u64> {
    let x = u64::from_le_bytes(*bytes.first_chunk::<8>()?);
    // Every byte is 0x30..=0x39: high nibble 3, and low nibble + 6 does not carry.
    let high = 0xF0F0_F0F0_F0F0_F0F0;
    if x & high != 0x3030_3030_3030_3030
        || (x.wrapping_add(0x0606_0606_0606_0606) & high) != 0x3030_3030_3030_3030
    {
        return None;
    }
    // Byte 0 (the first digit) is the least significant byte: combine pairs, quads, octets.
    let x = x & 0x0F0F_0F0F_0F0F_0F0F;
    let x = (x * 10 + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x * 100 + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((x * 10_000 + (x >> 32)) & 0xFFFF_FFFF)
}

/// Four ASCII digits as a number, or `None`.
fn four_digits(bytes: &[u8]) -> Option<u64> {
    bytes.iter().try_fold(0u64, |acc, &b| {
        let d = b.wrapping_sub(b'0');
        (d <= 9).then_some(acc * 10 + u64::from(d))
    })
}

/// Reads 10 ASCII digits; `base` is the offset of `digits` in the token (for errors).
fn ten_digits(digits: &[u8], base: usize) -> Result<u64> {
    let mut v = 0u64;
    for (i, &b) in digits.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(Error::NotADigit {
                offset: base + i,
                byte: b,
            });
        }
        v = v * 10 + u64::from(d);
    }
    Ok(v)
}

/// "00" to "99".
#[allow(clippy::indexing_slicing)] // i < 100, evaluated at compile time
const PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Writes `v` (< 10^10) as ten decimal digits into `out` (10 bytes), two at a time.
fn write_ten_digits(out: &mut [u8], mut v: u64) {
    for pair in out.chunks_exact_mut(2).rev() {
        if let Some(p) = PAIRS.get((v % 100) as usize) {
            pair.copy_from_slice(p);
        }
        v /= 100;
    }
}

impl fmt::Display for TokenNumber {
    /// The 20 digits, zero-padded, without separators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.to_digits();
        // The digits are ASCII.
        let s = core::str::from_utf8(&digits).map_err(|_| fmt::Error)?;
        f.pad(s)
    }
}

impl FromStr for TokenNumber {
    type Err = Error;

    /// Parses 20 digits; ASCII spaces and `-` between digits are ignored (`1234-5678-...`).
    ///
    /// # Errors
    /// As [`TokenNumber::from_digits`]; offsets count the characters of `s`.
    fn from_str(s: &str) -> Result<Self> {
        let mut digits = [0u8; TOKEN_DIGITS];
        let mut n = 0usize;
        for (offset, b) in s.bytes().enumerate() {
            match b {
                b' ' | b'-' => {}
                b'0'..=b'9' => {
                    if let Some(slot) = digits.get_mut(n) {
                        *slot = b;
                    }
                    n += 1;
                }
                _ => return Err(Error::NotADigit { offset, byte: b }),
            }
        }
        if n != TOKEN_DIGITS {
            return Err(Error::TokenLength { found: n });
        }
        Self::from_digits(&digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    #[test]
    fn transposition_example() {
        // IEC 62055-41 class-bit transposition, verified against NectarAPI/tokens-service
        // (TokenGenerator.transpose66BitString): C = fc240cabd90145d7, class 0.
        let n = TokenNumber::from_parts(TokenClass::TransferCredit, 0xfc24_0cab_d901_45d7);
        assert_eq!(n.to_string(), "73508892949665105367");
        assert_eq!(n.value(), 0x3_fc24_0cab_c101_45d7);
        assert_eq!(n.block(), 0xfc24_0cab_d901_45d7);
        assert_eq!(n.class(), TokenClass::TransferCredit);
    }

    #[test]
    fn sample_table_token() {
        // Vector STA-01 (vendor script sts_token_recharge.py, asserts 0x2C45ED1618406DF95):
        // ciphertext c45ed1619406df95, class 0 → 51043465443420856213.
        let n: TokenNumber = "51043465443420856213".parse().unwrap();
        assert_eq!(n.value(), 0x2_c45e_d161_8406_df95);
        assert_eq!(n.block(), 0xc45e_d161_9406_df95);
        assert_eq!(n.class(), TokenClass::TransferCredit);
    }

    #[test]
    fn limits() {
        let max = TokenNumber::new(MAX_TOKEN_NUMBER).unwrap();
        assert_eq!(max.to_string(), "73786976294838206463");
        assert_eq!(TokenNumber::from_digits(b"73786976294838206463"), Ok(max));
        assert_eq!(
            TokenNumber::from_digits(b"73786976294838206464"),
            Err(Error::TokenOutOfRange)
        );
        assert_eq!(
            TokenNumber::from_digits(b"99999999999999999999"),
            Err(Error::TokenOutOfRange)
        );
        assert_eq!(
            TokenNumber::new(0).unwrap().to_string(),
            "00000000000000000000"
        );
        assert_eq!(TokenNumber::new(1 << 66), Err(Error::TokenOutOfRange));
    }

    #[test]
    fn bad_input() {
        assert_eq!(
            TokenNumber::from_digits(b"1234"),
            Err(Error::TokenLength { found: 4 })
        );
        assert_eq!(
            TokenNumber::from_digits(b"0123456789012345678x"),
            Err(Error::NotADigit {
                offset: 19,
                byte: b'x'
            })
        );
        assert_eq!(
            "1234 5678 9012 3456 789".parse::<TokenNumber>(),
            Err(Error::TokenLength { found: 19 })
        );
        assert_eq!(
            "1234+".parse::<TokenNumber>(),
            Err(Error::NotADigit {
                offset: 4,
                byte: b'+'
            })
        );
        assert_eq!(
            "1234 5678 9012 3456 78901".parse::<TokenNumber>(),
            Err(Error::TokenLength { found: 21 })
        );
    }

    proptest! {
        #[test]
        fn digits_round_trip(v in 0u128..=MAX_TOKEN_NUMBER) {
            let n = TokenNumber::new(v).unwrap();
            let digits = n.to_digits();
            prop_assert_eq!(TokenNumber::from_digits(&digits), Ok(n));
            let text = std::format!("{v:020}");
            prop_assert_eq!(text.as_bytes(), &digits[..]);
        }

        #[test]
        fn transposition_round_trip(class in 0u8..4, block in any::<u64>()) {
            let class = TokenClass::from_bits(class);
            let n = TokenNumber::from_parts(class, block);
            prop_assert_eq!(n.class(), class);
            prop_assert_eq!(n.block(), block);
            prop_assert!(n.value() <= MAX_TOKEN_NUMBER);
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,40}") {
            let _ = s.parse::<TokenNumber>();
            let _ = TokenNumber::from_digits(s.as_bytes());
        }

        #[test]
        fn arbitrary_digit_strings(s in "[0-9]{20}") {
            match TokenNumber::from_digits(s.as_bytes()) {
                Ok(n) => prop_assert_eq!(n.to_string(), s),
                Err(e) => prop_assert_eq!(e, Error::TokenOutOfRange),
            }
        }
    }
}
