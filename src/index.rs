//! Index: spatial structures built once per rule set and queried per project.
//!
//! - [`UnitIndex`]: the control-unit polygons; which units a point, line or polygon touches
//!   (boundary counts as touching), with the overlap area or length on the ellipsoid.
//! - [`FeatureLayer`]: other layers (rivers, water-source zones, parks, basins); geodesic
//!   distance from a project geometry, containment and intersection.
//!
//! Every candidate from a coarse box index is confirmed with an exact predicate.

pub mod clip;
pub mod grid;
pub mod hints;
pub mod layers;
pub mod measure;
pub mod polygons;
pub(crate) mod reader;
pub mod units;

pub use hints::SpatialHints;
pub use layers::{Feature, FeatureLayer, NearestFeature};
pub use units::{Touch, UnitIndex};
