//! `meterkit sts ...`: decode STS tokens, derive decoder keys, generate tokens.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use sts::vend::{KeyChange, TokenData, TokenIssuer};
use sts::{
    Algorithm, AlgorithmCode, BaseDate, DateTime, DecodedToken, DecoderKey, Dkga02, Dkga04,
    KeyGenerator, KeyType, MeterKeyParams, Pan, Register, StaTables, Tid, TokenCipher, TokenNumber,
    TokenRepr, Utility, VendingKey,
    cipher::{decode_unencrypted, encode_unencrypted},
    sta::SAMPLE_TABLES,
};

use crate::Failure;

/// `meterkit sts` subcommands.
#[derive(Debug, Subcommand)]
pub enum StsCommand {
    /// Decode 20-digit tokens into their fields (decryption and CRC check included).
    Decode(DecodeArgs),
    /// Derive a meter's decoder key from the vending key (DKGA02 or DKGA04).
    Keygen(KeygenArgs),
    /// Generate tokens for a meter.
    Generate(GenerateArgs),
}

/// The key of the meter: given directly, or derived from the vending key and meter identity.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Decoder key in hex (8 bytes for EA07/EA09, 16 for EA11), canonical big-endian.
    #[arg(long, conflicts_with = "vending_key")]
    key: Option<String>,
    /// Vending key in hex (8 bytes for DKGA02, 20 bytes for DKGA04).
    #[arg(long, requires_all = ["pan", "kt", "sgc", "ti", "krn", "dkga"])]
    vending_key: Option<String>,
    /// Meter PAN (18 digits) or meter number (11 digits: IIN 600727; 13 digits: IIN 0000).
    #[arg(long)]
    pan: Option<String>,
    /// Key type (0 DITK, 1 DDTK, 2 DUTK, 3 DCTK).
    #[arg(long)]
    kt: Option<u8>,
    /// Supply group code (6 digits).
    #[arg(long)]
    sgc: Option<u32>,
    /// Tariff index (0-99).
    #[arg(long)]
    ti: Option<u8>,
    /// Key revision number (0-9).
    #[arg(long)]
    krn: Option<u8>,
    /// Decoder key generation algorithm.
    #[arg(long, value_parser = ["02", "04"])]
    dkga: Option<String>,
    /// Base date of the meter's TIDs (and a DKGA04 input). Default: the base date in force at
    /// the issue time (generate) or now: 1993 until the TID rollover of 2024-11-24 20:15, 2014
    /// after it.
    #[arg(long, value_parser = parse_base_date)]
    base_date: Option<u16>,
    /// Encryption algorithm.
    #[arg(long, default_value = "07", value_parser = ["07", "7", "09", "9", "11"])]
    ea: String,
    /// STA table file (JSON: {"sample": {"s0", "s1", "p"}, "real": {...}}) for EA07.
    #[arg(long)]
    sta_tables: Option<PathBuf>,
    /// Which table set of the file to use.
    #[arg(long, value_enum, default_value_t = StaSet::Sample)]
    sta_set: StaSet,
}

/// A table set of the STA table file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaSet {
    /// The IEC 62055-41 sample tables (tests only).
    Sample,
    /// The production tables.
    Real,
}

fn parse_base_date(s: &str) -> Result<u16, String> {
    let year: u16 = s.parse().map_err(|_| format!("not a year: {s}"))?;
    BaseDate::from_year(year)
        .map(BaseDate::year)
        .ok_or_else(|| "base date must be 1993, 2014 or 2035".to_string())
}

/// Arguments of `meterkit sts decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Tokens: 20 digits each (spaces and dashes between digits are ignored).
    #[arg(required = true)]
    tokens: Vec<String>,
    #[command(flatten)]
    key: KeyArgs,
    /// Print one JSON object per token.
    #[arg(long)]
    json: bool,
}

/// Arguments of `meterkit sts keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Print a JSON object.
    #[arg(long)]
    json: bool,
}

