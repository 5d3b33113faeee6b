//! When work goes to an editor: the site's policy (`NEVER`, `ALWAYS`, `NEW_WRITERS` — a writer's
//! first `newWriterOrders` completed orders — or `BY_LEVEL`), overridden per order by an admin's
//! choice; and the editor's share of the time left between a submission and the client's
//! deadline. Admins change them (audited).

use kernel::{AppError, AppResult, RequestContext, Role};
use orders::service::catalog::CatalogKind;
use orders::service::editing::EditedOrder;
use orders::service::workload;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use super::ADMINS;
use crate::entity::editing_order_flag::{self, Entity as Flags};
use crate::entity::editing_setting::{self, EditingPolicy, Entity as SettingsRows};
use crate::entity::editor_profile::{self, EditorStatus, Entity as EditorProfiles};
use crate::service::profiles::{self, list_of, text_of};

/// The most a site may ask of new writers.
pub const MAX_NEW_WRITER_ORDERS: i32 = 1000;

/// A site's editing settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub policy: EditingPolicy,
    /// `NEW_WRITERS`: work is edited until the writer has completed this many orders.
    pub new_writer_orders: i32,
    /// `BY_LEVEL`: the writer levels whose work is edited.
    pub level_ids: Vec<Uuid>,
    /// The editor's deadline: this percent of the time from the submission to the client's
    /// deadline.
    pub editor_share_percent: i32,
    /// Editors may claim only tasks within their expertise (subjects and work types they list).
    pub require_expertise: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy: EditingPolicy::Never,
            new_writer_orders: 3,
            level_ids: Vec::new(),
            editor_share_percent: 50,
            require_expertise: false,
        }
    }
}

/// The site's settings (the defaults until an admin changes them).
pub async fn of_tenant(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Settings> {
    Ok(SettingsRows::find_by_id(tenant).one(conn).await?.map_or_else(Settings::default, |row| Settings {
        policy: row.policy,
        new_writer_orders: row.new_writer_orders,
        level_ids: list_of(&row.level_ids),
        editor_share_percent: row.editor_share_percent,
        require_expertise: row.require_expertise,
    }))
}

/// The settings (admins).
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Settings> {
    request.require_role(ADMINS)?;
    of_tenant(conn, request.tenant()?.id).await
}

/// Changes to the settings (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub policy: Option<EditingPolicy>,
    pub new_writer_orders: Option<i32>,
    pub level_ids: Option<Vec<Uuid>>,
    pub editor_share_percent: Option<i32>,
    pub require_expertise: Option<bool>,
}

