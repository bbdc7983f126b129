//! WKT and EWKT: one geometry (POINT, LINESTRING, POLYGON, MULTI*, or a GEOMETRYCOLLECTION of
//! one kind), or one geometry per line. `SRID=4527;` in front names the CRS `EPSG:4527`.

use std::str::FromStr;

use geo::{CoordsIter, Geometry};

use super::{CrsDeclaration, MAX_NESTING, Site, SiteError, SiteFormat, check_coordinates, merge};

const F: SiteFormat = SiteFormat::Wkt;

pub(super) fn read(text: &str, file: &str) -> Result<Site, SiteError> {
    let statements = split_statements(text);
    let mut srid: Option<(String, usize)> = None;
    let mut parts = Vec::with_capacity(statements.len());
    for (line, statement) in &statements {
        let place = format!("line {line}");
        let mut body = statement.trim().trim_end_matches(';').trim();
        if let Some(rest) = strip_prefix_ignore_case(body, "SRID=") {
            let Some((code, geometry)) = rest.split_once(';') else {
                return Err(SiteError::syntax(
                    file,
                    F,
                    place,
                    "`SRID=` without the `;` that ends it",
                ));
            };
            let code = code.trim();
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
                return Err(SiteError::syntax(
                    file,
                    F,
                    place,
                    format!("the SRID `{code}` is not a number"),
                ));
            }
            match &srid {
                Some((first, first_line)) if first != code => {
                    return Err(SiteError::structure(
                        file,
                        F,
                        place,
                        format!("SRID `{code}` differs from SRID `{first}` on line {first_line}"),
                        Some("all geometries of a site are in one coordinate system"),
                    ));
                }
                Some(_) => {}
                None => srid = Some((code.to_string(), *line)),
            }
            body = geometry.trim();
        }
        check_depth(body, file, &place)?;
        let wkt = wkt::Wkt::<f64>::from_str(body).map_err(|why| SiteError::Syntax {
            file: file.to_string(),
            format: F,
            place: place.clone(),
            why: format!("not valid WKT: {}", why.to_lowercase()),
            help: Some(
                "e.g. `POLYGON((118.79 32.05, 118.80 32.05, 118.80 32.06, 118.79 32.05))`".into(),
            ),
        })?;
        let geometry = Geometry::<f64>::try_from(wkt).map_err(|e| {
            SiteError::structure(
                file,
                F,
                place.clone(),
                format!("cannot use this WKT: {}", e.to_string().to_lowercase()),
                None,
            )
        })?;
        if geometry.coords_count() == 0 {
            return Err(SiteError::NoGeometry {
                file: file.to_string(),
                why: format!("the geometry on {place} is EMPTY"),
            });
        }
        parts.push((geometry, place));
    }
    let mut notes = Vec::new();
    let geometry = merge(file, parts, "WKT geometries", &mut notes)?;
    check_coordinates(&geometry, file)?;
    let mut site = Site::new(F, geometry);
    // WKT fixes no axis order: tell it from the numbers when they are conclusive.
    site.axis = site
        .geometry
        .coords_iter()
        .next()
        .map_or(super::AxisHint::Unknown, |c| {
            super::table::axis_from_numbers(c.x, c.y)
        });
    site.notes = notes;
    if let Some((code, _)) = srid {
        site.crs = CrsDeclaration::Named(format!("EPSG:{code}"));
    }
    Ok(site)
}

/// Splits the text into geometries: a line starting with a letter (a WKT keyword or `SRID=`)
/// starts one; other non-blank lines continue the current one. Returns (first line, text).
fn split_statements(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("--") {
            continue;
        }
        let starts_new = t.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        match out.last_mut() {
            Some((_, s)) if !starts_new => {
                s.push(' ');
                s.push_str(t);
            }
            _ => out.push((i + 1, t.to_string())),
        }
    }
    out
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Refuses deeper nesting than any site needs, before the recursive parser sees it.
fn check_depth(body: &str, file: &str, place: &str) -> Result<(), SiteError> {
    let mut depth = 0usize;
    for c in body.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SiteError::TooDeep {
                        file: file.to_string(),
                        place: place.to_string(),
                        limit: MAX_NESTING,
                    });
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_wkt_ewkt_srid() {
        let s = read("SRID=4527;POLYGON((0 0,1 0,1 1,0 0))", "t.wkt").unwrap();
        assert_eq!(s.crs, CrsDeclaration::Named("EPSG:4527".into()));
        assert!(matches!(s.geometry, Geometry::Polygon(_)));
    }

    #[test]
    fn site_wkt_lines_merge() {
        let s = read("POINT(1 2)\nPOINT(3 4)\n", "t.wkt").unwrap();
        assert!(matches!(s.geometry, Geometry::MultiPoint(ref m) if m.0.len() == 2));
        let e = read("POINT(1 2)\nLINESTRING(0 0,1 1)", "t.wkt").unwrap_err();
        assert_eq!(e.code(), "E-SITE-MIXED-KINDS");
        let e = read(
            &format!(
                "{}POINT(1 2){}",
                "GEOMETRYCOLLECTION(".repeat(100),
                ")".repeat(100)
            ),
            "t",
        )
        .unwrap_err();
        assert_eq!(e.code(), "E-SITE-TOO-DEEP");
        let e = read("POINT(nan 2)", "t").unwrap_err();
        assert!(
            matches!(e.code(), "E-SITE-NUMBER" | "E-SITE-WKT-SYNTAX"),
            "{e}"
        );
    }
}
