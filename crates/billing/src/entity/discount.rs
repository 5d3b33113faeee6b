use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// Upper-case; what clients type (case-insensitively).
    pub code: String,
    pub kind: DiscountKind,
    /// PERCENT: the percent ×10 000 (10 % = 100 000, as `Rate`); FIXED: minor units.
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

pub use crate::service::discounts::DiscountKind;
