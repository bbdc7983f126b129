//! ESRI shapefiles: the .shp (geometry), .shx (record index), .dbf (attributes) and optional
//! .prj (coordinate system WKT), found next to the .shp or inside one .zip.
//!
//! Every part is read into memory (capped at [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES)) and the
//! headers are checked before the shapefile crate reads records, so a truncated file or a
//! header claiming more than the file holds is reported as such.
//!
//! Polygon rings follow the shapefile specification: clockwise rings are outer rings,
//! counter-clockwise rings holes; each hole goes to the smallest outer ring that contains it.
//! Z and M values are dropped.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use ::shapefile::{Shape, ShapeReader};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point};
use serde_json::{Map, Number, Value};

use super::{
    AxisHint, CrsDeclaration, MAX_FILE_BYTES, MAX_READ_VERTICES, Site, SiteError, SiteFormat,
    check_coordinates, merge, read_file_capped,
};

const F: SiteFormat = SiteFormat::Shapefile;
const HEADER: usize = 100;
const FILE_CODE: i32 = 9994;

struct Parts {
    shp: Vec<u8>,
    shx: Vec<u8>,
    dbf: Vec<u8>,
    /// (name, bytes)
    prj: Option<(String, Vec<u8>)>,
}

pub(super) fn read_path(path: &Path, file: &str) -> Result<Site, SiteError> {
    let shp = read_file_capped(path, file)?;
    if shp.iter().all(u8::is_ascii_whitespace) {
        return Err(SiteError::Empty {
            file: file.to_string(),
        });
    }
    let sibling = |ext: &str| -> Option<PathBuf> {
        [ext.to_string(), ext.to_uppercase()]
            .iter()
            .map(|e| path.with_extension(e))
            .find(|p| p.is_file())
    };
    let required = |ext: &'static str, part: &'static str| -> Result<Vec<u8>, SiteError> {
        match sibling(ext) {
            Some(p) => read_file_capped(&p, &p.display().to_string()),
            None => Err(SiteError::MissingPart {
                file: file.to_string(),
                part,
                looked_for: path.with_extension(ext).display().to_string(),
            }),
        }
    };
    let shx = required("shx", ".shx index")?;
    let dbf = required("dbf", ".dbf attribute table")?;
    let prj = match sibling("prj") {
        Some(p) => Some((
            p.display().to_string(),
            read_file_capped(&p, &p.display().to_string())?,
        )),
        None => None,
    };
    read_parts(Parts { shp, shx, dbf, prj }, file)
}

pub(super) fn read_bytes(bytes: &[u8], file: &str) -> Result<Site, SiteError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return read_parts(unzip(bytes, file)?, file);
    }
    if bytes.get(..4) == Some(&FILE_CODE.to_be_bytes()[..]) {
        return Err(SiteError::MissingPart {
            file: file.to_string(),
            part: ".shx index and .dbf attribute table",
            looked_for: "an upload of the .shp alone".into(),
        });
    }
    Err(SiteError::Syntax {
        file: file.to_string(),
        format: F,
        place: "byte 0".into(),
        why: "neither a .zip nor a .shp".into(),
        help: Some("upload a .zip holding the .shp, .shx, .dbf and .prj of one shapefile".into()),
    })
}

