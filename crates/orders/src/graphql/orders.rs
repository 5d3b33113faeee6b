use async_graphql::{Context, ID, Object, Result};
use kernel::db::begin_write;
use kernel::idempotency::{self, input_hash};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, parse_id};
use uuid::Uuid;

use super::inputs::{OrderFilter, OrderSpecInput, RevisionRequestInput};
use super::types::{Order, Prefetched, RevisionRequest};
use crate::entity::order;
use crate::loaders::OrderEventsLoader;
use crate::service::lifecycle::OrderAction;
use crate::service::orders;
use async_graphql::dataloader::{DataLoader, Loader};
use identity::Person;
use std::sync::Arc;

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// An order the viewer may see (clients their own, writers those assigned to them,
    /// support and admins all of the tenant's); anything else is `NOT_FOUND`.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(Order::new(orders::find_visible(&request.db, request, id).await?))
    }

    /// The orders the viewer may see, newest first.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Order>> {
        let request = ctx.request();
        let page = PageArgs::parse(first, after)?;
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let paged = orders::list(&request.db, request, filter.unwrap_or_default().into(), page, with_total).await?;
        let prefetched = prefetch(ctx, &paged.items).await?;
        Ok(paged.into_connection(|o| o.id, |o| Order(o, prefetched.clone())))
    }
}

/// Loads, for a whole page and only as far as the query asks, the orders' timelines and the
/// people they name (clients, writers, actors): one statement each, whatever the page size.
async fn prefetch(ctx: &Context<'_>, page: &[order::Model]) -> Result<Option<Arc<Prefetched>>> {
    let node = ctx.look_ahead().field("edges").field("node");
    let timeline = node.field("timeline");
    let mut prefetched = Prefetched::default();
    if timeline.exists() {
        let ids: Vec<Uuid> = page.iter().map(|o| o.id).collect();
        prefetched.events = Some(ctx.data_unchecked::<DataLoader<OrderEventsLoader>>().loader().load(&ids).await?);
    }
    let mut people: Vec<Uuid> = Vec::new();
    let mut wants_people = false;
    for (field, pick) in [
        ("client", (|o: &order::Model| Some(o.client_id)) as fn(&order::Model) -> Option<Uuid>),
        ("writer", |o| o.writer_id),
        ("preferredWriter", |o| o.preferred_writer_id),
    ] {
        if node.field(field).exists() {
            wants_people = true;
            people.extend(page.iter().filter_map(pick));
        }
    }
    if timeline.field("actor").exists() {
        wants_people = true;
        people.extend(prefetched.events.iter().flat_map(|all| all.values().flatten().filter_map(|e| e.actor_id)));
    }
    if wants_people {
        people.sort_unstable();
        people.dedup();
        prefetched.people = Some(Person::load_all(ctx, people).await?);
    }
    Ok(Some(Arc::new(prefetched)))
}

#[derive(Default)]
pub struct OrderMutation;

#[derive(async_graphql::InputObject)]
pub struct RefundInput {
    /// More than zero, at most what was paid and not yet refunded.
    pub amount: kernel::Money,
    pub destination: billing::entity::refund::RefundDestination,
    pub reason: String,
}

/// Loads an order by the id an idempotent mutation stored.
async fn reload(ctx: &Context<'_>, id: Uuid) -> Result<Order> {
    let request = ctx.request();
    Ok(Order::new(orders::find_visible(&request.db, request, id).await?))
}

#[Object]
impl OrderMutation {
    /// Places an order (clients). It starts UNPAID with its price lines frozen. A replayed
    /// `idempotencyKey` returns the first order; the same key with another input is `CONFLICT`.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: OrderSpecInput,
        idempotency_key: Option<String>,
    ) -> Result<Order> {
        let request = ctx.request();
        let spec = input.to_spec()?;
        let toggles = super::toggles(ctx);
        let id: Uuid =
            idempotency::run(request, "placeOrder", idempotency_key.as_deref(), input_hash(&input), async |txn| {
                Ok(orders::place(txn, request, &toggles, &spec).await?.id)
            })
            .await?;
        reload(ctx, id).await
    }

    /// Pays an UNPAID order from the client's wallet: it becomes AVAILABLE and PAID. Not enough
    /// money is `BAD_USER_INPUT` with `extensions.reason = "INSUFFICIENT_FUNDS"`, and nothing
    /// changes. Idempotent with `idempotencyKey`.
    async fn pay_order_from_wallet(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        idempotency_key: Option<String>,
    ) -> Result<Order> {
        billing::require_wallets(ctx)?;
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let paid: Uuid =
            idempotency::run(request, "payOrderFromWallet", idempotency_key.as_deref(), input_hash(&id), async |txn| {
                Ok(orders::pay_from_wallet(txn, request, id).await?.id)
            })
            .await?;
        reload(ctx, paid).await
    }

    /// Refunds part or all of what was paid (admins), to the client's wallet or externally. Never
    /// more than was paid; a full refund cancels an unfinished order and takes back the
    /// writer's earnings. Idempotent with `idempotencyKey`.
    async fn refund_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: RefundInput,
        idempotency_key: Option<String>,
    ) -> Result<billing::Refund> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let hash = input_hash(&(id, input.amount.0, input.destination, &input.reason));
        let refund: billing::entity::refund::Model = {
            let refund_id: Uuid =
                idempotency::run(request, "refundOrder", idempotency_key.as_deref(), hash, async |txn| {
                    Ok(orders::refund(txn, request, id, input.amount, input.destination, &input.reason).await?.id)
                })
                .await?;
            billing::service::refunds::for_order(&request.db, request.tenant()?.id, id)
                .await?
                .into_iter()
                .find(|r| r.id == refund_id)
                .ok_or_else(|| kernel::AppError::not_found("refund"))?
        };
        Ok(refund.into())
    }

    /// Takes a plain lifecycle action (see `Order.availableActions`). ASSIGN_WRITER and
    /// REQUEST_REVISION take input: use `assignWriter` and `requestRevision`.
    async fn perform_order_action(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        action: OrderAction,
        note: Option<String>,
    ) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let txn = begin_write(&request.db).await?;
        let order = orders::perform(&txn, request, id, action, note).await?;
        txn.commit().await?;
        Ok(Order::new(order))
    }

    /// Offers an AVAILABLE order to a writer, who accepts or declines (admins).
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
        let txn = begin_write(&request.db).await?;
        let order = orders::assign_writer(&txn, request, id, writer, note).await?;
        txn.commit().await?;
        Ok(Order::new(order))
    }

    /// Asks for a revision of a submitted order, or of a completed one within the free-revision
    /// window (the client, support, admins).
    async fn request_revision(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: RevisionRequestInput,
    ) -> Result<RevisionRequest> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let txn = begin_write(&request.db).await?;
        let revision = orders::request_revision(&txn, request, id, input.into()).await?;
        txn.commit().await?;
        Ok(RevisionRequest(revision))
    }
}
