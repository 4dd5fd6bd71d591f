//! Tests of the client session against responses built with the APDU types and the public
//! vectors (each copied here with its source; nothing is read from disk).

use std::vec;
use std::vec::Vec;

use obis::ObisCode;
use proptest::prelude::*;

use super::*;
use crate::apdu::{ActionResponseItem, ConformanceTag, MechanismName};
use crate::security::{KeyId, SecuritySuite, SendCounter};

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    s.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn bytes<E: Encode>(e: &E) -> Vec<u8> {
    e.to_vec().unwrap()
}

struct FixedRng(&'static [u8]);

impl rand_core::TryRng for FixedRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(0)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(0)
    }
    fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> {
        for (i, b) in d.iter_mut().enumerate() {
            *b = self.0[i % self.0.len()];
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for FixedRng {}

const T0: Instant = Instant::from_millis(1_000);
/// The Green Book titles: in the ciphering examples `…BC614E` is the client.
const TITLE_BC614E: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
const TITLE_01: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];
const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];
const DEDICATED: [u8; 16] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
];

fn context(own: [u8; 8], tx: u32) -> SecurityContext {
    let mut c = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
    c.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(EK))
        .unwrap();
    c.set_key(KeyId::AUTHENTICATION, Key::aes128(AK)).unwrap();
    let mut counters = *c.counters();
    counters.unicast.tx = SendCounter::starting_at(tx);
    c.set_counters(counters);
    c
}

fn set_tx(client: &mut Client<'_>, tx: u32) {
    let security = client.security_mut().unwrap();
    let mut counters = *security.counters();
    counters.unicast.tx = SendCounter::starting_at(tx);
    security.set_counters(counters);
}

fn initiate_response(conformance: u32, max: u16) -> InitiateResponse {
    InitiateResponse {
        negotiated_quality_of_service: None,
        negotiated_dlms_version_number: 6,
        negotiated_conformance: Conformance(conformance),
        conformance_tag: ConformanceTag::Standard,
        server_max_receive_pdu_size: max,
        vaa_name: 7,
    }
}

fn plain_aare(response: InitiateResponse) -> Vec<u8> {
    bytes(&Aare::new(
        ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
        AssociationResult::ACCEPTED,
        ResultSourceDiagnostic::User(AcseServiceUser::NULL),
        Some(UserInformation::InitiateResponse(response)),
    ))
}

/// The meter's AARE for a ciphered association: the InitiateResponse protected by `meter` as
/// a glo-initiate-response, the meter's title as responding-AP-title.
fn ciphered_aare(meter: &mut SecurityContext, response: InitiateResponse) -> Vec<u8> {
    let mut ui = [0u8; 96];
    let n = response.emit(&mut ui).unwrap();
    let control = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    let n = meter
        .protect_apdu(
            &EnvelopeKind::Service(Ciphering::Global),
            control,
            &mut ui,
            n,
        )
        .unwrap();
    assert_eq!(ui[0], 0x28, "glo-initiate-response");
    let title = meter.own_title().to_bytes();
    let mut aare = Aare::new(
        ApplicationContextName::LN_WITH_CIPHERING.oid().unwrap(),
        AssociationResult::ACCEPTED,
        ResultSourceDiagnostic::User(AcseServiceUser::NULL),
        Some(UserInformation::Ciphered(
            CipheredApdu::parse(&ui[..n]).unwrap(),
        )),
    );
    aare.responding_ap_title = Some(Tlv::octet_string(&title));
    bytes(&aare)
}

fn config(authentication: Authentication<'_>) -> ClientConfig<'_> {
    let mut c = ClientConfig::new(authentication);
    c.conformance = Conformance(0x00_7E1F);
    c.max_receive_pdu_size = 1200;
    c
}

fn aarq_of(client: &mut Client<'_>) -> Vec<u8> {
    let mut out = [0u8; 256];
    let n = client
        .associate(T0, &mut FixedRng(b"K56iVagY"), &mut out)
        .unwrap();
    out[..n].to_vec()
}

/// A plain client associated with conformance 0x007E1F and the server's `max` PDU size.
fn associated(max: u16) -> Client<'static> {
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    aarq_of(&mut client);
    let mut aare = plain_aare(initiate_response(0x00_7E1F, max));
    assert!(matches!(
        client.handle_apdu(&mut aare),
        Ok(Event::Associated(_))
    ));
    client
}

const REGISTER: AttributeDescriptor =
    AttributeDescriptor::new(3, ObisCode::new(1, 0, 1, 8, 0, 255), 2);
const CLOCK_TIME: AttributeDescriptor =
    AttributeDescriptor::new(8, ObisCode::new(0, 0, 1, 0, 0, 255), 2);
const DISCONNECT: MethodDescriptor =
    MethodDescriptor::new(70, ObisCode::new(0, 0, 96, 3, 10, 255), 1);

