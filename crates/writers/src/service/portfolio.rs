//! Writers' portfolios (the `portfolios` feature): opt-in, shown to whom the writer chooses
//! (`PRIVATE`: the writer and staff; `CLIENTS`: anyone signed in to the site; `PUBLIC`: anyone on
//! the site's host), with a bio, specialties, samples of their work, their record and public
//! feedback. What a portfolio shows never names a client or an order, nor private feedback.

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, Feature, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entity::portfolio_sample::{self, Entity as Samples, Model as Sample};
use crate::entity::writer_feedback::{self, Entity as Feedback};
use crate::entity::writer_portfolio::{self, Entity as Portfolios, Visibility};
use crate::entity::writer_profile::WriterStatus;
use crate::service::badges::{self, Awarded};
use crate::service::profiles::{self, STAFF, WriterRecord};
use orders::service::catalog::CatalogKind;
use orders::service::files::{FileStore, StagedFile, StoredFile, sweep};

pub const MAX_SAMPLES: u64 = 20;
pub const MAX_SPECIALTIES: usize = 20;
pub const MAX_EXCERPT: usize = 5000;
/// How many public feedbacks a portfolio shows, newest first.
pub const REVIEWS: u64 = 10;

/// Public feedback as a portfolio shows it: the ratings, the comment and when; no author, no order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub quality: i16,
    pub communication: i16,
    pub timeliness: i16,
    pub following_instructions: i16,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

/// A portfolio as its viewer may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    pub writer_id: Uuid,
    pub display_name: String,
    pub visibility: Visibility,
    pub bio: String,
    pub specialties: Vec<String>,
    pub samples: Vec<Sample>,
    pub completed_orders: i64,
    pub on_time_rate: Option<f64>,
    pub average_rating: Option<f64>,
    pub badges: Vec<Awarded>,
    pub reviews: Vec<Review>,
}

/// Whether the viewer (none: signed out) may see a portfolio of `writer` shown to `visibility`.
/// The writer and staff always may; a suspended writer's portfolio is shown to no one else.
fn may_see(request: &RequestContext, writer: &WriterRecord, visibility: Visibility) -> bool {
    let viewer = request.viewer.as_ref();
    if viewer.is_some_and(|v| v.user_id == writer.id || STAFF.contains(&v.role)) {
        return true;
    }
    if writer.status == WriterStatus::Suspended {
        return false;
    }
    match visibility {
        Visibility::Public => true,
        Visibility::Clients => viewer.is_some_and(|v| v.role == Role::Client),
        Visibility::Private => false,
    }
}

/// The portfolio of `writer`, if they opted in and the viewer may see it; `NOT_FOUND` otherwise
/// (as if there were none).
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext, writer: Uuid) -> AppResult<Portfolio> {
    request.require_feature(Feature::Portfolios)?;
    let tenant = request.tenant()?;
    let not_found = || AppError::not_found("portfolio");
    let row = Portfolios::find_by_id(writer)
        .filter(writer_portfolio::Column::TenantId.eq(tenant.id))
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    let record = match profiles::find(conn, tenant.id, writer).await {
        Err(e) if e.code == kernel::ErrorCode::NotFound => return Err(not_found()),
        found => found?,
    };
    if !may_see(request, &record, row.visibility) {
        return Err(not_found());
    }
    let samples = Samples::find()
        .filter(portfolio_sample::Column::TenantId.eq(tenant.id))
        .filter(portfolio_sample::Column::WriterId.eq(writer))
        .order_by_asc(portfolio_sample::Column::Id)
        .limit(MAX_SAMPLES)
        .all(conn)
        .await?;
    let done = orders::service::workload::writer_record(conn, tenant.id, writer, request.now()).await?;
    let feedback_on = tenant.features.is_on(Feature::WriterFeedback);
    // of public feedback only: an average over private ratings would tell them
    let average_rating =
        if feedback_on { crate::service::feedback::public_average(conn, tenant.id, writer).await? } else { None };
    let reviews = if feedback_on {
        Feedback::find()
            .filter(writer_feedback::Column::TenantId.eq(tenant.id))
            .filter(writer_feedback::Column::WriterId.eq(writer))
            .filter(writer_feedback::Column::Public.eq(true))
            .order_by_desc(writer_feedback::Column::Id)
            .limit(REVIEWS)
            .all(conn)
            .await?
            .into_iter()
            .map(|f| Review {
                quality: f.quality,
                communication: f.communication,
                timeliness: f.timeliness,
                following_instructions: f.following_instructions,
                comment: f.comment,
                created_at: f.created_at,
            })
            .collect()
    } else {
        Vec::new()
    };
    let badges = badges::of_writers(conn, tenant.id, &[writer]).await?.remove(&writer).unwrap_or_default();
    Ok(Portfolio {
        writer_id: writer,
        display_name: record.display_name,
        visibility: row.visibility,
        bio: row.bio,
        specialties: serde_json::from_str(&row.specialties).unwrap_or_default(),
        samples,
        completed_orders: done.completed,
        on_time_rate: (done.completed > 0).then(|| done.on_time as f64 / done.completed as f64),
        average_rating,
        badges,
        reviews,
    })
}

