use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A request for help, from a client or a writer (the requester), opened by them or by staff
/// for them, maybe about one of their orders.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub requester_id: Uuid,
    pub requester_role: RequesterRole,
    pub order_id: Option<Uuid>,
    pub subject: String,
    pub category: Category,
    pub priority: Priority,
    pub status: TicketStatus,
    pub assignee_id: Option<Uuid>,
    pub opened_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Staff's first reply the requester could read.
    pub first_response_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// The site's day the closing was counted on (its daily statistics), so a reopening takes
    /// it back from there whatever the site's time zone has become since.
    pub closed_day: Option<Date>,
    pub reopen_count: i32,
    /// The requester's satisfaction, 1 to 5, once closed.
    pub rating: Option<i16>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Who asked: support hears clients and writers (each their own message type).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RequesterRole {
    #[sea_orm(string_value = "CLIENT")]
    Client,
    #[sea_orm(string_value = "WRITER")]
    Writer,
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
#[graphql(name = "TicketCategory")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    #[sea_orm(string_value = "ORDER")]
    Order,
    #[sea_orm(string_value = "PAYMENT")]
    Payment,
    #[sea_orm(string_value = "REFUND")]
    Refund,
    #[sea_orm(string_value = "ACCOUNT")]
    Account,
    #[sea_orm(string_value = "TECHNICAL")]
    Technical,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "TicketPriority")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    #[sea_orm(string_value = "LOW")]
    Low,
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    #[sea_orm(string_value = "HIGH")]
    High,
    #[sea_orm(string_value = "CRITICAL")]
    Critical,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Medium, Priority::High, Priority::Critical];
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
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    /// New, or back with the agents after the requester answered.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// An agent is on it.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Waiting for the requester: the SLA clocks pause.
    #[sea_orm(string_value = "AWAITING_CUSTOMER")]
    AwaitingCustomer,
    /// Handed to the admins.
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

impl TicketStatus {
    /// Every status but closed: the ticket still needs someone.
    pub const ACTIVE: [TicketStatus; 4] =
        [TicketStatus::Open, TicketStatus::InProgress, TicketStatus::AwaitingCustomer, TicketStatus::Escalated];
}
