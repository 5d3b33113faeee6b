//! Cancellation with forfeiture, end to end: the quote a client reads before confirming, and the
//! `CANCEL` that applies it in one transaction (refund to the wallet, the forfeited part kept,
//! the working writer's share of it credited), with the ledger's business invariants checked
//! after each step. The 80.49 order of `Walk` is due 50 hours after it is placed.

use chrono::Duration;
use serde_json::{Value, json};
use tests::{TestApp, cents, code};

use crate::money_invariants::Walk;

const QUOTE: &str = "query($id: ID!) { cancellationQuote(orderId: $id) { paid refund forfeited forfeitFrom maxForfeitPercent destination } }";
const ADMIN_QUOTE: &str = "query($id: ID!) { cancellationQuote(orderId: $id) { refund forfeited writerShare } }";
const ORDER: &str = "query($id: ID!) { order(id: $id) { status paymentStatus forfeited placedAt } }";
const CANCEL: &str =
    "mutation($id: ID!) { performOrderAction(orderId: $id, action: CANCEL) { status paymentStatus forfeited } }";

async fn quote(walk: &Walk<'_>, token: &str) -> Value {
    walk.send(token, QUOTE, json!({ "id": walk.order })).await["data"]["cancellationQuote"].clone()
}

/// What the ledger and the order tables hold, to show that a refused call wrote nothing.
async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["journal_entries", "postings", "refunds", "order_events", "notifications"] {
        counts.push(app.count(table).await);
    }
    counts.push(app.count_where("SELECT COUNT(*) AS n FROM orders WHERE status = 'CANCELLED'").await);
    counts
}

#[tokio::test]
async fn before_half_the_time_a_client_gets_everything_back() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    let before = walk.wallet().await;
    walk.pay_from_wallet().await;
    assert_eq!(walk.wallet().await, before - 8049);
    app.clock.advance(Duration::hours(24));

    let seen = quote(&walk, &walk.client).await;
    assert_eq!(
        (&seen["paid"], &seen["refund"], &seen["forfeited"], &seen["maxForfeitPercent"], &seen["destination"]),
        (&json!("80.49"), &json!("80.49"), &json!("0.00"), &json!("80"), &json!("WALLET")),
        "{seen}"
    );
    let order = walk.send(&walk.admin, ORDER, json!({ "id": walk.order })).await["data"]["order"].clone();
    let placed = chrono::DateTime::parse_from_rfc3339(order["placedAt"].as_str().unwrap()).unwrap();
    let from = chrono::DateTime::parse_from_rfc3339(seen["forfeitFrom"].as_str().unwrap()).unwrap();
    assert_eq!(from - placed, Duration::hours(25), "half of the 50 hours");

    let cancelled = walk.send(&walk.client, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(
        cancelled["data"]["performOrderAction"],
        json!({ "status": "CANCELLED", "paymentStatus": "REFUNDED", "forfeited": "0.00" })
    );
    assert_eq!(walk.wallet().await, before, "all of it back in the wallet");
    walk.check("cancelled before half the time", "0.00").await;
    // the refund is on record, once, and the client was told
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM refunds WHERE amount_minor = 8049").await, 1);
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'ORDER_REFUNDED'").await, 1);
}

