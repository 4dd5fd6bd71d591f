//! The head-end side of the `hdlc_client` and `wrapper_client` examples: a [`Client`]
//! session (IEC 62056-5-3) over any [`Transport`] on TCP. It associates, reads the clock, the
//! energy registers (value and scaler_unit) and the load profile (GET with block transfer,
//! Green Book 9.5), and releases the association. Every answer of the meter is checked; a
//! meter that misbehaves gives an error message, never a panic.

use std::time::Duration as StdDuration;

use dlms::apdu::AttributeDescriptor;
use dlms::axdr::{Data, Encode, Limits};
use dlms::link::{Duration, Transport};
use dlms::session::Authentication;
use dlms::session::client::{Client, ClientConfig, Event};
use obis::ObisCode;

use crate::meter::{CLOCK, ENERGY_EXPORT, ENERGY_IMPORT, LOAD_PROFILE, unix_of};
use crate::net::TcpLink;

/// How long to wait for each answer.
pub const ANSWER_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// The largest APDU the client takes (client-max-receive-pdu-size).
pub const MAX_PDU: u16 = 1024;

/// What to read.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// Read the load profile `1-0:99.1.0.255` (buffer, by block transfer).
    pub profile: bool,
}

/// Formats a value for printing: numbers as numbers, a 12-byte octet-string as a COSEM
/// date-time, structures in braces, arrays by their length.
#[must_use]
pub fn show(value: &Data<'_>) -> String {
    match value {
        Data::OctetString(b) if b.len() == 12 => show_date_time(b),
        Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b)
            if !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic()) =>
        {
            format!("\"{}\"", String::from_utf8_lossy(b))
        }
        Data::OctetString(b) => crate::to_hex(b),
        Data::Structure(s) => {
            let fields: Vec<String> = s.iter().map(|f| show(&f)).collect();
            format!("{{{}}}", fields.join(", "))
        }
        Data::Array(a) => format!("[{} elements]", a.iter().count()),
        other => integer(other).map_or_else(|| format!("{other:?}"), |v| v.to_string()),
    }
}

fn show_date_time(b: &[u8]) -> String {
    match (unix_of(b), b) {
        (Some(_), [y0, y1, mo, d, _, h, mi, s, ..]) => {
            let y = u16::from_be_bytes([*y0, *y1]);
            let f = |v: &u8| if *v == 0xFF { 0 } else { *v };
            format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}", f(h), f(mi), f(s))
        }
        _ => crate::to_hex(b),
    }
}

/// The value of an integer type.
#[must_use]
pub fn integer(value: &Data<'_>) -> Option<i64> {
    Some(match *value {
        Data::Integer(v) => v.into(),
        Data::Long(v) => v.into(),
        Data::DoubleLong(v) => v.into(),
        Data::Long64(v) => v,
        Data::Unsigned(v) | Data::Enum(v) => v.into(),
        Data::LongUnsigned(v) => v.into(),
        Data::DoubleLongUnsigned(v) => v.into(),
        Data::Long64Unsigned(v) => i64::try_from(v).ok()?,
        _ => return None,
    })
}

/// A client session and its link.
pub struct HeadEnd<'a, T> {
    /// The session.
    pub session: Client<'a>,
    /// The link on its socket.
    pub link: TcpLink<T>,
    out: Vec<u8>,
}

impl<'a, T: Transport> HeadEnd<'a, T> {
    /// A session with `authentication` over `link`.
    ///
    /// # Errors
    /// A message when the configuration is refused.
    pub fn new(authentication: Authentication<'a>, link: TcpLink<T>) -> Result<Self, String> {
        let mut config = ClientConfig::new(authentication);
        config.max_receive_pdu_size = MAX_PDU;
        config.timeout = Duration::from_millis(ANSWER_TIMEOUT.as_millis() as u64);
        Ok(HeadEnd {
            session: Client::new(config, None).map_err(|e| e.to_string())?,
            link,
            out: vec![0u8; 4096],
        })
    }

    /// Sends the request in `out[..n]` and returns the answer.
    fn round(&mut self, n: usize) -> Result<Vec<u8>, String> {
        let request = self.out.get(..n).ok_or("request longer than its buffer")?;
        self.link.exchange(request, ANSWER_TIMEOUT)
    }

    /// AARQ/AARE.
    ///
    /// # Errors
    /// A message when the meter rejects the association or answers something else.
    pub fn associate(&mut self) -> Result<(), String> {
        let now = self.link.now();
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let n = self
            .session
            .associate(now, &mut rng, &mut self.out)
            .map_err(|e| e.to_string())?;
        let mut answer = self.round(n)?;
        match self.session.handle_apdu(&mut answer) {
            Ok(Event::Associated(info)) => {
                println!(
                    "associated: negotiated conformance {:#08x}, server max receive PDU {}",
                    info.conformance.0, info.server_max_receive_pdu_size
                );
                Ok(())
            }
            Ok(Event::AuthenticationRequired) => {
                Err("the meter asks for HLS, which this example does not do".into())
            }
            Ok(other) => Err(format!("unexpected answer to the AARQ: {other:?}")),
            Err(e) => Err(format!("association refused: {e}")),
        }
    }

