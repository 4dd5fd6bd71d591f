//! The client link: the primary station of normal response mode (head-end side).

use super::engine::{
    self, Accepted, Ack, Core, Pending, Regions, Role, TxKind, emit_frame, llc_bytes,
};
use super::{DisconnectReason, Instant, LinkEvent, LinkStats, Timeouts};
use crate::hdlc::{
    Address, AddressSize, Control, FrmrInfo, HdlcFrame, HdlcParameters, Llc, ParametersRepr,
};
use crate::{Error, Result};

/// Configuration of an [`HdlcClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig {
    /// Our address: the client SAP, one byte (0x10 public client, 0x01 management, ...).
    pub client: Address,
    /// The server: logical device (upper) and optional physical device (lower) address.
    pub server: Address,
    /// What we propose in SNRM (our point of view: we transmit up to `max_info_tx`, we receive
    /// up to `max_info_rx`, which also sizes the frame buffer).
    pub parameters: HdlcParameters,
    /// Send the parameter field in SNRM (without it the server assumes the defaults).
    pub propose_parameters: bool,
    /// The longest APDU we can receive (sizes the receive buffer).
    pub max_apdu_rx: usize,
    /// The longest APDU we can send (sizes the transmit buffer).
    pub max_apdu_tx: usize,
    /// Timers and retries.
    pub timeouts: Timeouts,
    /// Hand up UI frames, and I-frames outside a connection, from any address (push listener).
    /// When false only frames from the configured server to our address are handed up.
    pub accept_pushes: bool,
    /// Drop frames that are echoes of what we sent (optical heads, RS-485 adapters).
    pub drop_echo: bool,
}

impl ClientConfig {
    /// Defaults: parameters 128/128/1/1 proposed in SNRM, APDUs up to 2,048 bytes both ways,
    /// [`Timeouts::CLIENT`], pushes accepted, echoes dropped.
    #[must_use]
    pub const fn new(client: Address, server: Address) -> ClientConfig {
        ClientConfig {
            client,
            server,
            parameters: HdlcParameters::DEFAULT,
            propose_parameters: true,
            max_apdu_rx: 2048,
            max_apdu_tx: 2048,
            timeouts: Timeouts::CLIENT,
            accept_pushes: true,
            drop_echo: true,
        }
    }

    const fn regions(&self) -> Regions {
        Regions::new(
            self.parameters.max_info_rx,
            self.max_apdu_rx,
            self.max_apdu_tx,
        )
    }
}

/// The state of an [`HdlcClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// No connection (frames that arrive are handed up as pushes).
    Disconnected,
    /// SNRM sent, waiting for UA.
    Connecting,
    /// Normal response mode.
    Connected,
    /// DISC sent, waiting for UA or DM.
    Disconnecting,
}

/// A sans-IO HDLC client link (primary station).
///
/// See the [module documentation](super) for the call sequence and the protocol behaviour.
#[derive(Debug, Clone)]
pub struct HdlcClient<B> {
    storage: B,
    inner: Inner,
}

