//! Clause bodies compiled for screening ([`crate::eval::screen`]): every condition of every
//! distinct body flattened into one array of 16-byte nodes in preorder, so that evaluating the
//! ~55 clauses of a point walks a few kilobytes of contiguous memory instead of a tree of boxed
//! nodes and strings.
//!
//! - Enum and set values are interned per fact ([`ValueTable`]: the declared values, then any
//!   other value a rule names) and a rule's value list is a bit set over that table, so `nature
//!   in [新建, 扩建]` is one bit test once the project's value has been looked up (once per
//!   screening, not per clause).
//! - Industry prefixes are packed into integers: a code falls under a prefix when its first
//!   bytes equal the prefix's, one masked comparison (codes or prefixes longer than eight bytes
//!   fall back to comparing text).
//! - The parts of `and`/`or` that measure geometry are placed after the others (Kleene logic
//!   does not depend on the order), so a cheap decisive part spares the measurement.
//! - Each distance test carries its threshold and the index of the [`SpatialHints`] probe that
//!   can decide it.
//!
//! Programs are derived from [`RuleSet::bodies`](super::RuleSet::bodies) when a rule set is
//! compiled or loaded, never stored in a snapshot.
//!
//! [`SpatialHints`]: crate::index::SpatialHints

use std::collections::HashMap;
use std::sync::Arc;

use super::{ClauseBody, Cond, CondKind, Effect, EmissionFigure, FactId, FactType, LayerId};
use super::{Num, NumKind, Schema};
use crate::index::SpatialHints;
use crate::syntax::ast::{ArithOp, CmpOp};

/// No node / no probe.
pub const NONE: u32 = u32::MAX;

/// Facts and emissions a condition cannot have a given value (true, or false) without: bit `f`
/// for fact `f` below [`FACT_BITS`], bit `FACT_BITS + p` for pollutant `p` below
/// `64 - FACT_BITS`. Ids beyond have no bit and are left out, which only makes the set smaller
/// (a screening then skips fewer clauses, never a wrong one). One word, so a unit's list of
/// them stays small in cache.
pub type Needs = u64;

/// Facts with a bit in [`Needs`] (the national schema declares 24 besides the built-in ones, and
/// 9 pollutants).
pub const FACT_BITS: u32 = 48;

/// Fact `f`'s bit in [`Needs`] (none from [`FACT_BITS`] on).
pub fn fact_bit(f: FactId) -> Needs {
    if f < FACT_BITS { 1 << f } else { 0 }
}

/// Pollutant `p`'s bit in [`Needs`] (none from `64 - FACT_BITS` on).
pub fn pollutant_bit(p: u32) -> Needs {
    if p < 64 - FACT_BITS {
        1 << (FACT_BITS + p)
    } else {
        0
    }
}

/// One node of a compiled condition or number. Composite nodes are followed by their parts and
/// record where their subtree ends, so a part can be skipped without walking it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// The parts follow, up to `end`; the parts that measure geometry come last.
    And {
        end: u32,
    },
    Or {
        end: u32,
    },
    /// The negated condition follows.
    Not {
        end: u32,
    },
    Const(bool),
    BoolFact(FactId),
    KnownFact(FactId),
    KnownPollutant(u32),
    /// The enum fact's value is in the bit set at [`Programs::bits`]`[at..]` (over the fact's
    /// [`ValueTable`]).
    EnumIn {
        fact: FactId,
        at: u32,
    },
    /// The set fact shares a value with the bit set at `at`.
    SetAny {
        fact: FactId,
        at: u32,
    },
    /// The set fact holds value `value` of its table.
    SetContains {
        fact: FactId,
        value: u32,
    },
    /// A project industry code falls under one of [`Programs::prefixes`]`[start..start + len]`.
    IndustryIn {
        start: u32,
        len: u32,
    },
    /// `within(layer)`; `probe` indexes [`Programs::probes`].
    Within {
        layer: LayerId,
        probe: u32,
    },
    Intersects {
        layer: LayerId,
        probe: u32,
    },
    /// The left number follows, the right one starts at `rhs`, the subtree ends at `end`;
    /// `probe` is the distance test's entry in [`Programs::probes`] or [`NONE`].
    Compare {
        op: CmpOp,
        rhs: u32,
        end: u32,
        probe: u32,
    },
    /// A number: a constant in its dimension's base unit.
    Num(f64),
    Fact(FactId),
    Emission {
        pollutant: u32,
        figure: EmissionFigure,
    },
    Distance(LayerId),
    SiteArea,
    /// The left number follows, the right one starts at `rhs`, the subtree ends at `end`.
    Arith {
        op: ArithOp,
        rhs: u32,
        end: u32,
    },
}

