//! Upper bound on the objective. Placeholder until the LP relaxation lands: the coverable
//! bound (every request some shift could serve alone, at its best value, with no travel).
use std::time::Duration;

use crate::problem::Problem;

pub struct BoundOptions {
    pub time_limit: Duration,
}

pub struct Bound {
    pub value: i64,
    pub lp_value: f64,
    pub method: &'static str,
    pub millis: u64,
}

pub fn upper_bound(p: &Problem, _opts: &BoundOptions) -> Bound {
    let value: i64 = p
        .candidates
        .iter()
        .map(|c| c.iter().map(|c| c.value).max().unwrap_or(0))
        .sum();
    Bound {
        value,
        lp_value: value as f64,
        method: "coverable",
        millis: 0,
    }
}
