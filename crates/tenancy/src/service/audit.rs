//! The audit log: who did what to which thing, when, from where, with the before and after
//! state. Written by the mutation that made the change, in its transaction.

use kernel::pagination::{Order, paginate};
use kernel::{AppResult, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::entity::audit_entry::{self, Entity as AuditEntries};

/// What an audit entry says; the actor, tenant, address and time come from the request.
pub struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    /// The tenant the change belongs to, when it is not the request's (a superadmin acting on
    /// a tenant by id).
    pub tenant_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Records `change` if the actor is an admin or superadmin (whose every mutation is audited).
pub async fn record(conn: &impl ConnectionTrait, request: &RequestContext, change: Change<'_>) -> AppResult<()> {
    let Some(viewer) = request.viewer.as_ref().filter(|v| v.role.is_audited()) else {
        return Ok(());
    };
    let tenant_id = change.tenant_id.or(viewer.tenant_id).or(request.tenant.as_ref().map(|t| t.id));
    AuditEntries::insert(audit_entry::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(tenant_id),
        actor_id: Set(Some(viewer.user_id)),
        actor_role: Set(Some(viewer.role)),
        action: Set(change.action.to_owned()),
        target_type: Set(change.target_type.to_owned()),
        target_id: Set(change.target_id),
        before: Set(change.before),
        after: Set(change.after),
        ip: Set(request.client.ip.clone()),
        at: Set(request.now()),
        prev_hash: Set(None),
        hash: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The log, newest first. Admins see their tenant's entries; superadmins everything, or one
/// tenant's when `tenant_id` is given.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    tenant_id: Option<Uuid>,
    page: PageArgs,
) -> AppResult<Paged<audit_entry::Model>> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let scope = match viewer.role {
        Role::Superadmin => tenant_id,
        _ => Some(request.tenant()?.id),
    };
    let mut query = AuditEntries::find();
    if let Some(tenant) = scope {
        query = query.filter(audit_entry::Column::TenantId.eq(tenant));
    }
    paginate(conn, query, audit_entry::Column::Id, Order::newest_first(), page).await
}
