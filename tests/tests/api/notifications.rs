//! Notifications end to end: what an order's people are told as it moves (each once), the
//! branded e-mail as a real SMTP server receives it, retries with the same Message-ID and a dead
//! delivery an admin retries, `.eml` files when no server is set, the in-app list and its read
//! marks, preferences, and the tenant's own templates (checked when saved).

use std::sync::Arc;

use jobs::{Registry, Worker, WorkerSettings};
use notifications::Mailer;
use notifications::entity::delivery::Entity as DeliveryRows;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::smtp::SmtpSink;
use tests::{TestApp, code, field};

const PLACE: &str = "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id status } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!, $n: String) { performOrderAction(orderId: $id, action: $a, note: $n) { id status } }";
const ASSIGN: &str = "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id status } }";
const INBOX: &str = "query($u: Boolean) { viewer { unreadNotificationCount notifications(first: 20, unreadOnly: $u) { totalCount edges { node { id kind title body read createdAt } } } } }";
const DELIVERIES: &str = "query($s: DeliveryStatus) { notificationDeliveries(status: $s, first: 20) { edges { node { id status attempts lastError address } } } }";

fn spec(app: &TestApp, c: &std::collections::HashMap<String, String>) -> Value {
    json!({
        "topic": "The economics of lighthouses", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"],
        "subjectId": c["english"], "workTypeId": c["writing"], "pages": 3, "deadline": app.in_hours(50),
        "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

async fn place(app: &TestApp, client: &str) -> String {
    let c = app.catalog("essays").await;
    let body = app.gql(PLACE).vars(json!({ "i": spec(app, &c) })).tenant("essays").token(client).send().await;
    body["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = app.gql(query).vars(vars).tenant("essays").token(token).send().await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body
}

fn worker(app: &TestApp, mailer: Mailer) -> Worker {
    let registry: Registry = gateway::worker::registry(mailer.into(), app.state.files.clone());
    Worker::new(app.db.clone(), Arc::new(app.clock.clone()), registry, WorkerSettings::default())
}

/// Runs what is due until nothing is.
async fn drain(worker: &Worker) {
    while worker.poll().await.unwrap().claimed > 0 {}
}

fn smtp(sink: &SmtpSink) -> Mailer {
    Mailer::new(Some(&sink.url()), std::env::temp_dir()).unwrap()
}

/// The essays site's branding, set by its admin.
async fn brand(app: &TestApp, admin: &str) {
    let input = json!({
        "subjectPrefix": "[Essays]", "fromName": "Essays Desk", "fromAddress": "desk@essays.test",
        "replyTo": "help@essays.test", "logoUrl": "https://essays.test/logo.png",
        "primaryColor": "#123456", "secondaryColor": "#abcdef", "footerText": "Essays Ltd, 1 Quill Street",
    });
    ok(app, admin, "mutation($i: BrandingInput!) { updateTenantBranding(input: $i) { slug } }", json!({ "i": input }))
        .await;
}

fn kinds(body: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = body["data"]["viewer"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn an_order_emails_its_branded_receipt_over_smtp_and_its_people_hear_of_each_step_once() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    brand(&app, &admin).await;

    let id = place(&app, &client).await;
    assert_eq!(app.count("notifications").await, 1, "the receipt, written with the order");
    assert!(sink.messages().is_empty(), "sent by the worker, not the request");
    let worker = worker(&app, smtp(&sink));
    drain(&worker).await;
    let sent = sink.messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, ["<client@essays.test>"]);
    let mail = sent[0].parsed();
    let from = mail.from().unwrap().first().unwrap();
    assert_eq!((from.name(), from.address()), (Some("Essays Desk"), Some("desk@essays.test")));
    assert_eq!(mail.reply_to().unwrap().first().unwrap().address(), Some("help@essays.test"));
    assert_eq!(mail.subject(), Some("[Essays] Order received: The economics of lighthouses"));
    let text = mail.body_text(0).unwrap();
    // minijinja escapes `/` in HTML as `&#x2f;`, which every mail reader decodes
    let html = mail.body_html(0).unwrap().replace("&#x2f;", "/");
    assert!(text.contains("Plagiarism report") && text.contains("Total: 80.49 USD"), "{text}");
    assert!(text.contains("Essays Ltd, 1 Quill Street") && html.contains("Essays Ltd, 1 Quill Street"));
    assert!(html.contains("https://essays.test/logo.png") && html.contains("#123456"), "{html}");
    let message_id = mail.message_id().unwrap().to_owned();
    let stored: Value = ok(&app, &admin, DELIVERIES, json!({ "s": "SENT" })).await;
    assert_eq!(stored["data"]["notificationDeliveries"]["edges"].as_array().unwrap().len(), 1);
    assert!(message_id.ends_with("@localhost"), "{message_id}");

    // the order's life: each person hears of each step once
    ok(&app, &admin, ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
    ok(&app, &admin, ASSIGN, json!({ "id": id, "w": writer_id })).await;
    ok(&app, &writer, ACT, json!({ "id": id, "a": "ACCEPT_ASSIGNMENT" })).await;
    ok(&app, &writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
    ok(&app, &client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
    drain(&worker).await;
    let client_inbox = ok(&app, &client, INBOX, json!({})).await;
    assert_eq!(
        kinds(&client_inbox),
        ["ORDER_ACCEPTED", "ORDER_COMPLETED", "ORDER_PAID", "ORDER_PLACED", "ORDER_SUBMITTED"],
        "{client_inbox}"
    );
    let writer_inbox = ok(&app, &writer, INBOX, json!({})).await;
    assert_eq!(kinds(&writer_inbox), ["ORDER_COMPLETED", "ORDER_OFFERED"]);
    assert_eq!(sink.messages().len(), 7, "one e-mail per notification");
    let writer_mail: Vec<_> = sink.messages().into_iter().filter(|m| m.to == ["<writer@essays.test>"]).collect();
    assert_eq!(writer_mail.len(), 2);
    let offered = writer_mail[0].parsed().body_text(0).unwrap().into_owned();
    assert!(!offered.contains("80.49"), "a writer is not told the client's price: {offered}");
}

#[tokio::test]
async fn the_inbox_counts_unread_and_marks_only_the_viewers_own_read() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let id = place(&app, &client).await;
    ok(&app, &admin, ACT, json!({ "id": id, "a": "MARK_PAID" })).await;

    let inbox = ok(&app, &client, INBOX, json!({})).await;
    assert_eq!(inbox["data"]["viewer"]["unreadNotificationCount"], 2);
    let first = inbox["data"]["viewer"]["notifications"]["edges"][0]["node"].clone();
    assert_eq!(first["kind"], "ORDER_PAID", "newest first");
    assert_eq!(first["title"], "Payment received: The economics of lighthouses");
    assert!(first["body"].as_str().unwrap().contains("80.49 USD"));

    // the admin cannot mark the client's notification read; the client can
    let mark = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }";
    let body = ok(&app, &admin, mark, json!({ "ids": [first["id"]] })).await;
    assert_eq!(body["data"]["markNotificationsRead"], 0);
    let body = ok(&app, &client, mark, json!({ "ids": [first["id"]] })).await;
    assert_eq!(body["data"]["markNotificationsRead"], 1);
    let unread = ok(&app, &client, INBOX, json!({ "u": true })).await;
    assert_eq!(kinds(&unread), ["ORDER_PLACED"]);
    assert_eq!(unread["data"]["viewer"]["unreadNotificationCount"], 1);
    let body = ok(&app, &client, "mutation { markAllNotificationsRead }", json!({})).await;
    assert_eq!(body["data"]["markAllNotificationsRead"], 1);
    let body = app.gql(mark).vars(json!({ "ids": ["nope"] })).tenant("essays").token(&client).send().await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "ids"));
    let body = app.gql(mark).vars(json!({ "ids": [] })).tenant("essays").token(&client).send().await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "ids"));
    let anonymous = app.gql(INBOX).tenant("essays").send().await;
    assert!(anonymous["data"]["viewer"].is_null(), "{anonymous}");
}

#[tokio::test]
async fn a_refused_send_is_retried_with_the_same_message_id_then_dead_and_an_admin_retries_it() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let worker = worker(&app, smtp(&sink));

    drain(&worker).await; // the hour's housekeeping
    sink.fail_next(1);
    place(&app, &client).await;
    assert_eq!(worker.poll().await.unwrap().retrying, 1);
    let failed = ok(&app, &admin, DELIVERIES, json!({ "s": "FAILED" })).await;
    let delivery = failed["data"]["notificationDeliveries"]["edges"][0]["node"].clone();
    assert!(delivery["lastError"].as_str().unwrap().contains("451"), "{delivery}");
    app.clock.advance(chrono::Duration::seconds(10));
    assert_eq!(worker.poll().await.unwrap().succeeded, 1);
    assert_eq!(sink.messages().len(), 1, "refused once, sent once");
    let stored = DeliveryRows::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(stored.attempts, 2);
    assert_eq!(
        sink.messages()[0].parsed().message_id().map(|m| format!("<{m}>")),
        stored.message_id,
        "the Message-ID fixed when the notification was written (the idempotency key) is the one sent"
    );

    // every attempt fails: dead after the fifth, then an admin's retry sends it
    sink.fail_next(5);
    let id = place(&app, &client).await;
    for _ in 0..5 {
        worker.poll().await.unwrap();
        app.clock.advance(chrono::Duration::hours(1));
    }
    let dead = ok(&app, &admin, DELIVERIES, json!({ "s": "DEAD" })).await;
    let dead = dead["data"]["notificationDeliveries"]["edges"].as_array().unwrap().clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["node"]["attempts"], 5);
    let retry = "mutation($id: ID!) { retryNotificationDelivery(id: $id) { status } }";
    let other = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(retry).vars(json!({ "id": dead[0]["node"]["id"] })).tenant("papers").token(&other).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "another tenant's admin: {body}");
    let body = app.gql(retry).vars(json!({ "id": dead[0]["node"]["id"] })).tenant("essays").token(&client).send().await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = ok(&app, &admin, retry, json!({ "id": dead[0]["node"]["id"] })).await;
    assert_eq!(body["data"]["retryNotificationDelivery"]["status"], "QUEUED");
    let body = app.gql(retry).vars(json!({ "id": dead[0]["node"]["id"] })).tenant("essays").token(&admin).send().await;
    assert_eq!(code(&body), "CONFLICT", "only a dead one: {body}");
    drain(&worker).await;
    let sent = sink.messages();
    assert_eq!(sent.len(), 2);
    assert!(sent[1].parsed().body_text(0).unwrap().contains(&id));
}

