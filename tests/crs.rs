//! The coordinate reference systems: Gauss-Krüger against PROJ and the EPSG worked example,
//! axis-order and zone-prefix resolution with its errors as rendered, GCJ-02/BD-09 against
//! the published vectors of the public algorithm, declarations, EPSG codes and `.prj` files.
//!
//! Where the reference values come from:
//! - EPSG Guidance Note 7-2 (IOGP Publication 373-7-2), Transverse Mercator worked example
//!   (OSGB 1936 / British National Grid): φ = 50°30'N, λ = 0°30'E → E 577 274.98 m,
//!   N 69 740.49 m, printed to the centimetre.
//! - CGCS2000 Gauss-Krüger points: PROJ 9.5.1 through pyproj 3.7.2,
//!   `Transformer.from_crs(4490, epsg, always_xy=True)`, EPSG:4491–4554. We know of no
//!   published CGCS2000 control-point table with coordinates we could cite; PROJ is the
//!   reference implementation everyone else is checked against.
//!   `tests/fixtures/crs/proj-gauss-kruger.tsv` holds 400 more such points (its header says how
//!   they were made).
//! - GCJ-02: the test vectors of eviltransform (github.com/googollee/eviltransform,
//!   `transform_test.go`) and the README examples of coordtransform
//!   (github.com/wandergis/coordtransform), reproduced to the last digit.

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use geo::{Coord, Geometry, LineString, Polygon};
use proptest::prelude::*;
use zonecheck::crs::{
    self, AxisOrder, Crs, CrsError, GaussKruger, ZoneWidth, from_lonlat, gcj02, to_lonlat,
};

/// Distance in metres between two nearby lon/lat points (local flat approximation, plenty
/// for millimetre comparisons).
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let k = 111_320.0;
    ((a.0 - b.0) * k * a.1.to_radians().cos()).hypot((a.1 - b.1) * k)
}

// ---------------------------------------------------------------------------------------------
// Gauss-Krüger maths

#[test]
fn the_transverse_mercator_maths_reproduces_the_epsg_guidance_note_example() {
    // GN 7-2 §3.5.3.1, OSGB 1936 / British National Grid: Airy 1830, φ0 = 49°N, λ0 = 2°W,
    // k0 = 0.9996012717, FE = 400 000 m, FN = −100 000 m. proj4rs' tmerc is what crs uses.
    use proj4rs::{Proj, adaptors::transform_xy};
    let geo = Proj::from_proj_string("+proj=longlat +ellps=airy +no_defs").unwrap();
    let bng = Proj::from_proj_string(
        "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy \
         +units=m +no_defs",
    )
    .unwrap();
    let (e, n) = transform_xy(&geo, &bng, 0.5f64.to_radians(), 50.5f64.to_radians()).unwrap();
    assert!((e - 577_274.98).abs() < 0.01, "{e}");
    assert!((n - 69_740.49).abs() < 0.01, "{n}");
    let (lon, lat) = transform_xy(&bng, &geo, 577_274.98, 69_740.49).unwrap();
    assert!(metres((lon.to_degrees(), lat.to_degrees()), (0.5, 50.5)) < 0.01);
}

/// (place, lon, lat, zone, prefixed easting, northing): PROJ 9.5.1, EPSG:4490 → the zone's
/// prefixed EPSG code (3°: 4513 + zone − 25; 6°: 4491 + zone − 13).
const THREE_DEGREE: &[(&str, f64, f64, u8, f64, f64)] = &[
    (
        "Beijing Tiananmen",
        116.3975,
        39.9087,
        39,
        39448481.5746,
        4419565.4353,
    ),
    (
        "Nanjing Xinjiekou",
        118.7784,
        32.0437,
        40,
        40384618.1105,
        3547350.8748,
    ),
    ("Kashgar", 75.99, 39.47, 25, 25585190.7034, 4371151.2495),
    ("Urumqi", 87.6168, 43.8256, 29, 29549615.9011, 4854629.6266),
    ("Lhasa", 91.1172, 29.6469, 30, 30608177.5609, 3281494.1852),
    ("Sanya", 109.5119, 18.2528, 37, 37342614.5660, 2019602.5527),
    ("Mohe", 122.5386, 52.9724, 41, 41469003.2251, 5871648.5224),
    ("Fuyuan", 134.2895, 48.3641, 45, 45447352.9999, 5359157.2517),
    ("Zengmu Ansha", 112.28, 3.97, 37, 37642161.1090, 439096.8774),
    (
        "Guangzhou",
        113.2644,
        23.1291,
        38,
        38424654.8930,
        2559024.7393,
    ),
];
const SIX_DEGREE: &[(&str, f64, f64, u8, f64, f64)] = &[
    (
        "Beijing Tiananmen",
        116.3975,
        39.9087,
        20,
        20448481.5746,
        4419565.4353,
    ),
    (
        "Nanjing Xinjiekou",
        118.7784,
        32.0437,
        20,
        20667978.7295,
        3548081.6316,
    ),
    ("Kashgar", 75.99, 39.47, 13, 13585190.7034, 4371151.2495),
    ("Urumqi", 87.6168, 43.8256, 15, 15549615.9011, 4854629.6266),
    ("Lhasa", 91.1172, 29.6469, 16, 16317679.0819, 3282454.5852),
    ("Sanya", 109.5119, 18.2528, 19, 19342614.5660, 2019602.5527),
    ("Mohe", 122.5386, 52.9724, 21, 21469003.2251, 5871648.5224),
    ("Fuyuan", 134.2895, 48.3641, 23, 23447352.9999, 5359157.2517),
    ("Zengmu Ansha", 112.28, 3.97, 19, 19642161.1090, 439096.8774),
    (
        "Guangzhou",
        113.2644,
        23.1291,
        19,
        19731972.7068,
        2560635.9705,
    ),
];

