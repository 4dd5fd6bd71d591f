//! Unit tests of the APDU codecs: worked examples (computed by us and decoded by the Gurux
//! Python translator, PyPI `gurux_dlms` 1.0.203) for the variants the public vectors do not cover,
//! negative cases, and proptest round trips for every APDU type.

use std::vec;
use std::vec::Vec;

use obis::ObisCode;

use super::*;
use crate::Error;
use crate::axdr::{Data, DateTime, OwnedData};
use crate::wire::SecurityControl;

fn hex(s: &str) -> Vec<u8> {
    let s: std::string::String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Emits on a buffer pre-filled with 0xA5 (so that an unwritten byte shows) and checks the
/// length.
fn emit(v: &impl Encode) -> Vec<u8> {
    let mut buf = vec![0xA5u8; v.buffer_len() + 3];
    let n = v.emit(&mut buf).unwrap();
    assert_eq!(n, v.buffer_len());
    assert!(buf[n..].iter().all(|&b| b == 0xA5));
    buf.truncate(n);
    buf
}

/// Parses `h` as any APDU, checks it re-emits to the same bytes and that no prefix panics (a
/// prefix that parses must be an APDU of its own, re-emitting to itself); returns the bytes.
fn round(h: &str) -> Vec<u8> {
    let bytes = hex(h);
    let apdu = Apdu::parse(&bytes).unwrap_or_else(|e| panic!("{h}: {e}"));
    assert_eq!(emit(&apdu), bytes, "{h}");
    let cuts = if cfg!(miri) {
        3.min(bytes.len())
    } else {
        bytes.len()
    };
    for cut in 0..cuts {
        if let Ok(short) = Apdu::parse(&bytes[..cut]) {
            assert_eq!(emit(&short), &bytes[..cut], "{h} cut at {cut}");
        }
    }
    bytes
}

const REGISTER: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);

#[test]
fn get_variants() {
    // GET request/response layouts of the COSEMpdu ASN.1 (jDLMS `cosem.asn`).
    let b = round("C0 01 C1 00 03 01 00 01 08 00 FF 02 00");
    assert_eq!(
        GetRequest::parse(&b).unwrap(),
        GetRequest::Normal {
            invoke: InvokeIdAndPriority::new(1, true, true),
            attribute: AttributeDescriptor::new(3, REGISTER, 2),
            access: None
        }
    );
    let b = round("C4 01 C1 01 04");
    assert_eq!(
        GetResponse::parse(&b).unwrap(),
        GetResponse::Normal {
            invoke: InvokeIdAndPriority(0xC1),
            result: GetDataResult::Error(DataAccessResult::OBJECT_UNDEFINED)
        }
    );
    let b = round("C4 02 C1 00 00 00 00 01 00 04 06 00 00 13");
    assert_eq!(
        GetResponse::parse(&b).unwrap(),
        GetResponse::WithDataBlock {
            invoke: InvokeIdAndPriority(0xC1),
            last_block: false,
            block_number: 1,
            result: BlockResult::RawData(&[0x06, 0x00, 0x00, 0x13])
        }
    );
    let b = round("C4 03 C1 02 00 09 06 41 42 43 31 32 33 01 04");
    let GetResponse::WithList { results, .. } = GetResponse::parse(&b).unwrap() else {
        panic!()
    };
    assert_eq!(
        results.iter().collect::<Vec<_>>(),
        [
            GetDataResult::Data(Data::OctetString(b"ABC123")),
            GetDataResult::Error(DataAccessResult(4))
        ]
    );
    round("C4 02 C1 01 00 00 00 02 01 0F"); // with-datablock, last, error long-get-aborted
    // Entry descriptor (Gurux.DLMS.Python `readRowsByEntry`): rows 1..last, columns 1..last.
    let b = round(
        "C0 01 C1 00 07 01 00 63 01 00 FF 02 01 02 02 04 06 00 00 00 01 06 00 00 00 00 12 00 01 12 00 00",
    );
    let GetRequest::Normal {
        access: Some(sa), ..
    } = GetRequest::parse(&b).unwrap()
    else {
        panic!()
    };
    let entry = sa.entry().unwrap();
    assert_eq!(
        entry,
        EntryDescriptor {
            from_entry: 1,
            to_entry: 0,
            from_selected_value: 1,
            to_selected_value: 0
        }
    );
    let mut scratch = [0u8; EntryDescriptor::DATA_LEN];
    assert_eq!(entry.to_selective_access(&mut scratch).unwrap(), sa);
    assert!(sa.range().is_err());
}

#[test]
fn set_variants() {
    // SET layouts of the COSEMpdu ASN.1 (jDLMS `cosem.asn`).
    let b =
        round("C1 01 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07 E8 01 16 01 0C 1E 00 FF 80 00 FF");
    let SetRequest::Normal {
        attribute, value, ..
    } = SetRequest::parse(&b).unwrap()
    else {
        panic!()
    };
    assert_eq!(attribute, AttributeDescriptor::new(8, CLOCK, 2));
    assert_eq!(value.as_date_time().unwrap().deviation.minutes(), None);
    round("C5 01 C1 00");
    let b = round("C1 02 C1 00 01 00 00 60 01 00 FF 02 00 00 00 00 00 01 04 09 02 01 02");
    let SetRequest::WithFirstDataBlock { block, .. } = SetRequest::parse(&b).unwrap() else {
        panic!()
    };
    assert_eq!(
        block,
        DataBlock {
            last_block: false,
            block_number: 1,
            raw_data: &[0x09, 0x02, 0x01, 0x02]
        }
    );
    let b = round("C5 02 C1 00 00 00 01");
    assert_eq!(
        SetResponse::parse(&b).unwrap(),
        SetResponse::DataBlock {
            invoke: InvokeIdAndPriority(0xC1),
            block_number: 1
        }
    );
    round("C1 03 C1 01 00 00 00 02 02 03 04"); // with-datablock, last
    round("C1 04 C1 02 0001 0000600100FF 02 00 0008 0000010000FF 02 00 02 11 01 12 0002"); // with-list
    round("C1 05 C1 01 0001 0000600100FF 02 00 01 00000001 01 11"); // with-list-and-first-datablock
    round("C5 03 C1 00 00 00 00 02"); // last-datablock
    round("C5 04 C1 02 00 03 00 00 00 02"); // last-datablock-with-list
    round("C5 05 C1 02 00 03"); // with-list
}

