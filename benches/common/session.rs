//! The meter, the keys and the wiring shared by the `session` bench and the session tests
//! (each includes this file with `#[path]`): a small meter [`Application`] with one register
//! and a load profile, a [`Server`] with three associations, and two ways to carry the APDUs
//! between a [`Client`] and the server, in memory:
//!
//! - [`Direct`]: APDU by APDU, the client session against [`Server::handle_apdu`];
//! - [`Framed`]: through an [`HdlcClient`] and an [`HdlcServer`] (IEC 62056-46), the server
//!   session run by [`Server::serve`].
//!
//! Everything is allocated when a harness is made; an exchange allocates nothing.
#![allow(dead_code)]

use dlms::apdu::{
    ActionResult, AttributeDescriptor, Conformance, DataAccessResult, MethodDescriptor,
    SelectiveAccess,
};
use dlms::axdr::{Data, Encode, Sink, put_length};
use dlms::hdlc::{Address, MAX_FRAME_LEN_WITH_FLAGS};
use dlms::link::{
    ClientConfig as LinkClientConfig, HdlcClient, HdlcServer, Instant, LinkEvent,
    ServerConfig as LinkServerConfig,
};
use dlms::security::{Ciphering, Key, KeyId, SecurityContext, SecuritySuite, SystemTitle};
use dlms::session::Authentication;
use dlms::session::client::{Client, ClientConfig, ClientError, Event};
use dlms::session::server::{
    Application, AssociationConfig, AttributeAccess, MethodAccess, Progress, RequestContext,
    Server, ServerConfig, ValueWriter,
};
use obis::ObisCode;

/// The register read by the GET benches: active energy import, class 3, attribute 2.
pub const ENERGY: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
/// The load profile, class 7, attribute 2 (buffer).
pub const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
/// The rows of the load profile.
pub const ROWS: u32 = 10_000;
/// The encoded length of one profile row: structure { date-time, double-long-unsigned x2 }.
pub const ROW_LEN: usize = 2 + 14 + 5 + 5;
/// The PDU size both sides use, and the length of each session buffer.
pub const PDU: usize = 1024;
/// The register's value.
pub const ENERGY_WH: u32 = 1_234_567;

/// The public client (no authentication).
pub const PUBLIC: u16 = 16;
/// The LLS client.
pub const READER: u16 = 2;
/// The management client (HLS-GMAC, suite-0 ciphering).
pub const MANAGEMENT: u16 = 1;
/// The LLS password.
pub const PASSWORD: &[u8] = b"12345678";

/// The energy register and the load profile.
pub fn energy() -> AttributeDescriptor {
    AttributeDescriptor::new(3, ENERGY, 2)
}

/// The load profile's buffer.
pub fn profile() -> AttributeDescriptor {
    AttributeDescriptor::new(7, PROFILE, 2)
}

/// splitmix64: deterministic, fast, and a `rand_core::CryptoRng` for the HLS challenges
/// (a bench needs no real randomness).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

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

/// One row of the profile: 15-minute periods, a clock and two energy registers.
pub fn row(i: u32) -> [u8; ROW_LEN] {
    let day = i / 96;
    let (hour, minute) = (((i / 4) % 24) as u8, ((i % 4) * 15) as u8);
    let (month, mday) = (1 + ((day / 28) % 12) as u8, 1 + (day % 28) as u8);
    let import = (1_000_000 + i * 37).to_be_bytes();
    let export = (i * 11).to_be_bytes();
    [
        0x02, 0x03, // structure of 3
        0x09, 0x0C, 0x07, 0xEA, month, mday, 0xFF, hour, minute, 0, 0, 0x80, 0x00,
        0x00, // clock
        0x06, import[0], import[1], import[2], import[3], // double-long-unsigned
        0x06, export[0], export[1], export[2], export[3],
    ]
}

/// The meter: the energy register and the load profile, read-only for every association.
pub struct Meter {
    /// Rows in the profile.
    pub rows: u32,
}

impl Default for Meter {
    fn default() -> Self {
        Meter { rows: ROWS }
    }
}

