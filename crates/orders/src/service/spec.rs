//! What a client asks for: one type, [`OrderSpec`], for every path. It is the service's value,
//! the GraphQL input (`OrderSpecInput`) and output (`OrderSpecFields`), and what drafts and
//! presets store as JSON, so adding a field to an order is a field here, a column in the
//! migration (and its line in `placing::order_row`), and the rules that concern it.
//!
//! Quotes, drafts, presets and orders check and price through the same functions, against a
//! [`PricingContext`]: the tenant's settings and catalogue, read once.

use std::collections::HashMap;

use async_graphql::{ID, InputObject, SimpleObject};
use billing::service::discounts::{self, Reduction, ValidDiscount};
use chrono::{DateTime, Utc};
use identity::service::users;
use kernel::{AppError, AppResult, Money, Reason, Role, TenantScope, Timestamp, parse_id, validate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromJsonQueryResult, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::catalog_item::{self, CatalogKind, ExtraPricing};
use crate::entity::order::Spacing;
use crate::entity::order_price::FrozenPrice;
use crate::entity::pricing_settings;
use crate::service::catalog::{self, Entries};
use crate::service::pricing::{self, Charge, DiscountRule, Extra, PriceInput, Quote, RATE_ONE};

pub const MAX_INSTRUCTIONS: usize = 20_000;

/// Any subset of an order's fields. `quote` and `placeOrder` need the required ones (the
/// missing ones are named, reason `INCOMPLETE`); a draft keeps any subset; a preset keeps the
/// defaults (no topic, size, deadline or instructions).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult, InputObject, SimpleObject,
)]
#[serde(rename_all = "camelCase", default)]
#[graphql(input_name = "OrderSpecInput", name = "OrderSpecFields")]
pub struct OrderSpec {
    /// 1 to 300 characters, one line.
    pub topic: Option<String>,
    pub paper_type_id: Option<ID>,
    pub academic_level_id: Option<ID>,
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    /// 1 to the site's maximum.
    pub pages: Option<i32>,
    /// 0 to the site's maximum.
    pub slides: Option<i32>,
    /// DOUBLE unless given.
    pub spacing: Option<Spacing>,
    /// At least the shortest deadline tier ahead, at most a year.
    pub deadline: Option<Timestamp>,
    pub extra_service_ids: Option<Vec<ID>>,
    pub writer_level_id: Option<ID>,
    pub preferred_writer_id: Option<ID>,
    /// Up to 20,000 characters; line breaks kept.
    pub instructions: Option<String>,
    pub citation_style_id: Option<ID>,
    pub english_type_id: Option<ID>,
    pub references: Option<i32>,
    pub tone: Option<String>,
    /// A discount code; the quote shows it as a negative `discount` line. Not kept in drafts or
    /// presets.
    #[graphql(skip_output)]
    pub discount_code: Option<String>,
}

