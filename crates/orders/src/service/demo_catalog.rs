//! The demo catalogue and pricing: the numbers of PRODUCT.md §3.3, so the worked examples price
//! exactly (80.49 in `essays`, 69.99 in `papers`).

use chrono::{DateTime, Utc};
use kernel::AppResult;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::catalog_item::{self, CatalogKind, Entity as CatalogItems, ExtraPricing};
use crate::entity::pricing_settings::{self, Entity as PricingSettings};
use crate::service::catalog::blank;

/// The demo deadline tiers: (hours ahead, price factor in 1/10,000).
pub const DEADLINE_TIERS: [(i32, i64); 8] =
    [(6, 20_000), (12, 18_000), (24, 16_000), (48, 14_000), (72, 13_000), (120, 11_500), (168, 11_000), (336, 10_000)];

/// Seeds the demo catalogue and pricing, unless the tenant has a catalogue.
pub async fn seed(
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
        single_spacing_factor_e4: 20_000,
        technical_multiplier_e4: 12_000,
        preferred_writer_percent_e4: 50_000,
        writer_deadline_percent_e4: 800_000,
        free_revision_days: 14,
        acceptance_window_hours: super::catalog::DEFAULT_ACCEPTANCE_WINDOW_HOURS,
        preferred_window_hours: super::catalog::DEFAULT_PREFERRED_WINDOW_HOURS,
        auto_complete_days: super::catalog::DEFAULT_AUTO_COMPLETE_DAYS,
        large_refund_minor: super::catalog::DEFAULT_LARGE_REFUND_MINOR,
        max_forfeit_percent_e4: super::catalog::DEFAULT_MAX_FORFEIT_PERCENT_E4,
        writer_forfeit_share_e4: super::catalog::DEFAULT_WRITER_FORFEIT_SHARE_E4,
        tip_writer_percent_e4: super::catalog::DEFAULT_TIP_WRITER_PERCENT_E4,
        max_extension_days: super::catalog::DEFAULT_MAX_EXTENSION_DAYS,
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
        add(AcademicLevel, code, name, i as i32, &|m| m.rate_e4 = *rate);
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
        add(WorkType, code, name, i as i32, &|m| m.rate_e4 = *rate);
    }
    for (i, (hours, rate)) in DEADLINE_TIERS.iter().enumerate() {
        add(DeadlineTier, &format!("h{hours}"), &format!("{hours} hours"), i as i32, &|m| {
            m.hours = *hours;
            m.rate_e4 = *rate;
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
        m.rate_e4 = 100_000;
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
