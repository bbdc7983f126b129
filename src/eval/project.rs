//! The project being checked (建设项目): its location, construction nature, industry codes,
//! park status, emissions and declared facts, read from JSON and checked against the rule set's
//! schema. See `docs/project.md` for the file format.

use std::fmt;

use geo::{
    Coord, CoordsIter, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point,
    Polygon, Validation,
};
use serde_json::{Map, Value};

use super::validity;
use crate::compile::industry::IndustryTable;
use crate::compile::quantity::{Dimension, measure};
use crate::compile::{
    EmissionFigure, FACT_IN_PARK, FACT_INDUSTRY, FACT_NATURE, FactType, NATURES, Schema,
};
use crate::crs::{AxisOrder, Crs};

/// A value a project states for a fact, normalised (numbers in the base unit).
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    Number(f64),
    Bool(bool),
    Enum(String),
    Set(Vec<String>),
    /// Normalised GB/T 4754 codes.
    Industry(Vec<String>),
}

/// A pollutant's three figures, t/a; any may be unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Emission {
    pub total: Option<f64>,
    pub increase: Option<f64>,
    pub offset: Option<f64>,
}

/// A project, validated against a rule set's schema.
#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    pub id: Option<String>,
    pub location: Geometry<f64>,
    /// Facts by [`crate::compile::FactId`]; `None` = not stated (unknown).
    pub facts: Vec<Option<FactValue>>,
    /// Emissions by pollutant index; `None` = pollutant not stated.
    pub emissions: Vec<Option<Emission>>,
    /// How far, in metres, the true site may lie from the stated location (0 = exact). A unit
    /// boundary or a distance threshold closer than this makes the affected result "needs
    /// review" rather than a confident answer.
    pub accuracy_m: f64,
}

impl Project {
    pub fn fact(&self, id: u32) -> Option<&FactValue> {
        self.facts.get(id as usize).and_then(Option::as_ref)
    }

    /// One of a pollutant's figures (t/a), if the project states it.
    pub fn emission(&self, pollutant: u32, figure: EmissionFigure) -> Option<f64> {
        let e = self.emissions.get(pollutant as usize).copied().flatten()?;
        match figure {
            EmissionFigure::Total => e.total,
            EmissionFigure::Increase => e.increase,
            EmissionFigure::Offset => e.offset,
        }
    }

    pub fn industry_codes(&self) -> &[String] {
        match self.fact(FACT_INDUSTRY) {
            Some(FactValue::Industry(c)) => c,
            _ => &[],
        }
    }
}

/// One problem with a project file: which field, what is wrong, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// JSON path of the field, e.g. `location.coordinates[0][3]`.
    pub field: String,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)?;
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

/// Why a project could not be used: every problem found in it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the project has {} problem(s): {}", .errors.len(), .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ProjectError {
    pub errors: Vec<FieldError>,
}

/// China's extent including the South China Sea islands, lon/lat degrees.
pub const CHINA_LON: (f64, f64) = (73.0, 136.0);
pub const CHINA_LAT: (f64, f64) = (3.0, 54.0);
/// Most vertices accepted in one project geometry.
pub const MAX_VERTICES: usize = 100_000;
/// Largest positional accuracy accepted, metres: beyond it a site is not located at all.
pub const MAX_ACCURACY_M: f64 = 10_000.0;
/// Longest WKT text accepted for a location, bytes.
const MAX_WKT_BYTES: usize = 16 << 20;

struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
            help: None,
        });
    }
    fn push_help(
        &mut self,
        field: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
            help: Some(help.into()),
        });
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a project from JSON text and checks it against the schema.
///
/// # Errors
/// Every problem found: missing or mistyped fields, unknown industry codes, facts or
/// pollutants, invalid geometry, coordinates outside China.
pub fn parse_project(text: &str, schema: &Schema) -> Result<Project, ProjectError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let what = full.strip_suffix(&position).unwrap_or(&full);
        ProjectError {
            errors: vec![FieldError {
                field: "(file)".into(),
                message: format!(
                    "not valid JSON at line {} column {}: {what}",
                    e.line(),
                    e.column()
                ),
                help: None,
            }],
        }
    })?;
    project_from_value(&value, schema)
}

