//! Feedback on writers (the `writerFeedback` feature): ratings from 1 to 5 for quality,
//! communication, timeliness and following instructions, a comment, public or private. A
//! client rates the writer of their completed order, once (the table's key decides it); the
//! writer's totals grow in the same transaction, in the database. The writer and staff read
//! all of it; public feedback is what a portfolio may show.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Feature, PageArgs, Paged, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::writer_feedback::{self, Entity as Feedback, Model as FeedbackRow};
use crate::entity::writer_feedback_total::{self, Entity as Totals};
use crate::service::profiles;

/// How long a comment may be.
pub const MAX_COMMENT: usize = 2000;
/// The trend compares the last this many days with the same span before.
pub const TREND_DAYS: i64 = 90;

/// The four ratings, each 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratings {
    pub quality: i16,
    pub communication: i16,
    pub timeliness: i16,
    pub following_instructions: i16,
}

impl Ratings {
    fn check(self) -> AppResult<Self> {
        for (field, value) in [
            ("input.quality", self.quality),
            ("input.communication", self.communication),
            ("input.timeliness", self.timeliness),
            ("input.followingInstructions", self.following_instructions),
        ] {
            if !(1..=5).contains(&value) {
                return Err(AppError::bad_input(field, "a rating is from 1 to 5"));
            }
        }
        Ok(self)
    }
}

/// The client of a completed order rates its writer, once.
pub async fn leave(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: Uuid,
    ratings: Ratings,
    comment: &str,
    public: bool,
) -> AppResult<FeedbackRow> {
    request.require_feature(Feature::WriterFeedback)?;
    let viewer = request.require_role(&[Role::Client])?;
    let ratings = ratings.check()?;
    let comment =
        if comment.trim().is_empty() { String::new() } else { validate::text("input.comment", comment, MAX_COMMENT)? };
    // the viewer's own order (another's is NOT_FOUND), completed, with a writer
    let writer = orders::service::access::completed_writer(conn, request, order).await?;
    let tenant = request.tenant()?.id;
    let now = request.now();
    let row = FeedbackRow {
        id: new_id(),
        tenant_id: tenant,
        order_id: order,
        writer_id: writer,
        author_id: viewer.user_id,
        author_role: "CLIENT".into(),
        quality: ratings.quality,
        communication: ratings.communication,
        timeliness: ratings.timeliness,
        following_instructions: ratings.following_instructions,
        comment,
        public,
        created_at: now,
    };
    Feedback::insert(writer_feedback::ActiveModel::from(row.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "orderId", "you have already rated this order"))?;
    // the totals grow in the database (two feedbacks at once both count)
    let add = |column: writer_feedback_total::Column, by: i16| Expr::col((Totals, column)).add(i64::from(by));
    let first = writer_feedback_total::Model {
        writer_id: writer,
        tenant_id: tenant,
        count: 1,
        quality_sum: ratings.quality.into(),
        communication_sum: ratings.communication.into(),
        timeliness_sum: ratings.timeliness.into(),
        following_instructions_sum: ratings.following_instructions.into(),
        editor_count: 0,
        editor_quality_sum: 0,
        editor_instructions_sum: 0,
        updated_at: now,
    };
    use writer_feedback_total::Column as T;
    Totals::insert(writer_feedback_total::ActiveModel::from(first))
        .on_conflict(
            OnConflict::column(T::WriterId)
                .value(T::Count, Expr::col((Totals, T::Count)).add(1))
                .value(T::QualitySum, add(T::QualitySum, ratings.quality))
                .value(T::CommunicationSum, add(T::CommunicationSum, ratings.communication))
                .value(T::TimelinessSum, add(T::TimelinessSum, ratings.timeliness))
                .value(T::FollowingInstructionsSum, add(T::FollowingInstructionsSum, ratings.following_instructions))
                .value(T::UpdatedAt, Expr::value(now))
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(row)
}

/// Averages of the four ratings and of all four together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Averages {
    pub quality: f64,
    pub communication: f64,
    pub timeliness: f64,
    pub following_instructions: f64,
    pub overall: f64,
}

