//! Short-name services for older meters: ReadRequest/-Response, WriteRequest/-Response,
//! UnconfirmedWriteRequest and InformationReportRequest (DLMS Green Book 9.5).

use super::common::{
    DataAccessResult, DateTimeField, List, ListElement, apdu_parse, encode_via_write, list_element,
    read_choice,
};
use crate::axdr::{Data, Encode, Limits, Sink, put_octets};
use crate::wire::Reader;
use crate::{Error, Result};

/// Variable-Access-Specification: what a short-name request addresses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VariableAccess<'a> {
    /// `[2]` variable-name: a short name (base name + 8 × (attribute − 1)).
    Name(u16),
    /// `[4]` parameterized-access: a short name with a selector and parameter (selective
    /// access, or a method invoked through a read).
    Parameterized {
        /// The short name.
        name: u16,
        /// The selector.
        selector: u8,
        /// The parameter.
        parameter: Data<'a>,
    },
    /// `[5]` block-number-access: ask for the block after `block_number`.
    BlockNumber(u16),
    /// `[6]` read-data-block-access: a block of a long write.
    ReadDataBlock {
        /// True on the last block.
        last_block: bool,
        /// Block number.
        block_number: u16,
        /// This block's part of the value.
        raw_data: &'a [u8],
    },
    /// `[7]` write-data-block-access.
    WriteDataBlock {
        /// True on the last block.
        last_block: bool,
        /// Block number.
        block_number: u16,
    },
}

impl<'a> VariableAccess<'a> {
    fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "variable-access-specification")?;
        Ok(match choice {
            2 => Self::Name(r.u16("variable-name")?),
            4 => Self::Parameterized {
                name: r.u16("variable-name")?,
                selector: r.u8("selector")?,
                parameter: Data::read(r, limits)?,
            },
            5 => Self::BlockNumber(r.u16("block-number")?),
            6 => Self::ReadDataBlock {
                last_block: r.bool("last-block")?,
                block_number: r.u16("block-number")?,
                raw_data: r.octets("raw-data")?,
            },
            7 => Self::WriteDataBlock {
                last_block: r.bool("last-block")?,
                block_number: r.u16("block-number")?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "variable-access-specification",
                    tag,
                    offset: at,
                });
            }
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match *self {
            Self::Name(n) => {
                out.put_u8(2)?;
                out.put(&n.to_be_bytes())
            }
            Self::Parameterized {
                name,
                selector,
                parameter,
            } => {
                out.put_u8(4)?;
                out.put(&name.to_be_bytes())?;
                out.put_u8(selector)?;
                parameter.emit_to(out)
            }
            Self::BlockNumber(n) => {
                out.put_u8(5)?;
                out.put(&n.to_be_bytes())
            }
            Self::ReadDataBlock {
                last_block,
                block_number,
                raw_data,
            } => {
                out.put(&[6, u8::from(last_block)])?;
                out.put(&block_number.to_be_bytes())?;
                put_octets(out, raw_data)
            }
            Self::WriteDataBlock {
                last_block,
                block_number,
            } => {
                out.put(&[7, u8::from(last_block)])?;
                out.put(&block_number.to_be_bytes())
            }
        }
    }
}

/// One result of a ReadResponse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadResult<'a> {
    /// `[0]` data.
    Data(Data<'a>),
    /// `[1]` data-access-error.
    Error(DataAccessResult),
    /// `[2]` data-block-result: a block of a long value.
    DataBlock {
        /// True on the last block.
        last_block: bool,
        /// Block number.
        block_number: u16,
        /// This block's part of the value.
        raw_data: &'a [u8],
    },
    /// `[3]` block-number: the block received (long write in progress).
    BlockNumber(u16),
}

impl<'a> ReadResult<'a> {
    fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "read-response")?;
        Ok(match choice {
            0 => Self::Data(Data::read(r, limits)?),
            1 => Self::Error(DataAccessResult(r.u8("data-access-error")?)),
            2 => Self::DataBlock {
                last_block: r.bool("last-block")?,
                block_number: r.u16("block-number")?,
                raw_data: r.octets("raw-data")?,
            },
            3 => Self::BlockNumber(r.u16("block-number")?),
            tag => {
                return Err(Error::UnknownTag {
                    field: "read-response",
                    tag,
                    offset: at,
                });
            }
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match *self {
            Self::Data(d) => {
                out.put_u8(0)?;
                d.emit_to(out)
            }
            Self::Error(e) => out.put(&[1, e.0]),
            Self::DataBlock {
                last_block,
                block_number,
                raw_data,
            } => {
                out.put(&[2, u8::from(last_block)])?;
                out.put(&block_number.to_be_bytes())?;
                put_octets(out, raw_data)
            }
            Self::BlockNumber(n) => {
                out.put_u8(3)?;
                out.put(&n.to_be_bytes())
            }
        }
    }
}

/// One result of a WriteResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteResult {
    /// `[0]` success.
    Success,
    /// `[1]` data-access-error.
    Error(DataAccessResult),
    /// `[2]` block-number.
    BlockNumber(u16),
}