fn request(
    client: &mut Client<'_>,
    f: impl FnOnce(&mut Client<'_>, &mut [u8]) -> Result<usize, ClientError>,
) -> Vec<u8> {
    let mut out = [0u8; 512];
    let n = f(client, &mut out).unwrap();
    out[..n].to_vec()
}

// ---- association ---------------------------------------------------------------------------

#[test]
fn aarq_without_authentication_is_acse_01() {
    // ACSE-01: u9n/dlms-cosem tests/test_asce/test_aarq.py::test_parse_no_ciphering_no_sercurity
    // ("Green Book v10 p.444").
    let expected = hex("601da109060760857405080101be10040e01000000065f1f0400007e1f04b0");
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    assert_eq!(aarq_of(&mut client), expected);
    assert_eq!(client.state(), AssociationState::Associating);
    assert!(client.is_busy());
}

#[test]
fn aarq_with_lls_is_acse_02() {
    // ACSE-02: u9n/dlms-cosem tests/test_asce/test_aarq.py::test_parse_no_ciphering_low_security.
    let expected = hex(
        "6036a1090607608574050801018a0207808b0760857405080201ac0a80083132333435363738\
         be10040e01000000065f1f0400007e1f04b0",
    );
    let mut client = Client::new(
        config(Authentication::Lls {
            password: b"12345678",
        }),
        None,
    )
    .unwrap();
    assert_eq!(aarq_of(&mut client), expected);
}

#[test]
fn aarq_with_hls_gmac_is_acse_03_with_the_calling_title() {
    // ACSE-03: u9n/dlms-cosem tests/test_asce/test_aarq.py::test_parse_no_ciphering_high_security
    // (the Green Book HLS5 example, CtoS "K56iVagY"). The vector has no calling-AP-title; HLS-GMAC
    // needs it (the server computes f(CtoS) with it), so the client adds A6 0A 04 08 <title>
    // after the application context and the AARQ is 12 bytes longer.
    let vector = hex(
        "6036a1090607608574050801018a0207808b0760857405080205ac0a80084b35366956616759\
         be10040e01000000065f1f0400007e1f04b0",
    );
    let mut expected = vec![0x60, 0x36 + 12];
    expected.extend_from_slice(&vector[2..13]);
    expected.extend_from_slice(&[0xA6, 0x0A, 0x04, 0x08]);
    expected.extend_from_slice(&TITLE_01);
    expected.extend_from_slice(&vector[13..]);
    let mut c = config(Authentication::HlsGmac);
    c.challenge_len = 8;
    let mut client = Client::new(c, Some(context(TITLE_01, 1))).unwrap();
    assert_eq!(aarq_of(&mut client), expected);
}

#[test]
fn ciphered_aarq_is_acse_04_and_its_release_is_acse_13() {
    // ACSE-04: u9n/dlms-cosem tests/test_asce/test_aarq.py::test_parse_ciphered_low_security2
    // (Green Book ciphered example: client title 4D4D4D0000BC614E, IC 0x01234567, dedicated key).
    let expected = hex(
        "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201\
         ac0a80083132333435363738be34043221303001234567801302ff8a7874133d414ced25b42534d2\
         8db0047720606b175bd52211be6841db204d39ee6fdb8e356855",
    );
    let mut c = config(Authentication::Lls {
        password: b"12345678",
    });
    c.ciphering = Some(Ciphering::Global);
    c.dedicated_key = Some(&DEDICATED);
    let mut client = Client::new(c, Some(context(TITLE_BC614E, 0x0123_4567))).unwrap();
    assert_eq!(aarq_of(&mut client), expected);

    let mut meter = context(TITLE_01, 0x10);
    let mut aare = ciphered_aare(&mut meter, initiate_response(0x00_7E1F, 0x0400));
    let Event::Associated(info) = client.handle_apdu(&mut aare).unwrap() else {
        panic!("not associated")
    };
    assert_eq!(info.server_title, Some(SystemTitle::new(TITLE_01)));
    assert_eq!(info.server_max_receive_pdu_size, 0x0400);
    // The meter's counter was recorded (replay protection of the AARE).
    assert_eq!(client.counters().unwrap().unicast.rx.last(), Some(0x10));

    // ACSE-13: u9n/dlms-cosem tests/test_asce/test_rlrq.py::test_with_ciphered_initiate_request:
    // the same glo-initiate-request (same IC) in an RLRQ.
    set_tx(&mut client, 0x0123_4567);
    let rlrq = request(&mut client, |c, out| c.release(T0, out));
    assert_eq!(
        rlrq,
        hex(
            "6239800100be34043221303001234567801302ff8a7874133d414ced25b42534d28db004772060\
             6b175bd52211be6841db204d39ee6fdb8e356855"
        )
    );
    // ACSE-14 (u9n/dlms-cosem tests/test_asce/test_rlre.py::test_simple).
    let mut rlre = hex("6303800100");
    assert_eq!(
        client.handle_apdu(&mut rlre),
        Ok(Event::Released {
            reason: Some(ReleaseResponseReason::NORMAL)
        })
    );
    assert_eq!(client.state(), AssociationState::Idle);
}

#[test]
fn aare_accepted_is_acse_06() {
    // ACSE-06: u9n/dlms-cosem tests/test_asce/test_aare.py::TestDecodeAARE::
    // test_no_ciphering_no_security_ok_association.
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    aarq_of(&mut client);
    let mut aare = hex(
        "6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000501f01f40007",
    );
    assert_eq!(
        client.handle_apdu(&mut aare),
        Ok(Event::Associated(AssociationInfo {
            conformance: Conformance(0x00_501F),
            server_max_receive_pdu_size: 500,
            vaa_name: 7,
            server_title: None,
        }))
    );
    assert_eq!(client.state(), AssociationState::Associated);
    assert!(!client.is_busy());
}

#[test]
fn aare_rejected_is_a_typed_error_with_result_and_diagnostic() {
    // ACSE-07: u9n/dlms-cosem tests/test_asce/test_aare.py::
    // test_no_ciphering_no_security_app_context_name_wrong.
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    aarq_of(&mut client);
    let mut aare = hex(
        "6129a109060760857405080101a203020101a305a103020102be10040e0800065f1f040000501f01f40007",
    );
    assert_eq!(
        client.handle_apdu(&mut aare),
        Err(ClientError::Rejected {
            result: AssociationResult::REJECTED_PERMANENT,
            diagnostic: ResultSourceDiagnostic::User(
                AcseServiceUser::APPLICATION_CONTEXT_NAME_NOT_SUPPORTED
            ),
            service_error: None,
        })
    );
    assert_eq!(client.state(), AssociationState::Idle);

    // A rejection carrying a ConfirmedServiceError (0E 01 06 01,
    // initiateError / initiate / dlms-version-too-low) keeps it.
    aarq_of(&mut client);
    let error = ConfirmedServiceError::parse(&[0x0E, 0x01, 0x06, 0x01]).unwrap();
    let mut aare = bytes(&Aare::new(
        ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
        AssociationResult::REJECTED_PERMANENT,
        ResultSourceDiagnostic::User(AcseServiceUser::NO_REASON_GIVEN),
        Some(UserInformation::ConfirmedServiceError(error)),
    ));
    let Err(ClientError::Rejected { service_error, .. }) = client.handle_apdu(&mut aare) else {
        panic!("not rejected")
    };
    assert_eq!(service_error, Some(error));
}

#[test]
fn aare_when_nothing_was_asked_is_unsolicited() {
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    let mut aare = plain_aare(initiate_response(0x7E1F, 500));
    assert_eq!(
        client.handle_apdu(&mut aare),
        Err(ClientError::Unsolicited { apdu: "aare" })
    );
}

/// The client of the Green Book HLS-GMAC example up to pass 3: its f(StoC) request.
fn hls_gmac_client() -> (Client<'static>, Vec<u8>) {
    let mut c = config(Authentication::HlsGmac);
    c.challenge_len = 8;
    let mut client = Client::new(c, Some(context(TITLE_01, 1))).unwrap();
    aarq_of(&mut client);
    let server = TITLE_BC614E;
    let aare = association::authenticate_aare(
        Aare::new(
            ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
            AssociationResult::ACCEPTED,
            ResultSourceDiagnostic::User(AcseServiceUser::NULL),
            Some(UserInformation::InitiateResponse(initiate_response(
                0x00_7E1F, 500,
            ))),
        ),
        MechanismName::HLS_GMAC,
        b"P6wRJ21F",
        Some(&server),
    );
    let mut aare = bytes(&aare);
    assert_eq!(
        client.handle_apdu(&mut aare),
        Ok(Event::AuthenticationRequired)
    );
    assert_eq!(client.state(), AssociationState::Authenticating);
    let pass3 = request(&mut client, |c, out| c.hls_reply(T0, out));
    (client, pass3)
}

#[test]
fn hls_gmac_passes_3_and_4_with_the_green_book_keys() {
    let (mut client, pass3) = hls_gmac_client();
    // SEC-04: u9n/dlms-cosem tests/test_security.py::test_gmac — f(StoC) with client title
    // 4D4D4D0000000001, IC 1, StoC "P6wRJ21F".
    let mut expected = hex("c301c1000f0000280000ff01010911");
    expected.extend(hex("10000000011a52fe7dd3e72748973c1e28"));
    assert_eq!(pass3, expected);
    // SEC-05: gvtret/spodes-rs association_ln.rs::hls5_gmac_matches_blue_book_test_vector —
    // f(CtoS) from server title 4D4D4D0000BC614E, IC 0x01234567, CtoS "K56iVagY".
    let f_ctos = hex("1001234567fe1466afb3dbcd4f9389e2b7");
    let mut pass4 = bytes(&association::reply_to_hls_response(
        InvokeIdAndPriority(0xC1),
        Some(&f_ctos),
    ));
    let Ok(Event::Associated(info)) = client.handle_apdu(&mut pass4) else {
        panic!("pass 4 failed")
    };
    assert_eq!(info.server_title, Some(SystemTitle::new(TITLE_BC614E)));
    assert_eq!(client.state(), AssociationState::Associated);
    let counters = client.counters().unwrap();
    assert_eq!(counters.unicast.tx.next(), Some(2));
    assert_eq!(counters.unicast.rx.last(), Some(0x0123_4567));
}

#[test]
fn hls_gmac_wrong_f_ctos_or_refusal_fail_typed() {
    let (mut client, _) = hls_gmac_client();
    let mut f_ctos = hex("1001234567fe1466afb3dbcd4f9389e2b7");
    f_ctos[16] ^= 1;
    let mut pass4 = bytes(&association::reply_to_hls_response(
        InvokeIdAndPriority(0xC1),
        Some(&f_ctos),
    ));
    assert_eq!(
        client.handle_apdu(&mut pass4),
        Err(ClientError::ServerNotAuthenticated)
    );
    assert_eq!(client.state(), AssociationState::Idle);

    let (mut client, _) = hls_gmac_client();
    let mut refused = bytes(&association::reply_to_hls_response(
        InvokeIdAndPriority(0xC1),
        None,
    ));
    assert_eq!(
        client.handle_apdu(&mut refused),
        Err(ClientError::HlsRefused {
            result: ActionResult::OTHER_REASON
        })
    );
    assert_eq!(client.state(), AssociationState::Idle);
}

#[test]
fn hls_sha256_round_trip_with_the_secret() {
    // HLS SHA-256 (GuruxDLMS.c, spodes-rs): f(StoC), secret "12345678", StoC "P6wRJ21F", CtoS
    // "K56iVagY", client 4D4D4D0000000001, server 4D4D4D0000BC614E.
    let secret = crate::security::HlsSecret::Sha256 {
        secret: b"12345678",
    };
    let mut c = config(Authentication::Hls(secret));
    c.challenge_len = 8;
    c.system_title = Some(SystemTitle::new(TITLE_01));
    let mut client = Client::new(c, None).unwrap();
    aarq_of(&mut client);
    let server = TITLE_BC614E;
    let mut aare = bytes(&association::authenticate_aare(
        Aare::new(
            ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
            AssociationResult::ACCEPTED,
            ResultSourceDiagnostic::User(AcseServiceUser::NULL),
            Some(UserInformation::InitiateResponse(initiate_response(
                0x7E1F, 500,
            ))),
        ),
        MechanismName::HLS_SHA256,
        b"P6wRJ21F",
        Some(&server),
    ));
    assert_eq!(
        client.handle_apdu(&mut aare),
        Ok(Event::AuthenticationRequired)
    );
    let pass3 = request(&mut client, |c, out| c.hls_reply(T0, out));
    assert_eq!(
        pass3[15..],
        hex("67342BAA6815DA654EEFBB879B6A23DA0D2BB0404ABBB1A738631241A6B96516")[..]
    );
    // The meter's f(CtoS), computed from its side.
    let (client_title, server_title) = (SystemTitle::new(TITLE_01), SystemTitle::new(server));
    let meter_view = Exchange {
        own_title: &server_title,
        peer_title: &client_title,
        own_challenge: b"P6wRJ21F",
        peer_challenge: b"K56iVagY",
    };
    let f_ctos = secret.respond(&meter_view, 0).unwrap();
    let mut pass4 = bytes(&association::reply_to_hls_response(
        InvokeIdAndPriority(0xC1),
        Some(f_ctos.as_bytes()),
    ));
    assert!(matches!(
        client.handle_apdu(&mut pass4),
        Ok(Event::Associated(_))
    ));
}

// ---- GET, SET, ACTION ----------------------------------------------------------------------

#[test]
fn get_normal_and_its_errors() {
    let mut client = associated(500);
    // GET-01: u9n/dlms-cosem tests/test_xdlms/test_get.py::TestGetRequestNormal.
    let counter = AttributeDescriptor::new(1, ObisCode::new(0, 0, 43, 1, 0, 255), 2);
    let get = request(&mut client, |c, out| c.get(T0, counter, None, out));
    assert_eq!(get, hex("c001c1000100002b0100ff0200"));
    // GET-04: TestGetResponseNormal.
    let mut response = hex("c401c1000600001391");
    assert_eq!(
        client.handle_apdu(&mut response),
        Ok(Event::Value {
            attribute: counter,
            value: Data::DoubleLongUnsigned(5009)
        })
    );
    // GET-05: TestGetRequestNormalWithError (invoke id 2 here: each request takes the next).
    let get = request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    assert_eq!(get[2], 0xC2);
    let mut response = hex("c401c20101");
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::DataAccess {
            target: Target::Attribute(REGISTER),
            result: DataAccessResult::HARDWARE_FAULT
        })
    );
    assert!(!client.is_busy());
}

