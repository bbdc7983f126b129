//! The enterprise self-check page (企业自查) and what it needs: the page itself and its assets
//! (embedded from `web/`, no build step, no request leaves the service), the GB/T 4754-2017
//! tree for the industry picker, the rule set's facts and pollutants for the form, and the HTML
//! report of a project.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::body::JsonBody;
use super::errors::ApiError;
use super::limits::check_vertices;
use super::routes::evaluate_with;
use super::state::ServiceState;
use super::upload::expand_site_blocking;
use crate::compile::FactType;
use crate::compile::industry::IndustryTable;
use crate::report::{MapData, render_html};

const INDEX_HTML: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const STYLE_CSS: &str = include_str!("../../web/style.css");

/// The page may load only from the service itself: scripts, styles and requests are same-origin,
/// and the report is shown in a `srcdoc` frame (which inherits this policy) with its inline
/// styles and `data:` images.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src 'self' about: data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'";

fn text(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /`: the self-check page.
pub async fn index() -> Response {
    let mut r = text("text/html; charset=utf-8", INDEX_HTML);
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    r
}

/// `GET /assets/app.js`.
pub async fn app_js() -> Response {
    text("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /assets/style.css`.
pub async fn style_css() -> Response {
    text("text/css; charset=utf-8", STYLE_CSS)
}

/// The GB/T 4754-2017 tree as JSON text, built once: sections → divisions → groups → classes.
fn industries_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // Parent of a code: a division's is its section letter, otherwise drop the last digit.
        let parent = |code: &str, level: u8| -> String {
            let keep = if level == 2 {
                1
            } else {
                code.len().saturating_sub(1)
            };
            code.get(..keep).unwrap_or("").to_string()
        };
        let mut children: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let table = IndustryTable::get();
        // Deepest level first, so each entry's children are complete when it is built.
        for level in (1..=4u8).rev() {
            for ind in table.iter().filter(|i| i.level == level) {
                let mut node = json!({"code": ind.code, "name": ind.name});
                let key = match level {
                    1 => Some("divisions"),
                    2 => Some("groups"),
                    3 => Some("classes"),
                    _ => None,
                };
                if let (Some(key), Some(obj)) = (key, node.as_object_mut()) {
                    let kids = children.remove(&ind.code).unwrap_or_default();
                    obj.insert(key.into(), Value::Array(kids));
                }
                if level == 1 {
                    children.entry(String::new()).or_default().push(node);
                } else {
                    children
                        .entry(parent(&ind.code, level))
                        .or_default()
                        .push(node);
                }
            }
        }
        let sections = children.remove("").unwrap_or_default();
        let [s, d, g, c] = table.counts();
        json!({
            "standard": "GB/T 4754-2017",
            "counts": {"sections": s, "divisions": d, "groups": g, "classes": c},
            "sections": sections,
        })
        .to_string()
    })
}

/// `GET /v1/industries`.
pub async fn industries() -> Response {
    let mut r = text("application/json", industries_json());
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// `GET /v1/schema`: the facts (besides the built-in nature, industry and in_park) and the
/// pollutants the active rule set asks about.
pub async fn schema(State(state): State<Arc<ServiceState>>) -> axum::Json<Value> {
    let active = state.rules.current();
    let schema = &active.rule_set.schema;
    let facts: Vec<Value> = schema
        .facts
        .iter()
        .filter(|f| !f.builtin)
        .map(|f| {
            let mut v = json!({"name": f.name, "description": f.label});
            if let Some(m) = v.as_object_mut() {
                match &f.ty {
                    FactType::Number { unit, .. } => {
                        m.insert("type".into(), json!("number"));
                        m.insert("unit".into(), json!(unit));
                    }
                    FactType::Bool => {
                        m.insert("type".into(), json!("bool"));
                    }
                    FactType::Enum(values) => {
                        m.insert("type".into(), json!("enum"));
                        m.insert("values".into(), json!(values));
                    }
                    FactType::Set(values) => {
                        m.insert("type".into(), json!("set"));
                        m.insert("values".into(), json!(values));
                    }
                    FactType::Industry => {
                        m.insert("type".into(), json!("industry"));
                    }
                }
            }
            v
        })
        .collect();
    axum::Json(json!({
        "rule_set": active.identity(),
        "natures": crate::compile::NATURES,
        "facts": facts,
        "pollutants": schema.pollutants,
        "emission_figures": ["total", "increase", "offset"],
        "emission_unit": "t/a",
    }))
}

/// `POST /v1/report.html`: one project → its HTML report (`?download=1`: as an attachment).
///
/// # Errors
/// As `POST /v1/check`; `?download=` other than `0`/`1` is 400 `E-QUERY`.
pub async fn report_html(
    State(state): State<Arc<ServiceState>>,
    RawQuery(query): RawQuery,
    JsonBody(project): JsonBody,
) -> Result<Response, ApiError> {
    let download = download_flag(query.as_deref())?;
    let rules = state.rules.current();
    let project = expand_site_blocking(project, Arc::clone(&rules)).await?;
    check_vertices(&project, &state.limits)?;
    let (page, label) = evaluate_with(&state, rules, project, |rs, p, a| {
        let label = a
            .project
            .id
            .clone()
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| a.project.name.clone());
        (render_html(a, &MapData::gather(rs, p, a)), label)
    })
    .await?;
    let mut resp = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
    // The value is ASCII by construction, so it always converts.
    if download && let Ok(v) = HeaderValue::from_str(&content_disposition(&label)) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

fn download_flag(query: Option<&str>) -> Result<bool, ApiError> {
    let mut download = false;
    for pair in query.unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k != "download" {
            continue;
        }
        download = match v {
            "1" => true,
            "0" => false,
            other => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "E-QUERY",
                    format!("`download` must be 0 or 1, found `{other}`"),
                ));
            }
        };
    }
    Ok(download)
}

/// `attachment; filename="zonecheck-<label>.html"` with an ASCII fallback name (characters a
/// header or a file system dislikes become `_`) and the exact name as RFC 5987 `filename*`.
fn content_disposition(label: &str) -> String {
    let name = format!("zonecheck-{}.html", label.trim());
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_header_safe() {
        assert_eq!(
            content_disposition("NJ-2024-002"),
            "attachment; filename=\"zonecheck-NJ-2024-002.html\"; filename*=UTF-8''zonecheck-NJ-2024-002.html"
        );
        let v = content_disposition("某项目 \"甲\"");
        assert!(v.starts_with("attachment; filename=\"zonecheck-"));
        assert!(v.is_ascii());
        assert!(v.contains("%E6%9F%90"));
    }

    #[test]
    fn the_download_flag() {
        assert!(!download_flag(None).unwrap());
        assert!(download_flag(Some("download=1")).unwrap());
        assert!(!download_flag(Some("x=2&download=0")).unwrap());
        assert!(download_flag(Some("download=yes")).is_err());
    }

    #[test]
    fn the_industry_tree_has_every_entry() {
        let v: Value = serde_json::from_str(industries_json()).unwrap();
        let sections = v["sections"].as_array().unwrap();
        assert_eq!(
            sections.len(),
            v["counts"]["sections"].as_u64().unwrap() as usize
        );
        let classes: usize = sections
            .iter()
            .flat_map(|s| s["divisions"].as_array().unwrap())
            .flat_map(|d| d["groups"].as_array().unwrap())
            .map(|g| g["classes"].as_array().unwrap().len())
            .sum();
        assert_eq!(classes, v["counts"]["classes"].as_u64().unwrap() as usize);
    }
}
