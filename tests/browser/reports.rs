//! Reports and the shortage analysis.
#[allow(unused_imports)]
use super::*;
