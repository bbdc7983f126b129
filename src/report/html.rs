//! The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external
//! requests of any kind) for a person to read on screen or print on A4.
//!
//! Order: verdict with counts, project summary, map, units, notes, the clauses that are violated
//! or need review (a short table linking to their full entries), then every applicable clause
//! grouped by level and dimension, violated first, then needs review, then satisfied within each
//! group. The map is drawn from [`MapData`], gathered apart from the evaluation.

mod svg;

use std::fmt::Write;

use super::{mark, role_label};
use crate::compile::quantity::{Dimension, format_value};
use crate::eval::{Assessment, ClauseResult, Evidence, Observation, Outcome};
use crate::report::map::{MapData, Probe};

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The CSS class suffix of an outcome (`violated`, `needs_review`, `satisfied`).
fn key(o: Outcome) -> &'static str {
    match o {
        Outcome::Violated => "violated",
        Outcome::NeedsReview => "needs_review",
        Outcome::Satisfied => "satisfied",
    }
}

const CSS: &str = r#"
:root { --violated: #b71c1c; --review: #b26a00; --satisfied: #2e7d32; --ink: #1a1a1a; --muted: #5f6368; --rule: #d0d4d9; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #eef0f2;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  font-size: 15px; line-height: 1.55; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 36px 40px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 20px 0 6px; }
h3 .scope { font-weight: normal; color: var(--muted); font-size: 13px; margin-left: 6px; }
h4 { font-size: 14px; margin: 12px 0 6px; color: var(--muted); }
.subtitle { margin: 0; color: var(--muted); }
.verdict { margin: 18px 0; padding: 14px 20px; border: 3px solid; border-radius: 6px; display: flex; align-items: baseline; gap: 24px; flex-wrap: wrap; }
.verdict .verdict-label { font-size: 34px; font-weight: bold; letter-spacing: 2px; }
.verdict .counts { font-size: 16px; }
.verdict .lists { flex-basis: 100%; font-size: 14px; }
.verdict-violated { border-color: var(--violated); color: var(--violated); background: #fdecea; }
.verdict-needs_review { border-color: var(--review); color: var(--review); background: #fff4e0; border-style: dashed; }
.verdict-satisfied { border-color: var(--satisfied); color: var(--satisfied); background: #e9f5ea; border-style: double; border-width: 5px; }
.verdict .counts, .verdict .lists { color: var(--ink); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; }
table.kv th { width: 9em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code, .mono { font-family: "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace; font-size: 0.92em; }
.hash { word-break: break-all; }
figure { margin: 0; }
svg.map { width: 100%; height: auto; display: block; border: 1px solid #888; }
svg.map text { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; paint-order: stroke; stroke: #fff; stroke-width: 3.5px; stroke-linejoin: round; fill: #111; }
svg.map .lbl-distance { font-size: 15px; font-weight: bold; }
svg.map .lbl-project { font-size: 15px; font-weight: bold; fill: #c8102e; }
svg.map .lbl-unit { font-size: 14px; font-weight: bold; }
svg.map .lbl-unit-other { font-size: 11px; fill: #555; }
svg.map .lbl-feature { font-size: 12px; font-style: italic; fill: #0d3c78; }
svg.map .lbl-off { font-size: 13px; }
svg.map .lbl-legend, svg.map .lbl-scale { font-size: 13px; stroke: none; }
svg.map .lbl-north { font-size: 12px; font-weight: bold; stroke: none; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 3px; font-weight: bold; font-size: 13px; border: 1.5px solid; white-space: nowrap; }
.badge.violated { color: var(--violated); border-color: var(--violated); background: #fdecea; }
.badge.needs_review { color: var(--review); border-color: var(--review); border-style: dashed; background: #fff4e0; }
.badge.satisfied { color: var(--satisfied); border-color: var(--satisfied); background: #e9f5ea; }
.clause { margin: 8px 0 10px; padding: 8px 12px; border: 1px solid var(--rule); border-left: 6px solid; border-radius: 3px; }
.clause.violated { border-left-color: var(--violated); border-left-style: solid; }
.clause.needs_review { border-left-color: var(--review); border-left-style: dashed; }
.clause.satisfied { border-left-color: var(--satisfied); border-left-style: dotted; }
.clause .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.clause .cid { font-weight: bold; }
.clause blockquote { margin: 4px 0; padding: 2px 10px; border-left: 3px solid var(--rule); color: #333; }
.clause .reason { margin: 4px 0; font-weight: 600; }
.clause ul.evidence { margin: 2px 0; padding-left: 20px; font-size: 14px; }
.clause ul.evidence ul { padding-left: 18px; }
.clause .obs { color: var(--muted); }
.clause .source { margin: 4px 0 0; font-size: 12.5px; color: var(--muted); }
.truth-true { font-weight: 600; }
.truth-unknown { font-style: italic; }
.notes li { margin: 3px 0; }
footer { margin-top: 30px; padding-top: 8px; border-top: 1px solid var(--rule); font-size: 12px; color: var(--muted); }
a { color: inherit; }
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
@media print {
  body { background: #fff; font-size: 9.5pt; line-height: 1.45; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0 1px; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; margin: 10pt 0 5pt; }
  .verdict { margin: 8pt 0; padding: 6pt 12pt; }
  th, td { padding: 2pt 5pt; }
  figcaption { font-size: 8pt; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .verdict .verdict-label { font-size: 18pt; }
  .verdict .counts { font-size: 10.5pt; }
  .verdict .lists { font-size: 9pt; }
  table { font-size: 9pt; }
  thead { display: table-header-group; }
  tr, .clause, figure, .verdict { break-inside: avoid; page-break-inside: avoid; }
  svg.map { width: 100%; max-height: 128mm; }
  a { text-decoration: none; }
}
"#;

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

fn truth_class(e: &Evidence) -> &'static str {
    match e.value {
        crate::eval::Truth::True => "truth-true",
        crate::eval::Truth::False => "truth-false",
        crate::eval::Truth::Unknown => "truth-unknown",
    }
}

fn leaf(out: &mut String, e: &Evidence) {
    let obs: Vec<String> = e.observed.iter().map(observation).collect();
    let _ = write!(
        out,
        r#"<code>{}</code>：<span class="{}">{}</span>"#,
        escape(&e.condition),
        truth_class(e),
        e.value.label()
    );
    if !obs.is_empty() {
        let _ = write!(
            out,
            r#"<span class="obs">（{}）</span>"#,
            escape(&obs.join("；"))
        );
    }
}

fn clause(out: &mut String, c: &ClauseResult) {
    let k = key(c.outcome);
    let _ = writeln!(
        out,
        r#"<article class="clause {k}" id="clause-{}">"#,
        escape(&c.id)
    );
    let _ = writeln!(
        out,
        r#"<div class="head"><span class="badge {k}">{} {}</span> <span class="cid">{}</span></div>"#,
        mark(c.outcome),
        c.outcome_label,
        escape(&c.id)
    );
    let _ = writeln!(out, "<blockquote>{}</blockquote>", escape(&c.text));
    let _ = writeln!(out, r#"<p class="reason">结论：{}</p>"#, escape(&c.reason));
    if !c.missing.is_empty() {
        let _ = writeln!(
            out,
            r#"<p class="reason">缺少的事实：{}</p>"#,
            escape(&c.missing.join("、"))
        );
    }
    if !c.evidence.is_empty() {
        out.push_str(r#"<ul class="evidence">"#);
        for ev in &c.evidence {
            let e = &ev.evidence;
            let leaves = e.deciding_leaves();
            out.push_str("<li>");
            let _ = write!(out, "{}：", role_label(ev.role));
            if leaves.len() == 1 && leaves.first().is_some_and(|l| std::ptr::eq(*l, e)) {
                leaf(out, e);
            } else {
                let _ = write!(
                    out,
                    r#"<code>{}</code> <span class="{}">{}</span>，取决于：<ul>"#,
                    escape(&e.condition),
                    truth_class(e),
                    e.value.label()
                );
                for l in leaves {
                    out.push_str("<li>");
                    leaf(out, l);
                    out.push_str("</li>");
                }
                out.push_str("</ul>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        r#"<p class="source">来源：<span class="mono">{}:{}</span> · 经由单元 {}</p>"#,
        escape(&c.source.file),
        c.source.line,
        escape(&c.via_units.join("、"))
    );
    out.push_str("</article>\n");
}

fn header(out: &mut String, a: &Assessment) {
    let p = &a.project;
    let _ = writeln!(
        out,
        r#"<header><h1>生态环境分区管控准入研判报告</h1><p class="subtitle">{}{}</p></header>"#,
        escape(&p.name),
        p.id.as_ref()
            .map_or(String::new(), |i| format!("（编号 {}）", escape(i)))
    );
    let c = &a.counts;
    let _ = writeln!(
        out,
        r#"<section class="verdict verdict-{}"><div class="verdict-label">总体结论：{} {}</div><div class="counts">适用条款 {} 条：违反 {}，需人工研判 {}，符合 {}</div>"#,
        key(a.verdict),
        mark(a.verdict),
        a.verdict_label,
        c.applicable,
        c.violated,
        c.needs_review,
        c.satisfied
    );
    let mut lists = String::new();
    for (o, label) in [
        (Outcome::Violated, "违反条款"),
        (Outcome::NeedsReview, "需人工研判条款"),
    ] {
        let ids: Vec<String> = a
            .clauses
            .iter()
            .filter(|c| c.outcome == o)
            .map(|c| format!(r##"<a href="#clause-{0}">{0}</a>"##, escape(&c.id)))
            .collect();
        if !ids.is_empty() {
            let _ = write!(lists, "<div>{label}：{}</div>", ids.join("、"));
        }
    }
    if !lists.is_empty() {
        let _ = write!(out, r#"<div class="lists">{lists}</div>"#);
    }
    out.push_str("</section>\n");
}

fn summary(out: &mut String, a: &Assessment) {
    let p = &a.project;
    let r = &a.rule_set;
    let mut rows: Vec<(&str, String)> = vec![("项目名称", escape(&p.name))];
    if let Some(id) = &p.id {
        rows.push(("项目编号", escape(id)));
    }
    rows.push(("建设性质", escape(p.nature.as_deref().unwrap_or("未提供"))));
    rows.push((
        "行业类别",
        if p.industry.is_empty() {
            "未提供".into()
        } else {
            escape(&p.industry.join("、"))
        },
    ));
    let mut location = escape(p.geometry_type);
    if let Some(x) = p.site_area_m2 {
        let _ = write!(location, "，占地 {}", format_value(x, Dimension::Area));
    } else if let Some(x) = p.length_m {
        let _ = write!(location, "，长度 {}", format_value(x, Dimension::Length));
    }
    rows.push(("位置", location));
    rows.push((
        "准入清单",
        format!(
            "{} 版本 {}（{}，{} 起施行{}）",
            escape(&r.name),
            escape(&r.version),
            escape(&r.issuer),
            escape(&r.effective),
            r.supersedes
                .as_ref()
                .map_or(String::new(), |s| format!("，替代 {}", escape(s)))
        ),
    ));
    rows.push((
        "清单内容哈希",
        format!(
            r#"<span class="mono hash">sha256:{}</span>"#,
            escape(&r.content_hash)
        ),
    ));
    out.push_str("<section class=\"summary\"><h2>项目概况</h2><table class=\"kv\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</table></section>\n");
}

fn map_section(out: &mut String, map: &MapData) {
    out.push_str("<section class=\"map-section\"><h2>位置示意图</h2><figure>\n");
    out.push_str(&svg::render_map(map));
    out.push_str(
        "<figcaption>示意图：经纬度按项目所在纬度的局部平面投影绘制，上方为北。单元按类型填充（优先保护：绿色斜线；重点管控：橙色交叉线；一般管控：灰蓝横线），虚线框为未涉及的相邻单元；黑色虚线箭头为项目至条款所量测图层最近要素的距离，图外要素以边缘箭头指示方向。底图数据仅作示意。</figcaption>\n",
    );
    out.push_str("</figure>\n");
    if !map.measurements.is_empty() {
        out.push_str("<h3>空间量测</h3><table class=\"measures\"><thead><tr><th>图层</th><th>最近要素</th><th>距离</th><th>相关条款</th><th>图中</th></tr></thead><tbody>\n");
        for m in &map.measurements {
            let distance = if m.distance_m > 0.0 {
                format_value(m.distance_m, Dimension::Length)
            } else {
                "0 m（相交）".into()
            };
            let shown = match (m.probe, m.in_view) {
                (_, _) if m.distance_m <= 0.0 => "相交",
                (Probe::Distance, true) => "已标注",
                (Probe::Distance, false) => "图外，边缘箭头指示",
                (Probe::Contact, true) => "已绘出",
                (Probe::Contact, false) => "图外",
            };
            let clauses: Vec<String> = m
                .clauses
                .iter()
                .map(|c| format!(r##"<a href="#clause-{0}">{0}</a>"##, escape(c)))
                .collect();
            let _ = writeln!(
                out,
                r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td></tr>"#,
                escape(&m.layer),
                escape(&m.feature),
                escape(&distance),
                clauses.join("、"),
                shown
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

fn units(out: &mut String, a: &Assessment) {
    let _ = writeln!(
        out,
        "<section class=\"units\"><h2>涉及环境管控单元（{} 个）</h2>",
        a.units.len()
    );
    if a.units.is_empty() {
        out.push_str("<p>（无）</p></section>\n");
        return;
    }
    let measure_head = if a.project.site_area_m2.is_some() {
        "重叠面积"
    } else if a.project.length_m.is_some() {
        "穿越长度"
    } else {
        "位置关系"
    };
    let _ = writeln!(
        out,
        "<table><thead><tr><th>单元编码</th><th>单元名称</th><th>类型</th><th>{measure_head}</th><th>备注</th></tr></thead><tbody>"
    );
    for u in &a.units {
        let overlap = match (u.overlap_area_m2, u.overlap_length_m) {
            (Some(x), _) => format_value(x, Dimension::Area),
            (_, Some(x)) => format_value(x, Dimension::Length),
            // A point project (or a unit reached only within the positional accuracy).
            _ if u.position_uncertain => "精度范围内可能位于".into(),
            _ => "位于单元内".into(),
        };
        let note = if u.position_uncertain {
            "位置精度内不确定"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<tr><td class="mono">{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{note}</td></tr>"#,
            escape(&u.code),
            escape(&u.name),
            u.type_label,
            escape(&overlap)
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn notes(out: &mut String, a: &Assessment) {
    if a.notes.is_empty() {
        return;
    }
    out.push_str("<section class=\"notes\"><h2>说明</h2><ul>\n");
    for n in &a.notes {
        let _ = writeln!(out, "<li>{}</li>", escape(n));
    }
    out.push_str("</ul></section>\n");
}

fn attention(out: &mut String, a: &Assessment) {
    let mut flagged: Vec<&ClauseResult> = a
        .clauses
        .iter()
        .filter(|c| c.outcome != Outcome::Satisfied)
        .collect();
    if flagged.is_empty() {
        return;
    }
    flagged.sort_by_key(|c| c.outcome);
    out.push_str("<section class=\"attention\"><h2>违反与需人工研判条款</h2><table><thead><tr><th>结论</th><th>条款</th><th>层级</th><th>维度</th><th>原因</th></tr></thead><tbody>\n");
    for c in flagged {
        let k = key(c.outcome);
        let _ = writeln!(
            out,
            r##"<tr><td><span class="badge {k}">{} {}</span></td><td><a href="#clause-{id}">{id}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>"##,
            mark(c.outcome),
            c.outcome_label,
            escape(&c.level),
            c.dimension_label,
            escape(&c.reason),
            id = escape(&c.id),
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn clauses(out: &mut String, a: &Assessment) {
    out.push_str("<section class=\"clauses\"><h2>适用条款（按层级与维度；每组内违反、需人工研判、符合依次排列）</h2>\n");
    if a.clauses.is_empty() {
        out.push_str("<p>无（本清单没有适用于该项目的条款）</p></section>\n");
        return;
    }
    // Clauses come ordered by level, dimension, id; keep that and put outcomes first within
    // each (level, dimension) group.
    let mut start = 0;
    let mut last_level: Option<&str> = None;
    while let Some(first) = a.clauses.get(start) {
        let end = a
            .clauses
            .iter()
            .skip(start)
            .position(|c| c.level_rank != first.level_rank || c.dimension != first.dimension)
            .map_or(a.clauses.len(), |n| start + n);
        if last_level != Some(first.level.as_str()) {
            let _ = writeln!(
                out,
                r#"<h3>【{}】 <span class="scope">{}</span></h3>"#,
                escape(&first.level),
                escape(&first.level_scope)
            );
            last_level = Some(first.level.as_str());
        }
        let _ = writeln!(out, "<h4>{}</h4>", first.dimension_label);
        let mut group: Vec<&ClauseResult> =
            a.clauses.get(start..end).unwrap_or(&[]).iter().collect();
        group.sort_by_key(|c| c.outcome);
        for c in group {
            clause(out, c);
        }
        start = end;
    }
    out.push_str("</section>\n");
}

/// Renders the assessment as one self-contained HTML page with its map.
pub fn render_html(a: &Assessment, map: &MapData) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="zonecheck {}">
<title>准入研判报告：{}</title>
<style>{CSS}</style>
</head>
<body>
<main>"#,
        env!("CARGO_PKG_VERSION"),
        escape(&a.project.name)
    );
    header(&mut out, a);
    summary(&mut out, a);
    map_section(&mut out, map);
    units(&mut out, a);
    notes(&mut out, a);
    attention(&mut out, a);
    clauses(&mut out, a);
    let _ = writeln!(
        out,
        "<footer>由 zonecheck {} 生成。本报告为准入研判的辅助结果：“需人工研判”的条款须由审批人员核实；示意图不作为界线认定依据。</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("长江干流（南京段）"), "长江干流（南京段）");
    }
}
