use sea_orm::entity::prelude::*;

/// A browser a user signed in from, known by its long-lived device cookie (only the cookie's
/// SHA-256 is kept). One row per user and cookie: a shared computer is a device of each of
/// its users.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub user_id: Uuid,
    pub cookie_hash: String,
    /// The user's own name for it; when none, "<browser> on <os>".
    pub name: Option<String>,
    pub browser: String,
    pub os: String,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub last_ip: Option<String>,
    pub last_place: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
