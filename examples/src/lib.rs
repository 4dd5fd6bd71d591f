//! Helpers shared by the example programs of the meterkit workspace.
//!
//! The programs themselves are beside this crate's manifest; run one with
//! `cargo run -p meterkit-examples --example <name>`.
//!
//! - [`meter`]: the COSEM objects of the `hdlc_meter` and `wrapper_meter` examples, an
//!   [`Application`](dlms::session::server::Application) of the server session.
//! - [`head_end`]: what `hdlc_client` and `wrapper_client` read, with the client session.
//! - [`net`]: a link on a TCP stream, for both; [`cli`]: the client examples' options.

pub mod cli;
pub mod head_end;
pub mod meter;
pub mod net;

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

/// Parses hex (whitespace ignored), for the bytes an example takes on its command line.
///
/// # Errors
/// A message for an odd number of digits or a character that is not a hex digit.
pub fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .ok_or_else(|| "not hex".to_string())
                .and_then(|d| u8::from_str_radix(d, 16).map_err(|e| e.to_string()))
        })
        .collect()
}

/// A Landis+Gyr E450 push in clear: a 242-byte DataNotification (the `notif242` benchmark
/// input), for the push examples.
pub const E450_PUSH: &str = concat!(
    "0f00177bca0c07e602150111251eff8000000221090c07e602150111251eff80000009060100010800ff06004345",
    "a009060100010801ff060036d6bf09060100010802ff06000c6ee109060100010700ff0600000b4d090601000208",
    "00ff060000000009060100020801ff060000000009060100020802ff060000000009060100020700ff0600000000",
    "09060100030800ff06001849e809060100030801ff060014bb9e09060100030802ff0600038e4a09060100030700",
    "ff06000006c709060100040800ff06001560ad09060100040801ff06000d502309060100040802ff060008108a09",
    "060100040700ff0600000000",
);
