//! The seam between an order's submission and the workforce's editors. Whether a submission
//! goes to an editor, and the editing task it opens, are the workforce's rules
//! (`writers::service::editing`), a context above this one; the gateway installs them here as
//! an [`EditingDesk`] when it assembles the application, and the lifecycle asks it, in the
//! submission's own transaction, so the order's move and its task are written together or not
//! at all. Without a desk installed (a tool that assembles no workforce) no work is edited.

use std::sync::{Arc, OnceLock};

use kernel::request_db::WriteTransaction;
use kernel::{AppError, AppResult, Reason, RequestContext};
use sea_orm::ConnectionTrait;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::entity::order::{self, OrderStatus};

/// What the desk is told of an order.
#[derive(Debug, Clone)]
pub struct EditedOrder {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Option<Uuid>,
    pub pages: i32,
    pub work_type_id: Uuid,
    pub subject_id: Uuid,
    /// The client's deadline.
    pub deadline: DateTime<Utc>,
}

impl From<&order::Model> for EditedOrder {
    fn from(o: &order::Model) -> Self {
        EditedOrder {
            id: o.id,
            tenant_id: o.tenant_id,
            writer_id: o.writer_id,
            pages: o.pages,
            work_type_id: o.work_type_id,
            subject_id: o.subject_id,
            deadline: o.deadline,
        }
    }
}

#[async_trait::async_trait]
pub trait EditingDesk: Send + Sync {
    /// Whether the work the writer is submitting for `order` goes to an editor first.
    async fn needs_editing(
        &self,
        txn: &WriteTransaction,
        request: &RequestContext,
        order: &EditedOrder,
    ) -> AppResult<bool>;
    /// Opens the editing task of `order`, just moved to `UNDER_EDITING`.
    async fn open(&self, txn: &WriteTransaction, request: &RequestContext, order: &EditedOrder) -> AppResult<()>;
    /// Closes the open task of `order`, which left editing another way (cancelled).
    async fn withdraw(&self, txn: &WriteTransaction, request: &RequestContext, order: &EditedOrder) -> AppResult<()>;
}

static DESK: OnceLock<Arc<dyn EditingDesk>> = OnceLock::new();

/// Installs the desk (once a process; later calls keep the first).
pub fn install(desk: Arc<dyn EditingDesk>) {
    let _ = DESK.set(desk);
}

pub(crate) fn desk() -> Option<&'static Arc<dyn EditingDesk>> {
    DESK.get()
}

/// Whether the tenant's order `id` is under editing now (one statement).
pub async fn is_under_editing(conn: &impl ConnectionTrait, tenant: uuid::Uuid, id: uuid::Uuid) -> AppResult<bool> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let found = order::Entity::find()
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::TenantId.eq(tenant))
        .filter(order::Column::Status.eq(OrderStatus::UnderEditing))
        .count(conn)
        .await?;
    Ok(found > 0)
}

/// Tells the desk that `order` (as it is now) was cancelled: its open editing task, if any, is
/// closed in the same transaction.
pub(crate) async fn cancelled(txn: &WriteTransaction, request: &RequestContext, order: &order::Model) -> AppResult<()> {
    match desk() {
        Some(desk) => desk.withdraw(txn, request, &order.into()).await,
        None => Ok(()),
    }
}

/// The statuses in which an order's work is still to be submitted.
const BEFORE_SUBMISSION: [OrderStatus; 7] = [
    OrderStatus::Unpaid,
    OrderStatus::Available,
    OrderStatus::PendingPreferred,
    OrderStatus::PendingAcceptance,
    OrderStatus::InProgress,
    OrderStatus::RevisionRequested,
    OrderStatus::InRevision,
];

/// The order `id` (as the viewer sees it) while its work is still to be submitted (or on hold
/// from such a status): what an admin's choice to edit it can still change; `CONFLICT` once it
/// is submitted or closed. Its row stays locked to the end of the transaction, so a submission
/// at the same moment (which locks it before it asks whether the work is edited) comes after
/// and sees the choice, or came first and this is `CONFLICT`.
pub async fn before_submission(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: uuid::Uuid,
) -> AppResult<EditedOrder> {
    use sea_orm::sea_query::{Condition, Expr};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = super::access::find_visible(conn, request, id).await?;
    let held = order::Entity::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::col(order::Column::UpdatedAt))
        .filter(order::Column::Id.eq(found.id))
        .filter(order::Column::TenantId.eq(found.tenant_id))
        .filter(
            Condition::any().add(order::Column::Status.is_in(BEFORE_SUBMISSION)).add(
                Condition::all()
                    .add(order::Column::Status.eq(OrderStatus::OnHold))
                    .add(order::Column::StatusBeforeHold.is_in(BEFORE_SUBMISSION)),
            ),
        )
        .exec(conn)
        .await?;
    if held.rows_affected == 0 {
        return Err(
            AppError::conflict("the order's work is submitted or closed").with_reason(Reason::InvalidTransition)
        );
    }
    Ok((&found).into())
}

/// Locks the order's row to the end of the transaction (a submission, before it asks the desk).
pub(crate) async fn lock(conn: &impl ConnectionTrait, order: &order::Model) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    order::Entity::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::col(order::Column::UpdatedAt))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .exec(conn)
        .await?;
    Ok(())
}
