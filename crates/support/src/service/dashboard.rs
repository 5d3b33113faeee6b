//! The support dashboard's numbers and the admins' support parts, each a fixed number of
//! statements whatever the volume: counts of the present from the indexes of the active
//! tickets (or one agent's), counts of the past from the daily statistics ([`super::stats`]).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use kernel::{AppError, AppResult, RequestContext};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::sql::{average, count, one_row, rows, seconds_between};
use super::{ADMINS, STAFF};
use crate::entity::dispute::{DisputeStatus, Outcome};
use crate::entity::ticket::{Category, TicketStatus};

/// The most days a series goes back.
pub const MAX_DAYS: i64 = 90;
/// The period the workload's averages and rates cover.
pub const WORKLOAD_DAYS: i64 = 30;

const ACTIVE: &str = "('OPEN', 'IN_PROGRESS', 'AWAITING_CUSTOMER', 'ESCALATED')";

/// The site's active tickets of one category: how many, those no agent has, the viewer's, those
/// of high or critical priority, and those past an SLA target (a breached clock still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Active {
    pub category: Category,
    pub active: i64,
    pub unassigned: i64,
    pub mine: i64,
    pub high_priority: i64,
    pub overdue: i64,
}

/// The site's active tickets per category (staff): one statement over the index of the active
/// tickets, which the queue, the viewer's open tickets, the categories and the payment issues
/// all read.
pub async fn active(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<Active>> {
    let viewer = request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let found = rows(
        conn,
        &format!(
            "SELECT category, COUNT(*) AS active, \
             SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END) AS unassigned, \
             SUM(CASE WHEN assignee_id = $2 THEN 1 ELSE 0 END) AS mine, \
             SUM(CASE WHEN priority IN ('HIGH', 'CRITICAL') THEN 1 ELSE 0 END) AS high, \
             SUM(CASE WHEN sla_overdue THEN 1 ELSE 0 END) AS overdue \
             FROM tickets WHERE tenant_id = $1 AND status IN {ACTIVE} GROUP BY category"
        ),
        vec![tenant.into(), viewer.user_id.into()],
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for row in found {
        let category: String = row.try_get("", "category")?;
        let Ok(category) = <Category as sea_orm::ActiveEnum>::try_from_value(&category) else { continue };
        out.push(Active {
            category,
            active: count(&row, "active")?,
            unassigned: count(&row, "unassigned")?,
            mine: count(&row, "mine")?,
            high_priority: count(&row, "high")?,
            overdue: count(&row, "overdue")?,
        });
    }
    Ok(out)
}

/// The queue: the site's active tickets, those no agent has, the viewer's, those of high or
/// critical priority, and those past an SLA target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Queue {
    pub active: i64,
    pub unassigned: i64,
    pub mine: i64,
    pub high_priority: i64,
    pub overdue: i64,
}

impl Queue {
    /// The queue of every category.
    pub fn of(active: &[Active]) -> Queue {
        active.iter().fold(Queue::default(), |q, a| Queue {
            active: q.active + a.active,
            unassigned: q.unassigned + a.unassigned,
            mine: q.mine + a.mine,
            high_priority: q.high_priority + a.high_priority,
            overdue: q.overdue + a.overdue,
        })
    }
}

/// One agent's record over the last [`WORKLOAD_DAYS`] (their open tickets are the queue's).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Seconds from a ticket's opening to its first response, on average.
    pub average_first_response: Option<f64>,
    /// Of their tickets opened in the period, the share closed.
    pub resolution_rate: Option<f64>,
    /// Of their tickets' SLA clocks with an outcome (tickets opened in the period), the share met.
    pub sla_compliance: Option<f64>,
}

