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
//!            1. postcard: header, schema, levels, clauses, units, unit → clause index,
//!               content hash, feature layers
//!            2. unit polygons, flat (`index::polygons` format: offsets as u32, coordinates on
//!               the 1e-6 lattice as i32, or f64 when the data is not on it)
//!            3. the point-location grid (`index::grid` format, itself validated on load)
//! ```
//!
//! A truncated, corrupt or wrong-version file is a [`SnapshotError`], never a panic or a wrong
//! answer: the checksum covers every byte of the body, and every count and offset is checked
//! while decoding.

use std::path::{Path, PathBuf};

use geo::Geometry;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::compile::{Clause, ClauseBody, Header, Layer, Level, RuleSet, Schema, UnitInfo};
use crate::source::Location;
use crate::index::{Feature, FeatureLayer, UnitIndex};

pub const MAGIC: &[u8; 8] = b"ZCSNAP\r\n";
/// Bumped on any change of the layout or of the serialised types.
pub const FORMAT_VERSION: u32 = 3;
const HEADER_LEN: usize = 32;

/// Why a snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot `{path}`: {source}")]
    Io {
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
    /// Stable machine-readable kind.
    pub fn code(&self) -> &'static str {
        match self {
            SnapshotError::Io { .. } => "E-SNAPSHOT-IO",
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
    unit_clauses: Vec<Vec<u32>>,
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
            .zip(&rs.clause_body)
            .map(|(c, &body)| ClauseRecord {
                id: c.id.clone(),
                level: c.level,
                location: c.location.clone(),
                body,
            })
            .collect(),
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
    let bytes = to_bytes(rs).map_err(|what| SnapshotError::Corrupt {
        path: path.to_path_buf(),
        what,
    })?;
    std::fs::write(path, &bytes).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(bytes.len())
}

/// Reads a snapshot file, one section at a time (so that the whole file is never held in
/// memory beside what is decoded from it), checking the CRC as it goes.
///
/// # Errors
/// [`SnapshotError`] for an unreadable, foreign, wrong-version, truncated or corrupt file.
pub fn read(path: &Path) -> Result<RuleSet, SnapshotError> {
    use std::io::Read;
    let p = || path.to_path_buf();
    let io = |source| SnapshotError::Io { path: p(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut f = std::io::BufReader::with_capacity(1 << 20, file);
    let mut header = [0u8; HEADER_LEN];
    let got = read_up_to(&mut f, &mut header).map_err(io)?;
    if got < 8 || header.get(..8) != Some(MAGIC.as_slice()) {
        return Err(SnapshotError::NotASnapshot(p()));
    }
    let (body_len, crc) = check_header(header.get(..got).unwrap_or(&[]), path)?;
    if file_len.saturating_sub(HEADER_LEN as u64) < body_len {
        return Err(SnapshotError::Truncated {
            path: p(),
            what: format!(
                "the body has {} of {body_len} bytes",
                file_len.saturating_sub(HEADER_LEN as u64)
            ),
        });
    }
    if file_len - HEADER_LEN as u64 > body_len {
        return Err(SnapshotError::Corrupt {
            path: p(),
            what: format!(
                "{} bytes follow the end of the body",
                file_len - HEADER_LEN as u64 - body_len
            ),
        });
    }
    let mut hasher = crc32fast::Hasher::new();
    let mut remaining = body_len;
    let mut section = |name: &str| -> Result<Vec<u8>, SnapshotError> {
        let mut len = [0u8; 8];
        f.read_exact(&mut len).map_err(io)?;
        hasher.update(&len);
        let len = u64::from_le_bytes(len);
        remaining = remaining.saturating_sub(8);
        if len > remaining {
            return Err(SnapshotError::Corrupt {
                path: p(),
                what: format!("{name} section runs past the end"),
            });
        }
        remaining -= len;
        let mut buf = vec![
            0u8;
            usize::try_from(len).map_err(|_| SnapshotError::Corrupt {
                path: p(),
                what: format!("{name} section too large")
            })?
        ];
        f.read_exact(&mut buf).map_err(io)?;
        hasher.update(&buf);
        Ok(buf)
    };
    let meta_bytes = section("rules")?;
    let geom_bytes = section("polygons")?;
    let grid_bytes = section("grid")?;
    if remaining != 0 {
        return Err(SnapshotError::Corrupt {
            path: p(),
            what: format!("{remaining} bytes follow the last section"),
        });
    }
    if hasher.finalize() != crc {
        return Err(SnapshotError::Checksum { path: p() });
    }
    decode(&meta_bytes, &geom_bytes, &grid_bytes, path)
}

fn read_up_to(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or(&mut []))? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Checks the 32-byte header (magic already checked) and returns the body length and CRC.
fn check_header(header: &[u8], path: &Path) -> Result<(u64, u32), SnapshotError> {
    let truncated = || SnapshotError::Truncated {
        path: path.to_path_buf(),
        what: "the header is incomplete".into(),
    };
    let mut h = Reader::new(header.get(8..).unwrap_or(&[]));
    let version = h.u32().ok_or_else(truncated)?;
    if version != FORMAT_VERSION {
        return Err(SnapshotError::Version {
            path: path.to_path_buf(),
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let _reserved = h.u32().ok_or_else(truncated)?;
    let body_len = h.u64().ok_or_else(truncated)?;
    let crc = h.u32().ok_or_else(truncated)?;
    let _reserved = h.u32().ok_or_else(truncated)?;
    Ok((body_len, crc))
}

/// Decodes snapshot bytes held in memory; `path` is only used in error messages.
///
/// # Errors
/// See [`read`].
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<RuleSet, SnapshotError> {
    let p = || path.to_path_buf();
    let corrupt = |what: String| SnapshotError::Corrupt { path: p(), what };
    if bytes.len() < 8 || bytes.get(..8) != Some(MAGIC.as_slice()) {
        return Err(SnapshotError::NotASnapshot(p()));
    }
    let (body_len, crc) = check_header(
        bytes.get(..HEADER_LEN.min(bytes.len())).unwrap_or(&[]),
        path,
    )?;
    let body = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    if (body.len() as u64) < body_len {
        return Err(SnapshotError::Truncated {
            path: p(),
            what: format!("the body has {} of {body_len} bytes", body.len()),
        });
    }
    if (body.len() as u64) > body_len {
        return Err(corrupt(format!(
            "{} bytes follow the end of the body",
            body.len() as u64 - body_len
        )));
    }
    if crc32fast::hash(body) != crc {
        return Err(SnapshotError::Checksum { path: p() });
    }
    let mut r = Reader::new(body);
    let mut section = |name: &str| -> Result<&[u8], SnapshotError> {
        let len = r
            .u64()
            .ok_or_else(|| corrupt(format!("missing {name} section")))?;
        let len = usize::try_from(len).map_err(|_| corrupt(format!("{name} section too large")))?;
        r.take(len)
            .ok_or_else(|| corrupt(format!("{name} section runs past the end")))
    };
    let meta_bytes = section("rules")?;
    let geom_bytes = section("polygons")?;
    let grid_bytes = section("grid")?;
    decode(meta_bytes, geom_bytes, grid_bytes, path)
}

fn decode(
    meta_bytes: &[u8],
    geom_bytes: &[u8],
    grid_bytes: &[u8],
    path: &Path,
) -> Result<RuleSet, SnapshotError> {
    let corrupt = |what: String| SnapshotError::Corrupt {
        path: path.to_path_buf(),
        what,
    };
    let meta: Meta =
        postcard::from_bytes(meta_bytes).map_err(|e| corrupt(format!("rules section: {e}")))?;
    let unit_index =
        UnitIndex::from_bytes(geom_bytes, grid_bytes).map_err(|e| corrupt(e.to_string()))?;
    if unit_index.len() != meta.units.len()
        || meta.unit_clauses.len() != meta.units.len()
        || meta.hints.far.len() != meta.units.len()
    {
        return Err(corrupt("unit counts of the sections disagree".into()));
    }
    let n_clauses = meta.clauses.len();
    if meta
        .unit_clauses
        .iter()
        .flatten()
        .any(|&c| c as usize >= n_clauses)
        || meta.clauses.iter().any(|c| {
            c.level as usize >= meta.levels.len() || c.body as usize >= meta.bodies.len()
        })
    {
        return Err(corrupt(
            "a clause, level or clause body index is out of range".into(),
        ));
    }
    let bodies: Vec<Arc<ClauseBody>> = meta.bodies.into_iter().map(Arc::new).collect();
    let mut clause_body = Vec::with_capacity(n_clauses);
    let mut clauses = Vec::with_capacity(n_clauses);
    for c in meta.clauses {
        let Some(body) = bodies.get(c.body as usize) else {
            return Err(corrupt("a clause body index is out of range".into()));
        };
        clause_body.push(c.body);
        clauses.push(Clause {
            id: c.id,
            level: c.level,
            location: c.location,
            body: Arc::clone(body),
        });
    }
    let layers = meta
        .layers
        .into_iter()
        .map(|l| Layer {
            name: l.name,
            index: FeatureLayer::build(
                l.features
                    .into_iter()
                    .map(|(name, geometry)| Feature { name, geometry })
                    .collect(),
            ),
        })
        .collect();
    Ok(RuleSet {
        header: meta.header,
        schema: meta.schema,
        levels: meta.levels,
        clauses,
        bodies,
        clause_body,
        units: meta.units,
        unit_index,
        layers,
        unit_clauses: meta.unit_clauses,
        content_hash: meta.content_hash,
        hints: meta.hints,
    })
}

/// A bounds-checked little-endian cursor.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([
            *b.first()?,
            *b.get(1)?,
            *b.get(2)?,
            *b.get(3)?,
        ]))
    }
    fn u64(&mut self) -> Option<u64> {
        let lo = u64::from(self.u32()?);
        let hi = u64::from(self.u32()?);
        Some(lo | (hi << 32))
    }
}
