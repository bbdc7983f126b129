//! Reading batch input: CSV rows and GeoJSON features, each turned into a project JSON value of
//! the shape `docs/project.md` describes, so that the one project parser validates everything.
//!
//! A CSV file is streamed record by record; a GeoJSON file is read whole (it is one JSON
//! document). Column names are checked once, against the rule set's schema, before any row.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::compile::{FactType, Schema};

use super::{BatchError, Problem};

/// Largest GeoJSON input read, bytes (it is held in memory whole).
pub const MAX_GEOJSON_BYTES: u64 = 1 << 30;

/// The emission figures a `<pollutant>.<figure>` column may name.
const FIGURES: [&str; 3] = ["total", "increase", "offset"];

/// The input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A CSV table with a header row, one project per row.
    Csv,
    /// A GeoJSON FeatureCollection, one project per feature.
    GeoJson,
}

impl InputFormat {
    /// The format a file name suggests: `.csv`, `.geojson` or `.json`.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "geojson" | "json" => Some(Self::GeoJson),
            _ => None,
        }
    }
}

/// One input row turned into a project value, with what is needed to name it in results.
#[derive(Debug, Clone)]
pub struct RowInput {
    /// Position among the data rows (or features), from 1.
    pub row: u64,
    /// CSV: the file line the record starts on (the header is line 1).
    pub line: Option<u64>,
    /// GeoJSON: the index of the feature in `features`, from 0.
    pub feature: Option<u64>,
    /// The row's `id`, as written.
    pub id: Option<String>,
    /// The project JSON value built from the row.
    pub project: Value,
    /// Problems found while building the value (before the project parser ran).
    pub problems: Vec<Problem>,
    /// Project field path prefixes and the input column each came from.
    origins: Vec<(String, String)>,
}

