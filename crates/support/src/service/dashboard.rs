//! The support dashboard's numbers and the admins' support parts, each a fixed number of
//! statements whatever the volume: counts and averages are computed in the database, over the
//! indexes of active tickets, a period's tickets, or one agent's.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, RequestContext};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use super::{ADMINS, STAFF};
use crate::entity::dispute::{DisputeStatus, Outcome};
use crate::entity::ticket::{Category, TicketStatus};

/// The most days a series goes back.
pub const MAX_DAYS: i64 = 90;
/// The period the workload's averages and rates cover.
pub const WORKLOAD_DAYS: i64 = 30;

/// A statement with `$n` placeholders, as the backend spells them.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        sql.to_owned()
    } else {
        // SQLite numbers its placeholders `?NNN`
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    };
    Statement::from_sql_and_values(backend, sql, values)
}

async fn one_row(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<QueryResult> {
    let stmt = statement(conn.get_database_backend(), sql, values);
    conn.query_one_raw(stmt).await?.ok_or_else(|| AppError::internal("an aggregate answered no row"))
}

async fn rows(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<Vec<QueryResult>> {
    let stmt = statement(conn.get_database_backend(), sql, values);
    Ok(conn.query_all_raw(stmt).await?)
}

/// The seconds from `from` to `to` (two timestamp columns) as SQL of the backend.
fn seconds_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("EXTRACT(EPOCH FROM ({to} - {from}))"),
        _ => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
    }
}

fn count(row: &QueryResult, column: &str) -> AppResult<i64> {
    Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
}

fn average(row: &QueryResult, column: &str) -> AppResult<Option<f64>> {
    Ok(row.try_get::<Option<f64>>("", column)?)
}

const ACTIVE: &str = "('OPEN', 'IN_PROGRESS', 'AWAITING_CUSTOMER', 'ESCALATED')";

/// The queue: active tickets no agent has, the viewer's, those of high or critical priority,
/// and those past an SLA target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Queue {
    pub active: i64,
    pub unassigned: i64,
    pub mine: i64,
    pub high_priority: i64,
    pub overdue: i64,
}

/// The queue's counts (staff): two statements.
pub async fn queue(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Queue> {
    let viewer = request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let row = one_row(
        conn,
        &format!(
            "SELECT COUNT(*) AS active, \
             SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END) AS unassigned, \
             SUM(CASE WHEN assignee_id = $2 THEN 1 ELSE 0 END) AS mine, \
             SUM(CASE WHEN priority IN ('HIGH', 'CRITICAL') THEN 1 ELSE 0 END) AS high \
             FROM tickets WHERE tenant_id = $1 AND status IN {ACTIVE}"
        ),
        vec![tenant.into(), viewer.user_id.into()],
    )
    .await?;
    let overdue = one_row(
        conn,
        "SELECT COUNT(DISTINCT ticket_id) AS overdue FROM ticket_slas \
         WHERE tenant_id = $1 AND state <> 'STOPPED' AND breached_at IS NOT NULL",
        vec![tenant.into()],
    )
    .await?;
    Ok(Queue {
        active: count(&row, "active")?,
        unassigned: count(&row, "unassigned")?,
        mine: count(&row, "mine")?,
        high_priority: count(&row, "high")?,
        overdue: count(&overdue, "overdue")?,
    })
}

/// One agent's load and record over the last [`WORKLOAD_DAYS`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workload {
    /// Their active tickets now.
    pub open_tickets: i64,
    /// Seconds from a ticket's opening to its first response, on average.
    pub average_first_response: Option<f64>,
    /// Of their tickets opened in the period, the share closed.
    pub resolution_rate: Option<f64>,
    /// Of their tickets' SLA clocks started in the period with an outcome, the share met.
    pub sla_compliance: Option<f64>,
}

