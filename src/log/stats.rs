//! Indicator 10: how many EIAs were screened, by verdict, grouped by area, month, industry or
//! clause dimension; and the clauses most often violated. Rendered as Markdown, CSV or JSON.
//!
//! Counting rules (also printed with every table, [`COUNTING`]):
//! - each record is one screening: a project checked three times counts three times;
//!   `projects` counts distinct project ids (a record without an id counts as one project);
//! - a record counts under the district, city and province of the unit it overlaps most
//!   ([`super::Record::new`]), `(none)` when outside every unit;
//! - `industry` groups by GB/T 4754 division (`C26`), `section` by section letter (`C`); a
//!   record with codes in several divisions counts once in each, `(none)` without a code;
//! - `dimension`: a record counts in each dimension it has applicable clauses in, with that
//!   dimension's outcome (violated if a clause of it is violated, else needs review if one needs
//!   review, else satisfied); `(none)` if no clause applied at all;
//! - so with `industry`, `section` or `dimension`, the rows may add up to more than the total.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::compile::ClauseDimension;
use crate::compile::industry::IndustryTable;
use crate::eval::Outcome;

use super::record::{parse_dimension, parse_outcome};
use super::{Date, Filter, LogError, ScreeningLog};

/// The counting rule, stated under every table.
pub const COUNTING: &str = "Each record is one screening: a project screened several times counts each time \
(`screened`); `projects` counts distinct project ids (a record without an id counts as one). \
A record counts under the area of the unit it overlaps most, (none) outside every unit. \
By industry or section, a record counts once in each division or section of its codes; \
by dimension, once in each dimension with an applicable clause, with that dimension's outcome; \
rows may then add up to more than the total.";

/// A key to group records by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKey {
    Province,
    City,
    District,
    /// UTC month of the screening, `YYYY-MM`.
    Month,
    Verdict,
    /// GB/T 4754 division: section letter and 2 digits (`C26`).
    Industry,
    /// GB/T 4754 section letter (`C`).
    Section,
    /// The four clause dimensions.
    Dimension,
    /// Rule-set name and version.
    RuleSet,
    /// `cli`, `batch` or `service`.
    Source,
}

impl GroupKey {
    pub const ALL: [GroupKey; 10] = [
        GroupKey::Province,
        GroupKey::City,
        GroupKey::District,
        GroupKey::Month,
        GroupKey::Verdict,
        GroupKey::Industry,
        GroupKey::Section,
        GroupKey::Dimension,
        GroupKey::RuleSet,
        GroupKey::Source,
    ];

    /// The key as written on the command line and in CSV/JSON headers.
    pub fn key(self) -> &'static str {
        match self {
            GroupKey::Province => "province",
            GroupKey::City => "city",
            GroupKey::District => "district",
            GroupKey::Month => "month",
            GroupKey::Verdict => "verdict",
            GroupKey::Industry => "industry",
            GroupKey::Section => "section",
            GroupKey::Dimension => "dimension",
            GroupKey::RuleSet => "rule_set",
            GroupKey::Source => "source",
        }
    }

    /// Parses one key.
    ///
    /// # Errors
    /// [`LogError::GroupKey`], with the closest key when there is one.
    pub fn parse(text: &str) -> Result<GroupKey, LogError> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        if let Some(k) = GroupKey::ALL.into_iter().find(|k| k.key() == t) {
            return Ok(k);
        }
        let suggestion = GroupKey::ALL
            .into_iter()
            .map(|k| (edit_distance(&t, k.key()), k.key()))
            .filter(|(d, k)| *d <= 2.max(k.len() / 3))
            .min()
            .map(|(_, k)| k);
        Err(LogError::GroupKey {
            given: text.to_string(),
            suggestion,
        })
    }

    /// Parses a comma-separated list (`city,verdict`); a repeated key counts once.
    ///
    /// # Errors
    /// [`LogError::GroupKey`] for the first unknown key.
    pub fn parse_list(text: &str) -> Result<Vec<GroupKey>, LogError> {
        let mut keys = Vec::new();
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let k = GroupKey::parse(part)?;
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        Ok(keys)
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// What to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    pub filter: Filter,
    /// Group keys, outermost first; empty = the total only.
    pub by: Vec<GroupKey>,
    /// How many of the most often violated clauses to list.
    pub top: usize,
}

