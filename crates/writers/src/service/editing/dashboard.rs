//! The editor's dashboard and the admins' editing numbers, each a fixed number of statements
//! whatever the history: counts are grouped in the database, and the weekly series read only the
//! tasks finished within the weeks asked for.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, RequestContext, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::ADMINS;
use super::editors::{self, EditorRecord};
use crate::entity::editing_review::{self, Entity as Reviews};
use crate::entity::editing_task::{self, Assignment, Entity as Tasks, Model as Task, TaskStatus};

/// The most weeks a series goes back.
pub const MAX_WEEKS: u32 = 52;

/// The viewing editor (their dashboard's subject).
pub async fn editor(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<EditorRecord> {
    let viewer = request.require_role(&[Role::Editor])?;
    editors::find(conn, request.tenant()?.id, viewer.user_id).await
}

/// `last` as a number of weeks, or `BAD_USER_INPUT`.
pub fn weeks(last: i32) -> AppResult<u32> {
    u32::try_from(last)
        .ok()
        .filter(|n| (1..=MAX_WEEKS).contains(n))
        .ok_or_else(|| AppError::bad_input("last", format!("last must be between 1 and {MAX_WEEKS}")))
}

/// The editor's most recent tasks (by when they got them), newest first.
pub async fn recent(conn: &impl ConnectionTrait, editor: &EditorRecord, first: u64) -> AppResult<Vec<Task>> {
    Ok(Tasks::find()
        .filter(editing_task::Column::TenantId.eq(editor.tenant_id))
        .filter(editing_task::Column::EditorId.eq(editor.id))
        .order_by_desc(editing_task::Column::ClaimedAt)
        .order_by_desc(editing_task::Column::Id)
        .limit(first)
        .all(conn)
        .await?)
}

/// One finished task of a series: how it ended, when it was claimed, finished, and due.
pub type Finished = (TaskStatus, Option<DateTime<Utc>>, Option<DateTime<Utc>>, DateTime<Utc>);

/// The editor's tasks finished (completed or rejected) in the last `weeks` weeks: one statement.
pub async fn finished(
    conn: &impl ConnectionTrait,
    editor: &EditorRecord,
    now: DateTime<Utc>,
    weeks: u32,
) -> AppResult<Vec<Finished>> {
    use editing_task::Column as C;
    Ok(Tasks::find()
        .select_only()
        .columns([C::Status, C::ClaimedAt, C::FinishedAt, C::Deadline])
        .filter(C::TenantId.eq(editor.tenant_id))
        .filter(C::EditorId.eq(editor.id))
        .filter(C::Status.is_in([TaskStatus::Completed, TaskStatus::Rejected]))
        .filter(C::FinishedAt.gte(now - Duration::weeks(i64::from(weeks))))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Per week of the last `weeks` (seven-day spans ending now, oldest first; each holds what
/// finished after its start and up to its end): the start of the week, and how many of `tasks`
/// ended `COMPLETED` and `REJECTED` in it.
pub fn by_week(tasks: &[Finished], now: DateTime<Utc>, weeks: u32) -> Vec<(DateTime<Utc>, i64, i64)> {
    let start = now - Duration::weeks(i64::from(weeks));
    let mut series: Vec<(DateTime<Utc>, i64, i64)> =
        (0..weeks).map(|i| (start + Duration::weeks(i64::from(i)), 0, 0)).collect();
    for (status, _, finished, _) in tasks {
        let Some(finished) = finished else { continue };
        // weeks are (start, end]: a task finished this very moment is in the last one
        let Ok(week) = usize::try_from(((*finished - start).num_seconds() - 1) / Duration::weeks(1).num_seconds())
        else {
            continue;
        };
        if let Some(slot) = series.get_mut(week) {
            match status {
                TaskStatus::Completed => slot.1 += 1,
                _ => slot.2 += 1,
            }
        }
    }
    series
}

/// Hours from claim to finish, on average; none without a finished task.
pub fn average_turnaround_hours(tasks: &[Finished]) -> Option<f64> {
    let spans: Vec<i64> = tasks
        .iter()
        .filter_map(|(_, claimed, finished, _)| {
            Some((finished.as_ref()?.signed_duration_since(*claimed.as_ref()?)).num_seconds())
        })
        .collect();
    (!spans.is_empty()).then(|| spans.iter().sum::<i64>() as f64 / spans.len() as f64 / 3600.0)
}

/// The share of `tasks` finished by their deadline (0 to 1); none without one.
pub fn on_time_rate(tasks: &[Finished]) -> Option<f64> {
    let on_time = tasks.iter().filter(|(_, _, finished, due)| finished.is_some_and(|f| f <= *due)).count();
    (!tasks.is_empty()).then(|| on_time as f64 / tasks.len() as f64)
}

/// The average quality score the editor gave (1 to 10), over all their reviews: one statement.
pub async fn average_score_given(conn: &impl ConnectionTrait, editor: &EditorRecord) -> AppResult<Option<f64>> {
    let row: Option<(Option<i64>, i64)> = Reviews::find()
        .select_only()
        .column_as(Expr::col(editing_review::Column::QualityScore).sum(), "points")
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(editing_review::Column::TenantId.eq(editor.tenant_id))
        .filter(editing_review::Column::EditorId.eq(editor.id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.and_then(|(points, n)| points.filter(|_| n > 0).map(|p| p as f64 / n as f64)))
}

/// The editor's tasks counted by status and by how they got them, with the latest deadline of
/// those they hold: one statement.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub by_status: HashMap<TaskStatus, i64>,
    pub claimed: i64,
    pub assigned: i64,
    pub latest_held_deadline: Option<DateTime<Utc>>,
}

impl Counts {
    pub fn held(&self) -> i64 {
        TaskStatus::HELD.iter().map(|s| self.by_status.get(s).copied().unwrap_or(0)).sum()
    }
}

pub async fn counts(conn: &impl ConnectionTrait, editor: &EditorRecord) -> AppResult<Counts> {
    use editing_task::Column as C;
    // status, how the tasks came, how many, the latest deadline
    type Row = (TaskStatus, Option<Assignment>, i64, Option<DateTime<Utc>>);
    let rows: Vec<Row> = Tasks::find()
        .select_only()
        .column(C::Status)
        .column(C::Assignment)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::col(C::Deadline).max(), "latest")
        .filter(C::TenantId.eq(editor.tenant_id))
        .filter(C::EditorId.eq(editor.id))
        .group_by(C::Status)
        .group_by(C::Assignment)
        .into_tuple()
        .all(conn)
        .await?;
    let mut counts = Counts::default();
    for (status, assignment, n, latest) in rows {
        *counts.by_status.entry(status).or_default() += n;
        match assignment {
            Some(Assignment::Claimed) => counts.claimed += n,
            Some(Assignment::Assigned) => counts.assigned += n,
            None => {}
        }
        if TaskStatus::HELD.contains(&status) {
            counts.latest_held_deadline = Ord::max(counts.latest_held_deadline, latest);
        }
    }
    Ok(counts)
}

/// When the editor should be through the tasks they hold: now plus their average turnaround for
/// each, or, without a record, the latest deadline among them; none when they hold none.
pub fn estimated_completion(
    held: i64,
    turnaround_hours: Option<f64>,
    latest_deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if held <= 0 {
        return None;
    }
    match turnaround_hours {
        Some(hours) => Some(now + Duration::seconds((hours * 3600.0 * held as f64) as i64)),
        None => latest_deadline,
    }
}

/// The site's editing in numbers (admins): tasks by status, how many open ones are past their
/// deadline, and the average turnaround of the last 30 days' finished tasks. Two statements.
#[derive(Debug, Clone, Default)]
pub struct SiteEditing {
    pub by_status: HashMap<TaskStatus, i64>,
    pub overdue: i64,
    pub average_turnaround_hours: Option<f64>,
}

pub const TURNAROUND_DAYS: i64 = 30;

pub async fn site(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<SiteEditing> {
    use editing_task::Column as C;
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let now = request.now();
    let overdue_case =
        Expr::case(Expr::col(C::Status).is_in(TaskStatus::OPEN).and(Expr::col(C::Deadline).lt(now)), 1).finally(0);
    let rows: Vec<(TaskStatus, i64, Option<i64>)> = Tasks::find()
        .select_only()
        .column(C::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::expr(sea_orm::sea_query::Func::sum(overdue_case)), "overdue")
        .filter(C::TenantId.eq(tenant))
        .group_by(C::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let mut site = SiteEditing::default();
    for (status, n, overdue) in rows {
        site.by_status.insert(status, n);
        site.overdue += overdue.unwrap_or(0);
    }
    // averaged in the database (one row whatever the number of tasks)
    let average: Option<Option<f64>> = Tasks::find()
        .select_only()
        .column_as(Expr::cust("CAST(AVG(turnaround_seconds) AS DOUBLE PRECISION)"), "average")
        .filter(C::TenantId.eq(tenant))
        .filter(C::Status.is_in([TaskStatus::Completed, TaskStatus::Rejected]))
        .filter(C::FinishedAt.gte(now - Duration::days(TURNAROUND_DAYS)))
        .into_tuple()
        .one(conn)
        .await?;
    site.average_turnaround_hours = average.flatten().map(|seconds| seconds / 3600.0);
    Ok(site)
}