impl RowInput {
    /// The input column (CSV column or GeoJSON property path) a project field came from, e.g.
    /// `facts.fuel` → `fuel`, `emissions.VOCs.total` → `VOCs.total`,
    /// `location.coordinates[0]` → `lon`.
    pub fn column_of(&self, field: &str) -> Option<String> {
        let matches = |prefix: &str| {
            field == prefix
                || field
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        if let Some((_, column)) = self
            .origins
            .iter()
            .filter(|(p, _)| matches(p))
            .max_by_key(|(p, _)| p.len())
        {
            return Some(column.clone());
        }
        if field.starts_with('(') {
            return None;
        }
        // A field the row did not state (e.g. a missing `nature`): the column that would.
        let head = field.split(['.', '[']).next().unwrap_or(field);
        match head {
            "facts" | "emissions" => Some(field.split_once('.').map_or(field, |(_, r)| r).into()),
            other => Some(other.to_string()),
        }
    }
}

/// Where a column's value goes in the project value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Target {
    Id,
    Name,
    Nature,
    Industry,
    InPark,
    Accuracy,
    Crs,
    AxisOrder,
    Note,
    Wkt,
    Lon,
    Lat,
    Emission(String, &'static str),
    Fact(String),
    /// GeoJSON only: a nested `facts` object.
    FactsObject,
    /// GeoJSON only: a nested `emissions` object.
    EmissionsObject,
}

/// Which input column names a project field; `nested` also accepts `facts` and `emissions`
/// objects (GeoJSON properties).
fn resolve(name: &str, schema: &Schema, nested: bool) -> Option<Target> {
    let fixed = match name {
        "id" => Some(Target::Id),
        "name" => Some(Target::Name),
        "nature" => Some(Target::Nature),
        "industry" => Some(Target::Industry),
        "in_park" => Some(Target::InPark),
        "accuracy_m" => Some(Target::Accuracy),
        "crs" => Some(Target::Crs),
        "axis_order" => Some(Target::AxisOrder),
        "note" => Some(Target::Note),
        "wkt" => Some(Target::Wkt),
        "lon" => Some(Target::Lon),
        "lat" => Some(Target::Lat),
        "facts" if nested => Some(Target::FactsObject),
        "emissions" if nested => Some(Target::EmissionsObject),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let fact = name.strip_prefix("facts.").unwrap_or(name);
    if let Some(def) = schema.fact_id(fact).and_then(|id| schema.fact(id))
        && !def.builtin
    {
        return Some(Target::Fact(fact.to_string()));
    }
    let emission = name.strip_prefix("emissions.").unwrap_or(name);
    let (pollutant, figure) = emission.rsplit_once('.')?;
    let figure = FIGURES.iter().copied().find(|f| *f == figure)?;
    schema
        .pollutant_id(pollutant)
        .map(|_| Target::Emission(pollutant.to_string(), figure))
}

/// The accepted columns, for a help message.
fn accepted_columns(schema: &Schema, nested: bool) -> String {
    let facts: Vec<&str> = schema
        .facts
        .iter()
        .filter(|f| !f.builtin)
        .map(|f| f.name.as_str())
        .collect();
    let mut s = String::from(
        "id, name, wkt or lon and lat, nature, industry, in_park, accuracy_m, crs, axis_order, note; ",
    );
    if nested {
        s.push_str("facts and emissions objects; ");
    }
    s.push_str(&format!(
        "facts (also as facts.<name>): {}; emissions: <pollutant>.total, .increase or .offset for {}",
        facts.join(", "),
        schema.pollutants.join(", ")
    ));
    s
}

/// A known column a misspelt one probably means: the same up to case, or one name a prefix of
/// the other (`coal_boiler` → `coal_boiler_t_h`, `VOCs` → `VOCs.total`).
fn suggest_column(name: &str, schema: &Schema) -> Option<String> {
    let fixed = [
        "id",
        "name",
        "nature",
        "industry",
        "in_park",
        "accuracy_m",
        "crs",
        "axis_order",
        "note",
        "wkt",
        "lon",
        "lat",
    ];
    let candidates = fixed
        .iter()
        .map(|s| s.to_string())
        .chain(
            schema
                .facts
                .iter()
                .filter(|f| !f.builtin)
                .map(|f| f.name.clone()),
        )
        .chain(
            schema
                .pollutants
                .iter()
                .flat_map(|p| FIGURES.iter().map(move |f| format!("{p}.{f}"))),
        );
    let lower = name.to_lowercase();
    let mut prefix = None;
    for c in candidates {
        let cl = c.to_lowercase();
        if cl == lower {
            return Some(c);
        }
        if prefix.is_none()
            && lower.chars().count() >= 3
            && (cl.starts_with(&lower) || lower.starts_with(&cl))
        {
            prefix = Some(c);
        }
    }
    prefix
}

/// Splits a list cell (industry codes, set facts) on `;` `,` `、` `；` `，` and white space.
fn split_list(text: &str) -> Value {
    Value::Array(
        text.split(|c: char| matches!(c, ';' | ',' | '、' | '；' | '，') || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    )
}

/// Excel writes `TRUE`/`FALSE`: yes/no words are passed lower-cased; anything else as written,
/// for the project parser to judge.
fn bool_text(text: &str) -> Value {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "true" | "false" | "yes" | "no" => Value::String(lower),
        _ => Value::String(text.to_string()),
    }
}

fn is_list_fact(schema: &Schema, fact: &str) -> bool {
    schema
        .fact_id(fact)
        .and_then(|id| schema.fact(id))
        .is_some_and(|d| matches!(d.ty, FactType::Set(_)))
}

fn is_bool_fact(schema: &Schema, fact: &str) -> bool {
    schema
        .fact_id(fact)
        .and_then(|id| schema.fact(id))
        .is_some_and(|d| matches!(d.ty, FactType::Bool))
}

/// Builds one project value from a row's cells.
struct Builder<'s> {
    schema: &'s Schema,
    obj: Map<String, Value>,
    facts: Map<String, Value>,
    emissions: Map<String, Value>,
    origins: Vec<(String, String)>,
    problems: Vec<Problem>,
    id: Option<String>,
    wkt: Option<(Value, String)>,
    lon: Option<(Value, String)>,
    lat: Option<(Value, String)>,
    geometry: Option<Value>,
    /// The column to name when the row gives no location at all.
    location_columns: &'s str,
}

impl<'s> Builder<'s> {
    fn new(schema: &'s Schema, location_columns: &'s str) -> Self {
        Builder {
            schema,
            obj: Map::new(),
            facts: Map::new(),
            emissions: Map::new(),
            origins: Vec::new(),
            problems: Vec::new(),
            id: None,
            wkt: None,
            lon: None,
            lat: None,
            geometry: None,
            location_columns,
        }
    }

    fn problem(&mut self, column: &str, field: &str, message: String, help: Option<&str>) {
        self.problems.push(Problem {
            column: Some(column.to_string()),
            field: field.to_string(),
            message,
            help: help.map(str::to_string),
        });
    }

