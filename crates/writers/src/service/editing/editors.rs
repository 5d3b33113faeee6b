//! Editors' profiles: the subjects and work types they know (their expertise), how many tasks
//! they hold at once, whether they claim tasks themselves or only take what admins assign, and
//! whether they work. An editor without a profile row has the defaults. Admins change profiles
//! (audited); editors read their own.

use std::collections::HashMap;

use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role, validate};
use orders::service::catalog::CatalogKind;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use super::ADMINS;
use crate::entity::editing_task::{self, Entity as Tasks, TaskStatus};
use crate::entity::editor_profile::{self, EditorStatus, Entity as Profiles};
use crate::service::profiles::{catalogue_ids, list_of, text_of};

/// An editor's limit until an admin sets one.
pub const DEFAULT_MAX_TASKS: i32 = 3;
/// The most tasks an editor may hold at once.
pub const MAX_TASKS: i32 = 100;

/// An editor as the editing desk sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub subject_ids: Vec<Uuid>,
    pub work_type_ids: Vec<Uuid>,
    pub max_concurrent_tasks: i32,
    pub may_claim: bool,
    pub status: EditorStatus,
    pub status_reason: Option<String>,
}

impl EditorRecord {
    fn with(id: Uuid, tenant_id: Uuid, display_name: String, profile: Option<&editor_profile::Model>) -> Self {
        match profile {
            Some(p) => EditorRecord {
                id,
                tenant_id,
                display_name,
                subject_ids: list_of(&p.subject_ids),
                work_type_ids: list_of(&p.work_type_ids),
                max_concurrent_tasks: p.max_concurrent_tasks,
                may_claim: p.may_claim,
                status: p.status,
                status_reason: p.status_reason.clone(),
            },
            None => EditorRecord {
                id,
                tenant_id,
                display_name,
                subject_ids: Vec::new(),
                work_type_ids: Vec::new(),
                max_concurrent_tasks: DEFAULT_MAX_TASKS,
                may_claim: true,
                status: EditorStatus::Active,
                status_reason: None,
            },
        }
    }

    /// Whether the order's subject and work type are within the editor's expertise, where the
    /// site requires a match: a list the editor has names them (an editor with no subjects, or
    /// no work types, listed knows none of them).
    pub fn knows(&self, subject: Option<Uuid>, work_type: Option<Uuid>) -> bool {
        let within = |list: &[Uuid], id: Option<Uuid>| id.is_some_and(|id| list.contains(&id));
        within(&self.subject_ids, subject) && within(&self.work_type_ids, work_type)
    }
}

/// The tenant's editor `id`; `NOT_FOUND` (as `field`'s fault when given) for anyone else.
pub async fn find(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<EditorRecord> {
    let person = identity::service::users::person(conn, id).await?;
    let Some((_, name, _)) = person.filter(|(t, _, role)| *t == Some(tenant) && *role == Role::Editor) else {
        return Err(AppError::not_found("editor"));
    };
    let profile = Profiles::find_by_id(id).filter(editor_profile::Column::TenantId.eq(tenant)).one(conn).await?;
    Ok(EditorRecord::with(id, tenant, name, profile.as_ref()))
}

/// An editor's profile: their own (`None`, editors), or any editor's (admins).
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext, id: Option<Uuid>) -> AppResult<EditorRecord> {
    let viewer = request.require_role(&[Role::Editor, Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    match (viewer.role, id) {
        (Role::Editor, None) => find(conn, tenant, viewer.user_id).await,
        (Role::Editor, Some(id)) if id == viewer.user_id => find(conn, tenant, id).await,
        (Role::Editor, Some(_)) => Err(AppError::not_found("editor")),
        (_, Some(id)) => find(conn, tenant, id).await,
        (_, None) => Err(AppError::bad_input("id", "name the editor")),
    }
}

/// An editor with how many tasks they hold now.
#[derive(Debug, Clone)]
pub struct EditorLoad {
    pub editor: EditorRecord,
    pub active_tasks: i64,
}

/// The site's editors with their load, oldest account first (admins): three statements a page.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    page: PageArgs,
) -> AppResult<Paged<EditorLoad>> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let users = identity::service::users::list(conn, request, Some(Role::Editor), page).await?;
    let ids: Vec<Uuid> = users.items.iter().map(|u| u.id).collect();
    let profiles: HashMap<Uuid, editor_profile::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        Profiles::find()
            .filter(editor_profile::Column::TenantId.eq(tenant))
            .filter(editor_profile::Column::UserId.is_in(ids.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.user_id, p))
            .collect()
    };
    let loads = held(conn, tenant, &ids).await?;
    Ok(users.map(|u| {
        let editor = EditorRecord::with(u.id, tenant, u.display_name, profiles.get(&u.id));
        EditorLoad { active_tasks: loads.get(&u.id).copied().unwrap_or(0), editor }
    }))
}

