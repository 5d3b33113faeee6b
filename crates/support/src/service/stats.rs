//! What the support dashboard reads of the past, kept as it happens so that its cost does not
//! grow with the history:
//!
//! - `support_daily_stats`: per site, day (in the site's time zone) and ticket category, the
//!   tickets opened, the closings with their seconds from opening, and the ratings by score.
//!   Each step adds its counts in its own transaction, one upsert of one row; a reopened ticket's
//!   closing is taken back from the day it was counted on (kept on the ticket, `closed_day`), so
//!   the counts equal what the tickets say now
//!   (`migration::m20261213_000033_support_stats::fill_daily_stats` computes them from the
//!   tickets, and a test checks the two agree). A day is the site's day when the step happened:
//!   after the site's time zone changes, the past keeps the days it was counted on.
//!   The row of a day and category is locked by each step that adds to it until the step's
//!   request commits, so a site's ticket steps of one category take turns for that moment;
//!   support's pace (a few steps a second at most) is far from making that a queue.
//! - each ticket's SLA record (`sla_met`, `sla_breached`, `sla_overdue`: a breached clock still
//!   runs), recomputed from its clocks by [`recount_sla`] whenever one is met, breached or runs
//!   again, and read from the indexes of an agent's tickets and of the active ones.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use kernel::AppResult;
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::sql;
use crate::entity::ticket::Category;

/// One day's counts of one category (or what a step adds to them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub opened: i32,
    pub closed: i32,
    pub resolution_seconds: i64,
    /// Ratings given, by score 1 to 5.
    pub rated: [i32; 5],
}

/// The site's day of `at`.
pub fn day_of(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// Adds `entries` (distinct days and categories) to the site's counts: one statement.
pub async fn add(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    entries: &[(NaiveDate, Category, Counts)],
) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = Vec::with_capacity(entries.len() * 11);
    let mut tuples = Vec::with_capacity(entries.len());
    for (day, category, counts) in entries {
        tuples.push(format!("({})", sql::placeholders(values.len() + 1, 11)));
        values.extend([
            Value::from(tenant),
            Value::from(*day),
            Value::from(<&str>::from(*category)),
            Value::from(counts.opened),
            Value::from(counts.closed),
            Value::from(counts.resolution_seconds),
        ]);
        values.extend(counts.rated.map(Value::from));
    }
    let rated = (1..=5).map(|n| format!(", rated_{n} = s.rated_{n} + excluded.rated_{n}")).collect::<String>();
    sql::execute(
        conn,
        &format!(
            "INSERT INTO support_daily_stats AS s (tenant_id, day, category, opened, closed, resolution_seconds, \
             rated_1, rated_2, rated_3, rated_4, rated_5) VALUES {} \
             ON CONFLICT (tenant_id, day, category) DO UPDATE SET opened = s.opened + excluded.opened, \
             closed = s.closed + excluded.closed, \
             resolution_seconds = s.resolution_seconds + excluded.resolution_seconds{rated}",
            tuples.join(", ")
        ),
        values,
    )
    .await
}

/// A ticket opened at `at`.
pub async fn opened(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    zone: Tz,
    category: Category,
    at: DateTime<Utc>,
) -> AppResult<()> {
    add(conn, tenant, &[(day_of(at, zone), category, Counts { opened: 1, ..Counts::default() })]).await
}

/// Whole seconds from `from` to `to`, each taken to its second (as every backend stores it,
/// whatever finer part it keeps or drops).
pub fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    to.timestamp() - from.timestamp()
}

/// A ticket opened at `opened` closed at `closed`, counted on `day` (`sign` 1), or that closing
/// taken back from the day it was counted on when the ticket is reopened (`sign` -1).
pub async fn closing(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    day: NaiveDate,
    category: Category,
    (opened, closed): (DateTime<Utc>, DateTime<Utc>),
    sign: i32,
) -> AppResult<()> {
    let seconds = i64::from(sign) * seconds_between(opened, closed);
    let counts = Counts { closed: sign, resolution_seconds: seconds, ..Counts::default() };
    add(conn, tenant, &[(day, category, counts)]).await
}

/// A rating of `score` (1 to 5) given at `at`.
pub async fn rated(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    zone: Tz,
    category: Category,
    at: DateTime<Utc>,
    score: i32,
) -> AppResult<()> {
    let mut counts = Counts::default();
    if let Some(slot) = usize::try_from(score - 1).ok().and_then(|i| counts.rated.get_mut(i)) {
        *slot = 1;
    }
    add(conn, tenant, &[(day_of(at, zone), category, counts)]).await
}

/// Recomputes the SLA record of `tickets` from their clocks: one statement.
pub async fn recount_sla(conn: &impl ConnectionTrait, tenant: Uuid, tickets: &[Uuid]) -> AppResult<()> {
    if tickets.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = Vec::with_capacity(tickets.len() + 1);
    values.push(tenant.into());
    values.extend(tickets.iter().map(|id| Value::from(*id)));
    sql::execute(
        conn,
        &format!(
            "UPDATE tickets SET \
             sla_met = (SELECT COUNT(*) FROM ticket_slas s WHERE s.ticket_id = tickets.id \
                        AND s.met_at IS NOT NULL AND s.breached_at IS NULL), \
             sla_breached = (SELECT COUNT(*) FROM ticket_slas s WHERE s.ticket_id = tickets.id \
                             AND s.breached_at IS NOT NULL), \
             sla_overdue = EXISTS (SELECT 1 FROM ticket_slas s WHERE s.ticket_id = tickets.id \
                                   AND s.state <> 'STOPPED' AND s.breached_at IS NOT NULL) \
             WHERE tenant_id = $1 AND id IN ({})",
            sql::placeholders(2, tickets.len())
        ),
        values,
    )
    .await
}
