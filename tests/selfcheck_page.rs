//! The self-check page end to end: the real `zonecheck serve` on a free loopback port, driven in
//! headless Chromium through chromedriver (the W3C WebDriver JSON protocol over HTTP, with
//! `ureq`). Fills the form for example projects, checks the verdict and the clause rows of the
//! report shown in the page, checks that problems are shown beside their fields, that the page
//! made no request outside loopback, and saves screenshots to `target/selfcheck-png/`. Also
//! tests the endpoints the page uses without a browser: `/v1/industries`, `/v1/schema`, site
//! uploads and `/v1/report.html`.
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (and `fonts-wqy-microhei` for
//! readable screenshots); without them the browser test fails when `CI` is set and is skipped
//! otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// A running `zonecheck serve --rules rules/nanjing`; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
            .current_dir(root())
            .args(["serve", "--addr", "127.0.0.1:0", "--rules", "rules/nanjing"])
            .env_remove("ZONECHECK_ADMIN_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zonecheck serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
            }
        });
        let Ok(addr) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("the service did not start");
        };
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }

    fn get(&self, path: &str) -> (u16, Vec<(String, String)>, String) {
        let mut r = agent().get(format!("{}{path}", self.base)).call().unwrap();
        split(&mut r)
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Vec<(String, String)>, String) {
        let mut r = agent()
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        split(&mut r)
    }
}

