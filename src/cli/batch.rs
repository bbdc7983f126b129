//! `zonecheck batch --rules <DIR|SNAPSHOT> <INPUT> -o <OUTPUT>`: every project of a CSV or
//! GeoJSON table, one result per row in input order (`docs/batch.md`).

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zonecheck::batch::{
    self, BatchError, InputFormat, Options, OutputFormat, ProgressUnit, ResultSink, RowOutcome,
    RowResult, Rows,
};

use zonecheck::log::{LogError, ScreeningLog, Source};

use super::{EXIT_UNUSABLE, load_rules};

/// Exit code when the run completed but some rows could not be checked.
pub const EXIT_SOME_ROWS_BAD: i32 = 4;

/// Rows with problems shown on stderr; the rest are only in the output.
const SHOWN_ROW_ERRORS: usize = 10;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    /// JSON Lines: one object per row.
    Jsonl,
    /// CSV: one record per row.
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum InFormat {
    /// CSV with a header row.
    Csv,
    /// A GeoJSON FeatureCollection.
    Geojson,
}

#[derive(Args, Debug)]
pub struct BatchArgs {
    /// Rule-set directory (its `*.zc` files) or compiled snapshot.
    #[arg(long)]
    rules: PathBuf,
    /// The projects: a CSV table or a GeoJSON FeatureCollection (docs/batch.md).
    input: PathBuf,
    /// The results file (`-` for standard output). Written as `OUTPUT.partial` and renamed
    /// when the run completes.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format [default: from the output's extension, `.jsonl`/`.ndjson` or `.csv`].
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Input format [default: from the input's extension, `.csv` or `.geojson`/`.json`].
    #[arg(long, value_enum)]
    input_format: Option<InFormat>,
    /// Include each row's full JSON report (docs/report.md) in JSON Lines output.
    #[arg(long)]
    full_report: bool,
    /// Worker threads [default: one per core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Append every checked row to this screening log (SQLite, created if missing; see
    /// docs/log.md). Each chunk's records are committed before its results are written.
    #[arg(long)]
    log: Option<PathBuf>,
}

/// Passes results on and shows the first few bad rows on stderr.
struct Reporting<'a> {
    inner: Box<dyn ResultSink + 'a>,
    bar: Option<ProgressBar>,
    shown: usize,
    /// The screening log, and the first error writing to it.
    log: Option<ScreeningLog>,
    log_error: Option<LogError>,
    logged: u64,
}

fn row_name(r: &RowResult) -> String {
    let mut s = format!("row {}", r.row);
    if let Some(l) = r.line {
        s.push_str(&format!(" (line {l})"));
    }
    if let Some(f) = r.feature {
        s.push_str(&format!(" (feature {f})"));
    }
    if let Some(id) = &r.id {
        s.push_str(&format!(" `{id}`"));
    }
    s
}

impl ResultSink for Reporting<'_> {
    fn write_result(&mut self, r: &RowResult) -> std::io::Result<()> {
        if let RowOutcome::Failed(problems) = &r.outcome {
            self.shown += 1;
            if self.shown <= SHOWN_ROW_ERRORS {
                let mut text = format!("error[E-PROJECT]: {} cannot be checked:\n", row_name(r));
                for p in problems {
                    text.push_str(&format!("  - {p}\n"));
                }
                match &self.bar {
                    Some(bar) => bar.suspend(|| eprint!("{text}")),
                    None => eprint!("{text}"),
                }
            }
        }
        self.inner.write_result(r)
    }
    fn write_chunk(&mut self, results: &[RowResult]) -> std::io::Result<()> {
        if let Some(log) = &self.log {
            let records = results.iter().filter_map(|r| match &r.outcome {
                RowOutcome::Checked(c) => c.record.as_deref(),
                RowOutcome::Failed(_) => None,
            });
            // Committed (durable) before any result of the chunk reaches the output.
            match log.append_records(records) {
                Ok(ids) => self.logged += ids.len() as u64,
                Err(e) => {
                    let message = e.to_string();
                    self.log_error = Some(e);
                    return Err(std::io::Error::other(message));
                }
            }
        }
        for r in results {
            self.write_result(r)?;
        }
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.inner.finish()
    }
}

fn report_error(e: &BatchError) {
    eprintln!("error[{}]: {e}", e.code());
    if let Some(h) = e.help() {
        eprintln!("  help: {h}");
    }
}

fn progress_bar(rows: &Rows) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar =
        ProgressBar::with_draw_target(Some(rows.progress_total()), ProgressDrawTarget::stderr());
    let template = match rows.progress_unit() {
        ProgressUnit::Bytes => {
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} {msg} ETA {eta}"
        }
        ProgressUnit::Rows => {
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg} ETA {eta}"
        }
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

