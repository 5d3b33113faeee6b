use futures::future::join_all;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const QUOTE: &str = "query($i: OrderSpecInput!) { quote(input: $i) { total lines { code label amount } } }";
const PLACE: &str = "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id total lines { code amount } } }";
const CREATE: &str =
    "mutation($i: DiscountInput!) { createDiscount(input: $i) { id code kind percent amount uses maxUses } }";

fn spec(app: &TestApp, c: &std::collections::HashMap<String, String>, pages: u32, discount: &str) -> Value {
    json!({
        "topic": "Discounted", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": pages, "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]],
        "writerLevelId": c["advanced"], "discountCode": discount,
    })
}

async fn new_client(app: &TestApp, name: &str) -> String {
    app.sign_up("essays", &format!("{name}@essays.test"), "New").await
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

#[tokio::test]
async fn welcome10_takes_the_worked_example_to_72_44_for_a_first_order_only() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = new_client(&app, "first").await;
    let body = app
        .gql(QUOTE)
        .vars(json!({ "i": spec(&app, &c, 3, "welcome10") }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(body["data"]["quote"]["total"], "72.44", "{body}");
    let last = &body["data"]["quote"]["lines"][3];
    assert_eq!(last["code"], "discount");
    assert_eq!(last["amount"], "-8.05");
    let placed = app
        .gql(PLACE)
        .vars(json!({ "i": spec(&app, &c, 3, "WELCOME10") }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(placed["data"]["placeOrder"]["total"], "72.44", "{placed}");
    let again = app
        .gql(PLACE)
        .vars(json!({ "i": spec(&app, &c, 3, "WELCOME10") }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(code(&again), "BAD_USER_INPUT");
    assert_eq!(field(&again), "discountCode");
    assert_eq!(reason(&again), "FIRST_ORDER_ONLY");
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let list = app.gql("{ discounts { edges { node { code uses } } } }").tenant("essays").token(&admin).send().await;
    let welcome = list["data"]["discounts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == "WELCOME10")
        .unwrap()
        .clone();
    assert_eq!(welcome["node"]["uses"], 1);
}

#[tokio::test]
async fn a_bad_code_says_why_and_places_nothing() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let now = app.in_hours(0);
    for input in [
        json!({ "code": "LATER", "kind": "PERCENT", "percent": "5", "startsAt": app.in_hours(24) }),
        json!({ "code": "GONE", "kind": "FIXED", "amount": "3.00", "startsAt": app.in_hours(-48), "endsAt": now }),
        json!({ "code": "ONCE", "kind": "FIXED", "amount": "1.00", "maxUses": 1 }),
    ] {
        let body = app.gql(CREATE).vars(json!({ "i": input })).tenant("essays").token(&admin).send().await;
        assert!(body["errors"].is_null(), "{body}");
    }
    // ONCE is used up by another client
    let other = new_client(&app, "other").await;
    let used =
        app.gql(PLACE).vars(json!({ "i": spec(&app, &c, 3, "ONCE") })).tenant("essays").token(&other).send().await;
    assert!(used["errors"].is_null(), "{used}");
    let orders = app.count("orders").await;
    for (code_text, pages, expected) in [
        ("NOPE", 3, "NOT_FOUND"),
        ("LATER", 3, "NOT_STARTED"),
        ("GONE", 3, "EXPIRED"),
        ("ONCE", 3, "USAGE_LIMIT"),
        ("FLAT5", 1, "MIN_ORDER"),
    ] {
        let body = app
            .gql(PLACE)
            .vars(json!({ "i": spec(&app, &c, pages, code_text) }))
            .tenant("essays")
            .token(&client)
            .send()
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{code_text}: {body}");
        assert_eq!(field(&body), "discountCode");
        assert_eq!(reason(&body), expected, "{code_text}");
    }
    assert_eq!(app.count("orders").await, orders);
    // FLAT5 on an order of 50.00 or more
    let flat =
        app.gql(PLACE).vars(json!({ "i": spec(&app, &c, 3, "FLAT5") })).tenant("essays").token(&client).send().await;
    assert_eq!(flat["data"]["placeOrder"]["total"], "75.49", "{flat}");
}

#[tokio::test]
async fn admins_manage_codes_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let body = app
        .gql(CREATE)
        .vars(json!({ "i": { "code": "spring-24", "kind": "PERCENT", "percent": "15", "maxUses": 100 } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    let discount = &body["data"]["createDiscount"];
    assert_eq!(discount["code"], "SPRING-24", "{body}");
    assert_eq!(discount["percent"], "15");
    assert!(discount["amount"].is_null());
    let id = discount["id"].as_str().unwrap();
    let dup = app
        .gql(CREATE)
        .vars(json!({ "i": { "code": "Spring-24", "kind": "FIXED", "amount": "1.00" } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(code(&dup), "CONFLICT");
    for (input, bad) in [
        (json!({ "code": "X", "kind": "FIXED", "amount": "1.00" }), "code"),
        (json!({ "code": "PCT", "kind": "PERCENT", "percent": "101" }), "percent"),
        (json!({ "code": "ZERO", "kind": "FIXED", "amount": "0" }), "amount"),
        (json!({ "code": "MIXED", "kind": "FIXED", "percent": "5" }), "percent"),
        (
            json!({ "code": "BACK", "kind": "FIXED", "amount": "1.00", "startsAt": app.in_hours(5), "endsAt": app.in_hours(1) }),
            "endsAt",
        ),
    ] {
        assert_eq!(
            field(&app.gql(CREATE).vars(json!({ "i": input })).tenant("essays").token(&admin).send().await),
            bad
        );
    }
    let updated = app
        .gql("mutation($id: ID!) { updateDiscount(id: $id, input: {code: \"SPRING-24\", kind: FIXED, amount: \"7.50\"}) { kind percent amount } }")
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(updated["data"]["updateDiscount"], json!({ "kind": "FIXED", "percent": null, "amount": "7.50" }));
    let archived = app
        .gql("mutation($id: ID!) { archiveDiscount(id: $id) { archived } }")
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(archived["data"]["archiveDiscount"]["archived"], true);
    let c = app.catalog("essays").await;
    let gone = app.gql(QUOTE).vars(json!({ "i": spec(&app, &c, 3, "SPRING-24") })).tenant("essays").send().await;
    assert_eq!(reason(&gone), "NOT_FOUND");
    let client = app.sign_in("essays", "client@essays.test").await;
    assert_eq!(
        code(
            &app.gql(CREATE)
                .vars(json!({ "i": { "code": "MINE", "kind": "FIXED", "amount": "1.00" } }))
                .tenant("essays")
                .token(&client)
                .send()
                .await
        ),
        "FORBIDDEN"
    );
    // codes belong to their tenant
    let papers = app.catalog("papers").await;
    let body = app.gql(QUOTE).vars(json!({ "i": spec(&app, &papers, 3, "FLAT5") })).tenant("papers").send().await;
    assert_eq!(reason(&body), "NOT_FOUND");
}

/// A code with `maxUses: 5` and 20 placements at once: exactly 5 orders carry it.
#[tokio::test]
async fn racing_placements_respect_the_usage_limit() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    app.gql(CREATE)
        .vars(json!({ "i": { "code": "FIVE", "kind": "FIXED", "amount": "2.00", "maxUses": 5 } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let answers = join_all((0..20).map(|_| {
        app.gql(PLACE).vars(json!({ "i": spec(&app, &c, 3, "FIVE") })).tenant("essays").token(&client).send()
    }))
    .await;
    let placed = answers.iter().filter(|a| a["errors"].is_null()).count();
    assert_eq!(placed, 5, "{:?}", answers.iter().map(|a| a["errors"][0]["message"].clone()).collect::<Vec<_>>());
    assert!(answers.iter().filter(|a| !a["errors"].is_null()).all(|a| reason(a) == "USAGE_LIMIT"));
    assert!(answers.iter().filter(|a| a["errors"].is_null()).all(|a| a["data"]["placeOrder"]["total"] == "78.49"));
    assert_eq!(app.count("orders").await, 5);
    assert_eq!(app.count("discount_usages").await, 5);
}
