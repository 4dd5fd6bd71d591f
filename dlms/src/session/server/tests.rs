//! Server session tests: requests built with the APDU types (and, for HLS-GMAC and ciphering, a
//! client-side `SecurityContext` with the Green Book keys), answers decoded with them.

use super::*;
use crate::apdu::{
    AttributeWithSelection, BlockResult, CipheredApdu, GeneralBlockTransfer, GetResponse,
    InvokeIdAndPriority, List, ObjectId, Rlrq,
};
use crate::security::{Key, KeyId, Protection, SecuritySuite, SystemTitle};
use obis::ObisCode;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

struct TestRng(u64);
impl rand_core::TryRng for TestRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for TestRng {}

const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const ENERGY: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
const SECRET: ObisCode = ObisCode::new(0, 0, 96, 1, 0, 255);
const SETTING: ObisCode = ObisCode::new(0, 0, 96, 3, 10, 255);
const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
const METHOD: ObisCode = ObisCode::new(0, 0, 10, 0, 0, 255);

const CLOCK_BYTES: [u8; 12] = [
    0x07, 0xEA, 0x0C, 0x06, 0x07, 0x14, 0x2A, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// A small meter: a clock, an energy register, a management-only data object, a writable
/// setting, a profile of `rows` generated rows (selectable by entry) and a script table.
struct Meter {
    rows: u32,
    setting: u16,
    actions: u32,
}

impl Meter {
    fn new(rows: u32) -> Self {
        Meter {
            rows,
            setting: 7,
            actions: 0,
        }
    }

    fn row(out: &mut ValueWriter<'_>, i: u32) -> Result<()> {
        // structure { double-long-unsigned i, long-unsigned (i * 7) mod 65536 }
        out.put(&[0x02, 0x02, 0x06])?;
        out.put(&i.to_be_bytes())?;
        out.put(&[0x12])?;
        out.put(&((i.wrapping_mul(7)) as u16).to_be_bytes())
    }
}

/// The rows 1-based `from..=to` of a selection by entry (selector 2), else all.
fn entries(selection: Option<&SelectiveAccess<'_>>, rows: u32) -> (u32, u32) {
    let Some(SelectiveAccess {
        selector: 2,
        parameters: Data::Structure(s),
    }) = selection
    else {
        return (1, rows);
    };
    let v: Vec<Data<'_>> = s.iter().collect();
    match (v.first(), v.get(1)) {
        (Some(Data::DoubleLongUnsigned(from)), Some(Data::DoubleLongUnsigned(to))) => {
            let to = if *to == 0 { rows } else { (*to).min(rows) };
            (*from, to)
        }
        _ => (1, 0),
    }
}

impl Application for Meter {
    fn attribute_access(
        &self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
    ) -> core::result::Result<AttributeAccess, DataAccessResult> {
        let class = match a.instance_id {
            CLOCK => 8,
            ENERGY => 3,
            SECRET | SETTING => 1,
            PROFILE => 7,
            _ => return Err(DataAccessResult::OBJECT_UNDEFINED),
        };
        if class != a.class_id {
            return Err(DataAccessResult::OBJECT_CLASS_INCONSISTENT);
        }
        Ok(match (a.instance_id, a.attribute_id) {
            (_, 1) => AttributeAccess::Read,
            (SECRET, 2) if ctx.client_sap == 1 => AttributeAccess::AuthenticatedRead,
            (SECRET, 2) => AttributeAccess::NoAccess,
            (SETTING, 2) => AttributeAccess::ReadWrite,
            (_, 2) => AttributeAccess::Read,
            _ => return Err(DataAccessResult::SCOPE_OF_ACCESS_VIOLATED),
        })
    }

    fn method_access(
        &self,
        ctx: &RequestContext,
        m: &MethodDescriptor,
    ) -> core::result::Result<MethodAccess, ActionResult> {
        match (m.class_id, m.instance_id, m.method_id) {
            (9, METHOD, 1) if ctx.client_sap == 1 => Ok(MethodAccess::AuthenticatedAccess),
            (9, METHOD, 1) => Ok(MethodAccess::NoAccess),
            (9, METHOD, _) => Err(ActionResult::SCOPE_OF_ACCESS_VIOLATED),
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
    ) -> core::result::Result<Progress, DataAccessResult> {
        let fail = |_| DataAccessResult::OTHER_REASON;
        match (a.instance_id, a.attribute_id) {
            (ln, 1) => Data::OctetString(ln.as_bytes())
                .emit_to(out)
                .map_err(fail)?,
            (CLOCK, 2) => Data::OctetString(&CLOCK_BYTES).emit_to(out).map_err(fail)?,
            (ENERGY, 2) => Data::DoubleLongUnsigned(5000).emit_to(out).map_err(fail)?,
            (SECRET, 2) => Data::VisibleString(b"management only")
                .emit_to(out)
                .map_err(fail)?,
            (SETTING, 2) => Data::LongUnsigned(self.setting)
                .emit_to(out)
                .map_err(fail)?,
            (PROFILE, 2) => {
                let (from, to) = entries(selection, self.rows);
                let mut i = match resume {
                    None => {
                        let count = if to >= from { to - from + 1 } else { 0 };
                        out.put_u8(0x01).map_err(fail)?;
                        put_length(out, count as usize).map_err(fail)?;
                        from
                    }
                    Some(r) => r as u32,
                };
                while i <= to {
                    if out.is_full() {
                        return Ok(Progress::More(u64::from(i)));
                    }
                    Meter::row(out, i).map_err(fail)?;
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
    ) -> core::result::Result<(), DataAccessResult> {
        match (a.instance_id, value) {
            (SETTING, Data::LongUnsigned(v)) if *v <= 1000 => {
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
    ) -> core::result::Result<ActionOutcome, ActionResult> {
        self.actions += 1;
        match parameters {
            Some(Data::LongUnsigned(n)) => {
                Data::DoubleLongUnsigned(u32::from(*n) * 2)
                    .emit_to(out)
                    .map_err(|_| ActionResult::OTHER_REASON)?;
                Ok(ActionOutcome::WithData)
            }
            _ => Ok(ActionOutcome::Done),
        }
    }
}

fn ek() -> Key {
    Key::aes128(core::array::from_fn(|i| i as u8))
}
fn ak() -> Key {
    Key::aes128(core::array::from_fn(|i| 0xD0 + i as u8))
}
const METER_TITLE: [u8; 8] = *b"MMM\0\0\xBC\x61\x4E";
const CLIENT_TITLE: [u8; 8] = *b"MMM\0\0\0\0\x01";

fn context(own: [u8; 8], peer: Option<[u8; 8]>) -> SecurityContext {
    let mut c = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
    c.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, ek()).unwrap();
    c.set_key(KeyId::AUTHENTICATION, ak()).unwrap();
    c.set_peer_title(peer.map(SystemTitle::new));
    c
}

const ALL: Conformance = Conformance(
    Conformance::GET.0
        | Conformance::SET.0
        | Conformance::ACTION.0
        | Conformance::SELECTIVE_ACCESS.0
        | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
        | Conformance::MULTIPLE_REFERENCES.0,
);

fn server<'c>(password: &'c [u8]) -> Server<'c, 3> {
    Server::new(
        ServerConfig::new(1024),
        [
            AssociationConfig::new(16, Authentication::None, ALL),
            AssociationConfig::new(1, Authentication::HlsGmac, ALL)
                .ciphered(context(METER_TITLE, None)),
            AssociationConfig::new(2, Authentication::Lls { password }, ALL),
        ],
    )
}

fn invoke() -> InvokeIdAndPriority {
    InvokeIdAndPriority::new(1, true, true)
}

fn aarq_bytes(context: ApplicationContextName, user: UserInformation<'_>) -> Vec<u8> {
    Aarq::new(context.oid().unwrap(), Some(user))
        .to_vec()
        .unwrap()
}

fn plain_initiate(max_pdu: u16) -> UserInformation<'static> {
    UserInformation::InitiateRequest(InitiateRequest::new(ALL, max_pdu))
}

struct Harness<'c> {
    server: Server<'c, 3>,
    meter: Meter,
    rng: TestRng,
    out: Vec<u8>,
}

impl<'c> Harness<'c> {
    fn new(password: &'c [u8], rows: u32) -> Self {
        Harness {
            server: server(password),
            meter: Meter::new(rows),
            rng: TestRng(0x1234_5678_9ABC_DEF1),
            out: vec![0; 2048],
        }
    }

    fn send(&mut self, sap: u16, request: &[u8]) -> Vec<u8> {
        let mut req = request.to_vec();
        let n = self
            .server
            .handle_apdu(sap, &mut req, &mut self.meter, &mut self.rng, &mut self.out)
            .unwrap()
            .expect("an answer");
        self.out[..n].to_vec()
    }

    fn associate_public(&mut self, max_pdu: u16) -> Vec<u8> {
        let aarq = aarq_bytes(
            ApplicationContextName::LN_NO_CIPHERING,
            plain_initiate(max_pdu),
        );
        self.send(16, &aarq)
    }
}

fn get(attribute: AttributeDescriptor, access: Option<SelectiveAccess<'_>>) -> Vec<u8> {
    GetRequest::Normal {
        invoke: invoke(),
        attribute,
        access,
    }
    .to_vec()
    .unwrap()
}

fn get_result(bytes: &[u8]) -> GetDataResult<'_> {
    match GetResponse::parse(bytes).unwrap() {
        GetResponse::Normal { invoke: i, result } => {
            assert_eq!(i, invoke());
            result
        }
        other => panic!("{other:?}"),
    }
}

fn accepted(aare: &[u8]) -> InitiateResponse {
    let aare = Aare::parse(aare).unwrap();
    assert_eq!(aare.result, AssociationResult::ACCEPTED, "{aare:?}");
    match aare.user_information {
        Some(UserInformation::InitiateResponse(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn rejected(
    aare: &[u8],
) -> (
    AssociationResult,
    ResultSourceDiagnostic,
    Option<UserInformation<'_>>,
) {
    let aare = Aare::parse(aare).unwrap();
    assert_ne!(aare.result, AssociationResult::ACCEPTED);
    (
        aare.result,
        aare.result_source_diagnostic,
        aare.user_information,
    )
}

#[test]
fn public_association_and_get() {
    let mut h = Harness::new(b"", 0);
    let r = accepted(&h.associate_public(0x400));
    assert_eq!(r.negotiated_conformance, ALL);
    assert_eq!(r.server_max_receive_pdu_size, 1024);
    assert_eq!(r.vaa_name, 0x0007);
    assert_eq!(r.negotiated_dlms_version_number, 6);
    assert!(h.server.is_associated(16));

    let answer = h.send(16, &get(AttributeDescriptor::new(3, ENERGY, 2), None));
    assert_eq!(
        get_result(&answer),
        GetDataResult::Data(Data::DoubleLongUnsigned(5000))
    );
    let answer = h.send(16, &get(AttributeDescriptor::new(8, CLOCK, 2), None));
    assert_eq!(
        get_result(&answer),
        GetDataResult::Data(Data::OctetString(&CLOCK_BYTES))
    );
    let answer = h.send(16, &get(AttributeDescriptor::new(8, CLOCK, 1), None));
    assert_eq!(
        get_result(&answer),
        GetDataResult::Data(Data::OctetString(CLOCK.as_bytes()))
    );
}

#[test]
fn access_rights_give_the_standard_results() {
    let mut h = Harness::new(b"", 0);
    accepted(&h.associate_public(0x400));
    let cases = [
        (
            AttributeDescriptor::new(1, SECRET, 2),
            DataAccessResult::READ_WRITE_DENIED,
        ),
        (
            AttributeDescriptor::new(1, ObisCode::new(0, 0, 42, 0, 0, 255), 2),
            DataAccessResult::OBJECT_UNDEFINED,
        ),
        (
            AttributeDescriptor::new(3, CLOCK, 2),
            DataAccessResult::OBJECT_CLASS_INCONSISTENT,
        ),
        (
            AttributeDescriptor::new(3, ENERGY, 9),
            DataAccessResult::SCOPE_OF_ACCESS_VIOLATED,
        ),
    ];
    for (attribute, result) in cases {
        let answer = h.send(16, &get(attribute, None));
        assert_eq!(
            get_result(&answer),
            GetDataResult::Error(result),
            "{attribute:?}"
        );
    }
    // logical_name is read-only.
    let set = SetRequest::Normal {
        invoke: invoke(),
        attribute: AttributeDescriptor::new(3, ENERGY, 1),
        access: None,
        value: Data::OctetString(&[1, 2, 3, 4, 5, 6]),
    };
    let answer = h.send(16, &set.to_vec().unwrap());
    assert_eq!(
        SetResponse::parse(&answer).unwrap(),
        SetResponse::Normal {
            invoke: invoke(),
            result: DataAccessResult::READ_WRITE_DENIED
        }
    );
    // Methods: the public client has no access to the script.
    let action = ActionRequest::Normal {
        invoke: invoke(),
        method: MethodDescriptor::new(9, METHOD, 1),
        parameters: None,
    };
    let answer = h.send(16, &action.to_vec().unwrap());
    let ActionResponse::Normal { response, .. } = ActionResponse::parse(&answer).unwrap() else {
        panic!()
    };
    assert_eq!(response.result, ActionResult::READ_WRITE_DENIED);
    assert_eq!(h.meter.actions, 0);
}

#[test]
fn set_and_lists_and_action() {
    let mut h = Harness::new(b"secret", 0);
    let aarq = association::authenticate_aarq(
        Aarq::new(
            ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
            Some(plain_initiate(0x400)),
        ),
        MechanismName::LOW_LEVEL_SECURITY,
        b"secret",
        None,
    );
    accepted(&h.send(2, &aarq.to_vec().unwrap()));
    let set = |v: u16| SetRequest::Normal {
        invoke: invoke(),
        attribute: AttributeDescriptor::new(1, SETTING, 2),
        access: None,
        value: Data::LongUnsigned(v),
    };
    let answer = h.send(2, &set(42).to_vec().unwrap());
    assert_eq!(
        SetResponse::parse(&answer).unwrap(),
        SetResponse::Normal {
            invoke: invoke(),
            result: DataAccessResult::SUCCESS
        }
    );
    assert_eq!(h.meter.setting, 42);
    // Out of the meter's range: refused, nothing changed.
    let answer = h.send(2, &set(5000).to_vec().unwrap());
    assert_eq!(
        SetResponse::parse(&answer).unwrap(),
        SetResponse::Normal {
            invoke: invoke(),
            result: DataAccessResult::OTHER_REASON
        }
    );
    assert_eq!(h.meter.setting, 42);

    // GET with-list: a value, an error, a value.
    let items = [
        AttributeWithSelection {
            attribute: AttributeDescriptor::new(3, ENERGY, 2),
            access: None,
        },
        AttributeWithSelection {
            attribute: AttributeDescriptor::new(1, SECRET, 2),
            access: None,
        },
        AttributeWithSelection {
            attribute: AttributeDescriptor::new(1, SETTING, 2),
            access: None,
        },
    ];
    let req = GetRequest::WithList {
        invoke: invoke(),
        attributes: List::from_items(&items),
    };
    let answer = h.send(2, &req.to_vec().unwrap());
    let GetResponse::WithList { results, .. } = GetResponse::parse(&answer).unwrap() else {
        panic!()
    };
    let results: Vec<_> = results.iter().collect();
    assert_eq!(
        results,
        [
            GetDataResult::Data(Data::DoubleLongUnsigned(5000)),
            GetDataResult::Error(DataAccessResult::READ_WRITE_DENIED),
            GetDataResult::Data(Data::LongUnsigned(42)),
        ]
    );

    // SET with-list: one accepted, one refused.
    let values = [Data::LongUnsigned(9), Data::LongUnsigned(1)];
    let attrs = [items[2], items[0]];
    let req = SetRequest::WithList {
        invoke: invoke(),
        attributes: List::from_items(&attrs),
        values: List::from_items(&values),
    };
    let answer = h.send(2, &req.to_vec().unwrap());
    let SetResponse::WithList { results, .. } = SetResponse::parse(&answer).unwrap() else {
        panic!()
    };
    let results: Vec<_> = results.iter().collect();
    assert_eq!(
        results,
        [
            DataAccessResult::SUCCESS,
            DataAccessResult::READ_WRITE_DENIED
        ]
    );
    assert_eq!(h.meter.setting, 9);
}

#[test]
fn lls_with_a_wrong_password_is_rejected_with_its_diagnostic() {
    let mut h = Harness::new(b"secret", 0);
    let aarq = association::authenticate_aarq(
        Aarq::new(
            ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
            Some(plain_initiate(0x400)),
        ),
        MechanismName::LOW_LEVEL_SECURITY,
        b"wrong!",
        None,
    );
    let answer = h.send(2, &aarq.to_vec().unwrap());
    let (result, diagnostic, _) = rejected(&answer);
    assert_eq!(result, AssociationResult::REJECTED_PERMANENT);
    assert_eq!(
        diagnostic,
        ResultSourceDiagnostic::User(AcseServiceUser::AUTHENTICATION_FAILURE)
    );
    assert!(!h.server.is_associated(2));
    // No mechanism at all where LLS is required.
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        plain_initiate(0x400),
    );
    let (_, diagnostic, _) = rejected(&h.send(2, &aarq));
    assert_eq!(
        diagnostic,
        ResultSourceDiagnostic::User(AcseServiceUser::AUTHENTICATION_MECHANISM_NAME_REQUIRED)
    );
    // Requests without an association are refused.
    let answer = h.send(2, &get(AttributeDescriptor::new(3, ENERGY, 2), None));
    assert_eq!(answer, [0xD8, 0x01, 0x01]);
}

#[test]
fn initiate_errors_and_wrong_contexts() {
    let mut h = Harness::new(b"", 0);
    let mut old = InitiateRequest::new(ALL, 0x400);
    old.proposed_dlms_version_number = 5;
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        UserInformation::InitiateRequest(old),
    );
    let answer = h.send(16, &aarq);
    let (_, _, user) = rejected(&answer);
    assert!(matches!(
        user,
        Some(UserInformation::ConfirmedServiceError(ConfirmedServiceError { error, .. }))
            if error.class == crate::apdu::ServiceErrorClass::INITIATE && error.value == 1
    ));
    // Nothing in common.
    let none = InitiateRequest::new(Conformance::GENERAL_BLOCK_TRANSFER, 0x400);
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        UserInformation::InitiateRequest(none),
    );
    let answer = h.send(16, &aarq);
    let (_, _, user) = rejected(&answer);
    assert!(matches!(
        user,
        Some(UserInformation::ConfirmedServiceError(ConfirmedServiceError { error, .. })) if error.value == 2
    ));
    // SN referencing is not offered.
    let aarq = aarq_bytes(
        ApplicationContextName::SN_NO_CIPHERING,
        plain_initiate(0x400),
    );
    let (_, diagnostic, _) = rejected(&h.send(16, &aarq));
    assert_eq!(
        diagnostic,
        ResultSourceDiagnostic::User(AcseServiceUser::APPLICATION_CONTEXT_NAME_NOT_SUPPORTED)
    );
    // An unknown client SAP.
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        plain_initiate(0x400),
    );
    let (result, _, _) = rejected(&h.send(99, &aarq));
    assert_eq!(result, AssociationResult::REJECTED_PERMANENT);
    // The conformance offered is only what the server implements.
    let greedy = InitiateRequest::new(Conformance(0x00FF_FFFF), 0x400);
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        UserInformation::InitiateRequest(greedy),
    );
    assert_eq!(
        accepted(&h.send(16, &aarq)).negotiated_conformance,
        Conformance(
            Server::<'_, 0>::SERVICES.0
                & !Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0
                & !Conformance::GENERAL_BLOCK_TRANSFER.0
        ),
        "without a set buffer and a GBT buffer, block transfer with SET and GBT are not offered"
    );
}

