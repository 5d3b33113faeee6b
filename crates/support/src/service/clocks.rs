//! SLA clocks: one per ticket and metric (first response, resolution). A clock counts working
//! time ([`Calendar`]) while it runs; it pauses while the ticket awaits its requester and
//! resumes on their reply; it stops when met (or when the ticket closes without it). While it
//! runs, its row holds when it falls due and when it warns, and `next_check_at`, the one
//! instant the SLA job must look at it: the job reads the clocks whose moment has come through
//! a partial index, never the tickets.
//!
//! Every move is a conditional update of the clock in the state it must be in, so a pause and
//! the job's warning at the same moment cannot both miss; a warning and a breach are written
//! once per clock (`warned_at` / `breached_at` still empty), and only the update that writes
//! them records the event and tells anyone.

use chrono::{DateTime, Utc};
use jobs::JobRun;
use kernel::live::{LiveEvent, Topic};
use kernel::{AppError, AppResult, RequestContext, new_id};
use notifications::NotificationKind;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::calendar::Calendar;
use super::settings::Targets;
use super::stats;
use crate::entity::ticket::{self, Entity as Tickets};
use crate::entity::ticket_event::{self, Entity as Events};
use crate::entity::ticket_sla::{self, ClockState, Entity as Clocks, Metric, Model as Clock};

/// The job that warns and breaches clocks whose moment has come.
pub const CHECK: &str = "support.sla";
/// How often it runs, in seconds.
pub const EVERY_SECONDS: i64 = 60;
/// Clocks it takes a batch; it takes batches until none is left.
const BATCH: u64 = 500;

/// The steps of a clock, as the ticket's SLA log names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ClockStep {
    Started,
    Paused,
    Resumed,
    Warned,
    Breached,
    Met,
}

/// Writes a step of a clock to the ticket's log; answers the event's id.
async fn log(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    metric: Metric,
    step: ClockStep,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = new_id();
    let kind: &'static str = step.into();
    Events::insert(ticket_event::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant),
        ticket_id: Set(ticket),
        kind: Set(kind.to_owned()),
        metric: Set(Some(metric)),
        actor_id: Set(actor),
        note: Set(None),
        at: Set(at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// The instants of a clock that runs from `now` having used `used` of its target: when it falls
/// due, when it warns (none once warned), and when the job must look next (none once breached,
/// or when the calendar never reaches it).
struct Schedule {
    due_at: Option<DateTime<Utc>>,
    warn_at: Option<DateTime<Utc>>,
    next_check_at: Option<DateTime<Utc>>,
}

fn schedule(clock: &Clock, used: i64, calendar: &Calendar, now: DateTime<Utc>) -> Schedule {
    let due_at = calendar.add(now, clock.target_seconds - used);
    let warn_share = clock.target_seconds * i64::from(clock.warn_percent) / 100;
    let warn_at = if clock.warned_at.is_some() { None } else { calendar.add(now, warn_share - used) };
    let next_check_at = if clock.breached_at.is_some() {
        None
    } else if clock.warned_at.is_none() {
        warn_at
    } else {
        due_at
    };
    Schedule { due_at, warn_at, next_check_at }
}

/// Starts a ticket's clocks at `now`. With `responded` (staff opened the ticket with their own
/// message) the first response is met at once.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    targets: Targets,
    warn_percent: i32,
    calendar: &Calendar,
    now: DateTime<Utc>,
    actor: Option<Uuid>,
    responded: bool,
) -> AppResult<()> {
    for (metric, minutes) in
        [(Metric::FirstResponse, targets.first_response_minutes), (Metric::Resolution, targets.resolution_minutes)]
    {
        let mut clock = Clock {
            ticket_id: ticket,
            metric,
            tenant_id: tenant,
            target_seconds: i64::from(minutes) * 60,
            warn_percent,
            used_seconds: 0,
            state: ClockState::Running,
            started_at: now,
            running_since: Some(now),
            due_at: None,
            warn_at: None,
            next_check_at: None,
            warned_at: None,
            breached_at: None,
            met_at: None,
        };
        let plan = schedule(&clock, 0, calendar, now);
        clock.due_at = plan.due_at;
        clock.warn_at = plan.warn_at;
        clock.next_check_at = plan.next_check_at;
        let met = responded && metric == Metric::FirstResponse;
        if met {
            clock.state = ClockState::Stopped;
            clock.running_since = None;
            clock.warn_at = None;
            clock.next_check_at = None;
            clock.met_at = Some(now);
        }
        Clocks::insert(ticket_sla::ActiveModel::from(clock)).exec_without_returning(conn).await?;
        log(conn, tenant, ticket, metric, ClockStep::Started, actor, now).await?;
        if met {
            log(conn, tenant, ticket, metric, ClockStep::Met, actor, now).await?;
        }
    }
    if responded {
        stats::recount_sla(conn, tenant, &[ticket]).await?;
    }
    Ok(())
}

/// The clocks of a ticket (both metrics).
pub async fn of_ticket(conn: &impl ConnectionTrait, tenant: Uuid, ticket: Uuid) -> AppResult<Vec<Clock>> {
    of_tickets(conn, tenant, &[ticket]).await
}

/// The clocks of `tickets` (one statement).
pub async fn of_tickets(conn: &impl ConnectionTrait, tenant: Uuid, tickets: &[Uuid]) -> AppResult<Vec<Clock>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Clocks::find()
        .filter(ticket_sla::Column::TenantId.eq(tenant))
        .filter(ticket_sla::Column::TicketId.is_in(kernel::db::in_list(tickets)))
        .all(conn)
        .await?)
}

