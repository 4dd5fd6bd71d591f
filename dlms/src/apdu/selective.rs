//! Selective access to a profile generic buffer (class 7, attribute 2): the range and entry
//! descriptors (DLMS Blue Book 4.3.6; u9n/dlms-cosem `selective_access.py`).

use obis::ObisCode;

use super::common::SelectiveAccess;
use crate::axdr::{Data, Encode, Sequence, Sink, SliceSink};
use crate::{Error, Result};

/// A capture object definition: `structure { class_id long-unsigned, logical_name
/// octet-string(6), attribute_index integer, data_index long-unsigned }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaptureObjectDefinition {
    /// COSEM class.
    pub class_id: u16,
    /// Logical name.
    pub logical_name: ObisCode,
    /// Attribute index.
    pub attribute_index: i8,
    /// Element of the attribute (0 = the whole attribute).
    pub data_index: u16,
}

fn bad(field: &'static str) -> Error {
    Error::InvalidValue { field, offset: 0 }
}

impl CaptureObjectDefinition {
    /// Reads the definition from its A-XDR structure.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] (offset 0: the value is already decoded) when `data` is not a
    /// structure of the four typed fields.
    pub fn from_data(data: &Data<'_>) -> Result<Self> {
        let Data::Structure(s) = data else {
            return Err(bad("capture object definition"));
        };
        let mut it = s.iter();
        let (
            Some(Data::LongUnsigned(class_id)),
            Some(Data::OctetString(ln)),
            Some(Data::Integer(attr)),
            Some(Data::LongUnsigned(index)),
            None,
        ) = (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad("capture object definition"));
        };
        let logical_name =
            ObisCode::try_from(ln).map_err(|_| bad("capture object logical name"))?;
        Ok(Self {
            class_id,
            logical_name,
            attribute_index: attr,
            data_index: index,
        })
    }

    /// Writes the A-XDR structure.
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn write_data<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let c = self.class_id.to_be_bytes();
        let l = self.logical_name.to_bytes();
        let d = self.data_index.to_be_bytes();
        out.put(&[
            0x02,
            0x04,
            0x12,
            c[0],
            c[1],
            0x09,
            0x06,
            l[0],
            l[1],
            l[2],
            l[3],
            l[4],
            l[5],
            0x0F,
            self.attribute_index.to_be_bytes()[0],
            0x12,
            d[0],
            d[1],
        ])
    }

    /// Bytes [`write_data`](Self::write_data) writes.
    pub const DATA_LEN: usize = 18;
}

/// Selector 1, range_descriptor: the rows whose restricting object lies in `from..=to`, with
/// the selected columns (all when empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeDescriptor<'a> {
    /// The column the range applies to (usually the clock, `0-0:1.0.0.255` attribute 2).
    pub restricting_object: CaptureObjectDefinition,
    /// The lower bound (usually a date-time octet-string).
    pub from_value: Data<'a>,
    /// The upper bound.
    pub to_value: Data<'a>,
    /// The columns wanted, an array of capture object definitions (empty = all).
    pub selected_values: Sequence<'a>,
}

/// Selector 2, entry_descriptor: rows `from_entry..=to_entry` (1-based, 0 = last) and
/// columns `from_selected_value..=to_selected_value` (1-based, 0 = last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryDescriptor {
    /// First row, from 1.
    pub from_entry: u32,
    /// Last row, 0 = the newest.
    pub to_entry: u32,
    /// First column, from 1.
    pub from_selected_value: u16,
    /// Last column, 0 = the last.
    pub to_selected_value: u16,
}

impl<'a> RangeDescriptor<'a> {
    /// The access selector of a range descriptor.
    pub const SELECTOR: u8 = 1;

