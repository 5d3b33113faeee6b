use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A writer's request to be paid `amount` of their available earnings.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub status: PayoutStatus,
    pub batch_id: Option<Uuid>,
    pub requested_at: DateTimeUtc,
    /// When it was paid or failed.
    pub decided_at: Option<DateTimeUtc>,
    pub failure_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PayoutStatus {
    /// Waits for a batch; its money has left the writer's earnings for payouts payable.
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    /// In an open batch, waiting for the bank.
    #[sea_orm(string_value = "BATCHED")]
    Batched,
    #[sea_orm(string_value = "PAID")]
    Paid,
    /// The bank could not pay it; its money went back to the writer's earnings.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}
