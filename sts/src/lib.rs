//! STS prepayment tokens (IEC 62055-41).
//!
//! **Status: placeholder.** This crate will hold the 20-digit token codec for every token class,
//! the encryption algorithms EA07 (STA, with the substitution tables as a parameter), EA09 (DES)
//! and EA11 (MISTY1), decoder-key generation (DKGA02, DKGA04), key-change token sets, a no_std
//! meter-side decoder with TID memory and key-change staging, and a vending-side encoder.
//!
//! It has no public API yet.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
