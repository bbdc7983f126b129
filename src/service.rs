//! The HTTP service (`zonecheck serve`): the engine behind a small JSON API, beside it and never
//! inside it. The engine does no I/O; this adapter reads requests, bounds their cost, evaluates
//! on blocking threads and answers JSON. Endpoints, limits and status codes: `docs/service.md`;
//! the OpenAPI 3 document: `docs/openapi.json` (served at `/openapi.json`).
//!
//! The rule set is held in a [`state::RuleSetHolder`] (an `ArcSwap`): each request takes the
//! active rule set once and finishes on it, so a reload (`POST /v1/admin/reload`) swaps
//! atomically without disturbing requests in flight, and a failed reload keeps the old set.
//!
//! ```no_run
//! use std::path::Path;
//! use zonecheck::service::{self, Config, Limits};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config { rules_path: "rules/nanjing".into(), admin_token: None, limits: Limits::default() };
//! let state = service::ServiceState::load(config)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! service::serve(listener, state, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod body;
pub mod errors;
pub mod limits;
pub mod page;
pub mod routes;
pub mod state;
pub mod upload;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

pub use errors::ApiError;
pub use limits::Limits;
pub use routes::router;
pub use state::{ActiveRuleSet, RuleSetHolder, ServiceState};

/// What the service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Rule-set directory or snapshot; reloads read the same path.
    pub rules_path: PathBuf,
    /// The admin bearer token; `None` disables `/v1/admin/*`.
    pub admin_token: Option<String>,
    pub limits: Limits,
}

/// Serves the API on `listener` until `shutdown` resolves, then stops accepting connections,
/// lets the requests in flight finish, and returns.
///
/// # Errors
/// The listener failed (accepting connections).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<ServiceState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
