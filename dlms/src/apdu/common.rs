//! Building blocks shared by the xDLMS APDUs (DLMS Green Book 9.5, the COSEMpdu ASN.1):
//! invoke ids, descriptors, selective access, result codes, data blocks, lists and the
//! optional date-time of notifications.

use core::fmt;
use core::marker::PhantomData;

use obis::ObisCode;

use crate::axdr::{Data, DateTime, Encode, Limits, Sink, put_length, put_octets};
use crate::wire::{Reader, code_point};
use crate::{Error, Result};

/// A [`Sink`] that only counts: `buffer_len` of the APDUs is the length of a dry run.
pub(crate) struct Counter(pub(crate) usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.0 += bytes.len();
        Ok(())
    }

    #[inline]
    fn put_u8(&mut self, _: u8) -> Result<()> {
        self.0 += 1;
        Ok(())
    }
}

/// Implements [`Encode`] from a `write` method: `buffer_len` counts a dry run.
macro_rules! encode_via_write {
    ($($t:ident),* $(,)?) => {$(
        impl $crate::axdr::Encode for $t<'_> {
            fn buffer_len(&self) -> usize {
                let mut c = $crate::apdu::common::Counter(0);
                let _ = self.write(&mut c);
                c.0
            }
            fn emit_to<S: $crate::axdr::Sink + ?Sized>(&self, out: &mut S) -> $crate::Result<()> {
                self.write(out)
            }
        }
    )*};
}
pub(crate) use encode_via_write;

/// [`encode_via_write`] for types without a lifetime.
macro_rules! encode_via_write_static {
    ($($t:ident),* $(,)?) => {$(
        impl $crate::axdr::Encode for $t {
            fn buffer_len(&self) -> usize {
                let mut c = $crate::apdu::common::Counter(0);
                let _ = self.write(&mut c);
                c.0
            }
            fn emit_to<S: $crate::axdr::Sink + ?Sized>(&self, out: &mut S) -> $crate::Result<()> {
                self.write(out)
            }
        }
    )*};
}
pub(crate) use encode_via_write_static;

/// `parse` and `parse_with` for an APDU type with a one-byte tag and a `read_body`.
macro_rules! apdu_parse {
    ($t:ident, $tag:expr, $name:literal) => {
        impl<'a> $t<'a> {
            /// Decodes the APDU that fills `bytes` (tag included), with the default
            /// [`Limits`](crate::axdr::Limits) for the A-XDR data inside.
            ///
            /// # Errors
            /// [`Error::UnknownTag`](crate::Error::UnknownTag) for another APDU; whatever is
            /// wrong with the bytes (truncation, bad lengths or choices, trailing bytes).
            pub fn parse(bytes: &'a [u8]) -> $crate::Result<Self> {
                Self::parse_with(bytes, &$crate::axdr::Limits::DEFAULT)
            }

            /// As [`parse`](Self::parse), with the caller's limits.
            ///
            /// # Errors
            /// As [`parse`](Self::parse).
            pub fn parse_with(
                bytes: &'a [u8],
                limits: &$crate::axdr::Limits,
            ) -> $crate::Result<Self> {
                let mut r = $crate::wire::Reader::new(bytes, 0);
                let (tag, at) = $crate::apdu::common::read_choice(&mut r, "apdu")?;
                if tag != $tag {
                    return Err($crate::Error::UnknownTag {
                        field: $name,
                        tag,
                        offset: at,
                    });
                }
                let v = Self::read_body(&mut r, limits)?;
                r.finish($name)?;
                Ok(v)
            }
        }
    };
}
pub(crate) use apdu_parse;

/// Invoke-Id-And-Priority: one byte of a confirmed LN service (Green Book 9.5; GuruxDLMS.c
/// `dlms_getInvokeIDPriority`). Bits 3..0 invoke id, bit 6 service class (1 = confirmed), bit 7
/// priority (1 = high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvokeIdAndPriority(pub u8);

impl InvokeIdAndPriority {
    /// From an invoke id (0..=15, masked), service class and priority.
    #[must_use]
    pub const fn new(invoke_id: u8, confirmed: bool, high_priority: bool) -> Self {
        Self((invoke_id & 0x0F) | (confirmed as u8) << 6 | (high_priority as u8) << 7)
    }

