//! Disputes: the list and one dispute (its thread, timeline and order), each step, and the
//! admins' bulk decision.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, InputObject, Lookahead, Object, Result, SimpleObject};
use identity::graphql::Person;
use kernel::pagination::IdConnection;
use kernel::write::{Once, write_once};
use kernel::{ContextExt, Money, PageArgs, RequestContext, Timestamp, parse_id, write};
use orders::graphql::Order;
use uuid::Uuid;

use super::thread::{self, BulkOutcome, SupportMessage, node_of};
use super::{ADMINS, STAFF, TICKET_READERS};
use crate::entity::dispute::{DisputeStatus, Model as DisputeModel, OpenerRole, Outcome};
use crate::entity::dispute_event;
use crate::entity::ticket::Priority;
use crate::service::disputes::{self, Decision, DisputeFilter, NewDispute, RefundDestination};

#[derive(Default)]
struct Prefetched {
    people: HashMap<Uuid, Person>,
    /// Taken by the first dispute of the page that shows it (another of the same order loads
    /// its own).
    orders: std::sync::Mutex<HashMap<Uuid, Order>>,
}

/// A dispute over an order.
pub struct Dispute {
    dispute: DisputeModel,
    related: Arc<Prefetched>,
}

/// A step of a dispute's timeline.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DisputeEvent {
    pub id: ID,
    /// `OPENED`, `ASSIGNED`, `MESSAGE`, `NOTE`, `ESCALATED`, `DEESCALATED`, `RESOLVED`,
    /// `CLOSED`, `WITHDRAWN`.
    pub kind: String,
    pub note: Option<String>,
    pub at: Timestamp,
    #[graphql(skip)]
    actor_id: Option<Uuid>,
    /// The actor, when the page prefetched them.
    #[graphql(skip)]
    actor: Option<Person>,
}

#[ComplexObject]
impl DisputeEvent {
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        match &self.actor {
            Some(person) => Ok(Some(kernel::Inline(person.clone()))),
            None => Person::load(ctx, self.actor_id).await,
        }
    }
}

impl From<dispute_event::Model> for DisputeEvent {
    fn from(e: dispute_event::Model) -> Self {
        DisputeEvent {
            id: ID(e.id.to_string()),
            kind: e.kind,
            note: e.note,
            at: e.at.into(),
            actor_id: e.actor_id,
            actor: None,
        }
    }
}

#[Object]
impl Dispute {
    async fn id(&self) -> ID {
        ID(self.dispute.id.to_string())
    }
    async fn order_id(&self) -> ID {
        ID(self.dispute.order_id.to_string())
    }
    /// The order, as the viewer sees orders.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>> {
        let taken = self.related.orders.lock().ok().and_then(|mut orders| orders.remove(&self.dispute.order_id));
        if let Some(order) = taken {
            return Ok(Some(order));
        }
        let request = ctx.request();
        let found = orders::service::access::visible_among(&request.db, request, &[self.dispute.order_id]).await?;
        Ok(found.into_iter().next().map(Order::new))
    }
    async fn status(&self) -> DisputeStatus {
        self.dispute.status
    }
    async fn priority(&self) -> Priority {
        self.dispute.priority
    }
    /// Who opened it: the client, the writer, or staff for one of them.
    async fn opened_by_role(&self) -> OpenerRole {
        self.dispute.opener_role
    }
    async fn opened_by(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        self.person(ctx, Some(self.dispute.opened_by)).await
    }
    async fn reason(&self) -> &str {
        &self.dispute.reason
    }
    /// The agent reviewing it.
    async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        self.person(ctx, self.dispute.assignee_id).await
    }
    /// How it was decided.
    async fn outcome(&self) -> Option<Outcome> {
        self.dispute.outcome
    }
    /// Why, in the decider's words (they may name the client's money: not the writer's to read).
    #[graphql(
        guard = "kernel::RoleGuard::new(&[kernel::Role::Client, kernel::Role::Support, kernel::Role::Admin, kernel::Role::Superadmin])"
    )]
    async fn outcome_note(&self) -> Option<&str> {
        self.dispute.outcome_note.as_deref()
    }
    /// What the client got back (the client's money: not the writer's to read).
    #[graphql(
        guard = "kernel::RoleGuard::new(&[kernel::Role::Client, kernel::Role::Support, kernel::Role::Admin, kernel::Role::Superadmin])"
    )]
    async fn refunded(&self) -> Option<Money> {
        disputes::refunded(&self.dispute)
    }
    async fn resolved_at(&self) -> Option<Timestamp> {
        self.dispute.resolved_at.map(Into::into)
    }
    async fn closed_at(&self) -> Option<Timestamp> {
        self.dispute.closed_at.map(Into::into)
    }
    async fn created_at(&self) -> Timestamp {
        self.dispute.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.dispute.updated_at.into()
    }
    /// The thread, oldest first (the parties do not read staff's notes).
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<SupportMessage>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = disputes::messages(&request.db, request, &self.dispute, page).await?;
        thread::message_page(ctx, paged, |m| (m.id, m.author_id)).await
    }
    /// The timeline, oldest first (the parties do not see staff's notes in it).
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<DisputeEvent>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = disputes::history(&request.db, request, &self.dispute, page).await?;
        let actors = thread::page_people(ctx, "actor", paged.items.iter().filter_map(|e| e.actor_id)).await?;
        Ok(paged.into_connection(
            |e| e.id,
            |e| {
                let actor = e.actor_id.and_then(|a| actors.get(&a).cloned());
                DisputeEvent { actor, ..DisputeEvent::from(e) }
            },
        ))
    }
}

