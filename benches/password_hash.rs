//! How long one sign-in spends hashing: argon2id at the parameters the
//! server uses (19 MiB, t=2, p=1), measured in the build profile it runs in.
//!
//! Run with `cargo bench --bench password_hash`.

use rapport::server::password::{hash_blocking, verify_blocking, ITERATIONS, LANES, MEMORY_KIB};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn main() {
    const RUNS: usize = 30;
    let stored = hash_blocking("warm-up password").expect("hashing works");
    let mut hashes = Vec::with_capacity(RUNS);
    let mut verifies = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let pw = format!("benchmark password {i}");
        let t = Instant::now();
        let h = hash_blocking(&pw).expect("hashing works");
        hashes.push(t.elapsed());
        let t = Instant::now();
        assert!(verify_blocking(&pw, &h));
        verifies.push(t.elapsed());
    }
    assert!(verify_blocking("warm-up password", &stored));
    hashes.sort();
    verifies.sort();
    println!("argon2id m={MEMORY_KIB} KiB t={ITERATIONS} p={LANES}, {RUNS} runs on one core");
    for (name, v) in [("hash", &hashes), ("verify (one sign-in)", &verifies)] {
        println!(
            "{name:>22}: median {:>7.1} ms   p95 {:>7.1} ms   max {:>7.1} ms",
            percentile(v, 0.5).as_secs_f64() * 1e3,
            percentile(v, 0.95).as_secs_f64() * 1e3,
            v[v.len() - 1].as_secs_f64() * 1e3,
        );
    }
}
