//! How fast notifications become e-mail: W workers run while P producers write N notifications,
//! each in its own committed transaction (`notifications::notify`, as a business change does),
//! and the workers render each in the tenant's branding and hand it to the SMTP server named by
//! `SCRIPTORIUM_SMTP_URL` (`scripts/bench.sh mail` starts a sink). Prints e-mails per second
//! and the latency from a notification's commit to the server's acceptance (p50, p99), read
//! from the deliveries' own times, and that every delivery was sent once.
//!
//!     DATABASE_URL=... SCRIPTORIUM_SMTP_URL=smtp://127.0.0.1:2525 mail_throughput [n] [workers] [producers]
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a failure should stop it loudly

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobs::{Worker, WorkerSettings};
use kernel::{Clock, SystemClock};
use migration::{Migrator, MigratorTrait};
use notifications::{Mailer, Notice, NotificationKind, Recipient, notify};
use sea_orm::{ConnectionTrait, Statement};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn scalar(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().map_or(10_000, |n| n.parse().expect("n: a number"));
    let workers: usize = args.next().map_or(2, |n| n.parse().expect("workers: a number"));
    let producers: usize = args.next().map_or(4, |n| n.parse().expect("producers: a number")).max(1);
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names the database to use");
    let smtp = std::env::var("SCRIPTORIUM_SMTP_URL").expect("SCRIPTORIUM_SMTP_URL names the SMTP sink");
    let db = kernel::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    gateway::seed::seed_demo(&db, Arc::new(SystemClock)).await.unwrap();
    for sql in [
        "DELETE FROM notification_deliveries",
        "DELETE FROM notifications",
        "DELETE FROM jobs WHERE kind = 'notifications.deliver'",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    let tenant = tenancy::service::tenants::find_by_slug(&db, "essays").await.unwrap().unwrap();
    let client = identity::service::users::find_for_sign_in(&db, Some(tenant.id), "client@essays.test")
        .await
        .unwrap()
        .expect("the demo client");
    let recipient = Recipient { user_id: client.id, email: client.email.clone(), name: client.display_name.clone() };

    let settings = WorkerSettings { poll: Duration::from_millis(20), ..WorkerSettings::default() };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // the worker's store of order files (this run stores none)
    let files = Arc::new(
        orders::service::files::FileStore::open(
            &std::env::temp_dir().join("scriptorium-bench-files").to_string_lossy(),
            None,
            1 << 20,
        )
        .unwrap(),
    );
    let mut handles = Vec::new();
    for _ in 0..workers {
        let db = kernel::db::connect(&url).await.unwrap();
        let mailer = Mailer::new(Some(&smtp), std::env::temp_dir()).unwrap();
        let worker =
            Worker::new(db, Arc::new(SystemClock), gateway::worker::registry(mailer.into(), files.clone()), settings);
        let mut stopped = stopped.clone();
        handles.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }

    let started = Instant::now();
    let mut producing = Vec::new();
    for p in 0..producers {
        let (db, recipient, tenant) = (db.clone(), recipient.clone(), tenant.id);
        producing.push(tokio::spawn(async move {
            for n in (p..total).step_by(producers) {
                let notice = Notice {
                    tenant_id: tenant,
                    kind: NotificationKind::WalletCredited,
                    cause: format!("bench:{n}"),
                    data: serde_json::json!({ "amount": "5.00", "currency": "USD" }),
                    recipient: recipient.clone(),
                };
                let now = SystemClock.now();
                kernel::transaction(&db, async |txn| notify(txn, notice, now).await).await.unwrap().expect("new");
            }
        }));
    }
    for producer in producing {
        producer.await.unwrap();
    }
    let committed_in = started.elapsed();
    while scalar(&db, "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'SENT'").await < total as i64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    stop.send(true).unwrap();
    for handle in handles {
        handle.await.unwrap();
    }
    let attempts = scalar(&db, "SELECT COALESCE(SUM(attempts), 0) FROM notification_deliveries").await;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT created_at, sent_at FROM notification_deliveries",
        ))
        .await
        .unwrap();
    let mut waits: Vec<i64> = rows
        .iter()
        .map(|r| {
            let created: chrono::DateTime<chrono::Utc> = r.try_get_by_index(0).unwrap();
            let sent: chrono::DateTime<chrono::Utc> = r.try_get_by_index(1).unwrap();
            (sent - created).num_milliseconds()
        })
        .collect();
    waits.sort_unstable();
    let at = |q: f64| waits[((waits.len() as f64 - 1.0) * q) as usize];
    println!(
        "e-mails: {total}  workers: {workers}  producers: {producers}  committed at {:.0}/s  all accepted by the server in {:.2}s: {:.0} e-mails/s  commit to server p50 {} ms, p99 {} ms  attempts: {attempts}",
        total as f64 / committed_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99),
    );
    assert_eq!(attempts, total as i64, "each delivery sent in one attempt");
}
