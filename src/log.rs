//! The screening log: a durable record of every project screened, for indicator 10 of the
//! five-year zoning assessment ("the number of EIAs whose review was assisted", by city, period,
//! outcome and industry) and for re-checking logged projects under a new rule set.
//!
//! The log is an SQLite file (`docs/log.md` has the tables). [`ScreeningLog::append`] writes one
//! record — rule set, project summary, administrative area, units touched, verdict, every clause
//! outcome and the project JSON — in one transaction, and returns only once it is durable: the
//! log runs in WAL mode with `synchronous = FULL`, so a commit is fsynced before it is
//! acknowledged, and a record acknowledged survives a crash or power cut. A crash mid-write
//! loses only the unacknowledged transaction, never half a record.
//!
//! ```
//! use std::path::Path;
//! use zonecheck::log::{RecordMeta, ScreeningLog, Source, StatsQuery};
//!
//! let rules = zonecheck::load_rule_set(Path::new("rules/nanjing"))?.rule_set;
//! let text = std::fs::read_to_string("examples/projects/02-yangtze-shore-chemical-new.json")?;
//! let project = zonecheck::parse_project(&text, &rules.schema)?;
//! let assessment = zonecheck::evaluate(&rules, &project);
//!
//! let dir = std::env::temp_dir().join(format!("zonecheck-log-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let log = ScreeningLog::open(&dir.join("screenings.db"))?;
//! let json: serde_json::Value = serde_json::from_str(&text)?;
//! log.append(&assessment, &RecordMeta::new(Source::Cli, &project, json))?;
//!
//! let stats = log.stats(&StatsQuery::default())?;
//! assert_eq!(stats.total.screened, 1);
//! assert_eq!(stats.total.violated, 1);
//! println!("{}", stats.to_markdown());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Runtime
//! An append costs one fsync of the WAL (a few milliseconds on a disk, far less on an SSD with
//! a write cache it trusts); [`ScreeningLog::append_many`] writes many records under one fsync.
//! [`ScreeningLog::stats`] reads the records of the period once.

pub mod record;
pub mod schema;
pub mod stats;
pub mod time;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::Value;

use crate::eval::{Assessment, Outcome};

pub use record::{AdminArea, Record, RecordClause, RecordMeta, RecordUnit, Source};
pub use schema::SCHEMA_VERSION;
pub use stats::{Counts, GroupKey, Stats, StatsQuery};
pub use time::Date;

/// Why the log could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("the directory `{}` of the log `{}` does not exist", dir.display(), path.display())]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("the log `{}` does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot open the log `{path}`: {message}")]
    Open { path: String, message: String },
    #[error("`{path}` is not an SQLite database")]
    NotSqlite { path: String },
    #[error("`{path}` is an SQLite database but not a zonecheck screening log")]
    NotALog { path: String },
    #[error(
        "the log `{path}` was written by a newer zonecheck (log schema version {found}; this zonecheck reads up to {supported})"
    )]
    Newer {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("the log `{path}` is damaged: {message}")]
    Corrupt { path: String, message: String },
    #[error("cannot migrate the log `{path}` from schema version {from} to {to}: {message}")]
    Migrate {
        path: String,
        from: u32,
        to: u32,
        message: String,
    },
    #[error("cannot write to the log `{path}`: {message}")]
    Write { path: String, message: String },
    #[error("cannot read the log `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("`{given}` is not a date of the form YYYY-MM-DD")]
    Date { given: String },
    #[error("the period starts on {from}, after it ends on {to}")]
    Period { from: Date, to: Date },
    #[error("unknown grouping key `{given}`{}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    GroupKey {
        given: String,
        suggestion: Option<&'static str>,
    },
}

