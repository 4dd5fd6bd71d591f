//! A meter on the sans-IO stack, the way firmware holds it: the HDLC server link
//! (IEC 62056-46) and the server session (IEC 62056-5-3) in fixed buffers sized at compile
//! time, and the meter's objects as an `Application` ([`meterkit_examples::meter`]: clock,
//! logical device name, two energy registers, a load profile served in blocks, and the
//! association's object list). A TCP listener on the loopback interface stands in for the
//! meter's serial port: each TCP connection is one port session, in which clients connect
//! (SNRM/UA), associate and disconnect (DISC) as often as they like.
//!
//! Associations: the public client (SAP 16) without authentication, and SAP 17 with low
//! level security, password `12345678`; both read-only. The server address is logical 1,
//! physical 17.
//!
//! ```sh
//! cargo run -p meterkit-examples --example hdlc_meter -- --port 4061
//! cargo run -p meterkit-examples --example hdlc_client -- 127.0.0.1:4061 --auth lls
//! ```
//!
//! Options: `--port N` (default 4061), `--once` (serve one connection, then exit),
//! `--rows N` (profile rows, default 960), `--trace` (print every frame).
use std::process::ExitCode;

use dlms::hdlc::{Address, HdlcParameters};
use dlms::link::{HdlcServer, ServerConfig, Timeouts};
use meterkit_examples::meter::PDU;
use meterkit_examples::net::{MeterOptions, serve_meter};

const ADDRESS: Address = match Address::server(1, Some(17)) {
    Ok(a) => a,
    Err(_) => panic!("valid address"),
};

const CONFIG: ServerConfig = ServerConfig {
    address: ADDRESS,
    parameters: HdlcParameters::DEFAULT,
    max_apdu_rx: PDU,
    max_apdu_tx: PDU,
    timeouts: Timeouts::SERVER,
};

/// The storage of the link, sized at compile time from its configuration.
const STORAGE: usize = HdlcServer::<[u8; 0]>::storage_len(&CONFIG);

fn run() -> Result<(), String> {
    let o = MeterOptions::from_args(4061)?;
    serve_meter(
        &o,
        |local| {
            format!(
                "meter {ADDRESS} listening on {local} ({STORAGE} bytes of link storage, {} profile rows)",
                o.rows
            )
        },
        // A new port session: a fresh link in the disconnected state.
        || HdlcServer::new(CONFIG, [0u8; STORAGE]).map_err(|e| e.to_string()),
        |link| format!("; {:?}", link.stats()),
    )
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hdlc_meter: {e}");
            ExitCode::FAILURE
        }
    }
}