#[test]
fn action_variants() {
    // Disconnect control 0-0:96.3.10.255 method 1 (integer 0), and method 2 without
    // parameters; responses success, and success + u32 5.
    let b = round("C3 01 C1 00 46 00 00 60 03 0A FF 01 01 0F 00");
    assert_eq!(
        ActionRequest::parse(&b).unwrap(),
        ActionRequest::Normal {
            invoke: InvokeIdAndPriority(0xC1),
            method: MethodDescriptor::new(70, ObisCode::new(0, 0, 96, 3, 10, 255), 1),
            parameters: Some(Data::Integer(0)),
        }
    );
    round("C3 01 C1 00 46 00 00 60 03 0A FF 02 00");
    round("C7 01 C1 00 00");
    let b = round("C7 01 C1 00 01 00 06 00 00 00 05");
    let ActionResponse::Normal { response, .. } = ActionResponse::parse(&b).unwrap() else {
        panic!()
    };
    assert_eq!(
        response.return_parameters,
        Some(GetDataResult::Data(Data::DoubleLongUnsigned(5)))
    );
    round("C3 02 C1 00 00 00 01"); // next-pblock
    round("C3 03 C1 02 0046 0000600 30AFF 01 0046 0000600 30AFF 02 02 0F 00 00"); // with-list
    round("C3 04 C1 0012 00002C0000FF 02 00 00000001 02 0102"); // with-first-pblock
    round("C3 05 C1 01 0012 0000 2C0000FF 02 01 00000001 01 00"); // with-list-and-first-pblock
    round("C3 06 C1 01 00000002 00"); // with-pblock
    round("C7 02 C1 01 00000001 02 0900"); // with-pblock
    round("C7 03 C1 02 00 00 01 01 01 04"); // with-list
    round("C7 04 C1 00 00 00 01"); // next-pblock
}

#[test]
fn notifications_and_their_date_time_forms() {
    // 00, 0C + 12, and Kaifa's 09 0C + 12 (esphome-libs/dlms_parser); Gurux Java's 01 0C + 12.
    let dt = "07E8011601 0C1E0000 FFC4 00";
    let plain = round(&std::format!("0F 00000001 0C {dt} 11 07"));
    let kaifa = round(&std::format!("0F 00000001 09 0C {dt} 11 07"));
    let flagged = round(&std::format!("0F 00000001 01 0C {dt} 11 07"));
    let expected = DateTime::from_bytes(hex(dt).try_into().unwrap());
    for (bytes, enc) in [
        (&plain, DateTimeEncoding::Length),
        (&kaifa, DateTimeEncoding::DataTag),
        (&flagged, DateTimeEncoding::FlagAndLength),
    ] {
        let n = DataNotification::parse(bytes).unwrap();
        assert_eq!(
            n.date_time,
            DateTimeField::Present {
                value: expected,
                encoding: enc
            }
        );
        assert_eq!(n.body, Data::Unsigned(7));
    }
    // The ASN.1 form of EventNotification (usage flag, fixed 12 bytes).
    let e = round(&std::format!("C2 01 {dt} 0008 0000010000FF 02 09 0C {dt}"));
    let ev = EventNotification::parse(&e).unwrap();
    assert_eq!(
        ev.time,
        DateTimeField::Present {
            value: expected,
            encoding: DateTimeEncoding::Flag
        }
    );
    assert_eq!(ev.attribute, AttributeDescriptor::new(8, CLOCK, 2));
    round(&std::format!("C2 00 0008 0000010000FF 02 09 0C {dt}"));
    // Other date-time lengths are rejected.
    assert_eq!(
        Apdu::parse(&hex("0F 00000001 05 0102030405 00")),
        Err(Error::InvalidValue {
            field: "date-time",
            offset: 5
        })
    );
}

#[test]
fn exception_and_confirmed_service_error() {
    let b = round("D8 01 02");
    assert_eq!(
        ExceptionResponse::parse(&b).unwrap(),
        ExceptionResponse {
            state_error: StateError::SERVICE_NOT_ALLOWED,
            service_error: ExceptionServiceError(2),
            invocation_counter: None
        }
    );
    let b = round("D8 01 06 00 00 01 00");
    assert_eq!(
        ExceptionResponse::parse(&b).unwrap().invocation_counter,
        Some(256)
    );
    assert_eq!(
        ExceptionServiceError::INVOCATION_COUNTER_ERROR.name(),
        Some("invocation-counter-error")
    );
    // 0E 01 06 01 = initiateError / initiate / dlms-version-too-low (jDLMS ASN.1).
    let b = round("0E 01 06 01");
    let e = ConfirmedServiceError::parse(&b).unwrap();
    assert_eq!(e.service, ConfirmedService::INITIATE_ERROR);
    assert_eq!(
        (e.error.class.name(), e.error.name()),
        (Some("initiate"), Some("dlms-version-too-low"))
    );
    assert_eq!(
        ServiceError {
            class: ServiceErrorClass(10),
            value: 3
        }
        .name(),
        None
    );
}

#[test]
fn aare_forms() {
    // HLS-GMAC pass 2 (Green Book example via u9n/dlms-cosem tests).
    let b = round(
        "61 42 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 0E
         88 02 07 80 89 07 60 85 74 05 08 02 05 AA 0A 80 08 50 36 77 52 4A 32 31 46
         BE 10 04 0E 08 00 06 5F 1F 04 00 00 50 1F 01 F4 00 07",
    );
    let aare = Aare::parse(&b).unwrap();
    assert_eq!(
        aare.result_source_diagnostic,
        ResultSourceDiagnostic::User(AcseServiceUser::AUTHENTICATION_REQUIRED)
    );
    assert_eq!(
        aare.mechanism_name.unwrap().mechanism(),
        Some(MechanismName::HLS_GMAC)
    );
    assert_eq!(
        aare.responding_authentication_value.unwrap().value,
        b"P6wRJ21F"
    );
    // Rejected with a ConfirmedServiceError in user-information, diagnostic from the provider.
    let b = round(
        "61 1F A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 01 A3 05 A2 03 02 01 02 BE 06 04 04 0E 01 06 01",
    );
    let aare = Aare::parse(&b).unwrap();
    assert_eq!(aare.result, AssociationResult::REJECTED_PERMANENT);
    assert_eq!(
        aare.result_source_diagnostic,
        ResultSourceDiagnostic::Provider(AcseServiceProvider::NO_COMMON_ACSE_VERSION)
    );
    assert!(matches!(
        aare.user_information,
        Some(UserInformation::ConfirmedServiceError(_))
    ));
    // Missing result.
    assert_eq!(
        Aare::parse(&hex("61 0B A1 09 06 07 60 85 74 05 08 01 01")),
        Err(Error::MissingField {
            field: "result",
            offset: 13
        })
    );
}