impl Op {
    /// Where the subtree starting with this node (at `at`) ends.
    pub fn end(&self, at: u32) -> u32 {
        match *self {
            Op::And { end }
            | Op::Or { end }
            | Op::Not { end }
            | Op::Compare { end, .. }
            | Op::Arith { end, .. } => end,
            _ => at.saturating_add(1),
        }
    }
}

/// What a clause does when its `when` holds, without its condition (see [`BodyProgram`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectKind {
    Forbid,
    /// `require` and `limit`: a condition must hold.
    Require,
    Review,
}

impl EffectKind {
    pub fn of(effect: &Effect) -> EffectKind {
        match effect {
            Effect::Forbid => EffectKind::Forbid,
            Effect::Require(_) | Effect::Limit(_) => EffectKind::Require,
            Effect::Review(_) => EffectKind::Review,
        }
    }
}

/// A clause body's program: where its conditions start in [`Programs::ops`].
#[derive(Debug, Clone, Copy)]
pub struct BodyProgram {
    /// The `when` condition, or [`NONE`] (always triggered).
    pub when: u32,
    pub effect: EffectKind,
    /// The condition a `require`/`limit` needs, or [`NONE`].
    pub requirement: u32,
    /// Its exemptions: [`Programs::exemptions`]`[start..start + len]`.
    pub exemptions_start: u32,
    pub exemptions_len: u32,
}

/// A distance test a hint may decide: `distance(layer) <op> t` (`within`/`intersects`: `t` = 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probe {
    pub layer: LayerId,
    pub t: f64,
    /// The [`SpatialHints`] probe for `(layer, t)`, if the hints have one.
    pub hint: Option<usize>,
    /// The distance is the comparison's left side (`distance(l) < t`, not `t > distance(l)`).
    pub distance_left: bool,
}

/// An industry prefix: its text and, when it fits, its bytes packed little-endian into a word
/// with the mask of its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub text: String,
    pub packed: Option<(u64, u64)>,
}

/// The values of an enum or set fact, interned: the declared values first, then any other value
/// a rule names (a rule set read from a snapshot is not checked against the declaration again).
#[derive(Debug, Clone, Default)]
pub struct ValueTable {
    pub values: Vec<String>,
    /// Bit-set words over the table.
    pub words: u32,
    /// Where a project's bit set of this (set) fact starts in a screening's word buffer.
    pub at: u32,
    /// For long tables, value → index.
    lookup: Option<HashMap<String, u32>>,
}

/// Tables longer than this are searched through a hash map.
const LINEAR_TABLE: usize = 16;

impl ValueTable {
    /// The index of `value` in the table, if a rule or the declaration names it.
    pub fn index(&self, value: &str) -> Option<u32> {
        match &self.lookup {
            Some(map) => map.get(value).copied(),
            None => self
                .values
                .iter()
                .position(|v| v == value)
                .and_then(|i| u32::try_from(i).ok()),
        }
    }

    fn intern(&mut self, value: &str) -> u32 {
        if let Some(i) = self.values.iter().position(|v| v == value) {
            return u32::try_from(i).unwrap_or(NONE);
        }
        self.values.push(value.to_string());
        u32::try_from(self.values.len() - 1).unwrap_or(NONE)
    }
}

/// Every clause body of a rule set, compiled (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct Programs {
    pub ops: Vec<Op>,
    /// Per clause body, as [`RuleSet::bodies`](super::RuleSet::bodies).
    pub bodies: Vec<BodyProgram>,
    /// (condition node, carries `review "…"`).
    pub exemptions: Vec<(u32, bool)>,
    /// The value bit sets of `EnumIn` and `SetAny` nodes.
    pub bits: Vec<u64>,
    pub prefixes: Vec<Prefix>,
    /// `prefixes` packed (word, mask), when every one of them packs (`None` otherwise, and
    /// screening compares as it must): a project's code is tested against a list in one tight
    /// loop. One prefix longer than eight bytes anywhere turns this off for the whole rule set
    /// (GB/T 4754 codes have at most five).
    pub packed: Option<Vec<(u64, u64)>>,
    pub probes: Vec<Probe>,
    /// Per clause body, what it cannot be violated without ([`Needs`]): what its trigger cannot
    /// be true without and, for a requirement, what the requirement cannot be false without.
    pub needs: Vec<Needs>,
    /// Per fact id.
    pub values: Vec<ValueTable>,
    /// Words a screening needs for the bit sets of a project's set facts.
    pub set_words: u32,
}

