//! Site boundary files (用地红线, 界址点): read the geometry a GIS user already has.
//!
//! Six formats are read: GeoJSON, WKT/EWKT, ESRI shapefiles (.shp with .shx, .dbf, .prj, or a
//! .zip holding them), KML, coordinate tables (界址点成果表: `point_id, X, Y` per line) and the
//! land-administration exchange text (电子报盘 TXT). See `docs/site-files.md`.
//!
//! A reader returns the coordinates **as found** (x = the first number of a position, y = the
//! second) together with everything the file says about its coordinate system
//! ([`CrsDeclaration`]) and its axis order ([`AxisHint`]). Readers never convert coordinates and
//! never validate the geometry beyond what is needed to build it faithfully (enough points for a
//! ring, closed rings where the format demands them, finite numbers): converting to lon/lat is
//! the job of the CRS module, and ring closure, self-intersection, China's extent and the vertex
//! limit are checked afterwards by the same validation a project's GeoJSON location goes through.
//!
//! ```
//! use std::path::Path;
//! use zonecheck::site::{self, AxisHint, CrsDeclaration, SiteFormat};
//!
//! let site = site::read_site(Path::new("examples/sites/site-baopan.txt"), None)?;
//! assert_eq!(site.format, SiteFormat::LandTxt);
//! assert_eq!(site.axis, AxisHint::NorthingFirst);
//! assert!(matches!(site.crs, CrsDeclaration::GaussKruger { zone: Some(40), .. }));
//! # Ok::<(), zonecheck::site::SiteError>(())
//! ```

mod geo_json;
mod kml_doc;
mod land_txt;
pub mod resolve;
mod shapefile_set;
mod table;
mod wkt_text;

use std::fmt;
use std::path::Path;

use geo::{
    Area, Contains, Coord, CoordsIter, Geometry, LineString, MultiLineString, MultiPoint,
    MultiPolygon, Point, Polygon,
};
use serde_json::{Map, Value};

/// Largest site file read, in bytes (a site boundary is kilobytes; this only stops runaway input).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Most vertices a reader builds. Validation applies the project limit afterwards; this cap only
/// bounds what a reader allocates.
pub const MAX_READ_VERTICES: usize = 1_000_000;
/// Most rings in one table, parcel or shapefile record: hole assignment compares rings pairwise.
pub const MAX_RINGS: usize = 10_000;
/// Deepest nesting accepted in WKT (`GEOMETRYCOLLECTION` in `GEOMETRYCOLLECTION` …) and KML.
pub const MAX_NESTING: usize = 32;

/// What a site file says about its coordinate system, as found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum CrsDeclaration {
    /// The file says nothing.
    None,
    /// A .prj file's WKT text, verbatim.
    Prj(String),
    /// A name or code stated in a header or attribute, e.g. `2000国家大地坐标系`, `EPSG:4527`.
    Named(String),
    /// The header fields of a 电子报盘 TXT, as found (unparseable numbers are `None`).
    GaussKruger {
        /// `坐标系`, e.g. `2000国家大地坐标系`.
        datum: Option<String>,
        /// `几度分带`: 3 or 6.
        zone_width: Option<u8>,
        /// `带号`, e.g. 40.
        zone: Option<u8>,
        /// `投影类型`, e.g. `高斯克吕格`.
        projection: Option<String>,
    },
}

/// The order of the two numbers of a position, when the file tells or its numbers show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AxisHint {
    Unknown,
    /// x is the easting or longitude (GIS order).
    EastingFirst,
    /// x is the northing: Chinese survey tables list X (north) before Y (east).
    NorthingFirst,
}

/// The formats a site file can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SiteFormat {
    GeoJson,
    Wkt,
    /// ESRI shapefile: .shp with .shx, .dbf and optionally .prj (or a .zip holding them).
    Shapefile,
    Kml,
    /// 界址点 coordinate table: `point_id, X, Y` per line.
    CoordinateTable,
    /// 电子报盘 TXT, the land-administration exchange text (国土资源部 建设用地 报盘格式).
    LandTxt,
}

