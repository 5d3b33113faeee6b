//! Bulk editing tasks for benchmarks: `seed-demo --scale N` tops the `essays` tenant up to N/5
//! tasks on its orders that have a writer (most of them finished over the last 16 weeks, with
//! their reviews and history), and `seed-demo --editing-pool n` adds n fresh tasks to the pool
//! for the claim storm. They are written straight to the tables in large batches, not through
//! the tasks' steps: the orders keep their status (none is `UNDER_EDITING`), their timelines
//! have no `EDITING_*` entries, and no overdue check is scheduled. The editors' reviews are
//! added to the writers' feedback totals, as finishing a task does. Benchmark data only.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use kernel::{AppResult, new_id};
use orders::service::scale::WrittenOrder;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::editors::{self, DEFAULT_MAX_TASKS};
use super::reviews::{instructions_rating, quality_rating};
use super::tasks::Step;
use crate::entity::editing_review::{self, Issue, IssueCategory, IssueSeverity, Issues};
use crate::entity::editing_task::{self, Assignment, Entity as Tasks, TaskStatus};
use crate::entity::editing_task_event;
use crate::entity::writer_feedback_total::{self, Entity as Totals};

const BATCH: usize = 500;

/// One task in this many (by position; those that reach an editor) goes to the first editor, so
/// one editor has a long history (some 2,000 tasks of 20,000) for the dashboard benchmark.
const LONG_HISTORY_EVERY: usize = 10;

/// The weeks the finished tasks are spread over.
const HISTORY_WEEKS: i64 = 16;

/// How tasks end up, by weight (the weights sum to 100). A held task whose editor already holds
/// their default limit is completed instead.
const OUTCOMES: [(Outcome, u64); 5] = [
    (Outcome::Completed, 72),
    (Outcome::Rejected, 16),
    (Outcome::Cancelled, 2),
    (Outcome::Available, 5),
    (Outcome::Held, 5),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Rejected,
    Cancelled,
    Available,
    Held,
}

const CATEGORIES: [IssueCategory; 9] = [
    IssueCategory::Grammar,
    IssueCategory::Style,
    IssueCategory::Structure,
    IssueCategory::Content,
    IssueCategory::Citations,
    IssueCategory::Formatting,
    IssueCategory::Instructions,
    IssueCategory::Plagiarism,
    IssueCategory::Other,
];

const REJECTIONS: [&str; 4] = [
    "the work does not follow the client's instructions",
    "the argument is incomplete: sections 2 and 3 need rewriting",
    "too many citation errors to fix in editing",
    "parts of the text match published sources",
];

/// A small deterministic generator (splitmix64): the same count gives the same tasks every time.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// From `low` (included) to `high` (excluded); `low` when the span is empty.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        match u64::try_from(high - low) {
            Ok(span) if span > 0 => low + i64::try_from(self.next() % span).unwrap_or(0),
            _ => low,
        }
    }

    fn minutes(&mut self, low: i64, high: i64) -> Duration {
        Duration::minutes(self.range(low, high))
    }

    fn percent(&mut self) -> u64 {
        self.next() % 100
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::try_from(self.next() % items.len() as u64).unwrap_or(0)]
    }
}

/// A time-ordered id made at `at` (as a row written then would have).
fn id_at(at: DateTime<Utc>) -> Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, at.timestamp_subsec_nanos()))
}

/// How many editing tasks the tenant has.
pub async fn count(db: &DatabaseConnection, tenant: Uuid) -> AppResult<u64> {
    Ok(Tasks::find().filter(editing_task::Column::TenantId.eq(tenant)).count(db).await?)
}

/// The tenant's orders that have a writer and no editing task yet, by id.
async fn free_orders(db: &DatabaseConnection, tenant: Uuid) -> AppResult<Vec<WrittenOrder>> {
    let taken: HashSet<Uuid> = Tasks::find()
        .select_only()
        .column(editing_task::Column::OrderId)
        .filter(editing_task::Column::TenantId.eq(tenant))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(orders::service::scale::with_writers(db, tenant)
        .await?
        .into_iter()
        .filter(|order| !taken.contains(&order.0))
        .collect())
}

/// One batch's rows.
#[derive(Default)]
struct Rows {
    tasks: Vec<editing_task::ActiveModel>,
    reviews: Vec<editing_review::ActiveModel>,
    events: Vec<editing_task_event::ActiveModel>,
    /// (order, editor, when): the editors' access to the orders of their tasks.
    grants: Vec<(Uuid, Uuid, DateTime<Utc>)>,
    /// Per writer: reviews, and the sums of their quality and following-instructions ratings.
    feedback: HashMap<Uuid, (i64, i64, i64)>,
}

