//! Measurement on the WGS84 / CGCS2000 ellipsoid.
//!
//! Areas and lengths use geographiclib (through `geo`'s `GeodesicArea` and `Geodesic`), which is
//! exact on the ellipsoid to floating-point precision. Distances between geometries are found in
//! a local tangent plane centred on the project (an equirectangular projection scaled by the
//! ellipsoid's radii of curvature at the centre), which picks the closest pair of points; the
//! distance of that pair is then measured geodesically. The reported distance is therefore a
//! true geodesic distance between a point of each geometry. The plane's own distances are off by
//! up to 5 parts in 10,000 at 15 km, but only the choice of pair depends on them, and near the
//! minimum the distance is flat: the result matches a dense geodesic search to 0.1 m (tests).

use geo::{Coord, Distance, Geodesic, Point};

/// WGS84 semi-major axis (m) and first eccentricity squared; CGCS2000 differs negligibly.
const A: f64 = 6_378_137.0;
const E2: f64 = 0.006_694_379_990_14;

/// A local plane around `origin`: coordinates in metres east and north of it.
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl LocalPlane {
    pub fn new(origin: Coord<f64>) -> Self {
        let phi = origin.y.to_radians();
        let s = phi.sin();
        let w = (1.0 - E2 * s * s).sqrt();
        let n = A / w; // prime-vertical radius of curvature
        let m = A * (1.0 - E2) / (w * w * w); // meridional radius of curvature
        LocalPlane {
            lon0: origin.x,
            lat0: origin.y,
            kx: n * phi.cos() * std::f64::consts::PI / 180.0,
            ky: m * std::f64::consts::PI / 180.0,
        }
    }

    pub fn forward(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.lon0) * self.kx,
            y: (c.y - self.lat0) * self.ky,
        }
    }

    pub fn inverse(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: c.x / self.kx + self.lon0,
            y: c.y / self.ky + self.lat0,
        }
    }
}

/// A lon/lat rectangle widened by at least `metres` on every side: a degree of latitude is at
/// least 110.5 km and a degree of longitude at least 111.3 km·cos φ at the widest latitude, so
/// everything within `metres` of the rectangle lies inside the result.
pub fn widen_by_metres(min: Coord<f64>, max: Coord<f64>, metres: f64) -> (Coord<f64>, Coord<f64>) {
    let dlat = metres / 110_500.0;
    let phi = (max.y.abs().max(min.y.abs()) + dlat).min(89.0).to_radians();
    let dlon = metres / (111_300.0 * phi.cos());
    (
        Coord {
            x: min.x - dlon,
            y: min.y - dlat,
        },
        Coord {
            x: max.x + dlon,
            y: max.y + dlat,
        },
    )
}

/// Geodesic distance in metres between two lon/lat coordinates.
pub fn geodesic_distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    Geodesic.distance(Point(a), Point(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_plane_distances_are_within_five_parts_in_ten_thousand_of_geodesic_up_to_15_km() {
        let origin = Coord {
            x: 118.78,
            y: 32.05,
        };
        let plane = LocalPlane::new(origin);
        for (dx, dy) in [(0.01, 0.0), (0.0, 0.01), (0.05, 0.05), (-0.1, 0.08)] {
            let b = Coord {
                x: origin.x + dx,
                y: origin.y + dy,
            };
            let p = plane.forward(b);
            let planar = (p.x * p.x + p.y * p.y).sqrt();
            let geodesic = geodesic_distance(origin, b);
            assert!(
                (planar - geodesic).abs() < 5e-4 * geodesic + 0.01,
                "{planar} vs {geodesic}"
            );
        }
    }

    #[test]
    fn inverse_undoes_forward() {
        let plane = LocalPlane::new(Coord { x: 100.0, y: 40.0 });
        let c = Coord { x: 100.3, y: 39.8 };
        let back = plane.inverse(plane.forward(c));
        assert!((back.x - c.x).abs() < 1e-12 && (back.y - c.y).abs() < 1e-12);
    }
}
