//! What both link roles share: the storage regions, the deframer and the input loop,
//! sequence numbers, segmentation and reassembly, push reassembly, and the event queue.

use super::{DisconnectReason, Instant, LinkEvent, LinkStats, Push, Timeouts};
use crate::hdlc::{
    Address, Control, DeframerCore, FrameHeader, FrameType, FrmrInfo, HdlcFrame, HdlcFrameRepr,
    HdlcParameters, Input, LLC_COMMAND, LLC_RESPONSE, Llc, MAX_FRAME_LEN_WITH_FLAGS, MAX_OVERHEAD,
    Reassembly, Segment, segment_count, segments,
};
use crate::invariant::in_bounds;
use crate::{Error, Result};

/// Length of the LLC header.
pub(crate) const LLC_LEN: usize = 3;

/// How the caller's storage is cut: frame buffer, receive buffer, transmit buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Regions {
    pub frame: usize,
    pub rx: usize,
    pub tx: usize,
}

/// The three buffers, borrowed from the storage for one call.
pub(crate) struct Bufs<'a> {
    pub frame: &'a mut [u8],
    pub rx: &'a mut [u8],
    pub tx: &'a mut [u8],
}

impl Regions {
    pub(crate) const fn new(max_info_rx: u16, max_apdu_rx: usize, max_apdu_tx: usize) -> Regions {
        let frame = max_info_rx as usize + MAX_OVERHEAD;
        Regions {
            frame: if frame > MAX_FRAME_LEN_WITH_FLAGS {
                MAX_FRAME_LEN_WITH_FLAGS
            } else {
                frame
            },
            rx: max_apdu_rx + LLC_LEN,
            tx: max_apdu_tx + LLC_LEN,
        }
    }

    pub(crate) const fn total(&self) -> usize {
        self.frame + self.rx + self.tx
    }

    /// Splits the storage (checked to be at least `total()` long when the link was built).
    pub(crate) fn split<'a>(&self, storage: &'a mut [u8]) -> Bufs<'a> {
        let (frame, rest) = storage
            .split_at_mut_checked(self.frame)
            .unwrap_or((&mut [], &mut []));
        let (rx, rest) = rest
            .split_at_mut_checked(self.rx)
            .unwrap_or((&mut [], &mut []));
        let tx = rest.get_mut(..self.tx).unwrap_or(&mut []);
        Bufs { frame, rx, tx }
    }
}

/// An event waiting in the queue (positions instead of borrows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending {
    Connected {
        parameters: HdlcParameters,
        peer: Address,
    },
    Disconnected(DisconnectReason),
    /// `rx[start..end]`.
    Apdu {
        start: usize,
        end: usize,
    },
    Push {
        start: usize,
        end: usize,
        llc: Option<Llc>,
        dst: Address,
        src: Address,
        frame_type: FrameType,
    },
    Sent,
    FrameRejected(FrmrInfo),
    Discarded(Error),
    /// An APDU of the connection longer than the receive buffer, skipped to its last segment.
    TooLong {
        len: usize,
        capacity: usize,
    },
}

impl Pending {
    fn holds_data(&self) -> bool {
        matches!(self, Pending::Apdu { .. } | Pending::Push { .. })
    }

    pub(crate) fn into_event(self, rx: &[u8]) -> LinkEvent<'_> {
        match self {
            Pending::Connected { parameters, peer } => LinkEvent::Connected { parameters, peer },
            Pending::Disconnected(reason) => LinkEvent::Disconnected { reason },
            Pending::Apdu { start, end } => LinkEvent::Apdu(in_bounds(
                rx.get(start..end),
                "an APDU event holds the range reassembly filled in this receive buffer",
            )),
            Pending::Push {
                start,
                end,
                llc,
                dst,
                src,
                frame_type,
            } => LinkEvent::Push(Push {
                apdu: in_bounds(
                    rx.get(start..end),
                    "a push event holds the range reassembly filled in this receive buffer",
                ),
                llc,
                dst,
                src,
                frame_type,
            }),
            Pending::Sent => LinkEvent::Sent,
            Pending::FrameRejected(info) => LinkEvent::FrameRejected(info),
            Pending::Discarded(e) => LinkEvent::Discarded(e),
            Pending::TooLong { len, capacity } => LinkEvent::ApduTooLong { len, capacity },
        }
    }
}

