use sea_orm::entity::prelude::*;

/// A site's payout rules; a site without a row has the defaults (`service::payouts::DEFAULT_*`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// Days a credit to a writer's earnings is held (against refunds and disputes) before it
    /// may be paid out.
    pub hold_days: i32,
    /// The least a payout request may ask.
    pub minimum_minor: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
