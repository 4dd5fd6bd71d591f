//! Security over the association through the APDU types: the four HLS passes (AARQ, AARE,
//! ACTION `reply_to_HLS_authentication` and its response) against the public ACSE, ACTION and
//! HLS-GMAC vectors; the ExceptionResponse for a replayed counter; Security setup key transfer
//! both ways.

mod security_util;

use dlms::Error;
use dlms::apdu::{
    Aare, Aarq, AcseServiceUser, ActionRequest, ActionResponse, ApplicationContextName,
    AssociationResult, Conformance, ConformanceTag, InitiateRequest, InitiateResponse,
    InvokeIdAndPriority, MechanismName, ResultSourceDiagnostic, UserInformation,
};
use dlms::axdr::{Data, Encode};
use dlms::security::{
    Ciphering, Counters, EnvelopeKind, Key, KeyId, SecurityContext, SecurityControl, SecuritySuite,
    SendCounter, SystemTitle, check_password,
};
use dlms::session::association::{
    self, AarqAuthentication, exception_response, key_transfer_parameter, key_transfer_request,
};
use obis::ObisCode;
use security_util::{AK, EK, ST_OTHER, ST_SENDER, hex, key};

/// A context with the Green Book keys whose next sending counter is `next_ic`.
fn context(own: [u8; 8], peer: [u8; 8], next_ic: u32) -> SecurityContext {
    let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
    ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, key(EK))
        .unwrap();
    ctx.set_key(KeyId::AUTHENTICATION, key(AK)).unwrap();
    ctx.set_peer_title(Some(SystemTitle::new(peer)));
    let mut counters = Counters::default();
    counters.unicast.tx = SendCounter::starting_at(next_ic);
    ctx.set_counters(counters);
    ctx
}

fn ln() -> dlms::apdu::ObjectId<'static> {
    ApplicationContextName::LN_NO_CIPHERING.oid().unwrap()
}

// The Green Book HLS-GMAC example: client 4D4D4D0000000001 (ST_OTHER here), server
// 4D4D4D0000BC614E (ST_SENDER), CtoS "K56iVagY", StoC "P6wRJ21F".
// ACSE-03: u9n/dlms-cosem @c52e9d4 tests/test_asce/test_aarq.py::test_parse_no_ciphering_high_security
// (the AARQ of pass 1). The AARE of pass 2: the Green Book example via the u9n tests.
// SEC-04 / SEC-05: u9n test_security.py::test_gmac, jDLMS GmacTest.java, spodes-rs
// association_ln.rs::hls5_gmac_matches_blue_book_test_vector (f(StoC) with IC 1, f(CtoS) with IC
// 0x01234567). ACT-01 / ACT-04: u9n tests/test_xdlms/test_action.py (a pass-3 request and a
// pass-4 response).
const ACSE_03: &str = "6036a1090607608574050801018a0207808b0760857405080205ac0a80084b35366956616759be10040e01000000065f1f0400007e1f04b0";
const AARE_HLS5: &str = "6142a109060760857405080101a203020100a305a10302010e88020780890760857405080205aa0a8008503677524a323146be10040e0800065f1f040000501f01f40007";
const SEC_04: &str = "10000000011a52fe7dd3e72748973c1e28";
const SEC_05: &str = "1001234567fe1466afb3dbcd4f9389e2b7";
const ACT_01: &str = "c301c0000f0000280000ff010109111000001a90e6d2221fa2fd85eed61acc22";
const ACT_04: &str = "c701c000010009111000001afde8857b728a3499106aa665d1";

