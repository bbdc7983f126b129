//! Reviewed golden files: compare an output with its golden, or (with `ZONECHECK_BLESS=1`)
//! write it as the new golden, to be reviewed before committing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

/// `None` when `actual` equals the golden file (or was blessed into it); else what differs,
/// from the first differing line.
pub fn compare(golden: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("ZONECHECK_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, actual).expect("write golden");
        return None;
    }
    let expected = std::fs::read_to_string(golden).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let first = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{} differs at line {}:\n  expected: {}\n  actual:   {}\nrerun with ZONECHECK_BLESS=1 to accept after review",
        golden.display(),
        first + 1,
        expected.lines().nth(first).unwrap_or(""),
        actual.lines().nth(first).unwrap_or("")
    ))
}
