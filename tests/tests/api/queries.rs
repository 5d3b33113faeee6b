//! The frontend's documents and the cost of list queries.

use serde_json::{Value, json};
use tests::{TestApp, code};

/// Shipped documents whose answer does not grow with the site's rows (one order; a mutation; a
/// template per kind).
const DO_NOT_GROW: [&str; 12] = [
    "admin/email-templates.graphql",
    "admin/level-proposals.graphql",
    "admin/security.graphql",
    "admin/support.graphql",
    "admin/writers.graphql",
    "client/notification-settings.graphql",
    "client/order-detail.graphql",
    "client/place-order.graphql",
    "client/security.graphql",
    "superadmin/security.graphql",
    "writer/profile.graphql",
    "writer/security.graphql",
];

/// Who sends the documents of a `docs/queries/<role>/` folder.
fn sender(role: &str) -> &'static str {
    match role {
        "client" => "client@essays.test",
        "admin" => "admin@essays.test",
        "writer" => "writer@essays.test",
        "editor" => "editor@essays.test",
        "support" => "support@essays.test",
        "superadmin" => gateway::seed::SUPERADMIN_EMAIL,
        other => panic!("docs/queries/{other}/: name the demo user who sends its documents here"),
    }
}

/// Every shipped document, as `(role, name, text)`, sorted.
fn shipped_documents() -> Vec<(String, String, String)> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/queries"));
    let mut documents = Vec::new();
    for role in std::fs::read_dir(root).unwrap() {
        let role = role.unwrap().path();
        for doc in std::fs::read_dir(&role).unwrap() {
            let doc = doc.unwrap().path();
            if doc.extension().is_some_and(|e| e == "graphql") {
                let name = |p: &std::path::Path| p.file_name().unwrap().to_string_lossy().into_owned();
                documents.push((name(&role), name(&doc), std::fs::read_to_string(&doc).unwrap()));
            }
        }
    }
    documents.sort();
    documents
}

fn spec(app: &TestApp, c: &std::collections::HashMap<String, String>, topic: &str) -> Value {
    json!({
        "topic": topic, "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": 3, "deadline": app.in_hours(100),
        "extraServiceIds": [c["plagiarism_report"]], "writerLevelId": c["advanced"],
    })
}

struct Site<'a> {
    app: &'a TestApp,
    client: String,
    admin: String,
    writer: String,
    writer_token: String,
    editor_token: String,
    support_token: String,
    support_id: String,
    catalog: std::collections::HashMap<String, String>,
    orders: Vec<String>,
    /// A ticket of the demo client about each order; the first one's conversation grows too.
    tickets: Vec<String>,
    drafts: usize,
}

