//! Editing: work a writer submits goes to an editor first when the site's policy or an admin's
//! choice for the order says so; editors claim (one winner), start, review, complete (the work
//! reaches the client) or reject (back to the writer as a revision); admins assign and
//! reassign; an overdue task is flagged once; an editor reads the orders of the tasks they hold
//! or held, never the client's money; bad input changes nothing.

use std::sync::Arc;

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";
const SETTINGS: &str = "mutation($i: EditingSettingsInput!) { updateEditingSettings(input: $i) { policy newWriterOrders levelIds editorSharePercent requireExpertiseMatch } }";
const TASKS: &str = "query($f: EditingTaskFilter) { editingTasks(filter: $f, first: 20) { totalCount edges { node { id status topic pages deadline clientDeadline orderId editorId editorName assignment order { id topic } } } } }";
const CLAIM: &str = "mutation($id: ID!) { claimEditingTask(id: $id) { id status assignment editorId order { id topic instructions } } }";
const START: &str = "mutation($id: ID!) { startEditingTask(id: $id) { id status startedAt } }";
const REVIEW: &str = "mutation($id: ID!, $i: EditingReviewInput!) { submitEditingReview(taskId: $id, input: $i) { id review { qualityScore issues { category severity note } summary } } }";
const COMPLETE: &str = "mutation($id: ID!) { completeEditingTask(id: $id) { id status finishedAt } }";
const REJECT: &str = "mutation($id: ID!, $r: String!, $d: DateTime) { rejectEditingTask(id: $id, reason: $r, writerDeadline: $d) { id status note } }";
const UNCLAIM: &str =
    "mutation($id: ID!, $r: String!) { unclaimEditingTask(id: $id, reason: $r) { id status editorId note } }";
const ASSIGN: &str =
    "mutation($id: ID!, $e: ID!) { assignEditingTask(id: $id, editorId: $e) { id status assignment editorId } }";
const PROFILE: &str = "mutation($e: ID!, $i: EditorProfileInput!) { updateEditorProfile(editorId: $e, input: $i) { id maxConcurrentTasks mayClaim status subjectIds activeTasks } }";
const ORDER: &str = "query($id: ID!) { order(id: $id) { id status topic instructions writerDeadline timeline { kind note } revisions { reason severity changes { section description } } } }";
const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";

/// `id` as a literal SQL compares with a uuid column (text on PostgreSQL, 16 bytes on SQLite).
fn uuid(app: &TestApp, id: &str) -> String {
    match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("'{id}'"),
        _ => format!("X'{}'", id.replace('-', "")),
    }
}

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = as_(app, token, query, vars).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

struct Cast {
    client: String,
    admin: String,
    writer: String,
    writer_id: String,
    editor: String,
    editor_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    app.roomy_writer_levels("essays").await;
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
        editor: app.sign_in("essays", "editor@essays.test").await,
        editor_id: app.user_id("essays", "editor@essays.test").await,
    }
}

/// Another editor of the site, signed in: (token, id).
async fn another_editor(app: &TestApp, admin: &str, n: usize) -> (String, String) {
    let email = format!("editor{n}@essays.test");
    let input = json!({ "i": { "email": email, "displayName": format!("Editor {n}"), "role": "EDITOR", "password": "editor-password-1" } });
    let made = ok(app, admin, CREATE_USER, input).await;
    let id = made["createUser"]["id"].as_str().unwrap().to_owned();
    (app.sign_in_with("essays", &email, "editor-password-1").await, id)
}

async fn always_edit(app: &TestApp, admin: &str) {
    ok(app, admin, SETTINGS, json!({ "i": { "policy": "ALWAYS" } })).await;
}

/// An order in the writer's hands, submitted: answers (order, its editing task if it went to one).
async fn submitted(app: &TestApp, cast: &Cast, topic: &str) -> (String, Option<String>) {
    let order = app.order_in_progress(&cast.client, &cast.admin, (&cast.writer, &cast.writer_id), topic, 2).await;
    ok(app, &cast.writer, ACT, json!({ "id": order, "a": "SUBMIT" })).await;
    let task = app
        .count_where(&format!(
            "SELECT COUNT(*) AS n FROM editing_tasks WHERE order_id = {} AND status = 'AVAILABLE'",
            uuid(app, &order)
        ))
        .await;
    if task == 0 {
        return (order, None);
    }
    let tasks = ok(app, &cast.admin, TASKS, json!({ "f": { "status": "AVAILABLE" } })).await;
    let id = tasks["editingTasks"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["orderId"] == order.as_str())
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned());
    (order, id)
}

async fn status(app: &TestApp, token: &str, order: &str) -> String {
    let body = ok(app, token, ORDER, json!({ "id": order })).await;
    body["order"]["status"].as_str().unwrap().to_owned()
}

async fn notices(app: &TestApp, user: &str, kind: &str) -> i64 {
    app.count_where(&format!(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = {} AND kind = '{kind}'",
        uuid(app, user)
    ))
    .await
}

