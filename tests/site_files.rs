//! Site-boundary files: the examples in `examples/sites/` (one Nanjing site in every format) are
//! read faithfully, malformed files give the expected error code and name the place, and no
//! input — truncated, mutated or random — makes a reader panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};

use geo::{Coord, CoordsIter, Geometry, Polygon};
use zonecheck::site::{
    AxisHint, CrsDeclaration, Site, SiteError, SiteFormat, read_site, read_site_bytes,
};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/sites")
        .join(name)
}

fn read(name: &str) -> Site {
    read_site(&example(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn polygon(site: &Site) -> &Polygon<f64> {
    match &site.geometry {
        Geometry::Polygon(p) => p,
        g => panic!("{:?}: expected a Polygon, got {g:?}", site.format),
    }
}

fn tmp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zonecheck-site-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn copy_shapefile(dir: &Path, parts: &[&str]) {
    for ext in parts {
        std::fs::copy(
            example(&format!("site.{ext}")),
            dir.join(format!("site.{ext}")),
        )
        .unwrap();
    }
}

fn expect_err(result: Result<Site, SiteError>, code: &str, mentions: &[&str]) -> SiteError {
    let e = match result {
        Ok(s) => panic!("expected {code}, read {:?}", s.geometry),
        Err(e) => e,
    };
    assert_eq!(e.code(), code, "{e}");
    let text = e.to_string();
    for m in mentions {
        assert!(text.contains(m), "`{text}` should mention `{m}`");
    }
    assert!(!text.contains('\n'), "one line: {text}");
    e
}

// ---------------------------------------------------------------- examples

#[test]
fn geojson_example() {
    let s = read("site.geojson");
    assert_eq!(s.format, SiteFormat::GeoJson);
    assert_eq!(polygon(&s).exterior().0.len(), 6);
    assert!(polygon(&s).interiors().is_empty());
    assert_eq!(s.crs, CrsDeclaration::None);
    assert_eq!(s.axis, AxisHint::EastingFirst);
    assert_eq!(s.name.as_deref(), Some("南京示例地块"));
    assert_eq!(s.attributes["项目名称"], "示例项目");
}

#[test]
fn wkt_example() {
    let s = read("site.wkt");
    assert_eq!(s.format, SiteFormat::Wkt);
    assert_eq!(polygon(&s).exterior().0.len(), 6);
    assert_eq!(s.crs, CrsDeclaration::Named("EPSG:4490".into()));
    assert_eq!(s.axis, AxisHint::EastingFirst);
    // The same positions as the GeoJSON example.
    assert_eq!(
        polygon(&s).exterior(),
        polygon(&read("site.geojson")).exterior()
    );
}

#[test]
fn shapefile_example() {
    let s = read("site.shp");
    assert_eq!(s.format, SiteFormat::Shapefile);
    let p = polygon(&s);
    assert_eq!(p.exterior().0.len(), 6);
    assert!(p.interiors().is_empty());
    match &s.crs {
        CrsDeclaration::Prj(wkt) => {
            assert!(wkt.contains("CGCS2000"), "{wkt}");
            assert!(wkt.contains("Gauss_Kruger"), "{wkt}");
        }
        c => panic!("{c:?}"),
    }
    assert_eq!(s.axis, AxisHint::EastingFirst);
    // The .dbf is GBK: decoded.
    assert_eq!(s.attributes["NAME"], "南京示例地块");
    assert_eq!(s.name.as_deref(), Some("南京示例地块"));
    assert_eq!(s.attributes["AREA_M2"], 64500.0);
    // Easting with the zone-40 prefix first.
    let c = p.exterior().0[0];
    assert!((40_000_000.0..41_000_000.0).contains(&c.x), "{c:?}");
}

#[test]
fn kml_example() {
    let s = read("site.kml");
    assert_eq!(s.format, SiteFormat::Kml);
    assert_eq!(polygon(&s).exterior().0.len(), 6);
    assert_eq!(s.crs, CrsDeclaration::Named("WGS84".into()));
    assert_eq!(s.axis, AxisHint::EastingFirst);
    assert_eq!(s.name.as_deref(), Some("南京示例地块"));
    assert_eq!(s.attributes["项目名称"], "示例项目");
    assert_eq!(
        polygon(&s).exterior(),
        polygon(&read("site.geojson")).exterior()
    );
}

#[test]
fn table_example() {
    let s = read("site-table.txt");
    assert_eq!(s.format, SiteFormat::CoordinateTable);
    assert_eq!(polygon(&s).exterior().0.len(), 6);
    assert_eq!(s.crs, CrsDeclaration::Named("EPSG:4528".into()));
    assert_eq!(s.axis, AxisHint::NorthingFirst);
}

#[test]
fn land_txt_example() {
    let s = read("site-baopan.txt");
    assert_eq!(s.format, SiteFormat::LandTxt);
    assert_eq!(polygon(&s).exterior().0.len(), 6);
    assert_eq!(
        s.crs,
        CrsDeclaration::GaussKruger {
            datum: Some("2000国家大地坐标系".into()),
            zone_width: Some(3),
            zone: Some(40),
            projection: Some("高斯克吕格".into()),
        }
    );
    assert_eq!(s.axis, AxisHint::NorthingFirst);
    assert_eq!(s.name.as_deref(), Some("南京示例地块"));
    assert_eq!(s.attributes["地块面积"], "6.4500");
    assert_eq!(s.attributes["计量单位"], "米");
    assert!(
        s.notes.iter().any(|n| n.contains("GB18030")),
        "{:?}",
        s.notes
    );
}

#[test]
fn projected_examples_agree() {
    // The table and the 报盘 list northing first; the shapefile easting first: same positions.
    let swap = |c: &Coord<f64>| Coord { x: c.y, y: c.x };
    let shp: Vec<Coord<f64>> = polygon(&read("site.shp")).exterior().0.clone();
    for name in ["site-table.txt", "site-baopan.txt"] {
        let s = read(name);
        let swapped: Vec<Coord<f64>> = polygon(&s).exterior().0.iter().map(swap).collect();
        assert_eq!(swapped, shp, "{name}");
    }
}

#[test]
fn format_can_be_named() {
    let s = read_site(&example("site-baopan.txt"), Some(SiteFormat::LandTxt)).unwrap();
    assert_eq!(s.format, SiteFormat::LandTxt);
    let bytes = std::fs::read(example("site.geojson")).unwrap();
    let s = read_site_bytes(&bytes, SiteFormat::GeoJson, "upload.json").unwrap();
    assert_eq!(polygon(&s).exterior().0.len(), 6);
}

// ---------------------------------------------------------------- shapefiles

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in entries {
            z.start_file(*name, opts).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

fn part(ext: &str) -> Vec<u8> {
    std::fs::read(example(&format!("site.{ext}"))).unwrap()
}

#[test]
fn shapefile_zip_upload() {
    let z = zip_of(&[
        ("site/site.shp", part("shp")),
        ("site/site.shx", part("shx")),
        ("site/site.dbf", part("dbf")),
        ("site/site.prj", part("prj")),
    ]);
    let s = read_site_bytes(&z, SiteFormat::Shapefile, "upload.zip").unwrap();
    assert_eq!(s.geometry, read("site.shp").geometry);
    assert!(matches!(s.crs, CrsDeclaration::Prj(_)));

    let z = zip_of(&[("a.shp", part("shp")), ("a.shx", part("shx"))]);
    expect_err(
        read_site_bytes(&z, SiteFormat::Shapefile, "upload.zip"),
        "E-SITE-SHP-MISSING",
        &["upload.zip", ".dbf"],
    );
    let z = zip_of(&[("a.shp", part("shp")), ("b.shp", part("shp"))]);
    expect_err(
        read_site_bytes(&z, SiteFormat::Shapefile, "upload.zip"),
        "E-SITE-ZIP",
        &["2 .shp files"],
    );
    // A bare .shp upload cannot be read: says which parts are missing.
    expect_err(
        read_site_bytes(&part("shp"), SiteFormat::Shapefile, "site.shp"),
        "E-SITE-SHP-MISSING",
        &[".shx", ".dbf"],
    );
}

#[test]
fn shapefile_missing_parts() {
    let d = tmp_dir("missing-dbf");
    copy_shapefile(&d, &["shp", "shx", "prj"]);
    expect_err(
        read_site(&d.join("site.shp"), None),
        "E-SITE-SHP-MISSING",
        &["site.dbf"],
    );
    let d = tmp_dir("missing-shx");
    copy_shapefile(&d, &["shp", "dbf"]);
    expect_err(
        read_site(&d.join("site.shp"), None),
        "E-SITE-SHP-MISSING",
        &["site.shx"],
    );
    // No .prj is fine: the CRS is then undeclared, and a note says so.
    let s = read_site(
        &{
            let d = tmp_dir("no-prj");
            copy_shapefile(&d, &["shp", "shx", "dbf"]);
            d.join("site.shp")
        },
        None,
    )
    .unwrap();
    assert_eq!(s.crs, CrsDeclaration::None);
    assert!(s.notes.iter().any(|n| n.contains(".prj")));
}

#[test]
fn shapefile_truncated() {
    let d = tmp_dir("truncated");
    copy_shapefile(&d, &["shx", "dbf", "prj"]);
    let shp = part("shp");
    for cut in [0usize, 50, 99, 100, 150, shp.len() - 1] {
        std::fs::write(d.join("site.shp"), &shp[..cut]).unwrap();
        let r = read_site(&d.join("site.shp"), None);
        let code = if cut == 0 {
            "E-SITE-EMPTY"
        } else {
            "E-SITE-SHP-TRUNCATED"
        };
        expect_err(r, code, &["site.shp"]);
    }
    // A .shp that says it is complete but whose record is cut (header length patched).
    let mut lying = shp[..150].to_vec();
    lying[24..28].copy_from_slice(&(150i32 / 2).to_be_bytes());
    std::fs::write(d.join("site.shp"), &lying).unwrap();
    expect_err(
        read_site(&d.join("site.shp"), None),
        "E-SITE-SHP-TRUNCATED",
        &["record 1"],
    );
}

#[test]
fn shapefile_prj_passed_through_or_refused_when_empty() {
    let d = tmp_dir("prj");
    copy_shapefile(&d, &["shp", "shx", "dbf"]);
    std::fs::write(d.join("site.prj"), "this is not WKT").unwrap();
    let s = read_site(&d.join("site.shp"), None).unwrap();
    assert_eq!(s.crs, CrsDeclaration::Prj("this is not WKT".into()));
    std::fs::write(d.join("site.prj"), "  \n").unwrap();
    expect_err(
        read_site(&d.join("site.shp"), None),
        "E-SITE-PRJ-EMPTY",
        &["site.prj"],
    );
}

#[test]
fn shapefile_record_count_mismatch() {
    let d = tmp_dir("count");
    copy_shapefile(&d, &["shp", "shx", "prj"]);
    let mut dbf = part("dbf");
    dbf[4..8].copy_from_slice(&2u32.to_le_bytes()); // the .dbf header claims 2 records
    std::fs::write(d.join("site.dbf"), &dbf).unwrap();
    expect_err(
        read_site(&d.join("site.shp"), None),
        "E-SITE-SHP-COUNT",
        &["1 shape", "2 attribute"],
    );
}

#[test]
fn shapefile_null_shape() {
    let d = tmp_dir("null");
    copy_shapefile(&d, &["dbf", "prj"]);
    // One null record: header + record header (8 bytes) + shape type 0 (4 bytes).
    let mut shp = part("shp")[..100].to_vec();
    shp.extend_from_slice(&1i32.to_be_bytes());
    shp.extend_from_slice(&2i32.to_be_bytes());
    shp.extend_from_slice(&0i32.to_le_bytes());
    let words = (shp.len() / 2) as i32;
    shp[24..28].copy_from_slice(&words.to_be_bytes());
    let mut shx = part("shx")[..100].to_vec();
    shx.extend_from_slice(&50i32.to_be_bytes());
    shx.extend_from_slice(&2i32.to_be_bytes());
    std::fs::write(d.join("site.shp"), &shp).unwrap();
    std::fs::write(d.join("site.shx"), &shx).unwrap();
    expect_err(
        read_site(&d.join("site.shp"), None),
        "E-SITE-SHP-NULL",
        &["record 1"],
    );
}

// ---------------------------------------------------------------- text formats

fn bytes_err(text: &str, format: SiteFormat, code: &str, mentions: &[&str]) -> SiteError {
    expect_err(
        read_site_bytes(text.as_bytes(), format, "upload"),
        code,
        mentions,
    )
}

#[test]
fn broken_kml() {
    let kml = std::fs::read_to_string(example("site.kml")).unwrap();
    let broken = kml.replace("</Placemark>", "</Placemar>");
    let e = bytes_err(
        &broken,
        SiteFormat::Kml,
        "E-SITE-KML-SYNTAX",
        &["line 15", "broken XML"],
    );
    assert!(e.help().is_some());
    let cut = &kml[..kml.len() / 2];
    bytes_err(cut, SiteFormat::Kml, "E-SITE-KML-SYNTAX", &["upload"]);
    bytes_err(
        "<kml><Document></Document></kml>",
        SiteFormat::Kml,
        "E-SITE-NO-GEOMETRY",
        &[],
    );
    let deep = format!("{}{}", "<Folder>".repeat(500), "</Folder>".repeat(500));
    bytes_err(&deep, SiteFormat::Kml, "E-SITE-TOO-DEEP", &["line 1"]);
}

#[test]
fn table_errors_name_the_line() {
    let t = "点号,X,Y\nJ1,3549035.64,40386528.49\nJ2,3549235.64,40386528.49\nJ3,3549265.64,40386678.49\nJ4,35492x5.64,40386828.49\nJ1,3549035.64,40386528.49\n";
    bytes_err(
        t,
        SiteFormat::CoordinateTable,
        "E-SITE-NUMBER",
        &["line 5", "35492x5.64"],
    );
    let t = "J1,1,2\nJ2,3\n";
    bytes_err(
        t,
        SiteFormat::CoordinateTable,
        "E-SITE-TABLE-STRUCTURE",
        &["line 2", "3 cells"].map(|m| if m == "3 cells" { "need 3" } else { m }),
    );
    let t = "J1,0,0\nJ2,10,0\nJ1,0,0\n";
    bytes_err(
        t,
        SiteFormat::CoordinateTable,
        "E-SITE-TABLE-STRUCTURE",
        &["lines 1–3", "at least 3 distinct"],
    );
    let t = "J1,0,0\nJ2,10,0\nJ3,10,10\nJ1,0,0\n\nK1,50,50\nK2,60,60\n";
    bytes_err(
        t,
        SiteFormat::CoordinateTable,
        "E-SITE-MIXED-KINDS",
        &["lines 1–4", "lines 6–7"],
    );
    bytes_err(
        "J1,inf,0\n",
        SiteFormat::CoordinateTable,
        "E-SITE-NUMBER",
        &["line 1"],
    );
}

#[test]
fn table_holes_and_separators() {
    // Tabs, full-width commas and spaces; a second ring inside the first is a hole.
    let t = "# 坐标系：2000国家大地坐标系\nJ1\t0\t0\nJ2\t0\t100\nJ3\t100\t100\nJ4\t100\t0\nJ1\t0\t0\nK1，10，10\nK2，10，20\nK3，20，20\nK1，10，10\n\nL1 200 200\nL2 200 300\nL3 300 300\nL1 200 200\n";
    let s = read_site_bytes(t.as_bytes(), SiteFormat::CoordinateTable, "t.txt").unwrap();
    assert_eq!(s.crs, CrsDeclaration::Named("2000国家大地坐标系".into()));
    match &s.geometry {
        Geometry::MultiPolygon(mp) => {
            assert_eq!(mp.0.len(), 2);
            assert_eq!(mp.0[0].interiors().len(), 1);
        }
        g => panic!("{g:?}"),
    }
}

#[test]
fn land_txt_errors() {
    let txt = std::fs::read(example("site-baopan.txt")).unwrap();
    let (text, _, _) = encoding_rs::GBK.decode(&txt);
    let wrong = text.replace("6,6.4500", "7,6.4500");
    bytes_err(
        &wrong,
        SiteFormat::LandTxt,
        "E-SITE-TXT-COUNT",
        &["line 13", "南京示例地块", "7", "6 follow"],
    );
    let bad = text.replace("J3,1,3549265.640", "J3,1,3549265.6x0");
    bytes_err(
        &bad,
        SiteFormat::LandTxt,
        "E-SITE-NUMBER",
        &["line 16", "3549265.6x0"],
    );
    let bad = text.replace("J3,1,3549265.640", "J3,1,3549265,640");
    bytes_err(
        &bad,
        SiteFormat::LandTxt,
        "E-SITE-TXT-STRUCTURE",
        &["line 16", "5 field(s)"],
    );
    let no_coords = text.split("[地块坐标]").next().unwrap().to_string();
    bytes_err(
        &no_coords,
        SiteFormat::LandTxt,
        "E-SITE-TXT-STRUCTURE",
        &["[地块坐标]"],
    );
    // Two parcels: a MultiPolygon; a second ring (圈号 2) inside the first is a hole.
    let two = format!(
        "{text}5,1.0,2,二号,面,,,,@\r\nA1,1,0,0\r\nA2,1,0,100\r\nA3,1,100,100\r\nA1,1,0,0\r\nB1,2,10,10\r\n"
    );
    bytes_err(
        &two,
        SiteFormat::LandTxt,
        "E-SITE-TXT-STRUCTURE",
        &["圈号", "line 25"],
    );
    let two = format!(
        "{text}8,1.0,2,二号,面,,,,@\r\nA1,1,0,0\r\nA2,1,0,100\r\nA3,1,100,100\r\nA1,1,0,0\r\nB1,2,10,10\r\nB2,2,10,20\r\nB3,2,20,20\r\nB1,2,10,10\r\n"
    );
    let s = read_site_bytes(two.as_bytes(), SiteFormat::LandTxt, "two.txt").unwrap();
    match &s.geometry {
        Geometry::MultiPolygon(mp) => {
            assert_eq!(mp.0.len(), 2);
            assert_eq!(mp.0[1].interiors().len(), 1);
        }
        g => panic!("{g:?}"),
    }
}

#[test]
fn geojson_and_wkt_errors() {
    bytes_err(
        "{\"type\": \"Point\", \"coordinates\": [1,",
        SiteFormat::GeoJson,
        "E-SITE-GEOJSON-SYNTAX",
        &["line 1"],
    );
    bytes_err(
        "{\"type\": \"Point\", \"coordinates\": [1]}",
        SiteFormat::GeoJson,
        "E-SITE-GEOJSON-STRUCTURE",
        &[],
    );
    let mixed = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[118.8,32.06]}},
        {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[118.8,32.06],[118.81,32.07]]}}]}"#;
    bytes_err(
        mixed,
        SiteFormat::GeoJson,
        "E-SITE-MIXED-KINDS",
        &["feature 1", "feature 2"],
    );
    let two = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[118.8,32.06]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[118.81,32.07]}}]}"#;
    let s = read_site_bytes(two.as_bytes(), SiteFormat::GeoJson, "two.json").unwrap();
    assert!(matches!(s.geometry, Geometry::MultiPoint(ref m) if m.0.len() == 2));
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("2 features merged into one MultiPoint"))
    );
    bytes_err(
        "POLYGON((1 2, 3 4",
        SiteFormat::Wkt,
        "E-SITE-WKT-SYNTAX",
        &["line 1"],
    );
    bytes_err(
        "SRID=abc;POINT(1 2)",
        SiteFormat::Wkt,
        "E-SITE-WKT-SYNTAX",
        &["abc"],
    );
    let gc = "GEOMETRYCOLLECTION(POLYGON((0 0,1 0,1 1,0 0)),POLYGON((5 5,6 5,6 6,5 5)))";
    let s = read_site_bytes(gc.as_bytes(), SiteFormat::Wkt, "gc.wkt").unwrap();
    assert!(matches!(s.geometry, Geometry::MultiPolygon(ref m) if m.0.len() == 2));
}

