//! Order drafts: a client's unfinished orders (the `drafts` feature; every function checks
//! it). Saving replaces the draft's fields with the input (a form sends its whole state);
//! reading one records when it was last viewed; converting places it.

use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Feature, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::order;
use crate::entity::order_draft::{self, Entity as Drafts};
use crate::service::placing;
use crate::service::spec::{self, OrderSpec, PricingContext};

async fn own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order_draft::Model> {
    let viewer = request.require_role(&[Role::Client])?;
    Drafts::find_by_id(id)
        .filter(order_draft::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_draft::Column::ClientId.eq(viewer.user_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("draft"))
}

/// Checks the fields a draft sets, as an order's would be.
pub async fn check(conn: &impl ConnectionTrait, request: &RequestContext, spec: &OrderSpec) -> AppResult<()> {
    let tenant = request.tenant()?;
    let context = PricingContext::load(conn, tenant.id).await?;
    spec::check(conn, tenant, &context, spec, request.now()).await
}

/// Creates a draft (no `id`) or replaces one of the viewer's. Discount codes are not kept.
pub async fn save(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Option<Uuid>,
    spec: OrderSpec,
) -> AppResult<order_draft::Model> {
    request.require_feature(Feature::Drafts)?;
    let viewer = request.require_role(&[Role::Client])?;
    let spec = OrderSpec { discount_code: None, ..spec };
    check(conn, request, &spec).await?;
    match id {
        Some(id) => {
            let mut draft = own(conn, request, id).await?;
            replace_spec(conn, request, &mut draft, spec).await?;
            Ok(draft)
        }
        None => {
            let now = request.now();
            let draft = order_draft::Model {
                id: new_id(),
                tenant_id: request.tenant()?.id,
                client_id: viewer.user_id,
                spec,
                created_at: now,
                updated_at: now,
                last_viewed_at: None,
            };
            Drafts::insert(order_draft::ActiveModel::from(draft.clone())).exec_without_returning(conn).await?;
            Ok(draft)
        }
    }
}

/// One of the viewer's drafts; records that it was viewed.
pub async fn open(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order_draft::Model> {
    request.require_feature(Feature::Drafts)?;
    let mut draft = own(conn, request, id).await?;
    let now = request.now();
    Drafts::update_many()
        .col_expr(order_draft::Column::LastViewedAt, Expr::value(now))
        .filter(order_draft::Column::Id.eq(id))
        .filter(order_draft::Column::TenantId.eq(draft.tenant_id))
        .exec(conn)
        .await?;
    draft.last_viewed_at = Some(now);
    Ok(draft)
}

/// Without recording a view (for conversion and presets).
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order_draft::Model> {
    request.require_feature(Feature::Drafts)?;
    own(conn, request, id).await
}

/// The viewer's drafts, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    page: PageArgs,
) -> AppResult<Paged<order_draft::Model>> {
    request.require_feature(Feature::Drafts)?;
    let viewer = request.require_role(&[Role::Client])?;
    let query = Drafts::find()
        .filter(order_draft::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_draft::Column::ClientId.eq(viewer.user_id));
    paginate(conn, query, order_draft::Column::Id, Order::newest_first(), page).await
}

/// Deletes the draft and its files' rows; returns the files' storage keys, whose bytes the
/// caller removes once this has been written.
pub async fn delete(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Vec<String>> {
    request.require_feature(Feature::Drafts)?;
    let draft = own(conn, request, id).await?;
    let keys = super::files::delete_of_draft(conn, draft.tenant_id, draft.id).await?;
    Drafts::delete_by_id(draft.id).exec(conn).await?;
    Ok(keys)
}

/// Places the draft as an order (its files become the order's) and removes the draft, in the
/// caller's transaction. A draft
/// missing fields is `BAD_USER_INPUT` naming them.
pub async fn convert(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order::Model> {
    let draft = get(conn, request, id).await?;
    let order = placing::place(conn, request, &draft.spec).await?;
    super::files::move_to_order(conn, draft.tenant_id, draft.id, order.id).await?;
    Drafts::delete_by_id(draft.id).exec(conn).await?;
    Ok(order)
}

/// Replaces a draft's fields (saving it, or applying a preset to it).
pub async fn replace_spec(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    draft: &mut order_draft::Model,
    spec: OrderSpec,
) -> AppResult<()> {
    let now = request.now();
    Drafts::update_many()
        .col_expr(order_draft::Column::Spec, Expr::value(spec.clone()))
        .col_expr(order_draft::Column::UpdatedAt, Expr::value(now))
        .filter(order_draft::Column::Id.eq(draft.id))
        .filter(order_draft::Column::TenantId.eq(draft.tenant_id))
        .exec(conn)
        .await?;
    draft.spec = spec;
    draft.updated_at = now;
    Ok(())
}
