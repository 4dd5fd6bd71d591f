//! A client and a server link exchange APDUs of random sizes (1 B to 4 KiB, so segmented)
//! through a simulated channel that drops, corrupts, duplicates and splits frames at seeded
//! rates of up to 5 % per frame each. Every APDU must arrive exactly once, in order, intact,
//! and both sides must recover from every fault (no link failure, a clean disconnect at the
//! end). The test prints its seeds, parameters and fault counts.
//!
//! The main scenario exchanges 10,000 APDUs (5,000 requests, 5,000 responses) over one pair of
//! links with window 1 and every fault at 5 %; three more seeded scenarios (windows 3 and 7,
//! other information lengths, rates drawn between 0.5 % and 5 %) exchange 2,500 each. Time is
//! simulated; nothing sleeps.

mod lossy_util;

use lossy_util::{FaultCounts, Faults, Rng, channel};

use dlms::hdlc::{Address, HdlcParameters, MAX_FRAME_LEN_WITH_FLAGS};
use dlms::link::{
    ClientConfig, ClientState, DisconnectReason, Duration, HdlcClient, HdlcServer, Instant,
    LinkEvent, LinkStats, ServerConfig, ServerState,
};

/// The bytes of APDU `index` in direction `dir` (0 request, 1 response) of scenario `seed`.
fn apdu(seed: u64, dir: u64, index: u64) -> Vec<u8> {
    let mut r = Rng(seed ^ (dir << 62) ^ index.wrapping_mul(0x1000_0000_01B3));
    let len = 1 + r.below(4096) as usize;
    (0..len).map(|_| r.next() as u8).collect()
}

struct Scenario {
    seed: u64,
    pairs: u64,
    params: HdlcParameters,
    /// Fixed fault rates; `None`: drawn from the seed.
    faults: Option<Faults>,
}

struct Outcome {
    faults: Faults,
    c2s: FaultCounts,
    s2c: FaultCounts,
    client: LinkStats,
    server: LinkStats,
    rounds: u64,
    now: Instant,
}

