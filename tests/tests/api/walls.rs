use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const ROLES: [&str; 5] = ["client", "writer", "editor", "support", "admin"];
const ORDER: &str = "query($id: ID!) { order(id: $id) { id status topic } }";
const ORDERS: &str = "{ orders(first: 50) { totalCount nodes { id } } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id status } }";
const SAVE_DRAFT: &str =
    "mutation($id: ID, $i: OrderSpecInput!) { saveOrderDraft(id: $id, input: $i) { id fields { topic } } }";
const APPLY: &str = "mutation($p: ID!, $d: ID!) { applyOrderPreset(presetId: $p, draftId: $d) { id } }";
const SET_DEFAULT: &str = "mutation($id: ID!) { setDefaultOrderPreset(id: $id) { id isDefault } }";
const QUOTE: &str = "query($i: OrderSpecInput!) { quote(input: $i) { total } }";

fn spec(app: &TestApp, c: &HashMap<String, String>, topic: &str) -> Value {
    json!({
        "topic": topic, "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 3, "spacing": "DOUBLE",
        "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

async fn send(app: &TestApp, tenant: &str, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant(tenant).token(token).send().await
}

/// Must succeed; returns `data`.
async fn ok(app: &TestApp, tenant: &str, token: &str, query: &str, vars: Value) -> Value {
    let body = send(app, tenant, token, query, vars).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

async fn place(app: &TestApp, tenant: &str, token: &str, topic: &str) -> String {
    let c = app.catalog(tenant).await;
    let data = ok(
        app,
        tenant,
        token,
        "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
        json!({ "i": spec(app, &c, topic) }),
    )
    .await;
    data["placeOrder"]["id"].as_str().unwrap().to_owned()
}

async fn draft(app: &TestApp, tenant: &str, token: &str, topic: &str) -> String {
    let data = ok(app, tenant, token, SAVE_DRAFT, json!({ "i": { "topic": topic } })).await;
    data["saveOrderDraft"]["id"].as_str().unwrap().to_owned()
}

async fn preset(app: &TestApp, tenant: &str, token: &str, name: &str) -> String {
    let data = ok(
        app,
        tenant,
        token,
        "mutation($n: String!) { createOrderPreset(input: {name: $n}) { id } }",
        json!({ "n": name }),
    )
    .await;
    data["createOrderPreset"]["id"].as_str().unwrap().to_owned()
}

async fn sign_in_all(app: &TestApp, tenant: &str) -> HashMap<&'static str, String> {
    let mut tokens = HashMap::new();
    for role in ROLES {
        tokens.insert(role, app.sign_in(tenant, &format!("{role}@{tenant}.test")).await);
    }
    tokens
}

async fn another_user(app: &TestApp, email: &str, role: &str) -> (String, String) {
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let data = ok(
        app,
        "essays",
        &admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "displayName": format!("Another {role}"), "email": email, "password": "another-password-1", "role": role } }),
    )
    .await;
    (
        app.sign_in_with("essays", email, "another-password-1").await,
        data["createUser"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn order_ids(app: &TestApp, tenant: &str, token: &str) -> (i64, BTreeSet<String>) {
    let data = ok(app, tenant, token, ORDERS, json!({})).await;
    let ids =
        data["orders"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    (data["orders"]["totalCount"].as_i64().unwrap(), ids)
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

#[tokio::test]
async fn orders_of_another_tenant_are_not_found_for_every_role() {
    let app = TestApp::spawn().await;
    let papers_client = app.sign_in("papers", "client@papers.test").await;
    let theirs = place(&app, "papers", &papers_client, "Their order").await;
    let mut tokens: Vec<(String, String)> =
        sign_in_all(&app, "essays").await.into_iter().map(|(r, t)| (r.to_owned(), t)).collect();
    tokens.push(("superadmin".into(), app.sign_in("essays", "superadmin@scriptorium.test").await));

    for (role, token) in &tokens {
        let body = send(&app, "essays", token, ORDER, json!({ "id": theirs })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{role}: {body}");
        for action in ["MARK_PAID", "CANCEL", "HOLD"] {
            let body = send(&app, "essays", token, ACT, json!({ "id": theirs, "a": action })).await;
            assert_eq!(code(&body), "NOT_FOUND", "{role} {action}: {body}");
        }
        let (_, ids) = order_ids(&app, "essays", token).await;
        assert!(!ids.contains(&theirs), "{role}");
    }
    let papers_admin = app.sign_in("papers", "admin@papers.test").await;
    let data = ok(
        &app,
        "papers",
        &papers_admin,
        "query($id: ID!) { order(id: $id) { status timeline { kind } } }",
        json!({ "id": theirs }),
    )
    .await;
    assert_eq!(data["order"], json!({ "status": "UNPAID", "timeline": [{ "kind": "PLACED" }] }));
}

#[tokio::test]
async fn drafts_and_presets_of_another_tenant_are_not_found() {
    let app = TestApp::spawn().await;
    let papers_client = app.sign_in("papers", "client@papers.test").await;
    let their_draft = draft(&app, "papers", &papers_client, "Their draft").await;
    let their_preset = preset(&app, "papers", &papers_client, "Their preset").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let my_draft = draft(&app, "essays", &client, "My draft").await;
    let my_preset = preset(&app, "essays", &client, "My preset").await;

    let attempts = [
        (SAVE_DRAFT, json!({ "id": their_draft, "i": { "topic": "Hijacked" } })),
        ("query($id: ID!) { orderDraft(id: $id) { id } }", json!({ "id": their_draft })),
        ("mutation($id: ID!) { deleteOrderDraft(id: $id) }", json!({ "id": their_draft })),
        ("mutation($id: ID!) { convertOrderDraft(id: $id) { id } }", json!({ "id": their_draft })),
        (APPLY, json!({ "p": their_preset, "d": my_draft })),
        (APPLY, json!({ "p": my_preset, "d": their_draft })),
        (SET_DEFAULT, json!({ "id": their_preset })),
        (
            "mutation($id: ID!) { updateOrderPreset(id: $id, input: {name: \"Hijacked\"}) { id } }",
            json!({ "id": their_preset }),
        ),
        ("mutation($id: ID!) { deleteOrderPreset(id: $id) }", json!({ "id": their_preset })),
    ];
    for (query, vars) in &attempts {
        let body = send(&app, "essays", &client, query, vars.clone()).await;
        assert_eq!(code(&body), "NOT_FOUND", "{query}: {body}");
    }
    // staff have no drafts or presets at all: the same refusal whether the id exists or not
    let tokens = sign_in_all(&app, "essays").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    for role in ["writer", "editor", "support", "admin"] {
        for (query, vars) in [
            (SAVE_DRAFT, json!({ "id": their_draft, "i": { "topic": "Hijacked" } })),
            (APPLY, json!({ "p": their_preset, "d": their_draft })),
            (SET_DEFAULT, json!({ "id": their_preset })),
        ] {
            let existing = send(&app, "essays", &tokens[role], query, vars.clone()).await;
            let missing_vars = serde_json::from_str::<Value>(
                &vars.to_string().replace(&their_draft, &unknown).replace(&their_preset, &unknown),
            )
            .unwrap();
            let missing = send(&app, "essays", &tokens[role], query, missing_vars).await;
            assert!(!code(&existing).is_empty(), "{role}: {existing}");
            assert_eq!(code(&existing), code(&missing), "{role}: {existing} vs {missing}");
            assert!(matches!(code(&existing), "NOT_FOUND" | "FORBIDDEN"), "{role}: {existing}");
        }
    }

    // nothing of theirs changed
    let data = ok(
        &app,
        "papers",
        &papers_client,
        "query($id: ID!) { orderDraft(id: $id) { fields { topic } } }",
        json!({ "id": their_draft }),
    )
    .await;
    assert_eq!(data["orderDraft"]["fields"]["topic"], "Their draft");
    let data = ok(&app, "papers", &papers_client, "{ orderPresets { name isDefault usageCount } }", json!({})).await;
    assert_eq!(data["orderPresets"], json!([{ "name": "Their preset", "isDefault": false, "usageCount": 0 }]));
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn another_clients_order_draft_and_preset_are_not_found() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (other, _) = another_user(&app, "client2@essays.test", "CLIENT").await;
    let order = place(&app, "essays", &client, "Mine").await;
    let my_draft = draft(&app, "essays", &client, "My draft").await;
    let my_preset = preset(&app, "essays", &client, "My preset").await;
    let their_draft = draft(&app, "essays", &other, "Their draft").await;

    let attempts = [
        (ORDER, json!({ "id": order })),
        (ACT, json!({ "id": order, "a": "CANCEL" })),
        (SAVE_DRAFT, json!({ "id": my_draft, "i": { "topic": "Hijacked" } })),
        ("query($id: ID!) { orderDraft(id: $id) { id } }", json!({ "id": my_draft })),
        ("mutation($id: ID!) { deleteOrderDraft(id: $id) }", json!({ "id": my_draft })),
        ("mutation($id: ID!) { convertOrderDraft(id: $id) { id } }", json!({ "id": my_draft })),
        (APPLY, json!({ "p": my_preset, "d": their_draft })),
        (SET_DEFAULT, json!({ "id": my_preset })),
        (
            "mutation($id: ID!) { updateOrderPreset(id: $id, input: {name: \"Hijacked\"}) { id } }",
            json!({ "id": my_preset }),
        ),
        ("mutation($id: ID!) { deleteOrderPreset(id: $id) }", json!({ "id": my_preset })),
    ];
    for (query, vars) in &attempts {
        let body = send(&app, "essays", &other, query, vars.clone()).await;
        assert_eq!(code(&body), "NOT_FOUND", "{query}: {body}");
    }
    let (count, _) = order_ids(&app, "essays", &other).await;
    assert_eq!(count, 0);
    let data = ok(&app, "essays", &other, "{ orderDrafts { nodes { id } } orderPresets { id } }", json!({})).await;
    assert_eq!(data["orderDrafts"]["nodes"], json!([{ "id": their_draft }]));
    assert_eq!(data["orderPresets"], json!([]));

    // all of it is still the first client's, unchanged
    let data = ok(&app, "essays", &client, ORDER, json!({ "id": order })).await;
    assert_eq!(data["order"]["status"], "UNPAID");
    let data = ok(
        &app,
        "essays",
        &client,
        "query($id: ID!) { orderDraft(id: $id) { fields { topic } } }",
        json!({ "id": my_draft }),
    )
    .await;
    assert_eq!(data["orderDraft"]["fields"]["topic"], "My draft");
    let data = ok(&app, "essays", &client, "{ orderPresets { name isDefault usageCount } }", json!({})).await;
    assert_eq!(data["orderPresets"], json!([{ "name": "My preset", "isDefault": false, "usageCount": 0 }]));
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn writers_see_only_the_orders_assigned_to_them() {
    let app = TestApp::spawn().await;
    let tokens = sign_in_all(&app, "essays").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let (other_writer, _) = another_user(&app, "writer2@essays.test", "WRITER").await;
    let assigned = place(&app, "essays", &tokens["client"], "Assigned").await;
    let unassigned = place(&app, "essays", &tokens["client"], "Unassigned").await;
    for id in [&assigned, &unassigned] {
        ok(&app, "essays", &tokens["admin"], ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
    }
    // nothing is theirs yet
    assert_eq!(order_ids(&app, "essays", &tokens["writer"]).await, (0, BTreeSet::new()));
    ok(
        &app,
        "essays",
        &tokens["admin"],
        "mutation($o: ID!, $w: ID!) { assignWriter(orderId: $o, writerId: $w) { id } }",
        json!({ "o": assigned, "w": writer_id }),
    )
    .await;

    assert_eq!(order_ids(&app, "essays", &tokens["writer"]).await, (1, set(&[&assigned])));
    let data = ok(&app, "essays", &tokens["writer"], ORDER, json!({ "id": assigned })).await;
    assert_eq!(data["order"]["topic"], "Assigned");
    let body = send(&app, "essays", &tokens["writer"], ORDER, json!({ "id": unassigned })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // another writer sees neither
    assert_eq!(order_ids(&app, "essays", &other_writer).await, (0, BTreeSet::new()));
    for id in [&assigned, &unassigned] {
        let body = send(&app, "essays", &other_writer, ORDER, json!({ "id": id })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
    }
}

#[tokio::test]
async fn support_and_admins_see_all_of_their_tenants_orders_and_no_others() {
    let app = TestApp::spawn().await;
    let tokens = sign_in_all(&app, "essays").await;
    let (second_client, _) = another_user(&app, "client2@essays.test", "CLIENT").await;
    let a = place(&app, "essays", &tokens["client"], "A").await;
    let b = place(&app, "essays", &tokens["client"], "B").await;
    let c = place(&app, "essays", &second_client, "C").await;
    let papers_client = app.sign_in("papers", "client@papers.test").await;
    let p = place(&app, "papers", &papers_client, "P").await;

    for role in ["support", "admin"] {
        assert_eq!(order_ids(&app, "essays", &tokens[role]).await, (3, set(&[&a, &b, &c])), "{role}");
        for id in [&a, &b, &c] {
            let data = ok(&app, "essays", &tokens[role], ORDER, json!({ "id": id })).await;
            assert_eq!(data["order"]["id"], json!(id));
        }
        let body = send(&app, "essays", &tokens[role], ORDER, json!({ "id": p })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{role}: {body}");
    }
    let papers = sign_in_all(&app, "papers").await;
    for role in ["support", "admin"] {
        assert_eq!(order_ids(&app, "papers", &papers[role]).await, (1, set(&[&p])), "papers {role}");
    }
}

#[tokio::test]
async fn editors_see_no_orders() {
    let app = TestApp::spawn().await;
    let tokens = sign_in_all(&app, "essays").await;
    let id = place(&app, "essays", &tokens["client"], "Hidden").await;
    ok(&app, "essays", &tokens["admin"], ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
    assert_eq!(order_ids(&app, "essays", &tokens["editor"]).await, (0, BTreeSet::new()));
    let body = send(&app, "essays", &tokens["editor"], ORDER, json!({ "id": id })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn a_clients_orders_are_only_their_own() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (second, _) = another_user(&app, "client2@essays.test", "CLIENT").await;
    let mine = place(&app, "essays", &client, "Mine").await;
    let also_mine = place(&app, "essays", &client, "Also mine").await;
    let theirs = place(&app, "essays", &second, "Theirs").await;

    assert_eq!(order_ids(&app, "essays", &client).await, (2, set(&[&mine, &also_mine])));
    assert_eq!(order_ids(&app, "essays", &second).await, (1, set(&[&theirs])));
    // filters do not widen the wall
    let data = ok(&app, "essays", &second, "{ orders(filter: {search: \"mine\"}) { totalCount } }", json!({})).await;
    assert_eq!(data["orders"]["totalCount"], 0);
}

#[tokio::test]
async fn a_token_is_unauthenticated_under_another_tenant() {
    let app = TestApp::spawn().await;
    let papers_client = app.sign_in("papers", "client@papers.test").await;
    let theirs = place(&app, "papers", &papers_client, "Theirs").await;
    for (role, token) in sign_in_all(&app, "essays").await {
        let body = send(&app, "papers", &token, ORDERS, json!({})).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{role}: {body}");
        let body = send(&app, "papers", &token, ORDER, json!({ "id": theirs })).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{role}: {body}");
        let body = send(&app, "papers", &token, ACT, json!({ "id": theirs, "a": "MARK_PAID" })).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{role}: {body}");
    }
    let papers_admin = app.sign_in("papers", "admin@papers.test").await;
    let data = ok(&app, "papers", &papers_admin, ORDER, json!({ "id": theirs })).await;
    assert_eq!(data["order"]["status"], "UNPAID");
}

#[tokio::test]
async fn clients_read_the_catalogue_but_not_its_pricing_numbers() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let data = ok(
        &app,
        "essays",
        &client,
        "{ orderCatalog { academicLevels { id code name } extraServices { code name } } }",
        json!({}),
    )
    .await;
    let codes: Vec<&str> = data["orderCatalog"]["academicLevels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["high_school", "undergraduate", "masters", "phd"]);

    for query in [
        "{ orderCatalog { academicLevels { code multiplier } } }",
        "{ orderCatalog { extraServices { code amount } } }",
        "{ orderCatalog { extraServices { code percent } } }",
        "{ orderCatalog { writerLevels { code payPerPage } } }",
    ] {
        let body = send(&app, "essays", &client, query, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{query}: {body}");
        // and no number leaks alongside the error
        let text = body["data"].to_string();
        assert!(!text.contains("1.25") && !text.contains("9.99"), "{body}");
    }
    // anonymous visitors neither
    let body = app.gql("{ orderCatalog { academicLevels { multiplier } } }").tenant("essays").send().await;
    assert!(matches!(code(&body), "FORBIDDEN" | "UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn admins_read_the_pricing_numbers() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let data = ok(
        &app,
        "essays",
        &admin,
        "{ orderCatalog { academicLevels { code multiplier } extraServices { code amount percent pricing } writerLevels { code amount payPerPage } } }",
        json!({}),
    )
    .await;
    let find = |list: &str, code: &str| -> Value {
        data["orderCatalog"][list].as_array().unwrap().iter().find(|e| e["code"] == code).cloned().unwrap()
    };
    assert_eq!(find("academicLevels", "undergraduate")["multiplier"], "1.25");
    assert_eq!(find("academicLevels", "phd")["multiplier"], "1.85");
    assert_eq!(find("extraServices", "plagiarism_report")["amount"], "9.99");
    assert_eq!(find("extraServices", "priority_support")["percent"], "10");
    assert_eq!(find("writerLevels", "advanced")["payPerPage"], "7.00");
}

#[tokio::test]
async fn admins_create_update_and_archive_catalogue_entries() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let subjects = "{ orderCatalog { subjects { code name active } } }";

    let data = ok(
        &app,
        "essays",
        &admin,
        "mutation { createCatalogEntry(kind: SUBJECT, input: {code: \"philosophy\", name: \"Philosophy\", technical: false, sortOrder: 9}) { id code name active technical kind } }",
        json!({}),
    )
    .await;
    let entry = &data["createCatalogEntry"];
    assert_eq!(entry["code"], "philosophy");
    assert_eq!(entry["kind"], "SUBJECT");
    assert_eq!(entry["active"], true);
    let id = entry["id"].as_str().unwrap().to_owned();
    let listed = ok(&app, "essays", &client, subjects, json!({})).await;
    assert!(
        listed["orderCatalog"]["subjects"].as_array().unwrap().iter().any(|s| s["code"] == "philosophy"),
        "{listed}"
    );

    let data = ok(
        &app,
        "essays",
        &admin,
        "mutation($id: ID!) { updateCatalogEntry(id: $id, input: {name: \"Philosophy and ethics\", technical: true}) { name technical active } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        data["updateCatalogEntry"],
        json!({ "name": "Philosophy and ethics", "technical": true, "active": true })
    );

    // a quote may use it while it is active
    let c = app.catalog("essays").await;
    let mut input = spec(&app, &c, "Kant");
    input["subjectId"] = json!(id);
    let quoted = send(&app, "essays", &client, QUOTE, json!({ "i": input })).await;
    assert!(quoted["data"]["quote"]["total"].is_string(), "{quoted}");

    let data = ok(
        &app,
        "essays",
        &admin,
        "mutation($id: ID!) { archiveCatalogEntry(id: $id) { active } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(data["archiveCatalogEntry"]["active"], false);

    // gone from the client's catalogue, still listed for admins
    let listed = ok(&app, "essays", &client, subjects, json!({})).await;
    assert!(
        !listed["orderCatalog"]["subjects"].as_array().unwrap().iter().any(|s| s["code"] == "philosophy"),
        "{listed}"
    );
    assert_eq!(listed["orderCatalog"]["subjects"].as_array().unwrap().len(), 4);
    let listed = ok(&app, "essays", &admin, subjects, json!({})).await;
    let archived =
        listed["orderCatalog"]["subjects"].as_array().unwrap().iter().find(|s| s["code"] == "philosophy").cloned();
    assert_eq!(archived, Some(json!({ "code": "philosophy", "name": "Philosophy and ethics", "active": false })));

    // and it can no longer be quoted or ordered
    let body = send(&app, "essays", &client, QUOTE, json!({ "i": input })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "subjectId");
    let body = send(
        &app,
        "essays",
        &client,
        "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
        json!({ "i": input }),
    )
    .await;
    assert_eq!(field(&body), "subjectId", "{body}");
    assert_eq!(app.count("orders").await, 0);

    // archiving a demo entry works the same way
    ok(
        &app,
        "essays",
        &admin,
        "mutation($id: ID!) { archiveCatalogEntry(id: $id) { id } }",
        json!({ "id": c["plagiarism_report"] }),
    )
    .await;
    let body = send(&app, "essays", &client, QUOTE, json!({ "i": spec(&app, &c, "Kant") })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "extraServiceIds");
}

#[tokio::test]
async fn clients_cannot_edit_the_catalogue_or_pricing() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let tokens = sign_in_all(&app, "essays").await;
    let before = app.count("catalog_items").await;
    for role in ["client", "writer", "support"] {
        let token = &tokens[role];
        for (query, vars) in [
            ("mutation { createCatalogEntry(kind: SUBJECT, input: {code: \"law\", name: \"Law\"}) { id } }", json!({})),
            (
                "mutation($id: ID!) { updateCatalogEntry(id: $id, input: {name: \"Cheap\", multiplier: \"0.1\"}) { id } }",
                json!({ "id": c["phd"] }),
            ),
            ("mutation($id: ID!) { archiveCatalogEntry(id: $id) { id } }", json!({ "id": c["phd"] })),
            ("mutation { updatePricingSettings(input: {pricePerPage: \"1.00\"}) { pricePerPage } }", json!({})),
        ] {
            let body = send(&app, "essays", token, query, vars).await;
            assert_eq!(code(&body), "FORBIDDEN", "{role}: {query}: {body}");
        }
    }
    assert_eq!(app.count("catalog_items").await, before);
    // prices are as they were
    let body = send(&app, "essays", &tokens["client"], QUOTE, json!({ "i": spec(&app, &c, "Same") })).await;
    assert_eq!(body["data"]["quote"]["total"], "80.49", "{body}");
    let admin =
        ok(&app, "essays", &tokens["admin"], "{ orderCatalog { academicLevels { code name multiplier } } }", json!({}))
            .await;
    let phd = admin["orderCatalog"]["academicLevels"].as_array().unwrap().iter().find(|e| e["code"] == "phd").cloned();
    assert_eq!(phd, Some(json!({ "code": "phd", "name": "PhD", "multiplier": "1.85" })));
}

#[tokio::test]
async fn a_duplicate_catalogue_code_is_a_conflict() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let before = app.count("catalog_items").await;

    let body = send(
        &app,
        "essays",
        &admin,
        "mutation { createCatalogEntry(kind: PAPER_TYPE, input: {code: \"essay\", name: \"Another essay\"}) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(field(&body), "code");
    let body = send(
        &app,
        "essays",
        &admin,
        "mutation($id: ID!) { updateCatalogEntry(id: $id, input: {code: \"essay\"}) { id } }",
        json!({ "id": c["case_study"] }),
    )
    .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(app.count("catalog_items").await, before);
    let data = ok(&app, "essays", &admin, "{ orderCatalog { paperTypes { code } } }", json!({})).await;
    let codes: Vec<&str> =
        data["orderCatalog"]["paperTypes"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["essay", "research_paper", "case_study", "presentation"]);

    // the same code in another tenant is fine
    let papers_admin = app.sign_in("papers", "admin@papers.test").await;
    let data = ok(
        &app,
        "papers",
        &papers_admin,
        "mutation { createCatalogEntry(kind: SUBJECT, input: {code: \"law\", name: \"Law\"}) { code } }",
        json!({}),
    )
    .await;
    assert_eq!(data["createCatalogEntry"]["code"], "law");
    let data = ok(
        &app,
        "essays",
        &admin,
        "mutation { createCatalogEntry(kind: SUBJECT, input: {code: \"law\", name: \"Law\"}) { code } }",
        json!({}),
    )
    .await;
    assert_eq!(data["createCatalogEntry"]["code"], "law");
}
