//! Fines, end to end: lateness computed on a late first submission, admins' fines by policy,
//! the appeal window and its timer, appeals granted and rejected, waivers and voids (an applied
//! fine's money returns), the admins' dashboard, and what each role may not do. The ledger's
//! business invariants (fines included) are checked after each step (`Walk::check`).

use chrono::Duration;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

use crate::money_invariants::Walk;

const FINES: &str = "{ fines(first: 10) { nodes { id kind amount status automatic reason appeal { status } } } }";
const ISSUE: &str = "mutation($i: IssueFineInput!) { issueFine(input: $i) { id kind amount status appealUntil } }";
const APPEAL: &str =
    "mutation($id: ID!) { appealFine(id: $id, reason: \"The client changed the brief\") { status appeal { status } } }";
const DECIDE: &str = "mutation($id: ID!, $g: Boolean!) { decideFineAppeal(id: $id, grant: $g, note: \"Checked the thread\") { status appeal { status } } }";
const VOID: &str = "mutation($id: ID!) { voidFine(id: $id, reason: \"Issued in error\") { status } }";
const WAIVE: &str = "mutation($id: ID!) { waiveFine(id: $id, reason: \"First time\") { status } }";

async fn fines_of(walk: &Walk<'_>, token: &str) -> Vec<Value> {
    walk.send(token, FINES, json!({})).await["data"]["fines"]["nodes"].as_array().unwrap().clone()
}

async fn issue(walk: &Walk<'_>, kind: &str, amount: Option<&str>) -> Value {
    let input = json!({ "orderId": walk.order, "kind": kind, "amount": amount, "reason": "Checked by the editors" });
    walk.send(&walk.admin, ISSUE, json!({ "i": input })).await["data"]["issueFine"].clone()
}

async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["fines", "journal_entries", "jobs", "notifications"] {
        counts.push(app.count(table).await);
    }
    counts.push(app.count_where("SELECT COUNT(*) AS n FROM fines WHERE appeal_status IS NOT NULL").await);
    counts
}

#[tokio::test]
async fn late_work_is_fined_by_the_hour_once_and_applies_when_the_appeal_window_ends() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    // submitted an hour and a half after the writer's deadline: two hours begun, 10 % of 21.00
    let order = walk
        .send(
            &walk.admin,
            "query($id: ID!) { order(id: $id) { placedAt writerDeadline } }",
            json!({ "id": walk.order }),
        )
        .await;
    let at = |key: &str| chrono::DateTime::parse_from_rfc3339(order["data"]["order"][key].as_str().unwrap()).unwrap();
    app.clock.advance(at("writerDeadline") - at("placedAt") + Duration::minutes(90));
    walk.act("writer", "SUBMIT").await;
    let fines = fines_of(&walk, &walk.writer).await;
    assert_eq!(fines.len(), 1, "{fines:?}");
    assert_eq!(
        (&fines[0]["kind"], &fines[0]["amount"], &fines[0]["status"], &fines[0]["automatic"]),
        (&json!("LATENESS"), &json!("2.10"), &json!("PENDING"), &json!(true))
    );
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'FINE_ISSUED'").await, 1);
    // a revision and a second submission, later still, fine nothing more
    walk.revise().await;
    walk.act("client", "APPROVE").await;
    assert_eq!(fines_of(&walk, &walk.admin).await.len(), 1);
    walk.check("approved, the fine pending", "21.00").await;

    // the window (72 hours by default) ends: the fine is taken from the earnings, once
    app.clock.advance(Duration::hours(73));
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(fines_of(&walk, &walk.writer).await[0]["status"], "APPLIED");
    walk.check("the fine applied", "18.90").await;
    let told = "SELECT COUNT(*) AS n FROM notifications WHERE kind = 'FINE_UPDATED'";
    assert_eq!(app.count_where(told).await, 1);
}

