//! `zonecheck locate --rules <DIR|SNAPSHOT> --points <TSV> [--project P.json]`: the units each
//! point lies in, and with a project its verdict at each point.
//!
//! Input lines are `i<TAB>lon<TAB>lat` (further columns ignored; `#` lines and blank lines
//! skipped). Output lines are `i<TAB>codes`, codes comma-separated and sorted, empty when the
//! point is outside every unit, in input order; with `--project`, `i<TAB>codes<TAB>verdict`
//! (`violated`, `needs_review`, `satisfied`: exactly what `check` would give the project placed
//! at the point), screened on every core ([`Screener`]). A bad line is reported on stderr with
//! its line number and skipped; the run goes on and exits 2 at the end.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use geo::Coord;
use zonecheck::compile::RuleSet;
use zonecheck::eval::screen::Screener;
use zonecheck::eval::{Outcome, Project};

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

/// Reads and checks the project of `--project`; on failure prints why and returns the exit code.
pub fn read_project(rules: &RuleSet, path: &Path) -> Result<Project, i32> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        EXIT_UNUSABLE
    })?;
    zonecheck::eval::parse_project(&text, &rules.schema).map_err(|e| {
        eprintln!(
            "error[E-PROJECT]: project `{}` cannot be checked:",
            path.display()
        );
        for f in &e.errors {
            eprintln!("  - {f}");
        }
        EXIT_UNUSABLE
    })
}

/// Points read, located (and screened) and written together.
const CHUNK: usize = 65_536;

/// Runs `locate`; with `project`, each output line also gets the project's verdict at the point.
pub fn run(rules: &RuleSet, points: &Path, project: Option<&Project>) -> i32 {
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
    let mut line_buf = String::new();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut screeners: Vec<Screener> = project
        .map(|p| (0..threads).map(|_| Screener::new(rules, p)).collect())
        .unwrap_or_default();
    let mut chunk = Chunk::default();
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
                chunk.ids.push(p.id.to_string());
                chunk.points.push(Coord { x: p.lon, y: p.lat });
                if chunk.points.len() == CHUNK
                    && chunk.write(rules, &mut screeners, &mut out).is_err()
                {
                    return EXIT_UNUSABLE;
                }
            }
            Err(msg) => {
                eprintln!("{}:{line_no}: {msg}", points.display());
                bad += 1;
            }
        }
    }
    if chunk.write(rules, &mut screeners, &mut out).is_err() || out.flush().is_err() {
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

/// Points waiting to be written, in input order.
#[derive(Default)]
struct Chunk {
    ids: Vec<String>,
    points: Vec<Coord<f64>>,
    units: Vec<u32>,
    ends: Vec<usize>,
}

impl Chunk {
    /// Locates the points (and screens them when there are screeners, one thread each), writes
    /// their lines and empties the chunk.
    fn write(
        &mut self,
        rules: &RuleSet,
        screeners: &mut [Screener],
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        rules
            .unit_index
            .locate_points(&self.points, &mut self.units, &mut self.ends);
        let verdicts = screen_parallel(screeners, &self.points, &self.units, &self.ends);
        let mut from = 0;
        for (i, (id, end)) in self.ids.iter().zip(&self.ends).enumerate() {
            let mut codes: Vec<&str> = self
                .units
                .get(from..*end)
                .unwrap_or_default()
                .iter()
                .filter_map(|u| rules.units.get(*u as usize).map(|u| u.code.as_str()))
                .collect();
            codes.sort_unstable();
            from = *end;
            match verdicts.get(i) {
                Some(v) => writeln!(out, "{id}\t{}\t{}", codes.join(","), verdict_key(*v))?,
                None => writeln!(out, "{id}\t{}", codes.join(","))?,
            }
        }
        self.ids.clear();
        self.points.clear();
        Ok(())
    }
}

/// The verdicts at `points`, located as `units` and `ends` say (`UnitIndex::locate_points`), the
/// points split evenly between the screeners, each on its own thread (no verdicts without
/// screeners).
fn screen_parallel(
    screeners: &mut [Screener],
    points: &[Coord<f64>],
    units: &[u32],
    ends: &[usize],
) -> Vec<Outcome> {
    if screeners.is_empty() || points.is_empty() {
        return Vec::new();
    }
    let per = points.len().div_ceil(screeners.len());
    let mut parts: Vec<Vec<Outcome>> = vec![Vec::new(); screeners.len()];
    std::thread::scope(|s| {
        let mut first: usize = 0;
        for ((screener, pts), verdicts) in screeners
            .iter_mut()
            .zip(points.chunks(per))
            .zip(parts.iter_mut())
        {
            // This part's points' units, with their ends counted from the part's first unit.
            let start = first.checked_sub(1).and_then(|i| ends.get(i)).copied();
            let start = start.unwrap_or(0);
            let part_ends: Vec<usize> = ends
                .get(first..first + pts.len())
                .unwrap_or_default()
                .iter()
                .map(|e| e.saturating_sub(start))
                .collect();
            let part_units = units.get(start..).unwrap_or_default();
            first += pts.len();
            s.spawn(move || screener.screen_located(pts, part_units, &part_ends, verdicts));
        }
    });
    parts.concat()
}

/// The verdict as the JSON report writes it.
fn verdict_key(v: Outcome) -> &'static str {
    match v {
        Outcome::Violated => "violated",
        Outcome::NeedsReview => "needs_review",
        Outcome::Satisfied => "satisfied",
    }
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
