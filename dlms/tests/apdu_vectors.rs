//! The public `apdu` vectors of ../shared/vectors/dlms/public.json, copied here with their
//! sources: each decodes and re-encodes to identical bytes; the field checks below compare the
//! decoded values with the vectors' `expect` objects.
//!
//! (The shared file holds no `axdr`-kind records; the A-XDR trees inside these APDUs are
//! checked here, and every `expect` object is compared field by field with the JSON rendering
//! in `cli/src/apdu_view.rs`.)

use dlms::apdu::*;
use dlms::axdr::{Data, DateTime, DeviationConvention, Encode};
use dlms::security::{SecurityControl, SecuritySuite, SystemTitle};
use obis::ObisCode;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// (id, hex) of every public `apdu` vector.
const VECTORS: &[(&str, &str)] = &[
    // ACSE-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aarq.py::test_parse_no_ciphering_no_sercurity ("Green Book v10 p.444") [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-01",
        "601da109060760857405080101be10040e01000000065f1f0400007e1f04b0",
    ),
    // ACSE-02: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aarq.py::test_parse_no_ciphering_low_security [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-02",
        concat!(
            "6036a1090607608574050801018a0207808b0760857405080201ac0a80083132333435363738be10040e0100",
            "0000065f1f0400007e1f04b0",
        ),
    ),
    // ACSE-03: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aarq.py::test_parse_no_ciphering_high_security [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-03",
        concat!(
            "6036a1090607608574050801018a0207808b0760857405080205ac0a80084b35366956616759be10040e0100",
            "0000065f1f0400007e1f04b0",
        ),
    ),
    // ACSE-04: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aarq.py::test_parse_ciphered_low_security2 (Green Book ciphered example) [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-04",
        concat!(
            "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a80083132",
            "333435363738be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd5",
            "2211be6841db204d39ee6fdb8e356855",
        ),
    ),
    // ACSE-05: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aarq.py::test_hls [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-05",
        concat!(
            "6036a1090607608574050801018a0207808b0760857405080202ac0a80083132333435363738be10040e0100",
            "0000065f1f0400007e1fffff",
        ),
    ),
    // ACSE-06: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aare.py::TestDecodeAARE::test_no_ciphering_no_security_ok_association [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-06",
        "6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000501f01f40007",
    ),
    // ACSE-07: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_aare.py::test_no_ciphering_no_security_app_context_name_wrong [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-07",
        "6129a109060760857405080101a203020101a305a103020102be10040e0800065f1f040000501f01f40007",
    ),
    // ACSE-10: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-APDU-AARQ.cpp FINAL
    (
        "ACSE-10",
        concat!(
            "6036a1090607608574050801018a0207808b0760857405080201ac0a80083333333333333333be10040e0100",
            "0000065f1f0400007e1f0000",
        ),
    ),
    // ACSE-11: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-APDU-AARE.cpp FINAL
    (
        "ACSE-11",
        "6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000381f009b0007",
    ),
    // ACSE-12: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_rlrq.py::test_simple [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("ACSE-12", "6203800100"),
    // ACSE-13: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_rlrq.py::test_with_ciphered_initiate_request [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACSE-13",
        concat!(
            "6239800100be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd522",
            "11be6841db204d39ee6fdb8e356855",
        ),
    ),
    // ACSE-14: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_asce/test_rlre.py::test_simple [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("ACSE-14", "6303800100"),
    // INIT-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_initiate.py::TestInitiateRequest::test_decode_with_dedicated_key [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "INIT-01",
        "01011000112233445566778899aabbccddeeff0000065f1f0400007e1f04b0",
    ),
    // INIT-02: gvtret/spodes-rs v0.7.1 (GPL-3) src/service/initiate.rs tests (Green Book 11.2)
    ("INIT-02", "0800065f1f0400007e1f01f40007"),
    // INIT-03: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-APDU-xDLMS.cpp IRQ2Expected / IRE2Expected
    ("INIT-03", "01000000065f1f0400000019002a"),
    // GET-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetRequestNormal [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("GET-01", "c001c1000100002b0100ff0200"),
    // GET-02: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetRequestNext [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("GET-02", "c002c100000001"),
    // GET-03: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetRequestWithList
    ("GET-03", "c003c102000100002a0000ff020000080000010000ff0200"),
    // GET-04: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetResponseNormal [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("GET-04", "c401c1000600001391"),
    // GET-05: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetRequestNormalWithError [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("GET-05", "c401c10101"),
    // GET-06: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetResponseWithBlock::test_transform_bytes [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "GET-06",
        concat!(
            "c402c100000000010082049e018205a00204090c07e30c130402000000ffc400110606000005ed0600000654",
            "020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed06000006",
            "54020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed060000",
            "0654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed0600",
            "000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed06",
            "00000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed",
            "0600000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005",
            "ed0600000654020400110606000005ed0600000654020400110606000005ed06000006540204001106060000",
            "05ed0600000654020400110606000005ed0600000654020400110606000005ed060000065402040011060600",
            "0005ed0600000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606",
            "000005ed0600000654020400110606000005ed0600000654020400110606000005ed06000006540204001106",
            "06000005ed0600000654020400110606000005ed0600000654020400110606000005ed060000065402040011",
            "0606000005ed0600000654020400110606000005ed0600000654020400110606000005ed0600000654020400",
            "110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed06000006540204",
            "00110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed060000065402",
            "0400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed0600000654",
            "020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed06000006",
            "54020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed060000",
            "0654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed0600",
            "000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed06",
            "00000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005ed",
            "0600000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606000005",
            "ed0600000654020400110606000005ed0600000654020400110606000005ed06000006540204001106060000",
            "05ed0600000654020400110606000005ed0600000654020400110606000005ed060000065402040011060600",
            "0005ed0600000654020400110606000005ed0600000654020400110606000005ed0600000654020400110606",
            "000005ed0600000654020400110606000005ed0600000654020400110606000005ed06000006540204001106",
            "06000005ed0600000654020400110606000005ed0600000654020400110606000005ed060000065402040011",
            "0606000005ed",
        ),
    ),
    // GET-09: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_get.py::TestGetResponseWithList::test_transform_bytes
    (
        "GET-09",
        "c403c10200091049534b3130333037373737363433363600090c07e50603040e091700ffc400",
    ),
    // GET-11: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_selective_access.py::test_parse_range_descriptor [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "GET-11",
        concat!(
            "c001c100070100630100ff0201010204020412000809060000010000ff0f02120000090c07e10a0107000000",
            "00ffc480090c07e10a010701000000ffc4800100",
        ),
    ),
    // SET-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_set.py::TestSetRequestNormal [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "SET-01",
        "c101c100080000010000ff0200090c07e50118ff0e303950ffc400",
    ),
    // SET-02: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_set.py::TestSetResponseNormal [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("SET-02", "c501c100"),
    // ACT-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_action.py::TestActionRequestNormal::test_transform_bytes [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACT-01",
        "c301c0000f0000280000ff010109111000001a90e6d2221fa2fd85eed61acc22",
    ),
    // ACT-02: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_action.py::test_transform_bytes_without_data [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("ACT-02", "c301c0000f0000280000ff0100"),
    // ACT-03: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_action.py::TestActionResponseNormal [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("ACT-03", "c701c00000"),
    // ACT-04: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_action.py::TestActionResponseNormalWithData [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "ACT-04",
        "c701c000010009111000001afde8857b728a3499106aa665d1",
    ),
    // ACT-05: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_action.py::TestActionResponseWithError [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    ("ACT-05", "c701c0000101fa"),
    // NOTIF-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_data_notification.py [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "NOTIF-01",
        "0f000001db000922125a8591360000000049000000110000000a5a8513d014800000000d0000000a0100",
    ),
    // NOTIF-02: reitermarkus/dlms-cosem-rs = crate dlms_cosem 0.2.0 (MIT/Apache) src/lib.rs tests::parse_apdu
    (
        "NOTIF-02",
        concat!(
            "0f000055390c07e0090804130d1900ffc4800207090c07e0090804130d190000008009060100010800ff0600",
            "00000002020f00161e09060100030800ff060000000002020f001620",
        ),
    ),
];

