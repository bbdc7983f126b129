//! Positional uncertainty: which spatial answers a shift of the site by up to its declared
//! accuracy could change.
//!
//! A project may declare `accuracy_m`: the true site may lie anywhere within that many metres of
//! the stated geometry (a point pasted from a web map, a GCJ-02 conversion). An answer that
//! some shifted copy of the site would change — which unit it lies in, whether it lies within a
//! layer, which side of a distance threshold it is on — is not stated with confidence; the
//! evaluation turns it into "needs review" and says why.
//!
//! The tests here are *sufficient* conditions for certainty, worked in a local plane around the
//! site (metres east/north; the distortion over a few kilometres is far below any accuracy a
//! user declares): when they fail, the answer is treated as uncertain, which errs towards a
//! person looking at it, never towards a confident wrong answer.

use geo::{
    Contains, Coord, CoordsIter, Distance, Euclidean, Geometry, LineString, MapCoords,
    MultiLineString, Point,
};

use crate::index::measure::LocalPlane;

/// A site and how far it may move.
pub struct Shift {
    plane: LocalPlane,
    accuracy_m: f64,
    /// The site in the local plane.
    site: Geometry<f64>,
}

/// The boundary of a geometry: polygon rings as lines; lines and points are their own.
fn boundary(g: &Geometry<f64>) -> Geometry<f64> {
    let rings = |p: &geo::Polygon<f64>| -> Vec<LineString<f64>> {
        std::iter::once(p.exterior().clone())
            .chain(p.interiors().iter().cloned())
            .collect()
    };
    match g {
        Geometry::Polygon(p) => Geometry::MultiLineString(MultiLineString(rings(p))),
        Geometry::MultiPolygon(mp) => {
            Geometry::MultiLineString(MultiLineString(mp.0.iter().flat_map(rings).collect()))
        }
        Geometry::Rect(r) => boundary(&Geometry::Polygon(r.to_polygon())),
        Geometry::Triangle(t) => boundary(&Geometry::Polygon(t.to_polygon())),
        other => other.clone(),
    }
}

fn is_polygonal(g: &Geometry<f64>) -> bool {
    matches!(
        g,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_)
    )
}

/// Is `c` inside `g`'s area and farther than `margin` from its boundary?
fn deep_inside(g: &Geometry<f64>, g_boundary: &Geometry<f64>, c: Coord<f64>, margin: f64) -> bool {
    is_polygonal(g)
        && g.contains(&c)
        && Euclidean.distance(&Geometry::Point(Point(c)), g_boundary) > margin
}

impl Shift {
    /// The shift a project allows; `None` when it declares no uncertainty.
    pub fn new(location: &Geometry<f64>, accuracy_m: f64) -> Option<Shift> {
        if accuracy_m <= 0.0 || !accuracy_m.is_finite() {
            return None;
        }
        let origin = location.coords_iter().next()?;
        let plane = LocalPlane::new(origin);
        let site = location.map_coords(|c| plane.forward(c));
        Some(Shift {
            plane,
            accuracy_m,
            site,
        })
    }

    pub fn accuracy_m(&self) -> f64 {
        self.accuracy_m
    }

    fn local(&self, g: &Geometry<f64>) -> Geometry<f64> {
        g.map_coords(|c| self.plane.forward(c))
    }

    /// Would every shift of the site keep `intersects` (whether it meets `target`, lon/lat) as it
    /// is? False: certain when the site is farther than the accuracy from the target. True:
    /// certain when a vertex of the site lies deep inside the target's area, or a vertex of the
    /// target deep inside the site's.
    pub fn intersects_is_certain(&self, target: &Geometry<f64>, intersects: bool) -> bool {
        let t = self.local(target);
        if !intersects {
            return Euclidean.distance(&self.site, &t) > self.accuracy_m;
        }
        let tb = boundary(&t);
        if self
            .site
            .coords_iter()
            .any(|c| deep_inside(&t, &tb, c, self.accuracy_m))
        {
            return true;
        }
        let sb = boundary(&self.site);
        t.coords_iter()
            .any(|c| deep_inside(&self.site, &sb, c, self.accuracy_m))
    }

    /// Would every shift keep the site inside `target` (an area it lies within now)? Certain
    /// when the site is farther than the accuracy from the target's boundary.
    pub fn within_is_certain(&self, target: &Geometry<f64>) -> bool {
        is_polygonal(target)
            && Euclidean.distance(&self.site, &boundary(&self.local(target))) > self.accuracy_m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Polygon, polygon};

    fn square() -> Geometry<f64> {
        // About 1 km × 1.1 km around (118.80, 32.05).
        Geometry::Polygon(polygon![
            (x: 118.795, y: 32.045), (x: 118.805, y: 32.045),
            (x: 118.805, y: 32.055), (x: 118.795, y: 32.055), (x: 118.795, y: 32.045)
        ])
    }

    fn point(lon: f64, lat: f64) -> Geometry<f64> {
        Geometry::Point(Point::new(lon, lat))
    }

    /// 1e-5° of longitude at 32°N is about 0.94 m.
    const M: f64 = 1.0 / 94_400.0;

    #[test]
    fn a_point_near_the_edge_is_uncertain_either_side() {
        let sq = square();
        // 3 m inside the east edge, accuracy 5 m: inside, but not certainly.
        let inside = Shift::new(&point(118.805 - 3.0 * M, 32.05), 5.0).unwrap();
        assert!(!inside.intersects_is_certain(&sq, true));
        assert!(!inside.within_is_certain(&sq));
        // 3 m outside: outside, not certainly.
        let outside = Shift::new(&point(118.805 + 3.0 * M, 32.05), 5.0).unwrap();
        assert!(!outside.intersects_is_certain(&sq, false));
        // 10 m away, accuracy 5 m: certain both ways.
        let deep = Shift::new(&point(118.805 - 10.0 * M, 32.05), 5.0).unwrap();
        assert!(deep.intersects_is_certain(&sq, true));
        assert!(deep.within_is_certain(&sq));
        let far = Shift::new(&point(118.805 + 10.0 * M, 32.05), 5.0).unwrap();
        assert!(far.intersects_is_certain(&sq, false));
    }

    #[test]
    fn a_polygon_straddling_an_edge_certainly_touches_both_sides() {
        let sq = square();
        let site = Geometry::Polygon(Polygon::new(
            LineString::from(vec![
                (118.804, 32.049),
                (118.806, 32.049),
                (118.806, 32.051),
                (118.804, 32.051),
                (118.804, 32.049),
            ]),
            vec![],
        ));
        let s = Shift::new(&site, 5.0).unwrap();
        // ~94 m on each side of the edge: the overlap survives any 5 m shift.
        assert!(s.intersects_is_certain(&sq, true));
        assert!(!s.within_is_certain(&sq));
    }

    #[test]
    fn no_accuracy_no_shift() {
        assert!(Shift::new(&square(), 0.0).is_none());
        assert!(Shift::new(&square(), f64::NAN).is_none());
    }
}
