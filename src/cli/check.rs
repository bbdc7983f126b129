//! `zonecheck check --rules DIR PROJECT…`: one report per project; exit code the worst verdict.

use std::io::Write;
use std::path::{Path, PathBuf};

use zonecheck::eval::{evaluate, parse_project};
use zonecheck::load::load_rule_set;
use zonecheck::report::{render_json, render_text, to_json_value};

use super::{EXIT_UNUSABLE, Format};

/// Orders exit codes from best to worst: satisfied, needs review, violated, unusable.
fn severity(code: i32) -> u8 {
    match code {
        0 => 0,
        3 => 1,
        1 => 2,
        _ => 3,
    }
}

pub fn run(rules: &Path, format: Format, output: Option<&Path>, projects: &[PathBuf]) -> i32 {
    let loaded = match load_rule_set(rules) {
        Ok(l) => l,
        Err(e) => {
            eprint!("{}", e.render());
            eprintln!(
                "error: the rule set `{}` could not be loaded",
                rules.display()
            );
            return EXIT_UNUSABLE;
        }
    };
    let rs = &loaded.rule_set;
    let mut worst = 0;
    let mut texts = Vec::new();
    let mut jsons = Vec::new();
    for path in projects {
        let result = std::fs::read_to_string(path)
            .map_err(|e| vec![format!("cannot read `{}`: {e}", path.display())])
            .and_then(|text| {
                parse_project(&text, &rs.schema)
                    .map_err(|e| e.errors.iter().map(|f| f.to_string()).collect())
            });
        match result {
            Ok(project) => {
                let a = evaluate(rs, &project);
                let code = a.verdict.exit_code();
                if severity(code) > severity(worst) {
                    worst = code;
                }
                match format {
                    Format::Text => texts.push(render_text(&a)),
                    Format::Json if projects.len() == 1 => texts.push(render_json(&a)),
                    Format::Json => {
                        let mut v = to_json_value(&a);
                        if let Some(m) = v.as_object_mut() {
                            m.insert("file".into(), path.display().to_string().into());
                        }
                        jsons.push(v);
                    }
                }
            }
            Err(problems) => {
                worst = EXIT_UNUSABLE;
                eprintln!(
                    "error[E-PROJECT]: project `{}` cannot be checked:",
                    path.display()
                );
                for p in &problems {
                    eprintln!("  - {p}");
                }
                if format == Format::Json && projects.len() > 1 {
                    jsons.push(serde_json::json!({"file": path.display().to_string(), "error": {"code": "E-PROJECT", "problems": problems}}));
                }
            }
        }
    }
    let body = match format {
        Format::Json if projects.len() > 1 => {
            serde_json::to_string_pretty(&jsons).unwrap_or_default() + "\n"
        }
        Format::Json => texts.join("\n") + if texts.is_empty() { "" } else { "\n" },
        Format::Text => texts.join("\n────────────────────────────────────────\n\n"),
    };
    let written = match output {
        Some(p) => std::fs::write(p, body.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", p.display())),
        None => std::io::stdout()
            .write_all(body.as_bytes())
            .map_err(|e| format!("cannot write the report: {e}")),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return EXIT_UNUSABLE;
    }
    worst
}
