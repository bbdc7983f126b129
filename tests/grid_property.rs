//! Seeded property tests: `locate` must equal a brute-force `geo::Intersects` reference on
//! random points, vertex-snapped points, edge midpoints and near-degenerate points.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use geo::{BoundingRect, Coord, Intersects, LineString, MultiPolygon, Point, Polygon, Rect};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::sync::OnceLock;
use zonecheck::index::grid::UnitGrid;

#[allow(dead_code)]
mod common;

struct Fixture {
    units: Vec<MultiPolygon<f64>>,
    boxes: Vec<Rect<f64>>,
    verts: Vec<Coord<f64>>,
    edges: Vec<(Coord<f64>, Coord<f64>)>,
    bbox: Rect<f64>,
    grid: UnitGrid,
}

impl Fixture {
    fn new(units: Vec<MultiPolygon<f64>>) -> Fixture {
        let boxes: Vec<Rect<f64>> = units
            .iter()
            .map(|u| u.bounding_rect().expect("non-empty"))
            .collect();
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
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for b in &boxes {
            x0 = x0.min(b.min().x);
            y0 = y0.min(b.min().y);
            x1 = x1.max(b.max().x);
            y1 = y1.max(b.max().y);
        }
        let grid = UnitGrid::build(&units);
        let bbox = Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 });
        Fixture {
            units,
            boxes,
            verts,
            edges,
            bbox,
            grid,
        }
    }

    fn brute(&self, x: f64, y: f64) -> Vec<u32> {
        let p = Point::new(x, y);
        (0..self.units.len())
            .filter(|&i| {
                let b = self.boxes[i];
                x >= b.min().x && x <= b.max().x && y >= b.min().y && y <= b.max().y
            })
            .filter(|&i| self.units[i].intersects(&p))
            .map(|i| i as u32)
            .collect()
    }

    /// Map a (kind, a, b, c) sample to a query point.
    fn point(&self, kind: u8, a: usize, b: usize, c: f64) -> Coord<f64> {
        let bb = self.bbox;
        match kind % 7 {
            0 => Coord {
                x: bb.min().x + c * bb.width(),
                y: bb.min().y + ((a % 1000) as f64 / 1000.0) * bb.height(),
            },
            1 => self.verts[a % self.verts.len()],
            2 => {
                let (p, q) = self.edges[a % self.edges.len()];
                Coord {
                    x: (p.x + q.x) / 2.0,
                    y: (p.y + q.y) / 2.0,
                }
            }
            3 => {
                let (p, q) = self.edges[a % self.edges.len()];
                Coord {
                    x: p.x + c * (q.x - p.x),
                    y: p.y + c * (q.y - p.y),
                }
            }
            4 => {
                let v = self.verts[a % self.verts.len()];
                let ulps = (b % 5) as i64 - 2;
                let nudge = |f: f64| f64::from_bits((f.to_bits() as i64 + ulps) as u64);
                if b.is_multiple_of(2) {
                    Coord {
                        x: nudge(v.x),
                        y: v.y,
                    }
                } else {
                    Coord {
                        x: v.x,
                        y: nudge(v.y),
                    }
                }
            }
            5 => {
                // x of one vertex, y of another: horizontal rays through vertices
                let v = self.verts[a % self.verts.len()];
                let w = self.verts[b % self.verts.len()];
                Coord {
                    x: v.x + (c - 0.5) * 1e-3,
                    y: w.y,
                }
            }
            _ => {
                let v = self.verts[a % self.verts.len()];
                Coord {
                    x: v.x + (c - 0.5) * 2e-3,
                    y: v.y + ((b % 2001) as f64 - 1000.0) * 1e-6,
                }
            }
        }
    }
}

fn check(fx: &Fixture, seed: [u8; 32], cases: u32) {
    let cfg = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(cfg, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let strat = (any::<u8>(), any::<usize>(), any::<usize>(), 0.0f64..1.0);
    runner
        .run(&strat, |(kind, a, b, c)| {
            let p = fx.point(kind, a, b, c);
            let mut got = Vec::new();
            fx.grid.locate(p.x, p.y, &mut got);
            let exp = fx.brute(p.x, p.y);
            prop_assert_eq!(&got, &exp, "kind {} at ({:?}, {:?})", kind % 7, p.x, p.y);
            Ok(())
        })
        .expect("locate agrees with brute force");
}

/// A few hundred national units around Beijing (or None without the data file).
fn national_subset() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let (_codes, units) = common::load_units()?;
        let win = Rect::new(Coord { x: 115.8, y: 39.4 }, Coord { x: 117.2, y: 40.5 });
        let sub: Vec<MultiPolygon<f64>> = units
            .into_iter()
            .filter(|u| u.bounding_rect().is_some_and(|b| b.intersects(&win)))
            .collect();
        eprintln!("national subset: {} units", sub.len());
        Some(Fixture::new(sub))
    })
    .as_ref()
}

