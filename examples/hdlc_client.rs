//! A head-end reading a meter over TCP-HDLC ("HDLC over IP": a serial-to-TCP gateway, or a
//! meter that frames with HDLC on its TCP port), with the sans-IO HDLC client link
//! (IEC 62056-46) under the client session (IEC 62056-5-3).
//!
//! It connects (SNRM/UA), associates (AARQ/AARE, no authentication or LLS), reads the clock,
//! the energy registers with their scaler_unit and the load profile (GET with block
//! transfer), releases (RLRQ/RLRE) and disconnects (DISC/UA). See
//! [`meterkit_examples::head_end`]. Server address: logical 1, physical 17.
//!
//! ```sh
//! cargo run -p meterkit-examples --example hdlc_meter &
//! cargo run -p meterkit-examples --example hdlc_client -- 127.0.0.1:4061 --auth lls --password 12345678
//! ```
use std::net::TcpStream;
use std::process::ExitCode;

use dlms::hdlc::Address;
use dlms::link::{ClientConfig, HdlcClient, LinkEvent};
use meterkit_examples::cli::ClientOptions;
use meterkit_examples::head_end::{ANSWER_TIMEOUT, HeadEnd, Reading};
use meterkit_examples::net::TcpLink;

fn run() -> Result<(), String> {
    let o = ClientOptions::parse(std::env::args().skip(1), 4061)?;
    let client =
        u8::try_from(o.client).map_err(|_| "an HDLC client address is one byte (0 to 127)")?;
    let mut config = ClientConfig::new(
        Address::client(client).map_err(|e| format!("client address: {e}"))?,
        Address::server(1, Some(17)).map_err(|e| e.to_string())?,
    );
    config.max_apdu_rx = 2048;
    config.max_apdu_tx = 2048;
    let link = HdlcClient::new(
        config,
        vec![0u8; HdlcClient::<Vec<u8>>::storage_len(&config)],
    )
    .map_err(|e| e.to_string())?;
    let socket = TcpStream::connect(&o.target).map_err(|e| format!("{}: {e}", o.target))?;
    let mut link = TcpLink::new(socket, link);
    link.trace = o.trace;

    let now = link.now();
    link.link.connect(now).map_err(|e| e.to_string())?;
    let parameters = link.run(ANSWER_TIMEOUT, |e| match e {
        LinkEvent::Connected { parameters, .. } => Some(*parameters),
        _ => None,
    })?;
    println!("connected: {parameters:?}");

    let mut head = HeadEnd::new(o.authentication(), link)?;
    head.read_meter(Reading { profile: o.profile })?;

    let now = head.link.now();
    head.link.link.disconnect(now).map_err(|e| e.to_string())?;
    head.link.run(ANSWER_TIMEOUT, |e| {
        matches!(e, LinkEvent::Disconnected { .. }).then_some(())
    })?;
    println!("disconnected; {:?}", head.link.link.stats());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hdlc_client: {e}");
            ExitCode::FAILURE
        }
    }
}
