//! The encryption algorithms (EA07, EA09, EA11) and the token pipeline built on them:
//! fields → data block + CRC → encryption → class transposition → 20 digits, and back
//! (IEC 62055-41 6.1, 6.5.3).

use des::Des;
use des::cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

use crate::codec::{TokenClass, TokenNumber};
use crate::error::{Error, Result};
use crate::key::DecoderKey;
use crate::misty1::Misty1;
use crate::sta::{StaKey, StaTables};
use crate::token::TokenRepr;

/// The code of an encryption algorithm, 07, 09 or 11 (IEC 62055-41 6.5.3), without its
/// parameters: what a decoder key is derived for (the `EA` input of DKGA04), saved in a
/// decoder state and printed. [`Algorithm`] is the algorithm ready to use, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlgorithmCode {
    /// EA07: the Standard Transfer Algorithm, 64-bit key.
    Ea07 = 7,
    /// EA09: DEA (single DES), 64-bit key. No public token vectors exist.
    Ea09 = 9,
    /// EA11: MISTY1, 128-bit key.
    Ea11 = 11,
}

impl AlgorithmCode {
    /// The algorithm of code 7, 9 or 11.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            7 => Some(Self::Ea07),
            9 => Some(Self::Ea09),
            11 => Some(Self::Ea11),
            _ => None,
        }
    }

    /// The numeric code (7, 9, 11).
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The two-character code (`"07"`, `"09"`, `"11"`).
    #[must_use]
    pub const fn code_str(self) -> &'static str {
        match self {
            Self::Ea07 => "07",
            Self::Ea09 => "09",
            Self::Ea11 => "11",
        }
    }

    /// The decoder key length in bytes.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::Ea07 | Self::Ea09 => 8,
            Self::Ea11 => 16,
        }
    }
}

/// An encryption algorithm ready to use: its [`AlgorithmCode`] with the parameters the code
/// needs (EA07: the STA tables; EA09 and EA11 have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm<'t> {
    /// EA07 (STA) with these substitution/permutation tables.
    Ea07(&'t StaTables),
    /// EA09 (DES).
    Ea09,
    /// EA11 (MISTY1).
    Ea11,
}

impl Algorithm<'_> {
    /// The algorithm's code, without its parameters.
    #[must_use]
    pub const fn code(self) -> AlgorithmCode {
        match self {
            Self::Ea07(_) => AlgorithmCode::Ea07,
            Self::Ea09 => AlgorithmCode::Ea09,
            Self::Ea11 => AlgorithmCode::Ea11,
        }
    }
}

enum Engine<'t> {
    Sta { tables: &'t StaTables, key: StaKey },
    Dea(Des),
    Misty1(Misty1),
}

/// A decoder key prepared for one algorithm (key schedule computed once), with the token
/// pipeline on top.
///
/// ```
/// use sts::{Algorithm, DecoderKey, TokenCipher, TokenRepr, sta::SAMPLE_TABLES};
/// let key = DecoderKey::from_hex("0abc12def3456789")?;
/// let cipher = TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &key)?;
/// // Vector STA-01 (IEC sample tables): 25.6 kWh, TID 0x19EB23, RND 0xB.
/// let decoded = cipher.decode_str("51043465443420856213")?;
/// assert_eq!(decoded.plaintext, 0x0B19_EB23_0100_C207);
/// let TokenRepr::TransferCredit { amount, .. } = decoded.token else { unreachable!() };
/// assert_eq!(amount.value(), 256); // tenths of a kWh
/// assert_eq!(cipher.encode(&decoded.token)?.to_string(), "51043465443420856213");
/// # Ok::<(), sts::Error>(())
/// ```
pub struct TokenCipher<'t> {
    engine: Engine<'t>,
}

impl core::fmt::Debug for TokenCipher<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TokenCipher({:?}, ..)", self.algorithm_code())
    }
}

/// A decoded token: every intermediate value of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodedToken {
    /// The 66-bit token number.
    pub number: TokenNumber,
    /// The token class.
    pub class: TokenClass,
    /// The data block as transmitted (after un-transposing the class bits).
    pub ciphertext: u64,
    /// The decrypted data block (equal to `ciphertext` for class 1).
    pub plaintext: u64,
    /// The token data.
    pub token: TokenRepr,
}

impl DecodedToken {
    /// The CRC field of the plaintext block.
    #[must_use]
    pub const fn crc(&self) -> u16 {
        self.plaintext as u16
    }
}

