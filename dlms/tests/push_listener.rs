//! The push listener (`dlms::session::push`) on real and independently made pushes: a
//! Landis+Gyr E450 push in three GBT blocks in clear, and the same DataNotification
//! general-glo-ciphered in three GBT blocks, decrypted with the context of the meter whose
//! system title it carries. Unknown meters and replays are refused; a push whose last frame
//! was lost does not block the next one.

use dlms::Error;
use dlms::hdlc::{HdlcFrame, HdlcFrameRepr, Llc};
use dlms::security::{Key, KeyId, SecurityContext, SecuritySuite, SystemTitle};
use dlms::session::push::{Push, PushListener};

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

/// The DataNotification of those blocks (335 bytes).
const E450_PLAINTEXT: &str = concat!(
    "0f007c83d30c07ea071206103a00ff800000020d010d020412002809060009190900ff0f021200000204120001090600",
    "002a0000ff0f02120000020412000109060000600101ff0f02120000020412000109060000600e00ff0f021200000204",
    "12000309060100010801ff0f02120000020412000309060100010802ff0f02120000020412000309060100020801ff0f",
    "02120000020412000309060100020802ff0f02120000020412000309060100010800ff0f021200000204120003090601",
    "00020800ff0f02120000020412000309060100030800ff0f02120000020412000309060100040800ff0f021200000204",
    "1200460906000060030aff0f0312000009104c475a313032303738323534363337310907313239393635320908524154",
    "45320000000600361f58060036c67e0600018eb306002778d506006ce5d60600290788060004c70d06002714591601",
);

/// The same DataNotification, general-glo-ciphered (suite 0, SC 0x30, IC 0x01234567, the
/// Green Book example keys, system title 4D4D4D0000BC614E) in three GBT blocks in UI frames,
/// made with Python's `cryptography` by `cli/tests/vectors/gbt_push.py` (independent of
/// meterkit's encoder).
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

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The APDU of a UI frame, without the LLC header.
fn apdu_of(frame: &str) -> Vec<u8> {
    let raw = unhex(frame);
    let f = HdlcFrameRepr::parse(&HdlcFrame::new_checked(&raw[..]).unwrap()).unwrap();
    Llc::split(f.info).1.to_vec()
}

fn meter(title: [u8; 8]) -> SecurityContext {
    let mut c =
        SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(*b"HEADEND1")).unwrap();
    c.set_key(
        KeyId::GLOBAL_UNICAST_ENCRYPTION,
        Key::aes128(core::array::from_fn(|i| i as u8)),
    )
    .unwrap();
    c.set_key(
        KeyId::AUTHENTICATION,
        Key::aes128(core::array::from_fn(|i| 0xD0 + i as u8)),
    )
    .unwrap();
    c.set_peer_title(Some(SystemTitle::new(title)));
    c
}

/// The notification body of the E450 push: after the tag, the 4-byte invoke id and the
/// 13-byte date-time field (0C + 12 bytes).
fn e450_body() -> Vec<u8> {
    unhex(E450_PLAINTEXT)[1 + 4 + 13..].to_vec()
}

const TITLE: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];

/// Feeds the frames' APDUs; returns the body hex of the DataNotification and its meter.
fn listen<B: AsRef<[u8]> + AsMut<[u8]>>(
    l: &mut PushListener<'_, B>,
    frames: &[&str],
) -> Result<(Option<usize>, Vec<u8>), Error> {
    for (i, f) in frames.iter().enumerate() {
        let mut apdu = apdu_of(f);
        match l.handle(&mut apdu)? {
            Push::Partial { block_number } => assert_eq!(usize::from(block_number), i + 1),
            Push::Data {
                meter,
                notification,
            } => {
                assert_eq!(i + 1, frames.len(), "the last block completes the push");
                let mut body = Vec::new();
                dlms::axdr::Encode::emit_to(&notification.body, &mut VecSink(&mut body)).unwrap();
                return Ok((meter, body));
            }
            other => panic!("{other:?}"),
        }
    }
    panic!("no push completed")
}

struct VecSink<'a>(&'a mut Vec<u8>);
impl dlms::axdr::Sink for VecSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> dlms::Result<()> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

#[test]
fn ciphered_gbt_push_is_decrypted_with_the_meter_named_by_its_title() {
    let mut meters = [meter(*b"OTHERMTR"), meter(TITLE)];
    let mut l = PushListener::new(&mut meters, vec![0u8; 1024]);
    let (meter, body) = listen(&mut l, &CIPHERED).unwrap();
    assert_eq!(meter, Some(1));
    assert_eq!(body, e450_body());
    // The same push again is a replay.
    let mut last = Vec::new();
    for f in &CIPHERED[..2] {
        let mut a = apdu_of(f);
        assert!(matches!(l.handle(&mut a), Ok(Push::Partial { .. })));
    }
    last.extend(apdu_of(CIPHERED[2]));
    assert!(matches!(l.handle(&mut last), Err(Error::Replay { .. })));
}

#[test]
fn unknown_meters_and_clear_pushes_are_refused_unless_allowed() {
    let mut meters = [meter(*b"OTHERMTR")];
    let mut l = PushListener::new(&mut meters, vec![0u8; 1024]);
    assert_eq!(
        listen(&mut l, &CIPHERED),
        Err(Error::UnknownSystemTitle { title: TITLE })
    );
    assert_eq!(
        listen(&mut l, &E450_CLEAR),
        Err(Error::ProtectionNotAccepted { control: 0 })
    );
    let mut l = l.accept_clear(true);
    let (meter, body) = listen(&mut l, &E450_CLEAR).unwrap();
    assert_eq!(meter, None);
    assert_eq!(body, e450_body());
}

#[test]
fn a_push_that_lost_its_last_frame_does_not_block_the_next() {
    let mut meters = [meter(TITLE)];
    let mut l = PushListener::new(&mut meters, vec![0u8; 1024]).accept_clear(true);
    for f in &E450_CLEAR[..2] {
        let mut a = apdu_of(f);
        assert!(matches!(l.handle(&mut a), Ok(Push::Partial { .. })));
    }
    // The third frame never came; the next push starts with its block 1.
    assert!(listen(&mut l, &E450_CLEAR).is_ok());
    // A block missing in the middle is an error naming it; the listener goes on.
    let mut first = apdu_of(E450_CLEAR[0]);
    let mut third = apdu_of(E450_CLEAR[2]);
    assert!(matches!(l.handle(&mut first), Ok(Push::Partial { .. })));
    assert_eq!(
        l.handle(&mut third),
        Err(Error::GbtBlockMissing {
            expected: 2,
            found: 3
        })
    );
    assert!(listen(&mut l, &CIPHERED).is_ok());
}
