//! The control-unit polygons and the question "which units does this geometry touch".

use geo::{
    BooleanOps, BoundingRect, Geodesic, GeodesicArea, Geometry, Intersects, Length, LineString,
    MultiLineString, MultiPolygon, Rect,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// One unit a project touches, with how much of the project lies in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    /// The unit's index in the rule set.
    pub unit: u32,
    /// Area of the project inside the unit, m² on the ellipsoid (polygon projects).
    pub area_m2: Option<f64>,
    /// Length of the project inside the unit, m on the ellipsoid (line projects).
    pub length_m: Option<f64>,
}

/// Bulk-built, immutable index over the unit polygons.
#[derive(Debug, Clone)]
pub struct UnitIndex {
    tree: RTree<BoxEntry>,
    geoms: Vec<MultiPolygon<f64>>,
}

fn rect_of(r: Rect<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

impl UnitIndex {
    /// Builds the index; `geoms[i]` is unit `i`.
    ///
    /// # Runtime
    /// O(n log n) in the number of units (R-tree bulk load over bounding boxes).
    pub fn build(geoms: Vec<MultiPolygon<f64>>) -> Self {
        let entries = geoms
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.bounding_rect()?;
                Some(BoxEntry::new(rect_of(r), u32::try_from(i).ok()?))
            })
            .collect();
        UnitIndex {
            tree: RTree::bulk_load(entries),
            geoms,
        }
    }

    pub fn len(&self) -> usize {
        self.geoms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.geoms.is_empty()
    }

    pub fn geometry(&self, unit: u32) -> Option<&MultiPolygon<f64>> {
        self.geoms.get(unit as usize)
    }

    fn candidates(&self, r: Rect<f64>) -> impl Iterator<Item = u32> + '_ {
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
    }

    /// Units whose closed polygon contains the point (boundary counts as inside), ascending.
    ///
    /// # Runtime
    /// O(log n + k·v): an R-tree descent, then an exact test against the k candidate units'
    /// v vertices.
    pub fn locate_point(&self, p: geo::Coord<f64>, out: &mut Vec<u32>) {
        if !p.x.is_finite() || !p.y.is_finite() {
            return;
        }
        let env = AABB::from_point([p.x, p.y]);
        let start = out.len();
        for e in self.tree.locate_in_envelope_intersecting(&env) {
            if let Some(g) = self.geoms.get(e.data as usize)
                && g.intersects(&p)
            {
                out.push(e.data);
            }
        }
        out[start..].sort_unstable();
    }

    /// Every unit the geometry touches (boundary contact included), ascending by unit, with the
    /// overlap area (polygons) or length (lines) measured on the ellipsoid.
    ///
    /// # Runtime
    /// O(log n + k·(v + w)·log(v + w)) for k candidate units of v vertices and a project of w
    /// vertices (an exact overlay per touched unit).
    pub fn touching(&self, g: &Geometry<f64>) -> Vec<Touch> {
        let Some(r) = g.bounding_rect() else {
            return Vec::new();
        };
        let mut ids: Vec<u32> = self.candidates(r).collect();
        ids.sort_unstable();
        let polygons = polygonal(g);
        let lines = linear(g);
        ids.into_iter()
            .filter_map(|unit| {
                let ug = self.geoms.get(unit as usize)?;
                if !ug.intersects(g) {
                    return None;
                }
                let area_m2 = polygons
                    .as_ref()
                    .map(|p| p.intersection(ug).geodesic_area_unsigned());
                let length_m = lines.as_ref().map(|l| Geodesic.length(&ug.clip(l, false)));
                Some(Touch {
                    unit,
                    area_m2,
                    length_m,
                })
            })
            .collect()
    }
}

/// The polygonal part of a geometry, if it has one.
pub fn polygonal(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Rect(r) => Some(MultiPolygon(vec![r.to_polygon()])),
        _ => None,
    }
}

/// The linear part of a geometry, if it has one.
pub fn linear(g: &Geometry<f64>) -> Option<MultiLineString<f64>> {
    match g {
        Geometry::LineString(l) => Some(MultiLineString(vec![l.clone()])),
        Geometry::MultiLineString(m) => Some(m.clone()),
        Geometry::Line(l) => Some(MultiLineString(vec![LineString::from(vec![
            l.start, l.end,
        ])])),
        _ => None,
    }
}

/// Area of a polygonal geometry on the ellipsoid, m².
pub fn geodesic_area(p: &MultiPolygon<f64>) -> f64 {
    p.geodesic_area_unsigned()
}

/// Length of a linear geometry on the ellipsoid, m.
pub fn geodesic_length(l: &MultiLineString<f64>) -> f64 {
    Geodesic.length(l)
}
