//! How fast the job queue moves work: W workers (each its own `Worker` with its own connection
//! pool, as separate processes would have) run while P producers enqueue N jobs, each in its
//! own committed transaction as a business change would; prints the rate of both, the latency
//! from a job's commit to its run (p50, p99) and how many jobs ran more than once (must be 0).
//! `scripts/bench.sh jobs` runs it beside the database's own ceiling.
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_jobs job_throughput [jobs] [workers] [producers]
//!
//! The handler does no work of its own (it records the job id and the time), so what is
//! measured is the queue: claim, lease, finish.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a failure should stop it loudly

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobs::{NewJob, Registry, Worker, WorkerSettings};
use kernel::{Clock, SystemClock};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KIND: &str = "bench.record";
/// The workers' pause after a poll that found nothing (the server's default is 1 s).
const POLL_MS: u64 = 20;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().map_or(10_000, |n| n.parse().expect("jobs: a number"));
    let workers: usize = args.next().map_or(2, |n| n.parse().expect("workers: a number"));
    let producers: usize = args.next().map_or(4, |n| n.parse().expect("producers: a number")).max(1);
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names the database to use");
    let db = kernel::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared(&format!("DELETE FROM jobs WHERE kind = '{KIND}'")).await.unwrap();

    let finished: Arc<Mutex<HashMap<Uuid, (usize, Instant)>>> = Arc::new(Mutex::new(HashMap::with_capacity(total)));
    let registry = {
        let finished = finished.clone();
        Registry::default().on(KIND, move |run| {
            let finished = finished.clone();
            async move {
                let mut finished = finished.lock().unwrap();
                let entry = finished.entry(run.id).or_insert((0, Instant::now()));
                entry.0 += 1;
                Ok(())
            }
        })
    };
    let settings = WorkerSettings { poll: Duration::from_millis(POLL_MS), ..WorkerSettings::default() };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for _ in 0..workers {
        let db = kernel::db::connect(&url).await.unwrap();
        let worker = Worker::new(db, Arc::new(SystemClock), registry.clone(), settings);
        let mut stopped = stopped.clone();
        handles.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }

    // producers, each job in its own committed transaction, as fast as they can
    let started = Instant::now();
    let mut producing = Vec::new();
    for p in 0..producers {
        let db = db.clone();
        producing.push(tokio::spawn(async move {
            let mut committed = Vec::new();
            for n in (p..total).step_by(producers) {
                let now = SystemClock.now();
                let id = kernel::transaction(&db, async |txn| {
                    jobs::enqueue(txn, NewJob::new(KIND, serde_json::json!({ "n": n }), now), now).await
                })
                .await
                .unwrap()
                .expect("a new job");
                committed.push((id, Instant::now()));
            }
            committed
        }));
    }
    let mut committed: HashMap<Uuid, Instant> = HashMap::with_capacity(total);
    for producer in producing {
        committed.extend(producer.await.unwrap());
    }
    let enqueue_rate = total as f64 / started.elapsed().as_secs_f64();
    while finished.lock().unwrap().len() < total {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    stop.send(true).unwrap();
    for handle in handles {
        handle.await.unwrap();
    }
    let finished = finished.lock().unwrap().clone();
    let twice = finished.values().filter(|(runs, _)| *runs > 1).count();
    // from each job's commit to its run
    let mut waits: Vec<Duration> =
        finished.iter().map(|(id, (_, at))| at.saturating_duration_since(committed[id])).collect();
    waits.sort();
    let at = |q: f64| waits[((waits.len() as f64 - 1.0) * q) as usize];
    let succeeded: i64 = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM jobs WHERE kind = '{KIND}' AND status = 'SUCCEEDED'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    println!(
        "jobs: {total}  workers: {workers} (poll {POLL_MS} ms)  producers: {producers}  enqueued at {enqueue_rate:.0}/s  all run in {:.2}s: {:.0} jobs/s  commit to run p50 {:.0} ms, p99 {:.0} ms  ran twice: {twice}  recorded succeeded: {succeeded}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
    );
    assert_eq!(twice, 0, "a job ran twice");
    assert_eq!(succeeded as usize, total, "every job is recorded as succeeded");
}
