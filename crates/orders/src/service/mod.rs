//! The orders context's rules, free of GraphQL; functions take `&impl ConnectionTrait`.

pub mod activity;
pub mod catalog;
pub mod drafts;
pub mod lifecycle;
pub mod orders;
pub mod presets;
pub mod pricing;
pub mod scale;
pub mod spec;