    fn twice(&mut self, column: &str, field: &str) {
        self.problem(
            column,
            field,
            format!("`{field}` is given twice"),
            Some("give each field once, either flat or nested"),
        );
    }

    /// A cell given as text (CSV, or a string GeoJSON property); empty = not stated.
    fn text(&mut self, target: &Target, column: &str, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let value = match target {
            Target::Industry => split_list(text),
            Target::Fact(f) if is_list_fact(self.schema, f) => split_list(text),
            Target::InPark => bool_text(text),
            Target::Fact(f) if is_bool_fact(self.schema, f) => bool_text(text),
            _ => Value::String(text.to_string()),
        };
        self.value(target, column, value);
    }

    /// A cell given as a JSON value (GeoJSON properties); strings go through [`Self::text`].
    fn json(&mut self, target: &Target, column: &str, value: &Value) {
        match (target, value) {
            (_, Value::Null) => {}
            (Target::Lon | Target::Lat, Value::String(s)) if s.trim().is_empty() => {}
            (Target::FactsObject | Target::EmissionsObject, Value::String(_))
            | (Target::Lon | Target::Lat, _) => self.value(target, column, value.clone()),
            (_, Value::String(s)) => self.text(target, column, s),
            (Target::FactsObject, Value::Object(m)) => {
                for (k, v) in m {
                    if !v.is_null() {
                        self.fact(k, &format!("{column}.{k}"), v.clone());
                    }
                }
            }
            (Target::EmissionsObject, Value::Object(m)) => {
                for (pollutant, figures) in m {
                    let col = format!("{column}.{pollutant}");
                    match figures {
                        Value::Object(f) => {
                            for (k, v) in f {
                                if !v.is_null() {
                                    self.emission(pollutant, k, &format!("{col}.{k}"), v.clone());
                                }
                            }
                        }
                        Value::Null => {}
                        // Not an object: passed on for the project parser to explain.
                        other => {
                            let field = format!("emissions.{pollutant}");
                            if self.emissions.contains_key(pollutant) {
                                self.twice(&col, &field);
                            } else {
                                self.emissions.insert(pollutant.clone(), other.clone());
                                self.origins.push((field, col));
                            }
                        }
                    }
                }
            }
            _ => self.value(target, column, value.clone()),
        }
    }

    fn fact(&mut self, name: &str, column: &str, value: Value) {
        let field = format!("facts.{name}");
        if self.facts.contains_key(name) {
            self.twice(column, &field);
            return;
        }
        self.facts.insert(name.to_string(), value);
        self.origins.push((field, column.to_string()));
    }

    fn emission(&mut self, pollutant: &str, figure: &str, column: &str, value: Value) {
        let field = format!("emissions.{pollutant}.{figure}");
        let slot = self
            .emissions
            .entry(pollutant.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        match slot {
            Value::Object(m) if !m.contains_key(figure) => {
                m.insert(figure.to_string(), value);
                self.origins.push((field, column.to_string()));
            }
            _ => self.twice(column, &field),
        }
    }

    fn top(&mut self, key: &str, column: &str, value: Value) {
        if self.obj.contains_key(key) {
            self.twice(column, key);
            return;
        }
        self.obj.insert(key.to_string(), value);
        self.origins.push((key.to_string(), column.to_string()));
    }

    fn value(&mut self, target: &Target, column: &str, value: Value) {
        let column_owned = column.to_string();
        match target {
            Target::Id => {
                let id = match &value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if self.id.is_some() {
                    self.twice(column, "id");
                    return;
                }
                self.id = Some(id.clone());
                self.top("id", column, Value::String(id));
            }
            Target::Name => self.top("name", column, value),
            Target::Nature => self.top("nature", column, value),
            Target::Industry => self.top("industry", column, value),
            Target::InPark => self.top("in_park", column, value),
            Target::Accuracy => self.top("accuracy_m", column, value),
            Target::Crs => self.top("crs", column, value),
            Target::AxisOrder => self.top("axis_order", column, value),
            Target::Note => self.top("note", column, value),
            Target::Wkt => self.wkt = Some((value, column_owned)),
            Target::Lon => self.lon = Some((value, column_owned)),
            Target::Lat => self.lat = Some((value, column_owned)),
            Target::Emission(p, f) => self.emission(p, f, column, value),
            Target::Fact(f) => self.fact(f, column, value),
            // A nested object given as something else: the parser explains.
            Target::FactsObject => self.top("facts", column, value),
            Target::EmissionsObject => self.top("emissions", column, value),
        }
    }

    /// A coordinate from a `lon` or `lat` cell.
    fn coordinate(&mut self, cell: &(Value, String), index: usize) -> Option<f64> {
        let field = format!("location.coordinates[{index}]");
        let (value, column) = cell;
        let parsed = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                let shown = match value {
                    Value::String(s) => s.trim().to_string(),
                    other => other.to_string(),
                };
                let what = if index == 0 { "longitude" } else { "latitude" };
                self.problem(
                    column,
                    &field,
                    format!("`{shown}` is not a number"),
                    Some(&format!(
                        "the {what} in decimal degrees, e.g. 118.78 / 32.04"
                    )),
                );
                None
            }
        }
    }

