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

// ---------------------------------------------------------------------------------------------
// Exact predicates
// ---------------------------------------------------------------------------------------------

#[inline]
fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> i32 {
    match RobustKernel::orient2d(a, b, c) {
        Orientation::CounterClockwise => 1,
        Orientation::Clockwise => -1,
        Orientation::Collinear => 0,
    }
}

/// floor(v) as i64 without a libm call; exact for |v| < 2^62 (callers guarantee the range).
#[inline(always)]
fn floor_i64(v: f64) -> i64 {
    let i = v as i64;
    i - ((i as f64) > v) as i64
}

#[inline]
fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

// ---------------------------------------------------------------------------------------------
// Query-side probes
// ---------------------------------------------------------------------------------------------

/// A query point prepared for exact comparisons against stored coordinates.
trait Probe {
    type C: Copy;
    /// Words per stored coordinate.
    const W: usize;
    fn ld(d: &[u32], i: usize) -> Self::C;
    /// stored > p.x
    fn gt_x(&self, a: Self::C) -> bool;
    /// stored >= p.x
    fn ge_x(&self, a: Self::C) -> bool;
    /// stored == p.x
    fn eq_x(&self, a: Self::C) -> bool;
    /// stored > p.y
    fn gt_y(&self, a: Self::C) -> bool;
    /// stored == p.y
    fn eq_y(&self, a: Self::C) -> bool;
    /// Could any stored y equal p.y?
    fn may_eq_y(&self) -> bool;
    /// Exact sign of orient2d(a, b, p).
    fn orient(&self, ax: Self::C, ay: Self::C, bx: Self::C, by: Self::C) -> i32;
    /// Decode a narrow vertex word relative to the lattice origin.
    fn narrow(w: u32, ox: i32, oy: i32) -> (Self::C, Self::C);
    /// Bit i set iff narrow vertex i (relative to origin) is above the query (y > p.y).
    #[inline(always)]
    fn above_bits(&self, v: &[u32], oy: i32) -> u64 {
        let mut bits = 0u64;
        for (i, &w) in v.iter().enumerate() {
            let (_, y) = Self::narrow(w, 0, oy);
            bits |= (self.gt_y(y) as u64) << i;
        }
        bits
    }
}

/// `H = max{A : fl(A/s) <= p}` and whether `fl(H/s) == p`.
#[inline]
fn lattice_floor(p: f64, s: f64) -> (i64, bool) {
    let t = p * s;
    let fl = floor_i64(t);
    let frac = t - fl as f64;
    if frac > 1e-6 && frac < 1.0 - 1e-6 {
        (fl, false)
    } else {
        lattice_floor_slow(p, s, fl)
    }
}

#[cold]
fn lattice_floor_slow(p: f64, s: f64, fl: i64) -> (i64, bool) {
    let mut h = fl - 2;
    for a in fl - 1..=fl + 2 {
        if (a as f64) / s <= p {
            h = a;
        }
    }
    (h, (h as f64) / s == p)
}

struct LatProbe {
    hx: i32,
    lx: i32,
    hy: i32,
    eqx: bool,
    eqy: bool,
    qx: f64,
    qy: f64,
    px: f64,
    py: f64,
    s: f64,
}

impl LatProbe {
    #[inline]
    fn new(px: f64, py: f64, s: f64) -> LatProbe {
        let (hx, eqx) = lattice_floor(px, s);
        let (hy, eqy) = lattice_floor(py, s);
        // Values are within the lattice range (checked by the grid extent), so these fit.
        let hx = hx.clamp(i32::MIN as i64 + 2, i32::MAX as i64 - 2) as i32;
        let hy = hy.clamp(i32::MIN as i64 + 2, i32::MAX as i64 - 2) as i32;
        LatProbe {
            hx,
            lx: hx - eqx as i32,
            hy,
            eqx,
            eqy,
            qx: px * s,
            qy: py * s,
            px,
            py,
            s,
        }
    }

    #[cold]
    fn orient_exact(&self, ax: i32, ay: i32, bx: i32, by: i32) -> i32 {
        let s = self.s;
        let a = Coord {
            x: ax as f64 / s,
            y: ay as f64 / s,
        };
        let b = Coord {
            x: bx as f64 / s,
            y: by as f64 / s,
        };
        orient(
            a,
            b,
            Coord {
                x: self.px,
                y: self.py,
            },
        )
    }
}

impl Probe for LatProbe {
    type C = i32;
    const W: usize = 1;
    #[inline(always)]
    fn ld(d: &[u32], i: usize) -> i32 {
        d[i] as i32
    }
    #[inline(always)]
    fn gt_x(&self, a: i32) -> bool {
        a > self.hx
    }
    #[inline(always)]
    fn ge_x(&self, a: i32) -> bool {
        a > self.lx
    }
    #[inline(always)]
    fn eq_x(&self, a: i32) -> bool {
        self.eqx && a == self.hx
    }
    #[inline(always)]
    fn gt_y(&self, a: i32) -> bool {
        a > self.hy
    }
    #[inline(always)]
    fn eq_y(&self, a: i32) -> bool {
        self.eqy && a == self.hy
    }
    #[inline(always)]
    fn may_eq_y(&self) -> bool {
        self.eqy
    }
    #[inline(always)]
    fn narrow(w: u32, ox: i32, oy: i32) -> (i32, i32) {
        (
            ox + (w as u16 as i16 as i32),
            oy + ((w >> 16) as u16 as i16 as i32),
        )
    }
    #[inline(always)]
    fn above_bits(&self, v: &[u32], oy: i32) -> u64 {
        // y sits in the high half of the word: y > hy - oy  <=>  (w as i32) > thr
        let thr = ((self.hy as i64 - oy as i64) << 16) | 0xFFFF;
        let mut bits = 0u64;
        for (i, &w) in v.iter().enumerate() {
            bits |= (((w as i32 as i64) > thr) as u64) << i;
        }
        bits
    }
    #[inline]
    fn orient(&self, ax: i32, ay: i32, bx: i32, by: i32) -> i32 {
        // Every stored coordinate A satisfies |fl(A/s)*s - A| <= 2^-23, and |fl(p*s) - p*s|
        // <= 2^-23 (all magnitudes < 2^30). Perturbing each of dx, dy, ex, ey by <= 2^-22
        // changes det by <= 2^-22 * (|dx|+|dy|+|ex|+|ey|) + 2^-43; rounding adds a relative
        // 2^-50 of |dx*ey|+|dy*ex|. The bound below is generous on both.
        let (fax, fay) = (ax as f64, ay as f64);
        let dx = bx as f64 - fax;
        let dy = by as f64 - fay;
        let ex = self.qx - fax;
        let ey = self.qy - fay;
        let l = dx * ey;
        let r = dy * ex;
        let det = l - r;
        let bound =
            1e-6 * (dx.abs() + dy.abs() + ex.abs() + ey.abs()) + 1e-14 * (l.abs() + r.abs()) + 1e-9;
        if det > bound {
            1
        } else if det < -bound {
            -1
        } else {
            self.orient_exact(ax, ay, bx, by)
        }
    }
}

struct RawProbe {
    px: f64,
    py: f64,
}

#[inline(always)]
fn ld_f64(d: &[u32], i: usize) -> f64 {
    f64::from_bits(d[i] as u64 | (d[i + 1] as u64) << 32)
}