/// Like [`parse_project`], from an already-parsed JSON value.
///
/// # Errors
/// See [`parse_project`].
pub fn project_from_value(value: &Value, schema: &Schema) -> Result<Project, ProjectError> {
    let mut errs = Errors(Vec::new());
    let Some(obj) = value.as_object() else {
        return Err(ProjectError {
            errors: vec![FieldError {
                field: "(file)".into(),
                message: format!("a project is a JSON object, found {}", type_name(value)),
                help: None,
            }],
        });
    };
    const KNOWN: [&str; 12] = [
        "name",
        "id",
        "nature",
        "industry",
        "location",
        "crs",
        "axis_order",
        "accuracy_m",
        "in_park",
        "emissions",
        "facts",
        "note",
    ];
    for k in obj.keys() {
        if !KNOWN.contains(&k.as_str()) {
            errs.push_help(
                k.clone(),
                "unknown field",
                format!(
                    "project fields are: {}; rule-set facts go under `facts`",
                    KNOWN.join(", ")
                ),
            );
        }
    }
    let mut facts: Vec<Option<FactValue>> = vec![None; schema.facts.len()];

    let name = match obj.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => {
            errs.push("name", "is empty");
            String::new()
        }
        Some(v) => {
            errs.push("name", format!("must be a string, found {}", type_name(v)));
            String::new()
        }
        None => {
            errs.push("name", "is missing");
            String::new()
        }
    };
    let id = match obj.get("id") {
        None | Some(Value::Null) => None,
        // An empty id is no id (the log counts projects by id).
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(v) => {
            errs.push("id", format!("must be a string, found {}", type_name(v)));
            None
        }
    };

    match obj.get("nature") {
        Some(Value::String(s)) => match normalise_nature(s) {
            Some(n) => facts[FACT_NATURE as usize] = Some(FactValue::Enum(n.to_string())),
            None => errs.push_help(
                "nature",
                format!("unknown construction nature `{s}`"),
                format!("use one of {}", NATURES.join(", ")),
            ),
        },
        Some(Value::Null) | None => errs.push_help(
            "nature",
            "is missing",
            format!("one of {}", NATURES.join(", ")),
        ),
        Some(v) => errs.push(
            "nature",
            format!("must be a string, found {}", type_name(v)),
        ),
    }

    match obj.get("industry") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let table = IndustryTable::get();
            let mut codes = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let field = format!("industry[{i}]");
                match item {
                    Value::String(s) => match table.normalise(s) {
                        Some(ind) => codes.push(ind.code.clone()),
                        None => {
                            let near = table.suggest(s);
                            let help = if near.is_empty() {
                                "codes follow GB/T 4754-2017, e.g. C2614".to_string()
                            } else {
                                format!("codes nearby: {}", near.join("; "))
                            };
                            errs.push_help(
                                field,
                                format!("`{s}` is not a GB/T 4754-2017 industry code"),
                                help,
                            );
                        }
                    },
                    v => errs.push(
                        field,
                        format!("must be a string code, found {}", type_name(v)),
                    ),
                }
            }
            codes.dedup();
            facts[FACT_INDUSTRY as usize] = Some(FactValue::Industry(codes));
        }
        Some(Value::Array(_)) => errs.push(
            "industry",
            "is empty: give at least one GB/T 4754-2017 code",
        ),
        Some(Value::String(s)) => errs.push_help(
            "industry",
            format!("must be an array of codes, found the string `{s}`"),
            format!("write [\"{s}\"]"),
        ),
        Some(Value::Null) | None => errs.push_help(
            "industry",
            "is missing",
            "an array of GB/T 4754-2017 codes, e.g. [\"C2614\"]",
        ),
        Some(v) => errs.push(
            "industry",
            format!("must be an array of codes, found {}", type_name(v)),
        ),
    }

    match obj.get("in_park") {
        None | Some(Value::Null) => {}
        Some(v) => match as_bool(v) {
            Some(b) => facts[FACT_IN_PARK as usize] = Some(FactValue::Bool(b)),
            None => errs.push(
                "in_park",
                format!("must be true or false, found {}", type_name(v)),
            ),
        },
    }

    let mut crs = match obj.get("crs") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) => match Crs::parse(d) {
            Ok(c) => Some(c),
            Err(e) => {
                errs.push_help(
                    "crs",
                    e.to_string(),
                    e.help().unwrap_or_else(|| CRS_HELP.to_string()),
                );
                None
            }
        },
        Some(v) => {
            errs.push_help(
                "crs",
                format!("must be a string, found {}", type_name(v)),
                CRS_HELP,
            );
            None
        }
    };
    let axis_order = match obj.get("axis_order") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match s.trim() {
            "easting_first" | "lon_lat" | "xy" => Some(AxisOrder::EastingFirst),
            "northing_first" | "lat_lon" | "yx" => Some(AxisOrder::NorthingFirst),
            other => {
                errs.push_help(
                    "axis_order",
                    format!("unknown axis order `{other}`"),
                    "use `easting_first` (x = easting / longitude first) or `northing_first` (surveyors' X = northing first, or latitude first)",
                );
                None
            }
        },
        Some(v) => {
            errs.push(
                "axis_order",
                format!("must be a string, found {}", type_name(v)),
            );
            None
        }
    };

    let location = match obj.get("location") {
        Some(Value::String(text)) => wkt_to_geojson(text, &mut crs, &mut errs),
        Some(v) => Some(v.clone()),
        None => {
            errs.push_help(
                "location",
                "is missing",
                "a GeoJSON geometry (Point, LineString, Polygon, Multi*) or WKT text, in lon/lat",
            );
            None
        }
    };
    let location = location
        // An axis order without a CRS applies to the default, CGCS2000 lon/lat.
        .and_then(|v| match crs.or(axis_order.map(|_| Crs::Cgcs2000)) {
            Some(c) if c != Crs::Cgcs2000 || axis_order.is_some() => {
                reproject(&v, &c, axis_order, &mut errs)
            }
            _ => Some(v),
        })
        .and_then(|v| parse_geometry(&v, "location", &mut errs));

    let accuracy_m = match obj.get("accuracy_m") {
        None | Some(Value::Null) => 0.0,
        Some(v) => match as_quantity(v, Dimension::Length, "m") {
            Ok(x) if (0.0..=MAX_ACCURACY_M).contains(&x) => x,
            // (The conversion's own uncertainty is added below.)
            Ok(x) => {
                errs.push_help(
                    "accuracy_m",
                    format!("{x} m is not a usable positional accuracy"),
                    format!("give how far, in metres (0–{MAX_ACCURACY_M}), the true site may lie from the stated coordinates"),
                );
                0.0
            }
            Err(m) => {
                errs.push("accuracy_m", m);
                0.0
            }
        },
    };

    let mut emissions: Vec<Option<Emission>> = vec![None; schema.pollutants.len()];
    match obj.get("emissions") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => parse_emissions(m, schema, &mut emissions, &mut errs),
        Some(v) => errs.push(
            "emissions",
            format!(
                "must be an object keyed by pollutant, found {}",
                type_name(v)
            ),
        ),
    }

    match obj.get("facts") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => parse_facts(m, schema, &mut facts, &mut errs),
        Some(v) => errs.push(
            "facts",
            format!("must be an object, found {}", type_name(v)),
        ),
    }

    match (errs.0.is_empty(), location) {
        (true, Some(location)) => Ok(Project {
            name,
            id,
            location,
            facts,
            emissions,
            accuracy_m: accuracy_m + crs.map_or(0.0, |c| c.conversion_uncertainty_m()),
        }),
        _ => Err(ProjectError { errors: errs.0 }),
    }
}

