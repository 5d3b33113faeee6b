//! The order's timers: jobs scheduled, in the transaction of the move that starts them, for the
//! moment they are due. An offer no writer answers within the tenant's acceptance window lapses
//! back to the pool (admins are told); a submitted order the client leaves alone for the
//! tenant's auto-complete days is completed by the system (the writer paid as on approval); a
//! writer's deadline that passes before the work is submitted raises one "late" notice to the
//! writer and the admins. Each job acts only if the move that scheduled it is still the order's
//! latest (one indexed look at the timeline), so an answered offer or an approved order leaves
//! its timer with nothing to do. Nothing here has a viewer: the timeline shows no actor (the
//! system).

use chrono::{DateTime, Duration, Utc};
use jobs::{JobRun, NewJob};
use kernel::{AppError, AppResult, ClientInfo, RequestContext};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::entity::order_event::{self, Entity as OrderEvents};
use crate::service::lifecycle::{self, OrderAction};
use crate::service::{catalog, notices};
use notifications::NotificationKind;

pub const OFFER_LAPSE: &str = "orders.offer_lapse";
pub const AUTO_COMPLETE: &str = "orders.auto_complete";
pub const LATE_CHECK: &str = "orders.late_check";

/// Statuses in which the writer owes the work.
const WORKING: [OrderStatus; 2] = [OrderStatus::InProgress, OrderStatus::InRevision];

pub(crate) async fn enqueue(
    conn: &impl ConnectionTrait,
    kind: &str,
    order: &order::Model,
    event: Uuid,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let job = NewJob::new(kind, json!({ "order": order.id, "event": event }), at)
        .for_tenant(order.tenant_id)
        .once_per(format!("{kind}:{event}"));
    jobs::enqueue(conn, job, now).await?;
    Ok(())
}

/// Schedules the timer `action` starts, if any (`event`: the move's timeline entry).
pub async fn schedule(
    conn: &impl ConnectionTrait,
    after: &order::Model,
    action: OrderAction,
    event: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    match action {
        OrderAction::AssignWriter => {
            let hours = catalog::settings(conn, after.tenant_id).await?.acceptance_window_hours;
            enqueue(conn, OFFER_LAPSE, after, event, now + Duration::hours(hours.into()), now).await
        }
        OrderAction::Submit | OrderAction::CompleteEditing if after.status == OrderStatus::Submitted => {
            let days = catalog::settings(conn, after.tenant_id).await?.auto_complete_days;
            enqueue(conn, AUTO_COMPLETE, after, event, now + Duration::days(days.into()), now).await
        }
        OrderAction::Pay | OrderAction::MarkPaid if after.status == OrderStatus::PendingPreferred => {
            super::preferred::schedule(conn, after, event, now).await
        }
        OrderAction::AcceptAssignment | OrderAction::Take | OrderAction::Give | OrderAction::StartRevision => {
            enqueue(conn, LATE_CHECK, after, event, Ord::max(after.writer_deadline, now), now).await
        }
        _ => Ok(()),
    }
}

/// Arms again the timer of the status an order comes back to when its dispute ends (`event`: the
/// timeline entry of that move): submitted work completes by itself after a whole review period
/// from now, as on submission; work being written is checked for lateness at its (maybe new)
/// deadline. The auto-completion armed before the dispute finds itself overtaken and does
/// nothing; a lateness check tells of a deadline once, however many look at it.
pub async fn resumed(
    conn: &impl ConnectionTrait,
    after: &order::Model,
    event: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    match after.status {
        OrderStatus::Submitted => {
            let days = catalog::settings(conn, after.tenant_id).await?.auto_complete_days;
            enqueue(conn, AUTO_COMPLETE, after, event, now + Duration::days(days.into()), now).await
        }
        OrderStatus::InProgress | OrderStatus::InRevision => {
            enqueue(conn, LATE_CHECK, after, event, Ord::max(after.writer_deadline, now), now).await
        }
        _ => Ok(()),
    }
}

