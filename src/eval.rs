//! Evaluate: a project against a compiled rule set → an [`Assessment`].
//!
//! Finds the control units the project touches, gathers every clause that applies through any
//! of them (all levels at once), evaluates each clause three-valued with evidence, and derives
//! the overall verdict: violated if any clause is violated, else needs review if any clause
//! needs review (or part of the project lies outside every unit), else satisfied.

pub mod condition;
pub mod logic;
pub mod project;
pub mod screen;
pub mod uncertainty;
pub mod validity;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::compile::program::EffectKind;
use crate::compile::quantity::{Dimension, format_value};
use crate::compile::{Clause, ClauseDimension, Effect, RuleSet, UnitType};
use crate::index::Touch;
use crate::index::units::{geodesic_area, geodesic_length, linear, polygonal};
use crate::source::Location;
pub use condition::{Evidence, Observation};
pub use logic::{Outcome, Truth};
pub use project::{Project, ProjectError, parse_project};

/// A unit the project touches.
#[derive(Debug, Clone, Serialize)]
pub struct TouchedUnit {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub unit_type: UnitType,
    pub type_label: &'static str,
    pub admin_code: String,
    /// Area of the project inside this unit, m² (polygon projects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap_area_m2: Option<f64>,
    /// Length of the project inside this unit, m (line projects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap_length_m: Option<f64>,
    /// The unit's boundary lies within the project's declared positional accuracy: the project
    /// may or may not lie in it (see the report's notes).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub position_uncertain: bool,
}

/// What role a piece of evidence played in the clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceRole {
    /// The `when` condition: does the clause apply to this project?
    Applies,
    /// The condition a `require` or `limit` clause demands.
    Requirement,
    /// An `unless` exemption.
    Exemption,
}

/// One part of a clause's evidence.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseEvidence {
    pub role: EvidenceRole,
    #[serde(flatten)]
    pub evidence: Evidence,
}

/// The result of one applicable clause.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseResult {
    pub id: String,
    pub level: String,
    pub level_scope: String,
    pub dimension: ClauseDimension,
    pub dimension_label: &'static str,
    /// The clause's original text, verbatim.
    pub text: String,
    pub outcome: Outcome,
    pub outcome_label: &'static str,
    /// One line saying why, in Chinese.
    pub reason: String,
    /// Facts the project did not state that this outcome depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    pub evidence: Vec<ClauseEvidence>,
    /// The touched units through which this clause applies.
    pub via_units: Vec<String>,
    pub source: Location,
    #[serde(skip)]
    pub level_rank: u32,
}

/// Which rule set answered, so any report can be reproduced.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetInfo {
    pub name: String,
    pub version: String,
    pub issuer: String,
    pub effective: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    pub content_hash: String,
}

/// The project as the assessment saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub geometry_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_area_m2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    pub nature: Option<String>,
    pub industry: Vec<String>,
}

/// Counts of clause outcomes.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub applicable: usize,
    pub violated: usize,
    pub needs_review: usize,
    pub satisfied: usize,
}

/// The answer for one project: units touched, every applicable clause with its outcome and
/// evidence, and the overall verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub rule_set: RuleSetInfo,
    pub project: ProjectSummary,
    pub verdict: Outcome,
    pub verdict_label: &'static str,
    pub units: Vec<TouchedUnit>,
    /// Notes that affect the verdict but belong to no clause (e.g. part of the site lies
    /// outside every unit of this rule set).
    pub notes: Vec<String>,
    pub counts: Counts,
    /// Clauses ordered by level (general to specific), then dimension, then id.
    pub clauses: Vec<ClauseResult>,
}

/// Relative shortfall of unit coverage above which part of a site counts as outside every unit.
pub(crate) const COVERAGE_TOLERANCE: f64 = 1e-6;

/// Evaluates a project against a rule set.
pub fn evaluate(rules: &RuleSet, project: &Project) -> Assessment {
    evaluate_touching(rules, project, rules.unit_index.touching(&project.location))
}

