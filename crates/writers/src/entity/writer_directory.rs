use sea_orm::entity::prelude::*;

use super::writer_profile::WriterStatus;

/// Every writer of a tenant with their profile, or its defaults where none was written (a view:
/// read only). `level_id` falls back to the tenant's first active writer level.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_directory")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub joined_at: DateTimeUtc,
    pub status: WriterStatus,
    pub status_reason: Option<String>,
    pub level_id: Option<Uuid>,
    pub bio: String,
    pub subject_ids: String,
    pub languages: String,
    pub max_active_orders: Option<i32>,
    pub max_new_per_day: Option<i32>,
    pub preferred_subject_ids: String,
    pub preferred_work_type_ids: String,
    pub auto_accept: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