/// Pauses the ticket's running clocks (it awaits its requester): what they ran is added to
/// what they used.
pub async fn pause(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    calendar: &Calendar,
    now: DateTime<Utc>,
    actor: Option<Uuid>,
) -> AppResult<()> {
    for clock in of_ticket(conn, tenant, ticket).await? {
        let Some(since) = clock.running_since.filter(|_| clock.state == ClockState::Running) else { continue };
        let used = clock.used_seconds + calendar.between(since, now);
        let paused = Clocks::update_many()
            .col_expr(ticket_sla::Column::State, Expr::value(ClockState::Paused))
            .col_expr(ticket_sla::Column::UsedSeconds, Expr::value(used))
            .col_expr(ticket_sla::Column::RunningSince, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(ticket_sla::Column::DueAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(ticket_sla::Column::WarnAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(ticket_sla::Column::TicketId.eq(ticket))
            .filter(ticket_sla::Column::Metric.eq(clock.metric))
            .filter(ticket_sla::Column::State.eq(ClockState::Running))
            .filter(ticket_sla::Column::RunningSince.eq(since))
            .exec(conn)
            .await?;
        if paused.rows_affected == 1 {
            log(conn, tenant, ticket, clock.metric, ClockStep::Paused, actor, now).await?;
        }
    }
    Ok(())
}

/// Sets a clock running from `now` (from paused, or stopped when a ticket is reopened), with
/// what it used so far.
async fn run_from(
    conn: &impl ConnectionTrait,
    clock: &Clock,
    from: ClockState,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let plan = schedule(clock, clock.used_seconds, calendar, now);
    let resumed = Clocks::update_many()
        .col_expr(ticket_sla::Column::State, Expr::value(ClockState::Running))
        .col_expr(ticket_sla::Column::RunningSince, Expr::value(now))
        .col_expr(ticket_sla::Column::DueAt, Expr::value(plan.due_at))
        .col_expr(ticket_sla::Column::WarnAt, Expr::value(plan.warn_at))
        .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(plan.next_check_at))
        .col_expr(ticket_sla::Column::MetAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(ticket_sla::Column::TicketId.eq(clock.ticket_id))
        .filter(ticket_sla::Column::Metric.eq(clock.metric))
        .filter(ticket_sla::Column::State.eq(from))
        .exec(conn)
        .await?;
    Ok(resumed.rows_affected == 1)
}

/// Resumes the ticket's paused clocks (its requester answered, or staff took it back).
pub async fn resume(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    calendar: &Calendar,
    now: DateTime<Utc>,
    actor: Option<Uuid>,
) -> AppResult<()> {
    for clock in of_ticket(conn, tenant, ticket).await? {
        if clock.state == ClockState::Paused && run_from(conn, &clock, ClockState::Paused, calendar, now).await? {
            log(conn, tenant, ticket, clock.metric, ClockStep::Resumed, actor, now).await?;
        }
    }
    Ok(())
}

/// Restarts the resolution clock of a reopened ticket, with the time it used before.
pub async fn reopen(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    calendar: &Calendar,
    now: DateTime<Utc>,
    actor: Option<Uuid>,
) -> AppResult<()> {
    for clock in of_ticket(conn, tenant, ticket).await? {
        if clock.metric == Metric::Resolution
            && clock.state == ClockState::Stopped
            && run_from(conn, &clock, ClockState::Stopped, calendar, now).await?
        {
            log(conn, tenant, ticket, clock.metric, ClockStep::Resumed, actor, now).await?;
        }
    }
    // a met clock runs again: no longer met
    stats::recount_sla(conn, tenant, &[ticket]).await
}

/// Stops a clock of the ticket: met (`met`: staff's first reply, the ticket resolved), or just
/// stopped (closed with no reply). A clock found past its target is breached here if the job
/// has not got to it yet, so a late answer is never counted as on time.
pub async fn stop(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ticket: Uuid,
    metric: Metric,
    calendar: &Calendar,
    met: bool,
) -> AppResult<()> {
    let tenant = request.tenant()?.id;
    let now = request.now();
    let actor = request.viewer.as_ref().map(|v| v.user_id);
    let Some(clock) = of_ticket(conn, tenant, ticket).await?.into_iter().find(|c| c.metric == metric) else {
        return Ok(());
    };
    if clock.state == ClockState::Stopped {
        return Ok(());
    }
    let ran = match (clock.state, clock.running_since) {
        (ClockState::Running, Some(since)) => calendar.between(since, now),
        _ => 0,
    };
    let used = clock.used_seconds + ran;
    let stopped = Clocks::update_many()
        .col_expr(ticket_sla::Column::State, Expr::value(ClockState::Stopped))
        .col_expr(ticket_sla::Column::UsedSeconds, Expr::value(used))
        .col_expr(ticket_sla::Column::RunningSince, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(ticket_sla::Column::WarnAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(ticket_sla::Column::MetAt, Expr::value(met.then_some(now)))
        .filter(ticket_sla::Column::TicketId.eq(ticket))
        .filter(ticket_sla::Column::Metric.eq(metric))
        .filter(ticket_sla::Column::State.eq(clock.state))
        .exec(conn)
        .await?;
    if stopped.rows_affected == 0 {
        return Err(AppError::conflict("the ticket's SLA clock changed meanwhile; try again")
            .with_reason(kernel::Reason::Stale));
    }
    // past its target and the job not there yet: breached here, once (a breach the job wrote
    // meanwhile stands, and this writes none)
    if used > clock.target_seconds {
        let breached = Clocks::update_many()
            .col_expr(ticket_sla::Column::BreachedAt, Expr::value(now))
            .filter(ticket_sla::Column::TicketId.eq(ticket))
            .filter(ticket_sla::Column::Metric.eq(metric))
            .filter(ticket_sla::Column::BreachedAt.is_null())
            .exec(conn)
            .await?;
        if breached.rows_affected == 1 {
            let event = log(conn, tenant, ticket, metric, ClockStep::Breached, actor, now).await?;
            alert(conn, tenant, ticket, metric, ClockStep::Breached, event, now).await?;
        }
    }
    if met {
        log(conn, tenant, ticket, metric, ClockStep::Met, actor, now).await?;
    }
    stats::recount_sla(conn, tenant, &[ticket]).await
}

/// Gives the ticket's unstopped clocks new targets (its priority changed): what they used stays
/// used; a running one is due by its new target, counted from now.
pub async fn retarget(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    targets: Targets,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for mut clock in of_ticket(conn, tenant, ticket).await? {
        if clock.state == ClockState::Stopped {
            continue;
        }
        clock.target_seconds = i64::from(match clock.metric {
            Metric::FirstResponse => targets.first_response_minutes,
            Metric::Resolution => targets.resolution_minutes,
        }) * 60;
        rerun(conn, &clock, calendar, calendar, now).await?;
    }
    Ok(())
}

/// Writes a clock's new target and, if it runs, its schedule from `now`: what it ran since
/// `running_since` counted on `old` calendar, what is left on `new`.
async fn rerun(
    conn: &impl ConnectionTrait,
    clock: &Clock,
    old: &Calendar,
    new: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut update = Clocks::update_many()
        .col_expr(ticket_sla::Column::TargetSeconds, Expr::value(clock.target_seconds))
        .filter(ticket_sla::Column::TicketId.eq(clock.ticket_id))
        .filter(ticket_sla::Column::Metric.eq(clock.metric))
        .filter(ticket_sla::Column::State.eq(clock.state));
    if let (ClockState::Running, Some(since)) = (clock.state, clock.running_since) {
        let used = clock.used_seconds + old.between(since, now);
        let plan = schedule(clock, used, new, now);
        update = update
            .col_expr(ticket_sla::Column::UsedSeconds, Expr::value(used))
            .col_expr(ticket_sla::Column::RunningSince, Expr::value(now))
            .col_expr(ticket_sla::Column::DueAt, Expr::value(plan.due_at))
            .col_expr(ticket_sla::Column::WarnAt, Expr::value(plan.warn_at))
            .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(plan.next_check_at))
            .filter(ticket_sla::Column::RunningSince.eq(since));
    }
    update.exec(conn).await?;
    Ok(())
}

/// The site's working week or holidays changed: every running clock is due by the new calendar
/// for what it has left (what it ran so far counted by the old one).
pub async fn reschedule(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    old: &Calendar,
    new: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let running = Clocks::find()
        .filter(ticket_sla::Column::TenantId.eq(tenant))
        .filter(ticket_sla::Column::State.eq(ClockState::Running))
        .all(conn)
        .await?;
    for clock in running {
        rerun(conn, &clock, old, new, now).await?;
    }
    Ok(())
}

/// What a clock shows: its state now, when it is due, and the working time left (negative once
/// past its target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countdown {
    pub metric: Metric,
    pub state: ShownState,
    pub target_seconds: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub remaining_seconds: i64,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
}

/// A clock's state as staff read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "SlaState")]
pub enum ShownState {
    /// Running, before its warning.
    Running,
    /// Running, past its warning share.
    Warning,
    /// Waiting for the requester.
    Paused,
    /// Past its target (running, paused or answered late).
    Breached,
    /// Met within its target.
    Met,
    /// Closed with no reply to count (a first response never given).
    Stopped,
}

/// The countdown of `clock` at `now` (the request's clock), on `calendar`.
pub fn countdown(clock: &Clock, calendar: &Calendar, now: DateTime<Utc>) -> Countdown {
    let ran = match (clock.state, clock.running_since) {
        (ClockState::Running, Some(since)) => calendar.between(since, now),
        _ => 0,
    };
    let used = clock.used_seconds + ran;
    let remaining = clock.target_seconds - used;
    let warn_share = clock.target_seconds * i64::from(clock.warn_percent) / 100;
    let breached = clock.breached_at.is_some() || remaining < 0;
    let state = match clock.state {
        _ if breached => ShownState::Breached,
        ClockState::Stopped if clock.met_at.is_some() => ShownState::Met,
        ClockState::Stopped => ShownState::Stopped,
        ClockState::Paused => ShownState::Paused,
        ClockState::Running if clock.warned_at.is_some() || used >= warn_share => ShownState::Warning,
        ClockState::Running => ShownState::Running,
    };
    Countdown {
        metric: clock.metric,
        state,
        target_seconds: clock.target_seconds,
        due_at: clock.due_at.filter(|_| clock.state == ClockState::Running),
        remaining_seconds: remaining,
        warned_at: clock.warned_at,
        breached_at: clock.breached_at,
        met_at: clock.met_at,
    }
}

/// `support.sla`: warns and breaches the clocks whose moment has come, each once. Reads them by
/// `next_check_at` (a partial index: the clocks still to look at, soonest first), a batch at a
/// time; a clock that moved meanwhile (paused, met) is left as it now is.
pub async fn check(run: JobRun) -> AppResult<()> {
    let now = run.clock.now();
    loop {
        let due: Vec<(Uuid, Metric, Uuid)> = Clocks::find()
            .select_only()
            .columns([ticket_sla::Column::TicketId, ticket_sla::Column::Metric, ticket_sla::Column::TenantId])
            .filter(ticket_sla::Column::NextCheckAt.lte(now))
            .order_by_asc(ticket_sla::Column::NextCheckAt)
            .limit(BATCH)
            .into_tuple()
            .all(&run.db)
            .await?;
        let full = due.len() as u64 == BATCH;
        for (ticket, metric, tenant) in due {
            check_one(&run, tenant, ticket, metric, now).await?;
        }
        // each clock looked at leaves the batch (its next look is later, or none), so a full
        // batch means more are due
        if !full {
            return Ok(());
        }
    }
}

/// Warns or breaches one clock, in its own transaction.
async fn check_one(run: &JobRun, tenant: Uuid, ticket: Uuid, metric: Metric, now: DateTime<Utc>) -> AppResult<()> {
    let Some(request) = orders::service::timers::system(run, tenant).await? else {
        // a deleted site: its clocks stop being looked at
        Clocks::update_many()
            .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(ticket_sla::Column::TicketId.eq(ticket))
            .filter(ticket_sla::Column::Metric.eq(metric))
            .exec(&run.db)
            .await?;
        return Ok(());
    };
    kernel::write(&request, async |txn| {
        // the ticket first, then its clock, as every step of a ticket takes them: a breach
        // recounts the ticket's SLA record, and the opposite order could deadlock with a reply
        // or a close of the ticket at the same moment
        if Tickets::find_by_id(ticket).lock_exclusive().one(txn).await?.is_none() {
            return Ok(());
        }
        let keyed = |update: sea_orm::UpdateMany<Clocks>| {
            update
                .filter(ticket_sla::Column::TicketId.eq(ticket))
                .filter(ticket_sla::Column::Metric.eq(metric))
                .filter(ticket_sla::Column::State.eq(ClockState::Running))
        };
        // past its target: breached (once), nothing more to look for
        let breached = keyed(Clocks::update_many())
            .col_expr(ticket_sla::Column::BreachedAt, Expr::value(now))
            .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(ticket_sla::Column::BreachedAt.is_null())
            .filter(ticket_sla::Column::DueAt.lte(now))
            .exec(txn)
            .await?;
        if breached.rows_affected == 1 {
            stats::recount_sla(txn, tenant, &[ticket]).await?;
            let event = log(txn, tenant, ticket, metric, ClockStep::Breached, None, now).await?;
            return alert(txn, tenant, ticket, metric, ClockStep::Breached, event, now).await;
        }
        // past its warning share: warned (once), next look at the breach
        let warned = keyed(Clocks::update_many())
            .col_expr(ticket_sla::Column::WarnedAt, Expr::value(now))
            .col_expr(ticket_sla::Column::NextCheckAt, Expr::col(ticket_sla::Column::DueAt))
            .filter(ticket_sla::Column::WarnedAt.is_null())
            .filter(ticket_sla::Column::WarnAt.lte(now))
            .exec(txn)
            .await?;
        if warned.rows_affected == 1 {
            let event = log(txn, tenant, ticket, metric, ClockStep::Warned, None, now).await?;
            return alert(txn, tenant, ticket, metric, ClockStep::Warned, event, now).await;
        }
        // neither: it moved meanwhile (paused, met, re-planned against a warning written since).
        // Its next look is what its row says now, which is later than now or none (a warning
        // or breach due now would have been written above), so it leaves the job's batches.
        let Some(clock) = Clocks::find_by_id((ticket, metric)).one(txn).await? else { return Ok(()) };
        let next = match clock.state {
            ClockState::Running if clock.breached_at.is_none() => {
                if clock.warned_at.is_none() {
                    clock.warn_at
                } else {
                    clock.due_at
                }
            }
            _ => None,
        }
        .filter(|at| *at > now);
        Clocks::update_many()
            .col_expr(ticket_sla::Column::NextCheckAt, Expr::value(next))
            .filter(ticket_sla::Column::TicketId.eq(ticket))
            .filter(ticket_sla::Column::Metric.eq(metric))
            .exec(txn)
            .await?;
        Ok(())
    })
    .await
}

/// Tells of a warning or a breach: the ticket's agent (or, with none, the site's admins; a breach
/// always reaches the admins too), and every agent watching `slaAlert`.
async fn alert(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ticket: Uuid,
    metric: Metric,
    step: ClockStep,
    event: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(row) = Tickets::find_by_id(ticket).filter(ticket::Column::TenantId.eq(tenant)).one(conn).await? else {
        return Ok(());
    };
    let mut told: Vec<Uuid> = row.assignee_id.into_iter().collect();
    if row.assignee_id.is_none() || step == ClockStep::Breached {
        for admin in identity::service::users::admins(conn, tenant).await? {
            if !told.contains(&admin.user_id) {
                told.push(admin.user_id);
            }
        }
    }
    let (kind, word) = match step {
        ClockStep::Breached => (NotificationKind::SlaBreached, "breached"),
        _ => (NotificationKind::SlaWarning, "warned"),
    };
    let metric_name = match metric {
        Metric::FirstResponse => "first response",
        Metric::Resolution => "resolution",
    };
    let data = json!({
        "ticket": { "id": row.id, "subject": row.subject, "priority": <&str>::from(row.priority) },
        "metric": metric_name,
    });
    for who in told {
        let recipient = identity::service::users::recipient(conn, who).await?;
        notifications::notify(
            conn,
            notifications::Notice {
                tenant_id: tenant,
                kind,
                cause: format!("sla:{ticket}:{}:{word}", <&str>::from(metric)),
                data: data.clone(),
                recipient,
            },
            now,
        )
        .await?;
    }
    kernel::live::publish(conn, LiveEvent { tenant, topic: Topic::Sla(tenant), item: event }).await?;
    Ok(())
}
