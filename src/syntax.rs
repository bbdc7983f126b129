//! Parse: access-list text → spanned syntax tree ([`ast::FileAst`]).
//!
//! pest stays inside this module: its errors are converted once into [`Diagnostic`]s with
//! grammar rule names replaced by words a rule author understands, and no pest type leaves it.
//! The work a parse may do is capped (file size, nesting depth, pest's call limit).

pub mod ast;

use std::cell::Cell;
use std::num::NonZeroUsize;

use pest::Parser;
use pest::iterators::Pair;

use crate::source::{Diagnostic, Span};
use ast::*;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/zonecheck.pest"]
struct Grammar;

/// Largest rule file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 8 << 20;
/// Deepest nesting of parentheses and `not` accepted in a condition.
pub const MAX_NESTING: usize = 64;
/// Deepest arithmetic accepted in a condition: `a + b + c` is two levels, whatever parentheses
/// group it. Sums and products are nested pairs, and everything downstream (compilation,
/// evaluation, the snapshot) walks them recursively, so a long one must be refused here.
pub const MAX_ARITH_DEPTH: usize = 64;

/// Parses one rule file. `file` is the index of the file in the rule set's sources, used in spans.
///
/// # Errors
/// Returns the syntax error as a diagnostic (one per file: parsing stops at the first error).
pub fn parse_file(file: u32, text: &str) -> Result<FileAst, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "E-TOO-LARGE",
            None,
            format!(
                "rule file is {} bytes, more than the limit of {MAX_FILE_BYTES}",
                text.len()
            ),
        ));
    }
    check_nesting(file, text)?;
    pest::set_call_limit(NonZeroUsize::new(50_000_000));
    let mut pairs = Grammar::parse(Rule::file, text).map_err(|e| syntax_error(file, text, e))?;
    let Some(root) = pairs.next() else {
        return Ok(FileAst::default());
    };
    let cx = Cx {
        file,
        depth: Cell::new(0),
    };
    let mut items = Vec::new();
    for pair in children(root) {
        match pair.as_rule() {
            Rule::ruleset => items.push(Item::Header(cx.header(pair))),
            Rule::layer_decl => items.push(Item::Layer(cx.layer(pair))),
            Rule::fact_decl => items.push(Item::Fact(cx.fact(pair))),
            Rule::pollutants_decl => {
                let span = cx.span(&pair);
                let list = children(pair)
                    .next()
                    .map(|p| cx.list(p))
                    .unwrap_or_default();
                items.push(Item::Pollutants(list, span));
            }
            Rule::set_decl => items.push(Item::Set(cx.set(pair))),
            Rule::level => items.push(Item::Level(cx.level(pair)?)),
            _ => {}
        }
    }
    Ok(FileAst { items })
}

