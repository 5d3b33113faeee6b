use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, InputObject, Lookahead, Object, Result};
use billing::loaders::{OrderPaymentsLoader, OrderRefundsLoader};
use billing::service::refunds::RefundDestination;
use identity::Person;
use kernel::pagination::IdConnection;
use kernel::{CLIENT_MONEY_READERS, ContextExt, Inline, Money, Once, PageArgs, Timestamp, parse_id, write, write_once};
use serde::Serialize;
use uuid::Uuid;

use super::order::{Order, Prefetched, projection};
use crate::entity::order::{self, OrderStatus};
use crate::loaders::{OrderEventsLoader, OrderLinesLoader, SettingsLoader};
use crate::service::lifecycle::OrderAction;
use crate::service::spec::OrderSpec;
use crate::service::{access, actions, listing, placing, refunds};

#[derive(InputObject, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Words of the topic (case-insensitive).
    pub search: Option<String>,
    pub placed_from: Option<Timestamp>,
    pub placed_to: Option<Timestamp>,
}

impl From<OrderFilter> for listing::OrderFilter {
    fn from(f: OrderFilter) -> Self {
        Self {
            status: f.status,
            search: f.search,
            placed_from: f.placed_from.map(Into::into),
            placed_to: f.placed_to.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// An order the viewer may see (clients their own, writers those assigned to them,
    /// support and admins all of the tenant's); anything else is `NOT_FOUND`.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(Order::new(access::find_visible(&request.db, request, id).await?))
    }

    /// The orders the viewer may see, newest first.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Inline<Order>>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let look_ahead = ctx.look_ahead();
        let nodes = [look_ahead.field("edges").field("node"), look_ahead.field("nodes")];
        let columns = projection(nodes.iter().flat_map(|n| n.selection_fields()));
        let paged = listing::list(&request.db, request, filter.unwrap_or_default().into(), page, &columns).await?;
        let prefetched = prefetch(ctx, &nodes, &paged.items).await?;
        Ok(paged.into_connection(|o| o.id, |o| Inline(Order(o, prefetched.clone()))))
    }
}

