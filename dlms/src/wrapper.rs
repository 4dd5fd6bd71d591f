//! The wrapper of the TCP and UDP profiles (IEC 62056-47, wrapper header).
//!
//! ```text
//!  version (2) | source wPort (2) | destination wPort (2) | length (2) | APDU (length bytes)
//!  00 01         big-endian          big-endian              big-endian
//! ```
//!
//! The wPorts are the SAPs: requests go from the client SAP to the server logical device,
//! responses the other way, pushes from the server logical device to the push client's SAP.
//! Over TCP the PDUs follow each other in a byte stream ([`WrapperStream`]); over UDP each
//! datagram holds exactly one ([`parse_datagram`]). The default port is 4059 for both.
//!
//! One interop quirk is supported on request: the xdom/jdlms fork accepts a header whose
//! version reads `01 00` and then decodes every header field little-endian (xdom/jdlms
//! `WrapperHeader`). [`WrapperRepr::parse_lenient`] accepts that form and reports it, so
//! that a reply can be emitted in the same byte order.

use crate::{Error, Result, Scan};

/// The wrapper protocol version.
pub const WRAPPER_VERSION: u16 = 0x0001;
/// Length of the wrapper header (IEC 62056-47): version, source wPort, destination wPort and
/// length, two bytes each. The APDU follows it.
pub const HEADER_LEN: usize = 8;
/// The IANA port of DLMS/COSEM over TCP and UDP.
pub const DEFAULT_PORT: u16 = 4059;

mod field {
    use core::ops::Range;

    pub const VERSION: Range<usize> = 0..2;
    pub const SOURCE: Range<usize> = 2..4;
    pub const DESTINATION: Range<usize> = 4..6;
    pub const LENGTH: Range<usize> = 6..8;
    pub const APDU: usize = 8;
}

/// The byte order of a wrapper header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ByteOrder {
    /// The standard form.
    #[default]
    BigEndian,
    /// The byte-swapped form some devices send (version reads `01 00`).
    LittleEndian,
}

impl ByteOrder {
    fn read(self, bytes: [u8; 2]) -> u16 {
        match self {
            ByteOrder::BigEndian => u16::from_be_bytes(bytes),
            ByteOrder::LittleEndian => u16::from_le_bytes(bytes),
        }
    }

    fn write(self, value: u16) -> [u8; 2] {
        match self {
            ByteOrder::BigEndian => value.to_be_bytes(),
            ByteOrder::LittleEndian => value.to_le_bytes(),
        }
    }
}

