use kernel::Clock;
use serde_json::{Value, json};
use tests::{STRIPE_WEBHOOK_SECRET, TestApp, code};

const TOP_UP: &str = "mutation($a: Decimal!, $k: String) { topUpWallet(amount: $a, idempotencyKey: $k) { id amount currency status checkoutUrl } }";

fn completed(session: &str, amount: i64, currency: &str) -> Value {
    json!({ "id": "evt_1", "type": "checkout.session.completed", "data": { "object": {
        "id": session, "object": "checkout.session", "payment_status": "paid", "amount_total": amount, "currency": currency } } })
}

async fn balance(app: &TestApp, token: &str) -> String {
    app.gql("{ viewer { wallet { balance } } }").tenant("essays").token(token).send().await["data"]["viewer"]["wallet"]
        ["balance"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_top_up_is_credited_once_when_stripe_confirms_it() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let body = app.gql(TOP_UP).vars(json!({ "a": "25.00", "k": "top-1" })).tenant("essays").token(&client).send().await;
    let top_up = &body["data"]["topUpWallet"];
    assert_eq!(top_up["status"], "PENDING", "{body}");
    assert_eq!(top_up["checkoutUrl"], "https://checkout.stripe.test/pay/cs_test_1");
    {
        let sessions = app.stripe.sessions.lock().unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0]["line_items[0][price_data][unit_amount]"], "2500");
        assert_eq!(sessions[0]["line_items[0][price_data][currency]"], "usd");
        assert_eq!(sessions[0]["client_reference_id"], top_up["id"].as_str().unwrap());
    }
    // a retried request opens no second checkout
    let replay =
        app.gql(TOP_UP).vars(json!({ "a": "25.00", "k": "top-1" })).tenant("essays").token(&client).send().await;
    assert_eq!(replay["data"]["topUpWallet"]["id"], top_up["id"]);
    assert_eq!(app.stripe.sessions.lock().unwrap().len(), 1);
    assert_eq!(balance(&app, &client).await, "500.00");

    let now = app.clock.now().timestamp();
    let (status, answer) = app.stripe_webhook(&completed("cs_test_1", 2500, "usd"), STRIPE_WEBHOOK_SECRET, now).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["changed"], true);
    assert_eq!(balance(&app, &client).await, "525.00");
    let seen = app
        .gql("query($id: ID!) { topUp(id: $id) { status completedAt } }")
        .vars(json!({ "id": top_up["id"] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(seen["data"]["topUp"]["status"], "SUCCEEDED");
    // the same webhook again changes nothing
    let (status, answer) = app.stripe_webhook(&completed("cs_test_1", 2500, "usd"), STRIPE_WEBHOOK_SECRET, now).await;
    assert_eq!((status, answer["changed"].clone()), (200, json!(false)));
    assert_eq!(balance(&app, &client).await, "525.00");
    let wallet = app
        .gql("{ viewer { wallet { transactions(first: 1) { edges { node { kind amount } } } } } }")
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(
        wallet["data"]["viewer"]["wallet"]["transactions"]["edges"][0]["node"],
        json!({ "kind": "TOP_UP", "amount": "25.00" })
    );
    let admin = app.sign_in("essays", "admin@essays.test").await;
    assert_eq!(
        app.gql("{ ledgerIntegrity { balanced } }").tenant("essays").token(&admin).send().await["data"]["ledgerIntegrity"]
            ["balanced"],
        true
    );
}

#[tokio::test]
async fn forged_stale_or_mismatched_webhooks_change_nothing() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    app.gql(TOP_UP).vars(json!({ "a": "40.00" })).tenant("essays").token(&client).send().await;
    let now = app.clock.now().timestamp();
    let entries = app.count("journal_entries").await;
    let (forged, body) = app.stripe_webhook(&completed("cs_test_1", 4000, "usd"), "whsec_attacker", now).await;
    assert_eq!(forged, 400);
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INVALID_WEBHOOK");
    let (stale, _) = app.stripe_webhook(&completed("cs_test_1", 4000, "usd"), STRIPE_WEBHOOK_SECRET, now - 600).await;
    assert_eq!(stale, 400);
    let (mismatch, body) =
        app.stripe_webhook(&completed("cs_test_1", 400_000, "usd"), STRIPE_WEBHOOK_SECRET, now).await;
    assert_eq!(mismatch, 400, "{body}");
    let unsigned = app
        .http()
        .post(app.url("/webhooks/stripe"))
        .body(serde_json::to_vec(&completed("cs_test_1", 4000, "usd")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert_eq!(balance(&app, &client).await, "500.00");
    assert_eq!(app.count("journal_entries").await, entries);
    // an unknown session is acknowledged and ignored
    let (status, body) = app.stripe_webhook(&completed("cs_unknown", 4000, "usd"), STRIPE_WEBHOOK_SECRET, now).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(false)));
}

#[tokio::test]
async fn only_clients_top_up_and_amounts_are_checked() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    for bad in ["0", "-3.00", "0.001", "1000000.01"] {
        let body = app.gql(TOP_UP).vars(json!({ "a": bad })).tenant("essays").token(&client).send().await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{bad}: {body}");
    }
    let writer = app.sign_in("essays", "writer@essays.test").await;
    assert_eq!(
        code(&app.gql(TOP_UP).vars(json!({ "a": "5.00" })).tenant("essays").token(&writer).send().await),
        "FORBIDDEN"
    );
    assert_eq!(code(&app.gql(TOP_UP).vars(json!({ "a": "5.00" })).tenant("essays").send().await), "UNAUTHENTICATED");
    assert_eq!(app.count("payments").await, 0);
    assert!(app.stripe.sessions.lock().unwrap().is_empty());
    // another client's top-up is not found
    let mine = app.gql(TOP_UP).vars(json!({ "a": "5.00" })).tenant("essays").token(&client).send().await;
    let id = mine["data"]["topUpWallet"]["id"].as_str().unwrap().to_owned();
    let other = app.sign_in("papers", "client@papers.test").await;
    assert_eq!(
        code(
            &app.gql("query($id: ID!) { topUp(id: $id) { status } }")
                .vars(json!({ "id": id }))
                .tenant("papers")
                .token(&other)
                .send()
                .await
        ),
        "NOT_FOUND"
    );
}
