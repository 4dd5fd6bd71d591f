//! Meter firmware use of `sts`: a keypad token loop with the decoder state kept in non-volatile
//! memory.
//!
//! The decoder works without heap: fixed TID memory, fixed-size state image. After every
//! accepted or staged token the firmware writes the image back to its NVM (here an array
//! standing in for an EEPROM page), and after a power cycle it restores the decoder from it.
//! The tokens are the STS 531-1-0-04 compliance tokens of NectarAPI/tokens-service (EA11), plus
//! repeats and a typo to show the rejections.
//!
//! ```sh
//! cargo run -p meterkit-examples --example sts_meter
//! cargo run -p meterkit-examples --example sts_meter -- 59386323472137426967   # your own tokens
//! ```
use sts::decoder::{
    Action, DEFAULT_TID_CAPACITY, Decoder, DecoderConfig, MeterKey, Outcome, ResultCode,
};
use sts::{Algorithm, BaseDate, DecoderKey, KeyType, Register};

/// The state image size for the default TID capacity (50).
const NVM_LEN: usize = Decoder::<'static, DEFAULT_TID_CAPACITY>::STATE_LEN;

/// The meter's registers (units in 0.1 kWh etc., currency in 10^-5).
#[derive(Default)]
struct Registers {
    credit: [i64; 8],
    max_power_w: u32,
    tamper: bool,
}

impl Registers {
    fn apply(&mut self, action: &Action) {
        match *action {
            Action::AddCredit { register, amount } => {
                if let Some(r) = self.credit.get_mut(usize::from(register.0)) {
                    *r += amount;
                }
            }
            Action::ClearCredit { register } => {
                for (i, r) in self.credit.iter_mut().enumerate() {
                    if register == Register::ALL || usize::from(register.0) == i {
                        *r = 0;
                    }
                }
            }
            Action::SetMaximumPowerLimit { watts } => self.max_power_w = watts,
            Action::ClearTamper => self.tamper = false,
            _ => {}
        }
    }
}

/// Factory provisioning: the decoder key and attributes loaded at manufacture.
fn factory_state() -> [u8; NVM_LEN] {
    let key = MeterKey {
        // DKGA04 key of PAN 600727000000000009, SGC 123457, TI 01, KRN 1 (STS 531-1-0-04).
        key: DecoderKey::from_hex("f94b6ed353c3bfdb113e2d3a7ea3c41d").expect("valid hex"),
        kt: KeyType::Dutk,
        krn: 1,
        ken: 255,
        ti: 1,
        sgc: Some(123_457),
        base_date: BaseDate::Y1993,
    };
    let decoder: Decoder<'_> =
        Decoder::new(Algorithm::Ea11, key, DecoderConfig::default()).expect("16-byte key");
    let mut nvm = [0u8; NVM_LEN];
    decoder.save(&mut nvm).expect("buffer of STATE_LEN");
    nvm
}

fn main() {
    let mut nvm = factory_state();
    let mut regs = Registers {
        tamper: true,
        ..Registers::default()
    };
    let typed: Vec<String> = std::env::args().skip(1).collect();
    let keypad: Vec<&str> = if typed.is_empty() {
        vec![
            "59386323472137426967", // 0.1 kWh
            "59386323472137426967", // the same again: USED
            "47186281207955155808", // 0.1 kL water
            "59386323472137426968", // a typo: CRC
            "POWER CYCLE",
            "26521936751055502278", // max power 1000 W
            "02455019196514047304", // clear tamper
            "34812744915211133004", // key change, section 1 of 4
            "71464563847088610152", // section 3
            "POWER CYCLE",
            "67904239402617643990", // section 4
            "46903925208523674737", // section 2: the new key is installed
            "52059556253782091701", // made with the old key: CRC
        ]
    } else {
        typed.iter().map(String::as_str).collect()
    };

    // Boot: restore the decoder from NVM.
    let mut meter: Decoder<'_> =
        Decoder::restore(&nvm, Algorithm::Ea11, DecoderConfig::default()).expect("valid image");
    let mut clock = 0u64;
    for entry in keypad {
        if entry == "POWER CYCLE" {
            meter = Decoder::restore(&nvm, Algorithm::Ea11, DecoderConfig::default())
                .expect("valid image");
            println!(
                "-- power cycle: decoder restored ({} TIDs)",
                meter.tids().count()
            );
            continue;
        }
        clock += 60;
        let out = meter.handle_token(entry.as_bytes(), clock, |r| {
            regs.credit.get(usize::from(r.0)).copied().unwrap_or(0)
        });
        let code = out.code();
        match &out {
            Outcome::Accepted { action, .. } => regs.apply(action),
            Outcome::KeyChangePending { staged, .. } => {
                println!("   (key change sections staged: {staged:04b})");
            }
            Outcome::Rejected { .. } => {}
        }
        if matches!(
            code,
            ResultCode::Accept | ResultCode::FirstKct | ResultCode::SecondKct
        ) {
            // Persist before acknowledging, so a power loss cannot replay the token.
            meter.save(&mut nvm).expect("buffer of STATE_LEN");
        }
        println!("{entry} -> {:>2} {}", code.value(), code.name());
    }
    println!(
        "credit: electricity {} x0.1 kWh, water {} x0.1 kL; max power {} W; tamper {}; KRN {}",
        regs.credit[0],
        regs.credit[1],
        regs.max_power_w,
        regs.tamper,
        meter.key().krn
    );
}
