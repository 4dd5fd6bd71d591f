//! Head-end use of `dlms`: decode pushed DataNotifications (plaintext, e.g. after the security
//! layer removed the ciphering) and turn their bodies into `OBIS = value` readings.
//!
//! Each argument is one APDU in hex; without arguments the example decodes a Landis+Gyr E450
//! push (the `notif242` benchmark input) and the NOTIF-02 vector. Nothing is allocated while
//! decoding: the readings are printed straight from the borrowed view.
//!
//! ```sh
//! cargo run -p meterkit-examples --example push_listener
//! cargo run -p meterkit-examples --example push_listener -- 0f000000010002020906010001 0800ff0600001388
//! ```
use dlms::apdu::{Apdu, DataNotification};
use dlms::axdr::{Data, DeviationConvention};
use meterkit_examples::{E450_PUSH, from_hex, to_hex};
use obis::ObisCode;

/// NOTIF-02 of the shared vectors (reitermarkus/dlms-cosem-rs, crate dlms_cosem 0.2.0,
/// src/lib.rs tests::parse_apdu): values followed by their scaler-unit structures.
const NOTIF_02: &str = concat!(
    "0f000055390c07e0090804130d1900ffc4800207090c07e0090804130d190000008009060100010800ff06000000",
    "0002020f00161e09060100030800ff060000000002020f001620",
);

/// One value, as a reading would show it.
fn value(d: &Data<'_>) -> String {
    if let Some(dt) = d.as_date_time().filter(|dt| dt.to_civil().is_some()) {
        return dt.to_string();
    }
    match d {
        Data::OctetString(b) => to_hex(b),
        Data::VisibleString(b) | Data::Utf8String(b) => String::from_utf8_lossy(b).into_owned(),
        other => other
            .as_integer()
            .map_or_else(|| other.to_string(), |i| i.to_string()),
    }
}

fn report(n: &DataNotification<'_>) {
    println!("push, long-invoke-id {}", n.long_invoke_id.invoke_id());
    if let Some(dt) = n.date_time.value() {
        // The deviation is read under the Blue Book convention (UTC = local + deviation).
        match dt.to_utc(DeviationConvention::Standard) {
            Some(utc) => println!(
                "  sent {dt} = {:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second
            ),
            None => println!("  sent {dt}"),
        }
    }
    // The body is usually a structure of (OBIS code, value) pairs, sometimes followed by
    // scaler-unit structures; anything else is printed as a tree.
    let Some(fields) = n.body.as_sequence() else {
        println!("{}", n.body);
        return;
    };
    let mut pending: Option<ObisCode> = None;
    for field in fields.iter() {
        match (field, pending) {
            (Data::OctetString(b), None) if b.len() == 6 => pending = ObisCode::try_from(b).ok(),
            (v, Some(code)) => {
                println!("  {code} = {}", value(&v));
                pending = None;
            }
            (Data::Structure(s), None) if s.len() == 2 => {
                let parts: Vec<String> = s.iter().map(|p| value(&p)).collect();
                println!("    scaler, unit = {}", parts.join(", "));
            }
            (v, None) => println!("  {}", value(&v)),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let inputs: Vec<String> = if args.is_empty() {
        vec![E450_PUSH.to_string(), NOTIF_02.to_string()]
    } else {
        vec![args.join("")]
    };
    for input in &inputs {
        let bytes = match from_hex(input) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("not hex: {e}");
                continue;
            }
        };
        match Apdu::parse(&bytes) {
            Ok(Apdu::DataNotification(n)) => report(&n),
            Ok(other) => println!("not a DataNotification but a {}", other.type_name()),
            Err(e) => println!("cannot decode: {e}"),
        }
    }
}
