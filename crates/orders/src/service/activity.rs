//! Recent activity across a client's orders, for the dashboard.

use kernel::AppResult;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders};
use crate::entity::order_event::{self, Entity as OrderEvents};

/// The latest `limit` timeline events of the client's orders, newest first, with each
/// order's topic. Two statements whatever the size.
pub async fn for_client(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    client: Uuid,
    limit: u64,
) -> AppResult<Vec<(order_event::Model, String)>> {
    let own_orders = Orders::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::ClientId.eq(client))
        .into_query();
    let events = OrderEvents::find()
        .filter(order_event::Column::TenantId.eq(tenant))
        .filter(order_event::Column::OrderId.in_subquery(own_orders))
        .order_by_desc(order_event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.order_id).collect();
    let topics: std::collections::HashMap<Uuid, String> = Orders::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Topic)
        .filter(order::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let topic = topics.get(&e.order_id).cloned().unwrap_or_default();
            (e, topic)
        })
        .collect())
}
