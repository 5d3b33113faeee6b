//! The tenant's catalogue and pricing settings: read by everyone in the tenant, edited by its
//! admins (and superadmins), seeded for the demo.

use chrono::{DateTime, Utc};
use kernel::Reason;
use kernel::{AppError, AppResult, RequestContext, Role, new_id, validate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

pub use crate::entity::catalog_item::CatalogKind;
use crate::entity::catalog_item::{self, Entity as CatalogItems, ExtraPricing};
use crate::entity::pricing_settings::{self, Entity as PricingSettings};
use crate::service::pricing::{MAX_MULTIPLIER, MAX_PERCENT, MAX_UNIT_PRICE, RATE_ONE};
use tenancy::service::audit::{self, Change};

const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];

/// Which entries a listing includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entries {
    /// What new orders may use.
    Active,
    /// Archived ones too (admins).
    All,
}

/// The tenant's catalogue, in display order.
pub async fn list(conn: &impl ConnectionTrait, tenant: Uuid, entries: Entries) -> AppResult<Vec<catalog_item::Model>> {
    let mut query = CatalogItems::find().filter(catalog_item::Column::TenantId.eq(tenant));
    if entries == Entries::Active {
        query = query.filter(catalog_item::Column::Active.eq(true));
    }
    Ok(query.order_by_asc(catalog_item::Column::SortOrder).order_by_asc(catalog_item::Column::Code).all(conn).await?)
}

/// An entry as other contexts see it: what it is called, whether new orders may use it, and for
/// a writer level what its writers earn per page and per slide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEntry {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub pay_per_page_minor: i64,
    pub pay_per_slide_minor: i64,
}

/// The tenant's entries of one list (`kind`), archived ones too, in display order.
pub async fn entries_of(conn: &impl ConnectionTrait, tenant: Uuid, kind: CatalogKind) -> AppResult<Vec<NamedEntry>> {
    let rows = CatalogItems::find()
        .filter(catalog_item::Column::TenantId.eq(tenant))
        .filter(catalog_item::Column::Kind.eq(kind))
        .order_by_asc(catalog_item::Column::SortOrder)
        .order_by_asc(catalog_item::Column::Code)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| NamedEntry {
            id: e.id,
            code: e.code,
            name: e.name,
            active: e.active,
            pay_per_page_minor: e.pay_per_page_minor,
            pay_per_slide_minor: e.pay_per_slide_minor,
        })
        .collect())
}

