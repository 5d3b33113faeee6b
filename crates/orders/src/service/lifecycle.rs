//! The order state machine: one table of `(from, action, who) → to`. `availableActions` reads
//! it; `perform` applies it with a conditional update (`... WHERE status = from`), so two
//! racing transitions cannot both happen, and writes the timeline event in the same
//! transaction.

use chrono::{DateTime, Duration, Utc};
use kernel::Reason;
use kernel::live::{LiveEvent, Topic};
use kernel::{AppError, AppResult, RequestContext, Role, Viewer, new_id};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders, OrderStatus, PaymentStatus};
use crate::entity::order_event::{self, Entity as OrderEvents};
use crate::entity::revision_request::{self, Entity as Revisions, RevisionStatus};

use OrderStatus::*;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum, Serialize, Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderAction {
    /// The client pays from their wallet (`payOrderFromWallet`).
    Pay,
    MarkPaid,
    AssignWriter,
    /// A writer takes the order: from the pool, or as the preferred writer it waits for
    /// (`takeOrder`, through the workforce's gate).
    Take,
    /// An admin gives the order to a writer who starts at once: their approved request, or an
    /// offer they accept automatically (through the workforce's gate).
    Give,
    AcceptAssignment,
    DeclineAssignment,
    Submit,
    Approve,
    RequestRevision,
    StartRevision,
    Hold,
    Resume,
    Cancel,
    Archive,
    /// The editor passes the work: it goes to the client (`completeEditingTask`).
    CompleteEditing,
    /// The editor sends the work back to the writer as a revision (`rejectEditingTask`).
    ReturnToWriter,
}

impl OrderAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who may take a transition: by role, or by their relation to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    /// The client who placed it.
    Owner,
    /// The writer it is assigned to.
    AssignedWriter,
    /// The writer the client asked for, while the order waits for them.
    PreferredWriter,
    /// Any writer of the tenant (the pool).
    AnyWriter,
    Support,
    /// Admins, and superadmins acting in the tenant.
    Admin,
    /// An editor of the tenant (the workforce checks that they hold the order's task).
    Editor,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    To(OrderStatus),
    /// Back to where it was before `HOLD`.
    Previous,
    /// Paid: to the preferred writer when the client asked for one, else to the pool.
    Paid,
}

struct Rule {
    from: &'static [OrderStatus],
    action: OrderAction,
    actors: &'static [Actor],
    to: Target,
}

/// What an admin may hold. Not an order waiting for its preferred writer: its window runs
/// (a job releases it), and a hold would stop that timer for good.
const WORKING: &[OrderStatus] =
    &[Available, PendingAcceptance, InProgress, UnderEditing, Submitted, RevisionRequested, InRevision];

