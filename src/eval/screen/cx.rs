//! The screening interpreter: runs a clause body's [`Programs`] entry for one project at one
//! site (or, for a [`super::Screener`]'s memo, at no site yet) and gives its outcome, with no
//! evidence and nothing allocated per clause. It must agree with the report path
//! ([`crate::eval::condition`]); tests/screening.rs checks it.

use geo::{Geometry, Point};

use super::Site;
use crate::compile::RuleSet;
use crate::compile::program::{
    BodyProgram, EffectKind, NONE, Needs, Op, Probe, Programs, fact_bit, pack, pollutant_bit,
};
use crate::eval::logic::{Exemptions, Outcome, Truth, exemptions_matter, kind_outcome};
use crate::eval::project::{FactValue, Project};
use crate::index::measure::widen_by_metres;
use crate::syntax::ast::CmpOp;

/// Per-fact state in [`Facts`]: not looked up yet.
const UNSET: u32 = u32::MAX;
/// The fact is not stated (or not of the kind the rule reads).
const UNKNOWN: u32 = u32::MAX - 1;
/// An enum value no rule names and the declaration does not list.
const ABSENT: u32 = u32::MAX - 2;
/// A set fact's bit set is in [`Facts::words`].
const READY: u32 = u32::MAX - 3;

/// The project's industry codes as the programs read them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Codes {
    #[default]
    Unset,
    /// No codes: industry conditions are unknown.
    None,
    /// In [`Facts::codes`], packed.
    Packed,
    /// A code too long to pack: compared as text.
    Text,
}

/// What has been looked up of one project's facts for the programs: enum values as indices in
/// their fact's table, set facts as bit sets, industry codes packed. Looked up on first use and
/// kept until [`Facts::reset`], which must be called whenever the project changes.
#[derive(Debug, Default)]
pub(super) struct Facts {
    /// Per fact id, read as an enum: [`UNSET`], [`UNKNOWN`], the value's index or [`ABSENT`].
    enums: Vec<u32>,
    /// Per fact id, read as a set: [`UNSET`], [`UNKNOWN`] or [`READY`]. (Kept apart from
    /// `enums`, so that a fact read both ways, which compilation never produces, is still read
    /// as the tree walk reads it.)
    sets: Vec<u32>,
    /// Set facts' bit sets, at their table's `at`.
    words: Vec<u64>,
    codes: Vec<u64>,
    codes_state: Codes,
    /// The facts and emissions the project states, as [`Needs`] bits; `None`: not yet read.
    stated: Option<Needs>,
}

impl Facts {
    /// Forgets the previous project's facts.
    pub(super) fn reset(&mut self, programs: &Programs) {
        for states in [&mut self.enums, &mut self.sets] {
            states.clear();
            states.resize(programs.values.len(), UNSET);
        }
        self.codes_state = Codes::Unset;
        self.stated = None;
    }
}

pub(super) struct Cx<'a> {
    rules: &'a RuleSet,
    programs: &'a Programs,
    project: &'a Project,
    /// Where the project is; `None` when deciding what can be decided for a point without
    /// knowing which (a [`super::Screener`]'s memo): then a measurement sets `needed_point` and
    /// reads as unknown, and the site has no area (as a point has none).
    site: Option<Site<'a>>,
    /// The units the site lies in (for the hints); empty when none may be assumed.
    units: &'a [u32],
    /// Per layer, the distance from the site once measured (NaN: not yet).
    distances: &'a mut Vec<f64>,
    facts: &'a mut Facts,
    /// A measurement was needed without a site.
    pub needed_point: bool,
    /// The site's area was read (without a site: taken as a point's, none).
    pub read_area: bool,
}

impl<'a> Cx<'a> {
    /// `facts` must have been reset for `project` (or already hold its facts).
    pub(super) fn new(
        rules: &'a RuleSet,
        project: &'a Project,
        site: Option<Site<'a>>,
        units: &'a [u32],
        distances: &'a mut Vec<f64>,
        facts: &'a mut Facts,
    ) -> Self {
        Cx {
            rules,
            programs: &rules.programs,
            project,
            site,
            units,
            distances,
            facts,
            needed_point: false,
            read_area: false,
        }
    }

