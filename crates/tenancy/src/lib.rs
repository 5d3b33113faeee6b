//! Tenancy: the websites (tenants) of the installation, their domains, branding and feature
//! toggles, host resolution, and the audit log every admin mutation writes to.

pub mod entity;
pub mod graphql;
pub mod service;

pub use graphql::{SystemMutation, SystemQuery, TenancyMutation, TenancyQuery};
pub use service::directory::TenantDirectory;
pub use service::system::SystemState;
pub use service::tenants::Tenant;
