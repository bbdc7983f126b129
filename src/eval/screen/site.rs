//! Screening a project at its own location, lines and polygons included: the verdict and the
//! units it touches, without evidence. A site the grid proves to lie inside one unit is
//! screened with that unit's hints (its overlap is all of it); a site across boundaries gets
//! its units from the exact overlay and measures what the feature boxes cannot settle; a site
//! with a declared positional accuracy goes through the report path.

use geo::{BoundingRect, Geometry};

use super::{
    ClauseMemo, Cx, Scratch, Screener, Site, clauses_of, decide, screen_located, screen_point,
};
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
    scratch.facts.reset(&rules.programs);
    let g = &project.location;
    if let Geometry::Point(p) = g {
        scratch.units.clear();
        rules.locate_point(p.x(), p.y(), &mut scratch.units);
        let verdict = if project.accuracy_m > 0.0 {
            screen_point(rules, project, p.x(), p.y(), scratch)
        } else {
            screen_located(rules, project, p.0, scratch)
        };
        return SiteScreen {
            verdict,
            units: point_touches(&scratch.units),
        };
    }
    let Some(shape) = Shape::of(rules, g, project.accuracy_m) else {
        let units = rules.unit_index.touching(g);
        return SiteScreen {
            verdict: crate::eval::evaluate_touching(rules, project, units.clone()).verdict,
            units,
        };
    };
    if shape.units.is_empty() {
        // Outside every unit: nothing applies and a person must decide, as the report says.
        return SiteScreen {
            verdict: Outcome::NeedsReview,
            units: shape.units,
        };
    }
    let hinted: Vec<u32> = shape.proven.into_iter().collect();
    scratch.distances.clear();
    scratch.distances.resize(rules.layers.len(), f64::NAN);
    let mut cx = Cx::new(
        rules,
        project,
        Some(shape.site()),
        &hinted,
        &mut scratch.distances,
        &mut scratch.facts,
    );
    let bodies = scratch.merged.of(rules, shape.units.iter().map(|t| t.unit));
    let verdict = decide(&mut cx, shape.base_verdict(), &[bodies]);
    SiteScreen {
        verdict,
        units: shape.units,
    }
}

/// The units a point lies in, as touches (a point has no overlap to measure).
fn point_touches(units: &[u32]) -> Vec<Touch> {
    units
        .iter()
        .map(|&unit| Touch {
            unit,
            area_m2: None,
            length_m: None,
        })
        .collect()
}

/// A line or polygon site ready to be screened directly: its box, area or length, the unit the
/// grid proves it lies in (if any) and the units it touches with their overlaps.
struct Shape<'g> {
    geometry: &'g Geometry<f64>,
    bbox: geo::Rect<f64>,
    area: Option<f64>,
    /// The unit whose hints may be used: the site lies in its interior.
    proven: Option<u32>,
    units: Vec<Touch>,
    /// Part of the site lies outside every unit (the report's coverage note: needs review).
    outside: bool,
}

impl<'g> Shape<'g> {
    /// `None` for a site the report path must screen: not a (multi)line or (multi)polygon, or
    /// with a declared positional accuracy.
    fn of(rules: &RuleSet, g: &'g Geometry<f64>, accuracy_m: f64) -> Option<Self> {
        let shaped = matches!(
            g,
            Geometry::Polygon(_)
                | Geometry::MultiPolygon(_)
                | Geometry::LineString(_)
                | Geometry::MultiLineString(_)
        );
        if !shaped || accuracy_m != 0.0 {
            return None;
        }
        let bbox = g.bounding_rect()?;
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
        let shortfall = |total: Option<f64>, inside: &dyn Fn(&Touch) -> Option<f64>| {
            total.filter(|t| *t > 0.0).map(|t| {
                units.iter().filter_map(inside).sum::<f64>() < t * (1.0 - COVERAGE_TOLERANCE)
            })
        };
        let outside = shortfall(area, &|t| t.area_m2)
            .or_else(|| {
                length.filter(|t| *t > 0.0).map(|t| {
                    rules.unit_index.line_length_covered(g, &units) < t * (1.0 - COVERAGE_TOLERANCE)
                })
            })
            .unwrap_or(false);
        Some(Shape {
            geometry: g,
            bbox,
            area,
            proven,
            units,
            outside,
        })
    }

