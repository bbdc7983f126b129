//! Independent references for the overlap tests (no code shared with the crate or `geo`'s
//! geodesics): closed-form areas of lon/lat rectangles, meridian arcs, the area between a
//! parallel and a geodesic chord on the WGS84 ellipsoid, densified rectangles, and a
//! brute-force "which units does this geometry touch" built only on `geo::Intersects`.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use geo::{BoundingRect, Coord, Geometry, Intersects, LineString, MultiPolygon, Polygon, Rect};

/// WGS84 semi-major axis, m.
pub const A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const F: f64 = 1.0 / 298.257_223_563;

/// First eccentricity squared.
pub fn e2() -> f64 {
    F * (2.0 - F)
}

/// The authalic function q(φ) = sinφ/(1−e² sin²φ) − (1/(2e)) ln((1−e sinφ)/(1+e sinφ)),
/// written with `atanh` (−(1/(2e)) ln((1−x)/(1+x)) = atanh(x)/e) to avoid the cancellation
/// of the logarithm's argument.
pub fn q(phi: f64) -> f64 {
    let e = e2().sqrt();
    let s = phi.sin();
    s / (1.0 - e2() * s * s) + (e * s).atanh() / e
}

/// Area on the ellipsoid of the region between the meridians `lon0 < lon1` and the parallels
/// `lat0 < lat1` (degrees), m²: A = a²(1−e²)/2 · Δλ · [q(φ)]_{φ0}^{φ1}.
pub fn rect_area(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> f64 {
    if lon1 <= lon0 || lat1 <= lat0 {
        return 0.0;
    }
    let dl = (lon1 - lon0).to_radians();
    A * A * (1.0 - e2()) / 2.0 * dl * (q(lat1.to_radians()) - q(lat0.to_radians()))
}

/// Closed-form area of the intersection of two lon/lat rectangles `[x0, y0, x1, y1]`.
pub fn rect_overlap_area(r: [f64; 4], s: [f64; 4]) -> f64 {
    rect_area(
        r[0].max(s[0]),
        r[1].max(s[1]),
        r[2].min(s[2]),
        r[3].min(s[3]),
    )
}

/// Meridional radius of curvature M(φ) = a(1−e²)/(1−e² sin²φ)^{3/2}.
pub fn meridian_radius(phi: f64) -> f64 {
    let s = phi.sin();
    A * (1.0 - e2()) / (1.0 - e2() * s * s).powf(1.5)
}

/// Meridian arc between latitudes `lat0` and `lat1` (degrees), m: ∫ M(φ) dφ by composite
/// 5-point Gauss–Legendre on 64 panels (the integrand is entire; the quadrature error is far
/// below f64 resolution for arcs of a few degrees).
pub fn meridian_arc(lat0: f64, lat1: f64) -> f64 {
    integrate(meridian_radius, lat0.to_radians(), lat1.to_radians(), 64)
}

/// Meridian distance from the equator by Helmert's series in n = f/(2−f), truncated after n⁴
/// (truncation error ~a·n⁵ ≈ 1e-7 m): a second, independent reference for [`meridian_arc`].
pub fn meridian_distance_series(lat: f64) -> f64 {
    let n = F / (2.0 - F);
    let (n2, n3, n4) = (n * n, n * n * n, n * n * n * n);
    let p = lat.to_radians();
    A / (1.0 + n)
        * (1.0 + n2 / 4.0 + n4 / 64.0)
        * (p - (1.5 * n - 9.0 / 16.0 * n3) * (2.0 * p).sin()
            + (15.0 / 16.0 * n2 - 15.0 / 32.0 * n4) * (4.0 * p).sin()
            - 35.0 / 48.0 * n3 * (6.0 * p).sin()
            + 315.0 / 512.0 * n4 * (8.0 * p).sin())
}

/// Points from `x0` to `x1` (inclusive) at most `step` apart, evenly spaced; the end points
/// are exactly `x0` and `x1`.
pub fn stations(x0: f64, x1: f64, step: f64) -> Vec<f64> {
    let n = (((x1 - x0).abs() / step).ceil() as usize).max(1);
    (0..=n)
        .map(|k| {
            if k == n {
                x1
            } else {
                x0 + (x1 - x0) * k as f64 / n as f64
            }
        })
        .collect()
}

/// A closed ring around the lon/lat rectangle `[x0, y0, x1, y1]`, counter-clockwise, whose
/// edges along parallels are split into pieces at most `step` degrees long (edges along
/// meridians are geodesics already and are not split).
pub fn densified_rect_ring(r: [f64; 4], step: f64) -> LineString<f64> {
    let [x0, y0, x1, y1] = r;
    let mut pts: Vec<Coord<f64>> = Vec::new();
    for x in stations(x0, x1, step) {
        pts.push(Coord { x, y: y0 });
    }
    // the same stations as the bottom edge, walked backwards, so that two rectangles sharing
    // a parallel edge share its vertices exactly
    for x in stations(x0, x1, step).into_iter().rev() {
        pts.push(Coord { x, y: y1 });
    }
    pts.push(Coord { x: x0, y: y0 });
    LineString::new(pts)
}

/// A densified rectangle with densified rectangular holes.
pub fn densified_rect_polygon(r: [f64; 4], holes: &[[f64; 4]], step: f64) -> Polygon<f64> {
    Polygon::new(
        densified_rect_ring(r, step),
        holes
            .iter()
            .map(|h| {
                let mut ring = densified_rect_ring(*h, step);
                ring.0.reverse();
                ring
            })
            .collect(),
    )
}

/// 5-point Gauss–Legendre on `panels` equal panels of [a, b].
pub fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    const X: [f64; 5] = [
        0.0,
        -0.538_469_310_105_683_1,
        0.538_469_310_105_683_1,
        -0.906_179_845_938_664,
        0.906_179_845_938_664,
    ];
    const W: [f64; 5] = [
        0.568_888_888_888_888_9,
        0.478_628_670_499_366_5,
        0.478_628_670_499_366_5,
        0.236_926_885_056_189_1,
        0.236_926_885_056_189_1,
    ];
    let h = (b - a) / panels as f64;
    let mut sum = 0.0;
    for k in 0..panels {
        let mid = a + (k as f64 + 0.5) * h;
        for (x, w) in X.iter().zip(W) {
            sum += w * f(mid + x * h / 2.0);
        }
    }
    sum * h / 2.0
}

