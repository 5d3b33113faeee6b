//! Orders: the catalogue and pricing, quotes, drafts and presets, orders and their lifecycle
//! with its timeline, revisions, and the client dashboard's order part.

pub mod entity;
pub mod graphql;
pub mod loaders;
pub mod service;

pub use graphql::{ClientDashboardPart, OrdersMutation, OrdersQuery, OrdersSubscription};
