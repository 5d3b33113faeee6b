use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub contact_email: Option<String>,
    pub allow_registration: bool,
    pub status: TenantStatus,
    pub branding: Branding,
    pub feature_toggles: FeatureToggles,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When a superadmin deleted it (softly: its hosts answer as unknown, its data stays).
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::tenant_domain::Entity")]
    Domains,
}

impl Related<super::tenant_domain::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Domains.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, strum::Display,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "lowercase")]
pub enum TenantStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}

/// What every e-mail and notification of the tenant carries. Stored as JSON so new fields need
/// no migration; every field is optional and falls back to the tenant's name.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult, async_graphql::SimpleObject,
)]
#[serde(default, rename_all = "camelCase")]
pub struct Branding {
    pub subject_prefix: Option<String>,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub reply_to: Option<String>,
    pub logo_url: Option<String>,
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
    pub footer_text: Option<String>,
}

/// The toggles are kernel vocabulary: every context's services check them in the request scope.
pub use kernel::{FeatureToggles, MessageType};
