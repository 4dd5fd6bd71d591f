//! Link behaviour, frame by frame: an example exchange and frames of IEC 62056-46 (computed
//! and decoded by the Gurux translator), real UA frames from public test suites, and the
//! link-layer interop quirks real meters show (public issue threads and test suites, cited per
//! test).

use dlms::Error;
use dlms::hdlc::{
    Address, AddressSize, Control, FrameType, FrmrInfo, HdlcFrame, HdlcFrameRepr, HdlcParameters,
    Llc, MAX_FRAME_LEN_WITH_FLAGS,
};
use dlms::link::{
    ClientConfig, ClientState, DisconnectReason, Duration, HdlcClient, HdlcServer, Instant,
    LinkEvent, ServerConfig, ServerState,
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

type Client = HdlcClient<Vec<u8>>;
type Server = HdlcServer<Vec<u8>>;

fn client_with(cfg: ClientConfig) -> Client {
    HdlcClient::new(cfg, vec![0u8; Client::storage_len(&cfg)]).unwrap()
}

fn server_with(cfg: ServerConfig) -> Server {
    HdlcServer::new(cfg, vec![0u8; Server::storage_len(&cfg)]).unwrap()
}

fn client16() -> Address {
    Address::client(16).unwrap()
}

fn server_1_17() -> Address {
    Address::server(1, Some(17)).unwrap()
}

/// Everything the client transmits now.
fn client_out(c: &mut Client, now: Instant) -> Vec<Vec<u8>> {
    let mut buf = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
    let mut out = Vec::new();
    while let Some(n) = c.poll_transmit(&mut buf, now).unwrap() {
        out.push(buf[..n].to_vec());
    }
    out
}

fn server_out(s: &mut Server) -> Vec<Vec<u8>> {
    let mut buf = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
    let mut out = Vec::new();
    while let Some(n) = s.poll_transmit(&mut buf).unwrap() {
        out.push(buf[..n].to_vec());
    }
    out
}

/// Owned copies of events, so tests can hold them.
#[derive(Debug, Clone, PartialEq)]
enum Ev {
    Connected(HdlcParameters, Address),
    Disconnected(DisconnectReason),
    Apdu(Vec<u8>),
    Sent,
    Push {
        apdu: Vec<u8>,
        llc: Option<Llc>,
        dst: Address,
        src: Address,
        frame_type: FrameType,
    },
    FrameRejected(FrmrInfo),
    Discarded(Error),
    TooLong(usize, usize),
}

fn own(ev: LinkEvent<'_>) -> Ev {
    match ev {
        LinkEvent::Connected { parameters, peer } => Ev::Connected(parameters, peer),
        LinkEvent::Disconnected { reason } => Ev::Disconnected(reason),
        LinkEvent::Apdu(a) => Ev::Apdu(a.to_vec()),
        LinkEvent::Sent => Ev::Sent,
        LinkEvent::Push(p) => Ev::Push {
            apdu: p.apdu.to_vec(),
            llc: p.llc,
            dst: p.dst,
            src: p.src,
            frame_type: p.frame_type,
        },
        LinkEvent::FrameRejected(i) => Ev::FrameRejected(i),
        LinkEvent::Discarded(e) => Ev::Discarded(e),
        LinkEvent::ApduTooLong { len, capacity } => Ev::TooLong(len, capacity),
        _ => unreachable!(),
    }
}

/// Feeds all bytes to the client, collecting events.
fn to_client(c: &mut Client, bytes: &[u8], now: Instant) -> Vec<Ev> {
    let mut events = Vec::new();
    let mut rest = bytes;
    loop {
        let n = c.handle_input(rest, now);
        rest = &rest[n..];
        while let Some(ev) = c.poll_event() {
            events.push(own(ev));
        }
        if rest.is_empty() {
            return events;
        }
    }
}

fn to_server(s: &mut Server, bytes: &[u8], now: Instant) -> Vec<Ev> {
    let mut events = Vec::new();
    let mut rest = bytes;
    loop {
        let n = s.handle_input(rest, now);
        rest = &rest[n..];
        while let Some(ev) = s.poll_event() {
            events.push(own(ev));
        }
        if rest.is_empty() {
            return events;
        }
    }
}

fn control(frame: &[u8]) -> u8 {
    HdlcFrame::new_checked(frame).unwrap().control_byte()
}

fn connected_pair(params: HdlcParameters) -> (Client, Server) {
    let mut ccfg = ClientConfig::new(client16(), server_1_17());
    ccfg.parameters = params;
    let mut scfg = ServerConfig::new(server_1_17());
    scfg.parameters = params;
    let (mut c, mut s) = (client_with(ccfg), server_with(scfg));
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    for f in client_out(&mut c, now) {
        to_server(&mut s, &f, now);
    }
    for f in server_out(&mut s) {
        to_client(&mut c, &f, now);
    }
    assert_eq!(c.state(), ClientState::Connected);
    (c, s)
}

// ---- IEC 62056-46 example frames --------------------------------------------------------------

#[test]
fn notes_example_frames_byte_exact() {
    // SNRM without parameters, client 16 -> server (1,17) (IEC 62056-46; also HDLC-01, u9n).
    let mut ccfg = ClientConfig::new(client16(), server_1_17());
    ccfg.propose_parameters = false;
    let mut c = client_with(ccfg);
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    let snrm = client_out(&mut c, now);
    assert_eq!(snrm, [hex("7E A0 08 02 23 21 93 BD 64 7E")]);
    // The server's UA with its parameters as 1-byte values (ISO/IEC 13239 parameter negotiation).
    assert_eq!(to_server(&mut s, &snrm[0], now).len(), 1);
    let ua = server_out(&mut s);
    assert_eq!(
        ua,
        [hex(
            "7E A0 1F 21 02 23 73 E6 C7 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 01 53 3B 7E"
        )]
    );
    assert_eq!(
        to_client(&mut c, &ua[0], now),
        [Ev::Connected(HdlcParameters::DEFAULT, server_1_17())]
    );
    // GET request as the first I-frame (IEC 62056-46).
    let get = hex("C0 01 C1 00 03 01 00 01 08 00 FF 02 00");
    c.send(&get, now).unwrap();
    assert_eq!(
        client_out(&mut c, now),
        [hex(
            "7E A0 1A 02 23 21 10 E6 70 E6 E6 00 C0 01 C1 00 03 01 00 01 08 00 FF 02 00 32 68 7E"
        )]
    );
    // DISC and the UA without information field (IEC 62056-46).
    let mut c2 = client_with(ClientConfig::new(client16(), server_1_17()));
    c2.connect(now).unwrap();
    to_server(&mut s, &client_out(&mut c2, now)[0], now);
    to_client(&mut c2, &server_out(&mut s)[0], now);
    c2.disconnect(now).unwrap();
    let disc = client_out(&mut c2, now);
    assert_eq!(disc, [hex("7E A0 08 02 23 21 53 B1 A2 7E")]);
    to_server(&mut s, &disc[0], now);
    assert_eq!(server_out(&mut s), [hex("7E A0 08 21 02 23 73 7A 43 7E")]);
    // DISC again, now disconnected: DM (IEC 62056-46; jDLMS accepts UA or DM).
    to_server(&mut s, &disc[0], now);
    assert_eq!(server_out(&mut s), [hex("7E A0 08 21 02 23 1F 10 EA 7E")]);
    // UI push with an empty DataNotification (IEC 62056-46 UI frame).
    s.push(client16(), &hex("0F 00 00 00 01 00 00")).unwrap();
    assert_eq!(
        server_out(&mut s),
        [hex(
            "7E A0 14 21 02 23 13 0C E3 E6 E7 00 0F 00 00 00 01 00 00 73 A8 7E"
        )]
    );
}

#[test]
fn notes_example_exchange_control_bytes() {
    // IEC 62056-46: SNRM, UA, AARQ, AARE, GET, segmented response with RR polling, next
    // request, DISC, UA — control bytes 93 73 10 30 32 52 51 54 74 53 73.
    let params = HdlcParameters {
        max_info_tx: 128,
        max_info_rx: 128,
        window_tx: 1,
        window_rx: 1,
    };
    let mut ccfg = ClientConfig::new(client16(), server_1_17());
    ccfg.parameters = params;
    let mut c = client_with(ccfg);
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    let mut log = Vec::new();
    let c_to_s = |c: &mut Client, s: &mut Server, log: &mut Vec<u8>| {
        let mut events = Vec::new();
        for f in client_out(c, now) {
            log.push(control(&f));
            events.extend(to_server(s, &f, now));
        }
        events
    };
    let s_to_c = |s: &mut Server, c: &mut Client, log: &mut Vec<u8>| {
        let mut events = Vec::new();
        for f in server_out(s) {
            log.push(control(&f));
            events.extend(to_client(c, &f, now));
        }
        events
    };
    c.connect(now).unwrap();
    c_to_s(&mut c, &mut s, &mut log);
    s_to_c(&mut s, &mut c, &mut log);
    c.send(&[0x60, 0x00], now).unwrap(); // stands for the AARQ
    assert_eq!(
        c_to_s(&mut c, &mut s, &mut log),
        [Ev::Apdu(vec![0x60, 0x00])]
    );
    s.send(&[0x61, 0x00]).unwrap(); // the AARE
    let ev = s_to_c(&mut s, &mut c, &mut log);
    assert_eq!(ev, [Ev::Sent, Ev::Apdu(vec![0x61, 0x00])]);
    c.send(&[0xC0, 0x01], now).unwrap(); // GET
    c_to_s(&mut c, &mut s, &mut log);
    let long = vec![0xC4; 200]; // two segments at max-info 128
    s.send(&long).unwrap();
    s_to_c(&mut s, &mut c, &mut log); // first segment (S=1, F)
    c_to_s(&mut c, &mut s, &mut log); // RR N(R)=2 P
    let ev = s_to_c(&mut s, &mut c, &mut log); // last segment
    assert_eq!(ev, [Ev::Apdu(long)]);
    c.send(&[0xC0, 0x02], now).unwrap();
    c_to_s(&mut c, &mut s, &mut log);
    c.disconnect(now).unwrap();
    c_to_s(&mut c, &mut s, &mut log);
    s_to_c(&mut s, &mut c, &mut log);
    assert_eq!(
        log,
        [
            0x93, 0x73, 0x10, 0x30, 0x32, 0x52, 0x51, 0x54, 0x74, 0x53, 0x73
        ]
    );
}

// ---- real UA frames (parameter negotiation, addresses) -------------------------------------

/// Connects a client to a canned UA frame from a public test suite.
fn connect_to_ua(client: Address, server: Address, ua: &str, ours: HdlcParameters) -> Vec<Ev> {
    let mut cfg = ClientConfig::new(client, server);
    cfg.parameters = ours;
    let mut c = client_with(cfg);
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    assert_eq!(control(&client_out(&mut c, now)[0]), 0x93);
    to_client(&mut c, &hex(ua), now)
}

#[test]
fn negotiation_with_real_ua_frames() {
    let big = HdlcParameters {
        max_info_tx: 2030,
        max_info_rx: 2030,
        window_tx: 7,
        window_rx: 7,
    };
    let p = |tx, rx| HdlcParameters {
        max_info_tx: tx,
        max_info_rx: rx,
        window_tx: 1,
        window_rx: 1,
    };
    // jDLMS HdlcFrameTest::decode1 (HDLC-11): Landis+Gyr E650, asymmetric TX 128 / RX 62
    // (UA parameters in jDLMS `HdlcFrameTest`): we may send 62, we receive 128.
    let ev = connect_to_ua(
        Address::client(48).unwrap(),
        Address::server(1, None).unwrap(),
        "7ea01e610373b57c81801205018006013e07040000000108040000000107227e",
        big,
    );
    assert_eq!(
        ev,
        [Ev::Connected(p(62, 128), Address::server(1, None).unwrap())]
    );
    // jDLMS HdlcFrameTest::decode2 (HDLC-12): Kamstrup, max-info 116 as 2-byte values.
    let ev = connect_to_ua(
        Address::client(17).unwrap(),
        Address::server(1, Some(0)).unwrap(),
        "7ea021230201737a5b81801405020074060200740704000000010804000000016a0b7e",
        big,
    );
    assert_eq!(
        ev,
        [Ev::Connected(
            p(116, 116),
            Address::server(1, Some(0)).unwrap()
        )]
    );
    // u9n TestUAFrame (HDLC-03): 154.
    let ev = connect_to_ua(
        client16(),
        server_1_17(),
        "7ea01f21022373e6c781801205019a06019a070400000001080400000001cca27e",
        big,
    );
    assert_eq!(ev, [Ev::Connected(p(154, 154), server_1_17())]);
    // u9n test_find_4_byte_address (HDLC-04): addressed as 2-byte (1,17), the server answers
    // from the 4-byte form (GuruxDLMS.c `dlms_checkHdlcAddress` comment).
    let ev = connect_to_ua(
        Address::client(1).unwrap(),
        server_1_17(),
        "7ea023030002002373c0488180140502008006020080070400000001080400000001ce6a7e",
        big,
    );
    let four = Address::with_size(1, Some(17), AddressSize::Four).unwrap();
    assert_eq!(ev, [Ev::Connected(p(128, 128), four)]);
    // GuruxDLMS.c issue #1 (HDLC-18): max-info 256 as 2-byte values; our 128 wins.
    let ev = connect_to_ua(
        Address::client(2).unwrap(),
        Address::server(1, Some(16)).unwrap(),
        "7ea0210502217380bc8180140502010006020100070400000001080400000001696d7e",
        HdlcParameters::DEFAULT,
    );
    assert_eq!(
        ev,
        [Ev::Connected(
            p(128, 128),
            Address::server(1, Some(16)).unwrap()
        )]
    );
}

#[test]
fn server_answering_without_physical_address() {
    // Pietro Fiorentini (u9n/dlms-cosem #108, U9 test `TestFiorentiniLocal`): addressed as (1,17),
    // the meter answers from the 1-byte address 1. Our UA, sent from that address.
    let ua = HdlcFrameRepr {
        segmented: false,
        dst: client16(),
        src: Address::server(1, None).unwrap(),
        control: Control::Ua { pf: true },
        info: &[],
    };
    let mut buf = [0u8; 32];
    let n = ua.emit_to_slice(&mut buf).unwrap();
    let mut c = client_with(ClientConfig::new(client16(), server_1_17()));
    c.connect(Instant::ZERO).unwrap();
    client_out(&mut c, Instant::ZERO);
    let ev = to_client(&mut c, &buf[..n], Instant::ZERO);
    assert!(matches!(ev[..], [Ev::Connected(p, _)] if p == HdlcParameters::DEFAULT));
    // A UA from another physical device is not for us.
    let mut c = client_with(ClientConfig::new(client16(), server_1_17()));
    c.connect(Instant::ZERO).unwrap();
    client_out(&mut c, Instant::ZERO);
    let other = HdlcFrameRepr {
        src: Address::server(1, Some(18)).unwrap(),
        ..ua
    };
    let n = other.emit_to_slice(&mut buf).unwrap();
    assert!(to_client(&mut c, &buf[..n], Instant::ZERO).is_empty());
    assert_eq!(c.state(), ClientState::Connecting);
    assert_eq!(c.stats().foreign, 1);
}

#[test]
fn unescaped_flag_in_ua_parameters() {
    // An Iskra UA announcing max-info 126 = 0x7E, unescaped (jDLMS `HdlcFrameTest`).
    let info = hex("81 80 12 05 01 7E 06 01 7E 07 04 00 00 00 01 08 04 00 00 00 01");
    let ua = HdlcFrameRepr {
        segmented: false,
        dst: client16(),
        src: server_1_17(),
        control: Control::Ua { pf: true },
        info: &info,
    };
    let mut buf = [0u8; 64];
    let n = ua.emit_to_slice(&mut buf).unwrap();
    let mut c = client_with(ClientConfig::new(client16(), server_1_17()));
    c.connect(Instant::ZERO).unwrap();
    client_out(&mut c, Instant::ZERO);
    // Delivered one byte at a time.
    let mut ev = Vec::new();
    for b in buf[..n].chunks(1) {
        ev.extend(to_client(&mut c, b, Instant::ZERO));
    }
    let p = HdlcParameters {
        max_info_tx: 126,
        max_info_rx: 126,
        window_tx: 1,
        window_rx: 1,
    };
    assert_eq!(ev, [Ev::Connected(p, server_1_17())]);
}

#[test]
fn dm_to_snrm_with_parameters_retries_without() {
    // jDLMS `HdlcConnection.connectSequence`: after DM, one SNRM without the information field.
    let mut c = client_with(ClientConfig::new(client16(), server_1_17()));
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    let first = client_out(&mut c, now);
    assert!(HdlcFrame::new_checked(&first[0][..]).unwrap().has_info());
    let dm = hex("7E A0 08 21 02 23 1F 10 EA 7E");
    assert!(to_client(&mut c, &dm, now).is_empty());
    let second = client_out(&mut c, now);
    assert_eq!(second, [hex("7E A0 08 02 23 21 93 BD 64 7E")]);
    // A second DM: refused.
    assert_eq!(
        to_client(&mut c, &dm, now),
        [Ev::Disconnected(DisconnectReason::Refused)]
    );
    assert_eq!(c.state(), ClientState::Disconnected);
}

#[test]
fn optical_echo_is_dropped() {
    // Optical echo (u9n/dlms-cosem #62): the IR head returns our own SNRM first.
    let mut c = client_with(ClientConfig::new(client16(), server_1_17()));
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    let snrm = client_out(&mut c, now).remove(0);
    assert!(to_client(&mut c, &snrm, now).is_empty());
    let ua = hex("7E A0 08 21 02 23 73 7A 43 7E");
    assert!(matches!(
        to_client(&mut c, &ua, now)[..],
        [Ev::Connected(..)]
    ));
    assert_eq!(c.stats().echoes, 1);
    // An echo that the deframer's fingerprint missed (two frames sent back to back) is
    // recognised by its addresses: from us, to the server.
    let rr = hex("7E A0 08 02 23 21 51 A3 81 7E");
    assert!(to_client(&mut c, &rr, now).is_empty());
    assert_eq!(c.stats().echoes, 2);
}

// ---- pushes outside a connection ---------------------------------------------------------------

fn frame(segmented: bool, dst: Address, src: Address, control: Control, info: &[u8]) -> Vec<u8> {
    let repr = HdlcFrameRepr {
        segmented,
        dst,
        src,
        control,
        info,
    };
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit_to_slice(&mut out).unwrap();
    out
}

fn listener() -> Client {
    // A push listener: a client that never connects.
    client_with(ClientConfig::new(client16(), server_1_17()))
}

#[test]
fn kaifa_i_frame_push_without_snrm() {
    // Kaifa MA304H3E, Norway HAN (esphome-libs/dlms_parser dumps): control 0x10, destination client
    // 0 (no-station, 1 byte), source 2-byte (upper 1, lower 0); never answered.
    let apdu = hex("0F 40 00 00 00 09 0C 07 E1 09 0C 02 17 12 2A FF 80 00 00 02 01 06 00 00 05 28");
    let mut info = hex("E6 E7 00");
    info.extend(&apdu);
    let push = frame(
        false,
        Address::NO_STATION,
        Address::server(1, Some(0)).unwrap(),
        Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        },
        &info,
    );
    assert_eq!(&push[..8], &hex("7E A0 27 01 02 01 10 5A")[..]);
    let mut l = listener();
    let ev = to_client(&mut l, &push, Instant::ZERO);
    assert_eq!(
        ev,
        [Ev::Push {
            apdu,
            llc: Some(Llc::Response),
            dst: Address::NO_STATION,
            src: Address::server(1, Some(0)).unwrap(),
            frame_type: FrameType::I,
        }]
    );
    assert!(client_out(&mut l, Instant::ZERO).is_empty());
}

