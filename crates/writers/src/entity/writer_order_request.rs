use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A writer's request for an order of the pool, decided by an admin.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_order_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub writer_id: Uuid,
    pub note: String,
    pub status: RequestStatus,
    /// Why it was rejected, or what ended it.
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// The admin who approved or rejected it.
    pub decided_by: Option<Uuid>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "OrderRequestStatus")]
pub enum RequestStatus {
    /// Waiting for an admin.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The order is the writer's.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// The writer took it back.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    /// The order went to someone else (or left the pool) first.
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
