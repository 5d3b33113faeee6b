//! Escalations (the site's `escalations` feature): support hands a ticket or a dispute to the
//! admins with a reason; the ticket (or dispute) shows `ESCALATED` until an admin resolves the
//! escalation, saying how (a dispute's decision resolves its escalation too). One open
//! escalation per ticket or dispute (a partial unique index).

use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Feature, PageArgs, Paged, Reason, RequestContext, new_id, validate};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{ADMINS, STAFF, disputes, tickets};
use crate::entity::escalation::{self, Entity as Escalations, EscalationStatus, Model as Escalation};

/// What is escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Ticket(Uuid),
    Dispute(Uuid),
}

/// Escalates a ticket or a dispute to the admins (staff), with why; answers the escalation's id.
/// `CONFLICT` when it is escalated already, closed, or decided.
pub async fn escalate(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    subject: Subject,
    reason: &str,
) -> AppResult<Uuid> {
    request.require_feature(Feature::Escalations)?;
    let viewer = request.require_role(STAFF)?;
    let reason = validate::text("reason", reason, disputes::MAX_NOTE)?;
    let (ticket_id, dispute_id) = match subject {
        Subject::Ticket(id) => {
            tickets::escalate(conn, request, id, &reason).await?;
            (Some(id), None)
        }
        Subject::Dispute(id) => {
            disputes::mark_escalated(conn, request, id, &reason).await?;
            (None, Some(id))
        }
    };
    let id = new_id();
    Escalations::insert(escalation::ActiveModel {
        id: Set(id),
        tenant_id: Set(request.tenant()?.id),
        ticket_id: Set(ticket_id),
        dispute_id: Set(dispute_id),
        reason: Set(reason),
        status: Set(EscalationStatus::Open),
        escalated_by: Set(viewer.user_id),
        created_at: Set(request.now()),
        resolved_by: Set(None),
        resolved_at: Set(None),
        resolution: Set(None),
    })
    .exec_without_returning(conn)
    .await
    .map_err(|e| AppError::from_db_unique(e, "id", "it is escalated already"))?;
    Ok(id)
}

/// The escalation, if the viewer may see it (staff of its site).
pub async fn find(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Escalation> {
    request.require_feature(Feature::Escalations)?;
    request.require_role(STAFF)?;
    Escalations::find_by_id(id)
        .filter(escalation::Column::TenantId.eq(request.tenant()?.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("escalation"))
}

/// Resolves an open escalation (admins), saying how: the ticket goes back to the agents
/// (`OPEN`), the dispute back to support's review (`UNDER_REVIEW`). To decide an escalated
/// dispute, an admin resolves the dispute: that resolves its escalation.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    resolution: &str,
) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let found = find(conn, request, id).await?;
    let resolution = validate::text("resolution", resolution, disputes::MAX_NOTE)?;
    close(conn, request, &found, &resolution).await?;
    if let Some(ticket) = found.ticket_id {
        tickets::deescalate(conn, request, ticket, &resolution).await?;
    }
    if let Some(dispute) = found.dispute_id {
        disputes::deescalate(conn, request, dispute, &resolution).await?;
    }
    Ok(())
}

/// Resolves `found` (open), once.
async fn close(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: &Escalation,
    resolution: &str,
) -> AppResult<()> {
    let viewer = request.viewer()?;
    let closed = Escalations::update_many()
        .col_expr(escalation::Column::Status, Expr::value(EscalationStatus::Resolved))
        .col_expr(escalation::Column::ResolvedBy, Expr::value(viewer.user_id))
        .col_expr(escalation::Column::ResolvedAt, Expr::value(request.now()))
        .col_expr(escalation::Column::Resolution, Expr::value(resolution.to_owned()))
        .filter(escalation::Column::Id.eq(found.id))
        .filter(escalation::Column::Status.eq(EscalationStatus::Open))
        .exec(conn)
        .await?;
    if closed.rows_affected == 0 {
        return Err(AppError::conflict("the escalation is resolved already").with_reason(Reason::InvalidTransition));
    }
    Ok(())
}

/// Resolves the open escalation of a ticket or dispute that an admin settled directly (a
/// dispute decided or withdrawn, a ticket moved on), if it has one.
pub(super) async fn settle_for(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    subject: Subject,
    resolution: &str,
) -> AppResult<()> {
    let viewer = request.viewer()?;
    Escalations::update_many()
        .col_expr(escalation::Column::Status, Expr::value(EscalationStatus::Resolved))
        .col_expr(escalation::Column::ResolvedBy, Expr::value(viewer.user_id))
        .col_expr(escalation::Column::ResolvedAt, Expr::value(request.now()))
        .col_expr(escalation::Column::Resolution, Expr::value(resolution.to_owned()))
        .filter(escalation::Column::TenantId.eq(request.tenant()?.id))
        .filter(match subject {
            Subject::Ticket(id) => escalation::Column::TicketId.eq(id),
            Subject::Dispute(id) => escalation::Column::DisputeId.eq(id),
        })
        .filter(escalation::Column::Status.eq(EscalationStatus::Open))
        .exec(conn)
        .await?;
    Ok(())
}

/// The site's escalations, newest first, of one status if given (staff).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    status: Option<EscalationStatus>,
    page: PageArgs,
) -> AppResult<Paged<Escalation>> {
    request.require_feature(Feature::Escalations)?;
    request.require_role(STAFF)?;
    let mut query = Escalations::find().filter(escalation::Column::TenantId.eq(request.tenant()?.id));
    if let Some(status) = status {
        query = query.filter(escalation::Column::Status.eq(status));
    }
    paginate(conn, query, escalation::Column::Id, Order::newest_first(), page).await
}
