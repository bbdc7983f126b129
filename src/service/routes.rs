//! The routes and their handlers. Each handler takes the active rule set once
//! ([`super::RuleSetHolder::current`]) and answers from it alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::body::JsonBody;
use super::errors::ApiError;
use super::limits::check_vertices;
use super::page;
use super::state::{ActiveRuleSet, ServiceState};
use super::upload::expand_site_blocking;
use crate::compile::RuleSet;
use crate::compile::{Effect, UnitType};
use crate::eval::project::project_from_value;
use crate::eval::{Assessment, Project, evaluate};
use crate::report::to_json_value;

/// The OpenAPI 3 document of this API, kept in `docs/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// Every route as `(method, path)`, path in OpenAPI form; `tests/service.rs` checks each is
/// served and documented in [`OPENAPI_JSON`].
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/check"),
    ("POST", "/v1/batch"),
    ("GET", "/v1/units/{code}"),
    ("GET", "/v1/rulesets"),
    ("POST", "/v1/admin/reload"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("GET", "/"),
    ("GET", "/assets/app.js"),
    ("GET", "/assets/style.css"),
    ("GET", "/v1/industries"),
    ("GET", "/v1/schema"),
    ("POST", "/v1/report.html"),
];

/// The service's router over its state.
pub fn router(state: Arc<ServiceState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/v1/check", post(check))
        .route("/v1/batch", post(batch))
        .route("/v1/units/{code}", get(unit))
        .route("/v1/rulesets", get(rulesets))
        .route("/v1/admin/reload", post(reload))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi))
        .route("/", get(page::index))
        .route("/assets/app.js", get(page::app_js))
        .route("/assets/style.css", get(page::style_css))
        .route("/v1/industries", get(page::industries))
        .route("/v1/schema", get(page::schema))
        .route("/v1/report.html", post(page::report_html))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found_route(method.as_str(), uri.path())
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<Arc<ServiceState>>) -> Json<Value> {
    // The rule set is loaded before the listener opens and a failed reload keeps the old one,
    // so a running service is always ready.
    let active = state.rules.current();
    Json(json!({"status": "ready", "rule_set": active.identity()}))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

async fn rulesets(State(state): State<Arc<ServiceState>>) -> Json<Value> {
    Json(json!({"rule_sets": [state.rules.current().describe()]}))
}

/// Parses and evaluates one project on a blocking thread, within the evaluation time limit
/// (waiting for a free evaluation slot included). Returns the JSON report.
/// Parses and evaluates a project on a blocking thread, at most one per evaluation slot, within
/// the time limit; records it in the screening log (if any) and renders the answer with
/// `render`. A result that arrives after its request was answered with a timeout is neither
/// logged nor used.
///
/// # Errors
/// The project's problems (422), the time limit (503), the log (503), or an internal failure.
pub(super) async fn evaluate_with<T: Send + 'static>(
    state: &Arc<ServiceState>,
    rules: Arc<ActiveRuleSet>,
    project: Value,
    render: impl FnOnce(&RuleSet, &Project, &Assessment) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let limit = state.limits.eval_timeout;
    let slots = Arc::clone(&state.eval_slots);
    let state = Arc::clone(state);
    let abandoned = Arc::new(AtomicBool::new(false));
    let abandoned_in_task = Arc::clone(&abandoned);
    let work = async move {
        let permit = slots
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal("the evaluation slots are closed"))?;
        // A timed-out evaluation cannot be interrupted; it keeps its slot until it ends, so
        // runaway work never exceeds the number of slots.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let rs = &rules.rule_set;
            let p = project_from_value(&project, &rs.schema).map_err(|e| ApiError::project(&e))?;
            let a = evaluate(rs, &p);
            if abandoned_in_task.load(Ordering::SeqCst) {
                return Err(ApiError::eval_timeout(limit.as_millis()));
            }
            state.record(&a, &p, &project)?;
            Ok(render(rs, &p, &a))
        })
        .await
        .map_err(|e| ApiError::internal(format!("the evaluation failed: {e}")))?
    };
    match tokio::time::timeout(limit, work).await {
        Ok(result) => result,
        Err(_) => {
            abandoned.store(true, Ordering::SeqCst);
            Err(ApiError::eval_timeout(limit.as_millis()))
        }
    }
}

/// The JSON report of a project (see [`evaluate_with`]).
async fn evaluate_project(
    state: &Arc<ServiceState>,
    rules: Arc<ActiveRuleSet>,
    project: Value,
) -> Result<Value, ApiError> {
    evaluate_with(state, rules, project, |_, _, a| to_json_value(a)).await
}

async fn check(
    State(state): State<Arc<ServiceState>>,
    JsonBody(project): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let rules = state.rules.current();
    let project = expand_site_blocking(project, Arc::clone(&rules)).await?;
    check_vertices(&project, &state.limits)?;
    let mut report = evaluate_project(&state, Arc::clone(&rules), project).await?;
    if let Some(m) = report.as_object_mut() {
        m.insert("evaluated_with".into(), rules.identity());
    }
    Ok(Json(report))
}