/// Capacity of the event queue. Input processing pauses while fewer than [`QUEUE_RESERVE`]
/// slots are free, so the queue never overflows.
const QUEUE: usize = 8;
const QUEUE_RESERVE: usize = 4;

/// A fixed ring of pending events.
#[derive(Debug, Clone)]
pub(crate) struct Queue {
    items: [Option<Pending>; QUEUE],
    head: usize,
    len: usize,
}

impl Queue {
    pub(crate) const fn new() -> Queue {
        Queue {
            items: [None; QUEUE],
            head: 0,
            len: 0,
        }
    }

    fn push(&mut self, p: Pending) {
        debug_assert!(
            self.len < QUEUE,
            "input pauses while fewer than QUEUE_RESERVE slots are free, and no frame emits more \
             events than that, so the queue never fills"
        );
        if self.len == QUEUE {
            // Cannot happen (see above); in release, keep the newest.
            self.pop();
        }
        if let Some(slot) = self.items.get_mut((self.head + self.len) % QUEUE) {
            *slot = Some(p);
            self.len += 1;
        }
    }

    fn pop(&mut self) -> Option<Pending> {
        if self.len == 0 {
            return None;
        }
        let item = self.items.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % QUEUE;
        self.len -= 1;
        item
    }
}

/// Who the receive buffer is collecting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RxOwner {
    Idle,
    /// I-frames of the connection.
    Link,
    /// A push (UI frames, or I-frames outside a connection) from `src`.
    Push {
        dst: Address,
        src: Address,
        frame_type: FrameType,
    },
}

/// What became of a received I-frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Unexpected N(S): dropped.
    OutOfSequence,
    /// In sequence; more segments follow (or the LSDU is being skipped).
    InProgress,
    /// In sequence; the LSDU is complete.
    Complete,
}

/// What an N(R) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ack {
    /// It acknowledges frames never sent: the frame is ignored.
    Invalid,
    /// It acknowledged `count` frames.
    Valid { count: usize },
}

/// What goes out of the transmit buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxKind {
    /// I-frames of the connection.
    Link,
    /// UI frames to `dst` (server pushes).
    Ui { dst: Address },
}

/// The shared state of a link.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub regions: Regions,
    pub deframer: DeframerCore,
    pub events: Queue,
    /// An APDU or push in the receive buffer has not been handed out yet.
    pub rx_locked: bool,
    pub stats: LinkStats,
    pub timeouts: Timeouts,
    pub drop_echo: bool,
    last_byte_at: Option<Instant>,

    /// Parameters in force (our point of view).
    pub params: HdlcParameters,

    // Transmit side: the LSDU (LLC + APDU) in the transmit buffer.
    pub tx_len: usize,
    pub tx_kind: TxKind,
    /// N(S) of segment 0; V(S) when nothing is in flight.
    tx_base: u8,
    pub tx_acked: usize,
    pub tx_sent: usize,
    /// UI segments sent (pushes).
    ui_sent: usize,
    /// How far the peer's N(R) counts ahead of our V(S) (see [`Core::resync_vs`]); subtracted
    /// from every N(R) received until the link is reset.
    nr_offset: u8,
    pub peer_busy: bool,

    // Receive side.
    pub vr: u8,
    /// Reassembly into the receive buffer (`hdlc::Reassembler` without its buffer).
    rx: Reassembly,
    rx_owner: RxOwner,
}

impl Core {
    pub(crate) fn new(regions: Regions, timeouts: Timeouts, params: HdlcParameters) -> Core {
        Core {
            regions,
            deframer: DeframerCore::new(),
            events: Queue::new(),
            rx_locked: false,
            stats: LinkStats::default(),
            timeouts,
            drop_echo: true,
            last_byte_at: None,
            params,
            tx_len: 0,
            tx_kind: TxKind::Link,
            tx_base: 0,
            tx_acked: 0,
            tx_sent: 0,
            ui_sent: 0,
            nr_offset: 0,
            peer_busy: false,
            vr: 0,
            rx: Reassembly::new(),
            rx_owner: RxOwner::Idle,
        }
    }