impl SiteFormat {
    /// A short lowercase name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            SiteFormat::GeoJson => "geojson",
            SiteFormat::Wkt => "wkt",
            SiteFormat::Shapefile => "shapefile",
            SiteFormat::Kml => "kml",
            SiteFormat::CoordinateTable => "coordinate table",
            SiteFormat::LandTxt => "电子报盘 txt",
        }
    }
}

impl fmt::Display for SiteFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A site read from a file: its geometry as found and what the file says about it.
#[derive(Debug, Clone)]
pub struct Site {
    pub format: SiteFormat,
    /// Coordinates as found in the file (x = first number, y = second), NOT converted.
    pub geometry: Geometry<f64>,
    pub crs: CrsDeclaration,
    pub axis: AxisHint,
    /// The parcel or feature name, if the file has one.
    pub name: Option<String>,
    /// .dbf fields, KML ExtendedData, TXT header fields: for the caller to use as project facts
    /// if it wants.
    pub attributes: Map<String, Value>,
    /// What the reader decided on the way, e.g. "3 features merged into one MultiPolygon".
    pub notes: Vec<String>,
}

impl Site {
    fn new(format: SiteFormat, geometry: Geometry<f64>) -> Site {
        Site {
            format,
            geometry,
            crs: CrsDeclaration::None,
            axis: AxisHint::Unknown,
            name: None,
            attributes: Map::new(),
            notes: Vec::new(),
        }
    }
}

/// Why a site file could not be read. Every message names the file and the place in it (line,
/// record, feature, part, point) and says what is wrong; [`SiteError::code`] gives a stable
/// machine code and [`SiteError::help`] advice where there is some.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot read `{file}`: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{file}`: unknown site file extension `{extension}`")]
    UnknownExtension { file: String, extension: String },
    #[error("`{file}` is empty")]
    Empty { file: String },
    #[error("`{file}` has {bytes} bytes, more than the limit of {limit}")]
    TooLarge {
        file: String,
        bytes: u64,
        limit: usize,
    },
    #[error("`{file}` line {line}: not text: {why}")]
    NotText {
        file: String,
        line: usize,
        why: String,
    },
    /// The text, XML, JSON, WKT or binary layout is not well formed.
    #[error("`{file}` {place}: {why}")]
    Syntax {
        file: String,
        format: SiteFormat,
        place: String,
        why: String,
        help: Option<String>,
    },
    /// Well formed, but not a usable site (unsupported geometry, a ring of two points, …).
    #[error("`{file}` {place}: {why}")]
    Structure {
        file: String,
        format: SiteFormat,
        place: String,
        why: String,
        help: Option<String>,
    },
    #[error("`{file}` {place}: `{value}` is not a finite number ({field})")]
    BadNumber {
        file: String,
        place: String,
        field: String,
        value: String,
    },
    #[error(
        "`{file}`: cannot merge {first_kind} ({first_place}) with {other_kind} ({other_place}) into one site geometry"
    )]
    MixedKinds {
        file: String,
        first_kind: &'static str,
        first_place: String,
        other_kind: &'static str,
        other_place: String,
    },
    #[error("`{file}`: no geometry found: {why}")]
    NoGeometry { file: String, why: String },
    #[error("`{file}`: more than {limit} vertices")]
    TooManyVertices { file: String, limit: usize },
    #[error("`{file}` {place}: nested more than {limit} levels deep")]
    TooDeep {
        file: String,
        place: String,
        limit: usize,
    },
    #[error("`{file}`: its `{part}` is missing (looked for `{looked_for}`)")]
    MissingPart {
        file: String,
        part: &'static str,
        looked_for: String,
    },
    #[error("`{file}` is truncated: {why}")]
    Truncated { file: String, why: String },
    #[error("`{file}` has {shapes} shape records but its .dbf has {records} attribute records")]
    RecordCount {
        file: String,
        shapes: usize,
        records: usize,
    },
    #[error("`{file}` record {record}: null shape (the record has no geometry)")]
    NullShape { file: String, record: usize },
    #[error("`{file}`: the .prj file `{prj}` is empty")]
    EmptyPrj { file: String, prj: String },
    #[error(
        "`{file}` line {line}: parcel `{parcel}` declares {declared} boundary points (界址点数) but {found} follow"
    )]
    PointCount {
        file: String,
        line: usize,
        parcel: String,
        declared: usize,
        found: usize,
    },
    #[error("`{file}`: {why}")]
    Zip { file: String, why: String },
}

