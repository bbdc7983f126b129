//! `zonecheck batch`, run as a binary on `rules/nanjing`: one result per row in input order,
//! the same verdicts as `zonecheck check`, bad rows named by row, line and column, file-level
//! errors before any row, identical output for any thread count, and a large input.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "zonecheck-batch-test-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn batch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["batch", "--rules", "rules/nanjing"])
        .args(args)
        .output()
        .unwrap()
}

fn run_batch(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec![input.to_str().unwrap(), "-o", output.to_str().unwrap()];
    args.extend_from_slice(extra);
    batch(&args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check_json(project: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(["check", "--rules", "rules/nanjing", "--format", "json"])
        .arg(project)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn clause_ids(report: &Value, outcome: &str) -> Value {
    Value::Array(
        report["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == outcome)
            .map(|c| c["id"].clone())
            .collect(),
    )
}

fn unit_codes(report: &Value) -> Value {
    Value::Array(
        report["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["code"].clone())
            .collect(),
    )
}

/// The batch result agrees with `check`'s report of the same project.
fn assert_same_as_check(result: &Value, report: &Value) {
    assert_eq!(result["verdict"], report["verdict"], "{result}");
    assert_eq!(result["units"], unit_codes(report), "{result}");
    assert_eq!(
        result["violated"],
        clause_ids(report, "violated"),
        "{result}"
    );
    assert_eq!(
        result["needs_review"],
        clause_ids(report, "needs_review"),
        "{result}"
    );
}

/// A project file as one CSV row: flat columns, lists joined, booleans as 是/否.
fn project_to_csv(project: &Value) -> String {
    let mut header = Vec::new();
    let mut cells = Vec::new();
    let mut push = |h: String, v: String| {
        header.push(h);
        cells.push(v);
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    };
    for (k, v) in project.as_object().unwrap() {
        match k.as_str() {
            "location" => {
                assert_eq!(v["type"], "Point");
                push("lon".into(), v["coordinates"][0].to_string());
                push("lat".into(), v["coordinates"][1].to_string());
            }
            "facts" => {
                for (f, fv) in v.as_object().unwrap() {
                    push(f.clone(), text(fv));
                }
            }
            "emissions" => {
                for (p, figures) in v.as_object().unwrap() {
                    for (f, fv) in figures.as_object().unwrap() {
                        push(format!("{p}.{f}"), text(fv));
                    }
                }
            }
            _ => push(k.clone(), text(v)),
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    w.write_record(&cells).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn the_example_csv_gives_one_result_per_row_in_order_and_names_bad_rows() {
    let dir = temp("example");
    let out = dir.join("out.jsonl");
    let o = run_batch(Path::new("examples/batch/projects.csv"), &out, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(!dir.join("out.jsonl.partial").exists());

    let mut reader = csv::Reader::from_path("examples/batch/projects.csv").unwrap();
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let results = json_lines(&out);
    assert_eq!(results.len(), ids.len());
    for (i, (r, id)) in results.iter().zip(&ids).enumerate() {
        assert_eq!(r["row"], json!(i + 1));
        assert_eq!(r["line"], json!(i + 2), "one line per row after the header");
        assert_eq!(r["id"], json!(id));
    }
    let verdicts: Vec<&str> = results
        .iter()
        .filter_map(|r| r["verdict"].as_str())
        .collect();
    for v in ["violated", "needs_review", "satisfied"] {
        assert!(verdicts.contains(&v), "no {v} row: {verdicts:?}");
    }

    let bad1 = results.iter().find(|r| r["id"] == "NJ-2024-BAD1").unwrap();
    let p = &bad1["error"]["problems"][0];
    assert_eq!(bad1["error"]["code"], "E-PROJECT");
    assert_eq!(p["column"], "VOCs.total");
    assert_eq!(p["field"], "emissions.VOCs.total");
    assert!(p["message"].as_str().unwrap().contains("`约五吨`"), "{p}");
    assert_eq!(bad1["row"], 9);
    assert_eq!(bad1["line"], 10);
    assert!(bad1.get("verdict").is_none());

    let bad2 = results.iter().find(|r| r["id"] == "NJ-2024-BAD2").unwrap();
    let p = &bad2["error"]["problems"][0];
    assert_eq!(p["column"], "industry");
    assert!(p["message"].as_str().unwrap().contains("`C9999`"), "{p}");

    // stderr names the bad rows and ends with the summary.
    let err = stderr(&o);
    assert!(err.contains("row 9 (line 10) `NJ-2024-BAD1`"), "{err}");
    assert!(err.contains("column `VOCs.total`"), "{err}");
    assert!(err.contains("11 rows"), "{err}");
    assert!(err.contains("2 errors"), "{err}");
}

#[test]
fn a_csv_row_gives_the_same_verdict_as_check() {
    let dir = temp("same-as-check");
    let path = Path::new("examples/projects/02-yangtze-shore-chemical-new.json");
    let project: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let input = dir.join("one.csv");
    std::fs::write(&input, project_to_csv(&project)).unwrap();
    let out = dir.join("one.jsonl");
    let o = run_batch(&input, &out, &["--full-report"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let results = json_lines(&out);
    assert_eq!(results.len(), 1);
    let report = check_json(path);
    assert_eq!(report["verdict"], "violated");
    assert_same_as_check(&results[0], &report);
    assert_eq!(results[0]["report"]["schema"], "zonecheck.report/1");
    assert_eq!(results[0]["report"]["clauses"], report["clauses"]);
}

#[test]
fn every_example_project_as_a_geojson_feature_gives_the_same_verdict_as_check() {
    let dir = temp("geojson-all");
    let mut paths: Vec<PathBuf> = std::fs::read_dir("examples/projects")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let features: Vec<Value> = paths
        .iter()
        .map(|p| {
            let mut v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let location = v.as_object_mut().unwrap().remove("location").unwrap();
            json!({"type": "Feature", "geometry": location, "properties": v})
        })
        .collect();
    let input = dir.join("all.geojson");
    std::fs::write(
        &input,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    let out = dir.join("all.jsonl");
    let o = run_batch(&input, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let results = json_lines(&out);
    assert_eq!(results.len(), paths.len());
    for (i, (r, p)) in results.iter().zip(&paths).enumerate() {
        assert_eq!(r["feature"], json!(i));
        assert_same_as_check(r, &check_json(p));
    }
}

#[test]
fn the_example_geojson_reads_flat_and_nested_properties() {
    let dir = temp("geojson-example");
    let out = dir.join("out.csv");
    let o = run_batch(Path::new("examples/batch/projects.geojson"), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(&out).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "row",
            "feature",
            "id",
            "verdict",
            "units",
            "violated",
            "needs_review",
            "missing",
            "error"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (&r[2], &r[3])).collect();
    assert_eq!(
        got,
        [
            ("NJ-2024-002", "violated"),
            ("NJ-2024-015", "satisfied"),
            ("NJ-2024-007", "needs_review"),
            ("NJ-2024-010", "needs_review"),
        ]
    );
}

#[test]
fn bad_geojson_features_name_the_feature_and_the_property() {
    let dir = temp("geojson-bad");
    let input = dir.join("bad.geojson");
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [32.04, 118.78]},
         "properties": {"id": "swapped", "nature": "新建", "industry": "C3670"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [118.75, 31.75]},
         "properties": {"id": "nested-bad", "nature": "新建", "industry": ["C3670"],
                        "facts": {"coal_boiler_t_h": "很多"}}},
        {"type": "Feature", "geometry": null,
         "properties": {"id": "no-geometry", "nature": "新建", "industry": "C3670"}},
    ]});
    std::fs::write(&input, fc.to_string()).unwrap();
    let out = dir.join("out.jsonl");
    let o = run_batch(&input, &out, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let r = json_lines(&out);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["feature"], 0);
    assert_eq!(r[0]["error"]["problems"][0]["column"], "geometry");
    assert_eq!(
        r[1]["error"]["problems"][0]["column"],
        "properties.facts.coal_boiler_t_h"
    );
    assert_eq!(r[2]["error"]["problems"][0]["column"], "geometry");
    assert_eq!(r[2]["error"]["problems"][0]["message"], "is missing");
}

#[test]
fn row_problems_map_back_to_csv_columns() {
    let dir = temp("columns");
    let input = dir.join("rows.csv");
    std::fs::write(
        &input,
        "\u{feff}id,name,nature,industry,lon,lat,wkt,facts.fuel,major_hazard,hazardous_storage\r\n\
         a,,新建,C3670,abc,31.75,,天然气,FALSE,甲醇、苯\r\n\
         b,,新建,C3670,,,\"POLYGON ((118.7 31.7, 118.8 31.7, 118.7 31.7))\",木柴,否,\r\n\
         c,,新造,C3670,118.75,31.75,,,,\r\n\
         ,,新建,C3670,118.75,31.75,,,,\r\n\
         e,,新建,C3670,118.75,31.75,POINT (118.75 31.75),,,\r\n\
         f,,新建,C3670,118.75\r\n\
         ,,,,,,,,,\r\n\
         g,某项目,新建,C3670 C3511,118.75,31.75,,,否,无\r\n",
    )
    .unwrap();
    let out = dir.join("rows.jsonl");
    let o = run_batch(&input, &out, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let r = json_lines(&out);
    assert_eq!(r.len(), 7, "the all-empty record is skipped");
    let problem = |i: usize, k: usize| r[i]["error"]["problems"][k].clone();
    assert_eq!(problem(0, 0)["column"], "lon");
    assert_eq!(problem(0, 0)["message"], "`abc` is not a number");
    assert_eq!(r[0]["error"]["problems"].as_array().unwrap().len(), 1);
    assert_eq!(problem(1, 0)["column"], "wkt");
    assert_eq!(problem(1, 1)["column"], "facts.fuel");
    assert_eq!(problem(2, 0)["column"], "nature");
    assert_eq!(problem(3, 0)["column"], "id");
    assert_eq!(r[3]["error"]["problems"].as_array().unwrap().len(), 1);
    assert_eq!(problem(4, 0)["column"], "wkt");
    assert_eq!(
        problem(5, 0)["message"],
        "the row has 5 fields, the header has 10"
    );
    assert_eq!(r[5]["line"], 7);
    assert_eq!(r[6]["line"], 9, "lines count the skipped empty record");
    assert_eq!(r[6]["row"], 7);
    assert!(r[6]["verdict"].is_string(), "{}", r[6]);
}

fn assert_file_error(input: &Path, code: &str, needles: &[&str]) {
    let out = input.with_extension("out.jsonl");
    let o = run_batch(input, &out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(code), "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(!out.exists(), "no output for an unusable input");
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    assert!(!Path::new(&partial).exists());
}

#[test]
fn file_level_errors_come_before_any_row() {
    let dir = temp("file-errors");
    let write = |name: &str, text: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    assert_file_error(
        &write("unknown.csv", b"id,lon,lat,coal_boiler\n1,118.7,31.7,3\n"),
        "E-BATCH-HEADER",
        &[
            "unknown column `coal_boiler` (did you mean `coal_boiler_t_h`?)",
            "VOCs",
        ],
    );
    assert_file_error(
        &write("nogeom.csv", b"id,nature,industry\n1,x,y\n"),
        "E-BATCH-HEADER",
        &["neither a `wkt` column nor `lon` and `lat`"],
    );
    assert_file_error(
        &write("half.csv", b"id,lon\n1,118.7\n"),
        "E-BATCH-HEADER",
        &["`lon` column but no `lat`"],
    );
    assert_file_error(
        &write("dup.csv", b"id,lon,lat,fuel,facts.fuel\n"),
        "E-BATCH-HEADER",
        &["`facts.fuel` gives the same field as column `fuel`"],
    );
    assert_file_error(
        &write("empty.csv", b""),
        "E-BATCH-READ",
        &["a header row is required"],
    );
    assert_file_error(
        &dir.join("missing.csv"),
        "E-BATCH-READ",
        &["cannot read", "missing.csv"],
    );
    // 某项目 in GBK (Excel on Chinese Windows): decoded, not refused.
    let gbk = write(
        "gbk.csv",
        b"id,name,nature,industry,lon,lat\n1,\xc4\xb3\xcf\xee\xc4\xbf,\xd0\xc2\xbd\xa8,C2614,118.78,32.04\n",
    );
    let out_path = dir.join("gbk.jsonl");
    let out = run_batch(&gbk, &out_path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = json_lines(&out_path);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].get("verdict").is_some(), "{:?}", rows[0]);
    assert_file_error(
        &write("binary.csv", &[0x89, b'P', b'N', b'G', 0, 0xff, 0xfe]),
        "E-BATCH-ENCODING",
        &["line 1"],
    );
    assert_file_error(
        &write(
            "feature.geojson",
            br#"{"type": "Feature", "geometry": null, "properties": {}}"#,
        ),
        "E-BATCH-GEOJSON",
        &["not a GeoJSON FeatureCollection", "`Feature`"],
    );
    assert_file_error(
        &write("notjson.geojson", b"id,lon,lat\n"),
        "E-BATCH-GEOJSON",
        &["not valid JSON at line 1"],
    );
    assert_file_error(
        &write(
            "prop.geojson",
            br#"{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, "properties": {"OBJECTID": 1}}]}"#,
        ),
        "E-BATCH-GEOJSON",
        &["unknown property `OBJECTID` in feature 0"],
    );
    // An input whose format cannot be told from its name.
    let o = run_batch(
        &write("projects.txt", b"id,lon,lat\n"),
        &dir.join("o.jsonl"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--input-format"), "{}", stderr(&o));
}

/// `n` generated rows around Nanjing, with a few bad ones.
fn generated_csv(n: usize) -> String {
    let industries = ["C2614", "C3670", "C1391", "C3511", "C1713", "D4430"];
    let natures = ["新建", "扩建", "技术改造"];
    let mut s = String::from("id,nature,industry,lon,lat,in_park,VOCs.increase,VOCs.offset,fuel\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..n {
        // xorshift: reproducible without a dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let lon = 118.4 + (x % 9000) as f64 / 10_000.0;
        let lat = 31.3 + ((x >> 20) % 10_000) as f64 / 10_000.0;
        let increase = if i % 997 == 0 {
            "n/a".to_string()
        } else {
            ((x >> 40) % 6).to_string()
        };
        s.push_str(&format!(
            "P{i},{},{},{lon:.4},{lat:.4},{},{increase},{},天然气\n",
            natures[i % natures.len()],
            industries[(x >> 8) as usize % industries.len()],
            if i % 2 == 0 { "是" } else { "否" },
            (x >> 50) % 10,
        ));
    }
    s
}

#[test]
fn any_thread_count_gives_the_same_output() {
    let dir = temp("jobs");
    let input = dir.join("gen.csv");
    std::fs::write(&input, generated_csv(1500)).unwrap();
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        for ext in ["jsonl", "csv"] {
            let out = dir.join(format!("out-{jobs}.{ext}"));
            let o = run_batch(&input, &out, &["--jobs", jobs]);
            assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
            outputs.push(std::fs::read(&out).unwrap());
        }
    }
    assert!(
        outputs[0] == outputs[2],
        "jsonl differs between --jobs 1 and 2"
    );
    assert!(
        outputs[1] == outputs[3],
        "csv differs between --jobs 1 and 2"
    );
}

#[test]
fn a_large_input_completes_quietly_and_its_csv_output_parses_back() {
    const N: usize = 20_000;
    let dir = temp("large");
    let input = dir.join("large.csv");
    std::fs::write(&input, generated_csv(N)).unwrap();
    let out = dir.join("large.csv.out.csv");
    let o = run_batch(&input, &out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    // Piped stderr: no progress bar, only the first row errors and the summary.
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err}");
    assert!(!err.contains("ETA"), "{err}");
    let bad = N.div_ceil(997);
    assert!(err.contains(&format!("{N} rows")), "{err}");
    assert!(err.contains(&format!("{bad} errors")), "{err}");
    assert!(
        err.contains(&format!("… and {} more rows", bad - 10)),
        "{err}"
    );

    let mut reader = csv::Reader::from_path(&out).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), N);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r[0].parse::<usize>().unwrap(), i + 1);
        assert_eq!(r[1].parse::<usize>().unwrap(), i + 2);
        assert_eq!(&r[2], format!("P{i}"));
        if i % 997 == 0 {
            assert!(r[3].is_empty());
            assert!(r[8].contains("column `VOCs.increase`"), "{:?}", r);
        } else {
            assert!(
                ["violated", "needs_review", "satisfied"].contains(&&r[3]),
                "{r:?}"
            );
        }
    }
}

#[test]
fn results_go_to_standard_output_with_a_dash() {
    let o = batch(&["examples/batch/projects.csv", "-o", "-", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(4));
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    assert_eq!(reader.records().count(), 11);
}

#[test]
fn crs_and_axis_order_columns_convert_each_row() {
    let dir = temp("crs");
    let (input, output) = (dir.join("crs.csv"), dir.join("crs.jsonl"));
    // The same point three ways: CGCS2000 lon/lat, Gauss-Krüger zone 40 (X north first,
    // zone-prefixed easting), and a row whose CRS is misdeclared.
    std::fs::write(
        &input,
        "id,nature,industry,lon,lat,crs,axis_order\n\
         a,新建,C2614,118.80,32.06,,\n\
         b,新建,C2614,3548600.0,40386600.0,EPSG:4528,northing_first\n\
         c,新建,C2614,118.80,32.06,EPSG:4528,\n",
    )
    .unwrap();
    let out = run_batch(&input, &output, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let rows = json_lines(&output);
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["units"].as_array().is_some_and(|u| !u.is_empty()));
    assert!(
        rows[1]["units"].as_array().is_some_and(|u| !u.is_empty()),
        "{:?}",
        rows[1]
    );
    let problem = &rows[2]["error"]["problems"][0];
    assert_eq!(problem["column"], "lon/lat", "{problem}");
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("cannot convert"),
        "{problem}"
    );
}
