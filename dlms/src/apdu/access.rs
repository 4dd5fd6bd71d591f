//! The ACCESS service: access-request (0xD9) and access-response (0xDA) (DLMS Green Book 9.5;
//! Gurux.DLMS.Python `accessRequest`, dlms-cosem-rs `xdlms/access.rs`).

use super::common::{
    ActionResult, AttributeDescriptor, DataAccessResult, DateTimeField, List, ListElement,
    LongInvokeIdAndPriority, MethodDescriptor, SelectiveAccess, apdu_parse, encode_via_write,
    list_element, read_choice,
};
use crate::axdr::{Data, Limits, Sink};
use crate::wire::Reader;
use crate::{Error, Result};

/// Access-Request-Specification: one operation of an access-request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AccessRequestSpec<'a> {
    /// `[1]` get.
    Get(AttributeDescriptor),
    /// `[2]` set.
    Set(AttributeDescriptor),
    /// `[3]` action.
    Action(MethodDescriptor),
    /// `[4]` get-with-selection.
    GetWithSelection {
        /// The attribute.
        attribute: AttributeDescriptor,
        /// The selective access (mandatory here, no usage flag).
        access: SelectiveAccess<'a>,
    },
    /// `[5]` set-with-selection.
    SetWithSelection {
        /// The attribute.
        attribute: AttributeDescriptor,
        /// The selective access.
        access: SelectiveAccess<'a>,
    },
}

impl<'a> AccessRequestSpec<'a> {
    fn read(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let (choice, at) = read_choice(r, "access-request-specification")?;
        Ok(match choice {
            1 => Self::Get(AttributeDescriptor::read(r)?),
            2 => Self::Set(AttributeDescriptor::read(r)?),
            3 => Self::Action(MethodDescriptor::read(r)?),
            4 => Self::GetWithSelection {
                attribute: AttributeDescriptor::read(r)?,
                access: SelectiveAccess::read(r, limits)?,
            },
            5 => Self::SetWithSelection {
                attribute: AttributeDescriptor::read(r)?,
                access: SelectiveAccess::read(r, limits)?,
            },
            tag => {
                return Err(Error::UnknownTag {
                    field: "access-request-specification",
                    tag,
                    offset: at,
                });
            }
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        match self {
            Self::Get(a) => {
                out.put_u8(1)?;
                a.write(out)
            }
            Self::Set(a) => {
                out.put_u8(2)?;
                a.write(out)
            }
            Self::Action(m) => {
                out.put_u8(3)?;
                m.write(out)
            }
            Self::GetWithSelection { attribute, access } => {
                out.put_u8(4)?;
                attribute.write(out)?;
                access.write(out)
            }
            Self::SetWithSelection { attribute, access } => {
                out.put_u8(5)?;
                attribute.write(out)?;
                access.write(out)
            }
        }
    }
}

/// Access-Response-Specification: the result of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessResponseSpec {
    /// `[1]` get.
    Get(DataAccessResult),
    /// `[2]` set.
    Set(DataAccessResult),
    /// `[3]` action.
    Action(ActionResult),
}

impl AccessResponseSpec {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (choice, at) = read_choice(r, "access-response-specification")?;
        let v = r.u8("result")?;
        Ok(match choice {
            1 => Self::Get(DataAccessResult(v)),
            2 => Self::Set(DataAccessResult(v)),
            3 => Self::Action(ActionResult(v)),
            tag => {
                return Err(Error::UnknownTag {
                    field: "access-response-specification",
                    tag,
                    offset: at,
                });
            }
        })
    }

    fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        let (c, v) = match *self {
            Self::Get(r) => (1, r.0),
            Self::Set(r) => (2, r.0),
            Self::Action(r) => (3, r.0),
        };
        out.put(&[c, v])
    }
}

list_element!(
    AccessRequestSpec<'a>,
    10,
    |r, limits| AccessRequestSpec::read(&mut r, limits),
    |this, out| this.write(out)
);
list_element!(
    AccessResponseSpec,
    2,
    |r, _limits| AccessResponseSpec::read(&mut r),
    |this, out| this.write(out)
);

/// access-request (tag 0xD9): several GET/SET/ACTION operations in one APDU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccessRequest<'a> {
    /// Long invoke id and priority.
    pub long_invoke_id: LongInvokeIdAndPriority,
    /// The time stamp, if any.
    pub date_time: DateTimeField,
    /// The operations.
    pub requests: List<'a, AccessRequestSpec<'a>>,
    /// One value per operation (null-data for GET and ACTION without parameters).
    pub data: List<'a, Data<'a>>,
}

/// access-response (tag 0xDA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccessResponse<'a> {
    /// Long invoke id and priority.
    pub long_invoke_id: LongInvokeIdAndPriority,
    /// The time stamp, if any.
    pub date_time: DateTimeField,
    /// The operations repeated from the request, if sent.
    pub requests: Option<List<'a, AccessRequestSpec<'a>>>,
    /// One value per operation.
    pub data: List<'a, Data<'a>>,
    /// One result per operation.
    pub responses: List<'a, AccessResponseSpec>,
}

impl<'a> AccessRequest<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xD9;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        Ok(Self {
            long_invoke_id: LongInvokeIdAndPriority(r.u32("long-invoke-id-and-priority")?),
            date_time: DateTimeField::read(r)?,
            requests: List::read(r, "access-request-specification", limits)?,
            data: List::read(r, "access-request-list-of-data", limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        out.put(&self.long_invoke_id.0.to_be_bytes())?;
        self.date_time.write(out)?;
        self.requests.write(out)?;
        self.data.write(out)
    }
}

impl<'a> AccessResponse<'a> {
    /// The APDU tag.
    pub const TAG: u8 = 0xDA;

    pub(crate) fn read_body(r: &mut Reader<'a>, limits: &Limits) -> Result<Self> {
        let long_invoke_id = LongInvokeIdAndPriority(r.u32("long-invoke-id-and-priority")?);
        let date_time = DateTimeField::read(r)?;
        let requests = if r.flag("access-request-specification")? {
            Some(List::read(r, "access-request-specification", limits)?)
        } else {
            None
        };
        Ok(Self {
            long_invoke_id,
            date_time,
            requests,
            data: List::read(r, "access-response-list-of-data", limits)?,
            responses: List::read(r, "access-response-specification", limits)?,
        })
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, out: &mut S) -> Result<()> {
        out.put_u8(Self::TAG)?;
        out.put(&self.long_invoke_id.0.to_be_bytes())?;
        self.date_time.write(out)?;
        match &self.requests {
            Some(list) => {
                out.put_u8(1)?;
                list.write(out)?;
            }
            None => out.put_u8(0)?,
        }
        self.data.write(out)?;
        self.responses.write(out)
    }
}

apdu_parse!(AccessRequest, 0xD9, "access-request");
apdu_parse!(AccessResponse, 0xDA, "access-response");
encode_via_write!(AccessRequest, AccessResponse);
