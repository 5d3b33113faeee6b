//! Fines on writers: the site's policies (one per kind), fines computed on late submissions or
//! issued by admins, their appeal window, appeals, and the money through billing.
//!
//! A fine waits `PENDING` through the site's appeal window (`fines.due`, a timer at its end,
//! applies it unless an appeal waits); `APPLIED` debits the writer's earnings (they may go below
//! zero: later credits make it up); an admin may waive a pending fine (`WAIVED`) or void any
//! fine not closed (`VOIDED`: an applied one's money returns); the writer may appeal once within
//! the window, and an admin grants the appeal (the fine is voided) or rejects it (the fine applies,
//! at once if its window has passed). Every move is a conditional update of the fine's row, and
//! each money effect has its own cause in the ledger (`fine:<id>`, `fine:<id>:returned`), so
//! none happens twice however requests and the timer race.

use chrono::{DateTime, Duration, Utc};
use jobs::{JobRun, NewJob};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate};
use notifications::NotificationKind;
use orders::service::late_work::{FinedWork, LateSubmission};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::entity::fine::{self, AppealStatus, Entity as Fines, FineKind, FineStatus};
use crate::entity::fine_policy::{self, Entity as Policies, FineMode};
use crate::entity::fine_settings::{self, Entity as Settings};

pub const FINE_DUE: &str = "writers.fine_due";
pub const DEFAULT_APPEAL_WINDOW_HOURS: i32 = 72;
/// 100 %, as percents are kept (×10 000).
const ALL_E4: i64 = 1_000_000;
const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];

/// Every kind, in the order policies are listed.
pub const KINDS: [FineKind; 5] = [
    FineKind::Lateness,
    FineKind::Plagiarism,
    FineKind::MissedRevisionDeadline,
    FineKind::InstructionsIgnored,
    FineKind::Other,
];

/// The policy of a site that has set none for `kind`: lateness 5 % of the pay an hour late
/// through the first day, then 20 % a day; plagiarism half the pay; a missed revision deadline
/// 10 %; instructions ignored 20 %; anything else as the admin says.
pub fn default_policy(tenant: Uuid, kind: FineKind) -> fine_policy::Model {
    let (mode, percent_e4, hourly_percent_e4, daily_percent_e4) = match kind {
        FineKind::Lateness => (FineMode::Late, 0, 50_000, 200_000),
        FineKind::Plagiarism => (FineMode::Percent, 500_000, 0, 0),
        FineKind::MissedRevisionDeadline => (FineMode::Percent, 100_000, 0, 0),
        FineKind::InstructionsIgnored => (FineMode::Percent, 200_000, 0, 0),
        FineKind::Other => (FineMode::Fixed, 0, 0, 0),
    };
    fine_policy::Model {
        tenant_id: tenant,
        kind,
        mode,
        amount_minor: 0,
        percent_e4,
        hourly_percent_e4,
        daily_percent_e4,
        active: true,
        updated_at: DateTime::<Utc>::default(),
    }
}

/// The share of the pay (×10 000) a lateness fine takes for work `late` after the deadline:
/// `hourly` for each hour begun through the first day (5 %, 10 %, 15 % for hours one to three
/// by default), then `daily` more for each day begun after it; never more than all of it.
pub fn lateness_share_e4(late: Duration, hourly_e4: i64, daily_e4: i64) -> i64 {
    let seconds = late.num_seconds();
    if seconds <= 0 {
        return 0;
    }
    let hours = (seconds + 3_599) / 3_600;
    let share = if hours <= 24 {
        hourly_e4.saturating_mul(hours)
    } else {
        let days = (seconds - 86_400 + 86_399) / 86_400;
        hourly_e4.saturating_mul(24).saturating_add(daily_e4.saturating_mul(days))
    };
    share.clamp(0, ALL_E4)
}

/// What `policy` fines work paid `pay_minor` (late by `late`, for lateness), rounded down, never
/// more than the pay.
pub fn amount_of(policy: &fine_policy::Model, pay_minor: i64, late: Duration) -> i64 {
    let pay = Ord::max(pay_minor, 0);
    let share =
        |e4: i64| i64::try_from(i128::from(pay) * i128::from(e4.clamp(0, ALL_E4)) / i128::from(ALL_E4)).unwrap_or(pay);
    let amount = match policy.mode {
        FineMode::Fixed => policy.amount_minor,
        FineMode::Percent => share(policy.percent_e4),
        FineMode::Late => share(lateness_share_e4(late, policy.hourly_percent_e4, policy.daily_percent_e4)),
    };
    amount.clamp(0, pay)
}

