use sea_orm::entity::prelude::*;

/// What a link e-mailed to a user does, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LinkPurpose {
    /// Sets a new password (30 minutes).
    #[sea_orm(string_value = "PASSWORD_RESET")]
    PasswordReset,
    /// Signs in (15 minutes).
    #[sea_orm(string_value = "MAGIC_LINK")]
    MagicLink,
    /// Ends the session a sign-in alert told of and e-mails a password reset link (7 days).
    #[sea_orm(string_value = "NOT_ME")]
    NotMe,
}

/// A single-use link: only its token's SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub purpose: LinkPurpose,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    /// The address that asked for it.
    pub ip: Option<String>,
    /// The session a "this wasn't me" link ends.
    pub session_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
