//! COSEM interface classes (IEC 62056-6-2, DLMS UA Blue Book).
//!
//! **Status: placeholder.** This crate will model the interface classes a smart meter exposes —
//! Data, Register, Extended and Demand register, Clock, Profile generic, Association LN,
//! Security setup, Activity calendar, Special days table, Register activation, Disconnect control,
//! Limiter, Push setup and the payment-metering classes (Account, Credit, Charge, Token gateway) —
//! with their attributes, methods and access rights, on top of the `obis` and `dlms` crates.
//!
//! It has no public API yet.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
