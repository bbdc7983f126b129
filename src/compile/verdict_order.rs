//! The order in which screening ([`crate::eval::screen`]) decides a point's verdict: for each
//! shared group of unit clauses ([`super::unit_lists`]), the distinct bodies of its clauses, those
//! that can be violated (`forbid`, `require`, `limit`) first and the review-only ones after.
//!
//! A verdict is the worst clause outcome (violated, then needs review, then satisfied), so the
//! order lets screening stop looking as soon as nothing left can change it: a review clause can
//! give "needs review" at worst, so once a violable clause has given that, the review clauses
//! need not be looked at, and the violable ones left need only be asked whether they are
//! violated. Clauses of one group that share a body are evaluated once.
//!
//! Derived from the unit lists, the clause → body index and the bodies' programs whenever a rule
//! set is compiled or loaded; never stored in a snapshot.

use super::program::{EffectKind, Programs};
use super::unit_lists::UnitClauses;

/// Per shared group, its distinct bodies: violable ones, then review-only ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerdictOrder {
    /// Group `g`'s bodies are `bodies[start[g]..start[g + 1]]`; its review-only bodies begin at
    /// `review[g]`.
    start: Vec<u32>,
    review: Vec<u32>,
    bodies: Vec<u32>,
}

/// One group's bodies, each list ascending without repeats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupBodies<'a> {
    /// Bodies whose clauses can be violated.
    pub violable: &'a [u32],
    /// Bodies of `review` clauses: at worst "needs review".
    pub review: &'a [u32],
}

/// Can a clause with this body be violated? `None` for a body the programs do not have (a
/// screening skips it).
pub fn violable(programs: &Programs, body: u32) -> Option<bool> {
    let p = programs.bodies.get(body as usize)?;
    Some(p.effect != EffectKind::Review)
}

impl VerdictOrder {
    /// From the unit lists: each group's clauses mapped to their bodies through `clause_body`,
    /// clauses without a body (or whose body has no program) left out, as screening leaves them.
    pub fn build(units: &UnitClauses, clause_body: &[u32], programs: &Programs) -> VerdictOrder {
        let mut out = VerdictOrder {
            start: vec![0],
            ..VerdictOrder::default()
        };
        let (mut violating, mut reviewing) = (Vec::new(), Vec::new());
        for g in 0..units.groups() {
            violating.clear();
            reviewing.clear();
            for &c in units.group(g) {
                let Some(&b) = clause_body.get(c as usize) else {
                    continue;
                };
                match violable(programs, b) {
                    Some(true) => violating.push(b),
                    Some(false) => reviewing.push(b),
                    None => {}
                }
            }
            for list in [&mut violating, &mut reviewing] {
                list.sort_unstable();
                list.dedup();
            }
            out.bodies.extend_from_slice(&violating);
            out.review.push(index(out.bodies.len()));
            out.bodies.extend_from_slice(&reviewing);
            out.start.push(index(out.bodies.len()));
        }
        out
    }

    /// Group `g`'s bodies (empty lists for a group that does not exist).
    pub fn group(&self, g: u32) -> GroupBodies<'_> {
        let g = g as usize;
        let (Some(&start), Some(&review), Some(&end)) =
            (self.start.get(g), self.review.get(g), self.start.get(g + 1))
        else {
            return GroupBodies::default();
        };
        let (start, review, end) = (start as usize, review as usize, end as usize);
        GroupBodies {
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

    /// Every unit's group, read back through the order, holds exactly the bodies of the unit's
    /// shared clauses, split by whether they can be violated.
    #[test]
    fn groups_hold_each_units_shared_bodies_split_by_effect() {
        let rs = load_rule_set(Path::new("rules/nanjing"))
            .expect("demo rules load")
            .rule_set;
        let order = VerdictOrder::build(&rs.unit_clauses, &rs.clause_body, &rs.programs);
        assert_eq!(order, rs.verdict_order);
        let mut seen_review = false;
        for u in 0..rs.unit_clauses.len() as u32 {
            let g = rs.unit_clauses.group_of(u).expect("unit has a group");
            let got = order.group(g);
            let mut want: Vec<(bool, u32)> = rs
                .unit_clauses
                .of(u)
                .shared
                .iter()
                .map(|&c| rs.clause_body[c as usize])
                .map(|b| (violable(&rs.programs, b) == Some(true), b))
                .collect();
            want.sort_unstable();
            want.dedup();
            let split =
                |v: bool| -> Vec<u32> { want.iter().filter(|w| w.0 == v).map(|w| w.1).collect() };
            assert_eq!(got.violable, split(true).as_slice());
            assert_eq!(got.review, split(false).as_slice());
            seen_review |= !got.review.is_empty() && !got.violable.is_empty();
        }
        assert!(seen_review, "the demo has groups with both kinds");
        assert_eq!(order.group(u32::MAX), GroupBodies::default());
    }
}
