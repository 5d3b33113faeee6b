//! The orders context's GraphQL output types (never SeaORM models directly).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{
    Context, ID, InputValueError, InputValueResult, Object, Result, Scalar, ScalarType, SimpleObject, Value,
};
use chrono::{DateTime, Utc};
use identity::Person;
use kernel::{ContextExt, Money, Role, RoleGuard};
use uuid::Uuid;

use crate::entity::catalog_item::{self, CatalogKind, ExtraPricing};
use crate::entity::order::{self, OrderStatus, PaymentStatus, Spacing};
use crate::entity::revision_request::{self, RevisionSeverity, RevisionStatus};
use crate::entity::{order_draft, order_event, order_line, order_preset, pricing_settings};
use crate::loaders::{CatalogEntryLoader, OrderEventsLoader, OrderLinesLoader, RevisionsLoader, SettingsLoader};
use crate::service::lifecycle::{self, OrderAction};
use crate::service::orders::RevisionChange;
use crate::service::pricing::{Quote, RATE_ONE};
use crate::service::{drafts, presets};

const ADMINS: RoleGuard = RoleGuard::new(&[Role::Admin, Role::Superadmin]);

pub fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

/// A multiplier or percent, as a decimal string with up to four places (`"1.25"`, `"10"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(pub i64);

#[Scalar(name = "Rate")]
impl ScalarType for Rate {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else { return Err(InputValueError::expected_type(value)) };
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || frac.len() > 4 || (!frac.is_empty() && !digits(frac)) || whole.len() > 9 {
            return Err(InputValueError::custom(
                "expected a non-negative decimal with at most four places, like \"1.25\"",
            ));
        }
        let whole: i64 = whole.parse().map_err(|_| InputValueError::custom("too large"))?;
        let frac: i64 = format!("{frac:0<4}").parse().unwrap_or(0);
        Ok(Rate(whole * RATE_ONE + frac))
    }

    fn to_value(&self) -> Value {
        let (whole, frac) = (self.0 / RATE_ONE, self.0 % RATE_ONE);
        let text =
            if frac == 0 { whole.to_string() } else { format!("{whole}.{frac:04}").trim_end_matches('0').to_owned() };
        Value::String(text)
    }
}

/// One entry of the catalogue. Its pricing numbers are for admins.
pub struct CatalogEntry(pub catalog_item::Model);

#[Object]
impl CatalogEntry {
    async fn id(&self) -> ID {
        id(self.0.id)
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
            .then_some(Rate(self.0.rate_bp))
    }
    /// Percent extras: the percent of the base line.
    #[graphql(guard = "ADMINS")]
    async fn percent(&self) -> Option<Rate> {
        (self.0.pricing == Some(ExtraPricing::Percent)).then_some(Rate(self.0.rate_bp))
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

/// A tenant's pricing numbers.
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
        Rate(self.0.single_spacing_factor_bp)
    }
    async fn technical_multiplier(&self) -> Rate {
        Rate(self.0.technical_multiplier_bp)
    }
    /// Percent of the base line.
    async fn preferred_writer_percent(&self) -> Rate {
        Rate(self.0.preferred_writer_percent_bp)
    }
    /// Percent of the time to the client deadline at which the writer's falls.
    async fn writer_deadline_percent(&self) -> Rate {
        Rate(self.0.writer_deadline_percent_bp)
    }
    async fn free_revision_days(&self) -> i32 {
        self.0.free_revision_days
    }
}

#[derive(SimpleObject, Clone)]
pub struct QuoteLine {
    pub code: String,
    pub label: String,
    pub amount: Money,
}

#[derive(SimpleObject)]
#[graphql(name = "Quote")]
pub struct QuoteView {
    pub total: Money,
    pub currency: String,
    pub lines: Vec<QuoteLine>,
}

impl QuoteView {
    pub fn new(quote: Quote, currency: &str) -> Self {
        Self {
            total: quote.total,
            currency: currency.to_owned(),
            lines: quote
                .lines
                .into_iter()
                .map(|l| QuoteLine { code: l.code, label: l.label, amount: l.amount })
                .collect(),
        }
    }
}