impl<'t> TokenCipher<'t> {
    /// Prepares `key` for `algorithm`.
    ///
    /// # Errors
    /// [`Error::KeyLength`] when the key length does not suit the algorithm.
    pub fn new(algorithm: Algorithm<'t>, key: &DecoderKey) -> Result<Self> {
        let expected = algorithm.code().key_len();
        if key.len() != expected {
            return Err(Error::KeyLength {
                expected,
                found: key.len(),
            });
        }
        let engine = match algorithm {
            Algorithm::Ea07(tables) => Engine::Sta {
                tables,
                key: StaKey::new(key.as_u64().unwrap_or(0)),
            },
            Algorithm::Ea09 => {
                let mut k = [0u8; 8];
                k.copy_from_slice(key.as_bytes().get(..8).unwrap_or(&[0; 8]));
                let des = Des::new(&k.into());
                k.zeroize();
                Engine::Dea(des)
            }
            Algorithm::Ea11 => {
                let mut k = [0u8; 16];
                k.copy_from_slice(key.as_bytes().get(..16).unwrap_or(&[0; 16]));
                let m = Misty1::new(&k);
                k.zeroize();
                Engine::Misty1(m)
            }
        };
        Ok(Self { engine })
    }

    /// The code of the algorithm this cipher was made for.
    #[must_use]
    pub const fn algorithm_code(&self) -> AlgorithmCode {
        match self.engine {
            Engine::Sta { .. } => AlgorithmCode::Ea07,
            Engine::Dea(_) => AlgorithmCode::Ea09,
            Engine::Misty1(_) => AlgorithmCode::Ea11,
        }
    }

    /// Encrypts a 64-bit data block.
    #[must_use]
    pub fn encrypt_block(&self, block: u64) -> u64 {
        match &self.engine {
            Engine::Sta { tables, key } => tables.encrypt_with(key, block),
            Engine::Dea(des) => {
                let mut b = Block::<Des>::from(block.to_be_bytes());
                des.encrypt_block(&mut b);
                u64::from_be_bytes(b.into())
            }
            Engine::Misty1(m) => m.encrypt(block),
        }
    }

    /// Decrypts a 64-bit data block.
    #[must_use]
    pub fn decrypt_block(&self, block: u64) -> u64 {
        match &self.engine {
            Engine::Sta { tables, key } => tables.decrypt_with(key, block),
            Engine::Dea(des) => {
                let mut b = Block::<Des>::from(block.to_be_bytes());
                des.decrypt_block(&mut b);
                u64::from_be_bytes(b.into())
            }
            Engine::Misty1(m) => m.decrypt(block),
        }
    }

    /// Encodes a token: data block with CRC, encrypted unless class 1, class bits transposed.
    ///
    /// # Errors
    /// [`Error::FieldRange`] when a field is too wide.
    pub fn encode(&self, token: &TokenRepr) -> Result<TokenNumber> {
        let plain = token.to_block()?;
        let class = token.class();
        let cipher = if class.is_encrypted() {
            self.encrypt_block(plain)
        } else {
            plain
        };
        Ok(TokenNumber::from_parts(class, cipher))
    }

    /// Decodes a token number: un-transpose, decrypt unless class 1, check the CRC, split the
    /// fields. Class 3 (reserved) tokens are treated as encrypted.
    ///
    /// # Errors
    /// [`Error::BadCrc`] when the CRC does not match (wrong key or tables, mistyped token).
    pub fn decode(&self, number: TokenNumber) -> Result<DecodedToken> {
        let class = number.class();
        let ciphertext = number.block();
        let plaintext = if class.is_encrypted() {
            self.decrypt_block(ciphertext)
        } else {
            ciphertext
        };
        let token = TokenRepr::from_block(class, plaintext)?;
        Ok(DecodedToken {
            number,
            class,
            ciphertext,
            plaintext,
            token,
        })
    }

    /// Parses 20 digits (spaces and `-` allowed between them) and decodes the token.
    ///
    /// # Errors
    /// As [`TokenNumber::from_str`](core::str::FromStr) and [`TokenCipher::decode`].
    pub fn decode_str(&self, token: &str) -> Result<DecodedToken> {
        self.decode(token.parse()?)
    }
}

/// Encodes a class 1 token, which needs no key (IEC 62055-41 6.3: not encrypted).
///
/// # Errors
/// [`Error::InvalidArgument`] for a token of another class, [`Error::FieldRange`] for a field
/// that is too wide.
pub fn encode_unencrypted(token: &TokenRepr) -> Result<TokenNumber> {
    if token.class() != TokenClass::NonMeterSpecific {
        return Err(Error::InvalidArgument {
            what: "only class 1 tokens are not encrypted",
        });
    }
    Ok(TokenNumber::from_parts(token.class(), token.to_block()?))
}

