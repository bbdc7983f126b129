//! Snapshot: a compiled rule set and its spatial index as one file, loaded in place of the
//! sources (`zonecheck compile DIR -o FILE`).
//!
//! Layout (little-endian):
//!
//! ```text
//! magic      8 bytes  "ZCSNAP\r\n"   (the CR LF catches files mangled by text-mode transfers)
//! version    u32      FORMAT_VERSION
//! reserved   u32      0
//! body_len   u64      bytes after this 32-byte header
//! crc32      u32      CRC-32 of the body
//! reserved   u32      0
//! body       three sections, each `len u64` + bytes:
//!            1. postcard: header, schema, levels, the distinct clause bodies, clauses
//!               (id, level, location, body index), units, unit → clause index,
//!               content hash, feature layers, spatial hints
//!            2. unit polygons, flat (`index::polygons` format: offsets as u32, coordinates on
//!               the 1e-6 lattice as i32, or f64 when the data is not on it)
//!            3. the point-location grid (`index::grid` format, itself validated on load)
//! ```
//!
//! A truncated, corrupt or wrong-version file is a [`SnapshotError`], never a panic or a wrong
//! answer: the checksum covers every byte of the body, and every count and offset is checked
//! while decoding.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use geo::Geometry;
use serde::{Deserialize, Serialize};

use crate::compile::nesting;
use crate::compile::program::Programs;
use crate::compile::unit_lists::UnitClauses;
use crate::compile::verdict_order::VerdictOrder;
use crate::compile::{Clause, ClauseBody, Header, Layer, Level, RuleSet, Schema, UnitInfo};
use crate::index::grid::UnitGrid;
use crate::index::polygons::UnitPolygons;
use crate::index::reader::Reader;
use crate::index::{Feature, FeatureLayer, UnitIndex};
use crate::source::Location;

mod body;
mod replace;

use body::{grid_reader, grid_start, read_body, read_split, read_up_to};

pub const MAGIC: &[u8; 8] = b"ZCSNAP\r\n";
/// Bumped on any change of the layout or of the serialised types.
pub const FORMAT_VERSION: u32 = 4;
const HEADER_LEN: usize = 32;

/// Why a snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write snapshot `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a zonecheck snapshot")]
    NotASnapshot(PathBuf),
    #[error(
        "snapshot `{path}` has format version {found}; this zonecheck reads version {expected}"
    )]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("snapshot `{path}` is truncated: {what}")]
    Truncated { path: PathBuf, what: String },
    #[error("snapshot `{path}` is corrupt: its checksum does not match")]
    Checksum { path: PathBuf },
    #[error("snapshot `{path}` is corrupt: {what}")]
    Corrupt { path: PathBuf, what: String },
}

impl SnapshotError {
    /// `path` is corrupt: `what` says where.
    pub(crate) fn corrupt(path: &Path, what: impl Into<String>) -> Self {
        SnapshotError::Corrupt {
            path: path.to_path_buf(),
            what: what.into(),
        }
    }