    fn site(&self) -> Site<'g> {
        Site::Shape {
            geometry: self.geometry,
            area: self.area,
            bbox: self.bbox,
        }
    }

    /// The clauses of the touched units, ascending, into `out` (cleared first).
    fn clauses(&self, rules: &RuleSet, out: &mut Vec<u32>) {
        clauses_of(rules, self.units.iter().map(|t| t.unit), out);
    }

    /// The verdict before any clause: needs review when part of the site is outside the units.
    fn base_verdict(&self) -> Outcome {
        if self.outside {
            Outcome::NeedsReview
        } else {
            Outcome::Satisfied
        }
    }
}

impl Screener<'_> {
    /// [`screen_project`] for this screener's project placed at `location` (its own location
    /// ignored): the same verdict, units and overlaps. Clauses the project's facts decide
    /// anywhere, and measuring clauses the hints decide in the unit a site is proven to lie in,
    /// are taken from the screener's memos; a clause that read the site area is evaluated again
    /// (a point has none).
    pub fn screen_site(&mut self, location: &Geometry<f64>) -> SiteScreen {
        let (rules, project) = (self.rules, self.project);
        if let Geometry::Point(p) = location {
            let mut units = Vec::new();
            rules.locate_point(p.x(), p.y(), &mut units);
            let verdict = if project.accuracy_m > 0.0 {
                self.screen(p.x(), p.y())
            } else {
                self.screen_in(&units, p.0)
            };
            return SiteScreen {
                verdict,
                units: point_touches(&units),
            };
        }
        let Some(shape) = Shape::of(rules, location, project.accuracy_m) else {
            let mut at = project.clone();
            at.location = location.clone();
            return screen_project(rules, &at, &mut self.scratch);
        };
        if shape.units.is_empty() {
            return SiteScreen {
                verdict: Outcome::NeedsReview,
                units: shape.units,
            };
        }
        let mut clauses = std::mem::take(&mut self.scratch.clauses);
        shape.clauses(rules, &mut clauses);
        let mut distances = std::mem::take(&mut self.scratch.distances);
        distances.clear();
        distances.resize(rules.layers.len(), f64::NAN);
        let hinted: Vec<u32> = shape.proven.into_iter().collect();
        let far = shape
            .proven
            .and_then(|u| rules.hints.far.get(u as usize).copied());
        let mut verdict = shape.base_verdict();
        for &c in &clauses {
            let Some(&b) = rules.clause_body.get(c as usize) else {
                continue;
            };
            let known = match self.clause_memo(b) {
                ClauseMemo::Decided(o) => Some(o),
                ClauseMemo::Located(slot) => match (shape.proven, far) {
                    (Some(u), Some(far)) => match self.located_in(slot, b, u, far) {
                        Some((o, false)) => Some(o),
                        _ => None,
                    },
                    _ => None,
                },
                ClauseMemo::DecidedAtPoints(_) | ClauseMemo::Unseen => None,
            };
            let outcome = match known {
                Some(o) => o,
                None => {
                    let mut cx = Cx::new(
                        rules,
                        project,
                        Some(shape.site()),
                        &hinted,
                        &mut distances,
                        &mut self.scratch.facts,
                    );
                    let Some(outcome) = cx.body(b) else {
                        continue;
                    };
                    outcome
                }
            };
            verdict = verdict.min(outcome);
        }
        self.scratch.clauses = clauses;
        self.scratch.distances = distances;
        SiteScreen {
            verdict,
            units: shape.units,
        }
    }
}
