//! Order presets: a client's reusable defaults. One may be the default; applying one to a
//! draft copies its fields over and counts the use.

use kernel::{AppError, AppResult, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use tenancy::entity::tenant::FeatureToggles;
use uuid::Uuid;

use crate::entity::order_draft;
use crate::entity::order_preset::{self, Entity as Presets};
use crate::service::drafts;
use crate::service::spec::{self, OrderSpec};

pub fn require_enabled(toggles: &FeatureToggles) -> AppResult<()> {
    if toggles.presets {
        Ok(())
    } else {
        Err(AppError::forbidden("presets are turned off on this site").with_reason("FEATURE_DISABLED"))
    }
}

pub fn spec_of(preset: &order_preset::Model) -> OrderSpec {
    serde_json::from_value(preset.spec.clone()).unwrap_or_default()
}

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
    toggles: &FeatureToggles,
    name: &str,
    spec: OrderSpec,
    is_default: bool,
) -> AppResult<order_preset::Model> {
    require_enabled(toggles)?;
    let viewer = request.require_role(&[Role::Client])?;
    let tenant = request.tenant()?;
    let name = validate::text("name", name, 100)?;
    let spec = defaults_only(spec);
    spec::check_fields(conn, tenant, toggles, &spec).await?;
    let now = request.now();
    let preset = order_preset::Model {
        id: new_id(),
        tenant_id: tenant.id,
        client_id: viewer.user_id,
        name,
        spec: serde_json::to_value(&spec).map_err(AppError::internal)?,
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
    toggles: &FeatureToggles,
    id: Uuid,
    name: &str,
    spec: OrderSpec,
    is_default: Option<bool>,
) -> AppResult<order_preset::Model> {
    require_enabled(toggles)?;
    let preset = own(conn, request, id).await?;
    let name = validate::text("name", name, 100)?;
    let spec = defaults_only(spec);
    spec::check_fields(conn, request.tenant()?, toggles, &spec).await?;
    Presets::update_many()
        .col_expr(order_preset::Column::Name, Expr::value(name))
        .col_expr(order_preset::Column::Spec, Expr::value(serde_json::to_value(&spec).map_err(AppError::internal)?))
        .col_expr(order_preset::Column::UpdatedAt, Expr::value(request.now()))
        .filter(order_preset::Column::Id.eq(preset.id))
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
    toggles: &FeatureToggles,
    id: Uuid,
) -> AppResult<order_preset::Model> {
    require_enabled(toggles)?;
    own(conn, request, id).await?;
    make_default(conn, request, id).await?;
    get(conn, request, id).await
}

pub async fn delete(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
    id: Uuid,
) -> AppResult<()> {
    require_enabled(toggles)?;
    let preset = own(conn, request, id).await?;
    Presets::delete_by_id(preset.id).exec(conn).await?;
    Ok(())
}

/// The viewer's presets, the default first, then by name.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    toggles: &FeatureToggles,
) -> AppResult<Vec<order_preset::Model>> {
    require_enabled(toggles)?;
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
    toggles: &FeatureToggles,
    preset_id: Uuid,
    draft_id: Uuid,
) -> AppResult<order_draft::Model> {
    require_enabled(toggles)?;
    let preset = own(conn, request, preset_id).await?;
    let mut draft = drafts::get(conn, request, toggles, draft_id).await?;
    let mut spec = drafts::spec_of(&draft);
    spec.overlay(&spec_of(&preset));
    spec::check_fields(conn, request.tenant()?, toggles, &spec).await?;
    drafts::replace_spec(conn, request, &mut draft, &spec).await?;
    Presets::update_many()
        .col_expr(order_preset::Column::UsageCount, Expr::col(order_preset::Column::UsageCount).add(1))
        .filter(order_preset::Column::Id.eq(preset.id))
        .exec(conn)
        .await?;
    Ok(draft)
}
