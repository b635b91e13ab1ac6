//! Mediators and requesters beyond the first flows.
#[allow(unused_imports)]
use super::*;