/// The record of `agent` (their dashboard: themselves): one statement, over the index of the
/// agent's tickets.
pub async fn record(conn: &impl ConnectionTrait, request: &RequestContext, agent: Uuid) -> AppResult<Record> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let backend = conn.get_database_backend();
    let since = request.now() - Duration::days(WORKLOAD_DAYS);
    let row = one_row(
        conn,
        &format!(
            "SELECT COUNT(*) AS total, SUM(CASE WHEN status = 'CLOSED' THEN 1 ELSE 0 END) AS closed, \
             CAST(AVG({}) AS DOUBLE PRECISION) AS first_response, \
             CAST(SUM(sla_met) AS BIGINT) AS met, CAST(SUM(sla_breached) AS BIGINT) AS breached \
             FROM tickets WHERE tenant_id = $1 AND assignee_id = $2 AND created_at >= $3",
            seconds_between(backend, "created_at", "first_response_at")
        ),
        vec![tenant.into(), agent.into(), since.into()],
    )
    .await?;
    let (total, closed) = (count(&row, "total")?, count(&row, "closed")?);
    let (met, breached) = (count(&row, "met")?, count(&row, "breached")?);
    Ok(Record {
        average_first_response: average(&row, "first_response")?,
        resolution_rate: (total > 0).then(|| closed as f64 / total as f64),
        sla_compliance: (met + breached > 0).then(|| met as f64 / (met + breached) as f64),
    })
}

