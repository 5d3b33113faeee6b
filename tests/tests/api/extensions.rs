//! Deadline extensions, end to end: the client or the writer asks, the other side (or an admin)
//! decides; approved, both deadlines move (the writer's in proportion), the price does not, and
//! lateness is judged by the new deadline. Refusals write nothing.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use tests::{TestApp, code, field};

use crate::money_invariants::Walk;

const ASK: &str = "mutation($id: ID!, $d: DateTime!) { requestDeadlineExtension(orderId: $id, newDeadline: $d, reason: \"The sources arrived late\") { id side status newWriterDeadline } }";
const APPROVE: &str = "mutation($id: ID!) { approveDeadlineExtension(id: $id, note: \"Fine by me\") { status } }";
const DECLINE: &str =
    "mutation($id: ID!) { declineDeadlineExtension(id: $id, note: \"I need it on time\") { status } }";
const ORDER: &str =
    "query($id: ID!) { order(id: $id) { deadline writerDeadline placedAt total timeline { kind note } } }";

fn at(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("not a time: {value}"))).unwrap().into()
}

async fn order(walk: &Walk<'_>) -> Value {
    walk.send(&walk.admin, ORDER, json!({ "id": walk.order })).await["data"]["order"].clone()
}

async fn written(app: &TestApp) -> Vec<i64> {
    vec![
        app.count("deadline_extensions").await,
        app.count("order_events").await,
        app.count_where("SELECT COUNT(*) AS n FROM deadline_extensions WHERE status <> 'PENDING'").await,
    ]
}

#[tokio::test]
async fn the_client_asks_the_writer_approves_and_both_deadlines_move_for_the_same_price() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    let before = order(&walk).await;
    let (placed, deadline) = (at(&before["placedAt"]), at(&before["deadline"]));
    // 50 hours become 100: the writer's 80 % moves from 40 to 80 hours after placing
    let wanted = placed + Duration::hours(100);
    let asked = walk.send(&walk.client, ASK, json!({ "id": walk.order, "d": wanted.to_rfc3339() })).await;
    let asked = &asked["data"]["requestDeadlineExtension"];
    assert_eq!((&asked["side"], &asked["status"]), (&json!("CLIENT"), &json!("PENDING")));
    assert_eq!(at(&asked["newWriterDeadline"]), placed + Duration::hours(80));
    assert_eq!(at(&before["deadline"]), deadline);
    // the client cannot approve their own request
    let own = walk.try_send(&walk.client, APPROVE, json!({ "id": asked["id"] })).await;
    assert_eq!(code(&own), "FORBIDDEN", "{own}");
    let approved = walk.send(&walk.writer, APPROVE, json!({ "id": asked["id"] })).await;
    assert_eq!(approved["data"]["approveDeadlineExtension"]["status"], "APPROVED");
    let after = order(&walk).await;
    assert_eq!(at(&after["deadline"]), wanted);
    assert_eq!(at(&after["writerDeadline"]), placed + Duration::hours(80));
    assert_eq!(after["total"], before["total"], "an extension the client asks for never costs more");
    let kinds: Vec<&str> = after["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.ends_with(&["EXTENSION_REQUESTED", "EXTENSION_APPROVED"]), "{kinds:?}");
    // decided once
    let again = walk.try_send(&walk.writer, APPROVE, json!({ "id": asked["id"] })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");

    // lateness is judged by the new writer's deadline: nothing at the old one, once after the new
    let late = "SELECT COUNT(*) AS n FROM notifications WHERE kind = 'ORDER_LATE'";
    app.clock.advance(Duration::hours(45));
    app.run_jobs().await;
    assert_eq!(app.count_where(late).await, 0, "the old deadline passed, the new one has not");
    app.clock.advance(Duration::hours(40));
    app.run_jobs().await;
    assert!(app.count_where(late).await >= 1, "past the new writer's deadline the writer is told");
    walk.check("after the extension", "0.00").await;
}

#[tokio::test]
async fn the_writer_asks_the_client_declines_and_an_admin_may_decide_the_next() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    let before = order(&walk).await;
    let wanted = at(&before["deadline"]) + Duration::hours(24);
    let asked = walk.send(&walk.writer, ASK, json!({ "id": walk.order, "d": wanted.to_rfc3339() })).await;
    let id = asked["data"]["requestDeadlineExtension"]["id"].clone();
    assert_eq!(asked["data"]["requestDeadlineExtension"]["side"], "WRITER");
    let declined = walk.send(&walk.client, DECLINE, json!({ "id": id })).await;
    assert_eq!(declined["data"]["declineDeadlineExtension"]["status"], "DECLINED");
    assert_eq!(order(&walk).await["deadline"], before["deadline"], "declined: nothing moves");
    // another request; an admin decides it
    let asked = walk.send(&walk.writer, ASK, json!({ "id": walk.order, "d": wanted.to_rfc3339() })).await;
    let id = asked["data"]["requestDeadlineExtension"]["id"].clone();
    walk.send(&walk.admin, APPROVE, json!({ "id": id })).await;
    assert_eq!(at(&order(&walk).await["deadline"]), wanted);
    let listed = walk
        .send(&walk.client, "query($id: ID!) { deadlineExtensions(orderId: $id, first: 5) { totalCount nodes { status requestedBy { displayName } } } }", json!({ "id": walk.order }))
        .await;
    assert_eq!(listed["data"]["deadlineExtensions"]["totalCount"], 2);
    assert_eq!(listed["data"]["deadlineExtensions"]["nodes"][0]["status"], "APPROVED");
}

#[tokio::test]
async fn refused_requests_write_nothing() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    let deadline = at(&order(&walk).await["deadline"]);
    let stranger = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    let before = written(&app).await;
    for (token, wanted, expected, at_field) in [
        // earlier than the deadline now, or the same
        (&walk.client, deadline - Duration::hours(1), "BAD_USER_INPUT", "newDeadline"),
        (&walk.client, deadline, "BAD_USER_INPUT", "newDeadline"),
        // more than the site's 14 days later
        (&walk.client, deadline + Duration::days(15), "BAD_USER_INPUT", "newDeadline"),
        // only the order's client or writer asks
        (&walk.admin, deadline + Duration::hours(5), "FORBIDDEN", ""),
        (&stranger, deadline + Duration::hours(5), "NOT_FOUND", ""),
    ] {
        let body = walk.try_send(token, ASK, json!({ "id": walk.order, "d": wanted.to_rfc3339() })).await;
        assert_eq!(code(&body), expected, "{wanted}: {body}");
        if !at_field.is_empty() {
            assert_eq!(field(&body), at_field);
        }
        assert_eq!(written(&app).await, before, "{wanted}");
    }
    // one waits at a time
    walk.send(&walk.client, ASK, json!({ "id": walk.order, "d": (deadline + Duration::hours(5)).to_rfc3339() })).await;
    let before = written(&app).await;
    let twice = walk
        .try_send(&walk.writer, ASK, json!({ "id": walk.order, "d": (deadline + Duration::hours(6)).to_rfc3339() }))
        .await;
    assert_eq!((code(&twice), &twice["errors"][0]["extensions"]["reason"]), ("CONFLICT", &json!("DUPLICATE")));
    assert_eq!(written(&app).await, before);
    // delivered work's deadline no longer moves
    walk.act("writer", "SUBMIT").await;
    let before = written(&app).await;
    let late = walk
        .try_send(&walk.client, ASK, json!({ "id": walk.order, "d": (deadline + Duration::hours(7)).to_rfc3339() }))
        .await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    assert_eq!(written(&app).await, before);
}
