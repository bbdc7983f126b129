//! Scopes: which control units a level of the access list applies to. Selectors joined by
//! `and` must all hold; every level whose scope covers a unit applies to it at once.

use std::collections::HashMap;

use geo::{Area, BooleanOps, BoundingRect, Geometry, InteriorPoint, Intersects};

use super::ruleset::{UnitInfo, UnitType};
use crate::index::FeatureLayer;
use crate::source::Diagnostic;
use crate::syntax::ast::{Name, Selector};

/// Describes a scope for reports: `province 32 and type 优先保护`.
pub fn describe(selectors: &[Selector]) -> String {
    selectors
        .iter()
        .map(|s| match s {
            Selector::National(_) => "national".to_string(),
            Selector::Province(n) => format!("province {}", n.text),
            Selector::City(n) => format!("city {}", n.text),
            Selector::District(n) => format!("district {}", n.text),
            Selector::Basin(n) => format!("basin {}", n.text),
            Selector::UnitType(n) => format!("type {}", n.text),
            Selector::Units(codes, _) => {
                format!(
                    "units [{}]",
                    codes
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// What scopes can refer to.
pub struct ScopeEnv<'a> {
    pub units: &'a [UnitInfo],
    /// The unit polygons, by unit index.
    pub geoms: &'a [geo::MultiPolygon<f64>],
    pub layer: &'a dyn Fn(&str) -> Option<&'a FeatureLayer>,
    /// Unit code → unit index, for `units [...]` scopes.
    pub by_code: &'a HashMap<&'a str, u32>,
    /// Basin membership by layer name: several levels name the same basin.
    pub basin_cache: std::cell::RefCell<HashMap<String, Coverage>>,
    /// Each unit's interior point, computed once for all basin layers.
    pub interior_points: std::cell::OnceCell<Vec<Option<geo::Point<f64>>>>,
}

/// The units whose interior overlaps a basin polygon (touching the basin boundary is not
/// enough). A unit whose interior point lies in the basin is in it; a unit that merely meets
/// the basin is in it when the overlap has an area — the exact overlay runs only for those.
fn basin_members(basin: &FeatureLayer, env: &ScopeEnv) -> Coverage {
    let interior = env.interior_points.get_or_init(|| {
        (0..env.units.len())
            .map(|i| env.geoms.get(i).and_then(|g| g.interior_point()))
            .collect()
    });
    Coverage::from_mask((0..env.units.len()).map(|i| {
        let Some(ug) = env.geoms.get(i) else {
            return false;
        };
        let Some(ub) = ug.bounding_rect() else {
            return false;
        };
        let inside = interior.get(i).copied().flatten();
        basin.features().iter().any(|f| {
            if !f
                .geometry
                .bounding_rect()
                .is_some_and(|fb| fb.intersects(&ub))
            {
                return false;
            }
            if inside.is_some_and(|p| f.geometry.intersects(&p)) {
                return true;
            }
            // The interior point is outside: the unit is in the basin only if part of it with
            // an area lies inside, which needs the basin boundary to cross it.
            match &f.geometry {
                Geometry::Polygon(p) => {
                    p.intersects(ug) && p.intersection(ug).unsigned_area() > 0.0
                }
                Geometry::MultiPolygon(mp) => {
                    mp.intersects(ug) && mp.intersection(ug).unsigned_area() > 0.0
                }
                _ => false,
            }
        })
    }))
}

/// The units a scope covers: all of them, or a sorted list. A national rule set has tens of
/// thousands of unit-specific levels, so coverage is kept sparse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    All,
    Units(Vec<u32>),
}

impl Coverage {
    fn from_mask(mask: impl Iterator<Item = bool>) -> Coverage {
        Coverage::Units(
            mask.enumerate()
                .filter(|(_, k)| *k)
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect(),
        )
    }

    fn intersect(self, other: Coverage) -> Coverage {
        match (self, other) {
            (Coverage::All, c) | (c, Coverage::All) => c,
            (Coverage::Units(a), Coverage::Units(b)) => {
                let keep: std::collections::HashSet<u32> = b.into_iter().collect();
                Coverage::Units(a.into_iter().filter(|u| keep.contains(u)).collect())
            }
        }
    }

    pub fn is_empty(&self, unit_count: usize) -> bool {
        match self {
            Coverage::All => unit_count == 0,
            Coverage::Units(v) => v.is_empty(),
        }
    }

    /// The covered unit indices, ascending.
    pub fn iter(&self, unit_count: usize) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Coverage::All => Box::new((0..unit_count).filter_map(|i| u32::try_from(i).ok())),
            Coverage::Units(v) => Box::new(v.iter().copied()),
        }
    }
}

fn admin_prefix(
    n: &Name,
    digits: usize,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    if n.text.len() != digits {
        errors.push(
            Diagnostic::error(
                "E-SCOPE",
                Some(n.span),
                format!(
                    "a {what} code has {digits} digits; `{}` has {}",
                    n.text,
                    n.text.len()
                ),
            )
            .with_help(
                "administrative codes follow GB/T 2260: province 32, city 3201, district 320115",
            ),
        );
        return None;
    }
    Some(n.text.clone())
}

/// The units a scope covers. Errors (bad codes, unknown layers or unit codes) are pushed to
/// `errors` and the scope then covers nothing.
///
/// # Runtime
/// O(n) per administrative or type selector, O(n·g) per basin selector (an exact overlay test
/// of each unit against g basin polygons), O(k) for a list of k unit codes.
pub fn units_in_scope(
    selectors: &[Selector],
    env: &ScopeEnv,
    errors: &mut Vec<Diagnostic>,
) -> Coverage {
    let mut covered = Coverage::All;
    let mut failed = false;
    for s in selectors {
        let this = match s {
            Selector::National(_) => Coverage::All,
            Selector::Province(c) | Selector::City(c) | Selector::District(c) => {
                let (digits, what) = match s {
                    Selector::Province(_) => (2, "province"),
                    Selector::City(_) => (4, "city"),
                    _ => (6, "district"),
                };
                match admin_prefix(c, digits, what, errors) {
                    Some(p) => {
                        Coverage::from_mask(env.units.iter().map(|u| u.admin_code.starts_with(&p)))
                    }
                    None => {
                        failed = true;
                        continue;
                    }
                }
            }
            Selector::UnitType(t) => match UnitType::parse(&t.text) {
                Some(ty) => Coverage::from_mask(env.units.iter().map(|u| u.unit_type == ty)),
                None => {
                    errors.push(
                        Diagnostic::error(
                            "E-SCOPE",
                            Some(t.span),
                            format!("unknown unit type `{}`", t.text),
                        )
                        .with_help("unit types are 优先保护, 重点管控 and 一般管控"),
                    );
                    failed = true;
                    continue;
                }
            },
            Selector::Basin(layer) => match (env.layer)(&layer.text) {
                // A unit belongs to a basin when their interiors overlap (touching along the
                // basin boundary is not enough).
                Some(basin) => {
                    let mut cache = env.basin_cache.borrow_mut();
                    cache
                        .entry(layer.text.clone())
                        .or_insert_with(|| basin_members(basin, env))
                        .clone()
                }
                None => {
                    errors.push(
                        Diagnostic::error(
                            "E-UNKNOWN-NAME",
                            Some(layer.span),
                            format!("unknown layer `{}`", layer.text),
                        )
                        .with_help(
                            "a basin scope names a declared feature layer of basin polygons",
                        ),
                    );
                    failed = true;
                    continue;
                }
            },
            Selector::Units(codes, _) => {
                let mut ids = Vec::with_capacity(codes.len());
                for c in codes {
                    match env.by_code.get(c.text.as_str()) {
                        Some(i) => ids.push(*i),
                        None => {
                            errors.push(
                                Diagnostic::error(
                                    "E-UNKNOWN-CODE",
                                    Some(c.span),
                                    format!("unit `{}` is not in the unit layer", c.text),
                                )
                                .with_help(near_codes(env.units, &c.text)),
                            );
                            failed = true;
                        }
                    }
                }
                ids.sort_unstable();
                ids.dedup();
                Coverage::Units(ids)
            }
        };
        covered = covered.intersect(this);
    }
    if failed {
        Coverage::Units(Vec::new())
    } else {
        covered
    }
}

fn near_codes(units: &[UnitInfo], code: &str) -> String {
    let prefix: String = code.chars().take(8).collect();
    let near: Vec<&str> = units
        .iter()
        .filter(|u| u.code.starts_with(&prefix))
        .take(5)
        .map(|u| u.code.as_str())
        .collect();
    if near.is_empty() {
        "check the code against the unit layer".to_string()
    } else {
        format!("units of the same county: {}", near.join(", "))
    }
}