impl Site<'_> {
    async fn send(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.app.gql(query).vars(variables).tenant("essays").token(token).send().await;
        assert!(body["errors"].is_null(), "{query}: {body}");
        body
    }

    /// The client opens a ticket about `order`: every other one the demo agent takes, notes
    /// and answers (and the client answers back); the first ticket's conversation gains a
    /// message from each side every time.
    async fn ticket_about(&mut self, order: &str) {
        let (client, support) = (self.client.clone(), self.support_token.clone());
        let input =
            json!({ "subject": "About my order", "category": "ORDER", "message": "When is it due?", "orderId": order });
        let opened = self
            .send(&client, "mutation($i: OpenTicketInput!) { openTicket(input: $i) { id } }", json!({ "i": input }))
            .await;
        let id = opened["data"]["openTicket"]["id"].as_str().unwrap().to_owned();
        let post = "mutation($id: ID!, $b: String!, $n: Boolean) { postTicketMessage(ticketId: $id, body: $b, internal: $n) { id } }";
        if self.tickets.len().is_multiple_of(2) {
            let assign = "mutation($id: ID!, $a: ID) { assignTicket(id: $id, agentId: $a) { id } }";
            self.send(&support, assign, json!({ "id": id, "a": self.support_id })).await;
            self.send(&support, post, json!({ "id": id, "b": "Checking with the writer.", "n": true })).await;
            self.send(&support, post, json!({ "id": id, "b": "On time, by Friday." })).await;
        }
        self.tickets.push(id);
        let first = self.tickets[0].clone();
        self.send(&support, post, json!({ "id": first, "b": "An update for you." })).await;
        self.send(&client, post, json!({ "id": first, "b": "Thank you." })).await;
    }

    /// Grows the site to `n` of everything the documents list: orders of the demo client (each
    /// paid, given the demo writer, every fifth partly refunded, so each has lines, payments,
    /// refunds, people and a timeline of several actors), drafts and presets.
    async fn grow_to(&mut self, n: usize) {
        if self.orders.is_empty() {
            // earnings may leave at once: the payouts grow with the orders
            let admin = self.admin.clone();
            let rules = "mutation { updatePayoutSettings(input: {holdDays: 0, minimum: \"0.01\"}) { holdDays } }";
            self.send(&admin, rules, json!({})).await;
        }
        while self.orders.len() < n {
            let i = self.orders.len();
            let input = spec(self.app, &self.catalog, &format!("Order {i}"));
            let placed = self
                .send(
                    &self.client,
                    "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
                    json!({ "i": input }),
                )
                .await;
            let id = placed["data"]["placeOrder"]["id"].as_str().unwrap().to_owned();
            let (admin, writer) = (self.admin.clone(), self.writer.clone());
            self.send(
                &admin,
                "mutation($id: ID!) { performOrderAction(orderId: $id, action: MARK_PAID) { id } }",
                json!({ "id": id }),
            )
            .await;
            if i.is_multiple_of(2) {
                self.send(
                    &admin,
                    "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }",
                    json!({ "id": id, "w": writer }),
                )
                .await;
                // every other of those is accepted and submitted: it goes to the editors (the
                // site edits all work), and every other task is edited through to the client
                if i.is_multiple_of(4) {
                    self.edit(&id, i.is_multiple_of(8) || i % 8 == 4).await;
                }
                // of those edited through and not disputed, the client approves: the writer is
                // paid, asks for some of it, and every other time the admin batches what waits
                if i % 8 == 4 {
                    self.paid_out(&id, i % 16 == 4).await;
                }
            } else {
                // every other order stays in the pool, asked for by the writer
                let token = self.writer_token.clone();
                self.send(&token, "mutation($id: ID!) { requestOrder(orderId: $id) { id } }", json!({ "id": id }))
                    .await;
            }
            if i.is_multiple_of(5) {
                self.send(
                    &admin,
                    "mutation($id: ID!) { refundOrder(orderId: $id, input: {amount: \"1.00\", destination: EXTERNAL, reason: \"late\"}) { id } }",
                    json!({ "id": id }),
                )
                .await;
            }
            self.ticket_about(&id).await;
            // delivered work the client disputes (every other one escalated to the admins)
            if i.is_multiple_of(8) {
                let client = self.client.clone();
                let input = json!({ "orderId": id, "reason": "Not what I asked for." });
                let opened = self
                    .send(
                        &client,
                        "mutation($i: OpenDisputeInput!) { openDispute(input: $i) { id } }",
                        json!({ "i": input }),
                    )
                    .await;
                if i.is_multiple_of(16) {
                    let support = self.support_token.clone();
                    let dispute = opened["data"]["openDispute"]["id"].clone();
                    self.send(
                        &support,
                        "mutation($id: ID!) { escalateDispute(id: $id, reason: \"Large order\") { id } }",
                        json!({ "id": dispute }),
                    )
                    .await;
                }
            }
            self.orders.push(id);
        }
        while self.drafts < n {
            let input = spec(self.app, &self.catalog, &format!("Draft {}", self.drafts));
            let client = self.client.clone();
            self.send(
                &client,
                "mutation($i: OrderSpecInput!) { saveOrderDraft(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
            let preset = json!({ "name": format!("Preset {}", self.drafts), "fields": { "pages": 2, "subjectId": self.catalog["english"] } });
            self.send(
                &client,
                "mutation($i: OrderPresetInput!) { createOrderPreset(input: $i) { id } }",
                json!({ "i": preset }),
            )
            .await;
            self.drafts += 1;
        }
    }
}

