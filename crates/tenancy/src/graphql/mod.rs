//! Thin resolvers: read the request context, call a service, map the result.

mod mutation;
mod query;
mod system;
mod types;

use std::sync::Arc;

pub use mutation::TenancyMutation;
pub use query::TenancyQuery;
pub use system::{SystemMutation, SystemQuery};
pub use types::{AuditEntry, TenantView};

use crate::Tenant;

/// The tenant the gateway resolved for this request, in full (branding, toggles, domains).
#[derive(Clone, Default)]
pub struct CurrentTenant(pub Option<Arc<Tenant>>);