    /// What body `b` cannot be violated without ([`Programs::needs`]; nothing for a body
    /// without a program). A small table read per body, so the unit lists stay one stream.
    pub(super) fn needs(&self, b: u32) -> Needs {
        self.programs.needs.get(b as usize).copied().unwrap_or(0)
    }

    /// The outcome of clause body `b` (its `when`, effect and exemptions); `None` when the rule
    /// set has no such body.
    pub(super) fn body(&mut self, b: u32) -> Option<Outcome> {
        let programs = self.programs;
        programs.bodies.get(b as usize).map(|p| self.clause(p))
    }

    /// Is clause body `b` violated? The same answer as `self.body(b) == Some(Violated)`, asked
    /// more cheaply: a violation needs the trigger to be true, the requirement false and every
    /// exemption false, so the first part that is anything else ends the question (an unknown
    /// fact included, where the full outcome goes on to tell "needs review" from "satisfied").
    pub(super) fn violated(&mut self, b: u32) -> bool {
        let programs = self.programs;
        let Some(p) = programs.bodies.get(b as usize) else {
            return false;
        };
        let triggered = p.when == NONE || self.cond_is(p.when, true);
        let violated = match p.effect {
            EffectKind::Review => false,
            EffectKind::Forbid => triggered,
            EffectKind::Require => triggered && self.cond_is(p.requirement, false),
        };
        if !violated {
            return false;
        }
        let start = p.exemptions_start as usize;
        let list = programs
            .exemptions
            .get(start..start + p.exemptions_len as usize)
            .unwrap_or_default();
        list.iter().all(|&(node, _)| self.cond_is(node, false))
    }

    fn clause(&mut self, p: &BodyProgram) -> Outcome {
        let trigger = if p.when == NONE {
            Truth::True
        } else {
            self.cond(p.when)
        };
        let outcome = kind_outcome(p.effect, trigger, || self.cond(p.requirement));
        if !exemptions_matter(p.effect, outcome) || p.exemptions_len == 0 {
            return outcome;
        }
        let programs = self.programs;
        let start = p.exemptions_start as usize;
        let list = programs
            .exemptions
            .get(start..start + p.exemptions_len as usize)
            .unwrap_or_default();
        let mut exemptions = Exemptions::default();
        for &(node, review) in list {
            exemptions.add(self.cond(node), review);
        }
        exemptions.outcome(outcome)
    }

