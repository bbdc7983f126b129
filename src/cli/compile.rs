//! `zonecheck compile DIR -o FILE`: compile a rule set and its spatial index into a snapshot.

use std::path::Path;
use std::time::Instant;

use zonecheck::load::load_rule_set;
use zonecheck::snapshot;

use super::EXIT_UNUSABLE;

pub fn run(dir: &Path, output: &Path) -> i32 {
    let started = Instant::now();
    let loaded = match load_rule_set(dir) {
        Ok(l) => l,
        Err(e) => {
            eprint!("{}", e.render());
            eprintln!(
                "error: the rule set `{}` could not be compiled",
                dir.display()
            );
            return EXIT_UNUSABLE;
        }
    };
    for w in &loaded.warnings {
        eprintln!("{}", loaded.sources.render(w));
    }
    let rs = &loaded.rule_set;
    match snapshot::write(rs, output) {
        Ok(bytes) => {
            eprintln!(
                "{}: {} {} — {} clauses, {} units, {} layers → {} ({:.1} MB) in {:.1} s; content hash {}",
                dir.display(),
                rs.header.name,
                rs.header.version,
                rs.clauses.len(),
                rs.units.len(),
                rs.layers.len(),
                output.display(),
                bytes as f64 / 1e6,
                started.elapsed().as_secs_f64(),
                rs.content_hash
            );
            0
        }
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code());
            EXIT_UNUSABLE
        }
    }
}
