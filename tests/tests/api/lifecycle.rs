use futures::future::join_all;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const PLACE: &str =
    "mutation($i: OrderSpecInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id status } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!, $n: String) { performOrderAction(orderId: $id, action: $a, note: $n) { id status completedAt writer { displayName } } }";
const ASSIGN: &str = "mutation($id: ID!, $w: ID!, $n: String) { assignWriter(orderId: $id, writerId: $w, note: $n) { id status writer { displayName } } }";
const REVISE: &str = "mutation($id: ID!, $i: RevisionRequestInput!) { requestRevision(orderId: $id, input: $i) { id status severity reason changes { section description } deadline overdue createdAt startedAt completedAt requestedBy { displayName } assignedTo { displayName } } }";
/// What everyone who sees the order may read (the payment status is the client's money).
const VIEW: &str = "query($id: ID!) { order(id: $id) { id status completedAt isLate availableActions writer { displayName } timeline { kind fromStatus toStatus note actor { displayName } } revisions { id status overdue startedAt completedAt } } }";

/// The first worked example (80.49 in `essays`).
fn spec(app: &TestApp, c: &std::collections::HashMap<String, String>) -> Value {
    json!({
        "topic": "The French Revolution", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 3, "spacing": "DOUBLE",
        "deadline": app.in_hours(50), "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

/// Tokens of the essays demo users.
struct Cast {
    client: String,
    writer: String,
    editor: String,
    support: String,
    admin: String,
    writer_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    // the demo writer gets an order in every status of a test
    app.roomy_writer_levels("essays").await;
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        editor: app.sign_in("essays", "editor@essays.test").await,
        support: app.sign_in("essays", "support@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
    }
}

/// Creates another essays user of `role` and returns (token, id).
async fn another_user(app: &TestApp, admin: &str, email: &str, role: &str) -> (String, String) {
    let body = app
        .gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }")
        .vars(json!({ "i": { "displayName": format!("Other {role}"), "email": email, "password": "another-password-1", "role": role } }))
        .tenant("essays")
        .token(admin)
        .send()
        .await;
    let id = body["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    (app.sign_in_with("essays", email, "another-password-1").await, id)
}

async fn place(app: &TestApp, client: &str) -> String {
    let c = app.catalog("essays").await;
    let body = app.gql(PLACE).vars(json!({ "i": spec(app, &c) })).tenant("essays").token(client).send().await;
    assert_eq!(body["data"]["placeOrder"]["status"], "UNPAID", "{body}");
    body["data"]["placeOrder"]["id"].as_str().unwrap().to_owned()
}

async fn act(app: &TestApp, token: &str, id: &str, action: &str, note: Option<&str>) -> Value {
    app.gql(ACT).vars(json!({ "id": id, "a": action, "n": note })).tenant("essays").token(token).send().await
}

/// Performs an action that must succeed and returns the order's new status.
async fn must(app: &TestApp, token: &str, id: &str, action: &str) -> String {
    let body = act(app, token, id, action, None).await;
    body["data"]["performOrderAction"]["status"].as_str().unwrap_or_else(|| panic!("{action}: {body}")).to_owned()
}

async fn assign(app: &TestApp, admin: &str, id: &str, writer: &str, note: Option<&str>) -> Value {
    app.gql(ASSIGN).vars(json!({ "id": id, "w": writer, "n": note })).tenant("essays").token(admin).send().await
}

async fn view(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(VIEW).vars(json!({ "id": id })).tenant("essays").token(token).send().await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["order"].clone()
}

/// The order's payment status, as staff see it.
async fn payment_status(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app
        .gql("query($id: ID!) { order(id: $id) { paymentStatus } }")
        .vars(json!({ "id": id }))
        .tenant("essays")
        .token(token)
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["order"]["paymentStatus"].clone()
}

async fn actions(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let order = view(app, token, id).await;
    let mut list: Vec<String> =
        order["availableActions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
    list.sort();
    list
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut list: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    list.sort();
    list
}

async fn revise(app: &TestApp, token: &str, id: &str, deadline: &str) -> Value {
    let input = json!({
        "severity": "MAJOR", "reason": "The conclusion does not follow",
        "changes": [{ "section": "Conclusion", "description": "Tie it back to the thesis" }],
        "deadline": deadline,
    });
    app.gql(REVISE).vars(json!({ "id": id, "i": input })).tenant("essays").token(token).send().await
}

/// Drives a new order to `status` along the happy path.
async fn order_in(app: &TestApp, cast: &Cast, status: &str) -> String {
    let id = place(app, &cast.client).await;
    let steps: &[(&str, &str)] = &[
        ("MARK_PAID", "AVAILABLE"),
        ("ASSIGN", "PENDING_ACCEPTANCE"),
        ("ACCEPT_ASSIGNMENT", "IN_PROGRESS"),
        ("SUBMIT", "SUBMITTED"),
        ("APPROVE", "COMPLETED"),
    ];
    if status == "UNPAID" {
        return id;
    }
    for (action, reached) in steps {
        let now = match *action {
            "ASSIGN" => {
                let body = assign(app, &cast.admin, &id, &cast.writer_id, None).await;
                body["data"]["assignWriter"]["status"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
            }
            "MARK_PAID" => must(app, &cast.admin, &id, action).await,
            "APPROVE" => must(app, &cast.client, &id, action).await,
            _ => must(app, &cast.writer, &id, action).await,
        };
        assert_eq!(now, *reached);
        if *reached == status {
            return id;
        }
    }
    panic!("{status} is not on the happy path");
}

fn timeline_len(order: &Value) -> usize {
    order["timeline"].as_array().unwrap().len()
}

fn last_event(order: &Value) -> &Value {
    order["timeline"].as_array().unwrap().last().unwrap()
}

#[tokio::test]
async fn every_transition_of_the_happy_path_adds_a_timeline_event() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = place(&app, &cast.client).await;

    let paid = act(&app, &cast.support, &id, "MARK_PAID", Some("paid by card")).await;
    assert_eq!(paid["data"]["performOrderAction"]["status"], "AVAILABLE", "{paid}");
    assert_eq!(payment_status(&app, &cast.support, &id).await, "PAID");

    let assigned = assign(&app, &cast.admin, &id, &cast.writer_id, Some("best fit")).await;
    assert_eq!(assigned["data"]["assignWriter"]["status"], "PENDING_ACCEPTANCE", "{assigned}");
    assert_eq!(assigned["data"]["assignWriter"]["writer"]["displayName"], "Demo Writer");

    let accepted = act(&app, &cast.writer, &id, "ACCEPT_ASSIGNMENT", Some("on it")).await;
    assert_eq!(accepted["data"]["performOrderAction"]["status"], "IN_PROGRESS", "{accepted}");
    let submitted = act(&app, &cast.writer, &id, "SUBMIT", Some("draft attached")).await;
    assert_eq!(submitted["data"]["performOrderAction"]["status"], "SUBMITTED", "{submitted}");
    assert!(submitted["data"]["performOrderAction"]["completedAt"].is_null());

    app.clock.advance(chrono::Duration::hours(2));
    let approved = act(&app, &cast.client, &id, "APPROVE", Some("thanks")).await;
    assert_eq!(approved["data"]["performOrderAction"]["status"], "COMPLETED", "{approved}");
    assert_eq!(approved["data"]["performOrderAction"]["completedAt"], "2026-11-21T14:00:00Z");

    let archived = act(&app, &cast.admin, &id, "ARCHIVE", None).await;
    assert_eq!(archived["data"]["performOrderAction"]["status"], "ARCHIVED", "{archived}");

    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(
        order["timeline"],
        json!([
            { "kind": "PLACED", "fromStatus": null, "toStatus": "UNPAID", "note": null, "actor": { "displayName": "Demo Client" } },
            { "kind": "MARK_PAID", "fromStatus": "UNPAID", "toStatus": "AVAILABLE", "note": "paid by card", "actor": { "displayName": "Demo Support" } },
            { "kind": "ASSIGN_WRITER", "fromStatus": "AVAILABLE", "toStatus": "PENDING_ACCEPTANCE", "note": "best fit", "actor": { "displayName": "Demo Admin" } },
            { "kind": "ACCEPT_ASSIGNMENT", "fromStatus": "PENDING_ACCEPTANCE", "toStatus": "IN_PROGRESS", "note": "on it", "actor": { "displayName": "Demo Writer" } },
            { "kind": "SUBMIT", "fromStatus": "IN_PROGRESS", "toStatus": "SUBMITTED", "note": "draft attached", "actor": { "displayName": "Demo Writer" } },
            { "kind": "APPROVE", "fromStatus": "SUBMITTED", "toStatus": "COMPLETED", "note": "thanks", "actor": { "displayName": "Demo Client" } },
            { "kind": "ARCHIVE", "fromStatus": "COMPLETED", "toStatus": "ARCHIVED", "note": null, "actor": { "displayName": "Demo Admin" } },
        ]),
        "{order}"
    );
    // an archived order is final: nobody may do anything with it
    assert!(order["availableActions"].as_array().unwrap().is_empty(), "{order}");
    assert_eq!(app.count("order_events").await, 7);
}

#[tokio::test]
async fn admin_and_support_mark_orders_paid_but_a_client_is_forbidden() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = place(&app, &cast.client).await;

    let body = act(&app, &cast.client, &id, "MARK_PAID", None).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "UNPAID");
    assert_eq!(payment_status(&app, &cast.admin, &id).await, "UNPAID");
    assert_eq!(timeline_len(&order), 1);

    // the writer and the editor cannot even see an unassigned order
    for token in [&cast.writer, &cast.editor] {
        let body = act(&app, token, &id, "MARK_PAID", None).await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
    }

    assert_eq!(must(&app, &cast.admin, &id, "MARK_PAID").await, "AVAILABLE");
    let other = place(&app, &cast.client).await;
    assert_eq!(must(&app, &cast.support, &other, "MARK_PAID").await, "AVAILABLE");
    assert_eq!(last_event(&view(&app, &cast.admin, &id).await)["actor"]["displayName"], "Demo Admin");
    assert_eq!(last_event(&view(&app, &cast.admin, &other).await)["actor"]["displayName"], "Demo Support");
}

#[tokio::test]
async fn available_actions_follow_the_status_and_the_viewers_role() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = place(&app, &cast.client).await;

    // UNPAID: the client pays from the wallet (payOrderFromWallet) or cancels
    assert_eq!(actions(&app, &cast.client, &id).await, sorted(&["PAY", "CANCEL"]));
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["MARK_PAID", "CANCEL"]));
    assert_eq!(actions(&app, &cast.support, &id).await, sorted(&["MARK_PAID"]));

    // AVAILABLE
    must(&app, &cast.admin, &id, "MARK_PAID").await;
    assert_eq!(actions(&app, &cast.client, &id).await, sorted(&["CANCEL"]));
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["ASSIGN_WRITER", "HOLD", "CANCEL"]));
    assert!(actions(&app, &cast.support, &id).await.is_empty());

    // PENDING_ACCEPTANCE
    assign(&app, &cast.admin, &id, &cast.writer_id, None).await;
    assert_eq!(actions(&app, &cast.writer, &id).await, sorted(&["ACCEPT_ASSIGNMENT", "DECLINE_ASSIGNMENT"]));
    // until the work is delivered the client may cancel (see `cancellationQuote`)
    assert_eq!(actions(&app, &cast.client, &id).await, sorted(&["CANCEL"]));
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["HOLD", "CANCEL"]));

    // IN_PROGRESS
    must(&app, &cast.writer, &id, "ACCEPT_ASSIGNMENT").await;
    assert_eq!(actions(&app, &cast.writer, &id).await, sorted(&["SUBMIT"]));
    assert_eq!(actions(&app, &cast.client, &id).await, sorted(&["CANCEL"]));

    // SUBMITTED
    must(&app, &cast.writer, &id, "SUBMIT").await;
    assert_eq!(actions(&app, &cast.client, &id).await, sorted(&["APPROVE", "REQUEST_REVISION"]));
    assert_eq!(actions(&app, &cast.support, &id).await, sorted(&["REQUEST_REVISION"]));
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["REQUEST_REVISION", "HOLD", "CANCEL"]));
    assert!(actions(&app, &cast.writer, &id).await.is_empty());
    assert!(!actions(&app, &cast.client, &id).await.contains(&"CANCEL".to_owned()), "delivered work is not cancelled");

    // COMPLETED, inside and then past the free-revision window
    must(&app, &cast.client, &id, "APPROVE").await;
    assert_eq!(actions(&app, &cast.client, &id).await, sorted(&["REQUEST_REVISION"]));
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["REQUEST_REVISION", "ARCHIVE"]));
    app.clock.advance(chrono::Duration::days(15));
    assert!(actions(&app, &cast.client, &id).await.is_empty());
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["ARCHIVE"]));

    // the editor sees no order at all
    let hidden = app.gql(VIEW).vars(json!({ "id": id })).tenant("essays").token(&cast.editor).send().await;
    assert_eq!(code(&hidden), "NOT_FOUND", "{hidden}");
}