#[test]
fn get_with_selective_access_is_get_11() {
    // GET-11: u9n/dlms-cosem tests/test_xdlms/test_selective_access.py::test_parse_range_descriptor.
    let vector = hex(
        "c001c100070100630100ff0201010204020412000809060000010000ff0f02120000090c07e10a01070000\
         0000ffc480090c07e10a010701000000ffc4800100",
    );
    let Ok(GetRequest::Normal {
        attribute, access, ..
    }) = GetRequest::parse(&vector)
    else {
        panic!("GET-11 does not parse")
    };
    let mut client = associated(500);
    let get = request(&mut client, |c, out| c.get(T0, attribute, access, out));
    assert_eq!(get, vector);
}

#[test]
fn get_with_list_is_get_03_and_get_09() {
    let mut client = associated(500);
    let name = AttributeDescriptor::new(1, ObisCode::new(0, 0, 42, 0, 0, 255), 2);
    let list = [
        AttributeWithSelection {
            attribute: name,
            access: None,
        },
        AttributeWithSelection {
            attribute: CLOCK_TIME,
            access: None,
        },
    ];
    // GET-03: u9n/dlms-cosem tests/test_xdlms/test_get.py::TestGetRequestWithList.
    let get = request(&mut client, |c, out| c.get_with_list(T0, &list, out));
    assert_eq!(get, hex("c003c102000100002a0000ff020000080000010000ff0200"));
    // GET-09: TestGetResponseWithList::test_transform_bytes.
    let mut response =
        hex("c403c10200091049534b3130333037373737363433363600090c07e50603040e091700ffc400");
    let Ok(Event::Values { results }) = client.handle_apdu(&mut response) else {
        panic!("no values")
    };
    let results: Vec<_> = results.iter().collect();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0],
        GetDataResult::Data(Data::OctetString(b"ISK1030777764366"))
    );
}

