//! Background jobs: enqueued in the transaction of their cause (a rollback leaves none), each run
//! by one worker however many poll at once, taken again when its worker's lease runs out (the
//! late worker then records nothing), retried with backoff, dead after its last attempt until an
//! admin of its tenant retries it, and periodic jobs enqueued once per period.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use jobs::entity::job::{self, Entity as Jobs};
use jobs::service::admin;
use jobs::service::queue::{self, Failed};
use jobs::{JobStatus, NewJob, Registry, Worker, WorkerSettings};
use kernel::{AppError, Clock, ErrorCode, PageArgs};
use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

use crate::common::*;

const LEASE_MINUTES: i64 = 5;

fn settings() -> WorkerSettings {
    WorkerSettings { poll: std::time::Duration::from_millis(10), lease: Duration::minutes(LEASE_MINUTES), batch: 8 }
}

fn worker(world: &World, registry: Registry) -> Worker {
    Worker::new(world.db.clone(), Arc::new(world.clock.clone()), registry, settings())
}

/// A registry whose `count` jobs record, per job, how many times they ran.
fn counting(runs: Arc<Mutex<HashMap<Uuid, usize>>>) -> Registry {
    Registry::default().on("test.count", move |run| {
        let runs = runs.clone();
        async move {
            *runs.lock().unwrap().entry(run.id).or_default() += 1;
            Ok(())
        }
    })
}

async fn job(world: &World, id: Uuid) -> job::Model {
    Jobs::find_by_id(id).one(&world.db).await.unwrap().expect("the job exists")
}

async fn only_job(world: &World) -> job::Model {
    let all = Jobs::find().all(&world.db).await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_job_exists_only_if_the_transaction_that_enqueued_it_commits() {
    let world = World::new().await;
    let now = world.clock.now();
    let rolled_back: Result<(), AppError> = kernel::transaction(&world.db, async |txn| {
        queue::enqueue(txn, NewJob::new("test.count", json!({"n": 1}), now), now).await?;
        Err(AppError::conflict("the cause failed"))
    })
    .await;
    assert!(rolled_back.is_err());
    assert_eq!(world.count("jobs").await, 0, "a rolled-back cause leaves no job");

    kernel::transaction(&world.db, async |txn| {
        queue::enqueue(txn, NewJob::new("test.count", json!({"n": 2}), now), now).await
    })
    .await
    .unwrap();
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let worker = worker(&world, counting(runs.clone()));
    let poll = worker.poll().await.unwrap();
    assert_eq!((poll.claimed, poll.succeeded), (1, 1));
    let done = only_job(&world).await;
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.attempts, 1);
    assert_eq!(done.payload, json!({"n": 2}));
    assert_eq!(worker.poll().await.unwrap().claimed, 0, "a finished job is not run again");
    assert_eq!(runs.lock().unwrap().values().copied().collect::<Vec<_>>(), [1]);
}