/// The whole lifecycle. A transition not listed here does not exist (`CONFLICT`).
const RULES: &[Rule] = &[
    Rule { from: &[Unpaid], action: OrderAction::Pay, actors: &[Actor::Owner], to: Target::Paid },
    Rule { from: &[Unpaid], action: OrderAction::MarkPaid, actors: &[Actor::Admin, Actor::Support], to: Target::Paid },
    Rule { from: &[Available], action: OrderAction::Take, actors: &[Actor::AnyWriter], to: Target::To(InProgress) },
    Rule {
        from: &[PendingPreferred],
        action: OrderAction::Take,
        actors: &[Actor::PreferredWriter],
        to: Target::To(InProgress),
    },
    Rule {
        from: &[PendingPreferred],
        action: OrderAction::DeclineAssignment,
        actors: &[Actor::PreferredWriter],
        to: Target::To(Available),
    },
    Rule { from: &[Available], action: OrderAction::Give, actors: &[Actor::Admin], to: Target::To(InProgress) },
    Rule {
        from: &[Available],
        action: OrderAction::AssignWriter,
        actors: &[Actor::Admin],
        to: Target::To(PendingAcceptance),
    },
    Rule {
        from: &[PendingAcceptance],
        action: OrderAction::AcceptAssignment,
        actors: &[Actor::AssignedWriter],
        to: Target::To(InProgress),
    },
    Rule {
        from: &[PendingAcceptance],
        action: OrderAction::DeclineAssignment,
        actors: &[Actor::AssignedWriter],
        to: Target::To(Available),
    },
    Rule {
        from: &[InProgress, InRevision],
        action: OrderAction::Submit,
        actors: &[Actor::AssignedWriter],
        to: Target::To(Submitted),
    },
    Rule { from: &[Submitted], action: OrderAction::Approve, actors: &[Actor::Owner], to: Target::To(Completed) },
    Rule {
        from: &[Submitted, Completed],
        action: OrderAction::RequestRevision,
        actors: &[Actor::Owner, Actor::Support, Actor::Admin],
        to: Target::To(RevisionRequested),
    },
    Rule {
        from: &[RevisionRequested],
        action: OrderAction::StartRevision,
        actors: &[Actor::AssignedWriter],
        to: Target::To(InRevision),
    },
    Rule {
        from: &[UnderEditing],
        action: OrderAction::CompleteEditing,
        actors: &[Actor::Editor, Actor::Admin],
        to: Target::To(Submitted),
    },
    Rule {
        from: &[UnderEditing],
        action: OrderAction::ReturnToWriter,
        actors: &[Actor::Editor, Actor::Admin],
        to: Target::To(RevisionRequested),
    },
    Rule { from: WORKING, action: OrderAction::Hold, actors: &[Actor::Admin], to: Target::To(OnHold) },
    Rule { from: &[OnHold], action: OrderAction::Resume, actors: &[Actor::Admin], to: Target::Previous },
    // until the work is delivered the client may cancel; a paid order's money divides by
    // `cancellation::split` (the client sees `cancellationQuote` first)
    Rule {
        from: &[Unpaid, Available, PendingPreferred, PendingAcceptance, InProgress, OnHold],
        action: OrderAction::Cancel,
        actors: &[Actor::Owner, Actor::Admin],
        to: Target::To(Cancelled),
    },
    Rule {
        from: &[UnderEditing, Submitted, RevisionRequested, InRevision],
        action: OrderAction::Cancel,
        actors: &[Actor::Admin],
        to: Target::To(Cancelled),
    },
    Rule {
        from: &[Completed, Cancelled],
        action: OrderAction::Archive,
        actors: &[Actor::Admin],
        to: Target::To(Archived),
    },
];

fn acts_as(viewer: &Viewer, order: &order::Model, actor: Actor) -> bool {
    match actor {
        Actor::Owner => viewer.role == Role::Client && viewer.user_id == order.client_id,
        Actor::AssignedWriter => viewer.role == Role::Writer && order.writer_id == Some(viewer.user_id),
        Actor::PreferredWriter => viewer.role == Role::Writer && order.preferred_writer_id == Some(viewer.user_id),
        Actor::AnyWriter => viewer.role == Role::Writer,
        Actor::Support => viewer.role == Role::Support,
        Actor::Admin => matches!(viewer.role, Role::Admin | Role::Superadmin),
        Actor::Editor => viewer.role == Role::Editor,
    }
}

/// Whether a completed order is still inside its free-revision window.
fn in_revision_window(order: &order::Model, now: DateTime<Utc>, free_revision_days: i32) -> bool {
    order.completed_at.is_some_and(|done| now <= done + Duration::days(i64::from(free_revision_days)))
}

/// Conditions beyond the table: a completed order takes revision requests only within the
/// free-revision window; an order approved once (its writer paid) is refunded, not cancelled;
/// and a client cancels a held order only if it was held before the work was delivered.
fn precondition(
    order: &order::Model,
    action: OrderAction,
    viewer: &Viewer,
    now: DateTime<Utc>,
    free_revision_days: i32,
) -> bool {
    match action {
        OrderAction::RequestRevision => order.status != Completed || in_revision_window(order, now, free_revision_days),
        OrderAction::Cancel => {
            let held_after_delivery = order.status == OnHold
                && !matches!(
                    order.status_before_hold,
                    Some(Available | PendingPreferred | PendingAcceptance | InProgress)
                );
            super::cancellation::cancellable(order) && !(viewer.role == Role::Client && held_after_delivery)
        }
        _ => true,
    }
}

