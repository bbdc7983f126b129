//! From a site file to a project's location: which coordinate system its numbers are in.
//!
//! The reader reports what the file says ([`CrsDeclaration`], [`AxisHint`]); this decides the
//! [`Crs`] from that and from what the user declares, and never guesses beyond one rule:
//! numbers that all read as longitude/latitude within China, in a file that declares nothing,
//! are CGCS2000 longitude/latitude (the documented default). Projected metres with no
//! declaration are an error that says how to declare them.

use serde_json::{Map, Value};

use super::{AxisHint, CrsDeclaration, Site, SiteFormat};
use crate::crs::{Crs, CrsError};

/// Why a site's coordinate system could not be settled.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("`{file}`: {what} is not usable: {source}")]
    Crs {
        file: String,
        /// Which declaration: `its .prj`, `its header`, `the declared crs`.
        what: String,
        #[source]
        source: Box<CrsError>,
    },
    #[error("`{file}` declares {found}, but {declared} was declared for it")]
    Conflict {
        file: String,
        found: String,
        declared: String,
    },
    #[error(
        "`{file}` does not say which coordinate system its coordinates are in, and they are not longitude/latitude in China"
    )]
    Undeclared { file: String },
    #[error("`{file}`: {why}")]
    Incomplete { file: String, why: String },
}

impl ResolveError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ResolveError::Crs { source, .. } => source.code(),
            ResolveError::Conflict { .. } => "E-SITE-CRS-CONFLICT",
            ResolveError::Undeclared { .. } => "E-SITE-CRS-UNDECLARED",
            ResolveError::Incomplete { .. } => "E-SITE-CRS-INCOMPLETE",
        }
    }

    /// How to fix it.
    pub fn help(&self) -> Option<String> {
        match self {
            ResolveError::Crs { source, .. } => source.help().or_else(|| Some(DECLARE.into())),
            ResolveError::Conflict { .. } => Some(
                "declare the coordinate system once: drop --crs (or the project's `crs`), or fix the file's declaration".into(),
            ),
            ResolveError::Undeclared { .. } | ResolveError::Incomplete { .. } => {
                Some(DECLARE.into())
            }
        }
    }
}

const DECLARE: &str = "declare it, e.g. `--crs EPSG:4527` or `--crs \"CGCS2000 3度带 39带\"` (CLI), `\"crs\": \"EPSG:4527\"` (project JSON); see docs/crs.md";

/// The CRS the file itself declares, if any.
///
/// # Errors
/// A declaration that does not name a usable CRS (another datum, unreadable .prj text), or a
/// 电子报盘 header without its zone.
pub fn file_crs(site: &Site, file: &str) -> Result<Option<Crs>, ResolveError> {
    let err = |what: &str, source: CrsError| ResolveError::Crs {
        file: file.to_string(),
        what: what.to_string(),
        source: Box::new(source),
    };
    match &site.crs {
        CrsDeclaration::None => Ok(None),
        CrsDeclaration::Prj(text) => Crs::from_prj(text)
            .map(Some)
            .map_err(|e| err("its .prj", e)),
        CrsDeclaration::Named(name) => Crs::parse(name)
            .map(Some)
            .map_err(|e| err(&format!("its declaration `{name}`"), e)),
        CrsDeclaration::GaussKruger {
            datum,
            zone_width,
            zone,
            ..
        } => {
            let datum = datum.as_deref().unwrap_or("CGCS2000");
            let (Some(width), Some(zone)) = (zone_width, zone) else {
                return Err(ResolveError::Incomplete {
                    file: file.to_string(),
                    why: "the header does not give both 几度分带 and 带号".into(),
                });
            };
            let decl = format!("{datum} {width}度带 {zone}带");
            Crs::parse(&decl)
                .map(Some)
                .map_err(|e| err(&format!("its header `{decl}`"), e))
        }
    }
}

/// Do two declarations name the same coordinates? Gauss-Krüger forms with and without the zone
/// prefix (EPSG:4527 and EPSG:4548, a 3° zone and the 6° zone on the same meridian) convert
/// identically: the prefix is resolved from the numbers.
pub fn same_system(a: &Crs, b: &Crs) -> bool {
    match (a, b) {
        (Crs::GaussKruger(x), Crs::GaussKruger(y)) => {
            (x.central_meridian - y.central_meridian).abs() < 1e-9
        }
        _ => a == b,
    }
}

/// The string a project's `crs` field takes for `crs` (an EPSG code where there is one).
pub fn declaration(crs: &Crs) -> String {
    match (crs, crs.epsg()) {
        (Crs::Gcj02, _) => "GCJ-02".into(),
        (Crs::Bd09, _) => "BD-09".into(),
        (_, Some(code)) => format!("EPSG:{code}"),
        (_, None) => crs.label(),
    }
}

fn looks_like_lonlat_in_china(site: &Site) -> bool {
    use geo::CoordsIter;
    let mut any = false;
    let all = site.geometry.coords_iter().all(|c| {
        any = true;
        let inside = |x: f64, y: f64| (73.0..=136.0).contains(&x) && (3.0..=54.0).contains(&y);
        inside(c.x, c.y) || inside(c.y, c.x)
    });
    any && all
}

/// The project fields `location`, `crs` and `axis_order` (and `name`, when the file names the
/// site) for a site: the geometry as found and how to read it. `declared` is the user's
/// declaration, which must agree with the file's — except for KML, whose WGS84 is the format's
/// default rather than a statement (Chinese map tools export GCJ-02 KML).
///
/// # Errors
/// See [`ResolveError`].
pub fn project_fields(
    site: &Site,
    file: &str,
    declared: Option<&str>,
) -> Result<Map<String, Value>, ResolveError> {
    let declared = declared
        .map(|d| {
            Crs::parse(d).map_err(|source| ResolveError::Crs {
                file: file.to_string(),
                what: format!("the declared crs `{d}`"),
                source: Box::new(source),
            })
        })
        .transpose()?;
    let in_file = file_crs(site, file)?;
    let crs = match (declared, in_file) {
        (Some(d), Some(f)) if !same_system(&d, &f) && site.format != SiteFormat::Kml => {
            return Err(ResolveError::Conflict {
                file: file.to_string(),
                found: f.label(),
                declared: d.label(),
            });
        }
        (Some(d), _) => d,
        (None, Some(f)) => f,
        (None, None) if looks_like_lonlat_in_china(site) => Crs::Cgcs2000,
        (None, None) => {
            return Err(ResolveError::Undeclared {
                file: file.to_string(),
            });
        }
    };
    let mut m = Map::new();
    let location = geojson::Geometry::new(geojson::GeometryValue::from(&site.geometry));
    m.insert(
        "location".into(),
        serde_json::to_value(location).unwrap_or(Value::Null),
    );
    m.insert("crs".into(), Value::String(declaration(&crs)));
    match site.axis {
        AxisHint::EastingFirst => {
            m.insert("axis_order".into(), "easting_first".into());
        }
        AxisHint::NorthingFirst => {
            m.insert("axis_order".into(), "northing_first".into());
        }
        AxisHint::Unknown => {}
    }
    if let Some(n) = &site.name {
        m.insert("name".into(), Value::String(n.clone()));
    }
    Ok(m)
}
