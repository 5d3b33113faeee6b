use sea_orm::entity::prelude::*;

use crate::service::spec::OrderSpec;

/// A client's reusable defaults for new orders (an `OrderSpec` without topic, size, deadline or
/// instructions, stored as JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_presets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub name: String,
    pub spec: OrderSpec,
    pub is_default: bool,
    pub usage_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
