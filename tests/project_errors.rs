//! An applicant's mistakes in a project file: each gives a clear error naming the field (a JSON
//! path such as `location.coordinates[0][3]`) — never a panic, never a silent guess — and
//! `zonecheck check` exits 2 with the problems on stderr.
//!
//! Projects are checked against the Nanjing demo rule set's schema (its facts and pollutants).

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use zonecheck::compile::Schema;
use zonecheck::eval::parse_project;
use zonecheck::eval::project::FieldError;
use zonecheck::load::load_rule_set;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        load_rule_set(Path::new("rules/nanjing"))
            .unwrap_or_else(|e| panic!("{}", e.render()))
            .rule_set
            .schema
    })
}

/// A valid project: a point in Nanjing.
fn base() -> Value {
    json!({
        "name": "测试项目",
        "nature": "新建",
        "industry": ["C2614"],
        "location": {"type": "Point", "coordinates": [118.78, 32.04]}
    })
}

/// The base project changed by `f`.
fn with(f: impl FnOnce(&mut Value)) -> String {
    let mut v = base();
    f(&mut v);
    v.to_string()
}

fn location(geometry: Value) -> String {
    with(|v| v["location"] = geometry)
}

/// Parses a project that must be rejected; returns its problems.
fn errors(text: &str) -> Vec<FieldError> {
    match parse_project(text, schema()) {
        Ok(p) => panic!("accepted: {text}\n→ {p:?}"),
        Err(e) => {
            assert!(!e.errors.is_empty(), "rejected without a reason: {text}");
            e.errors
        }
    }
}

/// Asserts a problem on `field` whose message contains `message`; returns it.
fn has<'a>(errs: &'a [FieldError], field: &str, message: &str) -> &'a FieldError {
    errs.iter()
        .find(|e| e.field == field && e.message.contains(message))
        .unwrap_or_else(|| panic!("no `{field}`: …{message}… among {errs:#?}"))
}

/// Asserts the only problem is on `field`, with `message`; returns it.
fn only<'a>(errs: &'a [FieldError], field: &str, message: &str) -> &'a FieldError {
    assert_eq!(errs.len(), 1, "{errs:#?}");
    has(errs, field, message)
}

fn help(e: &FieldError) -> &str {
    e.help
        .as_deref()
        .unwrap_or_else(|| panic!("no help: {e:?}"))
}

#[test]
fn the_base_project_is_valid() {
    parse_project(&base().to_string(), schema()).unwrap();
}

// ---- the file as a whole --------------------------------------------------------------------

#[test]
fn not_json() {
    let errs = errors("{\n  \"name\": \"x\"\n  \"nature\": \"新建\"\n}");
    let e = only(
        &errs,
        "(file)",
        "not valid JSON at line 3 column 3: expected `,` or `}`",
    );
    // The position is given once.
    assert_eq!(e.message.matches("line 3").count(), 1, "{}", e.message);
}

#[test]
fn an_empty_file() {
    let errs = errors("");
    only(&errs, "(file)", "not valid JSON");
}

#[test]
fn not_an_object() {
    only(
        &errors("[1, 2]"),
        "(file)",
        "a project is a JSON object, found an array",
    );
    only(
        &errors("\"项目\""),
        "(file)",
        "a project is a JSON object, found a string",
    );
}

#[test]
fn every_missing_required_field_is_named() {
    let errs = errors("{}");
    assert_eq!(errs.len(), 4, "{errs:#?}");
    has(&errs, "name", "is missing");
    assert!(help(has(&errs, "nature", "is missing")).contains("新建"));
    assert!(help(has(&errs, "industry", "is missing")).contains("GB/T 4754"));
    assert!(help(has(&errs, "location", "is missing")).contains("GeoJSON"));
}

#[test]
fn each_missing_field_alone() {
    for field in ["name", "nature", "industry", "location"] {
        let text = with(|v| {
            v.as_object_mut().unwrap().remove(field);
        });
        only(&errors(&text), field, "is missing");
    }
}

#[test]
fn an_unknown_top_level_field_lists_the_fields() {
    let errs = errors(&with(|v| v["colour"] = json!("red")));
    let e = only(&errs, "colour", "unknown field");
    assert!(help(e).contains("name, id, nature, industry, location"));
    assert!(help(e).contains("rule-set facts go under `facts`"));
}

