//! Reading a shapefile's `.prj`: ESRI WKT 1 (and the OGC WKT 1 spelling).

use super::{Crs, CrsError, GaussKruger, ZoneWidth};

/// A `.prj` is a few hundred bytes; refuse anything far larger before parsing.
const MAX_LEN: usize = 64 * 1024;
const MAX_DEPTH: usize = 16;

#[derive(Debug)]
enum Arg {
    Text(String),
    Number(f64),
    /// A bare word such as `NORTH` in `AXIS["Lat",NORTH]`; not needed, kept for the parse.
    Word,
    Node(Node),
}

#[derive(Debug)]
struct Node {
    keyword: String,
    args: Vec<Arg>,
}

impl Node {
    fn name(&self) -> &str {
        match self.args.first() {
            Some(Arg::Text(s)) => s,
            _ => "",
        }
    }

    fn child(&self, keyword: &str) -> Option<&Node> {
        self.children().find(|n| n.keyword == keyword)
    }

    fn children(&self) -> impl Iterator<Item = &Node> {
        self.args.iter().filter_map(|a| match a {
            Arg::Node(n) => Some(n),
            _ => None,
        })
    }

    fn number(&self, index: usize) -> Option<f64> {
        self.args
            .iter()
            .filter_map(|a| match a {
                Arg::Number(x) => Some(*x),
                _ => None,
            })
            .nth(index)
    }

    fn authority_code(&self) -> Option<String> {
        match self.child("AUTHORITY")?.args.get(1)? {
            Arg::Text(s) => Some(s.clone()),
            Arg::Number(x) => Some(x.to_string()),
            _ => None,
        }
    }
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
}

fn syntax(reason: impl Into<String>) -> CrsError {
    CrsError::PrjSyntax {
        reason: reason.into(),
    }
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    }

    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some((_, c)) = self
            .chars
            .next_if(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+'))
        {
            w.push(c);
        }
        w
    }

    fn node(&mut self, depth: usize) -> Result<Node, CrsError> {
        if depth > MAX_DEPTH {
            return Err(syntax(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.skip_space();
        let keyword = self.word().to_ascii_uppercase();
        if keyword.is_empty()
            || !keyword
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(syntax("expected a keyword such as `GEOGCS` or `PROJCS`"));
        }
        self.skip_space();
        let close = match self.chars.next() {
            Some((_, '[')) => ']',
            Some((_, '(')) => ')',
            _ => return Err(syntax(format!("expected `[` after `{keyword}`"))),
        };
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match self.chars.peek().map(|&(_, c)| c) {
                Some('"') => {
                    self.chars.next();
                    let mut s = String::new();
                    loop {
                        match self.chars.next() {
                            Some((_, '"')) if self.chars.next_if(|(_, c)| *c == '"').is_some() => {
                                s.push('"');
                            }
                            Some((_, '"')) => break,
                            Some((_, c)) => s.push(c),
                            None => return Err(syntax("a quoted name is not closed")),
                        }
                    }
                    args.push(Arg::Text(s));
                }
                Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => {
                    let w = self.word();
                    let x = w
                        .parse()
                        .map_err(|_| syntax(format!("`{w}` is not a number")))?;
                    args.push(Arg::Number(x));
                }
                Some(c) if c.is_alphabetic() => {
                    let checkpoint = self.chars.clone();
                    self.word();
                    self.skip_space();
                    if matches!(self.chars.peek(), Some((_, '[' | '('))) {
                        self.chars = checkpoint;
                        args.push(Arg::Node(self.node(depth + 1)?));
                    } else {
                        args.push(Arg::Word);
                    }
                }
                Some(_) | None => return Err(syntax(format!("`{keyword}` is not closed"))),
            }
            self.skip_space();
            match self.chars.next() {
                Some((_, ',')) => continue,
                Some((_, c)) if c == close => break,
                _ => return Err(syntax(format!("expected `,` or `{close}` in `{keyword}`"))),
            }
        }
        Ok(Node { keyword, args })
    }
}

