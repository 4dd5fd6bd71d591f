//! HDLC frame format type 3 (IEC 62056-46): the zero-copy view and the owned representation.
//!
//! ```text
//!  7E | format (2) | dst (1,2,4) | src (1,2,4) | control | [HCS (2) | information (n)] | FCS (2) | 7E
//!       └──────────── counted by the 11-bit length of the format field ─────────────┘
//! ```
//!
//! The view [`HdlcFrame`] wraps the bytes of one frame *including both flags*. The HCS is
//! present only when there is an information field; it covers format..control, and the FCS
//! covers format..information (so it runs over the HCS as well). There is no byte stuffing:
//! `0x7E` may occur inside a frame, which is delimited by its length field alone.

use super::address::Address;
use super::control::Control;
use super::fcs as crc;
use crate::invariant::in_bounds;
use crate::{Error, Result};

/// The HDLC flag.
pub const FLAG: u8 = 0x7E;

/// The longest frame without its flags: the largest value of the 11-bit length of the frame
/// format field, which counts the bytes between the flags (IEC 62056-46, frame format type 3).
pub const MAX_FRAME_LEN: usize = 0x7FF;

/// The longest frame on the wire with its opening and closing flags: [`MAX_FRAME_LEN`] + 2.
/// A buffer of this size holds any frame.
pub const MAX_FRAME_LEN_WITH_FLAGS: usize = MAX_FRAME_LEN + 2;

/// The smallest frame on the wire: flags, format, 1-byte addresses, control and FCS.
pub const MIN_FRAME_LEN: usize = 9;

/// Bytes a frame adds around its information field at most: flags (2), format (2),
/// two 4-byte addresses, control (1), HCS (2) and FCS (2).
pub const MAX_OVERHEAD: usize = 2 + 2 + 4 + 4 + 1 + 2 + 2;

/// Why ranges from a checked [`Layout`] are in bounds.
const LAYOUT: &str = "a layout that `layout()` returned lies within its buffer";
/// Why ranges of a frame being emitted are in bounds.
const EMIT_SIZED: &str = "the callers size `out` to the whole frame";

/// Frame format type 3 in the top nibble of the first format byte.
const FORMAT_TYPE_3: u8 = 0xA;
/// The segmentation bit in the first format byte.
const SEGMENTATION: u8 = 0x08;

/// The two-byte frame format field, decoded: the frame format type (4 bits), the segmentation
/// bit and the 11-bit frame length (IEC 62056-46, frame format type 3). The one place the
/// field is taken apart and put together.
///
/// ```
/// use dlms::hdlc::FormatField;
/// let f = FormatField::from_bytes([0xA8, 0x8C]);
/// assert!(f.is_type_3());
/// assert!(f.segmented);
/// assert_eq!(f.length, 0x08C);
/// assert_eq!(f.to_bytes(), [0xA8, 0x8C]);
/// assert_eq!(FormatField::type_3(false, 0x7FF).to_bytes(), [0xA7, 0xFF]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FormatField {
    /// The frame format type, the top nibble of the first byte (0xA for type 3).
    pub format_type: u8,
    /// The segmentation bit: more segments of the LSDU follow.
    pub segmented: bool,
    /// The frame length: the bytes between the flags (11 bits).
    pub length: usize,
}

impl FormatField {
    /// The frame format type this crate speaks.
    pub const FORMAT_TYPE_3: u8 = FORMAT_TYPE_3;

    /// Decodes the two bytes of the format field.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 2]) -> Self {
        Self {
            format_type: bytes[0] >> 4,
            segmented: bytes[0] & SEGMENTATION != 0,
            length: ((bytes[0] & 0x07) as usize) << 8 | bytes[1] as usize,
        }
    }

    /// A type-3 format field; `length` is taken modulo 2048.
    #[must_use]
    pub const fn type_3(segmented: bool, length: usize) -> Self {
        Self {
            format_type: FORMAT_TYPE_3,
            segmented,
            length: length & 0x7FF,
        }
    }

    /// True for frame format type 3.
    #[must_use]
    pub const fn is_type_3(&self) -> bool {
        self.format_type == FORMAT_TYPE_3
    }

    /// The two bytes of the field (the type's low nibble, and the length modulo 2048).
    #[must_use]
    pub const fn to_bytes(&self) -> [u8; 2] {
        [
            (self.format_type << 4)
                | if self.segmented { SEGMENTATION } else { 0 }
                | ((self.length >> 8) & 0x07) as u8,
            self.length as u8,
        ]
    }
}

mod field {
    //! Fixed offsets from the start of the frame (the opening flag). The addresses have
    //! variable length, so everything after them is located by [`super::Layout`].
    use core::ops::Range;

    /// The opening flag.
    pub const OPENING_FLAG: usize = 0;
    /// The frame format field.
    pub const FORMAT: Range<usize> = 1..3;
    /// The first byte of the destination address.
    pub const ADDRESSES: usize = 3;
}

/// An offset past the end of any buffer, with room for small additions.
const PAST_END: usize = usize::MAX / 2;

/// Where the variable-length fields of a frame are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// Length of the destination address.
    dst_len: usize,
    /// Length of the source address.
    src_len: usize,
    /// Offset of the control byte.
    control: usize,
    /// Offset of the information field (after the HCS), equal to `fcs` without one.
    info: usize,
    /// Offset of the FCS.
    fcs: usize,
}