#[tokio::test]
async fn without_an_smtp_server_mail_is_written_as_eml_files() {
    let app = TestApp::spawn().await;
    let folder = tempfile::tempdir().unwrap();
    let client = app.sign_in("essays", "client@essays.test").await;
    place(&app, &client).await;
    let mailer = Mailer::new(None, folder.path().join("mail")).unwrap();
    drain(&worker(&app, mailer)).await;
    let files: Vec<_> = std::fs::read_dir(folder.path().join("mail")).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "eml"));
    let raw = std::fs::read(&files[0]).unwrap();
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("Order received: The economics of lighthouses"));
}

#[tokio::test]
async fn an_smtp_url_that_does_not_parse_or_would_send_a_password_in_clear_is_refused() {
    for url in ["smtp://[not a host", "ftp://mail.example.com", "smtp://user:secret@mail.example.com:587"] {
        let error = Mailer::new(Some(url), std::env::temp_dir()).err().unwrap_or_else(|| panic!("{url} was taken"));
        assert!(error.contains("SCRIPTORIUM_SMTP_URL") && !error.contains("secret"), "{error}");
    }
    for url in [
        "smtp://user:secret@mail.example.com:587?tls=required",
        "smtps://user:secret@mail.example.com",
        "smtp://127.0.0.1:2525",
    ] {
        assert!(Mailer::new(Some(url), std::env::temp_dir()).is_ok(), "{url}");
    }
}