#[test]
fn malformed_unknown_and_too_long_requests_get_exception_responses_and_the_association_goes_on() {
    let mut h = Harness::new(b"", 0);
    accepted(&h.associate_public(0x400));
    // Truncated GET.
    assert_eq!(
        h.send(16, &[0xC0, 0x01, 0xC1, 0x00, 0x03]),
        [0xD8, 0x01, 0x03]
    );
    // Unknown tag.
    assert_eq!(h.send(16, &[0x77, 0x01]), [0xD8, 0x02, 0x02]);
    // Longer than the server's receive PDU.
    let long = vec![0xC1; 1025];
    assert_eq!(h.send(16, &long), [0xD8, 0x01, 0x04]);
    // A ciphered APDU on an association without keys.
    assert_eq!(h.send(16, &[0xC8, 0x02, 0x30, 0x00]), [0xD8, 0x01, 0x05]);
    assert!(h.server.is_associated(16));
    let answer = h.send(16, &get(AttributeDescriptor::new(3, ENERGY, 2), None));
    assert_eq!(
        get_result(&answer),
        GetDataResult::Data(Data::DoubleLongUnsigned(5000))
    );
}

/// Reads the profile with block transfer; returns the whole encoded value and the block count.
fn read_blocks(h: &mut Harness<'_>, sap: u16, request: &[u8]) -> (Vec<u8>, u32) {
    let mut value = Vec::new();
    let mut answer = h.send(sap, request);
    let mut blocks = 0;
    loop {
        match GetResponse::parse(&answer).unwrap() {
            GetResponse::WithDataBlock {
                last_block,
                block_number,
                result: BlockResult::RawData(raw),
                ..
            } => {
                blocks += 1;
                assert_eq!(block_number, blocks);
                assert!(answer.len() <= 512, "a block fits the client's PDU");
                value.extend_from_slice(raw);
                if last_block {
                    return (value, blocks);
                }
                let next = GetRequest::Next {
                    invoke: invoke(),
                    block_number,
                };
                answer = h.send(sap, &next.to_vec().unwrap());
            }
            GetResponse::Normal {
                result: GetDataResult::Data(_),
                ..
            } => {
                let n = answer.len();
                return (answer[4..n].to_vec(), 0);
            }
            other => panic!("{other:?}"),
        }
    }
}

