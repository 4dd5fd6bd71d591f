//! `meterkit obis ...`: explain OBIS codes, list the registry.

use std::io::Write;

use clap::{Args, Subcommand};
use obis::{ObisCode, Pattern, registry};
use serde_json::json;

use crate::Failure;

/// `meterkit obis` subcommands.
#[derive(Debug, Subcommand)]
pub enum ObisCommand {
    /// Print each code in canonical form with its description and registry name.
    Explain(ExplainArgs),
    /// List the named objects of the registry, optionally only those matching a pattern.
    List(ListArgs),
}

/// Arguments of `meterkit obis explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// OBIS codes in any text form (`1-0:1.8.0*255`, `1.0.1.8.0.255`, `0100010800FF`, `1.8.0`,
    /// `C.1.0`, ...) or registry names (`clock`, `active_energy_import_t1`).
    #[arg(required = true, value_name = "CODE")]
    codes: Vec<String>,
    /// Print one JSON object per code.
    #[arg(long)]
    json: bool,
}

/// Arguments of `meterkit obis list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// A pattern such as `1-0:*.8.*`, `1-0:1..4.8.0` or `0-0:99.98.*`.
    pattern: Option<String>,
    /// Print one JSON object per object.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: ObisCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        ObisCommand::Explain(args) => explain(&args, out),
        ObisCommand::List(args) => list(&args, out),
    }
}

/// A code from the command line: a text form, or failing that a registry name.
fn resolve(text: &str) -> Result<ObisCode, Failure> {
    match text.parse::<ObisCode>() {
        Ok(code) => Ok(code),
        Err(e) => registry::by_name(text)
            .map(|o| o.code)
            .ok_or_else(|| Failure(format!("{text:?} is not an OBIS code: {e}"))),
    }
}

fn explain(args: &ExplainArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let mut failures = Vec::new();
    for text in &args.codes {
        let code = match resolve(text) {
            Ok(code) => code,
            Err(Failure(msg)) => {
                failures.push(msg);
                continue;
            }
        };
        let name = registry::by_code(code).map(|o| o.name);
        if args.json {
            let value = json!({
                "code": code.to_string(),
                "groups": code.to_bytes(),
                "name": name,
                "description": code.describe().to_string(),
            });
            writeln!(out, "{value}")?;
        } else {
            write_tree(out, code)?;
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure(failures.join("\nmeterkit: ")))
    }
}

fn write_tree(out: &mut dyn Write, code: ObisCode) -> std::io::Result<()> {
    writeln!(out, "{code}")?;
    writeln!(out, "  description: {}", code.describe())?;
    if let Some(object) = registry::by_code(code) {
        writeln!(
            out,
            "  name:        {} (interface class {})",
            object.name, object.class_id
        )?;
    }
    writeln!(out, "  A = {:<3}      {}", code.a(), code.media())?;
    writeln!(out, "  B = {:<3}      {}", code.b(), code.channel())?;
    match (code.quantity(), code.abstract_family()) {
        (Some(q), _) => writeln!(out, "  C = {:<3}      {q}", code.c())?,
        (None, Some(family)) => writeln!(out, "  C = {:<3}      {family}", code.c())?,
        (None, None) => writeln!(out, "  C = {}", code.c())?,
    }
    match code.processing() {
        Some(p) => writeln!(out, "  D = {:<3}      {p}", code.d())?,
        None => writeln!(out, "  D = {}", code.d())?,
    }
    match code.classification() {
        Some(c) => writeln!(out, "  E = {:<3}      {c}", code.e())?,
        None => writeln!(out, "  E = {}", code.e())?,
    }
    writeln!(out, "  F = {:<3}      {}", code.f(), code.billing_period())
}

fn list(args: &ListArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let pattern = match &args.pattern {
        Some(text) => Some(
            text.parse::<Pattern>()
                .map_err(|e| Failure(format!("{text:?} is not an OBIS pattern: {e}")))?,
        ),
        None => None,
    };
    for object in registry::all() {
        if pattern.is_some_and(|p| !p.matches(object.code)) {
            continue;
        }
        if args.json {
            let value = json!({
                "code": object.code.to_string(),
                "name": object.name,
                "class_id": object.class_id,
                "description": object.description().to_string(),
            });
            writeln!(out, "{value}")?;
        } else {
            writeln!(
                out,
                "{:<18} {:<34} {:>4}  {}",
                object.code.to_string(),
                object.name,
                object.class_id,
                object.description()
            )?;
        }
    }
    Ok(())
}
