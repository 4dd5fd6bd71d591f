//! `meterkit dlms decode` against the public vectors (kinds `hdlc-frame` and `wrapper`, copied
//! here with their sources): the JSON output carries the framing fields of each vector's
//! `expect` object with the same names and values. The `apdu` member comes from the
//! application layer's renderer and is only checked to be present. With keys, ciphered APDUs
//! (bare, in a wrapper PDU, in an HDLC frame, in an AARQ) are shown decrypted, with the field
//! names of the `cipher` vectors; a wrong key is a one-line error with exit status 2.

use std::process::{Command, Output};

use serde_json::Value;

/// (id, input hex, valid, expected framing fields as JSON)
const VECTORS: &[(&str, &str, bool, &str)] = &[
    // HDLC-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestSnrmFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "HDLC-01",
        "7ea00802232193bd647e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":8,"length_matches":true,"dst":{"hex":"0223","bytes":2,"upper":1,"lower":17},"src":{"hex":"21","bytes":1,"upper":16,"lower":null},"control":{"raw":147,"pf":1,"frame_type":"SNRM"},"frame_type":"SNRM","fcs":"bd64","fcs_ok":true,"hcs":null,"hcs_ok":null,"info_hex":"","llc":null}"#,
    ),
    // HDLC-02: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-HDLC-Packet.cpp (PUT_SNRM, "example from the DLMS website")
    (
        "HDLC-02",
        "7ea00a00020023219318717e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":10,"length_matches":true,"dst":{"hex":"00020023","bytes":4,"upper":1,"lower":17},"src":{"hex":"21","bytes":1,"upper":16,"lower":null},"control":{"raw":147,"pf":1,"frame_type":"SNRM"},"frame_type":"SNRM","fcs":"1871","fcs_ok":true,"hcs":null,"hcs_ok":null,"info_hex":"","llc":null}"#,
    ),
    // HDLC-03: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestUAFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "HDLC-03",
        "7ea01f21022373e6c781801205019a06019a070400000001080400000001cca27e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":31,"length_matches":true,"dst":{"hex":"21","bytes":1,"upper":16,"lower":null},"src":{"hex":"0223","bytes":2,"upper":1,"lower":17},"control":{"raw":115,"pf":1,"frame_type":"UA"},"frame_type":"UA","fcs":"cca2","fcs_ok":true,"hcs":"e6c7","hcs_ok":true,"info_hex":"81801205019a06019a070400000001080400000001","llc":null,"parameters":{"format_identifier":129,"group_identifier":128,"group_length":18,"max_info_field_length_transmit":154,"max_info_field_length_receive":154,"window_size_transmit":1,"window_size_receive":1,"value_sizes":{"max_info_field_length_transmit":1,"max_info_field_length_receive":1,"window_size_transmit":4,"window_size_receive":4}}}"#,
    ),
    // HDLC-04: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestHdlcAddress::test_find_4_byte_address (frame1)
    (
        "HDLC-04",
        "7ea023030002002373c0488180140502008006020080070400000001080400000001ce6a7e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":35,"length_matches":true,"dst":{"hex":"03","bytes":1,"upper":1,"lower":null},"src":{"hex":"00020023","bytes":4,"upper":1,"lower":17},"control":{"raw":115,"pf":1,"frame_type":"UA"},"frame_type":"UA","fcs":"ce6a","fcs_ok":true,"hcs":"c048","hcs_ok":true,"info_hex":"8180140502008006020080070400000001080400000001","llc":null,"parameters":{"format_identifier":129,"group_identifier":128,"group_length":20,"max_info_field_length_transmit":128,"max_info_field_length_receive":128,"window_size_transmit":1,"window_size_receive":1,"value_sizes":{"max_info_field_length_transmit":2,"max_info_field_length_receive":2,"window_size_transmit":4,"window_size_receive":4}}}"#,
    ),
    // HDLC-05: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestHdlcAddress::test_find_4_byte_address (frame2)
    (
        "HDLC-05",
        "7ea023210002002373f6c58180140502008006020080070400000001080400000001ce6a7e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":35,"length_matches":true,"dst":{"hex":"21","bytes":1,"upper":16,"lower":null},"src":{"hex":"00020023","bytes":4,"upper":1,"lower":17},"control":{"raw":115,"pf":1,"frame_type":"UA"},"frame_type":"UA","fcs":"ce6a","fcs_ok":true,"hcs":"f6c5","hcs_ok":true,"info_hex":"8180140502008006020080070400000001080400000001","llc":null,"parameters":{"format_identifier":129,"group_identifier":128,"group_length":20,"max_info_field_length_transmit":128,"max_info_field_length_receive":128,"window_size_transmit":1,"window_size_receive":1,"value_sizes":{"max_info_field_length_transmit":2,"max_info_field_length_receive":2,"window_size_transmit":4,"window_size_receive":4}}}"#,
    ),
    // HDLC-06: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestInformationFrame::test_construct [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "HDLC-06",
        "7ea02c02232110af9fe6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffffc5e47e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":44,"length_matches":true,"dst":{"hex":"0223","bytes":2,"upper":1,"lower":17},"src":{"hex":"21","bytes":1,"upper":16,"lower":null},"control":{"raw":16,"pf":1,"frame_type":"I","ns":0,"nr":0},"frame_type":"I","fcs":"c5e4","fcs_ok":true,"hcs":"af9f","hcs_ok":true,"info_hex":"e6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffff","llc":"e6e600","apdu_hex":"601da109060760857405080101be10040e01000000065f1f0400001e1dffff"}"#,
    ),
    // HDLC-07: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestInformationResponseFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "HDLC-07",
        "7ea0382102233034e7e6e7006129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007b86a7e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":56,"length_matches":true,"dst":{"hex":"21","bytes":1,"upper":16,"lower":null},"src":{"hex":"0223","bytes":2,"upper":1,"lower":17},"control":{"raw":48,"pf":1,"frame_type":"I","ns":0,"nr":1},"frame_type":"I","fcs":"b86a","fcs_ok":true,"hcs":"34e7","hcs_ok":true,"info_hex":"e6e7006129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007","llc":"e6e700","apdu_hex":"6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007"}"#,
    ),
    // HDLC-11: openmuc jDLMS (fork xdom/jdlms, GPL-3) src/test/.../sessionlayer/hdlc/HdlcFrameTest.java::decode1 (captured from Landis+Gyr E650, MAP120)
    (
        "HDLC-11",
        "7ea01e610373b57c81801205018006013e07040000000108040000000107227e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":30,"length_matches":true,"dst":{"hex":"61","bytes":1,"upper":48,"lower":null},"src":{"hex":"03","bytes":1,"upper":1,"lower":null},"control":{"raw":115,"pf":1,"frame_type":"UA"},"frame_type":"UA","fcs":"0722","fcs_ok":true,"hcs":"b57c","hcs_ok":true,"info_hex":"81801205018006013e070400000001080400000001","llc":null,"parameters":{"format_identifier":129,"group_identifier":128,"group_length":18,"max_info_field_length_transmit":128,"max_info_field_length_receive":62,"window_size_transmit":1,"window_size_receive":1,"value_sizes":{"max_info_field_length_transmit":1,"max_info_field_length_receive":1,"window_size_transmit":4,"window_size_receive":4}}}"#,
    ),
    // HDLC-12: openmuc jDLMS (fork xdom/jdlms, GPL-3) HdlcFrameTest.java::decode2 ("initial answer from the Kamstrup meter")
    (
        "HDLC-12",
        "7ea021230201737a5b81801405020074060200740704000000010804000000016a0b7e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":33,"length_matches":true,"dst":{"hex":"23","bytes":1,"upper":17,"lower":null},"src":{"hex":"0201","bytes":2,"upper":1,"lower":0},"control":{"raw":115,"pf":1,"frame_type":"UA"},"frame_type":"UA","fcs":"6a0b","fcs_ok":true,"hcs":"7a5b","hcs_ok":true,"info_hex":"8180140502007406020074070400000001080400000001","llc":null,"parameters":{"format_identifier":129,"group_identifier":128,"group_length":20,"max_info_field_length_transmit":116,"max_info_field_length_receive":116,"window_size_transmit":1,"window_size_receive":1,"value_sizes":{"max_info_field_length_transmit":2,"max_info_field_length_receive":2,"window_size_transmit":4,"window_size_receive":4}}}"#,
    ),
    // HDLC-15: openmuc jDLMS (fork xdom/jdlms, GPL-3) HdlcFrameTest.java::decode5 (E650 physical address 5481)
    (
        "HDLC-15",
        "7ea00b002254d36193f4e37e",
        false,
        r#"{"frame_format_type":10,"segmented":false,"length":11,"length_matches":false,"dst":{"hex":"002254d3","bytes":4,"upper":17,"lower":5481},"src":{"hex":"61","bytes":1,"upper":48,"lower":null},"control":{"raw":147,"pf":1,"frame_type":"SNRM"},"frame_type":"SNRM","fcs":"f4e3","fcs_ok":true,"hcs":null,"hcs_ok":null,"info_hex":"","llc":null}"#,
    ),
    // HDLC-16: openmuc jDLMS (fork xdom/jdlms, GPL-3) HdlcFrameTest.java::decode6
    (
        "HDLC-16",
        "7ea00a002254d361513f997e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":10,"length_matches":true,"dst":{"hex":"002254d3","bytes":4,"upper":17,"lower":5481},"src":{"hex":"61","bytes":1,"upper":48,"lower":null},"control":{"raw":81,"pf":1,"frame_type":"RR","nr":2},"frame_type":"RR","fcs":"3f99","fcs_ok":true,"hcs":null,"hcs_ok":null,"info_hex":"","llc":null}"#,
    ),
    // HDLC-17: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-HDLC-Packet.cpp PUT_TEST_PACKET ("EXAMPLE FROM GREEN BOOK")
    (
        "HDLC-17",
        "7ea013ceffcd1361d5e6e6001d64001400002c667e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":19,"length_matches":true,"dst":{"hex":"ceff","bytes":2,"upper":103,"lower":127},"src":{"hex":"cd","bytes":1,"upper":102,"lower":null},"control":{"raw":19,"pf":1,"frame_type":"UI"},"frame_type":"UI","fcs":"2c66","fcs_ok":true,"hcs":"61d5","hcs_ok":true,"info_hex":"e6e6001d6400140000","llc":"e6e600","apdu_hex":"1d6400140000"}"#,
    ),
    // HDLC-18: Gurux/GuruxDLMS.c issue #1 (user report; UA from a meter, addresses swapped by the user)
    (
        "HDLC-18",
        "7ea0210502217380bc8180140502010006020100070400000001080400000001696d7e",
        true,
        r#"{"frame_format_type":10,"segmented":false,"length":33,"length_matches":true,"dst":{"hex":"05","bytes":1,"upper":2,"lower":null},"src":{"hex":"0221","bytes":2,"upper":1,"lower":16},"control":{"raw":115,"pf":1,"frame_type":"UA"},"frame_type":"UA","fcs":"696d","fcs_ok":true,"hcs":"80bc","hcs_ok":true,"info_hex":"8180140502010006020100070400000001080400000001","llc":null,"parameters":{"format_identifier":129,"group_identifier":128,"group_length":20,"max_info_field_length_transmit":256,"max_info_field_length_receive":256,"window_size_transmit":1,"window_size_receive":1,"value_sizes":{"max_info_field_length_transmit":2,"max_info_field_length_receive":2,"window_size_transmit":4,"window_size_receive":4}}}"#,
    ),
    // WRAP-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_udp_message.py::test_udp_message_from_bytes (data_examples_encrypted_data_nofication[0]) [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    (
        "WRAP-01",
        "0001000100010046db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400",
        true,
        r#"{"version":1,"source_wport":1,"destination_wport":1,"length":70,"apdu_hex":"db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400"}"#,
    ),
    // WRAP-02: openmuc jDLMS (fork xdom/jdlms, GPL-3) src/test/.../internal/sessionlayer/client/WrapperHeaderTest.java::decode1
    (
        "WRAP-02",
        "0001001000110022602080020780a109060760857405080102be0f040d01000000065f0400181a200000",
        true,
        r#"{"version":1,"source_wport":16,"destination_wport":17,"length":34,"apdu_hex":"602080020780a109060760857405080102be0f040d01000000065f0400181a200000"}"#,
    ),
];