async fn batch(
    State(state): State<Arc<ServiceState>>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let rules = state.rules.current();
    let Some(projects) = body.get("projects").and_then(Value::as_array) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-BATCH",
            "a batch is an object with a `projects` array",
        )
        .with_help("{\"projects\": [{…project…}, …]}"));
    };
    if projects.len() > state.limits.max_batch {
        return Err(ApiError::batch_too_large(
            projects.len(),
            state.limits.max_batch,
        ));
    }
    let mut results = Vec::with_capacity(projects.len());
    let (mut violated, mut needs_review, mut satisfied, mut errors) = (0, 0, 0, 0);
    for (i, project) in projects.iter().enumerate() {
        let outcome = match check_vertices(project, &state.limits) {
            Ok(()) => evaluate_project(&state, Arc::clone(&rules), project.clone()).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(report) => {
                match report.get("verdict").and_then(Value::as_str) {
                    Some("violated") => violated += 1,
                    Some("needs_review") => needs_review += 1,
                    _ => satisfied += 1,
                }
                results.push(report);
            }
            Err(e) => {
                errors += 1;
                results.push(json!({"index": i, "error": e.body()}));
            }
        }
    }
    Ok(Json(json!({
        "evaluated_with": rules.identity(),
        "results": results,
        "summary": {
            "projects": projects.len(),
            "violated": violated,
            "needs_review": needs_review,
            "satisfied": satisfied,
            "errors": errors,
        },
    })))
}

fn effect_key(e: &Effect) -> &'static str {
    match e {
        Effect::Forbid => "forbid",
        Effect::Require(_) => "require",
        Effect::Limit(_) => "limit",
        Effect::Review(_) => "review",
    }
}

fn type_key(t: UnitType) -> &'static str {
    match t {
        UnitType::Priority => "Priority",
        UnitType::Key => "Key",
        UnitType::General => "General",
    }
}

async fn unit(
    State(state): State<Arc<ServiceState>>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let active = state.rules.current();
    let rs = &active.rule_set;
    let found = rs
        .unit_by_code(&code)
        .and_then(|i| Some((rs.units.get(i as usize)?, rs.unit_clauses.get(i as usize)?)));
    let Some((u, clause_ids)) = found else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "E-UNIT-NOT-FOUND",
            format!(
                "no control unit `{code}` in rule set `{}` version `{}`",
                rs.header.name, rs.header.version
            ),
        )
        .with_help(
            "unit codes are `ZH` + 6-digit administrative code + type digit + 4-digit serial, e.g. `ZH32011520001`",
        ));
    };
    let clauses: Vec<&crate::compile::Clause> = clause_ids
        .iter()
        .filter_map(|c| rs.clauses.get(c as usize))
        .collect();
    let mut levels: Vec<u32> = clauses.iter().map(|c| c.level).collect();
    levels.sort_by_key(|&l| rs.levels.get(l as usize).map_or(u32::MAX, |x| x.rank));
    levels.dedup();
    let levels: Vec<Value> = levels
        .iter()
        .filter_map(|&l| rs.levels.get(l as usize))
        .map(|l| json!({"name": l.name, "scope": l.scope}))
        .collect();
    let clauses: Vec<Value> = clauses
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "level": rs.levels.get(c.level as usize).map(|l| l.name.as_str()),
                "dimension": c.dimension,
                "dimension_label": c.dimension.label(),
                "effect": effect_key(&c.effect),
                "text": c.text,
                "source": c.location,
            })
        })
        .collect();
    Ok(Json(json!({
        "code": u.code,
        "name": u.name,
        "type": type_key(u.unit_type),
        "type_label": u.unit_type.label(),
        "admin_code": u.admin_code,
        "levels": levels,
        "clauses": clauses,
        "rule_set": active.identity(),
    })))
}

/// Compares two tokens in time independent of where they differ.
fn tokens_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks the `Authorization: Bearer …` header against the configured admin token.
fn authorize(state: &ServiceState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.config.admin_token.as_deref() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "E-ADMIN-DISABLED",
            "the admin endpoints are disabled: no admin token is configured",
        )
        .with_help(
            "start the service with `--admin-token-file FILE` or the `ZONECHECK_ADMIN_TOKEN` environment variable",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then_some(token.trim())
        });
    match given {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E-UNAUTHORIZED",
            "the admin endpoints need an `Authorization: Bearer <token>` header",
        )),
        Some(t) if tokens_equal(t.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E-UNAUTHORIZED",
            "the admin token is wrong",
        )),
    }
}

async fn reload(
    State(state): State<Arc<ServiceState>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let _guard = state.reload_lock.lock().await;
    let previous = state.rules.current();
    let path = state.rules_path().to_path_buf();
    let loaded = tokio::task::spawn_blocking(move || crate::load::load_rule_set(&path))
        .await
        .map_err(|e| ApiError::internal(format!("the reload failed: {e}")))?;
    match loaded {
        Ok(l) => {
            let warnings = l.warnings.len();
            let active = state.rules.replace(l.rule_set);
            Ok(Json(json!({
                "reloaded": true,
                "previous": previous.identity(),
                "active": active.describe(),
                "warnings": warnings,
            })))
        }
        Err(e) => Err(ApiError::reload_failed(&e).with("active", previous.identity())),
    }
}
