//! Reports on support: SLA compliance over a period, grouped in the database.

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, RequestContext};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::STAFF;
use crate::entity::ticket_sla::Metric;

/// The longest period a report covers.
pub const MAX_DAYS: i64 = 366;

/// What compliance is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "SlaGroupBy")]
pub enum GroupBy {
    Priority,
    /// The ticket's agent now (none: unassigned).
    Agent,
    Category,
}

/// Of the clocks of one group and metric that started in the period and have an outcome: how
/// many were met within their target and how many were breached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceRow {
    /// The priority or category (`HIGH`, `PAYMENT`), or the agent's id (none: unassigned).
    pub key: Option<String>,
    pub agent: Option<Uuid>,
    pub metric: Metric,
    pub met: i64,
    pub breached: i64,
}

/// `from` to `to` as a period: `BAD_USER_INPUT` when it is empty or longer than a year.
pub fn period(from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    if to <= from {
        return Err(AppError::bad_input("to", "the period ends after it starts"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(AppError::bad_input("to", format!("a period of at most {MAX_DAYS} days")));
    }
    Ok((from, to))
}

/// SLA compliance of the site's tickets opened in `[from, to)` (staff): one statement.
pub async fn compliance(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group_by: GroupBy,
) -> AppResult<Vec<ComplianceRow>> {
    request.require_role(STAFF)?;
    let tenant = request.tenant()?.id;
    let (from, to) = period(from, to)?;
    let column = match group_by {
        GroupBy::Priority => "priority",
        GroupBy::Agent => "assignee_id",
        GroupBy::Category => "category",
    };
    let backend = conn.get_database_backend();
    let [p1, p2, p3] = if backend == DbBackend::Postgres { ["$1", "$2", "$3"] } else { ["?", "?", "?"] };
    let sql = format!(
        "SELECT t.{column} AS k, s.metric AS metric, \
         SUM(CASE WHEN s.breached_at IS NULL THEN 1 ELSE 0 END) AS met, \
         SUM(CASE WHEN s.breached_at IS NULL THEN 0 ELSE 1 END) AS breached \
         FROM ticket_slas s JOIN tickets t ON t.id = s.ticket_id AND t.tenant_id = s.tenant_id \
         WHERE s.tenant_id = {p1} AND s.started_at >= {p2} AND s.started_at < {p3} \
         AND (s.met_at IS NOT NULL OR s.breached_at IS NOT NULL) \
         GROUP BY t.{column}, s.metric ORDER BY 1, 2"
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [tenant.into(), from.into(), to.into()]))
        .await?;
    let mut report = Vec::with_capacity(rows.len());
    for row in rows {
        let (key, agent) = if group_by == GroupBy::Agent {
            (None, row.try_get::<Option<Uuid>>("", "k")?)
        } else {
            (row.try_get::<Option<String>>("", "k")?, None)
        };
        let metric: String = row.try_get("", "metric")?;
        let metric = match metric.as_str() {
            "FIRST_RESPONSE" => Metric::FirstResponse,
            _ => Metric::Resolution,
        };
        report.push(ComplianceRow {
            key,
            agent,
            metric,
            met: row.try_get("", "met")?,
            breached: row.try_get("", "breached")?,
        });
    }
    Ok(report)
}
