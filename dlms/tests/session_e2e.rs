//! Client and server sessions end to end, in memory, over real links: HDLC through a channel
//! that drops, corrupts, duplicates and splits frames (5 % each, seeded), and the wrapper on a
//! TCP-like stream cut at random places. The same scenarios run over both:
//!
//! - the public client (SAP 16, no authentication): GET a register, GET with-list, a
//!   10,000-row load profile by GET block transfer (every row, in order), the same profile
//!   with selective access by range (on its clock column) and by entry, release;
//! - a client with LLS (SAP 2): SET (and a SET outside the meter's range refused), a
//!   3,000-byte value by SET with data blocks, a management attribute refused with
//!   read-write-denied, a wrong password rejected with its diagnostic;
//! - the management client (SAP 1): HLS-GMAC with suite-0 ciphering, an authenticated read,
//!   ACTION with return parameters, a replayed ciphered request rejected with
//!   invocation-counter-error, a malformed request answered with exception-response while the
//!   association goes on, release.
//!
//! Time is simulated; nothing sleeps.

mod lossy_util;

use lossy_util::{FaultCounts, Faults, Rng, channel};

use dlms::apdu::{
    ActionResult, AssociationResult, AttributeDescriptor, AttributeWithSelection, Conformance,
    DataAccessResult, ExceptionResponse, ExceptionServiceError, GetDataResult, MethodDescriptor,
    SelectiveAccess,
};
use dlms::axdr::{Data, Encode, Limits, Sink};
use dlms::hdlc::{Address, MAX_FRAME_LEN_WITH_FLAGS};
use dlms::link::{
    ClientConfig as LinkClientConfig, Duration, HdlcClient, HdlcServer, Instant, LinkEvent,
    ServerConfig as LinkServerConfig, Transport, WrapperLink, WrapperMode,
};
use dlms::security::{Ciphering, Key, KeyId, SecurityContext, SecuritySuite, SystemTitle};
use dlms::session::Authentication;
use dlms::session::client::{Client, ClientConfig, ClientError, Event};
use dlms::session::server::{
    ActionOutcome, Application, AssociationConfig, AttributeAccess, MethodAccess, Progress,
    RequestContext, Server, ServerConfig, ValueWriter,
};
use obis::ObisCode;

// ---- a deterministic generator and the faulty channel ---------------------------------------

impl rand_core::TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next() as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Rng {}

const LOSSY: Faults = Faults {
    drop_ppm: 50_000,
    corrupt_ppm: 50_000,
    duplicate_ppm: 50_000,
    split_ppm: 50_000,
};

/// A reliable stream cut at random places (TCP).
const STREAM: Faults = Faults {
    drop_ppm: 0,
    corrupt_ppm: 0,
    duplicate_ppm: 0,
    split_ppm: 300_000,
};

// ---- the meter ------------------------------------------------------------------------------

const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const ENERGY_IMPORT: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
const ENERGY_EXPORT: ObisCode = ObisCode::new(1, 0, 2, 8, 0, 255);
const DEVICE_KEY_ID: ObisCode = ObisCode::new(0, 0, 96, 1, 0, 255);
const SETTING: ObisCode = ObisCode::new(0, 0, 96, 3, 10, 255);
const LOAD_PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
const SCRIPTS: ObisCode = ObisCode::new(0, 0, 10, 0, 0, 255);
/// A large writable attribute (a tariff description, say), for SET with data blocks.
const NOTE: ObisCode = ObisCode::new(0, 0, 96, 90, 0, 255);
const ROWS: u32 = 10_000;

/// The date-time of profile row `i` (15-minute periods from 2026-01-01 00:00): year, month,
/// day, hour, minute.
fn row_time(i: u32) -> (u16, u8, u8, u8, u8) {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let minutes = i * 15;
    let (mut day, hour, minute) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let (mut year, mut month) = (2026u16, 0usize);
    loop {
        let len = DAYS[month] + u32::from(month == 1 && year % 4 == 0);
        if day < len {
            break;
        }
        day -= len;
        month += 1;
        if month == 12 {
            month = 0;
            year += 1;
        }
    }
    (
        year,
        month as u8 + 1,
        day as u8 + 1,
        hour as u8,
        minute as u8,
    )
}

/// The 12-byte COSEM date-time of a time (day of week unspecified, deviation and status 0).
fn date_time(t: (u16, u8, u8, u8, u8)) -> [u8; 12] {
    let y = t.0.to_be_bytes();
    [y[0], y[1], t.1, t.2, 0xFF, t.3, t.4, 0, 0, 0, 0, 0]
}

/// The time of a COSEM date-time, for comparisons.
fn time_of(b: &[u8]) -> Option<(u16, u8, u8, u8, u8)> {
    let b: &[u8; 12] = b.try_into().ok()?;
    Some((u16::from_be_bytes([b[0], b[1]]), b[2], b[3], b[5], b[6]))
}

/// Imported energy in row `i`, Wh.
fn import(i: u32) -> u32 {
    1_000_000 + i * 37
}

/// Exported energy in row `i`, Wh (rooftop PV at noon).
fn export(i: u32) -> u32 {
    i * 11
}

struct Meter {
    setting: u16,
    scripts_run: u32,
    /// The note written last: its length and byte sum.
    note: (usize, u64),
}

