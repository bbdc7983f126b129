//! The HTTP service, end to end: the real `zonecheck serve` binary on a free loopback port,
//! driven over plain HTTP/1.1 (one connection per request, so every byte sent is under the
//! test's control). Covers every endpoint and error, every limit, reload under concurrent
//! load, graceful shutdown on SIGTERM, and schemathesis against the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const EXAMPLE: &str = "examples/projects/02-yangtze-shore-chemical-new.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `zonecheck serve`; killed on drop.
struct Server {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Server::start_with(args, &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zonecheck"));
        cmd.current_dir(root())
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env_remove("ZONECHECK_ADMIN_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if !args.contains(&"--rules") {
            cmd.args(["--rules", "rules/nanjing"]);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start zonecheck serve");
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                        let _ = tx.send(addr);
                    }
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the service did not start; stderr:\n{}",
                    lines.lock().unwrap().join("\n")
                );
            }
        };
        Server {
            child,
            addr,
            stderr: lines,
        }
    }

    fn get(&self, path: &str) -> Resp {
        request(&self.addr, "GET", path, &[], b"")
    }

    fn post_json(&self, path: &str, body: &str) -> Resp {
        request(
            &self.addr,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names lowercase) and body.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The error code of an error response, checking its shape.
    fn error_code(&self) -> String {
        let v = self.json();
        let e = &v["error"];
        assert!(e["message"].is_string(), "error without message: {v}");
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        e["code"].as_str().expect("error code").to_string()
    }
}

