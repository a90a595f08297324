//! A competency's reachable range in one scenario, and where a total sits
//! in it.

use serde::{Deserialize, Serialize};

/// Lowest and highest total a learner can reach in one competency on a
/// route from the start to an ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRange {
    pub min: i32,
    pub max: i32,
}

impl ScoreRange {
    /// Where `total` sits between the lowest and the highest reachable
    /// total, in per cent (rounded): 0 is the worst route, 100 the best.
    /// `None` when every route scores the same (nothing to compare).
    pub fn share(&self, total: i32) -> Option<i64> {
        let (low, high) = (i64::from(self.min), i64::from(self.max));
        if high <= low {
            return None;
        }
        let at = (i64::from(total) - low).clamp(0, high - low);
        Some((at * 200 + (high - low)) / (2 * (high - low)))
    }
}
