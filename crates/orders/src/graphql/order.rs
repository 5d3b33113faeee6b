use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object, Result, SelectionField, SimpleObject};
use billing::loaders::{OrderPaymentsLoader, OrderRefundsLoader};
use billing::service::order_money::{OrderPayment, PaymentMethod};
use billing::service::refunds::RefundRecord;
use identity::Person;
use kernel::{
    AppError, CLIENT_MONEY_READERS, ContextExt, Inline, Money, RoleGuard, Timestamp, WRITER_PAY_READERS, WaitsOnIo,
};
use sea_orm::Iterable;
use uuid::Uuid;

use super::catalog::CatalogEntry;
use super::quote::QuoteLine;
use super::revisions::RevisionRequest;
use super::timeline::TimelineEvent;
use crate::entity::order::{self, OrderStatus, PaymentStatus, Spacing};
use crate::entity::{order_line, pricing_settings};
use crate::loaders::{
    CatalogEntryLoader, OrderEventsLoader, OrderLinesLoader, RevisionsLoader, SettingsLoader, TimelineEntry,
};
use crate::service::lifecycle::{self, OrderAction};

const CLIENT_MONEY: RoleGuard = RoleGuard::new(CLIENT_MONEY_READERS);
const WRITER_PAY: RoleGuard = RoleGuard::new(WRITER_PAY_READERS);

pub fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

/// Rows a list resolver loaded for a whole page at once (set-based, from the query's
/// look-ahead), so its nodes need no per-node loading: one statement per relation, whatever the
/// page size and however the runtime schedules the nodes. (A DataLoader batches what arrives
/// within a millisecond; a page of more than 30 nodes is polled in turns, and a busy machine can
/// split its batch.) What was not prefetched, nodes load through the request's DataLoaders.
#[derive(Default)]
pub struct Prefetched {
    pub events: Option<HashMap<Uuid, Vec<TimelineEntry>>>,
    pub people: Option<HashMap<Uuid, Person>>,
    pub lines: Option<HashMap<Uuid, Vec<order_line::Model>>>,
    pub payments: Option<HashMap<Uuid, Vec<OrderPayment>>>,
    pub refunds: Option<HashMap<Uuid, Vec<RefundRecord>>>,
    pub settings: Option<Option<pricing_settings::Model>>,
}

