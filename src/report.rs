//! Report: renderers over an [`Assessment`](crate::eval::Assessment) — text for people (Chinese labels), JSON for
//! machines (schema in `docs/report.md`), and a self-contained HTML page with a map. Rendering
//! never changes the answer; the map's geometry is gathered apart ([`map::MapData::gather`]).

pub mod html;
pub mod json;
pub mod map;
pub mod text;

pub use html::render_html;
pub use json::{REPORT_SCHEMA, render_json, to_json_value};
pub use map::MapData;
pub use text::render_text;

use crate::eval::{EvidenceRole, Outcome};

/// The sign shown before an outcome in the text and HTML reports.
fn mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Violated => "✗",
        Outcome::NeedsReview => "?",
        Outcome::Satisfied => "✓",
    }
}

/// What a piece of evidence is, in the reports' Chinese labels.
fn role_label(r: EvidenceRole) -> &'static str {
    match r {
        EvidenceRole::Applies => "适用条件",
        EvidenceRole::Requirement => "要求",
        EvidenceRole::Exemption => "豁免情形",
    }
}
