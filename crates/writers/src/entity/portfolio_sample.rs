use sea_orm::entity::prelude::*;

/// A sample of a writer's work on their portfolio: a title and a text excerpt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portfolio_samples")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Uuid,
    pub title: String,
    pub subject_id: Option<Uuid>,
    pub work_type_id: Option<Uuid>,
    pub excerpt: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
