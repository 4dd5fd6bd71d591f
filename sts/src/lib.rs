//! STS prepayment tokens (IEC 62055-41).
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
pub use cipher::{Algorithm, DecodedToken, EncryptionAlgorithm, TokenCipher};
pub use codec::{TokenClass, TokenNumber};
pub use crc::{CrcKind, crc16};
pub use dkga::{Dkga02, Dkga04, KeyGenerator, MeterKeyParams, Pan};
pub use error::{Error, Result};
pub use key::{DecoderKey, VendingKey};
pub use sta::StaTables;
pub use tid::{BaseDate, DateTime, Tid};
pub use token::{KeyType, Register, TokenRepr, Utility};