/// What the writer changes of their portfolio (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct PortfolioFields {
    pub visibility: Option<Visibility>,
    pub bio: Option<String>,
    pub specialties: Option<Vec<String>>,
}

/// The viewer (a writer) opts in, or changes their portfolio.
pub async fn update(conn: &impl ConnectionTrait, request: &RequestContext, f: PortfolioFields) -> AppResult<Uuid> {
    request.require_feature(Feature::Portfolios)?;
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let bio = f
        .bio
        .map(|b| if b.trim().is_empty() { Ok(String::new()) } else { validate::text("input.bio", &b, 2000) })
        .transpose()?;
    let specialties = match f.specialties {
        Some(list) if list.len() > MAX_SPECIALTIES => {
            return Err(AppError::bad_input("input.specialties", format!("at most {MAX_SPECIALTIES}")));
        }
        Some(list) => {
            let mut checked = Vec::with_capacity(list.len());
            for s in &list {
                checked.push(validate::name("input.specialties", s, 100)?);
            }
            Some(serde_json::to_string(&checked).map_err(AppError::internal)?)
        }
        None => None,
    };
    let before =
        Portfolios::find_by_id(viewer.user_id).filter(writer_portfolio::Column::TenantId.eq(tenant)).one(conn).await?;
    let row = writer_portfolio::Model {
        writer_id: viewer.user_id,
        tenant_id: tenant,
        visibility: f.visibility.or(before.as_ref().map(|b| b.visibility)).unwrap_or(Visibility::Private),
        bio: bio.or(before.as_ref().map(|b| b.bio.clone())).unwrap_or_default(),
        specialties: specialties.or(before.map(|b| b.specialties)).unwrap_or_else(|| "[]".into()),
        updated_at: request.now(),
    };
    use writer_portfolio::Column as P;
    Portfolios::insert(writer_portfolio::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(P::WriterId)
                .update_columns([P::Visibility, P::Bio, P::Specialties, P::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(viewer.user_id)
}

/// The viewer (a writer) opts out: the portfolio is gone for everyone (its samples are kept for
/// when they opt in again).
pub async fn withdraw(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<()> {
    request.require_feature(Feature::Portfolios)?;
    let viewer = request.require_role(&[Role::Writer])?;
    Portfolios::delete_many()
        .filter(writer_portfolio::Column::WriterId.eq(viewer.user_id))
        .filter(writer_portfolio::Column::TenantId.eq(request.tenant()?.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A sample as the writer sends it.
pub struct NewSample<'a> {
    pub title: &'a str,
    pub subject: Option<Uuid>,
    pub work_type: Option<Uuid>,
    pub excerpt: Option<&'a str>,
}

/// The file store's area of portfolio samples' files (the key's id is the sample's).
pub const SAMPLE_FILES: &str = "portfolio";

/// The viewer (a writer) adds a sample: a title, optionally its subject and work type (entries
/// of the site's catalogue), a text excerpt, an uploaded file (staged in [`SAMPLE_FILES`] as
/// order files are: the sample takes the file's id), or both; at most `MAX_SAMPLES`.
pub async fn add_sample(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    input: NewSample<'_>,
    file: Option<&StagedFile>,
) -> AppResult<Sample> {
    request.require_feature(Feature::Portfolios)?;
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let title = validate::name("input.title", input.title, 300)?;
    let excerpt = validate::optional_text("input.excerpt", input.excerpt, MAX_EXCERPT)?;
    if excerpt.is_none() && file.is_none() {
        return Err(AppError::bad_input("input.excerpt", "a sample is its text, a file, or both"));
    }
    for (field, id, kind) in [
        ("input.subjectId", input.subject, CatalogKind::Subject),
        ("input.workTypeId", input.work_type, CatalogKind::WorkType),
    ] {
        if let Some(id) = id {
            profiles::catalogue_ids(conn, tenant, field, &[id], kind).await?;
        }
    }
    // counted under the writer's lock: two racing adds cannot pass the limit together
    kernel::db::lock_key(conn, &format!("portfolio:{}", viewer.user_id)).await?;
    let held = Samples::find()
        .filter(portfolio_sample::Column::TenantId.eq(tenant))
        .filter(portfolio_sample::Column::WriterId.eq(viewer.user_id))
        .count(conn)
        .await?;
    if held >= MAX_SAMPLES {
        return Err(AppError::bad_input("input", format!("at most {MAX_SAMPLES} samples")));
    }
    let sample = Sample {
        id: file.map_or_else(new_id, |f| f.id),
        tenant_id: tenant,
        writer_id: viewer.user_id,
        title,
        subject_id: input.subject,
        work_type_id: input.work_type,
        excerpt: excerpt.unwrap_or_default(),
        created_at: request.now(),
        file_name: file.map(|f| f.name.clone()),
        file_content_type: file.map(|f| f.content_type.to_owned()),
        file_size_bytes: file.map(|f| f.size_bytes),
        file_sha256: file.map(|f| f.sha256.clone()),
        file_key: file.map(|f| f.storage_key.clone()),
    };
    Samples::insert(portfolio_sample::ActiveModel::from(sample.clone())).exec_without_returning(conn).await?;
    Ok(sample)
}

/// The viewer (a writer) removes one of their samples (another's is `NOT_FOUND`); answers the
/// key of its file's bytes (if any), which the caller removes once this has committed.
pub async fn remove_sample(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Vec<String>> {
    request.require_feature(Feature::Portfolios)?;
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let mine = portfolio_sample::Column::TenantId
        .eq(tenant)
        .and(portfolio_sample::Column::WriterId.eq(viewer.user_id))
        .and(portfolio_sample::Column::Id.eq(id));
    let key: Option<Option<String>> = Samples::find()
        .select_only()
        .column(portfolio_sample::Column::FileKey)
        .filter(mine.clone())
        .into_tuple()
        .one(conn)
        .await?;
    let gone = Samples::delete_many().filter(mine).exec(conn).await?;
    match key {
        Some(key) if gone.rows_affected > 0 => Ok(key.into_iter().collect()),
        _ => Err(AppError::not_found("sample")),
    }
}

/// The file of sample `id` of `tenant`, as a download serves it.
pub async fn sample_file(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<Option<StoredFile>> {
    let sample = Samples::find_by_id(id).filter(portfolio_sample::Column::TenantId.eq(tenant)).one(conn).await?;
    Ok(sample.and_then(|s| {
        Some(StoredFile {
            name: s.file_name?,
            content_type: s.file_content_type?,
            size_bytes: s.file_size_bytes?,
            storage_key: s.file_key?,
        })
    }))
}

/// Removes the samples' stored bytes no sample names (see `orders::service::files::sweep`).
pub async fn sweep(db: &DatabaseConnection, store: &FileStore, now: DateTime<Utc>) -> AppResult<u64> {
    sweep::sweep_area(store, SAMPLE_FILES, now, |ids| {
        let db = db.clone();
        async move {
            let known: Vec<Uuid> = Samples::find()
                .select_only()
                .column(portfolio_sample::Column::Id)
                .filter(portfolio_sample::Column::Id.is_in(kernel::db::in_list(&ids)))
                .filter(portfolio_sample::Column::FileKey.is_not_null())
                .into_tuple()
                .all(&db)
                .await?;
            Ok(known.into_iter().collect())
        }
    })
    .await
}
