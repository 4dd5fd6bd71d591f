//! `meterkit dlms ...`: decode HDLC frames (IEC 62056-46), wrapper PDUs (IEC 62056-47) and
//! bare APDUs from hex.
//!
//! JSON output uses the field names of the `expect` objects of the shared DLMS vectors (kinds
//! `hdlc-frame`, `wrapper`, `apdu` and `cipher`): one object per frame, one object with
//! `frames`, `reassembled_apdu` and `apdu` per segmented sequence, one object per wrapper PDU.
//! General-block-transfer blocks in consecutive frames, wrapper PDUs or bare APDUs (a push cut
//! into GBT blocks, one per HDLC UI frame, as Landis+Gyr E450 meters send) are reassembled:
//! one object with `frames` (the per-frame objects), `gbt_blocks`, `reassembled_apdu` and
//! `apdu`, the reassembled APDU decoded (and decrypted, with keys).
//!
//! With keys (`--ek`, `--ak`, `--system-title`, `--dedicated-key`, `--kek`), every ciphered APDU
//! is also shown decrypted (`iv`, `plaintext`, `auth_tag_verified`, `plaintext_apdu`); a wrong
//! key is a one-line error. Keys are never printed.

use std::fmt::Write as _;
use std::io::{Read, Write};

use clap::{Args, Subcommand, ValueEnum};
use dlms::Scan;
use dlms::apdu::GeneralBlockTransfer;
use dlms::gbt::{GbtReassembler, GbtStatus};
use dlms::hdlc::{
    Address, Control, FormatField, FrameType, FrmrInfo, HdlcFrame, Llc, ParametersRepr, parameters,
    scan,
};
use dlms::wrapper::WrapperPdu;
use serde_json::{Map, Value, json};

use crate::Failure;
use crate::apdu_view::{self, ApduView, Keys};
use dlms::security::{Key, SystemTitle};

/// `meterkit dlms` subcommands.
#[derive(Debug, Subcommand)]
pub enum DlmsCommand {
    /// Decode HDLC frames, wrapper PDUs or a bare APDU given in hex.
    Decode(DecodeArgs),
}

/// What the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputKind {
    /// HDLC frames if the input starts with 0x7E, wrapper PDUs if it starts with a wrapper
    /// header, else a bare APDU.
    Auto,
    /// One or more HDLC frames (IEC 62056-46).
    Hdlc,
    /// One or more wrapper PDUs (IEC 62056-47).
    Wrapper,
    /// One APDU.
    Apdu,
}

/// Arguments of `meterkit dlms decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The bytes in hex (spaces, colons and a 0x prefix allowed; several arguments are joined).
    /// Read from standard input when absent.
    hex: Vec<String>,
    /// Print one JSON object per frame, segmented sequence, wrapper PDU or APDU.
    #[arg(long)]
    json: bool,
    /// What the input is.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    kind: InputKind,
    /// The sender's system title (8 bytes hex), for glo-/ded- APDUs and general-glo-ciphering
    /// with an empty title.
    #[arg(long, value_name = "HEX")]
    system_title: Option<String>,
    /// The global encryption key (16 or 32 bytes hex): decrypt ciphered APDUs with it.
    #[arg(long, value_name = "HEX")]
    ek: Option<String>,
    /// The authentication key (16 or 32 bytes hex); without it tags are not verified.
    #[arg(long, value_name = "HEX")]
    ak: Option<String>,
    /// The dedicated key (16 or 32 bytes hex), for ded- APDUs.
    #[arg(long, value_name = "HEX")]
    dedicated_key: Option<String>,
    /// The master key (KEK, 16 or 32 bytes hex), for general-ciphering wrapped keys.
    #[arg(long, value_name = "HEX")]
    kek: Option<String>,
}