    /// The invoke id, 0..=15.
    #[must_use]
    pub const fn invoke_id(self) -> u8 {
        self.0 & 0x0F
    }

    /// Service class: confirmed (bit 6).
    #[must_use]
    pub const fn confirmed(self) -> bool {
        self.0 & 0x40 != 0
    }

    /// Priority: high (bit 7).
    #[must_use]
    pub const fn high_priority(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// Long-Invoke-Id-And-Priority: four bytes of DataNotification and ACCESS (u9n/dlms-cosem
/// `LongInvokeIdAndPriority`).
/// Bits 23..0 invoke id, 28 self-descriptive, 29 processing option (1 = break on error),
/// 30 service class (1 = confirmed), 31 priority (1 = high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LongInvokeIdAndPriority(pub u32);

impl LongInvokeIdAndPriority {
    /// The 24-bit invoke id.
    #[must_use]
    pub const fn invoke_id(self) -> u32 {
        self.0 & 0x00FF_FFFF
    }

    /// Bit 28: self-descriptive.
    #[must_use]
    pub const fn self_descriptive(self) -> bool {
        self.0 & 1 << 28 != 0
    }

    /// Bit 29: processing option, break on error (else continue on error).
    #[must_use]
    pub const fn break_on_error(self) -> bool {
        self.0 & 1 << 29 != 0
    }

    /// Bit 30: service class, confirmed.
    #[must_use]
    pub const fn confirmed(self) -> bool {
        self.0 & 1 << 30 != 0
    }

    /// Bit 31: priority, high.
    #[must_use]
    pub const fn high_priority(self) -> bool {
        self.0 & 1 << 31 != 0
    }
}

/// Cosem-Attribute-Descriptor: class id, logical name, attribute index (9 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttributeDescriptor {
    /// COSEM interface class.
    pub class_id: u16,
    /// Logical name of the object.
    pub instance_id: ObisCode,
    /// Attribute index (Integer8; negative values are manufacturer-specific).
    pub attribute_id: i8,
}

/// Cosem-Method-Descriptor: class id, logical name, method index (9 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MethodDescriptor {
    /// COSEM interface class.
    pub class_id: u16,
    /// Logical name of the object.
    pub instance_id: ObisCode,
    /// Method index (Integer8).
    pub method_id: i8,
}

fn read_descriptor(r: &mut Reader<'_>) -> Result<(u16, ObisCode, i8)> {
    let class_id = r.u16("class-id")?;
    let instance_id = ObisCode::from_bytes(r.array::<6>("instance-id")?);
    let index = i8::from_be_bytes([r.u8("attribute/method id")?]);
    Ok((class_id, instance_id, index))
}

fn write_descriptor<S: Sink + ?Sized>(
    out: &mut S,
    class_id: u16,
    ln: ObisCode,
    index: i8,
) -> Result<()> {
    let c = class_id.to_be_bytes();
    let l = ln.to_bytes();
    out.put(&[
        c[0],
        c[1],
        l[0],
        l[1],
        l[2],
        l[3],
        l[4],
        l[5],
        index.to_be_bytes()[0],
    ])
}

