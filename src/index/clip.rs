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
//! vertex lies unless the vertex is on the boundary, and any other piece (between two cuts, or
//! whose two ends disagree because a cut was lost to rounding) is classified by its midpoint.

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{BoundingRect, Coord, Geodesic, Length, LineString, MultiLineString, MultiPolygon};

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
    let mut out = Vec::new();
    for_each_piece_inside(area, lines, &mut |seg, t0, t1| {
        out.push(LineString::from(vec![seg.at(t0), seg.at(t1)]));
    });
    MultiLineString(out)
}

/// Length (on the ellipsoid) of the parts of `lines` inside at least one of `areas`: a part on
/// an edge two areas share counts once, where the sum of [`lines_inside`] over the areas counts
/// it in each. What a line's coverage is checked with (part of a line outside every unit needs
/// review).
pub fn length_inside_any(areas: &[&MultiPolygon<f64>], lines: &MultiLineString<f64>) -> f64 {
    // Per segment (line, index), the parameter intervals inside some area.
    let mut pieces: Vec<(usize, usize, f64, f64)> = Vec::new();
    for area in areas {
        for_each_piece_inside(area, lines, &mut |seg, t0, t1| {
            pieces.push((seg.line, seg.index, t0, t1));
        });
    }
    pieces.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    let mut total = 0.0;
    let mut run: Option<(usize, usize, f64, f64)> = None;
    for p in pieces.into_iter().map(Some).chain(std::iter::once(None)) {
        match (run, p) {
            (Some(r), Some(p)) if (r.0, r.1) == (p.0, p.1) && p.2 <= r.3 => {
                run = Some((r.0, r.1, r.2, r.3.max(p.3)));
            }
            (r, p) => {
                if let Some((line, index, t0, t1)) = r {
                    total += segment_of(lines, line, index).map_or(0.0, |s| s.length(t0, t1));
                }
                run = p;
            }
        }
    }
    total
}

/// One segment of a line being cut.
#[derive(Debug, Clone, Copy)]
struct Segment {
    line: usize,
    index: usize,
    a: Coord<f64>,
    b: Coord<f64>,
}

impl Segment {
    /// The point at parameter `t` (exactly `a` at 0 and `b` at 1).
    fn at(&self, t: f64) -> Coord<f64> {
        let (a, b) = (self.a, self.b);
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
    }

    fn length(&self, t0: f64, t1: f64) -> f64 {
        Geodesic.length(&LineString::from(vec![self.at(t0), self.at(t1)]))
    }
}

fn segment_of(lines: &MultiLineString<f64>, line: usize, index: usize) -> Option<Segment> {
    let l = lines.0.get(line)?;
    let (a, b) = (*l.0.get(index)?, *l.0.get(index + 1)?);
    Some(Segment { line, index, a, b })
}

/// Calls `f` with each piece (segment, t0, t1) of `lines` inside the closed `area`.
fn for_each_piece_inside(
    area: &MultiPolygon<f64>,
    lines: &MultiLineString<f64>,
    f: &mut impl FnMut(Segment, f64, f64),
) {
    let Some(bbox) = lines.bounding_rect() else {
        return;
    };
    let (lo, hi) = (bbox.min(), bbox.max());
    let edges: Vec<(Coord<f64>, Coord<f64>)> = area
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines().map(|l| (l.start, l.end)))
        .filter(|&(c, d)| c != d && edge_meets_box(c, d, lo, hi))
        .collect();
    let mut cuts = Vec::new();
    let mut along = Vec::new();
    for (line, l) in lines.0.iter().enumerate() {
        for (index, seg) in l.lines().enumerate() {
            let seg = Segment {
                line,
                index,
                a: seg.start,
                b: seg.end,
            };
            segment_inside(area, &edges, seg, &mut cuts, &mut along, f);
        }
    }
}

