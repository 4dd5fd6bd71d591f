//! The server session (IEC 62056-5-3) with three associations (no authentication, LLS, and
//! HLS-GMAC with suite-0 ciphering) fed an arbitrary sequence of request APDUs from four
//! client SAPs (one unknown). The input is a sequence of messages `[op, len, body..]`: raw
//! bytes as a request, or a request built by a real client session for that SAP (AARQ, HLS
//! pass 3, GET normal and with-list, next block, SET, ACTION, RLRQ), shaped by the body and
//! optionally with one byte flipped; the server's answers go back to that client, so the
//! associations, ciphered requests and block transfers the input asks for really happen.
//!
//! Checks: no panic; every answer fits the output buffer (whose length the input chooses),
//! is a response APDU and parses (AARE and RLRE included, ciphered answers as envelopes);
//! an error only for an output buffer too small for a short answer; and no state is left
//! behind: after the link is lost, a fresh public client associates and reads.
#![no_main]

use dlms::Error;
use dlms::apdu::{Apdu, AttributeWithSelection, MethodDescriptor, SelectiveAccess};
use dlms::axdr::Data;
use dlms::link::Instant;
use dlms::session::client::{Client, Event};
use libfuzzer_sys::fuzz_target;

#[path = "../common/session.rs"]
mod session;

use session::{Meter, PDU, PUBLIC, Rng, SAPS, SCRIPTS, attribute, client, server};

/// The tags a server answers with: AARE, RLRE, GET/SET/ACTION-Response,
/// confirmed-service-error, exception-response, and their glo- and ded- ciphered forms and
/// general-glo/ded-ciphering.
const ANSWERS: [u8; 17] = [
    0x61, 0x63, 0xC4, 0xC5, 0xC7, 0x0E, 0xD8, 0xCC, 0xCD, 0xCF, 0xD4, 0xD5, 0xD7, 0x2E, 0x4E, 0xDB,
    0xDC,
];

fn check(answer: &[u8]) {
    let tag = answer[0];
    assert!(ANSWERS.contains(&tag), "not an answer: {answer:02X?}");
    if let Err(e) = Apdu::parse(answer) {
        panic!("an answer that does not parse ({e:?}): {answer:02X?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let out_len = 64 + usize::from(first) * 4;
    let mut server = server();
    let mut meter = Meter { setting: 5 };
    let mut rng = Rng(u64::from(first));
    let mut drivers: [Client<'static>; 4] = SAPS.map(|sap| client(sap, &[]));
    let mut req = vec![0u8; PDU + 300];
    let mut out = vec![0u8; out_len];
    let mut answer = vec![0u8; out_len];
    let now = Instant::ZERO;
    let mut steps = 0;
    while let [op, len, tail @ ..] = rest {
        steps += 1;
        if steps > 64 {
            break;
        }
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        let i = usize::from(op & 3);
        let sap = SAPS[i];
        let kind = (op >> 2) & 7;
        let b = |k: usize| body.get(k).copied().unwrap_or(0);
        let d = &mut drivers[i];
        let built = match kind {
            0 | 1 => {
                // Raw bytes; with the top bit, repeated past the server's PDU.
                let times = if op & 0x80 != 0 { 5 } else { 1 };
                let mut len = 0;
                for _ in 0..times {
                    req[len..len + body.len()].copy_from_slice(body);
                    len += body.len();
                }
                Ok(len)
            }
            2 => {
                *d = client(sap, body);
                d.associate(now, &mut rng, &mut req)
            }
            3 => d.hls_reply(now, &mut req),
            4 => {
                let by_entry = [
                    Data::DoubleLongUnsigned(u32::from(b(2))),
                    Data::DoubleLongUnsigned(0),
                ];
                let access = (b(1) & 1 != 0).then(|| SelectiveAccess {
                    selector: b(1) >> 1,
                    parameters: Data::structure(&by_entry),
                });
                d.get(now, attribute(b(0)), access, &mut req)
            }
            5 if b(0) & 1 == 0 => d.next_block(now, &mut req),
            5 => {
                let items: Vec<AttributeWithSelection<'_>> = body
                    .iter()
                    .skip(1)
                    .take(12)
                    .map(|&x| AttributeWithSelection {
                        attribute: attribute(x),
                        access: None,
                    })
                    .collect();
                d.get_with_list(now, &items, &mut req)
            }
            6 if b(0) & 1 == 0 => {
                let value = if body.len() > 2 {
                    &body[2..]
                } else {
                    &[0x12, 0x01, 0x2C][..]
                };
                d.set(now, attribute(b(1)), None, value, &mut req)
            }
            6 => {
                let parameter = (b(1) & 1 != 0).then_some(Data::LongUnsigned(u16::from(b(2))));
                d.action(
                    now,
                    MethodDescriptor::new(9, SCRIPTS, 1 + (b(1) >> 7) as i8),
                    parameter,
                    &mut req,
                )
            }
            _ => d.release(now, &mut req),
        };
        let Ok(n) = built else {
            continue;
        };
        if kind >= 2 && op & 0x80 != 0 && n > 0 && body.len() >= 2 {
            let at = usize::from(body[body.len() - 2]) % n;
            req[at] ^= body[body.len() - 1];
        }
        match server.handle_apdu(sap, &mut req[..n], &mut meter, &mut rng, &mut out) {
            Ok(None) => {}
            Ok(Some(m)) => {
                assert!(m <= out.len(), "an answer of {m} bytes in {}", out.len());
                check(&out[..m]);
                if kind >= 2 {
                    answer[..m].copy_from_slice(&out[..m]);
                    let _ = drivers[i].handle_apdu(&mut answer[..m]);
                }
            }
            Err(Error::BufferTooSmall { .. }) if out_len < 256 => {}
            Err(e) => panic!("handle_apdu failed: {e:?}"),
        }
    }

    // Nothing is left behind: the link goes down, a new public client associates and reads.
    server.link_lost(PUBLIC);
    let mut c = client(PUBLIC, &[]);
    let n = c.associate(now, &mut rng, &mut req).unwrap();
    let m = server
        .handle_apdu(PUBLIC, &mut req[..n], &mut meter, &mut rng, &mut out)
        .unwrap()
        .unwrap();
    assert!(matches!(
        c.handle_apdu(&mut out[..m]),
        Ok(Event::Associated(_))
    ));
    let n = c.get(now, attribute(0), None, &mut req).unwrap();
    let m = server
        .handle_apdu(PUBLIC, &mut req[..n], &mut meter, &mut rng, &mut out)
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            c.handle_apdu(&mut out[..m]),
            Ok(Event::Value {
                value: Data::DoubleLongUnsigned(1_234_567),
                ..
            })
        ),
        "{:02X?}",
        &out[..m]
    );
});
