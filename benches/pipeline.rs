//! The pipeline on the Nanjing demo: parse + compile the rule set, and check every example
//! project with its full report (text rendering included).
//!
//! Run: `cargo bench --bench pipeline`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use zonecheck::eval::{evaluate, parse_project};
use zonecheck::load::load_rule_set;
use zonecheck::report::render_text;

fn benches(c: &mut Criterion) {
    c.bench_function("compile_nanjing", |b| {
        b.iter(|| {
            black_box(load_rule_set(Path::new("rules/nanjing")).map(|l| l.rule_set.clauses.len()))
        })
    });
    let Ok(loaded) = load_rule_set(Path::new("rules/nanjing")) else {
        return;
    };
    let rs = loaded.rule_set;
    let mut projects = Vec::new();
    if let Ok(dir) = std::fs::read_dir("examples/projects") {
        for e in dir.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path())
                && let Ok(p) = parse_project(&text, &rs.schema)
            {
                projects.push(p);
            }
        }
    }
    c.bench_function("check_and_render_15_examples", |b| {
        b.iter(|| {
            projects
                .iter()
                .map(|p| render_text(&evaluate(&rs, p)).len())
                .sum::<usize>()
        })
    });
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
