//! The database goes away or fills up while 20 learners answer a scenario,
//! on the real app: prints, per fault, the answers by status while it
//! lasted, the worst wait, when `/healthz` turned, how long until a step
//! was saved again (no restart) and the acknowledged steps lost.
//!
//! `cargo bench --bench db_faults` (needs PostgreSQL at
//! RAPPORT_TEST_POSTGRES_URL and root, to mount a small tmpfs). The same
//! runs are asserted by `tests/faults.rs`.

#[path = "../tests/common/mod.rs"]
#[allow(unused_imports, unused_macros)]
mod common;

use common::faults::{self, Report};
use std::time::Duration;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let learners = std::env::var("RAPPORT_FAULT_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    println!("{learners} learners answering, each pausing 20 ms between answers\n");
    Report::header();
    faults::postgres_outage(learners, Duration::from_secs(3))
        .await
        .print();
    faults::postgres_slots_taken(learners, Duration::from_secs(3))
        .await
        .print();
    faults::sqlite_full_disk(learners, Duration::from_secs(2))
        .await
        .print();
}
