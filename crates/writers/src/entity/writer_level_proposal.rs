use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A proposal to move a writer one level up or down, made by the `writers.promotions` job from
/// their record and decided by an admin. At most one is pending per writer (a partial unique
/// index). The numbers are the record as the job measured it when it proposed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_level_proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Uuid,
    /// The writer's level when proposed, and the level proposed.
    pub from_level_id: Uuid,
    pub to_level_id: Uuid,
    pub direction: ProposalDirection,
    pub status: ProposalStatus,
    /// Completed orders in all.
    pub completed_orders: i64,
    /// The latest completed orders the rates are over (at most `workload::RECENT`).
    pub recent_orders: i64,
    /// Percents in ten-thousandths (`1_000_000` = 100%); none without a completed order.
    pub on_time_rate_e4: Option<i64>,
    pub revision_rate_e4: Option<i64>,
    /// How many feedbacks, and their overall average in hundredths (`450` = 4.5 of 5); none
    /// before the first.
    pub ratings: i64,
    pub average_rating_e2: Option<i32>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// The admin who approved or rejected it (none when superseded).
    pub decided_by: Option<Uuid>,
    /// Why it was rejected, or what superseded it.
    pub reason: Option<String>,
}

/// Which way a proposal moves the writer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "LevelProposalDirection")]
pub enum ProposalDirection {
    /// To the next level up.
    #[sea_orm(string_value = "PROMOTE")]
    Promote,
    /// To the level below.
    #[sea_orm(string_value = "DEMOTE")]
    Demote,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "LevelProposalStatus")]
pub enum ProposalStatus {
    /// Waiting for an admin.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The writer was moved.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// The writer's level or record changed before an admin decided (the job ends it).
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
