//! Editing tasks, one per submission of work that needs an editor. Each step is a conditional
//! update of the task's row from the status it must be in, so of two racing steps one wins and
//! the other is `CONFLICT`; a claim also holds the editor's lock to the end of its transaction,
//! so their limit counts what the last committed claim left (as the writers' gate does). Every
//! step is written to the task's history (an editor's recent activity) and the order's timeline.

use chrono::{DateTime, Duration, Utc};
use jobs::{JobRun, NewJob};
use kernel::pagination::{Direction, Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, Reason, RequestContext, Role, new_id, validate};
use notifications::NotificationKind;
use orders::service::editing::EditedOrder;
use orders::service::revisions::{self, RevisionChange, RevisionSeverity};
use orders::service::{access, actions, lifecycle, notices};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::editors::{self, EditorRecord};
use super::reviews;
use super::{ADMINS, settings};
use crate::entity::editing_review::IssueSeverity;
use crate::entity::editing_task::{self, Assignment, Entity as Tasks, Model as Task, TaskStatus};
use crate::entity::editing_task_event::{self, Entity as Events};
use crate::entity::editor_profile::EditorStatus;

/// The job that flags a task still open at its deadline.
pub const OVERDUE: &str = "editing.overdue";
/// How long a reason may be.
pub const MAX_REASON: usize = 2000;
/// The writer's time to redo rejected work when the client's deadline leaves none.
const MIN_REDO_HOURS: i64 = 24;

/// The steps of a task, as its history and the order's timeline (`EDITING_<step>`) name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Step {
    Opened,
    Claimed,
    Assigned,
    Started,
    Unclaimed,
    Reviewed,
    Completed,
    Rejected,
    Overdue,
    Cancelled,
}

/// Writes a step of `task` to its history and, unless the order's own move records it, the
/// order's timeline.
pub(super) async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    task: &Task,
    step: Step,
    editor: Option<Uuid>,
    note: Option<String>,
) -> AppResult<Uuid> {
    let kind: &'static str = step.into();
    let id = new_id();
    Events::insert(editing_task_event::ActiveModel {
        id: Set(id),
        tenant_id: Set(task.tenant_id),
        task_id: Set(task.id),
        order_id: Set(task.order_id),
        editor_id: Set(editor),
        actor_id: Set(request.viewer.as_ref().map(|v| v.user_id)),
        kind: Set(kind.to_owned()),
        at: Set(request.now()),
        note: Set(note.clone()),
    })
    .exec_without_returning(conn)
    .await?;
    // the order's own move (to the client, back to the writer) is its timeline entry
    if !matches!(step, Step::Completed | Step::Rejected) {
        lifecycle::record_step(conn, request, task.order_id, &format!("EDITING_{kind}"), note).await?;
    }
    Ok(id)
}

/// The editor's deadline for work submitted `now`: their share of the time left to the
/// client's deadline (`now` itself when none is left: overdue at once).
pub fn editor_deadline(now: DateTime<Utc>, client_deadline: DateTime<Utc>, share_percent: i32) -> DateTime<Utc> {
    let left = (client_deadline - now).num_seconds();
    if left <= 0 {
        return now;
    }
    now + Duration::seconds(left * i64::from(share_percent) / 100)
}