#[tokio::test]
async fn preferences_choose_the_channels_of_each_kind() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let prefs = "query { viewer { notificationPreferences { kind email inApp } } }";
    let body = ok(&app, &client, prefs, json!({})).await;
    let all = body["data"]["viewer"]["notificationPreferences"].as_array().unwrap().clone();
    assert!(all.len() >= 10 && all.iter().all(|p| p["email"] == true && p["inApp"] == true), "{body}");

    let update = "mutation($i: [NotificationPreferenceInput!]!) { updateNotificationPreferences(input: $i) { kind email inApp } }";
    let body = app
        .gql(update)
        .vars(json!({ "i": [{ "kind": "ORDER_PLACED", "email": false, "inApp": true, "push": true }, { "kind": "ORDER_PLACED", "email": true, "inApp": true, "push": true }] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "input.1.kind"), "{body}");
    assert_eq!(app.count("notification_preferences").await, 0, "nothing saved");

    ok(
        &app,
        &client,
        update,
        json!({ "i": [{ "kind": "ORDER_PLACED", "email": false, "inApp": true, "push": true }] }),
    )
    .await;
    place(&app, &client).await;
    assert_eq!((app.count("notifications").await, app.count("notification_deliveries").await), (1, 0), "in-app only");
    ok(
        &app,
        &client,
        update,
        json!({ "i": [{ "kind": "ORDER_PLACED", "email": false, "inApp": false, "push": false }] }),
    )
    .await;
    place(&app, &client).await;
    assert_eq!(app.count("notifications").await, 1, "turned off: nothing written");
}

