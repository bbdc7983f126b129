//! Prints resident memory and time at each stage of loading a snapshot (diagnostic tool).
//! cargo run --release --example load_probe -- FILE
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |pages| pages * 4096.0 / 1e6)
}
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let t = std::time::Instant::now();
    println!("start rss {:.1} MB", rss_mb());
    match zonecheck::snapshot::read(std::path::Path::new(&path)) {
        Ok(rs) => {
            println!(
                "loaded in {:.1} ms, rss {:.1} MB; unit index heap ~{:.1} MB; {} clauses, {} distinct bodies",
                t.elapsed().as_secs_f64() * 1e3,
                rss_mb(),
                rs.unit_index.heap_bytes() as f64 / 1e6,
                rs.clauses.len(),
                rs.bodies.len()
            );
            let (mut nodes, mut text_bytes) = (0usize, 0usize);
            for c in rs.bodies.iter().flat_map(|b| b.conditions()) {
                c.walk(&mut |n| {
                    nodes += 1;
                    text_bytes += n.text.len();
                });
            }
            let body_text: usize = rs.bodies.iter().map(|b| b.text.len()).sum();
            let ids_paths: usize = rs
                .clauses
                .iter()
                .map(|c| c.id.len() + c.location.file.len())
                .sum();
            println!(
                "condition nodes (of the distinct bodies) {nodes}, their texts {:.1} MB; body texts {:.1} MB; clause ids+paths {:.1} MB",
                text_bytes as f64 / 1e6,
                body_text as f64 / 1e6,
                ids_paths as f64 / 1e6
            );
            drop(rs);
            println!("after drop rss {:.1} MB", rss_mb());
        }
        Err(e) => println!("error: {e}"),
    }
}
