//! The database goes away or fills up while learners answer: every answer
//! comes within a second (503 with `Retry-After`, never 500), `/healthz`
//! says so, the server recovers by itself once the database is back, and no
//! step the server acknowledged is lost. Faults are real: a PostgreSQL
//! connection relay that resets every connection and refuses new ones, a
//! tmpfs filled to its last byte under a SQLite file.
//!
//! `cargo bench --bench db_faults` prints the same runs as a table.
#![cfg(feature = "ssr")]

mod common;

use common::faults;
use std::time::Duration;

/// A generous bound for a loaded 2-core CI machine running debug builds;
/// the figures themselves are printed (and by the benchmark).
const WITHIN: Duration = Duration::from_millis(1500);

fn assert_survived(r: &faults::Report) {
    r.print();
    assert!(
        !r.by_status.contains_key(&500) && !r.by_status.contains_key(&0),
        "during the fault every answer is a 503 or a success: {r:?}"
    );
    assert!(
        r.by_status.get(&503).copied().unwrap_or(0) > 0,
        "the fault was felt: {r:?}"
    );
    assert!(r.worst_wait <= WITHIN, "answers came late: {r:?}");
    assert!(
        r.health_down_after.is_some_and(|d| d <= WITHIN),
        "/healthz said 503 in time: {r:?}"
    );
    assert!(
        r.recovered_after.is_some_and(|d| d <= WITHIN),
        "steps were saved again in time, without a restart: {r:?}"
    );
    assert!(
        r.health_up_after.is_some_and(|d| d <= WITHIN),
        "/healthz said 200 again in time: {r:?}"
    );
    assert!(r.acknowledged > 0);
    assert_eq!(r.lost, 0, "no acknowledged step is lost: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_goes_away_and_comes_back() {
    let r = faults::postgres_outage(20, Duration::from_secs(3)).await;
    assert_survived(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_out_of_connection_slots() {
    let r = faults::postgres_slots_taken(20, Duration::from_secs(3)).await;
    assert_survived(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_fills_and_is_freed() {
    let r = faults::sqlite_full_disk(20, Duration::from_secs(2)).await;
    assert_survived(&r);
    assert_eq!(r.integrity.as_deref(), Some("ok"));
}
