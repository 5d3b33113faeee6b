use orders::service::disputes::OrderStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::ticket::Priority;

/// A dispute over an order between its client and its writer, decided by support (or, escalated,
/// by the admins). It remembers where the order was, where the order goes back to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disputes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    /// The parties (the writer the order had when it was disputed).
    pub client_id: Uuid,
    pub writer_id: Option<Uuid>,
    pub opened_by: Uuid,
    pub opener_role: OpenerRole,
    pub reason: String,
    pub status: DisputeStatus,
    pub priority: Priority,
    pub assignee_id: Option<Uuid>,
    pub order_status_before: OrderStatus,
    pub outcome: Option<Outcome>,
    pub outcome_note: Option<String>,
    /// What the client got back (a client's win).
    pub refund_minor: Option<i64>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "DisputeOpener")]
pub enum OpenerRole {
    #[sea_orm(string_value = "CLIENT")]
    Client,
    #[sea_orm(string_value = "WRITER")]
    Writer,
    /// Support or an admin, for a party.
    #[sea_orm(string_value = "STAFF")]
    Staff,
}

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
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum DisputeStatus {
    /// New: no agent has it yet.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// An agent is looking into it.
    #[sea_orm(string_value = "UNDER_REVIEW")]
    UnderReview,
    /// Handed to the admins, who decide it.
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    /// Decided: the outcome is applied.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Done with (after a decision, or withdrawn by its opener).
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

impl DisputeStatus {
    /// Still to be decided.
    pub const PENDING: [DisputeStatus; 3] = [DisputeStatus::Open, DisputeStatus::UnderReview, DisputeStatus::Escalated];
}

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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[graphql(name = "DisputeOutcome")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// The work stands: it completes (the writer is paid) or resumes.
    #[sea_orm(string_value = "WRITER_WINS")]
    WriterWins,
    /// The client gets money back, all (the order is cancelled) or part.
    #[sea_orm(string_value = "CLIENT_WINS")]
    ClientWins,
    /// New deadlines; the work resumes.
    #[sea_orm(string_value = "EXTEND_DEADLINE")]
    ExtendDeadline,
    /// The order goes back to the pool for another writer.
    #[sea_orm(string_value = "REASSIGN")]
    Reassign,
}
