use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::service::calendar::Opening;

/// A site's support settings; a site without a row has the defaults
/// (`service::settings::SupportSettings::default`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "support_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// The share of an SLA target after which the clock warns.
    pub warning_percent: i32,
    /// How long after closing the requester may reopen a ticket.
    pub reopen_window_hours: i32,
    /// How long after completion a client or writer may dispute an order.
    pub dispute_window_days: i32,
    /// The working week, in the site's time zone.
    pub openings: Openings,
    pub updated_at: DateTimeUtc,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Openings(pub Vec<Opening>);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
