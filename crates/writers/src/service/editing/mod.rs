//! Editing: work a writer submits goes to an editor first when the site's policy (or an admin's
//! choice for the order) says so. The submission opens an editing task in its own transaction
//! (through the orders context's [`orders::service::editing::EditingDesk`], which [`Desk`]
//! is); editors claim tasks from the pool (or admins assign them), start, review, and complete
//! (the work goes to the client) or reject (it goes back to the writer as a revision). Every step
//! is in the task's history and the order's timeline.
//!
//! - `settings`: the site's policy and the admins' per-order choice;
//! - `editors`: editors' profiles (expertise, limits) and their load;
//! - `tasks`: the tasks and each step of them;
//! - `reviews`: the editor's review, and what it tells the writer's feedback;
//! - `dashboard`: the editor's dashboard and the admins' part;
//! - `scale`: bulk tasks for benchmarks (`seed-demo --scale`, `--editing-pool`).

pub mod dashboard;
pub mod editors;
pub mod reviews;
pub mod scale;
pub mod settings;
pub mod tasks;

use kernel::{AppResult, RequestContext, Role, WriteTransaction};
use orders::service::editing::EditedOrder;

/// Who manages editing (settings, editors, assignment).
pub const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];

/// The workforce's side of a submission (installed by the gateway).
pub struct Desk;

#[async_trait::async_trait]
impl orders::service::editing::EditingDesk for Desk {
    async fn needs_editing(
        &self,
        txn: &WriteTransaction,
        request: &RequestContext,
        order: &EditedOrder,
    ) -> AppResult<bool> {
        settings::needs_editing(txn, request, order).await
    }

    async fn open(&self, txn: &WriteTransaction, request: &RequestContext, order: &EditedOrder) -> AppResult<()> {
        tasks::open(txn, request, order).await.map(|_| ())
    }

    async fn withdraw(&self, txn: &WriteTransaction, request: &RequestContext, order: &EditedOrder) -> AppResult<()> {
        tasks::withdraw(txn, request, order).await
    }
}
