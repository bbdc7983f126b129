//! Splits the 2 km × 2 km square benchmark (benches/check.rs) by what each square needs:
//! outside every unit, proven inside one unit by the grid, or across unit boundaries, with the
//! mean cost of `screen_project`, of one `Screener::screen_site` for all squares, and of
//! `evaluate` in each class (each square screened once, caches cold from the others).
//! cargo run --release --example site_mix_probe -- [SNAPSHOT]   (default target/national-bench.zcs)

#[allow(dead_code)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use geo::{Coord, Geometry, Polygon};
use zonecheck::eval::screen::{Scratch, Screener, screen_project};
use zonecheck::eval::{evaluate, parse_project};

const PROJECT: &str = r#"{"name": "某化工项目", "nature": "新建", "industry": ["C2614"],
  "location": {"type": "Point", "coordinates": [118.8, 32.0]}, "in_park": true,
  "emissions": {"SO2": {"total": 5, "increase": 2, "offset": 2}, "NOx": {"total": 8, "increase": 3, "offset": 3},
                "VOCs": {"total": 12, "increase": 8, "offset": 16}, "COD": {"total": 3, "increase": 1, "offset": 2}}}"#;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/national-bench.zcs".into());
    let rs = match zonecheck::snapshot::read(std::path::Path::new(&path)) {
        Ok(rs) => rs,
        Err(e) => return eprintln!("error: {e}"),
    };
    let Some((_codes, units)) = common::load_units() else {
        return eprintln!("national units not found");
    };
    let Ok(base) = parse_project(PROJECT, &rs.schema) else {
        return eprintln!("project does not parse");
    };
    let (uniform, _near) = common::point_mix(&units, 50_000, 0x5EED);
    let mut scratch = Scratch::default();
    let mut screener = Screener::new(&rs, &base);
    // [outside, proven, across] × (count, screen seconds, report seconds, screener seconds)
    let mut classes = [(0usize, 0f64, 0f64, 0f64); 3];
    for p in uniform.iter().take(2_000) {
        let (h, w) = (0.009, 0.009 / p.y.to_radians().cos());
        let ring = vec![
            (p.x - w, p.y - h),
            (p.x + w, p.y - h),
            (p.x + w, p.y + h),
            (p.x - w, p.y + h),
            (p.x - w, p.y - h),
        ];
        let mut q = base.clone();
        q.location = Geometry::Polygon(Polygon::new(ring.into(), vec![]));
        let proven = rs
            .unit_index
            .grid_unit_containing_rect(
                Coord {
                    x: p.x - w,
                    y: p.y - h,
                },
                Coord {
                    x: p.x + w,
                    y: p.y + h,
                },
            )
            .is_some();
        let t = Instant::now();
        let screened = screen_project(&rs, &q, &mut scratch);
        let screen_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let report = evaluate(&rs, &q);
        let report_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let memo = screener.screen_site(&q.location);
        let screener_s = t.elapsed().as_secs_f64();
        assert_eq!(screened.verdict, report.verdict);
        assert_eq!(memo.verdict, report.verdict);
        let class = if screened.units.is_empty() {
            0
        } else if proven {
            1
        } else {
            2
        };
        classes[class].0 += 1;
        classes[class].1 += screen_s;
        classes[class].2 += report_s;
        classes[class].3 += screener_s;
    }
    for (name, (n, s, r, m)) in [
        "outside every unit",
        "proven inside one unit",
        "across boundaries",
    ]
    .iter()
    .zip(classes)
    {
        let per = |x: f64| if n == 0 { 0.0 } else { x * 1e6 / n as f64 };
        println!(
            "{name:>24}: {n:>5} squares, screen_project {:>6.1} us, Screener::screen_site {:>6.1} us, evaluate {:>6.1} us",
            per(s),
            per(m),
            per(r)
        );
    }
    let n: usize = classes.iter().map(|c| c.0).sum();
    let mean = |x: f64| x * 1e6 / n.max(1) as f64;
    println!(
        "{:>24}: {n:>5} squares, screen_project {:>6.1} us, Screener::screen_site {:>6.1} us, evaluate {:>6.1} us",
        "all",
        mean(classes.iter().map(|c| c.1).sum()),
        mean(classes.iter().map(|c| c.3).sum()),
        mean(classes.iter().map(|c| c.2).sum())
    );
}