impl Site<'_> {
    /// The writer accepts and submits order `id` (to editing); the editor edits it through when
    /// `through`, else its task stays in the pool.
    async fn paid_out(&self, id: &str, batch: bool) {
        let (client, writer, admin) = (self.client.clone(), self.writer_token.clone(), self.admin.clone());
        let act = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id } }";
        self.send(&client, act, json!({ "id": id, "a": "APPROVE" })).await;
        self.send(&writer, "mutation { requestPayout(amount: \"1.00\") { id } }", json!({})).await;
        // a fine on each, every other one appealed
        let fine = self
            .send(
                &admin,
                "mutation($o: ID!) { issueFine(input: {orderId: $o, kind: OTHER, amount: \"1.00\", reason: \"Late reply\"}) { id } }",
                json!({ "o": id }),
            )
            .await;
        if batch {
            let appeal = "mutation($id: ID!) { appealFine(id: $id, reason: \"I replied in time\") { id } }";
            self.send(&writer, appeal, json!({ "id": fine["data"]["issueFine"]["id"] })).await;
            self.send(&admin, "mutation { createPayoutBatch { id } }", json!({})).await;
            // and one waits for the next batch
            self.send(&writer, "mutation { requestPayout(amount: \"1.00\") { id } }", json!({})).await;
        }
    }

    async fn edit(&self, id: &str, through: bool) {
        let (writer, editor) = (self.writer_token.clone(), self.editor_token.clone());
        let act = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id } }";
        self.send(&writer, act, json!({ "id": id, "a": "ACCEPT_ASSIGNMENT" })).await;
        self.send(&writer, act, json!({ "id": id, "a": "SUBMIT" })).await;
        if !through {
            return;
        }
        let pool = self
            .send(
                &editor,
                "{ editingTasks(filter: {status: AVAILABLE}, first: 100) { edges { node { id orderId } } } }",
                json!({}),
            )
            .await;
        let task = pool["data"]["editingTasks"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["orderId"] == id)
            .map(|e| e["node"]["id"].clone())
            .unwrap();
        for step in ["claimEditingTask", "startEditingTask"] {
            self.send(&editor, &format!("mutation($id: ID!) {{ {step}(id: $id) {{ id }} }}"), json!({ "id": task }))
                .await;
        }
        let review = json!({ "qualityScore": 7, "issues": [{ "category": "STYLE", "severity": "MINOR", "note": "Wordy" }], "summary": "Good" });
        self.send(
            &editor,
            "mutation($id: ID!, $i: EditingReviewInput!) { submitEditingReview(taskId: $id, input: $i) { id } }",
            json!({ "id": task, "i": review }),
        )
        .await;
        self.send(&editor, "mutation($id: ID!) { completeEditingTask(id: $id) { id } }", json!({ "id": task })).await;
    }
}

