//! The JSON report: the assessment as data, with a schema tag so clients can check what they
//! parse. Documented field by field in `docs/report.md`.

use serde_json::{Value, json};

use crate::eval::Assessment;

/// Identifies the JSON report format; bumped on any incompatible change.
pub const REPORT_SCHEMA: &str = "zonecheck.report/1";

/// The report as a JSON value: `{"schema": …, "tool": …, …assessment}`.
pub fn to_json_value(a: &Assessment) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let mut out = serde_json::Map::new();
        out.insert("schema".into(), json!(REPORT_SCHEMA));
        out.insert(
            "tool".into(),
            json!(format!("zonecheck {}", env!("CARGO_PKG_VERSION"))),
        );
        out.append(m);
        return Value::Object(out);
    }
    v
}

/// Pretty-printed JSON report.
pub fn render_json(a: &Assessment) -> String {
    serde_json::to_string_pretty(&to_json_value(a)).unwrap_or_default()
}
