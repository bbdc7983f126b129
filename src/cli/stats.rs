//! `zonecheck stats --log DB`: indicator 10 (EIAs screened, by verdict) from a screening log,
//! as Markdown, CSV or JSON (`docs/log.md`).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use zonecheck::log::{Date, Filter, GroupKey, LogError, ScreeningLog, StatsQuery};

use super::EXIT_UNUSABLE;
use super::check::report_log_error;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum StatsFormat {
    /// Markdown tables, with the counting rule.
    Md,
    /// CSV: the counts by group (or, with --clauses, the clauses most often violated).
    Csv,
    /// JSON: everything.
    Json,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The screening log (written by `check --log` / `batch --log`).
    #[arg(long)]
    log: PathBuf,
    /// First day counted, YYYY-MM-DD (UTC), included.
    #[arg(long)]
    from: Option<String>,
    /// Last day counted, YYYY-MM-DD (UTC), included.
    #[arg(long)]
    to: Option<String>,
    /// Group by these keys, comma-separated, outermost first: province, city, district, month,
    /// verdict, industry (GB/T 4754 division), section, dimension, rule_set, source.
    #[arg(long)]
    by: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Md)]
    format: StatsFormat,
    /// How many of the most often violated clauses to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// With --format csv: print the most often violated clauses instead of the counts.
    #[arg(long)]
    clauses: bool,
    /// Only records of the rule set of this name.
    #[arg(long)]
    rule_set: Option<String>,
    /// Write the table here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn query(args: &StatsArgs) -> Result<StatsQuery, LogError> {
    let from = args.from.as_deref().map(Date::parse).transpose()?;
    let to = args.to.as_deref().map(Date::parse).transpose()?;
    let mut filter = Filter::period(from, to)?;
    filter.rule_set = args.rule_set.clone();
    let by = GroupKey::parse_list(&args.by.join(","))?;
    Ok(StatsQuery {
        filter,
        by,
        top: args.top,
    })
}

pub fn run(args: &StatsArgs) -> i32 {
    if args.clauses && args.format != StatsFormat::Csv {
        eprintln!(
            "error: --clauses selects the CSV table; Markdown and JSON always include the clauses\n  help: add --format csv, or drop --clauses"
        );
        return EXIT_UNUSABLE;
    }
    // The arguments are checked before the log is opened: a typo costs nothing.
    let stats = query(args).and_then(|q| ScreeningLog::open_existing(&args.log)?.stats(&q));
    let stats = match stats {
        Ok(s) => s,
        Err(e) => {
            report_log_error(&e);
            return EXIT_UNUSABLE;
        }
    };
    let body = match args.format {
        StatsFormat::Md => stats.to_markdown(),
        StatsFormat::Csv if args.clauses => stats.clauses_to_csv(),
        StatsFormat::Csv => stats.to_csv(),
        StatsFormat::Json => {
            serde_json::to_string_pretty(&stats.to_json()).unwrap_or_default() + "\n"
        }
    };
    let written = match &args.output {
        Some(p) => std::fs::write(p, body.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", p.display())),
        None => std::io::stdout()
            .write_all(body.as_bytes())
            .map_err(|e| format!("cannot write the table: {e}")),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return EXIT_UNUSABLE;
    }
    0
}
