//! Fines: the admins' policies, queues and decisions, the writer's fines and appeals
//! (`service::fines`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use identity::Person;
use kernel::pagination::IdConnection;
use kernel::{AppError, ContextExt, Money, Once, PageArgs, Rate, Timestamp, parse_id, write, write_once};
use uuid::Uuid;

use super::{ADMINS, WRITERS};
use crate::entity::fine::{self, AppealStatus, FineKind, FineStatus};
use crate::entity::fine_policy::{self, FineMode};
use crate::service::fines::{self, Closing, FineFilter, NewFine, PolicyFields};

/// A fine on a writer's work on an order, with its appeal.
#[derive(SimpleObject)]
pub struct Fine {
    pub id: ID,
    pub writer: Option<Person>,
    pub order_id: ID,
    pub kind: FineKind,
    pub amount: Money,
    pub currency: String,
    pub reason: String,
    pub status: FineStatus,
    /// Computed by the system (lateness), not issued by an admin.
    pub automatic: bool,
    pub created_at: Timestamp,
    /// Until when the writer may appeal; then it applies unless an appeal waits.
    pub appeal_until: Timestamp,
    pub applied_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Why it was waived or voided.
    pub close_note: Option<String>,
    pub appeal: Option<FineAppeal>,
}

#[derive(SimpleObject)]
pub struct FineAppeal {
    pub status: AppealStatus,
    pub reason: String,
    pub appealed_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
}

impl Fine {
    fn new(f: fine::Model, writer: Option<Person>) -> Self {
        let appeal = match (f.appeal_status, f.appealed_at) {
            (Some(status), Some(at)) => Some(FineAppeal {
                status,
                reason: f.appeal_reason.clone().unwrap_or_default(),
                appealed_at: at.into(),
                decided_at: f.appeal_decided_at.map(Into::into),
                note: f.appeal_note.clone(),
            }),
            _ => None,
        };
        Self {
            id: ID(f.id.to_string()),
            writer,
            order_id: ID(f.order_id.to_string()),
            kind: f.kind,
            amount: Money(f.amount_minor),
            currency: f.currency,
            reason: f.reason,
            status: f.status,
            automatic: f.automatic,
            created_at: f.created_at.into(),
            appeal_until: f.appeal_until.into(),
            applied_at: f.applied_at.map(Into::into),
            closed_at: f.closed_at.map(Into::into),
            close_note: f.close_note,
            appeal,
        }
    }

    async fn one(ctx: &Context<'_>, f: fine::Model) -> Result<Self> {
        let writer = Person::load(ctx, Some(f.writer_id)).await?.map(|p| p.0);
        Ok(Fine::new(f, writer))
    }
}

/// A site's rule for one kind of fine.
#[derive(SimpleObject)]
pub struct FinePolicy {
    pub kind: FineKind,
    pub mode: FineMode,
    /// `FIXED`: the amount (at most the writer's pay for the order).
    pub amount: Money,
    /// `PERCENT`: of the writer's pay for the order.
    pub percent: Rate,
    /// `LATE` (lateness): of the pay for each hour begun through the first day, then for each
    /// day begun after it; never more than the pay.
    pub hourly_percent: Rate,
    pub daily_percent: Rate,
    pub active: bool,
}

impl From<fine_policy::Model> for FinePolicy {
    fn from(p: fine_policy::Model) -> Self {
        Self {
            kind: p.kind,
            mode: p.mode,
            amount: Money(p.amount_minor),
            percent: Rate(p.percent_e4),
            hourly_percent: Rate(p.hourly_percent_e4),
            daily_percent: Rate(p.daily_percent_e4),
            active: p.active,
        }
    }
}

#[derive(InputObject, Default)]
pub struct FinePolicyInput {
    pub mode: Option<FineMode>,
    pub amount: Option<Money>,
    pub percent: Option<Rate>,
    pub hourly_percent: Option<Rate>,
    pub daily_percent: Option<Rate>,
    pub active: Option<bool>,
}