#[test]
fn get_with_three_blocks_streamed_and_collected() {
    let mut client = associated(500);
    let profile = AttributeDescriptor::new(7, ObisCode::new(1, 0, 99, 1, 0, 255), 2);
    let get = request(&mut client, |c, out| c.get(T0, profile, None, out));
    assert_eq!(get[..3], [0xC0, 0x01, 0xC1]);
    // The value: an array of 3 double-long-unsigned, split in three blocks anywhere.
    let value = hex("0103 0600000001 0600000002 0600000003");
    let parts = [&value[..4], &value[4..11], &value[11..]];
    let mut buf = [0u8; 64];
    let mut collected = BlockCollector::new(&mut buf);
    for (i, part) in parts.iter().enumerate() {
        let number = i as u32 + 1;
        let last = number == 3;
        let mut response = bytes(&GetResponse::WithDataBlock {
            invoke: InvokeIdAndPriority(0xC1),
            last_block: last,
            block_number: number,
            result: BlockResult::RawData(part),
        });
        let event = client.handle_apdu(&mut response).unwrap();
        assert_eq!(
            event,
            Event::Block {
                target: Target::Attribute(profile),
                block_number: number,
                last,
                raw_data: part,
            }
        );
        let Event::Block { raw_data, .. } = event else {
            unreachable!()
        };
        collected.push(raw_data).unwrap();
        if !last {
            // Waiting for the caller: no timer runs.
            assert_eq!(client.poll_timeout(), None);
            let next = request(&mut client, |c, out| c.next_block(T0, out));
            // GET-02 for block 1 (u9n/dlms-cosem TestGetRequestNext).
            let mut expected = hex("c002c1");
            expected.extend_from_slice(&number.to_be_bytes());
            assert_eq!(next, expected);
        }
    }
    assert!(!client.is_busy());
    let Data::Array(items) = collected.value().unwrap() else {
        panic!("not an array")
    };
    assert_eq!(items.get(2), Some(Data::DoubleLongUnsigned(3)));
    assert!(matches!(
        client.next_block(T0, &mut [0u8; 16]),
        Err(ClientError::State { .. })
    ));
}

