//! End-to-end tests over HTTP against the real router (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod billing;
mod discounts;
mod drafts;
mod identity;
mod lifecycle;
mod pricing;
mod queries;
mod refunds;
mod schema;
mod tenancy;
mod topups;
mod transport;
mod walls;