/// Opens the task of `order`, just moved to `UNDER_EDITING` (in the submission's transaction),
/// and schedules its overdue check.
pub async fn open(conn: &impl ConnectionTrait, request: &RequestContext, order: &EditedOrder) -> AppResult<Uuid> {
    let Some(writer) = order.writer_id else { return Err(AppError::internal("work submitted with no writer")) };
    let now = request.now();
    let share = settings::of_tenant(conn, order.tenant_id).await?.editor_share_percent;
    let task = Task {
        id: new_id(),
        tenant_id: order.tenant_id,
        order_id: order.id,
        writer_id: writer,
        pages: order.pages,
        work_type_id: Some(order.work_type_id),
        subject_id: Some(order.subject_id),
        status: TaskStatus::Available,
        assignment: None,
        editor_id: None,
        deadline: editor_deadline(now, order.deadline, share),
        client_deadline: order.deadline,
        created_at: now,
        claimed_at: None,
        started_at: None,
        finished_at: None,
        turnaround_seconds: None,
        overdue_at: None,
        note: None,
    };
    Tasks::insert(editing_task::ActiveModel::from(task.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "orderId", "the order already has an open editing task"))?;
    let job = NewJob::new(OVERDUE, json!({ "task": task.id }), task.deadline)
        .for_tenant(task.tenant_id)
        .once_per(format!("{OVERDUE}:{}", task.id));
    jobs::enqueue(conn, job, now).await?;
    record(conn, request, &task, Step::Opened, None, None).await?;
    Ok(task.id)
}

/// Closes the open task of `order`, which left editing another way (cancelled).
pub async fn withdraw(conn: &impl ConnectionTrait, request: &RequestContext, order: &EditedOrder) -> AppResult<()> {
    // one statement, no read first: whatever step commits meanwhile, the open task (the
    // database re-reads a row it waited for) is the one closed
    let note = "the order was cancelled".to_owned();
    let now = request.now();
    let closed = Tasks::update_many()
        .col_expr(editing_task::Column::Status, Expr::value(TaskStatus::Cancelled))
        .col_expr(editing_task::Column::FinishedAt, Expr::value(now))
        .col_expr(editing_task::Column::Note, Expr::value(note.clone()))
        .filter(editing_task::Column::TenantId.eq(order.tenant_id))
        .filter(editing_task::Column::OrderId.eq(order.id))
        .filter(editing_task::Column::Status.is_in(TaskStatus::OPEN))
        .exec(conn)
        .await?;
    if closed.rows_affected == 0 {
        return Ok(());
    }
    // the row this transaction just closed (and holds)
    let task = Tasks::find()
        .filter(editing_task::Column::TenantId.eq(order.tenant_id))
        .filter(editing_task::Column::OrderId.eq(order.id))
        .filter(editing_task::Column::Status.eq(TaskStatus::Cancelled))
        .filter(editing_task::Column::FinishedAt.eq(now))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("a closed task not found"))?;
    record(conn, request, &task, Step::Cancelled, task.editor_id, Some(note)).await.map(|_| ())
}

/// What narrows a list of tasks.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub deadline_before: Option<DateTime<Utc>>,
    pub pages_min: Option<i32>,
    pub pages_max: Option<i32>,
    pub work_type: Option<Uuid>,
    pub subject: Option<Uuid>,
    /// Only the viewer's own (an editor's).
    pub mine: bool,
}

/// Which tasks the viewer sees: editors the pool and their own; admins and support all.
fn visible_to(request: &RequestContext) -> AppResult<Condition> {
    let viewer = request.require_role(&[Role::Editor, Role::Support, Role::Admin, Role::Superadmin])?;
    let scope = Condition::all().add(editing_task::Column::TenantId.eq(request.tenant()?.id));
    Ok(match viewer.role {
        Role::Editor => scope.add(
            Condition::any()
                .add(editing_task::Column::Status.eq(TaskStatus::Available))
                .add(editing_task::Column::EditorId.eq(viewer.user_id)),
        ),
        _ => scope,
    })
}

