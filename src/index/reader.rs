//! Reading the index's flat sections (grid, polygons) from bytes in memory or streamed from a
//! snapshot file: a bounded little-endian cursor that reads arrays straight into their vectors.

use super::grid::GridError;

/// A little-endian cursor over a byte source of known length (a slice, or a snapshot section
/// streamed from its file), that never reads past that length nor allocates more than it
/// holds. Arrays are converted into their vectors through a 64 KiB buffer, never through a copy
/// of the whole section. Its errors are the index's decoding errors ([`GridError`]), for the
/// polygons as for the grid.
pub(crate) struct Reader<R> {
    r: R,
    /// Bytes left in the source.
    left: usize,
}

/// Bytes converted per step when reading an array.
const CHUNK: usize = 1 << 16;

impl<R: std::io::Read> Reader<R> {
    pub(crate) fn new(r: R, len: usize) -> Self {
        Reader { r, left: len }
    }

    /// Bytes not yet read.
    pub(crate) fn left(&self) -> usize {
        self.left
    }

    pub(crate) fn fill(&mut self, buf: &mut [u8]) -> Result<(), GridError> {
        if buf.len() > self.left {
            return Err(GridError::Truncated);
        }
        self.r.read_exact(buf).map_err(|_| GridError::Truncated)?;
        self.left -= buf.len();
        Ok(())
    }
    pub(crate) fn u32(&mut self) -> Result<u32, GridError> {
        let mut a = [0u8; 4];
        self.fill(&mut a)?;
        Ok(u32::from_le_bytes(a))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, GridError> {
        let mut a = [0u8; 8];
        self.fill(&mut a)?;
        Ok(u64::from_le_bytes(a))
    }
    pub(crate) fn i64(&mut self) -> Result<i64, GridError> {
        Ok(self.u64()? as i64)
    }
    pub(crate) fn f64(&mut self) -> Result<f64, GridError> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// `n` items of `W` bytes each, converted by `from`; refused when the source cannot hold
    /// them.
    pub(crate) fn array<T, const W: usize>(
        &mut self,
        n: usize,
        from: impl Fn([u8; W]) -> T,
    ) -> Result<Vec<T>, GridError> {
        let bytes = n.checked_mul(W).ok_or(GridError::Truncated)?;
        if bytes > self.left {
            return Err(GridError::Truncated);
        }
        let mut v = Vec::with_capacity(n);
        let mut buf = vec![0u8; CHUNK.min(bytes)];
        let mut todo = bytes;
        while todo > 0 {
            let step = (CHUNK / W * W).min(todo);
            let chunk = buf.get_mut(..step).ok_or(GridError::Truncated)?;
            self.fill(chunk)?;
            v.extend(chunk.chunks_exact(W).map(|c| {
                let mut a = [0u8; W];
                a.copy_from_slice(c);
                from(a)
            }));
            todo -= step;
        }
        Ok(v)
    }
    pub(crate) fn vec_u32(&mut self) -> Result<Vec<u32>, GridError> {
        let n = usize::try_from(self.u64()?).map_err(|_| GridError::Corrupt("array length"))?;
        self.array(n, u32::from_le_bytes)
    }
    pub(crate) fn vec_f64(&mut self) -> Result<Vec<f64>, GridError> {
        let n = usize::try_from(self.u64()?).map_err(|_| GridError::Corrupt("array length"))?;
        self.array(n, f64::from_le_bytes)
    }
}
