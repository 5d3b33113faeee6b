//! The installation's settings and global flags (superadmins): the toggles new sites start with,
//! a registration switch for every site, a maintenance banner, and global kill switches: a
//! feature switched off here is off on every site at once, whatever the site's toggle. Changes
//! can be scheduled; a job applies each at its time.
//!
//! Every process keeps the settings in memory ([`SystemState`]) and reads them again when told
//! (PostgreSQL `NOTIFY` on [`CHANNEL`], sent by the committing change) and every second besides,
//! so a change reaches every replica within a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Feature, KillSwitches, PageArgs, Paged, RequestContext, Role, new_id, validate};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Statement,
};
use serde_json::json;
use uuid::Uuid;

use crate::entity::flag_change::{self, Entity as FlagChanges, FlagChangeStatus};
use crate::entity::system_setting::{self, Entity as SystemSettings, Settings};
use crate::service::audit::{self, Change};

/// The PostgreSQL channel a settings change is announced on.
pub const CHANNEL: &str = "scriptorium_system";
/// The job that applies a scheduled flag change.
pub const FLAG_CHANGE_JOB: &str = "system.flag_change";
const ROW: i32 = 1;
/// How far ahead a change may be scheduled.
const SCHEDULE_DAYS: i64 = 366;
const BANNER_MAX: usize = 500;

/// The settings as stored (the defaults before anyone changed them).
pub async fn load(conn: &impl ConnectionTrait) -> AppResult<Settings> {
    Ok(SystemSettings::find_by_id(ROW).one(conn).await?.map(|row| row.settings).unwrap_or_default())
}

/// Stores `settings` and announces the change to every process (on commit, on PostgreSQL).
async fn save(conn: &impl ConnectionTrait, settings: &Settings, now: DateTime<Utc>) -> AppResult<()> {
    SystemSettings::insert(system_setting::ActiveModel {
        id: Set(ROW),
        settings: Set(settings.clone()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(system_setting::Column::Id)
            .update_columns([system_setting::Column::Settings, system_setting::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_string(DbBackend::Postgres, format!("SELECT pg_notify('{CHANNEL}', '')")))
            .await?;
    }
    Ok(())
}

/// Reads the settings for a change, holding them until the caller's transaction ends (two
/// superadmins' changes apply one after the other, neither lost).
async fn for_change(conn: &impl ConnectionTrait) -> AppResult<Settings> {
    kernel::db::lock_key(conn, "system_settings").await?;
    load(conn).await
}

fn snapshot(settings: &Settings) -> serde_json::Value {
    serde_json::to_value(settings).unwrap_or_default()
}

/// A change to the settings: what is `None` stays (`maintenance_banner: Some(None)` clears it).
#[derive(Debug, Default)]
pub struct SettingsChange {
    pub default_feature_toggles: Option<crate::service::tenants::FeatureTogglesInput>,
    pub registration_open: Option<bool>,
    pub maintenance_banner: Option<Option<String>>,
}

/// Changes the settings (superadmins); audited in the installation's chain.
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    change: SettingsChange,
) -> AppResult<Settings> {
    request.require_role(&[Role::Superadmin])?;
    let before = for_change(conn).await?;
    let mut after = before.clone();
    if let Some(patch) = change.default_feature_toggles {
        patch.apply(&mut after.default_feature_toggles);
        crate::service::tenants::check_toggles(&after.default_feature_toggles)?;
    }
    if let Some(open) = change.registration_open {
        after.registration_open = open;
    }
    if let Some(banner) = change.maintenance_banner {
        after.maintenance_banner = match banner.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(validate::text("maintenanceBanner", text, BANNER_MAX)?),
        };
    }
    if after == before {
        return Ok(after); // nothing to store, announce or audit
    }
    save(conn, &after, request.now()).await?;
    let change = Change {
        action: "system.settings.update",
        target_type: "system",
        target_id: None,
        tenant_id: None,
        before: Some(snapshot(&before)),
        after: Some(snapshot(&after)),
    };
    audit::record_installation(conn, request, change).await?;
    Ok(after)
}

/// `settings` with `feature` on or off everywhere; answers whether that changed anything.
fn switch(settings: &mut Settings, feature: Feature, enabled: bool) -> bool {
    let off = settings.disabled_features.contains(&feature);
    match (enabled, off) {
        (true, true) => settings.disabled_features.retain(|f| *f != feature),
        (false, false) => {
            settings.disabled_features.push(feature);
            settings.disabled_features.sort_by_key(|f| Feature::ALL.iter().position(|a| a == f));
        }
        _ => return false,
    }
    true
}

/// Switches `feature` on or off on every site at once (superadmins); audited.
pub async fn set_flag(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    feature: Feature,
    enabled: bool,
) -> AppResult<Settings> {
    request.require_role(&[Role::Superadmin])?;
    let mut settings = for_change(conn).await?;
    if switch(&mut settings, feature, enabled) {
        save(conn, &settings, request.now()).await?;
        audit::record_installation(conn, request, flag_change(feature, enabled, None)).await?;
    }
    Ok(settings)
}

fn flag_change(feature: Feature, enabled: bool, scheduled: Option<Uuid>) -> Change<'static> {
    Change {
        action: if scheduled.is_some() { "system.flag.apply_scheduled" } else { "system.flag.set" },
        target_type: "feature",
        target_id: Some(code(feature)),
        tenant_id: None,
        before: Some(json!({ "enabled": !enabled })),
        after: Some(json!({ "enabled": enabled, "scheduledChange": scheduled.map(|id| id.to_string()) })),
    }
}