impl Programs {
    /// Compiles `bodies` against `schema` and the rule set's `hints`.
    pub fn build(bodies: &[Arc<ClauseBody>], schema: &Schema, hints: &SpatialHints) -> Programs {
        let mut p = Programs {
            values: interned_values(bodies, schema),
            ..Programs::default()
        };
        let mut at = 0u32;
        for t in &mut p.values {
            t.words = u32::try_from(t.values.len().div_ceil(64)).unwrap_or(NONE);
            t.at = at;
            at = at.saturating_add(t.words);
            if t.values.len() > LINEAR_TABLE {
                t.lookup = Some(
                    t.values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v.clone(), u32::try_from(i).unwrap_or(NONE)))
                        .collect(),
                );
            }
        }
        p.set_words = at;
        for body in bodies {
            let program = p.body(body, hints);
            let requirement = match program.effect {
                EffectKind::Require => p.needs(program.requirement, false),
                EffectKind::Forbid | EffectKind::Review => 0,
            };
            p.needs.push(p.needs(program.when, true) | requirement);
            p.bodies.push(program);
        }
        p.packed = p.prefixes.iter().map(|x| x.packed).collect();
        p
    }

    /// The parts of the `and`/`or` node at `at` whose subtree ends at `end`: where each starts.
    pub fn parts(&self, at: u32, end: u32) -> impl Iterator<Item = u32> + '_ {
        let mut part = at + 1;
        std::iter::from_fn(move || {
            let this = part;
            (this < end).then(|| {
                part = self.ops.get(this as usize).map_or(end, |o| o.end(this));
                this
            })
        })
    }

    /// What the condition at `at` cannot be `want` without: a part that reads a fact or an
    /// emission the project does not state is unknown, so an `and` wanted true (an `or` wanted
    /// false) needs what any of its parts needs, and the other way round what all of them need.
    /// `known(…)` and distance tests (a hint may decide those without the other side) need
    /// nothing.
    fn needs(&self, at: u32, want: bool) -> Needs {
        let Some(&op) = self.ops.get(at as usize) else {
            return 0;
        };
        match op {
            // Every part must be `want`: any unknown part prevents it.
            Op::And { end } | Op::Or { end } if matches!(op, Op::And { .. }) == want => {
                self.parts(at, end).fold(0, |n, p| n | self.needs(p, want))
            }
            // One part being `want` suffices: only what all parts need prevents it.
            Op::And { end } | Op::Or { end } => {
                self.parts(at, end).fold(!0, |n, p| n & self.needs(p, want))
            }
            Op::Not { .. } => self.needs(at + 1, !want),
            Op::BoolFact(f) | Op::EnumIn { fact: f, .. } => fact_bit(f),
            Op::SetAny { fact: f, .. } | Op::SetContains { fact: f, .. } => fact_bit(f),
            Op::IndustryIn { .. } => fact_bit(super::FACT_INDUSTRY),
            Op::Compare { rhs, probe, .. } if probe == NONE => {
                self.needs_num(at + 1) | self.needs_num(rhs)
            }
            _ => 0,
        }
    }

    /// The facts and emissions a number reads (unknown without any of them).
    fn needs_num(&self, at: u32) -> Needs {
        match self.ops.get(at as usize) {
            Some(&Op::Fact(f)) => fact_bit(f),
            Some(&Op::Emission { pollutant, .. }) => pollutant_bit(pollutant),
            Some(&Op::Arith { rhs, .. }) => self.needs_num(at + 1) | self.needs_num(rhs),
            _ => 0,
        }
    }

    fn body(&mut self, body: &ClauseBody, hints: &SpatialHints) -> BodyProgram {
        let when = body.when.as_ref().map_or(NONE, |w| self.cond(w, hints));
        let requirement = match &body.effect {
            Effect::Require(c) | Effect::Limit(c) => self.cond(c, hints),
            _ => NONE,
        };
        let mut exemptions = Vec::with_capacity(body.exemptions.len());
        for x in &body.exemptions {
            exemptions.push((self.cond(&x.condition, hints), x.review.is_some()));
        }
        let exemptions_start = index(self.exemptions.len());
        self.exemptions.extend(exemptions);
        BodyProgram {
            when,
            effect: EffectKind::of(&body.effect),
            requirement,
            exemptions_start,
            exemptions_len: index(body.exemptions.len()),
        }
    }

    /// The highest fact id any condition reads (`None`: none reads a fact). A decoded rule set
    /// must not read a fact its schema does not declare.
    pub fn highest_fact(&self) -> Option<FactId> {
        self.ops
            .iter()
            .filter_map(|op| match *op {
                Op::BoolFact(f)
                | Op::KnownFact(f)
                | Op::Fact(f)
                | Op::EnumIn { fact: f, .. }
                | Op::SetAny { fact: f, .. }
                | Op::SetContains { fact: f, .. } => Some(f),
                _ => None,
            })
            .max()
    }

    fn push(&mut self, op: Op) -> u32 {
        self.ops.push(op);
        index(self.ops.len() - 1)
    }

    fn set_end(&mut self, at: u32) {
        let here = index(self.ops.len());
        if let Some(
            Op::And { end }
            | Op::Or { end }
            | Op::Not { end }
            | Op::Compare { end, .. }
            | Op::Arith { end, .. },
        ) = self.ops.get_mut(at as usize)
        {
            *end = here;
        }
    }

    fn cond(&mut self, c: &Cond, hints: &SpatialHints) -> u32 {
        match &c.kind {
            CondKind::And(parts) | CondKind::Or(parts) => {
                let at = self.push(if matches!(c.kind, CondKind::And(_)) {
                    Op::And { end: NONE }
                } else {
                    Op::Or { end: NONE }
                });
                // Stable: the parts keep their order within each rank.
                let mut ranked: Vec<&Cond> = parts.iter().collect();
                ranked.sort_by_key(|p| rank(p));
                for part in ranked {
                    self.cond(part, hints);
                }
                self.set_end(at);
                at
            }
            CondKind::Not(inner) => {
                let at = self.push(Op::Not { end: NONE });
                self.cond(inner, hints);
                self.set_end(at);
                at
            }
            CondKind::Compare { lhs, op, rhs } => {
                let probe = match c.distance_probe() {
                    Some((layer, t)) => {
                        let distance_left = matches!(lhs.kind, NumKind::Distance(_));
                        self.probe(layer, t, distance_left, hints)
                    }
                    None => NONE,
                };
                let at = self.push(Op::Compare {
                    op: *op,
                    rhs: NONE,
                    end: NONE,
                    probe,
                });
                self.num(lhs);
                let rhs_at = index(self.ops.len());
                self.num(rhs);
                if let Some(Op::Compare { rhs, .. }) = self.ops.get_mut(at as usize) {
                    *rhs = rhs_at;
                }
                self.set_end(at);
                at
            }
            CondKind::EnumIn { fact, values } | CondKind::SetAny { fact, values } => {
                let at = self.value_bits(*fact, values);
                self.push(if matches!(c.kind, CondKind::EnumIn { .. }) {
                    Op::EnumIn { fact: *fact, at }
                } else {
                    Op::SetAny { fact: *fact, at }
                })
            }
            CondKind::SetContains { fact, value } => {
                let value = self
                    .values
                    .get(*fact as usize)
                    .and_then(|t| t.index(value))
                    .unwrap_or(NONE);
                self.push(Op::SetContains { fact: *fact, value })
            }
            CondKind::IndustryIn { prefixes, .. } => {
                let start = index(self.prefixes.len());
                self.prefixes.extend(prefixes.iter().map(|p| Prefix {
                    text: p.clone(),
                    packed: pack(p).map(|w| (w, mask(p.len()))),
                }));
                self.push(Op::IndustryIn {
                    start,
                    len: index(prefixes.len()),
                })
            }
            CondKind::BoolFact(f) => self.push(Op::BoolFact(*f)),
            CondKind::KnownFact(f) => self.push(Op::KnownFact(*f)),
            CondKind::KnownPollutant(p) => self.push(Op::KnownPollutant(*p)),
            CondKind::Const(b) => self.push(Op::Const(*b)),
            CondKind::Within(layer) => {
                let probe = self.probe(*layer, 0.0, true, hints);
                self.push(Op::Within {
                    layer: *layer,
                    probe,
                })
            }
            CondKind::Intersects(layer) => {
                let probe = self.probe(*layer, 0.0, true, hints);
                self.push(Op::Intersects {
                    layer: *layer,
                    probe,
                })
            }
        }
    }

    fn num(&mut self, n: &Num) -> u32 {
        match &n.kind {
            NumKind::Const(v) => self.push(Op::Num(*v)),
            NumKind::Fact(f) => self.push(Op::Fact(*f)),
            NumKind::Emission { pollutant, figure } => self.push(Op::Emission {
                pollutant: *pollutant,
                figure: *figure,
            }),
            NumKind::Distance(layer) => self.push(Op::Distance(*layer)),
            NumKind::SiteArea => self.push(Op::SiteArea),
            NumKind::Arith(a, op, b) => {
                let at = self.push(Op::Arith {
                    op: *op,
                    rhs: NONE,
                    end: NONE,
                });
                self.num(a);
                let rhs_at = index(self.ops.len());
                self.num(b);
                if let Some(Op::Arith { rhs, .. }) = self.ops.get_mut(at as usize) {
                    *rhs = rhs_at;
                }
                self.set_end(at);
                at
            }
        }
    }

    fn probe(&mut self, layer: LayerId, t: f64, distance_left: bool, hints: &SpatialHints) -> u32 {
        self.probes.push(Probe {
            layer,
            t,
            hint: hints.probe(layer, t),
            distance_left,
        });
        index(self.probes.len() - 1)
    }

    /// The bit set of `values` over `fact`'s table, appended to [`Programs::bits`]; its start.
    fn value_bits(&mut self, fact: FactId, values: &[String]) -> u32 {
        let at = index(self.bits.len());
        let Some(table) = self.values.get(fact as usize) else {
            return at;
        };
        let mut words = vec![0u64; table.words as usize];
        for v in values {
            if let Some(i) = table.index(v)
                && let Some(w) = words.get_mut(i as usize / 64)
            {
                *w |= 1 << (i % 64);
            }
        }
        self.bits.extend(words);
        at
    }
}

