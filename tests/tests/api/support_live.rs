//! Support, live: a ticket's requester and staff hear each change of it as it happens (the
//! requester not of staff's notes and SLA steps; no one else at all), and agents hear SLA
//! warnings and breaches as the job finds them (their own only, when they ask for `mine`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use jobs::{Registry, Worker, WorkerSettings};
use notifications::Mailer;
use serde_json::{Value, json};
use tests::TestApp;
use tests::ws::WsClient;

const OPEN: &str =
    "mutation { openTicket(input: {subject: \"Lost file\", category: TECHNICAL, message: \"It vanished.\"}) { id } }";
const POST: &str =
    "mutation($id: ID!, $b: String!, $n: Boolean) { postTicketMessage(ticketId: $id, body: $b, internal: $n) { id } }";
const UPDATED: &str =
    "subscription($id: ID!) { ticketUpdated(id: $id) { id status messages(first: 20) { totalCount } } }";
const ALERTS: &str = "subscription($m: Boolean) { slaAlert(mine: $m) { ticketId subject metric kind } }";

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = app.gql(query).vars(vars).tenant("essays").token(token).send().await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

fn code(message: &Value) -> &str {
    message["payload"]["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_tickets_people_hear_its_changes_and_the_requester_not_staffs_notes() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let support = app.sign_in("essays", "support@essays.test").await;
    let id = ok(&app, &client, OPEN, json!({})).await["openTicket"]["id"].as_str().unwrap().to_owned();

    let mut requester = WsClient::signed_in(app.addr, "essays", &client).await;
    requester.subscribe("t", UPDATED, json!({ "id": id })).await;
    let mut agent = WsClient::signed_in(app.addr, "essays", &support).await;
    agent.subscribe("t", UPDATED, json!({ "id": id })).await;
    app.wait_for_subscriptions(2).await;
    // another client, and another site's admin, are told it does not exist
    let nosy = app.sign_up("essays", "nosy-live@essays.test", "Nosy").await;
    let mut stranger = WsClient::signed_in(app.addr, "essays", &nosy).await;
    stranger.subscribe("t", UPDATED, json!({ "id": id })).await;
    assert_eq!(code(&stranger.expect().await), "NOT_FOUND");
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let mut other_site = WsClient::signed_in(app.addr, "papers", &papers).await;
    other_site.subscribe("t", UPDATED, json!({ "id": id })).await;
    assert_eq!(code(&other_site.expect().await), "NOT_FOUND");

    // a note: staff hear it, the requester does not
    ok(&app, &support, POST, json!({ "id": id, "b": "Check the uploads bucket.", "n": true })).await;
    let heard = agent.expect().await;
    assert_eq!(heard["payload"]["data"]["ticketUpdated"]["messages"]["totalCount"], 2, "{heard}");
    requester.expect_silence(Duration::from_millis(300)).await;
    // an answer: both hear it, each seeing what they may
    ok(&app, &support, POST, json!({ "id": id, "b": "Found it, re-attached." })).await;
    let heard = requester.expect().await;
    assert_eq!(heard["payload"]["data"]["ticketUpdated"]["messages"]["totalCount"], 2, "{heard}");
    let heard = agent.expect().await;
    assert_eq!(heard["payload"]["data"]["ticketUpdated"]["messages"]["totalCount"], 3, "{heard}");
}

#[tokio::test]
async fn agents_hear_sla_warnings_and_breaches_as_the_job_finds_them() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let support = app.sign_in("essays", "support@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let policy = "mutation { updateSlaPolicy(input: {priority: MEDIUM, firstResponseMinutes: 10, resolutionMinutes: 60}) { warningPercent } }";
    ok(&app, &admin, policy, json!({})).await;
    let id = ok(&app, &client, OPEN, json!({})).await["openTicket"]["id"].as_str().unwrap().to_owned();

    let mut everyone = WsClient::signed_in(app.addr, "essays", &support).await;
    everyone.subscribe("a", ALERTS, json!({})).await;
    let mut only_mine = WsClient::signed_in(app.addr, "essays", &admin).await;
    only_mine.subscribe("a", ALERTS, json!({ "m": true })).await;
    app.wait_for_subscriptions(2).await;
    let client_socket = WsClient::signed_in(app.addr, "essays", &client).await;
    let mut client_socket = client_socket;
    client_socket.subscribe("a", ALERTS, json!({})).await;
    assert_eq!(code(&client_socket.expect().await), "FORBIDDEN");

    // eleven minutes on (round the clock by default): the first response warned and breached at once
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 21, 12, 11, 0).unwrap());
    let mailer = Mailer::new(None, std::env::temp_dir().join("scriptorium-test-mail")).unwrap();
    let registry: Registry = gateway::worker::registry(mailer.into(), app.state.files.clone());
    let worker = Worker::new(app.db.clone(), Arc::new(app.clock.clone()), registry, WorkerSettings::default());
    while worker.poll().await.unwrap().claimed > 0 {}
    let alert = everyone.expect().await;
    let alert = &alert["payload"]["data"]["slaAlert"];
    assert_eq!(alert["ticketId"], json!(id), "{alert}");
    assert_eq!((alert["metric"].as_str(), alert["kind"].as_str()), (Some("FIRST_RESPONSE"), Some("BREACHED")));
    // the admin asked for their own tickets only: this one is no one's
    only_mine.expect_silence(Duration::from_millis(300)).await;
    everyone.expect_silence(Duration::from_millis(300)).await;
}
