//! Registry editing and the audit log.
#[allow(unused_imports)]
use super::*;
