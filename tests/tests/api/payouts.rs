//! Payouts, end to end: a writer's earnings are held for the site's days, then available; a
//! request moves them to payouts payable; admins batch, export, and mark paid, or fail single
//! payouts (the money returns). However requests race, a writer is never paid out more than is
//! available. The ledger's business invariants are checked after each step (`Walk::check`).

use chrono::Duration;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

use crate::money_invariants::Walk;

const STANDING: &str = "{ viewer { payouts { available held pending paidOut minimum holdDays } } }";
const REQUEST: &str = "mutation($a: Decimal!) { requestPayout(amount: $a) { id status amount } }";
const BATCH: &str = "mutation { createPayoutBatch { id status requestCount total } }";
const PAID: &str = "mutation($id: ID!, $r: String!) { markPayoutBatchPaid(id: $id, externalReference: $r) { status total externalReference } }";
const FAIL: &str = "mutation($id: ID!, $r: String!) { failPayout(id: $id, reason: $r) { status failureReason } }";
const TIP: &str = "mutation($id: ID!) { tipWriterFromWallet(orderId: $id, amount: \"10.00\") { tip } }";

/// A completed order and a tip: the demo writer has earned 21.00 + 9.00, all still held. The
/// site pays out from 10.00 after 7 days.
async fn earned(app: &TestApp) -> Walk<'_> {
    let walk = Walk::start(app).await;
    walk.complete().await;
    walk.send(&walk.client, TIP, json!({ "id": walk.order })).await;
    walk.send(
        &walk.admin,
        "mutation { updatePayoutSettings(input: {holdDays: 7, minimum: \"10.00\"}) { holdDays minimum } }",
        json!({}),
    )
    .await;
    walk.check("earned and tipped", "30.00").await;
    walk
}

async fn standing(walk: &Walk<'_>) -> Value {
    walk.send(&walk.writer, STANDING, json!({})).await["data"]["viewer"]["payouts"].clone()
}

async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["journal_entries", "postings", "payout_requests", "payout_batches"] {
        counts.push(app.count(table).await);
    }
    counts
}

#[tokio::test]
async fn earnings_are_held_then_paid_out_through_a_batch() {
    let app = TestApp::spawn().await;
    let walk = earned(&app).await;
    assert_eq!(
        standing(&walk).await,
        json!({ "available": "0.00", "held": "30.00", "pending": "0.00", "paidOut": "0.00", "minimum": "10.00", "holdDays": 7 })
    );
    // held: nothing may leave yet, and nothing is written
    let before = written(&app).await;
    let held = walk.try_send(&walk.writer, REQUEST, json!({ "a": "10.00" })).await;
    assert_eq!((code(&held), field(&held)), ("BAD_USER_INPUT", "amount"), "{held}");
    assert_eq!(held["errors"][0]["extensions"]["reason"], "INSUFFICIENT_FUNDS");
    assert_eq!(written(&app).await, before);

    app.clock.advance(Duration::days(8));
    let now = standing(&walk).await;
    assert_eq!((&now["available"], &now["held"]), (&json!("30.00"), &json!("0.00")), "{now}");
    // below the site's minimum, or above what is available: refused, nothing written
    for (amount, reason) in [("5.00", Value::Null), ("30.01", json!("INSUFFICIENT_FUNDS"))] {
        let body = walk.try_send(&walk.writer, REQUEST, json!({ "a": amount })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "amount"), "{amount}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], reason, "{amount}: {body}");
        assert_eq!(written(&app).await, before, "{amount}");
    }

    let asked = walk.send(&walk.writer, REQUEST, json!({ "a": "20.00" })).await;
    assert_eq!(asked["data"]["requestPayout"]["status"], "REQUESTED");
    let now = standing(&walk).await;
    assert_eq!((&now["available"], &now["pending"]), (&json!("10.00"), &json!("20.00")), "{now}");
    walk.check("asked for a payout", "10.00").await;

    let batch = walk.send(&walk.admin, BATCH, json!({})).await["data"]["createPayoutBatch"].clone();
    assert_eq!(
        (&batch["status"], &batch["requestCount"], &batch["total"]),
        (&json!("OPEN"), &json!(1), &json!("20.00"))
    );
    let again = walk.try_send(&walk.admin, BATCH, json!({})).await;
    assert_eq!(code(&again), "CONFLICT", "nothing else waits: {again}");
    // the bank's file: a header and the one payout, with the writer's contact
    let csv =
        walk.send(&walk.admin, "query($id: ID!) { payoutBatch(id: $id) { csv } }", json!({ "id": batch["id"] })).await;
    let csv = csv["data"]["payoutBatch"]["csv"].as_str().unwrap().to_owned();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "payout_id,writer_id,writer_name,writer_email,amount,currency,requested_at");
    assert_eq!(lines.len(), 2, "{csv}");
    let payout = asked["data"]["requestPayout"]["id"].as_str().unwrap();
    assert!(lines[1].starts_with(payout) && lines[1].contains(",writer@essays.test,20.00,USD,"), "{csv}");

    let paid = walk.send(&walk.admin, PAID, json!({ "id": batch["id"], "r": "BANK-2026-001" })).await;
    assert_eq!(
        paid["data"]["markPayoutBatchPaid"],
        json!({ "status": "PAID", "total": "20.00", "externalReference": "BANK-2026-001" })
    );
    let twice = walk.try_send(&walk.admin, PAID, json!({ "id": batch["id"], "r": "BANK-2026-001" })).await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");
    let now = standing(&walk).await;
    assert_eq!(
        (&now["pending"], &now["paidOut"], &now["available"]),
        (&json!("0.00"), &json!("20.00"), &json!("10.00"))
    );
    walk.check("the batch paid", "10.00").await;
    // paid is final: it cannot fail any more
    let late = walk.try_send(&walk.admin, FAIL, json!({ "id": payout, "r": "bounced" })).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
}