#[derive(InputObject)]
pub struct IssueFineInput {
    pub order_id: ID,
    pub kind: FineKind,
    /// None: what the kind's policy gives (a percent of the writer's pay, or a fixed amount).
    pub amount: Option<Money>,
    pub reason: String,
}

#[derive(InputObject, Default)]
pub struct FineFilterInput {
    pub status: Option<FineStatus>,
    /// `PENDING`: the appeals queue.
    pub appeal: Option<AppealStatus>,
    pub kind: Option<FineKind>,
    pub writer_id: Option<ID>,
}

/// The fines part of the admins' dashboard.
#[derive(SimpleObject)]
pub struct AdminFines {
    pub by_status: Vec<FineStatusCount>,
    pub appeals_waiting: i64,
    /// Fines issued in each of the last months, by kind (the site's months; months and kinds
    /// without fines left out).
    pub by_month: Vec<FineMonth>,
}

#[derive(SimpleObject)]
pub struct FineStatusCount {
    pub status: FineStatus,
    pub count: i64,
    pub amount: Money,
}

#[derive(SimpleObject)]
pub struct FineMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub kind: FineKind,
    pub count: i64,
    pub amount: Money,
}

/// The admins' dashboard numbers over the last `months` months (1 to 24).
pub async fn dashboard(ctx: &Context<'_>, months: i32) -> Result<AdminFines> {
    let Some(months) = u32::try_from(months).ok().filter(|m| (1..=24).contains(m)) else {
        return Err(AppError::bad_input("months", "months must be between 1 and 24").into());
    };
    let request = ctx.request();
    let stats = fines::stats(&request.db, request, months).await?;
    Ok(AdminFines {
        by_status: stats
            .by_status
            .into_iter()
            .map(|(status, count, amount)| FineStatusCount { status, count, amount: Money(amount) })
            .collect(),
        appeals_waiting: stats.appeals_waiting,
        by_month: stats
            .by_month_and_kind
            .into_iter()
            .map(|(month, kind, count, amount)| FineMonth { month, kind, count, amount: Money(amount) })
            .collect(),
    })
}

#[derive(Default)]
pub struct FineQuery;

#[Object]
impl FineQuery {
    /// Fines, newest first: a writer's own, or for admins the site's (`filter: {status: PENDING}`
    /// the pending queue, `{appeal: PENDING}` the appeals queue).
    async fn fines(
        &self,
        ctx: &Context<'_>,
        filter: Option<FineFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Fine>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let writer = f.writer_id.as_ref().map(|w| parse_id("filter.writerId", w)).transpose()?;
        let filter = FineFilter { status: f.status, appeal: f.appeal, kind: f.kind, writer };
        let paged = fines::list(&request.db, request, filter, page).await?;
        let mut people = Person::load_all(ctx, paged.items.iter().map(|f| f.writer_id).collect()).await?;
        Ok(paged.into_connection(
            |f| f.id,
            |f| {
                let writer = people.remove(&f.writer_id);
                Fine::new(f, writer)
            },
        ))
    }

    /// A fine: the writer's own, or for admins any of the site's.
    async fn fine(&self, ctx: &Context<'_>, id: ID) -> Result<Fine> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Fine::one(ctx, fines::find(&request.db, request, id).await?).await
    }

    /// The site's policy for each kind (admins).
    #[graphql(guard = "ADMINS")]
    async fn fine_policies(&self, ctx: &Context<'_>) -> Result<Vec<FinePolicy>> {
        let request = ctx.request();
        Ok(fines::policies(&request.db, request.tenant()?.id).await?.into_iter().map(FinePolicy::from).collect())
    }

    /// Hours a writer has to appeal a fine before it applies (admins).
    #[graphql(guard = "ADMINS")]
    async fn fine_appeal_window_hours(&self, ctx: &Context<'_>) -> Result<i32> {
        let request = ctx.request();
        Ok(fines::settings(&request.db, request.tenant()?.id).await?.appeal_window_hours)
    }
}

