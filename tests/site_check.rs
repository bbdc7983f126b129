//! `zonecheck check --site FILE [--crs DECL]`: the location comes from a site file in any format
//! GIS users hold, converted to CGCS2000 lon/lat; every format of the same example site gives the
//! same units and areas, and an undeclared or contradictory coordinate system is an error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value;

const PROJECT: &str = "examples/projects/01-luhe-chemical-expansion.json";

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing", "--format", "json"])
        .args(args)
        .output()
        .unwrap()
}

fn report(args: &[&str]) -> Value {
    let out = check(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn units(r: &Value) -> Vec<(String, f64)> {
    r["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["code"].as_str().unwrap().to_string(),
                u["overlap_area_m2"].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

#[test]
fn every_format_of_the_example_site_gives_the_same_answer() {
    let reference = report(&["--site", "examples/sites/site.geojson", PROJECT]);
    let ref_units = units(&reference);
    assert!(!ref_units.is_empty());
    let area = reference["project"]["site_area_m2"].as_f64().unwrap();
    assert!((area - 64_480.0).abs() < 50.0, "{area}");
    for f in [
        "site.wkt",
        "site.shp",
        "site.kml",
        "site-table.txt",
        "site-baopan.txt",
    ] {
        let r = report(&["--site", &format!("examples/sites/{f}"), PROJECT]);
        assert_eq!(r["verdict"], reference["verdict"], "{f}");
        let got = units(&r);
        assert_eq!(got.len(), ref_units.len(), "{f}");
        for ((code, a), (rcode, ra)) in got.iter().zip(&ref_units) {
            assert_eq!(code, rcode, "{f}");
            // The projected files are rounded to the centimetre.
            assert!((a - ra).abs() < 1.0, "{f}: {code} {a} vs {ra}");
        }
    }
}

#[test]
fn a_kml_drawn_on_a_chinese_web_map_can_be_declared_gcj02() {
    let wgs = report(&["--site", "examples/sites/site.kml", PROJECT]);
    let gcj = report(&[
        "--site",
        "examples/sites/site.kml",
        "--crs",
        "GCJ-02",
        PROJECT,
    ]);
    // The GCJ-02 reading moves the site by a few hundred metres: a different area in units.
    assert_ne!(units(&wgs), units(&gcj));
}

#[test]
fn a_crs_that_contradicts_the_file_is_an_error() {
    let out = check(&[
        "--site",
        "examples/sites/site.shp",
        "--crs",
        "EPSG:4527",
        PROJECT,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E-SITE-CRS-CONFLICT"), "{err}");
    assert!(err.contains("zone 40") && err.contains("zone 39"), "{err}");
}

#[test]
fn projected_coordinates_without_a_declaration_are_refused_not_guessed() {
    let dir = std::env::temp_dir().join(format!("zonecheck-site-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let table = dir.join("undeclared.txt");
    let text = std::fs::read_to_string("examples/sites/site-table.txt").unwrap();
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.replace("40386", "386"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&table, body).unwrap();
    let out = check(&["--site", table.to_str().unwrap(), PROJECT]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E-SITE-CRS-UNDECLARED"), "{err}");
    assert!(err.contains("--crs"), "says how to declare it: {err}");
    // Declared, it works.
    let r = report(&[
        "--site",
        table.to_str().unwrap(),
        "--crs",
        "CGCS2000 3度带 40带",
        PROJECT,
    ]);
    assert!(!units(&r).is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_broken_site_file_is_reported_with_its_code() {
    let dir = std::env::temp_dir().join(format!("zonecheck-site-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kml = dir.join("broken.kml");
    std::fs::write(&kml, "<kml><Placemark><Polygon>").unwrap();
    let out = check(&["--site", kml.to_str().unwrap(), PROJECT]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E-SITE-KML"), "{err}");
    let out = check(&["--site", "examples/sites/nope.shp", PROJECT]);
    assert_eq!(out.status.code(), Some(2));
    // --site with two projects is refused.
    let out = check(&["--site", "examples/sites/site.wkt", PROJECT, PROJECT]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