#[test]
fn a_rule_set_fact_at_the_top_level_is_an_unknown_field() {
    let errs = errors(&with(|v| v["major_hazard"] = json!(true)));
    let e = only(&errs, "major_hazard", "unknown field");
    assert!(help(e).contains("under `facts`"));
}

// ---- mistyped fields ------------------------------------------------------------------------

#[test]
fn mistyped_fields_each_say_what_was_found() {
    let errs = errors(&with(|v| {
        v["name"] = json!(42);
        v["nature"] = json!(1);
        v["industry"] = json!("C2614");
        v["in_park"] = json!("maybe");
        v["id"] = json!([1]);
    }));
    assert_eq!(errs.len(), 5, "{errs:#?}");
    has(&errs, "name", "must be a string, found a number");
    has(&errs, "nature", "must be a string, found a number");
    let industry = has(
        &errs,
        "industry",
        "must be an array of codes, found the string `C2614`",
    );
    assert_eq!(help(industry), "write [\"C2614\"]");
    has(&errs, "in_park", "must be true or false, found a string");
    has(&errs, "id", "must be a string, found an array");
}

#[test]
fn an_empty_name_and_an_unknown_nature() {
    let errs = errors(&with(|v| {
        v["name"] = json!("  ");
        v["nature"] = json!("新造");
    }));
    has(&errs, "name", "is empty");
    let e = has(&errs, "nature", "unknown construction nature `新造`");
    assert!(help(e).contains("新建, 改建, 扩建, 技术改造, 迁建"));
}

#[test]
fn common_ways_of_writing_nature_and_in_park_are_accepted() {
    let text = with(|v| {
        v["nature"] = json!("技改");
        v["in_park"] = json!("是");
    });
    parse_project(&text, schema()).unwrap();
}

// ---- industry codes -------------------------------------------------------------------------

#[test]
fn an_unknown_industry_code_suggests_codes_nearby() {
    let errs = errors(&with(|v| v["industry"] = json!(["C2614", "C2699"])));
    let e = only(
        &errs,
        "industry[1]",
        "`C2699` is not a GB/T 4754-2017 industry code",
    );
    assert!(
        help(e).starts_with("codes nearby: C26 化学原料和化学制品制造业"),
        "{e:?}"
    );
}

#[test]
fn an_industry_code_with_nothing_nearby_says_how_codes_look() {
    let errs = errors(&with(|v| v["industry"] = json!(["XYZ", 2614])));
    let e = has(
        &errs,
        "industry[0]",
        "`XYZ` is not a GB/T 4754-2017 industry code",
    );
    assert!(help(e).contains("e.g. C2614"));
    has(
        &errs,
        "industry[1]",
        "must be a string code, found a number",
    );
}

#[test]
fn an_empty_industry_list() {
    only(
        &errors(&with(|v| v["industry"] = json!([]))),
        "industry",
        "is empty",
    );
}

// ---- facts and emissions --------------------------------------------------------------------

#[test]
fn an_unknown_fact_lists_the_declared_ones() {
    let errs = errors(&with(|v| v["facts"] = json!({"coal_boiler": 3})));
    let e = only(&errs, "facts.coal_boiler", "unknown fact `coal_boiler`");
    assert!(help(e).contains("coal_boiler_t_h"), "{e:?}");
    // Built-in facts are top-level fields, not listed here.
    assert!(!help(e).contains("nature"), "{e:?}");
}

#[test]
fn a_built_in_fact_under_facts_points_to_the_top_level() {
    let errs = errors(&with(|v| v["facts"] = json!({"in_park": true})));
    let e = only(
        &errs,
        "facts.in_park",
        "`in_park` is a top-level project field",
    );
    assert!(help(e).contains("\"in_park\": …"));
}

#[test]
fn mistyped_facts_each_say_what_is_expected() {
    let errs = errors(&with(|v| {
        v["facts"] = json!({
            "major_hazard": 3,
            "fuel": "柴油",
            "hazardous_storage": "甲醇",
            "coal_boiler_t_h": "NaN",
            "energy_use": "1e400",
            "water_use": "5 t/h",
            "energy_intensity": "0.3 miles"
        })
    }));
    assert_eq!(errs.len(), 7, "{errs:#?}");
    has(
        &errs,
        "facts.major_hazard",
        "must be true or false, found a number",
    );
    has(&errs, "facts.fuel", "`柴油` is not one of 煤, 重油");
    has(&errs, "facts.hazardous_storage", "must be an array of 液氯");
    has(&errs, "facts.coal_boiler_t_h", "`NaN` is not a number");
    has(&errs, "facts.energy_use", "is not a finite number");
    has(
        &errs,
        "facts.water_use",
        "unit `t/h` measures a boiler capacity (steam per hour), but this fact is a volume per year",
    );
    has(&errs, "facts.energy_intensity", "unknown unit `miles`");
}