#[derive(Debug, Clone)]
struct Inner {
    core: Core,
    cfg: ClientConfig,
    state: ClientState,
    /// We sent a frame with P and wait for the frame with F.
    poll_outstanding: bool,
    /// When the answer to the poll is overdue.
    deadline: Option<Instant>,
    /// Consecutive timeouts.
    retries: u8,
    /// Send an RR poll as soon as possible.
    need_poll: bool,
    /// An APDU was sent and its response has not arrived: keep polling.
    awaiting_response: bool,
    /// When to send the next RR poll while waiting.
    poll_at: Option<Instant>,
    /// Last frame sent or received in the connection (keep-alive).
    last_activity: Instant,
    /// The SNRM being sent carries the parameter field.
    snrm_params: bool,
    /// The SNRM was already retried without parameters after a DM.
    retried_without_params: bool,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> HdlcClient<B> {
    /// The storage length `config` needs: frame buffer (`max_info_rx` + 17 bytes, at most
    /// 2,049), receive buffer (`max_apdu_rx` + 3) and transmit buffer (`max_apdu_tx` + 3).
    #[must_use]
    pub const fn storage_len(config: &ClientConfig) -> usize {
        config.regions().total()
    }

    /// A disconnected client using `storage` for all its buffers.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the client address is not one byte (IEC 62056-46 and
    /// the DLMS conformance test: swapped client and server addresses are a common mistake),
    /// or a window is outside 1..=7; [`Error::BufferTooSmall`] when `storage` is shorter than
    /// [`HdlcClient::storage_len`].
    pub fn new(config: ClientConfig, storage: B) -> Result<Self> {
        if config.client.size() != AddressSize::One {
            return Err(Error::InvalidArgument {
                what: "client address must be 1 byte (are client and server swapped?)",
            });
        }
        check_parameters(&config.parameters)?;
        let regions = config.regions();
        let available = storage.as_ref().len();
        if available < regions.total() {
            return Err(Error::BufferTooSmall {
                needed: regions.total(),
                available,
            });
        }
        let mut core = Core::new(regions, config.timeouts, config.parameters);
        core.drop_echo = config.drop_echo;
        Ok(HdlcClient {
            storage,
            inner: Inner {
                core,
                cfg: config,
                state: ClientState::Disconnected,
                poll_outstanding: false,
                deadline: None,
                retries: 0,
                need_poll: false,
                awaiting_response: false,
                poll_at: None,
                last_activity: Instant::ZERO,
                snrm_params: config.propose_parameters,
                retried_without_params: false,
            },
        })
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.inner.state
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    /// The parameters in force (our point of view; the proposal while not connected).
    pub fn parameters(&self) -> HdlcParameters {
        self.inner.core.params
    }

    /// Counters.
    pub fn stats(&self) -> LinkStats {
        self.inner.core.stats()
    }

    /// True when connected and no APDU is being sent: [`HdlcClient::send`] will accept one.
    pub fn can_send(&self) -> bool {
        self.inner.state == ClientState::Connected && self.inner.core.tx_idle()
    }

    /// Starts connecting: the next [`HdlcClient::poll_transmit`] sends SNRM.
    ///
    /// # Errors
    /// [`Error::LinkBusy`] when connected or already connecting or disconnecting.
    pub fn connect(&mut self, now: Instant) -> Result<()> {
        let s = &mut self.inner;
        if s.state != ClientState::Disconnected {
            return Err(Error::LinkBusy);
        }
        s.state = ClientState::Connecting;
        s.snrm_params = s.cfg.propose_parameters;
        s.retried_without_params = false;
        s.reset_poll();
        s.last_activity = now;
        Ok(())
    }

    /// Starts disconnecting: the next [`HdlcClient::poll_transmit`] sends DISC. An APDU still
    /// being sent is dropped.
    ///
    /// # Errors
    /// [`Error::NotConnected`] when already disconnected.
    pub fn disconnect(&mut self, now: Instant) -> Result<()> {
        let s = &mut self.inner;
        if s.state == ClientState::Disconnected {
            return Err(Error::NotConnected);
        }
        s.state = ClientState::Disconnecting;
        s.reset_poll();
        s.core.reset_link(s.core.params);
        s.last_activity = now;
        Ok(())
    }

    /// Queues an APDU for the server (LLC header added, segmented to the negotiated length).
    /// [`LinkEvent::Sent`] follows when it is acknowledged; the response arrives as
    /// [`LinkEvent::Apdu`]. Until it does, the client polls the server.
    ///
    /// # Errors
    /// [`Error::NotConnected`], [`Error::LinkBusy`] while the previous APDU is being sent,
    /// [`Error::BufferTooSmall`] when the APDU is longer than [`ClientConfig::max_apdu_tx`].
    pub fn send(&mut self, apdu: &[u8], now: Instant) -> Result<()> {
        let regions = self.inner.core.regions;
        let bufs = regions.split(self.storage.as_mut());
        let s = &mut self.inner;
        if s.state != ClientState::Connected {
            return Err(Error::NotConnected);
        }
        s.core
            .start_tx(bufs.tx, llc_bytes(Llc::Command), apdu, TxKind::Link)?;
        s.awaiting_response = true;
        s.poll_at = None;
        s.last_activity = now;
        Ok(())
    }

    /// Expects another APDU from the server without sending one: the client polls (RR with P)
    /// until it arrives, as after [`HdlcClient::send`]. In normal response mode the server may
    /// only transmit when polled, so a response that comes as several APDUs (general block
    /// transfer streaming its blocks, IEC 62056-5-3) needs this after each one.
    ///
    /// # Errors
    /// [`Error::NotConnected`] unless connected.
    pub fn expect_more(&mut self, now: Instant) -> Result<()> {
        let s = &mut self.inner;
        if s.state != ClientState::Connected {
            return Err(Error::NotConnected);
        }
        s.awaiting_response = true;
        if !s.poll_outstanding {
            s.need_poll = true;
        }
        s.last_activity = now;
        Ok(())
    }

    /// Feeds bytes received from the wire; returns how many were taken.
    ///
    /// Fewer than `bytes.len()` are taken when an APDU or push is waiting to be handed out:
    /// drain [`HdlcClient::poll_event`], then call again with the rest.
    #[must_use = "the bytes not taken must be fed again after poll_event"]
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) -> usize {
        engine::handle_input(&mut self.inner, self.storage.as_mut(), bytes, now)
    }

    /// The next event; an [`LinkEvent::Apdu`] or [`LinkEvent::Push`] borrows the receive
    /// buffer until the next call.
    pub fn poll_event(&mut self) -> Option<LinkEvent<'_>> {
        engine::poll_event(&mut self.inner.core, self.storage.as_mut())
    }