fn unzip(bytes: &[u8], file: &str) -> Result<Parts, SiteError> {
    let zip_error = |why: String| SiteError::Zip {
        file: file.to_string(),
        why,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| zip_error(format!("not a readable .zip: {e}")))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| !n.starts_with("__MACOSX/") && !n.ends_with('/'))
        .map(|n| n.to_string())
        .collect();
    let shps: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().ends_with(".shp"))
        .collect();
    let shp_name = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(zip_error("the .zip holds no .shp file".into())),
        many => {
            return Err(zip_error(format!(
                "the .zip holds {} .shp files ({}); a site is one shapefile",
                many.len(),
                many.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let stem = shp_name
        .get(..shp_name.len().saturating_sub(4))
        .unwrap_or_default()
        .to_lowercase();
    let entry_name = |ext: &str| {
        names
            .iter()
            .find(|n| n.to_lowercase() == format!("{stem}.{ext}"))
            .cloned()
    };
    let mut read_entry = |name: &str| -> Result<Vec<u8>, SiteError> {
        let entry = archive
            .by_name(name)
            .map_err(|e| zip_error(format!("cannot read `{name}` in the .zip: {e}")))?;
        let mut out = Vec::new();
        entry
            .take(MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| zip_error(format!("cannot unpack `{name}`: {e}")))?;
        if out.len() > MAX_FILE_BYTES {
            return Err(SiteError::TooLarge {
                file: format!("{file}/{name}"),
                bytes: out.len() as u64,
                limit: MAX_FILE_BYTES,
            });
        }
        Ok(out)
    };
    let shp = read_entry(&shp_name)?;
    let mut required = |ext: &str, part: &'static str| -> Result<Vec<u8>, SiteError> {
        match entry_name(ext) {
            Some(n) => read_entry(&n),
            None => Err(SiteError::MissingPart {
                file: format!("{file}/{shp_name}"),
                part,
                looked_for: format!("{stem}.{ext} in the .zip"),
            }),
        }
    };
    let shx = required("shx", ".shx index")?;
    let dbf = required("dbf", ".dbf attribute table")?;
    let prj = match entry_name("prj") {
        Some(n) => Some((format!("{file}/{n}"), read_entry(&n)?)),
        None => None,
    };
    Ok(Parts { shp, shx, dbf, prj })
}

/// Checks a .shp or .shx main header: its size, file code, and declared length.
fn check_header(bytes: &[u8], file: &str, what: &str) -> Result<(), SiteError> {
    let be = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(i32::from_be_bytes)
    };
    if bytes.len() < HEADER {
        return Err(SiteError::Truncated {
            file: file.to_string(),
            why: format!(
                "its {what} has {} bytes, less than the 100-byte header",
                bytes.len()
            ),
        });
    }
    if be(0) != Some(FILE_CODE) {
        return Err(SiteError::syntax(
            file,
            F,
            format!("{what} byte 0"),
            format!(
                "not a shapefile: file code `{}`, expected `{FILE_CODE}`",
                be(0).unwrap_or_default()
            ),
        ));
    }
    let declared = be(24).map_or(0, |words| i64::from(words) * 2);
    if declared > bytes.len() as i64 {
        return Err(SiteError::Truncated {
            file: file.to_string(),
            why: format!(
                "its {what} header declares {declared} bytes but the file has {}",
                bytes.len()
            ),
        });
    }
    Ok(())
}

fn read_parts(parts: Parts, file: &str) -> Result<Site, SiteError> {
    check_header(&parts.shp, file, ".shp")?;
    check_header(&parts.shx, file, ".shx")?;
    let shx_records = parts.shx.len().saturating_sub(HEADER) / 8;

    let mut notes = Vec::new();
    let shapes = ShapeReader::with_shx(Cursor::new(&parts.shp[..]), Cursor::new(&parts.shx[..]))
        .map_err(|e| shp_error(e, file, None))?;
    let mut shapes = shapes;
    let count = shapes
        .shape_count()
        .map_err(|e| shp_error(e, file, None))?
        .min(shx_records);

    let records = dbase::Reader::new(Cursor::new(&parts.dbf[..]))
        .map_err(|e| dbf_error(&e.to_string(), file, None))?
        .header()
        .num_records as usize;
    if records != count {
        return Err(SiteError::RecordCount {
            file: file.to_string(),
            shapes: count,
            records,
        });
    }

    let mut geometries = Vec::with_capacity(count.min(1024));
    let mut vertices = 0usize;
    for i in 0..count {
        let record = i + 1;
        let shape = match shapes.read_nth_shape(i) {
            Some(Ok(s)) => s,
            Some(Err(e)) => return Err(shp_error(e, file, Some(record))),
            None => break,
        };
        vertices = vertices.saturating_add(point_count(&shape));
        if vertices > MAX_READ_VERTICES {
            return Err(SiteError::TooManyVertices {
                file: file.to_string(),
                limit: MAX_READ_VERTICES,
            });
        }
        let place = format!("record {record}");
        let rings = match &shape {
            Shape::Polygon(s) => s.rings().len(),
            Shape::PolygonM(s) => s.rings().len(),
            Shape::PolygonZ(s) => s.rings().len(),
            _ => 0,
        };
        if rings > super::MAX_RINGS {
            return Err(SiteError::too_many_rings(file, F, place, rings));
        }
        let g = shape_geometry(shape, file, record, &mut notes)?;
        geometries.push((g, place));
    }
    if geometries.is_empty() {
        return Err(SiteError::NoGeometry {
            file: file.to_string(),
            why: "the shapefile has no records".into(),
        });
    }
    let geometry = merge(file, geometries, "records", &mut notes)?;
    check_coordinates(&geometry, file)?;

    let crs = match parts.prj {
        Some((name, bytes)) => {
            let text = match std::str::from_utf8(&bytes) {
                Ok(t) => t.to_string(),
                Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
            };
            let text = text.trim_start_matches('\u{feff}').to_string();
            if text.trim().is_empty() {
                return Err(SiteError::EmptyPrj {
                    file: file.to_string(),
                    prj: name,
                });
            }
            CrsDeclaration::Prj(text)
        }
        None => {
            notes.push("no .prj: the coordinate system is not declared".into());
            CrsDeclaration::None
        }
    };

    let mut site = Site::new(F, geometry);
    site.crs = crs;
    site.axis = AxisHint::EastingFirst;
    if count == 1 {
        // Text fields are UTF-8 when they decode as such, else GB18030 (a superset of GBK).
        let utf8 = dbase::ReaderBuilder::new()
            .with_encoding(dbase::Unicode)
            .build(Cursor::new(&parts.dbf[..]));
        site.attributes = match first_record(utf8, file) {
            Ok(a) => a,
            Err(_) => {
                let gbk = dbase::ReaderBuilder::new()
                    .with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::GB18030))
                    .build(Cursor::new(&parts.dbf[..]));
                first_record(gbk, file)?
            }
        };
        site.name = [
            "name",
            "NAME",
            "Name",
            "名称",
            "地块名称",
            "项目名称",
            "DKMC",
        ]
        .iter()
        .find_map(|k| site.attributes.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    } else {
        notes.push(format!(
            "{count} records: their attributes are not kept (only a single record's are)"
        ));
    }
    site.notes = notes;
    Ok(site)
}

