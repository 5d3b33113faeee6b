//! The order's side of a dispute (the support context's): opening one moves the order to
//! `DISPUTED`, and each outcome moves it on and settles its money, in the caller's transaction.
//! Where the order was before is the dispute's to remember (it hands it back to [`settle`]);
//! every move is a conditional update of the order from the status it must be in, so of two
//! racing outcomes one moves the order and the other is `CONFLICT`.

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, Money, Reason, RequestContext, Role};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

pub use crate::entity::order::OrderStatus;
use crate::entity::order::{self, Entity as Orders};
use crate::service::{access, lifecycle, notices, refunds};
use billing::service::order_money;
use billing::service::refunds::RefundDestination;
use notifications::NotificationKind;

/// Where an order may be disputed from: being written or revised, delivered, or completed
/// within the site's dispute window.
pub const DISPUTABLE: [OrderStatus; 5] = [
    OrderStatus::InProgress,
    OrderStatus::Submitted,
    OrderStatus::RevisionRequested,
    OrderStatus::InRevision,
    OrderStatus::Completed,
];

/// An order under dispute, as the support context sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputedOrder {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub writer_id: Option<Uuid>,
    pub topic: String,
    /// Where it was (where it goes back to).
    pub status_before: OrderStatus,
    pub paid: Money,
    pub refunded: Money,
    pub deadline: DateTime<Utc>,
}

fn disputed(order: &order::Model, before: OrderStatus) -> DisputedOrder {
    DisputedOrder {
        id: order.id,
        tenant_id: order.tenant_id,
        client_id: order.client_id,
        writer_id: order.writer_id,
        topic: order.topic.clone(),
        status_before: before,
        paid: Money(order.paid_minor),
        refunded: Money(order.refunded_minor),
        deadline: order.deadline,
    }
}

/// Who may open a dispute over an order: its client, its writer, or staff.
pub fn party(request: &RequestContext, client: Uuid, writer: Option<Uuid>) -> AppResult<Role> {
    let viewer = request.viewer()?;
    let allowed = match viewer.role {
        Role::Client => viewer.user_id == client,
        Role::Writer => writer == Some(viewer.user_id),
        Role::Support | Role::Admin | Role::Superadmin => true,
        Role::Editor => false,
    };
    if allowed { Ok(viewer.role) } else { Err(AppError::not_found("order")) }
}

/// Moves the viewer's order `id` to `DISPUTED` (`NOT_FOUND` when they may not see it; `CONFLICT`
/// from a status that allows no dispute, or a completion older than `window_days`). Answers the
/// order with where it was.
pub async fn open(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    window_days: i32,
    reason: &str,
) -> AppResult<DisputedOrder> {
    let order = access::find_visible(conn, request, id).await?;
    party(request, order.client_id, order.writer_id)?;
    let now = request.now();
    if !DISPUTABLE.contains(&order.status) {
        return Err(AppError::conflict(format!(
            "an order {} cannot be disputed",
            <&str>::from(order.status).to_ascii_lowercase().replace('_', " ")
        ))
        .with_reason(Reason::InvalidTransition));
    }
    if order.status == OrderStatus::Completed
        && order.completed_at.is_none_or(|done| now > done + Duration::days(i64::from(window_days)))
    {
        return Err(AppError::conflict(format!("a completed order may be disputed within {window_days} days"))
            .with_reason(Reason::Expired));
    }
    move_order(conn, &order, OrderStatus::Disputed, Vec::new(), false, now).await?;
    let event = lifecycle::record(
        conn,
        request,
        &order,
        "DISPUTE_OPENED",
        Some(order.status),
        Some(OrderStatus::Disputed),
        Some(reason.to_owned()),
    )
    .await?;
    // the other party hears of it (once for this dispute: its timeline event is the cause)
    let viewer = request.viewer()?.user_id;
    for who in std::iter::once(order.client_id).chain(order.writer_id).filter(|w| *w != viewer) {
        let cause = format!("order_event:{event}");
        notices::tell_of(conn, now, &order, &cause, NotificationKind::DisputeOpened, who, json!({})).await?;
    }
    Ok(disputed(&order, order.status))
}

