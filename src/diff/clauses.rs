//! Clause continuity between two versions: which clauses were kept, dropped, added or changed,
//! and for comparable changes whether the clause tightened or loosened.
//!
//! Direction is decided from the compiled conditions, not the text. Each condition position has
//! a polarity: widening the `when` of any clause tightens it (more projects fall under it), and
//! so does narrowing a `require`/`limit` condition or an exemption. Within a comparison
//! `a <op> b`, raising a constant widens or narrows the condition depending on the operator and
//! on the side (and, inside arithmetic, on the operation: `2 * x` grows with 2, `x / 2` shrinks).
//! A list widens when the new list covers every old item (industry codes cover the codes below
//! them). Anything else that differs is a structural change whose direction is unclear.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::DiffOptions;
use super::transitions::UnitChanges;
use crate::compile::RuleSet;
use crate::compile::ruleset::{Clause, Cond, CondKind, Effect, Num, NumKind, UnitType};
use crate::syntax::ast::{ArithOp, CmpOp};

/// Whether a change makes the clause stricter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More projects are caught, or the requirement is harder to meet.
    Tightened,
    /// Fewer projects are caught, or the requirement is easier to meet.
    Loosened,
    /// Some parts tightened, others loosened.
    Mixed,
    /// The change is not comparable (structure changed).
    Unclear,
    /// Only the wording changed; the compiled clause is the same.
    Reworded,
    /// Nothing changed but the id (a renumbered clause).
    Unchanged,
}

impl Direction {
    pub fn key(self) -> &'static str {
        match self {
            Direction::Tightened => "tightened",
            Direction::Loosened => "loosened",
            Direction::Mixed => "mixed",
            Direction::Unclear => "unclear",
            Direction::Reworded => "reworded",
            Direction::Unchanged => "unchanged",
        }
    }

    fn of_sign(s: i8) -> Direction {
        match s.signum() {
            1 => Direction::Tightened,
            -1 => Direction::Loosened,
            _ => Direction::Unclear,
        }
    }
}

/// What part of a clause changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A distance threshold (`distance(长江) < 1 km`).
    Distance,
    /// A numeric threshold or limit (`increase(VOCs) > 10 t/a`, `energy_intensity <= 0.5`).
    Threshold,
    /// A multiplier, such as an offset ratio (`offset(VOCs) >= 2 * increase(VOCs)`).
    Ratio,
    /// An industry list (`industry in [C26, …]`).
    IndustryList,
    /// A list of values of an enum or set fact.
    ValueList,
    /// The effect (forbid, require, limit, review).
    Effect,
    /// The `when` condition appeared or disappeared.
    Condition,
    /// Exemptions (`unless …`) added or removed.
    Exemptions,
    /// The clause moved to another level, or its level's scope changed.
    Level,
    /// The dimension (空间布局约束 …) changed.
    Dimension,
    /// Any other difference in the compiled conditions.
    Structure,
}

impl ChangeKind {
    pub fn key(self) -> &'static str {
        match self {
            ChangeKind::Distance => "distance",
            ChangeKind::Threshold => "threshold",
            ChangeKind::Ratio => "ratio",
            ChangeKind::IndustryList => "industry_list",
            ChangeKind::ValueList => "value_list",
            ChangeKind::Effect => "effect",
            ChangeKind::Condition => "condition",
            ChangeKind::Exemptions => "exemptions",
            ChangeKind::Level => "level",
            ChangeKind::Dimension => "dimension",
            ChangeKind::Structure => "structure",
        }
    }
}

/// One comparable (or not) difference within a changed clause.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangeItem {
    pub kind: ChangeKind,
    /// The old value as written (`500 m`, `[C2631]`, `forbid`).
    pub old: String,
    pub new: String,
    pub direction: Direction,
}

/// A clause as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseRef {
    pub id: String,
    pub level: String,
    pub dimension: &'static str,
    pub effect: &'static str,
    pub text: String,
    /// `file:line:col` of the clause in its rule set.
    pub source: String,
}

impl ClauseRef {
    fn of(rs: &RuleSet, c: &Clause) -> Self {
        ClauseRef {
            id: c.id.clone(),
            level: rs
                .levels
                .get(c.level as usize)
                .map(|l| l.name.clone())
                .unwrap_or_default(),
            dimension: c.dimension.label(),
            effect: effect_key(&c.effect),
            text: c.text.clone(),
            source: c.location.to_string(),
        }
    }
}

