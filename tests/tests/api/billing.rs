use futures::future::join_all;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const PAY: &str = "mutation($id: ID!, $k: String) { payOrderFromWallet(orderId: $id, idempotencyKey: $k) { id status paymentStatus payments { method amount } } }";
const WALLET: &str = "{ viewer { wallet { balance currency transactions(first: 10) { edges { node { kind amount balanceAfter description orderId } } } } } }";
const ADJUST: &str = "mutation($u: ID!, $a: Decimal!, $d: Direction!, $k: String) { adjustWallet(userId: $u, amount: $a, direction: $d, reason: \"goodwill\", idempotencyKey: $k) { balance } }";
const INTEGRITY: &str = "{ ledgerIntegrity { balanced accounts entries mismatches } }";

fn spec(app: &TestApp, c: &std::collections::HashMap<String, String>, pages: u32) -> Value {
    json!({
        "topic": "Paid essay", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": pages, "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

async fn place(app: &TestApp, tenant: &str, token: &str, input: &Value) -> (String, String) {
    let body = app
        .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id total } }")
        .vars(json!({ "i": input }))
        .tenant(tenant)
        .token(token)
        .send()
        .await;
    let order = &body["data"]["placeOrder"];
    (order["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned(), order["total"].as_str().unwrap().to_owned())
}

async fn balance(app: &TestApp, tenant: &str, token: &str) -> String {
    let body = app.gql("{ viewer { wallet { balance } } }").tenant(tenant).token(token).send().await;
    body["data"]["viewer"]["wallet"]["balance"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn integrity(app: &TestApp, tenant: &str) -> Value {
    let admin = app.sign_in(tenant, &format!("admin@{tenant}.test")).await;
    app.gql(INTEGRITY).tenant(tenant).token(&admin).send().await["data"]["ledgerIntegrity"].clone()
}

#[tokio::test]
async fn demo_clients_start_with_their_opening_balances() {
    let app = TestApp::spawn().await;
    let essays = app.sign_in("essays", "client@essays.test").await;
    let body = app.gql(WALLET).tenant("essays").token(&essays).send().await;
    let wallet = &body["data"]["viewer"]["wallet"];
    assert_eq!(wallet["balance"], "500.00", "{body}");
    assert_eq!(wallet["currency"], "USD");
    assert_eq!(wallet["transactions"]["edges"][0]["node"]["kind"], "ADJUSTMENT");
    let papers = app.sign_in("papers", "client@papers.test").await;
    assert_eq!(balance(&app, "papers", &papers).await, "300.00");
    // writers have earnings, not wallets
    let writer = app.sign_in("essays", "writer@essays.test").await;
    assert_eq!(
        code(&app.gql("{ viewer { wallet { balance } } }").tenant("essays").token(&writer).send().await),
        "FORBIDDEN"
    );
    assert_eq!(integrity(&app, "essays").await["balanced"], true);
}

#[tokio::test]
async fn paying_from_the_wallet_moves_the_order_and_the_money_together() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (order, total) = place(&app, "essays", &client, &spec(&app, &c, 3)).await;
    assert_eq!(total, "80.49");
    let body = app.gql(PAY).vars(json!({ "id": order })).tenant("essays").token(&client).send().await;
    let paid = &body["data"]["payOrderFromWallet"];
    assert_eq!(paid["status"], "AVAILABLE", "{body}");
    assert_eq!(paid["paymentStatus"], "PAID");
    assert_eq!(paid["payments"], json!([{ "method": "WALLET", "amount": "80.49" }]));
    let wallet = app.gql(WALLET).tenant("essays").token(&client).send().await;
    assert_eq!(wallet["data"]["viewer"]["wallet"]["balance"], "419.51");
    let last = &wallet["data"]["viewer"]["wallet"]["transactions"]["edges"][0]["node"];
    assert_eq!(last["kind"], "ORDER_PAYMENT");
    assert_eq!(last["amount"], "-80.49");
    assert_eq!(last["balanceAfter"], "419.51");
    assert_eq!(last["orderId"], order.as_str());
    let dash = app
        .gql("{ clientDashboard { wallet { balance } stats { totalSpent activeOrders } } }")
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(
        dash["data"]["clientDashboard"],
        json!({ "wallet": { "balance": "419.51" }, "stats": { "totalSpent": "80.49", "activeOrders": 1 } })
    );
    // paying is its own mutation
    let via_action = app
        .gql("mutation($id: ID!) { performOrderAction(orderId: $id, action: PAY) { id } }")
        .vars(json!({ "id": order }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(field(&via_action), "action");
    // paying again is a conflict and takes nothing
    let again = app.gql(PAY).vars(json!({ "id": order })).tenant("essays").token(&client).send().await;
    assert_eq!(code(&again), "CONFLICT");
    assert_eq!(balance(&app, "essays", &client).await, "419.51");
    assert_eq!(integrity(&app, "essays").await["balanced"], true);
}

#[tokio::test]
async fn not_enough_money_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (order, total) = place(&app, "essays", &client, &spec(&app, &c, 30)).await;
    assert!(total.parse::<f64>().unwrap() > 500.0, "{total}");
    let entries = app.count("journal_entries").await;
    let body = app.gql(PAY).vars(json!({ "id": order })).tenant("essays").token(&client).send().await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INSUFFICIENT_FUNDS");
    let seen = app
        .gql("query($id: ID!) { order(id: $id) { status paymentStatus timeline { kind } } }")
        .vars(json!({ "id": order }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(seen["data"]["order"]["status"], "UNPAID");
    assert_eq!(seen["data"]["order"]["paymentStatus"], "UNPAID");
    assert_eq!(seen["data"]["order"]["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(balance(&app, "essays", &client).await, "500.00");
    assert_eq!(app.count("journal_entries").await, entries);
}

#[tokio::test]
async fn only_the_orders_client_pays_it() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (order, _) = place(&app, "essays", &client, &spec(&app, &c, 1)).await;
    let stranger = app.sign_up("essays", "rich@essays.test", "Rich").await;
    assert_eq!(
        code(&app.gql(PAY).vars(json!({ "id": order })).tenant("essays").token(&stranger).send().await),
        "NOT_FOUND"
    );
    let admin = app.sign_in("essays", "admin@essays.test").await;
    assert_eq!(
        code(&app.gql(PAY).vars(json!({ "id": order })).tenant("essays").token(&admin).send().await),
        "FORBIDDEN"
    );
    let other = app.sign_in("papers", "client@papers.test").await;
    assert_eq!(
        code(&app.gql(PAY).vars(json!({ "id": order })).tenant("papers").token(&other).send().await),
        "NOT_FOUND"
    );
    assert_eq!(balance(&app, "papers", &other).await, "300.00");
}

#[tokio::test]
async fn manual_payments_and_writer_earnings_are_ledger_entries() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let (order, _) = place(&app, "essays", &client, &spec(&app, &c, 3)).await;
    let act = |token: &str, action: &str| {
        app.gql("mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }")
            .vars(json!({ "id": order, "a": action }))
            .tenant("essays")
            .token(token)
    };
    act(&admin, "MARK_PAID").send().await;
    app.gql("mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { status } }")
        .vars(json!({ "id": order, "w": writer_id }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    act(&writer, "ACCEPT_ASSIGNMENT").send().await;
    act(&writer, "SUBMIT").send().await;
    let done = act(&client, "APPROVE").send().await;
    assert_eq!(done["data"]["performOrderAction"]["status"], "COMPLETED", "{done}");
    let payments = app
        .gql("query($id: ID!) { order(id: $id) { payments { method amount } writerCompensation } }")
        .vars(json!({ "id": order }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(payments["data"]["order"]["payments"], json!([{ "method": "MANUAL", "amount": "80.49" }]));
    let earnings = app
        .gql("{ viewer { earnings { balance transactions { edges { node { kind amount orderId } } } } } }")
        .tenant("essays")
        .token(&writer)
        .send()
        .await;
    assert_eq!(earnings["data"]["viewer"]["earnings"]["balance"], "21.00", "{earnings}");
    assert_eq!(
        earnings["data"]["viewer"]["earnings"]["transactions"]["edges"][0]["node"],
        json!({ "kind": "WRITER_EARNINGS", "amount": "21.00", "orderId": order })
    );
    // the client's wallet was not touched by a manual payment
    assert_eq!(balance(&app, "essays", &client).await, "500.00");
    let check = integrity(&app, "essays").await;
    assert_eq!(check["balanced"], true, "{check}");
    assert!(check["entries"].as_u64().unwrap() >= 3);
}

#[tokio::test]
async fn admins_adjust_wallets_within_the_rules() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let client_id = app.user_id("essays", "client@essays.test").await;
    let credit = app
        .gql(ADJUST)
        .vars(json!({ "u": client_id, "a": "25.50", "d": "CREDIT", "k": "adj-1" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(credit["data"]["adjustWallet"]["balance"], "525.50", "{credit}");
    let replay = app
        .gql(ADJUST)
        .vars(json!({ "u": client_id, "a": "25.50", "d": "CREDIT", "k": "adj-1" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(replay["data"]["adjustWallet"]["balance"], "525.50");
    let reused = app
        .gql(ADJUST)
        .vars(json!({ "u": client_id, "a": "1.00", "d": "CREDIT", "k": "adj-1" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(code(&reused), "CONFLICT");
    let debit = app
        .gql(ADJUST)
        .vars(json!({ "u": client_id, "a": "0.50", "d": "DEBIT" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(debit["data"]["adjustWallet"]["balance"], "525.00");

    let entries = app.count("journal_entries").await;
    let overdraw = app
        .gql(ADJUST)
        .vars(json!({ "u": client_id, "a": "525.01", "d": "DEBIT" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(overdraw["errors"][0]["extensions"]["reason"], "INSUFFICIENT_FUNDS", "{overdraw}");
    for bad in ["0", "-5.00", "1.234", "1000000.01"] {
        let body = app
            .gql(ADJUST)
            .vars(json!({ "u": client_id, "a": bad, "d": "CREDIT" }))
            .tenant("essays")
            .token(&admin)
            .send()
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{bad}: {body}");
    }
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    assert_eq!(
        code(
            &app.gql(ADJUST)
                .vars(json!({ "u": writer_id, "a": "5.00", "d": "CREDIT" }))
                .tenant("essays")
                .token(&admin)
                .send()
                .await
        ),
        "NOT_FOUND"
    );
    let papers_client = app.user_id("papers", "client@papers.test").await;
    assert_eq!(
        code(
            &app.gql(ADJUST)
                .vars(json!({ "u": papers_client, "a": "5.00", "d": "CREDIT" }))
                .tenant("essays")
                .token(&admin)
                .send()
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        code(
            &app.gql(ADJUST)
                .vars(json!({ "u": client_id, "a": "5.00", "d": "CREDIT" }))
                .tenant("essays")
                .token(&client)
                .send()
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(app.count("journal_entries").await, entries);
    assert_eq!(balance(&app, "essays", &client).await, "525.00");

    let log = app
        .gql("{ auditLog(first: 3) { edges { node { action after } } } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(log["data"]["auditLog"]["edges"][0]["node"]["action"], "wallet.adjust");
    assert_eq!(log["data"]["auditLog"]["edges"][0]["node"]["after"]["balance"], "525.00");
    assert_eq!(
        field(
            &app.gql(ADJUST)
                .vars(json!({ "u": "nope", "a": "5.00", "d": "CREDIT" }))
                .tenant("essays")
                .token(&admin)
                .send()
                .await
        ),
        "userId"
    );
}

/// 50 payments race for 50 orders of one client whose money covers exactly 10.
#[tokio::test]
async fn racing_payments_never_overdraw_a_wallet() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_up("essays", "racer@essays.test", "Racer").await;
    let client_id = app.gql("{ viewer { id } }").tenant("essays").token(&client).send().await["data"]["viewer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut orders = Vec::new();
    for _ in 0..50 {
        orders.push(place(&app, "essays", &client, &spec(&app, &c, 1)).await);
    }
    let price = &orders[0].1;
    assert!(orders.iter().all(|(_, total)| total == price));
    let cents: i64 = price.replace('.', "").parse().unwrap();
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let fund = format!("{}.{:02}", cents * 10 / 100, cents * 10 % 100);
    let funded = app
        .gql(ADJUST)
        .vars(json!({ "u": client_id, "a": fund, "d": "CREDIT" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(funded["data"]["adjustWallet"]["balance"], fund.as_str(), "{funded}");

    let answers = join_all(
        orders.iter().map(|(id, _)| app.gql(PAY).vars(json!({ "id": id })).tenant("essays").token(&client).send()),
    )
    .await;
    let paid = answers.iter().filter(|a| a["data"]["payOrderFromWallet"]["status"] == "AVAILABLE").count();
    let short = answers.iter().filter(|a| a["errors"][0]["extensions"]["reason"] == "INSUFFICIENT_FUNDS").count();
    assert_eq!(
        paid,
        10,
        "{:?}",
        answers
            .iter()
            .filter(|a| !a["errors"].is_null())
            .map(|a| a["errors"][0]["message"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(short, 40);
    assert_eq!(balance(&app, "essays", &client).await, "0.00");
    let check = integrity(&app, "essays").await;
    assert_eq!(check["balanced"], true, "{check}");
}

/// 20 calls with one idempotency key: one payment, 20 identical answers.
#[tokio::test]
async fn racing_replays_of_one_key_pay_once() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (order, _) = place(&app, "essays", &client, &spec(&app, &c, 3)).await;
    let answers =
        join_all((0..20).map(|_| {
            app.gql(PAY).vars(json!({ "id": order, "k": "pay-once" })).tenant("essays").token(&client).send()
        }))
        .await;
    assert!(answers.iter().all(|a| a["errors"].is_null()), "{:?}", answers.iter().find(|a| !a["errors"].is_null()));
    let first = answers[0]["data"].clone();
    assert!(answers.iter().all(|a| a["data"] == first));
    assert_eq!(balance(&app, "essays", &client).await, "419.51");
    let payments = app
        .gql("query($id: ID!) { order(id: $id) { payments { amount } } }")
        .vars(json!({ "id": order }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(payments["data"]["order"]["payments"].as_array().unwrap().len(), 1);
    assert_eq!(integrity(&app, "essays").await["balanced"], true);
}

#[tokio::test]
async fn with_wallets_turned_off_wallet_operations_are_forbidden() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (order, _) = place(&app, "essays", &client, &spec(&app, &c, 1)).await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let off = app
        .gql("mutation { updateTenantFeatureToggles(input: {wallet: false}) { featureToggles { wallet } } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(off["data"]["updateTenantFeatureToggles"]["featureToggles"]["wallet"], false, "{off}");
    for body in [
        app.gql(PAY).vars(json!({ "id": order })).tenant("essays").token(&client).send().await,
        app.gql("{ viewer { wallet { balance } } }").tenant("essays").token(&client).send().await,
        app.gql("mutation { topUpWallet(amount: \"5.00\") { id } }").tenant("essays").token(&client).send().await,
    ] {
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED");
    }
    let seen = app
        .gql("query($id: ID!) { order(id: $id) { status availableActions } }")
        .vars(json!({ "id": order }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(seen["data"]["order"]["status"], "UNPAID");
    // paying from the wallet is not offered either
    assert_eq!(seen["data"]["order"]["availableActions"], json!(["CANCEL"]), "{seen}");
}

#[tokio::test]
async fn one_idempotency_key_used_in_two_tenants_is_two_calls() {
    let app = TestApp::spawn().await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let essays_client = app.user_id("essays", "client@essays.test").await;
    let papers_client = app.user_id("papers", "client@papers.test").await;
    let adjust = |tenant: &'static str, user: String| {
        let (app, root) = (&app, root.clone());
        async move {
            app.gql(ADJUST)
                .vars(json!({ "u": user, "a": "10.00", "d": "CREDIT", "k": "monthly-bonus" }))
                .tenant(tenant)
                .token(&root)
                .send()
                .await
        }
    };
    let essays = adjust("essays", essays_client.clone()).await;
    assert_eq!(essays["data"]["adjustWallet"]["balance"], "510.00", "{essays}");
    let papers = adjust("papers", papers_client).await;
    assert_eq!(papers["data"]["adjustWallet"]["balance"], "310.00", "{papers}");
    // within one tenant the key still replays
    let again = adjust("essays", essays_client).await;
    assert_eq!(again["data"]["adjustWallet"]["balance"], "510.00", "{again}");
    assert_eq!(integrity(&app, "essays").await["balanced"], true);
    assert_eq!(integrity(&app, "papers").await["balanced"], true);
}
