use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One entry of a tenant's catalogue. `kind` says which list it is in and which numbers apply:
/// `rate_e4` is the multiplier (levels, work types, deadline tiers) or the percent (percent
/// extras), in ten-thousandths; `amount_minor` a fixed extra's price or a writer level's
/// client price per page.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: CatalogKind,
    pub code: String,
    pub name: String,
    pub rate_e4: i64,
    pub amount_minor: i64,
    pub pay_per_page_minor: i64,
    pub pay_per_slide_minor: i64,
    pub hours: i32,
    pub technical: bool,
    pub pricing: Option<ExtraPricing>,
    pub active: bool,
    pub sort_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CatalogKind {
    #[sea_orm(string_value = "PAPER_TYPE")]
    PaperType,
    #[sea_orm(string_value = "ACADEMIC_LEVEL")]
    AcademicLevel,
    #[sea_orm(string_value = "SUBJECT")]
    Subject,
    #[sea_orm(string_value = "WORK_TYPE")]
    WorkType,
    #[sea_orm(string_value = "DEADLINE_TIER")]
    DeadlineTier,
    #[sea_orm(string_value = "EXTRA_SERVICE")]
    ExtraService,
    #[sea_orm(string_value = "WRITER_LEVEL")]
    WriterLevel,
    #[sea_orm(string_value = "CITATION_STYLE")]
    CitationStyle,
    #[sea_orm(string_value = "ENGLISH_TYPE")]
    EnglishType,
}

/// How an extra service is priced: a fixed amount, or a percent of the base line.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ExtraPricing {
    #[sea_orm(string_value = "FIXED")]
    Fixed,
    #[sea_orm(string_value = "PERCENT")]
    Percent,
}
