//! Batch: check every project of a table (CSV rows or GeoJSON features) against one rule set,
//! in parallel, with one result per row in input order. File formats, columns and exit codes:
//! `docs/batch.md`.
//!
//! Each row is turned into a project JSON value ([`rows`]), validated by the same parser as a
//! project file ([`crate::eval::project::project_from_value`]) and evaluated
//! ([`crate::eval::evaluate`]). A bad row never stops the run: it becomes an error result whose
//! problems name the input column. Only an input that cannot be used at all (unreadable,
//! unknown column, not a FeatureCollection, not UTF-8) is a [`BatchError`].
//!
//! ```
//! use std::path::Path;
//! use zonecheck::batch::{self, InputFormat, Options, OutputFormat, Rows};
//!
//! let rules = zonecheck::load_rule_set(Path::new("rules/nanjing"))?.rule_set;
//! let mut rows = Rows::open(Path::new("examples/batch/projects.csv"), InputFormat::Csv, &rules.schema)?;
//! let mut out = Vec::new();
//! let mut sink = batch::output::writer(OutputFormat::JsonLines, rows.format(), &mut out);
//! let summary = batch::run(&rules, &mut rows, sink.as_mut(), &Options::default(), &mut |_| {})?;
//! drop(sink);
//! assert_eq!(summary.rows, String::from_utf8(out)?.lines().count() as u64);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Runtime
//! Rows are read in chunks of [`Options::chunk_rows`]; the rows of a chunk are evaluated in
//! parallel while the next chunk is read, then written in order. Memory holds two chunks and
//! their results (a GeoJSON input is also held whole).

pub mod output;
pub mod rows;

use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::Value;

use crate::compile::RuleSet;
use crate::eval::{Outcome, evaluate, project::project_from_value};
use crate::report::to_json_value;

pub use output::{OutputFormat, ResultSink};
pub use rows::{InputFormat, ProgressUnit, RowInput, Rows};

/// One problem with a row: the input column it concerns (CSV column, or GeoJSON property
/// path), the project field, what is wrong and what would be right.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The input column, e.g. `VOCs.total`, `lon`, `properties.fuel`; `None` for the row as a
    /// whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The project field's JSON path, e.g. `emissions.VOCs.total`.
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "column `{c}`: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

/// Why a batch input could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is empty: a header row is required", path.display())]
    EmptyInput { path: PathBuf },
    #[error("`{}` line {line} is not UTF-8 text", path.display())]
    NotUtf8 { path: PathBuf, line: u64 },
    #[error("`{}` is not readable CSV{}: {message}", path.display(), line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    #[error("unknown column `{column}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownColumn {
        column: String,
        suggestion: Option<String>,
        accepted: String,
    },
    #[error("column {index} of the header has no name")]
    UnnamedColumn { index: usize },
    #[error("column `{column}` gives the same field as column `{first}`")]
    DuplicateColumn { column: String, first: String },
    #[error("the header has neither a `wkt` column nor `lon` and `lat` columns")]
    NoGeometry { accepted: String },
    #[error("the header has a `{given}` column but no `{missing}` column")]
    HalfPoint {
        given: &'static str,
        missing: &'static str,
    },
    #[error("the header has no `id` column")]
    NoId { accepted: String },
    #[error("`{}` is not a GeoJSON FeatureCollection: {message}", path.display())]
    GeoJson { path: PathBuf, message: String },
    #[error("unknown property `{property}` in feature {feature}{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownProperty {
        property: String,
        suggestion: Option<String>,
        feature: usize,
        accepted: String,
    },
    #[error("cannot write the results: {0}")]
    Write(#[source] std::io::Error),
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
}