impl Probe for RawProbe {
    type C = f64;
    const W: usize = 2;
    #[inline(always)]
    fn ld(d: &[u32], i: usize) -> f64 {
        ld_f64(d, i)
    }
    #[inline(always)]
    fn gt_x(&self, a: f64) -> bool {
        a > self.px
    }
    #[inline(always)]
    fn ge_x(&self, a: f64) -> bool {
        a >= self.px
    }
    #[inline(always)]
    fn eq_x(&self, a: f64) -> bool {
        a == self.px
    }
    #[inline(always)]
    fn gt_y(&self, a: f64) -> bool {
        a > self.py
    }
    #[inline(always)]
    fn eq_y(&self, a: f64) -> bool {
        a == self.py
    }
    #[inline(always)]
    fn may_eq_y(&self) -> bool {
        true
    }
    #[inline(always)]
    fn narrow(w: u32, ox: i32, oy: i32) -> (f64, f64) {
        // never produced in raw mode (rejected by validation); harmless values
        (
            (ox + (w as u16 as i16 as i32)) as f64,
            (oy + ((w >> 16) as u16 as i16 as i32)) as f64,
        )
    }
    #[inline]
    fn orient(&self, ax: f64, ay: f64, bx: f64, by: f64) -> i32 {
        orient(
            Coord { x: ax, y: ay },
            Coord { x: bx, y: by },
            Coord {
                x: self.px,
                y: self.py,
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Leaf layout
//
// A leaf is a sequence of groups (usually one); each group covers ≤ 64 entities:
//   w0: n_ent (bits 0..7, 1..=64) | more groups follow (bit 7) | has_origin (bit 8)
//       | n_blk (bits 9..16) | n_thr (bits 16..24) | n_wide (bits 24..32)
//   [n_blk word if field == 127] [n_thr word if field == 255] [n_wide word if field == 255]
//   K mask (mw words; mw = 1 if n_ent <= 32 else 2)
//   unit ids (n_ent words, non-decreasing)
//   thresholds: n_thr × (y: W words, mask: mw words)
//   [origin ox, oy (lattice i32) if has_origin]
//   narrow blocks (lattice mode only): each
//       hdr: nv (bits 0..7, 2..=64) | nc (bits 8..14) | has_bmask (bit 16)
//       chain-start bits (u64, 2 words; bit 0 set; bit i = vertex i starts a chain)
//       tmasks (nc × mw), [bmasks (nc × mw)], vertices (nv words: dx i16 | dy i16 << 16)
//   wide chains: n_wide × (hdr: nverts (bits 0..31) | bmask-differs (bit 31),
//                          tmask (mw), [bmask (mw)], vertices: nverts × (x, y: W words each))
// ---------------------------------------------------------------------------------------------

const BLK_ESC: u32 = 127;
const THR_ESC: u32 = 255;
const WIDE_ESC: u32 = 255;
const CH_DIFFERS: u32 = 1 << 31;
const CH_NV_MASK: u32 = (1 << 31) - 1;
/// Max vertices in a narrow block (one u64 of bits).
const BLK_MAX: usize = 64;

#[inline(always)]
fn ld_mask(d: &[u32], p: usize, mw: usize) -> u64 {
    if mw == 1 {
        d[p] as u64
    } else {
        d[p] as u64 | (d[p + 1] as u64) << 32
    }
}

#[inline(always)]
fn low_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// Evaluate one straddling edge: Some(true) = crossing right of the query, Some(false) = no
/// crossing, None = the query lies on the edge. `sb` = b is above the query.
#[inline(always)]
fn straddle_edge<Q: Probe>(
    q: &Q,
    ax: Q::C,
    ay: Q::C,
    bx: Q::C,
    by: Q::C,
    sb: bool,
) -> Option<bool> {
    if q.gt_x(ax) & q.gt_x(bx) {
        Some(true)
    } else if q.ge_x(ax) | q.ge_x(bx) {
        let o = q.orient(ax, ay, bx, by);
        if o == 0 { None } else { Some((o > 0) == sb) }
    } else {
        Some(false)
    }
}

/// Crossing count and on-edge flag of the query against one wide chain.
#[inline(always)]
fn scan_chain<Q: Probe>(
    q: &Q,
    nv: usize,
    may_eq: bool,
    get: impl Fn(usize) -> (Q::C, Q::C),
) -> (u32, bool) {
    let (mut ax, mut ay) = get(0);
    let mut sa = q.gt_y(ay);
    let mut cnt = 0u32;
    let mut on = false;
    for i in 1..nv {
        let (bx, by) = get(i);
        let sb = q.gt_y(by);
        if sa != sb {
            match straddle_edge(q, ax, ay, bx, by, sb) {
                Some(c) => cnt += c as u32,
                None => on = true,
            }
        } else if may_eq && (q.eq_y(ay) || q.eq_y(by)) {
            on |= edge_touch_flat(q, ax, ay, bx, by);
        }
        ax = bx;
        ay = by;
        sa = sb;
    }
    (cnt, on)
}

/// Scan one narrow block starting at `p`; returns the offset after it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn scan_block<Q: Probe>(
    q: &Q,
    d: &[u32],
    mut p: usize,
    mw: usize,
    ox: i32,
    oy: i32,
    parity: &mut u64,
    bnd: &mut u64,
) -> usize {
    let h = d[p];
    let nv = (h & 0x7F) as usize;
    let nc = ((h >> 8) & 0x7F) as usize;
    let starts = d[p + 1] as u64 | (d[p + 2] as u64) << 32;
    p += 3;
    let tms = p;
    p += nc * mw;
    let bms = if h & (1 << 16) != 0 {
        p += nc * mw;
        p - nc * mw
    } else {
        tms
    };
    let v = &d[p..p + nv];
    p += nv;
    let above = q.above_bits(v, oy);
    let mut st = (above ^ (above << 1)) & !starts & low_bits(nv);
    while st != 0 {
        let i = st.trailing_zeros() as usize;
        st &= st - 1;
        let c = (starts & (u64::MAX >> (63 - i))).count_ones() as usize - 1;
        let (ax, ay) = Q::narrow(v[i - 1], ox, oy);
        let (bx, by) = Q::narrow(v[i], ox, oy);
        match straddle_edge(q, ax, ay, bx, by, above >> i & 1 != 0) {
            Some(true) => *parity ^= ld_mask(d, tms + c * mw, mw),
            Some(false) => {}
            None => *bnd |= ld_mask(d, bms + c * mw, mw),
        }
    }
    if q.may_eq_y() {
        block_touch_slow(q, v, starts, ox, oy, |c| ld_mask(d, bms + c * mw, mw), bnd);
    }
    p
}

/// Boundary check for non-straddling edges when the query y equals some lattice y.
#[cold]
fn block_touch_slow<Q: Probe>(
    q: &Q,
    v: &[u32],
    starts: u64,
    ox: i32,
    oy: i32,
    bm: impl Fn(usize) -> u64,
    bnd: &mut u64,
) {
    for i in 1..v.len() {
        if starts >> i & 1 != 0 {
            continue;
        }
        let (ax, ay) = Q::narrow(v[i - 1], ox, oy);
        let (bx, by) = Q::narrow(v[i], ox, oy);
        if q.gt_y(ay) == q.gt_y(by)
            && (q.eq_y(ay) || q.eq_y(by))
            && edge_touch_flat(q, ax, ay, bx, by)
        {
            let c = (starts & (u64::MAX >> (63 - i))).count_ones() as usize - 1;
            *bnd |= bm(c);
        }
    }
}

fn leaf_query<Q: Probe>(d: &[u32], mut p: usize, q: &Q, out: &mut Vec<u32>) {
    let start_len = out.len();
    let mut groups = 0;
    loop {
        groups += 1;
        let h = d[p];
        p += 1;
        let n_ent = (h & 0x7F) as usize;
        let more = h & 0x80 != 0;
        let has_origin = h & (1 << 8) != 0;
        let mut n_blk = ((h >> 9) & 0x7F) as usize;
        let mut n_thr = ((h >> 16) & 0xFF) as usize;
        let mut n_wide = (h >> 24) as usize;
        if n_blk == BLK_ESC as usize {
            n_blk = d[p] as usize;
            p += 1;
        }
        if n_thr == THR_ESC as usize {
            n_thr = d[p] as usize;
            p += 1;
        }
        if n_wide == WIDE_ESC as usize {
            n_wide = d[p] as usize;
            p += 1;
        }
        let mw = if n_ent <= 32 { 1 } else { 2 };
        let mut parity = ld_mask(d, p, mw);
        p += mw;
        let units = p;
        p += n_ent;
        for _ in 0..n_thr {
            let y = Q::ld(d, p);
            let m = ld_mask(d, p + Q::W, mw);
            if q.gt_y(y) {
                parity ^= m;
            }
            p += Q::W + mw;
        }
        let mut bnd = 0u64;
        if has_origin {
            let (ox, oy) = (d[p] as i32, d[p + 1] as i32);
            p += 2;
            for _ in 0..n_blk {
                p = scan_block(q, d, p, mw, ox, oy, &mut parity, &mut bnd);
            }
        }
        let may_eq = q.may_eq_y();
        for _ in 0..n_wide {
            let ch = d[p];
            p += 1;
            let nv = (ch & CH_NV_MASK) as usize;
            let tm = ld_mask(d, p, mw);
            p += mw;
            let bm = if ch & CH_DIFFERS != 0 {
                p += mw;
                ld_mask(d, p - mw, mw)
            } else {
                tm
            };
            let v = &d[p..p + nv * 2 * Q::W];
            p += nv * 2 * Q::W;
            let (cnt, on) = scan_chain(q, nv, may_eq, |i| {
                (Q::ld(v, 2 * Q::W * i), Q::ld(v, 2 * Q::W * i + Q::W))
            });
            if cnt & 1 != 0 {
                parity ^= tm;
            }
            if on {
                bnd |= bm;
            }
        }
        let mut res = parity | bnd;
        let mut last = NONE;
        while res != 0 {
            let i = res.trailing_zeros() as usize;
            res &= res - 1;
            let u = d[units + i];
            if u != last {
                out.push(u);
                last = u;
            }
        }
        if !more {
            break;
        }
    }
    if groups > 1 {
        sort_dedup_tail(out, start_len);
    }
}

fn sort_dedup_tail(out: &mut Vec<u32>, start: usize) {
    let tail = &mut out[start..];
    tail.sort_unstable();
    let mut w = 0;
    for r in 0..tail.len() {
        if w == 0 || tail[r] != tail[w - 1] {
            tail[w] = tail[r];
            w += 1;
        }
    }
    out.truncate(start + w);
}

/// Non-straddling edge with an endpoint at the query's y: is the query on it?
#[cold]
fn edge_touch_flat<Q: Probe>(q: &Q, ax: Q::C, ay: Q::C, bx: Q::C, by: Q::C) -> bool {
    let ea = q.eq_y(ay);
    let eb = q.eq_y(by);
    if (ea && q.eq_x(ax)) || (eb && q.eq_x(bx)) {
        return true;
    }
    ea && eb && (q.ge_x(ax) || q.ge_x(bx)) && (!q.gt_x(ax) || !q.gt_x(bx))
}

/// Walk and validate one group starting at `p`. Returns (next offset, more, composition
/// [header words, unit words, threshold words, chains, chain header+mask words, vertex words]).
fn walk_group(
    d: &[u32],
    mut p: usize,
    w: usize,
    n_units: u32,
    lattice: bool,
) -> Result<(usize, bool, [usize; 6]), GridError> {
    let err = GridError::Corrupt;
    let get = |p: usize| d.get(p).copied().ok_or(err("leaf overrun"));
    let mut comp = [0usize; 6];
    let p0 = p;
    let h = get(p)?;
    p += 1;
    let n_ent = (h & 0x7F) as usize;
    if n_ent == 0 || n_ent > 64 {
        return Err(err("leaf entity count"));
    }
    let more = h & 0x80 != 0;
    let has_origin = h & (1 << 8) != 0;
    let mut n_blk = ((h >> 9) & 0x7F) as usize;
    let mut n_thr = ((h >> 16) & 0xFF) as usize;
    let mut n_wide = (h >> 24) as usize;
    if n_blk == BLK_ESC as usize {
        n_blk = get(p)? as usize;
        p += 1;
    }
    if n_thr == THR_ESC as usize {
        n_thr = get(p)? as usize;
        p += 1;
    }
    if n_wide == WIDE_ESC as usize {
        n_wide = get(p)? as usize;
        p += 1;
    }
    if has_origin && !lattice {
        return Err(err("origin in raw mode"));
    }
    if n_blk > 0 && !has_origin {
        return Err(err("narrow block without origin"));
    }
    let mw = if n_ent <= 32 { 1 } else { 2 };
    let allowed: u64 = low_bits(n_ent);
    let mask_ok = |p: usize| -> Result<(), GridError> {
        let m = if mw == 1 {
            get(p)? as u64
        } else {
            get(p)? as u64 | (get(p + 1)? as u64) << 32
        };
        if m & !allowed != 0 {
            return Err(err("leaf mask"));
        }
        Ok(())
    };
    let coord_ok = |p: usize| -> Result<(), GridError> {
        if w == 1 {
            if (get(p)? as i32).unsigned_abs() >= 1 << 30 {
                return Err(err("lattice coordinate"));
            }
        } else if !f64::from_bits(get(p)? as u64 | (get(p + 1)? as u64) << 32).is_finite() {
            return Err(err("raw coordinate"));
        }
        Ok(())
    };
    mask_ok(p)?;
    p += mw;
    for i in 0..n_ent {
        if get(p + i)? >= n_units {
            return Err(err("leaf unit id"));
        }
    }
    p += n_ent;
    comp[1] += n_ent;
    for _ in 0..n_thr {
        coord_ok(p)?;
        mask_ok(p + w)?;
        p += w + mw;
    }
    comp[2] += n_thr * (w + mw);
    if has_origin {
        coord_ok(p)?;
        coord_ok(p + 1)?;
        p += 2;
    }
    comp[0] += p - p0 - comp[1] - comp[2];
    for _ in 0..n_blk {
        let bh = get(p)?;
        let nv = (bh & 0x7F) as usize;
        let nc = ((bh >> 8) & 0x7F) as usize;
        if !(2..=BLK_MAX).contains(&nv) || nc == 0 || bh & !(0x7F | 0x7F << 8 | 1 << 16) != 0 {
            return Err(err("block header"));
        }
        let starts = get(p + 1)? as u64 | (get(p + 2)? as u64) << 32;
        if starts & 1 == 0 || starts & !low_bits(nv) != 0 || starts.count_ones() as usize != nc {
            return Err(err("block chain starts"));
        }
        p += 3;
        let nm = if bh & (1 << 16) != 0 { 2 * nc } else { nc };
        for k in 0..nm {
            mask_ok(p + k * mw)?;
        }
        p += nm * mw;
        comp[3] += nc;
        comp[4] += 3 + nm * mw;
        if p.checked_add(nv).is_none_or(|e| e > d.len()) {
            return Err(err("block overrun"));
        }
        p += nv;
        comp[5] += nv;
    }
    for _ in 0..n_wide {
        let c = get(p)?;
        p += 1;
        let nv = (c & CH_NV_MASK) as usize;
        if nv < 2 {
            return Err(err("chain header"));
        }
        mask_ok(p)?;
        p += mw;
        if c & CH_DIFFERS != 0 {
            mask_ok(p)?;
            p += mw;
        }
        comp[3] += 1;
        comp[4] += 1 + mw + if c & CH_DIFFERS != 0 { mw } else { 0 };
        let len = nv.checked_mul(2 * w).ok_or(err("chain length"))?;
        if p.checked_add(len).is_none_or(|e| e > d.len()) {
            return Err(err("chain overrun"));
        }
        for k in 0..nv * 2 {
            coord_ok(p + k * w)?;
        }
        p += len;
        comp[5] += len;
    }
    Ok((p, more, comp))
}

// ---------------------------------------------------------------------------------------------
// Query API
// ---------------------------------------------------------------------------------------------

impl UnitGrid {
    /// Ids of all units whose closed polygon contains (lon, lat), appended to `out` sorted
    /// ascending without duplicates. Non-finite input yields nothing.
    #[inline]
    pub fn locate(&self, lon: f64, lat: f64, out: &mut Vec<u32>) {
        if !(lon >= self.x_lo && lon < self.x_hi && lat >= self.y_lo && lat < self.y_hi) {
            return;
        }
        let xx = floor_i64(lon * self.fscale);
        let yy = floor_i64(lat * self.fscale);
        let mut shift = (self.f - self.t) as u32;
        let ix = (xx >> shift) - self.ix0;
        let iy = (yy >> shift) - self.iy0;
        if ix < 0 || iy < 0 || ix >= self.nx as i64 || iy >= self.ny as i64 {
            return;
        }
        let Some(&first) = self.top.get(iy as usize * self.nx as usize + ix as usize) else {
            return;
        };
        let mut node = first;
        loop {
            match node >> TAG_SHIFT {
                TAG_EMPTY => return,
                TAG_UNIT => {
                    out.push(node & PAYLOAD);
                    return;
                }
                TAG_INNER => {
                    let k = (node >> INNER_OFF_BITS) & 7;
                    if shift < k {
                        return;
                    }
                    shift -= k;
                    let m = (1i64 << k) - 1;
                    let c = ((((yy >> shift) & m) << k) | ((xx >> shift) & m)) as usize;
                    match self.data.get((node & INNER_OFF_MASK) as usize + c) {
                        Some(&v) => node = v,
                        None => return,
                    }
                }
                _ => {
                    let off = (node & PAYLOAD) as usize;
                    if self.mode == MODE_LATTICE {
                        let q = LatProbe::new(lon, lat, self.scale);
                        leaf_query(&self.data, off, &q, out);
                    } else {
                        let q = RawProbe { px: lon, py: lat };
                        leaf_query(&self.data, off, &q, out);
                    }
                    return;
                }
            }
        }
    }

    /// Ids of units whose bounding box intersects the closed rectangle `[min, max]`,
    /// appended to `out` sorted ascending without duplicates.
    pub fn candidates_in_rect(&self, min: Coord<f64>, max: Coord<f64>, out: &mut Vec<u32>) {
        if !(min.x <= max.x && min.y <= max.y) || self.cnx == 0 || self.cny == 0 {
            return;
        }
        let bx = |x: f64| -> i64 {
            let v = ((x - self.cx0) / self.cw).floor();
            v.clamp(-1.0, self.cnx as f64) as i64
        };
        let by = |y: f64| -> i64 {
            let v = ((y - self.cy0) / self.ch).floor();
            v.clamp(-1.0, self.cny as f64) as i64
        };
        // Both ends are clamped into the grid: a rectangle starting exactly on the data's maximum
        // x or y falls one past the last column or row, where the build puts it in the last one.
        // The exact bounding-box filter below keeps the answer exact either way.
        let (last_i, last_j) = (self.cnx as i64 - 1, self.cny as i64 - 1);
        let (i0, i1) = (bx(min.x).clamp(0, last_i), bx(max.x).clamp(0, last_i));
        let (j0, j1) = (by(min.y).clamp(0, last_j), by(max.y).clamp(0, last_j));
        if i0 > i1 || j0 > j1 {
            return;
        }
        let start = out.len();
        for j in j0..=j1 {
            for i in i0..=i1 {
                let b = j as usize * self.cnx as usize + i as usize;
                let (s, e) = (self.cand_off[b] as usize, self.cand_off[b + 1] as usize);
                for &u in &self.cand_ids[s..e] {
                    let bb = &self.bbox[u as usize * 4..u as usize * 4 + 4];
                    if bb[0] <= max.x && bb[2] >= min.x && bb[1] <= max.y && bb[3] >= min.y {
                        out.push(u);
                    }
                }
            }
        }
        let tail = &mut out[start..];
        tail.sort_unstable();
        let mut w = 0;
        for r in 0..tail.len() {
            if w == 0 || tail[r] != tail[w - 1] {
                tail[w] = tail[r];
                w += 1;
            }
        }
        out.truncate(start + w);
    }

    /// Approximate heap memory of the structure in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.top.capacity() * 4
            + self.data.capacity() * 4
            + self.bbox.capacity() * 8
            + self.cand_off.capacity() * 4
            + self.cand_ids.capacity() * 4
    }

    /// (depth below the top grid, leaf size in words or 0) for the cell holding (lon, lat).
    #[doc(hidden)]
    pub fn debug_path(&self, lon: f64, lat: f64) -> (u32, usize) {
        if !(lon >= self.x_lo && lon < self.x_hi && lat >= self.y_lo && lat < self.y_hi) {
            return (0, 0);
        }
        let xx = (lon * self.fscale).floor() as i64;
        let yy = (lat * self.fscale).floor() as i64;
        let mut shift = (self.f - self.t) as u32;
        let ix = (xx >> shift) - self.ix0;
        let iy = (yy >> shift) - self.iy0;
        let mut node = self.top[iy as usize * self.nx as usize + ix as usize];
        let mut depth = 0;
        loop {
            match node >> TAG_SHIFT {
                TAG_INNER => {
                    let k = (node >> INNER_OFF_BITS) & 7;
                    shift -= k;
                    depth += 1;
                    let m = (1i64 << k) - 1;
                    let c = ((((yy >> shift) & m) << k) | ((xx >> shift) & m)) as usize;
                    node = self.data[(node & INNER_OFF_MASK) as usize + c];
                }
                TAG_LEAF => {
                    let lattice = self.mode == MODE_LATTICE;
                    let w = if lattice { 1 } else { 2 };
                    let mut p = (node & PAYLOAD) as usize;
                    let st = p;
                    while let Ok((np, more, _)) =
                        walk_group(&self.data, p, w, self.n_units, lattice)
                    {
                        p = np;
                        if !more {
                            break;
                        }
                    }
                    return (depth, p - st);
                }
                _ => return (depth, 0),
            }
        }
    }

    /// Word counts by category over all distinct leaves: [groups, header words, unit words,
    /// threshold words, chains, chain header+mask words, vertex words, leaf count].
    #[doc(hidden)]
    pub fn leaf_composition(&self) -> [usize; 8] {
        let lattice = self.mode == MODE_LATTICE;
        let w = if lattice { 1 } else { 2 };
        let mut c = [0usize; 8];
        let mut leaves = Vec::new();
        self.visit(|v| {
            if v >> TAG_SHIFT == TAG_LEAF {
                leaves.push((v & PAYLOAD) as usize);
            }
        });
        leaves.sort_unstable();
        leaves.dedup();
        for &start in &leaves {
            c[7] += 1;
            let mut p = start;
            while let Ok((np, more, comp)) = walk_group(&self.data, p, w, self.n_units, lattice) {
                c[0] += 1;
                for k in 0..6 {
                    c[k + 1] += comp[k];
                }
                p = np;
                if !more {
                    break;
                }
            }
        }
        c
    }

    /// Call `f` for every top entry and every entry of every reachable inner block (once).
    fn visit(&self, mut f: impl FnMut(u32)) {
        let mut seen = vec![false; self.data.len()];
        let mut stack: Vec<u32> = self.top.clone();
        while let Some(v) = stack.pop() {
            f(v);
            if v >> TAG_SHIFT == TAG_INNER {
                let k = (v >> INNER_OFF_BITS) & 7;
                let off = (v & INNER_OFF_MASK) as usize;
                let end = off + (1usize << (2 * k));
                if off < seen.len() && !seen[off] && end <= self.data.len() {
                    seen[off] = true;
                    stack.extend_from_slice(&self.data[off..end]);
                }
            }
        }
    }

    /// Number of units the grid was built over.
    pub fn n_units(&self) -> usize {
        self.n_units as usize
    }

    /// Sizes of the internal arrays (top, nodes, leaves) in u32 words, for diagnostics.
    pub fn stats(&self) -> GridStats {
        let mut s = GridStats {
            top_cells: self.top.len(),
            data_words: self.data.len(),
            lattice: self.mode == MODE_LATTICE,
            ..GridStats::default()
        };
        self.visit(|v| match v >> TAG_SHIFT {
            TAG_EMPTY => s.empty += 1,
            TAG_UNIT => s.unit += 1,
            TAG_INNER => s.inner += 1,
            _ => s.leaf_refs += 1,
        });
        s
    }
}

/// Diagnostic counts.
#[derive(Debug, Default, Clone)]
pub struct GridStats {
    pub top_cells: usize,
    pub data_words: usize,
    pub lattice: bool,
    pub empty: usize,
    pub unit: usize,
    pub inner: usize,
    pub leaf_refs: usize,
}

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

/// Flattened input: rings as closed vertex runs; `eent[i]` is the entity (polygon) of the
/// edge (i, i+1), or NONE if vertex i ends its ring.
struct Prep {
    xs: Vec<f64>,
    ys: Vec<f64>,
    eent: Vec<u32>,
    ent_unit: Vec<u32>,
}

fn prepare(units: &[MultiPolygon<f64>]) -> Prep {
    let mut p = Prep {
        xs: Vec::new(),
        ys: Vec::new(),
        eent: Vec::new(),
        ent_unit: Vec::new(),
    };
    for (u, mp) in units.iter().enumerate().take(MAX_UNITS) {
        for poly in &mp.0 {
            let ent = p.ent_unit.len() as u32;
            let mut used = false;
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                let pts = &ring.0;
                if pts.is_empty() || pts.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
                    continue;
                }
                for c in pts {
                    p.xs.push(c.x);
                    p.ys.push(c.y);
                    p.eent.push(ent);
                }
                let first = pts[0];
                if pts.len() == 1 || pts[pts.len() - 1] != first {
                    p.xs.push(first.x);
                    p.ys.push(first.y);
                    p.eent.push(ent);
                }
                if let Some(last) = p.eent.last_mut() {
                    *last = NONE;
                }
                used = true;
            }
            if used {
                p.ent_unit.push(u as u32);
            }
        }
    }
    p
}