/// The rows (1-based, inclusive) a selection picks: by range on the clock column (selector 1)
/// or by entry (selector 2).
fn selected(selection: Option<&SelectiveAccess<'_>>) -> (u32, u32) {
    let Some(s) = selection else {
        return (1, ROWS);
    };
    let Data::Structure(fields) = s.parameters else {
        return (1, 0);
    };
    let f: Vec<Data<'_>> = fields.iter().collect();
    match (s.selector, f.as_slice()) {
        (1, [_, Data::OctetString(from), Data::OctetString(to), ..]) => {
            let (Some(from), Some(to)) = (time_of(from), time_of(to)) else {
                return (1, 0);
            };
            let first = (1..=ROWS)
                .find(|&i| row_time(i - 1) >= from)
                .unwrap_or(ROWS + 1);
            let last = (1..=ROWS)
                .rev()
                .find(|&i| row_time(i - 1) <= to)
                .unwrap_or(0);
            (first, last)
        }
        (
            2,
            [
                Data::DoubleLongUnsigned(from),
                Data::DoubleLongUnsigned(to),
                ..,
            ],
        ) => (*from, if *to == 0 { ROWS } else { (*to).min(ROWS) }),
        _ => (1, 0),
    }
}

fn put_row(out: &mut ValueWriter<'_>, i: u32) -> dlms::Result<()> {
    // structure { clock, import, export }
    let t = date_time(row_time(i - 1));
    out.put(&[0x02, 0x03])?;
    Data::OctetString(&t).emit_to(out)?;
    Data::DoubleLongUnsigned(import(i)).emit_to(out)?;
    Data::DoubleLongUnsigned(export(i)).emit_to(out)
}

impl Application for Meter {
    fn attribute_access(
        &self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
    ) -> Result<AttributeAccess, DataAccessResult> {
        let class = match a.instance_id {
            CLOCK => 8,
            ENERGY_IMPORT | ENERGY_EXPORT => 3,
            DEVICE_KEY_ID | SETTING | NOTE => 1,
            LOAD_PROFILE => 7,
            _ => return Err(DataAccessResult::OBJECT_UNDEFINED),
        };
        if a.class_id != class {
            return Err(DataAccessResult::OBJECT_CLASS_INCONSISTENT);
        }
        Ok(match (a.instance_id, a.attribute_id) {
            (_, 1) => AttributeAccess::Read,
            (DEVICE_KEY_ID, 2) if ctx.client_sap == 1 => AttributeAccess::AuthenticatedRead,
            (DEVICE_KEY_ID, 2) => AttributeAccess::NoAccess,
            (SETTING | NOTE, 2) if ctx.client_sap == 16 => AttributeAccess::Read,
            (NOTE, 2) => AttributeAccess::ReadWrite,
            (SETTING, 2) => AttributeAccess::ReadWrite,
            (_, 2) => AttributeAccess::Read,
            _ => return Err(DataAccessResult::SCOPE_OF_ACCESS_VIOLATED),
        })
    }

    fn method_access(
        &self,
        ctx: &RequestContext,
        m: &MethodDescriptor,
    ) -> Result<MethodAccess, ActionResult> {
        match (m.class_id, m.instance_id, m.method_id, ctx.client_sap) {
            (9, SCRIPTS, 1, 1) => Ok(MethodAccess::AuthenticatedAccess),
            (9, SCRIPTS, 1, _) => Ok(MethodAccess::NoAccess),
            _ => Err(ActionResult::OBJECT_UNDEFINED),
        }
    }

    fn get(
        &mut self,
        _: &RequestContext,
        a: &AttributeDescriptor,
        selection: Option<&SelectiveAccess<'_>>,
        resume: Option<u64>,
        out: &mut ValueWriter<'_>,
    ) -> Result<Progress, DataAccessResult> {
        let fail = |_| DataAccessResult::OTHER_REASON;
        match (a.instance_id, a.attribute_id) {
            (ln, 1) => Data::OctetString(ln.as_bytes())
                .emit_to(out)
                .map_err(fail)?,
            (CLOCK, 2) => Data::OctetString(&date_time((2026, 12, 6, 21, 0)))
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY_IMPORT, 2) => Data::DoubleLongUnsigned(import(ROWS))
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY_EXPORT, 2) => Data::DoubleLongUnsigned(export(ROWS))
                .emit_to(out)
                .map_err(fail)?,
            (DEVICE_KEY_ID, 2) => Data::VisibleString(b"key-id 7")
                .emit_to(out)
                .map_err(fail)?,
            (SETTING, 2) => Data::LongUnsigned(self.setting)
                .emit_to(out)
                .map_err(fail)?,
            (LOAD_PROFILE, 2) => {
                let (from, to) = selected(selection);
                let mut i = match resume {
                    None => {
                        let count = if to >= from { to - from + 1 } else { 0 };
                        out.put_u8(0x01).map_err(fail)?;
                        dlms::axdr::put_length(out, count as usize).map_err(fail)?;
                        from
                    }
                    Some(r) => r as u32,
                };
                while i <= to {
                    if out.is_full() {
                        return Ok(Progress::More(u64::from(i)));
                    }
                    put_row(out, i).map_err(fail)?;
                    i += 1;
                }
            }
            _ => return Err(DataAccessResult::OBJECT_UNAVAILABLE),
        }
        Ok(Progress::Done)
    }

    fn set(
        &mut self,
        _: &RequestContext,
        a: &AttributeDescriptor,
        _: Option<&SelectiveAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessResult> {
        match (a.instance_id, value) {
            (SETTING, Data::LongUnsigned(v)) if *v <= 900 => {
                self.setting = *v;
                Ok(())
            }
            (SETTING, Data::LongUnsigned(_)) => Err(DataAccessResult::OTHER_REASON),
            (NOTE, Data::OctetString(v)) => {
                self.note = (v.len(), v.iter().map(|&b| u64::from(b)).sum());
                Ok(())
            }
            _ => Err(DataAccessResult::TYPE_UNMATCHED),
        }
    }

    fn action(
        &mut self,
        _: &RequestContext,
        _: &MethodDescriptor,
        parameters: Option<&Data<'_>>,
        out: &mut ValueWriter<'_>,
    ) -> Result<ActionOutcome, ActionResult> {
        self.scripts_run += 1;
        let Some(Data::LongUnsigned(script)) = parameters else {
            return Err(ActionResult::TYPE_UNMATCHED);
        };
        Data::LongUnsigned(*script)
            .emit_to(out)
            .map_err(|_| ActionResult::OTHER_REASON)?;
        Ok(ActionOutcome::WithData)
    }
}

