//! A rule author's mistakes, as the author sees them: each test breaks a copy of the Nanjing
//! demo rule set (`rules/nanjing`, copied with its `data/` into a temporary directory) and checks
//! the rendered diagnostics — `file:line:col`, the offending source line, carets under the
//! offending text, the message and the help.
//!
//! Most mistakes are written into an extra file `60-broken.zc` whose line numbers the test
//! controls, using the facts, layers and sets the demo rule set declares in `00-header.zc`; a few
//! edit the demo files themselves, asserting that the text being edited is still there.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use zonecheck::load::{RulesError, load_rule_set};

const DEMO: &str = "rules/nanjing";
/// Stands for the temporary rule-set directory in rendered output.
const ROOT: &str = "<rules>";

/// A temporary copy of the demo rule set, removed when dropped.
struct Broken {
    dir: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Broken {
    fn new(test: &str) -> Broken {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "zonecheck-rule-diagnostics-{}-{}-{test}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(Path::new(DEMO), &dir);
        Broken { dir }
    }

    /// Replaces the first occurrence of `old` in `file`; `old` must be there.
    fn edit(&self, file: &str, old: &str, new: &str) -> &Broken {
        let path = self.dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(old),
            "{file} no longer contains {old:?}: update this test"
        );
        std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
        self
    }

    fn write(&self, file: &str, text: &str) -> &Broken {
        std::fs::write(self.dir.join(file), text).unwrap();
        self
    }

    /// `file:line:col` (1-based, columns in characters) of the first `needle` in `file`.
    fn pos(&self, file: &str, needle: &str) -> String {
        self.pos_in(file, needle, needle)
    }

    /// `file:line:col` of `needle` within the first occurrence of `context` in `file`.
    fn pos_in(&self, file: &str, context: &str, needle: &str) -> String {
        let text = std::fs::read_to_string(self.dir.join(file)).unwrap();
        let at = text
            .find(context)
            .and_then(|c| text[c..].find(needle).map(|n| c + n))
            .unwrap_or_else(|| panic!("{needle:?} in {context:?} not in {file}"));
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        format!("{file}:{line}:{col}")
    }

    /// Loads the copy, which must fail, and renders every diagnostic, with the temporary
    /// directory shown as `<rules>`.
    fn render(&self) -> String {
        match load_rule_set(&self.dir) {
            Ok(_) => panic!("the broken rule set in {} loaded", self.dir.display()),
            Err(e) => {
                assert!(matches!(e, RulesError::Invalid { .. }), "{e}");
                e.render().replace(&self.dir.display().to_string(), ROOT)
            }
        }
    }
}

impl Drop for Broken {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Terminal width of the test texts: CJK characters and full-width punctuation take two
/// columns; ASCII and the (ambiguous-width) Chinese quotes `“”` one.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// The rendered diagnostic that has `code` and contains `message` in its first line.
fn block<'a>(out: &'a str, code: &str, message: &str) -> &'a str {
    let head = format!("error[{code}]: ");
    let starts: Vec<usize> = out
        .match_indices("error[")
        .chain(out.match_indices("warning["))
        .map(|(i, _)| i)
        .filter(|i| *i == 0 || out[..*i].ends_with('\n'))
        .collect();
    for &s in &starts {
        let end = starts
            .iter()
            .copied()
            .filter(|e| *e > s)
            .min()
            .unwrap_or(out.len());
        let b = &out[s..end];
        let first = b.lines().next().unwrap_or("");
        if first.starts_with(&head) && first.contains(message) {
            return b;
        }
    }
    panic!("no `{head}…{message}…` diagnostic in:\n{out}");
}