#[test]
fn hls_gmac_four_passes_through_the_apdus() {
    let mut client = context(ST_OTHER, ST_SENDER, 1);
    let mut meter = context(ST_SENDER, ST_OTHER, 0x0123_4567);
    let (ctos, stoc) = (b"K56iVagY", b"P6wRJ21F");
    let invoke = InvokeIdAndPriority(0xC1);

    // Pass 1: the client's AARQ is ACSE-03.
    let init = InitiateRequest::new(Conformance(0x7E1F), 0x04B0);
    let aarq = association::authenticate_aarq(
        Aarq::new(ln(), Some(UserInformation::InitiateRequest(init))),
        MechanismName::HLS_GMAC,
        ctos,
        None,
    );
    let aarq = aarq.to_vec().unwrap();
    assert_eq!(aarq, hex(ACSE_03));

    // Pass 2: the meter reads it and answers with StoC; the AARE is the Green Book example.
    let got = association::aarq_authentication(&Aarq::parse(&aarq).unwrap()).unwrap();
    assert_eq!(
        got,
        AarqAuthentication {
            mechanism: MechanismName::HLS_GMAC,
            value: ctos,
            calling_title: None
        }
    );
    let response = InitiateResponse {
        negotiated_quality_of_service: None,
        negotiated_dlms_version_number: 6,
        negotiated_conformance: Conformance(0x501F),
        conformance_tag: ConformanceTag::Standard,
        server_max_receive_pdu_size: 500,
        vaa_name: 7,
    };
    let aare = association::authenticate_aare(
        Aare::new(
            ln(),
            AssociationResult::ACCEPTED,
            ResultSourceDiagnostic::User(AcseServiceUser::NULL),
            Some(UserInformation::InitiateResponse(response)),
        ),
        MechanismName::HLS_GMAC,
        stoc,
        None,
    )
    .to_vec()
    .unwrap();
    assert_eq!(aare, hex(AARE_HLS5));

    // Pass 3: the client answers StoC (SEC-04) in the ACTION request.
    let got = association::aare_authentication(&Aare::parse(&aare).unwrap()).unwrap();
    assert_eq!(got.value, stoc);
    let f_stoc = client.hls_gmac_respond(ctos, got.value).unwrap();
    assert_eq!(f_stoc.as_bytes(), &hex(SEC_04)[..]);
    let request = association::reply_to_hls_request(invoke, f_stoc.as_bytes())
        .to_vec()
        .unwrap();
    assert_eq!(
        request,
        hex(&format!("c301c1000f0000280000ff01010911{SEC_04}"))
    );

    // Pass 4: the meter checks it and answers CtoS (SEC-05).
    let parsed = ActionRequest::parse(&request).unwrap();
    let f_stoc = association::reply_to_hls_of(&parsed).unwrap();
    meter.hls_gmac_verify(stoc, ctos, f_stoc).unwrap();
    let f_ctos = meter.hls_gmac_respond(stoc, ctos).unwrap();
    assert_eq!(f_ctos.as_bytes(), &hex(SEC_05)[..]);
    let response = association::reply_to_hls_response(invoke, Some(f_ctos.as_bytes()))
        .to_vec()
        .unwrap();
    assert_eq!(response, hex(&format!("c701c100010009 11{SEC_05}")));

    // The client checks f(CtoS).
    let parsed = ActionResponse::parse(&response).unwrap();
    let f_ctos = association::hls_reply_of(&parsed).unwrap();
    client.hls_gmac_verify(ctos, stoc, f_ctos).unwrap();

    // A replayed pass 3 is refused with its own error and answered `D8 01 06 <expected IC>`.
    let replay = meter.hls_gmac_verify(stoc, ctos, &hex(SEC_04)).unwrap_err();
    assert_eq!(
        replay,
        Error::Replay {
            counter: 1,
            last: 1
        }
    );
    assert_eq!(
        exception_response(&replay).unwrap().to_vec().unwrap(),
        hex("d80106 00000002")
    );
    // A wrong f(StoC) fails; the meter refuses and the client sees the failure.
    let mut wrong = hex(SEC_04);
    wrong[1..5].copy_from_slice(&[0, 0, 0, 9]);
    assert_eq!(
        meter.hls_gmac_verify(stoc, ctos, &wrong),
        Err(Error::AuthenticationFailed)
    );
    let refusal = association::reply_to_hls_response(invoke, None)
        .to_vec()
        .unwrap();
    assert_eq!(refusal, hex("c701c1fa00"));
    assert_eq!(
        association::hls_reply_of(&ActionResponse::parse(&refusal).unwrap()),
        Err(Error::AuthenticationFailed)
    );
}

