//! DataNotification (0x0F) and EventNotification (0xC2) (DLMS Green Book 9.5; jDLMS
//! `cosem.asn`).

use super::common::{
    AttributeDescriptor, DateTimeField, LongInvokeIdAndPriority, apdu_parse, encode_via_write,
};
use crate::Result;
use crate::axdr::{Data, Encode, Limits, Sink};
use crate::wire::Reader;

/// DataNotification (tag 0x0F): a push from the meter.
///
/// The date-time is accepted as `00`, `0C` + 12 bytes, and the `09 0C` + 12 bytes some meters
/// send (Kaifa MA304H3E, esphome-libs/dlms_parser `apdu_handler.cpp`); [`DateTimeField`]
/// keeps which.
///
/// ```
/// use dlms::apdu::DataNotification;
/// use dlms::axdr::Data;
/// // Long-invoke-id 1, no date-time, structure { 1-0:1.8.0.255, 5000 }.
/// let bytes = [0x0F, 0, 0, 0, 1, 0x00, 0x02, 0x02, 0x09, 0x06, 1, 0, 1, 8, 0, 0xFF, 0x06, 0, 0, 0x13, 0x88];
/// let n = DataNotification::parse(&bytes)?;
/// assert_eq!(n.long_invoke_id.invoke_id(), 1);
/// assert_eq!(n.date_time.value(), None);
/// let fields: Vec<Data<'_>> = n.body.as_sequence().unwrap().iter().collect();
/// assert_eq!(fields[1], Data::DoubleLongUnsigned(5000));
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataNotification<'a> {
    /// Long invoke id and priority.
    pub long_invoke_id: LongInvokeIdAndPriority,
    /// The time stamp, if any.
    pub date_time: DateTimeField,
    /// The notification body.
    pub body: Data<'a>,
}

/// EVENT-NOTIFICATION-Request (tag 0xC2): one attribute value sent by the server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventNotification<'a> {
    /// The time stamp, if any.
    pub time: DateTimeField,
    /// The attribute.
    pub attribute: AttributeDescriptor,
    /// Its value.
    pub value: Data<'a>,
}

impl<'a> DataNotification<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x0F;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            long_invoke_id: LongInvokeIdAndPriority(r.u32("long-invoke-id-and-priority")?),
            date_time: DateTimeField::read(r)?,
            body: Data::read(r, limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        out.put(&self.long_invoke_id.0.to_be_bytes())?;
        self.date_time.write(out)?;
        self.body.emit_to(out)
    }
}

impl<'a> EventNotification<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC2;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            time: DateTimeField::read(r)?,
            attribute: AttributeDescriptor::read(r)?,
            value: Data::read(r, limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.time.write(out)?;
        self.attribute.write(out)?;
        self.value.emit_to(out)
    }
}

apdu_parse!(DataNotification, 0x0F, "data-notification");
apdu_parse!(EventNotification, 0xC2, "event-notification-request");
encode_via_write!(DataNotification, EventNotification);

/// General-Block-Transfer (tag 0xE0): one block of any APDU (Green Book 9.5; GuruxDLMS.c
/// `dlms_handleGbt`, dlms-cosem-rs `xdlms/gbt.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneralBlockTransfer<'a> {
    /// Block control: bit 7 last block, bit 6 streaming, bits 5..0 window.
    pub block_control: u8,
    /// This block's number, from 1.
    pub block_number: u16,
    /// The highest block number received from the peer (0 when none).
    pub block_number_ack: u16,
    /// This block's part of the APDU (empty in an acknowledgement).
    pub block_data: &'a [u8],
}

impl<'a> GeneralBlockTransfer<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xE0;

    /// Bit 7 of the block control: the last block.
    #[must_use]
    pub const fn last_block(&self) -> bool {
        self.block_control & 0x80 != 0
    }

    /// Bit 6 of the block control: streaming.
    #[must_use]
    pub const fn streaming(&self) -> bool {
        self.block_control & 0x40 != 0
    }

    /// Bits 5..0 of the block control: the window size (0 is a window of zero, not one).
    #[must_use]
    pub const fn window(&self) -> u8 {
        self.block_control & 0x3F
    }

    /// Decodes the General-Block-Transfer APDU at the start of `bytes` and says how many bytes
    /// it takes, for blocks that follow one another in one buffer.
    ///
    /// # Errors
    /// As [`parse`](Self::parse), except that bytes after the block are not an error.
    pub fn parse_prefix(bytes: &'a [u8]) -> Result<(Self, usize)> {
        let mut r = Reader::new(bytes, 0);
        let (tag, at) = crate::apdu::common::read_choice(&mut r, "apdu")?;
        if tag != Self::TAG {
            return Err(crate::Error::UnknownTag {
                field: "general-block-transfer",
                tag,
                offset: at,
            });
        }
        let block = Self::read_body(&mut r, &Limits::DEFAULT)?;
        Ok((block, bytes.len() - r.remaining()))
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, _limits: &Limits) -> Result<Self> {
        Ok(Self {
            block_control: r.u8("block-control")?,
            block_number: r.u16("block-number")?,
            block_number_ack: r.u16("block-number-ack")?,
            block_data: r.octets("block-data")?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let n = self.block_number.to_be_bytes();
        let a = self.block_number_ack.to_be_bytes();
        out.put(&[Self::TAG, self.block_control, n[0], n[1], a[0], a[1]])?;
        crate::axdr::put_octets(out, self.block_data)
    }
}

apdu_parse!(GeneralBlockTransfer, 0xE0, "general-block-transfer");
encode_via_write!(GeneralBlockTransfer);