/// Checks one rendered diagnostic: the message, `--> <rules>/file:line:col`, the source line
/// after `line |`, carets under exactly `offending` (at that position), and the help.
fn assert_diag(
    out: &str,
    code: &str,
    message: &str,
    at: &str,
    offending: &str,
    help: Option<&str>,
) {
    let b = block(out, code, message);
    let arrow = format!("--> {ROOT}/{at}\n");
    assert!(b.contains(&arrow), "expected `{arrow}` in:\n{b}");
    let mut parts = at.rsplit(':');
    let col: usize = parts.next().unwrap().parse().unwrap();
    let line: usize = parts.next().unwrap().parse().unwrap();
    let lines: Vec<&str> = b.lines().collect();
    let prefix = format!("{line} | ");
    let i = lines
        .iter()
        .position(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no source line `{prefix}…` in:\n{b}"));
    let source = &lines[i][prefix.len()..];
    let lead: String = source.chars().take(col - 1).collect();
    assert!(
        source[lead.len()..].starts_with(offending),
        "the source line {source:?} does not have {offending:?} at column {col}"
    );
    let gutter = " ".repeat(line.to_string().len());
    let carets = format!(
        "{gutter} | {}{}",
        " ".repeat(width(&lead)),
        "^".repeat(width(offending))
    );
    assert_eq!(lines[i + 1], carets, "caret line of:\n{b}");
    // `None`: the help, if any, is not checked.
    if let Some(h) = help {
        let help_line = lines
            .iter()
            .find(|l| l.trim_start().starts_with("= help: "))
            .unwrap_or_else(|| panic!("no help in:\n{b}"));
        assert!(help_line.contains(h), "help lacks {h:?}:\n{b}");
    }
}

fn error_count(out: &str) -> usize {
    out.lines().filter(|l| l.starts_with("error[")).count()
}

/// An extra rule file with one level over Nanjing; `clauses` are its body.
fn level(clauses: &str) -> String {
    format!("# deliberately broken\n\nlevel \"测试层级\" applies to city 3201 {{\n{clauses}}}\n")
}

// ---- the demo rule set itself ------------------------------------------------------------

#[test]
fn the_demo_rule_set_loads_without_errors_or_warnings() {
    let loaded = load_rule_set(Path::new(DEMO)).unwrap_or_else(|e| panic!("{}", e.render()));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert!(!loaded.rule_set.clauses.is_empty());
}

#[test]
fn an_unbroken_copy_loads_too() {
    // The copying itself (layer paths relative to the rule files) is sound.
    let b = Broken::new("unbroken");
    load_rule_set(&b.dir).unwrap_or_else(|e| panic!("{}", e.render()));
}

// ---- syntax -------------------------------------------------------------------------------

#[test]
fn a_syntax_error_says_what_was_expected_and_what_was_found_with_the_position() {
    let b = Broken::new("syntax");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when nature in [新建] and and major_hazard\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_eq!(
        out,
        format!(
            "error[E-SYNTAX]: expected a condition, found `and`\n \
             --> {ROOT}/60-broken.zc:5:29\n  \
             |\n\
             5 |     when nature in [新建] and and major_hazard\n  \
             |                               ^\n"
        )
    );
}

#[test]
fn a_missing_closing_brace_points_at_what_follows() {
    let b = Broken::new("brace");
    b.write(
        "60-broken.zc",
        "level \"测试层级\" applies to city 3201 {\n  clause T-01 空间布局约束 \"测试\"\n    forbid\n\nlevel \"第二层级\" applies to city 3201 {\n}\n",
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-SYNTAX",
        "found `level`",
        &b.pos_in("60-broken.zc", "\nlevel \"第二", "level"),
        "l",
        None,
    );
    assert!(out.contains("expected `clause` or `unless`"), "{out}");
}

#[test]
fn chinese_quotes_get_a_help() {
    let b = Broken::new("quotes");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 空间布局约束 “测试”\n    forbid\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-SYNTAX",
        "unexpected full-width punctuation `“`",
        &b.pos("60-broken.zc", "“"),
        "“",
        Some("strings use straight ASCII quotes"),
    );
}

#[test]
fn full_width_parentheses_get_a_help() {
    let b = Broken::new("paren");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when distance（长江) < 1 km\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-SYNTAX",
        "unexpected full-width punctuation `（`",
        &b.pos("60-broken.zc", "（"),
        "（",
        Some("not full-width punctuation"),
    );
}

