//! Unit tests of the A-XDR codec: known bytes, construction, negative cases, proptest round
//! trips. Example bytes were computed by us and decoded by the Gurux Python translator (PyPI
//! `gurux_dlms` 1.0.203) unless a test says otherwise.

use std::string::ToString;
use std::vec::Vec;

use super::*;
use crate::Error;

fn parse(bytes: &[u8]) -> Data<'_> {
    Data::parse(bytes).unwrap()
}

fn emit(d: &impl Encode) -> Vec<u8> {
    let mut buf = std::vec![0xA5u8; d.buffer_len() + 4];
    let n = d.emit(&mut buf).unwrap();
    assert_eq!(n, d.buffer_len());
    assert!(buf[n..].iter().all(|&b| b == 0xA5), "wrote past buffer_len");
    buf.truncate(n);
    buf
}

#[test]
fn deconstruct_every_scalar() {
    let cases: &[(&[u8], Data<'static>)] = &[
        (&[0x00], Data::Null),
        (&[0x03, 0x00], Data::Boolean(false)),
        (&[0x03, 0x01], Data::Boolean(true)),
        (&[0x05, 0xFF, 0xFF, 0xFF, 0xFE], Data::DoubleLong(-2)),
        (
            &[0x06, 0x00, 0x00, 0x13, 0x91],
            Data::DoubleLongUnsigned(5009),
        ),
        (&[0x09, 0x02, 0xAA, 0xBB], Data::OctetString(&[0xAA, 0xBB])),
        (&[0x0A, 0x02, b'h', b'i'], Data::VisibleString(b"hi")),
        (&[0x0C, 0x02, 0xC3, 0xA9], Data::Utf8String("é".as_bytes())),
        (&[0x0D, 0x42], Data::Bcd(0x42)),
        (&[0x0F, 0xFE], Data::Integer(-2)),
        (&[0x10, 0xFF, 0xC4], Data::Long(-60)),
        (&[0x11, 0xFF], Data::Unsigned(255)),
        (&[0x12, 0x01, 0x00], Data::LongUnsigned(256)),
        (&[0x14, 0x80, 0, 0, 0, 0, 0, 0, 0], Data::Long64(i64::MIN)),
        (
            &[0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            Data::Long64Unsigned(u64::MAX),
        ),
        (&[0x16, 0x1E], Data::Enum(30)),
        // IEEE 754 big-endian (IEC 61334-6): 3F800000 = 1.0.
        (&[0x17, 0x3F, 0x80, 0x00, 0x00], Data::Float32(1.0)),
        (&[0x18, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0], Data::Float64(1.0)),
        (
            &[0x1A, 0x07, 0xE8, 0x01, 0x16, 0x01],
            Data::Date(Date {
                year: 2024,
                month: 1,
                day_of_month: 22,
                day_of_week: 1,
            }),
        ),
        (
            &[0x1B, 0x0C, 0x1E, 0x00, 0x00],
            Data::Time(Time {
                hour: 12,
                minute: 30,
                second: 0,
                hundredths: 0,
            }),
        ),
        (&[0x1C, 0xFF], Data::DeltaInteger(-1)),
        (&[0x1D, 0xFF, 0xFE], Data::DeltaLong(-2)),
        (&[0x1E, 0x00, 0x00, 0x00, 0x03], Data::DeltaDoubleLong(3)),
        (&[0x1F, 0x04], Data::DeltaUnsigned(4)),
        (&[0x20, 0x00, 0x05], Data::DeltaLongUnsigned(5)),
        (
            &[0x21, 0x00, 0x00, 0x00, 0x06],
            Data::DeltaDoubleLongUnsigned(6),
        ),
        (&[0xFF], Data::DontCare),
    ];
    for (bytes, want) in cases {
        let got = parse(bytes);
        assert_eq!(&got, want, "{bytes:02X?}");
        assert_eq!(emit(&got), *bytes, "{bytes:02X?}");
    }
}

#[test]
fn date_time_tag_and_octet_string_forms() {
    // IEC 62056-6-2: 19 <12 bytes> (date-time tag) and 09 0C <12 bytes> (octet-string).
    let raw = [
        0x07, 0xE8, 0x01, 0x16, 0x01, 0x0C, 0x1E, 0x00, 0x00, 0xFF, 0xC4, 0x00,
    ];
    let mut tagged = std::vec![0x19];
    tagged.extend_from_slice(&raw);
    let mut octets = std::vec![0x09, 0x0C];
    octets.extend_from_slice(&raw);
    assert_eq!(parse(&tagged), Data::DateTime(DateTime::from_bytes(raw)));
    assert_eq!(parse(&tagged).as_date_time(), parse(&octets).as_date_time());
    assert_eq!(
        parse(&octets).as_date_time().unwrap().deviation.minutes(),
        Some(-60)
    );
}

#[test]
fn boolean_non_zero_is_true_and_encodes_as_one() {
    let d = parse(&[0x03, 0x7F]);
    assert_eq!(d, Data::Boolean(true));
    assert_eq!(emit(&d), [0x03, 0x01]);
}

#[test]
fn bit_strings() {
    // conformance-like 24-bit string, and a 3-bit string: lengths are in bits.
    let d = parse(&[0x04, 0x03, 0xA0]);
    let Data::BitString(b) = d else { panic!() };
    assert_eq!(b.len(), 3);
    assert_eq!(b.iter().collect::<Vec<_>>(), [true, false, true]);
    assert_eq!(b.get(3), None);
    assert_eq!(emit(&d), [0x04, 0x03, 0xA0]);
    assert_eq!(d.to_string(), "bit-string 101");
    assert!(BitString::new(9, &[0]).is_err());
    assert_eq!(
        Data::parse_prefix(&[0x04, 0x09, 0xFF]),
        Err(Error::Truncated {
            field: "bit-string",
            offset: 2,
            needed: 1
        })
    );
}

#[test]
fn every_length_form() {
    // The 3- and 4-byte forms need long strings: skipped under Miri to keep it fast.
    let sizes: &[usize] = if cfg!(miri) {
        &[0, 0x7F, 0x80, 0xFF, 0x100]
    } else {
        &[0, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000]
    };
    for &n in sizes {
        let body = std::vec![0x5Au8; n];
        let d = Data::OctetString(&body);
        let bytes = emit(&d);
        assert_eq!(bytes.len(), 1 + length_len(n) + n);
        assert_eq!(parse(&bytes), d);
    }
    // Non-minimal forms are accepted on input (0x82 00 02).
    assert_eq!(
        parse(&[0x09, 0x82, 0x00, 0x02, 1, 2]),
        Data::OctetString(&[1, 2])
    );
    assert_eq!(
        parse(&[0x09, 0x84, 0x00, 0x00, 0x00, 0x01, 1]),
        Data::OctetString(&[1])
    );
}

#[test]
fn length_0x80_is_rejected() {
    // IEC 61334-6: 0x80 is BER's indefinite form; Gurux reads 128, u9n/dlms-cosem 0. Reject it.
    assert_eq!(
        Data::parse_prefix(&[0x09, 0x80]),
        Err(Error::InvalidLength {
            field: "string length",
            offset: 1
        })
    );
    assert_eq!(
        Data::parse_prefix(&[0x01, 0x80]),
        Err(Error::InvalidLength {
            field: "element count",
            offset: 1
        })
    );
    assert_eq!(
        Data::parse_prefix(&[0x09, 0x85, 0, 0, 0, 0, 1]),
        Err(Error::InvalidLength {
            field: "string length",
            offset: 1
        })
    );
}

#[test]
fn unknown_tags_are_errors_with_offsets() {
    for tag in [7u8, 8, 11, 14, 0x22, 0x80, 0xFE] {
        assert_eq!(
            Data::parse_prefix(&[tag, 0, 0, 0, 0]),
            Err(Error::UnknownTag {
                field: "data",
                tag,
                offset: 0
            }),
            "{tag}"
        );
    }
    // Inside a structure, the offset points at the bad tag.
    assert_eq!(
        Data::parse_prefix(&[0x02, 0x02, 0x11, 0x01, 0x07]),
        Err(Error::UnknownTag {
            field: "data",
            tag: 7,
            offset: 4
        })
    );
}

#[test]
fn a_billion_elements_in_ten_bytes_fail_at_once() {
    let bytes = [0x01, 0x84, 0x3B, 0x9A, 0xCA, 0x00, 0x11, 0x01, 0x11, 0x02];
    assert_eq!(
        Data::parse_prefix(&bytes),
        Err(Error::CountTooLarge {
            field: "array",
            count: 1_000_000_000,
            available: 4,
            offset: 1
        })
    );
    let structure = [0x02, 0x05, 0x11, 0x01];
    assert_eq!(
        Data::parse_prefix(&structure),
        Err(Error::CountTooLarge {
            field: "structure",
            count: 5,
            available: 2,
            offset: 1
        })
    );
}

#[test]
fn truncation_is_reported_where_it_happens() {
    assert_eq!(
        Data::parse_prefix(&[]),
        Err(Error::Truncated {
            field: "data",
            offset: 0,
            needed: 1
        })
    );
    assert_eq!(
        Data::parse_prefix(&[0x06, 0, 0]),
        Err(Error::Truncated {
            field: "data",
            offset: 1,
            needed: 2
        })
    );
    assert_eq!(
        Data::parse_prefix(&[0x09, 0x05, 1, 2]),
        Err(Error::Truncated {
            field: "string",
            offset: 2,
            needed: 3
        })
    );
    assert_eq!(
        Data::parse_prefix(&[0x02, 0x02, 0x11, 0x01]),
        Err(Error::Truncated {
            field: "data",
            offset: 4,
            needed: 1
        })
    );
    assert_eq!(
        Data::parse_prefix(&[0x02, 0x02, 0x11, 0x01, 0x12]),
        Err(Error::Truncated {
            field: "data",
            offset: 5,
            needed: 2
        })
    );
}

#[test]
fn depth_is_bounded_by_limits() {
    // 20 nested single-element arrays around a null.
    let mut bytes = Vec::new();
    for _ in 0..20 {
        bytes.extend_from_slice(&[0x01, 0x01]);
    }
    bytes.push(0x00);
    assert_eq!(
        Data::parse_prefix(&bytes),
        Err(Error::DepthExceeded {
            limit: 16,
            offset: 32
        })
    );
    let deep = Limits {
        max_depth: 20,
        ..Limits::DEFAULT
    };
    let (d, n) = Data::parse_prefix_with(&bytes, &deep).unwrap();
    assert_eq!(n, bytes.len());
    // The default 16-level walker reports the depth once and stops.
    let nodes: Vec<_> = d.walk().collect();
    assert!(matches!(
        nodes.last(),
        Some(Err(Error::DepthExceeded { .. }))
    ));
    assert_eq!(nodes.len(), 17);
    let mut walked = 0;
    for node in Walker::<'_, 24>::new(d) {
        node.unwrap();
        walked += 1;
    }
    assert_eq!(walked, 21);
    // Nesting far beyond the hard cap does not recurse: it fails with an error.
    let mut huge = std::vec![0u8; 0];
    for _ in 0..if cfg!(miri) { 200 } else { 10_000 } {
        huge.extend_from_slice(&[0x02, 0x01]);
    }
    huge.push(0);
    assert!(matches!(
        Data::parse_prefix_with(&huge, &Limits::UNBOUNDED),
        Err(Error::DepthExceeded { limit: 64, .. })
    ));
}

#[test]
fn element_totals_are_bounded_by_limits() {
    let bytes = [0x01, 0x03, 0x11, 1, 0x11, 2, 0x11, 3];
    let tight = Limits {
        max_elements: 3,
        ..Limits::DEFAULT
    };
    assert_eq!(
        Data::parse_prefix_with(&bytes, &tight),
        Err(Error::TooManyElements {
            limit: 3,
            offset: 0
        })
    );
    assert!(
        Data::parse_prefix_with(
            &bytes,
            &Limits {
                max_elements: 4,
                ..Limits::DEFAULT
            }
        )
        .is_ok()
    );
}

#[test]
fn construct_and_emit_nested() {
    let inner = [Data::Integer(0), Data::Enum(30)];
    let items = [
        Data::OctetString(&[1, 0, 1, 8, 0, 0xFF]),
        Data::DoubleLongUnsigned(0),
        Data::structure(&inner),
    ];
    let d = Data::structure(&items);
    let bytes = emit(&d);
    assert_eq!(
        bytes,
        [
            0x02, 0x03, 0x09, 0x06, 1, 0, 1, 8, 0, 0xFF, 0x06, 0, 0, 0, 0, 0x02, 0x02, 0x0F, 0x00,
            0x16, 0x1E
        ]
    );
    let back = parse(&bytes);
    assert_eq!(back, d);
    // Re-emitting a decoded (encoded-backed) value copies its bytes.
    assert_eq!(emit(&back), bytes);
    assert_eq!(
        back.as_sequence().unwrap().get(2).unwrap(),
        Data::structure(&inner)
    );
    assert_eq!(
        back.as_sequence().unwrap().encoded_body().unwrap(),
        &bytes[2..]
    );
}

#[test]
fn emit_checks_the_buffer() {
    let d = Data::DoubleLongUnsigned(1);
    let mut small = [0u8; 4];
    assert_eq!(
        d.emit(&mut small),
        Err(Error::BufferTooSmall {
            needed: 5,
            available: 4
        })
    );
}

#[test]
fn compact_arrays() {
    // Compact arrays (Green Book 9.5), decoded by Gurux Python `_GXCommon.getData`.
    let simple = [0x13, 0x12, 0x04, 0x00, 0x01, 0x00, 0x02];
    let d = parse(&simple);
    let Data::CompactArray(c) = d else { panic!() };
    assert_eq!(c.len(), 2);
    assert_eq!(
        c.elements().iter().collect::<Vec<_>>(),
        [Data::LongUnsigned(1), Data::LongUnsigned(2)]
    );
    assert_eq!(emit(&d), simple);

    let rows = [
        0x13, 0x02, 0x02, 0x12, 0x06, 0x0C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x03, 0x00,
        0x00, 0x00, 0x04,
    ];
    let Data::CompactArray(c) = parse(&rows) else {
        panic!()
    };
    let got: Vec<Vec<Data<'_>>> = c
        .elements()
        .iter()
        .map(|row| row.as_sequence().unwrap().iter().collect())
        .collect();
    assert_eq!(
        got,
        [
            [Data::LongUnsigned(1), Data::DoubleLongUnsigned(2)],
            [Data::LongUnsigned(3), Data::DoubleLongUnsigned(4)]
        ]
    );
    // A compact row equals the same structure sent with tags.
    let tagged = [Data::LongUnsigned(1), Data::DoubleLongUnsigned(2)];
    assert_eq!(c.elements().get(0).unwrap(), Data::structure(&tagged));

    // Our source for this example gave contents length 0x0D, one more than the 12 bytes that
    // follow (Gurux reads to the end of its buffer); the consistent length is 0x0C. A strict
    // decoder rejects the 0x0D form as truncated.
    assert!(matches!(
        Data::parse_prefix(&[
            0x13, 0x02, 0x02, 0x09, 0x12, 0x0D, 0x02, 0xAA, 0xBB, 0x00, 0x01, 0x01, 0xCC, 0x00,
            0x02, 0x00, 0x00, 0x03
        ]),
        Err(Error::Truncated { .. })
    ));
    let strings = [
        0x13, 0x02, 0x02, 0x09, 0x12, 0x0C, 0x02, 0xAA, 0xBB, 0x00, 0x01, 0x01, 0xCC, 0x00, 0x02,
        0x00, 0x00, 0x03,
    ];
    let Data::CompactArray(c) = parse(&strings) else {
        panic!()
    };
    let firsts: Vec<Data<'_>> = c
        .elements()
        .iter()
        .map(|r| r.as_sequence().unwrap().get(0).unwrap())
        .collect();
    assert_eq!(
        firsts,
        [
            Data::OctetString(&[0xAA, 0xBB]),
            Data::OctetString(&[0xCC]),
            Data::OctetString(&[])
        ]
    );
    assert_eq!(emit(&parse(&strings)), strings);

    // Array-typed rows: each row an array of two unsigned.
    let nested = [0x13, 0x01, 0x00, 0x02, 0x11, 0x04, 1, 2, 3, 4];
    let Data::CompactArray(c) = parse(&nested) else {
        panic!()
    };
    assert_eq!(c.len(), 2);
    let row = c.elements().get(1).unwrap();
    assert_eq!(
        row.as_sequence().unwrap().iter().collect::<Vec<_>>(),
        [Data::Unsigned(3), Data::Unsigned(4)]
    );
    let walked = parse(&nested).walk().count();
    assert_eq!(walked, 1, "a compact-array is one leaf of the walk");
    assert_eq!(
        CompactArray::new(&[0x02, 0x02, 0x12, 0x06], &[0, 1, 0, 0, 0, 2])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn compact_array_negative_cases() {
    // Contents that are not whole rows.
    assert_eq!(
        Data::parse_prefix(&[0x13, 0x12, 0x03, 0x00, 0x01, 0x00]),
        Err(Error::InvalidLength {
            field: "compact-array contents",
            offset: 3
        })
    );
    // A nested compact-array in a description is not allowed.
    assert_eq!(
        Data::parse_prefix(&[0x13, 0x13, 0x00]),
        Err(Error::UnknownTag {
            field: "type description",
            tag: 0x13,
            offset: 1
        })
    );
    // Rows of zero bytes with contents would never end.
    assert_eq!(
        Data::parse_prefix(&[0x13, 0x00, 0x01, 0x00]),
        Err(Error::InvalidValue {
            field: "compact-array of zero-size rows",
            offset: 1
        })
    );
    // 65535^3 null leaves per row are counted against the element limit, not iterated.
    let bomb = [
        0x13, 0x02, 0x02, 0x11, 0x01, 0xFF, 0xFF, 0x01, 0xFF, 0xFF, 0x01, 0xFF, 0xFF, 0x00, 0x01,
        0x07,
    ];
    assert!(matches!(
        Data::parse_prefix(&bomb),
        Err(Error::TooManyElements { .. })
    ));
    // Fuzzer find: rows holding 64512 x 23809 empty arrays of bit-strings took seconds to walk
    // (each empty array looked variable-sized). Empty arrays are now zero-size, and the values
    // a row describes are checked against the limit before any contents are walked.
    let slow = [
        0x13, 0x02, 0x02, 0x11, 0x01, 0xFC, 0x00, 0x01, 0x5D, 0x01, 0x01, 0x00, 0x00, 0x04, 0x02,
        0x05, 0x06,
    ];
    assert!(matches!(
        Data::parse_prefix(&slow),
        Err(Error::TooManyElements { offset: 1, .. })
    ));
    // Without a limit it decodes (two one-byte rows) without walking the empty arrays.
    let (d, _) = Data::parse_prefix_with(&slow, &Limits::UNBOUNDED).unwrap();
    let Data::CompactArray(c) = d else { panic!() };
    assert_eq!(c.len(), 2);
    // A structure description claiming more fields than bytes.
    assert!(matches!(
        Data::parse_prefix(&[0x13, 0x02, 0x7F, 0x11]),
        Err(Error::CountTooLarge { .. })
    ));
    // A string row cut short.
    assert_eq!(
        Data::parse_prefix(&[0x13, 0x09, 0x02, 0x05, 0x01]),
        Err(Error::Truncated {
            field: "compact-array row",
            offset: 4,
            needed: 4
        })
    );
}

#[test]
fn walker_visits_in_pre_order() {
    // NOTIF-02 body (reitermarkus/dlms-cosem-rs = crate dlms_cosem 0.2.0, src/lib.rs tests::parse_apdu).
    let body = hex(
        "0207090c07e0090804130d190000008009060100010800ff060000000002020f00161e09060100030800ff060000000002020f001620",
    );
    let d = parse(&body);
    let nodes: Vec<Node<'_>> = d.walk().map(Result::unwrap).collect();
    assert_eq!(nodes.len(), 1 + 7 + 4);
    assert_eq!(
        nodes[0],
        Node {
            depth: 0,
            kind: NodeKind::Structure(7)
        }
    );
    assert_eq!(
        nodes[3],
        Node {
            depth: 1,
            kind: NodeKind::Value(Data::DoubleLongUnsigned(0))
        }
    );
    assert_eq!(
        nodes[4],
        Node {
            depth: 1,
            kind: NodeKind::Structure(2)
        }
    );
    assert_eq!(
        nodes[6],
        Node {
            depth: 2,
            kind: NodeKind::Value(Data::Enum(30))
        }
    );
    assert_eq!(
        nodes[11],
        Node {
            depth: 2,
            kind: NodeKind::Value(Data::Enum(32))
        }
    );
    // A walk over a caller-built value gives the same nodes.
    let owned = OwnedDataless::rebuild(&d);
    assert_eq!(owned, nodes.len());
    assert_eq!(
        d.to_string(),
        "structure (7)\n  octet-string 07e0090804130d1900000080 (2016-09-08 Thu 19:13:25.00 deviation 0 status 0x80)\n  \
         octet-string 0100010800ff\n  double-long-unsigned 0\n  structure (2)\n    integer 0\n    enum 30\n  \
         octet-string 0100030800ff\n  double-long-unsigned 0\n  structure (2)\n    integer 0\n    enum 32"
    );
}

/// Counts the nodes of a walk over a caller-built copy of `d` (items-backed sequences).
struct OwnedDataless;
impl OwnedDataless {
    fn rebuild(d: &Data<'_>) -> usize {
        let top: Vec<Data<'_>> = d.as_sequence().unwrap().iter().collect();
        let inner: Vec<Vec<Data<'_>>> = top
            .iter()
            .filter_map(|e| e.as_sequence().map(|s| s.iter().collect()))
            .collect();
        let mut k = 0;
        let rebuilt: Vec<Data<'_>> = top
            .iter()
            .map(|e| {
                if e.as_sequence().is_some() {
                    k += 1;
                    Data::structure(&inner[k - 1])
                } else {
                    *e
                }
            })
            .collect();
        let built = Data::structure(&rebuilt);
        assert_eq!(&built, d);
        let a: Vec<_> = built.walk().map(Result::unwrap).collect();
        let b: Vec<_> = d.walk().map(Result::unwrap).collect();
        assert_eq!(a, b);
        assert_eq!(emit(&built), emit(d));
        a.len()
    }
}

#[test]
fn floats_compare_by_bits() {
    let nan = Data::Float32(f32::from_bits(0x7FC0_0001));
    assert_eq!(nan, nan);
    assert_ne!(Data::Float64(0.0), Data::Float64(-0.0));
    assert_eq!(parse(&emit(&nan)), nan);
}

#[test]
fn display_of_leaves() {
    assert_eq!(
        parse(&[0x0A, 0x02, b'h', b'i']).to_string(),
        "visible-string \"hi\""
    );
    assert_eq!(parse(&[0x00]).to_string(), "null-data");
    assert_eq!(parse(&[0x10, 0xFF, 0xC4]).to_string(), "long -60");
    assert_eq!(
        parse(&[0x13, 0x12, 0x04, 0x00, 0x01, 0x00, 0x02]).to_string(),
        "compact-array (2 rows, description 12)"
    );
}

#[test]
fn data_type_names() {
    assert_eq!(
        DataType::DOUBLE_LONG_UNSIGNED.name(),
        Some("double-long-unsigned")
    );
    assert_eq!(DataType(7).name(), None);
    assert_eq!(Data::DontCare.data_type(), DataType::DONT_CARE);
}

#[test]
fn owned_round_trip() {
    let bytes = hex(
        "0207090c07e0090804130d190000008009060100010800ff060000000002020f00161e09060100030800ff060000000002020f001620",
    );
    let owned = OwnedData::parse(&bytes).unwrap();
    assert_eq!(owned.to_vec().unwrap(), bytes);
    assert_eq!(owned.buffer_len(), bytes.len());
    let OwnedData::Structure(fields) = &owned else {
        panic!()
    };
    assert_eq!(fields[2], OwnedData::Scalar(Data::DoubleLongUnsigned(0)));
    assert_eq!(
        fields[1].as_leaf(),
        Some(Data::OctetString(&[1, 0, 1, 8, 0, 0xFF]))
    );
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) mod prop {
    use super::*;
    use proptest::prelude::*;
    use std::vec;

    pub(super) fn leaf() -> impl Strategy<Value = OwnedData> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..40);
        prop_oneof![
            Just(OwnedData::Scalar(Data::Null)),
            Just(OwnedData::Scalar(Data::DontCare)),
            any::<bool>().prop_map(|v| OwnedData::Scalar(Data::Boolean(v))),
            any::<i32>().prop_map(|v| OwnedData::Scalar(Data::DoubleLong(v))),
            any::<u32>().prop_map(|v| OwnedData::Scalar(Data::DoubleLongUnsigned(v))),
            any::<u8>().prop_map(|v| OwnedData::Scalar(Data::Bcd(v))),
            any::<i8>().prop_map(|v| OwnedData::Scalar(Data::Integer(v))),
            any::<i16>().prop_map(|v| OwnedData::Scalar(Data::Long(v))),
            any::<u8>().prop_map(|v| OwnedData::Scalar(Data::Unsigned(v))),
            any::<u16>().prop_map(|v| OwnedData::Scalar(Data::LongUnsigned(v))),
            any::<i64>().prop_map(|v| OwnedData::Scalar(Data::Long64(v))),
            any::<u64>().prop_map(|v| OwnedData::Scalar(Data::Long64Unsigned(v))),
            any::<u8>().prop_map(|v| OwnedData::Scalar(Data::Enum(v))),
            any::<u32>().prop_map(|v| OwnedData::Scalar(Data::Float32(f32::from_bits(v)))),
            any::<u64>().prop_map(|v| OwnedData::Scalar(Data::Float64(f64::from_bits(v)))),
            any::<[u8; 12]>()
                .prop_map(|v| OwnedData::Scalar(Data::DateTime(DateTime::from_bytes(v)))),
            any::<[u8; 5]>().prop_map(|v| OwnedData::Scalar(Data::Date(Date::from_bytes(v)))),
            any::<[u8; 4]>().prop_map(|v| OwnedData::Scalar(Data::Time(Time::from_bytes(v)))),
            any::<i8>().prop_map(|v| OwnedData::Scalar(Data::DeltaInteger(v))),
            any::<i16>().prop_map(|v| OwnedData::Scalar(Data::DeltaLong(v))),
            any::<i32>().prop_map(|v| OwnedData::Scalar(Data::DeltaDoubleLong(v))),
            any::<u8>().prop_map(|v| OwnedData::Scalar(Data::DeltaUnsigned(v))),
            any::<u16>().prop_map(|v| OwnedData::Scalar(Data::DeltaLongUnsigned(v))),
            any::<u32>().prop_map(|v| OwnedData::Scalar(Data::DeltaDoubleLongUnsigned(v))),
            bytes.clone().prop_map(OwnedData::OctetString),
            bytes.clone().prop_map(OwnedData::VisibleString),
            bytes.clone().prop_map(OwnedData::Utf8String),
            (0u32..64, any::<u64>()).prop_map(|(bits, v)| {
                let bytes = v.to_be_bytes()[..bits.div_ceil(8) as usize].to_vec();
                OwnedData::BitString { bits, bytes }
            }),
            proptest::collection::vec((any::<u16>(), any::<u32>()), 0..5).prop_map(|rows| {
                let contents = rows.iter().flat_map(|(a, b)| {
                    let mut r = a.to_be_bytes().to_vec();
                    r.extend_from_slice(&b.to_be_bytes());
                    r
                });
                OwnedData::CompactArray {
                    description: std::vec![0x02, 0x02, 0x12, 0x06],
                    contents: contents.collect(),
                }
            }),
        ]
    }

    pub(crate) fn data() -> impl Strategy<Value = OwnedData> {
        leaf().prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(OwnedData::Array),
                proptest::collection::vec(inner, 0..6).prop_map(OwnedData::Structure),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_emit_round_trip(value in data()) {
            let bytes = value.to_vec().unwrap();
            prop_assert_eq!(bytes.len(), value.buffer_len());
            let (parsed, used) = Data::parse_prefix(&bytes).unwrap();
            prop_assert_eq!(used, bytes.len());
            prop_assert_eq!(OwnedData::from(&parsed), value);
            prop_assert_eq!(emit(&parsed), bytes.clone());
            // The walk sees every value once, and the visit (with its row fast path) agrees.
            let walked = nodes_both_ways(&parsed);
            prop_assert!(!walked.is_empty());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok((d, n)) = Data::parse_prefix(&bytes) {
                prop_assert!(n <= bytes.len());
                let again = emit(&d);
                let (d2, n2) = Data::parse_prefix(&again).unwrap();
                prop_assert_eq!(n2, again.len());
                prop_assert_eq!(d2, d);
                let _ = d.to_string();
                for node in d.walk() {
                    let _ = node;
                }
            }
        }
    }
}

/// Builds an array of `rows` structures {octet-string(2), double-long-unsigned, long}, with
/// `tweak` applied to the encoded bytes of each row.
fn rows(rows: usize, mut tweak: impl FnMut(usize, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = std::vec![0x01, 0x81, u8::try_from(rows).unwrap()];
    for i in 0..rows {
        let b = u8::try_from(i).unwrap();
        let mut row = std::vec![
            0x02, 0x03, 0x09, 0x02, b, b, 0x06, 0, 0, 1, b, 0x10, 0xFF, b
        ];
        tweak(i, &mut row);
        out.extend_from_slice(&row);
    }
    out
}

fn nodes_both_ways<'a>(d: &Data<'a>) -> Vec<Node<'a>> {
    let walked: Vec<Node<'a>> = d.walk().map(Result::unwrap).collect();
    let mut visited = Vec::new();
    d.visit(|n| visited.push(n));
    assert_eq!(
        walked, visited,
        "visit (row fast path) and walk (generic) disagree"
    );
    walked
}

