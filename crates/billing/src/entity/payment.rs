use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Money coming in through a payment provider; credited once, on the provider's confirmation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub provider: String,
    /// The provider's id for it (a Checkout Session id).
    pub provider_ref: Option<String>,
    pub checkout_url: Option<String>,
    pub status: PaymentState,
    pub entry_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "TopUpStatus")]
pub enum PaymentState {
    /// Waiting for the client to pay at the provider.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}