/// Arguments of `meterkit sts generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Issue date-time, UTC (YYYY-MM-DDTHH:MM); default: now.
    #[arg(long)]
    at: Option<String>,
    /// Last TID issued to this meter: new TIDs come after it.
    #[arg(long)]
    last_tid: Option<u32>,
    /// Key expiry number of the meter's key (tokens past it are refused).
    #[arg(long, default_value_t = 255)]
    ken: u8,
    /// How many tokens (successive TIDs).
    #[arg(long, default_value_t = 1)]
    count: u32,
    /// Fixed RND nibble (default: random).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..16))]
    rnd: Option<u8>,
    /// Print one JSON object per token, with its fields.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    what: GenerateWhat,
}

/// A utility of class 0 tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UtilityArg {
    /// Electricity (kWh).
    Electricity,
    /// Water (kL).
    Water,
    /// Gas (m3).
    Gas,
    /// Time (min).
    Time,
}

impl From<UtilityArg> for Utility {
    fn from(u: UtilityArg) -> Self {
        match u {
            UtilityArg::Electricity => Utility::Electricity,
            UtilityArg::Water => Utility::Water,
            UtilityArg::Gas => Utility::Gas,
            UtilityArg::Time => Utility::Time,
        }
    }
}

/// What to generate.
#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Credit in units (class 0, subclasses 0-3), e.g. `--amount 12.5` (one decimal).
    Credit {
        /// Amount in kWh, kL, m3 or min (at most one decimal; rounded up onto the STS grid).
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// What is credited.
        #[arg(long, value_enum, default_value_t = UtilityArg::Electricity)]
        utility: UtilityArg,
    },
    /// Currency credit (class 0, subclasses 4-7), e.g. `--amount -1.25` (five decimals at most).
    Currency {
        /// Amount in currency units.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// What the currency buys.
        #[arg(long, value_enum, default_value_t = UtilityArg::Electricity)]
        utility: UtilityArg,
    },
    /// Set the maximum power limit (W).
    MaxPower {
        /// Limit in W.
        #[arg(long)]
        watts: u32,
    },
    /// Set the maximum phase power unbalance limit (W).
    PhaseUnbalance {
        /// Limit in W.
        #[arg(long)]
        watts: u32,
    },
    /// Clear a credit register: 0-7 or `all`.
    ClearCredit {
        /// Register number or `all`.
        #[arg(long, default_value = "all")]
        register: String,
    },
    /// Set the tariff rate (raw 16-bit value).
    TariffRate {
        /// The rate.
        #[arg(long)]
        rate: u16,
    },
    /// Set the water meter factor (raw 16-bit value).
    WaterFactor {
        /// The factor.
        #[arg(long)]
        factor: u16,
    },
    /// Clear the tamper condition.
    ClearTamper,
    /// Initiate meter test/display (class 1, not encrypted).
    Test {
        /// Control field in hex (bit n selects test n).
        #[arg(long, default_value = "1")]
        control: String,
        /// Manufacturer code: up to 99 gives subclass 0, larger codes subclass 1.
        #[arg(long, default_value_t = 0)]
        manufacturer_code: u16,
        /// Use subclass 1 (4-digit manufacturer code) even for small codes.
        #[arg(long)]
        four_digit: bool,
    },
    /// A key-change set for a new key, encrypted under the current key.
    KeyChange {
        /// The new decoder key in hex.
        #[arg(long)]
        new_key: String,
        /// New key type.
        #[arg(long, default_value_t = 2)]
        new_kt: u8,
        /// New key revision number.
        #[arg(long)]
        new_krn: u8,
        /// New tariff index.
        #[arg(long)]
        new_ti: u8,
        /// New key expiry number.
        #[arg(long, default_value_t = 255)]
        new_ken: u8,
        /// Set the rollover bit (the meter clears its TID memory; needed for a new base date).
        #[arg(long)]
        rollover: bool,
        /// Supply group code to carry (adds the third token for 8-byte keys; required for EA11).
        #[arg(long)]
        new_sgc: Option<u32>,
    },
}

