//! GET, SET and ACTION requests and responses in every variant (DLMS Green Book 9.5, the
//! COSEMpdu ASN.1 as in jDLMS `cosem.asn`).

use super::common::{
    ActionResponseItem, AttributeDescriptor, AttributeWithSelection, DataAccessResult, DataBlock,
    GetDataResult, InvokeIdAndPriority, List, MethodDescriptor, SelectiveAccess, apdu_parse,
    encode_via_write, read_choice,
};
use crate::axdr::{Data, Encode, Limits, Sink, put_octets};
use crate::wire::Reader;
use crate::{Error, Result};

/// GET-Request (tag 0xC0).
///
/// ```
/// use dlms::apdu::{AttributeDescriptor, GetRequest, InvokeIdAndPriority};
/// use dlms::axdr::Encode;
/// use obis::ObisCode;
/// // Register 1-0:1.8.0.255, attribute 2.
/// let req = GetRequest::Normal {
///     invoke: InvokeIdAndPriority(0xC1),
///     attribute: AttributeDescriptor::new(3, ObisCode::new(1, 0, 1, 8, 0, 255), 2),
///     access: None,
/// };
/// let mut buf = [0u8; 16];
/// let n = req.emit(&mut buf)?;
/// assert_eq!(&buf[..n], [0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 0xFF, 0x02, 0x00]);
/// assert_eq!(GetRequest::parse(&buf[..n])?, req);
/// # Ok::<(), dlms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GetRequest<'a> {
    /// `[1]` get-request-normal: one attribute.
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access, if any.
        access: Option<SelectiveAccess<'a>>,
    },
    /// `[2]` get-request-next: the block after `block_number`.
    Next {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The last block received.
        block_number: u32,
    },
    /// `[3]` get-request-with-list.
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attributes.
        attributes: List<'a, AttributeWithSelection<'a>>,
    },
}

/// The result of a GET-Response-With-Datablock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockResult<'a> {
    /// `[0]` raw-data: this block's part of the encoded value.
    RawData(&'a [u8]),
    /// `[1]` data-access-result: the transfer failed.
    Error(DataAccessResult),
}

/// GET-Response (tag 0xC4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GetResponse<'a> {
    /// `[1]` get-response-normal.
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The value or an error.
        result: GetDataResult<'a>,
    },
    /// `[2]` get-response-with-datablock.
    WithDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// True on the last block.
        last_block: bool,
        /// Block number, from 1.
        block_number: u32,
        /// Raw data or an error.
        result: BlockResult<'a>,
    },
    /// `[3]` get-response-with-list.
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One result per requested attribute.
        results: List<'a, GetDataResult<'a>>,
    },
}

/// SET-Request (tag 0xC1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SetRequest<'a> {
    /// `[1]` set-request-normal.
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access, if any.
        access: Option<SelectiveAccess<'a>>,
        /// The new value.
        value: Data<'a>,
    },
    /// `[2]` set-request-with-first-datablock.
    WithFirstDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access, if any.
        access: Option<SelectiveAccess<'a>>,
        /// The first block of the value.
        block: DataBlock<'a>,
    },
    /// `[3]` set-request-with-datablock.
    WithDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// A further block.
        block: DataBlock<'a>,
    },
    /// `[4]` set-request-with-list.
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attributes.
        attributes: List<'a, AttributeWithSelection<'a>>,
        /// One value per attribute.
        values: List<'a, Data<'a>>,
    },
    /// `[5]` set-request-with-list-and-first-datablock.
    WithListAndFirstDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attributes.
        attributes: List<'a, AttributeWithSelection<'a>>,
        /// The first block of the values.
        block: DataBlock<'a>,
    },
}

/// SET-Response (tag 0xC5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SetResponse<'a> {
    /// `[1]` set-response-normal.
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The result.
        result: DataAccessResult,
    },
    /// `[2]` set-response-datablock: block received, send the next.
    DataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The block received.
        block_number: u32,
    },
    /// `[3]` set-response-last-datablock.
    LastDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The result.
        result: DataAccessResult,
        /// The last block received.
        block_number: u32,
    },
    /// `[4]` set-response-last-datablock-with-list.
    LastDataBlockWithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One result per attribute.
        results: List<'a, DataAccessResult>,
        /// The last block received.
        block_number: u32,
    },
    /// `[5]` set-response-with-list.
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One result per attribute.
        results: List<'a, DataAccessResult>,
    },
}