#[tokio::test]
async fn a_failed_payout_returns_to_earnings_and_the_rest_of_its_batch_is_paid() {
    let app = TestApp::spawn().await;
    let walk = earned(&app).await;
    app.clock.advance(Duration::days(8));
    let first = walk.send(&walk.writer, REQUEST, json!({ "a": "10.00" })).await["data"]["requestPayout"]["id"].clone();
    let second = walk.send(&walk.writer, REQUEST, json!({ "a": "15.00" })).await["data"]["requestPayout"]["id"].clone();
    walk.check("two payouts asked", "5.00").await;
    let batch = walk.send(&walk.admin, BATCH, json!({})).await["data"]["createPayoutBatch"].clone();
    assert_eq!((&batch["requestCount"], &batch["total"]), (&json!(2), &json!("25.00")));

    let failed = walk.send(&walk.admin, FAIL, json!({ "id": second, "r": "the account number is wrong" })).await;
    assert_eq!(
        failed["data"]["failPayout"],
        json!({ "status": "FAILED", "failureReason": "the account number is wrong" })
    );
    // the money is back and available at once (it was held before it left)
    walk.check("one payout failed", "20.00").await;
    assert_eq!(standing(&walk).await["available"], "20.00");
    let twice = walk.try_send(&walk.admin, FAIL, json!({ "id": second, "r": "again" })).await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");
    walk.check("a second failure refused", "20.00").await;

    // the export leaves the failed one out; paying the batch pays the rest
    let csv =
        walk.send(&walk.admin, "query($id: ID!) { payoutBatch(id: $id) { csv } }", json!({ "id": batch["id"] })).await;
    let csv = csv["data"]["payoutBatch"]["csv"].as_str().unwrap().to_owned();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains(first.as_str().unwrap()) && !csv.contains(second.as_str().unwrap()));
    let paid = walk.send(&walk.admin, PAID, json!({ "id": batch["id"], "r": "BANK-7" })).await;
    assert_eq!(paid["data"]["markPayoutBatchPaid"]["status"], "PAID");
    let now = standing(&walk).await;
    assert_eq!((&now["paidOut"], &now["pending"]), (&json!("10.00"), &json!("0.00")), "{now}");
    walk.check("the rest paid", "20.00").await;
    let listed = walk
        .send(&walk.writer, "{ viewer { payouts { requests(first: 10) { nodes { amount status } } } } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["viewer"]["payouts"]["requests"]["nodes"],
        json!([{ "amount": "15.00", "status": "FAILED" }, { "amount": "10.00", "status": "PAID" }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_racing_requests_never_pay_out_more_than_is_available() {
    let app = TestApp::spawn().await;
    let walk = earned(&app).await;
    app.clock.advance(Duration::days(8));
    let bodies =
        futures::future::join_all((0..20).map(|_| walk.try_send(&walk.writer, REQUEST, json!({ "a": "10.00" })))).await;
    let won = bodies.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(won, 3, "30.00 available pays three of ten: {bodies:?}");
    for lost in bodies.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!(lost["errors"][0]["extensions"]["reason"], "INSUFFICIENT_FUNDS", "{lost}");
    }
    assert_eq!(app.count("payout_requests").await, 3);
    walk.check("after the race", "0.00").await;
}

#[tokio::test]
async fn only_writers_ask_only_admins_pay_and_no_site_reaches_another() {
    let app = TestApp::spawn().await;
    let walk = earned(&app).await;
    app.clock.advance(Duration::days(8));
    let asked = walk.send(&walk.writer, REQUEST, json!({ "a": "10.00" })).await["data"]["requestPayout"]["id"].clone();
    let before = written(&app).await;
    for (token, query, vars) in [
        (&walk.client, REQUEST, json!({ "a": "10.00" })),
        (&walk.admin, REQUEST, json!({ "a": "10.00" })),
        (&walk.writer, BATCH, json!({})),
        (&walk.writer, FAIL, json!({ "id": asked, "r": "mine" })),
        (&walk.client, "{ payoutRequests(first: 5) { totalCount } }", json!({})),
        (&walk.writer, "{ payoutRequests(first: 5) { totalCount } }", json!({})),
        (&walk.client, STANDING, json!({})),
    ] {
        let body = walk.try_send(token, query, vars).await;
        assert_eq!(code(&body), "FORBIDDEN", "{query}: {body}");
    }
    // another site's admin finds nothing of this one's
    let other = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(FAIL).vars(json!({ "id": asked, "r": "x" })).tenant("papers").token(&other).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let listed = app.gql("{ payoutRequests(first: 5) { totalCount } }").tenant("papers").token(&other).send().await;
    assert_eq!(listed["data"]["payoutRequests"]["totalCount"], 0, "{listed}");
    let batch = app.gql(BATCH).tenant("papers").token(&other).send().await;
    assert_eq!(code(&batch), "CONFLICT", "nothing of papers waits: {batch}");
    assert_eq!(written(&app).await, before);
    walk.check("after the refusals", "20.00").await;
}