/// Rows a list resolver loaded for a whole page at once (set-based), so its nodes need no
/// per-node loading and the page costs a fixed number of statements.
#[derive(Default)]
pub struct Prefetched {
    pub events: Option<HashMap<Uuid, Vec<order_event::Model>>>,
    pub people: Option<HashMap<Uuid, Person>>,
}

impl Prefetched {
    /// The person, from the prefetched set when there is one, else through the loader.
    async fn person(this: &Option<Arc<Prefetched>>, ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Person>> {
        match this.as_ref().and_then(|p| p.people.as_ref()) {
            Some(people) => Ok(id.and_then(|id| people.get(&id).cloned())),
            None => Person::load(ctx, id).await,
        }
    }
}

/// An order, as the viewer may see it (with what its list prefetched, if anything).
pub struct Order(pub order::Model, pub Option<Arc<Prefetched>>);

impl Order {
    pub fn new(model: order::Model) -> Self {
        Order(model, None)
    }
}

async fn entry(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<CatalogEntry>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx.data_unchecked::<DataLoader<CatalogEntryLoader>>().load_one(id).await?.map(CatalogEntry))
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn topic(&self) -> &str {
        &self.0.topic
    }
    async fn status(&self) -> OrderStatus {
        self.0.status
    }
    async fn payment_status(&self) -> PaymentStatus {
        self.0.payment_status
    }
    /// The price, as frozen at placement.
    async fn total(&self) -> Money {
        Money(self.0.total_minor)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn pages(&self) -> i32 {
        self.0.pages
    }
    async fn slides(&self) -> i32 {
        self.0.slides
    }
    async fn spacing(&self) -> Spacing {
        self.0.spacing
    }
    async fn deadline(&self) -> DateTime<Utc> {
        self.0.deadline
    }
    /// When the writer must deliver: a share of the time to the client's deadline.
    async fn writer_deadline(&self) -> DateTime<Utc> {
        self.0.writer_deadline
    }
    /// The writer's pay for the order (not shown to clients).
    #[graphql(guard = "RoleGuard::new(&[Role::Writer, Role::Support, Role::Admin, Role::Superadmin])")]
    async fn writer_compensation(&self) -> Money {
        Money(self.0.writer_compensation_minor)
    }
    async fn instructions(&self) -> Option<&str> {
        self.0.instructions.as_deref()
    }
    async fn references(&self) -> Option<i32> {
        self.0.reference_count
    }
    async fn tone(&self) -> Option<&str> {
        self.0.tone.as_deref()
    }
    async fn placed_at(&self) -> DateTime<Utc> {
        self.0.placed_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// The deadline has passed and the work is not submitted.
    async fn is_late(&self, ctx: &Context<'_>) -> bool {
        lifecycle::is_late(&self.0, ctx.request().now())
    }
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        Prefetched::person(&self.1, ctx, Some(self.0.client_id)).await
    }
    async fn writer(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        Prefetched::person(&self.1, ctx, self.0.writer_id).await
    }
    async fn preferred_writer(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        Prefetched::person(&self.1, ctx, self.0.preferred_writer_id).await
    }
    async fn paper_type(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, Some(self.0.paper_type_id)).await
    }
    async fn academic_level(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, Some(self.0.academic_level_id)).await
    }
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, Some(self.0.subject_id)).await
    }
    async fn work_type(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, Some(self.0.work_type_id)).await
    }
    async fn writer_level(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, self.0.writer_level_id).await
    }
    async fn citation_style(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, self.0.citation_style_id).await
    }
    async fn english_type(&self, ctx: &Context<'_>) -> Result<Option<CatalogEntry>> {
        entry(ctx, self.0.english_type_id).await
    }
    async fn extra_services(&self, ctx: &Context<'_>) -> Result<Vec<CatalogEntry>> {
        let ids: Vec<Uuid> = serde_json::from_value(self.0.extra_service_ids.clone()).unwrap_or_default();
        let found = ctx.data_unchecked::<DataLoader<CatalogEntryLoader>>().load_many(ids.clone()).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).map(CatalogEntry).collect())
    }
    /// The priced lines, frozen at placement; they sum to `total`.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<QuoteLine>> {
        let lines = ctx.data_unchecked::<DataLoader<OrderLinesLoader>>().load_one(self.0.id).await?.unwrap_or_default();
        Ok(lines
            .into_iter()
            .map(|l: order_line::Model| QuoteLine { code: l.code, label: l.label, amount: Money(l.amount_minor) })
            .collect())
    }
    /// Everything that happened to the order, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEvent>> {
        let events = match self.1.as_ref().and_then(|p| p.events.as_ref()) {
            Some(all) => all.get(&self.0.id).cloned().unwrap_or_default(),
            None => {
                ctx.data_unchecked::<DataLoader<OrderEventsLoader>>().load_one(self.0.id).await?.unwrap_or_default()
            }
        };
        Ok(events.into_iter().map(|e| TimelineEvent(e, self.1.clone())).collect())
    }
    /// Revision requests, oldest first.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<RevisionRequest>> {
        let revisions =
            ctx.data_unchecked::<DataLoader<RevisionsLoader>>().load_one(self.0.id).await?.unwrap_or_default();
        Ok(revisions.into_iter().map(RevisionRequest).collect())
    }
    /// Money received for the order (from the wallet, or recorded by staff), oldest first.
    async fn payments(&self, ctx: &Context<'_>) -> Result<Vec<Payment>> {
        use billing::entity::journal_entry::EntryKind;
        let request = ctx.request();
        let entries = billing::service::ledger::entries_for_order(&request.db, self.0.tenant_id, self.0.id).await?;
        let entries: Vec<_> = entries
            .into_iter()
            .filter(|e| matches!(e.kind, EntryKind::OrderPayment | EntryKind::ManualPayment))
            .collect();
        let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
        let amounts = billing::service::ledger::entry_amounts(&request.db, &ids).await?;
        Ok(entries
            .into_iter()
            .map(|e| Payment {
                id: id(e.id),
                at: e.created_at,
                method: if e.kind == EntryKind::OrderPayment { PaymentMethod::Wallet } else { PaymentMethod::Manual },
                amount: amounts.get(&e.id).copied().unwrap_or_default(),
            })
            .collect())
    }
    /// Refunds of the order, oldest first.
    async fn refunds(&self, ctx: &Context<'_>) -> Result<Vec<billing::Refund>> {
        let request = ctx.request();
        let refunds = billing::service::refunds::for_order(&request.db, self.0.tenant_id, self.0.id).await?;
        Ok(refunds.into_iter().map(billing::Refund::from).collect())
    }
    /// What the viewer may do with the order now.
    async fn available_actions(&self, ctx: &Context<'_>) -> Result<Vec<OrderAction>> {
        let request = ctx.request();
        let Some(viewer) = &request.viewer else { return Ok(Vec::new()) };
        let settings = ctx.data_unchecked::<DataLoader<SettingsLoader>>().load_one(self.0.tenant_id).await?;
        let days = settings.map_or(0, |s| s.free_revision_days);
        Ok(lifecycle::available_actions(&self.0, viewer, request.now(), days))
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    /// From the client's wallet.
    Wallet,
    /// Paid outside the platform and recorded by staff (`MARK_PAID`).
    Manual,
}

