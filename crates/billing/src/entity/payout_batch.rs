use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Payout requests grouped to be paid by the bank in one go.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub status: BatchStatus,
    /// What it held when it was created (failed payouts stay in it, marked FAILED).
    pub request_count: i32,
    pub total_minor: i64,
    pub currency: String,
    pub created_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub paid_at: Option<DateTimeUtc>,
    /// The bank's reference for the transfer, given when it is marked paid.
    pub external_reference: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BatchStatus {
    /// Created and exportable; its payouts wait for the bank.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// The bank paid it (`externalReference`); its payouts that did not fail are PAID.
    #[sea_orm(string_value = "PAID")]
    Paid,
}
