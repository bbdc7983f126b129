//! Feature layers (rivers, drinking-water protection zones, parks, basins) and the spatial
//! questions conditions ask of them: `distance(layer)`, `within(layer)`, `intersects(layer)`.

use geo::{
    BoundingRect, Coord, CoordsIter, Covers, Geometry, Intersects, LinesIter, MapCoords, Rect,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::measure::{LocalPlane, geodesic_distance, widen_by_metres};

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// One feature of a layer: its display name (from the layer's name property) and geometry.
#[derive(Debug, Clone)]
pub struct Feature {
    pub name: String,
    pub geometry: Geometry<f64>,
}

/// The nearest feature of a layer to a project, and how far it is.
#[derive(Debug, Clone, PartialEq)]
pub struct NearestFeature {
    pub feature: u32,
    /// Geodesic metres between the closest points of the project and the feature (0 when
    /// they intersect).
    pub distance_m: f64,
    /// The closest point on the feature (lon/lat), for maps and evidence.
    pub at: Coord<f64>,
}

/// A bulk-built index over one layer's features.
#[derive(Debug, Clone)]
pub struct FeatureLayer {
    features: Vec<Feature>,
    tree: RTree<BoxEntry>,
}

impl FeatureLayer {
    pub fn build(features: Vec<Feature>) -> Self {
        let boxes: Vec<Rect<f64>> = features
            .iter()
            .map(|f| {
                f.geometry.bounding_rect().unwrap_or_else(|| {
                    Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 })
                })
            })
            .collect();
        let entries = boxes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                Some(BoxEntry::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    u32::try_from(i).ok()?,
                ))
            })
            .collect();
        FeatureLayer {
            features,

            tree: RTree::bulk_load(entries),
        }
    }

    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// Features whose bounding box meets the rectangle `[min, max]`, ascending.
    fn ids_in(&self, min: Coord<f64>, max: Coord<f64>) -> Vec<u32> {
        let env = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        let mut ids: Vec<u32> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        ids.sort_unstable();
        ids
    }

    fn candidates(&self, g: &Geometry<f64>) -> Vec<u32> {
        g.bounding_rect()
            .map_or_else(Vec::new, |r| self.ids_in(r.min(), r.max()))
    }

    /// Does any feature's bounding box meet the rectangle `[min, max]`?
    pub fn any_box_in(&self, min: Coord<f64>, max: Coord<f64>) -> bool {
        let env = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        self.tree
            .locate_in_envelope_intersecting(&env)
            .next()
            .is_some()
    }

    /// Does any feature touch the geometry (boundary contact included)?
    pub fn intersects(&self, g: &Geometry<f64>) -> Option<u32> {
        self.candidates(g).into_iter().find(|&i| {
            self.features
                .get(i as usize)
                .is_some_and(|f| f.geometry.intersects(g))
        })
    }

    /// Is the geometry wholly inside one feature (boundary counts as inside)?
    pub fn covering(&self, g: &Geometry<f64>) -> Option<u32> {
        self.candidates(g).into_iter().find(|&i| {
            self.features
                .get(i as usize)
                .is_some_and(|f| f.geometry.covers(g))
        })
    }

    /// The feature nearest to the geometry, by geodesic distance; `None` for an empty layer.
    ///
    /// # Runtime
    /// O(log n + k·v·w): a few nearest boxes from the R-tree give a first distance d; every
    /// feature whose box lies within d of the project (a window made conservatively wide in
    /// degrees) is then measured exactly, each costing O(v·w) for v feature and w project
    /// vertices. Layers of thousands of features cost about as much as layers of a few.
    pub fn nearest(&self, g: &Geometry<f64>) -> Option<NearestFeature> {
        if let Geometry::Point(p) = g {
            return self.nearest_to_point(p.0);
        }
        let origin = g.coords_iter().next()?;
        if let Some(i) = self.intersects(g) {
            return Some(NearestFeature {
                feature: i,
                distance_m: 0.0,
                at: origin,
            });
        }
        let plane = LocalPlane::new(origin);
        let project = g.map_coords(|c| plane.forward(c));
        let gbox = g.bounding_rect()?;
        let measure = |i: u32| -> Option<(f64, Coord<f64>, Coord<f64>, u32)> {
            let f = self.features.get(i as usize)?;
            let fg = f.geometry.map_coords(|c| plane.forward(c));
            closest_pair(&project, &fg).map(|(d, a, b)| (d, a, b, i))
        };
        let mut best: Option<Candidate> = None;
        let centre = [
            (gbox.min().x + gbox.max().x) / 2.0,
            (gbox.min().y + gbox.max().y) / 2.0,
        ];
        for e in self.tree.nearest_neighbor_iter(&centre).take(4) {
            consider(&mut best, measure(e.data));
        }
        let (d, ..) = best?;
        // Everything within d metres of the project lies in its box widened by d; a 1 % margin
        // covers the plane's own error.
        let (lo, hi) = widen_by_metres(gbox.min(), gbox.max(), d * 1.01 + 1.0);
        for i in self.ids_in(lo, hi) {
            consider(&mut best, measure(i));
        }
        Some(found(&plane, best?))
    }

    /// [`FeatureLayer::nearest`] for a point (what screening asks at every point): the same
    /// answer, found without copying any feature or allocating. Each feature's segments are
    /// projected into the point's local plane as they are read, and a feature met both among
    /// the nearest boxes and in the window is measured once.
    fn nearest_to_point(&self, p: Coord<f64>) -> Option<NearestFeature> {
        let env = AABB::from_point([p.x, p.y]);
        let touching = self.tree.locate_in_envelope_intersecting(&env);
        let hit = touching
            .map(|e| e.data)
            .filter(|&i| {
                self.features
                    .get(i as usize)
                    .is_some_and(|f| f.geometry.intersects(&p))
            })
            .min();
        if let Some(feature) = hit {
            return Some(NearestFeature {
                feature,
                distance_m: 0.0,
                at: p,
            });
        }
        let plane = LocalPlane::new(p);
        let origin = plane.forward(p);
        let measure = |i: u32| -> Option<Candidate> {
            let f = self.features.get(i as usize)?;
            let mut best: Option<(f64, Coord<f64>)> = None;
            for_each_segment(&f.geometry, &mut |a, b| {
                let c = closest_on_segment(origin, plane.forward(a), plane.forward(b));
                let d2 = (c.x - origin.x).powi(2) + (c.y - origin.y).powi(2);
                if best.is_none_or(|(bd, _)| d2 < bd) {
                    best = Some((d2, c));
                }
            });
            best.map(|(d2, c)| (d2.sqrt(), origin, c, i))
        };
        let mut best: Option<Candidate> = None;
        let mut first = [u32::MAX; 4];
        for (slot, e) in first
            .iter_mut()
            .zip(self.tree.nearest_neighbor_iter(&[p.x, p.y]))
        {
            *slot = e.data;
            consider(&mut best, measure(e.data));
        }
        let (d, ..) = best?;
        let (lo, hi) = widen_by_metres(p, p, d * 1.01 + 1.0);
        let window = AABB::from_corners([lo.x, lo.y], [hi.x, hi.y]);
        for e in self.tree.locate_in_envelope_intersecting(&window) {
            if !first.contains(&e.data) {
                consider(&mut best, measure(e.data));
            }
        }
        Some(found(&plane, best?))
    }
}

