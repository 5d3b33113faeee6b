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
    refund_of(conn, request, id, amount, destination, reason, None).await
}

/// [`refund`], granting the client's pending request `requested` when given (its row becomes
/// the refund).
async fn refund_of(
    conn: &kernel::WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    amount: Money,
    destination: RefundDestination,
    reason: &str,
    requested: Option<Uuid>,
) -> AppResult<RefundRecord> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    if destination == RefundDestination::Wallet {
        request.require_feature(Feature::Wallet)?;
    }
    let amount = billing::service::wallets::check_amount("amount", amount)?;
    let reason = validate::text("reason", reason, 500)?;
    let order = find_visible(conn, request, id).await?;
    if order.status == OrderStatus::Disputed {
        return Err(AppError::conflict("the order is disputed: its dispute's decision refunds it")
            .with_reason(Reason::InvalidTransition));
    }
    let (after, refund) = pay_back(conn, request, &order, amount, destination, &reason, requested).await?;
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
            super::page_increases::cancelled(conn, request, &cancelled).await?;
        }
        if let Some(writer) = after.writer_id {
            order_money::reverse_earnings(conn, request, &of, writer, after.writer_compensation_minor).await?;
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
    requested: Option<Uuid>,
) -> AppResult<(order::Model, RefundRecord)> {
    let guarded = Orders::update_many()
        .col_expr(order::Column::RefundedMinor, Expr::col(order::Column::RefundedMinor).add(amount))
        .col_expr(order::Column::UpdatedAt, Expr::value(request.now()))
        .filter(order::Column::Id.eq(order.id))
        // what a cancellation credited the writer is theirs, not the client's to get back
        .filter(
            Expr::col(order::Column::RefundedMinor)
                .add(amount)
                .add(Expr::col(order::Column::WriterForfeitMinor))
                .lte(Expr::col(order::Column::PaidMinor)),
        )
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
    let refund = refunds::record(conn, request, &money_of(order), amount, destination, reason, requested).await?;
    Ok((after, refund))
}

/// Gives `amount` of the order back by the site's own rule (a lapsed preferred writer's fee, a
/// cancellation's refund part): to the wallet where the site has wallets, else outside; written
/// on the timeline as `note` (a money event) and told to the client. Answers the order after.
pub(crate) async fn give_back(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    amount: i64,
    reason: &str,
    note: String,
) -> AppResult<order::Model> {
    let to_wallet = request.tenant()?.features.is_on(Feature::Wallet);
    let destination = if to_wallet { RefundDestination::Wallet } else { RefundDestination::External };
    let (after, _) = pay_back(conn, request, order, amount, destination, reason, None).await?;
    let event =
        lifecycle::record(conn, request, &after, "REFUND", Some(after.status), Some(after.status), Some(note)).await?;
    super::notices::refunded(conn, request, &after, event, Money(amount), to_wallet, reason).await?;
    Ok(after)
}

/// A client asks for `amount` (none: all that is left) of their paid order back, saying why:
/// a refund request an admin decides (`refunds(filter: {status: PENDING})`). `NOT_FOUND` for an
/// order not theirs; `CONFLICT` when nothing is left to refund or a request already waits;
/// `BAD_USER_INPUT` (`EXCEEDS_PAID`) above what is left.
pub async fn request_refund(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    amount: Option<Money>,
    reason: &str,
) -> AppResult<RefundRecord> {
    request.require_role(&[Role::Client])?;
    let amount = amount.map(|a| billing::service::wallets::check_amount("amount", a)).transpose()?;
    let reason = validate::text("reason", reason, 500)?;
    let order = find_visible(conn, request, id).await?;
    let left = order.paid_minor - order.refunded_minor - order.writer_forfeit_minor;
    if left <= 0 {
        return Err(AppError::conflict("nothing paid for the order is left to refund").with_reason(Reason::ExceedsPaid));
    }
    let amount = amount.unwrap_or(left);
    if amount > left {
        return Err(AppError::bad_input("amount", format!("at most what is left of the payment ({})", Money(left)))
            .with_reason(Reason::ExceedsPaid));
    }
    let asked = refunds::request(conn, request, &money_of(&order), amount, &reason).await?;
    let note = format!("{} asked back: {reason}", Money(amount));
    lifecycle::record(conn, request, &order, "REFUND_REQUESTED", None, None, Some(note)).await?;
    Ok(asked)
}

/// An admin grants the client's pending refund request `id` as asked, to `destination`: the
/// refund is made as by [`refund`] (the same guards, cancellation and earnings), once.
pub async fn approve_request(
    conn: &kernel::WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    destination: RefundDestination,
) -> AppResult<RefundRecord> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let asked = refunds::pending(conn, request.tenant()?.id, id).await?;
    refund_of(conn, request, asked.order_id, asked.amount, destination, &asked.reason, Some(asked.id)).await.map_err(
        |e| match e.reason {
            // refunded meanwhile by other means: the request asks more than is left
            Some(Reason::ExceedsPaid) => AppError::conflict(
                "less is left to refund than the request asks (the order was refunded meanwhile): reject it, \
                 and the client may ask again",
            )
            .with_reason(Reason::ExceedsPaid),
            _ => e,
        },
    )
}

/// An admin turns the client's pending refund request `id` down, saying why; the client is told.
pub async fn reject_request(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    note: &str,
) -> AppResult<RefundRecord> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    let note = validate::text("reason", note, 500)?;
    let asked = refunds::pending(conn, tenant, id).await?;
    let rejected = refunds::reject(conn, request, tenant, id, &note).await?;
    let order = find_visible(conn, request, asked.order_id).await?;
    let event = lifecycle::record(conn, request, &order, "REFUND_REJECTED", None, None, Some(note.clone())).await?;
    let data = serde_json::json!({ "amount": asked.amount.to_string(), "reason": note });
    super::notices::tell_of(
        conn,
        request.now(),
        &order,
        &format!("order_event:{event}"),
        notifications::NotificationKind::RefundRejected,
        order.client_id,
        data,
    )
    .await?;
    Ok(rejected)
}

/// The order as billing's intents take it.
pub fn money_of(order: &order::Model) -> OrderMoney {
    OrderMoney { tenant: order.tenant_id, order: order.id, client: order.client_id, currency: order.currency.clone() }
}