#[test]
fn get_block_out_of_sequence_or_aborted() {
    let mut client = associated(500);
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    let mut response = bytes(&GetResponse::WithDataBlock {
        invoke: InvokeIdAndPriority(0xC1),
        last_block: false,
        block_number: 2,
        result: BlockResult::RawData(&[0x06]),
    });
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::BlockNumber {
            target: Target::Attribute(REGISTER),
            expected: 1,
            found: 2
        })
    );
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    let mut response = bytes(&GetResponse::WithDataBlock {
        invoke: InvokeIdAndPriority(0xC2),
        last_block: true,
        block_number: 1,
        result: BlockResult::Error(DataAccessResult::LONG_GET_ABORTED),
    });
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::DataAccess {
            target: Target::Attribute(REGISTER),
            result: DataAccessResult::LONG_GET_ABORTED
        })
    );
}

#[test]
fn set_normal_is_set_01_and_set_02() {
    let mut client = associated(500);
    // SET-01: u9n/dlms-cosem tests/test_xdlms/test_set.py::TestSetRequestNormal.
    let vector = hex("c101c100080000010000ff0200090c07e50118ff0e303950ffc400");
    let value = &vector[13..];
    let set = request(&mut client, |c, out| {
        c.set(T0, CLOCK_TIME, None, value, out)
    });
    assert_eq!(set, vector);
    // SET-02: TestSetResponseNormal.
    let mut response = hex("c501c100");
    assert_eq!(
        client.handle_apdu(&mut response),
        Ok(Event::Set {
            attribute: CLOCK_TIME
        })
    );
    let set = request(&mut client, |c, out| {
        c.set(T0, CLOCK_TIME, None, value, out)
    });
    assert_eq!(set[2], 0xC2);
    let mut response = hex("c501c203");
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::DataAccess {
            target: Target::Attribute(CLOCK_TIME),
            result: DataAccessResult::READ_WRITE_DENIED
        })
    );
}

