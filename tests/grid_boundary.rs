//! Hand-made boundary cases: shared edges/vertices, holes, multipolygons, horizontal edges.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use geo::{Coord, Intersects, LineString, MultiPolygon, Point, Polygon, coord};
use zonecheck::index::grid::UnitGrid;

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
    LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
}

fn mp(polys: Vec<Polygon<f64>>) -> MultiPolygon<f64> {
    MultiPolygon::new(polys)
}

fn loc(g: &UnitGrid, x: f64, y: f64) -> Vec<u32> {
    let mut out = vec![];
    g.locate(x, y, &mut out);
    out
}

fn brute(units: &[MultiPolygon<f64>], x: f64, y: f64) -> Vec<u32> {
    let p = Point::new(x, y);
    (0..units.len() as u32)
        .filter(|&i| units[i as usize].intersects(&p))
        .collect()
}

/// Two adjacent squares sharing the edge x = 101, a square with a hole, a two-part
/// multipolygon and a triangle with a horizontal top edge.
fn fixture() -> Vec<MultiPolygon<f64>> {
    vec![
        // 0: [100,101] x [30,31]
        mp(vec![Polygon::new(rect(100.0, 30.0, 101.0, 31.0), vec![])]),
        // 1: [101,102] x [30,31] (shares edge x=101 with 0)
        mp(vec![Polygon::new(rect(101.0, 30.0, 102.0, 31.0), vec![])]),
        // 2: [100,102] x [31,32] with a hole [100.5,101.5] x [31.25,31.75]
        mp(vec![Polygon::new(
            rect(100.0, 31.0, 102.0, 32.0),
            vec![rect(100.5, 31.25, 101.5, 31.75)],
        )]),
        // 3: two parts: [103,104]x[30,31] and [105,106]x[30,31]
        mp(vec![
            Polygon::new(rect(103.0, 30.0, 104.0, 31.0), vec![]),
            Polygon::new(rect(105.0, 30.0, 106.0, 31.0), vec![]),
        ]),
        // 4: triangle with horizontal top edge y = 35 and apex at (103.5, 33)
        mp(vec![Polygon::new(
            LineString::from(vec![
                (103.0, 35.0),
                (103.5, 33.0),
                (104.0, 35.0),
                (103.0, 35.0),
            ]),
            vec![],
        )]),
        // 5: the hole of unit 2 filled by another unit (shares the hole ring)
        mp(vec![Polygon::new(rect(100.5, 31.25, 101.5, 31.75), vec![])]),
    ]
}

#[test]
fn shared_edge_and_vertex() {
    let units = fixture();
    let g = UnitGrid::build(&units);
    // on the shared edge x = 101
    assert_eq!(loc(&g, 101.0, 30.5), vec![0, 1]);
    // shared vertex (101, 31): corner of 0, 1 and on the bottom edge of 2
    assert_eq!(loc(&g, 101.0, 31.0), vec![0, 1, 2]);
    // shared corner (100, 31) of 0 and 2
    assert_eq!(loc(&g, 100.0, 31.0), vec![0, 2]);
    // shared horizontal edge y = 31 between 0 and 2
    assert_eq!(loc(&g, 100.25, 31.0), vec![0, 2]);
    // interiors
    assert_eq!(loc(&g, 100.5, 30.5), vec![0]);
    assert_eq!(loc(&g, 101.5, 30.5), vec![1]);
    // outer corners / edges
    assert_eq!(loc(&g, 100.0, 30.0), vec![0]);
    assert_eq!(loc(&g, 102.0, 30.0), vec![1]);
    assert_eq!(loc(&g, 102.0, 30.7), vec![1]);
    // just outside
    assert_eq!(loc(&g, 102.0 + 1e-12, 30.5), Vec::<u32>::new());
    assert_eq!(loc(&g, 99.999_999_999, 30.5), Vec::<u32>::new());
}

#[test]
fn holes() {
    let units = fixture();
    let g = UnitGrid::build(&units);
    // inside the hole: not in 2, but in 5 (which fills the hole)
    assert_eq!(loc(&g, 101.0, 31.5), vec![5]);
    // on the hole boundary: in 2 (boundary counts) and 5
    assert_eq!(loc(&g, 100.5, 31.5), vec![2, 5]);
    assert_eq!(loc(&g, 101.0, 31.25), vec![2, 5]);
    // hole corner vertex
    assert_eq!(loc(&g, 101.5, 31.75), vec![2, 5]);
    // ring of 2 outside the hole
    assert_eq!(loc(&g, 100.25, 31.5), vec![2]);
}

