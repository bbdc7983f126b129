//! Access-list tests (`zonecheck test`): files that pair a project with the answer a rule author
//! expects — the verdict, the units, and each clause's outcome — so that an edit to a list that
//! changes an answer is caught before the list is published (compare `opa test`).
//!
//! A test file is JSON (`*.json` under a rule set's `tests/` folder by default):
//!
//! ```json
//! {"tests": [
//!   {"name": "沿江一公里内新建化工项目被禁止",
//!    "project": "../../../examples/projects/02-yangtze-shore-chemical-new.json",
//!    "with": {"nature": "技改"},
//!    "expect": {"verdict": "violated",
//!               "units": ["ZH32011610001"],
//!               "clauses": {"JS-KJ-01": "violated", "JS-KJ-03": "not_applicable"}}}
//! ]}
//! ```
//!
//! `project` is a path relative to the test file or an inline project object; `with` overrides
//! fields of it (a cheap way to write variants). In `expect`, every key is optional: `verdict`,
//! `units` (the exact set of unit codes touched), and `clauses` (clause id → `violated`,
//! `needs_review`, `satisfied`, or `not_applicable` = the clause must not apply). Chinese labels
//! (违反, 需人工研判, 符合, 不适用) are accepted too. Clauses not named are not checked.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::RuleSet;
use crate::eval::project::project_from_value;
use crate::eval::{Assessment, Outcome, evaluate};

/// Most test files read from one folder, and most tests in one file.
const MAX_FILES: usize = 10_000;
const MAX_TESTS_PER_FILE: usize = 10_000;
/// Deepest folder nesting searched for test files.
const MAX_DEPTH: usize = 8;

/// What a test expects of one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Outcome(Outcome),
    /// The clause must not apply to the project.
    NotApplicable,
}

impl Expected {
    fn parse(s: &str) -> Option<Expected> {
        Some(match s.trim() {
            "violated" | "违反" => Expected::Outcome(Outcome::Violated),
            "needs_review" | "needs review" | "需人工研判" => {
                Expected::Outcome(Outcome::NeedsReview)
            }
            "satisfied" | "符合" => Expected::Outcome(Outcome::Satisfied),
            "not_applicable" | "not applicable" | "不适用" => Expected::NotApplicable,
            _ => return None,
        })
    }

    fn show(self) -> &'static str {
        match self {
            Expected::Outcome(o) => outcome_key(o),
            Expected::NotApplicable => "not_applicable",
        }
    }
}

fn outcome_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Violated => "violated",
        Outcome::NeedsReview => "needs_review",
        Outcome::Satisfied => "satisfied",
    }
}

/// The expectations of one test.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub verdict: Option<Outcome>,
    pub units: Option<Vec<String>>,
    pub clauses: Vec<(String, Expected)>,
}

/// One test: a project and what it should give.
#[derive(Debug, Clone)]
pub struct Case {
    pub file: PathBuf,
    pub name: String,
    /// The project JSON, with `with` applied.
    pub project: Value,
    pub expect: Expect,
}

/// A problem with a test file: which file, where in it, what is wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{file}`: `{field}`: {message}")]
pub struct SuiteError {
    pub file: String,
    /// JSON path within the file, e.g. `tests[2].expect.clauses.JS-KJ-01`.
    pub field: String,
    pub message: String,
}

impl SuiteError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        "E-TEST-FILE"
    }
}

/// One difference between what a test expects and what the rule set gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `verdict`, `units` or `clause JS-KJ-01`.
    pub what: String,
    pub expected: String,
    pub actual: String,
    /// The evaluation's reason, for a clause.
    pub reason: Option<String>,
}

/// How one test came out.
#[derive(Debug, Clone)]
pub enum CaseResult {
    Passed,
    Failed(Vec<Mismatch>),
    /// The project could not be evaluated (its problems).
    Error(Vec<String>),
}