    /// Writes the next frame to send into `out` and returns its length, or `None` when there
    /// is nothing to send now. Call until it returns `None`.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `out` cannot hold the frame (2,049 bytes always can).
    pub fn poll_transmit(&mut self, out: &mut [u8], now: Instant) -> Result<Option<usize>> {
        let regions = self.inner.core.regions;
        let bufs = regions.split(self.storage.as_mut());
        let s = &mut self.inner;
        let n = match s.transmit(out, bufs.tx, now)? {
            Some(n) => n,
            None => return Ok(None),
        };
        s.core.stats.frames_sent += 1;
        s.last_activity = now;
        if s.core.drop_echo {
            s.core.deframer.expect_echo(out.get(..n).unwrap_or(&[]));
        }
        Ok(Some(n))
    }

    /// When [`HdlcClient::handle_timeout`] should be called next (`None`: no timer runs).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let s = &self.inner;
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if s.poll_outstanding {
            consider(s.deadline);
        } else if s.state == ClientState::Connected {
            consider(s.poll_at);
            if s.core.tx_idle() {
                consider(s.cfg.timeouts.keepalive.map(|k| s.last_activity + k));
            }
        }
        next
    }

    /// Runs the timers: retransmission after the response timeout, the link declared lost
    /// after the last retry. Poll and keep-alive times are acted on by
    /// [`HdlcClient::poll_transmit`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.inner.on_timeout(now);
    }
}

/// Validates the windows of a configuration.
pub(super) fn check_parameters(p: &HdlcParameters) -> Result<()> {
    if !(1..=7).contains(&p.window_tx) || !(1..=7).contains(&p.window_rx) {
        return Err(Error::InvalidArgument {
            what: "window sizes must be 1..=7",
        });
    }
    if p.max_info_tx < 4 || p.max_info_rx < 4 {
        return Err(Error::InvalidArgument {
            what: "maximum information field lengths must be at least 4",
        });
    }
    Ok(())
}

