use serde_json::{Value, json};
use tests::{TestApp, code, field};

const QUOTE: &str = "query($i: OrderSpecInput!) { quote(input: $i) { total currency lines { code label amount } } }";

/// The first worked example: 3 double-spaced pages, undergraduate, writing, english, 50 h,
/// a plagiarism report, an advanced writer.
fn first_example(app: &TestApp, c: &std::collections::HashMap<String, String>) -> Value {
    json!({
        "topic": "The French Revolution", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 3, "spacing": "DOUBLE",
        "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

#[tokio::test]
async fn the_worked_examples_price_exactly() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;

    let body =
        app.gql(QUOTE).vars(json!({ "i": first_example(&app, &c) })).tenant("essays").token(&client).send().await;
    let quote = &body["data"]["quote"];
    assert_eq!(quote["total"], "80.49", "{body}");
    assert_eq!(quote["currency"], "USD");
    let amounts: Vec<&str> = quote["lines"].as_array().unwrap().iter().map(|l| l["amount"].as_str().unwrap()).collect();
    assert_eq!(amounts, vec!["63.00", "9.99", "7.50"]);

    let writer = app.user_id("essays", "writer@essays.test").await;
    let second = json!({
        "topic": "Graph algorithms", "paperTypeId": c["presentation"], "academicLevelId": c["phd"],
        "subjectId": c["computer_science"], "workTypeId": c["editing"], "pages": 2, "slides": 3, "spacing": "SINGLE",
        "deadline": app.in_hours(7), "extraServiceIds": [c["priority_support"]], "preferredWriterId": writer,
    });
    let body = app.gql(QUOTE).vars(json!({ "i": second })).tenant("essays").token(&client).send().await;
    let quote = &body["data"]["quote"];
    assert_eq!(quote["total"], "168.50", "{body}");
    let lines: Vec<(&str, &str)> = quote["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["code"].as_str().unwrap(), l["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, vec![("base", "146.52"), ("priority_support", "14.65"), ("preferred_writer", "7.33")]);

    let papers = app.catalog("papers").await;
    let body = app.gql(QUOTE).vars(json!({ "i": first_example(&app, &papers) })).tenant("papers").send().await;
    assert_eq!(body["data"]["quote"]["total"], "69.99", "{body}");
    assert_eq!(body["data"]["quote"]["currency"], "EUR");
}

#[tokio::test]
async fn deadlines_too_close_or_past_are_refused_on_deadline() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    for hours in [3, -1] {
        let mut input = first_example(&app, &c);
        input["deadline"] = json!(app.in_hours(hours));
        let body = app.gql(QUOTE).vars(json!({ "i": input })).tenant("essays").send().await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{hours} h: {body}");
        assert_eq!(field(&body), "deadline");
    }
}

#[tokio::test]
async fn bad_order_input_names_its_field_and_places_nothing() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let other = app.catalog("papers").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let place = "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }";
    let cases: Vec<(&str, Value)> = vec![
        ("pages", json!(0)),
        ("pages", json!(201)),
        ("slides", json!(-1)),
        ("topic", json!("   ")),
        ("instructions", json!("x".repeat(20_001))),
        ("academicLevelId", json!(other["phd"])),
        ("subjectId", json!(c["writing"])),
        ("paperTypeId", json!("not-an-id")),
        ("writerLevelId", json!(other["advanced"])),
        ("preferredWriterId", json!(app.user_id("essays", "client@essays.test").await)),
        ("deadline", json!(app.in_hours(2))),
    ];
    for (name, value) in cases {
        let mut input = first_example(&app, &c);
        input[name] = value;
        let body = app.gql(place).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{name}: {body}");
        assert_eq!(field(&body), name, "{body}");
    }
    let mut input = first_example(&app, &c);
    input["extraServiceIds"] = json!([c["summary"], other["summary"]]);
    let body = app.gql(place).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
    assert_eq!(field(&body), "extraServiceIds");
    assert_eq!(app.count("orders").await, 0);
    assert_eq!(app.count("order_events").await, 0);
}

