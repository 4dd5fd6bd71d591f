//! General block transfer against a real meter's push: the Landis+Gyr E450 HAN push in three
//! HDLC UI frames, each carrying one GBT block (IEC 62056-5-3 general block transfer; the LLC
//! header in the first frame only), reassembled with `dlms::gbt` into the DataNotification.

use dlms::apdu::{Apdu, DateTimeField, GeneralBlockTransfer};
use dlms::axdr::Data;
use dlms::gbt::{GbtReassembler, GbtStatus, blocks};
use dlms::hdlc::{HdlcFrame, HdlcFrameRepr, Llc};

/// Source: esphome/esphome pull request #16942 ("Landis+Gyr E450 HDLC Cyprus"), the meter log
/// of 2026-07-18 16:58:09: three UI frames, block controls 40 40 C0, block-number-ack 0.
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

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn e450_push_reassembles_into_a_data_notification() {
    let frames: Vec<Vec<u8>> = E450_CLEAR.iter().map(|f| unhex(f)).collect();
    let mut r = GbtReassembler::new([0u8; 512]);
    let mut whole = None;
    for (i, raw) in frames.iter().enumerate() {
        let frame = HdlcFrameRepr::parse(&HdlcFrame::new_checked(&raw[..]).unwrap()).unwrap();
        let (llc, apdu) = Llc::split(frame.info);
        assert_eq!(llc.is_some(), i == 0, "LLC header in the first frame only");
        let Apdu::GeneralBlockTransfer(block) = Apdu::parse(apdu).unwrap() else {
            panic!("frame {i} does not carry a GBT block");
        };
        assert_eq!(usize::from(block.block_number), i + 1);
        assert_eq!(block.block_number_ack, 0);
        assert!(block.streaming());
        assert_eq!(block.window(), 0);
        match r.push(&block).unwrap() {
            GbtStatus::Complete(apdu) => whole = Some(apdu.to_vec()),
            GbtStatus::Partial { block_number } => assert_eq!(usize::from(block_number), i + 1),
            GbtStatus::Skipped { .. } => panic!("nothing overflows"),
        }
    }
    let whole = whole.expect("the third block is the last");
    assert_eq!(whole.len(), 335);
    let Apdu::DataNotification(n) = Apdu::parse(&whole).unwrap() else {
        panic!("not a DataNotification");
    };
    // The date-time of the push: 2026-07-18 16:58:00, as the log's time stamp says.
    let DateTimeField::Present { value, .. } = n.date_time else {
        panic!("the push has a date-time");
    };
    assert!(
        value.to_string().starts_with("2026-07-18 Sat 16:58:00"),
        "{value}"
    );
    let Data::Structure(items) = n.body else {
        panic!("the body is a structure");
    };
    let serial = items.iter().find_map(|d| match d {
        Data::OctetString(s) if s.starts_with(b"LGZ") => Some(s),
        _ => None,
    });
    assert_eq!(serial, Some(&b"LGZ1020782546371"[..]));

    // Cut again the way the meter did (block data of 112, 108 and 115 bytes is not a fixed
    // size, so compare the reassembly of our own split instead).
    let mut again = GbtReassembler::new([0u8; 512]);
    let mut out = None;
    for b in blocks(&whole, 112, true, 0).unwrap() {
        let mut wire = [0u8; 128];
        let n = dlms::axdr::Encode::emit(&b, &mut wire).unwrap();
        let parsed = GeneralBlockTransfer::parse(&wire[..n]).unwrap();
        if let GbtStatus::Complete(a) = again.push(&parsed).unwrap() {
            out = Some(a.to_vec());
        }
    }
    assert_eq!(out, Some(whole));
}
