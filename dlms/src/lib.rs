//! DLMS/COSEM protocol stack (IEC 62056).
//!
//! **Status: in progress.** This crate holds, layer by layer and in the order data flows
//! (bytes → frame → APDU → object):
//!
//! - the link layer: zero-copy HDLC frame format type 3 (IEC 62056-46) and the TCP/UDP wrapper
//!   (IEC 62056-47), with sans-IO client and server link state machines;
//! - the application layer: A-XDR data, ACSE (AARQ/AARE/RLRQ/RLRE) and every xDLMS APDU,
//!   decoded without copying and emitted into a caller's buffer;
//! - security: suites 0, 1 and 2, every ciphering envelope and authentication mechanism.
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

pub mod error;

pub use error::{Error, Result};

// ---- link layer: `hdlc`, `wrapper`, `link` ---------------------------------------------------
pub mod hdlc;
pub mod link;
pub mod wrapper;

// ---- application layer: `axdr`, `apdu` (ACSE and xDLMS) --------------------------------------
pub mod apdu;
pub mod axdr;

// ---- security: `security` ----------------------------------------------------------------------
pub mod security;
