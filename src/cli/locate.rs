//! `zonecheck locate --rules <DIR|SNAPSHOT> --points <TSV>`: the units each point lies in.
//!
//! Input lines are `i<TAB>lon<TAB>lat` (further columns ignored; `#` lines and blank lines
//! skipped). Output lines are `i<TAB>codes`, codes comma-separated and sorted, empty when the
//! point is outside every unit, in input order. A bad line is reported on stderr with its line
//! number and skipped; the run goes on and exits 2 at the end.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use zonecheck::compile::RuleSet;

use super::EXIT_UNUSABLE;

/// One parsed input line.
#[derive(Debug)]
pub struct PointLine<'a> {
    pub id: &'a str,
    pub lon: f64,
    pub lat: f64,
}

/// Parses a points line; `Ok(None)` for comments and blank lines.
///
/// # Errors
/// A message saying what is wrong with the line.
pub fn parse_point_line(line: &str) -> Result<Option<PointLine<'_>>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut cols = line.split('\t');
    let id = cols.next().unwrap_or("").trim();
    let (Some(lon), Some(lat)) = (cols.next(), cols.next()) else {
        return Err("expected `id<TAB>lon<TAB>lat`".to_string());
    };
    if id.is_empty() {
        return Err("the point id is empty".to_string());
    }
    let num = |s: &str, what: &str| -> Result<f64, String> {
        let v: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("{what} `{}` is not a number", s.trim()))?;
        if !v.is_finite() {
            return Err(format!("{what} `{}` is not a finite number", s.trim()));
        }
        Ok(v)
    };
    let lon = num(lon, "longitude")?;
    let lat = num(lat, "latitude")?;
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("longitude {lon} is out of range (-180..180)"));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("latitude {lat} is out of range (-90..90)"));
    }
    Ok(Some(PointLine { id, lon, lat }))
}

pub fn run(rules: &RuleSet, points: &Path) -> i32 {
    let file = match std::fs::File::open(points) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", points.display());
            return EXIT_UNUSABLE;
        }
    };
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut bad = 0usize;
    let mut ids = Vec::new();
    let mut line_buf = String::new();
    for (n, line) in reader.split(b'\n').enumerate() {
        let line_no = n + 1;
        let bytes = match line {
            Ok(b) => b,
            Err(e) => {
                eprintln!(
                    "error: reading `{}` at line {line_no}: {e}",
                    points.display()
                );
                return EXIT_UNUSABLE;
            }
        };
        line_buf.clear();
        match std::str::from_utf8(&bytes) {
            Ok(s) => line_buf.push_str(s),
            Err(_) => {
                eprintln!(
                    "{}:{line_no}: the line is not valid UTF-8",
                    points.display()
                );
                bad += 1;
                continue;
            }
        }
        match parse_point_line(&line_buf) {
            Ok(None) => {}
            Ok(Some(p)) => {
                ids.clear();
                rules.locate_point(p.lon, p.lat, &mut ids);
                let codes: Vec<&str> = ids
                    .iter()
                    .filter_map(|u| rules.units.get(*u as usize).map(|u| u.code.as_str()))
                    .collect();
                let mut codes = codes;
                codes.sort_unstable();
                if writeln!(out, "{}\t{}", p.id, codes.join(",")).is_err() {
                    return EXIT_UNUSABLE;
                }
            }
            Err(msg) => {
                eprintln!("{}:{line_no}: {msg}", points.display());
                bad += 1;
            }
        }
    }
    if out.flush().is_err() {
        return EXIT_UNUSABLE;
    }
    if bad > 0 {
        eprintln!(
            "error: {bad} line(s) of `{}` could not be used",
            points.display()
        );
        return EXIT_UNUSABLE;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_lines_are_parsed_or_explained() {
        assert!(matches!(parse_point_line("# header"), Ok(None)));
        assert!(matches!(parse_point_line(""), Ok(None)));
        let p = parse_point_line("7\t118.5\t32.1\textra")
            .ok()
            .flatten()
            .map(|p| (p.id.to_string(), p.lon, p.lat));
        assert_eq!(p, Some(("7".to_string(), 118.5, 32.1)));
        assert!(
            parse_point_line("1\tNaN\t32")
                .unwrap_err()
                .contains("finite")
        );
        assert!(
            parse_point_line("1\tabc\t32")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            parse_point_line("1\t200\t32")
                .unwrap_err()
                .contains("out of range")
        );
        assert!(parse_point_line("1\t118").unwrap_err().contains("expected"));
    }
}
