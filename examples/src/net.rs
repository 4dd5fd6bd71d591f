//! The std glue of the session examples: a [`Transport`] (an HDLC link, IEC 62056-46, or the
//! wrapper, IEC 62056-47) on a TCP stream. This is all the I/O there is: bytes move between
//! the socket and the link, wall-clock time becomes the link's milliseconds, and the
//! sessions above see whole APDUs.

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use dlms::hdlc::MAX_FRAME_LEN_WITH_FLAGS;
use dlms::link::{Instant, LinkEvent, Transport};
use dlms::session::server::{Application, Server};

use crate::to_hex;

/// The longest frame or wrapper PDU the examples transmit in one write.
const FRAME_LEN: usize = MAX_FRAME_LEN_WITH_FLAGS + 4096;

/// A link on a TCP stream.
#[derive(Debug)]
pub struct TcpLink<T> {
    /// The socket.
    pub socket: TcpStream,
    /// The link.
    pub link: T,
    /// Print every frame sent and received (hex).
    pub trace: bool,
    start: StdInstant,
    frame: Vec<u8>,
    /// Bytes read and not yet taken by the link.
    pending: Vec<u8>,
}

impl<T: Transport> TcpLink<T> {
    /// The link `link` on `socket`.
    #[must_use]
    pub fn new(socket: TcpStream, link: T) -> Self {
        TcpLink {
            socket,
            link,
            trace: false,
            start: StdInstant::now(),
            frame: vec![0u8; FRAME_LEN],
            pending: Vec::new(),
        }
    }

