use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A fine on a writer for their work on an order; its appeal, if any, is kept on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Uuid,
    pub order_id: Uuid,
    pub kind: FineKind,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub status: FineStatus,
    /// Computed by the system (lateness on submission), not issued by an admin.
    pub automatic: bool,
    pub issued_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// The end of the appeal window: then it applies, unless an appeal waits.
    pub appeal_until: DateTimeUtc,
    pub applied_at: Option<DateTimeUtc>,
    /// Waived or voided: when, by whom, why.
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<Uuid>,
    pub close_note: Option<String>,
    pub appeal_status: Option<AppealStatus>,
    pub appeal_reason: Option<String>,
    pub appealed_at: Option<DateTimeUtc>,
    pub appeal_decided_at: Option<DateTimeUtc>,
    pub appeal_decided_by: Option<Uuid>,
    pub appeal_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum FineKind {
    /// Work submitted after the writer's deadline (computed on submission).
    #[sea_orm(string_value = "LATENESS")]
    Lateness,
    #[sea_orm(string_value = "PLAGIARISM")]
    Plagiarism,
    #[sea_orm(string_value = "MISSED_REVISION_DEADLINE")]
    MissedRevisionDeadline,
    #[sea_orm(string_value = "INSTRUCTIONS_IGNORED")]
    InstructionsIgnored,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FineStatus {
    /// Inside its appeal window (or its appeal waits): nothing taken yet.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Debited from the writer's earnings.
    #[sea_orm(string_value = "APPLIED")]
    Applied,
    /// Let go by an admin before it applied.
    #[sea_orm(string_value = "WAIVED")]
    Waived,
    /// Cancelled as wrong (an admin, or an appeal granted); if it had applied, its money returned.
    #[sea_orm(string_value = "VOIDED")]
    Voided,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AppealStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Granted: the fine is voided.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}