async fn place_orders(app: &TestApp, client: &str, n: usize) -> Vec<String> {
    let c = app.catalog("essays").await;
    let mut ids = Vec::new();
    for i in 0..n {
        let input = json!({
            "topic": format!("Order {i}"), "paperTypeId": c["essay"], "academicLevelId": c["masters"], "subjectId": c["history"],
            "workTypeId": c["writing"], "pages": 1 + i % 5, "deadline": app.in_hours(100),
        });
        let body = app
            .gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }")
            .vars(json!({ "i": input }))
            .tenant("essays")
            .token(client)
            .send()
            .await;
        ids.push(body["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned());
    }
    ids
}

fn statements(body: &Value) -> u64 {
    body["extensions"]["sql"]["statements"].as_u64().unwrap()
}

/// How many list items an answer holds, at any depth.
fn items(value: &Value) -> usize {
    match value {
        Value::Array(list) => list.len() + list.iter().map(items).sum::<usize>(),
        Value::Object(fields) => fields.values().map(items).sum(),
        _ => 0,
    }
}

/// Every document the frontends send (all of `docs/queries/`) is valid, executes for its role,
/// and costs the same number of SQL statements when the site has 50 of everything as when it
/// has 5: nothing is loaded once per row (orders' people, lines, payments, refunds and
/// timelines; drafts' estimated prices; presets).
#[tokio::test]
async fn every_shipped_document_costs_the_same_statements_for_5_rows_as_for_50() {
    let app = TestApp::spawn().await;
    let mut site = Site {
        app: &app,
        client: app.sign_in("essays", "client@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
        writer: app.user_id("essays", "writer@essays.test").await,
        writer_token: app.sign_in("essays", "writer@essays.test").await,
        editor_token: app.sign_in("essays", "editor@essays.test").await,
        support_token: app.sign_in("essays", "support@essays.test").await,
        support_id: app.user_id("essays", "support@essays.test").await,
        catalog: app.catalog("essays").await,
        orders: Vec::new(),
        tickets: Vec::new(),
        drafts: 0,
    };
    // the demo writer is given 25 orders and asks for 25
    app.roomy_writer_levels("essays").await;
    let level = app.gql("{ writerLevels { id } }").tenant("essays").token(&site.admin).send().await;
    for level in level["data"]["writerLevels"].as_array().unwrap() {
        site.send(
            &site.admin.clone(),
            "mutation($l: ID!) { updateWriterLevelRules(levelId: $l, input: { maxOpenRequests: 100 }) { id } }",
            json!({ "l": level["id"] }),
        )
        .await;
    }
    // the site edits all work, and the demo editor may hold all of it
    site.send(&site.admin.clone(), "mutation { updateEditingSettings(input: {policy: ALWAYS}) { policy } }", json!({}))
        .await;
    let editor = app.user_id("essays", "editor@essays.test").await;
    site.send(
        &site.admin.clone(),
        "mutation($e: ID!) { updateEditorProfile(editorId: $e, input: {maxConcurrentTasks: 100}) { id } }",
        json!({ "e": editor }),
    )
    .await;
    let documents = shipped_documents();
    assert!(documents.iter().any(|(role, ..)| role == "admin") && documents.len() >= 8, "{documents:?}");
    let mut tokens = std::collections::HashMap::new();
    for (role, ..) in &documents {
        if !tokens.contains_key(role) {
            tokens.insert(role.clone(), app.sign_in("essays", sender(role)).await);
        }
    }
    let mut runs: Vec<Vec<(u64, usize)>> = Vec::new();
    for rows in [5, 50] {
        site.grow_to(rows).await;
        let variables = json!({
            "id": site.orders[0], "orderId": site.orders[0], "input": spec(&app, &site.catalog, "Doc test"),
            "first": 50, "after": null, "filter": null, "idempotencyKey": null,
            "from": app.in_hours(-24), "to": app.in_hours(24 * 30), "ticketId": site.tickets[0],
        });
        let mut run = Vec::new();
        for (role, name, document) in &documents {
            // The fewest of three tries: a DataLoader batches what a page asks for within a
            // millisecond, and a machine busy with other tests can split a batch in two. An
            // N+1 is not noise: it costs a statement per row on every try.
            let mut fewest = u64::MAX;
            let mut answer = Value::Null;
            for _ in 0..3 {
                let body = app.gql(document).vars(variables.clone()).tenant("essays").token(&tokens[role]).send().await;
                assert!(body["errors"].is_null(), "{role}/{name}: {}", body["errors"]);
                assert!(body["data"].as_object().is_some_and(|d| !d.is_empty()), "{role}/{name}: {body}");
                fewest = fewest.min(statements(&body));
                answer = body["data"].clone();
            }
            run.push((fewest, items(&answer)));
        }
        runs.push(run);
    }
    for (i, (role, name, _)) in documents.iter().enumerate() {
        let ((small, few), (large, many)) = (runs[0][i], runs[1][i]);
        let doc = format!("{role}/{name}");
        assert_eq!(large, small, "{doc}: {small} statements with 5 rows, {large} with 50");
        if !DO_NOT_GROW.contains(&doc.as_str()) {
            assert!(many > few, "{doc}: its answer did not grow ({few} items, then {many}), so it measured nothing");
        }
    }
}

/// The orders page stays a handful of statements however much it shows.
#[tokio::test]
async fn an_orders_page_with_people_and_timelines_is_a_handful_of_statements() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    place_orders(&app, &client, 3).await;
    let page = "{ orders(first: 50) { edges { node { id status total client { displayName } writer { displayName } timeline { kind actor { displayName } } } } } }";
    let body = app.gql(page).tenant("essays").token(&admin).send().await;
    assert_eq!(body["data"]["orders"]["edges"].as_array().unwrap().len(), 3, "{body}");
    assert!(statements(&body) <= 8, "{}", statements(&body));
}

/// An order of a list page resolves in place when at most one of its asked fields loads; with
/// more (here four catalogue entries) they load together: one statement for all of them, as
/// for one.
#[tokio::test]
async fn an_orders_page_loads_its_catalogue_entries_in_one_statement() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    place_orders(&app, &client, 3).await;
    let one = "{ orders(first: 50) { edges { node { id paperType { code } } } } }";
    let four = "{ orders(first: 50) { edges { node { id paperType { code } subject { code } academicLevel { code } workType { code } } } } }";
    let one = app.gql(one).tenant("essays").token(&admin).send().await;
    let four = app.gql(four).tenant("essays").token(&admin).send().await;
    let node = &four["data"]["orders"]["edges"][2]["node"];
    assert!(
        ["paperType", "subject", "academicLevel", "workType"].iter().all(|f| node[f]["code"].is_string()),
        "{four}"
    );
    assert_eq!(statements(&four), statements(&one), "{four}");
}

