//! Every error the service answers, as one JSON shape:
//! `{"error": {"code": "E-…", "message": "…", "help": "…", …details}}` with a stable `code`
//! per kind (the table is in `docs/service.md`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::eval::ProjectError;
use crate::load::RulesError;

/// An error response: status, stable code, one-line lowercase message, optional help, and
/// extra fields (`problems`, `line`, `column`, `diagnostics` …).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Extra fields of the error object, in order (a `Vec` keeps the error small to return).
    pub details: Vec<(&'static str, Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            help: None,
            details: Vec::new(),
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with(mut self, key: &'static str, value: Value) -> Self {
        self.details.push((key, value));
        self
    }

    /// The `{"code", "message", "help"?, …details}` object (without the `error` wrapper), as
    /// batch results carry it.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), json!(self.code));
        m.insert("message".into(), json!(self.message));
        if let Some(h) = &self.help {
            m.insert("help".into(), json!(h));
        }
        for (k, v) in &self.details {
            m.insert((*k).to_string(), v.clone());
        }
        Value::Object(m)
    }

    pub fn not_found_route(method: &str, path: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "E-NOT-FOUND",
            format!("no route for `{method} {path}`"),
        )
        .with_help("the routes are listed in /openapi.json")
    }

    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E-METHOD-NOT-ALLOWED",
            format!("method `{method}` is not allowed on `{path}`"),
        )
        .with_help("the `Allow` header lists the methods this route accepts")
    }

    pub fn unsupported_media_type(found: Option<&str>) -> Self {
        let message = match found {
            Some(t) => format!("content type `{t}` is not supported"),
            None => "the request has no content type".to_string(),
        };
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "E-CONTENT-TYPE",
            message,
        )
        .with_help("send the body as JSON with `Content-Type: application/json`")
    }

    pub fn body_too_large(limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E-BODY-TOO-LARGE",
            format!("the request body is larger than the limit of {limit} bytes"),
        )
        .with("limit", json!(limit))
        .with_help("split a batch into smaller ones, or simplify the geometry")
    }

    pub fn malformed_json(e: &serde_json::Error) -> Self {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let what = full.strip_suffix(&position).unwrap_or(&full);
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "E-JSON",
            format!(
                "the request body is not valid JSON at line {} column {}: {what}",
                e.line(),
                e.column()
            ),
        )
        .with("line", json!(e.line()))
        .with("column", json!(e.column()))
    }

    pub fn project(e: &ProjectError) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-PROJECT",
            format!(
                "the project cannot be checked: {} problem(s)",
                e.errors.len()
            ),
        )
        .with("problems", json!(e.errors))
        .with_help("the project format is described in docs/project.md")
    }

    pub fn too_many_vertices(found: usize, limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E-TOO-MANY-VERTICES",
            format!("the project's location has {found} vertices, more than the limit of {limit}"),
        )
        .with("limit", json!(limit))
        .with("field", json!("location.coordinates"))
        .with_help("simplify the site boundary, or split the project")
    }

    pub fn batch_too_large(found: usize, limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E-BATCH-TOO-LARGE",
            format!("the batch has {found} projects, more than the limit of {limit}"),
        )
        .with("limit", json!(limit))
        .with_help("send the projects in several batches")
    }

    pub fn eval_timeout(limit_ms: u128) -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "E-EVAL-TIMEOUT",
            format!("the evaluation did not finish within the limit of {limit_ms} ms"),
        )
        .with("limit_ms", json!(limit_ms))
        .with_help("retry later, or simplify the geometry; the limit is `--eval-timeout-ms`")
    }

    pub fn internal(what: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "E-INTERNAL", what.into())
    }

    pub fn reload_failed(e: &RulesError) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-RELOAD-FAILED",
            format!(
                "the rule set could not be loaded ({}: {e}); the previous rule set stays active",
                e.code()
            ),
        )
        .with("loader_code", json!(e.code()))
        .with("diagnostics", json!(e.render()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let mut resp = (status, axum::Json(json!({ "error": self.body() }))).into_response();
        if unauthorized {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zonecheck admin\""),
            );
        }
        resp
    }
}
