//! A project partly outside the rule set's units is never answered as if it were wholly inside:
//! the part outside needs a person.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use zonecheck::eval::{Outcome, evaluate, parse_project};
use zonecheck::load::load_rule_set;

fn check(location: &str) -> zonecheck::eval::Assessment {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let text =
        std::fs::read_to_string("examples/projects/03-jiangning-retrofit-satisfied.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["location"] = serde_json::from_str(location).unwrap();
    let p = parse_project(&v.to_string(), &rs.schema).unwrap();
    evaluate(&rs, &p)
}

#[test]
fn a_multipoint_with_a_point_outside_every_unit_needs_review() {
    let inside =
        check(r#"{"type": "MultiPoint", "coordinates": [[118.75, 31.75], [118.751, 31.751]]}"#);
    assert_eq!(inside.verdict, Outcome::Satisfied);
    let partly =
        check(r#"{"type": "MultiPoint", "coordinates": [[118.75, 31.75], [121.47, 31.23]]}"#);
    assert_eq!(partly.verdict, Outcome::NeedsReview);
    assert!(
        partly.notes.iter().any(|n| n.contains("2 个点位中有 1 个")),
        "{:?}",
        partly.notes
    );
}

#[test]
fn a_line_leaving_the_rule_set_needs_review() {
    let a = check(r#"{"type": "LineString", "coordinates": [[118.75, 31.75], [121.47, 31.23]]}"#);
    assert_eq!(a.verdict, Outcome::NeedsReview);
    assert!(
        a.notes.iter().any(|n| n.contains("线路约")),
        "{:?}",
        a.notes
    );
}
