//! The worker: polls the queue, runs what it claims with the handler registered for its kind,
//! and records the outcome; enqueues the periodic jobs as their periods begin. Any number of
//! workers (embedded in `scriptorium serve`, or `scriptorium worker` processes) share one
//! database: the queue's claim gives each job to one of them.
//!
//! A handler may run again for the same job (its worker died after the work and before
//! recording it, or its lease ran out), so handlers are idempotent: they guard their effects in
//! the database as every business effect here is (a unique cause, a conditional update).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use futures::future::{BoxFuture, join_all};
use kernel::{AppResult, Clock};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::service::queue::{self, Claimed, Failed, Periodic};

/// What a handler is given: the job and the means to do its work.
#[derive(Clone)]
pub struct JobRun {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// The attempts it has: when `attempt` is this, a failure leaves it dead.
    pub max_attempts: i32,
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
}

type Handler = Arc<dyn Fn(JobRun) -> BoxFuture<'static, AppResult<()>> + Send + Sync>;

/// The kinds of job this program knows, and the periodic ones.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    periodic: Vec<Periodic>,
}

impl Registry {
    /// Runs `handler` for jobs of `kind`.
    pub fn on<F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        F: Fn(JobRun) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<()>> + Send + 'static,
    {
        self.handlers.insert(kind.to_owned(), Arc::new(move |run| Box::pin(handler(run))));
        self
    }

    /// Also enqueues a job of `kind` (which needs a handler) every `every`.
    pub fn every(mut self, kind: &str, every: Duration) -> Self {
        self.periodic.push(Periodic { kind: kind.to_owned(), every });
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

/// How a worker polls.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// The pause between polls that found nothing to do.
    pub poll: std::time::Duration,
    /// How long a claimed job is held; a handler still running then is stopped and the job
    /// becomes due again.
    pub lease: Duration,
    /// Jobs claimed (and run together) per poll: most jobs wait on I/O (a mail server), so a
    /// worker runs many at once.
    pub batch: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self { poll: std::time::Duration::from_secs(1), lease: Duration::minutes(5), batch: 32 }
    }
}

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub scheduled: usize,
    pub claimed: usize,
    pub succeeded: usize,
    pub retrying: usize,
    pub dead: usize,
    /// Finished after another worker had taken the job over (nothing recorded).
    pub lease_lost: usize,
}

pub struct Worker {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    registry: Registry,
    settings: WorkerSettings,
    id: String,
    /// The period each periodic kind was last enqueued for by this worker (saves a write per
    /// poll; the database's unique key is what makes it once).
    scheduled: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Worker {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, registry: Registry, settings: WorkerSettings) -> Self {
        let id = format!("{}:{}", std::process::id(), kernel::new_id().simple());
        Self { db, clock, registry, settings, id, scheduled: Mutex::new(HashMap::new()) }
    }