impl Role for Inner {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn on_frame(&mut self, frame: &HdlcFrame<&[u8]>, rx: &mut [u8], now: Instant) {
        Inner::on_frame(self, frame, rx, now);
    }
}

impl Inner {
    fn reset_poll(&mut self) {
        self.poll_outstanding = false;
        self.deadline = None;
        self.retries = 0;
        self.need_poll = false;
        self.awaiting_response = false;
        self.poll_at = None;
    }

    fn go_down(&mut self, reason: DisconnectReason) {
        self.state = ClientState::Disconnected;
        self.reset_poll();
        let params = self.cfg.parameters;
        self.core.reset_link(params);
        self.core.emit(Pending::Disconnected(reason));
    }

    fn polled(&mut self, now: Instant) {
        self.poll_outstanding = true;
        self.deadline = Some(now + self.cfg.timeouts.response);
        self.need_poll = false;
        self.poll_at = None;
    }

    fn transmit(&mut self, out: &mut [u8], tx: &[u8], now: Instant) -> Result<Option<usize>> {
        let (server, client) = (self.cfg.server, self.cfg.client);
        match self.state {
            ClientState::Disconnected => Ok(None),
            ClientState::Connecting | ClientState::Disconnecting if self.poll_outstanding => {
                Ok(None)
            }
            ClientState::Connecting => {
                let mut info = [0u8; 32];
                let len = if self.snrm_params {
                    ParametersRepr::from_parameters(&self.cfg.parameters).emit(&mut info)?
                } else {
                    0
                };
                let info = info.get(..len).unwrap_or(&[]);
                let n = emit_frame(out, false, server, client, Control::Snrm { pf: true }, info)?;
                self.polled(now);
                Ok(Some(n))
            }
            ClientState::Disconnecting => {
                let n = emit_frame(out, false, server, client, Control::Disc { pf: true }, &[])?;
                self.polled(now);
                Ok(Some(n))
            }
            ClientState::Connected => {
                if self.poll_outstanding {
                    return Ok(None);
                }
                if self.core.can_send_iframe() {
                    let pf = self.core.next_iframe_ends_turn();
                    let n = self.core.emit_iframe(out, tx, server, client, pf)?;
                    if pf {
                        self.polled(now);
                    }
                    return Ok(Some(n));
                }
                let poll_due = self.poll_at.is_some_and(|t| now >= t);
                let keepalive_due = self.core.tx_idle()
                    && self
                        .cfg
                        .timeouts
                        .keepalive
                        .is_some_and(|k| now >= self.last_activity + k);
                if self.need_poll || poll_due || keepalive_due {
                    let control = Control::Rr {
                        nr: self.core.vr,
                        pf: true,
                    };
                    let n = emit_frame(out, false, server, client, control, &[])?;
                    self.polled(now);
                    return Ok(Some(n));
                }
                Ok(None)
            }
        }
    }

    fn on_timeout(&mut self, now: Instant) {
        if !self.poll_outstanding || self.deadline.is_none_or(|d| now < d) {
            return;
        }
        self.core.stats.timeouts += 1;
        self.retries = self.retries.saturating_add(1);
        if self.retries > self.cfg.timeouts.max_retries {
            self.go_down(DisconnectReason::NoResponse);
            return;
        }
        self.poll_outstanding = false;
        self.deadline = None;
        if self.state == ClientState::Connected {
            self.core.rewind();
            // Without I-frames to (re)send, ask with RR.
            self.need_poll = !self.core.can_send_iframe();
        }
    }

