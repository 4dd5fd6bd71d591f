//! The vending side: issue tokens for one meter, with TIDs taken from the date-time passed in
//! (IEC 62055-41; vending rules of IEC 62055-51).
//!
//! A [`TokenIssuer`] holds the meter's decoder key (given, or derived from the vending key with
//! DKGA02/DKGA04), its base date and key expiry number, and the last TID issued, so that
//!
//! * every TID is the issue minute on the meter's base date, strictly increasing (a second token
//!   in the same minute gets the next minute) and never the reserved minute 00:01;
//! * no token is issued past the key's expiry (`(TID >> 16) > KEN`) or past the base date's
//!   rollover ([`Error::KeyExpired`], [`Error::TidRange`]);
//! * no credit is issued under a default key (KT 1, DDTK);
//! * amounts round up onto the transfer-amount grid.
//!
//! Key changes come as complete sets ([`KeyChangeSet`]: 2, 3 or 4 tokens) encrypted under the
//! current key; [`TokenIssuer::change_key`] also moves the meter to a new base date with the
//! rollover bit set (the 2024 TID rollover).

use rand_core::Rng;

use crate::amount::{CurrencyAmount, TransferAmount};
use crate::cipher::{Algorithm, TokenCipher};
use crate::codec::TokenNumber;
use crate::dkga::{KeyGenerator, MeterKeyParams};
use crate::error::{Error, Result};
use crate::key::DecoderKey;
use crate::tid::{BaseDate, DateTime, Tid};
use crate::token::{KeyType, Register, TokenRepr, Utility};

/// What a vended token carries (the TID and RND are filled in when it is issued).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenData {
    /// Units of credit in tenths (0.1 kWh, 0.1 m³, 0.1 min), rounded up onto the grid.
    Credit {
        /// What is credited.
        utility: Utility,
        /// Tenths of a unit.
        tenths: u32,
    },
    /// Currency credit in 10^-5 currency units (may be negative).
    Currency {
        /// What the currency buys.
        utility: Utility,
        /// The amount.
        amount: i128,
    },
    /// Set the maximum power limit (W).
    MaximumPowerLimit {
        /// The limit in W.
        watts: u32,
    },
    /// Clear a credit register.
    ClearCredit {
        /// The register.
        register: Register,
    },
    /// Set the tariff rate (raw).
    TariffRate {
        /// The rate.
        rate: u16,
    },
    /// Clear the tamper condition.
    ClearTamper,
    /// Set the maximum phase power unbalance limit (W).
    MaximumPhasePowerUnbalanceLimit {
        /// The limit in W.
        watts: u32,
    },
    /// Set the water meter factor (raw).
    WaterMeterFactor {
        /// The factor.
        factor: u16,
    },
}

/// An issued token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedToken {
    /// The 20-digit token.
    pub number: TokenNumber,
    /// Its data, with TID and RND.
    pub token: TokenRepr,
}

impl IssuedToken {
    /// The TID.
    #[must_use]
    pub const fn tid(&self) -> Option<Tid> {
        self.token.tid()
    }
}

/// The new key and attributes a key-change set carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    /// The new decoder key (same length as the current one).
    pub key: DecoderKey,
    /// New key type.
    pub kt: KeyType,
    /// New key revision number (0–15).
    pub krn: u8,
    /// New key expiry number (255: never).
    pub ken: u8,
    /// New tariff index.
    pub ti: u8,
    /// Set the rollover bit: the meter clears its TID memory (needed with a new base date).
    pub rollover: bool,
    /// The supply group code: for an 8-byte key, `Some` adds the third (SGC) token and sets RES
    /// in the first; a 16-byte key always carries it (required).
    pub sgc: Option<u32>,
}

/// A complete key-change set: 2 or 3 tokens (8-byte key), 4 tokens (16-byte key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyChangeSet {
    tokens: [IssuedToken; 4],
    len: usize,
}

impl KeyChangeSet {
    /// The tokens, in order: 1st (2/3), 2nd (2/4), then 3rd (2/8) and 4th (2/9) if present.
    #[must_use]
    pub fn tokens(&self) -> &[IssuedToken] {
        self.tokens.get(..self.len).unwrap_or_default()
    }
}

