use std::collections::HashMap;

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const DRAFT: &str = "id createdAt updatedAt lastViewedAt missingFields estimatedPrice fields { topic paperTypeId academicLevelId subjectId workTypeId pages slides spacing deadline extraServiceIds writerLevelId citationStyleId englishTypeId references tone instructions }";
const PRESET: &str = "id name isDefault usageCount fields { paperTypeId academicLevelId subjectId workTypeId spacing extraServiceIds writerLevelId citationStyleId englishTypeId references tone topic pages deadline }";

fn save_query() -> String {
    format!("mutation($id: ID, $i: OrderSpecInput!) {{ saveOrderDraft(id: $id, input: $i) {{ {DRAFT} }} }}")
}

/// The first worked example's fields (80.49 in `essays`).
fn first_example(app: &TestApp, c: &HashMap<String, String>) -> Value {
    json!({
        "topic": "The French Revolution", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 3, "spacing": "DOUBLE",
        "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

async fn save(app: &TestApp, token: &str, id: Option<&str>, input: Value) -> Value {
    app.gql(&save_query()).vars(json!({ "id": id, "i": input })).tenant("essays").token(token).send().await
}

/// Saves a draft that must succeed and returns it.
async fn saved(app: &TestApp, token: &str, id: Option<&str>, input: Value) -> Value {
    let body = save(app, token, id, input).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["saveOrderDraft"].clone()
}

async fn open(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(&format!("query($id: ID!) {{ orderDraft(id: $id) {{ {DRAFT} }} }}"))
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(token)
        .send()
        .await
}

async fn convert(app: &TestApp, token: &str, id: &str, key: Option<&str>) -> Value {
    app.gql("mutation($id: ID!, $k: String) { convertOrderDraft(id: $id, idempotencyKey: $k) { id status total topic pages paymentStatus } }")
        .vars(json!({ "id": id, "k": key }))
        .tenant("essays")
        .token(token)
        .send()
        .await
}

async fn create_preset(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(&format!("mutation($i: OrderPresetInput!) {{ createOrderPreset(input: $i) {{ {PRESET} }} }}"))
        .vars(json!({ "i": preset_input(input) }))
        .tenant("essays")
        .token(token)
        .send()
        .await
}

/// A preset input from flat fields: `name` and `isDefault` stay, the rest are its `fields`.
fn preset_input(flat: Value) -> Value {
    let mut fields = flat.as_object().cloned().unwrap_or_default();
    let mut input = serde_json::Map::new();
    for key in ["name", "isDefault"] {
        if let Some(v) = fields.remove(key) {
            input.insert(key.into(), v);
        }
    }
    input.insert("fields".into(), Value::Object(fields));
    Value::Object(input)
}

async fn preset_id(app: &TestApp, token: &str, input: Value) -> String {
    let body = create_preset(app, token, input).await;
    body["data"]["createOrderPreset"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn presets(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.gql(&format!("{{ orderPresets {{ {PRESET} }} }}")).tenant("essays").token(token).send().await;
    body["data"]["orderPresets"].as_array().unwrap_or_else(|| panic!("{body}")).clone()
}

async fn set_toggles(app: &TestApp, toggles: Value) {
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let body = app
        .gql("mutation($i: FeatureTogglesInput!) { updateTenantFeatureToggles(input: $i) { featureToggles { drafts presets } } }")
        .vars(json!({ "i": toggles }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn another_client(app: &TestApp) -> String {
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let body = app
        .gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }")
        .vars(json!({ "i": { "displayName": "Second Client", "email": "client2@essays.test", "password": "another-password-1", "role": "CLIENT" } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
    app.sign_in_with("essays", "client2@essays.test", "another-password-1").await
}

fn strings(value: &Value) -> Vec<&str> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_draft_saves_partial_fields_and_an_update_replaces_them() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;

    let draft = saved(&app, &client, None, json!({ "topic": "Colonial trade", "pages": 4, "tone": "formal" })).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["fields"]["topic"], "Colonial trade");
    assert_eq!(draft["fields"]["pages"], 4);
    assert_eq!(draft["fields"]["tone"], "formal");
    assert!(draft["fields"]["academicLevelId"].is_null());
    assert!(draft["fields"]["extraServiceIds"].is_null());
    assert_eq!(draft["createdAt"], "2026-11-21T12:00:00Z");
    assert!(draft["lastViewedAt"].is_null());
    assert_eq!(
        strings(&draft["missingFields"]),
        vec!["paperTypeId", "academicLevelId", "subjectId", "workTypeId", "deadline"]
    );
    assert!(draft["estimatedPrice"].is_null());

    app.clock.advance(chrono::Duration::minutes(10));
    let updated = saved(
        &app,
        &client,
        Some(&id),
        json!({ "academicLevelId": c["masters"], "subjectId": c["history"], "citationStyleId": c["apa"] }),
    )
    .await;
    assert_eq!(updated["id"], json!(id));
    // the input replaces the draft's fields: what it leaves out is gone
    assert!(updated["fields"]["topic"].is_null(), "{updated}");
    assert!(updated["fields"]["pages"].is_null());
    assert!(updated["fields"]["tone"].is_null());
    assert_eq!(updated["fields"]["academicLevelId"], json!(c["masters"]));
    assert_eq!(updated["fields"]["subjectId"], json!(c["history"]));
    assert_eq!(updated["fields"]["citationStyleId"], json!(c["apa"]));
    assert_eq!(strings(&updated["missingFields"]), vec!["topic", "paperTypeId", "workTypeId", "pages", "deadline"]);
    assert_eq!(updated["createdAt"], "2026-11-21T12:00:00Z");
    assert_eq!(updated["updatedAt"], "2026-11-21T12:10:00Z");

    // and that is what is stored
    let stored = open(&app, &client, &id).await;
    assert_eq!(stored["data"]["orderDraft"]["fields"], updated["fields"], "{stored}");
    assert_eq!(app.count("order_drafts").await, 1);
}

#[tokio::test]
async fn the_estimated_price_appears_once_the_pricing_fields_are_set() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let mut full = first_example(&app, &c);
    // a price needs neither a topic nor a paper type
    full.as_object_mut().unwrap().remove("topic");
    full.as_object_mut().unwrap().remove("paperTypeId");

    let draft = saved(&app, &client, None, json!({})).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert!(draft["estimatedPrice"].is_null());
    assert_eq!(draft["missingFields"].as_array().unwrap().len(), 7);

    for missing in ["academicLevelId", "subjectId", "workTypeId", "pages", "deadline"] {
        let mut input = full.clone();
        input.as_object_mut().unwrap().remove(missing);
        let draft = saved(&app, &client, Some(&id), input).await;
        assert!(draft["estimatedPrice"].is_null(), "without {missing}: {draft}");
        assert!(strings(&draft["missingFields"]).contains(&missing), "{draft}");
    }

    let draft = saved(&app, &client, Some(&id), full.clone()).await;
    assert_eq!(draft["estimatedPrice"], "80.49", "{draft}");
    assert_eq!(strings(&draft["missingFields"]), vec!["topic", "paperTypeId"]);

    // the same as the quote for those fields
    let quote = app
        .gql("query($i: OrderSpecInput!) { quote(input: $i) { total } }")
        .vars(json!({ "i": first_example(&app, &c) }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(quote["data"]["quote"]["total"], draft["estimatedPrice"], "{quote}");
}

#[tokio::test]
async fn opening_a_draft_records_when_it_was_last_viewed() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let draft = saved(&app, &client, None, json!({ "topic": "Bees" })).await;
    let id = draft["id"].as_str().unwrap().to_owned();

    app.clock.advance(chrono::Duration::hours(1));
    let body = open(&app, &client, &id).await;
    assert_eq!(body["data"]["orderDraft"]["lastViewedAt"], "2026-11-21T13:00:00Z", "{body}");
    // viewing is not editing
    assert_eq!(body["data"]["orderDraft"]["updatedAt"], "2026-11-21T12:00:00Z");

    app.clock.advance(chrono::Duration::hours(1));
    let list = app.gql("{ orderDrafts { nodes { id lastViewedAt } } }").tenant("essays").token(&client).send().await;
    // listing does not count as opening
    assert_eq!(
        list["data"]["orderDrafts"]["nodes"],
        json!([{ "id": id, "lastViewedAt": "2026-11-21T13:00:00Z" }]),
        "{list}"
    );
    let body = open(&app, &client, &id).await;
    assert_eq!(body["data"]["orderDraft"]["lastViewedAt"], "2026-11-21T14:00:00Z", "{body}");
}

#[tokio::test]
async fn order_drafts_lists_only_the_viewers_own() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let other = another_client(&app).await;
    let first = saved(&app, &client, None, json!({ "topic": "One" })).await["id"].clone();
    let second = saved(&app, &client, None, json!({ "topic": "Two" })).await["id"].clone();
    let theirs = saved(&app, &other, None, json!({ "topic": "Theirs" })).await["id"].clone();

    let q = "{ orderDrafts { totalCount nodes { id fields { topic } } } }";
    let mine = app.gql(q).tenant("essays").token(&client).send().await;
    assert_eq!(mine["data"]["orderDrafts"]["totalCount"], 2, "{mine}");
    // newest first
    assert_eq!(
        mine["data"]["orderDrafts"]["nodes"],
        json!([{ "id": second, "fields": { "topic": "Two" } }, { "id": first, "fields": { "topic": "One" } }])
    );
    let body = app.gql(q).tenant("essays").token(&other).send().await;
    assert_eq!(
        body["data"]["orderDrafts"]["nodes"],
        json!([{ "id": theirs, "fields": { "topic": "Theirs" } }]),
        "{body}"
    );
    let papers = app.sign_in("papers", "client@papers.test").await;
    let body = app.gql(q).tenant("papers").token(&papers).send().await;
    assert_eq!(body["data"]["orderDrafts"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn a_deleted_draft_is_gone() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let keep = saved(&app, &client, None, json!({ "topic": "Keep" })).await["id"].as_str().unwrap().to_owned();
    let id = saved(&app, &client, None, json!({ "topic": "Drop" })).await["id"].as_str().unwrap().to_owned();
    let delete = "mutation($id: ID!) { deleteOrderDraft(id: $id) }";

    let body = app.gql(delete).vars(json!({ "id": id })).tenant("essays").token(&client).send().await;
    assert_eq!(body["data"]["deleteOrderDraft"], true, "{body}");
    assert_eq!(code(&open(&app, &client, &id).await), "NOT_FOUND");
    assert_eq!(app.count("order_drafts").await, 1);
    let again = app.gql(delete).vars(json!({ "id": id })).tenant("essays").token(&client).send().await;
    assert_eq!(code(&again), "NOT_FOUND", "{again}");
    assert!(open(&app, &client, &keep).await["errors"].is_null());
}

#[tokio::test]
async fn converting_an_incomplete_draft_names_the_first_missing_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    for (missing, first) in [("topic", "topic"), ("paperTypeId", "paperTypeId"), ("deadline", "deadline")] {
        let mut input = first_example(&app, &c);
        input.as_object_mut().unwrap().remove(missing);
        let id = saved(&app, &client, None, input).await["id"].as_str().unwrap().to_owned();
        let body = convert(&app, &client, &id, None).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), first, "{body}");
        assert!(open(&app, &client, &id).await["errors"].is_null(), "the draft stays");
    }
    // several missing: the first in form order is named
    let id = saved(&app, &client, None, json!({ "pages": 2 })).await["id"].as_str().unwrap().to_owned();
    let body = convert(&app, &client, &id, Some("convert-1")).await;
    assert_eq!(field(&body), "topic", "{body}");
    assert_eq!(app.count("orders").await, 0);
    assert_eq!(app.count("order_events").await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);
    assert_eq!(app.count("order_drafts").await, 4);
}

#[tokio::test]
async fn converting_a_complete_draft_places_an_unpaid_order_and_removes_the_draft() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let draft = saved(&app, &client, None, first_example(&app, &c)).await;
    assert!(draft["missingFields"].as_array().unwrap().is_empty(), "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();

    let body = convert(&app, &client, &id, None).await;
    let order = &body["data"]["convertOrderDraft"];
    assert_eq!(order["status"], "UNPAID", "{body}");
    assert_eq!(order["paymentStatus"], "UNPAID");
    assert_eq!(order["total"], draft["estimatedPrice"]);
    assert_eq!(order["total"], "80.49");
    assert_eq!(order["topic"], "The French Revolution");
    assert_eq!(order["pages"], 3);

    assert_eq!(code(&open(&app, &client, &id).await), "NOT_FOUND");
    assert_eq!(app.count("order_drafts").await, 0);
    assert_eq!(app.count("orders").await, 1);
    let listed = app.gql("{ orders { nodes { id } } }").tenant("essays").token(&client).send().await;
    assert_eq!(listed["data"]["orders"]["nodes"], json!([{ "id": order["id"] }]), "{listed}");
}

#[tokio::test]
async fn converting_twice_with_one_key_returns_the_same_order() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let id = saved(&app, &client, None, first_example(&app, &c)).await["id"].as_str().unwrap().to_owned();

    let first = convert(&app, &client, &id, Some("convert-1")).await;
    let second = convert(&app, &client, &id, Some("convert-1")).await;
    let order = first["data"]["convertOrderDraft"]["id"].as_str().unwrap_or_else(|| panic!("{first}"));
    assert_eq!(second["data"]["convertOrderDraft"]["id"], order, "{second}");
    assert_eq!(app.count("orders").await, 1);
    // without the key, the draft is gone
    let third = convert(&app, &client, &id, None).await;
    assert_eq!(code(&third), "NOT_FOUND", "{third}");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn presets_are_created_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;

    let body = create_preset(
        &app,
        &client,
        json!({ "name": "Essays", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "citationStyleId": c["apa"], "spacing": "SINGLE", "references": 5 }),
    )
    .await;
    let essays = &body["data"]["createOrderPreset"];
    assert_eq!(essays["name"], "Essays", "{body}");
    assert_eq!(essays["isDefault"], false);
    assert_eq!(essays["usageCount"], 0);
    assert_eq!(essays["fields"]["paperTypeId"], json!(c["essay"]));
    assert_eq!(essays["fields"]["citationStyleId"], json!(c["apa"]));
    assert_eq!(essays["fields"]["spacing"], "SINGLE");
    assert_eq!(essays["fields"]["references"], 5);
    let essays_id = essays["id"].as_str().unwrap().to_owned();
    let research =
        preset_id(&app, &client, json!({ "name": "Research", "paperTypeId": c["research_paper"], "isDefault": true }))
            .await;

    let list = presets(&app, &client).await;
    let names: Vec<(&Value, &Value)> = list.iter().map(|p| (&p["name"], &p["isDefault"])).collect();
    // the default first
    assert_eq!(names, vec![(&json!("Research"), &json!(true)), (&json!("Essays"), &json!(false))]);

    let update =
        format!("mutation($id: ID!, $i: OrderPresetInput!) {{ updateOrderPreset(id: $id, input: $i) {{ {PRESET} }} }}");
    let body = app
        .gql(&update)
        .vars(json!({ "id": essays_id, "i": preset_input(json!({ "name": "History essays", "paperTypeId": c["essay"], "subjectId": c["history"] })) }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    let updated = &body["data"]["updateOrderPreset"];
    assert_eq!(updated["name"], "History essays", "{body}");
    assert_eq!(updated["fields"]["subjectId"], json!(c["history"]));
    // replaced, not merged
    assert!(updated["fields"]["academicLevelId"].is_null(), "{body}");
    assert!(updated["fields"]["citationStyleId"].is_null());
    assert!(updated["fields"]["references"].is_null());
    // an update without isDefault leaves the default alone
    assert_eq!(updated["isDefault"], false);
    assert_eq!(presets(&app, &client).await[0]["id"], json!(research));

    let body = app
        .gql("mutation($id: ID!) { deleteOrderPreset(id: $id) }")
        .vars(json!({ "id": research }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(body["data"]["deleteOrderPreset"], true, "{body}");
    let list = presets(&app, &client).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "History essays");
    assert_eq!(app.count("order_presets").await, 1);
}

#[tokio::test]
async fn set_default_leaves_exactly_one_default() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let a = preset_id(&app, &client, json!({ "name": "A", "isDefault": true })).await;
    let b = preset_id(&app, &client, json!({ "name": "B" })).await;
    let c = preset_id(&app, &client, json!({ "name": "C" })).await;
    let defaults = |list: &[Value]| -> Vec<String> {
        list.iter().filter(|p| p["isDefault"] == true).map(|p| p["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(defaults(&presets(&app, &client).await), vec![a.clone()]);

    let set = "mutation($id: ID!) { setDefaultOrderPreset(id: $id) { id isDefault } }";
    for target in [&b, &c, &b] {
        let body = app.gql(set).vars(json!({ "id": target })).tenant("essays").token(&client).send().await;
        assert_eq!(body["data"]["setDefaultOrderPreset"]["isDefault"], true, "{body}");
        let list = presets(&app, &client).await;
        assert_eq!(defaults(&list), vec![target.clone()]);
        assert_eq!(list[0]["id"], json!(target), "the default comes first");
    }
    // creating a new default takes the flag too
    let d = preset_id(&app, &client, json!({ "name": "D", "isDefault": true })).await;
    assert_eq!(defaults(&presets(&app, &client).await), vec![d]);
}

#[tokio::test]
async fn a_duplicate_preset_name_is_a_conflict() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    preset_id(&app, &client, json!({ "name": "Mine" })).await;
    let other = preset_id(&app, &client, json!({ "name": "Other" })).await;

    let body = create_preset(&app, &client, json!({ "name": "Mine" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(field(&body), "name");
    let body = app
        .gql("mutation($id: ID!, $i: OrderPresetInput!) { updateOrderPreset(id: $id, input: $i) { name } }")
        .vars(json!({ "id": other, "i": { "name": "Mine" } }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let names: Vec<Value> = presets(&app, &client).await.iter().map(|p| p["name"].clone()).collect();
    assert_eq!(names, vec![json!("Mine"), json!("Other")]);
    assert_eq!(app.count("order_presets").await, 2);

    // the name is the client's own: another client may use it
    let second = another_client(&app).await;
    let body = create_preset(&app, &second, json!({ "name": "Mine" })).await;
    assert_eq!(body["data"]["createOrderPreset"]["name"], "Mine", "{body}");
}

#[tokio::test]
async fn applying_a_preset_copies_its_fields_onto_the_draft_and_counts_the_use() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let draft = saved(
        &app,
        &client,
        None,
        json!({ "topic": "Medieval guilds", "pages": 3, "academicLevelId": c["high_school"], "workTypeId": c["writing"], "tone": "casual" }),
    )
    .await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let preset = preset_id(
        &app,
        &client,
        json!({ "name": "PhD history", "academicLevelId": c["phd"], "subjectId": c["history"], "citationStyleId": c["chicago"], "englishTypeId": c["uk"], "extraServiceIds": [c["summary"]], "writerLevelId": c["expert"] }),
    )
    .await;

    let apply = format!("mutation($p: ID!, $d: ID!) {{ applyOrderPreset(presetId: $p, draftId: $d) {{ {DRAFT} }} }}");
    let body = app.gql(&apply).vars(json!({ "p": preset, "d": draft_id })).tenant("essays").token(&client).send().await;
    let applied = &body["data"]["applyOrderPreset"];
    assert_eq!(applied["id"], json!(draft_id), "{body}");
    let fields = &applied["fields"];
    // the preset's fields win ...
    assert_eq!(fields["academicLevelId"], json!(c["phd"]));
    assert_eq!(fields["subjectId"], json!(c["history"]));
    assert_eq!(fields["citationStyleId"], json!(c["chicago"]));
    assert_eq!(fields["englishTypeId"], json!(c["uk"]));
    assert_eq!(fields["extraServiceIds"], json!([c["summary"]]));
    assert_eq!(fields["writerLevelId"], json!(c["expert"]));
    // ... and the draft keeps what the preset does not set
    assert_eq!(fields["topic"], "Medieval guilds");
    assert_eq!(fields["pages"], 3);
    assert_eq!(fields["workTypeId"], json!(c["writing"]));
    assert_eq!(fields["tone"], "casual");

    let stored = open(&app, &client, &draft_id).await;
    assert_eq!(stored["data"]["orderDraft"]["fields"], *fields, "{stored}");
    assert_eq!(presets(&app, &client).await[0]["usageCount"], 1);
    app.gql(&apply).vars(json!({ "p": preset, "d": draft_id })).tenant("essays").token(&client).send().await;
    assert_eq!(presets(&app, &client).await[0]["usageCount"], 2);
}

#[tokio::test]
async fn with_drafts_turned_off_saving_a_draft_is_forbidden() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let existing = saved(&app, &client, None, json!({ "topic": "Before" })).await["id"].as_str().unwrap().to_owned();
    set_toggles(&app, json!({ "drafts": false })).await;

    let body = save(&app, &client, None, json!({ "topic": "After" })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED");
    for body in [
        save(&app, &client, Some(&existing), json!({ "topic": "Changed" })).await,
        open(&app, &client, &existing).await,
        app.gql("{ orderDrafts { totalCount } }").tenant("essays").token(&client).send().await,
        convert(&app, &client, &existing, None).await,
    ] {
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED", "{body}");
    }
    assert_eq!(app.count("order_drafts").await, 1);
    assert_eq!(app.count("orders").await, 0);

    // on again, the draft is as it was
    set_toggles(&app, json!({ "drafts": true })).await;
    assert_eq!(open(&app, &client, &existing).await["data"]["orderDraft"]["fields"]["topic"], "Before");
    // the other tenant was never affected
    let papers = app.sign_in("papers", "client@papers.test").await;
    let body = app
        .gql("mutation { saveOrderDraft(input: {topic: \"Elsewhere\"}) { id } }")
        .tenant("papers")
        .token(&papers)
        .send()
        .await;
    assert!(body["data"]["saveOrderDraft"]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn with_presets_turned_off_presets_are_forbidden() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let existing = preset_id(&app, &client, json!({ "name": "Before" })).await;
    let draft = saved(&app, &client, None, json!({ "topic": "A draft" })).await["id"].as_str().unwrap().to_owned();
    set_toggles(&app, json!({ "presets": false })).await;

    for body in [
        create_preset(&app, &client, json!({ "name": "After" })).await,
        app.gql("{ orderPresets { id } }").tenant("essays").token(&client).send().await,
        app.gql("mutation($id: ID!) { setDefaultOrderPreset(id: $id) { id } }")
            .vars(json!({ "id": existing }))
            .tenant("essays")
            .token(&client)
            .send()
            .await,
        app.gql("mutation($p: ID!, $d: ID!) { applyOrderPreset(presetId: $p, draftId: $d) { id } }")
            .vars(json!({ "p": existing, "d": draft }))
            .tenant("essays")
            .token(&client)
            .send()
            .await,
        app.gql("mutation($id: ID!) { deleteOrderPreset(id: $id) }")
            .vars(json!({ "id": existing }))
            .tenant("essays")
            .token(&client)
            .send()
            .await,
    ] {
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED", "{body}");
    }
    assert_eq!(app.count("order_presets").await, 1);
    // drafts still work
    assert!(save(&app, &client, None, json!({ "topic": "Still fine" })).await["errors"].is_null());

    set_toggles(&app, json!({ "presets": true })).await;
    let list = presets(&app, &client).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["usageCount"], 0);
    assert_eq!(list[0]["isDefault"], false);
}

#[tokio::test]
async fn bad_draft_input_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let other = app.catalog("papers").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let cases: Vec<(&str, Value)> = vec![
        ("pages", json!(0)),
        ("pages", json!(-3)),
        ("slides", json!(-1)),
        ("topic", json!("  ")),
        ("academicLevelId", json!(other["phd"])),
        ("subjectId", json!(c["writing"])),
        ("paperTypeId", json!("not-an-id")),
        ("writerLevelId", json!(uuid::Uuid::now_v7().to_string())),
        ("extraServiceIds", json!([c["summary"], other["summary"]])),
        ("preferredWriterId", json!(app.user_id("essays", "client@essays.test").await)),
    ];
    for (name, value) in &cases {
        let body = save(&app, &client, None, json!({ "topic": "Fine", name.to_owned(): value })).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{name}: {body}");
        assert_eq!(field(&body), *name, "{body}");
    }
    assert_eq!(app.count("order_drafts").await, 0);

    // an update with bad input leaves the draft as it was
    let draft = saved(&app, &client, None, json!({ "topic": "Kept", "pages": 2 })).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    for (name, value) in &cases {
        let body = save(&app, &client, Some(&id), json!({ name.to_owned(): value })).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{name}: {body}");
        assert_eq!(field(&body), *name, "{body}");
    }
    let stored = open(&app, &client, &id).await;
    assert_eq!(stored["data"]["orderDraft"]["fields"], draft["fields"], "{stored}");
    assert_eq!(app.count("order_drafts").await, 1);

    // presets check their fields the same way
    let body = create_preset(&app, &client, json!({ "name": "Bad", "academicLevelId": other["phd"] })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "academicLevelId");
    let body = create_preset(&app, &client, json!({ "name": "  " })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "name");
    assert_eq!(app.count("order_presets").await, 0);
}