/// Disputes still to decide (staff; one statement).
pub async fn disputes_to_decide(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<i64> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let row = one_row(
        conn,
        "SELECT COUNT(*) AS n FROM disputes WHERE tenant_id = $1 AND status IN ('OPEN', 'UNDER_REVIEW', 'ESCALATED')",
        vec![tenant.into()],
    )
    .await?;
    count(&row, "n")
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

/// The site's last `days` days, oldest first: each day's date and the instant it starts (a day
/// may be 23 or 25 hours long).
fn last_days(now: DateTime<Utc>, zone: Tz, days: i64) -> Vec<(NaiveDate, DateTime<Utc>)> {
    let (today, _) = kernel::time::day_and_month_start(now, zone);
    let mut out = Vec::with_capacity(days as usize);
    let mut day = today;
    for _ in 0..days {
        out.push((super::stats::day_of(day, zone), day));
        let (earlier, _) = kernel::time::day_and_month_start(day - Duration::hours(1), zone);
        day = earlier;
    }
    out.reverse();
    out
}

/// The first and the last (today) of the site's last `days` days.
fn period(request: &RequestContext, days: i64) -> AppResult<(NaiveDate, NaiveDate)> {
    let series = last_days(request.now(), request.tenant()?.time_zone, days);
    match (series.first(), series.last()) {
        (Some(first), Some(last)) => Ok((first.0, last.0)),
        _ => Err(AppError::bad_input("days", format!("from 1 to {MAX_DAYS} days"))),
    }
}

/// Tickets opened per day of the site's time zone over the last `days` days (today the last),
/// oldest first: one statement over the daily statistics.
pub async fn tickets_per_day(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    days: i64,
) -> AppResult<Vec<(DateTime<Utc>, i64)>> {
    request.require_role(STAFF)?;
    let scope = request.tenant()?;
    let series = last_days(request.now(), scope.time_zone, days);
    let found = rows(
        conn,
        "SELECT day, CAST(SUM(opened) AS BIGINT) AS n FROM support_daily_stats \
         WHERE tenant_id = $1 AND day >= $2 GROUP BY day",
        vec![scope.id.into(), series[0].0.into()],
    )
    .await?;
    let mut opened: HashMap<NaiveDate, i64> = HashMap::with_capacity(found.len());
    for row in found {
        opened.insert(row.try_get("", "day")?, count(&row, "n")?);
    }
    Ok(series.into_iter().map(|(day, start)| (start, opened.get(&day).copied().unwrap_or(0))).collect())
}

/// The average time from opening to closing of the tickets closed in each of the last `weeks`
/// weeks (seven days of the site's, the last ending today), oldest first; a ticket reopened
/// counts on the day it last closed. One statement over the daily statistics.
pub async fn resolution_trend(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    weeks: i64,
) -> AppResult<Vec<(DateTime<Utc>, Option<f64>, i64)>> {
    request.require_role(STAFF)?;
    let scope = request.tenant()?;
    let series = last_days(request.now(), scope.time_zone, weeks * 7);
    let found = rows(
        conn,
        "SELECT day, CAST(SUM(closed) AS BIGINT) AS closed, CAST(SUM(resolution_seconds) AS BIGINT) AS took \
         FROM support_daily_stats WHERE tenant_id = $1 AND day >= $2 GROUP BY day",
        vec![scope.id.into(), series[0].0.into()],
    )
    .await?;
    let mut closed: HashMap<NaiveDate, (i64, i64)> = HashMap::with_capacity(found.len());
    for row in found {
        closed.insert(row.try_get("", "day")?, (count(&row, "closed")?, count(&row, "took")?));
    }
    Ok(series
        .chunks(7)
        .map(|week| {
            let (n, seconds) = week
                .iter()
                .filter_map(|(day, _)| closed.get(day))
                .fold((0i64, 0i64), |(n, s), (dn, ds)| (n.saturating_add(*dn), s.saturating_add(*ds)));
            (week[0].1, (n > 0).then(|| seconds as f64 / n as f64), n)
        })
        .collect())
}

/// Per category, the site's tickets opened in the last `days` days (one statement over the daily
/// statistics).
pub async fn opened_by_category(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    days: i64,
) -> AppResult<Vec<(Category, i64)>> {
    request.require_role(STAFF)?;
    let scope = request.tenant()?;
    let (since, today) = period(request, days)?;
    let found = rows(
        conn,
        "SELECT category, CAST(SUM(opened) AS BIGINT) AS total FROM support_daily_stats \
         WHERE tenant_id = $1 AND day >= $2 AND day <= $3 GROUP BY category",
        vec![scope.id.into(), since.into(), today.into()],
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for row in found {
        let category: String = row.try_get("", "category")?;
        let Ok(category) = <Category as sea_orm::ActiveEnum>::try_from_value(&category) else { continue };
        out.push((category, count(&row, "total")?));
    }
    Ok(out)
}

/// Per category (by name), the tickets opened in the period and those active now; a category
/// with neither is left out.
pub fn by_category(opened: &[(Category, i64)], active: &[Active]) -> Vec<(Category, i64, i64)> {
    let mut per: HashMap<Category, (i64, i64)> = HashMap::new();
    for (category, n) in opened {
        per.entry(*category).or_default().0 += n;
    }
    for a in active {
        per.entry(a.category).or_default().1 += a.active;
    }
    let mut out: Vec<(Category, i64, i64)> =
        per.into_iter().filter(|(_, (total, active))| *total > 0 || *active > 0).map(|(c, (t, a))| (c, t, a)).collect();
    out.sort_by_key(|(category, _, _)| <&str>::from(*category));
    out
}

/// Requesters' ratings given in the last `days` days: how many of each score, 1 to 5 (one
/// statement over the daily statistics).
pub async fn satisfaction(conn: &impl ConnectionTrait, request: &RequestContext, days: i64) -> AppResult<[i64; 5]> {
    request.require_role(STAFF)?;
    let scope = request.tenant()?;
    let (since, today) = period(request, days)?;
    let row = one_row(
        conn,
        "SELECT CAST(SUM(rated_1) AS BIGINT) AS r1, CAST(SUM(rated_2) AS BIGINT) AS r2, \
         CAST(SUM(rated_3) AS BIGINT) AS r3, CAST(SUM(rated_4) AS BIGINT) AS r4, CAST(SUM(rated_5) AS BIGINT) AS r5 \
         FROM support_daily_stats WHERE tenant_id = $1 AND day >= $2 AND day <= $3",
        vec![scope.id.into(), since.into(), today.into()],
    )
    .await?;
    Ok([count(&row, "r1")?, count(&row, "r2")?, count(&row, "r3")?, count(&row, "r4")?, count(&row, "r5")?])
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