#[test]
fn uniform_rows_fast_path_agrees_with_the_generic_walk() {
    // Every row alike.
    let same = rows(200, |_, _| {});
    let d = parse(&same);
    let nodes = nodes_both_ways(&d);
    assert_eq!(nodes.len(), 1 + 200 * 4);
    assert_eq!(
        nodes[4],
        Node {
            depth: 2,
            kind: NodeKind::Value(Data::Long(-256))
        }
    );
    // Row 50 has a longer string, row 120 a null instead of the u32: both leave the fast path
    // for the generic one and come back.
    let mixed = rows(200, |i, row| {
        if i == 50 {
            *row = std::vec![
                0x02, 0x03, 0x09, 0x03, 1, 2, 3, 0x06, 0, 0, 0, 9, 0x10, 0, 1
            ];
        }
        if i == 120 {
            *row = std::vec![0x02, 0x03, 0x09, 0x02, 7, 7, 0x00, 0x10, 0, 1];
        }
    });
    let d = parse(&mixed);
    let nodes = nodes_both_ways(&d);
    assert_eq!(nodes.len(), 1 + 200 * 4);
    assert_eq!(emit(&d), mixed);
    // A row with an unknown tag where the first row has a value byte is caught.
    let mut bad = rows(10, |_, _| {});
    bad[3 + 14 * 7 + 6] = 0x07;
    assert_eq!(
        Data::parse_prefix(&bad),
        Err(Error::UnknownTag {
            field: "data",
            tag: 7,
            offset: 3 + 14 * 7 + 6
        })
    );
    // Every tag byte of a row is checked, in a middle row (compared a word at a time, reading
    // into the next row) and in the last row (compared through a zero-padded copy).
    for row in [7, 9] {
        for tag_at in [0, 2, 6, 11] {
            let mut bad = rows(10, |_, _| {});
            let offset = 3 + 14 * row + tag_at;
            bad[offset] = 0x07;
            assert_eq!(
                Data::parse_prefix(&bad),
                Err(Error::UnknownTag {
                    field: "data",
                    tag: 7,
                    offset
                }),
                "row {row}, byte {tag_at}"
            );
        }
    }
    // A last row cut short is truncated, not accepted.
    let whole = rows(10, |_, _| {});
    assert!(matches!(
        Data::parse_prefix(&whole[..whole.len() - 1]),
        Err(Error::Truncated { .. })
    ));
    // Rows count against the element limit.
    let tight = Limits {
        max_elements: 100,
        ..Limits::DEFAULT
    };
    assert!(matches!(
        Data::parse_prefix_with(&same, &tight),
        Err(Error::TooManyElements { .. })
    ));
    // Rows one level below the depth limit are not taken by the fast path.
    let shallow = Limits {
        max_depth: 1,
        ..Limits::DEFAULT
    };
    assert!(matches!(
        Data::parse_prefix_with(&same, &shallow),
        Err(Error::DepthExceeded { .. })
    ));
}
