//! What the HTML report's map needs, gathered from the rule set and the project.
//!
//! The [`Assessment`] carries no geometry (it is the answer, not the inputs), so this separate
//! step reads the project's location, the polygons of the units around it and the features of
//! every layer an applicable clause measures against, and frames a view. Everything stays in
//! lon/lat; the renderer projects it. Geometry is simplified to about half a pixel of the
//! drawing and clipped to the view, so a report stays small whatever the size of the units.

use std::collections::BTreeMap;

use geo::{
    BooleanOps, BoundingRect, Closest, ClosestPoint, Coord, Geometry, Intersects, LineString,
    MapCoords, MultiLineString, MultiPolygon, Point, Polygon, Rect, Simplify,
};

use crate::compile::{CondKind, LayerId, NumKind, RuleSet, UnitType};
use crate::eval::condition::Context;
use crate::eval::{Assessment, Project};
use crate::index::measure::LocalPlane;

/// Width of the map drawing in SVG pixels; the renderer draws at this size.
pub const MAP_WIDTH_PX: f64 = 1000.0;
/// Height of the map drawing in SVG pixels (the legend comes below it).
pub const MAP_HEIGHT_PX: f64 = 620.0;

/// The smallest side of the view, metres: a point project still shows its surroundings.
const MIN_VIEW_M: f64 = 2000.0;
/// Margin around what must be seen, as a share of its extent.
const PAD: f64 = 0.15;
/// A measured feature is framed when it is no farther than this many times the largest
/// threshold a clause compares its distance with, or than [`NEAR_M`].
const FRAME_FACTOR: f64 = 2.0;
const NEAR_M: f64 = 1000.0;

/// A control unit as drawn: clipped to the view and simplified.
#[derive(Debug, Clone)]
pub struct MapUnit {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    /// The project touches it (it is in the report's units table); others are context.
    pub touched: bool,
    pub shape: MultiPolygon<f64>,
}

/// A feature of a layer an applicable clause reads, clipped to the view.
#[derive(Debug, Clone)]
pub struct MapFeature {
    pub layer: String,
    pub name: String,
    pub geometry: Geometry<f64>,
}

/// How a clause reads a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Probe {
    /// `distance(layer)` in a comparison.
    Distance,
    /// `within(layer)` or `intersects(layer)`.
    Contact,
}

/// The nearest feature of a layer to the project, as measured for the clauses.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub layer: String,
    pub feature: String,
    pub probe: Probe,
    /// Geodesic metres, as the evaluation measured them (0 when they touch).
    pub distance_m: f64,
    /// The closest point of the project to the feature, lon/lat.
    pub from: Coord<f64>,
    /// The closest point of the feature, lon/lat.
    pub to: Coord<f64>,
    /// The largest distance a clause compares with (0 for `within`/`intersects`).
    pub threshold_m: f64,
    /// The applicable clauses that read this layer.
    pub clauses: Vec<String>,
    /// Both ends lie in the view (the dimension line is drawn).
    pub in_view: bool,
}

/// Everything the map draws, in lon/lat.
#[derive(Debug, Clone)]
pub struct MapData {
    /// The view; its aspect in the local plane is `MAP_WIDTH_PX : MAP_HEIGHT_PX`.
    pub view: Rect<f64>,
    pub project: Geometry<f64>,
    /// Context units first, then touched ones (drawing order).
    pub units: Vec<MapUnit>,
    pub features: Vec<MapFeature>,
    /// Ordered by distance.
    pub measurements: Vec<Measurement>,
}

/// What the applicable clauses read of one layer.
#[derive(Default)]
struct LayerUse {
    probe: Option<Probe>,
    threshold_m: f64,
    clauses: Vec<String>,
}

fn num_layers(n: &crate::compile::Num, out: &mut Vec<LayerId>) {
    match &n.kind {
        NumKind::Distance(l) => out.push(*l),
        NumKind::Arith(a, _, b) => {
            num_layers(a, out);
            num_layers(b, out);
        }
        _ => {}
    }
}

/// The layers each applicable clause reads, keyed by layer.
fn layer_uses(rules: &RuleSet, assessment: &Assessment) -> BTreeMap<LayerId, LayerUse> {
    let mut uses: BTreeMap<LayerId, LayerUse> = BTreeMap::new();
    for result in &assessment.clauses {
        let Some(clause) = rules.clauses.iter().find(|c| c.id == result.id) else {
            continue;
        };
        for cond in clause.conditions() {
            cond.walk(&mut |c| {
                let mut read = Vec::new();
                let probe = match &c.kind {
                    CondKind::Compare { lhs, rhs, .. } => {
                        num_layers(lhs, &mut read);
                        num_layers(rhs, &mut read);
                        Probe::Distance
                    }
                    CondKind::Within(l) | CondKind::Intersects(l) => {
                        read.push(*l);
                        Probe::Contact
                    }
                    _ => return,
                };
                let threshold = c.distance_probe().map_or(0.0, |(_, t)| t);
                for l in read {
                    let u = uses.entry(l).or_default();
                    u.probe = Some(u.probe.map_or(probe, |p| p.min(probe)));
                    u.threshold_m = u.threshold_m.max(threshold);
                    if !u.clauses.contains(&result.id) {
                        u.clauses.push(result.id.clone());
                    }
                }
            });
        }
    }
    uses
}

