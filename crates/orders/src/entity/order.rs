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
    /// When the writer first submitted it (whether they were on time).
    pub first_submitted_at: Option<DateTimeUtc>,
    /// When the order came into its writer's hands (what a writer's daily limit counts).
    pub writer_assigned_at: Option<DateTimeUtc>,
    /// The preferred-writer fee within the total (refunded when that writer lets it go).
    pub preferred_fee_minor: i64,
    /// What the order's cancellation kept of the payment (the client got the rest back).
    pub forfeited_minor: i64,
    /// The part of what was forfeited credited to the writer who was working on it.
    pub writer_forfeit_minor: i64,
    /// The client's tip (one per order), and the writer's part of it.
    pub tip_minor: i64,
    pub tip_writer_minor: i64,
    /// The writer's pay at the order's own rates (per page and slide, as placed, grown with its
    /// size): what a writer on a per-page level gets for it, whatever an earlier writer had.
    pub rate_pay_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Catalogue entries an order names as a list (its extra services), stored as a JSON array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct CatalogIds(pub Vec<Uuid>);

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// A row that selected only `columns`, in that order (a list page's projection of what its
    /// query asks), as a model. The fields of the columns not read hold placeholders (nil ids,
    /// empty texts, zero amounts, the epoch) that nothing reads: the projection includes every
    /// column a requested field needs. Decoded by position ([`kernel::row`]).
    pub fn from_columns(row: &sea_orm::QueryResult, columns: &[Column]) -> Result<Model, DbErr> {
        use kernel::row::get;
        let epoch = DateTimeUtc::default(); // the epoch
        let mut m = Model {
            id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            client_id: Uuid::nil(),
            writer_id: None,
            topic: String::new(),
            paper_type_id: Uuid::nil(),
            academic_level_id: Uuid::nil(),
            subject_id: Uuid::nil(),
            work_type_id: Uuid::nil(),
            pages: 0,
            slides: 0,
            spacing: Spacing::Double,
            deadline: epoch,
            writer_deadline: epoch,
            extra_service_ids: CatalogIds::default(),
            writer_level_id: None,
            preferred_writer_id: None,
            instructions: None,
            citation_style_id: None,
            english_type_id: None,
            reference_count: None,
            tone: None,
            status: OrderStatus::Unpaid,
            status_before_hold: None,
            payment_status: PaymentStatus::Unpaid,
            currency: String::new(),
            total_minor: 0,
            writer_compensation_minor: 0,
            paid_minor: 0,
            refunded_minor: 0,
            placed_at: epoch,
            updated_at: epoch,
            completed_at: None,
            first_submitted_at: None,
            writer_assigned_at: None,
            preferred_fee_minor: 0,
            forfeited_minor: 0,
            writer_forfeit_minor: 0,
            tip_minor: 0,
            tip_writer_minor: 0,
            rate_pay_minor: 0,
        };
        for (i, column) in columns.iter().enumerate() {
            // exhaustive: a new column does not compile until it can be read here
            match column {
                Column::Id => m.id = get(row, i)?,
                Column::TenantId => m.tenant_id = get(row, i)?,
                Column::ClientId => m.client_id = get(row, i)?,
                Column::WriterId => m.writer_id = get(row, i)?,
                Column::Topic => m.topic = get(row, i)?,
                Column::PaperTypeId => m.paper_type_id = get(row, i)?,
                Column::AcademicLevelId => m.academic_level_id = get(row, i)?,
                Column::SubjectId => m.subject_id = get(row, i)?,
                Column::WorkTypeId => m.work_type_id = get(row, i)?,
                Column::Pages => m.pages = get(row, i)?,
                Column::Slides => m.slides = get(row, i)?,
                Column::Spacing => m.spacing = get(row, i)?,
                Column::Deadline => m.deadline = get(row, i)?,
                Column::WriterDeadline => m.writer_deadline = get(row, i)?,
                Column::ExtraServiceIds => m.extra_service_ids = row.try_get_by_index(i)?,
                Column::WriterLevelId => m.writer_level_id = get(row, i)?,
                Column::PreferredWriterId => m.preferred_writer_id = get(row, i)?,
                Column::Instructions => m.instructions = get(row, i)?,
                Column::CitationStyleId => m.citation_style_id = get(row, i)?,
                Column::EnglishTypeId => m.english_type_id = get(row, i)?,
                Column::ReferenceCount => m.reference_count = get(row, i)?,
                Column::Tone => m.tone = get(row, i)?,
                Column::Status => m.status = get(row, i)?,
                Column::StatusBeforeHold => m.status_before_hold = get(row, i)?,
                Column::PaymentStatus => m.payment_status = get(row, i)?,
                Column::Currency => m.currency = get(row, i)?,
                Column::TotalMinor => m.total_minor = get(row, i)?,
                Column::WriterCompensationMinor => m.writer_compensation_minor = get(row, i)?,
                Column::PaidMinor => m.paid_minor = get(row, i)?,
                Column::RefundedMinor => m.refunded_minor = get(row, i)?,
                Column::PlacedAt => m.placed_at = get(row, i)?,
                Column::UpdatedAt => m.updated_at = get(row, i)?,
                Column::CompletedAt => m.completed_at = get(row, i)?,
                Column::FirstSubmittedAt => m.first_submitted_at = get(row, i)?,
                Column::WriterAssignedAt => m.writer_assigned_at = get(row, i)?,
                Column::PreferredFeeMinor => m.preferred_fee_minor = get(row, i)?,
                Column::ForfeitedMinor => m.forfeited_minor = get(row, i)?,
                Column::WriterForfeitMinor => m.writer_forfeit_minor = get(row, i)?,
                Column::TipMinor => m.tip_minor = get(row, i)?,
                Column::TipWriterMinor => m.tip_writer_minor = get(row, i)?,
                Column::RatePayMinor => m.rate_pay_minor = get(row, i)?,
            }
        }
        Ok(m)
    }
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

impl kernel::row::TextEnum for OrderStatus {}
impl kernel::row::TextEnum for PaymentStatus {}
impl kernel::row::TextEnum for Spacing {}
