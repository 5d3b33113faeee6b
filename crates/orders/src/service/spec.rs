//! What a client asks for (`OrderSpec`), checked against the tenant's catalogue and priced.
//!
//! One spec type serves quotes, drafts (any subset of fields), presets and orders, so every
//! path validates and prices the same way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use identity::service::users;
use kernel::{AppError, AppResult, Money, Role, TenantScope};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use tenancy::entity::tenant::FeatureToggles;
use uuid::Uuid;

use crate::entity::catalog_item::{self, CatalogKind, ExtraPricing};
use crate::entity::order::Spacing;
use crate::entity::pricing_settings;
use crate::service::catalog;
use crate::service::pricing::{self, Charge, DiscountRule, Extra, PriceInput, Quote, RATE_ONE};
use billing::entity::discount::DiscountKind;

pub const MAX_INSTRUCTIONS: usize = 20_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrderSpec {
    pub topic: Option<String>,
    pub paper_type_id: Option<Uuid>,
    pub academic_level_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub work_type_id: Option<Uuid>,
    pub pages: Option<i32>,
    pub slides: Option<i32>,
    pub spacing: Option<Spacing>,
    pub deadline: Option<DateTime<Utc>>,
    pub extra_service_ids: Option<Vec<Uuid>>,
    pub writer_level_id: Option<Uuid>,
    pub preferred_writer_id: Option<Uuid>,
    pub instructions: Option<String>,
    pub citation_style_id: Option<Uuid>,
    pub english_type_id: Option<Uuid>,
    pub references: Option<i32>,
    pub tone: Option<String>,
    pub discount_code: Option<String>,
}

impl OrderSpec {
    /// The fields an order cannot be placed without, by their input names.
    pub fn missing_fields(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.topic.as_deref().is_none_or(|t| t.trim().is_empty()) {
            missing.push("topic");
        }
        for (name, present) in [
            ("paperTypeId", self.paper_type_id.is_some()),
            ("academicLevelId", self.academic_level_id.is_some()),
            ("subjectId", self.subject_id.is_some()),
            ("workTypeId", self.work_type_id.is_some()),
            ("pages", self.pages.is_some()),
            ("deadline", self.deadline.is_some()),
        ] {
            if !present {
                missing.push(name);
            }
        }
        missing
    }

    /// The fields a price needs (a quote for a draft needs no topic or paper type).
    pub fn missing_for_price(&self) -> Vec<&'static str> {
        self.missing_fields().into_iter().filter(|f| !matches!(*f, "topic" | "paperTypeId")).collect()
    }

    /// Copies every field `other` sets over this one's (applying a preset).
    pub fn overlay(&mut self, other: &OrderSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f.clone(); } )* };
        }
        take!(
            topic,
            paper_type_id,
            academic_level_id,
            subject_id,
            work_type_id,
            pages,
            slides,
            spacing,
            deadline,
            extra_service_ids,
            writer_level_id,
            preferred_writer_id,
            instructions,
            citation_style_id,
            english_type_id,
            references,
            tone,
            discount_code
        );
    }
}

/// A spec checked against the catalogue and priced.
#[derive(Debug, Clone)]
pub struct Priced {
    pub quote: Quote,
    pub writer_deadline: DateTime<Utc>,
    pub writer_compensation: Money,
    /// The extras, deduplicated, in the order given.
    pub extra_service_ids: Vec<Uuid>,
    /// The discount applied and how much it took off (redeemed when the order is placed).
    pub discount: Option<(billing::entity::discount::Model, Money)>,
}

