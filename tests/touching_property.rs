//! Seeded property tests: `UnitIndex::touching` (lines, small polygons, points) and
//! `locate_point` must report exactly the units a brute-force reference finds — every unit
//! for which `geo::Intersects` holds, boundary contact included — on synthetic partitions with
//! shared edges, shared vertices, T-junctions, holes, islands, gaps and multi-part units (with
//! projects placed exactly on shared edges and vertices and lines running along them), and on
//! the national units of a 1°×1° window with projects placed around unit vertices.
//! Also: points agree with `locate_point`; overlap areas are ≥ 0 and every unit the project
//! overlaps with positive area (by the reference overlay) is reported; on partitions the
//! overlaps add up to at most the site area; lengths lie in [0, line length] and every unit
//! holding a positive length is reported.
//!
//! Three bugs were found here: two are fixed (areas of clockwise overlay pieces; candidates
//! missed at the data's east/north edge) and their tests run; the third (a line within
//! rounding distance of an edge clipped into the neighbour) is pinned by an ignored test. The
//! property runs still step around them (documented at each place).

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use geo::{
    BooleanOps, BoundingRect, Coord, Distance, Euclidean, Geodesic, GeodesicArea, Geometry, Length,
    LineString, MultiLineString, MultiPolygon, Point, Polygon, Rect,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::sync::OnceLock;
use zonecheck::index::UnitIndex;

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
mod reference;

/// A unit set, its index, and the coordinates projects are built from.
struct Fixture {
    name: &'static str,
    units: Vec<MultiPolygon<f64>>,
    index: UnitIndex,
    /// Every ring vertex of every unit.
    verts: Vec<Coord<f64>>,
    /// Every ring edge of every unit.
    edges: Vec<(Coord<f64>, Coord<f64>)>,
    /// Grid lines of an axis-aligned partition (empty otherwise).
    xs: Vec<f64>,
    ys: Vec<f64>,
    bbox: Rect<f64>,
    /// Whether the units overlap nowhere (so overlaps add up to at most the site).
    partition: bool,
}

impl Fixture {
    fn new(
        name: &'static str,
        units: Vec<MultiPolygon<f64>>,
        xs: Vec<f64>,
        ys: Vec<f64>,
        partition: bool,
    ) -> Fixture {
        let mut verts = Vec::new();
        let mut edges = Vec::new();
        for u in &units {
            for p in &u.0 {
                for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                    verts.extend(r.0.iter().copied());
                    edges.extend(r.lines().map(|l| (l.start, l.end)));
                }
            }
        }
        let bbox = MultiPolygon::new(units.iter().flat_map(|u| u.0.clone()).collect())
            .bounding_rect()
            .expect("units");
        let index = UnitIndex::build(&units);
        Fixture {
            name,
            units,
            index,
            verts,
            edges,
            xs,
            ys,
            bbox,
            partition,
        }
    }

    fn vert(&self, a: usize) -> Coord<f64> {
        self.verts[a % self.verts.len()]
    }

    fn edge(&self, a: usize) -> (Coord<f64>, Coord<f64>) {
        self.edges[a % self.edges.len()]
    }

    /// A point on edge `a` at fraction `t` (the end points exactly for t = 0 and 1).
    fn on_edge(&self, a: usize, t: f64) -> Coord<f64> {
        let (p, q) = self.edge(a);
        Coord {
            x: p.x + t * (q.x - p.x),
            y: p.y + t * (q.y - p.y),
        }
    }

    /// A grid coordinate, or a vertex coordinate where there is no grid.
    fn gx(&self, a: usize) -> f64 {
        if self.xs.is_empty() {
            self.vert(a).x
        } else {
            self.xs[a % self.xs.len()]
        }
    }

    fn gy(&self, a: usize) -> f64 {
        if self.ys.is_empty() {
            self.vert(a).y
        } else {
            self.ys[a % self.ys.len()]
        }
    }

    /// Scale of "small" offsets: about a tenth of a typical edge.
    fn small(&self) -> f64 {
        if self.xs.is_empty() { 1e-3 } else { 4e-3 }
    }

    /// One of a few kinds of interesting points.
    fn point(&self, kind: u64, a: usize, t: f64, u: f64) -> Coord<f64> {
        let s = self.small();
        match kind % 6 {
            0 => self.vert(a),
            1 => self.on_edge(a, [0.5, t, 0.0, 1.0][a / 7 % 4]),
            2 => Coord {
                x: self.gx(a),
                y: self.gy(a / 13),
            },
            3 => {
                let v = self.vert(a);
                Coord {
                    x: v.x + (t - 0.5) * s,
                    y: v.y + (u - 0.5) * s,
                }
            }
            4 => Coord {
                // on a grid line, anywhere along it
                x: self.gx(a),
                y: self.bbox.min().y + u * self.bbox.height(),
            },
            _ => Coord {
                x: self.bbox.min().x + t * self.bbox.width(),
                y: self.bbox.min().y + u * self.bbox.height(),
            },
        }
    }

    /// A project geometry from a sample.
    fn project(&self, kind: u8, p: [usize; 6], f: [f64; 4]) -> Geometry<f64> {
        let s = self.small();
        let pt = |i: usize| self.point(p[i] as u64 / 7, p[i], f[i % 4], f[(i + 1) % 4]);
        match kind % 12 {
            // points
            0 => Geometry::Point(Point(pt(0))),
            // a line exactly along a unit edge, possibly continued to another vertex
            1 => {
                let (a, b) = self.edge(p[0]);
                let mut pts = vec![a, b];
                if p[1].is_multiple_of(2) {
                    pts.push(pt(2));
                }
                Geometry::LineString(LineString::new(pts))
            }
            // a line along a grid line across several cells (or between two vertices)
            2 => {
                let pts = if p[0].is_multiple_of(2) {
                    let x = self.gx(p[1]);
                    vec![(x, self.gy(p[2])), (x, self.gy(p[3]))]
                } else {
                    let y = self.gy(p[1]);
                    vec![(self.gx(p[2]), y), (self.gx(p[3]), y)]
                };
                Geometry::LineString(LineString::from(pts))
            }
            // a polyline through 2–4 interesting points
            3 | 4 => {
                let n = 2 + p[5] % 3;
                Geometry::LineString(LineString::new((0..n).map(pt).collect()))
            }
            // a short line leaving a vertex (touching units at its end only, or crossing)
            5 => {
                let v = self.vert(p[0]);
                let w = Coord {
                    x: v.x + (f[0] - 0.5) * s,
                    y: v.y + (f[1] - 0.5) * s,
                };
                Geometry::LineString(LineString::new(vec![v, w]))
            }
            // a rectangle on grid lines (edges along shared edges, corners on shared vertices),
            // or a small box around a vertex
            6 => {
                let r = if self.xs.is_empty() {
                    let v = self.vert(p[0]);
                    let (h, k) = (f[0] * s + 1e-6, f[1] * s + 1e-6);
                    [v.x - h, v.y - k, v.x + h, v.y + k]
                } else {
                    let (x0, x1) = (self.gx(p[0]), self.gx(p[1]));
                    let (y0, y1) = (self.gy(p[2]), self.gy(p[3]));
                    if x0 == x1 || y0 == y1 {
                        let v = Coord { x: x0, y: y0 };
                        [v.x, v.y, v.x + f[0] * s + 1e-6, v.y + f[1] * s + 1e-6]
                    } else {
                        [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]
                    }
                };
                Geometry::Polygon(rect_polygon(r))
            }
            // a small triangle with a corner exactly on a vertex
            7 => {
                let v = self.vert(p[0]);
                let a = Coord {
                    x: v.x + (f[0] - 0.5) * s,
                    y: v.y + (f[1] - 0.5) * s,
                };
                let b = Coord {
                    x: v.x + (f[2] - 0.5) * s,
                    y: v.y + (f[3] - 0.5) * s,
                };
                Geometry::Polygon(closed(vec![v, a, b]))
            }
            // a triangle through three interesting points (on edges, vertices, grid lines)
            8 => Geometry::Polygon(closed(vec![pt(0), pt(1), pt(2)])),
            // a small quad straddling an edge, two corners exactly on it
            9 => {
                let (a, b) = self.edge(p[0]);
                let m = self.on_edge(p[0], f[0]);
                let n = self.on_edge(p[0], f[1]);
                let (dx, dy) = (b.y - a.y, a.x - b.x);
                let len = (dx * dx + dy * dy).sqrt().max(1e-12);
                let o = (f[2] - 0.5) * s / len;
                let c = Coord {
                    x: (m.x + n.x) / 2.0 + o * dx,
                    y: (m.y + n.y) / 2.0 + o * dy,
                };
                let d = Coord {
                    x: (m.x + n.x) / 2.0 - o * dx * f[3],
                    y: (m.y + n.y) / 2.0 - o * dy * f[3],
                };
                Geometry::Polygon(closed(vec![m, c, n, d]))
            }
            // a unit's own ring (exactly a unit part, or exactly a hole or an island)
            10 => {
                let u = &self.units[p[0] % self.units.len()];
                let poly = &u.0[p[1] % u.0.len()];
                let n = poly.interiors().len();
                let ring = if n > 0 && p[2].is_multiple_of(2) {
                    poly.interiors()[p[3] % n].clone()
                } else {
                    poly.exterior().clone()
                };
                Geometry::Polygon(Polygon::new(ring, vec![]))
            }
            // a multi-line / multi-polygon of two of the above
            _ => {
                let a = self.project((p[0] % 11) as u8, p, f);
                let b = self.project((p[1] % 11) as u8, [p[5], p[4], p[3], p[2], p[1], p[0]], f);
                match (a, b) {
                    (Geometry::LineString(a), Geometry::LineString(b)) => {
                        Geometry::MultiLineString(MultiLineString::new(vec![a, b]))
                    }
                    (Geometry::Polygon(a), Geometry::Polygon(b)) => {
                        Geometry::MultiPolygon(MultiPolygon::new(vec![a, b]))
                    }
                    (a, _) => a,
                }
            }
        }
    }
}