/// The filter as a condition; `BAD_USER_INPUT` on a filter that cannot match.
fn condition_of(request: &RequestContext, filter: &TaskFilter) -> AppResult<Condition> {
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(editing_task::Column::Status.eq(status));
    }
    if let Some(before) = filter.deadline_before {
        condition = condition.add(editing_task::Column::Deadline.lt(before));
    }
    for (field, pages) in [("filter.pagesMin", filter.pages_min), ("filter.pagesMax", filter.pages_max)] {
        if pages.is_some_and(|p| p < 0) {
            return Err(AppError::bad_input(field, "pages are 0 or more"));
        }
    }
    if let (Some(min), Some(max)) = (filter.pages_min, filter.pages_max)
        && min > max
    {
        return Err(AppError::bad_input("filter.pagesMax", "pagesMax is below pagesMin"));
    }
    if let Some(min) = filter.pages_min {
        condition = condition.add(editing_task::Column::Pages.gte(min));
    }
    if let Some(max) = filter.pages_max {
        condition = condition.add(editing_task::Column::Pages.lte(max));
    }
    if let Some(work_type) = filter.work_type {
        condition = condition.add(editing_task::Column::WorkTypeId.eq(work_type));
    }
    if let Some(subject) = filter.subject {
        condition = condition.add(editing_task::Column::SubjectId.eq(subject));
    }
    if filter.mine {
        let viewer = request.viewer()?;
        if viewer.role != Role::Editor {
            return Err(AppError::bad_input("filter.mine", "only editors hold tasks"));
        }
        condition = condition.add(editing_task::Column::EditorId.eq(viewer.user_id));
    }
    Ok(condition)
}

/// The tasks the viewer sees, filtered, soonest deadline first.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: &TaskFilter,
    page: PageArgs,
) -> AppResult<Paged<Task>> {
    let mut visible = visible_to(request)?;
    if filter.status == Some(TaskStatus::Available) {
        // the pool is every editor's to see: the tenant alone, so the pool's index serves
        visible = Condition::all().add(editing_task::Column::TenantId.eq(request.tenant()?.id));
    }
    let query = Tasks::find().filter(visible).filter(condition_of(request, filter)?);
    paginate(
        conn,
        query,
        editing_task::Column::Id,
        Order::by(editing_task::Column::Deadline, Direction::OldestFirst),
        page,
    )
    .await
}

/// The task, if the viewer sees it; `NOT_FOUND` otherwise.
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Task> {
    Tasks::find_by_id(id)
        .filter(visible_to(request)?)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("editing task"))
}

/// The task the viewing editor holds; `NOT_FOUND` for any other (whoever's it is).
async fn held_by_viewer(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Task> {
    let viewer = request.require_role(&[Role::Editor])?;
    Tasks::find_by_id(id)
        .filter(editing_task::Column::TenantId.eq(request.tenant()?.id))
        .filter(editing_task::Column::EditorId.eq(viewer.user_id))
        .filter(editing_task::Column::Status.is_in(TaskStatus::HELD))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("editing task"))
}

/// `task` moved from the status it was read in, with `columns`; `CONFLICT` when it changed
/// meanwhile (another editor claimed it, it was reassigned).
async fn move_from(
    conn: &impl ConnectionTrait,
    task: &Task,
    columns: Vec<(editing_task::Column, SimpleExpr)>,
) -> AppResult<()> {
    let mut update = Tasks::update_many()
        .filter(editing_task::Column::Id.eq(task.id))
        .filter(editing_task::Column::TenantId.eq(task.tenant_id))
        .filter(editing_task::Column::Status.eq(task.status));
    update = match task.editor_id {
        Some(editor) => update.filter(editing_task::Column::EditorId.eq(editor)),
        None => update.filter(editing_task::Column::EditorId.is_null()),
    };
    for (column, value) in columns {
        update = update.col_expr(column, value);
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(AppError::conflict("the task changed meanwhile; reload it").with_reason(Reason::Stale));
    }
    Ok(())
}

/// Holds `task`'s row to the end of the transaction while `editor` still works on it;
/// `NOT_FOUND` once it is no longer theirs, in progress.
pub(super) async fn hold(conn: &impl ConnectionTrait, task: &Task, editor: Uuid) -> AppResult<()> {
    let held = Tasks::update_many()
        .col_expr(editing_task::Column::Status, Expr::col(editing_task::Column::Status))
        .filter(editing_task::Column::Id.eq(task.id))
        .filter(editing_task::Column::TenantId.eq(task.tenant_id))
        .filter(editing_task::Column::EditorId.eq(editor))
        .filter(editing_task::Column::Status.eq(TaskStatus::InProgress))
        .exec(conn)
        .await?;
    if held.rows_affected == 0 {
        return Err(AppError::not_found("editing task"));
    }
    Ok(())
}

