use async_graphql::{Context, ID, Object, Result};
use kernel::db::begin_write;
use kernel::idempotency::{self, input_hash};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, parse_id};
use uuid::Uuid;

use super::inputs::{OrderDraftInput, OrderPresetInput};
use super::types::{Order, OrderDraft, OrderPreset};
use crate::service::{drafts, orders, presets};

#[derive(Default)]
pub struct DraftQuery;

#[Object]
impl DraftQuery {
    /// The viewer's drafts, newest first (clients).
    async fn order_drafts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<OrderDraft>> {
        let request = ctx.request();
        let page = PageArgs::parse(first, after)?;
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let paged = drafts::list(&request.db, request, &super::toggles(ctx), page, with_total).await?;
        Ok(paged.into_connection(|d| d.id, OrderDraft))
    }

    /// One of the viewer's drafts; opening it records `lastViewedAt`.
    async fn order_draft(&self, ctx: &Context<'_>, id: ID) -> Result<OrderDraft> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let txn = begin_write(&request.db).await?;
        let draft = drafts::open(&txn, request, &super::toggles(ctx), id).await?;
        txn.commit().await?;
        Ok(OrderDraft(draft))
    }

    /// The viewer's presets, the default first.
    async fn order_presets(&self, ctx: &Context<'_>) -> Result<Vec<OrderPreset>> {
        let request = ctx.request();
        Ok(presets::list(&request.db, request, &super::toggles(ctx)).await?.into_iter().map(OrderPreset).collect())
    }
}

#[derive(Default)]
pub struct DraftMutation;

/// Runs a write on drafts or presets in one transaction.
macro_rules! write {
    ($ctx:expr, |$txn:ident, $request:ident, $toggles:ident| $body:expr) => {{
        let $request = $ctx.request();
        let $toggles = super::toggles($ctx);
        let $txn = begin_write(&$request.db).await?;
        let out = $body;
        $txn.commit().await?;
        out
    }};
}

#[Object]
impl DraftMutation {
    /// Creates a draft (no `id`) or replaces one's fields with `input`.
    async fn save_order_draft(&self, ctx: &Context<'_>, id: Option<ID>, input: OrderDraftInput) -> Result<OrderDraft> {
        let id = id.map(|i| parse_id("id", &i)).transpose()?;
        let spec = input.to_spec()?;
        Ok(OrderDraft(write!(ctx, |txn, request, toggles| drafts::save(&txn, request, &toggles, id, spec).await?)))
    }

    async fn delete_order_draft(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = parse_id("id", &id)?;
        write!(ctx, |txn, request, toggles| drafts::delete(&txn, request, &toggles, id).await?);
        Ok(true)
    }

    /// Places the draft as an order and removes the draft. A draft missing fields is
    /// `BAD_USER_INPUT` naming them. Idempotent with `idempotencyKey`.
    async fn convert_order_draft(&self, ctx: &Context<'_>, id: ID, idempotency_key: Option<String>) -> Result<Order> {
        let request = ctx.request();
        let draft_id = parse_id("id", &id)?;
        let toggles = super::toggles(ctx);
        let order_id: Uuid = idempotency::run(
            request,
            "convertOrderDraft",
            idempotency_key.as_deref(),
            input_hash(&draft_id),
            async |txn| {
                let draft = drafts::get(txn, request, &toggles, draft_id).await?;
                let order = orders::place(txn, request, &toggles, &drafts::spec_of(&draft)).await?;
                drafts::delete(txn, request, &toggles, draft_id).await?;
                Ok(order.id)
            },
        )
        .await?;
        Ok(Order::new(orders::find_visible(&request.db, request, order_id).await?))
    }

    async fn create_order_preset(&self, ctx: &Context<'_>, input: OrderPresetInput) -> Result<OrderPreset> {
        let spec = input.to_spec()?;
        let default = input.is_default.unwrap_or(false);
        Ok(OrderPreset(write!(ctx, |txn, request, toggles| presets::create(
            &txn,
            request,
            &toggles,
            &input.name,
            spec,
            default
        )
        .await?)))
    }

    /// Replaces a preset's name and fields.
    async fn update_order_preset(&self, ctx: &Context<'_>, id: ID, input: OrderPresetInput) -> Result<OrderPreset> {
        let id = parse_id("id", &id)?;
        let spec = input.to_spec()?;
        Ok(OrderPreset(write!(ctx, |txn, request, toggles| presets::update(
            &txn,
            request,
            &toggles,
            id,
            &input.name,
            spec,
            input.is_default
        )
        .await?)))
    }

    async fn delete_order_preset(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = parse_id("id", &id)?;
        write!(ctx, |txn, request, toggles| presets::delete(&txn, request, &toggles, id).await?);
        Ok(true)
    }

    /// Makes this the client's one default preset.
    async fn set_default_order_preset(&self, ctx: &Context<'_>, id: ID) -> Result<OrderPreset> {
        let id = parse_id("id", &id)?;
        Ok(OrderPreset(write!(ctx, |txn, request, toggles| presets::set_default(&txn, request, &toggles, id).await?)))
    }

    /// Copies the preset's fields over the draft's and counts the use.
    async fn apply_order_preset(&self, ctx: &Context<'_>, preset_id: ID, draft_id: ID) -> Result<OrderDraft> {
        let preset = parse_id("presetId", &preset_id)?;
        let draft = parse_id("draftId", &draft_id)?;
        Ok(OrderDraft(
            write!(ctx, |txn, request, toggles| presets::apply(&txn, request, &toggles, preset, draft).await?)
        ))
    }
}
