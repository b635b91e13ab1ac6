//! Planning: the database as a solver instance ([`snapshot`]), plans created and read
//! ([`plans`]), solved in the background ([`worker`], [`results`]), reviewed by
//! coordinators ([`edit`]: lock, move, unassign, rerun) and published ([`publish`]); the
//! board's view of a day ([`day`]).
pub mod day;
pub mod edit;
pub mod lookup;
pub mod plans;
pub mod publish;
pub mod results;
pub mod snapshot;
pub mod why;
pub mod worker;

pub use snapshot::{OccurrenceRef, Snapshot, SnapshotError, Window};
