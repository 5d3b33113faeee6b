//! Text input is clean: control characters (NUL above all, which PostgreSQL cannot store) are
//! refused on their field; names are visible, single lines without bidirectional controls;
//! deadlines go at most a year ahead. Nothing is written on bad input.

use serde_json::{Value, json};
use tests::{TestApp, code, field};

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

fn order_input(app: &TestApp, c: &std::collections::HashMap<String, String>) -> Value {
    json!({
        "topic": "A clean topic", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72),
    })
}

#[tokio::test]
async fn control_characters_are_refused_on_their_field_in_every_kind_of_text() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let place = "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }";
    let (orders, drafts, users) =
        (app.count("orders").await, app.count("order_drafts").await, app.count("users").await);
    for (key, value) in [
        ("topic", "nul\u{0000}byte"),
        ("instructions", "bell\u{0007}"),
        ("tone", "esc\u{001B}[31m"),
        ("discountCode", "WELCOME\u{0000}10"),
    ] {
        let mut input = order_input(&app, &c);
        input[key] = json!(value);
        let body = app.gql(place).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{key}: {body}");
        assert_eq!(field(&body), key, "{body}");
        assert_eq!(reason(&body), "CONTROL_CHARACTER", "{body}");
        // written into the document rather than sent as a variable: the same
        let inline = format!(
            "mutation {{ saveOrderDraft(input: {{ {key}: {} }}) {{ id }} }}",
            serde_json::to_string(value).unwrap()
        );
        let body = app.gql(&inline).tenant("essays").token(&client).send().await;
        if key != "discountCode" {
            assert_eq!(field(&body), key, "{inline}: {body}");
        }
    }
    // identity, tenancy and billing text alike
    let body = app
        .gql("mutation($i: SignUpInput!) { signUp(input: $i) { message } }")
        .vars(json!({ "i": { "email": "x@essays.test", "password": "long-enough-pw", "displayName": "Ev\u{0000}e" } }))
        .tenant("essays")
        .send()
        .await;
    assert_eq!(field(&body), "displayName", "{body}");
    let body = app
        .gql("mutation($e: String!) { signIn(input: {email: $e, password: \"whatever-it-is\"}) { token } }")
        .vars(json!({ "e": "client\u{0000}@essays.test" }))
        .tenant("essays")
        .send()
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .gql("mutation($f: String) { updateTenantBranding(input: {footerText: $f}) { id } }")
        .vars(json!({ "f": "Thanks\u{0008}" }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(field(&body), "f", "{body}");
    let body = app
        .gql("{ orders(filter: {search: \"x\\u0000\"}) { totalCount } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(field(&body), "search", "{body}");
    assert_eq!(app.count("orders").await, orders);
    assert_eq!(app.count("order_drafts").await, drafts);
    assert_eq!(app.count("users").await, users);
    // line breaks and tabs in long text are fine
    let mut input = order_input(&app, &c);
    input["instructions"] = json!("1.\tIntroduction\n2.\tBody\r\n3.\tConclusion");
    let body = app.gql(place).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn names_must_be_visible_single_lines_without_direction_tricks() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let presets = app.count("order_presets").await;
    for (name, why) in [
        ("\u{200B}\u{200D}\u{FEFF}", "empty"),
        ("  \u{2060}  ", "empty"),
        ("Invoice\u{202E}fdp.exe", "BIDI_CONTROL"),
        ("\u{2067}Admin\u{2069}", "BIDI_CONTROL"),
        ("two\nlines", "CONTROL_CHARACTER"),
    ] {
        let body = app
            .gql("mutation($n: String!) { createOrderPreset(input: {name: $n}) { id } }")
            .vars(json!({ "n": name }))
            .tenant("essays")
            .token(&client)
            .send()
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{name:?}: {body}");
        assert_eq!(field(&body), "name", "{body}");
        if why != "empty" {
            assert_eq!(reason(&body), why, "{body}");
        }
        let body = app
            .gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }")
            .vars(json!({ "i": { "email": "staff@essays.test", "displayName": name, "role": "SUPPORT", "password": "another-password-1" } }))
            .tenant("essays")
            .token(&admin)
            .send()
            .await;
        assert_eq!(field(&body), "displayName", "{name:?}: {body}");
    }
    assert_eq!(app.count("order_presets").await, presets);
    // right-to-left scripts need no controls, and are welcome
    let body = app
        .gql("mutation($n: String!) { createOrderPreset(input: {name: $n}) { name } }")
        .vars(json!({ "n": "  מאמר אקדמי  " }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(body["data"]["createOrderPreset"]["name"], "מאמר אקדמי", "{body}");
}

#[tokio::test]
async fn deadlines_more_than_a_year_ahead_are_refused() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let mut input = order_input(&app, &c);
    input["deadline"] = json!(app.in_hours(366 * 24));
    for query in [
        "query($i: OrderSpecInput!) { quote(input: $i) { total } }",
        "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
    ] {
        let body = app.gql(query).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
        assert_eq!(field(&body), "deadline", "{body}");
        assert_eq!(reason(&body), "TOO_FAR_AHEAD", "{body}");
    }
    let body = app
        .gql("mutation($d: DateTime) { saveOrderDraft(input: {deadline: $d}) { id } }")
        .vars(json!({ "d": app.in_hours(24 * 400) }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(field(&body), "deadline", "{body}");
    input["deadline"] = json!(app.in_hours(364 * 24));
    let body = app
        .gql("query($i: OrderSpecInput!) { quote(input: $i) { total } }")
        .vars(json!({ "i": input }))
        .tenant("essays")
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
}
