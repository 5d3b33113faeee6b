use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use kernel::{ContextExt, Role, RoleGuard, parse_id, write};

use super::TenantView;
use crate::entity::tenant::{Branding, FeatureToggles, MessageType, TenantStatus};
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

/// Absent fields keep their value.
#[derive(InputObject)]
pub struct FeatureTogglesInput {
    pub magic_link_login: Option<bool>,
    pub two_factor_required: Option<bool>,
    pub password_reset: Option<bool>,
    pub messaging: Option<bool>,
    pub allowed_message_types: Option<Vec<MessageType>>,
    pub max_pages_per_order: Option<i32>,
    pub max_slides_per_order: Option<i32>,
    pub drafts: Option<bool>,
    pub presets: Option<bool>,
    pub portfolios: Option<bool>,
    pub writer_feedback: Option<bool>,
    pub wallet: Option<bool>,
    pub disputes: Option<bool>,
    pub escalations: Option<bool>,
    pub class_orders: Option<bool>,
    pub special_orders: Option<bool>,
}

#[derive(Default)]
pub struct TenancyMutation;

/// A tenant as a write left it; cached lookups are dropped so this process serves it at once.
fn written(ctx: &Context<'_>, tenant: Tenant) -> TenantView {
    if let Some(directory) = ctx.data_opt::<Arc<TenantDirectory>>() {
        directory.invalidate();
    }
    TenantView(Arc::new(tenant))
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
        Ok(written(ctx, write(ctx.request(), async |txn| tenants::create(txn, ctx.request(), input).await).await?))
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn update_tenant(&self, ctx: &Context<'_>, id: ID, input: TenantChanges) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        Ok(written(ctx, write(ctx.request(), async |txn| tenants::update(txn, ctx.request(), id, input).await).await?))
    }

    /// Every operation of a suspended tenant's users answers `FORBIDDEN`.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn suspend_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        Ok(written(
            ctx,
            write(ctx.request(), async |txn| {
                tenants::set_status(txn, ctx.request(), id, TenantStatus::Suspended).await
            })
            .await?,
        ))
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn reactivate_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        Ok(written(
            ctx,
            write(ctx.request(), async |txn| tenants::set_status(txn, ctx.request(), id, TenantStatus::Active).await)
                .await?,
        ))
    }

    /// Deletes a tenant softly: its hosts and slug answer as unknown at once (on other replicas
    /// within the tenant cache's few seconds), so its users can do nothing there; its data stays.
    /// `CONFLICT` when it is deleted already.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn delete_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        Ok(written(ctx, write(ctx.request(), async |txn| tenants::delete(txn, ctx.request(), id).await).await?))
    }

    /// Restores a deleted tenant as it was; `CONFLICT` when it is not deleted.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn restore_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        Ok(written(ctx, write(ctx.request(), async |txn| tenants::restore(txn, ctx.request(), id).await).await?))
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
        Ok(written(
            ctx,
            write(ctx.request(), async |txn| tenants::update_branding(txn, ctx.request(), tenant, patch).await).await?,
        ))
    }

    /// The request's tenant's feature toggles (its admins, or superadmins). Only the toggles
    /// given change.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_tenant_feature_toggles(&self, ctx: &Context<'_>, input: FeatureTogglesInput) -> Result<TenantView> {
        let tenant = ctx.request().tenant()?.id;
        let patch = move |t: &mut FeatureToggles| {
            let set = |slot: &mut bool, v: Option<bool>| {
                if let Some(v) = v {
                    *slot = v;
                }
            };
            set(&mut t.magic_link_login, input.magic_link_login);
            set(&mut t.two_factor_required, input.two_factor_required);
            set(&mut t.password_reset, input.password_reset);
            set(&mut t.messaging, input.messaging);
            set(&mut t.drafts, input.drafts);
            set(&mut t.presets, input.presets);
            set(&mut t.portfolios, input.portfolios);
            set(&mut t.writer_feedback, input.writer_feedback);
            set(&mut t.wallet, input.wallet);
            set(&mut t.disputes, input.disputes);
            set(&mut t.escalations, input.escalations);
            set(&mut t.class_orders, input.class_orders);
            set(&mut t.special_orders, input.special_orders);
            if let Some(types) = input.allowed_message_types {
                t.allowed_message_types = types;
            }
            if let Some(n) = input.max_pages_per_order {
                t.max_pages_per_order = n;
            }
            if let Some(n) = input.max_slides_per_order {
                t.max_slides_per_order = n;
            }
        };
        Ok(written(
            ctx,
            write(ctx.request(), async |txn| tenants::update_feature_toggles(txn, ctx.request(), tenant, patch).await)
                .await?,
        ))
    }
}