#[tokio::test]
async fn admins_edit_preview_and_reset_their_sites_templates_and_a_broken_one_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let update = "mutation($k: NotificationKind!, $s: String!, $h: String!, $t: String!) { updateEmailTemplate(kind: $k, subject: $s, html: $h, text: $t) { kind subject customized } }";
    let list = "query { emailTemplates { kind subject customized } }";

    let broken = json!({ "k": "ORDER_PLACED", "s": "Thanks for {{ order.topic }}", "h": "<p>Hi</p>\n<p>{{ order.price }}</p>", "t": "Hi" });
    let body = app.gql(update).vars(broken).tenant("essays").token(&admin).send().await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "html"), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("line 2"), "{body}");
    let body = ok(&app, &admin, list, json!({})).await;
    assert!(
        body["data"]["emailTemplates"].as_array().unwrap().iter().all(|t| t["customized"] == false),
        "nothing saved"
    );

    let good = json!({ "k": "ORDER_PLACED", "s": "Thanks for {{ order.topic }}", "h": "<p>We have {{ order.topic }}</p>", "t": "We have {{ order.topic }}" });
    let body = ok(&app, &admin, update, good).await;
    assert_eq!(body["data"]["updateEmailTemplate"]["customized"], true);
    let preview = "query($k: NotificationKind!) { previewEmail(kind: $k) { subject html text } }";
    let body = ok(&app, &admin, preview, json!({ "k": "ORDER_PLACED" })).await;
    assert_eq!(body["data"]["previewEmail"]["subject"], "Thanks for The economics of lighthouses");
    assert!(body["data"]["previewEmail"]["html"].as_str().unwrap().contains("We have The economics of lighthouses"));

    place(&app, &client).await;
    let inbox = ok(&app, &client, INBOX, json!({})).await;
    assert_eq!(
        inbox["data"]["viewer"]["notifications"]["edges"][0]["node"]["title"],
        "Thanks for The economics of lighthouses"
    );

    // other sites keep theirs; only admins see or change templates
    let other = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(list).tenant("papers").token(&other).send().await;
    assert!(body["data"]["emailTemplates"].as_array().unwrap().iter().all(|t| t["customized"] == false));
    let writer = app.sign_in("essays", "writer@essays.test").await;
    for query in [list, "query { previewEmail(kind: WELCOME) { subject } }"] {
        let body = app.gql(query).tenant("essays").token(&writer).send().await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    let reset = "mutation { resetEmailTemplate(kind: ORDER_PLACED) { subject customized } }";
    let body = ok(&app, &admin, reset, json!({})).await;
    assert_eq!(body["data"]["resetEmailTemplate"]["customized"], false);
    assert_eq!(body["data"]["resetEmailTemplate"]["subject"], "Order received: {{ order.topic }}");
}

#[tokio::test]
async fn signing_up_writes_a_welcome_and_a_taken_address_tells_no_one() {
    let app = TestApp::spawn().await;
    let token = app.sign_up("essays", "newcomer@essays.test", "New Comer").await;
    let inbox = ok(&app, &token, INBOX, json!({})).await;
    assert_eq!(kinds(&inbox), ["WELCOME"]);
    assert_eq!(inbox["data"]["viewer"]["notifications"]["edges"][0]["node"]["title"], "Welcome to Essays Demo");
    let before = app.count("notifications").await;
    let body = app
        .gql("mutation($i: SignUpInput!) { signUp(input: $i) { message } }")
        .vars(
            json!({ "i": { "email": "client@essays.test", "password": "long-enough-pw", "displayName": "Impostor" } }),
        )
        .tenant("essays")
        .send()
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("notifications").await, before, "no welcome for a taken address");
}

