//! Point location over the national unit set: the grid alone, and how its cost grows with the
//! number of units and vertices.
//!
//! Run: `cargo bench --bench locate` (data from ../shared/data/national or
//! $ZONECHECK_NATIONAL_DIR; skipped with a message when missing).
//! Per-query time = reported time / elements.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use zonecheck::index::grid::UnitGrid;

#[allow(dead_code)]
#[path = "../tests/common/mod.rs"]
mod common;

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = common::Rng(seed);
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
}

fn run(pts: &[geo::Coord<f64>], g: &UnitGrid, out: &mut Vec<u32>) -> usize {
    let mut n = 0;
    for p in pts {
        out.clear();
        g.locate(p.x, p.y, out);
        n += out.len();
    }
    n
}

fn benches(c: &mut Criterion) {
    let Some((_codes, units)) = common::load_units() else {
        eprintln!(
            "SKIP: national units not found at {} (set ZONECHECK_NATIONAL_DIR)",
            common::units_path().display()
        );
        return;
    };
    let g = UnitGrid::build(&units);
    eprintln!("grid heap: {:.1} MB", g.heap_bytes() as f64 / 1e6);
    let (uniform, near) = common::point_mix(&units, 100_000, 0x5EED);
    let mut mix: Vec<geo::Coord<f64>> = uniform.iter().chain(near.iter()).copied().collect();
    shuffle(&mut mix, 7);

    let mut grp = c.benchmark_group("locate");
    grp.warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
        .sample_size(20);
    let mut out = Vec::with_capacity(8);
    let mut ends = Vec::new();
    for (name, pts) in [
        ("mix_random_order", &mix),
        ("uniform_half", &uniform),
        ("near_vertex_half", &near),
    ] {
        grp.throughput(Throughput::Elements(pts.len() as u64));
        grp.bench_with_input(BenchmarkId::new(name, pts.len()), pts, |b, pts| {
            b.iter(|| black_box(run(pts, &g, &mut out)))
        });
        // The same points through the grouped locator (one call for all of them).
        grp.bench_with_input(
            BenchmarkId::new(format!("{name}_grouped"), pts.len()),
            pts,
            |b, pts| {
                b.iter(|| {
                    g.locate_many(pts, &mut out, &mut ends);
                    black_box(out.len())
                })
            },
        );
    }
    grp.finish();

    // Scaling: the first n units (ordered by code, i.e. by province), with points of the same
    // mix drawn from those units.
    let mut grp = c.benchmark_group("locate_scaling");
    grp.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(10);
    for n in [5_000usize, 15_000, units.len()] {
        let subset = units.get(..n).unwrap_or(&units);
        let vertices: usize = subset
            .iter()
            .map(|m| {
                m.0.iter()
                    .map(|p| {
                        p.exterior().0.len()
                            + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()
                    })
                    .sum::<usize>()
            })
            .sum();
        let t = std::time::Instant::now();
        let gs = UnitGrid::build(subset);
        eprintln!(
            "scaling: {n} units, {vertices} vertices: build {:.2} s, heap {:.1} MB",
            t.elapsed().as_secs_f64(),
            gs.heap_bytes() as f64 / 1e6
        );
        let (u, nv) = common::point_mix(subset, 20_000, 0x5EED);
        let mut pts: Vec<geo::Coord<f64>> = u.iter().chain(nv.iter()).copied().collect();
        shuffle(&mut pts, 7);
        grp.throughput(Throughput::Elements(pts.len() as u64));
        grp.bench_with_input(
            BenchmarkId::new("mix", format!("{n}_units_{vertices}_vertices")),
            &pts,
            |b, pts| b.iter(|| black_box(run(pts, &gs, &mut out))),
        );
    }
    grp.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