#[test]
fn facts_with_units_are_converted() {
    let text = with(|v| v["facts"] = json!({"water_use": "2 万m3/a", "coal_boiler_t_h": "20 t/h"}));
    parse_project(&text, schema()).unwrap();
}

#[test]
fn a_set_fact_with_undeclared_values() {
    let errs = errors(&with(|v| {
        v["facts"] = json!({"hazardous_storage": ["甲醇", "铀", 3]})
    }));
    let e = only(&errs, "facts.hazardous_storage", "`铀`");
    assert!(e.message.contains("not among 液氯"), "{e:?}");
}

#[test]
fn facts_and_emissions_must_be_objects() {
    let errs = errors(&with(|v| {
        v["facts"] = json!([1]);
        v["emissions"] = json!([1]);
    }));
    has(&errs, "facts", "must be an object, found an array");
    has(
        &errs,
        "emissions",
        "must be an object keyed by pollutant, found an array",
    );
}

#[test]
fn an_unknown_pollutant_lists_the_rule_sets() {
    let errs = errors(&with(|v| v["emissions"] = json!({"PM10": {"total": 1}})));
    let e = only(&errs, "emissions.PM10", "unknown pollutant `PM10`");
    assert!(help(e).contains("SO2, NOx, 颗粒物, VOCs"), "{e:?}");
}

#[test]
fn a_negative_quantity_fact_is_rejected() {
    let errs = errors(&with(|v| {
        v["facts"] = json!({"water_use": -5, "coal_boiler_t_h": "-2 t/h"})
    }));
    assert_eq!(errs.len(), 2, "{errs:#?}");
    has(
        &errs,
        "facts.water_use",
        "must not be negative: a volume per year",
    );
    has(&errs, "facts.coal_boiler_t_h", "must not be negative");
    // Zero is a quantity like any other.
    let text = with(|v| v["facts"] = json!({"water_use": 0}));
    assert!(parse_project(&text, schema()).is_ok());
}

#[test]
fn a_negative_total_or_offset_is_rejected_but_a_negative_increase_is_a_reduction() {
    let errs = errors(&with(|v| {
        v["emissions"] = json!({"VOCs": {"total": -1, "increase": -2, "offset": -3}})
    }));
    assert_eq!(errs.len(), 2, "{errs:#?}");
    has(&errs, "emissions.VOCs.total", "must not be negative");
    has(&errs, "emissions.VOCs.offset", "must not be negative");
}

#[test]
fn bad_emission_figures() {
    let errs = errors(&with(|v| {
        v["emissions"] = json!({
            "VOCs": {"total": "12 t/a", "increase": "abc", "offset": "3 km", "tot": 1},
            "SO2": 5
        })
    }));
    assert_eq!(errs.len(), 4, "{errs:#?}");
    has(&errs, "emissions.VOCs.increase", "`abc` is not a number");
    has(
        &errs,
        "emissions.VOCs.offset",
        "unit `km` measures a length",
    );
    let tot = has(&errs, "emissions.VOCs.tot", "unknown emission figure");
    assert!(help(tot).contains("total, increase and offset"));
    let so2 = has(&errs, "emissions.SO2", "must be an object, found a number");
    assert!(help(so2).contains("\"total\""));
}

// ---- geometry -------------------------------------------------------------------------------

#[test]
fn an_unclosed_ring() {
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [[
        [118.7, 32.0], [118.8, 32.0], [118.8, 32.1], [118.7, 32.1]
    ]]})));
    let e = only(&errs, "location.coordinates[0]", "the ring is not closed");
    assert!(help(e).contains("repeat the first position"));
}

#[test]
fn too_few_points_in_a_ring() {
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [[
        [118.7, 32.0], [118.8, 32.0], [118.7, 32.0]
    ]]})));
    only(
        &errs,
        "location.coordinates[0]",
        "a polygon ring needs at least 4 positions (3 corners and the closing point), found 3",
    );
}