    fn on_frame(&mut self, f: &HdlcFrame<&[u8]>, rx: &mut [u8], now: Instant) {
        self.core.stats.frames_received += 1;
        let dst = f.dst();
        let src = f.src();
        let control = f.control();
        if src == self.cfg.client && self.cfg.server.matches(&dst) {
            // Our own frame, echoed.
            self.core.stats.echoes += 1;
            return;
        }
        let ours = dst == self.cfg.client && self.cfg.server.matches(&src);
        if ours && self.state != ClientState::Disconnected {
            self.on_peer_frame(f, control, rx, now);
            return;
        }
        let push = matches!(control, Control::Ui { .. })
            || (matches!(control, Control::I { .. }) && self.state == ClientState::Disconnected);
        if push && (ours || self.cfg.accept_pushes) {
            self.core.accept_push(rx, f);
        } else {
            self.core.stats.foreign += 1;
        }
    }

    fn on_peer_frame(
        &mut self,
        f: &HdlcFrame<&[u8]>,
        control: Control,
        rx: &mut [u8],
        now: Instant,
    ) {
        match self.state {
            ClientState::Connecting => match control {
                Control::Ua { .. } => self.on_ua(f, now),
                Control::Dm { .. } => {
                    if self.snrm_params && !self.retried_without_params {
                        // jDLMS: retry once with an SNRM without the parameter field.
                        self.snrm_params = false;
                        self.retried_without_params = true;
                        self.poll_outstanding = false;
                        self.deadline = None;
                    } else {
                        self.go_down(DisconnectReason::Refused);
                    }
                }
                Control::Ui { .. } => self.core.accept_push(rx, f),
                _ => {}
            },
            ClientState::Disconnecting => match control {
                Control::Ua { .. } | Control::Dm { .. } => {
                    self.go_down(DisconnectReason::Requested)
                }
                Control::Ui { .. } => self.core.accept_push(rx, f),
                _ => {}
            },
            ClientState::Connected => self.on_connected_frame(f, control, rx, now),
            ClientState::Disconnected => {}
        }
    }

    fn on_ua(&mut self, f: &HdlcFrame<&[u8]>, now: Instant) {
        let ours = if self.snrm_params {
            self.cfg.parameters
        } else {
            HdlcParameters::DEFAULT
        };
        let negotiated = ParametersRepr::parse(f.info())
            .and_then(|peer| HdlcParameters::negotiate(&ours, &peer.to_parameters()));
        match negotiated {
            Ok(mut p) => {
                // Never more than our buffers hold, whatever the server says.
                p.max_info_rx = p.max_info_rx.min(self.cfg.parameters.max_info_rx);
                self.state = ClientState::Connected;
                self.reset_poll();
                self.core.reset_link(p);
                self.last_activity = now;
                self.core.emit(Pending::Connected {
                    parameters: p,
                    peer: f.src(),
                });
            }
            Err(_) => self.go_down(DisconnectReason::BadParameters),
        }
    }

    fn on_connected_frame(
        &mut self,
        f: &HdlcFrame<&[u8]>,
        control: Control,
        rx: &mut [u8],
        now: Instant,
    ) {
        self.last_activity = now;
        match control {
            Control::I { ns, nr, pf } => {
                let Ack::Valid { count } = self.core.ack(nr) else {
                    return;
                };
                let vr = self.core.vr;
                let accepted =
                    self.core
                        .accept_iframe(rx, ns, f.info(), f.segmented(), Llc::Response);
                if accepted == Accepted::Complete {
                    self.awaiting_response = false;
                    self.poll_at = None;
                }
                if pf {
                    // An I-frame behind V(R) (a duplicate) is an answer to an earlier poll; one
                    // ahead of it (inside our receive window) means frames were lost.
                    let ahead = usize::from(ns.wrapping_sub(vr) & 7);
                    let window = usize::from(self.core.params.window_rx).max(1);
                    let stale = accepted == Accepted::OutOfSequence && ahead >= window;
                    let gap = accepted == Accepted::OutOfSequence && !stale;
                    if stale || (count == 0 && self.core.outstanding() > 0) {
                        self.core.stats.stale_answers += 1;
                    } else {
                        self.on_answer(gap, now);
                    }
                }
            }
            Control::Rr { nr, pf } | Control::Rej { nr, pf } | Control::Srej { nr, pf } => {
                let Ack::Valid { count } = self.core.ack(nr) else {
                    return;
                };
                self.core.peer_busy = false;
                let reject = !matches!(control, Control::Rr { .. });
                if reject {
                    self.core.rewind();
                }
                if pf {
                    if !reject && count == 0 && self.core.outstanding() > 0 {
                        self.core.stats.stale_answers += 1;
                    } else {
                        self.on_answer(false, now);
                    }
                }
            }
            Control::Rnr { nr, pf } => {
                if let Ack::Invalid = self.core.ack(nr) {
                    return;
                }
                self.core.peer_busy = true;
                if pf {
                    self.on_answer(false, now);
                }
            }
            Control::Ui { .. } => self.core.accept_push(rx, f),
            Control::Dm { .. } => self.go_down(DisconnectReason::Peer),
            Control::Frmr { .. } => {
                let info = FrmrInfo::parse(f.info()).unwrap_or_default();
                self.core.stats.frame_rejects += 1;
                self.core.emit(Pending::FrameRejected(info));
                self.go_down(DisconnectReason::FrameReject);
            }
            Control::Ua { .. }
            | Control::Snrm { .. }
            | Control::Disc { .. }
            | Control::Unknown(_) => {}
        }
    }

