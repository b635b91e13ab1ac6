//! Reports and the shortage analysis on both backends.
#[allow(unused_imports)]
use crate::helpers::{Backend, TestApp};
