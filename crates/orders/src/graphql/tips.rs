//! A client's tip to the writer of a completed order (`service::tips`).

use async_graphql::{Context, ID, Object, Result};
use kernel::{ContextExt, Money, Once, parse_id, write_once};
use uuid::Uuid;

use super::order::Order;
use crate::service::{access, tips};

#[derive(Default)]
pub struct TipMutation;

#[Object]
impl TipMutation {
    /// Tips the writer of the client's completed order `amount` from the wallet (the `wallet`
    /// feature), once per order: the writer gets the site's share of it (`tipWriterPercent`), the
    /// rest is the site's. `NOT_FOUND` for an order not the client's, `CONFLICT` for one not
    /// completed or tipped already, `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`) when the wallet holds
    /// less; nothing changes then. Idempotent with `idempotencyKey`.
    async fn tip_writer_from_wallet(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        amount: Money,
        idempotency_key: Option<String>,
    ) -> Result<Order> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let input = (id, amount);
        let tipped: Uuid =
            write_once(request, Once::new("tipWriterFromWallet", idempotency_key.as_deref(), &input), async |txn| {
                Ok(tips::tip(txn, request, id, amount).await?.id)
            })
            .await?;
        Ok(Order::new(access::find_visible(&request.db, request, tipped).await?))
    }
}