    fn location(&mut self) {
        let lonlat = self.lon.is_some() || self.lat.is_some();
        if let Some(geometry) = self.geometry.take() {
            if let Some((_, column)) = self.wkt.clone().or(self.lon.clone()).or(self.lat.clone()) {
                self.problem(
                    &column,
                    "location",
                    "the feature has a geometry and location columns".into(),
                    Some("give the location once: the feature's geometry or `wkt` or `lon`/`lat`"),
                );
                return;
            }
            self.obj.insert("location".into(), geometry);
            self.origins.push(("location".into(), "geometry".into()));
            return;
        }
        if let Some((wkt, column)) = self.wkt.clone() {
            if lonlat {
                self.problem(
                    &column,
                    "location",
                    "both `wkt` and `lon`/`lat` are given".into(),
                    Some("give the location once: `wkt` or `lon` and `lat`"),
                );
                return;
            }
            self.obj.insert("location".into(), wkt);
            self.origins.push(("location".into(), column));
            return;
        }
        match (self.lon.clone(), self.lat.clone()) {
            (Some(lon), Some(lat)) => {
                let x = self.coordinate(&lon, 0);
                let y = self.coordinate(&lat, 1);
                if let (Some(x), Some(y)) = (x, y) {
                    self.obj.insert(
                        "location".into(),
                        serde_json::json!({"type": "Point", "coordinates": [x, y]}),
                    );
                    self.origins
                        .push(("location".into(), format!("{}/{}", lon.1, lat.1)));
                    self.origins
                        .push(("location.coordinates[0]".into(), lon.1.clone()));
                    self.origins
                        .push(("location.coordinates[1]".into(), lat.1.clone()));
                }
            }
            (Some((_, given)), None) | (None, Some((_, given))) => {
                let other = if given.ends_with("lon") { "lat" } else { "lon" };
                self.problem(
                    other,
                    "location",
                    format!("`{other}` is empty while `{given}` is given"),
                    Some("a point needs both `lon` and `lat`"),
                );
            }
            (None, None) => {
                self.origins
                    .push(("location".into(), self.location_columns.to_string()));
            }
        }
    }

    fn finish(mut self, row: u64, line: Option<u64>, feature: Option<u64>) -> RowInput {
        self.location();
        match &self.id {
            None => {
                self.problem(
                    "id",
                    "id",
                    "is empty".into(),
                    Some("every row needs an `id`; results are reported by it"),
                );
                // The row fails on its id; a missing name would only repeat that.
                if !self.obj.contains_key("name") {
                    self.obj
                        .insert("name".into(), Value::String(format!("row {row}")));
                }
            }
            Some(id) if !self.obj.contains_key("name") => {
                let id = id.clone();
                self.obj.insert("name".into(), Value::String(id));
                self.origins.push(("name".into(), "id".into()));
            }
            Some(_) => {}
        }
        if !self.facts.is_empty() {
            let facts = std::mem::take(&mut self.facts);
            match self.obj.get_mut("facts") {
                Some(_) => self.twice("facts", "facts"),
                None => {
                    self.obj.insert("facts".into(), Value::Object(facts));
                }
            }
        }
        if !self.emissions.is_empty() {
            let emissions = std::mem::take(&mut self.emissions);
            match self.obj.get_mut("emissions") {
                Some(_) => self.twice("emissions", "emissions"),
                None => {
                    self.obj
                        .insert("emissions".into(), Value::Object(emissions));
                }
            }
        }
        RowInput {
            row,
            line,
            feature,
            id: self.id,
            project: Value::Object(self.obj),
            problems: self.problems,
            origins: self.origins,
        }
    }
}