/// A writer's feedback in numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: i64,
    /// None before the first feedback.
    pub averages: Option<Averages>,
    /// The overall average of the last `TREND_DAYS` days and of the same span before (none
    /// without feedback in it).
    pub recent: Option<f64>,
    pub before: Option<f64>,
    /// What editors' reviews said (none before the first): how many, and the averages of their
    /// quality and following-instructions ratings, 1 to 5.
    pub from_editors: Option<EditorAverages>,
}

/// Editors' reviews of a writer's work, in numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EditorAverages {
    pub count: i64,
    pub quality: f64,
    pub following_instructions: f64,
}

fn editor_averages_of(t: &writer_feedback_total::Model) -> Option<EditorAverages> {
    (t.editor_count > 0).then(|| EditorAverages {
        count: t.editor_count,
        quality: t.editor_quality_sum as f64 / t.editor_count as f64,
        following_instructions: t.editor_instructions_sum as f64 / t.editor_count as f64,
    })
}

/// The writer whose feedback the viewer may read: their own (a writer), or any (staff).
async fn readable(conn: &impl ConnectionTrait, request: &RequestContext, writer: Uuid) -> AppResult<()> {
    request.require_feature(Feature::WriterFeedback)?;
    profiles::get(conn, request, Some(writer)).await.map(|_| ())
}

/// The overall average of a writer (for a dashboard): none before the first feedback or with
/// the feature off.
pub async fn overall(conn: &impl ConnectionTrait, request: &RequestContext, writer: Uuid) -> AppResult<Option<f64>> {
    if !request.tenant()?.features.is_on(Feature::WriterFeedback) {
        return Ok(None);
    }
    Ok(totals(conn, request.tenant()?.id, writer).await?.map(|(_, a)| a.overall))
}

/// Feedback in numbers from a writer's running totals.
fn averages_of(t: &writer_feedback_total::Model) -> Option<(i64, Averages)> {
    if t.count <= 0 {
        return None;
    }
    let n = t.count as f64;
    let sum = t.quality_sum + t.communication_sum + t.timeliness_sum + t.following_instructions_sum;
    Some((
        t.count,
        Averages {
            quality: t.quality_sum as f64 / n,
            communication: t.communication_sum as f64 / n,
            timeliness: t.timeliness_sum as f64 / n,
            following_instructions: t.following_instructions_sum as f64 / n,
            overall: sum as f64 / (4.0 * n),
        },
    ))
}

/// How many, and the averages (one statement).
async fn totals(conn: &impl ConnectionTrait, tenant: Uuid, writer: Uuid) -> AppResult<Option<(i64, Averages)>> {
    let found = Totals::find_by_id(writer).filter(writer_feedback_total::Column::TenantId.eq(tenant)).one(conn).await?;
    Ok(found.as_ref().and_then(averages_of))
}

/// The feedback in numbers of each of `writers` (the viewer's own, or any for staff): two
/// statements whatever their number.
pub async fn summaries(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writers: &[Uuid],
) -> AppResult<HashMap<Uuid, Summary>> {
    request.require_feature(Feature::WriterFeedback)?;
    let viewer = request.viewer()?;
    match viewer.role {
        Role::Writer if writers.iter().all(|w| *w == viewer.user_id) => {}
        Role::Writer => return Err(AppError::not_found("writer")),
        role if profiles::STAFF.contains(&role) => {}
        _ => return Err(AppError::forbidden("only writers and staff read writer profiles")),
    }
    let mut found: HashMap<Uuid, Summary> = writers
        .iter()
        .map(|w| (*w, Summary { count: 0, averages: None, recent: None, before: None, from_editors: None }))
        .collect();
    if writers.is_empty() {
        return Ok(found);
    }
    let tenant = request.tenant()?.id;
    let ids = kernel::db::in_list(writers);
    for t in Totals::find()
        .filter(writer_feedback_total::Column::TenantId.eq(tenant))
        .filter(writer_feedback_total::Column::WriterId.is_in(ids.clone()))
        .all(conn)
        .await?
    {
        if let Some(summary) = found.get_mut(&t.writer_id) {
            if let Some((count, averages)) = averages_of(&t) {
                (summary.count, summary.averages) = (count, Some(averages));
            }
            summary.from_editors = editor_averages_of(&t);
        }
    }
    let split = request.now() - Duration::days(TREND_DAYS);
    for (writer, recent, before) in trends(conn, tenant, &ids, split - Duration::days(TREND_DAYS), split).await? {
        if let Some(summary) = found.get_mut(&writer) {
            (summary.recent, summary.before) = (recent, before);
        }
    }
    Ok(found)
}