#[test]
fn ui_push_to_broadcast_destination() {
    // Landis+Gyr E450 (esphome/esphome PR #16942): destination CE FF (upper 103, lower 127) from
    // 03; EPRI Green Book example (HDLC-17): CE FF from CD, information field LLC + opaque bytes.
    let mut l = listener();
    let ev = to_client(
        &mut l,
        &hex("7ea013ceffcd1361d5e6e6001d64001400002c667e"),
        Instant::ZERO,
    );
    assert_eq!(
        ev,
        [Ev::Push {
            apdu: hex("1d6400140000"),
            llc: Some(Llc::Command),
            dst: Address::server(0x67, Some(0x7F)).unwrap(),
            src: Address::server(0x66, None).unwrap(),
            frame_type: FrameType::Ui,
        }]
    );
    // Norway HAN (item 8): client 32 from upper 4 / lower 65.
    let src = Address::server(4, Some(65)).unwrap();
    let f = frame(
        false,
        Address::client(32).unwrap(),
        src,
        Control::Ui { pf: true },
        &hex("E6E7000F0000000100"),
    );
    assert!(
        matches!(&to_client(&mut l, &f, Instant::ZERO)[..], [Ev::Push { src: s, .. }] if *s == src)
    );
}

#[test]
fn iskra_segmented_ui_push_and_resync() {
    // Iskra AM550 (arendst/Tasmota #8790, u9n/dlms-cosem #71): format A8 on the first segments, F=0
    // on non-final segments, the last with S=0 and F=1; destination client 103 (1 byte), source
    // (1,17); LLC only in the first segment. ESP's tests then feed a duplicated and a half frame.
    let apdu: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    let mut lsdu = hex("E6 E7 00");
    lsdu.extend(&apdu);
    let dst = Address::client(103).unwrap();
    let src = server_1_17();
    let parts: Vec<&[u8]> = lsdu.chunks(120).collect();
    let mut wire = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        wire.extend(frame(!last, dst, src, Control::Ui { pf: last }, p));
    }
    assert_eq!(wire[1] & 0xF8, 0xA8);
    let last_frame = frame(false, dst, src, Control::Ui { pf: true }, parts[2]);
    wire.extend(&last_frame);
    wire.extend(&last_frame[..last_frame.len() / 2]);
    // A listener on a serial port runs an inter-octet timeout: the half frame is dropped when
    // the next frame comes after a pause.
    let mut cfg = ClientConfig::new(client16(), server_1_17());
    cfg.timeouts.inter_octet = Some(Duration::from_millis(25));
    let mut l = client_with(cfg);
    let ev = to_client(&mut l, &wire, Instant::ZERO);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!(matches!(&ev[0], Ev::Push { apdu: a, llc: Some(Llc::Response), .. } if *a == apdu));
    // The duplicated last segment alone is a push of its own (without LLC): it is handed up
    // as such rather than concatenated to anything.
    assert!(matches!(&ev[1], Ev::Push { apdu: a, llc: None, .. } if a[..] == parts[2][..]));
    let later = frame(
        false,
        dst,
        src,
        Control::Ui { pf: true },
        &hex("E6E7000F01"),
    );
    let ev = to_client(&mut l, &later, Instant::from_millis(1000));
    assert!(matches!(&ev[..], [Ev::Push { apdu: a, .. }] if *a == [0x0F, 0x01]));
    assert_eq!(l.stats().inter_octet_timeouts, 1);
}

