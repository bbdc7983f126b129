//! CGCS2000 Gauss-Krüger: the projection, and resolving a coordinate set's axis order and
//! zone prefix.
//!
//! The maths is `proj4rs`'s `tmerc` (its default, the Poder/Engsager 6th-order Krüger series,
//! PROJ's `etmerc` ported), on GRS 80, whose semi-major axis and flattening are CGCS2000's
//! (6 378 137 m, 1/298.257222101). Tests hold it to 1 mm against PROJ 9.5 across China and
//! to the EPSG Guidance Note 7-2 worked example.

use proj4rs::Proj;
use proj4rs::adaptors::transform_xy;

use super::{AxisOrder, Crs, CrsError, GaussKruger, ZoneWidth};

/// A northing in China: 3.8°N (曾母暗沙) is about 420 km, 53.6°N (漠河) about 5 940 km.
pub const NORTHING_RANGE: std::ops::RangeInclusive<f64> = 300_000.0..=6_200_000.0;
/// An easting without prefix: 500 000 m ± 500 km covers a 3° or 6° zone and overlaps.
pub const EASTING_RANGE: std::ops::Range<f64> = 0.0..1_000_000.0;

/// Transverse Mercator of one central meridian, scale 1, false easting 500 000 m (no prefix).
pub struct Projection {
    geographic: Proj,
    plane: Proj,
}

impl Projection {
    /// # Errors
    /// [`CrsError::CentralMeridian`] for a non-finite or out-of-range meridian.
    pub fn new(central_meridian: f64) -> Result<Self, CrsError> {
        if !central_meridian.is_finite() || !(-180.0..=180.0).contains(&central_meridian) {
            return Err(CrsError::CentralMeridian {
                cm: central_meridian,
                width: None,
            });
        }
        let plane = format!(
            "+proj=tmerc +lat_0=0 +lon_0={central_meridian} +k=1 +x_0=500000 +y_0=0 \
             +ellps=GRS80 +units=m +no_defs"
        );
        let proj_error = |e: proj4rs::errors::Error| CrsError::Projection {
            index: 0,
            x: central_meridian,
            y: 0.0,
            reason: e.to_string(),
        };
        Ok(Projection {
            geographic: Proj::from_proj_string("+proj=longlat +ellps=GRS80 +no_defs")
                .map_err(proj_error)?,
            plane: Proj::from_proj_string(&plane).map_err(proj_error)?,
        })
    }

    /// (longitude, latitude) degrees → (easting, northing) metres without prefix.
    ///
    /// # Errors
    /// [`CrsError::Projection`] where the series does not apply (far from the meridian).
    pub fn forward(&self, index: usize, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        transform_xy(
            &self.geographic,
            &self.plane,
            lon.to_radians(),
            lat.to_radians(),
        )
        .map_err(|e| CrsError::Projection {
            index,
            x: lon,
            y: lat,
            reason: e.to_string(),
        })
    }

    /// (easting, northing) metres without prefix → (longitude, latitude) degrees.
    ///
    /// # Errors
    /// [`CrsError::Projection`] where the series does not apply (far from the meridian).
    pub fn inverse(&self, index: usize, e: f64, n: f64) -> Result<(f64, f64), CrsError> {
        let (lon, lat) = transform_xy(&self.plane, &self.geographic, e, n).map_err(|err| {
            CrsError::Projection {
                index,
                x: e,
                y: n,
                reason: err.to_string(),
            }
        })?;
        Ok((lon.to_degrees(), lat.to_degrees()))
    }
}

/// How a set of Gauss-Krüger pairs is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EastingForm {
    /// 500 000 m false easting.
    Plain,
    /// The zone number times 1 000 000 m in front.
    Prefixed(u8),
}

/// The axis order and easting form resolved for a whole coordinate set, ready to convert.
pub struct Resolved {
    pub order: AxisOrder,
    pub form: EastingForm,
    projection: Projection,
}

impl Resolved {
    /// One pair of the resolved set → CGCS2000 (longitude, latitude).
    ///
    /// # Errors
    /// [`CrsError::Projection`] where the series does not apply.
    pub fn to_lonlat(&self, index: usize, pair: (f64, f64)) -> Result<(f64, f64), CrsError> {
        let (e, n) = self.order.split(pair);
        let e = match self.form {
            EastingForm::Plain => e,
            EastingForm::Prefixed(zone) => e - f64::from(zone) * 1e6,
        };
        self.projection
            .inverse(index, e, n)
            .map_err(|err| match err {
                CrsError::Projection { reason, .. } => CrsError::Projection {
                    index,
                    x: pair.0,
                    y: pair.1,
                    reason,
                },
                other => other,
            })
    }
}

