use async_graphql::{Context, ID, InputObject, Object, Result};
use kernel::{ContextExt, Timestamp, parse_id, write};

use super::drafts::OrderDraft;
use super::order::id;
use crate::entity::order_preset;
use crate::service::presets;
use crate::service::spec::OrderSpec;

/// A client's reusable defaults for new orders.
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
    async fn fields(&self) -> &OrderSpec {
        &self.0.spec
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
}

/// A client's reusable defaults: a name and the fields to apply. A preset keeps defaults, not
/// an order: topic, pages, slides, deadline, instructions and discount code are dropped.
#[derive(InputObject)]
pub struct OrderPresetInput {
    pub name: String,
    #[graphql(default)]
    pub fields: OrderSpec,
    /// Make it the default (the previous default stops being one).
    pub is_default: Option<bool>,
}

#[derive(Default)]
pub struct PresetQuery;

#[Object]
impl PresetQuery {
    /// The viewer's presets (at most 50), the default first (clients; the `presets` feature).
    async fn order_presets(&self, ctx: &Context<'_>) -> Result<Vec<OrderPreset>> {
        let request = ctx.request();
        Ok(presets::list(&request.db, request).await?.into_iter().map(OrderPreset).collect())
    }
}

#[derive(Default)]
pub struct PresetMutation;

#[Object]
impl PresetMutation {
    async fn create_order_preset(&self, ctx: &Context<'_>, input: OrderPresetInput) -> Result<OrderPreset> {
        let request = ctx.request();
        let default = input.is_default.unwrap_or(false);
        Ok(OrderPreset(
            write(request, async |txn| presets::create(txn, request, &input.name, input.fields, default).await).await?,
        ))
    }

    /// Replaces a preset's name and fields.
    async fn update_order_preset(&self, ctx: &Context<'_>, id: ID, input: OrderPresetInput) -> Result<OrderPreset> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(OrderPreset(
            write(request, async |txn| {
                presets::update(txn, request, id, &input.name, input.fields, input.is_default).await
            })
            .await?,
        ))
    }

    async fn delete_order_preset(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| presets::delete(txn, request, id).await).await?;
        Ok(true)
    }

    /// Makes this the client's one default preset.
    async fn set_default_order_preset(&self, ctx: &Context<'_>, id: ID) -> Result<OrderPreset> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(OrderPreset(write(request, async |txn| presets::set_default(txn, request, id).await).await?))
    }

    /// Copies the preset's fields over the draft's and counts the use (needs drafts on too).
    async fn apply_order_preset(&self, ctx: &Context<'_>, preset_id: ID, draft_id: ID) -> Result<OrderDraft> {
        let request = ctx.request();
        let preset = parse_id("presetId", &preset_id)?;
        let draft = parse_id("draftId", &draft_id)?;
        Ok(OrderDraft::alone(write(request, async |txn| presets::apply(txn, request, preset, draft).await).await?))
    }
}
