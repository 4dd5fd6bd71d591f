//! The public wrapper vectors (`wrapper` records of the shared DLMS vector set), copied here
//! with their sources.

use dlms::Error;
use dlms::wrapper::{WrapperEvent, WrapperPdu, WrapperRepr, WrapperStream, parse_datagram};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// (id, bytes, version, source wPort, destination wPort, length, APDU)
const VECTORS: &[(&str, &str, u16, u16, u16, u16, &str)] = &[
    // WRAP-01: u9n/dlms-cosem @c52e9d4 (BSL-1.1 since v24.1.0, MIT before)
    // tests/test_udp_message.py::test_udp_message_from_bytes: UDP push, general-glo-ciphering.
    (
        "WRAP-01",
        "0001000100010046db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400",
        1,
        1,
        1,
        70,
        "db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400",
    ),
    // WRAP-02: openmuc jDLMS (fork xdom/jdlms, GPL-3)
    // src/test/.../internal/sessionlayer/client/WrapperHeaderTest.java::decode1: AARQ (SN).
    (
        "WRAP-02",
        "0001001000110022602080020780a109060760857405080102be0f040d01000000065f0400181a200000",
        1,
        16,
        17,
        34,
        "602080020780a109060760857405080102be0f040d01000000065f0400181a200000",
    ),
];

#[test]
fn vectors_decode() {
    for &(id, bytes, version, src, dst, len, apdu) in VECTORS {
        let b = hex(bytes);
        let pdu = WrapperPdu::new_checked(&b[..]).unwrap();
        assert_eq!(
            (
                pdu.version(),
                pdu.source_wport(),
                pdu.destination_wport(),
                pdu.length()
            ),
            (version, src, dst, len),
            "{id}"
        );
        assert_eq!(pdu.apdu(), &hex(apdu)[..], "{id}");
        let repr = parse_datagram(&b).unwrap();
        assert_eq!(repr.apdu, &hex(apdu)[..], "{id}");
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut out).unwrap();
        assert_eq!(out, b, "{id}");
    }
}

#[test]
fn vectors_in_a_tcp_stream() {
    let mut wire = Vec::new();
    for &(_, bytes, ..) in VECTORS {
        wire.extend(hex(bytes));
    }
    for chunk in [1, 5, 64, wire.len()] {
        let mut s = WrapperStream::new([0u8; 256]);
        let mut got = Vec::new();
        for piece in wire.chunks(chunk) {
            let mut input = piece;
            while let Some(ev) = s.poll(&mut input) {
                if let WrapperEvent::Pdu(p) = ev {
                    got.push((p.source_wport, p.destination_wport, p.apdu.to_vec()));
                }
            }
        }
        let expected: Vec<_> = VECTORS
            .iter()
            .map(|&(_, _, _, s, d, _, a)| (s, d, hex(a)))
            .collect();
        assert_eq!(got, expected, "chunk {chunk}");
    }
}

#[test]
fn rejected_versions() {
    // jDLMS WrapperHeaderTest: the WRAP-02 header with version 0x1001 or 0x0002 is rejected.
    for version in [[0x10, 0x01], [0x00, 0x02]] {
        let mut b = hex(VECTORS[1].1);
        b[..2].copy_from_slice(&version);
        assert_eq!(
            WrapperRepr::parse_datagram(&b),
            Err(Error::BadWrapperVersion {
                offset: 0,
                found: u16::from_be_bytes(version)
            })
        );
    }
}