/// What a progress display counts: bytes of a streamed file, or rows of one read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnit {
    Bytes,
    Rows,
}

/// The rows of a batch input, in order. Created by [`Rows::open`].
pub struct Rows {
    inner: Inner,
    schema: Schema,
    path: PathBuf,
    rows: u64,
    total: u64,
}

enum Inner {
    Csv {
        reader: Box<csv::Reader<Box<dyn Read + Send>>>,
        targets: Vec<Target>,
        columns: Vec<String>,
        location_columns: String,
        record: csv::ByteRecord,
    },
    GeoJson {
        features: std::vec::IntoIter<Value>,
        next_index: u64,
    },
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

/// Largest CSV decoded from GB18030/GBK in memory.
const MAX_GBK_BYTES: u64 = 512 << 20;

/// The CSV as UTF-8: as it is when its first 64 KiB are UTF-8 (streamed); otherwise, if the
/// whole file decodes as GB18030 (GBK, what Excel writes on Chinese Windows) without a single
/// invalid sequence, the decoded text (in memory, up to 512 MiB); else the file is refused
/// later with the line of its first non-UTF-8 byte. Returns the reader and its length in bytes.
fn utf8_input(
    path: &Path,
    mut file: File,
    size: u64,
) -> Result<(Box<dyn Read + Send>, u64), BatchError> {
    let read_err = |source| BatchError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::new();
    (&mut file)
        .take(64 << 10)
        .read_to_end(&mut head)
        .map_err(read_err)?;
    let utf8 = match std::str::from_utf8(&head) {
        Ok(_) => true,
        // Cut in the middle of a character at the end of the sample: still UTF-8.
        Err(e) => e.error_len().is_none(),
    };
    if utf8 || size > MAX_GBK_BYTES {
        let rest = BufReader::with_capacity(1 << 16, file);
        return Ok((Box::new(std::io::Cursor::new(head).chain(rest)), size));
    }
    let mut bytes = head;
    file.read_to_end(&mut bytes).map_err(read_err)?;
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes) {
        Some(text) => {
            let text = text.into_owned().into_bytes();
            let len = text.len() as u64;
            Ok((Box::new(std::io::Cursor::new(text)), len))
        }
        // Neither UTF-8 nor GB18030: the reader reports the first bad line.
        None => Ok((Box::new(std::io::Cursor::new(bytes)), size)),
    }
}

impl Rows {
    /// Opens an input and checks its header (CSV) or its structure and property names
    /// (GeoJSON) against the schema.
    ///
    /// # Errors
    /// The file cannot be read, is not UTF-8 CSV with a usable header, or is not a GeoJSON
    /// FeatureCollection whose properties the schema knows.
    pub fn open(path: &Path, format: InputFormat, schema: &Schema) -> Result<Self, BatchError> {
        let open_err = |source| BatchError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(open_err)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        match format {
            InputFormat::Csv => Self::open_csv(path, file, size, schema),
            InputFormat::GeoJson => Self::open_geojson(path, file, size, schema),
        }
    }

