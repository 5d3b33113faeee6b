use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::fine::FineKind;

/// How a site fines one kind of fault; a kind without a row has the default
/// (`service::fines::default_policy`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fine_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: FineKind,
    pub mode: FineMode,
    /// `FIXED`: the amount.
    pub amount_minor: i64,
    /// `PERCENT`: of the writer's pay for the order (×10 000: 5 % is 50 000).
    pub percent_e4: i64,
    /// `LATE`: per hour late for the first day, then per day late after it.
    pub hourly_percent_e4: i64,
    pub daily_percent_e4: i64,
    /// Off: no fine of this kind is computed or suggested.
    pub active: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FineMode {
    #[sea_orm(string_value = "FIXED")]
    Fixed,
    #[sea_orm(string_value = "PERCENT")]
    Percent,
    /// By the time late: `hourlyPercent` an hour through the first day, then `dailyPercent` a
    /// day, capped at the writer's pay.
    #[sea_orm(string_value = "LATE")]
    Late,
}