/// The point of `g` closest to `target`, in the plane.
fn closest_on(g: &Geometry<f64>, target: Coord<f64>) -> Coord<f64> {
    match g.closest_point(&Point(target)) {
        Closest::Intersection(p) | Closest::SinglePoint(p) => p.0,
        Closest::Indeterminate => target,
    }
}

impl MapData {
    /// Gathers the map of one assessed project.
    ///
    /// # Runtime
    /// One nearest-feature search per layer the applicable clauses read (cached by the
    /// evaluation context), one overlay per unit in view (to clip it), and a linear pass over
    /// the features of those layers.
    pub fn gather(rules: &RuleSet, project: &Project, assessment: &Assessment) -> MapData {
        let location = project.location.clone();
        let center = location
            .bounding_rect()
            .map_or(Coord { x: 0.0, y: 0.0 }, |r| r.center());
        let plane = LocalPlane::new(center);
        let projected = location.map_coords(|c| plane.forward(c));

        let cx = Context::new(rules, project);
        let mut measurements = Vec::new();
        for (layer, use_) in layer_uses(rules, assessment) {
            let Some(l) = rules.layers.get(layer as usize) else {
                continue;
            };
            let Some(near) = cx.nearest(layer) else {
                continue;
            };
            let from = if near.distance_m > 0.0 {
                plane.inverse(closest_on(&projected, plane.forward(near.at)))
            } else {
                near.at
            };
            measurements.push(Measurement {
                layer: l.name.clone(),
                feature: l
                    .index
                    .features()
                    .get(near.feature as usize)
                    .map_or_else(String::new, |f| f.name.clone()),
                probe: use_.probe.unwrap_or(Probe::Contact),
                distance_m: near.distance_m,
                from,
                to: near.at,
                threshold_m: use_.threshold_m,
                clauses: use_.clauses,
                in_view: false,
            });
        }
        measurements.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));

        // Frame: the project, and every measured feature close enough to matter.
        let mut min = Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        };
        let mut max = Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        };
        let mut extend = |c: Coord<f64>| {
            min.x = min.x.min(c.x);
            min.y = min.y.min(c.y);
            max.x = max.x.max(c.x);
            max.y = max.y.max(c.y);
        };
        if let Some(r) = projected.bounding_rect() {
            extend(r.min());
            extend(r.max());
        }
        for m in &measurements {
            if m.distance_m > 0.0 && m.distance_m <= (FRAME_FACTOR * m.threshold_m).max(NEAR_M) {
                extend(plane.forward(m.from));
                extend(plane.forward(m.to));
            }
        }
        if !min.x.is_finite() {
            min = Coord { x: 0.0, y: 0.0 };
            max = min;
        }
        let aspect = MAP_WIDTH_PX / MAP_HEIGHT_PX;
        let mut w = ((max.x - min.x) * (1.0 + 2.0 * PAD)).max(MIN_VIEW_M);
        let mut h = ((max.y - min.y) * (1.0 + 2.0 * PAD)).max(MIN_VIEW_M / aspect);
        if w / h < aspect {
            w = h * aspect;
        } else {
            h = w / aspect;
        }
        let mid = Coord {
            x: (min.x + max.x) / 2.0,
            y: (min.y + max.y) / 2.0,
        };
        let view = Rect::new(
            plane.inverse(Coord {
                x: mid.x - w / 2.0,
                y: mid.y - h / 2.0,
            }),
            plane.inverse(Coord {
                x: mid.x + w / 2.0,
                y: mid.y + h / 2.0,
            }),
        );
        for m in &mut measurements {
            m.in_view = view.intersects(&m.from) && view.intersects(&m.to);
        }

        // Half a pixel, in degrees of latitude (the smaller degree): invisible when drawn.
        let tolerance = view.height() / MAP_HEIGHT_PX * 0.5;
        // Clip a little outside the view so clipped edges fall outside the drawing.
        let clip_rect = {
            let (dx, dy) = (view.width() * 0.02, view.height() * 0.02);
            Rect::new(
                Coord {
                    x: view.min().x - dx,
                    y: view.min().y - dy,
                },
                Coord {
                    x: view.max().x + dx,
                    y: view.max().y + dy,
                },
            )
            .to_polygon()
        };

        let touched: Vec<&str> = assessment.units.iter().map(|u| u.code.as_str()).collect();
        let mut units: Vec<MapUnit> = rules
            .unit_index
            .touching(&Geometry::Polygon(clip_rect.clone()))
            .into_iter()
            .filter_map(|t| {
                let info = rules.units.get(t.unit as usize)?;
                let shape = rules.unit_index.geometry(t.unit)?;
                let shape = clip_polygons(&shape.simplify(tolerance), &clip_rect);
                (!shape.0.is_empty()).then(|| MapUnit {
                    code: info.code.clone(),
                    name: info.name.clone(),
                    unit_type: info.unit_type,
                    touched: touched.contains(&info.code.as_str()),
                    shape,
                })
            })
            .collect();
        units.sort_by_key(|u| u.touched);

        let mut features = Vec::new();
        let mut seen_layers = Vec::new();
        for m in &measurements {
            if seen_layers.contains(&m.layer) {
                continue;
            }
            seen_layers.push(m.layer.clone());
            let Some(layer) = rules.layers.iter().find(|l| l.name == m.layer) else {
                continue;
            };
            for f in layer.index.features() {
                if f.geometry
                    .bounding_rect()
                    .is_none_or(|r| !r.intersects(&clip_rect))
                {
                    continue;
                }
                if let Some(g) = clip_geometry(&f.geometry, &clip_rect, tolerance) {
                    features.push(MapFeature {
                        layer: layer.name.clone(),
                        name: f.name.clone(),
                        geometry: g,
                    });
                }
            }
        }

        MapData {
            view,
            project: location,
            units,
            features,
            measurements,
        }
    }
}