#[tokio::test]
async fn only_the_assigned_writer_may_accept_or_decline() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let (other_writer, other_writer_id) = another_user(&app, &cast.admin, "writer2@essays.test", "WRITER").await;
    let id = order_in(&app, &cast, "PENDING_ACCEPTANCE").await;

    // another writer cannot even see it
    let seen = app.gql(VIEW).vars(json!({ "id": id })).tenant("essays").token(&other_writer).send().await;
    assert_eq!(code(&seen), "NOT_FOUND", "{seen}");
    for action in ["ACCEPT_ASSIGNMENT", "DECLINE_ASSIGNMENT"] {
        let body = act(&app, &other_writer, &id, action, None).await;
        assert_eq!(code(&body), "NOT_FOUND", "{action}: {body}");
    }
    // nor may the client or an admin accept on the writer's behalf
    for token in [&cast.client, &cast.admin] {
        let body = act(&app, token, &id, "ACCEPT_ASSIGNMENT", None).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "PENDING_ACCEPTANCE");
    assert_eq!(timeline_len(&order), 3);

    // the assigned writer declines: the order is available again and no longer theirs
    let declined = act(&app, &cast.writer, &id, "DECLINE_ASSIGNMENT", Some("too busy")).await;
    assert_eq!(declined["data"]["performOrderAction"]["status"], "AVAILABLE", "{declined}");
    assert!(declined["data"]["performOrderAction"]["writer"].is_null(), "{declined}");
    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(
        last_event(&order),
        &json!({ "kind": "DECLINE_ASSIGNMENT", "fromStatus": "PENDING_ACCEPTANCE", "toStatus": "AVAILABLE", "note": "too busy", "actor": { "displayName": "Demo Writer" } })
    );
    let gone = app.gql(VIEW).vars(json!({ "id": id })).tenant("essays").token(&cast.writer).send().await;
    assert_eq!(code(&gone), "NOT_FOUND", "{gone}");

    // offered to the other writer, who accepts
    let body = assign(&app, &cast.admin, &id, &other_writer_id, None).await;
    assert_eq!(body["data"]["assignWriter"]["writer"]["displayName"], "Other WRITER", "{body}");
    assert_eq!(must(&app, &other_writer, &id, "ACCEPT_ASSIGNMENT").await, "IN_PROGRESS");
    let order = view(&app, &other_writer, &id).await;
    assert_eq!(order["writer"]["displayName"], "Other WRITER");
    assert_eq!(last_event(&order)["actor"]["displayName"], "Other WRITER");
}