/// A feature as the API spells it (`WALLET`).
pub fn code(feature: Feature) -> String {
    serde_json::to_value(feature).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The feature a stored code names, if this version knows it.
pub fn feature_of(code: &str) -> Option<Feature> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

/// Schedules `feature` to be switched on or off everywhere at `at` (superadmins): a time after
/// now and within a year, else `BAD_USER_INPUT` on `at`. Audited; applied by a job at the time.
pub async fn schedule(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    feature: Feature,
    enabled: bool,
    at: DateTime<Utc>,
) -> AppResult<flag_change::Model> {
    let viewer = request.require_role(&[Role::Superadmin])?;
    let now = request.now();
    if at <= now {
        return Err(AppError::bad_input("at", "a change is scheduled for a time after now"));
    }
    if at > now + chrono::Duration::days(SCHEDULE_DAYS) {
        return Err(AppError::bad_input("at", "a change is scheduled within a year"));
    }
    let change = flag_change::Model {
        id: new_id(),
        feature: code(feature),
        enabled,
        at,
        status: FlagChangeStatus::Pending,
        created_by: Some(viewer.user_id),
        created_at: now,
        done_at: None,
    };
    FlagChanges::insert(flag_change::ActiveModel::from(change.clone())).exec_without_returning(conn).await?;
    let job = jobs::NewJob::new(FLAG_CHANGE_JOB, json!({ "change": change.id }), at).once_per(change.id.to_string());
    jobs::enqueue(conn, job, now).await?;
    let audited = Change {
        action: "system.flag.schedule",
        target_type: "flag_change",
        target_id: Some(change.id.to_string()),
        tenant_id: None,
        before: None,
        after: Some(json!({ "feature": change.feature, "enabled": enabled, "at": at })),
    };
    audit::record_installation(conn, request, audited).await?;
    Ok(change)
}

/// Cancels a pending change (superadmins): `NOT_FOUND` for none, `CONFLICT` once it was applied
/// or cancelled. Audited.
pub async fn cancel(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<flag_change::Model> {
    request.require_role(&[Role::Superadmin])?;
    let found = FlagChanges::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("flag change"))?;
    let now = request.now();
    let cancelled = FlagChanges::update_many()
        .col_expr(flag_change::Column::Status, Expr::value(FlagChangeStatus::Cancelled))
        .col_expr(flag_change::Column::DoneAt, Expr::value(Some(now)))
        .filter(flag_change::Column::Id.eq(id))
        .filter(flag_change::Column::Status.eq(FlagChangeStatus::Pending))
        .exec(conn)
        .await?
        .rows_affected;
    if cancelled == 0 {
        return Err(AppError::conflict("the change was applied or cancelled already"));
    }
    let audited = Change {
        action: "system.flag.cancel",
        target_type: "flag_change",
        target_id: Some(id.to_string()),
        tenant_id: None,
        before: Some(json!({ "status": "PENDING" })),
        after: Some(json!({ "status": "CANCELLED" })),
    };
    audit::record_installation(conn, request, audited).await?;
    Ok(flag_change::Model { status: FlagChangeStatus::Cancelled, done_at: Some(now), ..found })
}

/// Scheduled changes, in the order they were scheduled (superadmins), of one status or all.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    status: Option<FlagChangeStatus>,
    page: PageArgs,
) -> AppResult<Paged<flag_change::Model>> {
    request.require_role(&[Role::Superadmin])?;
    let mut query = FlagChanges::find();
    if let Some(status) = status {
        query = query.filter(flag_change::Column::Status.eq(status));
    }
    paginate(conn, query, flag_change::Column::Id, Order::oldest_first(), page).await
}