#[test]
fn a_full_width_comma_in_a_list_gets_a_help() {
    let b = Broken::new("comma");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when nature in [新建，扩建]\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-SYNTAX",
        "unexpected full-width punctuation `，`",
        &b.pos("60-broken.zc", "，"),
        "，",
        Some("not full-width punctuation"),
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let b = Broken::new("bom");
    b.write(
        "60-broken.zc",
        &format!(
            "\u{feff}{}",
            level("  clause T-01 空间布局约束 \"测试\"\n    when major_hazard\n    forbid\n")
        ),
    );
    load_rule_set(&b.dir).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn a_file_with_cr_only_line_endings_is_located_by_its_lines() {
    let b = Broken::new("cr-only");
    let text = level("  clause T-01 空间布局约束 \"测试\"\n    when major_hazard\n    forbid\n")
        .replace("major_hazard", "major_hazzard")
        .replace('\n', "\r");
    b.write("60-broken.zc", &text);
    let out = b.render();
    // Line 5 of the file (`when major_hazzard`), its own text on the source line.
    assert!(
        out.contains(&format!("--> {ROOT}/60-broken.zc:5:10")),
        "{out}"
    );
    assert!(out.contains("5 |     when major_hazzard\n"), "{out}");
}

#[test]
fn a_fact_declared_in_percent_is_told_to_be_a_plain_number() {
    let b = Broken::new("percent-fact");
    b.write("60-broken.zc", "fact recycle_rate : number % \"回用率\"\n");
    let out = b.render();
    let block = block(
        &out,
        "E-UNIT",
        "fact `recycle_rate` is a plain number: declare it as `number` without a unit, not in `%`",
    );
    assert!(block.contains("\"35 %\" (read as 0.35)"), "{block}");
    assert!(!out.contains("``"), "{out}");
}

#[test]
fn syntax_errors_in_two_files_are_both_reported() {
    let b = Broken::new("two-syntax");
    b.edit("30-nanjing.zc", "forbid", "forbidden");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 空间布局约束 “测试”\n    forbid\n"),
    );
    let out = b.render();
    assert_eq!(error_count(&out), 2, "{out}");
    assert!(out.contains(&format!("{ROOT}/30-nanjing.zc:")), "{out}");
    let quote = b.pos("60-broken.zc", "“");
    assert!(out.contains(&format!("{ROOT}/{quote}")), "{out}");
}

// ---- names, units and types ---------------------------------------------------------------

#[test]
fn an_unknown_fact_suggests_the_close_name_and_lists_facts_of_the_wanted_kind() {
    let b = Broken::new("fact");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 环境风险防控 \"测试\"\n    when major_hazzard\n    forbid\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown fact `major_hazzard`",
        &b.pos("60-broken.zc", "major_hazzard"),
        "major_hazzard",
        Some("did you mean `major_hazard`?"),
    );
    // A condition wants a yes/no fact: the list holds boolean facts only.
    let help = out.lines().find(|l| l.contains("= help:")).unwrap();
    assert!(help.contains("boolean facts: in_park,"), "{help}");
    assert!(!help.contains("coal_boiler_t_h"), "{help}");
    assert!(!help.contains("fuel"), "{help}");
}

#[test]
fn an_unknown_fact_unlike_any_other_suggests_declaring_it() {
    let b = Broken::new("fact-far");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 资源利用效率 \"测试\"\n    when 供热面积 > 100 m2\n    forbid\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown fact `供热面积`",
        &b.pos("60-broken.zc", "供热面积"),
        "供热面积",
        Some("declare it with `fact 供热面积 : …`; number facts: coal_boiler_t_h,"),
    );
    assert!(!out.contains("did you mean"), "{out}");
}

#[test]
fn a_layer_or_pollutant_used_as_a_fact_says_how_to_use_it() {
    let b = Broken::new("fact-layer");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when 长江 < 1 km\n    forbid\n\n  clause T-02 污染物排放管控 \"测试\"\n    when VOCs > 0 t/a\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown fact `长江`",
        &b.pos_in("60-broken.zc", "when 长江", "长江"),
        "长江",
        Some("`长江` is a layer: use `distance(长江)`"),
    );
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown fact `VOCs`",
        &b.pos("60-broken.zc", "VOCs"),
        "VOCs",
        Some("`VOCs` is a pollutant: use `total(VOCs)`"),
    );
}

#[test]
fn an_unknown_unit_lists_the_known_ones() {
    let b = Broken::new("unit");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when distance(长江) < 1 mile\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_eq!(
        out,
        format!(
            "error[E-UNKNOWN-UNIT]: unknown unit `mile`\n \
             --> {ROOT}/60-broken.zc:5:27\n  \
             |\n\
             5 |     when distance(长江) < 1 mile\n  \
             |                             ^^^^\n  \
             = help: known units: {}\n",
            zonecheck::compile::quantity::known_measures()
        )
    );
}

#[test]
fn a_unit_of_the_wrong_kind_says_which_units_fit() {
    let b = Broken::new("mismatch");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when distance(长江) < 5 t/a\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNIT-MISMATCH",
        "`distance(长江) < 5 t/a` compares a length with a mass per year",
        &b.pos("60-broken.zc", "distance(长江) < 5 t/a"),
        "distance(长江) < 5 t/a",
        Some("`5 t/a` should be a length, written in m, 米, km, 公里, 千米"),
    );
}

