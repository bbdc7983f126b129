//! Command-line adapter: argument parsing (clap) and one module per command.

mod batch;
mod check;
mod compile;
mod diff;
mod lint;
mod locate;

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
        /// Rule-set directory (its `*.zc` files) or compiled snapshot.
        #[arg(long)]
        rules: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Take the project's location from a site file: GeoJSON, WKT, shapefile (.shp with
        /// .shx/.dbf/.prj, or a .zip), KML, a 界址点 coordinate table (.csv/.txt) or a 电子报盘
        /// TXT (see docs/site-files.md). Needs exactly one project file.
        #[arg(long)]
        site: Option<PathBuf>,
        /// The coordinate system of the location (or of the site file): CGCS2000 (default),
        /// WGS84, GCJ-02, BD-09, EPSG:4513–4554 / 4491–4512, or e.g. "CGCS2000 3度带 39带"
        /// (see docs/crs.md). Must agree with what the file declares.
        #[arg(long)]
        crs: Option<String>,
        /// Project JSON files (see docs/project.md).
        #[arg(required = true)]
        projects: Vec<PathBuf>,
    },
    /// Compile a rule set and its spatial index into one snapshot file, which every command
    /// accepts in place of the rule directory (`--rules FILE`) and loads in milliseconds.
    Compile {
        /// Rule-set directory.
        rules: PathBuf,
        /// The snapshot file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The units each point of a table lies in.
    ///
    /// Reads `i<TAB>lon<TAB>lat` lines (`#` lines skipped) and prints `i<TAB>codes`, codes sorted
    /// and comma-separated, empty outside every unit, in input order. Bad lines are reported on
    /// stderr with their line number; the run goes on and exits 2 at the end.
    Locate {
        /// Rule-set directory or compiled snapshot.
        #[arg(long)]
        rules: PathBuf,
        /// The points table.
        #[arg(long)]
        points: PathBuf,
    },
    /// Check every project of a CSV table or GeoJSON FeatureCollection; one result per row.
    ///
    /// Exit code: 0 every row was checked (verdicts are in the output), 4 the run completed
    /// but some rows could not be checked, 2 the input could not be used. See docs/batch.md.
    Batch(batch::BatchArgs),
    /// Compare two versions of a rule set: type areas, area moved between types, units added,
    /// removed, re-typed or re-shaped, and clauses kept, tightened, loosened, added or dropped.
    ///
    /// Exit code: 0 compared, 2 an input could not be used. See docs/diff.md.
    Diff(diff::DiffArgs),
    /// Check a rule set for errors and warnings without evaluating anything.
    Lint {
        /// Rule-set directory.
        rules: PathBuf,
    },
}

/// Loads a rule set (directory or snapshot), printing diagnostics on failure.
fn load_rules(path: &std::path::Path) -> Option<zonecheck::RuleSet> {
    match zonecheck::load::load_rule_set(path) {
        Ok(l) => Some(l.rule_set),
        Err(e) => {
            eprint!("{}", e.render());
            eprintln!(
                "error: the rule set `{}` could not be loaded",
                path.display()
            );
            None
        }
    }
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check {
            rules,
            format,
            output,
            site,
            crs,
            projects,
        } => check::run(
            &rules,
            format,
            output.as_deref(),
            &check::Location {
                site: site.as_deref(),
                crs: crs.as_deref(),
            },
            &projects,
        ),
        Command::Batch(args) => batch::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Lint { rules } => lint::run(&rules),
        Command::Compile { rules, output } => compile::run(&rules, &output),
        Command::Locate { rules, points } => match load_rules(&rules) {
            Some(rs) => locate::run(&rs, &points),
            None => EXIT_UNUSABLE,
        },
    }
}