pub fn run(cmd: StsCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        StsCommand::Decode(args) => decode(&args, out),
        StsCommand::Keygen(args) => keygen(&args, out),
        StsCommand::Generate(args) => generate(&args, out),
    }
}

fn ea_of(args: &KeyArgs) -> AlgorithmCode {
    match args.ea.as_str() {
        "09" | "9" => AlgorithmCode::Ea09,
        "11" => AlgorithmCode::Ea11,
        _ => AlgorithmCode::Ea07,
    }
}

/// The meter's base date: `--base-date`, or the one in force at `at` (the time of use).
fn base_date_of(args: &KeyArgs, at: DateTime) -> Result<BaseDate, Failure> {
    match args.base_date {
        Some(year) => BaseDate::from_year(year)
            .ok_or_else(|| Failure(format!("base date {year}: must be 1993, 2014 or 2035"))),
        None => BaseDate::in_force_at(at).ok_or_else(|| {
            Failure(format!(
                "no base date is in force at {at} (the last, 2035, ends {}); give --base-date",
                BaseDate::Y2035.rollover()
            ))
        }),
    }
}

/// Reads one table set of the STA table file.
fn read_tables(path: &PathBuf, set: StaSet) -> Result<StaTables, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    let name = match set {
        StaSet::Sample => "sample",
        StaSet::Real => "real",
    };
    fn table<const N: usize>(json: &Value, set: &str, name: &str) -> Result<[u8; N], Failure> {
        let values = json[set][name]
            .as_array()
            .ok_or_else(|| Failure(format!("STA table file has no {set}.{name} array")))?;
        let bytes: Vec<u8> = values
            .iter()
            .map(|v| v.as_u64().and_then(|v| u8::try_from(v).ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| Failure(format!("{set}.{name} holds a value that is not 0-255")))?;
        bytes
            .try_into()
            .map_err(|_| Failure(format!("{set}.{name} must have {N} entries")))
    }
    Ok(StaTables::new(
        table(&json, name, "s0")?,
        table(&json, name, "s1")?,
        table(&json, name, "p")?,
    )?)
}

/// The tables chosen by the arguments (the built-in sample set by default).
fn tables_of(args: &KeyArgs) -> Result<Option<StaTables>, Failure> {
    match &args.sta_tables {
        Some(path) => Ok(Some(read_tables(path, args.sta_set)?)),
        None if args.sta_set == StaSet::Real => Err(Failure(
            "--sta-set real needs --sta-tables FILE (the production tables are not built in)"
                .into(),
        )),
        None => Ok(None),
    }
}

fn algorithm<'t>(args: &KeyArgs, tables: &'t Option<StaTables>) -> Algorithm<'t> {
    match ea_of(args) {
        AlgorithmCode::Ea07 => Algorithm::Ea07(tables.as_ref().unwrap_or(&SAMPLE_TABLES)),
        AlgorithmCode::Ea09 => Algorithm::Ea09,
        AlgorithmCode::Ea11 => Algorithm::Ea11,
    }
}

fn params_of(args: &KeyArgs, base_date: BaseDate) -> Result<MeterKeyParams, Failure> {
    let missing = |what: &str| Failure(format!("--{what} is required with --vending-key"));
    let pan_text = args.pan.as_deref().ok_or_else(|| missing("pan"))?;
    let pan = if pan_text.len() == 18 {
        Pan::parse(pan_text)
    } else {
        Pan::from_meter_number(pan_text)
    }
    .map_err(|e| Failure(format!("PAN {pan_text:?}: {e}")))?;
    let kt = args.kt.ok_or_else(|| missing("kt"))?;
    Ok(MeterKeyParams {
        pan,
        kt: KeyType::new(kt).ok_or_else(|| Failure(format!("key type {kt} is not 0-3")))?,
        sgc: args.sgc.ok_or_else(|| missing("sgc"))?,
        ti: args.ti.ok_or_else(|| missing("ti"))?,
        krn: args.krn.ok_or_else(|| missing("krn"))?,
        base_date,
    })
}