fn check_rows(value: &[u8], from: u32, to: u32) {
    let data = Data::parse_with(
        value,
        &Limits {
            max_elements: 1_000_000,
            ..Limits::DEFAULT
        },
    )
    .unwrap();
    let Data::Array(rows) = data else {
        panic!("{data:?}")
    };
    let mut expected = from;
    for row in rows.iter() {
        let Data::Structure(fields) = row else {
            panic!()
        };
        let f: Vec<_> = fields.iter().collect();
        assert_eq!(
            f,
            [
                Data::DoubleLongUnsigned(expected),
                Data::LongUnsigned(expected.wrapping_mul(7) as u16)
            ]
        );
        expected += 1;
    }
    assert_eq!(expected, to + 1, "every row, in order");
}

#[test]
fn profile_of_10000_rows_by_block_transfer() {
    let mut h = Harness::new(b"", 10_000);
    accepted(&h.associate_public(512));
    let (value, blocks) = read_blocks(
        &mut h,
        16,
        &get(AttributeDescriptor::new(7, PROFILE, 2), None),
    );
    assert!(blocks > 100, "{blocks} blocks");
    check_rows(&value, 1, 10_000);
    // Selective access by entry survives the blocks: rows 2,500 to 7,499.
    let params = [
        Data::DoubleLongUnsigned(2500),
        Data::DoubleLongUnsigned(7499),
        Data::LongUnsigned(1),
        Data::LongUnsigned(0),
    ];
    let access = SelectiveAccess {
        selector: 2,
        parameters: Data::structure(&params),
    };
    let (value, _) = read_blocks(
        &mut h,
        16,
        &get(AttributeDescriptor::new(7, PROFILE, 2), Some(access)),
    );
    check_rows(&value, 2500, 7499);
    // A small selection fits one GET-Response-Normal.
    let params = [
        Data::DoubleLongUnsigned(3),
        Data::DoubleLongUnsigned(4),
        Data::LongUnsigned(1),
        Data::LongUnsigned(0),
    ];
    let access = SelectiveAccess {
        selector: 2,
        parameters: Data::structure(&params),
    };
    let (value, blocks) = read_blocks(
        &mut h,
        16,
        &get(AttributeDescriptor::new(7, PROFILE, 2), Some(access)),
    );
    assert_eq!(blocks, 0);
    check_rows(&value, 3, 4);
}