fn rect_polygon(r: [f64; 4]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (r[0], r[1]),
            (r[2], r[1]),
            (r[2], r[3]),
            (r[0], r[3]),
            (r[0], r[1]),
        ]),
        vec![],
    )
}

fn closed(mut pts: Vec<Coord<f64>>) -> Polygon<f64> {
    pts.push(pts[0]);
    Polygon::new(LineString::new(pts), vec![])
}

/// Area of a polygonal geometry whatever the winding of each part: the magnitude of each
/// polygon's signed area (an unsigned geodesic area measures a clockwise ring — which
/// projects may have, and which the overlay can emit as a zero-area sliver — as the rest of
/// the earth).
fn overlay_area(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(|p| p.geodesic_area_signed().abs()).sum()
}

/// Area of the WGS84 ellipsoid, m² (GeographicLib).
const EARTH_M2: f64 = 510_065_621_724_088.4;

/// The project's own area, either winding.
fn own_area(g: &Geometry<f64>) -> Option<f64> {
    zonecheck::index::units::polygonal(g).map(|mp| overlay_area(&mp))
}

/// How far overlap areas may legitimately stray from the site area. The overlay cuts the
/// site's edges as lon/lat-straight lines and the pieces are then measured with geodesic
/// edges (see tests/overlap_accuracy.rs): a straight edge of length L sags from its geodesic
/// by at most h ≈ L²·tanφ/(8R), enclosing at most ≈ (2/3)·L·h; twice that per edge.
fn chord_slack(mp: &MultiPolygon<f64>) -> f64 {
    let mut slack = 1e-3;
    for p in &mp.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for l in r.lines() {
                let len = Geodesic.length(&l);
                let tan = l.start.y.abs().max(l.end.y.abs()).to_radians().tan();
                slack += 2.0 * len.powi(3) * tan / (12.0 * reference::A);
            }
        }
    }
    slack
}