impl SiteError {
    /// A stable machine code for the kind of error, e.g. `E-SITE-SHP-MISSING`.
    pub fn code(&self) -> &'static str {
        match self {
            SiteError::Io { .. } => "E-SITE-IO",
            SiteError::UnknownExtension { .. } => "E-SITE-EXTENSION",
            SiteError::Empty { .. } => "E-SITE-EMPTY",
            SiteError::TooLarge { .. } => "E-SITE-TOO-LARGE",
            SiteError::NotText { .. } => "E-SITE-NOT-TEXT",
            SiteError::Syntax { format, .. } => match format {
                SiteFormat::GeoJson => "E-SITE-GEOJSON-SYNTAX",
                SiteFormat::Wkt => "E-SITE-WKT-SYNTAX",
                SiteFormat::Shapefile => "E-SITE-SHP-SYNTAX",
                SiteFormat::Kml => "E-SITE-KML-SYNTAX",
                SiteFormat::CoordinateTable => "E-SITE-TABLE-SYNTAX",
                SiteFormat::LandTxt => "E-SITE-TXT-SYNTAX",
            },
            SiteError::Structure { format, .. } => match format {
                SiteFormat::GeoJson => "E-SITE-GEOJSON-STRUCTURE",
                SiteFormat::Wkt => "E-SITE-WKT-STRUCTURE",
                SiteFormat::Shapefile => "E-SITE-SHP-STRUCTURE",
                SiteFormat::Kml => "E-SITE-KML-STRUCTURE",
                SiteFormat::CoordinateTable => "E-SITE-TABLE-STRUCTURE",
                SiteFormat::LandTxt => "E-SITE-TXT-STRUCTURE",
            },
            SiteError::BadNumber { .. } => "E-SITE-NUMBER",
            SiteError::MixedKinds { .. } => "E-SITE-MIXED-KINDS",
            SiteError::NoGeometry { .. } => "E-SITE-NO-GEOMETRY",
            SiteError::TooManyVertices { .. } => "E-SITE-TOO-MANY-VERTICES",
            SiteError::TooDeep { .. } => "E-SITE-TOO-DEEP",
            SiteError::MissingPart { .. } => "E-SITE-SHP-MISSING",
            SiteError::Truncated { .. } => "E-SITE-SHP-TRUNCATED",
            SiteError::RecordCount { .. } => "E-SITE-SHP-COUNT",
            SiteError::NullShape { .. } => "E-SITE-SHP-NULL",
            SiteError::EmptyPrj { .. } => "E-SITE-PRJ-EMPTY",
            SiteError::PointCount { .. } => "E-SITE-TXT-COUNT",
            SiteError::Zip { .. } => "E-SITE-ZIP",
        }
    }

    /// Advice on how to fix the file, where there is some.
    pub fn help(&self) -> Option<String> {
        match self {
            SiteError::UnknownExtension { .. } => Some(
                "use .geojson, .json, .wkt, .shp, .zip, .kml, .csv, .tsv or .txt, or name the format"
                    .into(),
            ),
            SiteError::Empty { .. } => Some("export the site boundary again".into()),
            SiteError::NotText { .. } => Some(
                "text site files must be UTF-8 or GBK/GB18030; is this the right file?".into(),
            ),
            SiteError::Syntax { help, .. } | SiteError::Structure { help, .. } => help.clone(),
            SiteError::BadNumber { .. } => {
                Some("coordinates are decimal numbers such as `3548123.45`".into())
            }
            SiteError::MixedKinds { .. } => Some(
                "a site is points, lines or polygons; send other kinds as separate files".into(),
            ),
            SiteError::MissingPart { part, .. } => Some(format!(
                "a shapefile is several files: put the {part} next to the .shp with the same name, or upload a .zip holding all of them"
            )),
            SiteError::Truncated { .. } => {
                Some("the copy or upload was cut short; export the file again".into())
            }
            SiteError::RecordCount { .. } => Some(
                "the .shp and .dbf come from different exports; export the layer again".into(),
            ),
            SiteError::NullShape { .. } => {
                Some("delete the record without geometry, or draw its boundary".into())
            }
            SiteError::EmptyPrj { .. } => Some(
                "delete the empty .prj and declare the coordinate system, or export it again"
                    .into(),
            ),
            SiteError::PointCount { .. } => Some(
                "界址点数 counts every point line of the parcel, the closing repeat of the first point included"
                    .into(),
            ),
            _ => None,
        }
    }

    fn syntax(
        file: &str,
        format: SiteFormat,
        place: impl Into<String>,
        why: impl Into<String>,
    ) -> SiteError {
        SiteError::Syntax {
            file: file.to_string(),
            format,
            place: place.into(),
            why: why.into(),
            help: None,
        }
    }

    fn too_many_rings(file: &str, format: SiteFormat, place: String, rings: usize) -> SiteError {
        SiteError::structure(
            file,
            format,
            place,
            format!("{rings} rings, more than the limit of {MAX_RINGS}"),
            None,
        )
    }

    fn structure(
        file: &str,
        format: SiteFormat,
        place: impl Into<String>,
        why: impl Into<String>,
        help: Option<&str>,
    ) -> SiteError {
        SiteError::Structure {
            file: file.to_string(),
            format,
            place: place.into(),
            why: why.into(),
            help: help.map(str::to_string),
        }
    }
}