/// The job [`FLAG_CHANGE_JOB`]: applies the change if it is still pending (once: the status moves
/// by a conditional update in the same transaction), audited as the system's.
pub async fn apply_scheduled(run: jobs::JobRun) -> AppResult<()> {
    let id: Uuid = run
        .payload
        .get("change")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::internal(format!("job {} names no flag change", run.id)))?;
    let now = run.clock.now();
    kernel::transaction(&run.db, async |txn| {
        let applied = FlagChanges::update_many()
            .col_expr(flag_change::Column::Status, Expr::value(FlagChangeStatus::Applied))
            .col_expr(flag_change::Column::DoneAt, Expr::value(Some(now)))
            .filter(flag_change::Column::Id.eq(id))
            .filter(flag_change::Column::Status.eq(FlagChangeStatus::Pending))
            .exec(txn)
            .await?
            .rows_affected;
        if applied == 0 {
            return Ok(()); // cancelled, or applied already
        }
        let change = FlagChanges::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("flag change"))?;
        let feature = feature_of(&change.feature)
            .ok_or_else(|| AppError::internal(format!("flag change {id} names no feature")))?;
        let mut settings = for_change(txn).await?;
        if !switch(&mut settings, feature, change.enabled) {
            return Ok(()); // the flag was already so: applied, with nothing to change or audit
        }
        save(txn, &settings, now).await?;
        audit::record_system(txn, now, flag_change(feature, change.enabled, Some(id))).await
    })
    .await
}

/// The settings as this process knows them: read at the first request, and again whenever a
/// change is announced and every second.
pub struct SystemState {
    current: RwLock<(Arc<Settings>, KillSwitches)>,
    loaded: AtomicBool,
    /// One read-and-store at a time: a slow read begun before a change committed must not
    /// store its older settings over the newer ones a later read stored.
    refreshing: tokio::sync::Mutex<()>,
    /// Where they are read: the installation's own connection (no request's scope).
    db: DatabaseConnection,
}

impl SystemState {
    /// The settings stored in `db` (a connection that sees past any tenant: the gateway's
    /// system pool).
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            current: RwLock::new((Arc::new(Settings::default()), KillSwitches::default())),
            loaded: false.into(),
            refreshing: tokio::sync::Mutex::new(()),
            db,
        }
    }

    /// The features switched off everywhere (read from the database at the first call).
    pub async fn kill_switches(self: &Arc<Self>) -> AppResult<KillSwitches> {
        self.ensure().await?;
        Ok(self.current.read().map_or_else(|p| p.into_inner().1, |c| c.1))
    }

    /// The settings (read from the database at the first call).
    pub async fn settings(self: &Arc<Self>) -> AppResult<Arc<Settings>> {
        self.ensure().await?;
        Ok(self.current.read().map_or_else(|p| p.into_inner().0.clone(), |c| c.0.clone()))
    }

    /// Reads the settings again now (after this process changed them, say).
    pub async fn refresh(&self, conn: &impl ConnectionTrait) -> AppResult<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        let settings = load(conn).await?;
        let killed = KillSwitches::of(&settings.disabled_features);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = (Arc::new(settings), killed);
        Ok(())
    }

    async fn ensure(self: &Arc<Self>) -> AppResult<()> {
        if self.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        self.refresh(&self.db).await?;
        if !self.loaded.swap(true, Ordering::AcqRel) {
            watch(Arc::downgrade(self), self.db.clone());
        }
        Ok(())
    }
}

/// Keeps `state` current until it is dropped: on every announcement (PostgreSQL), and every second.
fn watch(state: Weak<SystemState>, db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut listener = None;
        loop {
            if listener.is_none() && db.get_database_backend() == DbBackend::Postgres {
                let pool = db.get_postgres_connection_pool().clone();
                match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut l) => {
                        if l.listen(CHANNEL).await.is_ok() {
                            listener = Some(l);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for system changes; reading them every second"),
                }
            }
            let announced = async {
                match listener.as_mut() {
                    Some(l) => l.recv().await.is_ok(),
                    None => std::future::pending().await,
                }
            };
            let heard = tokio::select! {
                heard = announced => heard,
                () = tokio::time::sleep(Duration::from_secs(1)) => true,
            };
            if !heard {
                listener = None; // lost: listen again
            }
            let Some(state) = state.upgrade() else { return };
            if let Err(e) = state.refresh(&db).await {
                tracing::warn!(error = %e, "cannot read the system settings");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_a_flag_changes_the_list_once() {
        let mut settings = Settings::default();
        assert!(switch(&mut settings, Feature::Wallet, false));
        assert!(!switch(&mut settings, Feature::Wallet, false), "off already");
        assert!(switch(&mut settings, Feature::Drafts, false));
        assert_eq!(settings.disabled_features, [Feature::Drafts, Feature::Wallet]);
        assert!(switch(&mut settings, Feature::Wallet, true));
        assert!(!switch(&mut settings, Feature::Wallet, true), "on already");
        assert_eq!(settings.disabled_features, [Feature::Drafts]);
        assert_eq!(feature_of(&code(Feature::ClassOrders)), Some(Feature::ClassOrders));
        assert_eq!(code(Feature::Wallet), "WALLET");
    }
}