#[tokio::test]
async fn only_admins_assign_and_only_to_writers_of_the_site() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "AVAILABLE").await;

    let body = assign(&app, &cast.support, &id, &cast.writer_id, None).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let client_id = app.user_id("essays", "client@essays.test").await;
    let body = assign(&app, &cast.admin, &id, &client_id, None).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "writerId");
    let papers_writer = app.user_id("papers", "writer@papers.test").await;
    let body = assign(&app, &cast.admin, &id, &papers_writer, None).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "writerId");

    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "AVAILABLE");
    assert!(order["writer"].is_null());
    assert_eq!(timeline_len(&order), 2);
}

#[tokio::test]
async fn a_revision_is_requested_started_and_completed_within_the_window() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "COMPLETED").await;

    app.clock.advance(chrono::Duration::days(3));
    let deadline = app.in_hours(48);
    let body = revise(&app, &cast.client, &id, &deadline).await;
    let revision = &body["data"]["requestRevision"];
    assert_eq!(revision["status"], "REQUESTED", "{body}");
    assert_eq!(revision["severity"], "MAJOR");
    assert_eq!(revision["reason"], "The conclusion does not follow");
    assert_eq!(revision["changes"], json!([{ "section": "Conclusion", "description": "Tie it back to the thesis" }]));
    assert_eq!(revision["deadline"], json!(deadline));
    assert_eq!(revision["overdue"], false);
    assert_eq!(revision["createdAt"], "2026-11-24T12:00:00Z");
    assert!(revision["startedAt"].is_null());
    assert!(revision["completedAt"].is_null());
    assert_eq!(revision["requestedBy"]["displayName"], "Demo Client");
    assert_eq!(revision["assignedTo"]["displayName"], "Demo Writer");

    let order = view(&app, &cast.client, &id).await;
    assert_eq!(order["status"], "REVISION_REQUESTED");
    assert_eq!(
        last_event(&order),
        &json!({ "kind": "REQUEST_REVISION", "fromStatus": "COMPLETED", "toStatus": "REVISION_REQUESTED", "note": "The conclusion does not follow", "actor": { "displayName": "Demo Client" } })
    );
    assert_eq!(actions(&app, &cast.writer, &id).await, sorted(&["START_REVISION"]));

    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(must(&app, &cast.writer, &id, "START_REVISION").await, "IN_REVISION");
    let order = view(&app, &cast.writer, &id).await;
    assert_eq!(order["revisions"][0]["status"], "IN_PROGRESS", "{order}");
    assert_eq!(order["revisions"][0]["startedAt"], "2026-11-24T13:00:00Z");
    assert_eq!(last_event(&order)["kind"], "START_REVISION");
    assert_eq!(last_event(&order)["fromStatus"], "REVISION_REQUESTED");
    assert_eq!(last_event(&order)["toStatus"], "IN_REVISION");

    app.clock.advance(chrono::Duration::hours(5));
    assert_eq!(must(&app, &cast.writer, &id, "SUBMIT").await, "SUBMITTED");
    let order = view(&app, &cast.client, &id).await;
    let revisions = order["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 1, "{order}");
    assert_eq!(revisions[0]["status"], "COMPLETED");
    assert_eq!(revisions[0]["completedAt"], "2026-11-24T18:00:00Z");
    assert_eq!(revisions[0]["overdue"], false);
    assert_eq!(last_event(&order)["fromStatus"], "IN_REVISION");
    assert_eq!(last_event(&order)["toStatus"], "SUBMITTED");
    assert_eq!(must(&app, &cast.client, &id, "APPROVE").await, "COMPLETED");
}

