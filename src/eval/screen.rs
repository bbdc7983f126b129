//! Screening: the verdict for a point, computed without building evidence, for batch
//! throughput. It must always agree with [`super::evaluate`] (a differential test checks it);
//! the report path stays the reference.
//!
//! Two things make it fast: nothing is allocated per clause (conditions are evaluated to a
//! [`Truth`] only), and distance conditions consult the rule set's [`SpatialHints`] first —
//! a unit whose every point is provably farther than a threshold from a layer answers
//! `distance(layer) < threshold` without measuring anything.
//!
//! [`SpatialHints`]: crate::index::SpatialHints

use geo::{Coord, Geometry, Point};

use super::logic::{Exemptions, Outcome, Truth, effect_outcome, exemptions_matter};
use super::project::{FactValue, Project};
use crate::compile::industry::covers;
use crate::compile::{Clause, Cond, CondKind, Num, NumKind, RuleSet};
use crate::syntax::ast::CmpOp;

/// Reusable buffers, so that screening many points allocates nothing per point.
#[derive(Debug, Default)]
pub struct Scratch {
    units: Vec<u32>,
    clauses: Vec<u32>,
    /// Per layer, the distance from the current point once measured (NaN: not yet).
    distances: Vec<f64>,
}

struct Cx<'a> {
    rules: &'a RuleSet,
    project: &'a Project,
    point: Coord<f64>,
    units: &'a [u32],
    distances: std::cell::RefCell<&'a mut Vec<f64>>,
}

/// Does deciding this condition (at its top level) measure geometry? Spatial parts of `and`/`or`
/// are evaluated last, so that a cheap false (for `and`) or true (for `or`) spares them; Kleene
/// logic does not depend on the order.
fn is_spatial(c: &Cond) -> bool {
    match &c.kind {
        CondKind::Within(_) | CondKind::Intersects(_) => true,
        CondKind::Compare { lhs, rhs, .. } => lhs.reads_distance() || rhs.reads_distance(),
        CondKind::Not(inner) => is_spatial(inner),
        _ => false,
    }
}

/// The verdict for `project`'s facts at the point `(lon, lat)` (the project's own location is
/// ignored): violated, needs review or satisfied, exactly as [`super::evaluate`] would give for
/// the same project placed at that point.
pub fn screen_point(
    rules: &RuleSet,
    project: &Project,
    lon: f64,
    lat: f64,
    scratch: &mut Scratch,
) -> Outcome {
    if project.accuracy_m > 0.0 {
        // A declared positional accuracy needs the geometric tests of the report path.
        let mut at = project.clone();
        at.location = Geometry::Point(Point::new(lon, lat));
        return super::evaluate(rules, &at).verdict;
    }
    scratch.units.clear();
    rules.locate_point(lon, lat, &mut scratch.units);
    if scratch.units.is_empty() {
        return Outcome::NeedsReview;
    }
    scratch.clauses.clear();
    for u in &scratch.units {
        if let Some(list) = rules.unit_clauses.get(*u as usize) {
            scratch.clauses.extend_from_slice(list);
        }
    }
    if scratch.units.len() > 1 {
        scratch.clauses.sort_unstable();
        scratch.clauses.dedup();
    }
    scratch.distances.clear();
    scratch.distances.resize(rules.layers.len(), f64::NAN);
    let cx = Cx {
        rules,
        project,
        point: Coord { x: lon, y: lat },
        units: &scratch.units,
        distances: std::cell::RefCell::new(&mut scratch.distances),
    };
    let mut verdict = Outcome::Satisfied;
    for c in &scratch.clauses {
        if let Some(clause) = rules.clauses.get(*c as usize) {
            verdict = verdict.min(cx.clause(clause));
        }
    }
    verdict
}

