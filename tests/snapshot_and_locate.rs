//! Snapshots round-trip and refuse damaged files with a clear error; `locate` reports bad input
//! lines with their line numbers, goes on, and exits 2.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use zonecheck::eval::{evaluate, parse_project};
use zonecheck::load::load_rule_set;
use zonecheck::snapshot::{self, SnapshotError};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zonecheck-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zonecheck"))
}

#[test]
fn a_snapshot_gives_the_same_reports_as_the_sources() {
    let dir = temp("roundtrip");
    let snap = dir.join("nanjing.zcs");
    let out = bin()
        .args(["compile", "rules/nanjing", "-o"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_sources = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let from_snapshot = load_rule_set(&snap).unwrap().rule_set;
    assert_eq!(from_sources.content_hash, from_snapshot.content_hash);
    for e in std::fs::read_dir("examples/projects").unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let p = parse_project(&text, &from_sources.schema).unwrap();
        let a = serde_json::to_string(&evaluate(&from_sources, &p)).unwrap();
        let b = serde_json::to_string(&evaluate(&from_snapshot, &p)).unwrap();
        assert_eq!(a, b, "{}", p.name);
    }
    // The binary accepts the snapshot wherever it accepts a rule directory.
    let out = bin()
        .args(["check", "--rules"])
        .arg(&snap)
        .arg("examples/projects/02-yangtze-shore-chemical-new.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn damaged_snapshots_are_refused_with_a_clear_error() {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let bytes = snapshot::to_bytes(&rs).unwrap();
    let dir = temp("damaged");
    let p = Path::new("x.zcs");
    // Truncated anywhere.
    for cut in [0, 7, 20, 40, bytes.len() / 2, bytes.len() - 1] {
        let err = snapshot::from_bytes(&bytes[..cut], p).expect_err("refused");
        assert!(
            matches!(
                err,
                SnapshotError::NotASnapshot(_) | SnapshotError::Truncated { .. }
            ),
            "cut {cut}: {err}"
        );
    }
    // A flipped byte in the body.
    for at in [40, bytes.len() / 3, bytes.len() - 2] {
        let mut b = bytes.clone();
        b[at] ^= 0x40;
        let err = snapshot::from_bytes(&b, p).expect_err("refused");
        assert!(
            matches!(err, SnapshotError::Checksum { .. }),
            "byte {at}: {err}"
        );
    }
    // Another format version.
    let mut b = bytes.clone();
    b[8] = 99;
    let err = snapshot::from_bytes(&b, p).err().unwrap();
    assert!(err.to_string().contains("format version 99"), "{err}");
    // Not a snapshot at all, through the binary: a clear error and exit code 2.
    let fake = dir.join("fake.zcs");
    let mut header = b"ZCSNAP\r\n".to_vec();
    header.extend_from_slice(&snapshot::FORMAT_VERSION.to_le_bytes());
    std::fs::write(&fake, header).unwrap();
    let out = bin()
        .args(["locate", "--rules"])
        .arg(&fake)
        .args(["--points", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("truncated"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Offsets of the three sections' length fields in snapshot bytes (body after 32 bytes).
fn section_starts(bytes: &[u8]) -> [usize; 3] {
    let len_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
    let rules = 32;
    let polygons = rules + 8 + len_at(rules);
    let grid = polygons + 8 + len_at(polygons);
    [rules, polygons, grid]
}

/// Writes `bytes` with the body's CRC recomputed, so that only the decoders can catch damage.
fn with_valid_crc(mut bytes: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&bytes[32..]);
    bytes[24..28].copy_from_slice(&crc.to_le_bytes());
    bytes
}

#[test]
fn snapshot_files_damaged_in_any_section_are_refused() {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let bytes = snapshot::to_bytes(&rs).unwrap();
    let dir = temp("damaged-file");
    let file = dir.join("x.zcs");
    let read = |b: &[u8]| {
        std::fs::write(&file, b).unwrap();
        snapshot::read(&file)
    };
    // Intact, streamed from the file: the same rule set.
    let back = read(&bytes).unwrap();
    assert_eq!(back.content_hash, rs.content_hash);
    assert_eq!(back.bodies.len(), rs.bodies.len());
    let starts = section_starts(&bytes);
    // A flipped byte in each section's length field and contents, and in the last byte.
    for at in starts
        .iter()
        .flat_map(|&s| [s + 3, s + 8, s + 40])
        .chain([bytes.len() - 1])
    {
        let mut b = bytes.clone();
        b[at] ^= 0x40;
        let err = read(&b).expect_err("refused");
        assert!(
            matches!(err, SnapshotError::Checksum { .. }),
            "byte {at}: {err}"
        );
    }
    // Truncated inside each section.
    for at in starts.iter().map(|&s| s + 20) {
        let err = read(&bytes[..at]).expect_err("refused");
        assert!(matches!(err, SnapshotError::Truncated { .. }), "{err}");
    }
    // Damage that keeps the checksum right (a crafted file) is caught by the decoders: a
    // section length past the end, the polygons' coordinate kind, two places in the grid, the
    // rules' encoding.
    let [rules, polygons, grid] = starts;
    let crafted = [
        (rules + 7, 0x7f),
        (polygons + 8 + 3, 0xff),
        (grid + 8 + 200, 0xff),
        (grid + 8 + 8, 0x55),
        (rules + 8 + 2, 0xff),
    ];
    for (at, x) in crafted {
        let mut b = bytes.clone();
        b[at] ^= x;
        let err = read(&with_valid_crc(b)).expect_err("refused");
        assert!(
            matches!(err, SnapshotError::Corrupt { .. }),
            "byte {at}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_snapshot_with_a_non_finite_feature_coordinate_is_refused() {
    // Written by hand (compilation never produces it), with a valid checksum: the decoder, not
    // the R-tree, must refuse it.
    let mut rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    rs.layers.push(zonecheck::compile::Layer {
        name: "坏图层".into(),
        index: zonecheck::index::FeatureLayer::build(vec![zonecheck::index::Feature {
            name: "x".into(),
            geometry: geo::Geometry::Point(geo::Point::new(f64::NAN, 32.0)),
        }]),
    });
    let bytes = snapshot::to_bytes(&rs).unwrap();
    refused_as_corrupt(&bytes, "not finite");
}

#[test]
fn a_snapshot_whose_conditions_read_an_undeclared_fact_is_refused() {
    // Written by hand (compilation never produces it), with a valid checksum: refused before
    // anything is sized by the fact id.
    let mut rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let mut body = (*rs.bodies[0]).clone();
    body.when = Some(zonecheck::compile::Cond {
        kind: zonecheck::compile::CondKind::BoolFact(0xFFFF_FFF0),
        text: "x".into(),
        span: Default::default(),
    });
    rs.bodies[0] = std::sync::Arc::new(body);
    let bytes = snapshot::to_bytes(&rs).unwrap();
    refused_as_corrupt(&bytes, "reads fact");
}

#[test]
fn crafted_sections_never_panic_and_what_loads_still_evaluates() {
    // Random flips in the rules and polygon sections with the checksum recomputed (what a
    // crafted file can do; the grid has its own such test in tests/grid_property.rs): loading
    // gives an error or a rule set, and checking projects against whatever loads must not
    // panic either.
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let bytes = snapshot::to_bytes(&rs).unwrap();
    let [rules, polygons, grid] = section_starts(&bytes);
    let projects: Vec<_> = [
        "02-yangtze-shore-chemical-new",
        "12-yuhuatai-gas-pipeline",
        "14-boundary-straddling-site",
    ]
    .iter()
    .map(|name| {
        let text = std::fs::read_to_string(format!("examples/projects/{name}.json")).unwrap();
        parse_project(&text, &rs.schema).unwrap()
    })
    .collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let (mut refused, mut loaded) = (0, 0);
    for round in 0..1000 {
        let (from, to) = if round % 2 == 0 {
            (rules + 8, polygons)
        } else {
            (polygons + 8, grid)
        };
        let mut b = bytes.clone();
        for _ in 0..=next(3) {
            let at = from + next(to - from);
            b[at] ^= 1 << next(8);
        }
        match snapshot::from_bytes(&with_valid_crc(b), Path::new("x.zcs")) {
            Err(e) => {
                assert!(matches!(e, SnapshotError::Corrupt { .. }), "{e}");
                refused += 1;
            }
            Ok(rs2) => {
                loaded += 1;
                let mut scratch = zonecheck::eval::screen::Scratch::default();
                for p in &projects {
                    let _ = evaluate(&rs2, p);
                    let _ = zonecheck::eval::screen::screen_project(&rs2, p, &mut scratch);
                }
                for (lon, lat) in [(118.75, 31.75), (118.78, 32.04), (118.9, 32.1)] {
                    let _ = zonecheck::eval::screen::screen_point(
                        &rs2,
                        &projects[0],
                        lon,
                        lat,
                        &mut scratch,
                    );
                }
            }
        }
    }
    assert!(
        refused > 0 && loaded > 0,
        "refused {refused}, loaded {loaded}"
    );
}

#[test]
fn clauses_that_say_the_same_thing_share_one_body_and_keep_their_own_ids() {
    let dir = temp("bodies");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for e in std::fs::read_dir("rules/nanjing/data").unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("data").join(e.file_name())).unwrap();
    }
    let header = std::fs::read_to_string("rules/nanjing/00-header.zc").unwrap();
    std::fs::write(dir.join("00-header.zc"), header).unwrap();
    std::fs::write(
        dir.join("10-levels.zc"),
        r#"
level "甲" applies to units [ZH32010210001] {
  clause A-1 空间布局约束 "禁止新建化工项目。"
    when nature == 新建 and industry in [C26]
    forbid
}
level "乙" applies to units [ZH32010220001] {
  clause B-1 空间布局约束 "禁止新建化工项目。"
    when nature == 新建 and industry in [C26]
    forbid
  clause B-2 空间布局约束 "禁止新建化工项目。"
    when nature == 扩建 and industry in [C26]
    forbid
}
"#,
    )
    .unwrap();
    let rs = load_rule_set(&dir).unwrap().rule_set;
    let idx = |id: &str| rs.clauses.iter().position(|c| c.id == id).unwrap();
    let (a, b, c) = (idx("A-1"), idx("B-1"), idx("B-2"));
    assert_eq!(rs.clause_body[a], rs.clause_body[b]);
    assert_ne!(rs.clause_body[a], rs.clause_body[c]);
    assert!(std::sync::Arc::ptr_eq(
        &rs.clauses[a].body,
        &rs.clauses[b].body
    ));
    assert_ne!(rs.clauses[a].location, rs.clauses[b].location);
    // A snapshot keeps the sharing, the ids and the locations.
    let back = snapshot::from_bytes(&snapshot::to_bytes(&rs).unwrap(), Path::new("x")).unwrap();
    assert_eq!(back.bodies.len(), rs.bodies.len());
    assert_eq!(back.clause_body, rs.clause_body);
    assert!(std::sync::Arc::ptr_eq(
        &back.clauses[a].body,
        &back.clauses[b].body
    ));
    assert_eq!(back.clauses[b].id, "B-1");
    assert_eq!(back.clauses[b].location, rs.clauses[b].location);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn locate_reports_bad_lines_with_their_numbers_and_goes_on() {
    let dir = temp("locate");
    let pts = dir.join("points.tsv");
    std::fs::write(
        &pts,
        "# i\tlon\tlat\n1\t118.75\t31.75\n2\tNaN\t32\n3\tabc\t32\n4\t200\t32\n5\t118.8\n6\t121.47\t31.23\n7\t118.78\t32.04\n",
    )
    .unwrap();
    let out = bin()
        .args(["locate", "--rules", "rules/nanjing", "--points"])
        .arg(&pts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        vec!["1\tZH32011530001", "6\t", "7\tZH32010420001"],
        "{stdout}"
    );
    for (line, what) in [
        (3, "finite"),
        (4, "not a number"),
        (5, "out of range"),
        (6, "expected"),
    ] {
        assert!(
            stderr.contains(&format!("points.tsv:{line}: ")) && stderr.contains(what),
            "line {line}: {stderr}"
        );
    }
    assert!(stderr.contains("4 line(s)"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_point_on_a_shared_unit_boundary_belongs_to_both_units() {
    // A vertex shared by two Nanjing units, taken from the data itself.
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let a = rs.unit_index.geometry(0).unwrap();
    let mut shared = None;
    'search: for c in a.0.iter().flat_map(|p| p.exterior().0.iter()) {
        let mut out = Vec::new();
        rs.locate_point(c.x, c.y, &mut out);
        if out.len() >= 2 {
            shared = Some((*c, out));
            break 'search;
        }
    }
    let (c, units) = shared.expect("unit 0 shares a vertex with a neighbour");
    use geo::Intersects;
    for u in &units {
        assert!(
            rs.unit_index
                .geometry(*u)
                .unwrap()
                .intersects(&geo::Point(c))
        );
    }
}

/// `locate --project`: each point gets the verdict `check` gives the project placed there, in
/// input order, with bad lines reported and the run going on.
#[test]
fn locate_with_a_project_gives_its_verdict_at_every_point() {
    let rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let dir = temp("locate-project");
    let pts = dir.join("sites.tsv");
    // A grid of candidate sites over Nanjing (and a little beyond it), one bad line among them.
    let mut text = String::from("# id\tlon\tlat\n");
    let mut coords = Vec::new();
    for i in 0..40 {
        for j in 0..30 {
            let (lon, lat) = (118.3 + 0.024 * f64::from(i), 31.15 + 0.05 * f64::from(j));
            text.push_str(&format!("s{i}-{j}\t{lon}\t{lat}\n"));
            coords.push((format!("s{i}-{j}"), lon, lat));
        }
        if i == 20 {
            text.push_str("bad\t118.8\tnorth\n");
        }
    }
    std::fs::write(&pts, text).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for project_path in [
        "examples/projects/02-yangtze-shore-chemical-new.json",
        "examples/projects/03-jiangning-retrofit-satisfied.json",
    ] {
        let out = bin()
            .args([
                "locate",
                "--rules",
                "rules/nanjing",
                "--project",
                project_path,
                "--points",
            ])
            .arg(&pts)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "one bad line");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("sites.tsv:632: ") && stderr.contains("not a number"),
            "{stderr}"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), coords.len());
        let text = std::fs::read_to_string(project_path).unwrap();
        let project = parse_project(&text, &rs.schema).unwrap();
        for (line, (id, lon, lat)) in lines.iter().zip(&coords) {
            let mut at = project.clone();
            at.location = geo::Geometry::Point(geo::Point::new(*lon, *lat));
            let report = evaluate(&rs, &at);
            let mut codes: Vec<&str> = report.units.iter().map(|u| u.code.as_str()).collect();
            codes.sort_unstable();
            let verdict = serde_json::to_value(report.verdict).unwrap();
            let want = format!("{id}\t{}\t{}", codes.join(","), verdict.as_str().unwrap());
            assert_eq!(*line, want, "{project_path}");
            seen.insert(verdict.as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen.len(), 3, "the grid meets every verdict: {seen:?}");
    // A project that does not parse is refused before any point is read.
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        r#"{"name": "x", "nature": "新建", "industry": ["Z9999"]}"#,
    )
    .unwrap();
    let out = bin()
        .args(["locate", "--rules", "rules/nanjing", "--project"])
        .arg(&broken)
        .arg("--points")
        .arg(&pts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr).unwrap().contains("E-PROJECT"));
    let _ = std::fs::remove_dir_all(dir);
}

/// The Nanjing snapshot, written by hand with a valid checksum, with one clause's condition
/// replaced by `n` nested `not`s around a constant.
fn nanjing_with_nested_nots(n: usize) -> Vec<u8> {
    let mut rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let mut body = (*rs.bodies[0]).clone();
    let cond = |kind| zonecheck::compile::Cond {
        kind,
        text: "Tz".into(),
        span: Default::default(),
    };
    let leaf = cond(zonecheck::compile::CondKind::Const(true));
    body.when = Some(cond(zonecheck::compile::CondKind::Not(Box::new(leaf))));
    rs.bodies[0] = std::sync::Arc::new(body);
    let bytes = snapshot::to_bytes(&rs).unwrap();
    // postcard: `Not` is variant 2 and `Const` 13 of `CondKind`; each `Cond`'s text follows its
    // kind.
    let (not, konst, text) = (2u8, 13u8, [2u8, b'T', b'z']);
    let shallow: Vec<u8> = [vec![not, konst, 1], text.repeat(2)].concat();
    let deep: Vec<u8> = [vec![not; n], vec![konst, 1], text.repeat(n + 1)].concat();
    spliced(&bytes, &shallow, &deep)
}

/// Loading the snapshot `bytes` fails as corrupt, with a message that says `says`.
fn refused_as_corrupt(bytes: &[u8], says: &str) {
    let err = snapshot::from_bytes(bytes, Path::new("x.zcs")).expect_err("refused");
    assert!(
        matches!(err, SnapshotError::Corrupt { .. }) && err.to_string().contains(says),
        "{err}"
    );
}

/// `bytes` (a snapshot) with the first occurrence of `shallow`, in its rules section, replaced
/// by `deep`: the body's and the rules section's lengths grown to match, the checksum
/// recomputed.
fn spliced(bytes: &[u8], shallow: &[u8], deep: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(shallow.len())
        .position(|w| w == shallow)
        .expect("the encoding to replace");
    let mut b = [&bytes[..at], deep, &bytes[at + shallow.len()..]].concat();
    let grow = (deep.len() - shallow.len()) as u64;
    for len_at in [16, 32] {
        let len = u64::from_le_bytes(b[len_at..len_at + 8].try_into().unwrap()) + grow;
        b[len_at..len_at + 8].copy_from_slice(&len.to_le_bytes());
    }
    with_valid_crc(b)
}

#[test]
fn a_snapshot_with_conditions_nested_past_any_source_is_refused() {
    // A million deep (the syntax allows far less): decoding must refuse it, not recurse until
    // the stack runs out.
    let b = nanjing_with_nested_nots(1_000_000);
    refused_as_corrupt(&b, "nested");
}

#[test]
fn conditions_nested_up_to_the_limit_load_and_evaluate_on_a_small_stack() {
    // Just under the decoder's limit, which is above anything compilation writes: decoded,
    // compiled to programs, evaluated and dropped on a thread with a 2 MiB stack (what a
    // service's worker threads have).
    let n = zonecheck::compile::nesting::MAX_DECODED_NESTING - 2;
    let b = nanjing_with_nested_nots(n);
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let rs = snapshot::from_bytes(&b, Path::new("x.zcs")).expect("loads");
            let text =
                std::fs::read_to_string("examples/projects/02-yangtze-shore-chemical-new.json")
                    .unwrap();
            let p = parse_project(&text, &rs.schema).unwrap();
            let report = evaluate(&rs, &p);
            let mut scratch = zonecheck::eval::screen::Scratch::default();
            let screened =
                zonecheck::eval::screen::screen_point(&rs, &p, 118.78, 32.04, &mut scratch);
            (report.clauses.len(), screened)
        });
    let (clauses, _) = worker.unwrap().join().expect("no stack overflow");
    assert!(clauses > 0);
}

#[test]
fn a_snapshot_with_a_layer_geometry_nested_a_million_deep_is_refused() {
    // A feature layer's geometry collections are decoded with their nesting counted as well:
    // a collection within a collection a million times, written by hand with a valid checksum.
    let mut rs = load_rule_set(Path::new("rules/nanjing")).unwrap().rule_set;
    let (x, y) = (123.456_f64, -65.4321_f64);
    let point = geo::Geometry::Point(geo::Point::new(x, y));
    rs.layers.push(zonecheck::compile::Layer {
        name: "嵌套".into(),
        index: zonecheck::index::FeatureLayer::build(vec![zonecheck::index::Feature {
            name: "x".into(),
            geometry: geo::Geometry::GeometryCollection(geo::GeometryCollection(vec![point])),
        }]),
    });
    let bytes = snapshot::to_bytes(&rs).unwrap();
    // postcard: `GeometryCollection` is variant 7 of `Geometry`, `Point` variant 0, then the
    // list's length and the coordinates as little-endian f64.
    let leaf: Vec<u8> = [
        vec![0u8],
        x.to_le_bytes().to_vec(),
        y.to_le_bytes().to_vec(),
    ]
    .concat();
    let shallow: Vec<u8> = [vec![7u8, 1], leaf.clone()].concat();
    let deep: Vec<u8> = [[7u8, 1].repeat(1_000_000), leaf].concat();
    let b = spliced(&bytes, &shallow, &deep);
    refused_as_corrupt(&b, "nested");
    // The shallow one round-trips through the new decoding.
    let back = snapshot::from_bytes(&bytes, Path::new("x.zcs")).expect("loads");
    let layer = back.layers.last().expect("the layer");
    assert!(matches!(
        &layer.index.features()[0].geometry,
        geo::Geometry::GeometryCollection(c) if c.0 == vec![geo::Geometry::Point(geo::Point::new(x, y))]
    ));
}