/// Which checks `check` makes beyond the unit ids.
#[derive(Clone, Copy)]
struct Checks {
    /// Every overlap area lies in [0, site area]. Off, only values of ± a multiple of the area
    /// of the whole ellipsoid (the winding bug, see `overlap_areas_lie_between_zero_and_the_site_area`) are
    /// let through.
    area_bounds: bool,
    /// Also check projects whose box starts exactly on the east or north extreme of the unit
    /// set (fails: see `touching_at_the_east_and_north_extremes_of_the_unit_set`).
    at_extremes: bool,
    /// A unit the overlay's clip gives a positive length must be reported even when the clipped
    /// line lies within rounding of the unit's boundary (fails: see
    /// `line_lengths_along_an_edge_within_rounding`).
    clip_near_boundary: bool,
}

/// Distance (degrees) from a coordinate to the nearest ring of a unit.
fn distance_to_boundary(u: &MultiPolygon<f64>, c: Coord<f64>) -> f64 {
    u.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| Euclidean.distance(&Point(c), r))
        .fold(f64::INFINITY, f64::min)
}

const IDS_AND_INVARIANTS: Checks = Checks {
    area_bounds: false,
    at_extremes: false,
    clip_near_boundary: false,
};

/// Does the project's box start exactly on the east or north extreme of the unit set (where
/// `touching` misses units: see `touching_at_the_east_and_north_extremes_of_the_unit_set`)?
fn at_east_or_north_extreme(fx: &Fixture, g: &Geometry<f64>) -> bool {
    g.bounding_rect()
        .is_some_and(|b| b.min().x == fx.bbox.max().x || b.min().y == fx.bbox.max().y)
}

