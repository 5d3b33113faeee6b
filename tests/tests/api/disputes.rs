//! Disputes end to end: the client or the writer disputes an order and it stops at `DISPUTED`;
//! the parties and support write on its thread (support's notes are staff's own); support
//! decides it and the outcome moves the order, the ledger, the dispute and the timelines
//! together: the writer wins (delivered work completes and the writer is paid once), the client
//! wins all (cancelled, refunded, earnings taken back) or part (the writer's pay shrinks in
//! proportion), the deadline is extended, or the order goes back to the pool. Two staff deciding
//! at once: one wins. Escalations hand tickets and disputes to the admins. Bad input writes
//! nothing; the ledger balances after every test.

use serde_json::{Value, json};
use tests::{TestApp, cents, code, field};

const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";
const OPEN: &str = "mutation($i: OpenDisputeInput!) { openDispute(input: $i) { id status priority openedByRole orderId order { status } } }";
const ASSIGN: &str =
    "mutation($id: ID!, $a: ID!) { assignDispute(id: $id, agentId: $a) { id status assignee { id } } }";
const POST: &str = "mutation($id: ID!, $b: String!, $n: Boolean) { postDisputeMessage(disputeId: $id, body: $b, internal: $n) { id } }";
const RESOLVE: &str = "mutation($id: ID!, $i: DisputeDecisionInput!) { resolveDispute(id: $id, input: $i) { id status outcome outcomeNote order { status } } }";
const CLOSE: &str = "mutation($id: ID!) { closeDispute(id: $id) { id status } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawDispute(id: $id) { id status order { status } } }";
const DISPUTE: &str = "query($id: ID!) { dispute(id: $id) { id status messages(first: 50) { totalCount nodes { body internal } } history(first: 50) { nodes { kind note } } } }";
const REFUNDED: &str = "query($id: ID!) { dispute(id: $id) { refunded } }";
const ORDER: &str = "query($id: ID!) { order(id: $id) { status deadline writerDeadline writer { id } paymentStatus refunds { amount } writerCompensation } }";
const INTEGRITY: &str = "{ ledgerIntegrity { balanced mismatches } }";
const ESCALATE_TICKET: &str =
    "mutation($id: ID!, $r: String!) { escalateTicket(id: $id, reason: $r) { id status ticketId } }";
const ESCALATE_DISPUTE: &str =
    "mutation($id: ID!, $r: String!) { escalateDispute(id: $id, reason: $r) { id status disputeId } }";
const RESOLVE_ESCALATION: &str = "mutation($id: ID!, $r: String!) { resolveEscalation(id: $id, resolution: $r) { id status resolution resolvedBy { id } } }";
const ESCALATIONS: &str = "query($s: EscalationStatus) { escalations(status: $s, first: 20) { totalCount nodes { id status reason ticketId disputeId escalatedBy { displayName } } } }";
const BULK: &str =
    "mutation($ids: [ID!]!, $i: DisputeDecisionInput!) { bulkResolveDisputes(ids: $ids, input: $i) { id ok code } }";

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = as_(app, token, query, vars).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

struct Cast {
    client: String,
    writer: String,
    writer_id: String,
    support: String,
    support_id: String,
    admin: String,
}

async fn cast(app: &TestApp) -> Cast {
    app.roomy_writer_levels("essays").await;
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
        support: app.sign_in("essays", "support@essays.test").await,
        support_id: app.user_id("essays", "support@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
    }
}