/// Signed area (m², positive northward) between the parallel `lat` and the geodesic joining
/// two of its points `dlon` degrees apart: the geodesic bulges poleward, so this is positive
/// in the northern hemisphere.
///
/// Derived from first principles (no geodesic library): on Bessel's auxiliary sphere a
/// geodesic is a great circle, so its reduced latitude β obeys tan β(ω) = tan β_v · cos ω
/// (ω: auxiliary longitude from the vertex). Auxiliary and true longitude differ by Karney's
/// (2013, eq. 8) term: dλ/dω = 1 − f · g(β) · cos²β with
/// g(β) = (2 − f)/(1 + (1 − f)√(1 + e'² sin²β)). The span Δω is found by Newton's method
/// from Δλ, then the area under the curve, ∫ a²(1−e²)/2 · [q(φ(ω)) − q(φ₀)] · dλ/dω · dω,
/// is integrated numerically. Checked against GeographicLib (via `geo`) in the tests.
pub fn chord_bulge(dlon: f64, lat: f64) -> f64 {
    let phi0 = lat.to_radians().abs();
    let sign = lat.signum();
    let dl = dlon.to_radians().abs();
    if phi0 == 0.0 || dl == 0.0 {
        return 0.0;
    }
    let ep2 = e2() / (1.0 - e2());
    let b1 = ((1.0 - F) * phi0.tan()).atan();
    let dl_dw = |beta: f64| {
        let g = (2.0 - F) / (1.0 + (1.0 - F) * (1.0 + ep2 * beta.sin().powi(2)).sqrt());
        1.0 - F * g * beta.cos().powi(2)
    };
    // β along the great circle whose end points, ±dw/2 from the vertex, have reduced latitude b1
    let beta = |w: f64, dw: f64| (b1.tan() / (dw / 2.0).cos() * w.cos()).atan();
    let mut dw = dl / dl_dw(b1);
    for _ in 0..4 {
        let lam = integrate(|w| dl_dw(beta(w, dw)), -dw / 2.0, dw / 2.0, 8);
        dw += (dl - lam) / dl_dw(b1);
    }
    let q0 = q(phi0);
    let area = integrate(
        |w| {
            let b = beta(w, dw);
            let phi = (b.tan() / (1.0 - F)).atan();
            (q(phi) - q0) * dl_dw(b)
        },
        -dw / 2.0,
        dw / 2.0,
        16,
    );
    sign * A * A * (1.0 - e2()) / 2.0 * area
}

