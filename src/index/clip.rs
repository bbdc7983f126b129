//! The parts of a line inside a closed (multi)polygon, decided with exact predicates: what a
//! line project's overlap with a unit is measured on.
//!
//! An overlay that snaps coordinates to an integer grid (`geo`'s `BooleanOps::clip`) can put a
//! line lying within rounding of a unit's edge on the wrong side of it, so a unit that exact
//! `Intersects` reports as touched got no length and the line counted as partly outside every
//! unit. Here every segment is cut where it meets the boundary (the meetings decided by robust
//! orientation tests, only their positions computed in floating point), and each piece is
//! classified by what is exact about it: a piece along a boundary edge is on the boundary (the
//! closed polygon holds it), a piece ending at one of the line's own vertices lies where that
//! vertex lies unless the vertex is on the boundary, and only a piece between two cuts is
//! classified by its midpoint.

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{BoundingRect, Coord, LineString, MultiLineString, MultiPolygon};

/// The parts of `lines` inside the closed `area` (boundary included), as two-point lines.
///
/// `area` must be the whole polygon, not one cut to the line's surroundings: a cut moves the
/// edges it crosses by rounding, and a line within rounding of such an edge could then cross it.
///
/// # Runtime
/// O(v + s·e + p·v) for v vertices of `area`, s line segments, e boundary edges whose box meets
/// the lines' box, and p pieces classified by a point-in-polygon test.
pub fn lines_inside(
    area: &MultiPolygon<f64>,
    lines: &MultiLineString<f64>,
) -> MultiLineString<f64> {
    let Some(bbox) = lines.bounding_rect() else {
        return MultiLineString(Vec::new());
    };
    let (lo, hi) = (bbox.min(), bbox.max());
    let edges: Vec<(Coord<f64>, Coord<f64>)> = area
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines().map(|l| (l.start, l.end)))
        .filter(|(c, d)| {
            c != d
                && c.x.max(d.x) >= lo.x
                && c.x.min(d.x) <= hi.x
                && c.y.max(d.y) >= lo.y
                && c.y.min(d.y) <= hi.y
        })
        .collect();
    let mut out = Vec::new();
    let mut cuts = Vec::new();
    let mut along = Vec::new();
    for line in &lines.0 {
        for seg in line.lines() {
            segment_inside(
                area, &edges, seg.start, seg.end, &mut cuts, &mut along, &mut out,
            );
        }
    }
    MultiLineString(out)
}

/// Appends to `out` the pieces of segment `a`–`b` inside `area`. `cuts` and `along` are reused
/// buffers.
fn segment_inside(
    area: &MultiPolygon<f64>,
    edges: &[(Coord<f64>, Coord<f64>)],
    a: Coord<f64>,
    b: Coord<f64>,
    cuts: &mut Vec<f64>,
    along: &mut Vec<(f64, f64)>,
    out: &mut Vec<LineString<f64>>,
) {
    if a == b {
        return;
    }
    cuts.clear();
    along.clear();
    cuts.extend([0.0, 1.0]);
    let (lo, hi) = (
        Coord {
            x: a.x.min(b.x),
            y: a.y.min(b.y),
        },
        Coord {
            x: a.x.max(b.x),
            y: a.y.max(b.y),
        },
    );
    for &(c, d) in edges {
        if c.x.max(d.x) < lo.x || c.x.min(d.x) > hi.x || c.y.max(d.y) < lo.y || c.y.min(d.y) > hi.y
        {
            continue;
        }
        let (oc, od) = (orient(a, b, c), orient(a, b, d));
        if oc == od && oc != Orientation::Collinear {
            continue;
        }
        if oc == Orientation::Collinear && od == Orientation::Collinear {
            // The edge lies on the segment's line: the overlap, if any, is boundary.
            let (tc, td) = (param(a, b, c), param(a, b, d));
            let (t0, t1) = (tc.min(td).max(0.0), tc.max(td).min(1.0));
            if t0 <= t1 {
                cuts.extend([t0, t1]);
                along.push((t0, t1));
            }
            continue;
        }
        let (oa, ob) = (orient(c, d, a), orient(c, d, b));
        if oa == ob && oa != Orientation::Collinear {
            continue;
        }
        // They meet at one point: an end of the edge on the segment, an end of the segment on
        // the edge (already a cut), or a proper crossing.
        if oc == Orientation::Collinear {
            cuts.push(param(a, b, c).clamp(0.0, 1.0));
        } else if od == Orientation::Collinear {
            cuts.push(param(a, b, d).clamp(0.0, 1.0));
        } else if oa != Orientation::Collinear && ob != Orientation::Collinear {
            cuts.push(crossing(a, b, c, d).clamp(0.0, 1.0));
        }
    }
    cuts.sort_unstable_by(f64::total_cmp);
    cuts.dedup();
    let at = |t: f64| -> Coord<f64> {
        if t <= 0.0 {
            a
        } else if t >= 1.0 {
            b
        } else {
            Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            }
        }
    };
    for w in cuts.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        if t1 <= t0 {
            continue;
        }
        let mid = (t0 + t1) / 2.0;
        let inside = if along.iter().any(|&(s0, s1)| s0 <= mid && mid <= s1) {
            true
        } else {
            let own_end = |t: f64, p: Coord<f64>| {
                (t == 0.0 || t == 1.0).then(|| area.coordinate_position(&p))
            };
            match (own_end(t0, a), own_end(t1, b)) {
                (Some(CoordPos::Inside), _) | (_, Some(CoordPos::Inside)) => true,
                (Some(CoordPos::Outside), _) | (_, Some(CoordPos::Outside)) => false,
                _ => area.coordinate_position(&at(mid)) != CoordPos::Outside,
            }
        };
        if inside {
            out.push(LineString::from(vec![at(t0), at(t1)]));
        }
    }
}

fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(p, q, r)
}

/// Where `p` projects onto the line through `a` and `b`, as a parameter (0 at `a`, 1 at `b`).
fn param(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)
}

/// The parameter along `a`–`b` where it crosses the line through `c` and `d`.
fn crossing(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> f64 {
    let (rx, ry) = (b.x - a.x, b.y - a.y);
    let (sx, sy) = (d.x - c.x, d.y - c.y);
    ((c.x - a.x) * sy - (c.y - a.y) * sx) / (rx * sy - ry * sx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{BooleanOps, Euclidean, Length, Polygon, polygon};

    fn planar(lines: &MultiLineString<f64>) -> f64 {
        lines.0.iter().map(|l| Euclidean.length(l)).sum()
    }

    fn inside(area: &Polygon<f64>, line: &[(f64, f64)]) -> f64 {
        let lines = MultiLineString(vec![LineString::from(line.to_vec())]);
        planar(&lines_inside(&MultiPolygon(vec![area.clone()]), &lines))
    }

    /// The unit square with a hole [0.4, 0.6]².
    fn square() -> Polygon<f64> {
        polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
            interiors: [[(x: 0.4, y: 0.4), (x: 0.6, y: 0.4), (x: 0.6, y: 0.6), (x: 0.4, y: 0.6)]],
        )
    }

    #[test]
    fn the_parts_inside_are_kept_the_rest_dropped() {
        let s = square();
        // across the square, clear of the hole
        assert!((inside(&s, &[(-1.0, 0.2), (2.0, 0.2)]) - 1.0).abs() < 1e-12);
        // across the square and its hole
        assert!((inside(&s, &[(-1.0, 0.5), (2.0, 0.5)]) - 0.8).abs() < 1e-12);
        // wholly outside, and touching a corner only
        assert_eq!(inside(&s, &[(2.0, 2.0), (3.0, 2.0)]), 0.0);
        assert_eq!(inside(&s, &[(-1.0, 1.0), (1.0, 3.0)]), 0.0);
        // from inside out through a vertex, then back in: two pieces
        let zigzag = [(0.5, 0.2), (1.0, 0.0), (1.5, 0.2), (1.0, 0.3), (0.8, 0.3)];
        let want = Euclidean.length(&LineString::from(vec![(0.5, 0.2), (1.0, 0.0)])) + 0.2;
        assert!((inside(&s, &zigzag) - want).abs() < 1e-12);
    }

    /// The boundary belongs to the closed polygon: a line along an edge, or along the rim of
    /// the hole, is inside.
    #[test]
    fn a_line_along_the_boundary_is_inside() {
        let s = square();
        assert!((inside(&s, &[(-1.0, 0.0), (2.0, 0.0)]) - 1.0).abs() < 1e-12);
        assert!((inside(&s, &[(0.3, 0.4), (0.7, 0.4)]) - 0.4).abs() < 1e-12);
        // along an edge, then away from the square
        assert!((inside(&s, &[(0.5, 1.0), (1.0, 1.0), (2.0, 2.0)]) - 0.5).abs() < 1e-12);
    }

    /// A line within rounding of an edge, on the inside, is inside from end to end: its ends
    /// are the line's own vertices, classified exactly.
    #[test]
    fn a_line_within_rounding_of_an_edge_is_classified_by_its_own_vertices() {
        let (a, b) = ((112.0, 28.0), (112.01, 28.001));
        let skewed: Polygon<f64> = polygon![
            (x: a.0, y: a.1), (x: b.0, y: b.1), (x: 112.01, y: 28.1), (x: 112.0, y: 28.1)
        ];
        // Both ends are inside (exactly), but the midpoint computed in floating point falls
        // outside (found by search with exact rational arithmetic).
        let line = [
            (112.001_308_427_945_06, 28.000_130_842_794_51),
            (112.008_796_911_795_88, 28.000_879_691_179_59),
        ];
        let exact = |p: (f64, f64)| {
            MultiPolygon(vec![skewed.clone()]).coordinate_position(&Coord { x: p.0, y: p.1 })
        };
        assert_eq!(
            (exact(line[0]), exact(line[1])),
            (CoordPos::Inside, CoordPos::Inside)
        );
        let mid = ((line[0].0 + line[1].0) / 2.0, (line[0].1 + line[1].1) / 2.0);
        assert_eq!(exact(mid), CoordPos::Outside);
        let whole = Euclidean.length(&LineString::from(line.to_vec()));
        assert_eq!(inside(&skewed, &line), whole);
    }

    /// Away from boundaries the exact cut and `geo`'s overlay agree, within the overlay's
    /// snapping (~1e-8 here): random lines over an irregular polygon with a hole.
    #[test]
    fn the_overlay_agrees_away_from_the_boundary() {
        let area: Polygon<f64> = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 5.0, y: 1.0), (x: 6.0, y: 5.0), (x: 3.0, y: 3.5),
                       (x: 1.0, y: 6.0), (x: -1.0, y: 3.0)],
            interiors: [[(x: 1.5, y: 1.5), (x: 2.5, y: 1.5), (x: 2.0, y: 2.5)]],
        );
        let mp = MultiPolygon(vec![area]);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 1.5
        };
        for _ in 0..300 {
            let line = LineString::from((0..4).map(|_| (next(), next())).collect::<Vec<_>>());
            let lines = MultiLineString(vec![line]);
            let ours = planar(&lines_inside(&mp, &lines));
            let theirs = planar(&mp.clip(&lines, false));
            assert!(
                (ours - theirs).abs() < 1e-6,
                "{ours} vs {theirs} for {lines:?}"
            );
        }
    }
}
