//! How long one dependent memory read takes on this machine, by working-set size: a chain of
//! reads through a random cyclic permutation, one per 64-byte line, so each read waits for the
//! previous one (diagnostic tool; the figures in BENCHMARKS.md "Where the time goes").
//! cargo run --release --example memory_latency
use std::time::Instant;

/// One u64 per cache line; the first word of line `i` holds the index of the next line's word.
const WORDS_PER_LINE: usize = 8;

fn main() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |bound: usize| {
        // xorshift64*: enough to shuffle.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound as u64) as usize
    };
    println!("working set: ns per dependent read");
    for kib in [32usize, 256, 1024, 4096, 16384, 65536, 131072, 262144] {
        let lines = kib * 1024 / 64;
        let mut order: Vec<usize> = (0..lines).collect();
        for i in (1..lines).rev() {
            order.swap(i, next(i + 1));
        }
        let mut chain = vec![0u64; lines * WORDS_PER_LINE];
        for (k, &line) in order.iter().enumerate() {
            let to = order[(k + 1) % lines];
            chain[line * WORDS_PER_LINE] = (to * WORDS_PER_LINE) as u64;
        }
        let mut at = 0usize;
        for _ in 0..lines.min(1 << 20) {
            at = chain[at] as usize;
        }
        let steps = 10_000_000;
        let t = Instant::now();
        for _ in 0..steps {
            at = chain[at] as usize;
        }
        let ns = t.elapsed().as_secs_f64() / steps as f64 * 1e9;
        println!("{:>9} KiB: {ns:6.1} ns ({})", kib, at % 2);
    }
}