/// Loads, for a whole page and only as far as the query asks, the orders' lines, payments,
/// refunds, timelines and the people they name (clients, writers, actors), and the pricing
/// settings their actions depend on: one statement each, whatever the page size (see
/// [`Prefetched`] for why a page does not leave this to the DataLoaders' timing).
async fn prefetch(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    page: &[order::Model],
) -> Result<Option<Arc<Prefetched>>> {
    let Some(first) = page.first() else { return Ok(None) };
    // whether the query asks for this path below its nodes (`edges { node }` or `nodes`)
    let asks = |path: &[&str]| {
        nodes.iter().any(|node| path[1..].iter().fold(node.field(path[0]), |at, name| at.field(name)).exists())
    };
    let ids: Vec<Uuid> = page.iter().map(|o| o.id).collect();
    let mut prefetched = Prefetched::default();
    if asks(&["timeline"]) {
        prefetched.events = Some(ctx.data_unchecked::<DataLoader<OrderEventsLoader>>().loader().load(&ids).await?);
    }
    if asks(&["lines"]) {
        prefetched.lines = Some(ctx.data_unchecked::<DataLoader<OrderLinesLoader>>().loader().load(&ids).await?);
    }
    // the client's money, loaded only for those who may read it (the fields' guards refuse the rest)
    let money = ctx.request().viewer.as_ref().is_some_and(|v| CLIENT_MONEY_READERS.contains(&v.role));
    if money && asks(&["payments"]) {
        prefetched.payments = Some(ctx.data_unchecked::<DataLoader<OrderPaymentsLoader>>().loader().load(&ids).await?);
    }
    if money && asks(&["refunds"]) {
        prefetched.refunds = Some(ctx.data_unchecked::<DataLoader<OrderRefundsLoader>>().loader().load(&ids).await?);
    }
    if asks(&["availableActions"]) {
        let mut settings = ctx.data_unchecked::<DataLoader<SettingsLoader>>().loader().load(&[first.tenant_id]).await?;
        prefetched.settings = Some(settings.remove(&first.tenant_id));
    }
    let mut people: Vec<Uuid> = Vec::new();
    let mut wants_people = false;
    for (field, pick) in [
        ("client", (|o: &order::Model| Some(o.client_id)) as fn(&order::Model) -> Option<Uuid>),
        ("writer", |o| o.writer_id),
        ("preferredWriter", |o| o.preferred_writer_id),
    ] {
        if asks(&[field]) {
            wants_people = true;
            people.extend(page.iter().filter_map(pick));
        }
    }
    if asks(&["timeline", "actor"]) {
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

#[derive(InputObject, Serialize)]
pub struct RefundInput {
    /// More than zero, at most what was paid and not yet refunded.
    pub amount: Money,
    /// WALLET needs the `wallet` feature.
    pub destination: RefundDestination,
    pub reason: String,
}

#[derive(Default)]
pub struct OrderMutation;

/// An order by the id an idempotent mutation answered.
async fn reload(ctx: &Context<'_>, id: Uuid) -> Result<Order> {
    let request = ctx.request();
    Ok(Order::new(access::find_visible(&request.db, request, id).await?))
}

#[Object]
impl OrderMutation {
    /// Places an order (clients). It starts UNPAID with its price lines frozen. A replayed
    /// `idempotencyKey` returns the first order; the same key with another input is `CONFLICT`.
    async fn place_order(&self, ctx: &Context<'_>, input: OrderSpec, idempotency_key: Option<String>) -> Result<Order> {
        let request = ctx.request();
        let id: Uuid = write_once(request, Once::new("placeOrder", idempotency_key.as_deref(), &input), async |txn| {
            Ok(placing::place(txn, request, &input).await?.id)
        })
        .await?;
        reload(ctx, id).await
    }

    /// Pays an UNPAID order from the client's wallet (the `wallet` feature): it becomes
    /// AVAILABLE and PAID. Not enough money is `BAD_USER_INPUT` with `extensions.reason =
    /// "INSUFFICIENT_FUNDS"`, and nothing changes. Idempotent with `idempotencyKey`.
    async fn pay_order_from_wallet(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        idempotency_key: Option<String>,
    ) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let paid: Uuid =
            write_once(request, Once::new("payOrderFromWallet", idempotency_key.as_deref(), &id), async |txn| {
                Ok(actions::pay_from_wallet(txn, request, id).await?.id)
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
        let once = Once::new("refundOrder", idempotency_key.as_deref(), &(id, &input));
        let refund = write_once(request, once, async |txn| {
            refunds::refund(txn, request, id, input.amount, input.destination, &input.reason).await
        })
        .await?;
        Ok(refund.into())
    }

    /// The client asks for money back for their paid order (`amount` none: all that is left),
    /// saying why: an admin approves or rejects the request (`refunds(filter: {status: PENDING})`).
    /// One request waits per order at a time.
    async fn request_refund(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        amount: Option<kernel::Money>,
        reason: String,
    ) -> Result<billing::Refund> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let asked =
            kernel::write(request, async |txn| refunds::request_refund(txn, request, id, amount, &reason).await)
                .await?;
        Ok(asked.into())
    }

    /// Grants a client's pending refund request as asked (admins), to the client's wallet (the
    /// default) or externally: the refund is made as `refundOrder` makes it.
    async fn approve_refund_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        destination: Option<billing::service::refunds::RefundDestination>,
    ) -> Result<billing::Refund> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let destination = destination.unwrap_or(billing::service::refunds::RefundDestination::Wallet);
        let granted =
            kernel::write(request, async |txn| refunds::approve_request(txn, request, id, destination).await).await?;
        Ok(granted.into())
    }

    /// Turns a client's pending refund request down, saying why (admins): the client is told.
    async fn reject_refund_request(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<billing::Refund> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let rejected =
            kernel::write(request, async |txn| refunds::reject_request(txn, request, id, &reason).await).await?;
        Ok(rejected.into())
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
        Ok(Order::new(write(request, async |txn| actions::perform(txn, request, id, action, note).await).await?))
    }
}
