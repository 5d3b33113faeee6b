//! Writers' portfolios: the writer keeps theirs; the site's visitors read it as the writer
//! chose. No field here names a client or an order, or carries private feedback.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject, Upload};
use kernel::{ContextExt, Timestamp, parse_id, write};
use orders::service::files::{self, FileStore};

use super::WRITERS;
use crate::entity::portfolio_sample::Model as SampleRow;
use crate::entity::writer_portfolio::Visibility;
use crate::service::badges;
use crate::service::portfolio::{self, NewSample, Portfolio, PortfolioFields, Review};

/// A writer's portfolio.
#[derive(SimpleObject)]
pub struct WriterPortfolio {
    pub writer_id: ID,
    pub display_name: String,
    pub visibility: Visibility,
    pub bio: String,
    pub specialties: Vec<String>,
    pub samples: Vec<PortfolioSample>,
    pub stats: PortfolioStats,
    pub badges: Vec<PortfolioBadge>,
    /// Public feedback, newest first (at most 10): the ratings and the comment only.
    pub reviews: Vec<PortfolioReview>,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PortfolioSample {
    pub id: ID,
    pub title: String,
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    /// The text of the sample ("" for a file only).
    pub excerpt: String,
    pub created_at: Timestamp,
    #[graphql(skip)]
    row: SampleRow,
}

/// A sample's uploaded file.
#[derive(SimpleObject)]
pub struct PortfolioFile {
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// What the content is, as read from it.
    pub content_type: String,
    /// Where to download it (a path on this API's host): signed, it needs no session, and works
    /// for 15 minutes; ask again for a fresh one.
    pub url: String,
}

#[ComplexObject]
impl PortfolioSample {
    /// The sample's uploaded file, if it has one.
    async fn file(&self, ctx: &Context<'_>) -> Option<PortfolioFile> {
        let s = &self.row;
        Some(PortfolioFile {
            name: s.file_name.clone()?,
            size: s.file_size_bytes?,
            content_type: s.file_content_type.clone()?,
            url: files::url_of(ctx.data_unchecked::<Arc<FileStore>>(), ctx.request(), s.tenant_id, s.id),
        })
    }
}

#[derive(SimpleObject)]
pub struct PortfolioStats {
    pub completed_orders: i64,
    /// Shares from 0 to 1; null before the first completed order.
    pub on_time_rate: Option<f64>,
    /// The public ratings together, 1 to 5; null before the first (or with writer feedback off).
    pub average_rating: Option<f64>,
}

#[derive(SimpleObject)]
pub struct PortfolioBadge {
    pub code: String,
    pub name: String,
    pub awarded_at: Timestamp,
}

#[derive(SimpleObject)]
pub struct PortfolioReview {
    pub quality: i32,
    pub communication: i32,
    pub timeliness: i32,
    pub following_instructions: i32,
    pub comment: String,
    pub created_at: Timestamp,
}

impl From<SampleRow> for PortfolioSample {
    fn from(s: SampleRow) -> Self {
        PortfolioSample {
            id: ID(s.id.to_string()),
            title: s.title.clone(),
            subject_id: s.subject_id.map(|id| ID(id.to_string())),
            work_type_id: s.work_type_id.map(|id| ID(id.to_string())),
            excerpt: s.excerpt.clone(),
            created_at: s.created_at.into(),
            row: s,
        }
    }
}

impl From<Review> for PortfolioReview {
    fn from(r: Review) -> Self {
        PortfolioReview {
            quality: r.quality.into(),
            communication: r.communication.into(),
            timeliness: r.timeliness.into(),
            following_instructions: r.following_instructions.into(),
            comment: r.comment,
            created_at: r.created_at.into(),
        }
    }
}

impl From<Portfolio> for WriterPortfolio {
    fn from(p: Portfolio) -> Self {
        WriterPortfolio {
            writer_id: ID(p.writer_id.to_string()),
            display_name: p.display_name,
            visibility: p.visibility,
            bio: p.bio,
            specialties: p.specialties,
            samples: p.samples.into_iter().map(Into::into).collect(),
            stats: PortfolioStats {
                completed_orders: p.completed_orders,
                on_time_rate: p.on_time_rate,
                average_rating: p.average_rating,
            },
            badges: p
                .badges
                .iter()
                .filter_map(|a| {
                    badges::badge(&a.code).map(|b| PortfolioBadge {
                        code: b.code.to_owned(),
                        name: b.name.to_owned(),
                        awarded_at: a.awarded_at.into(),
                    })
                })
                .collect(),
            reviews: p.reviews.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(InputObject, Default)]
pub struct WriterPortfolioInput {
    pub visibility: Option<Visibility>,
    pub bio: Option<String>,
    pub specialties: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct PortfolioSampleInput {
    pub title: String,
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    /// The text of the sample (at most 5,000 characters); a sample is its text, a file, or both.
    pub excerpt: Option<String>,
}

#[derive(Default)]
pub struct PortfolioQuery;

#[Object]
impl PortfolioQuery {
    /// A writer's portfolio as the viewer may see it (signed out too, when it is public): the
    /// `portfolios` feature; a writer who has not opted in, or one hidden from the viewer, is
    /// `NOT_FOUND`.
    async fn writer_portfolio(&self, ctx: &Context<'_>, writer_id: ID) -> Result<WriterPortfolio> {
        let request = ctx.request();
        let writer = parse_id("writerId", &writer_id)?;
        Ok(portfolio::get(&request.db, request, writer).await?.into())
    }
}

#[derive(Default)]
pub struct PortfolioMutation;

#[Object]
impl PortfolioMutation {
    /// The viewer (a writer) opts in to a portfolio, or changes it (private until they choose).
    #[graphql(guard = "WRITERS")]
    async fn update_writer_portfolio(&self, ctx: &Context<'_>, input: WriterPortfolioInput) -> Result<WriterPortfolio> {
        let request = ctx.request();
        let fields = PortfolioFields { visibility: input.visibility, bio: input.bio, specialties: input.specialties };
        let id = write(request, async |txn| portfolio::update(txn, request, fields).await).await?;
        Ok(portfolio::get(&request.db, request, id).await?.into())
    }

    /// The viewer (a writer) opts out: their portfolio is no one's to see.
    #[graphql(guard = "WRITERS")]
    async fn withdraw_writer_portfolio(&self, ctx: &Context<'_>) -> Result<bool> {
        let request = ctx.request();
        write(request, async |txn| portfolio::withdraw(txn, request).await).await?;
        Ok(true)
    }

    /// The viewer (a writer) adds a sample of their work (at most 20): its text, a file (a
    /// GraphQL multipart request; checked as order files are), or both.
    #[graphql(guard = "WRITERS")]
    async fn add_portfolio_sample(
        &self,
        ctx: &Context<'_>,
        input: PortfolioSampleInput,
        file: Option<Upload>,
    ) -> Result<PortfolioSample> {
        let request = ctx.request();
        let subject = input.subject_id.map(|id| parse_id("input.subjectId", &id)).transpose()?;
        let work_type = input.work_type_id.map(|id| parse_id("input.workTypeId", &id)).transpose()?;
        let sample = NewSample { title: &input.title, subject, work_type, excerpt: input.excerpt.as_deref() };
        let added = match file {
            None => write(request, async |txn| portfolio::add_sample(txn, request, sample, None).await).await?,
            Some(file) => {
                let file = orders::graphql::incoming_one(ctx, "file", file)?;
                orders::graphql::upload(ctx, portfolio::SAMPLE_FILES, vec![file], async |txn, staged| {
                    portfolio::add_sample(txn, request, sample, staged.files.first()).await
                })
                .await?
            }
        };
        Ok(added.into())
    }

    /// The viewer (a writer) removes one of their samples.
    #[graphql(guard = "WRITERS")]
    async fn remove_portfolio_sample(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        orders::graphql::remove_stored(ctx, async |txn| portfolio::remove_sample(txn, request, id).await).await?;
        Ok(true)
    }
}