impl AttributeDescriptor {
    /// A descriptor.
    #[must_use]
    pub const fn new(class_id: u16, instance_id: ObisCode, attribute_id: i8) -> Self {
        Self {
            class_id,
            instance_id,
            attribute_id,
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_descriptor(r).map(|(class_id, instance_id, attribute_id)| Self {
            class_id,
            instance_id,
            attribute_id,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        write_descriptor(out, self.class_id, self.instance_id, self.attribute_id)
    }
}

impl MethodDescriptor {
    /// A descriptor.
    #[must_use]
    pub const fn new(class_id: u16, instance_id: ObisCode, method_id: i8) -> Self {
        Self {
            class_id,
            instance_id,
            method_id,
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_descriptor(r).map(|(class_id, instance_id, method_id)| Self {
            class_id,
            instance_id,
            method_id,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        write_descriptor(out, self.class_id, self.instance_id, self.method_id)
    }
}

/// Selective-Access-Descriptor: an access selector and its parameters (Green Book 9.5;
/// jDLMS `cosem.asn`). Their meaning belongs to the class: see
/// [`RangeDescriptor`](super::RangeDescriptor) and [`EntryDescriptor`](super::EntryDescriptor)
/// for profile generic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectiveAccess<'a> {
    /// The access selector.
    pub selector: u8,
    /// The access parameters.
    pub parameters: Data<'a>,
}

impl<'a> SelectiveAccess<'a> {
    pub(crate) fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let selector = r.u8("access-selector")?;
        let parameters = Data::read(r, limits)?;
        Ok(Self {
            selector,
            parameters,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(self.selector)?;
        self.parameters.emit_to(out)
    }

    /// Reads `00` (absent) or `01` + descriptor.
    pub(crate) fn read_optional(r: &mut Reader<'a>, limits: &Limits) -> Result<Option<Self>> {
        if r.flag("access-selection")? {
            Self::read(r, limits).map(Some)
        } else {
            Ok(None)
        }
    }

    pub(crate) fn write_optional<S: Sink + ?Sized>(this: &Option<Self>, out: &mut S) -> Result<()> {
        match this {
            Some(sa) => {
                out.put_u8(1)?;
                sa.write(out)
            }
            None => out.put_u8(0),
        }
    }
}

/// Cosem-Attribute-Descriptor-With-Selection: an element of the with-list GET and SET requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttributeWithSelection<'a> {
    /// The attribute.
    pub attribute: AttributeDescriptor,
    /// Selective access, if any.
    pub access: Option<SelectiveAccess<'a>>,
}

code_point! {
    /// Data-Access-Result (Green Book 9.5). Open: manufacturers use other values.
    DataAccessResult {
        /// success (0).
        SUCCESS = 0 => "success",
        /// hardware-fault (1).
        HARDWARE_FAULT = 1 => "hardware-fault",
        /// temporary-failure (2).
        TEMPORARY_FAILURE = 2 => "temporary-failure",
        /// read-write-denied (3).
        READ_WRITE_DENIED = 3 => "read-write-denied",
        /// object-undefined (4).
        OBJECT_UNDEFINED = 4 => "object-undefined",
        /// object-class-inconsistent (9).
        OBJECT_CLASS_INCONSISTENT = 9 => "object-class-inconsistent",
        /// object-unavailable (11).
        OBJECT_UNAVAILABLE = 11 => "object-unavailable",
        /// type-unmatched (12).
        TYPE_UNMATCHED = 12 => "type-unmatched",
        /// scope-of-access-violated (13).
        SCOPE_OF_ACCESS_VIOLATED = 13 => "scope-of-access-violated",
        /// data-block-unavailable (14).
        DATA_BLOCK_UNAVAILABLE = 14 => "data-block-unavailable",
        /// long-get-aborted (15).
        LONG_GET_ABORTED = 15 => "long-get-aborted",
        /// no-long-get-in-progress (16).
        NO_LONG_GET_IN_PROGRESS = 16 => "no-long-get-in-progress",
        /// long-set-aborted (17).
        LONG_SET_ABORTED = 17 => "long-set-aborted",
        /// no-long-set-in-progress (18).
        NO_LONG_SET_IN_PROGRESS = 18 => "no-long-set-in-progress",
        /// data-block-number-invalid (19).
        DATA_BLOCK_NUMBER_INVALID = 19 => "data-block-number-invalid",
        /// other-reason (250).
        OTHER_REASON = 250 => "other-reason",
    }
}

code_point! {
    /// Action-Result (Green Book 9.5).
    ActionResult {
        /// success (0).
        SUCCESS = 0 => "success",
        /// hardware-fault (1).
        HARDWARE_FAULT = 1 => "hardware-fault",
        /// temporary-failure (2).
        TEMPORARY_FAILURE = 2 => "temporary-failure",
        /// read-write-denied (3).
        READ_WRITE_DENIED = 3 => "read-write-denied",
        /// object-undefined (4).
        OBJECT_UNDEFINED = 4 => "object-undefined",
        /// object-class-inconsistent (9).
        OBJECT_CLASS_INCONSISTENT = 9 => "object-class-inconsistent",
        /// object-unavailable (11).
        OBJECT_UNAVAILABLE = 11 => "object-unavailable",
        /// type-unmatched (12).
        TYPE_UNMATCHED = 12 => "type-unmatched",
        /// scope-of-access-violated (13).
        SCOPE_OF_ACCESS_VIOLATED = 13 => "scope-of-access-violated",
        /// data-block-unavailable (14).
        DATA_BLOCK_UNAVAILABLE = 14 => "data-block-unavailable",
        /// long-action-aborted (15).
        LONG_ACTION_ABORTED = 15 => "long-action-aborted",
        /// no-long-action-in-progress (16).
        NO_LONG_ACTION_IN_PROGRESS = 16 => "no-long-action-in-progress",
        /// other-reason (250).
        OTHER_REASON = 250 => "other-reason",
    }
}

/// Get-Data-Result: a value or a data-access-result (CHOICE `00` / `01`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GetDataResult<'a> {
    /// `[0] data`.
    Data(Data<'a>),
    /// `[1] data-access-result`.
    Error(DataAccessResult),
}

impl<'a> GetDataResult<'a> {
    pub(crate) fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let at = r.offset();
        match r.u8("get-data-result")? {
            0 => Data::read(r, limits).map(GetDataResult::Data),
            1 => r
                .u8("data-access-result")
                .map(|v| GetDataResult::Error(DataAccessResult(v))),
            tag => Err(Error::UnknownTag {
                field: "get-data-result",
                tag,
                offset: at,
            }),
        }
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            GetDataResult::Data(d) => {
                out.put_u8(0)?;
                d.emit_to(out)
            }
            GetDataResult::Error(e) => out.put(&[1, e.0]),
        }
    }
}

/// DataBlock-SA: one block of a SET or ACTION block transfer (Green Book 9.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataBlock<'a> {
    /// True on the last block.
    pub last_block: bool,
    /// Block number, from 1.
    pub block_number: u32,
    /// This block's part of the encoded value.
    pub raw_data: &'a [u8],
}

impl<'a> DataBlock<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Self {
            last_block: r.bool("last-block")?,
            block_number: r.u32("block-number")?,
            raw_data: r.octets("raw-data")?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(u8::from(self.last_block))?;
        out.put(&self.block_number.to_be_bytes())?;
        put_octets(out, self.raw_data)
    }
}