/// An order the demo writer works on; `submitted`: delivered to the client.
async fn order(app: &TestApp, c: &Cast, topic: &str, submitted: bool) -> String {
    let id = app.order_in_progress(&c.client, &c.admin, (&c.writer, &c.writer_id), topic, 3).await;
    if submitted {
        ok(app, &c.writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
    }
    id
}

async fn dispute(app: &TestApp, token: &str, order: &str) -> String {
    let data =
        ok(app, token, OPEN, json!({ "i": { "orderId": order, "reason": "The paper ignores the brief." } })).await;
    assert_eq!(data["openDispute"]["order"]["status"], "DISPUTED", "{data}");
    data["openDispute"]["id"].as_str().unwrap().to_owned()
}

async fn balanced(app: &TestApp, admin: &str) {
    let data = ok(app, admin, INTEGRITY, json!({})).await;
    assert_eq!(data["ledgerIntegrity"]["balanced"], true, "{data}");
    assert_eq!(data["ledgerIntegrity"]["mismatches"], json!([]), "{data}");
}

async fn order_of(app: &TestApp, admin: &str, id: &str) -> Value {
    ok(app, admin, ORDER, json!({ "id": id })).await["order"].clone()
}

async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "disputes",
        "dispute_messages",
        "dispute_events",
        "escalations",
        "refunds",
        "journal_entries",
        "order_events",
        "audit_log",
    ] {
        counts.push(app.count(table).await);
    }
    counts
}