fn run(s: &Scenario) -> Outcome {
    let mut rng = Rng(s.seed);
    let faults = s.faults.unwrap_or_else(|| Faults {
        drop_ppm: 5_000 + rng.below(45_001),
        corrupt_ppm: 5_000 + rng.below(45_001),
        duplicate_ppm: 5_000 + rng.below(45_001),
        split_ppm: 5_000 + rng.below(45_001),
    });
    let server_address = Address::server(1, Some(17)).unwrap();
    let mut ccfg = ClientConfig::new(Address::client(16).unwrap(), server_address);
    ccfg.parameters = s.params;
    ccfg.max_apdu_rx = 4096;
    ccfg.max_apdu_tx = 4096;
    ccfg.timeouts.response = Duration::from_millis(500);
    ccfg.timeouts.max_retries = 40;
    ccfg.timeouts.poll_interval = Duration::from_millis(20);
    let mut scfg = ServerConfig::new(server_address);
    scfg.parameters = s.params;
    scfg.max_apdu_rx = 4096;
    scfg.max_apdu_tx = 4096;
    let mut client =
        HdlcClient::new(ccfg, vec![0u8; HdlcClient::<Vec<u8>>::storage_len(&ccfg)]).unwrap();
    let mut server =
        HdlcServer::new(scfg, vec![0u8; HdlcServer::<Vec<u8>>::storage_len(&scfg)]).unwrap();

    let mut now = Instant::ZERO;
    let mut frame = vec![0u8; MAX_FRAME_LEN_WITH_FLAGS];
    let (mut c2s, mut s2c) = (FaultCounts::default(), FaultCounts::default());
    let mut requests_sent = 0u64; // handed to client.send
    let mut requests_seen = 0u64; // delivered by the server
    let mut responses_seen = 0u64; // delivered by the client
    let mut pending_response: Option<u64> = None;
    let mut connected = false;
    let mut disconnecting = false;
    let mut client_down = None;
    let mut server_down = None;
    let mut rounds = 0u64;
    client.connect(now).unwrap();

    loop {
        rounds += 1;
        assert!(rounds < 5_000_000, "seed {}: no progress", s.seed);
        let mut moved = false;

        // Client -> server.
        let mut out = Vec::new();
        while let Some(n) = client.poll_transmit(&mut frame, now).unwrap() {
            out.push(frame[..n].to_vec());
        }
        for f in &out {
            moved = true;
            for chunk in channel(f, &mut rng, &faults, &mut c2s) {
                let mut rest = &chunk[..];
                loop {
                    let n = server.handle_input(rest, now);
                    rest = &rest[n..];
                    while let Some(ev) = server.poll_event() {
                        match ev {
                            LinkEvent::Apdu(a) => {
                                assert_eq!(
                                    a,
                                    &apdu(s.seed, 0, requests_seen)[..],
                                    "seed {}: request {requests_seen} wrong, duplicated or out of order",
                                    s.seed
                                );
                                assert!(pending_response.is_none());
                                pending_response = Some(requests_seen);
                                requests_seen += 1;
                            }
                            LinkEvent::Disconnected { reason } => server_down = Some(reason),
                            LinkEvent::Connected { .. } | LinkEvent::Sent => {}
                            other => panic!("seed {}: server event {other:?}", s.seed),
                        }
                    }
                    if let Some(i) = pending_response.take() {
                        // The meter answers at once (before its next transmission).
                        server.send(&apdu(s.seed, 1, i)).unwrap();
                    }
                    if rest.is_empty() {
                        break;
                    }
                }
            }
        }

        // Server -> client.
        let mut out = Vec::new();
        while let Some(n) = server.poll_transmit(&mut frame).unwrap() {
            out.push(frame[..n].to_vec());
        }
        for f in &out {
            moved = true;
            for chunk in channel(f, &mut rng, &faults, &mut s2c) {
                let mut rest = &chunk[..];
                loop {
                    let n = client.handle_input(rest, now);
                    rest = &rest[n..];
                    while let Some(ev) = client.poll_event() {
                        match ev {
                            LinkEvent::Connected { parameters, .. } => {
                                assert!(!connected, "seed {}: connected twice", s.seed);
                                assert_eq!(parameters, s.params);
                                connected = true;
                            }
                            LinkEvent::Apdu(a) => {
                                assert_eq!(
                                    a,
                                    &apdu(s.seed, 1, responses_seen)[..],
                                    "seed {}: response {responses_seen} wrong, duplicated or out of order",
                                    s.seed
                                );
                                responses_seen += 1;
                            }
                            LinkEvent::Sent => {}
                            LinkEvent::Disconnected { reason } => client_down = Some(reason),
                            other => panic!("seed {}: client event {other:?}", s.seed),
                        }
                    }
                    if rest.is_empty() {
                        break;
                    }
                }
            }
        }

        if let Some(reason) = client_down {
            assert_eq!(
                reason,
                DisconnectReason::Requested,
                "seed {}: link lost after {responses_seen} responses",
                s.seed
            );
            break;
        }
        // The next request once the previous response arrived.
        if connected && !disconnecting && client.can_send() && requests_sent == responses_seen {
            if requests_sent < s.pairs {
                client.send(&apdu(s.seed, 0, requests_sent), now).unwrap();
                requests_sent += 1;
                moved = true;
            } else {
                client.disconnect(now).unwrap();
                disconnecting = true;
                moved = true;
            }
        }

        if moved {
            now = now + Duration::from_millis(1);
        } else {
            let next = [client.poll_timeout(), server.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or_else(|| panic!("seed {}: deadlock (nothing to send, no timer)", s.seed));
            now = now.max(next);
            client.handle_timeout(now);
            server.handle_timeout(now);
        }
    }

    assert_eq!(requests_seen, s.pairs, "seed {}", s.seed);
    assert_eq!(responses_seen, s.pairs, "seed {}", s.seed);
    assert_eq!(client.state(), ClientState::Disconnected);
    // The server saw the DISC (its UA may have been lost, then it answered the retry with DM).
    assert_eq!(server_down, Some(DisconnectReason::Peer), "seed {}", s.seed);
    assert_eq!(server.state(), ServerState::Disconnected);
    Outcome {
        faults,
        c2s,
        s2c,
        client: client.stats(),
        server: server.stats(),
        rounds,
        now,
    }
}

#[test]
fn lossy_channel() {
    let p = |info: u16, window: u8| HdlcParameters {
        max_info_tx: info,
        max_info_rx: info,
        window_tx: window,
        window_rx: window,
    };
    let five_percent = Faults {
        drop_ppm: 50_000,
        corrupt_ppm: 50_000,
        duplicate_ppm: 50_000,
        split_ppm: 50_000,
    };
    let scenarios = [
        Scenario {
            seed: 0x5EED_0001,
            pairs: 5000,
            params: p(128, 1),
            faults: Some(five_percent),
        },
        Scenario {
            seed: 0x5EED_0002,
            pairs: 1250,
            params: p(256, 3),
            faults: None,
        },
        Scenario {
            seed: 0x5EED_0003,
            pairs: 1250,
            params: p(1024, 7),
            faults: None,
        },
        Scenario {
            seed: 0x5EED_0004,
            pairs: 1250,
            params: p(512, 1),
            faults: None,
        },
    ];
    let mut totals = FaultCounts::default();
    for s in &scenarios {
        let o = run(s);
        println!(
            "seed {:#x}: max-info {} window {}; fault rates (ppm) drop {} corrupt {} duplicate {} split {}",
            s.seed,
            s.params.max_info_tx,
            s.params.window_tx,
            o.faults.drop_ppm,
            o.faults.corrupt_ppm,
            o.faults.duplicate_ppm,
            o.faults.split_ppm
        );
        for (dir, c) in [("client->server", o.c2s), ("server->client", o.s2c)] {
            println!(
                "  {dir}: {} frames, {} dropped, {} corrupted, {} duplicated, {} split",
                c.frames, c.dropped, c.corrupted, c.duplicated, c.split
            );
            totals.frames += c.frames;
            totals.dropped += c.dropped;
            totals.corrupted += c.corrupted;
            totals.duplicated += c.duplicated;
            totals.split += c.split;
        }
        for (side, st) in [("client", o.client), ("server", o.server)] {
            println!(
                "  {side}: {} APDUs received, {} sent and acknowledged (a final answer is ended by DISC, not acknowledged); {} retransmitted frames, {} timeouts, {} bad frames, {} out of sequence, {} stale answers, {} invalid N(R)",
                st.apdus_received,
                st.apdus_sent,
                st.retransmissions,
                st.timeouts,
                st.bad_frames,
                st.out_of_sequence,
                st.stale_answers,
                st.invalid_nr
            );
        }
        println!("  {} rounds, {} ms simulated", o.rounds, o.now.millis());
        assert_eq!(o.client.apdus_received, s.pairs);
        assert_eq!(o.server.apdus_received, s.pairs);
        assert!(o.client.retransmissions > 0 && o.client.timeouts > 0);
        assert!(o.client.bad_frames > 0 && o.server.bad_frames > 0);
    }
    println!(
        "total: {} APDUs; {} frames, {} dropped, {} corrupted, {} duplicated, {} split",
        scenarios.iter().map(|s| 2 * s.pairs).sum::<u64>(),
        totals.frames,
        totals.dropped,
        totals.corrupted,
        totals.duplicated,
        totals.split
    );
    assert!(
        totals.dropped > 0 && totals.corrupted > 0 && totals.duplicated > 0 && totals.split > 0
    );
}