    /// GET one attribute, in blocks if the meter sends it so: the encoded value and the
    /// number of blocks (0 for a normal answer).
    ///
    /// # Errors
    /// A message for a data-access-result or an unexpected answer.
    pub fn get(
        &mut self,
        class: u16,
        ln: ObisCode,
        attribute: i8,
    ) -> Result<(Vec<u8>, u32), String> {
        let descriptor = AttributeDescriptor::new(class, ln, attribute);
        let now = self.link.now();
        let mut n = self
            .session
            .get(now, descriptor, None, &mut self.out)
            .map_err(|e| e.to_string())?;
        let mut value = Vec::new();
        let mut blocks = 0;
        loop {
            let mut answer = self.round(n)?;
            match self.session.handle_apdu(&mut answer) {
                Ok(Event::Value { value, .. }) => {
                    return Ok((value.to_vec().map_err(|e| e.to_string())?, 0));
                }
                Ok(Event::Block { last, raw_data, .. }) => {
                    blocks += 1;
                    value.extend_from_slice(raw_data);
                    if last {
                        return Ok((value, blocks));
                    }
                    let now = self.link.now();
                    n = self
                        .session
                        .next_block(now, &mut self.out)
                        .map_err(|e| e.to_string())?;
                }
                Ok(other) => {
                    return Err(format!(
                        "unexpected answer to GET {ln} attribute {attribute}: {other:?}"
                    ));
                }
                Err(e) => return Err(format!("GET {ln} attribute {attribute}: {e}")),
            }
        }
    }

    /// RLRQ/RLRE.
    ///
    /// # Errors
    /// A message when the meter answers something else.
    pub fn release(&mut self) -> Result<(), String> {
        let now = self.link.now();
        let n = self
            .session
            .release(now, &mut self.out)
            .map_err(|e| e.to_string())?;
        let mut answer = self.round(n)?;
        match self.session.handle_apdu(&mut answer) {
            Ok(Event::Released { reason }) => {
                println!("released ({reason:?})");
                Ok(())
            }
            Ok(other) => Err(format!("unexpected answer to the RLRQ: {other:?}")),
            Err(e) => Err(format!("release: {e}")),
        }
    }

    /// Associates, reads, releases; prints what it read.
    ///
    /// # Errors
    /// The first failure, as a message.
    pub fn read_meter(&mut self, what: Reading) -> Result<(), String> {
        self.associate()?;
        let (clock, _) = self.get(8, CLOCK, 2)?;
        println!("clock {CLOCK} = {}", show(&parse(&clock)?));
        for ln in [ENERGY_IMPORT, ENERGY_EXPORT] {
            let (value, _) = self.get(3, ln, 2)?;
            let (unit, _) = self.get(3, ln, 3)?;
            let value = parse(&value)?;
            let unit = parse(&unit)?;
            let Data::Structure(fields) = unit else {
                return Err(format!("{ln} scaler_unit is not a structure: {unit:?}"));
            };
            let f: Vec<Data<'_>> = fields.iter().collect();
            let (Some(scaler), Some(unit)) =
                (f.first().and_then(integer), f.get(1).and_then(integer))
            else {
                return Err(format!("{ln} scaler_unit is not {{integer, enum}}: {f:?}"));
            };
            println!(
                "register {ln} = {} (scaler {scaler}, unit {unit})",
                show(&value)
            );
        }
        if what.profile {
            let (buffer, blocks) = self.get(7, LOAD_PROFILE, 2)?;
            let limits = Limits {
                max_elements: 1_000_000,
                ..Limits::DEFAULT
            };
            let data =
                Data::parse_with(&buffer, &limits).map_err(|e| format!("profile buffer: {e}"))?;
            let Data::Array(rows) = data else {
                return Err(format!("the profile buffer is not an array: {data:?}"));
            };
            let count = rows.iter().count();
            println!(
                "profile {LOAD_PROFILE}: {count} rows, {} bytes in {blocks} blocks",
                buffer.len()
            );
            if let (Some(first), Some(last)) = (rows.iter().next(), rows.iter().last()) {
                println!("  first row {}", show(&first));
                println!("  last row  {}", show(&last));
            }
        }
        self.release()
    }
}

fn parse(value: &[u8]) -> Result<Data<'_>, String> {
    Data::parse(value).map_err(|e| format!("undecodable value: {e}"))
}
