//! DLMS/COSEM protocol stack (IEC 62056).
//!
//! **Status: placeholder.** This crate will hold, layer by layer and in the order data flows
//! (bytes → frame → APDU → object):
//!
//! - the link layer: zero-copy HDLC frame format type 3 (IEC 62056-46) and the TCP/UDP wrapper
//!   (IEC 62056-47), with sans-IO client and server link state machines;
//! - the application layer: A-XDR data, ACSE (AARQ/AARE/RLRQ/RLRE) and every xDLMS APDU,
//!   decoded without copying and emitted into a caller's buffer;
//! - security: suites 0, 1 and 2, every ciphering envelope and authentication mechanism.
//!
//! None of it is public API yet; nothing here should be relied on.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

