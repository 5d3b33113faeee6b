//! Web push end to end: a browser registered through the API receives each notification from the
//! worker, VAPID-signed and encrypted to its keys (a strict fake push service checks both and
//! decrypts); a browser the push service says is gone (410) is forgotten and not retried; bad
//! endpoints and keys are refused on their field and write nothing; the push channel follows the
//! user's preferences.

use std::sync::Arc;

use jobs::{Worker, WorkerSettings};
use notifications::{Mailer, Outlets, WebPush};
use serde_json::{Value, json};
use tests::push::{Browser, FakePushService};
use tests::{TestApp, code, field};

const REGISTER: &str = "mutation($e: String!, $p: String!, $a: String!) { registerPushSubscription(endpoint: $e, p256dh: $p, auth: $a) { id endpoint createdAt lastUsedAt } }";
const UNREGISTER: &str = "mutation($e: String!) { unregisterPushSubscription(endpoint: $e) }";
const PLACE: &str = "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }";
const DELIVERIES: &str =
    "query { notificationDeliveries(first: 50) { edges { node { channel status attempts lastError address } } } }";

fn web_push() -> (WebPush, String) {
    let (private, public) = WebPush::generate_keys();
    (WebPush::new(Some(&private), Some("mailto:ops@scriptorium.test"), "127.0.0.1").unwrap(), public)
}

async fn app_with(push: &WebPush) -> TestApp {
    let push = push.clone();
    TestApp::spawn_with(move |o| o.push = push).await
}

fn worker(app: &TestApp, push: &WebPush, mail: &tempfile::TempDir) -> Worker {
    let outlets = Outlets { mailer: Mailer::new(None, mail.path().to_owned()).unwrap(), push: push.clone() };
    Worker::new(
        app.db.clone(),
        Arc::new(app.clock.clone()),
        gateway::worker::registry(outlets, app.state.files.clone()),
        WorkerSettings::default(),
    )
}

async fn drain(worker: &Worker) {
    while worker.poll().await.unwrap().claimed > 0 {}
}

async fn register(app: &TestApp, token: &str, b: &Browser) -> Value {
    app.gql(REGISTER)
        .vars(json!({ "e": b.endpoint, "p": b.p256dh, "a": b.auth }))
        .tenant("essays")
        .token(token)
        .send()
        .await
}

