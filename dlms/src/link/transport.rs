//! One interface for every transport a session runs over: the HDLC client and server links
//! (IEC 62056-46) and the wrapper (IEC 62056-47) on a TCP stream or in UDP datagrams.
//!
//! A [`Transport`] moves whole APDUs: bytes from the wire and the time go in, events
//! ([`LinkEvent`]: an APDU, sent, connected, lost) and bytes to send come out, and
//! `poll_timeout` says when to call back. A session written against it runs unchanged over
//! either.

use super::{DisconnectReason, Instant, LinkEvent};
use crate::hdlc::Address;
use crate::wrapper::{self, HEADER_LEN, WrapperEvent, WrapperPdu, WrapperStream};
use crate::{Error, Result};

/// A transport of APDUs: bytes and time in; events, bytes to send and the next timeout out.
pub trait Transport {
    /// Feeds bytes received from the wire; returns how many were taken. A transport stops
    /// after an event so that [`poll_event`](Self::poll_event) can hand it out: call again
    /// with the rest.
    #[must_use]
    fn handle_input(&mut self, bytes: &[u8], now: Instant) -> usize;

    /// The next event; an APDU borrows the transport until the next call.
    fn poll_event(&mut self) -> Option<LinkEvent<'_>>;

    /// Whether [`send`](Self::send) takes an APDU now.
    fn can_send(&self) -> bool;

    /// Queues one APDU for sending.
    ///
    /// # Errors
    /// [`Error::LinkBusy`] while the last APDU is still going out; [`Error::NotConnected`];
    /// [`Error::ApduTooLong`] when it does not fit the transmit buffer.
    fn send(&mut self, apdu: &[u8], now: Instant) -> Result<()>;

    /// Writes the next bytes to send into `out` and returns how many, or `None`.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `out` cannot hold the next frame.
    fn poll_transmit(&mut self, out: &mut [u8], now: Instant) -> Result<Option<usize>>;

    /// When [`handle_timeout`](Self::handle_timeout) should be called next.
    fn poll_timeout(&self) -> Option<Instant>;

    /// Runs the timers that are due.
    fn handle_timeout(&mut self, now: Instant);

    /// Expects another APDU from the peer without sending one (a response that comes as
    /// several APDUs, general block transfer streaming). A transport whose peer may only speak
    /// when asked (the HDLC client in normal response mode) starts asking; the others need
    /// nothing.
    ///
    /// # Errors
    /// [`Error::NotConnected`] when the link is down.
    fn expect_more(&mut self, now: Instant) -> Result<()> {
        let _ = now;
        Ok(())
    }