/// Reads a site file. The format comes from the extension when `format` is `None`:
/// `.geojson`/`.json` GeoJSON, `.wkt` WKT, `.shp` or `.zip` shapefile (the `.shx`, `.dbf` and
/// `.prj` are looked for next to the `.shp`), `.kml` KML, `.csv`/`.tsv` coordinate table, and
/// `.txt` the 电子报盘 format when its first lines hold a `[属性描述]` or `[地块坐标]` section,
/// else a coordinate table.
///
/// # Errors
/// The file cannot be read, its extension is unknown, or its content is not a site in the
/// format: see [`SiteError`] (each error names the place in the file and has a code).
pub fn read_site(path: &Path, format: Option<SiteFormat>) -> Result<Site, SiteError> {
    let file = path.display().to_string();
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let format = match format {
        Some(f) => Some(f),
        None => format_from_extension(&extension),
    };
    let Some(format) = format else {
        return Err(SiteError::UnknownExtension {
            file,
            extension: if extension.is_empty() {
                "(none)".into()
            } else {
                format!(".{extension}")
            },
        });
    };
    if format == SiteFormat::Shapefile && extension != "zip" {
        return shapefile_set::read_path(path, &file);
    }
    let bytes = read_file_capped(path, &file)?;
    if format == SiteFormat::CoordinateTable && extension == "txt" && looks_like_land_txt(&bytes) {
        return read_bytes_as(&bytes, SiteFormat::LandTxt, &file);
    }
    read_bytes_as(&bytes, format, &file)
}

/// Reads a site from bytes, e.g. an upload; `name` is the file name used in messages. A
/// shapefile must come as a .zip holding the .shp, .shx, .dbf and optionally .prj; a bare .shp
/// is refused because its .shx and .dbf are missing.
///
/// # Errors
/// As [`read_site`].
pub fn read_site_bytes(bytes: &[u8], format: SiteFormat, name: &str) -> Result<Site, SiteError> {
    read_bytes_as(bytes, format, name)
}

fn format_from_extension(extension: &str) -> Option<SiteFormat> {
    Some(match extension {
        "geojson" | "json" => SiteFormat::GeoJson,
        "wkt" => SiteFormat::Wkt,
        "shp" | "zip" => SiteFormat::Shapefile,
        "kml" => SiteFormat::Kml,
        "csv" | "tsv" | "txt" => SiteFormat::CoordinateTable,
        _ => return None,
    })
}

