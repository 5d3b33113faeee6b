use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One SLA clock of a ticket: how much working time it may take (`target_seconds`), how much
/// it has used up to `running_since` (its current stretch, none while paused or stopped), and
/// the instants that follow from them while it runs.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_slas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub metric: Metric,
    pub tenant_id: Uuid,
    pub target_seconds: i64,
    pub warn_percent: i32,
    /// Working seconds used before `running_since`.
    pub used_seconds: i64,
    pub state: ClockState,
    pub started_at: DateTimeUtc,
    pub running_since: Option<DateTimeUtc>,
    /// When the target is reached, while it runs.
    pub due_at: Option<DateTimeUtc>,
    /// When the warning share is reached, while it runs.
    pub warn_at: Option<DateTimeUtc>,
    /// When the SLA job must look next (the warning, then the breach); none when nothing is left
    /// to look for.
    pub next_check_at: Option<DateTimeUtc>,
    pub warned_at: Option<DateTimeUtc>,
    pub breached_at: Option<DateTimeUtc>,
    pub met_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a clock measures.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "SlaMetric")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Metric {
    /// Until staff's first reply the requester reads.
    #[sea_orm(string_value = "FIRST_RESPONSE")]
    FirstResponse,
    /// Until the ticket is closed.
    #[sea_orm(string_value = "RESOLUTION")]
    Resolution,
}

impl Metric {
    pub const ALL: [Metric; 2] = [Metric::FirstResponse, Metric::Resolution];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ClockState {
    #[sea_orm(string_value = "RUNNING")]
    Running,
    /// Waiting for the requester.
    #[sea_orm(string_value = "PAUSED")]
    Paused,
    /// Met (or closed late): nothing more to count.
    #[sea_orm(string_value = "STOPPED")]
    Stopped,
}
