//! Tips: the client of a completed order thanks its writer from the wallet. One tip per order:
//! the order row takes it by a conditional update (a second, or a racing one, finds it taken),
//! and the ledger posts it once for its cause, split between the writer's earnings and revenue
//! by the site's share in one entry.

use kernel::{AppError, AppResult, Feature, Money, Reason, RequestContext, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::service::access::find_visible;

/// The writer's part of a tip of `amount` at `writer_percent_e4` (rounded down: the rest is the
/// site's).
pub fn writer_part(amount: i64, writer_percent_e4: i64) -> i64 {
    let share = i128::from(writer_percent_e4.clamp(0, 1_000_000));
    // at most `amount`, so it fits back
    i64::try_from(i128::from(amount.max(0)) * share / 1_000_000).unwrap_or(0)
}

/// The client tips the writer of their completed order `amount` from the wallet (the `wallet`
/// feature). `NOT_FOUND` for an order not theirs; `CONFLICT` for one not completed or tipped
/// already; `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`) when the wallet holds less. Nothing is
/// written on any refusal. Answers the order after.
pub async fn tip(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    amount: Money,
) -> AppResult<order::Model> {
    request.require_feature(Feature::Wallet)?;
    request.require_role(&[Role::Client])?;
    let amount = billing::service::wallets::check_amount("amount", amount)?;
    let order = find_visible(conn, request, id).await?;
    let done = matches!(order.status, OrderStatus::Completed | OrderStatus::Archived);
    let Some(writer) = order.writer_id.filter(|_| done && order.completed_at.is_some()) else {
        return Err(
            AppError::conflict("only a completed order's writer can be tipped").with_reason(Reason::InvalidTransition)
        );
    };
    let settings = super::catalog::settings(conn, order.tenant_id).await?;
    let writer_part = writer_part(amount, settings.tip_writer_percent_e4);
    let taken = Orders::update_many()
        .col_expr(order::Column::TipMinor, Expr::value(amount))
        .col_expr(order::Column::TipWriterMinor, Expr::value(writer_part))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .filter(order::Column::TipMinor.eq(0))
        .filter(order::Column::Status.is_in([OrderStatus::Completed, OrderStatus::Archived]))
        .filter(order::Column::CompletedAt.is_not_null())
        .exec(conn)
        .await?;
    if taken.rows_affected == 0 {
        // tipped already, or no longer completed (a revision or a dispute came meanwhile)
        let now = super::pool::model(conn, order.tenant_id, order.id).await?;
        return Err(if now.tip_minor != 0 {
            AppError::conflict("the order's writer was tipped already").with_reason(Reason::Duplicate)
        } else {
            AppError::conflict("the order changed meanwhile; reload it").with_reason(Reason::Stale)
        });
    }
    let of = super::refunds::money_of(&order);
    billing::service::order_money::tip(conn, request, &of, writer, amount, writer_part).await?;
    // the timeline says that a tip came, not how much: the writer reads their part in the notice
    let event = super::lifecycle::record(conn, request, &order, "TIP", None, None, None).await?;
    let data = serde_json::json!({ "amount": Money(writer_part).to_string() });
    super::notices::tell_of(
        conn,
        request.now(),
        &order,
        &format!("order_event:{event}"),
        notifications::NotificationKind::TipReceived,
        writer,
        data,
    )
    .await?;
    super::pool::model(conn, order.tenant_id, order.id).await
}

#[cfg(test)]
mod tests {
    use super::writer_part;

    #[test]
    fn the_writer_part_rounds_down_and_stays_within_the_tip() {
        assert_eq!(writer_part(1_000, 900_000), 900);
        assert_eq!(writer_part(999, 900_000), 899);
        assert_eq!(writer_part(1_000, 1_000_000), 1_000);
        assert_eq!(writer_part(1_000, 0), 0);
        assert_eq!(writer_part(1_000, 2_000_000), 1_000, "a share above 100 % is 100 %");
        assert_eq!(writer_part(100_000_000, 333_333), 33_333_300);
        assert_eq!(writer_part(1_000_000_000_000, 999_999), 999_999_000_000, "no overflow on the largest tips");
    }
}
