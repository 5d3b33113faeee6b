use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A writer's profile, written the first time the writer or an admin changes it (until then the
/// directory shows the defaults). Lists of ids and languages are JSON text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub bio: String,
    pub subject_ids: String,
    pub languages: String,
    pub status: WriterStatus,
    pub status_reason: Option<String>,
    pub level_id: Option<Uuid>,
    pub max_active_orders: Option<i32>,
    pub max_new_per_day: Option<i32>,
    pub preferred_subject_ids: String,
    pub preferred_work_type_ids: String,
    pub auto_accept: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Whether a writer works.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum WriterStatus {
    /// Takes work.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Away by their own choice; takes no new work.
    #[sea_orm(string_value = "ON_LEAVE")]
    OnLeave,
    /// Stopped by an admin; takes no new work.
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}
