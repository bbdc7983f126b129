//! Serialising the grid to flat bytes and validating them on the way back.

use super::*;
use crate::index::reader::Reader;

// ---------------------------------------------------------------------------------------------
// Serialisation
// ---------------------------------------------------------------------------------------------

pub(super) fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
    out.reserve(v.len() * 4);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

pub(super) fn put_f64s(out: &mut Vec<u8>, v: &[f64]) {
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
        Self::read_from(&mut Reader::new(bytes, bytes.len()))?.validated()
    }

    /// Reads a grid of `r`'s whole length (what [`UnitGrid::to_bytes`] wrote), not yet
    /// validated: pass it through [`UnitGrid::validated`] before any query.
    pub(crate) fn read_from(r: &mut Reader<impl std::io::Read>) -> Result<UnitGrid, GridError> {
        let mut magic = [0u8; 8];
        if r.fill(&mut magic).is_err() || &magic != MAGIC {
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
        let top = r.vec_u32()?;
        let data = r.vec_u32()?;
        let bbox = r.vec_f64()?;
        let cand_off = r.vec_u32()?;
        let cand_ids = r.vec_u32()?;
        if r.left() != 0 {
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
        Ok(UnitGrid {
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
        })
    }

    /// Checks every field, offset and index of a grid just read, so that no query can panic
    /// or loop on it.
    pub(crate) fn validated(self) -> Result<UnitGrid, GridError> {
        let mut g = self;
        g.derive();
        let (mode, scale, n_units) = (g.mode, g.scale, g.n_units);
        let (cx0, cy0, cw, ch, cnx, cny) = (g.cx0, g.cy0, g.cw, g.ch, g.cnx, g.cny);
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

/// A set of indices below a bound, one bit each.
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        // Zeros written, not `vec![0; …]`: a zeroed allocation maps its pages to the shared
        // zero page, and `insert` reads a word before writing it, so every page took a second,
        // copy-on-write fault, whose TLB flush interrupts the other CPU (~8 % of a snapshot
        // load's samples, while the other thread decodes the rules). `black_box` keeps the
        // compiler from turning the allocation and the zeroing back into a zeroed allocation.
        let mut words = std::hint::black_box(Vec::with_capacity(n.div_ceil(64)));
        words.resize(n.div_ceil(64), 0);
        Bits(words)
    }
    /// Adds `i`; false when it was already there. An index out of bounds is corrupt (callers
    /// check bounds first; this keeps a missed check from skipping validation).
    fn insert(&mut self, i: usize) -> Result<bool, GridError> {
        let w = self
            .0
            .get_mut(i / 64)
            .ok_or(GridError::Corrupt("node offset"))?;
        let fresh = *w & (1 << (i % 64)) == 0;
        *w |= 1 << (i % 64);
        Ok(fresh)
    }
}

/// Validate every node reachable from the top grid, every inner block and every leaf.
pub(super) fn validate_nodes(
    top: &[u32],
    data: &[u32],
    mode: u32,
    n_units: u32,
) -> Result<(), GridError> {
    let lattice = mode == MODE_LATTICE;
    let w = if lattice { 1 } else { 2 };
    // Block starts already queued, leaf starts already validated.
    let mut seen = (Bits::new(data.len()), Bits::new(data.len()));
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let check = |v: u32,
                 seen: &mut (Bits, Bits),
                 blocks: &mut Vec<(usize, usize)>|
     -> Result<(), GridError> {
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
                if seen.0.insert(off)? {
                    blocks.push((off, end));
                }
            }
            _ => {
                if pl >= data.len() {
                    return Err(GridError::Corrupt("leaf offset"));
                }
                if seen.1.insert(pl)? {
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
