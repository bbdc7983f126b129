//! The log's tables, its schema version, and the steps that migrate an older log.
//!
//! The `meta` table names the file as a zonecheck screening log (`application`) and holds the
//! `schema_version`. A log with a higher version than [`SCHEMA_VERSION`] was written by a newer
//! zonecheck and is refused rather than half-understood; a lower one is migrated in one
//! transaction by [`MIGRATIONS`]. Table reference: `docs/log.md`.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::LogError;

/// The schema version this zonecheck writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The `application` value in `meta` that identifies a screening log.
pub const APPLICATION: &str = "zonecheck screening log";

/// Schema version 1. `STRICT` tables: SQLite refuses a value of the wrong type.
const DDL_V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE records (
    id               INTEGER PRIMARY KEY,
    screened_at      TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('cli', 'batch', 'service')),
    zonecheck        TEXT NOT NULL,
    rule_set_name    TEXT NOT NULL,
    rule_set_version TEXT NOT NULL,
    rule_set_hash    TEXT NOT NULL,
    project_id       TEXT,
    project_name     TEXT NOT NULL,
    geometry_type    TEXT NOT NULL,
    centroid_lon     REAL,
    centroid_lat     REAL,
    area_m2          REAL,
    length_m         REAL,
    nature           TEXT,
    province         TEXT,
    city             TEXT,
    district         TEXT,
    verdict          TEXT NOT NULL CHECK (verdict IN ('violated', 'needs_review', 'satisfied')),
    project_json     TEXT NOT NULL
) STRICT;
CREATE INDEX records_screened_at ON records (screened_at);
CREATE INDEX records_project_id ON records (project_id);

CREATE TABLE record_industries (
    record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    code      TEXT NOT NULL,
    PRIMARY KEY (record_id, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE record_units (
    record_id        INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    code             TEXT NOT NULL,
    unit_type        TEXT NOT NULL CHECK (unit_type IN ('priority', 'key', 'general')),
    admin_code       TEXT NOT NULL,
    overlap_area_m2  REAL,
    overlap_length_m REAL,
    PRIMARY KEY (record_id, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE clause_outcomes (
    record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    clause_id TEXT NOT NULL,
    level     TEXT NOT NULL,
    dimension TEXT NOT NULL CHECK (dimension IN
        ('spatial_layout', 'pollutant_emissions', 'environmental_risk', 'resource_efficiency')),
    outcome   TEXT NOT NULL CHECK (outcome IN ('violated', 'needs_review', 'satisfied')),
    PRIMARY KEY (record_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX clause_outcomes_violated ON clause_outcomes (clause_id) WHERE outcome = 'violated';
";

/// One step from `to - 1` to `to`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub to: u32,
    pub sql: &'static str,
}

/// The steps from each older schema version to [`SCHEMA_VERSION`], in order. Version 1 is the
/// first; a later version appends its step here (`ALTER TABLE …`), never edits an old one.
pub const MIGRATIONS: &[Migration] = &[];

/// What [`prepare`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepared {
    /// An empty database, now a log at [`SCHEMA_VERSION`].
    Created,
    /// A log at [`SCHEMA_VERSION`].
    Current,
    /// A log migrated from the given version.
    Migrated(u32),
}

fn sql_err(path: &str) -> impl Fn(rusqlite::Error) -> LogError + '_ {
    move |e| classify(path, &e)
}

/// Maps an SQLite error met while opening to the error a user should see.
pub fn classify(path: &str, e: &rusqlite::Error) -> LogError {
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        match f.code {
            rusqlite::ErrorCode::NotADatabase => {
                return LogError::NotSqlite { path: path.into() };
            }
            rusqlite::ErrorCode::DatabaseCorrupt => {
                return LogError::Corrupt {
                    path: path.into(),
                    message: e.to_string(),
                };
            }
            _ => {}
        }
    }
    LogError::Open {
        path: path.into(),
        message: e.to_string(),
    }
}

fn user_tables(conn: &Connection, path: &str) -> Result<Vec<String>, LogError> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .map_err(sql_err(path))?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(sql_err(path))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql_err(path))
}

fn meta(conn: &Connection, path: &str, key: &str) -> Result<Option<String>, LogError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
        r.get::<_, String>(0)
    })
    .optional()
    .map_err(|_| LogError::NotALog { path: path.into() })
}

/// The schema version of an existing log; errors for a file that is not one.
fn version_of(conn: &Connection, path: &str, tables: &[String]) -> Result<u32, LogError> {
    if !tables.iter().any(|t| t == "meta") {
        return Err(LogError::NotALog { path: path.into() });
    }
    if meta(conn, path, "application")?.as_deref() != Some(APPLICATION) {
        return Err(LogError::NotALog { path: path.into() });
    }
    let text = meta(conn, path, "schema_version")?.ok_or_else(|| LogError::Corrupt {
        path: path.into(),
        message: "`meta` has no `schema_version`".into(),
    })?;
    text.trim().parse().map_err(|_| LogError::Corrupt {
        path: path.into(),
        message: format!("`schema_version` is `{text}`, not a number"),
    })
}