#[test]
fn aarq_negative_cases() {
    // Indefinite length 0x80 is not BER definite form.
    assert_eq!(
        Aarq::parse(&hex("60 80 00 00")),
        Err(Error::InvalidLength {
            field: "apdu",
            offset: 1
        })
    );
    // A component twice.
    assert_eq!(
        Aarq::parse(&hex(
            "60 16 A1 09 06 07 60 85 74 05 08 01 01 A1 09 06 07 60 85 74 05 08 01 01"
        )),
        Err(Error::DuplicateField {
            field: "application-context-name",
            offset: 13
        })
    );
    // No application context.
    assert_eq!(
        Aarq::parse(&hex("60 00")),
        Err(Error::MissingField {
            field: "application-context-name",
            offset: 2
        })
    );
    // An unknown component.
    assert_eq!(
        Aarq::parse(&hex("60 02 8F 00")),
        Err(Error::UnknownTag {
            field: "aarq component",
            tag: 0x8F,
            offset: 2
        })
    );
    // A malformed OID (last byte with the continuation bit).
    assert_eq!(
        Aarq::parse(&hex("60 0B A1 09 06 07 60 85 74 05 08 01 81")),
        Err(Error::InvalidValue {
            field: "application-context-name",
            offset: 6
        })
    );
    // Trailing bytes after the AARQ.
    assert!(matches!(
        Aarq::parse(&hex("60 00 00")),
        Err(Error::TrailingBytes { .. })
    ));
    // user-information that is not an xDLMS APDU.
    assert_eq!(
        Aarq::parse(&hex(
            "60 10 A1 09 06 07 60 85 74 05 08 01 01 BE 03 04 01 77"
        )),
        Err(Error::UnknownTag {
            field: "user-information",
            tag: 0x77,
            offset: 17
        })
    );
}

#[test]
fn acse_construct() {
    let init = InitiateRequest::new(Conformance(0x001E1D), 0xFFFF);
    let aarq = Aarq::new(
        ApplicationContextName::LN_NO_CIPHERING.oid().unwrap(),
        Some(UserInformation::InitiateRequest(init)),
    );
    // HDLC-06 (u9n/dlms-cosem tests): the AARQ a Gurux client sends.
    assert_eq!(
        emit(&aarq),
        hex("601da109060760857405080101be10040e01000000065f1f0400001e1dffff")
    );
    let mut lls = aarq;
    lls.sender_acse_requirements = Some(BerBitString::FIRST_BIT);
    lls.mechanism_name = MechanismName::LOW_LEVEL_SECURITY.oid();
    lls.calling_authentication_value = Some(AuthenticationValue::charstring(b"12345678"));
    let b = emit(&lls);
    assert_eq!(Aarq::parse(&b).unwrap(), lls);
    assert_eq!(b.len(), 0x38);
    let rlrq = Rlrq {
        reason: Some(ReleaseRequestReason::NORMAL),
        user_information: None,
    };
    assert_eq!(emit(&rlrq), hex("62 03 80 01 00"));
    assert_eq!(MechanismName(9).oid(), None);
    assert_eq!(Tlv::integer(&[0xC8]).as_unsigned(), Some(200));
}

#[test]
fn short_name_services() {
    // Short-name services (jDLMS ASN.1; Gurux enums).
    let b = round("05 01 02 FA 10");
    assert_eq!(
        ReadRequest::parse(&b).unwrap().variables.get(0),
        Some(VariableAccess::Name(0xFA10))
    );
    let b = round("0C 01 00 06 00 00 00 01");
    assert_eq!(
        ReadResponse::parse(&b).unwrap().results.get(0),
        Some(ReadResult::Data(Data::DoubleLongUnsigned(1)))
    );
    let b = round("06 01 02 FA 10 01 06 00 00 00 01");
    let w = WriteRequest::parse(&b).unwrap();
    assert_eq!(w.values.get(0), Some(Data::DoubleLongUnsigned(1)));
    let b = round("0D 01 00");
    assert_eq!(
        WriteResponse::parse(&b).unwrap().results.get(0),
        Some(WriteResult::Success)
    );
    round("16 01 02 FA 10 01 11 05"); // unconfirmed write
    round("18 00 01 02 FA 10 01 11 05"); // information report, no time
    round("18 0C 07E8011601 0C1E0000 FFC4 00 01 02 FA 10 01 11 05"); // with time
    round("05 03 04 FA 18 01 02 02 11 01 11 02 05 00 02 06 01 00 03 02 01 02"); // parameterized, block-number, read-data-block
    round("0C 04 01 04 02 01 00 02 01 AA 03 00 05 00 06 00 00 00 01"); // error, data-block-result, block-number, data
    round("0D 03 01 04 02 00 07 00");
    round("06 01 07 01 00 01 01 00"); // write-data-block-access
}

#[test]
fn access_service() {
    // ACCESS with two GETs (Gurux.DLMS.Python `accessRequest`, dlms-cosem-rs).
    let b = round(
        "D9 00 00 00 01 00 02 01 00 03 01 00 01 08 00 FF 02 01 00 03 01 00 02 08 00 FF 02 02 00 00",
    );
    let a = AccessRequest::parse(&b).unwrap();
    assert_eq!(a.requests.len(), 2);
    assert_eq!(
        a.requests.get(1),
        Some(AccessRequestSpec::Get(AttributeDescriptor::new(
            3,
            ObisCode::new(1, 0, 2, 8, 0, 255),
            2
        )))
    );
    assert_eq!(a.data.iter().collect::<Vec<_>>(), [Data::Null, Data::Null]);
    // get-with-selection (entry descriptor), set, action.
    round(
        "D9 40000002 00 03
           04 0007 0100630100FF 02 02 0204 0600000001 0600000000 120001 120000
           02 0003 0100010800FF 02
           03 0046 0000600 30AFF 01
         03 00 06 00000005 0F 00",
    );
    let b = round("DA 00 00 00 01 00 00 02 06 00 00 00 05 00 02 01 00 01 04");
    let r = AccessResponse::parse(&b).unwrap();
    assert_eq!(r.requests, None);
    assert_eq!(
        r.responses.iter().collect::<Vec<_>>(),
        [
            AccessResponseSpec::Get(DataAccessResult::SUCCESS),
            AccessResponseSpec::Get(DataAccessResult::OBJECT_UNDEFINED)
        ]
    );
    round("DA 00000001 00 01 01 01 0003 0100010800FF 02 01 00 01 03 00");
}