    // ---- events ------------------------------------------------------------------------

    pub(crate) fn emit(&mut self, p: Pending) {
        if p.holds_data() {
            self.rx_locked = true;
        }
        self.events.push(p);
    }

    pub(crate) fn next_event(&mut self) -> Option<Pending> {
        let p = self.events.pop()?;
        if p.holds_data() {
            self.rx_locked = false;
        }
        Some(p)
    }

    /// True when input must wait: an APDU has not been handed out, or the queue is full.
    pub(crate) fn input_blocked(&self) -> bool {
        self.rx_locked || QUEUE - self.events.len < QUEUE_RESERVE
    }

    pub(crate) fn stats(&self) -> LinkStats {
        let d = self.deframer.stats;
        LinkStats {
            bad_bytes: d.discarded_bytes,
            bad_frames: d.discards,
            echoes: self.stats.echoes + d.echoes,
            ..self.stats
        }
    }

    // ---- input -------------------------------------------------------------------------

    /// Applies the inter-octet timeout before new bytes are taken.
    pub(crate) fn before_input(&mut self, frame_buf: &[u8], now: Instant) {
        if let (Some(limit), Some(last)) = (self.timeouts.inter_octet, self.last_byte_at)
            && now - last > limit
            && self.deframer.has_partial_frame(frame_buf)
        {
            self.deframer.reset(frame_buf);
            self.stats.inter_octet_timeouts += 1;
        }
    }

    /// Notes the arrival of bytes.
    pub(crate) fn after_input(&mut self, consumed: usize, now: Instant) {
        if consumed > 0 {
            self.last_byte_at = Some(now);
        }
    }

    // ---- connection state ------------------------------------------------------------------

    /// Starts a connection with the given parameters: sequence numbers to zero, buffers empty.
    pub(crate) fn reset_link(&mut self, params: HdlcParameters) {
        self.params = params;
        self.tx_len = 0;
        self.tx_kind = TxKind::Link;
        self.tx_base = 0;
        self.tx_acked = 0;
        self.tx_sent = 0;
        self.ui_sent = 0;
        self.nr_offset = 0;
        self.peer_busy = false;
        self.vr = 0;
        if self.rx_owner == RxOwner::Link {
            self.rx_owner = RxOwner::Idle;
            self.rx.reset();
        }
    }

    // ---- transmit ----------------------------------------------------------------------

    pub(crate) fn tx_idle(&self) -> bool {
        self.tx_len == 0
    }

    /// Copies `llc + apdu` into the transmit buffer.
    pub(crate) fn start_tx(
        &mut self,
        tx: &mut [u8],
        llc: [u8; 3],
        apdu: &[u8],
        kind: TxKind,
    ) -> Result<()> {
        if !self.tx_idle() {
            return Err(Error::LinkBusy);
        }
        let len = LLC_LEN + apdu.len();
        let available = tx.len().saturating_sub(LLC_LEN);
        let Some(dst) = tx.get_mut(..len) else {
            return Err(Error::BufferTooSmall {
                needed: apdu.len(),
                available,
            });
        };
        let (head, body) = dst.split_at_mut(LLC_LEN);
        head.copy_from_slice(&llc);
        body.copy_from_slice(apdu);
        self.tx_len = len;
        self.tx_kind = kind;
        self.tx_acked = 0;
        self.tx_sent = 0;
        self.ui_sent = 0;
        Ok(())
    }

    fn max_info_tx(&self) -> usize {
        usize::from(self.params.max_info_tx).max(1)
    }

    /// How many segments the LSDU in the transmit buffer takes (`hdlc::segments`).
    pub(crate) fn segments(&self) -> usize {
        segment_count(self.tx_len, self.max_info_tx())
    }

