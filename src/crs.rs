//! Coordinate reference systems: everything a site boundary arrives in, brought to CGCS2000
//! longitude/latitude degrees.
//!
//! A project's location reaches zonecheck in one of these (see `docs/crs.md`):
//!
//! - **CGCS2000** (2000国家大地坐标系, EPSG:4490) longitude/latitude: the target, returned as is.
//! - **WGS 84** (EPSG:4326): taken as CGCS2000. Both are realisations of the ITRS; at CGCS2000's
//!   epoch (2000.0) they agree to a few centimetres. Coordinates measured today with GNSS in
//!   WGS 84 differ from CGCS2000 by the plate motion since 2000 (about 3 cm a year in China,
//!   so well under a metre), which [`Crs::conversion_uncertainty_m`] reports.
//! - **GCJ-02** (火星坐标, Amap/Tencent web maps) and **BD-09** (Baidu): the public
//!   obfuscation algorithms, inverted iteratively ([`gcj02`]).
//! - **CGCS2000 Gauss-Krüger** (高斯-克吕格) 3° and 6° zones, with or without the zone number
//!   in front of the easting, in either axis order ([`gauss_kruger`]).
//!
//! [`Crs::parse`] reads a user's declaration (EPSG codes, names, free text such as
//! `CGCS2000 3度带 39带`), [`Crs::from_prj`] a shapefile's `.prj`, and [`to_lonlat`] /
//! [`geometry_to_lonlat`] convert. Other datums (Xian 1980, Beijing 1954) are refused: their
//! conversion needs provincial transformation parameters that zonecheck does not carry.
//!
//! ```
//! use zonecheck::crs::{self, Crs};
//!
//! // A surveyor's table: X (northing) first, easting with the zone number 39 in front.
//! let gk = Crs::parse("CGCS2000 3度带 39带")?;
//! let lonlat = crs::to_lonlat(&gk, &[(4_419_565.435, 39_448_481.575)], None)?;
//! assert!((lonlat[0].0 - 116.3975).abs() < 1e-8 && (lonlat[0].1 - 39.9087).abs() < 1e-8);
//! # Ok::<(), zonecheck::crs::CrsError>(())
//! ```

mod declaration;
mod error;
pub mod gauss_kruger;
pub mod gcj02;
mod prj;

use std::fmt;

use geo::{CoordsIter, MapCoords};

pub use error::CrsError;

/// Width of a Gauss-Krüger zone (分带): 3° (三度带, cadastral and large-scale surveys) or 6°
/// (六度带, topographic maps up to 1:25 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoneWidth {
    /// 3° zones, numbered 25–45 over China; central meridian = 3° × zone.
    Three,
    /// 6° zones, numbered 13–23 over China; central meridian = 6° × zone − 3°.
    Six,
}

impl ZoneWidth {
    /// The zone numbers that cover China (the EPSG CGCS2000 definitions).
    pub fn zones(self) -> std::ops::RangeInclusive<u8> {
        match self {
            ZoneWidth::Three => 25..=45,
            ZoneWidth::Six => 13..=23,
        }
    }

    /// Central meridian of `zone` in degrees east (no range check).
    pub fn central_meridian(self, zone: u8) -> f64 {
        match self {
            ZoneWidth::Three => 3.0 * f64::from(zone),
            ZoneWidth::Six => 6.0 * f64::from(zone) - 3.0,
        }
    }

    /// The zone whose central meridian is `cm`, if it is one of this width's zones in China.
    pub fn zone_of_meridian(self, cm: f64) -> Option<u8> {
        self.zones()
            .find(|&z| (self.central_meridian(z) - cm).abs() < 1e-9)
    }

    /// The width a zone number belongs to: 13–23 are 6° zones, 25–45 are 3° zones (the two
    /// ranges do not overlap, so a zone prefix tells both).
    pub fn of_zone(zone: u8) -> Option<ZoneWidth> {
        [ZoneWidth::Three, ZoneWidth::Six]
            .into_iter()
            .find(|w| w.zones().contains(&zone))
    }

    fn degrees(self) -> u8 {
        match self {
            ZoneWidth::Three => 3,
            ZoneWidth::Six => 6,
        }
    }
}

