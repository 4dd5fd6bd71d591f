//! The meter of `hdlc_meter` on the wrapper (IEC 62056-47) over TCP, port 4059 by default:
//! the same objects ([`meterkit_examples::meter`]) and associations, with a `WrapperLink` in
//! one fixed buffer instead of the HDLC link. The wrapper has no connection of its own: the
//! TCP connection is the link, and the client's wPort (the source of each request) selects
//! the association.
//!
//! ```sh
//! cargo run -p meterkit-examples --example wrapper_meter -- --port 4059
//! cargo run -p meterkit-examples --example wrapper_client -- 127.0.0.1:4059
//! ```
//!
//! Options: `--port N` (default 4059), `--once` (serve one connection, then exit),
//! `--rows N` (profile rows, default 960), `--trace` (print every PDU).
use std::process::ExitCode;

use dlms::link::{WrapperLink, WrapperMode};
use meterkit_examples::meter::{PDU, PUBLIC_CLIENT};
use meterkit_examples::net::{MeterOptions, serve_meter};

/// The logical device's wPort (the management logical device).
const LOGICAL_DEVICE: u16 = 1;

/// The link's storage: a receive and a transmit buffer of one wrapper PDU each.
const STORAGE: usize = WrapperLink::<[u8; 0]>::storage_len(PDU);

fn run() -> Result<(), String> {
    let o = MeterOptions::from_args(4059)?;
    serve_meter(
        &o,
        |local| {
            format!(
                "meter (wPort {LOGICAL_DEVICE}) listening on {local} ({} profile rows)",
                o.rows
            )
        },
        // TCP is the connection: a fresh link for each.
        || {
            WrapperLink::new(
                LOGICAL_DEVICE,
                PUBLIC_CLIENT,
                WrapperMode::Stream,
                [0u8; STORAGE],
            )
            .map_err(|e| e.to_string())
        },
        |_| String::new(),
    )
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wrapper_meter: {e}");
            ExitCode::FAILURE
        }
    }
}