#[test]
fn hole_without_filler() {
    let units = vec![mp(vec![Polygon::new(
        rect(100.0, 31.0, 102.0, 32.0),
        vec![rect(100.5, 31.25, 101.5, 31.75)],
    )])];
    let g = UnitGrid::build(&units);
    assert_eq!(loc(&g, 101.0, 31.5), Vec::<u32>::new());
    assert_eq!(loc(&g, 100.5, 31.5), vec![0]);
    assert_eq!(loc(&g, 101.5, 31.75), vec![0]);
    assert_eq!(loc(&g, 100.25, 31.5), vec![0]);
}

#[test]
fn multipolygon() {
    let units = fixture();
    let g = UnitGrid::build(&units);
    assert_eq!(loc(&g, 103.5, 30.5), vec![3]);
    assert_eq!(loc(&g, 105.5, 30.5), vec![3]);
    assert_eq!(loc(&g, 104.5, 30.5), Vec::<u32>::new());
    assert_eq!(loc(&g, 104.0, 30.5), vec![3]);
    assert_eq!(loc(&g, 105.0, 31.0), vec![3]);
}

#[test]
fn horizontal_edge_and_vertices() {
    let units = fixture();
    let g = UnitGrid::build(&units);
    // on the horizontal top edge y = 35 of the triangle
    assert_eq!(loc(&g, 103.25, 35.0), vec![4]);
    assert_eq!(loc(&g, 103.0, 35.0), vec![4]);
    assert_eq!(loc(&g, 104.0, 35.0), vec![4]);
    assert_eq!(loc(&g, 104.0 + 1e-9, 35.0), Vec::<u32>::new());
    // apex vertex and a point on a slanted edge (midpoint of exact decimal coordinates)
    assert_eq!(loc(&g, 103.5, 33.0), vec![4]);
    assert_eq!(loc(&g, 103.25, 34.0), vec![4]);
    // just above/below the apex
    assert_eq!(loc(&g, 103.5, 33.0 - 1e-12), Vec::<u32>::new());
    assert_eq!(loc(&g, 103.5, 33.0 + 1e-12), vec![4]);
    // just above the top edge
    assert_eq!(loc(&g, 103.5, 35.0 + 1e-12), Vec::<u32>::new());
}

#[test]
fn non_finite_and_outside() {
    let g = UnitGrid::build(&fixture());
    for (x, y) in [
        (f64::NAN, 30.5),
        (100.5, f64::NAN),
        (f64::INFINITY, 30.5),
        (100.5, f64::NEG_INFINITY),
    ] {
        assert!(loc(&g, x, y).is_empty());
    }
    assert!(loc(&g, 0.0, 0.0).is_empty());
    assert!(loc(&g, -100.5, -30.5).is_empty());
    let empty = UnitGrid::build(&[]);
    assert!(loc(&empty, 100.5, 30.5).is_empty());
    let mut out = vec![];
    empty.candidates_in_rect(coord! {x: 0.0, y: 0.0}, coord! {x: 1.0, y: 1.0}, &mut out);
    assert!(out.is_empty());
}

#[test]
fn appends_to_out() {
    let g = UnitGrid::build(&fixture());
    let mut out = vec![99];
    g.locate(101.0, 30.5, &mut out);
    assert_eq!(out, vec![99, 0, 1]);
}

#[test]
fn fixture_dense_agrees_with_brute_force() {
    // all points of a fine lattice (including every vertex, edge and hole boundary)
    let units = fixture();
    let g = UnitGrid::build(&units);
    let mut n = 0;
    for i in 0..=96 {
        for j in 0..=96 {
            let x = 99.5 + i as f64 * 0.0703125; // exact binary steps
            let y = 29.5 + j as f64 * 0.0703125;
            assert_eq!(loc(&g, x, y), brute(&units, x, y), "at ({x}, {y})");
            n += 1;
        }
    }
    for &(x, y) in &[
        (101.0, 30.0),
        (101.0, 32.0),
        (102.0, 32.0),
        (106.0, 31.0),
        (100.5, 31.25),
    ] {
        assert_eq!(loc(&g, x, y), brute(&units, x, y), "at ({x}, {y})");
    }
    assert!(n > 9000);
}