fn generator_of(args: &KeyArgs) -> Result<KeyGenerator, Failure> {
    let hex = args.vending_key.as_deref().ok_or_else(|| {
        Failure("give --key HEX, or --vending-key HEX with the meter's identity".into())
    })?;
    let vk = VendingKey::from_hex(hex).map_err(|e| Failure(format!("vending key: {e}")))?;
    Ok(match args.dkga.as_deref() {
        Some("04") => KeyGenerator::Dkga04(Dkga04::new(&vk)?),
        _ => KeyGenerator::Dkga02(Dkga02::new(&vk)?),
    })
}

/// The decoder key: `--key`, or derived from the vending key.
fn decoder_key(args: &KeyArgs, base_date: BaseDate) -> Result<DecoderKey, Failure> {
    if let Some(hex) = &args.key {
        return DecoderKey::from_hex(hex).map_err(|e| Failure(format!("decoder key: {e}")));
    }
    let generator = generator_of(args)?;
    Ok(generator.derive(&params_of(args, base_date)?, ea_of(args))?)
}

fn warn_sample(args: &KeyArgs) {
    if ea_of(args) == AlgorithmCode::Ea07 && args.sta_set == StaSet::Sample {
        eprintln!(
            "meterkit: note: EA07 with the IEC sample STA tables (test tables, not production)"
        );
    }
}

/// Whether the arguments name a key (`--key`, or `--vending-key` with the meter's identity).
fn has_key(args: &KeyArgs) -> bool {
    args.key.is_some() || args.vending_key.is_some()
}

fn decode(args: &DecodeArgs, out: &mut dyn Write) -> Result<(), Failure> {
    // Class 1 tokens are not encrypted (IEC 62055-41 6.3): they decode without a key, and
    // with one. Classes 0 and 2 need the meter's key.
    let tables = tables_of(&args.key)?;
    let base = base_date_of(&args.key, now_utc()?)?;
    let cipher = if has_key(&args.key) {
        let key = decoder_key(&args.key, base)?;
        Some(TokenCipher::new(algorithm(&args.key, &tables), &key)?)
    } else {
        None
    };
    let mut warned = false;
    for text in &args.tokens {
        let number: TokenNumber = text
            .parse()
            .map_err(|e| Failure(format!("{text:?}: {e}")))?;
        let decoded = if number.class().is_encrypted() {
            let cipher = cipher.as_ref().ok_or_else(|| {
                Failure(format!(
                    "{text:?}: a class {} token is encrypted: give --key HEX, or --vending-key \
                     HEX with the meter's identity (only class 1 tokens decode without a key)",
                    number.class().bits()
                ))
            })?;
            if !warned {
                warn_sample(&args.key);
                warned = true;
            }
            cipher.decode(number)
        } else {
            decode_unencrypted(number)
        }
        .map_err(|e| Failure(format!("{text:?}: {e}")))?;
        let ea = cipher.as_ref().map(TokenCipher::algorithm_code);
        let fields = token_json(&decoded, ea, base);
        if args.json {
            writeln!(out, "{}", Value::Object(fields))?;
        } else {
            write_tree(out, &fields)?;
        }
    }
    Ok(())
}

fn hex(v: u64, digits: usize) -> Value {
    Value::from(format!("{v:0digits$x}"))
}

/// `raw · 10^scale` as an exact decimal string.
fn scaled(raw: i128, scale: u32) -> String {
    if scale == 0 {
        return raw.to_string();
    }
    let unit = 10i128.pow(scale);
    let sign = if raw < 0 { "-" } else { "" };
    let (int, frac) = (raw.abs() / unit, raw.abs() % unit);
    format!("{sign}{int}.{frac:0width$}", width = scale as usize)
}

