//! Background work gives way to people's requests.
//!
//! The outbox senders (email, xAPI) share the two cores with page
//! rendering. Left alone, a queue of 10,000 messages takes its share of the
//! CPU and of SQLite's writer while learners wait for pages. So every
//! request counts itself in flight ([`Foreground::enter`], a layer of the
//! router) and a sender asks [`Foreground::give_way`] before each message or
//! batch:
//!
//! - on an idle server (no request in flight, none begun for [`QUIET`]) it
//!   goes at once: the queue drains at full speed;
//! - while people are using the server, units go one at a time, each after
//!   a moment with no request in flight (waiting at most [`MAX_WAIT`]) and
//!   at least [`SPACING`] after the one before: at most 50 units a second,
//!   at least about 16 on a saturated server, so the queue never stops.
//!
//! Measured (`cargo bench --bench learn_load`, issue 19, pages asked for
//! at 40% of capacity): waiting only while as many requests were in flight
//! as cores, the sender ran at 270 emails a second between pages and their
//! p99 went from 3.9 to 7.3 ms; waiting while any request was in flight
//! (no spacing), it still found gaps for 227 to 271 a second and p99 went
//! from 3.4–3.9 to 4.7–8.9 ms. Hence the spacing.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest a sender unit waits for the requests to thin out.
pub const MAX_WAIT: Duration = Duration::from_millis(60);
/// While people use the server, units are at least this far apart.
pub const SPACING: Duration = Duration::from_millis(20);
/// A server with no request begun for this long is idle.
pub const QUIET: Duration = Duration::from_millis(250);
/// How often a waiting sender looks again.
const LOOK_EVERY: Duration = Duration::from_millis(2);

/// Requests in flight in this instance, and the turn background work waits
/// for. Cheap to clone.
#[derive(Clone)]
pub struct Foreground {
    in_flight: Arc<AtomicUsize>,
    /// When the last request began, in milliseconds since `epoch`.
    last_request_ms: Arc<AtomicU64>,
    epoch: Instant,
    /// One background unit at a time waits for a quiet moment; the others
    /// queue behind it. Holds when the last unit went.
    turn: Arc<tokio::sync::Mutex<Option<Instant>>>,
    busy_at: usize,
}

impl Default for Foreground {
    /// Busy from the first request in flight.
    fn default() -> Self {
        Self::new(1)
    }
}

/// A request in flight: counted until it is dropped.
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Foreground {
    /// Busy from `busy_at` requests in flight.
    pub fn new(busy_at: usize) -> Self {
        Foreground {
            in_flight: Arc::default(),
            // Long ago: a new server is idle.
            last_request_ms: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now()
                .checked_sub(QUIET * 2)
                .unwrap_or_else(Instant::now),
            turn: Arc::default(),
            busy_at: busy_at.max(1),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Counts a request until the returned guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.last_request_ms.store(self.now_ms(), Ordering::Relaxed);
        InFlight(self.in_flight.clone())
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub fn busy(&self) -> bool {
        self.in_flight() >= self.busy_at
    }

    /// No request in flight and none begun for [`QUIET`].
    pub fn idle(&self) -> bool {
        !self.busy()
            && self
                .now_ms()
                .saturating_sub(self.last_request_ms.load(Ordering::Relaxed))
                >= QUIET.as_millis() as u64
    }

    /// Returns at once on an idle server. Otherwise waits for this unit's
    /// turn, then for a quiet moment (fewer than `busy_at` requests in
    /// flight; at most `MAX_WAIT`) no sooner than `SPACING` after the
    /// previous unit.
    pub async fn give_way(&self) {
        if self.idle() {
            return;
        }
        let mut last = self.turn.lock().await;
        if let Some(at) = *last {
            tokio::time::sleep_until((at + SPACING).into()).await;
        }
        let start = Instant::now();
        while self.busy() && start.elapsed() < MAX_WAIT {
            tokio::time::sleep(LOOK_EVERY).await;
        }
        *last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_idle_server_does_not_wait() {
        let f = Foreground::new(2);
        let one = f.enter();
        let t = Instant::now();
        f.give_way().await;
        assert!(t.elapsed() < MAX_WAIT);
        drop(one);
        assert_eq!(f.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_busy_server_lets_one_unit_through_per_wait() {
        let f = Foreground::new(2);
        let _a = f.enter();
        let _b = f.enter();
        assert!(f.busy());
        let t = Instant::now();
        let waits = (0..4).map(|_| {
            let f = f.clone();
            tokio::spawn(async move { f.give_way().await })
        });
        for w in waits.collect::<Vec<_>>() {
            w.await.unwrap();
        }
        // Four units, one after another, each after its full wait.
        assert!(t.elapsed() >= MAX_WAIT * 4, "{:?}", t.elapsed());
    }

    #[tokio::test]
    async fn an_idle_server_sends_at_full_speed_and_a_used_one_spaces_units() {
        let f = Foreground::new(1);
        assert!(f.idle());
        let t = Instant::now();
        for _ in 0..5 {
            f.give_way().await;
        }
        assert!(t.elapsed() < SPACING, "{:?}", t.elapsed());
        // A request came and went: people are using the server.
        drop(f.enter());
        assert!(!f.idle() && !f.busy());
        let t = Instant::now();
        for _ in 0..5 {
            f.give_way().await;
        }
        assert!(t.elapsed() >= SPACING * 4, "{:?}", t.elapsed());
        assert!(t.elapsed() < MAX_WAIT * 4, "{:?}", t.elapsed());
    }

    #[tokio::test]
    async fn a_waiting_unit_goes_when_requests_end() {
        let f = Foreground::new(1);
        let a = f.enter();
        let g = f.clone();
        let waiter = tokio::spawn(async move {
            let t = Instant::now();
            g.give_way().await;
            t.elapsed()
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(a);
        let waited = waiter.await.unwrap();
        assert!(waited < MAX_WAIT, "{waited:?}");
    }
}