#[test]
fn general_block_transfer() {
    // A single-block GBT carrying a GET request; an acknowledgement without data (GuruxDLMS.c,
    // dlms-cosem-rs).
    let b = round("E0 C0 00 01 00 00 0D C0 01 C1 00 03 01 00 01 08 00 FF 02 00");
    let g = GeneralBlockTransfer::parse(&b).unwrap();
    assert!(g.last_block() && g.streaming());
    assert_eq!((g.window(), g.block_number, g.block_number_ack), (0, 1, 0));
    assert!(matches!(
        Apdu::parse(g.block_data).unwrap(),
        Apdu::GetRequest(_)
    ));
    round("E0 01 00 00 00 01 00");
}

#[test]
fn ciphered_envelope_forms() {
    // Zero-length system title is valid (u9n/dlms-cosem test).
    let b = round("DB 00 11 30 00 00 00 01 0102030405060708090A0B0C");
    let Apdu::GeneralGloCiphering(g) = Apdu::parse(&b).unwrap() else {
        panic!()
    };
    assert!(g.system_title.is_empty());
    assert_eq!(
        (g.content.information, g.content.auth_tag.map(|t| t.len())),
        (&[][..], Some(12))
    );
    // Authenticated but shorter than a tag.
    assert_eq!(
        Apdu::parse(&hex("C8 08 30 00 00 00 01 01 02 03")),
        Err(Error::Truncated {
            field: "authentication tag",
            offset: 7,
            needed: 9
        })
    );
    // The 0x81 length form (Netz NOE push, esphome-libs/dlms_parser) and a ded- tag.
    let mut long = hex("DB 08 4D4D4D0000BC614E 81 85 30 00000001");
    long.extend(std::iter::repeat_n(0x55, 0x80));
    let parsed = Apdu::parse(&long).unwrap();
    assert_eq!(emit(&parsed), long);
    round("D0 06 20 00000009 AA");
    assert!(
        CipheredApdu::parse(&hex("D0 06 20 00000009 AA"))
            .unwrap()
            .dedicated()
    );
    // general-ciphering with each key-info choice; general-signing.
    round(
        "DD 08 0102030405060708 08 4D4D4D0000BC614E 00 00 00 01 00 00 11 30 00000001 0102030405060708090A0B0C",
    );
    round("DD 00 00 00 0C 07E8011601 0C1E0000 FFC4 00 00 01 01 00 02 AABB 06 20 00000001 01");
    round("DD 00 00 00 00 00 01 02 01 01 02 DEAD 06 20 00000001 01");
    let b = round("DF 01 01 00 00 00 00 03 C4 01 C1 02 AB CD");
    let Apdu::GeneralSigning(s) = Apdu::parse(&b).unwrap() else {
        panic!()
    };
    assert_eq!(s.signed_part(&b), Some(&b[..b.len() - 3]));
    assert_eq!(
        Apdu::parse(&hex("DD 00 00 00 00 00 01 07")),
        Err(Error::UnknownTag {
            field: "key-info",
            tag: 7,
            offset: 7
        })
    );
}

#[test]
fn unknown_choices_and_trailing_bytes() {
    for (h, field, tag, offset) in [
        ("C0 04 C1", "get-request", 4, 1),
        ("C4 09 C1", "get-response", 9, 1),
        ("C1 06 C1", "set-request", 6, 1),
        ("C5 06 C1", "set-response", 6, 1),
        ("C3 07 C1", "action-request", 7, 1),
        ("C7 05 C1", "action-response", 5, 1),
        ("C4 01 C1 02 00", "get-data-result", 2, 3),
        ("C4 02 C1 00 00000001 05", "datablock result", 5, 8),
        ("05 01 03 00 00", "variable-access-specification", 3, 2),
        (
            "D9 00000001 00 01 06 00000000000000000000",
            "access-request-specification",
            6,
            7,
        ),
        ("77", "apdu", 0x77, 0),
        ("FF", "apdu", 0xFF, 0),
    ] {
        assert_eq!(
            Apdu::parse(&hex(h)),
            Err(Error::UnknownTag { field, tag, offset }),
            "{h}"
        );
    }
    assert_eq!(
        Apdu::parse(&hex("C5 01 C1 00 00")),
        Err(Error::TrailingBytes {
            field: "apdu",
            offset: 4,
            count: 1
        })
    );
    assert_eq!(
        Apdu::parse(&[]),
        Err(Error::Truncated {
            field: "apdu",
            offset: 0,
            needed: 1
        })
    );
    // A usage flag must be 0 or 1.
    assert_eq!(
        Apdu::parse(&hex("C0 01 C1 0003 0100010800FF 02 02")),
        Err(Error::InvalidValue {
            field: "access-selection",
            offset: 12
        })
    );
    // List counts are bounded by the input.
    assert!(matches!(
        Apdu::parse(&hex("C0 03 C1 84 7FFFFFFF 00")),
        Err(Error::CountTooLarge {
            count: 0x7FFF_FFFF,
            ..
        })
    ));
    // A-XDR errors inside an APDU carry the offset in the APDU.
    assert_eq!(
        Apdu::parse(&hex("C4 01 C1 00 07")),
        Err(Error::UnknownTag {
            field: "data",
            tag: 7,
            offset: 4
        })
    );
}

#[test]
fn typed_accessors() {
    let i = InvokeIdAndPriority::new(0x1F, false, true);
    assert_eq!(
        (i.0, i.invoke_id(), i.confirmed(), i.high_priority()),
        (0x8F, 15, false, true)
    );
    let l = LongInvokeIdAndPriority(0xF000_0001);
    assert!(l.high_priority() && l.confirmed() && l.break_on_error() && l.self_descriptive());
    assert_eq!(plain_tag_of(0xCF), Some(0xC7));
    assert_eq!(plain_tag_of(0xCE), None);
    // ciphered_tag_of is the inverse of plain_tag_of on every service-specific tag.
    for tag in 0..=255u8 {
        if let Some(plain) = plain_tag_of(tag) {
            let dedicated = EnvelopeHead::Service { tag }.dedicated();
            assert_eq!(ciphered_tag_of(plain, dedicated), Some(tag), "{tag:#x}");
        }
    }
    assert_eq!(ciphered_tag_of(0x0F, false), None);
    assert_eq!(ciphered_tag_of(0xC6, true), None);
    assert_eq!(Conformance::bit(19), Conformance::GET);
    assert_eq!(
        std::string::ToString::to_string(&Conformance(0x10)),
        "000010 (get)"
    );
    assert_eq!(
        Conformance(0x7E1F).intersection(Conformance(0x1D)),
        Conformance(0x1D)
    );
    assert_eq!(
        std::string::ToString::to_string(&DataAccessResult(42)),
        "unknown(42)"
    );
    assert_eq!(ciphered_name(0xD7), "ded-action-response");
}

