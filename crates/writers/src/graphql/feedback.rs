//! Feedback on writers: clients rate a completed order's writer; the writer and staff read it.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Timestamp, parse_id, write};

use crate::entity::writer_feedback::Model as FeedbackRow;
use crate::service::feedback::{self, Averages, Ratings, Summary};

/// One feedback on a writer.
#[derive(SimpleObject)]
pub struct WriterFeedback {
    pub id: ID,
    pub order_id: ID,
    /// `CLIENT` (or `EDITOR`).
    pub author_role: String,
    pub quality: i32,
    pub communication: i32,
    pub timeliness: i32,
    pub following_instructions: i32,
    pub comment: String,
    /// Shown on the writer's portfolio; private feedback only to the writer and staff.
    pub public: bool,
    pub created_at: Timestamp,
}

impl From<FeedbackRow> for WriterFeedback {
    fn from(f: FeedbackRow) -> Self {
        WriterFeedback {
            id: ID(f.id.to_string()),
            order_id: ID(f.order_id.to_string()),
            author_role: f.author_role,
            quality: f.quality.into(),
            communication: f.communication.into(),
            timeliness: f.timeliness.into(),
            following_instructions: f.following_instructions.into(),
            comment: f.comment,
            public: f.public,
            created_at: f.created_at.into(),
        }
    }
}

/// Average ratings, 1 to 5.
#[derive(SimpleObject)]
pub struct FeedbackAverages {
    pub quality: f64,
    pub communication: f64,
    pub timeliness: f64,
    pub following_instructions: f64,
    /// All four together.
    pub overall: f64,
}

impl From<Averages> for FeedbackAverages {
    fn from(a: Averages) -> Self {
        FeedbackAverages {
            quality: a.quality,
            communication: a.communication,
            timeliness: a.timeliness,
            following_instructions: a.following_instructions,
            overall: a.overall,
        }
    }
}

/// A writer's feedback in numbers.
#[derive(SimpleObject)]
pub struct FeedbackSummary {
    pub count: i64,
    /// Null before the first feedback.
    pub averages: Option<FeedbackAverages>,
    /// The overall average of the last 90 days, and of the 90 days before (null without
    /// feedback in them).
    pub last_90_days: Option<f64>,
    pub previous_90_days: Option<f64>,
    /// What editors' reviews of the writer's work said (null before the first).
    pub from_editors: Option<EditorFeedback>,
}

/// Editors' reviews of a writer's work in numbers: how many, and the averages (1 to 5) of the
/// quality they found and of how well the instructions were followed.
#[derive(SimpleObject)]
pub struct EditorFeedback {
    pub count: i64,
    pub quality: f64,
    pub following_instructions: f64,
}

impl From<Summary> for FeedbackSummary {
    fn from(s: Summary) -> Self {
        FeedbackSummary {
            count: s.count,
            averages: s.averages.map(Into::into),
            last_90_days: s.recent,
            previous_90_days: s.before,
            from_editors: s.from_editors.map(|e| EditorFeedback {
                count: e.count,
                quality: e.quality,
                following_instructions: e.following_instructions,
            }),
        }
    }
}

#[derive(InputObject)]
pub struct WriterFeedbackInput {
    /// Each from 1 to 5.
    pub quality: i32,
    pub communication: i32,
    pub timeliness: i32,
    pub following_instructions: i32,
    pub comment: Option<String>,
    /// Whether the writer's portfolio may show it (default: private).
    #[graphql(default)]
    pub public: bool,
}

fn rating(field: &str, value: i32) -> Result<i16> {
    i16::try_from(value).map_err(|_| kernel::AppError::bad_input(field, "a rating is from 1 to 5").into())
}

#[derive(Default)]
pub struct FeedbackMutation;

#[Object]
impl FeedbackMutation {
    /// The client rates the writer of their completed order, once (the `writerFeedback` feature).
    #[graphql(guard = "kernel::RoleGuard::new(&[kernel::Role::Client])")]
    async fn leave_writer_feedback(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: WriterFeedbackInput,
    ) -> Result<WriterFeedback> {
        let request = ctx.request();
        let order = parse_id("orderId", &order_id)?;
        let ratings = Ratings {
            quality: rating("input.quality", input.quality)?,
            communication: rating("input.communication", input.communication)?,
            timeliness: rating("input.timeliness", input.timeliness)?,
            following_instructions: rating("input.followingInstructions", input.following_instructions)?,
        };
        let comment = input.comment.unwrap_or_default();
        let left =
            write(request, async |txn| feedback::leave(txn, request, order, ratings, &comment, input.public).await)
                .await?;
        Ok(left.into())
    }
}

/// The feedback fields of a writer's profile.
pub(super) async fn summary_of(ctx: &Context<'_>, writer: uuid::Uuid) -> Result<FeedbackSummary> {
    let request = ctx.request();
    let mut found = feedback::summaries(&request.db, request, &[writer]).await?;
    let summary = found.remove(&writer).ok_or_else(|| kernel::AppError::internal("no feedback summary"))?;
    Ok(summary.into())
}

pub(super) async fn page_of(
    ctx: &Context<'_>,
    writer: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<IdConnection<WriterFeedback>> {
    let request = ctx.request();
    let page = PageArgs::of_field(ctx, first, after)?;
    let paged = feedback::list(&request.db, request, writer, page).await?;
    Ok(paged.into_connection(|f| f.id, WriterFeedback::from))
}
