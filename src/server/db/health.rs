//! Whether the database answers and can write, known without waiting.
//!
//! Two failures look alike to a request and differ for an operator:
//! - **unreachable**: the server is down, restarting, refusing connections
//!   or out of connection slots (PostgreSQL), seen by a probe on a
//!   connection of its own, outside the pool, every [`TICK`]. While it is
//!   unreachable, requests are answered 503 at once (`http::layers`)
//!   instead of each waiting for the pool; the first probe that gets an
//!   answer again clears it, so recovery needs no restart.
//! - **writes failing**: the database answers reads but no commit
//!   succeeds (SQLite on a full disk, a read-only file, I/O errors). The
//!   group writer records every commit's outcome, and the probe writes one
//!   row every second, so `/healthz` says 503 while commits fail and 200
//!   within a second of the first one that succeeds.
//!
//! [`is_outage`] sorts errors: these are answered 503 ("try again"), every
//! other database error 500.

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often the probe asks.
pub const TICK: Duration = Duration::from_millis(250);
/// How long the probe waits for a connection or an answer.
const PROBE_WAIT: Duration = Duration::from_millis(800);
/// How often the probe writes its row, and opens a fresh connection
/// besides its own (a server out of connection slots still answers on
/// connections already open, but the pool could not grow), while all is well.
const WRITE_EVERY: Duration = Duration::from_secs(1);

