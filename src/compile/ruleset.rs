//! The compiled rule set: names resolved, types and units checked, every clause attached to the
//! control units it applies to (the rule set is indexed by unit).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::nesting::nested;
use super::quantity::Dimension;
use crate::index::{FeatureLayer, SpatialHints, UnitIndex};
use crate::source::{Location, Span};
use crate::syntax::ast::{ArithOp, CmpOp};

/// The rule set's header: what it is, who issued it, when it took effect, what it replaces.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub version: String,
    pub issuer: String,
    pub effective: String,
    pub supersedes: Option<String>,
}

/// The three types of environmental control unit (环境管控单元).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UnitType {
    /// 优先保护单元: ecological red line and ecological space.
    Priority,
    /// 重点管控单元: industrial parks, dense towns, polluted areas.
    Key,
    /// 一般管控单元: everything else.
    General,
}

impl UnitType {
    /// Parses the type as written in unit data or rules (`优先保护`, `优先保护单元`).
    pub fn parse(s: &str) -> Option<UnitType> {
        match s.trim().trim_end_matches("单元") {
            "优先保护" => Some(UnitType::Priority),
            "重点管控" => Some(UnitType::Key),
            "一般管控" => Some(UnitType::General),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitType::Priority => "优先保护单元",
            UnitType::Key => "重点管控单元",
            UnitType::General => "一般管控单元",
        }
    }

    /// The type digit in a unit code (`ZH320115` + `2` + `0001`).
    pub fn code_digit(self) -> char {
        match self {
            UnitType::Priority => '1',
            UnitType::Key => '2',
            UnitType::General => '3',
        }
    }
}

/// One control unit's attributes (its polygon lives in the [`UnitIndex`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    /// GB/T 2260 administrative code (6 digits) of the county the unit lies in.
    pub admin_code: String,
}

/// The four dimensions of an access-list clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClauseDimension {
    /// 空间布局约束
    SpatialLayout,
    /// 污染物排放管控
    PollutantEmissions,
    /// 环境风险防控
    EnvironmentalRisk,
    /// 资源利用效率
    ResourceEfficiency,
}

impl ClauseDimension {
    pub const ALL: [ClauseDimension; 4] = [
        ClauseDimension::SpatialLayout,
        ClauseDimension::PollutantEmissions,
        ClauseDimension::EnvironmentalRisk,
        ClauseDimension::ResourceEfficiency,
    ];

    pub fn parse(s: &str) -> Option<ClauseDimension> {
        ClauseDimension::ALL.into_iter().find(|d| d.label() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClauseDimension::SpatialLayout => "空间布局约束",
            ClauseDimension::PollutantEmissions => "污染物排放管控",
            ClauseDimension::EnvironmentalRisk => "环境风险防控",
            ClauseDimension::ResourceEfficiency => "资源利用效率",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ClauseDimension::SpatialLayout => "spatial_layout",
            ClauseDimension::PollutantEmissions => "pollutant_emissions",
            ClauseDimension::EnvironmentalRisk => "environmental_risk",
            ClauseDimension::ResourceEfficiency => "resource_efficiency",
        }
    }
}

/// The type of a declared fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FactType {
    /// A number of the given dimension; projects write it in `unit` (or state another unit of
    /// the same dimension).
    Number {
        dimension: Dimension,
        unit: String,
    },
    Bool,
    Enum(Vec<String>),
    Set(Vec<String>),
    /// GB/T 4754 industry codes (the built-in `industry`).
    Industry,
}

/// A fact a rule may ask about, and a project may state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactDef {
    pub name: String,
    pub ty: FactType,
    pub label: Option<String>,
    pub builtin: bool,
}

/// Index of a fact in [`Schema::facts`].
pub type FactId = u32;
/// Index of a feature layer in [`RuleSet::layers`].
pub type LayerId = u32;

/// The facts and pollutants a rule set knows; projects are checked against it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Schema {
    pub facts: Vec<FactDef>,
    pub pollutants: Vec<String>,
}

