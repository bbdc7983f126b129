//! Site uploads: a project may carry its site as a file instead of a `location`,
//! `"site": {"format": "shapefile", "filename": "site.zip", "data_base64": "…"}`. The file is
//! read with [`crate::site::read_site_bytes`] and resolved with
//! [`crate::site::resolve::project_fields`] (the project's own `crs` is the user's declaration),
//! and the project then goes through the usual validation. A site that cannot be read or
//! resolved is an `E-PROJECT` problem on the field `site` (or `crs`), reported together with the
//! project's other problems.

use base64::Engine;
use serde_json::{Map, Value};

use super::errors::ApiError;
use crate::compile::Schema;
use crate::eval::project::{FieldError, ProjectError, project_from_value};
use crate::site::resolve::{ResolveError, project_fields};
use crate::site::{SiteFormat, read_site_bytes};

/// The `format` names a site upload accepts, as documented.
pub const FORMATS: [&str; 6] = ["geojson", "wkt", "shapefile", "kml", "table", "land_txt"];

fn format_from_name(name: &str) -> Option<SiteFormat> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "geojson" => SiteFormat::GeoJson,
        "wkt" => SiteFormat::Wkt,
        "shapefile" => SiteFormat::Shapefile,
        "kml" => SiteFormat::Kml,
        "table" => SiteFormat::CoordinateTable,
        "land_txt" => SiteFormat::LandTxt,
        _ => return None,
    })
}

fn problem(field: &str, message: impl Into<String>, help: Option<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.into(),
        help,
    }
}

/// Replaces a project's `site` by the fields it resolves to (`location`, `crs`, `axis_order`,
/// and `name` when the project has none). A project without `site` is returned unchanged.
///
/// # Errors
/// 422 `E-PROJECT`: the upload is malformed, its file cannot be read, or its coordinate system
/// cannot be settled; the problems of the rest of the project are listed with it.
/// [`expand_site`] off the async runtime: decoding, unzipping and reading an upload is CPU work
/// (bounded by the site readers' caps) that must not stall the threads serving other requests.
///
/// # Errors
/// As [`expand_site`].
pub async fn expand_site_blocking(
    project: Value,
    rules: std::sync::Arc<super::state::ActiveRuleSet>,
) -> Result<Value, ApiError> {
    if project.get("site").is_none() {
        return Ok(project);
    }
    tokio::task::spawn_blocking(move || expand_site(project, &rules.rule_set.schema))
        .await
        .map_err(|e| ApiError::internal(format!("reading the site upload failed: {e}")))?
}

pub fn expand_site(project: Value, schema: &Schema) -> Result<Value, ApiError> {
    let Value::Object(mut obj) = project else {
        return Ok(project);
    };
    let Some(site) = obj.remove("site") else {
        return Ok(Value::Object(obj));
    };
    match resolve_upload(&site, &obj) {
        Ok(fields) => {
            for (k, v) in fields {
                let has_name = obj
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.trim().is_empty());
                if k == "name" && has_name {
                    continue;
                }
                obj.insert(k, v);
            }
            Ok(Value::Object(obj))
        }
        Err(site_problems) => {
            // Collect every problem: validate the rest of the project too, without the
            // location the site would have given.
            let rest = Value::Object(obj);
            let mut errors = site_problems;
            if let Err(e) = project_from_value(&rest, schema) {
                let more: Vec<FieldError> = e
                    .errors
                    .into_iter()
                    .filter(|p| p.field != "location" && !errors.iter().any(|s| s.field == p.field))
                    .collect();
                errors.extend(more);
            }
            Err(ApiError::project(&ProjectError { errors }))
        }
    }
}

