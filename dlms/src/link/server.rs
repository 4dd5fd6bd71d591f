//! The server link: the secondary station of normal response mode (meter side).

use super::client::check_parameters;
use super::engine::{
    self, Accepted, Ack, Core, Pending, Regions, Role, TxKind, emit_frame, llc_bytes,
};
use super::{DisconnectReason, Instant, LinkEvent, LinkStats, Timeouts};
use crate::hdlc::{
    Address, AddressSize, Control, FrameHeader, FrmrInfo, HdlcFrame, HdlcParameters, Llc,
    ParametersRepr,
};
use crate::{Error, Result};

/// Configuration of an [`HdlcServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// Our address: logical device (upper) and optional physical device (lower).
    pub address: Address,
    /// Our limits (our point of view); SNRM proposals are cut down to them.
    pub parameters: HdlcParameters,
    /// The longest APDU we can receive (sizes the receive buffer).
    pub max_apdu_rx: usize,
    /// The longest APDU we can send (sizes the transmit buffer).
    pub max_apdu_tx: usize,
    /// Timers ([`Timeouts::SERVER`]: inactivity 120 s, inter-octet 25 ms).
    pub timeouts: Timeouts,
}

impl ServerConfig {
    /// Defaults: parameters 128/128/1/1, APDUs up to 2,048 bytes both ways,
    /// [`Timeouts::SERVER`].
    #[must_use]
    pub const fn new(address: Address) -> ServerConfig {
        ServerConfig {
            address,
            parameters: HdlcParameters::DEFAULT,
            max_apdu_rx: 2048,
            max_apdu_tx: 2048,
            timeouts: Timeouts::SERVER,
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

/// The state of an [`HdlcServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerState {
    /// Normal disconnected mode: answers DM, accepts SNRM.
    Disconnected,
    /// Normal response mode with a client.
    Connected,
    /// A frame was rejected: FRMR is repeated until SNRM or DISC.
    FrameReject,
}

/// An unnumbered response owed to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// UA, with the parameters in force after SNRM (none after DISC).
    Ua(Option<HdlcParameters>),
    Dm,
    Frmr,
}

/// A sans-IO HDLC server link (secondary station).
///
/// The server speaks only when polled: after [`HdlcServer::handle_input`] and the events it
/// produced (answer requests with [`HdlcServer::send`] right away when you can), call
/// [`HdlcServer::poll_transmit`]. A response that is not ready then goes out at the client's
/// next poll. See the [module documentation](super).
///
/// Time enters only where the server uses it: [`HdlcServer::handle_input`] (inter-octet and
/// inactivity timers) and [`HdlcServer::handle_timeout`]. Sending takes no time, because a
/// secondary station runs no timer of its own for what it sends: it answers when polled.
#[derive(Debug, Clone)]
pub struct HdlcServer<B> {
    storage: B,
    inner: Inner,
}

#[derive(Debug, Clone)]
struct Inner {
    core: Core,
    cfg: ServerConfig,
    state: ServerState,
    /// The connected client.
    peer: Address,
    /// Our address as the client writes it (we answer in the same form).
    answer_as: Address,
    /// A frame with P arrived: we owe frames ending with F.
    owe: bool,
    /// Unnumbered response to send, and to whom.
    reply: Option<(Reply, Address, Address)>,
    frmr: FrmrInfo,
    /// Last valid frame from the client (inactivity timer).
    last_rx: Instant,
    /// The application asked for RNR.
    busy: bool,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> HdlcServer<B> {
    /// The storage length `config` needs (as [`super::HdlcClient::storage_len`]).
    #[must_use]
    pub const fn storage_len(config: &ServerConfig) -> usize {
        config.regions().total()
    }

    /// A disconnected server using `storage` for all its buffers.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a window outside 1..=7 or an information length below 4;
    /// [`Error::BufferTooSmall`] when `storage` is shorter than [`HdlcServer::storage_len`].
    pub fn new(config: ServerConfig, storage: B) -> Result<Self> {
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
        core.drop_echo = false;
        Ok(HdlcServer {
            storage,
            inner: Inner {
                core,
                cfg: config,
                state: ServerState::Disconnected,
                peer: Address::NO_STATION,
                answer_as: config.address,
                owe: false,
                reply: None,
                frmr: FrmrInfo::default(),
                last_rx: Instant::ZERO,
                busy: false,
            },
        })
    }

    /// The current state.
    pub fn state(&self) -> ServerState {
        self.inner.state
    }

    /// The connected client, if any.
    pub fn peer(&self) -> Option<Address> {
        (self.inner.state != ServerState::Disconnected).then_some(self.inner.peer)
    }

    /// The parameters in force (our point of view; our limits while not connected).
    pub fn parameters(&self) -> HdlcParameters {
        self.inner.core.params
    }

    /// Counters.
    pub fn stats(&self) -> LinkStats {
        self.inner.core.stats()
    }

    /// True when connected and no APDU is being sent: [`HdlcServer::send`] will accept one.
    pub fn can_send(&self) -> bool {
        self.inner.state == ServerState::Connected && self.inner.core.tx_idle()
    }

    /// Answers polls with RNR (busy) instead of accepting I-frames, until called with false.
    pub fn set_busy(&mut self, busy: bool) {
        self.inner.busy = busy;
    }

    /// Queues a response APDU (LLC header `E6 E7 00` added); it goes out when the client
    /// polls. [`LinkEvent::Sent`] follows when it is acknowledged.
    ///
    /// # Errors
    /// [`Error::NotConnected`], [`Error::LinkBusy`] while the previous APDU is in flight,
    /// [`Error::BufferTooSmall`] when the APDU is longer than [`ServerConfig::max_apdu_tx`].
    pub fn send(&mut self, apdu: &[u8]) -> Result<()> {
        let regions = self.inner.core.regions;
        let bufs = regions.split(self.storage.as_mut());
        let s = &mut self.inner;
        if s.state != ServerState::Connected {
            return Err(Error::NotConnected);
        }
        s.core
            .start_tx(bufs.tx, llc_bytes(Llc::Response), apdu, TxKind::Link)
    }

    /// Queues a push in UI frames to `dst` (LLC header `E6 E7 00`, segmented to the maximum
    /// information length in force; F set on the last segment only). It goes out at once, in
    /// or outside a connection.
    ///
    /// # Errors
    /// [`Error::LinkBusy`] while an APDU is in flight, [`Error::BufferTooSmall`].
    pub fn push(&mut self, dst: Address, apdu: &[u8]) -> Result<()> {
        let regions = self.inner.core.regions;
        let bufs = regions.split(self.storage.as_mut());
        self.inner
            .core
            .start_tx(bufs.tx, llc_bytes(Llc::Response), apdu, TxKind::Ui { dst })
    }

    /// Feeds bytes received from the wire; returns how many were taken (see
    /// [`super::HdlcClient::handle_input`]).
    #[must_use = "the bytes not taken must be fed again after poll_event"]
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) -> usize {
        engine::handle_input(&mut self.inner, self.storage.as_mut(), bytes, now)
    }

