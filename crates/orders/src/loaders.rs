//! DataLoaders for the orders context: one `IN (...)` query per batch, scoped to the tenant.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use kernel::{AppError, RequestContext};
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::entity::order::OrderStatus;
use crate::entity::{catalog_item, order_event, order_line, pricing_settings, revision_request};
use crate::service::spec::PricingContext;

/// Groups `rows` by `key`, keeping their order.
fn group<T>(rows: impl IntoIterator<Item = T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// A loader of an order's child rows (`$entity` by its `order_id`), `$scope` restricting
/// them to the tenant where the table carries one.
macro_rules! by_order_loader {
    ($(#[$doc:meta])* $name:ident, $entity:ident, $order_col:expr, $sort_col:expr, |$tenant:ident| $scope:expr) => {
        $(#[$doc])*
        pub struct $name {
            db: kernel::RequestDb,
            tenant: Uuid,
        }

        impl Loader<Uuid> for $name {
            type Value = Vec<$entity::Model>;
            type Error = AppError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
                let $tenant = self.tenant;
                let rows = $entity::Entity::find()
                    .filter($order_col.is_in(kernel::db::in_list(keys)))
                    .filter($scope)
                    .order_by_asc($sort_col)
                    .all(&self.db)
                    .await?;
                Ok(group(rows, |r| r.order_id))
            }
        }
    };
}

by_order_loader!(
    /// An order's priced lines.
    OrderLinesLoader, order_line, order_line::Column::OrderId, order_line::Column::Position, |tenant| order_line::Column::TenantId.eq(tenant));
by_order_loader!(
    /// An order's revision requests, oldest first.
    RevisionsLoader, revision_request, revision_request::Column::OrderId, revision_request::Column::Id, |tenant| revision_request::Column::TenantId.eq(tenant));

/// An order's files, oldest first.
pub struct OrderFilesLoader {
    db: kernel::RequestDb,
    tenant: Uuid,
}

impl Loader<Uuid> for OrderFilesLoader {
    type Value = Vec<crate::entity::order_file::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        crate::service::files::of_orders(&self.db, self.tenant, keys).await
    }
}

/// What an order's timeline shows of one event: all the events loader reads (a page's
/// timelines are its biggest read, so no ids or tenant it never shows).
#[derive(Clone, Debug)]
pub struct TimelineEntry {
    pub order_id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: String,
    pub actor_id: Option<Uuid>,
    pub from_status: Option<OrderStatus>,
    pub to_status: Option<OrderStatus>,
    pub note: Option<String>,
}

/// An order's timeline, oldest first.
pub struct OrderEventsLoader {
    db: kernel::RequestDb,
    tenant: Uuid,
}

impl Loader<Uuid> for OrderEventsLoader {
    type Value = Vec<TimelineEntry>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        use order_event::Column as C;
        type Row = (
            Uuid,
            chrono::DateTime<chrono::Utc>,
            String,
            Option<Uuid>,
            Option<OrderStatus>,
            Option<OrderStatus>,
            Option<String>,
        );
        // decoded by position, in the order of the columns selected
        let query = order_event::Entity::find()
            .select_only()
            .columns([C::OrderId, C::At, C::Kind, C::ActorId, C::FromStatus, C::ToStatus, C::Note])
            .filter(C::OrderId.is_in(kernel::db::in_list(keys)))
            .filter(C::TenantId.eq(self.tenant))
            .order_by_asc(C::Id);
        let rows: Vec<Row> = kernel::row::all(&self.db, query.as_query()).await?;
        let entries = rows.into_iter().map(|(order_id, at, kind, actor_id, from_status, to_status, note)| {
            TimelineEntry { order_id, at, kind, actor_id, from_status, to_status, note }
        });
        Ok(group(entries, |e| e.order_id))
    }
}

/// Catalogue entries by id, within the tenant.
pub struct CatalogEntryLoader {
    db: kernel::RequestDb,
    tenant: Uuid,
}

impl Loader<Uuid> for CatalogEntryLoader {
    type Value = catalog_item::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let rows = catalog_item::Entity::find()
            .filter(catalog_item::Column::Id.is_in(kernel::db::in_list(keys)))
            .filter(catalog_item::Column::TenantId.eq(self.tenant))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Pricing settings by tenant (every order of a request shares one).
pub struct SettingsLoader {
    db: kernel::RequestDb,
}

impl Loader<Uuid> for SettingsLoader {
    type Value = pricing_settings::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let rows = pricing_settings::Entity::find()
            .filter(pricing_settings::Column::TenantId.is_in(keys.to_vec()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.tenant_id, r)).collect())
    }
}

/// The tenant's pricing (settings and active catalogue), read once a request however many
/// drafts it estimates.
pub struct PricingContextLoader {
    db: kernel::RequestDb,
}

impl Loader<Uuid> for PricingContextLoader {
    type Value = Arc<PricingContext>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let mut contexts = HashMap::new();
        for tenant in keys {
            match PricingContext::load(&self.db, *tenant).await {
                Ok(context) => {
                    contexts.insert(*tenant, Arc::new(context));
                }
                // a tenant with no pricing yet has no estimates
                Err(err) if err.reason == Some(kernel::Reason::PricingNotConfigured) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(contexts)
    }
}

/// Attaches this crate's loaders to one GraphQL request (only in a tenant).
pub fn attach(request: async_graphql::Request, ctx: &RequestContext) -> async_graphql::Request {
    let Some(tenant) = ctx.tenant.as_ref().map(|t| t.id) else { return request };
    let db = || ctx.db.clone();
    request
        .data(DataLoader::new(OrderLinesLoader { db: db(), tenant }, tokio::spawn))
        .data(DataLoader::new(OrderEventsLoader { db: db(), tenant }, tokio::spawn))
        .data(DataLoader::new(RevisionsLoader { db: db(), tenant }, tokio::spawn))
        .data(DataLoader::new(OrderFilesLoader { db: db(), tenant }, tokio::spawn))
        .data(DataLoader::new(CatalogEntryLoader { db: db(), tenant }, tokio::spawn))
        .data(DataLoader::new(SettingsLoader { db: db() }, tokio::spawn))
        .data(DataLoader::new(PricingContextLoader { db: db() }, tokio::spawn))
}
