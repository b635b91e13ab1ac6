//! Requests for a mediator: what a client may send, the rules it must follow, how it is
//! stored (with its audit event and idempotency key in one transaction) and read back.
//!
//! The HTTP handlers in `http::requests` only parse and map; everything that decides lives
//! here, one job per module.
pub mod cancel;
pub mod choices;
pub mod idempotency;
pub mod intake;
pub mod list;
pub mod model;
pub mod occurrence;
pub mod store;
pub mod validate;
pub mod view;

pub use model::{CancelBody, Modality, RequestBody, Status, Urgency};
pub use view::{RequestPage, RequestView};