/// Decodes a class 1 token without a key.
///
/// # Errors
/// [`Error::InvalidArgument`] for another class, [`Error::BadCrc`] when the CRC does not match.
pub fn decode_unencrypted(number: TokenNumber) -> Result<DecodedToken> {
    let class = number.class();
    if class != TokenClass::NonMeterSpecific {
        return Err(Error::InvalidArgument {
            what: "only class 1 tokens are not encrypted",
        });
    }
    let block = number.block();
    Ok(DecodedToken {
        number,
        class,
        ciphertext: block,
        plaintext: block,
        token: TokenRepr::from_block(class, block)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sta::SAMPLE_TABLES;
    use crate::token::tests::any_repr;
    use proptest::prelude::*;
    use std::string::ToString;

    #[test]
    fn key_lengths() {
        let k8 = DecoderKey::new64([1; 8]);
        let k16 = DecoderKey::new128([1; 16]);
        assert!(TokenCipher::new(Algorithm::Ea11, &k8).is_err());
        assert!(TokenCipher::new(Algorithm::Ea09, &k16).is_err());
        assert_eq!(
            TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &k16).err(),
            Some(Error::KeyLength {
                expected: 8,
                found: 16
            })
        );
    }

    #[test]
    fn dea_is_des() {
        // FIPS 81 / NBS DES validation: key 0123456789abcdef, "Now is t" (4e6f772069732074)
        // → 3fa40e8a984d4815.
        let c = TokenCipher::new(
            Algorithm::Ea09,
            &DecoderKey::new64(0x0123_4567_89ab_cdefu64.to_be_bytes()),
        )
        .unwrap();
        assert_eq!(
            c.encrypt_block(0x4e6f_7720_6973_2074),
            0x3fa4_0e8a_984d_4815
        );
        assert_eq!(
            c.decrypt_block(0x3fa4_0e8a_984d_4815),
            0x4e6f_7720_6973_2074
        );
    }

    #[test]
    fn class1_is_not_encrypted() {
        // STS 531-1-0-02 CTSA02 step 1 (NectarAPI/tokens-service
        // STSComplianceTests_STS_531_1_0_02_CTSA02.java:29): control 0fffffffff, manufacturer 00.
        let n: TokenNumber = "56493153725450313471".parse().unwrap();
        let d = decode_unencrypted(n).unwrap();
        assert_eq!(d.plaintext, 0x0fff_ffff_ff00_5eff);
        assert_eq!(
            d.token,
            TokenRepr::InitiateMeterTest1 {
                control: 0xf_ffff_ffff,
                manufacturer_code: 0
            }
        );
        assert_eq!(encode_unencrypted(&d.token), Ok(n));
        // Any cipher decodes it the same way.
        let c = TokenCipher::new(Algorithm::Ea11, &DecoderKey::new128([7; 16])).unwrap();
        assert_eq!(c.decode(n).unwrap(), d);
        assert!(
            encode_unencrypted(&TokenRepr::from_parts(TokenClass::TransferCredit, 0, 0)).is_err()
        );
        assert!(decode_unencrypted(TokenNumber::from_parts(TokenClass::MeterSpecific, 0)).is_err());
    }

    proptest! {
        #[test]
        fn pipeline_round_trip(repr in any_repr(), key in any::<[u8; 16]>(), alg in 0usize..3) {
            let (alg, key) = match alg {
                0 => (Algorithm::Ea07(&SAMPLE_TABLES), DecoderKey::from_slice(&key[..8]).unwrap()),
                1 => (Algorithm::Ea09, DecoderKey::from_slice(&key[..8]).unwrap()),
                _ => (Algorithm::Ea11, DecoderKey::new128(key)),
            };
            let c = TokenCipher::new(alg, &key).unwrap();
            let n = c.encode(&repr).unwrap();
            let d = c.decode(n).unwrap();
            prop_assert_eq!(d.token, repr);
            prop_assert_eq!(d.number, n);
            prop_assert_eq!(c.decode_str(&n.to_string()).unwrap().token, repr);
        }

        #[test]
        fn arbitrary_digits_never_panic(s in "[0-9]{20}", key in any::<[u8; 8]>()) {
            let c = TokenCipher::new(Algorithm::Ea07(&SAMPLE_TABLES), &DecoderKey::new64(key)).unwrap();
            if let Ok(d) = c.decode_str(&s) {
                prop_assert_eq!(c.encode(&d.token).unwrap().to_string(), s);
            }
        }
    }
}
