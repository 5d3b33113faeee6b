use sea_orm::entity::prelude::*;

/// A writer's running feedback totals: how many, and the sum of each rating (averages are
/// sums over the count). Added to in the transaction of each feedback.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_feedback_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub writer_id: Uuid,
    pub tenant_id: Uuid,
    pub count: i64,
    pub quality_sum: i64,
    pub communication_sum: i64,
    pub timeliness_sum: i64,
    pub following_instructions_sum: i64,
    /// Editors' reviews: how many, and their quality and following-instructions ratings (1 to 5).
    pub editor_count: i64,
    pub editor_quality_sum: i64,
    pub editor_instructions_sum: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