#[test]
fn gbt_blocks_in_independent_ui_frames() {
    // Landis+Gyr E450 (esphome/esphome PR #16942): each UI frame has S=0 and carries one GBT block;
    // only the first has the LLC header. Each is handed up on its own.
    let dst = Address::client(16).unwrap();
    let src = Address::server(1, None).unwrap();
    let mut l = listener();
    let first = frame(
        false,
        dst,
        src,
        Control::Ui { pf: true },
        &hex("E6E700 E0 40 00 01 00 00 05 DB 08 01 02"),
    );
    let second = frame(
        false,
        dst,
        src,
        Control::Ui { pf: true },
        &hex("E0 C0 00 02 00 00 03 03 04 05"),
    );
    let mut wire = first;
    wire.extend(second);
    let ev = to_client(&mut l, &wire, Instant::ZERO);
    assert!(matches!(&ev[..], [
        Ev::Push { llc: Some(Llc::Response), apdu: a, .. },
        Ev::Push { llc: None, apdu: b, .. },
    ] if a[0] == 0xE0 && b[0] == 0xE0 && b[1] == 0xC0));
}

#[test]
fn long_push_frames() {
    // Long frames (Gurux/Gurux.DLMS.Python PR #46, Gurux/gurux.dlms.java #12): 491-byte frames
    // (format A1 E9, Kamstrup Omnipower) and 579-byte frames (Norway HAN). A listener sized for
    // 2,030-byte information fields takes them.
    let mut cfg = ClientConfig::new(client16(), server_1_17());
    cfg.parameters.max_info_rx = 2030;
    let mut l = client_with(cfg);
    for total in [491usize, 579] {
        let info = vec![0x5A; total - 12];
        let f = frame(
            false,
            client16(),
            server_1_17(),
            Control::Ui { pf: true },
            &info,
        );
        assert_eq!(f.len(), total);
        let ev = to_client(&mut l, &f, Instant::ZERO);
        assert!(matches!(&ev[..], [Ev::Push { apdu, .. }] if apdu.len() == total - 12));
    }
    assert_eq!(
        hex("7EA1E9")[1..],
        frame(
            false,
            client16(),
            server_1_17(),
            Control::Ui { pf: true },
            &[0; 479]
        )[1..3]
    );
    // The default listener (128-byte information fields) drops such a frame and says so.
    let mut small = listener();
    let f = frame(
        false,
        client16(),
        server_1_17(),
        Control::Ui { pf: true },
        &[0; 479],
    );
    assert!(to_client(&mut small, &f, Instant::ZERO).is_empty());
    assert!(small.stats().bad_frames > 0);
}