#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

/// Per-cell state of the parity identity.
#[derive(Default)]
struct CellSet {
    /// Edges (start-vertex ids, ascending) touching the closed cell.
    s: Vec<u32>,
    /// Thresholds (entity, y): term `[y > P.y]`, y strictly inside the cell's y-range.
    t: Vec<(u32, f64)>,
    /// Entities whose constant term is 1 (sorted).
    k: Vec<u32>,
}

enum Class {
    In,
    Right,
    Other,
}

struct Builder<'p> {
    p: &'p Prep,
    lattice: Option<f64>,
    t: i32,
    max_level: i32,
    leaf_edges: usize,
    ix0: i64,
    iy0: i64,
    nx: usize,
    top: Vec<u32>,
    data: Vec<u32>,
    key_map: HashMap<[u64; 4], (u64, u64)>,
    cur_origin: Option<(i32, i32)>,
    const_cache: HashMap<Vec<u32>, u32>,
}

impl<'p> Builder<'p> {
    #[inline]
    fn a(&self, e: u32) -> Coord<f64> {
        Coord {
            x: self.p.xs[e as usize],
            y: self.p.ys[e as usize],
        }
    }
    #[inline]
    fn b(&self, e: u32) -> Coord<f64> {
        Coord {
            x: self.p.xs[e as usize + 1],
            y: self.p.ys[e as usize + 1],
        }
    }