fn amount_json(unit: &str, scale: i32, raw: i128) -> Value {
    json!({
        "unit": unit,
        "scale": scale,
        "raw": raw.to_string(),
        "value": scaled(raw, scale.unsigned_abs()),
    })
}

/// The fields of a decoded token, named as in the shared STS vector records.
///
/// `ea` is the algorithm the token was decrypted with; `None` for a class 1 token decoded
/// without a key.
fn token_json(d: &DecodedToken, ea: Option<AlgorithmCode>, base: BaseDate) -> Map<String, Value> {
    let mut m = Map::new();
    let t = &d.token;
    m.insert("token".into(), d.number.to_string().into());
    m.insert("class".into(), d.class.bits().into());
    m.insert("subclass".into(), t.subclass().into());
    m.insert("token_type".into(), t.token_type().into());
    m.insert(
        "encryption_algorithm".into(),
        match ea {
            Some(ea) if d.class.is_encrypted() => ea.code_str().into(),
            _ => Value::Null,
        },
    );
    m.insert(
        "token_66bit".into(),
        Value::from(format!("{:018x}", d.number.value())),
    );
    m.insert("ciphertext_block".into(), hex(d.ciphertext, 16));
    m.insert("plaintext_block".into(), hex(d.plaintext, 16));
    m.insert("crc".into(), hex(d.crc().into(), 4));
    m.insert("crc_kind".into(), t.crc_kind().name().into());
    let tid_fields = |m: &mut Map<String, Value>, rnd: u8, tid: Tid, field16: u16| {
        m.insert("rnd".into(), rnd.into());
        m.insert("tid".into(), tid.value().into());
        m.insert("tid_base_date".into(), base.year().into());
        m.insert(
            "tid_datetime".into(),
            tid.to_datetime(base).to_string().into(),
        );
        m.insert("field16".into(), hex(field16.into(), 4));
    };
    match *t {
        TokenRepr::TransferCredit {
            utility,
            rnd,
            tid,
            amount,
        } => {
            tid_fields(&mut m, rnd, tid, amount.field());
            m.insert("amount_field".into(), hex(amount.field().into(), 4));
            m.insert(
                "amount".into(),
                amount_json(utility.unit(), -1, amount.value().into()),
            );
        }
        TokenRepr::TransferCurrency { tid, amount, .. } => {
            tid_fields(
                &mut m,
                (amount.field() >> 16) as u8,
                tid,
                amount.field() as u16,
            );
            m.remove("rnd");
            m.insert(
                "sign_exponent".into(),
                ((amount.field() >> 16) as u8).into(),
            );
            m.insert("amount_field".into(), hex(amount.field().into(), 5));
            m.insert("amount".into(), amount_json("currency", -5, amount.value()));
        }
        TokenRepr::SetMaximumPowerLimit { rnd, tid, limit }
        | TokenRepr::SetMaximumPhasePowerUnbalanceLimit { rnd, tid, limit } => {
            tid_fields(&mut m, rnd, tid, limit.field());
            m.insert("amount_field".into(), hex(limit.field().into(), 4));
            m.insert("amount".into(), amount_json("W", 0, limit.value().into()));
        }
        TokenRepr::ClearCredit { rnd, tid, register } => {
            tid_fields(&mut m, rnd, tid, register.0);
            m.insert(
                "register_to_clear".into(),
                json!({"value": register.0, "meaning": register.name().unwrap_or("undefined")}),
            );
        }
        TokenRepr::SetTariffRate { rnd, tid, rate } => {
            tid_fields(&mut m, rnd, tid, rate);
            m.insert("rate".into(), rate.into());
        }
        TokenRepr::ClearTamperCondition { rnd, tid, pad } => {
            tid_fields(&mut m, rnd, tid, pad);
            m.insert("pad".into(), pad.into());
        }
        TokenRepr::SetWaterMeterFactor { rnd, tid, factor } => {
            tid_fields(&mut m, rnd, tid, factor);
            m.insert("factor".into(), factor.into());
        }
        TokenRepr::InitiateMeterTest1 {
            control,
            manufacturer_code,
        } => {
            m.insert("control".into(), hex(control, 10));
            m.insert("manufacturer_code".into(), hex(manufacturer_code.into(), 2));
        }
        TokenRepr::InitiateMeterTest2 {
            control,
            manufacturer_code,
        } => {
            m.insert("control".into(), hex(control.into(), 8));
            m.insert("manufacturer_code".into(), hex(manufacturer_code.into(), 4));
        }
        TokenRepr::Set1stSectionDecoderKey {
            kenho,
            krn,
            ro,
            res,
            kt,
            nkho,
        } => {
            m.insert("kenho".into(), kenho.into());
            m.insert("krn".into(), krn.into());
            m.insert("ro".into(), u8::from(ro).into());
            m.insert("res".into(), u8::from(res).into());
            m.insert("kt".into(), kt.bits().into());
            m.insert("nkho".into(), hex(nkho.into(), 8));
        }
        TokenRepr::Set2ndSectionDecoderKey { kenlo, ti, nklo } => {
            m.insert("kenlo".into(), kenlo.into());
            m.insert("ti".into(), ti.into());
            m.insert("nklo".into(), hex(nklo.into(), 8));
        }
        TokenRepr::Set3rdSectionDecoderKey { sgc_part, key_part } => {
            match (ea, t.third_section_sgc()) {
                (Some(AlgorithmCode::Ea11), _) | (_, None) => {
                    m.insert("sgc_low12".into(), hex(sgc_part.into(), 4));
                    m.insert("nk_bytes_4_7".into(), hex(key_part.into(), 8));
                }
                (_, Some(sgc)) => {
                    m.insert("sgc".into(), Value::from(format!("{sgc:06}")));
                }
            }
        }
        TokenRepr::Set4thSectionDecoderKey {
            sgc_high12,
            nk_bytes_8_11,
        } => {
            m.insert("sgc_high12".into(), hex(sgc_high12.into(), 4));
            m.insert("nk_bytes_8_11".into(), hex(nk_bytes_8_11.into(), 8));
        }
        TokenRepr::Other { payload, .. } => {
            m.insert("payload".into(), hex(payload, 11));
        }
    }
    m
}

