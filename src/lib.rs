//! Ponte: scheduling and dispatch of cultural-linguistic mediators.
//!
//! The binary `ponte` is a thin shell around this library: `cli` parses the command line and
//! hands over to the service (`serve`, `migrate`, `demo`, …) or to the optimisation core in the
//! `ponte-solver` crate (`solve`, `validate`, `bench`).
pub mod cli;
pub mod domain;
pub mod fixtures;
