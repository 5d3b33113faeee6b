//! The editor's dashboard (the seed's six parts: recent tasks, available tasks, performance,
//! task analytics, recent activity, workload) and the editing part of the admins' dashboard.
//! Each part costs a fixed number of statements whatever the editor's history.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use kernel::{ContextExt, PageArgs, Role, RoleGuard, Timestamp};
use tokio::sync::OnceCell;

use super::ADMINS;
use super::editing::{EditingTask, EditingTaskFilter, related, task_view};
use crate::entity::editing_task::TaskStatus;
use crate::service::editing::dashboard::{self, Counts, Finished};
use crate::service::editing::editors::EditorRecord;
use crate::service::editing::tasks;

/// How many items a dashboard list shows at most.
const MAX_ITEMS: i32 = 50;

fn items(first: i32) -> Result<u64> {
    u64::try_from(first)
        .ok()
        .filter(|n| (1..=MAX_ITEMS as u64).contains(n))
        .ok_or_else(|| kernel::AppError::bad_input("first", format!("first must be between 1 and {MAX_ITEMS}")).into())
}

/// The weeks the record is measured over.
const RECORD_WEEKS: u32 = 12;

/// The editor's tasks finished in the last `RECORD_WEEKS`, read once for every part that
/// needs them.
#[derive(Clone)]
struct Record {
    editor: EditorRecord,
    finished: Arc<OnceCell<Vec<Finished>>>,
}

impl Record {
    async fn finished(&self, ctx: &Context<'_>) -> Result<&[Finished]> {
        let request = ctx.request();
        let now = request.now();
        let rows =
            self.finished.get_or_try_init(|| dashboard::finished(&request.db, &self.editor, now, RECORD_WEEKS)).await?;
        Ok(rows)
    }

    /// Completed and rejected per week, the last `last` weeks.
    async fn weekly(&self, ctx: &Context<'_>, last: i32) -> Result<Vec<EditingWeek>> {
        let weeks = dashboard::weeks(last)?;
        let request = ctx.request();
        let now = request.now();
        let other;
        let done = if weeks == RECORD_WEEKS {
            self.finished(ctx).await?
        } else {
            other = dashboard::finished(&request.db, &self.editor, now, weeks).await?;
            &other
        };
        Ok(dashboard::by_week(done, now, weeks)
            .into_iter()
            .map(|(start, completed, rejected)| EditingWeek { week_start: start.into(), completed, rejected })
            .collect())
    }
}

/// The viewing editor's dashboard.
pub struct EditorDashboard {
    record: Record,
    counts: OnceCell<Counts>,
}

impl EditorDashboard {
    async fn counts(&self, ctx: &Context<'_>) -> Result<&Counts> {
        let request = ctx.request();
        Ok(self.counts.get_or_try_init(|| dashboard::counts(&request.db, &self.record.editor)).await?)
    }
}

/// How many tasks in one status.
#[derive(SimpleObject)]
pub struct EditingStatusCount {
    pub status: TaskStatus,
    pub count: i64,
}

fn status_counts(by_status: &std::collections::HashMap<TaskStatus, i64>) -> Vec<EditingStatusCount> {
    use TaskStatus::*;
    [Available, Claimed, InProgress, Completed, Rejected, Cancelled]
        .into_iter()
        .map(|status| EditingStatusCount { status, count: by_status.get(&status).copied().unwrap_or(0) })
        .collect()
}

/// One week (seven days) of a series.
#[derive(SimpleObject)]
pub struct EditingWeek {
    pub week_start: Timestamp,
    /// Tasks completed (passed to the client) that week.
    pub completed: i64,
    /// Tasks rejected (sent back to the writer) that week.
    pub rejected: i64,
}

/// The editor's record.
pub struct EditorPerformance {
    record: Record,
}