/// Action-Response-With-Optional-Data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActionResponseItem<'a> {
    /// The result of the method.
    pub result: ActionResult,
    /// Return parameters, if any.
    pub return_parameters: Option<GetDataResult<'a>>,
}

impl<'a> ActionResponseItem<'a> {
    pub(crate) fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let result = ActionResult(r.u8("action-result")?);
        let return_parameters = if r.flag("return-parameters")? {
            Some(GetDataResult::read(r, limits)?)
        } else {
            None
        };
        Ok(Self {
            result,
            return_parameters,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(self.result.0)?;
        match &self.return_parameters {
            Some(p) => {
                out.put_u8(1)?;
                p.write(out)
            }
            None => out.put_u8(0),
        }
    }
}

/// How an optional date-time field of DataNotification, EventNotification, ACCESS and
/// InformationReport was (or is to be) encoded. Meters differ (Kaifa's `09 0C …`,
/// esphome-libs/dlms_parser); the decoder accepts every form and keeps it, so the APDU re-encodes
/// to the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateTimeEncoding {
    /// `0C` + 12 bytes: an OCTET STRING with its length (Gurux, Iskra, Landis+Gyr, Kamstrup).
    Length,
    /// `01 0C` + 12 bytes: OPTIONAL usage flag, then the OCTET STRING (Gurux Java/C#
    /// EventNotification).
    FlagAndLength,
    /// `01` + 12 bytes: OPTIONAL usage flag, then the fixed-size Cosem-Date-Time.
    Flag,
    /// `09 0C` + 12 bytes: a tagged A-XDR octet-string (Kaifa MA304H3E).
    DataTag,
}