fn read_bytes_as(bytes: &[u8], format: SiteFormat, file: &str) -> Result<Site, SiteError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SiteError::TooLarge {
            file: file.to_string(),
            bytes: bytes.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SiteError::Empty {
            file: file.to_string(),
        });
    }
    let mut site = match format {
        SiteFormat::Shapefile => shapefile_set::read_bytes(bytes, file)?,
        _ => {
            let (text, decoded_note) = decode_text(bytes, file)?;
            let mut site = match format {
                SiteFormat::GeoJson => geo_json::read(&text, file)?,
                SiteFormat::Wkt => wkt_text::read(&text, file)?,
                SiteFormat::Kml => kml_doc::read(&text, file)?,
                SiteFormat::CoordinateTable => table::read(&text, file)?,
                _ => land_txt::read(&text, file)?,
            };
            if let Some(note) = decoded_note {
                site.notes.insert(0, note);
            }
            site
        }
    };
    site.format = format;
    Ok(site)
}

fn read_file_capped(path: &Path, file: &str) -> Result<Vec<u8>, SiteError> {
    use std::io::Read;
    let io = |source| SiteError::Io {
        file: file.to_string(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        return Err(SiteError::TooLarge {
            file: file.to_string(),
            bytes: size.max(bytes.len() as u64),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}

/// Whether a .txt holds the 电子报盘 format: one of its first non-blank lines is a
/// `[属性描述]` or `[地块坐标]` section header.
fn looks_like_land_txt(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t.to_string(),
        // A cut in the middle of a character is fine for a sniff; so is GBK.
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned()
        }
        Err(_) => encoding_rs::GB18030.decode(head).0.into_owned(),
    };
    text.lines()
        .map(|l| l.trim().trim_start_matches('\u{feff}'))
        .filter(|l| !l.is_empty())
        .take(5)
        .any(|l| l.starts_with("[属性描述]") || l.starts_with("[地块坐标]"))
}

/// Decodes a text file: UTF-8 (a BOM is dropped), else GB18030 (a superset of GBK and GB2312).
/// Returns a note when the text was not UTF-8.
fn decode_text(bytes: &[u8], file: &str) -> Result<(String, Option<String>), SiteError> {
    let line_at = |offset: usize| {
        1 + bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    };
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(SiteError::NotText {
            file: file.to_string(),
            line: line_at(nul),
            why: "it holds binary data (a NUL byte)".into(),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), None)),
        Err(utf8) => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(text) => Ok((
                    text.into_owned(),
                    Some("the file is not UTF-8; decoded as GB18030 (GBK)".into()),
                )),
                None => Err(SiteError::NotText {
                    file: file.to_string(),
                    line: line_at(utf8.valid_up_to()),
                    why: "neither UTF-8 nor GBK/GB18030".into(),
                }),
            }
        }
    }
}

/// Kinds a site geometry may have; a site holds one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Points,
    Lines,
    Polygons,
}

impl Kind {
    fn of(g: &Geometry<f64>) -> Option<Kind> {
        match g {
            Geometry::Point(_) | Geometry::MultiPoint(_) => Some(Kind::Points),
            Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => {
                Some(Kind::Lines)
            }
            Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_) => Some(Kind::Polygons),
            Geometry::GeometryCollection(_) => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Kind::Points => "points",
            Kind::Lines => "lines",
            Kind::Polygons => "polygons",
        }
    }
}