/// The catalogue as the viewer may list it: admins (and superadmins) see archived entries too.
pub async fn for_viewer(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<catalog_item::Model>> {
    let admin = request.viewer.as_ref().is_some_and(|v| ADMINS.contains(&v.role));
    list(conn, request.tenant()?.id, if admin { Entries::All } else { Entries::Active }).await
}

/// The tenant's pricing settings; a tenant that never set them has none to price with.
pub async fn settings(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<pricing_settings::Model> {
    PricingSettings::find_by_id(tenant).one(conn).await?.ok_or_else(|| {
        AppError::conflict("this site has no pricing yet; an admin must set it")
            .with_reason(Reason::PricingNotConfigured)
    })
}

/// A new catalogue entry, or changes to one (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct EntryFields {
    pub code: Option<String>,
    pub name: Option<String>,
    pub rate_e4: Option<i64>,
    pub amount_minor: Option<i64>,
    pub pay_per_page_minor: Option<i64>,
    pub pay_per_slide_minor: Option<i64>,
    pub hours: Option<i32>,
    pub technical: Option<bool>,
    pub pricing: Option<ExtraPricing>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

fn check_entry(entry: &catalog_item::Model) -> AppResult<()> {
    let code_ok = (1..=64).contains(&entry.code.len())
        && entry.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok {
        return Err(AppError::bad_input("code", "code must be 1-64 of a-z, 0-9 and _"));
    }
    validate::name("name", &entry.name, 200)?;
    let rate_needed =
        matches!(entry.kind, CatalogKind::AcademicLevel | CatalogKind::WorkType | CatalogKind::DeadlineTier);
    if rate_needed && !(1..=MAX_MULTIPLIER).contains(&entry.rate_e4) {
        return Err(AppError::bad_input("multiplier", "a multiplier between 0.0001 and 10 is required"));
    }
    if entry.kind == CatalogKind::DeadlineTier && !(1..=24 * 365).contains(&entry.hours) {
        return Err(AppError::bad_input("hours", "a deadline tier needs hours between 1 and 8760"));
    }
    if entry.kind == CatalogKind::ExtraService {
        match entry.pricing {
            None => return Err(AppError::bad_input("pricing", "an extra service is FIXED or PERCENT")),
            Some(ExtraPricing::Percent) if !(0..=MAX_PERCENT).contains(&entry.rate_e4) => {
                return Err(AppError::bad_input("percent", "percent must be between 0 and 100"));
            }
            _ => {}
        }
    }
    for (field, value) in [
        ("amount", entry.amount_minor),
        ("payPerPage", entry.pay_per_page_minor),
        ("payPerSlide", entry.pay_per_slide_minor),
    ] {
        if !(0..=MAX_UNIT_PRICE).contains(&value) {
            return Err(AppError::bad_input(field, "must be between 0.00 and 10,000.00"));
        }
    }
    Ok(())
}

fn snapshot(entry: &catalog_item::Model) -> serde_json::Value {
    json!({
        "kind": entry.kind, "code": entry.code, "name": entry.name, "rateE4": entry.rate_e4, "amountMinor": entry.amount_minor,
        "payPerPageMinor": entry.pay_per_page_minor, "payPerSlideMinor": entry.pay_per_slide_minor, "hours": entry.hours,
        "technical": entry.technical, "pricing": entry.pricing, "active": entry.active, "sortOrder": entry.sort_order,
    })
}

fn apply(entry: &mut catalog_item::Model, f: EntryFields) {
    if let Some(v) = f.code {
        entry.code = v.trim().to_owned();
    }
    if let Some(v) = f.name {
        entry.name = v.trim().to_owned();
    }
    entry.rate_e4 = f.rate_e4.unwrap_or(entry.rate_e4);
    entry.amount_minor = f.amount_minor.unwrap_or(entry.amount_minor);
    entry.pay_per_page_minor = f.pay_per_page_minor.unwrap_or(entry.pay_per_page_minor);
    entry.pay_per_slide_minor = f.pay_per_slide_minor.unwrap_or(entry.pay_per_slide_minor);
    entry.hours = f.hours.unwrap_or(entry.hours);
    entry.technical = f.technical.unwrap_or(entry.technical);
    entry.pricing = f.pricing.or(entry.pricing);
    entry.sort_order = f.sort_order.unwrap_or(entry.sort_order);
    entry.active = f.active.unwrap_or(entry.active);
}

/// A new entry (admins); it needs a code and a name.
pub async fn create(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: CatalogKind,
    fields: EntryFields,
) -> AppResult<catalog_item::Model> {
    request.require_role(ADMINS)?;
    for (field, given) in [("code", fields.code.is_some()), ("name", fields.name.is_some())] {
        if !given {
            return Err(AppError::bad_input(field, "code and name are required"));
        }
    }
    let tenant = request.tenant()?.id;
    let now = request.now();
    let mut entry = blank(tenant, kind, now);
    apply(&mut entry, fields);
    check_entry(&entry)?;
    CatalogItems::insert(catalog_item::ActiveModel::from(entry.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "code", "this code is already in the catalogue"))?;
    audit::record(
        conn,
        request,
        Change {
            action: "catalog.create",
            target_type: "catalog_item",
            target_id: Some(entry.id.to_string()),
            tenant_id: None,
            before: None,
            after: Some(snapshot(&entry)),
        },
    )
    .await?;
    Ok(entry)
}

pub(crate) fn blank(tenant: Uuid, kind: CatalogKind, now: DateTime<Utc>) -> catalog_item::Model {
    catalog_item::Model {
        id: new_id(),
        tenant_id: tenant,
        kind,
        code: String::new(),
        name: String::new(),
        rate_e4: 0,
        amount_minor: 0,
        pay_per_page_minor: 0,
        pay_per_slide_minor: 0,
        hours: 0,
        technical: false,
        pricing: None,
        active: true,
        sort_order: 0,
        created_at: now,
        updated_at: now,
    }
}

/// Changes an entry. Orders already placed keep the prices frozen in their lines.
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    fields: EntryFields,
) -> AppResult<catalog_item::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let before = CatalogItems::find_by_id(id)
        .filter(catalog_item::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("catalogue entry"))?;
    let mut entry = before.clone();
    apply(&mut entry, fields);
    entry.updated_at = request.now();
    check_entry(&entry)?;
    let mut active = before.clone().into_active_model();
    active.code = Set(entry.code.clone());
    active.name = Set(entry.name.clone());
    active.rate_e4 = Set(entry.rate_e4);
    active.amount_minor = Set(entry.amount_minor);
    active.pay_per_page_minor = Set(entry.pay_per_page_minor);
    active.pay_per_slide_minor = Set(entry.pay_per_slide_minor);
    active.hours = Set(entry.hours);
    active.technical = Set(entry.technical);
    active.pricing = Set(entry.pricing);
    active.sort_order = Set(entry.sort_order);
    active.active = Set(entry.active);
    active.updated_at = Set(entry.updated_at);
    active
        .update(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "code", "this code is already in the catalogue"))?;
    audit::record(
        conn,
        request,
        Change {
            action: "catalog.update",
            target_type: "catalog_item",
            target_id: Some(id.to_string()),
            tenant_id: None,
            before: Some(snapshot(&before)),
            after: Some(snapshot(&entry)),
        },
    )
    .await?;
    Ok(entry)
}