#[test]
fn set_larger_than_the_server_pdu_goes_in_blocks() {
    const MAX: u16 = 40;
    let mut client = associated(MAX);
    let mut value = vec![0x09, 100];
    value.extend((0..100u8).collect::<Vec<_>>());
    let first = request(&mut client, |c, out| {
        c.set(T0, CLOCK_TIME, None, &value, out)
    });
    assert!(first.len() <= usize::from(MAX));
    let Ok(SetRequest::WithFirstDataBlock { block, .. }) = SetRequest::parse(&first) else {
        panic!("not a first block")
    };
    assert_eq!((block.block_number, block.last_block), (1, false));
    let mut sent = block.raw_data.to_vec();
    let mut number = 1;
    loop {
        let last = sent.len() == value.len();
        let mut ack = if last {
            bytes(&SetResponse::LastDataBlock {
                invoke: InvokeIdAndPriority(0xC1),
                result: DataAccessResult::SUCCESS,
                block_number: number,
            })
        } else {
            bytes(&SetResponse::DataBlock {
                invoke: InvokeIdAndPriority(0xC1),
                block_number: number,
            })
        };
        let event = client.handle_apdu(&mut ack).unwrap();
        if last {
            assert_eq!(
                event,
                Event::Set {
                    attribute: CLOCK_TIME
                }
            );
            break;
        }
        assert_eq!(
            event,
            Event::SetBlockAccepted {
                attribute: CLOCK_TIME,
                block_number: number
            }
        );
        let next = request(&mut client, |c, out| c.next_set_block(T0, &value, out));
        assert!(next.len() <= usize::from(MAX));
        let Ok(SetRequest::WithDataBlock { block, .. }) = SetRequest::parse(&next) else {
            panic!("not a data block")
        };
        number += 1;
        assert_eq!(block.block_number, number);
        sent.extend_from_slice(block.raw_data);
        assert_eq!(block.last_block, sent.len() == value.len());
    }
    assert_eq!(sent, value);
    assert!(number >= 3);
    assert!(!client.is_busy());
}

#[test]
fn action_normal_with_and_without_data_and_failing() {
    let mut client = associated(500);
    // ACTION disconnect control 0-0:96.3.10.255 method 1 (integer 0; Gurux.DLMS.Python).
    let action = request(&mut client, |c, out| {
        c.action(T0, DISCONNECT, Some(Data::Integer(0)), out)
    });
    assert_eq!(
        action,
        hex("c301c100460000600 30aff01010f00".replace(' ', "").as_str())
    );
    let mut response = hex("c701c10000");
    assert_eq!(
        client.handle_apdu(&mut response),
        Ok(Event::Action {
            method: DISCONNECT,
            return_value: None
        })
    );
    request(&mut client, |c, out| c.action(T0, DISCONNECT, None, out));
    let mut response = hex("c701c2000100 0600000005".replace(' ', "").as_str());
    assert_eq!(
        client.handle_apdu(&mut response),
        Ok(Event::Action {
            method: DISCONNECT,
            return_value: Some(Data::DoubleLongUnsigned(5))
        })
    );
    request(&mut client, |c, out| c.action(T0, DISCONNECT, None, out));
    let mut response = hex("c701c30300");
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::Action {
            method: DISCONNECT,
            result: ActionResult::READ_WRITE_DENIED
        })
    );
    // ACT-05 (u9n/dlms-cosem test_action.py::TestActionResponseWithError): success, but the
    // return parameter is data-access-result other-reason.
    request(&mut client, |c, out| c.action(T0, DISCONNECT, None, out));
    let mut response = hex("c701c4000101fa");
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::DataAccess {
            target: Target::Method(DISCONNECT),
            result: DataAccessResult::OTHER_REASON
        })
    );
}

// ---- error kinds ---------------------------------------------------------------------------

#[test]
fn service_error_exception_mismatch_unsolicited_unexpected() {
    let mut client = associated(500);
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    // A response with another invoke id: an error, and the request still waits.
    let mut stale = hex("c401c50006 00001391".replace(' ', "").as_str());
    assert_eq!(
        client.handle_apdu(&mut stale),
        Err(ClientError::InvokeIdMismatch {
            target: Target::Attribute(REGISTER),
            expected: 1,
            found: 5
        })
    );
    assert!(client.is_busy());
    // ConfirmedServiceError (jDLMS ASN.1): write / access / scope-of-access-violated.
    let mut error = hex("0e060501");
    let Err(ClientError::ServiceError { target, error }) = client.handle_apdu(&mut error) else {
        panic!("no service error")
    };
    assert_eq!(target, Target::Attribute(REGISTER));
    assert_eq!(
        error,
        ConfirmedServiceError::parse(&[0x0E, 0x06, 0x05, 0x01]).unwrap()
    );
    assert!(!client.is_busy());

    // ExceptionResponse D8 01 02 (service-not-allowed, service-not-supported).
    request(&mut client, |c, out| c.action(T0, DISCONNECT, None, out));
    let mut exception = hex("d80102");
    assert_eq!(
        client.handle_apdu(&mut exception),
        Err(ClientError::Exception {
            target: Some(Target::Method(DISCONNECT)),
            exception: ExceptionResponse::parse(&[0xD8, 0x01, 0x02]).unwrap()
        })
    );
    // A response to no request.
    let mut response = hex("c401c3000600001391");
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::Unsolicited {
            apdu: "get-response"
        })
    );
    // A SET response to a GET.
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    let mut response = hex("c501c300");
    assert_eq!(
        client.handle_apdu(&mut response),
        Err(ClientError::UnexpectedApdu {
            target: Target::Attribute(REGISTER),
            expected: "get-response",
            found: "set-response"
        })
    );
    // A request while one waits.
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    assert_eq!(
        client.get(T0, REGISTER, None, &mut [0u8; 64]),
        Err(ClientError::State {
            what: "a request is in progress"
        })
    );
}

