//! Tickets: opened by a client or a writer (the requester), or by staff for one, maybe about
//! one of the requester's orders; worked by support agents and admins. The requester and staff
//! write messages; staff also write internal notes the requester never reads. Each step is a
//! conditional update of the ticket in the state it was read in (two agents at once: one wins,
//! the other is `CONFLICT`), written to the ticket's history, and heard by `ticketUpdated`.
//!
//! Messages between the requester and support are messaging: the site's `messaging` toggle and
//! its allowed message types (`CLIENT_SUPPORT`, `WRITER_SUPPORT`) gate them; internal notes are
//! staff's own and are not gated.

use chrono::{DateTime, Duration, Utc};
use kernel::live::{LiveEvent, Topic};
use kernel::pagination::{Order, paginate};
use kernel::{
    AppError, AppResult, Feature, MessageType, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate,
};
use notifications::NotificationKind;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::{STAFF, clocks, settings, stats};
use crate::entity::ticket::{
    self, Category, Entity as Tickets, Model as Ticket, Priority, RequesterRole, TicketStatus,
};
use crate::entity::ticket_event::{self, Entity as Events};
use crate::entity::ticket_message::{self, Entity as Messages};
use crate::entity::ticket_sla::Metric;

/// The longest subject.
pub const MAX_SUBJECT: usize = 200;
/// The longest message.
pub const MAX_MESSAGE: usize = 10_000;
/// The longest rating comment.
pub const MAX_COMMENT: usize = 2000;

/// The steps of a ticket, as its history names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Step {
    Opened,
    Message,
    Note,
    Assigned,
    Unassigned,
    StatusChanged,
    PriorityChanged,
    Closed,
    Reopened,
    Rated,
    Escalated,
    Deescalated,
}

/// Whether `role` works tickets.
pub fn is_staff(role: Role) -> bool {
    STAFF.contains(&role)
}

/// Writes a step to the ticket's history and tells its subscribers; answers the event's id.
async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ticket: &Ticket,
    step: Step,
    note: Option<String>,
) -> AppResult<Uuid> {
    let id = new_id();
    let kind: &'static str = step.into();
    Events::insert(ticket_event::ActiveModel {
        id: Set(id),
        tenant_id: Set(ticket.tenant_id),
        ticket_id: Set(ticket.id),
        kind: Set(kind.to_owned()),
        metric: Set(None),
        actor_id: Set(request.viewer.as_ref().map(|v| v.user_id)),
        note: Set(note),
        at: Set(request.now()),
    })
    .exec_without_returning(conn)
    .await?;
    kernel::live::publish(conn, LiveEvent { tenant: ticket.tenant_id, topic: Topic::Ticket(ticket.id), item: id })
        .await?;
    Ok(id)
}

/// Which tickets the viewer sees: a requester their own, staff all of the site's.
pub fn visible_to(request: &RequestContext) -> AppResult<Condition> {
    let viewer = request.require_role(&[Role::Client, Role::Writer, Role::Support, Role::Admin, Role::Superadmin])?;
    let scope = Condition::all().add(ticket::Column::TenantId.eq(request.tenant()?.id));
    Ok(if is_staff(viewer.role) { scope } else { scope.add(ticket::Column::RequesterId.eq(viewer.user_id)) })
}

/// The ticket, if the viewer may see it; `NOT_FOUND` otherwise (whoever's it is).
pub async fn find(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Ticket> {
    Tickets::find_by_id(id).filter(visible_to(request)?).one(conn).await?.ok_or_else(|| AppError::not_found("ticket"))
}

/// `FORBIDDEN` unless the site lets this requester's kind of user message support.
fn require_messaging(request: &RequestContext, requester: RequesterRole) -> AppResult<()> {
    request.require_feature(Feature::Messaging)?;
    let kind = match requester {
        RequesterRole::Client => MessageType::ClientSupport,
        RequesterRole::Writer => MessageType::WriterSupport,
    };
    if request.tenant()?.features.allowed_message_types.contains(&kind) {
        Ok(())
    } else {
        Err(AppError::forbidden("this site does not take these messages").with_reason(Reason::FeatureDisabled))
    }
}

/// A new ticket.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewTicket {
    pub subject: String,
    pub category: Category,
    pub message: String,
    pub order_id: Option<Uuid>,
    /// Staff only (requesters' tickets start at `MEDIUM`, and staff triage them).
    pub priority: Option<Priority>,
    /// Staff only: whom they open it for (a client or a writer of the site).
    pub requester_id: Option<Uuid>,
}

