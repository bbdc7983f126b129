//! Type-checking conditions: names resolved against the schema, sets and layers; dimensions of
//! quantities checked; each expression becomes a typed [`Cond`] or [`Num`].

use std::collections::{HashMap, HashSet};

use super::industry::IndustryTable;
use super::quantity::{Dimension, known_measures, measure, measures_of};
use super::ruleset::{
    Cond, CondKind, EmissionFigure, FactId, FactType, LayerId, Num, NumKind, Schema,
};
use crate::source::{Diagnostic, Sources, Span};
use crate::syntax::ast::{ArithOp, CmpOp, Expr, ExprKind, Name, SetRef};

/// A named set (`set 化工 = [...]`): its items as written, and — when every item is a
/// GB/T 4754 code — the normalised codes.
#[derive(Debug, Clone)]
pub struct NamedSet {
    pub items: Vec<Name>,
    pub industry: Option<Vec<String>>,
}

/// What a condition may refer to.
pub struct Env<'a> {
    pub schema: &'a Schema,
    /// Facts whose declaration is in error (already reported): uses of them are not reported.
    pub broken_facts: &'a HashSet<String>,
    pub sets: &'a HashMap<String, NamedSet>,
    pub layers: &'a HashMap<String, LayerId>,
    pub sources: &'a Sources,
}

/// Marks a failure whose diagnostic has already been pushed to the error list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported;

type R<T> = Result<T, Reported>;

/// The one argument of a call such as `distance(长江)`, or an arity error.
fn single_arg<'n>(
    function: &Name,
    args: &'n [Name],
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> R<&'n Name> {
    match args {
        [arg] => Ok(arg),
        _ => {
            err(
                errors,
                "E-ARITY",
                function.span,
                format!("`{}` takes one {what}", function.text),
                None,
            );
            Err(Reported)
        }
    }
}

/// Lowercase one-line message, values in backticks; `help` lists what would have been valid.
fn err(
    errors: &mut Vec<Diagnostic>,
    code: &'static str,
    span: Span,
    msg: String,
    help: Option<String>,
) {
    let mut d = Diagnostic::error(code, Some(span), msg);
    if let Some(h) = help {
        d = d.with_help(h);
    }
    errors.push(d);
}

