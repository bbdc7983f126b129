//! The spanned syntax tree of an access-list file, as written (names unresolved, units unchecked).

use crate::source::Span;

/// A word or string from the source, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// One parsed file: its items in source order.
#[derive(Debug, Clone, Default)]
pub struct FileAst {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Header(HeaderDecl),
    Layer(LayerDecl),
    Fact(FactDecl),
    Pollutants(Vec<Name>, Span),
    Set(SetDecl),
    Level(LevelDecl),
}

/// `ruleset "名称" { version "…" issuer "…" effective 2024-07-01 supersedes "…" }`
#[derive(Debug, Clone)]
pub struct HeaderDecl {
    pub name: Name,
    pub fields: Vec<(Name, Name)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// The control-unit polygons (exactly one per rule set).
    Units,
    /// Any other feature layer used by conditions or basin scopes.
    Features,
}

/// `layer 长江 = features "data/yangtze.geojson" name="name"`
#[derive(Debug, Clone)]
pub struct LayerDecl {
    pub name: Name,
    pub kind: LayerKind,
    pub path: Name,
    pub options: Vec<(Name, Name)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum FactTypeAst {
    Number(Option<Name>),
    Bool,
    Enum(Vec<Name>),
    Set(Vec<Name>),
}

/// `fact coal_boiler_t_h : number t/h "燃煤锅炉规模"`
#[derive(Debug, Clone)]
pub struct FactDecl {
    pub name: Name,
    pub ty: FactTypeAst,
    pub label: Option<Name>,
    pub span: Span,
}

/// `set 化工 = [C25, C26, …]`
#[derive(Debug, Clone)]
pub struct SetDecl {
    pub name: Name,
    pub items: Vec<Name>,
    pub span: Span,
}

/// `level "江苏省总体要求" applies to province 32 { clause … }`
#[derive(Debug, Clone)]
pub struct LevelDecl {
    pub name: Name,
    pub scope: Vec<Selector>,
    pub clauses: Vec<ClauseDecl>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Selector {
    National(Span),
    Province(Name),
    City(Name),
    District(Name),
    Basin(Name),
    UnitType(Name),
    Units(Vec<Name>, Span),
}

#[derive(Debug, Clone)]
pub struct ClauseDecl {
    pub id: Name,
    pub dimension: Name,
    pub text: Name,
    pub when: Option<Expr>,
    pub effect: EffectDecl,
    pub exemptions: Vec<ExemptionDecl>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum EffectDecl {
    Forbid(Span),
    Require(Expr),
    Limit(Expr),
    Review(Name),
}

/// `unless <condition> [review "reason"]`
#[derive(Debug, Clone)]
pub struct ExemptionDecl {
    pub condition: Expr,
    pub review: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    /// Does `a <op> b` hold?
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    /// `a <op> b`, or `None` when the result is not a finite number (division by zero):
    /// the condition using it is then unknown, never silently true or false.
    pub fn apply(self, a: f64, b: f64) -> Option<f64> {
        let r = match self {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div if b == 0.0 => return None,
            ArithOp::Div => a / b,
        };
        r.is_finite().then_some(r)
    }
}

#[derive(Debug, Clone)]
pub enum SetRef {
    List(Vec<Name>, Span),
    Named(Name),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Box<Expr>, CmpOp, Box<Expr>),
    In {
        subject: Box<Expr>,
        set: SetRef,
        negated: bool,
    },
    Contains {
        subject: Box<Expr>,
        value: Name,
    },
    Arith(Box<Expr>, ArithOp, Box<Expr>),
    Call {
        function: Name,
        args: Vec<Name>,
    },
    Quantity {
        value: f64,
        unit: Option<Name>,
    },
    Bool(bool),
    Name(Name),
}
