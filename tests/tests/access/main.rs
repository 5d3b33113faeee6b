//! Tests that read the running schema: who may read which field of an order, that every field
//! of a feature the tenant switched off is refused, and that a list page's column projection
//! serves every field. Each discovers its fields by introspection, so a new field cannot slip
//! past them unclassified.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod feature_toggles;
mod field_access;
mod projection;