/// Moves the order from `DISPUTED` to `to`, setting `extra` columns; `CONFLICT` (`STALE`) when it
/// is not disputed any more (another outcome, an admin's cancel).
async fn move_order(
    conn: &impl ConnectionTrait,
    order: &order::Model,
    to: OrderStatus,
    extra: Vec<(order::Column, SimpleExpr)>,
    same_money: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut update = Orders::update_many()
        .col_expr(order::Column::Status, Expr::value(to))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .filter(order::Column::Status.eq(order.status));
    if same_money {
        // what was refunded is what the decision was read against
        update = update.filter(order::Column::RefundedMinor.eq(order.refunded_minor));
    }
    for (column, value) in extra {
        update = update.col_expr(column, value);
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(AppError::conflict("the order changed meanwhile; reload it").with_reason(Reason::Stale));
    }
    Ok(())
}

/// How a dispute ends for the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The work stands: delivered or completed work completes (the writer is credited as on
    /// approval, once); work in progress resumes.
    WriterWins,
    /// The client gets `amount` back (all that is left: the order is cancelled and any earnings
    /// taken back; part: the writer's pay shrinks in proportion, and earnings already credited
    /// are reduced by as much). The order otherwise resumes.
    ClientWins { amount: Option<i64>, destination: RefundDestination },
    /// New deadlines; the work resumes.
    ExtendDeadline { deadline: DateTime<Utc>, writer_deadline: Option<DateTime<Utc>> },
    /// The writer's claim ends: the order goes back to the pool.
    Reassign,
    /// Nothing is decided (the dispute was withdrawn): the order resumes.
    Withdrawn,
}

/// What a settlement did, for the dispute's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub status: OrderStatus,
    pub refunded: Option<Money>,
    /// How much less the writer earns.
    pub writer_pay_reduced: Option<Money>,
}

