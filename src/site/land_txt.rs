//! 电子报盘 TXT, the land-administration exchange text (国土资源部 建设用地 报盘格式).
//!
//! ```text
//! [属性描述]
//! 坐标系=2000国家大地坐标系
//! 几度分带=3
//! 投影类型=高斯克吕格
//! 计量单位=米
//! 带号=40
//! 精度=0.01
//! 转换参数=,,,,,,
//! [地块坐标]
//! 5,6.0000,1,地块一,面,,建设用地,,@
//! J1,1,3548000.000,40500000.000
//! …
//! J1,1,3548000.000,40500000.000
//! ```
//! Per parcel a header line `界址点数,地块面积,地块号,地块名称,图形属性,图幅号,地块用途,地类编码,@`,
//! then `界址点数` point lines `点号,圈号,X,Y`: X the northing, Y the easting (often with the zone
//! number in front). 圈号 1 is the outer ring; a higher 圈号 is a hole when it lies inside an
//! earlier ring, else another polygon. Every ring repeats its first point at the end.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point};
use serde_json::{Map, Value};

use super::{
    AxisHint, CrsDeclaration, MAX_READ_VERTICES, Site, SiteError, SiteFormat, is_closed, merge,
    parse_number, rings_to_polygons,
};

const F: SiteFormat = SiteFormat::LandTxt;

/// The parcel header's fields, in order.
const PARCEL_FIELDS: [&str; 8] = [
    "界址点数",
    "地块面积",
    "地块号",
    "地块名称",
    "图形属性",
    "图幅号",
    "地块用途",
    "地类编码",
];

#[derive(PartialEq)]
enum Section {
    Before,
    Attributes,
    Parcels,
    Other,
}

struct Parcel {
    line: usize,
    declared: usize,
    fields: Vec<String>,
    /// (圈号, position, line)
    points: Vec<(u32, Coord<f64>, usize)>,
}

impl Parcel {
    fn label(&self) -> String {
        let name = self.fields.get(3).map(String::as_str).unwrap_or_default();
        let number = self.fields.get(2).map(String::as_str).unwrap_or_default();
        match (name.is_empty(), number.is_empty()) {
            (false, _) => name.to_string(),
            (true, false) => number.to_string(),
            (true, true) => format!("at line {}", self.line),
        }
    }
}

