//! Head-end use of `dlms::security`: decrypt general-glo-ciphering pushes (the form most meters
//! push DataNotifications in) with the meter's EK and AK, in place, and decode the notification.
//!
//! A push listener keeps one `SecurityContext` per meter, looked up by the system title the push
//! carries; the context checks the tag and that the invocation counter only grows (a replayed
//! push is refused), and its counters are what the head-end persists.
//!
//! Without arguments a simulated meter pushes the Landis+Gyr E450 DataNotification of the
//! benches twice, protected with the Green Book keys, and the same push once more (refused).
//! With arguments it decrypts the push given in hex:
//!
//! ```sh
//! cargo run -p meterkit-examples --example push_decrypt
//! cargo run -p meterkit-examples --example push_decrypt -- \
//!     --ek 000102030405060708090A0B0C0D0E0F --ak D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF \
//!     db084d4d4d0000bc614e1e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b
//! ```
//!
//! `--allow-no-tag` accepts encryption-only pushes (SC 0x20/0x21, some Kaifa and Netz NOE
//! meters), `--system-title` gives the title of a push that carries an empty one.
use std::collections::HashMap;

use dlms::apdu::{Apdu, CipheredApduMut, EnvelopeHead};
use dlms::axdr::Data;
use dlms::security::{
    Ciphering, Counters, EnvelopeKind, Key, KeyId, Protection, SecurityContext, SecurityControl,
    SecurityPolicy, SecuritySuite, SendCounter, SystemTitle, TagStatus,
};
use meterkit_examples::{E450_PUSH, from_hex, to_hex};

const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];
const HEAD_END: SystemTitle = SystemTitle::new(*b"HED\x00\x00\x00\x00\x01");
const METER: SystemTitle = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);

/// The head-end side: one context per meter.
struct Listener {
    ek: Key,
    ak: Option<Key>,
    policy: SecurityPolicy,
    fallback_title: Option<SystemTitle>,
    meters: HashMap<SystemTitle, SecurityContext>,
}

impl Listener {
    /// Decrypts one push in place and prints what it carries.
    fn receive(&mut self, push: &mut [u8]) -> Result<(), Box<dyn std::error::Error>> {
        // Which meter? general-glo carries its title (peek at it without decrypting).
        let title = match CipheredApduMut::split(push)?.head {
            EnvelopeHead::General { system_title, .. } if !system_title.is_empty() => {
                SystemTitle::from_slice(system_title)?
            }
            _ => self
                .fallback_title
                .ok_or("the push carries no system title")?,
        };
        let ctx = match self.meters.entry(title) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, HEAD_END)?;
                ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, self.ek.clone())?;
                if let Some(ak) = &self.ak {
                    ctx.set_key(KeyId::AUTHENTICATION, ak.clone())?;
                }
                ctx.set_peer_title(Some(title));
                ctx.set_policy(self.policy);
                e.insert(ctx)
            }
        };
        let got = ctx.unprotect_apdu(push)?;
        let tag = match got.tag {
            TagStatus::Verified => "tag verified",
            TagStatus::NotVerified => "TAG NOT VERIFIED (no authentication key)",
            TagStatus::Absent => "no tag (encryption only)",
        };
        println!(
            "push from {} (SC {}), invocation counter {}, {tag}, {} bytes of plaintext",
            got.system_title,
            got.control,
            got.invocation_counter,
            got.plaintext.len()
        );
        match Apdu::parse(got.plaintext) {
            Ok(Apdu::DataNotification(n)) => {
                println!(
                    "  data-notification, long-invoke-id {}",
                    n.long_invoke_id.invoke_id()
                );
                if let Some(values) = n.body.as_sequence() {
                    for (i, v) in values.iter().enumerate().take(6) {
                        match v {
                            Data::OctetString(b) => println!("  [{i}] {}", to_hex(b)),
                            other => println!("  [{i}] {other}"),
                        }
                    }
                    if values.len() > 6 {
                        println!("  ... {} values in all", values.len());
                    }
                }
            }
            Ok(other) => println!("  {}", other.type_name()),
            Err(e) => println!("  plaintext does not decode: {e}"),
        }
        let counters: &Counters = ctx.counters();
        println!(
            "  persist: last IC accepted from this meter {:?}",
            counters.unicast.rx.last()
        );
        Ok(())
    }
}

/// The meter side: protect a DataNotification as general-glo-ciphering.
fn meter_push(meter: &mut SecurityContext, plain: &[u8]) -> Result<Vec<u8>, dlms::Error> {
    let kind = EnvelopeKind::General(Ciphering::Global);
    let sc = SecurityControl::new(SecuritySuite::SUITE_0, Protection::AuthenticatedEncrypted);
    let mut buf = vec![0u8; meter.protected_len(&kind, sc, plain.len())?];
    buf[..plain.len()].copy_from_slice(plain);
    let n = meter.protect_apdu(&kind, sc, &mut buf, plain.len())?;
    buf.truncate(n);
    Ok(buf)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let key = |name: &str| -> Result<Option<Key>, Box<dyn std::error::Error>> {
        match flag(&args, name) {
            Some(h) => Ok(Some(Key::from_slice(&from_hex(&h)?)?)),
            None => Ok(None),
        }
    };
    let mut policy = SecurityPolicy::STRICT;
    if args.iter().any(|a| a == "--allow-no-tag") {
        policy = policy
            .allow_unauthenticated(true)
            .also_accept_suite(SecuritySuite::SUITE_1);
    }
    let fallback_title = match flag(&args, "--system-title") {
        Some(h) => Some(SystemTitle::from_slice(&from_hex(&h)?)?),
        None => None,
    };
    let ek = key("--ek")?;
    let ak = key("--ak")?;
    if ak.is_none() && ek.is_some() {
        // Without the authentication key the tag cannot be checked: say so loudly.
        policy = policy.allow_unverified_tag(true);
    }
    let mut listener = Listener {
        ek: ek.clone().unwrap_or_else(|| Key::aes128(EK)),
        ak: if ek.is_some() {
            ak
        } else {
            Some(Key::aes128(AK))
        },
        policy,
        fallback_title,
        meters: HashMap::new(),
    };

    // The push given on the command line (the last argument that is not a flag value).
    let positional: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && !matches!(
                    args.get(i.wrapping_sub(1)).map(String::as_str),
                    Some("--ek" | "--ak" | "--system-title")
                )
        })
        .map(|(_, a)| a)
        .collect();
    if !positional.is_empty() {
        let mut push = from_hex(&positional.iter().map(|s| s.as_str()).collect::<String>())?;
        return listener.receive(&mut push);
    }

    // Simulation: the meter pushes twice; the second copy of the first push is a replay.
    let mut meter = SecurityContext::new(SecuritySuite::SUITE_0, METER)?;
    meter.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(EK))?;
    meter.set_key(KeyId::AUTHENTICATION, Key::aes128(AK))?;
    let mut counters = Counters::default();
    counters.unicast.tx = SendCounter::starting_at(0x0001_0000);
    meter.set_counters(counters);
    let plain = from_hex(E450_PUSH)?;
    let first = meter_push(&mut meter, &plain)?;
    let second = meter_push(&mut meter, &plain)?;
    println!(
        "meter pushes {} bytes: {}...",
        first.len(),
        to_hex(&first[..24])
    );
    listener.receive(&mut first.clone())?;
    listener.receive(&mut second.clone())?;
    match listener.receive(&mut first.clone()) {
        Err(e) => println!("the first push again: refused ({e})"),
        Ok(()) => return Err("a replayed push was accepted".into()),
    }
    Ok(())
}
