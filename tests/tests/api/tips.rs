//! Tips, end to end: the client of a completed order tips its writer from the wallet, once; the
//! site's split goes in one ledger entry; the writer is told their part. The ledger's business
//! invariants are checked after each step (`Walk::check`).

use serde_json::{Value, json};
use tests::{TestApp, code, field};

use crate::money_invariants::Walk;

const TIP: &str = "mutation($id: ID!, $a: Decimal!) { tipWriterFromWallet(orderId: $id, amount: $a) { tip } }";

async fn completed(app: &TestApp) -> Walk<'_> {
    let walk = Walk::start(app).await;
    walk.complete().await;
    walk
}

async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["journal_entries", "postings", "order_events", "notifications"] {
        counts.push(app.count(table).await);
    }
    counts.push(app.count_where("SELECT COUNT(*) AS n FROM orders WHERE tip_minor <> 0").await);
    counts
}

#[tokio::test]
async fn a_client_tips_the_writer_once_and_the_site_keeps_its_share() {
    let app = TestApp::spawn().await;
    let walk = completed(&app).await;
    let before = walk.wallet().await;

    let tipped = walk.send(&walk.client, TIP, json!({ "id": walk.order, "a": "10.00" })).await;
    assert_eq!(tipped["data"]["tipWriterFromWallet"]["tip"], "10.00");
    assert_eq!(walk.wallet().await, before - 1000);
    // 90 % of it to the writer by default: 21.00 earned and 9.00 tipped
    walk.check("tipped", "30.00").await;
    let seen =
        walk.send(&walk.writer, "query($id: ID!) { order(id: $id) { writerTip } }", json!({ "id": walk.order })).await;
    assert_eq!(seen["data"]["order"]["writerTip"], "9.00");
    // the writer was told their part, never the client's amount
    let told = app
        .count_where("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'TIP_RECEIVED' AND body LIKE '%9.00%'")
        .await;
    assert_eq!(told, 1);

    // once per order
    let before_again = written(&app).await;
    let again = walk.try_send(&walk.client, TIP, json!({ "id": walk.order, "a": "5.00" })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!(again["errors"][0]["extensions"]["reason"], "DUPLICATE");
    assert_eq!(written(&app).await, before_again);
    assert_eq!(walk.wallet().await, before - 1000);
    walk.check("a second tip refused", "30.00").await;
}

#[tokio::test]
async fn refused_tips_write_nothing() {
    let app = TestApp::spawn().await;
    let walk = Walk::start(&app).await;
    walk.pay_from_wallet().await;
    walk.assign_and_accept().await;
    let stranger = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    let before = written(&app).await;
    // not completed yet
    let early = walk.try_send(&walk.client, TIP, json!({ "id": walk.order, "a": "5.00" })).await;
    assert_eq!(code(&early), "CONFLICT", "{early}");
    walk.act("writer", "SUBMIT").await;
    walk.act("client", "APPROVE").await;
    let before = {
        let now = written(&app).await;
        assert!(now[2] > before[2], "the steps in between were written");
        now
    };
    let refusals: Vec<(&str, &String, Value)> = vec![
        // more than the wallet holds
        ("BAD_USER_INPUT", &walk.client, json!({ "id": walk.order, "a": "999999.00" })),
        // not an amount
        ("BAD_USER_INPUT", &walk.client, json!({ "id": walk.order, "a": "0.00" })),
        ("BAD_USER_INPUT", &walk.client, json!({ "id": walk.order, "a": "-1.00" })),
        // only the client tips
        ("FORBIDDEN", &walk.writer, json!({ "id": walk.order, "a": "5.00" })),
        ("FORBIDDEN", &walk.admin, json!({ "id": walk.order, "a": "5.00" })),
    ];
    for (expected, token, vars) in refusals {
        let body = walk.try_send(token, TIP, vars.clone()).await;
        assert_eq!(code(&body), expected, "{vars}: {body}");
        assert_eq!(written(&app).await, before, "{vars}");
    }
    let poor = walk.try_send(&walk.client, TIP, json!({ "id": walk.order, "a": "999999.00" })).await;
    assert_eq!((field(&poor), &poor["errors"][0]["extensions"]["reason"]), ("amount", &json!("INSUFFICIENT_FUNDS")));
    // someone else's order is not there at all
    let body = walk.try_send(&stranger, TIP, json!({ "id": walk.order, "a": "5.00" })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!(written(&app).await, before);
    walk.check("after the refusals", "21.00").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_tips_take_one() {
    let app = TestApp::spawn().await;
    let walk = completed(&app).await;
    let before = walk.wallet().await;
    let amounts = ["1.00", "2.00", "3.00", "4.00", "5.00"];
    let bodies = futures::future::join_all(
        amounts.iter().map(|a| walk.try_send(&walk.client, TIP, json!({ "id": walk.order, "a": a }))),
    )
    .await;
    let won: Vec<&Value> = bodies.iter().filter(|b| b["errors"].is_null()).collect();
    assert_eq!(won.len(), 1, "{bodies:?}");
    for lost in bodies.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!(code(lost), "CONFLICT", "{lost}");
    }
    let tip = tests::cents(&won[0]["data"]["tipWriterFromWallet"]["tip"]);
    assert_eq!(walk.wallet().await, before - tip);
    let writer_part = tip * 9 / 10;
    walk.check("after racing tips", &kernel::Money(2100 + writer_part).to_string()).await;
}
