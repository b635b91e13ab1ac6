//! Planning: the database as a solver instance ([`snapshot`]), plans solved in the
//! background ([`worker`], [`results`]), read and edited by coordinators ([`api`], [`edit`])
//! before they are published.
pub mod api;
pub mod day;
pub mod edit;
pub mod lookup;
pub mod results;
pub mod snapshot;
pub mod worker;

pub use snapshot::{OccurrenceRef, Snapshot, SnapshotError, Window};
