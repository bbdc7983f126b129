//! Shared test helpers: load the national unit set and the 20k reference points from
//! `../shared/data/national` (or `$ZONECHECK_NATIONAL_DIR`).

// Tests fail by panicking; the no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use geo::{Coord, LineString, MultiPolygon, Polygon};
use std::io::Read;
use std::path::PathBuf;

/// Directory holding the national data; overridable with `ZONECHECK_NATIONAL_DIR`.
pub fn national_dir() -> PathBuf {
    std::env::var_os("ZONECHECK_NATIONAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/national")
        })
}

pub fn units_path() -> PathBuf {
    national_dir().join("units-national.geojson.gz")
}

pub fn points_path() -> PathBuf {
    national_dir().join("points-20k.expected.tsv")
}

fn ring(v: &serde_json::Value) -> LineString<f64> {
    let pts = v.as_array().expect("ring array");
    LineString::new(
        pts.iter()
            .map(|p| {
                let a = p.as_array().expect("position");
                Coord {
                    x: a[0].as_f64().expect("x"),
                    y: a[1].as_f64().expect("y"),
                }
            })
            .collect(),
    )
}

fn polygon(v: &serde_json::Value) -> Polygon<f64> {
    let rings = v.as_array().expect("polygon rings");
    let ext = ring(&rings[0]);
    let holes = rings[1..].iter().map(ring).collect();
    Polygon::new(ext, holes)
}

/// Load (codes, geometries) from the gzipped GeoJSON; `None` if the file is missing.
pub fn load_units() -> Option<(Vec<String>, Vec<MultiPolygon<f64>>)> {
    let path = units_path();
    let f = std::fs::File::open(&path).ok()?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(f))
        .read_to_string(&mut s)
        .expect("gunzip");
    let v: serde_json::Value = serde_json::from_str(&s).expect("json");
    let feats = v["features"].as_array().expect("features");
    let mut codes = Vec::with_capacity(feats.len());
    let mut geoms = Vec::with_capacity(feats.len());
    for f in feats {
        codes.push(f["properties"]["code"].as_str().expect("code").to_string());
        let g = &f["geometry"];
        let mp = match g["type"].as_str().expect("type") {
            "Polygon" => MultiPolygon::new(vec![polygon(&g["coordinates"])]),
            "MultiPolygon" => MultiPolygon::new(
                g["coordinates"]
                    .as_array()
                    .expect("mp")
                    .iter()
                    .map(polygon)
                    .collect(),
            ),
            t => panic!("unexpected geometry type {t}"),
        };
        geoms.push(mp);
    }
    Some((codes, geoms))
}

/// Reference points: (lon, lat, sorted codes).
pub fn load_points() -> Option<Vec<(f64, f64, Vec<String>)>> {
    let s = std::fs::read_to_string(points_path()).ok()?;
    let mut out = Vec::new();
    for line in s.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut it = line.split('\t');
        let _i = it.next();
        let lon: f64 = it.next().expect("lon").parse().expect("lon f64");
        let lat: f64 = it.next().expect("lat").parse().expect("lat f64");
        let codes: Vec<String> = match it.next() {
            Some(c) if !c.is_empty() => c.split(',').map(|s| s.to_string()).collect(),
            _ => Vec::new(),
        };
        out.push((lon, lat, codes));
    }
    Some(out)
}

/// Simple deterministic PRNG (splitmix64) for tests and benches.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The benchmark point mix: `n/2` uniform over China's bbox, `n/2` within ~100 m of a
/// random unit vertex. Returns (uniform, near_vertex).
pub fn point_mix(
    units: &[MultiPolygon<f64>],
    n: usize,
    seed: u64,
) -> (Vec<Coord<f64>>, Vec<Coord<f64>>) {
    let mut rng = Rng(seed);
    let mut verts: Vec<Coord<f64>> = Vec::new();
    for mp in units {
        for p in &mp.0 {
            verts.extend(p.exterior().0.iter().copied());
            for h in p.interiors() {
                verts.extend(h.0.iter().copied());
            }
        }
    }
    let half = n / 2;
    let uniform = (0..half)
        .map(|_| Coord {
            x: rng.range(73.5, 135.1),
            y: rng.range(18.1, 53.6),
        })
        .collect();
    let near = (0..n - half)
        .map(|_| {
            let v = verts[rng.below(verts.len())];
            // ~100 m: 0.001 deg lat ~ 111 m
            Coord {
                x: v.x + rng.range(-0.001, 0.001),
                y: v.y + rng.range(-0.001, 0.001),
            }
        })
        .collect();
    (uniform, near)
}

/// Says why a national-scale test is skipped; in CI (where `../shared` is always present) a
/// missing data set is a failure, not a skip.
pub fn skip_or_fail(test: &str, missing: &std::path::Path) {
    let msg = format!(
        "{test}: national data {} not found (set ZONECHECK_NATIONAL_DIR)",
        missing.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIP {msg}");
}
