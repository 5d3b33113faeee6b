use futures::future::join_all;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const REFUND: &str = "mutation($id: ID!, $a: Decimal!, $d: RefundDestination!, $k: String) { refundOrder(orderId: $id, input: {amount: $a, destination: $d, reason: \"late delivery\"}, idempotencyKey: $k) { id amount destination status orderId } }";
const ORDER: &str =
    "query($id: ID!) { order(id: $id) { status paymentStatus refunds { amount destination } timeline { kind } } }";

struct Cast {
    client: String,
    admin: String,
    writer: String,
    writer_id: String,
    spec: Value,
}

async fn cast(app: &TestApp) -> Cast {
    let c = app.catalog("essays").await;
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
        spec: json!({
            "topic": "Refundable", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
            "workTypeId": c["writing"], "pages": 3, "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
        }),
    }
}

/// Places an 80.49 order and pays it from the wallet.
async fn paid_order(app: &TestApp, cast: &Cast) -> String {
    let placed = app
        .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }")
        .vars(json!({ "i": cast.spec }))
        .tenant("essays")
        .token(&cast.client)
        .send()
        .await;
    let id = placed["data"]["placeOrder"]["id"].as_str().unwrap().to_owned();
    let paid = app
        .gql("mutation($id: ID!) { payOrderFromWallet(orderId: $id) { status } }")
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(&cast.client)
        .send()
        .await;
    assert_eq!(paid["data"]["payOrderFromWallet"]["status"], "AVAILABLE", "{paid}");
    id
}

