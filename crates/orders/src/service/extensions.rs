//! Deadline extensions: the client or the order's writer asks for a later deadline, saying why;
//! the other side (or an admin) approves or declines it. Approved, the order's deadline moves and
//! the writer's moves in the same proportion of the time from placing; the price does not change
//! (a client's extension never costs more). At most one request waits an order (a partial unique
//! index), each decision is a conditional update of the request, and the order's move is guarded
//! by the deadline it was asked against, so a decision never applies twice or to a moved order.

use chrono::{DateTime, Duration, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::deadline_extension::{self, Entity as Extensions, ExtensionSide, ExtensionStatus};
use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::service::access::find_visible;
use crate::service::{catalog, lifecycle, timers};

/// Statuses in which the work is still owed, so its deadline may move.
const OPEN: [OrderStatus; 7] = [
    OrderStatus::Available,
    OrderStatus::PendingPreferred,
    OrderStatus::PendingAcceptance,
    OrderStatus::InProgress,
    OrderStatus::OnHold,
    OrderStatus::RevisionRequested,
    OrderStatus::InRevision,
];

/// The writer's deadline for an order placed at `placed`, due at `deadline` before and
/// `new_deadline` after: at the same share of the time from placing (never before it was).
pub fn moved_writer_deadline(
    placed: DateTime<Utc>,
    deadline: DateTime<Utc>,
    writer_deadline: DateTime<Utc>,
    new_deadline: DateTime<Utc>,
) -> DateTime<Utc> {
    let total = (deadline - placed).num_seconds();
    if total <= 0 {
        return Ord::max(writer_deadline, new_deadline);
    }
    let share = i128::from((writer_deadline - placed).num_seconds().clamp(0, total));
    let moved = i128::from((new_deadline - placed).num_seconds()) * share / i128::from(total);
    let moved = placed + Duration::seconds(i64::try_from(moved).unwrap_or(i64::MAX / 2_000));
    Ord::max(moved, writer_deadline)
}

/// The side the viewer is on for `order`: its client or its writer (others may not ask).
fn side_of(request: &RequestContext, order: &order::Model) -> AppResult<ExtensionSide> {
    let viewer = request.viewer()?;
    match viewer.role {
        Role::Client if viewer.user_id == order.client_id => Ok(ExtensionSide::Client),
        Role::Writer if order.writer_id == Some(viewer.user_id) => Ok(ExtensionSide::Writer),
        _ => Err(AppError::forbidden("only the order's client or its writer asks for more time")),
    }
}

/// The order's client or writer asks to move its deadline to `new_deadline`, saying why: later
/// than the deadline now and at most the site's `maxExtensionDays` later (`BAD_USER_INPUT`
/// `newDeadline`), while the work is owed and no other request waits (`CONFLICT`). The other
/// side is told through the timeline.
pub async fn request(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    new_deadline: DateTime<Utc>,
    reason: &str,
) -> AppResult<deadline_extension::Model> {
    let reason = validate::text("reason", reason, 1000)?;
    let order = find_visible(conn, request, id).await?;
    let side = side_of(request, &order)?;
    if !OPEN.contains(&order.status) {
        return Err(AppError::conflict(format!(
            "the deadline of an order that is {} no longer moves",
            <&str>::from(order.status)
        ))
        .with_reason(Reason::InvalidTransition));
    }
    if new_deadline <= order.deadline {
        return Err(AppError::bad_input("newDeadline", "an extension moves the deadline later than it is"));
    }
    let most = catalog::settings(conn, order.tenant_id).await?.max_extension_days;
    if new_deadline > order.deadline + Duration::days(most.into()) {
        return Err(AppError::bad_input("newDeadline", format!("at most {most} days later than the deadline now")));
    }
    let now = request.now();
    let row = deadline_extension::Model {
        id: new_id(),
        tenant_id: order.tenant_id,
        order_id: order.id,
        requested_by: request.viewer()?.user_id,
        requested_by_role: side,
        deadline: order.deadline,
        new_deadline,
        writer_deadline: order.writer_deadline,
        new_writer_deadline: moved_writer_deadline(
            order.placed_at,
            order.deadline,
            order.writer_deadline,
            new_deadline,
        ),
        reason: reason.clone(),
        status: ExtensionStatus::Pending,
        created_at: now,
        decided_by: None,
        decided_at: None,
        note: None,
    };
    let inserted = Extensions::insert(deadline_extension::ActiveModel::from(row.clone()))
        .on_conflict(sea_orm::sea_query::OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    if inserted == 0 {
        return Err(
            AppError::conflict("a request for more time waits for this order already").with_reason(Reason::Duplicate)
        );
    }
    let note = format!("until {} asked: {reason}", new_deadline.format("%Y-%m-%d %H:%M UTC"));
    lifecycle::record(conn, request, &order, "EXTENSION_REQUESTED", None, None, Some(note)).await?;
    Ok(row)
}

/// Whether the viewer may decide `ext` of `order`: the other side, or an admin.
fn may_decide(request: &RequestContext, order: &order::Model, ext: &deadline_extension::Model) -> AppResult<()> {
    let viewer = request.viewer()?;
    if matches!(viewer.role, Role::Admin | Role::Superadmin) {
        return Ok(());
    }
    match side_of(request, order) {
        Ok(side) if side != ext.requested_by_role => Ok(()),
        _ => Err(AppError::forbidden("the other side of the order (or an admin) decides a request for more time")),
    }
}

/// The other side (or an admin) approves or declines the waiting request `id`, with a note.
/// Approved, the order's deadlines move (only if they are still those it was asked against:
/// `CONFLICT` otherwise) and its lateness is checked again at the writer's new deadline.
pub async fn decide(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    approve: bool,
    note: Option<String>,
) -> AppResult<deadline_extension::Model> {
    let note = validate::optional_text("note", note.as_deref(), 1000)?;
    let tenant = request.tenant()?.id;
    let ext = Extensions::find_by_id(id)
        .filter(deadline_extension::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("deadline extension"))?;
    // not found unless the viewer sees the order
    let order = find_visible(conn, request, ext.order_id).await?;
    may_decide(request, &order, &ext)?;
    let now = request.now();
    let status = if approve { ExtensionStatus::Approved } else { ExtensionStatus::Declined };
    let decided = Extensions::update_many()
        .col_expr(deadline_extension::Column::Status, Expr::value(status))
        .col_expr(deadline_extension::Column::DecidedBy, Expr::value(request.viewer()?.user_id))
        .col_expr(deadline_extension::Column::DecidedAt, Expr::value(now))
        .col_expr(deadline_extension::Column::Note, Expr::value(note.clone()))
        .filter(deadline_extension::Column::Id.eq(id))
        .filter(deadline_extension::Column::TenantId.eq(tenant))
        .filter(deadline_extension::Column::Status.eq(ExtensionStatus::Pending))
        .exec(conn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(AppError::conflict("the request was decided already").with_reason(Reason::InvalidTransition));
    }
    if approve {
        let moved = Orders::update_many()
            .col_expr(order::Column::Deadline, Expr::value(ext.new_deadline))
            .col_expr(order::Column::WriterDeadline, Expr::value(ext.new_writer_deadline))
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.eq(order.id))
            .filter(order::Column::TenantId.eq(tenant))
            .filter(order::Column::Deadline.eq(ext.deadline))
            .filter(order::Column::WriterDeadline.eq(ext.writer_deadline))
            .filter(order::Column::Status.is_in(OPEN))
            .exec(conn)
            .await?;
        if moved.rows_affected == 0 {
            return Err(AppError::conflict("the order changed since the request; ask again").with_reason(Reason::Stale));
        }
        let when = ext.new_deadline.format("%Y-%m-%d %H:%M UTC");
        let text =
            note.as_deref().map_or_else(|| format!("deadline now {when}"), |n| format!("deadline now {when}: {n}"));
        let event = lifecycle::record(conn, request, &order, "EXTENSION_APPROVED", None, None, Some(text)).await?;
        let after = super::pool::model(conn, tenant, order.id).await?;
        timers::resumed(conn, &after, event, now).await?;
    } else {
        lifecycle::record(conn, request, &order, "EXTENSION_DECLINED", None, None, note.clone()).await?;
    }
    Extensions::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("deadline extension"))
}

/// The order's requests for more time, newest first (everyone who sees the order).
pub async fn of_order(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    page: PageArgs,
) -> AppResult<Paged<deadline_extension::Model>> {
    let order = find_visible(conn, request, id).await?;
    let query = Extensions::find()
        .filter(deadline_extension::Column::TenantId.eq(order.tenant_id))
        .filter(deadline_extension::Column::OrderId.eq(order.id));
    paginate(conn, query, deadline_extension::Column::Id, Order::newest_first(), page).await
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_writers_deadline_keeps_its_share_of_the_time() {
        let placed = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        let at = |h: i64| placed + Duration::hours(h);
        // 80 % of 50 hours, then of 100
        assert_eq!(moved_writer_deadline(placed, at(50), at(40), at(100)), at(80));
        // never earlier than it was
        assert_eq!(moved_writer_deadline(placed, at(50), at(40), at(45)), at(40));
        assert_eq!(moved_writer_deadline(placed, placed, placed, at(10)), at(10), "no time to share: the new deadline");
    }
}
