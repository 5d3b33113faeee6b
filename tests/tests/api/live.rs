//! Subscriptions at `/graphql/ws`: an order's timeline and the viewer's notifications, live, for
//! those who may see them; on a second gateway of the same database too; checked at every event
//! (a session that ends ends them); refused without a session, for another site's order, and
//! for queries; a connection's subscriptions are limited.

use std::time::Duration;

use serde_json::{Value, json};
use tests::TestApp;
use tests::ws::WsClient;

const PLACE: &str = "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id status } }";
const EVENTS: &str = "subscription($id: ID!) { orderEvents(orderId: $id) { kind toStatus actor { displayName } } }";
const BELL: &str = "subscription { notificationAdded { kind title } }";

async fn place(app: &TestApp, client: &str) -> String {
    let c = app.catalog("essays").await;
    let spec = json!({
        "topic": "Bells of the old harbour", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(50),
    });
    let body = app.gql(PLACE).vars(json!({ "i": spec })).tenant("essays").token(client).send().await;
    body["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn act(app: &TestApp, token: &str, order: &str, action: &str) -> Value {
    app.gql(ACT).vars(json!({ "id": order, "a": action })).tenant("essays").token(token).send().await
}

/// The code of the error a subscription ended with (sent as its one result).
fn code(message: &Value) -> &str {
    message["payload"]["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn an_orders_people_see_its_timeline_live_and_no_one_else_does() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let order = place(&app, &client).await;

    let mut mine = WsClient::signed_in(app.addr, "essays", &client).await;
    mine.subscribe("1", EVENTS, json!({ "id": order })).await;
    app.wait_for_subscriptions(1).await;
    // a writer not on the order, and a client of another site, are told it does not exist
    let mut stranger = WsClient::signed_in(app.addr, "essays", &writer).await;
    stranger.subscribe("1", EVENTS, json!({ "id": order })).await;
    let refused = stranger.expect().await;
    assert_eq!((refused["type"].as_str(), code(&refused)), (Some("next"), "NOT_FOUND"), "{refused}");
    assert_eq!(stranger.expect().await["type"], "complete");
    let papers = app.sign_in("papers", "client@papers.test").await;
    let mut other_site = WsClient::signed_in(app.addr, "papers", &papers).await;
    other_site.subscribe("1", EVENTS, json!({ "id": order })).await;
    assert_eq!(code(&other_site.expect().await), "NOT_FOUND");

    // a refused step publishes nothing; the next real one arrives
    let body = act(&app, &client, &order, "APPROVE").await;
    assert!(!body["errors"].is_null(), "{body}");
    let body = act(&app, &admin, &order, "MARK_PAID").await;
    assert!(body["errors"].is_null(), "{body}");
    let event = mine.expect().await;
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(event["payload"]["data"]["orderEvents"]["kind"], "MARK_PAID", "{event}");
    assert_eq!(event["payload"]["data"]["orderEvents"]["toStatus"], "AVAILABLE", "{event}");
    assert_eq!(event["payload"]["data"]["orderEvents"]["actor"]["displayName"], "Demo Admin", "{event}");
    mine.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_notification_reaches_its_users_open_pages_only() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let mut bell = WsClient::signed_in(app.addr, "essays", &client).await;
    bell.subscribe("bell", BELL, json!({})).await;
    let mut admins_bell = WsClient::signed_in(app.addr, "essays", &admin).await;
    admins_bell.subscribe("bell", BELL, json!({})).await;
    app.wait_for_subscriptions(2).await;

    place(&app, &client).await;
    let added = bell.expect().await;
    assert_eq!(added["payload"]["data"]["notificationAdded"]["kind"], "ORDER_PLACED", "{added}");
    admins_bell.expect_silence(Duration::from_millis(300)).await;

    // stopping the subscription stops it
    bell.complete("bell").await;
    assert_eq!(bell.expect().await["type"], "complete");
    place(&app, &client).await;
    bell.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_subscriber_on_one_gateway_hears_of_a_change_made_on_another() {
    let app = TestApp::spawn().await;
    let replica = app.replica().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let order = place(&app, &client).await;
    let mut on_replica = WsClient::signed_in(replica.addr, "essays", &client).await;
    on_replica.subscribe("1", EVENTS, json!({ "id": order })).await;
    let mut bell = WsClient::signed_in(replica.addr, "essays", &client).await;
    bell.subscribe("1", BELL, json!({})).await;
    let papers = app.sign_in("papers", "client@papers.test").await;
    let mut other_site = WsClient::signed_in(replica.addr, "papers", &papers).await;
    other_site.subscribe("1", BELL, json!({})).await;
    replica.wait_for_subscriptions(3).await;

    let started = std::time::Instant::now();
    let body = act(&app, &admin, &order, "MARK_PAID").await;
    assert!(body["errors"].is_null(), "{body}");
    let event = on_replica.message(Duration::from_secs(1)).await.expect("within a second");
    assert_eq!(event["payload"]["data"]["orderEvents"]["kind"], "MARK_PAID", "{event}");
    let told = bell.message(Duration::from_secs(1)).await.expect("within a second");
    assert_eq!(told["payload"]["data"]["notificationAdded"]["kind"], "ORDER_PAID", "{told}");
    assert!(started.elapsed() < Duration::from_secs(2));
    other_site.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_session_that_ends_ends_its_subscriptions_and_none_is_taken_without_one() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let order = place(&app, &client).await;

    let refused = WsClient::connect(app.addr, json!({ "x-tenant": "essays" })).await.err().expect("refused");
    assert!(refused.reason.contains("sign in"), "{refused:?}");
    let refused = WsClient::connect(app.addr, json!({ "x-tenant": "essays", "authorization": "Bearer nonsense" }))
        .await
        .err()
        .expect("refused");
    assert!(!refused.reason.is_empty(), "{refused:?}");

    let mut live = WsClient::signed_in(app.addr, "essays", &client).await;
    live.subscribe("1", EVENTS, json!({ "id": order })).await;
    app.wait_for_subscriptions(1).await;
    let body = app.gql("mutation { signOut }").tenant("essays").token(&client).send().await;
    assert!(body["errors"].is_null(), "{body}");
    act(&app, &admin, &order, "MARK_PAID").await;
    let ended = live.expect().await;
    assert_eq!(
        (ended["type"].as_str(), ended["payload"]["errors"][0]["extensions"]["code"].as_str()),
        (Some("next"), Some("UNAUTHENTICATED")),
        "{ended}"
    );
    let complete = live.expect().await;
    assert_eq!(complete["type"], "complete", "{complete}");
}

#[tokio::test]
async fn only_subscriptions_run_here_within_the_limits() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let mut live = WsClient::signed_in(app.addr, "essays", &client).await;
    live.subscribe("q", "query { viewer { id } }", json!({})).await;
    let refused = live.expect().await;
    assert_eq!(live.expect().await["type"], "complete");
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["reason"], "SUBSCRIPTIONS_ONLY", "{refused}");

    // over the 32 KiB a document may be, as over HTTP
    let deep = format!("subscription {{ notificationAdded {{ kind {} }} }}", "__typename ".repeat(3000));
    live.subscribe("big", &deep, json!({})).await;
    let refused = live.expect().await;
    assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
    assert_eq!(live.expect().await["type"], "complete");

    for i in 0..20 {
        live.subscribe(&format!("s{i}"), BELL, json!({})).await;
    }
    live.subscribe("one-too-many", BELL, json!({})).await;
    // one of the 21 (whichever starts last) is refused; the others stand
    let refused = live.expect().await;
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["reason"], "TOO_MANY_SUBSCRIPTIONS", "{refused}");
    assert_eq!(code(&refused), "RATE_LIMITED");
    assert_eq!(live.expect().await["type"], "complete");
}

