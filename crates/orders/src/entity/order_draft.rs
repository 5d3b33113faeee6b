use sea_orm::entity::prelude::*;

use crate::service::spec::OrderSpec;

/// A client's unfinished order: any subset of the order's fields (an `OrderSpec`, stored as
/// JSON; a row that does not decode is an error, never an empty draft).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_drafts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub spec: OrderSpec,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_viewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