#[tokio::test]
async fn a_revision_after_the_free_window_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "COMPLETED").await;

    app.clock.advance(chrono::Duration::days(15));
    let before = view(&app, &cast.admin, &id).await;
    for token in [&cast.client, &cast.support, &cast.admin] {
        let body = revise(&app, token, &id, &app.in_hours(48)).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
    }
    let after = view(&app, &cast.admin, &id).await;
    assert_eq!(after["status"], "COMPLETED");
    assert_eq!(timeline_len(&after), timeline_len(&before));
    assert!(after["revisions"].as_array().unwrap().is_empty());
    assert_eq!(app.count("revision_requests").await, 0);
}

#[tokio::test]
async fn a_revision_on_the_last_day_of_the_window_is_accepted() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "COMPLETED").await;

    app.clock.advance(chrono::Duration::days(14) - chrono::Duration::minutes(1));
    let body = revise(&app, &cast.support, &id, &app.in_hours(24)).await;
    assert_eq!(body["data"]["requestRevision"]["status"], "REQUESTED", "{body}");
    assert_eq!(body["data"]["requestRevision"]["requestedBy"]["displayName"], "Demo Support");
    assert_eq!(view(&app, &cast.admin, &id).await["status"], "REVISION_REQUESTED");
}

#[tokio::test]
async fn a_revision_turns_overdue_once_its_deadline_passes() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "SUBMITTED").await;

    let body = revise(&app, &cast.client, &id, &app.in_hours(24)).await;
    assert_eq!(body["data"]["requestRevision"]["overdue"], false, "{body}");
    let overdue = |order: &Value| order["revisions"][0]["overdue"].clone();

    app.clock.advance(chrono::Duration::hours(23));
    assert_eq!(overdue(&view(&app, &cast.client, &id).await), json!(false));
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(overdue(&view(&app, &cast.client, &id).await), json!(true));
    assert_eq!(overdue(&view(&app, &cast.writer, &id).await), json!(true));

    // completing it late clears the flag
    must(&app, &cast.writer, &id, "START_REVISION").await;
    assert_eq!(overdue(&view(&app, &cast.client, &id).await), json!(true));
    must(&app, &cast.writer, &id, "SUBMIT").await;
    let order = view(&app, &cast.client, &id).await;
    assert_eq!(overdue(&order), json!(false));
    assert_eq!(order["revisions"][0]["status"], "COMPLETED");
}

