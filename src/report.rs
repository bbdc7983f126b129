//! Report: renderers over an [`Assessment`] — text for people (Chinese labels) and JSON for
//! machines (schema in `docs/report.md`). Rendering never changes the answer.

pub mod json;
pub mod text;

pub use json::{REPORT_SCHEMA, render_json, to_json_value};
pub use text::render_text;