/// A view of one wrapper PDU (header and APDU); the buffer may be longer than the PDU.
///
/// Contract: after [`WrapperPdu::check_len`] succeeded no accessor panics (none panics at all:
/// on an unchecked buffer they return zero and empty slices).
///
/// ```
/// use dlms::wrapper::WrapperPdu;
/// // IEC 62056-47: GET-Request-Normal over TCP, client 16 -> server logical device 1.
/// let bytes = [0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x0D, 0xC0, 0x01, 0xC1, 0x00,
///              0x03, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x02, 0x00];
/// let pdu = WrapperPdu::new_checked(&bytes[..])?;
/// assert_eq!((pdu.source_wport(), pdu.destination_wport(), pdu.length()), (16, 1, 13));
/// assert_eq!(pdu.apdu()[0], 0xC0);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrapperPdu<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> WrapperPdu<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> WrapperPdu<T> {
        WrapperPdu { buffer }
    }

    /// Wraps a buffer and checks it ([`WrapperPdu::check_len`]).
    ///
    /// # Errors
    /// As [`WrapperPdu::check_len`].
    pub fn new_checked(buffer: T) -> Result<WrapperPdu<T>> {
        let pdu = WrapperPdu::new_unchecked(buffer);
        pdu.check_len()?;
        Ok(pdu)
    }

    /// Checks that the header is complete, the version is 0x0001 and the APDU is complete.
    ///
    /// # Errors
    /// [`Error::Truncated`] for a short header or APDU, [`Error::BadWrapperVersion`].
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(Error::Truncated {
                field: "wrapper header",
                offset: b.len(),
                needed: HEADER_LEN - b.len(),
            });
        }
        if self.version() != WRAPPER_VERSION {
            return Err(Error::BadWrapperVersion {
                offset: field::VERSION.start,
                found: self.version(),
            });
        }
        let total = self.total_len();
        if b.len() < total {
            return Err(Error::Truncated {
                field: "wrapper APDU",
                offset: b.len(),
                needed: total - b.len(),
            });
        }
        Ok(())
    }

    fn read(&self, range: core::ops::Range<usize>) -> u16 {
        match self.buffer.as_ref().get(range) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The version field.
    pub fn version(&self) -> u16 {
        self.read(field::VERSION)
    }

    /// The source wPort.
    pub fn source_wport(&self) -> u16 {
        self.read(field::SOURCE)
    }

    /// The destination wPort.
    pub fn destination_wport(&self) -> u16 {
        self.read(field::DESTINATION)
    }

    /// The length field: bytes of APDU after the header.
    pub fn length(&self) -> u16 {
        self.read(field::LENGTH)
    }

    /// Header plus APDU length.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + usize::from(self.length())
    }

    /// The APDU (empty on an unchecked, short buffer).
    pub fn apdu(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::APDU..self.total_len())
            .unwrap_or(&[])
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> WrapperPdu<T> {
    fn write(&mut self, range: core::ops::Range<usize>, value: u16) {
        if let Some(out) = self.buffer.as_mut().get_mut(range) {
            out.copy_from_slice(&value.to_be_bytes());
        }
    }

    /// Writes the version field.
    pub fn set_version(&mut self, version: u16) {
        self.write(field::VERSION, version);
    }

    /// Writes the source wPort.
    pub fn set_source_wport(&mut self, port: u16) {
        self.write(field::SOURCE, port);
    }

    /// Writes the destination wPort.
    pub fn set_destination_wport(&mut self, port: u16) {
        self.write(field::DESTINATION, port);
    }

    /// Writes the length field.
    pub fn set_length(&mut self, length: u16) {
        self.write(field::LENGTH, length);
    }

    /// The APDU for writing, as long as the length field says (and the buffer allows).
    pub fn apdu_mut(&mut self) -> &mut [u8] {
        let end = self.total_len();
        let b = self.buffer.as_mut();
        let end = end.min(b.len());
        b.get_mut(field::APDU..end).unwrap_or(&mut [])
    }
}

/// The fields of one wrapper PDU, borrowing its APDU.
///
/// ```
/// use dlms::wrapper::WrapperRepr;
/// let repr = WrapperRepr { source_wport: 0x10, destination_wport: 0x01, apdu: &[0x62, 0x00] };
/// let mut buf = [0u8; 16];
/// let n = repr.emit(&mut buf)?;
/// assert_eq!(&buf[..n], &[0, 1, 0, 0x10, 0, 1, 0, 2, 0x62, 0x00]);
/// assert_eq!(WrapperRepr::parse_datagram(&buf[..n])?, repr);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrapperRepr<'a> {
    /// Source wPort.
    pub source_wport: u16,
    /// Destination wPort.
    pub destination_wport: u16,
    /// The APDU.
    pub apdu: &'a [u8],
}