impl Default for StatsQuery {
    fn default() -> Self {
        StatsQuery {
            filter: Filter::default(),
            by: Vec::new(),
            top: 10,
        }
    }
}

/// Screenings counted by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub screened: u64,
    pub violated: u64,
    pub needs_review: u64,
    pub satisfied: u64,
    /// Distinct project ids (a record without an id counts as one).
    pub projects: u64,
}

/// One row of the table: the values of the group keys (`None` = `(none)`) and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub keys: Vec<Option<String>>,
    pub counts: Counts,
}

/// A clause among the most often violated.
#[derive(Debug, Clone, PartialEq)]
pub struct ViolatedClause {
    pub clause_id: String,
    pub level: String,
    pub dimension: ClauseDimension,
    /// Records in which the clause was violated.
    pub records: u64,
    /// `records` over all records screened in the period.
    pub share: f64,
}

/// The indicator-10 table.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub by: Vec<GroupKey>,
    pub total: Counts,
    pub groups: Vec<Group>,
    pub top_violated: Vec<ViolatedClause>,
}

#[derive(Default)]
struct Acc {
    counts: Counts,
    ids: HashSet<String>,
    anonymous: u64,
}

impl Acc {
    fn add(&mut self, verdict: Outcome, project_id: Option<&String>) {
        self.counts.screened += 1;
        match verdict {
            Outcome::Violated => self.counts.violated += 1,
            Outcome::NeedsReview => self.counts.needs_review += 1,
            Outcome::Satisfied => self.counts.satisfied += 1,
        }
        match project_id {
            Some(id) => {
                self.ids.insert(id.clone());
            }
            None => self.anonymous += 1,
        }
    }

    fn finish(self) -> Counts {
        Counts {
            projects: self.ids.len() as u64 + self.anonymous,
            ..self.counts
        }
    }
}

struct Row {
    id: i64,
    month: String,
    source: String,
    rule_set: String,
    project_id: Option<String>,
    province: Option<String>,
    city: Option<String>,
    district: Option<String>,
    verdict: Outcome,
}

/// A facet of a record under the group keys: key values and the outcome counted.
type Facet = (Vec<Option<String>>, Outcome);

/// Groups by their sort key: key values as shown and the counts so far.
type Groups = BTreeMap<Vec<(u8, String)>, (Vec<Option<String>>, Acc)>;

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Violated => 0,
        Outcome::NeedsReview => 1,
        Outcome::Satisfied => 2,
    }
}

/// Order of a key value in the table: verdicts and dimensions in their fixed order, the rest by
/// text; `(none)` last.
fn sort_key(k: GroupKey, v: &Option<String>) -> (u8, String) {
    let Some(v) = v else {
        return (u8::MAX, String::new());
    };
    let fixed = match k {
        GroupKey::Verdict => parse_outcome(v).map(rank),
        GroupKey::Dimension => ClauseDimension::ALL
            .iter()
            .position(|d| d.key() == v)
            .and_then(|p| u8::try_from(p).ok()),
        _ => None,
    };
    (fixed.unwrap_or(0), v.clone())
}

