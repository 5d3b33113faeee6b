//! The seam between a late submission and the workforce's fines. Whether late work is fined,
//! and how much, are the workforce's rules (`writers::service::fines`), a context above this
//! one; the gateway installs them here as a [`LateWorkDesk`], and the lifecycle tells it, in
//! the submission's own transaction, of a first submission after the writer's deadline, so the
//! order's move and its fine are written together or not at all. Without a desk installed (a
//! tool that assembles no workforce) late work is not fined.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use kernel::request_db::WriteTransaction;
use kernel::{AppResult, RequestContext};
use uuid::Uuid;

use crate::entity::order;

/// What the desk is told of work submitted late.
#[derive(Debug, Clone)]
pub struct LateSubmission {
    pub order_id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Uuid,
    /// The writer's pay for the order, which caps any fine.
    pub pay_minor: i64,
    pub currency: String,
    pub writer_deadline: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
}

#[async_trait::async_trait]
pub trait LateWorkDesk: Send + Sync {
    /// The writer has just submitted `work` for the first time, after their deadline.
    async fn submitted_late(
        &self,
        txn: &WriteTransaction,
        request: &RequestContext,
        work: &LateSubmission,
    ) -> AppResult<()>;
}

static DESK: OnceLock<Arc<dyn LateWorkDesk>> = OnceLock::new();

/// Installs the desk (once a process; later calls keep the first).
pub fn install(desk: Arc<dyn LateWorkDesk>) {
    let _ = DESK.set(desk);
}

/// Tells the desk of `before`'s submission at `at` (`after`: the order as it left it) if it was
/// the writer's first and came after their deadline.
pub(crate) async fn submitted(
    txn: &WriteTransaction,
    request: &RequestContext,
    before: &order::Model,
    after: &order::Model,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let (Some(desk), Some(writer)) = (DESK.get(), before.writer_id) else { return Ok(()) };
    if before.first_submitted_at.is_some() || at <= before.writer_deadline {
        return Ok(());
    }
    let work = LateSubmission {
        order_id: after.id,
        tenant_id: after.tenant_id,
        writer_id: writer,
        pay_minor: after.writer_compensation_minor,
        currency: after.currency.clone(),
        writer_deadline: before.writer_deadline,
        submitted_at: at,
    };
    desk.submitted_late(txn, request, &work).await
}

/// What the workforce reads of an order it fines: who wrote it, and for how much.
#[derive(Debug, Clone)]
pub struct FinedWork {
    pub order_id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub writer_id: Option<Uuid>,
    pub pay_minor: i64,
    pub currency: String,
    pub topic: String,
}

/// The tenant's order `id` as fines read it (`NOT_FOUND` if there is none).
pub async fn fined_work(conn: &impl sea_orm::ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<FinedWork> {
    let o = super::pool::model(conn, tenant, id).await?;
    Ok(FinedWork {
        order_id: o.id,
        tenant_id: o.tenant_id,
        client_id: o.client_id,
        writer_id: o.writer_id,
        pay_minor: o.writer_compensation_minor,
        currency: o.currency,
        topic: o.topic,
    })
}

impl FinedWork {
    /// The order as billing's intents take it.
    pub fn money(&self) -> billing::service::order_money::OrderMoney {
        billing::service::order_money::OrderMoney {
            tenant: self.tenant_id,
            order: self.order_id,
            client: self.client_id,
            currency: self.currency.clone(),
        }
    }
}
