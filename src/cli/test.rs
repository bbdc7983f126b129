//! `zonecheck test RULES [--tests DIR]`: runs access-list tests (see `zonecheck::suite`) and
//! prints each result, then the failures with what was expected and what came out.

use std::path::Path;

use zonecheck::suite::{CaseResult, load_cases, run_case};

use super::{EXIT_UNUSABLE, load_rules};

pub fn run(rules: &Path, tests: Option<&Path>) -> i32 {
    let tests_dir = tests.map_or_else(|| rules.join("tests"), Path::to_path_buf);
    let cases = match load_cases(&tests_dir) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                eprintln!("error[{}]: {e}", e.code());
            }
            eprintln!(
                "error: the tests in `{}` could not be read ({} problem(s))",
                tests_dir.display(),
                errors.len()
            );
            return EXIT_UNUSABLE;
        }
    };
    let Some(rs) = load_rules(rules) else {
        return EXIT_UNUSABLE;
    };
    if cases.is_empty() {
        eprintln!(
            "error: no tests found in `{}` (help: test files are *.json with a `tests` array; see docs/testing.md)",
            tests_dir.display()
        );
        return EXIT_UNUSABLE;
    }
    println!(
        "running {} tests from {} against {} {}",
        cases.len(),
        tests_dir.display(),
        rs.header.name,
        rs.header.version
    );
    let (mut passed, mut failed, mut errored) = (0, 0, 0);
    let mut report = String::new();
    for case in &cases {
        let file = case
            .file
            .strip_prefix(&tests_dir)
            .unwrap_or(&case.file)
            .display()
            .to_string();
        let status = match run_case(&rs, case) {
            CaseResult::Passed => {
                passed += 1;
                "ok"
            }
            CaseResult::Failed(mismatches) => {
                failed += 1;
                report.push_str(&format!("---- {} ({file}) ----\n", case.name));
                for m in mismatches {
                    report.push_str(&format!(
                        "  {}: expected {}, got {}\n",
                        m.what, m.expected, m.actual
                    ));
                    if let Some(r) = m.reason {
                        report.push_str(&format!("      reason: {r}\n"));
                    }
                }
                "FAILED"
            }
            CaseResult::Error(problems) => {
                errored += 1;
                report.push_str(&format!(
                    "---- {} ({file}) ---- the project cannot be checked:\n",
                    case.name
                ));
                for p in problems {
                    report.push_str(&format!("  - {p}\n"));
                }
                "ERROR"
            }
        };
        println!("test {} ({file}) ... {status}", case.name);
    }
    if !report.is_empty() {
        println!("\nfailures:\n{report}");
    }
    let verdict = if failed + errored == 0 {
        "ok"
    } else {
        "FAILED"
    };
    println!("test result: {verdict}. {passed} passed; {failed} failed; {errored} errors");
    if errored > 0 {
        EXIT_UNUSABLE
    } else if failed > 0 {
        1
    } else {
        0
    }
}
