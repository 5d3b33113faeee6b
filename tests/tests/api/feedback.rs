//! Feedback on writers (the `writerFeedback` feature): a client rates the writer of their
//! completed order once; the writer's averages and trend follow; private feedback stays with
//! the writer and staff; with the feature off every feedback field is refused.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const LEAVE: &str = "mutation($id: ID!, $i: WriterFeedbackInput!) { leaveWriterFeedback(orderId: $id, input: $i) { id quality public } }";
const SUMMARY: &str = "query($w: ID) { writerProfile(writerId: $w) { feedbackSummary { count averages { quality communication timeliness followingInstructions overall } last90Days previous90Days } feedback(first: 10) { totalCount edges { node { quality comment public authorRole } } } } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

struct Cast {
    client: String,
    admin: String,
    writer: String,
    writer_id: String,
}

/// An order of the demo client, paid and given to the demo writer, submitted; `complete`d by
/// the client's approval.
async fn order(app: &TestApp, cast: &Cast, complete: bool) -> String {
    let id = app.order_in_progress(&cast.client, &cast.admin, (&cast.writer, &cast.writer_id), "Rated", 2).await;
    as_(app, &cast.writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
    if complete {
        let done = as_(app, &cast.client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
        assert_eq!(done["data"]["performOrderAction"]["status"], "COMPLETED", "{done}");
    }
    id
}

async fn cast(app: &TestApp) -> Cast {
    app.roomy_writer_levels("essays").await;
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
    }
}

fn ratings(q: i32, c: i32, t: i32, f: i32, public: bool) -> Value {
    json!({ "quality": q, "communication": c, "timeliness": t, "followingInstructions": f, "comment": "Thorough work", "public": public })
}

#[tokio::test]
async fn a_client_rates_a_completed_orders_writer_once_and_the_averages_follow() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let submitted = order(&app, &cast, false).await;
    let first = order(&app, &cast, true).await;
    let second = order(&app, &cast, true).await;

    // not yet completed: refused, nothing written
    let early = as_(&app, &cast.client, LEAVE, json!({ "id": submitted, "i": ratings(5, 5, 5, 5, true) })).await;
    assert_eq!((code(&early), reason(&early)), ("CONFLICT", "NOT_COMPLETED"), "{early}");
    // a rating out of range names its field
    let bad = as_(&app, &cast.client, LEAVE, json!({ "id": first, "i": ratings(6, 5, 5, 5, true) })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.quality"), "{bad}");
    let zero = as_(&app, &cast.client, LEAVE, json!({ "id": first, "i": ratings(5, 5, 5, 0, true) })).await;
    assert_eq!((code(&zero), field(&zero)), ("BAD_USER_INPUT", "input.followingInstructions"), "{zero}");
    // not the client's order: another client, the writer, an admin
    let stranger = app.sign_up("essays", "stranger@essays.test", "Stranger").await;
    let theirs = as_(&app, &stranger, LEAVE, json!({ "id": first, "i": ratings(1, 1, 1, 1, true) })).await;
    assert_eq!(code(&theirs), "NOT_FOUND", "{theirs}");
    for token in [&cast.writer, &cast.admin] {
        let refused = as_(&app, token, LEAVE, json!({ "id": first, "i": ratings(1, 1, 1, 1, true) })).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    assert_eq!(app.count("writer_feedback").await, 0);

    let left = as_(&app, &cast.client, LEAVE, json!({ "id": first, "i": ratings(5, 4, 2, 1, true) })).await;
    assert_eq!(left["data"]["leaveWriterFeedback"]["quality"], 5, "{left}");
    let twice = as_(&app, &cast.client, LEAVE, json!({ "id": first, "i": ratings(1, 1, 1, 1, true) })).await;
    assert_eq!((code(&twice), reason(&twice)), ("CONFLICT", "DUPLICATE"), "{twice}");
    as_(&app, &cast.client, LEAVE, json!({ "id": second, "i": ratings(4, 3, 5, 2, false) })).await;

    // the writer reads both (the private one too), with the averages
    let own = as_(&app, &cast.writer, SUMMARY, json!({})).await;
    let s = &own["data"]["writerProfile"]["feedbackSummary"];
    assert_eq!(s["count"], 2, "{own}");
    // each column its own: (5+4)/2, (4+3)/2, (2+5)/2, (1+2)/2; all 26 points over 8 ratings
    assert_eq!(s["averages"]["quality"], 4.5, "{own}");
    assert_eq!(s["averages"]["communication"], 3.5);
    assert_eq!(s["averages"]["timeliness"], 3.5);
    assert_eq!(s["averages"]["followingInstructions"], 1.5);
    assert_eq!(s["averages"]["overall"], 3.25, "{own}");
    assert_eq!(s["last90Days"], 3.25);
    assert_eq!(s["previous90Days"], Value::Null);
    assert_eq!(own["data"]["writerProfile"]["feedback"]["totalCount"], 2);
    // staff too
    let staff = as_(&app, &cast.admin, SUMMARY, json!({ "w": cast.writer_id })).await;
    assert_eq!(staff["data"]["writerProfile"]["feedback"]["totalCount"], 2, "{staff}");
    // no one else: another writer does not find the profile, a client may not read it
    let created = as_(&app, &cast.admin, "mutation { createUser(input: { displayName: \"Other\", email: \"other@essays.test\", password: \"other-password-1\", role: WRITER }) { id } }", json!({})).await;
    assert!(created["errors"].is_null(), "{created}");
    let other = app.sign_in_with("essays", "other@essays.test", "other-password-1").await;
    let nosy = as_(&app, &other, SUMMARY, json!({ "w": cast.writer_id })).await;
    assert_eq!(code(&nosy), "NOT_FOUND", "{nosy}");
    let client = as_(&app, &cast.client, SUMMARY, json!({ "w": cast.writer_id })).await;
    assert_eq!(code(&client), "FORBIDDEN", "{client}");
    // the trend moves with time: 100 days on, both are the previous 90 days'
    app.clock.advance(chrono::Duration::days(100));
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let later = as_(&app, &writer, SUMMARY, json!({})).await;
    let s = &later["data"]["writerProfile"]["feedbackSummary"];
    assert_eq!((s["last90Days"].clone(), s["previous90Days"].clone()), (Value::Null, json!(3.25)), "{later}");

    // and the dashboard's average rating
    let dashboard = as_(&app, &writer, "{ writerDashboard { performance { averageRating } } }", json!({})).await;
    assert_eq!(dashboard["data"]["writerDashboard"]["performance"]["averageRating"], 3.25, "{dashboard}");
}

/// Every field of the schema about feedback, and how to ask for it with the feature off.
const FEEDBACK_FIELDS: &[(&str, &str, &str)] = &[
    (
        "Mutation",
        "leaveWriterFeedback",
        "mutation($id: ID!) { leaveWriterFeedback(orderId: $id, input: { quality: 5, communication: 5, timeliness: 5, followingInstructions: 5 }) { id } }",
    ),
    ("WriterProfile", "feedbackSummary", "{ writerProfile { feedbackSummary { count } } }"),
    ("WriterProfile", "feedback", "{ writerProfile { feedback(first: 5) { totalCount } } }"),
];

#[tokio::test]
async fn with_writer_feedback_off_every_feedback_field_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let done = order(&app, &cast, true).await;
    let rated = order(&app, &cast, true).await;
    let left = as_(&app, &cast.client, LEAVE, json!({ "id": rated, "i": ratings(5, 5, 5, 5, true) })).await;
    assert!(left["errors"].is_null(), "{left}");

    // every field whose name speaks of feedback is in the table: a new one must be added, gated
    let types =
        app.gql("{ __schema { types { name fields { name } } } }").tenant("essays").token(&cast.admin).send().await;
    let mut found = BTreeSet::new();
    for t in types["data"]["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        // the switch itself is not gated by itself
        if name.starts_with("__") || name == "FeatureToggles" {
            continue;
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            let field = f["name"].as_str().unwrap();
            if field.to_lowercase().contains("feedback") {
                found.insert((name.to_owned(), field.to_owned()));
            }
        }
    }
    let listed: BTreeSet<(String, String)> =
        FEEDBACK_FIELDS.iter().map(|(t, f, _)| (t.to_string(), f.to_string())).collect();
    assert_eq!(found, listed, "every feedback field is listed here and refused with the feature off");

    let off = as_(
        &app,
        &cast.admin,
        "mutation { updateTenantFeatureToggles(input: { writerFeedback: false }) { id } }",
        json!({}),
    )
    .await;
    assert!(off["errors"].is_null(), "{off}");
    for (_, name, query) in FEEDBACK_FIELDS {
        let token = if name.starts_with("leave") { &cast.client } else { &cast.writer };
        let body = as_(&app, token, query, json!({ "id": done })).await;
        assert_eq!((code(&body), reason(&body)), ("FORBIDDEN", "FEATURE_DISABLED"), "{name}: {body}");
    }
    assert_eq!(app.count("writer_feedback").await, 1, "nothing written with the feature off");
    // the dashboard does not fail for it, and shows no average (there is one)
    let dashboard = as_(&app, &cast.writer, "{ writerDashboard { performance { averageRating } } }", json!({})).await;
    assert_eq!(dashboard["data"]["writerDashboard"]["performance"]["averageRating"], Value::Null, "{dashboard}");
}