#[tokio::test]
async fn a_revision_deadline_in_the_past_is_bad_input() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "SUBMITTED").await;
    let body = revise(&app, &cast.client, &id, &app.in_hours(-1)).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "deadline");
    assert_eq!(view(&app, &cast.client, &id).await["status"], "SUBMITTED");
    assert_eq!(app.count("revision_requests").await, 0);
}

#[tokio::test]
async fn hold_and_resume_return_the_order_to_where_it_was() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "IN_PROGRESS").await;

    // only admins hold
    for token in [&cast.client, &cast.writer, &cast.support] {
        let body = act(&app, token, &id, "HOLD", None).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    let held = act(&app, &cast.admin, &id, "HOLD", Some("client asked to pause")).await;
    assert_eq!(held["data"]["performOrderAction"]["status"], "ON_HOLD", "{held}");
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["RESUME", "CANCEL"]));
    assert!(actions(&app, &cast.writer, &id).await.is_empty());
    let body = act(&app, &cast.writer, &id, "SUBMIT", None).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let body = act(&app, &cast.support, &id, "RESUME", None).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    let resumed = act(&app, &cast.admin, &id, "RESUME", Some("go ahead")).await;
    assert_eq!(resumed["data"]["performOrderAction"]["status"], "IN_PROGRESS", "{resumed}");
    let order = view(&app, &cast.admin, &id).await;
    let events = order["timeline"].as_array().unwrap();
    assert_eq!(
        events[events.len() - 2..],
        [
            json!({ "kind": "HOLD", "fromStatus": "IN_PROGRESS", "toStatus": "ON_HOLD", "note": "client asked to pause", "actor": { "displayName": "Demo Admin" } }),
            json!({ "kind": "RESUME", "fromStatus": "ON_HOLD", "toStatus": "IN_PROGRESS", "note": "go ahead", "actor": { "displayName": "Demo Admin" } }),
        ]
    );
    assert_eq!(must(&app, &cast.writer, &id, "SUBMIT").await, "SUBMITTED");

    // from another status it returns there, not to a fixed one
    let id = order_in(&app, &cast, "AVAILABLE").await;
    assert_eq!(must(&app, &cast.admin, &id, "HOLD").await, "ON_HOLD");
    assert_eq!(must(&app, &cast.admin, &id, "RESUME").await, "AVAILABLE");
    let id = order_in(&app, &cast, "SUBMITTED").await;
    assert_eq!(must(&app, &cast.admin, &id, "HOLD").await, "ON_HOLD");
    assert_eq!(must(&app, &cast.admin, &id, "RESUME").await, "SUBMITTED");
    // and a second resume has nothing to resume
    let body = act(&app, &cast.admin, &id, "RESUME", None).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn clients_cancel_until_the_work_is_delivered() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    for status in ["UNPAID", "AVAILABLE", "PENDING_ACCEPTANCE", "IN_PROGRESS"] {
        let id = order_in(&app, &cast, status).await;
        let body = act(&app, &cast.client, &id, "CANCEL", Some("changed my mind")).await;
        assert_eq!(body["data"]["performOrderAction"]["status"], "CANCELLED", "{status}: {body}");
        let order = view(&app, &cast.client, &id).await;
        let cancel = json!({ "kind": "CANCEL", "fromStatus": status, "toStatus": "CANCELLED", "note": "changed my mind", "actor": { "displayName": "Demo Client" } });
        let events = order["timeline"].as_array().unwrap();
        if status == "UNPAID" {
            assert_eq!(last_event(&order), &cancel);
        } else {
            // a paid order's money follows at once (all of it: less than half the time used)
            let refund = json!({ "kind": "REFUND", "fromStatus": "CANCELLED", "toStatus": "CANCELLED", "note": "80.49 paid back on cancellation", "actor": { "displayName": "Demo Client" } });
            assert_eq!(events[events.len() - 2..], [cancel, refund], "{status}");
        }
    }
    // delivered work is approved, revised or disputed: only an admin cancels it
    for status in ["SUBMITTED"] {
        let id = order_in(&app, &cast, status).await;
        let before = view(&app, &cast.client, &id).await;
        let body = act(&app, &cast.client, &id, "CANCEL", None).await;
        assert_eq!(code(&body), "FORBIDDEN", "{status}: {body}");
        let after = view(&app, &cast.client, &id).await;
        assert_eq!(after["status"], status);
        assert_eq!(timeline_len(&after), timeline_len(&before));
    }
}