    /// The next event; an [`LinkEvent::Apdu`] or [`LinkEvent::Push`] borrows the receive
    /// buffer until the next call.
    pub fn poll_event(&mut self) -> Option<LinkEvent<'_>> {
        engine::poll_event(&mut self.inner.core, self.storage.as_mut())
    }

    /// Writes the next frame to send into `out` and returns its length, or `None`.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `out` cannot hold the frame.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<Option<usize>> {
        let regions = self.inner.core.regions;
        let bufs = regions.split(self.storage.as_mut());
        let s = &mut self.inner;
        let n = s.transmit(out, bufs.tx)?;
        if n.is_some() {
            s.core.stats.frames_sent += 1;
        }
        Ok(n)
    }

    /// When [`HdlcServer::handle_timeout`] should be called next (the inactivity timeout).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let s = &self.inner;
        match (s.state, s.cfg.timeouts.inactivity) {
            (ServerState::Disconnected, _) | (_, None) => None,
            (_, Some(limit)) => Some(s.last_rx + limit),
        }
    }

    /// Runs the inactivity timer: the link drops to disconnected mode.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|deadline| now >= deadline) {
            self.inner.go_down(DisconnectReason::Inactivity);
        }
    }
}

impl Role for Inner {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn on_frame(&mut self, frame: &HdlcFrame<&[u8]>, rx: &mut [u8], now: Instant) {
        Inner::on_frame(self, frame, rx, now);
    }

    /// A frame longer than the frame buffer (sized for the information field we announced):
    /// from our client in a connection it is rejected with FRMR, Y bit (information field too
    /// long, ISO/IEC 13239 FRMR response), like a shorter frame over the negotiated maximum.
    fn on_too_long(&mut self, h: &FrameHeader, now: Instant) {
        self.core.stats.frames_received += 1;
        if !self.addressed_to_us(&h.dst) || h.src != self.peer || h.dst.is_broadcast() {
            self.core.stats.foreign += 1;
            return;
        }
        match self.state {
            ServerState::Disconnected => {
                if h.control.pf() {
                    self.reply = Some((Reply::Dm, h.src, h.dst));
                }
            }
            ServerState::FrameReject => {
                self.last_rx = now;
                if h.control.pf() {
                    self.reply = Some((Reply::Frmr, h.src, h.dst));
                }
            }
            ServerState::Connected => {
                self.last_rx = now;
                self.answer_as = h.dst;
                self.frame_reject(h.control.to_byte(), false, false, true, false, h.src);
            }
        }
    }
}

