//! A project that declares its positional accuracy (`accuracy_m`) never gets a confident answer
//! that a shift within that accuracy could change: a unit boundary or a distance threshold
//! closer than the accuracy makes the affected result "needs review", with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Value, json};
use zonecheck::eval::project::project_from_value;
use zonecheck::eval::{Assessment, Outcome, evaluate};
use zonecheck::{RuleSet, load_rule_set};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        load_rule_set(Path::new("rules/nanjing"))
            .unwrap_or_else(|e| panic!("{}", e.render()))
            .rule_set
    })
}

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("examples/projects/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn check(v: &Value) -> Assessment {
    evaluate(rules(), &project_from_value(v, &rules().schema).unwrap())
}

fn clause<'a>(a: &'a Assessment, id: &str) -> &'a zonecheck::eval::ClauseResult {
    a.clauses
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} does not apply"))
}

/// The Yangtze-shore chemical project lies 602.8 m from the river: "within 1 km" is violated.
#[test]
fn a_distance_threshold_within_the_accuracy_needs_review() {
    let mut p = example("02-yangtze-shore-chemical-new.json");
    assert_eq!(clause(&check(&p), "JS-KJ-01").outcome, Outcome::Violated);

    // ±300 m: 302.8–902.8 m, still under 1 km for certain.
    p["accuracy_m"] = json!(300);
    let a = check(&p);
    assert_eq!(clause(&a, "JS-KJ-01").outcome, Outcome::Violated);

    // ±450 m: 152.8–1052.8 m, either side of 1 km.
    p["accuracy_m"] = json!(450);
    let a = check(&p);
    let c = clause(&a, "JS-KJ-01");
    assert_eq!(c.outcome, Outcome::NeedsReview);
    assert!(c.reason.contains("位置精度 ±450 m"), "{}", c.reason);
    assert!(c.missing.is_empty(), "nothing is missing: {:?}", c.missing);
    let json = zonecheck::report::to_json_value(&a).to_string();
    assert!(json.contains("\"uncertainty\""), "the evidence says why");
}

/// A point a couple of metres from the boundary between two units.
fn near_boundary() -> (f64, f64, usize) {
    let rs = rules();
    let mut found = Vec::new();
    for u in 0..rs.units.len() as u32 {
        let g = rs.unit_index.geometry(u).unwrap();
        for poly in &g.0 {
            for c in poly.exterior().0.iter().step_by(7) {
                found.clear();
                rs.locate_point(c.x, c.y, &mut found);
                if found.len() < 2 {
                    continue;
                }
                // Step about 2 m off the shared vertex until exactly one unit holds the point.
                for (dx, dy) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
                    let (x, y) = (c.x + dx * 2.0e-5, c.y + dy * 1.8e-5);
                    found.clear();
                    rs.locate_point(x, y, &mut found);
                    if found.len() == 1 {
                        return (x, y, found[0] as usize);
                    }
                }
            }
        }
    }
    panic!("no shared boundary in the Nanjing units");
}

#[test]
fn a_unit_boundary_within_the_accuracy_is_not_decided_confidently() {
    let (lon, lat, unit) = near_boundary();
    let mut p = example("02-yangtze-shore-chemical-new.json");
    p["location"] = json!({"type": "Point", "coordinates": [lon, lat]});

    let exact = check(&p);
    assert_eq!(exact.units.len(), 1);
    assert_eq!(exact.units[0].code, rules().units[unit].code);
    assert!(!exact.units[0].position_uncertain);

    p["accuracy_m"] = json!(10);
    let a = check(&p);
    assert!(
        a.units.len() >= 2,
        "the neighbour is within reach: {:?}",
        a.units
    );
    assert!(a.units.iter().all(|u| u.position_uncertain));
    assert!(
        a.notes.iter().any(|n| n.contains("位置精度")),
        "{:?}",
        a.notes
    );
    // No clause that applies through only some of the units is violated.
    for c in &a.clauses {
        if c.via_units.len() < a.units.len() {
            assert_ne!(c.outcome, Outcome::Violated, "{} {}", c.id, c.reason);
        }
    }
    // Clauses that apply everywhere (the province's) are still decided.
    let everywhere: Vec<_> = a
        .clauses
        .iter()
        .filter(|c| c.via_units.len() == a.units.len())
        .collect();
    assert!(!everywhere.is_empty());
    for c in everywhere {
        let e = exact.clauses.iter().find(|x| x.id == c.id).unwrap();
        if !c.reason.contains("位置精度") {
            assert_eq!(c.outcome, e.outcome, "{}", c.id);
        }
    }

    // Far from the boundary, the same accuracy changes nothing.
    p["accuracy_m"] = json!(0.01);
    let tiny = check(&p);
    assert_eq!(tiny.units.len(), 1);
    assert!(!tiny.units[0].position_uncertain);
    assert_eq!(tiny.verdict, exact.verdict);
}