/// [`evaluate`] given the units the project's location touches, as
/// [`crate::index::UnitIndex::touching`] returns them for it (for callers that need them too).
pub fn evaluate_touching(rules: &RuleSet, project: &Project, touches: Vec<Touch>) -> Assessment {
    let mut touches = touches;
    let site_area = polygonal(&project.location).map(|p| geodesic_area(&p));
    let length = linear(&project.location).map(|l| geodesic_length(&l));
    let mut notes = Vec::new();
    let mut review_from_notes = false;
    let exact_units = touches.len();
    let uncertain_units = position_uncertain_units(rules, project, &mut touches);
    // Every unit within reach is uncertain and none was added from around the site: the
    // shifted site may lie outside the rule set's units altogether.
    let may_leave_coverage = !uncertain_units.is_empty()
        && touches.iter().all(|t| uncertain_units.contains(&t.unit))
        && touches.len() == exact_units;

    let units: Vec<TouchedUnit> = touches
        .iter()
        .filter_map(|t| {
            let u = rules.units.get(t.unit as usize)?;
            Some(TouchedUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                unit_type: u.unit_type,
                type_label: u.unit_type.label(),
                admin_code: u.admin_code.clone(),
                overlap_area_m2: t.area_m2,
                overlap_length_m: t.length_m,
                position_uncertain: uncertain_units.contains(&t.unit),
            })
        })
        .collect();

    if !uncertain_units.is_empty() {
        let codes: Vec<&str> = units
            .iter()
            .filter(|u| u.position_uncertain)
            .map(|u| u.code.as_str())
            .collect();
        notes.push(format!(
            "项目申报的位置精度为 ±{}，单元 {} 的边界在此范围内，项目是否位于其中无法确定；仅经这些单元适用的条款不作“违反”结论，改为需人工研判。",
            format_value(project.accuracy_m, Dimension::Length),
            codes.join("、")
        ));
        if may_leave_coverage {
            // No other unit is within reach: the site may lie outside the rule set's units.
            notes.push(
                "在位置精度范围内，项目可能位于本清单所有管控单元之外，需人工研判。".to_string(),
            );
            review_from_notes = true;
        }
    }

    if units.is_empty() {
        notes.push(
            "项目位置不在本清单任何环境管控单元内，无法判定适用的准入要求，需人工研判。"
                .to_string(),
        );
        review_from_notes = true;
    } else if let Some(total) = site_area.filter(|a| *a > 0.0) {
        let inside: f64 = touches.iter().filter_map(|t| t.area_m2).sum();
        if inside < total * (1.0 - COVERAGE_TOLERANCE) {
            notes.push(format!(
                "项目用地约 {} 位于本清单管控单元之外（占地 {}），该部分未经判定，需人工研判。",
                format_value(total - inside, Dimension::Area),
                format_value(total, Dimension::Area)
            ));
            review_from_notes = true;
        }
    } else if let Some(total) = length.filter(|l| *l > 0.0) {
        let inside = rules
            .unit_index
            .line_length_covered(&project.location, &touches);
        if inside < total * (1.0 - COVERAGE_TOLERANCE) {
            notes.push(format!(
                "线路约 {} 位于本清单管控单元之外（全长 {}），该部分未经判定，需人工研判。",
                format_value(total - inside, Dimension::Length),
                format_value(total, Dimension::Length)
            ));
            review_from_notes = true;
        }
    } else if let geo::Geometry::MultiPoint(mp) = &project.location {
        // Every point of a multi-point project must lie in some unit.
        let mut found = Vec::new();
        let outside =
            mp.0.iter()
                .filter(|p| {
                    found.clear();
                    rules.locate_point(p.x(), p.y(), &mut found);
                    found.is_empty()
                })
                .count();
        if outside > 0 {
            notes.push(format!(
                "项目的 {} 个点位中有 {outside} 个位于本清单管控单元之外，该部分未经判定，需人工研判。",
                mp.0.len()
            ));
            review_from_notes = true;
        }
    }

    // Applicable clauses, each with the touched units it applies through, and whether it
    // applies through a unit the project certainly lies in.
    let mut applicable: BTreeMap<u32, (Vec<String>, bool)> = BTreeMap::new();
    for t in &touches {
        let certain = !uncertain_units.contains(&t.unit);
        let code = rules
            .units
            .get(t.unit as usize)
            .map(|u| u.code.clone())
            .unwrap_or_default();
        for c in rules.unit_clauses.of(t.unit).iter() {
            let entry = applicable.entry(c).or_default();
            entry.0.push(code.clone());
            entry.1 |= certain;
        }
    }
    // Where the site lies in none of its units for certain, it still lies in one of them: a
    // clause that applies through every one of them applies for certain.
    // (Not when the shifted site may lie outside every unit: then nothing applies for certain.)
    if !may_leave_coverage
        && !touches.is_empty()
        && touches.iter().all(|t| uncertain_units.contains(&t.unit))
    {
        for (via, certain) in applicable.values_mut() {
            *certain |= via.len() == touches.len();
        }
    }

    let cx = condition::Context::new(rules, project);
    let mut clauses: Vec<ClauseResult> = applicable
        .into_iter()
        .filter_map(|(c, (via, certain))| {
            let mut r = evaluate_clause(&cx, rules.clauses.get(c as usize)?, via);
            if !certain && r.outcome == Outcome::Violated {
                r.outcome = Outcome::NeedsReview;
                r.outcome_label = Outcome::NeedsReview.label();
                r.reason = format!(
                    "项目位置精度 ±{} 内可能不在单元 {} 中，本条款是否适用无法确定（若适用：{}）",
                    format_value(project.accuracy_m, Dimension::Length),
                    r.via_units.join("、"),
                    r.reason
                );
            }
            Some(r)
        })
        .collect();
    clauses.sort_by(|a, b| {
        (a.level_rank, a.dimension, &a.id).cmp(&(b.level_rank, b.dimension, &b.id))
    });

    let mut counts = Counts {
        applicable: clauses.len(),
        ..Counts::default()
    };
    for c in &clauses {
        match c.outcome {
            Outcome::Violated => counts.violated += 1,
            Outcome::NeedsReview => counts.needs_review += 1,
            Outcome::Satisfied => counts.satisfied += 1,
        }
    }
    if clauses.is_empty() && !units.is_empty() {
        notes.push("本清单没有适用于该项目所在管控单元的条款。".to_string());
    }
    let mut verdict = Outcome::worst(clauses.iter().map(|c| c.outcome));
    if review_from_notes {
        verdict = verdict.min(Outcome::NeedsReview);
    }

    let h = &rules.header;
    Assessment {
        rule_set: RuleSetInfo {
            name: h.name.clone(),
            version: h.version.clone(),
            issuer: h.issuer.clone(),
            effective: h.effective.clone(),
            supersedes: h.supersedes.clone(),
            content_hash: rules.content_hash.clone(),
        },
        project: ProjectSummary {
            name: project.name.clone(),
            id: project.id.clone(),
            geometry_type: geometry_type(&project.location),
            site_area_m2: site_area,
            length_m: length,
            nature: match project.fact(crate::compile::FACT_NATURE) {
                Some(project::FactValue::Enum(s)) => Some(s.clone()),
                _ => None,
            },
            industry: project.industry_codes().to_vec(),
        },
        verdict,
        verdict_label: verdict.label(),
        units,
        notes,
        counts,
        clauses,
    }
}

