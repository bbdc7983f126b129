//! For each control unit, the clauses that apply to it. Units share most of their lists (the
//! clauses of the national, provincial, basin, type and city levels above them), so a list is
//! stored as one of a few thousand shared groups plus the unit's own clauses: the national set's
//! 42,158 lists of ~55 clauses are 2,956 groups and two own clauses per unit (~1.5 MB instead of
//! ~10 MB), and a screening reads a group that is usually already in cache.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Per unit, its clauses (indices into [`super::RuleSet::clauses`]), ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitClauses {
    /// Per unit, its group.
    group: Vec<u32>,
    /// Group `g`'s clauses are `shared[group_start[g]..group_start[g + 1]]`.
    group_start: Vec<u32>,
    shared: Vec<u32>,
    /// Unit `u`'s own clauses are `own[own_start[u]..own_start[u + 1]]`.
    own_start: Vec<u32>,
    own: Vec<u32>,
}

/// One unit's clauses: those it shares with other units and its own, each ascending.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitList<'a> {
    pub shared: &'a [u32],
    pub own: &'a [u32],
}

impl<'a> UnitList<'a> {
    pub fn len(&self) -> usize {
        self.shared.len() + self.own.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The clauses, ascending.
    pub fn iter(&self) -> Merged<'a> {
        Merged {
            a: self.shared,
            b: self.own,
        }
    }

    /// The clauses in storage order (shared, then own): for callers to whom order is
    /// immaterial.
    pub fn unordered(&self) -> impl Iterator<Item = u32> + 'a {
        self.shared.iter().chain(self.own).copied()
    }
}

/// Two ascending lists merged.
#[derive(Debug, Clone)]
pub struct Merged<'a> {
    a: &'a [u32],
    b: &'a [u32],
}

impl Iterator for Merged<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(x), Some(y)) => x <= y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (first, rest) = if take_a {
            self.a.split_first()?
        } else {
            self.b.split_first()?
        };
        if take_a {
            self.a = rest;
        } else {
            self.b = rest;
        }
        Some(*first)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.a.len() + self.b.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Merged<'_> {}

impl UnitClauses {
    /// From one ascending list per unit: a clause that applies to more than one unit goes to
    /// the shared groups, one that applies to a single unit to that unit's own list.
    pub fn from_lists(lists: &[Vec<u32>]) -> UnitClauses {
        let mut units_of: HashMap<u32, u32> = HashMap::new();
        for c in lists.iter().flatten() {
            *units_of.entry(*c).or_default() += 1;
        }
        let mut out = UnitClauses {
            group_start: vec![0],
            own_start: vec![0],
            ..UnitClauses::default()
        };
        let mut groups: HashMap<Vec<u32>, u32> = HashMap::new();
        for list in lists {
            let (shared, own): (Vec<u32>, Vec<u32>) = list
                .iter()
                .partition(|c| units_of.get(c).copied().unwrap_or(0) > 1);
            let next = index(groups.len());
            let g = *groups.entry(shared.clone()).or_insert_with(|| {
                out.shared.extend_from_slice(&shared);
                out.group_start.push(index(out.shared.len()));
                next
            });
            out.group.push(g);
            out.own.extend_from_slice(&own);
            out.own_start.push(index(out.own.len()));
        }
        out
    }

    /// The number of units.
    pub fn len(&self) -> usize {
        self.group.len()
    }

    pub fn is_empty(&self) -> bool {
        self.group.is_empty()
    }

    /// The number of distinct shared groups.
    pub fn groups(&self) -> usize {
        self.group_start.len().saturating_sub(1)
    }

    /// Unit `u`'s clauses.
    pub fn get(&self, u: usize) -> Option<UnitList<'_>> {
        let g = *self.group.get(u)? as usize;
        Some(UnitList {
            shared: slice(&self.shared, &self.group_start, g),
            own: slice(&self.own, &self.own_start, u),
        })
    }

    /// Unit `u`'s shared group.
    pub fn group_of(&self, u: u32) -> Option<u32> {
        self.group.get(u as usize).copied()
    }

    /// Shared group `g`'s clauses, ascending (empty for a group that does not exist).
    pub fn group(&self, g: usize) -> &[u32] {
        slice(&self.shared, &self.group_start, g)
    }

    /// Unit `u`'s clauses, an empty list for a unit that does not exist.
    pub fn of(&self, u: u32) -> UnitList<'_> {
        self.get(u as usize).unwrap_or_default()
    }

    /// Every unit's list, ascending (the form the content hash reads).
    pub fn lists(&self) -> impl ExactSizeIterator<Item = UnitList<'_>> {
        (0..self.len()).map(|u| self.get(u).unwrap_or_default())
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.group.len()
            + self.group_start.len()
            + self.shared.len()
            + self.own_start.len()
            + self.own.len())
    }

    /// Checks a decoded index: `units` units, clause indices below `clauses`, offsets in order
    /// and in range, each list ascending.
    pub fn check(&self, units: usize, clauses: usize) -> Result<(), String> {
        if self.group.len() != units || self.own_start.len() != units + 1 {
            return Err("the unit → clause index does not have one entry per unit".into());
        }
        offsets_ok(&self.group_start, self.shared.len())?;
        offsets_ok(&self.own_start, self.own.len())?;
        if self.group.iter().any(|g| *g as usize >= self.groups()) {
            return Err("a unit's clause group is out of range".into());
        }
        if self
            .shared
            .iter()
            .chain(&self.own)
            .any(|&c| c as usize >= clauses)
        {
            return Err("a clause index is out of range".into());
        }
        // An own clause applies to one unit only: never in a shared group, never twice.
        let mut seen = vec![false; clauses];
        for &c in &self.shared {
            if let Some(s) = seen.get_mut(c as usize) {
                *s = true;
            }
        }
        for &c in &self.own {
            match seen.get_mut(c as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("a unit's own clause appears twice in the index".into()),
            }
        }
        let ascending = |s: &[u32]| s.windows(2).all(|w| w[0] < w[1]);
        let groups_ok =
            (0..self.groups()).all(|g| ascending(slice(&self.shared, &self.group_start, g)));
        let own_ok = (0..units).all(|u| ascending(slice(&self.own, &self.own_start, u)));
        if !groups_ok || !own_ok {
            return Err("a unit's clause list is not in ascending order".into());
        }
        Ok(())
    }
}

