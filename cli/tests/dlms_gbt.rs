//! `meterkit dlms decode` of pushes cut into general-block-transfer blocks: one block per HDLC
//! UI frame (the Landis+Gyr E450 HAN push), per wrapper PDU, or bare APDUs one after another.
//! The blocks are reassembled (block numbers and the last-block flag checked), the APDU is
//! decrypted with `--ek/--ak` and decoded; a missing or repeated block is a one-line error
//! that names the block.

use std::process::{Command, Output};

use serde_json::Value;

/// A real push in clear: three UI frames from a Landis+Gyr E450 ("E450 HDLC Cyprus") carrying
/// GBT blocks 1..3 (block control 40 40 C0, ack 0), only the first with the LLC header.
/// Source: esphome/esphome pull request #16942, the meter log of 2026-07-18 16:58:09 (the
/// first 395 bytes of its 1,039-byte buffer).
const E450_CLEAR: [&str; 3] = [
    concat!(
        "7ea084ceff0313128be6e700e04000010000700f007c83d30c07ea071206103a00ff800000020d010d02041200280906",
        "0009190900ff0f021200000204120001090600002a0000ff0f02120000020412000109060000600101ff0f0212000002",
        "0412000109060000600e00ff0f02120000020412000309060100010801ff0f0212000008f77e",
    ),
    concat!(
        "7ea07dceff0313d045e040000200006c020412000309060100010802ff0f02120000020412000309060100020801ff0f",
        "02120000020412000309060100020802ff0f02120000020412000309060100010800ff0f021200000204120003090601",
        "00020800ff0f02120000020412000309060100030800ff0f02120000b34e7e",
    ),
    concat!(
        "7ea084ceff0313128be0c00003000073020412000309060100040800ff0f0212000002041200460906000060030aff0f",
        "0312000009104c475a31303230373832353436333731090731323939363532090852415445320000000600361f580600",
        "36c67e0600018eb306002778d506006ce5d60600290788060004c70d06002714591601882b7e",
    ),
];

/// The DataNotification those three blocks carry (their block data concatenated): 335 bytes.
const E450_PLAINTEXT: &str = concat!(
    "0f007c83d30c07ea071206103a00ff800000020d010d020412002809060009190900ff0f021200000204120001090600",
    "002a0000ff0f02120000020412000109060000600101ff0f02120000020412000109060000600e00ff0f021200000204",
    "12000309060100010801ff0f02120000020412000309060100010802ff0f02120000020412000309060100020801ff0f",
    "02120000020412000309060100020802ff0f02120000020412000309060100010800ff0f021200000204120003090601",
    "00020800ff0f02120000020412000309060100030800ff0f02120000020412000309060100040800ff0f021200000204",
    "1200460906000060030aff0f0312000009104c475a313032303738323534363337310907313239393635320908524154",
    "45320000000600361f58060036c67e0600018eb306002778d506006ce5d60600290788060004c70d06002714591601",
);

/// The same DataNotification as general-glo-ciphering (suite 0, SC 0x30, IC 0x01234567, the
/// Green Book example keys and system title below), cut into three GBT blocks in UI frames as
/// the E450 sends them. Made with code independent of meterkit: AES-GCM from Python's
/// `cryptography` 48.0, the CRC-16/X.25 and the layouts written in `vectors/gbt_push.py`
/// (`python3 cli/tests/vectors/gbt_push.py E450_PLAINTEXT` prints these frames).
const CIPHERED: [&str; 3] = [
    concat!(
        "7ea08eceff0313bac7e6e700e040000100007adb084d4d4d0000bc614e82016030012345678e126e7c485640bd6f353d",
        "75861e61780f634d09762b3d70015bfd5508bad1d7c306be6c41b778c58baa3af8b8014eaafa0e0caed551378106251a",
        "2feef02828c64cfa12251676076bac28a6e6af6629320fd542b4a0f07f5a81c237e62aa7d231fdf01736f23e4240947e",
    ),
    concat!(
        "7ea08bceff0313eee1e040000200007af8e7ef59ef7920b00b63cde42781b19c4767e605d1dfec5688c41fe0fc18ac38",
        "415234fd5d00d17ea23c4c6b8b05b1576aed7b3640266e32051ec785b13c106721a26cee81b87f0e153adc26ac38e250",
        "2567b2b1500a7b2329c8232998c36a6aab75aa04c75198c31282f8258ae32e9ea5927ead8d19d5f012e73b157e",
    ),
    concat!(
        "7ea08aceff0313aaeae0c000030000798939c5d43bbc882ec532e865014d99448990794051d18ce2c02f14df4f81c072",
        "c134e0323ec6878e669c2ee9dc33efcd8c10fc0c87a15478eb05de136e72edd4b3903445b1ab58c0de4080396e292664",
        "019da1d7c415ee8881e84212d0cb99fe38343b05a057268e688072c43251417c46c89787ac1ceec2d51c3b7e",
    ),
];

