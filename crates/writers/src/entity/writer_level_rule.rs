use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a writer level allows and how it pays, for one `WRITER_LEVEL` catalogue entry. A level
/// without a row has the defaults (`service::levels::Rules::default`). Rates and percents are in
/// ten-thousandths, ratings in hundredths.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_level_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub level_id: Uuid,
    pub tenant_id: Uuid,
    pub pay_mode: PayMode,
    pub pay_percent_e4: i64,
    pub max_active_orders: i32,
    pub max_open_requests: i32,
    pub may_take_directly: bool,
    pub max_pages_per_order: i32,
    pub promote_completed: i32,
    pub promote_rating_e2: i32,
    pub promote_on_time_e4: i64,
    pub promote_max_revision_e4: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How a level's writers are paid for an order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PayMode {
    /// The level's pay per page and per slide (its catalogue entry).
    #[sea_orm(string_value = "PER_PAGE")]
    PerPage,
    /// A percent of the order's total.
    #[sea_orm(string_value = "PERCENT")]
    Percent,
}
