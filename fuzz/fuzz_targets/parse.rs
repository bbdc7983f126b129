//! Arbitrary bytes → the parser. `parse_file` must return `Ok` or a diagnostic, never panic,
//! hang or overflow the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match zonecheck::syntax::parse_file(0, text) {
            Ok(ast) => drop(ast),
            Err(d) => {
                // A diagnostic's span must lie inside the text, on char boundaries.
                if let Some(s) = d.span {
                    assert!(
                        s.start <= s.end && s.end <= text.len(),
                        "span {s:?} out of range"
                    );
                    assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                }
            }
        }
    }
});
