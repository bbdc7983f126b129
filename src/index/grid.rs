//! An exact, fast point locator over many unit polygons (the point path of [`super::UnitIndex`]).
//!
//! # Design
//!
//! The plane is covered by a flat *top grid* of square cells of size `2^-t` degrees over the
//! data's bounding box. Every cell is a node (`u32`, 2-bit tag + 30-bit payload):
//!
//! * `EMPTY` – no unit covers the cell;
//! * `UNIT(id)` – the whole closed cell lies in the interior of exactly one unit;
//! * `INNER(block)` – the cell is split 4×4; the 16 children live in `nodes[16*block..]`
//!   (one 64-byte cache line);
//! * `LEAF(offset)` – a small record in `leaves` holding the boundary edges that touch the
//!   closed cell.
//!
//! ## Parity inside a leaf
//!
//! Each polygon of each unit is an *entity*. For a point `P` and an entity, `π(P)` is the
//! parity of the number of the entity's edges `AB` crossed by the ray from `P` towards +x,
//! with the half-open rule `(A.y > P.y) != (B.y > P.y)` and a crossing strictly right of `P`
//! (decided with exact orientation predicates). `P` is in the (closed) entity iff `P` lies on one
//! of its edges or `π(P)` is odd. For every cell `D` the build derives the exact identity
//!
//! `π(P) = K ⊕ Σ_thresholds [v > P.y] ⊕ Σ_{edges e touching closed D} c(e, P)`
//!
//! valid for all `P` in the half-open cell: an edge that does not touch the closed cell is,
//! within the cell's horizontal strip, entirely left (contributes 0) or entirely right of it
//! (contributes `[A.y > P.y] ⊕ [B.y > P.y]`); those endpoint terms telescope along chains, and
//! the survivors are stored as y-thresholds (`[v > P.y]`) while constant ones fold into `K`.
//! The identity is propagated top-down from the whole-grid rectangle (where `K = 0` and all
//! edges are listed), so no per-cell reference point has to be located by brute force.
//!
//! Per leaf, entities are numbered locally (≤ 64 per group); edges shared by two entities are
//! stored once with a bit mask of the entities they toggle, as chains of consecutive vertices.
//!
//! ## Exact arithmetic
//!
//! When every vertex is an exact decimal on a 1e-6 (or 1e-7) lattice (true for the national
//! data) vertices are stored as `i32` lattice integers. The query converts its coordinates
//! once into the integer `H = max{A : fl(A/s) <= p}` plus an "equal" flag, which makes every
//! comparison between a stored vertex coordinate and the query coordinate an exact integer
//! comparison. Orientation tests use a floating-point filter with a proven error bound and fall
//! back to `geo`'s robust `orient2d` on the exact original `f64` vertices. Data not on such a
//! lattice is stored as raw `f64` and uses the robust predicates directly.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, MultiPolygon};
use std::collections::HashMap;
use std::fmt;

const TAG_SHIFT: u32 = 30;
const PAYLOAD: u32 = (1 << TAG_SHIFT) - 1;
const TAG_EMPTY: u32 = 0;
const TAG_UNIT: u32 = 1;
const TAG_INNER: u32 = 2;
const TAG_LEAF: u32 = 3;
/// INNER payload: bits 0..27 word offset of the child block in `nodes`, bits 27..30 = k
/// (the block is 2^k × 2^k children, row-major, y-major).
const INNER_OFF_BITS: u32 = 27;
const INNER_OFF_MASK: u32 = (1 << INNER_OFF_BITS) - 1;
/// Largest fanout exponent of an inner block.
const KMAX: i32 = 5;
const NONE: u32 = u32::MAX;
/// Largest unit id that can be represented (30-bit payload).
pub const MAX_UNITS: usize = PAYLOAD as usize;

/// Leaves with at most this many (per-entity) edges are not split further.
const LEAF_EDGES: usize = 64;
/// Number of binary levels available below the top grid (cells down to 2^-(t+FINE)).
const FINE: i32 = 22;
/// Target number of top-grid cells.
const TOP_CELLS: f64 = 65536.0;

/// Build tuning knobs (hidden; the defaults are what `build` uses).
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct BuildParams {
    pub leaf_edges: usize,
    pub top_cells: f64,
}

impl Default for BuildParams {
    fn default() -> Self {
        BuildParams {
            leaf_edges: LEAF_EDGES,
            top_cells: TOP_CELLS,
        }
    }
}

const MODE_LATTICE: u32 = 0;
const MODE_RAW: u32 = 1;

const MAGIC: &[u8; 8] = b"GRIDLOC1";

/// Error returned by [`UnitGrid::from_bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridError {
    /// The input ended before the structure was complete.
    Truncated,
    /// Wrong magic bytes / format version.
    BadMagic,
    /// A header field or array content is inconsistent.
    Corrupt(&'static str),
}

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GridError::Truncated => write!(f, "grid snapshot is truncated"),
            GridError::BadMagic => write!(f, "not a grid snapshot (bad magic or version)"),
            GridError::Corrupt(what) => write!(f, "corrupt grid snapshot: {what}"),
        }
    }
}

impl std::error::Error for GridError {}

/// Immutable exact point locator over unit polygons.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitGrid {
    mode: u32,
    /// Lattice scale (1e6 or 1e7) in lattice mode.
    scale: f64,
    /// Top cells have size 2^-t.
    t: i32,
    /// Query coordinates are converted to `floor(c * 2^f)`.
    f: i32,
    ix0: i64,
    iy0: i64,
    nx: u32,
    ny: u32,
    n_units: u32,
    // derived (not serialised)
    x_lo: f64,
    x_hi: f64,
    y_lo: f64,
    y_hi: f64,
    fscale: f64,
    top: Vec<u32>,
    /// Inner blocks and leaves, interleaved in depth-first order (a block's leaves follow it).
    data: Vec<u32>,
    // candidate filter: unit bounding boxes + bucket grid
    bbox: Vec<f64>,
    cx0: f64,
    cy0: f64,
    cw: f64,
    ch: f64,
    cnx: u32,
    cny: u32,
    cand_off: Vec<u32>,
    cand_ids: Vec<u32>,
}

// The parts, each `use super::*`: the sibling items they share are re-imported here.
mod build;
mod bytes;
mod leaf;
mod probe;
mod query;

#[allow(unused_imports)]
use {build::*, bytes::*, leaf::*, probe::*, query::*};

pub use query::LOCATE_GROUP;