/// The keys of the command line, `None` when none was given.
fn keys(args: &DecodeArgs) -> Result<Option<Keys>, Failure> {
    fn key(flag: &str, text: Option<&String>) -> Result<Option<Key>, Failure> {
        text.map(|t| {
            let bytes = parse_hex(t).map_err(|Failure(e)| Failure(format!("{flag}: {e}")))?;
            Key::from_slice(&bytes).map_err(|_| {
                Failure(format!(
                    "{flag}: a key is 16 or 32 bytes (32 or 64 hex digits), not {}",
                    bytes.len()
                ))
            })
        })
        .transpose()
    }
    let system_title = args
        .system_title
        .as_ref()
        .map(|t| {
            let bytes =
                parse_hex(t).map_err(|Failure(e)| Failure(format!("--system-title: {e}")))?;
            SystemTitle::from_slice(&bytes).map_err(|_| {
                Failure(format!(
                    "--system-title: a system title is 8 bytes (16 hex digits), not {}",
                    bytes.len()
                ))
            })
        })
        .transpose()?;
    let keys = Keys {
        system_title,
        ek: key("--ek", args.ek.as_ref())?,
        ak: key("--ak", args.ak.as_ref())?,
        dedicated: key("--dedicated-key", args.dedicated_key.as_ref())?,
        kek: key("--kek", args.kek.as_ref())?,
    };
    let any_key =
        keys.ek.is_some() || keys.ak.is_some() || keys.dedicated.is_some() || keys.kek.is_some();
    Ok(any_key.then_some(keys))
}

pub fn run(cmd: DlmsCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        DlmsCommand::Decode(args) => decode(&args, out),
    }
}

fn decode(args: &DecodeArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let text = if args.hex.is_empty() {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure(format!("cannot read standard input: {e}")))?;
        s
    } else {
        args.hex.join(" ")
    };
    let keys = keys(args)?;
    let keys = keys.as_ref();
    let bytes = parse_hex(&text)?;
    if bytes.is_empty() {
        return Err(Failure("no input bytes".to_string()));
    }
    let kind = match args.kind {
        InputKind::Auto => detect(&bytes),
        k => k,
    };
    let items = match kind {
        InputKind::Hdlc => hdlc_items(&bytes, keys)?,
        InputKind::Wrapper => wrapper_items(&bytes, keys)?,
        InputKind::Apdu | InputKind::Auto => apdu_items(&bytes, keys)?,
    };
    for item in items {
        if args.json {
            writeln!(out, "{}", item.json)?;
        } else {
            writeln!(out, "{}", item.tree)?;
        }
    }
    Ok(())
}

/// One decoded item, in both renderings.
struct Item {
    json: Value,
    tree: String,
}

/// Parses hex with optional separators and `0x` prefixes.
fn parse_hex(text: &str) -> Result<Vec<u8>, Failure> {
    let mut digits = Vec::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() || c == ':' || c == '-' || c == ',' {
            continue;
        }
        if c == '0' && matches!(chars.peek(), Some((_, 'x' | 'X'))) && digits.len() % 2 == 0 {
            chars.next();
            continue;
        }
        let Some(d) = c.to_digit(16) else {
            return Err(Failure(format!(
                "not a hex digit {c:?} at character {i} of the input"
            )));
        };
        digits.push(d as u8);
    }
    if digits.len() % 2 != 0 {
        return Err(Failure(format!(
            "odd number of hex digits ({}): the last byte is incomplete",
            digits.len()
        )));
    }
    Ok(digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect())
}

