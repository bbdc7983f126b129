//! Why a CRS could not be declared or a coordinate set not converted.

use super::{AxisOrder, ZoneWidth};

/// Why a CRS declaration, a `.prj` or a conversion failed. [`CrsError::code`] is a stable
/// machine-readable kind; [`CrsError::help`] says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// The declaration names no CRS zonecheck knows.
    #[error("`{decl}` is not a coordinate reference system zonecheck knows")]
    UnknownDeclaration { decl: String },
    /// An EPSG code outside the supported ones.
    #[error("`EPSG:{code}` is not a coordinate reference system zonecheck converts from")]
    UnsupportedEpsg { code: u32 },
    /// A datum other than CGCS2000 (or WGS 84 for geographic coordinates).
    #[error("`{found}` uses the {datum} datum; zonecheck converts from CGCS2000 only")]
    UnsupportedDatum { found: String, datum: String },
    /// A Gauss-Krüger declaration that does not name its datum.
    #[error("`{decl}` declares a Gauss-Krüger projection but not its datum")]
    MissingDatum { decl: String },
    /// A Gauss-Krüger declaration without zone or central meridian.
    #[error("`{decl}` declares a Gauss-Krüger projection without a zone or central meridian")]
    MissingZone { decl: String },
    /// A zone number outside China's zones of that width.
    #[error("zone `{zone}` is not a CGCS2000 {width} Gauss-Krüger zone in China")]
    ZoneOutOfRange { zone: u32, width: ZoneWidth },
    /// A zone number outside both widths' ranges, width not stated.
    #[error("zone `{zone}` is neither a 3-degree (25–45) nor a 6-degree (13–23) zone in China")]
    UnknownZone { zone: u32 },
    /// A central meridian that is no zone's in China.
    #[error("central meridian `{cm}` is not the central meridian of a Gauss-Krüger zone in China")]
    CentralMeridian { cm: f64, width: Option<ZoneWidth> },
    /// Zone and central meridian given, and they disagree.
    #[error("zone `{zone}` ({width}) has central meridian {expected}°E, not `{cm}`")]
    ZoneMeridianMismatch {
        zone: u8,
        width: ZoneWidth,
        expected: f64,
        cm: f64,
    },
    /// A projection other than Gauss-Krüger (UTM, Lambert, …).
    #[error(
        "projection `{found}` is not supported; zonecheck reads CGCS2000 Gauss-Krüger zones only"
    )]
    UnsupportedProjection { found: String },
    /// A `.prj` that is not readable WKT.
    #[error("the `.prj` is not readable WKT: {reason}")]
    PrjSyntax { reason: String },
    /// A `.prj` parameter that no CGCS2000 Gauss-Krüger zone has.
    #[error(
        "the `.prj` parameter `{name}` is `{value}`; a CGCS2000 Gauss-Krüger zone has {expected}"
    )]
    PrjParameter {
        name: String,
        value: String,
        expected: String,
    },
    /// A coordinate that is NaN or infinite.
    #[error("coordinate {index} `({x}, {y})` is not a pair of finite numbers")]
    NonFinite { index: usize, x: f64, y: f64 },
    /// Both axis orders fit every point and none was declared.
    #[error(
        "the {count} coordinate pairs fit both (easting, northing) and (northing, easting) in {crs}"
    )]
    AmbiguousAxisOrder { count: usize, crs: String },
    /// Neither axis order fits every point.
    #[error(
        "the coordinates are not Gauss-Krüger metres of {crs} in either axis order: as (easting, northing), {as_en}; as (northing, easting), {as_ne}"
    )]
    NoAxisOrderFits {
        crs: String,
        as_en: String,
        as_ne: String,
    },
    /// The declared axis order does not fit.
    #[error("the coordinates do not fit the declared axis order {order} in {crs}: {reason}")]
    DeclaredOrderDoesNotFit {
        order: AxisOrder,
        crs: String,
        reason: String,
        other_fits: bool,
    },
    /// The eastings carry a zone number whose central meridian is not the declared one.
    #[error(
        "the eastings carry zone prefix `{prefix}` ({prefix_width} zone, central meridian {prefix_cm}°E) but the declared CRS is {crs}"
    )]
    ZonePrefixContradiction {
        prefix: u8,
        prefix_width: ZoneWidth,
        prefix_cm: f64,
        crs: String,
    },
    /// The projection could not compute a point (far outside the zone).
    #[error("coordinate {index} `({x}, {y})` cannot be converted by the projection: {reason}")]
    Projection {
        index: usize,
        x: f64,
        y: f64,
        reason: String,
    },
    /// An iterative inversion did not converge (not expected for finite input; reported, not
    /// hidden).
    #[error("converting coordinate {index} `({x}, {y})` from {crs} did not converge")]
    NotConverged {
        index: usize,
        x: f64,
        y: f64,
        crs: String,
    },
}

const HOW_TO_DECLARE: &str = "declare the CRS, e.g. `CGCS2000`, `WGS84`, `GCJ-02`, `BD-09`, \
     `EPSG:4527` or `CGCS2000 3度带 39带` (datum, zone width and zone number)";

