//! Exact predicates and the query-side probes: coordinates turned once into lattice
//! thresholds, orientation with a filtered robust fallback.

use super::*;

// ---------------------------------------------------------------------------------------------
// Exact predicates
// ---------------------------------------------------------------------------------------------

#[inline]
pub(super) fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> i32 {
    match RobustKernel::orient2d(a, b, c) {
        Orientation::CounterClockwise => 1,
        Orientation::Clockwise => -1,
        Orientation::Collinear => 0,
    }
}

/// floor(v) as i64 without a libm call; exact for |v| < 2^62 (callers guarantee the range).
#[inline(always)]
pub(super) fn floor_i64(v: f64) -> i64 {
    let i = v as i64;
    i - ((i as f64) > v) as i64
}

#[inline]
pub(super) fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

// ---------------------------------------------------------------------------------------------
// Query-side probes
// ---------------------------------------------------------------------------------------------

/// A query point prepared for exact comparisons against stored coordinates.
pub(super) trait Probe {
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
pub(super) fn lattice_floor(p: f64, s: f64) -> (i64, bool) {
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
pub(super) fn lattice_floor_slow(p: f64, s: f64, fl: i64) -> (i64, bool) {
    let mut h = fl - 2;
    for a in fl - 1..=fl + 2 {
        if (a as f64) / s <= p {
            h = a;
        }
    }
    (h, (h as f64) / s == p)
}

pub(super) struct LatProbe {
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
    pub(super) fn new(px: f64, py: f64, s: f64) -> LatProbe {
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

pub(super) struct RawProbe {
    pub(super) px: f64,
    pub(super) py: f64,
}

#[inline(always)]
pub(super) fn ld_f64(d: &[u32], i: usize) -> f64 {
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
