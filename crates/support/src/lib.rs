//! Support: tickets between a site's clients (and writers) and its support agents, with
//! internal notes, assignment, reopening and ratings; SLA clocks that count the site's working
//! hours, pause while the requester is awaited, warn and breach once; and the reports on them.

pub mod entity;
pub mod graphql;
pub mod service;

pub use graphql::{AdminDashboardPart, SupportDashboard, SupportMutation, SupportQuery, SupportSubscription};
