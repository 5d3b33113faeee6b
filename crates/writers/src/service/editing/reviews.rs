//! The editor's review of a task's work: a quality score from 1 to 10, the issues found (each a
//! category, a severity and a note), the corrections made, and a summary. One per task, which
//! the editor may submit again until the task is finished; it goes when the task leaves them.
//! When the task is finished it feeds the writer's feedback: its quality, and how well the
//! instructions were followed, each on the feedback's 1-to-5 scale, added to the writer's
//! totals once (the task's finishing is a conditional update).

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, RequestContext, validate};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::tasks::{self, Step};
use crate::entity::editing_review::{self, Entity as Reviews, Issue, IssueCategory, IssueSeverity, Issues};
use crate::entity::editing_task::Model as Task;
use crate::entity::writer_feedback_total::{self, Entity as Totals};

pub const MAX_ISSUES: usize = 50;
pub const MAX_NOTE: usize = 2000;
pub const MAX_CORRECTIONS: usize = 20_000;
pub const MAX_SUMMARY: usize = 2000;

/// A review as the editor writes it.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub quality_score: i32,
    pub issues: Vec<Issue>,
    pub corrections: String,
    pub summary: String,
}

/// The editor submits (or replaces) their review of the task they work on.
pub async fn submit(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    task: Uuid,
    input: ReviewInput,
) -> AppResult<()> {
    let score = i16::try_from(input.quality_score)
        .ok()
        .filter(|s| (1..=10).contains(s))
        .ok_or_else(|| AppError::bad_input("input.qualityScore", "a quality score is from 1 to 10"))?;
    if input.issues.len() > MAX_ISSUES {
        return Err(AppError::bad_input("input.issues", format!("at most {MAX_ISSUES} issues")));
    }
    let issues = input
        .issues
        .into_iter()
        .map(|i| Ok(Issue { note: validate::text("input.issues.note", &i.note, MAX_NOTE)?, ..i }))
        .collect::<AppResult<Vec<_>>>()?;
    let corrections = if input.corrections.trim().is_empty() {
        String::new()
    } else {
        validate::text("input.corrections", &input.corrections, MAX_CORRECTIONS)?
    };
    let summary = validate::text("input.summary", &input.summary, MAX_SUMMARY)?;
    let task = tasks::in_progress(conn, request, task).await?;
    let editor = request.viewer()?.user_id;
    // the task's row, held to the end: a reassignment or a give-back at once either waits for
    // this review (and removes it) or went first (and this finds the task no longer theirs)
    tasks::hold(conn, &task, editor).await?;
    let row = editing_review::Model {
        task_id: task.id,
        tenant_id: task.tenant_id,
        editor_id: editor,
        quality_score: score,
        issues: Issues(issues),
        corrections,
        summary,
        submitted_at: request.now(),
    };
    use editing_review::Column as C;
    Reviews::insert(editing_review::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(C::TaskId)
                .update_columns([C::EditorId, C::QualityScore, C::Issues, C::Corrections, C::Summary, C::SubmittedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    tasks::record(conn, request, &task, Step::Reviewed, Some(editor), Some(format!("quality {score}/10")))
        .await
        .map(|_| ())
}

/// The review of `task`, if any.
pub async fn of_task(conn: &impl ConnectionTrait, task: &Task) -> AppResult<Option<editing_review::Model>> {
    Ok(Reviews::find_by_id(task.id).filter(editing_review::Column::TenantId.eq(task.tenant_id)).one(conn).await?)
}

/// The reviews of `tasks` (one statement).
pub async fn of_tasks(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    tasks: &[Uuid],
) -> AppResult<Vec<editing_review::Model>> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Reviews::find()
        .filter(editing_review::Column::TenantId.eq(tenant))
        .filter(editing_review::Column::TaskId.is_in(kernel::db::in_list(tasks)))
        .all(conn)
        .await?)
}

/// Removes the review of `task` (it left its editor).
pub(super) async fn discard(conn: &impl ConnectionTrait, task: &Task) -> AppResult<()> {
    Reviews::delete_many()
        .filter(editing_review::Column::TenantId.eq(task.tenant_id))
        .filter(editing_review::Column::TaskId.eq(task.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The score on the feedback's scale: 1-2 → 1, ..., 9-10 → 5.
pub fn quality_rating(score: i16) -> i16 {
    (score.clamp(1, 10) + 1) / 2
}

/// How well the instructions were followed, 1 to 5: 5 less the weight of the instruction
/// issues found (minor 1, major 2, critical 3), at least 1.
pub fn instructions_rating(issues: &[Issue]) -> i16 {
    let weight: i32 = issues
        .iter()
        .filter(|i| i.category == IssueCategory::Instructions)
        .map(|i| match i.severity {
            IssueSeverity::Minor => 1,
            IssueSeverity::Major => 2,
            IssueSeverity::Critical => 3,
        })
        .sum();
    i16::try_from(Ord::max(5 - weight, 1)).unwrap_or(1)
}

/// Adds the review to the writer's feedback totals (in the transaction that finishes the task).
pub(super) async fn feed_writer(
    conn: &impl ConnectionTrait,
    task: &Task,
    review: &editing_review::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let quality = i64::from(quality_rating(review.quality_score));
    let instructions = i64::from(instructions_rating(&review.issues.0));
    let first = writer_feedback_total::Model {
        writer_id: task.writer_id,
        tenant_id: task.tenant_id,
        count: 0,
        quality_sum: 0,
        communication_sum: 0,
        timeliness_sum: 0,
        following_instructions_sum: 0,
        editor_count: 1,
        editor_quality_sum: quality,
        editor_instructions_sum: instructions,
        updated_at: now,
    };
    use writer_feedback_total::Column as T;
    let add = |column: T, by: i64| Expr::col((Totals, column)).add(by);
    Totals::insert(writer_feedback_total::ActiveModel::from(first))
        .on_conflict(
            OnConflict::column(T::WriterId)
                .value(T::EditorCount, add(T::EditorCount, 1))
                .value(T::EditorQualitySum, add(T::EditorQualitySum, quality))
                .value(T::EditorInstructionsSum, add(T::EditorInstructionsSum, instructions))
                .value(T::UpdatedAt, Expr::value(now))
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A category as a revision request names the section to change.
pub fn category_name(category: IssueCategory) -> &'static str {
    match category {
        IssueCategory::Grammar => "Grammar",
        IssueCategory::Style => "Style",
        IssueCategory::Structure => "Structure",
        IssueCategory::Content => "Content",
        IssueCategory::Citations => "Citations",
        IssueCategory::Formatting => "Formatting",
        IssueCategory::Instructions => "Instructions",
        IssueCategory::Plagiarism => "Plagiarism",
        IssueCategory::Other => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_map_onto_the_feedback_scale() {
        assert_eq!((1..=10).map(quality_rating).collect::<Vec<_>>(), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        let issue = |category, severity| Issue { category, severity, note: "n".into() };
        assert_eq!(instructions_rating(&[]), 5);
        assert_eq!(instructions_rating(&[issue(IssueCategory::Grammar, IssueSeverity::Critical)]), 5);
        assert_eq!(instructions_rating(&[issue(IssueCategory::Instructions, IssueSeverity::Major)]), 3);
        let many = vec![issue(IssueCategory::Instructions, IssueSeverity::Critical); 3];
        assert_eq!(instructions_rating(&many), 1);
    }
}
