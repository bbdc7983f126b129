//! Writing batch results: JSON Lines (one object per row) or CSV (one record per row). The
//! fields are listed in `docs/batch.md`.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{InputFormat, RowOutcome, RowResult};

/// The output's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per line.
    JsonLines,
    /// A CSV table with a header row.
    Csv,
}

impl OutputFormat {
    /// The format a file name suggests: `.jsonl`/`.ndjson` or `.csv`.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => Some(Self::JsonLines),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// Receives results in input order.
pub trait ResultSink {
    /// Writes one row's result.
    ///
    /// # Errors
    /// The underlying writer failed.
    fn write_result(&mut self, result: &RowResult) -> io::Result<()>;
    /// Writes the results of one chunk, in order. A sink that must do something once per
    /// chunk (commit the chunk's log records before any of its results is written) overrides
    /// this; the default writes each result.
    ///
    /// # Errors
    /// The underlying writer failed.
    fn write_chunk(&mut self, results: &[RowResult]) -> io::Result<()> {
        for r in results {
            self.write_result(r)?;
        }
        Ok(())
    }
    /// Flushes what is buffered; called once after the last row.
    ///
    /// # Errors
    /// The underlying writer failed.
    fn finish(&mut self) -> io::Result<()>;
}

/// A writer for `format`; `input` decides whether rows are located by `line` (CSV) or
/// `feature` (GeoJSON).
pub fn writer<'w, W: Write + 'w>(
    format: OutputFormat,
    input: InputFormat,
    out: W,
) -> Box<dyn ResultSink + 'w> {
    match format {
        OutputFormat::JsonLines => Box::new(JsonLines {
            out: io::BufWriter::new(out),
        }),
        OutputFormat::Csv => Box::new(CsvResults {
            out: csv::Writer::from_writer(out),
            input,
            header_written: false,
        }),
    }
}

/// The JSON object for one result (one line of the JSON Lines output).
pub fn result_to_json(r: &RowResult) -> Value {
    let mut m = Map::new();
    m.insert("row".into(), json!(r.row));
    if let Some(l) = r.line {
        m.insert("line".into(), json!(l));
    }
    if let Some(f) = r.feature {
        m.insert("feature".into(), json!(f));
    }
    m.insert("id".into(), json!(r.id));
    match &r.outcome {
        RowOutcome::Checked(c) => {
            m.insert("verdict".into(), json!(c.verdict));
            m.insert("units".into(), json!(c.units));
            m.insert("violated".into(), json!(c.violated));
            m.insert("needs_review".into(), json!(c.needs_review));
            m.insert("missing".into(), json!(c.missing));
            if let Some(report) = &c.report {
                m.insert("report".into(), report.clone());
            }
        }
        RowOutcome::Failed(problems) => {
            m.insert(
                "error".into(),
                json!({"code": "E-PROJECT", "problems": problems}),
            );
        }
    }
    Value::Object(m)
}

struct JsonLines<W: Write> {
    out: io::BufWriter<W>,
}

impl<W: Write> ResultSink for JsonLines<W> {
    fn write_result(&mut self, r: &RowResult) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &result_to_json(r))?;
        self.out.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct CsvResults<W: Write> {
    out: csv::Writer<W>,
    input: InputFormat,
    header_written: bool,
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl<W: Write> CsvResults<W> {
    fn header(&mut self) -> io::Result<()> {
        let locator = match self.input {
            InputFormat::Csv => "line",
            InputFormat::GeoJson => "feature",
        };
        self.out
            .write_record([
                "row",
                locator,
                "id",
                "verdict",
                "units",
                "violated",
                "needs_review",
                "missing",
                "error",
            ])
            .map_err(csv_io)?;
        self.header_written = true;
        Ok(())
    }
}

impl<W: Write> ResultSink for CsvResults<W> {
    fn write_result(&mut self, r: &RowResult) -> io::Result<()> {
        if !self.header_written {
            self.header()?;
        }
        let locator = r
            .line
            .or(r.feature)
            .map(|n| n.to_string())
            .unwrap_or_default();
        let id = r.id.clone().unwrap_or_default();
        let record = match &r.outcome {
            RowOutcome::Checked(c) => {
                let verdict = match c.verdict {
                    crate::eval::Outcome::Violated => "violated",
                    crate::eval::Outcome::NeedsReview => "needs_review",
                    crate::eval::Outcome::Satisfied => "satisfied",
                };
                [
                    r.row.to_string(),
                    locator,
                    id,
                    verdict.to_string(),
                    c.units.join(";"),
                    c.violated.join(";"),
                    c.needs_review.join(";"),
                    c.missing.join(";"),
                    String::new(),
                ]
            }
            RowOutcome::Failed(problems) => [
                r.row.to_string(),
                locator,
                id,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" | "),
            ],
        };
        self.out.write_record(&record).map_err(csv_io)
    }
    fn finish(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.header()?;
        }
        self.out.flush()
    }
}
