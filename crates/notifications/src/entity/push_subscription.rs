use sea_orm::entity::prelude::*;

/// A browser that takes web push for a user: where the push service accepts messages for it, and
/// the keys its messages are encrypted to (from the browser's `PushSubscription`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    /// The push service's URL for this browser (unique per site).
    pub endpoint: String,
    /// The browser's P-256 public key, base64url (65 bytes, uncompressed).
    pub p256dh: String,
    /// The browser's authentication secret, base64url (16 bytes).
    pub auth: String,
    pub created_at: DateTimeUtc,
    /// When a message was last accepted for it.
    pub last_used_at: Option<DateTimeUtc>,
    /// The session that registered it: when it ends, the browser is forgotten.
    pub session_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
