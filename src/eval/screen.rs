//! Screening: the verdict without building evidence, for throughput — one point
//! ([`screen_point`]), one project at many points or sites ([`Screener`]), a project at its own
//! site ([`screen_project`], in `site.rs`). It must always agree with [`super::evaluate`]
//! (differential tests in tests/screening.rs check it); the report path stays the reference.
//!
//! Two things make it fast: nothing is allocated per clause (conditions are evaluated to a
//! [`Truth`](crate::eval::logic::Truth) only), and distance conditions consult the rule set's [`SpatialHints`] first —
//! a unit whose every point is provably farther than a threshold from a layer answers
//! `distance(layer) < threshold` without measuring anything.
//!
//! [`SpatialHints`]: crate::index::SpatialHints

use geo::{Coord, Geometry, Point};

mod cx;
mod site;
use cx::{Cx, Facts};
pub use site::{SiteScreen, screen_project};

use super::logic::Outcome;
use super::project::Project;
use crate::compile::RuleSet;
use crate::compile::verdict_order::Bodies;

/// Reusable buffers, so that screening many points allocates nothing per point.
#[derive(Debug, Default)]
pub struct Scratch {
    units: Vec<u32>,
    /// Clause ids.
    clauses: Vec<u32>,
    /// Clause body ids (a screener's per-point pass).
    bodies: Vec<u32>,
    /// The bodies of a point or site in several units.
    merged: MergedBodies,
    /// Per layer, the distance from the current point once measured (NaN: not yet).
    distances: Vec<f64>,
    /// The project's facts as the clause programs read them.
    facts: Facts,
}

/// Where a screened project is.
#[derive(Debug, Clone, Copy)]
enum Site<'a> {
    Point(Coord<f64>),
    /// A line or polygon site lying in the units screened: its geometry, area (m², polygonal
    /// sites) and bounding box.
    Shape {
        geometry: &'a Geometry<f64>,
        area: Option<f64>,
        bbox: geo::Rect<f64>,
    },
}

impl Site<'_> {
    fn geometry(&self) -> std::borrow::Cow<'_, Geometry<f64>> {
        match self {
            Site::Point(p) => std::borrow::Cow::Owned(Geometry::Point(Point(*p))),
            Site::Shape { geometry, .. } => std::borrow::Cow::Borrowed(*geometry),
        }
    }

    fn bbox(&self) -> (Coord<f64>, Coord<f64>) {
        match self {
            Site::Point(p) => (*p, *p),
            Site::Shape { bbox, .. } => (bbox.min(), bbox.max()),
        }
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
    scratch.facts.reset(&rules.programs);
    screen_located(rules, project, Coord { x: lon, y: lat }, scratch)
}

/// [`screen_point`] for a project without a declared accuracy, the point already located:
/// `scratch.units` holds the units it lies in, `scratch.facts` has been reset for `project`.
fn screen_located(
    rules: &RuleSet,
    project: &Project,
    point: Coord<f64>,
    scratch: &mut Scratch,
) -> Outcome {
    let Scratch {
        units,
        merged,
        distances,
        facts,
        ..
    } = scratch;
    distances.clear();
    distances.resize(rules.layers.len(), f64::NAN);
    let mut cx = Cx::new(
        rules,
        project,
        Some(Site::Point(point)),
        units,
        distances,
        facts,
    );
    match units.as_slice() {
        [] => Outcome::NeedsReview,
        // One unit (the common case): its lists as stored.
        [u] => decide(
            &mut cx,
            Outcome::Satisfied,
            &rules.verdict_order.unit(*u).lists(),
        ),
        _ => {
            let list = merged.of(rules, units.iter().copied());
            decide(&mut cx, Outcome::Satisfied, &[list])
        }
    }
}

/// The bodies of several units' lists in verdict order, merged without repeats (reused
/// buffers).
#[derive(Debug, Default)]
struct MergedBodies {
    gathered: Vec<(bool, u32)>,
    bodies: Vec<u32>,
}