pub(super) fn read(text: &str, file: &str) -> Result<Site, SiteError> {
    let mut section = Section::Before;
    let mut header: Map<String, Value> = Map::new();
    let mut parcels: Vec<Parcel> = Vec::new();
    let mut saw_parcel_section = false;
    let mut vertices = 0usize;
    let mut notes = Vec::new();

    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = match line {
                "[属性描述]" => Section::Attributes,
                "[地块坐标]" => {
                    saw_parcel_section = true;
                    Section::Parcels
                }
                _ => {
                    notes.push(format!("section `{line}` (line {line_no}) is not read"));
                    Section::Other
                }
            };
            continue;
        }
        match section {
            Section::Before => {
                return Err(SiteError::structure(
                    file,
                    F,
                    format!("line {line_no}"),
                    format!("`{}` comes before any section", short(line)),
                    Some("a 电子报盘 file starts with `[属性描述]` and then `[地块坐标]`"),
                ));
            }
            Section::Other => {}
            Section::Attributes => {
                let Some((key, value)) = line.split_once(['=', '＝']) else {
                    return Err(SiteError::syntax(
                        file,
                        F,
                        format!("line {line_no}"),
                        format!("`{}` is not a `key=value` line", short(line)),
                    ));
                };
                header.insert(
                    key.trim().to_string(),
                    Value::String(value.trim().to_string()),
                );
            }
            Section::Parcels => {
                if let Some(head) = line.strip_suffix('@') {
                    parcels.push(parcel_header(head, file, line_no)?);
                    continue;
                }
                let Some(parcel) = parcels.last_mut() else {
                    return Err(SiteError::structure(
                        file,
                        F,
                        format!("line {line_no}"),
                        "a point line before any parcel header",
                        Some(
                            "each parcel starts with `界址点数,地块面积,地块号,地块名称,图形属性,图幅号,地块用途,地类编码,@`",
                        ),
                    ));
                };
                vertices += 1;
                if vertices > MAX_READ_VERTICES {
                    return Err(SiteError::TooManyVertices {
                        file: file.to_string(),
                        limit: MAX_READ_VERTICES,
                    });
                }
                parcel.points.push(point_line(line, file, line_no)?);
            }
        }
    }
    if !saw_parcel_section {
        return Err(SiteError::structure(
            file,
            F,
            "(file)",
            "no `[地块坐标]` section",
            Some("the parcel coordinates follow a line `[地块坐标]`"),
        ));
    }
    if parcels.is_empty() {
        return Err(SiteError::NoGeometry {
            file: file.to_string(),
            why: "the `[地块坐标]` section has no parcel".into(),
        });
    }

    let mut parts = Vec::with_capacity(parcels.len());
    for parcel in &parcels {
        if parcel.points.len() != parcel.declared {
            return Err(SiteError::PointCount {
                file: file.to_string(),
                line: parcel.line,
                parcel: parcel.label(),
                declared: parcel.declared,
                found: parcel.points.len(),
            });
        }
        parts.push((
            parcel_geometry(parcel, file, &mut notes)?,
            format!("parcel `{}` (line {})", parcel.label(), parcel.line),
        ));
    }
    let geometry = merge(file, parts, "parcels", &mut notes)?;

    let text_of = |k: &str| {
        header
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let number_of = |k: &str| text_of(k).and_then(|s| s.parse::<u8>().ok());
    let crs = if ["坐标系", "几度分带", "带号", "投影类型"]
        .iter()
        .any(|k| text_of(k).is_some())
    {
        CrsDeclaration::GaussKruger {
            datum: text_of("坐标系"),
            zone_width: number_of("几度分带"),
            zone: number_of("带号"),
            projection: text_of("投影类型"),
        }
    } else {
        CrsDeclaration::None
    };

    let mut site = Site::new(F, geometry);
    site.crs = crs;
    site.axis = AxisHint::NorthingFirst;
    site.attributes = header;
    if let [parcel] = parcels.as_slice() {
        for (k, v) in PARCEL_FIELDS.iter().zip(&parcel.fields) {
            site.attributes
                .insert((*k).to_string(), Value::String(v.clone()));
        }
        site.name = parcel.fields.get(3).filter(|s| !s.is_empty()).cloned();
    } else {
        notes.push(format!(
            "{} parcels: their header fields are not kept as attributes",
            parcels.len()
        ));
    }
    site.notes = notes;
    Ok(site)
}

fn short(line: &str) -> String {
    let s: String = line.chars().take(40).collect();
    if s.len() < line.len() {
        format!("{s}…")
    } else {
        s
    }
}

fn split(line: &str) -> Vec<String> {
    line.split([',', '，'])
        .map(|c| c.trim().to_string())
        .collect()
}

fn parcel_header(head: &str, file: &str, line_no: usize) -> Result<Parcel, SiteError> {
    let mut fields = split(head);
    if fields.last().is_some_and(String::is_empty) {
        fields.pop();
    }
    let count = fields.first().map(String::as_str).unwrap_or_default();
    let declared = count.parse::<usize>().map_err(|_| SiteError::BadNumber {
        file: file.to_string(),
        place: format!("line {line_no}"),
        field: "界址点数 (first field of the parcel header)".into(),
        value: count.to_string(),
    })?;
    Ok(Parcel {
        line: line_no,
        declared,
        fields,
        points: Vec::new(),
    })
}

fn point_line(
    line: &str,
    file: &str,
    line_no: usize,
) -> Result<(u32, Coord<f64>, usize), SiteError> {
    let cells = split(line);
    if cells.len() != 4 {
        return Err(SiteError::structure(
            file,
            F,
            format!("line {line_no}"),
            format!(
                "`{}` has {} field(s), a point line has 4: 点号,圈号,X,Y",
                short(line),
                cells.len()
            ),
            Some("or end a parcel header line with `@`"),
        ));
    }
    let cell = |k: usize| cells.get(k).map(String::as_str).unwrap_or_default();
    let ring = cell(1).parse::<u32>().map_err(|_| SiteError::BadNumber {
        file: file.to_string(),
        place: format!("line {line_no}"),
        field: "圈号 (ring number, second field)".into(),
        value: cell(1).to_string(),
    })?;
    let coordinate = |k: usize, field: &str| {
        parse_number(cell(k)).ok_or_else(|| SiteError::BadNumber {
            file: file.to_string(),
            place: format!("line {line_no}"),
            field: field.to_string(),
            value: cell(k).to_string(),
        })
    };
    let x = coordinate(2, "X (northing, third field)")?;
    let y = coordinate(3, "Y (easting, fourth field)")?;
    Ok((ring, Coord { x, y }, line_no))
}

