//! Rule-set comparison (`zonecheck diff`, `zonecheck::diff`): reviewed golden reports of the
//! Nanjing 2024.1 → 2026.1 diff, area reconciliation, a version against itself, the
//! tightened/loosened classification of each comparable kind, the priority-unit flag, bad input,
//! and replay counts over the example projects.
//!
//! After an intended change, regenerate the goldens with `ZONECHECK_BLESS=1 cargo test --test diff`
//! and read the diff against `rules/nanjing-2026/CHANGES.md` before committing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use zonecheck::RuleSet;
use zonecheck::diff::{self, ChangeKind, DiffOptions, Direction, RuleSetDiff};
use zonecheck::load::{compile_sources, load_rule_set};
use zonecheck::source::{SourceFile, Sources};

#[path = "common/golden.rs"]
mod golden;
use golden::compare;

fn old() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set)
}

fn new() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| {
        load_rule_set(Path::new("rules/nanjing-2026"))
            .unwrap()
            .rule_set
    })
}

fn nanjing_diff() -> &'static RuleSetDiff {
    static D: OnceLock<RuleSetDiff> = OnceLock::new();
    D.get_or_init(|| diff::diff_rule_sets(old(), new(), &DiffOptions::default()).unwrap())
}

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn nanjing_diff_matches_the_reviewed_goldens() {
    let mut failures = Vec::new();
    for (format, ext, by) in [
        ("md", "md", "city"),
        ("json", "json", "city"),
        ("csv", "csv", "district"),
    ] {
        let (out, err, code) = run(&[
            "diff",
            "rules/nanjing",
            "rules/nanjing-2026",
            "--format",
            format,
            "--by",
            by,
        ]);
        assert_eq!(code, 0, "{format}: {err}");
        assert!(err.is_empty(), "{format}: unexpected stderr {err}");
        failures.extend(compare(
            &PathBuf::from(format!("tests/golden/diff/nanjing-2024.1-2026.1.{ext}")),
            &out,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn output_file_is_written() {
    let dir = std::env::temp_dir().join(format!("zonecheck-diff-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("d.json");
    let (out, err, code) = run(&[
        "diff",
        "rules/nanjing",
        "rules/nanjing-2026",
        "--format",
        "json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["new"]["version"], "2026.1");
    std::fs::remove_dir_all(&dir).ok();
}

/// The diff's content is the list in rules/nanjing-2026/CHANGES.md.
#[test]
fn nanjing_diff_reports_every_listed_change() {
    let d = nanjing_diff();
    assert!(d.supersedes_old);
    let u = &d.units;
    let codes = |v: &[diff::transitions::UnitOnly]| -> Vec<String> {
        v.iter().map(|x| x.unit.code.clone()).collect()
    };
    assert_eq!(codes(&u.added), ["ZH32011610002"]);
    assert_eq!(codes(&u.removed), ["ZH32011320001"]);
    let retyped: Vec<(&str, &str)> = u
        .retyped()
        .map(|p| (p.old.code.as_str(), p.new.code.as_str()))
        .collect();
    assert_eq!(retyped, [("ZH32011830001", "ZH32011820002")]);
    let reshaped: Vec<&str> = u.reshaped().map(|p| p.new.code.as_str()).collect();
    assert_eq!(
        reshaped,
        [
            "ZH32011330001",
            "ZH32011520001",
            "ZH32011530001",
            "ZH32011630001"
        ]
    );
    assert_eq!(u.unchanged, 20);

    let c = &d.clauses;
    let ids = |dir: Direction| -> Vec<String> {
        let mut v: Vec<String> = c.with_direction(dir).map(|x| x.new.id.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(
        ids(Direction::Tightened),
        ["NJ-FX-01", "U-GC-02", "U-JN-02", "U-LH-01", "U-LH-02"]
    );
    assert_eq!(
        ids(Direction::Loosened),
        ["CJ-FX-01", "NJ-ZY-02", "TH-WR-01", "YB-KJ-01"]
    );
    assert_eq!(ids(Direction::Unchanged), ["YB-ZY-02"]);
    let renumbered = c.changed.iter().find(|x| x.renumbered).unwrap();
    assert_eq!(renumbered.old.id, "YB-ZY-01");
    let added: Vec<&str> = c.added.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(added, ["U-JNH-01"]);
    let dropped: Vec<&str> = c.dropped.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(dropped, ["U-QX-01", "U-QX-02", "U-ZJS-01"]);
    assert_eq!(c.kept.len(), 46);
    // Every change of each comparable kind is there with its direction.
    let kinds: BTreeMap<&str, (ChangeKind, Direction)> = c
        .changed
        .iter()
        .flat_map(|x| {
            x.items
                .iter()
                .map(move |i| (x.new.id.as_str(), (i.kind, i.direction)))
        })
        .collect();
    assert_eq!(
        kinds["NJ-FX-01"],
        (ChangeKind::Distance, Direction::Tightened)
    );
    assert_eq!(
        kinds["CJ-FX-01"],
        (ChangeKind::Distance, Direction::Loosened)
    );
    assert_eq!(
        kinds["U-LH-02"],
        (ChangeKind::Threshold, Direction::Tightened)
    );
    assert_eq!(
        kinds["U-JN-02"],
        (ChangeKind::Threshold, Direction::Tightened)
    );
    assert_eq!(
        kinds["NJ-ZY-02"],
        (ChangeKind::Threshold, Direction::Loosened)
    );
    assert_eq!(kinds["U-GC-02"], (ChangeKind::Ratio, Direction::Tightened));
    assert_eq!(kinds["TH-WR-01"], (ChangeKind::Ratio, Direction::Loosened));
    assert_eq!(
        kinds["U-LH-01"],
        (ChangeKind::IndustryList, Direction::Tightened)
    );
    assert_eq!(
        kinds["YB-KJ-01"],
        (ChangeKind::IndustryList, Direction::Loosened)
    );
}

#[test]
fn dropped_protection_on_a_priority_unit_is_flagged() {
    let d = nanjing_diff();
    let flags = &d.clauses.dropped_protections;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].clause.id, "U-ZJS-01");
    assert_eq!(flags[0].reason, "clause dropped");
    assert_eq!(flags[0].units[0].0, "ZH32010210001");
    // U-QX-01 was dropped too, but on a key unit: not flagged. The flag heads the report.
    let md = diff::render_markdown(d);
    let flag_at = md
        .find("Protections dropped on priority-protection units: 1")
        .unwrap();
    assert!(flag_at < md.find("## Summary").unwrap());
    assert!(md.contains("| **U-ZJS-01** | forbid | clause dropped | ZH32010210001"));
}

/// Type areas before and after reconcile with the transition matrix: row sums of the exact
/// intersections give each old type's area, column sums each new type's, to 1e-6 of the total
/// area (the two versions cover the same territory, so nothing is left "not covered").
#[test]
fn type_areas_reconcile_with_the_transition_matrix() {
    let d = nanjing_diff();
    let m = &d.transitions;
    let total: f64 = m.old_totals.iter().sum();
    assert!(
        (6500.0..6700.0).contains(&total),
        "Nanjing is ~6,590 km²: {total}"
    );
    let tol = 1e-6 * total;
    for t in 0..3 {
        let row: f64 = m.cells[t][..3].iter().sum();
        let col: f64 = (0..3).map(|r| m.cells[r][t]).sum();
        assert!(
            (row - m.old_totals[t]).abs() < tol,
            "row {t}: {row} vs {}",
            m.old_totals[t]
        );
        assert!(
            (col - m.new_totals[t]).abs() < tol,
            "col {t}: {col} vs {}",
            m.new_totals[t]
        );
        assert!(m.cells[t][3].abs() < tol && m.cells[3][t].abs() < tol);
        // The area table's totals are the same sums.
        assert!((d.areas.total.old[t] - m.old_totals[t]).abs() < 1e-9);
        assert!((d.areas.total.new[t] - m.new_totals[t]).abs() < 1e-9);
    }
    let new_total: f64 = m.new_totals.iter().sum();
    assert!(
        (total - new_total).abs() < tol,
        "same territory: {total} vs {new_total}"
    );
    // The moves of CHANGES.md: general → priority is the 金牛湖 split, key → general the merged
    // port cluster, general → key the re-typed 高淳 unit plus the disc Jiangning's cluster took.
    let added = &d.units.added[0];
    assert!((m.cells[2][0] - added.unit.area_km2).abs() < tol);
    let removed = &d.units.removed[0];
    assert!((m.cells[1][2] - removed.unit.area_km2).abs() < tol);
    let retyped = d.units.retyped().next().unwrap();
    let jn = d
        .units
        .reshaped()
        .find(|p| p.new.code == "ZH32011520001")
        .unwrap();
    assert!((m.cells[2][1] - retyped.new.area_km2 - jn.changed_km2).abs() < tol);
    // By district, the rows add up to the totals.
    let by_district = diff::diff_rule_sets(
        old(),
        new(),
        &DiffOptions {
            by: diff::Grouping::District,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert_eq!(by_district.areas.rows.len(), 11);
    for t in 0..3 {
        let s: f64 = by_district.areas.rows.iter().map(|r| r.old[t]).sum();
        assert!((s - m.old_totals[t]).abs() < 1e-6);
    }
}

#[test]
fn a_version_against_itself_has_no_changes() {
    let d = diff::diff_rule_sets(old(), old(), &DiffOptions::default()).unwrap();
    assert!(d.units.added.is_empty() && d.units.removed.is_empty() && d.units.changed.is_empty());
    assert_eq!(d.units.unchanged, old().units.len());
    assert!(d.clauses.changed.is_empty() && d.clauses.added.is_empty());
    assert!(d.clauses.dropped.is_empty() && d.clauses.dropped_protections.is_empty());
    assert_eq!(d.clauses.kept.len(), old().clauses.len());
    let m = &d.transitions;
    for (r, row) in m.cells.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if r == c && r < 3 {
                assert!((v - m.old_totals[r]).abs() < 1e-6, "diagonal {r}: {v}");
            } else {
                assert!(v.abs() < 1e-6, "off-diagonal ({r},{c}) = {v} km²");
            }
        }
    }
    assert_eq!(m.old_totals, m.new_totals);
}

// ---- classification of each comparable kind, on small rule sets ----------------------------

/// Compiles the Nanjing header (its units, layers, facts and sets) with one extra level.
fn with_level(level: &str) -> RuleSet {
    let mut sources = Sources::default();
    let header = std::fs::read_to_string("rules/nanjing/00-header.zc").unwrap();
    sources.add(SourceFile::new("rules/nanjing/00-header.zc", header));
    sources.add(SourceFile::new("rules/nanjing/99-test.zc", level));
    match compile_sources(sources, Path::new("rules/nanjing")) {
        Ok(l) => l.rule_set,
        Err(e) => panic!("{}", e.render()),
    }
}

/// `(id, old clause body, tightened body, loosened body)`.
const CASES: [(&str, &str, &str, &str); 8] = [
    (
        "DIST",
        "when nature == 新建 and distance(长江) < 1 km\n forbid",
        "when nature == 新建 and distance(长江) < 2 km\n forbid",
        "when nature == 新建 and distance(长江) < 500 m\n forbid",
    ),
    (
        "DIST-REQ",
        "require distance(饮用水水源保护区) >= 500 m",
        "require distance(饮用水水源保护区) >= 1 km",
        "require distance(饮用水水源保护区) >= 300 m",
    ),
    (
        "LIMIT",
        "when nature == 新建\n limit energy_intensity <= 0.5 tce/万元",
        "when nature == 新建\n limit energy_intensity <= 0.4 tce/万元",
        "when nature == 新建\n limit energy_intensity <= 0.6 tce/万元",
    ),
    (
        "EMIT",
        "when increase(VOCs) > 10 t/a\n review \"x\"",
        "when increase(VOCs) > 5 t/a\n review \"x\"",
        "when increase(VOCs) > 20 t/a\n review \"x\"",
    ),
    (
        "RATIO",
        "when increase(VOCs) > 0\n require offset(VOCs) >= 2 * increase(VOCs)",
        "when increase(VOCs) > 0\n require offset(VOCs) >= 3 * increase(VOCs)",
        "when increase(VOCs) > 0\n require offset(VOCs) >= 1.5 * increase(VOCs)",
    ),
    (
        "IND",
        "when industry in [C26, C31]\n forbid",
        "when industry in [C26, C31, C32]\n forbid",
        "when industry in [C261, C31]\n forbid",
    ),
    (
        "IND-NOT",
        "when nature == 新建 and not (industry in [C26])\n require in_park",
        "when nature == 新建 and not (industry in [C261])\n require in_park",
        "when nature == 新建 and not (industry in [C26, C27])\n require in_park",
    ),
    (
        "FUEL",
        "when fuel in [煤, 重油]\n forbid",
        "when fuel in [煤, 重油, 渣油]\n forbid",
        "when fuel in [煤]\n forbid",
    ),
];

fn level_of(changed: bool) -> String {
    let mut s = String::from("level \"测试\" applies to city 3201 {\n");
    for (id, base, tight, loose) in CASES {
        // Both variants in each version: `-T` tightens in the new one, `-L` loosens.
        let (t, l) = if changed {
            (tight, loose)
        } else {
            (base, base)
        };
        for (suffix, body) in [("T", t), ("L", l)] {
            s.push_str(&format!(
                "  clause {id}-{suffix} 空间布局约束 \"测试条款 {id} {suffix}\"\n    {body}\n"
            ));
        }
    }
    s.push_str("}\n");
    s
}

#[test]
fn each_comparable_kind_is_classified_tightened_or_loosened() {
    let a = with_level(&level_of(false));
    let b = with_level(&level_of(true));
    let d = diff::diff_rule_sets(&a, &b, &DiffOptions::default()).unwrap();
    let by_id: BTreeMap<&str, &diff::ClauseChange> = d
        .clauses
        .changed
        .iter()
        .map(|c| (c.new.id.as_str(), c))
        .collect();
    let expect_kind = |id: &str| match id.split('-').next().unwrap() {
        "DIST" => ChangeKind::Distance,
        "LIMIT" | "EMIT" => ChangeKind::Threshold,
        "RATIO" => ChangeKind::Ratio,
        "IND" => ChangeKind::IndustryList,
        _ => ChangeKind::ValueList,
    };
    for (id, ..) in CASES {
        for (suffix, dir) in [("T", Direction::Tightened), ("L", Direction::Loosened)] {
            let key = format!("{id}-{suffix}");
            let c = by_id
                .get(key.as_str())
                .unwrap_or_else(|| panic!("{key} is reported as changed"));
            assert_eq!(c.direction, dir, "{key}: {:?}", c.items);
            assert_eq!(c.items.len(), 1, "{key}: {:?}", c.items);
            assert_eq!(c.items[0].kind, expect_kind(id), "{key}");
        }
    }
    assert_eq!(d.clauses.changed.len(), 2 * CASES.len());
}

#[test]
fn unrelated_lists_and_structure_changes_are_not_comparable() {
    let a = with_level(
        "level \"测试\" applies to city 3201 {\n  clause A 空间布局约束 \"a\"\n    when industry in [C26]\n    forbid\n  clause B 空间布局约束 \"b\"\n    when industry in [C26]\n    forbid\n  clause C 空间布局约束 \"c\"\n    when in_park\n    review \"x\"\n}\n",
    );
    let b = with_level(
        "level \"测试\" applies to city 3201 {\n  clause A 空间布局约束 \"a\"\n    when industry in [C27]\n    forbid\n  clause B 空间布局约束 \"b\"\n    when industry in [C26] and in_park\n    forbid\n  clause C 空间布局约束 \"c\"\n    when in_park\n    forbid\n}\n",
    );
    let d = diff::diff_rule_sets(&a, &b, &DiffOptions::default()).unwrap();
    let dir = |id: &str| {
        d.clauses
            .changed
            .iter()
            .find(|c| c.new.id == id)
            .unwrap()
            .direction
    };
    assert_eq!(dir("A"), Direction::Unclear);
    assert_eq!(dir("B"), Direction::Unclear);
    // review → forbid is a stronger effect.
    assert_eq!(dir("C"), Direction::Tightened);
}

#[test]
fn a_protection_that_stops_applying_to_a_priority_unit_is_flagged() {
    let a = with_level(
        "level \"测试\" applies to city 3201 and type 优先保护 {\n  clause P 空间布局约束 \"p\"\n    when in_park\n    forbid\n}\n",
    );
    let b = with_level(
        "level \"测试\" applies to city 3201 and type 重点管控 {\n  clause P 空间布局约束 \"p\"\n    when in_park\n    forbid\n}\n",
    );
    let d = diff::diff_rule_sets(&a, &b, &DiffOptions::default()).unwrap();
    let f = &d.clauses.dropped_protections;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].reason, "no longer applies to the unit");
    let priority = a
        .units
        .iter()
        .filter(|u| u.unit_type == zonecheck::compile::ruleset::UnitType::Priority)
        .count();
    assert_eq!(f[0].units.len(), priority);
}

// ---- bad input -------------------------------------------------------------------------------

fn temp_rules(name: &str, units: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zonecheck-diff-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("00-header.zc"),
        "ruleset \"测试\" {\n  version \"1\"\n  issuer \"测试\"\n  effective 2024-01-01\n}\nlayer 管控单元 = units \"units.geojson\" code=\"code\" name=\"name\" type=\"type\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("units.geojson"), units).unwrap();
    dir
}

fn square_units(code: &str, lon: f64, lat: f64) -> String {
    let ring = format!(
        "[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]",
        lon + 0.01,
        lon + 0.01,
        lat + 0.01,
        lat + 0.01
    );
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{code}\",\"name\":\"测试单元\",\"type\":\"优先保护\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[{ring}]}}}}]}}"
    )
}

#[test]
fn a_missing_path_is_an_unusable_input() {
    let (out, err, code) = run(&["diff", "rules/nanjing", "rules/no-such-version"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("`rules/no-such-version` does not exist"),
        "{err}"
    );
}

#[test]
fn a_rule_set_that_fails_to_load_shows_its_diagnostics() {
    let dir = temp_rules("broken", &square_units("ZH32010210001", 118.85, 32.06));
    std::fs::write(
        dir.join("10-bad.zc"),
        "level \"x\" applies to city 3201 {\n  clause\n}\n",
    )
    .unwrap();
    let (_, err, code) = run(&["diff", "rules/nanjing", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("10-bad.zc:3:1"),
        "the diagnostic points at the file: {err}"
    );
    assert!(err.contains("could not be loaded"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_different_code_scheme_is_refused() {
    // Beijing codes against Nanjing's: no `ZH` + admin prefix in common.
    let dir = temp_rules("scheme", &square_units("ZH11010110001", 116.4, 39.9));
    let (out, err, code) = run(&["diff", "rules/nanjing", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error[E-DIFF-SCHEME]: the unit codes of"),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unrelated_units_are_refused() {
    // A Nanjing-prefixed code that Nanjing does not have, drawn far from Nanjing.
    let dir = temp_rules("disjoint", &square_units("ZH32010219999", 100.0, 25.0));
    let (_, err, code) = run(&["diff", "rules/nanjing", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error[E-DIFF-DISJOINT]:"), "{err}");
    let rs = load_rule_set(&dir).unwrap().rule_set;
    let e = diff::diff_rule_sets(old(), &rs, &DiffOptions::default()).unwrap_err();
    assert_eq!(e.code(), "E-DIFF-DISJOINT");
    std::fs::remove_dir_all(&dir).ok();
}

// ---- replay ---------------------------------------------------------------------------------

#[test]
fn replay_counts_on_the_example_projects() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("examples/projects")
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let values = files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap());
    let s = diff::replay_counts(old(), new(), values);
    assert_eq!(s.projects, files.len());
    assert_eq!(s.unusable, 0);
    let expected = expected_replay();
    assert_eq!(
        s.verdict_changed, expected.0,
        "verdicts: {:?}\nby clause: {:#?}",
        s.verdicts, s.by_clause
    );
    let by_clause: BTreeMap<&str, BTreeMap<&str, usize>> = s
        .by_clause
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.transitions
                    .iter()
                    .map(|(t, n)| (t.as_str(), *n))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(by_clause, expected.1, "{:#?}", s.by_clause);
    // Re-evaluating a version against itself changes nothing.
    let same = diff::replay_counts(
        old(),
        old(),
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()),
    );
    assert_eq!(same.verdict_changed, 0);
    assert!(same.by_clause.is_empty());
}

/// What the changes of CHANGES.md do to the example projects (verdicts changed, and per clause
/// the outcome transitions):
/// - U-ZJS-01 (dropped) applied to the two 紫金山 projects: the hotel (08) violated it, the water
///   main (07) satisfied it; both are still decided by YX-KJ-01, so no verdict changes;
/// - 高淳 re-typed general → key: the two projects there (10, 11) lose the general-unit clauses
///   (YB-KJ-01 was violated by the dyeing plant 11, which TH-KJ-01 still forbids) and gain the five
///   key-unit clauses (ZD-KJ-01 needs review for new projects);
/// - CJ-FX-01 (5 km → 3 km): the 六合 chemical expansion (01) lies between 3 and 5 km from the
///   Yangtze, so the accident-wastewater review no longer triggers; other reviews keep its verdict.
///
/// The other changes touch no example: no major hazard between 500 and 800 m of a water source,
/// no project in the changed unit lists' thresholds.
fn expected_replay() -> (usize, BTreeMap<&'static str, BTreeMap<&'static str, usize>>) {
    let m = |pairs: &[(&'static str, usize)]| pairs.iter().copied().collect();
    let gained = |n| m(&[("not_applicable→satisfied", n)]);
    (
        0,
        BTreeMap::from([
            ("CJ-FX-01", m(&[("needs_review→satisfied", 1)])),
            (
                "U-ZJS-01",
                m(&[
                    ("satisfied→not_applicable", 1),
                    ("violated→not_applicable", 1),
                ]),
            ),
            (
                "YB-KJ-01",
                m(&[
                    ("satisfied→not_applicable", 1),
                    ("violated→not_applicable", 1),
                ]),
            ),
            ("YB-WR-01", m(&[("satisfied→not_applicable", 2)])),
            ("YB-ZY-02", m(&[("satisfied→not_applicable", 2)])),
            ("ZD-FX-01", gained(2)),
            ("ZD-KJ-01", m(&[("not_applicable→needs_review", 2)])),
            ("ZD-WR-01", gained(2)),
            ("ZD-WR-02", gained(2)),
            ("ZD-ZY-01", gained(2)),
        ]),
    )
}

#[test]
fn conditions_and_exemptions_have_a_direction() {
    let a = with_level(
        "level \"测试\" applies to city 3201 {\n  clause D 空间布局约束 \"d\"\n    when in_park\n    forbid\n  clause E 空间布局约束 \"e\"\n    when nature == 新建\n    forbid\n    unless exemption == 民生基础设施\n  clause F 空间布局约束 \"f\"\n    when nature == 新建\n    forbid\n    unless exemption == 民生基础设施 review \"核实\"\n  clause G 空间布局约束 \"g\"\n    when nature == 新建\n    forbid\n    unless exemption in [民生基础设施]\n}\n",
    );
    let b = with_level(
        "level \"测试\" applies to city 3201 {\n  clause D 空间布局约束 \"d\"\n    forbid\n  clause E 空间布局约束 \"e\"\n    when nature == 新建\n    forbid\n  clause F 空间布局约束 \"f\"\n    when nature == 新建\n    forbid\n    unless exemption == 民生基础设施\n  clause G 空间布局约束 \"g\"\n    when nature == 新建\n    forbid\n    unless exemption in [民生基础设施, 军事国防]\n}\n",
    );
    let d = diff::diff_rule_sets(&a, &b, &DiffOptions::default()).unwrap();
    let get = |id: &str| d.clauses.changed.iter().find(|c| c.new.id == id).unwrap();
    // The `when` removed: the ban now applies to every project.
    assert_eq!(get("D").direction, Direction::Tightened);
    assert_eq!(get("D").items[0].kind, ChangeKind::Condition);
    // The exemption removed.
    assert_eq!(get("E").direction, Direction::Tightened);
    assert_eq!(get("E").items[0].kind, ChangeKind::Exemptions);
    // The exemption no longer needs a person's check.
    assert_eq!(get("F").direction, Direction::Loosened);
    // A wider exemption list.
    assert_eq!(get("G").direction, Direction::Loosened);
    assert_eq!(get("G").items[0].kind, ChangeKind::ValueList);
}

/// `--replay-log`: the projects a bureau screened, re-checked under the new version.
#[test]
fn replay_from_a_screening_log_counts_what_the_update_changes() {
    let dir = std::env::temp_dir().join(format!("zonecheck-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("screenings.db");
    let mut projects: Vec<String> = std::fs::read_dir("examples/projects")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    projects.sort();
    let mut args = vec![
        "check",
        "--rules",
        "rules/nanjing",
        "--log",
        db.to_str().unwrap(),
    ];
    args.extend(projects.iter().map(String::as_str));
    let status = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(&args)
        .output()
        .unwrap()
        .status;
    assert!(matches!(status.code(), Some(0 | 1 | 3)), "{status:?}");

    let log = db.to_str().unwrap();
    let (md, err, code) = run(&[
        "diff",
        "rules/nanjing",
        "rules/nanjing-2026",
        "--replay-log",
        log,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("重放项目 15 个"), "{md}");
    // U-ZJS-01 (a ban in the 紫金山 priority unit) is dropped: the hotel (08) was violating it.
    assert!(md.contains("| U-ZJS-01 |"), "{md}");

    let (json, err, code) = run(&[
        "diff",
        "rules/nanjing",
        "rules/nanjing-2026",
        "--format",
        "json",
        "--replay-log",
        log,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let replay = &v["replay"];
    assert_eq!(replay["projects"], 15);
    // The same counts as replaying the project files directly.
    let direct = diff::replay_counts(
        old(),
        new(),
        projects.iter().map(|p| {
            serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(p).unwrap()).unwrap()
        }),
    );
    assert_eq!(replay, &serde_json::to_value(&direct).unwrap());
    assert_eq!(
        replay["by_clause"]["U-ZJS-01"]["transitions"]["violated→not_applicable"],
        1
    );

    let (csv, _, code) = run(&[
        "diff",
        "rules/nanjing",
        "rules/nanjing-2026",
        "--format",
        "csv",
        "--replay-log",
        log,
    ]);
    assert_eq!(code, 0);
    assert!(csv.contains("replay,projects,,,,,,15,"), "{csv}");

    // A log that is not there is an error, and is not created.
    let missing = dir.join("nope.db");
    let (_, err, code) = run(&[
        "diff",
        "rules/nanjing",
        "rules/nanjing-2026",
        "--replay-log",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("E-LOG"), "{err}");
    assert!(!missing.exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// A protection on priority units whose effect becomes a mere review is a lost protection too.
#[test]
fn a_protection_downgraded_to_review_on_priority_units_is_flagged() {
    let level = |effect: &str| {
        format!(
            "level \"优先保护单元\" applies to city 3201 and type 优先保护 {{\n  clause P-01 空间布局约束 \"禁止开发建设\"\n    when nature == 新建\n    {effect}\n}}\n"
        )
    };
    let old = with_level(&level("forbid"));
    let new = with_level(&level("review \"人工研判\""));
    let d = diff::diff_rule_sets(&old, &new, &DiffOptions::default()).unwrap();
    let flags = &d.clauses.dropped_protections;
    assert!(!flags.is_empty(), "{flags:?}");
    assert!(
        flags
            .iter()
            .all(|f| f.clause.id == "P-01" && f.reason == "downgraded to a review")
    );
    // Unchanged: nothing flagged.
    let same = diff::diff_rule_sets(&old, &old, &DiffOptions::default()).unwrap();
    assert!(same.clauses.dropped_protections.is_empty());
}
