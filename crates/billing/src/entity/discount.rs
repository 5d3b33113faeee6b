use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// Upper-case; what clients type (case-insensitively).
    pub code: String,
    pub kind: DiscountKind,
    /// PERCENT: percent ×10 000 (10 % = 100 000); FIXED: minor units.
    pub value: i64,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub max_uses: Option<i32>,
    pub max_uses_per_client: Option<i32>,
    pub first_order_only: bool,
    pub min_order_minor: Option<i64>,
    pub max_discount_minor: Option<i64>,
    /// Redemptions so far; raised only by a guarded update at placement.
    pub uses: i32,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DiscountKind {
    /// A percent of the order's other lines.
    #[sea_orm(string_value = "PERCENT")]
    Percent,
    /// A fixed amount off.
    #[sea_orm(string_value = "FIXED")]
    Fixed,
}
