use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use identity::Person;
use kernel::{ContextExt, Inline, Timestamp, parse_id, write};

use super::order::id;
use crate::entity::revision_request::{self, RevisionChange, RevisionSeverity, RevisionStatus};
use crate::service::revisions::{self, RevisionInput};

#[derive(SimpleObject)]
pub struct RevisionChangeView {
    pub section: String,
    pub description: String,
}

/// A structured request to revise an order.
pub struct RevisionRequest(pub revision_request::Model);

#[Object]
impl RevisionRequest {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn status(&self) -> RevisionStatus {
        self.0.status
    }
    async fn severity(&self) -> RevisionSeverity {
        self.0.severity
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn changes(&self) -> Vec<RevisionChangeView> {
        self.0
            .changes
            .0
            .iter()
            .map(|c| RevisionChangeView { section: c.section.clone(), description: c.description.clone() })
            .collect()
    }
    async fn deadline(&self) -> Timestamp {
        self.0.deadline.into()
    }
    /// Not completed and past its deadline.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status != RevisionStatus::Completed && ctx.request().now() > self.0.deadline
    }
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
        Person::load(ctx, Some(self.0.requested_by)).await
    }
    async fn assigned_to(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
        Person::load(ctx, self.0.assigned_to).await
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn started_at(&self) -> Option<Timestamp> {
        self.0.started_at.map(Into::into)
    }
    async fn completed_at(&self) -> Option<Timestamp> {
        self.0.completed_at.map(Into::into)
    }
}

#[derive(InputObject)]
pub struct RevisionChangeInput {
    pub section: String,
    pub description: String,
}

#[derive(InputObject)]
pub struct RevisionRequestInput {
    pub severity: RevisionSeverity,
    pub reason: String,
    #[graphql(default)]
    pub changes: Vec<RevisionChangeInput>,
    /// When the revision is wanted by (at most a year ahead).
    pub deadline: Timestamp,
}

impl From<RevisionRequestInput> for RevisionInput {
    fn from(i: RevisionRequestInput) -> Self {
        Self {
            severity: i.severity,
            reason: i.reason,
            changes: i
                .changes
                .into_iter()
                .map(|c| RevisionChange { section: c.section, description: c.description })
                .collect(),
            deadline: i.deadline.0,
        }
    }
}

#[derive(Default)]
pub struct RevisionMutation;

#[Object]
impl RevisionMutation {
    /// Asks for a revision of a submitted order, or of a completed one within the free-revision
    /// window (the client, support, admins).
    async fn request_revision(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: RevisionRequestInput,
    ) -> Result<RevisionRequest> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let input = input.into();
        Ok(RevisionRequest(
            write(request, async |txn| revisions::request_revision(txn, request, id, input).await).await?,
        ))
    }
}
