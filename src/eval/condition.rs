//! Evaluating typed conditions against a project, three-valued, with evidence down to every
//! sub-condition.

use std::cell::{Cell, RefCell};

use geo::{CoordsIter, Geometry};
use serde::Serialize;

use super::logic::Truth;
use super::project::{FactValue, Project};
use super::uncertainty::Shift;
use crate::compile::industry::{IndustryTable, covers};
use crate::compile::quantity::{Dimension, format_value};
use crate::compile::{Cond, CondKind, FactType, Num, NumKind, RuleSet};
use crate::index::NearestFeature;
use crate::index::units::{geodesic_area, polygonal};

/// A value the evaluation read: a fact, an emission figure, a measured distance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// What was read, as the rule writes it (`nature`, `increase(VOCs)`, `distance(长江)`).
    pub name: String,
    /// The value for people (`扩建`, `12.5 t/a`, `742 m`); `None` when the project does not state it.
    pub value: Option<String>,
    /// The number in its base unit, for machines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
    /// Extra detail (which feature was nearest, which set entry matched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Why this value cannot be relied on: the site's declared positional accuracy is coarser
    /// than the margin the answer has (a boundary or a threshold closer than the accuracy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<String>,
}

/// The evaluation of one condition: its text, its value, the values it read, and its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The condition's source text (shared with the compiled condition).
    pub condition: std::sync::Arc<str>,
    pub value: Truth,
    /// Did this part decide its parent's value? (For `A and B` false, the false parts did.)
    pub decisive: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observed: Vec<Observation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Evidence>,
}

impl Evidence {
    /// The decisive leaves: the sub-conditions and values that decided this condition.
    pub fn deciding_leaves(&self) -> Vec<&Evidence> {
        if self.parts.is_empty() {
            return vec![self];
        }
        self.parts
            .iter()
            .filter(|p| p.decisive)
            .flat_map(Evidence::deciding_leaves)
            .collect()
    }

    /// Names of facts the project did not state that this condition needed.
    pub fn missing(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .deciding_leaves()
            .into_iter()
            .flat_map(|l| {
                l.observed
                    .iter()
                    .filter(|o| o.value.is_none())
                    .map(|o| o.name.clone())
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        out.retain(|m| seen.insert(m.clone()));
        out
    }

    /// Why the deciding parts cannot be relied on, for positional uncertainty.
    pub fn uncertain(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .deciding_leaves()
            .into_iter()
            .flat_map(|l| l.observed.iter().filter_map(|o| o.uncertainty.clone()))
            .collect();
        let mut seen = std::collections::HashSet::new();
        out.retain(|m| seen.insert(m.clone()));
        out
    }
}

/// Per-project evaluation context: spatial answers are computed once per layer and reused by
/// every clause.
pub struct Context<'a> {
    pub rules: &'a RuleSet,
    pub project: &'a Project,
    nearest: RefCell<Vec<Option<Option<NearestFeature>>>>,
    within: RefCell<Vec<Option<Option<u32>>>>,
    intersects: RefCell<Vec<Option<Option<u32>>>>,
    /// The site's positional uncertainty, when it declares one.
    shift: Option<Shift>,
    /// While a comparison is tried at the ends of the uncertainty interval: the offset added to
    /// the n-th distance the comparison reads (−accuracy or +accuracy each), and the count of
    /// distances read so far. Empty otherwise (no offset).
    distance_offsets: RefCell<Vec<f64>>,
    distances_read: Cell<usize>,
}

/// Most distances one comparison may read before its corners (2^n) are not all tried; beyond
/// it, a comparison under positional uncertainty is unknown.
const MAX_DISTANCE_CORNERS: usize = 6;

impl<'a> Context<'a> {
    pub fn new(rules: &'a RuleSet, project: &'a Project) -> Self {
        let n = rules.layers.len();
        Context {
            rules,
            project,
            nearest: RefCell::new(vec![None; n]),
            within: RefCell::new(vec![None; n]),
            intersects: RefCell::new(vec![None; n]),
            shift: Shift::new(&project.location, project.accuracy_m),
            distance_offsets: RefCell::new(Vec::new()),
            distances_read: Cell::new(0),
        }
    }

