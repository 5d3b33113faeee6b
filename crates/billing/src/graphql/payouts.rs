//! Payouts: a writer's standing and requests, the admins' batches (`service::payouts`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use identity::Person;
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Money, Once, PageArgs, Role, RoleGuard, Timestamp, parse_id, write, write_once};
use uuid::Uuid;

use crate::entity::payout_batch::{self, BatchStatus};
use crate::entity::payout_request::{self, PayoutStatus};
use crate::entity::payout_settings;
use crate::service::payouts::{self, RequestFilter, SettingsFields, Standing};

const ADMINS: RoleGuard = RoleGuard::new(&[Role::Admin, Role::Superadmin]);
const WRITERS: RoleGuard = RoleGuard::new(&[Role::Writer]);

/// A writer's request to be paid some of their earnings.
#[derive(SimpleObject)]
pub struct PayoutRequest {
    pub id: ID,
    pub writer: Option<Person>,
    pub amount: Money,
    pub currency: String,
    pub status: PayoutStatus,
    pub batch_id: Option<ID>,
    pub requested_at: Timestamp,
    /// When it was paid or failed.
    pub decided_at: Option<Timestamp>,
    /// Why the bank could not pay it.
    pub failure_reason: Option<String>,
}

impl PayoutRequest {
    fn new(r: payout_request::Model, writer: Option<Person>) -> Self {
        Self {
            id: ID(r.id.to_string()),
            writer,
            amount: Money(r.amount_minor),
            currency: r.currency,
            status: r.status,
            batch_id: r.batch_id.map(|b| ID(b.to_string())),
            requested_at: r.requested_at.into(),
            decided_at: r.decided_at.map(Into::into),
            failure_reason: r.failure_reason,
        }
    }
}

/// A page of requests with their writers (one statement for the page's people).
async fn page_of(
    ctx: &Context<'_>,
    paged: kernel::Paged<payout_request::Model>,
) -> Result<IdConnection<PayoutRequest>> {
    let mut people = Person::load_all(ctx, paged.items.iter().map(|r| r.writer_id).collect()).await?;
    Ok(paged.into_connection(
        |r| r.id,
        |r| {
            let writer = people.remove(&r.writer_id);
            PayoutRequest::new(r, writer)
        },
    ))
}

/// A writer's earnings as payouts see them, and their requests.
pub struct PayoutStanding(Standing, payout_settings::Model);

#[Object]
impl PayoutStanding {
    /// What may be asked for now.
    async fn available(&self) -> Money {
        Money(self.0.available)
    }
    /// Credits still inside the site's hold (against refunds and disputes).
    async fn held(&self) -> Money {
        Money(self.0.held)
    }
    /// Asked for and not yet paid.
    async fn pending(&self) -> Money {
        Money(self.0.pending)
    }
    async fn paid_out(&self) -> Money {
        Money(self.0.paid_out)
    }
    /// The least a request may ask.
    async fn minimum(&self) -> Money {
        Money(self.1.minimum_minor)
    }
    async fn hold_days(&self) -> i32 {
        self.1.hold_days
    }
    /// The writer's requests, newest first.
    async fn requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<PayoutRequest>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = payouts::list(&request.db, request, RequestFilter::default(), page).await?;
        page_of(ctx, paged).await
    }
}

/// Payout requests grouped to be paid by the bank in one go.
pub struct PayoutBatch(payout_batch::Model);

#[Object]
impl PayoutBatch {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self) -> BatchStatus {
        self.0.status
    }
    /// How many payouts it took, and their sum, when it was made.
    async fn request_count(&self) -> i32 {
        self.0.request_count
    }
    async fn total(&self) -> Money {
        Money(self.0.total_minor)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn paid_at(&self) -> Option<Timestamp> {
        self.0.paid_at.map(Into::into)
    }
    async fn external_reference(&self) -> Option<&str> {
        self.0.external_reference.as_deref()
    }
    /// Its payouts, newest first.
    async fn requests(
        &self,
        ctx: &Context<'_>,
        status: Option<PayoutStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<PayoutRequest>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let filter = RequestFilter { status, batch: Some(self.0.id), writer: None };
        let paged = payouts::list(&request.db, request, filter, page).await?;
        page_of(ctx, paged).await
    }
    /// The payouts to make (all but failed ones) as CSV for the bank: `payout_id, writer_id,
    /// writer_name, writer_email, amount, currency, requested_at`, a header line first.
    async fn csv(&self, ctx: &Context<'_>) -> Result<String> {
        let request = ctx.request();
        Ok(payouts::export_csv(&request.db, request, self.0.id).await?)
    }
}

/// A site's payout rules.
pub struct PayoutSettings(payout_settings::Model);

#[Object]
impl PayoutSettings {
    /// Days each credit to a writer's earnings is held before it may be paid out.
    async fn hold_days(&self) -> i32 {
        self.0.hold_days
    }
    /// The least a payout request may ask.
    async fn minimum(&self) -> Money {
        Money(self.0.minimum_minor)
    }
}