#[test]
fn pushes_can_be_restricted_to_the_configured_server() {
    let mut cfg = ClientConfig::new(client16(), server_1_17());
    cfg.accept_pushes = false;
    let mut l = client_with(cfg);
    let foreign = frame(
        false,
        client16(),
        Address::server(2, None).unwrap(),
        Control::Ui { pf: true },
        &[1],
    );
    assert!(to_client(&mut l, &foreign, Instant::ZERO).is_empty());
    let ours = frame(
        false,
        client16(),
        server_1_17(),
        Control::Ui { pf: true },
        &[1],
    );
    assert_eq!(to_client(&mut l, &ours, Instant::ZERO).len(), 1);
}

// ---- client behaviour ------------------------------------------------------------------------

#[test]
fn client_gives_up_after_retries() {
    let mut cfg = ClientConfig::new(client16(), server_1_17());
    cfg.timeouts.max_retries = 2;
    let mut c = client_with(cfg);
    let mut now = Instant::ZERO;
    c.connect(now).unwrap();
    let mut sent = 0;
    loop {
        sent += client_out(&mut c, now).len();
        let Some(t) = c.poll_timeout() else { break };
        now = t;
        c.handle_timeout(now);
        if c.state() == ClientState::Disconnected {
            break;
        }
    }
    assert_eq!(sent, 3);
    assert_eq!(now, Instant::from_millis(9000));
    assert!(matches!(
        c.poll_event(),
        Some(LinkEvent::Disconnected {
            reason: DisconnectReason::NoResponse
        })
    ));
}

