//! The queue: enqueue (in the caller's transaction), claim (by any number of workers, each job
//! by one), finish, and the periodic schedule. Every guard is in SQL: a claim is one `UPDATE`
//! over rows locked with `FOR UPDATE SKIP LOCKED` (PostgreSQL) or under the write lock taken up
//! front (SQLite); finishing is conditional on still holding the lease; a cause enqueues once
//! (`unique_key`).

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, new_id};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, DbBackend, FromQueryResult, QueryFilter, Statement};

use crate::entity::job::{self, Entity as Jobs, JobStatus};

/// Attempts a job gets unless it says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;
/// The first retry waits this long; each next one twice as long, up to [`MAX_BACKOFF_SECONDS`].
pub const BASE_BACKOFF_SECONDS: i64 = 10;
pub const MAX_BACKOFF_SECONDS: i64 = 3_600;
/// Succeeded jobs are kept this long (to be seen), dead ones this long (to be retried).
pub const KEEP_SUCCEEDED_DAYS: i64 = 7;
pub const KEEP_DEAD_DAYS: i64 = 30;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub tenant_id: Option<Uuid>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    /// The cause, when the job must exist once per cause (another enqueue of it does nothing).
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` due at `run_at`, with the default attempts, for no tenant.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value, run_at: DateTime<Utc>) -> Self {
        Self {
            kind: kind.into(),
            payload,
            tenant_id: None,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            unique_key: None,
        }
    }
    pub fn for_tenant(mut self, tenant: Uuid) -> Self {
        self.tenant_id = Some(tenant);
        self
    }
    pub fn once_per(mut self, cause: impl Into<String>) -> Self {
        self.unique_key = Some(cause.into());
        self
    }
    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts;
        self
    }
}

/// Writes `job` through `conn`, usually the transaction of the change that causes it: if that
/// rolls back, the job never existed. Answers the new job's id, or none when a job with its
/// `unique_key` exists (then nothing is written).
pub async fn enqueue(conn: &impl ConnectionTrait, job: NewJob, now: DateTime<Utc>) -> AppResult<Option<Uuid>> {
    // the callers are this program's own code, so a bad job is a bug, not a user's mistake
    if job.kind.is_empty() || job.kind.len() > 100 {
        return Err(AppError::internal(format!("job kind {:?} must be 1 to 100 characters", job.kind)));
    }
    if !(1..=100).contains(&job.max_attempts) {
        return Err(AppError::internal(format!("job {} max_attempts {} is not 1 to 100", job.kind, job.max_attempts)));
    }
    if job.unique_key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 200) {
        return Err(AppError::internal(format!("job {} unique key must be 1 to 200 characters", job.kind)));
    }
    let id = new_id();
    let row = job::ActiveModel {
        id: Set(id),
        tenant_id: Set(job.tenant_id),
        kind: Set(job.kind),
        payload: Set(job.payload),
        status: Set(JobStatus::Queued),
        run_at: Set(job.run_at),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        unique_key: Set(job.unique_key),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    let inserted = Jobs::insert(row)
        .on_conflict(OnConflict::column(job::Column::UniqueKey).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// A job a worker holds: run it, then [`succeed`] or [`fail`] it before `locked_until`.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Claimed {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// The due jobs, up to `limit`, oldest due first: queued ones whose time has come, and running
/// ones whose lease ran out (their worker stopped). Each is claimed by exactly one caller,
/// however many claim at once; the claim counts an attempt and holds a lease until
/// `now + lease`.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> AppResult<Vec<Claimed>> {
    let backend = db.get_database_backend();
    // PostgreSQL: rows another claimer has locked are skipped, not waited for. SQLite has no row
    // locks: the write lock taken up front (BEGIN IMMEDIATE) makes claims take turns. The scan is
    // the partial index of unfinished jobs up to now (a running job was due when it was claimed,
    // so its `run_at` is past too).
    let lock = if backend == DbBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE jobs SET status = 'RUNNING', attempts = attempts + 1, locked_by = $1, locked_until = $2, \
         updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs \
           WHERE status IN ('QUEUED', 'RUNNING') AND run_at <= $3 \
             AND (status = 'QUEUED' OR locked_until <= $3) \
           ORDER BY run_at, id LIMIT $4 {lock}) \
         RETURNING id, tenant_id, kind, payload, attempts, max_attempts"
    );
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let statement =
        Statement::from_sql_and_values(backend, sql, [worker.into(), (now + lease).into(), now.into(), limit.into()]);
    if backend == DbBackend::Sqlite {
        kernel::transaction(db, async |txn| Ok(Claimed::find_by_statement(statement).all(txn).await?)).await
    } else {
        Ok(Claimed::find_by_statement(statement).all(db).await?)
    }
}

/// Marks a claimed job done. False when the worker no longer held it (its lease ran out and
/// another worker took it): then nothing is changed.
pub async fn succeed(conn: &impl ConnectionTrait, job: Uuid, worker: &str, now: DateTime<Utc>) -> AppResult<bool> {
    Ok(succeed_all(conn, &[job], worker, now).await? == [job])
}

/// Marks claimed jobs done in one statement, those the worker still holds; answers which.
pub async fn succeed_all(
    conn: &impl ConnectionTrait,
    jobs: &[Uuid],
    worker: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let done = Jobs::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Succeeded))
        .col_expr(job::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(job::Column::Id.is_in(jobs.iter().copied()))
        .filter(job::Column::Status.eq(JobStatus::Running))
        .filter(job::Column::LockedBy.eq(worker))
        .exec_with_returning(conn)
        .await?;
    Ok(done.into_iter().map(|j| j.id).collect())
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Queued again, due at this time.
    Retrying(DateTime<Utc>),
    /// Out of attempts: dead until an admin retries it.
    Dead,
    /// The worker no longer held the job; nothing was changed.
    LeaseLost,
}

/// How long after its `attempt`-th failed attempt a job is tried again.
pub fn backoff(attempt: i32) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(20);
    let seconds = BASE_BACKOFF_SECONDS.saturating_mul(1_i64 << doublings).min(MAX_BACKOFF_SECONDS);
    Duration::seconds(seconds)
}

/// Records a failed attempt: queued again after [`backoff`], or dead when it was the last.
pub async fn fail(
    conn: &impl ConnectionTrait,
    job: &Claimed,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> AppResult<Failed> {
    let error: String = error.chars().take(2_000).collect();
    let (outcome, update) = if job.attempts >= job.max_attempts {
        let update = held(Jobs::update_many(), job.id, worker)
            .col_expr(job::Column::Status, Expr::value(JobStatus::Dead))
            .col_expr(job::Column::FinishedAt, Expr::value(Some(now)));
        (Failed::Dead, update)
    } else {
        let again = now + backoff(job.attempts);
        let update = held(Jobs::update_many(), job.id, worker)
            .col_expr(job::Column::Status, Expr::value(JobStatus::Queued))
            .col_expr(job::Column::RunAt, Expr::value(again));
        (Failed::Retrying(again), update)
    };
    let result = update
        .col_expr(job::Column::LastError, Expr::value(Some(error)))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .exec(conn)
        .await?;
    Ok(if result.rows_affected == 1 { outcome } else { Failed::LeaseLost })
}

/// Restricts an update to `job` while `worker` holds it.
fn held(update: sea_orm::UpdateMany<Jobs>, job: Uuid, worker: &str) -> sea_orm::UpdateMany<Jobs> {
    update
        .filter(job::Column::Id.eq(job))
        .filter(job::Column::Status.eq(JobStatus::Running))
        .filter(job::Column::LockedBy.eq(worker))
}

/// A job enqueued every `every`, once per period however many workers run: each period's job
/// is named by its start (`kind@<start>`), so a second enqueue of it does nothing.
#[derive(Debug, Clone)]
pub struct Periodic {
    pub kind: String,
    pub every: Duration,
}

impl Periodic {
    /// The start of the period `now` falls in (periods count from the Unix epoch).
    pub fn period_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let every = self.every.num_seconds().max(1);
        let start = now.timestamp().div_euclid(every) * every;
        DateTime::from_timestamp(start, 0).unwrap_or(now)
    }

    /// Enqueues this period's job unless it exists. Answers the job's id when it was enqueued.
    pub async fn enqueue_current(&self, conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<Option<Uuid>> {
        let start = self.period_start(now);
        let cause = format!("{}@{}", self.kind, start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        enqueue(conn, NewJob::new(self.kind.clone(), serde_json::Value::Null, start).once_per(cause), now).await
    }
}

/// Removes finished jobs past their keeping time. Answers how many.
pub async fn purge(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let succeeded = Jobs::delete_many()
        .filter(job::Column::Status.eq(JobStatus::Succeeded))
        .filter(job::Column::FinishedAt.lt(now - Duration::days(KEEP_SUCCEEDED_DAYS)))
        .exec(conn)
        .await?
        .rows_affected;
    let dead = Jobs::delete_many()
        .filter(job::Column::Status.eq(JobStatus::Dead))
        .filter(job::Column::FinishedAt.lt(now - Duration::days(KEEP_DEAD_DAYS)))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(succeeded + dead)
}

/// Jobs due now (queued and due, or running past their lease): the queue's depth.
pub async fn due(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    use sea_orm::{Condition, PaginatorTrait};
    Ok(Jobs::find()
        .filter(job::Column::Status.is_in([JobStatus::Queued, JobStatus::Running]))
        .filter(job::Column::RunAt.lte(now))
        .filter(Condition::any().add(job::Column::Status.eq(JobStatus::Queued)).add(job::Column::LockedUntil.lte(now)))
        .count(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=11).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(seconds, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(backoff(i32::MAX).num_seconds(), MAX_BACKOFF_SECONDS);
        assert_eq!(backoff(0).num_seconds(), BASE_BACKOFF_SECONDS);
    }

    #[test]
    fn periods_start_on_their_boundary() {
        let hourly = Periodic { kind: "k".into(), every: Duration::hours(1) };
        let at = DateTime::parse_from_rfc3339("2026-12-06T12:34:56Z").unwrap().to_utc();
        assert_eq!(hourly.period_start(at).to_rfc3339(), "2026-12-06T12:00:00+00:00");
        let boundary = DateTime::parse_from_rfc3339("2026-12-06T13:00:00Z").unwrap().to_utc();
        assert_eq!(hourly.period_start(boundary), boundary);
    }
}
