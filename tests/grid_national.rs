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
}
