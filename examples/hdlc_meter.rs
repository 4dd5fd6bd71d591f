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
use std::net::TcpListener;
use std::process::ExitCode;

use dlms::hdlc::{Address, HdlcParameters};
use dlms::link::{HdlcServer, ServerConfig, Timeouts};
use dlms::session::server::{Server, ServerConfig as SessionConfig};
use meterkit_examples::meter::{self, LLS_CLIENT, LLS_PASSWORD, Meter, PUBLIC_CLIENT};
use meterkit_examples::net::TcpLink;

const ADDRESS: Address = match Address::server(1, Some(17)) {
    Ok(a) => a,
    Err(_) => panic!("valid address"),
};

/// The largest APDU each way: the server session's receive PDU and its transmit buffer.
const PDU: usize = 1024;

const CONFIG: ServerConfig = ServerConfig {
    address: ADDRESS,
    parameters: HdlcParameters::DEFAULT,
    max_apdu_rx: PDU,
    max_apdu_tx: PDU,
    timeouts: Timeouts::SERVER,
};

/// The storage of the link, sized at compile time from its configuration.
const STORAGE: usize = HdlcServer::<[u8; 0]>::storage_len(&CONFIG);

struct Options {
    port: u16,
    once: bool,
    rows: u32,
    trace: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        port: 4061,
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
        "meter {ADDRESS} listening on {local} ({STORAGE} bytes of link storage, {} profile rows)",
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
        // A new port session: a fresh link in the disconnected state.
        let link = HdlcServer::new(CONFIG, [0u8; STORAGE]).map_err(|e| e.to_string())?;
        let mut port = TcpLink::new(socket, link);
        port.trace = o.trace;
        let result = port.serve(&mut server, &mut meter, &mut request, &mut response);
        // The line is gone: so are the associations on it.
        for sap in [PUBLIC_CLIENT, LLS_CLIENT] {
            server.link_lost(sap);
        }
        match result {
            Ok(n) => println!("{peer}: closed after {n} requests; {:?}", port.link.stats()),
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
            eprintln!("hdlc_meter: {e}");
            ExitCode::FAILURE
        }
    }
}