impl Layout {
    fn has_info(&self) -> bool {
        self.info < self.fcs
    }

    /// Offset of the HCS (meaningful only when there is an information field).
    fn hcs(&self) -> usize {
        self.control + 1
    }
}

/// A view of one HDLC frame (type 3), from the opening flag to the closing flag.
///
/// Contract: after [`HdlcFrame::check_len`] (or [`HdlcFrame::new_checked`]) succeeded, no
/// accessor panics. Accessors never panic at all: on a buffer that was not checked they return
/// placeholder values (zero, empty slices).
///
/// ```
/// use dlms::hdlc::{Address, Control, HdlcFrame};
/// // u9n/dlms-cosem tests/test_hdlc/test_hdlc.py::TestSnrmFrame (HDLC-01).
/// let bytes = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
/// let frame = HdlcFrame::new_checked(&bytes[..])?;
/// frame.check_checksums()?;
/// assert_eq!(frame.dst(), Address::server(1, Some(17))?);
/// assert_eq!(frame.src(), Address::client(16)?);
/// assert_eq!(frame.control(), Control::Snrm { pf: true });
/// assert!(frame.info().is_empty());
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HdlcFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> HdlcFrame<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> HdlcFrame<T> {
        HdlcFrame { buffer }
    }

    /// Wraps a buffer and checks its structure ([`HdlcFrame::check_len`]).
    ///
    /// # Errors
    /// As [`HdlcFrame::check_len`].
    pub fn new_checked(buffer: T) -> Result<HdlcFrame<T>> {
        let frame = HdlcFrame::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Checks the structure: flags, format type, length, addresses and the presence of every
    /// field. The checksums are checked separately ([`HdlcFrame::check_checksums`]).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the buffer is too short for a field, [`Error::BadFlag`],
    /// [`Error::BadFrameFormat`], [`Error::LengthMismatch`] when the format field's length differs
    /// from the bytes between the flags, [`Error::AddressTooLong`], [`Error::BadAddressLength`].
    pub fn check_len(&self) -> Result<()> {
        self.layout().map(|_| ())
    }

    #[inline]
    fn layout(&self) -> Result<Layout> {
        let b = self.buffer.as_ref();
        let (opening, format) = match b {
            [opening, f0, f1, ..] => (*opening, [*f0, *f1]),
            _ => {
                return Err(Error::Truncated {
                    field: "frame format",
                    offset: b.len(),
                    needed: 3 - b.len(),
                });
            }
        };
        if opening != FLAG {
            return Err(Error::BadFlag {
                offset: field::OPENING_FLAG,
                found: opening,
            });
        }
        let format = FormatField::from_bytes(format);
        if !format.is_type_3() {
            return Err(Error::BadFrameFormat {
                offset: field::FORMAT.start,
                found: format.format_type,
            });
        }
        let declared = format.length;
        let actual = b.len() - 2;
        if declared != actual {
            return Err(Error::LengthMismatch { declared, actual });
        }
        // Everything below happens inside `b[..fcs]`, where `fcs = len - 3`.
        let fcs = b.len().saturating_sub(3);
        let header = in_bounds(b.get(..fcs), "fcs is at most the buffer length");
        let dst_start = field::ADDRESSES;
        let dst_len = Address::scan_len(
            header.get(dst_start..).unwrap_or(&[]),
            "destination address",
            dst_start,
        )?;
        let src_start = dst_start + dst_len;
        let src_len = Address::scan_len(
            header.get(src_start..).unwrap_or(&[]),
            "source address",
            src_start,
        )?;
        let control = src_start + src_len;
        if control >= fcs {
            return Err(Error::Truncated {
                field: "control",
                offset: control,
                needed: control + 1 - fcs,
            });
        }
        let after_control = control + 1;
        let info = match fcs - after_control {
            0 => fcs,
            // An HCS needs at least one byte of information after it.
            n @ 1..=2 => {
                return Err(Error::Truncated {
                    field: "information field",
                    offset: fcs,
                    needed: 3 - n,
                });
            }
            _ => after_control + 2,
        };
        if b.last() != Some(&FLAG) {
            return Err(Error::BadFlag {
                offset: b.len() - 1,
                found: b.last().copied().unwrap_or(0),
            });
        }
        Ok(Layout {
            dst_len,
            src_len,
            control,
            info,
            fcs,
        })
    }

    /// Layout for the accessors: never fails. On a bad buffer every field is empty and sits
    /// past the end, so that reads return placeholders (zero, empty slices).
    fn layout_or_empty(&self) -> Layout {
        self.layout().unwrap_or(Layout {
            dst_len: 0,
            src_len: 0,
            control: PAST_END,
            info: PAST_END,
            fcs: PAST_END,
        })
    }

    /// Checks the HCS (when present) and the FCS in one pass over the frame.
    ///
    /// # Errors
    /// [`Error::BadHcs`], [`Error::BadFcs`]; structural errors as [`HdlcFrame::check_len`].
    pub fn check_checksums(&self) -> Result<()> {
        let layout = self.layout()?;
        self.verify(&layout)
    }

    #[inline]
    fn verify(&self, l: &Layout) -> Result<()> {
        let b = self.buffer.as_ref();
        let mut digest = crc::digest();
        if l.has_info() {
            // CRC over format..control followed by the HCS ends on the good residue when the HCS
            // is right; the FCS check then continues the same digest (it also covers the HCS).
            digest.update(in_bounds(b.get(1..l.info), LAYOUT));
            if digest.clone().finalize() != crc::GOOD_CHECK {
                return Err(Error::BadHcs {
                    offset: l.hcs(),
                    expected: crc::fcs(in_bounds(b.get(1..l.hcs()), LAYOUT)),
                    found: read_le(b, l.hcs()),
                });
            }
            digest.update(in_bounds(b.get(l.info..l.fcs + 2), LAYOUT));
        } else {
            digest.update(in_bounds(b.get(1..l.fcs + 2), LAYOUT));
        }
        if digest.finalize() != crc::GOOD_CHECK {
            return Err(Error::BadFcs {
                offset: l.fcs,
                expected: crc::fcs(in_bounds(b.get(1..l.fcs), LAYOUT)),
                found: read_le(b, l.fcs),
            });
        }
        Ok(())
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole frame, flags included.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The frame format type (top nibble of the format field; 0xA for type 3).
    pub fn format_type(&self) -> u8 {
        self.format().format_type
    }

    /// The segmentation bit: more segments of this LSDU follow.
    pub fn segmented(&self) -> bool {
        self.format().segmented
    }

    /// The frame length from the format field (bytes between the flags).
    pub fn length(&self) -> usize {
        self.format().length
    }

    /// The decoded format field.
    pub fn format_field(&self) -> FormatField {
        self.format()
    }

    fn format(&self) -> FormatField {
        FormatField::from_bytes(match self.buffer.as_ref().get(field::FORMAT) {
            Some(&[a, b]) => [a, b],
            _ => [0, 0],
        })
    }

    /// The raw destination address bytes.
    pub fn dst_bytes(&self) -> &[u8] {
        let l = self.layout_or_empty();
        self.slice(field::ADDRESSES, field::ADDRESSES + l.dst_len)
    }

    /// The raw source address bytes.
    pub fn src_bytes(&self) -> &[u8] {
        let l = self.layout_or_empty();
        let start = field::ADDRESSES + l.dst_len;
        self.slice(start, start + l.src_len)
    }

    /// The destination address.
    pub fn dst(&self) -> Address {
        decode_address(self.dst_bytes())
    }

    /// The source address.
    pub fn src(&self) -> Address {
        decode_address(self.src_bytes())
    }

    /// The raw control byte.
    pub fn control_byte(&self) -> u8 {
        let l = self.layout_or_empty();
        self.buffer.as_ref().get(l.control).copied().unwrap_or(0)
    }

    /// The control field.
    pub fn control(&self) -> Control {
        Control::from_byte(self.control_byte())
    }

    /// The HCS as read from the frame (`None` without an information field).
    pub fn hcs(&self) -> Option<u16> {
        let l = self.layout_or_empty();
        l.has_info().then(|| read_le(self.buffer.as_ref(), l.hcs()))
    }

    /// The FCS as read from the frame.
    pub fn fcs(&self) -> u16 {
        let l = self.layout_or_empty();
        read_le(self.buffer.as_ref(), l.fcs)
    }

    /// The HCS computed over format..control (`None` without an information field).
    pub fn computed_hcs(&self) -> Option<u16> {
        let l = self.layout_or_empty();
        l.has_info().then(|| crc::fcs(self.slice(1, l.hcs())))
    }

    /// The FCS computed over format..information.
    pub fn computed_fcs(&self) -> u16 {
        let l = self.layout_or_empty();
        crc::fcs(self.slice(1, l.fcs))
    }

    /// True when the frame has an information field (and so an HCS).
    pub fn has_info(&self) -> bool {
        self.layout_or_empty().has_info()
    }

    /// The information field (empty when absent).
    pub fn info(&self) -> &[u8] {
        let l = self.layout_or_empty();
        self.slice(l.info, l.fcs)
    }

    /// Offset of the information field in the frame.
    pub fn info_offset(&self) -> usize {
        self.layout_or_empty().info
    }

    fn slice(&self, start: usize, end: usize) -> &[u8] {
        self.buffer.as_ref().get(start..end).unwrap_or(&[])
    }
}

impl<'a> HdlcFrame<&'a [u8]> {
    /// The information field, borrowed for the lifetime of the underlying bytes.
    pub fn info_ref(&self) -> &'a [u8] {
        let l = self.layout_or_empty();
        self.buffer.get(l.info..l.fcs).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> HdlcFrame<T> {
    /// Writes the opening and the closing flag (the closing one at the end of the buffer).
    pub fn set_flags(&mut self) {
        let b = self.buffer.as_mut();
        if let Some(first) = b.first_mut() {
            *first = FLAG;
        }
        if let Some(last) = b.last_mut() {
            *last = FLAG;
        }
    }

    /// Writes the format field: type 3, the segmentation bit and the frame length.
    ///
    /// `length` is taken modulo 2048.
    pub fn set_format(&mut self, segmented: bool, length: usize) {
        if let Some(f) = self.buffer.as_mut().get_mut(field::FORMAT) {
            f.copy_from_slice(&FormatField::type_3(segmented, length).to_bytes());
        }
    }

    /// Writes both addresses (their sizes fix where the later fields are).
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when the buffer cannot hold the addresses and a control byte.
    pub fn set_addresses(&mut self, dst: Address, src: Address) -> Result<()> {
        let b = self.buffer.as_mut();
        let needed = field::ADDRESSES + dst.len() + src.len() + 1;
        let available = b.len();
        let out = b
            .get_mut(field::ADDRESSES..field::ADDRESSES + dst.len() + src.len())
            .ok_or(Error::BufferTooSmall { needed, available })?;
        let (d, s) = out.split_at_mut(dst.len());
        d.copy_from_slice(dst.to_bytes().as_slice());
        s.copy_from_slice(src.to_bytes().as_slice());
        Ok(())
    }

    /// Writes the control byte (after the addresses, which must be set first).
    pub fn set_control(&mut self, control: Control) {
        let at = self.control_offset();
        if let Some(c) = self.buffer.as_mut().get_mut(at) {
            *c = control.to_byte();
        }
    }

    /// Offset of the control byte according to the addresses in the buffer.
    fn control_offset(&self) -> usize {
        let b = self.buffer.as_ref();
        let dst = Address::scan_len(b.get(field::ADDRESSES..).unwrap_or(&[]), "", 0).unwrap_or(0);
        let src_start = field::ADDRESSES + dst;
        let src = Address::scan_len(b.get(src_start..).unwrap_or(&[]), "", 0).unwrap_or(0);
        src_start + src
    }

    /// The information field for writing, located from the addresses in the buffer and the
    /// buffer length (the buffer must be exactly the frame). Empty when there is no room for one.
    pub fn info_mut(&mut self) -> &mut [u8] {
        let start = self.control_offset() + 3;
        let b = self.buffer.as_mut();
        let end = b.len().saturating_sub(3);
        b.get_mut(start..end).unwrap_or(&mut [])
    }

    /// Computes and writes the HCS (when the frame has an information field) and the FCS.
    ///
    /// # Errors
    /// As [`HdlcFrame::check_len`]: the structure must be complete.
    pub fn fill_checksums(&mut self) -> Result<()> {
        let l = self.layout()?;
        let b = self.buffer.as_mut();
        let mut digest = crc::digest();
        if l.has_info() {
            let header = in_bounds(b.get(1..l.hcs()), LAYOUT);
            digest.update(header);
            let hcs = digest.clone().finalize().to_le_bytes();
            write_at(b, l.hcs(), &hcs);
            digest.update(&hcs);
            digest.update(in_bounds(b.get(l.info..l.fcs), LAYOUT));
        } else {
            digest.update(in_bounds(b.get(1..l.fcs), LAYOUT));
        }
        let fcs = digest.finalize().to_le_bytes();
        write_at(b, l.fcs, &fcs);
        Ok(())
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for HdlcFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The header of a frame whose information field has not been seen (or kept): what a station
/// needs to reject it with FRMR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub dst: Address,
    pub src: Address,
    pub control: Control,
    /// The value of the length field (bytes between the flags).
    pub length: usize,
}

/// What [`parse_header`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderScan {
    /// The header and its HCS are right.
    Valid(FrameHeader),
    /// `needed` more bytes at least.
    Incomplete { needed: usize },
    /// Not a frame with an information field and a right HCS.
    Invalid,
}

/// Checks the header of the frame that starts at `b[0]` (the opening flag): format type 3,
/// addresses, control and the HCS, which covers all of them and the length field. The rest of
/// the frame need not be present.
pub(crate) fn parse_header(b: &[u8]) -> HeaderScan {
    let (format, rest) = match b {
        [FLAG, f0, f1, rest @ ..] => ([*f0, *f1], rest),
        [FLAG, ..] | [] => {
            return HeaderScan::Incomplete {
                needed: 3 - b.len(),
            };
        }
        _ => return HeaderScan::Invalid,
    };
    let format = FormatField::from_bytes(format);
    if !format.is_type_3() {
        return HeaderScan::Invalid;
    }
    let dst_len = match Address::scan_len(rest, "", 0) {
        Ok(n) => n,
        Err(Error::Truncated { needed, .. }) => return HeaderScan::Incomplete { needed },
        Err(_) => return HeaderScan::Invalid,
    };
    let after_dst = rest.get(dst_len..).unwrap_or(&[]);
    let src_len = match Address::scan_len(after_dst, "", 0) {
        Ok(n) => n,
        Err(Error::Truncated { needed, .. }) => return HeaderScan::Incomplete { needed },
        Err(_) => return HeaderScan::Invalid,
    };
    let control = field::ADDRESSES + dst_len + src_len;
    let hcs_end = control + 3;
    let length = format.length;
    // A frame with an information field: the header, the HCS, at least one byte and the FCS.
    if length + 2 < hcs_end + 3 {
        return HeaderScan::Invalid;
    }
    let Some(covered) = b.get(1..hcs_end) else {
        return HeaderScan::Incomplete {
            needed: hcs_end - b.len(),
        };
    };
    debug_assert_eq!(covered.len(), control + 2);
    if crc::fcs(b.get(1..control + 1).unwrap_or(&[])) != read_le(b, control + 1) {
        return HeaderScan::Invalid;
    }
    HeaderScan::Valid(FrameHeader {
        dst: Address::from_wire(rest, dst_len),
        src: Address::from_wire(after_dst, src_len),
        control: Control::from_byte(b.get(control).copied().unwrap_or(0)),
        length,
    })
}

fn read_le(b: &[u8], at: usize) -> u16 {
    match b.get(at..at.saturating_add(2)) {
        Some(&[lo, hi]) => u16::from_le_bytes([lo, hi]),
        _ => 0,
    }
}

/// Writes a checksum at `at`; its callers place it inside a checked layout or a frame they
/// sized, so the range is in bounds.
fn write_at(b: &mut [u8], at: usize, bytes: &[u8]) {
    let out = b.get_mut(at..at + bytes.len());
    debug_assert!(out.is_some(), "a checksum is written inside the frame");
    if let Some(out) = out {
        out.copy_from_slice(bytes);
    }
}

fn decode_address(bytes: &[u8]) -> Address {
    Address::decode(bytes, "", 0).map_or(Address::NO_STATION, |(a, _)| a)
}

/// The fields of one HDLC frame, borrowing its information field.
///
/// ```
/// use dlms::hdlc::{Address, Control, HdlcFrameRepr};
/// let repr = HdlcFrameRepr {
///     segmented: false,
///     dst: Address::server(1, Some(17))?,
///     src: Address::client(16)?,
///     control: Control::Rr { nr: 2, pf: true },
///     info: &[],
/// };
/// let mut buf = [0u8; 16];
/// let n = repr.emit_to_slice(&mut buf)?;
/// // IEC 62056-46: RR N(R)=2, P=1.
/// assert_eq!(&buf[..n], &[0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x51, 0xA3, 0x81, 0x7E]);
/// assert_eq!(HdlcFrameRepr::parse_bytes(&buf[..n])?, repr);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HdlcFrameRepr<'a> {
    /// The segmentation bit (more segments of this LSDU follow).
    pub segmented: bool,
    /// Destination address.
    pub dst: Address,
    /// Source address.
    pub src: Address,
    /// Control field.
    pub control: Control,
    /// Information field (empty: none, and no HCS).
    pub info: &'a [u8],
}

impl<'a> HdlcFrameRepr<'a> {
    /// Parses a frame: structure, HCS and FCS, then every field.
    ///
    /// # Errors
    /// As [`HdlcFrame::check_len`] and [`HdlcFrame::check_checksums`].
    pub fn parse(frame: &HdlcFrame<&'a [u8]>) -> Result<HdlcFrameRepr<'a>> {
        let layout = frame.layout()?;
        frame.verify(&layout)?;
        let b: &'a [u8] = frame.buffer;
        let dst_end = field::ADDRESSES + layout.dst_len;
        let dst = Address::from_wire(in_bounds(b.get(field::ADDRESSES..), LAYOUT), layout.dst_len);
        let src = Address::from_wire(in_bounds(b.get(dst_end..), LAYOUT), layout.src_len);
        let control_byte = |b: &[u8], at: usize| {
            let byte = b.get(at).copied();
            debug_assert!(byte.is_some(), "out of bounds: {LAYOUT}");
            byte.unwrap_or(0)
        };
        Ok(HdlcFrameRepr {
            segmented: frame.segmented(),
            dst,
            src,
            control: Control::from_byte(control_byte(b, layout.control)),
            info: in_bounds(b.get(layout.info..layout.fcs), LAYOUT),
        })
    }

    /// Parses the bytes of one frame (flags included).
    ///
    /// # Errors
    /// As [`HdlcFrameRepr::parse`].
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<HdlcFrameRepr<'a>> {
        HdlcFrameRepr::parse(&HdlcFrame::new_unchecked(bytes))
    }

    /// The length of the emitted frame, flags included.
    pub fn buffer_len(&self) -> usize {
        let info = if self.info.is_empty() {
            0
        } else {
            2 + self.info.len()
        };
        1 + 2 + self.dst.len() + self.src.len() + 1 + info + 2 + 1
    }

    /// Emits the frame into the start of the view's buffer, returning its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when the buffer is shorter than [`HdlcFrameRepr::buffer_len`],
    /// [`Error::FrameTooLong`] when the frame exceeds the 11-bit length (2,049 bytes with flags).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut HdlcFrame<T>) -> Result<usize> {
        self.emit_to_slice(frame.buffer.as_mut())
    }

    /// Emits the frame into the start of `buf`, returning its length.
    ///
    /// # Errors
    /// As [`HdlcFrameRepr::emit`].
    pub fn emit_to_slice(&self, buf: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        if len > MAX_FRAME_LEN_WITH_FLAGS {
            return Err(Error::FrameTooLong {
                len,
                max: MAX_FRAME_LEN_WITH_FLAGS,
            });
        }
        let available = buf.len();
        let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall {
            needed: len,
            available,
        })?;
        emit_parts(
            out,
            self.segmented,
            self.dst,
            self.src,
            self.control,
            &[self.info],
        );
        Ok(len)
    }
}

