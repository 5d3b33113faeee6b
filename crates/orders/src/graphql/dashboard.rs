use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use kernel::{ContextExt, Money, Role};

use crate::entity::order::OrderStatus;
use crate::service::{activity, stats};

/// The orders context's part of `clientDashboard`.
#[derive(Default)]
pub struct ClientDashboardPart;

#[derive(SimpleObject)]
pub struct ClientStats {
    /// Paid and not yet completed or cancelled.
    pub active_orders: u64,
    pub completed_orders: u64,
    pub unpaid_orders: u64,
    /// What the client has paid for orders.
    pub total_spent: Money,
}

#[derive(SimpleObject)]
pub struct ActivityItem {
    pub at: DateTime<Utc>,
    pub order_id: ID,
    pub order_topic: String,
    pub kind: String,
    pub from_status: Option<OrderStatus>,
    pub to_status: Option<OrderStatus>,
}

#[Object(name = "OrdersClientDashboardPart")]
impl ClientDashboardPart {
    async fn stats(&self, ctx: &Context<'_>) -> Result<ClientStats> {
        let request = ctx.request();
        let viewer = request.require_role(&[Role::Client])?;
        let stats = stats::client_stats(&request.db, request.tenant()?.id, viewer.user_id).await?;
        Ok(ClientStats {
            active_orders: stats.active,
            completed_orders: stats.completed,
            unpaid_orders: stats.unpaid,
            total_spent: stats.total_spent,
        })
    }

    /// The latest events across the client's orders, newest first.
    async fn recent_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: i32,
    ) -> Result<Vec<ActivityItem>> {
        let request = ctx.request();
        let viewer = request.require_role(&[Role::Client])?;
        if !(1..=100).contains(&first) {
            return Err(kernel::AppError::bad_input("first", "first must be between 1 and 100").into());
        }
        let items = activity::for_client(&request.db, request.tenant()?.id, viewer.user_id, first as u64).await?;
        Ok(items
            .into_iter()
            .map(|(event, topic)| ActivityItem {
                at: event.at,
                order_id: ID(event.order_id.to_string()),
                order_topic: topic,
                kind: event.kind,
                from_status: event.from_status,
                to_status: event.to_status,
            })
            .collect())
    }
}
