use async_graphql::{Context, ID, InputObject, Object, Result};
use kernel::{ContextExt, Money, Rate, Role, RoleGuard, parse_id, write};

use crate::entity::catalog_item::{self, CatalogKind, ExtraPricing};
use crate::entity::pricing_settings;
use crate::service::catalog::{self, EntryFields, SettingsFields};

const ADMINS: RoleGuard = RoleGuard::new(&[Role::Admin, Role::Superadmin]);

/// One entry of the catalogue. Its pricing numbers are for admins.
#[derive(Clone)]
pub struct CatalogEntry(pub catalog_item::Model);

/// The catalogue entries `ids`, read in one statement of their own (for a page that has them
/// at hand before its items resolve: one statement a page, whatever else the request loads
/// at the same time).
pub async fn entries(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = uuid::Uuid>,
) -> Result<std::collections::HashMap<uuid::Uuid, CatalogEntry>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let request = ctx.request();
    let ids: Vec<uuid::Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let found = catalog_item::Entity::find()
        .filter(catalog_item::Column::Id.is_in(kernel::db::in_list(&ids)))
        .filter(catalog_item::Column::TenantId.eq(request.tenant()?.id))
        .all(&request.db)
        .await
        .map_err(kernel::AppError::from)?;
    Ok(found.into_iter().map(|model| (model.id, CatalogEntry(model))).collect())
}

#[Object]
impl CatalogEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> CatalogKind {
        self.0.kind
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn sort_order(&self) -> i32 {
        self.0.sort_order
    }
    /// Deadline tiers: the hours this tier needs at least.
    async fn hours(&self) -> Option<i32> {
        (self.0.kind == CatalogKind::DeadlineTier).then_some(self.0.hours)
    }
    /// Subjects: whether the technical multiplier applies.
    async fn technical(&self) -> Option<bool> {
        (self.0.kind == CatalogKind::Subject).then_some(self.0.technical)
    }
    /// Extras: FIXED or PERCENT (of the base line).
    async fn pricing(&self) -> Option<ExtraPricing> {
        self.0.pricing
    }
    /// Levels, work types, deadline tiers.
    #[graphql(guard = "ADMINS")]
    async fn multiplier(&self) -> Option<Rate> {
        matches!(self.0.kind, CatalogKind::AcademicLevel | CatalogKind::WorkType | CatalogKind::DeadlineTier)
            .then_some(Rate(self.0.rate_e4))
    }
    /// Percent extras: the percent of the base line.
    #[graphql(guard = "ADMINS")]
    async fn percent(&self) -> Option<Rate> {
        (self.0.pricing == Some(ExtraPricing::Percent)).then_some(Rate(self.0.rate_e4))
    }
    /// Fixed extras: the price; writer levels: the client price per page.
    #[graphql(guard = "ADMINS")]
    async fn amount(&self) -> Option<Money> {
        (self.0.pricing == Some(ExtraPricing::Fixed) || self.0.kind == CatalogKind::WriterLevel)
            .then_some(Money(self.0.amount_minor))
    }
    /// Writer levels: what the writer earns per page and per slide.
    #[graphql(guard = "ADMINS")]
    async fn pay_per_page(&self) -> Option<Money> {
        (self.0.kind == CatalogKind::WriterLevel).then_some(Money(self.0.pay_per_page_minor))
    }
    #[graphql(guard = "ADMINS")]
    async fn pay_per_slide(&self) -> Option<Money> {
        (self.0.kind == CatalogKind::WriterLevel).then_some(Money(self.0.pay_per_slide_minor))
    }
}

/// The tenant's catalogue, by list.
pub struct OrderCatalog(pub Vec<catalog_item::Model>);

impl OrderCatalog {
    fn of(&self, kind: CatalogKind) -> Vec<CatalogEntry> {
        self.0.iter().filter(|e| e.kind == kind).cloned().map(CatalogEntry).collect()
    }
}

#[Object]
impl OrderCatalog {
    async fn paper_types(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::PaperType)
    }
    async fn academic_levels(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::AcademicLevel)
    }
    async fn subjects(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::Subject)
    }
    async fn work_types(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::WorkType)
    }
    async fn deadline_tiers(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::DeadlineTier)
    }
    async fn extra_services(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::ExtraService)
    }
    async fn writer_levels(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::WriterLevel)
    }
    async fn citation_styles(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::CitationStyle)
    }
    async fn english_types(&self) -> Vec<CatalogEntry> {
        self.of(CatalogKind::EnglishType)
    }
}

/// A tenant's pricing numbers (admins).
pub struct PricingSettings(pub pricing_settings::Model);