#[test]
fn a_bare_number_against_a_quantity_asks_for_the_unit() {
    let b = Broken::new("bare");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 资源利用效率 \"测试\"\n    when coal_boiler_t_h < 35\n    forbid\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNIT-MISMATCH",
        "`coal_boiler_t_h < 35` compares a boiler capacity (steam per hour) with a plain number",
        &b.pos("60-broken.zc", "coal_boiler_t_h < 35"),
        "coal_boiler_t_h < 35",
        Some("write the unit: `35 t/h`"),
    );
}

#[test]
fn a_bare_zero_takes_the_other_sides_unit() {
    // `> 0` needs no unit: the demo rule set relies on it (`increase(VOCs) > 0`).
    let b = Broken::new("zero");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 资源利用效率 \"测试\"\n    when coal_boiler_t_h > 0\n    forbid\n"),
    );
    load_rule_set(&b.dir).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn an_unknown_industry_code_in_a_set_and_in_a_list() {
    let b = Broken::new("industry");
    b.edit(
        "00-header.zc",
        "set 电镀       = [C3360]",
        "set 电镀       = [C3360, C9999]",
    );
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when industry in [C26, C9999]\n    forbid\n\n  clause T-02 空间布局约束 \"测试\"\n    when industry in [C2699]\n    forbid\n",
        ),
    );
    let out = b.render();
    let in_set = b.pos("00-header.zc", "C9999");
    assert_diag(
        &out,
        "E-UNKNOWN-CODE",
        "`C9999` is not a GB/T 4754-2017 industry code",
        &in_set,
        "C9999",
        Some("codes follow GB/T 4754-2017"),
    );
    let in_list = b.pos("60-broken.zc", "C9999");
    assert!(out.contains(&format!("--> {ROOT}/{in_list}")), "{out}");
    // A code with real neighbours lists them.
    assert_diag(
        &out,
        "E-UNKNOWN-CODE",
        "`C2699` is not a GB/T 4754-2017 industry code",
        &b.pos("60-broken.zc", "C2699"),
        "C2699",
        Some("codes nearby: C26 化学原料和化学制品制造业"),
    );
    assert_eq!(error_count(&out), 3, "{out}");
}

#[test]
fn an_unknown_layer_lists_the_declared_ones() {
    let b = Broken::new("layer");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 环境风险防控 \"测试\"\n    when major_hazard and distance(水源保护区) < 500 m\n    forbid\n",
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown layer `水源保护区`",
        &b.pos("60-broken.zc", "水源保护区"),
        "水源保护区",
        Some("declared feature layers: "),
    );
    assert!(out.contains("饮用水水源保护区"), "{out}");
}

#[test]
fn an_unknown_pollutant_lists_the_declared_ones() {
    let b = Broken::new("pollutant");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 污染物排放管控 \"测试\"\n    when increase(PM25) > 0\n    forbid\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown pollutant `PM25`",
        &b.pos("60-broken.zc", "PM25"),
        "PM25",
        Some("declared pollutants: SO2, NOx"),
    );
}

#[test]
fn an_enum_value_not_declared_lists_the_values() {
    let b = Broken::new("enum");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 资源利用效率 \"测试\"\n    when fuel in [煤, 柴油]\n    forbid\n\n  clause T-02 空间布局约束 \"测试\"\n    forbid\n    unless exemption == 民生工程\n",
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-VALUE",
        "`柴油` is not a value of `fuel`",
        &b.pos("60-broken.zc", "柴油"),
        "柴油",
        Some("its values are: 煤, 重油"),
    );
    assert_diag(
        &out,
        "E-UNKNOWN-VALUE",
        "`民生工程` is not a value of `exemption`",
        &b.pos("60-broken.zc", "民生工程"),
        "民生工程",
        Some("民生基础设施"),
    );
}

#[test]
fn an_unknown_dimension_names_the_four() {
    let b = Broken::new("dimension");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 污染物排放控制 \"测试\"\n    forbid\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-DIMENSION",
        "unknown dimension `污染物排放控制`",
        &b.pos("60-broken.zc", "污染物排放控制"),
        "污染物排放控制",
        Some("空间布局约束, 污染物排放管控, 环境风险防控, 资源利用效率"),
    );
}