/// Per fact, the declared values of enum and set facts, then the other values rules name.
fn interned_values(bodies: &[Arc<ClauseBody>], schema: &Schema) -> Vec<ValueTable> {
    let mut tables: Vec<ValueTable> = schema
        .facts
        .iter()
        .map(|f| match &f.ty {
            FactType::Enum(v) | FactType::Set(v) => ValueTable {
                values: v.clone(),
                ..ValueTable::default()
            },
            _ => ValueTable::default(),
        })
        .collect();
    for c in bodies.iter().flat_map(|b| b.conditions()) {
        c.walk(&mut |n| {
            let (fact, values) = match &n.kind {
                CondKind::EnumIn { fact, values } | CondKind::SetAny { fact, values } => {
                    (*fact, values.as_slice())
                }
                CondKind::SetContains { fact, value } => (*fact, std::slice::from_ref(value)),
                _ => return,
            };
            // A fact the schema does not declare gets no table (a snapshot that reads one is
            // refused: `Programs::highest_fact`).
            if let Some(t) = tables.get_mut(fact as usize) {
                for v in values {
                    t.intern(v);
                }
            }
        });
    }
    tables
}

/// Where a part of an `and`/`or` goes: the parts most likely to decide first, those that
/// measure geometry last (a decisive part spares the measurement). An industry test rules out
/// most clauses for a given project; the construction nature, stated by every project and
/// mostly new or expanded, decides least.
fn rank(c: &Cond) -> u8 {
    match &c.kind {
        _ if is_spatial(c) => 3,
        CondKind::IndustryIn { .. } => 0,
        CondKind::EnumIn { fact, .. } if *fact == super::FACT_NATURE => 2,
        _ => 1,
    }
}

