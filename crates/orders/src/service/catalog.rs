//! The tenant's catalogue and pricing settings: read by everyone in the tenant, edited by its
//! admins (and superadmins), seeded for the demo.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, RequestContext, Role, new_id, validate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::entity::catalog_item::{self, CatalogKind, Entity as CatalogItems, ExtraPricing};
use crate::entity::pricing_settings::{self, Entity as PricingSettings};
use tenancy::service::audit::{self, Change};

const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];

/// The tenant's catalogue, in display order; inactive entries only when asked (admins).
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    include_inactive: bool,
) -> AppResult<Vec<catalog_item::Model>> {
    let mut query = CatalogItems::find().filter(catalog_item::Column::TenantId.eq(tenant));
    if !include_inactive {
        query = query.filter(catalog_item::Column::Active.eq(true));
    }
    Ok(query.order_by_asc(catalog_item::Column::SortOrder).order_by_asc(catalog_item::Column::Code).all(conn).await?)
}

/// The entries of `ids` that belong to the tenant (others are simply absent).
pub async fn find_many(conn: &impl ConnectionTrait, tenant: Uuid, ids: &[Uuid]) -> AppResult<Vec<catalog_item::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(CatalogItems::find()
        .filter(catalog_item::Column::TenantId.eq(tenant))
        .filter(catalog_item::Column::Id.is_in(ids.iter().copied().collect::<HashSet<_>>()))
        .all(conn)
        .await?)
}

pub async fn deadline_tiers(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Vec<(i32, i64)>> {
    Ok(CatalogItems::find()
        .filter(catalog_item::Column::TenantId.eq(tenant))
        .filter(catalog_item::Column::Kind.eq(CatalogKind::DeadlineTier))
        .filter(catalog_item::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.hours, t.rate_bp))
        .collect())
}

