//! Text → parse + compile (`load::compile_sources`) → every diagnostic rendered with
//! `Sources::render`. Layer files do not exist (the rule file sits at a fake path under
//! `/nonexistent`), so layer declarations fail to load: that must be an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use zonecheck::load::{RulesError, compile_sources};
use zonecheck::source::{SourceFile, Sources};
use zonecheck::syntax::ast::Item;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Layer paths are joined onto the rule file's directory, so an absolute path
    // (`"/dev/zero"`) would make the compiler read a real file of this machine. Skip those
    // inputs: the fuzzer must not read /dev or /proc.
    if let Ok(ast) = zonecheck::syntax::parse_file(0, text) {
        let absolute = ast.items.iter().any(|i| match i {
            Item::Layer(l) => Path::new(&l.path.text).is_absolute(),
            _ => false,
        });
        if absolute {
            return;
        }
    }
    let mut sources = Sources::default();
    sources.add(SourceFile::new("/nonexistent/fuzz.zc", text));
    let rendered = match compile_sources(sources, Path::new("/nonexistent")) {
        Ok(loaded) => loaded
            .warnings
            .iter()
            .map(|d| loaded.sources.render(d))
            .collect::<Vec<_>>(),
        Err(e @ RulesError::Invalid { .. }) => {
            let RulesError::Invalid {
                sources,
                diagnostics,
            } = &e
            else {
                return;
            };
            let each: Vec<String> = diagnostics.iter().map(|d| sources.render(d)).collect();
            let _ = e.render();
            each
        }
        Err(e) => vec![e.render()],
    };
    for r in rendered {
        assert!(!r.is_empty());
    }
});