/// Merges the geometries of several features/records/parts (each with the place it came from)
/// into one: one part stays as it is, several become a Multi* of their kind. Geometry
/// collections are flattened. Mixed kinds are an error naming the first part of each kind.
fn merge(
    file: &str,
    parts: Vec<(Geometry<f64>, String)>,
    what: &str,
    notes: &mut Vec<String>,
) -> Result<Geometry<f64>, SiteError> {
    let mut flat: Vec<(Geometry<f64>, String)> = Vec::with_capacity(parts.len());
    for (g, place) in parts {
        flatten(g, &place, &mut flat);
    }
    let count = flat.len();
    let mut first: Option<(Kind, String)> = None;
    for (g, place) in &flat {
        let Some(kind) = Kind::of(g) else { continue };
        match &first {
            None => first = Some((kind, place.clone())),
            Some((k, first_place)) if *k != kind => {
                return Err(SiteError::MixedKinds {
                    file: file.to_string(),
                    first_kind: k.words(),
                    first_place: first_place.clone(),
                    other_kind: kind.words(),
                    other_place: place.clone(),
                });
            }
            Some(_) => {}
        }
    }
    let Some((kind, _)) = first else {
        return Err(SiteError::NoGeometry {
            file: file.to_string(),
            why: format!("no {what} with a geometry"),
        });
    };
    if count == 1
        && let Some((g, _)) = flat.pop()
    {
        return Ok(g);
    }
    let merged: Geometry<f64> = match kind {
        Kind::Points => {
            let mut points: Vec<Point<f64>> = Vec::new();
            for (g, _) in flat {
                match g {
                    Geometry::Point(p) => points.push(p),
                    Geometry::MultiPoint(mp) => points.extend(mp.0),
                    _ => {}
                }
            }
            MultiPoint(points).into()
        }
        Kind::Lines => {
            let mut lines: Vec<LineString<f64>> = Vec::new();
            for (g, _) in flat {
                match g {
                    Geometry::Line(l) => lines.push(l.into()),
                    Geometry::LineString(l) => lines.push(l),
                    Geometry::MultiLineString(ml) => lines.extend(ml.0),
                    _ => {}
                }
            }
            MultiLineString(lines).into()
        }
        Kind::Polygons => {
            let mut polygons: Vec<Polygon<f64>> = Vec::new();
            for (g, _) in flat {
                match g {
                    Geometry::Polygon(p) => polygons.push(p),
                    Geometry::MultiPolygon(mp) => polygons.extend(mp.0),
                    Geometry::Rect(r) => polygons.push(r.to_polygon()),
                    Geometry::Triangle(t) => polygons.push(t.to_polygon()),
                    _ => {}
                }
            }
            MultiPolygon(polygons).into()
        }
    };
    notes.push(format!(
        "{count} {what} merged into one {}",
        geometry_name(&merged)
    ));
    Ok(merged)
}