    fn classify(&self, e: u32, r: &Rect) -> Class {
        let a = self.a(e);
        let b = self.b(e);
        let (xlo, xhi) = if a.x <= b.x { (a.x, b.x) } else { (b.x, a.x) };
        let (ylo, yhi) = if a.y <= b.y { (a.y, b.y) } else { (b.y, a.y) };
        let bbox_overlap = !(xhi < r.x0 || xlo > r.x1 || yhi < r.y0 || ylo > r.y1);
        if bbox_overlap {
            let inside = |c: Coord<f64>| c.x >= r.x0 && c.x <= r.x1 && c.y >= r.y0 && c.y <= r.y1;
            if inside(a) || inside(b) {
                return Class::In;
            }
            let o = [
                orient(a, b, Coord { x: r.x0, y: r.y0 }),
                orient(a, b, Coord { x: r.x1, y: r.y0 }),
                orient(a, b, Coord { x: r.x0, y: r.y1 }),
                orient(a, b, Coord { x: r.x1, y: r.y1 }),
            ];
            if !(o.iter().all(|&v| v > 0) || o.iter().all(|&v| v < 0)) {
                return Class::In;
            }
        }
        // Not touching the closed cell. Relevant only if it can straddle some P.y in [y0, y1).
        if ylo == yhi || !(ylo < r.y1 && yhi > r.y0) {
            return Class::Other;
        }
        if xlo > r.x1 {
            return Class::Right;
        }
        if xhi < r.x0 {
            return Class::Other;
        }
        let (lo, hi) = if a.y < b.y { (a, b) } else { (b, a) };
        let ys = if ylo > r.y0 { ylo } else { r.y0 };
        if orient(lo, hi, Coord { x: r.x1, y: ys }) > 0 {
            Class::Right
        } else {
            Class::Other
        }
    }

