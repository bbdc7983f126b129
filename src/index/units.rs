//! The control-unit polygons and the question "which units does this geometry touch".

use geo::{
    BooleanOps, BoundingRect, Coord, Geodesic, Geometry, Intersects, Length, LineString,
    MultiLineString, MultiPolygon, Polygon, Rect,
};

use super::clip::{length_inside_any, lines_inside};
use super::grid::{GridError, UnitGrid};
use super::polygons::UnitPolygons;

/// One unit a project touches, with how much of the project lies in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    /// The unit's index in the rule set.
    pub unit: u32,
    /// Area of the project inside the unit, m² on the ellipsoid (polygon projects).
    pub area_m2: Option<f64>,
    /// Length of the project inside the unit, m on the ellipsoid (line projects).
    pub length_m: Option<f64>,
}

/// Bulk-built, immutable index over the unit polygons: an exact cell grid ([`UnitGrid`]) answers
/// point queries and finds candidate units for lines and polygons; the polygons themselves are
/// kept in a compact flat store ([`UnitPolygons`]) for exact overlays.
#[derive(Debug, Clone)]
pub struct UnitIndex {
    grid: UnitGrid,
    polygons: UnitPolygons,
}

impl UnitIndex {
    /// Builds the index; `geoms[i]` is unit `i`.
    ///
    /// # Runtime
    /// O(v log v) in the total number of vertices v (the grid subdivides cells until each holds
    /// few edges): about 4 s for the 4.4 M vertices of the national set.
    pub fn build(geoms: &[MultiPolygon<f64>]) -> Self {
        UnitIndex {
            grid: UnitGrid::build(geoms),
            polygons: UnitPolygons::new(geoms),
        }
    }

    /// Reassembles an index from its serialised polygons and grid (a snapshot).
    ///
    /// # Errors
    /// Either part is truncated, corrupt or of another version, or they disagree on the number
    /// of units.
    pub fn from_bytes(polygon_bytes: &[u8], grid_bytes: &[u8]) -> Result<Self, GridError> {
        let polygons = UnitPolygons::from_bytes(polygon_bytes)
            .ok_or(GridError::Corrupt("the unit polygons are malformed"))?;
        Self::from_parts(polygons, UnitGrid::from_bytes(grid_bytes)?)
    }

    /// An index of polygons and a validated grid read apart (a snapshot streamed from its
    /// file).
    ///
    /// # Errors
    /// They disagree on the number of units.
    pub fn from_parts(polygons: UnitPolygons, grid: UnitGrid) -> Result<Self, GridError> {
        if grid.n_units() != polygons.len() {
            return Err(GridError::Corrupt(
                "grid was built for a different number of units",
            ));
        }
        Ok(UnitIndex { grid, polygons })
    }

    /// The polygons serialised, for snapshots.
    pub fn polygon_bytes(&self) -> Vec<u8> {
        self.polygons.to_bytes()
    }

    /// The grid serialised, for snapshots.
    pub fn grid_bytes(&self) -> Vec<u8> {
        self.grid.to_bytes()
    }

    /// Approximate heap memory of the index, bytes.
    pub fn heap_bytes(&self) -> usize {
        self.grid.heap_bytes() + self.polygons.heap_bytes()
    }

    pub fn len(&self) -> usize {
        self.polygons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }

    /// Unit `unit`'s polygons, built from the compact store.
    ///
    /// # Runtime
    /// O(v) in the unit's vertices (an allocation per ring).
    pub fn geometry(&self, unit: u32) -> Option<MultiPolygon<f64>> {
        self.polygons.unit(unit as usize)
    }

    fn candidates(&self, r: Rect<f64>) -> Vec<u32> {
        let mut out = Vec::new();
        self.grid.candidates_in_rect(r.min(), r.max(), &mut out);
        out
    }

    /// Units whose closed polygon contains the point (boundary counts as inside), ascending.
    /// Non-finite coordinates are inside nothing.
    ///
    /// # Runtime
    /// O(1) expected: one or two cell lookups, then a crossing count over the few edges stored
    /// in the point's cell (about 35 ns away from boundaries, a few hundred near them; see
    /// BENCHMARKS.md).
    pub fn locate_point(&self, p: geo::Coord<f64>, out: &mut Vec<u32>) {
        self.grid.locate(p.x, p.y, out);
    }

    /// [`UnitIndex::locate_point`] for many points at once: the units of point `i` are
    /// `out[ends[i - 1]..ends[i]]` (from 0 for the first). Faster per point than one call each
    /// when the points are scattered, because the cache misses of neighbouring points overlap
    /// (see [`crate::index::grid::UnitGrid::locate_many`]).
    pub fn locate_points(
        &self,
        pts: &[geo::Coord<f64>],
        out: &mut Vec<u32>,
        ends: &mut Vec<usize>,
    ) {
        self.grid.locate_many(pts, out, ends);
    }