#[test]
fn unknown_empty_and_garbage() {
    let d = tmp_dir("misc");
    std::fs::write(d.join("site.dwg"), b"AC1027").unwrap();
    expect_err(
        read_site(&d.join("site.dwg"), None),
        "E-SITE-EXTENSION",
        &[".dwg", "site.dwg"],
    );
    for name in ["e.geojson", "e.wkt", "e.kml", "e.csv", "e.txt", "e.shp"] {
        std::fs::write(d.join(name), b"").unwrap();
        expect_err(read_site(&d.join(name), None), "E-SITE-EMPTY", &[name]);
    }
    expect_err(
        read_site(&d.join("nope.geojson"), None),
        "E-SITE-IO",
        &["nope.geojson"],
    );
    let garbage: Vec<u8> = (0..512u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for f in [
        SiteFormat::GeoJson,
        SiteFormat::Wkt,
        SiteFormat::Kml,
        SiteFormat::CoordinateTable,
        SiteFormat::LandTxt,
    ] {
        let e = read_site_bytes(&garbage, f, "garbage.bin").unwrap_err();
        assert_eq!(e.code(), "E-SITE-NOT-TEXT", "{f}: {e}");
    }
    expect_err(
        read_site_bytes(&garbage, SiteFormat::Shapefile, "garbage.bin"),
        "E-SITE-SHP-SYNTAX",
        &["garbage.bin"],
    );
}

// ---------------------------------------------------------------- no panics

/// A small seeded generator (xorshift64*), so the test is reproducible without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match rng.below(4) {
        0 => b.truncate(rng.below(bytes.len() + 1)),
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                if let Some(x) = b.get_mut(i) {
                    *x = rng.next() as u8;
                }
            }
        }
        2 => {
            // Interesting values: digits, separators, huge numbers.
            let snippets: [&[u8]; 8] = [
                b"\xff\xff\xff\x7f",
                b"NaN",
                b",",
                b"\n",
                b"@",
                b"999999999999",
                b"((((",
                b"<",
            ];
            let i = rng.below(b.len());
            let s = snippets[rng.below(snippets.len())];
            b.splice(i..i, s.iter().copied());
        }
        _ => {
            let i = rng.below(b.len());
            let j = rng.below(b.len());
            let (lo, hi) = (i.min(j), i.max(j));
            b.drain(lo..hi);
        }
    }
    b
}

