//! Writers' portfolios (the `portfolios` feature): opt-in, shown as the writer chooses, with
//! samples, record and public feedback; never a client's name, an order id or private feedback.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const PORTFOLIO: &str = "query($w: ID!) { writerPortfolio(writerId: $w) { writerId displayName visibility bio specialties samples { title excerpt } stats { completedOrders onTimeRate averageRating } badges { code } reviews { quality comment } } }";
const UPDATE: &str =
    "mutation($i: WriterPortfolioInput!) { updateWriterPortfolio(input: $i) { visibility bio specialties } }";
const SAMPLE: &str = "mutation($i: PortfolioSampleInput!) { addPortfolioSample(input: $i) { id title } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";

async fn as_(app: &TestApp, token: Option<&str>, query: &str, vars: Value) -> Value {
    let request = app.gql(query).vars(vars).tenant("essays");
    match token {
        Some(token) => request.token(token).send().await,
        None => request.send().await,
    }
}

#[tokio::test]
async fn a_portfolio_is_shown_as_the_writer_chooses_and_never_names_a_client_or_an_order() {
    let app = TestApp::spawn().await;
    app.roomy_writer_levels("essays").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let w = json!({ "w": writer_id });

    // not opted in: no one finds it, not even the writer
    for token in [Some(writer.as_str()), Some(admin.as_str()), None] {
        let none = as_(&app, token, PORTFOLIO, w.clone()).await;
        assert_eq!(code(&none), "NOT_FOUND", "{none}");
    }

    // opted in, private: the writer and staff only
    let opted = as_(
        &app,
        Some(&writer),
        UPDATE,
        json!({ "i": { "bio": "Ten years of essays", "specialties": ["History", "Economics"] } }),
    )
    .await;
    assert_eq!(opted["data"]["updateWriterPortfolio"]["visibility"], "PRIVATE", "{opted}");
    let bad = as_(&app, Some(&writer), SAMPLE, json!({ "i": { "title": " ", "excerpt": "text" } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.title"), "{bad}");
    let bad = as_(&app, Some(&writer), UPDATE, json!({ "i": { "bio": "changed", "specialties": ["ok", " "] } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.specialties"), "{bad}");
    assert_eq!(app.count("portfolio_samples").await, 0, "nothing written on bad input");
    let sample = as_(
        &app,
        Some(&writer),
        SAMPLE,
        json!({ "i": { "title": "On lighthouses", "excerpt": "Coase argued that lighthouses..." } }),
    )
    .await;
    assert!(sample["errors"].is_null(), "{sample}");
    assert_eq!(code(&as_(&app, Some(&client), PORTFOLIO, w.clone()).await), "NOT_FOUND");
    assert_eq!(code(&as_(&app, None, PORTFOLIO, w.clone()).await), "NOT_FOUND");
    let staff = as_(&app, Some(&admin), PORTFOLIO, w.clone()).await;
    assert_eq!(staff["data"]["writerPortfolio"]["bio"], "Ten years of essays", "{staff}");

    // a completed order with public and private feedback from its client
    let c = app.catalog("essays").await;
    let spec = json!({ "topic": "A client's secret topic", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72) });
    let mut orders = Vec::new();
    for _ in 0..2 {
        let placed = as_(
            &app,
            Some(&client),
            "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
            json!({ "i": spec }),
        )
        .await;
        let id = placed["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{placed}")).to_owned();
        as_(&app, Some(&admin), ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
        as_(
            &app,
            Some(&admin),
            "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }",
            json!({ "id": id, "w": writer_id }),
        )
        .await;
        as_(&app, Some(&writer), ACT, json!({ "id": id, "a": "ACCEPT_ASSIGNMENT" })).await;
        as_(&app, Some(&writer), ACT, json!({ "id": id, "a": "SUBMIT" })).await;
        as_(&app, Some(&client), ACT, json!({ "id": id, "a": "APPROVE" })).await;
        orders.push(id);
    }
    let leave = "mutation($id: ID!, $i: WriterFeedbackInput!) { leaveWriterFeedback(orderId: $id, input: $i) { id } }";
    let public = as_(&app, Some(&client), leave, json!({ "id": orders[0], "i": { "quality": 5, "communication": 5, "timeliness": 5, "followingInstructions": 5, "comment": "Superb work", "public": true } })).await;
    assert!(public["errors"].is_null(), "{public}");
    let private = as_(&app, Some(&client), leave, json!({ "id": orders[1], "i": { "quality": 1, "communication": 1, "timeliness": 1, "followingInstructions": 1, "comment": "PRIVATE-COMPLAINT", "public": false } })).await;
    assert!(private["errors"].is_null(), "{private}");

    // public: anyone on the site's host, signed out too
    as_(&app, Some(&writer), UPDATE, json!({ "i": { "visibility": "PUBLIC" } })).await;
    let shown = as_(&app, None, PORTFOLIO, w.clone()).await;
    let p = &shown["data"]["writerPortfolio"];
    assert_eq!(p["stats"]["completedOrders"], 2, "{shown}");
    assert_eq!(
        p["stats"]["averageRating"], 5.0,
        "the average of public ratings only (the private 1s stay private): {shown}"
    );
    assert_eq!(p["badges"], json!([]), "no badge before the hourly job: {shown}");
    assert_eq!(p["reviews"].as_array().map(Vec::len), Some(1), "only public feedback: {shown}");
    assert_eq!(p["reviews"][0]["comment"], "Superb work");
    assert_eq!(p["samples"][0]["title"], "On lighthouses");
    // the privacy filter, by what it shows: no client, no order, no private feedback
    let text = shown.to_string();
    for secret in
        ["Demo Client", "client@essays.test", "A client's secret topic", "PRIVATE-COMPLAINT", &orders[0], &orders[1]]
    {
        assert!(!text.contains(secret), "{secret} leaked: {shown}");
    }
    // and field by field: a new field of a portfolio's types must be decided here
    let expected: &[(&str, &[&str])] = &[
        (
            "WriterPortfolio",
            &["writerId", "displayName", "visibility", "bio", "specialties", "samples", "stats", "badges", "reviews"],
        ),
        ("PortfolioSample", &["id", "title", "subjectId", "workTypeId", "excerpt", "createdAt", "file"]),
        // the writer's own upload: its name and a signed URL, nothing of an order
        ("PortfolioFile", &["name", "size", "contentType", "url"]),
        ("PortfolioStats", &["completedOrders", "onTimeRate", "averageRating"]),
        ("PortfolioBadge", &["code", "name", "awardedAt"]),
        (
            "PortfolioReview",
            &["quality", "communication", "timeliness", "followingInstructions", "comment", "createdAt"],
        ),
    ];
    for (name, fields) in expected {
        let body = app
            .gql("query($n: String!) { __type(name: $n) { fields { name } } }")
            .vars(json!({ "n": name }))
            .tenant("essays")
            .token(&admin)
            .send()
            .await;
        let have: BTreeSet<&str> = body["data"]["__type"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(have, fields.iter().copied().collect::<BTreeSet<_>>(), "{name}");
    }

    // the bio was left as it was by the refused update
    assert_eq!(p["bio"], "Ten years of essays");

    // clients only: the site's signed-in clients, not signed-out visitors nor other writers
    as_(&app, Some(&writer), UPDATE, json!({ "i": { "visibility": "CLIENTS" } })).await;
    assert_eq!(code(&as_(&app, None, PORTFOLIO, w.clone()).await), "NOT_FOUND");
    assert!(as_(&app, Some(&client), PORTFOLIO, w.clone()).await["errors"].is_null());
    let created = as_(&app, Some(&admin), "mutation { createUser(input: { displayName: \"Rival\", email: \"rival@essays.test\", password: \"rival-password-1\", role: WRITER }) { id } }", json!({})).await;
    assert!(created["errors"].is_null(), "{created}");
    let rival = app.sign_in_with("essays", "rival@essays.test", "rival-password-1").await;
    assert_eq!(code(&as_(&app, Some(&rival), PORTFOLIO, w.clone()).await), "NOT_FOUND");
    // a rival cannot remove the writer's sample
    let sample_id = sample["data"]["addPortfolioSample"]["id"].as_str().unwrap().to_owned();
    let remove = "mutation($id: ID!) { removePortfolioSample(id: $id) }";
    assert_eq!(code(&as_(&app, Some(&rival), remove, json!({ "id": sample_id })).await), "NOT_FOUND");
    assert_eq!(app.count("portfolio_samples").await, 1);

    // a suspended writer's portfolio is shown to staff only
    as_(&app, Some(&writer), UPDATE, json!({ "i": { "visibility": "PUBLIC" } })).await;
    let suspend =
        "mutation($w: ID!) { setWriterStatus(writerId: $w, status: SUSPENDED, reason: \"review\") { status } }";
    as_(&app, Some(&admin), suspend, w.clone()).await;
    assert_eq!(code(&as_(&app, None, PORTFOLIO, w.clone()).await), "NOT_FOUND");
    assert!(as_(&app, Some(&admin), PORTFOLIO, w.clone()).await["errors"].is_null());
    let reinstate = "mutation($w: ID!) { setWriterStatus(writerId: $w, status: ACTIVE) { status } }";
    as_(&app, Some(&admin), reinstate, w.clone()).await;
    // another site never sees it
    let papers = app.sign_in("papers", "client@papers.test").await;
    let elsewhere = app.gql(PORTFOLIO).vars(w.clone()).tenant("papers").token(&papers).send().await;
    assert_eq!(code(&elsewhere), "NOT_FOUND", "{elsewhere}");

    // opted out: gone for everyone
    as_(&app, Some(&writer), "mutation { withdrawWriterPortfolio }", json!({})).await;
    assert_eq!(code(&as_(&app, Some(&admin), PORTFOLIO, w.clone()).await), "NOT_FOUND");

    // the feature off: every portfolio field refused
    as_(&app, Some(&admin), "mutation { updateTenantFeatureToggles(input: { portfolios: false }) { id } }", json!({}))
        .await;
    for (token, query, vars) in [
        (Some(writer.as_str()), UPDATE, json!({ "i": { "bio": "b" } })),
        (Some(writer.as_str()), SAMPLE, json!({ "i": { "title": "t", "excerpt": "e" } })),
        (Some(writer.as_str()), remove, json!({ "id": sample_id })),
        (Some(writer.as_str()), "mutation { withdrawWriterPortfolio }", json!({})),
        (None, PORTFOLIO, w.clone()),
    ] {
        let body = as_(&app, token, query, vars).await;
        assert_eq!(body["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED", "{query}: {body}");
    }
}

#[tokio::test]
async fn a_sample_may_be_an_uploaded_file_downloaded_by_whoever_sees_the_portfolio() {
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    const WITH_FILE: &str = "mutation($i: PortfolioSampleInput!, $file: Upload) { addPortfolioSample(input: $i, file: $file) { id excerpt file { name size contentType url } } }";
    let app = TestApp::spawn().await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let opted = as_(&app, Some(&writer), UPDATE, json!({ "i": { "visibility": "PUBLIC" } })).await;
    assert!(opted["errors"].is_null(), "{opted}");
    let send = |vars: Value, file: Option<(&'static str, Vec<u8>)>| {
        let request = app.gql(WITH_FILE).vars(vars).tenant("essays").token(&writer);
        let request = match file {
            Some((name, content)) => request.file("file", name, content),
            None => request,
        };
        request.send()
    };

    // neither text nor file, or a refused file: nothing written, nothing stored
    let empty = send(json!({ "i": { "title": "Nothing" } }), None).await;
    assert_eq!((code(&empty), field(&empty)), ("BAD_USER_INPUT", "input.excerpt"), "{empty}");
    let exe = send(json!({ "i": { "title": "A program" } }), Some(("essay.pdf", b"MZ\x90\0\x03\0\0\0".to_vec()))).await;
    assert_eq!((code(&exe), field(&exe)), ("BAD_USER_INPUT", "file"), "{exe}");
    assert_eq!(app.count("portfolio_samples").await, 0);

    // a file only: downloadable, signed out, on the site's host
    let added = send(json!({ "i": { "title": "On lighthouses" } }), Some(("lighthouses.pdf", PDF.to_vec()))).await;
    let sample = &added["data"]["addPortfolioSample"];
    assert_eq!(sample["excerpt"], "", "{added}");
    assert_eq!(sample["file"]["name"], "lighthouses.pdf");
    assert_eq!(sample["file"]["contentType"], "application/pdf");
    let shown = as_(
        &app,
        None,
        "query($w: ID!) { writerPortfolio(writerId: $w) { samples { file { url } } } }",
        json!({ "w": writer_id }),
    )
    .await;
    let url = shown["data"]["writerPortfolio"]["samples"][0]["file"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{shown}"))
        .to_owned();
    let download = app.http().get(app.url(&url)).header("X-Tenant", "essays").send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().to_vec(), PDF);
    // never on another site
    let elsewhere = app.http().get(app.url(&url)).header("X-Tenant", "papers").send().await.unwrap();
    assert_eq!(elsewhere.status(), 404);

    // removed: the row, the bytes and the URL go
    let id = sample["id"].as_str().unwrap();
    let removed =
        as_(&app, Some(&writer), "mutation($id: ID!) { removePortfolioSample(id: $id) }", json!({ "id": id })).await;
    assert_eq!(removed["data"]["removePortfolioSample"], true, "{removed}");
    assert_eq!(app.count("portfolio_samples").await, 0);
    let after = app.http().get(app.url(&url)).header("X-Tenant", "essays").send().await.unwrap();
    assert_eq!(after.status(), 404);
    assert_eq!(walk(app.files.path()), 0, "no bytes left");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}