/// Rejects conditions nested deeper than [`MAX_NESTING`] before pest recurses into them.
fn check_nesting(file: u32, text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    let mut nots = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut word = String::new();
    for (i, c) in text.char_indices() {
        // Strings and comments end where the grammar ends them: at any NEWLINE (`\r` too),
        // and `\"` inside a string does not close it.
        let newline = c == '\n' || c == '\r';
        if in_comment {
            in_comment = !newline;
            continue;
        }
        if in_string {
            in_string = !newline && (escaped || c != '"');
            escaped = !escaped && c == '\\';
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            nots = if word == "not" { nots + 1 } else { 0 };
            word.clear();
        }
        match c {
            '"' => in_string = true,
            '#' => in_comment = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth + nots > MAX_NESTING {
            return Err(Diagnostic::error(
                "E-TOO-DEEP",
                Some(Span::new(file, i, i + c.len_utf8())),
                format!("condition nested more than {MAX_NESTING} levels deep"),
            )
            .with_help("split the condition into simpler parts"));
        }
    }
    Ok(())
}

fn syntax_error(file: u32, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, next_char_end(text, p)),
        InputLocation::Span((s, e)) => (s, e.max(s)),
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut words: Vec<&str> = positives.iter().filter_map(|r| rule_word(*r)).collect();
            words.sort_unstable();
            words.dedup();
            let found = found_text(text, start);
            let _ = negatives;
            if words.is_empty() {
                format!("unexpected {found}")
            } else {
                format!("expected {}, found {found}", join_or(&words))
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    match syntax_help(text, start) {
        Some((at, help)) => {
            let c = text.get(at..).and_then(|r| r.chars().next()).unwrap_or(' ');
            let message = format!("unexpected full-width punctuation `{c}`");
            Diagnostic::error(
                "E-SYNTAX",
                Some(Span::new(file, at, next_char_end(text, at))),
                message,
            )
            .with_help(help)
        }
        None => Diagnostic::error("E-SYNTAX", Some(Span::new(file, start, end)), message),
    }
}

fn next_char_end(text: &str, p: usize) -> usize {
    text.get(p..)
        .and_then(|s| s.chars().next())
        .map_or(p, |c| p + c.len_utf8())
}

fn found_text(text: &str, at: usize) -> String {
    let rest = text.get(at..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(20)
        .collect();
    if rest.is_empty() {
        "end of file".to_string()
    } else if word.is_empty() {
        "end of line".to_string()
    } else {
        format!("`{word}`")
    }
}

/// Full-width punctuation that people type by habit in Chinese text but the language writes in
/// ASCII. An error near one is almost always caused by it.
const FULL_WIDTH: [(char, &str); 6] = [
    (
        '“',
        "strings use straight ASCII quotes `\"…\"`, not Chinese quotes",
    ),
    (
        '”',
        "strings use straight ASCII quotes `\"…\"`, not Chinese quotes",
    ),
    (
        '，',
        "lists and calls use ASCII `,` `(` `)`, not full-width punctuation",
    ),
    (
        '（',
        "lists and calls use ASCII `,` `(` `)`, not full-width punctuation",
    ),
    (
        '）',
        "lists and calls use ASCII `,` `(` `)`, not full-width punctuation",
    ),
    (
        '：',
        "fact declarations use an ASCII `:`, not a full-width colon",
    ),
];

/// If full-width punctuation follows the error position on the same line (outside strings it
/// cannot appear legitimately), points at it and explains.
fn syntax_help(text: &str, at: usize) -> Option<(usize, &'static str)> {
    let rest = text.get(at..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    // Only look up to the first string on the line: inside strings full-width text is fine.
    let before_string = if line.starts_with('"') {
        ""
    } else {
        line.split('"').next().unwrap_or("")
    };
    before_string.char_indices().find_map(|(i, c)| {
        FULL_WIDTH
            .iter()
            .find(|(f, _)| *f == c)
            .map(|(_, help)| (at + i, *help))
    })
}

/// Grammar rule names in words a rule author understands; `None` hides a rule from messages.
fn rule_word(rule: Rule) -> Option<&'static str> {
    if let Some(w) = keyword_word(rule) {
        return Some(w);
    }
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::ruleset => "`ruleset`",
        Rule::layer_decl => "`layer`",
        Rule::fact_decl => "`fact`",
        Rule::pollutants_decl => "`pollutants`",
        Rule::set_decl => "`set`",
        Rule::level => "`level`",
        Rule::header_field | Rule::header_key => {
            "a header field (version, issuer, effective, supersedes)"
        }
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::layer_kind => "`units` or `features`",
        Rule::layer_option => "a layer option (`code=\"…\"`)",
        Rule::number_type | Rule::bool_type | Rule::enum_type | Rule::set_type => {
            "a fact type (number, bool, enum [...], set [...])"
        }
        Rule::scope
        | Rule::national
        | Rule::province
        | Rule::city
        | Rule::district
        | Rule::basin
        | Rule::unit_type
        | Rule::unit_list => "a scope (national, province, city, district, basin, type, units)",
        Rule::admin_code => "an administrative code",
        Rule::clause => "`clause`",
        Rule::clause_id => "a clause id",
        Rule::dimension => "a dimension (空间布局约束, 污染物排放管控, 环境风险防控, 资源利用效率)",
        Rule::when_part => "`when`",
        Rule::forbid | Rule::require | Rule::limit | Rule::review => {
            "an effect (forbid, require, limit, review)"
        }
        Rule::exemption => "`unless`",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::negation
        | Rule::comparison
        | Rule::sum
        | Rule::product
        | Rule::paren
        | Rule::call
        | Rule::quantity
        | Rule::boolean => "a condition",
        Rule::cmp_op => "a comparison (<, <=, >, >=, ==, !=)",
        Rule::in_op => "`in`",
        Rule::contains_op => "`contains`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        Rule::kw_contains => "`contains`",
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::set_ref | Rule::list => "a list `[…]` or a set name",
        Rule::value_atom => "a value",
        Rule::number => "a number",
        Rule::unit => "a unit",
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::ident => "a name",
        _ => return None,
    })
}