/// Applies `settlement` to the tenant's disputed order `id`, which was `before` when disputed
/// (staff's decision; a withdrawal the opener's): the order's move, its money, its timeline and
/// who is told, in the caller's transaction. `cause` names the dispute (the once-only key of its
/// money). Bad input (an amount above what is left, a past deadline, an outcome the order's work
/// cannot take) is refused before anything is written.
pub async fn settle(
    conn: &kernel::WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    before: OrderStatus,
    settlement: Settlement,
    cause: &str,
    note: &str,
) -> AppResult<Settled> {
    let outcome = match &settlement {
        Settlement::WriterWins => "WRITER_WINS",
        Settlement::ClientWins { .. } => "CLIENT_WINS",
        Settlement::ExtendDeadline { .. } => "EXTEND_DEADLINE",
        Settlement::Reassign => "REASSIGN",
        Settlement::Withdrawn => "WITHDRAWN",
    };
    let tenant = request.tenant()?.id;
    let order = super::pool::model(conn, tenant, id).await?;
    if order.status != OrderStatus::Disputed {
        return Err(AppError::conflict("the order is not disputed any more; reload it").with_reason(Reason::Stale));
    }
    let now = request.now();
    let resumes = matches!(before, OrderStatus::InProgress | OrderStatus::RevisionRequested | OrderStatus::InRevision);
    let mut settled = Settled { status: before, refunded: None, writer_pay_reduced: None };
    let mut extra: Vec<(order::Column, SimpleExpr)> = Vec::new();
    let mut completes = false;
    let mut refund = 0;
    match &settlement {
        Settlement::WriterWins => {
            if !resumes {
                settled.status = OrderStatus::Completed;
                completes = order.completed_at.is_none();
                extra.push((order::Column::CompletedAt, Expr::value(order.completed_at.unwrap_or(now))));
            }
        }
        Settlement::ClientWins { amount, .. } => {
            let left = order.paid_minor - order.refunded_minor;
            let amount = amount.unwrap_or(left);
            if amount <= 0 || amount > left {
                return Err(AppError::bad_input(
                    "input.refundAmount",
                    format!("from 0.01 to what is left of the payment ({})", Money(left)),
                )
                .with_reason(Reason::ExceedsPaid));
            }
            refund = amount;
            if amount == left {
                settled.status = OrderStatus::Cancelled;
            } else {
                // the writer's pay shrinks by the share of the payment refunded (rounded down
                // for the platform: never more than that share)
                let share = i128::from(order.writer_compensation_minor) * i128::from(amount)
                    / i128::from(order.paid_minor.max(1));
                let reduced = i64::try_from(share).map_err(|_| AppError::internal("a pay reduction out of range"))?;
                let pay = order
                    .writer_compensation_minor
                    .checked_sub(reduced)
                    .ok_or_else(|| AppError::internal("a pay reduction below zero"))?;
                extra.push((order::Column::WriterCompensationMinor, Expr::value(pay)));
                settled.writer_pay_reduced = Some(Money(reduced));
            }
        }
        Settlement::ExtendDeadline { deadline, writer_deadline } => {
            if !resumes {
                return Err(AppError::bad_input("input.outcome", "only work still being written can get more time"));
            }
            if *deadline <= now || *deadline <= order.deadline {
                return Err(AppError::bad_input("input.deadline", "a new deadline later than the current one"));
            }
            // the writer keeps the same margin before the client's deadline, unless told
            let writer = match writer_deadline {
                Some(given) if *given < now || *given > *deadline => {
                    return Err(AppError::bad_input("input.writerDeadline", "from now to the client's new deadline"));
                }
                Some(given) => *given,
                None => (*deadline - (order.deadline - order.writer_deadline)).max(now).min(*deadline),
            };
            extra.push((order::Column::Deadline, Expr::value(*deadline)));
            extra.push((order::Column::WriterDeadline, Expr::value(writer)));
        }
        Settlement::Reassign => {
            // once completed (even if sent back for a revision since), the writer was paid for it
            if before == OrderStatus::Completed || order.completed_at.is_some() {
                return Err(AppError::bad_input("input.outcome", "completed work cannot go to another writer"));
            }
            settled.status = OrderStatus::Available;
            extra.push((order::Column::WriterId, Expr::value(Option::<Uuid>::None)));
            extra.push((order::Column::WriterAssignedAt, Expr::value(Option::<DateTime<Utc>>::None)));
            extra.push((order::Column::WriterCompensationMinor, Expr::value(0i64)));
        }
        Settlement::Withdrawn => {}
    }
    let same_money = matches!(settlement, Settlement::ClientWins { .. });
    move_order(conn, &order, settled.status, extra, same_money, now).await?;
    // the timeline names the outcome, not the decision's words (which may name money the
    // writer may not read): those are the dispute's
    let event = lifecycle::record(
        conn,
        request,
        &order,
        "DISPUTE_RESOLVED",
        Some(OrderStatus::Disputed),
        Some(settled.status),
        Some(outcome.to_owned()),
    )
    .await?;
    let after = Orders::find_by_id(order.id).one(conn).await?.ok_or_else(|| AppError::not_found("order"))?;
    super::timers::resumed(conn, &after, event, now).await?;
    let of = refunds::money_of(&order);
    if let Settlement::ClientWins { destination, .. } = settlement {
        refunds::pay_back(conn, request, &order, refund, destination, note, None).await?;
        settled.refunded = Some(Money(refund));
        if let Some(writer) = order.writer_id {
            if settled.status == OrderStatus::Cancelled {
                order_money::reverse_earnings(conn, request, &of, writer, order.writer_compensation_minor).await?;
            } else if let Some(reduced) = settled.writer_pay_reduced.filter(|_| order.completed_at.is_some()) {
                order_money::reverse_earnings_part(conn, request, &of, writer, reduced.0, cause).await?;
            }
        }
    }
    if completes && let Some(writer) = order.writer_id {
        order_money::credit_earnings(conn, request, &of, writer, after.writer_compensation_minor).await?;
    }
    // both parties hear how it ended (the decision's words are the client's: they may name money)
    let status = <&str>::from(settled.status).to_ascii_lowercase().replace('_', " ");
    let cause = format!("order_event:{event}");
    let kind = NotificationKind::DisputeResolved;
    notices::tell_of(conn, now, &after, &cause, kind, order.client_id, json!({ "status": status, "note": note }))
        .await?;
    if let Some(writer) = order.writer_id {
        notices::tell_of(conn, now, &after, &cause, kind, writer, json!({ "status": status, "note": null })).await?;
    }
    Ok(settled)
}