#[tokio::test]
async fn appeals_granted_void_and_rejected_apply_and_a_voided_applied_fine_returns_its_money() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.complete().await;

    // plagiarism: half the pay by default; appealed, the window passes, the appeal holds it
    let plagiarism = issue(&walk, "PLAGIARISM", None).await;
    assert_eq!((&plagiarism["amount"], &plagiarism["status"]), (&json!("10.50"), &json!("PENDING")));
    let appealed = walk.send(&walk.writer, APPEAL, json!({ "id": plagiarism["id"] })).await;
    assert_eq!(appealed["data"]["appealFine"], json!({ "status": "PENDING", "appeal": { "status": "PENDING" } }));
    // a fixed amount given by the admin, appealed and granted: voided, nothing taken
    let ignored = issue(&walk, "INSTRUCTIONS_IGNORED", Some("5.00")).await;
    walk.send(&walk.writer, APPEAL, json!({ "id": ignored["id"] })).await;
    let granted = walk.send(&walk.admin, DECIDE, json!({ "id": ignored["id"], "g": true })).await;
    assert_eq!(granted["data"]["decideFineAppeal"], json!({ "status": "VOIDED", "appeal": { "status": "APPROVED" } }));
    // one not appealed
    let other = issue(&walk, "OTHER", Some("3.00")).await;

    app.clock.advance(Duration::hours(73));
    app.run_jobs().await;
    let status = |fines: &[Value], id: &Value| fines.iter().find(|f| f["id"] == *id).unwrap()["status"].clone();
    let now = fines_of(&walk, &walk.admin).await;
    assert_eq!(status(&now, &plagiarism["id"]), "PENDING", "its appeal waits");
    assert_eq!(status(&now, &other["id"]), "APPLIED");
    walk.check("one applied, one appealed, one voided", "18.00").await;

    // rejected after the window: it applies at once
    let rejected = walk.send(&walk.admin, DECIDE, json!({ "id": plagiarism["id"], "g": false })).await;
    assert_eq!(
        rejected["data"]["decideFineAppeal"],
        json!({ "status": "APPLIED", "appeal": { "status": "REJECTED" } })
    );
    walk.check("the appeal rejected", "7.50").await;
    // an applied fine voided: its money comes back, once
    let voided = walk.send(&walk.admin, VOID, json!({ "id": other["id"] })).await;
    assert_eq!(voided["data"]["voidFine"]["status"], "VOIDED");
    let twice = walk.try_send(&walk.admin, VOID, json!({ "id": other["id"] })).await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");
    walk.check("an applied fine voided", "10.50").await;

    let dashboard = walk
        .send(
            &walk.admin,
            "{ adminDashboard { fines(months: 3) { byStatus { status count amount } appealsWaiting byMonth { kind count amount } } } }",
            json!({}),
        )
        .await;
    let fines = &dashboard["data"]["adminDashboard"]["fines"];
    let mut by_status = fines["byStatus"].as_array().unwrap().clone();
    by_status.sort_by_key(|s| s["status"].as_str().unwrap().to_owned());
    assert_eq!(
        by_status,
        vec![
            json!({ "status": "APPLIED", "count": 1, "amount": "10.50" }),
            json!({ "status": "VOIDED", "count": 2, "amount": "8.00" }),
        ]
    );
    assert_eq!(fines["appealsWaiting"], 0);
    assert_eq!(fines["byMonth"].as_array().unwrap().len(), 3, "three kinds this month: {fines}");
}