/// Calls `f` with the pieces of segment `seg` inside `area`. `cuts` and `along` are reused
/// buffers.
fn segment_inside(
    area: &MultiPolygon<f64>,
    edges: &[(Coord<f64>, Coord<f64>)],
    seg: Segment,
    cuts: &mut Vec<f64>,
    along: &mut Vec<(f64, f64)>,
    f: &mut impl FnMut(Segment, f64, f64),
) {
    let (a, b) = (seg.a, seg.b);
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
        if !edge_meets_box(c, d, lo, hi) {
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
        // the edge (already a cut), or a proper crossing. A meeting strictly inside the segment
        // stays strictly inside when its position rounds to an end (it must not merge with the
        // segment's own vertex, which classifies exactly); one whose position is not a number
        // is left out, and the piece around it is classified by its midpoint.
        let inner = |t: f64| t.clamp(f64::next_up(0.0), f64::next_down(1.0));
        // An edge end lying on the segment, unless it is one of the segment's own ends.
        let end_on_segment = |p: Coord<f64>| (p != a && p != b).then(|| inner(param(a, b, p)));
        let t = if oc == Orientation::Collinear {
            end_on_segment(c)
        } else if od == Orientation::Collinear {
            end_on_segment(d)
        } else if oa != Orientation::Collinear && ob != Orientation::Collinear {
            Some(inner(crossing(a, b, c, d)))
        } else {
            None
        };
        cuts.extend(t);
    }
    cuts.retain(|t| !t.is_nan());
    cuts.sort_unstable_by(f64::total_cmp);
    cuts.dedup();
    for w in cuts.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        if t1 <= t0 {
            continue;
        }
        let mid = (t0 + t1) / 2.0;
        let inside = if along.iter().any(|&(s0, s1)| s0 <= mid && mid <= s1) {
            true
        } else {
            // The segment's own vertices, where the piece ends at one: `a` only at 0, `b` only
            // at 1. Ends that disagree (a cut lost to rounding) leave it to the midpoint.
            let ends = [
                (t0 == 0.0).then(|| area.coordinate_position(&a)),
                (t1 == 1.0).then(|| area.coordinate_position(&b)),
            ];
            let says = |pos: CoordPos| ends.contains(&Some(pos));
            match (says(CoordPos::Inside), says(CoordPos::Outside)) {
                (true, false) => true,
                (false, true) => false,
                _ => area.coordinate_position(&seg.at(mid)) != CoordPos::Outside,
            }
        };
        if inside {
            f(seg, t0, t1);
        }
    }
}

/// Does edge `c`–`d`'s bounding box meet the box `[lo, hi]`?
fn edge_meets_box(c: Coord<f64>, d: Coord<f64>, lo: Coord<f64>, hi: Coord<f64>) -> bool {
    c.x.max(d.x) >= lo.x && c.x.min(d.x) <= hi.x && c.y.max(d.y) >= lo.y && c.y.min(d.y) <= hi.y
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
    use geo::{BooleanOps, Euclidean, Polygon, polygon};

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

    /// A line along the edge two units share, then out of both: each unit's own length counts
    /// the shared part, but the length inside either counts it once, so the part outside both
    /// shows (a coverage check on the sum would miss it).
    #[test]
    fn a_part_on_a_shared_edge_is_covered_once() {
        let square = |x: f64| -> MultiPolygon<f64> {
            MultiPolygon(vec![polygon![
                (x: x, y: 32.0), (x: x + 0.01, y: 32.0), (x: x + 0.01, y: 32.01), (x: x, y: 32.01)
            ]])
        };
        let (a, b) = (square(118.0), square(118.01));
        let line = MultiLineString(vec![LineString::from(vec![
            (118.01, 32.002),
            (118.01, 32.008),
            (118.01, 32.014),
        ])]);
        let geodesic = |pts: &[(f64, f64)]| Geodesic.length(&LineString::from(pts.to_vec()));
        let on_edge = geodesic(&[(118.01, 32.002), (118.01, 32.01)]);
        let outside = geodesic(&[(118.01, 32.01), (118.01, 32.014)]);
        let own = |u: &MultiPolygon<f64>| Geodesic.length(&lines_inside(u, &line));
        assert!((own(&a) - on_edge).abs() < 1e-6 && (own(&b) - on_edge).abs() < 1e-6);
        let covered = length_inside_any(&[&a, &b], &line);
        assert!((covered - on_edge).abs() < 1e-6, "{covered} vs {on_edge}");
        let total = Geodesic.length(&line);
        assert!((total - on_edge - outside).abs() < 1e-6);
        assert!(
            own(&a) + own(&b) >= total * (1.0 - 1e-6),
            "the sum would hide the outside part"
        );
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