fn flatten(g: Geometry<f64>, place: &str, out: &mut Vec<(Geometry<f64>, String)>) {
    match g {
        Geometry::GeometryCollection(gc) => {
            for (i, g) in gc.0.into_iter().enumerate() {
                flatten(g, &format!("{place}, member {}", i + 1), out);
            }
        }
        g => out.push((g, place.to_string())),
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

/// Checks a geometry a library built: every number finite, not too many vertices.
fn check_coordinates(g: &Geometry<f64>, file: &str) -> Result<(), SiteError> {
    let mut count = 0usize;
    for (i, c) in g.coords_iter().enumerate() {
        count += 1;
        if count > MAX_READ_VERTICES {
            return Err(SiteError::TooManyVertices {
                file: file.to_string(),
                limit: MAX_READ_VERTICES,
            });
        }
        for (value, axis) in [(c.x, "x"), (c.y, "y")] {
            if !value.is_finite() {
                return Err(SiteError::BadNumber {
                    file: file.to_string(),
                    place: format!("position {}", i + 1),
                    field: format!("coordinate {axis}"),
                    value: value.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Builds polygons from rings listed in order, for formats that do not mark holes by winding
/// (coordinate tables, 电子报盘 TXT): a ring inside an earlier polygon's outer ring, and not inside
/// one of its holes, is a hole of the latest such polygon; any other ring starts a new polygon.
/// Returns the polygons and, per input ring, whether it was taken as a hole.
fn rings_to_polygons(rings: Vec<LineString<f64>>) -> (Vec<Polygon<f64>>, Vec<bool>) {
    let mut polygons: Vec<Polygon<f64>> = Vec::new();
    let mut holes = Vec::with_capacity(rings.len());
    for ring in rings {
        let host = polygons.iter().rposition(|p| {
            Polygon::new(p.exterior().clone(), vec![]).contains(&ring)
                && !p
                    .interiors()
                    .iter()
                    .any(|h| Polygon::new(h.clone(), vec![]).contains(&ring))
        });
        match host.and_then(|i| polygons.get_mut(i)) {
            Some(p) => {
                p.interiors_push(ring);
                holes.push(true);
            }
            None => {
                polygons.push(Polygon::new(ring, vec![]));
                holes.push(false);
            }
        }
    }
    (polygons, holes)
}

/// Builds polygons from rings whose role is known (shapefile winding): each inner ring goes to
/// the smallest outer ring that contains it. An inner ring inside no outer ring is taken as an
/// outer ring (a common export fault), with a note.
fn assign_holes(
    outers: Vec<LineString<f64>>,
    inners: Vec<(LineString<f64>, String)>,
    notes: &mut Vec<String>,
) -> Vec<Polygon<f64>> {
    let mut polygons: Vec<Polygon<f64>> = outers
        .into_iter()
        .map(|r| Polygon::new(r, vec![]))
        .collect();
    let outer_count = polygons.len();
    for (ring, place) in inners {
        let host = polygons
            .iter()
            .take(outer_count)
            .enumerate()
            .filter(|(_, p)| p.contains(&ring))
            .min_by(|(_, a), (_, b)| a.unsigned_area().total_cmp(&b.unsigned_area()))
            .map(|(i, _)| i);
        match host.and_then(|i| polygons.get_mut(i)) {
            Some(p) => p.interiors_push(ring),
            None => {
                notes.push(format!(
                    "{place} is wound as a hole (counter-clockwise) but lies in no outer ring: taken as an outer ring"
                ));
                polygons.push(Polygon::new(ring, vec![]));
            }
        }
    }
    polygons
}

/// Parses a coordinate cell: a finite decimal number.
fn parse_number(cell: &str) -> Option<f64> {
    let v: f64 = cell.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// The closure test used by text formats: the last position equals the first.
fn is_closed(coords: &[Coord<f64>]) -> bool {
    coords.len() > 1 && coords.first() == coords.last()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn site_hole_inside_previous_ring() {
        let outer = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)];
        let hole = polygon![(x: 2., y: 2.), (x: 4., y: 2.), (x: 4., y: 4.), (x: 2., y: 4.)];
        let island = polygon![(x: 2.5, y: 2.5), (x: 3., y: 2.5), (x: 3., y: 3.), (x: 2.5, y: 3.)];
        let apart = polygon![(x: 20., y: 0.), (x: 30., y: 0.), (x: 30., y: 10.), (x: 20., y: 10.)];
        let rings = vec![
            outer.exterior().clone(),
            hole.exterior().clone(),
            island.exterior().clone(),
            apart.exterior().clone(),
        ];
        let (polys, holes) = rings_to_polygons(rings);
        assert_eq!(holes, vec![false, true, false, false]);
        assert_eq!(polys.len(), 3);
        assert_eq!(polys[0].interiors().len(), 1);
    }

    #[test]
    fn site_merge_mixed_kinds_is_an_error() {
        let parts = vec![
            (Geometry::Point(Point::new(1., 2.)), "feature 1".to_string()),
            (
                Geometry::LineString(LineString::from(vec![(0., 0.), (1., 1.)])),
                "feature 2".to_string(),
            ),
        ];
        let err = merge("f", parts, "features", &mut vec![]).unwrap_err();
        assert_eq!(err.code(), "E-SITE-MIXED-KINDS");
        assert!(err.to_string().contains("feature 2"), "{err}");
    }

    #[test]
    fn site_decode_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("坐标系=2000国家大地坐标系");
        let (text, note) = decode_text(&gbk, "f").unwrap();
        assert_eq!(text, "坐标系=2000国家大地坐标系");
        assert!(note.is_some());
        assert_eq!(
            decode_text(b"a\nb\0", "f").unwrap_err().code(),
            "E-SITE-NOT-TEXT"
        );
    }

    #[test]
    fn site_extension_table() {
        assert_eq!(format_from_extension("geojson"), Some(SiteFormat::GeoJson));
        assert_eq!(format_from_extension("dwg"), None);
    }
}