/// Built-in facts every rule set has, at fixed ids.
pub const FACT_NATURE: FactId = 0;
pub const FACT_INDUSTRY: FactId = 1;
pub const FACT_IN_PARK: FactId = 2;

/// Construction natures (建设性质) as an applicant writes them.
pub const NATURES: [&str; 5] = ["新建", "改建", "扩建", "技术改造", "迁建"];

impl Schema {
    pub fn with_builtins() -> Self {
        let builtin = |name: &str, ty: FactType, label: &str| FactDef {
            name: name.to_string(),
            ty,
            label: Some(label.to_string()),
            builtin: true,
        };
        Schema {
            facts: vec![
                builtin(
                    "nature",
                    FactType::Enum(NATURES.iter().map(|s| s.to_string()).collect()),
                    "建设性质",
                ),
                builtin("industry", FactType::Industry, "国民经济行业类别"),
                builtin("in_park", FactType::Bool, "位于合规工业园区内"),
            ],
            pollutants: Vec::new(),
        }
    }

    pub fn fact_id(&self, name: &str) -> Option<FactId> {
        self.facts
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| u32::try_from(i).ok())
    }

    pub fn fact(&self, id: FactId) -> Option<&FactDef> {
        self.facts.get(id as usize)
    }

    pub fn pollutant_id(&self, name: &str) -> Option<u32> {
        self.pollutants
            .iter()
            .position(|p| p == name)
            .and_then(|i| u32::try_from(i).ok())
    }
}

/// Which of a pollutant's three figures an expression reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmissionFigure {
    /// Emissions after the project (排放总量).
    Total,
    /// Increase caused by the project (新增量).
    Increase,
    /// Reduction secured elsewhere to offset it (削减替代量).
    Offset,
}

impl EmissionFigure {
    pub fn keyword(self) -> &'static str {
        match self {
            EmissionFigure::Total => "total",
            EmissionFigure::Increase => "increase",
            EmissionFigure::Offset => "offset",
        }
    }
}

/// A numeric expression, typed with its dimension.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Num {
    pub kind: NumKind,
    pub dimension: Dimension,
    /// The source text, for evidence.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum NumKind {
    /// A constant in the base unit of its dimension.
    Const(f64),
    Fact(FactId),
    Emission {
        pollutant: u32,
        figure: EmissionFigure,
    },
    /// Geodesic metres from the project geometry to the nearest feature of a layer.
    Distance(LayerId),
    /// Area of the project site (m²); unknown for point and line projects.
    SiteArea,
    Arith(
        #[serde(deserialize_with = "nested")] Box<Num>,
        ArithOp,
        #[serde(deserialize_with = "nested")] Box<Num>,
    ),
}

/// A condition, typed, with its source text for evidence (shared with every report that quotes
/// it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cond {
    pub kind: CondKind,
    pub text: Arc<str>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum CondKind {
    And(#[serde(deserialize_with = "nested")] Vec<Cond>),
    Or(#[serde(deserialize_with = "nested")] Vec<Cond>),
    Not(#[serde(deserialize_with = "nested")] Box<Cond>),
    Compare {
        lhs: Num,
        op: CmpOp,
        rhs: Num,
    },
    /// An enum fact is one of the values.
    EnumIn {
        fact: FactId,
        values: Vec<String>,
    },
    /// A set fact shares at least one value with the list.
    SetAny {
        fact: FactId,
        values: Vec<String>,
    },
    /// A set fact holds the value.
    SetContains {
        fact: FactId,
        value: String,
    },
    /// Any of the project's industry codes falls under one of the prefixes.
    IndustryIn {
        prefixes: Vec<String>,
        set_name: Option<String>,
    },
    BoolFact(FactId),
    KnownFact(FactId),
    KnownPollutant(u32),
    Within(LayerId),
    Intersects(LayerId),
    Const(bool),
}

/// What a clause does when its `when` condition holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Effect {
    /// The project is not allowed (violated when the condition holds).
    Forbid,
    /// The condition must hold.
    Require(Cond),
    /// A numeric bound that must hold (a comparison).
    Limit(Cond),
    /// Always needs a human, with the reason.
    Review(String),
}

/// `unless <condition> [review "reason"]`: when the exemption holds, the clause is satisfied
/// (or needs review, with the reason, when the exemption must be verified by a person).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exemption {
    pub condition: Cond,
    pub review: Option<String>,
}

/// A level of the access list (江苏省总体要求, 长江流域, a unit's own list …) and its scope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Level {
    pub name: String,
    /// The scope as written, for reports (`province 32`).
    pub scope: String,
    /// Declaration order across the rule set, used to order reports from general to specific.
    pub rank: u32,
}

