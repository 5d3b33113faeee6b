//! Getting work: the pool as a writer sees it, recommendations, taking, offering, and requests.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Lookahead, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Inline, Money, PageArgs, Paged, RoleGuard, Timestamp, WaitsOnIo, parse_id, write};
use orders::graphql::{CatalogEntry, Order, catalog_entries};

use crate::entity::writer_order_request::{Model as OrderRequestRow, RequestStatus};
use crate::service::pool::{self, Offered, WorkFilter};
use crate::service::{requests, work};

use super::{ADMINS, WRITERS};

/// Who reads order requests: a writer their own, admins the site's.
const REQUEST_READERS: RoleGuard =
    RoleGuard::new(&[kernel::Role::Writer, kernel::Role::Admin, kernel::Role::Superadmin]);

/// An order a writer could get, as writers are shown it: the work, its deadline and their pay —
/// never the client or what the client pays. A page has its catalogue entries at hand (one
/// batch), so its orders resolve inline.
pub struct AvailableOrder(Offered, Arc<Entries>);

type Entries = HashMap<uuid::Uuid, CatalogEntry>;

impl WaitsOnIo for AvailableOrder {}

/// The orders with the catalogue entries their selection asks for, read in one batch.
async fn with_entries(ctx: &Context<'_>, offered: Vec<Offered>, node: Lookahead<'_>) -> Result<Vec<AvailableOrder>> {
    let wanted = ["paperType", "academicLevel", "subject", "workType"].iter().any(|f| node.field(f).exists());
    let entries = if wanted {
        let ids = offered
            .iter()
            .flat_map(|o| [o.order.paper_type_id, o.order.academic_level_id, o.order.subject_id, o.order.work_type_id]);
        catalog_entries(ctx, ids.collect::<HashSet<_>>()).await?
    } else {
        HashMap::new()
    };
    let entries = Arc::new(entries);
    Ok(offered.into_iter().map(|o| AvailableOrder(o, entries.clone())).collect())
}

impl AvailableOrder {
    fn entry(&self, id: uuid::Uuid) -> Option<CatalogEntry> {
        self.1.get(&id).cloned()
    }
}

#[Object]
impl AvailableOrder {
    async fn id(&self) -> ID {
        ID(self.0.order.id.to_string())
    }
    async fn topic(&self) -> &str {
        &self.0.order.topic
    }
    async fn paper_type(&self) -> Option<CatalogEntry> {
        self.entry(self.0.order.paper_type_id)
    }
    async fn academic_level(&self) -> Option<CatalogEntry> {
        self.entry(self.0.order.academic_level_id)
    }
    async fn subject(&self) -> Option<CatalogEntry> {
        self.entry(self.0.order.subject_id)
    }
    async fn work_type(&self) -> Option<CatalogEntry> {
        self.entry(self.0.order.work_type_id)
    }
    async fn pages(&self) -> i32 {
        self.0.order.pages
    }
    async fn slides(&self) -> i32 {
        self.0.order.slides
    }
    /// When the writer must submit it.
    async fn writer_deadline(&self) -> Timestamp {
        self.0.order.writer_deadline.into()
    }
    async fn instructions(&self) -> Option<&str> {
        self.0.order.instructions.as_deref()
    }
    /// What the viewer would earn for it, by their level's pay mode.
    async fn pay(&self) -> Money {
        Money(self.0.pay_minor)
    }
}

/// An order of the pool ranked for the viewer (the list reads its catalogue entries in one
/// batch, as a page of the pool does).
pub struct RecommendedOrder(AvailableOrder);

#[Object]
impl RecommendedOrder {
    async fn order(&self) -> AvailableOrder {
        AvailableOrder(self.0.0.clone(), self.0.1.clone())
    }
    /// Higher fits better.
    async fn fit(&self) -> i32 {
        self.0.0.fit
    }
    /// Why: PREFERRED_SUBJECT, PREFERRED_WORK_TYPE, DONE_BEFORE, TIME_ENOUGH or TIGHT_DEADLINE.
    async fn reasons(&self) -> Vec<&'static str> {
        self.0.0.reasons.clone()
    }
}

