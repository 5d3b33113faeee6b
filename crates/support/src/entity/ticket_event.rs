use sea_orm::entity::prelude::*;

use super::ticket_sla::Metric;

/// A step in a ticket's history (opened, a message, assigned, a status, reopened, rated) or of
/// one of its SLA clocks (`metric` set: started, paused, resumed, warned, breached, met).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub kind: String,
    pub metric: Option<Metric>,
    /// Who took the step (none: the system).
    pub actor_id: Option<Uuid>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