impl<'a> WrapperRepr<'a> {
    /// Parses a checked PDU at the start of the view's buffer.
    ///
    /// # Errors
    /// As [`WrapperPdu::check_len`].
    pub fn parse(pdu: &WrapperPdu<&'a [u8]>) -> Result<WrapperRepr<'a>> {
        pdu.check_len()?;
        let b: &'a [u8] = pdu.buffer;
        Ok(WrapperRepr {
            source_wport: pdu.source_wport(),
            destination_wport: pdu.destination_wport(),
            apdu: b.get(field::APDU..pdu.total_len()).unwrap_or(&[]),
        })
    }

    /// Parses one UDP datagram: exactly one PDU, nothing after it.
    ///
    /// # Errors
    /// As [`WrapperPdu::check_len`], and [`Error::LengthMismatch`] when bytes follow the APDU.
    pub fn parse_datagram(datagram: &'a [u8]) -> Result<WrapperRepr<'a>> {
        let repr = WrapperRepr::parse(&WrapperPdu::new_unchecked(datagram))?;
        if datagram.len() != HEADER_LEN + repr.apdu.len() {
            return Err(Error::LengthMismatch {
                declared: repr.apdu.len(),
                actual: datagram.len() - HEADER_LEN,
            });
        }
        Ok(repr)
    }

    /// Parses a PDU at the start of `bytes`, accepting the byte-swapped header of some devices
    /// (version `01 00`, every field little-endian); returns the byte order found.
    ///
    /// # Errors
    /// As [`WrapperPdu::check_len`] (a version other than 0x0001 in either order is rejected).
    pub fn parse_lenient(bytes: &'a [u8]) -> Result<(WrapperRepr<'a>, ByteOrder)> {
        let order = match bytes.get(field::VERSION) {
            Some(&[0x01, 0x00]) => ByteOrder::LittleEndian,
            _ => ByteOrder::BigEndian,
        };
        if order == ByteOrder::BigEndian {
            return Ok((
                WrapperRepr::parse(&WrapperPdu::new_unchecked(bytes))?,
                order,
            ));
        }
        let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(Error::Truncated {
                field: "wrapper header",
                offset: bytes.len(),
                needed: HEADER_LEN - bytes.len(),
            });
        };
        let word = |i: usize| match header.get(i..i + 2) {
            Some(&[a, b]) => order.read([a, b]),
            _ => 0,
        };
        let total = HEADER_LEN + usize::from(word(6));
        let apdu = bytes.get(field::APDU..total).ok_or(Error::Truncated {
            field: "wrapper APDU",
            offset: bytes.len(),
            needed: total.saturating_sub(bytes.len()),
        })?;
        Ok((
            WrapperRepr {
                source_wport: word(2),
                destination_wport: word(4),
                apdu,
            },
            order,
        ))
    }

    /// The length of the emitted PDU.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.apdu.len()
    }

    /// Emits the PDU into the start of `buf`, returning its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], and [`Error::InvalidArgument`] for an APDU above 65,535 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        self.emit_with_order(ByteOrder::BigEndian, buf)
    }

    /// [`WrapperRepr::emit`] in the given byte order (to answer a byte-swapped peer in kind).
    ///
    /// # Errors
    /// As [`WrapperRepr::emit`].
    pub fn emit_with_order(&self, order: ByteOrder, buf: &mut [u8]) -> Result<usize> {
        let length = u16::try_from(self.apdu.len()).map_err(|_| Error::InvalidArgument {
            what: "wrapper APDU longer than 65535 bytes",
        })?;
        let len = self.buffer_len();
        let available = buf.len();
        let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall {
            needed: len,
            available,
        })?;
        let (header, apdu) = out.split_at_mut(HEADER_LEN);
        for (i, v) in [
            WRAPPER_VERSION,
            self.source_wport,
            self.destination_wport,
            length,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(dst) = header.get_mut(2 * i..2 * i + 2) {
                dst.copy_from_slice(&order.write(v));
            }
        }
        apdu.copy_from_slice(self.apdu);
        Ok(len)
    }
}

/// Parses one UDP datagram (see [`WrapperRepr::parse_datagram`]).
///
/// # Errors
/// As [`WrapperRepr::parse_datagram`].
pub fn parse_datagram(datagram: &[u8]) -> Result<WrapperRepr<'_>> {
    WrapperRepr::parse_datagram(datagram)
}

/// The former name of [`Scan`] for the wrapper; [`Scan::Complete`] now carries an
/// `offset` too (always 0 here).
#[deprecated(note = "use `dlms::Scan`, which `wrapper::scan` returns")]
pub type WrapperScan = Scan;

/// Looks for a PDU at the start of a TCP byte stream: [`Scan::Complete`] with `offset` 0 and
/// `len` the PDU's length, header included.
///
/// A bad version drops bytes up to the next `00 01` (a TCP stream that lost sync rarely
/// recovers; the caller may prefer to close the connection).
///
/// ```
/// use dlms::Scan;
/// use dlms::wrapper::scan;
/// let bytes = [0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x02, 0x62, 0x00, 0x00, 0x01];
/// assert_eq!(scan(&bytes), Scan::Complete { offset: 0, len: 10 });
/// assert_eq!(scan(&bytes[10..]), Scan::Incomplete { needed: 6 });
/// ```
#[must_use]
pub fn scan(buf: &[u8]) -> Scan {
    let Some(header) = buf.first_chunk::<HEADER_LEN>() else {
        if let Some(&[a, b]) = buf.first_chunk::<2>()
            && [a, b] != WRAPPER_VERSION.to_be_bytes()
        {
            return bad_version(buf, u16::from_be_bytes([a, b]));
        }
        return Scan::Incomplete {
            needed: HEADER_LEN - buf.len(),
        };
    };
    let version = u16::from_be_bytes([header[0], header[1]]);
    if version != WRAPPER_VERSION {
        return bad_version(buf, version);
    }
    let len = HEADER_LEN + usize::from(u16::from_be_bytes([header[6], header[7]]));
    if buf.len() < len {
        Scan::Incomplete {
            needed: len - buf.len(),
        }
    } else {
        Scan::Complete { offset: 0, len }
    }
}