fn first_record(
    reader: Result<dbase::Reader<Cursor<&[u8]>>, dbase::Error>,
    file: &str,
) -> Result<Map<String, Value>, SiteError> {
    let mut reader = reader.map_err(|e| dbf_error(&e.to_string(), file, None))?;
    let names: Vec<String> = reader
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let mut record = match reader.iter_records().next() {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(dbf_error(&e.to_string(), file, Some(1))),
        None => return Ok(Map::new()),
    };
    let mut out = Map::new();
    for name in names {
        let Some(v) = record.remove(&name) else {
            continue;
        };
        use dbase::FieldValue as V;
        let number = |f: f64| Number::from_f64(f).map_or(Value::Null, Value::Number);
        let value = match v {
            V::Character(s) => s.map_or(Value::Null, |s| Value::String(s.trim().to_string())),
            V::Memo(s) => Value::String(s),
            V::Numeric(n) => n.map_or(Value::Null, number),
            V::Float(n) => n.map_or(Value::Null, |f| number(f64::from(f))),
            V::Double(f) | V::Currency(f) => number(f),
            V::Integer(i) => Value::from(i),
            V::Logical(b) => b.map_or(Value::Null, Value::Bool),
            V::Date(d) => d.map_or(Value::Null, |d| {
                Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
            }),
            V::DateTime(dt) => {
                let d = dt.date();
                Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
            }
        };
        out.insert(name, value);
    }
    Ok(out)
}

fn point_count(shape: &Shape) -> usize {
    match shape {
        Shape::NullShape => 0,
        Shape::Point(_) | Shape::PointM(_) | Shape::PointZ(_) => 1,
        Shape::Polyline(s) => s.total_point_count(),
        Shape::PolylineM(s) => s.total_point_count(),
        Shape::PolylineZ(s) => s.total_point_count(),
        Shape::Polygon(s) => s.total_point_count(),
        Shape::PolygonM(s) => s.total_point_count(),
        Shape::PolygonZ(s) => s.total_point_count(),
        Shape::Multipoint(s) => s.points().len(),
        Shape::MultipointM(s) => s.points().len(),
        Shape::MultipointZ(s) => s.points().len(),
        Shape::Multipatch(s) => s.total_point_count(),
    }
}

