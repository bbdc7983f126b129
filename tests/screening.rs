//! The screening fast path gives exactly the verdict of the full evaluation, for every example
//! project placed at many points (Nanjing), and for a national project across China.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
mod common;

use std::path::Path;

use geo::{Coord, Geometry, LineString, Point, Polygon};
use zonecheck::compile::program::{fact_bit, pollutant_bit};
use zonecheck::eval::screen::{Scratch, Screener, screen_point, screen_project};
use zonecheck::eval::{Project, evaluate, parse_project};
use zonecheck::load::load_rule_set;

/// A deterministic pseudo-random sequence (xorshift), so failures reproduce.
fn points(seed: u64, n: usize, lon: (f64, f64), lat: (f64, f64)) -> Vec<(f64, f64)> {
    let mut s = seed;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            (
                lon.0 + next() * (lon.1 - lon.0),
                lat.0 + next() * (lat.1 - lat.0),
            )
        })
        .collect()
}

fn moved(p: &Project, lon: f64, lat: f64) -> Project {
    let mut q = p.clone();
    q.location = Geometry::Point(Point::new(lon, lat));
    q
}

#[test]
fn screening_agrees_with_evaluation_for_every_example_across_nanjing() {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let mut scratch = Scratch::default();
    let mut projects = Vec::new();
    for e in std::fs::read_dir("examples/projects").unwrap() {
        let path = e.unwrap().path();
        projects.push(parse_project(&std::fs::read_to_string(&path).unwrap(), &rs.schema).unwrap());
    }
    // Random points over Nanjing and points near the river and the water-source zones, where
    // distance thresholds are decided by measurement rather than by the hints.
    let mut pts = points(7, 300, (118.35, 119.25), (31.2, 32.62));
    pts.extend(points(11, 200, (118.69, 118.73), (31.98, 32.02)));
    pts.extend(points(13, 200, (118.95, 119.0), (32.17, 32.2)));
    // Unit vertices: points on the boundary between two or more units.
    for u in 0..rs.units.len() as u32 {
        let g = rs.unit_index.geometry(u).unwrap();
        for poly in &g.0 {
            pts.extend(poly.exterior().0.iter().step_by(37).map(|c| (c.x, c.y)));
        }
    }
    let mut several = 0;
    for p in &projects {
        // One screener per project over every point, twice: the second pass answers from what
        // the first one learnt about each clause and unit.
        let mut screener = Screener::new(&rs, p);
        let mut wants = Vec::new();
        for pass in 0..2 {
            for &(lon, lat) in &pts {
                let report = evaluate(&rs, &moved(p, lon, lat));
                several += usize::from(report.units.len() > 1);
                let want = report.verdict;
                let got = screen_point(&rs, p, lon, lat, &mut scratch);
                assert_eq!(got, want, "{} at ({lon}, {lat})", p.name);
                let memo = screener.screen(lon, lat);
                assert_eq!(memo, want, "{} at ({lon}, {lat}), pass {pass}", p.name);
                if pass == 0 {
                    wants.push(want);
                }
            }
        }
        // All points at once, through a fresh screener.
        let coords: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
        let mut verdicts = Vec::new();
        Screener::new(&rs, p).screen_many(&coords, &mut verdicts);
        assert_eq!(verdicts, wants, "{}: screen_many", p.name);
    }
    assert!(
        several > 100,
        "points on shared boundaries are screened ({several})"
    );
}