/// APDUs carried by the other public records: the `apdu_hex` of HDLC and wrapper frames and
/// the ciphered APDUs of the `cipher` records (id, hex).
const EMBEDDED: &[(&str, &str)] = &[
    // HDLC-06: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestInformationFrame::test_construct [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "HDLC-06",
        "601da109060760857405080101be10040e01000000065f1f0400001e1dffff",
    ),
    // HDLC-07: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestInformationResponseFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "HDLC-07",
        "6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007",
    ),
    // WRAP-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_udp_message.py::test_udp_message_from_bytes (data_examples_encrypted_data_nofication[0]) [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "WRAP-01",
        concat!(
            "db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e959",
            "3f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400",
        ),
    ),
    // WRAP-02: openmuc jDLMS (fork xdom/jdlms, GPL-3) src/test/.../internal/sessionlayer/client/WrapperHeaderTest.java::decode1
    (
        "WRAP-02",
        "602080020780a109060760857405080102be0f040d01000000065f0400181a200000",
    ),
    // SEC-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_security.py::test_encrypt_authenticated / test_decrypt_authenticated; openmuc jDLMS (fork xdom/jdlms, GPL-3) CipheringTest.java::test_authenticated_and_enrcypted_apdu (Green Book)
    (
        "SEC-01",
        "c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b",
    ),
    // SEC-01b: openmuc jDLMS (fork xdom/jdlms, GPL-3) CipheringTest.java::test_enrcypted_apdu (encryption only)
    ("SEC-01b", "c8122001234567411312ff935a47566827c467bc"),
    // SEC-02: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_xdlms/test_initiate.py::TestGlobalCipherInitiateRequest; openmuc jDLMS (fork xdom/jdlms, GPL-3) CipheringTest.java::testCipheringExampleFromStandard (Green Book) [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "SEC-02",
        concat!(
            "21303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211be6841db204d39ee",
            "6fdb8e356855",
        ),
    ),
    // SEC-03: gvtret/spodes-rs v0.7.1 (GPL-3) src/service/ciphering.rs::protect_matches_blue_book_e5_vector (IEC 62056-5-3 Annex E.5); also embedded in u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) test_rlre.py
    (
        "SEC-03",
        "281f3001234567891214a0845e475714383f65bc19745ca235906525e4f3e1c893",
    ),
];