#[test]
fn a_ring_with_repeated_corners() {
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [[
        [118.7, 32.0], [118.8, 32.0], [118.7, 32.0], [118.8, 32.0], [118.7, 32.0]
    ]]})));
    only(
        &errs,
        "location.coordinates[0]",
        "fewer than 3 distinct corners",
    );
}

#[test]
fn a_ring_whose_corners_lie_on_one_line_encloses_no_area() {
    for ring in [
        json!([[118.7, 32.0], [118.8, 32.0], [118.9, 32.0], [118.7, 32.0]]),
        json!([[118.7, 32.0], [118.8, 32.1], [118.9, 32.2], [118.7, 32.0]]),
    ] {
        let errs = errors(&location(json!({"type": "Polygon", "coordinates": [ring]})));
        let e = only(
            &errs,
            "location.coordinates[0]",
            "the ring encloses no area",
        );
        assert!(help(e).contains("LineString"));
    }
}

#[test]
fn a_tiny_site_is_still_a_polygon() {
    // About 1 m by 1 m: small, but not degenerate.
    let text = location(json!({"type": "Polygon", "coordinates": [[
        [118.78, 32.04], [118.78001, 32.04], [118.78001, 32.04001], [118.78, 32.04]
    ]]}));
    parse_project(&text, schema()).unwrap();
}

#[test]
fn too_few_points_in_a_line() {
    let errs = errors(&location(
        json!({"type": "LineString", "coordinates": [[118.7, 32.0]]}),
    ));
    only(
        &errs,
        "location.coordinates",
        "a line needs at least 2 distinct points, found 1",
    );
    let errs = errors(&location(
        json!({"type": "MultiLineString", "coordinates": [
            [[118.7, 32.0], [118.8, 32.0]],
            [[118.7, 32.0], [118.7, 32.0]]
        ]}),
    ));
    only(
        &errs,
        "location.coordinates[1]",
        "a line needs at least 2 distinct points, found 1",
    );
}

#[test]
fn a_self_intersecting_polygon() {
    // A bow-tie: the boundary crosses itself.
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [[
        [118.7, 32.0], [118.8, 32.1], [118.8, 32.0], [118.7, 32.1], [118.7, 32.0]
    ]]})));
    let e = only(&errs, "location.coordinates", "the polygon is invalid");
    assert!(e.message.contains("self-intersection"), "{e:?}");
    assert!(help(e).contains("must not cross itself"));
}

#[test]
fn a_hole_outside_its_polygon() {
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [
        [[118.7, 32.0], [118.8, 32.0], [118.8, 32.1], [118.7, 32.0]],
        [[119.7, 32.0], [119.8, 32.0], [119.8, 32.1], [119.7, 32.0]]
    ]})));
    let e = only(&errs, "location.coordinates", "the polygon is invalid");
    assert!(help(e).contains("holes must lie inside"));
}

#[test]
fn overlapping_parts_of_a_multipolygon() {
    let part = json!([[[118.7, 32.0], [118.8, 32.0], [118.8, 32.1], [118.7, 32.0]]]);
    let errs = errors(&location(
        json!({"type": "MultiPolygon", "coordinates": [part.clone(), part]}),
    ));
    let e = only(&errs, "location.coordinates", "the polygons are invalid");
    assert!(help(e).contains("must not overlap"));
}

#[test]
fn coordinates_that_are_not_numbers() {
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": ["118.7", 32.0]}),
    ));
    only(
        &errs,
        "location.coordinates[0]",
        "must be a number, found a string",
    );
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [[
        [118.7, 32.0], [118.8, null], [118.8, 32.1], [118.7, 32.0]
    ]]})));
    has(
        &errs,
        "location.coordinates[0][1][1]",
        "must be a number, found null",
    );
}

#[test]
fn positions_with_the_wrong_number_of_numbers() {
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": [118.78, 32.04, 10, 5]}),
    ));
    let e = only(
        &errs,
        "location.coordinates",
        "a position has 2 numbers [lon, lat], found 4",
    );
    assert_eq!(help(e), "[118.78, 32.04]");
    only(
        &errors(&location(json!({"type": "Point", "coordinates": []}))),
        "location.coordinates",
        "found 0",
    );
    // A third number (altitude) is allowed.
    parse_project(
        &location(json!({"type": "Point", "coordinates": [118.78, 32.04, 10]})),
        schema(),
    )
    .unwrap();
}