    fn open_csv(path: &Path, file: File, size: u64, schema: &Schema) -> Result<Self, BatchError> {
        let (input, size) = utf8_input(path, file, size)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // `\n` alone ends a record, so that line numbers are right in CRLF files too (the
            // csv crate counts a CRLF record's start on the line before); the `\r` left at
            // the end of the last cell is trimmed with the rest of the white space.
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(input);
        let mut header = csv::ByteRecord::new();
        let got = reader
            .read_byte_record(&mut header)
            .map_err(|e| csv_error(path, &e))?;
        if !got {
            return Err(BatchError::EmptyInput {
                path: path.to_path_buf(),
            });
        }
        let mut columns = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let raw = if i == 0 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            let name = std::str::from_utf8(raw).map_err(|_| BatchError::NotUtf8 {
                path: path.to_path_buf(),
                line: 1,
            })?;
            columns.push(name.trim().to_string());
        }
        let mut targets = Vec::with_capacity(columns.len());
        let mut seen: HashMap<Target, usize> = HashMap::new();
        for (i, name) in columns.iter().enumerate() {
            if name.is_empty() {
                return Err(BatchError::UnnamedColumn { index: i + 1 });
            }
            let Some(t) = resolve(name, schema, false) else {
                return Err(BatchError::UnknownColumn {
                    column: name.clone(),
                    suggestion: suggest_column(name, schema),
                    accepted: accepted_columns(schema, false),
                });
            };
            if let Some(first) = seen.insert(t.clone(), i) {
                return Err(BatchError::DuplicateColumn {
                    column: name.clone(),
                    first: columns.get(first).cloned().unwrap_or_default(),
                });
            }
            targets.push(t);
        }
        let has = |t: Target| targets.contains(&t);
        let location_columns = match (has(Target::Wkt), has(Target::Lon), has(Target::Lat)) {
            (_, true, false) => {
                return Err(BatchError::HalfPoint {
                    given: "lon",
                    missing: "lat",
                });
            }
            (_, false, true) => {
                return Err(BatchError::HalfPoint {
                    given: "lat",
                    missing: "lon",
                });
            }
            (false, false, false) => {
                return Err(BatchError::NoGeometry {
                    accepted: accepted_columns(schema, false),
                });
            }
            (true, true, true) => "wkt or lon/lat",
            (true, false, false) => "wkt",
            (false, true, true) => "lon/lat",
        }
        .to_string();
        if !has(Target::Id) {
            return Err(BatchError::NoId {
                accepted: accepted_columns(schema, false),
            });
        }
        Ok(Rows {
            inner: Inner::Csv {
                reader: Box::new(reader),
                targets,
                columns,
                location_columns,
                record: csv::ByteRecord::new(),
            },
            schema: schema.clone(),
            path: path.to_path_buf(),
            rows: 0,
            total: size,
        })
    }

    fn open_geojson(
        path: &Path,
        file: File,
        size: u64,
        schema: &Schema,
    ) -> Result<Self, BatchError> {
        if size > MAX_GEOJSON_BYTES {
            return Err(BatchError::GeoJson {
                path: path.to_path_buf(),
                message: format!(
                    "the file has {size} bytes, more than the limit of {MAX_GEOJSON_BYTES} for GeoJSON input (use CSV for larger batches)"
                ),
            });
        }
        let mut text = Vec::new();
        BufReader::new(file)
            .read_to_end(&mut text)
            .map_err(|source| BatchError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
        if let Err(e) = std::str::from_utf8(text) {
            let line = 1 + text
                .iter()
                .take(e.valid_up_to())
                .filter(|b| **b == b'\n')
                .count() as u64;
            return Err(BatchError::NotUtf8 {
                path: path.to_path_buf(),
                line,
            });
        }
        let geojson_err = |message: String| BatchError::GeoJson {
            path: path.to_path_buf(),
            message,
        };
        let value: Value = serde_json::from_slice(text).map_err(|e| {
            geojson_err(format!(
                "not valid JSON at line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        let Value::Object(mut top) = value else {
            return Err(geojson_err("the top level is not a JSON object".into()));
        };
        match top.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => {}
            Some(other) => {
                return Err(geojson_err(format!(
                    "the top level is a `{other}`, not a `FeatureCollection`"
                )));
            }
            None => return Err(geojson_err("the top level has no `type`".into())),
        }
        let features = match top.remove("features") {
            Some(Value::Array(f)) => f,
            _ => return Err(geojson_err("`features` is not an array".into())),
        };
        // Property names are a file's schema (GIS attribute tables share one): check them all
        // before any row, as for a CSV header.
        for (i, f) in features.iter().enumerate() {
            if let Some(Value::Object(props)) = f.get("properties") {
                for k in props.keys() {
                    if resolve(k, schema, true).is_none() {
                        return Err(BatchError::UnknownProperty {
                            property: k.clone(),
                            suggestion: suggest_column(k, schema),
                            feature: i,
                            accepted: accepted_columns(schema, true),
                        });
                    }
                }
            }
        }
        let total = features.len() as u64;
        Ok(Rows {
            inner: Inner::GeoJson {
                features: features.into_iter(),
                next_index: 0,
            },
            schema: schema.clone(),
            path: path.to_path_buf(),
            rows: 0,
            total,
        })
    }

    /// What [`Self::progress_position`] and [`Self::progress_total`] count.
    pub fn progress_unit(&self) -> ProgressUnit {
        match self.inner {
            Inner::Csv { .. } => ProgressUnit::Bytes,
            Inner::GeoJson { .. } => ProgressUnit::Rows,
        }
    }

    /// How far the input has been read: bytes (CSV) or features (GeoJSON).
    pub fn progress_position(&self) -> u64 {
        match &self.inner {
            Inner::Csv { reader, .. } => reader.position().byte(),
            Inner::GeoJson { next_index, .. } => *next_index,
        }
    }

    /// The input's size: bytes (CSV) or features (GeoJSON).
    pub fn progress_total(&self) -> u64 {
        self.total
    }

    /// The input format.
    pub fn format(&self) -> InputFormat {
        match self.inner {
            Inner::Csv { .. } => InputFormat::Csv,
            Inner::GeoJson { .. } => InputFormat::GeoJson,
        }
    }

    /// The next row, `None` at the end.
    ///
    /// # Errors
    /// The file can no longer be read, or a line is not UTF-8: the input as a whole is
    /// unusable (a row's own problems are in [`RowInput::problems`] instead).
    pub fn next_row(&mut self) -> Option<Result<RowInput, BatchError>> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                targets,
                columns,
                location_columns,
                record,
            } => loop {
                let line = reader.position().line();
                match reader.read_byte_record(record) {
                    Ok(false) => return None,
                    Err(e) => return Some(Err(csv_error(&self.path, &e))),
                    Ok(true) => {}
                }
                let line = record.position().map_or(line, csv::Position::line);
                if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                    continue;
                }
                self.rows += 1;
                let mut b = Builder::new(&self.schema, location_columns);
                for (i, raw) in record.iter().enumerate() {
                    let Ok(text) = std::str::from_utf8(raw) else {
                        return Some(Err(BatchError::NotUtf8 {
                            path: self.path.clone(),
                            line,
                        }));
                    };
                    if let (Some(t), Some(c)) = (targets.get(i), columns.get(i)) {
                        b.text(t, c, text);
                    }
                }
                if record.len() != targets.len() {
                    b.problems.push(Problem {
                        column: None,
                        field: "(row)".into(),
                        message: format!(
                            "the row has {} fields, the header has {}",
                            record.len(),
                            targets.len()
                        ),
                        help: Some("quote cells that contain commas".into()),
                    });
                }
                return Some(Ok(b.finish(self.rows, Some(line), None)));
            },
            Inner::GeoJson {
                features,
                next_index,
            } => {
                let feature = features.next()?;
                let index = *next_index;
                *next_index += 1;
                self.rows += 1;
                Some(Ok(feature_row(&self.schema, &feature, self.rows, index)))
            }
        }
    }
}