/// Check one project against the references.
fn check(fx: &Fixture, g: &Geometry<f64>, checks: Checks) -> Result<(), TestCaseError> {
    if !checks.at_extremes && at_east_or_north_extreme(fx, g) {
        return Ok(());
    }
    let want = reference::brute_touching(&fx.units, g);
    let touches = fx.index.touching(g);
    let got: Vec<u32> = touches.iter().map(|t| t.unit).collect();
    prop_assert_eq!(&got, &want, "{}: touching ids for {:?}", fx.name, g);
    if let Geometry::Point(p) = g {
        let mut located = Vec::new();
        fx.index.locate_point(p.0, &mut located);
        prop_assert_eq!(&located, &want, "{}: locate_point({:?})", fx.name, p);
    }
    let polygons = zonecheck::index::units::polygonal(g);
    let lines = zonecheck::index::units::linear(g);
    // areas
    if let Some(mp) = &polygons {
        let own = own_area(g).unwrap_or(0.0);
        let slack = chord_slack(mp);
        let mut sum = 0.0;
        for t in &touches {
            prop_assert!(t.length_m.is_none());
            let a = t.area_m2.unwrap_or(f64::NAN);
            let earths = (a.abs() / EARTH_M2).round();
            let winding_bug = earths >= 1.0 && (a.abs() / EARTH_M2 - earths).abs() < 1e-3;
            if checks.area_bounds || !winding_bug {
                prop_assert!(
                    (0.0..=own + slack).contains(&a),
                    "{}: unit {} overlap area {} m² outside [0, site area {} m²] for {:?}",
                    fx.name,
                    t.unit,
                    a,
                    own,
                    g
                );
            }
            if !winding_bug {
                sum += a;
            }
        }
        if fx.partition {
            // units do not overlap: together the overlaps fit in the site
            prop_assert!(
                sum <= own + slack,
                "{}: Σ overlap {} m² > site area {} m² (+{} m²) for {:?}",
                fx.name,
                sum,
                own,
                slack,
                g
            );
        }
        // every unit overlapped with positive area is reported (1e-3 m² absorbs zero-width
        // slivers the overlay's integer snapping can create between touching polygons)
        for (i, u) in fx.units.iter().enumerate() {
            if !reference::rects_meet(
                u.bounding_rect().expect("unit"),
                mp.bounding_rect().expect("project"),
            ) {
                continue;
            }
            let a = overlay_area(&mp.intersection(u));
            prop_assert!(
                a <= 1e-3 || got.contains(&(i as u32)),
                "{}: unit {} overlaps {:?} by {} m² but is not reported",
                fx.name,
                i,
                g,
                a
            );
        }
    }
    // lengths
    if let Some(ml) = &lines {
        let total = Geodesic.length(ml);
        for t in &touches {
            let l = t.length_m;
            prop_assert!(t.area_m2.is_none());
            prop_assert!(
                l.is_some_and(|l| l >= 0.0 && l <= total * (1.0 + 1e-6) + 1e-3),
                "{}: unit {} length {:?} m outside [0, line length {} m] for {:?}",
                fx.name,
                t.unit,
                l,
                total,
                g
            );
        }
        // What the coverage check reads: a part on an edge two units share counts once. (Pieces
        // of a segment cut where it crosses unit edges are measured as geodesics each, so over a
        // long segment they add up to a little more than the whole: 1.5e-6 over 54 km.)
        let covered = fx.index.line_length_covered(g, &touches);
        prop_assert!(
            covered <= total * (1.0 + 1e-4) + 1e-3,
            "{}: {} m of a {} m line covered for {:?}",
            fx.name,
            covered,
            total,
            g
        );
        for (i, u) in fx.units.iter().enumerate() {
            if !reference::rects_meet(
                u.bounding_rect().expect("unit"),
                ml.bounding_rect().expect("project"),
            ) {
                continue;
            }
            let clipped = u.clip(ml, false);
            let l = Geodesic.length(&clipped);
            if l <= 1e-3 || got.contains(&(i as u32)) {
                continue;
            }
            // the overlay (snapped) and Intersects (exact) disagree about a line running
            // within rounding of the unit's boundary: see
            // `line_lengths_along_an_edge_within_rounding`
            let along_boundary = clipped
                .0
                .iter()
                .flat_map(|ls| ls.0.iter())
                .all(|c| distance_to_boundary(u, *c) <= 1e-9);
            prop_assert!(
                !checks.clip_near_boundary && along_boundary,
                "{}: unit {} holds {} m of {:?} but is not reported",
                fx.name,
                i,
                l,
                g
            );
        }
    }
    if polygons.is_none() && lines.is_none() {
        prop_assert!(
            touches
                .iter()
                .all(|t| t.area_m2.is_none() && t.length_m.is_none())
        );
    }
    Ok(())
}

