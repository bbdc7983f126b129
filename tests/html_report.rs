//! The HTML report through the real binary: the text a reader sees is compared with reviewed
//! goldens in `tests/golden/html/` (regenerate with `ZONECHECK_BLESS=1 cargo test --test
//! html_report` and read the diff), the page is checked to be self-contained, and headless
//! Chromium renders it to PNG (and one to PDF) in `target/html-report-png/` for a person to look
//! at. Chromium is the Debian package `chromium`; without it the rendering test is skipped,
//! unless `CI` is set, where it fails.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/golden.rs"]
mod golden;
use golden::compare;

/// A point project with its distance to the Yangtze drawn (violated), a line (needs review), a
/// multi-polygon (satisfied).
const PROJECTS: [&str; 3] = [
    "02-yangtze-shore-chemical-new",
    "12-yuhuatai-gas-pipeline",
    "15-lishui-two-parcels-satisfied",
];

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn project(stem: &str) -> PathBuf {
    Path::new("examples/projects").join(format!("{stem}.json"))
}

/// Runs `check --format html` on one project, to stdout; the page and the exit code.
fn render(stem: &str) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing", "--format", "html"])
        .arg(project(stem))
        .output()
        .expect("the binary runs");
    assert!(
        out.stderr.is_empty(),
        "unexpected stderr for {stem}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).expect("utf-8 page"),
        out.status.code().unwrap_or(-1),
    )
}

