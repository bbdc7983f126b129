//! Spatial hints: per unit, which distance thresholds of the rule set cannot be reached from
//! anywhere in the unit, so that screening a point does not measure a distance whose answer is
//! already known.
//!
//! A *probe* is a (layer, threshold) pair taken from conditions such as `distance(长江) < 1 km`
//! (threshold 0 for `within`/`intersects`). A unit is *far* from a probe when its bounding box,
//! widened by the threshold (conservatively, in degrees), meets no feature's bounding box: then
//! every point of the unit is farther than the threshold from every feature. When the boxes
//! meet, the geodesic distance from the unit's box to the layer decides. Far is a proof;
//! "not far" only means "measure".

use geo::{BoundingRect, Geometry, MultiPolygon};
use serde::{Deserialize, Serialize};

use super::FeatureLayer;
use super::measure::widen_by_metres;

/// The most probes a rule set can have hints for (one bit each per unit); further probes are
/// simply always measured.
pub const MAX_PROBES: usize = 64;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SpatialHints {
    /// (layer, threshold in metres).
    pub probes: Vec<(u32, f64)>,
    /// Per unit, bit `p` set when the unit is far from probe `p`.
    pub far: Vec<u64>,
}

impl SpatialHints {
    /// Computes the hints for every unit.
    ///
    /// # Runtime
    /// O(u·p·log f): one R-tree query per unit and probe.
    pub fn compute(
        units: &[&MultiPolygon<f64>],
        layers: &[&FeatureLayer],
        probes: Vec<(u32, f64)>,
    ) -> Self {
        let probes: Vec<(u32, f64)> = probes.into_iter().take(MAX_PROBES).collect();
        let far = units
            .iter()
            .map(|u| {
                let Some(b) = u.bounding_rect() else { return 0 };
                let mut mask = 0u64;
                for (p, (layer, threshold)) in probes.iter().enumerate() {
                    let Some(l) = layers.get(*layer as usize) else {
                        continue;
                    };
                    let d = threshold * 1.01 + 1.0;
                    let (min, max) = widen_by_metres(b.min(), b.max(), d);
                    // Boxes apart: far. Otherwise measure from the unit's box (which contains the
                    // unit, so its distance is a lower bound): long rivers have boxes spanning
                    // provinces, and the box test alone would send every unit near them to
                    // the exact measurement.
                    let far = !l.any_box_in(min, max)
                        || l.nearest(&Geometry::Polygon(b.to_polygon()))
                            .is_some_and(|n| n.distance_m > d);
                    if far {
                        mask |= 1 << p;
                    }
                }
                mask
            })
            .collect();
        SpatialHints { probes, far }
    }

    /// The probe index of (layer, threshold), if hinted.
    pub fn probe(&self, layer: u32, threshold: f64) -> Option<usize> {
        self.probes
            .iter()
            .position(|&(l, t)| l == layer && t == threshold)
    }

    /// Is every unit of `units` far from probe `p`?
    pub fn all_far(&self, units: &[u32], p: usize) -> bool {
        !units.is_empty()
            && units
                .iter()
                .all(|u| self.far.get(*u as usize).is_some_and(|m| m & (1 << p) != 0))
    }
}