impl fmt::Display for ZoneWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-degree", self.degrees())
    }
}

/// A CGCS2000 Gauss-Krüger zone: transverse Mercator on the CGCS2000 ellipsoid (identical to
/// GRS 80), scale 1 on the central meridian, false easting 500 000 m, false northing 0.
///
/// The projection depends on `central_meridian` only; `width` and `zone` name it and give the
/// zone prefix. Build it with [`Crs::gauss_kruger`] (or parse it) to keep the fields consistent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussKruger {
    pub width: ZoneWidth,
    pub zone: u8,
    /// Degrees east.
    pub central_meridian: f64,
    /// Whether the declared form's false easting carries the zone number, e.g. 39 500 000 m
    /// in 3° zone 39. [`to_lonlat`] accepts both forms whatever this says; it chooses the
    /// EPSG code in [`Crs::label`] and the output of [`from_lonlat`].
    pub zone_prefixed: bool,
}

impl GaussKruger {
    /// The EPSG code of this zone and form (EPSG:4491–4554).
    pub fn epsg(&self) -> Option<u16> {
        let index = u16::from(self.zone.checked_sub(*self.width.zones().start())?);
        if !self.width.zones().contains(&self.zone)
            || self.width.central_meridian(self.zone) != self.central_meridian
        {
            return None;
        }
        let base = match (self.width, self.zone_prefixed) {
            (ZoneWidth::Six, true) => 4491,
            (ZoneWidth::Six, false) => 4502,
            (ZoneWidth::Three, true) => 4513,
            (ZoneWidth::Three, false) => 4534,
        };
        Some(base + index)
    }
}

/// A coordinate reference system a location may be declared in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    /// CGCS2000 longitude/latitude degrees (EPSG:4490): the target of every conversion.
    Cgcs2000,
    /// WGS 84 longitude/latitude degrees (EPSG:4326), taken as CGCS2000.
    Wgs84,
    /// GCJ-02 (火星坐标): Amap (高德) and Tencent (腾讯) web maps.
    Gcj02,
    /// BD-09 (百度坐标) longitude/latitude: Baidu maps (GCJ-02 with a second offset).
    Bd09,
    /// CGCS2000 Gauss-Krüger plane coordinates in metres.
    GaussKruger(GaussKruger),
}

impl Crs {
    /// Parses a user's declaration.
    ///
    /// Accepted: `CGCS2000` / `EPSG:4490` / `2000国家大地坐标系`; `WGS84` / `EPSG:4326`;
    /// `GCJ-02` / `GCJ02` / `火星坐标` / `高德` / `腾讯`; `BD-09` / `BD09` / `百度`;
    /// `EPSG:4491`–`EPSG:4554` (the CGCS2000 Gauss-Krüger zones); and free text naming
    /// CGCS2000, a Gauss-Krüger projection and a zone or central meridian, such as
    /// `CGCS2000 3度带 39带`, `CGCS2000 / 3-degree Gauss-Kruger zone 39`,
    /// `CGCS2000 / 3-degree Gauss-Kruger CM 117E`, `2000国家大地坐标系 高斯克吕格 中央经线114`.
    /// Without a stated width, the zone number decides (13–23 are 6° zones, 25–45 are 3°), and a
    /// central meridian on the 6° grid (75°, 81°, …, 135°E) is taken as that 6° zone, as the EPSG
    /// names do (`CGCS2000 / Gauss-Kruger CM 117E` is EPSG:4509); the conversion is the same.
    ///
    /// # Errors
    /// An unknown text, another datum (Xian 1980, Beijing 1954: refused, they need provincial
    /// transformation parameters), a Gauss-Krüger declaration without datum or zone, a zone or
    /// central meridian outside China's zones, or a zone and meridian that disagree.
    pub fn parse(decl: &str) -> Result<Crs, CrsError> {
        declaration::parse(decl)
    }

