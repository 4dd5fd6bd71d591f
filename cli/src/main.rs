//! `meterkit`: the command-line tool of the meterkit workspace.
//!
//! Every subcommand prints a human-readable tree by default and one JSON object per item with
//! `--json`. Bad input prints a one-line error and exits with status 2; the tool never panics on
//! input.
#![forbid(unsafe_code)]

// `view` is called by `dlms decode` (cli/src/dlms_cmd.rs, from the link-layer branch); until that
// command is merged only this module's tests use it.
#[cfg_attr(not(test), allow(dead_code))]
mod apdu_view;
mod obis_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Smart-meter protocol tool: OBIS codes, DLMS/COSEM frames and APDUs, STS tokens.
#[derive(Debug, Parser)]
#[command(name = "meterkit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// OBIS codes (IEC 62056-6-1).
    #[command(subcommand)]
    Obis(obis_cmd::ObisCommand),
}

/// Exit status for input the tool could not make sense of.
const EXIT_BAD_INPUT: u8 = 2;

/// An error to report on stderr: one line, then exit with [`EXIT_BAD_INPUT`].
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Obis(cmd) => obis_cmd::run(cmd, &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            eprintln!("meterkit: {msg}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
