//! Head-end use of the sans-IO HDLC client over TCP ("HDLC over IP": a serial-to-TCP gateway,
//! or a meter that frames with HDLC on its TCP port). The adapter below is all the I/O there
//! is: it moves bytes between the socket and the link and turns wall-clock time into the
//! link's milliseconds.
//!
//! It connects (SNRM/UA), sends an AARQ (public client, LN referencing, no security), prints
//! the answer, sends a GET for the clock, prints the answer, and disconnects.
//!
//! ```sh
//! cargo run -p meterkit-examples --example hdlc_meter -- 127.0.0.1:4061 &
//! cargo run -p meterkit-examples --example hdlc_client -- 127.0.0.1:4061 1 17 16
//! ```
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use dlms::hdlc::{Address, MAX_FRAME_LEN_WITH_FLAGS};
use dlms::link::{ClientConfig, HdlcClient, Instant, LinkEvent};
use meterkit_examples::to_hex;

/// The AARQ of u9n/dlms-cosem's HDLC test (LN referencing, no authentication).
const AARQ: &[u8] = &[
    0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10, 0x04,
    0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x1E, 0x1D, 0xFF, 0xFF,
];
/// GET-Request-Normal, clock 0-0:1.0.0.255 attribute 2.
const GET_CLOCK: &[u8] = &[
    0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00,
];

/// The thin std adapter: a socket, a clock, and the client.
struct Session {
    socket: TcpStream,
    start: StdInstant,
    client: HdlcClient<Vec<u8>>,
    frame: Vec<u8>,
    read_buf: [u8; 1024],
}

impl Session {
    fn now(&self) -> Instant {
        Instant::from_millis(self.start.elapsed().as_millis() as u64)
    }

    /// Runs the link until `done` says so for an event, or the link goes down.
    fn run(&mut self, mut done: impl FnMut(&LinkEvent<'_>) -> bool) -> std::io::Result<bool> {
        loop {
            let now = self.now();
            while let Some(n) = self
                .client
                .poll_transmit(&mut self.frame, now)
                .expect("frame buffer")
            {
                println!("-> {}", to_hex(&self.frame[..n]));
                self.socket.write_all(&self.frame[..n])?;
            }
            // Wait for bytes until the next timer, at most a second.
            let wait = self
                .client
                .poll_timeout()
                .map_or(1000, |t| t.millis().saturating_sub(now.millis()).max(1));
            self.socket
                .set_read_timeout(Some(StdDuration::from_millis(wait.min(1000))))?;
            match self.socket.read(&mut self.read_buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    println!("<- {}", to_hex(&self.read_buf[..n]));
                    let mut rest = &self.read_buf[..n];
                    while !rest.is_empty() {
                        let now = self.now();
                        let used = self.client.handle_input(rest, now);
                        rest = &rest[used..];
                        while let Some(event) = self.client.poll_event() {
                            println!("   {event:?}");
                            if matches!(event, LinkEvent::Disconnected { .. }) {
                                return Ok(false);
                            }
                            if done(&event) {
                                return Ok(true);
                            }
                        }
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(e),
            }
            self.client.handle_timeout(self.now());
            while let Some(event) = self.client.poll_event() {
                println!("   {event:?}");
                if matches!(event, LinkEvent::Disconnected { .. }) {
                    return Ok(false);
                }
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "127.0.0.1:4061".to_string());
    let logical: u16 = args.next().map_or(Ok(1), |a| a.parse())?;
    let physical: Option<u16> = args.next().map(|a| a.parse()).transpose()?;
    let sap: u8 = args.next().map_or(Ok(16), |a| a.parse())?;

    let config = ClientConfig::new(Address::client(sap)?, Address::server(logical, physical)?);
    let storage = vec![0u8; HdlcClient::<Vec<u8>>::storage_len(&config)];
    let mut session = Session {
        socket: TcpStream::connect(&target)?,
        start: StdInstant::now(),
        client: HdlcClient::new(config, storage)?,
        frame: vec![0u8; MAX_FRAME_LEN_WITH_FLAGS],
        read_buf: [0u8; 1024],
    };
    session.client.connect(session.now())?;
    if !session.run(|e| matches!(e, LinkEvent::Connected { .. }))? {
        return Err("the meter did not accept the connection".into());
    }
    for request in [AARQ, GET_CLOCK] {
        let now = session.now();
        session.client.send(request, now)?;
        if !session.run(|e| matches!(e, LinkEvent::Apdu(_)))? {
            return Err("the link went down".into());
        }
    }
    let now = session.now();
    session.client.disconnect(now)?;
    session.run(|_| false)?;
    println!("{:?}", session.client.stats());
    Ok(())
}