impl Env<'_> {
    fn text(&self, span: Span) -> String {
        collapse_ws(self.sources.snippet(span))
    }

    fn fact_names(&self, pred: impl Fn(&FactType) -> bool) -> String {
        let names: Vec<&str> = self
            .schema
            .facts
            .iter()
            .filter(|f| pred(&f.ty))
            .map(|f| f.name.as_str())
            .collect();
        if names.is_empty() {
            "none declared".into()
        } else {
            names.join(", ")
        }
    }

    /// Reports an unknown fact. `wanted` is the kind the context needs (`boolean`, `number`,
    /// `set`, or `declared` for any): the help lists the facts of that kind and suggests a
    /// close name.
    fn unknown_name(&self, errors: &mut Vec<Diagnostic>, n: &Name, wanted: &str) {
        if self.broken_facts.contains(&n.text) {
            return;
        }
        let fits = |t: &FactType| match wanted {
            "boolean" => matches!(t, FactType::Bool),
            "number" => matches!(t, FactType::Number { .. }),
            "set" => matches!(t, FactType::Set(_)),
            _ => true,
        };
        let help = if self.layers.contains_key(&n.text) {
            Some(format!(
                "`{}` is a layer: use `distance({0})`, `within({0})` or `intersects({0})`",
                n.text
            ))
        } else if self.schema.pollutant_id(&n.text).is_some() {
            Some(format!(
                "`{}` is a pollutant: use `total({0})`, `increase({0})` or `offset({0})`",
                n.text
            ))
        } else {
            let names = self.fact_names(fits);
            Some(
                match closest(&n.text, self.schema.facts.iter().map(|f| f.name.as_str())) {
                    Some(near) => format!("did you mean `{near}`? {wanted} facts: {names}"),
                    None => format!(
                        "declare it with `fact {} : …`; {wanted} facts: {names}",
                        n.text
                    ),
                },
            )
        };
        err(
            errors,
            "E-UNKNOWN-NAME",
            n.span,
            format!("unknown fact `{}`", n.text),
            help,
        );
    }

    /// Compiles an expression that must be a condition.
    pub fn cond(&self, e: &Expr, errors: &mut Vec<Diagnostic>) -> R<Cond> {
        let text = self.text(e.span);
        let kind = match &e.kind {
            ExprKind::Or(parts) | ExprKind::And(parts) => {
                let mut out = Vec::new();
                let mut ok = true;
                for p in parts {
                    match self.cond(p, errors) {
                        Ok(c) => out.push(c),
                        Err(Reported) => ok = false,
                    }
                }
                if !ok {
                    return Err(Reported);
                }
                if matches!(e.kind, ExprKind::Or(_)) {
                    CondKind::Or(out)
                } else {
                    CondKind::And(out)
                }
            }
            ExprKind::Not(inner) => CondKind::Not(Box::new(self.cond(inner, errors)?)),
            ExprKind::Bool(b) => CondKind::Const(*b),
            ExprKind::Name(n) => {
                let Some(id) = self.schema.fact_id(&n.text) else {
                    self.unknown_name(errors, n, "boolean");
                    return Err(Reported);
                };
                match self.schema.fact(id).map(|f| &f.ty) {
                    Some(FactType::Bool) => CondKind::BoolFact(id),
                    _ => {
                        err(
                            errors,
                            "E-TYPE",
                            n.span,
                            format!(
                                "fact `{}` is not a yes/no fact and cannot stand alone as a condition",
                                n.text
                            ),
                            Some("compare it (`x > 0 t/a`) or test it with `in [...]`".into()),
                        );
                        return Err(Reported);
                    }
                }
            }
            ExprKind::Call { function, args } => return self.call_cond(e, function, args, errors),
            ExprKind::In {
                subject,
                set,
                negated,
            } => {
                let inner = self.in_cond(subject, set, errors)?;
                if *negated {
                    CondKind::Not(Box::new(Cond {
                        kind: inner,
                        text: text.clone().into(),
                        span: e.span,
                    }))
                } else {
                    inner
                }
            }
            ExprKind::Contains { subject, value } => {
                let id = self.set_fact(subject, errors)?;
                let values = match self.schema.fact(id).map(|f| &f.ty) {
                    Some(FactType::Set(v)) => v.clone(),
                    _ => Vec::new(),
                };
                if !values.contains(&value.text) {
                    err(
                        errors,
                        "E-UNKNOWN-VALUE",
                        value.span,
                        format!(
                            "`{}` is not a value of `{}`",
                            value.text,
                            self.text(subject.span)
                        ),
                        Some(format!("its values are: {}", values.join(", "))),
                    );
                    return Err(Reported);
                }
                CondKind::SetContains {
                    fact: id,
                    value: value.text.clone(),
                }
            }
            ExprKind::Compare(lhs, op, rhs) => return self.compare(e, lhs, *op, rhs, errors),
            ExprKind::Arith(..) | ExprKind::Quantity { .. } => {
                err(
                    errors,
                    "E-TYPE",
                    e.span,
                    format!("`{text}` is a number, not a condition"),
                    Some("compare it with something, e.g. `… > 0 t/a`".into()),
                );
                return Err(Reported);
            }
        };
        Ok(Cond {
            kind,
            text: text.into(),
            span: e.span,
        })
    }

    fn layer_arg(
        &self,
        function: &Name,
        args: &[Name],
        errors: &mut Vec<Diagnostic>,
    ) -> R<LayerId> {
        let arg = single_arg(function, args, "layer name", errors)?;
        match self.layers.get(&arg.text) {
            Some(id) => Ok(*id),
            None => {
                let mut names: Vec<&String> = self.layers.keys().collect();
                names.sort();
                let names: Vec<&str> = names.into_iter().map(String::as_str).collect();
                err(
                    errors,
                    "E-UNKNOWN-NAME",
                    arg.span,
                    format!("unknown layer `{}`", arg.text),
                    Some(format!("declared feature layers: {}", names.join(", "))),
                );
                Err(Reported)
            }
        }
    }

    fn pollutant_arg(
        &self,
        function: &Name,
        args: &[Name],
        errors: &mut Vec<Diagnostic>,
    ) -> R<u32> {
        let arg = single_arg(function, args, "pollutant", errors)?;
        self.schema.pollutant_id(&arg.text).ok_or_else(|| {
            err(
                errors,
                "E-UNKNOWN-NAME",
                arg.span,
                format!("unknown pollutant `{}`", arg.text),
                Some(format!(
                    "declared pollutants: {}",
                    self.schema.pollutants.join(", ")
                )),
            );
            Reported
        })
    }

    fn call_cond(
        &self,
        e: &Expr,
        function: &Name,
        args: &[Name],
        errors: &mut Vec<Diagnostic>,
    ) -> R<Cond> {
        let kind = match function.text.as_str() {
            "within" => CondKind::Within(self.layer_arg(function, args, errors)?),
            "intersects" => CondKind::Intersects(self.layer_arg(function, args, errors)?),
            "known" => {
                let arg = single_arg(function, args, "fact or pollutant", errors)?;
                if let Some(id) = self.schema.fact_id(&arg.text) {
                    CondKind::KnownFact(id)
                } else if let Some(p) = self.schema.pollutant_id(&arg.text) {
                    CondKind::KnownPollutant(p)
                } else {
                    self.unknown_name(errors, arg, "declared");
                    return Err(Reported);
                }
            }
            "distance" | "total" | "increase" | "offset" | "site_area" => {
                err(
                    errors,
                    "E-TYPE",
                    e.span,
                    format!("`{}` is a number, not a condition", self.text(e.span)),
                    Some("compare it, e.g. `distance(长江) < 1 km`".into()),
                );
                return Err(Reported);
            }
            other => {
                err(
                    errors,
                    "E-UNKNOWN-NAME",
                    function.span,
                    format!("unknown function `{other}`"),
                    Some("conditions may call within, intersects, known; numbers: distance, total, increase, offset, site_area".into()),
                );
                return Err(Reported);
            }
        };
        Ok(Cond {
            kind,
            text: self.text(e.span).into(),
            span: e.span,
        })
    }

    fn set_fact(&self, subject: &Expr, errors: &mut Vec<Diagnostic>) -> R<FactId> {
        let ExprKind::Name(n) = &subject.kind else {
            err(
                errors,
                "E-TYPE",
                subject.span,
                "`contains` needs a set fact on its left".into(),
                None,
            );
            return Err(Reported);
        };
        let Some(id) = self.schema.fact_id(&n.text) else {
            self.unknown_name(errors, n, "set");
            return Err(Reported);
        };
        if !matches!(self.schema.fact(id).map(|f| &f.ty), Some(FactType::Set(_))) {
            err(
                errors,
                "E-TYPE",
                n.span,
                format!("fact `{}` is not a set", n.text),
                None,
            );
            return Err(Reported);
        }
        Ok(id)
    }

    fn in_cond(&self, subject: &Expr, set: &SetRef, errors: &mut Vec<Diagnostic>) -> R<CondKind> {
        let ExprKind::Name(n) = &subject.kind else {
            err(
                errors,
                "E-TYPE",
                subject.span,
                "`in` needs a fact name on its left".into(),
                None,
            );
            return Err(Reported);
        };
        let Some(id) = self.schema.fact_id(&n.text) else {
            self.unknown_name(errors, n, "declared");
            return Err(Reported);
        };
        let (items, set_name, declared_industry): (Vec<Name>, Option<String>, Option<Vec<String>>) =
            match set {
                SetRef::List(items, _) => (items.clone(), None, None),
                SetRef::Named(name) => match self.sets.get(&name.text) {
                    Some(s) => (s.items.clone(), Some(name.text.clone()), s.industry.clone()),
                    None => {
                        let mut names: Vec<&String> = self.sets.keys().collect();
                        names.sort();
                        let names: Vec<&str> = names.into_iter().map(String::as_str).collect();
                        err(
                            errors,
                            "E-UNKNOWN-NAME",
                            name.span,
                            format!("unknown set `{}`", name.text),
                            Some(format!("declared sets: {}", names.join(", "))),
                        );
                        return Err(Reported);
                    }
                },
            };
        let ty = self.schema.fact(id).map(|f| f.ty.clone());
        let is_set = matches!(ty, Some(FactType::Set(_)));
        match ty {
            Some(FactType::Industry) => {
                if let Some(codes) = declared_industry {
                    return Ok(CondKind::IndustryIn {
                        prefixes: codes,
                        set_name,
                    });
                }
                let table = IndustryTable::get();
                let mut prefixes = Vec::new();
                let mut ok = true;
                for item in &items {
                    match table.normalise(&item.text) {
                        Some(i) => prefixes.push(i.code.clone()),
                        None => {
                            ok = false;
                            let near = table.suggest(&item.text);
                            err(
                                errors,
                                "E-UNKNOWN-CODE",
                                item.span,
                                format!("`{}` is not a GB/T 4754-2017 industry code", item.text),
                                Some(super::industry::code_help(&near)),
                            );
                        }
                    }
                }
                if !ok {
                    return Err(Reported);
                }
                Ok(CondKind::IndustryIn { prefixes, set_name })
            }
            Some(FactType::Enum(values)) | Some(FactType::Set(values)) => {
                let mut ok = true;
                for item in &items {
                    if !values.contains(&item.text) {
                        ok = false;
                        err(
                            errors,
                            "E-UNKNOWN-VALUE",
                            item.span,
                            format!("`{}` is not a value of `{}`", item.text, n.text),
                            Some(format!("its values are: {}", values.join(", "))),
                        );
                    }
                }
                if !ok {
                    return Err(Reported);
                }
                let vals = items.iter().map(|i| i.text.clone()).collect();
                if is_set {
                    Ok(CondKind::SetAny {
                        fact: id,
                        values: vals,
                    })
                } else {
                    Ok(CondKind::EnumIn {
                        fact: id,
                        values: vals,
                    })
                }
            }
            _ => {
                err(
                    errors,
                    "E-TYPE",
                    n.span,
                    format!(
                        "`in` needs an enum, set or industry fact; `{}` is not one",
                        n.text
                    ),
                    None,
                );
                Err(Reported)
            }
        }
    }

    fn compare(
        &self,
        e: &Expr,
        lhs: &Expr,
        op: CmpOp,
        rhs: &Expr,
        errors: &mut Vec<Diagnostic>,
    ) -> R<Cond> {
        let text = self.text(e.span);
        // `fuel == 煤` / `fuel != 煤`: an enum compared with one of its values.
        if let (ExprKind::Name(l), ExprKind::Name(r)) = (&lhs.kind, &rhs.kind)
            && matches!(op, CmpOp::Eq | CmpOp::Ne)
            && let Some(id) = self.schema.fact_id(&l.text)
            && let Some(FactType::Enum(values)) = self.schema.fact(id).map(|f| &f.ty)
        {
            if !values.contains(&r.text) {
                err(
                    errors,
                    "E-UNKNOWN-VALUE",
                    r.span,
                    format!("`{}` is not a value of `{}`", r.text, l.text),
                    Some(format!("its values are: {}", values.join(", "))),
                );
                return Err(Reported);
            }
            let is_in = Cond {
                kind: CondKind::EnumIn {
                    fact: id,
                    values: vec![r.text.clone()],
                },
                text: text.clone().into(),
                span: e.span,
            };
            return Ok(if op == CmpOp::Eq {
                is_in
            } else {
                Cond {
                    kind: CondKind::Not(Box::new(is_in)),
                    text: text.into(),
                    span: e.span,
                }
            });
        }
        let l = self.num(lhs, errors);
        let r = self.num(rhs, errors);
        let (mut l, mut r) = (l?, r?);
        unify(&mut l, &mut r, e.span, &text, errors)?;
        Ok(Cond {
            kind: CondKind::Compare { lhs: l, op, rhs: r },
            text: text.into(),
            span: e.span,
        })
    }

    /// Compiles an expression that must be a number.
    pub fn num(&self, e: &Expr, errors: &mut Vec<Diagnostic>) -> R<Num> {
        let text = self.text(e.span);
        let (kind, dimension) = match &e.kind {
            ExprKind::Quantity { value, unit } => match unit {
                None => (NumKind::Const(*value), Dimension::Scalar),
                Some(u) => match measure(&u.text) {
                    Some(m) => (NumKind::Const(value * m.factor), m.dimension),
                    None => {
                        err(
                            errors,
                            "E-UNKNOWN-UNIT",
                            u.span,
                            format!("unknown unit `{}`", u.text),
                            Some(format!("known units: {}", known_measures())),
                        );
                        return Err(Reported);
                    }
                },
            },
            ExprKind::Name(n) => {
                let Some(id) = self.schema.fact_id(&n.text) else {
                    self.unknown_name(errors, n, "number");
                    return Err(Reported);
                };
                match self.schema.fact(id).map(|f| &f.ty) {
                    Some(FactType::Number { dimension, .. }) => (NumKind::Fact(id), *dimension),
                    _ => {
                        err(
                            errors,
                            "E-TYPE",
                            n.span,
                            format!("fact `{}` is not a number", n.text),
                            None,
                        );
                        return Err(Reported);
                    }
                }
            }
            ExprKind::Call { function, args } => match function.text.as_str() {
                "distance" => (
                    NumKind::Distance(self.layer_arg(function, args, errors)?),
                    Dimension::Length,
                ),
                "site_area" => {
                    if !args.is_empty() {
                        err(
                            errors,
                            "E-ARITY",
                            function.span,
                            "`site_area()` takes no arguments".into(),
                            None,
                        );
                        return Err(Reported);
                    }
                    (NumKind::SiteArea, Dimension::Area)
                }
                f @ ("total" | "increase" | "offset") => {
                    let pollutant = self.pollutant_arg(function, args, errors)?;
                    let figure = match f {
                        "total" => EmissionFigure::Total,
                        "increase" => EmissionFigure::Increase,
                        _ => EmissionFigure::Offset,
                    };
                    (
                        NumKind::Emission { pollutant, figure },
                        Dimension::MassPerYear,
                    )
                }
                "within" | "intersects" | "known" => {
                    err(
                        errors,
                        "E-TYPE",
                        e.span,
                        format!("`{text}` is a condition, not a number"),
                        None,
                    );
                    return Err(Reported);
                }
                other => {
                    err(
                        errors,
                        "E-UNKNOWN-NAME",
                        function.span,
                        format!("unknown function `{other}`"),
                        Some(
                            "numbers come from distance, total, increase, offset, site_area".into(),
                        ),
                    );
                    return Err(Reported);
                }
            },
            ExprKind::Arith(a, op, b) => {
                let a = self.num(a, errors);
                let b = self.num(b, errors);
                let (mut a, mut b) = (a?, b?);
                let dim = match op {
                    ArithOp::Add | ArithOp::Sub => {
                        unify(&mut a, &mut b, e.span, &text, errors)?;
                        a.dimension
                    }
                    ArithOp::Mul => match (a.dimension, b.dimension) {
                        (Dimension::Scalar, d) | (d, Dimension::Scalar) => d,
                        (x, y) => {
                            err(
                                errors,
                                "E-UNIT-MISMATCH",
                                e.span,
                                format!("cannot multiply {} by {}", x.describe(), y.describe()),
                                Some("one side of `*` must be a plain number".into()),
                            );
                            return Err(Reported);
                        }
                    },
                    ArithOp::Div => match (a.dimension, b.dimension) {
                        (x, Dimension::Scalar) => x,
                        (x, y) if x == y => Dimension::Scalar,
                        (x, y) => {
                            err(
                                errors,
                                "E-UNIT-MISMATCH",
                                e.span,
                                format!("cannot divide {} by {}", x.describe(), y.describe()),
                                None,
                            );
                            return Err(Reported);
                        }
                    },
                };
                (NumKind::Arith(Box::new(a), *op, Box::new(b)), dim)
            }
            _ => {
                err(
                    errors,
                    "E-TYPE",
                    e.span,
                    format!("`{text}` is a condition, not a number"),
                    None,
                );
                return Err(Reported);
            }
        };
        Ok(Num {
            kind,
            dimension,
            text,
        })
    }
}

