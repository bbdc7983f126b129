//! What one screening record holds, built from an [`Assessment`] and the request's metadata,
//! and how it is written (one row in `records`, its industries, units and clause outcomes in
//! child tables).

use std::time::SystemTime;

use geo::Centroid;
use rusqlite::Transaction;
use serde_json::Value;

use crate::compile::{ClauseDimension, UnitType};
use crate::eval::{Assessment, Outcome, Project};

use super::time::rfc3339;

/// Which adapter screened the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// `zonecheck check`.
    Cli,
    /// `zonecheck batch`.
    Batch,
    /// The HTTP service.
    Service,
}

impl Source {
    /// The value stored in `records.source`.
    pub fn key(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Batch => "batch",
            Source::Service => "service",
        }
    }
}

/// The request around an assessment: who screened, when, and the project as submitted.
#[derive(Debug, Clone)]
pub struct RecordMeta {
    pub source: Source,
    /// When the project was screened; [`RecordMeta::new`] takes the current time.
    pub screened_at: SystemTime,
    /// The project JSON that was checked (after `--site`/`--crs` or the batch row mapping), so
    /// a later zonecheck can check it again (`docs/project.md`).
    pub project_json: Value,
    /// Centroid of the project's location, lon/lat.
    pub centroid: Option<(f64, f64)>,
}

impl RecordMeta {
    /// Metadata for `project` screened now, with its centroid.
    pub fn new(source: Source, project: &Project, project_json: Value) -> RecordMeta {
        RecordMeta {
            source,
            screened_at: SystemTime::now(),
            project_json,
            centroid: project.location.centroid().map(|p| (p.x(), p.y())),
        }
    }
}

/// The administrative area a record is counted under (GB/T 2260 prefixes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminArea {
    /// 2 digits, e.g. `32` (Jiangsu).
    pub province: Option<String>,
    /// 4 digits, e.g. `3201` (Nanjing).
    pub city: Option<String>,
    /// 6 digits, e.g. `320115` (Jiangning).
    pub district: Option<String>,
}

impl AdminArea {
    /// Province, city and county prefixes of a 6-digit county code; a code of another form is
    /// kept whole as the district.
    pub fn from_admin_code(code: &str) -> AdminArea {
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            AdminArea {
                province: code.get(..2).map(str::to_string),
                city: code.get(..4).map(str::to_string),
                district: Some(code.to_string()),
            }
        } else {
            AdminArea {
                district: (!code.is_empty()).then(|| code.to_string()),
                ..AdminArea::default()
            }
        }
    }
}

/// A unit the project touched.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordUnit {
    pub code: String,
    pub unit_type: UnitType,
    pub admin_code: String,
    pub overlap_area_m2: Option<f64>,
    pub overlap_length_m: Option<f64>,
}

/// One applicable clause and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordClause {
    pub id: String,
    pub level: String,
    pub dimension: ClauseDimension,
    pub outcome: Outcome,
}

/// One screening, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// RFC 3339 UTC with milliseconds.
    pub screened_at: String,
    pub source: Source,
    pub rule_set_name: String,
    pub rule_set_version: String,
    pub rule_set_hash: String,
    pub project_id: Option<String>,
    pub project_name: String,
    pub geometry_type: String,
    pub centroid: Option<(f64, f64)>,
    pub area_m2: Option<f64>,
    pub length_m: Option<f64>,
    pub nature: Option<String>,
    /// GB/T 4754-2017 codes as normalised by the project parser (`C2614`).
    pub industry: Vec<String>,
    /// Where the record is counted: see [`Record::new`].
    pub admin: AdminArea,
    pub units: Vec<RecordUnit>,
    pub verdict: Outcome,
    pub clauses: Vec<RecordClause>,
    pub project_json: Value,
}

impl Record {
    /// The record of `assessment`. Its administrative area is that of the touched unit the
    /// project overlaps most (area, then length; a unit whose boundary is within the position
    /// accuracy only when no other is touched; ties and points: the lowest unit code), so each
    /// record counts under exactly one district; none when the project is outside every unit.
    pub fn new(assessment: &Assessment, meta: &RecordMeta) -> Record {
        let a = assessment;
        let main = a.units.iter().min_by(|x, y| {
            x.position_uncertain
                .cmp(&y.position_uncertain)
                .then(
                    y.overlap_area_m2
                        .unwrap_or(0.0)
                        .total_cmp(&x.overlap_area_m2.unwrap_or(0.0)),
                )
                .then(
                    y.overlap_length_m
                        .unwrap_or(0.0)
                        .total_cmp(&x.overlap_length_m.unwrap_or(0.0)),
                )
                .then_with(|| x.code.cmp(&y.code))
        });
        let mut industry = a.project.industry.clone();
        industry.sort();
        industry.dedup();
        Record {
            screened_at: rfc3339(meta.screened_at),
            source: meta.source,
            rule_set_name: a.rule_set.name.clone(),
            rule_set_version: a.rule_set.version.clone(),
            rule_set_hash: a.rule_set.content_hash.clone(),
            project_id: a.project.id.clone(),
            project_name: a.project.name.clone(),
            geometry_type: a.project.geometry_type.to_string(),
            centroid: meta.centroid,
            area_m2: a.project.site_area_m2,
            length_m: a.project.length_m,
            nature: a.project.nature.clone(),
            industry,
            admin: main
                .map(|u| AdminArea::from_admin_code(&u.admin_code))
                .unwrap_or_default(),
            units: a
                .units
                .iter()
                .map(|u| RecordUnit {
                    code: u.code.clone(),
                    unit_type: u.unit_type,
                    admin_code: u.admin_code.clone(),
                    overlap_area_m2: u.overlap_area_m2,
                    overlap_length_m: u.overlap_length_m,
                })
                .collect(),
            verdict: a.verdict,
            clauses: a
                .clauses
                .iter()
                .map(|c| RecordClause {
                    id: c.id.clone(),
                    level: c.level.clone(),
                    dimension: c.dimension,
                    outcome: c.outcome,
                })
                .collect(),
            project_json: meta.project_json.clone(),
        }
    }