impl Dispute {
    async fn person(&self, ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<kernel::Inline<Person>>> {
        thread::person(ctx, &self.related.people, id).await
    }
}

async fn prefetch(ctx: &Context<'_>, rows: &[DisputeModel], node: &Lookahead<'_>) -> Result<Prefetched> {
    let request = ctx.request();
    let mut related = Prefetched::default();
    if rows.is_empty() {
        return Ok(related);
    }
    let mut people = Vec::new();
    if node.field("openedBy").exists() {
        people.extend(rows.iter().map(|d| d.opened_by));
    }
    if node.field("assignee").exists() {
        people.extend(rows.iter().filter_map(|d| d.assignee_id));
    }
    related.people = thread::people(ctx, people).await?;
    if node.field("order").exists() {
        let ids: Vec<Uuid> = rows.iter().map(|d| d.order_id).collect();
        let found = orders::service::access::visible_among(&request.db, request, &ids).await?;
        related.orders = std::sync::Mutex::new(found.into_iter().map(|o| (o.id, Order::new(o))).collect());
    }
    Ok(related)
}

async fn one(ctx: &Context<'_>, request: &RequestContext, id: Uuid) -> Result<Dispute> {
    let dispute = disputes::find(&request.db, request, id).await?;
    let related = prefetch(ctx, std::slice::from_ref(&dispute), &ctx.look_ahead()).await?;
    Ok(Dispute { dispute, related: Arc::new(related) })
}

/// What narrows a list of disputes.
#[derive(InputObject, Default)]
#[graphql(name = "DisputeFilter")]
pub struct DisputeFilterInput {
    pub status: Option<DisputeStatus>,
    /// Only those still to be decided (open, under review, escalated).
    pub pending: Option<bool>,
    pub priority: Option<Priority>,
    /// Staff: the viewer's own.
    pub mine: Option<bool>,
    /// Staff: those no agent has.
    pub unassigned: Option<bool>,
    pub order_id: Option<ID>,
}

/// A new dispute.
#[derive(InputObject)]
pub struct OpenDisputeInput {
    pub order_id: ID,
    /// What is wrong.
    pub reason: String,
    /// Staff only (the parties' disputes start at `HIGH`).
    pub priority: Option<Priority>,
}

/// A decision on a dispute.
#[derive(InputObject, Clone)]
pub struct DisputeDecisionInput {
    pub outcome: Outcome,
    /// `CLIENT_WINS`: how much goes back (none: all that is left of the payment).
    pub refund_amount: Option<Money>,
    /// `CLIENT_WINS`: to the client's wallet (the default) or outside the platform.
    pub refund_destination: Option<RefundDestination>,
    /// `EXTEND_DEADLINE`: the client's new deadline.
    pub deadline: Option<Timestamp>,
    /// `EXTEND_DEADLINE`: the writer's (none: the same margin before the client's as before).
    pub writer_deadline: Option<Timestamp>,
    /// Why: told to the client, kept in the timelines and the audit log.
    pub note: String,
}

impl DisputeDecisionInput {
    fn decision(self) -> Decision {
        Decision {
            outcome: self.outcome,
            refund_amount: self.refund_amount.map(|m| m.0),
            destination: self.refund_destination.unwrap_or(RefundDestination::Wallet),
            deadline: self.deadline.map(Into::into),
            writer_deadline: self.writer_deadline.map(Into::into),
            note: self.note,
        }
    }
}

#[derive(Default)]
pub struct DisputeQuery;

#[Object]
impl DisputeQuery {
    /// Disputes, newest first: a party's own (as the order's client or writer), all of the
    /// site's for staff.
    #[graphql(guard = "TICKET_READERS")]
    async fn disputes(
        &self,
        ctx: &Context<'_>,
        filter: Option<DisputeFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Dispute>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = DisputeFilter {
            status: f.status,
            pending: f.pending.unwrap_or(false),
            priority: f.priority,
            mine: f.mine.unwrap_or(false),
            unassigned: f.unassigned.unwrap_or(false),
            order: f.order_id.as_ref().map(|id| parse_id("filter.orderId", id)).transpose()?,
        };
        let paged = disputes::list(&request.db, request, filter, page).await?;
        let related = Arc::new(prefetch(ctx, &paged.items, &node_of(&ctx.look_ahead())).await?);
        Ok(paged.into_connection(|d| d.id, |dispute| Dispute { dispute, related: related.clone() }))
    }

