//! `zonecheck check --rules DIR PROJECT…`: one report per project; exit code the worst verdict.

use std::io::Write;
use std::path::{Path, PathBuf};

use zonecheck::eval::project::project_from_value;
use zonecheck::eval::{evaluate, parse_project};
use zonecheck::load::load_rule_set;
use zonecheck::log::{LogError, RecordMeta, ScreeningLog, Source};
use zonecheck::report::{MapData, render_html, render_json, render_text, to_json_value};

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

/// Where the location comes from when not (only) from the project file.
pub struct Location<'a> {
    /// A site file whose geometry replaces the project's `location`.
    pub site: Option<&'a Path>,
    /// The coordinate system of the location or site file.
    pub crs: Option<&'a str>,
}

/// A project file: its JSON with `--site`/`--crs` applied, or its text when it is not JSON
/// (the project parser words that error for applicants).
enum ProjectInput {
    Value(serde_json::Value),
    NotJson(String),
}

/// Do two CRS declarations name the same system? (Unparseable ones compare as text; the project
/// parser reports them.)
fn same_declaration(a: &str, b: &str) -> bool {
    use zonecheck::crs::Crs;
    match (Crs::parse(a), Crs::parse(b)) {
        (Ok(x), Ok(y)) => zonecheck::site::resolve::same_system(&x, &y),
        _ => a.trim() == b.trim(),
    }
}

/// Reads a project file and applies `--site` / `--crs`; the problems otherwise.
fn project_value(path: &Path, location: &Location) -> Result<ProjectInput, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("cannot read `{}`: {e}", path.display())])?;
    let mut value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => return Ok(ProjectInput::NotJson(text)),
    };
    let Some(obj) = value.as_object_mut() else {
        return Ok(ProjectInput::Value(value));
    };
    if let Some(site_path) = location.site {
        let shown = site_path.display().to_string();
        let site = zonecheck::site::read_site(site_path, None).map_err(|e| {
            let mut m = format!("[{}] {e}", e.code());
            if let Some(h) = e.help() {
                m.push_str(&format!(" (help: {h})"));
            }
            vec![m]
        })?;
        // The user's declaration: --crs, else the project file's own `crs`; both must agree.
        let file_crs = obj.get("crs").and_then(|c| c.as_str()).map(str::to_string);
        let declared = match (location.crs, file_crs.as_deref()) {
            (Some(flag), Some(file)) if !same_declaration(flag, file) => {
                return Err(vec![format!(
                    "`crs`: the project file declares `{file}`, but --crs declares `{flag}` (help: declare it once)"
                )]);
            }
            (Some(flag), _) => Some(flag.to_string()),
            (None, file) => file.map(str::to_string),
        };
        let fields = zonecheck::site::resolve::project_fields(&site, &shown, declared.as_deref())
            .map_err(|e| {
            let mut m = format!("[{}] {e}", e.code());
            if let Some(h) = e.help() {
                m.push_str(&format!(" (help: {h})"));
            }
            vec![m]
        })?;
        if obj.contains_key("location") {
            eprintln!(
                "note: the location in `{}` is replaced by the site file `{shown}`",
                path.display()
            );
        }
        obj.remove("axis_order");
        for (k, v) in fields {
            if k == "name" && obj.contains_key("name") {
                continue;
            }
            obj.insert(k, v);
        }
        for n in &site.notes {
            eprintln!("note: `{shown}`: {n}");
        }
    } else if let Some(crs) = location.crs {
        match obj.get("crs").and_then(|c| c.as_str()) {
            Some(existing) if !same_declaration(existing, crs) => {
                return Err(vec![format!(
                    "`crs`: the file declares `{existing}`, but --crs declares `{crs}` (help: declare it once)"
                )]);
            }
            _ => {
                obj.insert("crs".into(), crs.into());
            }
        }
    }
    Ok(ProjectInput::Value(value))
}

/// Prints a log error with its code and advice.
pub fn report_log_error(e: &LogError) {
    eprintln!("error[{}]: {e}", e.code());
    if let Some(h) = e.help() {
        eprintln!("  help: {h}");
    }
}

pub fn run(
    rules: &Path,
    format: Format,
    output: Option<&Path>,
    location: &Location,
    projects: &[PathBuf],
    log: Option<&Path>,
) -> i32 {
    if location.site.is_some() && projects.len() != 1 {
        eprintln!(
            "error: --site gives the location of one project; {} project files were given",
            projects.len()
        );
        return EXIT_UNUSABLE;
    }
    // One HTML page per project: several projects go to files in a directory.
    let html_dir = match (format, output) {
        (Format::Html, None) if projects.len() > 1 => {
            eprintln!(
                "error: --format html writes one page per project; {} project files were given (help: add `-o DIR` to write DIR/<project file name>.html for each)",
                projects.len()
            );
            return EXIT_UNUSABLE;
        }
        (Format::Html, Some(dir)) if projects.len() > 1 => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!(
                    "error: --format html with several projects writes into the directory `{}`: {e}",
                    dir.display()
                );
                return EXIT_UNUSABLE;
            }
            Some(dir)
        }
        _ => None,
    };
    let mut html_pages: Vec<(PathBuf, String)> = Vec::new();
    let log = match log.map(ScreeningLog::open).transpose() {
        Ok(l) => l,
        Err(e) => {
            report_log_error(&e);
            return EXIT_UNUSABLE;
        }
    };
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
        let result = project_value(path, location).and_then(|value| {
            let parsed = match value {
                ProjectInput::NotJson(text) => {
                    parse_project(&text, &rs.schema).map(|p| (p, serde_json::Value::Null))
                }
                ProjectInput::Value(v) => project_from_value(&v, &rs.schema).map(|p| (p, v)),
            };
            parsed.map_err(|e| e.errors.iter().map(|f| f.to_string()).collect())
        });
        match result {
            Ok((project, json)) => {
                let a = evaluate(rs, &project);
                if let Some(log) = &log {
                    // Durable before the report is shown: every report printed is logged.
                    let meta = RecordMeta::new(Source::Cli, &project, json);
                    if let Err(e) = log.append(&a, &meta) {
                        report_log_error(&e);
                        return EXIT_UNUSABLE;
                    }
                }
                let code = a.verdict.exit_code();
                if severity(code) > severity(worst) {
                    worst = code;
                }
                match format {
                    Format::Text => texts.push(render_text(&a)),
                    Format::Json if projects.len() == 1 => texts.push(render_json(&a)),
                    Format::Html => {
                        let page = render_html(&a, &MapData::gather(rs, &project, &a));
                        match html_dir {
                            Some(dir) => {
                                html_pages.push((html_page_path(dir, path, &html_pages), page))
                            }
                            None => texts.push(page),
                        }
                    }
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
        Format::Html => texts.concat(),
    };
    if html_dir.is_some() {
        for (p, page) in &html_pages {
            if let Err(e) = std::fs::write(p, page.as_bytes()) {
                eprintln!("error: cannot write `{}`: {e}", p.display());
                return EXIT_UNUSABLE;
            }
        }
        return worst;
    }
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

/// `DIR/<project file stem>.html`, with `-2`, `-3` … when two project files share a stem.
fn html_page_path(dir: &Path, project: &Path, taken: &[(PathBuf, String)]) -> PathBuf {
    let stem = project.file_stem().map_or_else(
        || "project".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut candidate = dir.join(format!("{stem}.html"));
    let mut n = 2;
    while taken.iter().any(|(p, _)| *p == candidate) {
        candidate = dir.join(format!("{stem}-{n}.html"));
        n += 1;
    }
    candidate
}
