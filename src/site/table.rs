//! Coordinate tables (界址点成果表): one point per line, `point_id, X, Y`.
//!
//! Rules (also in `docs/site-files.md`):
//! - cells are separated by a comma (also the full-width `，`), a semicolon or a tab; a line
//!   without any of them is split on spaces. Cells after the third are ignored.
//! - lines starting with `#` or `//` are comments; a comment such as `# 坐标系: 2000国家大地坐标系`
//!   or one holding `EPSG:4528` declares the CRS.
//! - the first line may be a header: it is one when its second and third cells are not numbers.
//! - points form blocks. A blank line ends a block; so does a point that repeats the block's first
//!   point (same coordinates), which closes it. A closed block is a ring, an open block of two or
//!   more points a line, a block of one point a point. A site is all rings, all lines or all
//!   points; mixing is an error.
//! - rings become polygons in order: a ring inside an earlier polygon's outer ring (and not in one
//!   of its holes) is a hole of it; any other ring starts a new polygon.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point};

use super::{
    AxisHint, CrsDeclaration, MAX_READ_VERTICES, Site, SiteError, SiteFormat, parse_number,
    rings_to_polygons,
};

const F: SiteFormat = SiteFormat::CoordinateTable;

struct Block {
    first_line: usize,
    last_line: usize,
    first_id: String,
    coords: Vec<Coord<f64>>,
    closed: bool,
}

impl Block {
    fn place(&self) -> String {
        if self.first_line == self.last_line {
            format!("line {}", self.first_line)
        } else {
            format!("lines {}–{}", self.first_line, self.last_line)
        }
    }
}

pub(super) fn read(text: &str, file: &str) -> Result<Site, SiteError> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    let mut header: Option<Vec<String>> = None;
    let mut crs = CrsDeclaration::None;
    let mut seen_data = false;
    let mut vertices = 0usize;
    let mut notes = Vec::new();
    let mut extra_columns_noted = false;

    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            continue;
        }
        if let Some(comment) = line.strip_prefix('#').or_else(|| line.strip_prefix("//")) {
            if let (CrsDeclaration::None, Some(named)) = (&crs, crs_in_comment(comment)) {
                crs = CrsDeclaration::Named(named);
            }
            continue;
        }
        let cells = split_cells(line);
        // A header (or title) line: before any point, its coordinate cells are not numbers
        // (`NaN` parses as a number and is then refused as one).
        if !seen_data
            && header.is_none()
            && cells
                .iter()
                .skip(1)
                .take(2)
                .all(|c| c.trim().parse::<f64>().is_err())
        {
            header = Some(cells.iter().map(|c| c.to_string()).collect());
            continue;
        }
        seen_data = true;
        if cells.len() < 3 {
            return Err(SiteError::structure(
                file,
                F,
                format!("line {line_no}"),
                format!(
                    "found {} cell(s) `{}`, need 3: point id, X, Y",
                    cells.len(),
                    line
                ),
                Some("write one point per line as `J1,3548123.45,40512345.67`"),
            ));
        }
        if cells.len() > 3 && !extra_columns_noted {
            notes.push(format!(
                "line {line_no} and others have more than 3 cells: cells after the third are ignored"
            ));
            extra_columns_noted = true;
        }
        let id = cells
            .first()
            .map(|c| c.trim())
            .unwrap_or_default()
            .to_string();
        let number = |k: usize, field: &str| -> Result<f64, SiteError> {
            let cell = cells.get(k).map(|c| c.trim()).unwrap_or_default();
            parse_number(cell).ok_or_else(|| SiteError::BadNumber {
                file: file.to_string(),
                place: format!("line {line_no} column {}", k + 1),
                field: field.to_string(),
                value: cell.to_string(),
            })
        };
        let c = Coord {
            x: number(1, "first coordinate")?,
            y: number(2, "second coordinate")?,
        };
        vertices += 1;
        if vertices > MAX_READ_VERTICES {
            return Err(SiteError::TooManyVertices {
                file: file.to_string(),
                limit: MAX_READ_VERTICES,
            });
        }
        match current.as_mut() {
            None => {
                current = Some(Block {
                    first_line: line_no,
                    last_line: line_no,
                    first_id: id,
                    coords: vec![c],
                    closed: false,
                });
            }
            Some(b) => {
                let first = b.coords.first().copied();
                b.coords.push(c);
                b.last_line = line_no;
                if first == Some(c) {
                    b.closed = true;
                    if let Some(b) = current.take() {
                        blocks.push(b);
                    }
                } else if !id.is_empty() && id == b.first_id {
                    return Err(SiteError::structure(
                        file,
                        F,
                        format!("line {line_no}"),
                        format!(
                            "point `{id}` repeats the id of the block's first point (line {}) with other coordinates",
                            b.first_line
                        ),
                        Some("a ring closes by repeating its first point exactly"),
                    ));
                }
            }
        }
    }
    if let Some(b) = current.take() {
        blocks.push(b);
    }
    if blocks.is_empty() {
        return Err(SiteError::NoGeometry {
            file: file.to_string(),
            why: "the table has no point lines".into(),
        });
    }

    let axis = axis_hint(header.as_deref(), &blocks, &mut notes);
    let geometry = build(file, blocks, &mut notes)?;
    let mut site = Site::new(F, geometry);
    site.crs = crs;
    site.axis = axis;
    site.notes = notes;
    Ok(site)
}

