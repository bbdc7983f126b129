//! How deep a decoded condition (or a feature layer's geometry collection) may nest. Conditions
//! and numbers are trees walked recursively (compiling programs, evaluating, reporting), and
//! `serde` decodes them, and `geo`'s geometries, recursively too. Rule sources bound their
//! depth (`syntax::MAX_NESTING`, [`MAX_ARITH_DEPTH`]; GeoJSON's parser its own); a snapshot
//! could hold any depth and exhaust the stack while being decoded, so decoding counts the
//! levels and refuses a file past [`MAX_DECODED_NESTING`] (see [`crate::snapshot`]).

use std::cell::Cell;

use serde::{Deserialize, Deserializer};

use crate::syntax::{MAX_ARITH_DEPTH, MAX_EXPR_DEPTH};

/// Deepest nesting a decoded condition may have, counting `and`/`or`/`not` and arithmetic
/// levels: above what compilation writes (each `and`, `or` or `not` level of a compiled
/// condition is at least one level of the parser's recursion, bounded by `MAX_EXPR_DEPTH`;
/// arithmetic nests at most [`MAX_ARITH_DEPTH`]), well below a thread's stack (a 2 MiB thread
/// decodes and evaluates it; tests/snapshot_and_locate.rs).
pub const MAX_DECODED_NESTING: usize = MAX_EXPR_DEPTH + MAX_ARITH_DEPTH + 16;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    static TOO_DEEP: Cell<bool> = const { Cell::new(false) };
}

/// Decodes one nested level (`#[serde(deserialize_with = "nested")]` on the fields through which
/// conditions and numbers nest), refusing past [`MAX_DECODED_NESTING`].
pub(crate) fn nested<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    /// Leaves the level however decoding ends.
    struct Level;
    impl Drop for Level {
        fn drop(&mut self) {
            DEPTH.with(|c| c.set(c.get().saturating_sub(1)));
        }
    }
    let depth = DEPTH.with(|c| {
        let d = c.get() + 1;
        c.set(d);
        d
    });
    let _level = Level;
    if depth > MAX_DECODED_NESTING {
        TOO_DEEP.with(|t| t.set(true));
        return Err(serde::de::Error::custom("conditions nested too deep"));
    }
    T::deserialize(d)
}

/// Did decoding on this thread stop at [`MAX_DECODED_NESTING`] since the last call? (A decoder's
/// own error may not carry the message.)
pub(crate) fn stopped_too_deep() -> bool {
    TOO_DEEP.with(|t| t.replace(false))
}

/// `geo::Geometry` as a snapshot stores it (the same encoding: variants in `geo`'s order, a
/// collection as its list), decoded with its collections' nesting counted like conditions'.
#[derive(Deserialize)]
enum GeometryRepr {
    Point(geo::Point<f64>),
    Line(geo::Line<f64>),
    LineString(geo::LineString<f64>),
    Polygon(geo::Polygon<f64>),
    MultiPoint(geo::MultiPoint<f64>),
    MultiLineString(geo::MultiLineString<f64>),
    MultiPolygon(geo::MultiPolygon<f64>),
    GeometryCollection(#[serde(deserialize_with = "nested")] Vec<GeometryRepr>),
    Rect(geo::Rect<f64>),
    Triangle(geo::Triangle<f64>),
}

impl From<GeometryRepr> for geo::Geometry<f64> {
    /// Recursion bounded by [`MAX_DECODED_NESTING`], checked while decoding.
    fn from(g: GeometryRepr) -> Self {
        use geo::Geometry as G;
        match g {
            GeometryRepr::Point(x) => G::Point(x),
            GeometryRepr::Line(x) => G::Line(x),
            GeometryRepr::LineString(x) => G::LineString(x),
            GeometryRepr::Polygon(x) => G::Polygon(x),
            GeometryRepr::MultiPoint(x) => G::MultiPoint(x),
            GeometryRepr::MultiLineString(x) => G::MultiLineString(x),
            GeometryRepr::MultiPolygon(x) => G::MultiPolygon(x),
            GeometryRepr::GeometryCollection(parts) => G::GeometryCollection(
                geo::GeometryCollection(parts.into_iter().map(Into::into).collect()),
            ),
            GeometryRepr::Rect(x) => G::Rect(x),
            GeometryRepr::Triangle(x) => G::Triangle(x),
        }
    }
}

/// Decodes a layer's named features (`#[serde(deserialize_with = "nested_features")]`), their
/// geometry collections nested at most [`MAX_DECODED_NESTING`] deep.
pub(crate) fn nested_features<'de, D>(d: D) -> Result<Vec<(String, geo::Geometry<f64>)>, D::Error>
where
    D: Deserializer<'de>,
{
    let features: Vec<(String, GeometryRepr)> = Vec::deserialize(d)?;
    Ok(features
        .into_iter()
        .map(|(name, g)| (name, g.into()))
        .collect())
}
