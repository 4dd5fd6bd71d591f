//! Meter identity (PAN) and decoder key generation: DKGA02 (DES) and DKGA04 (HMAC-SHA-256)
//! (IEC 62055-41 6.5.2).
//!
//! * The meter primary account number (PAN, 18 digits) is IIN ‖ IAIN ‖ check digit, in one of
//!   two forms: IIN `600727` with an 11-digit meter number (DRN), or IIN `0000` with a 13-digit
//!   DRN. The DRN's last digit and the PAN's last digit are Luhn check digits.
//! * DKGA02: `X = PANBlock ⊕ CtrlBlock`, `DK = DES(VK, X) ⊕ X ⊕ VK`, where PANBlock is the PAN
//!   without its first and last digits (IAIN zeroed for a common key, KT 3) and CtrlBlock is
//!   `KT ‖ SGC(6) ‖ TI(2) ‖ KRN ‖ FFFFFF`, decimal digits read as hex nibbles.
//! * DKGA04: `DK = HMAC-SHA-256(VK, 04 ‖ lv("04") ‖ lv(BDT) ‖ lv(EA) ‖ lv(TI) ‖ 00 ‖ 04 ‖
//!   lv(SGC) ‖ lv(KT) ‖ lv(KRN) ‖ lv(PAN) ‖ L)` truncated to `L` bits (64 for EA07, 128 for EA11),
//!   `lv(s)` being a length byte and the ASCII digits.

use core::fmt;