/// ACTION-Request (tag 0xC3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActionRequest<'a> {
    /// `[1]` action-request-normal.
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The method.
        method: MethodDescriptor,
        /// Invocation parameters, if any.
        parameters: Option<Data<'a>>,
    },
    /// `[2]` action-request-next-pblock: send the block after `block_number`.
    NextPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The last block received.
        block_number: u32,
    },
    /// `[3]` action-request-with-list.
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The methods.
        methods: List<'a, MethodDescriptor>,
        /// One parameter per method (null-data where none).
        parameters: List<'a, Data<'a>>,
    },
    /// `[4]` action-request-with-first-pblock.
    WithFirstPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The method.
        method: MethodDescriptor,
        /// The first block of the parameters.
        block: DataBlock<'a>,
    },
    /// `[5]` action-request-with-list-and-first-pblock.
    WithListAndFirstPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The methods.
        methods: List<'a, MethodDescriptor>,
        /// The first block of the parameters.
        block: DataBlock<'a>,
    },
    /// `[6]` action-request-with-pblock.
    WithPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// A further block.
        block: DataBlock<'a>,
    },
}

/// ACTION-Response (tag 0xC7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActionResponse<'a> {
    /// `[1]` action-response-normal.
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The result and return parameters.
        response: ActionResponseItem<'a>,
    },
    /// `[2]` action-response-with-pblock.
    WithPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// A block of the return parameters.
        block: DataBlock<'a>,
    },
    /// `[3]` action-response-with-list.
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One response per method.
        responses: List<'a, ActionResponseItem<'a>>,
    },
    /// `[4]` action-response-next-pblock.
    NextPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The last block received.
        block_number: u32,
    },
}

fn invoke(r: &mut Reader<'_>) -> Result<InvokeIdAndPriority> {
    r.u8("invoke-id-and-priority").map(InvokeIdAndPriority)
}

fn head<S: Sink + ?Sized>(
    out: &mut S,
    tag: u8,
    choice: u8,
    invoke: InvokeIdAndPriority,
) -> Result<()> {
    out.put(&[tag, choice, invoke.0])
}

impl<'a> GetRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC0;

    /// The invoke id and priority.
    #[must_use]
    pub const fn invoke(&self) -> InvokeIdAndPriority {
        match self {
            Self::Normal { invoke, .. }
            | Self::Next { invoke, .. }
            | Self::WithList { invoke, .. } => *invoke,
        }
    }

    /// The name of the variant (`"normal"`, `"next"`, `"with-list"`).
    #[must_use]
    pub const fn variant_name(&self) -> &'static str {
        match self {
            Self::Normal { .. } => "normal",
            Self::Next { .. } => "next",
            Self::WithList { .. } => "with-list",
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "get-request")?;
        let invoke = invoke(r)?;
        Ok(match choice {
            1 => Self::Normal {
                invoke,
                attribute: AttributeDescriptor::read(r)?,
                access: SelectiveAccess::read_optional(r, limits)?,
            },
            2 => Self::Next {
                invoke,
                block_number: r.u32("block-number")?,
            },
            3 => Self::WithList {
                invoke,
                attributes: List::read(r, "attribute-descriptor-list", limits)?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "get-request",
                    tag,
                    offset: at,
                });
            }
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Normal {
                invoke,
                attribute,
                access,
            } => {
                head(out, Self::TAG, 1, *invoke)?;
                attribute.write(out)?;
                SelectiveAccess::write_optional(access, out)
            }
            Self::Next {
                invoke,
                block_number,
            } => {
                head(out, Self::TAG, 2, *invoke)?;
                out.put(&block_number.to_be_bytes())
            }
            Self::WithList { invoke, attributes } => {
                head(out, Self::TAG, 3, *invoke)?;
                attributes.write(out)
            }
        }
    }
}