impl MergedBodies {
    fn of(&mut self, rules: &RuleSet, units: impl Iterator<Item = u32>) -> Bodies<'_> {
        self.gathered.clear();
        for u in units {
            for list in rules.verdict_order.unit(u).lists() {
                self.gathered
                    .extend(list.violable.iter().map(|&b| (false, b)));
                self.gathered.extend(list.review.iter().map(|&b| (true, b)));
            }
        }
        self.gathered.sort_unstable();
        self.gathered.dedup();
        self.bodies.clear();
        self.bodies.extend(self.gathered.iter().map(|g| g.1));
        // Violable bodies sort first (`false`).
        let split = self.gathered.iter().filter(|g| !g.0).count();
        let (violable, review) = self.bodies.split_at(split);
        Bodies { violable, review }
    }
}

/// The verdict `verdict` becomes with body `b`: the body's outcome while nothing is violated or
/// to review, then only whether it is violated (not even asked when the body needs a fact or
/// emission the project does not state).
fn with_body(cx: &mut Cx<'_>, verdict: Outcome, b: u32) -> Outcome {
    match verdict {
        Outcome::Satisfied => cx.body(b).unwrap_or(verdict),
        Outcome::NeedsReview if cx.needs(b) & !cx.stated() == 0 && cx.violated(b) => {
            Outcome::Violated
        }
        _ => verdict,
    }
}

/// The verdict of the bodies of `lists`, starting from `from`: the worst of their outcomes,
/// looked at only as far as it can still change ([`crate::compile::verdict_order`]): each
/// violable body's outcome until one needs review, then only whether it is violated (not even
/// asked of one needing a fact the project does not state); review-only bodies only if nothing
/// is violated or to review yet, and only until one is triggered or may be. Bodies without a
/// program are skipped.
fn decide(cx: &mut Cx<'_>, from: Outcome, lists: &[Bodies<'_>]) -> Outcome {
    let mut verdict = from;
    for list in lists {
        for &b in list.violable {
            verdict = with_body(cx, verdict, b);
            if verdict == Outcome::Violated {
                return verdict;
            }
        }
    }
    if verdict != Outcome::Satisfied {
        return verdict;
    }
    for list in lists {
        if list
            .review
            .iter()
            .any(|&b| cx.body(b) == Some(Outcome::NeedsReview))
        {
            return Outcome::NeedsReview;
        }
    }
    Outcome::Satisfied
}

/// The clauses that apply in any of `units`, ascending without repeats, into `out` (cleared
/// first).
fn clauses_of(rules: &RuleSet, units: impl ExactSizeIterator<Item = u32>, out: &mut Vec<u32>) {
    out.clear();
    if units.len() == 1 {
        out.extend(units.flat_map(|u| rules.unit_clauses.of(u).iter()));
        return;
    }
    for u in units {
        out.extend(rules.unit_clauses.of(u).unordered());
    }
    out.sort_unstable();
    out.dedup();
}

/// Points located together by [`Screener::screen_many`].
const SCREEN_CHUNK: usize = 256;
/// How many of a unit's own clauses [`Screener::read_ahead`] reads ahead.
const OWN_CLAUSES: usize = 4;

/// What a clause body comes to for one project, wherever the project is, or that it depends on
/// where.
#[derive(Debug, Clone, Copy, Default)]
enum ClauseMemo {
    #[default]
    Unseen,
    Decided(Outcome),
    /// Decided for every point, having read the site area (a point has none): a line or
    /// polygon site evaluates it again.
    DecidedAtPoints(Outcome),
    /// It measures; its per-unit answers are in [`Screener::located`] at this slot.
    Located(u32),
}

/// A measuring clause's answers per unit. In a unit, without a point, the clause can consult
/// only the unit's hints for the probes in `mask`, so units agreeing on those bits get the same
/// answer: `seen` holds it per combination (`None`: decided at each point).
#[derive(Debug, Clone, Default)]
struct Located {
    mask: u64,
    /// (hint bits, the answer, whether it read the site area).
    seen: Vec<(u64, Option<Outcome>, bool)>,
}