#[tokio::test]
async fn admins_cancel_from_any_status_that_is_not_final() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    for status in ["UNPAID", "AVAILABLE", "PENDING_ACCEPTANCE", "IN_PROGRESS", "SUBMITTED"] {
        let id = order_in(&app, &cast, status).await;
        let body = act(&app, &cast.admin, &id, "CANCEL", None).await;
        assert_eq!(body["data"]["performOrderAction"]["status"], "CANCELLED", "{status}: {body}");
    }
    // on hold, revision requested, in revision
    let id = order_in(&app, &cast, "IN_PROGRESS").await;
    must(&app, &cast.admin, &id, "HOLD").await;
    assert_eq!(must(&app, &cast.admin, &id, "CANCEL").await, "CANCELLED");
    let id = order_in(&app, &cast, "SUBMITTED").await;
    revise(&app, &cast.client, &id, &app.in_hours(24)).await;
    assert_eq!(must(&app, &cast.admin, &id, "CANCEL").await, "CANCELLED");
    let id = order_in(&app, &cast, "SUBMITTED").await;
    revise(&app, &cast.client, &id, &app.in_hours(24)).await;
    must(&app, &cast.writer, &id, "START_REVISION").await;
    assert_eq!(must(&app, &cast.admin, &id, "CANCEL").await, "CANCELLED");

    // a cancelled order is not cancelled twice, but it is archived
    let body = act(&app, &cast.admin, &id, "CANCEL", None).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(actions(&app, &cast.admin, &id).await, sorted(&["ARCHIVE"]));
    assert_eq!(must(&app, &cast.admin, &id, "ARCHIVE").await, "ARCHIVED");
    assert!(actions(&app, &cast.admin, &id).await.is_empty());
    // completed and archived orders are final for cancelling
    let done = order_in(&app, &cast, "COMPLETED").await;
    for id in [&done, &id] {
        let body = act(&app, &cast.admin, id, "CANCEL", None).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
    }
}