/// Each writer's overall average from `split` on, and from `from` to `split` (one statement).
async fn trends(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writers: &[Uuid],
    from: DateTime<Utc>,
    split: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, Option<f64>, Option<f64>)>> {
    use writer_feedback::Column as F;
    let points = || {
        Expr::col(F::Quality)
            .add(Expr::col(F::Communication))
            .add(Expr::col(F::Timeliness))
            .add(Expr::col(F::FollowingInstructions))
    };
    // bound values only inside the aggregates, grouped by a plain column: the same statement on
    // both backends
    let sum = |recent: bool, value: Expr| {
        let when = if recent { Expr::col(F::CreatedAt).gte(split) } else { Expr::col(F::CreatedAt).lt(split) };
        Expr::expr(Func::sum(Expr::case(when, value).finally(0)))
    };
    // the writer, then points and count of the recent span, then of the one before
    type Sums = (Uuid, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Sums> = Feedback::find()
        .select_only()
        .column(F::WriterId)
        .column_as(sum(true, points()), "recent_points")
        .column_as(sum(true, Expr::val(1)), "recent_n")
        .column_as(sum(false, points()), "before_points")
        .column_as(sum(false, Expr::val(1)), "before_n")
        .filter(F::TenantId.eq(tenant))
        .filter(F::WriterId.is_in(writers.to_vec()))
        .filter(F::CreatedAt.gte(from))
        .group_by(F::WriterId)
        .into_tuple()
        .all(conn)
        .await?;
    let average = |points: Option<i64>, n: Option<i64>| match (points, n) {
        (Some(p), Some(n)) if n > 0 => Some(p as f64 / (4.0 * n as f64)),
        _ => None,
    };
    Ok(rows.into_iter().map(|(w, rp, rn, bp, bn)| (w, average(rp, rn), average(bp, bn))).collect())
}

/// The writer's feedback, newest first, private included (the writer and staff).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: Uuid,
    page: PageArgs,
) -> AppResult<Paged<FeedbackRow>> {
    readable(conn, request, writer).await?;
    let query = Feedback::find()
        .filter(writer_feedback::Column::TenantId.eq(request.tenant()?.id))
        .filter(writer_feedback::Column::WriterId.eq(writer));
    paginate(conn, query, writer_feedback::Column::Id, Order::newest_first(), page).await
}

/// The overall average of `writer`'s public feedback (what a portfolio may show): one statement.
pub async fn public_average(conn: &impl ConnectionTrait, tenant: Uuid, writer: Uuid) -> AppResult<Option<f64>> {
    use writer_feedback::Column as F;
    let points = Expr::col(F::Quality)
        .add(Expr::col(F::Communication))
        .add(Expr::col(F::Timeliness))
        .add(Expr::col(F::FollowingInstructions));
    let row: Option<(Option<i64>, i64)> = Feedback::find()
        .select_only()
        .column_as(Expr::expr(Func::sum(points)), "points")
        .column_as(F::Id.count(), "n")
        .filter(F::TenantId.eq(tenant))
        .filter(F::WriterId.eq(writer))
        .filter(F::Public.eq(true))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(match row {
        Some((Some(points), n)) if n > 0 => Some(points as f64 / (4.0 * n as f64)),
        _ => None,
    })
}