fn clip_polygons(shape: &MultiPolygon<f64>, clip: &Polygon<f64>) -> MultiPolygon<f64> {
    let inside = shape
        .bounding_rect()
        .zip(clip.bounding_rect())
        .is_some_and(|(s, c)| {
            s.min().x >= c.min().x
                && s.min().y >= c.min().y
                && s.max().x <= c.max().x
                && s.max().y <= c.max().y
        });
    if inside {
        shape.clone()
    } else {
        shape.intersection(clip)
    }
}

/// A feature clipped to the view and simplified; `None` when nothing of it is in view.
fn clip_geometry(g: &Geometry<f64>, clip: &Polygon<f64>, tolerance: f64) -> Option<Geometry<f64>> {
    let lines = |mls: MultiLineString<f64>| {
        let clipped = clip.clip(&mls.simplify(tolerance), false);
        (!clipped.0.is_empty()).then_some(Geometry::MultiLineString(clipped))
    };
    let polys = |mp: MultiPolygon<f64>| {
        let clipped = clip_polygons(&mp.simplify(tolerance), clip);
        (!clipped.0.is_empty()).then_some(Geometry::MultiPolygon(clipped))
    };
    match g {
        Geometry::Point(p) => clip.intersects(p).then_some(Geometry::Point(*p)),
        Geometry::MultiPoint(mp) => {
            let kept: Vec<Point<f64>> =
                mp.0.iter()
                    .filter(|p| clip.intersects(*p))
                    .copied()
                    .collect();
            (!kept.is_empty()).then(|| Geometry::MultiPoint(kept.into()))
        }
        Geometry::LineString(l) => lines(MultiLineString(vec![l.clone()])),
        Geometry::Line(l) => lines(MultiLineString(vec![LineString(vec![l.start, l.end])])),
        Geometry::MultiLineString(m) => lines(m.clone()),
        Geometry::Polygon(p) => polys(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(m) => polys(m.clone()),
        Geometry::Rect(r) => polys(MultiPolygon(vec![r.to_polygon()])),
        Geometry::Triangle(t) => polys(MultiPolygon(vec![t.to_polygon()])),
        Geometry::GeometryCollection(gc) => {
            let parts: Vec<Geometry<f64>> =
                gc.0.iter()
                    .filter_map(|g| clip_geometry(g, clip, tolerance))
                    .collect();
            (!parts.is_empty()).then(|| Geometry::GeometryCollection(parts.into()))
        }
    }
}

/// Where the project's label goes (lon/lat): the point, a vertex in the middle of a line, or a
/// point inside the site.
pub fn project_anchor(g: &Geometry<f64>) -> Option<Coord<f64>> {
    use geo::InteriorPoint;
    match g {
        Geometry::LineString(l) => l.0.get(l.0.len() / 2).copied(),
        Geometry::MultiLineString(m) => {
            let l = m.0.first()?;
            l.0.get(l.0.len() / 2).copied()
        }
        _ => g.interior_point().map(|p| p.0),
    }
}
