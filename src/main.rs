//! The `zonecheck` command line. All logic lives in the library; this file maps commands to
//! library calls and library errors to diagnostics and exit codes.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let code = cli::run(args);
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