/// Issues tokens for one meter.
///
/// ```
/// use sts::vend::{TokenData, TokenIssuer};
/// use sts::{Algorithm, BaseDate, DateTime, Dkga04, KeyGenerator, KeyType, MeterKeyParams, Pan,
///           Utility, VendingKey};
///
/// let vk = VendingKey::from_hex("abababababababab949494949494949401234567")?;
/// let generator = KeyGenerator::Dkga04(Dkga04::new(&vk)?);
/// let meter = MeterKeyParams {
///     pan: Pan::parse("600727000000000009")?,
///     kt: KeyType::Dutk, sgc: 123457, ti: 1, krn: 5, base_date: BaseDate::Y2035,
/// };
/// let mut issuer = TokenIssuer::from_vending_key(&generator, &meter, Algorithm::Ea11, 255)?;
/// # struct Fixed; impl rand_core::TryRng for Fixed { type Error = core::convert::Infallible;
/// #   fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(5) }
/// #   fn try_next_u64(&mut self) -> Result<u64, Self::Error> { Ok(5) }
/// #   fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(5); Ok(()) } }
/// # let mut rng = Fixed;
/// let at = DateTime::new(2036, 3, 1, 13, 55)?;
/// let token = issuer.issue(&TokenData::Credit { utility: Utility::Electricity, tenths: 125 }, at, &mut rng)?;
/// assert_eq!(token.number.to_string().len(), 20);
/// // A second token in the same minute gets the next TID.
/// let next = issuer.issue(&TokenData::ClearTamper, at, &mut rng)?;
/// assert_eq!(next.tid().unwrap().value(), token.tid().unwrap().value() + 1);
/// # Ok::<(), sts::Error>(())
/// ```
#[derive(Debug)]
pub struct TokenIssuer<'t> {
    algorithm: Algorithm<'t>,
    cipher: TokenCipher<'t>,
    key_len: usize,
    kt: Option<KeyType>,
    base_date: BaseDate,
    ken: u8,
    last_tid: Option<Tid>,
}

impl<'t> TokenIssuer<'t> {
    /// An issuer for a meter with decoder key `key` on `base_date`, key expiry number `ken`.
    ///
    /// # Errors
    /// [`Error::KeyLength`] when the key does not suit the algorithm.
    pub fn new(
        algorithm: Algorithm<'t>,
        key: &DecoderKey,
        base_date: BaseDate,
        ken: u8,
    ) -> Result<Self> {
        Ok(Self {
            algorithm,
            cipher: TokenCipher::new(algorithm, key)?,
            key_len: key.len(),
            kt: None,
            base_date,
            ken,
            last_tid: None,
        })
    }

    /// An issuer whose decoder key is derived from the vending key (DKGA02 or DKGA04) and the
    /// meter's parameters; the key type is remembered (no credit under a DDTK).
    ///
    /// # Errors
    /// As [`KeyGenerator::derive`].
    pub fn from_vending_key(
        generator: &KeyGenerator,
        params: &MeterKeyParams,
        algorithm: Algorithm<'t>,
        ken: u8,
    ) -> Result<Self> {
        let key = generator.derive(params, algorithm.code())?;
        let mut issuer = Self::new(algorithm, &key, params.base_date, ken)?;
        issuer.kt = Some(params.kt);
        Ok(issuer)
    }

    /// Sets the last TID issued to this meter (from the vending system's records).
    #[must_use]
    pub const fn with_last_tid(mut self, last: Option<Tid>) -> Self {
        self.last_tid = last;
        self
    }

    /// Sets the meter's key type (credit is refused under a DDTK).
    #[must_use]
    pub const fn with_key_type(mut self, kt: KeyType) -> Self {
        self.kt = Some(kt);
        self
    }

    /// The last TID issued.
    #[must_use]
    pub const fn last_tid(&self) -> Option<Tid> {
        self.last_tid
    }

    /// The meter's base date.
    #[must_use]
    pub const fn base_date(&self) -> BaseDate {
        self.base_date
    }