/// What a unit's clauses come to for one project at any point of the unit, and which of them
/// must be evaluated at the point (a run of [`Screener::per_point`]).
#[derive(Debug, Clone, Copy, Default)]
struct UnitMemo {
    decided: Option<Outcome>,
    start: usize,
    len: usize,
}

/// Screens one project at many points (site selection, a batch of candidate sites): the same
/// verdicts as [`screen_point`], with each clause evaluated only as often as its answer can
/// change.
///
/// - Memos are kept per clause body ([`RuleSet::bodies`]): clauses of many units written from one
///   template are evaluated as one.
/// - A clause that measures nothing for this project (its facts decide it, or a cheap part
///   decides it before any measurement) is evaluated once per screener.
/// - A clause that measures is evaluated with a unit's [`SpatialHints`]: when the hints decide
///   it (the unit is provably far from the layer), that answer holds at every point of the
///   unit. It is evaluated once per combination of the hints it can consult, not per unit.
/// - Only what is left, typically the distance conditions of units near a layer, is evaluated
///   at each point.
///
/// Memory: eight bytes per clause body and 24 bytes per unit of the rule set, plus the
/// per-point clause bodies of the units visited.
///
/// [`SpatialHints`]: crate::index::SpatialHints
#[derive(Debug)]
pub struct Screener<'a> {
    rules: &'a RuleSet,
    project: &'a Project,
    /// Per clause body.
    bodies: Vec<ClauseMemo>,
    located: Vec<Located>,
    units: Vec<UnitMemo>,
    per_point: Vec<u32>,
    scratch: Scratch,
}

impl<'a> Screener<'a> {
    pub fn new(rules: &'a RuleSet, project: &'a Project) -> Self {
        let mut scratch = Scratch::default();
        scratch.facts.reset(&rules.programs);
        Screener {
            rules,
            project,
            bodies: vec![ClauseMemo::Unseen; rules.bodies.len()],
            located: Vec::new(),
            units: vec![UnitMemo::default(); rules.units.len()],
            per_point: Vec::new(),
            scratch,
        }
    }

    /// The verdict for the project at `(lon, lat)` (its own location ignored), exactly as
    /// [`screen_point`] and [`super::evaluate`] give it.
    pub fn screen(&mut self, lon: f64, lat: f64) -> Outcome {
        if self.project.accuracy_m > 0.0 {
            return screen_point(self.rules, self.project, lon, lat, &mut self.scratch);
        }
        let mut units = std::mem::take(&mut self.scratch.units);
        units.clear();
        self.rules.locate_point(lon, lat, &mut units);
        let verdict = self.screen_in(&units, Coord { x: lon, y: lat });
        self.scratch.units = units;
        verdict
    }

    /// [`Screener::screen`] for many points: `verdicts` is cleared and gets one verdict per
    /// point, in order. Faster per point than one call each, because the points are located
    /// together ([`crate::index::UnitIndex::locate_points`]).
    pub fn screen_many(&mut self, pts: &[Coord<f64>], verdicts: &mut Vec<Outcome>) {
        verdicts.clear();
        if self.project.accuracy_m > 0.0 {
            verdicts.extend(pts.iter().map(|p| self.screen(p.x, p.y)));
            return;
        }
        let (mut all, mut ends) = (Vec::new(), Vec::new());
        for chunk in pts.chunks(SCREEN_CHUNK) {
            self.rules
                .unit_index
                .locate_points(chunk, &mut all, &mut ends);
            self.screen_chunk(chunk, &all, &ends, 0, verdicts);
        }
    }

