//! Exact agreement with the 20k GEOS reference on the national unit set.
//! Skips (with a message) when the data is missing; override the directory with
//! ZONECHECK_NATIONAL_DIR.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use geo::Coord;
use std::collections::HashMap;
use zonecheck::index::grid::UnitGrid;

#[allow(dead_code)]
mod common;

#[test]
fn national_20k_reference_exact() {
    let Some((codes, units)) = common::load_units() else {
        common::skip_or_fail("national_20k_reference_exact", &common::units_path());
        return;
    };
    let Some(points) = common::load_points() else {
        common::skip_or_fail("national_20k_reference_exact", &common::points_path());
        return;
    };
    let t = std::time::Instant::now();
    let g = UnitGrid::build(&units);
    eprintln!(
        "build {:.2} s, heap {:.1} MB",
        t.elapsed().as_secs_f64(),
        g.heap_bytes() as f64 / 1e6
    );
    let id: HashMap<&str, u32> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let bytes = g.to_bytes();
    let g2 = UnitGrid::from_bytes(&bytes).expect("snapshot roundtrip");
    assert!(g2 == g, "snapshot roundtrip changed the structure");
    let mut mismatches = 0;
    let mut out = Vec::new();
    let mut cand = Vec::new();
    for (i, (x, y, exp)) in points.iter().enumerate() {
        let mut e: Vec<u32> = exp
            .iter()
            .map(|c| *id.get(c.as_str()).expect("known code"))
            .collect();
        e.sort_unstable();
        for grid in [&g, &g2] {
            out.clear();
            grid.locate(*x, *y, &mut out);
            if out != e {
                mismatches += 1;
                if mismatches <= 10 {
                    eprintln!("mismatch #{i} ({x}, {y}): got {out:?} expected {e:?}");
                }
            }
        }
        cand.clear();
        g.candidates_in_rect(Coord { x: *x, y: *y }, Coord { x: *x, y: *y }, &mut cand);
        for u in &e {
            assert!(
                cand.binary_search(u).is_ok(),
                "unit {u} missing from candidates at #{i}"
            );
        }
    }
    eprintln!("{} points, {} mismatches", points.len(), mismatches);
    assert_eq!(mismatches, 0);

    // The grouped locator gives the same answers, also with points outside the grid and
    // non-finite ones in the groups (every 7th slot), and a last group that is not full.
    let mut pts = Vec::new();
    let mut want: Vec<Vec<u32>> = Vec::new();
    for (i, (x, y, exp)) in points.iter().enumerate() {
        if i % 7 == 3 {
            pts.push(Coord { x: f64::NAN, y: *y });
            want.push(Vec::new());
            pts.push(Coord { x: 200.0, y: -95.0 });
            want.push(Vec::new());
        }
        pts.push(Coord { x: *x, y: *y });
        let mut e: Vec<u32> = exp.iter().map(|c| id[c.as_str()]).collect();
        e.sort_unstable();
        want.push(e);
    }
    pts.truncate(pts.len() - 5);
    want.truncate(want.len() - 5);
    let (mut all, mut ends) = (Vec::new(), Vec::new());
    g.locate_many(&pts, &mut all, &mut ends);
    assert_eq!(ends.len(), pts.len());
    let mut from = 0;
    for (i, end) in ends.iter().enumerate() {
        assert_eq!(
            all[from..*end],
            want[i][..],
            "point {i} of the grouped locator"
        );
        from = *end;
    }

    // A rectangle the grid puts inside one unit: its corners and a lattice of points in it
    // locate to that unit alone. Rectangles of 10 m to 20 km around the reference points.
    let mut proven = 0;
    for (i, (x, y, _)) in points.iter().enumerate() {
        let h = 1e-4 * (1 + i % 200) as f64;
        let (min, max) = (
            Coord {
                x: x - h,
                y: y - h * 0.7,
            },
            Coord {
                x: x + h,
                y: y + h * 0.7,
            },
        );
        let Some(u) = g.unit_containing_rect(min, max) else {
            continue;
        };
        proven += 1;
        for a in 0..=4 {
            for b in 0..=4 {
                let (fx, fy) = (f64::from(a) / 4.0, f64::from(b) / 4.0);
                let p = (min.x + fx * (max.x - min.x), min.y + fy * (max.y - min.y));
                out.clear();
                g.locate(p.0, p.1, &mut out);
                assert_eq!(out, vec![u], "rect #{i} proven in {u}, point {p:?}");
            }
        }
    }
    eprintln!("{proven} rectangles proven inside one unit");
    assert!(
        proven > 1_000,
        "the grid proves small rectangles away from boundaries ({proven})"
    );
}
