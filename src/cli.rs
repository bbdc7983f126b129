//! Command-line adapter: argument parsing (clap) and one module per command.

mod batch;
mod check;
mod compile;
mod diff;
mod lint;
mod locate;
mod serve;
mod stats;
mod test;

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
    /// A self-contained HTML page with a map, one per project (several projects: `-o DIR`).
    Html,
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
        /// Append each checked project to this screening log (SQLite, created if missing; see
        /// docs/log.md) before its report is written.
        #[arg(long)]
        log: Option<PathBuf>,
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
    /// The units each point of a table lies in; with --project, the project's verdict there.
    ///
    /// Reads `i<TAB>lon<TAB>lat` lines (CGCS2000/WGS84 degrees; `#` lines skipped) and prints
    /// `i<TAB>codes`, codes sorted and comma-separated, empty outside every unit, in input order.
    /// With `--project P.json`, prints `i<TAB>codes<TAB>verdict` (`violated`, `needs_review`,
    /// `satisfied`): the verdict `check` gives the project placed at each point (its own
    /// location is ignored), screened on every core. Bad lines are reported on stderr with their
    /// line number; the run goes on and exits 2 at the end.
    Locate {
        /// Rule-set directory or compiled snapshot.
        #[arg(long)]
        rules: PathBuf,
        /// The points table.
        #[arg(long)]
        points: PathBuf,
        /// A project file: screen it at every point (candidate sites).
        #[arg(long)]
        project: Option<PathBuf>,
    },
    /// Check every project of a CSV table or GeoJSON FeatureCollection; one result per row.
    ///
    /// Exit code: 0 every row was checked (verdicts are in the output), 4 the run completed
    /// but some rows could not be checked, 2 the input could not be used. See docs/batch.md.
    Batch(batch::BatchArgs),
    /// Run a rule set's access-list tests: projects paired with the expected verdict, units
    /// and clause outcomes (see docs/testing.md).
    ///
    /// Exit code: 0 all passed, 1 some failed, 2 the rules or tests could not be used.
    Test {
        /// Rule-set directory or compiled snapshot.
        rules: PathBuf,
        /// Folder of test files (*.json); default `RULES/tests`. Point it at another version's
        /// tests to see what an edit changes.
        #[arg(long)]
        tests: Option<PathBuf>,
    },
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
    /// Indicator 10 from a screening log: EIAs screened by verdict, grouped by area, month,
    /// industry or clause dimension, and the clauses most often violated (docs/log.md).
    Stats(stats::StatsArgs),
    /// Serve the checks over HTTP (JSON API under /v1; see docs/service.md).
    ///
    /// Prints `zonecheck: listening on http://ADDR (…)` on stderr once ready; stops on SIGTERM
    /// or Ctrl-C after finishing the requests in flight, and exits 0.
    Serve {
        /// Rule-set directory or compiled snapshot; `POST /v1/admin/reload` rereads it.
        #[arg(long)]
        rules: PathBuf,
        /// Address to listen on (`127.0.0.1:0` picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// File holding the admin bearer token (else `ZONECHECK_ADMIN_TOKEN`; neither: the
        /// admin endpoints are disabled).
        #[arg(long)]
        admin_token_file: Option<PathBuf>,
        /// Largest request body, bytes.
        #[arg(long, default_value_t = 8 * 1024 * 1024)]
        max_body_bytes: usize,
        /// Most vertices in one project's location (the project format's own cap is 100000).
        #[arg(long, default_value_t = zonecheck::service::limits::DEFAULT_MAX_VERTICES)]
        max_vertices: usize,
        /// Most projects in one batch.
        #[arg(long, default_value_t = 100)]
        max_batch: usize,
        /// Longest evaluation of one project, milliseconds.
        #[arg(long, default_value_t = 10_000)]
        eval_timeout_ms: u64,
        /// Append every evaluated project to this screening log (SQLite, docs/log.md); a
        /// response is sent only once its record is durable.
        #[arg(long)]
        log: Option<PathBuf>,
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
            log,
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
            log.as_deref(),
        ),
        Command::Batch(args) => batch::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Lint { rules } => lint::run(&rules),
        Command::Test { rules, tests } => test::run(&rules, tests.as_deref()),
        Command::Stats(args) => stats::run(&args),
        Command::Compile { rules, output } => compile::run(&rules, &output),
        Command::Serve {
            rules,
            addr,
            admin_token_file,
            max_body_bytes,
            max_vertices,
            max_batch,
            eval_timeout_ms,
            log,
        } => serve::run(serve::ServeArgs {
            rules,
            addr,
            admin_token_file,
            max_body_bytes,
            max_vertices,
            max_batch,
            eval_timeout_ms,
            log,
        }),
        Command::Locate {
            rules,
            points,
            project,
        } => match load_rules(&rules) {
            Some(rs) => match project.as_deref().map(|p| locate::read_project(&rs, p)) {
                None => locate::run(&rs, &points, None),
                Some(Ok(project)) => locate::run(&rs, &points, Some(&project)),
                Some(Err(code)) => code,
            },
            None => EXIT_UNUSABLE,
        },
    }
}