    /// Reads a shapefile's `.prj` (ESRI WKT 1; the OGC WKT 1 spelling is read too).
    ///
    /// Accepted: geographic CGCS2000 or WGS 84 in degrees, and a `Gauss_Kruger` or
    /// `Transverse_Mercator` projection on CGCS2000 with a zone's central meridian, scale 1,
    /// latitude of origin 0, false northing 0, a false easting of 500 000 m with or without the
    /// zone prefix, in metres.
    ///
    /// # Errors
    /// Unparsable text, another datum (what was found is named), another projection or
    /// parameters that are not a CGCS2000 Gauss-Krüger zone. The help says how to declare the
    /// CRS instead.
    pub fn from_prj(wkt: &str) -> Result<Crs, CrsError> {
        prj::from_prj(wkt)
    }

    /// The CGCS2000 Gauss-Krüger zone `zone` of `width`, in its zone-prefixed form.
    ///
    /// # Errors
    /// [`CrsError::ZoneOutOfRange`] unless `zone` is 25–45 (3°) or 13–23 (6°).
    pub fn gauss_kruger(width: ZoneWidth, zone: u8) -> Result<Crs, CrsError> {
        if !width.zones().contains(&zone) {
            return Err(CrsError::ZoneOutOfRange {
                zone: u32::from(zone),
                width,
            });
        }
        Ok(Crs::GaussKruger(GaussKruger {
            width,
            zone,
            central_meridian: width.central_meridian(zone),
            zone_prefixed: true,
        }))
    }

    /// The CGCS2000 Gauss-Krüger zone of `width` whose central meridian is `cm` (degrees east),
    /// in the form without prefix.
    ///
    /// # Errors
    /// [`CrsError::CentralMeridian`] unless `cm` is a central meridian of such a zone in China.
    pub fn gauss_kruger_cm(width: ZoneWidth, cm: f64) -> Result<Crs, CrsError> {
        let zone = width
            .zone_of_meridian(cm)
            .ok_or(CrsError::CentralMeridian {
                cm,
                width: Some(width),
            })?;
        Ok(Crs::GaussKruger(GaussKruger {
            width,
            zone,
            central_meridian: cm,
            zone_prefixed: false,
        }))
    }

    /// Whether coordinates are plane metres (Gauss-Krüger) rather than degrees.
    pub fn is_projected(&self) -> bool {
        matches!(self, Crs::GaussKruger(_))
    }

    /// The EPSG code, when there is one (GCJ-02 and BD-09 have none).
    pub fn epsg(&self) -> Option<u16> {
        match self {
            Crs::Cgcs2000 => Some(4490),
            Crs::Wgs84 => Some(4326),
            Crs::Gcj02 | Crs::Bd09 => None,
            Crs::GaussKruger(gk) => gk.epsg(),
        }
    }

    /// Horizontal uncertainty, in metres, that the conversion to CGCS2000 itself adds (not the
    /// accuracy of the input).
    ///
    /// - CGCS2000: 0. Gauss-Krüger: 0 (the 6th-order Krüger series is exact to well under a
    ///   millimetre within a zone and far beyond it; tests hold it to 1 mm against PROJ).
    /// - WGS 84: 1 m: no datum shift is applied; the two agree to centimetres at epoch 2000.0,
    ///   and today's GNSS WGS 84 coordinates have moved with the plate since (≈3 cm/year).
    /// - GCJ-02: 2 m. Our inversion of the public forward algorithm leaves a residual below
    ///   1e-9° (0.1 mm); the 2 m is a budget for how far the public algorithm (reconstructed from
    ///   leaked code, without its height term) may sit from the maps' own conversion. It is an
    ///   allowance, not a measurement: no official reference exists.
    /// - BD-09: 2 m, the same budget (the BD-09 layer is inverted to the same residual).
    pub fn conversion_uncertainty_m(&self) -> f64 {
        match self {
            Crs::Cgcs2000 | Crs::GaussKruger(_) => 0.0,
            Crs::Wgs84 => 1.0,
            Crs::Gcj02 | Crs::Bd09 => 2.0,
        }
    }

