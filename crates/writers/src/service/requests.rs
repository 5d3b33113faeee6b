//! Writers' requests for orders of the pool: a writer asks (at most their level's number of
//! open requests, one per order), an admin approves (the order becomes the writer's through the
//! gate) or rejects, the writer may withdraw; when the order goes to a writer through the
//! workforce (taken, given), the requests still open for it expire. A request whose order left
//! the pool otherwise (offered, cancelled) stays pending but counts against no limit, and
//! approving it is `CONFLICT`.

use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate};
use orders::service::actions::{self, HandedOver};
use orders::service::lifecycle::OrderAction;
use orders::service::pool;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use kernel::live::{LiveEvent, Topic};
use notifications::NotificationKind;
use orders::service::notices;
use serde_json::json;

use crate::entity::writer_order_request::{self, Entity as Requests, Model as OrderRequest, RequestStatus};
use crate::entity::writer_profile::WriterStatus;
use crate::service::gate;
use crate::service::levels::ADMINS;
use crate::service::profiles;
use crate::service::work::gone;

/// The viewer (a writer) asks for an order of the pool they could take.
pub async fn request(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order_id: Uuid,
    note: &str,
) -> AppResult<OrderRequest> {
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let note = if note.trim().is_empty() { String::new() } else { validate::text("note", note, 1000)? };
    let writer = profiles::find(conn, tenant, viewer.user_id).await?;
    let order = pool::find(conn, tenant, order_id).await?;
    if order.waiting_for.is_some() {
        return Err(AppError::not_found("order"));
    }
    if writer.status != WriterStatus::Active {
        return Err(AppError::conflict("you are not active: no new work").with_reason(Reason::WriterInactive));
    }
    let rules = gate::rules_of(conn, &writer).await?;
    gate::allows(&writer, &rules, &order)?;
    // counted under the writer's gate, so racing requests cannot pass the limit together
    gate::lock(conn, &writer).await?;
    // the order's row held to the end: a hand-over of it comes before this request (and this
    // sees it gone) or after (and expires this request)
    if !pool::hold_if_available(conn, tenant, order.id).await? {
        return Err(gone());
    }
    let pending = Requests::find()
        .filter(writer_order_request::Column::TenantId.eq(tenant))
        .filter(writer_order_request::Column::WriterId.eq(writer.id))
        .filter(writer_order_request::Column::Status.eq(RequestStatus::Pending))
        .all(conn)
        .await?;
    // those whose order left the pool otherwise (offered and accepted, cancelled) expire now:
    // they hold no slot, and the writer's pending requests stay few
    let orders: Vec<Uuid> = pending.iter().map(|r| r.order_id).collect();
    let in_pool = pool::available_among(conn, tenant, &orders).await?;
    let (open, stale): (Vec<_>, Vec<_>) = pending.into_iter().partition(|r| in_pool.contains(&r.order_id));
    expire(conn, request, stale, "the order left the pool").await?;
    let open = open.len();
    if open >= usize::try_from(rules.max_open_requests).unwrap_or(0) {
        return Err(AppError::conflict(format!("you have {open} open requests, your level's limit"))
            .with_reason(Reason::RequestLimit));
    }
    let row = OrderRequest {
        id: new_id(),
        tenant_id: tenant,
        order_id: order.id,
        writer_id: writer.id,
        note,
        status: RequestStatus::Pending,
        reason: None,
        created_at: request.now(),
        decided_at: None,
        decided_by: None,
    };
    Requests::insert(writer_order_request::ActiveModel::from(row.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "orderId", "you have already asked for this order"))?;
    Ok(row)
}

/// The viewer's (a writer's) own request `id`; none when it is not theirs.
pub async fn own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Option<OrderRequest>> {
    let viewer = request.require_role(&[Role::Writer])?;
    Ok(Requests::find_by_id(id)
        .filter(writer_order_request::Column::TenantId.eq(request.tenant()?.id))
        .filter(writer_order_request::Column::WriterId.eq(viewer.user_id))
        .one(conn)
        .await?)
}