#[tokio::test]
async fn a_job_waits_for_its_time_and_a_cause_enqueues_once() {
    let world = World::new().await;
    let now = world.clock.now();
    let later = NewJob::new("test.count", json!(null), now + Duration::minutes(10)).once_per("order-1:lapse");
    assert!(queue::enqueue(&world.db, later.clone(), now).await.unwrap().is_some());
    assert_eq!(queue::enqueue(&world.db, later, now).await.unwrap(), None, "the same cause again does nothing");
    assert_eq!(world.count("jobs").await, 1);

    let runs = Arc::new(Mutex::new(HashMap::new()));
    let worker = worker(&world, counting(runs.clone()));
    assert_eq!(worker.poll().await.unwrap().claimed, 0, "not due yet");
    world.clock.advance(Duration::minutes(10));
    assert_eq!(worker.poll().await.unwrap().succeeded, 1, "due at its time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_claims_at_once_give_each_job_to_exactly_one() {
    let world = World::new().await;
    let now = world.clock.now();
    for n in 0..5 {
        queue::enqueue(&world.db, NewJob::new("test.count", json!({ "n": n }), now), now).await.unwrap();
    }
    let db = world.db.clone();
    // twenty claimers of one job each, racing for five jobs
    let results = race(20, |i| {
        let db = db.clone();
        async move { queue::claim(&db, &format!("worker-{i}"), now, Duration::minutes(LEASE_MINUTES), 1).await }
    })
    .await;
    let mut claimed: Vec<Uuid> = results.into_iter().flat_map(Result::unwrap).map(|c| c.id).collect();
    claimed.sort();
    let mut distinct = claimed.clone();
    distinct.dedup();
    assert_eq!(claimed, distinct, "no job went to two claimers");
    assert!(claimed.len() <= 5);
    let held = Jobs::find().all(&world.db).await.unwrap();
    assert!(held.iter().filter(|j| j.status == JobStatus::Running).all(|j| j.attempts == 1), "{held:?}");
    assert_eq!(held.iter().filter(|j| j.status == JobStatus::Running).count(), claimed.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_workers_polling_together_run_every_job_once() {
    let world = World::new().await;
    let now = world.clock.now();
    for n in 0..40 {
        queue::enqueue(&world.db, NewJob::new("test.count", json!({ "n": n }), now), now).await.unwrap();
    }
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let workers: Vec<Arc<Worker>> = (0..10).map(|_| Arc::new(worker(&world, counting(runs.clone())))).collect();
    // every worker polls until the queue is empty; all start together
    race(10, |i| {
        let worker = workers[i].clone();
        async move { while worker.poll().await.unwrap().claimed > 0 {} }
    })
    .await;
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 40, "every job ran");
    assert!(runs.values().all(|&n| n == 1), "no job ran twice: {runs:?}");
    let all = Jobs::find().all(&world.db).await.unwrap();
    assert!(all.iter().all(|j| j.status == JobStatus::Succeeded && j.attempts == 1));
}

#[tokio::test]
async fn a_job_whose_worker_stopped_is_taken_again_after_the_lease_and_the_late_worker_records_nothing() {
    let world = World::new().await;
    let now = world.clock.now();
    queue::enqueue(&world.db, NewJob::new("test.count", json!(null), now), now).await.unwrap();
    let lease = Duration::minutes(LEASE_MINUTES);
    let first = queue::claim(&world.db, "stopped", now, lease, 8).await.unwrap();
    assert_eq!(first.len(), 1);

    world.clock.advance(lease - Duration::seconds(1));
    assert!(queue::claim(&world.db, "other", world.clock.now(), lease, 8).await.unwrap().is_empty(), "still leased");
    world.clock.advance(Duration::seconds(1));
    let again = queue::claim(&world.db, "other", world.clock.now(), lease, 8).await.unwrap();
    assert_eq!(again.len(), 1, "the lease ran out: the job is due again");
    assert_eq!(again[0].attempts, 2, "the stopped worker's attempt counts");

    // the first worker wakes up late: neither its success nor its failure is recorded
    let late_now = world.clock.now();
    assert!(!queue::succeed(&world.db, first[0].id, "stopped", late_now).await.unwrap());
    assert_eq!(queue::fail(&world.db, &first[0], "stopped", "late", late_now).await.unwrap(), Failed::LeaseLost);
    let held = job(&world, first[0].id).await;
    assert_eq!((held.status, held.locked_by.as_deref(), held.last_error), (JobStatus::Running, Some("other"), None));

    assert!(queue::succeed(&world.db, again[0].id, "other", world.clock.now()).await.unwrap());
    assert_eq!(job(&world, first[0].id).await.status, JobStatus::Succeeded);
}

#[tokio::test]
async fn a_failing_job_backs_off_then_dies_and_an_admin_of_its_tenant_retries_it() {
    let world = World::new().await;
    let admin = world.as_user("essays", "admin@essays.test").await;
    let tenant = admin.tenant().unwrap().id;
    let failing = Arc::new(AtomicBool::new(true));
    let attempts = Arc::new(AtomicUsize::new(0));
    let registry = {
        let (failing, attempts) = (failing.clone(), attempts.clone());
        Registry::default().on("test.flaky", move |_| {
            let (failing, attempts) = (failing.clone(), attempts.clone());
            async move {
                attempts.fetch_add(1, Ordering::SeqCst);
                if failing.load(Ordering::SeqCst) { Err(AppError::conflict("the provider said no")) } else { Ok(()) }
            }
        })
    };
    let worker = worker(&world, registry);
    let now = world.clock.now();
    let new = NewJob::new("test.flaky", json!(null), now).for_tenant(tenant).max_attempts(3);
    queue::enqueue(&world.db, new, now).await.unwrap();

    assert_eq!(worker.poll().await.unwrap().retrying, 1);
    let first = only_job(&world).await;
    assert_eq!(first.status, JobStatus::Queued);
    assert_eq!(first.run_at, now + Duration::seconds(10), "the first retry waits 10 s");
    assert_eq!(first.last_error.as_deref(), Some("the provider said no"));
    assert_eq!(worker.poll().await.unwrap().claimed, 0, "not before its backoff");
    world.clock.advance(Duration::seconds(10));
    assert_eq!(worker.poll().await.unwrap().retrying, 1);
    assert_eq!(only_job(&world).await.run_at, world.clock.now() + Duration::seconds(20), "then twice as long");
    world.clock.advance(Duration::seconds(20));
    assert_eq!(worker.poll().await.unwrap().dead, 1, "the third of three attempts failed");
    let dead = only_job(&world).await;
    assert_eq!((dead.status, dead.attempts), (JobStatus::Dead, 3));
    world.clock.advance(Duration::hours(2));
    assert_eq!(worker.poll().await.unwrap().claimed, 0, "a dead job waits for an admin");
    assert_eq!(attempts.load(Ordering::SeqCst), 3);

    // who may see and retry it
    let listed =
        admin::list(&world.db, &admin, Some(JobStatus::Dead), PageArgs::parse(None, None).unwrap()).await.unwrap();
    assert_eq!(listed.items.iter().map(|j| j.id).collect::<Vec<_>>(), [dead.id]);
    let other_admin = world.as_user("papers", "admin@papers.test").await;
    let theirs = admin::list(&world.db, &other_admin, None, PageArgs::parse(None, None).unwrap()).await.unwrap();
    assert!(theirs.items.is_empty(), "another tenant's admin sees none of it");
    assert_refused(admin::retry(&world.db, &other_admin, dead.id).await, ErrorCode::NotFound, None);
    let client = world.as_user("essays", "client@essays.test").await;
    assert_refused(
        admin::list(&world.db, &client, None, PageArgs::parse(None, None).unwrap()).await,
        ErrorCode::Forbidden,
        None,
    );
    assert_refused(admin::retry(&world.db, &client, dead.id).await, ErrorCode::Forbidden, None);
    assert_eq!(only_job(&world).await, dead, "nothing changed by the refused calls");

    let retried = admin::retry(&world.db, &admin, dead.id).await.unwrap();
    assert_eq!((retried.status, retried.attempts, retried.run_at), (JobStatus::Queued, 0, world.clock.now()));
    assert_refused(admin::retry(&world.db, &admin, dead.id).await, ErrorCode::Conflict, None);
    failing.store(false, Ordering::SeqCst);
    assert_eq!(worker.poll().await.unwrap().succeeded, 1);
    assert_eq!(only_job(&world).await.status, JobStatus::Succeeded);
}

#[tokio::test]
async fn a_job_no_handler_knows_is_dead_with_the_reason() {
    let world = World::new().await;
    let now = world.clock.now();
    queue::enqueue(&world.db, NewJob::new("test.unknown", json!(null), now).max_attempts(1), now).await.unwrap();
    assert_eq!(worker(&world, Registry::default()).poll().await.unwrap().dead, 1);
    let dead = only_job(&world).await;
    assert_eq!(dead.last_error.as_deref(), Some("no handler for job kind \"test.unknown\" in this program"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_periodic_job_is_enqueued_once_per_period_however_many_workers_poll() {
    let world = World::new().await;
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let registry = counting(runs.clone()).every("test.count", Duration::hours(1));
    let workers: Vec<Arc<Worker>> = (0..5).map(|_| Arc::new(worker(&world, registry.clone()))).collect();
    let poll_all = || {
        let workers = workers.clone();
        async move {
            race(5, |i| {
                let worker = workers[i].clone();
                async move { worker.poll().await.unwrap() }
            })
            .await
        }
    };
    let polls = poll_all().await;
    assert_eq!(polls.iter().map(|p| p.scheduled).sum::<usize>(), 1, "one worker enqueued the period's job");
    poll_all().await;
    assert_eq!(world.count("jobs").await, 1);
    assert_eq!(runs.lock().unwrap().values().sum::<usize>(), 1, "and it ran once");

    world.clock.advance(Duration::hours(1));
    poll_all().await;
    poll_all().await;
    assert_eq!(world.count("jobs").await, 2, "the next period has its own job");
    assert_eq!(runs.lock().unwrap().values().sum::<usize>(), 2);
}

#[tokio::test]
async fn the_housekeeping_purge_keeps_recent_and_unfinished_jobs() {
    let world = World::new().await;
    let now = world.clock.now();
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let worker = worker(&world, counting(runs));
    for _ in 0..2 {
        queue::enqueue(&world.db, NewJob::new("test.count", json!(null), now), now).await.unwrap();
    }
    worker.poll().await.unwrap();
    queue::enqueue(&world.db, NewJob::new("test.count", json!(null), now + Duration::days(30)), now).await.unwrap();
    world.clock.advance(Duration::days(queue::KEEP_SUCCEEDED_DAYS) - Duration::seconds(1));
    assert_eq!(queue::purge(&world.db, world.clock.now()).await.unwrap(), 0, "kept a week");
    world.clock.advance(Duration::seconds(2));
    assert_eq!(queue::purge(&world.db, world.clock.now()).await.unwrap(), 2);
    assert_eq!(only_job(&world).await.status, JobStatus::Queued, "a job still to run is never purged");
}

#[tokio::test]
async fn a_worker_asked_to_stop_stops_even_while_the_queue_is_full() {
    let world = World::new().await;
    let now = world.clock.now();
    for n in 0..50 {
        queue::enqueue(&world.db, NewJob::new("test.count", json!({ "n": n }), now), now).await.unwrap();
    }
    let runs = Arc::new(Mutex::new(HashMap::new()));
    let worker = Worker::new(
        world.db.clone(),
        Arc::new(world.clock.clone()),
        counting(runs.clone()),
        WorkerSettings { batch: 8, ..settings() },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    stop.send(()).unwrap();
    let run = worker.run(async move {
        let _ = stopped.await;
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), run).await.expect("the worker stopped");
    assert!(runs.lock().unwrap().len() < 50, "it did not drain the whole queue first");
}
