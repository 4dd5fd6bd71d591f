//! The meter, the keys and the client sessions shared by the `session_server` and
//! `session_client` fuzz targets (each includes this file with `#[path]`).
#![allow(dead_code)]

use dlms::apdu::{
    ActionResult, AttributeDescriptor, Conformance, DataAccessResult, MethodDescriptor,
    SelectiveAccess,
};
use dlms::axdr::{Data, Encode, Sink, put_length};
use dlms::link::Duration;
use dlms::security::{Ciphering, Key, KeyId, SecurityContext, SecuritySuite, SystemTitle};
use dlms::session::Authentication;
use dlms::session::client::{Client, ClientConfig};
use dlms::session::server::{
    ActionOutcome, Application, AssociationConfig, AttributeAccess, MethodAccess, Progress,
    RequestContext, Server, ServerConfig, ValueWriter,
};
use obis::ObisCode;

pub const ENERGY: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
pub const SETTING: ObisCode = ObisCode::new(0, 0, 96, 3, 10, 255);
pub const KEY_ID: ObisCode = ObisCode::new(0, 0, 96, 1, 0, 255);
pub const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
pub const SCRIPTS: ObisCode = ObisCode::new(0, 0, 10, 0, 0, 255);
/// Enough rows for several blocks at any PDU size, few enough for fast runs.
pub const ROWS: u32 = 200;
/// The server's receive PDU.
pub const PDU: usize = 1024;

pub const PUBLIC: u16 = 16;
pub const READER: u16 = 2;
pub const MANAGEMENT: u16 = 1;
/// The client SAPs the inputs use: the three associations and one the server does not know.
pub const SAPS: [u16; 4] = [PUBLIC, READER, MANAGEMENT, 0x30];
pub const PASSWORD: &[u8] = b"12345678";

pub const METER_TITLE: [u8; 8] = *b"MMM\0\0\xBC\x61\x4E";
pub const CLIENT_TITLE: [u8; 8] = *b"MMM\0\0\0\0\x01";

/// splitmix64, as a `rand_core::CryptoRng` (fuzzing needs reproducible challenges).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl rand_core::TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next() as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Rng {}

/// The Green Book example keys (suite 0).
pub fn security(own: [u8; 8]) -> SecurityContext {
    let mut c = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
    c.set_key(
        KeyId::GLOBAL_UNICAST_ENCRYPTION,
        Key::aes128(core::array::from_fn(|i| i as u8)),
    )
    .unwrap();
    c.set_key(
        KeyId::AUTHENTICATION,
        Key::aes128(core::array::from_fn(|i| 0xD0 + i as u8)),
    )
    .unwrap();
    c
}

pub const SERVICES: Conformance = Conformance(
    Conformance::GET.0
        | Conformance::SET.0
        | Conformance::ACTION.0
        | Conformance::SELECTIVE_ACCESS.0
        | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
        | Conformance::MULTIPLE_REFERENCES.0,
);

/// The server: public (none), LLS, HLS-GMAC with suite-0 ciphering.
pub fn server() -> Server<'static, 3> {
    Server::new(
        ServerConfig::new(PDU as u16),
        [
            AssociationConfig::new(PUBLIC, Authentication::None, SERVICES),
            AssociationConfig::new(READER, Authentication::Lls { password: PASSWORD }, SERVICES),
            AssociationConfig::new(MANAGEMENT, Authentication::HlsGmac, SERVICES)
                .ciphered(security(METER_TITLE)),
        ],
    )
}

/// A client for `sap`, shaped by `knobs` (PDU size, conformance, a wrong password,
/// challenge length).
pub fn client(sap: u16, knobs: &[u8]) -> Client<'static> {
    let k = |i: usize| knobs.get(i).copied().unwrap_or(0);
    let mut config = match sap {
        MANAGEMENT => {
            let mut c = ClientConfig::new(Authentication::HlsGmac);
            c.ciphering = (k(0) & 0x80 == 0).then_some(Ciphering::Global);
            c
        }
        READER if k(0) & 0x40 != 0 => ClientConfig::new(Authentication::Lls { password: b"wrong" }),
        READER => ClientConfig::new(Authentication::Lls { password: PASSWORD }),
        _ => ClientConfig::new(Authentication::None),
    };
    config.max_receive_pdu_size = match k(1) {
        0 => 0xFFFF,
        b => 12 + u16::from(b) * 4,
    };
    if k(0) & 0x20 != 0 {
        config.conformance = Conformance(u32::from_be_bytes([0, k(2), k(3), k(4)]));
    }
    config.challenge_len = 8 + usize::from(k(0) & 0x1F) % 57;
    config.timeout = Duration::from_secs(3600);
    let security = (sap == MANAGEMENT).then(|| security(CLIENT_TITLE));
    Client::new(config, security).unwrap()
}

