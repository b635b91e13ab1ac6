//! Optimisation core of Ponte: assigns cultural-linguistic mediators to requests under
//! language, tag, modality, availability, travel and workload constraints. No HTTP, no
//! database: the service and the CLI are its clients.
//!
//! - [`model`]: the exchange format `mediation-dispatch/1`, one type per JSON object.
//! - [`problem`]: immutable prepared data (indices, seconds, travel matrix, candidates,
//!   reasons), built once and shared by every algorithm.
//! - [`plan`]: a plan (request → shift and start) and its conversion to the exchange format.
//! - [`check`]: the referee: every rule of the spec, and the metrics of a plan.
//! - [`greedy`]: the first-come-first-served baseline, what coordinators do by hand.
//! - [`route`]: one mediator shift as an ordered list of appointments, with the insertion
//!   moves every search operator is built from.
//! - [`search`]: construction by regret insertion and large neighbourhood search.
//! - [`bound`]: a proven upper bound on the objective, from an LP relaxation (good_lp).
//! - [`exact`]: small independent parts solved exactly (route enumeration and a
//!   set-partitioning MILP).
//! - [`insert`]: urgent insertion of one new request into a published plan.
//! - [`solve`]: the whole pipeline under a time limit, as `ponte solve` runs it.
pub mod bound;
pub mod check;
pub mod error;
pub mod exact;
pub mod greedy;
pub mod insert;
pub mod model;
pub mod plan;
pub mod problem;
pub mod rng;
pub mod route;
pub mod search;
pub mod solve;

pub use error::InputError;
pub use model::{Instance, Solution};
pub use plan::{Plan, Slot};
pub use problem::Problem;
