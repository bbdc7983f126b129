//! Screening a project at its own location, lines and polygons included: the verdict and the
//! units it touches, without evidence. A site the grid proves to lie inside one unit is
//! screened directly (its overlap is all of it); any other site goes through the report path.

use geo::{BoundingRect, Geometry};

use super::{Cx, Scratch, Site, screen_point};
use crate::compile::RuleSet;
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
/// clauses, measuring only distances the hints and feature boxes cannot settle. Other sites
/// (across unit boundaries, near the rule set's edge, with a declared positional accuracy, or
/// of other geometry types) take the report path, [`crate::eval::evaluate`].
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
    let inside = shaped && project.accuracy_m == 0.0;
    let proven = g.bounding_rect().filter(|_| inside).and_then(|bbox| {
        let unit = rules
            .unit_index
            .grid_unit_containing_rect(bbox.min(), bbox.max())?;
        Some((unit, bbox))
    });
    let Some((unit, bbox)) = proven else {
        let units = rules.unit_index.touching(g);
        return SiteScreen {
            verdict: crate::eval::evaluate_touching(rules, project, units.clone()).verdict,
            units,
        };
    };
    let area = polygonal(g).map(|p| geodesic_area(&p));
    let length = linear(g).map(|l| geodesic_length(&l));
    let here = [unit];
    scratch.distances.clear();
    scratch.distances.resize(rules.layers.len(), f64::NAN);
    let site = Site::Shape {
        geometry: g,
        area,
        bbox,
    };
    let cx = Cx::new(rules, project, Some(site), &here, &mut scratch.distances);
    let mut verdict = Outcome::Satisfied;
    let list = rules
        .unit_clauses
        .get(unit as usize)
        .map_or(&[][..], Vec::as_slice);
    for c in list {
        if let Some(clause) = rules.clauses.get(*c as usize) {
            verdict = verdict.min(cx.clause(clause));
        }
    }
    SiteScreen {
        verdict,
        units: vec![Touch {
            unit,
            area_m2: area,
            length_m: length,
        }],
    }
}
