//! Integration tests of the HTTP service: the real app on port 0 with a database of its own,
//! on SQLite and (when `PONTE_TEST_POSTGRES_URL` is set) on PostgreSQL. One test binary, so
//! that the suite links once.
mod helpers;
#[path = "../support/smtp_sink.rs"]
mod smtp_sink;

mod absences;
mod assignments;
mod audit;
mod board;
mod closeouts;
mod closures;
mod dispatch;
mod fallbacks;
mod feeds;
mod foundation;
mod fuzz;
mod hardening;
mod meeting_changes;
mod notices;
mod offers;
mod plans;
mod publication;
mod registry;
mod reports;
mod request_changes;
mod requests;
mod throttle;
