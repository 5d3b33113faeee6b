//! Who sees which orders: the one rule every order query and action starts from.

use kernel::{AppError, AppResult, RequestContext, Role};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::entity::order::{self, Entity as Orders};
use crate::entity::order_editor::{self, Entity as OrderEditors};

/// Which orders a viewer may see: clients their own, writers those assigned to them (and one
/// waiting for them as its preferred writer), editors those whose editing task they hold or
/// held, support and admins all of the tenant's. (Writers see the pool through [`super::pool`], without the client.)
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
        // the orders of tasks they hold or held
        Role::Editor => scope.add(
            order::Column::Id.in_subquery(
                OrderEditors::find()
                    .select_only()
                    .column(order_editor::Column::OrderId)
                    .filter(order_editor::Column::TenantId.eq(tenant))
                    .filter(order_editor::Column::EditorId.eq(viewer.user_id))
                    .into_query(),
            ),
        ),
    })
}

/// The order, if the viewer may see it; `NOT_FOUND` otherwise (whoever's it is).
pub async fn find_visible(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order::Model> {
    Orders::find_by_id(id).filter(visible_to(request)?).one(conn).await?.ok_or_else(|| AppError::not_found("order"))
}

/// Who an order is between: its client and its writer (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parties {
    pub order_id: Uuid,
    pub client_id: Uuid,
    pub writer_id: Option<Uuid>,
}

/// The parties of order `id`, if the viewer may see it; `NOT_FOUND` otherwise.
pub async fn parties(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Parties> {
    let order = find_visible(conn, request, id).await?;
    Ok(Parties { order_id: order.id, client_id: order.client_id, writer_id: order.writer_id })
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

/// Those of orders `ids` the viewer may see (one statement).
pub async fn visible_among(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<order::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Orders::find()
        .filter(visible_to(request)?)
        .filter(order::Column::Id.is_in(kernel::db::in_list(ids)))
        .all(conn)
        .await?)
}

/// The topics of the tenant's orders `ids` (what a list of editing tasks shows of orders its
/// viewer may not open): one statement.
pub async fn topics(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = Orders::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Topic)
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::Id.is_in(kernel::db::in_list(ids)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Lets `editor` read `order` from now on (a task of it reached them); once, however often.
pub async fn grant_editor(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    order: Uuid,
    editor: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let row = order_editor::ActiveModel {
        order_id: Set(order),
        editor_id: Set(editor),
        tenant_id: Set(tenant),
        granted_at: Set(now),
    };
    OrderEditors::insert(row)
        .on_conflict(
            OnConflict::columns([order_editor::Column::OrderId, order_editor::Column::EditorId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