#[test]
fn nan_and_numbers_beyond_f64_are_not_json() {
    // JSON has no NaN or Infinity, and serde rejects numbers beyond f64's range: the file
    // is reported as invalid JSON, at the offending position.
    let point = |c: &str| {
        format!(
            "{{\"name\": \"x\", \"nature\": \"新建\", \"industry\": [\"C2614\"], \"location\": {{\"type\": \"Point\", \"coordinates\": [{c}, 32.0]}}}}"
        )
    };
    for (c, what) in [
        ("1e400", "number out of range"),
        ("-1e400", "number out of range"),
        ("NaN", "expected value"),
        ("Infinity", "expected value"),
    ] {
        let errs = errors(&point(c));
        let e = only(&errs, "(file)", "not valid JSON at line 1 column");
        assert!(e.message.ends_with(what), "{c}: {e:?}");
    }
}

#[test]
fn huge_but_finite_coordinates_are_shown_compactly() {
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": [1e300, 32.0]}),
    ));
    let e = only(
        &errs,
        "location.coordinates",
        "[1e300, 32] is outside China",
    );
    assert!(e.message.len() < 40, "{e:?}");
}

#[test]
fn coordinates_outside_china_give_the_extent() {
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": [-0.12, 51.5]}),
    ));
    let e = only(
        &errs,
        "location.coordinates",
        "[-0.12, 51.5] is outside China",
    );
    assert!(help(e).contains("longitude 73–136°E and latitude 3–54°N"));
}

#[test]
fn swapped_latitude_and_longitude_are_recognised() {
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": [32.04, 118.78]}),
    ));
    let e = only(
        &errs,
        "location.coordinates",
        "[32.04, 118.78] is outside China",
    );
    assert!(help(e).contains("the numbers look swapped"), "{e:?}");
}

#[test]
fn a_swapped_polygon_reports_a_few_positions_then_a_count() {
    let ring: Vec<Value> = (0..40)
        .map(|i| json!([32.0 + f64::from(i) * 0.001, 118.7]))
        .chain([json!([32.0, 118.8]), json!([32.0, 118.7])])
        .collect();
    let errs = errors(&location(json!({"type": "Polygon", "coordinates": [ring]})));
    assert_eq!(errs.len(), 4, "{errs:#?}");
    assert!(help(has(&errs, "location.coordinates[0][0]", "is outside China")).contains("swapped"));
    has(
        &errs,
        "location.coordinates",
        "and 39 more positions outside China",
    );
}

#[test]
fn projected_coordinates_are_recognised() {
    // CGCS2000 / 3-degree Gauss-Kruger metres, as survey drawings give them.
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": [668000.0, 3546000.0]}),
    ));
    let e = only(&errs, "location.coordinates", "is outside China");
    assert!(help(e).contains("projected coordinates"), "{e:?}");
}

#[test]
fn unsupported_geometry_types_are_named() {
    let errs = errors(&location(
        json!({"type": "GeometryCollection", "geometries": []}),
    ));
    let e = only(
        &errs,
        "location.type",
        "unsupported geometry type `GeometryCollection`",
    );
    assert!(help(e).contains("Multi"), "{e:?}");

    // A whole GeoJSON Feature pasted as the location.
    let errs = errors(&location(json!({"type": "Feature", "properties": {},
        "geometry": {"type": "Point", "coordinates": [118.78, 32.04]}})));
    let e = only(
        &errs,
        "location.type",
        "unsupported geometry type `Feature`",
    );
    assert!(help(e).contains("`geometry`"), "{e:?}");

    let errs = errors(&location(
        json!({"type": "Circle", "coordinates": [118.78, 32.04]}),
    ));
    only(&errs, "location.type", "unsupported geometry type `Circle`");
}

#[test]
fn a_geometry_without_type_or_coordinates() {
    only(
        &errors(&location(json!({"coordinates": [118.78, 32.04]}))),
        "location.type",
        "is missing",
    );
    only(
        &errors(&location(json!({"type": "Point"}))),
        "location.coordinates",
        "is missing",
    );
    // A string is read as WKT; bare numbers are not WKT.
    let errs = errors(&location(json!("118.78,32.04")));
    let e = only(&errs, "location", "is not valid WKT");
    assert!(help(e).contains("POINT (118.78 32.04)"), "{e:?}");
}

#[test]
fn empty_geometries() {
    only(
        &errors(&location(json!({"type": "Polygon", "coordinates": []}))),
        "location.coordinates",
        "a polygon needs an outer ring",
    );
    only(
        &errors(&location(
            json!({"type": "MultiPolygon", "coordinates": []}),
        )),
        "location.coordinates",
        "is empty",
    );
}

