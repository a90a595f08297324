//! The model's turns, shared fairly between people.
//!
//! One inference runs at a time per instance. Behind it waits at most one
//! request per person, and at most [`MAX_WAITING`] in all; anything beyond
//! is answered "busy" at once, without waiting. Waiting requests are served
//! in the order their people joined the line, and a person whose reply was
//! just served joins at the back for the next one: so someone who keeps
//! two hundred replies in flight gets one turn in every round, like anyone
//! else, and never more than one place in the line.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// Requests that may wait for the model at once, over everyone.
pub const MAX_WAITING: usize = 64;

/// Who asks: a person's id, or 0 for the command line.
pub type Who = i64;

#[derive(Default)]
pub struct Gate {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// An inference is running.
    busy: bool,
    /// Who waits, in turn; each with the channel that hands them the turn.
    line: VecDeque<(Who, u64, oneshot::Sender<()>)>,
    next_ticket: u64,
}

/// Why no turn was given.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// This person already has a request waiting, or the line is full.
    Busy,
    /// Waited the longest a request may wait.
    TimedOut,
}

/// The turn to run the model; the next in line gets it when this drops.
pub struct Turn<'a> {
    gate: &'a Gate,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.gate.pass_on();
    }
}

impl Gate {
    /// Waits for the model's turn for `who`, at most `wait`.
    pub async fn turn(&self, who: Who, wait: Duration) -> Result<Turn<'_>, Refused> {
        let (ticket, handed) = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !s.busy && s.line.is_empty() {
                s.busy = true;
                return Ok(Turn { gate: self });
            }
            if s.line.len() >= MAX_WAITING || s.line.iter().any(|(w, ..)| *w == who) {
                return Err(Refused::Busy);
            }
            let (tx, rx) = oneshot::channel();
            let ticket = s.next_ticket;
            s.next_ticket += 1;
            s.line.push_back((who, ticket, tx));
            (ticket, rx)
        };
        // Leaves the line however this future ends (timed out, or dropped
        // because the browser went away).
        let mut place = Place {
            gate: self,
            ticket,
            handed,
        };
        match tokio::time::timeout(wait, &mut place.handed).await {
            Ok(Ok(())) => {
                place.ticket = u64::MAX;
                Ok(Turn { gate: self })
            }
            _ => Err(Refused::TimedOut),
        }
    }

    /// Hands the turn to the first in line still waiting, or frees it.
    fn pass_on(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((_, _, tx)) = s.line.pop_front() {
            if tx.send(()).is_ok() {
                return;
            }
        }
        s.busy = false;
    }

    /// How many wait now (for tests).
    pub fn waiting(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .line
            .len()
    }
}

/// A place in the line, left when dropped.
struct Place<'a> {
    gate: &'a Gate,
    /// `u64::MAX` once the turn was taken.
    ticket: u64,
    handed: oneshot::Receiver<()>,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if self.ticket == u64::MAX {
            return;
        }
        let mut s = self.gate.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = s.line.iter().position(|(_, t, _)| *t == self.ticket) {
            s.line.remove(i);
            return;
        }
        drop(s);
        // No longer in the line: the turn was handed here at the moment
        // this gave up. Pass it on, or nobody would ever get it.
        if self.handed.try_recv().is_ok() {
            self.gate.pass_on();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn one_waits_per_person_and_people_take_turns() {
        let gate = Arc::new(Gate::default());
        let running = gate.turn(1, Duration::from_secs(1)).await.unwrap();
        // Person 1 may wait once more, not twice.
        let g = gate.clone();
        let first_again = tokio::spawn(async move {
            let _t = g.turn(1, Duration::from_secs(5)).await.map(|_| ());
            1
        });
        tokio::task::yield_now().await;
        while gate.waiting() < 1 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            gate.turn(1, Duration::from_secs(1)).await.err(),
            Some(Refused::Busy)
        );
        // Person 2 waits behind person 1's one waiting request.
        let g = gate.clone();
        let second = tokio::spawn(async move {
            let _t = g.turn(2, Duration::from_secs(5)).await.map(|_| ());
            2
        });
        while gate.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        drop(running);
        assert_eq!(first_again.await.unwrap(), 1);
        assert_eq!(second.await.unwrap(), 2);
        assert_eq!(gate.waiting(), 0);
        // Free again: a turn at once.
        drop(gate.turn(3, Duration::from_millis(10)).await.unwrap());
    }

    #[tokio::test]
    async fn the_line_is_bounded_and_leaving_it_frees_the_place() {
        let gate = Arc::new(Gate::default());
        let running = gate.turn(0, Duration::from_secs(1)).await.unwrap();
        let mut waiters = Vec::new();
        for who in 1..=MAX_WAITING as i64 {
            let g = gate.clone();
            waiters.push(tokio::spawn(async move {
                g.turn(who, Duration::from_secs(30)).await.map(|_| ())
            }));
        }
        while gate.waiting() < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            gate.turn(9999, Duration::from_secs(1)).await.err(),
            Some(Refused::Busy),
            "a full line answers at once"
        );
        // A request that goes away leaves its place.
        waiters.pop().unwrap().abort();
        while gate.waiting() == MAX_WAITING {
            tokio::task::yield_now().await;
        }
        // A request that times out leaves too.
        assert_eq!(
            gate.turn(9999, Duration::from_millis(20)).await.err(),
            Some(Refused::TimedOut)
        );
        assert_eq!(gate.waiting(), MAX_WAITING - 1);
        drop(running);
        for w in waiters {
            assert_eq!(w.await.unwrap(), Ok(()));
        }
        assert_eq!(gate.waiting(), 0);
        drop(gate.turn(1, Duration::from_millis(10)).await.unwrap());
    }
}