    /// Segment `i` of the transmit buffer and its segmentation bit (`hdlc::segments`).
    pub(crate) fn segment<'t>(&self, tx: &'t [u8], i: usize) -> (&'t [u8], bool) {
        let lsdu = in_bounds(
            tx.get(..self.tx_len),
            "start_tx copied tx_len bytes into this transmit buffer",
        );
        let segment = segments(lsdu, self.max_info_tx()).nth(i);
        debug_assert!(
            segment.is_some(),
            "callers ask for segments below segments()"
        );
        match segment {
            Some(Segment { info, more }) => (info, more),
            None => (&[], false),
        }
    }

    fn ns_of(&self, i: usize) -> u8 {
        // Only the low three bits matter.
        (usize::from(self.tx_base).wrapping_add(i) & 7) as u8
    }

    /// V(S): N(S) of the next new I-frame.
    pub(crate) fn vs(&self) -> u8 {
        self.ns_of(self.tx_sent)
    }

    pub(crate) fn outstanding(&self) -> usize {
        self.tx_sent - self.tx_acked
    }

    /// True when an I-frame may go out now (within the window, peer not busy).
    pub(crate) fn can_send_iframe(&self) -> bool {
        self.tx_kind == TxKind::Link
            && self.tx_sent < self.segments()
            && self.outstanding() < usize::from(self.params.window_tx).max(1)
            && !self.peer_busy
    }

    /// True when the next I-frame is the last one we may send now (it carries P or F).
    pub(crate) fn next_iframe_ends_turn(&self) -> bool {
        let next = self.tx_sent + 1;
        next >= self.segments() || next - self.tx_acked >= usize::from(self.params.window_tx).max(1)
    }

    /// Emits the next I-frame into `out` and counts it sent.
    pub(crate) fn emit_iframe(
        &mut self,
        out: &mut [u8],
        tx: &[u8],
        dst: Address,
        src: Address,
        pf: bool,
    ) -> Result<usize> {
        let i = self.tx_sent;
        let (info, more) = self.segment(tx, i);
        let control = Control::I {
            ns: self.ns_of(i),
            nr: self.vr,
            pf,
        };
        let n = emit_frame(out, more, dst, src, control, info)?;
        self.tx_sent += 1;
        Ok(n)
    }

    /// Emits the next UI segment of a push; returns `None` when the push is done.
    pub(crate) fn emit_ui(
        &mut self,
        out: &mut [u8],
        tx: &[u8],
        src: Address,
    ) -> Result<Option<usize>> {
        let TxKind::Ui { dst } = self.tx_kind else {
            return Ok(None);
        };
        if self.tx_len == 0 || self.ui_sent >= self.segments() {
            return Ok(None);
        }
        let (info, more) = self.segment(tx, self.ui_sent);
        // Iskra AM550 style: F=0 on every segment but the last.
        let n = emit_frame(out, more, dst, src, Control::Ui { pf: !more }, info)?;
        self.ui_sent += 1;
        if self.ui_sent >= self.segments() {
            self.tx_len = 0;
            self.tx_kind = TxKind::Link;
            self.ui_sent = 0;
        }
        Ok(Some(n))
    }

    /// Processes a received N(R).
    pub(crate) fn ack(&mut self, nr: u8) -> Ack {
        let nr = nr.wrapping_sub(self.nr_offset) & 7;
        let va = self.ns_of(self.tx_acked);
        let count = usize::from(nr.wrapping_sub(va) & 7);
        if self.tx_kind != TxKind::Link || self.tx_len == 0 {
            // Nothing in flight: only "nothing acknowledged" is valid.
            return if nr & 7 == self.tx_base & 7 {
                Ack::Valid { count: 0 }
            } else {
                self.stats.invalid_nr += 1;
                Ack::Invalid
            };
        }
        if count > self.outstanding() {
            self.stats.invalid_nr += 1;
            return Ack::Invalid;
        }
        self.tx_acked += count;
        if count > 0 && self.tx_acked >= self.segments() {
            // The whole LSDU is acknowledged.
            self.tx_base = self.ns_of(self.tx_acked);
            self.tx_len = 0;
            self.tx_acked = 0;
            self.tx_sent = 0;
            self.stats.apdus_sent += 1;
            self.emit(Pending::Sent);
        }
        Ack::Valid { count }
    }

    /// True when none of our I-frames waits for an acknowledgement: V(S) may be moved without
    /// losing data.
    pub(crate) fn nothing_outstanding(&self) -> bool {
        self.tx_kind != TxKind::Link || self.outstanding() == 0
    }

    /// Takes the peer's N(R) as acknowledging exactly our V(S) from now on: the peer's count
    /// drifted ahead (see the server's I-frame handling), and stays ahead by as much in every
    /// later frame, so the difference is subtracted from each N(R) until the link is reset.
    /// Our own V(S) is kept: the peer still expects our next N(S) in sequence. Only valid while
    /// nothing is outstanding.
    pub(crate) fn resync_vs(&mut self, nr: u8) {
        debug_assert!(self.nothing_outstanding());
        let drift = nr.wrapping_sub(self.nr_offset).wrapping_sub(self.vs()) & 7;
        self.nr_offset = self.nr_offset.wrapping_add(drift) & 7;
        self.stats.nr_resyncs += 1;
    }

    /// Go back to the oldest unacknowledged frame (checkpoint or timeout).
    pub(crate) fn rewind(&mut self) {
        let n = self.outstanding();
        if n > 0 {
            self.stats.retransmissions += n as u64;
            self.tx_sent = self.tx_acked;
        }
    }

    // ---- receive -----------------------------------------------------------------------

    /// True while segments of a connection LSDU are being collected.
    pub(crate) fn rx_in_progress(&self) -> bool {
        self.rx_owner == RxOwner::Link
    }

    /// An I-frame of the connection: sequence check, reassembly, LLC check, event.
    pub(crate) fn accept_iframe(
        &mut self,
        rx: &mut [u8],
        ns: u8,
        info: &[u8],
        more: bool,
        llc: Llc,
    ) -> Accepted {
        if ns != self.vr {
            self.stats.out_of_sequence += 1;
            return Accepted::OutOfSequence;
        }
        self.vr = (self.vr + 1) & 7;
        if let RxOwner::Push { .. } = self.rx_owner {
            // The connection's data wins over an unfinished push.
            self.rx_owner = RxOwner::Idle;
            self.rx.reset();
        }
        if self.rx_owner == RxOwner::Idle {
            self.rx.reset();
        }
        self.rx_owner = RxOwner::Link;
        match self.append(rx, info, more) {
            Some(data) => {
                self.rx_owner = RxOwner::Idle;
                let len = data.len();
                match llc.strip(data) {
                    Ok(_) => {
                        self.stats.apdus_received += 1;
                        self.emit(Pending::Apdu {
                            start: LLC_LEN,
                            end: len,
                        });
                    }
                    Err(e) => self.emit(Pending::Discarded(e)),
                }
                Accepted::Complete
            }
            None => {
                if !more {
                    self.rx_owner = RxOwner::Idle;
                }
                Accepted::InProgress
            }
        }
    }

    /// Appends a segment; returns the LSDU when it is complete.
    ///
    /// An LSDU of the connection that does not fit is counted to its end and then reported
    /// with [`Pending::TooLong`] (the peer now waits for an answer); a push that does not fit
    /// is reported at once with [`Pending::Discarded`] and its remaining segments are skipped.
    fn append<'r>(&mut self, rx: &'r mut [u8], info: &[u8], more: bool) -> Option<&'r [u8]> {
        let capacity = rx.len();
        let was_discarding = self.rx.discarding();
        match self.rx.push(rx, info, more) {
            Ok(Some(lsdu)) => Some(lsdu),
            Ok(None) => {
                if was_discarding && !more {
                    self.finish_discarding(capacity);
                }
                None
            }
            Err(error) => {
                if self.rx_owner != RxOwner::Link {
                    self.emit(Pending::Discarded(error));
                } else if !more {
                    self.finish_discarding(capacity);
                }
                None
            }
        }
    }

    /// The last segment of a skipped LSDU arrived: report a connection LSDU.
    fn finish_discarding(&mut self, capacity: usize) {
        if self.rx_owner == RxOwner::Link {
            self.emit(Pending::TooLong {
                len: self.rx.skipped_len().saturating_sub(LLC_LEN),
                capacity: capacity.saturating_sub(LLC_LEN),
            });
        }
    }

    /// A frame outside the connection (UI, or I-frames from a meter that pushes without SNRM).
    pub(crate) fn accept_push(&mut self, rx: &mut [u8], frame: &HdlcFrame<&[u8]>) {
        let dst = frame.dst();
        let src = frame.src();
        let frame_type = frame.control().frame_type();
        let more = frame.segmented();
        let owner = RxOwner::Push {
            dst,
            src,
            frame_type,
        };
        match self.rx_owner {
            RxOwner::Link => {
                // A connection LSDU is being collected: the push cannot share the buffer.
                self.stats.foreign += 1;
                return;
            }
            RxOwner::Push { src: s, .. } if s == src => {}
            _ => {
                // A new push (an unfinished one from another source is dropped).
                self.rx.reset();
            }
        }
        self.rx_owner = owner;
        if let Some(data) = self.append(rx, frame.info(), more) {
            self.rx_owner = RxOwner::Idle;
            let len = data.len();
            let (llc, rest) = Llc::split(data);
            self.emit(Pending::Push {
                start: len - rest.len(),
                end: len,
                llc,
                dst,
                src,
                frame_type,
            });
        } else if !more {
            self.rx_owner = RxOwner::Idle;
        }
    }
}

