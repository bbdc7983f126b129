//! KML: Placemarks with Point, LineString, Polygon or MultiGeometry, at any depth of Document
//! and Folder. KML coordinates are always WGS84 lon,lat (OGC KML 2.2 §16.10).
//!
//! The XML is first scanned with quick-xml, which gives the line of a well-formedness error and
//! lets the nesting depth be capped before the kml crate's recursive reader sees the document.

use ::kml::Kml;
use ::kml::types::{Element, Placemark};
use geo::Geometry;
use quick_xml::events::Event;
use serde_json::{Map, Value};

use super::{CrsDeclaration, MAX_NESTING, Site, SiteError, SiteFormat, check_coordinates, merge};

const F: SiteFormat = SiteFormat::Kml;
/// Deepest element nesting accepted (Document/Folder/…/Placemark/MultiGeometry/Polygon/
/// outerBoundaryIs/LinearRing/coordinates is about ten).
const MAX_DEPTH: usize = 2 * MAX_NESTING;

pub(super) fn read(text: &str, file: &str) -> Result<Site, SiteError> {
    scan(text, file)?;
    let kml: Kml<f64> = text.parse().map_err(|e: ::kml::Error| {
        SiteError::syntax(
            file,
            F,
            "(document)",
            format!("not usable KML: {}", lower(&e.to_string())),
        )
    })?;
    let mut placemarks: Vec<Placemark<f64>> = Vec::new();
    let mut loose: Vec<Geometry<f64>> = Vec::new();
    collect(kml, &mut placemarks, &mut loose, file)?;

    let mut notes = Vec::new();
    let mut parts = Vec::with_capacity(placemarks.len() + loose.len());
    let mut without_geometry = 0usize;
    for (i, p) in placemarks.iter().enumerate() {
        let place = match &p.name {
            Some(n) => format!("placemark {} `{n}`", i + 1),
            None => format!("placemark {}", i + 1),
        };
        let Some(g) = p.geometry.clone() else {
            without_geometry += 1;
            continue;
        };
        let g = Geometry::<f64>::try_from(g).map_err(|e| {
            SiteError::structure(
                file,
                F,
                place.clone(),
                format!("unsupported geometry: {}", lower(&e.to_string())),
                Some("use Point, LineString, Polygon or MultiGeometry"),
            )
        })?;
        parts.push((g, place));
    }
    for (i, g) in loose.into_iter().enumerate() {
        parts.push((g, format!("geometry {} outside any placemark", i + 1)));
    }
    if without_geometry > 0 {
        notes.push(format!(
            "{without_geometry} placemark(s) without geometry skipped"
        ));
    }
    if parts.is_empty() {
        return Err(SiteError::NoGeometry {
            file: file.to_string(),
            why: "no placemark with a Point, LineString, Polygon or MultiGeometry".into(),
        });
    }
    let geometry = merge(file, parts, "placemarks", &mut notes)?;
    check_coordinates(&geometry, file)?;

    let mut site = Site::new(F, geometry);
    site.crs = CrsDeclaration::Named("WGS84".into());
    site.axis = super::AxisHint::EastingFirst;
    let with_geometry: Vec<&Placemark<f64>> =
        placemarks.iter().filter(|p| p.geometry.is_some()).collect();
    if let [p] = with_geometry.as_slice() {
        site.name = p.name.clone();
        site.attributes = extended_data(&p.children);
    } else if with_geometry.len() > 1 {
        notes.push("several placemarks: their ExtendedData is not kept as attributes".into());
    }
    site.notes = notes;
    Ok(site)
}

/// Well-formedness and depth, with the line of the first problem.
fn scan(text: &str, file: &str) -> Result<(), SiteError> {
    let line_at = |offset: u64| {
        let end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(text.len());
        1 + text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(SiteError::TooDeep {
                        file: file.to_string(),
                        place: format!("line {}", line_at(reader.buffer_position())),
                        limit: MAX_DEPTH,
                    });
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(SiteError::Syntax {
                    file: file.to_string(),
                    format: F,
                    place: format!("line {}", line_at(reader.error_position())),
                    why: format!("broken XML: {}", lower(&e.to_string())),
                    help: Some("open the file in a text editor, or export the KML again".into()),
                });
            }
        }
    }
    if depth > 0 {
        return Err(SiteError::Syntax {
            file: file.to_string(),
            format: F,
            place: format!("line {}", line_at(text.len() as u64)),
            why: format!("broken XML: the file ends with {depth} element(s) still open"),
            help: Some("the file was cut short; export it again".into()),
        });
    }
    Ok(())
}

fn collect(
    kml: Kml<f64>,
    placemarks: &mut Vec<Placemark<f64>>,
    loose: &mut Vec<Geometry<f64>>,
    file: &str,
) -> Result<(), SiteError> {
    let geometry = |g: ::kml::types::Geometry<f64>| {
        Geometry::<f64>::try_from(g).map_err(|e| {
            SiteError::structure(
                file,
                F,
                "(document)",
                format!("unsupported geometry: {}", lower(&e.to_string())),
                None,
            )
        })
    };
    match kml {
        Kml::KmlDocument(d) => {
            for k in d.elements {
                collect(k, placemarks, loose, file)?;
            }
        }
        Kml::Document { elements, .. } => {
            for k in elements {
                collect(k, placemarks, loose, file)?;
            }
        }
        Kml::Folder(f) => {
            for k in f.elements {
                collect(k, placemarks, loose, file)?;
            }
        }
        Kml::Placemark(p) => placemarks.push(p),
        Kml::Point(p) => loose.push(geometry(::kml::types::Geometry::Point(p))?),
        Kml::LineString(l) => loose.push(geometry(::kml::types::Geometry::LineString(l))?),
        Kml::LinearRing(l) => loose.push(geometry(::kml::types::Geometry::LinearRing(l))?),
        Kml::Polygon(p) => loose.push(geometry(::kml::types::Geometry::Polygon(p))?),
        Kml::MultiGeometry(m) => loose.push(geometry(::kml::types::Geometry::MultiGeometry(m))?),
        _ => {}
    }
    Ok(())
}

/// ExtendedData as attributes: `<Data name="k"><value>v</value></Data>`,
/// `<SimpleData name="k">v</SimpleData>` and untyped `<k>v</k>` children.
fn extended_data(children: &[Element]) -> Map<String, Value> {
    let mut out = Map::new();
    for ext in children.iter().filter(|e| e.name == "ExtendedData") {
        for e in &ext.children {
            add_data(e, &mut out);
        }
    }
    out
}

fn add_data(e: &Element, out: &mut Map<String, Value>) {
    match e.name.as_str() {
        "Data" => {
            let value = e
                .children
                .iter()
                .find(|c| c.name == "value")
                .and_then(|c| c.content.clone())
                .or_else(|| e.content.clone())
                .unwrap_or_default();
            if let Some(name) = e.attrs.get("name") {
                out.insert(name.clone(), Value::String(value.trim().to_string()));
            }
        }
        "SchemaData" => {
            for c in &e.children {
                add_data(c, out);
            }
        }
        "SimpleData" => {
            if let Some(name) = e.attrs.get("name") {
                let v = e.content.clone().unwrap_or_default();
                out.insert(name.clone(), Value::String(v.trim().to_string()));
            }
        }
        name => {
            if let Some(v) = &e.content {
                out.insert(name.to_string(), Value::String(v.trim().to_string()));
            }
        }
    }
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