#[test]
fn frame_reject_and_dm_take_the_link_down() {
    let (mut c, _) = connected_pair(HdlcParameters::DEFAULT);
    while c.poll_event().is_some() {}
    let frmr = frame(
        false,
        client16(),
        server_1_17(),
        Control::Frmr { pf: true },
        &[0x2F, 0x64, 0x01],
    );
    let ev = to_client(&mut c, &frmr, Instant::ZERO);
    assert_eq!(
        ev,
        [
            Ev::FrameRejected(FrmrInfo::parse(&[0x2F, 0x64, 0x01]).unwrap()),
            Ev::Disconnected(DisconnectReason::FrameReject)
        ]
    );
    let (mut c, _) = connected_pair(HdlcParameters::DEFAULT);
    while c.poll_event().is_some() {}
    let dm = hex("7E A0 08 21 02 23 1F 10 EA 7E");
    assert_eq!(
        to_client(&mut c, &dm, Instant::ZERO),
        [Ev::Disconnected(DisconnectReason::Peer)]
    );
}

#[test]
fn busy_server_and_polling() {
    let (mut c, mut s) = connected_pair(HdlcParameters::DEFAULT);
    let mut now = Instant::ZERO;
    s.set_busy(true);
    c.send(&[0xC0, 0x01], now).unwrap();
    for f in client_out(&mut c, now) {
        assert!(to_server(&mut s, &f, now).is_empty());
    }
    let rnr = server_out(&mut s);
    assert_eq!(rnr.len(), 1);
    assert!(matches!(
        HdlcFrame::new_checked(&rnr[0][..]).unwrap().control(),
        Control::Rnr { nr: 0, pf: true }
    ));
    to_client(&mut c, &rnr[0], now);
    // The client polls after the poll interval, with RR.
    assert!(client_out(&mut c, now).is_empty());
    now = c.poll_timeout().unwrap();
    assert_eq!(now, Instant::from_millis(100));
    s.set_busy(false);
    let poll = client_out(&mut c, now);
    assert!(matches!(
        HdlcFrame::new_checked(&poll[0][..]).unwrap().control(),
        Control::Rr { nr: 0, pf: true }
    ));
    to_server(&mut s, &poll[0], now);
    let rr = server_out(&mut s);
    to_client(&mut c, &rr[0], now);
    // Not busy any more: the request goes again.
    let again = client_out(&mut c, now);
    assert!(matches!(
        HdlcFrame::new_checked(&again[0][..]).unwrap().control(),
        Control::I { ns: 0, .. }
    ));
    assert_eq!(
        to_server(&mut s, &again[0], now),
        [Ev::Apdu(vec![0xC0, 0x01])]
    );
}

#[test]
fn keepalive_polls() {
    let mut ccfg = ClientConfig::new(client16(), server_1_17());
    ccfg.timeouts.keepalive = Some(Duration::from_secs(30));
    let mut c = client_with(ccfg);
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    to_server(&mut s, &client_out(&mut c, now)[0], now);
    to_client(&mut c, &server_out(&mut s)[0], now);
    let t = c.poll_timeout().unwrap();
    assert_eq!(t, Instant::from_millis(30_000));
    c.handle_timeout(t);
    let rr = client_out(&mut c, t);
    assert!(matches!(
        HdlcFrame::new_checked(&rr[0][..]).unwrap().control(),
        Control::Rr { pf: true, .. }
    ));
    // The keep-alive also resets the server's inactivity timer.
    to_server(&mut s, &rr[0], t);
    assert_eq!(s.poll_timeout(), Some(t + Duration::from_secs(120)));
}

// ---- server behaviour ------------------------------------------------------------------------

fn snrm(client: Address) -> Vec<u8> {
    frame(
        false,
        server_1_17(),
        client,
        Control::Snrm { pf: true },
        &[],
    )
}

#[test]
fn server_in_disconnected_mode_answers_dm() {
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let i = frame(
        false,
        server_1_17(),
        client16(),
        Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        },
        &hex("E6E600C001"),
    );
    assert!(to_server(&mut s, &i, Instant::ZERO).is_empty());
    assert_eq!(server_out(&mut s), [hex("7E A0 08 21 02 23 1F 10 EA 7E")]);
}

#[test]
fn server_frame_reject() {
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    to_server(&mut s, &snrm(client16()), now);
    server_out(&mut s);
    // An unknown control field (0x2F) is rejected with W set.
    let bad = frame(
        false,
        server_1_17(),
        client16(),
        Control::Unknown(0x2F),
        &[],
    );
    to_server(&mut s, &bad, now);
    assert_eq!(s.state(), ServerState::FrameReject);
    let out = server_out(&mut s);
    let f = HdlcFrame::new_checked(&out[0][..]).unwrap();
    assert_eq!(f.control(), Control::Frmr { pf: true });
    let info = FrmrInfo::parse(f.info()).unwrap();
    assert_eq!(
        (info.rejected_control, info.w, info.x, info.y),
        (0x2F, true, false, false)
    );
    // Repeated on every poll until SNRM.
    let rr = frame(
        false,
        server_1_17(),
        client16(),
        Control::Rr { nr: 0, pf: true },
        &[],
    );
    to_server(&mut s, &rr, now);
    assert_eq!(control(&server_out(&mut s)[0]), 0x97);
    let ev = to_server(&mut s, &snrm(client16()), now);
    assert_eq!(ev[0], Ev::Disconnected(DisconnectReason::Peer));
    assert!(matches!(ev[1], Ev::Connected(..)));
    assert_eq!(s.state(), ServerState::Connected);
    assert_eq!(control(&server_out(&mut s)[0]), 0x73);
    // An RR with an information field: W and X.
    let rr_info = frame(
        false,
        server_1_17(),
        client16(),
        Control::Rr { nr: 0, pf: true },
        &[1],
    );
    to_server(&mut s, &rr_info, now);
    let out = server_out(&mut s);
    let info = FrmrInfo::parse(HdlcFrame::new_checked(&out[0][..]).unwrap().info()).unwrap();
    assert!(info.w && info.x && !info.y);
    // An I-frame longer than the negotiated 128 bytes: Y.
    to_server(&mut s, &snrm(client16()), now);
    server_out(&mut s);
    let long = frame(
        false,
        server_1_17(),
        client16(),
        Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        },
        &[0; 129],
    );
    to_server(&mut s, &long, now);
    let out = server_out(&mut s);
    let info = FrmrInfo::parse(HdlcFrame::new_checked(&out[0][..]).unwrap().info()).unwrap();
    assert!(info.y && !info.w);
    assert_eq!(s.stats().frame_rejects, 3);
}