/// Makes two sides of a comparison or sum agree in dimension. A unitless literal `0` takes the
/// other side's dimension; any other unitless literal against a quantity is an error, so that
/// `coal_boiler < 35` cannot silently mean 35 of some unit.
fn unify(a: &mut Num, b: &mut Num, span: Span, text: &str, errors: &mut Vec<Diagnostic>) -> R<()> {
    if a.dimension == b.dimension {
        return Ok(());
    }
    let is_bare_zero = |n: &Num| {
        n.dimension == Dimension::Scalar && matches!(n.kind, NumKind::Const(v) if v == 0.0)
    };
    if is_bare_zero(a) {
        a.dimension = b.dimension;
        return Ok(());
    }
    if is_bare_zero(b) {
        b.dimension = a.dimension;
        return Ok(());
    }
    // Help only when one side is a constant: the author wrote it without a unit
    // (`coal_boiler_t_h < 35`) or in a unit of the wrong kind (`distance(长江) < 5 t/a`).
    let constant = match (&a.kind, &b.kind) {
        (NumKind::Const(_), _) => Some((&*a, b.dimension)),
        (_, NumKind::Const(_)) => Some((&*b, a.dimension)),
        _ => None,
    };
    let help = constant.map(|(c, wanted)| {
        if c.dimension == Dimension::Scalar {
            format!("write the unit: `{} {}`", c.text, wanted.base_unit())
        } else if wanted == Dimension::Scalar {
            format!("`{}` should be a plain number, without a unit", c.text)
        } else {
            format!(
                "`{}` should be {}, written in {}",
                c.text,
                wanted.describe(),
                measures_of(wanted)
            )
        }
    });
    err(
        errors,
        "E-UNIT-MISMATCH",
        span,
        format!(
            "`{text}` compares {} with {}",
            a.dimension.describe(),
            b.dimension.describe()
        ),
        help,
    );
    Err(Reported)
}

/// The name closest to `written` by edit distance, if close enough to be a likely typo.
fn closest<'n>(written: &str, names: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    let limit = (written.chars().count() / 3).max(1);
    names
        .map(|n| (edit_distance(written, n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let (Some(&left), Some(&up)) = (row.get(j), row.get(j + 1)) else {
                continue;
            };
            let best = (prev + cost).min(left + 1).min(up + 1);
            prev = up;
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Source text with runs of whitespace collapsed, for evidence lines.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