fn detect(bytes: &[u8]) -> InputKind {
    match bytes {
        [0x7E, ..] => InputKind::Hdlc,
        [0x00, 0x01, _, _, _, _, hi, lo, rest @ ..]
            if rest.len() >= usize::from(u16::from_be_bytes([*hi, *lo])) =>
        {
            InputKind::Wrapper
        }
        _ => InputKind::Apdu,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

fn spaced(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Indents every line of `text` by `n` spaces.
fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- APDUs -------------------------------------------------------------------------------

/// Bare APDUs: one APDU, or general-block-transfer APDUs one after another (reassembled).
fn apdu_items(bytes: &[u8], keys: Option<&Keys>) -> Result<Vec<Item>, Failure> {
    if bytes.first() != Some(&GeneralBlockTransfer::TAG) {
        return Ok(vec![apdu_item(bytes, keys)?]);
    }
    let mut items = Vec::new();
    let mut gbt = GbtGroup::new(bytes.len());
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let (block, len) = GeneralBlockTransfer::parse_prefix(rest)
            .map_err(|e| Failure(format!("APDU at offset {pos}: {e}")))?;
        let item = apdu_item(&rest[..len], keys)?;
        gbt.add(
            item,
            &block,
            &format!("APDU at offset {pos}"),
            keys,
            &mut items,
        )?;
        pos += len;
    }
    gbt.finish()?;
    Ok(items)
}

/// A bare APDU: its JSON is the decoded APDU itself (the `expect` object of an `apdu` vector).
fn apdu_item(bytes: &[u8], keys: Option<&Keys>) -> Result<Item, Failure> {
    let view = apdu_view::view_with_keys(bytes, keys).map_err(|e| Failure(format!("APDU: {e}")))?;
    Ok(Item {
        json: view.json,
        tree: format!("apdu, {} bytes\n{}", bytes.len(), indent(&view.tree, 2)),
    })
}

/// The APDU rendering for embedding: JSON (null when it does not decode) and a tree.
///
/// # Errors
/// When the APDU decodes but a ciphered APDU in it does not unprotect with `keys`.
fn embedded_apdu(
    apdu: &[u8],
    keys: Option<&Keys>,
) -> Result<(Value, String, Option<String>), Failure> {
    match apdu_view::view(apdu) {
        Err(e) => Ok((Value::Null, format!("not an APDU: {e}"), Some(e))),
        Ok(plain) if keys.is_none() => Ok((plain.json, plain.tree, None)),
        Ok(_) => {
            let ApduView { json, tree } =
                apdu_view::view_with_keys(apdu, keys).map_err(|e| Failure(format!("APDU: {e}")))?;
            Ok((json, tree, None))
        }
    }
}

// ---- general block transfer ---------------------------------------------------------------

/// The general-block-transfer block an APDU is, if it is one.
fn gbt_block(apdu: &[u8]) -> Option<GeneralBlockTransfer<'_>> {
    match apdu.first() {
        Some(&GeneralBlockTransfer::TAG) => GeneralBlockTransfer::parse(apdu).ok(),
        _ => None,
    }
}

/// The blocks of one GBT-carried APDU, collected across frames, wrapper PDUs or bare APDUs,
/// reassembled by `dlms::gbt` (which checks the block numbers and the last-block flag).
struct GbtGroup {
    reassembler: GbtReassembler<Vec<u8>>,
    frames: Vec<Value>,
    texts: Vec<String>,
    blocks: Vec<Value>,
}

impl GbtGroup {
    /// A group for APDUs of at most `capacity` bytes (the input's length bounds them).
    fn new(capacity: usize) -> Self {
        GbtGroup {
            reassembler: GbtReassembler::new(vec![0; capacity]),
            frames: Vec::new(),
            texts: Vec::new(),
            blocks: Vec::new(),
        }
    }

    /// Adds the unit `item` (a frame, PDU or APDU) that carries `block`; pushes the
    /// reassembled item onto `items` after the last block. An acknowledgement (no data, not
    /// the last block) is shown on its own.
    fn add(
        &mut self,
        item: Item,
        block: &GeneralBlockTransfer<'_>,
        place: &str,
        keys: Option<&Keys>,
        items: &mut Vec<Item>,
    ) -> Result<(), Failure> {
        if block.block_data.is_empty() && !block.last_block() {
            items.push(item);
            return Ok(());
        }
        let whole = match self.reassembler.push(block) {
            Ok(GbtStatus::Complete(whole)) => Some(whole.to_vec()),
            Ok(GbtStatus::Partial { .. } | GbtStatus::Skipped { .. }) => None,
            Err(e) => return Err(Failure(format!("{place}: {e}"))),
        };
        self.frames.push(item.json);
        self.texts.push(indent(&item.tree, 2));
        self.blocks.push(json!({
            "block_control": block.block_control,
            "last_block": block.last_block(),
            "streaming": block.streaming(),
            "window": block.window(),
            "block_number": block.block_number,
            "block_number_ack": block.block_number_ack,
            "block_data": hex(block.block_data),
        }));
        if let Some(apdu) = whole {
            items.push(self.item(&apdu, keys)?);
        }
        Ok(())
    }

    /// The reassembled APDU with its blocks; empties the group.
    fn item(&mut self, apdu: &[u8], keys: Option<&Keys>) -> Result<Item, Failure> {
        let (apdu_json, apdu_tree, _) = embedded_apdu(apdu, keys)?;
        let frames = std::mem::take(&mut self.frames);
        let blocks = std::mem::take(&mut self.blocks);
        let texts = std::mem::take(&mut self.texts);
        let block_lines: Vec<String> = blocks
            .iter()
            .map(|b| {
                format!(
                    "  block {}: control 0x{:02X}{}{}, window {}, ack {}, {} bytes",
                    b["block_number"],
                    b["block_control"].as_u64().unwrap_or_default(),
                    if b["last_block"] == true {
                        ", last"
                    } else {
                        ""
                    },
                    if b["streaming"] == true {
                        ", streaming"
                    } else {
                        ""
                    },
                    b["window"],
                    b["block_number_ack"],
                    b["block_data"].as_str().map_or(0, |h| h.len() / 2),
                )
            })
            .collect();
        let tree = format!(
            "general block transfer, {} blocks, {} bytes of APDU\n{}\n{}\n  reassembled apdu:\n{}",
            blocks.len(),
            apdu.len(),
            texts.join("\n"),
            block_lines.join("\n"),
            indent(&apdu_tree, 4)
        );
        let json = json!({
            "frames": frames,
            "gbt_blocks": blocks,
            "reassembled_apdu": hex(apdu),
            "apdu": apdu_json,
        });
        Ok(Item { json, tree })
    }

    /// Fails when blocks are buffered but something other than a block comes at `place`.
    fn check_closed(&self, place: &str) -> Result<(), Failure> {
        if self.reassembler.in_progress() {
            let ack = self.reassembler.ack();
            return Err(Failure(format!(
                "{place}: not a general-block-transfer block, but block {} of the APDU in blocks 1..{ack} is missing (the last block never came)",
                ack + 1
            )));
        }
        Ok(())
    }

    /// Fails when the input ended before the last block.
    fn finish(&self) -> Result<(), Failure> {
        if self.reassembler.in_progress() {
            let ack = self.reassembler.ack();
            return Err(Failure(format!(
                "general-block-transfer: the input ends after block {ack}; block {} (and the last block) is missing",
                ack + 1
            )));
        }
        Ok(())
    }
}

// ---- wrapper -----------------------------------------------------------------------------

fn wrapper_items(bytes: &[u8], keys: Option<&Keys>) -> Result<Vec<Item>, Failure> {
    let mut items = Vec::new();
    let mut gbt = GbtGroup::new(bytes.len());
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        match dlms::wrapper::scan(rest) {
            Scan::Complete { offset, len } => {
                let pdu = WrapperPdu::new_unchecked(&rest[offset..offset + len]);
                let item = wrapper_item(&pdu, pos, keys)?;
                let place = format!("wrapper PDU at offset {pos}");
                match gbt_block(pdu.apdu()) {
                    Some(block) => gbt.add(item, &block, &place, keys, &mut items)?,
                    None => {
                        gbt.check_closed(&place)?;
                        items.push(item);
                    }
                }
                pos += offset + len;
            }
            Scan::Incomplete { needed } => {
                return Err(Failure(format!(
                    "wrapper PDU at offset {pos}: truncated, {needed} more byte(s) needed"
                )));
            }
            Scan::Invalid { error, .. } => {
                return Err(Failure(format!("wrapper PDU at offset {pos}: {error}")));
            }
        }
    }
    gbt.finish()?;
    Ok(items)
}

