//! Loading declared layers: the unit polygons and the feature layers, from GeoJSON files whose
//! paths are relative to the rule file that declares them.

use std::path::Path;

use geo::{Geometry, MultiPolygon};
use geojson::{FeatureCollection, GeoJson};

use super::ruleset::{UnitInfo, UnitType};
use crate::index::Feature;
use crate::source::Diagnostic;
use crate::syntax::ast::LayerDecl;

/// The unit layer as loaded: attributes and polygons, in file order.
pub struct LoadedUnits {
    pub units: Vec<UnitInfo>,
    pub geoms: Vec<MultiPolygon<f64>>,
}

fn option<'a>(decl: &'a LayerDecl, key: &str) -> Option<&'a str> {
    decl.options
        .iter()
        .find(|(k, _)| k.text == key)
        .map(|(_, v)| v.text.as_str())
}

/// Reads a GeoJSON FeatureCollection.
/// Largest layer file accepted (compressed size for `.gz`).
pub const MAX_LAYER_BYTES: u64 = 2 << 30;

/// Reads a text file, gunzipping it when its name ends in `.gz` (large national layers are
/// shipped compressed).
fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // Only regular files: a device such as /dev/zero would be read without end.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > MAX_LAYER_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "the file is {} MB, more than the limit of {} MB",
                meta.len() >> 20,
                MAX_LAYER_BYTES >> 20
            ),
        ));
    }
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(std::io::BufReader::new(file)).read_to_string(&mut text)?;
    } else {
        std::io::BufReader::new(file).read_to_string(&mut text)?;
    }
    Ok(text)
}

fn read_collection(decl: &LayerDecl, base: &Path) -> Result<FeatureCollection, Diagnostic> {
    let path = base.join(&decl.path.text);
    let text = read_text(&path).map_err(|e| {
        Diagnostic::error(
            "E-LAYER-FILE",
            Some(decl.path.span),
            format!("cannot read layer file `{}`: {e}", path.display()),
        )
        .with_help("layer paths are relative to the rule file that declares them")
    })?;
    let gj: GeoJson = text.parse().map_err(|e| {
        Diagnostic::error(
            "E-LAYER-FILE",
            Some(decl.path.span),
            format!("layer file `{}` is not valid GeoJSON: {e}", path.display()),
        )
    })?;
    match gj {
        GeoJson::FeatureCollection(fc) => Ok(fc),
        _ => Err(Diagnostic::error(
            "E-LAYER-FILE",
            Some(decl.path.span),
            format!(
                "layer file `{}` must hold a GeoJSON FeatureCollection",
                path.display()
            ),
        )),
    }
}

fn prop(f: &geojson::Feature, key: &str) -> Option<String> {
    let v = f.properties.as_ref()?.get(key)?;
    Some(match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn to_geometry(f: &geojson::Feature) -> Option<Geometry<f64>> {
    let g = f.geometry.as_ref()?;
    Geometry::<f64>::try_from(&g.value).ok()
}

/// Checks the official unit-code scheme: `ZH`/`HY` + 6-digit admin code + type digit + 4 digits.
fn check_code(code: &str) -> Result<(), String> {
    let ok_prefix = code.starts_with("ZH") || code.starts_with("HY");
    let digits = code.get(2..).unwrap_or("");
    if !ok_prefix || digits.len() != 11 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "unit code `{code}` does not follow the scheme `ZH` + 6-digit admin code + type digit + 4-digit serial"
        ));
    }
    Ok(())
}

/// Loads the unit layer, checking every feature; collects all problems.
pub fn load_units(decl: &LayerDecl, base: &Path) -> Result<LoadedUnits, Vec<Diagnostic>> {
    let fc = read_collection(decl, base).map_err(|d| vec![d])?;
    let code_key = option(decl, "code").unwrap_or("code");
    let name_key = option(decl, "name").unwrap_or("name");
    let type_key = option(decl, "type").unwrap_or("type");
    let admin_key = option(decl, "admin");
    let span = decl.path.span;
    let mut errors = Vec::new();
    let mut units = Vec::new();
    let mut geoms = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, f) in fc.features.iter().enumerate() {
        let at = |msg: String| {
            Diagnostic::error(
                "E-UNIT-DATA",
                Some(span),
                format!("unit feature #{i}: {msg}"),
            )
        };
        let Some(code) = prop(f, code_key) else {
            errors.push(at(format!("has no `{code_key}` property")));
            continue;
        };
        if let Err(m) = check_code(&code) {
            errors.push(at(m));
            continue;
        }
        if let Some(prev) = seen.insert(code.clone(), i) {
            errors.push(at(format!(
                "unit code `{code}` also used by feature #{prev}"
            )));
            continue;
        }
        let type_text = prop(f, type_key).unwrap_or_default();
        let Some(unit_type) = UnitType::parse(&type_text) else {
            errors.push(at(format!(
                "unit `{code}` has type `{type_text}`; expected 优先保护, 重点管控 or 一般管控"
            )));
            continue;
        };
        if code.starts_with("ZH") && code.chars().nth(8) != Some(unit_type.code_digit()) {
            errors.push(at(format!(
                "unit `{code}` is typed {} but its code's type digit says otherwise",
                unit_type.label()
            )));
            continue;
        }
        let admin_code = admin_key
            .and_then(|k| prop(f, k))
            .unwrap_or_else(|| code.get(2..8).unwrap_or("").to_string());
        let geom = match to_geometry(f) {
            Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
            Some(Geometry::MultiPolygon(mp)) => mp,
            _ => {
                errors.push(at(format!(
                    "unit `{code}` geometry must be a Polygon or MultiPolygon"
                )));
                continue;
            }
        };
        units.push(UnitInfo {
            name: prop(f, name_key).unwrap_or_else(|| code.clone()),
            code,
            unit_type,
            admin_code,
        });
        geoms.push(geom);
    }
    if units.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::error(
            "E-UNIT-DATA",
            Some(span),
            "the unit layer has no features",
        ));
    }
    if errors.is_empty() {
        Ok(LoadedUnits { units, geoms })
    } else {
        Err(errors)
    }
}

/// Loads a feature layer; features are named by the `name` option's property (default `name`).
pub fn load_features(decl: &LayerDecl, base: &Path) -> Result<Vec<Feature>, Diagnostic> {
    let fc = read_collection(decl, base)?;
    let name_key = option(decl, "name").unwrap_or("name");
    let mut out = Vec::new();
    for (i, f) in fc.features.iter().enumerate() {
        let geometry = to_geometry(f).ok_or_else(|| {
            Diagnostic::error(
                "E-LAYER-FILE",
                Some(decl.path.span),
                format!(
                    "feature #{i} of layer `{}` has no usable geometry",
                    decl.name.text
                ),
            )
        })?;
        out.push(Feature {
            name: prop(f, name_key).unwrap_or_else(|| format!("#{i}")),
            geometry,
        });
    }
    Ok(out)
}

/// Options a layer declaration accepts, for validation.
pub fn known_options(kind: crate::syntax::ast::LayerKind) -> &'static [&'static str] {
    match kind {
        crate::syntax::ast::LayerKind::Units => &["code", "name", "type", "admin"],
        crate::syntax::ast::LayerKind::Features => &["name"],
    }
}