    /// The cipher (to decode tokens issued for this meter).
    #[must_use]
    pub const fn cipher(&self) -> &TokenCipher<'t> {
        &self.cipher
    }

    fn next_tid(&self, at: DateTime) -> Result<Tid> {
        let tid = Tid::for_issue(self.base_date, at, self.last_tid)?;
        if tid.is_expired(self.ken) {
            return Err(Error::KeyExpired {
                tid: tid.value(),
                ken: self.ken,
            });
        }
        Ok(tid)
    }

    /// The token `data` would become with `tid` and `rnd`.
    ///
    /// # Errors
    /// [`Error::FieldRange`] for an amount that cannot be encoded, [`Error::InvalidArgument`] for
    /// credit under a DDTK key.
    pub fn build(&self, data: &TokenData, tid: Tid, rnd: u8) -> Result<TokenRepr> {
        let rnd = rnd & 0xF;
        let credit = matches!(data, TokenData::Credit { .. } | TokenData::Currency { .. });
        if credit && self.kt == Some(KeyType::Ddtk) {
            return Err(Error::InvalidArgument {
                what: "no credit tokens under a default (DDTK) key",
            });
        }
        Ok(match *data {
            TokenData::Credit { utility, tenths } => TokenRepr::TransferCredit {
                utility,
                rnd,
                tid,
                amount: TransferAmount::from_value(tenths)?,
            },
            TokenData::Currency { utility, amount } => TokenRepr::TransferCurrency {
                utility,
                tid,
                amount: CurrencyAmount::from_value(amount)?,
            },
            TokenData::MaximumPowerLimit { watts } => TokenRepr::SetMaximumPowerLimit {
                rnd,
                tid,
                limit: TransferAmount::from_value(watts)?,
            },
            TokenData::ClearCredit { register } => TokenRepr::ClearCredit { rnd, tid, register },
            TokenData::TariffRate { rate } => TokenRepr::SetTariffRate { rnd, tid, rate },
            TokenData::ClearTamper => TokenRepr::ClearTamperCondition { rnd, tid, pad: 0 },
            TokenData::MaximumPhasePowerUnbalanceLimit { watts } => {
                TokenRepr::SetMaximumPhasePowerUnbalanceLimit {
                    rnd,
                    tid,
                    limit: TransferAmount::from_value(watts)?,
                }
            }
            TokenData::WaterMeterFactor { factor } => {
                TokenRepr::SetWaterMeterFactor { rnd, tid, factor }
            }
        })
    }

    /// Issues one token at `at` (UTC), drawing its RND from `rng`.
    ///
    /// # Errors
    /// [`Error::TidRange`], [`Error::KeyExpired`], and as [`TokenIssuer::build`].
    pub fn issue<R: Rng + ?Sized>(
        &mut self,
        data: &TokenData,
        at: DateTime,
        rng: &mut R,
    ) -> Result<IssuedToken> {
        let tid = self.next_tid(at)?;
        let token = self.build(data, tid, (rng.next_u32() & 0xF) as u8)?;
        let number = self.cipher.encode(&token)?;
        self.last_tid = Some(tid);
        Ok(IssuedToken { number, token })
    }

    /// Issues `items` in order at `at` into `out` (successive TIDs); returns how many were
    /// written. Nothing is issued unless all fit and succeed.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `out` is shorter than `items`, and as
    /// [`TokenIssuer::issue`].
    pub fn issue_into<R: Rng + ?Sized>(
        &mut self,
        items: &[TokenData],
        at: DateTime,
        rng: &mut R,
        out: &mut [IssuedToken],
    ) -> Result<usize> {
        if out.len() < items.len() {
            return Err(Error::BufferTooSmall {
                needed: items.len(),
                available: out.len(),
            });
        }
        let saved = self.last_tid;
        for (item, slot) in items.iter().zip(out.iter_mut()) {
            match self.issue(item, at, rng) {
                Ok(t) => *slot = t,
                Err(e) => {
                    self.last_tid = saved;
                    return Err(e);
                }
            }
        }
        Ok(items.len())
    }

    /// Issues `items` in order at `at` (successive TIDs). Nothing is issued unless all succeed.
    ///
    /// # Errors
    /// As [`TokenIssuer::issue`].
    #[cfg(feature = "alloc")]
    pub fn issue_batch<R: Rng + ?Sized>(
        &mut self,
        items: &[TokenData],
        at: DateTime,
        rng: &mut R,
    ) -> Result<alloc::vec::Vec<IssuedToken>> {
        let saved = self.last_tid;
        let mut out = alloc::vec::Vec::with_capacity(items.len());
        for item in items {
            match self.issue(item, at, rng) {
                Ok(t) => out.push(t),
                Err(e) => {
                    self.last_tid = saved;
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    /// The key-change set carrying `change`, encrypted under the current key
    /// (IEC 62055-41 6.2.4: 2/3, 2/4, and 2/8, 2/9 as needed).
    ///
    /// # Errors
    /// [`Error::KeyLength`] when the new key's length differs from the current one,
    /// [`Error::InvalidArgument`] for a 16-byte key without SGC, [`Error::FieldRange`] for a
    /// KRN above 15 or an SGC above 24 bits.
    pub fn key_change_set(&self, change: &KeyChange) -> Result<KeyChangeSet> {
        if change.key.len() != self.key_len {
            return Err(Error::KeyLength {
                expected: self.key_len,
                found: change.key.len(),
            });
        }
        let k = change.key.as_bytes();
        let word = |i: usize| -> u32 {
            k.get(4 * i..)
                .and_then(|b| b.first_chunk::<4>())
                .map_or(0, |b| u32::from_be_bytes(*b))
        };
        let long = self.key_len == 16;
        if long && change.sgc.is_none() {
            return Err(Error::InvalidArgument {
                what: "a 16-byte key change carries the SGC",
            });
        }
        if let Some(sgc) = change.sgc
            && sgc >> 24 != 0
        {
            return Err(Error::FieldRange {
                field: "sgc",
                value: sgc.into(),
            });
        }
        let mut reprs = [TokenRepr::Set1stSectionDecoderKey {
            kenho: change.ken >> 4,
            krn: change.krn,
            ro: change.rollover,
            res: !long && change.sgc.is_some(),
            kt: change.kt,
            nkho: word(0),
        }; 4];
        reprs[1] = TokenRepr::Set2ndSectionDecoderKey {
            kenlo: change.ken & 0xF,
            ti: change.ti,
            nklo: word(if long { 3 } else { 1 }),
        };
        let len = match (long, change.sgc) {
            (true, Some(sgc)) => {
                reprs[2] = TokenRepr::Set3rdSectionDecoderKey {
                    sgc_part: (sgc & 0xFFF) as u16,
                    key_part: word(1),
                };
                reprs[3] = TokenRepr::Set4thSectionDecoderKey {
                    sgc_high12: (sgc >> 12) as u16,
                    nk_bytes_8_11: word(2),
                };
                4
            }
            (false, Some(sgc)) => {
                reprs[2] = TokenRepr::sgc_section(sgc)?;
                3
            }
            _ => 2,
        };
        let mut tokens = [IssuedToken {
            number: TokenNumber::from_parts(crate::TokenClass::MeterSpecific, 0),
            token: reprs[0],
        }; 4];
        for (slot, repr) in tokens.iter_mut().zip(reprs.iter()).take(len) {
            *slot = IssuedToken {
                number: self.cipher.encode(repr)?,
                token: *repr,
            };
        }
        Ok(KeyChangeSet { tokens, len })
    }

    /// Moves the meter to a new key derived from `new_params` (new KRN, KT, TI, SGC and possibly
    /// base date): returns the key-change set under the current key and switches this issuer to
    /// the new key. The rollover bit is set when `rollover` is true or the base date changes (the
    /// TID rollover remedy: new base date, RO = 1, new KRN); the TID sequence then restarts.
    /// `with_sgc` adds the SGC token to an 8-byte key change.
    ///
    /// # Errors
    /// As [`KeyGenerator::derive`] and [`TokenIssuer::key_change_set`].
    pub fn change_key(
        &mut self,
        generator: &KeyGenerator,
        new_params: &MeterKeyParams,
        ken: u8,
        rollover: bool,
        with_sgc: bool,
    ) -> Result<KeyChangeSet> {
        let key = generator.derive(new_params, self.algorithm.code())?;
        let new_base = new_params.base_date != self.base_date;
        let change = KeyChange {
            key,
            kt: new_params.kt,
            krn: new_params.krn,
            ken,
            ti: new_params.ti,
            rollover: rollover || new_base,
            sgc: (with_sgc || self.key_len == 16).then_some(new_params.sgc),
        };
        let set = self.key_change_set(&change)?;
        self.cipher = TokenCipher::new(self.algorithm, &change.key)?;
        self.kt = Some(new_params.kt);
        self.ken = ken;
        self.base_date = new_params.base_date;
        if change.rollover {
            self.last_tid = None;
        }
        Ok(set)
    }
}