async fn place(app: &TestApp, client: &str) -> String {
    let c = app.catalog("essays").await;
    let spec = json!({
        "topic": "Tides and their keepers", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(50),
    });
    let body = app.gql(PLACE).vars(json!({ "i": spec })).tenant("essays").token(client).send().await;
    body["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn push_deliveries(app: &TestApp, admin: &str) -> Vec<Value> {
    let body = app.gql(DELIVERIES).tenant("essays").token(admin).send().await;
    let edges = body["data"]["notificationDeliveries"]["edges"].as_array().unwrap_or_else(|| panic!("{body}")).clone();
    edges.into_iter().map(|e| e["node"].clone()).filter(|n| n["channel"] == "PUSH").collect()
}

#[tokio::test]
async fn each_registered_browser_gets_the_notification_signed_and_encrypted_and_a_gone_one_is_forgotten() {
    let service = FakePushService::start().await;
    let (push, public) = web_push();
    let app = app_with(&push).await;
    let mail = tempfile::tempdir().unwrap();
    let worker = worker(&app, &push, &mail);
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;

    let body = app.gql("{ webPushPublicKey }").tenant("essays").send().await;
    assert_eq!(body["data"]["webPushPublicKey"], public.as_str(), "{body}");

    let (phone, laptop) = (service.browser(), service.browser());
    for b in [&phone, &laptop] {
        let body = register(&app, &client, b).await;
        assert_eq!(body["data"]["registerPushSubscription"]["endpoint"], b.endpoint.as_str(), "{body}");
    }
    // the same browser again replaces its keys, it is not a second one
    let body = register(&app, &client, &phone).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("push_subscriptions").await, 2);
    let body = app.gql("{ viewer { pushSubscriptions { endpoint } } }").tenant("essays").token(&client).send().await;
    assert_eq!(body["data"]["viewer"]["pushSubscriptions"].as_array().unwrap().len(), 2, "{body}");

    place(&app, &client).await;
    drain(&worker).await;
    let delivered = service.delivered();
    assert!(service.refused().is_empty(), "{:?}", service.refused());
    assert_eq!(delivered.len(), 2, "one message a browser: {delivered:?}");
    let note = app
        .gql("{ viewer { notifications(first: 5) { edges { node { id title } } } } }")
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    let note = note["data"]["viewer"]["notifications"]["edges"][0]["node"].clone();
    for d in &delivered {
        assert_eq!(d.payload["kind"], "ORDER_PLACED", "{d:?}");
        assert_eq!(d.payload["title"], note["title"], "{d:?}");
        assert_eq!(d.payload["id"], note["id"], "{d:?}");
        assert_eq!(d.vapid_key, public, "signed with the server's key");
        assert_eq!(
            d.topic.as_deref(),
            Some(note["id"].as_str().unwrap().replace('-', "").as_str()),
            "a retry replaces, never doubles"
        );
        assert!(d.ttl.is_some());
    }
    let mut browsers: Vec<_> = delivered.iter().map(|d| d.browser.clone()).collect();
    browsers.sort();
    let mut expected = vec![phone.id.clone(), laptop.id.clone()];
    expected.sort();
    assert_eq!(browsers, expected);
    let rows = push_deliveries(&app, &admin).await;
    assert!(rows.len() == 2 && rows.iter().all(|r| r["status"] == "SENT" && r["attempts"] == 1), "{rows:?}");

    // the user dropped the laptop's subscription: the push service answers 410
    service.drop_browser(&laptop);
    place(&app, &client).await;
    drain(&worker).await;
    assert_eq!(service.delivered().len(), 3, "the phone still gets it");
    assert_eq!(app.count("push_subscriptions").await, 1, "the gone browser is forgotten");
    let rows = push_deliveries(&app, &admin).await;
    let dead: Vec<_> = rows.iter().filter(|r| r["status"] == "DEAD").collect();
    assert_eq!(dead.len(), 1, "{rows:?}");
    assert!(dead[0]["lastError"].as_str().unwrap().contains("410"), "{rows:?}");
    // and it is not tried again, however long the worker waits
    app.clock.advance(chrono::Duration::hours(3));
    drain(&worker).await;
    let rows = push_deliveries(&app, &admin).await;
    let dead: Vec<_> = rows.iter().filter(|r| r["status"] == "DEAD").collect();
    assert!(dead.len() == 1 && dead[0]["attempts"] == 1, "{rows:?}");

    // unregistering stops it; another user cannot unregister the client's browser
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let body = app.gql(UNREGISTER).vars(json!({ "e": phone.endpoint })).tenant("essays").token(&writer).send().await;
    assert_eq!(body["data"]["unregisterPushSubscription"], false, "{body}");
    let body = app.gql(UNREGISTER).vars(json!({ "e": phone.endpoint })).tenant("essays").token(&client).send().await;
    assert_eq!(body["data"]["unregisterPushSubscription"], true, "{body}");
    place(&app, &client).await;
    drain(&worker).await;
    assert_eq!(service.delivered().len(), 3, "no browser left");
}

#[tokio::test]
async fn a_bad_endpoint_or_key_is_refused_on_its_field_and_writes_nothing() {
    let service = FakePushService::start().await;
    let (push, _) = web_push();
    let app = app_with(&push).await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let good = service.browser();

    let cases = [
        (json!({ "e": "http://push.example.com/x", "p": good.p256dh, "a": good.auth }), "endpoint"),
        (json!({ "e": "https://10.0.0.5/push/1", "p": good.p256dh, "a": good.auth }), "endpoint"),
        (json!({ "e": "ftp://127.0.0.1/push/1", "p": good.p256dh, "a": good.auth }), "endpoint"),
        (json!({ "e": "not a url", "p": good.p256dh, "a": good.auth }), "endpoint"),
        (json!({ "e": good.endpoint, "p": "BAAA", "a": good.auth }), "p256dh"),
        (json!({ "e": good.endpoint, "p": good.p256dh, "a": "c2hvcnQ" }), "auth"),
    ];
    for (vars, expected) in cases {
        let body = app.gql(REGISTER).vars(vars.clone()).tenant("essays").token(&client).send().await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", expected), "{vars}: {body}");
    }
    let body = app
        .gql(REGISTER)
        .vars(json!({ "e": good.endpoint, "p": good.p256dh, "a": good.auth }))
        .tenant("essays")
        .send()
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(app.count("push_subscriptions").await, 0, "nothing written");

    // a server without a VAPID key refuses, and says it has no key
    let off = TestApp::spawn().await;
    let token = off.sign_in("essays", "client@essays.test").await;
    let body = off
        .gql(REGISTER)
        .vars(json!({ "e": good.endpoint, "p": good.p256dh, "a": good.auth }))
        .tenant("essays")
        .token(&token)
        .send()
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(off.gql("{ webPushPublicKey }").tenant("essays").send().await["data"]["webPushPublicKey"], Value::Null);
}