#[tokio::test]
async fn after_half_the_time_the_share_used_is_kept_and_the_working_writer_gets_part_of_it() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    let before = walk.wallet().await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    // 35 of the 50 hours: 70 % used, under the 80 % ceiling
    app.clock.advance(Duration::hours(35));

    let seen = quote(&walk, &walk.client).await;
    assert_eq!((&seen["refund"], &seen["forfeited"]), (&json!("24.15"), &json!("56.34")), "{seen}");
    // the writer's share is the site's business: admins read it, the client does not
    let admin = walk.send(&walk.admin, ADMIN_QUOTE, json!({ "id": walk.order })).await;
    assert_eq!(admin["data"]["cancellationQuote"]["writerShare"], "28.17", "{admin}");
    let client = walk.try_send(&walk.client, ADMIN_QUOTE, json!({ "id": walk.order })).await;
    assert_eq!(code(&client), "FORBIDDEN", "{client}");
    assert_eq!(client["data"]["cancellationQuote"]["writerShare"], Value::Null);
    assert_eq!(client["data"]["cancellationQuote"]["refund"], "24.15", "the rest of the quote still arrives");
    // a writer never reads the client's money
    let writer = walk.try_send(&walk.writer, QUOTE, json!({ "id": walk.order })).await;
    assert_eq!(code(&writer), "FORBIDDEN", "{writer}");

    let cancelled = walk.send(&walk.client, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(
        cancelled["data"]["performOrderAction"],
        json!({ "status": "CANCELLED", "paymentStatus": "PARTIALLY_REFUNDED", "forfeited": "56.34" })
    );
    assert_eq!(walk.wallet().await, before - 5634, "the refund part is back in the wallet");
    walk.check("cancelled at 70 % of the time", "28.17").await;
    let share = walk
        .send(
            &walk.writer,
            "query($id: ID!) { order(id: $id) { writerCancellationShare } }",
            json!({ "id": walk.order }),
        )
        .await;
    assert_eq!(share["data"]["order"]["writerCancellationShare"], "28.17");
    // the client's timeline says what came back; the writer's does not (no client money)
    let timeline = "query($id: ID!) { order(id: $id) { timeline { kind note } } }";
    let kinds = |body: Value| -> Vec<String> {
        body["data"]["order"]["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let client = walk.send(&walk.client, timeline, json!({ "id": walk.order })).await;
    let refund =
        client["data"]["order"]["timeline"].as_array().unwrap().iter().find(|e| e["kind"] == "REFUND").cloned();
    assert_eq!(
        refund.map(|e| e["note"].clone()),
        Some(json!("24.15 paid back on cancellation, 56.34 kept for the time used"))
    );
    let seen_by_writer = kinds(walk.send(&walk.writer, timeline, json!({ "id": walk.order })).await);
    assert!(seen_by_writer.contains(&"CANCEL".to_owned()) && !seen_by_writer.contains(&"REFUND".to_owned()));

    // cancelled is final: no second cancellation, no second refund, no second share
    let again = walk.try_send(&walk.client, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!(walk.wallet().await, before - 5634);
    walk.check("after a second cancel was refused", "28.17").await;

    // an admin may give back the site's part of what was kept, never the writer's share
    let refund = "mutation($id: ID!, $a: Decimal!) { refundOrder(orderId: $id, input: {amount: $a, destination: WALLET, reason: \"goodwill\"}) { id } }";
    let too_much = walk.try_send(&walk.admin, refund, json!({ "id": walk.order, "a": "28.18" })).await;
    assert_eq!(too_much["errors"][0]["extensions"]["reason"], "EXCEEDS_PAID", "{too_much}");
    walk.send(&walk.admin, refund, json!({ "id": walk.order, "a": "28.17" })).await;
    assert_eq!(walk.wallet().await, before - 2817);
    walk.check("the site's part refunded by hand", "28.17").await;
}

#[tokio::test]
async fn the_sites_ceiling_caps_what_is_kept_and_no_writer_means_no_share() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    let before = walk.wallet().await;
    walk.pay_from_wallet().await;
    walk.send(
        &walk.admin,
        "mutation { updatePricingSettings(input: {maxForfeitPercent: \"60\"}) { maxForfeitPercent } }",
        json!({}),
    )
    .await;
    // past the deadline: all the time used, capped at the site's 60 %
    app.clock.advance(Duration::hours(60));
    let admin = walk.send(&walk.admin, ADMIN_QUOTE, json!({ "id": walk.order })).await;
    assert_eq!(
        admin["data"]["cancellationQuote"],
        json!({ "refund": "32.20", "forfeited": "48.29", "writerShare": "0.00" }),
        "no writer was working on it"
    );
    // an admin's cancellation applies the same rule, and is audited with its split
    let cancelled = walk.send(&walk.admin, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(cancelled["data"]["performOrderAction"]["forfeited"], "48.29");
    assert_eq!(walk.wallet().await, before - 4829);
    walk.check("cancelled past the deadline", "0.00").await;
    assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'order.cancellation_settled'").await,
        1
    );
    // the admin may still give the kept part back by hand; the ledger stays whole
    walk.refund("48.29").await;
    walk.check("the kept part refunded by hand", "0.00").await;
    assert_eq!(walk.wallet().await, before);
}

#[tokio::test]
async fn a_delivered_or_completed_order_is_not_cancelled_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    walk.act("writer", "SUBMIT").await;
    // delivered: the client approves, asks for a revision or disputes; only an admin cancels
    let written_before = written(&app).await;
    let refused = walk.try_send(&walk.client, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    assert_eq!(written(&app).await, written_before);
    // held by an admin after delivery, it is still not the client's to cancel
    walk.act("admin", "HOLD").await;
    let written_before = written(&app).await;
    let refused = walk.try_send(&walk.client, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!(written(&app).await, written_before);
    walk.act("admin", "RESUME").await;

    walk.act("client", "APPROVE").await;
    let written_before = written(&app).await;
    for token in [&walk.client, &walk.admin] {
        let refused = walk.try_send(token, CANCEL, json!({ "id": walk.order })).await;
        assert_eq!(code(&refused), "CONFLICT", "{refused}");
        let quoted = walk.try_send(token, QUOTE, json!({ "id": walk.order })).await;
        assert_eq!(code(&quoted), "CONFLICT", "{quoted}");
    }
    // approved once and reopened by a revision: its writer was paid, so it is refunded, not cancelled
    walk.send(
        &walk.client,
        "mutation($id: ID!, $i: RevisionRequestInput!) { requestRevision(orderId: $id, input: $i) { id } }",
        json!({ "id": walk.order, "i": { "severity": "MINOR", "reason": "Fix the references", "deadline": app.in_hours(24) } }),
    )
    .await;
    let written_before_revision = written(&app).await;
    let refused = walk.try_send(&walk.admin, CANCEL, json!({ "id": walk.order })).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!(written(&app).await, written_before_revision);
    assert!(written_before_revision[3] > written_before[3], "the revision itself was written");
    walk.check("refused cancellations", "21.00").await;

    // someone else's order is not there at all
    let stranger = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    let hidden = walk.try_send(&stranger, QUOTE, json!({ "id": walk.order })).await;
    assert_eq!(code(&hidden), "NOT_FOUND", "{hidden}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_cancellations_at_once_refund_once() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    let before = walk.wallet().await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    app.clock.advance(Duration::hours(30));
    let (a, b) = tokio::join!(
        walk.try_send(&walk.client, CANCEL, json!({ "id": walk.order })),
        walk.try_send(&walk.admin, CANCEL, json!({ "id": walk.order })),
    );
    let won = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(won, 1, "{a}\n{b}");
    let lost = if a["errors"].is_null() { &b } else { &a };
    assert_eq!(code(lost), "CONFLICT", "{lost}");
    // 30 of 50 hours: 60 % kept (48.29), 32.20 back, once; the writer's half of what was kept, once
    assert_eq!(walk.wallet().await, before - 4829);
    walk.check("after racing cancellations", "24.14").await;
    let order = walk.send(&walk.admin, ORDER, json!({ "id": walk.order })).await;
    assert_eq!(cents(&order["data"]["order"]["forfeited"]), 4829);
}