/// With a declared positional accuracy: marks the touched units whose boundary a shift within
/// the accuracy could cross, and adds the units the shifted site could reach (with no overlap
/// measures). Returns the uncertain units.
fn position_uncertain_units(
    rules: &RuleSet,
    project: &Project,
    touches: &mut Vec<crate::index::units::Touch>,
) -> std::collections::HashSet<u32> {
    use geo::BoundingRect;
    let mut uncertain = std::collections::HashSet::new();
    let Some(shift) = uncertainty::Shift::new(&project.location, project.accuracy_m) else {
        return uncertain;
    };
    let unit_geometry = |u: u32| {
        rules
            .unit_index
            .geometry(u)
            .map(geo::Geometry::MultiPolygon)
    };
    for t in touches.iter() {
        if unit_geometry(t.unit).is_none_or(|g| !shift.intersects_is_certain(&g, true)) {
            uncertain.insert(t.unit);
        }
    }
    // Units within reach: candidates from the grid for the site's box widened by the accuracy,
    // confirmed by distance (no overlay needed: nothing is measured for them).
    let Some(rect) = project.location.bounding_rect() else {
        return uncertain;
    };
    let (min, max) =
        crate::index::measure::widen_by_metres(rect.min(), rect.max(), project.accuracy_m);
    let known: std::collections::HashSet<u32> = touches.iter().map(|t| t.unit).collect();
    let mut candidates = Vec::new();
    rules
        .unit_index
        .candidates_in_rect(min, max, &mut candidates);
    for unit in candidates {
        if known.contains(&unit) {
            continue;
        }
        // Within reach unless certainly farther than the accuracy (exact distance).
        if unit_geometry(unit).is_none_or(|g| !shift.intersects_is_certain(&g, false)) {
            uncertain.insert(unit);
            touches.push(crate::index::units::Touch {
                unit,
                area_m2: None,
                length_m: None,
            });
        }
    }
    uncertain
}

