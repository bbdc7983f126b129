//! Loading a rule set from disk: every `*.zc` file of a directory, in name order, parsed and
//! compiled together. This is the only part of the engine that reads rule files.

use std::path::{Path, PathBuf};

use crate::compile::{RuleSet, compile_rule_set};
use crate::source::{Diagnostic, SourceFile, Sources};
use crate::syntax::parse_file;

/// Why a rule set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read rule set `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("rule set directory `{0}` holds no `.zc` rule files")]
    NoRuleFiles(PathBuf),
    #[error("rule set has {} error(s)", .diagnostics.iter().filter(|d| d.is_error()).count())]
    Invalid {
        sources: Box<Sources>,
        diagnostics: Vec<Diagnostic>,
    },
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
}

impl RulesError {
    /// Stable machine-readable kind.
    pub fn code(&self) -> &'static str {
        match self {
            RulesError::Io { .. } => "E-RULES-IO",
            RulesError::NoRuleFiles(_) => "E-RULES-EMPTY",
            RulesError::Invalid { .. } => "E-RULES-INVALID",
            RulesError::Snapshot(e) => e.code(),
        }
    }

    /// Every diagnostic rendered with its source line, for people (at most [`MAX_RENDERED`]).
    pub fn render(&self) -> String {
        match self {
            RulesError::Invalid {
                sources,
                diagnostics,
            } => {
                let mut out: Vec<String> = diagnostics
                    .iter()
                    .take(MAX_RENDERED)
                    .map(|d| sources.render(d))
                    .collect();
                if diagnostics.len() > MAX_RENDERED {
                    out.push(format!(
                        "… and {} more problems\n",
                        diagnostics.len() - MAX_RENDERED
                    ));
                }
                out.join("\n")
            }
            other => format!("error[{}]: {other}\n", other.code()),
        }
    }
}

/// Diagnostics rendered at most per run; a file with thousands of errors is better fixed from
/// the first ones.
pub const MAX_RENDERED: usize = 200;

/// A loaded rule set, with the warnings compilation produced and the sources (for rendering).
#[derive(Debug)]
pub struct Loaded {
    pub rule_set: RuleSet,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

/// Lists a rule set directory's `*.zc` files in name order (a single file is accepted too).
///
/// # Errors
/// The directory cannot be read or holds no rule files.
pub fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, RulesError> {
    if dir.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let io = |source| RulesError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "zc") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(RulesError::NoRuleFiles(dir.to_path_buf()));
    }
    Ok(files)
}

/// Reads, parses and compiles a rule set directory — or reads a compiled snapshot file
/// (see [`crate::snapshot`]) when `dir` is one. The syntax errors of every file are
/// reported together; when there are none, all compile errors are reported together
/// (compiling stops after syntax errors, whose follow-on errors would only mislead).
///
/// # Errors
/// [`RulesError`] with every diagnostic found.
pub fn load_rule_set(dir: &Path) -> Result<Loaded, RulesError> {
    if dir.is_file() && crate::snapshot::is_snapshot(dir) {
        let rule_set = crate::snapshot::read(dir)?;
        return Ok(Loaded {
            rule_set,
            warnings: Vec::new(),
            sources: Sources::default(),
        });
    }
    let mut sources = Sources::default();
    for path in rule_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Io {
            path: path.clone(),
            source,
        })?;
        // Editors on Windows save UTF-8 with a byte-order mark; it is not part of the text.
        let text = match text.strip_prefix('\u{feff}') {
            Some(t) => t.to_string(),
            None => text,
        };
        sources.add(SourceFile::new(path, text));
    }
    let root = if dir.is_file() {
        dir.parent().unwrap_or(Path::new(""))
    } else {
        dir
    };
    compile_sources(sources, root)
}

/// Parses and compiles already-read sources; `root` anchors layer paths and clause locations.
///
/// # Errors
/// [`RulesError::Invalid`] with every diagnostic found.
pub fn compile_sources(sources: Sources, root: &Path) -> Result<Loaded, RulesError> {
    let mut diagnostics = Vec::new();
    let mut asts = Vec::new();
    for (i, f) in sources.files.iter().enumerate() {
        match parse_file(u32::try_from(i).unwrap_or(u32::MAX), &f.text) {
            Ok(ast) => asts.push(ast),
            Err(d) => diagnostics.push(d),
        }
    }
    if !diagnostics.is_empty() {
        return Err(RulesError::Invalid {
            sources: Box::new(sources),
            diagnostics,
        });
    }
    match compile_rule_set(&sources, &asts, root) {
        Ok(c) => Ok(Loaded {
            rule_set: c.rule_set,
            warnings: c.warnings,
            sources,
        }),
        Err(diagnostics) => Err(RulesError::Invalid {
            sources: Box::new(sources),
            diagnostics,
        }),
    }
}