#[test]
fn screening_agrees_with_evaluation_on_the_national_rule_set() {
    if !common::units_path().exists() {
        common::skip_or_fail("screening national", &common::units_path());
        return;
    }
    let rs = load_rule_set(Path::new("rules/national")).unwrap().rule_set;
    let text = r#"{"name": "某化工项目", "nature": "新建", "industry": ["C2614"],
        "location": {"type": "Point", "coordinates": [118.8, 32.0]}, "in_park": false,
        "emissions": {"VOCs": {"total": 12, "increase": 8, "offset": 10}},
        "facts": {}}"#;
    let p = parse_project(text, &rs.schema).unwrap();
    let mut scratch = Scratch::default();
    let mut screener = Screener::new(&rs, &p);
    let mut pts = points(3, 400, (73.5, 135.1), (18.1, 53.6));
    pts.extend(points(5, 200, (114.0, 121.0), (29.0, 32.5))); // along the Yangtze
    // Each point also a few metres east, so that units are screened again from the memo.
    let pts: Vec<(f64, f64)> = pts
        .into_iter()
        .flat_map(|(lon, lat)| [(lon, lat), (lon + 3e-5, lat)])
        .collect();
    let mut located = 0;
    let coords: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
    let mut wants = Vec::new();
    for (lon, lat) in pts {
        let want = evaluate(&rs, &moved(&p, lon, lat));
        wants.push(want.verdict);
        located += usize::from(!want.units.is_empty());
        assert_eq!(
            screen_point(&rs, &p, lon, lat, &mut scratch),
            want.verdict,
            "at ({lon}, {lat})"
        );
        assert_eq!(screener.screen(lon, lat), want.verdict, "at ({lon}, {lat})");
    }
    assert!(located > 600, "most points lie in some unit");
    let mut verdicts = Vec::new();
    Screener::new(&rs, &p).screen_many(&coords, &mut verdicts);
    assert_eq!(verdicts, wants, "screen_many");
    many_projects_agree(&rs, &p);
}

/// A square of half-side `h` degrees of latitude around (lon, lat), or a line across it.
fn site(lon: f64, lat: f64, h: f64, line: bool) -> Geometry<f64> {
    let w = h / lat.to_radians().cos();
    if line {
        return Geometry::LineString(LineString::from(vec![
            (lon - w, lat - h),
            (lon + w * 0.3, lat + h * 0.2),
            (lon + w, lat + h),
        ]));
    }
    Geometry::Polygon(Polygon::new(
        LineString::from(vec![
            (lon - w, lat - h),
            (lon + w, lat - h),
            (lon + w, lat + h),
            (lon - w, lat + h),
            (lon - w, lat - h),
        ]),
        vec![],
    ))
}

/// `screen_project` against `evaluate` for one project: the verdict, the units, their overlaps.
fn assert_site_agrees(rs: &zonecheck::compile::RuleSet, p: &Project, scratch: &mut Scratch) {
    let want = evaluate(rs, p);
    let got = screen_project(rs, p, scratch);
    assert_same_site(rs, p, &got, &want);
}

/// The same through a screener that has already screened the project elsewhere (points and
/// other sites), so its memos are in use.
fn assert_screener_site_agrees(
    rs: &zonecheck::compile::RuleSet,
    screener: &mut Screener,
    p: &Project,
) {
    let want = evaluate(rs, p);
    let got = screener.screen_site(&p.location);
    assert_same_site(rs, p, &got, &want);
}

fn assert_same_site(
    rs: &zonecheck::compile::RuleSet,
    p: &Project,
    got: &zonecheck::eval::screen::SiteScreen,
    want: &zonecheck::eval::Assessment,
) {
    assert_eq!(got.verdict, want.verdict, "{}: {:?}", p.name, p.location);
    let codes: Vec<&str> = got
        .units
        .iter()
        .map(|t| rs.units[t.unit as usize].code.as_str())
        .collect();
    let want_codes: Vec<&str> = want.units.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(codes, want_codes, "{}: {:?}", p.name, p.location);
    for (t, u) in got.units.iter().zip(&want.units) {
        for (a, b) in [
            (t.area_m2, u.overlap_area_m2),
            (t.length_m, u.overlap_length_m),
        ] {
            match (a, b) {
                (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9 * b.abs() + 1e-6, "{a} vs {b}"),
                (a, b) => assert_eq!(a.is_some(), b.is_some()),
            }
        }
    }
}

