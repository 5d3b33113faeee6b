//! Order presets: a client's reusable defaults (the `presets` feature; every function checks
//! it, and applying one to a draft needs drafts on too). One may be the default; applying one to a
//! draft copies its fields over and counts the use.

use kernel::{AppError, AppResult, Feature, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entity::order_draft;
use crate::entity::order_preset::{self, Entity as Presets};
use crate::service::drafts;
use crate::service::spec::OrderSpec;

/// How many presets a client may keep (so their list needs no paging).
pub const MAX_PER_CLIENT: u64 = 50;

/// A preset holds defaults, not a particular order: no topic, size, deadline or instructions.
fn defaults_only(spec: OrderSpec) -> OrderSpec {
    OrderSpec {
        topic: None,
        pages: None,
        slides: None,
        deadline: None,
        instructions: None,
        discount_code: None,
        ..spec
    }
}

async fn own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order_preset::Model> {
    let viewer = request.require_role(&[Role::Client])?;
    Presets::find_by_id(id)
        .filter(order_preset::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_preset::Column::ClientId.eq(viewer.user_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("preset"))
}

/// Makes `id` the viewer's only default preset, in one statement.
async fn make_default(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let viewer = request.viewer()?;
    Presets::update_many()
        .col_expr(order_preset::Column::IsDefault, Expr::col(order_preset::Column::Id).eq(id))
        .filter(order_preset::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_preset::Column::ClientId.eq(viewer.user_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn create(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    name: &str,
    spec: OrderSpec,
    is_default: bool,
) -> AppResult<order_preset::Model> {
    request.require_feature(Feature::Presets)?;
    let viewer = request.require_role(&[Role::Client])?;
    let tenant = request.tenant()?;
    let name = validate::name("name", name, 100)?;
    let spec = defaults_only(spec);
    drafts::check(conn, request, &spec).await?;
    // the cap is counted under a lock on the client's presets, so racing creations respect it
    kernel::db::lock_key(conn, &format!("presets:{}", viewer.user_id)).await?;
    let kept = Presets::find()
        .filter(order_preset::Column::TenantId.eq(tenant.id))
        .filter(order_preset::Column::ClientId.eq(viewer.user_id))
        .count(conn)
        .await?;
    if kept >= MAX_PER_CLIENT {
        return Err(AppError::conflict(format!("you may keep at most {MAX_PER_CLIENT} presets; delete one first")));
    }
    let now = request.now();
    let preset = order_preset::Model {
        id: new_id(),
        tenant_id: tenant.id,
        client_id: viewer.user_id,
        name,
        spec,
        is_default: false,
        usage_count: 0,
        created_at: now,
        updated_at: now,
    };
    Presets::insert(order_preset::ActiveModel::from(preset.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "name", "you already have a preset with this name"))?;
    if is_default {
        make_default(conn, request, preset.id).await?;
    }
    get(conn, request, preset.id).await
}

pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    name: &str,
    spec: OrderSpec,
    is_default: Option<bool>,
) -> AppResult<order_preset::Model> {
    request.require_feature(Feature::Presets)?;
    let preset = own(conn, request, id).await?;
    let name = validate::name("name", name, 100)?;
    let spec = defaults_only(spec);
    drafts::check(conn, request, &spec).await?;
    Presets::update_many()
        .col_expr(order_preset::Column::Name, Expr::value(name))
        .col_expr(order_preset::Column::Spec, Expr::value(spec))
        .col_expr(order_preset::Column::UpdatedAt, Expr::value(request.now()))
        .filter(order_preset::Column::Id.eq(preset.id))
        .filter(order_preset::Column::TenantId.eq(preset.tenant_id))
        .exec(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "name", "you already have a preset with this name"))?;
    match is_default {
        Some(true) => make_default(conn, request, id).await?,
        Some(false) => {
            Presets::update_many()
                .col_expr(order_preset::Column::IsDefault, Expr::value(false))
                .filter(order_preset::Column::Id.eq(id))
                .exec(conn)
                .await?;
        }
        None => {}
    }
    get(conn, request, id).await
}

pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<order_preset::Model> {
    own(conn, request, id).await
}

pub async fn set_default(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
) -> AppResult<order_preset::Model> {
    request.require_feature(Feature::Presets)?;
    own(conn, request, id).await?;
    make_default(conn, request, id).await?;
    get(conn, request, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    request.require_feature(Feature::Presets)?;
    let preset = own(conn, request, id).await?;
    Presets::delete_by_id(preset.id).exec(conn).await?;
    Ok(())
}

/// The viewer's presets (at most [`MAX_PER_CLIENT`]), the default first, then by name.
pub async fn list(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<order_preset::Model>> {
    request.require_feature(Feature::Presets)?;
    let viewer = request.require_role(&[Role::Client])?;
    Ok(Presets::find()
        .filter(order_preset::Column::TenantId.eq(request.tenant()?.id))
        .filter(order_preset::Column::ClientId.eq(viewer.user_id))
        .order_by_desc(order_preset::Column::IsDefault)
        .order_by_asc(order_preset::Column::Name)
        .all(conn)
        .await?)
}

/// Copies the preset's fields over the draft's and counts the use (atomically).
pub async fn apply(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    preset_id: Uuid,
    draft_id: Uuid,
) -> AppResult<order_draft::Model> {
    request.require_feature(Feature::Presets)?;
    let preset = own(conn, request, preset_id).await?;
    let mut draft = drafts::get(conn, request, draft_id).await?;
    let mut spec = draft.spec.clone();
    spec.overlay(&preset.spec)?;
    drafts::check(conn, request, &spec).await?;
    drafts::replace_spec(conn, request, &mut draft, spec).await?;
    Presets::update_many()
        .col_expr(order_preset::Column::UsageCount, Expr::col(order_preset::Column::UsageCount).add(1))
        .filter(order_preset::Column::Id.eq(preset.id))
        .filter(order_preset::Column::TenantId.eq(preset.tenant_id))
        .exec(conn)
        .await?;
    Ok(draft)
}
