//! The gateway: the one binary (`scriptorium`). It assembles the domain crates' GraphQL roots
//! into one schema and carries requests to it: tenant and viewer extraction, limits, error
//! codes, GraphiQL, health and metrics, and the command line.

pub mod app;
pub mod calendar;
pub mod config;
pub mod documents;
pub mod files;
pub mod graphiql;
pub mod housekeeping;
pub mod inputs;
pub mod limits;
pub mod live;
pub mod multipart;
pub mod observability;
pub mod responses;
pub mod schema;
pub mod seed;
pub mod tenant_stats;
pub mod transport;
pub mod webhooks;
pub mod worker;

pub use app::{AppOptions, build_app, build_router, metrics_router};
pub use config::Settings;