#[derive(Default)]
pub struct FineMutation;

#[Object]
impl FineMutation {
    /// Fines the writer of an order (admins): the kind's policy amount or the one given, at most
    /// the writer's pay for the order. Pending through the site's appeal window; the writer is
    /// told. Idempotent with `idempotencyKey`.
    #[graphql(guard = "ADMINS")]
    async fn issue_fine(
        &self,
        ctx: &Context<'_>,
        input: IssueFineInput,
        idempotency_key: Option<String>,
    ) -> Result<Fine> {
        let request = ctx.request();
        let order_id = parse_id("input.orderId", &input.order_id)?;
        let key = (order_id, input.kind, input.amount, input.reason.clone());
        let new = NewFine { order_id, kind: input.kind, amount_minor: input.amount.map(|m| m.0), reason: input.reason };
        let id: Uuid = write_once(request, Once::new("issueFine", idempotency_key.as_deref(), &key), async |txn| {
            Ok(fines::issue(txn, request, new).await?.id)
        })
        .await?;
        Fine::one(ctx, fines::find(&request.db, request, id).await?).await
    }

    /// Lets a pending fine go (admins), saying why.
    #[graphql(guard = "ADMINS")]
    async fn waive_fine(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Fine> {
        close(ctx, id, Closing::Waive, reason).await
    }

    /// Cancels a fine as wrong, pending or applied (admins), saying why: an applied fine's money
    /// returns to the writer's earnings.
    #[graphql(guard = "ADMINS")]
    async fn void_fine(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Fine> {
        close(ctx, id, Closing::Void, reason).await
    }

    /// The writer appeals their pending fine within its window, once, saying why.
    #[graphql(guard = "WRITERS")]
    async fn appeal_fine(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Fine> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let appealed = write(request, async |txn| fines::appeal(txn, request, id, &reason).await).await?;
        Fine::one(ctx, appealed).await
    }

    /// Decides a writer's appeal (admins): granted, the fine is voided (its money returns if it
    /// had applied); rejected, it applies (at once if its window has passed).
    #[graphql(guard = "ADMINS")]
    async fn decide_fine_appeal(&self, ctx: &Context<'_>, id: ID, grant: bool, note: String) -> Result<Fine> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let decided = write(request, async |txn| fines::decide_appeal(txn, request, id, grant, &note).await).await?;
        Fine::one(ctx, decided).await
    }

    /// Sets the site's policy for a kind of fine (admins; audited).
    #[graphql(guard = "ADMINS")]
    async fn update_fine_policy(
        &self,
        ctx: &Context<'_>,
        kind: FineKind,
        input: FinePolicyInput,
    ) -> Result<FinePolicy> {
        let request = ctx.request();
        let fields = PolicyFields {
            mode: input.mode,
            amount_minor: input.amount.map(|m| m.0),
            percent_e4: input.percent.map(|r| r.0),
            hourly_percent_e4: input.hourly_percent.map(|r| r.0),
            daily_percent_e4: input.daily_percent.map(|r| r.0),
            active: input.active,
        };
        let policy = write(request, async |txn| fines::update_policy(txn, request, kind, fields).await).await?;
        Ok(policy.into())
    }

    /// Sets how many hours writers have to appeal a fine (1 to 720; admins; audited).
    #[graphql(guard = "ADMINS")]
    async fn update_fine_appeal_window(&self, ctx: &Context<'_>, hours: i32) -> Result<i32> {
        let request = ctx.request();
        Ok(write(request, async |txn| fines::update_settings(txn, request, hours).await).await?.appeal_window_hours)
    }
}

async fn close(ctx: &Context<'_>, id: ID, how: Closing, reason: String) -> Result<Fine> {
    let request = ctx.request();
    let id = parse_id("id", &id)?;
    let closed = write(request, async |txn| fines::close(txn, request, id, how, &reason).await).await?;
    Fine::one(ctx, closed).await
}