    /// [`Screener::screen_many`] for points already located, as
    /// [`crate::index::UnitIndex::locate_points`] gives them: point `i`'s units are
    /// `units[ends[i - 1]..ends[i]]` (from 0 for the first). Verdicts are appended to
    /// `verdicts` after clearing it, one per point. Lengths that disagree (`ends` not one per
    /// point) are not trusted: the points are then located again.
    pub fn screen_located(
        &mut self,
        pts: &[Coord<f64>],
        units: &[u32],
        ends: &[usize],
        verdicts: &mut Vec<Outcome>,
    ) {
        let consistent = ends.len() == pts.len()
            && ends.windows(2).all(|w| w[0] <= w[1])
            && ends.last().is_none_or(|e| *e <= units.len());
        if !consistent || self.project.accuracy_m > 0.0 {
            self.screen_many(pts, verdicts);
            return;
        }
        verdicts.clear();
        let mut from = 0;
        for (chunk, chunk_ends) in pts.chunks(SCREEN_CHUNK).zip(ends.chunks(SCREEN_CHUNK)) {
            self.screen_chunk(chunk, units, chunk_ends, from, verdicts);
            from = chunk_ends.last().copied().unwrap_or(from);
        }
    }

    /// Screens `chunk`, its points' units being `units[from..ends[0]]`, `units[ends[0]..ends[1]]`
    /// and so on (the units read ahead first).
    fn screen_chunk(
        &mut self,
        chunk: &[Coord<f64>],
        units: &[u32],
        ends: &[usize],
        mut from: usize,
        verdicts: &mut Vec<Outcome>,
    ) {
        let last = ends.last().copied().unwrap_or(from);
        self.read_ahead(units.get(from..last).unwrap_or_default());
        for (p, &end) in chunk.iter().zip(ends) {
            let here = units.get(from..end).unwrap_or_default();
            verdicts.push(self.screen_in(here, *p));
            from = end;
        }
    }

    /// For the units of a chunk met for the first time, reads the body index and memo of their
    /// own clauses (up to [`OWN_CLAUSES`] each; their shared groups' are usually already in
    /// cache), in one loop whose iterations do not depend on each other, so their cache misses
    /// overlap instead of stalling [`Screener::unit`] one by one.
    fn read_ahead(&self, units: &[u32]) {
        for u in units {
            if self
                .units
                .get(*u as usize)
                .is_none_or(|m| m.decided.is_some())
            {
                continue;
            }
            let own = self.rules.unit_clauses.of(*u).own;
            for c in own.iter().take(OWN_CLAUSES) {
                let b = self.rules.clause_body.get(*c as usize).copied();
                std::hint::black_box(b.and_then(|b| self.bodies.get(b as usize).copied()));
            }
        }
    }

    fn screen_in(&mut self, units: &[u32], point: Coord<f64>) -> Outcome {
        if units.is_empty() {
            return Outcome::NeedsReview;
        }
        let mut verdict = Outcome::Satisfied;
        for u in units {
            verdict = verdict.min(self.unit(*u));
        }
        if verdict == Outcome::Violated {
            return verdict;
        }
        let Scratch {
            bodies,
            distances,
            facts,
            ..
        } = &mut self.scratch;
        bodies.clear();
        for u in units {
            let m = self.units.get(*u as usize).copied().unwrap_or_default();
            let run = m.start..m.start + m.len;
            bodies.extend_from_slice(self.per_point.get(run).unwrap_or_default());
        }
        if bodies.is_empty() {
            return verdict;
        }
        if units.len() > 1 {
            bodies.sort_unstable();
            bodies.dedup();
        }
        distances.clear();
        distances.resize(self.rules.layers.len(), f64::NAN);
        let mut cx = Cx::new(
            self.rules,
            self.project,
            Some(Site::Point(point)),
            units,
            distances,
            facts,
        );
        // As in `decide`: once the verdict needs review, only a violation can change it.
        for &b in bodies.iter() {
            verdict = with_body(&mut cx, verdict, b);
            if verdict == Outcome::Violated {
                break;
            }
        }
        verdict
    }

