//! Refund requests: a client asks for money back for their paid order; the request waits in
//! the admins' refunds queue (`refunds(filter: {status: PENDING})`), one per order; an admin
//! grants it (the refund is made as `refundOrder` makes it, once) or rejects it with a reason
//! the client is told. Bad input and a second decision write nothing.

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const ASK: &str = "mutation($o: ID!, $a: Decimal, $r: String!) { requestRefund(orderId: $o, amount: $a, reason: $r) { id status amount reason } }";
const APPROVE: &str = "mutation($id: ID!, $d: RefundDestination) { approveRefundRequest(id: $id, destination: $d) { id status amount destination decidedAt } }";
const REJECT: &str =
    "mutation($id: ID!, $r: String!) { rejectRefundRequest(id: $id, reason: $r) { id status decisionNote decidedAt } }";
const QUEUE: &str =
    "{ refunds(filter: {status: PENDING}, first: 20) { totalCount nodes { id orderId amount reason } } }";
const ORDER: &str =
    "query($id: ID!) { order(id: $id) { status paymentStatus refunds { status amount } timeline { kind } } }";
const INTEGRITY: &str = "{ ledgerIntegrity { balanced mismatches } }";

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = as_(app, token, query, vars).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["refunds", "journal_entries", "order_events", "notifications"] {
        counts.push(app.count(table).await);
    }
    counts.push(app.count_where("SELECT COUNT(*) AS n FROM refunds WHERE status = 'PENDING'").await);
    counts
}