#[test]
fn screening_sites_agrees_with_evaluation_across_nanjing() {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let mut scratch = Scratch::default();
    let mut pts = points(17, 150, (118.35, 119.25), (31.2, 32.62));
    pts.extend(points(19, 100, (118.69, 118.73), (31.98, 32.02)));
    pts.extend(points(23, 100, (118.95, 119.0), (32.17, 32.2)));
    let mut inside_one = 0;
    for e in std::fs::read_dir("examples/projects").unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let base = parse_project(&text, &rs.schema).unwrap();
        let mut at_rest = base.clone();
        at_rest.accuracy_m = 0.0;
        let mut screener = Screener::new(&rs, &at_rest);
        // The example's own site, then squares and lines from 20 m to 4 km across.
        assert_site_agrees(&rs, &base, &mut scratch);
        for (i, &(lon, lat)) in pts.iter().enumerate() {
            let h = [0.0001, 0.001, 0.005, 0.018][i % 4];
            let mut p = base.clone();
            p.location = site(lon, lat, h, i % 3 == 0);
            p.accuracy_m = 0.0;
            inside_one += usize::from(
                rs.unit_index
                    .grid_unit_containing_rect(
                        Coord {
                            x: lon - 2.0 * h,
                            y: lat - h,
                        },
                        Coord {
                            x: lon + 2.0 * h,
                            y: lat + h,
                        },
                    )
                    .is_some(),
            );
            assert_site_agrees(&rs, &p, &mut scratch);
            // The screener sees the point first, then the site around it.
            let mut point = p.clone();
            point.location = Geometry::Point(Point::new(lon, lat));
            assert_screener_site_agrees(&rs, &mut screener, &point);
            assert_screener_site_agrees(&rs, &mut screener, &p);
        }
    }
    assert!(
        inside_one > 500,
        "the fast path is exercised ({inside_one})"
    );
}

#[test]
fn screening_sites_agrees_with_evaluation_on_the_national_rule_set() {
    if !common::units_path().exists() {
        common::skip_or_fail("screening sites national", &common::units_path());
        return;
    }
    let rs = load_rule_set(Path::new("rules/national")).unwrap().rule_set;
    let text = r#"{"name": "某化工项目", "nature": "新建", "industry": ["C2614"],
        "location": {"type": "Point", "coordinates": [118.8, 32.0]}, "in_park": true,
        "emissions": {"VOCs": {"total": 12, "increase": 8, "offset": 10}}}"#;
    let base = parse_project(text, &rs.schema).unwrap();
    let mut scratch = Scratch::default();
    let mut pts = points(29, 300, (73.5, 135.1), (18.1, 53.6));
    pts.extend(points(31, 200, (114.0, 121.0), (29.0, 32.5))); // along the Yangtze
    // The rule set reads the site area (`site_area` in provincial and basin clauses): a
    // screener that decided those clauses at points must evaluate them again for a site.
    let mut screener = Screener::new(&rs, &base);
    for (i, &(lon, lat)) in pts.iter().enumerate() {
        let mut p = base.clone();
        p.location = site(lon, lat, 0.009, i % 4 == 0);
        assert_site_agrees(&rs, &p, &mut scratch);
        let mut point = p.clone();
        point.location = Geometry::Point(Point::new(lon, lat));
        assert_screener_site_agrees(&rs, &mut screener, &point);
        assert_screener_site_agrees(&rs, &mut screener, &p);
    }
}

/// A clause that reads the site area is unknown at a point and decided for a small site: a
/// screener that has screened the point must not reuse that answer for the site around it.
#[test]
fn a_screener_evaluates_area_clauses_again_for_sites() {
    let rs = nanjing_rules(
        "area",
        r#"
level "南京市" applies to city 3201 {
  clause A-01 资源利用效率 "占地超过五十公顷的项目须编制水土保持方案。"
    when site_area() > 50 ha
    review "须取得水土保持方案批复"

  clause A-02 空间布局约束 "长江岸线一公里范围内禁止新建项目。"
    when nature == 新建 and distance(长江) < 1 km
    forbid

  clause A-03 资源利用效率 "距长江五公里以外占地超过五十公顷的项目须论证用地规模。"
    when distance(长江) > 5 km and site_area() > 50 ha
    review "核实用地规模论证"
}
"#,
    );
    let text = r#"{"name": "某项目", "nature": "新建", "industry": ["I6513"],
        "location": {"type": "Point", "coordinates": [118.8, 32.0]}}"#;
    let base = parse_project(text, &rs.schema).unwrap();
    let mut screener = Screener::new(&rs, &base);
    let mut differ = 0;
    for &(lon, lat) in &points(41, 300, (118.4, 119.2), (31.3, 32.5)) {
        let mut point = base.clone();
        point.location = Geometry::Point(Point::new(lon, lat));
        let mut parcel = base.clone();
        parcel.location = site(lon, lat, 0.0009, false);
        let (at_point, on_parcel) = (evaluate(&rs, &point), evaluate(&rs, &parcel));
        differ += usize::from(at_point.verdict != on_parcel.verdict);
        assert_screener_site_agrees(&rs, &mut screener, &point);
        assert_screener_site_agrees(&rs, &mut screener, &parcel);
    }
    assert!(differ > 50, "the site area changes the verdict ({differ})");
}

