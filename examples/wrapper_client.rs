//! A head-end reading a meter over the wrapper (IEC 62056-47) on TCP, port 4059 by default,
//! with the client session (IEC 62056-5-3) on a `WrapperLink`: associate (no
//! authentication or LLS), read the clock, the energy registers and the load profile (GET
//! with block transfer), release. See [`meterkit_examples::head_end`]. The meter's logical
//! device is wPort 1; the client's wPort is its SAP.
//!
//! ```sh
//! cargo run -p meterkit-examples --example wrapper_meter &
//! cargo run -p meterkit-examples --example wrapper_client -- 127.0.0.1:4059 --auth lls
//! ```
use std::net::TcpStream;
use std::process::ExitCode;

use dlms::link::{WrapperLink, WrapperMode};
use meterkit_examples::cli::ClientOptions;
use meterkit_examples::head_end::{HeadEnd, Reading};
use meterkit_examples::net::TcpLink;

fn run() -> Result<(), String> {
    let o = ClientOptions::parse(std::env::args().skip(1), 4059)?;
    let link = WrapperLink::new(
        o.client,
        1,
        WrapperMode::Stream,
        vec![0u8; WrapperLink::<Vec<u8>>::storage_len(2048)],
    )
    .map_err(|e| e.to_string())?;
    let socket = TcpStream::connect(&o.target).map_err(|e| format!("{}: {e}", o.target))?;
    let mut link = TcpLink::new(socket, link);
    link.trace = o.trace;
    let mut head = HeadEnd::new(o.authentication(), link)?;
    head.read_meter(Reading { profile: o.profile })?;
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wrapper_client: {e}");
            ExitCode::FAILURE
        }
    }
}