/// SEC-01 (u9n/dlms-cosem test_security.py; jDLMS CipheringTest, Green Book) in its
/// general-glo-ciphering form.
const GGLO_SEC01: &str =
    "DB 08 4D4D4D0000BC614E 1E 30 01234567 411312FF935A47566827C467BC 7D825C3BE4A77C3FCC056B6B";

#[test]
fn envelope_split_deconstruct() {
    let mut bytes = hex(GGLO_SEC01);
    let parts = CipheredApduMut::split(&mut bytes).unwrap();
    assert_eq!(
        parts.head,
        EnvelopeHead::General {
            tag: 0xDB,
            system_title: &hex("4D4D4D0000BC614E")
        }
    );
    assert!(!parts.head.dedicated());
    assert_eq!(parts.head.tag(), 0xDB);
    assert_eq!(parts.security_control, SecurityControl::from_byte(0x30));
    assert_eq!(parts.invocation_counter, 0x0123_4567);
    assert_eq!(&*parts.information, &hex("411312FF935A47566827C467BC")[..]);
    assert_eq!(
        &parts.auth_tag.unwrap()[..],
        &hex("7D825C3BE4A77C3FCC056B6B")[..]
    );
    // The information is lent out in place: what the caller writes lands in the buffer.
    parts.information.fill(0);
    assert_eq!(bytes[16..29], [0; 13]);
    assert_eq!(bytes[..16], hex(GGLO_SEC01)[..16]);
    // Encryption only: no tag; ded- service tag; general-ciphering without key-info.
    let mut c = hex("D1 07 20 00000009 AABB");
    let parts = CipheredApduMut::split(&mut c).unwrap();
    assert!(parts.head.dedicated());
    assert_eq!(
        (parts.auth_tag, &*parts.information),
        (None, &[0xAA, 0xBB][..])
    );
    let mut g = hex("DD 00 00 00 00 00 00 05 20 00000001");
    let parts = CipheredApduMut::split(&mut g).unwrap();
    assert!(matches!(
        parts.head,
        EnvelopeHead::GeneralCiphering { key_info: None, .. }
    ));
    assert!(parts.information.is_empty());
}

#[test]
fn envelope_head_construct_and_emit() {
    // Every envelope header, written on a buffer pre-filled with 0xA5, is the prefix of the
    // APDU the full encoder writes, and splits back to the same head.
    let st = hex("4D4D4D0000BC614E");
    let tid = [1, 2, 3, 4, 5, 6, 7, 8];
    let key = [9u8; 24];
    for head in [
        EnvelopeHead::Service { tag: 0xC8 },
        EnvelopeHead::Service { tag: 0x41 },
        EnvelopeHead::General {
            tag: 0xDC,
            system_title: &st,
        },
        EnvelopeHead::General {
            tag: 0xDB,
            system_title: &[],
        },
        EnvelopeHead::GeneralCiphering {
            header: GeneralHeader {
                transaction_id: &tid,
                originator_system_title: &st,
                ..GeneralHeader::default()
            },
            key_info: Some(KeyInfo::Wrapped {
                kek_id: 0,
                key_ciphered_data: &key,
            }),
        },
    ] {
        for body in [0usize, 12, 200] {
            let sc = SecurityControl::from_byte(if body == 0 { 0x20 } else { 0x30 });
            let mut buf = vec![0xA5u8; head.header_len(body) + body + 2];
            let mut sink = crate::axdr::SliceSink::new(&mut buf);
            head.emit_header(sc, 7, body, &mut sink).unwrap();
            let n = sink.len();
            assert_eq!(n, head.header_len(body));
            assert!(buf[n..].iter().all(|&b| b == 0xA5), "{head:?}");
            buf.truncate(n + body);
            let parts = CipheredApduMut::split(&mut buf).unwrap();
            assert_eq!(parts.head, head);
            assert_eq!((parts.security_control, parts.invocation_counter), (sc, 7));
            let tag_len = if sc.is_authenticated() { 12 } else { 0 };
            assert_eq!(parts.information.len(), body - tag_len);
        }
    }
}

#[test]
fn envelope_split_negative() {
    let full = hex(GGLO_SEC01);
    // Every truncation is an error, never a panic.
    let cuts = if cfg!(miri) { 4 } else { full.len() };
    for cut in 0..cuts {
        let mut b = full[..cut].to_vec();
        assert!(CipheredApduMut::split(&mut b).is_err(), "{cut}");
    }
    let mut long = full.clone();
    long.push(0);
    assert_eq!(
        CipheredApduMut::split(&mut long),
        Err(Error::TrailingBytes {
            field: "ciphered apdu",
            offset: 41,
            count: 1
        })
    );
    assert_eq!(
        CipheredApduMut::split(&mut hex("C0 01")),
        Err(Error::UnknownTag {
            field: "ciphered apdu",
            tag: 0xC0,
            offset: 0
        })
    );
    assert_eq!(
        CipheredApduMut::split(&mut hex("C8 06 10 00000001 AA")),
        Err(Error::Truncated {
            field: "authentication tag",
            offset: 7,
            needed: 11
        })
    );
    assert_eq!(
        CipheredApduMut::split(&mut hex("DD 00 00 00 00 00 01 07")),
        Err(Error::UnknownTag {
            field: "key-info",
            tag: 7,
            offset: 7
        })
    );
}

#[test]
fn general_signing_split_and_head() {
    let bytes = hex("DF 01 AA 00 00 00 00 03 C00102 02 5A5A");
    let mut copy = bytes.clone();
    let parts = GeneralSigning::split_mut(&mut copy).unwrap();
    assert_eq!(parts.head, &bytes[..8]);
    assert_eq!(parts.header.transaction_id, &[0xAA]);
    assert_eq!(&*parts.content, &[0xC0, 0x01, 0x02]);
    assert_eq!(parts.signature, &[0x5A, 0x5A]);
    let parsed = GeneralSigning::parse(&bytes).unwrap();
    assert_eq!(parsed.signed_part(&bytes), Some(&bytes[..11]));
    let mut head = vec![0xA5u8; GeneralSigning::head_len(&parsed.header, 3) + 1];
    let mut sink = crate::axdr::SliceSink::new(&mut head);
    GeneralSigning::emit_head(&parsed.header, 3, &mut sink).unwrap();
    assert_eq!(sink.written(), &bytes[..8]);
    assert!(GeneralSigning::split_mut(&mut hex("DF 01 AA 00 00 00 00 03 C001")).is_err());
}

