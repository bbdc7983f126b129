//! Area of each unit type per city or district, before and after, km² on the ellipsoid.

use std::collections::BTreeMap;

use serde::Serialize;

use super::transitions::Overlay;
use super::{Grouping, km2};
use crate::compile::RuleSet;
use crate::compile::ruleset::UnitType;

/// One region's type areas in both versions, km², indexed priority, key, general.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AreaRow {
    /// The administrative code prefix (`3201` by city, `320115` by district), or `total`.
    pub region: String,
    pub old: [f64; 3],
    pub new: [f64; 3],
    pub old_units: usize,
    pub new_units: usize,
}

impl AreaRow {
    fn empty(region: &str) -> Self {
        AreaRow {
            region: region.to_string(),
            old: [0.0; 3],
            new: [0.0; 3],
            old_units: 0,
            new_units: 0,
        }
    }

    /// New minus old, per type.
    pub fn change(&self) -> [f64; 3] {
        [
            self.new[0] - self.old[0],
            self.new[1] - self.old[1],
            self.new[2] - self.old[2],
        ]
    }
}

/// The type areas per region and in total. Each version's units are grouped by their own
/// administrative code, so a region's row compares what each version assigns to it.
#[derive(Debug, Clone, Serialize)]
pub struct AreaTable {
    pub by: Grouping,
    pub rows: Vec<AreaRow>,
    pub total: AreaRow,
}

fn region_of(admin: &str, by: Grouping) -> String {
    match by {
        Grouping::City => admin.get(..4).unwrap_or(admin).to_string(),
        Grouping::District => admin.to_string(),
    }
}

fn slot(t: UnitType) -> usize {
    match t {
        UnitType::Priority => 0,
        UnitType::Key => 1,
        UnitType::General => 2,
    }
}

/// Sums unit areas per region and type for both versions.
pub fn area_table(old: &RuleSet, new: &RuleSet, overlay: &Overlay, by: Grouping) -> AreaTable {
    let mut rows: BTreeMap<String, AreaRow> = BTreeMap::new();
    let mut total = AreaRow::empty("total");
    for (u, a) in old.units.iter().zip(&overlay.old_area_m2) {
        let r = region_of(&u.admin_code, by);
        let row = rows.entry(r.clone()).or_insert_with(|| AreaRow::empty(&r));
        row.old[slot(u.unit_type)] += km2(*a);
        row.old_units += 1;
        total.old[slot(u.unit_type)] += km2(*a);
        total.old_units += 1;
    }
    for (u, a) in new.units.iter().zip(&overlay.new_area_m2) {
        let r = region_of(&u.admin_code, by);
        let row = rows.entry(r.clone()).or_insert_with(|| AreaRow::empty(&r));
        row.new[slot(u.unit_type)] += km2(*a);
        row.new_units += 1;
        total.new[slot(u.unit_type)] += km2(*a);
        total.new_units += 1;
    }
    AreaTable {
        by,
        rows: rows.into_values().collect(),
        total,
    }
}