/// A writer's request for an order of the pool.
#[derive(SimpleObject)]
pub struct OrderRequest {
    pub id: ID,
    pub order_id: ID,
    pub writer_id: ID,
    pub note: String,
    pub status: RequestStatus,
    /// Why it was rejected, or what ended it.
    pub reason: Option<String>,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

impl From<OrderRequestRow> for OrderRequest {
    fn from(r: OrderRequestRow) -> Self {
        OrderRequest {
            id: ID(r.id.to_string()),
            order_id: ID(r.order_id.to_string()),
            writer_id: ID(r.writer_id.to_string()),
            note: r.note,
            status: r.status,
            reason: r.reason,
            created_at: r.created_at.into(),
            decided_at: r.decided_at.map(Into::into),
        }
    }
}

/// An approved request and the order it gave the writer.
#[derive(SimpleObject)]
pub struct ApprovedOrderRequest {
    pub request: OrderRequest,
    pub order: Order,
}

#[derive(InputObject, Default)]
pub struct AvailableOrdersFilter {
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    pub academic_level_id: Option<ID>,
    pub pages_min: Option<i32>,
    pub pages_max: Option<i32>,
    /// Only orders whose writer's deadline is before this.
    pub deadline_before: Option<Timestamp>,
}

async fn request_page(
    ctx: &Context<'_>,
    status: Option<RequestStatus>,
    order: Option<ID>,
    writer: Option<ID>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<IdConnection<OrderRequest>> {
    let request = ctx.request();
    let page = PageArgs::of_field(ctx, first, after)?;
    let order = order.map(|id| parse_id("orderId", &id)).transpose()?;
    let writer = writer.map(|id| parse_id("writerId", &id)).transpose()?;
    let paged = requests::list(&request.db, request, status, order, writer, page).await?;
    Ok(paged.into_connection(|r| r.id, OrderRequest::from))
}

#[derive(Default)]
pub struct WorkQuery;

#[Object]
impl WorkQuery {
    /// The orders of the pool the viewer (a writer) could get: within their level's pages and
    /// their subjects, the soonest writer's deadline first.
    #[graphql(guard = "WRITERS")]
    async fn available_orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<AvailableOrdersFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Inline<AvailableOrder>>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let id = |field: &str, id: Option<ID>| id.map(|id| parse_id(field, &id)).transpose();
        let filter = WorkFilter {
            subject: id("filter.subjectId", f.subject_id)?,
            work_type: id("filter.workTypeId", f.work_type_id)?,
            academic_level: id("filter.academicLevelId", f.academic_level_id)?,
            pages_min: f.pages_min,
            pages_max: f.pages_max,
            deadline_before: f.deadline_before.map(Into::into),
        };
        let mut paged = pool::available(&request.db, request, filter, page).await?;
        let look = ctx.look_ahead();
        let node = look.field("edges").field("node");
        let node = if node.exists() { node } else { look.field("nodes") };
        let orders = with_entries(ctx, std::mem::take(&mut paged.items), node).await?;
        let paged =
            Paged { items: orders, total: paged.total, has_previous: paged.has_previous, has_next: paged.has_next };
        Ok(paged.into_connection(|o| o.0.order.id, Inline))
    }

    /// The orders of the pool that fit the viewer (a writer) best (at most `first`, 1 to 50).
    #[graphql(guard = "WRITERS")]
    async fn recommended_orders(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<RecommendedOrder>> {
        let first = first.unwrap_or(10);
        if !(1..=50).contains(&first) {
            return Err(kernel::AppError::bad_input("first", "first must be between 1 and 50").into());
        }
        let request = ctx.request();
        let ranked = pool::recommended(&request.db, request, first as usize).await?;
        let node = ctx.look_ahead().field("order");
        Ok(with_entries(ctx, ranked, node).await?.into_iter().map(RecommendedOrder).collect())
    }

    /// Order requests, newest first: a writer's own; admins the site's, optionally for one order
    /// or one writer.
    #[graphql(guard = "REQUEST_READERS")]
    async fn order_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<RequestStatus>,
        order_id: Option<ID>,
        writer_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<OrderRequest>> {
        request_page(ctx, status, order_id, writer_id, first, after).await
    }
}

/// The workforce's part of `viewer`.
#[derive(Default)]
pub struct ViewerPart;

#[Object(name = "WritersViewerPart")]
impl ViewerPart {
    /// A writer's own requests for orders, newest first.
    #[graphql(guard = "WRITERS")]
    async fn order_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<RequestStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<OrderRequest>> {
        request_page(ctx, status, None, None, first, after).await
    }
}

#[derive(Default)]
pub struct WorkSubscription;

#[async_graphql::Subscription]
impl WorkSubscription {
    /// Each change of the viewer's (a writer's) requests for orders as it commits (approved,
    /// rejected, expired, withdrawn), over `/graphql/ws`; a session that ends ends it.
    #[graphql(guard = "WRITERS")]
    async fn order_request_updated(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl futures::Stream<Item = Result<OrderRequest>> + use<>> {
        use futures::StreamExt;
        use kernel::live::{self, LiveConnection, Topic};
        let request = ctx.request();
        let writer = request.viewer()?.user_id;
        let connection = ctx
            .data::<LiveConnection>()
            .map_err(|_| kernel::AppError::bad_input("query", "subscriptions are served at /graphql/ws"))?;
        let events = live::events(connection, request, Topic::OrderRequests(writer)).await?;
        Ok(events.filter_map(|item| async move {
            let found = match item {
                Ok((request, event)) => requests::own(&request.db, &request, event.item).await,
                Err(e) => Err(e),
            };
            match found {
                Ok(found) => found.map(|r| Ok(OrderRequest::from(r))),
                Err(e) => Some(Err(e.into())),
            }
        }))
    }
}

#[derive(Default)]
pub struct WorkMutation;

#[Object]
impl WorkMutation {
    /// The viewer (a writer) takes an order: the one waiting for them as its preferred writer,
    /// or one of the pool where the site allows direct takes and their level may. Passes the
    /// gate (`CONFLICT` with a reason when it does not).
    #[graphql(guard = "WRITERS")]
    async fn take_order(&self, ctx: &Context<'_>, order_id: ID) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        Ok(write(request, async |txn| work::take(txn, request, id).await).await?.into())
    }

    /// Offers an order of the pool to a writer (admins), who accepts or declines within the
    /// acceptance window; a writer who auto-accepts gets a matching order at once. Passes the
    /// gate.
    #[graphql(guard = "ADMINS")]
    async fn assign_writer(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        writer_id: ID,
        note: Option<String>,
    ) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let writer = parse_id("writerId", &writer_id)?;
        Ok(write(request, async |txn| work::offer(txn, request, id, writer, note).await).await?.into())
    }

    /// The viewer (a writer) asks for an order of the pool.
    #[graphql(guard = "WRITERS")]
    async fn request_order(&self, ctx: &Context<'_>, order_id: ID, note: Option<String>) -> Result<OrderRequest> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let note = note.unwrap_or_default();
        Ok(write(request, async |txn| requests::request(txn, request, id, &note).await).await?.into())
    }

    /// Approves a pending request (admins): the order becomes the writer's, through the gate.
    #[graphql(guard = "ADMINS")]
    async fn approve_order_request(&self, ctx: &Context<'_>, id: ID) -> Result<ApprovedOrderRequest> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let (approved, handed) = write(request, async |txn| requests::approve(txn, request, id).await).await?;
        Ok(ApprovedOrderRequest { request: approved.into(), order: handed.into() })
    }

    /// Rejects a pending request, saying why (admins).
    #[graphql(guard = "ADMINS")]
    async fn reject_order_request(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<OrderRequest> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(write(request, async |txn| requests::reject(txn, request, id, &reason).await).await?.into())
    }

    /// The viewer (a writer) takes back one of their pending requests.
    #[graphql(guard = "WRITERS")]
    async fn withdraw_order_request(&self, ctx: &Context<'_>, id: ID) -> Result<OrderRequest> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(write(request, async |txn| requests::withdraw(txn, request, id).await).await?.into())
    }
}