    /// Derive the child cell's identity from its parent's.
    fn split(&self, par: &CellSet, r: &Rect) -> CellSet {
        let mut out = CellSet::default();
        let mut terms: Vec<(u32, f64)> = Vec::new();
        let mut ktog: Vec<u32> = Vec::new();
        let add = |ent: u32, y: f64, terms: &mut Vec<(u32, f64)>, ktog: &mut Vec<u32>| {
            if y >= r.y1 {
                ktog.push(ent);
            } else if y > r.y0 {
                terms.push((ent, y));
            }
        };
        // Right edges contribute [A.y > P.y] ^ [B.y > P.y]; consecutive right edges of one
        // ring share a vertex whose terms cancel, so only run ends are emitted.
        let mut pending: Option<(u32, f64)> = None;
        let mut prev_right = NONE;
        for &e in &par.s {
            match self.classify(e, r) {
                Class::In => out.s.push(e),
                Class::Right => {
                    let ent = self.p.eent[e as usize];
                    if prev_right == NONE || prev_right + 1 != e {
                        if let Some((pe, py)) = pending.take() {
                            add(pe, py, &mut terms, &mut ktog);
                        }
                        add(ent, self.p.ys[e as usize], &mut terms, &mut ktog);
                    }
                    pending = Some((ent, self.p.ys[e as usize + 1]));
                    prev_right = e;
                }
                Class::Other => {}
            }
        }
        if let Some((pe, py)) = pending.take() {
            add(pe, py, &mut terms, &mut ktog);
        }
        for &(ent, y) in &par.t {
            add(ent, y, &mut terms, &mut ktog);
        }
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        out.t = cancel_pairs(&terms, |a, b| a.0 == b.0 && a.1 == b.1);
        ktog.sort_unstable();
        let ktog = cancel_pairs(&ktog, |a, b| a == b);
        out.k = sym_diff(&par.k, &ktog);
        out
    }

    fn cell_rect(level: i32, ci: i64, cj: i64) -> Rect {
        let w = pow2(-level);
        Rect {
            x0: ci as f64 * w,
            x1: (ci + 1) as f64 * w,
            y0: cj as f64 * w,
            y1: (cj + 1) as f64 * w,
        }
    }

    /// Node for a cell without edges.
    fn const_node(&mut self, set: &CellSet) -> u32 {
        if !set.t.is_empty() {
            // Cannot happen for consistent input (thresholds need an edge in the cell), but
            // a leaf represents it exactly anyway.
            return self.write_leaf(set);
        }
        let mut units: Vec<u32> = set.k.iter().map(|&e| self.p.ent_unit[e as usize]).collect();
        units.dedup();
        match units.len() {
            0 => TAG_EMPTY << TAG_SHIFT,
            1 => (TAG_UNIT << TAG_SHIFT) | units[0],
            _ => {
                if let Some(&v) = self.const_cache.get(&set.k) {
                    return v;
                }
                let v = self.write_leaf(set);
                self.const_cache.insert(set.k.clone(), v);
                v
            }
        }
    }

    fn n_entities(&self, set: &CellSet) -> usize {
        let mut ents: Vec<u32> = set.s.iter().map(|&e| self.p.eent[e as usize]).collect();
        ents.extend(set.t.iter().map(|x| x.0));
        ents.extend(set.k.iter().copied());
        ents.sort_unstable();
        ents.dedup();
        ents.len()
    }

    /// Fanout exponent for splitting a cell at `level` (index ci, cj) holding `set`:
    /// the smallest k whose children leave at most 1/8 of the edges in over-full children.
    fn choose_k(&self, level: i32, ci: i64, cj: i64, set: &CellSet) -> i32 {
        let room = self.max_level - level;
        let kmax = KMAX.min(room);
        let total = set.s.len();
        let mut counts: Vec<u32> = Vec::new();
        for k in 1..=kmax {
            let n = 1usize << k;
            counts.clear();
            counts.resize(n * n, 0);
            let sc = pow2(level + k);
            let (bi, bj) = (ci << k, cj << k);
            for &e in &set.s {
                let a = self.a(e);
                let b = self.b(e);
                let cx = |x: f64| ((x * sc).floor() as i64 - bi).clamp(0, n as i64 - 1) as usize;
                let cy = |y: f64| ((y * sc).floor() as i64 - bj).clamp(0, n as i64 - 1) as usize;
                let (x0, x1) = (cx(a.x.min(b.x)), cx(a.x.max(b.x)));
                let (y0, y1) = (cy(a.y.min(b.y)), cy(a.y.max(b.y)));
                for y in y0..=y1 {
                    for x in x0..=x1 {
                        counts[y * n + x] += 1;
                    }
                }
            }
            let over: usize = counts
                .iter()
                .filter(|&&c| c as usize > self.leaf_edges)
                .map(|&c| c as usize)
                .sum();
            if over * 8 <= total {
                return k;
            }
        }
        kmax
    }

    fn build_node(&mut self, level: i32, ci: i64, cj: i64, set: CellSet) -> u32 {
        if set.s.is_empty() {
            return self.const_node(&set);
        }
        if level >= self.max_level
            || (set.s.len() <= self.leaf_edges && self.n_entities(&set) <= 64)
        {
            self.cur_origin = self.lattice.map(|sc| {
                let r = Self::cell_rect(level, ci, cj);
                let cx = ((r.x0 + r.x1) * 0.5 * sc).round() as i32;
                let cy = ((r.y0 + r.y1) * 0.5 * sc).round() as i32;
                (cx, cy)
            });
            let v = self.write_leaf(&set);
            self.cur_origin = None;
            return v;
        }
        let k = self.choose_k(level, ci, cj, &set);
        let n = 1usize << k;
        let block = self.data.len();
        self.data.extend(std::iter::repeat_n(0u32, n * n));
        self.fill_block(block, n, level, ci, cj, 0, 0, k, set);
        (TAG_INNER << TAG_SHIFT) | (k as u32) << INNER_OFF_BITS | (block as u32 & INNER_OFF_MASK)
    }

    /// Fill the block positions [ox, ox+2^rem) × [oy, oy+2^rem) (block side n) for the cell
    /// (level, ci, cj) by binary quad splits, so every edge is tested O(k) times.
    #[allow(clippy::too_many_arguments)]
    fn fill_block(
        &mut self,
        block: usize,
        n: usize,
        level: i32,
        ci: i64,
        cj: i64,
        ox: usize,
        oy: usize,
        rem: i32,
        set: CellSet,
    ) {
        if rem == 0 {
            let v = self.build_node(level, ci, cj, set);
            self.data[block + oy * n + ox] = v;
            return;
        }
        if set.s.is_empty() {
            let v = self.const_node(&set);
            let side = 1usize << rem;
            for y in oy..oy + side {
                for x in ox..ox + side {
                    self.data[block + y * n + x] = v;
                }
            }
            return;
        }
        let half = 1usize << (rem - 1);
        for q in 0..4usize {
            let (dx, dy) = ((q & 1) as i64, (q >> 1) as i64);
            let (ci2, cj2) = (ci * 2 + dx, cj * 2 + dy);
            let r = Self::cell_rect(level + 1, ci2, cj2);
            let child = self.split(&set, &r);
            self.fill_block(
                block,
                n,
                level + 1,
                ci2,
                cj2,
                ox + dx as usize * half,
                oy + dy as usize * half,
                rem - 1,
                child,
            );
        }
    }

    /// kd-split the top-grid index range [i0,i1) × [j0,j1) down to single top cells.
    fn build_kd(&mut self, i0: i64, i1: i64, j0: i64, j1: i64, set: CellSet) {
        if set.s.is_empty() {
            let v = self.const_node(&set);
            for j in j0..j1 {
                for i in i0..i1 {
                    let idx = (j - self.iy0) as usize * self.nx + (i - self.ix0) as usize;
                    self.top[idx] = v;
                }
            }
            return;
        }
        if i1 - i0 == 1 && j1 - j0 == 1 {
            let v = self.build_node(self.t, i0, j0, set);
            let idx = (j0 - self.iy0) as usize * self.nx + (i0 - self.ix0) as usize;
            self.top[idx] = v;
            return;
        }
        let w = pow2(-self.t);
        let halves = if i1 - i0 >= j1 - j0 {
            let m = (i0 + i1) / 2;
            [(i0, m, j0, j1), (m, i1, j0, j1)]
        } else {
            let m = (j0 + j1) / 2;
            [(i0, i1, j0, m), (i0, i1, m, j1)]
        };
        let mut children: Vec<CellSet> = halves
            .iter()
            .map(|&(a0, a1, b0, b1)| {
                let r = Rect {
                    x0: a0 as f64 * w,
                    x1: a1 as f64 * w,
                    y0: b0 as f64 * w,
                    y1: b1 as f64 * w,
                };
                self.split(&set, &r)
            })
            .collect();
        drop(set);
        let second = children.pop().unwrap_or_default();
        let first = children.pop().unwrap_or_default();
        let (a0, a1, b0, b1) = halves[0];
        self.build_kd(a0, a1, b0, b1, first);
        let (a0, a1, b0, b1) = halves[1];
        self.build_kd(a0, a1, b0, b1, second);
    }

