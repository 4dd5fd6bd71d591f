//! Head-end and meter use of `dlms::security`: an HLS-GMAC (mechanism 5) association, all four
//! passes as APDU bytes built and read with `dlms::session::association` (no hand-rolled
//! bytes), against a simulated meter.
//!
//! 1. AARQ: the client sends its challenge CtoS (random, from the operating system's RNG).
//! 2. AARE: the meter answers with its challenge StoC (diagnostic authentication-required).
//! 3. ACTION Association LN `0-0:40.0.0.255` method 1 `reply_to_HLS_authentication` with
//!    f(StoC) = SC ‖ IC ‖ GMAC(EK, client title ‖ IC, SC ‖ AK ‖ StoC).
//! 4. The meter checks it and returns f(CtoS) in the ACTION response; the client checks it.
//!
//! A replayed pass 3 is refused, and the meter answers it with `D8 01 06 <expected IC>`.
//!
//! With `--green-book` the fixed challenges and counters of the DLMS Green Book example are used
//! and the responses match the published values (vectors SEC-04 and SEC-05, also in the
//! u9n/dlms-cosem and jDLMS tests).
//!
//! ```sh
//! cargo run -p meterkit-examples --example hls_gmac
//! cargo run -p meterkit-examples --example hls_gmac -- --green-book
//! ```
use dlms::apdu::{
    Aare, Aarq, AcseServiceUser, ActionRequest, ActionResponse, ApplicationContextName,
    AssociationResult, Conformance, InitiateRequest, InvokeIdAndPriority, MechanismName,
    ResultSourceDiagnostic, UserInformation,
};
use dlms::axdr::Encode;
use dlms::security::{
    Challenge, Counters, Key, KeyId, SecurityContext, SecuritySuite, SendCounter, SystemTitle,
};
use dlms::session::association;
use meterkit_examples::to_hex;

const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];
const CLIENT: SystemTitle = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01]);
const METER: SystemTitle = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);

fn context(
    own: SystemTitle,
    peer: Option<SystemTitle>,
    next_ic: u32,
) -> Result<SecurityContext, dlms::Error> {
    let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, own)?;
    ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(EK))?;
    ctx.set_key(KeyId::AUTHENTICATION, Key::aes128(AK))?;
    ctx.set_peer_title(peer);
    // A head-end or a meter restores the counters it persisted; never lower them.
    let mut counters = Counters::default();
    counters.unicast.tx = SendCounter::starting_at(next_ic);
    ctx.set_counters(counters);
    Ok(ctx)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let green_book = std::env::args().any(|a| a == "--green-book");
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let (ctos, stoc, client_ic, meter_ic) = if green_book {
        (
            Challenge::from_slice(b"K56iVagY")?,
            Challenge::from_slice(b"P6wRJ21F")?,
            1,
            0x0123_4567,
        )
    } else {
        (
            Challenge::generate(&mut rng, 16)?,
            Challenge::generate(&mut rng, 16)?,
            1000,
            5000,
        )
    };
    let ln = ApplicationContextName::LN_NO_CIPHERING
        .oid()
        .ok_or("no OID")?;
    let invoke = InvokeIdAndPriority::new(1, true, true);
    let mut client = context(CLIENT, Some(METER), client_ic)?;
    // The meter learns the client's title from the AARQ.
    let mut meter = context(METER, None, meter_ic)?;
    println!("client {CLIENT}, meter {METER}, mechanism 5 (HLS-GMAC), suite 0");

    // Pass 1, client: the AARQ with CtoS and the client's title.
    let init = InitiateRequest::new(Conformance(0x0000_7E1F), 0x04B0);
    let aarq = association::authenticate_aarq(
        Aarq::new(ln, Some(UserInformation::InitiateRequest(init))),
        MechanismName::HLS_GMAC,
        ctos.as_bytes(),
        Some(CLIENT.as_bytes()),
    )
    .to_vec()?;
    println!("pass 1  AARQ    {}", to_hex(&aarq));

    // Pass 2, meter: read the AARQ, answer with StoC.
    let request = association::aarq_authentication(&Aarq::parse(&aarq)?)?;
    meter.set_peer_title(request.calling_title);
    let client_ctos = request.value;
    let aare = association::authenticate_aare(
        Aare::new(
            ln,
            AssociationResult::ACCEPTED,
            ResultSourceDiagnostic::User(AcseServiceUser::NULL),
            None,
        ),
        MechanismName::HLS_GMAC,
        stoc.as_bytes(),
        Some(METER.as_bytes()),
    )
    .to_vec()?;
    println!("pass 2  AARE    {}", to_hex(&aare));

    // Pass 3, client: f(StoC) in ACTION reply_to_HLS_authentication.
    let answer = association::aare_authentication(&Aare::parse(&aare)?)?;
    let f_stoc = client.hls_gmac_respond(ctos.as_bytes(), answer.value)?;
    let pass3 = association::reply_to_hls_request(invoke, f_stoc.as_bytes()).to_vec()?;
    println!("pass 3  ACTION  {}", to_hex(&pass3));

    // Pass 4, meter: check f(StoC), answer f(CtoS).
    let action = ActionRequest::parse(&pass3)?;
    let f_stoc = association::reply_to_hls_of(&action).ok_or("not reply_to_HLS_authentication")?;
    let verdict = meter.hls_gmac_verify(stoc.as_bytes(), client_ctos, f_stoc);
    let f_ctos = match verdict {
        Ok(()) => Some(meter.hls_gmac_respond(stoc.as_bytes(), client_ctos)?),
        Err(_) => None,
    };
    let pass4 = association::reply_to_hls_response(invoke, f_ctos.as_ref().map(|f| f.as_bytes()))
        .to_vec()?;
    println!("pass 4  RESPONSE {}", to_hex(&pass4));

    // The client checks f(CtoS); the meter's counter is recorded (replays are refused).
    let f_ctos = association::hls_reply_of(&ActionResponse::parse(&pass4)?)?;
    client.hls_gmac_verify(ctos.as_bytes(), stoc.as_bytes(), f_ctos)?;
    println!(
        "association authenticated; client counters to persist: next tx IC {:?}, last rx IC {:?}",
        client.counters().unicast.tx.next(),
        client.counters().unicast.rx.last()
    );

    // A replayed pass 3 is refused by the meter with its own error and an ExceptionResponse.
    match meter.hls_gmac_verify(stoc.as_bytes(), client_ctos, f_stoc) {
        Err(e) => {
            let exception = association::exception_response(&e).ok_or("no exception")?;
            println!(
                "the same pass 3 again: {e}; meter answers {}",
                to_hex(&exception.to_vec()?)
            );
        }
        Ok(()) => return Err("a replayed f(StoC) was accepted".into()),
    }
    if green_book {
        assert_eq!(to_hex(f_stoc), "10000000011a52fe7dd3e72748973c1e28");
        assert_eq!(to_hex(f_ctos), "1001234567fe1466afb3dbcd4f9389e2b7");
        println!("matches the Green Book example");
    }
    Ok(())
}
