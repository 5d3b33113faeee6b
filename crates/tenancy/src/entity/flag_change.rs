use sea_orm::entity::prelude::*;

/// Where a scheduled flag change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FlagChangeStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPLIED")]
    Applied,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// A global flag to be switched at a time (applied by a job then).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flag_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// A `Feature`, as the API spells it (`WALLET`).
    pub feature: String,
    /// On (restored on every site) or off (switched off everywhere).
    pub enabled: bool,
    pub at: DateTimeUtc,
    pub status: FlagChangeStatus,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// When it was applied or cancelled.
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
