use sea_orm::entity::prelude::*;

/// A writer's private calendar feed (`GET /calendar/<secret>.ics`): only the secret's SHA-256
/// is kept; rotating it replaces the row, and the old address stops answering.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_calendar_feeds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub writer_id: Uuid,
    pub tenant_id: Uuid,
    pub secret_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
