//! The overlay of the two unit layers: how much area of each old unit lies in each new unit, the
//! type-to-type transition matrix built from it, and the unit-level changes (added, removed,
//! re-typed, re-shaped, re-coded).

use std::collections::{BTreeMap, HashMap};

use geo::{BooleanOps, BoundingRect, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;

use super::{DiffOptions, km2};
use crate::compile::RuleSet;
use crate::compile::ruleset::UnitType;
use crate::index::units::geodesic_area;

/// Unit areas of both versions and the area of every non-empty intersection old ∩ new, m² on the
/// ellipsoid.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    pub old_area_m2: Vec<f64>,
    pub new_area_m2: Vec<f64>,
    /// `(old unit, new unit, area m²)`, area > 0, ascending by old then new unit.
    pub pairs: Vec<(u32, u32, f64)>,
}

/// Computes the overlay: every old unit is intersected exactly (geo's boolean operations) with
/// the new units whose bounding boxes meet its own, in parallel over old units.
///
/// The candidates come from an R-tree of the new units' boxes, and go straight to the boolean
/// operation: a separate `intersects` test first would cost O(v·w) edge pairs per unit pair,
/// which profiling showed was most of the national run.
///
/// # Runtime
/// O(Σ (v+w) log(v+w)) over box-overlapping pairs of units of v and w vertices, divided over the
/// cores.
pub fn overlay(old: &RuleSet, new: &RuleSet) -> Overlay {
    let geoms = |rs: &RuleSet| -> Vec<Option<MultiPolygon<f64>>> {
        (0..rs.units.len())
            .into_par_iter()
            .map(|u| {
                u32::try_from(u)
                    .ok()
                    .and_then(|u| rs.unit_index.geometry(u))
            })
            .collect()
    };
    let area = |g: &[Option<MultiPolygon<f64>>]| -> Vec<f64> {
        g.par_iter()
            .map(|g| g.as_ref().map_or(0.0, geodesic_area))
            .collect()
    };
    let new_geoms = geoms(new);
    let new_area_m2 = area(&new_geoms);
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, u32>> = new_geoms
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let r = g.as_ref()?.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                u32::try_from(i).ok()?,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let per_old: Vec<(f64, Vec<(u32, f64)>)> = (0..old.units.len())
        .into_par_iter()
        .map(|u| {
            let Some(g) = u32::try_from(u)
                .ok()
                .and_then(|u| old.unit_index.geometry(u))
            else {
                return (0.0, Vec::new());
            };
            let own = geodesic_area(&g);
            let Some(r) = g.bounding_rect() else {
                return (own, Vec::new());
            };
            let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            let mut hits: Vec<(u32, f64)> = tree
                .locate_in_envelope_intersecting(&env)
                .filter_map(|c| {
                    let ng = new_geoms.get(c.data as usize)?.as_ref()?;
                    let a = geodesic_area(&g.intersection(ng));
                    (a > 0.0).then_some((c.data, a))
                })
                .collect();
            hits.sort_by_key(|h| h.0);
            (own, hits)
        })
        .collect();
    let mut old_area_m2 = Vec::with_capacity(per_old.len());
    let mut pairs = Vec::new();
    for (o, (own, hits)) in per_old.into_iter().enumerate() {
        old_area_m2.push(own);
        let o = u32::try_from(o).unwrap_or(u32::MAX);
        pairs.extend(hits.into_iter().map(|(n, a)| (o, n, a)));
    }
    Overlay {
        old_area_m2,
        new_area_m2,
        pairs,
    }
}

/// Row and column index of a type in the transition matrix; index 3 is "not covered".
fn type_index(t: UnitType) -> usize {
    match t {
        UnitType::Priority => 0,
        UnitType::Key => 1,
        UnitType::General => 2,
    }
}

/// Labels of the matrix rows and columns.
pub const MATRIX_LABELS: [&str; 4] = ["priority", "key", "general", "not_covered"];

