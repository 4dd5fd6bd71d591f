//! The public HDLC vectors (`hdlc-frame` and `crc` records of the shared DLMS vector set),
//! copied here with their sources: every field the vectors state is checked against the view,
//! the representation, a re-emission and the deframer.

use dlms::Error;
use dlms::hdlc::{
    Address, Deframed, Deframer, FrameType, HdlcFrame, HdlcFrameRepr, Llc, ParametersRepr, fcs,
    parameters,
};

#[derive(Debug)]
struct Addr {
    hex: &'static str,
    bytes: usize,
    upper: u16,
    lower: Option<u16>,
}

#[derive(Debug)]
struct Params {
    tx: u32,
    rx: u32,
    wtx: u32,
    wrx: u32,
    sizes: [usize; 4],
    group_length: usize,
}

#[derive(Debug)]
struct Vector {
    id: &'static str,
    hex: &'static str,
    valid: bool,
    segmented: bool,
    length: usize,
    length_matches: bool,
    dst: Addr,
    src: Addr,
    control: u8,
    pf: bool,
    ns: Option<u8>,
    nr: Option<u8>,
    frame_type: &'static str,
    hcs: Option<&'static str>,
    fcs: &'static str,
    info: &'static str,
    llc: Option<&'static str>,
    params: Option<Params>,
    apdu: Option<&'static str>,
}

