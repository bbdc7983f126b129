//! Source files, spans and diagnostics.
//!
//! Every AST node and compiled clause keeps a [`Span`] into the file it came from, so that a
//! diagnostic can underline the exact text and a report can point at the clause that produced
//! a verdict.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One loaded rule file: its path (as given to the loader) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Byte offsets where lines start, computed on first use (a national rule file has tens of
    /// thousands of clauses, each located once).
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        // A line ends at LF, CR LF or a lone CR (old Mac files), as the grammar's NEWLINE does.
        self.line_starts.get_or_init(|| {
            let b = self.text.as_bytes();
            std::iter::once(0)
                .chain(b.iter().enumerate().filter_map(|(i, &c)| match c {
                    b'\n' => Some(i + 1),
                    b'\r' if b.get(i + 1) != Some(&b'\n') => Some(i + 1),
                    _ => None,
                }))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    ///
    /// # Runtime
    /// O(log lines + column): a binary search over the line starts.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let col = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, col)
    }

    /// The text of the 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = starts
            .get(line)
            .map_or(self.text.len(), |e| e.saturating_sub(1));
        self.text
            .get(start..end.max(start))
            .unwrap_or("")
            .trim_end_matches('\r')
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

/// A byte range in one source file; `file` indexes the rule set's file list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub file: u32,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }
}

/// A resolved position, for reports: `path:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a rule set: where, what, and what to do about it.
///
/// Messages are lowercase and one line, with user values in backticks; `help` carries advice.
/// `code` is a stable machine-readable kind (for example `E-SYNTAX`, `E-UNKNOWN-NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn warning(code: &'static str, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The source files of a rule set, by index; used to render diagnostics and locations.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> u32 {
        self.files.push(file);
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    pub fn get(&self, file: u32) -> Option<&SourceFile> {
        self.files.get(file as usize)
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        let f = self.get(span.file)?;
        let (line, column) = f.line_col(span.start);
        Some(Location {
            file: display_path(&f.path),
            line,
            column,
        })
    }

    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |f| f.snippet(span))
    }

    /// Renders a diagnostic the way a compiler does:
    ///
    /// ```text
    /// error[E-SYNTAX]: expected a condition
    ///   --> rules/nanjing/10-jiangsu.zc:12:8
    ///    |
    /// 12 |   when and nature in [新建]
    ///    |        ^^^
    ///    = help: ...
    /// ```
    pub fn render(&self, d: &Diagnostic) -> String {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{sev}[{}]: {}\n", d.code, d.message);
        if let Some(span) = d.span
            && let Some(f) = self.get(span.file)
        {
            let (line, col) = f.line_col(span.start);
            // Tabs are shown as four spaces so that the carets line up under them.
            let text = f.line_text(line).replace('\t', "    ");
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            out.push_str(&format!(
                "{pad}--> {}:{line}:{col}\n",
                display_path(&f.path)
            ));
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{line} | {text}\n"));
            // Carets under the span (clipped to this line), measured in display columns so that
            // CJK characters, which take two columns in a terminal, line up.
            let lead: String = f
                .line_text(line)
                .chars()
                .take(col - 1)
                .collect::<String>()
                .replace('\t', "    ");
            let span_len = span.end.saturating_sub(span.start).max(1);
            let covered: String = f
                .text
                .get(span.start..)
                .unwrap_or("")
                .chars()
                .scan(0usize, |n, c| {
                    *n += c.len_utf8();
                    (*n <= span_len && c != '\n' && c != '\r').then_some(c)
                })
                .collect();
            let carets = display_width(&covered).max(1);
            out.push_str(&format!(
                "{pad} | {}{}\n",
                " ".repeat(display_width(&lead)),
                "^".repeat(carets)
            ));
        }
        if let Some(help) = &d.help {
            let pad = " ".repeat(self.gutter_width(d));
            out.push_str(&format!("{pad} = help: {help}\n"));
        }
        out
    }

    fn gutter_width(&self, d: &Diagnostic) -> usize {
        d.span
            .and_then(|s| {
                self.get(s.file)
                    .map(|f| f.line_col(s.start).0.to_string().len())
            })
            .unwrap_or(0)
    }
}

/// Terminal columns of a string: CJK and full-width characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c)
                || (0x20000..=0x3FFFD).contains(&c);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Paths are shown as given, with `/` separators, so diagnostics and reports are stable.
pub fn display_path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