/// Whether `event` is still the order's latest change of status.
pub(crate) async fn still(conn: &impl ConnectionTrait, order: Uuid, event: Uuid) -> AppResult<bool> {
    let latest: Option<Uuid> = OrderEvents::find()
        .select_only()
        .column(order_event::Column::Id)
        .filter(order_event::Column::OrderId.eq(order))
        .filter(Expr::col(order_event::Column::FromStatus).ne(Expr::col(order_event::Column::ToStatus)))
        .order_by_desc(order_event::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(latest == Some(event))
}

/// The job's order and the move that scheduled it.
pub(crate) fn target(run: &JobRun) -> AppResult<(Uuid, Uuid)> {
    let id = |key: &str| run.payload.get(key).and_then(|v| v.as_str()).and_then(|v| v.parse::<Uuid>().ok());
    match (id("order"), id("event")) {
        (Some(order), Some(event)) => Ok((order, event)),
        _ => Err(AppError::internal(format!("job {} names no order and event", run.id))),
    }
}

/// A request of no one (the system) under the order's tenant, for the services that take one;
/// none when the tenant is deleted (its timers then do nothing: its site is closed).
pub async fn system(run: &JobRun, tenant: Uuid) -> AppResult<Option<RequestContext>> {
    let tenant = tenancy::service::tenants::find(&run.db, tenant).await?;
    if tenant.deleted_at.is_some() {
        return Ok(None);
    }
    Ok(Some(RequestContext {
        db: run.db.clone().into(),
        clock: run.clock.clone(),
        tenant: Some(tenant.scope()),
        viewer: None,
        client: ClientInfo::default(),
    }))
}

/// `orders.offer_lapse`: the offer is still unanswered; the order goes back to the pool.
pub async fn lapse_offer(run: JobRun) -> AppResult<()> {
    let (id, event) = target(&run)?;
    let Some(tenant) = run.tenant_id else { return Err(AppError::internal("an order timer without a tenant")) };
    let Some(request) = system(&run, tenant).await? else { return Ok(()) };
    kernel::write(&request, async |txn| {
        if !still(txn, id, event).await? {
            return Ok(());
        }
        let order = Orders::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("order"))?;
        let now = request.now();
        let moved = Orders::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Available))
            .col_expr(order::Column::WriterId, Expr::value(Option::<Uuid>::None))
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.eq(id))
            .filter(order::Column::Status.eq(OrderStatus::PendingAcceptance))
            .exec(txn)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(());
        }
        let hours = catalog::settings(txn, tenant).await?.acceptance_window_hours;
        let note = format!("the writer did not answer within {hours} hours");
        let lapsed = lifecycle::record(
            txn,
            &request,
            &order,
            "OFFER_LAPSED",
            Some(OrderStatus::PendingAcceptance),
            Some(OrderStatus::Available),
            Some(note),
        )
        .await?;
        let after = Orders::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("order"))?;
        for admin in identity::service::users::admins(txn, tenant).await? {
            let cause = format!("order_event:{lapsed}");
            notices::tell_of(txn, now, &after, &cause, NotificationKind::OfferLapsed, admin.user_id, json!({})).await?;
        }
        Ok(())
    })
    .await
}

/// `orders.auto_complete`: the client left the submitted work alone; the system completes the
/// order and the writer is paid as on approval.
pub async fn auto_complete(run: JobRun) -> AppResult<()> {
    let (id, event) = target(&run)?;
    let Some(tenant) = run.tenant_id else { return Err(AppError::internal("an order timer without a tenant")) };
    let Some(request) = system(&run, tenant).await? else { return Ok(()) };
    kernel::write(&request, async |txn| {
        if !still(txn, id, event).await? {
            return Ok(());
        }
        let order = Orders::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("order"))?;
        let now = request.now();
        let moved = Orders::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Completed))
            .col_expr(order::Column::CompletedAt, Expr::value(now))
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.eq(id))
            .filter(order::Column::Status.eq(OrderStatus::Submitted))
            .exec(txn)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(());
        }
        lifecycle::post_money(txn, &request, &order, OrderAction::Approve).await?;
        let days = catalog::settings(txn, tenant).await?.auto_complete_days;
        let note = format!("completed by the system: no answer from the client within {days} days");
        let completed = lifecycle::record(
            txn,
            &request,
            &order,
            "AUTO_COMPLETE",
            Some(OrderStatus::Submitted),
            Some(OrderStatus::Completed),
            Some(note),
        )
        .await?;
        let after = Orders::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("order"))?;
        notices::moved(txn, &request, &after, OrderAction::Approve, completed, None).await
    })
    .await
}

/// `orders.late_check`: at the writer's deadline, if the work is still owed, the writer and the
/// admins are told, once per deadline.
pub async fn late_check(run: JobRun) -> AppResult<()> {
    let (id, _) = target(&run)?;
    let now = run.clock.now();
    let Some(order) = Orders::find_by_id(id).one(&run.db).await? else { return Ok(()) };
    let Some(writer) = order.writer_id.filter(|_| WORKING.contains(&order.status)) else { return Ok(()) };
    if order.writer_deadline > now {
        return Ok(()); // not late (yet): the move that changes the deadline schedules its own check
    }
    let Some(request) = system(&run, order.tenant_id).await? else { return Ok(()) };
    kernel::write(&request, async |txn| {
        let cause = format!("order:{}:late:{}", order.id, order.writer_deadline.timestamp());
        let mut told = vec![writer];
        told.extend(identity::service::users::admins(txn, order.tenant_id).await?.iter().map(|a| a.user_id));
        for who in told {
            notices::tell_of(txn, now, &order, &cause, NotificationKind::OrderLate, who, json!({})).await?;
        }
        Ok(())
    })
    .await
}