fn effect_key(e: &Effect) -> &'static str {
    match e {
        Effect::Forbid => "forbid",
        Effect::Require(_) => "require",
        Effect::Limit(_) => "limit",
        Effect::Review(_) => "review",
    }
}

/// A clause present in both versions (same id, or same text under a new id) that differs.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseChange {
    pub old: ClauseRef,
    pub new: ClauseRef,
    /// Matched by text, not id.
    pub renumbered: bool,
    pub text_changed: bool,
    pub items: Vec<ChangeItem>,
    pub direction: Direction,
}

/// A protection (a forbid, require or limit clause) that applied to a priority-protection unit
/// in the old version and no longer applies to the same unit in the new one.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedProtection {
    pub clause: ClauseRef,
    /// `clause dropped`, `no longer applies to the unit` (the clause's scope no longer covers
    /// it) or `unit re-typed: no longer applies` (the unit is no longer a priority unit).
    pub reason: &'static str,
    /// The priority units (old code and name) that lost it.
    pub units: Vec<(String, String)>,
}

/// Clause continuity between the versions.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ClauseDiff {
    /// Ids of clauses kept unchanged under the same id.
    pub kept: Vec<String>,
    pub changed: Vec<ClauseChange>,
    pub dropped: Vec<ClauseRef>,
    pub added: Vec<ClauseRef>,
    /// Flagged: protections lost by priority-protection units.
    pub dropped_protections: Vec<DroppedProtection>,
    /// For each old clause (by index), the new clause it became.
    #[serde(skip)]
    pub old_to_new: Vec<Option<u32>>,
}

impl ClauseDiff {
    /// Changed clauses of a direction.
    pub fn with_direction(&self, d: Direction) -> impl Iterator<Item = &ClauseChange> {
        self.changed.iter().filter(move |c| c.direction == d)
    }
}

/// Above this many unmatched (old × new) clause pairs of one dimension, text matching is
/// skipped (it is quadratic); clauses are then matched by id only.
const MAX_TEXT_PAIRS: usize = 4_000_000;

/// Compares the clauses of two versions; `units` (from the overlay) says which new unit each
/// old unit became, for the priority-unit check.
pub fn clause_diff(
    old: &RuleSet,
    new: &RuleSet,
    units: &UnitChanges,
    options: &DiffOptions,
) -> ClauseDiff {
    let old_to_new = match_clauses(old, new, options.same_text_similarity);
    let mut out = ClauseDiff::default();
    let mut new_matched = vec![false; new.clauses.len()];
    for (oc, m) in old.clauses.iter().zip(&old_to_new) {
        let Some(nc) = m.and_then(|n| new.clauses.get(n as usize)) else {
            out.dropped.push(ClauseRef::of(old, oc));
            continue;
        };
        if let Some(slot) = m.and_then(|n| new_matched.get_mut(n as usize)) {
            *slot = true;
        }
        let items = compare_clauses(old, oc, new, nc);
        let text_changed = oc.text != nc.text;
        let renumbered = oc.id != nc.id;
        if items.is_empty() && !text_changed && !renumbered {
            out.kept.push(oc.id.clone());
            continue;
        }
        let direction = overall(&items, text_changed);
        out.changed.push(ClauseChange {
            old: ClauseRef::of(old, oc),
            new: ClauseRef::of(new, nc),
            renumbered,
            text_changed,
            items,
            direction,
        });
    }
    for (nc, matched) in new.clauses.iter().zip(&new_matched) {
        if !matched {
            out.added.push(ClauseRef::of(new, nc));
        }
    }
    out.dropped_protections = dropped_protections(old, new, units, &old_to_new);
    out.old_to_new = old_to_new;
    out
}

fn overall(items: &[ChangeItem], text_changed: bool) -> Direction {
    let has = |d| items.iter().any(|i| i.direction == d);
    if items.is_empty() {
        return if text_changed {
            Direction::Reworded
        } else {
            Direction::Unchanged
        };
    }
    if has(Direction::Unclear) {
        Direction::Unclear
    } else if has(Direction::Tightened) && has(Direction::Loosened) {
        Direction::Mixed
    } else if has(Direction::Tightened) {
        Direction::Tightened
    } else {
        Direction::Loosened
    }
}

