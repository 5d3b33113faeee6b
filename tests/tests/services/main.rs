//! Service-level tests: the business rules called directly (no HTTP), each in a fresh database
//! (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set). Where a rule is guarded in the
//! database, a race test has many tasks hit the guard at once, each in its own write
//! transaction, and checks that exactly what the guard allows happened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod badges;
mod common;
mod discounts;
mod idempotency;
mod jobs;
mod ledger;
mod lifecycle;
mod live;
mod notifications;
mod row_decoding;
mod throttle;
mod timers;
mod work;