/// Checks the fields a spec sets (not whether it is complete): ranges, lengths, and that every
/// catalogue id is an active entry of the right list in this tenant and the preferred writer a
/// writer here. Returns the catalogue entries it names.
pub async fn check_fields(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    toggles: &FeatureToggles,
    spec: &OrderSpec,
) -> AppResult<HashMap<Uuid, catalog_item::Model>> {
    if let Some(topic) = &spec.topic {
        let len = topic.trim().chars().count();
        if len == 0 || len > 300 {
            return Err(AppError::bad_input("topic", "the topic must have 1 to 300 characters"));
        }
    }
    if let Some(pages) = spec.pages
        && !(1..=toggles.max_pages_per_order).contains(&pages)
    {
        return Err(AppError::bad_input(
            "pages",
            format!("pages must be between 1 and {}", toggles.max_pages_per_order),
        ));
    }
    if let Some(slides) = spec.slides
        && !(0..=toggles.max_slides_per_order).contains(&slides)
    {
        return Err(AppError::bad_input(
            "slides",
            format!("slides must be between 0 and {}", toggles.max_slides_per_order),
        ));
    }
    if spec.instructions.as_ref().is_some_and(|i| i.chars().count() > MAX_INSTRUCTIONS) {
        return Err(AppError::bad_input(
            "instructions",
            format!("instructions are limited to {MAX_INSTRUCTIONS} characters"),
        ));
    }
    if spec.references.is_some_and(|r| !(0..=1000).contains(&r)) {
        return Err(AppError::bad_input("references", "references must be between 0 and 1000"));
    }
    if spec.tone.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(AppError::bad_input("tone", "the tone is limited to 100 characters"));
    }
    let singles = [
        ("paperTypeId", spec.paper_type_id, CatalogKind::PaperType),
        ("academicLevelId", spec.academic_level_id, CatalogKind::AcademicLevel),
        ("subjectId", spec.subject_id, CatalogKind::Subject),
        ("workTypeId", spec.work_type_id, CatalogKind::WorkType),
        ("writerLevelId", spec.writer_level_id, CatalogKind::WriterLevel),
        ("citationStyleId", spec.citation_style_id, CatalogKind::CitationStyle),
        ("englishTypeId", spec.english_type_id, CatalogKind::EnglishType),
    ];
    let extras = spec.extra_service_ids.clone().unwrap_or_default();
    let mut ids: Vec<Uuid> = singles.iter().filter_map(|(_, id, _)| *id).collect();
    ids.extend(&extras);
    let found: HashMap<Uuid, catalog_item::Model> =
        catalog::find_many(conn, tenant.id, &ids).await?.into_iter().map(|e| (e.id, e)).collect();
    let usable = |id: &Uuid, kind: CatalogKind| found.get(id).is_some_and(|e| e.kind == kind && e.active);
    for (field, id, kind) in singles {
        if let Some(id) = id
            && !usable(&id, kind)
        {
            return Err(AppError::bad_input(field, "not an entry of this site's catalogue"));
        }
    }
    if extras.iter().any(|id| !usable(id, CatalogKind::ExtraService)) {
        return Err(AppError::bad_input("extraServiceIds", "not an extra service of this site's catalogue"));
    }
    if let Some(writer) = spec.preferred_writer_id
        && !users::has_role_in_tenant(conn, tenant.id, writer, Role::Writer).await?
    {
        return Err(AppError::bad_input("preferredWriterId", "not a writer of this site"));
    }
    Ok(found)
}

/// Checks and prices a complete spec at `now`. An incomplete one is `BAD_USER_INPUT` naming
/// its missing fields (`extensions.field` is the first).
/// `buyer` is the client the price is for (a discount may be for first orders only); `None`
/// for an anonymous quote.
pub async fn price(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    toggles: &FeatureToggles,
    spec: &OrderSpec,
    buyer: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<Priced> {
    checked_price(conn, tenant, toggles, spec, buyer, now, spec.missing_fields()).await
}

/// Prices a draft that has at least the fields a price needs.
pub async fn estimate(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    toggles: &FeatureToggles,
    spec: &OrderSpec,
    buyer: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<Priced> {
    checked_price(conn, tenant, toggles, spec, buyer, now, spec.missing_for_price()).await
}

async fn checked_price(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    toggles: &FeatureToggles,
    spec: &OrderSpec,
    buyer: Option<Uuid>,
    now: DateTime<Utc>,
    missing: Vec<&'static str>,
) -> AppResult<Priced> {
    if let Some(first) = missing.first() {
        return Err(AppError::bad_input(*first, format!("missing: {}", missing.join(", "))).with_reason("INCOMPLETE"));
    }
    let entries = check_fields(conn, tenant, toggles, spec).await?;
    let settings = catalog::settings(conn, tenant.id).await?;
    let deadline = spec.deadline.unwrap_or(now);
    let tiers = catalog::deadline_tiers(conn, tenant.id).await?;
    let deadline_rate = pricing::deadline_tier(&tiers, now, deadline).ok_or_else(|| {
        let shortest = tiers.iter().map(|(h, _)| *h).min().unwrap_or(0);
        AppError::bad_input("deadline", format!("the deadline must be at least {shortest} hours from now"))
    })?;
    // With no level asked for, the writer is paid at the tenant's standard (cheapest) level.
    let pay_level = match spec.writer_level_id.and_then(|id| entries.get(&id)) {
        Some(level) => Some(level.clone()),
        None => catalog::list(conn, tenant.id, false)
            .await?
            .into_iter()
            .filter(|e| e.kind == CatalogKind::WriterLevel)
            .min_by_key(|e| (e.amount_minor, e.sort_order)),
    };
    let mut priced = price_with(&entries, &settings, spec, now, deadline_rate, pay_level.as_ref(), None);
    if let Some(code) = spec.discount_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let first_order = match buyer {
            Some(client) => Some(!has_orders(conn, tenant.id, client).await?),
            None => None,
        };
        let found = billing::service::discounts::evaluate(conn, tenant.id, code, now, first_order).await?;
        billing::service::discounts::check_minimum(&found, priced.quote.total)?;
        let rule = DiscountRule {
            label: format!("Discount {}", found.code),
            charge: match found.kind {
                DiscountKind::Percent => Charge::PercentOfBase(found.value),
                DiscountKind::Fixed => Charge::Fixed(found.value),
            },
            max: found.max_discount_minor,
        };
        priced = price_with(&entries, &settings, spec, now, deadline_rate, pay_level.as_ref(), Some(rule));
        let off = priced.quote.lines.iter().find(|l| l.code == "discount").map_or(Money(0), |l| Money(-l.amount.0));
        priced.discount = Some((found, off));
    }
    Ok(priced)
}

async fn has_orders(conn: &impl ConnectionTrait, tenant: Uuid, client: Uuid) -> AppResult<bool> {
    use crate::entity::order;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(order::Entity::find()
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::ClientId.eq(client))
        .one(conn)
        .await?
        .is_some())
}

