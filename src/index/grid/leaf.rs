//! Leaf records and their query: chains of edges, per-group bit masks, crossing parity.

use super::*;

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

pub(super) const BLK_ESC: u32 = 127;
pub(super) const THR_ESC: u32 = 255;
pub(super) const WIDE_ESC: u32 = 255;
pub(super) const CH_DIFFERS: u32 = 1 << 31;
pub(super) const CH_NV_MASK: u32 = (1 << 31) - 1;
/// Max vertices in a narrow block (one u64 of bits).
pub(super) const BLK_MAX: usize = 64;

/// A leaf group's header word with its escaped counts.
#[derive(Debug, Clone, Copy)]
pub(super) struct GroupHeader {
    pub n_ent: usize,
    pub more: bool,
    pub has_origin: bool,
    pub n_blk: usize,
    pub n_thr: usize,
    pub n_wide: usize,
}

/// Reads the group header at `p`; returns it and the offset after it (`None`: the data ends).
#[inline(always)]
pub(super) fn group_header(d: &[u32], mut p: usize) -> Option<(GroupHeader, usize)> {
    let h = *d.get(p)?;
    p += 1;
    let mut escaped = |field: usize, esc: u32| -> Option<usize> {
        if field == esc as usize {
            let v = *d.get(p)? as usize;
            p += 1;
            Some(v)
        } else {
            Some(field)
        }
    };
    let n_blk = escaped(((h >> 9) & 0x7F) as usize, BLK_ESC)?;
    let n_thr = escaped(((h >> 16) & 0xFF) as usize, THR_ESC)?;
    let n_wide = escaped((h >> 24) as usize, WIDE_ESC)?;
    let header = GroupHeader {
        n_ent: (h & 0x7F) as usize,
        more: h & 0x80 != 0,
        has_origin: h & (1 << 8) != 0,
        n_blk,
        n_thr,
        n_wide,
    };
    Some((header, p))
}

#[inline(always)]
pub(super) fn ld_mask(d: &[u32], p: usize, mw: usize) -> u64 {
    if mw == 1 {
        d[p] as u64
    } else {
        d[p] as u64 | (d[p + 1] as u64) << 32
    }
}

#[inline(always)]
pub(super) fn low_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// Evaluate one straddling edge: Some(true) = crossing right of the query, Some(false) = no
/// crossing, None = the query lies on the edge. `sb` = b is above the query.
#[inline(always)]
pub(super) fn straddle_edge<Q: Probe>(
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
pub(super) fn scan_chain<Q: Probe>(
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
pub(super) fn scan_block<Q: Probe>(
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
pub(super) fn block_touch_slow<Q: Probe>(
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

pub(super) fn leaf_query<Q: Probe>(d: &[u32], mut p: usize, q: &Q, out: &mut Vec<u32>) {
    let start_len = out.len();
    let mut groups = 0;
    loop {
        groups += 1;
        let Some((
            GroupHeader {
                n_ent,
                more,
                has_origin,
                n_blk,
                n_thr,
                n_wide,
            },
            after,
        )) = group_header(d, p)
        else {
            return;
        };
        p = after;
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

pub(super) fn sort_dedup_tail(out: &mut Vec<u32>, start: usize) {
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
pub(super) fn edge_touch_flat<Q: Probe>(q: &Q, ax: Q::C, ay: Q::C, bx: Q::C, by: Q::C) -> bool {
    let ea = q.eq_y(ay);
    let eb = q.eq_y(by);
    if (ea && q.eq_x(ax)) || (eb && q.eq_x(bx)) {
        return true;
    }
    ea && eb && (q.ge_x(ax) || q.ge_x(bx)) && (!q.gt_x(ax) || !q.gt_x(bx))
}

/// Walk and validate one group starting at `p`. Returns (next offset, more, composition
/// [header words, unit words, threshold words, chains, chain header+mask words, vertex words]).
pub(super) fn walk_group(
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
    let (
        GroupHeader {
            n_ent,
            more,
            has_origin,
            n_blk,
            n_thr,
            n_wide,
        },
        after,
    ) = group_header(d, p).ok_or(err("leaf overrun"))?;
    p = after;
    if n_ent == 0 || n_ent > 64 {
        return Err(err("leaf entity count"));
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

/// Does any edge stored in the leaf at `p` have a bounding box meeting the closed rectangle
/// `r = [x0, y0, x1, y1]`, in storage units (lattice integers as `f64` in lattice mode, degrees
/// in raw mode)? Every group of the leaf is scanned. Corrupt or unexpected records answer
/// `true` (the caller then proves nothing).
pub(super) fn leaf_edges_meet_rect(d: &[u32], mut p: usize, lattice: bool, r: [f64; 4]) -> bool {
    let w = if lattice { 1 } else { 2 };
    let meets = |a: (f64, f64), b: (f64, f64)| {
        a.0.min(b.0) <= r[2] && a.0.max(b.0) >= r[0] && a.1.min(b.1) <= r[3] && a.1.max(b.1) >= r[1]
    };
    let coord = |i: usize| -> Option<f64> {
        if lattice {
            Some(f64::from(*d.get(i)? as i32))
        } else {
            Some(f64::from_bits(
                u64::from(*d.get(i)?) | u64::from(*d.get(i + 1)?) << 32,
            ))
        }
    };
    loop {
        let Some((
            GroupHeader {
                n_ent,
                more,
                has_origin,
                n_blk,
                n_thr,
                n_wide,
            },
            after,
        )) = group_header(d, p)
        else {
            return true;
        };
        p = after;
        let mw = if n_ent <= 32 { 1 } else { 2 };
        p += mw + n_ent + n_thr * (w + mw);
        let (mut ox, mut oy) = (0i32, 0i32);
        if has_origin {
            let (Some(&x), Some(&y)) = (d.get(p), d.get(p + 1)) else {
                return true;
            };
            (ox, oy) = (x as i32, y as i32);
            p += 2;
        }
        for _ in 0..n_blk {
            let Some(&bh) = d.get(p) else { return true };
            let nv = (bh & 0x7F) as usize;
            let nc = ((bh >> 8) & 0x7F) as usize;
            let (Some(&s0), Some(&s1)) = (d.get(p + 1), d.get(p + 2)) else {
                return true;
            };
            let starts = u64::from(s0) | u64::from(s1) << 32;
            p += 3;
            p += if bh & (1 << 16) != 0 {
                2 * nc * mw
            } else {
                nc * mw
            };
            let Some(v) = d.get(p..p + nv) else {
                return true;
            };
            p += nv;
            let at = |i: usize| {
                let wv = v[i];
                (
                    f64::from(ox + i32::from(wv as u16 as i16)),
                    f64::from(oy + i32::from((wv >> 16) as u16 as i16)),
                )
            };
            for i in 1..nv {
                if starts >> i & 1 == 0 && meets(at(i - 1), at(i)) {
                    return true;
                }
            }
        }
        for _ in 0..n_wide {
            let Some(&c) = d.get(p) else { return true };
            p += 1;
            let nv = (c & CH_NV_MASK) as usize;
            p += if c & CH_DIFFERS != 0 { 2 * mw } else { mw };
            let vertex = |i: usize| -> Option<(f64, f64)> {
                Some((coord(p + 2 * w * i)?, coord(p + 2 * w * i + w)?))
            };
            let Some(mut a) = vertex(0) else { return true };
            for i in 1..nv {
                let Some(b) = vertex(i) else { return true };
                if meets(a, b) {
                    return true;
                }
                a = b;
            }
            p += nv * 2 * w;
        }
        if !more {
            return false;
        }
    }
}