/// The actions the viewer may take on the order now. `PAY` (from the wallet) only where the
/// tenant has wallets on.
pub fn available_actions(
    order: &order::Model,
    viewer: &Viewer,
    now: DateTime<Utc>,
    free_revision_days: i32,
    features: &kernel::FeatureToggles,
) -> Vec<OrderAction> {
    let mut actions = Vec::new();
    for rule in RULES {
        if rule.action == OrderAction::Pay && !features.is_on(kernel::Feature::Wallet) {
            continue;
        }
        // an admin gives an order through a writer's request or auto-acceptance, and editing
        // ends through its task: not as steps
        if matches!(rule.action, OrderAction::Give | OrderAction::CompleteEditing | OrderAction::ReturnToWriter) {
            continue;
        }
        if rule.from.contains(&order.status)
            && rule.actors.iter().any(|a| acts_as(viewer, order, *a))
            && precondition(order, rule.action, viewer, now, free_revision_days)
            && !actions.contains(&rule.action)
        {
            actions.push(rule.action);
        }
    }
    actions
}

/// What a transition changes besides the status.
#[derive(Default)]
pub struct Effects {
    /// The order's writer from now (`Some(None)`: none); a writer set is one it came to now.
    pub writer: Option<Option<Uuid>>,
    /// What the writer will earn, fixed as they get it (their level's pay mode).
    pub compensation_minor: Option<i64>,
    /// A submission that goes to an editor (`UNDER_EDITING`) rather than to the client.
    pub to_editing: bool,
    /// The writer's new deadline (work sent back to them).
    pub writer_deadline: Option<DateTime<Utc>>,
}

