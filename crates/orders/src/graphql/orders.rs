use async_graphql::{Context, ID, Object, Result};
use kernel::db::begin_write;
use kernel::idempotency::{self, input_hash};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, parse_id};
use uuid::Uuid;

use super::inputs::{OrderFilter, OrderSpecInput, RevisionRequestInput};
use super::types::{Order, RevisionRequest};
use crate::service::lifecycle::OrderAction;
use crate::service::orders;

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// An order the viewer may see (clients their own, writers those assigned to them,
    /// support and admins all of the tenant's); anything else is `NOT_FOUND`.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(Order(orders::find_visible(&request.db, request, id).await?))
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
        Ok(paged.into_connection(|o| o.id, Order))
    }
}

#[derive(Default)]
pub struct OrderMutation;

/// Loads an order by the id an idempotent mutation stored.
async fn reload(ctx: &Context<'_>, id: Uuid) -> Result<Order> {
    let request = ctx.request();
    Ok(Order(orders::find_visible(&request.db, request, id).await?))
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
        Ok(Order(order))
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
        Ok(Order(order))
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