pub(super) fn compute(log: &ScreeningLog, q: &StatsQuery) -> Result<Stats, LogError> {
    if let (Some(f), Some(t)) = (q.filter.from, q.filter.to)
        && f > t
    {
        return Err(LogError::Period { from: f, to: t });
    }
    let read = |e: rusqlite::Error| LogError::Read {
        path: log.path.clone(),
        message: e.to_string(),
    };
    let (cond, params) = q.filter.sql();
    let p = || rusqlite::params_from_iter(params.iter());

    let mut rows = Vec::new();
    {
        let sql = format!(
            "SELECT r.id, substr(r.screened_at, 1, 7), r.source,
                    r.rule_set_name || ' ' || r.rule_set_version, r.project_id,
                    r.province, r.city, r.district, r.verdict
             FROM records r WHERE {cond} ORDER BY r.id"
        );
        let mut stmt = log.conn.prepare(&sql).map_err(read)?;
        let mut it = stmt.query(p()).map_err(read)?;
        while let Some(r) = it.next().map_err(read)? {
            let verdict: String = r.get(8).map_err(read)?;
            let id: i64 = r.get(0).map_err(read)?;
            rows.push(Row {
                id,
                month: r.get(1).map_err(read)?,
                source: r.get(2).map_err(read)?,
                rule_set: r.get(3).map_err(read)?,
                project_id: r.get(4).map_err(read)?,
                province: r.get(5).map_err(read)?,
                city: r.get(6).map_err(read)?,
                district: r.get(7).map_err(read)?,
                verdict: parse_outcome(&verdict)
                    .ok_or_else(|| log.corrupt(format!("record {id}: verdict `{verdict}`")))?,
            });
        }
    }

    let mut industries: HashMap<i64, Vec<String>> = HashMap::new();
    if q.by
        .iter()
        .any(|k| matches!(k, GroupKey::Industry | GroupKey::Section))
    {
        let sql = format!(
            "SELECT i.record_id, i.code FROM record_industries i JOIN records r ON r.id = i.record_id
             WHERE {cond}"
        );
        let mut stmt = log.conn.prepare(&sql).map_err(read)?;
        let mut it = stmt.query(p()).map_err(read)?;
        while let Some(r) = it.next().map_err(read)? {
            industries
                .entry(r.get(0).map_err(read)?)
                .or_default()
                .push(r.get(1).map_err(read)?);
        }
    }

    let mut dimensions: HashMap<i64, Vec<(String, Outcome)>> = HashMap::new();
    if q.by.contains(&GroupKey::Dimension) {
        let sql = format!(
            "SELECT c.record_id, c.dimension,
                    min(CASE c.outcome WHEN 'violated' THEN 0 WHEN 'needs_review' THEN 1 ELSE 2 END)
             FROM clause_outcomes c JOIN records r ON r.id = c.record_id
             WHERE {cond} GROUP BY c.record_id, c.dimension"
        );
        let mut stmt = log.conn.prepare(&sql).map_err(read)?;
        let mut it = stmt.query(p()).map_err(read)?;
        while let Some(r) = it.next().map_err(read)? {
            let outcome = match r.get::<_, i64>(2).map_err(read)? {
                0 => Outcome::Violated,
                1 => Outcome::NeedsReview,
                _ => Outcome::Satisfied,
            };
            dimensions
                .entry(r.get(0).map_err(read)?)
                .or_default()
                .push((r.get(1).map_err(read)?, outcome));
        }
    }

    let mut total = Acc::default();
    let mut groups = Groups::new();
    for row in &rows {
        total.add(row.verdict, row.project_id.as_ref());
        if q.by.is_empty() {
            continue;
        }
        let mut facets: Vec<Facet> = vec![(Vec::new(), row.verdict)];
        for key in &q.by {
            let single =
                |v: Option<String>| -> Vec<(Option<String>, Option<Outcome>)> { vec![(v, None)] };
            let values: Vec<(Option<String>, Option<Outcome>)> = match key {
                GroupKey::Province => single(row.province.clone()),
                GroupKey::City => single(row.city.clone()),
                GroupKey::District => single(row.district.clone()),
                GroupKey::Month => single(Some(row.month.clone())),
                GroupKey::Source => single(Some(row.source.clone())),
                GroupKey::RuleSet => single(Some(row.rule_set.clone())),
                GroupKey::Verdict => Vec::new(), // filled per facet below
                GroupKey::Industry | GroupKey::Section => {
                    let n = if *key == GroupKey::Industry { 3 } else { 1 };
                    let mut v: Vec<String> = industries
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c.get(..n).map(str::to_string))
                        .collect();
                    v.sort();
                    v.dedup();
                    if v.is_empty() {
                        single(None)
                    } else {
                        v.into_iter().map(|c| (Some(c), None)).collect()
                    }
                }
                GroupKey::Dimension => match dimensions.get(&row.id) {
                    Some(d) if !d.is_empty() => {
                        d.iter().map(|(k, o)| (Some(k.clone()), Some(*o))).collect()
                    }
                    _ => single(None),
                },
            };
            facets = if *key == GroupKey::Verdict {
                // The verdict key is the outcome counted, decided once all keys are known.
                facets
                    .into_iter()
                    .map(|(mut ks, o)| {
                        ks.push(None);
                        (ks, o)
                    })
                    .collect()
            } else {
                facets
                    .into_iter()
                    .flat_map(|(ks, o)| {
                        values.iter().map(move |(v, vo)| {
                            let mut ks = ks.clone();
                            ks.push(v.clone());
                            (ks, vo.unwrap_or(o))
                        })
                    })
                    .collect()
            };
        }
        for (mut ks, outcome) in facets {
            for (k, v) in q.by.iter().zip(ks.iter_mut()) {
                if *k == GroupKey::Verdict {
                    *v = Some(super::record::outcome_key(outcome).to_string());
                }
            }
            let sort: Vec<(u8, String)> =
                q.by.iter().zip(&ks).map(|(k, v)| sort_key(*k, v)).collect();
            groups
                .entry(sort)
                .or_insert_with(|| (ks, Acc::default()))
                .1
                .add(outcome, row.project_id.as_ref());
        }
    }
    let total = total.finish();

    let mut top_violated = Vec::new();
    if q.top > 0 {
        let sql = format!(
            "SELECT c.clause_id, min(c.level), min(c.dimension), count(DISTINCT c.record_id) AS n
             FROM clause_outcomes c JOIN records r ON r.id = c.record_id
             WHERE {cond} AND c.outcome = 'violated'
             GROUP BY c.clause_id ORDER BY n DESC, c.clause_id LIMIT {}",
            q.top
        );
        let mut stmt = log.conn.prepare(&sql).map_err(read)?;
        let mut it = stmt.query(p()).map_err(read)?;
        while let Some(r) = it.next().map_err(read)? {
            let clause_id: String = r.get(0).map_err(read)?;
            let dim: String = r.get(2).map_err(read)?;
            let n: i64 = r.get(3).map_err(read)?;
            let records = u64::try_from(n).unwrap_or(0);
            top_violated.push(ViolatedClause {
                dimension: parse_dimension(&dim).ok_or_else(|| {
                    log.corrupt(format!("clause `{clause_id}`: dimension `{dim}`"))
                })?,
                level: r.get(1).map_err(read)?,
                clause_id,
                records,
                share: if total.screened == 0 {
                    0.0
                } else {
                    records as f64 / total.screened as f64
                },
            });
        }
    }

    Ok(Stats {
        from: q.filter.from,
        to: q.filter.to,
        by: q.by.clone(),
        total,
        groups: groups
            .into_values()
            .map(|(keys, acc)| Group {
                keys,
                counts: acc.finish(),
            })
            .collect(),
        top_violated,
    })
}

