//! The text report, for a person reading a terminal or a review file.

use std::fmt::Write;

use super::{mark, role_label};
use crate::compile::quantity::{Dimension, format_value};
use crate::eval::{Assessment, ClauseResult, Evidence, Observation, Outcome};

fn observation(o: &Observation) -> String {
    let mut s = match &o.value {
        Some(v) => format!("{} = {v}", o.name),
        None => format!("{} 未提供", o.name),
    };
    if let Some(d) = &o.detail {
        let _ = write!(s, "，{d}");
    }
    if let Some(u) = &o.uncertainty {
        let _ = write!(s, "；{u}");
    }
    s
}

fn leaf_line(e: &Evidence) -> String {
    let obs: Vec<String> = e.observed.iter().map(observation).collect();
    if obs.is_empty() {
        format!("{}：{}", e.condition, e.value.label())
    } else {
        format!("{}：{}（{}）", e.condition, e.value.label(), obs.join("；"))
    }
}

fn clause(out: &mut String, c: &ClauseResult) {
    let _ = writeln!(
        out,
        "    {} {}  {}  {}",
        mark(c.outcome),
        c.outcome_label,
        c.id,
        c.text
    );
    let _ = writeln!(out, "        结论：{}", c.reason);
    for ev in &c.evidence {
        let e = &ev.evidence;
        let leaves = e.deciding_leaves();
        if leaves.len() == 1 && leaves.first().is_some_and(|l| std::ptr::eq(*l, e)) {
            let _ = writeln!(out, "        {}：{}", role_label(ev.role), leaf_line(e));
        } else {
            let _ = writeln!(
                out,
                "        {}（{}）{}，取决于：",
                role_label(ev.role),
                e.condition,
                e.value.label()
            );
            for l in leaves {
                let _ = writeln!(out, "          · {}", leaf_line(l));
            }
        }
    }
    let _ = writeln!(
        out,
        "        来源：{}:{} · 经由单元 {}",
        c.source.file,
        c.source.line,
        c.via_units.join("、")
    );
}

/// Renders the assessment as text with Chinese labels.
pub fn render_text(a: &Assessment) -> String {
    let mut out = String::new();
    let p = &a.project;
    let _ = writeln!(out, "生态环境分区管控准入研判报告");
    let _ = writeln!(out, "============================");
    let id =
        p.id.as_ref()
            .map_or(String::new(), |i| format!("（编号 {i}）"));
    let _ = writeln!(out, "项目：{}{id}", p.name);
    let _ = writeln!(
        out,
        "建设性质：{}；行业类别：{}",
        p.nature.as_deref().unwrap_or("未提供"),
        if p.industry.is_empty() {
            "未提供".to_string()
        } else {
            p.industry.join("、")
        }
    );
    let size = match (p.site_area_m2, p.length_m) {
        (Some(a), _) => format!("，占地 {}", format_value(a, Dimension::Area)),
        (_, Some(l)) => format!("，长度 {}", format_value(l, Dimension::Length)),
        _ => String::new(),
    };
    let _ = writeln!(out, "位置：{}{size}", p.geometry_type);
    let r = &a.rule_set;
    let supersedes = r
        .supersedes
        .as_ref()
        .map_or(String::new(), |s| format!("，替代 {s}"));
    let _ = writeln!(
        out,
        "准入清单：{} 版本 {}（{}，{} 起施行{supersedes}）",
        r.name, r.version, r.issuer, r.effective
    );
    let _ = writeln!(out, "清单内容哈希：sha256:{}", r.content_hash);
    let _ = writeln!(out);
    let c = &a.counts;
    let _ = writeln!(
        out,
        "总体结论：{} {}（适用条款 {} 条：违反 {}，需人工研判 {}，符合 {}）",
        mark(a.verdict),
        a.verdict_label,
        c.applicable,
        c.violated,
        c.needs_review,
        c.satisfied
    );
    for (o, label) in [
        (Outcome::Violated, "违反条款"),
        (Outcome::NeedsReview, "需人工研判条款"),
    ] {
        let ids: Vec<&str> = a
            .clauses
            .iter()
            .filter(|c| c.outcome == o)
            .map(|c| c.id.as_str())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  {label}：{}", ids.join("、"));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "涉及环境管控单元（{} 个）", a.units.len());
    for u in &a.units {
        let overlap = match (u.overlap_area_m2, u.overlap_length_m) {
            (Some(x), _) => format!("  重叠面积 {}", format_value(x, Dimension::Area)),
            (_, Some(x)) => format!("  穿越长度 {}", format_value(x, Dimension::Length)),
            _ => String::new(),
        };
        let unsure = if u.position_uncertain {
            "  （位置精度内不确定）"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {}  {}  {}{overlap}{unsure}",
            u.code, u.type_label, u.name
        );
    }
    if a.units.is_empty() {
        let _ = writeln!(out, "  （无）");
    }
    if !a.notes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "说明");
        for n in &a.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    let _ = writeln!(out);
    if a.clauses.is_empty() {
        let _ = writeln!(out, "适用条款：无（本清单没有适用于该项目的条款）");
        return out;
    }
    let _ = writeln!(out, "适用条款");
    let mut last_level = None;
    let mut last_dim = None;
    for c in &a.clauses {
        if last_level != Some(&c.level) {
            let _ = writeln!(out, "【{}】（{}）", c.level, c.level_scope);
            last_level = Some(&c.level);
            last_dim = None;
        }
        if last_dim != Some(c.dimension) {
            let _ = writeln!(out, "  {}", c.dimension_label);
            last_dim = Some(c.dimension);
        }
        clause(&mut out, c);
    }
    out
}