fn build(
    file: &str,
    blocks: Vec<Block>,
    notes: &mut Vec<String>,
) -> Result<Geometry<f64>, SiteError> {
    let kind = |b: &Block| {
        if b.closed {
            "rings"
        } else if b.coords.len() == 1 {
            "points"
        } else {
            "lines"
        }
    };
    if let Some(first) = blocks.first()
        && let Some(other) = blocks.iter().find(|b| kind(b) != kind(first))
    {
        return Err(SiteError::MixedKinds {
            file: file.to_string(),
            first_kind: kind(first),
            first_place: first.place(),
            other_kind: kind(other),
            other_place: other.place(),
        });
    }
    let count = blocks.len();
    if count > super::MAX_RINGS {
        return Err(SiteError::too_many_rings(file, F, "(file)".into(), count));
    }
    match blocks.first().map(kind) {
        Some("rings") => {
            let mut rings = Vec::with_capacity(count);
            for b in &blocks {
                if b.coords.len() < 4 {
                    return Err(SiteError::structure(
                        file,
                        F,
                        b.place(),
                        format!(
                            "a closed block of {} points (the first repeated); a polygon ring needs at least 3 distinct points",
                            b.coords.len()
                        ),
                        None,
                    ));
                }
            }
            let places: Vec<String> = blocks.iter().map(Block::place).collect();
            for b in blocks {
                rings.push(LineString::new(b.coords));
            }
            let (mut polygons, holes) = rings_to_polygons(rings);
            for (place, hole) in places.iter().zip(&holes) {
                if *hole {
                    notes.push(format!(
                        "the ring at {place} lies inside an earlier ring: taken as a hole"
                    ));
                }
            }
            if polygons.len() == 1
                && let Some(p) = polygons.pop()
            {
                return Ok(p.into());
            }
            notes.push(format!(
                "{} rings read as {} polygons",
                count,
                polygons.len()
            ));
            Ok(MultiPolygon(polygons).into())
        }
        Some("lines") => {
            for b in &blocks {
                notes.push(format!(
                    "the block at {} is open (its last point does not repeat the first): read as a line; repeat the first point to make it a polygon",
                    b.place()
                ));
            }
            let mut lines: Vec<LineString<f64>> = blocks
                .into_iter()
                .map(|b| LineString::new(b.coords))
                .collect();
            if lines.len() == 1
                && let Some(l) = lines.pop()
            {
                return Ok(l.into());
            }
            Ok(MultiLineString(lines).into())
        }
        _ => {
            let mut points: Vec<Point<f64>> = blocks
                .into_iter()
                .filter_map(|b| b.coords.first().copied().map(Point))
                .collect();
            if points.len() == 1
                && let Some(p) = points.pop()
            {
                return Ok(p.into());
            }
            Ok(MultiPoint(points).into())
        }
    }
}

