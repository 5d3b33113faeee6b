use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Object, Result};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Money, Once, PageArgs, Timestamp, parse_id, write, write_once};
use uuid::Uuid;

use super::order::{Order, id};
use crate::entity::order_draft;
use crate::loaders::PricingContextLoader;
use crate::service::spec::{self, OrderSpec, PricingContext};
use crate::service::{access, drafts};

/// A client's unfinished order (with its list's pricing context, when the list loaded it once
/// for the whole page).
pub struct OrderDraft(pub order_draft::Model, pub Option<Arc<PricingContext>>);

impl OrderDraft {
    pub fn alone(model: order_draft::Model) -> Self {
        OrderDraft(model, None)
    }
}

#[Object]
impl OrderDraft {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn fields(&self) -> &OrderSpec {
        &self.0.spec
    }
    /// The fields still needed before it can become an order.
    async fn missing_fields(&self) -> Vec<&'static str> {
        self.0.spec.missing_fields()
    }
    /// The price if it were placed now; null until the draft has the fields a price needs (or
    /// when its choices no longer price). A page of drafts reads the tenant's pricing once.
    async fn estimated_price(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        let context = match &self.1 {
            Some(context) => Some(context.clone()),
            None => ctx.data_unchecked::<DataLoader<PricingContextLoader>>().load_one(self.0.tenant_id).await?,
        };
        let Some(context) = context else { return Ok(None) };
        Ok(spec::estimate(&context, &self.0.spec, ctx.request().now()))
    }
    /// Instruction files attached to it (they go to the order when it is placed).
    async fn files(&self, ctx: &Context<'_>) -> Result<Vec<super::files::OrderFile>> {
        super::files::of_draft(ctx, self).await
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    async fn last_viewed_at(&self) -> Option<Timestamp> {
        self.0.last_viewed_at.map(Into::into)
    }
}

#[derive(Default)]
pub struct DraftQuery;

#[Object]
impl DraftQuery {
    /// The viewer's drafts, newest first (clients; the `drafts` feature).
    async fn order_drafts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<OrderDraft>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = drafts::list(&request.db, request, page).await?;
        // the page's prices come from one pricing context, loaded once here rather than left to
        // a DataLoader whose batch a long page can split
        let mut context = None;
        if let (Some(draft), true) =
            (paged.items.first(), ctx.look_ahead().field("edges").field("node").field("estimatedPrice").exists())
        {
            let loader = ctx.data_unchecked::<DataLoader<PricingContextLoader>>().loader();
            context = loader.load(&[draft.tenant_id]).await?.remove(&draft.tenant_id);
        }
        Ok(paged.into_connection(|d| d.id, |d| OrderDraft(d, context.clone())))
    }

    /// One of the viewer's drafts; opening it records `lastViewedAt`.
    async fn order_draft(&self, ctx: &Context<'_>, id: ID) -> Result<OrderDraft> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(OrderDraft::alone(write(request, async |txn| drafts::open(txn, request, id).await).await?))
    }
}

#[derive(Default)]
pub struct DraftMutation;

#[Object]
impl DraftMutation {
    /// Creates a draft (no `id`) or replaces one's fields with `input` (any subset; a discount
    /// code is not kept).
    async fn save_order_draft(&self, ctx: &Context<'_>, id: Option<ID>, input: OrderSpec) -> Result<OrderDraft> {
        let request = ctx.request();
        let id = id.map(|i| parse_id("id", &i)).transpose()?;
        Ok(OrderDraft::alone(write(request, async |txn| drafts::save(txn, request, id, input).await).await?))
    }

    async fn delete_order_draft(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        super::files::remove_stored(ctx, async |txn| drafts::delete(txn, request, id).await).await?;
        Ok(true)
    }

    /// Places the draft as an order and removes the draft. A draft missing fields is
    /// `BAD_USER_INPUT` naming them. Idempotent with `idempotencyKey`.
    async fn convert_order_draft(&self, ctx: &Context<'_>, id: ID, idempotency_key: Option<String>) -> Result<Order> {
        let request = ctx.request();
        let draft = parse_id("id", &id)?;
        let order: Uuid =
            write_once(request, Once::new("convertOrderDraft", idempotency_key.as_deref(), &draft), async |txn| {
                Ok(drafts::convert(txn, request, draft).await?.id)
            })
            .await?;
        Ok(Order::new(access::find_visible(&request.db, request, order).await?))
    }
}