/// Applies `action` to the (already visible) order: `CONFLICT` when the table has no such
/// transition from its status (or it changed meanwhile), `FORBIDDEN` when it does but not
/// for this viewer. Returns the order as it is after.
pub async fn transition(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    action: OrderAction,
    note: Option<String>,
    effects: Effects,
    free_revision_days: i32,
) -> AppResult<order::Model> {
    let viewer = request.viewer()?;
    let now = request.now();
    let rules: Vec<&Rule> = RULES.iter().filter(|r| r.action == action && r.from.contains(&order.status)).collect();
    if rules.is_empty() || !precondition(order, action, viewer, now, free_revision_days) {
        return Err(AppError::conflict(format!(
            "{} is not possible while the order is {}",
            action.as_str(),
            <&str>::from(order.status)
        ))
        .with_reason(Reason::InvalidTransition));
    }
    let Some(rule) = rules.into_iter().find(|r| r.actors.iter().any(|a| acts_as(viewer, order, *a))) else {
        return Err(AppError::forbidden(format!("you may not {} this order", action.as_str())));
    };
    let to = match rule.to {
        Target::To(Submitted) if action == OrderAction::Submit && effects.to_editing => UnderEditing,
        Target::To(status) => status,
        Target::Previous => order.status_before_hold.unwrap_or(Available),
        Target::Paid if order.preferred_writer_id.is_some() => PendingPreferred,
        Target::Paid => Available,
    };
    let note = kernel::validate::optional_text("note", note.as_deref(), 2000)?;

    let mut update = Orders::update_many()
        .col_expr(order::Column::Status, Expr::value(to))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .filter(order::Column::Status.eq(order.status));
    let set = |update: sea_orm::UpdateMany<Orders>, col: order::Column, value: SimpleExpr| update.col_expr(col, value);
    match action {
        OrderAction::MarkPaid | OrderAction::Pay => {
            update = set(update, order::Column::PaymentStatus, Expr::value(PaymentStatus::Paid));
            update = set(update, order::Column::PaidMinor, Expr::col(order::Column::TotalMinor));
        }
        OrderAction::Approve => update = set(update, order::Column::CompletedAt, Expr::value(now)),
        // the first submission decides whether the writer was on time; resubmissions keep it
        OrderAction::Submit => {
            update = set(
                update,
                order::Column::FirstSubmittedAt,
                Expr::col(order::Column::FirstSubmittedAt).if_null(Expr::value(now)),
            )
        }
        OrderAction::Hold => update = set(update, order::Column::StatusBeforeHold, Expr::value(order.status)),
        OrderAction::Resume => {
            update = set(update, order::Column::StatusBeforeHold, Expr::value(Option::<OrderStatus>::None))
        }
        OrderAction::DeclineAssignment => {
            update = set(update, order::Column::WriterId, Expr::value(Option::<Uuid>::None));
            update = set(update, order::Column::WriterAssignedAt, Expr::value(Option::<DateTime<Utc>>::None));
        }
        _ => {}
    }
    if let Some(writer) = effects.writer {
        update = set(update, order::Column::WriterId, Expr::value(writer));
        update = set(update, order::Column::WriterAssignedAt, Expr::value(writer.map(|_| now)));
    }
    if let Some(deadline) = effects.writer_deadline {
        update = set(update, order::Column::WriterDeadline, Expr::value(deadline));
    }
    if let Some(pay) = effects.compensation_minor {
        update = set(update, order::Column::WriterCompensationMinor, Expr::value(pay));
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(AppError::conflict("the order changed meanwhile; reload it").with_reason(Reason::Stale));
    }

    post_money(conn, request, order, action).await?;
    if order.status == PendingPreferred && to == Available {
        super::preferred::refund_fee(conn, request, order).await?;
    }
    match action {
        OrderAction::StartRevision => {
            Revisions::update_many()
                .col_expr(revision_request::Column::Status, Expr::value(RevisionStatus::InProgress))
                .col_expr(revision_request::Column::StartedAt, Expr::value(now))
                .filter(revision_request::Column::OrderId.eq(order.id))
                .filter(revision_request::Column::Status.eq(RevisionStatus::Requested))
                .exec(conn)
                .await?;
        }
        OrderAction::Submit => {
            Revisions::update_many()
                .col_expr(revision_request::Column::Status, Expr::value(RevisionStatus::Completed))
                .col_expr(revision_request::Column::CompletedAt, Expr::value(now))
                .filter(revision_request::Column::OrderId.eq(order.id))
                .filter(revision_request::Column::Status.ne(RevisionStatus::Completed))
                .exec(conn)
                .await?;
        }
        _ => {}
    }
    let event = record(conn, request, order, action.as_str(), Some(order.status), Some(to), note.clone()).await?;
    // Admins' (and superadmins') actions also go to the audit log; `record` skips others.
    audit::record(
        conn,
        request,
        Change {
            action: &format!("order.{}", action.as_str().to_ascii_lowercase()),
            target_type: "order",
            target_id: Some(order.id.to_string()),
            tenant_id: Some(order.tenant_id),
            before: Some(json!({ "status": order.status, "writerId": order.writer_id })),
            after: Some(json!({ "status": to, "writerId": effects.writer.unwrap_or(order.writer_id), "note": note })),
        },
    )
    .await?;
    let after = Orders::find_by_id(order.id).one(conn).await?.ok_or_else(|| AppError::not_found("order"))?;
    super::notices::moved(conn, request, &after, action, event, note.as_deref()).await?;
    super::timers::schedule(conn, &after, action, event, now).await?;
    Ok(after)
}

