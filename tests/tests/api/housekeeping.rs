//! Housekeeping keeps tables from growing: ended sessions, old throttle events and expired
//! idempotency keys are purged; what is still in use stays.

use chrono::Duration;
use gateway::housekeeping::{self, Purged};
use kernel::Clock;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn the_purge_removes_what_expired_and_keeps_what_is_live() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    // a session that will end, a failed sign-in, an idempotency key
    let old = app.sign_in("essays", "client@essays.test").await;
    app.gql("mutation { signIn(input: {email: \"client@essays.test\", password: \"wrong-password\"}) { token } }")
        .tenant("essays")
        .send()
        .await;
    let place = "mutation($i: OrderSpecInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }";
    let input = json!({ "i": {
        "topic": "Kept", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": 1, "deadline": app.in_hours(100) }, "k": "first-key" });
    let first = app.gql(place).vars(input.clone()).tenant("essays").token(&old).send().await;
    assert!(first["errors"].is_null(), "{first}");
    let (sessions, events, keys) =
        (app.count("sessions").await, app.count("throttle_events").await, app.count("idempotency_keys").await);
    assert!(sessions >= 1 && events >= 1 && keys == 1);

    // nothing is old yet
    assert_eq!(housekeeping::purge(&app.db, app.clock.now()).await.unwrap(), Purged::default());

    // 25 hours on: the key and the throttle event are past their lifetimes; the session is not
    app.clock.advance(Duration::hours(25));
    let purged = housekeeping::purge(&app.db, app.clock.now()).await.unwrap();
    assert_eq!((purged.idempotency_keys, purged.throttle_events, purged.sessions), (1, events as u64, 0));
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&old).send().await["errors"].is_null());

    // a session is kept 30 days after it ends (the security page shows it), then purged
    let fresh = app.sign_in("essays", "client@essays.test").await;
    app.clock.advance(Duration::days(30 + 30));
    let purged = housekeeping::purge(&app.db, app.clock.now()).await.unwrap();
    assert_eq!(purged.sessions, sessions as u64);
    // the session opened later is still within its keep period
    assert_eq!(app.count("sessions").await, 1);
    drop(fresh);
}
