//! Billing: a double-entry ledger. Every money movement is one journal entry whose postings
//! sum to zero, written in the transaction of the change that caused it; accounts that may not
//! go negative (wallets) cannot, under any concurrency.

pub mod entity;
pub mod graphql;
pub mod loaders;
pub mod service;

pub use graphql::{AdminDashboardPart, BillingMutation, BillingQuery, ClientDashboardPart, Refund, ViewerPart};