/// The children of a pair, without word-keyword tokens (`forbid`, `when`, …), which the grammar
/// keeps as atomic rules only so that a keyword must end at a word boundary.
fn children(p: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    p.into_inner().filter(|c| !is_word_keyword(c.as_rule()))
}

fn is_word_keyword(rule: Rule) -> bool {
    keyword_word(rule).is_some()
}

/// The written form of a word keyword rule.
fn keyword_word(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::kw_word_ruleset => "`ruleset`",
        Rule::kw_word_version => "`version`",
        Rule::kw_word_issuer => "`issuer`",
        Rule::kw_word_effective => "`effective`",
        Rule::kw_word_supersedes => "`supersedes`",
        Rule::kw_word_layer => "`layer`",
        Rule::kw_word_units => "`units`",
        Rule::kw_word_features => "`features`",
        Rule::kw_word_fact => "`fact`",
        Rule::kw_word_number => "`number`",
        Rule::kw_word_bool => "`bool`",
        Rule::kw_word_enum => "`enum`",
        Rule::kw_word_set => "`set`",
        Rule::kw_word_pollutants => "`pollutants`",
        Rule::kw_word_level => "`level`",
        Rule::kw_word_applies => "`applies`",
        Rule::kw_word_to => "`to`",
        Rule::kw_word_national => "`national`",
        Rule::kw_word_province => "`province`",
        Rule::kw_word_city => "`city`",
        Rule::kw_word_district => "`district`",
        Rule::kw_word_basin => "`basin`",
        Rule::kw_word_type => "`type`",
        Rule::kw_word_clause => "`clause`",
        Rule::kw_word_when => "`when`",
        Rule::kw_word_forbid => "`forbid`",
        Rule::kw_word_require => "`require`",
        Rule::kw_word_limit => "`limit`",
        Rule::kw_word_review => "`review`",
        Rule::kw_word_unless => "`unless`",
        _ => return None,
    })
}

fn join_or(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

struct Cx {
    file: u32,
    /// Current recursion depth of [`Cx::expr`].
    depth: Cell<usize>,
}

/// Deepest recursion of [`Cx::expr`]: a `(` level costs it at most 8 calls, a `not` 2.
/// [`check_nesting`] counts parentheses and runs of `not` in the text; this bounds the
/// recursion whatever that lets through (e.g. a `not` before each of 64 parentheses), and with
/// it how deep a compiled condition can nest.
pub(crate) const MAX_EXPR_DEPTH: usize = 10 * (MAX_NESTING + 1);

/// How deep the arithmetic at the top of `e` nests (0 for anything but `+ - * /`). Recursion is
/// bounded: every sum or product was checked against [`MAX_ARITH_DEPTH`] when it was built.
fn arith_depth(e: &Expr) -> usize {
    match &e.kind {
        ExprKind::Arith(a, _, b) => 1 + arith_depth(a).max(arith_depth(b)),
        _ => 0,
    }
}

fn structural(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E-INTERNAL",
        Some(span),
        format!("internal parser error: missing {what}"),
    )
}

impl Cx {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn name(&self, p: &Pair<Rule>) -> Name {
        let text = if p.as_rule() == Rule::string {
            unescape(children(p.clone()).next().map_or("", |i| i.as_str()))
        } else {
            p.as_str().to_string()
        };
        Name {
            text,
            span: self.span(p),
        }
    }

