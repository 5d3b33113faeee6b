//! Writers' profiles: who they are (bio, subjects, languages), their status and level. Every
//! writer of a tenant has one through `writer_directory` (defaults until written); a writer
//! edits their own, admins change status and level (audited). Staff read any; a writer only
//! their own.

use chrono::{DateTime, Utc};
use kernel::pagination::{Direction, Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role, validate};
use orders::service::catalog::{self, CatalogKind};
use orders::service::workload;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr, SubQueryStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use crate::entity::writer_blackout::{self, Entity as Blackouts};
use crate::entity::writer_directory::{self, Entity as Directory};
use crate::entity::writer_level_rule::{self, Entity as LevelRules};
use crate::entity::writer_profile::{self, Entity as Profiles, WriterStatus};
use crate::service::levels::{ADMINS, Rules};

/// Who may read any writer's profile. Editors will, with the editing context.
pub const STAFF: &[Role] = &[Role::Support, Role::Admin, Role::Superadmin];

/// How many subjects and languages a profile lists.
pub const MAX_SUBJECTS: usize = 30;
pub const MAX_LANGUAGES: usize = 10;

/// A writer as the workforce sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub joined_at: DateTime<Utc>,
    pub status: WriterStatus,
    pub status_reason: Option<String>,
    /// The level set, or the tenant's first active one; none while the tenant has no levels.
    pub level_id: Option<Uuid>,
    pub bio: String,
    pub subject_ids: Vec<Uuid>,
    pub languages: Vec<String>,
    /// The writer's own limits (bounded by the level's when read: `capacity`).
    pub max_active_orders: Option<i32>,
    pub max_new_per_day: Option<i32>,
    pub preferred_subject_ids: Vec<Uuid>,
    pub preferred_work_type_ids: Vec<Uuid>,
    pub auto_accept: bool,
}

/// A JSON list as stored; a list that does not parse reads as empty (it is only ever written
/// from a checked list).
pub(crate) fn list_of<T: serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn text_of<T: serde::Serialize>(list: &[T]) -> AppResult<String> {
    serde_json::to_string(list).map_err(AppError::internal)
}

impl From<writer_directory::Model> for WriterRecord {
    fn from(m: writer_directory::Model) -> Self {
        WriterRecord {
            id: m.user_id,
            tenant_id: m.tenant_id,
            display_name: m.display_name,
            joined_at: m.joined_at,
            status: m.status,
            status_reason: m.status_reason,
            level_id: m.level_id,
            bio: m.bio,
            subject_ids: list_of(&m.subject_ids),
            languages: list_of(&m.languages),
            max_active_orders: m.max_active_orders,
            max_new_per_day: m.max_new_per_day,
            preferred_subject_ids: list_of(&m.preferred_subject_ids),
            preferred_work_type_ids: list_of(&m.preferred_work_type_ids),
            auto_accept: m.auto_accept,
        }
    }
}

