use sea_orm::entity::prelude::*;

/// A tenant's pricing numbers. `_e4` columns are decimals ×10 000 (a factor of 2.0 is 20 000, a
/// percent of 5 is 50 000); money is in minor units.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pricing_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    pub price_per_page_minor: i64,
    pub price_per_slide_minor: i64,
    /// How many pages a single-spaced page counts as (20 000 = 2.0).
    pub single_spacing_factor_e4: i64,
    pub technical_multiplier_e4: i64,
    /// Percent of the base line (50 000 = 5 %).
    pub preferred_writer_percent_e4: i64,
    /// Where the writer's deadline falls in the time to the client's (800 000 = 80 %).
    pub writer_deadline_percent_e4: i64,
    pub free_revision_days: i32,
    /// How long a writer has to answer an offer before it lapses back to the pool.
    pub acceptance_window_hours: i32,
    /// How long a preferred writer has to take the order before it goes to the pool.
    pub preferred_window_hours: i32,
    /// How long a submitted order waits for the client before it completes itself.
    pub auto_complete_days: i32,
    /// A refund of at least this (minor units) is told to every admin of the site; 0: never.
    pub large_refund_minor: i64,
    /// The most of a payment a cancellation forfeits (800 000 = 80 %).
    pub max_forfeit_percent_e4: i64,
    /// The writer's share of what a cancellation forfeits, when a writer was working on it.
    pub writer_forfeit_share_e4: i64,
    /// The writer's share of a tip; the rest is the platform's.
    pub tip_writer_percent_e4: i64,
    /// How many days later a deadline extension may move an order's deadline.
    pub max_extension_days: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
