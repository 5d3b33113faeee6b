use sea_orm::entity::prelude::*;

/// A tenant's pricing numbers (rates in ten-thousandths, money in minor units).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pricing_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    pub price_per_page_minor: i64,
    pub price_per_slide_minor: i64,
    /// How many pages a single-spaced page counts as (20000 = 2.0).
    pub single_spacing_factor_bp: i64,
    pub technical_multiplier_bp: i64,
    /// Percent of the base line, in ten-thousandths of a percent point (50000 = 5%).
    pub preferred_writer_percent_bp: i64,
    /// Where the writer's deadline falls in the time to the client's (800000 = 80%).
    pub writer_deadline_percent_bp: i64,
    pub free_revision_days: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