impl Rows {
    /// A step of `task` in its history.
    fn event(
        &mut self,
        task: &editing_task::Model,
        step: Step,
        editor: Option<Uuid>,
        actor: Option<Uuid>,
        at: DateTime<Utc>,
        note: Option<String>,
    ) {
        let kind: &'static str = step.into();
        self.events.push(editing_task_event::ActiveModel {
            id: Set(id_at(at)),
            tenant_id: Set(task.tenant_id),
            task_id: Set(task.id),
            order_id: Set(task.order_id),
            editor_id: Set(editor),
            actor_id: Set(actor),
            kind: Set(kind.to_owned()),
            at: Set(at),
            note: Set(note),
        });
    }

    /// The task reached `editor` at `at`: claimed by them or assigned by an admin (the seed
    /// knows no admin: no actor), and they may read its order from then on.
    fn got(&mut self, task: &editing_task::Model, editor: Uuid, assignment: Assignment, at: DateTime<Utc>) {
        match assignment {
            Assignment::Claimed => self.event(task, Step::Claimed, Some(editor), Some(editor), at, None),
            Assignment::Assigned => self.event(task, Step::Assigned, Some(editor), None, at, None),
        }
        self.grants.push((task.order_id, editor, at));
    }

    /// Writes the batch in one transaction.
    async fn write(self, db: &DatabaseConnection, tenant: Uuid, now: DateTime<Utc>) -> AppResult<()> {
        let Rows { tasks, reviews, events, grants, feedback } = self;
        // the orders of open tasks are under editing, as a submission would have left them
        let editing: Vec<Uuid> = tasks
            .iter()
            .filter(|t| t.status.try_as_ref().is_some_and(|s| TaskStatus::OPEN.contains(s)))
            .filter_map(|t| t.order_id.try_as_ref().copied())
            .collect();
        kernel::transaction(db, async |txn| {
            orders::service::scale::put_under_editing(txn, tenant, &editing).await?;
            for chunk in tasks.chunks(BATCH) {
                Tasks::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            for chunk in reviews.chunks(BATCH) {
                editing_review::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            for chunk in events.chunks(BATCH) {
                editing_task_event::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            orders::service::scale::grant_editors(txn, tenant, &grants).await?;
            add_feedback(txn, tenant, &feedback, now).await
        })
        .await
    }
}

/// Adds the batch's reviews to the writers' feedback totals (what finishing each task does).
async fn add_feedback(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    feedback: &HashMap<Uuid, (i64, i64, i64)>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if feedback.is_empty() {
        return Ok(());
    }
    let mut writers: Vec<_> = feedback.iter().collect();
    writers.sort_unstable_by_key(|(writer, _)| **writer);
    let rows = writers.into_iter().map(|(&writer, &(n, quality, instructions))| {
        writer_feedback_total::ActiveModel::from(writer_feedback_total::Model {
            writer_id: writer,
            tenant_id: tenant,
            count: 0,
            quality_sum: 0,
            communication_sum: 0,
            timeliness_sum: 0,
            following_instructions_sum: 0,
            editor_count: n,
            editor_quality_sum: quality,
            editor_instructions_sum: instructions,
            updated_at: now,
        })
    });
    use writer_feedback_total::Column as T;
    let add = |column: T| Expr::col((Totals, column)).add(Expr::col((Alias::new("excluded"), column)));
    Totals::insert_many(rows)
        .on_conflict(
            OnConflict::column(T::WriterId)
                .value(T::EditorCount, add(T::EditorCount))
                .value(T::EditorQualitySum, add(T::EditorQualitySum))
                .value(T::EditorInstructionsSum, add(T::EditorInstructionsSum))
                .value(T::UpdatedAt, Expr::value(now))
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The task of `order`, opened at `created` and due (the editor's deadline) at `deadline`.
fn task_of(
    order: &WrittenOrder,
    tenant: Uuid,
    created: DateTime<Utc>,
    deadline: DateTime<Utc>,
    draw: &mut Draw,
) -> editing_task::Model {
    let &(order_id, writer, pages, work_type, subject, client_deadline) = order;
    editing_task::Model {
        id: id_at(created),
        tenant_id: tenant,
        order_id,
        writer_id: writer,
        pages,
        work_type_id: Some(work_type),
        subject_id: Some(subject),
        status: TaskStatus::Available,
        assignment: None,
        editor_id: None,
        deadline,
        // the order's, unless it is before the editor's (the seeded orders' deadlines are spread
        // over the past year; the tasks' over the last weeks)
        client_deadline: if client_deadline > deadline {
            client_deadline
        } else {
            deadline + draw.minutes(6 * 60, 72 * 60)
        },
        created_at: created,
        claimed_at: None,
        started_at: None,
        finished_at: None,
        turnaround_seconds: None,
        overdue_at: None,
        note: None,
    }
}

/// An editor's review of finished work: a good score and minor issues for passed work, a poor
/// one and at least one serious issue for rejected work.
fn review_of(draw: &mut Draw, passed: bool) -> (i16, Vec<Issue>) {
    let (score, issues) =
        if passed { (draw.range(6, 11), draw.range(0, 3)) } else { (draw.range(2, 7), draw.range(1, 4)) };
    let issues = (0..issues)
        .map(|i| {
            let severity = match (passed, i, draw.percent()) {
                (false, 0, p) if p < 40 => IssueSeverity::Critical,
                (false, 0, _) => IssueSeverity::Major,
                (_, _, p) if p < 70 => IssueSeverity::Minor,
                (_, _, p) if p < 95 => IssueSeverity::Major,
                _ => IssueSeverity::Critical,
            };
            let category = draw.pick(&CATEGORIES);
            Issue { category, severity, note: format!("{category:?} issue in section {}", i + 1).to_lowercase() }
        })
        .collect();
    (i16::try_from(score).unwrap_or(5), issues)
}

/// Adds `missing` editing tasks on the tenant's orders that have a writer and no task yet (as
/// many as there are), as of `now`: most finished (completed or rejected) over the last 16 weeks
/// with their review and history (opened, claimed or assigned, started, reviewed, finished), a
/// few cancelled, some in the pool, and some held by `editors`, none of whom holds more than
/// the default limit (3) after it. The tasks at every `LONG_HISTORY_EVERY`th position that reach
/// an editor go to the first one. Calls `progress` with each batch's size.
pub async fn seed_tasks(
    db: &DatabaseConnection,
    tenant: Uuid,
    now: DateTime<Utc>,
    editors: &[Uuid],
    missing: u64,
    progress: impl Fn(u64),
) -> AppResult<()> {
    let Some(&first_editor) = editors.first() else { return Ok(()) };
    let free = free_orders(db, tenant).await?;
    let count = usize::try_from(missing).unwrap_or(usize::MAX).min(free.len());
    let mut held = editors::held(db, tenant, editors).await?;
    let limit = i64::from(DEFAULT_MAX_TASKS);
    let mut seeded = 0usize;
    for batch in free[..count].chunks(BATCH) {
        // seeded by what is left, so the same count gives the same tasks every time
        let mut draw = Draw(0x5EED_0000_0000_0000 ^ (count - seeded) as u64);
        let mut rows = Rows::default();
        for (k, order) in batch.iter().enumerate() {
            let position = seeded + k;
            let roll = draw.percent();
            let mut outcome = Outcome::Completed;
            let mut cumulative = 0;
            for (candidate, weight) in OUTCOMES {
                cumulative += weight;
                if roll < cumulative {
                    outcome = candidate;
                    break;
                }
            }
            // by position, not by a draw (drawn anyway): the other tasks stay as they were
            let drawn = draw.pick(editors);
            let editor = if position.is_multiple_of(LONG_HISTORY_EVERY) { first_editor } else { drawn };
            if outcome == Outcome::Held {
                let holds = held.entry(editor).or_default();
                if *holds >= limit {
                    outcome = Outcome::Completed;
                } else {
                    *holds += 1;
                }
            }
            let assignment = if draw.percent() < 85 { Assignment::Claimed } else { Assignment::Assigned };
            match outcome {
                Outcome::Available => {
                    let created = now - draw.minutes(5, 48 * 60);
                    let task = task_of(order, tenant, created, created + draw.minutes(24 * 60, 120 * 60), &mut draw);
                    rows.event(&task, Step::Opened, None, Some(task.writer_id), created, None);
                    rows.tasks.push(task.into());
                }
                Outcome::Cancelled => {
                    let created = now - draw.minutes(60, HISTORY_WEEKS * 7 * 24 * 60);
                    let finished = Ord::min(created + draw.minutes(60, 48 * 60), now);
                    let note = "the order was cancelled".to_owned();
                    let mut task = task_of(order, tenant, created, created + draw.minutes(24 * 60, 96 * 60), &mut draw);
                    task.status = TaskStatus::Cancelled;
                    task.finished_at = Some(finished);
                    task.note = Some(note.clone());
                    rows.event(&task, Step::Opened, None, Some(task.writer_id), created, None);
                    rows.event(&task, Step::Cancelled, None, None, finished, Some(note));
                    rows.tasks.push(task.into());
                }
                Outcome::Held => {
                    let claimed = now - draw.minutes(10, 48 * 60);
                    let created = claimed - draw.minutes(5, 12 * 60);
                    let mut task = task_of(order, tenant, created, claimed + draw.minutes(12 * 60, 96 * 60), &mut draw);
                    task.status = TaskStatus::Claimed;
                    task.editor_id = Some(editor);
                    task.assignment = Some(assignment);
                    task.claimed_at = Some(claimed);
                    rows.event(&task, Step::Opened, None, Some(task.writer_id), created, None);
                    rows.got(&task, editor, assignment, claimed);
                    if draw.percent() < 60 {
                        let started = claimed + draw.minutes(0, Ord::min(120, (now - claimed).num_minutes()));
                        task.status = TaskStatus::InProgress;
                        task.started_at = Some(started);
                        rows.event(&task, Step::Started, Some(editor), Some(editor), started, None);
                    }
                    rows.tasks.push(task.into());
                }
                Outcome::Completed | Outcome::Rejected => {
                    let passed = outcome == Outcome::Completed;
                    let finished = now - draw.minutes(10, HISTORY_WEEKS * 7 * 24 * 60);
                    let turnaround = draw.minutes(2 * 60, 72 * 60);
                    let claimed = finished - turnaround;
                    let created = claimed - draw.minutes(5, 24 * 60);
                    let started = claimed + draw.minutes(0, Ord::min(240, turnaround.num_minutes() - 30));
                    let reviewed = finished - draw.minutes(1, 20);
                    let mut task = task_of(order, tenant, created, claimed + draw.minutes(24 * 60, 96 * 60), &mut draw);
                    let note = (!passed).then(|| draw.pick(&REJECTIONS).to_owned());
                    task.status = if passed { TaskStatus::Completed } else { TaskStatus::Rejected };
                    task.editor_id = Some(editor);
                    task.assignment = Some(assignment);
                    task.claimed_at = Some(claimed);
                    task.started_at = Some(started);
                    task.finished_at = Some(finished);
                    task.turnaround_seconds = Some((finished - claimed).num_seconds());
                    task.note = note.clone();
                    let (score, issues) = review_of(&mut draw, passed);
                    let feedback = rows.feedback.entry(task.writer_id).or_default();
                    feedback.0 += 1;
                    feedback.1 += i64::from(quality_rating(score));
                    feedback.2 += i64::from(instructions_rating(&issues));
                    rows.reviews.push(editing_review::ActiveModel {
                        task_id: Set(task.id),
                        tenant_id: Set(tenant),
                        editor_id: Set(editor),
                        quality_score: Set(score),
                        issues: Set(Issues(issues)),
                        corrections: Set(if passed {
                            "Tightened the wording, fixed punctuation and the reference list's formatting.".to_owned()
                        } else {
                            String::new()
                        }),
                        summary: Set(if passed {
                            "Good work: ready for the client after light edits.".to_owned()
                        } else {
                            "Needs the writer's revision before it can go to the client.".to_owned()
                        }),
                        submitted_at: Set(reviewed),
                    });
                    rows.event(&task, Step::Opened, None, Some(task.writer_id), created, None);
                    rows.got(&task, editor, assignment, claimed);
                    rows.event(&task, Step::Started, Some(editor), Some(editor), started, None);
                    rows.event(
                        &task,
                        Step::Reviewed,
                        Some(editor),
                        Some(editor),
                        reviewed,
                        Some(format!("quality {score}/10")),
                    );
                    let end = if passed { Step::Completed } else { Step::Rejected };
                    rows.event(&task, end, Some(editor), Some(editor), finished, note);
                    rows.tasks.push(task.into());
                }
            }
        }
        rows.write(db, tenant, now).await?;
        seeded += batch.len();
        progress(batch.len() as u64);
    }
    Ok(())
}

/// Adds `count` tasks to the pool (`AVAILABLE`, opened `now`, due in one to three days) on the
/// tenant's orders that have a writer and no task yet, for the claim storm, and puts those
/// orders under editing; answers their ids (fewer when fewer orders are free). One transaction.
pub async fn seed_pool(db: &DatabaseConnection, tenant: Uuid, now: DateTime<Utc>, count: u64) -> AppResult<Vec<Uuid>> {
    let free = free_orders(db, tenant).await?;
    let count = usize::try_from(count).unwrap_or(usize::MAX).min(free.len());
    let mut draw = Draw(0x9001_0000_0000_0000 ^ count as u64);
    let mut rows = Rows::default();
    let mut ids = Vec::with_capacity(count);
    for order in &free[..count] {
        let mut task = task_of(order, tenant, now, now + draw.minutes(24 * 60, 72 * 60), &mut draw);
        // ids made now (the times are equal): distinct, and in the order written
        task.id = new_id();
        rows.event(&task, Step::Opened, None, Some(task.writer_id), now, None);
        ids.push(task.id);
        rows.tasks.push(task.into());
    }
    if !ids.is_empty() {
        rows.write(db, tenant, now).await?;
    }
    Ok(ids)
}