/// The tenant's writer `id`, or `NOT_FOUND`.
pub(crate) async fn find(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<WriterRecord> {
    Directory::find_by_id(id)
        .filter(writer_directory::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .map(WriterRecord::from)
        .ok_or_else(|| AppError::not_found("writer"))
}

/// The writer, read under a lock on their profile's changes, so that what an audit entry says
/// was before is what the change replaced.
async fn locked(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<WriterRecord> {
    kernel::db::lock_key(conn, &format!("writer_profile:{id}")).await?;
    find(conn, tenant, id).await
}

/// A writer's profile: the viewer's own (`writer` absent or theirs), or any for staff. Another
/// writer's is `NOT_FOUND`, as if it did not exist.
pub async fn get(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: Option<Uuid>,
) -> AppResult<WriterRecord> {
    let viewer = request.viewer()?;
    let id = writer.unwrap_or(viewer.user_id);
    match viewer.role {
        Role::Writer if id == viewer.user_id => {}
        Role::Writer => return Err(AppError::not_found("writer")),
        role if STAFF.contains(&role) => {}
        _ => return Err(AppError::forbidden("only writers and staff read writer profiles")),
    }
    find(conn, request.tenant()?.id, id).await
}

/// What an admin filters writers by.
#[derive(Debug, Clone, Default)]
pub struct WriterFilter {
    pub level: Option<Uuid>,
    pub status: Option<WriterStatus>,
    pub subject: Option<Uuid>,
    /// Writers who could take an order now (`true`), or who could not (`false`): active, in no
    /// blackout, with a free slot.
    pub available_now: Option<bool>,
}

/// The tenant's writers by name (admins), filtered; one statement for the page.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: WriterFilter,
    page: PageArgs,
) -> AppResult<Paged<WriterRecord>> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let mut query = Directory::find().filter(writer_directory::Column::TenantId.eq(tenant));
    if let Some(level) = filter.level {
        query = query.filter(writer_directory::Column::LevelId.eq(level));
    }
    if let Some(status) = filter.status {
        query = query.filter(writer_directory::Column::Status.eq(status));
    }
    if let Some(subject) = filter.subject {
        // a printed id holds no LIKE wildcard
        query = query.filter(writer_directory::Column::SubjectIds.like(format!("%\"{subject}\"%")));
    }
    if let Some(wanted) = filter.available_now {
        let now = request.now();
        let (day_start, _) = kernel::time::day_and_month_start(now, request.tenant()?.time_zone);
        let available = available_now(tenant, now, day_start);
        query = query.filter(if wanted { available } else { available.not() });
    }
    let order = Order::by(writer_directory::Column::DisplayName, Direction::OldestFirst);
    Ok(paginate(conn, query, writer_directory::Column::UserId, order, page).await?.map(WriterRecord::from))
}

/// In SQL, over `writer_directory`, what `capacity` computes for one writer as `acceptingNow`:
/// active, in no blackout at `now`, holding fewer orders than their limit and having taken fewer
/// than their daily one since `day_start` (limits: their own within their level's, else the
/// level's, else the default).
fn available_now(tenant: Uuid, now: DateTime<Utc>, day_start: DateTime<Utc>) -> Condition {
    let d = |c: writer_directory::Column| Expr::col((writer_directory::Entity, c));
    let blacked_out = Query::select()
        .expr(Expr::val(1))
        .from(Blackouts)
        .and_where(Expr::col((Blackouts, writer_blackout::Column::TenantId)).eq(tenant))
        .and_where(
            Expr::col((Blackouts, writer_blackout::Column::WriterId))
                .equals((writer_directory::Entity, writer_directory::Column::UserId)),
        )
        .and_where(Expr::col((Blackouts, writer_blackout::Column::StartsAt)).lte(now))
        .and_where(Expr::col((Blackouts, writer_blackout::Column::EndsAt)).gt(now))
        .to_owned();
    let level_max = Query::select()
        .expr(Expr::col((Alias::new("r"), writer_level_rule::Column::MaxActiveOrders)))
        .from_as(LevelRules, Alias::new("r"))
        .and_where(Expr::col((Alias::new("r"), writer_level_rule::Column::TenantId)).eq(tenant))
        .and_where(
            Expr::col((Alias::new("r"), writer_level_rule::Column::LevelId))
                .equals((writer_directory::Entity, writer_directory::Column::LevelId)),
        )
        .to_owned();
    let level_max = Expr::expr(SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(level_max))))
        .if_null(Rules::default().max_active_orders);
    // `capacity::limits`, in SQL
    let within_level = |own: Expr| own.clone().is_not_null().and(own.lt(level_max.clone()));
    let own_active = d(writer_directory::Column::MaxActiveOrders);
    let active_limit = Expr::case(within_level(own_active.clone()), own_active).finally(level_max.clone());
    let own_daily = d(writer_directory::Column::MaxNewPerDay);
    let daily_limit = Expr::case(within_level(own_daily.clone()), own_daily.clone())
        .case(own_daily.is_not_null(), level_max.clone())
        .finally(active_limit.clone());
    let writer = || d(writer_directory::Column::UserId);
    Condition::all()
        .add(writer_directory::Column::Status.eq(WriterStatus::Active))
        .add(Expr::exists(blacked_out).not())
        .add(workload::in_hand_below(tenant, writer(), active_limit.into()))
        .add(workload::taken_since_below(tenant, writer(), day_start, daily_limit.into()))
}

