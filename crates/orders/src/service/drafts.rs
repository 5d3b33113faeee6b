//! Order drafts: a client's unfinished orders. Saving replaces the draft's fields with the
//! input (a form sends its whole state); reading one records when it was last viewed.

use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use tenancy::entity::tenant::FeatureToggles;
use uuid::Uuid;

use crate::entity::order_draft::{self, Entity as Drafts};
use crate::service::spec::{self, OrderSpec};

/// Drafts are a tenant feature; a disabled one answers `FORBIDDEN` (`FEATURE_DISABLED`).
pub fn require_enabled(toggles: &FeatureToggles) -> AppResult<()> {
    if toggles.drafts {
        Ok(())
    } else {
        Err(AppError::forbidden("drafts are turned off on this site").with_reason("FEATURE_DISABLED"))
    }
}

pub fn spec_of(draft: &order_draft::Model) -> OrderSpec {
    serde_json::from_value(draft.spec.clone()).unwrap_or_default()
}

async fn own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order_draft::Model> {
    let viewer = request.require_role(&[Role::Client])?;
    Drafts::find_by_id(id)
        .filter(order_draft::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_draft::Column::ClientId.eq(viewer.user_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("draft"))
}

/// Creates a draft (no `id`) or replaces one of the viewer's.
pub async fn save(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    id: Option<Uuid>,
    spec: OrderSpec,
) -> AppResult<order_draft::Model> {
    require_enabled(toggles)?;
    let viewer = request.require_role(&[Role::Client])?;
    let tenant = request.tenant()?;
    spec::check_fields(conn, tenant, toggles, &spec).await?;
    match id {
        Some(id) => {
            let mut draft = own(conn, request, id).await?;
            replace_spec(conn, request, &mut draft, &spec).await?;
            Ok(draft)
        }
        None => {
            let now = request.now();
            let draft = order_draft::Model {
                id: new_id(),
                tenant_id: tenant.id,
                client_id: viewer.user_id,
                spec: serde_json::to_value(&spec).map_err(AppError::internal)?,
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
pub async fn open(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    id: Uuid,
) -> AppResult<order_draft::Model> {
    require_enabled(toggles)?;
    let mut draft = own(conn, request, id).await?;
    let now = request.now();
    Drafts::update_many()
        .col_expr(order_draft::Column::LastViewedAt, Expr::value(now))
        .filter(order_draft::Column::Id.eq(id))
        .exec(conn)
        .await?;
    draft.last_viewed_at = Some(now);
    Ok(draft)
}

/// Without recording a view (for conversion and presets).
pub async fn get(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    id: Uuid,
) -> AppResult<order_draft::Model> {
    require_enabled(toggles)?;
    own(conn, request, id).await
}

pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    page: PageArgs,
    with_total: bool,
) -> AppResult<Paged<order_draft::Model>> {
    require_enabled(toggles)?;
    let viewer = request.require_role(&[Role::Client])?;
    let mut query = Drafts::find()
        .filter(order_draft::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_draft::Column::ClientId.eq(viewer.user_id));
    let total = if with_total { query.clone().count(conn).await? } else { 0 };
    if let Some(after) = page.after {
        query = query.filter(order_draft::Column::Id.lt(after));
    }
    Ok(Paged::new(page, query.order_by_desc(order_draft::Column::Id).limit(page.fetch()).all(conn).await?, total))
}

pub async fn delete(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    id: Uuid,
) -> AppResult<()> {
    require_enabled(toggles)?;
    let draft = own(conn, request, id).await?;
    Drafts::delete_by_id(draft.id).exec(conn).await?;
    Ok(())
}

/// Replaces a draft's fields (saving it, or applying a preset to it).
pub async fn replace_spec(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    draft: &mut order_draft::Model,
    spec: &OrderSpec,
) -> AppResult<()> {
    let json = serde_json::to_value(spec).map_err(AppError::internal)?;
    let now = request.now();
    Drafts::update_many()
        .col_expr(order_draft::Column::Spec, Expr::value(json.clone()))
        .col_expr(order_draft::Column::UpdatedAt, Expr::value(now))
        .filter(order_draft::Column::Id.eq(draft.id))
        .exec(conn)
        .await?;
    draft.spec = json;
    draft.updated_at = now;
    Ok(())
}
