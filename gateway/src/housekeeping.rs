//! Housekeeping that keeps tables from growing without end: sessions that ended long ago,
//! throttle events past every window, e-mailed links a day past their expiry, web-push browsers of
//! expired sessions, devices and sign-in places unseen for 400 days, idempotency keys past their lifetime, finished jobs past
//! their keeping time. Run by the worker every hour (`crate::worker`), and by `seed-demo`.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub throttle_events: u64,
    pub login_links: u64,
    pub push_browsers: u64,
    pub two_factor_challenges: u64,
    pub devices: u64,
    pub login_places: u64,
    pub idempotency_keys: u64,
    pub jobs: u64,
}

pub async fn purge(db: &DatabaseConnection, now: DateTime<Utc>) -> kernel::AppResult<Purged> {
    let (devices, login_places) = identity::service::devices::purge(db, now).await?;
    let purged = Purged {
        sessions: identity::service::sessions::purge(db, now).await?,
        throttle_events: identity::service::throttle::purge(db, now).await?,
        login_links: identity::service::links::purge(db, now).await?,
        push_browsers: identity::service::sessions::forget_push_of_expired(db, now).await?,
        two_factor_challenges: identity::service::two_factor::purge(db, now).await?,
        devices,
        login_places,
        idempotency_keys: kernel::idempotency::purge(db, now).await?,
        jobs: jobs::service::queue::purge(db, now).await?,
    };
    tracing::info!(
        sessions = purged.sessions,
        throttle_events = purged.throttle_events,
        login_links = purged.login_links,
        push_browsers = purged.push_browsers,
        two_factor_challenges = purged.two_factor_challenges,
        devices = purged.devices,
        login_places = purged.login_places,
        idempotency_keys = purged.idempotency_keys,
        jobs = purged.jobs,
        "housekeeping purged expired rows"
    );
    Ok(purged)
}