/// Writes a frame whose information field is the concatenation of `info_parts` into `out`,
/// which must be exactly the frame length (checked by the callers).
pub(crate) fn emit_parts(
    out: &mut [u8],
    segmented: bool,
    dst: Address,
    src: Address,
    control: Control,
    info_parts: &[&[u8]],
) {
    let len = out.len();
    let info_len: usize = info_parts.iter().map(|p| p.len()).sum();
    let mut frame = HdlcFrame::new_unchecked(&mut *out);
    frame.set_flags();
    frame.set_format(segmented, len - 2);
    // The callers sized `out` from the addresses, so this cannot fail.
    let addressed = frame.set_addresses(dst, src);
    debug_assert!(
        addressed.is_ok(),
        "the callers size `out` from the addresses"
    );
    let control_at = field::ADDRESSES + dst.len() + src.len();
    let mut digest = crc::digest();
    if let Some(c) = out.get_mut(control_at) {
        *c = control.to_byte();
    }
    let mut at = control_at + 1;
    if info_len > 0 {
        digest.update(in_bounds(out.get(1..at), EMIT_SIZED));
        let hcs = digest.clone().finalize().to_le_bytes();
        write_at(out, at, &hcs);
        digest.update(&hcs);
        at += 2;
        for part in info_parts {
            if let Some(dst) = out.get_mut(at..at + part.len()) {
                dst.copy_from_slice(part);
                digest.update(part);
            }
            at += part.len();
        }
    } else {
        digest.update(in_bounds(out.get(1..at), EMIT_SIZED));
    }
    let fcs = digest.finalize().to_le_bytes();
    write_at(out, at, &fcs);
}

