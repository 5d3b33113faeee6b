use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use kernel::{ContextExt, Role, RoleGuard, Timestamp};

use crate::Tenant;
use crate::entity::audit_entry;
use crate::entity::tenant::{Branding, FeatureToggles, TenantStatus};
use crate::service::stats::{TenantStats, TenantStatsLoader};

/// A website of the installation. Readable by anyone in it.
pub struct TenantView(pub Arc<Tenant>);

#[Object(name = "Tenant")]
impl TenantView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// ISO 4217 code; every amount of the tenant is in it.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    async fn contact_email(&self) -> Option<&str> {
        self.0.contact_email.as_deref()
    }
    /// Whether visitors may sign up as clients.
    async fn allow_registration(&self) -> bool {
        self.0.allow_registration
    }
    async fn status(&self) -> TenantStatus {
        self.0.status
    }
    /// Host names that resolve to this tenant (normalized: lower-case, no `www.`).
    async fn domains(&self) -> &[String] {
        &self.0.domains
    }
    async fn branding(&self) -> &Branding {
        &self.0.branding
    }
    async fn feature_toggles(&self) -> &FeatureToggles {
        &self.0.feature_toggles
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// When a superadmin deleted it (its hosts answer as unknown; `restoreTenant` undoes it).
    async fn deleted_at(&self) -> Option<Timestamp> {
        self.0.deleted_at.map(Timestamp::from)
    }
    /// Its users by role, orders by status and revenue this month (superadmins).
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn stats(&self, ctx: &Context<'_>) -> Result<TenantStats> {
        let zone = kernel::time::time_zone(&self.0.time_zone).unwrap_or(chrono_tz::UTC);
        let (_, month) = kernel::time::day_and_month_start(ctx.request().now(), zone);
        let loader = ctx.data::<DataLoader<TenantStatsLoader>>()?;
        Ok(loader.load_one((self.0.id, month)).await?.unwrap_or_default())
    }
}

/// One audit-log record: who did what to which thing, when, from where.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub at: Timestamp,
    pub tenant_id: Option<ID>,
    pub actor_id: Option<ID>,
    pub actor_role: Option<Role>,
    /// Dotted action name, e.g. `tenant.suspend`, `user.create`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before: Option<Json<serde_json::Value>>,
    pub after: Option<Json<serde_json::Value>>,
    pub ip: Option<String>,
    /// Its place in its site's (or the installation's) hash chain; none for entries older than
    /// the chains.
    pub seq: Option<i64>,
    /// SHA-256 over the previous entry's hash and this entry (see `auditIntegrity`).
    pub hash: Option<String>,
}

/// What walking one audit chain found.
#[derive(SimpleObject)]
pub struct AuditChainIntegrity {
    /// The chain's site; null for the installation's chain (actions of no site).
    pub tenant_id: Option<ID>,
    /// Entries checked.
    pub entries: u64,
    /// Whether every entry holds.
    pub intact: bool,
    /// The first entry that does not hold.
    pub first_broken: Option<AuditEntry>,
    /// Why it does not.
    pub problem: Option<String>,
    /// The last entry's place and hash: keep them elsewhere to notice entries removed from the end.
    pub last_seq: Option<i64>,
    pub last_hash: Option<String>,
    /// Entries of the chain's site that are not in the chain (written around it, or moved out of
    /// it): none in a log that holds.
    pub outside: u64,
}

impl AuditChainIntegrity {
    pub fn new(c: crate::service::audit::ChainCheck, viewer: kernel::Role) -> Self {
        let intact = c.intact();
        let outside = (c.outside > 0).then(|| format!("{} entries are outside the chain", c.outside));
        let (first_broken, problem) = match c.first_broken {
            Some((entry, problem)) => {
                (Some(AuditEntry::from(crate::service::audit::redact_for(viewer, entry))), Some(problem.to_owned()))
            }
            None => (None, outside),
        };
        Self {
            tenant_id: c.tenant_id.map(|t| ID(t.to_string())),
            entries: c.entries,
            intact,
            first_broken,
            problem,
            last_seq: c.last_seq,
            last_hash: c.last_hash,
            outside: c.outside,
        }
    }
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(m: audit_entry::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            at: m.at.into(),
            tenant_id: m.tenant_id.map(|t| ID(t.to_string())),
            actor_id: m.actor_id.map(|a| ID(a.to_string())),
            actor_role: m.actor_role,
            action: m.action,
            target_type: m.target_type,
            target_id: m.target_id,
            before: m.before.map(Json),
            after: m.after.map(Json),
            ip: m.ip,
            seq: m.seq,
            hash: m.hash,
        }
    }
}