fn review(score: i32) -> Value {
    json!({
        "qualityScore": score,
        "issues": [
            { "category": "GRAMMAR", "severity": "MINOR", "note": "Three comma splices." },
            { "category": "INSTRUCTIONS", "severity": "MAJOR", "note": "The brief asked for APA, not MLA." }
        ],
        "corrections": "Fixed the comma splices.",
        "summary": "Solid argument; citation style to fix."
    })
}

#[tokio::test]
async fn work_needing_an_editor_reaches_the_client_only_once_the_editor_passes_it() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let client_id = app.user_id("essays", "client@essays.test").await;
    let (order, task) = submitted(&app, &cast, "Edited essay").await;
    let task = task.expect("the submission opened a task");
    assert_eq!(status(&app, &cast.admin, &order).await, "UNDER_EDITING");
    assert_eq!(notices(&app, &client_id, "ORDER_SUBMITTED").await, 0, "the client hears nothing yet");

    // the editor sees the task in the pool, with the topic, but not the order yet
    let pool = ok(&app, &cast.editor, TASKS, json!({ "f": { "status": "AVAILABLE" } })).await;
    let node = &pool["editingTasks"]["edges"][0]["node"];
    assert_eq!((node["id"].as_str(), node["topic"].as_str()), (Some(task.as_str()), Some("Edited essay")), "{pool}");
    assert!(node["order"].is_null(), "an unclaimed task's order is not the editor's to read: {pool}");
    assert_eq!(code(&as_(&app, &cast.editor, ORDER, json!({ "id": order })).await), "NOT_FOUND");

    let claimed = ok(&app, &cast.editor, CLAIM, json!({ "id": task })).await;
    assert_eq!(claimed["claimEditingTask"]["status"], "CLAIMED");
    assert_eq!(claimed["claimEditingTask"]["assignment"], "CLAIMED");
    assert_eq!(claimed["claimEditingTask"]["order"]["topic"], "Edited essay");

    // completing before starting, and before a review, is refused and changes nothing
    assert_eq!(code(&as_(&app, &cast.editor, COMPLETE, json!({ "id": task })).await), "CONFLICT");
    ok(&app, &cast.editor, START, json!({ "id": task })).await;
    let early = as_(&app, &cast.editor, COMPLETE, json!({ "id": task })).await;
    assert_eq!((code(&early), reason(&early)), ("CONFLICT", "INCOMPLETE"), "{early}");
    assert_eq!(status(&app, &cast.admin, &order).await, "UNDER_EDITING");

    for bad in [0, 11] {
        let refused = as_(&app, &cast.editor, REVIEW, json!({ "id": task, "i": review(bad) })).await;
        assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", "input.qualityScore"), "{refused}");
    }
    assert_eq!(app.count("editing_reviews").await, 0, "a refused review writes nothing");
    let reviewed = ok(&app, &cast.editor, REVIEW, json!({ "id": task, "i": review(8) })).await;
    assert_eq!(reviewed["submitEditingReview"]["review"]["qualityScore"], 8);
    let done = ok(&app, &cast.editor, COMPLETE, json!({ "id": task })).await;
    assert_eq!(done["completeEditingTask"]["status"], "COMPLETED");

    assert_eq!(status(&app, &cast.client, &order).await, "SUBMITTED");
    assert_eq!(notices(&app, &client_id, "ORDER_SUBMITTED").await, 1, "the client is told once");
    let timeline = ok(&app, &cast.admin, ORDER, json!({ "id": order })).await;
    let kinds: Vec<&str> =
        timeline["order"]["timeline"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    for step in
        ["SUBMIT", "EDITING_OPENED", "EDITING_CLAIMED", "EDITING_STARTED", "EDITING_REVIEWED", "COMPLETE_EDITING"]
    {
        assert!(kinds.contains(&step), "{step} in {kinds:?}");
    }
    // the review feeds the writer's feedback: quality 8/10 → 4, one major instruction issue → 3
    let summary = ok(
        &app,
        &cast.admin,
        "query($w: ID) { writerProfile(writerId: $w) { feedbackSummary { count fromEditors { count quality followingInstructions } } } }",
        json!({ "w": cast.writer_id }),
    )
    .await;
    let editors = &summary["writerProfile"]["feedbackSummary"]["fromEditors"];
    assert_eq!((editors["count"].as_i64(), editors["quality"].as_f64()), (Some(1), Some(4.0)), "{summary}");
    assert_eq!(editors["followingInstructions"].as_f64(), Some(3.0), "{summary}");
    // the editor still reads the order they edited, never the client's money
    let money =
        as_(&app, &cast.editor, "query($id: ID!) { order(id: $id) { topic total } }", json!({ "id": order })).await;
    assert_eq!(money["data"]["order"]["topic"], "Edited essay", "{money}");
    assert_eq!(code(&money), "FORBIDDEN", "{money}");
    // the client approves as ever, and the writer is paid
    ok(&app, &cast.client, ACT, json!({ "id": order, "a": "APPROVE" })).await;
    assert_eq!(status(&app, &cast.client, &order).await, "COMPLETED");
}