use des::Des;
use des::cipher::{Block, BlockCipherEncrypt, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

use crate::cipher::AlgorithmCode;
use crate::error::{Error, Result};
use crate::key::{DecoderKey, VendingKey};
use crate::tid::BaseDate;
use crate::token::KeyType;

/// The Luhn check digit of `digits` (ASCII).
fn luhn(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c.wrapping_sub(b'0'));
            if i % 2 == 0 {
                let x = 2 * d;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn all_digits(s: &[u8]) -> Result<()> {
    match s.iter().position(|c| !c.is_ascii_digit()) {
        Some(offset) => Err(Error::NotADigit {
            offset,
            byte: s.get(offset).copied().unwrap_or(0),
        }),
        None => Ok(()),
    }
}

/// Checks that the last digit of `s` is the Luhn check digit of the others.
fn check_luhn(field: &'static str, s: &[u8]) -> Result<()> {
    let Some((&last, body)) = s.split_last() else {
        return Err(Error::InvalidArgument {
            what: "empty number",
        });
    };
    let expected = luhn(body);
    let found = last.wrapping_sub(b'0');
    if expected == found {
        Ok(())
    } else {
        Err(Error::CheckDigit {
            field,
            expected,
            found,
        })
    }
}

/// A meter primary account number: 18 digits, IIN ‖ DRN ‖ check digit.
///
/// ```
/// use sts::Pan;
/// let pan = Pan::from_meter_number("0100000000008")?;
/// assert_eq!(pan.as_str(), "000001000000000082");
/// assert_eq!((pan.iin(), pan.drn()), ("0000", "0100000000008"));
/// assert_eq!(Pan::parse("600727000000000009")?.drn(), "00000000000");
/// assert!(Pan::parse("600727000000000008").is_err()); // wrong check digit
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pan {
    digits: [u8; 18],
    iin_len: u8,
    /// Digits 2..=17 as nibbles (the DKGA02 PAN block).
    block: u64,
}

impl Pan {
    /// The 6-digit IIN of STS edition 1 meters (with 11-digit meter numbers).
    pub const IIN_6: &'static str = "600727";
    /// The 4-digit IIN (with 13-digit meter numbers).
    pub const IIN_4: &'static str = "0000";

    /// Parses an 18-digit PAN and checks both check digits.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for another length or an unknown IIN, [`Error::NotADigit`],
    /// [`Error::CheckDigit`].
    pub fn parse(pan: &str) -> Result<Self> {
        let b = pan.as_bytes();
        let Ok(digits) = <[u8; 18]>::try_from(b) else {
            return Err(Error::InvalidArgument {
                what: "a PAN has 18 digits",
            });
        };
        all_digits(&digits)?;
        let iin_len = if b.starts_with(Self::IIN_6.as_bytes()) {
            6
        } else if b.starts_with(Self::IIN_4.as_bytes()) {
            4
        } else {
            return Err(Error::InvalidArgument {
                what: "IIN is neither 600727 nor 0000",
            });
        };
        let drn = digits.get(iin_len..17).unwrap_or_default();
        check_luhn("drn", drn)?;
        check_luhn("pan", &digits)?;
        Ok(Self::from_checked(digits, iin_len))
    }

    fn from_checked(digits: [u8; 18], iin_len: usize) -> Self {
        let block = digits.iter().take(17).skip(1).fold(0u64, |acc, &c| {
            (acc << 4) | u64::from(c.wrapping_sub(b'0') & 0xF)
        });
        Self {
            digits,
            iin_len: iin_len as u8,
            block,
        }
    }

    /// The PAN of a meter number (DRN): 11 digits go with IIN 600727, 13 digits with IIN 0000.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for another length, [`Error::NotADigit`],
    /// [`Error::CheckDigit`] when the DRN's check digit is wrong.
    pub fn from_meter_number(drn: &str) -> Result<Self> {
        let iin = match drn.len() {
            11 => Self::IIN_6,
            13 => Self::IIN_4,
            _ => {
                return Err(Error::InvalidArgument {
                    what: "a meter number has 11 or 13 digits",
                });
            }
        };
        Self::from_iin_drn(iin, drn)
    }

    /// The PAN of an IIN (`600727` or `0000`) and a meter number of the matching length.
    ///
    /// # Errors
    /// As [`Pan::from_meter_number`].
    pub fn from_iin_drn(iin: &str, drn: &str) -> Result<Self> {
        let ok = (iin == Self::IIN_6 && drn.len() == 11) || (iin == Self::IIN_4 && drn.len() == 13);
        if !ok {
            return Err(Error::InvalidArgument {
                what: "IIN 600727 takes an 11-digit meter number, IIN 0000 a 13-digit one",
            });
        }
        all_digits(drn.as_bytes())?;
        check_luhn("drn", drn.as_bytes())?;
        let mut digits = [b'0'; 18];
        for (d, s) in digits.iter_mut().zip(iin.bytes().chain(drn.bytes())) {
            *d = s;
        }
        let check = luhn(digits.get(..17).unwrap_or_default());
        if let Some(last) = digits.last_mut() {
            *last = b'0' + check;
        }
        Ok(Self::from_checked(digits, iin.len()))
    }

    /// The 18 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are stored.
        core::str::from_utf8(&self.digits).unwrap_or_default()
    }

    /// The issuer identification number (`600727` or `0000`).
    #[must_use]
    pub fn iin(&self) -> &str {
        self.as_str()
            .get(..usize::from(self.iin_len))
            .unwrap_or_default()
    }

    /// The meter number (DRN, 11 or 13 digits, with its check digit).
    #[must_use]
    pub fn drn(&self) -> &str {
        self.as_str()
            .get(usize::from(self.iin_len)..17)
            .unwrap_or_default()
    }

    /// The DKGA02 PAN block: digits 2 to 17 as nibbles; for a common key (KT 3) the meter number
    /// digits are zero.
    #[must_use]
    pub fn pan_block(&self, kt: KeyType) -> u64 {
        if kt == KeyType::Dctk {
            // Digits iin_len..=16 are the meter number: the low 17 - iin_len nibbles.
            let drn_nibbles = 17 - u32::from(self.iin_len);
            self.block & !((1u64 << (4 * drn_nibbles)) - 1)
        } else {
            self.block
        }
    }
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.as_str())
    }
}

impl fmt::Display for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A supply group code: 6 decimal digits, carried as a 24-bit binary number in key-change tokens.
pub type SupplyGroupCode = u32;

/// What a decoder key is derived from, besides the vending key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeterKeyParams {
    /// The meter's PAN.
    pub pan: Pan,
    /// Key type.
    pub kt: KeyType,
    /// Supply group code (0–999999).
    pub sgc: SupplyGroupCode,
    /// Tariff index (0–99).
    pub ti: u8,
    /// Key revision number (0–9).
    pub krn: u8,
    /// Base date (an input of DKGA04 only).
    pub base_date: BaseDate,
}

impl MeterKeyParams {
    fn check(&self) -> Result<()> {
        if self.sgc > 999_999 {
            return Err(Error::FieldRange {
                field: "sgc",
                value: self.sgc.into(),
            });
        }
        if self.ti > 99 {
            return Err(Error::FieldRange {
                field: "ti",
                value: self.ti.into(),
            });
        }
        if self.krn > 9 {
            return Err(Error::FieldRange {
                field: "krn",
                value: self.krn.into(),
            });
        }
        Ok(())
    }