/// Whether `e` means the database cannot be reached or cannot write now,
/// rather than a fault of this statement: the answer is "try again".
pub fn is_outage(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // A message cut short: the connection broke mid-answer.
        sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| is_outage_code(&c)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs and SQLite result codes (primary or extended) of
/// a database that is going away, full or broken, not of a bad statement.
fn is_outage_code(code: &str) -> bool {
    // PostgreSQL: connection exceptions (08…), shutdown and start-up (57P01
    // admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now),
    // too many connections (53300), out of disk (53100), out of memory
    // (53200), the server's I/O errors (58030).
    if code.starts_with("08")
        || matches!(
            code,
            "57P01" | "57P02" | "57P03" | "53300" | "53100" | "53200" | "58030"
        )
    {
        return true;
    }
    // SQLite: an integer whose low byte is the primary code.
    match code.parse::<i64>() {
        // SQLITE_NOMEM 7, SQLITE_READONLY 8, SQLITE_IOERR 10, SQLITE_CORRUPT
        // 11, SQLITE_FULL 13, SQLITE_CANTOPEN 14, SQLITE_NOTADB 26.
        Ok(n) => matches!(n & 0xff, 7 | 8 | 10 | 11 | 13 | 14 | 26),
        Err(_) => false,
    }
}

/// What the probe and the writers found.
#[derive(Debug)]
pub struct Health {
    unreachable: AtomicBool,
    /// The same, for requests that wait: they are answered 503 the moment
    /// it turns true (`http::layers::session_layer`).
    down: tokio::sync::watch::Sender<bool>,
    /// Milliseconds since the Unix epoch of the last commit that
    /// succeeded and of the last that failed.
    write_ok_at: AtomicI64,
    write_failed_at: AtomicI64,
    /// Why the database is unreachable or cannot write, for `/healthz`.
    reason: Mutex<String>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            unreachable: AtomicBool::new(false),
            down: tokio::sync::watch::Sender::new(false),
            write_ok_at: AtomicI64::new(0),
            write_failed_at: AtomicI64::new(0),
            reason: Mutex::new(String::new()),
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Health {
    /// True while the probe cannot reach the database.
    pub fn unreachable(&self) -> bool {
        self.unreachable.load(Ordering::Acquire)
    }

    /// Resolves when the probe finds the database unreachable (at once if
    /// it already is): a request waiting for the database gives up then.
    pub fn went_down(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.down.subscribe();
        async move {
            if rx.wait_for(|down| *down).await.is_err() {
                // The database is gone for good (the app is shutting down).
                std::future::pending::<()>().await;
            }
        }
    }

    /// True while the last commit failed (and none succeeded since).
    pub fn writes_failing(&self) -> bool {
        self.write_failed_at.load(Ordering::Acquire) > self.write_ok_at.load(Ordering::Acquire)
    }

    /// `None` when healthy, else what is wrong, in a sentence.
    pub fn problem(&self) -> Option<String> {
        let reason = || self.reason.lock().map(|r| r.clone()).unwrap_or_default();
        if self.unreachable() {
            Some(format!("database unreachable: {}", reason()))
        } else if self.writes_failing() {
            Some(format!("database writes are failing: {}", reason()))
        } else {
            None
        }
    }

    /// Records a commit that succeeded; the later of the two calls wins.
    pub fn write_succeeded(&self) {
        let failed = self.write_failed_at.load(Ordering::Acquire);
        self.write_ok_at
            .fetch_max(now_ms().max(failed + 1), Ordering::AcqRel);
    }

    pub fn write_failed(&self, why: &dyn std::fmt::Display) {
        self.set_reason(why);
        // Strictly later than the last success, even within a millisecond.
        let ok = self.write_ok_at.load(Ordering::Acquire);
        self.write_failed_at
            .fetch_max(now_ms().max(ok + 1), Ordering::AcqRel);
    }

    fn set_reason(&self, why: &dyn std::fmt::Display) {
        if let Ok(mut r) = self.reason.lock() {
            *r = why.to_string();
        }
    }

    fn set_unreachable(&self, down: bool, why: Option<&dyn std::fmt::Display>) {
        if let Some(why) = why {
            self.set_reason(why);
        }
        let was = self.unreachable.swap(down, Ordering::AcqRel);
        if was != down {
            self.down.send_replace(down);
            if down {
                tracing::error!("the database is unreachable: answering 503 until it is back");
            } else {
                tracing::warn!("the database answers again");
            }
        }
    }
}

/// Starts the probe; it stops when the pool is closed or `health` dropped.
pub(super) fn start_probe(
    pool: AnyPool,
    opts: AnyConnectOptions,
    health: &Arc<Health>,
    turn: Arc<tokio::sync::Mutex<()>>,
    sqlite: bool,
) {
    let health = Arc::downgrade(health);
    tokio::spawn(probe(pool, opts, health, turn, sqlite));
}

async fn probe(
    pool: AnyPool,
    opts: AnyConnectOptions,
    health: Weak<Health>,
    turn: Arc<tokio::sync::Mutex<()>>,
    sqlite: bool,
) {
    let opts = opts.disable_statement_logging();
    let mut conn: Option<AnyConnection> = None;
    let mut last_write = Instant::now();
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if pool.is_closed() {
            return;
        }
        let Some(health) = health.upgrade() else {
            return;
        };
        if conn.is_none() {
            match tokio::time::timeout(PROBE_WAIT, AnyConnection::connect_with(&opts)).await {
                Ok(Ok(c)) => conn = Some(c),
                Ok(Err(e)) => {
                    health.set_unreachable(true, Some(&e));
                    continue;
                }
                Err(_) => {
                    health.set_unreachable(true, Some(&"no connection within 0.8 s"));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        match tokio::time::timeout(PROBE_WAIT, c.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                conn = None;
                health.set_unreachable(true, Some(&e));
                continue;
            }
            Err(_) => {
                conn = None;
                health.set_unreachable(true, Some(&"no answer within 0.8 s"));
                continue;
            }
        }
        // A fresh connection and a write, every second while all is well
        // and at every tick while something is wrong, so that each turn
        // shows within a second.
        let wrong = health.unreachable() || health.writes_failing();
        if !wrong && last_write.elapsed() < WRITE_EVERY {
            continue;
        }
        last_write = Instant::now();
        match tokio::time::timeout(PROBE_WAIT, AnyConnection::connect_with(&opts)).await {
            Ok(Ok(fresh)) => {
                let _ = fresh.close().await;
                health.set_unreachable(false, None);
            }
            Ok(Err(e)) => {
                health.set_unreachable(true, Some(&e));
                continue;
            }
            Err(_) => {
                health.set_unreachable(true, Some(&"no new connection within 0.8 s"));
                continue;
            }
        }
        let wrote = {
            let _turn = if sqlite {
                Some(turn.lock().await)
            } else {
                None
            };
            tokio::time::timeout(PROBE_WAIT, write_probe(&pool, sqlite)).await
        };
        match wrote {
            Ok(Ok(())) => health.write_succeeded(),
            Ok(Err(e)) if is_outage(&e) => health.write_failed(&e),
            Ok(Err(e)) => tracing::warn!(error = %e, "the health probe's write failed"),
            Err(_) => health.write_failed(&"a write took longer than 0.8 s"),
        }
    }
}

/// One row rewritten in a transaction of its own, through the pool, as
/// every write of the server is.
async fn write_probe(pool: &AnyPool, sqlite: bool) -> Result<(), sqlx::Error> {
    let mut tx = if sqlite {
        pool.begin_with("BEGIN IMMEDIATE").await?
    } else {
        pool.begin().await?
    };
    sqlx::query("UPDATE health_probe SET written_at = $1 WHERE id = 1")
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_codes() {
        for c in [
            "57P01", "57P03", "53300", "08006", "08001", "13", "778", "8", "10", "3338",
        ] {
            assert!(is_outage_code(c), "{c}");
        }
        // Constraint violations, syntax errors, a busy database.
        for c in ["23505", "2067", "1555", "42601", "5", "517", "1", "19"] {
            assert!(!is_outage_code(c), "{c}");
        }
        assert!(is_outage(&sqlx::Error::PoolTimedOut));
        assert!(!is_outage(&sqlx::Error::RowNotFound));
    }

    #[test]
    fn writes_failing_until_one_succeeds() {
        let h = Health::default();
        assert!(h.problem().is_none());
        h.write_failed(&"disk full");
        assert!(h.writes_failing());
        assert_eq!(
            h.problem().as_deref(),
            Some("database writes are failing: disk full")
        );
        h.write_succeeded();
        assert!(!h.writes_failing(), "a success right after clears it");
        h.set_unreachable(true, Some(&"connection refused"));
        assert_eq!(
            h.problem().as_deref(),
            Some("database unreachable: connection refused")
        );
        h.set_unreachable(false, None);
        assert!(h.problem().is_none());
    }
}
