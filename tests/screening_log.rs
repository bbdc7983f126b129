//! The screening log, through the real binary: `check --log` and `batch --log` write records,
//! `stats` counts them (golden tables under `tests/golden/stats/`, re-blessed with
//! `ZONECHECK_BLESS=1`), a batch killed with SIGKILL leaves a sound log holding every result
//! it wrote, and every unusable log or argument is a coded error with exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;
use zonecheck::log::{Filter, ScreeningLog};

fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("zonecheck-log-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn zonecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The example batch table three times: twice with the same ids (re-screenings of the same
/// applications), once with new ids.
fn repeated_examples() -> String {
    let text = std::fs::read_to_string("examples/batch/projects.csv").unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let mut out = format!("{header}\n");
    for copy in 0..3 {
        for r in &rows {
            if copy == 2 {
                out.push_str(&format!("R-{r}\n"));
            } else {
                out.push_str(&format!("{r}\n"));
            }
        }
    }
    out
}

const CHECKED: [&str; 4] = [
    "examples/projects/02-yangtze-shore-chemical-new.json",
    "examples/projects/03-jiangning-retrofit-satisfied.json",
    "examples/projects/10-gaochun-food-missing-facts.json",
    "examples/projects/13-outside-nanjing.json",
];

/// A log of 27 batch records and 4 `check` records, stamped over three months.
fn build_log(dir: &Path) -> (PathBuf, Vec<String>) {
    let db = dir.join("screenings.db");
    let input = dir.join("repeated.csv");
    std::fs::write(&input, repeated_examples()).unwrap();
    let out = dir.join("results.jsonl");
    let o = zonecheck(&[
        "batch",
        "--rules",
        "rules/nanjing",
        s(&input),
        "-o",
        s(&out),
        "--log",
        s(&db),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("log: 27 records appended to `{}`", db.display())),
        "{}",
        stderr(&o)
    );
    // The verdicts the log must count, as the batch reported them.
    let mut verdicts: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| v["verdict"].as_str().map(str::to_string))
        .collect();
    for p in CHECKED {
        let o = zonecheck(&[
            "check",
            "--rules",
            "rules/nanjing",
            "--log",
            s(&db),
            "--format",
            "json",
            p,
        ]);
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        verdicts.push(report["verdict"].as_str().unwrap().to_string());
    }
    // Fixed stamps, so that months and periods are reproducible: record n in month 1 + n % 3.
    let conn = Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE records SET screened_at = printf('2025-%02d-%02dT08:00:00.000Z', 1 + id % 3, 1 + id % 28)",
        [],
    )
    .unwrap();
    (db, verdicts)
}