    /// Could a shift within the declared accuracy change the answer `hit` of
    /// `within(layer)`/`intersects(layer)`? Returns the reason when it could.
    fn layer_answer_uncertain(&self, layer: u32, within: bool, hit: Option<u32>) -> Option<String> {
        let shift = self.shift.as_ref()?;
        let index = &self.rules.layers.get(layer as usize)?.index;
        let acc = shift.accuracy_m();
        let certain = match hit {
            Some(f) => {
                let g = &index.features().get(f as usize)?.geometry;
                if within {
                    shift.within_is_certain(g)
                } else {
                    shift.intersects_is_certain(g, true)
                }
            }
            // Not within: certain once one vertex of the site is farther than the accuracy
            // from every feature (no shift brings that vertex inside one).
            None if within => self.location().coords_iter().any(|c| {
                index
                    .nearest(&Geometry::Point(geo::Point(c)))
                    .is_none_or(|n| n.distance_m > acc)
            }),
            None => self.nearest(layer).is_none_or(|n| n.distance_m > acc),
        };
        (!certain).then(|| {
            format!(
                "项目位置精度 ±{} 内可能{}{}",
                format_value(acc, Dimension::Length),
                if hit.is_some() { "不" } else { "" },
                if within {
                    "位于该图层范围内"
                } else {
                    "与该图层相交"
                },
            )
        })
    }

    fn location(&self) -> &Geometry<f64> {
        &self.project.location
    }

    fn layer_name(&self, layer: u32) -> &str {
        self.rules
            .layers
            .get(layer as usize)
            .map_or("?", |l| l.name.as_str())
    }

    fn feature_name(&self, layer: u32, feature: u32) -> String {
        self.rules
            .layers
            .get(layer as usize)
            .and_then(|l| l.index.features().get(feature as usize))
            .map_or_else(String::new, |f| f.name.clone())
    }

    fn cached<T: Clone>(
        cache: &RefCell<Vec<Option<T>>>,
        layer: u32,
        compute: impl FnOnce() -> T,
    ) -> T {
        if let Some(Some(v)) = cache.borrow().get(layer as usize) {
            return v.clone();
        }
        let v = compute();
        if let Some(slot) = cache.borrow_mut().get_mut(layer as usize) {
            *slot = Some(v.clone());
        }
        v
    }

    pub fn nearest(&self, layer: u32) -> Option<NearestFeature> {
        Self::cached(&self.nearest, layer, || {
            self.rules
                .layers
                .get(layer as usize)
                .and_then(|l| l.index.nearest(self.location()))
        })
    }

    fn within(&self, layer: u32) -> Option<u32> {
        Self::cached(&self.within, layer, || {
            self.rules
                .layers
                .get(layer as usize)
                .and_then(|l| l.index.covering(self.location()))
        })
    }

    fn intersects(&self, layer: u32) -> Option<u32> {
        Self::cached(&self.intersects, layer, || {
            self.rules
                .layers
                .get(layer as usize)
                .and_then(|l| l.index.intersects(self.location()))
        })
    }

    fn fact_name(&self, id: u32) -> String {
        self.rules
            .schema
            .fact(id)
            .map_or_else(|| "?".into(), |f| f.name.clone())
    }

    fn observe_fact(&self, id: u32) -> Observation {
        let name = self.fact_name(id);
        let value = self.project.fact(id);
        let (text, number) = match value {
            None => (None, None),
            Some(FactValue::Number(x)) => {
                let dim = match self.rules.schema.fact(id).map(|f| &f.ty) {
                    Some(FactType::Number { dimension, .. }) => *dimension,
                    _ => Dimension::Scalar,
                };
                (Some(format_value(*x, dim)), Some(*x))
            }
            Some(FactValue::Bool(b)) => (Some(if *b { "是" } else { "否" }.to_string()), None),
            Some(FactValue::Enum(s)) => (Some(s.clone()), None),
            Some(FactValue::Set(v)) | Some(FactValue::Industry(v)) => {
                (Some(format!("[{}]", v.join(", "))), None)
            }
        };
        Observation {
            name,
            value: text,
            number,
            detail: None,
            uncertainty: None,
        }
    }