#[test]
fn a_duplicate_clause_id_points_at_both() {
    let b = Broken::new("duplicate");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    forbid\n\n  clause T-01 空间布局约束 \"测试\"\n    forbid\n",
        ),
    );
    let out = b.render();
    // The first use is given relative to the rule-set directory, as reports give it.
    assert_diag(
        &out,
        "E-DUPLICATE",
        &format!(
            "clause id `T-01` is already used at {}",
            b.pos("60-broken.zc", "T-01")
        ),
        &b.pos_in("60-broken.zc", "forbid", "T-01"),
        "T-01",
        None,
    );
}

#[test]
fn a_limit_needs_a_numeric_bound() {
    let b = Broken::new("limit");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 污染物排放管控 \"测试\"\n    limit wastewater_to_plant\n"),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-LIMIT",
        "`limit` takes a numeric bound",
        &b.pos("60-broken.zc", "wastewater_to_plant"),
        "wastewater_to_plant",
        Some("use `require` for other conditions"),
    );
}

// ---- facts, header and scopes ------------------------------------------------------------

#[test]
fn a_fact_with_an_unknown_unit_is_reported_once_not_at_every_use() {
    let b = Broken::new("fact-unit");
    b.write(
        "60-broken.zc",
        &format!(
            "fact 供水量 : number gallons \"年供水量\"\n\n{}",
            level("  clause T-01 资源利用效率 \"测试\"\n    when 供水量 > 100 m3/a\n    forbid\n")
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-UNIT",
        "unknown unit `gallons`",
        &b.pos("60-broken.zc", "gallons"),
        "gallons",
        Some("known units: m, 米"),
    );
    assert!(!out.contains("unknown fact"), "{out}");
    assert_eq!(error_count(&out), 1, "{out}");
}

#[test]
fn a_fact_in_a_non_base_unit_is_reported_once() {
    let b = Broken::new("fact-base");
    b.write(
        "60-broken.zc",
        &format!(
            "fact 供水量 : number 万m3/a \"年供水量\"\n\n{}",
            level("  clause T-01 资源利用效率 \"测试\"\n    when 供水量 > 100 m3/a\n    forbid\n")
        ),
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNIT",
        "fact `供水量` must be declared in the base unit `m3/a`, not `万m3/a`",
        "60-broken.zc:1:1",
        "fact 供水量 : number 万m3/a \"年供水量\"",
        Some("projects may still write other units"),
    );
    assert_eq!(error_count(&out), 1, "{out}");
}

#[test]
fn a_missing_header_is_reported_without_a_location() {
    let b = Broken::new("header");
    let header = std::fs::read_to_string(b.dir.join("00-header.zc")).unwrap();
    let start = header.find("ruleset \"").expect("the demo has a header");
    let end = start + header[start..].find("}\n").expect("the header closes") + 2;
    b.write(
        "00-header.zc",
        &format!("{}{}", &header[..start], &header[end..]),
    );
    let out = b.render();
    assert_eq!(
        out,
        "error[E-HEADER]: the rule set has no `ruleset` header\n \
         = help: add `ruleset \"名称\" { version \"…\" issuer \"…\" effective YYYY-MM-DD }` to one file\n"
    );
}

#[test]
fn a_header_without_a_field_names_it() {
    let b = Broken::new("header-field");
    let header = std::fs::read_to_string(b.dir.join("00-header.zc")).unwrap();
    let line = header
        .lines()
        .find(|l| l.trim_start().starts_with("effective"))
        .expect("the demo header has `effective`")
        .to_string();
    b.edit("00-header.zc", &format!("{line}\n"), "");
    let out = b.render();
    // The header's name is underlined.
    let header = std::fs::read_to_string(b.dir.join("00-header.zc")).unwrap();
    let name_start = header.find("ruleset \"").unwrap() + "ruleset ".len();
    let name_len = header[name_start + 1..].find('"').unwrap() + 2;
    let name = &header[name_start..name_start + name_len];
    assert_diag(
        &out,
        "E-HEADER",
        "the header has no `effective`",
        &b.pos("00-header.zc", name),
        name,
        None,
    );
}

#[test]
fn a_bad_admin_code_length_says_how_many_digits() {
    let b = Broken::new("admin");
    b.write(
        "60-broken.zc",
        "level \"测试层级\" applies to city 320 {\n  clause T-01 空间布局约束 \"测试\"\n    forbid\n}\n\nlevel \"测试区县\" applies to district 3201150 {\n  clause T-02 空间布局约束 \"测试\"\n    forbid\n}\n",
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-SCOPE",
        "a city code has 4 digits; `320` has 3",
        &b.pos_in("60-broken.zc", "city 320", "320"),
        "320",
        Some("province 32, city 3201, district 320115"),
    );
    assert_diag(
        &out,
        "E-SCOPE",
        "a district code has 6 digits; `3201150` has 7",
        &b.pos("60-broken.zc", "3201150"),
        "3201150",
        None,
    );
}

#[test]
fn an_unknown_unit_code_in_a_units_scope_lists_units_of_the_county() {
    let b = Broken::new("unit-code");
    b.write(
        "60-broken.zc",
        "level \"测试单元\" applies to units [ZH32011620001, ZH32011629999] {\n  clause T-01 空间布局约束 \"测试\"\n    forbid\n}\n",
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-UNKNOWN-CODE",
        "unit `ZH32011629999` is not in the unit layer",
        &b.pos("60-broken.zc", "ZH32011629999"),
        "ZH32011629999",
        Some("units of the same county: "),
    );
    assert!(out.contains("ZH32011620001"), "{out}");
    assert_eq!(error_count(&out), 1, "{out}");
}

#[test]
fn an_unknown_unit_type_and_basin_are_reported() {
    let b = Broken::new("scope");
    b.write(
        "60-broken.zc",
        "level \"测试类型\" applies to city 3201 and type 优先 {\n  clause T-01 空间布局约束 \"测试\"\n    forbid\n}\n\nlevel \"测试流域\" applies to basin 淮河流域 {\n  clause T-02 空间布局约束 \"测试\"\n    forbid\n}\n",
    );
    let out = b.render();
    assert_diag(
        &out,
        "E-SCOPE",
        "unknown unit type `优先`",
        &b.pos("60-broken.zc", "优先"),
        "优先",
        Some("优先保护, 重点管控 and 一般管控"),
    );
    assert_diag(
        &out,
        "E-UNKNOWN-NAME",
        "unknown layer `淮河流域`",
        &b.pos_in("60-broken.zc", "basin 淮河流域", "淮河流域"),
        "淮河流域",
        Some("basin polygons"),
    );
}

#[test]
fn an_empty_set_is_a_warning() {
    let b = Broken::new("empty-set");
    b.write("60-broken.zc", "set 空集 = []\n");
    let loaded = load_rule_set(&b.dir).unwrap_or_else(|e| panic!("{}", e.render()));
    let rendered: Vec<String> = loaded
        .warnings
        .iter()
        .map(|w| loaded.sources.render(w))
        .collect();
    assert!(
        rendered
            .iter()
            .any(|w| w.starts_with("warning[W-EMPTY-SET]: set `空集` is empty")),
        "{rendered:?}"
    );
}

// ---- all errors at once ---------------------------------------------------------------------

#[test]
fn every_error_of_the_rule_set_is_reported_in_one_run() {
    let b = Broken::new("all");
    // Three independent mistakes in three files, and two in one clause.
    b.edit("30-nanjing.zc", "major_hazard", "major_hazzard");
    b.edit(
        "00-header.zc",
        "set 电镀       = [C3360]",
        "set 电镀       = [C9999]",
    );
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when distance(长江) < 1 mile\n    require within(化工园)\n",
        ),
    );
    let out = b.render();
    assert_eq!(error_count(&out), 4, "{out}");
    let typo = b.pos("30-nanjing.zc", "major_hazzard");
    assert!(out.contains(&format!("--> {ROOT}/{typo}\n")), "{out}");
    let code = b.pos("00-header.zc", "C9999");
    assert!(out.contains(&format!("--> {ROOT}/{code}\n")), "{out}");
    for needle in ["mile", "化工园"] {
        let at = b.pos("60-broken.zc", needle);
        assert!(out.contains(&format!("--> {ROOT}/{at}\n")), "{out}");
    }
    // Diagnostics are separated by blank lines.
    assert_eq!(out.matches("\n\nerror[").count(), 3, "{out}");
}

