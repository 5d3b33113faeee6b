//! The viewer's in-app notifications: their own, in this tenant, newest first; unread count;
//! marking read.

use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{QueryFilter, Select};

use crate::entity::notification::{self, Entity as Notifications};

/// At most this many ids in one `markNotificationsRead`.
pub const MAX_MARK: usize = 100;

fn mine(request: &RequestContext) -> AppResult<Select<Notifications>> {
    let viewer = request.viewer()?;
    Ok(Notifications::find()
        .filter(notification::Column::TenantId.eq(request.tenant()?.id))
        .filter(notification::Column::UserId.eq(viewer.user_id))
        .filter(notification::Column::InApp.eq(true)))
}

pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    unread_only: bool,
    page: PageArgs,
) -> AppResult<Paged<notification::Model>> {
    let mut query = mine(request)?;
    if unread_only {
        query = query.filter(notification::Column::ReadAt.is_null());
    }
    paginate(conn, query, notification::Column::Id, Order::newest_first(), page).await
}

/// One of the viewer's in-app notifications (as a live event names it).
pub async fn one(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
) -> AppResult<Option<notification::Model>> {
    Ok(mine(request)?.filter(notification::Column::Id.eq(id)).one(conn).await?)
}

pub async fn unread_count(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(mine(request)?.filter(notification::Column::ReadAt.is_null()).count(conn).await?)
}

/// Marks the viewer's notifications among `ids` read (others' ids change nothing); answers how
/// many were unread.
pub async fn mark_read(conn: &impl ConnectionTrait, request: &RequestContext, ids: Option<&[Uuid]>) -> AppResult<u64> {
    let viewer = request.viewer()?;
    let mut update = Notifications::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(request.now())))
        .filter(notification::Column::TenantId.eq(request.tenant()?.id))
        .filter(notification::Column::UserId.eq(viewer.user_id))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        if ids.is_empty() || ids.len() > MAX_MARK {
            return Err(AppError::bad_input("ids", format!("give 1 to {MAX_MARK} ids")));
        }
        update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
    }
    Ok(update.exec(conn).await?.rows_affected)
}