impl Cx<'_> {
    fn clause(&self, clause: &Clause) -> Outcome {
        let trigger = clause.when.as_ref().map_or(Truth::True, |w| self.cond(w));
        let outcome = effect_outcome(&clause.effect, trigger, |c| self.cond(c));
        if !exemptions_matter(&clause.effect, outcome) || clause.exemptions.is_empty() {
            return outcome;
        }
        let mut exemptions = Exemptions::default();
        for x in &clause.exemptions {
            exemptions.add(self.cond(&x.condition), x.review.is_some());
        }
        exemptions.outcome(outcome)
    }

    fn fact(&self, id: u32) -> Option<&FactValue> {
        self.project.fact(id)
    }

    fn cond(&self, c: &Cond) -> Truth {
        match &c.kind {
            CondKind::And(parts) | CondKind::Or(parts) => {
                let is_and = matches!(c.kind, CondKind::And(_));
                let (decisive, mut acc) = if is_and {
                    (Truth::False, Truth::True)
                } else {
                    (Truth::True, Truth::False)
                };
                for spatial_pass in [false, true] {
                    for p in parts.iter().filter(|p| is_spatial(p) == spatial_pass) {
                        let v = self.cond(p);
                        acc = if is_and { acc.and(v) } else { acc.or(v) };
                        if acc == decisive {
                            return acc;
                        }
                    }
                }
                acc
            }
            CondKind::Not(inner) => self.cond(inner).negate(),
            CondKind::Const(b) => Truth::from_bool(*b),
            CondKind::BoolFact(id) => match self.fact(*id) {
                Some(FactValue::Bool(b)) => Truth::from_bool(*b),
                _ => Truth::Unknown,
            },
            CondKind::EnumIn { fact, values } => match self.fact(*fact) {
                Some(FactValue::Enum(s)) => Truth::from_bool(values.contains(s)),
                _ => Truth::Unknown,
            },
            CondKind::SetAny { fact, values } => match self.fact(*fact) {
                Some(FactValue::Set(have)) => {
                    Truth::from_bool(have.iter().any(|h| values.contains(h)))
                }
                _ => Truth::Unknown,
            },
            CondKind::SetContains { fact, value } => match self.fact(*fact) {
                Some(FactValue::Set(have)) => Truth::from_bool(have.contains(value)),
                _ => Truth::Unknown,
            },
            CondKind::IndustryIn { prefixes, .. } => {
                let codes = self.project.industry_codes();
                if codes.is_empty() {
                    Truth::Unknown
                } else {
                    Truth::from_bool(
                        codes
                            .iter()
                            .any(|code| prefixes.iter().any(|p| covers(p, code))),
                    )
                }
            }
            CondKind::KnownFact(id) => Truth::from_bool(self.fact(*id).is_some()),
            CondKind::KnownPollutant(p) => Truth::from_bool(
                self.project
                    .emissions
                    .get(*p as usize)
                    .is_some_and(Option::is_some),
            ),
            CondKind::Within(layer) | CondKind::Intersects(layer) => {
                if let Some(p) = self.rules.hints.probe(*layer, 0.0)
                    && self.rules.hints.all_far(self.units, p)
                {
                    return Truth::False;
                }
                // For a point, lying within a feature and touching it are the same question.
                let g = Geometry::Point(Point(self.point));
                let hit = self
                    .rules
                    .layers
                    .get(*layer as usize)
                    .and_then(|l| l.index.intersects(&g));
                Truth::from_bool(hit.is_some())
            }
            CondKind::Compare { lhs, op, rhs } => {
                if let Some((layer, t)) = c.distance_probe()
                    && let Some(p) = self.rules.hints.probe(layer, t)
                    && self.rules.hints.all_far(self.units, p)
                {
                    // Every point of the units is farther than `t`: distance > t.
                    let distance_left = matches!(lhs.kind, NumKind::Distance(_));
                    let holds = match (op, distance_left) {
                        (CmpOp::Gt | CmpOp::Ge | CmpOp::Ne, _) if distance_left => true,
                        (CmpOp::Lt | CmpOp::Le | CmpOp::Ne, false) => true,
                        _ => false,
                    };
                    return Truth::from_bool(holds);
                }
                match (self.num(lhs), self.num(rhs)) {
                    (Some(a), Some(b)) => Truth::from_bool(op.holds(a, b)),
                    _ => Truth::Unknown,
                }
            }
        }
    }

    fn num(&self, n: &Num) -> Option<f64> {
        match &n.kind {
            NumKind::Const(v) => Some(*v),
            NumKind::Fact(id) => match self.fact(*id) {
                Some(FactValue::Number(x)) => Some(*x),
                _ => None,
            },
            NumKind::Emission { pollutant, figure } => self.project.emission(*pollutant, *figure),
            NumKind::Distance(layer) => {
                let cached = self
                    .distances
                    .borrow()
                    .get(*layer as usize)
                    .copied()
                    .filter(|d| !d.is_nan());
                if cached.is_some() {
                    return cached;
                }
                let g = Geometry::Point(Point(self.point));
                let d = self
                    .rules
                    .layers
                    .get(*layer as usize)
                    .and_then(|l| l.index.nearest(&g))
                    .map(|f| f.distance_m);
                if let (Some(d), Some(slot)) =
                    (d, self.distances.borrow_mut().get_mut(*layer as usize))
                {
                    *slot = d;
                }
                d
            }
            // A point has no site area.
            NumKind::SiteArea => None,
            NumKind::Arith(a, op, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                op.apply(a, b)
            }
        }
    }
}