/// Matches old clauses to new ones: by id, then unmatched ones by text (same dimension,
/// bigram similarity at least `min_similarity`, best pairs first).
pub fn match_clauses(old: &RuleSet, new: &RuleSet, min_similarity: f64) -> Vec<Option<u32>> {
    let new_ids: HashMap<&str, u32> = new
        .clauses
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.id.as_str(), u32::try_from(i).ok()?)))
        .collect();
    let mut map: Vec<Option<u32>> = old
        .clauses
        .iter()
        .map(|c| new_ids.get(c.id.as_str()).copied())
        .collect();
    let taken: HashSet<u32> = map.iter().flatten().copied().collect();
    let free_new: Vec<u32> = (0..new.clauses.len())
        .filter_map(|i| u32::try_from(i).ok())
        .filter(|i| !taken.contains(i))
        .collect();
    let free_old: Vec<usize> = (0..old.clauses.len())
        .filter(|&i| map.get(i).is_some_and(Option::is_none))
        .collect();
    if free_old.is_empty() || free_new.is_empty() {
        return map;
    }
    let mut candidates: Vec<(f64, usize, u32)> = Vec::new();
    for dim in crate::compile::ruleset::ClauseDimension::ALL {
        let olds: Vec<usize> = free_old
            .iter()
            .copied()
            .filter(|&i| old.clauses.get(i).is_some_and(|c| c.dimension == dim))
            .collect();
        let news: Vec<u32> = free_new
            .iter()
            .copied()
            .filter(|&i| {
                new.clauses
                    .get(i as usize)
                    .is_some_and(|c| c.dimension == dim)
            })
            .collect();
        if olds.len().saturating_mul(news.len()) > MAX_TEXT_PAIRS {
            continue;
        }
        let grams: Vec<HashSet<(char, char)>> = news
            .iter()
            .map(|&n| bigrams(new.clauses.get(n as usize).map_or("", |c| c.text.as_str())))
            .collect();
        for &o in &olds {
            let g = bigrams(old.clauses.get(o).map_or("", |c| c.text.as_str()));
            for (&n, h) in news.iter().zip(&grams) {
                let s = dice(&g, h);
                if s >= min_similarity {
                    candidates.push((s, o, n));
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used: HashSet<u32> = HashSet::new();
    for (_, o, n) in candidates {
        if let Some(slot) = map.get_mut(o)
            && slot.is_none()
            && !used.contains(&n)
        {
            *slot = Some(n);
            used.insert(n);
        }
    }
    map
}

/// Character bigrams of a text, whitespace and punctuation ignored.
fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric() || ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Dice coefficient of two bigram sets: 1 for equal texts, 0 for nothing in common.
pub fn dice(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Text similarity of two clause texts (Dice coefficient of character bigrams).
pub fn text_similarity(a: &str, b: &str) -> f64 {
    dice(&bigrams(a), &bigrams(b))
}

/// Strength of an effect: forbid > require/limit > review (a person decides).
fn effect_rank(e: &Effect) -> i8 {
    match e {
        Effect::Forbid => 3,
        Effect::Require(_) | Effect::Limit(_) => 2,
        Effect::Review(_) => 1,
    }
}

/// The comparable and structural differences between two matched clauses.
pub fn compare_clauses(old: &RuleSet, a: &Clause, new: &RuleSet, b: &Clause) -> Vec<ChangeItem> {
    let mut cmp = Comparer {
        old,
        new,
        items: Vec::new(),
    };
    let level = |rs: &RuleSet, c: &Clause| {
        rs.levels
            .get(c.level as usize)
            .map(|l| format!("{} ({})", l.name, l.scope))
            .unwrap_or_default()
    };
    let (la, lb) = (level(old, a), level(new, b));
    if la != lb {
        cmp.push(ChangeKind::Level, la, lb, 0);
    }
    if a.dimension != b.dimension {
        cmp.push(
            ChangeKind::Dimension,
            a.dimension.label().into(),
            b.dimension.label().into(),
            0,
        );
    }
    match (&a.when, &b.when) {
        (Some(x), Some(y)) => cmp.cond(x, y, 1),
        (Some(x), None) => cmp.push(
            ChangeKind::Condition,
            x.text.to_string(),
            "(always)".into(),
            1,
        ),
        (None, Some(y)) => cmp.push(
            ChangeKind::Condition,
            "(always)".into(),
            y.text.to_string(),
            -1,
        ),
        (None, None) => {}
    }
    match (&a.effect, &b.effect) {
        (Effect::Require(x) | Effect::Limit(x), Effect::Require(y) | Effect::Limit(y)) => {
            cmp.cond(x, y, -1)
        }
        (Effect::Forbid, Effect::Forbid) | (Effect::Review(_), Effect::Review(_)) => {}
        (x, y) => cmp.push(
            ChangeKind::Effect,
            effect_key(x).into(),
            effect_key(y).into(),
            effect_rank(y) - effect_rank(x),
        ),
    }
    if a.exemptions.len() == b.exemptions.len() {
        for (x, y) in a.exemptions.iter().zip(&b.exemptions) {
            cmp.cond(&x.condition, &y.condition, -1);
            if x.review.is_some() != y.review.is_some() {
                // An exemption that needs a person's check is stricter than one that does not.
                let s = if y.review.is_some() { 1 } else { -1 };
                cmp.push(
                    ChangeKind::Exemptions,
                    review_word(x.review.is_some()).into(),
                    review_word(y.review.is_some()).into(),
                    s,
                );
            }
        }
    } else {
        let s = if b.exemptions.len() > a.exemptions.len() {
            -1
        } else {
            1
        };
        cmp.push(
            ChangeKind::Exemptions,
            format!("{} exemption(s)", a.exemptions.len()),
            format!("{} exemption(s)", b.exemptions.len()),
            s,
        );
    }
    cmp.items
}

fn review_word(review: bool) -> &'static str {
    if review {
        "exemption checked by a person"
    } else {
        "exemption automatic"
    }
}

struct Comparer<'a> {
    old: &'a RuleSet,
    new: &'a RuleSet,
    items: Vec<ChangeItem>,
}

/// How raising each side of `lhs <op> rhs` changes the set of projects the comparison holds for:
/// +1 widens, −1 narrows, 0 neither (equality).
fn op_signs(op: CmpOp) -> (i8, i8) {
    match op {
        CmpOp::Lt | CmpOp::Le => (-1, 1),
        CmpOp::Gt | CmpOp::Ge => (1, -1),
        CmpOp::Eq | CmpOp::Ne => (0, 0),
    }
}

impl Comparer<'_> {
    fn push(&mut self, kind: ChangeKind, old: String, new: String, sign: i8) {
        self.items.push(ChangeItem {
            kind,
            old,
            new,
            direction: Direction::of_sign(sign),
        });
    }

    fn structural(&mut self, a: &Cond, b: &Cond) {
        if canon_cond(a, self.old) != canon_cond(b, self.new) {
            self.push(
                ChangeKind::Structure,
                a.text.to_string(),
                b.text.to_string(),
                0,
            );
        }
    }

    /// Compares two conditions at a position of polarity `pol` (+1: widening tightens).
    fn cond(&mut self, a: &Cond, b: &Cond, pol: i8) {
        match (&a.kind, &b.kind) {
            (CondKind::And(x), CondKind::And(y)) | (CondKind::Or(x), CondKind::Or(y))
                if x.len() == y.len() =>
            {
                for (p, q) in x.iter().zip(y) {
                    self.cond(p, q, pol);
                }
            }
            (CondKind::Not(x), CondKind::Not(y)) => self.cond(x, y, -pol),
            (
                CondKind::Compare {
                    lhs: l1,
                    op: o1,
                    rhs: r1,
                },
                CondKind::Compare {
                    lhs: l2,
                    op: o2,
                    rhs: r2,
                },
            ) if o1 == o2 => {
                let distance = l1.reads_distance() || r1.reads_distance();
                let (ls, rs) = op_signs(*o1);
                let before = self.items.len();
                let ok = self.num(l1, l2, pol * ls, distance, false)
                    && self.num(r1, r2, pol * rs, distance, false);
                if !ok {
                    self.items.truncate(before);
                    self.push(
                        ChangeKind::Structure,
                        a.text.to_string(),
                        b.text.to_string(),
                        0,
                    );
                }
                // Show the whole comparison: `2` → `1.5` alone does not say of what.
                for it in self.items.iter_mut().skip(before) {
                    a.text.as_ref().clone_into(&mut it.old);
                    b.text.as_ref().clone_into(&mut it.new);
                }
            }
            (
                CondKind::IndustryIn { prefixes: p, .. },
                CondKind::IndustryIn { prefixes: q, .. },
            ) => {
                let covers = |wide: &[String], narrow: &[String]| {
                    narrow
                        .iter()
                        .all(|n| wide.iter().any(|w| n.starts_with(w.as_str())))
                };
                self.list(ChangeKind::IndustryList, p, q, pol, covers);
            }
            (
                CondKind::EnumIn {
                    fact: f1,
                    values: v1,
                },
                CondKind::EnumIn {
                    fact: f2,
                    values: v2,
                },
            )
            | (
                CondKind::SetAny {
                    fact: f1,
                    values: v1,
                },
                CondKind::SetAny {
                    fact: f2,
                    values: v2,
                },
            ) if fact_name(self.old, *f1) == fact_name(self.new, *f2) => {
                let covers =
                    |wide: &[String], narrow: &[String]| narrow.iter().all(|n| wide.contains(n));
                self.list(ChangeKind::ValueList, v1, v2, pol, covers);
            }
            _ => self.structural(a, b),
        }
    }

    fn list(
        &mut self,
        kind: ChangeKind,
        old: &[String],
        new: &[String],
        pol: i8,
        covers: impl Fn(&[String], &[String]) -> bool,
    ) {
        let (wider, narrower) = (covers(new, old), covers(old, new));
        let sign = match (wider, narrower) {
            (true, true) => return,
            (true, false) => pol,
            (false, true) => -pol,
            (false, false) => 0,
        };
        self.push(
            kind,
            format!("[{}]", old.join(", ")),
            format!("[{}]", new.join(", ")),
            sign,
        );
    }

    /// Compares two numeric expressions whose growth changes the condition by `sign`; false when
    /// they differ in structure (not just in constants).
    fn num(&mut self, a: &Num, b: &Num, sign: i8, distance: bool, in_ratio: bool) -> bool {
        match (&a.kind, &b.kind) {
            (NumKind::Const(x), NumKind::Const(y)) => {
                if x != y {
                    let kind = if distance {
                        ChangeKind::Distance
                    } else if in_ratio {
                        ChangeKind::Ratio
                    } else {
                        ChangeKind::Threshold
                    };
                    let d = if y > x { 1 } else { -1 };
                    self.push(kind, a.text.clone(), b.text.clone(), sign * d);
                }
                true
            }
            (NumKind::Arith(a1, op1, b1), NumKind::Arith(a2, op2, b2)) if op1 == op2 => {
                let (sa, sb) = match op1 {
                    ArithOp::Add | ArithOp::Mul => (1, 1),
                    ArithOp::Sub | ArithOp::Div => (1, -1),
                };
                let ratio = in_ratio || matches!(op1, ArithOp::Mul | ArithOp::Div);
                self.num(a1, a2, sign * sa, distance, ratio)
                    && self.num(b1, b2, sign * sb, distance, ratio)
            }
            _ => canon_num(a, self.old) == canon_num(b, self.new),
        }
    }
}

fn fact_name(rs: &RuleSet, f: u32) -> String {
    rs.schema
        .fact(f)
        .map_or_else(|| format!("#{f}"), |d| d.name.clone())
}

fn layer_name(rs: &RuleSet, l: u32) -> String {
    rs.layers
        .get(l as usize)
        .map_or_else(|| format!("#{l}"), |x| x.name.clone())
}

fn pollutant_name(rs: &RuleSet, p: u32) -> String {
    rs.schema
        .pollutants
        .get(p as usize)
        .cloned()
        .unwrap_or_else(|| format!("#{p}"))
}

/// A canonical text of a compiled expression: names instead of ids (which may shift between
/// versions), constants in base units, sets expanded.
fn canon_num(n: &Num, rs: &RuleSet) -> String {
    match &n.kind {
        NumKind::Const(v) => format!("{v}"),
        NumKind::Fact(f) => fact_name(rs, *f),
        NumKind::Emission { pollutant, figure } => {
            format!("{}({})", figure.keyword(), pollutant_name(rs, *pollutant))
        }
        NumKind::Distance(l) => format!("distance({})", layer_name(rs, *l)),
        NumKind::SiteArea => "site_area".into(),
        NumKind::Arith(a, op, b) => {
            format!("({} {:?} {})", canon_num(a, rs), op, canon_num(b, rs))
        }
    }
}

fn canon_cond(c: &Cond, rs: &RuleSet) -> String {
    let join = |parts: &[Cond], word: &str| {
        let v: Vec<String> = parts.iter().map(|p| canon_cond(p, rs)).collect();
        format!("({})", v.join(word))
    };
    match &c.kind {
        CondKind::And(p) => join(p, " and "),
        CondKind::Or(p) => join(p, " or "),
        CondKind::Not(x) => format!("not {}", canon_cond(x, rs)),
        CondKind::Compare { lhs, op, rhs } => {
            format!("{} {:?} {}", canon_num(lhs, rs), op, canon_num(rhs, rs))
        }
        CondKind::EnumIn { fact, values } => {
            format!("{} in [{}]", fact_name(rs, *fact), values.join(","))
        }
        CondKind::SetAny { fact, values } => {
            format!("{} any [{}]", fact_name(rs, *fact), values.join(","))
        }
        CondKind::SetContains { fact, value } => {
            format!("{} has {value}", fact_name(rs, *fact))
        }
        CondKind::IndustryIn { prefixes, .. } => {
            let mut p = prefixes.clone();
            p.sort();
            format!("industry in [{}]", p.join(","))
        }
        CondKind::BoolFact(f) => fact_name(rs, *f),
        CondKind::KnownFact(f) => format!("known({})", fact_name(rs, *f)),
        CondKind::KnownPollutant(p) => format!("known({})", pollutant_name(rs, *p)),
        CondKind::Within(l) => format!("within({})", layer_name(rs, *l)),
        CondKind::Intersects(l) => format!("intersects({})", layer_name(rs, *l)),
        CondKind::Const(b) => format!("{b}"),
    }
}

fn is_protection(c: &Clause) -> bool {
    !matches!(c.effect, Effect::Review(_))
}

/// Protections lost by priority-protection units that exist in both versions.
fn dropped_protections(
    old: &RuleSet,
    new: &RuleSet,
    units: &UnitChanges,
    clause_map: &[Option<u32>],
) -> Vec<DroppedProtection> {
    // (clause index, reason) → units
    let mut lost: BTreeMap<(u32, &'static str), Vec<(String, String)>> = BTreeMap::new();
    for (o, info) in old.units.iter().enumerate() {
        if info.unit_type != UnitType::Priority {
            continue;
        }
        let Some(n) = units.old_to_new.get(o).copied().flatten() else {
            // The priority unit has no counterpart: its protections are gone with it, unless
            // the units that took its area carry their own (a person must look).
            for c in old.unit_clauses.get(o).unwrap_or_default().iter() {
                if old.clauses.get(c as usize).is_some_and(is_protection) {
                    lost.entry((c, "priority unit removed or re-drawn beyond recognition"))
                        .or_default()
                        .push((info.code.clone(), info.name.clone()));
                }
            }
            continue;
        };
        let still_priority = new
            .units
            .get(n as usize)
            .is_some_and(|u| u.unit_type == UnitType::Priority);
        let now: HashSet<u32> = new.unit_clauses.of(n).unordered().collect();
        for c in old.unit_clauses.get(o).unwrap_or_default().iter() {
            let Some(clause) = old.clauses.get(c as usize) else {
                continue;
            };
            if !is_protection(clause) {
                continue;
            }
            let reason = match clause_map.get(c as usize).copied().flatten() {
                None => "clause dropped",
                Some(nc) if !now.contains(&nc) && !still_priority => {
                    "unit re-typed: no longer applies"
                }
                Some(nc) if !now.contains(&nc) => "no longer applies to the unit",
                Some(nc)
                    if new
                        .clauses
                        .get(nc as usize)
                        .is_some_and(|k| !is_protection(k)) =>
                {
                    "downgraded to a review"
                }
                Some(_) => continue,
            };
            lost.entry((c, reason))
                .or_default()
                .push((info.code.clone(), info.name.clone()));
        }
    }
    lost.into_iter()
        .filter_map(|((c, reason), units)| {
            Some(DroppedProtection {
                clause: ClauseRef::of(old, old.clauses.get(c as usize)?),
                reason,
                units,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_of_equal_and_unrelated_texts() {
        assert!((text_similarity("禁止新建燃煤锅炉", "禁止新建燃煤锅炉") - 1.0).abs() < 1e-12);
        assert!(text_similarity("禁止新建燃煤锅炉", "加强监测") < 0.2);
    }
}
