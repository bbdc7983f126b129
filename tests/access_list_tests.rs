//! `zonecheck test`: rule authors' regression tests for access lists. The shipped Nanjing tests
//! pass; a changed answer fails with what was expected and what came out; a broken test file is
//! reported with its file and field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn zonecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zonecheck-suite-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn project_path() -> String {
    Path::new("examples/projects/02-yangtze-shore-chemical-new.json")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn the_shipped_nanjing_tests_pass() {
    let out = zonecheck(&["test", "rules/nanjing"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("test result: ok. 22 passed; 0 failed"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_changed_answer_fails_with_expected_and_actual() {
    let dir = temp("changed");
    let test = serde_json::json!({"tests": [
        {"name": "expects the wrong outcome", "project": project_path(),
         "expect": {"verdict": "satisfied", "units": ["ZH00000000000"],
                    "clauses": {"JS-KJ-01": "satisfied", "NO-SUCH-CLAUSE": "violated"}}},
        {"name": "right", "project": project_path(),
         "expect": {"clauses": {"JS-KJ-01": "违反"}}}
    ]});
    std::fs::write(dir.join("t.json"), test.to_string()).unwrap();
    let out = zonecheck(&["test", "rules/nanjing", "--tests", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("test expects the wrong outcome (t.json) ... FAILED"),
        "{t}"
    );
    assert!(t.contains("test right (t.json) ... ok"), "{t}");
    assert!(
        t.contains("verdict: expected satisfied, got violated"),
        "{t}"
    );
    assert!(
        t.contains("units: expected ZH00000000000, got ZH32011610001"),
        "{t}"
    );
    assert!(
        t.contains("clause JS-KJ-01: expected satisfied, got violated"),
        "{t}"
    );
    assert!(t.contains("reason: 禁止情形成立"), "{t}");
    assert!(
        t.contains("clause NO-SUCH-CLAUSE: expected violated, got not in the rule set"),
        "{t}"
    );
    assert!(t.contains("1 passed; 1 failed; 0 errors"), "{t}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn broken_test_files_name_the_file_and_field() {
    let dir = temp("broken");
    std::fs::write(dir.join("a.json"), "{\"tests\": [ {\"name\": \"x\",").unwrap();
    std::fs::write(
        dir.join("b.json"),
        serde_json::json!({"tests": [
            {"name": "bad word", "project": project_path(), "expect": {"clauses": {"JS-KJ-01": "forbidden"}}},
            {"name": "no project", "expect": {}},
            {"name": "missing file", "project": "nope.json", "expect": {"verdict": "maybe"}}
        ]})
        .to_string(),
    )
    .unwrap();
    let out = zonecheck(&["test", "rules/nanjing", "--tests", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("a.json`: `(file)`: not valid JSON at line 1"),
        "{t}"
    );
    assert!(
        t.contains("`tests[0].expect.clauses.JS-KJ-01`: expected one of violated"),
        "{t}"
    );
    assert!(t.contains("`tests[1].project`"), "{t}");
    assert!(
        t.contains("`tests[2].project`: cannot read the project"),
        "{t}"
    );
    assert!(t.contains("`tests[2].expect.verdict`"), "{t}");
    // A project that does not pass validation is an error for that test, not a failure.
    let dir2 = temp("project-error");
    std::fs::write(
        dir2.join("c.json"),
        serde_json::json!({"tests": [{"name": "bad project", "project": project_path(),
            "with": {"industry": ["X9999"]}, "expect": {"verdict": "violated"}}]})
        .to_string(),
    )
    .unwrap();
    let out = zonecheck(&["test", "rules/nanjing", "--tests", dir2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("bad project (c.json) ... ERROR"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("X9999"), "{}", text(&out));
    // No tests at all.
    let empty = temp("empty");
    let out = zonecheck(&["test", "rules/nanjing", "--tests", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no tests found"));
    for d in [dir, dir2, empty] {
        std::fs::remove_dir_all(&d).ok();
    }
}

#[test]
fn the_shipped_nanjing_2026_tests_pass() {
    let out = zonecheck(&["test", "rules/nanjing-2026"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("test result: ok. 24 passed; 0 failed"),
        "{}",
        text(&out)
    );
}

/// What a rule author sees when running the 2024 expectations against the 2026 draft: exactly
/// the answers the update changes (rules/nanjing-2026/CHANGES.md).
#[test]
fn old_expectations_against_the_new_version_show_what_changed() {
    let out = zonecheck(&[
        "test",
        "rules/nanjing-2026",
        "--tests",
        "rules/nanjing/tests",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("clause U-ZJS-01: expected violated, got not in the rule set"),
        "{t}"
    );
    assert!(
        t.contains("units: expected ZH32011830001, got ZH32011820002"),
        "{t}"
    );
    assert!(
        t.contains("clause YB-KJ-01: expected violated, got not_applicable"),
        "{t}"
    );
    assert!(t.contains("19 passed; 3 failed; 0 errors"), "{t}");
}
