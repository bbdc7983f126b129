//! Three-valued (Kleene) logic: a condition is true, false, or unknown because a fact it needs
//! is missing. Unknown never becomes "satisfied".

use serde::Serialize;

use crate::compile::program::EffectKind;
use crate::compile::{Cond, Effect};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    pub fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// Kleene negation: unknown stays unknown.
    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    /// Kleene conjunction: false wins, then unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    /// Kleene disjunction: true wins, then unknown.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// Kleene implication `self → then`, i.e. `not self or then`.
    pub fn implies(self, then: Truth) -> Truth {
        self.negate().or(then)
    }

    pub fn label(self) -> &'static str {
        match self {
            Truth::True => "成立",
            Truth::False => "不成立",
            Truth::Unknown => "未知",
        }
    }
}

/// The outcome of one clause for one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 违反
    Violated,
    /// 需人工研判
    NeedsReview,
    /// 符合
    Satisfied,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Violated => "违反",
            Outcome::NeedsReview => "需人工研判",
            Outcome::Satisfied => "符合",
        }
    }

    /// The overall verdict of several outcomes: violated if any is, else needs review if any
    /// does, else satisfied.
    pub fn worst(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        outcomes.into_iter().min().unwrap_or(Outcome::Satisfied)
    }

    /// `check`'s exit code for this verdict: 0 satisfied, 1 violated, 3 needs review.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Satisfied => 0,
            Outcome::Violated => 1,
            Outcome::NeedsReview => 3,
        }
    }
}

/// The outcome of a clause's effect given its `when` value. `requirement` evaluates the
/// condition of a `require`/`limit` clause; it is called only when it can matter (the `when` is
/// not false). The report path's form of [`kind_outcome`].
pub fn effect_outcome(
    effect: &Effect,
    trigger: Truth,
    requirement: impl FnOnce(&Cond) -> Truth,
) -> Outcome {
    match effect {
        Effect::Require(c) | Effect::Limit(c) => {
            kind_outcome(EffectKind::Require, trigger, || requirement(c))
        }
        other => kind_outcome(EffectKind::of(other), trigger, || Truth::Unknown),
    }
}

/// The outcome of an effect of kind `effect` given its `when` value; `requirement` is called
/// only for `require`/`limit` when the `when` is not false. Shared by the report path and the
/// screening path, which must agree.
pub fn kind_outcome(
    effect: EffectKind,
    trigger: Truth,
    requirement: impl FnOnce() -> Truth,
) -> Outcome {
    let decided = |t: Truth| match t {
        Truth::True => Outcome::Satisfied,
        Truth::False => Outcome::Violated,
        Truth::Unknown => Outcome::NeedsReview,
    };
    match effect {
        EffectKind::Forbid => decided(trigger.negate()),
        _ if trigger == Truth::False => Outcome::Satisfied,
        EffectKind::Require => decided(trigger.implies(requirement())),
        EffectKind::Review => Outcome::NeedsReview,
    }
}

/// Whether a clause's exemptions are consulted: only when it would not be satisfied, and never
/// for review clauses (an exemption cannot settle what only a person can judge).
pub fn exemptions_matter(effect: EffectKind, outcome: Outcome) -> bool {
    outcome != Outcome::Satisfied && effect != EffectKind::Review
}

/// What a clause's `unless` exemptions came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// An exemption without `review` holds.
    pub exempted: bool,
    /// An exemption with `review` holds.
    pub review: bool,
    /// An exemption is unknown.
    pub unknown: bool,
}

impl Exemptions {
    /// Records one exemption's value; `needs_review` when it carries `review "…"`.
    pub fn add(&mut self, value: Truth, needs_review: bool) {
        match value {
            Truth::True if needs_review => self.review = true,
            Truth::True => self.exempted = true,
            Truth::Unknown => self.unknown = true,
            Truth::False => {}
        }
    }

    /// The clause's outcome after its exemptions: exempt is satisfied; an exemption to verify,
    /// or an unknown one against a violation, needs review.
    pub fn outcome(self, before: Outcome) -> Outcome {
        if self.exempted {
            Outcome::Satisfied
        } else if self.review || (self.unknown && before == Outcome::Violated) {
            Outcome::NeedsReview
        } else {
            before
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn truth() -> impl Strategy<Value = Truth> {
        prop_oneof![Just(Truth::True), Just(Truth::False), Just(Truth::Unknown)]
    }

    /// Every way of filling in the unknowns.
    fn completions(t: Truth) -> Vec<bool> {
        match t {
            Truth::True => vec![true],
            Truth::False => vec![false],
            Truth::Unknown => vec![true, false],
        }
    }

    proptest! {
        /// Kleene logic is sound: a known result holds for every completion of the unknowns,
        /// and an unknown result really depends on them.
        #[test]
        fn and_or_agree_with_every_completion(a in truth(), b in truth()) {
            for (op, f) in [(Truth::and as fn(Truth, Truth) -> Truth, (|x, y| x && y) as fn(bool, bool) -> bool), (Truth::or, |x, y| x || y), (Truth::implies, |x, y| !x || y)] {
                let r = op(a, b);
                let outs: Vec<bool> = completions(a).into_iter().flat_map(|x| completions(b).into_iter().map(move |y| f(x, y))).collect();
                match r {
                    Truth::True => prop_assert!(outs.iter().all(|o| *o)),
                    Truth::False => prop_assert!(outs.iter().all(|o| !*o)),
                    Truth::Unknown => prop_assert!(outs.contains(&true) && outs.contains(&false)),
                }
            }
        }

        #[test]
        fn double_negation_is_identity(a in truth()) {
            prop_assert_eq!(a.negate().negate(), a);
        }

        #[test]
        fn de_morgan_holds(a in truth(), b in truth()) {
            prop_assert_eq!(a.and(b).negate(), a.negate().or(b.negate()));
        }

        #[test]
        fn the_verdict_is_never_better_than_any_outcome(v in proptest::collection::vec(prop_oneof![Just(Outcome::Violated), Just(Outcome::NeedsReview), Just(Outcome::Satisfied)], 0..8)) {
            let w = Outcome::worst(v.clone());
            prop_assert!(v.iter().all(|o| w <= *o));
            prop_assert_eq!(w == Outcome::Satisfied, v.iter().all(|o| *o == Outcome::Satisfied));
        }
    }
}
