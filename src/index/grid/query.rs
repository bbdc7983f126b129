//! The query API of [`UnitGrid`]: locate a point, candidates for a rectangle, statistics.

use super::*;

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
        sort_dedup_tail(out, start);
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