pub fn run(args: &BatchArgs) -> i32 {
    let input_format = match args.input_format {
        Some(InFormat::Csv) => InputFormat::Csv,
        Some(InFormat::Geojson) => InputFormat::GeoJson,
        None => match InputFormat::from_path(&args.input) {
            Some(f) => f,
            None => {
                eprintln!(
                    "error: cannot tell the format of `{}` from its extension\n  help: name it `.csv` or `.geojson`, or give --input-format csv|geojson",
                    args.input.display()
                );
                return EXIT_UNUSABLE;
            }
        },
    };
    let to_stdout = args.output.as_os_str() == "-";
    let format = match args.format {
        Some(OutFormat::Jsonl) => OutputFormat::JsonLines,
        Some(OutFormat::Csv) => OutputFormat::Csv,
        None if to_stdout => OutputFormat::JsonLines,
        None => match OutputFormat::from_path(&args.output) {
            Some(f) => f,
            None => {
                eprintln!(
                    "error: cannot tell the output format from `{}`\n  help: name it `.jsonl` or `.csv`, or give --format jsonl|csv",
                    args.output.display()
                );
                return EXIT_UNUSABLE;
            }
        },
    };
    if args.full_report && format != OutputFormat::JsonLines {
        eprintln!(
            "error: --full-report needs JSON Lines output\n  help: write to a `.jsonl` file or give --format jsonl"
        );
        return EXIT_UNUSABLE;
    }
    let log = match args.log.as_deref().map(ScreeningLog::open).transpose() {
        Ok(l) => l,
        Err(e) => {
            super::check::report_log_error(&e);
            return EXIT_UNUSABLE;
        }
    };
    let Some(rules) = load_rules(&args.rules) else {
        return EXIT_UNUSABLE;
    };
    let mut rows = match Rows::open(&args.input, input_format, &rules.schema) {
        Ok(r) => r,
        Err(e) => {
            report_error(&e);
            return EXIT_UNUSABLE;
        }
    };
    let options = Options {
        full_report: args.full_report,
        jobs: args.jobs.map(usize::from),
        log_source: log.as_ref().map(|_| Source::Batch),
        ..Options::default()
    };
    let partial = partial_path(&args.output);
    let out: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        match File::create(&partial) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", partial.display());
                return EXIT_UNUSABLE;
            }
        }
    };
    let bar = progress_bar(&rows);
    let mut sink = Reporting {
        inner: batch::output::writer(format, input_format, out),
        bar: bar.clone(),
        shown: 0,
        log,
        log_error: None,
        logged: 0,
    };
    let unit = rows.progress_unit();
    let start = Instant::now();
    let result = batch::run(&rules, &mut rows, &mut sink, &options, &mut |p| {
        if let Some(bar) = &bar {
            bar.set_position(p.position);
            let secs = start.elapsed().as_secs_f64().max(1e-9);
            let rate = p.rows as f64 / secs;
            bar.set_message(format!("{} rows, {rate:.0} rows/s", p.rows));
            if unit == ProgressUnit::Rows {
                bar.set_position(p.rows);
            }
        }
    });
    let elapsed = start.elapsed();
    let shown = sink.shown;
    let (log_error, logged) = (sink.log_error.take(), sink.logged);
    let log_path = sink.log.as_ref().map(|l| l.path().to_string());
    drop(sink);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            match &log_error {
                Some(le) => super::check::report_log_error(le),
                None => report_error(&e),
            }
            if !to_stdout {
                // Best effort: a leftover `.partial` file says itself that it is incomplete.
                let _ = std::fs::remove_file(&partial);
            }
            return EXIT_UNUSABLE;
        }
    };
    // Durable before it is renamed, and the rename durable too: after a power cut, `OUTPUT`
    // is either absent or complete.
    if !to_stdout && let Err(e) = std::fs::File::open(&partial).and_then(|f| f.sync_all()) {
        eprintln!("error: cannot flush `{}` to disk: {e}", partial.display());
        return EXIT_UNUSABLE;
    }
    if !to_stdout && let Err(e) = std::fs::rename(&partial, &args.output) {
        eprintln!(
            "error: cannot rename `{}` to `{}`: {e}",
            partial.display(),
            args.output.display()
        );
        return EXIT_UNUSABLE;
    }
    if !to_stdout {
        let dir = args
            .output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        // Best effort: not every file system lets a directory be opened and synced.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    if shown > SHOWN_ROW_ERRORS {
        eprintln!(
            "… and {} more rows that cannot be checked (see the output)",
            shown - SHOWN_ROW_ERRORS
        );
    }
    let secs = elapsed.as_secs_f64();
    eprintln!(
        "batch: {} rows: {} violated, {} needs review, {} satisfied, {} errors; {secs:.1} s, {:.0} rows/s{}",
        summary.rows,
        summary.violated,
        summary.needs_review,
        summary.satisfied,
        summary.errors,
        summary.rows as f64 / secs.max(1e-9),
        if to_stdout {
            String::new()
        } else {
            format!(" → `{}`", args.output.display())
        }
    );
    if let Some(p) = log_path {
        eprintln!("log: {logged} records appended to `{p}`");
    }
    if summary.errors > 0 {
        EXIT_SOME_ROWS_BAD
    } else {
        0
    }
}

/// `OUTPUT.partial` beside the output.
fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
