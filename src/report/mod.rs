//! Figures for coordinators and funders: coverage, hours, travel and response times per
//! language, organisation and mediator over a date range, and the shortage analysis
//! (unmet demand, and what one more mediator would fill). No HTTP here: the pages and the
//! API call these functions.