#[test]
fn hls_action_apdus_match_the_public_action_vectors() {
    // ACT-01 and ACT-04 carry other f() values (u9n's own example): our builders give their
    // bytes back, and the readers find the responses in them.
    let act01 = hex(ACT_01);
    let request = ActionRequest::parse(&act01).unwrap();
    let f = association::reply_to_hls_of(&request).unwrap();
    assert_eq!(f, &act01[act01.len() - 17..]);
    assert_eq!(
        association::reply_to_hls_request(InvokeIdAndPriority(0xC0), f)
            .to_vec()
            .unwrap(),
        act01
    );
    let act04 = hex(ACT_04);
    let response = ActionResponse::parse(&act04).unwrap();
    let f = association::hls_reply_of(&response).unwrap();
    assert_eq!(
        association::reply_to_hls_response(InvokeIdAndPriority(0xC0), Some(f))
            .to_vec()
            .unwrap(),
        act04
    );
    // Another method, or no octet-string, is not a pass-3 request (ACT-02: no parameters).
    let act02 = hex("c301c0000f0000280000ff0100");
    assert_eq!(
        association::reply_to_hls_of(&ActionRequest::parse(&act02).unwrap()),
        None
    );
    // ACT-05 (u9n test_action.py TestActionResponseWithError): not a success with data.
    let act05 = hex("c701c0000101fa");
    assert_eq!(
        association::hls_reply_of(&ActionResponse::parse(&act05).unwrap()),
        Err(Error::AuthenticationFailed)
    );
}

#[test]
fn lls_and_sha256_over_the_acse_apdus() {
    // ACSE-02 (u9n test_aarq.py::test_parse_no_ciphering_low_security): LLS "12345678".
    let init = InitiateRequest::new(Conformance(0x7E1F), 0x04B0);
    let aarq = association::authenticate_aarq(
        Aarq::new(ln(), Some(UserInformation::InitiateRequest(init))),
        MechanismName::LOW_LEVEL_SECURITY,
        b"12345678",
        None,
    )
    .to_vec()
    .unwrap();
    assert_eq!(
        aarq,
        hex(
            "6036a1090607608574050801018a0207808b0760857405080201ac0a80083132333435363738be10040e01000000065f1f0400007e1f04b0"
        )
    );
    let got = association::aarq_authentication(&Aarq::parse(&aarq).unwrap()).unwrap();
    assert_eq!(got.mechanism, MechanismName::LOW_LEVEL_SECURITY);
    assert_eq!(check_password(b"12345678", got.value), Ok(()));
    assert_eq!(
        check_password(b"87654321", got.value),
        Err(Error::AuthenticationFailed)
    );
    // An HLS AARQ with a 7-byte challenge, or a title of 5 bytes, is refused.
    let short = association::authenticate_aarq(
        Aarq::new(ln(), None),
        MechanismName::HLS_SHA256,
        b"1234567",
        None,
    );
    assert_eq!(
        association::aarq_authentication(&short),
        Err(Error::ChallengeLength { len: 7 })
    );
    let titled = Aarq {
        calling_ap_title: Some(dlms::apdu::Tlv::octet_string(&[1, 2, 3, 4, 5])),
        ..Aarq::new(ln(), None)
    };
    assert_eq!(
        association::aarq_authentication(&titled),
        Err(Error::SystemTitleLength { len: 5 })
    );
    // A rejected AARE is reported with its result and diagnostic, not as a wrong password.
    let rejected = Aare::new(
        ln(),
        AssociationResult::REJECTED_PERMANENT,
        ResultSourceDiagnostic::User(AcseServiceUser::AUTHENTICATION_FAILURE),
        None,
    );
    assert_eq!(
        association::aare_authentication(&rejected),
        Err(Error::AssociationRejected {
            result: 1,
            diagnostic: 13,
            by_provider: false
        })
    );
    let context = Aare::new(
        ln(),
        AssociationResult::REJECTED_PERMANENT,
        ResultSourceDiagnostic::User(AcseServiceUser::APPLICATION_CONTEXT_NAME_NOT_SUPPORTED),
        None,
    );
    let e = association::aare_authentication(&context).unwrap_err();
    assert_eq!(
        e.to_string(),
        "association rejected (result 1, acse-service-user diagnostic 2)"
    );
    // The calling-AP-title is carried when given.
    let titled = association::authenticate_aarq(
        Aarq::new(ln(), None),
        MechanismName::HLS_SHA256,
        b"K56iVagY",
        Some(&ST_OTHER),
    );
    assert_eq!(
        association::aarq_authentication(&titled)
            .unwrap()
            .calling_title,
        Some(SystemTitle::new(ST_OTHER))
    );
}

