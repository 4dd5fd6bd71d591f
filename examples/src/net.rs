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