impl Application for Meter {
    fn attribute_access(
        &self,
        _: &RequestContext,
        a: &AttributeDescriptor,
    ) -> Result<AttributeAccess, DataAccessResult> {
        let class = match a.instance_id {
            ENERGY => 3,
            PROFILE => 7,
            _ => return Err(DataAccessResult::OBJECT_UNDEFINED),
        };
        if a.class_id != class {
            return Err(DataAccessResult::OBJECT_CLASS_INCONSISTENT);
        }
        match a.attribute_id {
            1 | 2 => Ok(AttributeAccess::Read),
            _ => Err(DataAccessResult::SCOPE_OF_ACCESS_VIOLATED),
        }
    }

    fn method_access(
        &self,
        _: &RequestContext,
        _: &MethodDescriptor,
    ) -> Result<MethodAccess, ActionResult> {
        Err(ActionResult::OBJECT_UNDEFINED)
    }

    fn get(
        &mut self,
        _: &RequestContext,
        a: &AttributeDescriptor,
        _: Option<&SelectiveAccess<'_>>,
        resume: Option<u64>,
        out: &mut ValueWriter<'_>,
    ) -> Result<Progress, DataAccessResult> {
        let fail = |_| DataAccessResult::OTHER_REASON;
        match (a.instance_id, a.attribute_id) {
            (ln, 1) => Data::OctetString(ln.as_bytes())
                .emit_to(out)
                .map_err(fail)?,
            (ENERGY, 2) => Data::DoubleLongUnsigned(ENERGY_WH)
                .emit_to(out)
                .map_err(fail)?,
            (PROFILE, 2) => {
                let mut i = match resume {
                    None => {
                        out.put_u8(0x01).map_err(fail)?;
                        put_length(out, self.rows as usize).map_err(fail)?;
                        0
                    }
                    Some(r) => u32::try_from(r).map_err(|_| DataAccessResult::OTHER_REASON)?,
                };
                while i < self.rows {
                    if out.is_full() {
                        return Ok(Progress::More(u64::from(i)));
                    }
                    out.put(&row(i)).map_err(fail)?;
                    i += 1;
                }
            }
            _ => return Err(DataAccessResult::OBJECT_UNAVAILABLE),
        }
        Ok(Progress::Done)
    }
}

/// The meter's system title.
pub const METER_TITLE: [u8; 8] = *b"MMM\0\0\xBC\x61\x4E";
/// The client's system title.
pub const CLIENT_TITLE: [u8; 8] = *b"MMM\0\0\0\0\x01";

/// A suite-0 security context with the Green Book example keys: EK `00 01 .. 0F`, AK
/// `D0 D1 .. DF`.
pub fn security(own: [u8; 8]) -> SecurityContext {
    let mut c = SecurityContext::new(SecuritySuite::SUITE_0, SystemTitle::new(own))
        .expect("suite 0 and a title");
    c.set_key(
        KeyId::GLOBAL_UNICAST_ENCRYPTION,
        Key::aes128(core::array::from_fn(|i| i as u8)),
    )
    .expect("an AES-128 key");
    c.set_key(
        KeyId::AUTHENTICATION,
        Key::aes128(core::array::from_fn(|i| 0xD0 + i as u8)),
    )
    .expect("an AES-128 key");
    c
}

/// What the meter offers.
pub const SERVICES: Conformance = Conformance(
    Conformance::GET.0
        | Conformance::SET.0
        | Conformance::ACTION.0
        | Conformance::SELECTIVE_ACCESS.0
        | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
        | Conformance::MULTIPLE_REFERENCES.0,
);

/// The meter's server session: public (none), LLS, and HLS-GMAC with suite-0 ciphering.
pub fn server() -> Server<'static, 3> {
    Server::new(
        ServerConfig::new(PDU as u16),
        [
            AssociationConfig::new(PUBLIC, Authentication::None, SERVICES),
            AssociationConfig::new(READER, Authentication::Lls { password: PASSWORD }, SERVICES),
            AssociationConfig::new(MANAGEMENT, Authentication::HlsGmac, SERVICES)
                .ciphered(security(METER_TITLE)),
        ],
    )
}

