//! Parsing and deframing HDLC frames, reassembling wrapper PDUs, and a whole client/server
//! exchange through the sans-IO links allocate nothing: a counting global allocator watches
//! them.
//!
//! One test function, so that no other test thread allocates while a region is measured.

use std::alloc::System;
use std::hint::black_box;

use dlms::hdlc::{
    Address, Deframed, Deframer, HdlcFrame, HdlcFrameRepr, MAX_FRAME_LEN_WITH_FLAGS, scan,
};
use dlms::link::{ClientConfig, HdlcClient, HdlcServer, Instant, LinkEvent, ServerConfig};
use dlms::wrapper::{WrapperEvent, WrapperStream};
use meterkit_benches::{HDLC_BIG_HEX, HDLC32_HEX, hex};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and returns its result and the allocations (and reallocations) made meanwhile.
fn count<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let region = Region::new(GLOBAL);
    let r = black_box(f());
    let stats = region.change();
    (r, stats.allocations + stats.reallocations)
}

fn counter_works() {
    let (v, n) = count(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert_eq!(n, 1);
}

fn parsing_allocates_nothing() {
    let small = hex(HDLC32_HEX);
    let big = hex(HDLC_BIG_HEX);
    let (sum, n) = count(|| {
        let mut sum = 0usize;
        for bytes in [&small[..], &big[..]] {
            let f = HdlcFrame::new_checked(bytes).unwrap();
            f.check_checksums().unwrap();
            let repr = HdlcFrameRepr::parse(&f).unwrap();
            sum += repr.info.len()
                + usize::from(repr.dst.upper())
                + usize::from(repr.control.to_byte());
            sum += match scan(bytes) {
                dlms::Scan::Complete { len, .. } => len,
                _ => 0,
            };
        }
        sum
    });
    assert!(sum > 2049);
    assert_eq!(n, 0, "parsing allocated");
}

fn deframing_allocates_nothing() {
    let small = hex(HDLC32_HEX);
    let big = hex(HDLC_BIG_HEX);
    let mut wire = Vec::with_capacity(1 << 20);
    while wire.len() < (1 << 20) {
        wire.extend_from_slice(&big);
        wire.extend_from_slice(&small);
        wire.extend_from_slice(&[0x00, 0x7E, 0xA3]); // some garbage between frames
    }
    let (frames, n) = count(|| {
        let mut deframer = Deframer::new([0u8; 2049]);
        let mut frames = 0;
        for chunk in wire.chunks(64) {
            let mut input = chunk;
            while let Some(out) = deframer.poll(&mut input) {
                if let Deframed::Frame(_) = out {
                    frames += 1;
                }
            }
        }
        frames
    });
    assert!(frames > 1000);
    assert_eq!(n, 0, "deframing allocated");
}

fn wrapper_stream_allocates_nothing() {
    let pdu = [0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x02, 0x62, 0x00];
    let wire: Vec<u8> = pdu.iter().copied().cycle().take(pdu.len() * 1000).collect();
    let (pdus, n) = count(|| {
        let mut s = WrapperStream::new([0u8; 64]);
        let mut pdus = 0;
        for chunk in wire.chunks(7) {
            let mut input = chunk;
            while let Some(ev) = s.poll(&mut input) {
                if let WrapperEvent::Pdu(_) = ev {
                    pdus += 1;
                }
            }
        }
        pdus
    });
    assert_eq!(pdus, 1000);
    assert_eq!(n, 0, "the wrapper stream allocated");
}

fn link_exchange_allocates_nothing() {
    let server_address = Address::server(1, Some(17)).unwrap();
    let ccfg = ClientConfig::new(Address::client(16).unwrap(), server_address);
    let scfg = ServerConfig::new(server_address);
    let request = [0xC0u8; 700];
    let response = [0xC4u8; 1500];
    let (exchanged, n) = count(|| {
        let mut client = HdlcClient::new(ccfg, [0u8; 4300]).unwrap();
        let mut server = HdlcServer::new(scfg, [0u8; 4300]).unwrap();
        let mut frame = [0u8; MAX_FRAME_LEN_WITH_FLAGS];
        let now = Instant::ZERO;
        client.connect(now).unwrap();
        let mut exchanged = 0;
        let mut waiting = false;
        for _ in 0..10_000 {
            while let Some(len) = client.poll_transmit(&mut frame, now).unwrap() {
                let mut input = &frame[..len];
                while !input.is_empty() {
                    let used = server.handle_input(input, now);
                    input = &input[used..];
                    let mut answer = false;
                    while let Some(ev) = server.poll_event() {
                        answer |= matches!(ev, LinkEvent::Apdu(a) if a.len() == request.len());
                    }
                    if answer {
                        server.send(&response).unwrap();
                    }
                }
            }
            while let Some(len) = server.poll_transmit(&mut frame).unwrap() {
                let mut input = &frame[..len];
                while !input.is_empty() {
                    let used = client.handle_input(input, now);
                    input = &input[used..];
                    while let Some(ev) = client.poll_event() {
                        if matches!(ev, LinkEvent::Apdu(a) if a.len() == response.len()) {
                            exchanged += 1;
                            waiting = false;
                        }
                    }
                }
            }
            if client.can_send() && !waiting {
                if exchanged == 20 {
                    break;
                }
                client.send(&request, now).unwrap();
                waiting = true;
            }
        }
        exchanged
    });
    assert_eq!(exchanged, 20);
    assert_eq!(n, 0, "the links allocated");
}

#[test]
fn nothing_allocates() {
    counter_works();
    parsing_allocates_nothing();
    deframing_allocates_nothing();
    wrapper_stream_allocates_nothing();
    link_exchange_allocates_nothing();
}