/// New pricing numbers for the tenant (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct SettingsFields {
    pub price_per_page_minor: Option<i64>,
    pub price_per_slide_minor: Option<i64>,
    pub single_spacing_factor_e4: Option<i64>,
    pub technical_multiplier_e4: Option<i64>,
    pub preferred_writer_percent_e4: Option<i64>,
    pub writer_deadline_percent_e4: Option<i64>,
    pub free_revision_days: Option<i32>,
    pub acceptance_window_hours: Option<i32>,
    pub preferred_window_hours: Option<i32>,
    pub auto_complete_days: Option<i32>,
    pub large_refund_minor: Option<i64>,
    pub max_forfeit_percent_e4: Option<i64>,
    pub writer_forfeit_share_e4: Option<i64>,
    pub tip_writer_percent_e4: Option<i64>,
    pub max_extension_days: Option<i32>,
}

/// Defaults of the order timers (also the columns' defaults).
pub const DEFAULT_ACCEPTANCE_WINDOW_HOURS: i32 = 24;
pub const DEFAULT_PREFERRED_WINDOW_HOURS: i32 = 48;
pub const DEFAULT_AUTO_COMPLETE_DAYS: i32 = 3;
pub const DEFAULT_LARGE_REFUND_MINOR: i64 = 10_000;
/// Defaults of what a cancellation keeps and a tip gives (also the columns' defaults).
pub const DEFAULT_MAX_FORFEIT_PERCENT_E4: i64 = 800_000;
pub const DEFAULT_WRITER_FORFEIT_SHARE_E4: i64 = 500_000;
pub const DEFAULT_TIP_WRITER_PERCENT_E4: i64 = 900_000;
pub const DEFAULT_MAX_EXTENSION_DAYS: i32 = 14;