const NONE: &str = "(none)";

/// How a key value reads in Markdown: verdicts, dimensions and divisions with their Chinese
/// names.
fn shown(k: GroupKey, v: &Option<String>) -> String {
    let Some(v) = v else {
        return NONE.to_string();
    };
    match k {
        GroupKey::Verdict => match parse_outcome(v) {
            Some(o) => format!("{} {v}", o.label()),
            None => v.clone(),
        },
        GroupKey::Dimension => match parse_dimension(v) {
            Some(d) => format!("{} {v}", d.label()),
            None => v.clone(),
        },
        GroupKey::Industry | GroupKey::Section => {
            match IndustryTable::get().normalise(v).filter(|i| i.code == *v) {
                Some(i) => format!("{v} {}", i.name),
                None => v.clone(),
            }
        }
        _ => v.clone(),
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Stats {
    fn period(&self) -> String {
        match (self.from, self.to) {
            (None, None) => "all records".into(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(t)) => format!("to {t}"),
            (Some(f), Some(t)) => format!("{f} to {t}"),
        }
    }

    /// The table as Markdown: the counts by group with a total row, the counting rule, and
    /// the clauses most often violated.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("# EIA screenings (indicator 10)\n\n");
        let _ = writeln!(s, "Period: {} (UTC dates).", self.period());
        if !self.by.is_empty() {
            let keys: Vec<&str> = self.by.iter().map(|k| k.key()).collect();
            let _ = writeln!(s, "Grouped by: {}.", keys.join(", "));
        }
        s.push('\n');
        let mut header: Vec<&str> = self.by.iter().map(|k| k.key()).collect();
        if header.is_empty() {
            header.push("");
        }
        let lead = header.len();
        header.extend([
            "screened",
            "violated",
            "needs review",
            "satisfied",
            "projects",
        ]);
        let _ = writeln!(s, "| {} |", header.join(" | "));
        let align: Vec<&str> = (0..header.len())
            .map(|i| if i < lead { "---" } else { "---:" })
            .collect();
        let _ = writeln!(s, "|{}|", align.join("|"));
        let counts = |c: &Counts| {
            format!(
                "{} | {} | {} | {} | {}",
                c.screened, c.violated, c.needs_review, c.satisfied, c.projects
            )
        };
        for g in &self.groups {
            let keys: Vec<String> = self
                .by
                .iter()
                .zip(&g.keys)
                .map(|(k, v)| md_cell(&shown(*k, v)))
                .collect();
            let _ = writeln!(s, "| {} | {} |", keys.join(" | "), counts(&g.counts));
        }
        let mut total = vec!["**total**".to_string()];
        total.resize(lead, String::new());
        let _ = writeln!(s, "| {} | {} |", total.join(" | "), counts(&self.total));
        let _ = writeln!(s, "\n{COUNTING}\n");
        s.push_str("## Clauses most often violated\n\n");
        if self.top_violated.is_empty() {
            s.push_str("No clause was violated in the period.\n");
            return s;
        }
        s.push_str("| clause | level | dimension | records | share |\n|---|---|---|---:|---:|\n");
        for c in &self.top_violated {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {:.1}% |",
                md_cell(&c.clause_id),
                md_cell(&c.level),
                c.dimension.label(),
                c.records,
                c.share * 100.0
            );
        }
        s.push_str(
            "\nShare: records in which the clause was violated, of all records screened in the period.\n",
        );
        s
    }

    /// The counts by group as CSV, a `total` row last (in the first key column, or in a
    /// `group` column without keys); `(none)` for a record without a value for the key.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<&str> = self.by.iter().map(|k| k.key()).collect();
        if header.is_empty() {
            header.push("group");
        }
        let lead = header.len();
        header.extend([
            "screened",
            "violated",
            "needs_review",
            "satisfied",
            "projects",
        ]);
        let nums = |c: &Counts| {
            [
                c.screened,
                c.violated,
                c.needs_review,
                c.satisfied,
                c.projects,
            ]
            .map(|n| n.to_string())
        };
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for g in &self.groups {
            let mut r: Vec<String> = g
                .keys
                .iter()
                .map(|v| v.clone().unwrap_or_else(|| NONE.to_string()))
                .collect();
            r.extend(nums(&g.counts));
            rows.push(r);
        }
        let mut t = vec!["total".to_string()];
        t.resize(lead, String::new());
        t.extend(nums(&self.total));
        rows.push(t);
        for r in rows {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(&r);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The most often violated clauses as CSV.
    pub fn clauses_to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["clause", "level", "dimension", "records", "share"]);
        for c in &self.top_violated {
            let _ = w.write_record([
                c.clause_id.clone(),
                c.level.clone(),
                c.dimension.key().to_string(),
                c.records.to_string(),
                format!("{:.4}", c.share),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The whole result as a JSON value.
    pub fn to_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let mut m = Map::new();
                for (k, v) in self.by.iter().zip(&g.keys) {
                    m.insert(k.key().into(), json!(v));
                }
                if let Ok(Value::Object(c)) = serde_json::to_value(g.counts) {
                    m.extend(c);
                }
                Value::Object(m)
            })
            .collect();
        json!({
            "indicator": 10,
            "period": {
                "from": self.from.map(|d| d.to_string()),
                "to": self.to.map(|d| d.to_string()),
            },
            "by": self.by.iter().map(|k| k.key()).collect::<Vec<_>>(),
            "counting": COUNTING,
            "total": self.total,
            "groups": groups,
            "top_violated": self.top_violated.iter().map(|c| json!({
                "clause": c.clause_id,
                "level": c.level,
                "dimension": c.dimension.key(),
                "records": c.records,
                "share": round4(c.share),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_with_suggestions() {
        assert_eq!(
            GroupKey::parse_list("city, verdict,city").unwrap(),
            vec![GroupKey::City, GroupKey::Verdict]
        );
        let e = GroupKey::parse("distrct").unwrap_err();
        assert_eq!(e.code(), "E-LOG-BY");
        assert_eq!(
            e.to_string(),
            "unknown grouping key `distrct` (did you mean `district`?)"
        );
        assert!(
            GroupKey::parse("colour")
                .unwrap_err()
                .to_string()
                .ends_with("`colour`")
        );
    }
}
