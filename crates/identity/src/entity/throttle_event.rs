use sea_orm::entity::prelude::*;

/// One attempt counted against a limit over a window: a password check (a failed or in-flight
/// sign-in or password change), a sign-up, or a request for an e-mailed link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "throttle_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ThrottleKind,
    /// The account a password attempt is for (`tenant:email`), or the tenant of a sign-up.
    pub account_key: String,
    pub ip: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ThrottleKind {
    /// A password check that has not (yet) succeeded.
    #[sea_orm(string_value = "PASSWORD")]
    Password,
    #[sea_orm(string_value = "SIGN_UP")]
    SignUp,
    /// A request for a password-reset or sign-in link.
    #[sea_orm(string_value = "LINK_REQUEST")]
    LinkRequest,
}
