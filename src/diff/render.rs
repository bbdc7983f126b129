//! Renderers over a [`RuleSetDiff`]: Markdown for people, JSON and CSV for tools.
//!
//! Areas are printed with 3 decimals (km², i.e. to 1000 m²) in Markdown and rounded to 6 decimals
//! (1 m²) in JSON and CSV.

use std::fmt::Write as _;

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::clauses::{ClauseChange, Direction};
use super::transitions::{Share, UnitOnly, unit_counts};
use super::{Grouping, RuleSetDiff};

/// Units listed per flagged clause in Markdown (JSON and CSV list them all).
const MAX_LISTED: usize = 20;

const TYPE_KEYS: [&str; 3] = ["priority", "key", "general"];
const TYPE_LABELS: [&str; 3] = ["优先保护", "重点管控", "一般管控"];
const MATRIX_LABELS_ZH: [&str; 4] = ["优先保护", "重点管控", "一般管控", "未覆盖"];

/// Rounds to 6 decimals, without a negative zero.
fn r6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

/// `12.346`, without a negative zero.
fn f3(x: f64) -> String {
    let s = format!("{x:.3}");
    if s == "-0.000" { "0.000".into() } else { s }
}

/// `+1.234` / `-1.234` / `0.000`.
fn signed(x: f64) -> String {
    let s = f3(x);
    if s == "0.000" || s.starts_with('-') {
        s
    } else {
        format!("+{s}")
    }
}

/// serde_json's pretty formatter, with every float rounded to 6 decimals as it is written: the
/// diff streams out without an intermediate `serde_json::Value` (which doubled peak memory on the
/// national set).
struct Rounding<'a>(PrettyFormatter<'a>);

