use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub writer_id: Option<Uuid>,
    pub topic: String,
    pub paper_type_id: Uuid,
    pub academic_level_id: Uuid,
    pub subject_id: Uuid,
    pub work_type_id: Uuid,
    pub pages: i32,
    pub slides: i32,
    pub spacing: Spacing,
    pub deadline: DateTimeUtc,
    pub writer_deadline: DateTimeUtc,
    pub extra_service_ids: CatalogIds,
    pub writer_level_id: Option<Uuid>,
    pub preferred_writer_id: Option<Uuid>,
    pub instructions: Option<String>,
    pub citation_style_id: Option<Uuid>,
    pub english_type_id: Option<Uuid>,
    pub reference_count: Option<i32>,
    pub tone: Option<String>,
    pub status: OrderStatus,
    pub status_before_hold: Option<OrderStatus>,
    pub payment_status: PaymentStatus,
    pub currency: String,
    pub total_minor: i64,
    pub writer_compensation_minor: i64,
    /// What was paid; refunds can never exceed it (a guarded update).
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub placed_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Catalogue entries an order names as a list (its extra services), stored as a JSON array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct CatalogIds(pub Vec<Uuid>);

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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    #[sea_orm(string_value = "UNPAID")]
    Unpaid,
    #[sea_orm(string_value = "AVAILABLE")]
    Available,
    #[sea_orm(string_value = "PENDING_PREFERRED")]
    PendingPreferred,
    #[sea_orm(string_value = "PENDING_ACCEPTANCE")]
    PendingAcceptance,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "ON_HOLD")]
    OnHold,
    #[sea_orm(string_value = "UNDER_EDITING")]
    UnderEditing,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "REVISION_REQUESTED")]
    RevisionRequested,
    #[sea_orm(string_value = "IN_REVISION")]
    InRevision,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "DISPUTED")]
    Disputed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    #[sea_orm(string_value = "UNPAID")]
    Unpaid,
    #[sea_orm(string_value = "PAID")]
    Paid,
    #[sea_orm(string_value = "PARTIALLY_REFUNDED")]
    PartiallyRefunded,
    #[sea_orm(string_value = "REFUNDED")]
    Refunded,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize, Default,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Spacing {
    #[default]
    #[sea_orm(string_value = "DOUBLE")]
    Double,
    #[sea_orm(string_value = "SINGLE")]
    Single,
}
