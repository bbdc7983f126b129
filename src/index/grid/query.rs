//! The query API of [`UnitGrid`]: locate a point, candidates for a rectangle, statistics.

use super::*;

// ---------------------------------------------------------------------------------------------
// Query API
// ---------------------------------------------------------------------------------------------

/// How many points [`UnitGrid::locate_many`] walks down the tree together.
pub const LOCATE_GROUP: usize = 16;
/// Most grid nodes [`UnitGrid::unit_containing_rect`] visits before it gives up.
pub const RECT_CELLS: u32 = 256;

/// State of one [`UnitGrid::unit_containing_rect`] walk: the rectangle in fixed point
/// (`x0, y0, x1, y1`), the unit found so far, the nodes it may still visit.
struct RectWalk {
    rect: [i64; 4],
    /// The rectangle in the leaves' storage units, widened by a safe margin.
    storage: [f64; 4],
    unit: Option<u32>,
    budget: u32,
    /// Leaf cells met (their membership is decided by locating one point at the end).
    leaves: u32,
}

/// How many 64-byte lines of each leaf [`UnitGrid::locate_many`] reads ahead.
const LEAF_LINES: usize = 4;

impl UnitGrid {
    /// Ids of all units whose closed polygon contains (lon, lat), appended to `out` sorted
    /// ascending without duplicates. Non-finite input yields nothing.
    #[inline]
    pub fn locate(&self, lon: f64, lat: f64, out: &mut Vec<u32>) {
        let Some((mut node, xx, yy, mut shift)) = self.top_node(lon, lat) else {
            return;
        };
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
                    self.search_leaf((node & PAYLOAD) as usize, lon, lat, out);
                    return;
                }
            }
        }
    }

    /// [`UnitGrid::locate`] for many points: the units of point `i` are
    /// `out[ends[i - 1]..ends[i]]` (from 0 for the first), each run ascending, the same answers
    /// as one `locate` per point. `out` and `ends` are cleared first.
    ///
    /// # Runtime
    /// The points are taken [`LOCATE_GROUP`] at a time, one tree level at a time: the group's
    /// top cells are read in one loop, then their children, and the first word of each leaf is
    /// read before any leaf is searched. The reads of a level do not depend on each other, so
    /// the processor overlaps their cache misses instead of waiting for each in turn; near unit
    /// boundaries, where a point descends two or three levels, this is most of the cost.
    pub fn locate_many(&self, pts: &[Coord<f64>], out: &mut Vec<u32>, ends: &mut Vec<usize>) {
        out.clear();
        ends.clear();
        ends.reserve(pts.len());
        for group in pts.chunks(LOCATE_GROUP) {
            // Per point: the node reached, its fixed-point coordinates and remaining shift.
            let mut node = [TAG_EMPTY << TAG_SHIFT; LOCATE_GROUP];
            let mut xy = [(0i64, 0i64); LOCATE_GROUP];
            let mut shift = [0u32; LOCATE_GROUP];
            for (i, p) in group.iter().enumerate() {
                if let Some((n, x, y, s)) = self.top_node(p.x, p.y) {
                    node[i] = n;
                    xy[i] = (x, y);
                    shift[i] = s;
                }
            }
            let mut descending = true;
            while descending {
                descending = false;
                for i in 0..group.len() {
                    let n = node[i];
                    if n >> TAG_SHIFT != TAG_INNER {
                        continue;
                    }
                    let k = (n >> INNER_OFF_BITS) & 7;
                    if shift[i] < k {
                        node[i] = TAG_EMPTY << TAG_SHIFT;
                        continue;
                    }
                    shift[i] -= k;
                    let (xx, yy) = xy[i];
                    let m = (1i64 << k) - 1;
                    let c = ((((yy >> shift[i]) & m) << k) | ((xx >> shift[i]) & m)) as usize;
                    node[i] = match self.data.get((n & INNER_OFF_MASK) as usize + c) {
                        Some(&v) => v,
                        None => TAG_EMPTY << TAG_SHIFT,
                    };
                    descending |= node[i] >> TAG_SHIFT == TAG_INNER;
                }
            }
            // Bring each leaf's first cache lines in before searching any of them.
            for n in node.iter().take(group.len()) {
                if n >> TAG_SHIFT == TAG_LEAF {
                    let off = (n & PAYLOAD) as usize;
                    for line in 0..LEAF_LINES {
                        std::hint::black_box(self.data.get(off + 16 * line).copied());
                    }
                }
            }
            for (i, p) in group.iter().enumerate() {
                let n = node[i];
                match n >> TAG_SHIFT {
                    TAG_UNIT => out.push(n & PAYLOAD),
                    TAG_LEAF => self.search_leaf((n & PAYLOAD) as usize, p.x, p.y, out),
                    _ => {}
                }
                ends.push(out.len());
            }
        }
    }

    /// The top cell's node of (lon, lat) with the point's fixed-point coordinates and the shift
    /// left below the top grid; `None` outside the grid or for non-finite input.
    #[inline]
    fn top_node(&self, lon: f64, lat: f64) -> Option<(u32, i64, i64, u32)> {
        if !(lon >= self.x_lo && lon < self.x_hi && lat >= self.y_lo && lat < self.y_hi) {
            return None;
        }
        let xx = floor_i64(lon * self.fscale);
        let yy = floor_i64(lat * self.fscale);
        let shift = (self.f - self.t) as u32;
        let ix = (xx >> shift) - self.ix0;
        let iy = (yy >> shift) - self.iy0;
        if ix < 0 || iy < 0 || ix >= self.nx as i64 || iy >= self.ny as i64 {
            return None;
        }
        let n = *self.top.get(iy as usize * self.nx as usize + ix as usize)?;
        Some((n, xx, yy, shift))
    }

    /// Searches the leaf at word `off` for (lon, lat).
    #[inline]
    fn search_leaf(&self, off: usize, lon: f64, lat: f64, out: &mut Vec<u32>) {
        if self.mode == MODE_LATTICE {
            let q = LatProbe::new(lon, lat, self.scale);
            leaf_query(&self.data, off, &q, out);
        } else {
            let q = RawProbe { px: lon, py: lat };
            leaf_query(&self.data, off, &q, out);
        }
    }

    /// The unit whose interior holds the whole closed rectangle `[min, max]`, when the grid
    /// proves it: every cell the rectangle meets lies wholly in the interior of that one unit,
    /// or is a leaf none of whose boundary edges meets the rectangle (then the rectangle's
    /// corner decides, and must lie in that unit alone).
    /// `None` proves nothing (the rectangle may still lie in one unit; ask the polygons).
    ///
    /// # Runtime
    /// O(cells met), at most `RECT_CELLS` nodes are visited before giving up.
    pub fn unit_containing_rect(&self, min: Coord<f64>, max: Coord<f64>) -> Option<u32> {
        if !(min.x >= self.x_lo
            && max.x < self.x_hi
            && min.y >= self.y_lo
            && max.y < self.y_hi
            && min.x <= max.x
            && min.y <= max.y)
        {
            return None;
        }
        let rect = [
            floor_i64(min.x * self.fscale),
            floor_i64(min.y * self.fscale),
            floor_i64(max.x * self.fscale),
            floor_i64(max.y * self.fscale),
        ];
        let shift = (self.f - self.t) as u32;
        let (cx0, cy0) = (rect[0] >> shift, rect[1] >> shift);
        let (cx1, cy1) = (rect[2] >> shift, rect[3] >> shift);
        if cx0 < self.ix0
            || cy0 < self.iy0
            || cx1 - self.ix0 >= self.nx as i64
            || cy1 - self.iy0 >= self.ny as i64
        {
            return None;
        }
        let storage = if self.mode == MODE_LATTICE {
            let s = self.scale;
            [
                min.x * s - 2.0,
                min.y * s - 2.0,
                max.x * s + 2.0,
                max.y * s + 2.0,
            ]
        } else {
            let pad = 1e-9
                * (1.0
                    + min
                        .x
                        .abs()
                        .max(max.x.abs())
                        .max(min.y.abs())
                        .max(max.y.abs()));
            [min.x - pad, min.y - pad, max.x + pad, max.y + pad]
        };
        let mut walk = RectWalk {
            rect,
            storage,
            unit: None,
            budget: RECT_CELLS,
            leaves: 0,
        };
        for cy in cy0..=cy1 {
            for cx in cx0..=cx1 {
                let i = (cy - self.iy0) as usize * self.nx as usize + (cx - self.ix0) as usize;
                let node = *self.top.get(i)?;
                if !self.rect_cell_in_unit(node, shift, cx, cy, &mut walk) {
                    return None;
                }
            }
        }
        if walk.leaves > 0 {
            // No boundary meets the rectangle, so every point of it lies in the same units as
            // its corner: exactly one, and the one of the whole cells met, if any.
            let mut at = Vec::with_capacity(2);
            self.locate(min.x, min.y, &mut at);
            match (at.as_slice(), walk.unit) {
                ([u], None) => return Some(*u),
                ([u], Some(v)) if *u == v => {}
                _ => return None,
            }
        }
        walk.unit
    }

    /// Does the part of the walk's rectangle in cell (`cx`, `cy`) at level `shift`, whose node
    /// is `node`, lie in the interior of the walk's one unit?
    fn rect_cell_in_unit(
        &self,
        node: u32,
        shift: u32,
        cx: i64,
        cy: i64,
        walk: &mut RectWalk,
    ) -> bool {
        if walk.budget == 0 {
            return false;
        }
        walk.budget -= 1;
        match node >> TAG_SHIFT {
            TAG_UNIT => {
                let u = node & PAYLOAD;
                *walk.unit.get_or_insert(u) == u
            }
            TAG_INNER => {
                let k = (node >> INNER_OFF_BITS) & 7;
                if shift < k {
                    return false;
                }
                let s = shift - k;
                let off = (node & INNER_OFF_MASK) as usize;
                let m = (1i64 << k) - 1;
                let [x0, y0, x1, y1] = walk.rect;
                let (fx, fy) = (cx << k, cy << k);
                let (ax0, ax1) = ((x0 >> s).max(fx), (x1 >> s).min(fx + m));
                let (ay0, ay1) = ((y0 >> s).max(fy), (y1 >> s).min(fy + m));
                for y in ay0..=ay1 {
                    for x in ax0..=ax1 {
                        let c = (((y & m) << k) | (x & m)) as usize;
                        let Some(&child) = self.data.get(off + c) else {
                            return false;
                        };
                        if !self.rect_cell_in_unit(child, s, x, y, walk) {
                            return false;
                        }
                    }
                }
                true
            }
            TAG_LEAF => {
                // No boundary edge in the cell meets the rectangle: membership does not change
                // across the part of the rectangle in this cell (checked by a point at the end).
                walk.leaves += 1;
                !leaf_edges_meet_rect(
                    &self.data,
                    (node & PAYLOAD) as usize,
                    self.mode == MODE_LATTICE,
                    walk.storage,
                )
            }
            _ => false,
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