/// The tenant's request `id`, or `NOT_FOUND`.
async fn find(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<OrderRequest> {
    Requests::find_by_id(id)
        .filter(writer_order_request::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("order request"))
}

/// The writer hears of their request's new status: live (`orderRequestUpdated`, when this
/// commits) and, when it was decided for them (approved, rejected, expired), by notification,
/// once per request and status.
async fn tell(conn: &impl ConnectionTrait, request: &RequestContext, r: &OrderRequest) -> AppResult<()> {
    let event = LiveEvent { tenant: r.tenant_id, topic: Topic::OrderRequests(r.writer_id), item: r.id };
    kernel::live::publish(conn, event).await?;
    let status = match r.status {
        RequestStatus::Approved => "approved",
        RequestStatus::Rejected => "rejected",
        RequestStatus::Expired => "expired",
        RequestStatus::Pending | RequestStatus::Withdrawn => return Ok(()),
    };
    let cause = format!("order_request:{}:{status}", r.id);
    let data = json!({ "status": status, "reason": r.reason });
    let kind = NotificationKind::OrderRequestUpdated;
    notices::tell_about(conn, request, r.order_id, &cause, kind, r.writer_id, data).await
}

/// Moves a pending request to `to` (a conditional update: of two racing decisions one wins,
/// the other is `CONFLICT`); answers it as it is after.
async fn decide(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: OrderRequest,
    to: RequestStatus,
    reason: Option<String>,
) -> AppResult<OrderRequest> {
    let now = request.now();
    let by = request.viewer.as_ref().map(|v| v.user_id).filter(|_| to != RequestStatus::Withdrawn);
    let moved = Requests::update_many()
        .col_expr(writer_order_request::Column::Status, Expr::value(to))
        .col_expr(writer_order_request::Column::Reason, Expr::value(reason.clone()))
        .col_expr(writer_order_request::Column::DecidedAt, Expr::value(now))
        .col_expr(writer_order_request::Column::DecidedBy, Expr::value(by))
        .filter(writer_order_request::Column::Id.eq(found.id))
        .filter(writer_order_request::Column::Status.eq(RequestStatus::Pending))
        .exec(conn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(AppError::conflict("the request is no longer pending").with_reason(Reason::Stale));
    }
    let after = OrderRequest { status: to, reason, decided_at: Some(now), decided_by: by, ..found };
    tell(conn, request, &after).await?;
    Ok(after)
}

/// An admin approves a pending request: the order becomes the writer's (through the gate) and
/// the other requests for it expire.
pub async fn approve(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
) -> AppResult<(OrderRequest, HandedOver)> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let found = find(conn, tenant, id).await?;
    if found.status != RequestStatus::Pending {
        return Err(AppError::conflict("the request is no longer pending").with_reason(Reason::Stale));
    }
    let order = pool::find(conn, tenant, found.order_id).await?;
    if !order.available {
        return Err(gone());
    }
    let writer = profiles::find(conn, tenant, found.writer_id).await?;
    let pay = gate::admit(conn, request, &writer, &order).await?;
    let handed = actions::hand_over(conn, request, order.id, OrderAction::Give, writer.id, pay, None).await?;
    let approved = decide(conn, request, found, RequestStatus::Approved, None).await?;
    expire_for(conn, request, order.id).await?;
    Ok((approved, handed))
}

/// An admin rejects a pending request, saying why.
pub async fn reject(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<OrderRequest> {
    request.require_role(ADMINS)?;
    let reason = validate::text("reason", reason, 500)?;
    let found = find(conn, request.tenant()?.id, id).await?;
    decide(conn, request, found, RequestStatus::Rejected, Some(reason)).await
}

/// The writer takes back their own pending request (another writer's is `NOT_FOUND`).
pub async fn withdraw(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<OrderRequest> {
    let viewer = request.require_role(&[Role::Writer])?;
    let found = find(conn, request.tenant()?.id, id).await?;
    if found.writer_id != viewer.user_id {
        return Err(AppError::not_found("order request"));
    }
    decide(conn, request, found, RequestStatus::Withdrawn, None).await
}

/// The requests still open for `order` expire: it went to a writer.
pub async fn expire_for(conn: &impl ConnectionTrait, request: &RequestContext, order: Uuid) -> AppResult<()> {
    let tenant = request.tenant()?.id;
    // read under the order's hand-over (its row is locked until this commits): no request for
    // it is approved meanwhile
    let open = Requests::find()
        .filter(writer_order_request::Column::TenantId.eq(tenant))
        .filter(writer_order_request::Column::OrderId.eq(order))
        .filter(writer_order_request::Column::Status.eq(RequestStatus::Pending))
        .all(conn)
        .await?;
    expire(conn, request, open, "the order went to a writer").await
}

/// `rows` (pending requests, read under a lock that keeps them so) expire for `reason`; their
/// writers are told.
async fn expire(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    rows: Vec<OrderRequest>,
    reason: &str,
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    Requests::update_many()
        .col_expr(writer_order_request::Column::Status, Expr::value(RequestStatus::Expired))
        .col_expr(writer_order_request::Column::Reason, Expr::value(reason))
        .col_expr(writer_order_request::Column::DecidedAt, Expr::value(request.now()))
        .filter(writer_order_request::Column::Id.is_in(kernel::db::in_list(&ids)))
        .filter(writer_order_request::Column::Status.eq(RequestStatus::Pending))
        .exec(conn)
        .await?;
    for r in rows {
        let expired = OrderRequest {
            status: RequestStatus::Expired,
            reason: Some(reason.into()),
            decided_at: Some(request.now()),
            ..r
        };
        tell(conn, request, &expired).await?;
    }
    Ok(())
}

/// Requests, newest first: a writer's own; for admins the tenant's, optionally one writer's or
/// one order's.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    status: Option<RequestStatus>,
    order: Option<Uuid>,
    writer: Option<Uuid>,
    page: PageArgs,
) -> AppResult<Paged<OrderRequest>> {
    let viewer = request.viewer()?;
    let writer = match viewer.role {
        Role::Writer => Some(viewer.user_id),
        role if ADMINS.contains(&role) => writer,
        _ => return Err(AppError::forbidden("only writers and admins read order requests")),
    };
    let mut query = Requests::find().filter(writer_order_request::Column::TenantId.eq(request.tenant()?.id));
    if let Some(status) = status {
        query = query.filter(writer_order_request::Column::Status.eq(status));
    }
    if let Some(order) = order {
        query = query.filter(writer_order_request::Column::OrderId.eq(order));
    }
    if let Some(writer) = writer {
        query = query.filter(writer_order_request::Column::WriterId.eq(writer));
    }
    paginate(conn, query, writer_order_request::Column::Id, Order::newest_first(), page).await
}