/// What the input loop needs from a role (client or server).
pub(crate) trait Role {
    fn core(&mut self) -> &mut Core;
    fn on_frame(&mut self, frame: &HdlcFrame<&[u8]>, rx: &mut [u8], now: Instant);
    /// A frame too long for the frame buffer, of which only the header (HCS checked) was
    /// read; the deframer has counted it. A primary station has no use for it.
    fn on_too_long(&mut self, _header: &FrameHeader, _now: Instant) {}
}

/// Feeds bytes to a role: inter-octet timer, deframing, frame handling; stops while an APDU
/// waits to be handed out. Returns how many bytes were taken.
pub(crate) fn handle_input<R: Role>(
    role: &mut R,
    storage: &mut [u8],
    bytes: &[u8],
    now: Instant,
) -> usize {
    let regions = role.core().regions;
    let bufs = regions.split(storage);
    role.core().before_input(bufs.frame, now);
    let mut rest = bytes;
    while !role.core().input_blocked() {
        match role.core().deframer.next_frame(bufs.frame, &mut rest) {
            Some(Input::Frame(frame)) => role.on_frame(&frame, bufs.rx, now),
            Some(Input::TooLong(header)) => role.on_too_long(&header, now),
            None => break,
        }
    }
    let consumed = bytes.len() - rest.len();
    role.core().after_input(consumed, now);
    consumed
}

/// The next event, borrowing the receive buffer of `storage`.
pub(crate) fn poll_event<'s>(core: &mut Core, storage: &'s mut [u8]) -> Option<LinkEvent<'s>> {
    let regions = core.regions;
    let p = core.next_event()?;
    let bufs = regions.split(storage);
    let rx: &'s [u8] = bufs.rx;
    Some(p.into_event(rx))
}

/// Emits one frame.
pub(crate) fn emit_frame(
    out: &mut [u8],
    segmented: bool,
    dst: Address,
    src: Address,
    control: Control,
    info: &[u8],
) -> Result<usize> {
    HdlcFrameRepr {
        segmented,
        dst,
        src,
        control,
        info,
    }
    .emit_to_slice(out)
}

/// The LLC header a role sends.
pub(crate) const fn llc_bytes(llc: Llc) -> [u8; 3] {
    match llc {
        Llc::Command => LLC_COMMAND,
        Llc::Response => LLC_RESPONSE,
    }
}