    /// One dispute (a party's, or any of the site's for staff).
    #[graphql(guard = "TICKET_READERS")]
    async fn dispute(&self, ctx: &Context<'_>, id: ID) -> Result<Dispute> {
        one(ctx, ctx.request(), parse_id("id", &id)?).await
    }
}

#[derive(Default)]
pub struct DisputeMutation;

#[Object]
impl DisputeMutation {
    /// Opens a dispute over an order being written, delivered, or completed within the site's
    /// window (its client or writer, or staff): the order stops at `DISPUTED`.
    #[graphql(guard = "TICKET_READERS")]
    async fn open_dispute(
        &self,
        ctx: &Context<'_>,
        input: OpenDisputeInput,
        idempotency_key: Option<String>,
    ) -> Result<Dispute> {
        let request = ctx.request();
        let input = NewDispute {
            order_id: parse_id("input.orderId", &input.order_id)?,
            reason: input.reason,
            priority: input.priority,
        };
        let once = Once::new("openDispute", idempotency_key.as_deref(), &input);
        let id = write_once(request, once, async |txn| disputes::open(txn, request, input.clone()).await).await?;
        one(ctx, request, id).await
    }

    /// Gives a dispute to an agent for review (admins to anyone who works tickets, an agent to
    /// themselves).
    #[graphql(guard = "STAFF")]
    async fn assign_dispute(&self, ctx: &Context<'_>, id: ID, agent_id: ID) -> Result<Dispute> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let agent = parse_id("agentId", &agent_id)?;
        write(request, async |txn| disputes::assign(txn, request, id, agent).await).await?;
        one(ctx, request, id).await
    }

    /// Writes on a dispute's thread: the parties and staff, or (staff, `internal`) a note.
    #[graphql(guard = "TICKET_READERS")]
    async fn post_dispute_message(
        &self,
        ctx: &Context<'_>,
        dispute_id: ID,
        body: String,
        internal: Option<bool>,
    ) -> Result<Dispute> {
        let request = ctx.request();
        let id = parse_id("disputeId", &dispute_id)?;
        let internal = internal.unwrap_or(false);
        write(request, async |txn| disputes::post_message(txn, request, id, &body, internal).await).await?;
        one(ctx, request, id).await
    }

    /// Decides a dispute (support; admins also once escalated): the outcome is applied to the
    /// order, the ledger, the dispute, the timelines and the audit log together. A second
    /// decision of the same dispute is `CONFLICT`.
    #[graphql(guard = "STAFF")]
    async fn resolve_dispute(&self, ctx: &Context<'_>, id: ID, input: DisputeDecisionInput) -> Result<Dispute> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let decision = input.decision();
        write(request, async |txn| disputes::resolve(txn, request, id, &decision).await).await?;
        one(ctx, request, id).await
    }

    /// Applies one decision to each dispute (admins), each on its own: the answer says, per
    /// dispute, whether it was decided or why not.
    #[graphql(guard = "ADMINS")]
    async fn bulk_resolve_disputes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        input: DisputeDecisionInput,
    ) -> Result<Vec<BulkOutcome>> {
        let request = ctx.request();
        let ids = ids.iter().map(|id| parse_id("ids", id)).collect::<Result<Vec<_>, _>>()?;
        Ok(BulkOutcome::all(disputes::bulk_resolve(request, &ids, &input.decision()).await?))
    }

    /// Closes a decided dispute (staff).
    #[graphql(guard = "STAFF")]
    async fn close_dispute(&self, ctx: &Context<'_>, id: ID) -> Result<Dispute> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| disputes::close(txn, request, id).await).await?;
        one(ctx, request, id).await
    }

    /// Its opener (or staff) withdraws a dispute not yet decided: it closes and the order resumes.
    #[graphql(guard = "TICKET_READERS")]
    async fn withdraw_dispute(&self, ctx: &Context<'_>, id: ID) -> Result<Dispute> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| disputes::withdraw(txn, request, id).await).await?;
        one(ctx, request, id).await
    }
}