fn rng_f64(s: &mut u64) -> f64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    (*s >> 11) as f64 / (1u64 << 53) as f64
}

/// A jittered quad partition (units share edges exactly), some units with holes and some
/// multi-part units. `lattice` rounds coordinates to 1e-6.
fn synthetic(lattice: bool, seed: u64) -> Vec<MultiPolygon<f64>> {
    let mut s = seed;
    let n = 14;
    let mut v = vec![vec![Coord { x: 0.0, y: 0.0 }; n + 1]; n + 1];
    for (i, row) in v.iter_mut().enumerate() {
        for (j, c) in row.iter_mut().enumerate() {
            let jx = if i == 0 || i == n {
                0.0
            } else {
                (rng_f64(&mut s) - 0.5) * 0.006
            };
            let jy = if j == 0 || j == n {
                0.0
            } else {
                (rng_f64(&mut s) - 0.5) * 0.006
            };
            let mut x = 110.0 + i as f64 * 0.01 + jx;
            let mut y = 30.0 + j as f64 * 0.01 + jy;
            if lattice {
                x = (x * 1e6).round() / 1e6;
                y = (y * 1e6).round() / 1e6;
            }
            *c = Coord { x, y };
        }
    }
    let mut units = Vec::new();
    for i in 0..n {
        for j in 0..n {
            // subdivided edges: add the midpoint of the bottom edge as an extra vertex
            let (a, b, c, d) = (v[i][j], v[i + 1][j], v[i + 1][j + 1], v[i][j + 1]);
            let ring = LineString::new(vec![a, b, c, d, a]);
            let holes = if (i + j) % 5 == 0 {
                let r = |f: f64| if lattice { (f * 1e6).round() / 1e6 } else { f };
                let cx = r((a.x + c.x) / 2.0);
                let cy = r((a.y + c.y) / 2.0);
                let h = 0.001;
                let (cx, cy) = (cx, cy);
                let _ = r;
                vec![LineString::from(
                    [
                        (cx - h, cy - h),
                        (cx + h, cy - h),
                        (cx, cy + h),
                        (cx - h, cy - h),
                    ]
                    .iter()
                    .map(|&(x, y)| {
                        if lattice {
                            ((x * 1e6).round() / 1e6, (y * 1e6).round() / 1e6)
                        } else {
                            (x, y)
                        }
                    })
                    .collect::<Vec<_>>(),
                )]
            } else {
                vec![]
            };
            units.push(MultiPolygon::new(vec![Polygon::new(ring, holes)]));
        }
    }
    // merge some units into multi-part units (non-adjacent parts)
    let mut merged = Vec::new();
    for (k, u) in units.into_iter().enumerate() {
        if k % 7 == 3 && k >= 2 * n {
            let prev: &mut MultiPolygon<f64> = &mut merged[k - 2 * n];
            prev.0.extend(u.0);
        } else {
            merged.push(u);
        }
    }
    merged
}

#[test]
fn prop_national_subset() {
    let Some(fx) = national_subset() else {
        common::skip_or_fail("prop_national_subset", &common::units_path());
        return;
    };
    check(fx, [7; 32], 20_000);
}

#[test]
fn prop_synthetic_lattice() {
    let fx = Fixture::new(synthetic(true, 0x9E3779B97F4A7C15));
    assert!(fx.grid.stats().lattice);
    check(&fx, [11; 32], 20_000);
}

#[test]
fn prop_synthetic_raw() {
    let fx = Fixture::new(synthetic(false, 0xDEADBEEF));
    assert!(!fx.grid.stats().lattice);
    check(&fx, [13; 32], 20_000);
}

#[test]
fn prop_snapshot_roundtrip() {
    let fx = Fixture::new(synthetic(true, 42));
    let bytes = fx.grid.to_bytes();
    let g2 = UnitGrid::from_bytes(&bytes).expect("roundtrip");
    assert!(g2 == fx.grid);
    let comp = fx.grid.leaf_composition();
    assert!(comp[3] > 0, "synthetic lattice set should produce chains");
    // random corruptions (1-4 bytes) never panic, in from_bytes or in later queries
    let mut s = 0x0123_4567_89AB_CDEFu64;
    let mut accepted = 0;
    for _ in 0..4000 {
        let mut b = bytes.clone();
        for _ in 0..1 + (rng_f64(&mut s) * 4.0) as usize {
            let i = (rng_f64(&mut s) * b.len() as f64) as usize;
            b[i] ^= 1 << ((rng_f64(&mut s) * 8.0) as u32);
        }
        if let Ok(g) = UnitGrid::from_bytes(&b) {
            accepted += 1;
            let mut out = Vec::new();
            for k in 0..50 {
                let p = fx.point(k as u8, k * 7919, k * 104729, (k as f64) / 50.0);
                g.locate(p.x, p.y, &mut out);
            }
        }
    }
    eprintln!("corrupted snapshots accepted (harmlessly): {accepted}/4000");
}
