use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A file of an order (or of a draft, until it is placed); its bytes are in the object store.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Option<Uuid>,
    pub draft_id: Option<Uuid>,
    pub kind: OrderFileKind,
    /// The submission a deliverable came with (1, 2, ...); 0 for instructions.
    pub version: i32,
    pub name: String,
    /// What the content is, as sniffed from it (never the uploader's claim).
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTimeUtc,
    /// Whether the client may see it: delivered work that goes to an editor first is released
    /// when the editor passes it (a version the editor sent back never is).
    pub released: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "OrderFileKind")]
pub enum OrderFileKind {
    /// Material for the work: the assignment, readings, a rubric (client, writer or staff).
    #[sea_orm(string_value = "INSTRUCTIONS")]
    Instructions,
    /// The work itself, uploaded by the writer with a submission.
    #[sea_orm(string_value = "DELIVERABLE")]
    Deliverable,
}
