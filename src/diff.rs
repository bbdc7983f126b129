//! Rule-set version comparison (成果更新对比): how the zoning changed from one version of a rule
//! set to the next — indicator 5 of the five-year zoning assessment.
//!
//! [`diff_rule_sets`] compares two compiled [`RuleSet`]s and returns a [`RuleSetDiff`], plain data
//! that [`render`] turns into Markdown, JSON or CSV:
//! - [`areas`]: area of each unit type per city or district, before and after (km² on the
//!   ellipsoid);
//! - [`transitions`]: the overlay of the two unit layers — area moved from each type to each other
//!   type — and the units added, removed, re-typed, re-shaped (above a tolerance) or re-coded;
//! - [`clauses`]: clause continuity — kept, dropped, added, changed — and for comparable changes
//!   (a distance, a threshold, an offset ratio, an industry or value list) whether the clause
//!   tightened or loosened; protections that stop applying to a priority-protection unit
//!   (优先保护单元) are flagged;
//! - [`replay`]: re-evaluation of logged projects under both versions ([`replay_counts`]).
//!
//! See `docs/diff.md` for what each section means, the tolerances and the matching rules.

pub mod areas;
pub mod clauses;
pub mod render;
pub mod replay;
pub mod transitions;

use serde::Serialize;

use crate::compile::RuleSet;

pub use areas::{AreaRow, AreaTable};
pub use clauses::{
    ChangeItem, ChangeKind, ClauseChange, ClauseDiff, ClauseRef, Direction, DroppedProtection,
};
pub use render::{render_csv, render_json, render_markdown};
pub use replay::{ClauseReplay, ReplaySummary, replay_counts};
pub use transitions::{Overlay, TransitionMatrix, UnitChanges, UnitPair, UnitRef};

/// Why two rule sets could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// One of the rule sets has no control units.
    #[error("rule set `{0}` has no control units to compare")]
    NoUnits(String),
    /// The unit codes of the two versions belong to different schemes or regions.
    #[error(
        "the unit codes of `{old}` ({old_scheme}) and `{new}` ({new_scheme}) share no `ZH`/`HY` + administrative-code prefix"
    )]
    Scheme {
        old: String,
        new: String,
        old_scheme: String,
        new_scheme: String,
    },
    /// No unit code in common and no overlapping area: two unrelated zonings.
    #[error("`{old}` and `{new}` have no unit code in common and their units do not overlap")]
    Disjoint { old: String, new: String },
}

impl DiffError {
    /// Stable machine-readable kind.
    pub fn code(&self) -> &'static str {
        match self {
            DiffError::NoUnits(_) => "E-DIFF-NO-UNITS",
            DiffError::Scheme { .. } => "E-DIFF-SCHEME",
            DiffError::Disjoint { .. } => "E-DIFF-DISJOINT",
        }
    }

    /// Advice for a person.
    pub fn help(&self) -> &'static str {
        match self {
            DiffError::NoUnits(_) => "a rule set needs a `units` layer with at least one unit",
            DiffError::Scheme { .. } | DiffError::Disjoint { .. } => {
                "compare two versions of the same zoning (same region, same unit-code scheme)"
            }
        }
    }
}

/// How area tables are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// By city: the first 4 digits of the unit's administrative code (`3201`).
    City,
    /// By district or county: the 6-digit administrative code (`320115`).
    District,
}

/// Tolerances and grouping of a comparison.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DiffOptions {
    pub by: Grouping,
    /// A unit pair counts as re-shaped when the area that changed sides (the symmetric
    /// difference) exceeds both this many km² …
    pub reshape_min_km2: f64,
    /// … and this fraction of the old unit's area.
    pub reshape_min_fraction: f64,
    /// Two units with different codes are the same unit (re-coded, e.g. re-typed) when their
    /// overlap is at least this fraction of the larger of the two.
    pub same_unit_overlap: f64,
    /// Two clauses with different ids are the same clause (renumbered) when their texts' bigram
    /// similarity (Dice coefficient) is at least this and their dimension is the same.
    pub same_text_similarity: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            by: Grouping::City,
            reshape_min_km2: 0.01,
            reshape_min_fraction: 0.001,
            same_unit_overlap: 0.9,
            same_text_similarity: 0.8,
        }
    }
}