#[test]
fn request_timeout_names_the_request() {
    let mut client = associated(500);
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    let deadline = T0 + client.config().timeout;
    assert_eq!(client.poll_timeout(), Some(deadline));
    assert_eq!(
        client.handle_timeout(Instant::from_millis(deadline.millis() - 1)),
        Ok(())
    );
    assert_eq!(
        client.handle_timeout(deadline),
        Err(ClientError::Timeout {
            target: Target::Attribute(REGISTER)
        })
    );
    assert!(!client.is_busy());
    assert_eq!(client.state(), AssociationState::Associated);
    // The late response is then unsolicited.
    let mut late = hex("c401c1000600001391");
    assert!(matches!(
        client.handle_apdu(&mut late),
        Err(ClientError::Unsolicited { .. })
    ));
}

#[test]
fn services_not_negotiated_and_pdu_too_long_are_refused() {
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    aarq_of(&mut client);
    // Conformance get only (0x000010), server max PDU 20.
    let mut aare = plain_aare(initiate_response(0x00_0010, 20));
    client.handle_apdu(&mut aare).unwrap();
    assert_eq!(
        client.action(T0, DISCONNECT, None, &mut [0u8; 64]),
        Err(ClientError::NotNegotiated { service: "action" })
    );
    let sa = SelectiveAccess {
        selector: 2,
        parameters: Data::Integer(0),
    };
    assert!(matches!(
        client.get(T0, REGISTER, Some(sa), &mut [0u8; 64]),
        Err(ClientError::NotNegotiated { .. })
    ));
    let long = [AttributeWithSelection {
        attribute: REGISTER,
        access: None,
    }; 2];
    assert!(matches!(
        client.get_with_list(T0, &long, &mut [0u8; 64]),
        Err(ClientError::NotNegotiated { .. })
    ));
    assert!(!client.is_busy());
}

// ---- ciphering -----------------------------------------------------------------------------

#[test]
fn ciphered_get_round_trip_is_sec_01() {
    let mut c = config(Authentication::None);
    c.ciphering = Some(Ciphering::Global);
    c.invoke_id = 0;
    c.high_priority = false;
    c.confirmed = false;
    let mut client = Client::new(c, Some(context(TITLE_BC614E, 1))).unwrap();
    let aarq = aarq_of(&mut client);
    // Calling-AP-title and a glo-initiate-request (IC 1).
    assert_eq!(aarq[13..17], [0xA6, 0x0A, 0x04, 0x08]);
    let mut meter = context(TITLE_01, 0x20);
    meter.set_peer_title(Some(SystemTitle::new(TITLE_BC614E)));
    let mut aare = ciphered_aare(&mut meter, initiate_response(0x00_7E1F, 0x0400));
    assert!(matches!(
        client.handle_apdu(&mut aare),
        Ok(Event::Associated(_))
    ));

    // SEC-01: u9n/dlms-cosem tests/test_security.py::test_encrypt_authenticated — GET clock
    // 0-0:1.0.0.255 attribute 2, invoke byte 0x00, as glo-get-request with IC 0x01234567.
    set_tx(&mut client, 0x0123_4567);
    let mut get = request(&mut client, |c, out| c.get(T0, CLOCK_TIME, None, out));
    assert_eq!(
        get,
        hex("c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b")
    );
    assert_eq!(
        client.counters().unwrap().unicast.tx.next(),
        Some(0x0123_4568)
    );
    // The meter reads it and answers with a glo-get-response.
    let plain = meter.unprotect_apdu(&mut get).unwrap();
    assert_eq!(plain.plaintext[..4], [0xC0, 0x01, 0x00, 0x00]);
    let clock = hex("07e50118ff0e303950ffc400");
    let mut response = [0u8; 96];
    let n = GetResponse::Normal {
        invoke: InvokeIdAndPriority(0x00),
        result: GetDataResult::Data(Data::OctetString(&clock)),
    }
    .emit(&mut response)
    .unwrap();
    let control = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    let n = meter
        .protect_apdu(
            &EnvelopeKind::Service(Ciphering::Global),
            control,
            &mut response,
            n,
        )
        .unwrap();
    assert_eq!(response[0], 0xCC);
    let mut replay = response;
    assert_eq!(
        client.handle_apdu(&mut response[..n]),
        Ok(Event::Value {
            attribute: CLOCK_TIME,
            value: Data::OctetString(&clock)
        })
    );
    // The same ciphered response again is a replay.
    request(&mut client, |c, out| c.get(T0, CLOCK_TIME, None, out));
    assert!(matches!(
        client.handle_apdu(&mut replay[..n]),
        Err(ClientError::Apdu(Error::Replay { .. }))
    ));
    // A response in clear in a ciphered association is refused.
    let mut clear = hex("c401010006 00001391".replace(' ', "").as_str());
    assert_eq!(
        client.handle_apdu(&mut clear),
        Err(ClientError::NotProtected {
            apdu: "get-response"
        })
    );
}

// ---- release and pushes --------------------------------------------------------------------