#[tokio::test]
async fn orders_freeze_their_lines_writer_deadline_and_pay() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let body = app
        .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id status paymentStatus total currency deadline writerDeadline lines { code amount } timeline { kind toStatus actor { displayName } } } }")
        .vars(json!({ "i": first_example(&app, &c) }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    let order = &body["data"]["placeOrder"];
    assert_eq!(order["status"], "UNPAID", "{body}");
    assert_eq!(order["paymentStatus"], "UNPAID");
    assert_eq!(order["total"], "80.49");
    // 80 % of the 50 hours
    assert_eq!(order["writerDeadline"], json!("2026-11-23T04:00:00Z"));
    assert_eq!(
        order["timeline"],
        json!([{ "kind": "PLACED", "toStatus": "UNPAID", "actor": { "displayName": "Demo Client" } }])
    );
    let id = order["id"].as_str().unwrap();

    // a later price change does not touch the placed order
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let changed = app
        .gql("mutation { updatePricingSettings(input: {pricePerPage: \"20.00\"}) { pricePerPage } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(changed["data"]["updatePricingSettings"]["pricePerPage"], "20.00", "{changed}");
    let seen = app
        .gql("query($id: ID!) { order(id: $id) { total writerCompensation lines { amount } } }")
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(seen["data"]["order"]["total"], "80.49");
    // advanced writers earn 7.00 a page
    assert_eq!(seen["data"]["order"]["writerCompensation"], "21.00");
    let requote = app.gql(QUOTE).vars(json!({ "i": first_example(&app, &c) })).tenant("essays").send().await;
    assert_eq!(requote["data"]["quote"]["total"], "122.49");
    // clients do not see what the writer earns
    let hidden = app
        .gql("query($id: ID!) { order(id: $id) { writerCompensation } }")
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(code(&hidden), "FORBIDDEN");
}

#[tokio::test]
async fn a_price_beyond_the_order_range_is_refused_on_pages_never_wrapped() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let settings = |input: Value| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.gql("mutation($i: PricingSettingsInput!) { updatePricingSettings(input: $i) { pricePerPage technicalMultiplier } }")
                .vars(json!({ "i": input }))
                .tenant("essays")
                .token(&admin)
                .send()
                .await
        }
    };
    // settings past their bounds are refused on their field, and change nothing
    for (input, bad) in [
        (json!({ "pricePerPage": "10000.01" }), "pricePerPage"),
        (json!({ "pricePerPage": "92233720368547758.07" }), "pricePerPage"),
        (json!({ "technicalMultiplier": "10.0001" }), "technicalMultiplier"),
        (json!({ "singleSpacingFactor": "11" }), "singleSpacingFactor"),
        (json!({ "preferredWriterPercent": "100.5" }), "preferredWriterPercent"),
    ] {
        let body = settings(input.clone()).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(field(&body), bad, "{input}: {body}");
    }
    let multiplier = app
        .gql("mutation($id: ID!) { updateCatalogEntry(id: $id, input: {multiplier: \"10.5\"}) { id } }")
        .vars(json!({ "id": c["phd"] }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(field(&multiplier), "multiplier", "{multiplier}");

    // the most the settings allow, with the most pages a tenant allows: far past 1,000,000.00
    let body =
        settings(json!({ "pricePerPage": "10000.00", "technicalMultiplier": "10", "singleSpacingFactor": "10" })).await;
    assert!(body["errors"].is_null(), "{body}");
    app.gql("mutation { updateTenantFeatureToggles(input: {maxPagesPerOrder: 1000}) { id } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    let mut input = first_example(&app, &c);
    input["pages"] = json!(1000);
    input["spacing"] = json!("SINGLE");
    input["academicLevelId"] = json!(c["phd"]);
    input["subjectId"] = json!(c["mathematics"]);
    input["deadline"] = json!(app.in_hours(6));
    let orders = app.count("orders").await;
    for query in [QUOTE, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id total } }"] {
        let body = app.gql(query).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), "pages", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "PRICE_OUT_OF_RANGE", "{body}");
    }
    assert_eq!(app.count("orders").await, orders);
    // a big order that fits is priced exactly
    input["pages"] = json!(1);
    input["spacing"] = json!("DOUBLE");
    input["academicLevelId"] = json!(c["undergraduate"]);
    input["subjectId"] = json!(c["english"]);
    let body = app.gql(QUOTE).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
    // 10,000.00 × 1.25 × 2.0 (6 h) = 25,000.00, + 9.99 + 2.50
    assert_eq!(body["data"]["quote"]["total"], "25012.49", "{body}");
}