fn wrapper_item(
    pdu: &WrapperPdu<&[u8]>,
    offset: usize,
    keys: Option<&Keys>,
) -> Result<Item, Failure> {
    let apdu = pdu.apdu();
    let (apdu_json, apdu_tree, _) = embedded_apdu(apdu, keys)?;
    let json = json!({
        "version": pdu.version(),
        "source_wport": pdu.source_wport(),
        "destination_wport": pdu.destination_wport(),
        "length": pdu.length(),
        "apdu_hex": hex(apdu),
        "apdu": apdu_json,
    });
    let tree = format!(
        "wrapper pdu, {} bytes at offset {offset}\n  version: {}\n  source wPort: {}\n  destination wPort: {}\n  length: {}\n  apdu:\n{}",
        pdu.total_len(),
        pdu.version(),
        pdu.source_wport(),
        pdu.destination_wport(),
        pdu.length(),
        indent(&apdu_tree, 4)
    );
    Ok(Item { json, tree })
}

// ---- HDLC --------------------------------------------------------------------------------

/// Splits the input into frames; every byte must belong to a valid frame (or be a flag).
fn split_frames(bytes: &[u8]) -> Result<Vec<(usize, &[u8])>, Failure> {
    let mut frames = Vec::new();
    let mut pos = 0;
    loop {
        let rest = &bytes[pos..];
        if rest.iter().all(|&b| b == 0x7E) {
            if frames.is_empty() {
                return Err(Failure("no HDLC frame in the input".to_string()));
            }
            return Ok(frames);
        }
        match scan(rest) {
            Scan::Complete { offset, len } => {
                frames.push((pos + offset, &rest[offset..offset + len]));
                // The closing flag may open the next frame.
                pos += offset + len - 1;
            }
            Scan::Incomplete { .. } | Scan::Invalid { .. } => return Err(frame_error(bytes, pos)),
        }
    }
}