/// Admits `editor` to one more task, under their lock (held to the end of the transaction):
/// `CONFLICT` when they do not work now (`EDITOR_INACTIVE`) or hold their limit (`CAPACITY_FULL`).
async fn admit(conn: &impl ConnectionTrait, editor: &EditorRecord) -> AppResult<()> {
    if editor.status != EditorStatus::Active {
        return Err(AppError::conflict("the editor takes no tasks now").with_reason(Reason::EditorInactive));
    }
    kernel::db::lock_key(conn, &format!("editor_desk:{}", editor.id)).await?;
    let held = Tasks::find()
        .filter(editing_task::Column::TenantId.eq(editor.tenant_id))
        .filter(editing_task::Column::EditorId.eq(editor.id))
        .filter(editing_task::Column::Status.is_in(TaskStatus::HELD))
        .count(conn)
        .await?;
    if held >= u64::try_from(editor.max_concurrent_tasks).unwrap_or(0) {
        return Err(AppError::conflict(format!(
            "the editor holds {held} tasks, their limit of {}",
            editor.max_concurrent_tasks
        ))
        .with_reason(Reason::CapacityFull));
    }
    Ok(())
}

fn not_available(task: &Task) -> AppError {
    AppError::conflict(format!("the task is {}, not available", <&str>::from(task.status)))
        .with_reason(Reason::InvalidTransition)
}

/// The viewing editor claims a task from the pool: exactly one of any number of editors
/// claiming it at once gets it, the others `CONFLICT`. Refused to an editor who takes tasks only
/// by assignment (`FORBIDDEN`), who does not work now, who holds their limit, or (when the site
/// requires it) outside their expertise (`CONFLICT`, `OUTSIDE_EXPERTISE`).
pub async fn claim(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let viewer = request.require_role(&[Role::Editor])?;
    let tenant = request.tenant()?.id;
    // any of the site's tasks: one taken meanwhile is CONFLICT, not hidden
    let task = Tasks::find_by_id(id)
        .filter(editing_task::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("editing task"))?;
    if task.status != TaskStatus::Available {
        return Err(not_available(&task));
    }
    let editor = editors::find(conn, tenant, viewer.user_id).await?;
    if !editor.may_claim {
        return Err(AppError::forbidden("you take tasks by an admin's assignment only"));
    }
    if editor.status != EditorStatus::Active {
        return Err(AppError::conflict("you take no tasks now").with_reason(Reason::EditorInactive));
    }
    if settings::of_tenant(conn, tenant).await?.require_expertise && !editor.knows(task.subject_id, task.work_type_id) {
        return Err(AppError::conflict("the order's subject or work type is outside your expertise")
            .with_reason(Reason::OutsideExpertise));
    }
    give(conn, request, &task, &editor, Assignment::Claimed).await.map_err(|e| match e.reason {
        Some(Reason::Stale) => {
            AppError::conflict("another editor claimed the task first").with_reason(Reason::InvalidTransition)
        }
        _ => e,
    })?;
    record(conn, request, &task, Step::Claimed, Some(editor.id), None).await.map(|_| ())
}

/// Gives `task` to `editor` (claimed or assigned): its order must be under editing and the
/// editor within their limit; it starts over with them (not started), and they may read its
/// order from now on.
async fn give(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    task: &Task,
    editor: &EditorRecord,
    assignment: Assignment,
) -> AppResult<()> {
    under_editing(conn, task).await?;
    admit(conn, editor).await?;
    let now = request.now();
    move_from(
        conn,
        task,
        vec![
            (editing_task::Column::Status, Expr::value(TaskStatus::Claimed)),
            (editing_task::Column::EditorId, Expr::value(editor.id)),
            (editing_task::Column::Assignment, Expr::value(assignment)),
            (editing_task::Column::ClaimedAt, Expr::value(now)),
            (editing_task::Column::StartedAt, Expr::value(Option::<DateTime<Utc>>::None)),
        ],
    )
    .await?;
    access::grant_editor(conn, task.tenant_id, task.order_id, editor.id, now).await
}