fn geometry_type(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::LineString(_) | geo::Geometry::Line(_) => "LineString",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::Polygon(_) | geo::Geometry::Rect(_) | geo::Geometry::Triangle(_) => {
            "Polygon"
        }
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Why a clause could not be decided: the facts the project did not state, else what its
/// positional accuracy leaves open.
fn unknown_cause(missing: &[String], uncertain: &[String]) -> String {
    if !missing.is_empty() || uncertain.is_empty() {
        return format!("缺少 {}", missing_text(missing));
    }
    let mut seen = std::collections::HashSet::new();
    uncertain
        .iter()
        .filter(|u| seen.insert(*u))
        .cloned()
        .collect::<Vec<_>>()
        .join("；")
}

fn missing_text(missing: &[String]) -> String {
    let mut seen = std::collections::HashSet::new();
    missing
        .iter()
        .filter(|m| seen.insert(*m))
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join("、")
}

/// Evaluates one clause: the `when` condition says whether it applies; the effect says what
/// follows; exemptions may lift a violation (or turn it into a review).
fn evaluate_clause(
    cx: &condition::Context,
    clause: &Clause,
    via_units: Vec<String>,
) -> ClauseResult {
    let mut evidence = Vec::new();
    let applies = clause.when.as_ref().map(|w| cx.cond(w));
    let trigger = applies.as_ref().map_or(Truth::True, |e| e.value);
    let mut missing: Vec<String> = Vec::new();
    let mut uncertain: Vec<String> = Vec::new();
    if let Some(e) = applies {
        if trigger == Truth::Unknown {
            missing.extend(e.missing());
            uncertain.extend(e.uncertain());
        }
        evidence.push(ClauseEvidence {
            role: EvidenceRole::Applies,
            evidence: e,
        });
    }

    let mut requirement_missing = Vec::new();
    let mut requirement_uncertain = Vec::new();
    let mut requirement_evidence = None;
    let mut outcome = logic::effect_outcome(&clause.effect, trigger, |cond| {
        let e = cx.cond(cond);
        if e.value == Truth::Unknown {
            requirement_missing = e.missing();
            requirement_uncertain = e.uncertain();
        }
        let value = e.value;
        requirement_evidence = Some(e);
        value
    });
    missing.extend(requirement_missing);
    uncertain.extend(requirement_uncertain);
    if let Some(e) = requirement_evidence {
        evidence.push(ClauseEvidence {
            role: EvidenceRole::Requirement,
            evidence: e,
        });
    }
    let mut reason = match (&clause.effect, outcome) {
        (Effect::Forbid, Outcome::Violated) => "禁止情形成立".to_string(),
        (Effect::Forbid, Outcome::Satisfied) => "不属于禁止情形".to_string(),
        (Effect::Forbid, Outcome::NeedsReview) => {
            format!(
                "{}，无法判定是否属于禁止情形",
                unknown_cause(&missing, &uncertain)
            )
        }
        (_, _) if trigger == Truth::False => "不适用：适用条件不成立".to_string(),
        (Effect::Review(why), _) => format!("需人工研判：{why}"),
        (effect, o) => {
            let what = if matches!(effect, Effect::Limit(_)) {
                "限值"
            } else {
                "要求"
            };
            match o {
                Outcome::Satisfied => format!("满足{what}"),
                Outcome::Violated => format!("不满足{what}"),
                Outcome::NeedsReview => {
                    format!(
                        "{}，无法判定是否满足{what}",
                        unknown_cause(&missing, &uncertain)
                    )
                }
            }
        }
    };

    if logic::exemptions_matter(EffectKind::of(&clause.effect), outcome)
        && !clause.exemptions.is_empty()
    {
        let mut tally = logic::Exemptions::default();
        let mut review_reason: Option<String> = None;
        for x in &clause.exemptions {
            let e = cx.cond(&x.condition);
            tally.add(e.value, x.review.is_some());
            match (e.value, &x.review) {
                (Truth::True, Some(r)) => {
                    review_reason =
                        review_reason.or(Some(format!("可能属于豁免情形（{}）：{r}", e.condition)))
                }
                (Truth::Unknown, _) => {
                    missing.extend(e.missing());
                    uncertain.extend(e.uncertain());
                }
                _ => {}
            }
            evidence.push(ClauseEvidence {
                role: EvidenceRole::Exemption,
                evidence: e,
            });
        }
        let after = tally.outcome(outcome);
        if tally.exempted {
            reason = "属于豁免情形".to_string();
        } else if let Some(r) = review_reason {
            reason = r;
        } else if after != outcome {
            reason = format!(
                "{reason}，但{}，无法排除豁免情形",
                unknown_cause(&missing, &uncertain)
            );
        }
        outcome = after;
    }
    if outcome == Outcome::Satisfied {
        missing.clear();
    }
    let mut seen = std::collections::HashSet::new();
    missing.retain(|m| seen.insert(m.clone()));

    let level = cx.rules.levels.get(clause.level as usize);
    ClauseResult {
        id: clause.id.clone(),
        level: level.map(|l| l.name.clone()).unwrap_or_default(),
        level_scope: level.map(|l| l.scope.clone()).unwrap_or_default(),
        level_rank: level.map_or(u32::MAX, |l| l.rank),
        dimension: clause.dimension,
        dimension_label: clause.dimension.label(),
        text: clause.text.clone(),
        outcome,
        outcome_label: outcome.label(),
        reason,
        missing,
        evidence,
        via_units,
        source: clause.location.clone(),
    }
}
