//! Screening a project at its own location, lines and polygons included: the verdict and the
//! units it touches, without evidence. A site the grid proves to lie inside one unit is
//! screened with that unit's hints (its overlap is all of it); a site across boundaries gets
//! its units from the exact overlay and measures what the feature boxes cannot settle; a site
//! with a declared positional accuracy goes through the report path.

use geo::{BoundingRect, Geometry};

use super::{Cx, Scratch, Site, screen_point};
use crate::compile::RuleSet;
use crate::eval::COVERAGE_TOLERANCE;
use crate::eval::logic::Outcome;
use crate::eval::project::Project;
use crate::index::Touch;
use crate::index::units::{geodesic_area, geodesic_length, linear, polygonal};

/// A screened project: its verdict and the units it touches with the overlap in each.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteScreen {
    /// Exactly [`crate::eval::evaluate`]'s verdict for the project.
    pub verdict: Outcome,
    /// The units the project touches, ascending, with the overlap areas (polygons) or lengths
    /// (lines) of [`crate::index::UnitIndex::touching`].
    pub units: Vec<Touch>,
}

/// Screens `project` where it is: the verdict [`crate::eval::evaluate`] gives and the units it
/// touches, without building evidence.
///
/// # Runtime
/// A point costs what [`screen_point`] does. A line or polygon whose bounding box the grid
/// proves to lie in the interior of one unit costs its area or length (O(v)) and that unit's
/// clauses, measuring only distances the hints and feature boxes cannot settle. A line or
/// polygon across unit boundaries adds the exact overlay with each unit it touches
/// ([`crate::index::UnitIndex::touching`]) and measures without the units' hints. Sites with a
/// declared positional accuracy, and other geometry kinds, take the report path
/// ([`crate::eval::evaluate`]).
pub fn screen_project(rules: &RuleSet, project: &Project, scratch: &mut Scratch) -> SiteScreen {
    let g = &project.location;
    if let Geometry::Point(p) = g {
        let verdict = screen_point(rules, project, p.x(), p.y(), scratch);
        scratch.units.clear();
        rules.locate_point(p.x(), p.y(), &mut scratch.units);
        let units = scratch
            .units
            .iter()
            .map(|&unit| Touch {
                unit,
                area_m2: None,
                length_m: None,
            })
            .collect();
        return SiteScreen { verdict, units };
    }
    let shaped = matches!(
        g,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::LineString(_)
            | Geometry::MultiLineString(_)
    );
    let Some(bbox) = g
        .bounding_rect()
        .filter(|_| shaped && project.accuracy_m == 0.0)
    else {
        let units = rules.unit_index.touching(g);
        return SiteScreen {
            verdict: crate::eval::evaluate_touching(rules, project, units.clone()).verdict,
            units,
        };
    };
    let area = polygonal(g).map(|p| geodesic_area(&p));
    let length = linear(g).map(|l| geodesic_length(&l));
    // A site the grid proves inside one unit may use that unit's hints; a site across
    // boundaries measures everything the feature boxes cannot settle (its parts outside the
    // units, however thin, are not covered by any unit's hints).
    let proven = rules
        .unit_index
        .grid_unit_containing_rect(bbox.min(), bbox.max());
    let units = match proven {
        Some(unit) => vec![Touch {
            unit,
            area_m2: area,
            length_m: length,
        }],
        None => rules.unit_index.touching(g),
    };
    if units.is_empty() {
        // Outside every unit: nothing applies and a person must decide, as the report says.
        return SiteScreen {
            verdict: Outcome::NeedsReview,
            units,
        };
    }
    // Part of the site outside every unit needs review (the report's coverage note).
    let shortfall = |total: Option<f64>, inside: &dyn Fn(&Touch) -> Option<f64>| {
        total
            .filter(|t| *t > 0.0)
            .map(|t| units.iter().filter_map(inside).sum::<f64>() < t * (1.0 - COVERAGE_TOLERANCE))
    };
    let outside = shortfall(area, &|t| t.area_m2)
        .or_else(|| shortfall(length, &|t| t.length_m))
        .unwrap_or(false);
    let mut clauses = std::mem::take(&mut scratch.clauses);
    clauses.clear();
    for t in &units {
        if let Some(list) = rules.unit_clauses.get(t.unit as usize) {
            clauses.extend_from_slice(list);
        }
    }
    if units.len() > 1 {
        clauses.sort_unstable();
        clauses.dedup();
    }
    let hinted: Vec<u32> = proven.into_iter().collect();
    scratch.distances.clear();
    scratch.distances.resize(rules.layers.len(), f64::NAN);
    let site = Site::Shape {
        geometry: g,
        area,
        bbox,
    };
    let cx = Cx::new(rules, project, Some(site), &hinted, &mut scratch.distances);
    let mut verdict = if outside {
        Outcome::NeedsReview
    } else {
        Outcome::Satisfied
    };
    for c in &clauses {
        if let Some(clause) = rules.clauses.get(*c as usize) {
            verdict = verdict.min(cx.clause(clause));
        }
    }
    scratch.clauses = clauses;
    SiteScreen { verdict, units }
}