fn normalise_nature(s: &str) -> Option<&'static str> {
    let s = s.trim();
    let alias = match s {
        "技改" | "技术改造项目" => "技术改造",
        "新建项目" => "新建",
        "扩建项目" => "扩建",
        "改建项目" => "改建",
        "迁建项目" | "搬迁" => "迁建",
        other => other,
    };
    NATURES.iter().copied().find(|n| *n == alias)
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim() {
            "是" | "true" | "yes" => Some(true),
            "否" | "false" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a number as an applicant writes it: `12.5`, `"12.5"`, `"35 t/h"`, `"2 km"`, converted
/// to the base unit of `dimension` (a bare number is taken in `unit`, the schema's unit).
fn as_quantity(v: &Value, dimension: Dimension, unit: &str) -> Result<f64, String> {
    let (number, written_unit) = match v {
        Value::Number(n) => (n.as_f64().ok_or("is not a finite number")?, None),
        Value::String(s) => {
            let s = s.trim();
            let split = s
                .find(|c: char| {
                    !(c.is_ascii_digit()
                        || c == '.'
                        || c == '-'
                        || c == '+'
                        || c == 'e'
                        || c == 'E')
                })
                .unwrap_or(s.len());
            let (num, rest) = s.split_at(split);
            let num: f64 = num.parse().map_err(|_| format!("`{s}` is not a number"))?;
            let rest = rest.trim();
            (num, (!rest.is_empty()).then_some(rest))
        }
        other => return Err(format!("must be a number, found {}", type_name(other))),
    };
    if !number.is_finite() {
        return Err("is not a finite number".into());
    }
    let factor = match written_unit.or((!unit.is_empty()).then_some(unit)) {
        None => 1.0,
        Some(u) => match measure(u) {
            Some(m) if m.dimension == dimension => m.factor,
            Some(m) => {
                return Err(format!(
                    "unit `{u}` measures {}, but this fact is {}",
                    m.dimension.describe(),
                    dimension.describe()
                ));
            }
            None => return Err(format!("unknown unit `{u}`")),
        },
    };
    Ok(number * factor)
}

fn parse_emissions(
    m: &Map<String, Value>,
    schema: &Schema,
    out: &mut [Option<Emission>],
    errs: &mut Errors,
) {
    for (pollutant, v) in m {
        let field = format!("emissions.{pollutant}");
        let Some(pid) = schema.pollutant_id(pollutant) else {
            errs.push_help(
                field,
                format!("unknown pollutant `{pollutant}`"),
                format!(
                    "this rule set's pollutants: {}",
                    schema.pollutants.join(", ")
                ),
            );
            continue;
        };
        let Value::Object(figures) = v else {
            errs.push_help(
                field,
                format!("must be an object, found {}", type_name(v)),
                "{\"total\": …, \"increase\": …, \"offset\": …} in t/a",
            );
            continue;
        };
        let mut e = Emission::default();
        for (k, fv) in figures {
            let f = format!("{field}.{k}");
            let slot = match k.as_str() {
                "total" => &mut e.total,
                "increase" => &mut e.increase,
                "offset" => &mut e.offset,
                _ => {
                    errs.push_help(
                        f,
                        "unknown emission figure",
                        "use total, increase and offset (t/a)",
                    );
                    continue;
                }
            };
            if fv.is_null() {
                continue;
            }
            match as_quantity(fv, Dimension::MassPerYear, "t/a") {
                Ok(x) if x < 0.0 && k != "increase" => errs.push(f, "must not be negative"),
                Ok(x) => *slot = Some(x),
                Err(m) => errs.push(f, m),
            }
        }
        if let Some(slot) = out.get_mut(pid as usize) {
            *slot = Some(e);
        }
    }
}

fn parse_facts(
    m: &Map<String, Value>,
    schema: &Schema,
    facts: &mut [Option<FactValue>],
    errs: &mut Errors,
) {
    for (name, v) in m {
        let field = format!("facts.{name}");
        let Some(id) = schema.fact_id(name) else {
            let declared: Vec<&str> = schema
                .facts
                .iter()
                .filter(|f| !f.builtin)
                .map(|f| f.name.as_str())
                .collect();
            errs.push_help(
                field,
                format!("unknown fact `{name}`"),
                format!("this rule set declares: {}", declared.join(", ")),
            );
            continue;
        };
        let Some(def) = schema.fact(id) else { continue };
        if def.builtin {
            errs.push_help(
                field,
                format!("`{name}` is a top-level project field"),
                format!("write it as `\"{name}\": …` beside `name`"),
            );
            continue;
        }
        if v.is_null() {
            continue;
        }
        let value = match &def.ty {
            FactType::Number { dimension, unit } => match as_quantity(v, *dimension, unit) {
                // A quantity with a unit (a length, a water use, a capacity…) cannot be below
                // zero; a plain number may (a change, a difference).
                Ok(x) if x < 0.0 && *dimension != Dimension::Scalar => Err(format!(
                    "must not be negative: {} cannot be below zero",
                    dimension.describe()
                )),
                other => other.map(FactValue::Number),
            },
            FactType::Bool => as_bool(v)
                .map(FactValue::Bool)
                .ok_or_else(|| format!("must be true or false, found {}", type_name(v))),
            FactType::Enum(values) => match v {
                Value::String(s) if values.contains(s) => Ok(FactValue::Enum(s.clone())),
                Value::String(s) => Err(format!("`{s}` is not one of {}", values.join(", "))),
                other => Err(format!(
                    "must be one of {}, found {}",
                    values.join(", "),
                    type_name(other)
                )),
            },
            FactType::Set(values) => match v {
                Value::Array(items) => {
                    let mut out = Vec::new();
                    let mut bad = Vec::new();
                    for it in items {
                        match it.as_str() {
                            Some(s) if values.iter().any(|x| x == s) => out.push(s.to_string()),
                            Some(s) => bad.push(format!("`{s}`")),
                            None => bad.push(type_name(it).to_string()),
                        }
                    }
                    if bad.is_empty() {
                        Ok(FactValue::Set(out))
                    } else {
                        Err(format!(
                            "{} not among {}",
                            bad.join(", "),
                            values.join(", ")
                        ))
                    }
                }
                other => Err(format!(
                    "must be an array of {}, found {}",
                    values.join(", "),
                    type_name(other)
                )),
            },
            FactType::Industry => Err("industry codes go in the top-level `industry` field".into()),
        };
        match value {
            Ok(x) => {
                if let Some(slot) = facts.get_mut(id as usize) {
                    *slot = Some(x);
                }
            }
            Err(m) => errs.push(field, m),
        }
    }
}

// ---- geometry ------------------------------------------------------------------------

/// Reads and validates a GeoJSON geometry in lon/lat: numbers, China's extent, closed rings,
/// enough points, no self-intersection.
fn parse_geometry(v: &Value, field: &str, errs: &mut Errors) -> Option<Geometry<f64>> {
    let before = errs.0.len();
    let Some(obj) = v.as_object() else {
        errs.push_help(
            field,
            format!("must be a GeoJSON geometry object, found {}", type_name(v)),
            "{\"type\": \"Point\", \"coordinates\": [118.78, 32.04]}",
        );
        return None;
    };
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        _ => {
            errs.push(format!("{field}.type"), "is missing: expected Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon");
            return None;
        }
    };
    const TYPES: [&str; 6] = [
        "Point",
        "LineString",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
    ];
    if !TYPES.contains(&ty) {
        let help = match ty {
            "Feature" => "give the Feature's `geometry` object as `location`".to_string(),
            "FeatureCollection" | "GeometryCollection" => {
                "combine the parts into one Multi* geometry (MultiPolygon, MultiLineString or MultiPoint)".to_string()
            }
            _ => format!("use {}", TYPES.join(", ")),
        };
        errs.push_help(
            format!("{field}.type"),
            format!("unsupported geometry type `{ty}`"),
            help,
        );
        return None;
    }
    let Some(coords) = obj.get("coordinates") else {
        errs.push(format!("{field}.coordinates"), "is missing");
        return None;
    };
    let cf = format!("{field}.coordinates");
    let mut vertices = 0usize;
    let mut cx = GeomCx {
        errs,
        vertices: &mut vertices,
        outside: 0,
    };
    let g = match ty {
        "Point" => cx.position(coords, &cf).map(|c| Geometry::Point(Point(c))),
        "MultiPoint" => cx.array(coords, &cf).map(|items| {
            Geometry::MultiPoint(MultiPoint(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| cx.position(p, &format!("{cf}[{i}]")).map(Point))
                    .collect(),
            ))
        }),
        "LineString" => cx.line(coords, &cf).map(Geometry::LineString),
        "MultiLineString" => cx.array(coords, &cf).map(|items| {
            Geometry::MultiLineString(MultiLineString(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| cx.line(l, &format!("{cf}[{i}]")))
                    .collect(),
            ))
        }),
        "Polygon" => cx.polygon(coords, &cf).map(Geometry::Polygon),
        "MultiPolygon" => cx.array(coords, &cf).map(|items| {
            Geometry::MultiPolygon(MultiPolygon(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| cx.polygon(p, &format!("{cf}[{i}]")))
                    .collect(),
            ))
        }),
        other => {
            cx.errs.push_help(
                format!("{field}.type"),
                format!("unsupported geometry type `{other}`"),
                "use Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon",
            );
            None
        }
    };
    // Swapped or projected coordinates put every position outside China: report the first
    // few, then how many more.
    if cx.outside > MAX_OUTSIDE_REPORTED {
        cx.errs.push(
            cf.clone(),
            format!(
                "and {} more positions outside China",
                cx.outside - MAX_OUTSIDE_REPORTED
            ),
        );
    }
    if vertices > MAX_VERTICES {
        errs.push(
            cf.clone(),
            format!("has {vertices} vertices, more than the limit of {MAX_VERTICES}"),
        );
    }
    if errs.0.len() > before {
        return None;
    }
    let g = g?;
    if matches!(&g, Geometry::MultiPoint(m) if m.0.is_empty())
        || matches!(&g, Geometry::MultiLineString(m) if m.0.is_empty())
        || matches!(&g, Geometry::MultiPolygon(m) if m.0.is_empty())
    {
        errs.push(cf, "is empty");
        return None;
    }
    if let Geometry::MultiPolygon(mp) = &g
        && let Err(e) = validate(mp)
    {
        errs.push_help(
            cf,
            format!("the polygons are invalid: {e}"),
            "parts of a MultiPolygon must not overlap",
        );
        return None;
    }
    Some(g)
}

