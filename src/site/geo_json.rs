//! GeoJSON: a Geometry, a Feature or a FeatureCollection. Several features become one Multi*
//! geometry; a `crs` member (GeoJSON 2008) is passed on as a named CRS.

use ::geojson::{GeoJson, GeometryValue, Position};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

use super::{CrsDeclaration, Site, SiteError, SiteFormat, check_coordinates, merge};

const F: SiteFormat = SiteFormat::GeoJson;

pub(super) fn read(text: &str, file: &str) -> Result<Site, SiteError> {
    let gj: GeoJson = text.parse().map_err(|e: ::geojson::Error| match e {
        ::geojson::Error::MalformedGeoJson(j) => {
            let place = format!("line {} column {}", j.line(), j.column());
            match j.classify() {
                serde_json::error::Category::Data => SiteError::structure(
                    file,
                    F,
                    place,
                    format!("not GeoJSON: {}", strip_position(&j)),
                    Some("a site is a GeoJSON Geometry, Feature or FeatureCollection"),
                ),
                _ => SiteError::syntax(
                    file,
                    F,
                    place,
                    format!("not valid JSON: {}", strip_position(&j)),
                ),
            }
        }
        other => SiteError::structure(
            file,
            F,
            "(document)",
            format!("not GeoJSON: {}", lowercase_first(&other.to_string())),
            Some("a site is a GeoJSON Geometry, Feature or FeatureCollection"),
        ),
    })?;
    let mut notes = Vec::new();
    let crs;
    let mut name = None;
    let mut attributes = Map::new();
    let geometry = match gj {
        GeoJson::Geometry(g) => {
            crs = crs_member(g.foreign_members.as_ref());
            convert(&g.value, file, "geometry")?
        }
        GeoJson::Feature(f) => {
            crs = crs_member(f.foreign_members.as_ref());
            let Some(g) = &f.geometry else {
                return Err(SiteError::NoGeometry {
                    file: file.to_string(),
                    why: "the Feature's `geometry` is null".into(),
                });
            };
            if let Some(props) = f.properties {
                name = feature_name(&props);
                attributes = props;
            }
            convert(&g.value, file, "feature geometry")?
        }
        GeoJson::FeatureCollection(fc) => {
            crs = crs_member(fc.foreign_members.as_ref());
            let mut parts = Vec::with_capacity(fc.features.len());
            let mut null = 0usize;
            for (i, f) in fc.features.iter().enumerate() {
                let place = format!("feature {}", i + 1);
                match &f.geometry {
                    Some(g) => parts.push((convert(&g.value, file, &place)?, place)),
                    None => null += 1,
                }
            }
            if null > 0 {
                notes.push(format!("{null} feature(s) without geometry skipped"));
            }
            if fc.features.len() == 1 {
                if let Some(props) = fc.features.into_iter().next().and_then(|f| f.properties) {
                    name = feature_name(&props);
                    attributes = props;
                }
            } else if fc.features.len() > 1 {
                notes.push("several features: their properties are not kept as attributes".into());
            }
            merge(file, parts, "features", &mut notes)?
        }
    };
    check_coordinates(&geometry, file)?;
    let mut site = Site::new(F, geometry);
    site.crs = crs;
    // RFC 7946 §3.1.1: longitude (easting) first.
    site.axis = super::AxisHint::EastingFirst;
    site.name = name;
    site.attributes = attributes;
    site.notes = notes;
    Ok(site)
}

/// The old GeoJSON `crs` member: `{"type":"name","properties":{"name":"EPSG:4490"}}`.
fn crs_member(foreign: Option<&Map<String, Value>>) -> CrsDeclaration {
    let name = foreign
        .and_then(|m| m.get("crs"))
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str);
    match name {
        Some(n) => CrsDeclaration::Named(n.to_string()),
        None => CrsDeclaration::None,
    }
}

fn feature_name(props: &Map<String, Value>) -> Option<String> {
    ["name", "NAME", "Name", "名称", "地块名称", "项目名称"]
        .iter()
        .find_map(|k| props.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

fn convert(v: &GeometryValue, file: &str, place: &str) -> Result<Geometry<f64>, SiteError> {
    let pos = |p: &Position, at: &str| -> Result<Coord<f64>, SiteError> {
        match p.as_slice() {
            [x, y, ..] => Ok(Coord { x: *x, y: *y }),
            _ => Err(SiteError::structure(
                file,
                F,
                format!("{place}, {at}"),
                format!("a position has {} number(s), needs 2", p.len()),
                None,
            )),
        }
    };
    let line = |ps: &[Position], at: &str| -> Result<LineString<f64>, SiteError> {
        ps.iter()
            .enumerate()
            .map(|(i, p)| pos(p, &format!("{at}position {}", i + 1)))
            .collect::<Result<Vec<_>, _>>()
            .map(LineString::new)
    };
    let polygon = |rings: &[Vec<Position>], at: &str| -> Result<Polygon<f64>, SiteError> {
        let mut rings = rings
            .iter()
            .enumerate()
            .map(|(i, r)| line(r, &format!("{at}ring {}, ", i + 1)));
        let exterior = match rings.next() {
            Some(r) => r?,
            None => {
                return Err(SiteError::structure(
                    file,
                    F,
                    if at.is_empty() {
                        place.to_string()
                    } else {
                        format!("{place}, {}", at.trim_end_matches(", "))
                    },
                    "a polygon without rings",
                    None,
                ));
            }
        };
        Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
    };
    Ok(match v {
        GeometryValue::Point { coordinates } => Point(pos(coordinates, "position 1")?).into(),
        GeometryValue::MultiPoint { coordinates } => MultiPoint(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, p)| pos(p, &format!("point {}", i + 1)).map(Point))
                .collect::<Result<_, _>>()?,
        )
        .into(),
        GeometryValue::LineString { coordinates } => line(coordinates, "")?.into(),
        GeometryValue::MultiLineString { coordinates } => MultiLineString(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, l)| line(l, &format!("line {}, ", i + 1)))
                .collect::<Result<_, _>>()?,
        )
        .into(),
        GeometryValue::Polygon { coordinates } => polygon(coordinates, "")?.into(),
        GeometryValue::MultiPolygon { coordinates } => MultiPolygon(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &format!("polygon {}, ", i + 1)))
                .collect::<Result<_, _>>()?,
        )
        .into(),
        GeometryValue::GeometryCollection { geometries } => {
            let mut parts = Vec::with_capacity(geometries.len());
            for (i, g) in geometries.iter().enumerate() {
                let at = format!("{place}, member {}", i + 1);
                parts.push((convert(&g.value, file, &at)?, at));
            }
            merge(file, parts, "collection members", &mut Vec::new())?
        }
    })
}

fn strip_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&position).unwrap_or(&full).to_string()
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
