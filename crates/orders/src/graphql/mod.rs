//! Thin resolvers over the orders services, one file a part of the API: the catalogue and
//! quotes, orders (with their timeline and revisions), drafts, presets, the client
//! dashboard's part, and the live timeline (a subscription).

mod cancellation;
mod catalog;
mod dashboard;
mod drafts;
mod extensions;
mod files;
mod live;
mod order;
mod orders;
mod page_increases;
mod presets;
mod quote;
mod revisions;
mod timeline;
mod tips;

use async_graphql::MergedObject;

pub use catalog::{CatalogEntry, OrderCatalog, entries as catalog_entries};
pub use dashboard::ClientDashboardPart;
pub use files::{OrderFile, incoming_one, remove_stored, upload};
pub use live::OrdersSubscription;
pub use order::Order;

#[derive(MergedObject, Default)]
pub struct OrdersQuery(
    catalog::CatalogQuery,
    quote::QuoteQuery,
    cancellation::CancellationQuery,
    extensions::ExtensionQuery,
    page_increases::PageIncreaseQuery,
    orders::OrderQuery,
    drafts::DraftQuery,
    presets::PresetQuery,
);

#[derive(MergedObject, Default)]
pub struct OrdersMutation(
    catalog::CatalogMutation,
    orders::OrderMutation,
    revisions::RevisionMutation,
    drafts::DraftMutation,
    presets::PresetMutation,
    files::FileMutation,
    tips::TipMutation,
    extensions::ExtensionMutation,
    page_increases::PageIncreaseMutation,
);