#[test]
fn random_bytes_and_truncations_never_panic() {
    let mut rng = Rng(0x5EED_2024_0601);
    let examples = [
        ("site.geojson", SiteFormat::GeoJson),
        ("site.wkt", SiteFormat::Wkt),
        ("site.kml", SiteFormat::Kml),
        ("site-table.txt", SiteFormat::CoordinateTable),
        ("site-baopan.txt", SiteFormat::LandTxt),
    ];
    for (name, format) in examples {
        let bytes = std::fs::read(example(name)).unwrap();
        for cut in 0..=bytes.len() {
            let _ = read_site_bytes(&bytes[..cut], format, name);
        }
        for _ in 0..400 {
            let m = mutate(&mut rng, &bytes);
            let _ = read_site_bytes(&m, format, name);
        }
    }
    // Shapefile parts mutated one at a time, then zipped (a mutated zip only fails its CRC).
    let parts = [
        ("shp", part("shp")),
        ("shx", part("shx")),
        ("dbf", part("dbf")),
        ("prj", part("prj")),
    ];
    for round in 0..400 {
        let k = round % parts.len();
        let entries: Vec<(String, Vec<u8>)> = parts
            .iter()
            .enumerate()
            .map(|(i, (ext, b))| {
                (
                    format!("s.{ext}"),
                    if i == k {
                        mutate(&mut rng, b)
                    } else {
                        b.clone()
                    },
                )
            })
            .collect();
        let refs: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect();
        let z = zip_of(&refs);
        let _ = read_site_bytes(&z, SiteFormat::Shapefile, "fuzz.zip");
        let _ = read_site_bytes(&mutate(&mut rng, &z), SiteFormat::Shapefile, "fuzz.zip");
    }
    for _ in 0..300 {
        let len = rng.below(600);
        let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        for format in [
            SiteFormat::GeoJson,
            SiteFormat::Wkt,
            SiteFormat::Shapefile,
            SiteFormat::Kml,
            SiteFormat::CoordinateTable,
            SiteFormat::LandTxt,
        ] {
            let _ = read_site_bytes(&junk, format, "junk");
        }
    }
}

#[test]
fn every_example_geometry_is_finite() {
    for name in [
        "site.geojson",
        "site.wkt",
        "site.shp",
        "site.kml",
        "site-table.txt",
        "site-baopan.txt",
    ] {
        let s = read(name);
        assert!(
            s.geometry
                .coords_iter()
                .all(|c| c.x.is_finite() && c.y.is_finite())
        );
    }
}

#[test]
fn many_tiny_rings_are_refused_quickly() {
    let mut t = String::new();
    for i in 0..20_000 {
        let x = f64::from(i) * 10.0;
        t.push_str(&format!(
            "a,{x},0\nb,{},0\nc,{},1\na,{x},0\n",
            x + 1.0,
            x + 1.0
        ));
    }
    let e = read_site_bytes(t.as_bytes(), SiteFormat::CoordinateTable, "rings.csv").unwrap_err();
    assert_eq!(e.code(), "E-SITE-TABLE-STRUCTURE", "{e}");
    assert!(e.to_string().contains("20000 rings"), "{e}");
}
