//! The one way anything is written: a closure run in one write transaction, committed when it
//! returns `Ok`, rolled back when it returns an error. Resolvers and commands
//! never open or commit a transaction themselves.
//!
//! ```ignore
//! // a write
//! let draft = write(request, async |txn| drafts::save(txn, request, id, spec).await).await?;
//! // a write that happens at most once per idempotency key
//! let id = write_once(request, Once::new("placeOrder", key, &input), async |txn| {
//!     Ok(orders::place(txn, request, &spec).await?.id)
//! }).await?;
//! ```
//!
//! The transaction takes the write lock up front (`BEGIN IMMEDIATE` on SQLite; read committed on
//! PostgreSQL, where row locks and conditional updates guard), see [`crate::db::begin_write`].

use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::request_db::WriteTransaction;
use crate::{AppResult, RequestContext, db, idempotency, live};

/// Runs `work` in a write transaction on `db` and commits it (for work outside a request:
/// commands, webhooks, the worker).
pub async fn transaction<T>(
    db: &DatabaseConnection,
    work: impl AsyncFnOnce(&WriteTransaction) -> AppResult<T>,
) -> AppResult<T> {
    run(db::begin_write(db).await?.into(), work).await
}

/// Runs `work` in a write transaction of the request's database and commits it (on PostgreSQL
/// a savepoint of the request's transaction, which the gateway commits with the answer).
pub async fn write<T>(
    request: &RequestContext,
    work: impl AsyncFnOnce(&WriteTransaction) -> AppResult<T>,
) -> AppResult<T> {
    run(request.db.begin_write().await?, work).await
}

async fn run<T>(txn: WriteTransaction, work: impl AsyncFnOnce(&WriteTransaction) -> AppResult<T>) -> AppResult<T> {
    // the live events published on SQLite go out after the commit (on PostgreSQL the commit
    // itself sends them)
    // boxed: a write's work is the deepest future of a request, and debug builds' stacks
    // are small for it inline
    let (result, live_events) = live::collect(Box::pin(work(&txn))).await;
    match result {
        Ok(result) => {
            txn.commit().await?;
            live::committed(live_events);
            Ok(result)
        }
        Err(e) => {
            // rolled back here, at once (dropped, a request's savepoint would be rolled back
            // only before its next statement, holding its locks until then)
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// An idempotent call: the operation, the client's key (none: an ordinary write), and a hash of
/// the input (the same key with another input is `CONFLICT`).
pub struct Once<'a> {
    pub operation: &'static str,
    pub key: Option<&'a str>,
    pub input_hash: String,
}

impl<'a> Once<'a> {
    pub fn new(operation: &'static str, key: Option<&'a str>, input: &impl Serialize) -> Self {
        Once { operation, key, input_hash: idempotency::input_hash(input) }
    }
}

/// Runs `work` at most once per (tenant, viewer, operation, key): a replay with the same input
/// answers what the first call answered; without a key it is [`write`]. The answer is stored,
/// so it is something small (an id) that the caller turns into the full result.
pub async fn write_once<T: Serialize + DeserializeOwned>(
    request: &RequestContext,
    once: Once<'_>,
    work: impl AsyncFnOnce(&WriteTransaction) -> AppResult<T>,
) -> AppResult<T> {
    match once.key {
        None => write(request, work).await,
        Some(key) => idempotency::run(request, once.operation, key, once.input_hash, work).await,
    }
}