fn shape_geometry(
    shape: Shape,
    file: &str,
    record: usize,
    notes: &mut Vec<String>,
) -> Result<Geometry<f64>, SiteError> {
    fn xy<P: ::shapefile::record::traits::HasXY>(p: &P) -> Coord<f64> {
        Coord { x: p.x(), y: p.y() }
    }
    fn lines<P: ::shapefile::record::traits::HasXY>(parts: &[Vec<P>]) -> Geometry<f64> {
        let mut ls: Vec<LineString<f64>> = parts
            .iter()
            .map(|part| part.iter().map(xy).collect::<LineString<f64>>())
            .collect();
        if ls.len() == 1
            && let Some(l) = ls.pop()
        {
            return l.into();
        }
        MultiLineString(ls).into()
    }
    fn polygons<P: ::shapefile::record::traits::HasXY>(
        rings: &[::shapefile::PolygonRing<P>],
        record: usize,
        notes: &mut Vec<String>,
    ) -> Geometry<f64> {
        let mut outers = Vec::new();
        let mut inners = Vec::new();
        for (i, ring) in rings.iter().enumerate() {
            let ls: LineString<f64> = ring.points().iter().map(xy).collect();
            match ring {
                ::shapefile::PolygonRing::Outer(_) => outers.push(ls),
                ::shapefile::PolygonRing::Inner(_) => {
                    inners.push((ls, format!("record {record} ring {}", i + 1)));
                }
            }
        }
        let mut ps = super::assign_holes(outers, inners, notes);
        if ps.len() == 1
            && let Some(p) = ps.pop()
        {
            return p.into();
        }
        MultiPolygon(ps).into()
    }
    fn points<P: ::shapefile::record::traits::HasXY>(ps: &[P]) -> Geometry<f64> {
        MultiPoint(ps.iter().map(|p| Point(xy(p))).collect::<Vec<_>>()).into()
    }
    Ok(match shape {
        Shape::NullShape => {
            return Err(SiteError::NullShape {
                file: file.to_string(),
                record,
            });
        }
        Shape::Point(p) => Point(xy(&p)).into(),
        Shape::PointM(p) => Point(xy(&p)).into(),
        Shape::PointZ(p) => Point(xy(&p)).into(),
        Shape::Polyline(s) => lines(s.parts()),
        Shape::PolylineM(s) => lines(s.parts()),
        Shape::PolylineZ(s) => lines(s.parts()),
        Shape::Polygon(s) => polygons(s.rings(), record, notes),
        Shape::PolygonM(s) => polygons(s.rings(), record, notes),
        Shape::PolygonZ(s) => polygons(s.rings(), record, notes),
        Shape::Multipoint(s) => points(s.points()),
        Shape::MultipointM(s) => points(s.points()),
        Shape::MultipointZ(s) => points(s.points()),
        Shape::Multipatch(_) => {
            return Err(SiteError::structure(
                file,
                F,
                format!("record {record}"),
                "a MultiPatch (3-D surface) shape",
                Some("export the site boundary as polygons"),
            ));
        }
    })
}

fn shp_error(e: ::shapefile::Error, file: &str, record: Option<usize>) -> SiteError {
    let place = record.map_or_else(|| "header".to_string(), |r| format!("record {r}"));
    match e {
        ::shapefile::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            SiteError::Truncated {
                file: file.to_string(),
                why: format!("{place} is cut off"),
            }
        }
        ::shapefile::Error::MissingDbf => SiteError::MissingPart {
            file: file.to_string(),
            part: ".dbf attribute table",
            looked_for: "(the shapefile reader)".into(),
        },
        ::shapefile::Error::MissingIndexFile => SiteError::MissingPart {
            file: file.to_string(),
            part: ".shx index",
            looked_for: "(the shapefile reader)".into(),
        },
        other => SiteError::syntax(
            file,
            F,
            place,
            format!("unreadable: {}", lower(&other.to_string())),
        ),
    }
}

fn dbf_error(why: &str, file: &str, record: Option<usize>) -> SiteError {
    let place = record.map_or_else(|| ".dbf header".to_string(), |r| format!(".dbf record {r}"));
    SiteError::syntax(
        file,
        F,
        place,
        format!("unreadable attribute table: {}", lower(why)),
    )
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