    /// The unit whose interior holds the whole rectangle `[min, max]`, when the point grid
    /// proves it; `None` proves nothing ([`crate::index::grid::UnitGrid::unit_containing_rect`]).
    pub fn grid_unit_containing_rect(
        &self,
        min: geo::Coord<f64>,
        max: geo::Coord<f64>,
    ) -> Option<u32> {
        self.grid.unit_containing_rect(min, max)
    }

    /// Units whose bounding box meets the rectangle `[min, max]`, ascending, appended to `out`
    /// (a superset of the units in it: confirm exactly).
    ///
    /// # Runtime
    /// O(cells covered + k log k) for k candidates.
    pub fn candidates_in_rect(
        &self,
        min: geo::Coord<f64>,
        max: geo::Coord<f64>,
        out: &mut Vec<u32>,
    ) {
        self.grid.candidates_in_rect(min, max, out);
    }

    /// Every unit the geometry touches (boundary contact included), ascending by unit, with the
    /// overlap area (polygons) or length (lines) measured on the ellipsoid.
    ///
    /// # Runtime
    /// O(log n + k·(v + w)·log(v + w)) for k candidate units of v vertices and a project of w
    /// vertices: an exact overlay per touched unit for polygons; for lines, each unit's edges
    /// near the line cut every segment (`clip::lines_inside`, O(v + w·e)).
    pub fn touching(&self, g: &Geometry<f64>) -> Vec<Touch> {
        let Some(r) = g.bounding_rect() else {
            return Vec::new();
        };
        let polygons = polygonal(g);
        let lines = linear(g);
        if let Some(unit) = self.grid.unit_containing_rect(r.min(), r.max()) {
            // The grid proves the whole box lies in the interior of one unit: the project is
            // inside it and touches no other, so its overlap is all of it.
            return vec![Touch {
                unit,
                area_m2: polygons.as_ref().map(geodesic_area),
                length_m: lines.as_ref().map(geodesic_length),
            }];
        }
        let ids = self.candidates(r);
        let pad = 0.01 * r.width().max(r.height()) + 1e-6;
        let window = Rect::new(
            Coord {
                x: r.min().x - pad,
                y: r.min().y - pad,
            },
            Coord {
                x: r.max().x + pad,
                y: r.max().y + pad,
            },
        );
        ids.into_iter()
            .filter_map(|unit| {
                let ug = self.polygons.unit(unit as usize)?;
                if !ug.intersects(g) {
                    return None;
                }
                // The polygon overlay needs only the part of the unit around the project: cut to
                // the project's box (widened), the unit is a few dozen vertices instead of
                // thousands. Whether it touches at all was decided above, on the whole unit.
                let area_m2 = polygons
                    .as_ref()
                    .map(|p| geodesic_area(&p.intersection(&clip_to_rect(&ug, &window))));
                // Lines are cut with exact predicates, against the whole unit (see `clip`).
                let length_m = lines
                    .as_ref()
                    .map(|l| Geodesic.length(&lines_inside(&ug, l)));
                Some(Touch {
                    unit,
                    area_m2,
                    length_m,
                })
            })
            .collect()
    }

    /// Length (m, on the ellipsoid) of the linear part of `g` inside at least one of the units
    /// `touches` lists: what a line's coverage is checked against. Their own lengths may count
    /// a part running along an edge two of them share once in each; this counts it once, so a
    /// part outside every unit is never made up for by such a part.
    pub fn line_length_covered(&self, g: &Geometry<f64>, touches: &[Touch]) -> f64 {
        if let [only] = touches {
            return only.length_m.unwrap_or(0.0);
        }
        let Some(lines) = linear(g) else {
            return 0.0;
        };
        let units: Vec<MultiPolygon<f64>> = touches
            .iter()
            .filter_map(|t| self.polygons.unit(t.unit as usize))
            .collect();
        length_inside_any(&units.iter().collect::<Vec<_>>(), &lines)
    }
}

/// The polygonal part of a geometry, if it has one.
pub fn polygonal(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Rect(r) => Some(MultiPolygon(vec![r.to_polygon()])),
        _ => None,
    }
}

/// The linear part of a geometry, if it has one.
pub fn linear(g: &Geometry<f64>) -> Option<MultiLineString<f64>> {
    match g {
        Geometry::LineString(l) => Some(MultiLineString(vec![l.clone()])),
        Geometry::MultiLineString(m) => Some(m.clone()),
        Geometry::Line(l) => Some(MultiLineString(vec![LineString::from(vec![
            l.start, l.end,
        ])])),
        _ => None,
    }
}

/// WGS84 / CGCS2000 semi-major axis (m) and first eccentricity.
const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;

