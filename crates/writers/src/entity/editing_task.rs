use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One submission of an order's work for an editor to check. The order's size, type and subject
/// are copied in when it is opened, so the pool filters on this table alone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editing_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    /// The writer whose work it is (the review's feedback goes to them).
    pub writer_id: Uuid,
    pub pages: i32,
    pub work_type_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub status: TaskStatus,
    pub assignment: Option<Assignment>,
    pub editor_id: Option<Uuid>,
    /// The editor's deadline.
    pub deadline: DateTimeUtc,
    /// The client's deadline of the order.
    pub client_deadline: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// From its editor getting it to finishing it (completed or rejected).
    pub turnaround_seconds: Option<i64>,
    /// When the overdue job found it past its deadline (once).
    pub overdue_at: Option<DateTimeUtc>,
    /// Why it was last unclaimed, rejected or cancelled.
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

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
#[graphql(name = "EditingTaskStatus")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// In the pool, for an editor to claim (or an admin to assign).
    #[sea_orm(string_value = "AVAILABLE")]
    Available,
    /// An editor holds it and has not started.
    #[sea_orm(string_value = "CLAIMED")]
    Claimed,
    /// Being edited.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Passed: the work went to the client.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Sent back to the writer as a revision.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// The order left editing another way (cancelled).
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl TaskStatus {
    pub const OPEN: [TaskStatus; 3] = [TaskStatus::Available, TaskStatus::Claimed, TaskStatus::InProgress];
    /// Held by an editor: what counts against their limit.
    pub const HELD: [TaskStatus; 2] = [TaskStatus::Claimed, TaskStatus::InProgress];
}

impl kernel::row::TextEnum for TaskStatus {}

/// How the task reached its editor.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "EditingAssignment")]
pub enum Assignment {
    /// The editor claimed it from the pool.
    #[sea_orm(string_value = "CLAIMED")]
    Claimed,
    /// An admin assigned it.
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
}
