//! Building the grid: cell classification top-down, parity propagation, leaf writing.

use super::*;

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

/// Flattened input: rings as closed vertex runs; `eent[i]` is the entity (polygon) of the
/// edge (i, i+1), or NONE if vertex i ends its ring.
pub(super) struct Prep {
    xs: Vec<f64>,
    ys: Vec<f64>,
    eent: Vec<u32>,
    ent_unit: Vec<u32>,
}

pub(super) fn prepare(units: &[MultiPolygon<f64>]) -> Prep {
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
pub(super) struct Rect {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

/// Per-cell state of the parity identity.
#[derive(Default)]
pub(super) struct CellSet {
    /// Edges (start-vertex ids, ascending) touching the closed cell.
    s: Vec<u32>,
    /// Thresholds (entity, y): term `[y > P.y]`, y strictly inside the cell's y-range.
    t: Vec<(u32, f64)>,
    /// Entities whose constant term is 1 (sorted).
    k: Vec<u32>,
}

pub(super) enum Class {
    In,
    Right,
    Other,
}

pub(super) struct Builder<'p> {
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

pub(super) fn cancel_pairs<T: Copy>(sorted: &[T], eq: impl Fn(&T, &T) -> bool) -> Vec<T> {
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

pub(super) fn sym_diff(a: &[u32], b: &[u32]) -> Vec<u32> {
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
pub(super) fn pick_lattice(p: &Prep, extent: [f64; 4]) -> Option<f64> {
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

    pub(super) fn derive(&mut self) {
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

pub(super) fn unit_bboxes(units: &[MultiPolygon<f64>], n: usize) -> Vec<f64> {
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
pub(super) fn cand_index(
    bbox: &[f64],
    n: usize,
) -> (f64, f64, f64, f64, u32, u32, Vec<u32>, Vec<u32>) {
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