    /// `path` could not be read.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Stable machine-readable kind.
    pub fn code(&self) -> &'static str {
        match self {
            SnapshotError::Io { .. } => "E-SNAPSHOT-IO",
            SnapshotError::Write { .. } => "E-SNAPSHOT-WRITE",
            SnapshotError::NotASnapshot(_) => "E-SNAPSHOT-MAGIC",
            SnapshotError::Version { .. } => "E-SNAPSHOT-VERSION",
            SnapshotError::Truncated { .. } => "E-SNAPSHOT-TRUNCATED",
            SnapshotError::Checksum { .. } => "E-SNAPSHOT-CHECKSUM",
            SnapshotError::Corrupt { .. } => "E-SNAPSHOT-CORRUPT",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Meta {
    header: Header,
    schema: Schema,
    levels: Vec<Level>,
    bodies: Vec<ClauseBody>,
    clauses: Vec<ClauseRecord>,
    units: Vec<UnitInfo>,
    unit_clauses: UnitClauses,
    content_hash: String,
    layers: Vec<LayerData>,
    hints: crate::index::SpatialHints,
}

/// A clause as stored: where it stands, and the index of its body in `Meta::bodies`.
#[derive(Serialize, Deserialize)]
struct ClauseRecord {
    id: String,
    level: u32,
    location: Location,
    body: u32,
}

#[derive(Serialize, Deserialize)]
struct LayerData {
    name: String,
    #[serde(deserialize_with = "nesting::nested_features")]
    features: Vec<(String, Geometry<f64>)>,
}

/// Does the file start with the snapshot magic? (Used to tell snapshots from rule directories.)
pub fn is_snapshot(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == MAGIC
}

/// Serialises a rule set into snapshot bytes.
///
/// # Errors
/// Only if serialisation itself fails (it does not for well-formed rule sets).
pub fn to_bytes(rs: &RuleSet) -> Result<Vec<u8>, String> {
    let meta = Meta {
        header: rs.header.clone(),
        schema: rs.schema.clone(),
        levels: rs.levels.clone(),
        bodies: rs.bodies.iter().map(|b| ClauseBody::clone(b)).collect(),
        clauses: rs
            .clauses
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let body = *rs.clause_body.get(i).ok_or("a clause has no body index")?;
                Ok(ClauseRecord {
                    id: c.id.clone(),
                    level: c.level,
                    location: c.location.clone(),
                    body,
                })
            })
            .collect::<Result<_, String>>()?,
        units: rs.units.clone(),
        unit_clauses: rs.unit_clauses.clone(),
        content_hash: rs.content_hash.clone(),
        hints: rs.hints.clone(),
        layers: rs
            .layers
            .iter()
            .map(|l| LayerData {
                name: l.name.clone(),
                features: l
                    .index
                    .features()
                    .iter()
                    .map(|f| (f.name.clone(), f.geometry.clone()))
                    .collect(),
            })
            .collect(),
    };
    let meta = postcard::to_stdvec(&meta).map_err(|e| e.to_string())?;
    let geoms = rs.unit_index.polygon_bytes();
    let grid = rs.unit_index.grid_bytes();
    let mut body = Vec::with_capacity(24 + meta.len() + geoms.len() + grid.len());
    for section in [&meta, &geoms, &grid] {
        body.extend_from_slice(&(section.len() as u64).to_le_bytes());
        body.extend_from_slice(section);
    }
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Writes a snapshot file.
///
/// # Errors
/// The file cannot be written.
pub fn write(rs: &RuleSet, path: &Path) -> Result<usize, SnapshotError> {
    let bytes = to_bytes(rs).map_err(|what| SnapshotError::corrupt(path, what))?;
    // Written beside the target and renamed over it, so that a reader (a service reloading its
    // rules) finds the previous snapshot or this one, never part of one.
    replace::write_replacing(path, &bytes)
        .map_err(|(path, source)| SnapshotError::Write { path, source })?;
    Ok(bytes.len())
}

/// Reads a snapshot file, checking the CRC as it goes. On unix, on two threads
/// (`read_split`): this one reads the rules section into a buffer, decodes it and then reads
/// the polygons, while the other reads the grid section by position from the same open file
/// and validates the grid. A body whose section lengths do not add up, a file that cannot be
/// read by position, and other platforms go through the one-pass reader (`read_body`),
/// whose errors say where. Arrays are read straight into their vectors: no copy of the file is
/// held beside what is decoded from it.
///
/// # Errors
/// [`SnapshotError`] for an unreadable, non-regular, foreign, wrong-version, truncated or
/// corrupt file.
pub fn read(path: &Path) -> Result<RuleSet, SnapshotError> {
    let file = std::fs::File::open(path).map_err(|e| SnapshotError::io(path, e))?;
    read_open(file, path)
}

/// [`read`] from a file already open (`path` names it in errors).
fn read_open(file: std::fs::File, path: &Path) -> Result<RuleSet, SnapshotError> {
    let p = || path.to_path_buf();
    let io = |e| SnapshotError::io(path, e);
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let file_len = meta.len();
    // Large reads bypass the buffer; it serves the small header and length fields.
    let mut f = std::io::BufReader::with_capacity(1 << 14, file);
    let mut header = [0u8; HEADER_LEN];
    let got = read_up_to(&mut f, &mut header).map_err(io)?;
    if got < 8 || header.get(..8) != Some(MAGIC.as_slice()) {
        return Err(SnapshotError::NotASnapshot(p()));
    }
    let (body_len, crc) = check_header(header.get(..got).unwrap_or(&[]), path)?;
    // The header was read whole, so the file is at least that long unless it grew meanwhile.
    body_fits(file_len.saturating_sub(HEADER_LEN as u64), body_len, path)?;
    match grid_reader(f.get_ref(), body_len) {
        Some((tail, at)) => read_split(f, tail, at, body_len, crc, path),
        None => read_body(f, body_len, crc, path),
    }
}

/// A body of `on_disk` bytes must be exactly the `body_len` the header states: shorter is
/// truncated, longer corrupt.
fn body_fits(on_disk: u64, body_len: u64, path: &Path) -> Result<(), SnapshotError> {
    if on_disk < body_len {
        return Err(SnapshotError::Truncated {
            path: path.to_path_buf(),
            what: format!("the body has {on_disk} of {body_len} bytes"),
        });
    }
    if on_disk > body_len {
        return Err(SnapshotError::corrupt(
            path,
            format!("{} bytes follow the end of the body", on_disk - body_len),
        ));
    }
    Ok(())
}

/// Checks the 32-byte header (magic already checked) and returns the body length and CRC.
fn check_header(header: &[u8], path: &Path) -> Result<(u64, u32), SnapshotError> {
    let truncated = || SnapshotError::Truncated {
        path: path.to_path_buf(),
        what: "the header is incomplete".into(),
    };
    let fields = header.get(8..).unwrap_or(&[]);
    let mut h = Reader::new(fields, fields.len());
    let version = h.u32().map_err(|_| truncated())?;
    if version != FORMAT_VERSION {
        return Err(SnapshotError::Version {
            path: path.to_path_buf(),
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let _reserved = h.u32().map_err(|_| truncated())?;
    let body_len = h.u64().map_err(|_| truncated())?;
    let crc = h.u32().map_err(|_| truncated())?;
    let _reserved = h.u32().map_err(|_| truncated())?;
    Ok((body_len, crc))
}

/// Decodes snapshot bytes held in memory; `path` is only used in error messages.
///
/// # Errors
/// See [`read`].
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<RuleSet, SnapshotError> {
    if bytes.len() < 8 || bytes.get(..8) != Some(MAGIC.as_slice()) {
        return Err(SnapshotError::NotASnapshot(path.to_path_buf()));
    }
    let (body_len, crc) = check_header(
        bytes.get(..HEADER_LEN.min(bytes.len())).unwrap_or(&[]),
        path,
    )?;
    let body = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    body_fits(body.len() as u64, body_len, path)?;
    let peek = |o: u64| -> Option<u64> {
        let o = usize::try_from(o).ok()?;
        let b = body.get(o..o.checked_add(8)?)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    };
    match grid_start(peek, body_len) {
        Some(at) => {
            let (head, tail) =
                body.split_at(usize::try_from(at).unwrap_or(body.len()).min(body.len()));
            read_split(head, tail, at, body_len, crc, path)
        }
        None => read_body(body, body_len, crc, path),
    }
}

/// The grid validated and joined with the polygons.
fn validated_index(polygons: UnitPolygons, grid: UnitGrid) -> Result<UnitIndex, String> {
    grid.validated()
        .and_then(|grid| UnitIndex::from_parts(polygons, grid))
        .map_err(|e| e.to_string())
}

/// The rules section decoded: its clauses linked to their bodies, its layers indexed (moved out
/// of `meta`, which keeps the rest).
struct Rules {
    meta: Meta,
    clauses: Vec<Clause>,
    bodies: Vec<Arc<ClauseBody>>,
    clause_body: Vec<u32>,
    layers: Vec<Layer>,
    /// Derived from the above (never stored), while the other thread still reads the index.
    programs: Programs,
    verdict_order: VerdictOrder,
}

/// Decodes the rules section, checks its own indices (levels, bodies, clauses, unit counts) and
/// derives the screening programs and verdict order from it (on the decoding thread, while the
/// other one still reads the index sections).
fn decode_rules(bytes: &[u8]) -> Result<Rules, String> {
    let _ = nesting::stopped_too_deep();
    let mut meta: Meta = postcard::from_bytes(bytes).map_err(|e| {
        if nesting::stopped_too_deep() {
            format!(
                "rules section: a condition or geometry nested more than {} levels deep \
                 (compilation never writes one)",
                nesting::MAX_DECODED_NESTING
            )
        } else {
            format!("rules section: {e}")
        }
    })?;
    let n_clauses = meta.clauses.len();
    meta.unit_clauses.check(meta.units.len(), n_clauses)?;
    let bodies: Vec<Arc<ClauseBody>> = std::mem::take(&mut meta.bodies)
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut clause_body = Vec::with_capacity(n_clauses);
    let mut clauses = Vec::with_capacity(n_clauses);
    for c in std::mem::take(&mut meta.clauses) {
        let body = bodies
            .get(c.body as usize)
            .filter(|_| (c.level as usize) < meta.levels.len())
            .ok_or("a clause's level or body index is out of range")?;
        clause_body.push(c.body);
        clauses.push(Clause {
            id: c.id,
            level: c.level,
            location: c.location,
            body: Arc::clone(body),
        });
    }
    let mut layers = Vec::with_capacity(meta.layers.len());
    for l in std::mem::take(&mut meta.layers) {
        // The R-tree orders boxes by their coordinates: a NaN (in a file crafted to pass the
        // checksum) is refused here, not met there.
        if l.features.iter().any(|(_, g)| {
            use geo::CoordsIter;
            g.coords_iter()
                .any(|c| !(c.x.is_finite() && c.y.is_finite()))
        }) {
            return Err(format!(
                "layer `{}` has a coordinate that is not finite",
                l.name
            ));
        }
        layers.push(Layer {
            name: l.name,
            index: FeatureLayer::build(
                l.features
                    .into_iter()
                    .map(|(name, geometry)| Feature { name, geometry })
                    .collect(),
            ),
        });
    }
    // What the index section is checked against in `assemble` besides the unit count; the
    // verdict order indexes these per unit.
    if meta.unit_clauses.len() != meta.units.len() || meta.hints.far.len() != meta.units.len() {
        return Err("unit counts of the sections disagree".into());
    }
    let programs = Programs::build(&bodies, &meta.schema, &meta.hints);
    if let Some(f) = programs.highest_fact()
        && f as usize >= meta.schema.facts.len()
    {
        return Err(format!(
            "a condition reads fact {f}, but the schema declares {}",
            meta.schema.facts.len()
        ));
    }
    let verdict_order = VerdictOrder::build(&meta.unit_clauses, &clause_body, &programs);
    Ok(Rules {
        meta,
        clauses,
        bodies,
        clause_body,
        layers,
        programs,
        verdict_order,
    })
}

/// The rule set of decoded rules and index, once their unit counts agree.
fn assemble(
    rules: Result<Rules, String>,
    unit_index: Result<UnitIndex, String>,
    path: &Path,
) -> Result<RuleSet, SnapshotError> {
    let corrupt = |what: String| SnapshotError::corrupt(path, what);
    let (rules, unit_index) = (rules.map_err(corrupt)?, unit_index.map_err(corrupt)?);
    let meta = rules.meta;
    if unit_index.len() != meta.units.len() {
        return Err(corrupt("unit counts of the sections disagree".into()));
    }
    Ok(RuleSet {
        programs: rules.programs,
        verdict_order: rules.verdict_order,
        header: meta.header,
        schema: meta.schema,
        levels: meta.levels,
        clauses: rules.clauses,
        bodies: rules.bodies,
        clause_body: rules.clause_body,
        units: meta.units,
        unit_index,
        layers: rules.layers,
        unit_clauses: meta.unit_clauses,
        content_hash: meta.content_hash,
        hints: meta.hints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_rule_set;

    /// A snapshot replaced on disk while it is being read (a new file renamed over its path, as
    /// `write` does) is read whole from the file that was opened: the second thread reads the
    /// grid through the same open file, not through the path.
    #[test]
    fn a_snapshot_replaced_while_open_is_read_from_the_file_opened() {
        let rs = load_rule_set(Path::new("rules/nanjing"))
            .expect("demo rules load")
            .rule_set;
        let dir = std::env::temp_dir().join(format!("zonecheck-replaced-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("rules.zcs");
        write(&rs, &path).expect("written");
        let opened = std::fs::File::open(&path).expect("opens");
        // The replacement has the same length and a valid checksum, but another grid: read
        // through the path, its grid would not match the first file's checksum.
        let mut other = to_bytes(&rs).expect("encodes");
        let last = other.len() - 1;
        other[last] ^= 0x01;
        let crc = crc32fast::hash(&other[HEADER_LEN..]);
        other[24..28].copy_from_slice(&crc.to_le_bytes());
        let next = dir.join("next.zcs");
        std::fs::write(&next, &other).expect("written");
        std::fs::rename(&next, &path).expect("renamed over");
        let back = read_open(opened, &path).expect("the opened file reads whole");
        assert_eq!(back.content_hash, rs.content_hash);
        assert_eq!(
            std::fs::read_dir(&dir).expect("listed").count(),
            1,
            "write leaves no temporary file"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `bytes` with the boundary between section `i` and the next (0: rules | polygons,
    /// 1: polygons | grid) moved by `by` bytes: the sections' contents stay where they are,
    /// the length fields are rewritten around the new boundary, the checksum recomputed.
    fn boundary_moved(bytes: &[u8], i: usize, by: i64) -> Vec<u8> {
        let body = &bytes[HEADER_LEN..];
        let (mut at, mut lens, mut contents) = (0, Vec::new(), Vec::new());
        for _ in 0..3 {
            let len = u64::from_le_bytes(body[at..at + 8].try_into().expect("8 bytes")) as usize;
            contents.extend_from_slice(&body[at + 8..at + 8 + len]);
            lens.push(len as i64);
            at += 8 + len;
        }
        lens[i] += by;
        lens[i + 1] -= by;
        let mut out = bytes[..HEADER_LEN].to_vec();
        let mut from = 0;
        for len in lens {
            let len = len as usize;
            out.extend_from_slice(&(len as u64).to_le_bytes());
            out.extend_from_slice(&contents[from..from + len]);
            from += len;
        }
        let crc = crc32fast::hash(&out[HEADER_LEN..]);
        out[24..28].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Section lengths that still add up to the body but put a boundary in the wrong place
    /// (a crafted file: the checksum is valid) are read on two threads from where the lengths
    /// say, and what lands in the wrong section is refused as corrupt, from a file as from
    /// bytes. Both boundaries, both ways.
    #[test]
    fn sections_whose_boundaries_moved_are_refused_on_the_two_thread_path() {
        let rs = load_rule_set(Path::new("rules/nanjing"))
            .expect("demo rules load")
            .rule_set;
        let bytes = to_bytes(&rs).expect("encodes");
        let dir = std::env::temp_dir().join(format!("zonecheck-moved-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("moved.zcs");
        for (i, by) in [(0, 16), (0, -16), (1, 16), (1, -16)] {
            let b = boundary_moved(&bytes, i, by);
            assert_eq!(b.len(), bytes.len());
            let body = &b[HEADER_LEN..];
            let peek = |o: u64| {
                let o = o as usize;
                body.get(o..o + 8)
                    .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")))
            };
            assert!(
                grid_start(peek, body.len() as u64).is_some(),
                "boundary {i} moved by {by}: the lengths tile the body"
            );
            std::fs::write(&path, &b).expect("written");
            for err in [
                from_bytes(&b, &path).expect_err("refused"),
                read(&path).expect_err("refused"),
            ] {
                assert!(
                    matches!(err, SnapshotError::Corrupt { .. }),
                    "boundary {i} moved by {by}: {err}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