impl Serialize for UnitList<'_> {
    /// As the list it is (a sequence of clause indices, ascending).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Serialises every unit's list as a sequence of sequences: the bytes a `Vec<Vec<u32>>` of the
/// same lists gives, so the content hash does not depend on how the lists are stored.
pub struct AsLists<'a>(pub &'a UnitClauses);

impl Serialize for AsLists<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.lists())
    }
}

fn slice<'a>(items: &'a [u32], starts: &[u32], i: usize) -> &'a [u32] {
    match (starts.get(i), starts.get(i + 1)) {
        (Some(&a), Some(&b)) => items.get(a as usize..b as usize).unwrap_or_default(),
        _ => &[],
    }
}

fn offsets_ok(starts: &[u32], len: usize) -> Result<(), String> {
    let in_order = starts.windows(2).all(|w| w[0] <= w[1]);
    if starts.first() != Some(&0) || starts.last().map(|l| *l as usize) != Some(len) || !in_order {
        return Err("the unit → clause index's offsets are out of order or range".into());
    }
    Ok(())
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Vec<u32>> {
        vec![
            vec![0, 1, 5, 9],
            vec![0, 1, 6],
            vec![0, 1, 5, 7, 8],
            vec![],
            vec![0, 2],
        ]
    }

    #[test]
    fn every_unit_gets_back_its_list_in_ascending_order() {
        let lists = sample();
        let uc = UnitClauses::from_lists(&lists);
        assert_eq!(uc.len(), lists.len());
        for (u, list) in lists.iter().enumerate() {
            let got = uc.get(u).unwrap();
            assert_eq!(got.iter().collect::<Vec<_>>(), *list);
            assert_eq!(got.len(), list.len());
            let mut unordered: Vec<u32> = got.unordered().collect();
            unordered.sort_unstable();
            assert_eq!(unordered, *list);
        }
        assert!(uc.get(lists.len()).is_none());
        assert!(uc.of(99).is_empty());
        // 0, 1 and 5 are shared: units 0 and 2 share one group, 1 another, 3 and 4 their own.
        assert_eq!(uc.get(0).unwrap().own, &[9]);
        assert_eq!(uc.get(2).unwrap().shared, &[0, 1, 5]);
        assert_eq!(uc.groups(), 4);
        assert_eq!(uc.check(5, 10), Ok(()));
    }

    #[test]
    fn serialises_for_the_hash_exactly_as_the_plain_lists() {
        let lists = sample();
        let uc = UnitClauses::from_lists(&lists);
        // The content hash's serialiser (compile::content_hash), and a binary one.
        let plain = serde_json::to_vec(&lists).unwrap();
        assert_eq!(serde_json::to_vec(&AsLists(&uc)).unwrap(), plain);
        let plain = postcard::to_allocvec(&lists).unwrap();
        assert_eq!(postcard::to_allocvec(&AsLists(&uc)).unwrap(), plain);
    }

    #[test]
    fn a_damaged_index_is_refused() {
        let uc = UnitClauses::from_lists(&sample());
        assert!(uc.check(4, 10).is_err(), "unit count");
        assert!(uc.check(5, 9).is_err(), "clause out of range");
        let mut bad = uc.clone();
        bad.group[0] = 17;
        assert!(bad.check(5, 10).is_err());
        let mut bad = uc.clone();
        bad.own_start[2] = 100;
        assert!(bad.check(5, 10).is_err());
        let mut bad = uc.clone();
        bad.own[0] = 0;
        assert!(bad.check(5, 10).is_err(), "an own clause also shared");
        let mut bad = uc.clone();
        bad.shared.swap(0, 1);
        assert!(bad.check(5, 10).is_err(), "descending");
        // Never a panic on a damaged index, only short lists.
        let _ = bad.get(0).map(|l| l.iter().count());
    }
}
