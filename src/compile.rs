//! Compile: parsed files → a [`RuleSet`] ready to evaluate.
//!
//! Resolves every name (facts, pollutants, sets, layers, unit codes), checks types and units of
//! measure, validates industry codes against GB/T 4754-2017, loads the declared layers, and
//! flattens the level hierarchy into, for each control unit, the list of clauses that apply to
//! it. All problems of a rule set are reported in one run.

pub mod expr;
pub mod industry;
pub mod layers;
pub mod nesting;
pub mod program;
pub mod quantity;
pub mod ruleset;
pub mod scope;
pub mod unit_lists;
pub mod verdict_order;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::index::{FeatureLayer, UnitIndex};
use crate::source::{Diagnostic, Location, Sources, display_path};
use crate::syntax::ast::{EffectDecl, FactTypeAst, FileAst, Item, LayerKind};
use expr::{Env, NamedSet};
use industry::IndustryTable;
use quantity::{Dimension, measure};
pub use ruleset::*;

/// The result of compiling: the rule set and any warnings.
#[derive(Debug)]
pub struct Compiled {
    pub rule_set: RuleSet,
    pub warnings: Vec<Diagnostic>,
}

/// Compiles parsed rule files into a rule set. `root` is the rule-set directory: clause
/// locations in reports are relative to it, so that a report does not depend on where the rule
/// set was checked out.
///
/// # Errors
/// Every error found (unknown names, codes and units, type errors, bad layers), with spans.
pub fn compile_rule_set(
    sources: &Sources,
    files: &[FileAst],
    root: &Path,
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let table = IndustryTable::get();
    let base_of = |file: u32| -> std::path::PathBuf {
        sources
            .get(file)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default()
    };

    // ---- header ------------------------------------------------------------------------
    let headers: Vec<_> = files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|i| match i {
            Item::Header(h) => Some(h),
            _ => None,
        })
        .collect();
    let mut header = Header::default();
    match headers.as_slice() {
        [] => errors.push(
            Diagnostic::error("E-HEADER", None, "the rule set has no `ruleset` header")
                .with_help("add `ruleset \"名称\" { version \"…\" issuer \"…\" effective YYYY-MM-DD }` to one file"),
        ),
        [h, rest @ ..] => {
            for extra in rest {
                errors.push(Diagnostic::error("E-HEADER", Some(extra.span), "a second `ruleset` header").with_help("a rule set has exactly one header"));
            }
            header.name = h.name.text.clone();
            for (k, v) in &h.fields {
                match k.text.as_str() {
                    "version" => header.version = v.text.clone(),
                    "issuer" => header.issuer = v.text.clone(),
                    "effective" => header.effective = v.text.clone(),
                    _ => header.supersedes = Some(v.text.clone()),
                }
            }
            for (field, value) in [("version", &header.version), ("issuer", &header.issuer), ("effective", &header.effective)] {
                if value.is_empty() {
                    errors.push(Diagnostic::error("E-HEADER", Some(h.name.span), format!("the header has no `{field}`")));
                }
            }
        }
    }

    // ---- schema: facts and pollutants --------------------------------------------------
    let mut schema = Schema::with_builtins();
    // Facts whose declaration is in error: their uses are not reported again as unknown.
    let mut broken_facts: HashSet<String> = HashSet::new();
    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            Item::Fact(f) => {
                if let Some(prev) = schema.fact_id(&f.name.text) {
                    let builtin = schema.fact(prev).is_some_and(|d| d.builtin);
                    errors.push(Diagnostic::error(
                        "E-DUPLICATE",
                        Some(f.name.span),
                        if builtin {
                            format!(
                                "`{}` is a built-in fact and cannot be redeclared",
                                f.name.text
                            )
                        } else {
                            format!("fact `{}` is declared twice", f.name.text)
                        },
                    ));
                    continue;
                }
                let ty = match &f.ty {
                    FactTypeAst::Bool => FactType::Bool,
                    FactTypeAst::Enum(v) => {
                        FactType::Enum(v.iter().map(|n| n.text.clone()).collect())
                    }
                    FactTypeAst::Set(v) => {
                        FactType::Set(v.iter().map(|n| n.text.clone()).collect())
                    }
                    FactTypeAst::Number(None) => FactType::Number {
                        dimension: Dimension::Scalar,
                        unit: String::new(),
                    },
                    FactTypeAst::Number(Some(u)) => match measure(&u.text) {
                        Some(m) => FactType::Number {
                            dimension: m.dimension,
                            unit: m.name.to_string(),
                        },
                        None => {
                            errors.push(
                                Diagnostic::error(
                                    "E-UNKNOWN-UNIT",
                                    Some(u.span),
                                    format!("unknown unit `{}`", u.text),
                                )
                                .with_help(format!("known units: {}", quantity::known_measures())),
                            );
                            broken_facts.insert(f.name.text.clone());
                            continue;
                        }
                    },
                };
                if let FactType::Number { unit, .. } = &ty
                    && let Some(m) = measure(unit)
                    && m.factor != 1.0
                {
                    let base = m.dimension.base_unit();
                    let diagnostic = if base.is_empty() {
                        // `%` and other dimensionless units: the base is a plain number.
                        Diagnostic::error(
                            "E-UNIT",
                            Some(f.span),
                            format!(
                                "fact `{}` is a plain number: declare it as `number` without a unit, not in `{unit}`",
                                f.name.text
                            ),
                        )
                        .with_help(format!(
                            "projects may still write \"35 {unit}\" (read as {}), and rules compare with `>= 30 {unit}`",
                            (35.0 * m.factor * 1e9).round() / 1e9
                        ))
                    } else {
                        Diagnostic::error(
                            "E-UNIT",
                            Some(f.span),
                            format!(
                                "fact `{}` must be declared in the base unit `{base}`, not `{unit}`",
                                f.name.text
                            ),
                        )
                        .with_help(
                            "projects may still write other units of the same dimension (\"2 km\")",
                        )
                    };
                    errors.push(diagnostic);
                    broken_facts.insert(f.name.text.clone());
                    continue;
                }
                schema.facts.push(FactDef {
                    name: f.name.text.clone(),
                    ty,
                    label: f.label.as_ref().map(|l| l.text.clone()),
                    builtin: false,
                });
            }
            Item::Pollutants(list, _) => {
                for p in list {
                    if schema.pollutants.contains(&p.text) {
                        errors.push(Diagnostic::error(
                            "E-DUPLICATE",
                            Some(p.span),
                            format!("pollutant `{}` is declared twice", p.text),
                        ));
                    } else {
                        schema.pollutants.push(p.text.clone());
                    }
                }
            }
            _ => {}
        }
    }

    // ---- named sets ------------------------------------------------------------------
    let mut sets: HashMap<String, NamedSet> = HashMap::new();
    for item in files.iter().flat_map(|f| &f.items) {
        if let Item::Set(s) = item {
            if sets.contains_key(&s.name.text) {
                errors.push(Diagnostic::error(
                    "E-DUPLICATE",
                    Some(s.name.span),
                    format!("set `{}` is declared twice", s.name.text),
                ));
                continue;
            }
            if s.items.is_empty() {
                warnings.push(Diagnostic::warning(
                    "W-EMPTY-SET",
                    Some(s.name.span),
                    format!("set `{}` is empty: `… in {0}` never holds", s.name.text),
                ));
            }
            // A set whose items all look like industry codes is an industry set: each item
            // must then be a real GB/T 4754 code.
            let looks_industrial = !s.items.is_empty()
                && s.items.iter().all(|i| {
                    let t = i.text.as_str();
                    t.len() <= 5
                        && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                        && t.chars().skip(1).all(|c| c.is_ascii_digit())
                });
            let industry = if looks_industrial {
                let mut codes = Vec::new();
                for i in &s.items {
                    match table.normalise(&i.text) {
                        Some(ind) => codes.push(ind.code.clone()),
                        None => {
                            let near = table.suggest(&i.text);
                            errors.push(
                                Diagnostic::error(
                                    "E-UNKNOWN-CODE",
                                    Some(i.span),
                                    format!("`{}` is not a GB/T 4754-2017 industry code", i.text),
                                )
                                .with_help(industry::code_help(&near)),
                            );
                        }
                    }
                }
                Some(codes)
            } else {
                None
            };
            sets.insert(
                s.name.text.clone(),
                NamedSet {
                    items: s.items.clone(),
                    industry,
                },
            );
        }
    }

    // ---- layers ----------------------------------------------------------------------
    let mut loaded_units = None;
    let mut layers: Vec<Layer> = Vec::new();
    let mut layer_ids: HashMap<String, LayerId> = HashMap::new();
    let mut unit_layer_name = None;
    for item in files.iter().flat_map(|f| &f.items) {
        let Item::Layer(l) = item else { continue };
        for (k, _) in &l.options {
            if !layers::known_options(l.kind).contains(&k.text.as_str()) {
                errors.push(
                    Diagnostic::error(
                        "E-LAYER-OPTION",
                        Some(k.span),
                        format!("unknown layer option `{}`", k.text),
                    )
                    .with_help(format!(
                        "this layer kind accepts: {}",
                        layers::known_options(l.kind).join(", ")
                    )),
                );
            }
        }
        if layer_ids.contains_key(&l.name.text)
            || unit_layer_name.as_deref() == Some(l.name.text.as_str())
        {
            errors.push(Diagnostic::error(
                "E-DUPLICATE",
                Some(l.name.span),
                format!("layer `{}` is declared twice", l.name.text),
            ));
            continue;
        }
        let base = base_of(l.span.file);
        match l.kind {
            LayerKind::Units => {
                if unit_layer_name.is_some() {
                    errors.push(
                        Diagnostic::error("E-DUPLICATE", Some(l.span), "a second unit layer")
                            .with_help("a rule set has exactly one `units` layer"),
                    );
                    continue;
                }
                unit_layer_name = Some(l.name.text.clone());
                match layers::load_units(l, &base) {
                    Ok(u) => loaded_units = Some(u),
                    Err(mut e) => errors.append(&mut e),
                }
            }
            LayerKind::Features => match layers::load_features(l, &base) {
                Ok(features) => {
                    layer_ids.insert(
                        l.name.text.clone(),
                        u32::try_from(layers.len()).unwrap_or(u32::MAX),
                    );
                    layers.push(Layer {
                        name: l.name.text.clone(),
                        index: FeatureLayer::build(features),
                    });
                }
                Err(d) => errors.push(d),
            },
        }
    }
    if unit_layer_name.is_none() {
        errors.push(
            Diagnostic::error("E-NO-UNITS", None, "the rule set declares no unit layer")
                .with_help("add `layer 管控单元 = units \"units.geojson\" code=\"code\" name=\"name\" type=\"type\"`"),
        );
    }
    let (units, unit_geoms) = match loaded_units {
        Some(u) => (u.units, u.geoms),
        None => (Vec::new(), Vec::new()),
    };
    let unit_index = UnitIndex::build(&unit_geoms);

    // ---- levels and clauses ----------------------------------------------------------
    let env = Env {
        schema: &schema,
        broken_facts: &broken_facts,
        sets: &sets,
        layers: &layer_ids,
        sources,
    };
    let layer_lookup = |name: &str| {
        layer_ids
            .get(name)
            .and_then(|i| layers.get(*i as usize))
            .map(|l| &l.index)
    };
    let by_code: HashMap<&str, u32> = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| Some((u.code.as_str(), u32::try_from(i).ok()?)))
        .collect();
    let scope_env = scope::ScopeEnv {
        by_code: &by_code,
        basin_cache: std::cell::RefCell::new(HashMap::new()),
        interior_points: std::cell::OnceCell::new(),
        units: &units,
        geoms: &unit_geoms,
        layer: &layer_lookup,
    };
    let mut levels = Vec::new();
    let mut clauses: Vec<Clause> = Vec::new();
    let mut bodies = BodyTable::default();
    let mut clause_body: Vec<u32> = Vec::new();
    let mut unit_clauses: Vec<Vec<u32>> = vec![Vec::new(); units.len()];
    let mut clause_ids: HashMap<String, Location> = HashMap::new();
    for item in files.iter().flat_map(|f| &f.items) {
        let Item::Level(lv) = item else { continue };
        let level_id = u32::try_from(levels.len()).unwrap_or(u32::MAX);
        levels.push(Level {
            name: lv.name.text.clone(),
            scope: scope::describe(&lv.scope),
            rank: level_id,
        });
        let errors_before = errors.len();
        let covered = scope::units_in_scope(&lv.scope, &scope_env, &mut errors);
        if errors.len() == errors_before && !units.is_empty() && covered.is_empty(units.len()) {
            warnings.push(Diagnostic::warning(
                "W-EMPTY-SCOPE",
                Some(lv.name.span),
                format!(
                    "level `{}` applies to no unit of the unit layer",
                    lv.name.text
                ),
            ));
        }
        if lv.clauses.is_empty() {
            warnings.push(Diagnostic::warning(
                "W-EMPTY-LEVEL",
                Some(lv.name.span),
                format!("level `{}` has no clauses", lv.name.text),
            ));
        }
        for c in &lv.clauses {
            let loc = clause_location(sources, root, c.id.span);
            if let Some(prev) = clause_ids.get(&c.id.text) {
                errors.push(Diagnostic::error(
                    "E-DUPLICATE",
                    Some(c.id.span),
                    format!("clause id `{}` is already used at {prev}", c.id.text),
                ));
                continue;
            }
            clause_ids.insert(c.id.text.clone(), loc.clone());
            let Some(dimension) = ClauseDimension::parse(&c.dimension.text) else {
                errors.push(
                    Diagnostic::error("E-DIMENSION", Some(c.dimension.span), format!("unknown dimension `{}`", c.dimension.text))
                        .with_help("the four dimensions are 空间布局约束, 污染物排放管控, 环境风险防控, 资源利用效率"),
                );
                continue;
            };
            if c.text.text.trim().is_empty() {
                errors.push(Diagnostic::error(
                    "E-CLAUSE-TEXT",
                    Some(c.text.span),
                    format!("clause `{}` has no original text", c.id.text),
                ));
            }
            let when = c.when.as_ref().map(|w| env.cond(w, &mut errors));
            let effect = match &c.effect {
                EffectDecl::Forbid(_) => Ok(Effect::Forbid),
                EffectDecl::Require(e) => env.cond(e, &mut errors).map(Effect::Require),
                EffectDecl::Limit(e) => {
                    let cond = env.cond(e, &mut errors);
                    if let Ok(c) = &cond
                        && !matches!(c.kind, CondKind::Compare { .. })
                    {
                        errors.push(
                            Diagnostic::error("E-LIMIT", Some(e.span), "`limit` takes a numeric bound such as `energy_intensity <= 0.5 tce/万元`")
                                .with_help("use `require` for other conditions"),
                        );
                    }
                    cond.map(Effect::Limit)
                }
                EffectDecl::Review(reason) => Ok(Effect::Review(reason.text.clone())),
            };
            let exemptions: Vec<_> = c
                .exemptions
                .iter()
                .map(|x| {
                    env.cond(&x.condition, &mut errors)
                        .map(|condition| Exemption {
                            condition,
                            review: x.review.as_ref().map(|r| r.text.clone()),
                        })
                })
                .collect();
            let (Ok(effect), Ok(when), Ok(exemptions)) = (
                effect,
                when.transpose(),
                exemptions.into_iter().collect::<Result<Vec<_>, _>>(),
            ) else {
                continue;
            };
            let clause_id = u32::try_from(clauses.len()).unwrap_or(u32::MAX);
            for u in covered.iter(units.len()) {
                if let Some(list) = unit_clauses.get_mut(u as usize) {
                    list.push(clause_id);
                }
            }
            let (body_id, body) = bodies.intern(ClauseBody {
                dimension,
                text: c.text.text.clone(),
                when,
                effect,
                exemptions,
            });
            clause_body.push(body_id);
            clauses.push(Clause {
                id: c.id.text.clone(),
                level: level_id,
                location: loc,
                body,
            });
        }
    }
    if errors.iter().any(Diagnostic::is_error) {
        return Err(errors);
    }
    let mut probes: Vec<(LayerId, f64)> = Vec::new();
    let bodies = bodies.into_bodies();
    for c in bodies.iter().flat_map(|b| b.conditions()) {
        c.walk(&mut |c| {
            if let Some(p) = c.distance_probe()
                && !probes.contains(&p)
            {
                probes.push(p);
            }
        });
    }
    let unit_refs: Vec<&geo::MultiPolygon<f64>> = unit_geoms.iter().collect();
    let layer_refs: Vec<&FeatureLayer> = layers.iter().map(|l| &l.index).collect();
    let hints = crate::index::SpatialHints::compute(&unit_refs, &layer_refs, probes);
    let programs = program::Programs::build(&bodies, &schema, &hints);
    let unit_clauses = unit_lists::UnitClauses::from_lists(&unit_clauses);
    let verdict_order = verdict_order::VerdictOrder::build(&unit_clauses, &clause_body, &programs);
    let mut rule_set = RuleSet {
        hints,
        programs,
        verdict_order,
        header,
        schema,
        levels,
        clauses,
        bodies,
        clause_body,
        units,
        unit_index,
        layers,
        unit_clauses,
        content_hash: String::new(),
    };
    rule_set.content_hash = content_hash(&rule_set, &unit_geoms);
    Ok(Compiled { rule_set, warnings })
}