fn meterkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meterkit"))
        .args(args)
        .output()
        .expect("run meterkit")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every member of `expected` is in `actual` with the same value (recursively for objects).
fn assert_contains(id: &str, actual: &Value, expected: &Value, path: &str) {
    match expected {
        Value::Object(members) => {
            for (k, v) in members {
                let got = actual
                    .get(k)
                    .unwrap_or_else(|| panic!("{id}: {path}.{k} missing in {actual}"));
                assert_contains(id, got, v, &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(actual, expected, "{id}: {path}"),
    }
}

#[test]
fn public_vectors_as_json() {
    let mut checked = 0;
    for &(id, hex, valid, expected) in VECTORS {
        if !valid {
            continue;
        }
        let out = meterkit(&["dlms", "decode", "--json", hex]);
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let objects = json_lines(&out);
        assert_eq!(objects.len(), 1, "{id}");
        let expected: Value = serde_json::from_str(expected).unwrap();
        assert_contains(id, &objects[0], &expected, "");
        if expected.get("apdu_hex").is_some() {
            assert!(objects[0].get("apdu").is_some(), "{id}");
        }
        checked += 1;
    }
    assert_eq!(checked, 14);
}

#[test]
fn malformed_vector_exits_2_with_what_and_where() {
    // HDLC-15 (jDLMS HdlcFrameTest::decode5): length 11, 10 bytes between the flags.
    let (_, hex, valid, _) = VECTORS.iter().find(|v| v.0 == "HDLC-15").unwrap();
    assert!(!valid);
    let out = meterkit(&["dlms", "decode", hex]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("offset 0"), "{err}");
    assert!(
        err.contains("format field length 11 does not match the 10 bytes between the flags"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_exits_2() {
    for (args, needle) in [
        (vec!["zz"], "not a hex digit"),
        (vec!["7ea"], "odd number of hex digits"),
        // A wrong FCS (HDLC-01 with its last FCS byte changed).
        (vec!["7ea00802232193bd657e"], "bad FCS at offset 7"),
        // Garbage after a good frame.
        (
            vec!["7ea00802232193bd647e", "55"],
            "input offset 10: expected the format field",
        ),
        (
            vec!["--as", "hdlc", "55", "7ea00802232193bd647e"],
            "input offset 0: expected the HDLC flag 0x7E, found 0x55",
        ),
        // A frame cut short.
        (vec!["7ea0080223219302"], "HDLC frame at input offset 0"),
        // A wrapper PDU cut short, and one with a wrong version after a good one.
        (
            vec!["--as", "wrapper", "000100100001000dc001"],
            "truncated, 11 more byte(s) needed",
        ),
        (
            vec!["000100100001000162", "0002"],
            "wrapper PDU at offset 9",
        ),
        // A segmented frame without its final segment.
        (
            vec!["7ea80f210223037921e6e7000f006dfc7e"],
            "no final segment",
        ),
        (vec!["--as", "apdu", " "], "no input bytes"),
    ] {
        let mut all = vec!["dlms", "decode"];
        all.extend(args.iter());
        let out = meterkit(&all);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// A 2-segment UI push: E6 E7 00 0F 00 00 00 01 00 | 00 01 02 03 04 05, client 103 from (1,17).
fn segmented_push() -> String {
    use dlms::hdlc::{Address, Control, HdlcFrameRepr};
    let dst = Address::client(103).unwrap();
    let src = Address::server(1, Some(17)).unwrap();
    let mut out = String::new();
    for (info, more) in [
        (
            &[0xE6, 0xE7, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x01, 0x00][..],
            true,
        ),
        (&[0x00, 0x01, 0x02, 0x03, 0x04, 0x05][..], false),
    ] {
        let repr = HdlcFrameRepr {
            segmented: more,
            dst,
            src,
            control: Control::Ui { pf: !more },
            info,
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit_to_slice(&mut buf).unwrap();
        out.extend(buf.iter().map(|b| format!("{b:02x}")));
    }
    out
}

#[test]
fn several_frames_and_segmented_sequences() {
    // Two frames sharing a flag (IEC 62056-46 RR and DISC).
    let input = "7ea00802232151a3817ea00802232153b1a27e";
    let out = meterkit(&["dlms", "decode", "--json", input]);
    assert!(out.status.success());
    let objects = json_lines(&out);
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["frame_type"], "RR");
    assert_eq!(objects[1]["frame_type"], "DISC");

    // A segmented sequence built the way Iskra AM550 pushes arrive (UI, A8 format, LLC in the
    // first segment only).
    let seg = segmented_push();
    let out = meterkit(&["dlms", "decode", "--json", &seg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objects = json_lines(&out);
    assert_eq!(objects.len(), 1);
    let o = &objects[0];
    assert_eq!(o["frames"].as_array().unwrap().len(), 2);
    assert_eq!(o["frames"][0]["segmented"], true);
    assert_eq!(o["frames"][0]["llc"], "e6e700");
    assert_eq!(o["frames"][1]["segmented"], false);
    assert_eq!(o["frames"][1]["llc"], Value::Null);
    assert_eq!(o["reassembled_apdu"], "0f0000000100000102030405");
    assert!(o.get("apdu").is_some());

    let text = meterkit(&["dlms", "decode", &seg]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("segmented sequence, 2 frames, 12 bytes of APDU"),
        "{text}"
    );
    assert!(text.contains("reassembled apdu:"), "{text}");
}

#[test]
fn text_output_bare_apdu_and_stdin() {
    // HDLC-03: the UA with parameters, as a tree.
    let hdlc03 = VECTORS.iter().find(|v| v.0 == "HDLC-03").unwrap().1;
    let out = meterkit(&["dlms", "decode", hdlc03]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("control: 0x73 UA"), "{text}");
    assert!(
        text.contains("max info field length transmit: 154 (1 byte(s))"),
        "{text}"
    );
    // A bare APDU (the IEC 62056-47 example's GET-Request-Normal), with separators and a 0x prefix.
    let out = meterkit(&[
        "dlms",
        "decode",
        "--json",
        "0xC0 01:C1 00 03 01 00 01 08 00 FF 02 00",
    ]);
    assert!(out.status.success());
    let o = &json_lines(&out)[0];
    // The JSON of a bare APDU is the decoded APDU, as in the `apdu` vectors.
    assert_eq!(o["type"], "get-request");
    assert_eq!(o["cosem_attribute_descriptor"]["obis"], "1-0:1.8.0.255");
    // From standard input.
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_meterkit"))
        .args(["dlms", "decode", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"7ea00802232193bd647e\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(json_lines(&out)[0]["frame_type"], "SNRM");
}

// ---- decryption with keys ----------------------------------------------------------------------

/// The Green Book suite-0 keys and the sender's title (vectors SEC-01..03).
const GB_KEYS: [&str; 6] = [
    "--system-title",
    "4d4d4d0000bc614e",
    "--ek",
    "000102030405060708090a0b0c0d0e0f",
    "--ak",
    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
];
/// SEC-01: u9n/dlms-cosem @c52e9d4 tests/test_security.py::test_encrypt_authenticated; openmuc
/// jDLMS CipheringTest.java (Green Book glo-get-request).
const SEC_01: &str = "c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b";

/// `meterkit dlms decode` with the Green Book keys, except those `extra` gives itself.
fn decode_with_keys(extra: &[&str]) -> Output {
    let mut args = vec!["dlms", "decode"];
    for pair in GB_KEYS.chunks(2) {
        if !extra.contains(&pair[0]) {
            args.extend_from_slice(pair);
        }
    }
    args.extend_from_slice(extra);
    meterkit(&args)
}

#[test]
fn ciphered_apdus_decrypted_with_keys() {
    // SEC-01 as JSON: the vector's `expect.apdu` decrypted fields.
    let out = decode_with_keys(&["--json", SEC_01]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = &json_lines(&out)[0];
    let expected: Value = serde_json::from_str(
        r#"{"type":"glo-get-request","iv":"4d4d4d0000bc614e01234567","plaintext":"c0010000080000010000ff0200","auth_tag_verified":true,
            "plaintext_apdu":{"type":"get-request","variant":"normal","cosem_attribute_descriptor":{"class_id":8,"obis":"0-0:1.0.0.255","attribute_id":2}}}"#,
    )
    .unwrap();
    assert_contains("SEC-01", o, &expected, "");
    // As a tree.
    let out = decode_with_keys(&[SEC_01]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("plaintext_apdu: get-request"), "{text}");
    assert!(text.contains("obis: 0-0:1.0.0.255"), "{text}");
    assert!(text.contains("auth_tag_verified: true"), "{text}");
    assert!(
        !text.contains("000102030405060708090a0b0c0d0e0f"),
        "keys are never printed"
    );

    // Inside a wrapper PDU, and inside an HDLC I-frame.
    let wrapped = format!("0001000100010020{SEC_01}");
    let out = decode_with_keys(&["--json", &wrapped]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_lines(&out)[0]["apdu"]["plaintext"],
        "c0010000080000010000ff0200"
    );
    let frame = {
        use dlms::hdlc::{Address, Control, HdlcFrameRepr};
        let mut info = vec![0xE6, 0xE6, 0x00];
        info.extend(
            (0..SEC_01.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&SEC_01[i..i + 2], 16).unwrap()),
        );
        let repr = HdlcFrameRepr {
            segmented: false,
            dst: Address::server(1, Some(17)).unwrap(),
            src: Address::client(16).unwrap(),
            control: Control::I {
                ns: 0,
                nr: 0,
                pf: true,
            },
            info: &info,
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit_to_slice(&mut buf).unwrap();
        buf.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let out = decode_with_keys(&["--json", &frame]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_lines(&out)[0]["apdu"]["auth_tag_verified"], true);

    // The ciphered AARQ of ACSE-04 (u9n test_aarq.py): the title from its calling-AP-title.
    let acse04 = "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a80083132333435363738be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211be6841db204d39ee6fdb8e356855";
    let out = meterkit(&[
        "dlms", "decode", "--json", "--ek", GB_KEYS[3], "--ak", GB_KEYS[5], acse04,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_lines(&out)[0]["user_information"]["apdu"]["plaintext_apdu"]["dedicated_key"],
        "00112233445566778899aabbccddeeff"
    );
    // Without the authentication key the tag cannot be checked, and says so.
    let out = meterkit(&[
        "dlms",
        "decode",
        "--json",
        "--system-title",
        GB_KEYS[1],
        "--ek",
        GB_KEYS[3],
        SEC_01,
    ]);
    assert_eq!(json_lines(&out)[0]["auth_tag_verified"], false);
    // Without any key nothing is decrypted.
    let out = meterkit(&["dlms", "decode", "--json", SEC_01]);
    assert!(json_lines(&out)[0].get("plaintext").is_none());
}

#[test]
fn wrong_or_malformed_keys_exit_2_with_one_line() {
    for (args, needle) in [
        (
            vec!["--ek", "000102030405060708090a0b0c0d0e0e", SEC_01],
            "APDU: glo-get-request: authentication tag mismatch: wrong key or altered data",
        ),
        (
            vec!["--ek", "0001020304050607080910111213", SEC_01],
            "--ek: a key is 16 or 32 bytes (32 or 64 hex digits), not 14",
        ),
        (vec!["--ak", "xyz", SEC_01], "--ak: not a hex digit"),
        (
            vec!["--system-title", "4d4d4d", SEC_01],
            "--system-title: a system title is 8 bytes (16 hex digits), not 3",
        ),
        // A ded- APDU without the dedicated key.
        (
            vec!["d01e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b"],
            "ded-get-request: no dedicated key configured",
        ),
        // In a wrapper PDU, a flipped tag bit.
        (
            vec![
                "0001000100010020c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6a",
            ],
            "authentication tag mismatch",
        ),
    ] {
        let out = decode_with_keys(&args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
