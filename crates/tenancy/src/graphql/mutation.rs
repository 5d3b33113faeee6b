use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use kernel::db::begin_write;
use kernel::{ContextExt, RequestContext, Role, RoleGuard, parse_id};

use super::{CurrentTenant, TenantView};
use crate::entity::tenant::{Branding, FeatureToggles, MessageType, TenantStatus};
use crate::service::tenants::{self, NewTenant, TenantChanges};
use crate::{Tenant, TenantDirectory};

#[derive(InputObject)]
pub struct CreateTenantInput {
    /// 2–63 of `a-z 0-9 -`; also the `X-Tenant` header value.
    pub slug: String,
    pub name: String,
    /// ISO 4217, fixed for the tenant's life.
    pub currency: String,
    pub domains: Vec<String>,
    /// IANA zone, default `UTC`.
    pub time_zone: Option<String>,
    pub contact_email: Option<String>,
    /// Default true.
    pub allow_registration: Option<bool>,
}

/// Absent fields keep their value.
#[derive(InputObject)]
pub struct UpdateTenantInput {
    pub name: Option<String>,
    /// Replaces the whole list.
    pub domains: Option<Vec<String>>,
    pub time_zone: Option<String>,
    /// `null` clears it.
    pub contact_email: MaybeUndefined<String>,
    pub allow_registration: Option<bool>,
}

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

/// Runs a tenant write in one transaction with its audit entry, then drops cached lookups.
async fn write_tenant<F>(ctx: &Context<'_>, write: F) -> Result<TenantView>
where
    F: AsyncFnOnce(&sea_orm::DatabaseTransaction, &RequestContext) -> kernel::AppResult<Tenant>,
{
    let request = ctx.request();
    let txn = begin_write(&request.db).await?;
    let tenant = write(&txn, request).await?;
    txn.commit().await?;
    if let Some(directory) = ctx.data_opt::<Arc<TenantDirectory>>() {
        directory.invalidate();
    }
    Ok(TenantView(Arc::new(tenant)))
}

fn current_tenant(ctx: &Context<'_>) -> Result<Arc<Tenant>> {
    ctx.request().tenant()?;
    Ok(ctx
        .data_opt::<CurrentTenant>()
        .and_then(|c| c.0.clone())
        .ok_or_else(|| kernel::AppError::not_found("tenant"))?)
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
    async fn create_tenant(&self, ctx: &Context<'_>, input: CreateTenantInput) -> Result<TenantView> {
        let new = NewTenant {
            slug: input.slug,
            name: input.name,
            currency: input.currency,
            domains: input.domains,
            time_zone: input.time_zone,
            contact_email: input.contact_email,
            allow_registration: input.allow_registration,
        };
        write_tenant(ctx, async |txn, request| tenants::create(txn, request, new).await).await
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn update_tenant(&self, ctx: &Context<'_>, id: ID, input: UpdateTenantInput) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        let changes = TenantChanges {
            name: input.name,
            domains: input.domains,
            time_zone: input.time_zone,
            contact_email: match input.contact_email {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            allow_registration: input.allow_registration,
        };
        write_tenant(ctx, async |txn, request| tenants::update(txn, request, id, changes).await).await
    }

    /// Every operation of a suspended tenant's users answers `FORBIDDEN`.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn suspend_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        write_tenant(ctx, async |txn, request| tenants::set_status(txn, request, id, TenantStatus::Suspended).await)
            .await
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn reactivate_tenant(&self, ctx: &Context<'_>, id: ID) -> Result<TenantView> {
        let id = parse_id("id", &id)?;
        write_tenant(ctx, async |txn, request| tenants::set_status(txn, request, id, TenantStatus::Active).await).await
    }

    /// The request's tenant's branding (its admins, or superadmins via its host or `X-Tenant`).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_tenant_branding(&self, ctx: &Context<'_>, input: BrandingInput) -> Result<TenantView> {
        let tenant = current_tenant(ctx)?;
        let mut branding: Branding = tenant.branding.clone();
        patch(&mut branding.subject_prefix, input.subject_prefix);
        patch(&mut branding.from_name, input.from_name);
        patch(&mut branding.from_address, input.from_address);
        patch(&mut branding.reply_to, input.reply_to);
        patch(&mut branding.logo_url, input.logo_url);
        patch(&mut branding.primary_color, input.primary_color);
        patch(&mut branding.secondary_color, input.secondary_color);
        patch(&mut branding.footer_text, input.footer_text);
        write_tenant(ctx, async |txn, request| tenants::set_branding(txn, request, tenant.id, branding).await).await
    }

    /// The request's tenant's feature toggles (its admins, or superadmins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_tenant_feature_toggles(&self, ctx: &Context<'_>, input: FeatureTogglesInput) -> Result<TenantView> {
        let tenant = current_tenant(ctx)?;
        let mut t: FeatureToggles = tenant.feature_toggles.clone();
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
        write_tenant(ctx, async |txn, request| tenants::set_feature_toggles(txn, request, tenant.id, t).await).await
    }
}
