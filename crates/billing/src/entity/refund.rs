use sea_orm::entity::prelude::*;

/// Money given back for an order, to the client's wallet or outside the platform.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub destination: RefundDestination,
    pub reason: String,
    pub status: RefundStatus,
    pub entry_id: Option<Uuid>,
    /// Who asked (a client's request) or who refunded (staff).
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// A request's decision: by whom, when, and why (a rejection's reason).
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub use crate::service::refunds::{RefundDestination, RefundStatus};