#[tokio::test]
async fn a_rejected_submission_goes_back_to_the_writer_as_a_revision_and_is_edited_again() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (order, task) = submitted(&app, &cast, "Sent back").await;
    let task = task.unwrap();
    ok(&app, &cast.editor, CLAIM, json!({ "id": task })).await;
    ok(&app, &cast.editor, START, json!({ "id": task })).await;
    ok(&app, &cast.editor, REVIEW, json!({ "id": task, "i": review(3) })).await;

    // a writer's deadline in the past, or empty reason: refused, nothing changes
    let past = as_(&app, &cast.editor, REJECT, json!({ "id": task, "r": "Redo", "d": app.in_hours(-1) })).await;
    assert_eq!((code(&past), field(&past)), ("BAD_USER_INPUT", "writerDeadline"), "{past}");
    let empty = as_(&app, &cast.editor, REJECT, json!({ "id": task, "r": "  " })).await;
    assert_eq!(code(&empty), "BAD_USER_INPUT", "{empty}");
    assert_eq!(status(&app, &cast.admin, &order).await, "UNDER_EDITING");

    let deadline = app.in_hours(24);
    let rejected =
        ok(&app, &cast.editor, REJECT, json!({ "id": task, "r": "Fix the citation style", "d": deadline })).await;
    assert_eq!(rejected["rejectEditingTask"]["status"], "REJECTED");
    let seen = ok(&app, &cast.writer, ORDER, json!({ "id": order })).await;
    assert_eq!(seen["order"]["status"], "REVISION_REQUESTED", "{seen}");
    let revision = &seen["order"]["revisions"][0];
    assert_eq!(revision["reason"], "Fix the citation style");
    assert_eq!(revision["severity"], "MAJOR", "the worst issue's severity: {seen}");
    assert_eq!(revision["changes"].as_array().unwrap().len(), 2, "{seen}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(seen["order"]["writerDeadline"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&deadline).unwrap()
    );
    assert_eq!(notices(&app, &cast.writer_id, "REVISION_REQUESTED").await, 1);

    // the writer revises and submits again: a new task
    ok(&app, &cast.writer, ACT, json!({ "id": order, "a": "START_REVISION" })).await;
    ok(&app, &cast.writer, ACT, json!({ "id": order, "a": "SUBMIT" })).await;
    assert_eq!(status(&app, &cast.admin, &order).await, "UNDER_EDITING");
    let tasks = app
        .count_where(&format!("SELECT COUNT(*) AS n FROM editing_tasks WHERE order_id = {}", uuid(&app, &order)))
        .await;
    assert_eq!(tasks, 2);
}

#[tokio::test]
async fn the_site_policy_and_the_admins_choice_decide_which_work_is_edited() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    // NEVER (the default): straight to the client
    let (plain, task) = submitted(&app, &cast, "Not edited").await;
    assert!(task.is_none());
    assert_eq!(status(&app, &cast.admin, &plain).await, "SUBMITTED");

    // an admin asks for one order to be edited
    let order = app.order_in_progress(&cast.client, &cast.admin, (&cast.writer, &cast.writer_id), "Flagged", 2).await;
    let flag = "mutation($id: ID!, $r: Boolean) { setOrderEditing(orderId: $id, required: $r) }";
    ok(&app, &cast.admin, flag, json!({ "id": order, "r": true })).await;
    assert_eq!(code(&as_(&app, &cast.client, flag, json!({ "id": order, "r": false })).await), "FORBIDDEN");
    ok(&app, &cast.writer, ACT, json!({ "id": order, "a": "SUBMIT" })).await;
    assert_eq!(status(&app, &cast.admin, &order).await, "UNDER_EDITING");
    let late = as_(&app, &cast.admin, flag, json!({ "id": order, "r": false })).await;
    assert_eq!(code(&late), "CONFLICT", "too late once submitted: {late}");
    // nor on hold from editing
    ok(&app, &cast.admin, ACT, json!({ "id": order, "a": "HOLD" })).await;
    let held = as_(&app, &cast.admin, flag, json!({ "id": order, "r": false })).await;
    assert_eq!(code(&held), "CONFLICT", "on hold from editing: {held}");
    ok(&app, &cast.admin, ACT, json!({ "id": order, "a": "RESUME" })).await;

    // NEW_WRITERS: the writer has completed none of 2 yet
    ok(&app, &cast.admin, SETTINGS, json!({ "i": { "policy": "NEW_WRITERS", "newWriterOrders": 2 } })).await;
    let (_, task) = submitted(&app, &cast, "New writer").await;
    assert!(task.is_some());
    // ... and an admin's "no" for one order wins over the policy
    let order = app.order_in_progress(&cast.client, &cast.admin, (&cast.writer, &cast.writer_id), "Unflagged", 2).await;
    ok(&app, &cast.admin, flag, json!({ "id": order, "r": false })).await;
    ok(&app, &cast.writer, ACT, json!({ "id": order, "a": "SUBMIT" })).await;
    assert_eq!(status(&app, &cast.admin, &order).await, "SUBMITTED");

    // bad settings: nothing written
    let audit = app.count("audit_log").await;
    for (input, at) in [
        (json!({ "policy": "BY_LEVEL", "levelIds": [] }), "input.levelIds"),
        (json!({ "editorSharePercent": 0 }), "input.editorSharePercent"),
        (json!({ "newWriterOrders": 0 }), "input.newWriterOrders"),
    ] {
        let refused = as_(&app, &cast.admin, SETTINGS, json!({ "i": input })).await;
        assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", at), "{refused}");
    }
    assert_eq!(app.count("audit_log").await, audit);
    let read = ok(&app, &cast.admin, "{ editingSettings { policy newWriterOrders } }", json!({})).await;
    assert_eq!(read["editingSettings"], json!({ "policy": "NEW_WRITERS", "newWriterOrders": 2 }));
    // editors and writers do not manage editing
    assert_eq!(code(&as_(&app, &cast.editor, "{ editingSettings { policy } }", json!({})).await), "FORBIDDEN");
}

