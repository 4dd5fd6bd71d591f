//! STS prepayment tokens (IEC 62055-41): the 20-digit token codec for every token class, the
//! encryption algorithms EA07 (STA), EA09 (DES) and EA11 (MISTY1), decoder key generation
//! (DKGA02, DKGA04), key-change token sets, a `no_std`, heap-free meter-side [`Decoder`] and a
//! vending-side [`TokenIssuer`].
//!
//! ```
//! use sts::decoder::{Action, Decoder, DecoderConfig, MeterKey, Outcome};
//! use sts::vend::{TokenData, TokenIssuer};
//! use sts::{Algorithm, BaseDate, DateTime, Dkga04, AlgorithmCode, KeyGenerator, KeyType,
//!           MeterKeyParams, Pan, Register, Utility, VendingKey};
//!
//! // Vending side: the meter's decoder key comes from the vending key and the meter's identity.
//! let vk = VendingKey::from_hex("abababababababab949494949494949401234567")?;
//! let generator = KeyGenerator::Dkga04(Dkga04::new(&vk)?);
//! let meter = MeterKeyParams {
//!     pan: Pan::from_meter_number("00000000000")?, // IIN 600727 + meter number
//!     kt: KeyType::Dutk, sgc: 123_457, ti: 1, krn: 1, base_date: BaseDate::Y1993,
//! };
//! let mut issuer = TokenIssuer::from_vending_key(&generator, &meter, Algorithm::Ea11, 255)?;
//! # struct Rnd; impl rand_core::TryRng for Rnd { type Error = core::convert::Infallible;
//! #   fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(5) }
//! #   fn try_next_u64(&mut self) -> Result<u64, Self::Error> { Ok(5) }
//! #   fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(5); Ok(()) } }
//! # let mut rng = Rnd; // any rand_core::Rng
//! let at = DateTime::new(2004, 3, 1, 13, 0)?; // UTC
//! let sold = issuer.issue(&TokenData::Credit { utility: Utility::Electricity, tenths: 1 }, at, &mut rng)?;
//! // STS 531-1-0-04 CTSA01 step 1: 0.1 kWh, RND 5.
//! assert_eq!(sold.number.to_string(), "59386323472137426967");
//!
//! // Meter side: the same key, held by the decoder with its TID memory.
//! let key = MeterKey {
//!     key: generator.derive(&meter, AlgorithmCode::Ea11)?,
//!     kt: KeyType::Dutk, krn: 1, ken: 255, ti: 1, sgc: Some(123_457), base_date: BaseDate::Y1993,
//! };
//! let mut decoder: Decoder<'_> = Decoder::new(Algorithm::Ea11, key, DecoderConfig::default())?;
//! let outcome = decoder.handle_token(b"59386323472137426967", 0, |_register| 0);
//! assert!(matches!(
//!     outcome,
//!     Outcome::Accepted { action: Action::AddCredit { register: Register::ELECTRICITY, amount: 1 }, .. }
//! ));
//! # Ok::<(), sts::Error>(())
//! ```
//!
//! # Layers
//!
//! | module | what |
//! |---|---|
//! | [`codec`] | 20 digits ↔ 66-bit [`TokenNumber`] ↔ class + 64-bit block (class-bit transposition) |
//! | [`block`], [`token`] | the data block view and [`TokenRepr`], one variant per class/subclass layout |
//! | [`crc`], [`amount`], [`tid`] | CRC-16 / CRC_C, transfer and currency amounts (exact integers), TIDs and base dates |
//! | [`sta`], [`misty1`], [`cipher`] | EA07 with [`StaTables`] as a parameter, EA11, EA09 via RustCrypto `des`; [`TokenCipher`] |
//! | [`key`], [`dkga`] | [`DecoderKey`], [`VendingKey`], [`Pan`], DKGA02 and DKGA04 |
//! | [`decoder`] | the meter side: result codes, TID memory, key-change staging, limits, state persistence |
//! | [`vend`] | the vending side: TIDs from date-times, batches, key-change sets, base-date changes |
//!
//! # Facts and conventions
//!
//! * Keys are canonical big-endian (NectarAPI/tokens-service prints EA07 keys byte-reversed).
//! * The STA tables are a parameter: the IEC 62055-41 **sample** tables are built in
//!   ([`sta::SAMPLE_TABLES`], for tests); production tables come from the STS Association and
//!   are not part of this crate.
//! * TIDs count minutes from the base date in UTC; the minute 00:01 is never issued.
//! * No floating point: amounts are integers in tenths of a unit, W, or 10^-5 currency units.
//!
//! # Panics
//!
//! Nothing in this crate panics on input: every length is checked, no allocation is sized by a
//! token or a state image, and the meter side uses no heap. [`DataBlock`] accessors read zeros
//! and write nothing on buffers shorter than a block (after [`DataBlock::check_len`] they are
//! exact); [`TokenRepr::parse`] never panics; [`TokenRepr::emit`] never panics.
//!
//! # Features
//!
//! * `alloc`: [`TokenIssuer::issue_batch`] returning a `Vec`.
//! * `std` (default): `alloc` and `std::error::Error` through `thiserror`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod amount;
pub mod block;
pub mod cipher;
pub mod codec;
pub mod crc;
pub mod decoder;
pub mod dkga;
pub mod error;
pub mod key;
pub mod misty1;
pub mod sta;
pub mod tid;
pub mod token;
pub mod vend;

pub use amount::{CurrencyAmount, TransferAmount};
pub use block::DataBlock;
pub use cipher::{Algorithm, AlgorithmCode, DecodedToken, TokenCipher};
pub use codec::{TokenClass, TokenNumber};
pub use crc::{CrcKind, crc16};
pub use decoder::Decoder;
pub use dkga::{Dkga02, Dkga04, KeyGenerator, MeterKeyParams, Pan};
pub use error::{Error, Result};
pub use key::{DecoderKey, VendingKey};
pub use sta::StaTables;
pub use tid::{BaseDate, DateTime, Tid};
pub use token::{KeyType, Register, TokenRepr, Utility};
pub use vend::TokenIssuer;