fn run(fx: &Fixture, seed: [u8; 32], cases: u32, checks: Checks) {
    let cfg = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(cfg, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let strat = (
        any::<u8>(),
        prop::array::uniform6(any::<usize>()),
        prop::array::uniform4(0.0f64..=1.0),
    );
    // what the cases covered: [points, lines, polygons, none touched, several touched,
    // zero-area or zero-length contacts, lines counted in two units along a shared edge]
    let seen = std::cell::RefCell::new([0usize; 7]);
    let t = std::time::Instant::now();
    runner
        .run(&strat, |(kind, p, f)| {
            let g = fx.project(kind, p, f);
            check(fx, &g, checks)?;
            let touches = fx.index.touching(&g);
            let mut s = seen.borrow_mut();
            match &g {
                Geometry::Point(_) => s[0] += 1,
                Geometry::LineString(_) | Geometry::MultiLineString(_) => s[1] += 1,
                _ => s[2] += 1,
            }
            s[3] += usize::from(touches.is_empty());
            s[4] += usize::from(touches.len() > 1);
            s[5] += touches
                .iter()
                .filter(|t| t.area_m2 == Some(0.0) || t.length_m == Some(0.0))
                .count();
            if let Some(ml) = zonecheck::index::units::linear(&g) {
                let sum: f64 = touches.iter().filter_map(|t| t.length_m).sum();
                s[6] += usize::from(sum > Geodesic.length(&ml) * (1.0 + 1e-6) + 1e-3);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{}: {e}", fx.name));
    let s = seen.borrow();
    eprintln!(
        "{}: {cases} cases in {:.2} s: {} points, {} lines, {} polygons; {} touch nothing, \
         {} several units; {} boundary-only contacts; {} lines along shared edges",
        fx.name,
        t.elapsed().as_secs_f64(),
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
        s[6]
    );
}

/// An axis-aligned partition on uneven grid lines: plain cells, cells merged across two
/// columns or two rows (T-junctions: a neighbour's vertex lies inside the merged unit's edge),
/// a unit whose hole is filled by an island unit, a unit with a hole no unit fills (a gap),
/// and a two-part unit. Coordinates on the 1e-6 lattice, as in the national data.
fn grid_partition() -> Fixture {
    let xs = vec![110.0, 110.01, 110.025, 110.03, 110.05, 110.06, 110.0725];
    let ys = vec![30.0, 30.01, 30.02, 30.035, 30.05, 30.0575];
    let cell = |i: usize, j: usize, w: usize, h: usize| [xs[i], ys[j], xs[i + w], ys[j + h]];
    let mut taken = vec![vec![false; ys.len() - 1]; xs.len() - 1];
    let mut blocks: Vec<[f64; 4]> = Vec::new();
    // merged blocks first
    for &(i, j, w, h) in &[(0, 0, 2, 1), (2, 1, 1, 2), (3, 3, 2, 2), (5, 0, 1, 3)] {
        blocks.push(cell(i, j, w, h));
        for row in taken.iter_mut().skip(i).take(w) {
            for t in row.iter_mut().skip(j).take(h) {
                *t = true;
            }
        }
    }
    for (i, row) in taken.iter().enumerate() {
        for (j, &t) in row.iter().enumerate() {
            if !t {
                blocks.push(cell(i, j, 1, 1));
            }
        }
    }
    let mut units: Vec<MultiPolygon<f64>> = blocks
        .iter()
        .map(|&r| MultiPolygon::new(vec![rect_polygon(r)]))
        .collect();
    // block 2 ([3,3]–[5,5]) gets a hole filled by an island; block 0 a hole left empty
    let hole = |r: [f64; 4]| {
        let mut ring = rect_polygon(r).exterior().clone();
        ring.0.reverse();
        ring
    };
    let island = [110.035, 30.04, 110.045, 30.045];
    units[2].0[0].interiors_push(hole(island));
    let gap = [110.004, 30.003, 110.012, 30.007];
    units[0].0[0].interiors_push(hole(gap));
    units.push(MultiPolygon::new(vec![rect_polygon(island)]));
    // merge the last plain cell into unit 1 (a two-part unit, parts far apart)
    let last = units.len() - 2;
    let part = units.remove(last);
    units[1].0.extend(part.0);
    Fixture::new("grid partition", units, xs, ys, true)
}

/// A jittered quad partition (diagonal shared edges), lattice-rounded, with an island and a
/// gap.
fn jittered_partition() -> Fixture {
    let n = 6;
    let mut rng = common::Rng(0x7A7A);
    let lat = |v: f64| (v * 1e6).round() / 1e6;
    let mut v = vec![vec![Coord { x: 0.0, y: 0.0 }; n + 1]; n + 1];
    for (i, row) in v.iter_mut().enumerate() {
        for (j, c) in row.iter_mut().enumerate() {
            let jx = if i == 0 || i == n {
                0.0
            } else {
                rng.range(-0.003, 0.003)
            };
            let jy = if j == 0 || j == n {
                0.0
            } else {
                rng.range(-0.003, 0.003)
            };
            *c = Coord {
                x: lat(112.0 + i as f64 * 0.01 + jx),
                y: lat(28.0 + j as f64 * 0.01 + jy),
            };
        }
    }
    let mut units = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let (a, b, c, d) = (v[i][j], v[i + 1][j], v[i + 1][j + 1], v[i][j + 1]);
            units.push(MultiPolygon::new(vec![Polygon::new(
                LineString::new(vec![a, b, c, d, a]),
                vec![],
            )]));
        }
    }
    // an island in unit 7 (filled by a unit) and a gap in unit 21 (filled by none)
    let tri = |u: &MultiPolygon<f64>| {
        let r = u.bounding_rect().expect("unit");
        let c = r.center();
        let h = 0.0015;
        vec![
            Coord {
                x: lat(c.x - h),
                y: lat(c.y - h),
            },
            Coord {
                x: lat(c.x + h),
                y: lat(c.y - h),
            },
            Coord {
                x: lat(c.x),
                y: lat(c.y + h),
            },
            Coord {
                x: lat(c.x - h),
                y: lat(c.y - h),
            },
        ]
    };
    let island = tri(&units[7]);
    let mut hole = island.clone();
    hole.reverse();
    units[7].0[0].interiors_push(hole);
    units.push(MultiPolygon::new(vec![Polygon::new(
        LineString::new(island),
        vec![],
    )]));
    let mut gap = tri(&units[21]);
    gap.reverse();
    units[21].0[0].interiors_push(gap);
    Fixture::new("jittered partition", units, vec![], vec![], true)
}

/// The national units whose bounding box lies in the 1°×1° window 116–117°E, 39.5–40.5°N
/// (about 185 units), or None without the data.
fn national_window() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let (_codes, units) = common::load_units()?;
        let win = Rect::new(Coord { x: 116.0, y: 39.5 }, Coord { x: 117.0, y: 40.5 });
        let sub: Vec<MultiPolygon<f64>> = units
            .into_iter()
            .filter(|u| {
                u.bounding_rect().is_some_and(|b| {
                    b.min().x >= win.min().x
                        && b.max().x <= win.max().x
                        && b.min().y >= win.min().y
                        && b.max().y <= win.max().y
                })
            })
            .collect();
        eprintln!("national window: {} units", sub.len());
        Some(Fixture::new("national window", sub, vec![], vec![], false))
    })
    .as_ref()
}

