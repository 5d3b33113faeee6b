use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A ledger account. `balance_minor` is the sum of its postings, kept by guarded updates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: AccountKind,
    /// The owner's id, or `platform`.
    pub owner_key: String,
    pub owner_id: Option<Uuid>,
    pub currency: String,
    pub balance_minor: i64,
    pub allow_negative: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What an account holds. Balances are signed sums of postings: a wallet's balance is what the
/// client has; platform cash is the outside world's side (money in makes it negative), refunds
/// and adjustments are the platform's contra accounts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum AccountKind {
    #[sea_orm(string_value = "CLIENT_WALLET")]
    ClientWallet,
    #[sea_orm(string_value = "WRITER_EARNINGS")]
    WriterEarnings,
    #[sea_orm(string_value = "PLATFORM_REVENUE")]
    PlatformRevenue,
    #[sea_orm(string_value = "PLATFORM_CASH")]
    PlatformCash,
    #[sea_orm(string_value = "REFUNDS")]
    Refunds,
    #[sea_orm(string_value = "ADJUSTMENTS")]
    Adjustments,
    /// What writers asked to be paid out and the bank has not yet paid (one per site).
    #[sea_orm(string_value = "PAYOUTS_PAYABLE")]
    PayoutsPayable,
}

impl AccountKind {
    /// Only client wallets must never go below zero.
    pub fn allows_negative(self) -> bool {
        self != AccountKind::ClientWallet
    }

    pub fn is_owned(self) -> bool {
        matches!(self, AccountKind::ClientWallet | AccountKind::WriterEarnings)
    }
}