impl Inner {
    fn go_down(&mut self, reason: DisconnectReason) {
        self.state = ServerState::Disconnected;
        self.owe = false;
        self.busy = false;
        let params = self.cfg.parameters;
        self.core.reset_link(params);
        self.core.emit(Pending::Disconnected(reason));
    }

    /// Our address matches: same logical device, and the same physical device unless one side
    /// leaves it out; all-station values match too.
    fn addressed_to_us(&self, dst: &Address) -> bool {
        let ours = &self.cfg.address;
        let upper = dst.upper() == ours.upper() || dst.is_all_station();
        let lower = match (ours.lower(), dst.lower()) {
            (Some(a), Some(b)) => a == b || b == dst.size().all_station(),
            _ => true,
        };
        upper && lower
    }

    /// Enters the frame reject condition (ISO/IEC 13239, FRMR response): W unknown control
    /// field, X information field not allowed, Y information field too long, Z invalid N(R).
    fn frame_reject(&mut self, rejected: u8, w: bool, x: bool, y: bool, z: bool, src: Address) {
        self.frmr = FrmrInfo {
            rejected_control: rejected,
            vs: self.core.vs(),
            response: false,
            vr: self.core.vr,
            w,
            x,
            y,
            z,
        };
        self.state = ServerState::FrameReject;
        self.core.stats.frame_rejects += 1;
        self.reply = Some((Reply::Frmr, src, self.answer_as));
    }

    fn on_frame(&mut self, f: &HdlcFrame<&[u8]>, rx: &mut [u8], now: Instant) {
        self.core.stats.frames_received += 1;
        let dst = f.dst();
        let src = f.src();
        let control = f.control();
        if !self.addressed_to_us(&dst) || src.size() != AddressSize::One {
            self.core.stats.foreign += 1;
            return;
        }
        if let Control::Ui { .. } = control {
            self.core.accept_push(rx, f);
            return;
        }
        if dst.is_broadcast() {
            // Commands to all stations other than UI get no answer.
            return;
        }
        let answer_as = dst;
        match control {
            Control::Snrm { .. } => {
                let negotiated = ParametersRepr::parse(f.info()).and_then(|p| {
                    HdlcParameters::negotiate(&self.cfg.parameters, &p.to_parameters())
                });
                match negotiated {
                    Ok(p) => {
                        if self.state != ServerState::Disconnected {
                            self.core
                                .emit(Pending::Disconnected(DisconnectReason::Peer));
                        }
                        self.state = ServerState::Connected;
                        self.peer = src;
                        self.answer_as = answer_as;
                        self.owe = false;
                        self.last_rx = now;
                        self.core.reset_link(p);
                        self.reply = Some((Reply::Ua(Some(p)), src, answer_as));
                        self.core.emit(Pending::Connected {
                            parameters: p,
                            peer: src,
                        });
                    }
                    Err(_) => self.reply = Some((Reply::Dm, src, answer_as)),
                }
                return;
            }
            Control::Disc { .. } => {
                if self.state != ServerState::Disconnected && src == self.peer {
                    self.go_down(DisconnectReason::Peer);
                    self.reply = Some((Reply::Ua(None), src, answer_as));
                } else {
                    self.reply = Some((Reply::Dm, src, answer_as));
                }
                return;
            }
            _ => {}
        }
        if self.state == ServerState::Disconnected {
            if control.pf() {
                self.reply = Some((Reply::Dm, src, answer_as));
            }
            return;
        }
        if src != self.peer {
            self.core.stats.foreign += 1;
            return;
        }
        self.last_rx = now;
        self.answer_as = answer_as;
        if self.state == ServerState::FrameReject {
            if control.pf() {
                self.reply = Some((Reply::Frmr, src, answer_as));
            }
            return;
        }
        let has_info = f.has_info();
        match control {
            Control::I { ns, nr, pf } => {
                if f.info().len() > usize::from(self.core.params.max_info_rx) {
                    self.frame_reject(control.to_byte(), false, false, true, false, src);
                    return;
                }
                let take = match self.core.ack(nr) {
                    Ack::Valid { .. } => true,
                    // A new frame (N(S) expected) with an N(R) beyond our V(S): the peer's
                    // count drifted (Gurux after its keep-alive RR). See the module docs.
                    Ack::Invalid if ns == self.core.vr => {
                        if self.core.nothing_outstanding() {
                            self.core.resync_vs(nr);
                            true
                        } else {
                            self.frame_reject(control.to_byte(), false, false, false, true, src);
                            return;
                        }
                    }
                    // A delayed duplicate: its N(S) is stale too.
                    Ack::Invalid => false,
                };
                if take {
                    if self.busy {
                        self.core.stats.out_of_sequence += 1;
                    } else {
                        let _: Accepted =
                            self.core
                                .accept_iframe(rx, ns, f.info(), f.segmented(), Llc::Command);
                    }
                }
                if pf {
                    self.polled();
                }
            }
            Control::Rr { nr, pf }
            | Control::Rnr { nr, pf }
            | Control::Rej { nr, pf }
            | Control::Srej { nr, pf } => {
                if has_info {
                    self.frame_reject(control.to_byte(), true, true, false, false, src);
                    return;
                }
                if let Ack::Valid { .. } = self.core.ack(nr) {
                    self.core.peer_busy = matches!(control, Control::Rnr { .. });
                    if matches!(control, Control::Rej { .. } | Control::Srej { .. }) {
                        self.core.rewind();
                    }
                }
                if pf {
                    self.polled();
                }
            }
            Control::Unknown(b) => self.frame_reject(b, true, has_info, false, false, src),
            // Responses are not commands; ignore them.
            Control::Ua { .. }
            | Control::Dm { .. }
            | Control::Frmr { .. }
            | Control::Ui { .. }
            | Control::Snrm { .. }
            | Control::Disc { .. } => {}
        }
    }

