//! Helpers shared by the example programs of the meterkit workspace.
//!
//! The programs themselves are beside this crate's manifest; run one with
//! `cargo run -p meterkit-examples --example <name>`.

/// Formats bytes as lowercase hex, for printing what an example sends or receives.
#[must_use]
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