    /// The DKGA02 control block: `KT ‖ SGC(6) ‖ TI(2) ‖ KRN ‖ FFFFFF` as nibbles.
    #[must_use]
    pub fn control_block(&self) -> u64 {
        /// `n`'s low `digits` decimal digits as nibbles.
        fn bcd(mut n: u32, digits: u32) -> u64 {
            let mut v = 0;
            for i in 0..digits {
                v |= u64::from(n % 10) << (4 * i);
                n /= 10;
            }
            v
        }
        (u64::from(self.kt.bits()) << 60)
            | (bcd(self.sgc, 6) << 36)
            | (bcd(self.ti.into(), 2) << 28)
            | (bcd(self.krn.into(), 1) << 24)
            | 0xFF_FFFF
    }

    /// The DKGA04 HMAC input for algorithm `ea`.
    #[must_use]
    pub fn dkga04_input(&self, ea: AlgorithmCode) -> [u8; 49] {
        let mut out = [0u8; 49];
        let mut n = 0;
        let mut put = |bytes: &[u8]| {
            for &b in bytes {
                if let Some(slot) = out.get_mut(n) {
                    *slot = b;
                }
                n += 1;
            }
        };
        let two = |v: u8| [b'0' + v / 10 % 10, b'0' + v % 10];
        put(&[0x04, 2, b'0', b'4', 2]);
        put(&two(self.base_date.code()));
        put(&[2]);
        put(ea.code_str().as_bytes());
        put(&[2]);
        put(&two(self.ti));
        put(&[0x00, 0x04, 6]);
        let mut sgc = [0u8; 6];
        for (i, d) in sgc.iter_mut().enumerate() {
            *d = b'0' + (self.sgc / 10u32.pow(5 - i as u32) % 10) as u8;
        }
        put(&sgc);
        put(&[1, b'0' + self.kt.bits(), 1, b'0' + self.krn % 10, 18]);
        put(&self.pan.digits);
        let bits: u32 = if ea.key_len() == 16 { 128 } else { 64 };
        put(&bits.to_be_bytes());
        out
    }
}

/// DKGA02: a vending key prepared for DES-based decoder key generation (EA07, EA09).
pub struct Dkga02 {
    des: Des,
    vk: u64,
}

impl fmt::Debug for Dkga02 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dkga02 { .. }")
    }
}

impl Drop for Dkga02 {
    fn drop(&mut self) {
        self.vk.zeroize();
    }
}

impl Dkga02 {
    /// Prepares an 8-byte vending key (its DES key schedule is computed once).
    ///
    /// # Errors
    /// [`Error::KeyLength`] for another length.
    pub fn new(vk: &VendingKey) -> Result<Self> {
        let Some(k) = vk
            .as_bytes()
            .first_chunk::<8>()
            .filter(|_| vk.as_bytes().len() == 8)
        else {
            return Err(Error::KeyLength {
                expected: 8,
                found: vk.as_bytes().len(),
            });
        };
        Ok(Self {
            des: Des::new(&(*k).into()),
            vk: u64::from_be_bytes(*k),
        })
    }

    /// The 8-byte decoder key for `params` (IEC 62055-41 6.5.2.5, DKGA02).
    ///
    /// # Errors
    /// [`Error::FieldRange`] when SGC, TI or KRN do not fit their digits.
    pub fn derive(&self, params: &MeterKeyParams) -> Result<DecoderKey> {
        params.check()?;
        let x = params.pan.pan_block(params.kt) ^ params.control_block();
        let mut b = Block::<Des>::from(x.to_be_bytes());
        self.des.encrypt_block(&mut b);
        let mut e: [u8; 8] = b.into();
        let dk = u64::from_be_bytes(e) ^ x ^ self.vk;
        e.zeroize();
        Ok(DecoderKey::new64(dk.to_be_bytes()))
    }
}

/// DKGA04: a vending key prepared for HMAC-SHA-256 decoder key generation (EA07, EA11).
#[derive(Clone)]
pub struct Dkga04 {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for Dkga04 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dkga04 { .. }")
    }
}

impl Dkga04 {
    /// Prepares a 20-byte (160-bit) vending key (the HMAC pads are computed once).
    ///
    /// # Errors
    /// [`Error::KeyLength`] for another length.
    pub fn new(vk: &VendingKey) -> Result<Self> {
        if vk.as_bytes().len() != 20 {
            return Err(Error::KeyLength {
                expected: 20,
                found: vk.as_bytes().len(),
            });
        }
        let mac = Hmac::<Sha256>::new_from_slice(vk.as_bytes()).map_err(|_| Error::KeyLength {
            expected: 20,
            found: vk.as_bytes().len(),
        })?;
        Ok(Self { mac })
    }