/// What a clause says: its dimension, original text and compiled conditions. Clauses that say
/// the same thing (the same text and conditions, as unit lists written from one template do)
/// share one body: the rule set holds each distinct body once ([`RuleSet::bodies`]), and what a
/// body comes to for a project at a place does not depend on which clause carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClauseBody {
    pub dimension: ClauseDimension,
    /// The clause's original text, verbatim.
    pub text: String,
    pub when: Option<Cond>,
    pub effect: Effect,
    pub exemptions: Vec<Exemption>,
}

/// One clause of the access list, compiled: where it stands (id, level, source location) and
/// what it says (its shared [`ClauseBody`], whose fields it derefs to: `clause.when`).
#[derive(Debug, Clone)]
pub struct Clause {
    pub id: String,
    pub level: u32,
    pub location: Location,
    pub body: Arc<ClauseBody>,
}

impl std::ops::Deref for Clause {
    type Target = ClauseBody;
    fn deref(&self) -> &ClauseBody {
        &self.body
    }
}

/// A clause serialises as one flat record (id, level, dimension, text, conditions, location),
/// as it did before bodies were shared, so that content hashes of rule sets are unchanged.
impl Serialize for Clause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            id: &'a str,
            level: u32,
            dimension: ClauseDimension,
            text: &'a str,
            when: &'a Option<Cond>,
            effect: &'a Effect,
            exemptions: &'a [Exemption],
            location: &'a Location,
        }
        Flat {
            id: &self.id,
            level: self.level,
            dimension: self.body.dimension,
            text: &self.body.text,
            when: &self.body.when,
            effect: &self.body.effect,
            exemptions: &self.body.exemptions,
            location: &self.location,
        }
        .serialize(s)
    }
}

/// Collects clause bodies, keeping one copy of each distinct one (compared by their serialised
/// form, which leaves out source spans).
#[derive(Debug, Default)]
pub(crate) struct BodyTable {
    bodies: Vec<Arc<ClauseBody>>,
    seen: std::collections::HashMap<Vec<u8>, u32>,
}

impl BodyTable {
    /// The index and shared copy of `body`, added if no equal body is held yet.
    pub(crate) fn intern(&mut self, body: ClauseBody) -> (u32, Arc<ClauseBody>) {
        let next = u32::try_from(self.bodies.len()).unwrap_or(u32::MAX);
        let key = postcard::to_stdvec(&body).ok();
        if let Some(&i) = key.as_ref().and_then(|k| self.seen.get(k))
            && let Some(b) = self.bodies.get(i as usize)
        {
            return (i, Arc::clone(b));
        }
        let shared = Arc::new(body);
        self.bodies.push(Arc::clone(&shared));
        if let Some(k) = key {
            self.seen.insert(k, next);
        }
        (next, shared)
    }

    pub(crate) fn into_bodies(self) -> Vec<Arc<ClauseBody>> {
        self.bodies
    }
}

/// A feature layer with its declared name.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    pub index: FeatureLayer,
}