impl BatchError {
    /// A stable machine code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            BatchError::Read { .. } | BatchError::EmptyInput { .. } => "E-BATCH-READ",
            BatchError::NotUtf8 { .. } => "E-BATCH-ENCODING",
            BatchError::Csv { .. }
            | BatchError::UnknownColumn { .. }
            | BatchError::UnnamedColumn { .. }
            | BatchError::DuplicateColumn { .. }
            | BatchError::NoGeometry { .. }
            | BatchError::HalfPoint { .. }
            | BatchError::NoId { .. } => "E-BATCH-HEADER",
            BatchError::GeoJson { .. } | BatchError::UnknownProperty { .. } => "E-BATCH-GEOJSON",
            BatchError::Write(_) => "E-BATCH-WRITE",
            BatchError::Threads(_) => "E-BATCH-THREADS",
        }
    }

    /// Advice for the user, when there is some.
    pub fn help(&self) -> Option<String> {
        match self {
            BatchError::NotUtf8 { .. } => Some(
                "the file is neither UTF-8 nor GB18030/GBK text: save it as UTF-8 (Excel: \
                 \"CSV UTF-8\")"
                    .into(),
            ),
            BatchError::UnknownColumn { accepted, .. }
            | BatchError::UnknownProperty { accepted, .. }
            | BatchError::NoGeometry { accepted }
            | BatchError::NoId { accepted } => Some(format!("accepted columns: {accepted}")),
            BatchError::DuplicateColumn { .. } => Some("keep one of the two columns".into()),
            BatchError::UnnamedColumn { .. } => {
                Some("name the column or delete it (spreadsheets sometimes add empty ones)".into())
            }
            _ => None,
        }
    }
}

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct Options {
    /// Include each row's full JSON report (`docs/report.md`) in its result.
    pub full_report: bool,
    /// Rows read, evaluated and written together.
    pub chunk_rows: usize,
    /// Worker threads; `None` = one per core.
    pub jobs: Option<usize>,
    /// Build each checked row's screening-log record ([`Checked::record`]) in the workers,
    /// stamped with this source, for a sink that appends them to a [`crate::log::ScreeningLog`].
    pub log_source: Option<crate::log::Source>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            full_report: false,
            chunk_rows: 2048,
            jobs: None,
            log_source: None,
        }
    }
}

/// How far a run has got, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Rows written so far.
    pub rows: u64,
    /// The input's position, in the unit of [`Rows::progress_unit`].
    pub position: u64,
}

/// The answer for a row that could be checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub verdict: Outcome,
    /// Codes of the control units the project touches.
    pub units: Vec<String>,
    /// Ids of the violated clauses.
    pub violated: Vec<String>,
    /// Ids of the clauses that need review.
    pub needs_review: Vec<String>,
    /// Facts the project did not state that some outcome depends on, first use first.
    pub missing: Vec<String>,
    /// The full JSON report, with [`Options::full_report`].
    pub report: Option<Value>,
    /// The screening-log record, with [`Options::log_source`].
    pub record: Option<Box<crate::log::Record>>,
}

/// A row's result.
#[derive(Debug, Clone)]
pub enum RowOutcome {
    Checked(Box<Checked>),
    /// The row could not be checked: every problem found in it.
    Failed(Vec<Problem>),
}

/// One row's result, named as the input names it.
#[derive(Debug, Clone)]
pub struct RowResult {
    /// Position among the data rows (features), from 1.
    pub row: u64,
    /// CSV: the file line the row starts on.
    pub line: Option<u64>,
    /// GeoJSON: the feature's index in `features`, from 0.
    pub feature: Option<u64>,
    pub id: Option<String>,
    pub outcome: RowOutcome,
}

/// Counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub violated: u64,
    pub needs_review: u64,
    pub satisfied: u64,
    /// Rows that could not be checked.
    pub errors: u64,
}

impl Summary {
    fn add(&mut self, r: &RowResult) {
        self.rows += 1;
        match &r.outcome {
            RowOutcome::Checked(c) => match c.verdict {
                Outcome::Violated => self.violated += 1,
                Outcome::NeedsReview => self.needs_review += 1,
                Outcome::Satisfied => self.satisfied += 1,
            },
            RowOutcome::Failed(_) => self.errors += 1,
        }
    }
}