impl<'a> GetResponse<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC4;

    /// The invoke id and priority.
    #[must_use]
    pub const fn invoke(&self) -> InvokeIdAndPriority {
        match self {
            Self::Normal { invoke, .. }
            | Self::WithDataBlock { invoke, .. }
            | Self::WithList { invoke, .. } => *invoke,
        }
    }

    /// The name of the variant (`"normal"`, `"with-datablock"`, `"with-list"`).
    #[must_use]
    pub const fn variant_name(&self) -> &'static str {
        match self {
            Self::Normal { .. } => "normal",
            Self::WithDataBlock { .. } => "with-datablock",
            Self::WithList { .. } => "with-list",
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "get-response")?;
        let invoke = invoke(r)?;
        Ok(match choice {
            1 => Self::Normal {
                invoke,
                result: GetDataResult::read(r, limits)?,
            },
            2 => {
                let last_block = r.bool("last-block")?;
                let block_number = r.u32("block-number")?;
                let (tag, at) = read_choice(r, "datablock result")?;
                let result = match tag {
                    0 => BlockResult::RawData(r.octets("raw-data")?),
                    1 => BlockResult::Error(DataAccessResult(r.u8("data-access-result")?)),
                    tag => {
                        return Err(Error::UnknownTag {
                            field: "datablock result",
                            tag,
                            offset: at,
                        });
                    }
                };
                Self::WithDataBlock {
                    invoke,
                    last_block,
                    block_number,
                    result,
                }
            }
            3 => Self::WithList {
                invoke,
                results: List::read(r, "get-response results", limits)?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "get-response",
                    tag,
                    offset: at,
                });
            }
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Normal { invoke, result } => {
                head(out, Self::TAG, 1, *invoke)?;
                result.write(out)
            }
            Self::WithDataBlock {
                invoke,
                last_block,
                block_number,
                result,
            } => {
                head(out, Self::TAG, 2, *invoke)?;
                out.put_u8(u8::from(*last_block))?;
                out.put(&block_number.to_be_bytes())?;
                match result {
                    BlockResult::RawData(raw) => {
                        out.put_u8(0)?;
                        put_octets(out, raw)
                    }
                    BlockResult::Error(e) => out.put(&[1, e.0]),
                }
            }
            Self::WithList { invoke, results } => {
                head(out, Self::TAG, 3, *invoke)?;
                results.write(out)
            }
        }
    }
}

impl<'a> SetRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC1;

    /// The invoke id and priority.
    #[must_use]
    pub const fn invoke(&self) -> InvokeIdAndPriority {
        match self {
            Self::Normal { invoke, .. }
            | Self::WithFirstDataBlock { invoke, .. }
            | Self::WithDataBlock { invoke, .. }
            | Self::WithList { invoke, .. }
            | Self::WithListAndFirstDataBlock { invoke, .. } => *invoke,
        }
    }

    /// The name of the variant (`"normal"`, `"with-first-datablock"`, ...).
    #[must_use]
    pub const fn variant_name(&self) -> &'static str {
        match self {
            Self::Normal { .. } => "normal",
            Self::WithFirstDataBlock { .. } => "with-first-datablock",
            Self::WithDataBlock { .. } => "with-datablock",
            Self::WithList { .. } => "with-list",
            Self::WithListAndFirstDataBlock { .. } => "with-list-and-first-datablock",
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "set-request")?;
        let invoke = invoke(r)?;
        Ok(match choice {
            1 => Self::Normal {
                invoke,
                attribute: AttributeDescriptor::read(r)?,
                access: SelectiveAccess::read_optional(r, limits)?,
                value: Data::read(r, limits)?,
            },
            2 => Self::WithFirstDataBlock {
                invoke,
                attribute: AttributeDescriptor::read(r)?,
                access: SelectiveAccess::read_optional(r, limits)?,
                block: DataBlock::read(r)?,
            },
            3 => Self::WithDataBlock {
                invoke,
                block: DataBlock::read(r)?,
            },
            4 => Self::WithList {
                invoke,
                attributes: List::read(r, "attribute-descriptor-list", limits)?,
                values: List::read(r, "value-list", limits)?,
            },
            5 => Self::WithListAndFirstDataBlock {
                invoke,
                attributes: List::read(r, "attribute-descriptor-list", limits)?,
                block: DataBlock::read(r)?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "set-request",
                    tag,
                    offset: at,
                });
            }
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Normal {
                invoke,
                attribute,
                access,
                value,
            } => {
                head(out, Self::TAG, 1, *invoke)?;
                attribute.write(out)?;
                SelectiveAccess::write_optional(access, out)?;
                value.emit_to(out)
            }
            Self::WithFirstDataBlock {
                invoke,
                attribute,
                access,
                block,
            } => {
                head(out, Self::TAG, 2, *invoke)?;
                attribute.write(out)?;
                SelectiveAccess::write_optional(access, out)?;
                block.write(out)
            }
            Self::WithDataBlock { invoke, block } => {
                head(out, Self::TAG, 3, *invoke)?;
                block.write(out)
            }
            Self::WithList {
                invoke,
                attributes,
                values,
            } => {
                head(out, Self::TAG, 4, *invoke)?;
                attributes.write(out)?;
                values.write(out)
            }
            Self::WithListAndFirstDataBlock {
                invoke,
                attributes,
                block,
            } => {
                head(out, Self::TAG, 5, *invoke)?;
                attributes.write(out)?;
                block.write(out)
            }
        }
    }
}

