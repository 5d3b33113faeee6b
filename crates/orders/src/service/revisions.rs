//! Revision requests: structured (severity, reason, what to change, by when), for the order's
//! writer, within the free-revision window once an order is completed.

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, RequestContext, new_id, validate};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::entity::revision_request::{self, Entity as Revisions, RevisionChanges, RevisionStatus};
pub use crate::entity::revision_request::{RevisionChange, RevisionSeverity};
use crate::service::access::find_visible;
use crate::service::catalog;
use crate::service::lifecycle::{self, Effects, OrderAction};

/// What a revision request asks for.
#[derive(Debug, Clone)]
pub struct RevisionInput {
    pub severity: RevisionSeverity,
    pub reason: String,
    pub changes: Vec<RevisionChange>,
    pub deadline: DateTime<Utc>,
}

/// A structured revision request: moves the order to REVISION_REQUESTED and records what
/// should change, by when, for the order's writer.
pub async fn request_revision(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    input: RevisionInput,
) -> AppResult<revision_request::Model> {
    let reason = validate::text("reason", &input.reason, 5000)?;
    if input.changes.len() > 50 {
        return Err(AppError::bad_input("changes", "at most 50 changes"));
    }
    let changes = input
        .changes
        .iter()
        .map(|change| {
            Ok(RevisionChange {
                section: validate::name("section", &change.section, 200)?,
                description: validate::text("description", &change.description, 2000)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let now = request.now();
    if input.deadline <= now {
        return Err(AppError::bad_input("deadline", "the revision deadline must be in the future"));
    }
    validate::deadline_within_a_year("deadline", input.deadline, now)?;
    let order = find_visible(conn, request, id).await?;
    let settings = catalog::settings(conn, order.tenant_id).await?;
    let after = lifecycle::transition(
        conn,
        request,
        &order,
        OrderAction::RequestRevision,
        Some(reason.clone()),
        Effects::default(),
        settings.free_revision_days,
    )
    .await?;
    let revision = revision_request::Model {
        id: new_id(),
        tenant_id: order.tenant_id,
        order_id: order.id,
        requested_by: request.viewer()?.user_id,
        severity: input.severity,
        reason,
        changes: RevisionChanges(changes),
        deadline: input.deadline,
        status: RevisionStatus::Requested,
        assigned_to: after.writer_id,
        created_at: now,
        started_at: None,
        completed_at: None,
    };
    Revisions::insert(revision_request::ActiveModel::from(revision.clone())).exec_without_returning(conn).await?;
    Ok(revision)
}

/// The editor sends the work back to the writer (only the workforce's editing tasks call this,
/// once they have checked the editor holds the task): the order goes to REVISION_REQUESTED with
/// the editor's notes as a revision request, and the writer's deadline becomes `deadline`.
pub async fn from_editor(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    severity: RevisionSeverity,
    reason: String,
    changes: Vec<RevisionChange>,
    deadline: DateTime<Utc>,
) -> AppResult<revision_request::Model> {
    let now = request.now();
    let after = super::actions::end_editing(
        conn,
        request,
        id,
        OrderAction::ReturnToWriter,
        Some(reason.clone()),
        Some(deadline),
    )
    .await?;
    let revision = revision_request::Model {
        id: new_id(),
        tenant_id: after.tenant_id,
        order_id: after.id,
        requested_by: request.viewer()?.user_id,
        severity,
        reason,
        changes: RevisionChanges(changes),
        deadline,
        status: RevisionStatus::Requested,
        assigned_to: after.writer_id,
        created_at: now,
        started_at: None,
        completed_at: None,
    };
    Revisions::insert(revision_request::ActiveModel::from(revision.clone())).exec_without_returning(conn).await?;
    Ok(revision)
}