/// Checks one row: parses its project value against the rule set's schema and evaluates it.
pub fn check_row(rules: &RuleSet, input: RowInput, full_report: bool) -> RowResult {
    let options = Options {
        full_report,
        ..Options::default()
    };
    check_row_with(rules, input, &options)
}

/// [`check_row`] with every option of a run (full report, log record).
pub fn check_row_with(rules: &RuleSet, mut input: RowInput, options: &Options) -> RowResult {
    let full_report = options.full_report;
    let parsed = project_from_value(&input.project, &rules.schema);
    let outcome = match parsed {
        Ok(project) if input.problems.is_empty() => {
            let a = evaluate(rules, &project);
            let ids = |o: Outcome| {
                a.clauses
                    .iter()
                    .filter(|c| c.outcome == o)
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>()
            };
            let mut missing: Vec<String> = Vec::new();
            for m in a.clauses.iter().flat_map(|c| &c.missing) {
                if !missing.contains(m) {
                    missing.push(m.clone());
                }
            }
            RowOutcome::Checked(Box::new(Checked {
                verdict: a.verdict,
                units: a.units.iter().map(|u| u.code.clone()).collect(),
                violated: ids(Outcome::Violated),
                needs_review: ids(Outcome::NeedsReview),
                missing,
                report: full_report.then(|| to_json_value(&a)),
                record: options.log_source.map(|source| {
                    let json = std::mem::take(&mut input.project);
                    let meta = crate::log::RecordMeta::new(source, &project, json);
                    Box::new(crate::log::Record::new(&a, &meta))
                }),
            }))
        }
        parsed => {
            let mut problems = input.problems.clone();
            // A location the row builder already rejected is reported once, by it.
            let location_known_bad = problems.iter().any(|p| p.field.starts_with("location"));
            if let Err(e) = parsed {
                problems.extend(
                    e.errors
                        .into_iter()
                        .filter(|f| !(location_known_bad && f.field.starts_with("location")))
                        .map(|f| Problem {
                            column: input.column_of(&f.field),
                            field: f.field,
                            message: f.message,
                            help: f.help,
                        }),
                );
            }
            RowOutcome::Failed(problems)
        }
    };
    RowResult {
        row: input.row,
        line: input.line,
        feature: input.feature,
        id: input.id,
        outcome,
    }
}

fn read_chunk(rows: &mut Rows, n: usize) -> Result<Vec<RowInput>, BatchError> {
    let mut chunk = Vec::with_capacity(n);
    for r in rows.by_ref().take(n) {
        chunk.push(r?);
    }
    Ok(chunk)
}

/// Checks every row of `rows` and writes one result per row, in input order, to `sink`;
/// `progress` is called after each chunk.
///
/// # Errors
/// The input became unusable part-way (a read error, a line that is not UTF-8), the sink
/// could not be written, or the thread pool could not start. Rows with problems are not
/// errors: they are results.
pub fn run(
    rules: &RuleSet,
    rows: &mut Rows,
    sink: &mut dyn ResultSink,
    options: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, BatchError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .map_err(|e| BatchError::Threads(e.to_string()))?;
    let n = options.chunk_rows.max(1);
    let mut summary = Summary::default();
    let mut chunk = read_chunk(rows, n)?;
    while !chunk.is_empty() {
        let position = rows.progress_position();
        // Evaluate this chunk while the next one is read.
        let (next, results) = pool.install(|| {
            rayon::join(
                || read_chunk(rows, n),
                || {
                    chunk
                        .into_par_iter()
                        .map(|r| check_row_with(rules, r, options))
                        .collect::<Vec<_>>()
                },
            )
        });
        for r in &results {
            summary.add(r);
        }
        sink.write_chunk(&results).map_err(BatchError::Write)?;
        progress(Progress {
            rows: summary.rows,
            position,
        });
        chunk = next?;
    }
    sink.finish().map_err(BatchError::Write)?;
    Ok(summary)
}