#[Object]
impl EditorPerformance {
    /// Tasks completed per week, the last `last` weeks (1 to 52; seven-day spans ending now),
    /// oldest first.
    async fn completed_per_week(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] last: i32,
    ) -> Result<Vec<EditingWeek>> {
        self.record.weekly(ctx, last).await
    }
    /// Hours from getting a task to finishing it, on average over the last 12 weeks; null
    /// without a finished task.
    async fn average_turnaround(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(dashboard::average_turnaround_hours(self.record.finished(ctx).await?))
    }
    /// The share (0 to 1) of the last 12 weeks' finished tasks finished by their deadline.
    async fn on_time_rate(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(dashboard::on_time_rate(self.record.finished(ctx).await?))
    }
    /// The average quality score (1 to 10) of the editor's reviews.
    async fn average_quality_score_given(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        let request = ctx.request();
        Ok(dashboard::average_score_given(&request.db, &self.record.editor).await?)
    }
}

/// How the editor's tasks reached them.
#[derive(SimpleObject)]
pub struct EditingAssignments {
    /// Claimed from the pool.
    pub claimed: i64,
    /// Assigned by an admin.
    pub assigned: i64,
}

/// The editor's tasks in numbers.
pub struct EditorTaskAnalytics {
    record: Record,
    counts: Counts,
}

#[Object]
impl EditorTaskAnalytics {
    /// The editor's tasks (held or finished) by status.
    async fn by_status(&self) -> Vec<EditingStatusCount> {
        status_counts(&self.counts.by_status)
    }
    async fn by_assignment(&self) -> EditingAssignments {
        EditingAssignments { claimed: self.counts.claimed, assigned: self.counts.assigned }
    }
    /// Completed and rejected per week, the last `last` weeks (1 to 52), oldest first.
    async fn completion_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] last: i32,
    ) -> Result<Vec<EditingWeek>> {
        self.record.weekly(ctx, last).await
    }
}

/// One step of one of the editor's tasks.
#[derive(SimpleObject)]
pub struct EditingActivity {
    pub at: Timestamp,
    /// `OPENED`, `CLAIMED`, `ASSIGNED`, `STARTED`, `UNCLAIMED`, `REVIEWED`, `COMPLETED`,
    /// `REJECTED`, `OVERDUE` or `CANCELLED`.
    pub kind: String,
    pub task_id: ID,
    pub order_id: ID,
    /// Who took the step (null: the system).
    pub actor_id: Option<ID>,
    pub note: Option<String>,
}

/// The editor's load.
#[derive(SimpleObject)]
pub struct EditorWorkload {
    /// Tasks held now (claimed or in progress).
    pub active_tasks: i64,
    /// How many they may hold at once.
    pub limit: i32,
    /// When they should be through the tasks they hold: now plus their average turnaround for
    /// each, or, without a record, the latest deadline among them; null when they hold none.
    pub estimated_completion: Option<Timestamp>,
}

