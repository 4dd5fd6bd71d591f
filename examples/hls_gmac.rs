//! Head-end use of `dlms::security`: the HLS-GMAC (mechanism 5) passes 3 and 4 of an
//! association, on the client side, against a simulated meter.
//!
//! 1. AARQ: the client sends its challenge CtoS (random, from the operating system's RNG).
//! 2. AARE: the meter answers with its challenge StoC.
//! 3. The client sends f(StoC) = SC ‖ IC ‖ GMAC(EK, client title ‖ IC, SC ‖ AK ‖ StoC) as the
//!    parameter of ACTION Association LN (0-0:40.0.0.255) method 1, `reply_to_HLS_authentication`.
//! 4. The meter checks it and returns f(CtoS), which the client checks.
//!
//! With `--green-book` the fixed challenges and counters of the DLMS Green Book example are used
//! and the responses match the published values (notes §8.9; vectors SEC-04 and SEC-05).
//!
//! ```sh
//! cargo run -p meterkit-examples --example hls_gmac
//! cargo run -p meterkit-examples --example hls_gmac -- --green-book
//! ```
use dlms::security::{
    Challenge, Counters, Key, KeyId, SecurityContext, SecuritySuite, SendCounter, SystemTitle,
};

const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];
const CLIENT: SystemTitle = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01]);
const METER: SystemTitle = SystemTitle::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E]);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn context(
    own: SystemTitle,
    peer: SystemTitle,
    next_ic: u32,
) -> Result<SecurityContext, dlms::Error> {
    let mut ctx = SecurityContext::new(SecuritySuite::SUITE_0, own)?;
    ctx.set_key(KeyId::GLOBAL_UNICAST_ENCRYPTION, Key::aes128(EK))?;
    ctx.set_key(KeyId::AUTHENTICATION, Key::aes128(AK))?;
    ctx.set_peer_title(Some(peer));
    // A head-end restores the counters it persisted; never lower them.
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
    let mut client = context(CLIENT, METER, client_ic)?;
    let mut meter = context(METER, CLIENT, meter_ic)?;

    println!("client {CLIENT}, meter {METER}, mechanism 5 (HLS-GMAC), suite 0");
    println!("pass 1  AARQ  CtoS    = {}", hex(ctos.as_bytes()));
    println!("pass 2  AARE  StoC    = {}", hex(stoc.as_bytes()));

    // Pass 3: the client answers the meter's challenge.
    let f_stoc = client.hls_gmac_respond(ctos.as_bytes(), stoc.as_bytes())?;
    println!(
        "pass 3  ACTION 0-0:40.0.0.255 method 1, octet-string f(StoC) = {}",
        hex(f_stoc.as_bytes())
    );

    // The meter checks f(StoC) and answers the client's challenge.
    meter.hls_gmac_verify(stoc.as_bytes(), ctos.as_bytes(), f_stoc.as_bytes())?;
    let f_ctos = meter.hls_gmac_respond(stoc.as_bytes(), ctos.as_bytes())?;
    println!(
        "pass 4  ACTION-Response return-parameters f(CtoS) = {}",
        hex(f_ctos.as_bytes())
    );

    // Pass 4: the client checks f(CtoS); the meter's counter is recorded (replays are refused).
    client.hls_gmac_verify(ctos.as_bytes(), stoc.as_bytes(), f_ctos.as_bytes())?;
    println!(
        "association authenticated; client counters to persist: next tx IC {:?}, last rx IC {:?}",
        client.counters().unicast.tx.next(),
        client.counters().unicast.rx.last()
    );
    match client.hls_gmac_verify(ctos.as_bytes(), stoc.as_bytes(), f_ctos.as_bytes()) {
        Err(e) => println!("the same f(CtoS) again: {e}"),
        Ok(()) => return Err("a replayed f(CtoS) was accepted".into()),
    }
    if green_book {
        assert_eq!(hex(f_stoc.as_bytes()), "10000000011A52FE7DD3E72748973C1E28");
        assert_eq!(hex(f_ctos.as_bytes()), "1001234567FE1466AFB3DBCD4F9389E2B7");
        println!("matches the Green Book example");
    }
    Ok(())
}