#[test]
fn block_transfer_errors() {
    let mut h = Harness::new(b"", 1000);
    accepted(&h.associate_public(256));
    let next = |n| {
        GetRequest::Next {
            invoke: invoke(),
            block_number: n,
        }
        .to_vec()
        .unwrap()
    };
    let error_of = |answer: &[u8]| match GetResponse::parse(answer).unwrap() {
        GetResponse::WithDataBlock {
            result: BlockResult::Error(e),
            last_block: true,
            ..
        } => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        error_of(&h.send(16, &next(1))),
        DataAccessResult::NO_LONG_GET_IN_PROGRESS
    );
    let first = h.send(16, &get(AttributeDescriptor::new(7, PROFILE, 2), None));
    assert!(matches!(
        GetResponse::parse(&first).unwrap(),
        GetResponse::WithDataBlock {
            block_number: 1,
            last_block: false,
            ..
        }
    ));
    assert_eq!(
        error_of(&h.send(16, &next(5))),
        DataAccessResult::DATA_BLOCK_NUMBER_INVALID
    );
    // The long GET was aborted.
    assert_eq!(
        error_of(&h.send(16, &next(1))),
        DataAccessResult::NO_LONG_GET_IN_PROGRESS
    );
    // Without block transfer negotiated, a value too large for one PDU is refused.
    let limited = InitiateRequest::new(Conformance(Conformance::GET.0), 256);
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        UserInformation::InitiateRequest(limited),
    );
    accepted(&h.send(16, &aarq));
    let answer = h.send(16, &get(AttributeDescriptor::new(7, PROFILE, 2), None));
    assert_eq!(
        get_result(&answer),
        GetDataResult::Error(DataAccessResult::OTHER_REASON)
    );
    // ... and services not negotiated get an exception.
    let set = SetRequest::Normal {
        invoke: invoke(),
        attribute: AttributeDescriptor::new(1, SETTING, 2),
        access: None,
        value: Data::LongUnsigned(1),
    };
    assert_eq!(h.send(16, &set.to_vec().unwrap()), [0xD8, 0x01, 0x02]);
}

