use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Role, RoleGuard, parse_id};

use super::types::AuditChainIntegrity;
use super::{AuditEntry, CurrentTenant, TenantView};
use crate::entity::tenant::TenantStatus;
use crate::service::{audit, tenants};

#[derive(Default)]
pub struct TenancyQuery;

#[Object]
impl TenancyQuery {
    /// The tenant of this request (from its host or `X-Tenant`), or null when there is none.
    async fn tenant(&self, ctx: &Context<'_>) -> Option<TenantView> {
        ctx.data_opt::<CurrentTenant>().and_then(|c| c.0.clone()).map(TenantView)
    }

    /// Every tenant of the installation, oldest first. Superadmins only.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        status: Option<TenantStatus>,
        #[graphql(desc = "The deleted tenants instead of the live ones.", default = false)] deleted: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<TenantView>> {
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = tenants::list(&ctx.request().db, status, deleted, page).await?;
        Ok(paged.into_connection(|t| t.id, |t| TenantView(Arc::new(t))))
    }

    /// One tenant, live or deleted (superadmins); an unknown id is `NOT_FOUND`.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn tenant_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        Ok(TenantView(Arc::new(tenants::find(&ctx.request().db, id).await?)))
    }

    /// The audit log, newest first: an admin's own tenant (a superadmin's entries there without
    /// their address); for superadmins everything, or the tenant named by `tenantId`. `filter`
    /// narrows it by actor, target, action and time.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        tenant_id: Option<ID>,
        filter: Option<audit::AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<AuditEntry>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let tenant_id = tenant_id.as_ref().map(|id| parse_id("tenantId", id)).transpose()?;
        let filter = filter.unwrap_or_default();
        let paged = audit::list(&request.db, request, tenant_id, &filter, page).await?;
        Ok(paged.into_connection(|e| e.id, AuditEntry::from))
    }

    /// Walks the audit log's hash chains and names the first entry that does not hold (changed,
    /// or following a removed one). Admins: their site's chain. Superadmins: the chain of the
    /// tenant named, or with none the installation's and every tenant's.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn audit_integrity(&self, ctx: &Context<'_>, tenant_id: Option<ID>) -> Result<Vec<AuditChainIntegrity>> {
        let request = ctx.request();
        let tenant_id = tenant_id.as_ref().map(|id| parse_id("tenantId", id)).transpose()?;
        let checks = audit::integrity(&request.db, request, tenant_id).await?;
        let viewer = request.viewer()?.role;
        Ok(checks.into_iter().map(|c| AuditChainIntegrity::new(c, viewer)).collect())
    }
}
