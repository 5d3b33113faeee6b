//! An order placed with a preferred writer: once paid it waits for that writer
//! (`PENDING_PREFERRED`) for the tenant's preferred window. They take it (through the
//! workforce's gate, `takeOrder`) or decline it; unanswered, a timer releases it to the pool.
//! Either way out to the pool, the client gets the preferred-writer fee back, once: the move
//! out of `PENDING_PREFERRED` is a conditional update, and the fee rides on it.

use chrono::{DateTime, Duration, Utc};
use jobs::JobRun;
use kernel::{AppError, AppResult, Money, RequestContext};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::service::{catalog, lifecycle, refunds, timers};

pub const PREFERRED_LAPSE: &str = "orders.preferred_lapse";

/// Schedules the end of the preferred writer's window for an order that has just started
/// waiting for them (`event`: the move that paid it).
pub async fn schedule(
    conn: &impl ConnectionTrait,
    after: &order::Model,
    event: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let hours = catalog::settings(conn, after.tenant_id).await?.preferred_window_hours;
    timers::enqueue(conn, PREFERRED_LAPSE, after, event, now + Duration::hours(hours.into()), now).await
}

/// Gives the client the preferred-writer fee back (to the wallet where the site has wallets,
/// else outside) as the order leaves `PENDING_PREFERRED` for the pool; told on the timeline
/// and to the client. Nothing when the order had no fee. The order keeps no fee after.
pub async fn refund_fee(conn: &impl ConnectionTrait, request: &RequestContext, order: &order::Model) -> AppResult<()> {
    // as it is now, within this move's transaction (a refund may have come meanwhile)
    let order = &super::pool::model(conn, order.tenant_id, order.id).await?;
    let unrefunded = order.paid_minor.checked_sub(order.refunded_minor).unwrap_or(0);
    let fee = Ord::min(order.preferred_fee_minor, unrefunded);
    // the fee is no longer the order's: a later increase of its size is priced without it
    Orders::update_many()
        .col_expr(order::Column::PreferredFeeMinor, Expr::value(0i64))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .exec(conn)
        .await?;
    if fee <= 0 {
        return Ok(());
    }
    let reason = "the preferred writer did not take the order";
    let note = format!("{} refunded: {reason}", Money(fee));
    refunds::give_back(conn, request, order, fee, reason, note).await?;
    Ok(())
}

/// `orders.preferred_lapse`: the preferred writer let the window pass; the order goes to the
/// pool and the client gets the fee back.
pub async fn lapse(run: JobRun) -> AppResult<()> {
    let (id, event) = timers::target(&run)?;
    let Some(tenant) = run.tenant_id else { return Err(AppError::internal("an order timer without a tenant")) };
    let Some(request) = timers::system(&run, tenant).await? else { return Ok(()) };
    kernel::write(&request, async |txn| {
        if !timers::still(txn, id, event).await? {
            return Ok(());
        }
        let order = Orders::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("order"))?;
        let moved = Orders::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Available))
            .col_expr(order::Column::UpdatedAt, Expr::value(request.now()))
            .filter(order::Column::Id.eq(id))
            .filter(order::Column::Status.eq(OrderStatus::PendingPreferred))
            .exec(txn)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(());
        }
        let hours = catalog::settings(txn, tenant).await?.preferred_window_hours;
        let note = format!("the preferred writer did not take it within {hours} hours");
        lifecycle::record(
            txn,
            &request,
            &order,
            "PREFERRED_LAPSED",
            Some(OrderStatus::PendingPreferred),
            Some(OrderStatus::Available),
            Some(note),
        )
        .await?;
        refund_fee(txn, &request, &order).await
    })
    .await
}
