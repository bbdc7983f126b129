//! The unit polygons in one flat, compact store: every coordinate in one array (on the 1e-6
//! degree lattice as `i32` when every vertex lies on it, as the national data does; as `f64`
//! otherwise), with ring, polygon and unit boundaries as offsets. A unit's `MultiPolygon` is
//! built only when a line or polygon project touches it.
//!
//! Lattice coordinates are exact: a vertex `d/1e6` stored as the integer `d` converts back to
//! the very same `f64` (`d as f64 / 1e6` is correctly rounded, as the original parse was).

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::reader::Reader;

const SCALE: f64 = 1e6;

#[derive(Debug, Clone)]
enum Coords {
    Lattice(Vec<[i32; 2]>),
    Raw(Vec<[f64; 2]>),
}

/// All units' rings, flat.
#[derive(Debug, Clone)]
pub struct UnitPolygons {
    coords: Coords,
    /// End (exclusive) of each ring in `coords`.
    ring_ends: Vec<u32>,
    /// End (exclusive) of each polygon in `ring_ends`; a polygon's first ring is its exterior.
    poly_ends: Vec<u32>,
    /// End (exclusive) of each unit in `poly_ends`.
    unit_ends: Vec<u32>,
}

fn lattice(v: f64) -> Option<i32> {
    let d = (v * SCALE).round();
    (d.abs() < 2.0e9 && d / SCALE == v).then_some(d as i32)
}

