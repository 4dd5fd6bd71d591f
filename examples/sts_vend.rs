//! Vending-side use of `sts`: derive a meter's key from the vending key (DKGA04), sell a batch of
//! tokens at a given time, and move the meter past the 2024 TID rollover (new base date, new KRN,
//! key-change set with the rollover bit).
//!
//! ```sh
//! cargo run -p meterkit-examples --example sts_vend
//! ```
use sts::vend::{TokenData, TokenIssuer};
use sts::{
    Algorithm, BaseDate, DateTime, Dkga04, KeyGenerator, KeyType, MeterKeyParams, Pan, Register,
    Utility, VendingKey,
};

/// RND source: the standard library's randomly keyed hasher (any `rand_core::Rng` will do).
struct Rnd(std::collections::hash_map::RandomState, u64);

impl rand_core::TryRng for Rnd {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        use std::hash::BuildHasher;
        self.1 += 1;
        Ok(self.0.hash_one(self.1))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u32()? as u8;
        }
        Ok(())
    }
}

fn main() -> Result<(), sts::Error> {
    // The vending key of the STS 531-1-0-04 compliance tests; a real one lives in an HSM.
    let vk = VendingKey::from_hex("abababababababab949494949494949401234567")?;
    let generator = KeyGenerator::Dkga04(Dkga04::new(&vk)?);
    let meter = MeterKeyParams {
        pan: Pan::from_meter_number("00000000000")?,
        kt: KeyType::Dutk,
        sgc: 123_457,
        ti: 1,
        krn: 1,
        base_date: BaseDate::Y1993,
    };
    let mut issuer = TokenIssuer::from_vending_key(&generator, &meter, Algorithm::Ea11, 255)?;
    let mut rng = Rnd(std::collections::hash_map::RandomState::new(), 0);

    let at: DateTime = "2024-11-20T10:00".parse()?;
    println!(
        "meter {} (KRN {}, base date {})",
        meter.pan,
        meter.krn,
        meter.base_date.year()
    );
    let sale = [
        TokenData::Credit {
            utility: Utility::Electricity,
            tenths: 500, // 50.0 kWh
        },
        TokenData::MaximumPowerLimit { watts: 5_000 },
        TokenData::ClearCredit {
            register: Register::ALL,
        },
    ];
    for t in issuer.issue_batch(&sale, at, &mut rng)? {
        let tid = t
            .tid()
            .map(|t| t.to_datetime(issuer.base_date()).to_string());
        println!(
            "  {}  {:<22} TID at {}",
            t.number,
            t.token.token_type(),
            tid.unwrap_or_default()
        );
    }

    // The 1993 base date ends at 2024-11-24 20:15; move the meter to 2014 with KRN 2.
    println!(
        "rollover of base date 1993 at {}",
        BaseDate::Y1993.rollover()
    );
    let next = MeterKeyParams {
        krn: 2,
        base_date: BaseDate::Y2014,
        ..meter
    };
    let set = issuer.change_key(&generator, &next, 255, false, true)?;
    println!("key change to KRN 2 / base date 2014 (enter all, any order):");
    for t in set.tokens() {
        println!("  {}  {}", t.number, t.token.token_type());
    }
    let after: DateTime = "2024-11-25T08:00".parse()?;
    let t = issuer.issue(
        &TokenData::Credit {
            utility: Utility::Electricity,
            tenths: 200,
        },
        after,
        &mut rng,
    )?;
    println!(
        "  {}  {} (TID {} on base 2014)",
        t.number,
        t.token.token_type(),
        t.tid().map_or(0, |t| t.value())
    );
    Ok(())
}