    /// The decoder key for `params` and algorithm `ea` (8 bytes for EA07/EA09, 16 for EA11)
    /// (IEC 62055-41:2018 6.5.2.7, DKGA04).
    ///
    /// # Errors
    /// [`Error::FieldRange`] when SGC, TI or KRN do not fit their digits.
    pub fn derive(&self, params: &MeterKeyParams, ea: AlgorithmCode) -> Result<DecoderKey> {
        params.check()?;
        let mut mac = self.mac.clone();
        mac.update(&params.dkga04_input(ea));
        let mut h: [u8; 32] = mac.finalize().into_bytes().into();
        let key = if ea.key_len() == 16 {
            h.first_chunk::<16>().map(|k| DecoderKey::new128(*k))
        } else {
            h.first_chunk::<8>().map(|k| DecoderKey::new64(*k))
        };
        h.zeroize();
        key.ok_or(Error::InvalidArgument {
            what: "HMAC output too short",
        })
    }
}

/// A prepared vending key with its generation algorithm.
#[derive(Debug)]
pub enum KeyGenerator {
    /// DKGA02 (DES; EA07 and EA09 only).
    Dkga02(Dkga02),
    /// DKGA04 (HMAC-SHA-256).
    Dkga04(Dkga04),
}

impl KeyGenerator {
    /// The decoder key for `params` and algorithm `ea`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for DKGA02 with EA11 (it yields 8 bytes only), and as the
    /// algorithms' `derive`.
    pub fn derive(&self, params: &MeterKeyParams, ea: AlgorithmCode) -> Result<DecoderKey> {
        match self {
            Self::Dkga02(g) => {
                if ea == AlgorithmCode::Ea11 {
                    return Err(Error::InvalidArgument {
                        what: "EA11 needs a DKGA04 key",
                    });
                }
                g.derive(params)
            }
            Self::Dkga04(g) => g.derive(params, ea),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn params(pan: &str, ti: u8, krn: u8, sgc: u32, base_date: BaseDate) -> MeterKeyParams {
        MeterKeyParams {
            pan: Pan::parse(pan).unwrap(),
            kt: KeyType::Dutk,
            sgc,
            ti,
            krn,
            base_date,
        }
    }

    #[test]
    fn luhn_vectors() {
        // Valid PANs (IEC 62055-41 Luhn check digits, NectarAPI LuhnAlgorithm); STS 531-1-07 CTSA17
        // (STSCompliancePOS transcription) rejects DRNs 12345678904 and 11111111113 (correct: ...3
        // and ...5).
        for pan in [
            "600727000000000009",
            "000001000000000082",
            "600727111111111153",
        ] {
            assert!(Pan::parse(pan).is_ok(), "{pan}");
        }
        assert_eq!(
            Pan::from_meter_number("12345678904").err(),
            Some(Error::CheckDigit {
                field: "drn",
                expected: 3,
                found: 4
            })
        );
        assert_eq!(
            Pan::from_meter_number("11111111113").err(),
            Some(Error::CheckDigit {
                field: "drn",
                expected: 5,
                found: 3
            })
        );
        assert_eq!(
            Pan::from_meter_number("11111111115").unwrap().as_str(),
            "600727111111111153"
        );
        assert!(Pan::parse("600727000000000008").is_err());
        assert!(Pan::parse("700727000000000009").is_err());
        assert!(Pan::parse("60072700000000000").is_err());
        assert!(Pan::parse("60072700000000000x").is_err());
        assert!(Pan::from_iin_drn("600727", "0100000000008").is_err());
    }

    #[test]
    fn blocks() {
        // Vector DKGA02-01/-02 intermediates (../shared/vectors/sts/public.json).
        let p = params("600727000000000009", 1, 1, 123_456, BaseDate::Y1993);
        assert_eq!(p.pan.pan_block(p.kt), 0x0072_7000_0000_0000);
        assert_eq!(p.control_block(), 0x2123_4560_11FF_FFFF);
        let p = params("000001000000000082", 1, 1, 123_456, BaseDate::Y1993);
        assert_eq!(p.pan.pan_block(p.kt), 0x0000_1000_0000_0008);
        assert_eq!(p.pan.pan_block(KeyType::Dctk), 0x0000_0000_0000_0000);
        let p = params("600727111111111153", 1, 1, 123_456, BaseDate::Y1993);
        assert_eq!(p.pan.pan_block(KeyType::Dctk), 0x0072_7000_0000_0000);
    }

    #[test]
    fn dkga02_vectors() {
        // DKGA02-01..04: NectarAPI/tokens-service STS 531-1-0-02 CTSA01 (steps 1, 2) and CTSA05
        // (steps 1, 3); NectarAPI prints these keys byte-reversed, the canonical form is here.
        let g = Dkga02::new(&VendingKey::from_hex("abababababababab").unwrap()).unwrap();
        for (pan, ti, dk) in [
            ("600727000000000009", 1, "e653341f9d5bf36f"),
            ("000001000000000082", 1, "e94023262e9993c2"),
            ("600727000000000009", 2, "060b8643c59a27f1"),
            ("000001000000000082", 2, "6221992f403a5877"),
        ] {
            let key = g
                .derive(&params(pan, ti, 1, 123_456, BaseDate::Y1993))
                .unwrap();
            assert_eq!(key.reveal_hex().to_string(), dk, "{pan} TI {ti}");
        }
    }

    #[test]
    fn dkga04_vectors() {
        // DKGA04-01..06: NectarAPI/tokens-service STS 531-1-0-02 CTSA22/CTSA24/CTSA25 and 0_04
        // tests (HMAC message logged from an instrumented run; keys confirmed by tokens).
        let g =
            Dkga04::new(&VendingKey::from_hex("abababababababab949494949494949401234567").unwrap())
                .unwrap();
        let cases = [
            (
                "600727000000000009",
                1,
                BaseDate::Y1993,
                AlgorithmCode::Ea07,
                "aa4baa8749c10d27",
            ),
            (
                "600727000000000009",
                5,
                BaseDate::Y2035,
                AlgorithmCode::Ea07,
                "b08205e074afc5d6",
            ),
            (
                "600727000000000009",
                4,
                BaseDate::Y2014,
                AlgorithmCode::Ea07,
                "9dc0722c29a6cc0c",
            ),
            (
                "000001000000000082",
                4,
                BaseDate::Y2014,
                AlgorithmCode::Ea07,
                "15869166a863d810",
            ),
            (
                "000001000000000082",
                5,
                BaseDate::Y2035,
                AlgorithmCode::Ea07,
                "b033c38b16dcb7fc",
            ),
            (
                "600727000000000009",
                5,
                BaseDate::Y2035,
                AlgorithmCode::Ea11,
                "92666e9f0478a17770614c1c5fce9d46",
            ),
        ];
        for (pan, krn, bd, ea, dk) in cases {
            let p = params(pan, 1, krn, 123_457, bd);
            let key = g.derive(&p, ea).unwrap();
            assert_eq!(key.reveal_hex().to_string(), dk, "{pan} KRN {krn}");
        }
        // The HMAC input of DKGA04-01.
        let p = params("600727000000000009", 1, 1, 123_457, BaseDate::Y1993);
        let expected = "04023034023933023037023031000406313233343537013201311236303037323730303030303030303030303900000040";
        let mut hex = std::string::String::new();
        for b in p.dkga04_input(AlgorithmCode::Ea07) {
            hex.push_str(&std::format!("{b:02x}"));
        }
        assert_eq!(hex, expected);
    }

    #[test]
    fn argument_checks() {
        let vk8 = VendingKey::from_hex("abababababababab").unwrap();
        assert!(Dkga04::new(&vk8).is_err());
        let g = KeyGenerator::Dkga02(Dkga02::new(&vk8).unwrap());
        let mut p = params("600727000000000009", 1, 1, 123_456, BaseDate::Y1993);
        assert!(g.derive(&p, AlgorithmCode::Ea11).is_err());
        p.sgc = 1_000_000;
        assert!(g.derive(&p, AlgorithmCode::Ea07).is_err());
        p.sgc = 1;
        p.ti = 100;
        assert!(g.derive(&p, AlgorithmCode::Ea07).is_err());
        p.ti = 1;
        p.krn = 10;
        assert!(g.derive(&p, AlgorithmCode::Ea07).is_err());
        let vk20 = VendingKey::from_hex("abababababababab949494949494949401234567").unwrap();
        assert!(Dkga02::new(&vk20).is_err());
    }
}