    /// A human-readable name, e.g. `CGCS2000 / 3-degree Gauss-Kruger zone 39 (EPSG:4527)`.
    pub fn label(&self) -> String {
        match self {
            Crs::Cgcs2000 => "CGCS2000 (EPSG:4490)".to_string(),
            Crs::Wgs84 => "WGS 84 (EPSG:4326), taken as CGCS2000".to_string(),
            Crs::Gcj02 => "GCJ-02 (Amap/Tencent web-map coordinates)".to_string(),
            Crs::Bd09 => "BD-09 (Baidu web-map coordinates)".to_string(),
            Crs::GaussKruger(gk) => {
                let name = if gk.zone_prefixed {
                    format!("CGCS2000 / {} Gauss-Kruger zone {}", gk.width, gk.zone)
                } else {
                    format!(
                        "CGCS2000 / {} Gauss-Kruger CM {}E",
                        gk.width, gk.central_meridian
                    )
                };
                match gk.epsg() {
                    Some(code) => format!("{name} (EPSG:{code})"),
                    None => name,
                }
            }
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// The order of the two numbers of a projected coordinate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AxisOrder {
    /// (easting, northing): GIS files (shapefile, GeoJSON, DXF x/y).
    EastingFirst,
    /// (northing, easting): Chinese surveyors' tables, where X is the northing and Y the easting
    /// (界址点 `点号,圈号,X,Y`). For a geographic CRS: (latitude, longitude).
    NorthingFirst,
}

impl AxisOrder {
    fn other(self) -> AxisOrder {
        match self {
            AxisOrder::EastingFirst => AxisOrder::NorthingFirst,
            AxisOrder::NorthingFirst => AxisOrder::EastingFirst,
        }
    }

    /// (easting, northing) from a pair in this order.
    fn split(self, (a, b): (f64, f64)) -> (f64, f64) {
        match self {
            AxisOrder::EastingFirst => (a, b),
            AxisOrder::NorthingFirst => (b, a),
        }
    }
}

impl fmt::Display for AxisOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AxisOrder::EastingFirst => "(easting, northing)",
            AxisOrder::NorthingFirst => "(northing, easting)",
        })
    }
}

/// Converts coordinates in `crs` to CGCS2000 (longitude, latitude) degrees.
///
/// - Geographic CRSs take (longitude, latitude) pairs, or (latitude, longitude) when
///   `declared_order` is [`AxisOrder::NorthingFirst`]. No range check is made here (the
///   caller explains swapped or out-of-range pairs); non-finite values are refused.
/// - GCJ-02 and BD-09 are inverted iteratively ([`gcj02`]); points outside the public
///   algorithm's box around China are not shifted, as the forward algorithm leaves them.
/// - Gauss-Krüger pairs may come in either axis order and with or without the zone prefix. The
///   form is resolved once for the whole set (all points of a site share it) from the value
///   ranges ([`gauss_kruger::resolve`]): a northing in China is 0.3–6.2 Mm; an easting is below
///   1 000 000 m, or zone × 1 000 000 m plus that with a 3° zone 25–45 or 6° zone 13–23 in
///   front. `declared_order = None` detects the order and fails when both orders fit.
///
/// # Errors
/// Non-finite values; for Gauss-Krüger: coordinates that fit neither order (or not the declared
/// one), a set where both fit and no order was declared, a zone prefix whose central meridian
/// differs from the declared zone's, or a point the projection cannot invert.
pub fn to_lonlat(
    crs: &Crs,
    coords: &[(f64, f64)],
    declared_order: Option<AxisOrder>,
) -> Result<Vec<(f64, f64)>, CrsError> {
    check_finite(coords)?;
    if coords.is_empty() {
        return Ok(Vec::new());
    }
    match crs {
        Crs::Cgcs2000 | Crs::Wgs84 => Ok(coords
            .iter()
            .map(|&c| declared_order.unwrap_or(AxisOrder::EastingFirst).split(c))
            .collect()),
        Crs::Gcj02 | Crs::Bd09 => coords
            .iter()
            .enumerate()
            .map(|(index, &c)| {
                let (lon, lat) = declared_order.unwrap_or(AxisOrder::EastingFirst).split(c);
                web_to_lonlat(crs, index, lon, lat)
            })
            .collect(),
        Crs::GaussKruger(gk) => {
            let resolved = gauss_kruger::resolve(gk, coords, declared_order)?;
            coords
                .iter()
                .enumerate()
                .map(|(index, &c)| resolved.to_lonlat(index, c))
                .collect()
        }
    }
}