/// The money a transition moves, in its transaction, through billing's intents: the client's
/// wallet payment or staff's record of an outside one, or the writer's earnings on completion
/// (once per order, however often it is approved).
pub(crate) async fn post_money(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    action: OrderAction,
) -> AppResult<()> {
    use billing::service::order_money;
    let of = super::refunds::money_of(order);
    match action {
        OrderAction::Pay if order.total_minor > 0 => {
            order_money::charge_from_wallet(conn, request, &of, order.total_minor).await
        }
        OrderAction::MarkPaid if order.total_minor > 0 => {
            order_money::record_external_payment(conn, request, &of, order.total_minor).await
        }
        OrderAction::Approve => {
            if let Some(writer) = order.writer_id {
                order_money::credit_earnings(conn, request, &of, writer, order.writer_compensation_minor).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Writes one timeline event; answers its id (the cause of what people are told of it).
pub async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &order::Model,
    kind: &str,
    from: Option<OrderStatus>,
    to: Option<OrderStatus>,
    note: Option<String>,
) -> AppResult<Uuid> {
    let id = new_id();
    OrderEvents::insert(order_event::ActiveModel {
        id: Set(id),
        tenant_id: Set(order.tenant_id),
        order_id: Set(order.id),
        at: Set(request.now()),
        kind: Set(kind.to_owned()),
        actor_id: Set(request.viewer.as_ref().map(|v| v.user_id)),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
    })
    .exec_without_returning(conn)
    .await?;
    // subscribers of the order hear of it when this commits
    let event = LiveEvent { tenant: order.tenant_id, topic: Topic::Order(order.id), item: id };
    kernel::live::publish(conn, event).await?;
    Ok(id)
}

/// Writes a step of another context's work on order `id` to its timeline, without moving the
/// order (an editing task claimed, started...): its subscribers hear of it as of any event.
pub async fn record_step(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    kind: &str,
    note: Option<String>,
) -> AppResult<Uuid> {
    let order = super::pool::model(conn, request.tenant()?.id, id).await?;
    record(conn, request, &order, kind, None, None, note).await
}

/// The event of `order`'s timeline as the request's viewer may see it now: none when they no
/// longer see the order (a writer taken off it) or the event names money they may not read.
pub async fn event_for_viewer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: Uuid,
    event: Uuid,
) -> AppResult<Option<crate::loaders::TimelineEntry>> {
    match super::access::find_visible(conn, request, order).await {
        Ok(_) => {}
        Err(e) if e.code == kernel::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let role = request.viewer.as_ref().map(|v| v.role);
    let tenant = request.tenant()?.id;
    Ok(entry(conn, tenant, order, event).await?.filter(|e| shown_to(&e.kind, role)))
}

/// One event of the order's timeline, as the timeline shows it.
pub async fn entry(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    order: Uuid,
    event: Uuid,
) -> AppResult<Option<crate::loaders::TimelineEntry>> {
    Ok(OrderEvents::find_by_id(event)
        .filter(order_event::Column::TenantId.eq(tenant))
        .filter(order_event::Column::OrderId.eq(order))
        .one(conn)
        .await?
        .map(|e| crate::loaders::TimelineEntry {
            order_id: e.order_id,
            at: e.at,
            kind: e.kind,
            actor_id: e.actor_id,
            from_status: e.from_status,
            to_status: e.to_status,
            note: e.note,
        }))
}

/// Timeline events that name the client's money (a refund's amount); shown only to those who
/// may read it.
pub fn is_money_event(kind: &str) -> bool {
    matches!(kind, "REFUND" | "REFUND_REQUESTED" | "REFUND_REJECTED")
}

/// Whether a viewer of `role` sees timeline events of `kind`: money events only those who may
/// read the client's money; the editors' steps (`EDITING_*`: who claimed, a score, a reason to
/// give a task back) the workforce and staff, not the client, who sees the order go to editing
/// and come back.
pub fn shown_to(kind: &str, role: Option<Role>) -> bool {
    let money = role.is_some_and(|r| kernel::CLIENT_MONEY_READERS.contains(&r));
    (money || !is_money_event(kind)) && !(role == Some(Role::Client) && kind.starts_with("EDITING_"))
}

/// Late: the deadline has passed and the work is not yet submitted.
pub fn is_late(order: &order::Model, now: DateTime<Utc>) -> bool {
    now > order.deadline
        && matches!(order.status, Available | PendingPreferred | PendingAcceptance | InProgress | OnHold | UnderEditing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_rule_and_final_states_have_few_ways_out() {
        for action in [
            OrderAction::Pay,
            OrderAction::MarkPaid,
            OrderAction::AssignWriter,
            OrderAction::Take,
            OrderAction::Give,
            OrderAction::AcceptAssignment,
            OrderAction::DeclineAssignment,
            OrderAction::Submit,
            OrderAction::Approve,
            OrderAction::RequestRevision,
            OrderAction::StartRevision,
            OrderAction::Hold,
            OrderAction::Resume,
            OrderAction::Cancel,
            OrderAction::Archive,
            OrderAction::CompleteEditing,
            OrderAction::ReturnToWriter,
        ] {
            assert!(RULES.iter().any(|r| r.action == action), "{action:?}");
        }
        let out_of =
            |s: OrderStatus| RULES.iter().filter(|r| r.from.contains(&s)).map(|r| r.action).collect::<Vec<_>>();
        assert!(out_of(Archived).is_empty());
        assert_eq!(out_of(Cancelled), vec![OrderAction::Archive]);
    }
}