/// How many tasks each of `editors` holds (claimed or in progress): one statement.
pub async fn held(conn: &impl ConnectionTrait, tenant: Uuid, editors: &[Uuid]) -> AppResult<HashMap<Uuid, i64>> {
    if editors.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<Uuid>, i64)> = Tasks::find()
        .select_only()
        .column(editing_task::Column::EditorId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(editing_task::Column::TenantId.eq(tenant))
        .filter(editing_task::Column::EditorId.is_in(kernel::db::in_list(editors)))
        .filter(editing_task::Column::Status.is_in(TaskStatus::HELD))
        .group_by(editing_task::Column::EditorId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(editor, n)| editor.map(|e| (e, n))).collect())
}

/// Changes to an editor's profile (`None` keeps a value).
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub subject_ids: Option<Vec<Uuid>>,
    pub work_type_ids: Option<Vec<Uuid>>,
    pub max_concurrent_tasks: Option<i32>,
    pub may_claim: Option<bool>,
    pub status: Option<EditorStatus>,
    /// Why (required to suspend; the editor sees it).
    pub reason: Option<String>,
}

/// Changes an editor's profile (admins; audited). Lowering the limit below what they hold
/// takes nothing from them: they claim no more until under it.
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    change: ProfileChange,
) -> AppResult<()> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let reason = validate::optional_text("input.reason", change.reason.as_deref(), 500)?;
    // two admins changing one profile at once: the second reads what the first wrote
    kernel::db::lock_key(conn, &format!("editor_profile:{id}")).await?;
    let before = find(conn, tenant, id).await?;
    let mut after = before.clone();
    if let Some(subjects) = &change.subject_ids {
        after.subject_ids = catalogue_ids(conn, tenant, "input.subjectIds", subjects, CatalogKind::Subject).await?;
    }
    if let Some(types) = &change.work_type_ids {
        after.work_type_ids = catalogue_ids(conn, tenant, "input.workTypeIds", types, CatalogKind::WorkType).await?;
    }
    if let Some(max) = change.max_concurrent_tasks {
        if !(0..=MAX_TASKS).contains(&max) {
            return Err(AppError::bad_input("input.maxConcurrentTasks", format!("from 0 to {MAX_TASKS}")));
        }
        after.max_concurrent_tasks = max;
    }
    if let Some(may_claim) = change.may_claim {
        after.may_claim = may_claim;
    }
    if let Some(status) = change.status {
        if status == EditorStatus::Suspended && reason.is_none() {
            return Err(AppError::bad_input("input.reason", "say why the editor is suspended"));
        }
        after.status = status;
        after.status_reason = if status == EditorStatus::Active { None } else { reason.clone() };
    }
    let now = request.now();
    let row = editor_profile::Model {
        user_id: id,
        tenant_id: tenant,
        subject_ids: text_of(&after.subject_ids)?,
        work_type_ids: text_of(&after.work_type_ids)?,
        max_concurrent_tasks: after.max_concurrent_tasks,
        may_claim: after.may_claim,
        status: after.status,
        status_reason: after.status_reason.clone(),
        created_at: now,
        updated_at: now,
    };
    use editor_profile::Column as C;
    Profiles::insert(editor_profile::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(C::UserId)
                .update_columns([
                    C::SubjectIds,
                    C::WorkTypeIds,
                    C::MaxConcurrentTasks,
                    C::MayClaim,
                    C::Status,
                    C::StatusReason,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let view = |e: &EditorRecord| {
        json!({
            "subjectIds": e.subject_ids,
            "workTypeIds": e.work_type_ids,
            "maxConcurrentTasks": e.max_concurrent_tasks,
            "mayClaim": e.may_claim,
            "status": e.status,
            "reason": e.status_reason,
        })
    };
    audit::record(
        conn,
        request,
        Change {
            action: "editor.profile",
            target_type: "user",
            target_id: Some(id.to_string()),
            tenant_id: None,
            before: Some(view(&before)),
            after: Some(view(&after)),
        },
    )
    .await?;
    Ok(())
}
