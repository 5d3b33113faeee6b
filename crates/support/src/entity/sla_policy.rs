use sea_orm::entity::prelude::*;

use super::ticket::Priority;

/// A site's SLA targets for one priority, in working minutes; a priority without a row has the
/// defaults (`service::settings::default_targets`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub priority: Priority,
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
