use sea_orm::entity::prelude::*;

/// Which sign-ins a user is alerted of (the channels are the notification preferences of the
/// `SIGN_IN_ALERT` kind). A user without a row has the defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_alert_preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub tenant_id: Option<Uuid>,
    /// Every sign-in.
    pub new_login: bool,
    /// A sign-in from a browser not seen before.
    pub new_device: bool,
    /// A sign-in from a place not seen before.
    pub new_location: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
