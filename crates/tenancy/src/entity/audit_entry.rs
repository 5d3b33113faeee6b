use kernel::Role;
use sea_orm::entity::prelude::*;

/// One append-only audit record. Never updated or deleted; hash-chained (see `service::audit`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<Role>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    pub ip: Option<String>,
    pub at: DateTimeUtc,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    /// The chain it belongs to: its tenant's id, or `installation`; none for entries older than
    /// the chains.
    pub chain: Option<String>,
    /// Its place in its chain, from 1.
    pub seq: Option<i64>,
    /// 128 random bits in its hash, so that a field withheld from a reader (a superadmin's
    /// address, from a site's admins) cannot be found by hashing guesses.
    pub salt: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