/// A client session for `sap`, not yet associated: its PDU is [`PDU`], its timeout an hour.
pub fn client(sap: u16) -> Client<'static> {
    let mut config = match sap {
        MANAGEMENT => {
            let mut c = ClientConfig::new(Authentication::HlsGmac);
            c.ciphering = Some(Ciphering::Global);
            c
        }
        READER => ClientConfig::new(Authentication::Lls { password: PASSWORD }),
        _ => ClientConfig::new(Authentication::None),
    };
    config.max_receive_pdu_size = PDU as u16;
    config.timeout = dlms::link::Duration::from_secs(3600);
    let security = (sap == MANAGEMENT).then(|| security(CLIENT_TITLE));
    Client::new(config, security).expect("a valid client configuration")
}

/// Carries one request to the server and its answer back to the client session.
pub trait Carrier {
    /// Hands `request` (built by `client`) to the server and the answer to `client`.
    fn exchange<'s>(
        &'s mut self,
        client: &mut Client<'_>,
        request: &mut [u8],
    ) -> Result<Event<'s>, ClientError>;

    /// The time.
    fn now(&self) -> Instant {
        Instant::ZERO
    }
}

/// Associates `client` (AARQ/AARE and, for HLS, passes 3 and 4); `out` is its request buffer.
pub fn associate<C: Carrier>(carrier: &mut C, client: &mut Client<'_>, out: &mut [u8]) {
    let now = carrier.now();
    let n = client.associate(now, &mut Rng(7), out).expect("an AARQ");
    match carrier.exchange(client, &mut out[..n]).expect("an AARE") {
        Event::Associated(_) => return,
        Event::AuthenticationRequired => {}
        other => panic!("{other:?}"),
    }
    let n = client.hls_reply(now, out).expect("HLS pass 3");
    match carrier.exchange(client, &mut out[..n]).expect("HLS pass 4") {
        Event::Associated(_) => {}
        other => panic!("{other:?}"),
    }
}

/// One GET of the energy register; returns its value.
pub fn get_energy<C: Carrier>(carrier: &mut C, client: &mut Client<'_>, out: &mut [u8]) -> u32 {
    let now = carrier.now();
    let n = client.get(now, energy(), None, out).expect("a GET");
    match carrier.exchange(client, &mut out[..n]) {
        Ok(Event::Value {
            value: Data::DoubleLongUnsigned(v),
            ..
        }) => v,
        other => panic!("{other:?}"),
    }
}

/// The whole profile by GET block transfer: the blocks and the bytes of the encoded value.
/// Each block is handed to `block` (its raw data).
pub fn get_profile<C: Carrier>(
    carrier: &mut C,
    client: &mut Client<'_>,
    out: &mut [u8],
    mut block: impl FnMut(&[u8]),
) -> (u32, usize) {
    let now = carrier.now();
    let mut n = client.get(now, profile(), None, out).expect("a GET");
    let (mut blocks, mut bytes) = (0, 0);
    loop {
        match carrier.exchange(client, &mut out[..n]) {
            Ok(Event::Block { last, raw_data, .. }) => {
                blocks += 1;
                bytes += raw_data.len();
                block(raw_data);
                if last {
                    return (blocks, bytes);
                }
            }
            Ok(Event::Value { .. }) => return (0, 0),
            other => panic!("{other:?}"),
        }
        n = client.next_block(now, out).expect("the next block");
    }
}

/// The client session against [`Server::handle_apdu`], APDU by APDU.
pub struct Direct {
    /// The meter's server session.
    pub server: Server<'static, 3>,
    /// The meter.
    pub meter: Meter,
    /// The client SAP the requests come from.
    pub sap: u16,
    rng: Rng,
    response: Vec<u8>,
}

impl Direct {
    /// A fresh server; requests come from `sap`.
    pub fn new(sap: u16) -> Self {
        Direct {
            server: server(),
            meter: Meter::default(),
            sap,
            rng: Rng(0x5E55),
            response: vec![0; PDU],
        }
    }
}

impl Carrier for Direct {
    fn exchange<'s>(
        &'s mut self,
        client: &mut Client<'_>,
        request: &mut [u8],
    ) -> Result<Event<'s>, ClientError> {
        let n = self
            .server
            .handle_apdu(
                self.sap,
                request,
                &mut self.meter,
                &mut self.rng,
                &mut self.response,
            )
            .expect("the server's buffers are large enough")
            .expect("an answer");
        client.handle_apdu(&mut self.response[..n])
    }
}