// ---- the binary -----------------------------------------------------------------------------

fn lint(dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .arg("lint")
        .arg(dir)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn lint_passes_the_demo_rule_set() {
    let (code, stdout, stderr) = lint(Path::new(DEMO));
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("no errors"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn lint_of_a_broken_copy_exits_2_with_every_diagnostic_on_stderr() {
    let b = Broken::new("lint");
    b.edit("30-nanjing.zc", "major_hazard", "major_hazzard");
    b.write(
        "60-broken.zc",
        &level(
            "  clause T-01 空间布局约束 \"测试\"\n    when distance(长江) < 5 t/a\n    forbid\n",
        ),
    );
    let (code, stdout, stderr) = lint(&b.dir);
    assert_eq!(code, 2, "stderr:\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("error[E-UNKNOWN-NAME]: unknown fact `major_hazzard`"),
        "{stderr}"
    );
    assert!(stderr.contains("error[E-UNIT-MISMATCH]"), "{stderr}");
    let at = b.pos("60-broken.zc", "distance");
    assert!(stderr.contains(&at), "{stderr}");
    assert!(
        stderr.contains("5 |     when distance(长江) < 5 t/a"),
        "{stderr}"
    );
    assert!(stderr.trim_end().ends_with(": 2 error(s)"), "{stderr}");
}

#[test]
fn check_with_a_broken_rule_set_exits_2() {
    let b = Broken::new("check");
    b.write("60-broken.zc", "level \"测试\" applies to city 320 {\n}\n");
    let out = Command::new(env!("CARGO_BIN_EXE_zonecheck"))
        .arg("check")
        .arg("--rules")
        .arg(&b.dir)
        .arg("tests/fixtures/projects/good-xuanwu-office.json")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("error[E-SCOPE]"), "{stderr}");
    assert!(stderr.contains("could not be loaded"), "{stderr}");
}

#[test]
fn a_keyword_must_end_at_a_word_boundary() {
    let b = Broken::new("keyword-boundary");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 空间布局约束 \"测试\"\n    when major_hazard\n    forbidden\n"),
    );
    let out = b.render();
    assert!(out.contains("found `forbidden`"), "{out}");
    assert!(!out.contains("`den`"), "{out}");
}