    fn list(&self, p: Pair<Rule>) -> Vec<Name> {
        children(p).map(|i| self.name(&i)).collect()
    }

    fn header(&self, p: Pair<Rule>) -> HeaderDecl {
        let span = self.span(&p);
        let mut inner = children(p);
        let name = inner.next().map(|n| self.name(&n)).unwrap_or(Name {
            text: String::new(),
            span,
        });
        let fields = inner
            .filter_map(|f| {
                let mut kv = children(f);
                let k = kv.next()?;
                let v = kv.next()?;
                Some((self.name(&k), self.name(&v)))
            })
            .collect();
        HeaderDecl { name, fields, span }
    }

    fn layer(&self, p: Pair<Rule>) -> LayerDecl {
        let span = self.span(&p);
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut kind = LayerKind::Features;
        let mut path = name.clone();
        let mut options = Vec::new();
        for i in children(p) {
            match i.as_rule() {
                Rule::ident => name = self.name(&i),
                Rule::layer_kind => {
                    kind = if i.as_str() == "units" {
                        LayerKind::Units
                    } else {
                        LayerKind::Features
                    }
                }
                Rule::string => path = self.name(&i),
                Rule::layer_option => {
                    let mut kv = children(i);
                    if let (Some(k), Some(v)) = (kv.next(), kv.next()) {
                        options.push((self.name(&k), self.name(&v)));
                    }
                }
                _ => {}
            }
        }
        LayerDecl {
            name,
            kind,
            path,
            options,
            span,
        }
    }

    fn fact(&self, p: Pair<Rule>) -> FactDecl {
        let span = self.span(&p);
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut ty = FactTypeAst::Bool;
        let mut label = None;
        for i in children(p) {
            match i.as_rule() {
                Rule::ident => name = self.name(&i),
                Rule::number_type => {
                    ty = FactTypeAst::Number(children(i).next().map(|u| self.name(&u)))
                }
                Rule::bool_type => ty = FactTypeAst::Bool,
                Rule::enum_type => {
                    ty = FactTypeAst::Enum(
                        children(i).next().map(|l| self.list(l)).unwrap_or_default(),
                    )
                }
                Rule::set_type => {
                    ty = FactTypeAst::Set(
                        children(i).next().map(|l| self.list(l)).unwrap_or_default(),
                    )
                }
                Rule::string => label = Some(self.name(&i)),
                _ => {}
            }
        }
        FactDecl {
            name,
            ty,
            label,
            span,
        }
    }

    fn set(&self, p: Pair<Rule>) -> SetDecl {
        let span = self.span(&p);
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut items = Vec::new();
        for i in children(p) {
            match i.as_rule() {
                Rule::ident => name = self.name(&i),
                Rule::list => items = self.list(i),
                _ => {}
            }
        }
        SetDecl { name, items, span }
    }

    fn level(&self, p: Pair<Rule>) -> Result<LevelDecl, Diagnostic> {
        let span = self.span(&p);
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut scope = Vec::new();
        let mut clauses = Vec::new();
        for i in children(p) {
            match i.as_rule() {
                Rule::string => name = self.name(&i),
                Rule::scope => {
                    for s in children(i) {
                        scope.push(self.selector(s));
                    }
                }
                Rule::clause => clauses.push(self.clause(i)?),
                _ => {}
            }
        }
        Ok(LevelDecl {
            name,
            scope,
            clauses,
            span,
        })
    }

    fn selector(&self, p: Pair<Rule>) -> Selector {
        let span = self.span(&p);
        let rule = p.as_rule();
        let arg = children(p.clone()).next();
        let arg_name = || {
            arg.as_ref().map(|a| self.name(a)).unwrap_or(Name {
                text: String::new(),
                span,
            })
        };
        match rule {
            Rule::province => Selector::Province(arg_name()),
            Rule::city => Selector::City(arg_name()),
            Rule::district => Selector::District(arg_name()),
            Rule::basin => Selector::Basin(arg_name()),
            Rule::unit_type => Selector::UnitType(arg_name()),
            Rule::unit_list => Selector::Units(arg.map(|l| self.list(l)).unwrap_or_default(), span),
            _ => Selector::National(span),
        }
    }