/// The HDLC address of the meter's management logical device.
pub fn server_address() -> Address {
    Address::server(1, Some(17)).expect("a valid address")
}

/// The server link's configuration: PDUs of [`PDU`] bytes.
pub fn server_link_config() -> LinkServerConfig {
    let mut c = LinkServerConfig::new(server_address());
    c.max_apdu_rx = PDU;
    c.max_apdu_tx = PDU;
    c
}

/// The client session against [`Server::serve`], through an HDLC client link and an HDLC
/// server link (default parameters: 128-byte information fields, window 1).
pub struct Framed {
    /// The client link.
    pub client_link: HdlcClient<Vec<u8>>,
    /// The server link.
    pub server_link: HdlcServer<Vec<u8>>,
    /// The meter's server session.
    pub server: Server<'static, 3>,
    /// The meter.
    pub meter: Meter,
    rng: Rng,
    frame: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
    received: Vec<u8>,
    now: Instant,
}

impl Framed {
    /// Links connected (SNRM/UA) for `sap`, and a fresh server.
    pub fn new(sap: u16) -> Self {
        let scfg = server_link_config();
        let mut ccfg = LinkClientConfig::new(
            Address::client(u8::try_from(sap).expect("a one-byte SAP")).expect("a client SAP"),
            server_address(),
        );
        ccfg.max_apdu_rx = PDU;
        ccfg.max_apdu_tx = PDU;
        let mut f = Framed {
            client_link: HdlcClient::new(ccfg, vec![0; HdlcClient::<Vec<u8>>::storage_len(&ccfg)])
                .expect("storage_len"),
            server_link: HdlcServer::new(scfg, vec![0; HdlcServer::<Vec<u8>>::storage_len(&scfg)])
                .expect("storage_len"),
            server: server(),
            meter: Meter::default(),
            rng: Rng(0x5E55),
            frame: vec![0; MAX_FRAME_LEN_WITH_FLAGS],
            request: vec![0; PDU],
            response: vec![0; PDU],
            received: vec![0; PDU],
            now: Instant::ZERO,
        };
        f.client_link.connect(f.now).expect("disconnected");
        assert_eq!(f.pump(), None);
        assert!(f.client_link.can_send(), "connected");
        f
    }

    /// Moves frames both ways until the client link delivers an APDU (its length in
    /// `received`), or nothing moves.
    fn pump(&mut self) -> Option<usize> {
        let now = self.now;
        let mut got = None;
        loop {
            let mut moved = false;
            while let Some(n) = self
                .client_link
                .poll_transmit(&mut self.frame, now)
                .expect("a frame buffer of the largest frame")
            {
                moved = true;
                let mut input = &self.frame[..n];
                while !input.is_empty() {
                    let used = self.server_link.handle_input(input, now);
                    input = &input[used..];
                    self.server
                        .serve(
                            &mut self.server_link,
                            &mut self.meter,
                            &mut self.rng,
                            &mut self.request,
                            &mut self.response,
                            now,
                        )
                        .expect("the server's buffers are large enough");
                }
            }
            while let Some(n) = self
                .server_link
                .poll_transmit(&mut self.frame)
                .expect("a frame buffer of the largest frame")
            {
                moved = true;
                let mut input = &self.frame[..n];
                while !input.is_empty() {
                    let used = self.client_link.handle_input(input, now);
                    input = &input[used..];
                    while let Some(event) = self.client_link.poll_event() {
                        if let LinkEvent::Apdu(apdu) = event {
                            assert!(got.is_none(), "one answer per request");
                            self.received[..apdu.len()].copy_from_slice(apdu);
                            got = Some(apdu.len());
                        }
                    }
                }
            }
            if got.is_some() || !moved {
                return got;
            }
        }
    }
}

impl Carrier for Framed {
    fn exchange<'s>(
        &'s mut self,
        client: &mut Client<'_>,
        request: &mut [u8],
    ) -> Result<Event<'s>, ClientError> {
        self.client_link
            .send(request, self.now)
            .expect("the link takes the request");
        let n = self.pump().expect("an answer");
        client.handle_apdu(&mut self.received[..n])
    }

    fn now(&self) -> Instant {
        self.now
    }
}