/// The client side of an HLS-GMAC, ciphered association with the management client (SAP 1).
struct ManagementClient {
    ctx: SecurityContext,
    ctos: [u8; 16],
}

impl ManagementClient {
    fn new() -> Self {
        ManagementClient {
            ctx: context(CLIENT_TITLE, None),
            ctos: *b"K56iVagYK56iVagY",
        }
    }

    fn protect(&mut self, plain: &[u8]) -> Vec<u8> {
        let mut buf = plain.to_vec();
        buf.resize(plain.len() + 64, 0);
        let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
        let n = self
            .ctx
            .protect_apdu(
                &EnvelopeKind::Service(Ciphering::Global),
                sc,
                &mut buf,
                plain.len(),
            )
            .unwrap();
        buf.truncate(n);
        buf
    }

    fn unprotect(&mut self, answer: &[u8]) -> Vec<u8> {
        let mut buf = answer.to_vec();
        self.ctx
            .unprotect_apdu(&mut buf)
            .unwrap()
            .plaintext
            .to_vec()
    }

    fn aarq(&mut self) -> Vec<u8> {
        let initiate = InitiateRequest::new(ALL, 0x400).to_vec().unwrap();
        let glo = self.protect(&initiate);
        let user = UserInformation::Ciphered(CipheredApdu::parse(&glo).unwrap());
        let aarq = Aarq::new(
            ApplicationContextName::LN_WITH_CIPHERING.oid().unwrap(),
            Some(user),
        );
        association::authenticate_aarq(
            aarq,
            MechanismName::HLS_GMAC,
            &self.ctos,
            Some(&CLIENT_TITLE),
        )
        .to_vec()
        .unwrap()
    }

    /// Associates (passes 1 to 4) and checks the server's f(CtoS).
    fn associate(&mut self, h: &mut Harness<'_>) {
        let aarq = self.aarq();
        let mut aare = h.send(1, &aarq);
        let parsed = Aare::parse(&aare).unwrap();
        assert_eq!(parsed.result, AssociationResult::ACCEPTED);
        assert_eq!(
            parsed.result_source_diagnostic,
            ResultSourceDiagnostic::User(AcseServiceUser::AUTHENTICATION_REQUIRED)
        );
        let auth = association::aare_authentication(&parsed).unwrap();
        assert_eq!(auth.calling_title, Some(SystemTitle::new(METER_TITLE)));
        let stoc = auth.value.to_vec();
        assert_eq!(stoc.len(), STOC_LEN);
        self.ctx.set_peer_title(auth.calling_title);
        // The InitiateResponse comes glo-ciphered.
        let initiate = self
            .ctx
            .unprotect_user_information(&mut aare)
            .unwrap()
            .unwrap();
        let response = InitiateResponse::parse(initiate.plaintext).unwrap();
        assert_eq!(response.negotiated_conformance, ALL);
        assert!(!h.server.is_associated(1), "not before pass 3");
        // Pass 3: f(StoC), ciphered.
        let f_stoc = self.ctx.hls_gmac_respond(&self.ctos, &stoc).unwrap();
        let request = association::reply_to_hls_request(invoke(), f_stoc.as_bytes())
            .to_vec()
            .unwrap();
        let protected = self.protect(&request);
        let answer = h.send(1, &protected);
        let mut buf = answer.clone();
        let u = self.ctx.unprotect_apdu(&mut buf).unwrap();
        let envelope_counter = u.invocation_counter;
        let plain = u.plaintext.to_vec();
        let f_ctos = association::hls_reply_of(&ActionResponse::parse(&plain).unwrap())
            .unwrap()
            .to_vec();
        // f(CtoS) came inside the ciphered response, so its counter is below the envelope's.
        assert!(
            self.ctx
                .hls_gmac_verify(&self.ctos, &stoc, &f_ctos)
                .is_err()
        );
        self.ctx
            .hls_gmac_verify_enveloped(&self.ctos, &stoc, &f_ctos, envelope_counter)
            .unwrap();
        assert!(h.server.is_associated(1));
    }
}

