//! Domain types and rules of the service, free of HTTP and storage.
pub mod language;
pub mod local_time;
pub mod recurrence;
