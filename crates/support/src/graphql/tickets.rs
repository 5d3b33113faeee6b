//! Tickets: the list and one ticket (with its messages, history and SLA countdowns), and each
//! step a requester or staff takes.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, InputObject, Lookahead, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::write::{Once, write_once};
use kernel::{ContextExt, PageArgs, RequestContext, Timestamp, parse_id, write};
use uuid::Uuid;

use super::thread::{self, BulkOutcome, SupportMessage, node_of};
use super::{ADMINS, STAFF, TICKET_READERS};
use crate::entity::ticket::{Category, Model as TicketModel, Priority, RequesterRole, TicketStatus};
use crate::entity::ticket_event;
use crate::entity::ticket_sla::{Metric, Model as Clock};
use crate::service::calendar::Calendar;
use crate::service::clocks::{self, Countdown, ShownState};
use crate::service::settings;
use crate::service::tickets::{self, NewTicket, TicketFilter as Filter};
use identity::graphql::Person;

/// What a page of tickets read once for all of its tickets.
#[derive(Default)]
pub(super) struct Prefetched {
    people: HashMap<Uuid, Person>,
    /// The site's calendar and the page's clocks, when `sla` is asked for.
    sla: Option<(Calendar, HashMap<Uuid, Vec<Clock>>)>,
}

/// A support ticket: what its requester and staff read (staff also read its history and SLA).
pub struct Ticket {
    pub(super) ticket: TicketModel,
    pub(super) related: Arc<Prefetched>,
}

/// Someone's rating of a closed ticket.
#[derive(SimpleObject)]
pub struct TicketRating {
    /// 1 to 5.
    pub score: i32,
    pub comment: Option<String>,
    pub rated_at: Timestamp,
}

/// A step of a ticket's history, or of one of its SLA clocks (`metric` set).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct TicketEvent {
    pub id: ID,
    /// `OPENED`, `MESSAGE`, `NOTE`, `ASSIGNED`, `UNASSIGNED`, `STATUS_CHANGED`,
    /// `PRIORITY_CHANGED`, `ESCALATED`, `DEESCALATED`, `CLOSED`, `REOPENED`, `RATED`; for a clock
    /// `STARTED`, `PAUSED`, `RESUMED`, `WARNED`, `BREACHED`, `MET`.
    pub kind: String,
    pub metric: Option<Metric>,
    pub note: Option<String>,
    pub at: Timestamp,
    #[graphql(skip)]
    actor_id: Option<Uuid>,
    /// The actor, when the page prefetched them.
    #[graphql(skip)]
    actor: Option<Person>,
}

#[ComplexObject]
impl TicketEvent {
    /// Who took the step (none: the system).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        match &self.actor {
            Some(person) => Ok(Some(kernel::Inline(person.clone()))),
            None => Person::load(ctx, self.actor_id).await,
        }
    }
}

impl From<ticket_event::Model> for TicketEvent {
    fn from(e: ticket_event::Model) -> Self {
        TicketEvent {
            id: ID(e.id.to_string()),
            kind: e.kind,
            metric: e.metric,
            note: e.note,
            at: e.at.into(),
            actor_id: e.actor_id,
            actor: None,
        }
    }
}

/// One SLA clock of a ticket, as of now.
#[derive(SimpleObject)]
pub struct SlaClock {
    pub metric: Metric,
    pub state: ShownState,
    /// Its target, in working minutes.
    pub target_minutes: i64,
    /// When it falls due, while it runs (none while paused or stopped).
    pub due_at: Option<Timestamp>,
    /// Working seconds left to its target (negative once past it).
    pub remaining: i64,
    pub warned_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    pub met_at: Option<Timestamp>,
}

impl From<Countdown> for SlaClock {
    fn from(c: Countdown) -> Self {
        SlaClock {
            metric: c.metric,
            state: c.state,
            target_minutes: c.target_seconds / 60,
            due_at: c.due_at.map(Into::into),
            remaining: c.remaining_seconds,
            warned_at: c.warned_at.map(Into::into),
            breached_at: c.breached_at.map(Into::into),
            met_at: c.met_at.map(Into::into),
        }
    }
}

