//! Command-line adapter: argument parsing (clap) and one module per command.

mod check;
mod lint;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code when an input (rules, project, file) could not be used.
pub const EXIT_UNUSABLE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "zonecheck",
    version,
    about = "Checks construction projects against ecological-environment zoning access lists (生态环境准入清单)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check project files against a rule set; one report per project.
    ///
    /// Exit code: 0 satisfied, 1 violated, 3 needs review, 2 an input could not be used.
    /// With several projects, the worst of them.
    Check {
        /// Rule-set directory (its `*.zc` files) .
        #[arg(long)]
        rules: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Project JSON files (see docs/project.md).
        #[arg(required = true)]
        projects: Vec<PathBuf>,
    },
    /// Check a rule set for errors and warnings without evaluating anything.
    Lint {
        /// Rule-set directory.
        rules: PathBuf,
    },
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check {
            rules,
            format,
            output,
            projects,
        } => check::run(&rules, format, output.as_deref(), &projects),
        Command::Lint { rules } => lint::run(&rules),
    }
}
