//! The worker's job kinds, every context's, registered in one place (the gateway is the one
//! crate that knows them all), and how `serve` and `worker` start it.

use std::sync::Arc;

use jobs::{JobRun, Registry, Worker, WorkerSettings};
use kernel::Clock;
use notifications::Outlets;
use orders::service::files::{FileStore, sweep};
use orders::service::timers;
use sea_orm::DatabaseConnection;

use crate::housekeeping;

/// The purges of expired rows (sessions, throttle events, idempotency keys, finished jobs).
pub const HOUSEKEEPING: &str = "housekeeping.purge";

/// Every job kind this program runs, and the periodic ones; notifications leave through
/// `outlets` (e-mail, web push); `files` is the store the sweep of unreferenced bytes lists.
pub fn registry(outlets: Outlets, files: Arc<FileStore>) -> Registry {
    let outlets = Arc::new(outlets);
    Registry::default()
        .on(HOUSEKEEPING, |run: JobRun| async move { housekeeping::purge(&run.db, run.clock.now()).await.map(|_| ()) })
        .every(HOUSEKEEPING, chrono::Duration::hours(1))
        .on(notifications::service::outbox::DELIVER, move |run: JobRun| {
            let outlets = outlets.clone();
            async move { notifications::service::delivery::deliver(run, &outlets).await }
        })
        .on(timers::OFFER_LAPSE, timers::lapse_offer)
        .on(orders::service::preferred::PREFERRED_LAPSE, orders::service::preferred::lapse)
        .on(timers::AUTO_COMPLETE, timers::auto_complete)
        .on(timers::LATE_CHECK, timers::late_check)
        .on(tenancy::service::system::FLAG_CHANGE_JOB, tenancy::service::system::apply_scheduled)
        .on(writers::service::badges::EVALUATE, writers::service::badges::evaluate)
        .every(writers::service::badges::EVALUATE, chrono::Duration::hours(writers::service::badges::EVERY_HOURS))
        .on(writers::service::editing::tasks::OVERDUE, writers::service::editing::tasks::flag_overdue)
        .on(writers::service::fines::FINE_DUE, writers::service::fines::due)
        .on(support::service::clocks::CHECK, support::service::clocks::check)
        .every(support::service::clocks::CHECK, chrono::Duration::seconds(support::service::clocks::EVERY_SECONDS))
        .on(writers::service::promotions::EVALUATE, writers::service::promotions::evaluate)
        .every(
            writers::service::promotions::EVALUATE,
            chrono::Duration::hours(writers::service::promotions::EVERY_HOURS),
        )
        .on(sweep::SWEEP, move |run: JobRun| {
            let files = files.clone();
            async move {
                let now = run.clock.now();
                sweep::sweep(&run.db, &files, now).await?;
                writers::service::portfolio::sweep(&run.db, &files, now).await.map(|_| ())
            }
        })
        .every(sweep::SWEEP, chrono::Duration::hours(sweep::EVERY_HOURS))
}

/// A worker with this program's job kinds.
pub fn worker(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    outlets: Outlets,
    files: Arc<FileStore>,
    settings: WorkerSettings,
) -> Worker {
    Worker::new(db, clock, registry(outlets, files), settings)
}