    fn cond(&mut self, at: u32) -> Truth {
        let programs = self.programs;
        let Some(&op) = programs.ops.get(at as usize) else {
            return Truth::Unknown;
        };
        match op {
            Op::And { end } | Op::Or { end } => {
                let is_and = matches!(op, Op::And { .. });
                let (decisive, mut acc) = if is_and {
                    (Truth::False, Truth::True)
                } else {
                    (Truth::True, Truth::False)
                };
                for part in programs.parts(at, end) {
                    let v = self.cond(part);
                    acc = if is_and { acc.and(v) } else { acc.or(v) };
                    if acc == decisive {
                        return acc;
                    }
                }
                acc
            }
            Op::Not { .. } => self.cond(at + 1).negate(),
            Op::Const(b) => Truth::from_bool(b),
            Op::BoolFact(id) => match self.project.fact(id) {
                Some(FactValue::Bool(b)) => Truth::from_bool(*b),
                _ => Truth::Unknown,
            },
            Op::EnumIn { fact, at } => match self.enum_value(fact) {
                UNKNOWN => Truth::Unknown,
                ABSENT => Truth::False,
                i => Truth::from_bool(bit(&programs.bits, at as usize, i)),
            },
            Op::SetAny { fact, at } => {
                let Some((mine, words)) = self.set_value(fact) else {
                    return Truth::Unknown;
                };
                let theirs = programs
                    .bits
                    .get(at as usize..at as usize + words)
                    .unwrap_or_default();
                let mine = self.facts.words.get(mine..mine + words).unwrap_or_default();
                Truth::from_bool(mine.iter().zip(theirs).any(|(a, b)| a & b != 0))
            }
            Op::SetContains { fact, value } => match self.set_value(fact) {
                None => Truth::Unknown,
                Some(_) if value == NONE => Truth::False,
                Some((mine, _)) => Truth::from_bool(bit(&self.facts.words, mine, value)),
            },
            Op::IndustryIn { start, len } => self.industry(start as usize, len as usize),
            Op::KnownFact(id) => Truth::from_bool(self.project.fact(id).is_some()),
            Op::KnownPollutant(p) => Truth::from_bool(
                self.project
                    .emissions
                    .get(p as usize)
                    .is_some_and(Option::is_some),
            ),
            Op::Within { layer, probe } | Op::Intersects { layer, probe } => {
                if let Some(probe) = programs.probes.get(probe as usize)
                    && self.far_from(probe)
                {
                    return Truth::False;
                }
                let Some(site) = self.site else {
                    self.needed_point = true;
                    return Truth::Unknown;
                };
                let Some(l) = self.rules.layers.get(layer as usize) else {
                    return Truth::False;
                };
                let hit = match site {
                    // For a point, lying within a feature and touching it are the same question.
                    Site::Point(p) => l.index.intersects(&Geometry::Point(Point(p))),
                    Site::Shape { geometry, .. } if matches!(op, Op::Within { .. }) => {
                        l.index.covering(geometry)
                    }
                    Site::Shape { geometry, .. } => l.index.intersects(geometry),
                };
                Truth::from_bool(hit.is_some())
            }
            Op::Compare { op, rhs, probe, .. } => {
                if let Some(probe) = programs.probes.get(probe as usize)
                    && self.far_from(probe)
                {
                    // The site is farther than the threshold: distance > t.
                    let holds = match op {
                        CmpOp::Ne => true,
                        CmpOp::Gt | CmpOp::Ge => probe.distance_left,
                        CmpOp::Lt | CmpOp::Le => !probe.distance_left,
                        _ => false,
                    };
                    return Truth::from_bool(holds);
                }
                match (self.num(at + 1), self.num(rhs)) {
                    (Some(a), Some(b)) => Truth::from_bool(op.holds(a, b)),
                    _ => Truth::Unknown,
                }
            }
            // A number where a condition belongs: not produced by compilation.
            Op::Num(_)
            | Op::Fact(_)
            | Op::Emission { .. }
            | Op::Distance(_)
            | Op::SiteArea
            | Op::Arith { .. } => Truth::Unknown,
        }
    }

    /// The facts and emissions the project states, as [`Needs`] bits (read once per project).
    pub(super) fn stated(&mut self) -> Needs {
        if let Some(n) = self.facts.stated {
            return n;
        }
        // Bit `bit(i)` for every `i` that is `Some`.
        fn bits<T>(items: &[Option<T>], bit: fn(u32) -> Needs) -> Needs {
            let ids = items.iter().enumerate().filter(|(_, x)| x.is_some());
            ids.fold(0, |n, (i, _)| n | u32::try_from(i).map_or(0, bit))
        }
        let n = bits(&self.project.facts, fact_bit) | bits(&self.project.emissions, pollutant_bit);
        self.facts.stated = Some(n);
        n
    }

    /// Is the condition at `at` certainly `want` (not the other value, not unknown)? The same
    /// answer as `self.cond(at) == Truth::from_bool(want)`, stopping at the first part that
    /// settles it: an `and` is true only if every part is and false if any part is, an `or` the
    /// other way round.
    fn cond_is(&mut self, at: u32, want: bool) -> bool {
        let programs = self.programs;
        let Some(&op) = programs.ops.get(at as usize) else {
            return false;
        };
        match op {
            Op::And { end } | Op::Or { end } => {
                // Every part must be `want` (an `and` wanted true, an `or` wanted false), or any
                // one part suffices.
                let every = matches!(op, Op::And { .. }) == want;
                for part in programs.parts(at, end) {
                    if self.cond_is(part, want) != every {
                        return !every;
                    }
                }
                every
            }
            Op::Not { .. } => self.cond_is(at + 1, !want),
            _ => self.cond(at) == Truth::from_bool(want),
        }
    }

    /// The enum fact's value index in its table, [`ABSENT`] or [`UNKNOWN`], looked up once per
    /// project.
    fn enum_value(&mut self, fact: u32) -> u32 {
        if let Some(&s) = self.facts.enums.get(fact as usize)
            && s != UNSET
        {
            return s;
        }
        let v = match self.project.fact(fact) {
            Some(FactValue::Enum(s)) => self
                .programs
                .values
                .get(fact as usize)
                .and_then(|t| t.index(s))
                .unwrap_or(ABSENT),
            _ => UNKNOWN,
        };
        if let Some(slot) = self.facts.enums.get_mut(fact as usize) {
            *slot = v;
        }
        v
    }