fn parse_response(raw: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

fn head(method: &str, path: &str, headers: &[(&str, &str)], len: usize) -> String {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {len}\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req
}

/// One request on its own connection (`Connection: close`), read to the end.
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    s.write_all(head(method, path, headers, body.len()).as_bytes())
        .unwrap();
    // The server may answer (413) and close before reading a large body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

fn example() -> String {
    std::fs::read_to_string(root().join(EXAMPLE)).unwrap()
}

fn point_project(name: &str, lon: f64, lat: f64) -> Value {
    json!({"name": name, "nature": "新建", "industry": ["C2662"],
           "location": {"type": "Point", "coordinates": [lon, lat]}})
}

/// A polygon project: a circle of `n` vertices (closed) in Nanjing.
fn circle_project(n: usize) -> Value {
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            [118.80 + 0.02 * a.cos(), 32.05 + 0.02 * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    json!({"name": "大圆项目", "nature": "新建", "industry": ["C2662"],
           "location": {"type": "Polygon", "coordinates": [ring]}})
}

#[test]
fn endpoints_answer_and_errors_are_json() {
    let s = Server::start(&[]);

    let r = s.get("/healthz");
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));
    let r = s.get("/readyz");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["rule_set"]["version"], "2024.1");

    // /v1/check gives exactly what `zonecheck check --format json` prints, plus evaluated_with.
    let r = s.post_json("/v1/check", &example());
    assert_eq!(r.status, 200, "{}", r.body);
    let mut served = r.json();
    let with = served
        .as_object_mut()
        .unwrap()
        .remove("evaluated_with")
        .expect("evaluated_with");
    let cli = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .current_dir(root())
        .args([
            "check",
            "--rules",
            "rules/nanjing",
            "--format",
            "json",
            EXAMPLE,
        ])
        .output()
        .unwrap();
    let printed: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(served, printed);
    assert_eq!(with["version"], "2024.1");
    assert_eq!(with["content_hash"], printed["rule_set"]["content_hash"]);
    assert_eq!(served["verdict"], "violated");

    // A project with problems: 422 with every problem and its field path.
    let mut bad = point_project("x", 118.8, 32.0);
    bad["industry"] = json!(["X9999"]);
    bad["location"]["coordinates"] = json!([32.0, 118.8]);
    let r = s.post_json("/v1/check", &bad.to_string());
    assert_eq!((r.status, r.error_code().as_str()), (422, "E-PROJECT"));
    let problems = r.json()["error"]["problems"].as_array().unwrap().clone();
    let fields: Vec<&str> = problems
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.iter().any(|f| f.starts_with("industry")),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("location")),
        "{fields:?}"
    );
    assert!(problems.iter().all(|p| p.get("help").is_some()));
    // Found by schemathesis: a non-ASCII industry code once panicked the evaluation.
    let mut odd = point_project("x", 118.8, 32.0);
    odd["industry"] = json!(["\u{80}"]);
    let r = s.post_json("/v1/check", &odd.to_string());
    assert_eq!((r.status, r.error_code().as_str()), (422, "E-PROJECT"));

    // Malformed JSON: 400 with line and column.
    let r = s.post_json("/v1/check", "{\n  \"name\": \"x\",\n  oops\n}");
    assert_eq!((r.status, r.error_code().as_str()), (400, "E-JSON"));
    let e = &r.json()["error"];
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(e["message"].as_str().unwrap().contains("line 3 column 3"));

    // Content type: wrong or missing → 415.
    let body = example();
    for headers in [vec![("Content-Type", "text/plain")], vec![]] {
        let r = request(&s.addr, "POST", "/v1/check", &headers, body.as_bytes());
        assert_eq!((r.status, r.error_code().as_str()), (415, "E-CONTENT-TYPE"));
    }
    let r = request(
        &s.addr,
        "POST",
        "/v1/check",
        &[("Content-Type", "application/json; charset=utf-8")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);

    // Wrong method → 405 with Allow; unknown route → 404.
    let r = s.get("/v1/check");
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (405, "E-METHOD-NOT-ALLOWED")
    );
    assert_eq!(r.header("allow"), Some("POST"));
    let r = request(&s.addr, "DELETE", "/v1/rulesets", &[], b"");
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (405, "E-METHOD-NOT-ALLOWED")
    );
    for path in ["/nope", "/v1", "/v1/units/", "/v2/check"] {
        let r = s.get(path);
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (404, "E-NOT-FOUND"),
            "{path}"
        );
    }

    // Units.
    let r = s.get("/v1/units/ZH32011520001");
    assert_eq!(r.status, 200);
    let u = r.json();
    assert_eq!(u["type"], "Key");
    assert_eq!(u["admin_code"], "320115");
    let clauses = u["clauses"].as_array().unwrap();
    let ban = clauses
        .iter()
        .find(|c| c["id"] == "JS-KJ-01")
        .expect("JS-KJ-01");
    assert_eq!(ban["effect"], "forbid");
    assert_eq!(ban["dimension"], "SpatialLayout");
    assert!(ban["text"].as_str().unwrap().contains("长江"));
    assert!(!u["levels"].as_array().unwrap().is_empty());
    let r = s.get("/v1/units/ZH99999930001");
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "E-UNIT-NOT-FOUND")
    );
    assert!(r.body.contains("ZH99999930001"));

    // Rule sets.
    let r = s.get("/v1/rulesets");
    let rs = &r.json()["rule_sets"][0];
    assert_eq!(
        (rs["units"].as_u64(), rs["clauses"].as_u64()),
        (Some(26), Some(59))
    );
    assert_eq!(rs["content_hash"], printed["rule_set"]["content_hash"]);
    assert!(rs["loaded_at"].as_str().unwrap().ends_with('Z'));

    // Batch: input order, one bad project does not fail the batch.
    let batch = json!({"projects": [
        serde_json::from_str::<Value>(&example()).unwrap(),
        {"name": "坏项目"},
        point_project("江宁点", 118.80, 31.95),
    ]});
    let r = s.post_json("/v1/batch", &batch.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    let b = r.json();
    let results = b["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["verdict"], "violated");
    assert_eq!(results[1]["index"], 1);
    assert_eq!(results[1]["error"]["code"], "E-PROJECT");
    assert_eq!(results[2]["project"]["name"], "江宁点");
    let sum = &b["summary"];
    assert_eq!(
        (sum["projects"].as_u64(), sum["errors"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        sum["violated"].as_u64().unwrap()
            + sum["needs_review"].as_u64().unwrap()
            + sum["satisfied"].as_u64().unwrap(),
        2
    );
    let r = s.post_json("/v1/batch", "[1, 2]");
    assert_eq!((r.status, r.error_code().as_str()), (422, "E-BATCH"));

    // Admin endpoints without a configured token: disabled, and saying how to enable them.
    let r = request(
        &s.addr,
        "POST",
        "/v1/admin/reload",
        &[("Authorization", "Bearer x")],
        b"",
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "E-ADMIN-DISABLED")
    );
    assert!(r.body.contains("--admin-token-file"));
}

#[test]
fn openapi_document_is_served_and_lists_every_route() {
    let s = Server::start(&[]);
    let r = s.get("/openapi.json");
    assert_eq!(r.status, 200);
    let file = std::fs::read_to_string(root().join("docs/openapi.json")).unwrap();
    assert_eq!(r.body, file);
    assert_eq!(r.body, zonecheck::service::routes::OPENAPI_JSON);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (method, path) in zonecheck::service::routes::ROUTES {
        let op = &doc["paths"][path][method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{method} {path} is not in docs/openapi.json"
        );
        assert!(
            op["responses"].is_object(),
            "{method} {path} has no responses"
        );
        // ... and the route is served (whatever it answers, it is not an unknown route).
        let concrete = path.replace("{code}", "ZH32011520001");
        let r = request(
            &s.addr,
            method,
            &concrete,
            &[("Content-Type", "application/json")],
            b"{}",
        );
        assert_ne!(r.status, 404, "{method} {path}: {}", r.body);
        assert_ne!(r.status, 405, "{method} {path}: {}", r.body);
    }
    // Every documented path is a route.
    let documented = doc["paths"].as_object().unwrap();
    assert_eq!(documented.len(), zonecheck::service::routes::ROUTES.len());
}

#[test]
fn limits_are_enforced_with_json_errors() {
    let s = Server::start(&[
        "--max-body-bytes",
        "3000",
        "--max-vertices",
        "10",
        "--max-batch",
        "2",
    ]);
    // Body size.
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(5000));
    let r = s.post_json("/v1/check", &big);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (413, "E-BODY-TOO-LARGE")
    );
    assert_eq!(r.json()["error"]["limit"], 3000);
    // Vertices, before evaluation.
    let r = s.post_json("/v1/check", &circle_project(10).to_string());
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (413, "E-TOO-MANY-VERTICES")
    );
    assert!(r.body.contains("11 vertices"), "{}", r.body);
    let r = s.post_json("/v1/check", &circle_project(8).to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    // Projects per batch.
    let p = point_project("p", 118.8, 32.0);
    let r = s.post_json("/v1/batch", &json!({"projects": [p, p, p]}).to_string());
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (413, "E-BATCH-TOO-LARGE")
    );
    // In a batch, a project over the vertex limit is one error among the results.
    let r = s.post_json(
        "/v1/batch",
        &json!({"projects": [p, circle_project(12)]}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let b = r.json();
    assert_eq!(b["results"][1]["error"]["code"], "E-TOO-MANY-VERTICES");
    assert_eq!(b["summary"]["errors"], 1);
    assert_eq!(s.get("/healthz").status, 200);

    // Evaluation time: a 5,000-vertex site takes about 0.4 s (release build), never 1 ms.
    let slow = Server::start(&["--eval-timeout-ms", "1"]);
    let r = slow.post_json("/v1/check", &circle_project(5_000).to_string());
    assert_eq!((r.status, r.error_code().as_str()), (503, "E-EVAL-TIMEOUT"));
    assert_eq!(r.json()["error"]["limit_ms"], 1);
    assert_eq!(slow.get("/healthz").status, 200);
    // The default vertex limit (20,000) is below the project format's cap.
    let r = slow.post_json("/v1/check", &circle_project(20_000).to_string());
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (413, "E-TOO-MANY-VERTICES")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!("zonecheck-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn reload(addr: &str, token: Option<&str>) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    request(addr, "POST", "/v1/admin/reload", &headers, b"")
}

#[test]
fn reload_swaps_atomically_under_load_and_keeps_the_old_set_on_failure() {
    let tmp = temp_dir("reload");
    let rules = tmp.join("rules");
    copy_dir(&root().join("rules/nanjing"), &rules);
    let token_file = tmp.join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let s = Server::start(&[
        "--rules",
        rules.to_str().unwrap(),
        "--admin-token-file",
        token_file.to_str().unwrap(),
    ]);

    let r = reload(&s.addr, None);
    assert_eq!((r.status, r.error_code().as_str()), (401, "E-UNAUTHORIZED"));
    assert!(r.header("www-authenticate").is_some());
    let r = reload(&s.addr, Some("wrong"));
    assert_eq!((r.status, r.error_code().as_str()), (401, "E-UNAUTHORIZED"));

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let body = Arc::new(example());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (stop, failures, done, body, addr) = (
                Arc::clone(&stop),
                Arc::clone(&failures),
                Arc::clone(&done),
                Arc::clone(&body),
                s.addr.clone(),
            );
            std::thread::spawn(move || {
                let mut versions: Vec<String> = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let r = request(
                        &addr,
                        "POST",
                        "/v1/check",
                        &[("Content-Type", "application/json")],
                        body.as_bytes(),
                    );
                    if r.status != 200 {
                        failures.fetch_add(1, Ordering::SeqCst);
                        eprintln!("failed request: {} {}", r.status, r.body);
                        continue;
                    }
                    let v = r.json();
                    let version = v["evaluated_with"]["version"].as_str().unwrap().to_string();
                    // The report and its stated rule set agree: no mixed versions.
                    assert_eq!(v["rule_set"]["version"].as_str().unwrap(), version);
                    if versions.last() != Some(&version) {
                        versions.push(version);
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
                versions
            })
        })
        .collect();

    // Reload only once the clients have been answered by the old version for a while.
    let deadline = Instant::now() + Duration::from_secs(60);
    while done.load(Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "no answers under load");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    // A new version: the header's version and one clause's text change.
    let header = rules.join("00-header.zc");
    let text = std::fs::read_to_string(&header).unwrap();
    std::fs::write(
        &header,
        text.replace("version    \"2024.1\"", "version    \"2024.2\""),
    )
    .unwrap();
    let jiangsu = rules.join("10-jiangsu.zc");
    let text = std::fs::read_to_string(&jiangsu).unwrap();
    std::fs::write(&jiangsu, text.replacen("禁止新建", "严禁新建", 1)).unwrap();
    let r = reload(&s.addr, Some("s3cret-token"));
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["previous"]["version"], "2024.1");
    assert_eq!(j["active"]["version"], "2024.2");
    assert_eq!(j["active"]["generation"], 2);
    assert_ne!(j["previous"]["content_hash"], j["active"]["content_hash"]);
    let after_reload = done.load(Ordering::SeqCst);
    while done.load(Ordering::SeqCst) < after_reload + 20 {
        assert!(Instant::now() < deadline, "no answers after the reload");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A broken rule set: the old one stays, and the answer says why.
    std::fs::write(rules.join("60-broken.zc"), "level 坏 scope {\n  clause\n").unwrap();
    let r = reload(&s.addr, Some("s3cret-token"));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (422, "E-RELOAD-FAILED")
    );
    let e = &r.json()["error"];
    assert_eq!(e["active"]["version"], "2024.2");
    assert!(
        e["diagnostics"].as_str().unwrap().contains("60-broken.zc"),
        "{e}"
    );
    std::thread::sleep(Duration::from_millis(300));

    stop.store(true, Ordering::SeqCst);
    let histories: Vec<Vec<String>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(failures.load(Ordering::SeqCst), 0, "failed requests");
    for h in &histories {
        // Each client sees the old version, then the new one, never back.
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        assert!(
            matches!(h.as_slice(), [] | ["2024.2"] | ["2024.1", "2024.2"]),
            "{h:?}"
        );
    }
    assert!(histories.iter().any(|h| h.len() == 2), "{histories:?}");
    let r = s.get("/v1/rulesets");
    assert_eq!(r.json()["rule_sets"][0]["version"], "2024.2");
    let r = s.post_json("/v1/check", &example());
    let report = r.json();
    assert!(
        report["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["text"].as_str().unwrap().contains("严禁新建"))
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn admin_token_from_the_environment() {
    let s = Server::start_with(&[], &[("ZONECHECK_ADMIN_TOKEN", "env-token")]);
    assert_eq!(reload(&s.addr, Some("wrong")).status, 401);
    let r = reload(&s.addr, Some("env-token"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["active"]["version"], "2024.1");
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let mut s = Server::start(&[]);
    let body = example();
    // Start a request: headers and half the body, so it is in flight when SIGTERM arrives.
    let mut conn = TcpStream::connect(&s.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let half = body.len() / 2;
    conn.write_all(
        head(
            "POST",
            "/v1/check",
            &[("Content-Type", "application/json")],
            body.len(),
        )
        .as_bytes(),
    )
    .unwrap();
    conn.write_all(&body.as_bytes()[..half]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // Stops accepting: new connections are refused once the signal is handled.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&s.addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The request in flight completes.
    conn.write_all(&body.as_bytes()[half..]).unwrap();
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw);
    let r = parse_response(&raw);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["verdict"], "violated");

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{:?}", s.stderr.lock().unwrap());
}

#[test]
fn schemathesis_finds_no_failure_against_the_openapi_document() {
    let available = Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        if std::env::var_os("CI").is_some() {
            panic!(
                "schemathesis is not installed; .ci/run installs it with `python3 -m pip install 'schemathesis==3.39.16' 'hypothesis==6.129.5'`"
            );
        }
        eprintln!("skipped: the `schemathesis` command is not installed");
        return;
    }
    let s = Server::start(&[]);
    let work = temp_dir("schemathesis");
    let out = Command::new("schemathesis")
        .current_dir(&work)
        .args([
            "run",
            &format!("http://{}/openapi.json", s.addr),
            "--checks",
            "all",
            "--hypothesis-max-examples",
            "40",
            "--hypothesis-database",
            "none",
            "--hypothesis-seed",
            "20240701",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--log`: every project the service evaluates (check, batch, the HTML report) is in the
/// screening log before its answer goes out; bad projects are not screenings.
#[test]
fn every_evaluation_is_logged_before_it_is_answered() {
    let dir = temp_dir("log");
    let db = dir.join("screenings.db");
    let server = Server::start(&["--log", db.to_str().unwrap()]);
    let check = server.post_json("/v1/check", &example());
    assert_eq!(check.status, 200);
    let batch = json!({"projects": [point_project("a", 118.80, 32.06), {"name": "bad"}]});
    assert_eq!(
        server.post_json("/v1/batch", &batch.to_string()).status,
        200
    );
    let html = server.post_json("/v1/report.html", &example());
    assert_eq!(html.status, 200);
    let log = zonecheck::log::ScreeningLog::open_existing(&db).unwrap();
    assert_eq!(log.count().unwrap().0, 3);
    let logged: Vec<_> = log
        .projects(&zonecheck::log::Filter::default())
        .map(|p| p.unwrap())
        .collect();
    assert_eq!(logged[0].project["id"], "NJ-2024-002");
    assert_eq!(logged[0].verdict, zonecheck::eval::Outcome::Violated);
    drop(server);

    // A log that cannot be opened stops the service from starting.
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .current_dir(root())
        .args([
            "serve",
            "--rules",
            "rules/nanjing",
            "--addr",
            "127.0.0.1:0",
            "--log",
        ])
        .arg(dir.join("no/such/dir/log.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E-LOG-OPEN"));
    std::fs::remove_dir_all(&dir).ok();
}