    /// Inserts the record and its child rows; returns its id.
    pub(super) fn insert(&self, tx: &Transaction) -> rusqlite::Result<i64> {
        let project_json = self.project_json.to_string();
        tx.prepare_cached(
            "INSERT INTO records (screened_at, source, zonecheck, rule_set_name, rule_set_version,
                rule_set_hash, project_id, project_name, geometry_type, centroid_lon, centroid_lat,
                area_m2, length_m, nature, province, city, district, verdict, project_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19)",
        )?
        .execute(rusqlite::params![
            self.screened_at,
            self.source.key(),
            env!("CARGO_PKG_VERSION"),
            self.rule_set_name,
            self.rule_set_version,
            self.rule_set_hash,
            self.project_id,
            self.project_name,
            self.geometry_type,
            self.centroid.map(|c| c.0),
            self.centroid.map(|c| c.1),
            self.area_m2,
            self.length_m,
            self.nature,
            self.admin.province,
            self.admin.city,
            self.admin.district,
            outcome_key(self.verdict),
            project_json,
        ])?;
        let id = tx.last_insert_rowid();
        let mut ind =
            tx.prepare_cached("INSERT INTO record_industries (record_id, code) VALUES (?1, ?2)")?;
        for code in &self.industry {
            ind.execute((id, code))?;
        }
        let mut unit = tx.prepare_cached(
            "INSERT OR IGNORE INTO record_units (record_id, code, unit_type, admin_code,
                overlap_area_m2, overlap_length_m) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for u in &self.units {
            unit.execute(rusqlite::params![
                id,
                u.code,
                unit_type_key(u.unit_type),
                u.admin_code,
                u.overlap_area_m2,
                u.overlap_length_m
            ])?;
        }
        let mut clause = tx.prepare_cached(
            "INSERT INTO clause_outcomes (record_id, seq, clause_id, level, dimension, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (seq, c) in self.clauses.iter().enumerate() {
            clause.execute(rusqlite::params![
                id,
                i64::try_from(seq).unwrap_or(i64::MAX),
                c.id,
                c.level,
                c.dimension.key(),
                outcome_key(c.outcome)
            ])?;
        }
        Ok(id)
    }
}

/// The stored form of an outcome: `violated`, `needs_review`, `satisfied`.
pub fn outcome_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Violated => "violated",
        Outcome::NeedsReview => "needs_review",
        Outcome::Satisfied => "satisfied",
    }
}

/// The outcome of a stored key.
pub fn parse_outcome(key: &str) -> Option<Outcome> {
    [Outcome::Violated, Outcome::NeedsReview, Outcome::Satisfied]
        .into_iter()
        .find(|o| outcome_key(*o) == key)
}

/// The dimension of a stored key (`spatial_layout`, …).
pub fn parse_dimension(key: &str) -> Option<ClauseDimension> {
    ClauseDimension::ALL.into_iter().find(|d| d.key() == key)
}

fn unit_type_key(t: UnitType) -> &'static str {
    match t {
        UnitType::Priority => "priority",
        UnitType::Key => "key",
        UnitType::General => "general",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_prefixes() {
        let a = AdminArea::from_admin_code("320115");
        assert_eq!(a.province.as_deref(), Some("32"));
        assert_eq!(a.city.as_deref(), Some("3201"));
        assert_eq!(a.district.as_deref(), Some("320115"));
        let odd = AdminArea::from_admin_code("HY32");
        assert_eq!(odd.district.as_deref(), Some("HY32"));
        assert_eq!(odd.city, None);
        assert_eq!(AdminArea::from_admin_code(""), AdminArea::default());
    }

    #[test]
    fn keys_round_trip() {
        for o in [Outcome::Violated, Outcome::NeedsReview, Outcome::Satisfied] {
            assert_eq!(parse_outcome(outcome_key(o)), Some(o));
        }
        for d in ClauseDimension::ALL {
            assert_eq!(parse_dimension(d.key()), Some(d));
        }
    }
}