/// `CONFLICT` unless the task's order is under editing now (not on hold, say).
async fn under_editing(conn: &impl ConnectionTrait, task: &Task) -> AppResult<()> {
    if !orders::service::editing::is_under_editing(conn, task.tenant_id, task.order_id).await? {
        return Err(
            AppError::conflict("the order is not under editing now (on hold?)").with_reason(Reason::InvalidTransition)
        );
    }
    Ok(())
}

/// An admin gives an open task to `editor` (from the pool, or from another editor: a
/// reassignment, which starts it over). The editor must work now and be under their limit;
/// they are told.
pub async fn assign(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid, editor: Uuid) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let task = get(conn, request, id).await?;
    if !TaskStatus::OPEN.contains(&task.status) {
        return Err(AppError::conflict(format!("the task is {}", <&str>::from(task.status)))
            .with_reason(Reason::InvalidTransition));
    }
    let editor = match editors::find(conn, tenant, editor).await {
        Err(e) if e.code == kernel::ErrorCode::NotFound => {
            return Err(AppError::bad_input("editorId", "not one of the site's editors"));
        }
        found => found?,
    };
    if task.editor_id == Some(editor.id) {
        return Err(AppError::conflict("the editor holds the task already").with_reason(Reason::Duplicate));
    }
    give(conn, request, &task, &editor, Assignment::Assigned).await?;
    // the last editor's review goes with them
    reviews::discard(conn, &task).await?;
    let note = task.editor_id.map(|_| "reassigned from another editor".to_owned());
    let step = record(conn, request, &task, Step::Assigned, Some(editor.id), note).await?;
    let data = json!({ "task": { "deadline": task.deadline.format("%Y-%m-%d %H:%M UTC").to_string() } });
    notices::tell_about(
        conn,
        request,
        task.order_id,
        &format!("editing_step:{step}"),
        NotificationKind::EditingTaskAssigned,
        editor.id,
        data,
    )
    .await
}

/// The editor starts the task they hold.
pub async fn start(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let task = held_by_viewer(conn, request, id).await?;
    if task.status != TaskStatus::Claimed {
        return Err(AppError::conflict("the task is started already").with_reason(Reason::InvalidTransition));
    }
    under_editing(conn, &task).await?;
    move_from(
        conn,
        &task,
        vec![
            (editing_task::Column::Status, Expr::value(TaskStatus::InProgress)),
            (editing_task::Column::StartedAt, Expr::value(request.now())),
        ],
    )
    .await?;
    record(conn, request, &task, Step::Started, task.editor_id, None).await.map(|_| ())
}

/// The editor gives the task back to the pool, saying why (their review, if any, goes).
pub async fn unclaim(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid, reason: &str) -> AppResult<()> {
    let reason = validate::text("reason", reason, MAX_REASON)?;
    let task = held_by_viewer(conn, request, id).await?;
    move_from(
        conn,
        &task,
        vec![
            (editing_task::Column::Status, Expr::value(TaskStatus::Available)),
            (editing_task::Column::EditorId, Expr::value(Option::<Uuid>::None)),
            (editing_task::Column::Assignment, Expr::value(Option::<Assignment>::None)),
            (editing_task::Column::ClaimedAt, Expr::value(Option::<DateTime<Utc>>::None)),
            (editing_task::Column::StartedAt, Expr::value(Option::<DateTime<Utc>>::None)),
            (editing_task::Column::Note, Expr::value(reason.clone())),
        ],
    )
    .await?;
    reviews::discard(conn, &task).await?;
    record(conn, request, &task, Step::Unclaimed, task.editor_id, Some(reason)).await.map(|_| ())
}

