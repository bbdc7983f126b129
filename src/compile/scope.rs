//! Scopes: which control units a level of the access list applies to. Selectors joined by
//! `and` must all hold; every level whose scope covers a unit applies to it at once.

use geo::{Intersects, Relate};

use super::ruleset::{UnitInfo, UnitType};
use crate::index::{FeatureLayer, UnitIndex};
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
    pub unit_index: &'a UnitIndex,
    pub layer: &'a dyn Fn(&str) -> Option<&'a FeatureLayer>,
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

/// For each unit, whether the scope covers it. Errors (bad codes, unknown layers or unit codes)
/// are pushed to `errors` and the scope then covers nothing.
pub fn units_in_scope(
    selectors: &[Selector],
    env: &ScopeEnv,
    errors: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let n = env.units.len();
    let mut covered = vec![true; n];
    let mut failed = false;
    for s in selectors {
        let keep: Vec<bool> = match s {
            Selector::National(_) => vec![true; n],
            Selector::Province(c) | Selector::City(c) | Selector::District(c) => {
                let (digits, what) = match s {
                    Selector::Province(_) => (2, "province"),
                    Selector::City(_) => (4, "city"),
                    _ => (6, "district"),
                };
                match admin_prefix(c, digits, what, errors) {
                    Some(p) => env
                        .units
                        .iter()
                        .map(|u| u.admin_code.starts_with(&p))
                        .collect(),
                    None => {
                        failed = true;
                        continue;
                    }
                }
            }
            Selector::UnitType(t) => match UnitType::parse(&t.text) {
                Some(ty) => env.units.iter().map(|u| u.unit_type == ty).collect(),
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
                Some(basin) => (0..n)
                    .map(|i| {
                        let Some(ug) = env
                            .unit_index
                            .geometry(u32::try_from(i).unwrap_or(u32::MAX))
                        else {
                            return false;
                        };
                        basin.features().iter().any(|f| {
                            f.geometry.intersects(ug) && !f.geometry.relate(ug).is_touches()
                        })
                    })
                    .collect(),
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
                let mut keep = vec![false; n];
                for c in codes {
                    match env.units.iter().position(|u| u.code == c.text) {
                        Some(i) => {
                            if let Some(k) = keep.get_mut(i) {
                                *k = true;
                            }
                        }
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
                keep
            }
        };
        for (c, k) in covered.iter_mut().zip(keep) {
            *c &= k;
        }
    }
    if failed { vec![false; n] } else { covered }
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
