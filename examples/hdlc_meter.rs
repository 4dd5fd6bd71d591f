//! Meter-side use of the sans-IO HDLC server, the way firmware holds it: all buffers in one
//! fixed array sized at compile time, no heap. A TCP listener stands in for the meter's serial
//! port; the loop (bytes in, events, answers, frames out, timers) is what a firmware main
//! loop or UART task does.
//!
//! It answers an AARQ with an AARE (accepted), an RLRQ with an RLRE, a GET with a
//! GET-Response carrying `object-undefined`, a request longer than its receive buffer with
//! exception-response `pdu-too-long`, and anything else with exception-response
//! `service-not-supported`; pushes are not sent.
//!
//! ```sh
//! cargo run -p meterkit-examples --example hdlc_meter -- 127.0.0.1:4061
//! ```
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use dlms::Error;
use dlms::hdlc::{Address, HdlcParameters, MAX_FRAME_LEN_WITH_FLAGS};
use dlms::link::{HdlcServer, Instant, LinkEvent, ServerConfig, Timeouts};
use meterkit_examples::to_hex;

const ADDRESS: Address = match Address::server(1, Some(17)) {
    Ok(a) => a,
    Err(_) => panic!("valid address"),
};

const CONFIG: ServerConfig = ServerConfig {
    address: ADDRESS,
    parameters: HdlcParameters::DEFAULT,
    max_apdu_rx: 512,
    max_apdu_tx: 512,
    timeouts: Timeouts::SERVER,
};

/// The storage of the link, sized at compile time from its configuration.
const STORAGE: usize = HdlcServer::<[u8; 0]>::storage_len(&CONFIG);

/// The AARE of u9n/dlms-cosem's HDLC test (accepted, LN, no ciphering, server PDU 1224).
const AARE: &[u8] = &[
    0x61, 0x29, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xA2, 0x03, 0x02,
    0x01, 0x00, 0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, 0x00, 0xBE, 0x10, 0x04, 0x0E, 0x08, 0x00, 0x06,
    0x5F, 0x1F, 0x04, 0x00, 0x00, 0x1E, 0x1D, 0x04, 0xC8, 0x00, 0x07,
];

/// exception-response: state-error service-not-allowed (1), service-error pdu-too-long (4)
/// (DLMS Green Book, EXCEPTION-Response).
const PDU_TOO_LONG: &[u8] = &[0xD8, 0x01, 0x04];

/// The answer to a request.
fn answer(request: &[u8], out: &mut [u8; 16]) -> usize {
    match request {
        [0x60, ..] => 0,
        [0x62, ..] => {
            // RLRE, reason normal.
            out[..5].copy_from_slice(&[0x63, 0x03, 0x80, 0x01, 0x00]);
            5
        }
        [0xC0, 0x01, invoke, ..] => {
            // GET-Response-Normal, data-access-result object-undefined (4).
            out[..5].copy_from_slice(&[0xC4, 0x01, *invoke, 0x01, 0x04]);
            5
        }
        _ => {
            // exception-response: service not supported.
            out[..3].copy_from_slice(&[0xD8, 0x01, 0x02]);
            3
        }
    }
}

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4061".to_string());
    let listener = TcpListener::bind(&bind)?;
    println!("meter {ADDRESS} listening on {bind} ({STORAGE} bytes of link storage)");
    let start = StdInstant::now();
    let now = || Instant::from_millis(start.elapsed().as_millis() as u64);
    let mut meter = HdlcServer::new(CONFIG, [0u8; STORAGE]).expect("storage fits the config");
    let mut frame = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
    let mut rx = [0u8; 256];
    // Answers waiting for the link (see `LinkBusy` below).
    let mut answers: VecDeque<Vec<u8>> = VecDeque::new();
    for stream in listener.incoming() {
        let mut port = stream?;
        port.set_read_timeout(Some(StdDuration::from_millis(100)))?;
        loop {
            let n = match port.read(&mut rx) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => 0,
                Err(e) => return Err(e),
            };
            let mut rest = &rx[..n];
            loop {
                let used = meter.handle_input(rest, now());
                rest = &rest[used..];
                while let Some(event) = meter.poll_event() {
                    match event {
                        LinkEvent::Apdu(request) => {
                            println!("request {}", to_hex(request));
                            let mut reply = [0u8; 16];
                            let len = answer(request, &mut reply);
                            let apdu = if len == 0 { AARE } else { &reply[..len] };
                            answers.push_back(apdu.to_vec());
                        }
                        LinkEvent::ApduTooLong { len, capacity } => {
                            // The request did not fit our receive buffer; the client waits
                            // for an answer: exception-response, service-not-allowed,
                            // pdu-too-long.
                            println!("request of {len} bytes exceeds {capacity}");
                            answers.push_back(PDU_TOO_LONG.to_vec());
                        }
                        LinkEvent::Disconnected { .. } => {
                            println!("{event:?}");
                            // Answers for a link that is gone are never sent.
                            answers.clear();
                        }
                        other => println!("{other:?}"),
                    }
                }
                // A client may send its next request before our last answer went out (or was
                // acknowledged): `send` then fails with `LinkBusy`. That is the peer's timing,
                // not an error of ours, so the answers wait in a queue and go out in order as
                // the link frees up (`LinkEvent::Sent`). Firmware would use a fixed-size queue
                // and answer exception-response when it is full.
                while let Some(apdu) = answers.front() {
                    match meter.send(apdu) {
                        Ok(()) => {
                            answers.pop_front();
                        }
                        Err(Error::LinkBusy) => break,
                        Err(e) => {
                            // Not connected any more, or longer than `max_apdu_tx`: drop it.
                            println!("answer dropped: {e}");
                            answers.pop_front();
                        }
                    }
                }
                if rest.is_empty() {
                    break;
                }
            }
            while let Some(n) = meter.poll_transmit(&mut frame).expect("frame buffer") {
                port.write_all(&frame[..n])?;
            }
            meter.handle_timeout(now());
        }
        println!("connection closed; {:?}", meter.stats());
    }
    Ok(())
}
