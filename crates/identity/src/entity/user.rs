use kernel::Role;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for superadmins.
    pub tenant_id: Option<Uuid>,
    /// As the user typed it (trimmed).
    pub email: String,
    /// Lower-cased: what uniqueness and sign-in compare.
    pub email_normalized: String,
    pub display_name: String,
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: PasswordHash,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Signs in with a second factor (TOTP); kept here so the session lookup reads it.
    pub two_factor_enabled: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// An Argon2id PHC string. Its `Debug` prints nothing of it, so a logged user (or active model)
/// never carries the hash into a log.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct PasswordHash(pub String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_password_hash() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
        let user = Model {
            id: Uuid::nil(),
            tenant_id: None,
            email: "a@b.test".into(),
            email_normalized: "a@b.test".into(),
            display_name: "A".into(),
            role: kernel::Role::Client,
            password_hash: PasswordHash(hash.into()),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            two_factor_enabled: false,
        };
        let active = ActiveModel::from(user.clone());
        for printed in [format!("{user:?}"), format!("{user:#?}"), format!("{active:?}")] {
            assert!(!printed.contains("argon2id") && !printed.contains("aGFzaGhhc2hoYXNo"), "{printed}");
            assert!(printed.contains("a@b.test"), "{printed}");
        }
    }
}
