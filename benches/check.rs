//! Checking projects against the national demo rule set (rules/national, 86,586 clauses):
//! snapshot load, point screening (locate + every applicable clause), the full report path for
//! a point and for a 2 km × 2 km polygon, and batch throughput on both cores.
//!
//! Run: `cargo bench --bench check`. It compiles rules/national into a snapshot under
//! target/ on first use (about 15 s), or uses $ZONECHECK_SNAPSHOT.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::{Geometry, Point, Polygon};
use zonecheck::eval::screen::{Scratch, Screener, screen_point, screen_project};
use zonecheck::eval::{Project, evaluate, parse_project};

#[allow(dead_code)]
#[path = "../tests/common/mod.rs"]
mod common;

fn snapshot_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZONECHECK_SNAPSHOT") {
        return Some(PathBuf::from(p));
    }
    if !common::units_path().exists() {
        return None;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/national-bench.zcs");
    if !path.exists() {
        let rs = zonecheck::load::load_rule_set(Path::new("rules/national"))
            .ok()?
            .rule_set;
        zonecheck::snapshot::write(&rs, &path).ok()?;
    }
    Some(path)
}

/// A project typical of an application: every fact stated, so clauses are decided by values.
const PROJECT: &str = r#"{"name": "某化工项目", "nature": "新建", "industry": ["C2614"],
  "location": {"type": "Point", "coordinates": [118.8, 32.0]}, "in_park": true,
  "emissions": {"SO2": {"total": 5, "increase": 2, "offset": 2}, "NOx": {"total": 8, "increase": 3, "offset": 3},
                "VOCs": {"total": 12, "increase": 8, "offset": 16}, "COD": {"total": 3, "increase": 1, "offset": 2}}}"#;

fn benches(c: &mut Criterion) {
    let Some(path) = snapshot_path() else {
        eprintln!(
            "SKIP: national data not found (set ZONECHECK_NATIONAL_DIR or ZONECHECK_SNAPSHOT)"
        );
        return;
    };
    let mut grp = c.benchmark_group("snapshot");
    grp.sample_size(10).measurement_time(Duration::from_secs(8));
    grp.bench_function("load_national", |b| {
        b.iter(|| black_box(zonecheck::snapshot::read(&path).map(|r| r.clauses.len())))
    });
    grp.finish();

    let Ok(rs) = zonecheck::snapshot::read(&path) else {
        return;
    };
    let Ok(project) = parse_project(PROJECT, &rs.schema) else {
        return;
    };
    let Some((_codes, units)) = common::load_units() else {
        return;
    };
    let (uniform, near) = common::point_mix(&units, 50_000, 0x5EED);
    let mut pts: Vec<geo::Coord<f64>> = uniform.iter().chain(near.iter()).copied().collect();
    let mut rng = common::Rng(7);
    for i in (1..pts.len()).rev() {
        let j = rng.below(i + 1);
        pts.swap(i, j);
    }

    let mut grp = c.benchmark_group("check");
    grp.warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
        .sample_size(20);
    let mut scratch = Scratch::default();
    grp.throughput(Throughput::Elements(pts.len() as u64));
    grp.bench_function("screen_point_every_clause", |b| {
        b.iter(|| {
            pts.iter()
                .map(|p| screen_point(&rs, &project, p.x, p.y, &mut scratch) as u32)
                .sum::<u32>()
        })
    });
    // One project at every point, each iteration with a fresh screener: the clause and unit
    // memos are built inside the measurement, so this is the cost of screening 50,000 sites.
    let mut verdicts = Vec::new();
    grp.bench_function("screener_50k_points_one_project", |b| {
        b.iter(|| {
            Screener::new(&rs, &project).screen_many(&pts, &mut verdicts);
            verdicts.len()
        })
    });
    let few: Vec<geo::Coord<f64>> = pts.iter().take(2_000).copied().collect();
    let moved = |g: Geometry<f64>| -> Project {
        let mut q = project.clone();
        q.location = g;
        q
    };
    grp.throughput(Throughput::Elements(few.len() as u64));
    grp.bench_function("point_full_report", |b| {
        b.iter(|| {
            few.iter()
                .map(|p| {
                    evaluate(&rs, &moved(Geometry::Point(Point(*p))))
                        .clauses
                        .len()
                })
                .sum::<usize>()
        })
    });
    // 2 km × 2 km squares (0.018° of latitude, widened for longitude) at the uniform points.
    let squares: Vec<Geometry<f64>> = uniform
        .iter()
        .take(500)
        .map(|p| {
            let h = 0.009;
            let w = h / p.y.to_radians().cos();
            Geometry::Polygon(Polygon::new(
                vec![
                    (p.x - w, p.y - h),
                    (p.x + w, p.y - h),
                    (p.x + w, p.y + h),
                    (p.x - w, p.y + h),
                    (p.x - w, p.y - h),
                ]
                .into(),
                vec![],
            ))
        })
        .collect();
    grp.throughput(Throughput::Elements(squares.len() as u64));
    grp.bench_function("polygon_2km_full_report", |b| {
        b.iter(|| {
            squares
                .iter()
                .map(|g| evaluate(&rs, &moved(g.clone())).units.len())
                .sum::<usize>()
        })
    });
    // The same squares screened (verdict, units and overlap areas; no evidence). Projects are
    // built before the measurement.
    let square_projects: Vec<Project> = squares.iter().map(|g| moved(g.clone())).collect();
    let mut scratch = Scratch::default();
    grp.bench_function("polygon_2km_screen", |b| {
        b.iter(|| {
            square_projects
                .iter()
                .map(|p| screen_project(&rs, p, &mut scratch).units.len())
                .sum::<usize>()
        })
    });
    // One project at the 500 squares through a screener built inside the measurement (what
    // the project's facts decide is evaluated once for all squares).
    grp.bench_function("polygon_2km_screener", |b| {
        b.iter(|| {
            let mut screener = Screener::new(&rs, &project);
            squares
                .iter()
                .map(|g| screener.screen_site(g).units.len())
                .sum::<usize>()
        })
    });
    grp.throughput(Throughput::Elements(pts.len() as u64));
    grp.bench_function("batch_screener_2_threads", |b| {
        b.iter(|| {
            let (a, z) = pts.split_at(pts.len() / 2);
            std::thread::scope(|s| {
                let h = s.spawn(|| {
                    let mut v = Vec::new();
                    Screener::new(&rs, &project).screen_many(a, &mut v);
                    v.len()
                });
                let mut v = Vec::new();
                Screener::new(&rs, &project).screen_many(z, &mut v);
                v.len() + h.join().unwrap_or(0)
            })
        })
    });
    grp.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