impl WriteResult {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (choice, at) = read_choice(r, "write-response")?;
        Ok(match choice {
            0 => Self::Success,
            1 => Self::Error(DataAccessResult(r.u8("data-access-error")?)),
            2 => Self::BlockNumber(r.u16("block-number")?),
            tag => {
                return Err(Error::UnknownTag {
                    field: "write-response",
                    tag,
                    offset: at,
                });
            }
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match *self {
            Self::Success => out.put_u8(0),
            Self::Error(e) => out.put(&[1, e.0]),
            Self::BlockNumber(n) => {
                out.put_u8(2)?;
                out.put(&n.to_be_bytes())
            }
        }
    }
}

list_element!(
    VariableAccess<'a>,
    3,
    |r, limits| VariableAccess::read(&mut r, limits),
    |this, out| this.write(out)
);
list_element!(
    ReadResult<'a>,
    2,
    |r, limits| ReadResult::read(&mut r, limits),
    |this, out| this.write(out)
);
list_element!(
    WriteResult,
    1,
    |r, _limits| WriteResult::read(&mut r),
    |this, out| this.write(out)
);

/// ReadRequest (tag 0x05).
///
/// ```
/// use dlms::apdu::{ReadRequest, VariableAccess};
/// // One variable-name 0xFA10.
/// let req = ReadRequest::parse(&[0x05, 0x01, 0x02, 0xFA, 0x10])?;
/// assert_eq!(req.variables.get(0), Some(VariableAccess::Name(0xFA10)));
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadRequest<'a> {
    /// What to read.
    pub variables: List<'a, VariableAccess<'a>>,
}

/// ReadResponse (tag 0x0C).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadResponse<'a> {
    /// One result per variable.
    pub results: List<'a, ReadResult<'a>>,
}

/// WriteRequest (tag 0x06).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteRequest<'a> {
    /// What to write.
    pub variables: List<'a, VariableAccess<'a>>,
    /// The values, one per variable.
    pub values: List<'a, Data<'a>>,
}

/// WriteResponse (tag 0x0D).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteResponse<'a> {
    /// One result per variable.
    pub results: List<'a, WriteResult>,
}

/// UnconfirmedWriteRequest (tag 0x16).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnconfirmedWriteRequest<'a> {
    /// What to write.
    pub variables: List<'a, VariableAccess<'a>>,
    /// The values, one per variable.
    pub values: List<'a, Data<'a>>,
}

/// InformationReportRequest (tag 0x18): values a short-name server reports unasked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InformationReportRequest<'a> {
    /// The current time, if sent (the forms of [`DateTimeField`]).
    pub current_time: DateTimeField,
    /// The variables reported.
    pub variables: List<'a, VariableAccess<'a>>,
    /// Their values.
    pub values: List<'a, Data<'a>>,
}

/// The variable list and the data list of WriteRequest and UnconfirmedWriteRequest.
type WriteLists<'a> = (List<'a, VariableAccess<'a>>, List<'a, Data<'a>>);

fn read_write_lists<'a>(r: &mut Reader<'a>, limits: &Limits) -> Result<WriteLists<'a>> {
    Ok((
        List::read(r, "variable-access-specification", limits)?,
        List::read(r, "list-of-data", limits)?,
    ))
}

fn write_write_lists<S: Sink + ?Sized>(
    out: &mut S,
    tag: u8,
    variables: &List<'_, VariableAccess<'_>>,
    values: &List<'_, Data<'_>>,
) -> Result<()> {
    out.put_u8(tag)?;
    variables.write(out)?;
    values.write(out)
}

impl<'a> ReadRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x05;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            variables: List::read(r, "variable-access-specification", limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.variables.write(out)
    }
}

impl<'a> ReadResponse<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x0C;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            results: List::read(r, "read-response", limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.results.write(out)
    }
}

impl<'a> WriteRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x06;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        read_write_lists(r, limits).map(|(variables, values)| Self { variables, values })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        write_write_lists(out, Self::TAG, &self.variables, &self.values)
    }
}

impl<'a> WriteResponse<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x0D;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            results: List::read(r, "write-response", limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.results.write(out)
    }
}

impl<'a> UnconfirmedWriteRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x16;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        read_write_lists(r, limits).map(|(variables, values)| Self { variables, values })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        write_write_lists(out, Self::TAG, &self.variables, &self.values)
    }
}

impl<'a> InformationReportRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0x18;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            current_time: DateTimeField::read(r)?,
            variables: List::read(r, "variable-access-specification", limits)?,
            values: List::read(r, "list-of-data", limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        self.current_time.write(out)?;
        self.variables.write(out)?;
        self.values.write(out)
    }
}

apdu_parse!(ReadRequest, 0x05, "read-request");
apdu_parse!(ReadResponse, 0x0C, "read-response");
apdu_parse!(WriteRequest, 0x06, "write-request");
apdu_parse!(WriteResponse, 0x0D, "write-response");
apdu_parse!(UnconfirmedWriteRequest, 0x16, "unconfirmed-write-request");
apdu_parse!(InformationReportRequest, 0x18, "information-report-request");
encode_via_write!(
    ReadRequest,
    ReadResponse,
    WriteRequest,
    WriteResponse,
    UnconfirmedWriteRequest,
    InformationReportRequest
);