/// Cells of a line: split on `,` `，` `;` or tab when the line has one, else on spaces.
fn split_cells(line: &str) -> Vec<&str> {
    let separators = [',', '，', ';', '；', '\t'];
    if line.contains(separators) {
        line.split(separators).map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

fn crs_in_comment(comment: &str) -> Option<String> {
    let c = comment.trim();
    if let Some(pos) = c.to_ascii_uppercase().find("EPSG:") {
        let code: String = c
            .get(pos + 5..)
            .unwrap_or_default()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !code.is_empty() {
            return Some(format!("EPSG:{code}"));
        }
    }
    let rest = c.strip_prefix("坐标系")?;
    let value = rest.trim_start_matches([':', '：', '=', ' ']).trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// The axis order: from the numbers when they are conclusive (zone-prefixed eastings have 8
/// digits, northings in China 6-7; longitudes 73-136, latitudes 3-54), else from the header
/// (in a Chinese survey table `X` is the northing), else unknown.
fn axis_hint(header: Option<&[String]>, blocks: &[Block], notes: &mut Vec<String>) -> AxisHint {
    let from_numbers = blocks
        .first()
        .and_then(|b| b.coords.first())
        .map_or(AxisHint::Unknown, |c| axis_from_numbers(c.x, c.y));
    let from_header = header.map_or(AxisHint::Unknown, |h| {
        let cell = |k: usize| h.get(k).map(|c| c.to_lowercase()).unwrap_or_default();
        let (a, b) = (cell(1), cell(2));
        let north = |s: &str| {
            s.starts_with('x')
                || s.contains('纵')
                || s.contains('北')
                || s.contains("纬")
                || s.starts_with("lat")
                || s.starts_with('n')
        };
        let east = |s: &str| {
            s.starts_with('y')
                || s.contains('横')
                || s.contains('东')
                || s.contains("经")
                || s.starts_with("lon")
                || s.starts_with('e')
        };
        if north(&a) && east(&b) {
            AxisHint::NorthingFirst
        } else if east(&a) && north(&b) && !a.starts_with('y') {
            AxisHint::EastingFirst
        } else {
            AxisHint::Unknown
        }
    });
    match (from_numbers, from_header) {
        (AxisHint::Unknown, h) => {
            if h != AxisHint::Unknown {
                notes.push("axis order taken from the header".into());
            }
            h
        }
        (n, h) => {
            if h != AxisHint::Unknown && h != n {
                notes.push("the header's axis names disagree with the numbers: axis order taken from the numbers".into());
            }
            n
        }
    }
}

pub(super) fn axis_from_numbers(a: f64, b: f64) -> AxisHint {
    let lon = |v: f64| (73.0..=136.0).contains(&v);
    let lat = |v: f64| (3.0..=54.0).contains(&v);
    let prefixed_easting = |v: f64| (13.0e6..46.0e6).contains(&v);
    let northing = |v: f64| (3.0e5..6.2e6).contains(&v);
    if lon(a) && lat(b) {
        AxisHint::EastingFirst
    } else if (lat(a) && lon(b)) || (northing(a) && prefixed_easting(b)) {
        AxisHint::NorthingFirst
    } else if prefixed_easting(a) && northing(b) {
        AxisHint::EastingFirst
    } else if a >= 1.0e6 && northing(a) && (1.0e5..1.0e6).contains(&b) {
        AxisHint::NorthingFirst
    } else if b >= 1.0e6 && northing(b) && (1.0e5..1.0e6).contains(&a) {
        AxisHint::EastingFirst
    } else {
        AxisHint::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_table_blocks() {
        let t = "点号,X,Y\nJ1,0,0\nJ2,0,10\nJ3,10,10\nJ4,10,0\nJ1,0,0\nK1,2,2\nK2,2,4\nK3,4,4\nK1,2,2\n";
        let s = read(t, "t.csv").unwrap();
        match &s.geometry {
            Geometry::Polygon(p) => assert_eq!(p.interiors().len(), 1),
            g => panic!("{g:?}"),
        }
        assert_eq!(s.axis, AxisHint::NorthingFirst);
    }

    #[test]
    fn site_table_errors() {
        let e = read("J1,0,0\nJ2,abc,1\n", "t.csv").unwrap_err();
        assert_eq!(e.code(), "E-SITE-NUMBER");
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = read("J1,0,0\nJ2,1,1\nJ1,0,0\n", "t.csv").unwrap_err();
        assert_eq!(e.code(), "E-SITE-TABLE-STRUCTURE");
        let e = read("J1 0 0\nJ2 1\n", "t.csv").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = read("1\t0\t0\n2\tNaN\t1\n", "t.tsv").unwrap_err();
        assert_eq!(e.code(), "E-SITE-NUMBER");
    }

    #[test]
    fn site_table_lines_and_points() {
        let s = read("1 0 0\n2 1 1\n\n3 5 5\n4 6 6\n", "t.txt").unwrap();
        assert!(matches!(s.geometry, Geometry::MultiLineString(_)));
        let s = read("1，118.8，32.06\n", "t.txt").unwrap();
        assert!(matches!(s.geometry, Geometry::Point(_)));
        assert_eq!(s.axis, AxisHint::EastingFirst);
    }
}
