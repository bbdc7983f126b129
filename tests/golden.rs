//! Golden reports: every example project is checked by the real binary against the Nanjing demo
//! rule set, in text and JSON, and compared with the reviewed reports in `tests/golden/`.
//!
//! After an intended change, regenerate with `ZONECHECK_BLESS=1 cargo test --test golden` and
//! read the diff before committing it: these files are reviewed by eye.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/golden.rs"]
mod golden;
use golden::compare;

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples/projects")
        .expect("examples/projects exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn run_check(project: &Path, format: &str) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing", "--format", format])
        .arg(project)
        .output()
        .expect("the binary runs");
    assert!(
        out.stderr.is_empty(),
        "unexpected stderr for {}: {}",
        project.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).expect("utf-8 report"),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn example_reports_match_the_reviewed_goldens() {
    let mut failures = Vec::new();
    let projects = examples();
    assert!(projects.len() >= 12, "at least 12 example projects");
    for p in &projects {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        let (text, code) = run_check(p, "text");
        let (json, json_code) = run_check(p, "json");
        assert_eq!(
            code, json_code,
            "text and JSON give the same exit code for {stem}"
        );
        let text = format!("{text}\n# exit code: {code}\n");
        failures.extend(compare(
            &Path::new("tests/golden").join(format!("{stem}.txt")),
            &text,
        ));
        failures.extend(compare(
            &Path::new("tests/golden").join(format!("{stem}.json")),
            &json,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_examples_cover_every_verdict_and_geometry_kind() {
    let mut codes = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeSet::new();
    for p in examples() {
        let (json, code) = run_check(&p, "json");
        codes.insert(code);
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON report");
        kinds.insert(
            v["project"]["geometry_type"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
    }
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        vec![0, 1, 3],
        "satisfied, violated and needs-review examples"
    );
    for k in ["Point", "LineString", "Polygon", "MultiPolygon"] {
        assert!(kinds.contains(k), "an example with a {k}");
    }
}