    /// Evaluates a condition.
    pub fn cond(&self, c: &Cond) -> Evidence {
        let leaf = |value: Truth, observed: Vec<Observation>| Evidence {
            condition: c.text.clone(),
            value,
            decisive: true,
            observed,
            parts: Vec::new(),
        };
        match &c.kind {
            CondKind::And(parts) | CondKind::Or(parts) => {
                let is_and = matches!(c.kind, CondKind::And(_));
                let mut evs: Vec<Evidence> = parts.iter().map(|p| self.cond(p)).collect();
                let value = evs.iter().fold(Truth::from_bool(is_and), |acc, e| {
                    if is_and {
                        acc.and(e.value)
                    } else {
                        acc.or(e.value)
                    }
                });
                // The parts that decided: for `and` false, the false parts; for `or` true, the
                // true parts; for unknown, the unknown parts; otherwise all of them.
                let dominant = if is_and { Truth::False } else { Truth::True };
                for e in &mut evs {
                    e.decisive = match value {
                        v if v == dominant => e.value == dominant,
                        Truth::Unknown => e.value == Truth::Unknown,
                        _ => true,
                    };
                }
                Evidence {
                    condition: c.text.clone(),
                    value,
                    decisive: true,
                    observed: Vec::new(),
                    parts: evs,
                }
            }
            CondKind::Not(inner) => {
                let e = self.cond(inner);
                Evidence {
                    condition: c.text.clone(),
                    value: e.value.negate(),
                    decisive: true,
                    observed: Vec::new(),
                    parts: vec![e],
                }
            }
            CondKind::Const(b) => leaf(Truth::from_bool(*b), Vec::new()),
            CondKind::BoolFact(id) => {
                let o = self.observe_fact(*id);
                let v = match self.project.fact(*id) {
                    Some(FactValue::Bool(b)) => Truth::from_bool(*b),
                    _ => Truth::Unknown,
                };
                leaf(v, vec![o])
            }
            CondKind::EnumIn { fact, values } => {
                let o = self.observe_fact(*fact);
                let v = match self.project.fact(*fact) {
                    Some(FactValue::Enum(s)) => Truth::from_bool(values.contains(s)),
                    _ => Truth::Unknown,
                };
                leaf(v, vec![o])
            }
            CondKind::SetAny { fact, values } => {
                let mut o = self.observe_fact(*fact);
                let v = match self.project.fact(*fact) {
                    Some(FactValue::Set(have)) => {
                        let hits: Vec<&String> =
                            have.iter().filter(|h| values.contains(h)).collect();
                        if !hits.is_empty() {
                            o.detail = Some(format!(
                                "命中 {}",
                                hits.iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                        Truth::from_bool(!hits.is_empty())
                    }
                    _ => Truth::Unknown,
                };
                leaf(v, vec![o])
            }
            CondKind::SetContains { fact, value } => {
                let o = self.observe_fact(*fact);
                let v = match self.project.fact(*fact) {
                    Some(FactValue::Set(have)) => Truth::from_bool(have.contains(value)),
                    _ => Truth::Unknown,
                };
                leaf(v, vec![o])
            }
            CondKind::IndustryIn { prefixes, set_name } => {
                let codes = self.project.industry_codes();
                let table = IndustryTable::get();
                let hits: Vec<String> = codes
                    .iter()
                    .filter_map(|code| {
                        let p = prefixes.iter().find(|p| covers(p, code))?;
                        Some(if p == code {
                            code.clone()
                        } else {
                            format!("{code} 属 {p}")
                        })
                    })
                    .collect();
                let value = if codes.is_empty() {
                    Truth::Unknown
                } else {
                    Truth::from_bool(!hits.is_empty())
                };
                let detail = if !hits.is_empty() {
                    Some(format!(
                        "{}{}",
                        hits.join("；"),
                        set_name
                            .as_ref()
                            .map_or(String::new(), |s| format!(" ∈ {s}"))
                    ))
                } else {
                    None
                };
                let described: Vec<String> = codes
                    .iter()
                    .map(|c| format!("{c} {}", table.lookup(c).map_or("", |i| i.name.as_str())))
                    .collect();
                let o = Observation {
                    name: "industry".into(),
                    value: (!codes.is_empty()).then(|| described.join("；")),
                    number: None,
                    detail,
                    uncertainty: None,
                };
                leaf(value, vec![o])
            }
            CondKind::KnownFact(id) => {
                let o = self.observe_fact(*id);
                leaf(Truth::from_bool(o.value.is_some()), vec![o])
            }
            CondKind::KnownPollutant(p) => {
                let name = self
                    .rules
                    .schema
                    .pollutants
                    .get(*p as usize)
                    .cloned()
                    .unwrap_or_default();
                let known = self
                    .project
                    .emissions
                    .get(*p as usize)
                    .is_some_and(Option::is_some);
                let o = Observation {
                    name,
                    value: Some(if known { "已申报" } else { "未申报" }.into()),
                    number: None,
                    detail: None,
                    uncertainty: None,
                };
                leaf(Truth::from_bool(known), vec![o])
            }
            CondKind::Within(layer) | CondKind::Intersects(layer) => {
                let within = matches!(c.kind, CondKind::Within(_));
                let hit = if within {
                    self.within(*layer)
                } else {
                    self.intersects(*layer)
                };
                let name = format!(
                    "{}({})",
                    if within { "within" } else { "intersects" },
                    self.layer_name(*layer)
                );
                let value = match hit {
                    Some(f) => format!("是（{}）", self.feature_name(*layer, f)),
                    None => "否".to_string(),
                };
                let uncertainty = self.layer_answer_uncertain(*layer, within, hit);
                let truth = if uncertainty.is_some() {
                    Truth::Unknown
                } else {
                    Truth::from_bool(hit.is_some())
                };
                leaf(
                    truth,
                    vec![Observation {
                        name,
                        value: Some(value),
                        number: None,
                        detail: None,
                        uncertainty,
                    }],
                )
            }
            CondKind::Compare { lhs, op, rhs } => {
                let mut observed = Vec::new();
                let a = self.num(lhs, &mut observed);
                let b = self.num(rhs, &mut observed);
                let mut value = match (a, b) {
                    (Some(a), Some(b)) => Truth::from_bool(op.holds(a, b)),
                    _ => Truth::Unknown,
                };
                if value != Truth::Unknown
                    && let Some(acc) = self.shift.as_ref().map(Shift::accuracy_m)
                    && (lhs.reads_distance() || rhs.reads_distance())
                {
                    // Try the comparison with each measured distance at either end of its
                    // uncertainty interval (every corner: the distances move independently);
                    // if the answer differs anywhere, it is not known.
                    let k = lhs.distances_read() + rhs.distances_read();
                    let mut scratch = Vec::new();
                    let mut at = |mask: usize| {
                        *self.distance_offsets.borrow_mut() = (0..k)
                            .map(|i| if mask >> i & 1 == 1 { acc } else { -acc })
                            .collect();
                        self.distances_read.set(0);
                        let r = match (self.num(lhs, &mut scratch), self.num(rhs, &mut scratch)) {
                            (Some(a), Some(b)) => Some(op.holds(a, b)),
                            _ => None,
                        };
                        self.distance_offsets.borrow_mut().clear();
                        r
                    };
                    let (near, far) = if k <= MAX_DISTANCE_CORNERS {
                        let first = at(0);
                        let differs = (1..1usize << k).any(|m| at(m) != first);
                        (first, if differs { None } else { first })
                    } else {
                        (None, Some(false))
                    };
                    if near != far || near != Some(value == Truth::True) {
                        value = Truth::Unknown;
                        let why = format!(
                            "项目位置精度 ±{}，测得距离与阈值之差在精度以内",
                            format_value(acc, Dimension::Length)
                        );
                        for o in observed
                            .iter_mut()
                            .filter(|o| o.name.starts_with("distance"))
                        {
                            o.uncertainty = Some(why.clone());
                        }
                    }
                }
                leaf(value, observed)
            }
        }
    }

    /// Evaluates a number; every fact, figure or measurement it reads is pushed to `observed`.
    pub fn num(&self, n: &Num, observed: &mut Vec<Observation>) -> Option<f64> {
        match &n.kind {
            NumKind::Const(v) => Some(*v),
            NumKind::Fact(id) => {
                let o = self.observe_fact(*id);
                let v = match self.project.fact(*id) {
                    Some(FactValue::Number(x)) => Some(*x),
                    _ => None,
                };
                observed.push(o);
                v
            }
            NumKind::Emission { pollutant, figure } => {
                let v = self.project.emission(*pollutant, *figure);
                observed.push(Observation {
                    name: n.text.clone(),
                    value: v.map(|x| format_value(x, Dimension::MassPerYear)),
                    number: v,
                    detail: None,
                    uncertainty: None,
                });
                v
            }
            NumKind::Distance(layer) => {
                let near = self.nearest(*layer);
                let read = self.distances_read.get();
                self.distances_read.set(read + 1);
                let offset = self
                    .distance_offsets
                    .borrow()
                    .get(read)
                    .copied()
                    .unwrap_or(0.0);
                let v = near.as_ref().map(|f| (f.distance_m + offset).max(0.0));
                observed.push(Observation {
                    name: n.text.clone(),
                    value: v.map(|x| format_value(x, Dimension::Length)),
                    number: v,
                    detail: near
                        .map(|f| format!("最近要素：{}", self.feature_name(*layer, f.feature))),
                    uncertainty: None,
                });
                v
            }
            NumKind::SiteArea => {
                let v = polygonal(self.location()).map(|p| geodesic_area(&p));
                observed.push(Observation {
                    name: n.text.clone(),
                    value: v.map(|x| format_value(x, Dimension::Area)),
                    number: v,
                    detail: v.is_none().then(|| "点状或线状项目无占地面积".to_string()),
                    uncertainty: None,
                });
                v
            }
            NumKind::Arith(a, op, b) => {
                let a = self.num(a, observed);
                let b = self.num(b, observed);
                let (a, b) = (a?, b?);
                op.apply(a, b)
            }
        }
    }
}
