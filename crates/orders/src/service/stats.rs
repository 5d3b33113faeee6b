//! The client dashboard's counts and spend, and each tenant's orders by status.

use kernel::{AppResult, Money};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};

/// The client's order counts and spend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub active: u64,
    pub completed: u64,
    pub unpaid: u64,
    pub total_spent: Money,
}

pub async fn client_stats(conn: &impl ConnectionTrait, tenant: Uuid, client: Uuid) -> AppResult<ClientStats> {
    let own = || Orders::find().filter(order::Column::TenantId.eq(tenant)).filter(order::Column::ClientId.eq(client));
    let rows: Vec<(OrderStatus, bool, i64)> = own()
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::CompletedAt.is_not_null(), "done")
        .column_as(order::Column::Id.count(), "n")
        .group_by(order::Column::Status)
        .group_by(order::Column::CompletedAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut stats = ClientStats::default();
    for (status, done, n) in rows {
        let n = n as u64;
        match status {
            OrderStatus::Unpaid => stats.unpaid += n,
            OrderStatus::Completed => stats.completed += n,
            OrderStatus::Archived if done => stats.completed += n,
            OrderStatus::Cancelled | OrderStatus::Archived => {}
            _ => stats.active += n,
        }
    }
    // What the client spent is what the ledger says was paid for their orders.
    let ids = own().select_only().column(order::Column::Id).into_query();
    stats.total_spent = billing::service::ledger::paid_for_orders(conn, tenant, ids).await?;
    Ok(stats)
}

/// How many orders of each status each of `tenants` has, in one statement.
pub async fn count_by_status(
    conn: &impl ConnectionTrait,
    tenants: &[Uuid],
) -> AppResult<Vec<(Uuid, OrderStatus, u64)>> {
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Uuid, OrderStatus, i64)> = Orders::find()
        .select_only()
        .column(order::Column::TenantId)
        .column(order::Column::Status)
        .column_as(order::Column::Id.count(), "n")
        .filter(order::Column::TenantId.is_in(kernel::db::in_list(tenants)))
        .group_by(order::Column::TenantId)
        .group_by(order::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(t, s, n)| (t, s, n.max(0) as u64)).collect())
}