/// Checks that the database at `conn` is a log this zonecheck can write, creating the tables
/// in an empty database and migrating an older log. Reads before it writes: a newer log or a
/// foreign database is left untouched.
///
/// # Errors
/// Not SQLite, not a zonecheck log, a newer schema version, or a failed migration.
pub fn prepare(conn: &mut Connection, path: &str) -> Result<Prepared, LogError> {
    let tables = user_tables(conn, path)?;
    if !tables.is_empty() {
        let found = version_of(conn, path, &tables)?;
        check_version(path, found)?;
    }
    // WAL: readers (stats) do not block the writer, and a commit is one append to the WAL.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(sql_err(path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LogError::Open {
            path: path.into(),
            message: format!("cannot switch the journal to WAL (it is `{mode}`)"),
        });
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(sql_err(path))?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_err(path))?;
    // Looked at again under the write lock: another process may have created it meanwhile.
    let tables = user_tables(&tx, path)?;
    let prepared = if tables.is_empty() {
        tx.execute_batch(DDL_V1).map_err(sql_err(path))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('application', ?1), ('schema_version', ?2), ('created_by', ?3)",
            (APPLICATION, "1", concat!("zonecheck ", env!("CARGO_PKG_VERSION"))),
        )
        .map_err(sql_err(path))?;
        let from = 1;
        migrate(&tx, path, from, MIGRATIONS)?;
        Prepared::Created
    } else {
        let found = version_of(&tx, path, &tables)?;
        check_version(path, found)?;
        if found < SCHEMA_VERSION {
            migrate(&tx, path, found, MIGRATIONS)?;
            Prepared::Migrated(found)
        } else {
            Prepared::Current
        }
    };
    tx.commit().map_err(sql_err(path))?;
    Ok(prepared)
}

/// Checks an existing log for reading only: it is a zonecheck log of a version this zonecheck
/// reads as it is (no migration, no write, no lock beyond a read).
///
/// # Errors
/// Not a zonecheck log (or empty), a newer or older schema, or unreadable.
pub fn check_readable(conn: &Connection, path: &str) -> Result<(), LogError> {
    let tables = user_tables(conn, path)?;
    if tables.is_empty() {
        return Err(LogError::Open {
            path: path.into(),
            message: "it is empty, not a zonecheck screening log".into(),
        });
    }
    let found = version_of(conn, path, &tables)?;
    check_version(path, found)?;
    if found < SCHEMA_VERSION {
        return Err(LogError::Open {
            path: path.into(),
            message: format!(
                "it has schema version {found}; open it once for writing (e.g. `zonecheck check --log`) to migrate it to {SCHEMA_VERSION}"
            ),
        });
    }
    Ok(())
}

fn check_version(path: &str, found: u32) -> Result<(), LogError> {
    if found > SCHEMA_VERSION {
        return Err(LogError::Newer {
            path: path.into(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        return Err(LogError::Corrupt {
            path: path.into(),
            message: "`schema_version` is 0".into(),
        });
    }
    Ok(())
}

/// Applies every step of `steps` above version `from`, then records the last version reached.
/// Runs inside the caller's transaction: a failed step leaves the log as it was.
///
/// # Errors
/// [`LogError::Migrate`] when a step fails.
pub fn migrate(
    conn: &Connection,
    path: &str,
    from: u32,
    steps: &[Migration],
) -> Result<u32, LogError> {
    let mut version = from;
    for step in steps.iter().filter(|s| s.to > from) {
        conn.execute_batch(step.sql)
            .map_err(|e| LogError::Migrate {
                path: path.into(),
                from: version,
                to: step.to,
                message: e.to_string(),
            })?;
        version = step.to;
    }
    if version != from {
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            [version.to_string()],
        )
        .map_err(|e| LogError::Migrate {
            path: path.into(),
            from,
            to: version,
            message: e.to_string(),
        })?;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_memory_database_cannot_be_a_durable_log() {
        let mut conn = Connection::open_in_memory().unwrap();
        // In-memory databases keep the `memory` journal; the file cases are in
        // tests/screening_log.rs.
        assert!(matches!(
            prepare(&mut conn, ":memory:"),
            Err(LogError::Open { .. })
        ));
    }

    #[test]
    fn migrations_apply_in_order_and_record_the_version() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(DDL_V1).unwrap();
        conn.execute(
            "INSERT INTO meta VALUES ('application', ?1), ('schema_version', '1')",
            [APPLICATION],
        )
        .unwrap();
        let steps = [
            Migration {
                to: 2,
                sql: "ALTER TABLE records ADD COLUMN eia_category TEXT",
            },
            Migration {
                to: 3,
                sql: "CREATE TABLE reviewers (name TEXT) STRICT",
            },
        ];
        assert_eq!(migrate(&conn, "t", 1, &steps).unwrap(), 3);
        let tables = user_tables(&conn, "t").unwrap();
        assert!(tables.contains(&"reviewers".to_string()));
        assert_eq!(version_of(&conn, "t", &tables).unwrap(), 3);
        // Already at 3: nothing to do.
        assert_eq!(migrate(&conn, "t", 3, &steps).unwrap(), 3);
        // A failing step names the versions.
        let bad = [Migration {
            to: 4,
            sql: "ALTER TABLE nowhere ADD COLUMN x TEXT",
        }];
        let e = migrate(&conn, "t", 3, &bad).unwrap_err();
        assert_eq!(e.code(), "E-LOG-MIGRATE");
    }
}