/// Opens a ticket and starts its SLA clocks; answers its id. A requester opens their own (the
/// order, if named, must be theirs: `NOT_FOUND`); staff open one for a client or a writer, and
/// their message is the first response.
pub async fn open(conn: &impl ConnectionTrait, request: &RequestContext, input: NewTicket) -> AppResult<Uuid> {
    let viewer = request.require_role(&[Role::Client, Role::Writer, Role::Support, Role::Admin, Role::Superadmin])?;
    let scope = request.tenant()?;
    let staff = is_staff(viewer.role);
    let (requester, requester_role) = if staff {
        let Some(id) = input.requester_id else {
            return Err(AppError::bad_input("input.requesterId", "whom the ticket is for"));
        };
        match identity::service::users::person(conn, id).await? {
            Some((Some(tenant), _, Role::Client)) if tenant == scope.id => (id, RequesterRole::Client),
            Some((Some(tenant), _, Role::Writer)) if tenant == scope.id => (id, RequesterRole::Writer),
            _ => return Err(AppError::bad_input("input.requesterId", "not a client or a writer of this site")),
        }
    } else {
        if input.requester_id.is_some_and(|id| id != viewer.user_id) {
            return Err(AppError::bad_input("input.requesterId", "you open tickets for yourself"));
        }
        if input.priority.is_some() {
            return Err(AppError::bad_input("input.priority", "support sets a ticket's priority"));
        }
        let role = if viewer.role == Role::Client { RequesterRole::Client } else { RequesterRole::Writer };
        (viewer.user_id, role)
    };
    require_messaging(request, requester_role)?;
    let subject = validate::name("input.subject", &input.subject, MAX_SUBJECT)?;
    let message = validate::text("input.message", &input.message, MAX_MESSAGE)?;
    if let Some(order) = input.order_id {
        let parties = orders::service::access::parties(conn, request, order).await?;
        let theirs = match requester_role {
            RequesterRole::Client => parties.client_id == requester,
            RequesterRole::Writer => parties.writer_id == Some(requester),
        };
        if !theirs {
            return Err(AppError::not_found("order"));
        }
    }
    let now = request.now();
    let priority = input.priority.unwrap_or(Priority::Medium);
    let ticket = Ticket {
        id: new_id(),
        tenant_id: scope.id,
        requester_id: requester,
        requester_role,
        order_id: input.order_id,
        subject,
        category: input.category,
        priority,
        status: TicketStatus::Open,
        assignee_id: None,
        opened_by: viewer.user_id,
        created_at: now,
        updated_at: now,
        first_response_at: staff.then_some(now),
        closed_at: None,
        closed_day: None,
        reopen_count: 0,
        rating: None,
        rating_comment: None,
        rated_at: None,
    };
    Tickets::insert(ticket::ActiveModel::from(ticket.clone())).exec_without_returning(conn).await?;
    stats::opened(conn, scope.id, scope.time_zone, ticket.category, now).await?;
    insert_message(conn, &ticket, viewer.user_id, false, message, now).await?;
    record(conn, request, &ticket, Step::Opened, None).await?;
    let support = settings::of_tenant(conn, scope.id).await?;
    let targets = settings::targets(conn, scope.id, priority).await?;
    let calendar = settings::calendar_of(conn, scope.id, scope.time_zone).await?;
    clocks::start(
        conn,
        scope.id,
        ticket.id,
        targets,
        support.warning_percent,
        &calendar,
        now,
        Some(viewer.user_id),
        staff,
    )
    .await?;
    if staff {
        tell(conn, &ticket, NotificationKind::TicketReplied, requester, &format!("ticket:{}:opened", ticket.id), now)
            .await?;
    }
    Ok(ticket.id)
}