impl UnitPolygons {
    pub fn new(units: &[MultiPolygon<f64>]) -> Self {
        let all = || {
            units
                .iter()
                .flat_map(|m| m.0.iter())
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|r| r.0.iter())
        };
        let on_lattice = all().all(|c| lattice(c.x).is_some() && lattice(c.y).is_some());
        let coords = if on_lattice {
            Coords::Lattice(
                all()
                    .map(|c| [lattice(c.x).unwrap_or(0), lattice(c.y).unwrap_or(0)])
                    .collect(),
            )
        } else {
            Coords::Raw(all().map(|c| [c.x, c.y]).collect())
        };
        let (mut ring_ends, mut poly_ends, mut unit_ends) = (Vec::new(), Vec::new(), Vec::new());
        let mut n = 0usize;
        let to32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        for m in units {
            for p in &m.0 {
                for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                    n += r.0.len();
                    ring_ends.push(to32(n));
                }
                poly_ends.push(to32(ring_ends.len()));
            }
            unit_ends.push(to32(poly_ends.len()));
        }
        UnitPolygons {
            coords,
            ring_ends,
            poly_ends,
            unit_ends,
        }
    }

    pub fn len(&self) -> usize {
        self.unit_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.unit_ends.is_empty()
    }

    fn coord(&self, i: usize) -> Option<Coord<f64>> {
        match &self.coords {
            Coords::Lattice(v) => v.get(i).map(|[x, y]| Coord {
                x: f64::from(*x) / SCALE,
                y: f64::from(*y) / SCALE,
            }),
            Coords::Raw(v) => v.get(i).map(|[x, y]| Coord { x: *x, y: *y }),
        }
    }

    fn range(ends: &[u32], i: usize) -> Option<std::ops::Range<usize>> {
        let end = *ends.get(i)? as usize;
        let start = if i == 0 {
            0
        } else {
            *ends.get(i - 1)? as usize
        };
        (start <= end).then_some(start..end)
    }

    /// Unit `u` as a MultiPolygon (built on each call).
    ///
    /// # Runtime
    /// O(v) in the unit's vertices.
    pub fn unit(&self, u: usize) -> Option<MultiPolygon<f64>> {
        let polys = Self::range(&self.unit_ends, u)?;
        let mut out = Vec::with_capacity(polys.len());
        for p in polys {
            let rings = Self::range(&self.poly_ends, p)?;
            let mut rs = Vec::with_capacity(rings.len());
            for r in rings {
                let cs = Self::range(&self.ring_ends, r)?;
                rs.push(LineString(
                    cs.map(|i| self.coord(i)).collect::<Option<Vec<_>>>()?,
                ));
            }
            let mut it = rs.into_iter();
            out.push(Polygon::new(it.next()?, it.collect()));
        }
        Some(MultiPolygon(out))
    }

    /// Approximate heap memory, bytes.
    pub fn heap_bytes(&self) -> usize {
        let coords = match &self.coords {
            Coords::Lattice(v) => v.len() * 8,
            Coords::Raw(v) => v.len() * 16,
        };
        coords + 4 * (self.ring_ends.len() + self.poly_ends.len() + self.unit_ends.len())
    }

    /// Serialises the store (little-endian): kind, counts, the three offset arrays, coordinates.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.heap_bytes() + 32);
        let (kind, n) = match &self.coords {
            Coords::Lattice(v) => (0u32, v.len()),
            Coords::Raw(v) => (1u32, v.len()),
        };
        let to32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        for x in [
            kind,
            to32(n),
            to32(self.ring_ends.len()),
            to32(self.poly_ends.len()),
            to32(self.unit_ends.len()),
        ] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for a in [&self.ring_ends, &self.poly_ends, &self.unit_ends] {
            for x in a.iter() {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        match &self.coords {
            Coords::Lattice(v) => v
                .iter()
                .flatten()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Coords::Raw(v) => v
                .iter()
                .flatten()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
        out
    }

    /// Reads what [`Self::to_bytes`] wrote, checking every offset.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        Self::read_from(&mut Reader::new(b, b.len()))
    }

    /// Reads a store of `r`'s whole length (what [`Self::to_bytes`] wrote), checking every
    /// offset; `None` when it is malformed.
    pub(crate) fn read_from(r: &mut Reader<impl std::io::Read>) -> Option<Self> {
        let mut word = || r.u32().ok().map(|w| w as usize);
        let (kind, n, nr, np, nu) = (word()?, word()?, word()?, word()?, word()?);
        let ring_ends = r.array(nr, u32::from_le_bytes).ok()?;
        let poly_ends = r.array(np, u32::from_le_bytes).ok()?;
        let unit_ends = r.array(nu, u32::from_le_bytes).ok()?;
        let coords = match kind {
            0 if r.left() == n.checked_mul(8)? => Coords::Lattice(
                r.array(n, |c: [u8; 8]| {
                    let [a, b, c, d, e, f, g, h] = c;
                    [
                        i32::from_le_bytes([a, b, c, d]),
                        i32::from_le_bytes([e, f, g, h]),
                    ]
                })
                .ok()?,
            ),
            1 if r.left() == n.checked_mul(16)? => Coords::Raw(
                r.array(n, |c: [u8; 16]| {
                    let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
                    x.copy_from_slice(c.get(..8).unwrap_or(&[0; 8]));
                    y.copy_from_slice(c.get(8..).unwrap_or(&[0; 8]));
                    [f64::from_le_bytes(x), f64::from_le_bytes(y)]
                })
                .ok()?,
            ),
            _ => return None,
        };
        // Offsets must be non-decreasing and end exactly at the next level's length.
        let sorted = |v: &[u32], total: usize| {
            v.windows(2).all(|w| w[0] <= w[1])
                && v.last().map_or(total == 0, |l| *l as usize == total)
        };
        if !sorted(&ring_ends, n) || !sorted(&poly_ends, nr) || !sorted(&unit_ends, np) {
            return None;
        }
        Some(UnitPolygons {
            coords,
            ring_ends,
            poly_ends,
            unit_ends,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_coordinates_round_trip_exactly() {
        for v in [118.795, 32.262, -0.000001, 135.095999, 73.502001] {
            let d = lattice(v).map(|d| f64::from(d) / SCALE);
            assert_eq!(d, Some(v));
        }
        assert_eq!(lattice(118.7951234), None);
    }

    #[test]
    fn units_come_back_as_they_went_in_and_survive_bytes() {
        let sq = |x: f64, hole: bool| {
            let ext = LineString::from(vec![
                (x, 0.0),
                (x + 1.0, 0.0),
                (x + 1.0, 1.0),
                (x, 1.0),
                (x, 0.0),
            ]);
            let holes = if hole {
                vec![LineString::from(vec![
                    (x + 0.25, 0.25),
                    (x + 0.5, 0.25),
                    (x + 0.5, 0.5),
                    (x + 0.25, 0.25),
                ])]
            } else {
                vec![]
            };
            Polygon::new(ext, holes)
        };
        for offset in [0.0, 0.1234567] {
            let units = vec![
                MultiPolygon(vec![sq(offset, true)]),
                MultiPolygon(vec![sq(offset + 2.0, false), sq(offset + 4.0, false)]),
            ];
            let store = UnitPolygons::new(&units);
            let back = UnitPolygons::from_bytes(&store.to_bytes())
                .map(|s| (0..s.len()).filter_map(|u| s.unit(u)).collect::<Vec<_>>());
            assert_eq!(back, Some(units));
        }
        assert!(UnitPolygons::from_bytes(&[1, 2, 3]).is_none());
    }
}
