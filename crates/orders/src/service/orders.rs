//! Placing orders, finding them as the viewer may see them, listing, revision requests.

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use tenancy::entity::tenant::FeatureToggles;
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus, PaymentStatus};
use crate::entity::order_line::{self, Entity as OrderLines};
use crate::entity::revision_request::{self, Entity as Revisions, RevisionSeverity, RevisionStatus};
use crate::service::catalog;
use crate::service::lifecycle::{self, Effects, OrderAction};
use crate::service::spec::{self, OrderSpec};

/// Which orders a viewer may see: clients their own, writers those assigned to them, support
/// and admins all of the tenant's; anyone else none.
pub fn visible_to(request: &RequestContext) -> AppResult<Condition> {
    let viewer = request.viewer()?;
    let tenant = request.tenant()?.id;
    let scope = Condition::all().add(order::Column::TenantId.eq(tenant));
    Ok(match viewer.role {
        Role::Client => scope.add(order::Column::ClientId.eq(viewer.user_id)),
        Role::Writer => scope.add(order::Column::WriterId.eq(viewer.user_id)),
        Role::Support | Role::Admin | Role::Superadmin => scope,
        Role::Editor => scope.add(Expr::value(false)),
    })
}

/// The order, if the viewer may see it; `NOT_FOUND` otherwise (whoever's it is).
pub async fn find_visible(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order::Model> {
    Orders::find_by_id(id).filter(visible_to(request)?).one(conn).await?.ok_or_else(|| AppError::not_found("order"))
}

/// Places an order for the viewing client: prices it now, freezes the lines, computes the
/// writer's deadline and pay, and starts the timeline.
pub async fn place(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    spec: &OrderSpec,
) -> AppResult<order::Model> {
    let viewer = request.require_role(&[Role::Client])?;
    let tenant = request.tenant()?;
    let now = request.now();
    let priced = spec::price(conn, tenant, toggles, spec, Some(viewer.user_id), now).await?;
    let order = order::Model {
        id: new_id(),
        tenant_id: tenant.id,
        client_id: viewer.user_id,
        writer_id: None,
        topic: spec.topic.as_deref().unwrap_or_default().trim().to_owned(),
        paper_type_id: spec.paper_type_id.unwrap_or_default(),
        academic_level_id: spec.academic_level_id.unwrap_or_default(),
        subject_id: spec.subject_id.unwrap_or_default(),
        work_type_id: spec.work_type_id.unwrap_or_default(),
        pages: spec.pages.unwrap_or_default(),
        slides: spec.slides.unwrap_or(0),
        spacing: spec.spacing.unwrap_or_default(),
        deadline: spec.deadline.unwrap_or(now),
        writer_deadline: priced.writer_deadline,
        extra_service_ids: serde_json::to_value(&priced.extra_service_ids).unwrap_or_default(),
        writer_level_id: spec.writer_level_id,
        preferred_writer_id: spec.preferred_writer_id,
        instructions: spec.instructions.clone().filter(|i| !i.trim().is_empty()),
        citation_style_id: spec.citation_style_id,
        english_type_id: spec.english_type_id,
        reference_count: spec.references,
        tone: spec.tone.clone(),
        status: OrderStatus::Unpaid,
        status_before_hold: None,
        payment_status: PaymentStatus::Unpaid,
        currency: tenant.currency.clone(),
        total_minor: priced.quote.total.0,
        writer_compensation_minor: priced.writer_compensation.0,
        paid_minor: 0,
        refunded_minor: 0,
        placed_at: now,
        updated_at: now,
        completed_at: None,
    };
    Orders::insert(order::ActiveModel::from(order.clone())).exec_without_returning(conn).await?;
    let lines = priced.quote.lines.iter().enumerate().map(|(i, line)| order_line::ActiveModel {
        id: Set(new_id()),
        order_id: Set(order.id),
        position: Set(i as i32),
        code: Set(line.code.clone()),
        label: Set(line.label.clone()),
        amount_minor: Set(line.amount.0),
    });
    OrderLines::insert_many(lines).exec_without_returning(conn).await?;
    if let Some((discount, off)) = &priced.discount {
        billing::service::discounts::redeem(conn, discount, viewer.user_id, order.id, *off, now).await?;
    }
    lifecycle::record(conn, request, &order, "PLACED", None, Some(OrderStatus::Unpaid), None).await?;
    Ok(order)
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub search: Option<String>,
    pub placed_from: Option<DateTime<Utc>>,
    pub placed_to: Option<DateTime<Utc>>,
}

/// The viewer's orders, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: OrderFilter,
    page: PageArgs,
    with_total: bool,
) -> AppResult<Paged<order::Model>> {
    let mut query = Orders::find().filter(visible_to(request)?);
    if let Some(status) = filter.status {
        query = query.filter(order::Column::Status.eq(status));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern =
            format!("%{}%", search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(
            Expr::expr(Func::lower(Expr::col(order::Column::Topic)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(from) = filter.placed_from {
        query = query.filter(order::Column::PlacedAt.gte(from));
    }
    if let Some(to) = filter.placed_to {
        query = query.filter(order::Column::PlacedAt.lt(to));
    }
    let total = if with_total { query.clone().count(conn).await? } else { 0 };
    if let Some(after) = page.after {
        query = query.filter(order::Column::Id.lt(after));
    }
    let rows = query.order_by_desc(order::Column::Id).limit(page.fetch()).all(conn).await?;
    Ok(Paged::new(page, rows, total))
}

/// Performs a plain action (one that takes no input besides a note).
pub async fn perform(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    action: OrderAction,
    note: Option<String>,
) -> AppResult<order::Model> {
    if matches!(action, OrderAction::AssignWriter | OrderAction::RequestRevision | OrderAction::Pay) {
        let mutation = match action {
            OrderAction::AssignWriter => "assignWriter",
            OrderAction::RequestRevision => "requestRevision",
            _ => "payOrderFromWallet",
        };
        return Err(AppError::bad_input("action", format!("{} takes input: use {mutation}", action.as_str())));
    }
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    lifecycle::transition(conn, request, &order, action, note, Effects::default(), settings.free_revision_days).await
}

/// The client pays the order from their wallet: UNPAID → AVAILABLE, payment status PAID. Not
/// enough money is `BAD_USER_INPUT` (`INSUFFICIENT_FUNDS`) and changes nothing.
pub async fn pay_from_wallet(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
) -> AppResult<order::Model> {
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    lifecycle::transition(
        conn,
        request,
        &order,
        OrderAction::Pay,
        None,
        Effects::default(),
        settings.free_revision_days,
    )
    .await
}

/// Offers the order to a writer of the tenant (admins).
pub async fn assign_writer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    writer: Uuid,
    note: Option<String>,
) -> AppResult<order::Model> {
    let order = find_visible(conn, request, id).await?;
    if !identity::service::users::has_role_in_tenant(conn, order.tenant_id, writer, Role::Writer).await? {
        return Err(AppError::bad_input("writerId", "not a writer of this site"));
    }
    let settings = catalog::settings(conn, order.tenant_id).await?;
    lifecycle::transition(
        conn,
        request,
        &order,
        OrderAction::AssignWriter,
        note,
        Effects { writer: Some(Some(writer)) },
        settings.free_revision_days,
    )
    .await
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RevisionChange {
    pub section: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct RevisionInput {
    pub severity: RevisionSeverity,
    pub reason: String,
    pub changes: Vec<RevisionChange>,
    pub deadline: DateTime<Utc>,
}

/// A structured revision request: moves the order to REVISION_REQUESTED and records what
/// should change, by when, for the order's writer.
pub async fn request_revision(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    input: RevisionInput,
) -> AppResult<revision_request::Model> {
    let reason = validate::text("reason", &input.reason, 5000)?;
    if input.changes.len() > 50 {
        return Err(AppError::bad_input("changes", "at most 50 changes"));
    }
    for (i, change) in input.changes.iter().enumerate() {
        validate::text(&format!("changes.{i}.section"), &change.section, 200)?;
        validate::text(&format!("changes.{i}.description"), &change.description, 2000)?;
    }
    let now = request.now();
    if input.deadline <= now {
        return Err(AppError::bad_input("deadline", "the revision deadline must be in the future"));
    }
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    let after = lifecycle::transition(
        conn,
        request,
        &order,
        OrderAction::RequestRevision,
        Some(reason.clone()),
        Effects::default(),
        settings.free_revision_days,
    )
    .await?;
    let revision = revision_request::Model {
        id: new_id(),
        tenant_id: order.tenant_id,
        order_id: order.id,
        requested_by: request.viewer()?.user_id,
        severity: input.severity,
        reason,
        changes: serde_json::to_value(&input.changes).unwrap_or_default(),
        deadline: input.deadline,
        status: RevisionStatus::Requested,
        assigned_to: after.writer_id,
        created_at: now,
        started_at: None,
        completed_at: None,
    };
    Revisions::insert(revision_request::ActiveModel::from(revision.clone())).exec_without_returning(conn).await?;
    Ok(revision)
}

/// The client's order counts and spend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub active: u64,
    pub completed: u64,
    pub unpaid: u64,
    pub total_spent: Money,
}

pub async fn client_stats(conn: &impl ConnectionTrait, tenant: Uuid, client: Uuid) -> AppResult<ClientStats> {
    let own = || Orders::find().filter(order::Column::TenantId.eq(tenant)).filter(order::Column::ClientId.eq(client));
    let rows: Vec<(OrderStatus, bool, i64)> = own()
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::CompletedAt.is_not_null(), "done")
        .column_as(order::Column::Id.count(), "n")
        .group_by(order::Column::Status)
        .group_by(order::Column::CompletedAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut stats = ClientStats::default();
    for (status, done, n) in rows {
        let n = n as u64;
        match status {
            OrderStatus::Unpaid => stats.unpaid += n,
            OrderStatus::Completed => stats.completed += n,
            OrderStatus::Archived if done => stats.completed += n,
            OrderStatus::Cancelled | OrderStatus::Archived => {}
            _ => stats.active += n,
        }
    }
    // What the client spent is what the ledger says was paid for their orders.
    let ids = own().select_only().column(order::Column::Id).into_query();
    stats.total_spent = billing::service::ledger::paid_for_orders(conn, tenant, ids).await?;
    Ok(stats)
}

/// An admin refunds part or all of what was paid for an order. The order row guards the sum
/// (`refunded + amount <= paid`, in the database), so racing refunds cannot exceed it. A full
/// refund marks the payment REFUNDED, cancels the order unless it is final, and takes back
/// the writer's earnings if they were credited.
pub async fn refund(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    amount: Money,
    destination: billing::entity::refund::RefundDestination,
    reason: &str,
) -> AppResult<billing::entity::refund::Model> {
    use billing::service::refunds::{self, RefundFor};
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let amount = billing::service::wallets::check_amount("amount", amount)?;
    let reason = validate::text("reason", reason, 500)?;
    let order = find_visible(conn, request, id).await?;
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
        .with_reason("EXCEEDS_PAID"));
    }
    let after = Orders::find_by_id(order.id).one(conn).await?.ok_or_else(|| AppError::not_found("order"))?;
    let full = after.refunded_minor >= after.paid_minor;
    let payment = if full { PaymentStatus::Refunded } else { PaymentStatus::PartiallyRefunded };
    Orders::update_many()
        .col_expr(order::Column::PaymentStatus, Expr::value(payment))
        .filter(order::Column::Id.eq(order.id))
        .exec(conn)
        .await?;
    let of = RefundFor {
        tenant: order.tenant_id,
        order: order.id,
        client: order.client_id,
        currency: order.currency.clone(),
    };
    let refund = refunds::record(conn, request, &of, amount, destination, &reason).await?;
    let note = format!("{} refunded: {reason}", Money(amount));
    lifecycle::record(conn, request, &after, "REFUND", Some(after.status), Some(after.status), Some(note)).await?;
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
                return Err(AppError::conflict("the order changed meanwhile; reload it").with_reason("STALE"));
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
        }
        if let Some(writer) = after.writer_id {
            refunds::reverse_earnings(conn, request, &of, writer).await?;
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