fn reference_sets()
-> impl Iterator<Item = (ZoneWidth, &'static (&'static str, f64, f64, u8, f64, f64))> {
    THREE_DEGREE
        .iter()
        .map(|r| (ZoneWidth::Three, r))
        .chain(SIX_DEGREE.iter().map(|r| (ZoneWidth::Six, r)))
}

#[test]
fn gauss_kruger_matches_proj_at_reference_points_both_ways() {
    for (width, &(place, lon, lat, zone, e, n)) in reference_sets() {
        let crs = Crs::gauss_kruger(width, zone).unwrap();
        let projected = from_lonlat(&crs, &[(lon, lat)]).unwrap()[0];
        assert!(
            (projected.0 - e).abs() < 1e-3 && (projected.1 - n).abs() < 1e-3,
            "{place} {width} zone {zone}: {projected:?}"
        );
        // Zengmu Ansha without prefix fits both orders: declare it there.
        let order = (place == "Zengmu Ansha").then_some(AxisOrder::EastingFirst);
        let plain = e - f64::from(zone) * 1e6;
        for pair in [(e, n), (plain, n)] {
            let back = to_lonlat(&crs, &[pair], order).unwrap()[0];
            assert!(metres(back, (lon, lat)) < 1e-3, "{place} {width} {pair:?}");
        }
    }
}

#[test]
fn gauss_kruger_matches_proj_on_400_random_points() {
    let text = std::fs::read_to_string("tests/fixtures/crs/proj-gauss-kruger.tsv").unwrap();
    let mut worst: f64 = 0.0;
    let mut count = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<f64> = line.split('\t').map(|x| x.parse().unwrap()).collect();
        let (cm, lon, lat, e, n) = (f[0], f[1], f[2], f[3], f[4]);
        let crs = Crs::gauss_kruger_cm(ZoneWidth::Three, cm).unwrap();
        let p = from_lonlat(&crs, &[(lon, lat)]).unwrap()[0];
        worst = worst.max((p.0 - e).abs()).max((p.1 - n).abs());
        let back = to_lonlat(&crs, &[(e, n)], Some(AxisOrder::EastingFirst)).unwrap()[0];
        worst = worst.max(metres(back, (lon, lat)));
        count += 1;
    }
    assert_eq!(count, 400);
    // Points lie up to 4° from the central meridian (beyond the 1.5° zone edge).
    assert!(worst < 1e-3, "worst disagreement with PROJ: {worst} m");
}