/// A measured feature: planar distance, the closest points of the project and of the feature,
/// the feature.
type Candidate = (f64, Coord<f64>, Coord<f64>, u32);

/// The nearest feature from the best candidate measured in `plane`: the geodesic distance
/// between its closest points, back in lon/lat.
fn found(plane: &LocalPlane, best: Candidate) -> NearestFeature {
    let (_, a, b, feature) = best;
    let (a, b) = (plane.inverse(a), plane.inverse(b));
    NearestFeature {
        feature,
        distance_m: geodesic_distance(a, b),
        at: b,
    }
}

/// Keeps the nearer of `best` and `c`; of two at the same distance, the lower feature id, so the
/// answer does not depend on the order features are measured in.
fn consider(best: &mut Option<Candidate>, c: Option<Candidate>) {
    if let Some(c) = c
        && best.is_none_or(|b| (c.0, c.3) < (b.0, b.3))
    {
        *best = Some(c);
    }
}

/// Closest pair of points between two non-intersecting planar geometries, with their distance.
/// The minimum distance between two segment sets is reached at a vertex of one of them, so it
/// suffices to project every vertex of each onto the other's segments.
fn closest_pair(a: &Geometry<f64>, b: &Geometry<f64>) -> Option<(f64, Coord<f64>, Coord<f64>)> {
    let (sa, sb) = (segments(a), segments(b));
    // (squared distance, point of a, point of b)
    let mut best: Option<(f64, Coord<f64>, Coord<f64>)> = None;
    let mut consider = |from: Coord<f64>, to: &[(Coord<f64>, Coord<f64>)], swap: bool| {
        for &(p, q) in to {
            let c = closest_on_segment(from, p, q);
            let d2 = (c.x - from.x).powi(2) + (c.y - from.y).powi(2);
            if best.is_none_or(|(bd, ..)| d2 < bd) {
                best = Some(if swap { (d2, c, from) } else { (d2, from, c) });
            }
        }
    };
    for c in a.coords_iter() {
        consider(c, &sb, false);
    }
    for c in b.coords_iter() {
        consider(c, &sa, true);
    }
    best.map(|(d2, p, q)| (d2.sqrt(), p, q))
}

