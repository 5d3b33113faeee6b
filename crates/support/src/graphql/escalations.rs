//! Escalations of tickets and disputes to the admins.

use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use identity::graphql::Person;
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Timestamp, parse_id, write};
use uuid::Uuid;

use super::{ADMINS, STAFF};
use crate::entity::escalation::{EscalationStatus, Model as EscalationModel};
use crate::service::escalations::{self, Subject};

/// A ticket or a dispute handed to the admins: why, by whom, and how it was resolved.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Escalation {
    pub id: ID,
    pub ticket_id: Option<ID>,
    pub dispute_id: Option<ID>,
    pub reason: String,
    pub status: EscalationStatus,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
    #[graphql(skip)]
    pub(super) escalated_by: Uuid,
    #[graphql(skip)]
    pub(super) resolved_by: Option<Uuid>,
    /// The people, when the page prefetched them.
    #[graphql(skip)]
    pub(super) people: std::sync::Arc<std::collections::HashMap<Uuid, Person>>,
}

#[ComplexObject]
impl Escalation {
    async fn escalated_by(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        super::thread::person(ctx, &self.people, Some(self.escalated_by)).await
    }
    async fn resolved_by(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        super::thread::person(ctx, &self.people, self.resolved_by).await
    }
}

impl From<EscalationModel> for Escalation {
    fn from(e: EscalationModel) -> Self {
        Escalation {
            id: ID(e.id.to_string()),
            ticket_id: e.ticket_id.map(|id| ID(id.to_string())),
            dispute_id: e.dispute_id.map(|id| ID(id.to_string())),
            reason: e.reason,
            status: e.status,
            created_at: e.created_at.into(),
            resolved_at: e.resolved_at.map(Into::into),
            resolution: e.resolution,
            escalated_by: e.escalated_by,
            resolved_by: e.resolved_by,
            people: Default::default(),
        }
    }
}

#[derive(Default)]
pub struct EscalationQuery;

#[Object]
impl EscalationQuery {
    /// The site's escalations, newest first, of one status if given (staff).
    #[graphql(guard = "STAFF")]
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        status: Option<EscalationStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Escalation>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = escalations::list(&request.db, request, status, page).await?;
        let people =
            std::sync::Arc::new(page_people(ctx, &paged.items, &super::thread::node_of(&ctx.look_ahead())).await?);
        Ok(paged.into_connection(|e| e.id, |e| Escalation { people: people.clone(), ..Escalation::from(e) }))
    }
}

#[derive(Default)]
pub struct EscalationMutation;

#[Object]
impl EscalationMutation {
    /// Escalates a ticket to the admins, with why (staff): it shows `ESCALATED` until they
    /// resolve the escalation.
    #[graphql(guard = "STAFF")]
    async fn escalate_ticket(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Escalation> {
        escalate(ctx, Subject::Ticket(parse_id("id", &id)?), reason).await
    }

    /// Escalates a dispute to the admins, with why (staff): they decide it.
    #[graphql(guard = "STAFF")]
    async fn escalate_dispute(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Escalation> {
        escalate(ctx, Subject::Dispute(parse_id("id", &id)?), reason).await
    }

    /// Resolves an escalation, saying how (admins): the ticket goes back to the agents, the
    /// dispute back to support's review. (Deciding an escalated dispute resolves it too.)
    #[graphql(guard = "ADMINS")]
    async fn resolve_escalation(&self, ctx: &Context<'_>, id: ID, resolution: String) -> Result<Escalation> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| escalations::resolve(txn, request, id, &resolution).await).await?;
        Ok(escalations::find(&request.db, request, id).await?.into())
    }
}

async fn escalate(ctx: &Context<'_>, subject: Subject, reason: String) -> Result<Escalation> {
    let request = ctx.request();
    let id = write(request, async |txn| escalations::escalate(txn, request, subject, &reason).await).await?;
    Ok(escalations::find(&request.db, request, id).await?.into())
}

/// The people a page of escalations shows (who escalated, who resolved), in one statement.
pub(super) async fn page_people(
    ctx: &Context<'_>,
    rows: &[EscalationModel],
    node: &async_graphql::Lookahead<'_>,
) -> Result<std::collections::HashMap<Uuid, Person>> {
    let mut ids = Vec::new();
    if node.field("escalatedBy").exists() {
        ids.extend(rows.iter().map(|e| e.escalated_by));
    }
    if node.field("resolvedBy").exists() {
        ids.extend(rows.iter().filter_map(|e| e.resolved_by));
    }
    super::thread::people(ctx, ids).await
}