impl Iterator for Rows {
    type Item = Result<RowInput, BatchError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> BatchError {
    let line = e.position().map(csv::Position::line);
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => BatchError::NotUtf8 {
            path: path.to_path_buf(),
            line: line.unwrap_or(0),
        },
        csv::ErrorKind::Io(io) => BatchError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        _ => BatchError::Csv {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        },
    }
}

/// One GeoJSON feature as a row: its geometry is the location, its properties the fields,
/// flat (CSV column names) or nested (`facts`, `emissions` objects).
fn feature_row(schema: &Schema, feature: &Value, row: u64, index: u64) -> RowInput {
    let mut b = Builder::new(schema, "geometry");
    let Some(obj) = feature.as_object() else {
        b.problem(
            "(feature)",
            "(feature)",
            "the feature is not a JSON object".into(),
            None,
        );
        return b.finish(row, None, Some(index));
    };
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        b.problem(
            "type",
            "(feature)",
            "is not a GeoJSON `Feature`".into(),
            Some("each element of `features` is {\"type\": \"Feature\", \"geometry\": …, \"properties\": …}"),
        );
    }
    match obj.get("geometry") {
        None | Some(Value::Null) => {}
        Some(g) => b.geometry = Some(g.clone()),
    }
    let mut has_id_property = false;
    if let Some(props) = obj.get("properties") {
        match props {
            Value::Object(props) => {
                for (k, v) in props {
                    // Names were checked when the file was opened.
                    if let Some(t) = resolve(k, schema, true) {
                        has_id_property |= t == Target::Id && !v.is_null();
                        b.json(&t, &format!("properties.{k}"), v);
                    }
                }
            }
            Value::Null => {}
            _ => b.problem(
                "properties",
                "(feature)",
                "`properties` is not an object".into(),
                None,
            ),
        }
    }
    if !has_id_property && let Some(id) = obj.get("id").filter(|v| !v.is_null()) {
        b.json(&Target::Id, "id", id);
    }
    b.finish(row, None, Some(index))
}
