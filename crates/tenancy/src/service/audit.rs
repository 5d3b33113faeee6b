//! The audit log: who did what to which thing, when, from where, with the before and after
//! state. Written by the mutation that made the change, in its transaction.
//!
//! The log is hash chains, after AWS CloudTrail's digests: one chain per tenant and one for
//! installation-wide actions. An entry's `hash` is the SHA-256 of the previous entry's hash and
//! the entry's canonical form (every field, JSON with sorted keys, time in microseconds), and its
//! `seq` is its place in the chain. Appends to a chain are serialised (an advisory lock on
//! PostgreSQL, the one write lock on SQLite) and (chain, seq) is unique, so a chain never forks.
//! `verify` walks a chain and names the first entry that was changed, or follows a removed one.
//! A chain's last `seq` and `hash` are what to keep elsewhere to notice its tail removed.

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role, new_id};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entity::audit_entry::{self, Entity as AuditEntries};

/// The chain of installation-wide actions (those of no tenant).
pub const INSTALLATION: &str = "installation";

/// The chain a tenant's entries (or, with none, installation-wide ones) belong to.
pub fn chain_of(tenant: Option<Uuid>) -> String {
    tenant.map_or_else(|| INSTALLATION.to_owned(), |t| t.to_string())
}

/// What an audit entry says; the actor, tenant, address and time come from the request.
pub struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    /// The tenant the change belongs to, when it is not the request's (a superadmin acting on
    /// a tenant by id).
    pub tenant_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// `value` as JSON text with every object's keys sorted: the same text whatever order the keys
