//! Service tests: the rules called directly against a real database (a migrated, seeded copy of
//! the template: SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set), without HTTP.
//!
//! Race tests run on a multi-threaded runtime and start their tasks together at a barrier, each
//! task in its own write transaction through `kernel::write`, as requests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod discounts;
mod idempotency;
mod ledger;
mod lifecycle;
mod throttle;

use std::sync::Arc;

use kernel::{AppResult, RequestContext};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

/// Runs `n` copies of `work` at once (released together by a barrier) and returns their results.
pub async fn race<T, F>(n: usize, work: F) -> Vec<AppResult<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<T>> + Send>> + Send + Sync + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let work = Arc::new(work);
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, work) = (barrier.clone(), work.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                work(i).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("a racing task finished"));
    }
    results
}

/// One number from SQL (`SELECT COUNT(*) AS n ...`), the same on both backends.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("the count runs")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a number named n")
}

pub fn user_of(request: &RequestContext) -> Uuid {
    request.viewer.as_ref().expect("a signed-in request").user_id
}

/// The demo catalogue of the request's tenant, by code.
pub async fn catalog(request: &RequestContext) -> std::collections::HashMap<String, String> {
    orders::service::catalog::for_viewer(&request.db, request)
        .await
        .expect("the catalogue")
        .into_iter()
        .map(|entry| (entry.code, entry.id.to_string()))
        .collect()
}

/// A complete order specification from the demo catalogue, due in four days.
pub async fn spec(request: &RequestContext, topic: &str) -> orders::service::spec::OrderSpec {
    let c = catalog(request).await;
    let id = |code: &str| Some(async_graphql::ID(c[code].clone()));
    orders::service::spec::OrderSpec {
        topic: Some(topic.to_owned()),
        paper_type_id: id("essay"),
        academic_level_id: id("undergraduate"),
        subject_id: id("english"),
        work_type_id: id("writing"),
        pages: Some(2),
        deadline: Some((request.now() + chrono::Duration::days(4)).into()),
        ..Default::default()
    }
}

/// The codes of the failures among `results`, as `CODE/REASON`.
pub fn failures<T>(results: &[AppResult<T>]) -> Vec<String> {
    results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| format!("{}/{}", e.code.as_str(), e.reason.map_or("-", |r| r.as_str())))
        .collect()
}