#[test]
fn hls_gmac_with_ciphering_replay_and_authenticated_access() {
    let mut h = Harness::new(b"", 0);
    let mut client = ManagementClient::new();
    client.associate(&mut h);

    // A ciphered GET of the management attribute: allowed, the request was authenticated.
    let request = client.protect(&get(AttributeDescriptor::new(1, SECRET, 2), None));
    let answer = h.send(1, &request);
    assert_eq!(answer[0], 0xCC, "glo-get-response");
    let plain = client.unprotect(&answer);
    assert_eq!(
        get_result(&plain),
        GetDataResult::Data(Data::VisibleString(b"management only"))
    );

    // The same request again: a replay, refused with the counter the server expects next.
    let answer = h.send(1, &request);
    let e = ExceptionResponse::parse(&answer).unwrap();
    assert_eq!(
        e.service_error,
        ExceptionServiceError::INVOCATION_COUNTER_ERROR
    );
    assert!(e.invocation_counter.is_some());
    // A request in clear on the ciphered association: refused.
    assert_eq!(
        h.send(1, &get(AttributeDescriptor::new(3, ENERGY, 2), None)),
        [0xD8, 0x01, 0x01]
    );
    // A tampered request: deciphering error; the association goes on.
    let mut tampered = client.protect(&get(AttributeDescriptor::new(3, ENERGY, 2), None));
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(h.send(1, &tampered), [0xD8, 0x01, 0x05]);
    let request = client.protect(&get(AttributeDescriptor::new(3, ENERGY, 2), None));
    let plain = client.unprotect(&h.send(1, &request));
    assert_eq!(
        get_result(&plain),
        GetDataResult::Data(Data::DoubleLongUnsigned(5000))
    );

    // ACTION with authenticated access and return parameters.
    let action = ActionRequest::Normal {
        invoke: invoke(),
        method: MethodDescriptor::new(9, METHOD, 1),
        parameters: Some(Data::LongUnsigned(21)),
    };
    let request = client.protect(&action.to_vec().unwrap());
    let plain = client.unprotect(&h.send(1, &request));
    let ActionResponse::Normal { response, .. } = ActionResponse::parse(&plain).unwrap() else {
        panic!()
    };
    assert_eq!(response.result, ActionResult::SUCCESS);
    assert_eq!(
        response.return_parameters,
        Some(GetDataResult::Data(Data::DoubleLongUnsigned(42)))
    );

    // Release.
    let rlrq = Rlrq {
        reason: Some(crate::apdu::ReleaseRequestReason::NORMAL),
        user_information: None,
    };
    let answer = h.send(1, &rlrq.to_vec().unwrap());
    assert_eq!(answer[0], Rlre::TAG);
    assert!(!h.server.is_associated(1));
}

#[test]
fn hls_gmac_with_a_wrong_reply_is_refused() {
    let mut h = Harness::new(b"", 0);
    let mut client = ManagementClient::new();
    let aarq = client.aarq();
    let aare = h.send(1, &aarq);
    let auth = association::aare_authentication(&Aare::parse(&aare).unwrap()).unwrap();
    client.ctx.set_peer_title(auth.calling_title);
    // f() over the wrong challenge.
    let f = client
        .ctx
        .hls_gmac_respond(&client.ctos, b"0123456789abcdef")
        .unwrap();
    let request = association::reply_to_hls_request(invoke(), f.as_bytes())
        .to_vec()
        .unwrap();
    let protected = client.protect(&request);
    let plain = client.unprotect(&h.send(1, &protected));
    let ActionResponse::Normal { response, .. } = ActionResponse::parse(&plain).unwrap() else {
        panic!()
    };
    assert_ne!(response.result, ActionResult::SUCCESS);
    assert!(!h.server.is_associated(1));
    // Only pass 3 is accepted before the association is authenticated.
    let request = client.protect(&get(AttributeDescriptor::new(3, ENERGY, 2), None));
    assert_eq!(h.send(1, &request)[..3], [0xD8, 0x01, 0x01]);
}

const WITH_SET_BLOCKS: Conformance =
    Conformance(ALL.0 | Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0);

#[test]
fn set_with_data_blocks() {
    let mut buffer = [0u8; 64];
    let mut server: Server<'_, 1> = Server::new(
        ServerConfig::new(1024),
        [
            AssociationConfig::new(16, Authentication::None, WITH_SET_BLOCKS)
                .with_set_buffer(&mut buffer),
        ],
    );
    let mut meter = Meter::new(0);
    let mut rng = TestRng(3);
    let mut out = [0u8; 256];
    let aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        UserInformation::InitiateRequest(InitiateRequest::new(WITH_SET_BLOCKS, 0x400)),
    );
    let mut a = aarq.clone();
    let n = server
        .handle_apdu(16, &mut a, &mut meter, &mut rng, &mut out)
        .unwrap()
        .unwrap();
    let offered = accepted(&out[..n]).negotiated_conformance;
    assert!(offered.0 & Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0 != 0);
    let mut send = |server: &mut Server<'_, 1>, meter: &mut Meter, req: &[u8]| {
        let mut r = req.to_vec();
        let n = server
            .handle_apdu(16, &mut r, meter, &mut rng, &mut out)
            .unwrap()
            .unwrap();
        out[..n].to_vec()
    };
    let first = |last, raw: &'static [u8]| SetRequest::WithFirstDataBlock {
        invoke: invoke(),
        attribute: AttributeDescriptor::new(1, SETTING, 2),
        access: None,
        block: crate::apdu::DataBlock {
            last_block: last,
            block_number: 1,
            raw_data: raw,
        },
    };
    let next = |last, n, raw: &'static [u8]| SetRequest::WithDataBlock {
        invoke: invoke(),
        block: crate::apdu::DataBlock {
            last_block: last,
            block_number: n,
            raw_data: raw,
        },
    };
    let last = |result, block_number| {
        SetResponse::LastDataBlock {
            invoke: invoke(),
            result,
            block_number,
        }
        .to_vec()
        .unwrap()
    };
    // long-unsigned 300 in two blocks: 12 01 | 2C
    let r = send(
        &mut server,
        &mut meter,
        &first(false, &[0x12, 0x01]).to_vec().unwrap(),
    );
    assert_eq!(
        r,
        SetResponse::DataBlock {
            invoke: invoke(),
            block_number: 1
        }
        .to_vec()
        .unwrap()
    );
    let r = send(
        &mut server,
        &mut meter,
        &next(true, 2, &[0x2C]).to_vec().unwrap(),
    );
    assert_eq!(r, last(DataAccessResult::SUCCESS, 2));
    assert_eq!(meter.setting, 300);
    // A block out of order aborts; a next block without a first one is refused.
    send(
        &mut server,
        &mut meter,
        &first(false, &[0x12]).to_vec().unwrap(),
    );
    let r = send(
        &mut server,
        &mut meter,
        &next(true, 3, &[0x01, 0x2C]).to_vec().unwrap(),
    );
    assert_eq!(r, last(DataAccessResult::DATA_BLOCK_NUMBER_INVALID, 3));
    let r = send(
        &mut server,
        &mut meter,
        &next(true, 2, &[0x01]).to_vec().unwrap(),
    );
    assert_eq!(r, last(DataAccessResult::NO_LONG_SET_IN_PROGRESS, 2));
    // Longer than the buffer: aborted, nothing set.
    static BIG: [u8; 40] = [0x5A; 40];
    send(
        &mut server,
        &mut meter,
        &first(false, &BIG).to_vec().unwrap(),
    );
    let r = send(
        &mut server,
        &mut meter,
        &next(true, 2, &BIG).to_vec().unwrap(),
    );
    assert_eq!(r, last(DataAccessResult::LONG_SET_ABORTED, 2));
    assert_eq!(meter.setting, 300);
    // A value that does not decode: type-unmatched.
    send(
        &mut server,
        &mut meter,
        &first(false, &[0x12]).to_vec().unwrap(),
    );
    let r = send(
        &mut server,
        &mut meter,
        &next(true, 2, &[0x01, 0x2C, 0x00]).to_vec().unwrap(),
    );
    assert_eq!(r, last(DataAccessResult::TYPE_UNMATCHED, 2));
    // Without write access the first block is refused at once.
    let denied = SetRequest::WithFirstDataBlock {
        invoke: invoke(),
        attribute: AttributeDescriptor::new(3, ENERGY, 2),
        access: None,
        block: crate::apdu::DataBlock {
            last_block: false,
            block_number: 1,
            raw_data: &[0x06],
        },
    };
    let r = send(&mut server, &mut meter, &denied.to_vec().unwrap());
    assert_eq!(r, last(DataAccessResult::READ_WRITE_DENIED, 1));
}

