use sea_orm::entity::prelude::*;

use crate::kinds::NotificationKind;

/// One notification to one user, written in the transaction of its cause; the in-app list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    /// The name it addresses the user by, as it was when written.
    pub recipient_name: String,
    pub kind: NotificationKind,
    /// What caused it (`order:<id>:placed`): with the user and kind, unique.
    pub cause: String,
    /// The template variables.
    pub data: Json,
    /// The subject as rendered when it was written (without the tenant's prefix).
    pub title: String,
    /// The plain-text body as rendered when it was written.
    pub body: String,
    /// Shown in the user's in-app list (their preference when it was written).
    pub in_app: bool,
    pub read_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