    /// Lattice coordinates of vertex v (lattice mode only).
    fn lat(&self, v: u32) -> (i64, i64) {
        let s = self.lattice.unwrap_or(1.0);
        (
            (self.p.xs[v as usize] * s).round() as i64,
            (self.p.ys[v as usize] * s).round() as i64,
        )
    }

    fn push_coord(&mut self, v: f64) {
        match self.lattice {
            Some(s) => self.data.push(((v * s).round() as i32) as u32),
            None => {
                let b = v.to_bits();
                self.data.push(b as u32);
                self.data.push((b >> 32) as u32);
            }
        }
    }

    fn push_mask(&mut self, m: u64, mw: usize) {
        self.data.push(m as u32);
        if mw == 2 {
            self.data.push((m >> 32) as u32);
        }
    }

    fn write_leaf(&mut self, set: &CellSet) -> u32 {
        let mut ents: Vec<u32> = set.s.iter().map(|&e| self.p.eent[e as usize]).collect();
        ents.extend(set.t.iter().map(|x| x.0));
        ents.extend(set.k.iter().copied());
        ents.sort_unstable();
        ents.dedup();
        if ents.is_empty() {
            return TAG_EMPTY << TAG_SHIFT;
        }
        let off = self.data.len();
        let groups: Vec<Vec<u32>> = ents.chunks(64).map(|c| c.to_vec()).collect();
        let ng = groups.len();
        for (g, ge) in groups.iter().enumerate() {
            self.write_group(ge, set, g + 1 < ng);
        }
        (TAG_LEAF << TAG_SHIFT) | (off as u32 & PAYLOAD)
    }

    fn ukey(&self, e: u32) -> [u64; 4] {
        let a = self.a(e);
        let b = self.b(e);
        let ka = (a.x.to_bits(), a.y.to_bits());
        let kb = (b.x.to_bits(), b.y.to_bits());
        if ka <= kb {
            [ka.0, ka.1, kb.0, kb.1]
        } else {
            [kb.0, kb.1, ka.0, ka.1]
        }
    }

    fn write_group(&mut self, ge: &[u32], set: &CellSet, more: bool) {
        let n = ge.len();
        let mw = if n <= 32 { 1 } else { 2 };
        let idx = |ent: u32| ge.binary_search(&ent).ok();
        let mut kmask = 0u64;
        for &ent in &set.k {
            if let Some(i) = idx(ent) {
                kmask ^= 1 << i;
            }
        }
        let mut th: Vec<(f64, u64)> = set
            .t
            .iter()
            .filter_map(|&(ent, y)| idx(ent).map(|i| (y, 1u64 << i)))
            .collect();
        th.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut thm: Vec<(f64, u64)> = Vec::new();
        for (y, m) in th {
            match thm.last_mut() {
                Some(l) if l.0 == y => l.1 ^= m,
                _ => thm.push((y, m)),
            }
        }
        thm.retain(|x| x.1 != 0);
        let es: Vec<u32> = set
            .s
            .iter()
            .copied()
            .filter(|&e| idx(self.p.eent[e as usize]).is_some())
            .collect();
        let mut key_map = std::mem::take(&mut self.key_map);
        key_map.clear();
        for &e in &es {
            let bit = 1u64 << idx(self.p.eent[e as usize]).unwrap_or(0);
            let ent = key_map.entry(self.ukey(e)).or_insert((0, 0));
            ent.0 ^= bit;
            ent.1 |= bit;
        }
        // chains: (tmask, bmask, vertex ids)
        let mut chains: Vec<(u64, u64, Vec<u32>)> = Vec::new();
        let mut last_e = NONE;
        for &e in &es {
            let key = self.ukey(e);
            let Some((tm, bm)) = key_map.remove(&key) else {
                continue; // already emitted by another entity
            };
            match chains.last_mut() {
                Some(c) if last_e != NONE && last_e + 1 == e && c.0 == tm && c.1 == bm => {
                    c.2.push(e + 1);
                }
                _ => chains.push((tm, bm, vec![e, e + 1])),
            }
            last_e = e;
        }
        self.key_map = key_map;
        // narrow chains: every vertex within ±32767 lattice units of the cell centre
        let origin = match (self.lattice, self.cur_origin) {
            (Some(_), Some(o)) if !chains.is_empty() => Some(o),
            _ => None,
        };
        let mut narrow: Vec<(u64, u64, Vec<u32>)> = Vec::new();
        let mut wide: Vec<(u64, u64, Vec<u32>)> = Vec::new();
        for c in chains {
            let fits = origin.is_some_and(|(ox, oy)| {
                c.2.iter().all(|&v| {
                    let (x, y) = self.lat(v);
                    (x - ox as i64).abs() <= 32767 && (y - oy as i64).abs() <= 32767
                })
            });
            if fits {
                // split into pieces of <= BLK_MAX vertices sharing their end vertices
                let mut k = 0;
                while k + 1 < c.2.len() {
                    let end = (k + BLK_MAX).min(c.2.len());
                    narrow.push((c.0, c.1, c.2[k..end].to_vec()));
                    k = end - 1;
                }
            } else {
                wide.push(c);
            }
        }
        // pack narrow pieces into blocks of <= BLK_MAX vertices
        let mut blocks: Vec<Vec<(u64, u64, Vec<u32>)>> = Vec::new();
        let mut cur: Vec<(u64, u64, Vec<u32>)> = Vec::new();
        let mut cur_nv = 0;
        for piece in narrow {
            if cur_nv + piece.2.len() > BLK_MAX || cur.len() >= 127 {
                blocks.push(std::mem::take(&mut cur));
                cur_nv = 0;
            }
            cur_nv += piece.2.len();
            cur.push(piece);
        }
        if !cur.is_empty() {
            blocks.push(cur);
        }
        let origin = if blocks.is_empty() { None } else { origin };
        let (n_blk, n_thr, n_wide) = (blocks.len(), thm.len(), wide.len());
        let f_blk = n_blk.min(BLK_ESC as usize) as u32;
        let f_thr = n_thr.min(THR_ESC as usize) as u32;
        let f_wide = n_wide.min(WIDE_ESC as usize) as u32;
        self.data.push(
            n as u32
                | (more as u32) << 7
                | (origin.is_some() as u32) << 8
                | f_blk << 9
                | f_thr << 16
                | f_wide << 24,
        );
        if f_blk == BLK_ESC {
            self.data.push(n_blk as u32);
        }
        if f_thr == THR_ESC {
            self.data.push(n_thr as u32);
        }
        if f_wide == WIDE_ESC {
            self.data.push(n_wide as u32);
        }
        self.push_mask(kmask, mw);
        for &ent in ge {
            self.data.push(self.p.ent_unit[ent as usize]);
        }
        for &(y, m) in &thm {
            self.push_coord(y);
            self.push_mask(m, mw);
        }
        if let Some((ox, oy)) = origin {
            self.data.push(ox as u32);
            self.data.push(oy as u32);
            for blk in &blocks {
                let nv: usize = blk.iter().map(|c| c.2.len()).sum();
                let has_bm = blk.iter().any(|c| c.0 != c.1);
                self.data
                    .push(nv as u32 | (blk.len() as u32) << 8 | (has_bm as u32) << 16);
                let mut starts = 0u64;
                let mut pos = 0;
                for c in blk {
                    starts |= 1 << pos;
                    pos += c.2.len();
                }
                self.data.push(starts as u32);
                self.data.push((starts >> 32) as u32);
                for c in blk {
                    self.push_mask(c.0, mw);
                }
                if has_bm {
                    for c in blk {
                        self.push_mask(c.1, mw);
                    }
                }
                for c in blk {
                    for &v in &c.2 {
                        let (x, y) = self.lat(v);
                        let dx = (x - ox as i64) as i16 as u16 as u32;
                        let dy = (y - oy as i64) as i16 as u16 as u32;
                        self.data.push(dx | dy << 16);
                    }
                }
            }
        }
        for (tm, bm, vs) in wide {
            let differs = tm != bm;
            self.data
                .push(vs.len() as u32 | if differs { CH_DIFFERS } else { 0 });
            self.push_mask(tm, mw);
            if differs {
                self.push_mask(bm, mw);
            }
            for &v in &vs {
                self.push_coord(self.p.xs[v as usize]);
                self.push_coord(self.p.ys[v as usize]);
            }
        }
    }
}

fn cancel_pairs<T: Copy>(sorted: &[T], eq: impl Fn(&T, &T) -> bool) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && eq(&sorted[i], &sorted[j]) {
            j += 1;
        }
        if (j - i) % 2 == 1 {
            out.push(sorted[i]);
        }
        i = j;
    }
    out
}

fn sym_diff(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i] < b[j]) {
            out.push(a[i]);
            i += 1;
        } else if i == a.len() || b[j] < a[i] {
            out.push(b[j]);
            j += 1;
        } else {
            i += 1;
            j += 1;
        }
    }
    out
}