fn web_to_lonlat(crs: &Crs, index: usize, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
    let not_converged = || CrsError::NotConverged {
        index,
        x: lon,
        y: lat,
        crs: crs.label(),
    };
    let gcj = match crs {
        Crs::Bd09 => gcj02::bd09_to_gcj02(lon, lat).ok_or_else(not_converged)?,
        _ => (lon, lat),
    };
    gcj02::gcj02_to_wgs84(gcj.0, gcj.1).ok_or_else(not_converged)
}

/// Converts CGCS2000 (longitude, latitude) degrees into `crs`: the inverse of [`to_lonlat`].
/// Gauss-Krüger output is (easting, northing), with the zone prefix when
/// [`GaussKruger::zone_prefixed`]; GCJ-02 and BD-09 apply the public forward algorithms.
///
/// # Errors
/// Non-finite values, or a point the projection cannot compute.
pub fn from_lonlat(crs: &Crs, lonlat: &[(f64, f64)]) -> Result<Vec<(f64, f64)>, CrsError> {
    check_finite(lonlat)?;
    match crs {
        Crs::Cgcs2000 | Crs::Wgs84 => Ok(lonlat.to_vec()),
        Crs::Gcj02 => Ok(lonlat
            .iter()
            .map(|&(lon, lat)| gcj02::wgs84_to_gcj02(lon, lat))
            .collect()),
        Crs::Bd09 => Ok(lonlat
            .iter()
            .map(|&(lon, lat)| {
                let (glon, glat) = gcj02::wgs84_to_gcj02(lon, lat);
                gcj02::gcj02_to_bd09(glon, glat)
            })
            .collect()),
        Crs::GaussKruger(gk) => {
            let projection = gauss_kruger::Projection::new(gk.central_meridian)?;
            let prefix = if gk.zone_prefixed {
                f64::from(gk.zone) * 1e6
            } else {
                0.0
            };
            lonlat
                .iter()
                .enumerate()
                .map(|(index, &(lon, lat))| {
                    let (e, n) = projection.forward(index, lon, lat)?;
                    Ok((e + prefix, n))
                })
                .collect()
        }
    }
}

/// [`to_lonlat`] on a geometry, keeping its structure. The axis order and zone prefix are
/// resolved over all the geometry's coordinates at once.
///
/// # Errors
/// As [`to_lonlat`]; coordinate indices count the geometry's coordinates in order
/// (exterior ring before holes, parts in order).
pub fn geometry_to_lonlat(
    g: &geo::Geometry<f64>,
    crs: &Crs,
    declared_order: Option<AxisOrder>,
) -> Result<geo::Geometry<f64>, CrsError> {
    let coords: Vec<(f64, f64)> = g.coords_iter().map(|c| (c.x, c.y)).collect();
    // Converting the flat list first resolves the form over the whole set and reports errors
    // with the coordinate's index; the structural pass below then cannot meet a new error.
    to_lonlat(crs, &coords, declared_order)?;
    match crs {
        Crs::GaussKruger(gk) => {
            let resolved = gauss_kruger::resolve(gk, &coords, declared_order)?;
            g.try_map_coords(|c| {
                resolved
                    .to_lonlat(0, (c.x, c.y))
                    .map(|(x, y)| geo::Coord { x, y })
            })
        }
        _ => g.try_map_coords(|c| {
            to_lonlat(crs, &[(c.x, c.y)], declared_order)
                .map(|v| v.first().map_or(c, |&(x, y)| geo::Coord { x, y }))
        }),
    }
}

fn check_finite(coords: &[(f64, f64)]) -> Result<(), CrsError> {
    match coords
        .iter()
        .enumerate()
        .find(|(_, (x, y))| !x.is_finite() || !y.is_finite())
    {
        Some((index, &(x, y))) => Err(CrsError::NonFinite { index, x, y }),
        None => Ok(()),
    }
}
