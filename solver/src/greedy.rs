//! Placeholder until the greedy baseline lands.
use crate::plan::Plan;
use crate::problem::Problem;

pub fn greedy(p: &Problem) -> Plan {
    Plan::pinned_only(p)
}