#[test]
fn server_ignores_other_stations() {
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    // Another physical device, another logical device, and a 2-byte source (item 9).
    for f in [
        frame(
            false,
            Address::server(1, Some(18)).unwrap(),
            client16(),
            Control::Snrm { pf: true },
            &[],
        ),
        frame(
            false,
            Address::server(2, Some(17)).unwrap(),
            client16(),
            Control::Snrm { pf: true },
            &[],
        ),
        frame(
            false,
            server_1_17(),
            Address::server(1, Some(1)).unwrap(),
            Control::Snrm { pf: true },
            &[],
        ),
    ] {
        assert!(to_server(&mut s, &f, now).is_empty());
        assert!(server_out(&mut s).is_empty());
    }
    assert_eq!(s.stats().foreign, 3);
    // Addressed without the physical address, or to all stations: accepted.
    let short = frame(
        false,
        Address::server(1, None).unwrap(),
        client16(),
        Control::Snrm { pf: true },
        &[],
    );
    assert!(matches!(
        to_server(&mut s, &short, now)[..],
        [Ev::Connected(..)]
    ));
    // The answer comes from the address as the client wrote it.
    let ua = server_out(&mut s);
    assert_eq!(
        HdlcFrame::new_checked(&ua[0][..]).unwrap().src(),
        Address::server(1, None).unwrap()
    );
    // While connected, frames from another client are ignored.
    let other = frame(
        false,
        server_1_17(),
        Address::client(1).unwrap(),
        Control::Rr { nr: 0, pf: true },
        &[],
    );
    assert!(to_server(&mut s, &other, now).is_empty());
    assert!(server_out(&mut s).is_empty());
    // A broadcast UI frame is handed up, a broadcast command is not answered.
    let ui = frame(
        false,
        Address::ALL_STATION,
        client16(),
        Control::Ui { pf: false },
        &hex("E6E600C201"),
    );
    assert!(matches!(
        &to_server(&mut s, &ui, now)[..],
        [Ev::Push { .. }]
    ));
    let rr = frame(
        false,
        Address::ALL_STATION,
        client16(),
        Control::Rr { nr: 0, pf: true },
        &[],
    );
    to_server(&mut s, &rr, now);
    assert!(server_out(&mut s).is_empty());
}

#[test]
fn server_inactivity_and_inter_octet_timeouts() {
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    to_server(&mut s, &snrm(client16()), now);
    server_out(&mut s);
    assert_eq!(s.poll_timeout(), Some(Instant::from_millis(120_000)));
    // A frame cut by a pause longer than 25 ms is dropped; the next frame is taken.
    let rr = frame(
        false,
        server_1_17(),
        client16(),
        Control::Rr { nr: 0, pf: true },
        &[],
    );
    to_server(&mut s, &rr[..5], Instant::from_millis(1000));
    to_server(&mut s, &rr[5..], Instant::from_millis(1100));
    assert!(server_out(&mut s).is_empty());
    assert_eq!(s.stats().inter_octet_timeouts, 1);
    to_server(&mut s, &rr[..5], Instant::from_millis(2000));
    to_server(&mut s, &rr[5..], Instant::from_millis(2010));
    assert_eq!(server_out(&mut s).len(), 1);
    // No frame for 120 s: disconnected.
    let t = s.poll_timeout().unwrap();
    assert_eq!(t, Instant::from_millis(122_010));
    s.handle_timeout(Instant::from_millis(122_009));
    assert_eq!(s.state(), ServerState::Connected);
    s.handle_timeout(t);
    assert_eq!(s.state(), ServerState::Disconnected);
    assert!(matches!(
        s.poll_event(),
        Some(LinkEvent::Disconnected {
            reason: DisconnectReason::Inactivity
        })
    ));
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn duplicates_are_delivered_once() {
    let (mut c, mut s) = connected_pair(HdlcParameters::DEFAULT);
    let now = Instant::ZERO;
    c.send(&[0xC0, 0x01, 0x02], now).unwrap();
    let i = client_out(&mut c, now);
    assert_eq!(
        to_server(&mut s, &i[0], now),
        [Ev::Apdu(vec![0xC0, 0x01, 0x02])]
    );
    // The same frame again (a retransmission after a lost answer): not delivered again, and
    // the server answers the poll.
    server_out(&mut s);
    assert!(to_server(&mut s, &i[0], now).is_empty());
    assert_eq!(server_out(&mut s).len(), 1);
    assert_eq!(s.stats().out_of_sequence, 1);
}

#[test]
fn windowed_transfer_in_both_directions() {
    let p = HdlcParameters {
        max_info_tx: 32,
        max_info_rx: 32,
        window_tx: 3,
        window_rx: 3,
    };
    let (mut c, mut s) = connected_pair(p);
    let now = Instant::ZERO;
    let request: Vec<u8> = (0..200u8).collect();
    c.send(&request, now).unwrap();
    let burst = client_out(&mut c, now);
    // Three frames, P only on the third.
    assert_eq!(burst.len(), 3);
    let pf: Vec<bool> = burst
        .iter()
        .map(|f| HdlcFrame::new_checked(&f[..]).unwrap().control().pf())
        .collect();
    assert_eq!(pf, [false, false, true]);
    let mut got = Vec::new();
    let mut pending = burst;
    for _ in 0..20 {
        for f in &pending {
            got.extend(to_server(&mut s, f, now));
        }
        for f in server_out(&mut s) {
            to_client(&mut c, &f, now);
        }
        if !got.is_empty() {
            break;
        }
        pending = client_out(&mut c, now);
    }
    assert_eq!(got, [Ev::Apdu(request.clone())]);
    // And a windowed response: the server speaks when polled, three frames, F on the third.
    let response: Vec<u8> = (0..200u8).rev().collect();
    s.send(&response).unwrap();
    assert!(
        server_out(&mut s).is_empty(),
        "the server speaks only when polled"
    );
    let t = c.poll_timeout().unwrap();
    let poll = client_out(&mut c, t);
    assert!(matches!(
        HdlcFrame::new_checked(&poll[0][..]).unwrap().control(),
        Control::Rr { pf: true, .. }
    ));
    to_server(&mut s, &poll[0], t);
    let burst = server_out(&mut s);
    let pf: Vec<bool> = burst
        .iter()
        .map(|f| HdlcFrame::new_checked(&f[..]).unwrap().control().pf())
        .collect();
    assert_eq!(pf, [false, false, true]);
    let mut got = Vec::new();
    let mut pending = burst;
    for _ in 0..20 {
        for f in &pending {
            got.extend(to_client(&mut c, f, t));
        }
        if got.iter().any(|e| matches!(e, Ev::Apdu(_))) {
            break;
        }
        for f in client_out(&mut c, t) {
            to_server(&mut s, &f, t);
        }
        pending = server_out(&mut s);
    }
    assert!(got.contains(&Ev::Apdu(response)));
}

#[test]
fn aarq_and_aare_frames_match_the_public_vectors() {
    // u9n/dlms-cosem @c52e9d4 tests/test_hdlc/test_hdlc.py: TestInformationFrame (HDLC-06,
    // the AARQ I-frame N(S)=0 N(R)=0 P) and TestInformationResponseFrame (HDLC-07, the AARE
    // I-frame N(S)=0 N(R)=1 F). Our links, given the same APDUs right after connecting, emit
    // exactly these frames.
    let hdlc06 = hex(
        "7ea02c02232110af9fe6e600601da109060760857405080101be10040e01000000065f1f0400001e1dffffc5e47e",
    );
    let hdlc07 = hex(
        "7ea0382102233034e7e6e7006129a109060760857405080101a203020100a305a103020100be10040e0800065f1f0400001e1d04c80007b86a7e",
    );
    let (mut c, mut s) = connected_pair(HdlcParameters::DEFAULT);
    let now = Instant::ZERO;
    c.send(&hdlc06[12..hdlc06.len() - 3], now).unwrap();
    let aarq = client_out(&mut c, now);
    assert_eq!(aarq, std::slice::from_ref(&hdlc06));
    let ev = to_server(&mut s, &aarq[0], now);
    assert_eq!(
        ev.last(),
        Some(&Ev::Apdu(hdlc06[12..hdlc06.len() - 3].to_vec()))
    );
    s.send(&hdlc07[12..hdlc07.len() - 3]).unwrap();
    assert_eq!(server_out(&mut s), [hdlc07]);
}

#[test]
fn received_data_that_cannot_be_delivered_is_reported() {
    let (_, mut s) = connected_pair(HdlcParameters::DEFAULT);
    let now = Instant::ZERO;
    // An I-frame without the LLC header.
    let bare = frame(
        false,
        server_1_17(),
        client16(),
        Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        },
        &[0xC0, 0x01],
    );
    assert_eq!(
        to_server(&mut s, &bare, now),
        [Ev::Discarded(Error::BadLlc {
            offset: 0,
            found: [0xC0, 0x01, 0x00]
        })]
    );
    server_out(&mut s);
    // An APDU longer than the receive buffer (2,048 bytes): dropped, the rest skipped, reported
    // after its last segment, and the link goes on.
    let mut lsdu = hex("E6E600");
    lsdu.extend(vec![0xC0; 2100]);
    let mut events = Vec::new();
    let parts: Vec<&[u8]> = lsdu.chunks(128).collect();
    for (i, part) in parts.iter().enumerate() {
        let more = i + 1 < parts.len();
        let ns = ((i + 1) % 8) as u8;
        let f = frame(
            more,
            server_1_17(),
            client16(),
            Control::I {
                ns,
                nr: 0,
                pf: true,
            },
            part,
        );
        events.extend(to_server(&mut s, &f, now));
        server_out(&mut s);
    }
    assert_eq!(events, [Ev::TooLong(2100, 2048)]);
    let ns = ((parts.len() + 1) % 8) as u8;
    let ok = frame(
        false,
        server_1_17(),
        client16(),
        Control::I {
            ns,
            nr: 0,
            pf: true,
        },
        &hex("E6E600C001"),
    );
    assert_eq!(to_server(&mut s, &ok, now), [Ev::Apdu(vec![0xC0, 0x01])]);
}