/// An attribute chosen by `b`: the meter's, or one it does not have.
pub fn attribute(b: u8) -> AttributeDescriptor {
    match b % 8 {
        0 | 1 => AttributeDescriptor::new(3, ENERGY, 2),
        2 | 3 => AttributeDescriptor::new(7, PROFILE, 2),
        4 => AttributeDescriptor::new(1, SETTING, 2),
        5 => AttributeDescriptor::new(1, KEY_ID, 2),
        6 => AttributeDescriptor::new(8, ENERGY, 2),
        _ => AttributeDescriptor::new(3, ENERGY, (b >> 3) as i8),
    }
}

pub struct Meter {
    pub setting: u16,
}

impl Application for Meter {
    fn attribute_access(
        &self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
    ) -> Result<AttributeAccess, DataAccessResult> {
        let class = match a.instance_id {
            ENERGY => 3,
            SETTING | KEY_ID => 1,
            PROFILE => 7,
            _ => return Err(DataAccessResult::OBJECT_UNDEFINED),
        };
        if a.class_id != class {
            return Err(DataAccessResult::OBJECT_CLASS_INCONSISTENT);
        }
        Ok(match (a.instance_id, a.attribute_id) {
            (_, 1) => AttributeAccess::Read,
            (KEY_ID, 2) if ctx.client_sap == MANAGEMENT => AttributeAccess::AuthenticatedRead,
            (KEY_ID, 2) => AttributeAccess::NoAccess,
            (SETTING, 2) => AttributeAccess::ReadWrite,
            (_, 2) => AttributeAccess::Read,
            _ => return Err(DataAccessResult::SCOPE_OF_ACCESS_VIOLATED),
        })
    }

    fn method_access(
        &self,
        ctx: &RequestContext,
        m: &MethodDescriptor,
    ) -> Result<MethodAccess, ActionResult> {
        match (m.class_id, m.instance_id, m.method_id) {
            (9, SCRIPTS, 1) if ctx.client_sap == MANAGEMENT => {
                Ok(MethodAccess::AuthenticatedAccess)
            }
            (9, SCRIPTS, 1) => Ok(MethodAccess::Access),
            _ => Err(ActionResult::OBJECT_UNDEFINED),
        }
    }

    fn get(
        &mut self,
        _: &RequestContext,
        a: &AttributeDescriptor,
        selection: Option<&SelectiveAccess<'_>>,
        resume: Option<u64>,
        out: &mut ValueWriter<'_>,
    ) -> Result<Progress, DataAccessResult> {
        let fail = |_| DataAccessResult::OTHER_REASON;
        match (a.instance_id, a.attribute_id) {
            (ln, 1) => Data::OctetString(ln.as_bytes())
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY, 2) => Data::DoubleLongUnsigned(1_234_567)
                .emit_to(out)
                .map_err(fail)?,
            (SETTING, 2) => Data::LongUnsigned(self.setting)
                .emit_to(out)
                .map_err(fail)?,
            (KEY_ID, 2) => Data::VisibleString(b"key-id 7")
                .emit_to(out)
                .map_err(fail)?,
            (PROFILE, 2) => {
                // By entry (selector 2): the first parameter is the first row.
                let from = match selection.map(|s| (s.selector, s.parameters)) {
                    None => 0,
                    Some((2, Data::Structure(f))) => match f.iter().next() {
                        Some(Data::DoubleLongUnsigned(v)) => v.min(ROWS),
                        _ => return Err(DataAccessResult::OTHER_REASON),
                    },
                    Some(_) => return Err(DataAccessResult::OTHER_REASON),
                };
                let mut i = match resume {
                    None => {
                        out.put_u8(0x01).map_err(fail)?;
                        put_length(out, (ROWS - from) as usize).map_err(fail)?;
                        from
                    }
                    Some(r) => u32::try_from(r).map_err(|_| DataAccessResult::OTHER_REASON)?,
                };
                while i < ROWS {
                    if out.is_full() {
                        return Ok(Progress::More(u64::from(i)));
                    }
                    out.put(&[0x02, 0x02, 0x06]).map_err(fail)?;
                    out.put(&i.to_be_bytes()).map_err(fail)?;
                    Data::OctetString(&[0x5A; 12]).emit_to(out).map_err(fail)?;
                    i += 1;
                }
            }
            _ => return Err(DataAccessResult::OBJECT_UNAVAILABLE),
        }
        Ok(Progress::Done)
    }

    fn set(
        &mut self,
        _: &RequestContext,
        a: &AttributeDescriptor,
        _: Option<&SelectiveAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessResult> {
        match (a.instance_id, value) {
            (SETTING, Data::LongUnsigned(v)) if *v <= 900 => {
                self.setting = *v;
                Ok(())
            }
            (SETTING, Data::LongUnsigned(_)) => Err(DataAccessResult::OTHER_REASON),
            _ => Err(DataAccessResult::TYPE_UNMATCHED),
        }
    }

    fn action(
        &mut self,
        _: &RequestContext,
        _: &MethodDescriptor,
        parameters: Option<&Data<'_>>,
        out: &mut ValueWriter<'_>,
    ) -> Result<ActionOutcome, ActionResult> {
        match parameters {
            None => Ok(ActionOutcome::Done),
            Some(p) => {
                p.emit_to(out).map_err(|_| ActionResult::OTHER_REASON)?;
                Ok(ActionOutcome::WithData)
            }
        }
    }
}