/// Whether every pair fits `order`, and in which form; else why not (the first offending
/// point).
fn fit(coords: &[(f64, f64)], order: AxisOrder) -> Result<EastingForm, String> {
    let mut form: Option<(usize, EastingForm)> = None;
    for (i, &pair) in coords.iter().enumerate() {
        let (e, n) = order.split(pair);
        if !NORTHING_RANGE.contains(&n) {
            return Err(format!(
                "point {i} has northing `{n}` outside 300 000–6 200 000 m"
            ));
        }
        let this = if EASTING_RANGE.contains(&e) {
            EastingForm::Plain
        } else {
            let prefix = (e / 1e6).floor();
            match (0.0..=255.0)
                .contains(&prefix)
                .then_some(prefix as u8)
                .filter(|&z| ZoneWidth::of_zone(z).is_some())
            {
                Some(zone) => EastingForm::Prefixed(zone),
                None => {
                    return Err(format!(
                        "point {i} has easting `{e}`, neither below 1 000 000 m nor prefixed \
                         with a zone 13–23 or 25–45"
                    ));
                }
            }
        };
        match form {
            None => form = Some((i, this)),
            Some((first, f)) if f != this => {
                return Err(format!(
                    "point {i} has easting `{e}` {} but point {first} {}",
                    describe(this),
                    describe(f)
                ));
            }
            Some(_) => {}
        }
    }
    Ok(form.map_or(EastingForm::Plain, |(_, f)| f))
}

fn describe(form: EastingForm) -> String {
    match form {
        EastingForm::Plain => "without zone prefix".to_string(),
        EastingForm::Prefixed(z) => format!("with zone prefix {z}"),
    }
}

/// Resolves the axis order and easting form of a whole set (all points of one site share them)
/// from the value ranges, and checks a zone prefix against the declared zone.
///
/// A prefix is accepted when its zone's central meridian is the declared one (3° zone 39 and
/// 6° zone 20 are both 117°E: the conversion is the same).
///
/// # Errors
/// [`CrsError::DeclaredOrderDoesNotFit`], [`CrsError::AmbiguousAxisOrder`],
/// [`CrsError::NoAxisOrderFits`], [`CrsError::ZonePrefixContradiction`], or
/// [`CrsError::CentralMeridian`] for an inconsistent hand-built [`GaussKruger`].
pub fn resolve(
    gk: &GaussKruger,
    coords: &[(f64, f64)],
    declared_order: Option<AxisOrder>,
) -> Result<Resolved, CrsError> {
    let crs = Crs::GaussKruger(*gk).label();
    let (order, form) = match declared_order {
        Some(order) => match fit(coords, order) {
            Ok(form) => (order, form),
            Err(reason) => {
                return Err(CrsError::DeclaredOrderDoesNotFit {
                    order,
                    crs,
                    reason,
                    other_fits: fit(coords, order.other()).is_ok(),
                });
            }
        },
        None => match (
            fit(coords, AxisOrder::EastingFirst),
            fit(coords, AxisOrder::NorthingFirst),
        ) {
            (Ok(form), Err(_)) => (AxisOrder::EastingFirst, form),
            (Err(_), Ok(form)) => (AxisOrder::NorthingFirst, form),
            (Ok(_), Ok(_)) => {
                return Err(CrsError::AmbiguousAxisOrder {
                    count: coords.len(),
                    crs,
                });
            }
            (Err(as_en), Err(as_ne)) => {
                return Err(CrsError::NoAxisOrderFits { crs, as_en, as_ne });
            }
        },
    };
    if let EastingForm::Prefixed(zone) = form
        && let Some(width) = ZoneWidth::of_zone(zone)
        && width.central_meridian(zone) != gk.central_meridian
    {
        return Err(CrsError::ZonePrefixContradiction {
            prefix: zone,
            prefix_width: width,
            prefix_cm: width.central_meridian(zone),
            crs,
        });
    }
    Ok(Resolved {
        order,
        form,
        projection: Projection::new(gk.central_meridian)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proj4rs_takes_radians_and_matches_proj_at_beijing() {
        // PROJ 9.5.1 (pyproj 3.7.2), EPSG:4490 → EPSG:4548 (CM 117E):
        // (116.3975, 39.9087) → (448481.5746, 4419565.4353).
        let p = Projection::new(117.0).unwrap();
        let (e, n) = p.forward(0, 116.3975, 39.9087).unwrap();
        assert!((e - 448_481.574_6).abs() < 1e-3 && (n - 4_419_565.435_3).abs() < 1e-3);
        let (lon, lat) = p.inverse(0, e, n).unwrap();
        assert!((lon - 116.3975).abs() < 1e-10 && (lat - 39.9087).abs() < 1e-10);
    }

    #[test]
    fn an_empty_set_resolves_to_plain() {
        assert_eq!(fit(&[], AxisOrder::EastingFirst), Ok(EastingForm::Plain));
    }
}