/// A ticket's SLA: its first response and its resolution clocks.
#[derive(SimpleObject)]
pub struct TicketSla {
    pub first_response: Option<SlaClock>,
    pub resolution: Option<SlaClock>,
}

#[Object]
impl Ticket {
    async fn id(&self) -> ID {
        ID(self.ticket.id.to_string())
    }
    async fn subject(&self) -> &str {
        &self.ticket.subject
    }
    async fn category(&self) -> Category {
        self.ticket.category
    }
    async fn priority(&self) -> Priority {
        self.ticket.priority
    }
    async fn status(&self) -> TicketStatus {
        self.ticket.status
    }
    /// Whether a client or a writer asked.
    async fn requester_role(&self) -> RequesterRole {
        self.ticket.requester_role
    }
    async fn requester(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        self.person(ctx, Some(self.ticket.requester_id)).await
    }
    /// The agent working it.
    async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        self.person(ctx, self.ticket.assignee_id).await
    }
    /// The order it is about.
    async fn order_id(&self) -> Option<ID> {
        self.ticket.order_id.map(|id| ID(id.to_string()))
    }
    async fn created_at(&self) -> Timestamp {
        self.ticket.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.ticket.updated_at.into()
    }
    /// Staff's first reply the requester could read.
    async fn first_response_at(&self) -> Option<Timestamp> {
        self.ticket.first_response_at.map(Into::into)
    }
    async fn closed_at(&self) -> Option<Timestamp> {
        self.ticket.closed_at.map(Into::into)
    }
    async fn reopen_count(&self) -> i32 {
        self.ticket.reopen_count
    }
    /// The requester's rating, given once the ticket closed (it stays if the ticket is reopened:
    /// a ticket is rated once).
    async fn rating(&self) -> Option<TicketRating> {
        let (score, rated_at) = (self.ticket.rating?, self.ticket.rated_at?);
        Some(TicketRating {
            score: i32::from(score),
            comment: self.ticket.rating_comment.clone(),
            rated_at: rated_at.into(),
        })
    }
    /// The messages, oldest first (the requester does not read internal notes).
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<SupportMessage>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = tickets::messages(&request.db, request, &self.ticket, page).await?;
        thread::message_page(ctx, paged, |m| (m.id, m.author_id)).await
    }
    /// What happened to it and to its SLA clocks, oldest first (staff).
    #[graphql(guard = "STAFF")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<TicketEvent>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = tickets::history(&request.db, request, &self.ticket, page).await?;
        let actors = thread::page_people(ctx, "actor", paged.items.iter().filter_map(|e| e.actor_id)).await?;
        Ok(paged.into_connection(
            |e| e.id,
            |e| {
                let actor = e.actor_id.and_then(|a| actors.get(&a).cloned());
                TicketEvent { actor, ..TicketEvent::from(e) }
            },
        ))
    }
    /// Its SLA countdowns, as of now (staff).
    #[graphql(guard = "STAFF")]
    async fn sla(&self, ctx: &Context<'_>) -> Result<TicketSla> {
        let request = ctx.request();
        let now = request.now();
        let view = |calendar: &Calendar, clocks: &[Clock]| {
            let of =
                |metric| clocks.iter().find(|c| c.metric == metric).map(|c| clocks::countdown(c, calendar, now).into());
            TicketSla { first_response: of(Metric::FirstResponse), resolution: of(Metric::Resolution) }
        };
        if let Some((calendar, clocks)) = &self.related.sla {
            return Ok(view(calendar, clocks.get(&self.ticket.id).map_or(&[], Vec::as_slice)));
        }
        let scope = request.tenant()?;
        let calendar = settings::calendar_of(&request.db, scope.id, scope.time_zone).await?;
        let clocks = clocks::of_ticket(&request.db, scope.id, self.ticket.id).await?;
        Ok(view(&calendar, &clocks))
    }
}

