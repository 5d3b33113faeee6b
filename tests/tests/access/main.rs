//! Access tests that read the running schema: who may read which field of an order, and that
//! every field of a feature the tenant switched off is refused. Both discover their fields by
//! introspection, so a new field cannot slip past them unclassified.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod feature_toggles;
mod field_access;