/// Points located once by the caller (as `locate --project` does) get the verdicts the screener
/// gives when it locates them itself; units and ends that do not fit the points are not
/// trusted.
#[test]
fn points_located_beforehand_are_screened_as_when_the_screener_locates_them() {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let text =
        std::fs::read_to_string("examples/projects/01-luhe-chemical-expansion.json").unwrap();
    let project = parse_project(&text, &rs.schema).unwrap();
    let pts: Vec<Coord<f64>> = points(17, 3_000, (118.3, 119.3), (31.2, 32.7))
        .into_iter()
        .map(|(x, y)| Coord { x, y })
        .collect();
    let (mut units, mut ends) = (Vec::new(), Vec::new());
    rs.unit_index.locate_points(&pts, &mut units, &mut ends);
    let (mut want, mut got) = (Vec::new(), Vec::new());
    Screener::new(&rs, &project).screen_many(&pts, &mut want);
    Screener::new(&rs, &project).screen_located(&pts, &units, &ends, &mut got);
    assert_eq!(got, want);
    assert!(want.iter().collect::<std::collections::HashSet<_>>().len() > 1);
    // Ends that run past the units, or one short: located again, same verdicts.
    let past: Vec<usize> = ends.iter().map(|e| e + 1).collect();
    Screener::new(&rs, &project).screen_located(&pts, &units, &past, &mut got);
    assert_eq!(got, want);
    Screener::new(&rs, &project).screen_located(&pts, &units, &ends[1..], &mut got);
    assert_eq!(got, want);
}

/// A rule set over the Nanjing demo's units and Yangtze layer with the given declarations and
/// levels, compiled from a scratch directory.
fn nanjing_rules(tag: &str, rules: &str) -> zonecheck::compile::RuleSet {
    let data = std::fs::canonicalize("rules/nanjing/data").unwrap();
    let dir = std::env::temp_dir().join(format!("zonecheck-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let header = format!(
        r#"ruleset "{tag}" {{
  version "1"
  issuer "测试"
  effective 2024-01-01
}}
layer 管控单元 = units "{d}/units.geojson" code="code" name="name" type="type" admin="admin_code"
layer 长江 = features "{d}/yangtze.geojson" name="name"
"#,
        d = data.display()
    );
    std::fs::write(dir.join("rules.zc"), header + rules).unwrap();
    let rs = load_rule_set(&dir).unwrap().rule_set;
    let _ = std::fs::remove_dir_all(&dir);
    rs
}

/// What each clause cannot be violated without, which screening uses to pass over clauses that
/// read facts a project does not state: an `and` needs what any part needs, an `or` what every
/// branch needs, a negation what its operand needs, a requirement what it cannot be false
/// without; `known(…)` and distance tests need nothing.
#[test]
fn a_clause_needs_the_facts_it_cannot_be_violated_without() {
    let rs = nanjing_rules(
        "needs",
        r#"
pollutants [SO2, VOCs]
fact major_hazard : bool "构成危险化学品重大危险源"
fact energy_intensity : number tce/万元 "单位工业增加值综合能耗"

level "南京市" applies to city 3201 {
  clause N-01 环境风险防控 "一" when major_hazard and nature == 新建 forbid
  clause N-02 环境风险防控 "二" when major_hazard or energy_intensity > 1 tce/万元 forbid
  clause N-03 污染物排放管控 "三" when increase(VOCs) > 0 require offset(VOCs) >= increase(VOCs)
  clause N-04 环境风险防控 "四" when not major_hazard forbid
  clause N-05 资源利用效率 "五" when not known(energy_intensity) forbid
  clause N-06 空间布局约束 "六" when distance(长江) < 1 km and in_park forbid
  clause N-07 资源利用效率 "七"
    when nature == 新建
    require energy_intensity <= 0.5 tce/万元 or in_park
  clause N-08 资源利用效率 "八"
    when nature == 新建
    require energy_intensity <= 0.5 tce/万元 and in_park
}
"#,
    );
    let fact = |name: &str| fact_bit(rs.schema.fact_id(name).unwrap());
    let voc = pollutant_bit(rs.schema.pollutant_id("VOCs").unwrap());
    let (hazard, nature, energy) = (
        fact("major_hazard"),
        fact("nature"),
        fact("energy_intensity"),
    );
    let in_park = fact("in_park");
    let want = [
        ("N-01", hazard | nature),
        ("N-02", 0),
        ("N-03", voc),
        ("N-04", hazard),
        ("N-05", 0),
        ("N-06", in_park),
        ("N-07", nature | energy | in_park),
        ("N-08", nature),
    ];
    for (id, needs) in want {
        let c = rs.clauses.iter().position(|c| c.id == id).unwrap();
        let b = rs.clause_body[c] as usize;
        assert_eq!(rs.programs.needs[b], needs, "{id}");
    }
}

