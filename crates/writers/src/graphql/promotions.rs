//! Level proposals: the admins' queue of the moves the `writers.promotions` job proposes from
//! writers' records, to approve or reject.

use std::collections::HashMap;

use async_graphql::{Context, ID, Lookahead, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Rate, RequestContext, Timestamp, parse_id, write};
use uuid::Uuid;

use super::ADMINS;
use super::levels::WriterLevel;
use crate::entity::writer_level_proposal::{ProposalDirection, ProposalStatus};
use crate::service::levels::{self, Level};
use crate::service::promotions::{self, Measured, Proposal};

/// A writer's record as the job measured it when it proposed the move.
#[derive(SimpleObject)]
#[graphql(name = "LevelProposalRecord")]
pub struct ProposalRecord {
    pub completed_orders: i64,
    /// How many of the writer's latest completed orders the two rates are over (at most 10).
    pub recent_orders: i64,
    /// Percent of those first submitted by the writer's deadline; null without one.
    pub on_time_rate: Option<Rate>,
    /// Percent of those sent back for revision; null without one.
    pub revision_rate: Option<Rate>,
    /// Feedbacks received (public and private).
    pub ratings: i64,
    /// Their overall average, of 5; null before the first.
    pub average_rating: Option<Rate>,
}

impl From<Measured> for ProposalRecord {
    fn from(m: Measured) -> Self {
        ProposalRecord {
            completed_orders: m.completed_orders,
            recent_orders: m.recent_orders,
            on_time_rate: m.on_time_rate_e4.map(Rate),
            revision_rate: m.revision_rate_e4.map(Rate),
            ratings: m.ratings,
            average_rating: m.average_rating_e2.map(|e2| Rate(i64::from(e2) * 100)),
        }
    }
}

/// A proposal to move a writer a level up or down, for an admin to decide.
#[derive(SimpleObject)]
pub struct LevelProposal {
    pub id: ID,
    pub writer_id: ID,
    /// The writer's name.
    pub writer_name: Option<String>,
    pub direction: ProposalDirection,
    pub status: ProposalStatus,
    /// The writer's level when it was proposed.
    pub from_level: Option<WriterLevel>,
    /// The level proposed.
    pub to_level: Option<WriterLevel>,
    pub record: ProposalRecord,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// The admin who approved or rejected it.
    pub decided_by: Option<ID>,
    /// Why it was rejected, or what superseded it.
    pub reason: Option<String>,
}

/// What proposals show besides themselves, read once for all of them (a page costs the same
/// statements whatever its length), and only when the selection asks for it.
#[derive(Default)]
struct Related {
    levels: HashMap<Uuid, Level>,
    names: HashMap<Uuid, String>,
}

async fn related(request: &RequestContext, proposals: &[Proposal], node: &Lookahead<'_>) -> Result<Related> {
    let mut related = Related::default();
    if proposals.is_empty() {
        return Ok(related);
    }
    if node.field("fromLevel").exists() || node.field("toLevel").exists() {
        related.levels = levels::list(&request.db, request).await?.into_iter().map(|l| (l.entry.id, l)).collect();
    }
    if node.field("writerName").exists() {
        let writers: Vec<Uuid> = proposals.iter().map(|p| p.writer_id).collect();
        related.names = promotions::writer_names(&request.db, request, &writers).await?;
    }
    Ok(related)
}

fn view(p: Proposal, related: &Related) -> LevelProposal {
    let level = |id: Uuid| related.levels.get(&id).cloned().map(WriterLevel);
    LevelProposal {
        id: ID(p.id.to_string()),
        writer_id: ID(p.writer_id.to_string()),
        writer_name: related.names.get(&p.writer_id).cloned(),
        direction: p.direction,
        status: p.status,
        from_level: level(p.from_level_id),
        to_level: level(p.to_level_id),
        record: p.measured.into(),
        created_at: p.created_at.into(),
        decided_at: p.decided_at.map(Into::into),
        decided_by: p.decided_by.map(|by| ID(by.to_string())),
        reason: p.reason,
    }
}

/// The proposal `id` as the mutation's selection asks for it (after the write).
async fn one(ctx: &Context<'_>, id: Uuid) -> Result<LevelProposal> {
    let request = ctx.request();
    let found = promotions::get(&request.db, request, id).await?;
    let related = related(request, std::slice::from_ref(&found), &ctx.look_ahead()).await?;
    Ok(view(found, &related))
}

#[derive(Default)]
pub struct PromotionQuery;

#[Object]
impl PromotionQuery {
    /// Proposals to move writers a level up or down, made from their records by an hourly job,
    /// newest first, optionally of one status (admins).
    #[graphql(guard = "ADMINS")]
    async fn level_proposals(
        &self,
        ctx: &Context<'_>,
        status: Option<ProposalStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<LevelProposal>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = promotions::list(&request.db, request, status, page).await?;
        let look = ctx.look_ahead();
        let node = look.field("edges").field("node");
        let node = if node.exists() { node } else { look.field("nodes") };
        let related = related(request, &paged.items, &node).await?;
        Ok(paged.into_connection(|p| p.id, |p| view(p, &related)))
    }
}

#[derive(Default)]
pub struct PromotionMutation;

#[Object]
impl PromotionMutation {
    /// Approves a pending level proposal (admins): the writer is put at the proposed level
    /// (audited, as `setWriterLevel`). `CONFLICT` when it is no longer pending, or the writer's
    /// level changed since it was proposed.
    #[graphql(guard = "ADMINS")]
    async fn approve_level_proposal(&self, ctx: &Context<'_>, id: ID) -> Result<LevelProposal> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| promotions::approve(txn, request, id).await).await?;
        one(ctx, id).await
    }

    /// Rejects a pending level proposal, saying why (admins; audited). The same move is not
    /// proposed again for 30 days.
    #[graphql(guard = "ADMINS")]
    async fn reject_level_proposal(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<LevelProposal> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| promotions::reject(txn, request, id, &reason).await).await?;
        one(ctx, id).await
    }
}