impl<'a> SetResponse<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC5;

    /// The invoke id and priority.
    #[must_use]
    pub const fn invoke(&self) -> InvokeIdAndPriority {
        match self {
            Self::Normal { invoke, .. }
            | Self::DataBlock { invoke, .. }
            | Self::LastDataBlock { invoke, .. }
            | Self::LastDataBlockWithList { invoke, .. }
            | Self::WithList { invoke, .. } => *invoke,
        }
    }

    /// The name of the variant (`"normal"`, `"datablock"`, ...).
    #[must_use]
    pub const fn variant_name(&self) -> &'static str {
        match self {
            Self::Normal { .. } => "normal",
            Self::DataBlock { .. } => "datablock",
            Self::LastDataBlock { .. } => "last-datablock",
            Self::LastDataBlockWithList { .. } => "last-datablock-with-list",
            Self::WithList { .. } => "with-list",
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "set-response")?;
        let invoke = invoke(r)?;
        Ok(match choice {
            1 => Self::Normal {
                invoke,
                result: DataAccessResult(r.u8("result")?),
            },
            2 => Self::DataBlock {
                invoke,
                block_number: r.u32("block-number")?,
            },
            3 => Self::LastDataBlock {
                invoke,
                result: DataAccessResult(r.u8("result")?),
                block_number: r.u32("block-number")?,
            },
            4 => Self::LastDataBlockWithList {
                invoke,
                results: List::read(r, "set-response results", limits)?,
                block_number: r.u32("block-number")?,
            },
            5 => Self::WithList {
                invoke,
                results: List::read(r, "set-response results", limits)?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "set-response",
                    tag,
                    offset: at,
                });
            }
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Normal { invoke, result } => {
                head(out, Self::TAG, 1, *invoke)?;
                out.put_u8(result.0)
            }
            Self::DataBlock {
                invoke,
                block_number,
            } => {
                head(out, Self::TAG, 2, *invoke)?;
                out.put(&block_number.to_be_bytes())
            }
            Self::LastDataBlock {
                invoke,
                result,
                block_number,
            } => {
                head(out, Self::TAG, 3, *invoke)?;
                out.put_u8(result.0)?;
                out.put(&block_number.to_be_bytes())
            }
            Self::LastDataBlockWithList {
                invoke,
                results,
                block_number,
            } => {
                head(out, Self::TAG, 4, *invoke)?;
                results.write(out)?;
                out.put(&block_number.to_be_bytes())
            }
            Self::WithList { invoke, results } => {
                head(out, Self::TAG, 5, *invoke)?;
                results.write(out)
            }
        }
    }
}