/// The task the viewing editor works on now (started); `NOT_FOUND` for another's, `CONFLICT`
/// before it is started.
pub(super) async fn in_progress(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Task> {
    let task = held_by_viewer(conn, request, id).await?;
    if task.status != TaskStatus::InProgress {
        return Err(AppError::conflict("start the task first").with_reason(Reason::InvalidTransition));
    }
    Ok(task)
}

/// The editor passes the work: the task is completed, the order goes to the client
/// (`SUBMITTED`, the client told), and the review feeds the writer's feedback. Needs the review.
pub async fn complete(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let task = in_progress(conn, request, id).await?;
    // the review of this editor (one left by an editor before them went with them)
    let review = reviews::of_task(conn, &task).await?.filter(|r| Some(r.editor_id) == task.editor_id);
    let review = review.ok_or_else(|| {
        AppError::conflict("submit your review before completing the task").with_reason(Reason::Incomplete)
    })?;
    // the order first, then the task: the order an admin's cancel takes them in too
    actions::end_editing(
        conn,
        request,
        task.order_id,
        orders::service::lifecycle::OrderAction::CompleteEditing,
        None,
        None,
    )
    .await?;
    finish(conn, request, &task, TaskStatus::Completed, None).await?;
    reviews::feed_writer(conn, &task, &review, request.now()).await?;
    record(conn, request, &task, Step::Completed, task.editor_id, None).await.map(|_| ())
}

/// The editor sends the work back to the writer: the task is rejected, the order goes to
/// `REVISION_REQUESTED` with the reason and the review's issues as a revision request, due by
/// `writer_deadline` (by default half the time left to the client's deadline, or a day when
/// none is left); the review, if any, feeds the writer's feedback.
pub async fn reject(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    reason: &str,
    writer_deadline: Option<DateTime<Utc>>,
) -> AppResult<()> {
    let reason = validate::text("reason", reason, MAX_REASON)?;
    let now = request.now();
    if let Some(deadline) = writer_deadline {
        if deadline <= now {
            return Err(AppError::bad_input("writerDeadline", "the writer's new deadline must be in the future"));
        }
        validate::deadline_within_a_year("writerDeadline", deadline, now)?;
    }
    let task = in_progress(conn, request, id).await?;
    if let Some(deadline) = writer_deadline
        && deadline > task.client_deadline
        && task.client_deadline > now
    {
        return Err(AppError::bad_input("writerDeadline", "the writer's deadline must be before the client's"));
    }
    let deadline = writer_deadline.unwrap_or_else(|| {
        if task.client_deadline > now + Duration::hours(1) {
            now + (task.client_deadline - now) / 2
        } else {
            now + Duration::hours(MIN_REDO_HOURS)
        }
    });
    let review = reviews::of_task(conn, &task).await?.filter(|r| Some(r.editor_id) == task.editor_id);
    let (severity, changes) = match &review {
        Some(r) => {
            let worst = r.issues.0.iter().map(|i| i.severity).max_by_key(|s| *s as u8);
            let severity = match worst {
                Some(IssueSeverity::Critical) => RevisionSeverity::Critical,
                Some(IssueSeverity::Major) => RevisionSeverity::Major,
                Some(IssueSeverity::Minor) => RevisionSeverity::Minor,
                None => RevisionSeverity::Moderate,
            };
            let changes = r
                .issues
                .0
                .iter()
                .map(|i| RevisionChange {
                    section: reviews::category_name(i.category).into(),
                    description: i.note.clone(),
                })
                .collect();
            (severity, changes)
        }
        None => (RevisionSeverity::Moderate, Vec::new()),
    };
    // the order first, then the task (as in `complete`)
    revisions::from_editor(conn, request, task.order_id, severity, reason.clone(), changes, deadline).await?;
    finish(conn, request, &task, TaskStatus::Rejected, Some(reason.clone())).await?;
    if let Some(review) = &review {
        reviews::feed_writer(conn, &task, review, now).await?;
    }
    record(conn, request, &task, Step::Rejected, task.editor_id, Some(reason)).await.map(|_| ())
}

async fn finish(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    task: &Task,
    to: TaskStatus,
    note: Option<String>,
) -> AppResult<()> {
    let now = request.now();
    let turnaround = task.claimed_at.map(|claimed| (now - claimed).num_seconds());
    let mut columns = vec![
        (editing_task::Column::Status, Expr::value(to)),
        (editing_task::Column::FinishedAt, Expr::value(now)),
        (editing_task::Column::TurnaroundSeconds, Expr::value(turnaround)),
    ];
    if let Some(note) = note {
        columns.push((editing_task::Column::Note, Expr::value(note)));
    }
    move_from(conn, task, columns).await
}

/// `editing.overdue`: at a task's deadline, if it is still open, it is flagged (once) and its
/// editor, if any, and the site's admins are told.
pub async fn flag_overdue(run: JobRun) -> AppResult<()> {
    let Some(id) = run.payload.get("task").and_then(|v| v.as_str()).and_then(|v| v.parse::<Uuid>().ok()) else {
        return Err(AppError::internal(format!("job {} names no task", run.id)));
    };
    let now = run.clock.now();
    let Some(task) = Tasks::find_by_id(id).one(&run.db).await? else { return Ok(()) };
    if !TaskStatus::OPEN.contains(&task.status) || task.overdue_at.is_some() || task.deadline > now {
        return Ok(());
    }
    // an order on hold is waiting for an admin, not for its editor
    if !orders::service::editing::is_under_editing(&run.db, task.tenant_id, task.order_id).await? {
        return Ok(());
    }
    let Some(request) = orders::service::timers::system(&run, task.tenant_id).await? else { return Ok(()) };
    kernel::write(&request, async |txn| {
        let flagged = Tasks::update_many()
            .col_expr(editing_task::Column::OverdueAt, Expr::value(now))
            .filter(editing_task::Column::Id.eq(task.id))
            .filter(editing_task::Column::OverdueAt.is_null())
            .filter(editing_task::Column::Status.is_in(TaskStatus::OPEN))
            .exec(txn)
            .await?;
        if flagged.rows_affected == 0 {
            return Ok(());
        }
        // the editor holding it now (read in this transaction)
        let current = Tasks::find_by_id(task.id).one(txn).await?.and_then(|t| t.editor_id);
        record(txn, &request, &task, Step::Overdue, current, None).await?;
        let mut told: Vec<Uuid> = current.into_iter().collect();
        told.extend(identity::service::users::admins(txn, task.tenant_id).await?.iter().map(|a| a.user_id));
        let data = json!({ "task": { "deadline": task.deadline.format("%Y-%m-%d %H:%M UTC").to_string() } });
        let cause = format!("editing_overdue:{}", task.id);
        for who in told {
            notices::tell_of_id(
                txn,
                now,
                task.tenant_id,
                task.order_id,
                &cause,
                NotificationKind::EditingTaskOverdue,
                who,
                data.clone(),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// Whether `task` is past its deadline and still open.
pub fn is_overdue(task: &Task, now: DateTime<Utc>) -> bool {
    TaskStatus::OPEN.contains(&task.status) && task.deadline < now
}

/// The history of the viewer's tasks (an editor's), newest first: the steps that concern them.
pub async fn activity(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    first: u64,
) -> AppResult<Vec<editing_task_event::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let viewer = request.require_role(&[Role::Editor])?;
    Ok(Events::find()
        .filter(editing_task_event::Column::TenantId.eq(request.tenant()?.id))
        .filter(editing_task_event::Column::EditorId.eq(viewer.user_id))
        .order_by_desc(editing_task_event::Column::Id)
        .limit(first)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_gets_their_share_of_the_time_left() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(editor_deadline(now, now + Duration::hours(10), 50), now + Duration::hours(5));
        assert_eq!(editor_deadline(now, now + Duration::hours(10), 1), now + Duration::minutes(6));
        // no time left: due now
        assert_eq!(editor_deadline(now, now - Duration::hours(1), 50), now);
    }
}