impl LogError {
    /// A stable machine code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            LogError::NoDirectory { .. } | LogError::Missing { .. } | LogError::Open { .. } => {
                "E-LOG-OPEN"
            }
            LogError::NotSqlite { .. } => "E-LOG-NOT-SQLITE",
            LogError::NotALog { .. } => "E-LOG-NOT-A-LOG",
            LogError::Newer { .. } => "E-LOG-NEWER",
            LogError::Corrupt { .. } => "E-LOG-CORRUPT",
            LogError::Migrate { .. } => "E-LOG-MIGRATE",
            LogError::Write { .. } => "E-LOG-WRITE",
            LogError::Read { .. } => "E-LOG-READ",
            LogError::Date { .. } => "E-LOG-DATE",
            LogError::Period { .. } => "E-LOG-PERIOD",
            LogError::GroupKey { .. } => "E-LOG-BY",
        }
    }

    /// Advice for the user, when there is some.
    pub fn help(&self) -> Option<String> {
        match self {
            LogError::NoDirectory { .. } => {
                Some("create the directory first, or give a path in an existing one".into())
            }
            LogError::NotSqlite { .. } | LogError::NotALog { .. } => {
                Some("give the path of a screening log, or a new file name to start one".into())
            }
            LogError::Newer { .. } => Some(
                "use the zonecheck that wrote it (or a newer one), or start a new log file".into(),
            ),
            LogError::Period { .. } => Some("swap `--from` and `--to`".into()),
            LogError::GroupKey { .. } => Some(format!(
                "accepted keys: {}",
                GroupKey::ALL.map(GroupKey::key).join(", ")
            )),
            _ => None,
        }
    }
}

/// The id of a record in its log (`records.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(pub i64);

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which records a query reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// First UTC date included.
    pub from: Option<Date>,
    /// Last UTC date included.
    pub to: Option<Date>,
    /// Only records of the rule set of this name.
    pub rule_set: Option<String>,
}

impl Filter {
    /// The records screened from `from` to `to`, both included (UTC dates).
    ///
    /// # Errors
    /// [`LogError::Period`] when `from` is after `to`.
    pub fn period(from: Option<Date>, to: Option<Date>) -> Result<Filter, LogError> {
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(LogError::Period { from: f, to: t });
        }
        Ok(Filter {
            from,
            to,
            rule_set: None,
        })
    }

    /// An SQL condition on `records` aliased `r`, and its parameters.
    fn sql(&self) -> (String, Vec<String>) {
        let mut conds = vec!["1 = 1".to_string()];
        let mut params = Vec::new();
        // The stamp's first 10 characters are its UTC date; text order is date order.
        if let Some(f) = self.from {
            params.push(f.to_string());
            conds.push(format!("substr(r.screened_at, 1, 10) >= ?{}", params.len()));
        }
        if let Some(t) = self.to {
            params.push(t.to_string());
            conds.push(format!("substr(r.screened_at, 1, 10) <= ?{}", params.len()));
        }
        if let Some(n) = &self.rule_set {
            params.push(n.clone());
            conds.push(format!("r.rule_set_name = ?{}", params.len()));
        }
        (conds.join(" AND "), params)
    }
}

/// A logged project, for checking it again (see [`ScreeningLog::projects`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedProject {
    pub id: RecordId,
    pub screened_at: String,
    pub rule_set_name: String,
    pub rule_set_version: String,
    pub rule_set_hash: String,
    /// The project JSON as it was checked.
    pub project: Value,
    pub verdict: Outcome,
    /// Every applicable clause and its outcome, in the report's order.
    pub clauses: Vec<RecordClause>,
}

/// An open screening log. One connection; share it across threads behind a mutex, or open one
/// per thread (SQLite serialises the writers, WAL lets readers go on).
#[derive(Debug)]
pub struct ScreeningLog {
    conn: Connection,
    path: String,
}