/// The order's rows of one relation: from its page's prefetch when there was one, else through
/// the loader `L`.
async fn rows_of<L, T>(ctx: &Context<'_>, prefetched: Option<&HashMap<Uuid, Vec<T>>>, order: Uuid) -> Result<Vec<T>>
where
    L: Loader<Uuid, Value = Vec<T>, Error = AppError>,
    T: Clone + Send + Sync + 'static,
{
    match prefetched {
        Some(page) => Ok(page.get(&order).cloned().unwrap_or_default()),
        None => Ok(ctx.data_unchecked::<DataLoader<L>>().load_one(order).await?.unwrap_or_default()),
    }
}

impl Prefetched {
    /// The person, from the prefetched set when there is one, else through the loader.
    pub async fn person(
        this: &Option<Arc<Prefetched>>,
        ctx: &Context<'_>,
        id: Option<Uuid>,
    ) -> Result<Option<Inline<Person>>> {
        match this.as_ref().and_then(|p| p.people.as_ref()) {
            Some(people) => Ok(id.and_then(|id| people.get(&id).cloned().map(Inline))),
            None => Person::load(ctx, id).await,
        }
    }
}

/// An order, as the viewer may see it (with what its list prefetched, if anything).
///
/// Who reads which field (the order itself is visible to its client, its assigned writer,
/// support and admins; see `service::access::visible_to`):
/// - the work (topic, sizes, deadlines, catalogue choices, instructions, people, timeline,
///   revisions, available actions): everyone who sees the order;
/// - the client's money (`total`, `paymentStatus`, `lines`, `payments`, `refunds`, and refund
///   events in the `timeline`): [`CLIENT_MONEY_READERS`], so never a writer or editor;
/// - the writer's pay (`writerCompensation`): [`WRITER_PAY_READERS`], so never the client.
///
/// Guarded fields are nullable: a denied one answers `FORBIDDEN` and null, the rest of the order
/// still arrives. The per-role field matrix test (`tests/tests/access/field_access.rs`) lists every
/// field and fails when a new one is missing from it.
pub struct Order(pub order::Model, pub Option<Arc<Prefetched>>);

impl Order {
    /// One relation of what this order's page prefetched, if it did.
    fn page<T>(&self, pick: impl Fn(&Prefetched) -> Option<&T>) -> Option<&T> {
        self.1.as_deref().and_then(pick)
    }
}

impl Order {
    pub fn new(model: order::Model) -> Self {
        Order(model, None)
    }
}

impl From<crate::service::actions::HandedOver> for Order {
    fn from(handed: crate::service::actions::HandedOver) -> Self {
        Order::new(handed.0)
    }
}

/// A list page resolves its orders inline (see [`Inline`]) when at most one asked field waits:
/// what its page prefetched is at hand; the catalogue entries, revisions, and what was not
/// prefetched load.
impl WaitsOnIo for Order {
    fn waits_on_io(&self, field: &str) -> bool {
        let page = self.1.as_deref();
        let missing = |has: fn(&Prefetched) -> bool| !page.is_some_and(has);
        match field {
            "paperType" | "academicLevel" | "subject" | "workType" | "writerLevel" | "citationStyle"
            | "englishType" | "extraServices" | "revisions" | "files" => true,
            "client" | "writer" | "preferredWriter" => missing(|p| p.people.is_some()),
            "timeline" => missing(|p| p.events.is_some()),
            "lines" => missing(|p| p.lines.is_some()),
            "payments" => missing(|p| p.payments.is_some()),
            "refunds" => missing(|p| p.refunds.is_some()),
            "availableActions" => missing(|p| p.settings.is_some()),
            _ => false,
        }
    }
}

/// The columns each field of `Order` reads, so that a list page selects only what its query asks
/// for (`&[]`: none beyond those every projection has). `None`, and any field not listed, reads
/// the whole row: safe, only slower. A new field that reads a column must be listed with it;
/// the projection test (`tests/tests/access/projection.rs`) asks for every field alone and compares
/// the answer with the one from whole rows.
fn columns_of(field: &str) -> Option<&'static [order::Column]> {
    use order::Column as C;
    Some(match field {
        "__typename" | "id" | "status" | "lines" | "timeline" | "revisions" | "payments" | "refunds" | "files" => &[],
        "topic" => &[C::Topic],
        "paymentStatus" => &[C::PaymentStatus],
        "total" => &[C::TotalMinor],
        "currency" => &[C::Currency],
        "pages" => &[C::Pages],
        "slides" => &[C::Slides],
        "spacing" => &[C::Spacing],
        "deadline" => &[C::Deadline],
        "writerDeadline" => &[C::WriterDeadline],
        "writerCompensation" => &[C::WriterCompensationMinor],
        "forfeited" => &[C::ForfeitedMinor],
        "writerCancellationShare" => &[C::WriterForfeitMinor],
        "tip" => &[C::TipMinor],
        "writerTip" => &[C::TipWriterMinor],
        "instructions" => &[C::Instructions],
        "references" => &[C::ReferenceCount],
        "tone" => &[C::Tone],
        "placedAt" => &[C::PlacedAt],
        "updatedAt" => &[C::UpdatedAt],
        "completedAt" => &[C::CompletedAt],
        "isLate" => &[C::Deadline],
        "client" => &[C::ClientId],
        "writer" => &[C::WriterId],
        "preferredWriter" => &[C::PreferredWriterId],
        "paperType" => &[C::PaperTypeId],
        "academicLevel" => &[C::AcademicLevelId],
        "subject" => &[C::SubjectId],
        "workType" => &[C::WorkTypeId],
        "writerLevel" => &[C::WriterLevelId],
        "citationStyle" => &[C::CitationStyleId],
        "englishType" => &[C::EnglishTypeId],
        "extraServices" => &[C::ExtraServiceIds],
        // the lifecycle rules read much of the order
        _ => return None,
    })
}

