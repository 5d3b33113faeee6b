//! Background work: a queue of jobs in the database (one table, `jobs`), enqueued in the
//! transaction of the change that causes them, claimed by any number of workers, each job by
//! one (`FOR UPDATE SKIP LOCKED` and a lease on PostgreSQL, the write lock on SQLite), retried
//! with exponential backoff, then dead until an admin retries it; periodic jobs enqueued once
//! per period. Why a table of our own rather than a job crate: the maintained Rust job queues we
//! looked at do not enqueue inside a SeaORM transaction on both PostgreSQL and SQLite (apalis'
//! SQL storages push through their own pool, sqlxmq is PostgreSQL only), and the design is
//! small: River, Oban and graphile-worker claim from a table the same way.
//!
//! The contexts register their job kinds with the gateway's [`runner::Registry`]; the worker
//! runs in `scriptorium serve` or alone as `scriptorium worker`.

pub mod entity;
pub mod graphql;
pub mod runner;
pub mod service;

pub use entity::job::JobStatus;
pub use graphql::{Job, JobsMutation, JobsQuery};
pub use runner::{JobRun, Registry, Worker, WorkerSettings};
pub use service::queue::{NewJob, enqueue};