fn bad_version(buf: &[u8], found: u16) -> Scan {
    // Drop up to the next place a header could start (`00 01`, or a final `00`).
    let discard = (1..buf.len())
        .find(|&i| buf.get(i) == Some(&0x00) && buf.get(i + 1).is_none_or(|&b| b == 0x01))
        .unwrap_or(buf.len().max(1));
    Scan::Invalid {
        discard,
        error: Error::BadWrapperVersion { offset: 0, found },
    }
}

/// What [`WrapperStream::poll`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapperEvent<'a> {
    /// A complete PDU, borrowed from the stream's buffer until the next call.
    Pdu(WrapperRepr<'a>),
    /// Bytes were dropped: a bad header, or a PDU longer than the buffer (skipped whole).
    Discarded {
        /// How many bytes.
        bytes: usize,
        /// Why.
        error: Error,
    },
}

/// Reassembles wrapper PDUs from a TCP byte stream in a fixed buffer (no allocation).
///
/// A PDU longer than the buffer is skipped as it arrives ([`Error::ApduTooLong`]), keeping the
/// stream in sync.
///
/// ```
/// use dlms::wrapper::{WrapperEvent, WrapperStream};
/// // Two PDUs split across reads at awkward places.
/// let wire = [0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x02, 0x62, 0x00,
///             0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x00, 0x02, 0x63, 0x00];
/// let mut stream = WrapperStream::new([0u8; 256]);
/// let mut apdus = Vec::new();
/// for read in [&wire[..3], &wire[3..11], &wire[11..]] {
///     let mut input = read;
///     while let Some(event) = stream.poll(&mut input) {
///         if let WrapperEvent::Pdu(pdu) = event {
///             apdus.push(pdu.apdu.to_vec());
///         }
///     }
/// }
/// assert_eq!(apdus, [vec![0x62, 0x00], vec![0x63, 0x00]]);
/// ```
#[derive(Debug, Clone)]
pub struct WrapperStream<B> {
    buf: B,
    len: usize,
    /// Bytes of the PDU handed out last, dropped on the next call.
    release: usize,
    /// Bytes still to skip of a PDU longer than the buffer.
    skipping: usize,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> WrapperStream<B> {
    /// A stream reassembler using `buf`; the longest PDU accepted is `buf.len()` bytes.
    pub fn new(buf: B) -> Self {
        WrapperStream {
            buf,
            len: 0,
            release: 0,
            skipping: 0,
        }
    }

    /// The longest PDU accepted, header included.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// True when part of a PDU is buffered or being skipped.
    pub fn has_partial_pdu(&self) -> bool {
        self.len > self.release || self.skipping > 0
    }

    /// Drops whatever is buffered.
    pub fn reset(&mut self) {
        self.len = 0;
        self.release = 0;
        self.skipping = 0;
    }

    /// The buffer, for a transport that shares it with its transmit half.
    pub(crate) fn buffer_mut(&mut self) -> &mut B {
        &mut self.buf
    }

    /// The PDU the last [`poll`](Self::poll) returned, while it is still buffered (until the
    /// next `poll` or [`reset`](Self::reset)).
    pub fn last_pdu(&self) -> Option<WrapperRepr<'_>> {
        if self.release == 0 {
            return None;
        }
        let bytes = self.buf.as_ref().get(..self.release)?;
        let pdu = WrapperPdu::new_unchecked(bytes);
        Some(WrapperRepr {
            source_wport: pdu.source_wport(),
            destination_wport: pdu.destination_wport(),
            apdu: bytes.get(HEADER_LEN..)?,
        })
    }