/// An id field of the spec as a UUID; a malformed one is `BAD_USER_INPUT` on `field`.
pub fn id_of(field: &str, id: &Option<ID>) -> AppResult<Option<Uuid>> {
    id.as_ref().map(|id| parse_id(field, id)).transpose()
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

    /// Every field `other` sets replaces this one's (applying a preset to a draft). Generic over
    /// the fields, so a new field needs nothing here.
    pub fn overlay(&mut self, other: &OrderSpec) -> AppResult<()> {
        let (Ok(serde_json::Value::Object(mut base)), Ok(serde_json::Value::Object(over))) =
            (serde_json::to_value(&*self), serde_json::to_value(other))
        else {
            return Err(AppError::internal("an order spec is not a JSON object"));
        };
        base.extend(over.into_iter().filter(|(_, v)| !v.is_null()));
        *self = serde_json::from_value(serde_json::Value::Object(base)).map_err(AppError::internal)?;
        Ok(())
    }

    /// The extra services, deduplicated, in the order given.
    pub fn extras(&self) -> AppResult<Vec<Uuid>> {
        let mut ids: Vec<Uuid> = Vec::new();
        for id in self.extra_service_ids.iter().flatten() {
            let id = parse_id("extraServiceIds", id)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The catalogue entries the spec names one each, with their input names and lists.
    fn catalogue_fields(&self) -> AppResult<[(&'static str, Option<Uuid>, CatalogKind); 7]> {
        Ok([
            ("paperTypeId", id_of("paperTypeId", &self.paper_type_id)?, CatalogKind::PaperType),
            ("academicLevelId", id_of("academicLevelId", &self.academic_level_id)?, CatalogKind::AcademicLevel),
            ("subjectId", id_of("subjectId", &self.subject_id)?, CatalogKind::Subject),
            ("workTypeId", id_of("workTypeId", &self.work_type_id)?, CatalogKind::WorkType),
            ("writerLevelId", id_of("writerLevelId", &self.writer_level_id)?, CatalogKind::WriterLevel),
            ("citationStyleId", id_of("citationStyleId", &self.citation_style_id)?, CatalogKind::CitationStyle),
            ("englishTypeId", id_of("englishTypeId", &self.english_type_id)?, CatalogKind::EnglishType),
        ])
    }
}

/// What prices a spec in a tenant: its settings and its active catalogue, read once (two
/// statements), so pricing many specs (a page of drafts) costs no more.
#[derive(Debug, Clone)]
pub struct PricingContext {
    settings: pricing_settings::Model,
    entries: HashMap<Uuid, catalog_item::Model>,
}

impl PricingContext {
    pub async fn load(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Self> {
        let settings = catalog::settings(conn, tenant).await?;
        let entries = catalog::list(conn, tenant, Entries::Active).await?.into_iter().map(|e| (e.id, e)).collect();
        Ok(Self { settings, entries })
    }

    pub fn free_revision_days(&self) -> i32 {
        self.settings.free_revision_days
    }

    fn entry(&self, id: Option<Uuid>, kind: CatalogKind) -> Option<&catalog_item::Model> {
        id.and_then(|id| self.entries.get(&id)).filter(|e| e.kind == kind)
    }

    fn tiers(&self) -> Vec<(i32, i64)> {
        self.entries.values().filter(|e| e.kind == CatalogKind::DeadlineTier).map(|t| (t.hours, t.rate_e4)).collect()
    }

    /// The writer level that sets pay: the one asked for, else the tenant's standard (cheapest).
    fn pay_level(&self, level: Option<Uuid>) -> Option<&catalog_item::Model> {
        self.entry(level, CatalogKind::WriterLevel).or_else(|| {
            self.entries
                .values()
                .filter(|e| e.kind == CatalogKind::WriterLevel)
                .min_by_key(|e| (e.amount_minor, e.sort_order))
        })
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
    pub discount: Option<(ValidDiscount, Money)>,
    /// What priced it, kept with the order (a later size change is priced by it).
    pub frozen: FrozenPrice,
}

/// Checks the fields a spec sets (not whether it is complete): clean text and lengths, ranges
/// (the page and slide limits are the tenant's, from the scope), a deadline within a year of
/// `now`, every catalogue id an active entry of the right list in this tenant, and the
/// preferred writer a writer here.
pub async fn check(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    context: &PricingContext,
    spec: &OrderSpec,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let toggles = &tenant.features;
    if let Some(topic) = &spec.topic {
        validate::name("topic", topic, 300)?;
    }
    if let Some(deadline) = spec.deadline {
        validate::deadline_within_a_year("deadline", deadline.0, now)?;
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
    validate::optional_text("instructions", spec.instructions.as_deref(), MAX_INSTRUCTIONS)?;
    if spec.references.is_some_and(|r| !(0..=1000).contains(&r)) {
        return Err(AppError::bad_input("references", "references must be between 0 and 1000"));
    }
    validate::optional_name("tone", spec.tone.as_deref(), 100)?;
    if let Some(code) = &spec.discount_code {
        validate::no_control("discountCode", code, false)?;
    }
    for (field, id, kind) in spec.catalogue_fields()? {
        if id.is_some() && context.entry(id, kind).is_none() {
            return Err(AppError::bad_input(field, "not an entry of this site's catalogue"));
        }
    }
    if spec.extras()?.into_iter().any(|id| context.entry(Some(id), CatalogKind::ExtraService).is_none()) {
        return Err(AppError::bad_input("extraServiceIds", "not an extra service of this site's catalogue"));
    }
    if let Some(writer) = id_of("preferredWriterId", &spec.preferred_writer_id)?
        && !users::has_role_in_tenant(conn, tenant.id, writer, Role::Writer).await?
    {
        return Err(AppError::bad_input("preferredWriterId", "not a writer of this site"));
    }
    Ok(())
}

/// Checks and prices a complete spec at `now` for `buyer` (a discount may be for first orders
/// only; `None` for an anonymous quote). An incomplete one is `BAD_USER_INPUT` naming its
/// missing fields (`extensions.field` is the first).
pub async fn price(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    spec: &OrderSpec,
    buyer: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<Priced> {
    let missing = spec.missing_fields();
    if let Some(first) = missing.first() {
        return Err(
            AppError::bad_input(*first, format!("missing: {}", missing.join(", "))).with_reason(Reason::Incomplete)
        );
    }
    let context = PricingContext::load(conn, tenant.id).await?;
    check(conn, tenant, &context, spec, now).await?;
    let mut priced = quote(&context, spec, now, None)?;
    if let Some(code) = spec.discount_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let first_order = match buyer {
            Some(client) => Some(!has_orders(conn, tenant.id, client).await?),
            None => None,
        };
        let found = discounts::evaluate(conn, tenant.id, code, now, first_order).await?;
        discounts::check_minimum(&found, priced.quote.total)?;
        priced = quote(&context, spec, now, Some(found))?;
    }
    Ok(priced)
}

/// The price of a draft if it were placed now, when it has the fields a price needs and they
/// still price (the catalogue may have changed since it was saved).
pub fn estimate(context: &PricingContext, spec: &OrderSpec, now: DateTime<Utc>) -> Option<Money> {
    if !spec.missing_for_price().is_empty() {
        return None;
    }
    quote(context, spec, now, None).ok().map(|p| p.quote.total)
}

async fn has_orders(conn: &impl ConnectionTrait, tenant: Uuid, client: Uuid) -> AppResult<bool> {
    use crate::entity::order;
    Ok(order::Entity::find()
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::ClientId.eq(client))
        .one(conn)
        .await?
        .is_some())
}

/// The refusal of a spec whose price (or writer pay) is beyond what one order may cost.
pub(crate) fn out_of_range() -> AppError {
    AppError::bad_input(
        "pages",
        format!("this order would cost more than {}; order fewer pages or slides", Money(pricing::MAX_ORDER_TOTAL)),
    )
    .with_reason(Reason::PriceOutOfRange)
}

/// Prices a checked spec: the engine's input from the catalogue, the lines, the writer's
/// deadline and pay. Pure: no database.
fn quote(
    context: &PricingContext,
    spec: &OrderSpec,
    now: DateTime<Utc>,
    discount: Option<ValidDiscount>,
) -> AppResult<Priced> {
    let settings = &context.settings;
    let deadline = spec.deadline.map_or(now, |d| d.0);
    let tiers = context.tiers();
    let deadline_rate = pricing::deadline_tier(&tiers, now, deadline).ok_or_else(|| {
        let shortest = tiers.iter().map(|(h, _)| *h).min().unwrap_or(0);
        AppError::bad_input("deadline", format!("the deadline must be at least {shortest} hours from now"))
    })?;
    let [_, (_, level, _), (_, subject, _), (_, work_type, _), (_, writer_level, _), ..] = spec.catalogue_fields()?;
    let rate = |id: Option<Uuid>, kind| context.entry(id, kind).map_or(RATE_ONE, |e| e.rate_e4);
    let page_factor = match spec.spacing.unwrap_or_default() {
        Spacing::Double => RATE_ONE,
        Spacing::Single => settings.single_spacing_factor_e4,
    };
    let technical = context.entry(subject, CatalogKind::Subject).is_some_and(|s| s.technical);
    let extra_ids = spec.extras()?;
    let extras = extra_ids
        .iter()
        .filter_map(|id| context.entry(Some(*id), CatalogKind::ExtraService))
        .map(|e| Extra {
            code: e.code.clone(),
            label: e.name.clone(),
            charge: match e.pricing {
                Some(ExtraPricing::Percent) => Charge::PercentOfBase(e.rate_e4),
                _ => Charge::Fixed(e.amount_minor),
            },
        })
        .collect();
    let writer_level_entry = context.entry(writer_level, CatalogKind::WriterLevel);
    let input = PriceInput {
        price_per_page: settings.price_per_page_minor,
        price_per_slide: settings.price_per_slide_minor,
        pages: spec.pages.unwrap_or(0),
        slides: spec.slides.unwrap_or(0),
        page_factor,
        level: rate(level, CatalogKind::AcademicLevel),
        work_type: rate(work_type, CatalogKind::WorkType),
        subject: if technical { settings.technical_multiplier_e4 } else { RATE_ONE },
        deadline: deadline_rate,
        extras,
        writer_level: writer_level_entry.map(|w| (w.name.clone(), w.amount_minor)),
        preferred_writer_percent: spec.preferred_writer_id.as_ref().map(|_| settings.preferred_writer_percent_e4),
        discount: discount.as_ref().map(|found| DiscountRule {
            label: format!("Discount {}", found.code),
            charge: match found.reduction {
                Reduction::Percent(rate) => Charge::PercentOfBase(rate),
                Reduction::Fixed(amount) => Charge::Fixed(amount),
            },
            max: found.max_discount,
        }),
    };
    let quote = pricing::price(&input).ok_or_else(out_of_range)?;
    let (pay_page, pay_slide) =
        context.pay_level(writer_level).map_or((0, 0), |w| (w.pay_per_page_minor, w.pay_per_slide_minor));
    let writer_compensation = pricing::writer_compensation(input.pages, page_factor, input.slides, pay_page, pay_slide)
        .ok_or_else(out_of_range)?;
    let off = quote.lines.iter().find(|l| l.code == "discount").map_or(Money(0), |l| Money(-l.amount.0));
    Ok(Priced {
        writer_deadline: pricing::writer_deadline(now, deadline, settings.writer_deadline_percent_e4),
        writer_compensation,
        extra_service_ids: extra_ids,
        discount: discount.map(|found| (found, off)),
        quote,
        frozen: FrozenPrice { input, pay_per_page: pay_page, pay_per_slide: pay_slide },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_overlays_only_what_it_sets() {
        let level = ID(kernel::new_id().to_string());
        let mut draft = OrderSpec { topic: Some("Kept".into()), pages: Some(3), ..OrderSpec::default() };
        let preset = OrderSpec { academic_level_id: Some(level.clone()), pages: None, ..OrderSpec::default() };
        draft.overlay(&preset).unwrap();
        assert_eq!(draft.topic.as_deref(), Some("Kept"));
        assert_eq!(draft.pages, Some(3));
        assert_eq!(draft.academic_level_id, Some(level));
    }

    #[test]
    fn stored_specs_read_back_and_junk_is_an_error() {
        let spec = OrderSpec { pages: Some(2), deadline: Some(Timestamp(Utc::now())), ..OrderSpec::default() };
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(serde_json::from_value::<OrderSpec>(json).unwrap(), spec);
        assert!(serde_json::from_value::<OrderSpec>(serde_json::json!({ "pages": "many" })).is_err());
    }
}
