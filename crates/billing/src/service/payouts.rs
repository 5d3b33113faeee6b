//! Payouts: a writer's earnings leave the platform. Each credit to earnings (a completed
//! order's pay, a cancellation's share, a tip) is held for the site's number of days, against
//! refunds and disputes; what is not held is available. A writer asks for some of it
//! (`request`, at least the site's minimum): the money moves at once from their earnings to
//! payouts payable, so it cannot be asked for twice. Admins group what waits into a batch
//! (`create_batch`), export it for the bank (`export_csv`), and mark it paid with the bank's
//! reference (`mark_paid`: payouts payable to cash), or fail single payouts before (`fail`:
//! the money returns to the writer's earnings).
//!
//! A writer can never be paid out more than is available, whatever races: the request locks
//! the earnings account's row, reads what is held, and moves the money by the ledger's guarded
//! update, whose condition is that the balance after still covers what is held.

use chrono::{DateTime, Duration, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use serde_json::json;
use uuid::Uuid;

use crate::entity::account::{self, AccountKind, Entity as Accounts};
use crate::entity::journal_entry::EntryKind;
use crate::entity::payout_batch::{self, BatchStatus, Entity as Batches};
use crate::entity::payout_request::{self, Entity as Requests, PayoutStatus};
use crate::entity::payout_settings::{self, Entity as Settings};
use crate::entity::posting;
use crate::service::ledger::{self, Leg, NewEntry, Owner};

/// Defaults of a site that has not set its payout rules.
pub const DEFAULT_HOLD_DAYS: i32 = 14;
pub const DEFAULT_MINIMUM_MINOR: i64 = 5_000;

const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];

/// The site's payout rules (the defaults where it has set none).
pub async fn settings(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<payout_settings::Model> {
    Ok(Settings::find_by_id(tenant).one(conn).await?.unwrap_or(payout_settings::Model {
        tenant_id: tenant,
        hold_days: DEFAULT_HOLD_DAYS,
        minimum_minor: DEFAULT_MINIMUM_MINOR,
        updated_at: DateTime::<Utc>::default(),
    }))
}

/// New payout rules (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct SettingsFields {
    pub hold_days: Option<i32>,
    pub minimum_minor: Option<i64>,
}

/// Admins set the site's payout rules; audited.
pub async fn update_settings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    f: SettingsFields,
) -> AppResult<payout_settings::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let before = settings(conn, tenant).await?;
    let next = payout_settings::Model {
        tenant_id: tenant,
        hold_days: f.hold_days.unwrap_or(before.hold_days),
        minimum_minor: f.minimum_minor.unwrap_or(before.minimum_minor),
        updated_at: request.now(),
    };
    if !(0..=365).contains(&next.hold_days) {
        return Err(AppError::bad_input("input.holdDays", "holdDays must be between 0 and 365"));
    }
    if !(0..=crate::service::wallets::MAX_AMOUNT).contains(&next.minimum_minor) {
        return Err(AppError::bad_input("input.minimum", "the minimum must be between 0.00 and 1,000,000.00"));
    }
    Settings::insert(payout_settings::ActiveModel::from(next.clone()))
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(payout_settings::Column::TenantId)
                .update_columns([
                    payout_settings::Column::HoldDays,
                    payout_settings::Column::MinimumMinor,
                    payout_settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let as_json =
        |s: &payout_settings::Model| json!({ "holdDays": s.hold_days, "minimum": Money(s.minimum_minor).to_string() });
    tenancy::service::audit::record(
        conn,
        request,
        tenancy::service::audit::Change {
            action: "payout_settings.update",
            target_type: "payout_settings",
            target_id: Some(tenant.to_string()),
            tenant_id: Some(tenant),
            before: Some(as_json(&before)),
            after: Some(as_json(&next)),
        },
    )
    .await?;
    Ok(next)
}

/// Where a writer's earnings stand for payouts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// The earnings balance (below zero when fines exceeded it).
    pub balance: i64,
    /// Of the balance, credits still inside their hold.
    pub held: i64,
    /// What may be asked for now: the balance less what is held, never below zero.
    pub available: i64,
    /// Asked for and not yet paid (waiting for a batch or the bank).
    pub pending: i64,
    pub paid_out: i64,
}