/// Reads every `*.json` test file under `dir` (recursively, sorted by path).
///
/// # Errors
/// Every problem found in every file: unreadable files, invalid JSON (with line and column),
/// missing or mistyped fields, unknown outcome words, unreadable project files.
pub fn load_cases(dir: &Path) -> Result<Vec<Case>, Vec<SuiteError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect_files(dir, &mut files, &mut errors, 0);
    files.sort();
    let mut cases = Vec::new();
    for f in &files {
        match load_file(f) {
            Ok(mut c) => cases.append(&mut c),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<SuiteError>, depth: usize) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(SuiteError {
                file: dir.display().to_string(),
                field: "(folder)".into(),
                message: format!("cannot read the test folder: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if depth >= MAX_DEPTH {
                errors.push(err(
                    &p,
                    "(folder)",
                    format!(
                        "test folders nest deeper than {MAX_DEPTH} levels; its tests would not run"
                    ),
                ));
            } else {
                collect_files(&p, out, errors, depth + 1);
            }
        } else if p.is_file() && p.extension().is_some_and(|e| e == "json") {
            if out.len() >= MAX_FILES {
                errors.push(err(
                    &p,
                    "(file)",
                    format!("more than {MAX_FILES} test files; split the suite"),
                ));
                return;
            }
            out.push(p);
        }
    }
}

fn err(file: &Path, field: impl Into<String>, message: impl Into<String>) -> SuiteError {
    SuiteError {
        file: file.display().to_string(),
        field: field.into(),
        message: message.into(),
    }
}

fn load_file(path: &Path) -> Result<Vec<Case>, Vec<SuiteError>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![err(path, "(file)", format!("cannot read: {e}"))])?;
    let root: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        vec![err(
            path,
            "(file)",
            format!("not valid JSON at line {} column {}", e.line(), e.column()),
        )]
    })?;
    let Some(tests) = root.get("tests").and_then(Value::as_array) else {
        return Err(vec![err(
            path,
            "tests",
            "a test file is an object with a `tests` array",
        )]);
    };
    if tests.len() > MAX_TESTS_PER_FILE {
        return Err(vec![err(
            path,
            "tests",
            format!("has {} tests, more than {MAX_TESTS_PER_FILE}", tests.len()),
        )]);
    }
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for (i, t) in tests.iter().enumerate() {
        match load_case(path, &format!("tests[{i}]"), t) {
            Ok(c) => cases.push(c),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

fn load_case(path: &Path, at: &str, t: &Value) -> Result<Case, Vec<SuiteError>> {
    let mut errors = Vec::new();
    let Some(obj) = t.as_object() else {
        return Err(vec![err(path, at, "a test is an object")]);
    };
    for k in obj.keys() {
        if !["name", "project", "with", "expect"].contains(&k.as_str()) {
            errors.push(err(
                path,
                format!("{at}.{k}"),
                "unknown field (a test has name, project, with, expect)",
            ));
        }
    }
    let name = match obj.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            errors.push(err(path, format!("{at}.name"), "a test needs a name"));
            String::new()
        }
    };
    let mut project = match obj.get("project") {
        Some(Value::String(rel)) => {
            let p = path.parent().unwrap_or(Path::new(".")).join(rel);
            match std::fs::read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|s| serde_json::from_str::<Value>(&s).map_err(|e| e.to_string()))
            {
                Ok(v) => v,
                Err(e) => {
                    errors.push(err(
                        path,
                        format!("{at}.project"),
                        format!("cannot read the project `{}`: {e}", p.display()),
                    ));
                    Value::Null
                }
            }
        }
        Some(v @ Value::Object(_)) => v.clone(),
        _ => {
            errors.push(err(
                path,
                format!("{at}.project"),
                "give a project file path (relative to this file) or an inline project object",
            ));
            Value::Null
        }
    };
    match (obj.get("with"), project.as_object_mut()) {
        (None | Some(Value::Null), _) => {}
        (Some(Value::Object(w)), Some(p)) => {
            for (k, v) in w {
                p.insert(k.clone(), v.clone());
            }
        }
        (Some(Value::Object(_)), None) => {}
        (Some(_), _) => errors.push(err(
            path,
            format!("{at}.with"),
            "must be an object of project fields",
        )),
    }
    let expect = match obj.get("expect") {
        Some(Value::Object(e)) => parse_expect(path, &format!("{at}.expect"), e, &mut errors),
        _ => {
            errors.push(err(
                path,
                format!("{at}.expect"),
                "a test needs an `expect` object (verdict, units, clauses)",
            ));
            Expect::default()
        }
    };
    if errors.is_empty() {
        Ok(Case {
            file: path.to_path_buf(),
            name,
            project,
            expect,
        })
    } else {
        Err(errors)
    }
}

