use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use kernel::{ContextExt, Role, RoleGuard, parse_id, write};

use super::TenantView;
use crate::entity::tenant::{Branding, FeatureToggles, TenantStatus};
use crate::service::tenants::FeatureTogglesInput;
use crate::service::tenants::{self, NewTenant, TenantChanges};
use crate::{Tenant, TenantDirectory};

/// Absent fields keep their value; `null` clears one.
#[derive(InputObject)]
pub struct BrandingInput {
    pub subject_prefix: MaybeUndefined<String>,
    pub from_name: MaybeUndefined<String>,
    pub from_address: MaybeUndefined<String>,
    pub reply_to: MaybeUndefined<String>,
    pub logo_url: MaybeUndefined<String>,
    pub primary_color: MaybeUndefined<String>,
    pub secondary_color: MaybeUndefined<String>,
    pub footer_text: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct TenancyMutation;

/// A tenant as a write left it; once committed, cached lookups are dropped so this process
/// serves it at once (dropped before, another request could cache the old one again).
async fn written(ctx: &Context<'_>, tenant: Tenant) -> Result<TenantView> {
    ctx.request().db.commit().await?;
    if let Some(directory) = ctx.data_opt::<Arc<TenantDirectory>>() {
        directory.invalidate();
    }
    Ok(TenantView(Arc::new(tenant)))
}

fn patch(field: &mut Option<String>, value: MaybeUndefined<String>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *field = None,
        MaybeUndefined::Value(v) => *field = Some(v),
    }
}

#[Object]
impl TenancyMutation {
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn create_tenant(&self, ctx: &Context<'_>, input: NewTenant) -> Result<TenantView> {
        written(ctx, write(ctx.request(), async |txn| tenants::create(txn, ctx.request(), input).await).await?).await
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn update_tenant(&self, ctx: &Context<'_>, id: ID, input: TenantChanges) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        written(ctx, write(ctx.request(), async |txn| tenants::update(txn, ctx.request(), id, input).await).await?)
            .await
    }

    /// Every operation of a suspended tenant's users answers `FORBIDDEN`.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn suspend_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        let tenant = write(ctx.request(), async |txn| {
            tenants::set_status(txn, ctx.request(), id, TenantStatus::Suspended).await
        })
        .await?;
        written(ctx, tenant).await
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn reactivate_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        let tenant =
            write(ctx.request(), async |txn| tenants::set_status(txn, ctx.request(), id, TenantStatus::Active).await)
                .await?;
        written(ctx, tenant).await
    }

    /// Deletes a tenant softly: its hosts and slug answer as unknown at once (on other replicas
    /// within the tenant cache's few seconds), so its users can do nothing there; its data stays.
    /// `CONFLICT` when it is deleted already.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn delete_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        written(ctx, write(ctx.request(), async |txn| tenants::delete(txn, ctx.request(), id).await).await?).await
    }

    /// Restores a deleted tenant as it was; `CONFLICT` when it is not deleted.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn restore_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        written(ctx, write(ctx.request(), async |txn| tenants::restore(txn, ctx.request(), id).await).await?).await
    }

    /// The request's tenant's branding (its admins, or superadmins via its host or `X-Tenant`).
    /// Only the fields given change; two admins editing different fields at once both win.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_tenant_branding(&self, ctx: &Context<'_>, input: BrandingInput) -> Result<TenantView> {
        let tenant = ctx.request().tenant()?.id;
        let patch = move |b: &mut Branding| {
            patch(&mut b.subject_prefix, input.subject_prefix);
            patch(&mut b.from_name, input.from_name);
            patch(&mut b.from_address, input.from_address);
            patch(&mut b.reply_to, input.reply_to);
            patch(&mut b.logo_url, input.logo_url);
            patch(&mut b.primary_color, input.primary_color);
            patch(&mut b.secondary_color, input.secondary_color);
            patch(&mut b.footer_text, input.footer_text);
        };
        let tenant =
            write(ctx.request(), async |txn| tenants::update_branding(txn, ctx.request(), tenant, patch).await).await?;
        written(ctx, tenant).await
    }

    /// The request's tenant's feature toggles (its admins, or superadmins). Only the toggles
    /// given change.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_tenant_feature_toggles(&self, ctx: &Context<'_>, input: FeatureTogglesInput) -> Result<TenantView> {
        let tenant = ctx.request().tenant()?.id;
        let patch = move |t: &mut FeatureToggles| input.apply(t);
        let tenant =
            write(ctx.request(), async |txn| tenants::update_feature_toggles(txn, ctx.request(), tenant, patch).await)
                .await?;
        written(ctx, tenant).await
    }
}