/// Choose the lattice scale (1e6 or 1e7) if every vertex and the grid extent fit it exactly.
fn pick_lattice(p: &Prep, extent: [f64; 4]) -> Option<f64> {
    const LIM: f64 = (1u64 << 30) as f64;
    'scales: for s in [1e6, 1e7] {
        if extent
            .iter()
            .any(|&v| (v * s).abs().partial_cmp(&LIM) != Some(std::cmp::Ordering::Less))
        {
            continue;
        }
        for (&x, &y) in p.xs.iter().zip(&p.ys) {
            for v in [x, y] {
                let a = (v * s).round();
                if a.abs().partial_cmp(&LIM) != Some(std::cmp::Ordering::Less) || a / s != v {
                    continue 'scales;
                }
            }
        }
        return Some(s);
    }
    None
}

impl UnitGrid {
    /// Build over `units`; `units[i]` gets id `i`.
    pub fn build(units: &[MultiPolygon<f64>]) -> UnitGrid {
        Self::build_with(units, BuildParams::default())
    }

    #[doc(hidden)]
    pub fn build_with(units: &[MultiPolygon<f64>], params: BuildParams) -> UnitGrid {
        let prep = prepare(units);
        let n_units = units.len().min(MAX_UNITS) as u32;
        let (mut minx, mut miny, mut maxx, mut maxy) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for (&x, &y) in prep.xs.iter().zip(&prep.ys) {
            minx = minx.min(x);
            maxx = maxx.max(x);
            miny = miny.min(y);
            maxy = maxy.max(y);
        }
        let bbox = unit_bboxes(units, n_units as usize);
        let (cx0, cy0, cw, ch, cnx, cny, cand_off, cand_ids) = cand_index(&bbox, n_units as usize);
        let mut g = UnitGrid {
            mode: MODE_RAW,
            scale: 1.0,
            t: 0,
            f: 0,
            ix0: 0,
            iy0: 0,
            nx: 0,
            ny: 0,
            n_units,
            x_lo: 0.0,
            x_hi: 0.0,
            y_lo: 0.0,
            y_hi: 0.0,
            fscale: 1.0,
            top: Vec::new(),
            data: Vec::new(),
            bbox,
            cx0,
            cy0,
            cw,
            ch,
            cnx,
            cny,
            cand_off,
            cand_ids,
        };
        if prep.xs.is_empty() {
            return g;
        }
        // top level: cells of 2^-t with about `top_cells` cells over the bbox (fewer for
        // small inputs)
        let top_cells = params.top_cells.min((prep.xs.len() as f64 / 4.0).max(16.0));
        let area = ((maxx - minx) * (maxy - miny)).max(1e-300);
        let mut t = (0.5 * (top_cells / area).log2()).floor() as i32;
        t = t.clamp(-40, 40);
        let grid = |t: i32| {
            let sc = pow2(t);
            let ix0 = (minx * sc).floor() as i64;
            let iy0 = (miny * sc).floor() as i64;
            let ix1 = (maxx * sc).floor() as i64 + 1;
            let iy1 = (maxy * sc).floor() as i64 + 1;
            (ix0, iy0, ix1, iy1)
        };
        let (mut ix0, mut iy0, mut ix1, mut iy1) = grid(t);
        while (ix1 - ix0) * (iy1 - iy0) > 4 * top_cells as i64 && t > -40 {
            t -= 1;
            (ix0, iy0, ix1, iy1) = grid(t);
        }
        let w = pow2(-t);
        let extent = [
            ix0 as f64 * w,
            ix1 as f64 * w,
            iy0 as f64 * w,
            iy1 as f64 * w,
        ];
        // fine bits: floor(c * 2^f) must be exact and fit an i64 comfortably
        let maxabs = extent.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-300);
        let mut depth = FINE;
        while depth > 0 && maxabs * pow2(t + depth) >= pow2(60) {
            depth -= 1;
        }
        let f = t + depth;
        let lattice = pick_lattice(&prep, extent);
        let nx = (ix1 - ix0) as usize;
        let ny = (iy1 - iy0) as usize;
        let mut b = Builder {
            p: &prep,
            lattice,
            t,
            max_level: f,
            leaf_edges: params.leaf_edges,
            ix0,
            iy0,
            nx,
            top: vec![0; nx * ny],
            data: Vec::new(),
            key_map: HashMap::new(),
            cur_origin: None,
            const_cache: HashMap::new(),
        };
        let root = CellSet {
            s: (0..prep.eent.len() as u32)
                .filter(|&e| prep.eent[e as usize] != NONE)
                .collect(),
            t: Vec::new(),
            k: Vec::new(),
        };
        b.build_kd(ix0, ix1, iy0, iy1, root);
        let (top, mut data) = (b.top, b.data);
        data.shrink_to_fit();
        g.mode = if lattice.is_some() {
            MODE_LATTICE
        } else {
            MODE_RAW
        };
        g.scale = lattice.unwrap_or(1.0);
        g.t = t;
        g.f = f;
        g.ix0 = ix0;
        g.iy0 = iy0;
        g.nx = nx as u32;
        g.ny = ny as u32;
        g.top = top;
        g.data = data;
        g.derive();
        g
    }

    fn derive(&mut self) {
        let w = pow2(-self.t);
        self.x_lo = self.ix0 as f64 * w;
        self.x_hi = (self.ix0 + self.nx as i64) as f64 * w;
        self.y_lo = self.iy0 as f64 * w;
        self.y_hi = (self.iy0 + self.ny as i64) as f64 * w;
        self.fscale = pow2(self.f);
        if self.nx == 0 || self.ny == 0 {
            self.x_hi = self.x_lo; // empty range: every query misses
        }
    }
}

fn unit_bboxes(units: &[MultiPolygon<f64>], n: usize) -> Vec<f64> {
    let mut bb = Vec::with_capacity(n * 4);
    for mp in units.iter().take(n) {
        let (mut a, mut b, mut c, mut d) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for poly in &mp.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                if ring.0.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
                    continue;
                }
                for p in &ring.0 {
                    a = a.min(p.x);
                    b = b.min(p.y);
                    c = c.max(p.x);
                    d = d.max(p.y);
                }
            }
        }
        if a > c {
            // empty: a box that intersects nothing
            bb.extend([f64::NAN; 4]);
        } else {
            bb.extend([a, b, c, d]);
        }
    }
    bb
}

#[allow(clippy::type_complexity)]
fn cand_index(bbox: &[f64], n: usize) -> (f64, f64, f64, f64, u32, u32, Vec<u32>, Vec<u32>) {
    let (mut minx, mut miny, mut maxx, mut maxy) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    let mut any = false;
    for u in 0..n {
        let b = &bbox[u * 4..u * 4 + 4];
        if b[0].is_nan() {
            continue;
        }
        any = true;
        minx = minx.min(b[0]);
        miny = miny.min(b[1]);
        maxx = maxx.max(b[2]);
        maxy = maxy.max(b[3]);
    }
    if !any {
        return (0.0, 0.0, 1.0, 1.0, 0, 0, vec![0], Vec::new());
    }
    let side = ((n as f64).sqrt() * 1.0).ceil().clamp(1.0, 512.0) as u32;
    let (cnx, cny) = (side, side);
    let cw = ((maxx - minx) / cnx as f64).max(1e-12);
    let ch = ((maxy - miny) / cny as f64).max(1e-12);
    let bucket = |v: f64, o: f64, w: f64, nb: u32| -> usize {
        (((v - o) / w).floor().max(0.0) as usize).min(nb as usize - 1)
    };
    let mut counts = vec![0u32; (cnx * cny) as usize + 1];
    let ranges: Vec<Option<(usize, usize, usize, usize)>> = (0..n)
        .map(|u| {
            let b = &bbox[u * 4..u * 4 + 4];
            if b[0].is_nan() {
                return None;
            }
            Some((
                bucket(b[0], minx, cw, cnx),
                bucket(b[2], minx, cw, cnx),
                bucket(b[1], miny, ch, cny),
                bucket(b[3], miny, ch, cny),
            ))
        })
        .collect();
    for (i0, i1, j0, j1) in ranges.iter().flatten().copied() {
        for j in j0..=j1 {
            for i in i0..=i1 {
                counts[j * cnx as usize + i + 1] += 1;
            }
        }
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let mut ids = vec![0u32; counts[counts.len() - 1] as usize];
    let mut fill = counts.clone();
    for (u, r) in ranges.iter().enumerate() {
        if let Some((i0, i1, j0, j1)) = *r {
            for j in j0..=j1 {
                for i in i0..=i1 {
                    let b = j * cnx as usize + i;
                    ids[fill[b] as usize] = u as u32;
                    fill[b] += 1;
                }
            }
        }
    }
    (minx, miny, cw, ch, cnx, cny, counts, ids)
}

// ---------------------------------------------------------------------------------------------
// Serialisation
// ---------------------------------------------------------------------------------------------

struct Reader<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], GridError> {
        let end = self.p.checked_add(n).ok_or(GridError::Truncated)?;
        let s = self.b.get(self.p..end).ok_or(GridError::Truncated)?;
        self.p = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, GridError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, GridError> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn i64(&mut self) -> Result<i64, GridError> {
        Ok(self.u64()? as i64)
    }
    fn f64(&mut self) -> Result<f64, GridError> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn vec_u32(&mut self, max: usize) -> Result<Vec<u32>, GridError> {
        let n = self.u64()?;
        if n > max as u64 {
            return Err(GridError::Corrupt("array length"));
        }
        let n = n as usize;
        let bytes = self.take(n.checked_mul(4).ok_or(GridError::Truncated)?)?;
        let mut v = vec![0u32; n];
        for (d, c) in v.iter_mut().zip(bytes.chunks_exact(4)) {
            *d = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        Ok(v)
    }
    fn vec_f64(&mut self, max: usize) -> Result<Vec<f64>, GridError> {
        let n = self.u64()?;
        if n > max as u64 {
            return Err(GridError::Corrupt("array length"));
        }
        let n = n as usize;
        let bytes = self.take(n.checked_mul(8).ok_or(GridError::Truncated)?)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                f64::from_le_bytes(a)
            })
            .collect())
    }
}

fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
    out.reserve(v.len() * 4);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_f64s(out: &mut Vec<u8>, v: &[f64]) {
    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

impl UnitGrid {
    /// Flat little-endian byte representation (see [`UnitGrid::from_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = Vec::with_capacity(self.heap_bytes() + 256);
        o.extend_from_slice(MAGIC);
        o.extend_from_slice(&self.mode.to_le_bytes());
        o.extend_from_slice(&self.scale.to_le_bytes());
        o.extend_from_slice(&(self.t as u32).to_le_bytes());
        o.extend_from_slice(&(self.f as u32).to_le_bytes());
        o.extend_from_slice(&self.ix0.to_le_bytes());
        o.extend_from_slice(&self.iy0.to_le_bytes());
        o.extend_from_slice(&self.nx.to_le_bytes());
        o.extend_from_slice(&self.ny.to_le_bytes());
        o.extend_from_slice(&self.n_units.to_le_bytes());
        o.extend_from_slice(&self.cx0.to_le_bytes());
        o.extend_from_slice(&self.cy0.to_le_bytes());
        o.extend_from_slice(&self.cw.to_le_bytes());
        o.extend_from_slice(&self.ch.to_le_bytes());
        o.extend_from_slice(&self.cnx.to_le_bytes());
        o.extend_from_slice(&self.cny.to_le_bytes());
        put_u32s(&mut o, &self.top);
        put_u32s(&mut o, &self.data);
        put_f64s(&mut o, &self.bbox);
        put_u32s(&mut o, &self.cand_off);
        put_u32s(&mut o, &self.cand_ids);
        o
    }

    /// Load from [`UnitGrid::to_bytes`] output, validating every offset and index.
    pub fn from_bytes(bytes: &[u8]) -> Result<UnitGrid, GridError> {
        let mut r = Reader { b: bytes, p: 0 };
        if r.take(8)? != MAGIC {
            return Err(GridError::BadMagic);
        }
        let mode = r.u32()?;
        let scale = r.f64()?;
        let t = r.u32()? as i32;
        let f = r.u32()? as i32;
        let ix0 = r.i64()?;
        let iy0 = r.i64()?;
        let nx = r.u32()?;
        let ny = r.u32()?;
        let n_units = r.u32()?;
        let cx0 = r.f64()?;
        let cy0 = r.f64()?;
        let cw = r.f64()?;
        let ch = r.f64()?;
        let cnx = r.u32()?;
        let cny = r.u32()?;
        let lim = bytes.len() / 4 + 1;
        let top = r.vec_u32(lim)?;
        let data = r.vec_u32(lim)?;
        let bbox = r.vec_f64(lim)?;
        let cand_off = r.vec_u32(lim)?;
        let cand_ids = r.vec_u32(lim)?;
        if r.p != bytes.len() {
            return Err(GridError::Corrupt("trailing bytes"));
        }
        // header
        match mode {
            MODE_LATTICE if scale == 1e6 || scale == 1e7 => {}
            MODE_RAW => {}
            _ => return Err(GridError::Corrupt("coordinate mode")),
        }
        if !(-40..=40).contains(&t) || f < t || f > t + FINE {
            return Err(GridError::Corrupt("grid levels"));
        }
        if n_units as usize > MAX_UNITS {
            return Err(GridError::Corrupt("unit count"));
        }
        if (nx as u64) * (ny as u64) != top.len() as u64 {
            return Err(GridError::Corrupt("top grid size"));
        }
        let lim_idx = 1i64 << 52;
        if ix0.abs() > lim_idx || iy0.abs() > lim_idx {
            return Err(GridError::Corrupt("grid origin"));
        }
        let mut g = UnitGrid {
            mode,
            scale,
            t,
            f,
            ix0,
            iy0,
            nx,
            ny,
            n_units,
            x_lo: 0.0,
            x_hi: 0.0,
            y_lo: 0.0,
            y_hi: 0.0,
            fscale: 1.0,
            top,
            data,
            bbox,
            cx0,
            cy0,
            cw,
            ch,
            cnx,
            cny,
            cand_off,
            cand_ids,
        };
        g.derive();
        let maxabs = [g.x_lo, g.x_hi, g.y_lo, g.y_hi]
            .iter()
            .fold(0f64, |m, v| m.max(v.abs()));
        if (maxabs * g.fscale).partial_cmp(&pow2(61)) != Some(std::cmp::Ordering::Less) {
            return Err(GridError::Corrupt("grid extent"));
        }
        if mode == MODE_LATTICE
            && (maxabs * scale).partial_cmp(&((1u64 << 30) as f64))
                != Some(std::cmp::Ordering::Less)
        {
            return Err(GridError::Corrupt("lattice extent"));
        }
        if g.data.len() > INNER_OFF_MASK as usize {
            return Err(GridError::Corrupt("data array size"));
        }
        validate_nodes(&g.top, &g.data, mode, n_units)?;
        // candidate index
        if g.bbox.len() != n_units as usize * 4 {
            return Err(GridError::Corrupt("bbox array"));
        }
        let nb = (cnx as u64) * (cny as u64);
        if g.cand_off.len() as u64 != nb + 1
            || g.cand_off.first() != Some(&0)
            || g.cand_off.last().map(|&v| v as usize) != Some(g.cand_ids.len())
            || g.cand_off.windows(2).any(|w| w[0] > w[1])
            || g.cand_ids.iter().any(|&u| u >= n_units)
        {
            return Err(GridError::Corrupt("candidate index"));
        }
        if !(cw > 0.0 && ch > 0.0 && cx0.is_finite() && cy0.is_finite()) {
            return Err(GridError::Corrupt("candidate grid"));
        }
        Ok(g)
    }
}

/// Validate every node reachable from the top grid, every inner block and every leaf.
fn validate_nodes(top: &[u32], data: &[u32], mode: u32, n_units: u32) -> Result<(), GridError> {
    let lattice = mode == MODE_LATTICE;
    let w = if lattice { 1 } else { 2 };
    // bit 0: block start already queued, bit 1: leaf start already validated
    let mut seen = vec![0u8; data.len()];
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let check =
        |v: u32, seen: &mut Vec<u8>, blocks: &mut Vec<(usize, usize)>| -> Result<(), GridError> {
            let pl = (v & PAYLOAD) as usize;
            match v >> TAG_SHIFT {
                TAG_EMPTY => {
                    if pl != 0 {
                        return Err(GridError::Corrupt("empty node payload"));
                    }
                }
                TAG_UNIT => {
                    if pl >= n_units as usize {
                        return Err(GridError::Corrupt("unit id"));
                    }
                }
                TAG_INNER => {
                    let k = (v >> INNER_OFF_BITS) & 7;
                    let off = (v & INNER_OFF_MASK) as usize;
                    let end = off + (1usize << (2 * k));
                    if k == 0 || k > KMAX as u32 || end > data.len() {
                        return Err(GridError::Corrupt("inner node"));
                    }
                    if seen[off] & 1 == 0 {
                        seen[off] |= 1;
                        blocks.push((off, end));
                    }
                }
                _ => {
                    if pl >= data.len() {
                        return Err(GridError::Corrupt("leaf offset"));
                    }
                    if seen[pl] & 2 == 0 {
                        seen[pl] |= 2;
                        let mut p = pl;
                        loop {
                            let (np, more, _) = walk_group(data, p, w, n_units, lattice)?;
                            p = np;
                            if !more {
                                break;
                            }
                        }
                    }
                }
            }
            Ok(())
        };
    for &v in top {
        check(v, &mut seen, &mut blocks)?;
    }
    while let Some((off, end)) = blocks.pop() {
        for &v in &data[off..end] {
            // fast path for the common leaf-free entries
            match v >> TAG_SHIFT {
                TAG_UNIT if (v & PAYLOAD) < n_units => {}
                TAG_EMPTY if v == 0 => {}
                _ => check(v, &mut seen, &mut blocks)?,
            }
        }
    }
    Ok(())
}
