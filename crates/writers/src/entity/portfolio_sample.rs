use sea_orm::entity::prelude::*;

/// A sample of a writer's work on their portfolio: a title and a text excerpt, an uploaded
/// file, or both.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portfolio_samples")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub writer_id: Uuid,
    pub title: String,
    pub subject_id: Option<Uuid>,
    pub work_type_id: Option<Uuid>,
    pub excerpt: String,
    pub created_at: DateTimeUtc,
    /// An uploaded file of the sample (all null for text only): its name, type read from the
    /// content, size, SHA-256 and where its bytes are in the file store.
    pub file_name: Option<String>,
    pub file_content_type: Option<String>,
    pub file_size_bytes: Option<i64>,
    pub file_sha256: Option<String>,
    pub file_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