    /// The outcome of unit `u`'s clauses that no point of it changes; records the others.
    fn unit(&mut self, u: u32) -> Outcome {
        let Some(memo) = self.units.get(u as usize) else {
            return Outcome::NeedsReview;
        };
        if let Some(decided) = memo.decided {
            return decided;
        }
        let start = self.per_point.len();
        let mut decided = Outcome::Satisfied;
        let rules = self.rules;
        let far = rules.hints.far.get(u as usize).copied().unwrap_or(0);
        for c in rules.unit_clauses.of(u).unordered() {
            let Some(&b) = self.rules.clause_body.get(c as usize) else {
                continue;
            };
            match self.clause_memo(b) {
                ClauseMemo::Decided(o) | ClauseMemo::DecidedAtPoints(o) => {
                    decided = decided.min(o);
                }
                ClauseMemo::Located(slot) => match self.located_in(slot, b, u, far) {
                    Some((o, _)) => decided = decided.min(o),
                    None => self.per_point.push(b),
                },
                ClauseMemo::Unseen => {}
            }
        }
        let len = self.per_point.len() - start;
        if let Some(m) = self.units.get_mut(u as usize) {
            *m = UnitMemo {
                decided: Some(decided),
                start,
                len,
            };
        }
        decided
    }

    /// What clause body `b` comes to wherever the project is, or the slot of its per-unit
    /// answers.
    fn clause_memo(&mut self, b: u32) -> ClauseMemo {
        let Some(memo) = self.bodies.get(b as usize).copied() else {
            return ClauseMemo::Unseen;
        };
        if !matches!(memo, ClauseMemo::Unseen) {
            return memo;
        }
        let Some(clause) = self.rules.bodies.get(b as usize) else {
            return ClauseMemo::Unseen;
        };
        let mut none = Vec::new();
        let mut cx = Cx::new(
            self.rules,
            self.project,
            None,
            &[],
            &mut none,
            &mut self.scratch.facts,
        );
        let outcome = cx.body(b).unwrap_or(Outcome::NeedsReview);
        let (needed_point, read_area) = (cx.needed_point, cx.read_area);
        let memo = if needed_point {
            // The hints this clause can consult: its answer in a unit depends only on which of
            // them hold there.
            let hints = &self.rules.hints;
            let mut mask = 0u64;
            for cond in clause.conditions() {
                cond.walk(&mut |n| {
                    if let Some((layer, t)) = n.distance_probe()
                        && let Some(p) = hints.probe(layer, t)
                    {
                        mask |= 1 << p;
                    }
                });
            }
            let slot = u32::try_from(self.located.len()).unwrap_or(u32::MAX);
            self.located.push(Located {
                mask,
                seen: Vec::new(),
            });
            ClauseMemo::Located(slot)
        } else if read_area {
            ClauseMemo::DecidedAtPoints(outcome)
        } else {
            ClauseMemo::Decided(outcome)
        };
        if let Some(m) = self.bodies.get_mut(b as usize) {
            *m = memo;
        }
        memo
    }

    /// What located clause body `b` (memo `slot`) comes to anywhere in unit `u`, whose
    /// far-probe mask is `far`, and whether that answer read the site area (then it holds for
    /// points only); `None` when it must be evaluated at each point.
    fn located_in(&mut self, slot: u32, b: u32, u: u32, far: u64) -> Option<(Outcome, bool)> {
        let entry = self.located.get_mut(slot as usize)?;
        let key = far & entry.mask;
        if let Some((_, o, area)) = entry.seen.iter().find(|(k, ..)| *k == key) {
            return o.map(|o| (o, *area));
        }
        let here = [u];
        let mut none = Vec::new();
        let mut cx = Cx::new(
            self.rules,
            self.project,
            None,
            &here,
            &mut none,
            &mut self.scratch.facts,
        );
        let outcome = cx.body(b)?;
        let answer = (!cx.needed_point).then_some(outcome);
        let area = cx.read_area;
        entry.seen.push((key, answer, area));
        answer.map(|o| (o, area))
    }
}
