use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::service::pricing::PriceInput;

/// What priced an order when it was placed, kept so that a later change of its size is priced at
/// the order's own rates (its deadline tier, level, extras, discount) rather than today's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub tenant_id: Uuid,
    pub frozen: FrozenPrice,
}

/// The pricing engine's input for the order as placed, and the writer's pay rates then (the
/// level asked for, else the site's standard one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct FrozenPrice {
    pub input: PriceInput,
    pub pay_per_page: i64,
    pub pay_per_slide: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