/// The human-readable form: the token, then one field per line.
fn write_tree(out: &mut dyn Write, fields: &Map<String, Value>) -> std::io::Result<()> {
    writeln!(out, "{}", fields["token"].as_str().unwrap_or_default())?;
    for (k, v) in fields {
        if k == "token" {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Object(o) if o.contains_key("unit") => format!(
                "{} {} (raw {}, 10^{})",
                o["value"].as_str().unwrap_or_default(),
                o["unit"].as_str().unwrap_or_default(),
                o["raw"].as_str().unwrap_or_default(),
                o["scale"]
            ),
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        writeln!(out, "  {k}: {text}")?;
    }
    Ok(())
}

fn keygen(args: &KeygenArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if args.key.key.is_some() {
        return Err(Failure(
            "keygen derives the key: give --vending-key, not --key".into(),
        ));
    }
    let generator = generator_of(&args.key)?;
    let params = params_of(&args.key, base_date_of(&args.key, now_utc()?)?)?;
    let ea = ea_of(&args.key);
    let key = generator.derive(&params, ea)?;
    if !args.json {
        writeln!(out, "{}", key.reveal_hex())?;
        return Ok(());
    }
    let mut m = Map::new();
    m.insert("decoder_key".into(), key.reveal_hex().to_string().into());
    m.insert("encryption_algorithm".into(), ea.code_str().into());
    m.insert("pan".into(), params.pan.as_str().into());
    m.insert("iin".into(), params.pan.iin().into());
    m.insert("drn".into(), params.pan.drn().into());
    m.insert("kt".into(), params.kt.bits().into());
    m.insert("sgc".into(), Value::from(format!("{:06}", params.sgc)));
    m.insert("ti".into(), Value::from(format!("{:02}", params.ti)));
    m.insert("krn".into(), params.krn.into());
    match generator {
        KeyGenerator::Dkga02(_) => {
            m.insert("dkga".into(), "02".into());
            m.insert("pan_block".into(), hex(params.pan.pan_block(params.kt), 16));
            m.insert("control_block".into(), hex(params.control_block(), 16));
        }
        KeyGenerator::Dkga04(_) => {
            m.insert("dkga".into(), "04".into());
            m.insert("base_date".into(), params.base_date.year().into());
            let input: String = params
                .dkga04_input(ea)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            m.insert("hmac_input".into(), input.into());
        }
    }
    writeln!(out, "{}", Value::Object(m))?;
    Ok(())
}

/// Parses a decimal amount with at most `scale` decimals into an integer count of 10^-scale.
fn parse_decimal(text: &str, scale: u32) -> Result<i128, Failure> {
    let bad = || {
        Failure(format!(
            "amount {text:?}: expected a decimal number with at most {scale} decimals"
        ))
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty()
        || frac.len() > scale as usize
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.len() > 30
    {
        return Err(bad());
    }
    let int: i128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let frac_value: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    let frac_scaled = frac_value * 10i128.pow(scale - frac.len() as u32);
    let v = int
        .checked_mul(10i128.pow(scale))
        .and_then(|v| v.checked_add(frac_scaled))
        .ok_or_else(bad)?;
    Ok(if negative { -v } else { v })
}

/// A random source for the RND nibble (the standard library's randomly keyed hasher).
struct StdRng(std::collections::hash_map::RandomState, u64);

impl rand_core::TryRng for StdRng {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        use std::hash::BuildHasher;
        self.1 += 1;
        Ok(self.0.hash_one(self.1))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

/// An RND source that always gives `0`..`15`.
struct FixedRnd(u8);

impl rand_core::TryRng for FixedRnd {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0.into())
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.into())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(self.0);
        Ok(())
    }
}