#[Object]
impl PricingSettings {
    async fn price_per_page(&self) -> Money {
        Money(self.0.price_per_page_minor)
    }
    async fn price_per_slide(&self) -> Money {
        Money(self.0.price_per_slide_minor)
    }
    /// How many pages a single-spaced page counts as.
    async fn single_spacing_factor(&self) -> Rate {
        Rate(self.0.single_spacing_factor_e4)
    }
    async fn technical_multiplier(&self) -> Rate {
        Rate(self.0.technical_multiplier_e4)
    }
    /// Percent of the base line.
    async fn preferred_writer_percent(&self) -> Rate {
        Rate(self.0.preferred_writer_percent_e4)
    }
    /// Percent of the time to the client deadline at which the writer's falls.
    async fn writer_deadline_percent(&self) -> Rate {
        Rate(self.0.writer_deadline_percent_e4)
    }
    async fn free_revision_days(&self) -> i32 {
        self.0.free_revision_days
    }
    /// Hours a writer has to accept or decline an offer; then it lapses back to the pool.
    async fn acceptance_window_hours(&self) -> i32 {
        self.0.acceptance_window_hours
    }
    /// Hours a preferred writer has to take or decline a paid order naming them; then it goes
    /// to the pool and the client gets the preferred-writer fee back.
    async fn preferred_window_hours(&self) -> i32 {
        self.0.preferred_window_hours
    }
    /// Days a submitted order waits for the client's approval or revision request; then the
    /// system completes it (the writer is paid as on approval).
    async fn auto_complete_days(&self) -> i32 {
        self.0.auto_complete_days
    }
    /// A refund of at least this is told to every admin of the site (0.00: never).
    async fn large_refund(&self) -> Money {
        Money(self.0.large_refund_minor)
    }
    /// The most of a payment a client's cancellation forfeits (see `cancellationQuote`).
    async fn max_forfeit_percent(&self) -> Rate {
        Rate(self.0.max_forfeit_percent_e4)
    }
    /// The writer's share of what a cancellation forfeits, when a writer was working on the
    /// order; the rest stays with the site.
    async fn writer_forfeit_share(&self) -> Rate {
        Rate(self.0.writer_forfeit_share_e4)
    }
    /// The writer's share of a client's tip; the rest is the site's.
    async fn tip_writer_percent(&self) -> Rate {
        Rate(self.0.tip_writer_percent_e4)
    }
    /// How many days later a deadline extension may move an order's deadline.
    async fn max_extension_days(&self) -> i32 {
        self.0.max_extension_days
    }
}

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// The tenant's catalogue. Admins also see archived entries and the pricing numbers.
    async fn order_catalog(&self, ctx: &Context<'_>) -> Result<OrderCatalog> {
        let request = ctx.request();
        Ok(OrderCatalog(catalog::for_viewer(&request.db, request).await?))
    }

    #[graphql(guard = "ADMINS")]
    async fn pricing_settings(&self, ctx: &Context<'_>) -> Result<PricingSettings> {
        let request = ctx.request();
        Ok(PricingSettings(catalog::settings(&request.db, request.tenant()?.id).await?))
    }
}

/// A catalogue entry's fields; which apply depends on its kind.
#[derive(InputObject, Default)]
pub struct CatalogEntryInput {
    /// `a-z 0-9 _`, unique within the kind.
    pub code: Option<String>,
    pub name: Option<String>,
    /// Academic levels, work types, deadline tiers (at most 10).
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
            rate_e4: self.multiplier.map(|r| r.0).or(self.percent.map(|p| p.0)),
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
    pub acceptance_window_hours: Option<i32>,
    pub preferred_window_hours: Option<i32>,
    pub auto_complete_days: Option<i32>,
    pub large_refund: Option<Money>,
    pub max_forfeit_percent: Option<Rate>,
    pub writer_forfeit_share: Option<Rate>,
    pub tip_writer_percent: Option<Rate>,
    pub max_extension_days: Option<i32>,
}

#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// A new entry; `code` and `name` are required.
    #[graphql(guard = "ADMINS")]
    async fn create_catalog_entry(
        &self,
        ctx: &Context<'_>,
        kind: CatalogKind,
        input: CatalogEntryInput,
    ) -> Result<CatalogEntry> {
        let request = ctx.request();
        Ok(CatalogEntry(write(request, async |txn| catalog::create(txn, request, kind, input.fields()).await).await?))
    }

    #[graphql(guard = "ADMINS")]
    async fn update_catalog_entry(&self, ctx: &Context<'_>, id: ID, input: CatalogEntryInput) -> Result<CatalogEntry> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(CatalogEntry(write(request, async |txn| catalog::update(txn, request, id, input.fields()).await).await?))
    }

    /// Takes an entry out of new orders (placed ones keep it).
    #[graphql(guard = "ADMINS")]
    async fn archive_catalog_entry(&self, ctx: &Context<'_>, id: ID) -> Result<CatalogEntry> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let archive = EntryFields { active: Some(false), ..Default::default() };
        Ok(CatalogEntry(write(request, async |txn| catalog::update(txn, request, id, archive).await).await?))
    }

    #[graphql(guard = "ADMINS")]
    async fn update_pricing_settings(&self, ctx: &Context<'_>, input: PricingSettingsInput) -> Result<PricingSettings> {
        let request = ctx.request();
        let fields = SettingsFields {
            price_per_page_minor: input.price_per_page.map(|m| m.0),
            price_per_slide_minor: input.price_per_slide.map(|m| m.0),
            single_spacing_factor_e4: input.single_spacing_factor.map(|r| r.0),
            technical_multiplier_e4: input.technical_multiplier.map(|r| r.0),
            preferred_writer_percent_e4: input.preferred_writer_percent.map(|r| r.0),
            writer_deadline_percent_e4: input.writer_deadline_percent.map(|r| r.0),
            free_revision_days: input.free_revision_days,
            acceptance_window_hours: input.acceptance_window_hours,
            preferred_window_hours: input.preferred_window_hours,
            auto_complete_days: input.auto_complete_days,
            large_refund_minor: input.large_refund.map(|m| m.0),
            max_forfeit_percent_e4: input.max_forfeit_percent.map(|r| r.0),
            writer_forfeit_share_e4: input.writer_forfeit_share.map(|r| r.0),
            tip_writer_percent_e4: input.tip_writer_percent.map(|r| r.0),
            max_extension_days: input.max_extension_days,
        };
        Ok(PricingSettings(write(request, async |txn| catalog::update_settings(txn, request, fields).await).await?))
    }
}