/// The workload of `agent` (their dashboard: themselves): three statements.
pub async fn workload(conn: &impl ConnectionTrait, request: &RequestContext, agent: Uuid) -> AppResult<Workload> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let backend = conn.get_database_backend();
    let since = request.now() - Duration::days(WORKLOAD_DAYS);
    let open = one_row(
        conn,
        &format!("SELECT COUNT(*) AS n FROM tickets WHERE tenant_id = $1 AND assignee_id = $2 AND status IN {ACTIVE}"),
        vec![tenant.into(), agent.into()],
    )
    .await?;
    let record = one_row(
        conn,
        &format!(
            "SELECT COUNT(*) AS total, SUM(CASE WHEN status = 'CLOSED' THEN 1 ELSE 0 END) AS closed, \
             CAST(AVG({}) AS DOUBLE PRECISION) AS first_response \
             FROM tickets WHERE tenant_id = $1 AND assignee_id = $2 AND created_at >= $3",
            seconds_between(backend, "created_at", "first_response_at")
        ),
        vec![tenant.into(), agent.into(), since.into()],
    )
    .await?;
    let sla = one_row(
        conn,
        "SELECT SUM(CASE WHEN s.breached_at IS NULL AND s.met_at IS NOT NULL THEN 1 ELSE 0 END) AS met, \
         SUM(CASE WHEN s.breached_at IS NOT NULL THEN 1 ELSE 0 END) AS breached \
         FROM ticket_slas s JOIN tickets t ON t.id = s.ticket_id AND t.tenant_id = s.tenant_id \
         WHERE t.tenant_id = $1 AND t.assignee_id = $2 AND t.created_at >= $3",
        vec![tenant.into(), agent.into(), since.into()],
    )
    .await?;
    let (total, closed) = (count(&record, "total")?, count(&record, "closed")?);
    let (met, breached) = (count(&sla, "met")?, count(&sla, "breached")?);
    Ok(Workload {
        open_tickets: count(&open, "n")?,
        average_first_response: average(&record, "first_response")?,
        resolution_rate: (total > 0).then(|| closed as f64 / total as f64),
        sla_compliance: (met + breached > 0).then(|| met as f64 / (met + breached) as f64),
    })
}

/// Orders that need support: disputes to decide, active payment tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrdersNeedingSupport {
    pub disputed: i64,
    pub payment_issues: i64,
}

/// Two counts in one statement (staff).
pub async fn orders_needing_support(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
) -> AppResult<OrdersNeedingSupport> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let row = one_row(
        conn,
        &format!(
            "SELECT (SELECT COUNT(*) FROM disputes WHERE tenant_id = $1 AND status IN ('OPEN', 'UNDER_REVIEW', 'ESCALATED')) AS disputed, \
             (SELECT COUNT(*) FROM tickets WHERE tenant_id = $1 AND status IN {ACTIVE} AND category = 'PAYMENT') AS payment"
        ),
        vec![tenant.into()],
    )
    .await?;
    Ok(OrdersNeedingSupport { disputed: count(&row, "disputed")?, payment_issues: count(&row, "payment")? })
}

/// `days` as a number of days, or `BAD_USER_INPUT` on `field`.
pub fn days(field: &str, days: i32) -> AppResult<i64> {
    let days = i64::from(days);
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(AppError::bad_input(field, format!("from 1 to {MAX_DAYS} days")))
    }
}

/// Tickets opened per day of the site's time zone over the last `days` days, oldest first (one
/// statement: the period's opening times only).
pub async fn tickets_per_day(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    days: i64,
) -> AppResult<Vec<(DateTime<Utc>, i64)>> {
    request.require_role(STAFF)?;
    let scope = request.tenant()?;
    let now = request.now();
    let (today, _) = kernel::time::day_and_month_start(now, scope.time_zone);
    // each day's start in the site's zone (a day may be 23 or 25 hours long)
    let mut starts: Vec<DateTime<Utc>> = Vec::with_capacity(days as usize);
    let mut day = today;
    for _ in 0..days {
        starts.push(day);
        let (earlier, _) = kernel::time::day_and_month_start(day - Duration::hours(1), scope.time_zone);
        day = earlier;
    }
    starts.reverse();
    let from = starts[0];
    let opened = rows(
        conn,
        "SELECT created_at AS at FROM tickets WHERE tenant_id = $1 AND created_at >= $2",
        vec![scope.id.into(), from.into()],
    )
    .await?;
    let mut counts = vec![0i64; starts.len()];
    for row in opened {
        let at: DateTime<Utc> = row.try_get("", "at")?;
        let i = starts.partition_point(|start| *start <= at);
        if i > 0 {
            counts[i - 1] += 1;
        }
    }
    Ok(starts.into_iter().zip(counts).collect())
}