fn now_utc() -> Result<DateTime, Failure> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure(format!("system clock: {e}")))?
        .as_secs();
    Ok(DateTime::from_unix_seconds(secs)?)
}

/// Class 1 test/display tokens: not encrypted (IEC 62055-41 6.3), so no key is needed.
fn generate_test(
    args: &GenerateArgs,
    control: &str,
    manufacturer_code: u16,
    four_digit: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let control = u64::from_str_radix(control, 16)
        .map_err(|_| Failure(format!("control {control:?}: expected hex")))?;
    let repr = if four_digit || manufacturer_code > 99 {
        TokenRepr::InitiateMeterTest2 {
            control: u32::try_from(control)
                .map_err(|_| Failure("control has more than 28 bits".into()))?,
            manufacturer_code,
        }
    } else {
        TokenRepr::InitiateMeterTest1 {
            control,
            manufacturer_code: manufacturer_code as u8,
        }
    };
    let number = encode_unencrypted(&repr)?;
    for _ in 0..args.count {
        if args.json {
            let d = decode_unencrypted(number)?;
            let fields = token_json(&d, None, base_date_of(&args.key, now_utc()?)?);
            writeln!(out, "{}", Value::Object(fields))?;
        } else {
            writeln!(out, "{number}")?;
        }
    }
    Ok(())
}