fn vector(id: &str) -> Vec<u8> {
    let (_, h) = VECTORS
        .iter()
        .chain(EMBEDDED)
        .find(|(i, _)| *i == id)
        .unwrap();
    hex(h)
}

#[test]
fn every_vector_decodes_and_re_encodes_to_identical_bytes() {
    for (id, h) in VECTORS.iter().chain(EMBEDDED) {
        let bytes = hex(h);
        let apdu = Apdu::parse(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(apdu.buffer_len(), bytes.len(), "{id}");
        let mut out = vec![0xA5; bytes.len()];
        assert_eq!(apdu.emit(&mut out).unwrap(), bytes.len(), "{id}");
        assert_eq!(out, bytes, "{id}");
        // Every proper prefix fails cleanly (never panics, never succeeds by accident), except
        // where a shorter APDU is itself valid.
        for cut in 0..bytes.len() {
            if let Ok(short) = Apdu::parse(&bytes[..cut]) {
                assert_eq!(short.to_vec().unwrap(), &bytes[..cut], "{id} cut {cut}");
            }
        }
    }
}

fn initiate_request(u: Option<UserInformation<'_>>) -> InitiateRequest<'_> {
    match u {
        Some(UserInformation::InitiateRequest(i)) => i,
        other => panic!("{other:?}"),
    }
}

const FLAGS_7E1F: &[&str] = &[
    "priority-mgmt-supported",
    "attribute0-supported-with-get",
    "block-transfer-with-get-or-read",
    "block-transfer-with-set-or-write",
    "block-transfer-with-action",
    "multiple-references",
    "get",
    "set",
    "selective-access",
    "event-notification",
    "action",
];

#[test]
fn aarq_no_security() {
    let bytes = vector("ACSE-01");
    let aarq = Aarq::parse(&bytes).unwrap();
    assert_eq!(
        aarq.application_context_name.to_string(),
        "2.16.756.5.8.1.1"
    );
    assert_eq!(
        aarq.application_context_name.application_context(),
        Some(ApplicationContextName::LN_NO_CIPHERING)
    );
    assert_eq!(
        ApplicationContextName::LN_NO_CIPHERING.name(),
        Some("logical-name-referencing-no-ciphering")
    );
    assert_eq!(aarq.mechanism_name, None);
    let init = initiate_request(aarq.user_information);
    assert_eq!(init.dedicated_key, None);
    assert!(init.response_allowed());
    assert_eq!(init.proposed_quality_of_service, None);
    assert_eq!(init.proposed_dlms_version_number, 6);
    assert_eq!(init.proposed_conformance, Conformance(0x007E1F));
    assert_eq!(
        init.proposed_conformance.names().collect::<Vec<_>>(),
        FLAGS_7E1F
    );
    assert_eq!(init.client_max_receive_pdu_size, 1200);
}

#[test]
fn aarq_lls_and_hls() {
    for (id, mech, name, secret) in [
        ("ACSE-02", 1, "low-level-security", &b"12345678"[..]),
        ("ACSE-03", 5, "high-level-security-gmac", b"K56iVagY"),
        ("ACSE-05", 2, "high-level-security-2", b"12345678"),
        ("ACSE-10", 1, "low-level-security", b"33333333"),
    ] {
        let bytes = vector(id);
        let aarq = Aarq::parse(&bytes).unwrap();
        let req = aarq.sender_acse_requirements.unwrap();
        assert_eq!((req.len(), req.bit(0)), (1, true), "{id}");
        let m = aarq.mechanism_name.unwrap();
        assert_eq!(m.to_string(), format!("2.16.756.5.8.2.{mech}"), "{id}");
        assert_eq!(
            m.mechanism().and_then(MechanismName::name),
            Some(name),
            "{id}"
        );
        let auth = aarq.calling_authentication_value.unwrap();
        assert_eq!(
            (auth.choice_name(), auth.value),
            ("charstring", secret),
            "{id}"
        );
    }
    // ACSE-05 proposes max PDU 0xFFFF, ACSE-10 0x0000 (EPRI: read as "no limit").
    assert_eq!(
        initiate_request(Aarq::parse(&vector("ACSE-05")).unwrap().user_information)
            .client_max_receive_pdu_size,
        0xFFFF
    );
    assert_eq!(
        initiate_request(Aarq::parse(&vector("ACSE-10")).unwrap().user_information)
            .client_max_receive_pdu_size,
        0
    );
}

#[test]
fn aarq_ciphered_user_information() {
    let bytes = vector("ACSE-04");
    let aarq = Aarq::parse(&bytes).unwrap();
    assert_eq!(
        aarq.application_context_name.application_context(),
        Some(ApplicationContextName::LN_WITH_CIPHERING)
    );
    let title = aarq.calling_ap_title.unwrap();
    assert_eq!(
        (title.tag, title.value),
        (0x04, &hex("4d4d4d0000bc614e")[..])
    );
    let Some(UserInformation::Ciphered(c)) = aarq.user_information else {
        panic!()
    };
    assert_eq!(c.tag, 0x21);
    assert_eq!(ciphered_name(c.tag), "glo-initiate-request");
    assert_eq!(c.plain_tag(), Some(InitiateRequest::TAG));
    assert_eq!(c.content.security_control, SecurityControl::from_byte(0x30));
    assert_eq!(c.content.security_control.suite(), SecuritySuite::SUITE_0);
    assert!(
        c.content.security_control.is_authenticated() && c.content.security_control.is_encrypted()
    );
    assert_eq!(c.content.invocation_counter, 19_088_743);
    assert_eq!(
        c.content.information,
        &hex("801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211be68")[..]
    );
    assert_eq!(
        c.content.auth_tag.map(|t| &t[..]),
        Some(&hex("41db204d39ee6fdb8e356855")[..])
    );
    assert_eq!(c.content.len(), 48);
    let st: [u8; 8] = title.value.try_into().unwrap();
    assert_eq!(
        c.content.iv(&SystemTitle::new(st)).to_vec(),
        hex("4d4d4d0000bc614e01234567")
    );
    // RLRQ with the same ciphered InitiateRequest (ACSE-13).
    let rlrq_bytes = vector("ACSE-13");
    let rlrq = Rlrq::parse(&rlrq_bytes).unwrap();
    assert_eq!(rlrq.reason, Some(ReleaseRequestReason::NORMAL));
    assert_eq!(rlrq.user_information, aarq.user_information);
}

#[test]
fn aare_accepted_and_rejected() {
    for (id, result, diag, conformance, pdu) in [
        ("ACSE-06", 0, 0, 0x00501F, 500),
        ("ACSE-07", 1, 2, 0x00501F, 500),
        ("ACSE-11", 0, 0, 0x00381F, 155),
        ("HDLC-07", 0, 0, 0x001E1D, 1224),
    ] {
        let bytes = vector(id);
        let aare = Aare::parse(&bytes).unwrap();
        assert_eq!(aare.result, AssociationResult(result), "{id}");
        assert_eq!(
            aare.result_source_diagnostic,
            ResultSourceDiagnostic::User(AcseServiceUser(diag)),
            "{id}"
        );
        let Some(UserInformation::InitiateResponse(r)) = aare.user_information else {
            panic!("{id}")
        };
        assert_eq!(r.negotiated_quality_of_service, None);
        assert_eq!(r.negotiated_dlms_version_number, 6);
        assert_eq!(r.negotiated_conformance, Conformance(conformance), "{id}");
        assert_eq!(r.server_max_receive_pdu_size, pdu, "{id}");
        assert_eq!(r.vaa_name, 7);
    }
    assert_eq!(AssociationResult(1).name(), Some("rejected-permanent"));
    assert_eq!(
        AcseServiceUser(2).name(),
        Some("application-context-name-not-supported")
    );
}

#[test]
fn release_requests_and_responses() {
    assert_eq!(
        Rlrq::parse(&vector("ACSE-12")).unwrap(),
        Rlrq {
            reason: Some(ReleaseRequestReason::NORMAL),
            user_information: None
        }
    );
    assert_eq!(
        Rlre::parse(&vector("ACSE-14")).unwrap(),
        Rlre {
            reason: Some(ReleaseResponseReason::NORMAL),
            user_information: None
        }
    );
    // The empty RLRQ `62 00` (epri-dev/DLMS-COSEM tests) is valid; u9n/dlms-cosem crashes on it.
    let empty = Rlrq::parse(&[0x62, 0x00]).unwrap();
    assert_eq!(
        empty,
        Rlrq {
            reason: None,
            user_information: None
        }
    );
    assert_eq!(empty.to_vec().unwrap(), [0x62, 0x00]);
}

#[test]
fn short_name_aarq_with_protocol_version_and_short_conformance_tag() {
    let bytes = vector("WRAP-02");
    let aarq = Aarq::parse(&bytes).unwrap();
    let pv = aarq.protocol_version.unwrap();
    assert_eq!((pv.len(), pv.bit(0)), (1, true));
    assert_eq!(
        aarq.application_context_name.application_context(),
        Some(ApplicationContextName::SN_NO_CIPHERING)
    );
    let init = initiate_request(aarq.user_information);
    assert_eq!(init.conformance_tag, ConformanceTag::Short);
    assert_eq!(init.proposed_conformance, Conformance(0x181A20));
    assert_eq!(
        init.proposed_conformance.names().collect::<Vec<_>>(),
        [
            "read",
            "write",
            "block-transfer-with-get-or-read",
            "block-transfer-with-set-or-write",
            "multiple-references",
            "parameterized-access"
        ]
    );
    assert_eq!(init.client_max_receive_pdu_size, 0);
}

#[test]
fn initiate_request_and_response() {
    let bytes = vector("INIT-01");
    let Apdu::InitiateRequest(req) = Apdu::parse(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(
        req.dedicated_key,
        Some(&hex("00112233445566778899aabbccddeeff")[..])
    );
    assert_eq!(req.response_allowed, None);
    assert_eq!(req.proposed_conformance, Conformance(0x7E1F));
    assert_eq!(req.client_max_receive_pdu_size, 1200);

    let bytes = vector("INIT-02");
    let resp = InitiateResponse::parse(&bytes).unwrap();
    assert_eq!(resp.negotiated_conformance, Conformance(0x7E1F));
    assert_eq!((resp.server_max_receive_pdu_size, resp.vaa_name), (500, 7));

    let bytes = vector("INIT-03");
    let req = InitiateRequest::parse(&bytes).unwrap();
    assert_eq!(
        req.proposed_conformance.names().collect::<Vec<_>>(),
        ["get", "set", "action"]
    );
    assert_eq!(req.client_max_receive_pdu_size, 42);
}

#[test]
fn conformance_block_bits() {
    // INIT-04: u9n/dlms-cosem @c52e9d4 tests/test_asce/test_conformance.py (Green Book v10
    // p.437): the BIT STRING contents 00 00 7E 1F, and 00 00 50 1F.
    let c = Conformance(u32::from_be_bytes(hex("00007e1f").try_into().unwrap()));
    assert_eq!(c.names().collect::<Vec<_>>(), FLAGS_7E1F);
    assert_eq!(c.to_bytes(), [0x00, 0x7E, 0x1F]);
    assert_eq!(
        Conformance(0x501F).names().collect::<Vec<_>>(),
        [
            "priority-mgmt-supported",
            "block-transfer-with-get-or-read",
            "get",
            "set",
            "selective-access",
            "event-notification",
            "action"
        ]
    );
}

fn obis(s: &str) -> ObisCode {
    s.parse().unwrap()
}

#[test]
fn get_requests() {
    let bytes = vector("GET-01");
    let GetRequest::Normal {
        invoke,
        attribute,
        access,
    } = GetRequest::parse(&bytes).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (
            invoke.invoke_id(),
            invoke.confirmed(),
            invoke.high_priority()
        ),
        (1, true, true)
    );
    assert_eq!(
        attribute,
        AttributeDescriptor::new(1, obis("0-0:43.1.0.255"), 2)
    );
    assert_eq!(access, None);

    assert_eq!(
        GetRequest::parse(&vector("GET-02")).unwrap(),
        GetRequest::Next {
            invoke: InvokeIdAndPriority(0xC1),
            block_number: 1
        }
    );

    let bytes = vector("GET-03");
    let GetRequest::WithList { attributes, .. } = GetRequest::parse(&bytes).unwrap() else {
        panic!()
    };
    let attrs: Vec<_> = attributes.iter().map(|a| (a.attribute, a.access)).collect();
    assert_eq!(
        attrs,
        [
            (AttributeDescriptor::new(1, obis("0-0:42.0.0.255"), 2), None),
            (AttributeDescriptor::new(8, obis("0-0:1.0.0.255"), 2), None)
        ]
    );
}

#[test]
fn get_request_with_range_descriptor() {
    let bytes = vector("GET-11");
    let GetRequest::Normal {
        attribute,
        access: Some(access),
        ..
    } = GetRequest::parse(&bytes).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        attribute,
        AttributeDescriptor::new(7, obis("1-0:99.1.0.255"), 2)
    );
    assert_eq!(access.selector, 1);
    let range = access.range().unwrap();
    assert_eq!(
        range.restricting_object,
        CaptureObjectDefinition {
            class_id: 8,
            logical_name: obis("0-0:1.0.0.255"),
            attribute_index: 2,
            data_index: 0
        }
    );
    let from = range.from_value.as_date_time().unwrap();
    let to = range.to_value.as_date_time().unwrap();
    assert_eq!(from.to_bytes().to_vec(), hex("07e10a010700000000ffc480"));
    assert_eq!(to.to_bytes().to_vec(), hex("07e10a010701000000ffc480"));
    assert_eq!(
        to.to_unix_seconds(DeviationConvention::Standard).unwrap()
            - from.to_unix_seconds(DeviationConvention::Standard).unwrap(),
        3600
    );
    assert!(range.selected_values.is_empty());
    // Rebuilding the access selection from the typed descriptor gives the same request.
    let mut scratch = [0u8; 64];
    let rebuilt = range.to_selective_access(&mut scratch).unwrap();
    let req = GetRequest::Normal {
        invoke: InvokeIdAndPriority(0xC1),
        attribute,
        access: Some(rebuilt),
    };
    assert_eq!(req.to_vec().unwrap(), bytes);
}

#[test]
fn get_responses() {
    assert_eq!(
        GetResponse::parse(&vector("GET-04")).unwrap(),
        GetResponse::Normal {
            invoke: InvokeIdAndPriority(0xC1),
            result: GetDataResult::Data(Data::DoubleLongUnsigned(5009))
        }
    );
    assert_eq!(
        GetResponse::parse(&vector("GET-05")).unwrap(),
        GetResponse::Normal {
            invoke: InvokeIdAndPriority(0xC1),
            result: GetDataResult::Error(DataAccessResult::HARDWARE_FAULT)
        }
    );
    let bytes = vector("GET-06");
    let GetResponse::WithDataBlock {
        last_block,
        block_number,
        result: BlockResult::RawData(raw),
        ..
    } = GetResponse::parse(&bytes).unwrap()
    else {
        panic!()
    };
    assert_eq!((last_block, block_number, raw.len()), (false, 1, 1182));
    // The raw data begins a 1440-row profile buffer: array 0x82 05A0.
    assert_eq!(&raw[..4], &[0x01, 0x82, 0x05, 0xA0]);
    assert!(matches!(
        Data::parse_prefix(raw),
        Err(dlms::Error::Truncated { .. }) | Err(dlms::Error::CountTooLarge { .. })
    ));

    let bytes = vector("GET-09");
    let GetResponse::WithList { results, .. } = GetResponse::parse(&bytes).unwrap() else {
        panic!()
    };
    let r: Vec<_> = results.iter().collect();
    assert_eq!(
        r[0],
        GetDataResult::Data(Data::OctetString(b"ISK1030777764366"))
    );
    let GetDataResult::Data(dt) = r[1] else {
        panic!()
    };
    let dt = dt.as_date_time().unwrap();
    assert_eq!(
        (
            dt.date.year,
            dt.date.month,
            dt.date.day_of_month,
            dt.date.day_of_week
        ),
        (2021, 6, 3, 4)
    );
    assert_eq!((dt.time.hour, dt.time.minute, dt.time.second), (14, 9, 23));
    assert_eq!(dt.deviation.minutes(), Some(-60));
}

#[test]
fn set_request_and_response() {
    let bytes = vector("SET-01");
    let SetRequest::Normal {
        invoke,
        attribute,
        access,
        value,
    } = SetRequest::parse(&bytes).unwrap()
    else {
        panic!()
    };
    assert_eq!(invoke, InvokeIdAndPriority(0xC1));
    assert_eq!(
        attribute,
        AttributeDescriptor::new(8, obis("0-0:1.0.0.255"), 2)
    );
    assert_eq!(access, None);
    let dt = value.as_date_time().unwrap();
    assert_eq!(dt.date.day_of_week, 0xFF);
    assert_eq!(
        (
            dt.time.hour,
            dt.time.minute,
            dt.time.second,
            dt.time.hundredths
        ),
        (14, 48, 57, 80)
    );
    assert_eq!(dt.deviation.minutes(), Some(-60));
    assert_eq!(
        SetResponse::parse(&vector("SET-02")).unwrap(),
        SetResponse::Normal {
            invoke: InvokeIdAndPriority(0xC1),
            result: DataAccessResult::SUCCESS
        }
    );
}

#[test]
fn action_requests_and_responses() {
    let m = MethodDescriptor::new(15, obis("0-0:40.0.0.255"), 1);
    assert_eq!(
        ActionRequest::parse(&vector("ACT-01")).unwrap(),
        ActionRequest::Normal {
            invoke: InvokeIdAndPriority(0xC0),
            method: m,
            parameters: Some(Data::OctetString(&hex(
                "1000001a90e6d2221fa2fd85eed61acc22"
            ))),
        }
    );
    assert_eq!(
        ActionRequest::parse(&vector("ACT-02")).unwrap(),
        ActionRequest::Normal {
            invoke: InvokeIdAndPriority(0xC0),
            method: m,
            parameters: None
        }
    );
    let invoke = InvokeIdAndPriority(0xC0);
    assert_eq!(
        ActionResponse::parse(&vector("ACT-03")).unwrap(),
        ActionResponse::Normal {
            invoke,
            response: ActionResponseItem {
                result: ActionResult::SUCCESS,
                return_parameters: None
            }
        }
    );
    let f_ctos = hex("1000001afde8857b728a3499106aa665d1");
    assert_eq!(
        ActionResponse::parse(&vector("ACT-04")).unwrap(),
        ActionResponse::Normal {
            invoke,
            response: ActionResponseItem {
                result: ActionResult::SUCCESS,
                return_parameters: Some(GetDataResult::Data(Data::OctetString(&f_ctos)))
            }
        }
    );
    assert_eq!(
        ActionResponse::parse(&vector("ACT-05")).unwrap(),
        ActionResponse::Normal {
            invoke,
            response: ActionResponseItem {
                result: ActionResult::SUCCESS,
                return_parameters: Some(GetDataResult::Error(DataAccessResult::OTHER_REASON))
            }
        }
    );
}

#[test]
fn data_notifications() {
    let bytes = vector("NOTIF-01");
    let n = DataNotification::parse(&bytes).unwrap();
    let id = n.long_invoke_id;
    assert_eq!(
        (
            id.0,
            id.invoke_id(),
            id.self_descriptive(),
            id.break_on_error(),
            id.confirmed(),
            id.high_priority()
        ),
        (475, 475, false, false, false, false)
    );
    assert_eq!(n.date_time, DateTimeField::Absent);
    assert_eq!(
        n.body,
        Data::OctetString(&hex(
            "125a8591360000000049000000110000000a5a8513d014800000000d0000000a0100"
        ))
    );

    let bytes = vector("NOTIF-02");
    let n = DataNotification::parse(&bytes).unwrap();
    assert_eq!(n.long_invoke_id.invoke_id(), 21817);
    let DateTimeField::Present {
        value,
        encoding: DateTimeEncoding::Length,
    } = n.date_time
    else {
        panic!()
    };
    assert_eq!(
        value,
        DateTime::from_bytes(hex("07e0090804130d1900ffc480").try_into().unwrap())
    );
    assert_eq!(
        (
            value.date.year,
            value.date.month,
            value.date.day_of_month,
            value.date.day_of_week
        ),
        (2016, 9, 8, 4)
    );
    assert_eq!(
        (
            value.time.hour,
            value.time.minute,
            value.time.second,
            value.time.hundredths
        ),
        (19, 13, 25, 0)
    );
    assert_eq!(
        (value.deviation.minutes(), value.clock_status.0),
        (Some(-60), 128)
    );
    let fields: Vec<Data<'_>> = n.body.as_sequence().unwrap().iter().collect();
    assert_eq!(fields.len(), 7);
    assert_eq!(fields[1], Data::OctetString(&[1, 0, 1, 8, 0, 255]));
    assert_eq!(fields[2], Data::DoubleLongUnsigned(0));
    assert_eq!(
        fields[3],
        Data::structure(&[Data::Integer(0), Data::Enum(30)])
    );
    assert_eq!(
        fields[6],
        Data::structure(&[Data::Integer(0), Data::Enum(32)])
    );
}

#[test]
fn ciphered_envelopes() {
    let bytes = vector("SEC-01");
    let Apdu::Ciphered(c) = Apdu::parse(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!((c.tag, c.content.len()), (0xC8, 30));
    assert_eq!(
        c.content.information,
        &hex("411312ff935a47566827c467bc")[..]
    );
    assert_eq!(
        c.content.auth_tag.map(|t| &t[..]),
        Some(&hex("7d825c3be4a77c3fcc056b6b")[..])
    );

    // SC 0x20: encryption only, no tag; same ciphertext.
    let bytes_20 = vector("SEC-01b");
    let c20 = CipheredApdu::parse(&bytes_20).unwrap();
    assert_eq!(c20.content.auth_tag, None);
    assert_eq!(c20.content.information, c.content.information);

    let bytes = vector("SEC-03");
    let c = CipheredApdu::parse(&bytes).unwrap();
    assert_eq!(ciphered_name(c.tag), "glo-initiate-response");
    assert_eq!(c.plain_tag(), Some(InitiateResponse::TAG));

    // general-glo-ciphering push (WRAP-01): system title, SC 0x30, IC 485.
    let bytes = vector("WRAP-01");
    let Apdu::GeneralGloCiphering(g) = Apdu::parse(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(g.system_title, &hex("2f19229199164103")[..]);
    assert_eq!(
        (
            g.content.security_control.to_byte(),
            g.content.invocation_counter,
            g.content.len()
        ),
        (0x30, 485, 59)
    );
    assert_eq!(
        g.content.auth_tag.map(|t| &t[..]),
        Some(&hex("cf282dfe49c08f5be6dc8400")[..])
    );
    // The header emitter writes the same bytes in front of the caller's ciphertext + tag.
    let body = g.content.information.len() + 12;
    let mut head = vec![0u8; g.header_len(body)];
    let mut sink = dlms::axdr::SliceSink::new(&mut head);
    g.emit_header(body, &mut sink).unwrap();
    assert_eq!(sink.written(), &bytes[..bytes.len() - body]);
}
