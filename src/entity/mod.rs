//! sea-orm entities, one per table of `migrations/`. Plain rows: rules live in `domain`,
//! queries in the storage modules that use them.
pub mod api_token;
pub mod assignment;
pub mod audit_event;
pub mod availability_exception;
pub mod availability_rule;
pub mod closure;
pub mod feed_token;
pub mod idempotency_key;
pub mod mediator;
pub mod notice;
pub mod occurrence_cancellation;
pub mod organisation;
pub mod plan;
pub mod plan_assignment;
pub mod request;
pub mod server_secret;
pub mod session;
pub mod site;
pub mod tag;
pub mod user;