/// The tenant's pricing settings; a tenant that never set them has none to price with.
pub async fn settings(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<pricing_settings::Model> {
    PricingSettings::find_by_id(tenant).one(conn).await?.ok_or_else(|| {
        AppError::conflict("this site has no pricing yet; an admin must set it").with_reason("PRICING_NOT_CONFIGURED")
    })
}

/// A new catalogue entry, or changes to one (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct EntryFields {
    pub code: Option<String>,
    pub name: Option<String>,
    pub rate_bp: Option<i64>,
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
    validate::text("name", &entry.name, 200)?;
    let rate_needed =
        matches!(entry.kind, CatalogKind::AcademicLevel | CatalogKind::WorkType | CatalogKind::DeadlineTier);
    if rate_needed && !(1..=1_000_000).contains(&entry.rate_bp) {
        return Err(AppError::bad_input("multiplier", "a multiplier between 0.0001 and 100 is required"));
    }
    if entry.kind == CatalogKind::DeadlineTier && !(1..=24 * 365).contains(&entry.hours) {
        return Err(AppError::bad_input("hours", "a deadline tier needs hours between 1 and 8760"));
    }
    if entry.kind == CatalogKind::ExtraService {
        match entry.pricing {
            None => return Err(AppError::bad_input("pricing", "an extra service is FIXED or PERCENT")),
            Some(ExtraPricing::Percent) if !(0..=1_000_000).contains(&entry.rate_bp) => {
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
        if !(0..=100_000_000).contains(&value) {
            return Err(AppError::bad_input(field, "must be between 0.00 and 1,000,000.00"));
        }
    }
    Ok(())
}

fn snapshot(entry: &catalog_item::Model) -> serde_json::Value {
    json!({
        "kind": entry.kind, "code": entry.code, "name": entry.name, "rateBp": entry.rate_bp, "amountMinor": entry.amount_minor,
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
    entry.rate_bp = f.rate_bp.unwrap_or(entry.rate_bp);
    entry.amount_minor = f.amount_minor.unwrap_or(entry.amount_minor);
    entry.pay_per_page_minor = f.pay_per_page_minor.unwrap_or(entry.pay_per_page_minor);
    entry.pay_per_slide_minor = f.pay_per_slide_minor.unwrap_or(entry.pay_per_slide_minor);
    entry.hours = f.hours.unwrap_or(entry.hours);
    entry.technical = f.technical.unwrap_or(entry.technical);
    entry.pricing = f.pricing.or(entry.pricing);
    entry.sort_order = f.sort_order.unwrap_or(entry.sort_order);
    entry.active = f.active.unwrap_or(entry.active);
}

pub async fn create(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: CatalogKind,
    fields: EntryFields,
) -> AppResult<catalog_item::Model> {
    request.require_role(ADMINS)?;
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

fn blank(tenant: Uuid, kind: CatalogKind, now: DateTime<Utc>) -> catalog_item::Model {
    catalog_item::Model {
        id: new_id(),
        tenant_id: tenant,
        kind,
        code: String::new(),
        name: String::new(),
        rate_bp: 0,
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
    active.rate_bp = Set(entry.rate_bp);
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
    pub single_spacing_factor_bp: Option<i64>,
    pub technical_multiplier_bp: Option<i64>,
    pub preferred_writer_percent_bp: Option<i64>,
    pub writer_deadline_percent_bp: Option<i64>,
    pub free_revision_days: Option<i32>,
}

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
        single_spacing_factor_bp: 20_000,
        technical_multiplier_bp: 10_000,
        preferred_writer_percent_bp: 0,
        writer_deadline_percent_bp: 800_000,
        free_revision_days: 14,
        updated_at: request.now(),
    });
    let next = pricing_settings::Model {
        tenant_id: tenant,
        price_per_page_minor: f.price_per_page_minor.unwrap_or(base.price_per_page_minor),
        price_per_slide_minor: f.price_per_slide_minor.unwrap_or(base.price_per_slide_minor),
        single_spacing_factor_bp: f.single_spacing_factor_bp.unwrap_or(base.single_spacing_factor_bp),
        technical_multiplier_bp: f.technical_multiplier_bp.unwrap_or(base.technical_multiplier_bp),
        preferred_writer_percent_bp: f.preferred_writer_percent_bp.unwrap_or(base.preferred_writer_percent_bp),
        writer_deadline_percent_bp: f.writer_deadline_percent_bp.unwrap_or(base.writer_deadline_percent_bp),
        free_revision_days: f.free_revision_days.unwrap_or(base.free_revision_days),
        updated_at: request.now(),
    };
    let checks: [(&str, bool); 7] = [
        ("pricePerPage", (1..=100_000_000).contains(&next.price_per_page_minor)),
        ("pricePerSlide", (0..=100_000_000).contains(&next.price_per_slide_minor)),
        ("singleSpacingFactor", (10_000..=100_000).contains(&next.single_spacing_factor_bp)),
        ("technicalMultiplier", (1..=1_000_000).contains(&next.technical_multiplier_bp)),
        ("preferredWriterPercent", (0..=1_000_000).contains(&next.preferred_writer_percent_bp)),
        ("writerDeadlinePercent", (100_000..=1_000_000).contains(&next.writer_deadline_percent_bp)),
        ("freeRevisionDays", (0..=365).contains(&next.free_revision_days)),
    ];
    if let Some((field, _)) = checks.iter().find(|(_, ok)| !ok) {
        return Err(AppError::bad_input(*field, format!("{field} is out of range")));
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
            "singleSpacingFactorBp": s.single_spacing_factor_bp, "technicalMultiplierBp": s.technical_multiplier_bp,
            "preferredWriterPercentBp": s.preferred_writer_percent_bp, "writerDeadlinePercentBp": s.writer_deadline_percent_bp,
            "freeRevisionDays": s.free_revision_days })
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

/// The demo catalogue and pricing (PRODUCT.md §3.3 numbers), unless the tenant has a catalogue.
pub async fn seed_demo(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    price_per_page_minor: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let existing = CatalogItems::find().filter(catalog_item::Column::TenantId.eq(tenant)).one(conn).await?;
    if existing.is_some() {
        return Ok(false);
    }
    PricingSettings::insert(pricing_settings::ActiveModel::from(pricing_settings::Model {
        tenant_id: tenant,
        price_per_page_minor,
        price_per_slide_minor: 600,
        single_spacing_factor_bp: 20_000,
        technical_multiplier_bp: 12_000,
        preferred_writer_percent_bp: 50_000,
        writer_deadline_percent_bp: 800_000,
        free_revision_days: 14,
        updated_at: now,
    }))
    .exec_without_returning(conn)
    .await?;
    let mut rows = Vec::new();
    let mut add = |kind, code: &str, name: &str, order: i32, set: &dyn Fn(&mut catalog_item::Model)| {
        let mut m = blank(tenant, kind, now);
        m.code = code.into();
        m.name = name.into();
        m.sort_order = order;
        set(&mut m);
        rows.push(catalog_item::ActiveModel::from(m));
    };
    use CatalogKind::*;
    for (i, (code, name)) in [
        ("essay", "Essay"),
        ("research_paper", "Research paper"),
        ("case_study", "Case study"),
        ("presentation", "Presentation"),
    ]
    .iter()
    .enumerate()
    {
        add(PaperType, code, name, i as i32, &|_| {});
    }
    for (i, (code, name, rate)) in [
        ("high_school", "High school", 10_000),
        ("undergraduate", "Undergraduate", 12_500),
        ("masters", "Master's", 15_000),
        ("phd", "PhD", 18_500),
    ]
    .iter()
    .enumerate()
    {
        add(AcademicLevel, code, name, i as i32, &|m| m.rate_bp = *rate);
    }
    for (i, (code, name, technical)) in [
        ("english", "English", false),
        ("history", "History", false),
        ("computer_science", "Computer science", true),
        ("mathematics", "Mathematics", true),
    ]
    .iter()
    .enumerate()
    {
        add(Subject, code, name, i as i32, &|m| m.technical = *technical);
    }
    for (i, (code, name, rate)) in
        [("writing", "Writing", 10_000), ("rewriting", "Rewriting", 7_500), ("editing", "Editing", 5_000)]
            .iter()
            .enumerate()
    {
        add(WorkType, code, name, i as i32, &|m| m.rate_bp = *rate);
    }
    for (i, (hours, rate)) in [
        (6, 20_000),
        (12, 18_000),
        (24, 16_000),
        (48, 14_000),
        (72, 13_000),
        (120, 11_500),
        (168, 11_000),
        (336, 10_000),
    ]
    .iter()
    .enumerate()
    {
        add(DeadlineTier, &format!("h{hours}"), &format!("{hours} hours"), i as i32, &|m| {
            m.hours = *hours;
            m.rate_bp = *rate;
        });
    }
    add(ExtraService, "plagiarism_report", "Plagiarism report", 0, &|m| {
        m.pricing = Some(ExtraPricing::Fixed);
        m.amount_minor = 999;
    });
    add(ExtraService, "summary", "One-page summary", 1, &|m| {
        m.pricing = Some(ExtraPricing::Fixed);
        m.amount_minor = 1500;
    });
    add(ExtraService, "priority_support", "Priority support", 2, &|m| {
        m.pricing = Some(ExtraPricing::Percent);
        m.rate_bp = 100_000;
    });
    for (i, (code, name, price, pay)) in [
        ("standard", "Standard writer", 0, 500),
        ("advanced", "Advanced writer", 250, 700),
        ("expert", "Expert writer", 500, 900),
    ]
    .iter()
    .enumerate()
    {
        add(WriterLevel, code, name, i as i32, &|m| {
            m.amount_minor = *price;
            m.pay_per_page_minor = *pay;
            m.pay_per_slide_minor = 200;
        });
    }
    for (i, (code, name)) in
        [("apa", "APA"), ("mla", "MLA"), ("chicago", "Chicago"), ("harvard", "Harvard")].iter().enumerate()
    {
        add(CitationStyle, code, name, i as i32, &|_| {});
    }
    for (i, (code, name)) in [("us", "US English"), ("uk", "UK English")].iter().enumerate() {
        add(EnglishType, code, name, i as i32, &|_| {});
    }
    CatalogItems::insert_many(rows).exec_without_returning(conn).await?;
    Ok(true)
}