/// The optional date-time of DataNotification, EventNotification, ACCESS and
/// InformationReport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateTimeField {
    /// `00`: no date-time.
    Absent,
    /// A date-time, with the encoding it came in (or is to be sent in).
    Present {
        /// The date-time.
        value: DateTime,
        /// Its encoding.
        encoding: DateTimeEncoding,
    },
}

impl DateTimeField {
    /// A date-time sent as `0C` + 12 bytes (the DataNotification form).
    #[must_use]
    pub const fn new(value: DateTime) -> Self {
        Self::Present {
            value,
            encoding: DateTimeEncoding::Length,
        }
    }

    /// The date-time, if present.
    #[must_use]
    pub const fn value(&self) -> Option<DateTime> {
        match self {
            Self::Absent => None,
            Self::Present { value, .. } => Some(*value),
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        let at = r.offset();
        let encoding = match r.u8("date-time")? {
            0 => return Ok(Self::Absent),
            0x0C => DateTimeEncoding::Length,
            0x09 if r.peek("date-time")? == 0x0C => {
                r.u8("date-time")?;
                DateTimeEncoding::DataTag
            }
            0x01 if r.peek("date-time")? == 0x0C && r.remaining() >= 13 => {
                r.u8("date-time")?;
                DateTimeEncoding::FlagAndLength
            }
            0x01 => DateTimeEncoding::Flag,
            _ => {
                return Err(Error::InvalidValue {
                    field: "date-time",
                    offset: at,
                });
            }
        };
        let value = DateTime::from_bytes(r.array::<12>("date-time")?);
        Ok(Self::Present { value, encoding })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match *self {
            Self::Absent => out.put_u8(0),
            Self::Present { value, encoding } => {
                match encoding {
                    DateTimeEncoding::Length => out.put_u8(0x0C)?,
                    DateTimeEncoding::FlagAndLength => out.put(&[0x01, 0x0C])?,
                    DateTimeEncoding::Flag => out.put_u8(0x01)?,
                    DateTimeEncoding::DataTag => out.put(&[0x09, 0x0C])?,
                }
                out.put(&value.to_bytes())
            }
        }
    }
}

// ---- lists -------------------------------------------------------------------------------------

/// An element of a [`List`]: decodes itself from bytes and encodes itself.
pub trait ListElement<'a>: Sized + Copy {
    /// The fewest bytes one element takes (bounds element counts by the input).
    const MIN_SIZE: usize;

    /// Decodes one element from the start of `input`, whose first byte is at `offset` of the
    /// APDU; returns it and the bytes it took.
    ///
    /// # Errors
    /// Whatever is wrong with the bytes.
    fn decode(input: &'a [u8], offset: usize, limits: &Limits) -> Result<(Self, usize)>;

    /// Encodes the element.
    ///
    /// # Errors
    /// Whatever the sink reports.
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()>;
}

macro_rules! list_element {
    ($t:ty, $min:expr, |$r:ident, $limits:ident| $read:expr, |$this:ident, $out:ident| $write:expr) => {
        impl<'a> ListElement<'a> for $t {
            const MIN_SIZE: usize = $min;
            fn decode(input: &'a [u8], offset: usize, $limits: &Limits) -> Result<(Self, usize)> {
                let mut $r = Reader::new(input, offset);
                let v = $read?;
                Ok((v, input.len() - $r.remaining()))
            }
            fn encode<S: Sink + ?Sized>(&self, $out: &mut S) -> Result<()> {
                let $this = self;
                $write
            }
        }
    };
}
pub(crate) use list_element;

list_element!(
    Data<'a>,
    1,
    |r, limits| Data::read(&mut r, limits),
    |this, out| this.emit_to(out)
);
list_element!(
    DataAccessResult,
    1,
    |r, _limits| r.u8("data-access-result").map(DataAccessResult),
    |this, out| out.put_u8(this.0)
);
list_element!(
    AttributeDescriptor,
    9,
    |r, _limits| AttributeDescriptor::read(&mut r),
    |this, out| this.write(out)
);
list_element!(
    MethodDescriptor,
    9,
    |r, _limits| MethodDescriptor::read(&mut r),
    |this, out| this.write(out)
);
list_element!(
    GetDataResult<'a>,
    2,
    |r, limits| GetDataResult::read(&mut r, limits),
    |this, out| this.write(out)
);
list_element!(
    AttributeWithSelection<'a>,
    10,
    |r, limits| {
        AttributeDescriptor::read(&mut r).and_then(|attribute| {
            SelectiveAccess::read_optional(&mut r, limits)
                .map(|access| AttributeWithSelection { attribute, access })
        })
    },
    |this, out| {
        this.attribute.write(out)?;
        SelectiveAccess::write_optional(&this.access, out)
    }
);
list_element!(
    ActionResponseItem<'a>,
    2,
    |r, limits| ActionResponseItem::read(&mut r, limits),
    |this, out| this.write(out)
);

/// A SEQUENCE OF: a count, then the elements. Received lists are views over the validated
/// bytes; lists to send are built from a slice with [`List::from_items`].
#[derive(Clone, Copy)]
pub struct List<'a, T> {
    repr: ListRepr<'a, T>,
}