/// Says what is wrong with the frame at `pos` and where.
fn frame_error(bytes: &[u8], pos: usize) -> Failure {
    let rest = &bytes[pos..];
    let Some(&first) = rest.first() else {
        return Failure(format!("input offset {pos}: end of input"));
    };
    if first != 0x7E {
        return Failure(format!(
            "input offset {pos}: expected the HDLC flag 0x7E, found 0x{first:02X}"
        ));
    }
    // The last flag of a run opens the frame.
    let start = rest
        .iter()
        .position(|&b| b != 0x7E)
        .map_or(rest.len() - 1, |p| p - 1);
    let candidate = &rest[start..];
    if let Some(&b) = candidate.get(1)
        && !FormatField::from_bytes([b, 0]).is_type_3()
    {
        return Failure(format!(
            "input offset {}: expected the format field of a frame (0xA_) after the flag, found 0x{b:02X}",
            pos + start + 1
        ));
    }
    let declared = match candidate {
        [_, f0, f1, ..] => FormatField::from_bytes([*f0, *f1]).length + 2,
        _ => candidate.len(),
    };
    let candidate = &candidate[..declared.min(candidate.len())];
    let detail = match HdlcFrame::new_checked(candidate).and_then(|f| f.check_checksums()) {
        Err(e) => e.to_string(),
        Ok(()) => "not a frame".to_string(),
    };
    Failure(format!(
        "HDLC frame at input offset {}: {detail} (offsets within the frame)",
        pos + start
    ))
}

fn hdlc_items(bytes: &[u8], keys: Option<&Keys>) -> Result<Vec<Item>, Failure> {
    let frames = split_frames(bytes)?;
    let mut items = Vec::new();
    let mut gbt = GbtGroup::new(bytes.len());
    let mut group: Vec<(usize, HdlcFrame<&[u8]>)> = Vec::new();
    for (offset, raw) in frames {
        let frame = HdlcFrame::new_unchecked(raw);
        let place = format!("HDLC frame at offset {offset}");
        if group.is_empty() && !frame.segmented() {
            let item = single_frame_item(&frame, offset, keys)?;
            match frame_gbt_block(&frame) {
                Some(block) => gbt.add(item, &block, &place, keys, &mut items)?,
                None => {
                    gbt.check_closed(&place)?;
                    items.push(item);
                }
            }
            continue;
        }
        let last = !frame.segmented();
        group.push((offset, frame));
        if last {
            gbt.check_closed(&place)?;
            items.push(segmented_item(&group, keys)?);
            group.clear();
        }
    }
    gbt.finish()?;
    if !group.is_empty() {
        let (offset, _) = group[group.len() - 1];
        return Err(Failure(format!(
            "HDLC frame at offset {offset}: segmented, but no final segment (S=0) follows"
        )));
    }
    Ok(items)
}

/// The general-block-transfer block an I or UI frame carries, if any (the LLC header, present
/// in the first frame of a push only, is skipped).
fn frame_gbt_block<'a>(f: &'a HdlcFrame<&'a [u8]>) -> Option<GeneralBlockTransfer<'a>> {
    if !matches!(f.control().frame_type(), FrameType::I | FrameType::Ui) {
        return None;
    }
    let info: &'a [u8] = f.info();
    gbt_block(Llc::split(info).1)
}

fn address_json(a: &Address, raw: &[u8]) -> Value {
    json!({ "hex": hex(raw), "bytes": a.len(), "upper": a.upper(), "lower": a.lower() })
}

fn address_text(a: &Address, raw: &[u8]) -> String {
    match a.lower() {
        Some(l) => format!("{} (upper {}, lower {l})", spaced(raw), a.upper()),
        None => format!("{} (upper {})", spaced(raw), a.upper()),
    }
}