    /// The client gave us the turn: frames it did not acknowledge are sent again.
    fn polled(&mut self) {
        self.owe = true;
        self.core.rewind();
    }

    fn transmit(&mut self, out: &mut [u8], tx: &[u8]) -> Result<Option<usize>> {
        if let Some((reply, to, from)) = self.reply {
            let mut info = [0u8; 32];
            let (control, len) = match reply {
                Reply::Ua(Some(p)) => (
                    Control::Ua { pf: true },
                    ParametersRepr::from_parameters(&p).emit(&mut info)?,
                ),
                Reply::Ua(None) => (Control::Ua { pf: true }, 0),
                Reply::Dm => (Control::Dm { pf: true }, 0),
                Reply::Frmr => {
                    let bytes = self.frmr.to_bytes();
                    if let Some(dst) = info.get_mut(..3) {
                        dst.copy_from_slice(&bytes);
                    }
                    (Control::Frmr { pf: true }, 3)
                }
            };
            let n = emit_frame(
                out,
                false,
                to,
                from,
                control,
                info.get(..len).unwrap_or(&[]),
            )?;
            self.reply = None;
            self.owe = false;
            return Ok(Some(n));
        }
        if let TxKind::Ui { .. } = self.core.tx_kind {
            return self.core.emit_ui(out, tx, self.cfg.address);
        }
        if self.state != ServerState::Connected || !self.owe {
            return Ok(None);
        }
        let (to, from) = (self.peer, self.answer_as);
        if self.core.can_send_iframe() && !self.busy {
            let pf = self.core.next_iframe_ends_turn();
            let n = self.core.emit_iframe(out, tx, to, from, pf)?;
            if pf {
                self.owe = false;
            }
            return Ok(Some(n));
        }
        let control = if self.busy {
            Control::Rnr {
                nr: self.core.vr,
                pf: true,
            }
        } else {
            Control::Rr {
                nr: self.core.vr,
                pf: true,
            }
        };
        let n = emit_frame(out, false, to, from, control, &[])?;
        self.owe = false;
        Ok(Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors() {
        let mut cfg = ServerConfig::new(Address::server(1, Some(17)).unwrap());
        assert!(matches!(
            HdlcServer::new(cfg, [0u8; 10]),
            Err(Error::BufferTooSmall { .. })
        ));
        cfg.parameters.window_rx = 0;
        assert!(matches!(
            HdlcServer::new(cfg, [0u8; 8192]),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn caller_misuse() {
        let cfg = ServerConfig::new(Address::server(1, Some(17)).unwrap());
        let mut s = HdlcServer::new(cfg, std::vec![0u8; 8192]).unwrap();
        assert_eq!(s.send(&[1]), Err(Error::NotConnected));
        assert_eq!(s.peer(), None);
        assert_eq!(s.state(), ServerState::Disconnected);
        assert_eq!(s.poll_timeout(), None);
        let mut out = [0u8; 64];
        assert_eq!(s.poll_transmit(&mut out), Ok(None));
        s.push(Address::client(16).unwrap(), &[0x0F; 5000])
            .unwrap_err();
        s.push(Address::client(16).unwrap(), &[0x0F, 0, 0, 0, 1])
            .unwrap();
        assert_eq!(
            s.push(Address::client(16).unwrap(), &[1]),
            Err(Error::LinkBusy)
        );
        assert!(s.poll_transmit(&mut out).unwrap().is_some());
        assert_eq!(s.poll_transmit(&mut out), Ok(None));
    }
}