#[tokio::test]
async fn a_disallowed_transition_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = place(&app, &cast.client).await;
    for (token, action) in [
        (&cast.admin, "SUBMIT"),
        (&cast.admin, "APPROVE"),
        (&cast.admin, "ARCHIVE"),
        (&cast.admin, "RESUME"),
        (&cast.admin, "HOLD"),
        (&cast.admin, "START_REVISION"),
        (&cast.client, "APPROVE"),
    ] {
        let body = act(&app, token, &id, action, None).await;
        assert_eq!(code(&body), "CONFLICT", "{action}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "INVALID_TRANSITION", "{body}");
        assert!(body["data"].is_null() || body["data"]["performOrderAction"].is_null(), "{body}");
    }
    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "UNPAID");
    assert_eq!(payment_status(&app, &cast.admin, &id).await, "UNPAID");
    assert_eq!(timeline_len(&order), 1);

    // paying twice is also a conflict
    must(&app, &cast.admin, &id, "MARK_PAID").await;
    let body = act(&app, &cast.support, &id, "MARK_PAID", None).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "AVAILABLE");
    assert_eq!(timeline_len(&order), 2);
    assert_eq!(app.count("order_events").await, 2);
}

#[tokio::test]
async fn actions_that_take_input_are_refused_by_perform_order_action() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "AVAILABLE").await;
    let body = act(&app, &cast.admin, &id, "ASSIGN_WRITER", None).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "action");

    let submitted = order_in(&app, &cast, "SUBMITTED").await;
    let body = act(&app, &cast.client, &submitted, "REQUEST_REVISION", None).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "action");

    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "AVAILABLE");
    assert!(order["writer"].is_null());
    assert_eq!(timeline_len(&order), 2);
    assert_eq!(view(&app, &cast.admin, &submitted).await["status"], "SUBMITTED");
}