/// were written or stored in.
fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(&map[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The hash an entry must have: SHA-256 over the previous hash and the entry's canonical form.
pub fn entry_hash(e: &audit_entry::Model) -> String {
    let fields = serde_json::json!([
        e.chain,
        e.seq,
        e.id.to_string(),
        e.tenant_id.map(|t| t.to_string()),
        e.actor_id.map(|a| a.to_string()),
        e.actor_role,
        e.action,
        e.target_type,
        e.target_id,
        e.before,
        e.after,
        e.ip,
        e.at.timestamp_micros(),
        e.salt,
    ]);
    let mut text = String::new();
    canonical_json(&fields, &mut text);
    let mut digest = Sha256::new();
    digest.update(e.prev_hash.as_deref().unwrap_or("").as_bytes());
    digest.update(b"\n");
    digest.update(text.as_bytes());
    hex::encode(digest.finalize())
}

/// 128 random bits, hex.
fn salt() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A time as the database keeps it (microseconds), so that what was hashed is what is read back.
fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// Records `change` if the actor is an admin or superadmin (whose every mutation is audited).
pub async fn record(conn: &impl ConnectionTrait, request: &RequestContext, change: Change<'_>) -> AppResult<()> {
    let Some(viewer) = request.viewer.as_ref().filter(|v| v.role.is_audited()) else {
        return Ok(());
    };
    let tenant_id = change.tenant_id.or(viewer.tenant_id).or(request.tenant.as_ref().map(|t| t.id));
    let by = Actor { user: Some((viewer.user_id, viewer.role)), ip: request.client.ip.clone(), at: request.now() };
    append(conn, tenant_id, by, change).await
}

/// Records an installation-wide `change` (the system's settings and global flags) in the
/// installation's chain, whatever site the request came through.
pub async fn record_installation(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    change: Change<'_>,
) -> AppResult<()> {
    let Some(viewer) = request.viewer.as_ref().filter(|v| v.role.is_audited()) else {
        return Ok(());
    };
    let by = Actor { user: Some((viewer.user_id, viewer.role)), ip: request.client.ip.clone(), at: request.now() };
    append(conn, change.tenant_id, by, change).await
}

/// Records a change to the viewer's own account (their sessions, devices, password) in their
/// own site's chain: a superadmin's in the installation's, whatever site's host the request came
/// through, so that a site's admins never read a superadmin's own account.
pub async fn record_own(conn: &impl ConnectionTrait, request: &RequestContext, change: Change<'_>) -> AppResult<()> {
    let Some(viewer) = request.viewer.as_ref().filter(|v| v.role.is_audited()) else {
        return Ok(());
    };
    let by = Actor { user: Some((viewer.user_id, viewer.role)), ip: request.client.ip.clone(), at: request.now() };
    append(conn, viewer.tenant_id, by, change).await
}

/// Records what the system did of itself (a scheduled change applied by a job): no actor.
pub async fn record_system(conn: &impl ConnectionTrait, at: DateTime<Utc>, change: Change<'_>) -> AppResult<()> {
    append(conn, change.tenant_id, Actor { user: None, ip: None, at }, change).await
}

/// Who made a change, from where, when.
struct Actor {
    user: Option<(Uuid, Role)>,
    ip: Option<String>,
    at: DateTime<Utc>,
}

/// Appends `change` to `tenant_id`'s chain (the installation's for none).
async fn append(conn: &impl ConnectionTrait, tenant_id: Option<Uuid>, by: Actor, change: Change<'_>) -> AppResult<()> {
    let chain = chain_of(tenant_id);
    // one append at a time per chain, until the caller's transaction ends
    kernel::db::lock_key(conn, &format!("audit:{chain}")).await?;
    let last = AuditEntries::find()
        .select_only()
        .columns([audit_entry::Column::Seq, audit_entry::Column::Hash])
        .filter(audit_entry::Column::Chain.eq(chain.as_str()))
        .order_by_desc(audit_entry::Column::Seq)
        .into_tuple::<(Option<i64>, Option<String>)>()
        .one(conn)
        .await?;
    let (last_seq, prev_hash) = last.map_or((0, None), |(seq, hash)| (seq.unwrap_or(0), hash));
    let seq = last_seq.checked_add(1).ok_or_else(|| AppError::internal("the audit chain is full"))?;
    let mut entry = audit_entry::Model {
        id: new_id(),
        tenant_id,
        actor_id: by.user.map(|(id, _)| id),
        actor_role: by.user.map(|(_, role)| role),
        action: change.action.to_owned(),
        target_type: change.target_type.to_owned(),
        target_id: change.target_id,
        before: change.before,
        after: change.after,
        ip: by.ip,
        at: to_micros(by.at),
        prev_hash,
        hash: None,
        chain: Some(chain),
        seq: Some(seq),
        salt: Some(salt()),
    };
    entry.hash = Some(entry_hash(&entry));
    AuditEntries::insert(audit_entry::ActiveModel::from(entry)).exec_without_returning(conn).await?;
    Ok(())
}

/// What walking a chain found.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    /// The chain's tenant; none for the installation's chain.
    pub tenant_id: Option<Uuid>,
    /// Entries checked.
    pub entries: u64,
    /// The first entry that does not hold, and why.
    pub first_broken: Option<(audit_entry::Model, &'static str)>,
    /// The last entry's place and hash: kept elsewhere, they show a removed tail.
    pub last_seq: Option<i64>,
    pub last_hash: Option<String>,
    /// Entries of the chain's tenant that are not in the chain (a row written around it, or
    /// moved out of it): none in a log that holds.
    pub outside: u64,
}

impl ChainCheck {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.outside == 0
    }
}

/// Entries read at a time while walking a chain.
const WALK_BATCH: u64 = 500;

/// Walks `tenant`'s chain (or the installation's) from its first entry and names the first entry
/// that was changed (its hash does not match it), that does not follow the one before (its
/// `prev_hash`), or that follows a removed one (its `seq` skips); and counts the entries of the
/// tenant that are not in its chain at all (written past it, or moved out of it).
pub async fn verify(conn: &impl ConnectionTrait, tenant: Option<Uuid>) -> AppResult<ChainCheck> {
    let chain = chain_of(tenant);
    let mut check =
        ChainCheck { tenant_id: tenant, entries: 0, first_broken: None, last_seq: None, last_hash: None, outside: 0 };
    let of_tenant = match tenant {
        Some(t) => audit_entry::Column::TenantId.eq(t),
        None => audit_entry::Column::TenantId.is_null(),
    };
    // spelled out: NOT over a NULL chain or seq would be NULL, and let the row pass
    let outside = Condition::any()
        .add(audit_entry::Column::Chain.is_null())
        .add(audit_entry::Column::Chain.ne(chain.as_str()))
        .add(audit_entry::Column::Seq.is_null())
        .add(audit_entry::Column::Seq.lt(1));
    check.outside = AuditEntries::find().filter(of_tenant).filter(outside).count(conn).await?;
    let mut prev: Option<(i64, Option<String>)> = None;
    loop {
        let after = prev.as_ref().map_or(0, |(seq, _)| *seq);
        let batch = AuditEntries::find()
            .filter(audit_entry::Column::Chain.eq(chain.as_str()))
            .filter(audit_entry::Column::Seq.gt(after))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(WALK_BATCH)
            .all(conn)
            .await?;
        let done = (batch.len() as u64) < WALK_BATCH;
        for entry in batch {
            check.entries += 1;
            let seq = entry.seq.unwrap_or(0);
            let (expected_seq, expected_prev) = prev.clone().map_or((1, None), |(s, h)| (s + 1, h));
            let problem = if seq != expected_seq {
                Some("an entry before it is missing")
            } else if entry.prev_hash != expected_prev {
                Some("it does not follow the entry before it")
            } else if entry.hash.as_deref() != Some(entry_hash(&entry).as_str()) {
                Some("it was changed after it was written")
            } else {
                None
            };
            prev = Some((seq, entry.hash.clone()));
            check.last_seq = Some(seq);
            check.last_hash = entry.hash.clone();
            if let Some(problem) = problem
                && check.first_broken.is_none()
            {
                check.first_broken = Some((entry, problem));
            }
        }
        if done {
            return Ok(check);
        }
    }
}

/// Checks the chains the viewer may: an admin their tenant's (another tenant is `FORBIDDEN`);
/// a superadmin the one named, or, with none, the installation's and every tenant's.
pub async fn integrity(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    tenant_id: Option<Uuid>,
) -> AppResult<Vec<ChainCheck>> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    if viewer.role != Role::Superadmin {
        let own = request.tenant()?.id;
        if tenant_id.is_some_and(|t| t != own) {
            return Err(AppError::forbidden("an admin checks their own site's audit log"));
        }
        return Ok(vec![verify(conn, Some(own)).await?]);
    }
    if let Some(tenant) = tenant_id {
        crate::service::tenants::find(conn, tenant).await?;
        return Ok(vec![verify(conn, Some(tenant)).await?]);
    }
    let mut checks = vec![verify(conn, None).await?];
    for tenant in crate::service::tenants::all_ids(conn).await? {
        checks.push(verify(conn, Some(tenant)).await?);
    }
    Ok(checks)
}