impl<'a> ActionRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC3;

    /// The invoke id and priority.
    #[must_use]
    pub const fn invoke(&self) -> InvokeIdAndPriority {
        match self {
            Self::Normal { invoke, .. }
            | Self::NextPBlock { invoke, .. }
            | Self::WithList { invoke, .. }
            | Self::WithFirstPBlock { invoke, .. }
            | Self::WithListAndFirstPBlock { invoke, .. }
            | Self::WithPBlock { invoke, .. } => *invoke,
        }
    }

    /// The name of the variant (`"normal"`, `"next-pblock"`, ...).
    #[must_use]
    pub const fn variant_name(&self) -> &'static str {
        match self {
            Self::Normal { .. } => "normal",
            Self::NextPBlock { .. } => "next-pblock",
            Self::WithList { .. } => "with-list",
            Self::WithFirstPBlock { .. } => "with-first-pblock",
            Self::WithListAndFirstPBlock { .. } => "with-list-and-first-pblock",
            Self::WithPBlock { .. } => "with-pblock",
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "action-request")?;
        let invoke = invoke(r)?;
        Ok(match choice {
            1 => Self::Normal {
                invoke,
                method: MethodDescriptor::read(r)?,
                parameters: if r.flag("method-invocation-parameters")? {
                    Some(Data::read(r, limits)?)
                } else {
                    None
                },
            },
            2 => Self::NextPBlock {
                invoke,
                block_number: r.u32("block-number")?,
            },
            3 => Self::WithList {
                invoke,
                methods: List::read(r, "method-descriptor-list", limits)?,
                parameters: List::read(r, "method-invocation-parameters", limits)?,
            },
            4 => Self::WithFirstPBlock {
                invoke,
                method: MethodDescriptor::read(r)?,
                block: DataBlock::read(r)?,
            },
            5 => Self::WithListAndFirstPBlock {
                invoke,
                methods: List::read(r, "method-descriptor-list", limits)?,
                block: DataBlock::read(r)?,
            },
            6 => Self::WithPBlock {
                invoke,
                block: DataBlock::read(r)?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "action-request",
                    tag,
                    offset: at,
                });
            }
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Normal {
                invoke,
                method,
                parameters,
            } => {
                head(out, Self::TAG, 1, *invoke)?;
                method.write(out)?;
                match parameters {
                    Some(p) => {
                        out.put_u8(1)?;
                        p.emit_to(out)
                    }
                    None => out.put_u8(0),
                }
            }
            Self::NextPBlock {
                invoke,
                block_number,
            } => {
                head(out, Self::TAG, 2, *invoke)?;
                out.put(&block_number.to_be_bytes())
            }
            Self::WithList {
                invoke,
                methods,
                parameters,
            } => {
                head(out, Self::TAG, 3, *invoke)?;
                methods.write(out)?;
                parameters.write(out)
            }
            Self::WithFirstPBlock {
                invoke,
                method,
                block,
            } => {
                head(out, Self::TAG, 4, *invoke)?;
                method.write(out)?;
                block.write(out)
            }
            Self::WithListAndFirstPBlock {
                invoke,
                methods,
                block,
            } => {
                head(out, Self::TAG, 5, *invoke)?;
                methods.write(out)?;
                block.write(out)
            }
            Self::WithPBlock { invoke, block } => {
                head(out, Self::TAG, 6, *invoke)?;
                block.write(out)
            }
        }
    }
}

impl<'a> ActionResponse<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xC7;

    /// The invoke id and priority.
    #[must_use]
    pub const fn invoke(&self) -> InvokeIdAndPriority {
        match self {
            Self::Normal { invoke, .. }
            | Self::WithPBlock { invoke, .. }
            | Self::WithList { invoke, .. }
            | Self::NextPBlock { invoke, .. } => *invoke,
        }
    }

    /// The name of the variant (`"normal"`, `"with-pblock"`, `"with-list"`, `"next-pblock"`).
    #[must_use]
    pub const fn variant_name(&self) -> &'static str {
        match self {
            Self::Normal { .. } => "normal",
            Self::WithPBlock { .. } => "with-pblock",
            Self::WithList { .. } => "with-list",
            Self::NextPBlock { .. } => "next-pblock",
        }
    }

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "action-response")?;
        let invoke = invoke(r)?;
        Ok(match choice {
            1 => Self::Normal {
                invoke,
                response: ActionResponseItem::read(r, limits)?,
            },
            2 => Self::WithPBlock {
                invoke,
                block: DataBlock::read(r)?,
            },
            3 => Self::WithList {
                invoke,
                responses: List::read(r, "list-of-responses", limits)?,
            },
            4 => Self::NextPBlock {
                invoke,
                block_number: r.u32("block-number")?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "action-response",
                    tag,
                    offset: at,
                });
            }
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Normal { invoke, response } => {
                head(out, Self::TAG, 1, *invoke)?;
                response.write(out)
            }
            Self::WithPBlock { invoke, block } => {
                head(out, Self::TAG, 2, *invoke)?;
                block.write(out)
            }
            Self::WithList { invoke, responses } => {
                head(out, Self::TAG, 3, *invoke)?;
                responses.write(out)
            }
            Self::NextPBlock {
                invoke,
                block_number,
            } => {
                head(out, Self::TAG, 4, *invoke)?;
                out.put(&block_number.to_be_bytes())
            }
        }
    }
}

apdu_parse!(GetRequest, 0xC0, "get-request");
apdu_parse!(GetResponse, 0xC4, "get-response");
apdu_parse!(SetRequest, 0xC1, "set-request");
apdu_parse!(SetResponse, 0xC5, "set-response");
apdu_parse!(ActionRequest, 0xC3, "action-request");
apdu_parse!(ActionResponse, 0xC7, "action-response");
encode_via_write!(
    GetRequest,
    GetResponse,
    SetRequest,
    SetResponse,
    ActionRequest,
    ActionResponse
);