fn golden(name: &str, actual: &str) {
    let path = Path::new("tests/golden/stats").join(name);
    if std::env::var_os("ZONECHECK_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with ZONECHECK_BLESS=1)", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

fn stats(db: &Path, extra: &[&str]) -> String {
    let mut args = vec!["stats", "--log", s(db)];
    args.extend_from_slice(extra);
    let o = zonecheck(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn stats_count_every_screening_by_verdict_area_month_industry_and_dimension() {
    let dir = temp("stats");
    let (db, verdicts) = build_log(&dir);
    assert_eq!(verdicts.len(), 27 + 4);
    let count = |v: &str| verdicts.iter().filter(|x| *x == v).count() as u64;

    let json: Value = serde_json::from_str(&stats(&db, &["--format", "json"])).unwrap();
    let total = &json["total"];
    assert_eq!(total["screened"], 31);
    assert_eq!(total["violated"], count("violated"));
    assert_eq!(total["needs_review"], count("needs_review"));
    assert_eq!(total["satisfied"], count("satisfied"));
    // 9 ids screened twice, 9 more once under new ids, and the 4 checked projects.
    assert!(total["projects"].as_u64().unwrap() <= 18 + 4);

    golden("total.md", &stats(&db, &[]));
    golden("city-verdict.md", &stats(&db, &["--by", "city,verdict"]));
    golden(
        "district.csv",
        &stats(&db, &["--by", "district", "--format", "csv"]),
    );
    golden(
        "month-verdict.json",
        &stats(
            &db,
            &["--by", "month", "--by", "verdict", "--format", "json"],
        ),
    );
    golden(
        "industry-dimension.csv",
        &stats(&db, &["--by", "industry,dimension", "--format", "csv"]),
    );
    golden("section.md", &stats(&db, &["--by", "section"]));
    golden(
        "clauses.csv",
        &stats(&db, &["--format", "csv", "--clauses", "--top", "5"]),
    );

    // A period: only February's records, and the same count as the month grouping gives.
    let feb: Value = serde_json::from_str(&stats(
        &db,
        &[
            "--from",
            "2025-02-01",
            "--to",
            "2025-02-28",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let months: Value =
        serde_json::from_str(&stats(&db, &["--by", "month", "--format", "json"])).unwrap();
    let feb_group = months["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["month"] == "2025-02")
        .unwrap();
    assert_eq!(feb["total"]["screened"], feb_group["screened"]);
    assert_eq!(feb["period"]["from"], "2025-02-01");
    golden(
        "february-source.md",
        &stats(
            &db,
            &[
                "--from",
                "2025-02-01",
                "--to",
                "2025-02-28",
                "--by",
                "source",
            ],
        ),
    );
}

#[test]
fn logged_projects_replay_to_the_same_verdicts() {
    let dir = temp("replay");
    let (db, verdicts) = build_log(&dir);
    let rules = zonecheck::load_rule_set(Path::new("rules/nanjing"))
        .unwrap()
        .rule_set;
    let log = ScreeningLog::open(&db).unwrap();
    let logged: Vec<_> = log
        .projects(&Filter::default())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(logged.len(), verdicts.len());
    for (p, expected) in logged.iter().zip(&verdicts) {
        let project = zonecheck::eval::project::project_from_value(&p.project, &rules.schema)
            .unwrap_or_else(|e| panic!("record {}: {e:?}", p.id));
        let a = zonecheck::evaluate(&rules, &project);
        assert_eq!(a.verdict, p.verdict, "record {}", p.id);
        assert_eq!(
            zonecheck::log::record::outcome_key(p.verdict),
            expected,
            "record {}",
            p.id
        );
        let again: Vec<_> = a.clauses.iter().map(|c| (&c.id, c.outcome)).collect();
        let stored: Vec<_> = p.clauses.iter().map(|c| (&c.id, c.outcome)).collect();
        assert_eq!(again, stored, "record {}", p.id);
        assert_eq!(p.rule_set_hash, a.rule_set.content_hash);
    }
    // A period selects by UTC date.
    let feb = Filter::period(
        Some(zonecheck::log::Date::parse("2025-02-01").unwrap()),
        Some(zonecheck::log::Date::parse("2025-02-28").unwrap()),
    )
    .unwrap();
    let n = log.projects(&feb).count();
    assert_eq!(n, logged.iter().filter(|p| p.id.0 % 3 == 1).count());
    assert!(logged.iter().all(|p| !p.screened_at.is_empty()));
}

/// Rows around Nanjing, a few with a bad cell (every 997th).
fn generated_csv(n: usize) -> String {
    let industries = ["C2614", "C3670", "C1391", "C3511", "C1713", "D4430"];
    let natures = ["新建", "扩建", "技术改造"];
    let mut s = String::from("id,nature,industry,lon,lat,in_park,VOCs.increase,VOCs.offset,fuel\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let lon = 118.4 + (x % 9000) as f64 / 10_000.0;
        let lat = 31.3 + ((x >> 20) % 10_000) as f64 / 10_000.0;
        let increase = if i.is_multiple_of(997) {
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

fn records_in(db: &Path) -> Option<i64> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .ok()
}

#[test]
fn a_batch_killed_mid_way_leaves_every_written_result_in_a_sound_log() {
    use std::os::unix::process::ExitStatusExt;

    let dir = temp("sigkill");
    let input = dir.join("large.csv");
    std::fs::write(&input, generated_csv(50_000)).unwrap();
    let db = dir.join("log.db");
    let out = dir.join("out.csv");
    let partial = dir.join("out.csv.partial");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .args([
            "batch",
            "--rules",
            "rules/nanjing",
            s(&input),
            "-o",
            s(&out),
        ])
        .args(["--log", s(&db)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before it could be killed"
        );
        let written = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
        if records_in(&db).unwrap_or(0) > 0 && written > 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no record after 5 min"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    assert!(!out.exists(), "a killed run never renames its output");

    let conn = Connection::open(&db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let records: HashMap<String, String> = conn
        .prepare("SELECT project_id, verdict FROM records")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!records.is_empty());
    assert!(records.len() < 50_000, "killed mid-way: {}", records.len());

    // Every complete result line in the output has its record, with the same verdict.
    // The kill may cut the file anywhere, even inside a character: keep whole lines.
    let bytes = std::fs::read(&partial).unwrap();
    let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut reader = csv::Reader::from_reader(bytes.get(..end).unwrap());
    let mut checked = 0;
    for r in reader.records() {
        let r = r.unwrap();
        let (id, verdict) = (&r[2], &r[3]);
        if verdict.is_empty() {
            assert!(!records.contains_key(id), "a row that failed has no record");
            continue;
        }
        checked += 1;
        assert_eq!(
            records.get(id).map(String::as_str),
            Some(verdict),
            "result `{id}` is in the output but not in the log"
        );
    }
    assert!(checked > 0, "the output had no result yet");
    assert!(records.len() >= checked);

    // The child tables hold rows of committed records only, and every record has its rows.
    let scalar = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    for table in ["clause_outcomes", "record_units", "record_industries"] {
        assert_eq!(
            scalar(&format!(
                "SELECT count(*) FROM {table} WHERE record_id NOT IN (SELECT id FROM records)"
            )),
            0,
            "{table}"
        );
    }
    assert_eq!(
        scalar(
            "SELECT count(*) FROM records r WHERE
               (SELECT count(*) FROM record_industries i WHERE i.record_id = r.id) = 0
               OR ((SELECT count(*) FROM record_units u WHERE u.record_id = r.id) > 0
                   AND (SELECT count(*) FROM clause_outcomes c WHERE c.record_id = r.id) = 0)"
        ),
        0
    );
    // Records were committed in whole chunks (2048 rows): the log holds exactly the good rows
    // of the first k chunks.
    let good = |i: usize| !i.is_multiple_of(997);
    let k = (1..=25)
        .find(|k| (0..k * 2048).filter(|i| good(*i)).count() == records.len())
        .unwrap_or_else(|| panic!("{} records is not a whole number of chunks", records.len()));
    for i in (0..k * 2048).filter(|i| good(*i)) {
        assert!(records.contains_key(&format!("P{i}")), "P{i}");
    }
    drop(conn);

    // The log takes more records after the crash.
    let o = zonecheck(&[
        "check",
        "--rules",
        "rules/nanjing",
        "--log",
        s(&db),
        CHECKED[0],
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (n, _) = ScreeningLog::open(&db).unwrap().count().unwrap();
    assert_eq!(n as usize, records.len() + 1);
}

fn assert_unusable(o: &Output, code: &str, words: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("error[{code}]")), "{err}");
    assert!(err.contains(words), "{err}");
}

fn check_with_log(db: &Path) -> Output {
    zonecheck(&[
        "check",
        "--rules",
        "rules/nanjing",
        "--log",
        s(db),
        CHECKED[1],
    ])
}

#[test]
fn unusable_logs_and_arguments_are_coded_errors() {
    let dir = temp("bad");

    // A directory that does not exist, for writing and for reading.
    let nowhere = dir.join("no-such-dir").join("log.db");
    assert_unusable(&check_with_log(&nowhere), "E-LOG-OPEN", "does not exist");
    let input = dir.join("one.csv");
    std::fs::write(&input, "id,lon,lat\nA,118.75,31.75\n").unwrap();
    let b = zonecheck(&[
        "batch",
        "--rules",
        "rules/nanjing",
        s(&input),
        "-o",
        s(&dir.join("o.jsonl")),
        "--log",
        s(&nowhere),
    ]);
    assert_unusable(&b, "E-LOG-OPEN", "no-such-dir");
    assert!(!dir.join("o.jsonl").exists() && !dir.join("o.jsonl.partial").exists());
    let missing = dir.join("missing.db");
    assert_unusable(
        &zonecheck(&["stats", "--log", s(&missing)]),
        "E-LOG-OPEN",
        "does not exist",
    );
    assert!(!missing.exists(), "stats never creates a log");

    // Not SQLite.
    let text = dir.join("notes.db");
    std::fs::write(&text, "这不是数据库 — just some notes\n".repeat(200)).unwrap();
    assert_unusable(
        &check_with_log(&text),
        "E-LOG-NOT-SQLITE",
        "not an SQLite database",
    );
    assert_unusable(
        &zonecheck(&["stats", "--log", s(&text)]),
        "E-LOG-NOT-SQLITE",
        "notes.db",
    );

    // SQLite, but something else's.
    let other = dir.join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (n INTEGER); INSERT INTO invoices VALUES (1);")
        .unwrap();
    assert_unusable(
        &check_with_log(&other),
        "E-LOG-NOT-A-LOG",
        "not a zonecheck screening log",
    );

    // Written by a newer zonecheck: refused, and left untouched.
    let newer = dir.join("newer.db");
    {
        let c = Connection::open(&newer).unwrap();
        c.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('application', 'zonecheck screening log'), ('schema_version', '99');
             CREATE TABLE records (id INTEGER PRIMARY KEY, something_new TEXT);",
        )
        .unwrap();
    }
    let before = std::fs::read(&newer).unwrap();
    assert_unusable(&check_with_log(&newer), "E-LOG-NEWER", "schema version 99");
    assert_unusable(
        &zonecheck(&["stats", "--log", s(&newer)]),
        "E-LOG-NEWER",
        "newer zonecheck",
    );
    assert_eq!(std::fs::read(&newer).unwrap(), before);
    assert!(!dir.join("newer.db-wal").exists());

    // Arguments: a period backwards, a bad date, an unknown key.
    let db = dir.join("ok.db");
    let o = check_with_log(&db);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_unusable(
        &zonecheck(&[
            "stats",
            "--log",
            s(&db),
            "--from",
            "2025-03-01",
            "--to",
            "2025-02-01",
        ]),
        "E-LOG-PERIOD",
        "starts on 2025-03-01, after it ends on 2025-02-01",
    );
    assert_unusable(
        &zonecheck(&["stats", "--log", s(&db), "--from", "2025-02-30"]),
        "E-LOG-DATE",
        "`2025-02-30` is not a date",
    );
    assert_unusable(
        &zonecheck(&["stats", "--log", s(&db), "--by", "city,distrct"]),
        "E-LOG-BY",
        "unknown grouping key `distrct` (did you mean `district`?)",
    );
    let o = zonecheck(&["stats", "--log", s(&db), "--by", "colour"]);
    assert_unusable(&o, "E-LOG-BY", "accepted keys: province, city, district");
    // The log is still fine.
    assert!(stats(&db, &[]).contains("| **total** | 1 | 0 | 0 | 1 | 1 |"));
}

#[test]
fn a_record_that_cannot_be_written_fails_the_command() {
    let dir = temp("write-error");
    let db = dir.join("log.db");
    assert_eq!(check_with_log(&db).status.code(), Some(0));
    // Every later insert fails, as on a full disk.
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON records
             BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;",
        )
        .unwrap();

    let o = check_with_log(&db);
    assert_unusable(&o, "E-LOG-WRITE", "simulated write failure");
    assert!(stdout(&o).is_empty(), "no report without its record");

    let out = dir.join("out.jsonl");
    let o = zonecheck(&[
        "batch",
        "--rules",
        "rules/nanjing",
        "examples/batch/projects.csv",
        "-o",
        s(&out),
        "--log",
        s(&db),
    ]);
    assert_unusable(&o, "E-LOG-WRITE", "cannot write to the log");
    assert!(!out.exists());
    let (n, _) = ScreeningLog::open(&db).unwrap().count().unwrap();
    assert_eq!(n, 1);
}