fn resolve_upload(
    site: &Value,
    project: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let Some(upload) = site.as_object() else {
        return Err(vec![problem(
            "site",
            "must be an object `{format, filename, data_base64}`",
            None,
        )]);
    };
    let mut errs = Vec::new();
    if project.contains_key("location") {
        errs.push(problem(
            "site",
            "the project has both `location` and `site`",
            Some(
                "give the site either as `location` or as an uploaded `site` file, not both".into(),
            ),
        ));
    }
    let format = match upload.get("format") {
        Some(Value::String(f)) => match format_from_name(f) {
            Some(f) => Some(f),
            None => {
                errs.push(problem(
                    "site.format",
                    format!("unknown site format `{f}`"),
                    Some(format!("one of {}", FORMATS.join(", "))),
                ));
                None
            }
        },
        _ => {
            errs.push(problem(
                "site.format",
                "is missing",
                Some(format!("one of {}", FORMATS.join(", "))),
            ));
            None
        }
    };
    let filename = match upload.get("filename") {
        None | Some(Value::Null) => "upload".to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(_) => {
            errs.push(problem("site.filename", "must be a non-empty string", None));
            "upload".to_string()
        }
    };
    let bytes = match upload.get("data_base64") {
        Some(Value::String(data)) => match decode_base64(data) {
            Ok(b) => Some(b),
            Err(e) => {
                errs.push(problem(
                    "site.data_base64",
                    format!("is not valid base64: {e}"),
                    Some("standard base64 (RFC 4648) of the file's bytes; a `data:…;base64,` prefix is allowed".into()),
                ));
                None
            }
        },
        _ => {
            errs.push(problem(
                "site.data_base64",
                "is missing",
                Some("the file's bytes in standard base64".into()),
            ));
            None
        }
    };
    let declared = match project.get("crs") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.as_str()),
        // The project validation reports a `crs` of the wrong type.
        Some(_) => None,
    };
    let (Some(format), Some(bytes), true) = (format, bytes, errs.is_empty()) else {
        return Err(errs);
    };
    let site = read_site_bytes(&bytes, format, &filename)
        .map_err(|e| vec![problem("site", e.to_string(), e.help())])?;
    project_fields(&site, &filename, declared).map_err(|e| {
        let field = match &e {
            ResolveError::Crs { what, .. } if what.starts_with("the declared crs") => "crs",
            ResolveError::Conflict { .. } => "crs",
            _ => "site",
        };
        vec![problem(field, e.to_string(), e.help())]
    })
}

fn decode_base64(data: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let payload = match data.split_once(";base64,") {
        Some((prefix, rest)) if prefix.starts_with("data:") => rest,
        _ => data,
    };
    let compact: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT.decode(compact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::with_builtins()
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn a_wkt_upload_becomes_the_location() {
        let p = json!({"name": "x", "site": {"format": "wkt", "filename": "a.wkt",
            "data_base64": b64("POINT (118.8 32.06)")}});
        let out = expand_site(p, &schema()).unwrap();
        assert_eq!(out["location"]["type"], "Point");
        assert_eq!(out["crs"], "EPSG:4490");
        assert!(out.get("site").is_none());
        assert_eq!(out["name"], "x");
    }

    #[test]
    fn broken_uploads_name_the_site_field() {
        let fields = |p: Value| -> Vec<String> {
            let e = expand_site(p, &schema()).unwrap_err();
            let problems = e
                .details
                .iter()
                .find(|(k, _)| *k == "problems")
                .map(|(_, v)| v.clone())
                .unwrap();
            problems
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["field"].as_str().unwrap().to_string())
                .collect()
        };
        let f = fields(json!({"name": "x", "nature": "新建", "industry": ["C2614"],
            "site": {"format": "kml", "filename": "a.kml", "data_base64": b64("<kml>")}}));
        assert_eq!(f, ["site"]);
        let f = fields(json!({"name": "x", "nature": "新建", "industry": ["C2614"],
            "site": {"format": "pdf", "data_base64": "!!"}}));
        assert_eq!(f, ["site.format", "site.data_base64"]);
        let f = fields(
            json!({"nature": "新建", "industry": ["C2614"], "crs": "西安80",
            "site": {"format": "wkt", "data_base64": b64("POINT (118.8 32.06)")}}),
        );
        assert_eq!(f, ["crs", "name"]);
    }

    #[test]
    fn base64_may_come_as_a_data_url() {
        assert_eq!(
            decode_base64("data:text/plain;base64,aGk=").unwrap(),
            b"hi".to_vec()
        );
        assert_eq!(decode_base64("aG\nk").unwrap(), b"hi".to_vec());
    }
}