/// A paid order of the demo client, in the pool.
async fn paid_order(app: &TestApp, client: &str, admin: &str, topic: &str) -> String {
    let c = app.catalog("essays").await;
    let spec = json!({ "topic": topic, "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72) });
    let placed =
        ok(app, client, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", json!({ "i": spec })).await;
    let id = placed["placeOrder"]["id"].as_str().unwrap().to_owned();
    let act = "mutation($id: ID!) { performOrderAction(orderId: $id, action: MARK_PAID) { status } }";
    ok(app, admin, act, json!({ "id": id })).await;
    id
}

#[tokio::test]
async fn a_clients_request_waits_in_the_queue_and_is_granted_or_rejected_once() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let first = paid_order(&app, &client, &admin, "Refund me").await;
    let second = paid_order(&app, &client, &admin, "Refund me not").await;

    let data = ok(&app, &client, ASK, json!({ "o": first, "a": "5.00", "r": "One source was missing." })).await;
    assert_eq!(data["requestRefund"]["status"], "PENDING");
    let asked = data["requestRefund"]["id"].as_str().unwrap().to_owned();
    let data = ok(&app, &client, ASK, json!({ "o": second, "r": "Ordered twice." })).await;
    let whole = data["requestRefund"]["id"].as_str().unwrap().to_owned();
    // one request waits per order
    let before = written(&app).await;
    let body = as_(&app, &client, ASK, json!({ "o": first, "a": "1.00", "r": "And more." })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(written(&app).await, before);

    let data = ok(&app, &admin, QUEUE, json!({})).await;
    assert_eq!(data["refunds"]["totalCount"], 2, "the refunds queue fills: {data}");

    // granted: the money moves once, the order shows it
    let data = ok(&app, &admin, APPROVE, json!({ "id": asked, "d": "EXTERNAL" })).await;
    assert_eq!(data["approveRefundRequest"]["status"], "COMPLETED");
    assert_eq!(data["approveRefundRequest"]["amount"], "5.00");
    let data = ok(&app, &client, ORDER, json!({ "id": first })).await;
    assert_eq!(data["order"]["paymentStatus"], "PARTIALLY_REFUNDED", "{data}");
    let before = written(&app).await;
    for query in [APPROVE, REJECT] {
        let body = as_(&app, &admin, query, json!({ "id": asked, "d": "EXTERNAL", "r": "again" })).await;
        assert_eq!(code(&body), "CONFLICT", "decided once: {body}");
    }
    assert_eq!(written(&app).await, before);

    // rejected: the client is told why, and no money moves
    let entries = app.count("journal_entries").await;
    let data = ok(&app, &admin, REJECT, json!({ "id": whole, "r": "Both orders are different papers." })).await;
    assert_eq!(data["rejectRefundRequest"]["status"], "REJECTED");
    // the answer is the request as decided
    assert_eq!(data["rejectRefundRequest"]["decisionNote"], "Both orders are different papers.", "{data}");
    assert!(data["rejectRefundRequest"]["decidedAt"].is_string(), "{data}");
    assert_eq!(app.count("journal_entries").await, entries);
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'REFUND_REJECTED'").await, 1);
    let data = ok(&app, &admin, QUEUE, json!({})).await;
    assert_eq!(data["refunds"]["totalCount"], 0);
    let data = ok(&app, &admin, INTEGRITY, json!({})).await;
    assert_eq!(data["ledgerIntegrity"]["mismatches"], json!([]), "{data}");

    // the month's analytics: one refund of 5.00 and one request turned down, in November
    let months = "{ adminDashboard { refunds { refundedThisMonth byMonth(months: 2) { monthStart refunds refunded rejected } } } }";
    let data = ok(&app, &admin, months, json!({})).await;
    let refunds = &data["adminDashboard"]["refunds"];
    assert_eq!(refunds["refundedThisMonth"], "5.00");
    assert_eq!(
        refunds["byMonth"],
        json!([
            { "monthStart": "2026-10-01T00:00:00Z", "refunds": 0, "refunded": "0.00", "rejected": 0 },
            { "monthStart": "2026-11-01T00:00:00Z", "refunds": 1, "refunded": "5.00", "rejected": 1 },
        ]),
        "{data}"
    );
    // a month later November is history
    app.clock.advance(chrono::Duration::days(15));
    let data = ok(&app, &admin, months, json!({})).await;
    let by_month = &data["adminDashboard"]["refunds"]["byMonth"];
    assert_eq!(by_month[0]["refunded"], "5.00", "{data}");
    assert_eq!(
        by_month[1],
        json!({ "monthStart": "2026-12-01T00:00:00Z", "refunds": 0, "refunded": "0.00", "rejected": 0 })
    );
    let body = as_(&app, &admin, "{ adminDashboard { refunds { byMonth(months: 13) { refunds } } } }", json!({})).await;
    assert_eq!(tests::field(&body), "months", "{body}");
    // the refunds' money is the admins': a writer and a support agent read none of it
    for email in ["writer@essays.test", "support@essays.test"] {
        let token = app.sign_in("essays", email).await;
        let body = as_(&app, &token, months, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{email}: {body}");
        assert!(!body.to_string().contains("5.00"), "{email}: {body}");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let other = app.sign_up("essays", "other-refund@essays.test", "Other").await;
    let id = paid_order(&app, &client, &admin, "Bad refund requests").await;
    let c = app.catalog("essays").await;
    let spec = json!({ "topic": "Unpaid", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72) });
    let unpaid =
        ok(&app, &client, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", json!({ "i": spec })).await
            ["placeOrder"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let before = written(&app).await;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (&client, json!({ "o": id, "a": "100000.00", "r": "All of it" }), "BAD_USER_INPUT", "amount"),
        (&client, json!({ "o": id, "a": "0.00", "r": "Nothing" }), "BAD_USER_INPUT", "amount"),
        (&client, json!({ "o": id, "a": "1.00", "r": " " }), "BAD_USER_INPUT", "reason"),
        (&client, json!({ "o": unpaid, "r": "Not paid yet" }), "CONFLICT", ""),
        (&other, json!({ "o": id, "r": "Not mine" }), "NOT_FOUND", ""),
        (&writer, json!({ "o": id, "r": "Writers ask no refunds" }), "FORBIDDEN", ""),
        (&admin, json!({ "o": id, "r": "Admins refund directly" }), "FORBIDDEN", ""),
    ];
    for (token, vars, expected, at) in cases {
        let body = as_(&app, token, ASK, vars).await;
        assert_eq!(code(&body), expected, "{body}");
        if !at.is_empty() {
            assert_eq!(field(&body), at, "{body}");
        }
        assert_eq!(written(&app).await, before, "{body}");
    }
    let data = ok(&app, &client, ASK, json!({ "o": id, "r": "Late" })).await;
    let asked = data["requestRefund"]["id"].as_str().unwrap().to_owned();
    let before = written(&app).await;
    for (token, query) in [(&client, APPROVE), (&client, REJECT)] {
        let body = as_(&app, token, query, json!({ "id": asked, "r": "mine" })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(APPROVE).vars(json!({ "id": asked })).tenant("papers").token(&papers).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "another site's admin: {body}");
    assert_eq!(written(&app).await, before);
    // refunded in full meanwhile by an admin: the waiting request asks more than is left, and
    // approving it is a conflict (there is no amount to correct), with nothing written
    let total =
        ok(&app, &admin, "query($id: ID!) { order(id: $id) { total } }", json!({ "id": id })).await["order"]["total"]
            .clone();
    let refund = "mutation($id: ID!, $a: Decimal!) { refundOrder(orderId: $id, input: {amount: $a, destination: EXTERNAL, reason: \"Direct\"}) { id } }";
    let body = as_(&app, &admin, refund, json!({ "id": id, "a": total })).await;
    assert!(body["errors"].is_null(), "{body}");
    let before = written(&app).await;
    let body = as_(&app, &admin, APPROVE, json!({ "id": asked, "d": "EXTERNAL" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "EXCEEDS_PAID", "{body}");
    assert_eq!(written(&app).await, before);
    let data = ok(&app, &admin, REJECT, json!({ "id": asked, "r": "Refunded directly." })).await;
    assert_eq!(data["rejectRefundRequest"]["status"], "REJECTED");
}