#[tokio::test]
async fn an_available_order_is_late_once_its_deadline_passes() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "AVAILABLE").await;
    let submitted = order_in(&app, &cast, "SUBMITTED").await;
    assert_eq!(view(&app, &cast.admin, &id).await["isLate"], false);

    // the deadline is 50 hours out
    app.clock.advance(chrono::Duration::hours(49));
    assert_eq!(view(&app, &cast.admin, &id).await["isLate"], false);
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(view(&app, &cast.admin, &id).await["isLate"], true);
    assert_eq!(view(&app, &cast.client, &id).await["isLate"], true);
    // submitted work is not late
    assert_eq!(view(&app, &cast.admin, &submitted).await["isLate"], false);
}

#[tokio::test]
async fn placing_an_order_twice_with_one_key_returns_the_first_order() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let input = spec(&app, &c);
    let vars = json!({ "i": input, "k": "checkout-1" });
    let first = app.gql(PLACE).vars(vars.clone()).tenant("essays").token(&client).send().await;
    let second = app.gql(PLACE).vars(vars).tenant("essays").token(&client).send().await;
    let id = first["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{first}"));
    assert_eq!(second["data"]["placeOrder"]["id"], id, "{second}");
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_events").await, 1);

    // without a key, each call is a new order
    app.gql(PLACE).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
    app.gql(PLACE).vars(json!({ "i": input })).tenant("essays").token(&client).send().await;
    assert_eq!(app.count("orders").await, 3);
}

#[tokio::test]
async fn a_reused_key_with_another_input_is_a_conflict() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let input = spec(&app, &c);
    let first =
        app.gql(PLACE).vars(json!({ "i": input, "k": "checkout-1" })).tenant("essays").token(&client).send().await;
    assert!(first["data"]["placeOrder"]["id"].is_string(), "{first}");

    let mut changed = input.clone();
    changed["pages"] = json!(4);
    let body =
        app.gql(PLACE).vars(json!({ "i": changed, "k": "checkout-1" })).tenant("essays").token(&client).send().await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(field(&body), "idempotencyKey");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn concurrent_place_orders_with_one_key_create_one_order() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let vars = json!({ "i": spec(&app, &c), "k": "double-click" });
    let answers =
        join_all((0..10).map(|_| app.gql(PLACE).vars(vars.clone()).tenant("essays").token(&client).send())).await;
    let ids: Vec<&str> =
        answers.iter().map(|a| a["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{a}"))).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_lines").await, 3);
    assert_eq!(app.count("order_events").await, 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn concurrent_mark_paid_succeeds_exactly_once() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = place(&app, &cast.client).await;
    let answers = join_all((0..10).map(|i| {
        let token = if i % 2 == 0 { &cast.admin } else { &cast.support };
        act(&app, token, &id, "MARK_PAID", None)
    }))
    .await;
    let won = answers.iter().filter(|a| a["data"]["performOrderAction"]["status"] == "AVAILABLE").count();
    let conflicts = answers.iter().filter(|a| code(a) == "CONFLICT").count();
    assert_eq!((won, conflicts), (1, 9), "{answers:?}");

    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "AVAILABLE");
    let paid = order["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == "MARK_PAID").count();
    assert_eq!(paid, 1, "{order}");
    assert_eq!(app.count("order_events").await, 2);
}

#[tokio::test]
async fn an_idempotency_key_is_the_users_own() {
    let app = TestApp::spawn().await;
    let c = app.catalog("essays").await;
    let cast = cast(&app).await;
    let (second, _) = another_user(&app, &cast.admin, "client2@essays.test", "CLIENT").await;
    let vars = json!({ "i": spec(&app, &c), "k": "checkout-1" });
    let first = app.gql(PLACE).vars(vars.clone()).tenant("essays").token(&cast.client).send().await;
    let other = app.gql(PLACE).vars(vars).tenant("essays").token(&second).send().await;
    let first = first["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{first}"));
    let other = other["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{other}"));
    assert_ne!(first, other);
    assert_eq!(app.count("orders").await, 2);
    // each sees only their own
    let body = app.gql(VIEW).vars(json!({ "id": first })).tenant("essays").token(&second).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn writers_and_editors_cannot_request_revisions() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let id = order_in(&app, &cast, "SUBMITTED").await;
    let body = revise(&app, &cast.writer, &id, &app.in_hours(24)).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = revise(&app, &cast.editor, &id, &app.in_hours(24)).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let order = view(&app, &cast.admin, &id).await;
    assert_eq!(order["status"], "SUBMITTED");
    assert!(order["revisions"].as_array().unwrap().is_empty());
    assert_eq!(app.count("revision_requests").await, 0);
}