const VECTORS: &[Vector] = &[
    // HDLC-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestSnrmFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    // SNRM, no information field (default parameters). dst = server 2-byte address upper(logical)=1 lower(physical)=17 (0x02 0x23); src = client 16 (0x21); control 0x93 = SNRM P=1.
    Vector {
        id: "HDLC-01",
        hex: "7ea00802232193bd647e",
        valid: true,
        segmented: false,
        length: 8,
        length_matches: true,
        dst: Addr {
            hex: "0223",
            bytes: 2,
            upper: 1,
            lower: Some(17),
        },
        src: Addr {
            hex: "21",
            bytes: 1,
            upper: 16,
            lower: None,
        },
        control: 147,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "SNRM",
        hcs: None,
        fcs: "bd64",
        info: "",
        llc: None,
        params: None,
        apdu: None,
    },
    // HDLC-02: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-HDLC-Packet.cpp (PUT_SNRM, "example from the DLMS website")
    // SNRM with 4-byte server address (upper 0x0001, lower 0x0011 -> 00 02 00 23), client 0x10 (0x21), no info field. FCS 0x7118 (bytes 18 71). Same frame body is in jDLMS FcsCalcTest: "A00A000200232193" ->
    Vector {
        id: "HDLC-02",
        hex: "7ea00a00020023219318717e",
        valid: true,
        segmented: false,
        length: 10,
        length_matches: true,
        dst: Addr {
            hex: "00020023",
            bytes: 4,
            upper: 1,
            lower: Some(17),
        },
        src: Addr {
            hex: "21",
            bytes: 1,
            upper: 16,
            lower: None,
        },
        control: 147,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "SNRM",
        hcs: None,
        fcs: "1871",
        info: "",
        llc: None,
        params: None,
        apdu: None,
    },
    // HDLC-03: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestUAFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    // UA from server (1,17) to client 16, with HDLC parameter negotiation field 81 80 12: 05 01 9A (max-info-field-length transmit = 154), 06 01 9A (max-info receive = 154), 07 04 00000001 (window transmit
    Vector {
        id: "HDLC-03",
        hex: "7ea01f21022373e6c781801205019a06019a070400000001080400000001cca27e",
        valid: true,
        segmented: false,
        length: 31,
        length_matches: true,
        dst: Addr {
            hex: "21",
            bytes: 1,
            upper: 16,
            lower: None,
        },
        src: Addr {
            hex: "0223",
            bytes: 2,
            upper: 1,
            lower: Some(17),
        },
        control: 115,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UA",
        hcs: Some("e6c7"),
        fcs: "cca2",
        info: "81801205019a06019a070400000001080400000001",
        llc: None,
        params: Some(Params {
            tx: 154,
            rx: 154,
            wtx: 1,
            wrx: 1,
            sizes: [1, 1, 4, 4],
            group_length: 18,
        }),
        apdu: None,
    },
    // HDLC-04: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestHdlcAddress::test_find_4_byte_address (frame1)
    // UA, dst = client 1 (0x03), src = 4-byte server address 00 02 00 23 (logical 1, physical 17). Params: 05 02 0080 / 06 02 0080 (max info 128 as 2-byte value), windows 1. Test asserts dst (1,None,1) src
    Vector {
        id: "HDLC-04",
        hex: "7ea023030002002373c0488180140502008006020080070400000001080400000001ce6a7e",
        valid: true,
        segmented: false,
        length: 35,
        length_matches: true,
        dst: Addr {
            hex: "03",
            bytes: 1,
            upper: 1,
            lower: None,
        },
        src: Addr {
            hex: "00020023",
            bytes: 4,
            upper: 1,
            lower: Some(17),
        },
        control: 115,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UA",
        hcs: Some("c048"),
        fcs: "ce6a",
        info: "8180140502008006020080070400000001080400000001",
        llc: None,
        params: Some(Params {
            tx: 128,
            rx: 128,
            wtx: 1,
            wrx: 1,
            sizes: [2, 2, 4, 4],
            group_length: 20,
        }),
        apdu: None,
    },
    // HDLC-05: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestHdlcAddress::test_find_4_byte_address (frame2)
    // Same UA as HDLC-04 but to client 16 (0x21), with its own HCS F6 C5. The FCS (CE 6A) is the SAME as in HDLC-04 although the address differs: because the HCS already covers the header, CRC(header||HCS)
    Vector {
        id: "HDLC-05",
        hex: "7ea023210002002373f6c58180140502008006020080070400000001080400000001ce6a7e",
        valid: true,
        segmented: false,
        length: 35,
        length_matches: true,
        dst: Addr {
            hex: "21",
            bytes: 1,
            upper: 16,
            lower: None,
        },
        src: Addr {
            hex: "00020023",
            bytes: 4,
            upper: 1,
            lower: Some(17),
        },
        control: 115,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UA",
        hcs: Some("f6c5"),
        fcs: "ce6a",
        info: "8180140502008006020080070400000001080400000001",
        llc: None,
        params: Some(Params {
            tx: 128,
            rx: 128,
            wtx: 1,
            wrx: 1,
            sizes: [2, 2, 4, 4],
            group_length: 20,
        }),
        apdu: None,
    },
    // HDLC-06: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestInformationFrame::test_construct [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    // I-frame (N(S)=0,N(R)=0,P=1; control 0x10) client 16 -> server (1,17). LLC E6 E6 00 + AARQ (LN no-ciphering app context 2.16.756.5.8.1.1, no auth) with InitiateRequest: DLMS v6, conformance 00001E1D, c
    Vector {
        id: "HDLC-06",
        hex: "7ea02c02232110af9fe6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffffc5e47e",
        valid: true,
        segmented: false,
        length: 44,
        length_matches: true,
        dst: Addr {
            hex: "0223",
            bytes: 2,
            upper: 1,
            lower: Some(17),
        },
        src: Addr {
            hex: "21",
            bytes: 1,
            upper: 16,
            lower: None,
        },
        control: 16,
        pf: true,
        ns: Some(0),
        nr: Some(0),
        frame_type: "I",
        hcs: Some("af9f"),
        fcs: "c5e4",
        info: "e6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffff",
        llc: Some("e6e600"),
        params: None,
        apdu: Some("601da109060760857405080101be10040e01000000065f1f0400001e1dffff"),
    },
    // HDLC-07: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before) tests/test_hdlc/test_hdlc.py::TestInformationResponseFrame [also in MIT-licensed pwitab/dlms-cosem@dc41293 (2021) tests]
    // I-frame (control 0x30: N(S)=0, N(R)=1, F=1) server (1,17) -> client 16. LLC E6 E7 00 + AARE accepted (result 0, diag user null) with InitiateResponse: v6, conformance 00001E1D, server-max-receive-pdu-
    Vector {
        id: "HDLC-07",
        hex: "7ea0382102233034e7e6e7006129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007b86a7e",
        valid: true,
        segmented: false,
        length: 56,
        length_matches: true,
        dst: Addr {
            hex: "21",
            bytes: 1,
            upper: 16,
            lower: None,
        },
        src: Addr {
            hex: "0223",
            bytes: 2,
            upper: 1,
            lower: Some(17),
        },
        control: 48,
        pf: true,
        ns: Some(0),
        nr: Some(1),
        frame_type: "I",
        hcs: Some("34e7"),
        fcs: "b86a",
        info: "e6e7006129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007",
        llc: Some("e6e700"),
        params: None,
        apdu: Some(
            "6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007",
        ),
    },
    // HDLC-11: openmuc jDLMS (fork xdom/jdlms, GPL-3) src/test/.../sessionlayer/hdlc/HdlcFrameTest.java::decode1 (captured from Landis+Gyr E650, MAP120)
    // UA from L+G E650: dst 0x61 (client 0x30), src 0x03 (server logical 1, 1-byte), params: max-info TX 0x80=128, RX 0x3E=62, windows 1.
    Vector {
        id: "HDLC-11",
        hex: "7ea01e610373b57c81801205018006013e07040000000108040000000107227e",
        valid: true,
        segmented: false,
        length: 30,
        length_matches: true,
        dst: Addr {
            hex: "61",
            bytes: 1,
            upper: 48,
            lower: None,
        },
        src: Addr {
            hex: "03",
            bytes: 1,
            upper: 1,
            lower: None,
        },
        control: 115,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UA",
        hcs: Some("b57c"),
        fcs: "0722",
        info: "81801205018006013e070400000001080400000001",
        llc: None,
        params: Some(Params {
            tx: 128,
            rx: 62,
            wtx: 1,
            wrx: 1,
            sizes: [1, 1, 4, 4],
            group_length: 18,
        }),
        apdu: None,
    },
    // HDLC-12: openmuc jDLMS (fork xdom/jdlms, GPL-3) HdlcFrameTest.java::decode2 ("initial answer from the Kamstrup meter")
    // UA from Kamstrup: dst 0x23 (client 0x11), src 02 01 (2-byte server: logical 1, physical 0), params: max-info TX/RX 0x0074 (116, encoded as 2 bytes), windows 1.
    Vector {
        id: "HDLC-12",
        hex: "7ea021230201737a5b81801405020074060200740704000000010804000000016a0b7e",
        valid: true,
        segmented: false,
        length: 33,
        length_matches: true,
        dst: Addr {
            hex: "23",
            bytes: 1,
            upper: 17,
            lower: None,
        },
        src: Addr {
            hex: "0201",
            bytes: 2,
            upper: 1,
            lower: Some(0),
        },
        control: 115,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UA",
        hcs: Some("7a5b"),
        fcs: "6a0b",
        info: "8180140502007406020074070400000001080400000001",
        llc: None,
        params: Some(Params {
            tx: 116,
            rx: 116,
            wtx: 1,
            wrx: 1,
            sizes: [2, 2, 4, 4],
            group_length: 20,
        }),
        apdu: None,
    },
    // HDLC-15: openmuc jDLMS (fork xdom/jdlms, GPL-3) HdlcFrameTest.java::decode5 (E650 physical address 5481)
    // SNRM (0x93) to 4-byte server address 00 22 54 D3 (logical 17, physical 5481 = 0x1569) from client 0x30 (0x61). Test asserts physical id 5481. MALFORMED: the format field says length 0x0B (11) but only
    Vector {
        id: "HDLC-15",
        hex: "7ea00b002254d36193f4e37e",
        valid: false,
        segmented: false,
        length: 11,
        length_matches: false,
        dst: Addr {
            hex: "002254d3",
            bytes: 4,
            upper: 17,
            lower: Some(5481),
        },
        src: Addr {
            hex: "61",
            bytes: 1,
            upper: 48,
            lower: None,
        },
        control: 147,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "SNRM",
        hcs: None,
        fcs: "f4e3",
        info: "",
        llc: None,
        params: None,
        apdu: None,
    },
    // HDLC-16: openmuc jDLMS (fork xdom/jdlms, GPL-3) HdlcFrameTest.java::decode6
    // RR (0x51: N(R)=2, P=1) to server 17/5481 from client 0x30. Test asserts FrameType.RECEIVE_READY.
    Vector {
        id: "HDLC-16",
        hex: "7ea00a002254d361513f997e",
        valid: true,
        segmented: false,
        length: 10,
        length_matches: true,
        dst: Addr {
            hex: "002254d3",
            bytes: 4,
            upper: 17,
            lower: Some(5481),
        },
        src: Addr {
            hex: "61",
            bytes: 1,
            upper: 48,
            lower: None,
        },
        control: 81,
        pf: true,
        ns: None,
        nr: Some(2),
        frame_type: "RR",
        hcs: None,
        fcs: "3f99",
        info: "",
        llc: None,
        params: None,
        apdu: None,
    },
    // HDLC-17: epri-dev/DLMS-COSEM (BSD-3) test/UnitTest-HDLC-Packet.cpp PUT_TEST_PACKET ("EXAMPLE FROM GREEN BOOK")
    // UI frame (0x13, P=1) with 2-byte destination CE FF (upper 0x67, lower 0x7F = all-station physical) from 0x66 (0xCD); information field E6 E6 00 1D 64 00 14 00 00 (LLC + opaque test bytes: 1D 64 ... is
    Vector {
        id: "HDLC-17",
        hex: "7ea013ceffcd1361d5e6e6001d64001400002c667e",
        valid: true,
        segmented: false,
        length: 19,
        length_matches: true,
        dst: Addr {
            hex: "ceff",
            bytes: 2,
            upper: 103,
            lower: Some(127),
        },
        src: Addr {
            hex: "cd",
            bytes: 1,
            upper: 102,
            lower: None,
        },
        control: 19,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UI",
        hcs: Some("61d5"),
        fcs: "2c66",
        info: "e6e6001d6400140000",
        llc: Some("e6e600"),
        params: None,
        apdu: Some("1d6400140000"),
    },
    // HDLC-18: Gurux/GuruxDLMS.c issue #1 (user report; UA from a meter, addresses swapped by the user)
    // UA: dst 0x05 (1-byte, client/logical 2), src 02 21 (2-byte: logical 1, physical 16), params: 05 02 0100 / 06 02 0100 (max info 256), windows 1. Gurux rejected it because a client address must be 1 byt
    Vector {
        id: "HDLC-18",
        hex: "7ea0210502217380bc8180140502010006020100070400000001080400000001696d7e",
        valid: true,
        segmented: false,
        length: 33,
        length_matches: true,
        dst: Addr {
            hex: "05",
            bytes: 1,
            upper: 2,
            lower: None,
        },
        src: Addr {
            hex: "0221",
            bytes: 2,
            upper: 1,
            lower: Some(16),
        },
        control: 115,
        pf: true,
        ns: None,
        nr: None,
        frame_type: "UA",
        hcs: Some("80bc"),
        fcs: "696d",
        info: "8180140502010006020100070400000001080400000001",
        llc: None,
        params: Some(Params {
            tx: 256,
            rx: 256,
            wtx: 1,
            wrx: 1,
            sizes: [2, 2, 4, 4],
            group_length: 20,
        }),
        apdu: None,
    },
];

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn check_address(id: &str, a: Address, raw: &[u8], e: &Addr) {
    assert_eq!(to_hex(raw), e.hex, "{id}");
    assert_eq!(a.len(), e.bytes, "{id}");
    assert_eq!(a.upper(), e.upper, "{id}");
    assert_eq!(a.lower(), e.lower, "{id}");
    assert_eq!(a.to_bytes().as_slice(), raw, "{id}");
}

