//! zonecheck: may this construction project be built where it is planned?
//!
//! China zones its territory into environmental control units (环境管控单元), each with an
//! access list (生态环境准入清单) at every level above it. zonecheck compiles access lists written
//! in a small language into a rule set indexed by control unit, and evaluates a project's
//! location, industry codes, emissions and facts against it: which units the project touches,
//! which clauses apply, and which are violated, satisfied or need a person — each with evidence.
//!
//! The pipeline, one module per stage:
//! [`syntax`] (parse) → [`compile`] (resolve, check, flatten per unit) → [`index`] (spatial
//! structures) → [`eval`] (three-valued evaluation with evidence) → [`report`] (text, JSON).
//! [`load`] reads a rule-set directory and runs parse and compile.
//!
//! ```
//! use std::path::Path;
//! use zonecheck::{eval, load, report};
//!
//! let loaded = load::load_rule_set(Path::new("rules/nanjing"))?;
//! let rules = &loaded.rule_set;
//! let text = std::fs::read_to_string("examples/projects/02-yangtze-shore-chemical-new.json")?;
//! let project = eval::parse_project(&text, &rules.schema)?;
//! let assessment = eval::evaluate(rules, &project);
//! assert_eq!(assessment.verdict, eval::Outcome::Violated);
//! let ban = assessment.clauses.iter().find(|c| c.id == "JS-KJ-01").expect("applies");
//! assert_eq!(ban.outcome, eval::Outcome::Violated);
//! println!("{}", report::render_text(&assessment));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod batch;
pub mod compile;
pub mod crs;
pub mod diff;
pub mod eval;
pub mod index;
pub mod load;
pub mod log;
pub mod report;
pub mod service;
pub mod site;
pub mod snapshot;
pub mod source;
pub mod suite;
pub mod syntax;

pub use compile::RuleSet;
pub use eval::{Assessment, Outcome, Project, evaluate, parse_project};
pub use load::{RulesError, load_rule_set};