#[test]
fn release_is_acse_12_and_acse_14() {
    let mut client = associated(500);
    // ACSE-12: u9n/dlms-cosem tests/test_asce/test_rlrq.py::test_simple.
    let rlrq = request(&mut client, |c, out| c.release(T0, out));
    assert_eq!(rlrq, hex("6203800100"));
    assert_eq!(client.state(), AssociationState::Releasing);
    // ACSE-14: test_rlre.py::test_simple.
    let mut rlre = hex("6303800100");
    assert_eq!(
        client.handle_apdu(&mut rlre),
        Ok(Event::Released {
            reason: Some(ReleaseResponseReason::NORMAL)
        })
    );
    assert_eq!(client.state(), AssociationState::Idle);
    assert_eq!(client.association(), None);
    assert!(matches!(
        client.get(T0, REGISTER, None, &mut [0u8; 64]),
        Err(ClientError::State { .. })
    ));
}

#[test]
fn pushes_are_events_also_when_carried_in_blocks() {
    // NOTIF-01: u9n/dlms-cosem tests/test_xdlms/test_data_notification.py.
    let notif01 =
        hex("0f000001db000922125a8591360000000049000000110000000a5a8513d014800000000d0000000a0100");
    let mut client = Client::new(config(Authentication::None), None).unwrap();
    let mut push = notif01.clone();
    let Ok(Event::DataNotification(n)) = client.handle_apdu(&mut push) else {
        panic!("no push")
    };
    assert_eq!(n.long_invoke_id.invoke_id(), 0x01DB);
    // NOTIF-02: reitermarkus/dlms-cosem-rs src/lib.rs tests::parse_apdu, pushed in GBT
    // blocks of 30 bytes (streaming, window 0) while a GET waits.
    let notif02 = hex(
        "0f000055390c07e0090804130d1900ffc4800207090c07e0090804130d190000008009060100010800\
         ff060000000002020f00161e09060100030800ff060000000002020f001620",
    );
    let mut client = associated(500);
    request(&mut client, |c, out| c.get(T0, REGISTER, None, out));
    let mut reassembler = GbtReassembler::new([0u8; 256]);
    let mut whole = [0u8; 256];
    let mut complete = None;
    for block in crate::gbt::blocks(&notif02, 30, true, 0).unwrap() {
        let mut wire = bytes(&block);
        assert!(matches!(
            client.handle_apdu(&mut wire),
            Err(ClientError::State { .. })
        ));
        if let Some(apdu) = reassemble_gbt(&mut reassembler, &wire, &mut whole).unwrap() {
            complete = Some(apdu.len());
        }
    }
    let n = complete.unwrap();
    assert_eq!(whole[..n], notif02[..]);
    let Ok(Event::DataNotification(n)) = client.handle_apdu(&mut whole[..n]) else {
        panic!("no push")
    };
    assert_eq!(n.long_invoke_id.invoke_id(), 0x5539);
    // The GET still waits for its response.
    assert!(client.is_busy());
}

#[test]
fn constructor_refuses_ciphering_without_a_context() {
    let mut c = config(Authentication::None);
    c.ciphering = Some(Ciphering::Global);
    assert!(matches!(
        Client::new(c, None),
        Err(ClientError::Apdu(Error::InvalidArgument { .. }))
    ));
    assert!(Client::new(config(Authentication::HlsGmac), None).is_err());
}

#[test]
fn set_response_item_kept_distinct_from_action_items() {
    // An ACTION-Response with a list is not what an ACTION normal expects.
    let mut client = associated(500);
    request(&mut client, |c, out| c.action(T0, DISCONNECT, None, out));
    let items = [ActionResponseItem {
        result: ActionResult::SUCCESS,
        return_parameters: None,
    }];
    let mut response = bytes(&ActionResponse::WithList {
        invoke: InvokeIdAndPriority(0xC1),
        responses: List::from_items(&items),
    });
    assert!(matches!(
        client.handle_apdu(&mut response),
        Err(ClientError::UnexpectedApdu { .. })
    ));
}

// ---- robustness ----------------------------------------------------------------------------

/// Clients in the states that read responses: idle, associating (plain and ciphered), HLS,
/// and associated with a GET waiting.
fn clients() -> Vec<Client<'static>> {
    let mut all = Vec::new();
    all.push(Client::new(config(Authentication::None), None).unwrap());
    let mut associating = Client::new(config(Authentication::None), None).unwrap();
    aarq_of(&mut associating);
    all.push(associating);
    let mut c = config(Authentication::None);
    c.ciphering = Some(Ciphering::Global);
    let mut ciphered = Client::new(c, Some(context(TITLE_BC614E, 1))).unwrap();
    aarq_of(&mut ciphered);
    all.push(ciphered);
    all.push(hls_gmac_client().0);
    let mut busy = associated(500);
    request(&mut busy, |c, out| c.get(T0, REGISTER, None, out));
    all.push(busy);
    all
}

proptest! {
    #[test]
    fn arbitrary_responses_never_panic(data in proptest::collection::vec(any::<u8>(), 0..160)) {
        for mut client in clients() {
            let mut buf = data.clone();
            let _ = client.handle_apdu(&mut buf);
            let _ = client.handle_timeout(T0);
        }
    }

    #[test]
    fn arbitrary_bytes_behind_a_response_tag_never_panic(
        tag in prop::sample::select(vec![0x61u8, 0x63, 0xC4, 0xC5, 0xC7, 0xCC, 0xCF, 0xD8, 0x0E, 0x0F, 0xDB]),
        data in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        for mut client in clients() {
            let mut buf = vec![tag];
            buf.extend_from_slice(&data);
            let _ = client.handle_apdu(&mut buf);
        }
    }
}
