//! The whole job across the three groups: a school submits, a coordinator plans and
//! publishes, the mediator accepts, the school sees the name.
#[allow(unused_imports)]
use super::*;