#[derive(SimpleObject)]
pub struct Payment {
    pub id: ID,
    pub at: DateTime<Utc>,
    pub method: PaymentMethod,
    pub amount: Money,
}

pub struct TimelineEvent(pub order_event::Model, pub Option<Arc<Prefetched>>);

#[Object]
impl TimelineEvent {
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// `PLACED`, or the action taken (`MARK_PAID`, `SUBMIT`, ...).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        Prefetched::person(&self.1, ctx, self.0.actor_id).await
    }
    async fn from_status(&self) -> Option<OrderStatus> {
        self.0.from_status
    }
    async fn to_status(&self) -> Option<OrderStatus> {
        self.0.to_status
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct RevisionChangeView {
    pub section: String,
    pub description: String,
}

pub struct RevisionRequest(pub revision_request::Model);

#[Object]
impl RevisionRequest {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn status(&self) -> RevisionStatus {
        self.0.status
    }
    async fn severity(&self) -> RevisionSeverity {
        self.0.severity
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn changes(&self) -> Vec<RevisionChangeView> {
        let changes: Vec<RevisionChange> = serde_json::from_value(self.0.changes.clone()).unwrap_or_default();
        changes.into_iter().map(|c| RevisionChangeView { section: c.section, description: c.description }).collect()
    }
    async fn deadline(&self) -> DateTime<Utc> {
        self.0.deadline
    }
    /// Not completed and past its deadline.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status != RevisionStatus::Completed && ctx.request().now() > self.0.deadline
    }
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        Person::load(ctx, Some(self.0.requested_by)).await
    }
    async fn assigned_to(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        Person::load(ctx, self.0.assigned_to).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

/// The spec fields shared by drafts and presets, as ids.
#[derive(SimpleObject)]
pub struct OrderSpecFields {
    pub topic: Option<String>,
    pub paper_type_id: Option<ID>,
    pub academic_level_id: Option<ID>,
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    pub pages: Option<i32>,
    pub slides: Option<i32>,
    pub spacing: Option<Spacing>,
    pub deadline: Option<DateTime<Utc>>,
    pub extra_service_ids: Vec<ID>,
    pub writer_level_id: Option<ID>,
    pub preferred_writer_id: Option<ID>,
    pub instructions: Option<String>,
    pub citation_style_id: Option<ID>,
    pub english_type_id: Option<ID>,
    pub references: Option<i32>,
    pub tone: Option<String>,
}

impl From<crate::service::spec::OrderSpec> for OrderSpecFields {
    fn from(s: crate::service::spec::OrderSpec) -> Self {
        Self {
            topic: s.topic,
            paper_type_id: s.paper_type_id.map(id),
            academic_level_id: s.academic_level_id.map(id),
            subject_id: s.subject_id.map(id),
            work_type_id: s.work_type_id.map(id),
            pages: s.pages,
            slides: s.slides,
            spacing: s.spacing,
            deadline: s.deadline,
            extra_service_ids: s.extra_service_ids.unwrap_or_default().into_iter().map(id).collect(),
            writer_level_id: s.writer_level_id.map(id),
            preferred_writer_id: s.preferred_writer_id.map(id),
            instructions: s.instructions,
            citation_style_id: s.citation_style_id.map(id),
            english_type_id: s.english_type_id.map(id),
            references: s.references,
            tone: s.tone,
        }
    }
}

pub struct OrderDraft(pub order_draft::Model);

#[Object]
impl OrderDraft {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn fields(&self) -> OrderSpecFields {
        drafts::spec_of(&self.0).into()
    }
    /// The fields still needed before it can become an order.
    async fn missing_fields(&self) -> Vec<&'static str> {
        drafts::spec_of(&self.0).missing_fields()
    }
    /// The price if it were placed now; null until the draft has the fields a price needs.
    async fn estimated_price(&self, ctx: &Context<'_>) -> Option<Money> {
        let request = ctx.request();
        let tenant = request.tenant.as_ref()?;
        let spec = drafts::spec_of(&self.0);
        crate::service::spec::estimate(
            &request.db,
            tenant,
            &super::toggles(ctx),
            &spec,
            Some(self.0.client_id),
            request.now(),
        )
        .await
        .ok()
        .map(|p| p.quote.total)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn last_viewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_viewed_at
    }
}

pub struct OrderPreset(pub order_preset::Model);

#[Object]
impl OrderPreset {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn is_default(&self) -> bool {
        self.0.is_default
    }
    async fn usage_count(&self) -> i32 {
        self.0.usage_count
    }
    async fn fields(&self) -> OrderSpecFields {
        presets::spec_of(&self.0).into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