/// What one version is.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub name: String,
    pub version: String,
    pub effective: String,
    pub supersedes: Option<String>,
    pub content_hash: String,
    pub units: usize,
    pub clauses: usize,
}

impl VersionInfo {
    fn of(rs: &RuleSet) -> Self {
        VersionInfo {
            name: rs.header.name.clone(),
            version: rs.header.version.clone(),
            effective: rs.header.effective.clone(),
            supersedes: rs.header.supersedes.clone(),
            content_hash: rs.content_hash.clone(),
            units: rs.units.len(),
            clauses: rs.clauses.len(),
        }
    }
}

/// The comparison of two versions of a rule set: plain data, rendered by [`render`].
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetDiff {
    pub old: VersionInfo,
    pub new: VersionInfo,
    /// Whether the new version's `supersedes` names the old version.
    pub supersedes_old: bool,
    pub options: DiffOptions,
    pub areas: AreaTable,
    pub transitions: TransitionMatrix,
    pub units: UnitChanges,
    pub clauses: ClauseDiff,
    /// The replay of a screening log under both versions, when one was asked for (rendered as
    /// its own section; see [`replay_counts`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplaySummary>,
    /// Where the replayed projects came from (the log's path), for the report.
    #[serde(skip)]
    pub replay_source: String,
}

/// Compares two versions of a rule set.
///
/// # Errors
/// [`DiffError`] when either version has no units, or the two are not versions of the same
/// zoning (no shared code prefix; or no shared code and no overlapping area).
///
/// # Runtime
/// One exact overlay per pair of touching units (old × new), in parallel: O(Σ (v+w) log(v+w))
/// over the touching pairs. About 1 s for Nanjing in a debug build; see `docs/diff-national.md`
/// for the national set.
pub fn diff_rule_sets(
    old: &RuleSet,
    new: &RuleSet,
    options: &DiffOptions,
) -> Result<RuleSetDiff, DiffError> {
    for rs in [old, new] {
        if rs.units.is_empty() {
            return Err(DiffError::NoUnits(label(rs)));
        }
    }
    check_schemes(old, new)?;
    let overlay = transitions::overlay(old, new);
    let shared_code = old
        .units
        .iter()
        .any(|u| new.unit_by_code(&u.code).is_some());
    if !shared_code && overlay.pairs.is_empty() {
        return Err(DiffError::Disjoint {
            old: label(old),
            new: label(new),
        });
    }
    let areas = areas::area_table(old, new, &overlay, options.by);
    let matrix = transitions::matrix(old, new, &overlay);
    let units = transitions::unit_changes(old, new, &overlay, options);
    let clauses = clauses::clause_diff(old, new, &units, options);
    Ok(RuleSetDiff {
        old: VersionInfo::of(old),
        new: VersionInfo::of(new),
        supersedes_old: new.header.supersedes.as_deref() == Some(old.header.version.as_str()),
        options: *options,
        areas,
        transitions: matrix,
        units,
        clauses,
        replay: None,
        replay_source: String::new(),
    })
}

fn label(rs: &RuleSet) -> String {
    format!("{} {}", rs.header.name, rs.header.version)
}

/// The `ZH`/`HY` + 4-digit city prefixes of a rule set's unit codes.
fn prefixes(rs: &RuleSet) -> std::collections::BTreeSet<String> {
    rs.units
        .iter()
        .filter_map(|u| u.code.get(..6).map(str::to_string))
        .collect()
}

fn describe(p: &std::collections::BTreeSet<String>) -> String {
    let shown: Vec<&str> = p.iter().take(3).map(String::as_str).collect();
    let more = if p.len() > 3 {
        format!(" and {} more", p.len() - 3)
    } else {
        String::new()
    };
    format!("codes {}…{more}", shown.join("…, "))
}

fn check_schemes(old: &RuleSet, new: &RuleSet) -> Result<(), DiffError> {
    let (a, b) = (prefixes(old), prefixes(new));
    if a.is_disjoint(&b) {
        return Err(DiffError::Scheme {
            old: label(old),
            new: label(new),
            old_scheme: describe(&a),
            new_scheme: describe(&b),
        });
    }
    Ok(())
}

/// Square metres to km².
pub(crate) fn km2(m2: f64) -> f64 {
    m2 / 1e6
}