#[test]
fn screening_agrees_with_the_report_under_uncertainty() {
    let (lon, lat, _) = near_boundary();
    let mut p = example("02-yangtze-shore-chemical-new.json");
    p["accuracy_m"] = json!(10);
    p["location"] = json!({"type": "Point", "coordinates": [lon, lat]});
    let project = project_from_value(&p, &rules().schema).unwrap();
    let mut scratch = zonecheck::eval::screen::Scratch::default();
    let screened = zonecheck::eval::screen::screen_point(rules(), &project, lon, lat, &mut scratch);
    assert_eq!(screened, evaluate(rules(), &project).verdict);
}

/// A point a couple of metres inside the rule set's outer edge, with no other unit in reach:
/// the shifted site may lie outside every unit, so nothing is "violated" for certain.
#[test]
fn near_the_edge_of_the_rule_set_nothing_is_violated_for_certain() {
    let rs = rules();
    let mut found = Vec::new();
    let mut spot = None;
    'search: for u in 0..rs.units.len() as u32 {
        let g = rs.unit_index.geometry(u).unwrap();
        for poly in &g.0 {
            for c in poly.exterior().0.iter().step_by(5) {
                found.clear();
                rs.locate_point(c.x, c.y, &mut found);
                if found.len() != 1 {
                    continue; // shared with a neighbour: not the outer edge
                }
                for (dx, dy) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
                    let (x, y) = (c.x + dx * 2.0e-5, c.y + dy * 1.8e-5);
                    let (ox, oy) = (c.x - dx * 2.0e-5, c.y - dy * 1.8e-5);
                    found.clear();
                    rs.locate_point(x, y, &mut found);
                    let inside = found.len() == 1;
                    found.clear();
                    rs.locate_point(ox, oy, &mut found);
                    if inside && found.is_empty() {
                        spot = Some((x, y));
                        break 'search;
                    }
                }
            }
        }
    }
    let (lon, lat) = spot.expect("a point just inside the outer edge");
    let mut p = example("02-yangtze-shore-chemical-new.json");
    p["location"] = json!({"type": "Point", "coordinates": [lon, lat]});
    let exact = check(&p);
    assert_eq!(exact.verdict, Outcome::Violated);
    p["accuracy_m"] = json!(10);
    let a = check(&p);
    assert!(
        a.notes.iter().any(|n| n.contains("所有管控单元之外")),
        "{:?}",
        a.notes
    );
    assert_eq!(a.verdict, Outcome::NeedsReview);
    assert!(a.clauses.iter().all(|c| c.outcome != Outcome::Violated));
}

/// A comparison that reads two distances: each may move by the accuracy on its own, so their
/// difference may move by twice it.
#[test]
fn two_distances_in_one_comparison_move_independently() {
    use zonecheck::eval::condition::Context;
    use zonecheck::load::compile_sources;
    use zonecheck::source::{SourceFile, Sources};

    let base = example("02-yangtze-shore-chemical-new.json");
    let project = project_from_value(&base, &rules().schema).unwrap();
    let cx = Context::new(rules(), &project);
    let d = |layer: &str| {
        cx.nearest(rules().layer_id(layer).unwrap())
            .unwrap()
            .distance_m
    };
    let gap = d("长江") - d("工业园区");
    let build = |threshold: f64| {
        let mut sources = Sources::default();
        let header = std::fs::read_to_string("rules/nanjing/00-header.zc").unwrap();
        sources.add(SourceFile::new("rules/nanjing/00-header.zc", header));
        sources.add(SourceFile::new(
            "rules/nanjing/99-test.zc",
            format!(
                "level \"测试\" applies to city 3201 {{\n  clause T-01 空间布局约束 \"两距离之差\"\n    when distance(长江) - distance(工业园区) < {threshold} m\n    forbid\n}}\n"
            ),
        ));
        compile_sources(sources, Path::new("rules/nanjing"))
            .unwrap_or_else(|e| panic!("{}", e.render()))
            .rule_set
    };
    // The difference is 15 m under the threshold.
    let rs = build(gap + 15.0);
    let outcome = |acc: f64| {
        let mut p = base.clone();
        p["accuracy_m"] = json!(acc);
        let a = evaluate(&rs, &project_from_value(&p, &rs.schema).unwrap());
        a.clauses.iter().find(|c| c.id == "T-01").unwrap().outcome
    };
    assert_eq!(outcome(0.0), Outcome::Violated);
    // ±5 m each: the difference moves by at most 10 m < 15 m.
    assert_eq!(outcome(5.0), Outcome::Violated);
    // ±10 m each: it may move by 20 m, past the threshold.
    assert_eq!(outcome(10.0), Outcome::NeedsReview);
}