/// Area moved from each old type (rows) to each new type (columns), km².
///
/// Rows and columns are priority, key, general and "not covered": area an old unit of a type had
/// that no new unit covers lands in that type's row, last column (and the other way round). Cells
/// of the first three rows and columns are sums of exact intersections; the "not covered" cells
/// are what the intersections leave of each type's total area, so a row sums to the old type's
/// area and a column to the new type's. With two versions covering the same territory the
/// "not covered" cells are zero up to the overlay's precision (tests/diff.rs checks this).
#[derive(Debug, Clone, Serialize)]
pub struct TransitionMatrix {
    pub labels: [&'static str; 4],
    /// `cells[from][to]`, km².
    pub cells: [[f64; 4]; 4],
    /// Total area of each type in the old version (row sums), km²; index 3 is unused (0).
    pub old_totals: [f64; 4],
    /// Total area of each type in the new version (column sums), km².
    pub new_totals: [f64; 4],
}

/// Builds the transition matrix from the overlay.
pub fn matrix(old: &RuleSet, new: &RuleSet, overlay: &Overlay) -> TransitionMatrix {
    let mut cells = [[0.0f64; 4]; 4];
    for &(o, n, a) in &overlay.pairs {
        let (Some(ou), Some(nu)) = (old.units.get(o as usize), new.units.get(n as usize)) else {
            continue;
        };
        cells[type_index(ou.unit_type)][type_index(nu.unit_type)] += km2(a);
    }
    let mut old_totals = [0.0f64; 4];
    for (u, a) in old.units.iter().zip(&overlay.old_area_m2) {
        old_totals[type_index(u.unit_type)] += km2(*a);
    }
    let mut new_totals = [0.0f64; 4];
    for (u, a) in new.units.iter().zip(&overlay.new_area_m2) {
        new_totals[type_index(u.unit_type)] += km2(*a);
    }
    for t in 0..3 {
        let row: f64 = cells[t][..3].iter().sum();
        cells[t][3] = old_totals[t] - row;
        let col: f64 = (0..3).map(|r| cells[r][t]).sum();
        cells[3][t] = new_totals[t] - col;
    }
    TransitionMatrix {
        labels: MATRIX_LABELS,
        cells,
        old_totals,
        new_totals,
    }
}

/// A unit as reported: code, name, type, administrative code and area.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub type_label: &'static str,
    pub admin_code: String,
    pub area_km2: f64,
}

/// Where part of a unit's area went to (or came from), km².
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    pub unit: UnitRef,
    pub km2: f64,
}

/// An old unit and the new unit it became (same code, or the same footprint under a new code).
#[derive(Debug, Clone, Serialize)]
pub struct UnitPair {
    pub old: UnitRef,
    pub new: UnitRef,
    /// The unit's type changed.
    pub retyped: bool,
    /// The area that changed sides (symmetric difference) is above the tolerance.
    pub reshaped: bool,
    /// The code changed (matched by footprint).
    pub recoded: bool,
    pub renamed: bool,
    /// Symmetric difference old △ new, km².
    pub changed_km2: f64,
    /// Area the old unit gave to other new units (re-shaped pairs only), largest first.
    pub gave_to: Vec<Share>,
    /// Area the new unit took from other old units (re-shaped pairs only), largest first.
    pub took_from: Vec<Share>,
}

/// A unit present in one version only, with where its area went (removed) or came from (added).
#[derive(Debug, Clone, Serialize)]
pub struct UnitOnly {
    pub unit: UnitRef,
    /// Overlapping units of the other version, largest first.
    pub overlaps: Vec<Share>,
}

/// Unit-level changes.
#[derive(Debug, Clone, Serialize, Default)]
pub struct UnitChanges {
    pub added: Vec<UnitOnly>,
    pub removed: Vec<UnitOnly>,
    /// Matched pairs with any change (type, shape, code, name), in old-code order.
    pub changed: Vec<UnitPair>,
    /// Matched pairs with no change above the tolerance.
    pub unchanged: usize,
    /// For each old unit (by index), the new unit it became, if any.
    #[serde(skip)]
    pub old_to_new: Vec<Option<u32>>,
}

impl UnitChanges {
    pub fn retyped(&self) -> impl Iterator<Item = &UnitPair> {
        self.changed.iter().filter(|p| p.retyped)
    }
    pub fn reshaped(&self) -> impl Iterator<Item = &UnitPair> {
        self.changed.iter().filter(|p| p.reshaped)
    }
}

fn unit_ref(rs: &RuleSet, areas: &[f64], u: u32) -> Option<UnitRef> {
    let info = rs.units.get(u as usize)?;
    Some(UnitRef {
        code: info.code.clone(),
        name: info.name.clone(),
        unit_type: info.unit_type,
        type_label: info.unit_type.label(),
        admin_code: info.admin_code.clone(),
        area_km2: km2(areas.get(u as usize).copied().unwrap_or(0.0)),
    })
}

/// At most this many overlapping units are listed for one unit.
const MAX_SHARES: usize = 8;

fn shares(
    rs: &RuleSet,
    areas: &[f64],
    mut list: Vec<(u32, f64)>,
    min_km2: f64,
    skip: Option<u32>,
) -> Vec<Share> {
    list.retain(|&(u, a)| Some(u) != skip && km2(a) > min_km2);
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter()
        .take(MAX_SHARES)
        .filter_map(|(u, a)| {
            Some(Share {
                unit: unit_ref(rs, areas, u)?,
                km2: km2(a),
            })
        })
        .collect()
}