/// A region made of rectangular `parts` minus rectangular `holes` (holes inside parts, parts
/// disjoint), all lon/lat rectangles `[lon0, lat0, lon1, lat1]`, cut to the rectangle `r`.
/// Returns (a) its area with parallels for east–west edges (the closed form) and (b) the
/// correction when every maximal east–west run of its boundary is instead a single geodesic
/// chord (what an overlay that drops collinear vertices produces and a geodesic polygon area
/// measures): + bulge for runs with the region to the south, − bulge for runs with the region
/// to the north.
pub fn rect_region_area(r: [f64; 4], parts: &[[f64; 4]], holes: &[[f64; 4]]) -> (f64, f64) {
    let mut xs = vec![r[0], r[2]];
    let mut ys = vec![r[1], r[3]];
    for b in parts.iter().chain(holes) {
        xs.extend([b[0], b[2]]);
        ys.extend([b[1], b[3]]);
    }
    let clamp_sort = |v: &mut Vec<f64>, lo: f64, hi: f64| {
        v.retain(|&x| x >= lo && x <= hi);
        v.sort_by(f64::total_cmp);
        v.dedup();
    };
    clamp_sort(&mut xs, r[0], r[2]);
    clamp_sort(&mut ys, r[1], r[3]);
    let within = |b: &[f64; 4], x: f64, y: f64| b[0] < x && x < b[2] && b[1] < y && y < b[3];
    // cell (i, j) = [xs[i], xs[i+1]] × [ys[j], ys[j+1]]
    let filled = |i: usize, j: usize| -> bool {
        if i + 1 >= xs.len() || j + 1 >= ys.len() {
            return false;
        }
        let (x, y) = ((xs[i] + xs[i + 1]) / 2.0, (ys[j] + ys[j + 1]) / 2.0);
        parts.iter().any(|b| within(b, x, y)) && !holes.iter().any(|b| within(b, x, y))
    };
    let mut closed = 0.0;
    for i in 0..xs.len().saturating_sub(1) {
        for j in 0..ys.len().saturating_sub(1) {
            if filled(i, j) {
                closed += rect_area(xs[i], ys[j], xs[i + 1], ys[j + 1]);
            }
        }
    }
    let mut chords = 0.0;
    for (j, &y) in ys.iter().enumerate() {
        // +1: region to the south only (a northern edge), −1: to the north only
        let kind = |i: usize| {
            let below = j > 0 && filled(i, j - 1);
            let above = filled(i, j);
            i32::from(below) - i32::from(above)
        };
        let mut i = 0;
        while i + 1 < xs.len() {
            let k = kind(i);
            let start = xs[i];
            while i + 1 < xs.len() && kind(i) == k {
                i += 1;
            }
            if k != 0 {
                chords += f64::from(k) * chord_bulge(xs[i] - start, y);
            }
        }
    }
    (closed, chords)
}

/// The brute-force reference for "which units does `g` touch": every unit for which
/// `geo::Intersects` holds (boundary contact included), ascending. The bounding-box test in
/// front is only a shortcut (if boxes are disjoint so are the geometries) computed here from
/// the geometries themselves.
pub fn brute_touching(units: &[MultiPolygon<f64>], g: &Geometry<f64>) -> Vec<u32> {
    let Some(gb) = g.bounding_rect() else {
        return Vec::new();
    };
    units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.bounding_rect().is_some_and(|ub| rects_meet(ub, gb)))
        .filter(|(_, u)| u.intersects(g))
        .map(|(i, _)| i as u32)
        .collect()
}

/// Do two closed rectangles share a point?
pub fn rects_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}
