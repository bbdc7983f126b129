//! Reading a snapshot's body: its three sections (rules, polygons, grid), each `len u64` +
//! bytes, read under a CRC that covers every byte, on two threads when the section lengths
//! add up and the file can be read by position, else in one pass. Nothing decoded is used
//! unless the checksum holds, and a damaged body is a checksum error whatever else went wrong
//! in it.

use std::path::Path;

use super::{HEADER_LEN, SnapshotError, assemble, decode_rules, validated_index};
use crate::compile::RuleSet;
use crate::index::UnitIndex;
use crate::index::grid::UnitGrid;
use crate::index::polygons::UnitPolygons;
use crate::index::reader::Reader;

/// Why a body could not be read when a reading thread stopped without an answer.
const STOPPED: &str = "the index sections could not be read";

/// An open file read from a position on with positional reads, which leave the offset of the
/// handle it shares with the other thread's reader alone.
#[cfg(unix)]
pub(super) struct ReadAt {
    file: std::fs::File,
    pos: u64,
}

#[cfg(unix)]
impl std::io::Read for ReadAt {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// A reader of the snapshot `file` from its grid section on, and where that section starts in
/// the body, when the sections' lengths tile the body ([`grid_start`]). It reads the same open
/// file as the caller's handle, so both threads read one file even if its path is replaced
/// meanwhile. `None`: read the body in one pass.
#[cfg(unix)]
pub(super) fn grid_reader(
    file: &std::fs::File,
    body_len: u64,
) -> Option<(std::io::BufReader<ReadAt>, u64)> {
    use std::os::unix::fs::FileExt;
    let file = file.try_clone().ok()?;
    let at = grid_start(
        |o| {
            let mut b = [0u8; 8];
            file.read_exact_at(&mut b, (HEADER_LEN as u64).checked_add(o)?)
                .ok()?;
            Some(u64::from_le_bytes(b))
        },
        body_len,
    )?;
    let pos = (HEADER_LEN as u64).checked_add(at)?;
    Some((
        std::io::BufReader::with_capacity(1 << 14, ReadAt { file, pos }),
        at,
    ))
}

/// Elsewhere the body is read in one pass: Windows' positional read (`seek_read`) moves the
/// offset the cloned handle shares with the other thread's reader.
#[cfg(not(unix))]
pub(super) fn grid_reader(_: &std::fs::File, _: u64) -> Option<(std::io::Empty, u64)> {
    None
}

/// Where the grid section starts in a body of `body_len` bytes, when the three sections'
/// length fields (read by `peek` at their offsets in the body) tile it exactly. Otherwise
/// `None`, and the body goes through [`read_body`] in one pass, whose errors say what is wrong.
pub(super) fn grid_start(mut peek: impl FnMut(u64) -> Option<u64>, body_len: u64) -> Option<u64> {
    let polygons_at = peek(0)?.checked_add(8)?;
    let grid_at = peek(polygons_at)?
        .checked_add(polygons_at)?
        .checked_add(8)?;
    let end = peek(grid_at)?.checked_add(grid_at)?.checked_add(8)?;
    (end == body_len).then_some(grid_at)
}

/// Reads and decodes a body of `body_len` bytes whose grid section starts at `grid_at`: `head`
/// reads the body up to there (rules and polygons), `tail` from there, on a second thread that
/// also validates the grid. The grid section is read while the rules are decoded, and the
/// polygons after that, so the two threads carry about the same load. Each thread checksums
/// what it reads and the checksums are combined: nothing decoded is used unless the body's
/// checksum holds, and a damaged body is a checksum error whatever else went wrong in it.
pub(super) fn read_split(
    head: impl std::io::Read + Send,
    tail: impl std::io::Read + Send,
    grid_at: u64,
    body_len: u64,
    crc: u32,
    path: &Path,
) -> Result<RuleSet, SnapshotError> {
    let io = |e| SnapshotError::io(path, e);
    let mut head = Body::new(head, grid_at);
    let mut tail = Body::new(tail, body_len.saturating_sub(grid_at));
    std::thread::scope(|s| {
        let grid = s.spawn(move || {
            let grid = read_grid_section(&mut tail, path).and_then(|g| {
                g.validated()
                    .map_err(|e| SnapshotError::corrupt(path, e.to_string()))
            });
            let drained = tail.drain();
            (drained.map(|()| tail.crc), grid)
        });
        let rules = read_rules_section(&mut head, path).map(|bytes| decode_rules(&bytes));
        let polygons = read_polygons_section(&mut head, path).and_then(|p| {
            // The polygons must end where the grid section starts (read by the other thread).
            match head.left {
                0 => Ok(p),
                n => Err(SnapshotError::corrupt(
                    path,
                    format!("{n} bytes between the polygon and grid sections"),
                )),
            }
        });
        let drained = head.drain();
        let Ok((tail_crc, grid)) = grid.join() else {
            return Err(SnapshotError::corrupt(path, STOPPED));
        };
        drained.map_err(io)?;
        head.crc.combine(&tail_crc.map_err(io)?);
        if head.crc.finalize() != crc {
            return Err(SnapshotError::Checksum {
                path: path.to_path_buf(),
            });
        }
        let (rules, polygons, grid) = (rules?, polygons?, grid?);
        let index = UnitIndex::from_parts(polygons, grid).map_err(|e| e.to_string());
        assemble(rules, index, path)
    })
}

/// Reads and decodes a body of `body_len` bytes from `r`. The rules section comes first and is
/// decoded on this thread while a second one reads the polygon and grid sections straight into
/// their arrays, checks the CRC over every byte and validates the grid. A damaged body is a
/// checksum error whatever else went wrong in it; nothing decoded is used unless the checksum
/// holds.
pub(super) fn read_body(
    r: impl std::io::Read + Send,
    body_len: u64,
    crc: u32,
    path: &Path,
) -> Result<RuleSet, SnapshotError> {
    let mut body = Body::new(r, body_len);
    let meta = read_rules_section(&mut body, path);
    std::thread::scope(|s| {
        let index = s.spawn(|| {
            let sections = read_index_sections(&mut body, path);
            body.drain().map_err(|e| SnapshotError::io(path, e))?;
            if body.crc.finalize() != crc {
                return Err(SnapshotError::Checksum {
                    path: path.to_path_buf(),
                });
            }
            let (polygons, grid) = sections?;
            Ok(validated_index(polygons, grid))
        });
        let rules = meta.map(|bytes| decode_rules(&bytes));
        let index = index
            .join()
            .unwrap_or_else(|_| Err(SnapshotError::corrupt(path, STOPPED)))?;
        assemble(rules?, index, path)
    })
}

/// A snapshot's body (or a part of it) as it is read: never past its end, every byte
/// checksummed.
struct Body<R> {
    r: R,
    left: u64,
    crc: crc32fast::Hasher,
}

impl<R: std::io::Read> Body<R> {
    fn new(r: R, len: u64) -> Self {
        Body {
            r,
            left: len,
            crc: crc32fast::Hasher::new(),
        }
    }