async fn insert_message(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    author: Uuid,
    internal: bool,
    body: String,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = new_id();
    Messages::insert(ticket_message::ActiveModel {
        id: Set(id),
        tenant_id: Set(ticket.tenant_id),
        ticket_id: Set(ticket.id),
        author_id: Set(author),
        internal: Set(internal),
        body: Set(body),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// Notifies `who` of the ticket (`cause` names the event, so they hear of it once).
async fn tell(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    kind: NotificationKind,
    who: Uuid,
    cause: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let recipient = identity::service::users::recipient(conn, who).await?;
    let data = json!({
        "ticket": { "id": ticket.id, "subject": ticket.subject, "priority": <&str>::from(ticket.priority) }
    });
    notifications::notify(
        conn,
        notifications::Notice { tenant_id: ticket.tenant_id, kind, cause: cause.to_owned(), data, recipient },
        now,
    )
    .await?;
    Ok(())
}

/// Moves the ticket from the status it was read in, where `guard` (what else the step read)
/// still holds (`CONFLICT`, `STALE`, when either changed meanwhile), setting `extra` columns too.
async fn move_ticket(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    to: TicketStatus,
    extra: Vec<(ticket::Column, sea_orm::sea_query::SimpleExpr)>,
    guard: Condition,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut update = Tickets::update_many()
        .col_expr(ticket::Column::Status, Expr::value(to))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(ticket.id))
        .filter(ticket::Column::TenantId.eq(ticket.tenant_id))
        .filter(ticket::Column::Status.eq(ticket.status))
        .filter(guard);
    for (column, value) in extra {
        update = update.col_expr(column, value);
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(AppError::conflict("the ticket changed meanwhile; reload it").with_reason(Reason::Stale));
    }
    Ok(())
}

/// Writes a message on the ticket (`internal`: a note among staff; `FORBIDDEN` for the
/// requester); answers its id. Staff's first message the requester reads meets the first
/// response; the requester's message on a ticket awaiting them sends it back to the agents
/// (`OPEN`) and resumes its clocks. `CONFLICT` on a closed ticket (reopen it first).
pub async fn post_message(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    body: &str,
    internal: bool,
) -> AppResult<Uuid> {
    let viewer = request.viewer()?;
    let staff = is_staff(viewer.role);
    if internal && !staff {
        // asked before the ticket is looked up: a requester learns nothing of any ticket
        request.require_role(STAFF)?;
    }
    let ticket = find(conn, request, id).await?;
    if !internal {
        require_messaging(request, ticket.requester_role)?;
    }
    let body = validate::text("body", body, MAX_MESSAGE)?;
    if ticket.status == TicketStatus::Closed {
        return Err(
            AppError::conflict("the ticket is closed; reopen it to write").with_reason(Reason::InvalidTransition)
        );
    }
    let now = request.now();
    let scope = request.tenant()?;
    let mut to = ticket.status;
    let answered = !staff && ticket.status == TicketStatus::AwaitingCustomer;
    if answered {
        to = TicketStatus::Open;
    }
    move_ticket(conn, &ticket, to, Vec::new(), Condition::all(), now).await?;
    // the first answer the requester reads, once: of two agents answering at once, the first
    let first_response = staff
        && !internal
        && Tickets::update_many()
            .col_expr(ticket::Column::FirstResponseAt, Expr::value(now))
            .filter(ticket::Column::Id.eq(ticket.id))
            .filter(ticket::Column::FirstResponseAt.is_null())
            .exec(conn)
            .await?
            .rows_affected
            == 1;
    let message = insert_message(conn, &ticket, viewer.user_id, internal, body, now).await?;
    let step = if internal { Step::Note } else { Step::Message };
    record(conn, request, &ticket, step, None).await?;
    if first_response || answered {
        let calendar = settings::calendar_of(conn, scope.id, scope.time_zone).await?;
        if first_response {
            clocks::stop(conn, request, ticket.id, Metric::FirstResponse, &calendar, true).await?;
        }
        if answered {
            record(conn, request, &ticket, Step::StatusChanged, Some(status_note(ticket.status, to))).await?;
            clocks::resume(conn, scope.id, ticket.id, &calendar, now, Some(viewer.user_id)).await?;
        }
    }
    let cause = format!("ticket_message:{message}");
    if staff && !internal {
        tell(conn, &ticket, NotificationKind::TicketReplied, ticket.requester_id, &cause, now).await?;
    } else if !staff && let Some(agent) = ticket.assignee_id {
        tell(conn, &ticket, NotificationKind::TicketCustomerReplied, agent, &cause, now).await?;
    }
    Ok(message)
}

fn status_note(from: TicketStatus, to: TicketStatus) -> String {
    format!("{} → {}", <&str>::from(from), <&str>::from(to))
}

/// Gives the ticket to an agent (`agent`), or takes it from one (`None`). Admins assign and
/// reassign to any support agent or admin of the site; a support agent takes an unassigned
/// ticket for themselves (`CONFLICT` when someone has it) or lets go of their own.
pub async fn assign(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    agent: Option<Uuid>,
) -> AppResult<()> {
    let viewer = request.require_role(STAFF)?;
    let ticket = find(conn, request, id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(AppError::conflict("the ticket is closed").with_reason(Reason::InvalidTransition));
    }
    let admin = matches!(viewer.role, Role::Admin | Role::Superadmin);
    if let Some(agent) = agent {
        let scope = request.tenant()?.id;
        let works_tickets = matches!(
            identity::service::users::person(conn, agent).await?,
            Some((Some(tenant), _, Role::Support | Role::Admin)) if tenant == scope
        );
        if !works_tickets {
            return Err(AppError::bad_input("agentId", "not a support agent or admin of this site"));
        }
        if !admin && agent != viewer.user_id {
            return Err(AppError::forbidden("support agents take tickets for themselves; admins assign them"));
        }
    }
    if !admin {
        // a support agent takes an unassigned ticket, or lets go of their own
        let allowed = match agent {
            Some(_) => ticket.assignee_id.is_none() || ticket.assignee_id == Some(viewer.user_id),
            None => ticket.assignee_id == Some(viewer.user_id),
        };
        if !allowed {
            return Err(AppError::conflict("another agent has the ticket; ask an admin to reassign it")
                .with_reason(Reason::Stale));
        }
    }
    if ticket.assignee_id == agent {
        return Ok(());
    }
    let now = request.now();
    // the update holds only if the ticket still has the agent it was read with
    let held_by = match ticket.assignee_id {
        Some(agent) => Condition::all().add(ticket::Column::AssigneeId.eq(agent)),
        None => Condition::all().add(ticket::Column::AssigneeId.is_null()),
    };
    let assignee = vec![(ticket::Column::AssigneeId, Expr::value(agent))];
    move_ticket(conn, &ticket, ticket.status, assignee, held_by, now).await?;
    let names =
        identity::service::users::names_of(conn, ticket.tenant_id, &agent.into_iter().collect::<Vec<_>>()).await?;
    let (step, note) = match agent {
        Some(agent) => (Step::Assigned, names.get(&agent).cloned()),
        None => (Step::Unassigned, None),
    };
    let event = record(conn, request, &ticket, step, note).await?;
    if let Some(agent) = agent.filter(|a| *a != viewer.user_id) {
        tell(conn, &ticket, NotificationKind::TicketAssigned, agent, &format!("ticket_assigned:{event}"), now).await?;
    }
    Ok(())
}

/// The most tickets one bulk assignment takes.
pub const MAX_BULK: usize = 100;

/// Gives each of `ids` to `agent` (admins balancing the load), each in its own transaction: one
/// refused (closed meanwhile, another site's) leaves the others assigned. Answers each id with
/// what refused it, if anything.
pub async fn bulk_assign(
    request: &RequestContext,
    ids: &[Uuid],
    agent: Option<Uuid>,
) -> AppResult<Vec<(Uuid, Option<AppError>)>> {
    request.require_role(super::ADMINS)?;
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(AppError::bad_input("ids", format!("from 1 to {MAX_BULK} tickets")));
    }
    let mut results = Vec::with_capacity(ids.len());
    for &id in ids {
        let outcome = kernel::write(request, async |txn| assign(txn, request, id, agent).await).await;
        results.push((id, outcome.err()));
    }
    Ok(results)
}

/// Moves the ticket to `status`. Staff move it among `OPEN`, `IN_PROGRESS`, `AWAITING_CUSTOMER`
/// (its clocks pause) and `CLOSED`; the requester may close their own. Closing meets the
/// resolution clock (and stops a first response never given). `ESCALATED` is reached by
/// escalating, and a closed ticket by reopening (`CONFLICT`).
pub async fn set_status(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    status: TicketStatus,
) -> AppResult<()> {
    let viewer = request.viewer()?;
    let ticket = find(conn, request, id).await?;
    if !is_staff(viewer.role) && status != TicketStatus::Closed {
        return Err(AppError::forbidden("you may close your ticket; support moves it otherwise"));
    }
    if status == TicketStatus::Escalated {
        return Err(AppError::bad_input("status", "a ticket is escalated by escalating it, with a reason"));
    }
    if ticket.status == TicketStatus::Closed {
        return Err(AppError::conflict("the ticket is closed; reopen it").with_reason(Reason::InvalidTransition));
    }
    if ticket.status == status {
        return Ok(());
    }
    // an escalated ticket is the admins': one who moves it settles its escalation
    let escalated = ticket.status == TicketStatus::Escalated;
    if escalated && !super::ADMINS.contains(&viewer.role) {
        return Err(AppError::forbidden("the ticket is escalated: the admins' to move"));
    }
    let now = request.now();
    let scope = request.tenant()?;
    let closed_day = stats::day_of(now, scope.time_zone);
    let extra = if status == TicketStatus::Closed {
        vec![(ticket::Column::ClosedAt, Expr::value(now)), (ticket::Column::ClosedDay, Expr::value(closed_day))]
    } else {
        vec![]
    };
    move_ticket(conn, &ticket, status, extra, Condition::all(), now).await?;
    let calendar = settings::calendar_of(conn, scope.id, scope.time_zone).await?;
    let actor = Some(viewer.user_id);
    if escalated {
        let note = format!("the ticket was moved to {}", <&str>::from(status));
        super::escalations::settle_for(conn, request, super::escalations::Subject::Ticket(ticket.id), &note).await?;
    }
    if status == TicketStatus::Closed {
        stats::closing(conn, scope.id, closed_day, ticket.category, (ticket.created_at, now), 1).await?;
        record(conn, request, &ticket, Step::Closed, None).await?;
        clocks::stop(conn, request, ticket.id, Metric::FirstResponse, &calendar, false).await?;
        clocks::stop(conn, request, ticket.id, Metric::Resolution, &calendar, true).await?;
        return Ok(());
    }
    record(conn, request, &ticket, Step::StatusChanged, Some(status_note(ticket.status, status))).await?;
    if status == TicketStatus::AwaitingCustomer {
        clocks::pause(conn, scope.id, ticket.id, &calendar, now, actor).await?;
    } else if ticket.status == TicketStatus::AwaitingCustomer {
        clocks::resume(conn, scope.id, ticket.id, &calendar, now, actor).await?;
    }
    Ok(())
}

/// Marks an active ticket escalated (the escalation itself is `escalations::escalate`'s).
pub(super) async fn escalate(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<()> {
    let ticket = find(conn, request, id).await?;
    if matches!(ticket.status, TicketStatus::Closed | TicketStatus::Escalated) {
        return Err(AppError::conflict("only an active ticket not yet escalated is escalated")
            .with_reason(Reason::InvalidTransition));
    }
    let now = request.now();
    move_ticket(conn, &ticket, TicketStatus::Escalated, Vec::new(), Condition::all(), now).await?;
    record(conn, request, &ticket, Step::Escalated, Some(reason.to_owned())).await?;
    // a ticket waiting for its requester is with the admins now: its clocks run again
    if ticket.status == TicketStatus::AwaitingCustomer {
        let scope = request.tenant()?;
        let calendar = settings::calendar_of(conn, scope.id, scope.time_zone).await?;
        clocks::resume(conn, scope.id, ticket.id, &calendar, now, Some(request.viewer()?.user_id)).await?;
    }
    Ok(())
}

/// Hands an escalated ticket back to the agents (`OPEN`): its escalation was resolved.
pub(super) async fn deescalate(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    resolution: &str,
) -> AppResult<()> {
    let ticket = find(conn, request, id).await?;
    if ticket.status != TicketStatus::Escalated {
        return Ok(());
    }
    move_ticket(conn, &ticket, TicketStatus::Open, Vec::new(), Condition::all(), request.now()).await?;
    record(conn, request, &ticket, Step::Deescalated, Some(resolution.to_owned())).await?;
    Ok(())
}

/// Changes the ticket's priority (staff): its running clocks take the new priority's targets.
pub async fn set_priority(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    priority: Priority,
) -> AppResult<()> {
    request.require_role(STAFF)?;
    let ticket = find(conn, request, id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(AppError::conflict("the ticket is closed").with_reason(Reason::InvalidTransition));
    }
    if ticket.priority == priority {
        return Ok(());
    }
    let now = request.now();
    let scope = request.tenant()?;
    let same = Condition::all().add(ticket::Column::Priority.eq(ticket.priority));
    move_ticket(conn, &ticket, ticket.status, vec![(ticket::Column::Priority, Expr::value(priority))], same, now)
        .await?;
    let note = format!("{} → {}", <&str>::from(ticket.priority), <&str>::from(priority));
    record(conn, request, &ticket, Step::PriorityChanged, Some(note)).await?;
    let targets = settings::targets(conn, scope.id, priority).await?;
    let calendar = settings::calendar_of(conn, scope.id, scope.time_zone).await?;
    clocks::retarget(conn, scope.id, ticket.id, targets, &calendar, now).await
}

/// Reopens a closed ticket: its requester within the site's reopening window after it closed
/// (`CONFLICT` after), staff at any time. Its resolution clock runs again with what it used.
pub async fn reopen(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let viewer = request.viewer()?;
    let ticket = find(conn, request, id).await?;
    if ticket.status != TicketStatus::Closed {
        return Err(AppError::conflict("the ticket is not closed").with_reason(Reason::InvalidTransition));
    }
    let now = request.now();
    let scope = request.tenant()?;
    if !is_staff(viewer.role) {
        let window = settings::of_tenant(conn, scope.id).await?.reopen_window_hours;
        let closed = ticket.closed_at.unwrap_or(ticket.updated_at);
        if now > closed + Duration::hours(i64::from(window)) {
            return Err(AppError::conflict(format!(
                "a ticket may be reopened within {window} hours of closing; open a new one"
            ))
            .with_reason(Reason::Expired));
        }
    }
    move_ticket(
        conn,
        &ticket,
        TicketStatus::Open,
        vec![
            (ticket::Column::ClosedAt, Expr::value(Option::<DateTime<Utc>>::None)),
            (ticket::Column::ClosedDay, Expr::value(Option::<chrono::NaiveDate>::None)),
            (ticket::Column::ReopenCount, Expr::col(ticket::Column::ReopenCount).add(1)),
        ],
        // the closing taken back below is the one read
        Condition::all().add(match ticket.closed_at {
            Some(at) => ticket::Column::ClosedAt.eq(at),
            None => ticket::Column::ClosedAt.is_null(),
        }),
        now,
    )
    .await?;
    if let Some(closed) = ticket.closed_at {
        // closed before the day was kept on the ticket: the day the statistics were filled with
        let day = ticket.closed_day.unwrap_or_else(|| stats::day_of(closed, scope.time_zone));
        stats::closing(conn, scope.id, day, ticket.category, (ticket.created_at, closed), -1).await?;
    }
    record(conn, request, &ticket, Step::Reopened, None).await?;
    let calendar = settings::calendar_of(conn, scope.id, scope.time_zone).await?;
    clocks::reopen(conn, scope.id, ticket.id, &calendar, now, Some(viewer.user_id)).await
}

/// The requester rates a closed ticket, once: 1 to 5, with an optional comment.
pub async fn rate(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    score: i32,
    comment: Option<&str>,
) -> AppResult<()> {
    let viewer = request.require_role(&[Role::Client, Role::Writer])?;
    if !(1..=5).contains(&score) {
        return Err(AppError::bad_input("score", "from 1 to 5"));
    }
    let comment = validate::optional_text("comment", comment, MAX_COMMENT)?;
    let ticket = find(conn, request, id).await?;
    if ticket.requester_id != viewer.user_id {
        return Err(AppError::not_found("ticket"));
    }
    if ticket.status != TicketStatus::Closed {
        return Err(AppError::conflict("a ticket is rated once it is closed").with_reason(Reason::InvalidTransition));
    }
    let now = request.now();
    let rated = Tickets::update_many()
        .col_expr(ticket::Column::Rating, Expr::value(score as i16))
        .col_expr(ticket::Column::RatingComment, Expr::value(comment))
        .col_expr(ticket::Column::RatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(ticket.id))
        .filter(ticket::Column::TenantId.eq(ticket.tenant_id))
        .filter(ticket::Column::Status.eq(TicketStatus::Closed))
        .filter(ticket::Column::Rating.is_null())
        .exec(conn)
        .await?;
    if rated.rows_affected == 0 {
        return Err(AppError::conflict("the ticket is rated already").with_reason(Reason::Duplicate));
    }
    let scope = request.tenant()?;
    stats::rated(conn, scope.id, scope.time_zone, ticket.category, now, score).await?;
    record(conn, request, &ticket, Step::Rated, Some(format!("{score}/5"))).await?;
    Ok(())
}

/// What narrows a list of tickets.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    /// Every status but closed.
    pub active: bool,
    pub priority: Option<Priority>,
    pub category: Option<Category>,
    pub assignee: Option<Uuid>,
    pub unassigned: bool,
    /// The viewer's own (an agent's).
    pub mine: bool,
    pub requester: Option<Uuid>,
    pub order: Option<Uuid>,
}

/// The tickets the viewer sees, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: TicketFilter,
    page: PageArgs,
) -> AppResult<Paged<Ticket>> {
    let viewer = request.viewer()?;
    let mut condition = visible_to(request)?;
    if let Some(status) = filter.status {
        condition = condition.add(ticket::Column::Status.eq(status));
    }
    if filter.active {
        condition = condition.add(ticket::Column::Status.is_in(TicketStatus::ACTIVE));
    }
    if let Some(priority) = filter.priority {
        condition = condition.add(ticket::Column::Priority.eq(priority));
    }
    if let Some(category) = filter.category {
        condition = condition.add(ticket::Column::Category.eq(category));
    }
    if let Some(assignee) = filter.assignee {
        condition = condition.add(ticket::Column::AssigneeId.eq(assignee));
    }
    if filter.unassigned {
        condition = condition.add(ticket::Column::AssigneeId.is_null());
    }
    if filter.mine {
        condition = condition.add(ticket::Column::AssigneeId.eq(viewer.user_id));
    }
    if let Some(requester) = filter.requester {
        condition = condition.add(ticket::Column::RequesterId.eq(requester));
    }
    if let Some(order) = filter.order {
        condition = condition.add(ticket::Column::OrderId.eq(order));
    }
    paginate(conn, Tickets::find().filter(condition), ticket::Column::Id, Order::newest_first(), page).await
}