#[derive(InputObject, Default)]
pub struct PayoutRequestFilter {
    pub status: Option<PayoutStatus>,
    pub writer_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct PayoutSettingsInput {
    pub hold_days: Option<i32>,
    pub minimum: Option<Money>,
}

#[derive(Default)]
pub struct PayoutQuery;

#[Object]
impl PayoutQuery {
    /// The site's payout requests, newest first (admins): `status: REQUESTED` is what the next
    /// batch takes.
    #[graphql(guard = "ADMINS")]
    async fn payout_requests(
        &self,
        ctx: &Context<'_>,
        filter: Option<PayoutRequestFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<PayoutRequest>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let writer = filter.writer_id.as_ref().map(|w| parse_id("filter.writerId", w)).transpose()?;
        let paged =
            payouts::list(&request.db, request, RequestFilter { status: filter.status, writer, batch: None }, page)
                .await?;
        page_of(ctx, paged).await
    }

    /// The site's payout batches, newest first (admins).
    #[graphql(guard = "ADMINS")]
    async fn payout_batches(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<PayoutBatch>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        Ok(payouts::batches(&request.db, request, page).await?.into_connection(|b| b.id, PayoutBatch))
    }

    #[graphql(guard = "ADMINS")]
    async fn payout_batch(&self, ctx: &Context<'_>, id: ID) -> Result<PayoutBatch> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(PayoutBatch(payouts::batch(&request.db, request, id).await?))
    }

    #[graphql(guard = "ADMINS")]
    async fn payout_settings(&self, ctx: &Context<'_>) -> Result<PayoutSettings> {
        let request = ctx.request();
        Ok(PayoutSettings(payouts::settings(&request.db, request.tenant()?.id).await?))
    }
}

/// Billing's payout part of `viewer` (writers).
pub async fn standing(ctx: &Context<'_>) -> Result<PayoutStanding> {
    let request = ctx.request();
    let standing = payouts::own_standing(&request.db, request).await?;
    Ok(PayoutStanding(standing, payouts::settings(&request.db, request.tenant()?.id).await?))
}

#[derive(Default)]
pub struct PayoutMutation;

#[Object]
impl PayoutMutation {
    /// A writer asks for `amount` of their available earnings to be paid out: at least the
    /// site's minimum (`BAD_USER_INPUT`), at most what is available (`BAD_USER_INPUT` with
    /// `INSUFFICIENT_FUNDS`). The money leaves the earnings at once. Idempotent with
    /// `idempotencyKey`.
    #[graphql(guard = "WRITERS")]
    async fn request_payout(
        &self,
        ctx: &Context<'_>,
        amount: Money,
        idempotency_key: Option<String>,
    ) -> Result<PayoutRequest> {
        let request = ctx.request();
        let id: Uuid =
            write_once(request, Once::new("requestPayout", idempotency_key.as_deref(), &amount), async |txn| {
                Ok(payouts::request(txn, request, amount).await?.id)
            })
            .await?;
        let asked = payouts::find(&request.db, request, id).await?;
        let writer = Person::load(ctx, Some(asked.writer_id)).await?.map(|p| p.0);
        Ok(PayoutRequest::new(asked, writer))
    }

    /// Gathers every payout request that waits into a new batch to export and pay (admins);
    /// `CONFLICT` when none waits.
    #[graphql(guard = "ADMINS")]
    async fn create_payout_batch(&self, ctx: &Context<'_>, idempotency_key: Option<String>) -> Result<PayoutBatch> {
        let request = ctx.request();
        let id: Uuid =
            write_once(request, Once::new("createPayoutBatch", idempotency_key.as_deref(), &()), async |txn| {
                Ok(payouts::create_batch(txn, request).await?.id)
            })
            .await?;
        Ok(PayoutBatch(payouts::batch(&request.db, request, id).await?))
    }

    /// Marks an open batch paid by the bank, with the bank's reference (admins): its payouts
    /// that did not fail are PAID. `CONFLICT` when it was marked paid already.
    #[graphql(guard = "ADMINS")]
    async fn mark_payout_batch_paid(
        &self,
        ctx: &Context<'_>,
        id: ID,
        external_reference: String,
    ) -> Result<PayoutBatch> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let batch = write(request, async |txn| payouts::mark_paid(txn, request, id, &external_reference).await).await?;
        Ok(PayoutBatch(batch))
    }

    /// Fails a payout the bank could not make (not yet paid), saying why (admins): its money
    /// returns to the writer's earnings.
    #[graphql(guard = "ADMINS")]
    async fn fail_payout(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<PayoutRequest> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let failed = write(request, async |txn| payouts::fail(txn, request, id, &reason).await).await?;
        let writer = Person::load(ctx, Some(failed.writer_id)).await?.map(|p| p.0);
        Ok(PayoutRequest::new(failed, writer))
    }

    /// Sets the site's payout rules (admins; audited).
    #[graphql(guard = "ADMINS")]
    async fn update_payout_settings(&self, ctx: &Context<'_>, input: PayoutSettingsInput) -> Result<PayoutSettings> {
        let request = ctx.request();
        let fields = SettingsFields { hold_days: input.hold_days, minimum_minor: input.minimum.map(|m| m.0) };
        Ok(PayoutSettings(write(request, async |txn| payouts::update_settings(txn, request, fields).await).await?))
    }
}