#[test]
fn user_information_ranges() {
    // ACSE-02 (u9n test_aarq.py): an AARQ with an InitiateRequest in clear.
    let aarq = hex(
        "6036a1090607608574050801018a0207808b0760857405080201ac0a80083132333435363738be10040e01000000065f1f0400007e1f04b0",
    );
    assert_eq!(user_information_range(&aarq), Ok(Some(42..56)));
    assert_eq!(user_information_range(&hex("6203800100")), Ok(None));
    assert!(matches!(
        user_information_range(&hex("C001")),
        Err(Error::UnknownTag { tag: 0xC0, .. })
    ));
    assert!(user_information_range(&aarq[..40]).is_err());
    let cuts = if cfg!(miri) { 3 } else { aarq.len() };
    for cut in 0..cuts {
        let _ = user_information_range(&aarq[..cut]);
    }
}

mod prop {
    use proptest::prelude::*;

    use super::*;

    fn obis() -> impl Strategy<Value = ObisCode> {
        any::<[u8; 6]>().prop_map(ObisCode::from_bytes)
    }

    fn attribute() -> impl Strategy<Value = AttributeDescriptor> {
        (any::<u16>(), obis(), any::<i8>()).prop_map(|(c, o, a)| AttributeDescriptor::new(c, o, a))
    }

    fn method() -> impl Strategy<Value = MethodDescriptor> {
        (any::<u16>(), obis(), any::<i8>()).prop_map(|(c, o, m)| MethodDescriptor::new(c, o, m))
    }

    /// Encoded A-XDR values (decoded inside the tests, which own the bytes).
    fn data() -> impl Strategy<Value = Vec<u8>> {
        crate::axdr::tests::prop::data().prop_map(|d: OwnedData| d.to_vec().unwrap())
    }

