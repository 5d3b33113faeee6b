use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A client's request for more pages or slides on an order, priced at the order's own rates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "page_increases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub requested_by: Uuid,
    /// The order's size when it was asked, and what it becomes.
    pub pages: i32,
    pub slides: i32,
    pub new_pages: i32,
    pub new_slides: i32,
    /// What the client pays for it; of which the preferred writer's fee.
    pub amount_minor: i64,
    pub preferred_fee_minor: i64,
    /// What the writer's pay grows by (their level's rule, fixed when they accept).
    pub writer_pay_minor: i64,
    pub status: PageIncreaseStatus,
    /// The writer who accepted it (none when no writer held the order).
    pub writer_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub applied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum PageIncreaseStatus {
    /// The order's writer has not answered yet.
    #[sea_orm(string_value = "WAITING_WRITER")]
    WaitingWriter,
    /// Accepted (or no writer to ask), waiting for the client's payment; the work cannot be
    /// delivered meanwhile.
    #[sea_orm(string_value = "AWAITING_PAYMENT")]
    AwaitingPayment,
    /// Paid: the order has the new size, price and pay.
    #[sea_orm(string_value = "APPLIED")]
    Applied,
    /// The writer said no.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// The client (or an admin) took it back, or the order was cancelled.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}