#[test]
fn candidates_in_rect_filters_by_bbox() {
    let units = fixture();
    let g = UnitGrid::build(&units);
    let mut out = vec![];
    g.candidates_in_rect(
        coord! {x: 100.9, y: 30.1},
        coord! {x: 101.1, y: 30.2},
        &mut out,
    );
    assert_eq!(out, vec![0, 1]);
    out.clear();
    // touching the bbox counts
    g.candidates_in_rect(
        coord! {x: 104.0, y: 31.0},
        coord! {x: 104.5, y: 33.0},
        &mut out,
    );
    assert_eq!(out, vec![3, 4]);
    out.clear();
    g.candidates_in_rect(
        coord! {x: 0.0, y: 0.0},
        coord! {x: 200.0, y: 90.0},
        &mut out,
    );
    assert_eq!(out, vec![0, 1, 2, 3, 4, 5]);
    out.clear();
    g.candidates_in_rect(
        coord! {x: 110.0, y: 0.0},
        coord! {x: 200.0, y: 90.0},
        &mut out,
    );
    assert!(out.is_empty());
    // inverted / NaN rect
    g.candidates_in_rect(
        coord! {x: 102.0, y: 31.0},
        coord! {x: 100.0, y: 30.0},
        &mut out,
    );
    g.candidates_in_rect(
        Coord {
            x: f64::NAN,
            y: 0.0,
        },
        coord! {x: 200.0, y: 90.0},
        &mut out,
    );
    assert!(out.is_empty());
}

#[test]
fn non_lattice_coordinates_use_raw_mode() {
    // coordinates that are not on a decimal lattice: exercise the raw f64 path
    let s = 1.0 / 3.0;
    let units = vec![
        mp(vec![Polygon::new(
            rect(100.0 + s, 30.0 + s, 101.0 + s, 31.0 + s),
            vec![],
        )]),
        mp(vec![Polygon::new(
            rect(101.0 + s, 30.0 + s, 102.0 + s, 31.0 + s),
            vec![],
        )]),
    ];
    let g = UnitGrid::build(&units);
    assert!(!g.stats().lattice);
    assert_eq!(loc(&g, 101.0 + s, 30.5), vec![0, 1]);
    assert_eq!(loc(&g, 101.0 + s, 31.0 + s), vec![0, 1]);
    assert_eq!(loc(&g, 100.5, 30.5), vec![0]);
    assert_eq!(loc(&g, 100.0 + s, 30.0 + s), vec![0]);
    assert_eq!(loc(&g, 102.0, 30.2), Vec::<u32>::new());
    let g2 = UnitGrid::from_bytes(&g.to_bytes()).expect("roundtrip");
    assert_eq!(loc(&g2, 101.0 + s, 30.5), vec![0, 1]);
}

#[test]
fn bytes_roundtrip_and_corruption() {
    let units = fixture();
    let g = UnitGrid::build(&units);
    let bytes = g.to_bytes();
    let g2 = UnitGrid::from_bytes(&bytes).expect("roundtrip");
    assert_eq!(g, g2);
    assert_eq!(loc(&g2, 101.0, 31.0), vec![0, 1, 2]);
    // truncations never panic
    let step = (bytes.len() / 3000).max(1);
    for n in (0..bytes.len()).step_by(step) {
        assert!(UnitGrid::from_bytes(&bytes[..n]).is_err());
    }
    // single-byte corruptions never panic; if accepted, queries must not panic either
    let mut rng = 0x1234_5678_9abc_def0u64;
    for i in (0..bytes.len()).step_by(step) {
        for _ in 0..3 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut b = bytes.clone();
            b[i] ^= (rng as u8) | 1;
            if let Ok(g3) = UnitGrid::from_bytes(&b) {
                for &(x, y) in &[(101.0, 30.5), (100.7, 31.5), (103.5, 34.0), (105.5, 30.5)] {
                    let mut out = vec![];
                    g3.locate(x, y, &mut out);
                    g3.candidates_in_rect(
                        coord! {x: x - 1.0, y: y - 1.0},
                        coord! {x: x, y: y},
                        &mut out,
                    );
                }
            }
        }
    }
    assert!(UnitGrid::from_bytes(b"not a grid").is_err());
    let e = UnitGrid::from_bytes(&[]).unwrap_err();
    assert!(!e.to_string().is_empty());
}
