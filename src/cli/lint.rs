//! `zonecheck lint DIR`: every error and warning of a rule set, with source lines.

use std::path::Path;

use zonecheck::load::{RulesError, load_rule_set};

use super::EXIT_UNUSABLE;

pub fn run(dir: &Path) -> i32 {
    match load_rule_set(dir) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{}", loaded.sources.render(w));
            }
            let rs = &loaded.rule_set;
            let layers: Vec<&str> = rs.layers.iter().map(|l| l.name.as_str()).collect();
            println!(
                "{}: {} {} — {} clauses in {} levels, {} units, layers: {}; {} warning(s), no errors",
                dir.display(),
                rs.header.name,
                rs.header.version,
                rs.clauses.len(),
                rs.levels.len(),
                rs.units.len(),
                layers.join(", "),
                loaded.warnings.len()
            );
            0
        }
        Err(e) => {
            eprint!("{}", e.render());
            if let RulesError::Invalid { diagnostics, .. } = &e {
                eprintln!(
                    "{}: {} error(s)",
                    dir.display(),
                    diagnostics.iter().filter(|d| d.is_error()).count()
                );
            }
            EXIT_UNUSABLE
        }
    }
}