#[tokio::test]
async fn each_event_is_checked_for_its_viewer_money_for_money_readers_and_a_writer_taken_off_hears_no_more() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let order = place(&app, &client).await;
    let body = act(&app, &admin, &order, "MARK_PAID").await;
    assert!(body["errors"].is_null(), "{body}");
    let assign = "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }";
    let body = app.gql(assign).vars(json!({ "id": order, "w": writer_id })).tenant("essays").token(&admin).send().await;
    assert!(body["errors"].is_null(), "{body}");

    let mut clients = WsClient::signed_in(app.addr, "essays", &client).await;
    clients.subscribe("1", EVENTS, json!({ "id": order })).await;
    let mut writers = WsClient::signed_in(app.addr, "essays", &writer).await;
    writers.subscribe("1", EVENTS, json!({ "id": order })).await;
    app.wait_for_subscriptions(2).await;

    // a refund names the client's money: the client hears of it, the writer does not
    let refund = "mutation($id: ID!) { refundOrder(orderId: $id, input: {amount: \"5.00\", destination: EXTERNAL, reason: \"late\"}) { id } }";
    let body = app.gql(refund).vars(json!({ "id": order })).tenant("essays").token(&admin).send().await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(clients.expect().await["payload"]["data"]["orderEvents"]["kind"], "REFUND");
    writers.expect_silence(Duration::from_millis(300)).await;

    // the writer declines: off the order, they hear nothing more of it (not even the decline)
    assert!(act(&app, &writer, &order, "DECLINE_ASSIGNMENT").await["errors"].is_null());
    assert_eq!(clients.expect().await["payload"]["data"]["orderEvents"]["kind"], "DECLINE_ASSIGNMENT");
    assert!(act(&app, &admin, &order, "HOLD").await["errors"].is_null());
    assert_eq!(clients.expect().await["payload"]["data"]["orderEvents"]["kind"], "HOLD");
    writers.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_connection_that_never_says_who_it_is_is_closed() {
    let app = TestApp::spawn().await;
    // timed from before the connection opens: the server's clock starts during the handshake
    let started = std::time::Instant::now();
    let mut silent = WsClient::open(app.addr).await;
    let closed = silent.message(Duration::from_secs(15)).await;
    assert!(closed.is_err(), "{closed:?}");
    let waited = started.elapsed();
    assert!(waited >= gateway::live::INIT_TIMEOUT && waited < Duration::from_secs(14), "{waited:?}");
}