#[test]
fn boolean_literals_are_conditions() {
    let b = Broken::new("booleans");
    b.write(
        "60-broken.zc",
        &level("  clause T-01 空间布局约束 \"测试\"\n    when true and not false\n    forbid\n"),
    );
    load_rule_set(&b.dir).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn a_layer_path_to_a_device_is_refused() {
    let b = Broken::new("device-layer");
    b.write("60-broken.zc", "layer 设备 = features \"/dev/zero\"\n");
    let out = b.render();
    assert!(out.contains("not a regular file"), "{out}");
}

#[test]
fn a_sum_of_too_many_terms_is_refused_where_it_is_written() {
    // Sums nest pairwise, and compiling, evaluating and storing them recurse: 20,000 terms
    // overflowed the stack before this limit. 64 terms (63 levels) still load.
    let sum = |n: usize| vec!["increase(SO2)"; n].join(" + ");
    let clause = |n: usize| {
        level(&format!(
            "  clause T-01 污染物排放管控 \"测试\"\n    when {} > 0\n    review \"x\"\n",
            sum(n)
        ))
    };
    let ok = Broken::new("sum-64");
    ok.write("60-broken.zc", &clause(64));
    load_rule_set(&ok.dir).unwrap_or_else(|e| panic!("{}", e.render()));
    let b = Broken::new("sum-20000");
    b.write("60-broken.zc", &clause(20_000));
    let out = b.render();
    let b_out = block(
        &out,
        "E-TOO-DEEP",
        "arithmetic nested more than 64 levels deep",
    );
    assert!(
        b_out.contains(&format!(
            "--> {ROOT}/{}",
            b.pos("60-broken.zc", "increase(SO2) +")
        )),
        "{b_out}"
    );
    assert!(
        b_out.contains("split the condition into simpler parts"),
        "{b_out}"
    );
    // The limit is on how deep the arithmetic nests, parentheses included: 40 terms, then 30
    // more added to that group one by one, nest 69 deep.
    let grouped = format!("({}) + {}", sum(40), sum(30));
    let g = Broken::new("sum-grouped");
    g.write(
        "60-broken.zc",
        &level(&format!(
            "  clause T-01 污染物排放管控 \"测试\"\n    when {grouped} > 0\n    review \"x\"\n"
        )),
    );
    block(
        &g.render(),
        "E-TOO-DEEP",
        "arithmetic nested more than 64 levels deep",
    );
}