const SYSTEM_TITLE: &str = "4d4d4d0000bc614e";
const EK: &str = "000102030405060708090a0b0c0d0e0f";
const AK: &str = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";

fn meterkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meterkit"))
        .args(args)
        .output()
        .expect("run meterkit")
}

fn json_lines(out: &Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The GBT block APDU of a UI frame of these vectors: the information field (after the
/// 9-byte head: flag, format, 2-byte destination, 1-byte source, control, HCS) without the
/// LLC header.
fn block_of(frame: &str) -> Vec<u8> {
    let f = unhex(frame);
    let info = &f[9..f.len() - 3];
    info.strip_prefix(&[0xE6, 0xE7, 0x00][..])
        .unwrap_or(info)
        .to_vec()
}

/// A wrapper PDU (IEC 62056-47: version 1, source wPort 1, destination wPort 16) around `apdu`.
fn wrapped(apdu: &[u8]) -> String {
    let mut pdu = vec![0x00, 0x01, 0x00, 0x01, 0x00, 0x10];
    pdu.extend_from_slice(&u16::try_from(apdu.len()).unwrap().to_be_bytes());
    pdu.extend_from_slice(apdu);
    hex(&pdu)
}

/// Checks the reassembled object's blocks against the frames' block APDUs.
fn check_blocks(obj: &Value, frames: &[&str]) {
    let blocks = obj["gbt_blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), frames.len());
    let mut data = String::new();
    for (i, (b, frame)) in blocks.iter().zip(frames).enumerate() {
        let last = i + 1 == frames.len();
        let raw = block_of(frame);
        assert_eq!(b["block_control"], if last { 0xC0 } else { 0x40 }, "{b}");
        assert_eq!(b["last_block"], last);
        assert_eq!(b["streaming"], true);
        assert_eq!(b["window"], 0);
        assert_eq!(b["block_number"], i + 1);
        assert_eq!(b["block_number_ack"], 0);
        // block data = the APDU after its 6-byte head and the A-XDR length
        let head = if raw[6] < 0x80 { 7 } else { 8 };
        assert_eq!(b["block_data"], hex(&raw[head..]));
        data.push_str(b["block_data"].as_str().unwrap());
    }
    assert_eq!(obj["reassembled_apdu"], data);
}

#[test]
fn e450_push_in_three_ui_frames_is_reassembled_and_decoded() {
    let input = E450_CLEAR.concat();
    let items = json_lines(&meterkit(&["dlms", "decode", "--json", &input]));
    assert_eq!(items.len(), 1, "one reassembled push, not three frames");
    let push = &items[0];
    let frames = push["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0]["llc"], "e6e700");
    assert_eq!(frames[1]["llc"], Value::Null);
    assert!(
        frames
            .iter()
            .all(|f| f["frame_type"] == "UI" && f["fcs_ok"] == true)
    );
    check_blocks(push, &E450_CLEAR);
    assert_eq!(push["reassembled_apdu"], E450_PLAINTEXT);
    let apdu = &push["apdu"];
    assert_eq!(apdu["type"], "data-notification", "{apdu}");
    // The meter's serial number "LGZ1020782546371" is in the body.
    assert!(
        apdu.to_string()
            .contains("4c475a31303230373832353436333731")
    );

    let out = meterkit(&["dlms", "decode", &input]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("general block transfer, 3 blocks, 335 bytes of APDU"),
        "{text}"
    );
    assert!(text.contains("block 3: control 0xC0, last, streaming, window 0, ack 0, 115 bytes"));
    assert!(text.contains("data-notification"));
}

#[test]
fn ciphered_gbt_push_is_reassembled_decrypted_and_decoded() {
    let input = CIPHERED.concat();
    let keys = ["--system-title", SYSTEM_TITLE, "--ek", EK, "--ak", AK];
    let mut args = vec!["dlms", "decode", "--json", input.as_str()];
    args.extend(keys);
    let items = json_lines(&meterkit(&args));
    assert_eq!(items.len(), 1);
    let push = &items[0];
    check_blocks(push, &CIPHERED);
    let apdu = &push["apdu"];
    assert_eq!(apdu["type"], "general-glo-ciphering", "{apdu}");
    assert_eq!(apdu["system_title"], SYSTEM_TITLE);
    assert_eq!(apdu["invocation_counter"], 0x0123_4567);
    assert_eq!(apdu["auth_tag_verified"], true);
    assert_eq!(apdu["plaintext"], E450_PLAINTEXT);
    assert_eq!(apdu["plaintext_apdu"]["type"], "data-notification");

    // Without keys the reassembled APDU is shown as ciphered, not decrypted.
    let items = json_lines(&meterkit(&["dlms", "decode", "--json", &input]));
    assert_eq!(items[0]["apdu"]["type"], "general-glo-ciphering");
    assert_eq!(items[0]["apdu"]["plaintext"], Value::Null);

    // A wrong key is a one-line error.
    let mut args = vec!["dlms", "decode", input.as_str()];
    args.extend(["--ek", AK, "--ak", AK, "--system-title", SYSTEM_TITLE]);
    let out = meterkit(&args);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );
}

#[test]
fn gbt_blocks_in_wrapper_pdus_and_as_bare_apdus() {
    let blocks: Vec<Vec<u8>> = CIPHERED.iter().map(|f| block_of(f)).collect();
    let keys = ["--system-title", SYSTEM_TITLE, "--ek", EK, "--ak", AK];
    for input in [
        blocks.iter().map(|b| wrapped(b)).collect::<String>(),
        blocks.iter().map(|b| hex(b)).collect::<String>(),
    ] {
        let mut args = vec!["dlms", "decode", "--json", input.as_str()];
        args.extend(keys);
        let items = json_lines(&meterkit(&args));
        assert_eq!(items.len(), 1, "{items:?}");
        check_blocks(&items[0], &CIPHERED);
        assert_eq!(items[0]["frames"].as_array().unwrap().len(), 3);
        assert_eq!(items[0]["apdu"]["plaintext"], E450_PLAINTEXT);
        assert_eq!(
            items[0]["apdu"]["plaintext_apdu"]["type"],
            "data-notification"
        );
    }
}

/// Runs the decoder on `input` and returns its one-line error.
fn error_of(input: &str) -> String {
    let out = meterkit(&["dlms", "decode", input]);
    assert_eq!(out.status.code(), Some(2), "{input}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    err
}

#[test]
fn a_missing_or_repeated_block_names_the_block() {
    let [f1, f2, f3] = E450_CLEAR;
    let err = error_of(&[f1, f3].concat());
    assert!(
        err.contains("offset 134") && err.contains("block 2 is missing (block 3 came instead)"),
        "{err}"
    );
    let err = error_of(&[f2, f3].concat());
    assert!(
        err.contains("block 1 is missing (block 2 came instead)"),
        "{err}"
    );
    let err = error_of(&[f1, f1, f2, f3].concat());
    assert!(err.contains("block 1 is repeated"), "{err}");
    let err = error_of(&[f1, f2].concat());
    assert!(
        err.contains("the input ends after block 2; block 3 (and the last block) is missing"),
        "{err}"
    );
    // A frame that is not a block, while blocks are pending.
    let snrm = "7ea00802232193bd647e"; // HDLC-01 (u9n/dlms-cosem test_hdlc.py::TestSnrmFrame)
    let err = error_of(&[f1, snrm].concat());
    assert!(
        err.contains("not a general-block-transfer block, but block 2"),
        "{err}"
    );
    // The same checks for bare APDUs.
    let bare: Vec<String> = E450_CLEAR.iter().map(|f| hex(&block_of(f))).collect();
    let err = error_of(&[bare[0].as_str(), &bare[2]].concat());
    assert!(err.contains("block 2 is missing"), "{err}");
}

#[test]
fn two_pushes_in_a_row_decode_as_two() {
    // Two pushes one after the other decode as two objects.
    let input = [E450_CLEAR.concat(), E450_CLEAR.concat()].concat();
    let items = json_lines(&meterkit(&["dlms", "decode", "--json", &input]));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["reassembled_apdu"], items[1]["reassembled_apdu"]);
}