// ---- Gurux client quirks -------------------------------------------------------------------------

/// Feeds one client frame to the server, lets it queue `answer` (if any) and returns the
/// events and the server's frames.
fn exchange(
    s: &mut Server,
    f: &[u8],
    answer: Option<&[u8]>,
    now: Instant,
) -> (Vec<Ev>, Vec<Vec<u8>>) {
    let ev = to_server(s, f, now);
    if let Some(apdu) = answer {
        s.send(apdu).unwrap();
    }
    (ev, server_out(s))
}

#[test]
fn gurux_keepalive_drifted_nr_is_resynchronised() {
    // gurux-dlms 1.0.203 against a meter: SNRM/UA, AARQ/AARE (N(S)=0), a first GET
    // (N(S)=1), the keep-alive RR, then its next GET as I(N(S)=2, N(R)=3), although the meter
    // only ever sent N(S)=0 and 1. The frame bytes are Gurux's own (client 16 to (1,17)).
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    let (ev, out) = exchange(&mut s, &snrm(client16()), None, now);
    assert!(matches!(ev[..], [Ev::Connected(..)]));
    assert_eq!(control(&out[0]), 0x73);
    let i = |ns, nr, info: &[u8]| {
        frame(
            false,
            server_1_17(),
            client16(),
            Control::I { ns, nr, pf: true },
            info,
        )
    };
    let aarq = hex("E6E600 601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFF");
    let aare = [0x61, 0x03, 0xA1, 0x01, 0x00];
    let (ev, out) = exchange(&mut s, &i(0, 0, &aarq), Some(&aare), now);
    assert_eq!(ev, [Ev::Apdu(aarq[3..].to_vec())]);
    assert_eq!(control(&out[0]), 0x30); // AARE in I(0, 1)
    let get1 = hex("E6E600 C001C100030100010800FF0200");
    let response = [0xC4, 0x01, 0xC1, 0x01, 0x04];
    let (ev, out) = exchange(&mut s, &i(1, 1, &get1), Some(&response), now);
    assert_eq!(ev, [Ev::Sent, Ev::Apdu(get1[3..].to_vec())]);
    assert_eq!(control(&out[0]), 0x52); // I(1, 2)
    // keepAlive(): RR N(R)=2, answered with RR N(R)=2.
    let (ev, out) = exchange(&mut s, &hex("7E A0 08 02 23 21 51 A3 81 7E"), None, now);
    assert_eq!(ev, [Ev::Sent]);
    assert_eq!(out.len(), 1);
    assert_eq!(control(&out[0]), 0x51);
    // The exact frame Gurux sends next: GET 0-0:1.0.0.255 attribute 2, I(N(S)=2, N(R)=3).
    let gurux = hex("7ea01a02232174c455e6e600c001c100080000010000ff0200601a7e");
    let f = HdlcFrame::new_checked(&gurux[..]).unwrap();
    f.check_checksums().unwrap();
    assert_eq!(
        f.control(),
        Control::I {
            ns: 2,
            nr: 3,
            pf: true
        }
    );
    let (ev, out) = exchange(&mut s, &gurux, Some(&response), now);
    assert_eq!(ev, [Ev::Apdu(gurux[12..gurux.len() - 3].to_vec())]);
    assert_eq!((s.stats().invalid_nr, s.stats().nr_resyncs), (1, 1));
    // Answered with our N(S) in sequence, I(N(S)=2, N(R)=3): Gurux's receive count did not
    // drift, only the N(R) it sends (against gurux-dlms 1.0.203, an answer I(3, 3) is refused
    // with "Invalid HDLC Frame: 0x10 Expected: 0x1e").
    assert_eq!(out.len(), 1);
    let answer = HdlcFrame::new_checked(&out[0][..]).unwrap();
    assert_eq!(
        answer.control(),
        Control::I {
            ns: 2,
            nr: 3,
            pf: true
        }
    );
    assert_eq!(answer.info(), hex("E6E700 C401C10104"));
    // And the link goes on in step: the next GET acknowledges it, its N(R) still one ahead.
    let (ev, out) = exchange(&mut s, &i(3, 4, &get1), None, now);
    assert_eq!(ev, [Ev::Sent, Ev::Apdu(get1[3..].to_vec())]);
    assert_eq!(control(&out[0]), 0x91); // RR N(R)=4: the answer is not ready yet
    assert_eq!(s.stats().nr_resyncs, 1);
}