/// A location given as WKT text (`POLYGON ((lon lat, …))`, or EWKT with `SRID=4490;`),
/// converted to the GeoJSON value the geometry checks read; positions are then reported by
/// their GeoJSON paths (`location.coordinates[0][3]`).
fn wkt_to_geojson(text: &str, crs: &mut Option<Crs>, errs: &mut Errors) -> Option<Value> {
    use wkt::TryFromWkt;
    if text.len() > MAX_WKT_BYTES {
        errs.push(
            "location",
            format!(
                "the WKT text has {} bytes, more than the limit of {MAX_WKT_BYTES}",
                text.len()
            ),
        );
        return None;
    }
    let mut body = text.trim();
    if let Some(rest) = body
        .strip_prefix("SRID=")
        .or_else(|| body.strip_prefix("srid="))
    {
        let (srid, tail) = rest.split_once(';').unwrap_or((rest, ""));
        let srid = srid.trim();
        match Crs::parse(&format!("EPSG:{srid}")) {
            Ok(c) if crs.is_none_or(|d| d == c) => *crs = Some(c),
            Ok(c) => {
                errs.push_help(
                    "location",
                    format!(
                        "the EWKT says SRID {srid} ({c}), but `crs` declares {}",
                        crs.map_or_else(String::new, |d| d.label())
                    ),
                    "declare the coordinate system once: drop `SRID=…;` or `crs`",
                );
                return None;
            }
            Err(e) => {
                errs.push_help(
                    "location",
                    format!("EWKT SRID `{srid}`: {e}"),
                    e.help().unwrap_or_else(|| CRS_HELP.to_string()),
                );
                return None;
            }
        }
        body = tail.trim();
    }
    if body.is_empty() {
        errs.push_help(
            "location",
            "is an empty string",
            "a GeoJSON geometry object or WKT text such as `POINT (118.78 32.04)`",
        );
        return None;
    }
    match Geometry::<f64>::try_from_wkt_str(body) {
        Ok(g) => {
            serde_json::to_value(geojson::Geometry::new(geojson::GeometryValue::from(&g))).ok()
        }
        Err(e) => {
            let shown: String = body.chars().take(40).collect();
            let more = if body.chars().count() > 40 { "…" } else { "" };
            errs.push_help(
                "location",
                format!("`{shown}{more}` is not valid WKT: {e}"),
                "WKT looks like `POINT (118.78 32.04)` or `POLYGON ((118.79 32.26, 118.80 32.26, 118.80 32.27, 118.79 32.26))`, longitude first",
            );
            None
        }
    }
}