impl CrsError {
    /// Stable machine-readable kind.
    pub fn code(&self) -> &'static str {
        match self {
            CrsError::UnknownDeclaration { .. } => "E-CRS-UNKNOWN",
            CrsError::UnsupportedEpsg { .. } => "E-CRS-EPSG",
            CrsError::UnsupportedDatum { .. } => "E-CRS-DATUM",
            CrsError::MissingDatum { .. } => "E-CRS-NO-DATUM",
            CrsError::MissingZone { .. } => "E-CRS-NO-ZONE",
            CrsError::ZoneOutOfRange { .. } | CrsError::UnknownZone { .. } => "E-CRS-ZONE",
            CrsError::CentralMeridian { .. } => "E-CRS-MERIDIAN",
            CrsError::ZoneMeridianMismatch { .. } => "E-CRS-ZONE-MERIDIAN",
            CrsError::UnsupportedProjection { .. } => "E-CRS-PROJECTION-KIND",
            CrsError::PrjSyntax { .. } => "E-CRS-PRJ-SYNTAX",
            CrsError::PrjParameter { .. } => "E-CRS-PRJ-PARAMETER",
            CrsError::NonFinite { .. } => "E-CRS-NON-FINITE",
            CrsError::AmbiguousAxisOrder { .. } => "E-CRS-AXIS-AMBIGUOUS",
            CrsError::NoAxisOrderFits { .. } => "E-CRS-AXIS-NO-FIT",
            CrsError::DeclaredOrderDoesNotFit { .. } => "E-CRS-AXIS-DECLARED",
            CrsError::ZonePrefixContradiction { .. } => "E-CRS-ZONE-PREFIX",
            CrsError::Projection { .. } => "E-CRS-PROJECTION",
            CrsError::NotConverged { .. } => "E-CRS-NOT-CONVERGED",
        }
    }

    /// What the user can do about it.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            CrsError::UnknownDeclaration { .. } | CrsError::PrjSyntax { .. } => {
                HOW_TO_DECLARE.to_string()
            }
            CrsError::UnsupportedEpsg { .. } => "supported: EPSG:4490 (CGCS2000), EPSG:4326 \
                 (WGS 84) and the CGCS2000 Gauss-Krüger zones EPSG:4491–4554"
                .to_string(),
            CrsError::UnsupportedDatum { datum, .. } => format!(
                "convert the coordinates from {datum} to CGCS2000 first, with the \
                 transformation parameters published by the provincial surveying authority; \
                 zonecheck carries no datum shift (they differ by tens to hundreds of metres)"
            ),
            CrsError::MissingDatum { decl } => format!(
                "name the datum, e.g. `CGCS2000 {decl}`; coordinates on Xian 1980 or \
                 Beijing 1954 must be converted to CGCS2000 first"
            ),
            CrsError::MissingZone { .. } => "add the zone number (带号), e.g. \
                 `CGCS2000 3度带 39带`, or the central meridian, e.g. \
                 `CGCS2000 3度带 中央经线117`"
                .to_string(),
            CrsError::ZoneOutOfRange { width, .. } => {
                let z = width.zones();
                format!(
                    "{width} zones in China are {}–{}; the zone number is the prefix of a \
                     zone-prefixed easting (39 500 000 m is zone 39)",
                    z.start(),
                    z.end()
                )
            }
            CrsError::UnknownZone { .. } => "3-degree zones in China are 25–45 (central \
                 meridian 3° × zone), 6-degree zones 13–23 (6° × zone − 3°)"
                .to_string(),
            CrsError::CentralMeridian { .. } => "3-degree zones have central meridians 75°, \
                 78°, …, 135°E; 6-degree zones 75°, 81°, …, 135°E; a local (arbitrary) central \
                 meridian must be converted to CGCS2000 first"
                .to_string(),
            CrsError::ZoneMeridianMismatch { .. } => {
                "give either the zone or the central meridian, or make them agree".to_string()
            }
            CrsError::UnsupportedProjection { .. } | CrsError::PrjParameter { .. } => format!(
                "export the file in CGCS2000 longitude/latitude or a CGCS2000 Gauss-Krüger \
                 zone, or {HOW_TO_DECLARE}"
            ),
            CrsError::NonFinite { .. } => {
                "every coordinate must be a finite number (no NaN, no infinity)".to_string()
            }
            CrsError::AmbiguousAxisOrder { .. } => "declare the axis order: surveyors' tables \
                 (界址点 X, Y) are (northing, easting), GIS files (x, y) are (easting, northing)"
                .to_string(),
            CrsError::NoAxisOrderFits { .. } => "check that these are CGCS2000 Gauss-Krüger \
                 metres of the declared zone: a northing in China is 300 000–6 200 000 m, an \
                 easting is below 1 000 000 m or carries the zone number in front \
                 (39 500 000 m in zone 39); geographic degrees need a geographic CRS"
                .to_string(),
            CrsError::DeclaredOrderDoesNotFit {
                order, other_fits, ..
            } => {
                if *other_fits {
                    format!(
                        "the coordinates fit the other order {}: declare that, or none to \
                         detect it",
                        order.other()
                    )
                } else {
                    "check that these are CGCS2000 Gauss-Krüger metres of the declared zone"
                        .to_string()
                }
            }
            CrsError::ZonePrefixContradiction {
                prefix,
                prefix_width,
                ..
            } => {
                let code = super::Crs::gauss_kruger(*prefix_width, *prefix)
                    .ok()
                    .and_then(|c| c.epsg())
                    .map_or(String::new(), |c| format!(" (EPSG:{c})"));
                format!(
                    "if the coordinates are in zone {prefix}, declare `CGCS2000 {prefix_width} \
                     Gauss-Kruger zone {prefix}`{code}; otherwise check the coordinates"
                )
            }
            CrsError::Projection { .. } => "the point lies far outside the declared zone; \
                 check the zone and the axis order"
                .to_string(),
            CrsError::NotConverged { .. } => return None,
        })
    }
}
