//! `zonecheck diff OLD NEW`: how the zoning changed between two versions of a rule set.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use zonecheck::RuleSet;
use zonecheck::diff::{
    DiffOptions, Grouping, ReplaySummary, diff_rule_sets, render_csv, render_json, render_markdown,
    replay_counts,
};
use zonecheck::log::{Filter, ScreeningLog};

use super::EXIT_UNUSABLE;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Md,
    Json,
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum By {
    City,
    District,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The old version: rule-set directory or compiled snapshot.
    pub old: PathBuf,
    /// The new version: rule-set directory or compiled snapshot.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Md)]
    pub format: DiffFormat,
    /// Group the area table by city (4-digit administrative code) or district (6 digits).
    #[arg(long, value_enum, default_value_t = By::City)]
    pub by: By,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Re-check the projects of this screening log (`check/batch/serve --log`) under both
    /// versions and count the verdicts and clause outcomes that change.
    #[arg(long)]
    pub replay_log: Option<PathBuf>,
    /// Replay every record of the log; by default only those screened with a rule set of the
    /// old version's name (any version of it).
    #[arg(long, requires = "replay_log")]
    pub replay_all: bool,
}

/// Replays a screening log's projects under both versions.
fn replay(log: &Path, old: &RuleSet, new: &RuleSet, all: bool) -> Result<ReplaySummary, String> {
    let log = ScreeningLog::open_existing(log).map_err(|e| {
        format!(
            "error[{}]: {e}{}\n",
            e.code(),
            e.help()
                .map_or_else(String::new, |h| format!("\n  help: {h}"))
        )
    })?;
    let mut failure = None;
    let filter = Filter {
        rule_set: (!all).then(|| old.header.name.clone()),
        ..Filter::default()
    };
    let projects = log.projects(&filter).map_while(|r| match r {
        Ok(p) => Some(p.project),
        Err(e) => {
            failure = Some(format!("error[{}]: {e}\n", e.code()));
            None
        }
    });
    let summary = replay_counts(old, new, projects);
    match failure {
        Some(f) => Err(f),
        None => Ok(summary),
    }
}

fn load(path: &Path) -> Result<RuleSet, String> {
    if !path.exists() {
        return Err(format!("error: `{}` does not exist\n", path.display()));
    }
    zonecheck::load::load_rule_set(path)
        .map(|l| l.rule_set)
        .map_err(|e| {
            format!(
                "{}error: the rule set `{}` could not be loaded\n",
                e.render(),
                path.display()
            )
        })
}

pub fn run(args: &DiffArgs) -> i32 {
    // The two versions load side by side (the national set takes seconds each).
    let (old, new) = std::thread::scope(|s| {
        let a = s.spawn(|| load(&args.old));
        let b = load(&args.new);
        let a = a
            .join()
            .unwrap_or_else(|_| Err("error: loading the old version failed\n".into()));
        (a, b)
    });
    let (old, new) = match (old, new) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for e in [a.err(), b.err()].into_iter().flatten() {
                eprint!("{e}");
            }
            return EXIT_UNUSABLE;
        }
    };
    let options = DiffOptions {
        by: match args.by {
            By::City => Grouping::City,
            By::District => Grouping::District,
        },
        ..DiffOptions::default()
    };
    let mut diff = match diff_rule_sets(&old, &new, &options) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error[{}]: {e}\n  help: {}", e.code(), e.help());
            return EXIT_UNUSABLE;
        }
    };
    if let Some(log) = &args.replay_log {
        match replay(log, &old, &new, args.replay_all) {
            Ok(r) => {
                diff.replay = Some(r);
                diff.replay_source = log.display().to_string();
            }
            Err(e) => {
                eprint!("{e}");
                return EXIT_UNUSABLE;
            }
        }
    }
    let text = match args.format {
        DiffFormat::Md => render_markdown(&diff),
        DiffFormat::Json => render_json(&diff),
        DiffFormat::Csv => render_csv(&diff),
    };
    match &args.output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                EXIT_UNUSABLE
            }
        },
        None => {
            print!("{text}");
            0
        }
    }
}