    fn d(bytes: &[u8]) -> Data<'_> {
        Data::parse(bytes).unwrap()
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..300)
    }

    fn date_time_field() -> impl Strategy<Value = DateTimeField> {
        let enc = prop_oneof![
            Just(DateTimeEncoding::Length),
            Just(DateTimeEncoding::FlagAndLength),
            Just(DateTimeEncoding::DataTag)
        ];
        prop_oneof![
            Just(DateTimeField::Absent),
            (any::<[u8; 12]>(), enc).prop_map(|(b, encoding)| DateTimeField::Present {
                value: DateTime::from_bytes(b),
                encoding
            }),
            // The bare flag form cannot start with 0x0C (that reads as flag + length).
            (any::<[u8; 12]>().prop_filter("0C", |b| b[0] != 0x0C)).prop_map(|b| {
                DateTimeField::Present {
                    value: DateTime::from_bytes(b),
                    encoding: DateTimeEncoding::Flag,
                }
            }),
        ]
    }

    /// emit → parse with the type's own decoder → equal; and the generic decoder re-emits the
    /// same bytes.
    macro_rules! check {
        ($v:expr, $parse:path) => {{
            let v = &$v;
            let bytes = emit(v);
            let back = $parse(&bytes).map_err(|e| TestCaseError::fail(std::format!("{e}")))?;
            prop_assert_eq!(&back, v);
            let any = Apdu::parse(&bytes).map_err(|e| TestCaseError::fail(std::format!("{e}")))?;
            prop_assert_eq!(emit(&any), bytes);
        }};
    }

    proptest! {
        #[test]
        fn get_round_trip(inv in any::<u8>(), a in attribute(), sel in any::<u8>(), p in data(), with in any::<bool>(),
                          block in any::<u32>(), list in proptest::collection::vec((attribute(), any::<bool>()), 0..4),
                          raw in bytes(), last in any::<bool>(), r in data(), err in any::<u8>()) {
            let invoke = InvokeIdAndPriority(inv);
            let access = with.then(|| SelectiveAccess { selector: sel, parameters: d(&p) });
            let items: Vec<AttributeWithSelection<'_>> = list.iter().map(|&(attribute, s)| AttributeWithSelection { attribute, access: if s { access } else { None } }).collect();
            let results = [GetDataResult::Data(d(&r)), GetDataResult::Error(DataAccessResult(err))];
            for v in [
                GetRequest::Normal { invoke, attribute: a, access },
                GetRequest::Next { invoke, block_number: block },
                GetRequest::WithList { invoke, attributes: List::from_items(&items) },
            ] {
                check!(v, GetRequest::parse);
            }
            for v in [
                GetResponse::Normal { invoke, result: results[0] },
                GetResponse::Normal { invoke, result: results[1] },
                GetResponse::WithDataBlock { invoke, last_block: last, block_number: block, result: BlockResult::RawData(&raw) },
                GetResponse::WithDataBlock { invoke, last_block: last, block_number: block, result: BlockResult::Error(DataAccessResult(err)) },
                GetResponse::WithList { invoke, results: List::from_items(&results) },
            ] {
                check!(v, GetResponse::parse);
            }
        }

        #[test]
        fn set_round_trip(inv in any::<u8>(), a in attribute(), value in data(), raw in bytes(), last in any::<bool>(),
                          block in any::<u32>(), n in 0usize..4, res in proptest::collection::vec(any::<u8>(), 0..5)) {
            let invoke = InvokeIdAndPriority(inv);
            let value = d(&value);
            let db = DataBlock { last_block: last, block_number: block, raw_data: &raw };
            let attrs: Vec<AttributeWithSelection<'_>> = (0..n).map(|_| AttributeWithSelection { attribute: a, access: None }).collect();
            let values: Vec<Data<'_>> = (0..n).map(|_| value).collect();
            let results: Vec<DataAccessResult> = res.iter().map(|&r| DataAccessResult(r)).collect();
            for v in [
                SetRequest::Normal { invoke, attribute: a, access: None, value },
                SetRequest::WithFirstDataBlock { invoke, attribute: a, access: Some(SelectiveAccess { selector: 2, parameters: value }), block: db },
                SetRequest::WithDataBlock { invoke, block: db },
                SetRequest::WithList { invoke, attributes: List::from_items(&attrs), values: List::from_items(&values) },
                SetRequest::WithListAndFirstDataBlock { invoke, attributes: List::from_items(&attrs), block: db },
            ] {
                check!(v, SetRequest::parse);
            }
            let r = DataAccessResult(res.first().copied().unwrap_or(0));
            for v in [
                SetResponse::Normal { invoke, result: r },
                SetResponse::DataBlock { invoke, block_number: block },
                SetResponse::LastDataBlock { invoke, result: r, block_number: block },
                SetResponse::LastDataBlockWithList { invoke, results: List::from_items(&results), block_number: block },
                SetResponse::WithList { invoke, results: List::from_items(&results) },
            ] {
                check!(v, SetResponse::parse);
            }
        }

        #[test]
        fn action_round_trip(inv in any::<u8>(), m in method(), p in data(), raw in bytes(), last in any::<bool>(),
                             block in any::<u32>(), n in 0usize..4, res in any::<u8>()) {
            let invoke = InvokeIdAndPriority(inv);
            let p = d(&p);
            let db = DataBlock { last_block: last, block_number: block, raw_data: &raw };
            let methods: Vec<MethodDescriptor> = (0..n).map(|_| m).collect();
            let params: Vec<Data<'_>> = (0..n).map(|_| p).collect();
            for v in [
                ActionRequest::Normal { invoke, method: m, parameters: Some(p) },
                ActionRequest::Normal { invoke, method: m, parameters: None },
                ActionRequest::NextPBlock { invoke, block_number: block },
                ActionRequest::WithList { invoke, methods: List::from_items(&methods), parameters: List::from_items(&params) },
                ActionRequest::WithFirstPBlock { invoke, method: m, block: db },
                ActionRequest::WithListAndFirstPBlock { invoke, methods: List::from_items(&methods), block: db },
                ActionRequest::WithPBlock { invoke, block: db },
            ] {
                check!(v, ActionRequest::parse);
            }
            let items: Vec<ActionResponseItem<'_>> = (0..n)
                .map(|i| ActionResponseItem {
                    result: ActionResult(res),
                    return_parameters: match i % 3 { 0 => None, 1 => Some(GetDataResult::Data(p)), _ => Some(GetDataResult::Error(DataAccessResult(res))) },
                })
                .collect();
            let one = ActionResponseItem { result: ActionResult(res), return_parameters: Some(GetDataResult::Data(p)) };
            for v in [
                ActionResponse::Normal { invoke, response: one },
                ActionResponse::WithPBlock { invoke, block: db },
                ActionResponse::WithList { invoke, responses: List::from_items(&items) },
                ActionResponse::NextPBlock { invoke, block_number: block },
            ] {
                check!(v, ActionResponse::parse);
            }
        }

        #[test]
        fn notification_access_gbt_round_trip(id in any::<u32>(), t in date_time_field(), body in data(), a in attribute(), m in method(),
                                               ctl in any::<u8>(), bn in any::<u16>(), ack in any::<u16>(), raw in bytes(), r in any::<u8>()) {
            let body = d(&body);
            check!(DataNotification { long_invoke_id: LongInvokeIdAndPriority(id), date_time: t, body }, DataNotification::parse);
            check!(EventNotification { time: t, attribute: a, value: body }, EventNotification::parse);
            check!(GeneralBlockTransfer { block_control: ctl, block_number: bn, block_number_ack: ack, block_data: &raw }, GeneralBlockTransfer::parse);
            let sa = SelectiveAccess { selector: r, parameters: body };
            let specs = [
                AccessRequestSpec::Get(a), AccessRequestSpec::Set(a), AccessRequestSpec::Action(m),
                AccessRequestSpec::GetWithSelection { attribute: a, access: sa }, AccessRequestSpec::SetWithSelection { attribute: a, access: sa },
            ];
            let values = [body, Data::Null];
            let responses = [AccessResponseSpec::Get(DataAccessResult(r)), AccessResponseSpec::Set(DataAccessResult(r)), AccessResponseSpec::Action(ActionResult(r))];
            let lid = LongInvokeIdAndPriority(id);
            check!(AccessRequest { long_invoke_id: lid, date_time: t, requests: List::from_items(&specs), data: List::from_items(&values) }, AccessRequest::parse);
            for requests in [None, Some(List::from_items(&specs))] {
                check!(AccessResponse { long_invoke_id: lid, date_time: t, requests, data: List::from_items(&values), responses: List::from_items(&responses) }, AccessResponse::parse);
            }
        }

        #[test]
        fn short_name_round_trip(name in any::<u16>(), sel in any::<u8>(), p in data(), last in any::<bool>(), raw in bytes(), r in any::<u8>(), t in date_time_field()) {
            let p = d(&p);
            let vars = [
                VariableAccess::Name(name),
                VariableAccess::Parameterized { name, selector: sel, parameter: p },
                VariableAccess::BlockNumber(name),
                VariableAccess::ReadDataBlock { last_block: last, block_number: name, raw_data: &raw },
                VariableAccess::WriteDataBlock { last_block: last, block_number: name },
            ];
            let values = [p, Data::Unsigned(r)];
            let reads = [
                ReadResult::Data(p), ReadResult::Error(DataAccessResult(r)),
                ReadResult::DataBlock { last_block: last, block_number: name, raw_data: &raw }, ReadResult::BlockNumber(name),
            ];
            let writes = [WriteResult::Success, WriteResult::Error(DataAccessResult(r)), WriteResult::BlockNumber(name)];
            check!(ReadRequest { variables: List::from_items(&vars) }, ReadRequest::parse);
            check!(ReadResponse { results: List::from_items(&reads) }, ReadResponse::parse);
            check!(WriteRequest { variables: List::from_items(&vars), values: List::from_items(&values) }, WriteRequest::parse);
            check!(WriteResponse { results: List::from_items(&writes) }, WriteResponse::parse);
            check!(UnconfirmedWriteRequest { variables: List::from_items(&vars), values: List::from_items(&values) }, UnconfirmedWriteRequest::parse);
            check!(InformationReportRequest { current_time: t, variables: List::from_items(&vars), values: List::from_items(&values) }, InformationReportRequest::parse);
        }

        #[test]
        fn initiate_and_errors_round_trip(key in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..33)), ra in proptest::option::of(any::<bool>()),
                                          qos in proptest::option::of(any::<i8>()), v in any::<u8>(), c in 0u32..0x100_0000, short in any::<bool>(),
                                          pdu in any::<u16>(), vaa in any::<u16>(), s1 in any::<u8>(), s2 in any::<u8>(), ic in proptest::option::of(any::<u32>())) {
            let tag = if short { ConformanceTag::Short } else { ConformanceTag::Standard };
            let req = InitiateRequest {
                dedicated_key: key.as_deref(), response_allowed: ra, proposed_quality_of_service: qos,
                proposed_dlms_version_number: v, proposed_conformance: Conformance(c), conformance_tag: tag, client_max_receive_pdu_size: pdu,
            };
            check!(req, InitiateRequest::parse);
            let resp = InitiateResponse {
                negotiated_quality_of_service: qos, negotiated_dlms_version_number: v, negotiated_conformance: Conformance(c),
                conformance_tag: tag, server_max_receive_pdu_size: pdu, vaa_name: vaa,
            };
            check!(resp, InitiateResponse::parse);
            let service_error = if ic.is_some() { ExceptionServiceError::INVOCATION_COUNTER_ERROR } else { ExceptionServiceError(s2) };
            check!(ExceptionResponse { state_error: StateError(s1), service_error, invocation_counter: ic }, ExceptionResponse::parse);
            check!(ConfirmedServiceError { service: ConfirmedService(s1), error: ServiceError { class: ServiceErrorClass(s2), value: v } }, ConfirmedServiceError::parse);
        }

        #[test]
        fn acse_round_trip(st in any::<[u8; 8]>(), secret in proptest::collection::vec(any::<u8>(), 0..200), mech in 0u8..8, ctx in 1u8..5,
                           result in any::<u8>(), diag in any::<u8>(), provider in any::<bool>(), reason in proptest::option::of(any::<u8>()),
                           c in 0u32..0x100_0000, user in any::<u8>(), which in 0u8..3) {
            let init = InitiateRequest::new(Conformance(c), 0x400);
            let content = CipheredContent { security_control: SecurityControl::from_byte(0x30), invocation_counter: 7, information: &secret, auth_tag: Some(&[7; 12]) };
            let content = CipheredContent { auth_tag: None, security_control: SecurityControl::from_byte(0x20), ..content };
            let ui = match which {
                0 => UserInformation::InitiateRequest(init),
                1 => UserInformation::Ciphered(CipheredApdu { tag: 0x21, content }),
                _ => UserInformation::GeneralGlo(GeneralGloCiphering { tag: 0xDB, system_title: &st, content }),
            };
            let user_id = [user];
            let aarq = Aarq {
                protocol_version: Some(BerBitString::FIRST_BIT),
                calling_ap_title: Some(Tlv::octet_string(&st)),
                calling_ae_invocation_id: Some(Tlv::integer(&user_id)),
                sender_acse_requirements: Some(BerBitString::FIRST_BIT),
                mechanism_name: MechanismName(mech).oid(),
                calling_authentication_value: Some(AuthenticationValue::charstring(&secret)),
                implementation_information: Some(&st),
                ..Aarq::new(ApplicationContextName(ctx).oid().unwrap(), Some(ui))
            };
            check!(aarq, Aarq::parse);
            let diagnostic = if provider { ResultSourceDiagnostic::Provider(AcseServiceProvider(diag)) } else { ResultSourceDiagnostic::User(AcseServiceUser(diag)) };
            let resp = InitiateResponse { negotiated_quality_of_service: None, negotiated_dlms_version_number: 6, negotiated_conformance: Conformance(c), conformance_tag: ConformanceTag::Standard, server_max_receive_pdu_size: 0x400, vaa_name: 7 };
            let aare = Aare {
                responding_ap_title: Some(Tlv::octet_string(&st)),
                responder_acse_requirements: Some(BerBitString::FIRST_BIT),
                mechanism_name: MechanismName(mech).oid(),
                responding_authentication_value: Some(AuthenticationValue { tag: 0x81, value: &secret }),
                ..Aare::new(ApplicationContextName(ctx).oid().unwrap(), AssociationResult(result), diagnostic, Some(UserInformation::InitiateResponse(resp)))
            };
            check!(aare, Aare::parse);
            check!(Rlrq { reason: reason.map(ReleaseRequestReason), user_information: (which == 1).then_some(ui) }, Rlrq::parse);
            check!(Rlre { reason: reason.map(ReleaseResponseReason), user_information: Some(UserInformation::InitiateResponse(resp)) }, Rlre::parse);
        }

        #[test]
        fn ciphered_round_trip(tag_i in 0usize..32, sc in any::<u8>(), ic in any::<u32>(), info in bytes(), st in proptest::collection::vec(any::<u8>(), 0..9),
                               tid in proptest::collection::vec(any::<u8>(), 0..9), key in 0u8..4, kd in proptest::collection::vec(any::<u8>(), 0..40)) {
            const TAGS: [u8; 32] = [
                0x21, 0x25, 0x26, 0x28, 0x2C, 0x2D, 0x2E, 0x36, 0x38, 0x41, 0x45, 0x46, 0x48, 0x4C, 0x4D, 0x4E,
                0x56, 0x58, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCF, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD7,
            ];
            let tag_bytes = [0xA5u8; crate::wire::TAG_LEN];
            let sc = SecurityControl::from_byte(sc);
            let content = CipheredContent { security_control: sc, invocation_counter: ic, information: &info, auth_tag: sc.is_authenticated().then_some(&tag_bytes) };
            check!(CipheredApdu { tag: TAGS[tag_i], content }, CipheredApdu::parse);
            check!(GeneralGloCiphering { tag: if key % 2 == 0 { 0xDB } else { 0xDC }, system_title: &st, content }, GeneralGloCiphering::parse);
            let header = GeneralHeader { transaction_id: &tid, originator_system_title: &st, recipient_system_title: &st, date_time: &tid, other_information: &kd };
            let key_info = match key {
                0 => None,
                1 => Some(KeyInfo::Identified { key_id: crate::wire::KeyId(kd.len() as u8) }),
                2 => Some(KeyInfo::Wrapped { kek_id: 0, key_ciphered_data: &kd }),
                _ => Some(KeyInfo::Agreed { key_parameters: &st, key_ciphered_data: &kd }),
            };
            let gc = GeneralCiphering { header, key_info, content };
            check!(gc, GeneralCiphering::parse);
            // The header emitter writes exactly what precedes the body.
            let full = emit(&gc);
            let body = info.len() + content.auth_tag.map_or(0, |t| t.len());
            let mut head = vec![0u8; gc.header_len(body)];
            let mut sink = crate::axdr::SliceSink::new(&mut head);
            gc.emit_header(body, &mut sink).unwrap();
            prop_assert_eq!(sink.written(), &full[..full.len() - body]);
            check!(GeneralSigning { header, content: &info, signature: &kd }, GeneralSigning::parse);
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_reparse_equal(bytes in proptest::collection::vec(any::<u8>(), 0..96), first in any::<u8>()) {
            let mut input = vec![first];
            input.extend_from_slice(&bytes);
            if let Ok(apdu) = Apdu::parse(&input) {
                let again = emit(&apdu);
                let back = Apdu::parse(&again).map_err(|e| TestCaseError::fail(std::format!("{e}")))?;
                prop_assert_eq!(back, apdu);
            }
        }
    }
}