impl ScreeningLog {
    /// Opens the log at `path`, creating it if the file does not exist or is empty, and
    /// migrating it if an older zonecheck wrote it.
    ///
    /// # Errors
    /// The directory does not exist, the file is not SQLite, is an SQLite database of something
    /// else, was written by a newer zonecheck ([`LogError::Newer`]), or cannot be opened or
    /// migrated.
    pub fn open(path: &Path) -> Result<ScreeningLog, LogError> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.is_dir()
        {
            return Err(LogError::NoDirectory {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
            });
        }
        if path.is_dir() {
            return Err(LogError::Open {
                path: shown,
                message: "it is a directory".into(),
            });
        }
        let mut conn = Connection::open(path).map_err(|e| schema::classify(&shown, &e))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| schema::classify(&shown, &e))?;
        schema::prepare(&mut conn, &shown)?;
        Ok(ScreeningLog { conn, path: shown })
    }

    /// Opens an existing log read-only, for reading it ([`ScreeningLog::stats`],
    /// [`ScreeningLog::projects`]): it neither creates, migrates nor locks it for writing, so an
    /// archived read-only copy can be counted and a running writer is not held up.
    ///
    /// # Errors
    /// [`LogError::Missing`] when there is no file at `path`; a file that is not a zonecheck
    /// log (an empty one included), one from a newer zonecheck, or one that needs migrating.
    pub fn open_existing(path: &Path) -> Result<ScreeningLog, LogError> {
        if !path.exists() {
            return Err(LogError::Missing {
                path: path.to_path_buf(),
            });
        }
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(LogError::Open {
                path: shown,
                message: "it is a directory".into(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| schema::classify(&shown, &e))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| schema::classify(&shown, &e))?;
        schema::check_readable(&conn, &shown)?;
        Ok(ScreeningLog { conn, path: shown })
    }

    /// The path the log was opened with.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn write_err(&self) -> impl Fn(rusqlite::Error) -> LogError + '_ {
        |e| LogError::Write {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn read_err(&self) -> impl Fn(rusqlite::Error) -> LogError + '_ {
        |e| LogError::Read {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Appends the record of one screening in its own transaction; returns once it is durable.
    ///
    /// # Errors
    /// [`LogError::Write`] when the record could not be committed (disk full, read-only file,
    /// lock held too long): nothing of it is in the log.
    pub fn append(&self, assessment: &Assessment, meta: &RecordMeta) -> Result<RecordId, LogError> {
        let record = Record::new(assessment, meta);
        self.append_records(std::slice::from_ref(&record))?
            .into_iter()
            .next()
            .ok_or_else(|| LogError::Write {
                path: self.path.clone(),
                message: "no record id returned".into(),
            })
    }

    /// Appends several screenings in one transaction (a batch chunk); returns their ids, in
    /// order, once all are durable.
    ///
    /// # Errors
    /// [`LogError::Write`]: none of them is in the log.
    pub fn append_many<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a Assessment, &'a RecordMeta)>,
    ) -> Result<Vec<RecordId>, LogError> {
        let records: Vec<Record> = items.into_iter().map(|(a, m)| Record::new(a, m)).collect();
        self.append_records(&records)
    }

    /// Appends records already built (e.g. by batch workers) in one transaction.
    ///
    /// # Errors
    /// [`LogError::Write`]: none of them is in the log.
    pub fn append_records<'a>(
        &self,
        records: impl IntoIterator<Item = &'a Record>,
    ) -> Result<Vec<RecordId>, LogError> {
        // IMMEDIATE: take the write lock at BEGIN, waiting (busy timeout) for another writer.
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )
        .map_err(self.write_err())?;
        let mut ids = Vec::new();
        for r in records {
            ids.push(RecordId(r.insert(&tx).map_err(self.write_err())?));
        }
        tx.commit().map_err(self.write_err())?;
        Ok(ids)
    }

    /// Number of records and of clause outcomes in the log.
    ///
    /// # Errors
    /// [`LogError::Read`].
    pub fn count(&self) -> Result<(u64, u64), LogError> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM clause_outcomes)",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .map(|(a, b)| (u64::try_from(a).unwrap_or(0), u64::try_from(b).unwrap_or(0)))
            .map_err(self.read_err())
    }

    /// The logged projects that `filter` selects, oldest first, read a page at a time: each with
    /// its project JSON, verdict and clause outcomes, for checking them again under another
    /// rule set.
    pub fn projects(&self, filter: &Filter) -> LoggedProjects<'_> {
        LoggedProjects {
            log: self,
            filter: filter.clone(),
            after: 0,
            page: VecDeque::new(),
            done: false,
        }
    }

    /// Computes the indicator-10 table (see [`stats`]).
    ///
    /// # Errors
    /// [`LogError::Read`], or [`LogError::Corrupt`] for a stored value this zonecheck does not
    /// know.
    pub fn stats(&self, query: &StatsQuery) -> Result<Stats, LogError> {
        stats::compute(self, query)
    }

    fn corrupt(&self, message: String) -> LogError {
        LogError::Corrupt {
            path: self.path.clone(),
            message,
        }
    }

    fn read_page(&self, filter: &Filter, after: i64) -> Result<Vec<LoggedProject>, LogError> {
        const PAGE: i64 = 512;
        let (cond, mut params) = filter.sql();
        params.push(after.to_string());
        let after_param = params.len();
        params.push(PAGE.to_string());
        let sql = format!(
            "SELECT r.id, r.screened_at, r.rule_set_name, r.rule_set_version, r.rule_set_hash,
                    r.project_json, r.verdict
             FROM records r WHERE {cond} AND r.id > CAST(?{after_param} AS INTEGER)
             ORDER BY r.id LIMIT CAST(?{} AS INTEGER)",
            after_param + 1
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.read_err())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(self.read_err())?;
        let mut page = Vec::new();
        for row in rows {
            let (id, at, name, version, hash, json, verdict) = row.map_err(self.read_err())?;
            let project = serde_json::from_str(&json)
                .map_err(|e| self.corrupt(format!("record {id}: project JSON: {e}")))?;
            let verdict = record::parse_outcome(&verdict)
                .ok_or_else(|| self.corrupt(format!("record {id}: verdict `{verdict}`")))?;
            page.push(LoggedProject {
                id: RecordId(id),
                screened_at: at,
                rule_set_name: name,
                rule_set_version: version,
                rule_set_hash: hash,
                project,
                verdict,
                clauses: Vec::new(),
            });
        }
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            return Ok(page);
        };
        let (lo, hi) = (first.id.0, last.id.0);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT record_id, clause_id, level, dimension, outcome FROM clause_outcomes
                 WHERE record_id BETWEEN ?1 AND ?2 ORDER BY record_id, seq",
            )
            .map_err(self.read_err())?;
        let rows = stmt
            .query_map([lo, hi], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(self.read_err())?;
        let mut at = 0;
        for row in rows {
            let (rid, id, level, dim, outcome) = row.map_err(self.read_err())?;
            while page.get(at).is_some_and(|p| p.id.0 < rid) {
                at += 1;
            }
            // Records between lo and hi that the filter left out have no entry in the page.
            let Some(p) = page.get_mut(at).filter(|p| p.id.0 == rid) else {
                continue;
            };
            let dimension = record::parse_dimension(&dim).ok_or_else(|| LogError::Corrupt {
                path: self.path.clone(),
                message: format!("record {rid}: dimension `{dim}`"),
            })?;
            let outcome = record::parse_outcome(&outcome).ok_or_else(|| LogError::Corrupt {
                path: self.path.clone(),
                message: format!("record {rid}: outcome `{outcome}`"),
            })?;
            p.clauses.push(RecordClause {
                id,
                level,
                dimension,
                outcome,
            });
        }
        Ok(page)
    }
}

/// The iterator of [`ScreeningLog::projects`].
pub struct LoggedProjects<'a> {
    log: &'a ScreeningLog,
    filter: Filter,
    after: i64,
    page: VecDeque<LoggedProject>,
    done: bool,
}

impl Iterator for LoggedProjects<'_> {
    type Item = Result<LoggedProject, LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.page.is_empty() && !self.done {
            match self.log.read_page(&self.filter, self.after) {
                Ok(page) => {
                    self.done = page.is_empty();
                    if let Some(last) = page.last() {
                        self.after = last.id.0;
                    }
                    self.page = page.into();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        self.page.pop_front().map(Ok)
    }
}