#[tokio::test]
async fn the_client_wins_part_and_the_writers_pay_shrinks_in_proportion() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = order(&app, &c, "Partly refunded", true).await;
    let before = order_of(&app, &c.admin, &id).await;
    let d = dispute(&app, &c.client, &id).await;
    assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'DISPUTE_OPENED'").await,
        1,
        "the writer hears of it"
    );
    // one dispute at a time
    let again = as_(&app, &c.client, OPEN, json!({ "i": { "orderId": id, "reason": "again" } })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");

    let data = ok(&app, &c.support, ASSIGN, json!({ "id": d, "a": c.support_id })).await;
    assert_eq!(data["assignDispute"]["status"], "UNDER_REVIEW");
    ok(&app, &c.client, POST, json!({ "id": d, "b": "Section two is missing." })).await;
    ok(&app, &c.writer, POST, json!({ "id": d, "b": "It is in the appendix." })).await;
    ok(&app, &c.support, POST, json!({ "id": d, "b": "Appendix is thin; partial refund.", "n": true })).await;
    for (token, seen) in [(&c.client, 2), (&c.writer, 2), (&c.admin, 3)] {
        let data = ok(&app, token, DISPUTE, json!({ "id": d })).await;
        assert_eq!(data["dispute"]["messages"]["totalCount"], seen, "{data}");
    }
    // the writer does not read the client's money
    let body = as_(&app, &c.writer, REFUNDED, json!({ "id": d })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    // 30% back: the writer's pay shrinks by 30% (rounded down for the platform)
    let paid = app.count_where("SELECT paid_minor AS n FROM orders WHERE topic = 'Partly refunded'").await;
    let pay = cents(&before["writerCompensation"]);
    let refund = paid * 3 / 10;
    let amount = format!("{}.{:02}", refund / 100, refund % 100);
    let decision = json!({ "outcome": "CLIENT_WINS", "refundAmount": amount, "note": "Section two is thin." });
    let data = ok(&app, &c.support, RESOLVE, json!({ "id": d, "i": decision })).await;
    assert_eq!(data["resolveDispute"]["status"], "RESOLVED");
    assert_eq!(data["resolveDispute"]["outcome"], "CLIENT_WINS");
    assert_eq!(data["resolveDispute"]["order"]["status"], "SUBMITTED", "the delivered work stands, cheaper: {data}");
    let after = order_of(&app, &c.admin, &id).await;
    assert_eq!(after["paymentStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(cents(&after["writerCompensation"]), pay - pay * refund / paid, "{after}");
    let data = ok(&app, &c.client, REFUNDED, json!({ "id": d })).await;
    assert_eq!(data["dispute"]["refunded"], json!(amount));
    // the client approves: the writer is paid the reduced pay, and the books agree
    ok(&app, &c.client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
    balanced(&app, &c.admin).await;
    // closed once decided; a second decision is refused and writes nothing
    ok(&app, &c.support, CLOSE, json!({ "id": d })).await;
    let before = written(&app).await;
    let decision = json!({ "outcome": "WRITER_WINS", "note": "changed my mind" });
    let body = as_(&app, &c.admin, RESOLVE, json!({ "id": d, "i": decision })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(written(&app).await, before);
    let data = ok(&app, &c.admin, DISPUTE, json!({ "id": d })).await;
    let kinds: Vec<&str> =
        data["dispute"]["history"]["nodes"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["OPENED", "ASSIGNED", "MESSAGE", "MESSAGE", "NOTE", "RESOLVED", "CLOSED"]);
    // the writer reads the outcome, not the decision's words (they may name the client's money)
    let data = ok(&app, &c.writer, DISPUTE, json!({ "id": d })).await;
    let resolved =
        data["dispute"]["history"]["nodes"].as_array().unwrap().iter().find(|e| e["kind"] == "RESOLVED").cloned();
    assert_eq!(resolved.unwrap()["note"], "CLIENT_WINS", "{data}");
    let body = as_(&app, &c.writer, "query($id: ID!) { dispute(id: $id) { outcomeNote } }", json!({ "id": d })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    // disputed again (the work is completed, within the window) and refunded whole: what the
    // writer still holds is taken back, not the original pay a second time
    let again = dispute(&app, &c.client, &id).await;
    let decision = json!({ "outcome": "CLIENT_WINS", "refundDestination": "EXTERNAL", "note": "Still thin." });
    let data = ok(&app, &c.support, RESOLVE, json!({ "id": again, "i": decision })).await;
    assert_eq!(data["resolveDispute"]["order"]["status"], "CANCELLED", "{data}");
    balanced(&app, &c.admin).await;
}

#[tokio::test]
async fn a_completed_order_disputed_and_lost_is_refunded_whole_and_the_earnings_taken_back() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = order(&app, &c, "Fully refunded", true).await;
    ok(&app, &c.client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
    let d = dispute(&app, &c.client, &id).await;
    let decision = json!({ "outcome": "CLIENT_WINS", "refundDestination": "EXTERNAL", "note": "Plagiarised." });
    let data = ok(&app, &c.support, RESOLVE, json!({ "id": d, "i": decision })).await;
    assert_eq!(data["resolveDispute"]["order"]["status"], "CANCELLED", "{data}");
    let after = order_of(&app, &c.admin, &id).await;
    assert_eq!(after["paymentStatus"], "REFUNDED");
    balanced(&app, &c.admin).await;
    assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM journal_entries WHERE kind = 'EARNINGS_REVERSAL'").await,
        1,
        "the writer's credited earnings are taken back once"
    );
}

#[tokio::test]
async fn the_writer_wins_delivered_work_completes_and_is_paid_once() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = order(&app, &c, "Writer wins", true).await;
    let d = dispute(&app, &c.client, &id).await;
    let decision = json!({ "outcome": "WRITER_WINS", "note": "The brief was met." });
    let data = ok(&app, &c.support, RESOLVE, json!({ "id": d, "i": decision })).await;
    assert_eq!(data["resolveDispute"]["order"]["status"], "COMPLETED");
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM journal_entries WHERE kind = 'WRITER_EARNINGS'").await, 1);
    balanced(&app, &c.admin).await;
    assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'DISPUTE_RESOLVED'").await,
        2,
        "both parties hear of it"
    );
}

#[tokio::test]
async fn more_time_or_another_writer() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = order(&app, &c, "More time", false).await;
    let d = dispute(&app, &c.writer, &id).await;
    let deadline = app.in_hours(24 * 7);
    let decision = json!({ "outcome": "EXTEND_DEADLINE", "deadline": deadline, "note": "Sources arrived late." });
    let data = ok(&app, &c.support, RESOLVE, json!({ "id": d, "i": decision })).await;
    assert_eq!(data["resolveDispute"]["order"]["status"], "IN_PROGRESS");
    let after = order_of(&app, &c.admin, &id).await;
    assert_eq!(after["deadline"], json!(deadline));
    assert!(after["writerDeadline"].as_str().unwrap() < deadline.as_str(), "{after}");
    // the lateness check follows the new deadline: nothing before it, the writer told after
    let late = "SELECT COUNT(*) AS n FROM notifications WHERE kind = 'ORDER_LATE'";
    let writer_deadline: chrono::DateTime<chrono::Utc> = after["writerDeadline"].as_str().unwrap().parse().unwrap();
    app.clock.set(writer_deadline - chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert_eq!(app.count_where(late).await, 0);
    app.clock.set(writer_deadline + chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert!(app.count_where(late).await >= 1, "the writer (and the admins) hear it is late");
    // disputed again: this time it goes to another writer
    let d = dispute(&app, &c.client, &id).await;
    let decision = json!({ "outcome": "REASSIGN", "note": "No progress." });
    let data = ok(&app, &c.admin, RESOLVE, json!({ "id": d, "i": decision })).await;
    assert_eq!(data["resolveDispute"]["order"]["status"], "AVAILABLE");
    let after = order_of(&app, &c.admin, &id).await;
    assert!(after["writer"].is_null(), "{after}");
    let body = as_(&app, &c.writer, ORDER, json!({ "id": id })).await;
    assert_eq!(code(&body), "NOT_FOUND", "the first writer's claim ended: {body}");
    balanced(&app, &c.admin).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_staff_deciding_one_dispute_at_once_one_wins() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    for round in 0..4 {
        let id = order(&app, &c, &format!("Race {round}"), true).await;
        let d = dispute(&app, &c.client, &id).await;
        let refund = json!({ "outcome": "CLIENT_WINS", "refundDestination": "EXTERNAL", "note": "Refund it." });
        let stands = json!({ "outcome": "WRITER_WINS", "note": "It stands." });
        let (a, b) = tokio::join!(
            as_(&app, &c.support, RESOLVE, json!({ "id": d, "i": refund })),
            as_(&app, &c.admin, RESOLVE, json!({ "id": d, "i": stands })),
        );
        let won: Vec<&Value> = [&a, &b].into_iter().filter(|r| r["errors"].is_null()).collect();
        assert_eq!(won.len(), 1, "exactly one decision: {a} {b}");
        for lost in [&a, &b].into_iter().filter(|r| !r["errors"].is_null()) {
            assert_eq!(code(lost), "CONFLICT", "{lost}");
        }
        let status = order_of(&app, &c.admin, &id).await["status"].clone();
        let expected =
            if won[0]["data"]["resolveDispute"]["outcome"] == "CLIENT_WINS" { "CANCELLED" } else { "COMPLETED" };
        assert_eq!(status, expected);
        assert_eq!(
            app.count_where("SELECT COUNT(*) AS n FROM dispute_events WHERE kind = 'RESOLVED'").await,
            round + 1,
            "one decision recorded per dispute"
        );
        balanced(&app, &c.admin).await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let c2 = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    let working = order(&app, &c, "Bad input", true).await;
    let d = dispute(&app, &c.client, &working).await;
    // an order still in the pool allows no dispute
    let catalog = app.catalog("essays").await;
    let spec = json!({ "topic": "Pool", "paperTypeId": catalog["essay"], "academicLevelId": catalog["undergraduate"],
        "subjectId": catalog["english"], "workTypeId": catalog["writing"], "pages": 2, "deadline": app.in_hours(72) });
    let placed =
        ok(&app, &c.client, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", json!({ "i": spec }))
            .await;
    let pool = placed["placeOrder"]["id"].as_str().unwrap().to_owned();
    ok(&app, &c.admin, ACT, json!({ "id": pool, "a": "MARK_PAID" })).await;
    let before = written(&app).await;
    let cases: Vec<(&str, &str, Value, &str, &str)> = vec![
        (&c.client, OPEN, json!({ "i": { "orderId": pool, "reason": "Too slow" } }), "CONFLICT", ""),
        (&c2, OPEN, json!({ "i": { "orderId": working, "reason": "Not mine" } }), "NOT_FOUND", ""),
        (
            &c.client,
            OPEN,
            json!({ "i": { "orderId": pool, "reason": "x", "priority": "LOW" } }),
            "BAD_USER_INPUT",
            "input.priority",
        ),
        (&c.client, POST, json!({ "id": d, "b": "psst", "n": true }), "FORBIDDEN", ""),
        (&c2, POST, json!({ "id": d, "b": "hello" }), "NOT_FOUND", ""),
        (
            &c.support,
            RESOLVE,
            json!({ "id": d, "i": { "outcome": "CLIENT_WINS", "refundAmount": "100000.00", "note": "n" } }),
            "BAD_USER_INPUT",
            "input.refundAmount",
        ),
        (
            &c.support,
            RESOLVE,
            json!({ "id": d, "i": { "outcome": "CLIENT_WINS", "refundAmount": "0.00", "note": "n" } }),
            "BAD_USER_INPUT",
            "input.refundAmount",
        ),
        (
            &c.support,
            RESOLVE,
            json!({ "id": d, "i": { "outcome": "EXTEND_DEADLINE", "deadline": app.in_hours(100), "note": "n" } }),
            "BAD_USER_INPUT",
            "input.outcome",
        ),
        (
            &c.support,
            RESOLVE,
            json!({ "id": d, "i": { "outcome": "EXTEND_DEADLINE", "note": "n" } }),
            "BAD_USER_INPUT",
            "input.deadline",
        ),
        (
            &c.support,
            RESOLVE,
            json!({ "id": d, "i": { "outcome": "WRITER_WINS", "note": " " } }),
            "BAD_USER_INPUT",
            "input.note",
        ),
        (&c.client, RESOLVE, json!({ "id": d, "i": { "outcome": "CLIENT_WINS", "note": "mine" } }), "FORBIDDEN", ""),
        (&c.writer, WITHDRAW, json!({ "id": d }), "FORBIDDEN", ""),
        (&c.support, CLOSE, json!({ "id": d }), "CONFLICT", ""),
        (&c.support, RESOLVE_ESCALATION, json!({ "id": d, "r": "x" }), "FORBIDDEN", ""),
    ];
    for (token, query, vars, expected, at) in cases {
        let body = as_(&app, token, query, vars).await;
        assert_eq!(code(&body), expected, "{query}: {body}");
        if !at.is_empty() {
            assert_eq!(field(&body), at, "{query}: {body}");
        }
        assert_eq!(written(&app).await, before, "{query} wrote something: {body}");
    }
    assert_eq!(order_of(&app, &c.admin, &working).await["status"], "DISPUTED");
    // the dispute decides a disputed order's money and end: not a cancel or a refund beside it
    let before = written(&app).await;
    let body = as_(&app, &c.admin, ACT, json!({ "id": working, "a": "CANCEL" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let refund = "mutation($id: ID!) { refundOrder(orderId: $id, input: {amount: \"1.00\", destination: EXTERNAL, reason: \"x\"}) { id } }";
    let body = as_(&app, &c.admin, refund, json!({ "id": working })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(written(&app).await, before);
    // an escalated dispute is the admins' to decide; the parties do not read why it was escalated
    ok(&app, &c.support, ESCALATE_DISPUTE, json!({ "id": d, "r": "Large order; admins decide." })).await;
    let data = ok(&app, &c.client, DISPUTE, json!({ "id": d })).await;
    assert!(!data.to_string().contains("admins decide"), "{data}");
    let before = written(&app).await;
    let body = as_(&app, &c.support, RESOLVE, json!({ "id": d, "i": { "outcome": "WRITER_WINS", "note": "n" } })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(written(&app).await, before);
    // withdrawn by its opener: the order resumes where it was
    let data = ok(&app, &c.client, WITHDRAW, json!({ "id": d })).await;
    assert_eq!(data["withdrawDispute"]["status"], "CLOSED");
    assert_eq!(data["withdrawDispute"]["order"]["status"], "SUBMITTED");
    let data = ok(&app, &c.admin, ESCALATIONS, json!({ "s": "OPEN" })).await;
    assert_eq!(data["escalations"]["totalCount"], 0, "its escalation was settled: {data}");
    balanced(&app, &c.admin).await;
    // the client has a whole review period again (3 days) before the work completes by itself
    app.clock.advance(chrono::Duration::days(3) - chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert_eq!(order_of(&app, &c.admin, &working).await["status"], "SUBMITTED");
    app.clock.advance(chrono::Duration::minutes(2));
    app.run_jobs().await;
    assert_eq!(order_of(&app, &c.admin, &working).await["status"], "COMPLETED");
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM journal_entries WHERE kind = 'WRITER_EARNINGS'").await, 1);
    balanced(&app, &c.admin).await;
}

#[tokio::test]
async fn escalations_go_to_the_admins_and_back() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let open =
        "mutation { openTicket(input: {subject: \"Charged twice\", category: PAYMENT, message: \"Twice!\"}) { id } }";
    let ticket = ok(&app, &c.client, open, json!({})).await["openTicket"]["id"].as_str().unwrap().to_owned();
    let data = ok(&app, &c.support, ESCALATE_TICKET, json!({ "id": ticket, "r": "Needs a refund decision." })).await;
    let escalation = data["escalateTicket"]["id"].as_str().unwrap().to_owned();
    let again = as_(&app, &c.support, ESCALATE_TICKET, json!({ "id": ticket, "r": "again" })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let status = "query($id: ID!) { ticket(id: $id) { status } }";
    assert_eq!(ok(&app, &c.client, status, json!({ "id": ticket })).await["ticket"]["status"], "ESCALATED");
    // support may not move it now; the admins may
    let move_it = "mutation($id: ID!) { setTicketStatus(id: $id, status: IN_PROGRESS) { status } }";
    assert_eq!(code(&as_(&app, &c.support, move_it, json!({ "id": ticket })).await), "FORBIDDEN");
    let data = ok(&app, &c.admin, ESCALATIONS, json!({ "s": "OPEN" })).await;
    assert_eq!(data["escalations"]["totalCount"], 1);
    assert_eq!(data["escalations"]["nodes"][0]["ticketId"], json!(ticket));
    let data =
        ok(&app, &c.admin, RESOLVE_ESCALATION, json!({ "id": escalation, "r": "Refunded the double charge." })).await;
    assert_eq!(data["resolveEscalation"]["status"], "RESOLVED");
    assert_eq!(ok(&app, &c.client, status, json!({ "id": ticket })).await["ticket"]["status"], "OPEN");
    // switched off: no escalating, and nothing written
    ok(&app, &c.admin, "mutation { updateTenantFeatureToggles(input: {escalations: false}) { id } }", json!({})).await;
    let before = written(&app).await;
    let body = as_(&app, &c.support, ESCALATE_TICKET, json!({ "id": ticket, "r": "again" })).await;
    assert_eq!(
        (code(&body), body["errors"][0]["extensions"]["reason"].as_str()),
        ("FORBIDDEN", Some("FEATURE_DISABLED"))
    );
    assert_eq!(written(&app).await, before);
}

#[tokio::test]
async fn a_bulk_decision_applies_each_alone() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = order(&app, &c, &format!("Bulk {i}"), true).await;
        ids.push(dispute(&app, &c.client, &id).await);
    }
    // the second is decided before the bulk decision
    ok(&app, &c.support, RESOLVE, json!({ "id": ids[1], "i": { "outcome": "WRITER_WINS", "note": "Fine." } })).await;
    let decision = json!({ "outcome": "CLIENT_WINS", "refundDestination": "EXTERNAL", "note": "Late delivery." });
    let data = ok(&app, &c.admin, BULK, json!({ "ids": ids, "i": decision })).await;
    let results = data["bulkResolveDisputes"].as_array().unwrap();
    let oks: Vec<bool> = results.iter().map(|r| r["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, false, true], "{data}");
    assert_eq!(results[1]["code"], "CONFLICT");
    balanced(&app, &c.admin).await;
    // support may not decide in bulk; the disputes feature switched off refuses everything
    assert_eq!(code(&as_(&app, &c.support, BULK, json!({ "ids": ids, "i": decision })).await), "FORBIDDEN");
    ok(&app, &c.admin, "mutation { updateTenantFeatureToggles(input: {disputes: false}) { id } }", json!({})).await;
    let body = as_(&app, &c.client, "{ disputes(first: 5) { totalCount } }", json!({})).await;
    assert_eq!(
        (code(&body), body["errors"][0]["extensions"]["reason"].as_str()),
        ("FORBIDDEN", Some("FEATURE_DISABLED"))
    );
}
