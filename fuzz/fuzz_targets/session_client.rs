//! The client session (IEC 62056-5-3) after association (no authentication, LLS, or HLS-GMAC
//! with suite-0 ciphering, as the first byte chooses), fed arbitrary response APDUs
//! interleaved with requests. The input is a sequence of messages `[op, len, body..]`: raw
//! bytes handed to the client as a response; a request (GET normal and with-list, next block,
//! SET, ACTION, release, a new association) answered by a real server session, or by the
//! body instead, or with one byte of the server's answer flipped; and time steps.
//!
//! Checks: no panic; every request fits the request buffer; and no state is left behind:
//! after abort, the client associates again and reads.
#![no_main]

use dlms::apdu::{AttributeWithSelection, MethodDescriptor, SelectiveAccess};
use dlms::axdr::Data;
use dlms::link::{Duration, Instant};
use dlms::session::client::{Client, Event};
use dlms::session::server::Server;
use libfuzzer_sys::fuzz_target;

#[path = "../common/session.rs"]
mod session;

use session::{MANAGEMENT, Meter, PDU, PUBLIC, READER, Rng, SCRIPTS, attribute, client, server};

/// A server session and its buffers: answers the client's requests.
struct Meter0 {
    server: Server<'static, 3>,
    meter: Meter,
    rng: Rng,
    out: Vec<u8>,
}

impl Meter0 {
    fn new() -> Self {
        Meter0 {
            server: server(),
            meter: Meter { setting: 5 },
            rng: Rng(1),
            out: vec![0; PDU],
        }
    }

    /// The server's answer to `request`, in `self.out`.
    fn answer(&mut self, sap: u16, request: &mut [u8]) -> usize {
        match self
            .server
            .handle_apdu(sap, request, &mut self.meter, &mut self.rng, &mut self.out)
        {
            Ok(Some(n)) => n,
            _ => 0,
        }
    }
}

/// Associates `c` with `m` (and passes HLS); panics when the server refuses.
fn associate(c: &mut Client<'_>, m: &mut Meter0, sap: u16, req: &mut [u8], now: Instant) {
    let n = c.associate(now, &mut Rng(3), req).unwrap();
    let a = m.answer(sap, &mut req[..n]);
    match c.handle_apdu(&mut m.out[..a]) {
        Ok(Event::Associated(_)) => return,
        Ok(Event::AuthenticationRequired) => {}
        other => panic!("{other:?}"),
    }
    let n = c.hls_reply(now, req).unwrap();
    let a = m.answer(sap, &mut req[..n]);
    assert!(matches!(
        c.handle_apdu(&mut m.out[..a]),
        Ok(Event::Associated(_))
    ));
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let sap = [PUBLIC, READER, MANAGEMENT][usize::from(first % 3)];
    let mut now = Instant::ZERO;
    let mut m = Meter0::new();
    // The request buffer the input chooses (requests that do not fit are refused), and one
    // of a whole PDU for the associations.
    let req_len = 16 + usize::from(first >> 2) * 16;
    let mut req = vec![0u8; req_len];
    let mut setup = vec![0u8; PDU];
    let mut c = client(sap, &[]);
    associate(&mut c, &mut m, sap, &mut setup, now);
    let mut response = vec![0u8; 2 * PDU];
    let mut steps = 0;
    while let [op, len, tail @ ..] = rest {
        steps += 1;
        if steps > 64 {
            break;
        }
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        let b = |k: usize| body.get(k).copied().unwrap_or(0);
        let built = match op & 7 {
            0 | 1 => {
                // Raw bytes as a response, whatever the client waits for.
                response[..body.len()].copy_from_slice(body);
                let _ = c.handle_apdu(&mut response[..body.len()]);
                continue;
            }
            2 => {
                let by_entry = [
                    Data::DoubleLongUnsigned(u32::from(b(2))),
                    Data::DoubleLongUnsigned(0),
                ];
                let access = (b(1) & 1 != 0).then(|| SelectiveAccess {
                    selector: 2,
                    parameters: Data::structure(&by_entry),
                });
                c.get(now, attribute(b(0)), access, &mut req)
            }
            3 => c.next_block(now, &mut req),
            4 => {
                let items: Vec<AttributeWithSelection<'_>> = body
                    .iter()
                    .skip(1)
                    .take(12)
                    .map(|&x| AttributeWithSelection {
                        attribute: attribute(x),
                        access: None,
                    })
                    .collect();
                c.get_with_list(now, &items, &mut req)
            }
            5 if b(0) & 1 == 0 => {
                let value = if body.len() > 2 {
                    &body[2..]
                } else {
                    &[0x12, 0x01, 0x2C][..]
                };
                c.set(now, attribute(b(1)), None, value, &mut req)
            }
            5 => {
                let parameter = (b(1) & 1 != 0).then_some(Data::LongUnsigned(u16::from(b(2))));
                c.action(
                    now,
                    MethodDescriptor::new(9, SCRIPTS, 1 + (b(1) >> 7) as i8),
                    parameter,
                    &mut req,
                )
            }
            6 if b(0) & 1 == 0 => c.release(now, &mut req),
            6 => c.next_set_block(now, body, &mut req),
            _ => {
                // Time passes; the request times out or not.
                now = now + Duration::from_millis(u64::from(b(0)) << (b(1) & 31));
                if c.poll_timeout().is_some_and(|t| t <= now) {
                    let _ = c.handle_timeout(now);
                }
                continue;
            }
        };
        let n = match built {
            Ok(n) => n,
            Err(_) => continue,
        };
        assert!(n <= req.len(), "a request of {n} bytes in {}", req.len());
        let len = if op & 0x40 != 0 {
            // The body instead of the server's answer.
            response[..body.len()].copy_from_slice(body);
            body.len()
        } else {
            let a = m.answer(sap, &mut req[..n]);
            response[..a].copy_from_slice(&m.out[..a]);
            if op & 0x80 != 0 && a > 0 && body.len() >= 2 {
                response[usize::from(body[0]) % a] ^= body[1];
            }
            a
        };
        let _ = c.handle_apdu(&mut response[..len]);
    }

    // Nothing is left behind: after abort (the link was lost) the client associates again
    // and reads. The same meter: both keep their invocation counters, so no replay.
    c.abort();
    m.server.link_lost(sap);
    associate(&mut c, &mut m, sap, &mut setup, now);
    let n = c.get(now, attribute(0), None, &mut setup).unwrap();
    let a = m.answer(sap, &mut setup[..n]);
    assert!(
        matches!(
            c.handle_apdu(&mut m.out[..a]),
            Ok(Event::Value {
                value: Data::DoubleLongUnsigned(1_234_567),
                ..
            })
        ),
        "{:02X?}",
        &m.out[..a]
    );
});