#[tokio::test]
async fn the_client_dashboard_counts_orders_and_shows_recent_activity() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let ids = place_orders(&app, &client, 3).await;
    app.gql(
        "mutation($id: ID!) { performOrderAction(orderId: $id, action: MARK_PAID, note: \"wire transfer\") { id } }",
    )
    .vars(json!({ "id": ids[0] }))
    .tenant("essays")
    .token(&admin)
    .send()
    .await;
    app.gql("mutation($id: ID!) { performOrderAction(orderId: $id, action: CANCEL) { id } }")
        .vars(json!({ "id": ids[1] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    let q = "{ clientDashboard { stats { activeOrders completedOrders unpaidOrders totalSpent } recentActivity(first: 3) { orderTopic kind fromStatus toStatus } } }";
    let body = app.gql(q).tenant("essays").token(&client).send().await;
    let dash = &body["data"]["clientDashboard"];
    let paid_total = app
        .gql("query($id: ID!) { order(id: $id) { total } }")
        .vars(json!({ "id": ids[0] }))
        .tenant("essays")
        .token(&client)
        .send()
        .await;
    assert_eq!(
        dash["stats"],
        json!({ "activeOrders": 1, "completedOrders": 0, "unpaidOrders": 1, "totalSpent": paid_total["data"]["order"]["total"] }),
        "{body}"
    );
    let activity = dash["recentActivity"].as_array().unwrap();
    assert_eq!(activity.len(), 3);
    assert_eq!(
        activity[0],
        json!({ "orderTopic": "Order 1", "kind": "CANCEL", "fromStatus": "UNPAID", "toStatus": "CANCELLED" })
    );
    assert_eq!(activity[1]["kind"], "MARK_PAID");
    // the admin's action is in the audit log too
    let log = app
        .gql("{ auditLog(first: 5) { edges { node { action targetType after } } } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(log["data"]["auditLog"]["edges"][0]["node"]["action"], "order.mark_paid", "{log}");
    assert_eq!(log["data"]["auditLog"]["edges"][0]["node"]["after"]["note"], "wire transfer");
    // another client's dashboard is their own; staff have no client dashboard
    let other = app.gql(q).tenant("papers").token(&app.sign_in("papers", "client@papers.test").await).send().await;
    assert_eq!(other["data"]["clientDashboard"]["stats"]["unpaidOrders"], 0);
    assert_eq!(code(&app.gql(q).tenant("essays").token(&admin).send().await), "FORBIDDEN");
}