    /// Reads what is left (so that the checksum covers it).
    fn drain(&mut self) -> std::io::Result<()> {
        std::io::copy(self, &mut std::io::sink()).map(|_| ())
    }
}

impl<R: std::io::Read> std::io::Read for Body<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let (buf, _) = buf.split_at_mut(max);
        let n = self.r.read(buf)?;
        self.crc.update(buf.get(..n).unwrap_or_default());
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

fn section_len<R: std::io::Read>(
    body: &mut Body<R>,
    name: &str,
    path: &Path,
) -> Result<usize, SnapshotError> {
    use std::io::Read;
    let corrupt = |what: String| SnapshotError::corrupt(path, what);
    let mut len = [0u8; 8];
    body.read_exact(&mut len)
        .map_err(|_| corrupt(format!("missing {name} section")))?;
    let len = u64::from_le_bytes(len);
    if len > body.left {
        return Err(corrupt(format!("{name} section runs past the end")));
    }
    usize::try_from(len).map_err(|_| corrupt(format!("{name} section too large")))
}

/// The rules section's bytes (decoded once the checksum holds).
fn read_rules_section<R: std::io::Read>(
    body: &mut Body<R>,
    path: &Path,
) -> Result<Vec<u8>, SnapshotError> {
    use std::io::Read;
    let len = section_len(body, "rules", path)?;
    let mut meta = vec![0u8; len];
    body.read_exact(&mut meta)
        .map_err(|_| SnapshotError::corrupt(path, "rules section runs past the end"))?;
    Ok(meta)
}

/// The unit polygons and the grid (read, not yet validated), the last two sections.
fn read_index_sections<R: std::io::Read>(
    body: &mut Body<R>,
    path: &Path,
) -> Result<(UnitPolygons, UnitGrid), SnapshotError> {
    let polygons = read_polygons_section(body, path)?;
    let grid = read_grid_section(body, path)?;
    Ok((polygons, grid))
}

/// The unit polygons section, which must end where `body` (or this part of it) ends or a grid
/// section starts.
fn read_polygons_section<R: std::io::Read>(
    body: &mut Body<R>,
    path: &Path,
) -> Result<UnitPolygons, SnapshotError> {
    let len = section_len(body, "polygons", path)?;
    UnitPolygons::read_from(&mut Reader::new(&mut *body, len))
        .ok_or_else(|| SnapshotError::corrupt(path, "the unit polygons are malformed"))
}

/// The grid section (read, not yet validated), the last one: nothing may follow it.
fn read_grid_section<R: std::io::Read>(
    body: &mut Body<R>,
    path: &Path,
) -> Result<UnitGrid, SnapshotError> {
    let len = section_len(body, "grid", path)?;
    let grid = UnitGrid::read_from(&mut Reader::new(&mut *body, len))
        .map_err(|e| SnapshotError::corrupt(path, e.to_string()))?;
    if body.left != 0 {
        return Err(SnapshotError::corrupt(
            path,
            format!("{} bytes follow the last section", body.left),
        ));
    }
    Ok(grid)
}

pub(super) fn read_up_to(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or(&mut []))? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