    /// Where the set fact's bit set starts in [`Facts::words`] and its length in words, built
    /// once per project; `None` when the fact is not stated as a set.
    fn set_value(&mut self, fact: u32) -> Option<(usize, usize)> {
        let table = self.programs.values.get(fact as usize)?;
        let (at, words) = (table.at as usize, table.words as usize);
        let state = self.facts.sets.get(fact as usize).copied().unwrap_or(UNSET);
        if state == READY {
            return Some((at, words));
        }
        if state == UNKNOWN {
            return None;
        }
        let Some(FactValue::Set(have)) = self.project.fact(fact) else {
            if let Some(slot) = self.facts.sets.get_mut(fact as usize) {
                *slot = UNKNOWN;
            }
            return None;
        };
        let need = self.programs.set_words as usize;
        if self.facts.words.len() < need {
            self.facts.words.resize(need, 0);
        }
        let mine = self.facts.words.get_mut(at..at + words)?;
        mine.fill(0);
        for h in have {
            if let Some(i) = table.index(h)
                && let Some(w) = mine.get_mut(i as usize / 64)
            {
                *w |= 1 << (i % 64);
            }
        }
        if let Some(slot) = self.facts.sets.get_mut(fact as usize) {
            *slot = READY;
        }
        Some((at, words))
    }

    /// Any of the project's industry codes under one of the prefixes `start..start + len`.
    fn industry(&mut self, start: usize, len: usize) -> Truth {
        let codes = self.project.industry_codes();
        if self.facts.codes_state == Codes::Unset {
            self.facts.codes.clear();
            self.facts.codes_state = if codes.is_empty() {
                Codes::None
            } else {
                Codes::Packed
            };
            for c in codes {
                match pack(c) {
                    Some(w) => self.facts.codes.push(w),
                    None => self.facts.codes_state = Codes::Text,
                }
            }
        }
        let prefixes = self
            .programs
            .prefixes
            .get(start..start + len)
            .unwrap_or_default();
        let packed = self.programs.packed.as_ref();
        let hit = match (self.facts.codes_state, packed) {
            (Codes::None | Codes::Unset, _) => return Truth::Unknown,
            (Codes::Packed, Some(packed)) => {
                let codes = &self.facts.codes;
                let packed = packed.get(start..start + len).unwrap_or_default();
                packed
                    .iter()
                    .any(|&(w, mask)| codes.iter().any(|c| c & mask == w))
            }
            (Codes::Packed, None) => prefixes.iter().any(|p| match p.packed {
                Some((w, mask)) => self.facts.codes.iter().any(|c| c & mask == w),
                None => codes.iter().any(|c| c.starts_with(&p.text)),
            }),
            (Codes::Text, _) => prefixes
                .iter()
                .any(|p| codes.iter().any(|c| c.starts_with(&p.text))),
        };
        Truth::from_bool(hit)
    }

    /// Is the site provably farther than the probe's threshold from every feature of its
    /// layer, without measuring? Either the hints say so for every unit the site lies in, or no
    /// feature's bounding box comes within the threshold of the site (widened conservatively,
    /// as the hints are). A distance already measured for this site is left to decide instead.
    fn far_from(&self, probe: &Probe) -> bool {
        if let Some(p) = probe.hint
            && self.rules.hints.all_far(self.units, p)
        {
            return true;
        }
        let Some(site) = self.site else {
            return false;
        };
        let measured = self
            .distances
            .get(probe.layer as usize)
            .is_some_and(|d| !d.is_nan());
        let t = probe.t;
        if measured || !(t.is_finite() && t >= 0.0) {
            return false;
        }
        let Some(l) = self.rules.layers.get(probe.layer as usize) else {
            return false;
        };
        let (lo, hi) = site.bbox();
        let (min, max) = widen_by_metres(lo, hi, t * 1.01 + 1.0);
        !l.index.any_box_in(min, max)
    }