/// The site's fine rules beyond the policies (the defaults where it has set none).
pub async fn settings(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<fine_settings::Model> {
    Ok(Settings::find_by_id(tenant).one(conn).await?.unwrap_or(fine_settings::Model {
        tenant_id: tenant,
        appeal_window_hours: DEFAULT_APPEAL_WINDOW_HOURS,
        updated_at: DateTime::<Utc>::default(),
    }))
}

/// Admins set how long writers have to appeal; audited.
pub async fn update_settings(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    appeal_window_hours: i32,
) -> AppResult<fine_settings::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    if !(1..=720).contains(&appeal_window_hours) {
        return Err(AppError::bad_input("input.appealWindowHours", "appealWindowHours must be between 1 and 720"));
    }
    let before = settings(conn, tenant).await?;
    let next = fine_settings::Model { tenant_id: tenant, appeal_window_hours, updated_at: request.now() };
    Settings::insert(fine_settings::ActiveModel::from(next.clone()))
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(fine_settings::Column::TenantId)
                .update_columns([fine_settings::Column::AppealWindowHours, fine_settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    audit(
        conn,
        request,
        "fine_settings.update",
        tenant.to_string(),
        json!({ "appealWindowHours": before.appeal_window_hours }),
        json!({ "appealWindowHours": appeal_window_hours }),
    )
    .await?;
    Ok(next)
}

/// The site's policy for each kind (the default where it has set none), in [`KINDS`] order.
pub async fn policies(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Vec<fine_policy::Model>> {
    let set: Vec<fine_policy::Model> =
        Policies::find().filter(fine_policy::Column::TenantId.eq(tenant)).all(conn).await?;
    Ok(KINDS
        .iter()
        .map(|kind| set.iter().find(|p| p.kind == *kind).cloned().unwrap_or_else(|| default_policy(tenant, *kind)))
        .collect())
}

async fn policy(conn: &impl ConnectionTrait, tenant: Uuid, kind: FineKind) -> AppResult<fine_policy::Model> {
    Ok(Policies::find_by_id((tenant, kind)).one(conn).await?.unwrap_or_else(|| default_policy(tenant, kind)))
}

/// New numbers for a policy (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct PolicyFields {
    pub mode: Option<FineMode>,
    pub amount_minor: Option<i64>,
    pub percent_e4: Option<i64>,
    pub hourly_percent_e4: Option<i64>,
    pub daily_percent_e4: Option<i64>,
    pub active: Option<bool>,
}

/// Admins set the policy of `kind`; audited. Lateness is fined by the time late (`LATE`) and
/// only lateness is.
pub async fn update_policy(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: FineKind,
    f: PolicyFields,
) -> AppResult<fine_policy::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let before = policy(conn, tenant, kind).await?;
    let next = fine_policy::Model {
        tenant_id: tenant,
        kind,
        mode: f.mode.unwrap_or(before.mode),
        amount_minor: f.amount_minor.unwrap_or(before.amount_minor),
        percent_e4: f.percent_e4.unwrap_or(before.percent_e4),
        hourly_percent_e4: f.hourly_percent_e4.unwrap_or(before.hourly_percent_e4),
        daily_percent_e4: f.daily_percent_e4.unwrap_or(before.daily_percent_e4),
        active: f.active.unwrap_or(before.active),
        updated_at: request.now(),
    };
    if (next.mode == FineMode::Late) != (kind == FineKind::Lateness) {
        return Err(AppError::bad_input("input.mode", "lateness is fined by the time late (LATE), and only lateness"));
    }
    let percents = [
        ("input.percent", next.percent_e4),
        ("input.hourlyPercent", next.hourly_percent_e4),
        ("input.dailyPercent", next.daily_percent_e4),
    ];
    if let Some((field, _)) = percents.iter().find(|(_, v)| !(0..=ALL_E4).contains(v)) {
        return Err(AppError::bad_input(*field, "a percent is between 0 and 100"));
    }
    if !(0..=billing::service::wallets::MAX_AMOUNT).contains(&next.amount_minor) {
        return Err(AppError::bad_input("input.amount", "the amount must be between 0.00 and 1,000,000.00"));
    }
    Policies::insert(fine_policy::ActiveModel::from(next.clone()))
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([fine_policy::Column::TenantId, fine_policy::Column::Kind])
                .update_columns([
                    fine_policy::Column::Mode,
                    fine_policy::Column::AmountMinor,
                    fine_policy::Column::PercentE4,
                    fine_policy::Column::HourlyPercentE4,
                    fine_policy::Column::DailyPercentE4,
                    fine_policy::Column::Active,
                    fine_policy::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let as_json = |p: &fine_policy::Model| {
        json!({ "mode": p.mode, "amount": Money(p.amount_minor).to_string(), "percentE4": p.percent_e4,
            "hourlyPercentE4": p.hourly_percent_e4, "dailyPercentE4": p.daily_percent_e4, "active": p.active })
    };
    audit(conn, request, "fine_policy.update", format!("{kind:?}"), as_json(&before), as_json(&next)).await?;
    Ok(next)
}

async fn audit(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    action: &str,
    target: String,
    before: serde_json::Value,
    after: serde_json::Value,
) -> AppResult<()> {
    let tenant = request.tenant()?.id;
    tenancy::service::audit::record(
        conn,
        request,
        tenancy::service::audit::Change {
            action,
            target_type: "fine",
            target_id: Some(target),
            tenant_id: Some(tenant),
            before: Some(before),
            after: Some(after),
        },
    )
    .await
}

/// Writes a new pending fine, schedules its end of window and tells the writer. `automatic`:
/// the system's lateness fine (at most one an order: the unique index decides, so a second
/// answers `None`).
#[allow(clippy::too_many_arguments)]
async fn open(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    work: &FinedWork,
    writer: Uuid,
    kind: FineKind,
    amount: i64,
    reason: String,
    automatic: bool,
) -> AppResult<Option<fine::Model>> {
    let now = request.now();
    let window = settings(conn, work.tenant_id).await?.appeal_window_hours;
    let row = fine::Model {
        id: new_id(),
        tenant_id: work.tenant_id,
        writer_id: writer,
        order_id: work.order_id,
        kind,
        amount_minor: amount,
        currency: work.currency.clone(),
        reason,
        status: FineStatus::Pending,
        automatic,
        issued_by: if automatic { None } else { request.viewer.as_ref().map(|v| v.user_id) },
        created_at: now,
        appeal_until: now + Duration::hours(window.into()),
        applied_at: None,
        closed_at: None,
        closed_by: None,
        close_note: None,
        appeal_status: None,
        appeal_reason: None,
        appealed_at: None,
        appeal_decided_at: None,
        appeal_decided_by: None,
        appeal_note: None,
    };
    // no conflict target: the one that can arise is the partial unique index of automatic fines
    let inserted = Fines::insert(fine::ActiveModel::from(row.clone()))
        .on_conflict(sea_orm::sea_query::OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let job = NewJob::new(FINE_DUE, json!({ "fine": row.id }), row.appeal_until)
        .for_tenant(row.tenant_id)
        .once_per(format!("{FINE_DUE}:{}", row.id));
    jobs::enqueue(conn, job, now).await?;
    let data = json!({
        "amount": Money(amount).to_string(),
        "kind": kind_label(kind),
        "reason": row.reason,
        "appeal_until": row.appeal_until.format("%Y-%m-%d %H:%M UTC").to_string(),
    });
    let cause = format!("fine:{}", row.id);
    orders::service::notices::tell_of_id(
        conn,
        now,
        row.tenant_id,
        row.order_id,
        &cause,
        NotificationKind::FineIssued,
        writer,
        data,
    )
    .await?;
    Ok(Some(row))
}

fn kind_label(kind: FineKind) -> &'static str {
    match kind {
        FineKind::Lateness => "late work",
        FineKind::Plagiarism => "plagiarism",
        FineKind::MissedRevisionDeadline => "a missed revision deadline",
        FineKind::InstructionsIgnored => "instructions not followed",
        FineKind::Other => "other",
    }
}

/// The workforce's answer to a late first submission: the lateness policy's fine, once an order.
pub struct LatenessFines;

#[async_trait::async_trait]
impl orders::service::late_work::LateWorkDesk for LatenessFines {
    async fn submitted_late(
        &self,
        txn: &kernel::WriteTransaction,
        request: &RequestContext,
        late: &LateSubmission,
    ) -> AppResult<()> {
        let rule = policy(txn, late.tenant_id, FineKind::Lateness).await?;
        let overdue = late.submitted_at - late.writer_deadline;
        let amount = amount_of(&rule, late.pay_minor, overdue);
        if !rule.active || amount <= 0 {
            return Ok(());
        }
        let work = orders::service::late_work::fined_work(txn, late.tenant_id, late.order_id).await?;
        let hours = (overdue.num_seconds() + 3_599) / 3_600;
        let reason = format!("submitted {hours} hour(s) after the writer's deadline");
        open(txn, request, &work, late.writer_id, FineKind::Lateness, amount, reason, true).await?;
        Ok(())
    }
}

/// An admin's fine.
#[derive(Debug, Clone)]
pub struct NewFine {
    pub order_id: Uuid,
    pub kind: FineKind,
    /// None: what the kind's policy says.
    pub amount_minor: Option<i64>,
    pub reason: String,
}

/// An admin fines the writer of order `input.order_id`: the policy's amount or the one given, at
/// most the writer's pay for the order (`BAD_USER_INPUT`). `CONFLICT` for an order without a
/// writer. Pending through the site's appeal window; the writer is told.
pub async fn issue(conn: &impl ConnectionTrait, request: &RequestContext, input: NewFine) -> AppResult<fine::Model> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let reason = validate::text("input.reason", &input.reason, 1000)?;
    let work = orders::service::late_work::fined_work(conn, tenant, input.order_id).await?;
    let Some(writer) = work.writer_id else {
        return Err(AppError::conflict("the order has no writer to fine").with_reason(Reason::InvalidTransition));
    };
    let amount = match input.amount_minor {
        Some(amount) => amount,
        None => amount_of(&policy(conn, tenant, input.kind).await?, work.pay_minor, Duration::zero()),
    };
    if amount <= 0 {
        return Err(AppError::bad_input(
            "input.amount",
            "a fine is more than zero (this kind's policy gives none: say how much)",
        ));
    }
    if amount > work.pay_minor {
        return Err(AppError::bad_input(
            "input.amount",
            format!("a fine is at most the writer's pay for the order ({})", Money(work.pay_minor)),
        ));
    }
    let fined = open(conn, request, &work, writer, input.kind, amount, reason, false).await?;
    let fined = fined.ok_or_else(|| AppError::internal("an admin's fine was not written"))?;
    audit(conn, request, "fine.issue", fined.id.to_string(), json!({}), json!({ "kind": fined.kind, "amount": Money(amount).to_string(), "orderId": fined.order_id, "writerId": writer })).await?;
    Ok(fined)
}

/// Which fines a list shows.
#[derive(Debug, Clone, Default)]
pub struct FineFilter {
    pub status: Option<FineStatus>,
    pub appeal: Option<AppealStatus>,
    pub kind: Option<FineKind>,
    pub writer: Option<Uuid>,
}

/// Fines, newest first: a writer's own (whatever the filter's writer), or for admins the site's.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: FineFilter,
    page: PageArgs,
) -> AppResult<Paged<fine::Model>> {
    let viewer = request.require_role(&[Role::Writer, Role::Admin, Role::Superadmin])?;
    let writer = if viewer.role == Role::Writer { Some(viewer.user_id) } else { filter.writer };
    let mut query = Fines::find().filter(fine::Column::TenantId.eq(request.tenant()?.id));
    if let Some(status) = filter.status {
        query = query.filter(fine::Column::Status.eq(status));
    }
    if let Some(appeal) = filter.appeal {
        query = query.filter(fine::Column::AppealStatus.eq(appeal));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(fine::Column::Kind.eq(kind));
    }
    if let Some(writer) = writer {
        query = query.filter(fine::Column::WriterId.eq(writer));
    }
    paginate(conn, query, fine::Column::Id, Order::newest_first(), page).await
}

/// The fine `id`: the viewing writer's own, or for admins any of the site's.
pub async fn find(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<fine::Model> {
    let viewer = request.require_role(&[Role::Writer, Role::Admin, Role::Superadmin])?;
    let mut query = Fines::find_by_id(id).filter(fine::Column::TenantId.eq(request.tenant()?.id));
    if viewer.role == Role::Writer {
        query = query.filter(fine::Column::WriterId.eq(viewer.user_id));
    }
    query.one(conn).await?.ok_or_else(|| AppError::not_found("fine"))
}

/// The writer appeals their pending fine `id` within its window, once, saying why. After the
/// window (or a second time) it is `CONFLICT` (`EXPIRED` / `DUPLICATE`) and nothing is written.
pub async fn appeal(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<fine::Model> {
    let viewer = request.require_role(&[Role::Writer])?;
    let reason = validate::text("reason", reason, 2000)?;
    let found = find(conn, request, id).await?;
    let now = request.now();
    let appealed = Fines::update_many()
        .col_expr(fine::Column::AppealStatus, Expr::value(AppealStatus::Pending))
        .col_expr(fine::Column::AppealReason, Expr::value(reason.clone()))
        .col_expr(fine::Column::AppealedAt, Expr::value(now))
        .filter(fine::Column::Id.eq(id))
        .filter(fine::Column::TenantId.eq(found.tenant_id))
        .filter(fine::Column::WriterId.eq(viewer.user_id))
        .filter(fine::Column::Status.eq(FineStatus::Pending))
        .filter(fine::Column::AppealStatus.is_null())
        .filter(fine::Column::AppealUntil.gte(now))
        .exec(conn)
        .await?;
    if appealed.rows_affected == 0 {
        return Err(if found.appeal_status.is_some() {
            AppError::conflict("the fine was appealed already").with_reason(Reason::Duplicate)
        } else if found.status != FineStatus::Pending || now > found.appeal_until {
            AppError::conflict("the fine's appeal window has closed").with_reason(Reason::Expired)
        } else {
            AppError::conflict("the fine changed meanwhile; reload it").with_reason(Reason::Stale)
        });
    }
    find(conn, request, id).await
}

/// Applies the pending fine `id` if nothing holds it (no appeal waits): `APPLIED`, debited from
/// the writer's earnings, once. Answers whether it applied.
async fn apply(conn: &impl ConnectionTrait, request: &RequestContext, found: &fine::Model) -> AppResult<bool> {
    let now = request.now();
    let applied = Fines::update_many()
        .col_expr(fine::Column::Status, Expr::value(FineStatus::Applied))
        .col_expr(fine::Column::AppliedAt, Expr::value(now))
        .filter(fine::Column::Id.eq(found.id))
        .filter(fine::Column::TenantId.eq(found.tenant_id))
        .filter(fine::Column::Status.eq(FineStatus::Pending))
        .filter(fine::Column::AppealStatus.is_null().or(fine::Column::AppealStatus.eq(AppealStatus::Rejected)))
        .exec(conn)
        .await?;
    if applied.rows_affected == 0 {
        return Ok(false);
    }
    let work = orders::service::late_work::fined_work(conn, found.tenant_id, found.order_id).await?;
    billing::service::order_money::debit_fine(
        conn,
        request,
        &work.money(),
        found.writer_id,
        found.amount_minor,
        found.id,
    )
    .await?;
    Ok(true)
}

/// `writers.fine_due`: the fine's appeal window has ended; it applies unless an appeal waits or
/// it was closed meanwhile.
pub async fn due(run: JobRun) -> AppResult<()> {
    let Some(id) = run.payload.get("fine").and_then(|v| v.as_str()).and_then(|v| v.parse::<Uuid>().ok()) else {
        return Err(AppError::internal(format!("job {} names no fine", run.id)));
    };
    let Some(tenant) = run.tenant_id else { return Err(AppError::internal("a fine's timer without a tenant")) };
    let Some(request) = orders::service::timers::system(&run, tenant).await? else { return Ok(()) };
    kernel::write(&request, async |txn| {
        let Some(found) = Fines::find_by_id(id).filter(fine::Column::TenantId.eq(tenant)).one(txn).await? else {
            return Ok(());
        };
        if found.status == FineStatus::Pending
            && request.now() >= found.appeal_until
            && apply(txn, &request, &found).await?
        {
            tell(txn, &request, &found, "applied", None).await?;
        }
        Ok(())
    })
    .await
}

async fn tell(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: &fine::Model,
    what: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let data = json!({ "amount": Money(found.amount_minor).to_string(), "kind": kind_label(found.kind), "status": what, "note": note });
    let cause = format!("fine:{}:{what}", found.id);
    orders::service::notices::tell_of_id(
        conn,
        request.now(),
        found.tenant_id,
        found.order_id,
        &cause,
        NotificationKind::FineUpdated,
        found.writer_id,
        data,
    )
    .await
}

/// How an admin closes a fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Let a pending fine go.
    Waive,
    /// Cancel a fine as wrong, pending or applied (the money returns).
    Void,
}

/// An admin waives a pending fine or voids one not closed, saying why; a voided applied fine's
/// money returns to the writer's earnings, once. `CONFLICT` otherwise; the writer is told.
pub async fn close(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    how: Closing,
    note: &str,
) -> AppResult<fine::Model> {
    let viewer = request.require_role(ADMINS)?;
    let note = validate::text("reason", note, 1000)?;
    let found = find(conn, request, id).await?;
    let (to, from): (FineStatus, &[FineStatus]) = match how {
        Closing::Waive => (FineStatus::Waived, &[FineStatus::Pending]),
        Closing::Void => (FineStatus::Voided, &[FineStatus::Pending, FineStatus::Applied]),
    };
    let closed = close_row(conn, request, &found, to, from, viewer.user_id, &note, None).await?;
    if !closed {
        return Err(AppError::conflict(format!(
            "a {:?} fine cannot be {}",
            found.status,
            if how == Closing::Waive { "waived" } else { "voided" }
        ))
        .with_reason(Reason::InvalidTransition));
    }
    let what = if how == Closing::Waive { "waived" } else { "voided" };
    tell(conn, request, &found, what, Some(&note)).await?;
    audit(
        conn,
        request,
        &format!("fine.{}", if how == Closing::Waive { "waive" } else { "void" }),
        id.to_string(),
        json!({ "status": found.status }),
        json!({ "status": to, "reason": note }),
    )
    .await?;
    find(conn, request, id).await
}

/// Moves the fine from one of `from` to `to` (closed by `by`, why `note`), returning an applied
/// fine's money when it is voided; `appeal`: the appeal decision that closes it. Whether it moved.
#[allow(clippy::too_many_arguments)]
async fn close_row(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: &fine::Model,
    to: FineStatus,
    from: &[FineStatus],
    by: Uuid,
    note: &str,
    appeal: Option<AppealStatus>,
) -> AppResult<bool> {
    let now = request.now();
    let mut update = Fines::update_many()
        .col_expr(fine::Column::Status, Expr::value(to))
        .col_expr(fine::Column::ClosedAt, Expr::value(now))
        .col_expr(fine::Column::ClosedBy, Expr::value(by))
        .col_expr(fine::Column::CloseNote, Expr::value(note.to_owned()))
        .filter(fine::Column::Id.eq(found.id))
        .filter(fine::Column::TenantId.eq(found.tenant_id))
        .filter(fine::Column::Status.is_in(from.iter().copied()));
    if let Some(decided) = appeal {
        update = update
            .col_expr(fine::Column::AppealStatus, Expr::value(decided))
            .col_expr(fine::Column::AppealDecidedAt, Expr::value(now))
            .col_expr(fine::Column::AppealDecidedBy, Expr::value(by))
            .col_expr(fine::Column::AppealNote, Expr::value(note.to_owned()))
            .filter(fine::Column::AppealStatus.eq(AppealStatus::Pending));
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(false);
    }
    if appeal.is_none() {
        // waived or voided: a waiting appeal has what it asked for
        Fines::update_many()
            .col_expr(fine::Column::AppealStatus, Expr::value(AppealStatus::Approved))
            .col_expr(fine::Column::AppealDecidedAt, Expr::value(now))
            .col_expr(fine::Column::AppealDecidedBy, Expr::value(by))
            .col_expr(fine::Column::AppealNote, Expr::value(note.to_owned()))
            .filter(fine::Column::Id.eq(found.id))
            .filter(fine::Column::TenantId.eq(found.tenant_id))
            .filter(fine::Column::AppealStatus.eq(AppealStatus::Pending))
            .exec(conn)
            .await?;
    }
    // as it is now that this transaction holds the row: an apply that committed meanwhile set
    // its applied_at (once, with the debit), and none can follow the close
    let now_applied = Fines::find_by_id(found.id).one(conn).await?.and_then(|f| f.applied_at).is_some();
    if to == FineStatus::Voided && now_applied {
        let work = orders::service::late_work::fined_work(conn, found.tenant_id, found.order_id).await?;
        billing::service::order_money::return_fine(
            conn,
            request,
            &work.money(),
            found.writer_id,
            found.amount_minor,
            found.id,
        )
        .await?;
    }
    Ok(true)
}

/// An admin decides the writer's waiting appeal of fine `id`: granted, the fine is voided (an
/// applied one's money returns); rejected, it applies (at once if its window has passed, else
/// when it ends). `CONFLICT` when no appeal waits. The writer is told.
pub async fn decide_appeal(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    grant: bool,
    note: &str,
) -> AppResult<fine::Model> {
    let viewer = request.require_role(ADMINS)?;
    let note = validate::text("note", note, 1000)?;
    let found = find(conn, request, id).await?;
    let no_appeal =
        || AppError::conflict("no appeal of this fine waits for a decision").with_reason(Reason::InvalidTransition);
    if grant {
        let from = [FineStatus::Pending, FineStatus::Applied];
        if !close_row(
            conn,
            request,
            &found,
            FineStatus::Voided,
            &from,
            viewer.user_id,
            &note,
            Some(AppealStatus::Approved),
        )
        .await?
        {
            return Err(no_appeal());
        }
    } else {
        let now = request.now();
        let rejected = Fines::update_many()
            .col_expr(fine::Column::AppealStatus, Expr::value(AppealStatus::Rejected))
            .col_expr(fine::Column::AppealDecidedAt, Expr::value(now))
            .col_expr(fine::Column::AppealDecidedBy, Expr::value(viewer.user_id))
            .col_expr(fine::Column::AppealNote, Expr::value(note.clone()))
            .filter(fine::Column::Id.eq(id))
            .filter(fine::Column::TenantId.eq(found.tenant_id))
            .filter(fine::Column::AppealStatus.eq(AppealStatus::Pending))
            .exec(conn)
            .await?;
        if rejected.rows_affected == 0 {
            return Err(no_appeal());
        }
        if found.status == FineStatus::Pending && now >= found.appeal_until {
            apply(conn, request, &found).await?;
        }
    }
    let what = if grant { "appeal granted" } else { "appeal rejected" };
    tell(conn, request, &found, what, Some(&note)).await?;
    audit(
        conn,
        request,
        "fine.appeal_decided",
        id.to_string(),
        json!({ "appeal": AppealStatus::Pending }),
        json!({ "granted": grant, "note": note }),
    )
    .await?;
    find(conn, request, id).await
}

/// The admins' fines dashboard numbers: counts and sums by status, appeals waiting, and by kind
/// and by month over the last `months` months (the site's months; from the fines of that period
/// alone, by `(tenant_id, created_at)`).
#[derive(Debug, Clone, Default)]
pub struct FineStats {
    pub by_status: Vec<(FineStatus, i64, i64)>,
    pub appeals_waiting: i64,
    /// (month `YYYY-MM`, kind, count, sum) for fines issued in the period.
    pub by_month_and_kind: Vec<(String, FineKind, i64, i64)>,
}

pub async fn stats(conn: &impl ConnectionTrait, request: &RequestContext, months: u32) -> AppResult<FineStats> {
    use chrono::Datelike;
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?;
    let by_status: Vec<(FineStatus, i64, Option<i64>)> = Fines::find()
        .select_only()
        .column(fine::Column::Status)
        .column_as(Expr::col(fine::Column::Id).count(), "n")
        .column_as(Expr::expr(fine::Column::AmountMinor.sum()).cast_as("bigint"), "total")
        .filter(fine::Column::TenantId.eq(tenant.id))
        .group_by(fine::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let appeals_waiting = sea_orm::PaginatorTrait::count(
        Fines::find()
            .filter(fine::Column::TenantId.eq(tenant.id))
            .filter(fine::Column::AppealStatus.eq(AppealStatus::Pending)),
        conn,
    )
    .await?;
    let now = request.now();
    let zone = tenant.time_zone;
    let since = super::dashboard::month_start(now, zone, months.saturating_sub(1));
    let issued: Vec<(DateTime<Utc>, FineKind, i64)> = Fines::find()
        .select_only()
        .columns([fine::Column::CreatedAt, fine::Column::Kind, fine::Column::AmountMinor])
        .filter(fine::Column::TenantId.eq(tenant.id))
        .filter(fine::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let mut grouped: std::collections::BTreeMap<(String, String), (FineKind, i64, i64)> = Default::default();
    for (at, kind, amount) in issued {
        let local = at.with_timezone(&zone);
        let month = format!("{:04}-{:02}", local.year(), local.month());
        let entry = grouped.entry((month, format!("{kind:?}"))).or_insert((kind, 0, 0));
        entry.1 += 1;
        entry.2 = entry.2.saturating_add(amount);
    }
    Ok(FineStats {
        by_status: by_status.into_iter().map(|(s, n, t)| (s, n, t.unwrap_or(0))).collect(),
        appeals_waiting: i64::try_from(appeals_waiting).unwrap_or(i64::MAX),
        by_month_and_kind: grouped.into_iter().map(|((month, _), (kind, n, sum))| (month, kind, n, sum)).collect(),
    })
}

/// Fines' money in the ledger (registered with `ledgerIntegrity`): per site, what applied fines
/// took from earnings equals the fines applied, and what came back equals the applied fines
/// later voided.
pub struct FineMoneyInvariant;

#[async_trait::async_trait]
impl billing::service::integrity::MoneyInvariant for FineMoneyInvariant {
    async fn violations(&self, db: &kernel::RequestDb, tenant: Option<Uuid>) -> AppResult<Vec<String>> {
        let moved = billing::service::order_money::fines_moved(db, tenant).await?;
        let mut query = Fines::find()
            .select_only()
            .columns([fine::Column::TenantId, fine::Column::Status, fine::Column::AmountMinor])
            .filter(fine::Column::AppliedAt.is_not_null());
        if let Some(tenant) = tenant {
            query = query.filter(fine::Column::TenantId.eq(tenant));
        }
        let rows: Vec<(Uuid, FineStatus, i64)> = query.into_tuple().all(db).await?;
        let mut books: std::collections::BTreeMap<Uuid, (i64, i64)> = Default::default();
        for (site, status, amount) in rows {
            let book = books.entry(site).or_default();
            book.0 += amount;
            if status == FineStatus::Voided {
                book.1 += amount;
            }
        }
        for site in moved.keys() {
            books.entry(*site).or_default();
        }
        let mut found = Vec::new();
        for (site, (applied, voided)) in books {
            let (took, gave) = moved.get(&site).copied().unwrap_or((0, 0));
            if took != applied {
                found.push(format!("site {site}: fines applied sum to {applied} but the ledger took {took}"));
            }
            if gave != voided {
                found.push(format!("site {site}: applied fines voided sum to {voided} but the ledger returned {gave}"));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: i64) -> Duration {
        Duration::hours(h)
    }

    #[test]
    fn lateness_is_five_percent_an_hour_then_twenty_a_day_capped_at_the_pay() {
        let (hourly, daily) = (50_000, 200_000);
        assert_eq!(lateness_share_e4(Duration::zero(), hourly, daily), 0);
        assert_eq!(lateness_share_e4(Duration::minutes(1), hourly, daily), 50_000, "an hour begun counts");
        assert_eq!(lateness_share_e4(hours(2), hourly, daily), 100_000);
        assert_eq!(lateness_share_e4(hours(3), hourly, daily), 150_000);
        assert_eq!(lateness_share_e4(hours(4), hourly, daily), 200_000, "then 5 % more an hour");
        assert_eq!(lateness_share_e4(hours(21), hourly, daily), ALL_E4, "never more than the pay");
        // with a gentler hourly rate the days show: 24 % for the first day, 20 % a day after
        assert_eq!(lateness_share_e4(hours(24), 10_000, daily), 240_000);
        assert_eq!(lateness_share_e4(hours(25), 10_000, daily), 440_000);
        assert_eq!(lateness_share_e4(hours(48), 10_000, daily), 440_000);
        assert_eq!(lateness_share_e4(hours(49), 10_000, daily), 640_000);
        assert_eq!(lateness_share_e4(hours(24 * 30), 10_000, daily), ALL_E4);
    }

    #[test]
    fn a_policy_fines_at_most_the_pay_rounded_down() {
        let tenant = Uuid::nil();
        let late = default_policy(tenant, FineKind::Lateness);
        assert_eq!(amount_of(&late, 2_100, hours(1)), 105);
        assert_eq!(amount_of(&late, 2_100, hours(3)), 315);
        assert_eq!(amount_of(&late, 2_100, hours(30)), 2_100);
        assert_eq!(amount_of(&late, 2_099, hours(1)), 104, "rounded down, for the writer");
        let plagiarism = default_policy(tenant, FineKind::Plagiarism);
        assert_eq!(amount_of(&plagiarism, 2_100, Duration::zero()), 1_050);
        let fixed = fine_policy::Model { amount_minor: 5_000, ..default_policy(tenant, FineKind::Other) };
        assert_eq!(amount_of(&fixed, 2_100, Duration::zero()), 2_100, "a fixed fine above the pay is the pay");
    }
}
