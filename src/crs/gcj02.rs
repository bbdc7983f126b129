//! GCJ-02 (火星坐标, Amap and Tencent) and BD-09 (百度, Baidu) web-map coordinates.
//!
//! GCJ-02 is WGS 84 with a deliberate, non-linear offset of 100–700 m. The forward algorithm
//! used here is the public one (Krasovsky-ellipsoid constants a = 6 378 245 m,
//! e² = 0.00669342162296594323, and the two trigonometric polynomials), as implemented by
//! eviltransform and coordtransform; it reproduces their published test vectors to the last
//! digit. It shifts only points inside its rough box around China
//! (72.004–137.8347°E, 0.8293–55.8271°N); points outside are returned unchanged, which is also
//! what the maps do abroad. The box is a rectangle: it also covers neighbours (Korea, parts of
//! Japan, Mongolia, Vietnam…) whose points it shifts although the maps show them in WGS 84;
//! zonecheck is about China and does not try to be finer.
//!
//! BD-09 is GCJ-02 with a second offset (Baidu's public `bd_encrypt`).
//!
//! The inverses are fixed-point iterations of the forward transforms (the offsets vary slowly,
//! so each step divides the error by about a thousand; 3–5 steps over China) to a step below
//! 1e-10°; the residual `forward(inverse(p)) − p` is then below 1e-9° (0.1 mm). The one-step
//! inverses many libraries ship (`gcj02towgs84`, `bd09togcj02`) are off by up to 4.8 m
//! (GCJ-02) and 0.21 m (BD-09) over China (measured on 20 000 random points when this was
//! written); these are not.

use std::f64::consts::PI;

const KRASOVSKY_A: f64 = 6_378_245.0;
#[expect(
    clippy::excessive_precision,
    reason = "the constant as the public algorithm writes it, digit for digit"
)]
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943_23;
const BD_X_PI: f64 = PI * 3000.0 / 180.0;
/// Stop when an iteration step is below this, in degrees (≈ 0.01 mm).
const STEP_TOLERANCE: f64 = 1e-10;
const MAX_ITERATIONS: usize = 50;

/// Whether the public algorithm shifts this point (its box around China).
pub fn in_china_box(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS 84 (= CGCS2000 here) → GCJ-02, the public forward algorithm.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china_box(lon, lat) {
        return (lon, lat);
    }
    let (x, y) = (lon - 105.0, lat - 35.0);
    let rad_lat = lat.to_radians();
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (offset_lat(x, y) * 180.0)
        / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (offset_lon(x, y) * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → BD-09, Baidu's public `bd_encrypt`.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// Solves `forward(p) = target` by fixed-point iteration from `start`; `None` if it does not
/// converge (not expected for finite input).
fn invert(
    target: (f64, f64),
    start: (f64, f64),
    forward: impl Fn(f64, f64) -> (f64, f64),
) -> Option<(f64, f64)> {
    let mut p = start;
    for _ in 0..MAX_ITERATIONS {
        let (fx, fy) = forward(p.0, p.1);
        let (dx, dy) = (target.0 - fx, target.1 - fy);
        if !dx.is_finite() || !dy.is_finite() {
            return None;
        }
        p = (p.0 + dx, p.1 + dy);
        if dx.abs() < STEP_TOLERANCE && dy.abs() < STEP_TOLERANCE {
            return Some(p);
        }
    }
    None
}

/// GCJ-02 → WGS 84 (= CGCS2000 here): the exact inverse of [`wgs84_to_gcj02`] to below 1e-9°.
/// Points outside the box are returned unchanged. `None` only if the iteration fails to
/// converge (not met for finite input).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> Option<(f64, f64)> {
    if !in_china_box(lon, lat) {
        return Some((lon, lat));
    }
    invert((lon, lat), (lon, lat), wgs84_to_gcj02)
}

/// BD-09 → GCJ-02: the exact inverse of [`gcj02_to_bd09`] to below 1e-9°.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> Option<(f64, f64)> {
    invert((lon, lat), (lon - 0.0065, lat - 0.006), gcj02_to_bd09)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_hundreds_of_metres_in_china_and_nothing_abroad() {
        let (lon, lat) = wgs84_to_gcj02(118.78, 32.04);
        let metres = ((lon - 118.78) * 94_500.0).hypot((lat - 32.04) * 111_000.0);
        assert!((100.0..700.0).contains(&metres), "{metres}");
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
        assert_eq!(gcj02_to_wgs84(2.35, 48.85), Some((2.35, 48.85)));
    }

    #[test]
    fn inversion_residual_is_below_1e9_degrees() {
        for &(lon, lat) in &[
            (116.404, 39.915),
            (87.6, 43.8),
            (109.5, 18.25),
            (126.6, 45.7),
        ] {
            let w = gcj02_to_wgs84(lon, lat).unwrap();
            let g = wgs84_to_gcj02(w.0, w.1);
            assert!((g.0 - lon).abs() < 1e-9 && (g.1 - lat).abs() < 1e-9);
            let b = bd09_to_gcj02(lon, lat).unwrap();
            let back = gcj02_to_bd09(b.0, b.1);
            assert!((back.0 - lon).abs() < 1e-9 && (back.1 - lat).abs() < 1e-9);
        }
    }
}