const CRS_HELP: &str = "declare the coordinate system as `CGCS2000` (default), `WGS84`, `GCJ-02`, `BD-09`, an EPSG code such as `EPSG:4527`, or `CGCS2000 3度带 39带`; see docs/crs.md";

/// Converts a GeoJSON geometry value's positions from `crs` to CGCS2000 lon/lat in place,
/// keeping its structure, so that the usual checks (and their field paths) apply to the result.
/// Every array of two or three finite numbers under `coordinates` is a position and is converted
/// (all at once: the axis order and zone prefix are resolved for the whole set); anything else
/// is left as it is for those checks to report, so nothing unconverted passes as lon/lat.
fn reproject(v: &Value, crs: &Crs, order: Option<AxisOrder>, errs: &mut Errors) -> Option<Value> {
    fn is_position(a: &[Value]) -> bool {
        (2..=3).contains(&a.len())
            && a.iter()
                .take(2)
                .all(|x| x.as_f64().is_some_and(f64::is_finite))
    }
    fn collect(v: &Value, out: &mut Vec<(f64, f64)>) {
        if let Value::Array(a) = v {
            if is_position(a) {
                if let (Some(x), Some(y)) = (
                    a.first().and_then(Value::as_f64),
                    a.get(1).and_then(Value::as_f64),
                ) {
                    out.push((x, y));
                }
            } else {
                a.iter().for_each(|c| collect(c, out));
            }
        }
    }
    fn write(v: &mut Value, converted: &mut std::slice::Iter<'_, (f64, f64)>) {
        if let Value::Array(a) = v {
            if is_position(a) {
                if let Some(&(lon, lat)) = converted.next() {
                    *a = vec![Value::from(lon), Value::from(lat)];
                }
            } else {
                a.iter_mut().for_each(|c| write(c, converted));
            }
        }
    }
    let mut out = v.clone();
    let Some(coordinates) = out.get_mut("coordinates") else {
        return Some(out); // no positions: the geometry checks report what is missing
    };
    let mut positions = Vec::new();
    collect(coordinates, &mut positions);
    if positions.is_empty() {
        return Some(out);
    }
    match crate::crs::to_lonlat(crs, &positions, order) {
        Ok(converted) => {
            write(coordinates, &mut converted.iter());
            Some(out)
        }
        Err(e) => {
            errs.push_help(
                "location",
                format!("cannot convert from {crs}: {e}"),
                e.help().unwrap_or_else(|| CRS_HELP.to_string()),
            );
            None
        }
    }
}

