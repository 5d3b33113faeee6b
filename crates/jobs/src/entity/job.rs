use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a job is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum JobStatus {
    /// Waiting for its time (`runAt`), or for a retry after a failed attempt.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    /// Claimed by a worker, under a lease; taken again by another worker if the lease runs out.
    #[sea_orm(string_value = "RUNNING")]
    Running,
    /// Done.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// Failed every attempt it was allowed; waits for an admin's retry.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The tenant whose work it is; none for system work (purges).
    pub tenant_id: Option<Uuid>,
    pub kind: String,
    pub payload: Json,
    pub status: JobStatus,
    pub run_at: DateTimeUtc,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub unique_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