/// The fields every frame object has (no APDU).
fn frame_fields(f: &HdlcFrame<&[u8]>, offset: usize) -> (Map<String, Value>, Vec<String>) {
    let c = f.control();
    let mut control = Map::new();
    control.insert("raw".into(), json!(f.control_byte()));
    control.insert("pf".into(), json!(u8::from(c.pf())));
    control.insert("frame_type".into(), json!(c.frame_type().name()));
    if let Some(ns) = c.ns() {
        control.insert("ns".into(), json!(ns));
    }
    if let Some(nr) = c.nr() {
        control.insert("nr".into(), json!(nr));
    }
    let hcs = f.hcs().map(|h| hex(&h.to_le_bytes()));
    let mut m = Map::new();
    m.insert("frame_format_type".into(), json!(f.format_type()));
    m.insert("segmented".into(), json!(f.segmented()));
    m.insert("length".into(), json!(f.length()));
    m.insert(
        "length_matches".into(),
        json!(f.length() + 2 == f.as_bytes().len()),
    );
    m.insert("dst".into(), address_json(&f.dst(), f.dst_bytes()));
    m.insert("src".into(), address_json(&f.src(), f.src_bytes()));
    m.insert("control".into(), Value::Object(control));
    m.insert("frame_type".into(), json!(c.frame_type().name()));
    m.insert("fcs".into(), json!(hex(&f.fcs().to_le_bytes())));
    m.insert("fcs_ok".into(), json!(f.computed_fcs() == f.fcs()));
    m.insert("hcs".into(), json!(hcs));
    m.insert(
        "hcs_ok".into(),
        json!(f.hcs().map(|h| Some(h) == f.computed_hcs())),
    );
    m.insert("info_hex".into(), json!(hex(f.info())));

    let mut lines = vec![
        format!(
            "hdlc frame, {} bytes at offset {offset}",
            f.as_bytes().len()
        ),
        format!(
            "  format: type {} (0x{:X}), {}, length {}",
            3,
            f.format_type(),
            if f.segmented() {
                "segmented (more follow)"
            } else {
                "not segmented"
            },
            f.length()
        ),
        format!("  dst: {}", address_text(&f.dst(), f.dst_bytes())),
        format!("  src: {}", address_text(&f.src(), f.src_bytes())),
        format!("  control: 0x{:02X} {c}", f.control_byte()),
    ];
    if let Some(h) = f.hcs() {
        lines.push(format!("  hcs: {} (ok)", spaced(&h.to_le_bytes())));
    }
    if !f.info().is_empty() {
        lines.push(format!("  info: {} bytes", f.info().len()));
    }
    (m, lines)
}

fn fcs_line(f: &HdlcFrame<&[u8]>) -> String {
    format!("  fcs: {} (ok)", spaced(&f.fcs().to_le_bytes()))
}

fn llc_name(llc: Llc) -> &'static str {
    match llc {
        Llc::Command => "command",
        Llc::Response => "response",
    }
}

fn single_frame_item(
    f: &HdlcFrame<&[u8]>,
    offset: usize,
    keys: Option<&Keys>,
) -> Result<Item, Failure> {
    let (mut m, mut lines) = frame_fields(f, offset);
    let c = f.control();
    let info = f.info();
    let carries_data = matches!(c.frame_type(), FrameType::I | FrameType::Ui) && !info.is_empty();
    let (llc, rest) = if carries_data {
        Llc::split(info)
    } else {
        (None, info)
    };
    m.insert("llc".into(), json!(llc.map(|l| hex(&l.bytes()))));
    if let Some(l) = llc {
        lines.push(format!("  llc: {} ({})", spaced(&l.bytes()), llc_name(l)));
    }
    match c {
        Control::Snrm { .. } | Control::Ua { .. } if !info.is_empty() => {
            let (p, text) = parameters_json(info);
            m.insert("parameters".into(), p);
            lines.push(text);
        }
        Control::Frmr { .. } if !info.is_empty() => {
            let (p, text) = frmr_json(info);
            m.insert("frmr".into(), p);
            lines.push(text);
        }
        _ => {}
    }
    if carries_data {
        let (apdu_json, apdu_tree, error) = embedded_apdu(rest, keys)?;
        m.insert("apdu_hex".into(), json!(hex(rest)));
        m.insert("apdu".into(), apdu_json);
        if error.is_some() {
            m.insert("info_payload_is_apdu".into(), json!(false));
        }
        lines.push("  apdu:".to_string());
        lines.push(indent(&apdu_tree, 4));
    }
    lines.push(fcs_line(f));
    Ok(Item {
        json: Value::Object(m),
        tree: lines.join("\n"),
    })
}