/// Matches units across versions and classifies the changes.
///
/// Matching: first by code; then an unmatched old unit and an unmatched new unit are the same
/// unit when their overlap is at least `same_unit_overlap` of the larger of the two (a re-typed
/// unit changes its code's type digit). What stays unmatched is removed or added.
pub fn unit_changes(
    old: &RuleSet,
    new: &RuleSet,
    overlay: &Overlay,
    options: &DiffOptions,
) -> UnitChanges {
    let mut by_old: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
    let mut by_new: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
    let mut inter: HashMap<(u32, u32), f64> = HashMap::new();
    for &(o, n, a) in &overlay.pairs {
        by_old.entry(o).or_default().push((n, a));
        by_new.entry(n).or_default().push((o, a));
        *inter.entry((o, n)).or_default() += a;
    }
    let new_codes: HashMap<&str, u32> = new
        .units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| Some((u.code.as_str(), u32::try_from(i).ok()?)))
        .collect();
    let mut old_to_new: Vec<Option<u32>> = vec![None; old.units.len()];
    let mut new_taken = vec![false; new.units.len()];
    for (i, u) in old.units.iter().enumerate() {
        if let Some(&n) = new_codes.get(u.code.as_str()) {
            old_to_new[i] = Some(n);
            if let Some(t) = new_taken.get_mut(n as usize) {
                *t = true;
            }
        }
    }
    // Footprint matches among the rest, best overlap first.
    let mut candidates: Vec<(f64, u32, u32)> = Vec::new();
    for (&(o, n), &a) in &inter {
        let free_old = old_to_new.get(o as usize).is_some_and(Option::is_none);
        let free_new = new_taken.get(n as usize).is_some_and(|t| !t);
        if !(free_old && free_new) {
            continue;
        }
        let ao = overlay.old_area_m2.get(o as usize).copied().unwrap_or(0.0);
        let an = overlay.new_area_m2.get(n as usize).copied().unwrap_or(0.0);
        let larger = ao.max(an);
        if larger > 0.0 && a >= options.same_unit_overlap * larger {
            candidates.push((a / larger, o, n));
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, o, n) in candidates {
        let (Some(slot), Some(taken)) = (
            old_to_new.get_mut(o as usize),
            new_taken.get_mut(n as usize),
        ) else {
            continue;
        };
        if slot.is_none() && !*taken {
            *slot = Some(n);
            *taken = true;
        }
    }

    let min = options.reshape_min_km2;
    let mut out = UnitChanges::default();
    for (i, m) in old_to_new.iter().enumerate() {
        let Ok(o) = u32::try_from(i) else { continue };
        let Some(old_ref) = unit_ref(old, &overlay.old_area_m2, o) else {
            continue;
        };
        let Some(n) = *m else {
            let overlaps = shares(
                new,
                &overlay.new_area_m2,
                by_old.get(&o).cloned().unwrap_or_default(),
                min,
                None,
            );
            out.removed.push(UnitOnly {
                unit: old_ref,
                overlaps,
            });
            continue;
        };
        let Some(new_ref) = unit_ref(new, &overlay.new_area_m2, n) else {
            continue;
        };
        let both = km2(inter.get(&(o, n)).copied().unwrap_or(0.0));
        let changed_km2 = (old_ref.area_km2 + new_ref.area_km2 - 2.0 * both).max(0.0);
        let reshaped =
            changed_km2 > min && changed_km2 > options.reshape_min_fraction * old_ref.area_km2;
        let retyped = old_ref.unit_type != new_ref.unit_type;
        let recoded = old_ref.code != new_ref.code;
        let renamed = old_ref.name != new_ref.name;
        if !(reshaped || retyped || recoded || renamed) {
            out.unchanged += 1;
            continue;
        }
        let (gave_to, took_from) = if reshaped {
            (
                shares(
                    new,
                    &overlay.new_area_m2,
                    by_old.get(&o).cloned().unwrap_or_default(),
                    min,
                    Some(n),
                ),
                shares(
                    old,
                    &overlay.old_area_m2,
                    by_new.get(&n).cloned().unwrap_or_default(),
                    min,
                    Some(o),
                ),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        out.changed.push(UnitPair {
            old: old_ref,
            new: new_ref,
            retyped,
            reshaped,
            recoded,
            renamed,
            changed_km2,
            gave_to,
            took_from,
        });
    }
    for (i, taken) in new_taken.iter().enumerate() {
        let Ok(n) = u32::try_from(i) else { continue };
        if *taken {
            continue;
        }
        let Some(unit) = unit_ref(new, &overlay.new_area_m2, n) else {
            continue;
        };
        let overlaps = shares(
            old,
            &overlay.old_area_m2,
            by_new.get(&n).cloned().unwrap_or_default(),
            min,
            None,
        );
        out.added.push(UnitOnly { unit, overlaps });
    }
    let by_code = |a: &UnitOnly, b: &UnitOnly| a.unit.code.cmp(&b.unit.code);
    out.added.sort_by(by_code);
    out.removed.sort_by(by_code);
    out.changed.sort_by(|a, b| a.old.code.cmp(&b.old.code));
    out.old_to_new = old_to_new;
    out
}

/// Counts of each kind of unit change, for summaries.
pub fn unit_counts(c: &UnitChanges) -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("added", c.added.len()),
        ("removed", c.removed.len()),
        ("retyped", c.retyped().count()),
        ("reshaped", c.reshaped().count()),
        // A re-typed unit's new code and name come with its type; counted once, as re-typed.
        (
            "recoded",
            c.changed.iter().filter(|p| p.recoded && !p.retyped).count(),
        ),
        (
            "renamed",
            c.changed.iter().filter(|p| p.renamed && !p.retyped).count(),
        ),
        ("unchanged", c.unchanged),
    ])
}