    /// The peer's service access point: for a server, the client SAP of the association the
    /// APDUs belong to (the HDLC client address, or the wrapper source wPort of the last APDU
    /// received); for a client, the server's.
    fn peer_sap(&self) -> Option<u16>;
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Transport for super::HdlcClient<B> {
    fn handle_input(&mut self, bytes: &[u8], now: Instant) -> usize {
        super::HdlcClient::handle_input(self, bytes, now)
    }
    fn poll_event(&mut self) -> Option<LinkEvent<'_>> {
        super::HdlcClient::poll_event(self)
    }
    fn can_send(&self) -> bool {
        super::HdlcClient::can_send(self)
    }
    fn send(&mut self, apdu: &[u8], now: Instant) -> Result<()> {
        super::HdlcClient::send(self, apdu, now)
    }
    fn poll_transmit(&mut self, out: &mut [u8], now: Instant) -> Result<Option<usize>> {
        super::HdlcClient::poll_transmit(self, out, now)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        super::HdlcClient::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Instant) {
        super::HdlcClient::handle_timeout(self, now);
    }
    fn peer_sap(&self) -> Option<u16> {
        Some(self.config().server.upper())
    }
    fn expect_more(&mut self, now: Instant) -> Result<()> {
        super::HdlcClient::expect_more(self, now)
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Transport for super::HdlcServer<B> {
    fn handle_input(&mut self, bytes: &[u8], now: Instant) -> usize {
        super::HdlcServer::handle_input(self, bytes, now)
    }
    fn poll_event(&mut self) -> Option<LinkEvent<'_>> {
        super::HdlcServer::poll_event(self)
    }
    fn can_send(&self) -> bool {
        super::HdlcServer::can_send(self)
    }
    fn send(&mut self, apdu: &[u8], _now: Instant) -> Result<()> {
        // The server speaks only when polled: it sets no timer of its own when sending.
        super::HdlcServer::send(self, apdu)
    }
    fn poll_transmit(&mut self, out: &mut [u8], _now: Instant) -> Result<Option<usize>> {
        super::HdlcServer::poll_transmit(self, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        super::HdlcServer::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Instant) {
        super::HdlcServer::handle_timeout(self, now);
    }
    fn peer_sap(&self) -> Option<u16> {
        self.peer().map(|a: Address| a.upper())
    }
}

/// How a [`WrapperLink`] receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapperMode {
    /// A TCP byte stream: PDUs reassembled across reads.
    Stream,
    /// UDP: every `handle_input` is one datagram holding one PDU.
    Datagram,
}

/// The wrapper (IEC 62056-47) as a [`Transport`]: a receive buffer and a transmit buffer in
/// one caller-provided storage, no allocation. The wrapper has no connection of its own (TCP
/// or the UDP socket is the connection), so there are no `Connected` events and no timers.
#[derive(Debug)]
pub struct WrapperLink<B> {
    own_wport: u16,
    peer_wport: u16,
    mode: WrapperMode,
    rx: WrapperStream<RxPart<B>>,
    /// The received PDU waiting in `rx` to be handed out.
    rx_ready: bool,
    /// A datagram's PDU: its length at the start of the receive buffer.
    datagram: Option<usize>,
    discarded: Option<Error>,
    /// The source wPort of the last PDU received.
    last_source: Option<u16>,
    tx_len: usize,
    tx_sent: usize,
    sent_pending: bool,
}

/// The receive half of a [`WrapperLink`]'s storage (the whole storage, seen up to `rx_len`).
#[derive(Debug)]
struct RxPart<B> {
    storage: B,
    rx_len: usize,
}

impl<B: AsRef<[u8]>> AsRef<[u8]> for RxPart<B> {
    fn as_ref(&self) -> &[u8] {
        self.storage.as_ref().get(..self.rx_len).unwrap_or_default()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> AsMut<[u8]> for RxPart<B> {
    fn as_mut(&mut self) -> &mut [u8] {
        self.storage
            .as_mut()
            .get_mut(..self.rx_len)
            .unwrap_or_default()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> WrapperLink<B> {
    /// The storage a link with APDUs of up to `max_apdu` bytes each way needs.
    #[must_use]
    pub const fn storage_len(max_apdu: usize) -> usize {
        2 * (HEADER_LEN + max_apdu)
    }

    /// A link from `own_wport` to `peer_wport` (a client's wPort is its SAP: 16 public, 1
    /// management; a server's logical device is 1). `storage` is split in two halves: receive
    /// and transmit.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when a half cannot hold a header and one APDU byte.
    pub fn new(own_wport: u16, peer_wport: u16, mode: WrapperMode, storage: B) -> Result<Self> {
        let half = storage.as_ref().len() / 2;
        if half <= HEADER_LEN {
            return Err(Error::BufferTooSmall {
                needed: 2 * (HEADER_LEN + 1),
                available: storage.as_ref().len(),
            });
        }
        Ok(WrapperLink {
            own_wport,
            peer_wport,
            mode,
            rx: WrapperStream::new(RxPart {
                storage,
                rx_len: half,
            }),
            rx_ready: false,
            datagram: None,
            discarded: None,
            last_source: None,
            tx_len: 0,
            tx_sent: 0,
            sent_pending: false,
        })
    }

    /// The wPort APDUs are sent to; a server answers the client whose request came last
    /// ([`Transport::peer_sap`]), so it need not be set for each client.
    pub fn set_peer_wport(&mut self, wport: u16) {
        self.peer_wport = wport;
    }

    fn storage(&mut self) -> (&mut [u8], &mut [u8]) {
        let part = self.rx.buffer_mut();
        let half = part.rx_len;
        part.storage.as_mut().split_at_mut(half)
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Transport for WrapperLink<B> {
    fn handle_input(&mut self, bytes: &[u8], _now: Instant) -> usize {
        if self.rx_ready || self.discarded.is_some() || self.datagram.is_some() {
            // The last event has not been handed out yet.
            return 0;
        }
        if self.mode == WrapperMode::Datagram {
            let (rx, _) = self.storage();
            match wrapper::WrapperRepr::parse_datagram(bytes) {
                Ok(repr) if repr.apdu.len() + HEADER_LEN <= rx.len() => {
                    let n = HEADER_LEN + repr.apdu.len();
                    if let (Some(dst), Some(src)) = (rx.get_mut(..n), bytes.get(..n)) {
                        dst.copy_from_slice(src);
                    }
                    self.datagram = Some(n);
                }
                Ok(repr) => {
                    self.discarded = Some(Error::ApduTooLong {
                        len: repr.apdu.len(),
                        capacity: rx.len() - HEADER_LEN,
                    });
                }
                Err(e) => self.discarded = Some(e),
            }
            return bytes.len();
        }
        let mut input = bytes;
        while !input.is_empty() {
            match self.rx.poll(&mut input) {
                Some(WrapperEvent::Pdu(_)) => {
                    self.rx_ready = true;
                    break;
                }
                Some(WrapperEvent::Discarded { error, .. }) => {
                    self.discarded = Some(error);
                    break;
                }
                None => {}
            }
        }
        bytes.len() - input.len()
    }

    fn poll_event(&mut self) -> Option<LinkEvent<'_>> {
        if self.sent_pending {
            self.sent_pending = false;
            return Some(LinkEvent::Sent);
        }
        if let Some(error) = self.discarded.take() {
            return Some(match error {
                Error::ApduTooLong { len, capacity } => LinkEvent::ApduTooLong { len, capacity },
                e => LinkEvent::Discarded(e),
            });
        }
        if let Some(n) = self.datagram.take() {
            let (rx, _) = self.storage();
            let pdu = WrapperPdu::new_unchecked(rx.get(..n).unwrap_or_default());
            self.last_source = Some(pdu.source_wport());
            let Some(apdu) = self.storage().0.get(HEADER_LEN..n) else {
                debug_assert!(false, "a datagram PDU was copied whole");
                return None;
            };
            return Some(LinkEvent::Apdu(apdu));
        }
        if self.rx_ready {
            self.rx_ready = false;
            let source = self.rx.last_pdu().map(|p| p.source_wport);
            self.last_source = source;
            let pdu = self.rx.last_pdu()?;
            return Some(LinkEvent::Apdu(pdu.apdu));
        }
        None
    }

    fn can_send(&self) -> bool {
        self.tx_len == 0
    }

    fn send(&mut self, apdu: &[u8], _now: Instant) -> Result<()> {
        if self.tx_len != 0 {
            return Err(Error::LinkBusy);
        }
        let destination = self.last_source.unwrap_or(self.peer_wport);
        let source = self.own_wport;
        let (_, tx) = self.storage();
        let total = HEADER_LEN + apdu.len();
        let length = u16::try_from(apdu.len()).map_err(|_| Error::ApduTooLong {
            len: apdu.len(),
            capacity: usize::from(u16::MAX),
        })?;
        let Some(buf) = tx.get_mut(..total) else {
            return Err(Error::ApduTooLong {
                len: apdu.len(),
                capacity: tx.len().saturating_sub(HEADER_LEN),
            });
        };
        let mut pdu = WrapperPdu::new_unchecked(buf);
        pdu.set_version(1);
        pdu.set_source_wport(source);
        pdu.set_destination_wport(destination);
        pdu.set_length(length);
        pdu.apdu_mut().copy_from_slice(apdu);
        self.tx_len = total;
        self.tx_sent = 0;
        Ok(())
    }

    fn poll_transmit(&mut self, out: &mut [u8], _now: Instant) -> Result<Option<usize>> {
        if self.tx_len == 0 {
            return Ok(None);
        }
        let (sent, len, datagram) = (
            self.tx_sent,
            self.tx_len,
            self.mode == WrapperMode::Datagram,
        );
        let (_, tx) = self.storage();
        let pending = tx.get(sent..len).unwrap_or_default();
        // A datagram goes out whole; a stream in as many pieces as `out` takes.
        let n = if datagram {
            if out.len() < pending.len() {
                return Err(Error::BufferTooSmall {
                    needed: pending.len(),
                    available: out.len(),
                });
            }
            pending.len()
        } else {
            pending.len().min(out.len())
        };
        if let (Some(dst), Some(src)) = (out.get_mut(..n), pending.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.tx_sent += n;
        if self.tx_sent >= self.tx_len {
            self.tx_len = 0;
            self.tx_sent = 0;
            self.sent_pending = true;
        }
        Ok(Some(n))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn peer_sap(&self) -> Option<u16> {
        Some(self.last_source.unwrap_or(self.peer_wport))
    }
}

impl<B> WrapperLink<B> {
    /// Why the connection under the link ended, for a session that needs a
    /// [`LinkEvent::Disconnected`]: the socket owner calls this when TCP closes.
    #[must_use]
    pub const fn disconnected() -> LinkEvent<'static> {
        LinkEvent::Disconnected {
            reason: DisconnectReason::Peer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn drain<T: Transport>(t: &mut T) -> Vec<u8> {
        let mut wire = Vec::new();
        let mut buf = [0u8; 7];
        while let Some(n) = t.poll_transmit(&mut buf, Instant::ZERO).unwrap() {
            wire.extend_from_slice(&buf[..n]);
        }
        wire
    }

    #[test]
    fn wrapper_stream_both_ways() {
        let mut client = WrapperLink::new(16, 1, WrapperMode::Stream, vec![0u8; 256]).unwrap();
        let mut meter = WrapperLink::new(1, 0, WrapperMode::Stream, vec![0u8; 256]).unwrap();
        client.send(&[0xC0, 0x01, 0xC1], Instant::ZERO).unwrap();
        assert!(!client.can_send());
        assert_eq!(client.send(&[1], Instant::ZERO), Err(Error::LinkBusy));
        let wire = drain(&mut client);
        assert_eq!(wire, [0, 1, 0, 16, 0, 1, 0, 3, 0xC0, 0x01, 0xC1]);
        assert_eq!(client.poll_event(), Some(LinkEvent::Sent));
        assert!(client.can_send());
        // Byte by byte into the meter.
        let mut got = Vec::new();
        for b in &wire {
            let mut rest: &[u8] = core::slice::from_ref(b);
            while !rest.is_empty() {
                let n = meter.handle_input(rest, Instant::ZERO);
                rest = &rest[n..];
                while let Some(e) = meter.poll_event() {
                    if let LinkEvent::Apdu(a) = e {
                        got.push(a.to_vec());
                    }
                }
            }
        }
        assert_eq!(got, [vec![0xC0, 0x01, 0xC1]]);
        assert_eq!(meter.peer_sap(), Some(16));
        // The meter answers the client the request came from.
        meter.send(&[0xC4], Instant::ZERO).unwrap();
        assert_eq!(drain(&mut meter), [0, 1, 0, 1, 0, 16, 0, 1, 0xC4]);
    }

    #[test]
    fn two_pdus_in_one_read_come_out_one_at_a_time() {
        let mut meter = WrapperLink::new(1, 0, WrapperMode::Stream, vec![0u8; 64]).unwrap();
        let wire = [0, 1, 0, 16, 0, 1, 0, 1, 0xAA, 0, 1, 0, 17, 0, 1, 0, 1, 0xBB];
        let mut rest: &[u8] = &wire;
        let mut got = Vec::new();
        while !rest.is_empty() {
            let n = meter.handle_input(rest, Instant::ZERO);
            rest = &rest[n..];
            while let Some(e) = meter.poll_event() {
                if let LinkEvent::Apdu(a) = e {
                    got.push(a.to_vec());
                }
            }
            got.push(vec![meter.peer_sap().unwrap() as u8]);
        }
        assert_eq!(got, [vec![0xAA], vec![16], vec![0xBB], vec![17]]);
    }

    #[test]
    fn too_long_and_bad_pdus_are_events() {
        let mut meter = WrapperLink::new(1, 0, WrapperMode::Stream, vec![0u8; 40]).unwrap();
        let mut long = vec![0, 1, 0, 16, 0, 1, 0, 30];
        long.extend([0x5A; 30]);
        let mut rest: &[u8] = &long;
        let mut events = Vec::new();
        while !rest.is_empty() {
            let n = meter.handle_input(rest, Instant::ZERO);
            rest = &rest[n..];
            while let Some(e) = meter.poll_event() {
                events.push(std::format!("{e:?}"));
            }
        }
        assert_eq!(events, ["ApduTooLong { len: 30, capacity: 12 }"]);
        // The stream stays in sync: the next PDU is delivered.
        let next = [0, 1, 0, 16, 0, 1, 0, 1, 0x42];
        let n = meter.handle_input(&next, Instant::ZERO);
        assert_eq!(n, next.len());
        assert_eq!(meter.poll_event(), Some(LinkEvent::Apdu(&[0x42])));
        assert!(matches!(
            meter.send(&[0; 13], Instant::ZERO),
            Err(Error::ApduTooLong { .. })
        ));
    }

    #[test]
    fn datagrams() {
        let mut meter = WrapperLink::new(1, 0, WrapperMode::Datagram, vec![0u8; 64]).unwrap();
        let d = [0, 1, 0, 16, 0, 1, 0, 2, 0xC0, 0x01];
        assert_eq!(meter.handle_input(&d, Instant::ZERO), d.len());
        assert_eq!(meter.poll_event(), Some(LinkEvent::Apdu(&[0xC0, 0x01])));
        assert_eq!(meter.poll_event(), None);
        assert_eq!(
            meter.handle_input(&[0, 2, 0, 16, 0, 1, 0, 0], Instant::ZERO),
            8
        );
        assert!(matches!(meter.poll_event(), Some(LinkEvent::Discarded(_))));
        meter.send(&[0xC4, 0x01], Instant::ZERO).unwrap();
        let mut small = [0u8; 4];
        assert!(meter.poll_transmit(&mut small, Instant::ZERO).is_err());
        let mut out = [0u8; 64];
        assert_eq!(
            meter.poll_transmit(&mut out, Instant::ZERO).unwrap(),
            Some(10)
        );
        assert_eq!(&out[..10], [0, 1, 0, 1, 0, 16, 0, 2, 0xC4, 0x01]);
    }
}