#[tokio::test]
async fn revisions_refunds_and_top_ups_tell_their_people_once() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let writer_id = app.user_id("essays", "writer@essays.test").await;
    let id = place(&app, &client).await;
    ok(&app, &admin, ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
    ok(&app, &admin, ASSIGN, json!({ "id": id, "w": writer_id })).await;
    ok(&app, &writer, ACT, json!({ "id": id, "a": "ACCEPT_ASSIGNMENT" })).await;
    ok(&app, &writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
    let revise = "mutation($id: ID!, $i: RevisionRequestInput!) { requestRevision(orderId: $id, input: $i) { id } }";
    let input = json!({ "severity": "MAJOR", "reason": "Cite two more sources", "changes": [{ "section": "References", "description": "Add two" }], "deadline": app.in_hours(30) });
    ok(&app, &client, revise, json!({ "id": id, "i": input })).await;
    let inbox = ok(&app, &writer, INBOX, json!({})).await;
    let newest = &inbox["data"]["viewer"]["notifications"]["edges"][0]["node"];
    assert_eq!(newest["kind"], "REVISION_REQUESTED");
    assert!(newest["body"].as_str().unwrap().contains("Cite two more sources"), "{newest}");

    let refund = "mutation($id: ID!) { refundOrder(orderId: $id, input: {amount: \"20.00\", destination: WALLET, reason: \"late\"}) { id } }";
    ok(&app, &admin, refund, json!({ "id": id })).await;
    let inbox = ok(&app, &client, INBOX, json!({})).await;
    let newest = &inbox["data"]["viewer"]["notifications"]["edges"][0]["node"];
    assert_eq!(newest["kind"], "ORDER_REFUNDED");
    assert!(
        newest["body"].as_str().unwrap().contains("20.00 USD") && newest["body"].as_str().unwrap().contains("wallet")
    );

    let top_up = "mutation { topUpWallet(amount: \"25.00\") { id } }";
    ok(&app, &client, top_up, json!({})).await;
    let completed = json!({ "id": "evt_1", "type": "checkout.session.completed", "data": { "object": {
        "id": "cs_test_1", "object": "checkout.session", "payment_status": "paid", "amount_total": 2500, "currency": "usd" } } });
    let now = kernel::Clock::now(&app.clock).timestamp();
    for _ in 0..2 {
        let (status, _) = app.stripe_webhook(&completed, tests::STRIPE_WEBHOOK_SECRET, now).await;
        assert_eq!(status, 200);
    }
    let inbox = ok(&app, &client, INBOX, json!({})).await;
    let credited: Vec<_> = inbox["data"]["viewer"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "WALLET_CREDITED")
        .collect();
    assert_eq!(credited.len(), 1, "a replayed webhook tells no one again");
    assert_eq!(credited[0]["node"]["body"], "Hello Demo Client,\n\n25.00 USD was added to your wallet.");
}

#[tokio::test]
async fn a_refund_at_the_sites_threshold_is_told_to_every_admin() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let settings = "mutation($a: Decimal) { updatePricingSettings(input: {largeRefund: $a}) { largeRefund } }";
    let body = app.gql(settings).vars(json!({ "a": "-1.00" })).tenant("essays").token(&admin).send().await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "largeRefund"), "{body}");
    let body = ok(&app, &admin, settings, json!({ "a": "30.00" })).await;
    assert_eq!(body["data"]["updatePricingSettings"]["largeRefund"], "30.00");
    let id = place(&app, &client).await;
    ok(&app, &admin, ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
    let refund = "mutation($id: ID!, $a: Decimal!) { refundOrder(orderId: $id, input: {amount: $a, destination: WALLET, reason: \"goodwill\"}) { id } }";
    ok(&app, &admin, refund, json!({ "id": id, "a": "10.00" })).await;
    let large = |body: &Value| kinds(body).iter().filter(|k| *k == "LARGE_REFUND").count();
    assert_eq!(large(&ok(&app, &admin, INBOX, json!({})).await), 0, "under the threshold");
    ok(&app, &admin, refund, json!({ "id": id, "a": "30.00" })).await;
    let inbox = ok(&app, &admin, INBOX, json!({})).await;
    assert_eq!(large(&inbox), 1);
    let note = &inbox["data"]["viewer"]["notifications"]["edges"][0]["node"];
    assert_eq!(note["title"], "Large refund: 30.00 USD for The economics of lighthouses");
    assert!(
        note["body"].as_str().unwrap().contains("Demo Admin refunded 30.00 USD")
            && note["body"].as_str().unwrap().contains("goodwill")
    );
    let client_inbox = ok(&app, &client, INBOX, json!({})).await;
    assert_eq!(large(&client_inbox), 0, "the client is told of the refund, not the admins' alert");
}