#[derive(Clone, Copy)]
enum ListRepr<'a, T> {
    Encoded {
        body: &'a [u8],
        count: u32,
        base: usize,
        _t: PhantomData<T>,
    },
    Items(&'a [T]),
}

impl<'a, T: ListElement<'a>> List<'a, T> {
    /// A list of the caller's elements.
    #[must_use]
    pub const fn from_items(items: &'a [T]) -> Self {
        Self {
            repr: ListRepr::Items(items),
        }
    }

    /// Number of elements.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.repr {
            ListRepr::Encoded { count, .. } => count as usize,
            ListRepr::Items(items) => items.len(),
        }
    }

    /// True without elements.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements in order.
    #[must_use]
    pub fn iter(&self) -> ListIter<'a, T> {
        match self.repr {
            ListRepr::Encoded {
                body, count, base, ..
            } => ListIter {
                repr: ListIterRepr::Encoded { body, pos: 0, base },
                left: count as usize,
            },
            ListRepr::Items(items) => ListIter {
                repr: ListIterRepr::Items(items.iter()),
                left: items.len(),
            },
        }
    }

    /// Element `index`.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<T> {
        self.iter().nth(index)
    }

    pub(crate) fn read(r: &mut Reader<'a>, field: &'static str, limits: &Limits) -> Result<Self> {
        let count = r.count(field, T::MIN_SIZE)?;
        let base = r.offset();
        let body_start = r.rest();
        let mut used = 0usize;
        for _ in 0..count {
            let rest = body_start.get(used..).unwrap_or_default();
            let (_, n) = T::decode(rest, base + used, limits)?;
            used += n;
        }
        let body = r.bytes(used, field)?;
        Ok(Self {
            repr: ListRepr::Encoded {
                body,
                count,
                base,
                _t: PhantomData,
            },
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        put_length(out, self.len())?;
        match self.repr {
            ListRepr::Encoded { body, .. } => out.put(body),
            ListRepr::Items(items) => items.iter().try_for_each(|i| i.encode(out)),
        }
    }
}

/// Iterator over a [`List`].
#[derive(Debug, Clone)]
pub struct ListIter<'a, T> {
    repr: ListIterRepr<'a, T>,
    left: usize,
}

#[derive(Debug, Clone)]
enum ListIterRepr<'a, T> {
    Encoded {
        body: &'a [u8],
        pos: usize,
        base: usize,
    },
    Items(core::slice::Iter<'a, T>),
}

impl<'a, T: ListElement<'a>> Iterator for ListIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        match &mut self.repr {
            ListIterRepr::Encoded { body, pos, base } => {
                // The bytes were validated when the list was decoded; any limits work here.
                let (v, n) = T::decode(body.get(*pos..)?, *base + *pos, &Limits::UNBOUNDED).ok()?;
                *pos += n;
                Some(v)
            }
            ListIterRepr::Items(it) => it.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<'a, T: ListElement<'a>> IntoIterator for List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> ListIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: ListElement<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: ListElement<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Reads a tag byte and returns it with its offset.
pub(crate) fn read_choice(r: &mut Reader<'_>, field: &'static str) -> Result<(u8, usize)> {
    let at = r.offset();
    r.u8(field).map(|t| (t, at))
}
