use async_graphql::{Context, ID, InputObject, Object, Result};
use kernel::db::begin_write;
use kernel::{AppError, ContextExt, Money, Role, RoleGuard, parse_id};

use super::inputs::OrderSpecInput;
use super::types::{CatalogEntry, OrderCatalog, PricingSettings, QuoteView, Rate};
use crate::entity::catalog_item::{CatalogKind, ExtraPricing};
use crate::service::catalog::{self, EntryFields, SettingsFields};
use crate::service::spec;

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// The tenant's catalogue. Admins also see archived entries and the pricing numbers.
    async fn order_catalog(&self, ctx: &Context<'_>) -> Result<OrderCatalog> {
        let request = ctx.request();
        let tenant = request.tenant()?;
        let admin = request.viewer.as_ref().is_some_and(|v| matches!(v.role, Role::Admin | Role::Superadmin));
        Ok(OrderCatalog(catalog::list(&request.db, tenant.id, admin).await?))
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn pricing_settings(&self, ctx: &Context<'_>) -> Result<PricingSettings> {
        let request = ctx.request();
        Ok(PricingSettings(catalog::settings(&request.db, request.tenant()?.id).await?))
    }

    /// Prices an order as it would be placed now, without placing it.
    async fn quote(&self, ctx: &Context<'_>, input: OrderSpecInput) -> Result<QuoteView> {
        let request = ctx.request();
        let tenant = request.tenant()?;
        let buyer = request.viewer.as_ref().filter(|v| v.role == Role::Client).map(|v| v.user_id);
        let priced =
            spec::price(&request.db, tenant, &super::toggles(ctx), &input.to_spec()?, buyer, request.now()).await?;
        Ok(QuoteView::new(priced.quote, &tenant.currency))
    }
}

/// A catalogue entry's fields; which apply depends on its kind.
#[derive(InputObject, Default)]
pub struct CatalogEntryInput {
    /// `a-z 0-9 _`, unique within the kind.
    pub code: Option<String>,
    pub name: Option<String>,
    /// Academic levels, work types, deadline tiers.
    pub multiplier: Option<Rate>,
    /// Deadline tiers.
    pub hours: Option<i32>,
    /// Subjects.
    pub technical: Option<bool>,
    /// Extra services: FIXED (with `amount`) or PERCENT (with `percent`).
    pub pricing: Option<ExtraPricing>,
    pub amount: Option<Money>,
    pub percent: Option<Rate>,
    /// Writer levels: `amount` is the client price per page; these are the writer's pay.
    pub pay_per_page: Option<Money>,
    pub pay_per_slide: Option<Money>,
    pub sort_order: Option<i32>,
    /// False archives the entry (new orders cannot use it; placed ones keep it).
    pub active: Option<bool>,
}

impl CatalogEntryInput {
    fn fields(self) -> EntryFields {
        EntryFields {
            code: self.code,
            name: self.name,
            rate_bp: self.multiplier.map(|r| r.0).or(self.percent.map(|p| p.0)),
            amount_minor: self.amount.map(|m| m.0),
            pay_per_page_minor: self.pay_per_page.map(|m| m.0),
            pay_per_slide_minor: self.pay_per_slide.map(|m| m.0),
            hours: self.hours,
            technical: self.technical,
            pricing: self.pricing,
            sort_order: self.sort_order,
            active: self.active,
        }
    }
}

#[derive(InputObject, Default)]
pub struct PricingSettingsInput {
    pub price_per_page: Option<Money>,
    pub price_per_slide: Option<Money>,
    pub single_spacing_factor: Option<Rate>,
    pub technical_multiplier: Option<Rate>,
    pub preferred_writer_percent: Option<Rate>,
    pub writer_deadline_percent: Option<Rate>,
    pub free_revision_days: Option<i32>,
}

#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn create_catalog_entry(
        &self,
        ctx: &Context<'_>,
        kind: CatalogKind,
        input: CatalogEntryInput,
    ) -> Result<CatalogEntry> {
        let request = ctx.request();
        if input.code.is_none() || input.name.is_none() {
            return Err(AppError::bad_input(
                if input.code.is_none() { "code" } else { "name" },
                "code and name are required",
            )
            .into());
        }
        let txn = begin_write(&request.db).await?;
        let entry = catalog::create(&txn, request, kind, input.fields()).await?;
        txn.commit().await?;
        Ok(CatalogEntry(entry))
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_catalog_entry(&self, ctx: &Context<'_>, id: ID, input: CatalogEntryInput) -> Result<CatalogEntry> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let txn = begin_write(&request.db).await?;
        let entry = catalog::update(&txn, request, id, input.fields()).await?;
        txn.commit().await?;
        Ok(CatalogEntry(entry))
    }

    /// Takes an entry out of new orders (placed ones keep it).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn archive_catalog_entry(&self, ctx: &Context<'_>, id: ID) -> Result<CatalogEntry> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let txn = begin_write(&request.db).await?;
        let entry =
            catalog::update(&txn, request, id, EntryFields { active: Some(false), ..Default::default() }).await?;
        txn.commit().await?;
        Ok(CatalogEntry(entry))
    }

    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_pricing_settings(&self, ctx: &Context<'_>, input: PricingSettingsInput) -> Result<PricingSettings> {
        let request = ctx.request();
        let fields = SettingsFields {
            price_per_page_minor: input.price_per_page.map(|m| m.0),
            price_per_slide_minor: input.price_per_slide.map(|m| m.0),
            single_spacing_factor_bp: input.single_spacing_factor.map(|r| r.0),
            technical_multiplier_bp: input.technical_multiplier.map(|r| r.0),
            preferred_writer_percent_bp: input.preferred_writer_percent.map(|r| r.0),
            writer_deadline_percent_bp: input.writer_deadline_percent.map(|r| r.0),
            free_revision_days: input.free_revision_days,
        };
        let txn = begin_write(&request.db).await?;
        let settings = catalog::update_settings(&txn, request, fields).await?;
        txn.commit().await?;
        Ok(PricingSettings(settings))
    }
}