#[tokio::test]
async fn refused_fines_and_appeals_write_nothing() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.complete().await;
    let fine = issue(&walk, "MISSED_REVISION_DEADLINE", None).await;
    assert_eq!(fine["amount"], "2.10", "10 % of the pay");
    let stranger = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    let before = written(&app).await;

    // above the writer's pay for the order, or nothing
    for amount in ["21.01", "0.00"] {
        let input = json!({ "orderId": walk.order, "kind": "OTHER", "amount": amount, "reason": "x" });
        let body = walk.try_send(&walk.admin, ISSUE, json!({ "i": input })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "input.amount"), "{amount}: {body}");
    }
    // the policy gives nothing for OTHER: the admin must say how much
    let input = json!({ "orderId": walk.order, "kind": "OTHER", "reason": "x" });
    let body = walk.try_send(&walk.admin, ISSUE, json!({ "i": input })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    // lateness is fined by the time late, and only lateness is
    let body = walk
        .try_send(
            &walk.admin,
            "mutation { updateFinePolicy(kind: PLAGIARISM, input: {mode: LATE}) { kind } }",
            json!({}),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "input.mode"), "{body}");
    // only admins fine, waive, void, decide; only the fined writer appeals; clients see no fines
    let input = json!({ "orderId": walk.order, "kind": "OTHER", "amount": "1.00", "reason": "x" });
    for (token, query, vars, expected) in [
        (&walk.writer, ISSUE, json!({ "i": input }), "FORBIDDEN"),
        (&walk.writer, VOID, json!({ "id": fine["id"] }), "FORBIDDEN"),
        (&walk.writer, DECIDE, json!({ "id": fine["id"], "g": true }), "FORBIDDEN"),
        (&walk.client, FINES, json!({}), "FORBIDDEN"),
        (&walk.admin, APPEAL, json!({ "id": fine["id"] }), "FORBIDDEN"),
        (&stranger, APPEAL, json!({ "id": fine["id"] }), "FORBIDDEN"),
        // no appeal waits
        (&walk.admin, DECIDE, json!({ "id": fine["id"], "g": true }), "CONFLICT"),
    ] {
        let body = walk.try_send(token, query, vars).await;
        assert_eq!(code(&body), expected, "{query}: {body}");
    }
    assert_eq!(written(&app).await, before);

    // another site's admin finds nothing of this one's
    let other = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(VOID).vars(json!({ "id": fine["id"] })).tenant("papers").token(&other).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    // one appeal; after the window none; an applied fine is not waived
    walk.send(&walk.writer, APPEAL, json!({ "id": fine["id"] })).await;
    let before = written(&app).await;
    let again = walk.try_send(&walk.writer, APPEAL, json!({ "id": fine["id"] })).await;
    assert_eq!((code(&again), &again["errors"][0]["extensions"]["reason"]), ("CONFLICT", &json!("DUPLICATE")));
    let late = issue(&walk, "OTHER", Some("1.00")).await;
    let before_late = written(&app).await;
    assert!(before_late[0] > before[0]);
    app.clock.advance(Duration::hours(73));
    let body = walk.try_send(&walk.writer, APPEAL, json!({ "id": late["id"] })).await;
    assert_eq!((code(&body), &body["errors"][0]["extensions"]["reason"]), ("CONFLICT", &json!("EXPIRED")), "{body}");
    assert_eq!(written(&app).await, before_late);
    app.run_jobs().await;
    let body = walk.try_send(&walk.admin, WAIVE, json!({ "id": late["id"] })).await;
    assert_eq!(code(&body), "CONFLICT", "an applied fine is voided, not waived: {body}");
    walk.check("after the refusals", "20.00").await;
    // voided while its appeal waited: the appeal has what it asked for, and leaves the queue
    let voided = walk.send(&walk.admin, VOID, json!({ "id": fine["id"] })).await;
    assert_eq!(voided["data"]["voidFine"]["status"], "VOIDED");
    let appeals =
        walk.send(&walk.admin, "{ fines(filter: {appeal: PENDING}, first: 5) { totalCount } }", json!({})).await;
    assert_eq!(appeals["data"]["fines"]["totalCount"], 0, "{appeals}");
    let seen = walk
        .send(&walk.writer, "query($id: ID!) { fine(id: $id) { appeal { status } } }", json!({ "id": fine["id"] }))
        .await;
    assert_eq!(seen["data"]["fine"]["appeal"]["status"], "APPROVED");
    walk.check("a pending appealed fine voided", "20.00").await;
}

#[tokio::test]
async fn a_fine_may_take_earnings_below_zero_and_later_earnings_make_it_up() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.complete().await;
    // everything paid out at once
    walk.send(
        &walk.admin,
        "mutation { updatePayoutSettings(input: {holdDays: 0, minimum: \"1.00\"}) { holdDays } }",
        json!({}),
    )
    .await;
    walk.send(&walk.writer, "mutation { requestPayout(amount: \"21.00\") { id } }", json!({})).await;
    let fine = issue(&walk, "PLAGIARISM", None).await;
    app.clock.advance(Duration::hours(73));
    app.run_jobs().await;
    assert_eq!(fines_of(&walk, &walk.writer).await[0]["status"], "APPLIED", "{fine}");
    walk.check("fined after everything was paid out", "-10.50").await;
    let standing = walk.send(&walk.writer, "{ viewer { payouts { available } } }", json!({})).await;
    assert_eq!(standing["data"]["viewer"]["payouts"]["available"], "0.00");
    let body = walk.try_send(&walk.writer, "mutation { requestPayout(amount: \"1.00\") { id } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INSUFFICIENT_FUNDS", "{body}");
}