impl Formatter for Rounding<'_> {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        let r = r6(value);
        if !r.is_finite() {
            return w.write_all(b"null");
        }
        // Like serde_json: integral values keep a `.0`.
        if r.fract() == 0.0 && r.abs() < 1e15 {
            write!(w, "{r:.1}")
        } else {
            write!(w, "{r}")
        }
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// The diff as pretty JSON (areas in km², rounded to 6 decimals), with a trailing newline.
pub fn render_json(d: &RuleSetDiff) -> String {
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, Rounding(PrettyFormatter::new()));
    // Serialising plain data into memory cannot fail; an empty report would show if it did.
    if d.serialize(&mut ser).is_err() {
        out.clear();
    }
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_default()
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn shares(list: &[Share]) -> String {
    if list.is_empty() {
        return "—".into();
    }
    list.iter()
        .map(|s| {
            format!(
                "{} {} ({})",
                s.unit.code,
                f3(s.km2),
                short_label(s.unit.unit_type)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn short_label(t: crate::compile::ruleset::UnitType) -> &'static str {
    t.label().trim_end_matches("单元")
}

fn type_key(t: crate::compile::ruleset::UnitType) -> &'static str {
    match t {
        crate::compile::ruleset::UnitType::Priority => "priority",
        crate::compile::ruleset::UnitType::Key => "key",
        crate::compile::ruleset::UnitType::General => "general",
    }
}

fn direction_zh(d: Direction) -> &'static str {
    match d {
        Direction::Tightened => "收紧",
        Direction::Loosened => "放宽",
        Direction::Mixed => "有收有放",
        Direction::Unclear => "无法比较",
        Direction::Reworded => "仅文字修改",
        Direction::Unchanged => "未变（仅编号）",
    }
}

/// The diff as a Markdown report for a city bureau.
pub fn render_markdown(d: &RuleSetDiff) -> String {
    let mut o = markdown_sections(d);
    if let Some(r) = &d.replay {
        o.push_str(&render_replay_markdown(r, &d.replay_source));
    }
    o
}

fn markdown_sections(d: &RuleSetDiff) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# 管控方案版本对比 Rule-set comparison: {} → {}\n",
        d.old.version, d.new.version
    );
    let _ = writeln!(o, "| | old | new |\n|---|---|---|");
    let _ = writeln!(
        o,
        "| name | {} | {} |",
        cell(&d.old.name),
        cell(&d.new.name)
    );
    let _ = writeln!(o, "| version | {} | {} |", d.old.version, d.new.version);
    let _ = writeln!(
        o,
        "| effective | {} | {} |",
        d.old.effective, d.new.effective
    );
    let _ = writeln!(
        o,
        "| supersedes | {} | {} |",
        d.old.supersedes.as_deref().unwrap_or("—"),
        d.new.supersedes.as_deref().unwrap_or("—")
    );
    let _ = writeln!(o, "| units | {} | {} |", d.old.units, d.new.units);
    let _ = writeln!(o, "| clauses | {} | {} |\n", d.old.clauses, d.new.clauses);
    if !d.supersedes_old {
        let _ = writeln!(
            o,
            "> Note: the new version does not say it supersedes version {}.\n",
            d.old.version
        );
    }

    // The flag comes first: it is what a reviewer must not miss.
    let dp = &d.clauses.dropped_protections;
    let _ = writeln!(
        o,
        "## ⚠ 优先保护单元失去的保护要求 Protections dropped on priority-protection units: {}\n",
        dp.len()
    );
    if dp.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        let _ = writeln!(
            o,
            "| clause | effect | reason | units | text |\n|---|---|---|---|---|"
        );
        for p in dp {
            let mut units: Vec<String> = p
                .units
                .iter()
                .take(MAX_LISTED)
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            if p.units.len() > MAX_LISTED {
                units.push(format!("… and {} more", p.units.len() - MAX_LISTED));
            }
            let _ = writeln!(
                o,
                "| **{}** | {} | {} | {} | {} |",
                p.clause.id,
                p.clause.effect,
                p.reason,
                cell(&units.join("; ")),
                cell(&p.clause.text)
            );
        }
        o.push('\n');
    }

    let uc = unit_counts(&d.units);
    let c = &d.clauses;
    let count = |dir| c.with_direction(dir).count();
    let _ = writeln!(o, "## Summary\n");
    let _ = writeln!(
        o,
        "- Units: {} added, {} removed, {} re-typed, {} re-shaped, {} re-coded, {} renamed, {} unchanged.",
        uc["added"],
        uc["removed"],
        uc["retyped"],
        uc["reshaped"],
        uc["recoded"],
        uc["renamed"],
        uc["unchanged"]
    );
    let _ = writeln!(
        o,
        "- Clauses: {} kept, {} tightened, {} loosened, {} mixed, {} not comparable, {} reworded, {} renumbered only, {} added, {} dropped.",
        c.kept.len(),
        count(Direction::Tightened),
        count(Direction::Loosened),
        count(Direction::Mixed),
        count(Direction::Unclear),
        count(Direction::Reworded),
        count(Direction::Unchanged),
        c.added.len(),
        c.dropped.len()
    );
    let t = &d.areas.total;
    let parts: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "{} {} → {} ({})",
                TYPE_LABELS[i],
                f3(t.old[i]),
                f3(t.new[i]),
                signed(t.new[i] - t.old[i])
            )
        })
        .collect();
    let _ = writeln!(o, "- Area by type, km²: {}.\n", parts.join("; "));

    let by = match d.areas.by {
        Grouping::City => "city",
        Grouping::District => "district",
    };
    let _ = writeln!(
        o,
        "## 1. 各类单元面积 Area of each unit type by {by} (km²)\n"
    );
    let _ = writeln!(
        o,
        "| {by} | 优先保护 old | new | Δ | 重点管控 old | new | Δ | 一般管控 old | new | Δ | units old | new |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in d.areas.rows.iter().chain(std::iter::once(&d.areas.total)) {
        let mut line = format!("| {} |", row.region);
        for i in 0..3 {
            let _ = write!(
                line,
                " {} | {} | {} |",
                f3(row.old[i]),
                f3(row.new[i]),
                signed(row.new[i] - row.old[i])
            );
        }
        let _ = writeln!(o, "{line} {} | {} |", row.old_units, row.new_units);
    }
    o.push('\n');

    let m = &d.transitions;
    let _ = writeln!(
        o,
        "## 2. 类型转移 Area moved between types (km², rows: old type, columns: new type)\n"
    );
    let _ = writeln!(
        o,
        "| old \\ new | 优先保护 | 重点管控 | 一般管控 | 未覆盖 | old total |\n|---|---:|---:|---:|---:|---:|"
    );
    for (r, label) in MATRIX_LABELS_ZH.iter().enumerate() {
        let row = m.cells.get(r).copied().unwrap_or_default();
        let total = if r < 3 {
            f3(m.old_totals[r])
        } else {
            "".into()
        };
        let _ = writeln!(
            o,
            "| {label} | {} | {} | {} | {} | {total} |",
            f3(row[0]),
            f3(row[1]),
            f3(row[2]),
            if r < 3 { f3(row[3]) } else { "".into() }
        );
    }
    let _ = writeln!(
        o,
        "| new total | {} | {} | {} | | |\n",
        f3(m.new_totals[0]),
        f3(m.new_totals[1]),
        f3(m.new_totals[2])
    );

    let _ = writeln!(o, "## 3. 单元变化 Units\n");
    let retyped: Vec<_> = d.units.retyped().collect();
    let _ = writeln!(o, "### Re-typed: {}\n", retyped.len());
    if !retyped.is_empty() {
        let _ = writeln!(
            o,
            "| old code | new code | old name | new name | from | to | area km² |\n|---|---|---|---|---|---|---:|"
        );
        for p in retyped {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                p.old.code,
                p.new.code,
                cell(&p.old.name),
                cell(&p.new.name),
                p.old.type_label,
                p.new.type_label,
                f3(p.new.area_km2)
            );
        }
        o.push('\n');
    }
    let reshaped: Vec<_> = d.units.reshaped().collect();
    let _ = writeln!(o, "### Re-shaped: {}\n", reshaped.len());
    if !reshaped.is_empty() {
        let _ = writeln!(
            o,
            "| code | name | type | old km² | new km² | changed km² | gave to | took from |\n|---|---|---|---:|---:|---:|---|---|"
        );
        for p in reshaped {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                p.new.code,
                cell(&p.new.name),
                p.new.type_label,
                f3(p.old.area_km2),
                f3(p.new.area_km2),
                f3(p.changed_km2),
                shares(&p.gave_to),
                shares(&p.took_from)
            );
        }
        o.push('\n');
    }
    let only = |o: &mut String, title: &str, list: &[UnitOnly], rel: &str| {
        let _ = writeln!(o, "### {title}: {}\n", list.len());
        if list.is_empty() {
            return;
        }
        let _ = writeln!(
            o,
            "| code | name | type | area km² | {rel} |\n|---|---|---|---:|---|"
        );
        for u in list {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                u.unit.code,
                cell(&u.unit.name),
                u.unit.type_label,
                f3(u.unit.area_km2),
                shares(&u.overlaps)
            );
        }
        o.push('\n');
    };
    only(
        &mut o,
        "Added",
        &d.units.added,
        "area taken from (old units)",
    );
    only(
        &mut o,
        "Removed",
        &d.units.removed,
        "area went to (new units)",
    );
    let other: Vec<_> = d
        .units
        .changed
        .iter()
        .filter(|p| !p.retyped && (p.recoded || p.renamed))
        .collect();
    if !other.is_empty() {
        let _ = writeln!(
            o,
            "### Re-coded or renamed: {}\n\n| old code | new code | old name | new name |\n|---|---|---|---|",
            other.len()
        );
        for p in other {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                p.old.code,
                p.new.code,
                cell(&p.old.name),
                cell(&p.new.name)
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## 4. 准入要求延续性 Clauses\n");
    for dir in [
        Direction::Tightened,
        Direction::Loosened,
        Direction::Mixed,
        Direction::Unclear,
        Direction::Reworded,
        Direction::Unchanged,
    ] {
        let list: Vec<&ClauseChange> = c.with_direction(dir).collect();
        if list.is_empty() && matches!(dir, Direction::Mixed | Direction::Unclear) {
            continue;
        }
        let title = match dir {
            Direction::Tightened => "Tightened",
            Direction::Loosened => "Loosened",
            Direction::Mixed => "Tightened and loosened",
            Direction::Unclear => "Changed, not comparable",
            Direction::Reworded => "Reworded only",
            Direction::Unchanged => "Renumbered only",
        };
        let _ = writeln!(o, "### {title} ({}): {}\n", direction_zh(dir), list.len());
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "| clause | level | change | old | new | direction |\n|---|---|---|---|---|---|"
        );
        for ch in list {
            let id = if ch.renumbered {
                format!("{} → {}", ch.old.id, ch.new.id)
            } else {
                ch.new.id.clone()
            };
            if ch.items.is_empty() {
                let what = if ch.text_changed { "text" } else { "id" };
                let _ = writeln!(
                    o,
                    "| {id} | {} | {what} | | | {} |",
                    cell(&ch.new.level),
                    dir.key()
                );
            }
            for it in &ch.items {
                let _ = writeln!(
                    o,
                    "| {id} | {} | {} | {} | {} | {} |",
                    cell(&ch.new.level),
                    it.kind.key(),
                    cell(&it.old),
                    cell(&it.new),
                    it.direction.key()
                );
            }
        }
        o.push('\n');
        for ch in c.with_direction(dir).filter(|ch| ch.text_changed) {
            let _ = writeln!(o, "- {}: “{}” → “{}”", ch.new.id, ch.old.text, ch.new.text);
        }
        if c.with_direction(dir).any(|ch| ch.text_changed) {
            o.push('\n');
        }
    }
    for (title, list) in [("Added", &c.added), ("Dropped", &c.dropped)] {
        let _ = writeln!(o, "### {title}: {}\n", list.len());
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "| clause | level | dimension | effect | text |\n|---|---|---|---|---|"
        );
        for cl in list.iter() {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                cl.id,
                cell(&cl.level),
                cl.dimension,
                cl.effect,
                cell(&cl.text)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "### Kept unchanged: {}\n", c.kept.len());
    if !c.kept.is_empty() {
        let _ = writeln!(o, "{}\n", c.kept.join(", "));
    }
    o
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 10] = [
    "section",
    "item",
    "name",
    "from",
    "to",
    "old",
    "new",
    "value",
    "direction",
    "detail",
];