/// What credits to `account` since `since` add up to: what is still held. A payout that came
/// back is the writer's already, so it is not held again.
async fn held_since(conn: &impl ConnectionTrait, account: &account::Model, since: DateTime<Utc>) -> AppResult<i64> {
    use crate::entity::journal_entry::{self, Entity as Entries};
    let returned = Entries::find()
        .select_only()
        .column(journal_entry::Column::Id)
        .filter(journal_entry::Column::TenantId.eq(account.tenant_id))
        .filter(journal_entry::Column::Kind.eq(EntryKind::PayoutReturned))
        .into_query();
    let sum: Option<i64> = posting::Entity::find()
        .select_only()
        .column_as(Expr::expr(posting::Column::AmountMinor.sum()).cast_as("bigint"), "held")
        .filter(posting::Column::TenantId.eq(account.tenant_id))
        .filter(posting::Column::AccountId.eq(account.id))
        .filter(posting::Column::AmountMinor.gt(0))
        .filter(posting::Column::CreatedAt.gt(since))
        .filter(posting::Column::EntryId.not_in_subquery(returned))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    Ok(sum.unwrap_or(0))
}

fn available(balance: i64, held: i64) -> i64 {
    Ord::max(balance.saturating_sub(held), 0)
}

/// Where `writer`'s earnings in `tenant` stand at `now`.
pub async fn standing(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writer: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Standing> {
    let rules = settings(conn, tenant).await?;
    let mut standing = Standing::default();
    if let Some(account) = ledger::find_account(conn, tenant, AccountKind::WriterEarnings, Owner::User(writer)).await? {
        standing.balance = account.balance_minor;
        standing.held = held_since(conn, &account, now - Duration::days(rules.hold_days.into())).await?;
        standing.held = Ord::max(Ord::min(standing.held, account.balance_minor), 0);
        standing.available = available(account.balance_minor, standing.held);
    }
    let sums: Vec<(PayoutStatus, Option<i64>)> = Requests::find()
        .select_only()
        .column(payout_request::Column::Status)
        .column_as(Expr::expr(payout_request::Column::AmountMinor.sum()).cast_as("bigint"), "total")
        .filter(payout_request::Column::TenantId.eq(tenant))
        .filter(payout_request::Column::WriterId.eq(writer))
        .group_by(payout_request::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    for (status, total) in sums {
        let total = total.unwrap_or(0);
        match status {
            PayoutStatus::Requested | PayoutStatus::Batched => standing.pending += total,
            PayoutStatus::Paid => standing.paid_out += total,
            PayoutStatus::Failed => {}
        }
    }
    Ok(standing)
}

/// The viewing writer's standing.
pub async fn own_standing(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Standing> {
    let viewer = request.require_role(&[Role::Writer])?;
    standing(conn, request.tenant()?.id, viewer.user_id, request.now()).await
}

fn too_much(available: i64) -> AppError {
    AppError::bad_input("amount", format!("more than is available to pay out ({})", Money(available)))
        .with_reason(Reason::InsufficientFunds)
}

/// The viewing writer asks for `amount` of their available earnings to be paid out. At least
/// the site's minimum (`BAD_USER_INPUT`), at most what is available (`BAD_USER_INPUT` with
/// `INSUFFICIENT_FUNDS`), however many requests race: see the module's note.
pub async fn request(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    amount: Money,
) -> AppResult<payout_request::Model> {
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?;
    let amount = crate::service::wallets::check_amount("amount", amount)?;
    let rules = settings(conn, tenant.id).await?;
    if amount < rules.minimum_minor {
        return Err(AppError::bad_input("amount", format!("a payout is at least {}", Money(rules.minimum_minor))));
    }
    let now = request.now();
    let Some(earnings) =
        ledger::find_account(conn, tenant.id, AccountKind::WriterEarnings, Owner::User(viewer.user_id)).await?
    else {
        return Err(too_much(0));
    };
    let payable =
        ledger::open_account(conn, tenant.id, AccountKind::PayoutsPayable, Owner::Platform, &earnings.currency, now)
            .await?;
    // one request of this writer at a time from here: the rows are locked until the transaction
    // ends (PostgreSQL; SQLite's writes are one at a time already), so what is held is read
    // after any credit or request before it has committed; both rows, in the order the ledger
    // updates accounts (by id), so a failed payout returning money at once cannot deadlock
    let locked = Accounts::find()
        .filter(account::Column::TenantId.eq(tenant.id))
        .filter(account::Column::Id.is_in([earnings.id, payable.id]))
        .order_by_asc(account::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?;
    let earnings = locked
        .into_iter()
        .find(|a| a.id == earnings.id)
        .ok_or_else(|| AppError::internal("an earnings account vanished"))?;
    let held = held_since(conn, &earnings, now - Duration::days(rules.hold_days.into())).await?;
    let row = payout_request::Model {
        id: new_id(),
        tenant_id: tenant.id,
        writer_id: viewer.user_id,
        amount_minor: amount,
        currency: earnings.currency.clone(),
        status: PayoutStatus::Requested,
        batch_id: None,
        requested_at: now,
        decided_at: None,
        failure_reason: None,
    };
    Requests::insert(payout_request::ActiveModel::from(row.clone())).exec_without_returning(conn).await?;
    let entry = NewEntry {
        tenant: tenant.id,
        kind: EntryKind::Payout,
        description: "Payout requested",
        order_id: None,
        actor_id: Some(viewer.user_id),
        currency: &earnings.currency,
        at: now,
        cause: Some(format!("payout:{}", row.id)),
    };
    let legs = [Leg { account: earnings.id, amount: -amount }, Leg { account: payable.id, amount }];
    // the balance after must still cover what is held: in the update's own condition
    let floor = Ord::max(held, 0);
    match ledger::post_above(conn, entry, &legs, Some((earnings.id, floor))).await {
        Err(e) if e.reason == Some(Reason::InsufficientFunds) => Err(too_much(available(earnings.balance_minor, held))),
        Err(e) => Err(e),
        Ok(_) => Ok(row),
    }
}

/// Which payout requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<PayoutStatus>,
    pub writer: Option<Uuid>,
    pub batch: Option<Uuid>,
}

/// Payout requests, newest first: a writer's own (whatever the filter's writer), or for admins
/// the site's.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: RequestFilter,
    page: PageArgs,
) -> AppResult<Paged<payout_request::Model>> {
    let viewer = request.require_role(&[Role::Writer, Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    let writer = if viewer.role == Role::Writer { Some(viewer.user_id) } else { filter.writer };
    let mut query = Requests::find().filter(payout_request::Column::TenantId.eq(tenant));
    if let Some(status) = filter.status {
        query = query.filter(payout_request::Column::Status.eq(status));
    }
    if let Some(writer) = writer {
        query = query.filter(payout_request::Column::WriterId.eq(writer));
    }
    if let Some(batch) = filter.batch {
        query = query.filter(payout_request::Column::BatchId.eq(batch));
    }
    paginate(conn, query, payout_request::Column::Id, Order::newest_first(), page).await
}

/// The payout request `id`: the viewing writer's own, or for admins any of the site's.
pub async fn find(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<payout_request::Model> {
    let viewer = request.require_role(&[Role::Writer, Role::Admin, Role::Superadmin])?;
    let mut query = Requests::find_by_id(id).filter(payout_request::Column::TenantId.eq(request.tenant()?.id));
    if viewer.role == Role::Writer {
        query = query.filter(payout_request::Column::WriterId.eq(viewer.user_id));
    }
    query.one(conn).await?.ok_or_else(|| AppError::not_found("payout request"))
}

/// Admins gather every request that waits into a new batch (one statement moves them, so two
/// batches made at once share none); `CONFLICT` when none waits.
pub async fn create_batch(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<payout_batch::Model> {
    let viewer = request.require_role(ADMINS)?;
    let tenant = request.tenant()?;
    let now = request.now();
    let mut batch = payout_batch::Model {
        id: new_id(),
        tenant_id: tenant.id,
        status: BatchStatus::Open,
        request_count: 0,
        total_minor: 0,
        currency: tenant.currency.clone(),
        created_at: now,
        created_by: Some(viewer.user_id),
        paid_at: None,
        external_reference: None,
    };
    Batches::insert(payout_batch::ActiveModel::from(batch.clone())).exec_without_returning(conn).await?;
    Requests::update_many()
        .col_expr(payout_request::Column::Status, Expr::value(PayoutStatus::Batched))
        .col_expr(payout_request::Column::BatchId, Expr::value(batch.id))
        .filter(payout_request::Column::TenantId.eq(tenant.id))
        .filter(payout_request::Column::Status.eq(PayoutStatus::Requested))
        .exec(conn)
        .await?;
    let (count, total) = batch_sums(conn, tenant.id, batch.id, PayoutStatus::Batched).await?;
    if count == 0 {
        return Err(AppError::conflict("no payout request waits for a batch"));
    }
    batch.request_count = i32::try_from(count).map_err(|_| AppError::internal("a batch too large to count"))?;
    batch.total_minor = total;
    Batches::update_many()
        .col_expr(payout_batch::Column::RequestCount, Expr::value(batch.request_count))
        .col_expr(payout_batch::Column::TotalMinor, Expr::value(total))
        .filter(payout_batch::Column::Id.eq(batch.id))
        .exec(conn)
        .await?;
    tenancy::service::audit::record(
        conn,
        request,
        tenancy::service::audit::Change {
            action: "payout_batch.create",
            target_type: "payout_batch",
            target_id: Some(batch.id.to_string()),
            tenant_id: Some(tenant.id),
            before: None,
            after: Some(json!({ "requests": count, "total": Money(total).to_string() })),
        },
    )
    .await?;
    Ok(batch)
}

/// How many of the batch's requests are in `status`, and their sum.
async fn batch_sums(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    batch: Uuid,
    status: PayoutStatus,
) -> AppResult<(i64, i64)> {
    let (count, total): (i64, Option<i64>) = Requests::find()
        .select_only()
        .column_as(Expr::col(payout_request::Column::Id).count(), "n")
        .column_as(Expr::expr(payout_request::Column::AmountMinor.sum()).cast_as("bigint"), "total")
        .filter(payout_request::Column::TenantId.eq(tenant))
        .filter(payout_request::Column::BatchId.eq(batch))
        .filter(payout_request::Column::Status.eq(status))
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or((0, None));
    Ok((count, total.unwrap_or(0)))
}

/// The site's batch `id` (admins).
pub async fn batch(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<payout_batch::Model> {
    request.require_role(ADMINS)?;
    Batches::find_by_id(id)
        .filter(payout_batch::Column::TenantId.eq(request.tenant()?.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("payout batch"))
}

/// The site's batches, newest first (admins).
pub async fn batches(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    page: PageArgs,
) -> AppResult<Paged<payout_batch::Model>> {
    request.require_role(ADMINS)?;
    let query = Batches::find().filter(payout_batch::Column::TenantId.eq(request.tenant()?.id));
    paginate(conn, query, payout_batch::Column::Id, Order::newest_first(), page).await
}

/// Admins mark the open batch `id` paid by the bank, with its reference: its payouts that did
/// not fail are PAID, and their sum moves from payouts payable to cash, once.
pub async fn mark_paid(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reference: &str,
) -> AppResult<payout_batch::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let reference = validate::name("externalReference", reference, 200)?;
    let batch = batch(conn, request, id).await?;
    let now = request.now();
    let paid = Batches::update_many()
        .col_expr(payout_batch::Column::Status, Expr::value(BatchStatus::Paid))
        .col_expr(payout_batch::Column::PaidAt, Expr::value(now))
        .col_expr(payout_batch::Column::ExternalReference, Expr::value(reference.clone()))
        .filter(payout_batch::Column::Id.eq(id))
        .filter(payout_batch::Column::TenantId.eq(tenant))
        .filter(payout_batch::Column::Status.eq(BatchStatus::Open))
        .exec(conn)
        .await?;
    if paid.rows_affected == 0 {
        return Err(AppError::conflict("the batch was marked paid already").with_reason(Reason::InvalidTransition));
    }
    Requests::update_many()
        .col_expr(payout_request::Column::Status, Expr::value(PayoutStatus::Paid))
        .col_expr(payout_request::Column::DecidedAt, Expr::value(now))
        .filter(payout_request::Column::TenantId.eq(tenant))
        .filter(payout_request::Column::BatchId.eq(id))
        .filter(payout_request::Column::Status.eq(PayoutStatus::Batched))
        .exec(conn)
        .await?;
    let (count, total) = batch_sums(conn, tenant, id, PayoutStatus::Paid).await?;
    if total > 0 {
        let payable =
            ledger::open_account(conn, tenant, AccountKind::PayoutsPayable, Owner::Platform, &batch.currency, now)
                .await?;
        let cash = ledger::open_account(conn, tenant, AccountKind::PlatformCash, Owner::Platform, &batch.currency, now)
            .await?;
        let entry = NewEntry {
            tenant,
            kind: EntryKind::PayoutPaid,
            description: "Payout batch paid",
            order_id: None,
            actor_id: request.viewer.as_ref().map(|v| v.user_id),
            currency: &batch.currency,
            at: now,
            cause: Some(format!("payout-batch:{id}:paid")),
        };
        ledger::post(
            conn,
            entry,
            &[Leg { account: payable.id, amount: -total }, Leg { account: cash.id, amount: total }],
        )
        .await?;
    }
    tenancy::service::audit::record(conn, request, tenancy::service::audit::Change {
        action: "payout_batch.paid",
        target_type: "payout_batch",
        target_id: Some(id.to_string()),
        tenant_id: Some(tenant),
        before: Some(json!({ "status": BatchStatus::Open })),
        after: Some(json!({ "status": BatchStatus::Paid, "paid": count, "total": Money(total).to_string(), "externalReference": reference })),
    })
    .await?;
    batch_of(conn, tenant, id).await
}

async fn batch_of(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<payout_batch::Model> {
    Batches::find_by_id(id)
        .filter(payout_batch::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("payout batch"))
}

/// Admins fail the payout `id` the bank could not pay (waiting for a batch, or in a batch not
/// yet marked paid), saying why: its money returns to the writer's earnings, once.
pub async fn fail(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<payout_request::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let reason = validate::text("reason", reason, 500)?;
    let now = request.now();
    let found = Requests::find_by_id(id)
        .filter(payout_request::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("payout request"))?;
    let failed = Requests::update_many()
        .col_expr(payout_request::Column::Status, Expr::value(PayoutStatus::Failed))
        .col_expr(payout_request::Column::DecidedAt, Expr::value(now))
        .col_expr(payout_request::Column::FailureReason, Expr::value(reason.clone()))
        .filter(payout_request::Column::Id.eq(id))
        .filter(payout_request::Column::TenantId.eq(tenant))
        .filter(payout_request::Column::Status.is_in([PayoutStatus::Requested, PayoutStatus::Batched]))
        .exec(conn)
        .await?;
    if failed.rows_affected == 0 {
        return Err(AppError::conflict("only a payout not yet paid can fail").with_reason(Reason::InvalidTransition));
    }
    let payable =
        ledger::open_account(conn, tenant, AccountKind::PayoutsPayable, Owner::Platform, &found.currency, now).await?;
    let earnings = ledger::open_account(
        conn,
        tenant,
        AccountKind::WriterEarnings,
        Owner::User(found.writer_id),
        &found.currency,
        now,
    )
    .await?;
    let entry = NewEntry {
        tenant,
        kind: EntryKind::PayoutReturned,
        description: "Payout failed: back to earnings",
        order_id: None,
        actor_id: request.viewer.as_ref().map(|v| v.user_id),
        currency: &found.currency,
        at: now,
        cause: Some(format!("payout:{id}:returned")),
    };
    let amount = found.amount_minor;
    ledger::post(conn, entry, &[Leg { account: payable.id, amount: -amount }, Leg { account: earnings.id, amount }])
        .await?;
    tenancy::service::audit::record(
        conn,
        request,
        tenancy::service::audit::Change {
            action: "payout.fail",
            target_type: "payout_request",
            target_id: Some(id.to_string()),
            tenant_id: Some(tenant),
            before: Some(json!({ "status": found.status })),
            after: Some(json!({ "status": PayoutStatus::Failed, "reason": reason })),
        },
    )
    .await?;
    Ok(payout_request::Model {
        status: PayoutStatus::Failed,
        decided_at: Some(now),
        failure_reason: Some(reason),
        ..found
    })
}

/// A cell as a spreadsheet will not run: text that starts like a formula gets a quote first.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The batch `id` as CSV for the bank (admins): one line a payout to make (those not failed),
/// with the writer's name and e-mail. Read in pages of a thousand, so a batch of any size costs
/// a few statements a thousand payouts.
pub async fn export_csv(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<String> {
    let batch = batch(conn, request, id).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, record: &[String]| {
        out.write_record(record).map_err(|e| AppError::internal(format!("csv: {e}")))
    };
    write(
        &mut out,
        &["payout_id", "writer_id", "writer_name", "writer_email", "amount", "currency", "requested_at"]
            .map(String::from),
    )?;
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = Requests::find()
            .filter(payout_request::Column::TenantId.eq(batch.tenant_id))
            .filter(payout_request::Column::BatchId.eq(batch.id))
            .filter(payout_request::Column::Status.ne(PayoutStatus::Failed));
        if let Some(last) = after {
            query = query.filter(payout_request::Column::Id.gt(last));
        }
        let rows = sea_orm::QueryOrder::order_by_asc(query, payout_request::Column::Id).limit(1000).all(conn).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let writers: Vec<Uuid> = rows.iter().map(|r| r.writer_id).collect();
        let contacts = identity::service::users::contacts_of(conn, batch.tenant_id, &writers).await?;
        for row in &rows {
            let (name, email) = contacts.get(&row.writer_id).cloned().unwrap_or_default();
            write(
                &mut out,
                &[
                    row.id.to_string(),
                    row.writer_id.to_string(),
                    cell(&name),
                    cell(&email),
                    Money(row.amount_minor).to_string(),
                    row.currency.clone(),
                    row.requested_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ],
            )?;
        }
        if rows.len() < 1000 {
            break;
        }
    }
    let bytes = out.into_inner().map_err(|e| AppError::internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::internal(format!("csv: {e}")))
}

/// The payout books of `tenant` (every tenant when `None`), as the integrity check reads them:
/// what payouts payable holds equals what waits (asked, not paid or failed); and what each kind
/// of payout entry moved equals the requests of its status.
pub(crate) async fn violations(conn: &impl ConnectionTrait, tenant: Option<Uuid>) -> AppResult<Vec<String>> {
    let backend = conn.get_database_backend();
    let scope = |column: &str| tenant.map_or_else(|| "1 = 1".to_owned(), |_| format!("{column} = $1"));
    let sql = format!(
        "SELECT t.tenant_id AS tenant_id, \
           CAST(COALESCE((SELECT SUM(r.amount_minor) FROM payout_requests r WHERE r.tenant_id = t.tenant_id AND r.status IN ('REQUESTED', 'BATCHED')), 0) AS BIGINT) AS waiting, \
           CAST(COALESCE((SELECT SUM(r.amount_minor) FROM payout_requests r WHERE r.tenant_id = t.tenant_id), 0) AS BIGINT) AS asked, \
           CAST(COALESCE((SELECT SUM(r.amount_minor) FROM payout_requests r WHERE r.tenant_id = t.tenant_id AND r.status = 'PAID'), 0) AS BIGINT) AS paid, \
           CAST(COALESCE((SELECT SUM(r.amount_minor) FROM payout_requests r WHERE r.tenant_id = t.tenant_id AND r.status = 'FAILED'), 0) AS BIGINT) AS failed, \
           CAST(COALESCE((SELECT SUM(a.balance_minor) FROM ledger_accounts a WHERE a.tenant_id = t.tenant_id AND a.kind = 'PAYOUTS_PAYABLE'), 0) AS BIGINT) AS payable, \
           CAST(COALESCE((SELECT SUM(p.amount_minor) FROM postings p JOIN journal_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id \
              WHERE e.tenant_id = t.tenant_id AND e.kind = 'PAYOUT' AND a.kind = 'PAYOUTS_PAYABLE'), 0) AS BIGINT) AS moved_asked, \
           CAST(COALESCE((SELECT -SUM(p.amount_minor) FROM postings p JOIN journal_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id \
              WHERE e.tenant_id = t.tenant_id AND e.kind = 'PAYOUT_PAID' AND a.kind = 'PAYOUTS_PAYABLE'), 0) AS BIGINT) AS moved_paid, \
           CAST(COALESCE((SELECT -SUM(p.amount_minor) FROM postings p JOIN journal_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id \
              WHERE e.tenant_id = t.tenant_id AND e.kind = 'PAYOUT_RETURNED' AND a.kind = 'PAYOUTS_PAYABLE'), 0) AS BIGINT) AS moved_failed \
         FROM (SELECT DISTINCT tenant_id FROM payout_requests WHERE {}) t",
        scope("tenant_id")
    );
    let mut found = Vec::new();
    for row in conn.query_all_raw(crate::service::integrity::statement(backend, &sql, tenant)).await? {
        let id: Uuid = row.try_get("", "tenant_id")?;
        let get = |name: &str| row.try_get::<i64>("", name);
        let (waiting, payable) = (get("waiting")?, get("payable")?);
        if waiting != payable {
            found.push(format!("site {id}: payouts payable holds {payable} but {waiting} waits to be paid"));
        }
        for (what, requests, moved) in [
            ("asked", get("asked")?, get("moved_asked")?),
            ("paid", get("paid")?, get("moved_paid")?),
            ("failed", get("failed")?, get("moved_failed")?),
        ] {
            if requests != moved {
                found.push(format!("site {id}: payout requests {what} sum to {requests} but the ledger moved {moved}"));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::{available, cell};

    #[test]
    fn what_is_held_is_not_available_and_nothing_is_below_zero() {
        assert_eq!(available(10_000, 2_500), 7_500);
        assert_eq!(available(10_000, 12_000), 0);
        assert_eq!(available(-500, 0), 0, "fines took the earnings below zero");
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_is_quoted() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Ada Lovelace"), "Ada Lovelace");
    }
}
