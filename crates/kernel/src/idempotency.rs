//! Idempotent mutations: one mechanism for every mutation that takes an `idempotencyKey`.
//!
//! The first call with a key claims it (inserts its row) at the start of a write transaction,
//! does its work, and stores its response in the row, all in that transaction. A replay with
//! the same input returns the stored response; with another input it is `CONFLICT`. A
//! concurrent first call with the same key waits on the claim (PostgreSQL holds a second
//! insert of a unique key until the first transaction ends; SQLite's `BEGIN IMMEDIATE` queues
//! the whole transaction): when the first commits it replays that answer, when the first
//! failed and rolled back it does the work itself. Either way the work happens once.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, QueryFilter};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{AppError, AppResult, RequestContext, db::begin_write, new_id};

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

async fn stored(conn: &impl ConnectionTrait, user: Uuid, operation: &str, key: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user))
        .filter(Column::Operation.eq(operation))
        .filter(Column::Key.eq(key))
        .one(conn)
        .await?)
}

fn replay<T: DeserializeOwned>(row: Model, hash: &str) -> AppResult<T> {
    if row.input_hash != hash {
        return Err(AppError::conflict("this idempotency key was used with a different input")
            .with_field("idempotencyKey")
            .with_reason("IDEMPOTENCY_KEY_REUSED"));
    }
    serde_json::from_value(row.response).map_err(AppError::internal)
}

/// Runs `work` in a write transaction, at most once per (viewer, `operation`, `key`).
pub async fn run<T, F>(
    request: &RequestContext,
    operation: &str,
    key: Option<&str>,
    input_hash: String,
    work: F,
) -> AppResult<T>
where
    T: Serialize + DeserializeOwned,
    F: AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
{
    let Some(key) = key else {
        let txn = begin_write(&request.db).await?;
        let result = work(&txn).await?;
        txn.commit().await?;
        return Ok(result);
    };
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(AppError::bad_input("idempotencyKey", "an idempotency key has 1 to 200 characters"));
    }
    let user = request.viewer()?.user_id;
    let txn = begin_write(&request.db).await?;
    if let Some(row) = stored(&txn, user, operation, key).await? {
        txn.rollback().await?;
        return replay(row, &input_hash);
    }
    let claim = new_id();
    let claimed = Entity::insert(ActiveModel {
        id: Set(claim),
        tenant_id: Set(request.tenant.as_ref().map(|t| t.id)),
        user_id: Set(user),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        input_hash: Set(input_hash.clone()),
        response: Set(serde_json::Value::Null),
        created_at: Set(request.now()),
    })
    .exec_without_returning(&txn)
    .await;
    match claimed {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            // Another call with this key committed first: its answer is ours.
            txn.rollback().await?;
            let row = stored(&request.db, user, operation, key)
                .await?
                .ok_or_else(|| AppError::internal("idempotency row vanished"))?;
            return replay(row, &input_hash);
        }
        Err(err) => return Err(err.into()),
    }
    // On failure the transaction is dropped, which rolls back the claim with the work.
    let result = work(&txn).await?;
    let response = serde_json::to_value(&result).map_err(AppError::internal)?;
    Entity::update_many()
        .col_expr(Column::Response, sea_orm::sea_query::Expr::value(response))
        .filter(Column::Id.eq(claim))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(result)
}
