//! Thin resolvers over the orders services.

mod catalog;
mod dashboard;
mod drafts;
mod inputs;
mod orders;
mod types;

use async_graphql::{Context, MergedObject};
use tenancy::entity::tenant::FeatureToggles;
use tenancy::graphql::CurrentTenant;

pub use dashboard::ClientDashboardPart;
pub use types::{CatalogEntry, Order, OrderCatalog, Rate};

#[derive(MergedObject, Default)]
pub struct OrdersQuery(catalog::CatalogQuery, orders::OrderQuery, drafts::DraftQuery);

#[derive(MergedObject, Default)]
pub struct OrdersMutation(catalog::CatalogMutation, orders::OrderMutation, drafts::DraftMutation);

/// The request tenant's feature toggles (defaults when there is no tenant).
pub(crate) fn toggles(ctx: &Context<'_>) -> FeatureToggles {
    ctx.data_opt::<CurrentTenant>().and_then(|c| c.0.as_ref()).map(|t| t.feature_toggles.clone()).unwrap_or_default()
}