/// Does deciding this condition (at its top level) measure geometry? Such parts of `and`/`or`
/// are evaluated last.
fn is_spatial(c: &Cond) -> bool {
    match &c.kind {
        CondKind::Within(_) | CondKind::Intersects(_) => true,
        CondKind::Compare { lhs, rhs, .. } => lhs.reads_distance() || rhs.reads_distance(),
        CondKind::Not(inner) => is_spatial(inner),
        _ => false,
    }
}

/// The bytes of `s` little-endian in a word, zero-padded; `None` when longer than eight bytes
/// or holding a NUL (which the padding could not be told from).
pub fn pack(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() > 8 || b.contains(&0) {
        return None;
    }
    let mut w = [0u8; 8];
    w.get_mut(..b.len())?.copy_from_slice(b);
    Some(u64::from_le_bytes(w))
}

/// The mask of the first `len` bytes of a packed word.
fn mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    }
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 16);
    }

    #[test]
    fn packed_prefixes_compare_as_text_prefixes() {
        let codes = ["C2614", "C26", "C", "C2", "D4411", "", "C26141", "ABCDEFGH"];
        let prefixes = [
            "C", "C26", "C261", "C2614", "C26141", "", "D", "ABCDEFGH", "C3",
        ];
        for p in prefixes {
            let (pw, m) = (pack(p).unwrap(), mask(p.len()));
            for c in codes {
                // Codes are packed with their own (full) length; a code the packing cannot hold
                // falls back to text.
                let cw = pack(c).unwrap();
                assert_eq!(cw & m == pw, c.starts_with(p), "{p:?} over {c:?}");
            }
        }
        assert_eq!(pack("ABCDEFGHI"), None);
        assert_eq!(pack("C\0"), None);
    }
}