fn json_report(stem: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing", "--format", "json"])
        .arg(project(stem))
        .output()
        .expect("the binary runs");
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// The text a reader sees: the style sheet dropped, block tags turned into line breaks (inline
/// ones into nothing), entities decoded, blank lines dropped, runs of spaces collapsed.
fn visible_text(html: &str) -> String {
    let mut rest = html;
    let mut raw = String::new();
    while let Some(i) = rest.find("<style>") {
        raw.push_str(&rest[..i]);
        rest = rest[i..]
            .find("</style>")
            .map_or("", |j| &rest[i + j + "</style>".len()..]);
    }
    raw.push_str(rest);
    let mut text = String::new();
    let mut tag: Option<String> = None;
    for c in raw.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(t), '>') => {
                let name: String = t
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                if !["a", "span", "code", "b", "strong", "em"].contains(&name.as_str()) {
                    text.push('\n');
                }
                tag = None;
            }
            (Some(t), c) => t.push(c),
            (None, c) => text.push(c),
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn html_text_matches_the_reviewed_goldens() {
    let mut failures = Vec::new();
    for stem in PROJECTS {
        let (html, code) = render(stem);
        let text = format!("{}\n# exit code: {code}\n", visible_text(&html));
        failures.extend(compare(
            &Path::new("tests/golden/html").join(format!("{stem}.txt")),
            &text,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn html_pages_are_self_contained_and_well_formed() {
    for stem in PROJECTS {
        let (html, code) = render(stem);
        let json = json_report(stem);
        assert!(html.starts_with("<!DOCTYPE html>"), "{stem}: a doctype");
        assert!(html.trim_end().ends_with("</html>"), "{stem}: complete");
        // No resource from anywhere else: no scheme URLs at all, no scripts, no linked files.
        for bad in [
            "http://", "https://", "//cdn", "<script", "<link", "@import", "<img", "<iframe",
        ] {
            assert!(!html.contains(bad), "{stem}: contains `{bad}`");
        }
        for attr in ["src=", "url(", "href="] {
            for (i, _) in html.match_indices(attr) {
                let after = &html[i + attr.len()..];
                let target = after.trim_start_matches(['"', '\'', '(']);
                assert!(
                    target.starts_with('#'),
                    "{stem}: `{attr}` must point inside the page: {}",
                    &after[..after.len().min(60)]
                );
            }
        }
        assert_eq!(html.matches("<svg").count(), 1, "{stem}: one map");
        assert_eq!(html.matches("</svg>").count(), 1, "{stem}: one map");
        let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
        let units = json["units"].as_array().unwrap();
        assert!(!units.is_empty(), "{stem}: the examples touch units");
        for u in units {
            let code = u["code"].as_str().unwrap();
            assert!(
                svg.contains(&format!(">{code}</text>")),
                "{stem}: unit {code} labelled on the map"
            );
            assert!(
                svg.contains(&format!(r#"class="unit touched" data-code="{code}""#)),
                "{stem}: unit {code} drawn"
            );
        }
        let verdict = json["verdict"].as_str().unwrap();
        assert!(
            html.contains(&format!(r#"class="verdict verdict-{verdict}""#)),
            "{stem}: the verdict class"
        );
        assert_eq!(code, json_exit(verdict), "{stem}: exit code as for text");
        // Balanced structure where it matters.
        for tag in ["section", "article", "table", "ul", "g"] {
            assert_eq!(
                html.matches(&format!("<{tag}>")).count()
                    + html.matches(&format!("<{tag} ")).count(),
                html.matches(&format!("</{tag}>")).count(),
                "{stem}: <{tag}> balanced"
            );
        }
        // Every clause has its anchor, and violations come first in their group.
        for c in json["clauses"].as_array().unwrap() {
            let id = c["id"].as_str().unwrap();
            assert!(
                html.contains(&format!(r#"id="clause-{id}""#)),
                "{stem}: {id}"
            );
        }
    }
}

fn json_exit(verdict: &str) -> i32 {
    match verdict {
        "violated" => 1,
        "needs_review" => 3,
        _ => 0,
    }
}

#[test]
fn the_distance_the_clause_measured_is_drawn_and_labelled() {
    let (html, _) = render("02-yangtze-shore-chemical-new");
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    assert!(svg.contains(r#"class="dimension""#), "a dimension line");
    assert!(
        svg.contains("602.8 m 至 长江干流（南京段，近似中心线）"),
        "the measured distance labelled"
    );
    // Map furniture.
    for part in [r#"class="north""#, r#"class="scale""#, r#"class="legend""#] {
        assert!(svg.contains(part), "{part}");
    }
    // The violated clauses are listed before the satisfied ones within their group.
    let first_violated = html.find(r#"class="clause violated""#).unwrap();
    let jskj03 = html.find(r#"id="clause-JS-KJ-03""#).unwrap();
    assert!(first_violated < jskj03);
}

#[test]
fn several_projects_need_an_output_directory() {
    let projects: Vec<PathBuf> = PROJECTS.iter().map(|s| project(s)).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing", "--format", "html"])
        .args(&projects)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-o DIR"), "{err}");
    assert!(out.stdout.is_empty());

    let dir = out_dir("html-many");
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args([
            "check",
            "--rules",
            "rules/nanjing",
            "--format",
            "html",
            "-o",
        ])
        .arg(&dir)
        .args(&projects)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the worst verdict");
    for stem in PROJECTS {
        let page = std::fs::read_to_string(dir.join(format!("{stem}.html"))).unwrap();
        assert_eq!(page, render(stem).0, "{stem}: same page as alone");
    }
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn headless(chromium: &Path, profile: &Path, output_flag: String, page: &Path) {
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
            "--window-size=1240,1754",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(output_flag)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        status.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn chromium_renders_the_pages() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is needed in CI (apt-get install -y chromium fonts-wqy-microhei)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install -y chromium)");
        return;
    };
    let png_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html-report-png");
    std::fs::create_dir_all(&png_dir).unwrap();
    let work = out_dir("html-chromium");
    let profile = work.join("profile");
    for stem in PROJECTS {
        let page = png_dir.join(format!("{stem}.html"));
        std::fs::write(&page, render(stem).0).unwrap();
        let png = png_dir.join(format!("{stem}.png"));
        let _ = std::fs::remove_file(&png);
        headless(
            &chromium,
            &profile,
            format!("--screenshot={}", png.display()),
            &page,
        );
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{stem}: a PNG");
        assert!(bytes.len() > 50_000, "{stem}: the PNG is not blank");
    }
    // The print style sheet: A4 pages.
    let stem = PROJECTS[0];
    let pdf = png_dir.join(format!("{stem}.pdf"));
    let _ = std::fs::remove_file(&pdf);
    headless(
        &chromium,
        &profile,
        format!("--print-to-pdf={}", pdf.display()),
        &png_dir.join(format!("{stem}.html")),
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    // A4 is 595 × 842 points.
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("/MediaBox [0 0 595") || text.contains("/MediaBox [0 0 594"),
        "A4 pages"
    );
    if Path::new("/usr/bin/pdftoppm").exists() {
        for e in std::fs::read_dir(&png_dir).unwrap().flatten() {
            if e.file_name().to_string_lossy().contains("-print-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let status = Command::new("/usr/bin/pdftoppm")
            .args(["-png", "-r", "110", "-f", "1", "-l", "2"])
            .arg(&pdf)
            .arg(png_dir.join(format!("{stem}-print")))
            .status()
            .unwrap();
        assert!(status.success(), "pdftoppm");
    }
}

#[test]
fn the_map_data_agrees_with_the_evaluation() {
    use geo::Intersects;
    let rules = zonecheck::load_rule_set(Path::new("rules/nanjing"))
        .unwrap()
        .rule_set;
    let text = std::fs::read_to_string(project("02-yangtze-shore-chemical-new")).unwrap();
    let p = zonecheck::parse_project(&text, &rules.schema).unwrap();
    let a = zonecheck::evaluate(&rules, &p);
    let map = zonecheck::report::MapData::gather(&rules, &p, &a);
    assert!(map.view.intersects(&map.project), "the project is in view");
    let yangtze = map
        .measurements
        .iter()
        .find(|m| m.layer == "长江")
        .expect("the Yangtze is measured");
    // The same distance the evidence reports (602.8 m), from the project point.
    assert!(
        (yangtze.distance_m - 602.8).abs() < 0.05,
        "{}",
        yangtze.distance_m
    );
    assert!(yangtze.in_view);
    let geo::Geometry::Point(pt) = &map.project else {
        panic!("a point project")
    };
    assert_eq!(yangtze.from, pt.0);
    for id in ["JS-KJ-01", "CJ-KJ-01", "CJ-FX-01"] {
        assert!(yangtze.clauses.iter().any(|c| c == id), "{id}");
    }
    // The touched unit is drawn as touched; the river is among the features.
    assert!(
        map.units
            .iter()
            .any(|u| u.touched && u.code == "ZH32011610001")
    );
    assert!(map.features.iter().any(|f| f.layer == "长江"));
}