/// Validity of a multipolygon: geo's pairwise check for small ones (its messages), the indexed
/// one for large ones (geo's is quadratic: seconds at 20,000 vertices).
fn validate(mp: &MultiPolygon<f64>) -> Result<(), String> {
    if mp.coords_count() > validity::INDEXED_ABOVE {
        validity::check(mp)
    } else {
        mp.check_validation().map_err(|e| e.to_string())
    }
}

/// A coordinate for a message: as written, or in exponent notation when very large.
fn show(x: f64) -> String {
    if x.abs() >= 1.0e9 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Positions outside China reported one by one; beyond that they are counted.
const MAX_OUTSIDE_REPORTED: usize = 3;

struct GeomCx<'a> {
    errs: &'a mut Errors,
    vertices: &'a mut usize,
    /// Positions found outside China so far.
    outside: usize,
}

impl GeomCx<'_> {
    fn array<'v>(&mut self, v: &'v Value, field: &str) -> Option<&'v Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.errs.push(
                    field,
                    format!("must be an array, found {}", type_name(other)),
                );
                None
            }
        }
    }

    fn position(&mut self, v: &Value, field: &str) -> Option<Coord<f64>> {
        *self.vertices += 1;
        if *self.vertices > MAX_VERTICES {
            return None;
        }
        let a = self.array(v, field)?;
        if a.len() < 2 || a.len() > 3 {
            self.errs.push_help(
                field,
                format!("a position has 2 numbers [lon, lat], found {}", a.len()),
                "[118.78, 32.04]",
            );
            return None;
        }
        let mut xy = [0.0f64; 2];
        for (i, slot) in xy.iter_mut().enumerate() {
            match a.get(i) {
                Some(Value::Number(n)) => match n.as_f64() {
                    Some(x) if x.is_finite() => *slot = x,
                    _ => {
                        self.errs
                            .push(format!("{field}[{i}]"), "is not a finite number");
                        return None;
                    }
                },
                Some(other) => {
                    self.errs.push(
                        format!("{field}[{i}]"),
                        format!("must be a number, found {}", type_name(other)),
                    );
                    return None;
                }
                None => return None,
            }
        }
        let c = Coord { x: xy[0], y: xy[1] };
        let inside = |c: Coord<f64>| {
            (CHINA_LON.0..=CHINA_LON.1).contains(&c.x) && (CHINA_LAT.0..=CHINA_LAT.1).contains(&c.y)
        };
        if !inside(c) {
            self.outside += 1;
            if self.outside > MAX_OUTSIDE_REPORTED {
                return None;
            }
            let help = if inside(Coord { x: c.y, y: c.x }) {
                "the numbers look swapped: GeoJSON order is [longitude, latitude]".to_string()
            } else if c.x.abs() > 360.0 || c.y.abs() > 360.0 {
                "these look like projected coordinates (metres): declare their system with `crs`, e.g. `\"crs\": \"EPSG:4527\"` or `\"CGCS2000 3度带 39带\"` (docs/crs.md)".to_string()
            } else {
                format!(
                    "China lies within longitude {}–{}°E and latitude {}–{}°N",
                    CHINA_LON.0, CHINA_LON.1, CHINA_LAT.0, CHINA_LAT.1
                )
            };
            self.errs.push_help(
                field,
                format!("[{}, {}] is outside China", show(c.x), show(c.y)),
                help,
            );
            return None;
        }
        Some(c)
    }

    fn coords(&mut self, v: &Value, field: &str) -> Option<Vec<Coord<f64>>> {
        let a = self.array(v, field)?;
        let mut out = Vec::with_capacity(a.len());
        let mut ok = true;
        for (i, p) in a.iter().enumerate() {
            match self.position(p, &format!("{field}[{i}]")) {
                Some(c) => out.push(c),
                None => ok = false,
            }
            if *self.vertices > MAX_VERTICES {
                return None;
            }
        }
        ok.then_some(out)
    }

    fn line(&mut self, v: &Value, field: &str) -> Option<LineString<f64>> {
        let cs = self.coords(v, field)?;
        let mut distinct = cs.clone();
        distinct.dedup();
        if distinct.len() < 2 {
            self.errs.push(
                field,
                format!(
                    "a line needs at least 2 distinct points, found {}",
                    distinct.len()
                ),
            );
            return None;
        }
        Some(LineString(cs))
    }

    fn ring(&mut self, v: &Value, field: &str) -> Option<LineString<f64>> {
        let cs = self.coords(v, field)?;
        if cs.len() < 4 {
            self.errs.push_help(field, format!("a polygon ring needs at least 4 positions (3 corners and the closing point), found {}", cs.len()), "repeat the first position at the end");
            return None;
        }
        if cs.first() != cs.last() {
            self.errs.push_help(
                field,
                "the ring is not closed: its last position differs from the first",
                "repeat the first position at the end of the ring",
            );
            return None;
        }
        let mut distinct = cs.clone();
        distinct.dedup();
        distinct.pop();
        distinct.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        distinct.dedup();
        if distinct.len() < 3 {
            self.errs
                .push(field, "the ring has fewer than 3 distinct corners");
            return None;
        }
        // Corners on one line enclose no area (geo's validation accepts such a ring). Measured
        // against the longest chord from the first corner, so that the test does not depend
        // on the ring's size; a ring's signed area would not do (a bow-tie's lobes cancel).
        let origin = distinct
            .first()
            .copied()
            .unwrap_or(Coord { x: 0.0, y: 0.0 });
        let far = distinct
            .iter()
            .copied()
            .max_by(|a, b| {
                let d = |c: Coord<f64>| (c.x - origin.x).hypot(c.y - origin.y);
                d(*a).total_cmp(&d(*b))
            })
            .unwrap_or(origin);
        let (dx, dy) = (far.x - origin.x, far.y - origin.y);
        let chord2 = dx * dx + dy * dy;
        let collinear = distinct.iter().all(|c| {
            let cross = dx * (c.y - origin.y) - dy * (c.x - origin.x);
            cross.abs() <= 1.0e-9 * chord2
        });
        let ring = LineString(cs);
        if collinear {
            self.errs.push_help(
                field,
                "the ring encloses no area: its corners lie on one line",
                "give the site's outline, or use a LineString for a linear project",
            );
            return None;
        }
        Some(ring)
    }

    fn polygon(&mut self, v: &Value, field: &str) -> Option<Polygon<f64>> {
        let rings = self.array(v, field)?;
        if rings.is_empty() {
            self.errs.push(field, "a polygon needs an outer ring");
            return None;
        }
        let mut out = Vec::new();
        for (i, r) in rings.iter().enumerate() {
            out.push(self.ring(r, &format!("{field}[{i}]"))?);
        }
        let mut it = out.into_iter();
        let exterior = it.next()?;
        let p = Polygon::new(exterior, it.collect());
        let checked = if p.coords_count() > validity::INDEXED_ABOVE {
            validity::check(&MultiPolygon(vec![p.clone()]))
        } else {
            p.check_validation().map_err(|e| e.to_string())
        };
        if let Err(e) = checked {
            self.errs.push_help(
                field,
                format!("the polygon is invalid: {e}"),
                "a boundary must not cross itself; holes must lie inside the outer ring",
            );
            return None;
        }
        Some(p)
    }
}