#[test]
fn release_ends_the_association() {
    let mut h = Harness::new(b"", 0);
    accepted(&h.associate_public(0x400));
    let rlrq = Rlrq {
        reason: Some(crate::apdu::ReleaseRequestReason::NORMAL),
        user_information: None,
    };
    let answer = h.send(16, &rlrq.to_vec().unwrap());
    assert_eq!(
        Rlre::parse(&answer).unwrap().reason,
        Some(crate::apdu::ReleaseResponseReason::NORMAL)
    );
    assert!(!h.server.is_associated(16));
    assert_eq!(
        h.send(16, &get(AttributeDescriptor::new(3, ENERGY, 2), None)),
        [0xD8, 0x01, 0x01]
    );
    let _ = ObjectId(&[]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_requests_never_panic_and_never_drop_the_association(
        requests in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..20),
    ) {
        let mut h = Harness::new(b"", 50);
        accepted(&h.associate_public(128));
        for r in &requests {
            let mut req = r.clone();
            let answer = h.server.handle_apdu(16, &mut req, &mut h.meter, &mut h.rng, &mut h.out).unwrap();
            prop_assert!(answer.is_some_and(|n| n <= 128));
            let tag = r.first().copied();
            if tag == Some(Aarq::TAG) || tag == Some(Rlrq::TAG) {
                // A new AARQ or an RLRQ ends the association (the AARQ may start another one).
                accepted(&h.associate_public(128));
            }
            prop_assert!(h.server.is_associated(16));
        }
    }
}

#[test]
fn pushes_over_a_pre_established_association() {
    let mut server: Server<'_, 2> = Server::new(
        ServerConfig::new(1024),
        [
            AssociationConfig::new(102, Authentication::None, Conformance::DATA_NOTIFICATION)
                .ciphered(context(METER_TITLE, None))
                .pre_established(0),
            AssociationConfig::new(103, Authentication::None, Conformance::DATA_NOTIFICATION)
                .pre_established(64),
        ],
    );
    assert!(server.is_associated(102) && server.is_associated(103));
    let fields = [
        Data::OctetString(ENERGY.as_bytes()),
        Data::DoubleLongUnsigned(5000),
    ];
    let body = Data::structure(&fields);
    let mut out = [0u8; 256];
    // Ciphered: general-glo-ciphering with the meter's system title.
    let n = server.push(102, 7, None, &body, &mut out).unwrap();
    assert_eq!(out[0], 0xDB);
    let mut head_end = context(CLIENT_TITLE, Some(METER_TITLE));
    let first = out[..n].to_vec();
    let mut received = first.clone();
    let u = head_end.unprotect_apdu(&mut received).unwrap();
    let Apdu::DataNotification(note) = Apdu::parse(u.plaintext).unwrap() else {
        panic!()
    };
    assert_eq!(note.long_invoke_id.invoke_id(), 7);
    assert_eq!(note.body, body);
    // A second push has a fresh counter; the first one again is a replay.
    let n2 = server.push(102, 8, None, &body, &mut out).unwrap();
    let mut second = out[..n2].to_vec();
    assert!(head_end.unprotect_apdu(&mut second).is_ok());
    let mut replay = first.clone();
    assert!(matches!(
        head_end.unprotect_apdu(&mut replay),
        Err(Error::Replay { .. })
    ));
    // In clear, bounded by the client's PDU.
    let n = server.push(103, 1, None, &body, &mut out).unwrap();
    assert_eq!(out[0], 0x0F);
    let big = [Data::OctetString(&[0u8; 100])];
    assert!(matches!(
        server.push(103, 2, None, &Data::structure(&big), &mut out),
        Err(Error::ApduTooLong { capacity: 64, .. })
    ));
    let _ = n;
    // A pre-established association stays established after a release.
    let mut rlrq = Rlrq {
        reason: None,
        user_information: None,
    }
    .to_vec()
    .unwrap();
    let mut meter = Meter::new(0);
    let answer = server
        .handle_apdu(103, &mut rlrq, &mut meter, &mut TestRng(5), &mut out)
        .unwrap();
    assert!(answer.is_some());
    assert!(server.is_associated(103));
    // An unknown client has no association to push to.
    assert_eq!(
        server.push(1, 1, None, &body, &mut out),
        Err(Error::NotConnected)
    );
}

/// Found by the `session_server` fuzz target: a client-max-receive-pdu-size too small for a
/// block of data (12 in clear; under 43 in an association with keys, whose answers may come
/// in an envelope) was accepted, and a long GET then failed with `BufferTooSmall` although
/// `out` was large. The AARE now refuses it with initiate-error pdu-size-too-short (3).
#[test]
fn a_client_pdu_too_small_for_a_block_is_refused_with_pdu_size_too_short() {
    let too_short = |user: Option<UserInformation<'_>>| {
        matches!(
            user,
            Some(UserInformation::ConfirmedServiceError(ConfirmedServiceError { error, .. }))
                if error.class == crate::apdu::ServiceErrorClass::INITIATE && error.value == 3
        )
    };
    let mut h = Harness::new(b"", 100);
    let aare = h.associate_public(12);
    assert!(too_short(rejected(&aare).2));
    assert!(!h.server.is_associated(16));

    // The smallest PDU accepted in clear carries the profile, a byte a block.
    accepted(&h.associate_public(13));
    let mut req = get(AttributeDescriptor::new(7, PROFILE, 2), None);
    let n = h
        .server
        .handle_apdu(16, &mut req, &mut h.meter, &mut h.rng, &mut h.out)
        .unwrap()
        .unwrap();
    assert!(n <= 13);
    assert!(matches!(
        GetResponse::parse(&h.out[..n]).unwrap(),
        GetResponse::WithDataBlock { .. }
    ));

    // With keys: the envelope must fit too.
    let mut client = ManagementClient::new();
    let initiate = InitiateRequest::new(ALL, 42).to_vec().unwrap();
    let glo = client.protect(&initiate);
    let user = UserInformation::Ciphered(CipheredApdu::parse(&glo).unwrap());
    let aarq = Aarq::new(
        ApplicationContextName::LN_WITH_CIPHERING.oid().unwrap(),
        Some(user),
    );
    let aarq = association::authenticate_aarq(
        aarq,
        MechanismName::HLS_GMAC,
        &client.ctos,
        Some(&CLIENT_TITLE),
    )
    .to_vec()
    .unwrap();
    let aare = h.send(1, &aarq);
    assert!(too_short(rejected(&aare).2));
    assert!(!h.server.is_associated(1));
}