    /// Takes bytes from the front of `input`; returns the next PDU or discard, or `None` when
    /// `input` is used up.
    pub fn poll<'s>(&'s mut self, input: &mut &[u8]) -> Option<WrapperEvent<'s>> {
        if self.release > 0 {
            let b = self.buf.as_mut();
            b.copy_within(self.release..self.len, 0);
            self.len -= self.release;
            self.release = 0;
        }
        loop {
            if self.skipping > 0 {
                let n = self.skipping.min(input.len());
                self.skipping -= n;
                *input = input.get(n..).unwrap_or(&[]);
                if self.skipping > 0 {
                    return None;
                }
                continue;
            }
            let buffered = self.buf.as_ref().get(..self.len).unwrap_or(&[]);
            match scan(buffered) {
                // `scan` puts a wrapper PDU at offset 0.
                Scan::Complete { len, .. } => {
                    self.release = len;
                    let bytes = self.buf.as_ref().get(..len).unwrap_or(&[]);
                    let pdu = WrapperPdu::new_unchecked(bytes);
                    return Some(WrapperEvent::Pdu(WrapperRepr {
                        source_wport: pdu.source_wport(),
                        destination_wport: pdu.destination_wport(),
                        apdu: bytes.get(HEADER_LEN..).unwrap_or(&[]),
                    }));
                }
                Scan::Invalid { discard, error } => {
                    let discard = discard.min(self.len);
                    self.buf.as_mut().copy_within(discard..self.len, 0);
                    self.len -= discard;
                    return Some(WrapperEvent::Discarded {
                        bytes: discard,
                        error,
                    });
                }
                Scan::Incomplete { needed } => {
                    let total = self.len + needed;
                    if self.len >= HEADER_LEN && total > self.capacity() {
                        // Too long for the buffer: skip the whole PDU to stay in sync.
                        self.skipping = total - self.len;
                        let dropped = self.len;
                        self.len = 0;
                        return Some(WrapperEvent::Discarded {
                            bytes: dropped + self.skipping,
                            error: Error::ApduTooLong {
                                len: total - HEADER_LEN,
                                capacity: self.capacity().saturating_sub(HEADER_LEN),
                            },
                        });
                    }
                    if input.is_empty() {
                        return None;
                    }
                    let take = needed.min(input.len());
                    let (chunk, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
                    match self.buf.as_mut().get_mut(self.len..self.len + take) {
                        Some(dst) => dst.copy_from_slice(chunk),
                        // A buffer shorter than a header: nothing can ever fit.
                        None => {
                            *input = rest;
                            return Some(WrapperEvent::Discarded {
                                bytes: take,
                                error: Error::BufferTooSmall {
                                    needed: HEADER_LEN,
                                    available: self.capacity(),
                                },
                            });
                        }
                    }
                    self.len += take;
                    *input = rest;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // u9n/dlms-cosem @c52e9d4 tests/test_udp_message.py::test_udp_message_from_bytes (WRAP-01):
    // UDP push, wPorts 1 -> 1, 70-byte general-glo-ciphering APDU.
    const WRAP_01: &str = "0001000100010046db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400";
    // openmuc jDLMS (xdom/jdlms) WrapperHeaderTest::decode1 (WRAP-02): 16 -> 17, 34-byte AARQ.
    const WRAP_02: &str =
        "0001001000110022602080020780a109060760857405080102be0f040d01000000065f0400181a200000";

    #[test]
    fn deconstruct() {
        let b = hex(WRAP_02);
        let pdu = WrapperPdu::new_checked(&b[..]).unwrap();
        assert_eq!(pdu.version(), 1);
        assert_eq!(pdu.source_wport(), 16);
        assert_eq!(pdu.destination_wport(), 17);
        assert_eq!(pdu.length(), 34);
        assert_eq!(pdu.total_len(), 42);
        assert_eq!(pdu.apdu(), &b[8..]);
        assert_eq!(pdu.into_inner().len(), 42);
    }

    #[test]
    fn construct() {
        let expected = hex(WRAP_02);
        let mut buf = [0xA5u8; 42];
        let mut pdu = WrapperPdu::new_unchecked(&mut buf[..]);
        pdu.set_version(1);
        pdu.set_source_wport(16);
        pdu.set_destination_wport(17);
        pdu.set_length(34);
        pdu.apdu_mut().copy_from_slice(&expected[8..]);
        assert_eq!(&buf[..], &expected[..]);
    }

    #[test]
    fn parse() {
        let b = hex(WRAP_01);
        let repr = WrapperRepr::parse_datagram(&b).unwrap();
        assert_eq!(repr.source_wport, 1);
        assert_eq!(repr.destination_wport, 1);
        assert_eq!(repr.apdu.len(), 70);
        assert_eq!(repr.apdu[0], 0xDB);
        assert_eq!(parse_datagram(&b), Ok(repr));
    }

    #[test]
    fn emit() {
        let b = hex(WRAP_02);
        let repr = WrapperRepr {
            source_wport: 16,
            destination_wport: 17,
            apdu: &b[8..],
        };
        assert_eq!(repr.buffer_len(), 42);
        let mut out = [0xA5u8; 50];
        assert_eq!(repr.emit(&mut out), Ok(42));
        assert_eq!(&out[..42], &b[..]);
        assert!(out[42..].iter().all(|&x| x == 0xA5));
    }

    #[test]
    fn negative() {
        // jDLMS WrapperHeaderTest: versions 0x1001 and 0x0002 are rejected.
        let mut b = hex(WRAP_02);
        b[0] = 0x10;
        assert_eq!(
            WrapperPdu::new_checked(&b[..]).map(|_| ()),
            Err(Error::BadWrapperVersion {
                offset: 0,
                found: 0x1001
            })
        );
        b[0] = 0x00;
        b[1] = 0x02;
        assert_eq!(
            WrapperRepr::parse_datagram(&b).map(|_| ()),
            Err(Error::BadWrapperVersion {
                offset: 0,
                found: 0x0002
            })
        );
        let b = hex(WRAP_02);
        assert_eq!(
            WrapperPdu::new_checked(&b[..5]).map(|_| ()),
            Err(Error::Truncated {
                field: "wrapper header",
                offset: 5,
                needed: 3
            })
        );
        assert_eq!(
            WrapperPdu::new_checked(&b[..40]).map(|_| ()),
            Err(Error::Truncated {
                field: "wrapper APDU",
                offset: 40,
                needed: 2
            })
        );
        let mut long = b.clone();
        long.push(0);
        assert_eq!(
            WrapperRepr::parse_datagram(&long),
            Err(Error::LengthMismatch {
                declared: 34,
                actual: 35
            })
        );
        let mut small = [0u8; 4];
        let repr = WrapperRepr::parse_datagram(&b).unwrap();
        assert_eq!(
            repr.emit(&mut small),
            Err(Error::BufferTooSmall {
                needed: 42,
                available: 4
            })
        );
        let huge = std::vec![0u8; 70_000];
        let repr = WrapperRepr {
            apdu: &huge,
            ..repr
        };
        assert!(matches!(
            repr.emit(&mut small),
            Err(Error::InvalidArgument { .. })
        ));
        // Accessors on garbage.
        let junk = WrapperPdu::new_unchecked(&[0x00][..]);
        assert_eq!(
            (junk.version(), junk.length(), junk.apdu()),
            (0, 0, &[][..])
        );
    }

    #[test]
    fn little_endian_header() {
        // IEC 62056-47 / xdom/jdlms `WrapperHeader`: the fork decodes a header whose version reads
        // 01 00 little-endian. Our WRAP-02 header byte-swapped field by field.
        let be = hex(WRAP_02);
        let mut le = be.clone();
        for i in 0..4 {
            le.swap(2 * i, 2 * i + 1);
        }
        assert!(WrapperRepr::parse_datagram(&le).is_err());
        let (repr, order) = WrapperRepr::parse_lenient(&le).unwrap();
        assert_eq!(order, ByteOrder::LittleEndian);
        assert_eq!(repr, WrapperRepr::parse_datagram(&be).unwrap());
        let mut out = [0u8; 64];
        let n = repr
            .emit_with_order(ByteOrder::LittleEndian, &mut out)
            .unwrap();
        assert_eq!(&out[..n], &le[..]);
        assert_eq!(
            WrapperRepr::parse_lenient(&be).unwrap().1,
            ByteOrder::BigEndian
        );
        assert!(WrapperRepr::parse_lenient(&le[..5]).is_err());
        assert!(WrapperRepr::parse_lenient(&le[..20]).is_err());
    }

    #[test]
    fn scan_cases() {
        let b = hex(WRAP_02);
        assert_eq!(scan(&b), Scan::Complete { offset: 0, len: 42 });
        assert_eq!(scan(&b[..3]), Scan::Incomplete { needed: 5 });
        assert_eq!(scan(&[]), Scan::Incomplete { needed: 8 });
        assert_eq!(scan(&b[..10]), Scan::Incomplete { needed: 32 });
        assert_eq!(
            scan(&[0x12, 0x00, 0x01, 0x00]),
            Scan::Invalid {
                discard: 1,
                error: Error::BadWrapperVersion {
                    offset: 0,
                    found: 0x1200
                }
            }
        );
        assert!(matches!(
            scan(&[0x12, 0x34]),
            Scan::Invalid { discard: 2, .. }
        ));
        // A final 00 may start the next header: it is kept.
        assert!(matches!(
            scan(&[0x12, 0x00]),
            Scan::Invalid { discard: 1, .. }
        ));
    }

    #[test]
    fn stream_any_chunking_and_oversize() {
        let mut wire = hex(WRAP_02);
        wire.extend(hex(WRAP_01));
        wire.extend(hex(WRAP_02));
        // Every chunk size (a sample of them under Miri).
        let step = if cfg!(miri) { 17 } else { 1 };
        for chunk in (1..=wire.len()).step_by(step) {
            // A 60-byte buffer holds WRAP-02 (42 bytes) but not WRAP-01 (78 bytes).
            let mut s = WrapperStream::new([0u8; 60]);
            let mut got = Vec::new();
            let mut errors = Vec::new();
            for piece in wire.chunks(chunk) {
                let mut input = piece;
                while let Some(ev) = s.poll(&mut input) {
                    match ev {
                        WrapperEvent::Pdu(p) => got.push(p.apdu.len()),
                        WrapperEvent::Discarded { bytes, error } => errors.push((bytes, error)),
                    }
                }
            }
            assert_eq!(got, [34, 34], "chunk {chunk}");
            assert_eq!(
                errors,
                [(
                    78,
                    Error::ApduTooLong {
                        len: 70,
                        capacity: 52
                    }
                )]
            );
            assert!(!s.has_partial_pdu());
        }
    }

    #[test]
    fn stream_resyncs_after_garbage() {
        let mut wire = std::vec![0xFF, 0x00, 0x02];
        wire.extend(hex(WRAP_02));
        let mut s = WrapperStream::new(std::vec![0u8; 100]);
        let mut input = &wire[..];
        let mut got = 0;
        let mut dropped = 0;
        while let Some(ev) = s.poll(&mut input) {
            match ev {
                WrapperEvent::Pdu(_) => got += 1,
                WrapperEvent::Discarded { bytes, .. } => dropped += bytes,
            }
        }
        assert_eq!((got, dropped), (1, 3));
        s.reset();
        let mut tiny = WrapperStream::new([0u8; 4]);
        let mut input = &wire[3..];
        assert!(matches!(
            tiny.poll(&mut input),
            Some(WrapperEvent::Discarded {
                error: Error::BufferTooSmall { .. },
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn roundtrip(src in any::<u16>(), dst in any::<u16>(), apdu in proptest::collection::vec(any::<u8>(), 0..200)) {
            let repr = WrapperRepr { source_wport: src, destination_wport: dst, apdu: &apdu };
            let mut buf = std::vec![0u8; repr.buffer_len()];
            prop_assert_eq!(repr.emit(&mut buf), Ok(buf.len()));
            prop_assert_eq!(WrapperRepr::parse_datagram(&buf), Ok(repr));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), chunk in 1usize..10) {
            let _ = WrapperRepr::parse_datagram(&bytes);
            let _ = WrapperRepr::parse_lenient(&bytes);
            let mut s = WrapperStream::new([0u8; 32]);
            for piece in bytes.chunks(chunk) {
                let mut input = piece;
                while s.poll(&mut input).is_some() {}
                prop_assert!(input.is_empty());
            }
        }
    }
}