    /// This worker's name in `jobs.locked_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Polls until `shutdown` completes, then lets the jobs in hand finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tracing::info!(worker = %self.id, kinds = ?self.registry.kinds().collect::<Vec<_>>(), "worker started");
        tokio::pin!(shutdown);
        let mut last_depth = Instant::now() - std::time::Duration::from_secs(60);
        loop {
            // a busy worker polls again at once, but still stops when asked
            if futures::poll!(&mut shutdown).is_ready() {
                break;
            }
            let busy = match self.poll().await {
                Ok(poll) => poll.claimed as u64 == self.settings.batch,
                Err(error) => {
                    tracing::warn!(worker = %self.id, error = %error.message, "a poll of the job queue failed");
                    false
                }
            };
            if last_depth.elapsed() >= std::time::Duration::from_secs(15) {
                last_depth = Instant::now();
                if let Ok(depth) = queue::due(&self.db, self.clock.now()).await {
                    metrics::gauge!("scriptorium_jobs_due").set(depth as f64);
                }
            }
            if busy {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    /// One poll: enqueue the periodic jobs whose period began, claim what is due, run it and
    /// record the outcomes (the successes in one statement).
    pub async fn poll(&self) -> AppResult<Poll> {
        let mut poll = Poll { scheduled: self.schedule().await?, ..Poll::default() };
        let now = self.clock.now();
        let claimed = queue::claim(&self.db, &self.id, now, self.settings.lease, self.settings.batch).await?;
        poll.claimed = claimed.len();
        let results = join_all(claimed.iter().map(|job| self.run_one(job))).await;
        let now = self.clock.now();
        let mut succeeded = Vec::new();
        for (job, result) in claimed.iter().zip(results) {
            match result {
                Ok(()) => succeeded.push(job.id),
                Err(error) => {
                    metrics::counter!("scriptorium_jobs_failed_total", "kind" => job.kind.clone()).increment(1);
                    match queue::fail(&self.db, job, &self.id, &error, now).await? {
                        Failed::Retrying(_) => {
                            poll.retrying += 1;
                            tracing::warn!(job = %job.id, kind = job.kind, attempt = job.attempts, error, "a job failed");
                        }
                        Failed::Dead => {
                            poll.dead += 1;
                            tracing::error!(job = %job.id, kind = job.kind, error, "a job is dead");
                        }
                        Failed::LeaseLost => poll.lease_lost += 1,
                    }
                }
            }
        }
        let recorded = queue::succeed_all(&self.db, &succeeded, &self.id, now).await?;
        poll.succeeded = recorded.len();
        poll.lease_lost += succeeded.len() - recorded.len();
        for job in claimed.iter().filter(|j| recorded.contains(&j.id)) {
            metrics::counter!("scriptorium_jobs_succeeded_total", "kind" => job.kind.clone()).increment(1);
        }
        if recorded.len() < succeeded.len() {
            tracing::warn!(worker = %self.id, late = succeeded.len() - recorded.len(), "jobs finished after their lease; other workers hold them");
        }
        Ok(poll)
    }

    async fn schedule(&self) -> AppResult<usize> {
        let now = self.clock.now();
        let mut enqueued = 0;
        for periodic in &self.registry.periodic {
            let start = periodic.period_start(now);
            let done = self.scheduled.lock().map(|s| s.get(&periodic.kind) == Some(&start)).unwrap_or(false);
            if done {
                continue;
            }
            if periodic.enqueue_current(&self.db, now).await?.is_some() {
                enqueued += 1;
            }
            if let Ok(mut scheduled) = self.scheduled.lock() {
                scheduled.insert(periodic.kind.clone(), start);
            }
        }
        Ok(enqueued)
    }

    /// Runs one claimed job; the error an admin will see when it failed: a handler's error as a
    /// client would see it (an internal one is "internal error", its cause in the log), or the
    /// runner's own reason.
    async fn run_one(&self, job: &Claimed) -> Result<(), String> {
        let started = Instant::now();
        let result = if job.attempts > job.max_attempts {
            Err("its worker stopped during its last allowed attempt".to_owned())
        } else {
            match self.registry.handlers.get(&job.kind) {
                None => Err(format!("no handler for job kind {:?} in this program", job.kind)),
                Some(handler) => {
                    let run = JobRun {
                        id: job.id,
                        tenant_id: job.tenant_id,
                        kind: job.kind.clone(),
                        payload: job.payload.clone(),
                        attempt: job.attempts,
                        max_attempts: job.max_attempts,
                        db: self.db.clone(),
                        clock: self.clock.clone(),
                    };
                    let lease = self.settings.lease.to_std().unwrap_or(std::time::Duration::from_secs(300));
                    match tokio::time::timeout(lease, handler(run)).await {
                        Ok(result) => result.map_err(|e| e.message),
                        Err(_) => Err(format!("stopped: it ran past its lease of {}", self.settings.lease)),
                    }
                }
            }
        };
        metrics::histogram!("scriptorium_job_duration_seconds", "kind" => job.kind.clone())
            .record(started.elapsed().as_secs_f64());
        result
    }
}