/// Writes the writer's profile row with the directory's defaults if there is none yet, so that
/// a change can be an `UPDATE` (one row whoever asks first).
pub(crate) async fn ensure_row(
    conn: &impl ConnectionTrait,
    writer: &WriterRecord,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let row = writer_profile::Model {
        user_id: writer.id,
        tenant_id: writer.tenant_id,
        bio: String::new(),
        subject_ids: "[]".into(),
        languages: "[]".into(),
        status: WriterStatus::Active,
        status_reason: None,
        level_id: None,
        max_active_orders: None,
        max_new_per_day: None,
        preferred_subject_ids: "[]".into(),
        preferred_work_type_ids: "[]".into(),
        auto_accept: false,
        created_at: now,
        updated_at: now,
    };
    Profiles::insert(writer_profile::ActiveModel::from(row))
        .on_conflict(OnConflict::column(writer_profile::Column::UserId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Sets columns of one writer's profile row (written first if need be).
pub(crate) async fn set_columns(
    conn: &impl ConnectionTrait,
    writer: &WriterRecord,
    now: DateTime<Utc>,
    columns: Vec<(writer_profile::Column, sea_orm::Value)>,
) -> AppResult<()> {
    ensure_row(conn, writer, now).await?;
    let mut update = Profiles::update_many()
        .col_expr(writer_profile::Column::UpdatedAt, Expr::val(now))
        .filter(writer_profile::Column::UserId.eq(writer.id))
        .filter(writer_profile::Column::TenantId.eq(writer.tenant_id));
    for (column, value) in columns {
        update = update.col_expr(column, Expr::val(value));
    }
    update.exec(conn).await?;
    Ok(())
}

/// What a writer says of themself; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct ProfileFields {
    pub bio: Option<String>,
    pub subject_ids: Option<Vec<Uuid>>,
    pub languages: Option<Vec<String>>,
}

/// The viewer (a writer) changes their profile. Subjects must be the tenant's subjects.
pub async fn update_own(conn: &impl ConnectionTrait, request: &RequestContext, f: ProfileFields) -> AppResult<Uuid> {
    let viewer = request.require_role(&[Role::Writer])?;
    let tenant = request.tenant()?.id;
    let mut columns = Vec::new();
    if let Some(bio) = &f.bio {
        let bio = if bio.trim().is_empty() { String::new() } else { validate::text("input.bio", bio, 2000)? };
        columns.push((writer_profile::Column::Bio, bio.into()));
    }
    if let Some(languages) = &f.languages {
        if languages.len() > MAX_LANGUAGES {
            return Err(AppError::bad_input("input.languages", format!("at most {MAX_LANGUAGES} languages")));
        }
        let mut checked: Vec<String> = Vec::new();
        for language in languages {
            let language = validate::name("input.languages", language, 40)?;
            if !checked.iter().any(|l| l.eq_ignore_ascii_case(&language)) {
                checked.push(language);
            }
        }
        columns.push((writer_profile::Column::Languages, text_of(&checked)?.into()));
    }
    if let Some(subjects) = &f.subject_ids {
        let subjects = catalogue_ids(conn, tenant, "input.subjectIds", subjects, CatalogKind::Subject).await?;
        columns.push((writer_profile::Column::SubjectIds, text_of(&subjects)?.into()));
    }
    let writer = find(conn, tenant, viewer.user_id).await?;
    set_columns(conn, &writer, request.now(), columns).await?;
    Ok(writer.id)
}

/// `ids`, deduplicated, each an active entry of the tenant's `kind` list, at most
/// `MAX_SUBJECTS`; or `BAD_USER_INPUT` on `field`.
pub(crate) async fn catalogue_ids(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    field: &str,
    ids: &[Uuid],
    kind: CatalogKind,
) -> AppResult<Vec<Uuid>> {
    if ids.len() > MAX_SUBJECTS {
        return Err(AppError::bad_input(field, format!("at most {MAX_SUBJECTS} entries")));
    }
    let known = catalog::entries_of(conn, tenant, kind).await?;
    let mut checked = Vec::new();
    for id in ids {
        if !known.iter().any(|e| e.id == *id && e.active) {
            return Err(AppError::bad_input(field, format!("{id} is not one of the catalogue's entries of that list")));
        }
        if !checked.contains(id) {
            checked.push(*id);
        }
    }
    Ok(checked)
}

/// Puts a writer at a level (admins; audited). The level must be one of the tenant's active
/// writer levels.
pub async fn set_level(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: Uuid,
    level: Uuid,
    reason: Option<&str>,
) -> AppResult<Uuid> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let reason = validate::optional_text("reason", reason, 500)?;
    let levels = catalog::entries_of(conn, tenant, CatalogKind::WriterLevel).await?;
    if !levels.iter().any(|l| l.id == level && l.active) {
        return Err(AppError::bad_input("levelId", "not one of the tenant's active writer levels"));
    }
    let before = locked(conn, tenant, writer).await?;
    set_columns(conn, &before, request.now(), vec![(writer_profile::Column::LevelId, Some(level).into())]).await?;
    audit::record(
        conn,
        request,
        Change {
            action: "writer.level",
            target_type: "user",
            target_id: Some(writer.to_string()),
            tenant_id: None,
            before: Some(json!({ "levelId": before.level_id })),
            after: Some(json!({ "levelId": level, "reason": reason })),
        },
    )
    .await?;
    Ok(writer)
}

/// Changes whether a writer works (admins; audited). Suspending needs a reason, which the writer
/// sees on their profile.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    writer: Uuid,
    status: WriterStatus,
    reason: Option<&str>,
) -> AppResult<Uuid> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let reason = validate::optional_text("reason", reason, 500)?;
    if status == WriterStatus::Suspended && reason.is_none() {
        return Err(AppError::bad_input("reason", "say why the writer is suspended"));
    }
    let before = locked(conn, tenant, writer).await?;
    set_columns(
        conn,
        &before,
        request.now(),
        vec![
            (writer_profile::Column::Status, sea_orm::ActiveEnum::to_value(&status).into()),
            (writer_profile::Column::StatusReason, reason.clone().into()),
        ],
    )
    .await?;
    audit::record(
        conn,
        request,
        Change {
            action: "writer.status",
            target_type: "user",
            target_id: Some(writer.to_string()),
            tenant_id: None,
            before: Some(json!({ "status": before.status, "reason": before.status_reason })),
            after: Some(json!({ "status": status, "reason": reason })),
        },
    )
    .await?;
    Ok(writer)
}