impl Ticket {
    async fn person(&self, ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<kernel::Inline<Person>>> {
        thread::person(ctx, &self.related.people, id).await
    }
}

/// Reads once for the page what its selection of tickets asks for (people, SLA clocks).
pub(super) async fn prefetch(ctx: &Context<'_>, rows: &[TicketModel], node: &Lookahead<'_>) -> Result<Prefetched> {
    let request = ctx.request();
    let mut related = Prefetched::default();
    if rows.is_empty() {
        return Ok(related);
    }
    let mut people = Vec::new();
    if node.field("requester").exists() {
        people.extend(rows.iter().map(|t| t.requester_id));
    }
    if node.field("assignee").exists() {
        people.extend(rows.iter().filter_map(|t| t.assignee_id));
    }
    related.people = thread::people(ctx, people).await?;
    // the SLA is staff's: for anyone else the field's guard refuses it, with nothing read here
    let staff = request.viewer.as_ref().is_some_and(|v| tickets::is_staff(v.role));
    if node.field("sla").exists() && staff {
        let scope = request.tenant()?;
        let calendar = settings::calendar_of(&request.db, scope.id, scope.time_zone).await?;
        let ids: Vec<Uuid> = rows.iter().map(|t| t.id).collect();
        let mut by_ticket: HashMap<Uuid, Vec<Clock>> = HashMap::new();
        for clock in clocks::of_tickets(&request.db, scope.id, &ids).await? {
            by_ticket.entry(clock.ticket_id).or_default().push(clock);
        }
        related.sla = Some((calendar, by_ticket));
    }
    Ok(related)
}

/// The ticket `id` as the selection asks for it (after a step).
pub(super) async fn one(ctx: &Context<'_>, request: &RequestContext, id: Uuid) -> Result<Ticket> {
    let ticket = tickets::find(&request.db, request, id).await?;
    let related = prefetch(ctx, std::slice::from_ref(&ticket), &ctx.look_ahead()).await?;
    Ok(Ticket { ticket, related: Arc::new(related) })
}

/// What narrows a list of tickets.
#[derive(InputObject, Default)]
#[graphql(name = "TicketFilter")]
pub struct TicketFilterInput {
    pub status: Option<TicketStatus>,
    /// Only tickets not closed.
    pub active: Option<bool>,
    pub priority: Option<Priority>,
    pub category: Option<Category>,
    /// Staff: one agent's.
    pub assignee_id: Option<ID>,
    /// Staff: those no agent has.
    pub unassigned: Option<bool>,
    /// Staff: the viewer's own.
    pub mine: Option<bool>,
    /// Staff: one requester's.
    pub requester_id: Option<ID>,
    pub order_id: Option<ID>,
}

/// A new ticket.
#[derive(InputObject)]
pub struct OpenTicketInput {
    pub subject: String,
    pub category: Category,
    /// The first message.
    pub message: String,
    /// The requester's order it is about.
    pub order_id: Option<ID>,
    /// Staff only (a requester's ticket starts at `MEDIUM`).
    pub priority: Option<Priority>,
    /// Staff only: the client or writer they open it for.
    pub requester_id: Option<ID>,
}

#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// Tickets, newest first: a requester's own, or all of the site's for staff.
    #[graphql(guard = "TICKET_READERS")]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        filter: Option<TicketFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Ticket>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let parse = |field: &str, id: &Option<ID>| id.as_ref().map(|id| parse_id(field, id)).transpose();
        let filter = Filter {
            status: f.status,
            active: f.active.unwrap_or(false),
            priority: f.priority,
            category: f.category,
            assignee: parse("filter.assigneeId", &f.assignee_id)?,
            unassigned: f.unassigned.unwrap_or(false),
            mine: f.mine.unwrap_or(false),
            requester: parse("filter.requesterId", &f.requester_id)?,
            order: parse("filter.orderId", &f.order_id)?,
        };
        let paged = tickets::list(&request.db, request, filter, page).await?;
        let related = Arc::new(prefetch(ctx, &paged.items, &node_of(&ctx.look_ahead())).await?);
        Ok(paged.into_connection(|t| t.id, |ticket| Ticket { ticket, related: related.clone() }))
    }

    /// One ticket (its requester's, or any of the site's for staff).
    #[graphql(guard = "TICKET_READERS")]
    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> Result<Ticket> {
        one(ctx, ctx.request(), parse_id("id", &id)?).await
    }
}

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a ticket: a client or a writer for themselves (about one of their orders, if any),
    /// or staff for one of them (`input.requesterId`; their message is the first response).
    /// Its SLA clocks start.
    #[graphql(guard = "TICKET_READERS")]
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        input: OpenTicketInput,
        idempotency_key: Option<String>,
    ) -> Result<Ticket> {
        let request = ctx.request();
        let input = NewTicket {
            subject: input.subject,
            category: input.category,
            message: input.message,
            order_id: input.order_id.as_ref().map(|id| parse_id("input.orderId", id)).transpose()?,
            priority: input.priority,
            requester_id: input.requester_id.as_ref().map(|id| parse_id("input.requesterId", id)).transpose()?,
        };
        let once = Once::new("openTicket", idempotency_key.as_deref(), &input);
        let id = write_once(request, once, async |txn| tickets::open(txn, request, input.clone()).await).await?;
        one(ctx, request, id).await
    }

    /// Writes on a ticket: a message between its requester and support, or (staff, `internal`)
    /// a note among staff. Answers the ticket.
    #[graphql(guard = "TICKET_READERS")]
    async fn post_ticket_message(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        body: String,
        internal: Option<bool>,
    ) -> Result<Ticket> {
        let request = ctx.request();
        let internal = internal.unwrap_or(false);
        let id = parse_id("ticketId", &ticket_id)?;
        write(request, async |txn| tickets::post_message(txn, request, id, &body, internal).await).await?;
        one(ctx, request, id).await
    }

    /// Gives a ticket to an agent, or takes it from one (`agentId` null). Admins assign anyone
    /// who works tickets; a support agent takes an unassigned ticket for themselves.
    #[graphql(guard = "STAFF")]
    async fn assign_ticket(&self, ctx: &Context<'_>, id: ID, agent_id: Option<ID>) -> Result<Ticket> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let agent = agent_id.as_ref().map(|a| parse_id("agentId", a)).transpose()?;
        write(request, async |txn| tickets::assign(txn, request, id, agent).await).await?;
        one(ctx, request, id).await
    }

    /// Gives each ticket to an agent (`agentId` null: takes them from whoever has them), each
    /// on its own (admins balancing the load): the answer says, per ticket, whether it was done.
    #[graphql(guard = "ADMINS")]
    async fn bulk_assign_tickets(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        agent_id: Option<ID>,
    ) -> Result<Vec<BulkOutcome>> {
        let request = ctx.request();
        let ids = ids.iter().map(|id| parse_id("ids", id)).collect::<Result<Vec<_>, _>>()?;
        let agent = agent_id.as_ref().map(|a| parse_id("agentId", a)).transpose()?;
        Ok(BulkOutcome::all(tickets::bulk_assign(request, &ids, agent).await?))
    }

    /// Moves a ticket: staff among `OPEN`, `IN_PROGRESS`, `AWAITING_CUSTOMER` (its SLA clocks
    /// pause) and `CLOSED`; its requester may close it.
    #[graphql(guard = "TICKET_READERS")]
    async fn set_ticket_status(&self, ctx: &Context<'_>, id: ID, status: TicketStatus) -> Result<Ticket> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tickets::set_status(txn, request, id, status).await).await?;
        one(ctx, request, id).await
    }

    /// Changes a ticket's priority (staff): its running clocks take the priority's targets.
    #[graphql(guard = "STAFF")]
    async fn set_ticket_priority(&self, ctx: &Context<'_>, id: ID, priority: Priority) -> Result<Ticket> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tickets::set_priority(txn, request, id, priority).await).await?;
        one(ctx, request, id).await
    }

    /// Reopens a closed ticket: its requester within the site's window, staff at any time.
    #[graphql(guard = "TICKET_READERS")]
    async fn reopen_ticket(&self, ctx: &Context<'_>, id: ID) -> Result<Ticket> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tickets::reopen(txn, request, id).await).await?;
        one(ctx, request, id).await
    }

    /// The requester rates their closed ticket, once: 1 to 5, with an optional comment.
    #[graphql(guard = "TICKET_READERS")]
    async fn rate_ticket(&self, ctx: &Context<'_>, id: ID, score: i32, comment: Option<String>) -> Result<Ticket> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tickets::rate(txn, request, id, score, comment.as_deref()).await).await?;
        one(ctx, request, id).await
    }
}
