//! The JSON request body: content type checked first (415), then the body read within the size
//! limit (413), then parsed (400 with line and column). axum's own `Json` extractor answers
//! these in plain text; this one answers them in the service's error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::Value;

use super::errors::ApiError;
use super::state::ServiceState;
use std::sync::Arc;

/// A request body parsed as JSON.
#[derive(Debug)]
pub struct JsonBody(pub Value);

/// Whether a `Content-Type` value is JSON (`application/json`, parameters such as
/// `charset=utf-8` allowed).
pub fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

impl FromRequest<Arc<ServiceState>> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<ServiceState>) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("(not text)").to_string());
        match &content_type {
            Some(t) if is_json_content_type(t) => {}
            other => return Err(ApiError::unsupported_media_type(other.as_deref())),
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::body_too_large(state.limits.max_body_bytes)
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "E-BODY",
                    format!("the request body could not be read: {}", e.body_text()),
                )
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::malformed_json(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=utf-8"));
        assert!(!is_json_content_type("text/plain"));
        assert!(!is_json_content_type("application/jsonx"));
    }
}
