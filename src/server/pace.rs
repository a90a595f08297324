//! Background work gives way to people's requests.
//!
//! The outbox senders (email, xAPI) share the two cores with page
//! rendering. Left alone, a queue of 10,000 messages takes its share of the
//! CPU and of SQLite's writer while learners wait for pages. So every
//! request counts itself in flight ([`Foreground::enter`], a layer of the
//! router) and a sender asks [`Foreground::give_way`] before each message or
//! batch: while any request is in flight, it waits, one sender unit at a
//! time, at most [`MAX_WAIT`], then goes on anyway. An idle server sends at
//! full speed; a busy one sends in the gaps between requests, and at least
//! one unit per `MAX_WAIT` (about 16 emails or 16 batches of xAPI
//! statements a second at the floor), so the queue never stops for good.
//!
//! Measured (`cargo bench --bench learn_load`, issue 19): waiting only
//! while as many requests were in flight as there are cores, pages asked
//! for at 40% of the server's capacity had a p99 of 7.3 ms with 10,000
//! emails queued against 3.9 ms without (the sender ran at 270 a second
//! between them); hence "any request".

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest a sender unit waits for the requests to thin out.
pub const MAX_WAIT: Duration = Duration::from_millis(60);
/// How often a waiting sender looks again.
const LOOK_EVERY: Duration = Duration::from_millis(2);

/// Requests in flight in this instance, and the turn background work waits
/// for. Cheap to clone.
#[derive(Clone)]
pub struct Foreground {
    in_flight: Arc<AtomicUsize>,
    /// One background unit at a time waits for a quiet moment; the others
    /// queue behind it, so a saturated server lets one unit through per
    /// `MAX_WAIT`, not one per sender task.
    turn: Arc<tokio::sync::Mutex<()>>,
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
            turn: Arc::default(),
            busy_at: busy_at.max(1),
        }
    }

    /// Counts a request until the returned guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.in_flight.clone())
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub fn busy(&self) -> bool {
        self.in_flight() >= self.busy_at
    }

    /// Waits for a quiet moment (fewer than `busy_at` requests in flight), at
    /// most `MAX_WAIT` once this unit's turn has come. Returns at once on an
    /// idle server.
    pub async fn give_way(&self) {
        if !self.busy() {
            return;
        }
        let _turn = self.turn.lock().await;
        let start = Instant::now();
        while self.busy() && start.elapsed() < MAX_WAIT {
            tokio::time::sleep(LOOK_EVERY).await;
        }
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
