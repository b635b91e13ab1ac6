//! Ponte: scheduling and dispatch of cultural-linguistic mediators.
//!
//! The binary `ponte` is a thin shell around this library: `cli` parses the command line and
//! hands over to the service (`serve`, `migrate`, `demo`, …) or to the optimisation core in the
//! `ponte-solver` crate (`solve`, `validate`, `bench`).
pub mod account;
pub mod assignment;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dispatch;
pub mod domain;
pub mod entity;
pub mod error;
pub mod feed;
pub mod fixtures;
pub mod http;
pub mod notice;
pub mod plan;
pub mod registry;
pub mod report;
pub mod request;
pub mod startup;
pub mod storage;
pub mod supervisor;
pub mod web;