#[test]
fn valid_frames_decode_as_the_vectors_say() {
    for v in VECTORS.iter().filter(|v| v.valid) {
        let bytes = hex(v.hex);
        let f = HdlcFrame::new_checked(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        f.check_checksums()
            .unwrap_or_else(|e| panic!("{}: {e}", v.id));
        assert_eq!(f.format_type(), 0xA, "{}", v.id);
        assert_eq!(f.segmented(), v.segmented, "{}", v.id);
        assert_eq!(f.length(), v.length, "{}", v.id);
        assert_eq!(v.length_matches, f.length() + 2 == bytes.len(), "{}", v.id);
        check_address(v.id, f.dst(), f.dst_bytes(), &v.dst);
        check_address(v.id, f.src(), f.src_bytes(), &v.src);
        let c = f.control();
        assert_eq!(f.control_byte(), v.control, "{}", v.id);
        assert_eq!(c.pf(), v.pf, "{}", v.id);
        assert_eq!(c.ns(), v.ns, "{}", v.id);
        assert_eq!(c.nr(), v.nr, "{}", v.id);
        assert_eq!(c.frame_type().name(), v.frame_type, "{}", v.id);
        assert_eq!(
            f.hcs().map(|h| to_hex(&h.to_le_bytes())).as_deref(),
            v.hcs,
            "{}",
            v.id
        );
        assert_eq!(f.computed_hcs(), f.hcs(), "{}", v.id);
        assert_eq!(to_hex(&f.fcs().to_le_bytes()), v.fcs, "{}", v.id);
        assert_eq!(f.computed_fcs(), f.fcs(), "{}", v.id);
        assert_eq!(to_hex(f.info()), v.info, "{}", v.id);
        let (llc, rest) = Llc::split(f.info());
        let has_llc = matches!(c.frame_type(), FrameType::I | FrameType::Ui) && llc.is_some();
        assert_eq!(
            has_llc.then(|| to_hex(&f.info()[..3])).as_deref(),
            v.llc,
            "{}",
            v.id
        );
        if let Some(apdu) = v.apdu {
            assert_eq!(to_hex(rest), apdu, "{}", v.id);
        }
        if let Some(p) = &v.params {
            let repr = ParametersRepr::parse(f.info()).unwrap();
            assert_eq!(
                (
                    repr.max_info_tx,
                    repr.max_info_rx,
                    repr.window_tx,
                    repr.window_rx
                ),
                (Some(p.tx), Some(p.rx), Some(p.wtx), Some(p.wrx)),
                "{}",
                v.id
            );
            let sizes: Vec<usize> = parameters(f.info()).map(|x| x.unwrap().raw.len()).collect();
            assert_eq!(sizes, p.sizes, "{}", v.id);
            assert_eq!(usize::from(f.info()[2]), p.group_length, "{}", v.id);
        }
        // The representation re-emits the frame byte for byte.
        let repr = HdlcFrameRepr::parse(&f).unwrap();
        let mut out = vec![0xA5; repr.buffer_len()];
        repr.emit_to_slice(&mut out).unwrap();
        assert_eq!(out, bytes, "{}", v.id);
    }
}

#[test]
fn malformed_vector_is_rejected() {
    // HDLC-15 (jDLMS HdlcFrameTest::decode5): the format field says 11 bytes, 10 follow.
    let v = VECTORS.iter().find(|v| !v.valid).unwrap();
    assert_eq!(v.id, "HDLC-15");
    assert!(!v.length_matches);
    let bytes = hex(v.hex);
    assert_eq!(
        HdlcFrame::new_checked(&bytes[..]).map(|_| ()),
        Err(Error::LengthMismatch {
            declared: 11,
            actual: 10
        })
    );
    // Its FCS is right over the 10 bytes: only the length is wrong.
    assert!(dlms::hdlc::fcs_ok(&bytes[1..bytes.len() - 1]));
    // In a stream the frame is skipped and the next one is found.
    let mut wire = bytes.clone();
    wire.extend(hex(VECTORS[0].hex));
    let mut d = Deframer::new([0u8; 64]);
    let mut input = &wire[..];
    let mut frames = Vec::new();
    while let Some(out) = d.poll(&mut input) {
        if let Deframed::Frame(f) = out {
            frames.push(f.as_bytes().to_vec());
        }
    }
    assert_eq!(frames, [hex(VECTORS[0].hex)]);
}

#[test]
fn all_vectors_in_one_stream() {
    // Every valid vector back to back, in 7-byte chunks, with garbage between some of them.
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for (i, v) in VECTORS.iter().enumerate() {
        if i % 3 == 0 {
            wire.extend([0x00, 0xFF, 0x7E, 0x42]);
        }
        wire.extend(hex(v.hex));
        if v.valid {
            expected.push(hex(v.hex));
        }
    }
    wire.extend([0u8; 64]);
    let mut d = Deframer::new([0u8; 2049]);
    let mut frames = Vec::new();
    for chunk in wire.chunks(7) {
        let mut input = chunk;
        while let Some(out) = d.poll(&mut input) {
            if let Deframed::Frame(f) = out {
                frames.push(f.as_bytes().to_vec());
            }
        }
    }
    assert_eq!(frames, expected);
}

#[test]
fn crc_vector() {
    // HDLC-10: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before)
    // tests/test_hdlc/test_hdlc.py::TestCrc: CRC-16/X.25 of 03 3F = 5B EC as transmitted.
    assert_eq!(fcs(&[0x03, 0x3F]).to_le_bytes(), [0x5B, 0xEC]);
    assert_eq!(fcs(&[0x03, 0x3F]), 60507);
}
