//! Validity of large project polygons in O(n log n).
//!
//! geo's `Validation` compares every segment of a polygon with every other one: fine for the
//! outlines applicants usually draw, but a 20,000-vertex site boundary took seconds and a
//! 100,000-vertex one most of a minute — a hang for a caller. Above [`INDEXED_ABOVE`] vertices
//! the project parser uses this check instead: segments go into an R-tree, and only segments
//! whose boxes meet are compared exactly (geo's `line_intersection`).
//!
//! A polygon is valid when no ring crosses or touches itself (neighbouring segments share only
//! their common vertex), no two rings cross or overlap along a segment (touching at single
//! points is allowed, as in OGC), every hole lies inside the outer ring, and no hole lies inside
//! another. Parts of a multipolygon must not cross, overlap, or lie inside one another.

use geo::{Contains, Coord, Line, LineIntersection, LineString, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Vertex count above which the indexed check replaces geo's pairwise one.
pub const INDEXED_ABOVE: usize = 2_000;

/// One segment's box, with its position in the segment list.
type Seg = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Where a segment is: (part, ring, segment index, ring length in segments).
type Place = (usize, usize, usize, usize);

fn segments(mp: &MultiPolygon<f64>) -> (Vec<Seg>, Vec<Line<f64>>, Vec<Place>) {
    let mut boxes = Vec::new();
    let mut lines = Vec::new();
    let mut places = Vec::new();
    for (pi, p) in mp.0.iter().enumerate() {
        let rings = std::iter::once(p.exterior()).chain(p.interiors().iter());
        for (ri, ring) in rings.enumerate() {
            // Repeated consecutive positions are allowed (GeoJSON and OGC): drop them.
            let mut ring = ring.clone();
            ring.0.dedup();
            let n = ring.0.len().saturating_sub(1);
            for (si, l) in ring.lines().enumerate() {
                let r = Rectangle::from_corners(
                    [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
                    [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
                );
                boxes.push(GeomWithData::new(r, lines.len()));
                lines.push(l);
                places.push((pi, ri, si, n));
            }
        }
    }
    (boxes, lines, places)
}

fn show(c: Coord<f64>) -> String {
    format!("({:.7}, {:.7})", c.x, c.y)
}

/// Are segments `a` and `b` of the same ring neighbours (sharing a vertex)?
fn neighbours(a: usize, b: usize, n: usize) -> bool {
    a.abs_diff(b) == 1 || (n > 1 && a.abs_diff(b) == n - 1)
}

/// The first contact between segments that must not meet, as a message.
fn crossing(mp: &MultiPolygon<f64>) -> Option<String> {
    let (boxes, lines, places) = segments(mp);
    let tree = RTree::bulk_load(boxes.clone());
    for b in &boxes {
        let i = b.data;
        let env = AABB::from_corners(b.geom().lower(), b.geom().upper());
        for other in tree.locate_in_envelope_intersecting(&env) {
            let j = other.data;
            if j <= i {
                continue;
            }
            let (Some(li), Some(lj), Some(&(pi, ri, si, n)), Some(&(pj, rj, sj, _))) =
                (lines.get(i), lines.get(j), places.get(i), places.get(j))
            else {
                continue;
            };
            let Some(hit) = geo::line_intersection::line_intersection(*li, *lj) else {
                continue;
            };
            let same_ring = (pi, ri) == (pj, rj);
            match hit {
                LineIntersection::Collinear { intersection } => {
                    return Some(format!(
                        "two edges overlap along {} – {}",
                        show(intersection.start),
                        show(intersection.end)
                    ));
                }
                LineIntersection::SinglePoint {
                    intersection,
                    is_proper,
                } => {
                    if same_ring && neighbours(si, sj, n) && !is_proper {
                        continue; // their shared vertex
                    }
                    if !same_ring && !is_proper && pi == pj {
                        continue; // rings of one polygon may touch at a point
                    }
                    if !same_ring && !is_proper && pi != pj {
                        continue; // parts may touch at a point
                    }
                    let what = if same_ring {
                        "the ring crosses or touches itself"
                    } else if pi == pj {
                        "two rings cross"
                    } else {
                        "two parts cross"
                    };
                    return Some(format!("{what} at {}", show(intersection)));
                }
            }
        }
    }
    None
}

/// A vertex of `ring` not on `other`'s boundary is enough to say which side it is on once
/// rings do not cross; any vertex will do for a strict containment test.
fn inside(ring: &LineString<f64>, area: &Polygon<f64>) -> bool {
    ring.0.iter().any(|c| area.contains(c))
}

/// The first ring lying inside another of `rings` (rings that do not cross), as indices.
fn nested<'a>(rings: impl Iterator<Item = &'a LineString<f64>>) -> Option<(usize, usize)> {
    use geo::BoundingRect;
    let rings: Vec<&LineString<f64>> = rings.collect();
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = rings
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let b = r.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(boxes.clone());
    for b in &boxes {
        let outer = b.data;
        let env = AABB::from_corners(b.geom().lower(), b.geom().upper());
        let area = rings
            .get(outer)
            .map(|r| Polygon::new((*r).clone(), vec![]))?;
        for candidate in tree.locate_in_envelope(&env) {
            let inner = candidate.data;
            if inner != outer && rings.get(inner).is_some_and(|r| inside(r, &area)) {
                return Some((inner, outer));
            }
        }
    }
    None
}

/// Checks a polygon or multipolygon as described in the module docs.
///
/// # Errors
/// Where and why the geometry is invalid.
pub fn check(mp: &MultiPolygon<f64>) -> Result<(), String> {
    if let Some(m) = crossing(mp) {
        return Err(m);
    }
    // With no crossings, a ring lies inside another exactly when one of its vertices does; only
    // rings whose boxes nest are compared (an R-tree of boxes), so many parts or holes stay cheap.
    for p in &mp.0 {
        let outer = Polygon::new(p.exterior().clone(), vec![]);
        for (hi, h) in p.interiors().iter().enumerate() {
            if !inside(h, &outer) {
                return Err(format!("hole {} lies outside the outer ring", hi + 1));
            }
        }
        if let Some((inner, outer)) = nested(p.interiors().iter()) {
            return Err(format!("hole {} lies inside hole {}", inner + 1, outer + 1));
        }
    }
    if let Some((inner, outer)) = nested(mp.0.iter().map(Polygon::exterior)) {
        return Err(format!("part {} lies inside part {}", inner + 1, outer + 1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circle(cx: f64, cy: f64, r: f64, n: usize) -> LineString<f64> {
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                Coord {
                    x: cx + r * a.cos(),
                    y: cy + r * a.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    }

    #[test]
    fn a_large_valid_polygon_with_a_hole_passes() {
        let p = Polygon::new(
            circle(0.0, 0.0, 1.0, 5000),
            vec![circle(0.1, 0.0, 0.3, 3000)],
        );
        assert_eq!(check(&MultiPolygon(vec![p])), Ok(()));
    }

    #[test]
    fn a_twisted_ring_is_found_with_its_place() {
        let mut ring = circle(0.0, 0.0, 1.0, 5000);
        // Swap two far-apart vertices: the ring crosses itself.
        ring.0.swap(100, 2600);
        let e = check(&MultiPolygon(vec![Polygon::new(ring, vec![])])).unwrap_err();
        assert!(e.contains("crosses or touches itself at ("), "{e}");
    }

    #[test]
    fn holes_and_parts_in_the_wrong_place() {
        let outside_hole =
            Polygon::new(circle(0.0, 0.0, 1.0, 3000), vec![circle(5.0, 0.0, 0.3, 10)]);
        assert!(
            check(&MultiPolygon(vec![outside_hole]))
                .unwrap_err()
                .contains("outside")
        );
        let nested = Polygon::new(
            circle(0.0, 0.0, 1.0, 3000),
            vec![circle(0.0, 0.0, 0.5, 100), circle(0.0, 0.0, 0.2, 100)],
        );
        assert!(
            check(&MultiPolygon(vec![nested]))
                .unwrap_err()
                .contains("inside hole")
        );
        let a = Polygon::new(circle(0.0, 0.0, 1.0, 3000), vec![]);
        let b = Polygon::new(circle(0.5, 0.0, 1.0, 3000), vec![]);
        assert!(
            check(&MultiPolygon(vec![a.clone(), b]))
                .unwrap_err()
                .contains("parts cross")
        );
        let inner = Polygon::new(circle(0.0, 0.0, 0.2, 100), vec![]);
        assert!(
            check(&MultiPolygon(vec![a, inner]))
                .unwrap_err()
                .contains("inside part")
        );
    }

    /// On small random polygons the indexed check and geo's agree.
    #[test]
    fn agrees_with_geo_on_small_random_rings() {
        use geo::Validation;
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut disagreements = Vec::new();
        for _ in 0..3000 {
            let n = 4 + (next() * 6.0) as usize;
            let mut pts: Vec<Coord<f64>> = (0..n)
                .map(|_| Coord {
                    x: (next() * 8.0).round(),
                    y: (next() * 8.0).round(),
                })
                .collect();
            pts.dedup();
            if pts.len() < 3 {
                continue;
            }
            pts.push(pts[0]);
            let p = Polygon::new(LineString(pts), vec![]);
            // Rings enclosing no area are refused before this check (project.rs).
            if geo::Area::unsigned_area(&p) == 0.0 {
                continue;
            }
            let ours = check(&MultiPolygon(vec![p.clone()])).is_ok();
            let theirs = p.is_valid();
            if ours != theirs {
                disagreements.push(format!("{p:?}: ours {ours}, geo {theirs}"));
            }
        }
        let real = &disagreements;
        assert!(
            real.is_empty(),
            "{} disagreements: {:#?}",
            real.len(),
            &real[..real.len().min(5)]
        );
    }
}