/// The columns a page of orders reads for its nodes' selections: the id, tenant and status
/// always (the cursor, the loaders and the access rules use them), then each asked field's.
pub fn projection<'a>(nodes: impl IntoIterator<Item = SelectionField<'a>>) -> Vec<order::Column> {
    use order::Column as C;
    let mut columns = vec![C::Id, C::TenantId, C::Status];
    for node in nodes {
        for field in node.selection_set() {
            let Some(needed) = columns_of(field.name()) else { return order::Column::iter().collect() };
            for column in needed {
                if !columns.iter().any(|c| *c as usize == *column as usize) {
                    columns.push(*column);
                }
            }
        }
    }
    columns
}

async fn entry(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<CatalogEntry>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx.data_unchecked::<DataLoader<CatalogEntryLoader>>().load_one(id).await?.map(CatalogEntry))
}

#[derive(SimpleObject)]
pub struct Payment {
    pub id: ID,
    pub at: Timestamp,
    pub method: PaymentMethod,
    pub amount: Money,
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
    #[graphql(guard = "CLIENT_MONEY")]
    async fn payment_status(&self) -> Option<PaymentStatus> {
        Some(self.0.payment_status)
    }
    /// The price, as frozen at placement.
    #[graphql(guard = "CLIENT_MONEY")]
    async fn total(&self) -> Option<Money> {
        Some(Money(self.0.total_minor))
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
    async fn deadline(&self) -> Timestamp {
        self.0.deadline.into()
    }
    /// When the writer must deliver: a share of the time to the client's deadline.
    async fn writer_deadline(&self) -> Timestamp {
        self.0.writer_deadline.into()
    }
    /// The writer's pay for the order (not shown to clients).
    #[graphql(guard = "WRITER_PAY")]
    async fn writer_compensation(&self) -> Option<Money> {
        Some(Money(self.0.writer_compensation_minor))
    }
    /// What the order's cancellation kept of the payment (the client got the rest back).
    #[graphql(guard = "CLIENT_MONEY")]
    async fn forfeited(&self) -> Option<Money> {
        Some(Money(self.0.forfeited_minor))
    }
    /// The writer's share of what the cancellation kept, for the time they had worked on it.
    #[graphql(guard = "WRITER_PAY")]
    async fn writer_cancellation_share(&self) -> Option<Money> {
        Some(Money(self.0.writer_forfeit_minor))
    }
    /// The client's tip for the writer (`tipWriterFromWallet`).
    #[graphql(guard = "CLIENT_MONEY")]
    async fn tip(&self) -> Option<Money> {
        Some(Money(self.0.tip_minor))
    }
    /// The writer's part of the client's tip.
    #[graphql(guard = "WRITER_PAY")]
    async fn writer_tip(&self) -> Option<Money> {
        Some(Money(self.0.tip_writer_minor))
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
    async fn placed_at(&self) -> Timestamp {
        self.0.placed_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    async fn completed_at(&self) -> Option<Timestamp> {
        self.0.completed_at.map(Into::into)
    }
    /// The deadline has passed and the work is not submitted.
    async fn is_late(&self, ctx: &Context<'_>) -> bool {
        lifecycle::is_late(&self.0, ctx.request().now())
    }
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
        Prefetched::person(&self.1, ctx, Some(self.0.client_id)).await
    }
    async fn writer(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
        Prefetched::person(&self.1, ctx, self.0.writer_id).await
    }
    async fn preferred_writer(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
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
        let ids = &self.0.extra_service_ids.0;
        let found = ctx.data_unchecked::<DataLoader<CatalogEntryLoader>>().load_many(ids.iter().copied()).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).map(CatalogEntry).collect())
    }
    /// The priced lines, frozen at placement; they sum to `total`.
    #[graphql(guard = "CLIENT_MONEY")]
    async fn lines(&self, ctx: &Context<'_>) -> Result<Option<Vec<QuoteLine>>> {
        let lines = rows_of::<OrderLinesLoader, _>(ctx, self.page(|p| p.lines.as_ref()), self.0.id).await?;
        Ok(Some(
            lines
                .into_iter()
                .map(|l: order_line::Model| QuoteLine { code: l.code, label: l.label, amount: Money(l.amount_minor) })
                .collect(),
        ))
    }
    /// Everything that happened to the order, oldest first. Refund events (which name amounts)
    /// only for those who may read the client's money; editors' steps not for the client.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<Inline<TimelineEvent>>> {
        let events = rows_of::<OrderEventsLoader, _>(ctx, self.page(|p| p.events.as_ref()), self.0.id).await?;
        let role = ctx.request().viewer.as_ref().map(|v| v.role);
        Ok(events
            .into_iter()
            .filter(|e| lifecycle::shown_to(&e.kind, role))
            .map(|e| Inline(TimelineEvent(e, self.1.clone())))
            .collect())
    }
    /// Revision requests, oldest first.
    /// Its files: instructions, and the work as delivered (a version per submission), oldest
    /// first; `kind` keeps one kind, `versions: LATEST` the newest delivery only.
    async fn files(
        &self,
        ctx: &Context<'_>,
        kind: Option<crate::entity::order_file::OrderFileKind>,
        versions: Option<super::files::FileVersionFilter>,
    ) -> Result<Vec<super::files::OrderFile>> {
        super::files::of_order(ctx, self.0.id, kind, versions).await
    }
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<RevisionRequest>> {
        let revisions =
            ctx.data_unchecked::<DataLoader<RevisionsLoader>>().load_one(self.0.id).await?.unwrap_or_default();
        Ok(revisions.into_iter().map(RevisionRequest).collect())
    }
    /// Money received for the order (from the wallet, or recorded by staff), oldest first.
    #[graphql(guard = "CLIENT_MONEY")]
    async fn payments(&self, ctx: &Context<'_>) -> Result<Option<Vec<Payment>>> {
        let payments = rows_of::<OrderPaymentsLoader, _>(ctx, self.page(|p| p.payments.as_ref()), self.0.id).await?;
        Ok(Some(
            payments
                .into_iter()
                .map(|p| Payment { id: id(p.id), at: p.at.into(), method: p.method, amount: p.amount })
                .collect(),
        ))
    }
    /// Refunds of the order, oldest first.
    #[graphql(guard = "CLIENT_MONEY")]
    async fn refunds(&self, ctx: &Context<'_>) -> Result<Option<Vec<billing::Refund>>> {
        let refunds = rows_of::<OrderRefundsLoader, _>(ctx, self.page(|p| p.refunds.as_ref()), self.0.id).await?;
        Ok(Some(refunds.into_iter().map(billing::Refund::from).collect()))
    }
    /// What the viewer may do with the order now.
    async fn available_actions(&self, ctx: &Context<'_>) -> Result<Vec<OrderAction>> {
        let request = ctx.request();
        let Some(viewer) = &request.viewer else { return Ok(Vec::new()) };
        let settings = match self.1.as_ref().and_then(|p| p.settings.clone()) {
            Some(prefetched) => prefetched,
            None => ctx.data_unchecked::<DataLoader<SettingsLoader>>().load_one(self.0.tenant_id).await?,
        };
        let days = settings.map_or(0, |s| s.free_revision_days);
        Ok(lifecycle::available_actions(&self.0, viewer, request.now(), days, &request.tenant()?.features))
    }
}
