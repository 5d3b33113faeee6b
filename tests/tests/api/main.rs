//! End-to-end tests over HTTP against the real router (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod audit;
mod billing;
mod devices;
mod discounts;
mod drafts;
mod feedback;
mod files;
mod housekeeping;
mod identity;
mod inputs;
mod jobs;
mod lifecycle;
mod links;
mod live;
mod money_invariants;
mod notifications;
mod portfolio;
mod pricing;
mod push;
mod queries;
mod query_cost;
mod refunds;
mod row_level_security;
mod schema;
mod system;
mod tenancy;
mod tenant_management;
mod topups;
mod transport;
mod two_factor;
mod walls;
mod work;
mod writers;