/// Unprotects a fresh glo-get-request protected with `ek` by a client at counter `ic`.
fn decrypts_with(meter: &mut SecurityContext, ek: &Key, ic: u32) -> bool {
    let mut client = context(ST_OTHER, ST_SENDER, ic);
    client
        .set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, ek.clone())
        .unwrap();
    let mut buf = [0u8; 64];
    let get = hex("c0010000080000010000ff0200");
    buf[..13].copy_from_slice(&get);
    let n = client
        .protect_apdu(
            &EnvelopeKind::Service(Ciphering::Global),
            SecurityControl::from_byte(0x30),
            &mut buf,
            13,
        )
        .unwrap();
    meter.unprotect_apdu(&mut buf[..n]).is_ok()
}

#[test]
fn key_transfer_both_ways() {
    // RFC 3394 4.1: key 00112233..FF wrapped with KEK 000102..0F is 1FA68B0A..CFE5.
    let kek = key(EK);
    let new_ek = key("00112233445566778899aabbccddeeff");
    let new_ak = Key::aes128([0x42; 16]);
    let mut param = [0u8; 128];
    let n = key_transfer_parameter(
        &kek,
        &[
            (KeyId::GLOBAL_UNICAST_ENCRYPTION, &new_ek),
            (KeyId::AUTHENTICATION, &new_ak),
        ],
        &mut param,
    )
    .unwrap();
    assert_eq!(
        param[..32],
        hex("0102 020216000918 1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5")[..]
    );
    let data = Data::parse(&param[..n]).unwrap();
    // Client side: the ACTION on Security setup 0-0:43.0.0.255 method 2.
    let setup = ObisCode::new(0, 0, 43, 0, 0, 255);
    let request = key_transfer_request(InvokeIdAndPriority(0xC1), setup, data)
        .to_vec()
        .unwrap();
    assert_eq!(request[..14], hex("c301c100400000 2b0000ff 02 01 01")[..]);

    // Meter side: parse the request and apply it.
    let mut meter = context(ST_SENDER, ST_OTHER, 0);
    meter.set_key(KeyId::MASTER, kek.clone()).unwrap();
    let ActionRequest::Normal {
        parameters: Some(parameter),
        method,
        ..
    } = ActionRequest::parse(&request).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (method.class_id, method.method_id),
        (association::SECURITY_SETUP_CLASS, association::KEY_TRANSFER)
    );
    assert!(decrypts_with(&mut meter, &key(EK), 10));
    assert_eq!(
        association::apply_key_transfer(&mut meter, &parameter),
        Ok(2)
    );
    assert!(!decrypts_with(&mut meter, &key(EK), 11), "old key gone");
    meter.set_key(KeyId::AUTHENTICATION, key(AK)).unwrap();
    assert!(decrypts_with(&mut meter, &new_ek, 12), "new key in use");

    // All or nothing: a bad second entry leaves the first key alone.
    let mut meter = context(ST_SENDER, ST_OTHER, 0);
    meter.set_key(KeyId::MASTER, kek.clone()).unwrap();
    let mut bad = param;
    bad[n - 1] ^= 1;
    let bad = Data::parse(&bad[..n]).unwrap();
    assert_eq!(
        association::apply_key_transfer(&mut meter, &bad),
        Err(Error::KeyUnwrap)
    );
    assert!(decrypts_with(&mut meter, &key(EK), 20), "unchanged");
    // No master key; a malformed parameter; an unknown key id.
    let mut no_master = context(ST_SENDER, ST_OTHER, 0);
    assert_eq!(
        association::apply_key_transfer(&mut no_master, &Data::parse(&param[..n]).unwrap()),
        Err(Error::MissingKey { key: "master key" })
    );
    assert_eq!(
        association::apply_key_transfer(&mut meter, &Data::Unsigned(1)),
        Err(Error::InvalidValue {
            field: "key_transfer",
            offset: 0
        })
    );
    let mut unknown = [0u8; 64];
    let m = key_transfer_parameter(&kek, &[(KeyId(7), &new_ek)], &mut unknown).unwrap();
    assert!(matches!(
        association::apply_key_transfer(&mut meter, &Data::parse(&unknown[..m]).unwrap()),
        Err(Error::InvalidArgument { .. })
    ));
    // Too small an output buffer.
    assert!(matches!(
        key_transfer_parameter(&kek, &[(KeyId::MASTER, &new_ek)], &mut [0u8; 20]),
        Err(Error::BufferTooSmall { .. })
    ));
}
