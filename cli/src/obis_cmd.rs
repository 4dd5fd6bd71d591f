//! `meterkit obis ...`

use std::io::Write;

use clap::{Args, Subcommand};
use obis::ObisCode;

use crate::Failure;

/// `meterkit obis` subcommands.
#[derive(Debug, Subcommand)]
pub enum ObisCommand {
    /// Print each code in canonical form with its description and registry name.
    Explain(ExplainArgs),
}

/// Arguments of `meterkit obis explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// OBIS codes in any text form (`1-0:1.8.0*255`, `1.0.1.8.0.255`, `0100010800FF`, `1.8.0`, ...).
    #[arg(required = true)]
    codes: Vec<String>,
    /// Print one JSON object per code.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: ObisCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        ObisCommand::Explain(args) => explain(&args, out),
    }
}

fn explain(args: &ExplainArgs, out: &mut dyn Write) -> Result<(), Failure> {
    for text in &args.codes {
        let code: ObisCode = text
            .parse()
            .map_err(|e| Failure(format!("{text:?}: {e}")))?;
        let _ = (code, args.json, &mut *out);
    }
    Ok(())
}
