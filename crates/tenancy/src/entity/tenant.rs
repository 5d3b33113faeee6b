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

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Per-tenant switches the API enforces. Stored as JSON; a toggle missing from an older row
/// takes its default here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult, async_graphql::SimpleObject)]
#[serde(default, rename_all = "camelCase")]
pub struct FeatureToggles {
    pub magic_link_login: bool,
    pub two_factor_required: bool,
    pub password_reset: bool,
    pub messaging: bool,
    pub allowed_message_types: Vec<MessageType>,
    pub max_pages_per_order: i32,
    pub max_slides_per_order: i32,
    pub drafts: bool,
    pub presets: bool,
    pub portfolios: bool,
    pub writer_feedback: bool,
    pub wallet: bool,
    pub disputes: bool,
    pub escalations: bool,
    pub class_orders: bool,
    pub special_orders: bool,
}

impl Default for FeatureToggles {
    fn default() -> Self {
        Self {
            magic_link_login: false,
            two_factor_required: false,
            password_reset: true,
            messaging: true,
            allowed_message_types: vec![
                MessageType::ClientWriter,
                MessageType::ClientSupport,
                MessageType::WriterSupport,
            ],
            max_pages_per_order: 200,
            max_slides_per_order: 100,
            drafts: true,
            presets: true,
            portfolios: true,
            writer_feedback: true,
            wallet: true,
            disputes: true,
            escalations: true,
            class_orders: true,
            special_orders: true,
        }
    }
}

/// Who may message whom, when messaging is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageType {
    ClientWriter,
    ClientSupport,
    WriterSupport,
    ClientEditor,
    WriterEditor,
}