fn zone_strategy() -> impl Strategy<Value = (ZoneWidth, u8, f64, f64)> {
    prop_oneof![Just(ZoneWidth::Three), Just(ZoneWidth::Six)]
        .prop_flat_map(|w| (Just(w), w.zones(), -1.0f64..1.0, 3.5f64..53.6))
        .prop_map(|(w, zone, offset, lat)| {
            let half = if w == ZoneWidth::Three { 1.5 } else { 3.0 };
            (w, zone, w.central_meridian(zone) + offset * half, lat)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// lon/lat → Gauss-Krüger → lon/lat over China's zones, in every form: prefixed and not,
    /// both axis orders; the order and prefix are detected except where both orders fit.
    #[test]
    fn gauss_kruger_round_trips_below_a_millimetre(
        (width, zone, lon, lat) in zone_strategy(),
        prefixed in any::<bool>(),
        northing_first in any::<bool>(),
    ) {
        let Crs::GaussKruger(gk) = Crs::gauss_kruger(width, zone).unwrap() else { unreachable!() };
        let crs = Crs::GaussKruger(GaussKruger { zone_prefixed: prefixed, ..gk });
        // A little site: the point and two neighbours 50 m away.
        let site = [(lon, lat), (lon + 0.0005, lat), (lon, lat + 0.0005)];
        let en = from_lonlat(&crs, &site).unwrap();
        let pairs: Vec<(f64, f64)> = if northing_first {
            en.iter().map(|&(e, n)| (n, e)).collect()
        } else {
            en.clone()
        };
        let order = if northing_first { AxisOrder::NorthingFirst } else { AxisOrder::EastingFirst };
        let detected = to_lonlat(&crs, &pairs, None);
        let back = match detected {
            Ok(back) => back,
            Err(CrsError::AmbiguousAxisOrder { .. }) => {
                // Only unprefixed eastings with northings below 1 000 km (south of ~9°N) can
                // read both ways.
                prop_assert!(!prefixed && en.iter().all(|p| p.1 < 1_000_000.0));
                to_lonlat(&crs, &pairs, Some(order)).unwrap()
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        for (b, s) in back.iter().zip(&site) {
            prop_assert!(metres(*b, *s) < 1e-3, "{b:?} vs {s:?}");
        }
        // The declared order gives the same answer.
        let declared = to_lonlat(&crs, &pairs, Some(order)).unwrap();
        prop_assert_eq!(declared, back);
    }
}

// ---------------------------------------------------------------------------------------------
// Axis order and zone prefix

fn zone_39() -> Crs {
    Crs::parse("CGCS2000 3度带 39带").unwrap()
}

/// A surveyor's table near Beijing: (X northing, Y easting with prefix 39).
const TABLE_39: &[(f64, f64)] = &[
    (4_419_565.435, 39_448_481.575),
    (4_419_565.435, 39_448_581.575),
    (4_419_665.435, 39_448_581.575),
    (4_419_565.435, 39_448_481.575),
];

#[test]
fn a_surveyors_table_is_read_northing_first_with_its_prefix() {
    let out = to_lonlat(&zone_39(), TABLE_39, None).unwrap();
    assert!(metres(out[0], (116.3975, 39.9087)) < 1e-3);
    // Same points written easting first and without the prefix.
    let gis: Vec<_> = TABLE_39.iter().map(|&(n, e)| (e - 39e6, n)).collect();
    assert_eq!(to_lonlat(&zone_39(), &gis, None).unwrap(), out);
    // Declared as the CM form (EPSG:4548), the prefixed table is accepted too.
    let cm = Crs::parse("EPSG:4548").unwrap();
    assert_eq!(to_lonlat(&cm, TABLE_39, None).unwrap(), out);
    // A 6° zone-20 prefix has the same central meridian (117°E): same conversion.
    let six: Vec<_> = TABLE_39.iter().map(|&(n, e)| (n, e - 19e6)).collect();
    let six_out = to_lonlat(&zone_39(), &six, None).unwrap();
    for (a, b) in six_out.iter().zip(&out) {
        assert!(metres(*a, *b) < 1e-6);
    }
}

#[test]
fn a_set_that_reads_both_ways_is_ambiguous() {
    // Zengmu Ansha (3.97°N) in zone 37 without prefix: E 642 161, N 439 097 — both values fit
    // both roles.
    let crs = Crs::parse("EPSG:4546").unwrap(); // 3° CM 111E
    let pts = [(642_161.109, 439_096.877), (642_261.109, 439_096.877)];
    let err = to_lonlat(&crs, &pts, None).unwrap_err();
    assert_eq!(err.code(), "E-CRS-AXIS-AMBIGUOUS");
    assert_eq!(
        err.to_string(),
        "the 2 coordinate pairs fit both (easting, northing) and (northing, easting) in \
         CGCS2000 / 3-degree Gauss-Kruger CM 111E (EPSG:4546)"
    );
    assert_eq!(
        err.help().unwrap(),
        "declare the axis order: surveyors' tables (界址点 X, Y) are (northing, easting), GIS \
         files (x, y) are (easting, northing)"
    );
    let out = to_lonlat(&crs, &pts, Some(AxisOrder::EastingFirst)).unwrap();
    assert!(metres(out[0], (112.28, 3.97)) < 1e-3);
}

#[test]
fn a_prefix_that_contradicts_the_declared_zone_is_an_error() {
    let table: Vec<_> = TABLE_39.iter().map(|&(n, e)| (n, e + 1e6)).collect();
    let err = to_lonlat(&zone_39(), &table, None).unwrap_err();
    assert_eq!(err.code(), "E-CRS-ZONE-PREFIX");
    assert_eq!(
        err.to_string(),
        "the eastings carry zone prefix `40` (3-degree zone, central meridian 120°E) but the \
         declared CRS is CGCS2000 / 3-degree Gauss-Kruger zone 39 (EPSG:4527)"
    );
    assert_eq!(
        err.help().unwrap(),
        "if the coordinates are in zone 40, declare `CGCS2000 3-degree Gauss-Kruger zone 40` \
         (EPSG:4528); otherwise check the coordinates"
    );
}

#[test]
fn coordinates_that_fit_neither_order_say_why_for_each() {
    // Degrees given to a projected CRS.
    let err = to_lonlat(&zone_39(), &[(116.3975, 39.9087)], None).unwrap_err();
    assert_eq!(err.code(), "E-CRS-AXIS-NO-FIT");
    assert_eq!(
        err.to_string(),
        "the coordinates are not Gauss-Krüger metres of CGCS2000 / 3-degree Gauss-Kruger zone \
         39 (EPSG:4527) in either axis order: as (easting, northing), point 0 has northing \
         `39.9087` outside 300 000–6 200 000 m; as (northing, easting), point 0 has northing \
         `116.3975` outside 300 000–6 200 000 m"
    );
    assert!(
        err.help()
            .unwrap()
            .starts_with("check that these are CGCS2000 Gauss-Krüger metres")
    );

    // One point with a prefix, one without.
    let mixed = [TABLE_39[0], (4_419_565.435, 448_581.575)];
    let err = to_lonlat(&zone_39(), &mixed, None).unwrap_err();
    assert!(
        err.to_string().contains(
            "as (northing, easting), point 1 has easting `448581.575` without zone prefix but \
             point 0 with zone prefix 39"
        ),
        "{err}"
    );
}

#[test]
fn a_declared_order_that_does_not_fit_says_the_other_does() {
    let err = to_lonlat(&zone_39(), TABLE_39, Some(AxisOrder::EastingFirst)).unwrap_err();
    assert_eq!(err.code(), "E-CRS-AXIS-DECLARED");
    assert_eq!(
        err.to_string(),
        "the coordinates do not fit the declared axis order (easting, northing) in CGCS2000 / \
         3-degree Gauss-Kruger zone 39 (EPSG:4527): point 0 has northing `39448481.575` outside \
         300 000–6 200 000 m"
    );
    assert_eq!(
        err.help().unwrap(),
        "the coordinates fit the other order (northing, easting): declare that, or none to \
         detect it"
    );
}

#[test]
fn non_finite_coordinates_are_errors_in_every_crs() {
    for crs in [Crs::Cgcs2000, Crs::Wgs84, Crs::Gcj02, Crs::Bd09, zone_39()] {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = to_lonlat(&crs, &[(118.0, 32.0), (bad, 32.0)], None).unwrap_err();
            assert_eq!(err.code(), "E-CRS-NON-FINITE", "{crs}");
            assert_eq!(
                err.to_string(),
                format!("coordinate 1 `({bad}, 32)` is not a pair of finite numbers")
            );
        }
    }
    assert!(from_lonlat(&zone_39(), &[(f64::NAN, 1.0)]).is_err());
}

#[test]
fn geographic_pairs_pass_through_and_a_latitude_first_order_is_swapped() {
    let pts = [(118.78, 32.04), (200.0, -95.0)]; // ranges are the caller's business
    assert_eq!(to_lonlat(&Crs::Cgcs2000, &pts, None).unwrap(), pts);
    assert_eq!(to_lonlat(&Crs::Wgs84, &pts, None).unwrap(), pts);
    assert_eq!(
        to_lonlat(
            &Crs::Cgcs2000,
            &[(32.04, 118.78)],
            Some(AxisOrder::NorthingFirst)
        )
        .unwrap(),
        vec![(118.78, 32.04)]
    );
    assert_eq!(to_lonlat(&zone_39(), &[], None).unwrap(), vec![]);
}

#[test]
fn geometries_keep_their_structure_and_resolve_over_all_coordinates() {
    let ring = |pts: &[(f64, f64)]| {
        LineString::from(pts.iter().map(|&(x, y)| Coord { x, y }).collect::<Vec<_>>())
    };
    let outer: Vec<_> = [
        (0.0, 0.0),
        (0.0, 1000.0),
        (1000.0, 1000.0),
        (1000.0, 0.0),
        (0.0, 0.0),
    ]
    .iter()
    .map(|&(dn, de)| (3_547_000.0 + dn, 40_384_000.0 + de))
    .collect();
    let hole: Vec<_> = [
        (400.0, 400.0),
        (400.0, 600.0),
        (600.0, 600.0),
        (400.0, 400.0),
    ]
    .iter()
    .map(|&(dn, de)| (3_547_000.0 + dn, 40_384_000.0 + de))
    .collect();
    let poly = Geometry::Polygon(Polygon::new(ring(&outer), vec![ring(&hole)]));
    let crs = Crs::parse("CGCS2000 / 3-degree Gauss-Kruger zone 40").unwrap();
    let Geometry::Polygon(out) = crs::geometry_to_lonlat(&poly, &crs, None).unwrap() else {
        panic!("not a polygon");
    };
    assert_eq!(out.interiors().len(), 1);
    assert_eq!(out.exterior().0.len(), 5);
    let flat = to_lonlat(&crs, &outer, None).unwrap();
    for (c, f) in out.exterior().0.iter().zip(&flat) {
        assert_eq!((c.x, c.y), *f);
    }
    assert!((118.7..118.8).contains(&out.exterior().0[0].x));
    let wrong = Crs::parse("CGCS2000 3度带 39带").unwrap();
    let err = crs::geometry_to_lonlat(&poly, &wrong, None).unwrap_err();
    assert_eq!(err.code(), "E-CRS-ZONE-PREFIX");
}

// ---------------------------------------------------------------------------------------------
// GCJ-02 and BD-09

#[test]
fn gcj02_forward_reproduces_the_published_vectors() {
    // eviltransform transform_test.go: (WGS lat, lng) → (GCJ lat, lng).
    for (wlat, wlng, glat, glng) in [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    ] {
        let (lng, lat) = gcj02::wgs84_to_gcj02(wlng, wlat);
        assert!((lng - glng).abs() < 1e-12 && (lat - glat).abs() < 1e-12);
        let back = to_lonlat(&Crs::Gcj02, &[(glng, glat)], None).unwrap()[0];
        assert!(metres(back, (wlng, wlat)) < 0.001);
    }
    // coordtransform README: wgs84togcj02(116.404, 39.915), gcj02tobd09(116.404, 39.915).
    let g = gcj02::wgs84_to_gcj02(116.404, 39.915);
    assert!((g.0 - 116.41024449916938).abs() < 1e-12 && (g.1 - 39.91640428150164).abs() < 1e-12);
    let b = gcj02::gcj02_to_bd09(116.404, 39.915);
    assert!((b.0 - 116.41036949371029).abs() < 1e-12 && (b.1 - 39.92133699351021).abs() < 1e-12);
}

#[test]
fn the_inverses_beat_the_one_step_inverses_of_the_published_vectors() {
    // coordtransform README: gcj02towgs84(116.404, 39.915) = (116.39775550083061,
    // 39.91359571849836) and bd09togcj02(116.404, 39.915) = (116.39762729119315,
    // 39.90865673957631), both one-step approximations. Ours lie within a metre of them and
    // map back exactly.
    let w = gcj02::gcj02_to_wgs84(116.404, 39.915).unwrap();
    assert!(metres(w, (116.39775550083061, 39.91359571849836)) < 1.0);
    let g = gcj02::wgs84_to_gcj02(w.0, w.1);
    assert!((g.0 - 116.404).abs() < 1e-9 && (g.1 - 39.915).abs() < 1e-9);
    let one_step = gcj02::wgs84_to_gcj02(116.39775550083061, 39.91359571849836);
    assert!(
        metres(one_step, (116.404, 39.915)) > 0.01,
        "the one-step inverse is not exact"
    );

    let bg = gcj02::bd09_to_gcj02(116.404, 39.915).unwrap();
    assert!(metres(bg, (116.39762729119315, 39.90865673957631)) < 0.2);
    let bb = gcj02::gcj02_to_bd09(bg.0, bg.1);
    assert!((bb.0 - 116.404).abs() < 1e-9 && (bb.1 - 39.915).abs() < 1e-9);
}

#[test]
fn points_outside_the_public_box_are_not_shifted() {
    for p in [(2.35, 48.85), (-74.0, 40.7), (140.0, 35.0), (100.0, 60.0)] {
        assert_eq!(to_lonlat(&Crs::Gcj02, &[p], None).unwrap(), vec![p]);
        assert_eq!(from_lonlat(&Crs::Gcj02, &[p]).unwrap(), vec![p]);
    }
    assert!(gcj02::in_china_box(118.78, 32.04));
    assert!(!gcj02::in_china_box(72.0, 32.0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn web_map_coordinates_round_trip_below_a_centimetre(
        lon in 73.0f64..135.0, lat in 3.5f64..53.6, baidu in any::<bool>(),
    ) {
        let crs = if baidu { Crs::Bd09 } else { Crs::Gcj02 };
        let shifted = from_lonlat(&crs, &[(lon, lat)]).unwrap();
        let back = to_lonlat(&crs, &shifted, None).unwrap()[0];
        prop_assert!(metres(back, (lon, lat)) < 0.01, "{back:?}");
        // The offset itself is hundreds of metres (BD-09 adds its own).
        prop_assert!(metres(shifted[0], (lon, lat)) > 1.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Declarations

#[test]
fn every_cgcs2000_gauss_kruger_epsg_code_maps_to_its_zone() {
    // Checked against PROJ 9.5.1's EPSG database: 4491–4501 are "CGCS2000 / Gauss-Kruger zone
    // 13"…"23" (FE = zone·1e6 + 500 000), 4502–4512 "… CM 75E"…"CM 135E" (FE 500 000),
    // 4513–4533 "CGCS2000 / 3-degree Gauss-Kruger zone 25"…"45", 4534–4554 "… CM 75E"…"135E".
    for code in 4491u16..=4554 {
        let crs = Crs::parse(&format!("EPSG:{code}")).unwrap();
        let Crs::GaussKruger(gk) = crs else {
            panic!("{code}")
        };
        let (width, first_zone, base, prefixed) = match code {
            4491..=4501 => (ZoneWidth::Six, 13, 4491, true),
            4502..=4512 => (ZoneWidth::Six, 13, 4502, false),
            4513..=4533 => (ZoneWidth::Three, 25, 4513, true),
            _ => (ZoneWidth::Three, 25, 4534, false),
        };
        let zone = first_zone + (code - base) as u8;
        let cm = match width {
            ZoneWidth::Three => 3.0 * f64::from(zone),
            ZoneWidth::Six => 6.0 * f64::from(zone) - 3.0,
        };
        assert_eq!(
            gk,
            GaussKruger {
                width,
                zone,
                central_meridian: cm,
                zone_prefixed: prefixed
            },
            "EPSG:{code}"
        );
        assert_eq!(crs.epsg(), Some(code));
        assert!(crs.is_projected());
        assert!((75.0..=135.0).contains(&cm));
    }
    assert_eq!(
        Crs::parse("EPSG:4527").unwrap().label(),
        "CGCS2000 / 3-degree Gauss-Kruger zone 39 (EPSG:4527)"
    );
    assert_eq!(
        Crs::parse("EPSG:4548").unwrap().label(),
        "CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)"
    );
    assert_eq!(
        Crs::parse("EPSG:4498").unwrap().label(),
        "CGCS2000 / 6-degree Gauss-Kruger zone 20 (EPSG:4498)"
    );
}

#[test]
fn names_and_web_maps_are_recognised() {
    for (decl, crs) in [
        ("CGCS2000", Crs::Cgcs2000),
        ("EPSG:4490", Crs::Cgcs2000),
        ("epsg 4490", Crs::Cgcs2000),
        ("2000国家大地坐标系", Crs::Cgcs2000),
        ("CGCS 2000", Crs::Cgcs2000),
        ("WGS84", Crs::Wgs84),
        ("WGS 84", Crs::Wgs84),
        ("wgs-84", Crs::Wgs84),
        ("EPSG:4326", Crs::Wgs84),
        ("GCJ-02", Crs::Gcj02),
        ("GCJ02", Crs::Gcj02),
        ("gcj02", Crs::Gcj02),
        ("火星坐标", Crs::Gcj02),
        ("火星坐标系", Crs::Gcj02),
        ("高德地图", Crs::Gcj02),
        ("BD-09", Crs::Bd09),
        ("BD09", Crs::Bd09),
        ("百度", Crs::Bd09),
        ("百度坐标", Crs::Bd09),
    ] {
        assert_eq!(Crs::parse(decl).unwrap(), crs, "{decl}");
        assert!(!crs.is_projected());
    }
}

#[test]
fn free_text_gauss_kruger_declarations() {
    let z39 = zone_39();
    let cm117_3 = Crs::parse("EPSG:4548").unwrap();
    for (decl, expected) in [
        ("CGCS2000 3度带 39带", z39),
        ("CGCS2000 / 3-degree Gauss-Kruger zone 39", z39),
        ("CGCS2000_3_Degree_GK_Zone_39", z39),
        ("2000国家大地坐标系 高斯-克吕格 3度分带 第39带", z39),
        ("CGCS2000，三度带，带号：39", z39),
        ("CGCS2000 3度带 ３９带", z39),
        ("cgcs2000 gauss-krüger zone 39", z39),
        ("CGCS2000 / 3-degree Gauss-Kruger CM 117E", cm117_3),
        ("CGCS2000 3度带 中央经线117", cm117_3),
        ("CGCS2000 3度带 中央子午线117°", cm117_3),
        ("CGCS2000 3度带 117°E", cm117_3),
        (
            "CGCS2000 / Gauss-Kruger zone 20",
            Crs::parse("EPSG:4498").unwrap(),
        ),
        (
            "CGCS2000 / Gauss-Kruger CM 117E",
            Crs::parse("EPSG:4509").unwrap(),
        ),
        ("CGCS2000 6度带 20带", Crs::parse("EPSG:4498").unwrap()),
        (
            "CGCS2000 高斯投影 中央经线114",
            Crs::parse("EPSG:4547").unwrap(),
        ),
        ("CGCS2000 3度带 39带 中央经线117", z39),
    ] {
        assert_eq!(Crs::parse(decl).unwrap(), expected, "{decl}");
    }
}

#[test]
fn gauss_kruger_constructors_check_the_zone() {
    let crs = Crs::gauss_kruger(ZoneWidth::Six, 20).unwrap();
    assert_eq!(crs.epsg(), Some(4498));
    let err = Crs::gauss_kruger(ZoneWidth::Three, 20).unwrap_err();
    assert_eq!(err.code(), "E-CRS-ZONE");
    assert_eq!(
        err.to_string(),
        "zone `20` is not a CGCS2000 3-degree Gauss-Krüger zone in China"
    );
    assert_eq!(
        err.help().unwrap(),
        "3-degree zones in China are 25–45; the zone number is the prefix of a zone-prefixed \
         easting (39 500 000 m is zone 39)"
    );
    assert!(Crs::gauss_kruger_cm(ZoneWidth::Six, 114.0).is_err());
    assert!(Crs::gauss_kruger_cm(ZoneWidth::Three, 114.0).is_ok());
}

#[test]
fn declarations_that_are_refused_say_why() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "西安80 3度带 39带",
            "E-CRS-DATUM",
            "`西安80 3度带 39带` uses the Xian 1980 (西安80) datum; zonecheck converts from \
             CGCS2000 only",
        ),
        (
            "Beijing 1954 / 3-degree Gauss-Kruger zone 39",
            "E-CRS-DATUM",
            "`Beijing 1954 / 3-degree Gauss-Kruger zone 39` uses the Beijing 1954 (北京54) datum; \
             zonecheck converts from CGCS2000 only",
        ),
        (
            "EPSG:2364",
            "E-CRS-DATUM",
            "`EPSG:2364` uses the Xian 1980 (西安80) datum; zonecheck converts from CGCS2000 only",
        ),
        (
            "EPSG:3857",
            "E-CRS-EPSG",
            "`EPSG:3857` is not a coordinate reference system zonecheck converts from",
        ),
        (
            "3度带 39带",
            "E-CRS-NO-DATUM",
            "`3度带 39带` declares a Gauss-Krüger projection but not its datum",
        ),
        (
            "CGCS2000 3度带",
            "E-CRS-NO-ZONE",
            "`CGCS2000 3度带` declares a Gauss-Krüger projection without a zone or central \
             meridian",
        ),
        (
            "CGCS2000 3度带 39带 中央经线120",
            "E-CRS-ZONE-MERIDIAN",
            "zone `39` (3-degree) has central meridian 117°E, not `120`",
        ),
        (
            "CGCS2000 zone 24",
            "E-CRS-ZONE",
            "zone `24` is neither a 3-degree (25–45) nor a 6-degree (13–23) zone in China",
        ),
        (
            "CGCS2000 3度带 中央经线118.5",
            "E-CRS-MERIDIAN",
            "central meridian `118.5` is not the central meridian of a Gauss-Krüger zone in China",
        ),
        (
            "WGS 84 / UTM zone 50N",
            "E-CRS-PROJECTION-KIND",
            "projection `WGS 84 / UTM zone 50N` is not supported; zonecheck reads CGCS2000 \
             Gauss-Krüger zones only",
        ),
        (
            "lat/lon",
            "E-CRS-UNKNOWN",
            "`lat/lon` is not a coordinate reference system zonecheck knows",
        ),
        (
            "",
            "E-CRS-UNKNOWN",
            "`` is not a coordinate reference system zonecheck knows",
        ),
    ];
    for (decl, code, message) in cases {
        let err = Crs::parse(decl).unwrap_err();
        assert_eq!(err.code(), *code, "{decl}");
        assert_eq!(err.to_string(), *message, "{decl}");
        assert!(err.help().is_some(), "{decl}");
    }
    assert_eq!(
        Crs::parse("80坐标系 3度带 39带").unwrap_err().code(),
        "E-CRS-DATUM"
    );
    assert_eq!(Crs::parse("北京54").unwrap_err().code(), "E-CRS-DATUM");
    let err = Crs::parse("西安80").unwrap_err();
    assert!(err.help().unwrap().starts_with(
        "convert the coordinates from Xian 1980 (西安80) to CGCS2000 first, with the \
         transformation parameters published by the provincial surveying authority"
    ));
}

#[test]
fn labels_and_uncertainties() {
    assert_eq!(Crs::Cgcs2000.label(), "CGCS2000 (EPSG:4490)");
    assert_eq!(Crs::Wgs84.label(), "WGS 84 (EPSG:4326), taken as CGCS2000");
    assert_eq!(
        Crs::Gcj02.to_string(),
        "GCJ-02 (Amap/Tencent web-map coordinates)"
    );
    assert_eq!(Crs::Bd09.label(), "BD-09 (Baidu web-map coordinates)");
    assert_eq!(zone_39().conversion_uncertainty_m(), 0.0);
    assert_eq!(Crs::Cgcs2000.conversion_uncertainty_m(), 0.0);
    assert!(Crs::Wgs84.conversion_uncertainty_m() <= 1.0);
    assert!(Crs::Gcj02.conversion_uncertainty_m() > 0.0);
    assert!(Crs::Bd09.conversion_uncertainty_m() > 0.0);
}

// ---------------------------------------------------------------------------------------------
// .prj files

fn prj(name: &str) -> Result<Crs, CrsError> {
    let text = std::fs::read_to_string(format!("tests/fixtures/prj/{name}")).unwrap();
    Crs::from_prj(&text)
}

#[test]
fn prj_files_of_supported_crss_are_read() {
    assert_eq!(prj("cgcs2000.prj").unwrap(), Crs::Cgcs2000);
    assert_eq!(prj("wgs84.prj").unwrap(), Crs::Wgs84);
    assert_eq!(prj("cgcs2000-3-degree-gk-zone-39.prj").unwrap(), zone_39());
    assert_eq!(
        prj("cgcs2000-3-degree-gk-cm-117e.prj").unwrap(),
        Crs::parse("EPSG:4548").unwrap()
    );
    assert_eq!(
        prj("cgcs2000-3-degree-tm-cm-120e.prj").unwrap(),
        Crs::parse("EPSG:4549").unwrap()
    );
    // Written by PROJ 9.5.1: OGC WKT 1 of EPSG:4527 and ESRI WKT of EPSG:4509.
    assert_eq!(prj("epsg-4527-ogc-wkt1.prj").unwrap(), zone_39());
    assert_eq!(
        prj("epsg-4509-esri.prj").unwrap(),
        Crs::parse("EPSG:4509").unwrap()
    );
}

#[test]
fn prj_files_of_other_crss_are_refused_with_what_was_found() {
    let err = prj("xian-1980-3-degree-gk-zone-39.prj").unwrap_err();
    assert_eq!(err.code(), "E-CRS-DATUM");
    assert_eq!(
        err.to_string(),
        "`DATUM[\"D_Xian_1980\"]` uses the Xian 1980 (西安80) datum; zonecheck converts from \
         CGCS2000 only"
    );
    let err = prj("beijing-1954-3-degree-gk-cm-117e.prj").unwrap_err();
    assert!(err.to_string().contains("Beijing 1954"), "{err}");

    let err = prj("wgs84-utm-50n.prj").unwrap_err();
    assert_eq!(err.code(), "E-CRS-PRJ-PARAMETER");
    assert_eq!(
        err.to_string(),
        "the `.prj` parameter `Scale_Factor` is `0.9996`; a CGCS2000 Gauss-Krüger zone has 1"
    );
    assert!(err.help().unwrap().contains("`CGCS2000 3度带 39带`"));

    let err = prj("cgcs2000-lambert.prj").unwrap_err();
    assert_eq!(
        err.to_string(),
        "projection `Lambert_Conformal_Conic` is not supported; zonecheck reads CGCS2000 \
         Gauss-Krüger zones only"
    );

    let err = prj("garbage.prj").unwrap_err();
    assert_eq!(err.code(), "E-CRS-PRJ-SYNTAX");
    assert_eq!(
        err.to_string(),
        "the `.prj` is not readable WKT: expected `[` after `THIS`"
    );
    assert!(err.help().unwrap().starts_with("declare the CRS"));
    let err = prj("truncated.prj").unwrap_err();
    assert_eq!(err.code(), "E-CRS-PRJ-SYNTAX");
    assert_eq!(Crs::from_prj("").unwrap_err().code(), "E-CRS-PRJ-SYNTAX");
}

#[test]
fn a_prj_false_easting_must_match_its_meridian() {
    let text = std::fs::read_to_string("tests/fixtures/prj/cgcs2000-3-degree-gk-zone-39.prj")
        .unwrap()
        .replace("39500000.0", "40500000.0");
    let err = Crs::from_prj(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the `.prj` parameter `False_Easting` is `40500000`; a CGCS2000 Gauss-Krüger zone has \
         500000, or 39500000 with the zone prefix"
    );
}

// ---------------------------------------------------------------------------------------------
// No panics on anything a user controls

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn declarations_and_prj_text_never_panic(text in ".{0,120}", cut in 0usize..700) {
        let _ = Crs::parse(&text);
        let _ = Crs::from_prj(&text);
        // Cut and spliced real .prj text.
        let real = std::fs::read_to_string("tests/fixtures/prj/epsg-4527-ogc-wkt1.prj").unwrap();
        let at = real.char_indices().map(|(i, _)| i).find(|&i| i >= cut.min(real.len())).unwrap_or(real.len());
        let _ = Crs::from_prj(&real[..at]);
        let _ = Crs::from_prj(&format!("{}{}{}", &real[..at], text, &real[at..]));
    }

    #[test]
    fn any_numbers_convert_or_fail_cleanly(
        x in prop_oneof![any::<f64>(), -1e8f64..1e8, 0.0f64..5e7],
        y in prop_oneof![any::<f64>(), -1e8f64..1e8, 0.0f64..7e6],
        zone in 25u8..=45,
        order in prop_oneof![Just(None), Just(Some(AxisOrder::EastingFirst)), Just(Some(AxisOrder::NorthingFirst))],
    ) {
        let gk = Crs::gauss_kruger(ZoneWidth::Three, zone).unwrap();
        for crs in [gk, Crs::Cgcs2000, Crs::Gcj02, Crs::Bd09] {
            if let Ok(out) = to_lonlat(&crs, &[(x, y)], order) {
                prop_assert!(out[0].0.is_finite() && out[0].1.is_finite());
            }
            let _ = from_lonlat(&crs, &[(x, y)]);
        }
    }
}

#[test]
fn a_nan_scale_factor_in_a_prj_is_refused() {
    let text = std::fs::read_to_string("tests/fixtures/prj/cgcs2000-3-degree-gk-zone-39.prj")
        .unwrap()
        .replace("\"Scale_Factor\",1.0", "\"Scale_Factor\",NaN");
    assert_eq!(
        Crs::from_prj(&text).unwrap_err().code(),
        "E-CRS-PRJ-PARAMETER"
    );
}

#[test]
fn ogc_crs84_is_wgs84() {
    use zonecheck::crs::Crs;
    assert_eq!(
        Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84").unwrap(),
        Crs::Wgs84
    );
    assert_eq!(Crs::parse("CRS84").unwrap(), Crs::Wgs84);
}