    fn clause(&self, p: Pair<Rule>) -> Result<ClauseDecl, Diagnostic> {
        let span = self.span(&p);
        let blank = Name {
            text: String::new(),
            span,
        };
        let (mut id, mut dimension, mut text) = (blank.clone(), blank.clone(), blank);
        let mut when = None;
        let mut effect = EffectDecl::Forbid(span);
        let mut exemptions = Vec::new();
        for i in children(p) {
            let ispan = self.span(&i);
            match i.as_rule() {
                Rule::clause_id => id = self.name(&i),
                Rule::dimension => dimension = self.name(&i),
                Rule::string => text = self.name(&i),
                Rule::when_part => {
                    let e = children(i)
                        .next()
                        .ok_or_else(|| structural(ispan, "condition"))?;
                    when = Some(self.expr(e)?);
                }
                Rule::forbid => effect = EffectDecl::Forbid(ispan),
                Rule::require | Rule::limit => {
                    let is_limit = i.as_rule() == Rule::limit;
                    let e = children(i)
                        .next()
                        .ok_or_else(|| structural(ispan, "condition"))?;
                    let e = self.expr(e)?;
                    effect = if is_limit {
                        EffectDecl::Limit(e)
                    } else {
                        EffectDecl::Require(e)
                    };
                }
                Rule::review => {
                    let s = children(i)
                        .next()
                        .ok_or_else(|| structural(ispan, "reason"))?;
                    effect = EffectDecl::Review(self.name(&s));
                }
                Rule::exemption => {
                    let mut inner = children(i);
                    let e = inner.next().ok_or_else(|| structural(ispan, "condition"))?;
                    let condition = self.expr(e)?;
                    let review = inner.next().map(|s| self.name(&s));
                    exemptions.push(ExemptionDecl {
                        condition,
                        review,
                        span: ispan,
                    });
                }
                _ => {}
            }
        }
        Ok(ClauseDecl {
            id,
            dimension,
            text,
            when,
            effect,
            exemptions,
            span,
        })
    }

    /// Converts any expression-level pair into an [`Expr`]. Recursion depth is bounded by
    /// [`check_nesting`], and again here by [`MAX_EXPR_DEPTH`].
    fn expr(&self, p: Pair<Rule>) -> Result<Expr, Diagnostic> {
        let depth = self.depth.get();
        if depth >= MAX_EXPR_DEPTH {
            return Err(Diagnostic::error(
                "E-TOO-DEEP",
                Some(self.span(&p)),
                format!("condition nested more than {MAX_NESTING} levels deep"),
            )
            .with_help("split the condition into simpler parts"));
        }
        self.depth.set(depth + 1);
        let e = self.expr_node(p);
        self.depth.set(depth);
        e
    }