fn parse_expect(
    path: &Path,
    at: &str,
    e: &Map<String, Value>,
    errors: &mut Vec<SuiteError>,
) -> Expect {
    let mut out = Expect::default();
    let bad_word = |field: String| {
        err(
            path,
            field,
            "expected one of violated, needs_review, satisfied, not_applicable (or 违反, 需人工研判, 符合, 不适用)",
        )
    };
    for (k, v) in e {
        let field = format!("{at}.{k}");
        match (k.as_str(), v) {
            ("verdict", Value::String(s)) => match Expected::parse(s) {
                Some(Expected::Outcome(o)) => out.verdict = Some(o),
                _ => errors.push(err(
                    path,
                    field,
                    "a verdict is violated, needs_review or satisfied",
                )),
            },
            ("units", Value::Array(items)) => {
                let mut codes = Vec::new();
                for (i, c) in items.iter().enumerate() {
                    match c.as_str() {
                        Some(s) => codes.push(s.to_string()),
                        None => {
                            errors.push(err(path, format!("{field}[{i}]"), "a unit code string"))
                        }
                    }
                }
                codes.sort();
                out.units = Some(codes);
            }
            ("clauses", Value::Object(m)) => {
                for (id, w) in m {
                    match w.as_str().and_then(Expected::parse) {
                        Some(x) => out.clauses.push((id.clone(), x)),
                        None => errors.push(bad_word(format!("{field}.{id}"))),
                    }
                }
            }
            ("verdict" | "units" | "clauses", _) => {
                errors.push(err(path, field, "has the wrong type"));
            }
            _ => errors.push(err(
                path,
                field,
                "unknown expectation (use verdict, units, clauses)",
            )),
        }
    }
    out
}

/// Runs one test against a rule set.
pub fn run_case(rules: &RuleSet, case: &Case) -> CaseResult {
    let project = match project_from_value(&case.project, &rules.schema) {
        Ok(p) => p,
        Err(e) => return CaseResult::Error(e.errors.iter().map(ToString::to_string).collect()),
    };
    let a = evaluate(rules, &project);
    let mismatches = compare(rules, &a, &case.expect);
    if mismatches.is_empty() {
        CaseResult::Passed
    } else {
        CaseResult::Failed(mismatches)
    }
}

fn compare(rules: &RuleSet, a: &Assessment, expect: &Expect) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(v) = expect.verdict
        && v != a.verdict
    {
        out.push(Mismatch {
            what: "verdict".into(),
            expected: outcome_key(v).into(),
            actual: outcome_key(a.verdict).into(),
            reason: None,
        });
    }
    if let Some(units) = &expect.units {
        let mut got: Vec<String> = a.units.iter().map(|u| u.code.clone()).collect();
        got.sort();
        if &got != units {
            out.push(Mismatch {
                what: "units".into(),
                expected: units.join(", "),
                actual: got.join(", "),
                reason: None,
            });
        }
    }
    for (id, want) in &expect.clauses {
        // A clause the rule set does not have is always reported: `not_applicable` must not
        // pass for a typo or a dropped clause.
        if !rules.clauses.iter().any(|c| &c.id == id) {
            out.push(Mismatch {
                what: format!("clause {id}"),
                expected: want.show().into(),
                actual: "not in the rule set".into(),
                reason: None,
            });
            continue;
        }
        let got = a.clauses.iter().find(|c| &c.id == id);
        let actual = match got {
            Some(c) => Expected::Outcome(c.outcome),
            None => Expected::NotApplicable,
        };
        if actual != *want {
            out.push(Mismatch {
                what: format!("clause {id}"),
                expected: want.show().into(),
                actual: actual.show().into(),
                reason: got.map(|c| c.reason.clone()),
            });
        }
    }
    out
}