/// The compiled rule set, ready to evaluate projects.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub header: Header,
    pub schema: Schema,
    pub levels: Vec<Level>,
    pub clauses: Vec<Clause>,
    /// The distinct clause bodies; `clause_body[c]` is the index of clause `c`'s body here, the
    /// one `clauses[c].body` points to (both are built together, by compilation and by snapshot
    /// decoding; screening reads the dense index, reports the clause).
    pub bodies: Vec<Arc<ClauseBody>>,
    pub clause_body: Vec<u32>,
    pub units: Vec<UnitInfo>,
    pub unit_index: UnitIndex,
    pub layers: Vec<Layer>,
    /// For each unit (by index), the clauses that apply to it, ascending (shared groups plus
    /// each unit's own clauses).
    pub unit_clauses: super::unit_lists::UnitClauses,
    /// SHA-256 of the compiled content (rules, schema, unit and layer geometry), hex.
    pub content_hash: String,
    /// Per unit, the distance thresholds that cannot be reached from it (screening shortcut).
    pub hints: SpatialHints,
    /// The bodies compiled for screening (derived from `bodies`, `schema` and `hints` whenever a
    /// rule set is compiled or loaded; not part of the content hash or the snapshot). Code that
    /// changes any of those three fields must rebuild it with `Programs::build`.
    pub programs: super::program::Programs,
    /// Per shared group of `unit_clauses`, the order screening decides a verdict in (derived
    /// from `unit_clauses`, `clause_body` and `programs` on compile and load, like `programs`;
    /// rebuild it with `VerdictOrder::build` after changing any of them).
    pub verdict_order: super::verdict_order::VerdictOrder,
}

impl Num {
    /// How many measured distances this number reads (each occurrence counts).
    pub fn distances_read(&self) -> usize {
        match &self.kind {
            NumKind::Distance(_) => 1,
            NumKind::Arith(a, _, b) => a.distances_read() + b.distances_read(),
            _ => 0,
        }
    }

    /// Does this number read a measured distance? (Stops at the first: screening asks this on
    /// its hot path.)
    pub fn reads_distance(&self) -> bool {
        match &self.kind {
            NumKind::Distance(_) => true,
            NumKind::Arith(a, _, b) => a.reads_distance() || b.reads_distance(),
            _ => false,
        }
    }
}

impl Cond {
    /// Calls `f` on this condition and every condition below it.
    pub fn walk(&self, f: &mut impl FnMut(&Cond)) {
        f(self);
        match &self.kind {
            CondKind::And(parts) | CondKind::Or(parts) => parts.iter().for_each(|p| p.walk(f)),
            CondKind::Not(inner) => inner.walk(f),
            _ => {}
        }
    }

    /// The (layer, threshold) pair of `distance(layer) <op> constant` (either way round), or of
    /// `within`/`intersects` (threshold 0).
    pub fn distance_probe(&self) -> Option<(LayerId, f64)> {
        match &self.kind {
            CondKind::Compare { lhs, rhs, .. } => match (&lhs.kind, &rhs.kind) {
                (NumKind::Distance(l), NumKind::Const(t))
                | (NumKind::Const(t), NumKind::Distance(l)) => Some((*l, *t)),
                _ => None,
            },
            CondKind::Within(l) | CondKind::Intersects(l) => Some((*l, 0.0)),
            _ => None,
        }
    }
}

impl ClauseBody {
    /// Every condition of the clause: `when`, the effect's, and the exemptions'.
    pub fn conditions(&self) -> impl Iterator<Item = &Cond> {
        let effect = match &self.effect {
            Effect::Require(c) | Effect::Limit(c) => Some(c),
            _ => None,
        };
        self.when
            .iter()
            .chain(effect)
            .chain(self.exemptions.iter().map(|x| &x.condition))
    }
}

impl RuleSet {
    pub fn unit_by_code(&self, code: &str) -> Option<u32> {
        self.units
            .iter()
            .position(|u| u.code == code)
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The units whose closed polygon contains `(lon, lat)`, appended to `out` ascending.
    pub fn locate_point(&self, lon: f64, lat: f64, out: &mut Vec<u32>) {
        self.unit_index
            .locate_point(geo::Coord { x: lon, y: lat }, out);
    }

    pub fn layer_id(&self, name: &str) -> Option<LayerId> {
        self.layers
            .iter()
            .position(|l| l.name == name)
            .and_then(|i| u32::try_from(i).ok())
    }
}