fn parse_wkt(wkt: &str) -> Result<Node, CrsError> {
    if wkt.len() > MAX_LEN {
        return Err(syntax(format!("the text is longer than {MAX_LEN} bytes")));
    }
    let mut p = Parser {
        chars: wkt.trim_start_matches('\u{feff}').char_indices().peekable(),
    };
    let node = p.node(0)?;
    p.skip_space();
    if p.chars.next().is_some() {
        return Err(syntax("there is text after the definition"));
    }
    Ok(node)
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

#[derive(Clone, Copy, PartialEq)]
enum Datum {
    Cgcs2000,
    Wgs84,
}

fn datum(geogcs: &Node) -> Result<Datum, CrsError> {
    let datum = geogcs
        .child("DATUM")
        .ok_or_else(|| syntax("`GEOGCS` has no `DATUM`"))?;
    let name = squash(datum.name());
    let code = datum.authority_code();
    let found = if name.contains("china2000")
        || name.contains("cgcs2000")
        || name.contains("chinageodeticcoordinatesystem2000")
        || code.as_deref() == Some("1043")
    {
        Datum::Cgcs2000
    } else if name.contains("wgs1984") || name.contains("wgs84") || code.as_deref() == Some("6326")
    {
        Datum::Wgs84
    } else {
        let known = if name.contains("xian") {
            "Xian 1980 (西安80)"
        } else if name.contains("newbeijing") {
            "New Beijing (新北京54)"
        } else if name.contains("beijing") {
            "Beijing 1954 (北京54)"
        } else {
            datum.name()
        };
        return Err(CrsError::UnsupportedDatum {
            found: format!("DATUM[\"{}\"]", datum.name()),
            datum: known.to_string(),
        });
    };
    // Both CGCS2000 and WGS 84 have a = 6 378 137 m and 1/f ≈ 298.2572; anything else
    // under their name is a mislabelled file.
    if let Some(spheroid) = datum.child("SPHEROID") {
        let (a, rf) = (spheroid.number(0), spheroid.number(1));
        let ok = a.is_some_and(|a| (a - 6_378_137.0).abs() < 1e-3)
            && rf.is_some_and(|rf| (rf - 298.2572).abs() < 1e-3);
        if !ok {
            return Err(CrsError::PrjParameter {
                name: "SPHEROID".to_string(),
                value: format!("{}, {}", a.unwrap_or(f64::NAN), rf.unwrap_or(f64::NAN)),
                expected: "6378137, 298.257222101 (CGCS2000) or 298.257223563 (WGS 84)".to_string(),
            });
        }
    }
    if let Some(unit) = geogcs.child("UNIT")
        && let Some(factor) = unit.number(0)
        && (factor.is_nan() || (factor - 1f64.to_radians()).abs() > 1e-12)
    {
        return Err(CrsError::PrjParameter {
            name: format!("UNIT[\"{}\"]", unit.name()),
            value: factor.to_string(),
            expected: "degrees (0.0174532925199433)".to_string(),
        });
    }
    Ok(found)
}

pub(super) fn from_prj(wkt: &str) -> Result<Crs, CrsError> {
    let root = parse_wkt(wkt)?;
    match root.keyword.as_str() {
        "GEOGCS" => Ok(match datum(&root)? {
            Datum::Cgcs2000 => Crs::Cgcs2000,
            Datum::Wgs84 => Crs::Wgs84,
        }),
        "PROJCS" => projected(&root),
        other => Err(syntax(format!(
            "expected `GEOGCS` or `PROJCS` (WKT 1), found `{other}`"
        ))),
    }
}

/// A parameter's value, `None` when absent.
///
/// # Errors
/// [`CrsError::PrjParameter`] when it is present without a finite number (`NaN`, a word).
fn parameter(projcs: &Node, names: &[&str]) -> Result<Option<f64>, CrsError> {
    let Some(node) = projcs
        .children()
        .filter(|n| n.keyword == "PARAMETER")
        .find(|n| names.contains(&squash(n.name()).as_str()))
    else {
        return Ok(None);
    };
    match node.number(0) {
        Some(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(CrsError::PrjParameter {
            name: node.name().to_string(),
            value: "not a finite number".to_string(),
            expected: "a number".to_string(),
        }),
    }
}

fn projected(projcs: &Node) -> Result<Crs, CrsError> {
    let geogcs = projcs
        .child("GEOGCS")
        .ok_or_else(|| syntax("`PROJCS` has no `GEOGCS`"))?;
    // A Gauss-Krüger zone on WGS 84 is taken as on CGCS2000, as WGS 84 degrees are.
    datum(geogcs)?;
    let projection = projcs
        .child("PROJECTION")
        .ok_or_else(|| syntax("`PROJCS` has no `PROJECTION`"))?;
    if !matches!(
        squash(projection.name()).as_str(),
        "gausskruger" | "transversemercator"
    ) {
        return Err(CrsError::UnsupportedProjection {
            found: projection.name().to_string(),
        });
    }
    let bad = |name: &str, value: Option<f64>, expected: &str| CrsError::PrjParameter {
        name: name.to_string(),
        value: value.map_or("missing".to_string(), |v| v.to_string()),
        expected: expected.to_string(),
    };
    let cm = parameter(
        projcs,
        &["centralmeridian", "longitudeoforigin", "longitudeofcenter"],
    )?;
    let Some(cm) = cm else {
        return Err(bad("Central_Meridian", None, "a zone's central meridian"));
    };
    let scale = parameter(projcs, &["scalefactor", "scalefactoratnaturalorigin"])?;
    // `parameter` has refused non-finite values already.
    if scale.is_some_and(|k| (k - 1.0).abs() > 1e-12) {
        return Err(bad("Scale_Factor", scale, "1"));
    }
    let lat0 = parameter(projcs, &["latitudeoforigin", "latitudeofnaturalorigin"])?;
    if lat0.is_some_and(|l| l != 0.0) {
        return Err(bad("Latitude_Of_Origin", lat0, "0"));
    }
    let fnorth = parameter(projcs, &["falsenorthing"])?;
    if fnorth.is_some_and(|n| n != 0.0) {
        return Err(bad("False_Northing", fnorth, "0"));
    }
    if let Some(unit) = projcs.child("UNIT")
        && unit.number(0).is_some_and(|f| f != 1.0)
    {
        return Err(bad(
            &format!("UNIT[\"{}\"]", unit.name()),
            unit.number(0),
            "metres (1)",
        ));
    }
    let name = squash(projcs.name());
    let stated = if name.contains("3degree") {
        Some(ZoneWidth::Three)
    } else if name.contains("6degree") {
        Some(ZoneWidth::Six)
    } else {
        None
    };
    let feast = parameter(projcs, &["falseeasting"])?.unwrap_or(0.0);
    let prefix = ((feast - 500_000.0) / 1e6).round();
    if feast == 500_000.0 {
        let width = stated.unwrap_or(if ZoneWidth::Six.zone_of_meridian(cm).is_some() {
            ZoneWidth::Six
        } else {
            ZoneWidth::Three
        });
        return Crs::gauss_kruger_cm(width, cm);
    }
    let zone = (feast == prefix * 1e6 + 500_000.0 && (0.0..=255.0).contains(&prefix))
        .then_some(prefix as u8);
    let width = zone.and_then(ZoneWidth::of_zone);
    match (zone, width) {
        (Some(zone), Some(width)) if width.central_meridian(zone) == cm => {
            Ok(Crs::GaussKruger(GaussKruger {
                width,
                zone,
                central_meridian: cm,
                zone_prefixed: true,
            }))
        }
        _ => {
            let expected = match [ZoneWidth::Three, ZoneWidth::Six]
                .into_iter()
                .find_map(|w| w.zone_of_meridian(cm))
            {
                Some(z) => format!(
                    "500000, or {} with the zone prefix",
                    f64::from(z) * 1e6 + 5e5
                ),
                None => "500000, or the zone number × 1000000 + 500000".to_string(),
            };
            Err(bad("False_Easting", Some(feast), &expected))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_and_size_are_capped() {
        let deep = "A[".repeat(100) + &"]".repeat(100);
        assert!(matches!(from_prj(&deep), Err(CrsError::PrjSyntax { .. })));
        let long = format!("GEOGCS[\"{}\"]", "x".repeat(MAX_LEN));
        assert!(matches!(from_prj(&long), Err(CrsError::PrjSyntax { .. })));
    }

    #[test]
    fn quotes_are_doubled_inside_names() {
        let n = parse_wkt(r#"DATUM["a""b", 1]"#).unwrap();
        assert_eq!(n.name(), "a\"b");
    }
}