#[test]
fn invalid_nr_while_frames_are_outstanding_is_rejected() {
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    exchange(&mut s, &snrm(client16()), None, now);
    let get = hex("E6E600 C001C100030100010800FF0200");
    let i = |ns, nr| {
        frame(
            false,
            server_1_17(),
            client16(),
            Control::I { ns, nr, pf: true },
            &get,
        )
    };
    let (_, out) = exchange(&mut s, &i(0, 0), Some(&[0xC4, 0x01, 0xC1, 0x01, 0x04]), now);
    assert_eq!(control(&out[0]), 0x30); // I(0, 1), not yet acknowledged
    // N(R)=2 acknowledges a frame never sent while I(0) is outstanding: FRMR with Z.
    let (ev, out) = exchange(&mut s, &i(1, 2), None, now);
    assert!(ev.is_empty());
    assert_eq!(s.state(), ServerState::FrameReject);
    let f = HdlcFrame::new_checked(&out[0][..]).unwrap();
    assert_eq!(f.control(), Control::Frmr { pf: true });
    let info = FrmrInfo::parse(f.info()).unwrap();
    assert_eq!(
        (info.rejected_control, info.w, info.x, info.y, info.z),
        (0x52, false, false, false, true)
    );
    // The client recovers with SNRM, and the link works again.
    let (ev, out) = exchange(&mut s, &snrm(client16()), None, now);
    assert!(matches!(ev[..], [Ev::Disconnected(_), Ev::Connected(..)]));
    assert_eq!(control(&out[0]), 0x73);
    let (ev, _) = exchange(&mut s, &i(0, 0), None, now);
    assert_eq!(ev, [Ev::Apdu(get[3..].to_vec())]);
}

// ---- over-long requests ------------------------------------------------------------------------

/// Moves frames between client and server until both are quiet; `answer` gives the server's
/// response to each server event (an APDU or an over-long APDU). Returns the server's events
/// and the client's.
fn pump(
    c: &mut Client,
    s: &mut Server,
    now: Instant,
    answer: &mut dyn FnMut(&Ev) -> Option<Vec<u8>>,
) -> (Vec<Ev>, Vec<Ev>) {
    let (mut server_events, mut client_events) = (Vec::new(), Vec::new());
    loop {
        let mut moved = false;
        for f in client_out(c, now) {
            moved = true;
            for ev in to_server(s, &f, now) {
                if let Some(apdu) = answer(&ev) {
                    s.send(&apdu).unwrap();
                }
                server_events.push(ev);
            }
        }
        for f in server_out(s) {
            moved = true;
            client_events.extend(to_client(c, &f, now));
        }
        if !moved {
            return (server_events, client_events);
        }
    }
}

fn meter_512() -> (Client, Server) {
    let mut c = client_with(ClientConfig::new(client16(), server_1_17()));
    let mut scfg = ServerConfig::new(server_1_17());
    scfg.max_apdu_rx = 512;
    let mut s = server_with(scfg);
    let now = Instant::ZERO;
    c.connect(now).unwrap();
    pump(&mut c, &mut s, now, &mut |_| None);
    assert_eq!(c.state(), ClientState::Connected);
    (c, s)
}

/// The meter of the `hdlc_meter` example, reduced: a GET gets a response, an over-long APDU
/// gets exception-response pdu-too-long.
fn meter_answer(ev: &Ev) -> Option<Vec<u8>> {
    match ev {
        Ev::Apdu(a) if a.first() == Some(&0xC0) => Some(vec![0xC4, 0x01, 0xC1, 0x01, 0x04]),
        Ev::TooLong(..) => Some(vec![0xD8, 0x01, 0x04]),
        _ => None,
    }
}

#[test]
fn over_long_apdu_is_answered_and_the_link_stays_usable() {
    let (mut c, mut s) = meter_512();
    let now = Instant::ZERO;
    // A 700-byte SET-Request-Normal: 703 bytes with the LLC header, six I-frames of 128.
    let mut set = hex("C1 01 C1 0001 0000010000FF 02 00 09 82 02A6");
    set.resize(700, 0x55);
    c.send(&set, now).unwrap();
    let (server_events, client_events) = pump(&mut c, &mut s, now, &mut meter_answer);
    assert_eq!(server_events, [Ev::TooLong(700, 512)]);
    assert_eq!(client_events, [Ev::Sent, Ev::Apdu(vec![0xD8, 0x01, 0x04])]);
    assert_eq!(s.stats().apdus_received, 0);
    // The next request on the same link works.
    let get = hex("C0 01 C1 0003 0100010800FF 02 00");
    c.send(&get, now).unwrap();
    let (server_events, client_events) = pump(&mut c, &mut s, now, &mut meter_answer);
    assert_eq!(server_events, [Ev::Sent, Ev::Apdu(get)]);
    assert_eq!(
        client_events,
        [Ev::Sent, Ev::Apdu(vec![0xC4, 0x01, 0xC1, 0x01, 0x04])]
    );
    assert_eq!(c.state(), ClientState::Connected);
    assert_eq!(s.state(), ServerState::Connected);
}

#[test]
fn over_long_information_field_is_rejected_with_frmr() {
    // The server's frame buffer holds the 128-byte information field it announced; a client
    // that ignores it and sends 200 bytes in one frame gets FRMR (Y), not silence.
    let mut s = server_with(ServerConfig::new(server_1_17()));
    let now = Instant::ZERO;
    exchange(&mut s, &snrm(client16()), None, now);
    let mut info = hex("E6E600");
    info.resize(200, 0xC1);
    // A flag inside the information field must not resynchronise the deframer there.
    info[100] = 0x7E;
    let long = frame(
        false,
        server_1_17(),
        client16(),
        Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        },
        &info,
    );
    // Longer than the frame buffer: 128 bytes of information plus the largest overhead.
    assert!(long.len() > 128 + dlms::hdlc::MAX_OVERHEAD);
    let (ev, out) = exchange(&mut s, &long, None, now);
    assert!(ev.is_empty());
    assert_eq!(out.len(), 1);
    let f = HdlcFrame::new_checked(&out[0][..]).unwrap();
    assert_eq!((f.dst(), f.src()), (client16(), server_1_17()));
    assert_eq!(f.control(), Control::Frmr { pf: true });
    let frmr = FrmrInfo::parse(f.info()).unwrap();
    assert_eq!(
        (frmr.rejected_control, frmr.w, frmr.x, frmr.y, frmr.z),
        (0x10, false, false, true, false)
    );
    assert_eq!(s.state(), ServerState::FrameReject);
    assert_eq!(s.stats().bad_bytes, long.len() as u64);
    // The client resets the link with SNRM; the next request works.
    let (ev, out) = exchange(&mut s, &snrm(client16()), None, now);
    assert!(matches!(ev[..], [Ev::Disconnected(_), Ev::Connected(..)]));
    assert_eq!(control(&out[0]), 0x73);
    let get = hex("E6E600 C001C100030100010800FF0200");
    let i = frame(
        false,
        server_1_17(),
        client16(),
        Control::I {
            ns: 0,
            nr: 0,
            pf: true,
        },
        &get,
    );
    let (ev, out) = exchange(&mut s, &i, Some(&[0xC4, 0x01, 0xC1, 0x01, 0x04]), now);
    assert_eq!(ev, [Ev::Apdu(get[3..].to_vec())]);
    assert_eq!(control(&out[0]), 0x30);
}
