//! Tenants (websites): create, read, update, suspend, and their branding and feature toggles.

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, TenantScope, new_id};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::tenant::{self, Entity as Tenants, FeatureToggles};
pub use crate::entity::tenant::{Branding, TenantStatus};
use crate::entity::tenant_domain::{self, Entity as TenantDomains};
use crate::service::audit::{self, Change};
use crate::service::directory::normalize_host;
use kernel::validate;

/// A tenant with its domains: what the rest of the system knows of a website.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub contact_email: Option<String>,
    pub allow_registration: bool,
    pub status: TenantStatus,
    pub branding: Branding,
    pub feature_toggles: FeatureToggles,
    pub domains: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Tenant {
    fn from_model(model: tenant::Model, mut domains: Vec<String>) -> Self {
        domains.sort();
        Self {
            id: model.id,
            slug: model.slug,
            name: model.name,
            currency: model.currency,
            time_zone: model.time_zone,
            contact_email: model.contact_email,
            allow_registration: model.allow_registration,
            status: model.status,
            branding: model.branding,
            feature_toggles: model.feature_toggles,
            domains,
            created_at: model.created_at,
            updated_at: model.updated_at,
            deleted_at: model.deleted_at,
        }
    }

    /// Its scope for work of no request (jobs, the seed): its own toggles.
    pub fn scope(&self) -> TenantScope {
        self.scope_under(kernel::KillSwitches::default())
    }

    /// Its scope for a request, under the installation's kill switches.
    pub fn scope_under(&self, killed: kernel::KillSwitches) -> TenantScope {
        TenantScope {
            id: self.id,
            slug: self.slug.clone(),
            currency: self.currency.clone(),
            // validated on the way in; an unknown name (older data) counts as UTC
            time_zone: kernel::time::time_zone(&self.time_zone).unwrap_or(chrono_tz::UTC),
            features: std::sync::Arc::new(killed.apply(&self.feature_toggles)),
            killed,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == TenantStatus::Active
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

// One type for the service and for `createTenant`'s input.
#[derive(async_graphql::InputObject)]
#[graphql(name = "CreateTenantInput")]
pub struct NewTenant {
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

// One type for the service and for `updateTenant`'s input. The currency is not in it: it is
// fixed at creation because every stored amount of the tenant is in it.
/// Absent fields keep their value.
#[derive(Default, async_graphql::InputObject)]
#[graphql(name = "UpdateTenantInput")]
pub struct TenantChanges {
    pub name: Option<String>,
    /// Replaces the whole list.
    pub domains: Option<Vec<String>>,
    pub time_zone: Option<String>,
    /// `null` clears it.
    pub contact_email: async_graphql::MaybeUndefined<String>,
    pub allow_registration: Option<bool>,
}

async fn domains_of(conn: &impl ConnectionTrait, tenant_id: Uuid) -> AppResult<Vec<String>> {
    Ok(TenantDomains::find()
        .filter(tenant_domain::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| d.domain)
        .collect())
}

async fn with_domains(conn: &impl ConnectionTrait, model: tenant::Model) -> AppResult<Tenant> {
    let domains = domains_of(conn, model.id).await?;
    Ok(Tenant::from_model(model, domains))
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<Tenant> {
    let model = Tenants::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("tenant"))?;
    with_domains(conn, model).await
}

/// The tenant with this slug, deleted or not (a deleted tenant keeps its slug, to be restored).
pub async fn find_by_slug_any(conn: &impl ConnectionTrait, slug: &str) -> AppResult<Option<Tenant>> {
    match Tenants::find().filter(tenant::Column::Slug.eq(slug)).one(conn).await? {
        Some(model) => Ok(Some(with_domains(conn, model).await?)),
        None => Ok(None),
    }
}

/// The live tenant with this slug; a deleted one's answers as unknown.
pub async fn find_by_slug(conn: &impl ConnectionTrait, slug: &str) -> AppResult<Option<Tenant>> {
    Ok(find_by_slug_any(conn, slug).await?.filter(|t| t.deleted_at.is_none()))
}

/// The live tenant a (normalized) host name belongs to (a deleted one's hosts are no one's).
pub async fn find_by_domain(conn: &impl ConnectionTrait, domain: &str) -> AppResult<Option<Tenant>> {
    let found = TenantDomains::find_by_id(domain.to_owned()).find_also_related(Tenants).one(conn).await?;
    match found {
        Some((_, Some(model))) if model.deleted_at.is_none() => Ok(Some(with_domains(conn, model).await?)),
        _ => Ok(None),
    }
}

/// Every tenant's id, oldest first (for work over all sites, as checking every audit chain).
pub async fn all_ids(conn: &impl ConnectionTrait) -> AppResult<Vec<Uuid>> {
    Ok(Tenants::find()
        .select_only()
        .column(tenant::Column::Id)
        .order_by_asc(tenant::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The tenants, oldest first (superadmins only): the live ones, or with `deleted` the deleted.
pub async fn list(
    conn: &impl ConnectionTrait,
    status: Option<TenantStatus>,
    deleted: bool,
    page: PageArgs,
) -> AppResult<Paged<Tenant>> {
    let mut query = Tenants::find().filter(if deleted {
        tenant::Column::DeletedAt.is_not_null()
    } else {
        tenant::Column::DeletedAt.is_null()
    });
    if let Some(status) = status {
        query = query.filter(tenant::Column::Status.eq(status));
    }
    let models = paginate(conn, query, tenant::Column::Id, Order::oldest_first(), page).await?;
    let ids: Vec<Uuid> = models.items.iter().map(|m| m.id).collect();
    let domains = TenantDomains::find().filter(tenant_domain::Column::TenantId.is_in(ids)).all(conn).await?;
    Ok(models.map(|m| {
        let own = domains.iter().filter(|d| d.tenant_id == m.id).map(|d| d.domain.clone()).collect();
        Tenant::from_model(m, own)
    }))
}

fn normalize_domains(domains: &[String]) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(domains.len());
    for (i, raw) in domains.iter().enumerate() {
        let field = format!("domains.{i}");
        let domain = normalize_host(raw);
        let valid_label = |l: &str| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if domain.is_empty() || domain.len() > 253 || !domain.split('.').all(valid_label) {
            return Err(AppError::bad_input(field, format!("'{raw}' is not a valid host name")));
        }
        if out.contains(&domain) {
            return Err(AppError::bad_input(field, format!("'{raw}' is listed twice")));
        }
        out.push(domain);
    }
    Ok(out)
}

async fn insert_domains(
    conn: &impl ConnectionTrait,
    tenant_id: Uuid,
    domains: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for domain in domains {
        let taken = TenantDomains::find_by_id(domain.clone()).one(conn).await?;
        if taken.is_some_and(|d| d.tenant_id != tenant_id) {
            return Err(
                AppError::conflict(format!("domain '{domain}' belongs to another tenant")).with_field("domains")
            );
        }
    }
    TenantDomains::delete_many().filter(tenant_domain::Column::TenantId.eq(tenant_id)).exec(conn).await?;
    for domain in domains {
        TenantDomains::insert(tenant_domain::ActiveModel {
            domain: Set(domain.clone()),
            tenant_id: Set(tenant_id),
            created_at: Set(now),
        })
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "domains", "a domain belongs to another tenant"))?;
    }
    Ok(())
}

/// Creates a tenant (superadmin), with default branding and feature toggles.
pub async fn create(conn: &impl ConnectionTrait, request: &RequestContext, input: NewTenant) -> AppResult<Tenant> {
    let slug = validate::slug("slug", &input.slug)?;
    let name = validate::name("name", &input.name, 200)?;
    let currency = validate::currency("currency", &input.currency)?;
    let time_zone = validate::time_zone("timeZone", input.time_zone.as_deref().unwrap_or("UTC"))?;
    let contact_email = input.contact_email.as_deref().map(|e| validate::email("contactEmail", e)).transpose()?;
    let domains = normalize_domains(&input.domains)?;
    if let Some(taken) = find_by_slug_any(conn, &slug).await? {
        let whose = if taken.deleted_at.is_some() { " by a deleted tenant (restoreTenant brings it back)" } else { "" };
        return Err(AppError::conflict(format!("slug '{slug}' is taken{whose}")).with_field("slug"));
    }
    let now = request.now();
    let model = tenant::ActiveModel {
        id: Set(new_id()),
        slug: Set(slug),
        name: Set(name),
        currency: Set(currency),
        time_zone: Set(time_zone),
        contact_email: Set(contact_email),
        allow_registration: Set(input.allow_registration.unwrap_or(true)),
        status: Set(TenantStatus::Active),
        branding: Set(Branding::default()),
        // as the installation's settings say a new site starts
        feature_toggles: Set(crate::service::system::load(conn).await?.default_feature_toggles),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(|e| AppError::from_db_unique(e, "slug", "slug is taken"))?;
    insert_domains(conn, model.id, &domains, now).await?;
    let tenant = with_domains(conn, model).await?;
    audit::record(
        conn,
        request,
        Change {
            action: "tenant.create",
            target_type: "tenant",
            target_id: Some(tenant.id.to_string()),
            tenant_id: Some(tenant.id),
            before: None,
            after: Some(tenant.snapshot()),
        },
    )
    .await?;
    Ok(tenant)
}

/// Applies `mutate` (and a new domain list, if given) to the tenant, stores it and audits
/// before/after as `action`. The row is read locked (`FOR UPDATE` on PostgreSQL; SQLite's write
/// transaction holds the database), so `mutate` sees the latest state and two edits of
/// different fields both land.
async fn modify(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    action: &str,
    domains: Option<&[String]>,
    mutate: impl FnOnce(&mut tenant::ActiveModel) -> AppResult<()>,
) -> AppResult<Tenant> {
    let model =
        Tenants::find_by_id(id).lock_exclusive().one(conn).await?.ok_or_else(|| AppError::not_found("tenant"))?;
    if model.deleted_at.is_some() && action != "tenant.restore" {
        return Err(AppError::conflict("the tenant is deleted; restore it first (restoreTenant)"));
    }
    let before = with_domains(conn, model.clone()).await?;
    if let Some(domains) = domains {
        insert_domains(conn, id, domains, request.now()).await?;
    }
    let mut active = model.into_active_model();
    mutate(&mut active)?;
    active.updated_at = Set(request.now());
    let model = active.update(conn).await?;
    let after = with_domains(conn, model).await?;
    audit::record(
        conn,
        request,
        Change {
            action,
            target_type: "tenant",
            target_id: Some(id.to_string()),
            tenant_id: Some(id),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    changes: TenantChanges,
) -> AppResult<Tenant> {
    let name = changes.name.as_deref().map(|n| validate::name("name", n, 200)).transpose()?;
    let time_zone = changes.time_zone.as_deref().map(|z| validate::time_zone("timeZone", z)).transpose()?;
    // absent: keep; null: clear; a value: validate and set
    let contact_email = match &changes.contact_email {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(e) => Some(Some(validate::email("contactEmail", e)?)),
    };
    let domains = changes.domains.as_deref().map(normalize_domains).transpose()?;
    modify(conn, request, id, "tenant.update", domains.as_deref(), |t| {
        if let Some(name) = name {
            t.name = Set(name);
        }
        if let Some(zone) = time_zone {
            t.time_zone = Set(zone);
        }
        if let Some(email) = contact_email {
            t.contact_email = Set(email);
        }
        if let Some(allow) = changes.allow_registration {
            t.allow_registration = Set(allow);
        }
        Ok(())
    })
    .await
}

/// Suspends or reactivates; setting the status it already has is `CONFLICT`.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    status: TenantStatus,
) -> AppResult<Tenant> {
    let action = match status {
        TenantStatus::Suspended => "tenant.suspend",
        TenantStatus::Active => "tenant.reactivate",
    };
    modify(conn, request, id, action, None, |t| {
        if t.status.as_ref() == &status {
            return Err(AppError::conflict(format!("tenant is already {status}")));
        }
        t.status = Set(status);
        Ok(())
    })
    .await
}

/// Deletes a tenant softly (`CONFLICT` when it is deleted already, as for any change to a deleted
/// tenant but its restoration): its hosts and slug answer as
/// unknown from then on, so its users can do nothing there; its data stays for a restore.
pub async fn delete(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Tenant> {
    let now = request.now();
    modify(conn, request, id, "tenant.delete", None, |t| {
        t.deleted_at = Set(Some(now));
        Ok(())
    })
    .await
}

/// Restores a deleted tenant as it was (`CONFLICT` when it is not deleted).
pub async fn restore(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Tenant> {
    modify(conn, request, id, "tenant.restore", None, |t| {
        if t.deleted_at.as_ref().is_none() {
            return Err(AppError::conflict("the tenant is not deleted"));
        }
        t.deleted_at = Set(None);
        Ok(())
    })
    .await
}

/// Validates every set field and returns the branding in normalized form.
fn check_branding(b: Branding) -> AppResult<Branding> {
    let check = |v: Option<String>, f: &dyn Fn(&str) -> AppResult<String>| v.as_deref().map(f).transpose();
    Ok(Branding {
        subject_prefix: check(b.subject_prefix, &|v| validate::name("subjectPrefix", v, 50))?,
        from_name: check(b.from_name, &|v| validate::name("fromName", v, 100))?,
        from_address: check(b.from_address, &|v| validate::email("fromAddress", v))?,
        reply_to: check(b.reply_to, &|v| validate::email("replyTo", v))?,
        logo_url: check(b.logo_url, &|v| validate::url("logoUrl", v))?,
        primary_color: check(b.primary_color, &|v| validate::colour("primaryColor", v))?,
        secondary_color: check(b.secondary_color, &|v| validate::colour("secondaryColor", v))?,
        footer_text: check(b.footer_text, &|v| validate::text("footerText", v, 2000))?,
    })
}

/// Absent fields keep their value.
#[derive(Debug, async_graphql::InputObject)]
pub struct FeatureTogglesInput {
    pub magic_link_login: Option<bool>,
    pub two_factor_required: Option<bool>,
    pub password_reset: Option<bool>,
    pub messaging: Option<bool>,
    pub allowed_message_types: Option<Vec<kernel::MessageType>>,
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
    pub direct_take: Option<bool>,
}

impl FeatureTogglesInput {
    /// Sets the toggles given; the others keep their value.
    pub fn apply(self, t: &mut FeatureToggles) {
        let set = |slot: &mut bool, v: Option<bool>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut t.magic_link_login, self.magic_link_login);
        set(&mut t.two_factor_required, self.two_factor_required);
        set(&mut t.password_reset, self.password_reset);
        set(&mut t.messaging, self.messaging);
        set(&mut t.drafts, self.drafts);
        set(&mut t.presets, self.presets);
        set(&mut t.portfolios, self.portfolios);
        set(&mut t.writer_feedback, self.writer_feedback);
        set(&mut t.wallet, self.wallet);
        set(&mut t.disputes, self.disputes);
        set(&mut t.escalations, self.escalations);
        set(&mut t.class_orders, self.class_orders);
        set(&mut t.special_orders, self.special_orders);
        set(&mut t.direct_take, self.direct_take);
        if let Some(types) = self.allowed_message_types {
            t.allowed_message_types = types;
        }
        if let Some(n) = self.max_pages_per_order {
            t.max_pages_per_order = n;
        }
        if let Some(n) = self.max_slides_per_order {
            t.max_slides_per_order = n;
        }
    }
}

/// The most pages and slides a tenant may allow in one order (the pricing engine's bounds).
pub const MAX_PAGES_PER_ORDER: i32 = 1000;
pub const MAX_SLIDES_PER_ORDER: i32 = 500;

pub(crate) fn check_toggles(t: &FeatureToggles) -> AppResult<()> {
    if !(1..=MAX_PAGES_PER_ORDER).contains(&t.max_pages_per_order) {
        return Err(AppError::bad_input("maxPagesPerOrder", "must be between 1 and 1000"));
    }
    if !(0..=MAX_SLIDES_PER_ORDER).contains(&t.max_slides_per_order) {
        return Err(AppError::bad_input("maxSlidesPerOrder", "must be between 0 and 500"));
    }
    Ok(())
}

/// Changes some branding fields (`patch` sets the ones the caller changes, on the current
/// branding as stored) and validates the result.
pub async fn update_branding(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    patch: impl FnOnce(&mut Branding),
) -> AppResult<Tenant> {
    modify(conn, request, id, "tenant.branding.update", None, |t| {
        let mut branding = t.branding.as_ref().clone();
        patch(&mut branding);
        t.branding = Set(check_branding(branding)?);
        Ok(())
    })
    .await
}

/// Changes some feature toggles (`patch` sets the ones the caller changes, on the toggles as
/// stored) and validates the result.
pub async fn update_feature_toggles(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    patch: impl FnOnce(&mut FeatureToggles),
) -> AppResult<Tenant> {
    modify(conn, request, id, "tenant.feature_toggles.update", None, |t| {
        let mut toggles = t.feature_toggles.as_ref().clone();
        patch(&mut toggles);
        check_toggles(&toggles)?;
        t.feature_toggles = Set(toggles);
        Ok(())
    })
    .await
}
