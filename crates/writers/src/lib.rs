//! The workforce: writers' profiles and levels (what a level allows and pays), their capacity
//! (limits, blackouts, preferences) and how much of it is used.

pub mod entity;
pub mod graphql;
pub mod service;

pub use graphql::{AdminDashboardPart, ViewerPart, WritersMutation, WritersQuery, WritersSubscription};
