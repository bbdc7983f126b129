//! The order in which screening ([`crate::eval::screen`]) decides a point's verdict: for each
//! shared group of unit clauses ([`super::unit_lists`]), the distinct bodies of its clauses, those
//! that can be violated (`forbid`, `require`, `limit`) first and the review-only ones after.
//!
//! A verdict is the worst clause outcome (violated, then needs review, then satisfied), so the
//! order lets screening stop looking as soon as nothing left can change it: a review clause can
//! give "needs review" at worst, so once a violable clause has given that, the review clauses
//! need not be looked at, and the violable ones left need only be asked whether they are
//! violated. Clauses of one list that share a body are evaluated once (a body both in a unit's
//! shared group and among its own clauses, twice).
//!
//! Derived from the unit lists, the clause → body index and the bodies' programs whenever a rule
//! set is compiled or loaded; never stored in a snapshot.

use super::program::{EffectKind, Programs};
use super::unit_lists::UnitClauses;

/// Per unit, the distinct bodies of its clauses in verdict order: its shared group's, then its
/// own. A group's list is stored once, however many units share it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerdictOrder {
    /// Per unit, offsets into `bodies`: the shared group's violable bodies are `[0]..[1]`, its
    /// review-only ones `[1]..[2]`; the unit's own `[3]..[4]` and `[4]..[5]`. One record, so a
    /// screening reaches a unit's lists with one read.
    units: Vec<[u32; 6]>,
    /// What each body needs is not kept beside it: [`Programs::needs`] is a small table
    /// (8 bytes per distinct body) that stays in cache, where a copy per list entry would be a
    /// second stream of misses for a random unit.
    bodies: Vec<u32>,
}

/// One list of bodies in verdict order, each part ascending without repeats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bodies<'a> {
    /// Bodies whose clauses can be violated.
    pub violable: &'a [u32],
    /// Bodies of `review` clauses: at worst "needs review".
    pub review: &'a [u32],
}

/// A unit's bodies: those of its shared group and its own (a body may be in both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitBodies<'a> {
    pub shared: Bodies<'a>,
    pub own: Bodies<'a>,
}

impl<'a> UnitBodies<'a> {
    pub fn lists(&self) -> [Bodies<'a>; 2] {
        [self.shared, self.own]
    }
}

/// Can a clause with this body be violated? `None` for a body the programs do not have (a
/// screening skips it).
pub fn violable(programs: &Programs, body: u32) -> Option<bool> {
    let p = programs.bodies.get(body as usize)?;
    Some(p.effect != EffectKind::Review)
}

impl VerdictOrder {
    /// From the unit lists: clauses mapped to their bodies through `clause_body`, clauses
    /// without a body (or whose body has no program) left out, as screening leaves them.
    pub fn build(units: &UnitClauses, clause_body: &[u32], programs: &Programs) -> VerdictOrder {
        let mut out = VerdictOrder::default();
        out.units.reserve_exact(units.len());
        let total = (0..units.groups())
            .map(|g| units.group(g).len())
            .sum::<usize>()
            + units.lists().map(|l| l.own.len()).sum::<usize>();
        out.bodies.reserve_exact(total);
        let mut buffer = Vec::new();
        let mut groups: Vec<[u32; 3]> = Vec::with_capacity(units.groups());
        for g in 0..units.groups() {
            groups.push(out.push(units.group(g), clause_body, programs, &mut buffer));
        }
        for u in 0..units.len() {
            let list = units.get(u).unwrap_or_default();
            let own = out.push(list.own, clause_body, programs, &mut buffer);
            let shared = units
                .group_of(u32::try_from(u).unwrap_or(u32::MAX))
                .and_then(|g| groups.get(g as usize).copied())
                .unwrap_or_default();
            out.units
                .push([shared[0], shared[1], shared[2], own[0], own[1], own[2]]);
        }
        out
    }

    /// Appends the bodies of `clauses` in verdict order; their offsets (start, review, end).
    /// `bodies` is a reused buffer.
    fn push(
        &mut self,
        clauses: &[u32],
        clause_body: &[u32],
        programs: &Programs,
        bodies: &mut Vec<(bool, u32)>,
    ) -> [u32; 3] {
        bodies.clear();
        bodies.extend(
            clauses
                .iter()
                .filter_map(|c| clause_body.get(*c as usize))
                .filter_map(|&b| violable(programs, b).map(|v| (!v, b))),
        );
        bodies.sort_unstable();
        bodies.dedup();
        let start = index(self.bodies.len());
        let review = start + index(bodies.iter().filter(|b| !b.0).count());
        self.bodies.extend(bodies.iter().map(|b| b.1));
        [start, review, index(self.bodies.len())]
    }

    /// Unit `u`'s bodies (empty lists for a unit that does not exist).
    pub fn unit(&self, u: u32) -> UnitBodies<'_> {
        let Some(r) = self.units.get(u as usize) else {
            return UnitBodies::default();
        };
        UnitBodies {
            shared: self.list(r[0], r[1], r[2]),
            own: self.list(r[3], r[4], r[5]),
        }
    }

    fn list(&self, start: u32, review: u32, end: u32) -> Bodies<'_> {
        let (start, review, end) = (start as usize, review as usize, end as usize);
        Bodies {
            violable: self.bodies.get(start..review).unwrap_or_default(),
            review: self.bodies.get(review..end).unwrap_or_default(),
        }
    }
}

/// Offsets are u32: the national set's ~150,000 group bodies are far below the limit, and a
/// rule set large enough to pass it could not be indexed by the u32 clause ids either.
fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_rule_set;
    use std::path::Path;

    /// Every unit's lists, read back through the order, hold exactly the bodies of its shared
    /// and own clauses, split by whether they can be violated.
    #[test]
    fn units_hold_their_clauses_bodies_split_by_effect() {
        let rs = load_rule_set(Path::new("rules/nanjing"))
            .expect("demo rules load")
            .rule_set;
        let order = VerdictOrder::build(&rs.unit_clauses, &rs.clause_body, &rs.programs);
        assert_eq!(order, rs.verdict_order);
        let mut both_kinds = false;
        for u in 0..rs.unit_clauses.len() as u32 {
            let got = order.unit(u);
            let clauses = rs.unit_clauses.of(u);
            for (list, clauses) in [(got.shared, clauses.shared), (got.own, clauses.own)] {
                let mut want: Vec<(bool, u32)> = clauses
                    .iter()
                    .map(|&c| rs.clause_body[c as usize])
                    .map(|b| (violable(&rs.programs, b) == Some(true), b))
                    .collect();
                want.sort_unstable();
                want.dedup();
                let split = |v: bool| -> Vec<u32> {
                    want.iter().filter(|w| w.0 == v).map(|w| w.1).collect()
                };
                assert_eq!(list.violable, split(true).as_slice());
                assert_eq!(list.review, split(false).as_slice());
                both_kinds |= !list.review.is_empty() && !list.violable.is_empty();
            }
        }
        assert!(both_kinds, "the demo has lists with both kinds");
        assert_eq!(order.unit(u32::MAX), UnitBodies::default());
    }
}
