//! The service's state: the active rule set behind an `ArcSwap` (reloadable), the admin token,
//! the limits and the evaluation slots.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};

use super::Config;
use super::limits::Limits;
use crate::compile::RuleSet;
use crate::load::{RulesError, load_rule_set};

/// A loaded rule set and when it was loaded.
#[derive(Debug)]
pub struct ActiveRuleSet {
    pub rule_set: RuleSet,
    /// RFC 3339 UTC time the load finished.
    pub loaded_at: String,
    /// 1 for the rule set loaded at start, +1 per successful reload.
    pub generation: u64,
}

impl ActiveRuleSet {
    /// Name, version and content hash: what every answer says it was evaluated with.
    pub fn identity(&self) -> Value {
        let h = &self.rule_set.header;
        json!({
            "name": h.name,
            "version": h.version,
            "content_hash": self.rule_set.content_hash,
            "loaded_at": self.loaded_at,
        })
    }

    /// The `/v1/rulesets` entry.
    pub fn describe(&self) -> Value {
        let rs = &self.rule_set;
        let h = &rs.header;
        json!({
            "name": h.name,
            "version": h.version,
            "issuer": h.issuer,
            "effective": h.effective,
            "supersedes": h.supersedes,
            "content_hash": rs.content_hash,
            "units": rs.units.len(),
            "clauses": rs.clauses.len(),
            "levels": rs.levels.len(),
            "loaded_at": self.loaded_at,
            "generation": self.generation,
            "active": true,
        })
    }
}

/// The active rule set, swapped atomically on reload. A request calls [`RuleSetHolder::current`]
/// once and keeps that `Arc` to the end, so a reload never changes the rules under it.
#[derive(Debug)]
pub struct RuleSetHolder {
    active: ArcSwap<ActiveRuleSet>,
    generation: AtomicU64,
}

impl RuleSetHolder {
    pub fn new(rule_set: RuleSet) -> Self {
        RuleSetHolder {
            active: ArcSwap::from_pointee(ActiveRuleSet {
                rule_set,
                loaded_at: rfc3339_utc(SystemTime::now()),
                generation: 1,
            }),
            generation: AtomicU64::new(1),
        }
    }

    pub fn current(&self) -> Arc<ActiveRuleSet> {
        self.active.load_full()
    }

    /// Makes `rule_set` the active one; returns it.
    pub fn replace(&self, rule_set: RuleSet) -> Arc<ActiveRuleSet> {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let next = Arc::new(ActiveRuleSet {
            rule_set,
            loaded_at: rfc3339_utc(SystemTime::now()),
            generation,
        });
        self.active.store(Arc::clone(&next));
        next
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct ServiceState {
    pub config: Config,
    pub limits: Limits,
    pub rules: RuleSetHolder,
    /// Held for the duration of a reload, so two reloads never race.
    pub reload_lock: Mutex<()>,
    /// One permit per concurrent evaluation (the number of cores): evaluation is CPU-bound, and
    /// waiting for a permit is cheap, while a blocking thread per queued request is not.
    pub eval_slots: Arc<Semaphore>,
    /// The screening log every evaluation is appended to, if one was given (`--log`). A SQLite
    /// connection serves one writer at a time; appends are short (one transaction each).
    pub log: Option<std::sync::Mutex<crate::log::ScreeningLog>>,
}

impl ServiceState {
    /// Loads the rule set named in the configuration and builds the state.
    ///
    /// # Errors
    /// The rule set could not be loaded ([`RulesError`] with every diagnostic).
    pub fn load(config: Config) -> Result<Arc<Self>, RulesError> {
        let loaded = load_rule_set(&config.rules_path)?;
        Ok(Self::with_rule_set(config, loaded.rule_set))
    }

    /// Builds the state around an already loaded rule set.
    pub fn with_rule_set(config: Config, rule_set: RuleSet) -> Arc<Self> {
        Self::with_parts(config, rule_set, None)
    }

    /// Builds the state around a loaded rule set and, optionally, a screening log.
    pub fn with_parts(
        config: Config,
        rule_set: RuleSet,
        log: Option<crate::log::ScreeningLog>,
    ) -> Arc<Self> {
        let slots = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Arc::new(ServiceState {
            limits: config.limits,
            config,
            rules: RuleSetHolder::new(rule_set),
            reload_lock: Mutex::new(()),
            eval_slots: Arc::new(Semaphore::new(slots)),
            log: log.map(std::sync::Mutex::new),
        })
    }

    /// Appends a screening to the log, if there is one; the answer must not go out unless this
    /// succeeded (a record is acknowledged only once durable).
    ///
    /// # Errors
    /// The log could not be written (503 `E-LOG-WRITE`).
    pub fn record(
        &self,
        assessment: &crate::eval::Assessment,
        project: &crate::eval::Project,
        json: &serde_json::Value,
    ) -> Result<(), super::errors::ApiError> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let meta = crate::log::RecordMeta::new(crate::log::Source::Service, project, json.clone());
        let failed = |why: String| {
            super::errors::ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "E-LOG-WRITE",
                format!(
                    "the screening could not be recorded in the log, so no answer is given: {why}"
                ),
            )
        };
        let log = log
            .lock()
            .map_err(|_| failed("the log is unusable after an earlier failure".into()))?;
        log.append(assessment, &meta)
            .map(|_| ())
            .map_err(|e| failed(e.to_string()))
    }

    /// The configured rule-set path.
    pub fn rules_path(&self) -> &Path {
        &self.config.rules_path
    }
}

/// Formats a time as RFC 3339 UTC with seconds (`2024-07-01T08:30:00Z`).
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(1_719_822_645)),
            "2024-07-01T08:30:45Z"
        );
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