// ---- keys -----------------------------------------------------------------------------------

const METER_TITLE: [u8; 8] = *b"MMM\0\0\xBC\x61\x4E";
const CLIENT_TITLE: [u8; 8] = *b"MMM\0\0\0\0\x01";

fn security(own: [u8; 8]) -> SecurityContext {
    // The Green Book example keys.
    let mut c = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own)).unwrap();
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
    c
}

const SERVICES: Conformance = Conformance(
    Conformance::GET.0
        | Conformance::SET.0
        | Conformance::ACTION.0
        | Conformance::SELECTIVE_ACCESS.0
        | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
        | Conformance::MULTIPLE_REFERENCES.0,
);

const WITH_GBT: Conformance = Conformance(SERVICES.0 | Conformance::GENERAL_BLOCK_TRANSFER.0);

const WITH_SET_BLOCKS: Conformance =
    Conformance(SERVICES.0 | Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0);

fn meter_sessions(password: &'static [u8]) -> Server<'static, 3> {
    Server::new(
        ServerConfig::new(1024),
        [
            AssociationConfig::new(16, Authentication::None, WITH_GBT)
                .with_gbt_buffer(Box::leak(vec![0u8; 4 * 512].into_boxed_slice())),
            AssociationConfig::new(2, Authentication::Lls { password }, WITH_SET_BLOCKS)
                .with_set_buffer(Box::leak(vec![0u8; 4096].into_boxed_slice())),
            AssociationConfig::new(1, Authentication::HlsGmac, SERVICES)
                .ciphered(security(METER_TITLE)),
        ],
    )
}

// ---- the wire between a client link and the server link -------------------------------------

struct Wire<S: Transport> {
    server_link: S,
    server: Server<'static, 3>,
    meter: Meter,
    rng: Rng,
    faults: Faults,
    c2s: FaultCounts,
    s2c: FaultCounts,
    now: Instant,
    frame: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
    requests: usize,
}

impl<S: Transport> Wire<S> {
    fn new(server_link: S, faults: Faults, seed: u64) -> Self {
        Wire {
            server_link,
            server: meter_sessions(b"12345678"),
            meter: Meter {
                setting: 5,
                scripts_run: 0,
                note: (0, 0),
            },
            rng: Rng(seed),
            faults,
            c2s: FaultCounts::default(),
            s2c: FaultCounts::default(),
            now: Instant::ZERO,
            frame: vec![0u8; MAX_FRAME_LEN_WITH_FLAGS],
            request: vec![0u8; 1024],
            response: vec![0u8; 2048],
            requests: 0,
        }
    }

    /// Moves bytes both ways through the channel until the client link delivers an APDU (or
    /// `until` says stop); the server session answers as requests arrive.
    fn pump<C: Transport>(
        &mut self,
        client: &mut C,
        mut until: impl FnMut(&LinkEvent<'_>) -> bool,
    ) -> Vec<Vec<u8>> {
        let mut idle = 0;
        loop {
            let mut moved = false;
            // A response in general block transfer goes on without new input.
            self.requests += self
                .server
                .serve(
                    &mut self.server_link,
                    &mut self.meter,
                    &mut self.rng,
                    &mut self.request,
                    &mut self.response,
                    self.now,
                )
                .unwrap();
            let mut out = Vec::new();
            while let Some(n) = client.poll_transmit(&mut self.frame, self.now).unwrap() {
                out.push(self.frame[..n].to_vec());
            }
            for f in &out {
                moved = true;
                for chunk in channel(f, &mut self.rng, &self.faults, &mut self.c2s) {
                    let mut rest = &chunk[..];
                    loop {
                        let n = self.server_link.handle_input(rest, self.now);
                        rest = &rest[n..];
                        self.requests += self
                            .server
                            .serve(
                                &mut self.server_link,
                                &mut self.meter,
                                &mut self.rng,
                                &mut self.request,
                                &mut self.response,
                                self.now,
                            )
                            .unwrap();
                        if rest.is_empty() {
                            break;
                        }
                    }
                }
            }
            let mut out = Vec::new();
            while let Some(n) = self
                .server_link
                .poll_transmit(&mut self.frame, self.now)
                .unwrap()
            {
                out.push(self.frame[..n].to_vec());
            }
            let mut got = Vec::new();
            for f in &out {
                moved = true;
                for chunk in channel(f, &mut self.rng, &self.faults, &mut self.s2c) {
                    let mut rest = &chunk[..];
                    loop {
                        let n = client.handle_input(rest, self.now);
                        rest = &rest[n..];
                        while let Some(e) = client.poll_event() {
                            match e {
                                LinkEvent::Apdu(a) => got.push(a.to_vec()),
                                e if until(&e) => return got,
                                LinkEvent::Disconnected { reason } => {
                                    panic!("link lost: {reason:?}")
                                }
                                _ => {}
                            }
                        }
                        if rest.is_empty() {
                            break;
                        }
                    }
                }
            }
            if !got.is_empty() {
                return got;
            }
            if !moved {
                idle += 1;
                assert!(idle < 10_000, "no progress");
                // Nothing on the wire: let the next timer fire.
                let next = [client.poll_timeout(), self.server_link.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or(self.now + Duration::from_millis(10));
                self.now = next.max(self.now + Duration::from_millis(1));
                client.handle_timeout(self.now);
                self.server_link.handle_timeout(self.now);
            }
        }
    }

    /// Sends `apdu` and returns the answer.
    fn exchange<C: Transport>(&mut self, client: &mut C, apdu: &[u8]) -> Vec<u8> {
        client.send(apdu, self.now).unwrap();
        let mut answers = self.pump(client, |_| false);
        assert_eq!(answers.len(), 1, "one answer per request");
        answers.remove(0)
    }
}

/// How the client links of the scenarios are made and taken down.
trait ClientLinks {
    type Link: Transport;
    fn open<S: Transport>(&mut self, wire: &mut Wire<S>, sap: u16) -> Self::Link;
    fn close<S: Transport>(&mut self, wire: &mut Wire<S>, link: Self::Link);
}

struct HdlcLinks;

impl ClientLinks for HdlcLinks {
    type Link = HdlcClient<Vec<u8>>;
    fn open<S: Transport>(&mut self, wire: &mut Wire<S>, sap: u16) -> Self::Link {
        let mut cfg = LinkClientConfig::new(
            Address::client(u8::try_from(sap).unwrap()).unwrap(),
            server_address(),
        );
        cfg.max_apdu_rx = 2048;
        cfg.max_apdu_tx = 2048;
        cfg.timeouts.response = Duration::from_millis(500);
        cfg.timeouts.max_retries = 40;
        cfg.timeouts.poll_interval = Duration::from_millis(20);
        let mut link =
            HdlcClient::new(cfg, vec![0u8; HdlcClient::<Vec<u8>>::storage_len(&cfg)]).unwrap();
        link.connect(wire.now).unwrap();
        wire.pump(&mut link, |e| matches!(e, LinkEvent::Connected { .. }));
        link
    }
    fn close<S: Transport>(&mut self, wire: &mut Wire<S>, mut link: Self::Link) {
        link.disconnect(wire.now).unwrap();
        wire.pump(&mut link, |e| matches!(e, LinkEvent::Disconnected { .. }));
    }
}

struct WrapperLinks;

impl ClientLinks for WrapperLinks {
    type Link = WrapperLink<Vec<u8>>;
    fn open<S: Transport>(&mut self, _: &mut Wire<S>, sap: u16) -> Self::Link {
        WrapperLink::new(
            sap,
            1,
            WrapperMode::Stream,
            vec![0u8; WrapperLink::<Vec<u8>>::storage_len(2048)],
        )
        .unwrap()
    }
    fn close<S: Transport>(&mut self, _: &mut Wire<S>, _: Self::Link) {}
}

fn server_address() -> Address {
    Address::server(1, Some(17)).unwrap()
}

// ---- the session side of the scenarios ------------------------------------------------------

/// A client session and its link.
struct Head<'a, L: Transport> {
    session: Client<'a>,
    link: L,
    out: Vec<u8>,
}

impl<'a, L: Transport> Head<'a, L> {
    /// Sends the request in `out[..n]` and hands the answer to the session.
    fn round<S: Transport, T>(
        &mut self,
        wire: &mut Wire<S>,
        n: usize,
        then: impl FnOnce(&mut Client<'a>, Result<Event<'_>, ClientError>) -> T,
    ) -> T {
        let mut answer = wire.exchange(&mut self.link, &self.out[..n]);
        let event = self.session.handle_apdu(&mut answer);
        then(&mut self.session, event)
    }

    fn associate<S: Transport>(&mut self, wire: &mut Wire<S>) -> Result<(), ClientError> {
        let n = self
            .session
            .associate(wire.now, &mut Rng(7), &mut self.out)?;
        let hls = self.round(wire, n, |_, e| match e? {
            Event::Associated(_) => Ok::<bool, ClientError>(false),
            Event::AuthenticationRequired => Ok(true),
            other => panic!("{other:?}"),
        })?;
        if hls {
            let n = self.session.hls_reply(wire.now, &mut self.out)?;
            self.round(wire, n, |_, e| match e? {
                Event::Associated(_) => Ok::<(), ClientError>(()),
                other => panic!("{other:?}"),
            })?;
        }
        Ok(())
    }

    fn get<S: Transport>(
        &mut self,
        wire: &mut Wire<S>,
        a: AttributeDescriptor,
    ) -> Result<Vec<u8>, ClientError> {
        let n = self.session.get(wire.now, a, None, &mut self.out)?;
        self.round(wire, n, |_, e| match e? {
            Event::Value { value, .. } => Ok(value.to_vec().unwrap()),
            other => panic!("{other:?}"),
        })
    }

    /// A GET that may come in blocks: the whole encoded value and the number of blocks.
    fn get_blocks<S: Transport>(
        &mut self,
        wire: &mut Wire<S>,
        a: AttributeDescriptor,
        access: Option<SelectiveAccess<'_>>,
    ) -> (Vec<u8>, u32) {
        let mut n = self
            .session
            .get(wire.now, a, access, &mut self.out)
            .unwrap();
        let mut value = Vec::new();
        let mut blocks = 0;
        loop {
            let mut answer = wire.exchange(&mut self.link, &self.out[..n]);
            match self.session.handle_apdu(&mut answer).unwrap() {
                Event::Value { value: v, .. } => return (v.to_vec().unwrap(), 0),
                Event::Block {
                    last,
                    raw_data,
                    block_number,
                    ..
                } => {
                    blocks += 1;
                    assert_eq!(block_number, blocks);
                    value.extend_from_slice(raw_data);
                    if last {
                        return (value, blocks);
                    }
                    n = self.session.next_block(wire.now, &mut self.out).unwrap();
                }
                other => panic!("{other:?}"),
            }
        }
    }

    /// A GET answered in general block transfer: the whole encoded value and the number of
    /// blocks. The server streams a window of blocks; the session acknowledges them.
    fn get_gbt<S: Transport>(
        &mut self,
        wire: &mut Wire<S>,
        a: AttributeDescriptor,
        access: Option<SelectiveAccess<'_>>,
    ) -> (Vec<u8>, u32) {
        let n = self
            .session
            .get(wire.now, a, access, &mut self.out)
            .unwrap();
        assert_eq!(self.out[0], 0xE0, "the request goes in a GBT block");
        self.link.send(&self.out[..n], wire.now).unwrap();
        let mut queue = std::collections::VecDeque::new();
        let mut value = Vec::new();
        let mut blocks = 0;
        loop {
            if queue.is_empty() {
                queue.extend(wire.pump(&mut self.link, |_| false));
            }
            let mut apdu = queue.pop_front().unwrap();
            match self.session.handle_apdu(&mut apdu).unwrap() {
                Event::Block { last, raw_data, .. } => {
                    if !raw_data.is_empty() {
                        blocks += 1;
                    }
                    value.extend_from_slice(raw_data);
                    if last {
                        assert!(queue.is_empty());
                        return (value, blocks);
                    }
                }
                Event::Value { value: v, .. } => return (v.to_vec().unwrap(), 1),
                other => panic!("{other:?}"),
            }
            let n = self.session.next_block(wire.now, &mut self.out).unwrap();
            if n > 0 {
                self.link.send(&self.out[..n], wire.now).unwrap();
            } else if queue.is_empty() {
                // The server streams on; over HDLC it needs to be polled for the next block.
                self.link.expect_more(wire.now).unwrap();
            }
        }
    }

    fn release<S: Transport>(&mut self, wire: &mut Wire<S>) {
        let n = self.session.release(wire.now, &mut self.out).unwrap();
        self.round(wire, n, |_, e| {
            assert!(matches!(e, Ok(Event::Released { .. })), "{e:?}")
        });
    }
}

fn check_rows(value: &[u8], from: u32, to: u32) {
    let limits = Limits {
        max_elements: 1_000_000,
        ..Limits::DEFAULT
    };
    let data = Data::parse_with(value, &limits).unwrap();
    let Data::Array(rows) = data else {
        panic!("{data:?}")
    };
    let mut i = from;
    for row in rows.iter() {
        let Data::Structure(fields) = row else {
            panic!("{row:?}")
        };
        let f: Vec<Data<'_>> = fields.iter().collect();
        let t = date_time(row_time(i - 1));
        assert_eq!(
            f,
            [
                Data::OctetString(&t),
                Data::DoubleLongUnsigned(import(i)),
                Data::DoubleLongUnsigned(export(i))
            ],
            "row {i}"
        );
        i += 1;
    }
    assert_eq!(i, to + 1, "every row from {from} to {to}, in order");
}

fn public_client<L: ClientLinks, S: Transport>(links: &mut L, wire: &mut Wire<S>) {
    let mut config = ClientConfig::new(Authentication::None);
    config.max_receive_pdu_size = 512;
    config.timeout = Duration::from_secs(3600);
    let mut head = Head {
        session: Client::new(config, None).unwrap(),
        link: links.open(wire, 16),
        out: vec![0u8; 2048],
    };
    head.associate(wire).unwrap();
    let import_now = head
        .get(wire, AttributeDescriptor::new(3, ENERGY_IMPORT, 2))
        .unwrap();
    assert_eq!(
        import_now,
        Data::DoubleLongUnsigned(import(ROWS)).to_vec().unwrap()
    );

    // GET with-list: two registers and an object the meter does not have.
    let items = [
        AttributeWithSelection {
            attribute: AttributeDescriptor::new(3, ENERGY_IMPORT, 2),
            access: None,
        },
        AttributeWithSelection {
            attribute: AttributeDescriptor::new(3, ENERGY_EXPORT, 2),
            access: None,
        },
        AttributeWithSelection {
            attribute: AttributeDescriptor::new(3, ObisCode::new(1, 0, 3, 8, 0, 255), 2),
            access: None,
        },
    ];
    let n = head
        .session
        .get_with_list(wire.now, &items, &mut head.out)
        .unwrap();
    head.round(wire, n, |_, e| {
        let Ok(Event::Values { results }) = e else {
            panic!("{e:?}")
        };
        let r: Vec<_> = results.iter().collect();
        assert_eq!(
            r,
            [
                GetDataResult::Data(Data::DoubleLongUnsigned(import(ROWS))),
                GetDataResult::Data(Data::DoubleLongUnsigned(export(ROWS))),
                GetDataResult::Error(DataAccessResult::OBJECT_UNDEFINED),
            ]
        );
    });

    // The whole profile by block transfer.
    let (value, blocks) = head.get_blocks(wire, AttributeDescriptor::new(7, LOAD_PROFILE, 2), None);
    assert!(blocks > 400, "{blocks} blocks of at most 512 bytes");
    check_rows(&value, 1, ROWS);

    // Selective access by range on the clock column: 2026-02-01 00:00 to 2026-02-01 23:45.
    let restricting = [
        Data::LongUnsigned(8),
        Data::OctetString(CLOCK.as_bytes()),
        Data::Integer(2),
        Data::LongUnsigned(0),
    ];
    let from = date_time((2026, 2, 1, 0, 0));
    let to = date_time((2026, 2, 1, 23, 45));
    let range = [
        Data::structure(&restricting),
        Data::OctetString(&from),
        Data::OctetString(&to),
        Data::array(&[]),
    ];
    let access = SelectiveAccess {
        selector: 1,
        parameters: Data::structure(&range),
    };
    let (value, _) = head.get_blocks(
        wire,
        AttributeDescriptor::new(7, LOAD_PROFILE, 2),
        Some(access),
    );
    // 31 days of 96 rows before February: rows 2977 to 3072.
    check_rows(&value, 31 * 96 + 1, 32 * 96);

    // ... and by entry: rows 9,001 to the last.
    let entry = [
        Data::DoubleLongUnsigned(9001),
        Data::DoubleLongUnsigned(0),
        Data::LongUnsigned(1),
        Data::LongUnsigned(0),
    ];
    let access = SelectiveAccess {
        selector: 2,
        parameters: Data::structure(&entry),
    };
    let (value, _) = head.get_blocks(
        wire,
        AttributeDescriptor::new(7, LOAD_PROFILE, 2),
        Some(access),
    );
    check_rows(&value, 9001, ROWS);

    // The public client may read but not write the setting.
    let n = head
        .session
        .set(
            wire.now,
            AttributeDescriptor::new(1, SETTING, 2),
            None,
            &[0x12, 0, 1],
            &mut head.out,
        )
        .unwrap();
    head.round(wire, n, |_, e| {
        assert!(
            matches!(
                e,
                Err(ClientError::DataAccess {
                    result: DataAccessResult::READ_WRITE_DENIED,
                    ..
                })
            ),
            "{e:?}"
        );
    });
    head.release(wire);
    links.close(wire, head.link);
}

/// The public client reading the profile in general block transfer with a window of 4.
fn gbt_client<L: ClientLinks, S: Transport>(links: &mut L, wire: &mut Wire<S>) {
    let mut config = ClientConfig::new(Authentication::None);
    config.max_receive_pdu_size = 512;
    config.timeout = Duration::from_secs(3600);
    config.conformance = WITH_GBT;
    config.gbt_window = Some(4);
    let mut head = Head {
        session: Client::new(config, None).unwrap(),
        link: links.open(wire, 16),
        out: vec![0u8; 2048],
    };
    head.associate(wire).unwrap();
    let (value, blocks) = head.get_gbt(wire, AttributeDescriptor::new(7, LOAD_PROFILE, 2), None);
    assert!(blocks > 400, "{blocks} blocks");
    check_rows(&value, 1, ROWS);
    let entry = [
        Data::DoubleLongUnsigned(4001),
        Data::DoubleLongUnsigned(4500),
        Data::LongUnsigned(1),
        Data::LongUnsigned(0),
    ];
    let access = SelectiveAccess {
        selector: 2,
        parameters: Data::structure(&entry),
    };
    let (value, _) = head.get_gbt(
        wire,
        AttributeDescriptor::new(7, LOAD_PROFILE, 2),
        Some(access),
    );
    check_rows(&value, 4001, 4500);
    // A short answer comes in one block and is an ordinary response.
    let (value, blocks) = head.get_gbt(wire, AttributeDescriptor::new(3, ENERGY_IMPORT, 2), None);
    assert_eq!(blocks, 1);
    assert_eq!(
        value,
        Data::DoubleLongUnsigned(import(ROWS)).to_vec().unwrap()
    );
    head.release(wire);
    links.close(wire, head.link);
}

fn lls_client<L: ClientLinks, S: Transport>(links: &mut L, wire: &mut Wire<S>) {
    // A wrong password: rejected with its diagnostic, not as a bare failure.
    let mut config = ClientConfig::new(Authentication::Lls { password: b"wrong" });
    config.timeout = Duration::from_secs(3600);
    let mut head = Head {
        session: Client::new(config, None).unwrap(),
        link: links.open(wire, 2),
        out: vec![0u8; 2048],
    };
    match head.associate(wire) {
        Err(ClientError::Rejected { result, .. }) => {
            assert_eq!(result, AssociationResult::REJECTED_PERMANENT);
        }
        other => panic!("{other:?}"),
    }
    links.close(wire, head.link);

    let mut config = ClientConfig::new(Authentication::Lls {
        password: b"12345678",
    });
    config.timeout = Duration::from_secs(3600);
    config.conformance = WITH_SET_BLOCKS;
    let mut head = Head {
        session: Client::new(config, None).unwrap(),
        link: links.open(wire, 2),
        out: vec![0u8; 2048],
    };
    head.associate(wire).unwrap();
    let n = head
        .session
        .set(
            wire.now,
            AttributeDescriptor::new(1, SETTING, 2),
            None,
            &[0x12, 0x01, 0x2C],
            &mut head.out,
        )
        .unwrap();
    head.round(wire, n, |_, e| {
        assert!(matches!(e, Ok(Event::Set { .. })), "{e:?}")
    });
    assert_eq!(wire.meter.setting, 300);
    // Beyond what the meter allows: refused, nothing changed.
    let n = head
        .session
        .set(
            wire.now,
            AttributeDescriptor::new(1, SETTING, 2),
            None,
            &[0x12, 0x03, 0xE8],
            &mut head.out,
        )
        .unwrap();
    head.round(wire, n, |_, e| {
        assert!(
            matches!(
                e,
                Err(ClientError::DataAccess {
                    result: DataAccessResult::OTHER_REASON,
                    ..
                })
            ),
            "{e:?}"
        );
    });
    assert_eq!(wire.meter.setting, 300);
    assert_eq!(
        head.get(wire, AttributeDescriptor::new(1, SETTING, 2))
            .unwrap(),
        Data::LongUnsigned(300).to_vec().unwrap()
    );
    // A value larger than the server's receive PDU (1,024 bytes): SET with data blocks.
    let note: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let encoded = Data::OctetString(&note).to_vec().unwrap();
    let mut n = head
        .session
        .set(
            wire.now,
            AttributeDescriptor::new(1, NOTE, 2),
            None,
            &encoded,
            &mut head.out,
        )
        .unwrap();
    let mut blocks = 0;
    loop {
        blocks += 1;
        let done = head.round(wire, n, |_, e| match e {
            Ok(Event::SetBlockAccepted { .. }) => false,
            Ok(Event::Set { .. }) => true,
            other => panic!("{other:?}"),
        });
        if done {
            break;
        }
        n = head
            .session
            .next_set_block(wire.now, &encoded, &mut head.out)
            .unwrap();
    }
    assert!(blocks >= 3, "{blocks} blocks");
    assert_eq!(
        wire.meter.note,
        (3000, note.iter().map(|&b| u64::from(b)).sum())
    );
    // The management attribute is not for this client.
    match head.get(wire, AttributeDescriptor::new(1, DEVICE_KEY_ID, 2)) {
        Err(ClientError::DataAccess { result, .. }) => {
            assert_eq!(result, DataAccessResult::READ_WRITE_DENIED)
        }
        other => panic!("{other:?}"),
    }
    head.release(wire);
    links.close(wire, head.link);
}

fn management_client<L: ClientLinks, S: Transport>(links: &mut L, wire: &mut Wire<S>) {
    let mut config = ClientConfig::new(Authentication::HlsGmac);
    config.ciphering = Some(Ciphering::Global);
    config.timeout = Duration::from_secs(3600);
    let mut head = Head {
        session: Client::new(config, Some(security(CLIENT_TITLE))).unwrap(),
        link: links.open(wire, 1),
        out: vec![0u8; 2048],
    };
    head.associate(wire).unwrap();
    assert!(wire.server.is_associated(1));

    // An authenticated, encrypted read of an attribute only this association may read.
    let n = head
        .session
        .get(
            wire.now,
            AttributeDescriptor::new(1, DEVICE_KEY_ID, 2),
            None,
            &mut head.out,
        )
        .unwrap();
    assert_eq!(head.out[0], 0xC8, "glo-get-request");
    let request = head.out[..n].to_vec();
    head.round(wire, n, |_, e| {
        let Ok(Event::Value { value, .. }) = e else {
            panic!("{e:?}")
        };
        assert_eq!(value, Data::VisibleString(b"key-id 7"));
    });
    // The same ciphered request again, as an attacker would replay it.
    let answer = wire.exchange(&mut head.link, &request);
    let e = ExceptionResponse::parse(&answer).unwrap();
    assert_eq!(
        e.service_error,
        ExceptionServiceError::INVOCATION_COUNTER_ERROR
    );
    // A malformed request: an exception-response, and the association goes on.
    let answer = wire.exchange(&mut head.link, &[0xC0, 0x01]);
    assert!(ExceptionResponse::parse(&answer).is_ok(), "{answer:02X?}");
    assert!(wire.server.is_associated(1));

    // ACTION with authenticated access and return parameters.
    let n = head
        .session
        .action(
            wire.now,
            MethodDescriptor::new(9, SCRIPTS, 1),
            Some(Data::LongUnsigned(3)),
            &mut head.out,
        )
        .unwrap();
    head.round(wire, n, |_, e| {
        let Ok(Event::Action { return_value, .. }) = e else {
            panic!("{e:?}")
        };
        assert_eq!(return_value, Some(Data::LongUnsigned(3)));
    });
    assert_eq!(wire.meter.scripts_run, 1);
    head.release(wire);
    assert!(!wire.server.is_associated(1));
    links.close(wire, head.link);
}

fn report<S: Transport>(name: &str, wire: &Wire<S>) {
    println!(
        "{name}: {} requests; client->server {:?}; server->client {:?}; simulated time {} ms",
        wire.requests,
        wire.c2s,
        wire.s2c,
        wire.now.millis()
    );
}

#[test]
fn sessions_over_hdlc_through_a_lossy_channel() {
    let mut scfg = LinkServerConfig::new(server_address());
    scfg.max_apdu_rx = 1024;
    scfg.max_apdu_tx = 2048;
    let server_link =
        HdlcServer::new(scfg, vec![0u8; HdlcServer::<Vec<u8>>::storage_len(&scfg)]).unwrap();
    let mut wire = Wire::new(server_link, LOSSY, 0x5E55_0001);
    public_client(&mut HdlcLinks, &mut wire);
    gbt_client(&mut HdlcLinks, &mut wire);
    lls_client(&mut HdlcLinks, &mut wire);
    management_client(&mut HdlcLinks, &mut wire);
    report("hdlc", &wire);
    let c = wire.c2s;
    assert!(
        c.dropped > 0 && c.corrupted > 0 && c.duplicated > 0 && c.split > 0,
        "{c:?}"
    );
}

#[test]
fn sessions_over_the_wrapper() {
    let server_link = WrapperLink::new(
        1,
        16,
        WrapperMode::Stream,
        vec![0u8; WrapperLink::<Vec<u8>>::storage_len(2048)],
    )
    .unwrap();
    let mut wire = Wire::new(server_link, STREAM, 0x5E55_0002);
    public_client(&mut WrapperLinks, &mut wire);
    gbt_client(&mut WrapperLinks, &mut wire);
    lls_client(&mut WrapperLinks, &mut wire);
    management_client(&mut WrapperLinks, &mut wire);
    report("wrapper", &wire);
    assert!(wire.c2s.split > 0);
}

/// General block transfer with lost blocks, as over UDP: the two sessions exchange APDUs
/// directly and every 7th block of the meter is dropped. The client acknowledges the last
/// block it has in sequence, the meter sends again from the one after, and the value arrives
/// whole and in order.
#[test]
fn gbt_lost_blocks_are_sent_again() {
    let mut server = meter_sessions(b"12345678");
    let mut meter = Meter {
        setting: 5,
        scripts_run: 0,
        note: (0, 0),
    };
    let mut rng = Rng(9);
    let mut config = ClientConfig::new(Authentication::None);
    config.max_receive_pdu_size = 256;
    config.conformance = WITH_GBT;
    config.gbt_window = Some(4);
    let mut client = Client::new(config, None).unwrap();
    let now = Instant::ZERO;
    let mut out = vec![0u8; 2048];
    let mut answer = vec![0u8; 2048];
    let talk =
        |server: &mut Server<'static, 3>, meter: &mut Meter, request: &[u8], answer: &mut [u8]| {
            let mut r = request.to_vec();
            server
                .handle_apdu(16, &mut r, meter, &mut Rng(1), answer)
                .unwrap()
        };
    let n = client.associate(now, &mut rng, &mut out).unwrap();
    let m = talk(&mut server, &mut meter, &out[..n], &mut answer).unwrap();
    assert!(matches!(
        client.handle_apdu(&mut answer[..m]),
        Ok(Event::Associated(_))
    ));

    let n = client
        .get(
            now,
            AttributeDescriptor::new(7, LOAD_PROFILE, 2),
            None,
            &mut out,
        )
        .unwrap();
    let mut inbox: Vec<Vec<u8>> = Vec::new();
    let mut sent_blocks = 0u32;
    let mut dropped = 0u32;
    let mut deliver = |apdu: Vec<u8>, inbox: &mut Vec<Vec<u8>>| {
        sent_blocks += 1;
        if sent_blocks.is_multiple_of(7) {
            dropped += 1;
        } else {
            inbox.push(apdu);
        }
    };
    if let Some(m) = talk(&mut server, &mut meter, &out[..n], &mut answer) {
        deliver(answer[..m].to_vec(), &mut inbox);
    }
    let mut value = Vec::new();
    let mut rounds = 0;
    let mut timeouts = 0;
    loop {
        rounds += 1;
        assert!(rounds < 100_000, "no progress");
        // The rest of the meter's window.
        while let Some(m) = server.poll_gbt(16, &mut meter, &mut answer).unwrap() {
            deliver(answer[..m].to_vec(), &mut inbox);
        }
        let mut last = false;
        for mut apdu in std::mem::take(&mut inbox) {
            match client.handle_apdu(&mut apdu).unwrap() {
                Event::Block {
                    last: l, raw_data, ..
                } => {
                    value.extend_from_slice(raw_data);
                    last = l;
                }
                other => panic!("{other:?}"),
            }
            if last {
                break;
            }
        }
        if last {
            break;
        }
        let mut n = client.next_block(now, &mut out).unwrap();
        if n == 0 && inbox.is_empty() {
            // Nothing comes (the block that ended the window was lost): the request timer
            // runs out and the client asks again.
            timeouts += 1;
            let deadline = client.poll_timeout().expect("a request timer runs");
            client.handle_timeout(deadline).unwrap();
            n = client.next_block(deadline, &mut out).unwrap();
            assert!(n > 0);
        }
        if n > 0
            && let Some(m) = talk(&mut server, &mut meter, &out[..n], &mut answer)
        {
            deliver(answer[..m].to_vec(), &mut inbox);
        }
    }
    println!("{sent_blocks} blocks sent, {dropped} dropped, {timeouts} timeouts");
    assert!(dropped > 10, "{dropped} blocks dropped");
    assert!(
        timeouts > 0,
        "a lost last block of a window was recovered by the timer"
    );
    check_rows(&value, 1, ROWS);
}