#[test]
fn too_many_vertices() {
    let points: Vec<Value> = (0..=zonecheck::eval::project::MAX_VERTICES)
        .map(|i| {
            json!([
                118.0 + (i % 1000) as f64 * 1e-4,
                32.0 + (i / 1000) as f64 * 1e-4
            ])
        })
        .collect();
    let errs = errors(&location(
        json!({"type": "MultiPoint", "coordinates": points}),
    ));
    has(
        &errs,
        "location.coordinates",
        "more than the limit of 100000",
    );
}

#[test]
fn all_problems_of_a_project_are_reported_together() {
    let errs = errors(&with(|v| {
        v["nature"] = json!(1);
        v["industry"] = json!(["C9999"]);
        v["facts"] = json!({"coal_boiler": 3});
        v["location"] = json!({"type": "Point", "coordinates": [32.04, 118.78]});
    }));
    assert_eq!(errs.len(), 4, "{errs:#?}");
    for field in [
        "nature",
        "industry[0]",
        "facts.coal_boiler",
        "location.coordinates",
    ] {
        assert!(errs.iter().any(|e| e.field == field), "{field}: {errs:#?}");
    }
}

// ---- the binary -----------------------------------------------------------------------------

const FIXTURES: &str = "tests/fixtures/projects";

fn check(projects: &[&str], extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing"])
        .args(extra)
        .args(projects.iter().map(|p| format!("{FIXTURES}/{p}")))
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn check_exits_2_and_names_the_field() {
    for (file, field) in [
        (
            "bad-nature-number.json",
            "`nature`: must be a string, found a number",
        ),
        (
            "bad-not-json.json",
            "`(file)`: not valid JSON at line 3 column 3",
        ),
        (
            "bad-swapped-lonlat.json",
            "`location.coordinates[0][0]`: [32.262, 118.795] is outside China (help: the numbers look swapped",
        ),
    ] {
        let (code, stdout, stderr) = check(&[file], &[]);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert!(stdout.is_empty(), "{file}: {stdout}");
        assert!(
            stderr.contains(&format!(
                "error[E-PROJECT]: project `{FIXTURES}/{file}` cannot be checked:"
            )),
            "{file}: {stderr}"
        );
        assert!(stderr.contains(field), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn check_of_a_missing_file_exits_2() {
    let (code, _, stderr) = check(&["no-such-project.json"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn the_good_fixture_is_checked() {
    let (code, stdout, stderr) = check(&["good-xuanwu-office.json"], &[]);
    assert!([0, 1, 3].contains(&code), "exit {code}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(
        stdout.contains("项目：玄武区某软件研发办公楼（测试用）"),
        "{stdout}"
    );
}

#[test]
fn one_bad_project_among_several_exits_2_and_the_good_report_is_still_printed() {
    let (code, stdout, stderr) = check(&["good-xuanwu-office.json", "bad-nature-number.json"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("项目：玄武区某软件研发办公楼（测试用）"),
        "{stdout}"
    );
    assert!(!stdout.contains("建设性质写成数字"), "{stdout}");
    assert!(stderr.contains("bad-nature-number.json"), "{stderr}");
    assert!(stderr.contains("`nature`"), "{stderr}");
    assert!(!stderr.contains("good-xuanwu-office.json"), "{stderr}");

    // The order of the files does not matter.
    let (code, stdout, _) = check(&["bad-nature-number.json", "good-xuanwu-office.json"], &[]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("项目：玄武区某软件研发办公楼（测试用）"),
        "{stdout}"
    );
}

#[test]
fn in_json_a_bad_project_among_several_is_an_entry_with_its_problems() {
    let (code, stdout, stderr) = check(
        &["good-xuanwu-office.json", "bad-swapped-lonlat.json"],
        &["--format", "json"],
    );
    assert_eq!(code, 2, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{stdout}");
    assert!(entries[0].get("error").is_none(), "{stdout}");
    assert_eq!(
        entries[1]["file"],
        format!("{FIXTURES}/bad-swapped-lonlat.json")
    );
    assert_eq!(entries[1]["error"]["code"], "E-PROJECT");
    let problems = entries[1]["error"]["problems"].as_array().unwrap();
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .starts_with("`location.coordinates[0][0]`"),
        "{problems:?}"
    );
}

// ── WKT locations and declared accuracy ─────────────────────────────────────────────────────

#[test]
fn a_wkt_location_is_read_like_geojson() {
    let p = parse_project(
        &location(json!(
            "POLYGON ((118.795 32.262, 118.805 32.262, 118.805 32.27, 118.795 32.262))"
        )),
        schema(),
    )
    .unwrap();
    assert!(matches!(p.location, geo::Geometry::Polygon(_)));
    let p = parse_project(&location(json!("SRID=4490;POINT (118.78 32.04)")), schema()).unwrap();
    assert_eq!(
        p.location,
        geo::Geometry::Point(geo::Point::new(118.78, 32.04))
    );
}

#[test]
fn broken_wkt_says_what_is_wrong() {
    let errs = errors(&location(json!("POLYGON ((118.79 32.26, 118.80")));
    let e = only(&errs, "location", "is not valid WKT");
    assert!(help(e).contains("POINT (118.78 32.04)"), "{e:?}");
    let errs = errors(&location(json!("   ")));
    only(&errs, "location", "empty string");
}

#[test]
fn wkt_positions_go_through_the_same_checks() {
    // Swapped lat/lon in WKT: the position is named by its GeoJSON path.
    let errs = errors(&location(json!("POINT (32.04 118.78)")));
    let e = only(&errs, "location.coordinates", "outside China");
    assert!(help(e).contains("swapped"), "{e:?}");
    // A ring whose corners lie on one line.
    let errs = errors(&location(json!(
        "POLYGON ((118.79 32.26, 118.80 32.26, 118.81 32.26, 118.79 32.26))"
    )));
    has(&errs, "location.coordinates[0]", "encloses no area");
}

#[test]
fn ewkt_srid_declares_the_crs() {
    // CGCS2000 3-degree Gauss-Krüger zone 39 (CM 117°E), surveyors' order (northing first).
    let p = parse_project(
        &location(json!("SRID=4527;POINT (3545000 39500000)")),
        schema(),
    )
    .unwrap();
    let geo::Geometry::Point(pt) = p.location else {
        panic!()
    };
    assert!(
        (pt.x() - 117.0).abs() < 1e-9,
        "on the central meridian: {pt:?}"
    );
    assert!((pt.y() - 32.03).abs() < 0.01, "{pt:?}");
    // A datum that is not CGCS2000 is refused, not reprojected by guess.
    let errs = errors(&location(json!("SRID=2383;POINT (3545000 39500000)")));
    only(&errs, "location", "SRID `2383`");
    // Two declarations that disagree.
    let errs = errors(&with(|v| {
        v["location"] = json!("SRID=4527;POINT (3545000 39500000)");
        v["crs"] = json!("GCJ-02");
    }));
    only(&errs, "location", "but `crs` declares");
}

#[test]
fn a_declared_crs_converts_the_location() {
    // Gauss-Krüger, zone prefix on the easting, GeoJSON order (easting first).
    let p = parse_project(
        &with(|v| {
            v["location"] = json!({"type": "Point", "coordinates": [40_500_000.0, 3_545_000.0]});
            v["crs"] = json!("CGCS2000 3度带 40带");
        }),
        schema(),
    )
    .unwrap();
    let geo::Geometry::Point(pt) = p.location else {
        panic!()
    };
    assert!((pt.x() - 120.0).abs() < 1e-9, "{pt:?}");
    assert_eq!(p.accuracy_m, 0.0);
    // GCJ-02: shifted back by a few hundred metres; the conversion's allowance is added to
    // the accuracy.
    let p = parse_project(
        &with(|v| {
            v["crs"] = json!("GCJ-02");
            v["accuracy_m"] = json!(3);
        }),
        schema(),
    )
    .unwrap();
    let geo::Geometry::Point(pt) = p.location else {
        panic!()
    };
    let moved = ((pt.x() - 118.78) * 94_000.0).hypot((pt.y() - 32.04) * 111_000.0);
    assert!((100.0..1000.0).contains(&moved), "GCJ-02 offset {moved} m");
    assert_eq!(p.accuracy_m, 5.0);
    // Latitude first, declared.
    let p = parse_project(
        &with(|v| {
            v["location"] = json!({"type": "Point", "coordinates": [32.04, 118.78]});
            v["crs"] = json!("CGCS2000");
            v["axis_order"] = json!("lat_lon");
        }),
        schema(),
    )
    .unwrap();
    assert_eq!(
        p.location,
        geo::Geometry::Point(geo::Point::new(118.78, 32.04))
    );
}

#[test]
fn crs_mistakes_are_named() {
    let errs = errors(&with(|v| v["crs"] = json!("Xian 1980")));
    let e = has(&errs, "crs", "");
    assert!(e.help.is_some(), "{e:?}");
    let errs = errors(&with(|v| v["crs"] = json!(4527)));
    only(&errs, "crs", "must be a string");
    let errs = errors(&with(|v| v["axis_order"] = json!("sideways")));
    only(&errs, "axis_order", "unknown axis order");
    // Projected metres with no declaration: refused, with how to declare them.
    let errs = errors(&location(
        json!({"type": "Point", "coordinates": [39_500_000.0, 3_545_000.0]}),
    ));
    let e = only(&errs, "location.coordinates", "outside China");
    assert!(help(e).contains("crs"), "{e:?}");
    // Coordinates that fit no Gauss-Krüger reading.
    let errs = errors(&with(|v| {
        v["location"] = json!({"type": "Point", "coordinates": [118.78, 32.04]});
        v["crs"] = json!("EPSG:4527");
    }));
    only(&errs, "location", "cannot convert");
}

#[test]
fn declared_accuracy_is_read_in_metres() {
    let p = parse_project(&with(|v| v["accuracy_m"] = json!(5)), schema()).unwrap();
    assert_eq!(p.accuracy_m, 5.0);
    let p = parse_project(&with(|v| v["accuracy_m"] = json!("0.02 km")), schema()).unwrap();
    assert!((p.accuracy_m - 20.0).abs() < 1e-9);
    let p = parse_project(&base().to_string(), schema()).unwrap();
    assert_eq!(p.accuracy_m, 0.0);
    let errs = errors(&with(|v| v["accuracy_m"] = json!(-3)));
    only(&errs, "accuracy_m", "not a usable positional accuracy");
    let errs = errors(&with(|v| v["accuracy_m"] = json!("5 t/a")));
    only(&errs, "accuracy_m", "measures");
}

// ── large site boundaries (indexed validity check) ──────────────────────────────────────────

fn big_ring(n: usize) -> Vec<Value> {
    let mut ring: Vec<Value> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            json!([118.80 + 0.01 * a.cos(), 31.95 + 0.008 * a.sin()])
        })
        .collect();
    ring.push(ring[0].clone());
    ring
}

#[test]
fn a_large_boundary_is_checked_like_a_small_one() {
    let ring = big_ring(30_000);
    let p = parse_project(
        &location(json!({"type": "Polygon", "coordinates": [ring.clone()]})),
        schema(),
    )
    .unwrap();
    assert!(matches!(p.location, geo::Geometry::Polygon(_)));
    // Two far-apart vertices swapped: the boundary crosses itself, and the message says where.
    let mut twisted = ring;
    twisted.swap(1000, 16_000);
    let errs = errors(&location(
        json!({"type": "Polygon", "coordinates": [twisted]}),
    ));
    let e = only(
        &errs,
        "location.coordinates",
        "crosses or touches itself at (118.",
    );
    assert!(help(e).contains("must not cross itself"), "{e:?}");
    // Two large overlapping parts.
    let shifted: Vec<Value> = big_ring(20_000)
        .iter()
        .map(|c| json!([c[0].as_f64().unwrap() + 0.005, c[1]]))
        .collect();
    let errs = errors(&location(json!({"type": "MultiPolygon",
        "coordinates": [[big_ring(20_000)], [shifted]]})));
    has(&errs, "location.coordinates", "parts cross");
}

#[test]
fn malformed_positions_under_a_declared_crs_are_reported_not_skipped() {
    // One-number positions: reported by path, never a panic.
    let errs = errors(&with(|v| {
        v["crs"] = json!("WGS84");
        v["location"] = json!({"type": "LineString", "coordinates": [[118.8], [118.9]]});
    }));
    has(&errs, "location.coordinates[0]", "a position has 2 numbers");
    // A third (null) element does not stop the conversion: the point is moved off GCJ-02.
    let p = parse_project(
        &with(|v| {
            v["crs"] = json!("GCJ-02");
            v["location"] = json!({"type": "Point", "coordinates": [118.78, 32.04, null]});
        }),
        schema(),
    )
    .unwrap();
    let geo::Geometry::Point(pt) = p.location else {
        panic!()
    };
    assert!((pt.x() - 118.78).abs() > 1e-4, "converted: {pt:?}");
}
