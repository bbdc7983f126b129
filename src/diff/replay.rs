//! Replay: how the verdicts of already screened projects change under the new version.
//!
//! The projects come from elsewhere (the screening log); this module only re-evaluates them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::clauses::match_clauses;
use crate::compile::RuleSet;
use crate::eval::project::project_from_value;
use crate::eval::{Outcome, evaluate};

/// Verdict or clause outcome in one version; `None` for a clause that does not apply.
type Cell = Option<Outcome>;

fn key(o: Cell) -> &'static str {
    match o {
        Some(Outcome::Violated) => "violated",
        Some(Outcome::NeedsReview) => "needs_review",
        Some(Outcome::Satisfied) => "satisfied",
        None => "not_applicable",
    }
}

/// How one clause's outcomes changed across the replayed projects.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClauseReplay {
    /// Projects for which the clause's outcome (or whether it applies) changed.
    pub changed: usize,
    /// `"old→new"` outcome pairs (`violated→not_applicable`), counted.
    pub transitions: BTreeMap<String, usize>,
}

/// Counts of verdict changes over a set of projects re-evaluated under both versions.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Projects read.
    pub projects: usize,
    /// Projects that could not be evaluated under one of the versions (invalid for its schema).
    pub unusable: usize,
    /// Projects whose overall verdict changed.
    pub verdict_changed: usize,
    /// `"old→new"` verdict pairs, counted (unchanged pairs included).
    pub verdicts: BTreeMap<String, usize>,
    /// Per clause id (the new id for a renumbered clause, the old id for a dropped one), the
    /// projects whose outcome of that clause changed. Clauses that changed for no project are
    /// left out.
    pub by_clause: BTreeMap<String, ClauseReplay>,
}

/// Re-evaluates each project JSON value under `old` and `new` and counts the verdicts and clause
/// outcomes that change. Clauses are matched across versions as in the diff (by id, then by text),
/// so a renumbered clause is one row.
///
/// # Runtime
/// Two evaluations per project (see [`evaluate`]).
pub fn replay_counts(
    old: &RuleSet,
    new: &RuleSet,
    projects: impl Iterator<Item = serde_json::Value>,
) -> ReplaySummary {
    let defaults = super::DiffOptions::default();
    let map = match_clauses(old, new, defaults.same_text_similarity);
    // The id a clause is counted under: the new id when it survives, the old one otherwise.
    let mut row_of_old: BTreeMap<&str, String> = BTreeMap::new();
    for (c, m) in old.clauses.iter().zip(&map) {
        let id = m
            .and_then(|n| new.clauses.get(n as usize))
            .map_or_else(|| c.id.clone(), |n| n.id.clone());
        row_of_old.insert(c.id.as_str(), id);
    }
    let mut out = ReplaySummary::default();
    for value in projects {
        out.projects += 1;
        let (Ok(p_old), Ok(p_new)) = (
            project_from_value(&value, &old.schema),
            project_from_value(&value, &new.schema),
        ) else {
            out.unusable += 1;
            continue;
        };
        let a = evaluate(old, &p_old);
        let b = evaluate(new, &p_new);
        let pair = format!("{}→{}", key(Some(a.verdict)), key(Some(b.verdict)));
        *out.verdicts.entry(pair).or_default() += 1;
        if a.verdict != b.verdict {
            out.verdict_changed += 1;
        }
        let mut rows: BTreeMap<String, (Cell, Cell)> = BTreeMap::new();
        for c in &a.clauses {
            let id = row_of_old
                .get(c.id.as_str())
                .cloned()
                .unwrap_or_else(|| c.id.clone());
            rows.entry(id).or_default().0 = Some(c.outcome);
        }
        for c in &b.clauses {
            rows.entry(c.id.clone()).or_default().1 = Some(c.outcome);
        }
        for (id, (x, y)) in rows {
            if x != y {
                let r = out.by_clause.entry(id).or_default();
                r.changed += 1;
                *r.transitions
                    .entry(format!("{}→{}", key(x), key(y)))
                    .or_default() += 1;
            }
        }
    }
    out
}
