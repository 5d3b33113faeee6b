use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An editor's profile, written the first time an admin changes it (until then the defaults of
/// `service::editing::editors`). Lists of ids are JSON text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editor_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub subject_ids: String,
    pub work_type_ids: String,
    pub max_concurrent_tasks: i32,
    pub may_claim: bool,
    pub status: EditorStatus,
    pub status_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Whether an editor takes tasks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EditorStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Away; takes no new tasks.
    #[sea_orm(string_value = "INACTIVE")]
    Inactive,
    /// Stopped by an admin; takes no new tasks.
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}