/// The average time from opening to closing of tickets closed in each of the last `weeks`
/// seven-day spans ending now, oldest first: one statement, grouped in the database by week.
pub async fn resolution_trend(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    weeks: i64,
) -> AppResult<Vec<(DateTime<Utc>, Option<f64>, i64)>> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let backend = conn.get_database_backend();
    let now = request.now();
    let start = now - Duration::weeks(weeks);
    // the start is written into the statement (an instant this code formats, not input): a
    // bound value in a grouped expression is another expression to PostgreSQL each time
    let since = start.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let week = match backend {
        DbBackend::Postgres => format!("FLOOR(EXTRACT(EPOCH FROM (closed_at - TIMESTAMPTZ '{since}')) / 604800)"),
        _ => format!("((julianday(closed_at) - julianday('{since}')) * 86400.0 / 604800)"),
    };
    let closed = rows(
        conn,
        &format!(
            "SELECT CAST({week} AS BIGINT) AS week, COUNT(*) AS n, CAST(AVG({}) AS DOUBLE PRECISION) AS took \
             FROM tickets WHERE tenant_id = $1 AND closed_at IS NOT NULL AND closed_at >= $2 \
             GROUP BY 1",
            seconds_between(backend, "created_at", "closed_at")
        ),
        vec![tenant.into(), start.into()],
    )
    .await?;
    let mut series: Vec<(DateTime<Utc>, Option<f64>, i64)> =
        (0..weeks).map(|i| (start + Duration::weeks(i), None, 0)).collect();
    for row in closed {
        let week = count(&row, "week")?.clamp(0, weeks - 1) as usize;
        let n = count(&row, "n")?;
        let took = average(&row, "took")?;
        let slot = &mut series[week];
        // two buckets can meet at the last week (a close this very second): weigh them
        slot.1 = match (slot.1, took) {
            (Some(a), Some(b)) => Some((a * slot.2 as f64 + b * n as f64) / (slot.2 + n) as f64),
            (a, b) => a.or(b),
        };
        slot.2 += n;
    }
    Ok(series)
}

/// Per category: the site's tickets opened in the last `days` days, and those of them still
/// active (one statement).
pub async fn by_category(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    days: i64,
) -> AppResult<Vec<(Category, i64, i64)>> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let since = request.now() - Duration::days(days);
    let found = rows(
        conn,
        &format!(
            "SELECT category, COUNT(*) AS total, SUM(CASE WHEN status IN {ACTIVE} THEN 1 ELSE 0 END) AS active \
             FROM tickets WHERE tenant_id = $1 AND created_at >= $2 GROUP BY category ORDER BY category"
        ),
        vec![tenant.into(), since.into()],
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for row in found {
        let category: String = row.try_get("", "category")?;
        let Some(category) = <Category as sea_orm::ActiveEnum>::try_from_value(&category).ok() else { continue };
        out.push((category, count(&row, "total")?, count(&row, "active")?));
    }
    Ok(out)
}

/// Requesters' ratings of the last `days` days: how many of each score, 1 to 5 (one statement).
pub async fn satisfaction(conn: &impl ConnectionTrait, request: &RequestContext, days: i64) -> AppResult<[i64; 5]> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let since = request.now() - Duration::days(days);
    let found = rows(
        conn,
        "SELECT rating, COUNT(*) AS n FROM tickets WHERE tenant_id = $1 AND rating IS NOT NULL AND rated_at >= $2 \
         GROUP BY rating",
        vec![tenant.into(), since.into()],
    )
    .await?;
    let mut scores = [0i64; 5];
    for row in found {
        let rating: i16 = row.try_get("", "rating")?;
        if let Some(slot) = usize::try_from(rating - 1).ok().and_then(|i| scores.get_mut(i)) {
            *slot = count(&row, "n")?;
        }
    }
    Ok(scores)
}

