//! Disputes over orders (the site's `disputes` feature): the order's client or writer opens one
//! (or staff for them) and the order stops where it is (`DISPUTED`); the parties and staff write
//! on its thread (staff also internal notes); an agent reviews it, and support (or, escalated,
//! an admin) decides it. A decision is applied to the order, the ledger, the dispute, both
//! timelines and the audit log in one transaction, and the dispute's row is moved first, from
//! the state it was read in: of two staff deciding one dispute at once, one wins and the other
//! is `CONFLICT`, with nothing of theirs written.

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{
    AppError, AppResult, Feature, MessageType, Money, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate,
};
use orders::service::disputes::{self as order_disputes, Settlement};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use super::{ADMINS, STAFF, escalations, settings};
use crate::entity::dispute::{self, DisputeStatus, Entity as Disputes, Model as Dispute, OpenerRole, Outcome};
use crate::entity::dispute_event::{self, Entity as Events};
use crate::entity::dispute_message::{self, Entity as Messages};
use crate::entity::ticket::Priority;

pub use billing::service::refunds::RefundDestination;

/// The longest reason or decision note.
pub const MAX_NOTE: usize = 2000;
/// The longest message.
pub const MAX_MESSAGE: usize = 10_000;
/// The most disputes one bulk decision takes.
pub const MAX_BULK: usize = 100;

/// The steps of a dispute, as its timeline names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Step {
    Opened,
    Assigned,
    Message,
    Note,
    Escalated,
    Deescalated,
    Resolved,
    Closed,
    Withdrawn,
}

fn is_staff(role: Role) -> bool {
    STAFF.contains(&role)
}