    /// The server ended its turn (F): what it did not acknowledge is lost.
    fn on_answer(&mut self, gap: bool, now: Instant) {
        if !self.poll_outstanding {
            self.core.stats.stale_answers += 1;
            return;
        }
        self.poll_outstanding = false;
        self.deadline = None;
        self.retries = 0;
        self.core.rewind();
        if gap || self.core.rx_in_progress() {
            // Fetch the next segments, or have the lost ones sent again.
            self.need_poll = true;
        } else if self.core.peer_busy || (self.awaiting_response && self.core.tx_idle()) {
            self.poll_at = Some(now + self.cfg.timeouts.poll_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors() {
        let server = Address::server(1, Some(17)).unwrap();
        let cfg = ClientConfig::new(server, Address::client(16).unwrap());
        assert!(matches!(
            HdlcClient::new(cfg, [0u8; 8192]),
            Err(Error::InvalidArgument { .. })
        ));
        let cfg = ClientConfig::new(Address::client(16).unwrap(), server);
        assert_eq!(
            HdlcClient::new(cfg, [0u8; 100]).map(|_| ()),
            Err(Error::BufferTooSmall {
                needed: HdlcClient::<[u8; 0]>::storage_len(&cfg),
                available: 100
            })
        );
        let mut bad = cfg;
        bad.parameters.window_tx = 8;
        assert!(HdlcClient::new(bad, [0u8; 8192]).is_err());
        bad.parameters = HdlcParameters {
            max_info_tx: 2,
            ..HdlcParameters::DEFAULT
        };
        assert!(HdlcClient::new(bad, [0u8; 8192]).is_err());
        assert_eq!(HdlcClient::<[u8; 0]>::storage_len(&cfg), 145 + 2051 + 2051);
    }

    #[test]
    fn caller_misuse() {
        let cfg = ClientConfig::new(
            Address::client(16).unwrap(),
            Address::server(1, None).unwrap(),
        );
        let mut c = HdlcClient::new(cfg, std::vec![0u8; 8192]).unwrap();
        let now = Instant::ZERO;
        assert_eq!(c.send(&[1], now), Err(Error::NotConnected));
        assert_eq!(c.disconnect(now), Err(Error::NotConnected));
        c.connect(now).unwrap();
        assert_eq!(c.connect(now), Err(Error::LinkBusy));
        assert_eq!(c.state(), ClientState::Connecting);
        let mut out = [0u8; 4];
        assert!(matches!(
            c.poll_transmit(&mut out, now),
            Err(Error::BufferTooSmall { .. })
        ));
        assert!(!c.can_send());
        assert_eq!(c.config().client, Address::client(16).unwrap());
    }
}