/// Open escalations (one statement).
pub async fn open_escalations(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<i64> {
    request.require_feature(kernel::Feature::Escalations)?;
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let row = one_row(
        conn,
        "SELECT COUNT(*) AS n FROM escalations WHERE tenant_id = $1 AND status = 'OPEN'",
        vec![tenant.into()],
    )
    .await?;
    count(&row, "n")
}

/// The admins' disputes numbers: by status, by outcome, refunded in total, and the average time
/// to a decision (two statements).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DisputeNumbers {
    pub by_status: HashMap<DisputeStatus, i64>,
    pub by_outcome: HashMap<Outcome, i64>,
    pub refunded_minor: i64,
    pub average_seconds_to_decision: Option<f64>,
}

pub async fn dispute_numbers(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<DisputeNumbers> {
    request.require_feature(kernel::Feature::Disputes)?;
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let backend = conn.get_database_backend();
    let mut numbers = DisputeNumbers::default();
    let found = rows(
        conn,
        "SELECT status, outcome, COUNT(*) AS n, CAST(SUM(COALESCE(refund_minor, 0)) AS BIGINT) AS refunded \
         FROM disputes WHERE tenant_id = $1 GROUP BY status, outcome",
        vec![tenant.into()],
    )
    .await?;
    for row in found {
        let status: String = row.try_get("", "status")?;
        let outcome: Option<String> = row.try_get("", "outcome")?;
        let n = count(&row, "n")?;
        let refunded = count(&row, "refunded")?;
        if let Ok(status) = <DisputeStatus as sea_orm::ActiveEnum>::try_from_value(&status) {
            *numbers.by_status.entry(status).or_default() += n;
        }
        if let Some(outcome) = outcome.and_then(|o| <Outcome as sea_orm::ActiveEnum>::try_from_value(&o).ok()) {
            *numbers.by_outcome.entry(outcome).or_default() += n;
        }
        numbers.refunded_minor += refunded;
    }
    let row = one_row(
        conn,
        &format!(
            "SELECT CAST(AVG({}) AS DOUBLE PRECISION) AS took FROM disputes WHERE tenant_id = $1 AND resolved_at IS NOT NULL",
            seconds_between(backend, "created_at", "resolved_at")
        ),
        vec![tenant.into()],
    )
    .await?;
    numbers.average_seconds_to_decision = average(&row, "took")?;
    Ok(numbers)
}

/// Per agent of the site: their active tickets (one statement), for balancing the load.
pub async fn agent_loads(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<(Uuid, i64)>> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let found = rows(
        conn,
        &format!(
            "SELECT assignee_id AS agent, COUNT(*) AS n FROM tickets \
             WHERE tenant_id = $1 AND status IN {ACTIVE} AND assignee_id IS NOT NULL \
             GROUP BY assignee_id ORDER BY n DESC"
        ),
        vec![tenant.into()],
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for row in found {
        out.push((row.try_get::<Uuid>("", "agent")?, count(&row, "n")?));
    }
    Ok(out)
}

/// The site's tickets by status (one statement).
pub async fn tickets_by_status(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
) -> AppResult<Vec<(TicketStatus, i64)>> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let found = rows(
        conn,
        "SELECT status, COUNT(*) AS n FROM tickets WHERE tenant_id = $1 GROUP BY status",
        vec![tenant.into()],
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for row in found {
        let status: String = row.try_get("", "status")?;
        if let Ok(status) = <TicketStatus as sea_orm::ActiveEnum>::try_from_value(&status) {
            out.push((status, count(&row, "n")?));
        }
    }
    Ok(out)
}