/// Which entries a view of the log shows (all that are given must hold).
#[derive(Debug, Clone, Default, async_graphql::InputObject)]
#[graphql(name = "AuditLogFilter")]
pub struct AuditFilter {
    /// Entries by this user.
    pub actor_id: Option<async_graphql::ID>,
    /// Entries about this kind of thing (`order`, `user`, `tenant` ...), and with `targetId`, this one.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// The exact action (`order.refund`), or a prefix ending in a dot (`order.`).
    pub action: Option<String>,
    pub from: Option<kernel::Timestamp>,
    /// Before this time.
    pub to: Option<kernel::Timestamp>,
}

impl AuditFilter {
    fn condition(&self) -> AppResult<Condition> {
        let mut all = Condition::all();
        if let Some(actor) = &self.actor_id {
            all = all.add(audit_entry::Column::ActorId.eq(kernel::parse_id("filter.actorId", actor)?));
        }
        if let Some(target_type) = &self.target_type {
            all = all.add(audit_entry::Column::TargetType.eq(target_type.as_str()));
        }
        if let Some(target_id) = &self.target_id {
            all = all.add(audit_entry::Column::TargetId.eq(target_id.as_str()));
        }
        match self.action.as_deref() {
            Some(prefix) if prefix.ends_with('.') => {
                all = all.add(audit_entry::Column::Action.starts_with(prefix));
            }
            Some(action) => all = all.add(audit_entry::Column::Action.eq(action)),
            None => {}
        }
        let (from, to) = (self.from.map(|t| t.0), self.to.map(|t| t.0));
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(AppError::bad_input("filter.to", "`to` must be after `from`"));
        }
        if let Some(from) = from {
            all = all.add(audit_entry::Column::At.gte(from));
        }
        if let Some(to) = to {
            all = all.add(audit_entry::Column::At.lt(to));
        }
        Ok(all)
    }
}

/// What an admin may not see of a superadmin's entry in their site: where it came from.
pub fn redact_for(viewer: Role, mut entry: audit_entry::Model) -> audit_entry::Model {
    if viewer != Role::Superadmin && entry.actor_role == Some(Role::Superadmin) {
        entry.ip = None;
    }
    entry
}

/// The log, newest first, as `filter` narrows it. Admins see their tenant's entries (a
/// superadmin's without the address); superadmins everything, or one tenant's when `tenant_id`
/// is given.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    tenant_id: Option<Uuid>,
    filter: &AuditFilter,
    page: PageArgs,
) -> AppResult<Paged<audit_entry::Model>> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let scope = match viewer.role {
        Role::Superadmin => tenant_id,
        _ => Some(request.tenant()?.id),
    };
    let mut query = AuditEntries::find().filter(filter.condition()?);
    if let Some(tenant) = scope {
        query = query.filter(audit_entry::Column::TenantId.eq(tenant));
    }
    let mut paged = paginate(conn, query, audit_entry::Column::Id, Order::newest_first(), page).await?;
    paged.items = paged.items.into_iter().map(|e| redact_for(viewer.role, e)).collect();
    Ok(paged)
}