    fn expr_node(&self, p: Pair<Rule>) -> Result<Expr, Diagnostic> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut inner: Vec<Pair<Rule>> = children(p.clone()).collect();
        let kind = match rule {
            Rule::expr | Rule::not_expr => {
                let first = inner.pop().ok_or_else(|| structural(span, "condition"))?;
                return self.expr(first);
            }
            Rule::or_expr | Rule::and_expr => {
                let parts: Vec<Pair<Rule>> = inner
                    .into_iter()
                    .filter(|i| !matches!(i.as_rule(), Rule::kw_or | Rule::kw_and))
                    .collect();
                if parts.len() == 1 {
                    let only = parts
                        .into_iter()
                        .next()
                        .ok_or_else(|| structural(span, "condition"))?;
                    return self.expr(only);
                }
                let exprs = parts
                    .into_iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<Vec<_>, _>>()?;
                if rule == Rule::or_expr {
                    ExprKind::Or(exprs)
                } else {
                    ExprKind::And(exprs)
                }
            }
            Rule::negation => {
                let e = inner.pop().ok_or_else(|| structural(span, "condition"))?;
                ExprKind::Not(Box::new(self.expr(e)?))
            }
            Rule::comparison => {
                let mut it = inner.into_iter();
                let lhs = it.next().ok_or_else(|| structural(span, "condition"))?;
                let lhs = self.expr(lhs)?;
                let Some(op) = it.next() else { return Ok(lhs) };
                let rhs = it
                    .next()
                    .ok_or_else(|| structural(span, "right-hand side"))?;
                match op.as_rule() {
                    Rule::cmp_op => {
                        let op = match op.as_str() {
                            "<" => CmpOp::Lt,
                            "<=" => CmpOp::Le,
                            ">" => CmpOp::Gt,
                            ">=" => CmpOp::Ge,
                            "==" => CmpOp::Eq,
                            _ => CmpOp::Ne,
                        };
                        ExprKind::Compare(Box::new(lhs), op, Box::new(self.expr(rhs)?))
                    }
                    Rule::in_op => {
                        let negated = children(op).any(|k| k.as_rule() == Rule::kw_not);
                        let set_span = self.span(&rhs);
                        let set = match children(rhs).next() {
                            Some(l) if l.as_rule() == Rule::list => {
                                SetRef::List(self.list(l), set_span)
                            }
                            Some(n) => SetRef::Named(self.name(&n)),
                            None => return Err(structural(set_span, "set")),
                        };
                        ExprKind::In {
                            subject: Box::new(lhs),
                            set,
                            negated,
                        }
                    }
                    _ => {
                        let v = children(rhs)
                            .next()
                            .ok_or_else(|| structural(span, "value"))?;
                        ExprKind::Contains {
                            subject: Box::new(lhs),
                            value: self.name(&v),
                        }
                    }
                }
            }
            Rule::sum | Rule::product => {
                let mut it = inner.into_iter();
                let first = it.next().ok_or_else(|| structural(span, "operand"))?;
                let mut acc = self.expr(first)?;
                let mut depth = arith_depth(&acc);
                while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
                    let rhs = self.expr(rhs)?;
                    depth = depth.max(arith_depth(&rhs)) + 1;
                    if depth > MAX_ARITH_DEPTH {
                        return Err(Diagnostic::error(
                            "E-TOO-DEEP",
                            Some(span),
                            format!(
                                "arithmetic nested more than {MAX_ARITH_DEPTH} levels deep \
                                 (a sum or product of more than {} terms)",
                                MAX_ARITH_DEPTH + 1
                            ),
                        )
                        .with_help("split the condition into simpler parts"));
                    }
                    let op = match op.as_str() {
                        "+" => ArithOp::Add,
                        "-" => ArithOp::Sub,
                        "*" => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    let s = Span::new(self.file, acc.span.start, rhs.span.end);
                    acc = Expr {
                        kind: ExprKind::Arith(Box::new(acc), op, Box::new(rhs)),
                        span: s,
                    };
                }
                return Ok(acc);
            }
            Rule::paren => {
                let e = inner.pop().ok_or_else(|| structural(span, "condition"))?;
                let mut e = self.expr(e)?;
                e.span = span;
                return Ok(e);
            }
            Rule::call => {
                let mut it = inner.into_iter();
                let f = it.next().ok_or_else(|| structural(span, "function"))?;
                ExprKind::Call {
                    function: self.name(&f),
                    args: it.map(|a| self.name(&a)).collect(),
                }
            }
            Rule::quantity => {
                let mut it = inner.into_iter();
                let n = it.next().ok_or_else(|| structural(span, "number"))?;
                let value: f64 = n.as_str().parse().map_err(|_| {
                    Diagnostic::error(
                        "E-SYNTAX",
                        Some(self.span(&n)),
                        format!("`{}` is not a number", n.as_str()),
                    )
                })?;
                if !value.is_finite() {
                    return Err(Diagnostic::error(
                        "E-SYNTAX",
                        Some(self.span(&n)),
                        "number out of range",
                    ));
                }
                ExprKind::Quantity {
                    value,
                    unit: it.next().map(|u| self.name(&u)),
                }
            }
            Rule::boolean => ExprKind::Bool(p.as_str().starts_with("true")),
            Rule::ident => ExprKind::Name(self.name(&p)),
            _ => return Err(structural(span, "condition")),
        };
        Ok(Expr { kind, span })
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}
