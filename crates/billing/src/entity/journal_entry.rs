use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One money movement. Immutable: a correction is a reversing entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journal_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: EntryKind,
    pub description: String,
    pub order_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub currency: String,
    pub created_at: DateTimeUtc,
    /// What caused it; unique, so an effect is posted at most once per cause.
    pub cause: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EntryKind {
    /// Money from outside into a wallet.
    #[sea_orm(string_value = "TOP_UP")]
    TopUp,
    /// A wallet pays for an order.
    #[sea_orm(string_value = "ORDER_PAYMENT")]
    OrderPayment,
    /// An order paid outside the platform, recorded by staff.
    #[sea_orm(string_value = "MANUAL_PAYMENT")]
    ManualPayment,
    #[sea_orm(string_value = "WRITER_EARNINGS")]
    WriterEarnings,
    #[sea_orm(string_value = "EARNINGS_REVERSAL")]
    EarningsReversal,
    #[sea_orm(string_value = "REFUND")]
    Refund,
    #[sea_orm(string_value = "ADJUSTMENT")]
    Adjustment,
    /// The writer's share of what a client's cancellation forfeited.
    #[sea_orm(string_value = "FORFEIT_SHARE")]
    ForfeitShare,
    /// A client's tip to the writer of a completed order, split between the writer and the site.
    #[sea_orm(string_value = "TIP")]
    Tip,
    /// A writer's payout request: earnings to payouts payable.
    #[sea_orm(string_value = "PAYOUT")]
    Payout,
    /// A batch of payouts paid by the bank: payouts payable to cash.
    #[sea_orm(string_value = "PAYOUT_PAID")]
    PayoutPaid,
    /// A payout the bank could not pay: payouts payable back to the writer's earnings.
    #[sea_orm(string_value = "PAYOUT_RETURNED")]
    PayoutReturned,
    /// A fine on a writer: their earnings to revenue (may take them below zero).
    #[sea_orm(string_value = "FINE")]
    Fine,
    /// A voided fine's money back to the writer's earnings.
    #[sea_orm(string_value = "FINE_RETURNED")]
    FineReturned,
}
