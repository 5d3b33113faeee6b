//! The per-request context every resolver reads: database handle, clock, tenant, viewer and
//! where the request came from. Built by the gateway; never shared across requests.

use crate::Reason;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{AppError, AppResult, Clock, Feature, RequestDb, Role, TenantScope, Viewer};

/// Where a request came from: the client's address (see the gateway's client-address setting),
/// its user agent, and the host name it asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub host: Option<String>,
    /// The browser's device cookie, as presented (identity's `devices` checks it).
    pub device: Option<String>,
}

#[derive(Clone)]
pub struct RequestContext {
    pub db: RequestDb,
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

    /// The request's tenant, or `NOT_FOUND` (reason `NO_TENANT`, naming the host) when neither
    /// the host nor `X-Tenant` named one.
    pub fn tenant(&self) -> Result<&TenantScope, AppError> {
        self.tenant.as_ref().ok_or_else(|| no_tenant(self.client.host.as_deref()))
    }

    /// `Ok` when the request's tenant has `feature` on; `FORBIDDEN` (`FEATURE_DISABLED`) when it
    /// is off, and `NOT_FOUND` (`NO_TENANT`) without a tenant: no tenant, no features.
    pub fn require_feature(&self, feature: Feature) -> AppResult<()> {
        self.tenant()?.require(feature)
    }

    /// The viewer, who must hold one of `roles` (`UNAUTHENTICATED` / `FORBIDDEN` otherwise).
    pub fn require_role(&self, roles: &[Role]) -> Result<&Viewer, AppError> {
        let viewer = self.viewer()?;
        if roles.contains(&viewer.role) { Ok(viewer) } else { Err(AppError::forbidden("your role may not do this")) }
    }
}

/// The answer to a tenant operation on a host that is no tenant's domain, without `X-Tenant`.
pub fn no_tenant(host: Option<&str>) -> AppError {
    let message = match host.filter(|h| !h.is_empty()) {
        Some(host) => {
            // the client wrote it: echo a bounded part of it
            let host: String = host.chars().take(100).collect();
            format!("no site is served at '{host}'; use a site's address or send an X-Tenant header")
        }
        None => "no site named; use a site's address or send an X-Tenant header".to_owned(),
    };
    let mut err = AppError::not_found("tenant").with_reason(Reason::NoTenant).with_field("X-Tenant");
    err.message = message;
    err
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