    /// The link's time: milliseconds since the link was made.
    #[must_use]
    pub fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// Writes what the link has to send.
    ///
    /// # Errors
    /// The socket's.
    pub fn flush(&mut self) -> io::Result<()> {
        loop {
            let now = self.now();
            match self.link.poll_transmit(&mut self.frame, now) {
                Ok(Some(n)) => {
                    let bytes = self.frame.get(..n).unwrap_or_default();
                    if self.trace {
                        println!("  -> {}", to_hex(bytes));
                    }
                    self.socket.write_all(bytes)?;
                }
                Ok(None) => return Ok(()),
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
    }

    /// Reads what the socket has, waiting until the link's next timer (at most `max_wait`).
    /// Returns `false` when the peer closed the connection.
    fn read(&mut self, max_wait: StdDuration) -> io::Result<bool> {
        let now = self.now().millis();
        let mut wait = self
            .link
            .poll_timeout()
            .map_or(max_wait, |t| {
                StdDuration::from_millis(t.millis().saturating_sub(now))
            })
            .min(max_wait);
        if !self.pending.is_empty() {
            wait = wait.min(StdDuration::from_millis(10));
        }
        self.socket
            .set_read_timeout(Some(wait.max(StdDuration::from_millis(1))))?;
        let mut buf = [0u8; 2048];
        match self.socket.read(&mut buf) {
            Ok(0) => Ok(false),
            Ok(n) => {
                let bytes = buf.get(..n).unwrap_or_default();
                if self.trace {
                    println!("  <- {}", to_hex(bytes));
                }
                self.pending.extend_from_slice(bytes);
                Ok(true)
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Hands the pending bytes to the link, one event at a time: `each` runs after every
    /// step, and stops the feeding when it returns `Some`.
    fn feed<R>(&mut self, mut each: impl FnMut(&mut T, Instant) -> Option<R>) -> Option<R> {
        loop {
            let now = self.now();
            let used = self.link.handle_input(&self.pending, now);
            self.pending.drain(..used.min(self.pending.len()));
            if let Some(r) = each(&mut self.link, now) {
                return Some(r);
            }
            if used == 0 || self.pending.is_empty() {
                return None;
            }
        }
    }

    /// Runs the link until `want` takes an event, within `timeout`.
    ///
    /// # Errors
    /// A message when the time runs out, the peer closes the connection or the link goes
    /// down (unless `want` takes that event).
    pub fn run<R>(
        &mut self,
        timeout: StdDuration,
        mut want: impl FnMut(&LinkEvent<'_>) -> Option<R>,
    ) -> Result<R, String> {
        let deadline = StdInstant::now() + timeout;
        let mut step = |link: &mut T, _now: Instant| {
            while let Some(event) = link.poll_event() {
                if let Some(r) = want(&event) {
                    return Some(Ok(r));
                }
                match event {
                    LinkEvent::Disconnected { reason } => {
                        return Some(Err(format!("the link went down: {reason:?}")));
                    }
                    LinkEvent::Discarded(e) => println!("  (link discarded input: {e})"),
                    LinkEvent::FrameRejected(f) => println!("  (peer rejected a frame: {f:?})"),
                    _ => {}
                }
            }
            None
        };
        loop {
            self.flush().map_err(|e| format!("socket: {e}"))?;
            if let Some(r) = self.feed(&mut step) {
                return r;
            }
            let left = deadline.saturating_duration_since(StdInstant::now());
            if left.is_zero() {
                return Err(format!("no answer within {} ms", timeout.as_millis()));
            }
            let open = self
                .read(left.min(StdDuration::from_secs(1)))
                .map_err(|e| format!("socket: {e}"))?;
            let now = self.now();
            self.link.handle_timeout(now);
            if let Some(r) = self.feed(&mut step) {
                return r;
            }
            if !open && self.pending.is_empty() {
                return Err("the peer closed the connection".to_string());
            }
        }
    }

    /// Sends one APDU and returns the next APDU received.
    ///
    /// # Errors
    /// As [`run`](Self::run), and when the link does not take the APDU.
    pub fn exchange(&mut self, apdu: &[u8], timeout: StdDuration) -> Result<Vec<u8>, String> {
        let now = self.now();
        self.link
            .send(apdu, now)
            .map_err(|e| format!("send: {e}"))?;
        self.run(timeout, |e| match e {
            LinkEvent::Apdu(a) => Some(a.to_vec()),
            _ => None,
        })
    }

    /// Serves one connection with `server` and `app` until the peer closes it (the meter
    /// side): every request the link delivers goes to [`Server::serve`], every answer out.
    /// Returns the number of requests handled.
    ///
    /// # Errors
    /// The socket's, and the server's (they are faults of the caller's buffers, never of the
    /// peer).
    pub fn serve<A: Application, const N: usize>(
        &mut self,
        server: &mut Server<'_, N>,
        app: &mut A,
        request: &mut [u8],
        response: &mut [u8],
    ) -> io::Result<usize> {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let mut handled = 0;
        let mut failure = None;
        loop {
            let served = self.feed(|link, now| {
                match server.serve(link, app, &mut rng, request, response, now) {
                    Ok(n) => handled += n,
                    Err(e) => return Some(e),
                }
                None
            });
            if let Some(e) = served {
                failure = Some(io::Error::other(e.to_string()));
            }
            if let Some(e) = failure.take() {
                return Err(e);
            }
            self.flush()?;
            let open = self.read(StdDuration::from_secs(1))?;
            let now = self.now();
            self.link.handle_timeout(now);
            if !open && self.pending.is_empty() {
                // Let the server see what the link made of the last bytes and its timers.
                let now = self.now();
                handled += server
                    .serve(&mut self.link, app, &mut rng, request, response, now)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                return Ok(handled);
            }
        }
    }
}

/// The options of the meter examples: `--port N`, `--once` (serve one connection, then exit),
/// `--rows N` (profile rows), `--trace` (print every frame or PDU).
#[derive(Debug, Clone, Copy)]
pub struct MeterOptions {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// Serve one connection, then exit (with an error if it failed).
    pub once: bool,
    /// The load profile's rows.
    pub rows: u32,
    /// Print every frame or PDU.
    pub trace: bool,
}

impl MeterOptions {
    /// The options on the command line, `default_port` unless `--port` is given.
    ///
    /// # Errors
    /// An unknown argument or a bad value, said in words.
    pub fn from_args(default_port: u16) -> Result<Self, String> {
        let mut o = MeterOptions {
            port: default_port,
            once: false,
            rows: crate::meter::DEFAULT_ROWS,
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
}

/// Serves the example meter ([`crate::meter`]) on `127.0.0.1:port`: each TCP connection is one
/// port session over a fresh link from `new_link`, and when it closes the associations made
/// over it end. `banner` is printed once listening; `closed` says what to print of a link at
/// the end of its session.
///
/// # Errors
/// Binding the port; a link that cannot be made; with `--once`, the session's failure.
pub fn serve_meter<T: Transport>(
    o: &MeterOptions,
    banner: impl FnOnce(std::net::SocketAddr) -> String,
    mut new_link: impl FnMut() -> Result<T, String>,
    closed: impl Fn(&T) -> String,
) -> Result<(), String> {
    use crate::meter::{self, LLS_CLIENT, LLS_PASSWORD, Meter, PUBLIC_CLIENT};
    let listener =
        std::net::TcpListener::bind(("127.0.0.1", o.port)).map_err(|e| format!("bind: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("{}", banner(local));
    let mut server: Server<'_, 2> = Server::new(
        dlms::session::server::ServerConfig::new(meter::PDU as u16),
        meter::associations(LLS_PASSWORD),
    );
    let mut meter = Meter::new(o.rows);
    let mut request = [0u8; meter::PDU];
    let mut response = [0u8; meter::PDU];
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
        // A new port session: a fresh link.
        let mut port = TcpLink::new(socket, new_link()?);
        port.trace = o.trace;
        let result = port.serve(&mut server, &mut meter, &mut request, &mut response);
        // The line is gone: so are the associations on it.
        for sap in [PUBLIC_CLIENT, LLS_CLIENT] {
            server.link_lost(sap);
        }
        match result {
            Ok(n) => println!("{peer}: closed after {n} requests{}", closed(&port.link)),
            Err(e) if o.once => return Err(format!("{peer}: {e}")),
            Err(e) => println!("{peer}: ended: {e}"),
        }
        if o.once {
            break;
        }
    }
    Ok(())
}
