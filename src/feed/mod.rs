//! iCalendar (RFC 5545) output: mediators' and organisations' feeds (`/feeds/{token}.ics`) and
//! the ICS attachments of email notices (METHOD:REQUEST or CANCEL).
//!
//! The writer is pure: callers map assignments to [`Event`]s and call [`render`]; [`etag`]
//! gives the strong validator for conditional GETs. [`tokens`] keeps the secret feed URLs
//! of mediators and organisations, and [`calendar`] loads a feed's events from the database.
//!
//! Ponte writes iCalendar itself rather than through the `ical` crate's generator, which
//! neither escapes TEXT nor folds at octets nor knows time zones (see design.md). `ical`
//! stays as the independent parser the tests read every rendered calendar back with.

pub mod cache;
pub mod calendar;
mod content;
mod ics;
pub mod tokens;
mod vtimezone;

use chrono::{DateTime, Utc};

pub use ics::{etag, render};

/// An iCalendar object: a feed (no method) or an iTIP message for email (a method).
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Shown by clients as the calendar's name (`X-WR-CALNAME`).
    pub name: String,
    /// `Some` for email attachments (iTIP, RFC 5546); `None` for subscribed feeds.
    pub method: Option<Method>,
    pub events: Vec<Event>,
}

/// The iTIP method of an email attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// `STATUS` of a VEVENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    Tentative,
    Cancelled,
}

/// One assignment as an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable across changes (e.g. `assignment-42@ponte`): clients match updates by it.
    pub uid: String,
    /// Increased on every change, so clients replace their copy.
    pub sequence: u32,
    pub status: EventStatus,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The zone the times are shown in (`DTSTART;TZID=…`), normally the organisation's.
    pub zone: chrono_tz::Tz,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// Latitude and longitude in degrees.
    pub geo: Option<(f64, f64)>,
    pub last_modified: DateTime<Utc>,
    /// An email address or a `mailto:` URI.
    pub organizer: Option<String>,
    /// Email addresses or `mailto:` URIs.
    pub attendees: Vec<String>,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

impl EventStatus {
    fn as_str(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}
