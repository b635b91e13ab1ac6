//! The dispatch board.
#[allow(unused_imports)]
use super::*;