fn clause_location(sources: &Sources, root: &Path, span: crate::source::Span) -> Location {
    let (file, line, column) = match sources.get(span.file) {
        Some(f) => {
            let (l, c) = f.line_col(span.start);
            let rel = f.path.strip_prefix(root).unwrap_or(&f.path);
            (display_path(rel), l, c)
        }
        None => (String::new(), 0, 0),
    };
    Location { file, line, column }
}

/// SHA-256 over a canonical serialisation of everything that decides an answer: header,
/// schema, levels, clauses, unit attributes and polygons, feature layers, and the
/// unit → clause index. Two rule sets with the same hash give the same report for any project.
pub fn content_hash(rs: &RuleSet, unit_geoms: &[geo::MultiPolygon<f64>]) -> String {
    let mut h = HashWriter(Sha256::new());
    let mut put = |v: &dyn erased::Ser| {
        let _ = v.write(&mut h);
    };
    put(&rs.header);
    put(&rs.schema);
    put(&rs.levels);
    put(&rs.clauses);
    put(&rs.units);
    put(&unit_lists::AsLists(&rs.unit_clauses));
    for g in unit_geoms {
        put(g);
    }
    for l in &rs.layers {
        put(&l.name);
        for f in l.index.features() {
            put(&f.name);
            put(&f.geometry);
        }
    }
    let digest = h.0.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

mod erased {
    /// Object-safe serialisation into the hash writer.
    pub trait Ser {
        fn write(&self, w: &mut super::HashWriter) -> serde_json::Result<()>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn write(&self, w: &mut super::HashWriter) -> serde_json::Result<()> {
            serde_json::to_writer(w, self)
        }
    }
}