async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    dispute: &Dispute,
    step: Step,
    note: Option<String>,
) -> AppResult<Uuid> {
    let id = new_id();
    let kind: &'static str = step.into();
    Events::insert(dispute_event::ActiveModel {
        id: Set(id),
        tenant_id: Set(dispute.tenant_id),
        dispute_id: Set(dispute.id),
        kind: Set(kind.to_owned()),
        actor_id: Set(request.viewer.as_ref().map(|v| v.user_id)),
        note: Set(note),
        at: Set(request.now()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// Which disputes the viewer sees: a party those of their orders (as client, or as the writer
/// the order had), staff all of the site's.
fn visible_to(request: &RequestContext) -> AppResult<Condition> {
    request.require_feature(Feature::Disputes)?;
    let viewer = request.require_role(&[Role::Client, Role::Writer, Role::Support, Role::Admin, Role::Superadmin])?;
    let scope = Condition::all().add(dispute::Column::TenantId.eq(request.tenant()?.id));
    Ok(match viewer.role {
        Role::Client => scope.add(dispute::Column::ClientId.eq(viewer.user_id)),
        Role::Writer => scope.add(dispute::Column::WriterId.eq(viewer.user_id)),
        _ => scope,
    })
}

/// The dispute, if the viewer may see it; `NOT_FOUND` otherwise.
pub async fn find(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Dispute> {
    Disputes::find_by_id(id).filter(visible_to(request)?).one(conn).await?.ok_or_else(|| AppError::not_found("dispute"))
}

/// Moves the dispute from the state it was read in (`CONFLICT`, `STALE`, when it moved meanwhile).
async fn move_dispute(
    conn: &impl ConnectionTrait,
    dispute: &Dispute,
    to: DisputeStatus,
    extra: Vec<(dispute::Column, sea_orm::sea_query::SimpleExpr)>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut update = Disputes::update_many()
        .col_expr(dispute::Column::Status, Expr::value(to))
        .col_expr(dispute::Column::UpdatedAt, Expr::value(now))
        .filter(dispute::Column::Id.eq(dispute.id))
        .filter(dispute::Column::TenantId.eq(dispute.tenant_id))
        .filter(dispute::Column::Status.eq(dispute.status));
    for (column, value) in extra {
        update = update.col_expr(column, value);
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(AppError::conflict("the dispute changed meanwhile; reload it").with_reason(Reason::Stale));
    }
    Ok(())
}

/// A new dispute.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewDispute {
    pub order_id: Uuid,
    pub reason: String,
    /// Staff only (the parties' disputes start at `HIGH`: money is held).
    pub priority: Option<Priority>,
}

/// Opens a dispute over an order (its client or writer, or staff): the order goes to
/// `DISPUTED`. `CONFLICT` from a status that allows none; `NOT_FOUND` for an order the viewer
/// does not see. Answers its id.
pub async fn open(conn: &kernel::WriteTransaction, request: &RequestContext, input: NewDispute) -> AppResult<Uuid> {
    request.require_feature(Feature::Disputes)?;
    let viewer = request.require_role(&[Role::Client, Role::Writer, Role::Support, Role::Admin, Role::Superadmin])?;
    let staff = is_staff(viewer.role);
    if input.priority.is_some() && !staff {
        return Err(AppError::bad_input("input.priority", "support sets a dispute's priority"));
    }
    let reason = validate::text("input.reason", &input.reason, MAX_NOTE)?;
    let tenant = request.tenant()?.id;
    let window = settings::of_tenant(conn, tenant).await?.dispute_window_days;
    let order = order_disputes::open(conn, request, input.order_id, window, &reason).await?;
    let now = request.now();
    let row = Dispute {
        id: new_id(),
        tenant_id: tenant,
        order_id: order.id,
        client_id: order.client_id,
        writer_id: order.writer_id,
        opened_by: viewer.user_id,
        opener_role: match viewer.role {
            Role::Client => OpenerRole::Client,
            Role::Writer => OpenerRole::Writer,
            _ => OpenerRole::Staff,
        },
        reason: reason.clone(),
        status: DisputeStatus::Open,
        priority: input.priority.unwrap_or(Priority::High),
        assignee_id: None,
        order_status_before: order.status_before,
        outcome: None,
        outcome_note: None,
        refund_minor: None,
        resolved_by: None,
        resolved_at: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
    };
    Disputes::insert(dispute::ActiveModel::from(row.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "input.orderId", "the order is disputed already"))?;
    record(conn, request, &row, Step::Opened, Some(reason)).await?;
    Ok(row.id)
}

/// Gives a dispute to an agent (`OPEN` becomes `UNDER_REVIEW`): admins to anyone who works
/// tickets, a support agent to themselves while no one has it.
pub async fn assign(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid, agent: Uuid) -> AppResult<()> {
    let viewer = request.require_role(STAFF)?;
    let found = find(conn, request, id).await?;
    if !matches!(found.status, DisputeStatus::Open | DisputeStatus::UnderReview) {
        return Err(
            AppError::conflict("the dispute is not under support's review").with_reason(Reason::InvalidTransition)
        );
    }
    let admin = ADMINS.contains(&viewer.role);
    let works = matches!(
        identity::service::users::person(conn, agent).await?,
        Some((Some(tenant), _, Role::Support | Role::Admin)) if tenant == found.tenant_id
    );
    if !works {
        return Err(AppError::bad_input("agentId", "not a support agent or admin of this site"));
    }
    if !admin && (agent != viewer.user_id || found.assignee_id.is_some_and(|a| a != viewer.user_id)) {
        return Err(AppError::conflict("support agents take unassigned disputes for themselves; admins assign them")
            .with_reason(Reason::Stale));
    }
    let held = match found.assignee_id {
        Some(a) => dispute::Column::AssigneeId.eq(a),
        None => dispute::Column::AssigneeId.is_null(),
    };
    let moved = Disputes::update_many()
        .col_expr(dispute::Column::Status, Expr::value(DisputeStatus::UnderReview))
        .col_expr(dispute::Column::AssigneeId, Expr::value(agent))
        .col_expr(dispute::Column::UpdatedAt, Expr::value(request.now()))
        .filter(dispute::Column::Id.eq(found.id))
        .filter(dispute::Column::Status.eq(found.status))
        .filter(held)
        .exec(conn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(AppError::conflict("the dispute changed meanwhile; reload it").with_reason(Reason::Stale));
    }
    let names = identity::service::users::names_of(conn, found.tenant_id, &[agent]).await?;
    record(conn, request, &found, Step::Assigned, names.get(&agent).cloned()).await?;
    Ok(())
}

/// Writes on the dispute's thread (`internal`: a note among staff, `FORBIDDEN` to the parties);
/// `CONFLICT` once it is closed. The parties' messages are messaging (the site's toggle and
/// message types).
pub async fn post_message(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    body: &str,
    internal: bool,
) -> AppResult<Uuid> {
    let viewer = request.viewer()?;
    if internal {
        request.require_role(STAFF)?;
    }
    let found = find(conn, request, id).await?;
    if !internal {
        request.require_feature(Feature::Messaging)?;
        let kind = match viewer.role {
            Role::Client => Some(MessageType::ClientSupport),
            Role::Writer => Some(MessageType::WriterSupport),
            _ => None,
        };
        if kind.is_some_and(|k| !request.tenant().is_ok_and(|t| t.features.allowed_message_types.contains(&k))) {
            return Err(
                AppError::forbidden("this site does not take these messages").with_reason(Reason::FeatureDisabled)
            );
        }
    }
    let body = validate::text("body", body, MAX_MESSAGE)?;
    if found.status == DisputeStatus::Closed {
        return Err(AppError::conflict("the dispute is closed").with_reason(Reason::InvalidTransition));
    }
    let message = new_id();
    Messages::insert(dispute_message::ActiveModel {
        id: Set(message),
        tenant_id: Set(found.tenant_id),
        dispute_id: Set(found.id),
        author_id: Set(viewer.user_id),
        internal: Set(internal),
        body: Set(body),
        created_at: Set(request.now()),
    })
    .exec_without_returning(conn)
    .await?;
    record(conn, request, &found, if internal { Step::Note } else { Step::Message }, None).await?;
    Ok(message)
}

/// Staff's decision.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// `CLIENT_WINS`: how much goes back (none: all that is left of the payment).
    pub refund_amount: Option<i64>,
    pub destination: RefundDestination,
    /// `EXTEND_DEADLINE`: the client's new deadline, and the writer's (none: the same margin).
    pub deadline: Option<DateTime<Utc>>,
    pub writer_deadline: Option<DateTime<Utc>>,
    /// Why: told to the client and kept in the timelines.
    pub note: String,
}

/// Decides a dispute: support while it is open or under review, admins also once escalated. The
/// dispute's move, the order's, the money, the timelines and the audit entry commit together.
pub async fn resolve(
    conn: &kernel::WriteTransaction,
    request: &RequestContext,
    id: Uuid,
    decision: &Decision,
) -> AppResult<()> {
    let viewer = request.require_role(STAFF)?;
    let note = validate::text("input.note", &decision.note, MAX_NOTE)?;
    let settlement = match decision.outcome {
        Outcome::WriterWins => Settlement::WriterWins,
        Outcome::ClientWins => {
            if decision.destination == RefundDestination::Wallet {
                request.require_feature(Feature::Wallet)?;
            }
            if decision.refund_amount.is_some_and(|a| a <= 0) {
                return Err(AppError::bad_input("input.refundAmount", "more than zero"));
            }
            Settlement::ClientWins { amount: decision.refund_amount, destination: decision.destination }
        }
        Outcome::ExtendDeadline => {
            let Some(deadline) = decision.deadline else {
                return Err(AppError::bad_input("input.deadline", "the client's new deadline"));
            };
            Settlement::ExtendDeadline { deadline, writer_deadline: decision.writer_deadline }
        }
        Outcome::Reassign => Settlement::Reassign,
    };
    let found = find(conn, request, id).await?;
    match found.status {
        DisputeStatus::Open | DisputeStatus::UnderReview => {}
        DisputeStatus::Escalated if ADMINS.contains(&viewer.role) => {}
        DisputeStatus::Escalated => return Err(AppError::forbidden("an escalated dispute is the admins' to decide")),
        DisputeStatus::Resolved | DisputeStatus::Closed => {
            return Err(AppError::conflict("the dispute is decided already").with_reason(Reason::InvalidTransition));
        }
    }
    let now = request.now();
    // the dispute's row first: a second decision waits for this one, then finds it moved
    move_dispute(
        conn,
        &found,
        DisputeStatus::Resolved,
        vec![
            (dispute::Column::Outcome, Expr::value(decision.outcome)),
            (dispute::Column::OutcomeNote, Expr::value(note.clone())),
            (dispute::Column::ResolvedBy, Expr::value(viewer.user_id)),
            (dispute::Column::ResolvedAt, Expr::value(now)),
        ],
        now,
    )
    .await?;
    let cause = format!("dispute:{}", found.id);
    let settled =
        order_disputes::settle(conn, request, found.order_id, found.order_status_before, settlement, &cause, &note)
            .await?;
    if let Some(refunded) = settled.refunded {
        Disputes::update_many()
            .col_expr(dispute::Column::RefundMinor, Expr::value(refunded.0))
            .filter(dispute::Column::Id.eq(found.id))
            .exec(conn)
            .await?;
    }
    escalations::settle_for(conn, request, escalations::Subject::Dispute(found.id), &note).await?;
    // the amount is the client's money: it is in `refunded` and the audit log, not the timeline
    let outcome: &'static str = decision.outcome.into();
    record(conn, request, &found, Step::Resolved, Some(format!("{outcome}: {note}"))).await?;
    audit::record(
        conn,
        request,
        Change {
            action: "dispute.resolve",
            target_type: "dispute",
            target_id: Some(found.id.to_string()),
            tenant_id: Some(found.tenant_id),
            before: Some(json!({ "status": found.status, "orderStatus": found.order_status_before })),
            after: Some(json!({
                "status": DisputeStatus::Resolved,
                "outcome": decision.outcome,
                "orderStatus": settled.status,
                "refunded": settled.refunded.map(|m| m.to_string()),
                "writerPayReduced": settled.writer_pay_reduced.map(|m| m.to_string()),
                "note": note,
            })),
        },
    )
    .await?;
    Ok(())
}

/// Closes a decided dispute (staff).
pub async fn close(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    request.require_role(STAFF)?;
    let found = find(conn, request, id).await?;
    if found.status != DisputeStatus::Resolved {
        return Err(AppError::conflict("a dispute is closed once decided").with_reason(Reason::InvalidTransition));
    }
    let now = request.now();
    move_dispute(conn, &found, DisputeStatus::Closed, vec![(dispute::Column::ClosedAt, Expr::value(now))], now).await?;
    record(conn, request, &found, Step::Closed, None).await?;
    Ok(())
}

/// Its opener (or staff) withdraws a dispute not yet decided: it closes and the order resumes.
pub async fn withdraw(conn: &kernel::WriteTransaction, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let viewer = request.viewer()?;
    let found = find(conn, request, id).await?;
    if !is_staff(viewer.role) && found.opened_by != viewer.user_id {
        return Err(AppError::forbidden("only who opened a dispute may withdraw it"));
    }
    // escalated, it is the admins' (or still its opener's to drop)
    if found.status == DisputeStatus::Escalated && found.opened_by != viewer.user_id && !ADMINS.contains(&viewer.role) {
        return Err(AppError::forbidden("an escalated dispute is the admins' to end"));
    }
    if !DisputeStatus::PENDING.contains(&found.status) {
        return Err(AppError::conflict("the dispute is decided already").with_reason(Reason::InvalidTransition));
    }
    let now = request.now();
    move_dispute(conn, &found, DisputeStatus::Closed, vec![(dispute::Column::ClosedAt, Expr::value(now))], now).await?;
    let note = "the dispute was withdrawn";
    let cause = format!("dispute:{}", found.id);
    order_disputes::settle(
        conn,
        request,
        found.order_id,
        found.order_status_before,
        Settlement::Withdrawn,
        &cause,
        note,
    )
    .await?;
    escalations::settle_for(conn, request, escalations::Subject::Dispute(found.id), note).await?;
    record(conn, request, &found, Step::Withdrawn, None).await?;
    Ok(())
}

/// Marks the dispute escalated (the escalation itself is [`escalations::escalate`]'s).
pub(super) async fn mark_escalated(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<Dispute> {
    let found = find(conn, request, id).await?;
    if !matches!(found.status, DisputeStatus::Open | DisputeStatus::UnderReview) {
        return Err(AppError::conflict("only a dispute under support's review is escalated")
            .with_reason(Reason::InvalidTransition));
    }
    move_dispute(conn, &found, DisputeStatus::Escalated, Vec::new(), request.now()).await?;
    record(conn, request, &found, Step::Escalated, Some(reason.to_owned())).await?;
    Ok(found)
}

/// Hands an escalated dispute back to support's review (its escalation resolved without a
/// decision).
pub(super) async fn deescalate(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    resolution: &str,
) -> AppResult<()> {
    let found = find(conn, request, id).await?;
    if found.status != DisputeStatus::Escalated {
        return Ok(());
    }
    move_dispute(conn, &found, DisputeStatus::UnderReview, Vec::new(), request.now()).await?;
    record(conn, request, &found, Step::Deescalated, Some(resolution.to_owned())).await?;
    Ok(())
}

/// What narrows a list of disputes.
#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    pub status: Option<DisputeStatus>,
    /// Still to be decided (open, under review, escalated).
    pub pending: bool,
    pub priority: Option<Priority>,
    pub mine: bool,
    pub unassigned: bool,
    pub order: Option<Uuid>,
}

/// The disputes the viewer sees, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: DisputeFilter,
    page: PageArgs,
) -> AppResult<Paged<Dispute>> {
    let viewer = request.viewer()?;
    let mut condition = visible_to(request)?;
    if let Some(status) = filter.status {
        condition = condition.add(dispute::Column::Status.eq(status));
    }
    if filter.pending {
        condition = condition.add(dispute::Column::Status.is_in(DisputeStatus::PENDING));
    }
    if let Some(priority) = filter.priority {
        condition = condition.add(dispute::Column::Priority.eq(priority));
    }
    if filter.mine {
        condition = condition.add(dispute::Column::AssigneeId.eq(viewer.user_id));
    }
    if filter.unassigned {
        condition = condition.add(dispute::Column::AssigneeId.is_null());
    }
    if let Some(order) = filter.order {
        condition = condition.add(dispute::Column::OrderId.eq(order));
    }
    paginate(conn, Disputes::find().filter(condition), dispute::Column::Id, Order::newest_first(), page).await
}

/// The thread as the viewer may read it (the parties: not staff's notes), oldest first.
pub async fn messages(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: &Dispute,
    page: PageArgs,
) -> AppResult<Paged<dispute_message::Model>> {
    let viewer = request.viewer()?;
    let mut query = Messages::find()
        .filter(dispute_message::Column::TenantId.eq(found.tenant_id))
        .filter(dispute_message::Column::DisputeId.eq(found.id));
    if !is_staff(viewer.role) {
        query = query.filter(dispute_message::Column::Internal.eq(false));
    }
    paginate(conn, query, dispute_message::Column::Id, Order::oldest_first(), page).await
}

/// The dispute's timeline, oldest first. The parties do not see staff's own steps (notes,
/// escalations and their resolution), and the writer not the decision's words (they may name
/// the client's money): the outcome only.
pub async fn history(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: &Dispute,
    page: PageArgs,
) -> AppResult<Paged<dispute_event::Model>> {
    let viewer = request.viewer()?;
    let mut query = Events::find()
        .filter(dispute_event::Column::TenantId.eq(found.tenant_id))
        .filter(dispute_event::Column::DisputeId.eq(found.id));
    if !is_staff(viewer.role) {
        let staff_only: [&'static str; 3] = [Step::Note.into(), Step::Escalated.into(), Step::Deescalated.into()];
        query = query.filter(dispute_event::Column::Kind.is_not_in(staff_only));
    }
    let paged = paginate(conn, query, dispute_event::Column::Id, Order::oldest_first(), page).await?;
    if viewer.role != Role::Writer {
        return Ok(paged);
    }
    let resolved: &'static str = Step::Resolved.into();
    let outcome = found.outcome.map(|o| <&'static str>::from(o).to_owned());
    Ok(paged.map(|mut event| {
        if event.kind == resolved {
            event.note = outcome.clone();
        }
        event
    }))
}

/// Applies one decision to each of `ids` (admins), each in its own transaction: one refused (a
/// dispute decided meanwhile, an amount above what is left) leaves the others decided. Answers
/// each id with what refused it, if anything.
pub async fn bulk_resolve(
    request: &RequestContext,
    ids: &[Uuid],
    decision: &Decision,
) -> AppResult<Vec<(Uuid, Option<AppError>)>> {
    request.require_feature(Feature::Disputes)?;
    request.require_role(ADMINS)?;
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(AppError::bad_input("ids", format!("from 1 to {MAX_BULK} disputes")));
    }
    validate::text("input.note", &decision.note, MAX_NOTE)?;
    let mut results = Vec::with_capacity(ids.len());
    for &id in ids {
        let outcome = kernel::write(request, async |txn| resolve(txn, request, id, decision).await).await;
        results.push((id, outcome.err()));
    }
    Ok(results)
}

/// How much was refunded, for display.
pub fn refunded(found: &Dispute) -> Option<Money> {
    found.refund_minor.map(Money)
}