#[Object]
impl EditorDashboard {
    /// The editor's most recent tasks (by when they got them), newest first; `first` 1 to 50.
    async fn recent_tasks(&self, ctx: &Context<'_>, #[graphql(default = 10)] first: i32) -> Result<Vec<EditingTask>> {
        let request = ctx.request();
        let found = dashboard::recent(&request.db, &self.record.editor, items(first)?).await?;
        let mut related = related(ctx, &found, &ctx.look_ahead()).await?;
        let now = request.now();
        Ok(found.into_iter().map(|t| task_view(t, &mut related, now)).collect())
    }
    /// Tasks in the pool, soonest deadline first, narrowed by `filter` (its status and `mine`
    /// are ignored); `first` 1 to 50.
    async fn available_tasks(
        &self,
        ctx: &Context<'_>,
        filter: Option<EditingTaskFilter>,
        #[graphql(default = 10)] first: i32,
    ) -> Result<Vec<EditingTask>> {
        let request = ctx.request();
        let mut filter = filter.unwrap_or_default().parse()?;
        (filter.status, filter.mine) = (Some(TaskStatus::Available), false);
        let page = PageArgs::parse(Some(i32::try_from(items(first)?).unwrap_or(MAX_ITEMS)), None)?;
        let found = tasks::list(&request.db, request, &filter, page).await?.items;
        let mut related = related(ctx, &found, &ctx.look_ahead()).await?;
        let now = request.now();
        Ok(found.into_iter().map(|t| task_view(t, &mut related, now)).collect())
    }
    async fn performance(&self) -> EditorPerformance {
        EditorPerformance { record: self.record.clone() }
    }
    async fn task_analytics(&self, ctx: &Context<'_>) -> Result<EditorTaskAnalytics> {
        Ok(EditorTaskAnalytics { record: self.record.clone(), counts: self.counts(ctx).await?.clone() })
    }
    /// The latest steps of the editor's tasks, newest first; `first` 1 to 50.
    async fn recent_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<EditingActivity>> {
        let request = ctx.request();
        let steps = tasks::activity(&request.db, request, items(first)?).await?;
        Ok(steps
            .into_iter()
            .map(|e| EditingActivity {
                at: e.at.into(),
                kind: e.kind,
                task_id: ID(e.task_id.to_string()),
                order_id: ID(e.order_id.to_string()),
                actor_id: e.actor_id.map(|a| ID(a.to_string())),
                note: e.note,
            })
            .collect())
    }
    async fn workload(&self, ctx: &Context<'_>) -> Result<EditorWorkload> {
        let request = ctx.request();
        let now = request.now();
        let counts = self.counts(ctx).await?;
        let held = counts.held();
        let turnaround =
            if held > 0 { dashboard::average_turnaround_hours(self.record.finished(ctx).await?) } else { None };
        let estimate: Option<DateTime<Utc>> =
            dashboard::estimated_completion(held, turnaround, counts.latest_held_deadline, now);
        Ok(EditorWorkload {
            active_tasks: held,
            limit: self.record.editor.max_concurrent_tasks,
            estimated_completion: estimate.map(Into::into),
        })
    }
}

#[derive(Default)]
pub struct EditorDashboardQuery;

#[Object]
impl EditorDashboardQuery {
    /// The viewer's (an editor's) dashboard.
    #[graphql(guard = "RoleGuard::new(&[Role::Editor])")]
    async fn editor_dashboard(&self, ctx: &Context<'_>) -> Result<EditorDashboard> {
        let request = ctx.request();
        let editor = dashboard::editor(&request.db, request).await?;
        Ok(EditorDashboard { record: Record { editor, finished: Arc::new(OnceCell::new()) }, counts: OnceCell::new() })
    }
}

/// The site's editing in numbers.
#[derive(SimpleObject)]
pub struct AdminEditing {
    /// Tasks by status.
    pub by_status: Vec<EditingStatusCount>,
    /// Open tasks past their editor's deadline.
    pub overdue: i64,
    /// Hours from an editor getting a task to finishing it, on average over the last 30 days.
    pub average_turnaround: Option<f64>,
}

/// The workforce's part of the admins' dashboard.
#[derive(Default)]
pub struct AdminDashboardPart;

#[Object]
impl AdminDashboardPart {
    #[graphql(guard = "ADMINS")]
    async fn editing(&self, ctx: &Context<'_>) -> Result<AdminEditing> {
        let request = ctx.request();
        let site = dashboard::site(&request.db, request).await?;
        Ok(AdminEditing {
            by_status: status_counts(&site.by_status),
            overdue: site.overdue,
            average_turnaround: site.average_turnaround_hours,
        })
    }
    /// Fines: by status, appeals waiting, and issued by month and kind over the last `months`
    /// (1 to 24).
    #[graphql(guard = "ADMINS")]
    async fn fines(&self, ctx: &Context<'_>, #[graphql(default = 6)] months: i32) -> Result<super::fines::AdminFines> {
        super::fines::dashboard(ctx, months).await
    }
}