fn parcel_geometry(
    parcel: &Parcel,
    file: &str,
    notes: &mut Vec<String>,
) -> Result<Geometry<f64>, SiteError> {
    // Consecutive points with one 圈号 form a ring.
    let mut rings: Vec<(u32, usize, Vec<Coord<f64>>)> = Vec::new();
    for (ring, c, line) in &parcel.points {
        match rings.last_mut() {
            Some((r, _, coords)) if r == ring => coords.push(*c),
            _ => rings.push((*ring, *line, vec![*c])),
        }
    }
    if rings.len() > super::MAX_RINGS {
        return Err(SiteError::too_many_rings(
            file,
            F,
            format!("line {}", parcel.line),
            rings.len(),
        ));
    }
    let kind = parcel.fields.get(4).map(String::as_str).unwrap_or_default();
    let label = parcel.label();
    match kind {
        "点" => Ok(MultiPoint(
            rings
                .into_iter()
                .flat_map(|(_, _, coords)| coords.into_iter().map(Point))
                .collect::<Vec<_>>(),
        )
        .into()),
        "线" => Ok(MultiLineString(
            rings
                .into_iter()
                .map(|(_, _, coords)| LineString::new(coords))
                .collect::<Vec<_>>(),
        )
        .into()),
        _ => {
            if !kind.is_empty() && kind != "面" {
                notes.push(format!(
                    "parcel `{label}`: 图形属性 `{kind}` is not 点/线/面; read as 面"
                ));
            }
            let mut lines = Vec::with_capacity(rings.len());
            for (ring, line, coords) in &rings {
                let place = format!("line {line}");
                if coords.len() < 4 {
                    return Err(SiteError::structure(
                        file,
                        F,
                        place,
                        format!(
                            "parcel `{label}` ring (圈号) {ring} has {} point(s); a ring needs at least 3 distinct points and the first repeated at the end",
                            coords.len()
                        ),
                        None,
                    ));
                }
                if !is_closed(coords) {
                    return Err(SiteError::structure(
                        file,
                        F,
                        place,
                        format!(
                            "parcel `{label}` ring (圈号) {ring} is not closed: its last point differs from its first"
                        ),
                        Some("repeat the ring's first point as its last point"),
                    ));
                }
                lines.push(LineString::new(coords.clone()));
            }
            let (mut polygons, holes) = rings_to_polygons(lines);
            for ((ring, line, _), hole) in rings.iter().zip(&holes) {
                if *ring > 1 && !hole {
                    notes.push(format!(
                        "parcel `{label}` ring (圈号) {ring} at line {line} lies outside the earlier rings: taken as another polygon"
                    ));
                }
            }
            if polygons.len() == 1
                && let Some(p) = polygons.pop()
            {
                return Ok(p.into());
            }
            Ok(MultiPolygon(polygons).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n带号=40\n[地块坐标]\n5,100.0,1,一号地块,面,,建设用地,,@\nJ1,1,0,0\nJ2,1,0,10\nJ3,1,10,10\nJ4,1,10,0\nJ1,1,0,0\n";

    #[test]
    fn site_land_txt_reads() {
        let s = read(SAMPLE, "t.txt").unwrap();
        assert_eq!(s.name.as_deref(), Some("一号地块"));
        assert_eq!(
            s.crs,
            CrsDeclaration::GaussKruger {
                datum: Some("2000国家大地坐标系".into()),
                zone_width: Some(3),
                zone: Some(40),
                projection: Some("高斯克吕格".into())
            }
        );
        assert!(matches!(s.geometry, Geometry::Polygon(_)));
    }

    #[test]
    fn site_land_txt_count_mismatch() {
        let bad = SAMPLE.replace("5,100.0", "6,100.0");
        let e = read(&bad, "t.txt").unwrap_err();
        assert_eq!(e.code(), "E-SITE-TXT-COUNT");
        assert!(e.to_string().contains("line 7"), "{e}");
    }

    #[test]
    fn site_land_txt_open_ring() {
        let bad = SAMPLE
            .replace("J1,1,0,0\n", "J1,1,0,0\nJ5,1,5,5\n")
            .replace("5,100.0", "7,100.0");
        let e = read(&bad, "t.txt").unwrap_err();
        assert_eq!(e.code(), "E-SITE-TXT-STRUCTURE", "{e}");
    }
}