/// The diff as one CSV table (see `docs/diff.md` for the rows of each section).
pub fn render_csv(d: &RuleSetDiff) -> String {
    let mut o = csv_sections(d);
    if let Some(r) = &d.replay {
        o.push_str(&render_replay_csv(r));
    }
    o
}

fn csv_sections(d: &RuleSetDiff) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut row = |r: [String; 10]| {
        let _ = w.write_record(&r);
    };
    let num = |x: f64| format!("{}", r6(x));
    let s = |x: &str| x.to_string();
    row(CSV_COLUMNS.map(s));
    row([
        s("version"),
        s(""),
        d.new.name.clone(),
        d.old.version.clone(),
        d.new.version.clone(),
        d.old.units.to_string(),
        d.new.units.to_string(),
        s(""),
        s(""),
        format!("supersedes old: {}", d.supersedes_old),
    ]);
    for r in d.areas.rows.iter().chain(std::iter::once(&d.areas.total)) {
        for (i, key) in TYPE_KEYS.iter().enumerate() {
            row([
                s("area"),
                r.region.clone(),
                s(""),
                s(key),
                s(key),
                num(r.old[i]),
                num(r.new[i]),
                num(r.new[i] - r.old[i]),
                s(""),
                s(""),
            ]);
        }
    }
    let m = &d.transitions;
    for (from, cells) in m.cells.iter().enumerate() {
        for (to, v) in cells.iter().enumerate() {
            if from == 3 && to == 3 {
                continue;
            }
            row([
                s("transition"),
                s(""),
                s(""),
                s(m.labels[from]),
                s(m.labels[to]),
                s(""),
                s(""),
                num(*v),
                s(""),
                s(""),
            ]);
        }
    }
    let share_list = |l: &[Share]| {
        l.iter()
            .map(|x| format!("{}:{}", x.unit.code, r6(x.km2)))
            .collect::<Vec<_>>()
            .join(";")
    };
    for p in &d.units.changed {
        let mut kinds = Vec::new();
        if p.retyped {
            kinds.push("unit_retyped");
        }
        if p.reshaped {
            kinds.push("unit_reshaped");
        }
        if !p.retyped && (p.recoded || p.renamed) {
            kinds.push("unit_recoded");
        }
        for k in kinds {
            row([
                s(k),
                p.old.code.clone(),
                p.new.name.clone(),
                s(type_key(p.old.unit_type)),
                s(type_key(p.new.unit_type)),
                num(p.old.area_km2),
                num(p.new.area_km2),
                num(p.changed_km2),
                s(""),
                if k == "unit_reshaped" {
                    format!(
                        "gave to {}; took from {}",
                        share_list(&p.gave_to),
                        share_list(&p.took_from)
                    )
                } else {
                    format!("new code {}", p.new.code)
                },
            ]);
        }
    }
    for (k, list) in [
        ("unit_added", &d.units.added),
        ("unit_removed", &d.units.removed),
    ] {
        for u in list.iter() {
            let t = s(type_key(u.unit.unit_type));
            let (from, to, old, new) = if k == "unit_added" {
                (s(""), t, s(""), num(u.unit.area_km2))
            } else {
                (t, s(""), num(u.unit.area_km2), s(""))
            };
            row([
                s(k),
                u.unit.code.clone(),
                u.unit.name.clone(),
                from,
                to,
                old,
                new,
                s(""),
                s(""),
                share_list(&u.overlaps),
            ]);
        }
    }
    let c = &d.clauses;
    for id in &c.kept {
        row([
            s("clause_kept"),
            id.clone(),
            s(""),
            id.clone(),
            id.clone(),
            s(""),
            s(""),
            s(""),
            s(""),
            s(""),
        ]);
    }
    for ch in &c.changed {
        row([
            s("clause_changed"),
            ch.new.id.clone(),
            ch.new.level.clone(),
            ch.old.id.clone(),
            ch.new.id.clone(),
            ch.old.text.clone(),
            ch.new.text.clone(),
            s(""),
            s(ch.direction.key()),
            s(""),
        ]);
        for it in &ch.items {
            row([
                s("clause_item"),
                ch.new.id.clone(),
                ch.new.level.clone(),
                ch.old.id.clone(),
                ch.new.id.clone(),
                it.old.clone(),
                it.new.clone(),
                s(""),
                s(it.direction.key()),
                s(it.kind.key()),
            ]);
        }
    }
    for (k, list) in [("clause_added", &c.added), ("clause_dropped", &c.dropped)] {
        for cl in list.iter() {
            row([
                s(k),
                cl.id.clone(),
                cl.level.clone(),
                s(""),
                s(""),
                s(""),
                s(""),
                s(""),
                s(""),
                cl.text.clone(),
            ]);
        }
    }
    for p in &c.dropped_protections {
        for (code, name) in &p.units {
            row([
                s("dropped_protection"),
                p.clause.id.clone(),
                name.clone(),
                code.clone(),
                s(""),
                s(""),
                s(""),
                s(""),
                s(p.reason),
                p.clause.text.clone(),
            ]);
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The replay section in Markdown: verdict changes and the clauses whose outcomes changed.
fn render_replay_markdown(r: &super::ReplaySummary, source: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "\n## 重放：筛查日志中的项目在新版本下的结论（{source}）\n\n"
    ));
    out.push_str(&format!(
        "重放项目 {} 个，结论改变 {} 个，无法按任一版本校验 {} 个。\n\n",
        r.projects, r.verdict_changed, r.unusable
    ));
    out.push_str("| 旧结论 → 新结论 | 项目数 |\n|---|---:|\n");
    for (pair, n) in &r.verdicts {
        out.push_str(&format!("| {} | {n} |\n", pair.replace('→', " → ")));
    }
    if r.by_clause.is_empty() {
        out.push_str("\n没有条款的结论因版本更新而改变。\n");
    } else {
        out.push_str("\n| 条款 | 结论改变的项目 | 变化 |\n|---|---:|---|\n");
        for (id, c) in &r.by_clause {
            let t: Vec<String> = c
                .transitions
                .iter()
                .map(|(k, n)| format!("{} ×{n}", k.replace('→', " → ")))
                .collect();
            out.push_str(&format!("| {id} | {} | {} |\n", c.changed, t.join("；")));
        }
    }
    out
}

/// The replay section as CSV rows (same ten columns as [`render_csv`], without its header).
fn render_replay_csv(r: &super::ReplaySummary) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut row = |r: [String; 10]| {
        let _ = w.write_record(&r);
    };
    let e = String::new;
    row([
        "replay".into(),
        "projects".into(),
        e(),
        e(),
        e(),
        e(),
        e(),
        r.projects.to_string(),
        e(),
        format!(
            "verdict changed: {}; unusable: {}",
            r.verdict_changed, r.unusable
        ),
    ]);
    for (pair, n) in &r.verdicts {
        let (from, to) = pair.split_once('→').unwrap_or((pair.as_str(), ""));
        row([
            "replay".into(),
            "verdict".into(),
            e(),
            from.into(),
            to.into(),
            e(),
            e(),
            n.to_string(),
            e(),
            e(),
        ]);
    }
    for (id, c) in &r.by_clause {
        for (pair, n) in &c.transitions {
            let (from, to) = pair.split_once('→').unwrap_or((pair.as_str(), ""));
            row([
                "replay".into(),
                "clause".into(),
                id.clone(),
                from.into(),
                to.into(),
                e(),
                e(),
                n.to_string(),
                e(),
                e(),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
