//! Property tests of the three-valued evaluation on compiled rules: whatever the condition,
//! a definite outcome (violated or satisfied) must hold for every way of filling in the facts the
//! project left out. Unknown data can make a clause "needs review", never a confident answer.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use proptest::prelude::*;
use zonecheck::compile::RuleSet;
use zonecheck::eval::{Outcome, evaluate, parse_project};
use zonecheck::load::compile_sources;
use zonecheck::source::{SourceFile, Sources};

/// A condition over four facts and an emission, as DSL text. (`known(…)` is left out on
/// purpose: it asks whether data was given, so filling data in changes it by design.)
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("b1".to_string()),
        Just("b2".to_string()),
        Just("n1 > 5 t/a".to_string()),
        Just("n1 <= 5 t/a".to_string()),
        Just("e1 in [甲, 乙]".to_string()),
        Just("e1 == 丙".to_string()),
        Just("increase(VOCs) * 2 > offset(VOCs)".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

#[derive(Debug, Clone, Copy)]
enum Effect {
    Forbid,
    Require,
}

fn rule_set(when: &str, effect: Effect, require: &str) -> RuleSet {
    let units = std::fs::canonicalize("rules/nanjing/data/units.geojson").unwrap();
    let effect = match effect {
        Effect::Forbid => "forbid".to_string(),
        Effect::Require => format!("require {require}"),
    };
    let text = format!(
        "ruleset \"t\" {{ version \"1\" issuer \"t\" effective 2024-01-01 }}\n\
         layer u = units \"{}\"\n\
         fact b1 : bool\nfact b2 : bool\nfact n1 : number t/a\nfact e1 : enum [甲, 乙, 丙]\n\
         pollutants [VOCs]\n\
         level \"all\" applies to national {{\n  clause C-1 空间布局约束 \"t\"\n    when {when}\n    {effect}\n}}\n",
        units.display()
    );
    let mut sources = Sources::default();
    sources.add(SourceFile::new("t.zc", text));
    match compile_sources(sources, Path::new(".")) {
        Ok(l) => l.rule_set,
        Err(e) => panic!("{}", e.render()),
    }
}

/// Every value each fact may take, `None` meaning "not stated".
const B: [Option<&str>; 3] = [Some("true"), Some("false"), None];
const N: [Option<&str>; 3] = [Some("0"), Some("10"), None];
const E: [Option<&str>; 4] = [Some("\"甲\""), Some("\"丙\""), Some("\"乙\""), None];

fn project(
    rs: &RuleSet,
    facts: [Option<&str>; 4],
    voc: Option<(&str, &str)>,
) -> zonecheck::eval::Project {
    let names = ["b1", "b2", "n1", "e1"];
    let stated: Vec<String> = names
        .iter()
        .zip(facts)
        .filter_map(|(n, v)| v.map(|v| format!("\"{n}\": {v}")))
        .collect();
    let emissions = match voc {
        Some((inc, off)) => {
            format!(", \"emissions\": {{\"VOCs\": {{\"increase\": {inc}, \"offset\": {off}}}}}")
        }
        None => String::new(),
    };
    let json = format!(
        "{{\"name\": \"p\", \"nature\": \"新建\", \"industry\": [\"C3922\"], \
         \"location\": {{\"type\": \"Point\", \"coordinates\": [118.75, 31.75]}}, \
         \"facts\": {{{}}}{emissions}}}",
        stated.join(", ")
    );
    parse_project(&json, &rs.schema).unwrap()
}

fn outcome(rs: &RuleSet, p: &zonecheck::eval::Project) -> Outcome {
    let a = evaluate(rs, p);
    assert_eq!(a.clauses.len(), 1);
    a.clauses[0].outcome
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_definite_outcome_holds_for_every_completion_of_the_missing_facts(
        when in condition(),
        require in condition(),
        forbid in any::<bool>(),
        b1 in 0usize..3, b2 in 0usize..3, n1 in 0usize..3, e1 in 0usize..4, voc in 0usize..3,
    ) {
        let rs = rule_set(&when, if forbid { Effect::Forbid } else { Effect::Require }, &require);
        let vocs = [Some(("3", "7")), Some(("4", "2")), None];
        let given = project(&rs, [B[b1], B[b2], N[n1], E[e1]], vocs[voc]);
        let got = outcome(&rs, &given);
        // Every completion: each missing fact takes each of its values.
        let opts = |i: usize, all: &[Option<&'static str>]| -> Vec<Option<&'static str>> {
            match all[i] { None => all.iter().copied().filter(Option::is_some).collect(), v => vec![v] }
        };
        let voc_opts: Vec<Option<(&str, &str)>> = match vocs[voc] { None => vocs[..2].to_vec(), v => vec![v] };
        for x1 in opts(b1, &B) { for x2 in opts(b2, &B) { for x3 in opts(n1, &N) { for x4 in opts(e1, &E) { for v in &voc_opts {
            let complete = project(&rs, [x1, x2, x3, x4], *v);
            let o = outcome(&rs, &complete);
            prop_assert_ne!(o, Outcome::NeedsReview, "a fully stated project gets a definite answer");
            if got != Outcome::NeedsReview {
                prop_assert_eq!(o, got, "when `{}` / require `{}`: definite answer changed with a completion", when, require);
            }
        }}}}}
    }
}
