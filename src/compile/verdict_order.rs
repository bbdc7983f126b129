//! The order in which screening ([`crate::eval::screen`]) decides a point's verdict: for each
//! shared group of unit clauses ([`super::unit_lists`]), the distinct bodies of its clauses, those
//! that can be violated (`forbid`, `require`, `limit`) first and the review-only ones after.
//!
//! A verdict is the worst clause outcome (violated, then needs review, then satisfied), so the
//! order lets screening stop looking as soon as nothing left can change it: a review clause can
//! give "needs review" at worst, so once a violable clause has given that, the review clauses
//! need not be looked at, and the violable ones left need only be asked whether they are
//! violated. Clauses of a unit that share a body are evaluated once: a unit's own list leaves out
//! the bodies its shared group's list already has.
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
            groups.push(out.push(units.group(g), clause_body, programs, &mut buffer, [0; 3]));
        }
        for u in 0..units.len() {
            let list = units.get(u).unwrap_or_default();
            let shared = units
                .group_of(u32::try_from(u).unwrap_or(u32::MAX))
                .and_then(|g| groups.get(g as usize).copied())
                .unwrap_or_default();
            let own = out.push(list.own, clause_body, programs, &mut buffer, shared);
            out.units
                .push([shared[0], shared[1], shared[2], own[0], own[1], own[2]]);
        }
        out
    }

    /// Appends the bodies of `clauses` in verdict order, less those of the list already stored
    /// at offsets `except`; their offsets (start, review, end). `bodies` is a reused buffer.
    fn push(
        &mut self,
        clauses: &[u32],
        clause_body: &[u32],
        programs: &Programs,
        bodies: &mut Vec<(bool, u32)>,
        except: [u32; 3],
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
        let already = self.list(except[0], except[1], except[2]);
        bodies.retain(|&(review_only, b)| {
            let part = if review_only {
                already.review
            } else {
                already.violable
            };
            part.binary_search(&b).is_err()
        });
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

    /// The Nanjing demo with one unit's own level repeating two city clauses word for word (one
    /// violable, one review-only): same bodies in the unit's shared and own clauses.
    fn nanjing_with_repeats() -> crate::compile::RuleSet {
        let dir = std::env::temp_dir().join(format!("zonecheck-order-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let data = std::fs::canonicalize("rules/nanjing/data").expect("demo data");
        let data = format!("\"{}/", data.display());
        for entry in std::fs::read_dir("rules/nanjing").expect("demo rules") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "zc") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let text = text.replace("\"data/", &data);
                let name = path.file_name().expect("file name");
                std::fs::write(dir.join(name), text).expect("writable");
            }
        }
        let repeats = r#"
level "重复条款" applies to units [ZH32011620001] {
  clause U-REP-01 空间布局约束 "新建、扩建、迁建化工项目须进入江北新材料科技园等合规化工园区。"
    when nature in [新建, 扩建, 迁建] and industry in 化工
    require within(化工园区)

  clause U-REP-02 污染物排放管控 "新增挥发性有机物排放的项目，应使用低挥发性有机物含量的原辅材料并配套高效收集治理设施。"
    when increase(VOCs) > 0
    review "核实原辅材料VOCs含量及治理设施效率"
}
"#;
        std::fs::write(dir.join("60-repeats.zc"), repeats).expect("writable");
        let rs = load_rule_set(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        rs.unwrap_or_else(|e| panic!("the demo with repeats loads: {e}"))
            .rule_set
    }

    /// Every unit's lists, read back through the order, hold exactly the bodies of its shared
    /// and own clauses, split by whether they can be violated; the own list without the bodies
    /// the shared one already has.
    #[test]
    fn units_hold_their_clauses_bodies_split_by_effect() {
        let rs = load_rule_set(Path::new("rules/nanjing"))
            .expect("demo rules load")
            .rule_set;
        assert_eq!(lists_read_back(&rs), 0, "the demo repeats no body");
        assert_eq!(lists_read_back(&nanjing_with_repeats()), 2);
    }

    /// Checks the lists of every unit of `rs`; how many bodies of own clauses were left out for
    /// being in the shared list.
    fn lists_read_back(rs: &crate::compile::RuleSet) -> usize {
        let order = VerdictOrder::build(&rs.unit_clauses, &rs.clause_body, &rs.programs);
        assert_eq!(order, rs.verdict_order);
        let bodies = |clauses: &[u32], v: bool| -> Vec<u32> {
            let mut b: Vec<u32> = clauses
                .iter()
                .map(|&c| rs.clause_body[c as usize])
                .filter(|&b| violable(&rs.programs, b) == Some(v))
                .collect();
            b.sort_unstable();
            b.dedup();
            b
        };
        fn pick(l: Bodies<'_>, violable: bool) -> &[u32] {
            if violable { l.violable } else { l.review }
        }
        let (mut both_kinds, mut left_out) = (false, 0);
        for u in 0..rs.unit_clauses.len() as u32 {
            let got = order.unit(u);
            let clauses = rs.unit_clauses.of(u);
            for v in [true, false] {
                let shared = bodies(clauses.shared, v);
                assert_eq!(pick(got.shared, v), shared.as_slice());
                let own = bodies(clauses.own, v);
                let not_shared: Vec<u32> = own
                    .iter()
                    .copied()
                    .filter(|b| !shared.contains(b))
                    .collect();
                assert_eq!(pick(got.own, v), not_shared.as_slice());
                left_out += own.len() - not_shared.len();
            }
            both_kinds |= [got.shared, got.own]
                .iter()
                .any(|l| !l.review.is_empty() && !l.violable.is_empty());
        }
        assert!(both_kinds, "the demo has lists with both kinds");
        assert_eq!(order.unit(u32::MAX), UnitBodies::default());
        left_out
    }
}
