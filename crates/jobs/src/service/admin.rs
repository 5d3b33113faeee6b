//! What admins see of the queue, and the retry of a dead job. Admins see their tenant's jobs;
//! superadmins also the system's (jobs of no tenant), and every tenant's when they ask outside
//! one.

use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{Condition, QueryFilter};

use crate::entity::job::{self, Entity as Jobs, JobStatus};

/// The jobs the viewer may see.
fn visible(request: &RequestContext) -> AppResult<Condition> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant.as_ref().map(|t| t.id);
    Ok(match (viewer.role, tenant) {
        (Role::Superadmin, Some(tenant)) => {
            Condition::any().add(job::Column::TenantId.eq(tenant)).add(job::Column::TenantId.is_null())
        }
        (Role::Superadmin, None) => Condition::all(),
        _ => Condition::all().add(job::Column::TenantId.eq(request.tenant()?.id)),
    })
}

/// The visible jobs, newest first, of one status or all.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    status: Option<JobStatus>,
    page: PageArgs,
) -> AppResult<Paged<job::Model>> {
    let mut query = Jobs::find().filter(visible(request)?);
    if let Some(status) = status {
        query = query.filter(job::Column::Status.eq(status));
    }
    paginate(conn, query, job::Column::Id, Order::newest_first(), page).await
}

/// Queues a dead job again, due now, with its attempts counted afresh. `NOT_FOUND` for a job the
/// viewer may not see, `CONFLICT` for one that is not dead (nothing changes either way).
pub async fn retry(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<job::Model> {
    let scope = visible(request)?;
    let now = request.now();
    let result = Jobs::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Queued))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::FinishedAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(JobStatus::Dead))
        .filter(scope.clone())
        .exec(conn)
        .await?;
    let found = Jobs::find_by_id(id).filter(scope).one(conn).await?.ok_or_else(|| AppError::not_found("job"))?;
    if result.rows_affected == 0 {
        return Err(AppError::conflict("only a dead job can be retried; this one is not dead"));
    }
    Ok(found)
}