async fn wallet(app: &TestApp, token: &str) -> String {
    app.gql("{ viewer { wallet { balance } } }").tenant("essays").token(token).send().await["data"]["viewer"]["wallet"]
        ["balance"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn balanced(app: &TestApp, admin: &str) -> bool {
    let body = app.gql("{ ledgerIntegrity { balanced mismatches } }").tenant("essays").token(admin).send().await;
    body["data"]["ledgerIntegrity"]["balanced"] == true
}

#[tokio::test]
async fn a_partial_refund_to_the_wallet_keeps_the_order_going() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = paid_order(&app, &cast).await;
    let body = app
        .gql(REFUND)
        .vars(json!({ "id": id, "a": "20.00", "d": "WALLET" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(body["data"]["refundOrder"]["amount"], "20.00", "{body}");
    assert_eq!(body["data"]["refundOrder"]["status"], "COMPLETED");
    let order = app.gql(ORDER).vars(json!({ "id": id })).tenant("essays").token(&cast.client).send().await;
    assert_eq!(order["data"]["order"]["status"], "AVAILABLE");
    assert_eq!(order["data"]["order"]["paymentStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(order["data"]["order"]["refunds"], json!([{ "amount": "20.00", "destination": "WALLET" }]));
    assert_eq!(wallet(&app, &cast.client).await, "439.51");
    let spent =
        app.gql("{ clientDashboard { stats { totalSpent } } }").tenant("essays").token(&cast.client).send().await;
    assert_eq!(spent["data"]["clientDashboard"]["stats"]["totalSpent"], "60.49");
    let list = app
        .gql("{ refunds(filter: {status: COMPLETED}) { totalCount edges { node { amount orderId } } } }")
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(list["data"]["refunds"]["totalCount"], 1, "{list}");
    assert!(balanced(&app, &cast.admin).await);
}

#[tokio::test]
async fn refunds_never_exceed_what_was_paid_and_bad_input_writes_nothing() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = paid_order(&app, &cast).await;
    let entries = app.count("journal_entries").await;
    let over = app
        .gql(REFUND)
        .vars(json!({ "id": id, "a": "80.50", "d": "WALLET" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(code(&over), "BAD_USER_INPUT", "{over}");
    assert_eq!(over["errors"][0]["extensions"]["reason"], "EXCEEDS_PAID");
    for bad in ["0", "-1.00", "1.005"] {
        let body = app
            .gql(REFUND)
            .vars(json!({ "id": id, "a": bad, "d": "WALLET" }))
            .tenant("essays")
            .token(&cast.admin)
            .send()
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{bad}: {body}");
    }
    assert_eq!(
        code(
            &app.gql(REFUND)
                .vars(json!({ "id": id, "a": "5.00", "d": "WALLET" }))
                .tenant("essays")
                .token(&cast.client)
                .send()
                .await
        ),
        "FORBIDDEN"
    );
    let papers_admin = app.sign_in("papers", "admin@papers.test").await;
    assert_eq!(
        code(
            &app.gql(REFUND)
                .vars(json!({ "id": id, "a": "5.00", "d": "WALLET" }))
                .tenant("papers")
                .token(&papers_admin)
                .send()
                .await
        ),
        "NOT_FOUND"
    );
    let unpaid = app
        .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }")
        .vars(json!({ "i": cast.spec }))
        .tenant("essays")
        .token(&cast.client)
        .send()
        .await;
    let unpaid = unpaid["data"]["placeOrder"]["id"].as_str().unwrap();
    let body = app
        .gql(REFUND)
        .vars(json!({ "id": unpaid, "a": "1.00", "d": "EXTERNAL" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(field(&body), "amount");
    assert_eq!(app.count("journal_entries").await, entries);
    assert_eq!(app.count("refunds").await, 0);
    assert_eq!(wallet(&app, &cast.client).await, "419.51");
}

#[tokio::test]
async fn a_full_refund_cancels_an_unfinished_order() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = paid_order(&app, &cast).await;
    let body = app
        .gql(REFUND)
        .vars(json!({ "id": id, "a": "80.49", "d": "EXTERNAL", "k": "r-1" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(body["data"]["refundOrder"]["destination"], "EXTERNAL", "{body}");
    let replay = app
        .gql(REFUND)
        .vars(json!({ "id": id, "a": "80.49", "d": "EXTERNAL", "k": "r-1" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(replay["data"], body["data"]);
    let order = app.gql(ORDER).vars(json!({ "id": id })).tenant("essays").token(&cast.client).send().await;
    assert_eq!(order["data"]["order"]["status"], "CANCELLED", "{order}");
    assert_eq!(order["data"]["order"]["paymentStatus"], "REFUNDED");
    let kinds: Vec<&str> =
        order["data"]["order"]["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["PLACED", "PAY", "REFUND", "CANCEL"]);
    // paid back outside: the wallet is not credited
    assert_eq!(wallet(&app, &cast.client).await, "419.51");
    assert!(balanced(&app, &cast.admin).await);
}

#[tokio::test]
async fn a_full_refund_of_a_completed_order_takes_back_the_writers_earnings() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = paid_order(&app, &cast).await;
    let act = |token: &str, action: &str| {
        app.gql("mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }")
            .vars(json!({ "id": id, "a": action }))
            .tenant("essays")
            .token(token)
            .send()
    };
    app.gql("mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { status } }")
        .vars(json!({ "id": id, "w": cast.writer_id }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    act(&cast.writer, "ACCEPT_ASSIGNMENT").await;
    act(&cast.writer, "SUBMIT").await;
    assert_eq!(act(&cast.client, "APPROVE").await["data"]["performOrderAction"]["status"], "COMPLETED");
    let earnings = || app.gql("{ viewer { earnings { balance } } }").tenant("essays").token(&cast.writer).send();
    assert_eq!(earnings().await["data"]["viewer"]["earnings"]["balance"], "21.00");
    app.gql(REFUND)
        .vars(json!({ "id": id, "a": "80.49", "d": "WALLET" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    assert_eq!(earnings().await["data"]["viewer"]["earnings"]["balance"], "0.00");
    let order = app.gql(ORDER).vars(json!({ "id": id })).tenant("essays").token(&cast.client).send().await;
    assert_eq!(order["data"]["order"]["status"], "COMPLETED");
    assert_eq!(order["data"]["order"]["paymentStatus"], "REFUNDED");
    assert_eq!(wallet(&app, &cast.client).await, "500.00");
    assert!(balanced(&app, &cast.admin).await);
}

/// 20 admins' refunds of the full amount race: one succeeds.
#[tokio::test]
async fn racing_full_refunds_succeed_once() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = paid_order(&app, &cast).await;
    let answers = join_all((0..20).map(|_| {
        app.gql(REFUND)
            .vars(json!({ "id": id, "a": "80.49", "d": "WALLET" }))
            .tenant("essays")
            .token(&cast.admin)
            .send()
    }))
    .await;
    let ok = answers.iter().filter(|a| a["errors"].is_null()).count();
    assert_eq!(ok, 1, "{:?}", answers.iter().map(|a| a["errors"][0]["message"].clone()).collect::<Vec<_>>());
    assert!(
        answers
            .iter()
            .filter(|a| !a["errors"].is_null())
            .all(|a| a["errors"][0]["extensions"]["reason"] == "EXCEEDS_PAID")
    );
    assert_eq!(app.count("refunds").await, 1);
    assert_eq!(wallet(&app, &cast.client).await, "500.00");
    assert!(balanced(&app, &cast.admin).await);
}

#[tokio::test]
async fn the_admin_dashboard_shows_revenue_and_refunds() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let first = paid_order(&app, &cast).await;
    paid_order(&app, &cast).await;
    app.gql(REFUND)
        .vars(json!({ "id": first, "a": "10.00", "d": "WALLET" }))
        .tenant("essays")
        .token(&cast.admin)
        .send()
        .await;
    let q = "{ adminDashboard { revenue { today thisMonth } refunds { pendingCount refundedThisMonth } } }";
    let body = app.gql(q).tenant("essays").token(&cast.admin).send().await;
    assert_eq!(
        body["data"]["adminDashboard"],
        json!({ "revenue": { "today": "160.98", "thisMonth": "160.98" }, "refunds": { "pendingCount": 0, "refundedThisMonth": "10.00" } }),
        "{body}"
    );
    // tomorrow, today's revenue starts over; the month's stays
    app.clock.advance(chrono::Duration::days(1));
    let later = app.gql(q).tenant("essays").token(&cast.admin).send().await;
    assert_eq!(later["data"]["adminDashboard"]["revenue"], json!({ "today": "0.00", "thisMonth": "160.98" }));
    // the other tenant's admin sees their own numbers; clients see none
    let papers = app.sign_in("papers", "admin@papers.test").await;
    assert_eq!(
        app.gql(q).tenant("papers").token(&papers).send().await["data"]["adminDashboard"]["revenue"]["thisMonth"],
        "0.00"
    );
    assert_eq!(code(&app.gql(q).tenant("essays").token(&cast.client).send().await), "FORBIDDEN");
}