fn segmented_item(
    group: &[(usize, HdlcFrame<&[u8]>)],
    keys: Option<&Keys>,
) -> Result<Item, Failure> {
    let mut frames = Vec::new();
    let mut texts = Vec::new();
    let mut lsdu = Vec::new();
    for (offset, f) in group {
        let (mut m, mut lines) = frame_fields(f, *offset);
        let llc = if lsdu.is_empty() {
            Llc::split(f.info()).0
        } else {
            None
        };
        m.insert("llc".into(), json!(llc.map(|l| hex(&l.bytes()))));
        if let Some(l) = llc {
            lines.push(format!("  llc: {} ({})", spaced(&l.bytes()), llc_name(l)));
        }
        lines.push(fcs_line(f));
        lsdu.extend_from_slice(f.info());
        frames.push(Value::Object(m));
        texts.push(indent(&lines.join("\n"), 2));
    }
    let (llc, apdu) = Llc::split(&lsdu);
    let (apdu_json, apdu_tree, _) = embedded_apdu(apdu, keys)?;
    let json = json!({
        "frames": frames,
        "llc": llc.map(|l| hex(&l.bytes())),
        "reassembled_apdu": hex(apdu),
        "apdu": apdu_json,
    });
    let tree = format!(
        "segmented sequence, {} frames, {} bytes of APDU\n{}\n  reassembled apdu:\n{}",
        group.len(),
        apdu.len(),
        texts.join("\n"),
        indent(&apdu_tree, 4)
    );
    Ok(Item { json, tree })
}

fn parameters_json(info: &[u8]) -> (Value, String) {
    let names = [
        (0x05, "max_info_field_length_transmit"),
        (0x06, "max_info_field_length_receive"),
        (0x07, "window_size_transmit"),
        (0x08, "window_size_receive"),
    ];
    let repr = match ParametersRepr::parse(info) {
        Ok(r) => r,
        Err(e) => {
            return (
                json!({ "error": e.to_string() }),
                format!("  parameters: malformed: {e}"),
            );
        }
    };
    let mut m = Map::new();
    m.insert("format_identifier".into(), json!(info.first()));
    m.insert("group_identifier".into(), json!(info.get(1)));
    m.insert("group_length".into(), json!(info.get(2)));
    let values = [
        repr.max_info_tx,
        repr.max_info_rx,
        repr.window_tx,
        repr.window_rx,
    ];
    let mut sizes = Map::new();
    let mut text = vec!["  parameters:".to_string()];
    for ((id, name), value) in names.iter().zip(values) {
        m.insert((*name).into(), json!(value));
        let size = parameters(info)
            .filter_map(Result::ok)
            .filter(|p| p.id == *id)
            .map(|p| p.raw.len())
            .last();
        if let Some(size) = size {
            sizes.insert((*name).into(), json!(size));
        }
        match value {
            Some(v) => text.push(format!(
                "    {}: {v} ({} byte(s))",
                name.replace('_', " "),
                size.unwrap_or(0)
            )),
            None => text.push(format!("    {}: absent (default)", name.replace('_', " "))),
        }
    }
    m.insert("value_sizes".into(), Value::Object(sizes));
    (Value::Object(m), text.join("\n"))
}

fn frmr_json(info: &[u8]) -> (Value, String) {
    match FrmrInfo::parse(info) {
        Ok(i) => (
            json!({
                "hex": hex(info),
                "rejected_control": i.rejected_control,
                "vs": i.vs, "vr": i.vr, "response": i.response,
                "w": i.w, "x": i.x, "y": i.y, "z": i.z,
            }),
            format!(
                "  frmr: rejected control 0x{:02X}, V(S)={} V(R)={}, W={} X={} Y={} Z={} (ISO/IEC 13239 bit order)",
                i.rejected_control,
                i.vs,
                i.vr,
                u8::from(i.w),
                u8::from(i.x),
                u8::from(i.y),
                u8::from(i.z)
            ),
        ),
        Err(e) => (
            json!({ "hex": hex(info), "error": e.to_string() }),
            format!("  frmr: {}: {e}", spaced(info)),
        ),
    }
}