/// The frame length (flags included) of a frame with these addresses and `info_len` bytes of
/// information.
#[must_use]
pub const fn frame_len(dst: Address, src: Address, info_len: usize) -> usize {
    let info = if info_len == 0 { 0 } else { 2 + info_len };
    1 + 2 + dst.len() + src.len() + 1 + info + 2 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hdlc::AddressSize;
    use proptest::prelude::*;

    // u9n/dlms-cosem @c52e9d4 tests/test_hdlc/test_hdlc.py::TestInformationFrame (HDLC-06):
    // I-frame N(S)=0 N(R)=0 P, client 16 -> server (1,17), LLC + AARQ.
    const HDLC_06: &str = "7ea02c02232110af9fe6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffffc5e47e";
    // u9n/dlms-cosem @c52e9d4 tests/test_hdlc/test_hdlc.py::TestSnrmFrame (HDLC-01).
    const HDLC_01: &str = "7ea00802232193bd647e";
    // benches/data/hdlc_big.hex: the 2,049-byte I-frame with the 11-bit length 2047 (format A7 FF).
    const BIG_HEADER: &str = "7ea7ff210223304e80";

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn deconstruct() {
        let bytes = hex(HDLC_06);
        let f = HdlcFrame::new_checked(&bytes[..]).unwrap();
        assert_eq!(f.format_type(), 0xA);
        assert!(!f.segmented());
        assert_eq!(f.length(), 44);
        assert_eq!(f.dst_bytes(), &[0x02, 0x23]);
        assert_eq!(f.src_bytes(), &[0x21]);
        assert_eq!(f.dst(), Address::server(1, Some(17)).unwrap());
        assert_eq!(f.src(), Address::client(16).unwrap());
        assert_eq!(f.control_byte(), 0x10);
        assert_eq!(
            f.control(),
            Control::I {
                ns: 0,
                nr: 0,
                pf: true
            }
        );
        assert_eq!(f.hcs(), Some(0x9FAF));
        assert_eq!(f.computed_hcs(), Some(0x9FAF));
        assert_eq!(f.fcs(), 0xE4C5);
        assert_eq!(f.computed_fcs(), 0xE4C5);
        assert!(f.has_info());
        assert_eq!(f.info_offset(), 9);
        assert_eq!(f.info(), &bytes[9..bytes.len() - 3]);
        assert_eq!(&f.info()[..3], &[0xE6, 0xE6, 0x00]);
        assert!(f.check_checksums().is_ok());

        let bytes = hex(HDLC_01);
        let f = HdlcFrame::new_checked(&bytes[..]).unwrap();
        assert_eq!(f.hcs(), None);
        assert_eq!(f.computed_hcs(), None);
        assert!(f.info().is_empty());
        assert_eq!(f.fcs(), 0x64BD);
        assert_eq!(f.as_bytes(), &bytes[..]);
    }

    #[test]
    fn construct() {
        let expected = hex(HDLC_06);
        let mut buf = [0xA5u8; 46];
        let mut f = HdlcFrame::new_unchecked(&mut buf[..]);
        f.set_flags();
        f.set_format(false, 44);
        f.set_addresses(
            Address::server(1, Some(17)).unwrap(),
            Address::client(16).unwrap(),
        )
        .unwrap();
        f.set_control(Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        });
        f.info_mut().copy_from_slice(&expected[9..43]);
        f.fill_checksums().unwrap();
        assert_eq!(&buf[..], &expected[..]);

        let expected = hex(HDLC_01);
        let mut buf = [0xA5u8; 10];
        let mut f = HdlcFrame::new_unchecked(&mut buf[..]);
        f.set_flags();
        f.set_format(false, 8);
        f.set_addresses(
            Address::server(1, Some(17)).unwrap(),
            Address::client(16).unwrap(),
        )
        .unwrap();
        f.set_control(Control::Snrm { pf: true });
        assert!(f.info_mut().is_empty());
        f.fill_checksums().unwrap();
        assert_eq!(&buf[..], &expected[..]);
    }

    #[test]
    fn parse() {
        let bytes = hex(HDLC_06);
        let repr = HdlcFrameRepr::parse_bytes(&bytes).unwrap();
        assert_eq!(
            repr,
            HdlcFrameRepr {
                segmented: false,
                dst: Address::server(1, Some(17)).unwrap(),
                src: Address::client(16).unwrap(),
                control: Control::I {
                    ns: 0,
                    nr: 0,
                    pf: true
                },
                info: &bytes[9..43],
            }
        );
    }

    #[test]
    fn emit() {
        let bytes = hex(HDLC_06);
        let repr = HdlcFrameRepr {
            segmented: false,
            dst: Address::server(1, Some(17)).unwrap(),
            src: Address::client(16).unwrap(),
            control: Control::I {
                ns: 0,
                nr: 0,
                pf: true,
            },
            info: &bytes[9..43],
        };
        assert_eq!(repr.buffer_len(), bytes.len());
        let mut buf = [0xA5u8; 64];
        let mut view = HdlcFrame::new_unchecked(&mut buf[..]);
        assert_eq!(repr.emit(&mut view), Ok(bytes.len()));
        assert_eq!(&buf[..bytes.len()], &bytes[..]);
        assert!(buf[bytes.len()..].iter().all(|&b| b == 0xA5));
    }

    #[test]
    fn eleven_bit_length() {
        // A frame longer than 255 bytes (Gurux/Gurux.DLMS.Python PR #46): A7 FF = length 2047.
        let info = [0x5Au8; 2047 - 10];
        let repr = HdlcFrameRepr {
            segmented: false,
            dst: Address::client(16).unwrap(),
            src: Address::server(1, Some(17)).unwrap(),
            control: Control::I {
                ns: 0,
                nr: 1,
                pf: true,
            },
            info: &info,
        };
        let mut buf = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
        assert_eq!(repr.emit_to_slice(&mut buf), Ok(MAX_FRAME_LEN_WITH_FLAGS));
        assert_eq!(&buf[..9], &hex(BIG_HEADER)[..]);
        assert_eq!(HdlcFrameRepr::parse_bytes(&buf), Ok(repr));
        let too_long = HdlcFrameRepr {
            info: &[0; 2047 - 9],
            ..repr
        };
        let mut big = std::vec![0u8; 2100];
        assert_eq!(
            too_long.emit_to_slice(&mut big),
            Err(Error::FrameTooLong {
                len: 2050,
                max: 2049
            })
        );
        // A segmented frame (A8 ..).
        let seg = HdlcFrameRepr {
            segmented: true,
            info: &info[..100],
            ..repr
        };
        let n = seg.emit_to_slice(&mut buf).unwrap();
        assert_eq!(buf[1] & 0xF8, 0xA8);
        assert!(HdlcFrame::new_checked(&buf[..n]).unwrap().segmented());
    }

    #[test]
    fn unescaped_flag_inside_frame() {
        // An Iskra UA announcing max-info 126 = 0x7E (jDLMS `HdlcFrameTest`).
        let info = [0x81, 0x80, 0x06, 0x05, 0x01, 0x7E, 0x06, 0x01, 0x7E];
        let repr = HdlcFrameRepr {
            segmented: false,
            dst: Address::client(16).unwrap(),
            src: Address::server(1, None).unwrap(),
            control: Control::Ua { pf: true },
            info: &info,
        };
        let mut buf = [0u8; 32];
        let n = repr.emit_to_slice(&mut buf).unwrap();
        assert_eq!(HdlcFrameRepr::parse_bytes(&buf[..n]), Ok(repr));
    }

    #[test]
    fn fcs_depends_only_on_info() {
        // u9n/dlms-cosem test_find_4_byte_address (HDLC-04 / HDLC-05): same information field,
        // different addresses, same FCS CE 6A; both validate.
        let a = hex("7ea023030002002373c0488180140502008006020080070400000001080400000001ce6a7e");
        let b = hex("7ea023210002002373f6c58180140502008006020080070400000001080400000001ce6a7e");
        for bytes in [&a, &b] {
            let f = HdlcFrame::new_checked(&bytes[..]).unwrap();
            assert!(f.check_checksums().is_ok());
            assert_eq!(f.fcs(), 0x6ACE);
            assert_eq!(
                f.src(),
                Address::with_size(1, Some(17), AddressSize::Four).unwrap()
            );
        }
    }

    #[test]
    fn negative() {
        let good = hex(HDLC_06);
        let with = |i: usize, v: u8| {
            let mut b = good.clone();
            b[i] = v;
            b
        };
        let check = |b: &[u8]| HdlcFrameRepr::parse_bytes(b).map(|_| ());
        assert_eq!(
            check(&good[..2]),
            Err(Error::Truncated {
                field: "frame format",
                offset: 2,
                needed: 1
            })
        );
        assert_eq!(
            check(&with(0, 0x7F)),
            Err(Error::BadFlag {
                offset: 0,
                found: 0x7F
            })
        );
        let last = good.len() - 1;
        assert_eq!(
            check(&with(last, 0x00)),
            Err(Error::BadFlag {
                offset: last,
                found: 0x00
            })
        );
        assert_eq!(
            check(&with(1, 0xB0)),
            Err(Error::BadFrameFormat {
                offset: 1,
                found: 0xB
            })
        );
        assert_eq!(
            check(&good[..good.len() - 1]),
            Err(Error::LengthMismatch {
                declared: 44,
                actual: 43
            })
        );
        // HDLC-15 (jDLMS HdlcFrameTest::decode5): length 11 but 10 bytes between the flags.
        assert_eq!(
            check(&hex("7ea00b002254d36193f4e37e")),
            Err(Error::LengthMismatch {
                declared: 11,
                actual: 10
            })
        );
        // A 3-byte destination address, and one with no extension bit.
        let mut three = good.clone();
        three[3] = 0x02;
        three[4] = 0x22;
        three[5] = 0x21;
        assert_eq!(
            HdlcFrame::new_checked(&three[..]).map(|_| ()),
            Err(Error::BadAddressLength {
                field: "destination address",
                offset: 3,
                len: 3
            })
        );
        let mut long = good.clone();
        long[3..8].copy_from_slice(&[0x02, 0x02, 0x02, 0x02, 0x03]);
        assert_eq!(
            HdlcFrame::new_checked(&long[..]).map(|_| ()),
            Err(Error::AddressTooLong {
                field: "destination address",
                offset: 3
            })
        );
        let mut src_long = good.clone();
        src_long[5..10].copy_from_slice(&[0x20, 0x20, 0x20, 0x20, 0x21]);
        assert_eq!(
            HdlcFrame::new_checked(&src_long[..]).map(|_| ()),
            Err(Error::AddressTooLong {
                field: "source address",
                offset: 5
            })
        );
        // Bad HCS and bad FCS.
        assert_eq!(
            check(&with(7, 0x00)),
            Err(Error::BadHcs {
                offset: 7,
                expected: 0x9FAF,
                found: 0x9F00
            })
        );
        assert_eq!(
            check(&with(20, 0x00)),
            Err(Error::BadFcs {
                offset: 43,
                expected: crc::fcs(&with(20, 0)[1..43]),
                found: 0xE4C5
            })
        );
        let snrm = hex(HDLC_01);
        let mut bad = snrm.clone();
        bad[7] ^= 1;
        assert_eq!(
            check(&bad),
            Err(Error::BadFcs {
                offset: 7,
                expected: crc::fcs(&snrm[1..7]),
                found: 0x64BC
            })
        );
        // No room for the control byte; an HCS without information.
        assert_eq!(
            check(&hex("7ea0070221 03aabb7e".replace(' ', "").as_str())),
            Err(Error::Truncated {
                field: "control",
                offset: 6,
                needed: 1
            })
        );
        assert_eq!(
            check(&hex("7ea009032193aaaabbbb7e")),
            Err(Error::Truncated {
                field: "information field",
                offset: 8,
                needed: 1
            })
        );
        assert_eq!(
            check(&hex("7ea0070221937e")),
            Err(Error::LengthMismatch {
                declared: 7,
                actual: 5
            })
        );
        assert_eq!(
            check(&hex("7ea00403217e")),
            Err(Error::Truncated {
                field: "destination address",
                offset: 3,
                needed: 1
            })
        );
        // Emit into a short buffer.
        let repr = HdlcFrameRepr::parse_bytes(&good).unwrap();
        let mut short = [0u8; 10];
        assert_eq!(
            repr.emit_to_slice(&mut short),
            Err(Error::BufferTooSmall {
                needed: 46,
                available: 10
            })
        );
        let mut f = HdlcFrame::new_unchecked(&mut short[..2]);
        assert!(
            f.set_addresses(Address::client(1).unwrap(), Address::client(2).unwrap())
                .is_err()
        );
    }

    #[test]
    fn accessors_on_garbage_do_not_panic() {
        let junk = [0x7Eu8, 0xA0];
        let f = HdlcFrame::new_unchecked(&junk[..]);
        assert!(f.info().is_empty());
        assert_eq!(f.fcs(), 0);
        assert_eq!(f.hcs(), None);
        let _ = (
            f.dst(),
            f.src(),
            f.control(),
            f.computed_fcs(),
            f.length(),
            f.segmented(),
        );
        let empty = HdlcFrame::new_unchecked(&[][..]);
        assert_eq!(empty.length(), 0);
        assert!(empty.check_len().is_err());
        let mut m = [0u8; 3];
        let mut f = HdlcFrame::new_unchecked(&mut m[..]);
        f.set_control(Control::Ua { pf: true });
        assert!(f.info_mut().is_empty());
        assert!(f.fill_checksums().is_err());
    }

    fn any_address() -> impl Strategy<Value = Address> {
        prop_oneof![
            (0u16..=0x7F).prop_map(|u| Address::new(u, None).unwrap()),
            (0u16..=0x7F, 0u16..=0x7F).prop_map(|(u, l)| Address::with_size(
                u,
                Some(l),
                AddressSize::Two
            )
            .unwrap()),
            (0u16..=0x3FFF, 0u16..=0x3FFF).prop_map(|(u, l)| Address::with_size(
                u,
                Some(l),
                AddressSize::Four
            )
            .unwrap()),
        ]
    }

    proptest! {
        #[test]
        fn roundtrip(
            segmented in any::<bool>(),
            dst in any_address(),
            src in any_address(),
            control in any::<u8>(),
            info in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let repr = HdlcFrameRepr { segmented, dst, src, control: Control::from(control), info: &info };
            let mut buf = std::vec![0xA5u8; repr.buffer_len()];
            prop_assert_eq!(repr.emit_to_slice(&mut buf), Ok(buf.len()));
            prop_assert_eq!(HdlcFrameRepr::parse_bytes(&buf), Ok(repr));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let f = HdlcFrame::new_unchecked(&bytes[..]);
            let _ = (f.dst(), f.src(), f.info(), f.hcs(), f.fcs(), f.control());
            if let Ok(repr) = HdlcFrameRepr::parse_bytes(&bytes) {
                let mut out = std::vec![0u8; repr.buffer_len()];
                prop_assert!(repr.emit_to_slice(&mut out).is_ok());
                prop_assert_eq!(out, bytes);
            }
        }
    }
}