#[tokio::test]
async fn a_suspended_site_ends_its_users_subscriptions() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let order = place(&app, &client).await;
    let mut live = WsClient::signed_in(app.addr, "essays", &client).await;
    live.subscribe("1", EVENTS, json!({ "id": order })).await;
    app.wait_for_subscriptions(1).await;
    let essays =
        app.gql("{ tenant { id } }").tenant("essays").send().await["data"]["tenant"]["id"].as_str().unwrap().to_owned();
    let body = app
        .gql("mutation($id: ID!) { suspendTenant(id: $id) { status } }")
        .vars(json!({ "id": essays }))
        .token(&root)
        .send()
        .await;
    assert_eq!(body["data"]["suspendTenant"]["status"], "SUSPENDED", "{body}");
    // a superadmin still works there; the client hears nothing more
    assert!(act(&app, &root, &order, "MARK_PAID").await["errors"].is_null());
    let ended = live.expect().await;
    assert_eq!(ended["payload"]["errors"][0]["extensions"]["reason"], "TENANT_SUSPENDED", "{ended}");
    assert_eq!(live.expect().await["type"], "complete");
}

#[tokio::test]
async fn a_session_cookie_is_taken_from_the_sites_own_pages_only() {
    let app = TestApp::spawn().await;
    let token = app.sign_in("essays", "client@essays.test").await;
    let cookie = format!("scriptorium_session={token}");
    let own = format!("http://{}", app.addr);
    let socket = WsClient::open_with(app.addr, &[("cookie", &cookie), ("origin", &own)]).await;
    assert!(socket.init(json!({ "x-tenant": "essays" })).await.is_ok(), "the site's own page");
    for origin in ["http://evil.example", "http://papers.localhost:8080"] {
        let socket = WsClient::open_with(app.addr, &[("cookie", &cookie), ("origin", origin)]).await;
        let refused = socket.init(json!({ "x-tenant": "essays" })).await.err().expect("refused");
        assert!(refused.reason.contains("cookie"), "{origin}: {refused:?}");
    }
    let socket = WsClient::open_with(app.addr, &[("cookie", &cookie)]).await;
    assert!(socket.init(json!({ "x-tenant": "essays" })).await.is_err(), "no Origin: not a browser page of the site");
}