fn price_with(
    entries: &HashMap<Uuid, catalog_item::Model>,
    settings: &pricing_settings::Model,
    spec: &OrderSpec,
    now: DateTime<Utc>,
    deadline_rate: i64,
    pay_level: Option<&catalog_item::Model>,
    discount: Option<DiscountRule>,
) -> Priced {
    let entry = |id: Option<Uuid>| id.and_then(|id| entries.get(&id));
    let rate = |id: Option<Uuid>| entry(id).map_or(RATE_ONE, |e| e.rate_bp);
    let page_factor = match spec.spacing.unwrap_or_default() {
        Spacing::Double => RATE_ONE,
        Spacing::Single => settings.single_spacing_factor_bp,
    };
    let technical = entry(spec.subject_id).is_some_and(|s| s.technical);
    let mut extra_ids: Vec<Uuid> = Vec::new();
    for id in spec.extra_service_ids.iter().flatten() {
        if !extra_ids.contains(id) {
            extra_ids.push(*id);
        }
    }
    let extras = extra_ids
        .iter()
        .filter_map(|id| entries.get(id))
        .map(|e| Extra {
            code: e.code.clone(),
            label: e.name.clone(),
            charge: match e.pricing {
                Some(ExtraPricing::Percent) => Charge::PercentOfBase(e.rate_bp),
                _ => Charge::Fixed(e.amount_minor),
            },
        })
        .collect();
    let writer_level = entry(spec.writer_level_id);
    let input = PriceInput {
        price_per_page: settings.price_per_page_minor,
        price_per_slide: settings.price_per_slide_minor,
        pages: spec.pages.unwrap_or(0),
        slides: spec.slides.unwrap_or(0),
        page_factor,
        level: rate(spec.academic_level_id),
        work_type: rate(spec.work_type_id),
        subject: if technical { settings.technical_multiplier_bp } else { RATE_ONE },
        deadline: deadline_rate,
        extras,
        writer_level: writer_level.map(|w| (w.name.clone(), w.amount_minor)),
        preferred_writer_percent: spec.preferred_writer_id.map(|_| settings.preferred_writer_percent_bp),
        discount,
    };
    let quote = pricing::price(&input);
    let (pay_page, pay_slide) = pay_level.map_or((0, 0), |w| (w.pay_per_page_minor, w.pay_per_slide_minor));
    let deadline = spec.deadline.unwrap_or(now);
    Priced {
        quote,
        writer_deadline: pricing::writer_deadline(now, deadline, settings.writer_deadline_percent_bp),
        writer_compensation: pricing::writer_compensation(input.pages, page_factor, input.slides, pay_page, pay_slide),
        extra_service_ids: extra_ids,
        discount: None,
    }
}