/// Changes the site's settings (admins; audited). `BY_LEVEL` needs at least one level.
pub async fn update(conn: &impl ConnectionTrait, request: &RequestContext, change: SettingsChange) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    // two admins changing the settings at once: the second reads what the first wrote
    kernel::db::lock_key(conn, &format!("editing_settings:{tenant}")).await?;
    let before = of_tenant(conn, tenant).await?;
    let mut after = before.clone();
    if let Some(policy) = change.policy {
        after.policy = policy;
    }
    if let Some(n) = change.new_writer_orders {
        if !(1..=MAX_NEW_WRITER_ORDERS).contains(&n) {
            return Err(AppError::bad_input(
                "input.newWriterOrders",
                format!("from 1 to {MAX_NEW_WRITER_ORDERS} orders"),
            ));
        }
        after.new_writer_orders = n;
    }
    if let Some(levels) = &change.level_ids {
        after.level_ids =
            profiles::catalogue_ids(conn, tenant, "input.levelIds", levels, CatalogKind::WriterLevel).await?;
    }
    if let Some(share) = change.editor_share_percent {
        if !(1..=99).contains(&share) {
            return Err(AppError::bad_input("input.editorSharePercent", "a percent from 1 to 99"));
        }
        after.editor_share_percent = share;
    }
    if let Some(required) = change.require_expertise {
        after.require_expertise = required;
    }
    if after.policy == EditingPolicy::ByLevel && after.level_ids.is_empty() {
        return Err(AppError::bad_input("input.levelIds", "BY_LEVEL needs at least one writer level"));
    }
    let row = editing_setting::Model {
        tenant_id: tenant,
        policy: after.policy,
        new_writer_orders: after.new_writer_orders,
        level_ids: text_of(&after.level_ids)?,
        editor_share_percent: after.editor_share_percent,
        require_expertise: after.require_expertise,
        updated_at: request.now(),
    };
    use editing_setting::Column as C;
    SettingsRows::insert(editing_setting::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(C::TenantId)
                .update_columns([
                    C::Policy,
                    C::NewWriterOrders,
                    C::LevelIds,
                    C::EditorSharePercent,
                    C::RequireExpertise,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    audit::record(
        conn,
        request,
        Change {
            action: "editing.settings",
            target_type: "tenant",
            target_id: Some(tenant.to_string()),
            tenant_id: None,
            before: Some(view(&before)),
            after: Some(view(&after)),
        },
    )
    .await?;
    Ok(())
}

fn view(s: &Settings) -> serde_json::Value {
    json!({
        "policy": s.policy,
        "newWriterOrders": s.new_writer_orders,
        "levelIds": s.level_ids,
        "editorSharePercent": s.editor_share_percent,
        "requireExpertise": s.require_expertise,
    })
}

/// An admin's choice for one order: `Some(true)` edit its work, `Some(false)` never, `None` as
/// the site's policy says (admins; audited). `CONFLICT` once its work is submitted or done.
pub async fn set_order_flag(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: Uuid,
    required: Option<bool>,
) -> AppResult<()> {
    let viewer = request.require_role(ADMINS)?;
    let tenant = orders::service::editing::before_submission(conn, request, order).await?.tenant_id;
    let before = order_flag(conn, tenant, order).await?;
    match required {
        Some(required) => {
            let row = editing_order_flag::ActiveModel {
                order_id: Set(order),
                tenant_id: Set(tenant),
                required: Set(required),
                set_by: Set(viewer.user_id),
                set_at: Set(request.now()),
            };
            use editing_order_flag::Column as C;
            Flags::insert(row)
                .on_conflict(
                    OnConflict::column(C::OrderId).update_columns([C::Required, C::SetBy, C::SetAt]).to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
        None => {
            Flags::delete_many()
                .filter(editing_order_flag::Column::TenantId.eq(tenant))
                .filter(editing_order_flag::Column::OrderId.eq(order))
                .exec(conn)
                .await?;
        }
    }
    audit::record(
        conn,
        request,
        Change {
            action: "order.editing",
            target_type: "order",
            target_id: Some(order.to_string()),
            tenant_id: None,
            before: Some(json!({ "required": before })),
            after: Some(json!({ "required": required })),
        },
    )
    .await?;
    Ok(())
}

/// The admin's choice for `order`, if any.
pub async fn order_flag(conn: &impl ConnectionTrait, tenant: Uuid, order: Uuid) -> AppResult<Option<bool>> {
    Ok(Flags::find_by_id(order)
        .filter(editing_order_flag::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .map(|f| f.required))
}

/// Whether the work being submitted for `order` goes to an editor: the admin's choice for it,
/// else the site's policy; never on a site without an editor who takes tasks (the work would
/// wait for no one).
pub async fn needs_editing(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order: &EditedOrder,
) -> AppResult<bool> {
    let tenant = order.tenant_id;
    let Some(writer) = order.writer_id else { return Ok(false) };
    let wanted = match order_flag(conn, tenant, order.id).await? {
        Some(required) => required,
        None => {
            let settings = of_tenant(conn, tenant).await?;
            match settings.policy {
                EditingPolicy::Never => false,
                EditingPolicy::Always => true,
                EditingPolicy::NewWriters => {
                    let record = workload::writer_record(conn, tenant, writer, request.now()).await?;
                    record.completed < i64::from(settings.new_writer_orders)
                }
                EditingPolicy::ByLevel => {
                    let level = profiles::find(conn, tenant, writer).await?.level_id;
                    level.is_some_and(|l| settings.level_ids.contains(&l))
                }
            }
        }
    };
    Ok(wanted && has_editors(conn, tenant).await?)
}

/// Whether the site has an editor who takes tasks (an editor without a profile is active): two
/// counts, whatever the number of editors.
async fn has_editors(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<bool> {
    let editors = identity::service::users::count_with_role(conn, tenant, Role::Editor).await?;
    if editors == 0 {
        return Ok(false);
    }
    // a profile is only ever an editor's
    let stopped = EditorProfiles::find()
        .filter(editor_profile::Column::TenantId.eq(tenant))
        .filter(editor_profile::Column::Status.ne(EditorStatus::Active))
        .count(conn)
        .await?;
    Ok(stopped < editors)
}
