//! The frontend's documents and the cost of list queries.

use serde_json::{Value, json};
use tests::{TestApp, code};

const ORDERS_PAGE: &str = "{ orders(first: 50) { edges { node { id status total client { displayName } writer { displayName } timeline { kind actor { displayName } } } } } }";

async fn place_orders(app: &TestApp, client: &str, n: usize) -> Vec<String> {
    let c = app.catalog("essays").await;
    let mut ids = Vec::new();
    for i in 0..n {
        let input = json!({
            "topic": format!("Order {i}"), "paperTypeId": c["essay"], "academicLevelId": c["masters"], "subjectId": c["history"],
            "workTypeId": c["writing"], "pages": 1 + i % 5, "deadline": app.in_hours(100),
        });
        let body = app
            .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }")
            .vars(json!({ "i": input }))
            .tenant("essays")
            .token(client)
            .send()
            .await;
        ids.push(body["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned());
    }
    ids
}

fn statements(body: &Value) -> u64 {
    body["extensions"]["sql"]["statements"].as_u64().unwrap()
}

/// The orders page with clients, writers and timelines costs the same few statements for 5
/// orders as for 50: no query per order.
#[tokio::test]
async fn an_orders_page_costs_the_same_statements_for_5_orders_as_for_50() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.user_id("essays", "writer@essays.test").await;
    let mut ids = place_orders(&app, &client, 5).await;
    // give the orders writers and several timeline actors
    let work = |id: String| {
        let (app, admin, writer) = (&app, admin.clone(), writer.clone());
        async move {
            app.gql("mutation($id: ID!) { performOrderAction(orderId: $id, action: MARK_PAID) { id } }")
                .vars(json!({ "id": id }))
                .tenant("essays")
                .token(&admin)
                .send()
                .await;
            app.gql("mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }")
                .vars(json!({ "id": id, "w": writer }))
                .tenant("essays")
                .token(&admin)
                .send()
                .await;
        }
    };
    for id in ids.iter().take(3) {
        work(id.clone()).await;
    }
    let small = app.gql(ORDERS_PAGE).tenant("essays").token(&admin).send().await;
    assert!(small["errors"].is_null(), "{small}");
    assert_eq!(small["data"]["orders"]["edges"].as_array().unwrap().len(), 5);

    ids.extend(place_orders(&app, &client, 45).await);
    for id in ids.iter().skip(5).take(30) {
        work(id.clone()).await;
    }
    let large = app.gql(ORDERS_PAGE).tenant("essays").token(&admin).send().await;
    let edges = large["data"]["orders"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50);
    assert!(edges.iter().any(|e| e["node"]["writer"]["displayName"] == "Demo Writer"));
    assert!(edges.iter().any(|e| e["node"]["timeline"][2]["actor"]["displayName"] == "Demo Admin"));
    assert_eq!(
        statements(&large),
        statements(&small),
        "5 orders: {}, 50 orders: {}",
        statements(&small),
        statements(&large)
    );
    assert!(statements(&large) <= 8, "{}", statements(&large));
}

/// Every document the client frontend sends is valid against the schema and executes.
#[tokio::test]
async fn the_client_dashboard_documents_execute() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let ids = place_orders(&app, &client, 2).await;
    let c = app.catalog("essays").await;
    let spec = json!({
        "topic": "Doc test", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": 3, "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    });
    let variables = json!({ "id": ids[0], "orderId": ids[0], "input": spec, "first": 10, "after": null, "filter": { "search": "order" }, "idempotencyKey": "doc-test-1" });
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/queries/client");
    let mut documents: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "graphql"))
        .collect();
    documents.sort();
    assert!(documents.len() >= 4, "{documents:?}");
    for path in documents {
        let document = std::fs::read_to_string(&path).unwrap();
        let body = app.gql(&document).vars(variables.clone()).tenant("essays").token(&client).send().await;
        assert!(body["errors"].is_null(), "{}: {}", path.display(), body["errors"]);
        assert!(body["data"].as_object().is_some_and(|d| !d.is_empty()), "{}: {body}", path.display());
    }
}

#[tokio::test]
async fn the_client_dashboard_counts_orders_and_shows_recent_activity() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let ids = place_orders(&app, &client, 3).await;
    app.gql(
        "mutation($id: ID!) { performOrderAction(orderId: $id, action: MARK_PAID, note: \"wire transfer\") { id } }",
    )
    .vars(json!({ "id": ids[0] }))
    .tenant("essays")
    .token(&admin)
    .send()
    .await;
    app.gql("mutation($id: ID!) { performOrderAction(orderId: $id, action: CANCEL) { id } }")
        .vars(json!({ "id": ids[1] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    let q = "{ clientDashboard { stats { activeOrders completedOrders unpaidOrders totalSpent } recentActivity(first: 3) { orderTopic kind fromStatus toStatus } } }";
    let body = app.gql(q).tenant("essays").token(&client).send().await;
    let dash = &body["data"]["clientDashboard"];
    let paid_total = app
        .gql("query($id: ID!) { order(id: $id) { total } }")
        .vars(json!({ "id": ids[0] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(
        dash["stats"],
        json!({ "activeOrders": 1, "completedOrders": 0, "unpaidOrders": 1, "totalSpent": paid_total["data"]["order"]["total"] }),
        "{body}"
    );
    let activity = dash["recentActivity"].as_array().unwrap();
    assert_eq!(activity.len(), 3);
    assert_eq!(
        activity[0],
        json!({ "orderTopic": "Order 1", "kind": "CANCEL", "fromStatus": "UNPAID", "toStatus": "CANCELLED" })
    );
    assert_eq!(activity[1]["kind"], "MARK_PAID");
    // the admin's action is in the audit log too
    let log = app
        .gql("{ auditLog(first: 5) { edges { node { action targetType after } } } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(log["data"]["auditLog"]["edges"][0]["node"]["action"], "order.mark_paid", "{log}");
    assert_eq!(log["data"]["auditLog"]["edges"][0]["node"]["after"]["note"], "wire transfer");
    // another client's dashboard is their own; staff have no client dashboard
    let other = app.gql(q).tenant("papers").token(&app.sign_in("papers", "client@papers.test").await).send().await;
    assert_eq!(other["data"]["clientDashboard"]["stats"]["unpaidOrders"], 0);
    assert_eq!(code(&app.gql(q).tenant("essays").token(&admin).send().await), "FORBIDDEN");
}
