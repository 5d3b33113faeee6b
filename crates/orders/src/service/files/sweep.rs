//! Stored bytes that nothing names any more: an upload whose request stored it and then did not
//! commit (the request's transaction failed after the upload's step), or a removal whose bytes
//! could not be deleted at the time. A daily job lists each area of the store (order files here,
//! portfolio samples in the writers' context) and removes them. Bytes younger than [`GRACE`] stay:
//! their request may still be running.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use kernel::{AppError, AppResult};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::FileStore;
use super::store::ORDER_FILES;
use crate::entity::order_file::{self, Entity as Files};

/// The job that removes unreferenced bytes.
pub const SWEEP: &str = "files.sweep";
/// How often it runs.
pub const EVERY_HOURS: i64 = 24;
/// How old unreferenced bytes must be to go: far longer than any request runs.
pub const GRACE: Duration = Duration::hours(6);
/// Objects looked up a statement.
const BATCH: usize = 500;

/// Removes the order files' bytes, written before `now` less [`GRACE`], that no file row names
/// (of any tenant: `db` is the system connection). Answers how many went.
pub async fn sweep(db: &DatabaseConnection, store: &FileStore, now: DateTime<Utc>) -> AppResult<u64> {
    sweep_area(store, ORDER_FILES, now, |ids| {
        let db = db.clone();
        async move {
            let known = Files::find()
                .select_only()
                .column(order_file::Column::Id)
                .filter(order_file::Column::Id.is_in(kernel::db::in_list(&ids)))
                .into_tuple::<Uuid>()
                .all(&db)
                .await?;
            Ok(known.into_iter().collect())
        }
    })
    .await
}

/// Removes the objects of `area` written before `now` less [`GRACE`] whose ids `known` (asked a
/// batch at a time) does not answer. Answers how many went.
pub async fn sweep_area<Known>(
    store: &FileStore,
    area: &'static str,
    now: DateTime<Utc>,
    known: impl Fn(Vec<Uuid>) -> Known,
) -> AppResult<u64>
where
    Known: Future<Output = AppResult<HashSet<Uuid>>>,
{
    let mut removed = 0;
    let mut listed = store.written_before(area, now - GRACE).chunks(BATCH);
    while let Some(batch) = listed.next().await {
        let batch = batch.into_iter().collect::<Result<Vec<(String, Uuid)>, _>>().map_err(AppError::internal)?;
        let ids: Vec<Uuid> = batch.iter().map(|(_, id)| *id).collect();
        let known = known(ids).await?;
        for (key, id) in batch {
            if !known.contains(&id) {
                store.delete(&key).await;
                removed += 1;
            }
        }
    }
    if removed > 0 {
        tracing::info!(area, removed, "unreferenced stored files removed");
    }
    Ok(removed)
}
