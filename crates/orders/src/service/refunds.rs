//! Refunding an order: the order row guards the sum, billing records the money.

use kernel::{AppError, AppResult, Feature, Money, Reason, RequestContext, Role, validate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus, PaymentStatus};
use billing::service::order_money::{self, OrderMoney};
use billing::service::refunds::{self, RefundDestination, RefundRecord};

use crate::service::access::find_visible;
use crate::service::lifecycle;

/// An admin refunds part or all of what was paid for an order. The order row guards the sum
/// (`refunded + amount <= paid`, in the database), so racing refunds cannot exceed it. A full
/// refund marks the payment REFUNDED, cancels the order unless it is final, and takes back
/// the writer's earnings if they were credited.
pub async fn refund(
    conn: &kernel::WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    amount: Money,
    destination: RefundDestination,
    reason: &str,
) -> AppResult<RefundRecord> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    if destination == RefundDestination::Wallet {
        request.require_feature(Feature::Wallet)?;
    }
    let amount = billing::service::wallets::check_amount("amount", amount)?;
    let reason = validate::text("reason", reason, 500)?;
    let order = find_visible(conn, request, id).await?;
    let (after, refund) = pay_back(conn, request, &order, amount, destination, &reason).await?;
    let full = after.refunded_minor >= after.paid_minor;
    let payment = after.payment_status;
    let of = money_of(&order);
    let note = format!("{} refunded: {reason}", Money(amount));
    let event =
        lifecycle::record(conn, request, &after, "REFUND", Some(after.status), Some(after.status), Some(note)).await?;
    let to_wallet = destination == RefundDestination::Wallet;
    super::notices::refunded(conn, request, &after, event, Money(amount), to_wallet, &reason).await?;
    if full {
        let last = matches!(after.status, OrderStatus::Completed | OrderStatus::Cancelled | OrderStatus::Archived);
        if !last {
            let cancelled = Orders::update_many()
                .col_expr(order::Column::Status, Expr::value(OrderStatus::Cancelled))
                .filter(order::Column::Id.eq(order.id))
                .filter(order::Column::Status.eq(after.status))
                .exec(conn)
                .await?;
            if cancelled.rows_affected == 0 {
                return Err(AppError::conflict("the order changed meanwhile; reload it").with_reason(Reason::Stale));
            }
            lifecycle::record(
                conn,
                request,
                &after,
                "CANCEL",
                Some(after.status),
                Some(OrderStatus::Cancelled),
                Some("fully refunded".into()),
            )
            .await?;
            let cancelled =
                Orders::find_by_id(order.id).one(conn).await?.ok_or_else(|| AppError::not_found("order"))?;
            super::editing::cancelled(conn, request, &cancelled).await?;
        }
        if let Some(writer) = after.writer_id {
            order_money::reverse_earnings(conn, request, &of, writer).await?;
        }
    }
    tenancy::service::audit::record(conn, request, tenancy::service::audit::Change {
        action: "order.refund",
        target_type: "order",
        target_id: Some(order.id.to_string()),
        tenant_id: Some(order.tenant_id),
        before: Some(serde_json::json!({ "paymentStatus": order.payment_status, "refunded": Money(order.refunded_minor).to_string() })),
        after: Some(serde_json::json!({ "paymentStatus": payment, "refunded": Money(after.refunded_minor).to_string(), "destination": destination, "reason": reason })),
    })
    .await?;
    Ok(refund)
}

/// Pays `amount` of the order back (the caller has decided it may): the order row guards the
/// sum (`refunded + amount <= paid`, in the database, so racing refunds cannot exceed it), its
/// payment status follows, and billing records the money. Answers the order after and the refund.
pub(crate) async fn pay_back(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    amount: i64,
    destination: RefundDestination,
    reason: &str,
) -> AppResult<(order::Model, RefundRecord)> {
    let guarded = Orders::update_many()
        .col_expr(order::Column::RefundedMinor, Expr::col(order::Column::RefundedMinor).add(amount))
        .col_expr(order::Column::UpdatedAt, Expr::value(request.now()))
        .filter(order::Column::Id.eq(order.id))
        .filter(Expr::col(order::Column::RefundedMinor).add(amount).lte(Expr::col(order::Column::PaidMinor)))
        .exec(conn)
        .await?;
    if guarded.rows_affected == 0 {
        return Err(AppError::bad_input(
            "amount",
            "a refund cannot exceed what was paid for the order and not yet refunded",
        )
        .with_reason(Reason::ExceedsPaid));
    }
    let mut after = Orders::find_by_id(order.id).one(conn).await?.ok_or_else(|| AppError::not_found("order"))?;
    let full = after.refunded_minor >= after.paid_minor;
    after.payment_status = if full { PaymentStatus::Refunded } else { PaymentStatus::PartiallyRefunded };
    Orders::update_many()
        .col_expr(order::Column::PaymentStatus, Expr::value(after.payment_status))
        .filter(order::Column::Id.eq(order.id))
        .exec(conn)
        .await?;
    let refund = refunds::record(conn, request, &money_of(order), amount, destination, reason).await?;
    Ok((after, refund))
}

/// The order as billing's intents take it.
pub fn money_of(order: &order::Model) -> OrderMoney {
    OrderMoney { tenant: order.tenant_id, order: order.id, client: order.client_id, currency: order.currency.clone() }
}
