//! `zonecheck serve --rules <DIR|SNAPSHOT> --addr HOST:PORT`: the HTTP service
//! (`zonecheck::service`, documented in docs/service.md). Stops on SIGTERM or Ctrl-C after the
//! requests in flight have finished, and exits 0.

use std::path::{Path, PathBuf};
use std::time::Duration;

use zonecheck::service::{self, Config, Limits, ServiceState};

use super::EXIT_UNUSABLE;

/// The `serve` options, as parsed by clap.
#[derive(Debug)]
pub struct ServeArgs {
    pub rules: PathBuf,
    pub addr: String,
    pub admin_token_file: Option<PathBuf>,
    pub max_body_bytes: usize,
    pub max_vertices: usize,
    pub max_batch: usize,
    pub eval_timeout_ms: u64,
    pub log: Option<PathBuf>,
}

/// The admin token: from the file if given, else `ZONECHECK_ADMIN_TOKEN`, else none (admin
/// endpoints disabled). Surrounding whitespace is not part of it.
fn admin_token(file: Option<&Path>) -> Result<Option<String>, String> {
    let raw = match file {
        Some(f) => Some(
            std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read the admin token file `{}`: {e}", f.display()))?,
        ),
        None => std::env::var("ZONECHECK_ADMIN_TOKEN").ok(),
    };
    match raw.map(|t| t.trim().to_string()) {
        Some(t) if t.is_empty() => Err("the admin token is empty".into()),
        other => Ok(other),
    }
}

/// Resolves when SIGTERM or Ctrl-C (SIGINT) arrives.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("zonecheck: shutting down, finishing requests in flight");
}

pub fn run(args: ServeArgs) -> i32 {
    let token = match admin_token(args.admin_token_file.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_UNUSABLE;
        }
    };
    let log = match args.log.as_deref().map(zonecheck::log::ScreeningLog::open) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            super::check::report_log_error(&e);
            return EXIT_UNUSABLE;
        }
    };
    let Some(rule_set) = super::load_rules(&args.rules) else {
        return EXIT_UNUSABLE;
    };
    let config = Config {
        rules_path: args.rules.clone(),
        admin_token: token,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            max_vertices: args.max_vertices,
            max_batch: args.max_batch,
            eval_timeout: Duration::from_millis(args.eval_timeout_ms),
        },
    };
    let state = ServiceState::with_parts(config, rule_set, log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_UNUSABLE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&args.addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on `{}`: {e}", args.addr);
                return EXIT_UNUSABLE;
            }
        };
        let addr = listener
            .local_addr()
            .map_or_else(|_| args.addr.clone(), |a| a.to_string());
        {
            let active = state.rules.current();
            let rs = &active.rule_set;
            eprintln!(
                "zonecheck: listening on http://{addr} (rules: {} version {}, {} units, {} clauses)",
                rs.header.name,
                rs.header.version,
                rs.units.len(),
                rs.clauses.len()
            );
        }
        match service::serve(listener, state, shutdown_signal()).await {
            Ok(()) => {
                eprintln!("zonecheck: stopped");
                0
            }
            Err(e) => {
                eprintln!("error: the service failed: {e}");
                EXIT_UNUSABLE
            }
        }
    })
}