#[tokio::test]
async fn a_user_keeps_twenty_browsers_each_site_its_own_and_the_push_channel_follows_preferences() {
    let service = FakePushService::start().await;
    let (push, _) = web_push();
    let app = app_with(&push).await;
    let mail = tempfile::tempdir().unwrap();
    let worker = worker(&app, &push, &mail);
    let client = app.sign_in("essays", "client@essays.test").await;
    let browsers: Vec<Browser> = (0..21).map(|_| service.browser()).collect();
    for (i, b) in browsers.iter().enumerate() {
        app.clock.advance(chrono::Duration::seconds(1));
        let body = register(&app, &client, b).await;
        assert!(body["errors"].is_null(), "{i}: {body}");
    }
    assert_eq!(app.count("push_subscriptions").await, 20, "the oldest is forgotten");
    let body = app.gql("{ viewer { pushSubscriptions { endpoint } } }").tenant("essays").token(&client).send().await;
    let kept: Vec<_> = body["data"]["viewer"]["pushSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["endpoint"].as_str().unwrap().to_owned())
        .collect();
    assert!(!kept.contains(&browsers[0].endpoint) && kept.contains(&browsers[20].endpoint), "{kept:?}");

    // the same browser on the other site is that site's own subscription
    let papers = app.sign_in("papers", "client@papers.test").await;
    let body = app
        .gql(REGISTER)
        .vars(json!({ "e": browsers[20].endpoint, "p": browsers[20].p256dh, "a": browsers[20].auth }))
        .tenant("papers")
        .token(&papers)
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("push_subscriptions").await, 21);
    let body = app.gql("{ viewer { pushSubscriptions { endpoint } } }").tenant("papers").token(&papers).send().await;
    assert_eq!(body["data"]["viewer"]["pushSubscriptions"].as_array().unwrap().len(), 1, "{body}");

    // push turned off for ORDER_PLACED: in the app, not pushed
    let update =
        "mutation($i: [NotificationPreferenceInput!]!) { updateNotificationPreferences(input: $i) { kind push } }";
    let body = app
        .gql(update)
        .vars(json!({ "i": [{ "kind": "ORDER_PLACED", "email": false, "inApp": true, "push": false }] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
    place(&app, &client).await;
    drain(&worker).await;
    assert_eq!(app.count("notifications").await, 1);
    assert_eq!(app.count("notification_deliveries").await, 0, "nothing pushed");
    assert!(service.delivered().is_empty());
}

#[tokio::test]
async fn a_browser_taken_over_by_another_user_gets_nothing_meant_for_the_first() {
    let service = FakePushService::start().await;
    let (push, _) = web_push();
    let app = app_with(&push).await;
    let mail = tempfile::tempdir().unwrap();
    let worker = worker(&app, &push, &mail);
    let client = app.sign_in("essays", "client@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let shared = service.browser();
    assert!(register(&app, &client, &shared).await["errors"].is_null());
    place(&app, &client).await; // queued for the client's browser
    // before the worker runs, the writer signs in on that browser and registers it
    assert!(register(&app, &writer, &shared).await["errors"].is_null());
    drain(&worker).await;
    assert!(service.delivered().is_empty(), "{:?}", service.delivered());
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let rows = push_deliveries(&app, &admin).await;
    assert!(rows.len() == 1 && rows[0]["status"] == "DEAD", "{rows:?}");
}

#[tokio::test]
async fn a_browser_takes_pushes_only_while_the_session_that_registered_it_lives() {
    let service = FakePushService::start().await;
    let (push, _) = web_push();
    let app = app_with(&push).await;
    let sessions: Vec<String> =
        futures::future::join_all((0..3).map(|_| app.sign_in("essays", "client@essays.test"))).await;
    for (token, browser) in sessions.iter().zip([service.browser(), service.browser(), service.browser()]) {
        assert!(register(&app, token, &browser).await["errors"].is_null());
    }
    assert_eq!(app.count("push_subscriptions").await, 3);
    // signing out on a device stops its pushes
    let body = app.gql("mutation { signOut }").tenant("essays").token(&sessions[0]).send().await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("push_subscriptions").await, 2);
    // "sign out everywhere else" stops the others'
    let body = app.gql("mutation { revokeOtherSessions }").tenant("essays").token(&sessions[1]).send().await;
    assert_eq!(body["data"]["revokeOtherSessions"], 1, "{body}");
    assert_eq!(app.count("push_subscriptions").await, 1);
    // an expired session's browser is forgotten by the hourly housekeeping
    app.clock.advance(chrono::Duration::days(31));
    gateway::housekeeping::purge(&app.db, kernel::Clock::now(&app.clock)).await.unwrap();
    assert_eq!(app.count("push_subscriptions").await, 0);
}