/// The point of segment `p`–`q` nearest to `c` (`p` when the segment is a point).
fn closest_on_segment(c: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> Coord<f64> {
    let (dx, dy) = (q.x - p.x, q.y - p.y);
    let len2 = dx * dx + dy * dy;
    if len2.is_nan() || len2 <= 0.0 {
        return p;
    }
    let t = (((c.x - p.x) * dx + (c.y - p.y) * dy) / len2).clamp(0.0, 1.0);
    if t >= 1.0 {
        // Exactly the end vertex, as the general path's vertex-to-segment pass measures it.
        return q;
    }
    Coord {
        x: p.x + t * dx,
        y: p.y + t * dy,
    }
}

/// A geometry's segments; a point is a segment of length zero.
fn segments(g: &Geometry<f64>) -> Vec<(Coord<f64>, Coord<f64>)> {
    let mut out = Vec::new();
    for_each_segment(g, &mut |a, b| out.push((a, b)));
    out
}

/// Calls `f` with each segment of `g` in order (a point is a segment of length zero), without
/// allocating.
fn for_each_segment(g: &Geometry<f64>, f: &mut impl FnMut(Coord<f64>, Coord<f64>)) {
    fn lines(f: &mut impl FnMut(Coord<f64>, Coord<f64>), it: impl Iterator<Item = geo::Line<f64>>) {
        it.for_each(|l| f(l.start, l.end));
    }
    match g {
        Geometry::Point(p) => f(p.0, p.0),
        Geometry::MultiPoint(mp) => mp.0.iter().for_each(|p| f(p.0, p.0)),
        Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| for_each_segment(g, f)),
        Geometry::Line(l) => lines(f, l.lines_iter()),
        Geometry::LineString(l) => lines(f, l.lines_iter()),
        Geometry::MultiLineString(l) => lines(f, l.lines_iter()),
        Geometry::Polygon(p) => lines(f, p.lines_iter()),
        Geometry::MultiPolygon(p) => lines(f, p.lines_iter()),
        Geometry::Rect(r) => lines(f, r.lines_iter()),
        Geometry::Triangle(t) => lines(f, t.lines_iter()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Point, point};

    fn river() -> FeatureLayer {
        let line = LineString::from(vec![(118.70, 32.00), (118.70, 32.20)]);
        FeatureLayer::build(vec![Feature {
            name: "river".into(),
            geometry: Geometry::LineString(line),
        }])
    }

    #[test]
    fn distance_from_a_point_is_the_geodesic_distance_to_the_nearest_point_of_the_line() {
        let p = Geometry::Point(point!(x: 118.71, y: 32.10));
        let d = river().nearest(&p).map_or(f64::NAN, |n| n.distance_m);
        let expected = geodesic_distance(
            Coord {
                x: 118.71,
                y: 32.10,
            },
            Coord {
                x: 118.70,
                y: 32.10,
            },
        );
        assert!((d - expected).abs() < 0.05, "{d} vs {expected}");
        assert!((d - 944.0).abs() < 2.0);
    }

    /// The plane only picks the closest pair; the distance reported is geodesic. Compare with a
    /// brute-force geodesic minimum over a densely sampled oblique line.
    #[test]
    fn nearest_distance_matches_a_dense_geodesic_search_within_ten_centimetres() {
        let (a, b) = (
            Coord {
                x: 118.60,
                y: 32.00,
            },
            Coord {
                x: 118.95,
                y: 32.30,
            },
        );
        let layer = FeatureLayer::build(vec![Feature {
            name: "oblique".into(),
            geometry: Geometry::LineString(LineString::from(vec![a, b])),
        }]);
        for p in [
            Coord {
                x: 118.70,
                y: 32.20,
            },
            Coord {
                x: 118.90,
                y: 32.05,
            },
            Coord {
                x: 118.62,
                y: 31.95,
            },
        ] {
            let got = layer
                .nearest(&Geometry::Point(Point(p)))
                .map(|n| n.distance_m)
                .unwrap_or(f64::NAN);
            let n = 200_000;
            let brute = (0..=n)
                .map(|i| {
                    let t = f64::from(i) / f64::from(n);
                    geodesic_distance(
                        p,
                        Coord {
                            x: a.x + t * (b.x - a.x),
                            y: a.y + t * (b.y - a.y),
                        },
                    )
                })
                .fold(f64::INFINITY, f64::min);
            assert!((got - brute).abs() < 0.1, "{got} vs {brute}");
        }
    }

    /// Screening asks for the nearest feature to a point through its own path; it must give
    /// the general path's answer (the same point as a one-point MultiPoint) exactly, feature
    /// and closest point included, inside features, on their edges and away from them.
    #[test]
    fn the_point_path_gives_the_general_answer() {
        let square = |x: f64, y: f64, r: f64| {
            Geometry::Polygon(geo::Polygon::new(
                LineString::from(vec![(x, y), (x + r, y), (x + r, y + r), (x, y + r), (x, y)]),
                vec![],
            ))
        };
        let geometries = vec![
            square(118.70, 32.00, 0.05),
            // Shares an edge with the first: points on it touch both.
            square(118.75, 32.00, 0.05),
            Geometry::LineString(LineString::from(vec![
                (118.60, 32.10),
                (118.68, 32.14),
                (118.90, 32.12),
            ])),
            Geometry::Point(point!(x: 118.66, y: 31.95)),
            Geometry::MultiPolygon(geo::MultiPolygon(vec![
                geo::Polygon::new(
                    LineString::from(vec![(118.9, 31.9), (119.0, 31.9), (118.95, 32.0)]),
                    vec![],
                ),
                geo::Polygon::new(
                    LineString::from(vec![(118.5, 31.9), (118.55, 31.9), (118.5, 31.95)]),
                    vec![],
                ),
            ])),
        ];
        // Long diagonals whose boxes cover the whole area: the nearest boxes are theirs, so the
        // nearest feature is often found only in the window measured after them.
        let diagonals = (0..5).map(|k| {
            let dx = 0.01 * f64::from(k);
            Geometry::LineString(LineString::from(vec![
                (118.40 + dx, 31.80),
                (119.10 + dx, 32.30),
            ]))
        });
        let layer = FeatureLayer::build(
            geometries
                .into_iter()
                .chain(diagonals)
                .map(|geometry| Feature {
                    name: "f".into(),
                    geometry,
                })
                .collect(),
        );
        let mut checked = 0;
        for i in 0..=60 {
            for j in 0..=40 {
                let p = Coord {
                    x: 118.45 + 0.01 * f64::from(i),
                    y: 31.85 + 0.01 * f64::from(j),
                };
                let general = layer.nearest(&Geometry::MultiPoint(vec![Point(p)].into()));
                assert_eq!(layer.nearest(&Geometry::Point(Point(p))), general, "{p:?}");
                checked += usize::from(general.is_some_and(|n| n.distance_m > 0.0));
            }
        }
        assert!(checked > 1000, "most points lie outside every feature");
    }

    #[test]
    fn a_geometry_crossing_the_layer_is_at_distance_zero() {
        let l = Geometry::LineString(LineString::from(vec![(118.69, 32.1), (118.71, 32.1)]));
        assert_eq!(river().nearest(&l).map(|n| n.distance_m), Some(0.0));
    }

    #[test]
    fn an_empty_layer_has_no_nearest_feature() {
        let empty = FeatureLayer::build(Vec::new());
        assert!(
            empty
                .nearest(&Geometry::Point(point!(x: 118.0, y: 32.0)))
                .is_none()
        );
    }
}