#[test]
fn prop_grid_partition() {
    run(&grid_partition(), [21; 32], 1500, IDS_AND_INVARIANTS);
}

#[test]
fn prop_jittered_partition() {
    run(&jittered_partition(), [22; 32], 1500, IDS_AND_INVARIANTS);
}

#[test]
fn prop_national_window() {
    let Some(fx) = national_window() else {
        common::skip_or_fail("prop_national_window", &common::units_path());
        return;
    };
    run(fx, [23; 32], 800, IDS_AND_INVARIANTS);
}

/// Hand-picked boundary cases on the grid partition, each against the reference.
#[test]
fn grid_partition_boundary_cases() {
    let fx = grid_partition();
    let line = |pts: &[(f64, f64)]| Geometry::LineString(LineString::from(pts.to_vec()));
    let cases = vec![
        // along the shared meridian x = 110.01 over three rows, through a T-junction
        line(&[(110.01, 30.0), (110.01, 30.035)]),
        // along the shared parallel y = 30.01 over the whole partition
        line(&[(110.0, 30.01), (110.0725, 30.01)]),
        // touching the partition's outer corner only
        line(&[(109.99, 29.99), (110.0, 30.0)]),
        // along the gap's edge (in unit 0's boundary only)
        line(&[(110.004, 30.003), (110.012, 30.003)]),
        // a point on the T-junction vertex and on a four-cell vertex
        Geometry::Point(Point::new(110.01, 30.01)),
        Geometry::Point(Point::new(110.03, 30.035)),
        // the island exactly, the gap exactly, a cell exactly
        Geometry::Polygon(rect_polygon([110.035, 30.04, 110.045, 30.045])),
        Geometry::Polygon(rect_polygon([110.004, 30.003, 110.012, 30.007])),
        Geometry::Polygon(rect_polygon([110.03, 30.0, 110.05, 30.01])),
        // a polygon touching the partition at its outer corner only
        Geometry::Polygon(rect_polygon([109.99, 29.99, 110.0, 30.0])),
        // a polygon outside, sharing the partition's west edge
        Geometry::Polygon(rect_polygon([109.99, 30.01, 110.0, 30.02])),
    ];
    for g in &cases {
        check(&fx, g, IDS_AND_INVARIANTS).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Four projects found by the property runs (shrunk), then the property runs themselves
/// with the bounds switched on.
#[test]
fn overlap_areas_lie_between_zero_and_the_site_area() {
    let checks = Checks {
        area_bounds: true,
        ..IDS_AND_INVARIANTS
    };
    let ring = |pts: &[(f64, f64)]| closed(pts.iter().map(|&(x, y)| Coord { x, y }).collect());
    let mut failures = Vec::new();
    // a 0.019 km² kite across a diagonal edge of the jittered partition: unit 22 gets
    // +510 065 621 724 088 m² (the overlay emits a clockwise sliver of −0.26 m²)
    let kite = ring(&[
        (112.029_551_234_154_06, 28.047_203_400_117_127),
        (112.030_591_485_215_95, 28.043_213_645_000_716),
        (112.032_421_288_093_83, 28.039_518_771_580_852),
        (112.030_986_261_123_94, 28.043_361_085_848_99),
    ]);
    failures.extend(check(&jittered_partition(), &Geometry::Polygon(kite), checks).err());
    // a 0.005 km² sliver quad along an edge: unit 33 gets 2 × 510 065 621 724 088 m²
    let sliver = ring(&[
        (112.059_560_024_915_47, 28.029_018_829_526_706),
        (112.055_900_701_062_13, 28.029_322_492_603_47),
        (112.052_261_606_137_15, 28.029_812_237_899_44),
        (112.055_914_817_239_97, 28.029_452_344_746_33),
    ]);
    failures.extend(check(&jittered_partition(), &Geometry::Polygon(sliver), checks).err());
    // a valid polygon of the grid partition: a rectangle with a triangular hole whose corner
    // is the corner of unit 2's island hole: unit 2 gets −510 065 618 083 000 m² (the overlay
    // returns unit 2's hole counter-clockwise)
    let mut hole = ring(&[(110.045, 30.045), (110.06, 30.05), (110.05, 30.0)])
        .exterior()
        .clone();
    hole.0.reverse();
    let holed = Polygon::new(
        rect_polygon([110.03, 30.0, 110.06, 30.05])
            .exterior()
            .clone(),
        vec![hole],
    );
    failures.extend(check(&grid_partition(), &Geometry::Polygon(holed), checks).err());
    if let Some(fx) = national_window() {
        // a 536 m² kite with a corner on a unit vertex: unit 166 gets +5.1e14 m²
        let kite = ring(&[
            (116.919_158, 39.771_525),
            (116.919_595_834_881_86, 39.770_866_022_125_53),
            (116.920_102_228_003_91, 39.770_258_142_837_56),
            (116.919_652_997_619_17, 39.770_908_627_289_67),
        ]);
        failures.extend(check(fx, &Geometry::Polygon(kite), checks).err());
    }
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    if let Some(fx) = national_window() {
        run(fx, [23; 32], 400, checks);
    }
    run(&grid_partition(), [21; 32], 400, checks);
    run(&jittered_partition(), [22; 32], 400, checks);
}

/// Projects whose bounding box starts exactly on the east (or north) extreme of the whole unit
/// set: they touch the units there, at a vertex or along an edge.
#[test]
fn touching_at_the_east_and_north_extremes_of_the_unit_set() {
    let fx = grid_partition();
    let checks = Checks {
        at_extremes: true,
        ..IDS_AND_INVARIANTS
    };
    let (east, north) = (fx.bbox.max().x, fx.bbox.max().y);
    let line = |pts: &[(f64, f64)]| Geometry::LineString(LineString::from(pts.to_vec()));
    let cases = vec![
        // leaving the east edge at a vertex, eastward
        line(&[(east, 30.05), (east + 0.001, 30.048)]),
        // leaving the north edge at a vertex, northward
        line(&[(110.05, north), (110.051, north + 0.001)]),
        // along the east edge from outside-north
        line(&[(east, north + 0.01), (east, 30.04)]),
        // a box sharing the east edge from outside
        Geometry::Polygon(rect_polygon([east, 30.04, east + 0.01, 30.045])),
        // a box sharing the north edge from outside
        Geometry::Polygon(rect_polygon([110.04, north, 110.045, north + 0.01])),
        // the north-east corner
        Geometry::Point(Point::new(east, north)),
        Geometry::Point(Point::new(east, 30.05)),
    ];
    let mut failures = Vec::new();
    for g in &cases {
        if let Err(e) = check(&fx, g, checks) {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A 731 m line of the jittered partition running along the edge between units 33 and 34,
/// its ends within 2e-15° of the edge on unit 33's side (as an edge-snapped line from a GIS
/// would be). Exact predicates put it in unit 33 only, and unit 33 holds all of it. (The overlay
/// this was once measured with, `BooleanOps::clip`, snaps it onto the edge and gave unit 33
/// nothing, so the report said the line lay partly outside every unit.)
#[test]
fn line_lengths_along_an_edge_within_rounding() {
    let fx = jittered_partition();
    let line = LineString::from(vec![
        (112.047_663_239_547_19, 28.042_681_587_881_198),
        (112.055_100_356_459_93, 28.042_555_842_353_03),
    ]);
    let total = Geodesic.length(&line);
    let g = Geometry::LineString(line);
    let touches = fx.index.touching(&g);
    let ids: Vec<u32> = touches.iter().map(|t| t.unit).collect();
    assert_eq!(ids, reference::brute_touching(&fx.units, &g));
    let lengths: Vec<f64> = touches.iter().filter_map(|t| t.length_m).collect();
    assert!(
        matches!(lengths.as_slice(), [l] if (l - total).abs() <= 1e-3),
        "units {ids:?} hold {lengths:?} m of a {total} m line lying inside them"
    );
    let consistent = check(&fx, &g, IDS_AND_INVARIANTS);
    assert!(consistent.is_ok(), "{consistent:?}");
}