/// The authalic function q(φ): the area between the equator and latitude φ over one radian of
/// longitude is a²(1−e²)/2 · q(φ).
fn authalic_q(phi: f64) -> f64 {
    let e2 = F * (2.0 - F);
    let e = e2.sqrt();
    let s = phi.sin();
    s / (1.0 - e2 * s * s) - (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln()
}

/// Twice the signed area of a ring, in units of a²(1−e²)/2, for edges that are straight in
/// longitude/latitude (as GeoJSON draws them, RFC 7946): Σ ∫ q(φ(λ)) dλ along each edge, by
/// Simpson's rule on sub-edges of at most 0.01° of latitude (exact to ~1e-12 for the smooth q).
fn ring_area_units(ring: &LineString<f64>) -> f64 {
    ring.lines()
        .map(|l| {
            let (l1, p1) = (l.start.x.to_radians(), l.start.y.to_radians());
            let (l2, p2) = (l.end.x.to_radians(), l.end.y.to_radians());
            if l1 == l2 {
                return 0.0;
            }
            let steps = ((l.end.y - l.start.y).abs() / 0.01).ceil().max(1.0);
            let n = steps as usize;
            let dl = (l2 - l1) / steps;
            let dp = (p2 - p1) / steps;
            (0..n)
                .map(|k| {
                    let a = p1 + dp * k as f64;
                    let b = a + dp;
                    dl * (authalic_q(a) + 4.0 * authalic_q((a + b) / 2.0) + authalic_q(b)) / 6.0
                })
                .sum::<f64>()
        })
        .sum()
}

/// Area of a polygonal geometry on the WGS84 ellipsoid, m², with edges straight in
/// longitude/latitude as drawn (RFC 7946) — the same edges the overlay cuts, so the overlaps of
/// a site add up to the site. Orientation-free: each ring's area is taken by magnitude, holes
/// subtracted. Exact up to the quadrature (~1e-12 relative); O(v).
pub fn geodesic_area(p: &MultiPolygon<f64>) -> f64 {
    let k = A * A * (1.0 - F * (2.0 - F)) / 2.0;
    p.0.iter()
        .map(|poly| {
            let outer = ring_area_units(poly.exterior()).abs();
            let holes: f64 = poly
                .interiors()
                .iter()
                .map(|r| ring_area_units(r).abs())
                .sum();
            k * (outer - holes).max(0.0)
        })
        .sum()
}

/// Length of a linear geometry on the ellipsoid, m.
pub fn geodesic_length(l: &MultiLineString<f64>) -> f64 {
    Geodesic.length(l)
}

/// The part of `mp` inside the rectangle (Sutherland–Hodgman on every ring). Exact where the
/// rings lie inside the rectangle; where they leave it, the cut runs along its sides. Meant for
/// overlays with a geometry well inside the rectangle, whose result it does not change.
pub fn clip_to_rect(mp: &MultiPolygon<f64>, r: &Rect<f64>) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>| -> Option<LineString<f64>> {
        let mut pts: Vec<Coord<f64>> = ls.0.clone();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        // (axis, bound, keep the side above the bound)
        let sides = [
            (0, r.min().x, true),
            (0, r.max().x, false),
            (1, r.min().y, true),
            (1, r.max().y, false),
        ];
        for (axis, bound, above) in sides {
            let value = |c: &Coord<f64>| if axis == 0 { c.x } else { c.y };
            let inside = |c: &Coord<f64>| {
                if above {
                    value(c) >= bound
                } else {
                    value(c) <= bound
                }
            };
            let cut = |a: &Coord<f64>, b: &Coord<f64>| {
                let t = (bound - value(a)) / (value(b) - value(a));
                if axis == 0 {
                    Coord {
                        x: bound,
                        y: a.y + t * (b.y - a.y),
                    }
                } else {
                    Coord {
                        x: a.x + t * (b.x - a.x),
                        y: bound,
                    }
                }
            };
            let mut out = Vec::with_capacity(pts.len() + 4);
            for (i, b) in pts.iter().enumerate() {
                let a = &pts[(i + pts.len() - 1) % pts.len()];
                match (inside(a), inside(b)) {
                    (true, true) => out.push(*b),
                    (true, false) => out.push(cut(a, b)),
                    (false, true) => {
                        out.push(cut(a, b));
                        out.push(*b);
                    }
                    (false, false) => {}
                }
            }
            pts = out;
            if pts.is_empty() {
                return None;
            }
        }
        if pts.len() < 3 {
            return None;
        }
        pts.push(pts[0]);
        Some(LineString(pts))
    };
    MultiPolygon(
        mp.0.iter()
            .filter_map(|p| {
                let exterior = ring(p.exterior())?;
                let holes = p.interiors().iter().filter_map(ring).collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect(),
    )
}