pub async fn update_settings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    f: SettingsFields,
) -> AppResult<pricing_settings::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let before = PricingSettings::find_by_id(tenant).one(conn).await?;
    let base = before.clone().unwrap_or(pricing_settings::Model {
        tenant_id: tenant,
        price_per_page_minor: 0,
        price_per_slide_minor: 0,
        single_spacing_factor_e4: 20_000,
        technical_multiplier_e4: 10_000,
        preferred_writer_percent_e4: 0,
        writer_deadline_percent_e4: 800_000,
        free_revision_days: 14,
        acceptance_window_hours: DEFAULT_ACCEPTANCE_WINDOW_HOURS,
        preferred_window_hours: DEFAULT_PREFERRED_WINDOW_HOURS,
        auto_complete_days: DEFAULT_AUTO_COMPLETE_DAYS,
        large_refund_minor: DEFAULT_LARGE_REFUND_MINOR,
        max_forfeit_percent_e4: DEFAULT_MAX_FORFEIT_PERCENT_E4,
        writer_forfeit_share_e4: DEFAULT_WRITER_FORFEIT_SHARE_E4,
        tip_writer_percent_e4: DEFAULT_TIP_WRITER_PERCENT_E4,
        max_extension_days: DEFAULT_MAX_EXTENSION_DAYS,
        updated_at: request.now(),
    });
    let next = pricing_settings::Model {
        tenant_id: tenant,
        price_per_page_minor: f.price_per_page_minor.unwrap_or(base.price_per_page_minor),
        price_per_slide_minor: f.price_per_slide_minor.unwrap_or(base.price_per_slide_minor),
        single_spacing_factor_e4: f.single_spacing_factor_e4.unwrap_or(base.single_spacing_factor_e4),
        technical_multiplier_e4: f.technical_multiplier_e4.unwrap_or(base.technical_multiplier_e4),
        preferred_writer_percent_e4: f.preferred_writer_percent_e4.unwrap_or(base.preferred_writer_percent_e4),
        writer_deadline_percent_e4: f.writer_deadline_percent_e4.unwrap_or(base.writer_deadline_percent_e4),
        free_revision_days: f.free_revision_days.unwrap_or(base.free_revision_days),
        acceptance_window_hours: f.acceptance_window_hours.unwrap_or(base.acceptance_window_hours),
        preferred_window_hours: f.preferred_window_hours.unwrap_or(base.preferred_window_hours),
        auto_complete_days: f.auto_complete_days.unwrap_or(base.auto_complete_days),
        large_refund_minor: f.large_refund_minor.unwrap_or(base.large_refund_minor),
        max_forfeit_percent_e4: f.max_forfeit_percent_e4.unwrap_or(base.max_forfeit_percent_e4),
        writer_forfeit_share_e4: f.writer_forfeit_share_e4.unwrap_or(base.writer_forfeit_share_e4),
        tip_writer_percent_e4: f.tip_writer_percent_e4.unwrap_or(base.tip_writer_percent_e4),
        max_extension_days: f.max_extension_days.unwrap_or(base.max_extension_days),
        updated_at: request.now(),
    };
    let checks: [(&str, bool, &str); 15] = [
        ("pricePerPage", (1..=MAX_UNIT_PRICE).contains(&next.price_per_page_minor), "between 0.01 and 10,000.00"),
        ("pricePerSlide", (0..=MAX_UNIT_PRICE).contains(&next.price_per_slide_minor), "between 0.00 and 10,000.00"),
        (
            "singleSpacingFactor",
            (RATE_ONE..=MAX_MULTIPLIER).contains(&next.single_spacing_factor_e4),
            "between 1 and 10",
        ),
        ("technicalMultiplier", (1..=MAX_MULTIPLIER).contains(&next.technical_multiplier_e4), "between 0.0001 and 10"),
        ("preferredWriterPercent", (0..=MAX_PERCENT).contains(&next.preferred_writer_percent_e4), "between 0 and 100"),
        (
            "writerDeadlinePercent",
            (100_000..=MAX_PERCENT).contains(&next.writer_deadline_percent_e4),
            "between 10 and 100",
        ),
        ("freeRevisionDays", (0..=365).contains(&next.free_revision_days), "between 0 and 365"),
        ("acceptanceWindowHours", (1..=720).contains(&next.acceptance_window_hours), "between 1 and 720"),
        ("preferredWindowHours", (1..=720).contains(&next.preferred_window_hours), "between 1 and 720"),
        ("autoCompleteDays", (1..=60).contains(&next.auto_complete_days), "between 1 and 60"),
        ("largeRefund", (0..=MAX_UNIT_PRICE * 100).contains(&next.large_refund_minor), "between 0.00 and 1,000,000.00"),
        ("maxForfeitPercent", (0..=MAX_PERCENT).contains(&next.max_forfeit_percent_e4), "between 0 and 100"),
        ("writerForfeitShare", (0..=MAX_PERCENT).contains(&next.writer_forfeit_share_e4), "between 0 and 100"),
        ("tipWriterPercent", (0..=MAX_PERCENT).contains(&next.tip_writer_percent_e4), "between 0 and 100"),
        ("maxExtensionDays", (1..=365).contains(&next.max_extension_days), "between 1 and 365"),
    ];
    if let Some((field, _, range)) = checks.iter().find(|(_, ok, _)| !ok) {
        return Err(AppError::bad_input(*field, format!("{field} must be {range}")));
    }
    match &before {
        Some(_) => {
            pricing_settings::ActiveModel::from(next.clone()).reset_all().update(conn).await?;
        }
        None => {
            PricingSettings::insert(pricing_settings::ActiveModel::from(next.clone()))
                .exec_without_returning(conn)
                .await?;
        }
    }
    let as_json = |s: &pricing_settings::Model| {
        json!({ "pricePerPageMinor": s.price_per_page_minor, "pricePerSlideMinor": s.price_per_slide_minor,
            "singleSpacingFactorE4": s.single_spacing_factor_e4, "technicalMultiplierE4": s.technical_multiplier_e4,
            "preferredWriterPercentE4": s.preferred_writer_percent_e4, "writerDeadlinePercentE4": s.writer_deadline_percent_e4,
            "freeRevisionDays": s.free_revision_days, "acceptanceWindowHours": s.acceptance_window_hours, "preferredWindowHours": s.preferred_window_hours,
            "autoCompleteDays": s.auto_complete_days, "largeRefundMinor": s.large_refund_minor,
            "maxForfeitPercentE4": s.max_forfeit_percent_e4, "writerForfeitShareE4": s.writer_forfeit_share_e4,
            "tipWriterPercentE4": s.tip_writer_percent_e4, "maxExtensionDays": s.max_extension_days })
    };
    audit::record(
        conn,
        request,
        Change {
            action: "pricing_settings.update",
            target_type: "pricing_settings",
            target_id: Some(tenant.to_string()),
            tenant_id: None,
            before: before.as_ref().map(as_json),
            after: Some(as_json(&next)),
        },
    )
    .await?;
    Ok(next)
}