fn split(r: &mut ureq::http::Response<ureq::Body>) -> (u16, Vec<(String, String)>, String) {
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    (r.status().as_u16(), headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join("examples/projects").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The example shapefile (.shp, .shx, .dbf, .prj) as a .zip, the way the page uploads it.
fn shapefile_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for ext in ["shp", "shx", "dbf", "prj"] {
        zip.start_file(format!("site.{ext}"), options).unwrap();
        zip.write_all(&std::fs::read(root().join(format!("examples/sites/site.{ext}"))).unwrap())
            .unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Every example site file as an upload: (format, file name, bytes).
fn site_uploads() -> Vec<(&'static str, String, Vec<u8>)> {
    let read = |f: &str| std::fs::read(root().join("examples/sites").join(f)).unwrap();
    vec![
        ("geojson", "site.geojson".into(), read("site.geojson")),
        ("wkt", "site.wkt".into(), read("site.wkt")),
        ("shapefile", "site.zip".into(), shapefile_zip()),
        ("kml", "site.kml".into(), read("site.kml")),
        ("table", "site-table.txt".into(), read("site-table.txt")),
        (
            "land_txt",
            "site-baopan.txt".into(),
            read("site-baopan.txt"),
        ),
    ]
}

fn unit_codes(report: &Value) -> Vec<String> {
    let mut codes: Vec<String> = report["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

fn problem_fields(body: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["error"]["code"], "E-PROJECT", "{v}");
    v["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_endpoints_the_page_uses() {
    let s = Server::start();

    // The page and its assets, with their content types.
    for (path, ty) in [
        ("/", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/style.css", "text/css"),
    ] {
        let (status, headers, body) = s.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(
            header(&headers, "content-type").unwrap().starts_with(ty),
            "{path}"
        );
        assert!(!body.is_empty());
        assert!(!body.contains("https://"), "{path} refers to another site");
    }
    let (_, headers, _) = s.get("/");
    assert!(
        header(&headers, "content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );

    // The GB/T 4754-2017 tree.
    let (status, _, body) = s.get("/v1/industries");
    assert_eq!(status, 200);
    let tree: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(tree["standard"], "GB/T 4754-2017");
    let sections = tree["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 20);
    let c = sections.iter().find(|s| s["code"] == "C").unwrap();
    assert_eq!(c["name"], "制造业");
    let c26 = c["divisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "C26")
        .unwrap();
    let c266 = c26["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "C266")
        .unwrap();
    let classes: Vec<&str> = c266["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["code"].as_str().unwrap())
        .collect();
    assert!(classes.contains(&"C2662"), "{classes:?}");
    let total: usize = sections
        .iter()
        .flat_map(|s| s["divisions"].as_array().unwrap())
        .flat_map(|d| d["groups"].as_array().unwrap())
        .map(|g| g["classes"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, tree["counts"]["classes"].as_u64().unwrap() as usize);

    // The rule set's facts and pollutants.
    let (status, _, body) = s.get("/v1/schema");
    assert_eq!(status, 200);
    let schema: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        schema["pollutants"],
        json!([
            "SO2",
            "NOx",
            "颗粒物",
            "VOCs",
            "COD",
            "氨氮",
            "总磷",
            "总氮",
            "重金属"
        ])
    );
    let fact = |name: &str| -> Value {
        schema["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no fact {name}"))
    };
    assert_eq!(fact("coal_boiler_t_h")["type"], "number");
    assert_eq!(fact("coal_boiler_t_h")["unit"], "t/h");
    assert_eq!(fact("major_hazard")["type"], "bool");
    assert_eq!(fact("fuel")["type"], "enum");
    assert!(
        fact("fuel")["values"]
            .as_array()
            .unwrap()
            .contains(&json!("天然气"))
    );
    assert_eq!(fact("hazardous_storage")["type"], "set");
    assert_eq!(fact("exemption")["description"], "申报的豁免情形");
    assert!(
        schema["facts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"] != "nature" && f["name"] != "industry")
    );

    // Every example site format, uploaded, gives the units the GeoJSON location gives.
    let mut base = example("03-jiangning-retrofit-satisfied.json");
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(root().join("examples/sites/site.geojson")).unwrap())
            .unwrap();
    base["location"] = geojson["geometry"].clone();
    let (status, _, body) = s.post("/v1/check", &base);
    assert_eq!(status, 200, "{body}");
    let expected = unit_codes(&serde_json::from_str(&body).unwrap());
    assert!(!expected.is_empty());
    for (format, filename, bytes) in site_uploads() {
        let mut p = base.clone();
        let obj = p.as_object_mut().unwrap();
        obj.remove("location");
        obj.insert(
            "site".into(),
            json!({"format": format, "filename": filename, "data_base64": b64(&bytes)}),
        );
        let (status, _, body) = s.post("/v1/check", &p);
        assert_eq!(status, 200, "{format}: {body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(unit_codes(&report), expected, "{format}");
        assert_eq!(report["project"]["geometry_type"], "Polygon", "{format}");
    }

    // Broken uploads: the problem names `site` (or `crs`), beside the project's other problems.
    let broken = |site: Value, extra: &[(&str, Value)]| -> Vec<String> {
        let mut p = base.clone();
        let obj = p.as_object_mut().unwrap();
        obj.remove("location");
        obj.insert("site".into(), site);
        for (k, v) in extra {
            obj.insert((*k).to_string(), v.clone());
        }
        let (status, headers, body) = s.post("/v1/check", &p);
        assert_eq!(status, 422, "{body}");
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
        problem_fields(&body)
    };
    let kml =
        json!({"format": "kml", "filename": "bad.kml", "data_base64": b64(b"<kml><Placemark>")});
    assert_eq!(broken(kml.clone(), &[]), ["site"]);
    assert_eq!(
        broken(kml, &[("industry", json!(["X9999"]))]),
        ["site", "industry[0]"]
    );
    let zip_not =
        json!({"format": "shapefile", "filename": "site.zip", "data_base64": b64(b"not a zip")});
    assert_eq!(broken(zip_not, &[]), ["site"]);
    assert_eq!(
        broken(json!({"format": "docx", "data_base64": "@@"}), &[]),
        ["site.format", "site.data_base64"]
    );
    let table = json!({"format": "table", "filename": "t.txt",
        "data_base64": b64(b"J1,3549035.64,386528.49\nJ2,3549235.64,386528.49\nJ3,3549265.64,386678.49\n")});
    assert_eq!(
        broken(table.clone(), &[]),
        ["site"],
        "metres without a declared crs"
    );
    assert_eq!(broken(table, &[("crs", json!("北京54"))]), ["crs"]);
    let wkt = json!({"format": "wkt", "filename": "a.wkt", "data_base64": b64(b"SRID=4490;POINT (118.8 32.06)")});
    assert_eq!(
        broken(wkt, &[("crs", json!("EPSG:4528"))]),
        ["crs"],
        "the file's declaration conflicts with the project's"
    );

    // The HTML report, inline and as a download; project errors stay JSON.
    let p = example("02-yangtze-shore-chemical-new.json");
    let (status, headers, body) = s.post("/v1/report.html", &p);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(header(&headers, "content-disposition").is_none());
    assert!(body.starts_with("<!DOCTYPE html>"));
    assert!(body.contains("verdict-violated"), "{body}");
    assert!(body.contains("JS-KJ-01"));
    let (status, headers, _) = s.post("/v1/report.html?download=1", &p);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-disposition"),
        Some(
            "attachment; filename=\"zonecheck-NJ-2024-002.html\"; filename*=UTF-8''zonecheck-NJ-2024-002.html"
        )
    );
    let mut unnamed = p.clone();
    unnamed.as_object_mut().unwrap().remove("id");
    let (_, headers, _) = s.post("/v1/report.html?download=1", &unnamed);
    let cd = header(&headers, "content-disposition").unwrap();
    assert!(cd.starts_with("attachment; filename=\"zonecheck-"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''zonecheck-%E6%9F%90"), "{cd}");
    let (status, _, body) = s.post("/v1/report.html?download=maybe", &p);
    assert_eq!(status, 400, "{body}");
    let mut bad = p.clone();
    bad["industry"] = json!(["X9999"]);
    let (status, headers, body) = s.post("/v1/report.html", &bad);
    assert_eq!(status, 422);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    assert_eq!(problem_fields(&body), ["industry[0]"]);
    // A site upload works for the report too.
    let mut up = p.clone();
    up.as_object_mut().unwrap().remove("location");
    up["site"] = json!({"format": "wkt", "filename": "p.wkt", "data_base64": b64(b"POINT (118.985 32.185)")});
    let (status, _, body) = s.post("/v1/report.html", &up);
    assert_eq!(status, 200);
    assert!(body.contains("verdict-violated"));
}

// ---- WebDriver ----------------------------------------------------------------------------

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver and one Chromium session; both end on drop.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    profile: PathBuf,
}

impl Browser {
    fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = agent
                .get(format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|b| serde_json::from_str::<Value>(&b).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!(
            "zonecheck-selfcheck-chromium-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut b = Browser {
            driver,
            base,
            session: String::new(),
            agent,
            profile,
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,1800", "--lang=zh-CN",
                    format!("--user-data-dir={}", b.profile.display()),
                ],
            },
        }}});
        let v = b.raw("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        b
    }

    /// One WebDriver command; returns its `value`, panicking on a WebDriver error.
    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut resp = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let text = resp
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(
            resp.status().is_success(),
            "{method} {path}: {} {}",
            resp.status(),
            v["value"]
        );
        v["value"].clone()
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.raw(method, &format!("/session/{}{path}", self.session), body)
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("find `{css}`: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), None);
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), None);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until `script` returns something truthy; returns it.
    fn wait_for(&self, script: &str, what: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.js(script, json!([]));
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            if truthy {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn select(&self, css: &str, value: &str) {
        let ok = self.js(
            "const s = document.querySelector(arguments[0]); if (!s) return false;
             s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));
             return s.value === arguments[1];",
            json!([css, value]),
        );
        assert_eq!(ok, json!(true), "cannot select {value} in {css}");
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let dir = root().join("target/selfcheck-png");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.cmd("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = self.agent.delete(&url).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        if std::env::var_os("CI").is_some() {
            panic!(
                "chromium and chromedriver are needed: apt-get install -y chromium chromium-driver fonts-wqy-microhei"
            );
        }
        eprintln!("skipped: chromium or chromedriver is not installed");
    }
    present
}

/// Loads the page fresh and waits until it has read the schema and the industry tree.
fn open_page(b: &Browser, s: &Server) {
    b.goto(&format!("{}/", s.base));
    b.wait_for(
        "return document.body.dataset.ready === 'true'",
        "the page to load",
    );
}

/// Picks an industry by typing into the picker and clicking the matching class.
fn pick_industry(b: &Browser, typed: &str, code: &str) {
    b.type_into("#ind-search", typed);
    let css = format!("#ind-results li[data-code='{code}']");
    b.wait_for(
        &format!("return !!document.querySelector(\"{css}\")"),
        &format!("{code} among the results for {typed}"),
    );
    b.click(&css);
    b.wait_for(
        &format!("return !!document.querySelector(\"#ind-chosen .chip[data-code='{code}']\")"),
        &format!("{code} chosen"),
    );
}

/// Fills emissions and facts from an example project's values.
fn fill_emissions_and_facts(b: &Browser, p: &Value) {
    for (pollutant, figures) in p["emissions"].as_object().unwrap() {
        for (figure, value) in figures.as_object().unwrap() {
            b.type_into(
                &format!("#emission-rows input[data-field='emissions.{pollutant}.{figure}']"),
                &value.to_string(),
            );
        }
    }
    for (name, value) in p["facts"].as_object().unwrap() {
        let css = format!("[data-fact='{name}']");
        match value {
            Value::Number(n) => b.type_into(&css, &n.to_string()),
            Value::Bool(v) => b.select(&css, if *v { "true" } else { "false" }),
            Value::String(v) => b.select(&css, v),
            Value::Array(items) => {
                for item in items {
                    b.click(&format!("{css} input[value='{}']", item.as_str().unwrap()));
                }
            }
            other => panic!("fact {name}: {other}"),
        }
    }
}

/// Submits and waits for the report in the frame; returns (verdict class, violated clause ids,
/// needs-review clause ids).
fn submit_and_read_report(b: &Browser) -> (String, Vec<String>, Vec<String>) {
    b.js(
        "document.getElementById('report').removeAttribute('srcdoc'); return true",
        json!([]),
    );
    b.click("#submit");
    b.wait_for(
        "const f = document.getElementById('report');
         return !document.getElementById('result').hidden && f.contentDocument
           && !!f.contentDocument.querySelector('.verdict')",
        "the report",
    );
    let v = b.js(
        "const d = document.getElementById('report').contentDocument;
         const rows = (k) => Array.from(d.querySelectorAll('section.attention tbody tr'))
           .filter(r => r.querySelector('.badge.' + k))
           .map(r => r.querySelector('a').textContent.trim());
         return [d.querySelector('.verdict').className, rows('violated'), rows('needs_review'),
                 document.getElementById('verdict').textContent];",
        json!([]),
    );
    let strings = |i: usize| -> Vec<String> {
        v[i].as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        v[3].as_str().unwrap().contains("总体结论"),
        "the verdict banner above the report: {v}"
    );
    (v[0].as_str().unwrap().to_string(), strings(1), strings(2))
}

fn assert_loopback_only(b: &Browser) {
    let urls = b.js(
        "return performance.getEntriesByType('resource').map(e => e.name)
           .concat([location.href]);",
        json!([]),
    );
    for u in urls.as_array().unwrap() {
        let u = u.as_str().unwrap();
        assert!(
            u.starts_with("http://127.0.0.1"),
            "the page requested `{u}` outside loopback"
        );
    }
}

#[test]
fn the_self_check_page_in_headless_chromium() {
    if !browser_available() {
        return;
    }
    let s = Server::start();
    let b = Browser::start();

    // 1. A new chemical plant on the Yangtze shore, pasted as a point: violated (JS-KJ-01).
    let p02 = example("02-yangtze-shore-chemical-new.json");
    open_page(&b, &s);
    b.screenshot("00-empty-form.png");
    b.type_into("#name", p02["name"].as_str().unwrap());
    b.type_into("#pid", p02["id"].as_str().unwrap());
    b.click("input[name=nature][value='新建']");
    b.click("input[name=in_park][value='no']");
    b.type_into("#coords", "118.985, 32.185");
    pick_industry(&b, "2662", "C2662");
    fill_emissions_and_facts(&b, &p02);
    b.screenshot("01-project-02-filled.png");
    let (verdict, violated, _) = submit_and_read_report(&b);
    assert_eq!(verdict, "verdict verdict-violated");
    assert!(violated.contains(&"JS-KJ-01".to_string()), "{violated:?}");
    b.screenshot("02-project-02-report.png");
    assert_loopback_only(&b);

    // 2. A retrofit in Jiangning, industry found by its name, every fact stated: satisfied.
    let p03 = example("03-jiangning-retrofit-satisfied.json");
    open_page(&b, &s);
    b.type_into("#name", p03["name"].as_str().unwrap());
    b.click("input[name=nature][value='技术改造']");
    b.click("input[name=in_park][value='yes']");
    b.type_into("#coords", "118.75,31.75");
    pick_industry(&b, "汽车零部件", "C3670");
    fill_emissions_and_facts(&b, &p03);
    let (verdict, violated, review) = submit_and_read_report(&b);
    assert_eq!(
        verdict, "verdict verdict-satisfied",
        "{violated:?} {review:?}"
    );
    b.screenshot("03-project-03-report.png");

    // 3. The same project with its site uploaded as a 电子报盘 TXT (GBK) through the file
    //    input: the verdict /v1/check gives for the same site as GeoJSON.
    let mut expected = p03.clone();
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(root().join("examples/sites/site.geojson")).unwrap())
            .unwrap();
    expected["location"] = geojson["geometry"].clone();
    let (status, _, body) = s.post("/v1/check", &expected);
    assert_eq!(status, 200, "{body}");
    let want: Value = serde_json::from_str(&body).unwrap();
    open_page(&b, &s);
    b.type_into("#name", p03["name"].as_str().unwrap());
    b.click("input[name=nature][value='技术改造']");
    b.click("input[name=in_park][value='yes']");
    b.click("#tab-upload");
    let file = root().join("examples/sites/site-baopan.txt");
    let input = b.find("#file");
    b.cmd(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": file.display().to_string()})),
    );
    b.wait_for(
        "return document.getElementById('file-info').textContent.includes('site-baopan.txt')",
        "the chosen file to be described",
    );
    pick_industry(&b, "C3670", "C3670");
    fill_emissions_and_facts(&b, &p03);
    b.screenshot("04-upload-filled.png");
    let (verdict, _, _) = submit_and_read_report(&b);
    assert_eq!(
        verdict,
        format!("verdict verdict-{}", want["verdict"].as_str().unwrap())
    );
    let units_shown = b.js(
        "return document.getElementById('report').contentDocument.body.textContent",
        json!([]),
    );
    for u in want["units"].as_array().unwrap() {
        let code = u["code"].as_str().unwrap();
        assert!(
            units_shown.as_str().unwrap().contains(code),
            "unit {code} not in the report"
        );
    }
    b.screenshot("05-upload-report.png");
    assert_loopback_only(&b);

    // 4. Bad input: an unknown industry code typed, and a point in Paris. Each problem is shown
    //    beside its field, and summarised at the top; no report is shown.
    open_page(&b, &s);
    b.type_into("#name", "错误示例");
    b.click("input[name=nature][value='新建']");
    b.type_into("#coords", "2.35, 48.85");
    b.type_into("#ind-search", "X9999\n");
    b.wait_for(
        "return !!document.querySelector(\"#ind-chosen .chip[data-code='X9999']\")",
        "the typed code as a chip",
    );
    b.click("#submit");
    b.wait_for(
        "return !document.getElementById('summary').hidden",
        "the problem summary",
    );
    let shown = b.js(
        "const t = (css) => { const e = document.querySelector(css); return e ? e.textContent : null; };
         return {industry: t('#sec-industry > .field-error'), site: t('#site-error'),
                 summary: t('#summary'), result_hidden: document.getElementById('result').hidden,
                 industry_invalid: !!document.querySelector('#ind-chosen .chip.invalid[data-code=X9999]')};",
        json!([]),
    );
    assert!(
        shown["industry"].as_str().unwrap().contains("X9999"),
        "{shown}"
    );
    assert!(
        shown["site"].as_str().unwrap().contains("outside China"),
        "{shown}"
    );
    assert!(
        shown["summary"].as_str().unwrap().contains("行业类别"),
        "{shown}"
    );
    assert!(
        shown["summary"].as_str().unwrap().contains("项目位置"),
        "{shown}"
    );
    assert_eq!(shown["result_hidden"], true);
    assert_eq!(shown["industry_invalid"], true);
    b.screenshot("06-errors.png");

    // 5. A value the rule set's schema refuses, beside its own input.
    open_page(&b, &s);
    b.type_into("#name", "错误示例二");
    b.click("input[name=nature][value='新建']");
    b.type_into("#coords", "118.985, 32.185");
    pick_industry(&b, "2662", "C2662");
    b.type_into("input[data-field='emissions.VOCs.total']", "很多");
    b.click("#submit");
    b.wait_for(
        "return !document.getElementById('summary').hidden",
        "the problem summary",
    );
    let beside = b.js(
        "const i = document.querySelector(\"input[data-field='emissions.VOCs.total']\");
         return [i.classList.contains('invalid'), i.parentElement.querySelector('.field-error').textContent];",
        json!([]),
    );
    assert_eq!(beside[0], true, "{beside}");
    assert!(!beside[1].as_str().unwrap().is_empty(), "{beside}");
    b.screenshot("07-emission-error.png");
    assert_loopback_only(&b);
}
