//! Idempotent mutations: one mechanism for every mutation that takes an `idempotencyKey`.
//!
//! The first call with a key claims it (inserts its row) at the start of a write transaction,
//! does its work, and stores its response in the row, all in that transaction. A replay with
//! the same input returns the stored response; with another input it is `CONFLICT`. A
//! concurrent first call with the same key waits on the claim (PostgreSQL holds a second
//! insert of a unique key until the first transaction ends; SQLite's `BEGIN IMMEDIATE` queues
//! the whole transaction): when the first commits it replays that answer, when the first
//! failed and rolled back it does the work itself. Either way the work happens once.
//!
//! A key belongs to its tenant, user and operation (a superadmin may use one key in two
//! tenants) and lives [`KEY_TTL_HOURS`]: after that a replay does the work again, and
//! [`purge`] removes it.

use crate::Reason;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryFilter};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{AppError, AppResult, RequestContext, new_id};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub user_id: Uuid,
    pub operation: String,
    pub key: String,
    pub input_hash: String,
    pub response: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// SHA-256 of the input's JSON form: what "the same input" means.
pub fn input_hash(input: &impl Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(input).unwrap_or_default()))
}

/// How long a key's answer is kept.
pub const KEY_TTL_HOURS: i64 = 24;

/// Who a key belongs to.
struct Owner {
    tenant: Uuid,
    user: Uuid,
}

async fn stored(conn: &impl ConnectionTrait, owner: &Owner, operation: &str, key: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::TenantId.eq(owner.tenant))
        .filter(Column::UserId.eq(owner.user))
        .filter(Column::Operation.eq(operation))
        .filter(Column::Key.eq(key))
        .one(conn)
        .await?)
}

fn replay<T: DeserializeOwned>(row: Model, hash: &str) -> AppResult<T> {
    if row.input_hash != hash {
        return Err(AppError::conflict("this idempotency key was used with a different input")
            .with_field("idempotencyKey")
            .with_reason(Reason::IdempotencyKeyReused));
    }
    serde_json::from_value(row.response).map_err(AppError::internal)
}

/// Forgets keys older than [`KEY_TTL_HOURS`]; returns how many.
pub async fn purge(conn: &impl ConnectionTrait, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
    let expired = now - chrono::Duration::hours(KEY_TTL_HOURS);
    Ok(Entity::delete_many().filter(Column::CreatedAt.lt(expired)).exec(conn).await?.rows_affected)
}

/// Runs `work` in a write transaction, at most once per (tenant, viewer, `operation`, `key`).
/// Called through [`crate::write::write_once`].
pub(crate) async fn run<T, F>(
    request: &RequestContext,
    operation: &str,
    key: &str,
    input_hash: String,
    work: F,
) -> AppResult<T>
where
    T: Serialize + DeserializeOwned,
    F: AsyncFnOnce(&crate::request_db::WriteTransaction) -> AppResult<T>,
{
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(AppError::bad_input("idempotencyKey", "an idempotency key has 1 to 200 characters"));
    }
    let owner = Owner { tenant: request.tenant()?.id, user: request.viewer()?.user_id };
    let txn = request.db.begin_write().await?;
    let now = request.now();
    if let Some(row) = stored(&txn, &owner, operation, key).await? {
        if row.created_at >= now - chrono::Duration::hours(KEY_TTL_HOURS) {
            txn.rollback().await?;
            return replay(row, &input_hash);
        }
        // Expired but not purged yet: it no longer answers for the key.
        Entity::delete_by_id(row.id).exec(&txn).await?;
    }
    let claim = new_id();
    let claimed = Entity::insert(ActiveModel {
        id: Set(claim),
        tenant_id: Set(Some(owner.tenant)),
        user_id: Set(owner.user),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        input_hash: Set(input_hash.clone()),
        response: Set(serde_json::Value::Null),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await;
    match claimed {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            // Another call with this key committed first: its answer is ours.
            txn.rollback().await?;
            let row = stored(&request.db, &owner, operation, key)
                .await?
                .ok_or_else(|| AppError::internal("idempotency row vanished"))?;
            return replay(row, &input_hash);
        }
        Err(err) => return Err(err.into()),
    }
    // On failure the transaction is dropped, which rolls back the claim with the work (a
    // request's savepoint before the request's next statement, or its end).
    // boxed: a write's work is the deepest future of a request, and debug builds' stacks
    // are small for it inline
    let (result, live_events) = crate::live::collect(Box::pin(work(&txn))).await;
    let result = result?;
    let response = serde_json::to_value(&result).map_err(AppError::internal)?;
    Entity::update_many()
        .col_expr(Column::Response, sea_orm::sea_query::Expr::value(response))
        .filter(Column::Id.eq(claim))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    crate::live::committed(live_events);
    Ok(result)
}