    /// Reads the descriptor from the access parameters.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] (offset 0) when `data` is not a range descriptor.
    pub fn from_data(data: &Data<'a>) -> Result<Self> {
        let Data::Structure(s) = data else {
            return Err(bad("range descriptor"));
        };
        let mut it = s.iter();
        let (Some(obj), Some(from_value), Some(to_value), Some(Data::Array(selected_values)), None) =
            (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad("range descriptor"));
        };
        Ok(Self {
            restricting_object: CaptureObjectDefinition::from_data(&obj)?,
            from_value,
            to_value,
            selected_values,
        })
    }

    /// The selected columns.
    pub fn columns(&self) -> impl Iterator<Item = Result<CaptureObjectDefinition>> + 'a {
        self.selected_values
            .iter()
            .map(|d| CaptureObjectDefinition::from_data(&d))
    }

    /// Writes the access parameters (A-XDR).
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn write_data<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put(&[0x02, 0x04])?;
        self.restricting_object.write_data(out)?;
        self.from_value.emit_to(out)?;
        self.to_value.emit_to(out)?;
        Data::Array(self.selected_values).emit_to(out)
    }

    /// Encodes the descriptor into `scratch` and returns the [`SelectiveAccess`] that refers to
    /// it, ready to put in a GET request.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `scratch` cannot hold the parameters.
    pub fn to_selective_access<'s>(&self, scratch: &'s mut [u8]) -> Result<SelectiveAccess<'s>> {
        encode_parameters(Self::SELECTOR, scratch, |sink| self.write_data(sink))
    }
}

impl EntryDescriptor {
    /// The access selector of an entry descriptor.
    pub const SELECTOR: u8 = 2;
    /// Bytes of the encoded access parameters.
    pub const DATA_LEN: usize = 18;

    /// Reads the descriptor from the access parameters.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] (offset 0) when `data` is not an entry descriptor.
    pub fn from_data(data: &Data<'_>) -> Result<Self> {
        let Data::Structure(s) = data else {
            return Err(bad("entry descriptor"));
        };
        let mut it = s.iter();
        let (
            Some(Data::DoubleLongUnsigned(from_entry)),
            Some(Data::DoubleLongUnsigned(to_entry)),
            Some(Data::LongUnsigned(from_selected_value)),
            Some(Data::LongUnsigned(to_selected_value)),
            None,
        ) = (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad("entry descriptor"));
        };
        Ok(Self {
            from_entry,
            to_entry,
            from_selected_value,
            to_selected_value,
        })
    }

    /// Writes the access parameters (A-XDR, 18 bytes).
    ///
    /// # Errors
    /// Whatever the sink reports.
    pub fn write_data<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let (a, b) = (self.from_entry.to_be_bytes(), self.to_entry.to_be_bytes());
        let (c, d) = (
            self.from_selected_value.to_be_bytes(),
            self.to_selected_value.to_be_bytes(),
        );
        out.put(&[
            0x02, 0x04, 0x06, a[0], a[1], a[2], a[3], 0x06, b[0], b[1], b[2], b[3], 0x12, c[0],
            c[1], 0x12, d[0], d[1],
        ])
    }

    /// Encodes the descriptor into `scratch` and returns the [`SelectiveAccess`] that refers to
    /// it.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `scratch` is shorter than [`Self::DATA_LEN`].
    pub fn to_selective_access<'s>(&self, scratch: &'s mut [u8]) -> Result<SelectiveAccess<'s>> {
        encode_parameters(Self::SELECTOR, scratch, |sink| self.write_data(sink))
    }
}

/// Encodes access parameters into `scratch` and returns the selective access over them.
fn encode_parameters<'s>(
    selector: u8,
    scratch: &'s mut [u8],
    write: impl FnOnce(&mut SliceSink<'_>) -> Result<()>,
) -> Result<SelectiveAccess<'s>> {
    let mut sink = SliceSink::new(scratch);
    write(&mut sink)?;
    let n = sink.len();
    let bytes: &'s [u8] = scratch.get(..n).unwrap_or_default();
    Ok(SelectiveAccess {
        selector,
        parameters: Data::parse(bytes)?,
    })
}

impl<'a> SelectiveAccess<'a> {
    /// The parameters as a range descriptor (selector 1).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for another selector or malformed parameters.
    pub fn range(&self) -> Result<RangeDescriptor<'a>> {
        if self.selector != RangeDescriptor::SELECTOR {
            return Err(bad("access selector"));
        }
        RangeDescriptor::from_data(&self.parameters)
    }

    /// The parameters as an entry descriptor (selector 2).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for another selector or malformed parameters.
    pub fn entry(&self) -> Result<EntryDescriptor> {
        if self.selector != EntryDescriptor::SELECTOR {
            return Err(bad("access selector"));
        }
        EntryDescriptor::from_data(&self.parameters)
    }
}