/// The ticket's messages the viewer may read (the requester: not the internal notes), oldest
/// first.
pub async fn messages(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ticket: &Ticket,
    page: PageArgs,
) -> AppResult<Paged<ticket_message::Model>> {
    let viewer = request.viewer()?;
    let mut query = Messages::find()
        .filter(ticket_message::Column::TenantId.eq(ticket.tenant_id))
        .filter(ticket_message::Column::TicketId.eq(ticket.id));
    if !is_staff(viewer.role) {
        query = query.filter(ticket_message::Column::Internal.eq(false));
    }
    paginate(conn, query, ticket_message::Column::Id, Order::oldest_first(), page).await
}

/// The ticket's history and SLA log (staff), oldest first.
pub async fn history(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ticket: &Ticket,
    page: PageArgs,
) -> AppResult<Paged<ticket_event::Model>> {
    request.require_role(STAFF)?;
    let query = Events::find()
        .filter(ticket_event::Column::TenantId.eq(ticket.tenant_id))
        .filter(ticket_event::Column::TicketId.eq(ticket.id));
    paginate(conn, query, ticket_event::Column::Id, Order::oldest_first(), page).await
}

/// An event of the ticket's topic for a subscriber: `None` when the viewer may not read the
/// ticket now, or the event is staff's own (a note, an SLA step) and the viewer is the requester.
pub async fn event_for_viewer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ticket: Uuid,
    event: Uuid,
) -> AppResult<Option<Ticket>> {
    let Ok(found) = find(conn, request, ticket).await else { return Ok(None) };
    let viewer = request.viewer()?;
    if !is_staff(viewer.role) {
        let Some(row) = Events::find_by_id(event).filter(ticket_event::Column::TicketId.eq(ticket)).one(conn).await?
        else {
            return Ok(None);
        };
        let note: &'static str = Step::Note.into();
        if row.metric.is_some() || row.kind == note {
            return Ok(None);
        }
    }
    Ok(Some(found))
}
