//! The job queue as admins see it: their tenant's jobs (superadmins also the system's), the
//! reason a dead job failed, and the retry, refused for another tenant's job, for one that is not
//! dead and for anyone but admins, with nothing changed.

use std::sync::Arc;

use jobs::service::queue;
use jobs::{NewJob, Registry, Worker, WorkerSettings};
use kernel::Clock;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const JOBS: &str = "query($s: JobStatus) { jobs(status: $s, first: 10) { totalCount edges { node { id kind status attempts maxAttempts lastError tenantId runAt finishedAt } } } }";
const RETRY: &str = "mutation($id: ID!) { retryJob(id: $id) { id status attempts lastError } }";

/// A job of a kind no handler knows, for `tenant` (or the system), run once: it is dead.
async fn dead_job(app: &TestApp, tenant: Option<&str>) -> String {
    let now = app.clock.now();
    let mut job = NewJob::new("report.unknown", json!({ "secret": "not for the API" }), now).max_attempts(1);
    if let Some(slug) = tenant {
        job = job.for_tenant(tenancy::service::tenants::find_by_slug(&app.db, slug).await.unwrap().unwrap().id);
    }
    let id = queue::enqueue(&app.db, job, now).await.unwrap().unwrap();
    let worker =
        Worker::new(app.db.clone(), Arc::new(app.clock.clone()), Registry::default(), WorkerSettings::default());
    assert_eq!(worker.poll().await.unwrap().dead, 1);
    id.to_string()
}

fn nodes(body: &Value) -> Vec<Value> {
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["jobs"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

#[tokio::test]
async fn admins_see_their_tenants_dead_jobs_and_retry_them_and_no_one_else_can() {
    let app = TestApp::spawn().await;
    let essays_job = dead_job(&app, Some("essays")).await;
    let system_job = dead_job(&app, None).await;
    let admin = app.sign_in("essays", "admin@essays.test").await;

    let body = app.gql(JOBS).vars(json!({ "s": "DEAD" })).tenant("essays").token(&admin).send().await;
    let listed = nodes(&body);
    assert_eq!(listed.len(), 1, "the essays admin sees the essays job only: {body}");
    let job = &listed[0];
    assert_eq!(job["id"], essays_job.as_str());
    assert_eq!(job["kind"], "report.unknown");
    assert_eq!(job["status"], "DEAD");
    assert_eq!((job["attempts"].as_i64(), job["maxAttempts"].as_i64()), (Some(1), Some(1)));
    assert_eq!(job["lastError"], "no handler for job kind \"report.unknown\" in this program");
    assert!(job["finishedAt"].is_string());
    assert!(!body.to_string().contains("not for the API"), "the payload is not shown");

    let superadmin = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let body = app.gql(JOBS).vars(json!({ "s": "DEAD" })).tenant("essays").token(&superadmin).send().await;
    let mut ids: Vec<_> = nodes(&body).iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    let mut expected = vec![essays_job.clone(), system_job.clone()];
    expected.sort();
    assert_eq!(ids, expected, "a superadmin also sees the system's jobs");

    // refused: another tenant's admin, a writer, a bad id; nothing changes
    let other = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(JOBS).tenant("papers").token(&other).send().await;
    assert!(nodes(&body).is_empty(), "{body}");
    let body = app.gql(RETRY).vars(json!({ "id": essays_job })).tenant("papers").token(&other).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(RETRY).vars(json!({ "id": system_job })).tenant("essays").token(&admin).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "a tenant's admin cannot retry the system's jobs: {body}");
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let body = app.gql(JOBS).tenant("essays").token(&writer).send().await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(RETRY).vars(json!({ "id": essays_job })).tenant("essays").token(&writer).send().await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(RETRY).vars(json!({ "id": "nope" })).tenant("essays").token(&admin).send().await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "id"), "{body}");
    let body = app.gql(JOBS).vars(json!({ "s": "DEAD" })).tenant("essays").token(&superadmin).send().await;
    assert_eq!(nodes(&body).len(), 2, "both still dead");

    let body = app.gql(RETRY).vars(json!({ "id": essays_job })).tenant("essays").token(&admin).send().await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["retryJob"]["status"], "QUEUED");
    assert_eq!(body["data"]["retryJob"]["attempts"], 0);
    let body = app.gql(RETRY).vars(json!({ "id": essays_job })).tenant("essays").token(&admin).send().await;
    assert_eq!(code(&body), "CONFLICT", "only a dead job is retried: {body}");
    let body = app.gql(JOBS).vars(json!({ "s": "QUEUED" })).tenant("essays").token(&admin).send().await;
    assert_eq!(nodes(&body).len(), 1);
}