/// Screening decides a verdict by looking at violable clauses first and stopping when nothing
/// left can change it (compile/verdict_order.rs). A unit whose clauses give every mix of
/// outcomes — a review clause triggered or not, a violation behind a "needs review", exemptions
/// holding, failing, unknown or to be verified, `or`/`not` in the trigger — must give
/// evaluation's verdict for every combination of the facts they read.
#[test]
fn the_verdict_order_changes_no_verdict() {
    let rs = nanjing_rules(
        "order",
        r#"
fact major_hazard : bool "构成危险化学品重大危险源"
fact energy_intensity : number tce/万元 "单位工业增加值综合能耗"
fact exemption : enum [国家重大战略项目, 民生基础设施] "豁免情形"

level "南京市" applies to city 3201 {
  clause O-01 环境风险防控 "构成重大危险源的项目须开展环境风险评价。"
    when major_hazard
    review "核实环境风险评价"

  clause O-02 资源利用效率 "新建工业项目单位工业增加值综合能耗不高于0.5吨标准煤/万元。"
    when nature == 新建 and industry in [C]
    limit energy_intensity <= 0.5 tce/万元
    unless exemption == 民生基础设施 review "豁免情形须经主管部门认定"

  clause O-03 空间布局约束 "园区外禁止新建、扩建化工项目。"
    when (nature == 新建 or nature == 扩建) and industry in [C26] and not in_park
    forbid
    unless exemption == 国家重大战略项目

  clause O-04 环境风险防控 "化工项目不得构成重大危险源，园区内项目除外。"
    when industry in [C26] and not (in_park and not major_hazard)
    require not major_hazard
}
"#,
    );
    let field = |name: &str, v: &str| -> Option<String> {
        (!v.is_empty()).then(|| format!(r#""{name}": {v}"#))
    };
    let mut scratch = Scratch::default();
    let mut seen = std::collections::BTreeMap::new();
    // Nature and industry are required in a project file; the other facts may be left out.
    for nature in [r#""新建""#, r#""扩建""#, r#""改建""#] {
        for industry in [r#"["C2614"]"#, r#"["C3011"]"#, r#"["I6513"]"#] {
            for in_park in ["", "true", "false"] {
                for hazard in ["", "true", "false"] {
                    for energy in ["", "0.3", "0.9"] {
                        for exemption in ["", r#""国家重大战略项目""#, r#""民生基础设施""#]
                        {
                            let declared: Vec<String> = [
                                field("major_hazard", hazard),
                                field("energy_intensity", energy),
                                field("exemption", exemption),
                            ]
                            .into_iter()
                            .flatten()
                            .collect();
                            let park = field("in_park", in_park)
                                .map_or(String::new(), |f| format!(", {f}"));
                            let text = format!(
                                r#"{{"name": "某项目", "nature": {nature}, "industry": {industry}{park},
                                  "location": {{"type": "Point", "coordinates": [118.78, 32.04]}},
                                  "facts": {{{}}}}}"#,
                                declared.join(", ")
                            );
                            let p = parse_project(&text, &rs.schema).unwrap();
                            let want = evaluate(&rs, &p).verdict;
                            let got = screen_point(&rs, &p, 118.78, 32.04, &mut scratch);
                            assert_eq!(got, want, "{text}");
                            *seen.entry(format!("{want:?}")).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(seen.len(), 3, "every verdict is met: {seen:?}");
}

/// A project with random facts over the national schema: each fact absent or given (numbers
/// across the thresholds rules use, enum and set values from the declaration and now and then
/// one no rule names, industry codes of every level and now and then one too long to pack),
/// random emissions; `complete`: every fact and figure stated. Built field by field, as an
/// embedding system may build it.
fn random_project(
    rs: &zonecheck::compile::RuleSet,
    base: &Project,
    rng: &mut common::Rng,
    complete: bool,
) -> Project {
    use zonecheck::compile::FactType;
    use zonecheck::eval::project::{Emission, FactValue};
    const CODES: [&str; 12] = [
        "C2614",
        "C26",
        "C",
        "C3011",
        "B0610",
        "D4413",
        "A0313",
        "N7724",
        "C2511",
        "E4812",
        "H611",
        "C261400000",
    ];
    let mut p = base.clone();
    for (id, fact) in rs.schema.facts.iter().enumerate() {
        let value = if !complete && rng.below(4) == 0 {
            None
        } else {
            Some(match &fact.ty {
                FactType::Number { .. } => {
                    FactValue::Number([0.0, 0.5, 1.0, 3.0, 20.0, 150.0, 1e4, 1e6][rng.below(8)])
                }
                FactType::Bool => FactValue::Bool(rng.below(2) == 0),
                FactType::Enum(values) if rng.below(8) == 0 || values.is_empty() => {
                    FactValue::Enum("未列出的值".to_string())
                }
                FactType::Enum(values) => FactValue::Enum(values[rng.below(values.len())].clone()),
                FactType::Set(values) => {
                    let mut have: Vec<String> = values
                        .iter()
                        .filter(|_| rng.below(3) == 0)
                        .cloned()
                        .collect();
                    if rng.below(8) == 0 {
                        have.push("未列出的值".to_string());
                    }
                    FactValue::Set(have)
                }
                FactType::Industry => FactValue::Industry(
                    (0..rng.below(3))
                        .map(|_| CODES[rng.below(CODES.len())].to_string())
                        .collect(),
                ),
            })
        };
        p.facts[id] = value;
    }
    let figure =
        |rng: &mut common::Rng| (complete || rng.below(3) > 0).then(|| rng.below(20) as f64);
    for e in p.emissions.iter_mut() {
        *e = (complete || rng.below(2) == 0).then(|| Emission {
            total: figure(rng),
            increase: figure(rng),
            offset: figure(rng),
        });
    }
    p
}

/// Many different projects screened one after another with one scratch (the project's facts
/// are looked up once per screening and must never leak into the next one's), each at points
/// across China: the verdict is the full evaluation's, through `screen_point`, a screener and
/// `screen_project`.
fn many_projects_agree(rs: &zonecheck::compile::RuleSet, base: &Project) {
    let mut rng = common::Rng(0xFAC75);
    let mut scratch = Scratch::default();
    let mut seen = [0usize; 3];
    for i in 0..80u64 {
        let p = random_project(rs, base, &mut rng, i % 2 == 0);
        let mut screener = Screener::new(rs, &p);
        let mut pts = points(100 + i, 10, (73.5, 135.1), (18.1, 53.6));
        pts.extend(points(200 + i, 6, (114.0, 121.0), (29.0, 32.5)));
        for (lon, lat) in pts {
            let at = moved(&p, lon, lat);
            let want = evaluate(rs, &at).verdict;
            seen[want as usize] += 1;
            let facts = format!("project {i} {:?} at ({lon}, {lat})", p.facts);
            assert_eq!(
                screen_point(rs, &p, lon, lat, &mut scratch),
                want,
                "{facts}"
            );
            assert_eq!(screener.screen(lon, lat), want, "screener, {facts}");
            assert_eq!(
                screen_project(rs, &at, &mut scratch).verdict,
                want,
                "{facts}"
            );
        }
    }
    // Random national projects always leave some clause triggered or unknown: the satisfied
    // verdict is exercised by the Nanjing examples above.
    assert!(
        seen[0] > 20 && seen[1] > 20,
        "violations and reviews are both met: {seen:?}"
    );
}
