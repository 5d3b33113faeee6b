use sea_orm::entity::prelude::*;

/// Feedback on a writer's work on one order, by its client (or, later, its editor).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_feedback")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub writer_id: Uuid,
    pub author_id: Uuid,
    /// `CLIENT` (or `EDITOR`).
    pub author_role: String,
    /// Ratings from 1 to 5.
    pub quality: i16,
    pub communication: i16,
    pub timeliness: i16,
    pub following_instructions: i16,
    pub comment: String,
    /// Shown on the writer's portfolio; private feedback only to the writer and staff.
    pub public: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
