//! Stored bytes that no file names any more: an upload whose request stored it and then did not
//! commit (the request's transaction failed after the upload's step), or a removal whose bytes
//! could not be deleted at the time. A daily job lists the store and removes them. Bytes younger
//! than [`GRACE`] stay: their request may still be running.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use jobs::JobRun;
use kernel::{AppError, AppResult};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::FileStore;
use crate::entity::order_file::{self, Entity as Files};

/// The job that removes unreferenced bytes.
pub const SWEEP: &str = "orders.files.sweep";
/// How often it runs.
pub const EVERY_HOURS: i64 = 24;
/// How old unreferenced bytes must be to go: far longer than any request runs.
pub const GRACE: Duration = Duration::hours(6);
/// Files looked up a statement.
const BATCH: usize = 500;

/// The job: a sweep at the worker's clock.
pub async fn run(run: JobRun, store: &FileStore) -> AppResult<()> {
    let removed = sweep(&run.db, store, run.clock.now()).await?;
    if removed > 0 {
        tracing::info!(removed, "unreferenced stored files removed");
    }
    Ok(())
}

/// Removes the stored bytes, written before `now` less [`GRACE`], that no file row names (of
/// any tenant: `db` is the system connection). Answers how many went.
pub async fn sweep(db: &impl ConnectionTrait, store: &FileStore, now: DateTime<Utc>) -> AppResult<u64> {
    let mut removed = 0;
    let mut listed = store.written_before(now - GRACE).chunks(BATCH);
    while let Some(batch) = listed.next().await {
        let batch = batch.into_iter().collect::<Result<Vec<(String, Uuid)>, _>>().map_err(AppError::internal)?;
        let ids: Vec<Uuid> = batch.iter().map(|(_, id)| *id).collect();
        let known: HashSet<Uuid> = Files::find()
            .select_only()
            .column(order_file::Column::Id)
            .filter(order_file::Column::Id.is_in(kernel::db::in_list(&ids)))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        for (key, id) in batch {
            if !known.contains(&id) {
                store.delete(&key).await;
                removed += 1;
            }
        }
    }
    Ok(removed)
}