    fn num(&mut self, at: u32) -> Option<f64> {
        let programs = self.programs;
        match *programs.ops.get(at as usize)? {
            Op::Num(v) => Some(v),
            Op::Fact(id) => match self.project.fact(id) {
                Some(FactValue::Number(x)) => Some(*x),
                _ => None,
            },
            Op::Emission { pollutant, figure } => self.project.emission(pollutant, figure),
            Op::Distance(layer) => {
                let cached = self
                    .distances
                    .get(layer as usize)
                    .copied()
                    .filter(|d| !d.is_nan());
                if cached.is_some() {
                    return cached;
                }
                let Some(site) = self.site else {
                    self.needed_point = true;
                    return None;
                };
                let d = self
                    .rules
                    .layers
                    .get(layer as usize)
                    .and_then(|l| l.index.nearest(&site.geometry()))
                    .map(|f| f.distance_m);
                if let (Some(d), Some(slot)) = (d, self.distances.get_mut(layer as usize)) {
                    *slot = d;
                }
                d
            }
            // A point has no site area (nor has the memo's unknown point).
            Op::SiteArea => {
                self.read_area = true;
                match self.site {
                    Some(Site::Shape { area, .. }) => area,
                    _ => None,
                }
            }
            Op::Arith { op, rhs, .. } => {
                let a = self.num(at + 1)?;
                let b = self.num(rhs)?;
                op.apply(a, b)
            }
            _ => None,
        }
    }
}

/// Bit `i` of the bit set starting at `bits[at]`.
fn bit(bits: &[u64], at: usize, i: u32) -> bool {
    bits.get(at + i as usize / 64)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::parse_project;
    use crate::load::load_rule_set;
    use geo::Coord;
    use std::path::Path;

    /// The shortcuts screening takes give the answers of the full evaluation they stand for:
    /// `cond_is` is `cond` compared, for every node; `violated` is the body's outcome compared,
    /// for every body; and a body that needs a fact the project does not state is never
    /// violated. For every Nanjing example project, each with every one of its facts and
    /// emissions left out in turn, at points across the city.
    #[test]
    fn the_verdict_shortcuts_agree_with_the_full_outcome() {
        let rs = load_rule_set(Path::new("rules/nanjing"))
            .expect("demo rules load")
            .rule_set;
        let mut variants = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir("examples/projects")
            .expect("examples")
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("example reads");
            let Ok(p) = parse_project(&text, &rs.schema) else {
                continue;
            };
            for f in (0..p.facts.len()).filter(|f| p.facts[*f].is_some()) {
                let mut q = p.clone();
                q.facts[f] = None;
                variants.push(q);
            }
            for e in (0..p.emissions.len()).filter(|e| p.emissions[*e].is_some()) {
                let mut q = p.clone();
                q.emissions[e] = None;
                variants.push(q);
            }
            variants.push(p);
        }
        assert!(variants.len() > 50, "{} projects", variants.len());
        let points: Vec<Coord<f64>> = (0..6)
            .flat_map(|i| (0..6).map(move |j| (i, j)))
            .map(|(i, j)| Coord {
                x: 118.4 + 0.15 * f64::from(i),
                y: 31.3 + 0.2 * f64::from(j),
            })
            .collect();
        let (mut facts, mut distances, mut units) = (Facts::default(), Vec::new(), Vec::new());
        let mut seen = [0usize; 3];
        for p in &variants {
            for &at in &points {
                units.clear();
                rs.locate_point(at.x, at.y, &mut units);
                facts.reset(&rs.programs);
                distances.clear();
                distances.resize(rs.layers.len(), f64::NAN);
                let site = Some(Site::Point(at));
                let mut cx = Cx::new(&rs, p, site, &units, &mut distances, &mut facts);
                for n in 0..rs.programs.ops.len() as u32 {
                    let v = cx.cond(n);
                    for want in [true, false] {
                        assert_eq!(cx.cond_is(n, want), v == Truth::from_bool(want), "node {n}");
                    }
                }
                let stated = cx.stated();
                for b in 0..rs.programs.bodies.len() as u32 {
                    let outcome = cx.body(b).expect("a body");
                    let violated = outcome == Outcome::Violated;
                    assert_eq!(cx.violated(b), violated, "body {b}");
                    if rs.programs.needs[b as usize] & !stated != 0 {
                        assert!(!violated, "body {b} violated without what it needs");
                    }
                    seen[outcome as usize] += 1;
                }
            }
        }
        assert!(seen.iter().all(|n| *n > 0), "every outcome met: {seen:?}");
    }
}
