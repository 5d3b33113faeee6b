//! Requests for more time on an order (`service::extensions`).

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use identity::Person;
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Timestamp, parse_id, write};

use crate::entity::deadline_extension::{self, ExtensionSide, ExtensionStatus};
use crate::service::extensions;

/// A request to move an order's deadline later, and its decision.
#[derive(SimpleObject)]
pub struct DeadlineExtension {
    pub id: ID,
    pub order_id: ID,
    pub requested_by: Option<Person>,
    pub side: ExtensionSide,
    /// The deadline when it was asked, and the one asked for.
    pub deadline: Timestamp,
    pub new_deadline: Timestamp,
    /// The writer's deadline if it is approved (the same share of the time from placing).
    pub new_writer_deadline: Timestamp,
    pub reason: String,
    pub status: ExtensionStatus,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
}

impl DeadlineExtension {
    fn new(e: deadline_extension::Model, requested_by: Option<Person>) -> Self {
        Self {
            id: ID(e.id.to_string()),
            order_id: ID(e.order_id.to_string()),
            requested_by,
            side: e.requested_by_role,
            deadline: e.deadline.into(),
            new_deadline: e.new_deadline.into(),
            new_writer_deadline: e.new_writer_deadline.into(),
            reason: e.reason,
            status: e.status,
            created_at: e.created_at.into(),
            decided_at: e.decided_at.map(Into::into),
            note: e.note,
        }
    }

    async fn one(ctx: &Context<'_>, e: deadline_extension::Model) -> Result<Self> {
        let by = Person::load(ctx, Some(e.requested_by)).await?.map(|p| p.0);
        Ok(Self::new(e, by))
    }
}

#[derive(Default)]
pub struct ExtensionQuery;

#[Object]
impl ExtensionQuery {
    /// An order's requests for more time, newest first (everyone who sees the order).
    async fn deadline_extensions(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<DeadlineExtension>> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = extensions::of_order(&request.db, request, id, page).await?;
        let mut people = Person::load_all(ctx, paged.items.iter().map(|e| e.requested_by).collect()).await?;
        Ok(paged.into_connection(
            |e| e.id,
            |e| {
                let by = people.remove(&e.requested_by);
                DeadlineExtension::new(e, by)
            },
        ))
    }
}

#[derive(Default)]
pub struct ExtensionMutation;

#[Object]
impl ExtensionMutation {
    /// The order's client or writer asks to move its deadline to `newDeadline` (later than now's,
    /// at most the site's `maxExtensionDays` later), saying why; the other side or an admin
    /// decides. The price does not change. One request waits an order at a time.
    async fn request_deadline_extension(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        new_deadline: Timestamp,
        reason: String,
    ) -> Result<DeadlineExtension> {
        let request = ctx.request();
        let id = parse_id("orderId", &order_id)?;
        let asked =
            write(request, async |txn| extensions::request(txn, request, id, new_deadline.into(), &reason).await)
                .await?;
        DeadlineExtension::one(ctx, asked).await
    }

    /// The other side of the order (or an admin) approves a waiting request: the deadline and
    /// the writer's move.
    async fn approve_deadline_extension(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<DeadlineExtension> {
        decide(ctx, id, true, note).await
    }

    /// The other side of the order (or an admin) declines a waiting request.
    async fn decline_deadline_extension(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<DeadlineExtension> {
        decide(ctx, id, false, note).await
    }
}

async fn decide(ctx: &Context<'_>, id: ID, approve: bool, note: Option<String>) -> Result<DeadlineExtension> {
    let request = ctx.request();
    let id = parse_id("id", &id)?;
    let decided = write(request, async |txn| extensions::decide(txn, request, id, approve, note).await).await?;
    DeadlineExtension::one(ctx, decided).await
}
