use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A request to move an order's deadline later, by its client or its writer, decided by the
/// other side or an admin.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_extensions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub requested_by: Uuid,
    pub requested_by_role: ExtensionSide,
    /// The deadlines when it was asked, and what they become if it is approved (the writer's in
    /// the same proportion of the time from placing).
    pub deadline: DateTimeUtc,
    pub new_deadline: DateTimeUtc,
    pub writer_deadline: DateTimeUtc,
    pub new_writer_deadline: DateTimeUtc,
    pub reason: String,
    pub status: ExtensionStatus,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Who asked.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ExtensionSide {
    #[sea_orm(string_value = "CLIENT")]
    Client,
    #[sea_orm(string_value = "WRITER")]
    Writer,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ExtensionStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
}