fn generate(args: &GenerateArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if let GenerateWhat::Test {
        control,
        manufacturer_code,
        four_digit,
    } = &args.what
    {
        return generate_test(args, control, *manufacturer_code, *four_digit, out);
    }
    let tables = tables_of(&args.key)?;
    let alg = algorithm(&args.key, &tables);
    let at = match &args.at {
        Some(text) => text.parse::<DateTime>()?,
        None => now_utc()?,
    };
    let base = base_date_of(&args.key, at)?;
    let key = decoder_key(&args.key, base)?;
    let mut issuer = TokenIssuer::new(alg, &key, base, args.ken)?
        .with_last_tid(args.last_tid.map(Tid::new).transpose()?);
    if let Some(kt) = args.key.kt.and_then(KeyType::new) {
        issuer = issuer.with_key_type(kt);
    }
    warn_sample(&args.key);
    let mut emit = |issued: TokenNumber| -> Result<(), Failure> {
        if args.json {
            let d = issuer_decode(&alg, &key, issued)?;
            writeln!(
                out,
                "{}",
                Value::Object(token_json(&d, Some(alg.code()), base))
            )?;
        } else {
            writeln!(out, "{issued}")?;
        }
        Ok(())
    };
    let data = match &args.what {
        GenerateWhat::Credit { amount, utility } => {
            let tenths = parse_decimal(amount, 1)?;
            let tenths = u32::try_from(tenths)
                .map_err(|_| Failure(format!("amount {amount:?} out of range")))?;
            TokenData::Credit {
                utility: (*utility).into(),
                tenths,
            }
        }
        GenerateWhat::Currency { amount, utility } => TokenData::Currency {
            utility: (*utility).into(),
            amount: parse_decimal(amount, 5)?,
        },
        GenerateWhat::MaxPower { watts } => TokenData::MaximumPowerLimit { watts: *watts },
        GenerateWhat::PhaseUnbalance { watts } => {
            TokenData::MaximumPhasePowerUnbalanceLimit { watts: *watts }
        }
        GenerateWhat::ClearCredit { register } => TokenData::ClearCredit {
            register: if register == "all" {
                Register::ALL
            } else {
                Register(register.parse().map_err(|_| {
                    Failure(format!("register {register:?}: expected 0-65535 or all"))
                })?)
            },
        },
        GenerateWhat::TariffRate { rate } => TokenData::TariffRate { rate: *rate },
        GenerateWhat::WaterFactor { factor } => TokenData::WaterMeterFactor { factor: *factor },
        GenerateWhat::ClearTamper => TokenData::ClearTamper,
        // Handled before the key is read; kept here so that the match stays exhaustive.
        GenerateWhat::Test {
            control,
            manufacturer_code,
            four_digit,
        } => return generate_test(args, control, *manufacturer_code, *four_digit, out),
        GenerateWhat::KeyChange {
            new_key,
            new_kt,
            new_krn,
            new_ti,
            new_ken,
            rollover,
            new_sgc,
        } => {
            let change = KeyChange {
                key: DecoderKey::from_hex(new_key).map_err(|e| Failure(format!("new key: {e}")))?,
                kt: KeyType::new(*new_kt)
                    .ok_or_else(|| Failure(format!("key type {new_kt} is not 0-3")))?,
                krn: *new_krn,
                ken: *new_ken,
                ti: *new_ti,
                rollover: *rollover,
                sgc: *new_sgc,
            };
            for t in issuer.key_change_set(&change)?.tokens() {
                emit(t.number)?;
            }
            return Ok(());
        }
    };
    let mut std_rng = StdRng(std::collections::hash_map::RandomState::new(), 0);
    let mut fixed = FixedRnd(args.rnd.unwrap_or(0));
    for _ in 0..args.count {
        let issued = match args.rnd {
            Some(_) => issuer.issue(&data, at, &mut fixed)?,
            None => issuer.issue(&data, at, &mut std_rng)?,
        };
        emit(issued.number)?;
    }
    Ok(())
}

fn issuer_decode(
    alg: &Algorithm<'_>,
    key: &DecoderKey,
    number: TokenNumber,
) -> Result<DecodedToken, Failure> {
    Ok(TokenCipher::new(*alg, key)?.decode(number)?)
}
