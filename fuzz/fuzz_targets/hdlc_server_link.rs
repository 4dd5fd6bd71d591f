//! The HDLC server link (meter side) fed an arbitrary sequence of events built from the input:
//! raw bytes, well-formed frames with arbitrary control fields, addresses and information
//! (the harness fills in the checksums, so they reach the state machine), time steps, and the
//! application's actions (send, push, busy). It never panics, every frame it transmits is
//! valid and comes from its own address, it never transmits more than a window of frames per
//! step, and events carry no more data than its buffers hold.
#![no_main]

use dlms::hdlc::{
    Address, Control, HdlcFrame, HdlcFrameRepr, HdlcParameters, MAX_FRAME_LEN_WITH_FLAGS,
};
use dlms::link::{Duration, HdlcServer, Instant, LinkEvent, ServerConfig};
use libfuzzer_sys::fuzz_target;

const OURS: Address = match Address::server(1, Some(17)) {
    Ok(a) => a,
    Err(_) => Address::NO_STATION,
};

fn config(byte: u8) -> ServerConfig {
    let mut cfg = ServerConfig::new(OURS);
    cfg.parameters = HdlcParameters {
        max_info_tx: 16 + u16::from(byte & 0x3F),
        max_info_rx: 16 + u16::from(byte & 0x3F),
        window_tx: 1 + (byte >> 6),
        window_rx: 1 + (byte >> 6),
    };
    cfg.max_apdu_rx = 300;
    cfg.max_apdu_tx = 300;
    cfg
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let cfg = config(first);
    let mut server = HdlcServer::new(cfg, [0u8; 1024]).expect("storage is large enough");
    let mut now = Instant::ZERO;
    let mut out = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
    let mut steps = 0;
    while let [op, len, tail @ ..] = rest {
        steps += 1;
        if steps > 400 {
            break;
        }
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        match op % 8 {
            0 => {
                // Raw bytes.
                let mut input = body;
                let mut guard = 0;
                while !input.is_empty() {
                    let used = server.handle_input(input, now);
                    input = &input[used..];
                    while let Some(ev) = server.poll_event() {
                        check_event(&ev);
                    }
                    guard += 1;
                    assert!(guard < 1000, "handle_input does not progress");
                }
            }
            1..=4 => {
                // A valid frame: to us (mostly) from client 16 (mostly), any control field.
                let dst = if op & 0x40 == 0 { OURS } else { Address::server(u16::from(*len & 0x7F), None).unwrap() };
                let src = if op & 0x20 == 0 { Address::client(16).unwrap() } else { Address::client(*len & 0x7F).unwrap() };
                let control = match op % 8 {
                    1 => Control::from(body.first().copied().unwrap_or(0x93)),
                    2 => Control::I { ns: (op >> 3) & 7, nr: *len & 7, pf: op & 0x80 != 0 },
                    3 => Control::Rr { nr: *len & 7, pf: true },
                    _ => Control::Snrm { pf: true },
                };
                let info = if matches!(control, Control::Snrm { .. }) && op & 0x80 == 0 { &[][..] } else { body };
                let repr = HdlcFrameRepr { segmented: op & 0x10 != 0, dst, src, control, info };
                let mut f = vec![0u8; repr.buffer_len()];
                if repr.emit_to_slice(&mut f).is_ok() {
                    let mut input = &f[..];
                    while !input.is_empty() {
                        let used = server.handle_input(input, now);
                        input = &input[used..];
                        while let Some(ev) = server.poll_event() {
                            check_event(&ev);
                        }
                    }
                }
            }
            5 => {
                now = now + Duration::from_millis(u64::from(*len) * 100);
                server.handle_timeout(now);
                while let Some(ev) = server.poll_event() {
                    check_event(&ev);
                }
            }
            6 => {
                let _ = server.send(body);
            }
            _ => {
                if *len & 1 == 0 {
                    let _ = server.push(Address::client(16).unwrap(), body);
                } else {
                    server.set_busy(*len & 2 != 0);
                }
            }
        }
        // Whatever it transmits now is bounded and valid.
        let mut sent = 0;
        while let Some(n) = server.poll_transmit(&mut out).expect("MAX_FRAME_LEN_WITH_FLAGS bytes hold any frame") {
            sent += 1;
            assert!(sent <= 64, "transmits without bound");
            let f = HdlcFrame::new_checked(&out[..n]).expect("valid structure");
            assert!(f.check_checksums().is_ok());
            assert_eq!(f.src().upper(), OURS.upper());
            if matches!(f.control(), Control::I { .. } | Control::Ui { .. }) {
                assert!(f.info().len() <= usize::from(cfg.parameters.max_info_tx));
            }
        }
    }
});

fn check_event(ev: &LinkEvent<'_>) {
    match ev {
        LinkEvent::Apdu(a) => assert!(a.len() <= 300),
        LinkEvent::Push(p) => assert!(p.apdu.len() <= 303),
        _ => {}
    }
}
