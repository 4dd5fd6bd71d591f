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
use std::net::TcpListener;
use std::process::ExitCode;

use dlms::link::{WrapperLink, WrapperMode};
use dlms::session::server::{Server, ServerConfig as SessionConfig};
use meterkit_examples::meter::{self, LLS_CLIENT, LLS_PASSWORD, Meter, PUBLIC_CLIENT};
use meterkit_examples::net::TcpLink;

/// The largest APDU each way.
const PDU: usize = 1024;

/// The logical device's wPort (the management logical device).
const LOGICAL_DEVICE: u16 = 1;

/// The link's storage: a receive and a transmit buffer of one wrapper PDU each.
const STORAGE: usize = WrapperLink::<[u8; 0]>::storage_len(PDU);

struct Options {
    port: u16,
    once: bool,
    rows: u32,
    trace: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        port: 4059,
        once: false,
        rows: meter::DEFAULT_ROWS,
        trace: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                o.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--rows" => {
                o.rows = value("--rows")?
                    .parse()
                    .map_err(|e| format!("--rows: {e}"))?
            }
            "--once" => o.once = true,
            "--trace" => o.trace = true,
            other => {
                return Err(format!(
                    "unknown argument {other}; options: --port N --once --rows N --trace"
                ));
            }
        }
    }
    Ok(o)
}

fn run() -> Result<(), String> {
    let o = options()?;
    let listener = TcpListener::bind(("127.0.0.1", o.port)).map_err(|e| format!("bind: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "meter (wPort {LOGICAL_DEVICE}) listening on {local} ({} profile rows)",
        o.rows
    );
    let mut server: Server<'_, 2> = Server::new(
        SessionConfig::new(PDU as u16),
        meter::associations(LLS_PASSWORD),
    );
    let mut meter = Meter::new(o.rows);
    let mut request = [0u8; PDU];
    let mut response = [0u8; PDU];
    for stream in listener.incoming() {
        let socket = match stream {
            Ok(s) => s,
            Err(e) => {
                println!("accept: {e}");
                continue;
            }
        };
        let peer = socket
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        println!("{peer}: connected");
        let link = WrapperLink::new(
            LOGICAL_DEVICE,
            PUBLIC_CLIENT,
            WrapperMode::Stream,
            [0u8; STORAGE],
        )
        .map_err(|e| e.to_string())?;
        let mut port = TcpLink::new(socket, link);
        port.trace = o.trace;
        let result = port.serve(&mut server, &mut meter, &mut request, &mut response);
        // TCP closed: the associations made over it end with it.
        for sap in [PUBLIC_CLIENT, LLS_CLIENT] {
            server.link_lost(sap);
        }
        match result {
            Ok(n) => println!("{peer}: closed after {n} requests"),
            Err(e) if o.once => return Err(format!("{peer}: {e}")),
            Err(e) => println!("{peer}: ended: {e}"),
        }
        if o.once {
            break;
        }
    }
    Ok(())
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
