//! The per-request context every resolver reads: database handle, clock, tenant, viewer and
//! where the request came from. Built by the gateway; never shared across requests.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{AppError, Clock, Role, TenantScope, Viewer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Clone)]
pub struct RequestContext {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub tenant: Option<TenantScope>,
    pub viewer: Option<Viewer>,
    pub client: ClientInfo,
}

impl RequestContext {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The signed-in viewer, or `UNAUTHENTICATED`.
    pub fn viewer(&self) -> Result<&Viewer, AppError> {
        self.viewer.as_ref().ok_or_else(|| AppError::unauthenticated("sign in first"))
    }

    /// The request's tenant, or `NOT_FOUND` when neither the host nor `X-Tenant` named one.
    pub fn tenant(&self) -> Result<&TenantScope, AppError> {
        self.tenant
            .as_ref()
            .ok_or_else(|| AppError::not_found("tenant").with_reason("NO_TENANT").with_field("X-Tenant"))
    }

    /// The viewer, who must hold one of `roles` (`UNAUTHENTICATED` / `FORBIDDEN` otherwise).
    pub fn require_role(&self, roles: &[Role]) -> Result<&Viewer, AppError> {
        let viewer = self.viewer()?;
        if roles.contains(&viewer.role) { Ok(viewer) } else { Err(AppError::forbidden("your role may not do this")) }
    }
}

/// Reads the request context from a resolver's GraphQL context.
pub trait ContextExt {
    fn request(&self) -> &RequestContext;
}

impl ContextExt for async_graphql::Context<'_> {
    fn request(&self) -> &RequestContext {
        // The gateway attaches a RequestContext to every request before executing it.
        self.data_unchecked::<RequestContext>()
    }
}