/// Found by the `session_server` fuzz target: a GET with-list of more attributes than the
/// client's PDU holds results for made `handle_apdu` fail with `BufferTooSmall` (and
/// `Server::serve` stop) although `out` was large. It is answered with exception-response
/// operation-not-possible, and the association goes on.
#[test]
fn a_get_with_list_too_long_for_the_client_pdu_is_answered() {
    let mut h = Harness::new(b"", 0);
    accepted(&h.associate_public(40));
    let items = [AttributeWithSelection {
        attribute: AttributeDescriptor::new(3, ENERGY, 2),
        access: None,
    }; 20];
    let req = GetRequest::WithList {
        invoke: invoke(),
        attributes: List::from_items(&items),
    };
    let answer = h.send(16, &req.to_vec().unwrap());
    assert_eq!(answer, [0xD8, 0x01, 0x01]);
    assert!(h.server.is_associated(16));
    // What fits is still answered.
    let req = GetRequest::WithList {
        invoke: invoke(),
        attributes: List::from_items(&items[..2]),
    };
    let answer = h.send(16, &req.to_vec().unwrap());
    assert!(matches!(
        GetResponse::parse(&answer).unwrap(),
        GetResponse::WithList { .. }
    ));
}

/// Found by the `session_server` fuzz target: an AARQ to an unknown client SAP proposing a
/// DLMS application context with no name (2.16.756.5.8.1.9) was rejected with an AARE whose
/// application-context-name was empty, which does not parse. The AARE now names LN.
#[test]
fn an_unknown_client_with_an_unknown_context_gets_an_aare_that_parses() {
    let mut h = Harness::new(b"", 0);
    let unknown = [0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x09];
    let aarq = Aarq::new(ObjectId(&unknown), Some(plain_initiate(0x400)))
        .to_vec()
        .unwrap();
    let answer = h.send(99, &aarq);
    let (result, _, _) = rejected(&answer);
    assert_eq!(result, AssociationResult::REJECTED_PERMANENT);
    let aare = Aare::parse(&answer).unwrap();
    assert_eq!(
        aare.application_context_name.application_context(),
        Some(ApplicationContextName::LN_NO_CIPHERING)
    );
}

#[test]
fn a_request_in_gbt_blocks_recovers_from_a_lost_block() {
    const WITH_GBT: Conformance = Conformance(ALL.0 | Conformance::GENERAL_BLOCK_TRANSFER.0);
    let mut buffer = [0u8; 1024];
    let mut server: Server<'_, 1> = Server::new(
        ServerConfig::new(1024),
        [AssociationConfig::new(16, Authentication::None, WITH_GBT).with_gbt_buffer(&mut buffer)],
    );
    let mut meter = Meter::new(0);
    let mut rng = TestRng(11);
    let mut out = [0u8; 512];
    let mut aarq = aarq_bytes(
        ApplicationContextName::LN_NO_CIPHERING,
        UserInformation::InitiateRequest(InitiateRequest::new(WITH_GBT, 0x200)),
    );
    let n = server
        .handle_apdu(16, &mut aarq, &mut meter, &mut rng, &mut out)
        .unwrap()
        .unwrap();
    assert!(
        accepted(&out[..n]).negotiated_conformance.0 & Conformance::GENERAL_BLOCK_TRANSFER.0 != 0
    );

    // GET 1-0:1.8.0.255 attribute 2 in blocks of 4 bytes, without streaming: the server
    // acknowledges each block.
    let request = get(AttributeDescriptor::new(3, ENERGY, 2), None);
    let blocks: Vec<Vec<u8>> = crate::gbt::blocks(&request, 4, false, 1)
        .unwrap()
        .map(|b| b.to_vec().unwrap())
        .collect();
    assert_eq!(blocks.len(), 4);
    let mut send = |server: &mut Server<'_, 1>, meter: &mut Meter, block: &[u8]| {
        let mut b = block.to_vec();
        let n = server
            .handle_apdu(16, &mut b, meter, &mut rng, &mut out)
            .unwrap()
            .unwrap();
        out[..n].to_vec()
    };
    let ack_of = |answer: &[u8]| {
        let g = GeneralBlockTransfer::parse(answer).unwrap();
        assert!(g.block_data.is_empty() && !g.last_block(), "{g:?}");
        g.block_number_ack
    };
    assert_eq!(ack_of(&send(&mut server, &mut meter, &blocks[0])), 1);
    // Block 2 is lost: block 3 comes; the server keeps block 1 and acknowledges it again.
    assert_eq!(ack_of(&send(&mut server, &mut meter, &blocks[2])), 1);
    assert_eq!(ack_of(&send(&mut server, &mut meter, &blocks[1])), 2);
    assert_eq!(ack_of(&send(&mut server, &mut meter, &blocks[2])), 3);
    // The last block completes the request; the answer comes in one GBT block.
    let answer = send(&mut server, &mut meter, &blocks[3]);
    let g = GeneralBlockTransfer::parse(&answer).unwrap();
    assert!(g.last_block());
    assert_eq!(g.block_number_ack, 4);
    assert_eq!(
        get_result(g.block_data),
        GetDataResult::Data(Data::DoubleLongUnsigned(5000))
    );
    // A new request while one is unfinished starts over at its block 1.
    send(&mut server, &mut meter, &blocks[0]);
    assert_eq!(ack_of(&send(&mut server, &mut meter, &blocks[0])), 1);
}
