use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A site's editing settings, written the first time an admin changes them (until then the
/// defaults of `service::editing::settings`). `level_ids` is JSON text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editing_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    pub policy: EditingPolicy,
    pub new_writer_orders: i32,
    pub level_ids: String,
    pub editor_share_percent: i32,
    pub require_expertise: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Which submitted work goes to an editor before the client sees it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EditingPolicy {
    /// None (an admin may still ask for it per order).
    #[sea_orm(string_value = "NEVER")]
    Never,
    /// Every submission.
    #[sea_orm(string_value = "ALWAYS")]
    Always,
    /// A writer's work until they have completed `newWriterOrders` orders.
    #[sea_orm(string_value = "NEW_WRITERS")]
    NewWriters,
    /// The work of writers at one of `levelIds`.
    #[sea_orm(string_value = "BY_LEVEL")]
    ByLevel,
}
