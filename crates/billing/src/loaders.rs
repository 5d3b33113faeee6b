//! DataLoaders for billing's records of orders: one statement (or two) a batch, scoped to the
//! tenant, so a page of orders asking for payments and refunds costs the same for 5 or 50.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use kernel::{AppError, RequestContext};
use uuid::Uuid;

use crate::service::order_money::{self, OrderPayment};
use crate::service::refunds::{self, RefundRecord};

/// An order's payments, by order id.
pub struct OrderPaymentsLoader {
    db: kernel::RequestDb,
    tenant: Uuid,
}

impl Loader<Uuid> for OrderPaymentsLoader {
    type Value = Vec<OrderPayment>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        order_money::payments_for_orders(&self.db, self.tenant, keys).await
    }
}

/// An order's refunds, by order id.
pub struct OrderRefundsLoader {
    db: kernel::RequestDb,
    tenant: Uuid,
}

impl Loader<Uuid> for OrderRefundsLoader {
    type Value = Vec<RefundRecord>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        refunds::for_orders(&self.db, self.tenant, keys).await
    }
}

/// Attaches this crate's loaders to one GraphQL request (only in a tenant).
pub fn attach(request: async_graphql::Request, ctx: &RequestContext) -> async_graphql::Request {
    let Some(tenant) = ctx.tenant.as_ref().map(|t| t.id) else { return request };
    request
        .data(DataLoader::new(OrderPaymentsLoader { db: ctx.db.clone(), tenant }, tokio::spawn))
        .data(DataLoader::new(OrderRefundsLoader { db: ctx.db.clone(), tenant }, tokio::spawn))
}
