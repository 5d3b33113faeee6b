use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A writer's portfolio: its row is their opt-in, with who may see it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "writer_portfolios")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub writer_id: Uuid,
    pub tenant_id: Uuid,
    pub visibility: Visibility,
    pub bio: String,
    /// A JSON list of short texts.
    pub specialties: String,
    pub updated_at: DateTimeUtc,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "PortfolioVisibility")]
pub enum Visibility {
    /// The writer and staff only.
    #[sea_orm(string_value = "PRIVATE")]
    Private,
    /// The site's clients (signed in), besides the writer and staff.
    #[sea_orm(string_value = "CLIENTS")]
    Clients,
    /// Anyone, signed in or not, on the site's host.
    #[sea_orm(string_value = "PUBLIC")]
    Public,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
