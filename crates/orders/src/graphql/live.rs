use async_graphql::{Context, ID, Result, Subscription};
use futures::{Stream, StreamExt};
use kernel::live::{self, LiveConnection, Topic};
use kernel::{AppError, ContextExt, parse_id};

use super::timeline::TimelineEvent;
use crate::service::{access, lifecycle};

#[derive(Default)]
pub struct OrdersSubscription;

#[Subscription]
impl OrdersSubscription {
    /// Each new event of the order's timeline as it happens (over `/graphql/ws`), for those who
    /// see the order: its client, its writer, staff (`NOT_FOUND` for anyone else). Checked at
    /// every event: a writer taken off the order hears no more of it, refund events go only to
    /// those who read the client's money, and a session that ends ends the subscription.
    async fn order_events(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> Result<impl Stream<Item = Result<TimelineEvent>> + use<>> {
        let request = ctx.request();
        let order = parse_id("orderId", &order_id)?;
        let connection = ctx
            .data::<LiveConnection>()
            .map_err(|_| AppError::bad_input("query", "subscriptions are served at /graphql/ws"))?;
        access::find_visible(&request.db, request, order).await?;
        let events = live::events(connection, request, Topic::Order(order)).await?;
        Ok(events.filter_map(move |item| async move {
            let result = match item {
                Ok((request, event)) => lifecycle::event_for_viewer(&request.db, &request, order, event.item).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(Some(entry)) => Some(Ok(TimelineEvent(entry, None))),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            }
        }))
    }
}
