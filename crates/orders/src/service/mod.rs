//! The orders context's rules, free of GraphQL; functions take `&impl ConnectionTrait`.

pub mod access;
pub mod actions;
pub mod activity;
pub mod cancellation;
pub mod catalog;
pub mod demo_catalog;
pub mod disputes;
pub mod drafts;
pub mod editing;
pub mod files;
pub mod integrity;
pub mod lifecycle;
pub mod listing;
pub mod notices;
pub mod placing;
pub mod pool;
pub mod preferred;
pub mod presets;
pub mod pricing;
pub mod refunds;
pub mod revisions;
pub mod scale;
pub mod spec;
pub mod stats;
pub mod timers;
pub mod workload;
