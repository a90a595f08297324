//! The JSON kept in `attempt_steps.result`: the answer a replayed step
//! gets again. It has its own type, separate from the wire's
//! [`StepResult`], so that renaming a field of the API cannot make months
//! of stored steps undecodable. `tests/stored_formats.rs` decodes a frozen
//! sample of it.

use crate::api::learn::{AttemptRef, StepResult};
use serde::{Deserialize, Serialize};

/// A saved step's answer, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStep {
    pub attempt: StoredAttempt,
    pub finished: bool,
    /// Always written as `false`; a replay sets it on the way out.
    #[serde(default)]
    pub replayed: bool,
}

/// The attempt and the step it moved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAttempt {
    pub id: i64,
    pub step: i64,
}

impl StoredStep {
    /// What a step that moved `attempt` to `step` stores.
    pub fn new(attempt: i64, step: i64, finished: bool) -> Self {
        StoredStep {
            attempt: StoredAttempt { id: attempt, step },
            finished,
            replayed: false,
        }
    }

    /// The stored answer as the API sends it.
    pub fn to_wire(&self, replayed: bool) -> StepResult {
        StepResult {
            attempt: AttemptRef {
                id: self.attempt.id,
                step: self.attempt.step,
            },
            finished: self.finished,
            replayed,
        }
    }
}
