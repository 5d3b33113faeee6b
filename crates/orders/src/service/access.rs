//! Who sees which orders: the one rule every order query and action starts from.

use kernel::{AppError, AppResult, RequestContext, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders};

/// Which orders a viewer may see: clients their own, writers those assigned to them (and one
/// waiting for them as its preferred writer), support and admins all of the tenant's; anyone
/// else none. (Writers see the pool through [`super::pool`], without the client.)
pub fn visible_to(request: &RequestContext) -> AppResult<Condition> {
    let viewer = request.viewer()?;
    let tenant = request.tenant()?.id;
    let scope = Condition::all().add(order::Column::TenantId.eq(tenant));
    Ok(match viewer.role {
        Role::Client => scope.add(order::Column::ClientId.eq(viewer.user_id)),
        Role::Writer => scope.add(
            Condition::any().add(order::Column::WriterId.eq(viewer.user_id)).add(
                Condition::all()
                    .add(order::Column::PreferredWriterId.eq(viewer.user_id))
                    .add(order::Column::Status.eq(order::OrderStatus::PendingPreferred)),
            ),
        ),
        Role::Support | Role::Admin | Role::Superadmin => scope,
        Role::Editor => scope.add(Expr::value(false)),
    })
}

/// The order, if the viewer may see it; `NOT_FOUND` otherwise (whoever's it is).
pub async fn find_visible(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order::Model> {
    Orders::find_by_id(id).filter(visible_to(request)?).one(conn).await?.ok_or_else(|| AppError::not_found("order"))
}

/// The writer of the viewer's completed order `id` (what feedback rates): `NOT_FOUND` when the
/// viewer does not see the order, `CONFLICT` (`NOT_COMPLETED`) before it is completed.
pub async fn completed_writer(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Uuid> {
    use crate::entity::order::OrderStatus;
    let order = find_visible(conn, request, id).await?;
    let done = order.completed_at.is_some() && matches!(order.status, OrderStatus::Completed | OrderStatus::Archived);
    match order.writer_id {
        Some(writer) if done => Ok(writer),
        _ => Err(AppError::conflict("the order is not completed yet").with_reason(kernel::Reason::NotCompleted)),
    }
}