#[tokio::test]
async fn claims_are_refused_when_taken_beyond_the_limit_or_outside_expertise_and_write_nothing() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (_, first) = submitted(&app, &cast, "First").await;
    let (_, second) = submitted(&app, &cast, "Second").await;
    let (first, second) = (first.unwrap(), second.unwrap());
    let (other, _) = another_editor(&app, &cast.admin, 2).await;

    ok(&app, &cast.admin, PROFILE, json!({ "e": cast.editor_id, "i": { "maxConcurrentTasks": 1 } })).await;
    ok(&app, &cast.editor, CLAIM, json!({ "id": first })).await;
    let events = app.count("editing_task_events").await;
    // claimed by someone else already
    let taken = as_(&app, &other, CLAIM, json!({ "id": first })).await;
    assert_eq!(code(&taken), "CONFLICT", "{taken}");
    // beyond the editor's limit
    let full = as_(&app, &cast.editor, CLAIM, json!({ "id": second })).await;
    assert_eq!((code(&full), reason(&full)), ("CONFLICT", "CAPACITY_FULL"), "{full}");
    // completing a task not yours, and one of a task that does not exist
    assert_eq!(code(&as_(&app, &other, COMPLETE, json!({ "id": first })).await), "NOT_FOUND");
    assert_eq!(code(&as_(&app, &other, START, json!({ "id": first })).await), "NOT_FOUND");
    assert_eq!(code(&as_(&app, &other, REVIEW, json!({ "id": first, "i": review(5) })).await), "NOT_FOUND");
    assert_eq!(app.count("editing_task_events").await, events, "refusals write nothing");
    let still = app
        .count_where(&format!(
            "SELECT COUNT(*) AS n FROM editing_tasks WHERE id = {} AND status = 'AVAILABLE'",
            uuid(&app, &second)
        ))
        .await;
    assert_eq!(still, 1);

    // the site requires expertise: an editor of another subject may not claim
    let c = app.catalog("essays").await;
    let subject =
        c.iter().find(|(code, _)| code.as_str() != "english" && code.as_str() == "history").map(|(_, id)| id.clone());
    let subject = subject.unwrap_or_else(|| panic!("a second subject in {c:?}"));
    ok(&app, &cast.admin, SETTINGS, json!({ "i": { "requireExpertiseMatch": true } })).await;
    let (third, third_id) = another_editor(&app, &cast.admin, 3).await;
    ok(&app, &cast.admin, PROFILE, json!({ "e": third_id, "i": { "subjectIds": [subject] } })).await;
    let outside = as_(&app, &third, CLAIM, json!({ "id": second })).await;
    assert_eq!((code(&outside), reason(&outside)), ("CONFLICT", "OUTSIDE_EXPERTISE"), "{outside}");
    // an editor who takes tasks by assignment only may not claim
    ok(&app, &cast.admin, PROFILE, json!({ "e": third_id, "i": { "subjectIds": [], "mayClaim": false } })).await;
    assert_eq!(code(&as_(&app, &third, CLAIM, json!({ "id": second })).await), "FORBIDDEN");
    // an inactive editor takes nothing
    ok(&app, &cast.admin, PROFILE, json!({ "e": third_id, "i": { "mayClaim": true, "status": "INACTIVE" } })).await;
    let inactive = as_(&app, &third, CLAIM, json!({ "id": second })).await;
    assert_eq!((code(&inactive), reason(&inactive)), ("CONFLICT", "EDITOR_INACTIVE"), "{inactive}");
    // suspending needs a reason; a limit out of range is refused
    let bad = as_(&app, &cast.admin, PROFILE, json!({ "e": third_id, "i": { "status": "SUSPENDED" } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.reason"));
    let bad = as_(&app, &cast.admin, PROFILE, json!({ "e": third_id, "i": { "maxConcurrentTasks": 101 } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.maxConcurrentTasks"));
    assert_eq!(
        still,
        app.count_where(&format!(
            "SELECT COUNT(*) AS n FROM editing_tasks WHERE id = {} AND status = 'AVAILABLE'",
            uuid(&app, &second)
        ))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_twenty_editors_claiming_one_task_at_once_exactly_one_gets_it() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (_, task) = submitted(&app, &cast, "Contested").await;
    let task = task.unwrap();
    let mut editors = Vec::new();
    for n in 0..20 {
        editors.push(another_editor(&app, &cast.admin, 100 + n).await.0);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(editors.len()));
    let claims = editors.iter().map(|token| {
        let barrier = barrier.clone();
        let (app, task) = (&app, task.clone());
        async move {
            barrier.wait().await;
            as_(app, token, CLAIM, json!({ "id": task })).await
        }
    });
    let answers = futures::future::join_all(claims).await;
    let won = answers.iter().filter(|a| a["errors"].is_null()).count();
    let lost = answers.iter().filter(|a| code(a) == "CONFLICT").count();
    assert_eq!((won, lost), (1, 19), "{answers:?}");
    let claimed = app
        .count_where(&format!(
            "SELECT COUNT(*) AS n FROM editing_task_events WHERE task_id = {} AND kind = 'CLAIMED'",
            uuid(&app, &task)
        ))
        .await;
    assert_eq!(claimed, 1, "one claim recorded");
    let granted = app.count_where(&format!("SELECT COUNT(*) AS n FROM order_editors WHERE order_id IN (SELECT order_id FROM editing_tasks WHERE id = {})", uuid(&app, &task))).await;
    assert_eq!(granted, 1, "one editor reads the order");
}

#[tokio::test]
async fn admins_assign_and_reassign_and_editors_give_tasks_back() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (order, task) = submitted(&app, &cast, "Assigned").await;
    let task = task.unwrap();
    let (other, other_id) = another_editor(&app, &cast.admin, 2).await;

    let given = ok(&app, &cast.admin, ASSIGN, json!({ "id": task, "e": cast.editor_id })).await;
    assert_eq!(given["assignEditingTask"]["assignment"], "ASSIGNED");
    assert_eq!(notices(&app, &cast.editor_id, "EDITING_TASK_ASSIGNED").await, 1);
    let not_editor = as_(&app, &cast.admin, ASSIGN, json!({ "id": task, "e": cast.writer_id })).await;
    assert_eq!((code(&not_editor), field(&not_editor)), ("BAD_USER_INPUT", "editorId"));
    ok(&app, &cast.editor, START, json!({ "id": task })).await;
    // reassigned: the other editor holds it, to start again; the first no longer
    let moved = ok(&app, &cast.admin, ASSIGN, json!({ "id": task, "e": other_id })).await;
    assert_eq!(moved["assignEditingTask"]["status"], "CLAIMED");
    assert_eq!(moved["assignEditingTask"]["editorId"], other_id.as_str());
    assert_eq!(code(&as_(&app, &cast.editor, START, json!({ "id": task })).await), "NOT_FOUND");
    // both read the order now (held, and holding)
    assert_eq!(status(&app, &cast.editor, &order).await, "UNDER_EDITING");
    assert_eq!(status(&app, &other, &order).await, "UNDER_EDITING");

    // giving it back needs a reason; then it is in the pool again
    assert_eq!(code(&as_(&app, &other, UNCLAIM, json!({ "id": task, "r": "" })).await), "BAD_USER_INPUT");
    let back = ok(&app, &other, UNCLAIM, json!({ "id": task, "r": "Out of my depth" })).await;
    assert_eq!(back["unclaimEditingTask"]["status"], "AVAILABLE");
    assert!(back["unclaimEditingTask"]["editorId"].is_null());

    // the editors' list shows each one's load
    ok(&app, &cast.editor, CLAIM, json!({ "id": task })).await;
    let list = ok(
        &app,
        &cast.admin,
        "{ editors(first: 10) { totalCount edges { node { id name activeTasks maxConcurrentTasks } } } }",
        json!({}),
    )
    .await;
    let mine = list["editors"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["id"] == cast.editor_id.as_str())
        .unwrap();
    assert_eq!(mine["node"]["activeTasks"], 1, "{list}");
    assert_eq!(code(&as_(&app, &cast.editor, "{ editors(first: 10) { totalCount } }", json!({})).await), "FORBIDDEN");

    // an order cancelled under editing cancels its task
    ok(&app, &cast.admin, ACT, json!({ "id": order, "a": "CANCEL" })).await;
    let cancelled = app
        .count_where(&format!(
            "SELECT COUNT(*) AS n FROM editing_tasks WHERE id = {} AND status = 'CANCELLED'",
            uuid(&app, &task)
        ))
        .await;
    assert_eq!(cancelled, 1);
}

#[tokio::test]
async fn an_overdue_task_is_flagged_once_and_its_editor_and_the_admins_are_told() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let admin_id = app.user_id("essays", "admin@essays.test").await;
    let (_, task) = submitted(&app, &cast, "Slow").await;
    let task = task.unwrap();
    ok(&app, &cast.editor, CLAIM, json!({ "id": task })).await;
    app.run_jobs().await;
    assert_eq!(notices(&app, &cast.editor_id, "EDITING_TASK_OVERDUE").await, 0, "not due yet");
    // the editor's share is half of the 72 hours left
    app.clock.advance(chrono::Duration::hours(37));
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(notices(&app, &cast.editor_id, "EDITING_TASK_OVERDUE").await, 1);
    assert_eq!(notices(&app, &admin_id, "EDITING_TASK_OVERDUE").await, 1);
    let flagged = ok(
        &app,
        &cast.editor,
        "query($id: ID!) { editingTask(id: $id) { isOverdue overdueFlaggedAt } }",
        json!({ "id": task }),
    )
    .await;
    assert_eq!(flagged["editingTask"]["isOverdue"], true);
    assert!(flagged["editingTask"]["overdueFlaggedAt"].is_string());
    let dashboard =
        ok(&app, &cast.admin, "{ adminDashboard { editing { overdue byStatus { status count } } } }", json!({})).await;
    assert_eq!(dashboard["adminDashboard"]["editing"]["overdue"], 1, "{dashboard}");
}

#[tokio::test]
async fn another_sites_editor_sees_and_touches_nothing_of_this_one() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (order, task) = submitted(&app, &cast, "Ours").await;
    let task = task.unwrap();
    let theirs = app.sign_in("papers", "editor@papers.test").await;
    let on = |query: &'static str, vars: Value| {
        let theirs = theirs.clone();
        let app = &app;
        async move { app.gql(query).vars(vars).tenant("papers").token(&theirs).send().await }
    };
    assert_eq!(code(&on(CLAIM, json!({ "id": task })).await), "NOT_FOUND");
    assert_eq!(code(&on(REVIEW, json!({ "id": task, "i": review(5) })).await), "NOT_FOUND");
    let list = on(TASKS, json!({})).await;
    assert_eq!(list["data"]["editingTasks"]["totalCount"], 0, "{list}");
    assert_eq!(code(&on(ORDER, json!({ "id": order })).await), "NOT_FOUND");
    assert_eq!(app.count("editing_task_events").await, 1, "only the opening");
}

#[tokio::test]
async fn the_editor_dashboard_shows_their_tasks_record_and_load() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (_, done) = submitted(&app, &cast, "Done").await;
    let done = done.unwrap();
    ok(&app, &cast.editor, CLAIM, json!({ "id": done })).await;
    ok(&app, &cast.editor, START, json!({ "id": done })).await;
    ok(&app, &cast.editor, REVIEW, json!({ "id": done, "i": review(9) })).await;
    app.clock.advance(chrono::Duration::hours(2));
    ok(&app, &cast.editor, COMPLETE, json!({ "id": done })).await;
    let (_, held) = submitted(&app, &cast, "Held").await;
    ok(&app, &cast.admin, ASSIGN, json!({ "id": held.unwrap(), "e": cast.editor_id })).await;
    let (_, open) = submitted(&app, &cast, "Open").await;
    assert!(open.is_some());

    let query =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/queries/editor/dashboard.graphql"))
            .unwrap();
    let body = ok(&app, &cast.editor, &query, json!({})).await;
    let d = &body["editorDashboard"];
    assert_eq!(d["recentTasks"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d["availableTasks"][0]["topic"], "Open", "{d}");
    assert_eq!(d["performance"]["averageQualityScoreGiven"], 9.0);
    assert_eq!(d["performance"]["averageTurnaround"], 2.0, "claimed to completed: {d}");
    assert_eq!(d["performance"]["onTimeRate"], 1.0);
    let weeks = d["performance"]["completedPerWeek"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(weeks.iter().map(|w| w["completed"].as_i64().unwrap()).sum::<i64>(), 1);
    assert_eq!(d["taskAnalytics"]["byAssignment"], json!({ "claimed": 1, "assigned": 1 }));
    let by_status: Vec<(String, i64)> = d["taskAnalytics"]["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["status"].as_str().unwrap().to_owned(), s["count"].as_i64().unwrap()))
        .collect();
    assert!(
        by_status.contains(&("COMPLETED".into(), 1)) && by_status.contains(&("CLAIMED".into(), 1)),
        "{by_status:?}"
    );
    assert_eq!(d["recentActivity"][0]["kind"], "ASSIGNED", "newest first: {d}");
    assert_eq!(d["workload"]["activeTasks"], 1);
    assert_eq!(d["workload"]["limit"], 3);
    assert!(d["workload"]["estimatedCompletion"].is_string(), "{d}");
    // only editors have one
    assert_eq!(
        code(&as_(&app, &cast.writer, "{ editorDashboard { workload { limit } } }", json!({})).await),
        "FORBIDDEN"
    );
    let bad = as_(&app, &cast.editor, "{ editorDashboard { recentTasks(first: 0) { id } } }", json!({})).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "first"));
}

const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The first task in the pool.
async fn pool_task(app: &TestApp, admin: &str) -> String {
    let tasks = ok(app, admin, TASKS, json!({ "f": { "status": "AVAILABLE" } })).await;
    tasks["editingTasks"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned()
}

/// The delivered files of `order` as `token` lists them.
async fn delivered(app: &TestApp, token: &str, order: &str) -> usize {
    let files = "query($id: ID!) { order(id: $id) { files(kind: DELIVERABLE, versions: ALL) { name } } }";
    let body = ok(app, token, files, json!({ "id": order })).await;
    body["order"]["files"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_client_sees_neither_the_unedited_work_nor_the_editors_steps() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let order = app.order_in_progress(&cast.client, &cast.admin, (&cast.writer, &cast.writer_id), "Private", 2).await;
    let submit = "mutation($id: ID!, $files: [Upload!]!) { submitOrderWork(orderId: $id, files: $files) { status } }";
    let deliver = |name: &'static str| {
        app.gql(submit)
            .vars(json!({ "id": order }))
            .files(vec![(name, PDF.to_vec())])
            .tenant("essays")
            .token(&cast.writer)
    };
    let first = deliver("draft-1.pdf").send().await;
    assert_eq!(first["data"]["submitOrderWork"]["status"], "UNDER_EDITING", "{first}");
    assert_eq!(delivered(&app, &cast.client, &order).await, 0, "not the client's before the editor passes it");
    assert_eq!(delivered(&app, &cast.writer, &order).await, 1);

    // the editor sends the first version back; the second passes
    let first_task = pool_task(&app, &cast.admin).await;
    let unseen = as_(&app, &cast.editor, ORDER, json!({ "id": order })).await;
    assert_eq!(code(&unseen), "NOT_FOUND", "an editor without the task sees no order");
    ok(&app, &cast.editor, CLAIM, json!({ "id": first_task })).await;
    assert_eq!(delivered(&app, &cast.editor, &order).await, 1, "the editor reads the work");
    ok(&app, &cast.editor, START, json!({ "id": first_task })).await;
    // a summary longer than the timeline takes is refused before anything is written
    let mut long = review(4);
    long["summary"] = json!("x".repeat(2001));
    let refused = as_(&app, &cast.editor, REVIEW, json!({ "id": first_task, "i": long })).await;
    assert_eq!((code(&refused), field(&refused)), ("BAD_USER_INPUT", "input.summary"), "{refused}");
    ok(&app, &cast.editor, REVIEW, json!({ "id": first_task, "i": review(4) })).await;
    ok(&app, &cast.editor, REJECT, json!({ "id": first_task, "r": "Redo the citations" })).await;
    assert_eq!(delivered(&app, &cast.client, &order).await, 0, "a rejected version never reaches the client");
    ok(&app, &cast.writer, ACT, json!({ "id": order, "a": "START_REVISION" })).await;
    let second = deliver("draft-2.pdf").send().await;
    assert_eq!(second["data"]["submitOrderWork"]["status"], "UNDER_EDITING", "{second}");
    let second_task = pool_task(&app, &cast.admin).await;
    ok(&app, &cast.editor, CLAIM, json!({ "id": second_task })).await;
    ok(&app, &cast.editor, START, json!({ "id": second_task })).await;
    ok(&app, &cast.editor, REVIEW, json!({ "id": second_task, "i": review(9) })).await;
    ok(&app, &cast.editor, COMPLETE, json!({ "id": second_task })).await;
    let files = ok(
        &app,
        &cast.client,
        "query($id: ID!) { order(id: $id) { files(kind: DELIVERABLE, versions: ALL) { name version } timeline { kind note } } }",
        json!({ "id": order }),
    )
    .await;
    assert_eq!(files["order"]["files"], json!([{ "name": "draft-2.pdf", "version": 2 }]), "{files}");
    // the client's timeline shows the order going to editing and back, not the editors' steps
    let kinds: Vec<&str> =
        files["order"]["timeline"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"COMPLETE_EDITING") && !kinds.iter().any(|k| k.starts_with("EDITING_")), "{kinds:?}");
    let staff = ok(&app, &cast.admin, ORDER, json!({ "id": order })).await;
    assert!(staff["order"]["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "EDITING_CLAIMED"));
}

#[tokio::test]
async fn an_order_held_or_refunded_in_full_under_editing_stops_or_closes_its_task() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (order, task) = submitted(&app, &cast, "Held").await;
    let task = task.unwrap();
    ok(&app, &cast.admin, ACT, json!({ "id": order, "a": "HOLD" })).await;
    let held = as_(&app, &cast.editor, CLAIM, json!({ "id": task })).await;
    assert_eq!(code(&held), "CONFLICT", "no claims while the order is on hold: {held}");
    // the overdue check waits for an order on hold
    app.clock.advance(chrono::Duration::hours(40));
    app.run_jobs().await;
    assert_eq!(notices(&app, &cast.editor_id, "EDITING_TASK_OVERDUE").await, 0);
    ok(&app, &cast.admin, ACT, json!({ "id": order, "a": "RESUME" })).await;
    ok(&app, &cast.editor, CLAIM, json!({ "id": task })).await;

    // a full refund cancels the order, and its task with it
    let refund = "mutation($id: ID!, $a: Decimal!) { refundOrder(orderId: $id, input: {amount: $a, destination: EXTERNAL, reason: \"gone\"}) { id } }";
    let total = ok(&app, &cast.admin, "query($id: ID!) { order(id: $id) { total } }", json!({ "id": order })).await;
    ok(&app, &cast.admin, refund, json!({ "id": order, "a": total["order"]["total"] })).await;
    assert_eq!(status(&app, &cast.admin, &order).await, "CANCELLED");
    let cancelled = app
        .count_where(&format!(
            "SELECT COUNT(*) AS n FROM editing_tasks WHERE id = {} AND status = 'CANCELLED'",
            uuid(&app, &task)
        ))
        .await;
    assert_eq!(cancelled, 1);
    let left = ok(&app, &cast.editor, "{ editorDashboard { workload { activeTasks } } }", json!({})).await;
    assert_eq!(left["editorDashboard"]["workload"]["activeTasks"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_editor_completing_while_an_admin_cancels_ends_one_way_without_an_error() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    for round in 0..4 {
        let (order, task) = submitted(&app, &cast, &format!("Race {round}")).await;
        let task = task.unwrap();
        ok(&app, &cast.editor, CLAIM, json!({ "id": task })).await;
        ok(&app, &cast.editor, START, json!({ "id": task })).await;
        ok(&app, &cast.editor, REVIEW, json!({ "id": task, "i": review(7) })).await;
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let (b1, b2) = (barrier.clone(), barrier);
        let complete = async {
            b1.wait().await;
            as_(&app, &cast.editor, COMPLETE, json!({ "id": task })).await
        };
        let cancel = async {
            b2.wait().await;
            as_(&app, &cast.admin, ACT, json!({ "id": order, "a": "CANCEL" })).await
        };
        let (completed, cancelled) = futures::join!(complete, cancel);
        for answer in [&completed, &cancelled] {
            // the one that came second finds it moved on (the cancelled task is no longer the
            // editor's to complete); never an internal error (a deadlock)
            let fine = answer["errors"].is_null() || ["CONFLICT", "NOT_FOUND"].contains(&code(answer));
            assert!(fine, "round {round}: {answer}");
        }
        // the cancel went through (from editing, or once submitted), or it read the order under
        // editing and found it moved on (CONFLICT, STALE): then the work went to the client
        let expected = if cancelled["errors"].is_null() { "CANCELLED" } else { "SUBMITTED" };
        assert_eq!(status(&app, &cast.admin, &order).await, expected, "{completed} {cancelled}");
        let open = app
            .count_where(&format!(
                "SELECT COUNT(*) AS n FROM editing_tasks WHERE id = {} AND status IN ('AVAILABLE', 'CLAIMED', 'IN_PROGRESS')",
                uuid(&app, &task)
            ))
            .await;
        assert_eq!(open, 0, "round {round}: {completed} {cancelled}");
    }
}

#[tokio::test]
async fn clients_and_writers_reach_nothing_of_editing_and_editors_nothing_of_its_administration() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    always_edit(&app, &cast.admin).await;
    let (_, task) = submitted(&app, &cast, "Staff only").await;
    let task = task.unwrap();
    let id = json!({ "id": task });
    let editing: [(&str, Value); 8] = [
        (TASKS, json!({})),
        ("query($id: ID!) { editingTask(id: $id) { id } }", id.clone()),
        (CLAIM, id.clone()),
        (START, id.clone()),
        (COMPLETE, id.clone()),
        (REVIEW, json!({ "id": task, "i": review(5) })),
        (UNCLAIM, json!({ "id": task, "r": "no" })),
        ("{ editorDashboard { workload { limit } } }", json!({})),
    ];
    for token in [&cast.client, &cast.writer] {
        for (query, vars) in &editing {
            assert_eq!(code(&as_(&app, token, query, vars.clone()).await), "FORBIDDEN", "{query}");
        }
    }
    let administration: [(&str, Value); 6] = [
        ("{ editingSettings { policy } }", json!({})),
        ("{ editors(first: 5) { totalCount } }", json!({})),
        (SETTINGS, json!({ "i": { "policy": "NEVER" } })),
        (ASSIGN, json!({ "id": task, "e": cast.editor_id })),
        (PROFILE, json!({ "e": cast.editor_id, "i": { "maxConcurrentTasks": 50 } })),
        ("{ adminDashboard { editing { overdue } } }", json!({})),
    ];
    for token in [&cast.client, &cast.writer, &cast.editor] {
        for (query, vars) in &administration {
            assert_eq!(code(&as_(&app, token, query, vars.clone()).await), "FORBIDDEN", "{query}");
        }
    }
    // nothing moved: the task is still in the pool, the policy and the limit unchanged
    let still = ok(&app, &cast.admin, "query($id: ID!) { editingTask(id: $id) { status editorId } }", id).await;
    assert_eq!(still["editingTask"], json!({ "status": "AVAILABLE", "editorId": null }));
    let settings = ok(&app, &cast.admin, "{ editingSettings { policy } }", json!({})).await;
    assert_eq!(settings["editingSettings"]["policy"], "ALWAYS");
    let profile = ok(
        &app,
        &cast.admin,
        "query($id: ID) { editorProfile(id: $id) { maxConcurrentTasks } }",
        json!({ "id": cast.editor_id }),
    )
    .await;
    assert_eq!(profile["editorProfile"]["maxConcurrentTasks"], 3);
}
