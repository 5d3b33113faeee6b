//! Support tickets end to end: a requester opens one (about their own order), staff take it,
//! answer and note; the SLA clocks count only the site's working hours, pause while the
//! requester is awaited, warn and breach once each (the job), move with holidays; the
//! requester closes, rates once and reopens within the window; nothing written on bad input,
//! and no other requester's or site's ticket is reachable.

use chrono::{TimeZone, Utc};
use kernel::Clock;
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const OPEN: &str = "mutation($i: OpenTicketInput!) { openTicket(input: $i) { id status priority category subject orderId requesterRole requester { displayName } } }";
const POST: &str = "mutation($id: ID!, $b: String!, $n: Boolean) { postTicketMessage(ticketId: $id, body: $b, internal: $n) { id status firstResponseAt } }";
const ASSIGN: &str =
    "mutation($id: ID!, $a: ID) { assignTicket(id: $id, agentId: $a) { id assignee { id displayName } } }";
const STATUS: &str =
    "mutation($id: ID!, $s: TicketStatus!) { setTicketStatus(id: $id, status: $s) { id status closedAt } }";
const PRIORITY: &str =
    "mutation($id: ID!, $p: TicketPriority!) { setTicketPriority(id: $id, priority: $p) { id priority } }";
const REOPEN: &str = "mutation($id: ID!) { reopenTicket(id: $id) { id status reopenCount closedAt } }";
const RATE: &str = "mutation($id: ID!, $s: Int!, $c: String) { rateTicket(id: $id, score: $s, comment: $c) { id rating { score comment } } }";
const TICKET: &str = "query($id: ID!) { ticket(id: $id) { id status messages(first: 50) { totalCount nodes { body internal author { displayName } } } } }";
const SLA: &str = "query($id: ID!) { ticket(id: $id) { sla { firstResponse { state dueAt remaining targetMinutes warnedAt breachedAt metAt } resolution { state dueAt remaining targetMinutes warnedAt breachedAt metAt } } } }";
const HISTORY: &str = "query($id: ID!) { ticket(id: $id) { history(first: 100) { nodes { kind metric note } } } }";
const LIST: &str = "query($f: TicketFilter) { tickets(filter: $f, first: 50) { totalCount nodes { id subject status assignee { id } requester { id } } } }";
const SETTINGS: &str = "mutation($i: SupportSettingsInput!) { updateSupportSettings(input: $i) { warningPercent reopenWindowHours openings { weekday opens closes } } }";
const POLICY: &str = "mutation($i: SlaPolicyInput!) { updateSlaPolicy(input: $i) { slaPolicies { priority firstResponseMinutes resolutionMinutes } } }";
const HOLIDAY: &str =
    "mutation($d: String!, $n: String!) { addSupportHoliday(day: $d, name: $n) { holidays { day name } } }";
const UNHOLIDAY: &str = "mutation($d: String!) { removeSupportHoliday(day: $d) { holidays { day } } }";
const COMPLIANCE: &str = "query($f: DateTime!, $t: DateTime!, $g: SlaGroupBy!) { slaCompliance(from: $f, to: $t, groupBy: $g) { key agentId metric met breached rate } }";

async fn as_(app: &TestApp, tenant: &str, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant(tenant).token(token).send().await
}

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = as_(app, "essays", token, query, vars).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

async fn refused(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = as_(app, "essays", token, query, vars).await;
    assert!(!body["errors"].is_null(), "{query} should be refused: {body}");
    body
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

/// Every row support writes, to check that a refused call wrote none.
async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "tickets",
        "ticket_messages",
        "ticket_events",
        "ticket_slas",
        "support_settings",
        "sla_policies",
        "support_holidays",
        "support_daily_stats",
        "audit_log",
    ] {
        counts.push(app.count(table).await);
    }
    counts
}

async fn notices(app: &TestApp, kind: &str) -> i64 {
    app.count_where(&format!("SELECT COUNT(*) AS n FROM notifications WHERE kind = '{kind}'")).await
}

async fn events(app: &TestApp, kind: &str, metric: &str) -> i64 {
    app.count_where(&format!("SELECT COUNT(*) AS n FROM ticket_events WHERE kind = '{kind}' AND metric = '{metric}'"))
        .await
}

struct Cast {
    client: String,
    support: String,
    support_id: String,
    admin: String,
}

async fn cast(app: &TestApp) -> Cast {
    Cast {
        client: app.sign_in("essays", "client@essays.test").await,
        support: app.sign_in("essays", "support@essays.test").await,
        support_id: app.user_id("essays", "support@essays.test").await,
        admin: app.sign_in("essays", "admin@essays.test").await,
    }
}

async fn open(app: &TestApp, token: &str, input: Value) -> String {
    let data = ok(app, token, OPEN, json!({ "i": input })).await;
    data["openTicket"]["id"].as_str().unwrap().to_owned()
}

/// An order of `client` (placed, unpaid).
async fn place(app: &TestApp, client: &str, topic: &str) -> String {
    let c = app.catalog("essays").await;
    let spec = json!({
        "topic": topic, "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72),
    });
    let data =
        ok(app, client, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", json!({ "i": spec })).await;
    data["placeOrder"]["id"].as_str().unwrap().to_owned()
}

fn question() -> Value {
    json!({ "subject": "Where is my paper?", "category": "ORDER", "message": "It was due yesterday." })
}

#[tokio::test]
async fn a_client_is_answered_and_never_reads_staff_notes() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let order = place(&app, &c.client, "Tickets about orders").await;
    let mut input = question();
    input["orderId"] = json!(order);
    let data = ok(&app, &c.client, OPEN, json!({ "i": input })).await;
    let opened = &data["openTicket"];
    assert_eq!(opened["status"], "OPEN");
    assert_eq!(opened["priority"], "MEDIUM", "a requester's ticket starts at medium: {data}");
    assert_eq!(opened["orderId"], json!(order));
    assert_eq!(opened["requesterRole"], "CLIENT");
    let id = opened["id"].as_str().unwrap().to_owned();

    // the support queue: unassigned; the agent takes it
    let queue = ok(&app, &c.support, LIST, json!({ "f": { "unassigned": true } })).await;
    assert!(queue["tickets"]["nodes"].as_array().unwrap().iter().any(|t| t["id"] == json!(id)), "{queue}");
    let data = ok(&app, &c.support, ASSIGN, json!({ "id": id, "a": c.support_id })).await;
    assert_eq!(data["assignTicket"]["assignee"]["id"], json!(c.support_id));
    let mine = ok(&app, &c.support, LIST, json!({ "f": { "mine": true } })).await;
    assert_eq!(mine["tickets"]["totalCount"], 1);

    // a note among staff, then the answer: the answer is the first response
    ok(&app, &c.support, POST, json!({ "id": id, "b": "Writer says tonight.", "n": true })).await;
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["firstResponse"]["state"], "RUNNING", "a note is no response: {data}");
    let data = ok(&app, &c.support, POST, json!({ "id": id, "b": "Your paper arrives tonight." })).await;
    assert!(data["postTicketMessage"]["firstResponseAt"].is_string());
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    let sla = &data["ticket"]["sla"];
    assert_eq!(sla["firstResponse"]["state"], "MET", "{data}");
    assert_eq!(sla["resolution"]["state"], "RUNNING");
    assert_eq!(sla["resolution"]["targetMinutes"], 24 * 60);
    assert_eq!(notices(&app, "TICKET_REPLIED").await, 1, "the client hears of the answer, not of the note");

    // the client reads the conversation without the note, and neither the history nor the SLA
    let data = ok(&app, &c.client, TICKET, json!({ "id": id })).await;
    let bodies: Vec<&str> =
        data["ticket"]["messages"]["nodes"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["It was due yesterday.", "Your paper arrives tonight."]);
    assert_eq!(data["ticket"]["messages"]["totalCount"], 2);
    for query in [HISTORY, SLA] {
        let body = refused(&app, &c.client, query, json!({ "id": id })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    // staff read all three
    let data = ok(&app, &c.admin, TICKET, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["messages"]["totalCount"], 3);

    // the client writes: the agent hears of it
    ok(&app, &c.client, POST, json!({ "id": id, "b": "Thanks, I will wait." })).await;
    assert_eq!(notices(&app, "TICKET_CUSTOMER_REPLIED").await, 1);

    // the client closes it, rates it once, and reopens it within the window
    let data = ok(&app, &c.client, STATUS, json!({ "id": id, "s": "CLOSED" })).await;
    assert_eq!(data["setTicketStatus"]["status"], "CLOSED");
    let data = ok(&app, &c.admin, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["resolution"]["state"], "MET", "{data}");
    let data = ok(&app, &c.client, RATE, json!({ "id": id, "s": 5, "c": "Quick and kind." })).await;
    assert_eq!(data["rateTicket"]["rating"], json!({ "score": 5, "comment": "Quick and kind." }));
    let before = written(&app).await;
    let body = refused(&app, &c.client, RATE, json!({ "id": id, "s": 1 })).await;
    assert_eq!(code(&body), "CONFLICT", "rated once: {body}");
    assert_eq!(written(&app).await, before);
    app.clock.advance(chrono::Duration::hours(24));
    let data = ok(&app, &c.client, REOPEN, json!({ "id": id })).await;
    assert_eq!(data["reopenTicket"]["status"], "OPEN");
    assert_eq!(data["reopenTicket"]["reopenCount"], 1);
    let data = ok(&app, &c.admin, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["resolution"]["state"], "RUNNING", "the resolution clock runs again: {data}");
    let data = ok(&app, &c.admin, HISTORY, json!({ "id": id })).await;
    let kinds: Vec<&str> =
        data["ticket"]["history"]["nodes"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["OPENED", "STARTED", "ASSIGNED", "NOTE", "MESSAGE", "MET", "CLOSED", "RATED", "REOPENED", "RESUMED"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn a_paused_clock_stands_still_while_the_requester_is_awaited() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = open(&app, &c.client, question()).await;
    app.clock.advance(chrono::Duration::hours(2));
    ok(&app, &c.support, STATUS, json!({ "id": id, "s": "AWAITING_CUSTOMER" })).await;
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    let paused = data["ticket"]["sla"]["resolution"].clone();
    assert_eq!(paused["state"], "PAUSED", "{data}");
    assert_eq!(paused["remaining"], 22 * 3600, "two of its 24 hours used (round the clock by default)");
    assert!(paused["dueAt"].is_null(), "no due time while paused");
    // ten hours later nothing has been used
    app.clock.advance(chrono::Duration::hours(10));
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["resolution"]["remaining"], 22 * 3600);
    // the requester answers: the ticket is back with the agents and the clocks run again
    let data = ok(&app, &c.client, POST, json!({ "id": id, "b": "Here is the file name you asked for." })).await;
    assert_eq!(data["postTicketMessage"]["status"], "OPEN");
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    let resumed = &data["ticket"]["sla"]["resolution"];
    assert_eq!(resumed["state"], "RUNNING", "{data}");
    let due = chrono::DateTime::parse_from_rfc3339(resumed["dueAt"].as_str().unwrap()).unwrap();
    assert_eq!(due.with_timezone(&Utc), app.clock.now() + chrono::Duration::hours(22));
    assert_eq!(events(&app, "PAUSED", "RESOLUTION").await, 1);
    assert_eq!(events(&app, "RESUMED", "RESOLUTION").await, 1);
}

#[tokio::test]
async fn the_sla_job_counts_working_hours_and_warns_and_breaches_once() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    // Monday to Friday, 09:00 to 17:00 (the site is on UTC); critical: 30 minutes to answer, 60 to resolve
    let week: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
        .iter()
        .map(|d| json!({ "weekday": d, "opens": "09:00", "closes": "17:00" }))
        .collect();
    ok(&app, &c.admin, SETTINGS, json!({ "i": { "openings": week } })).await;
    let policy = json!({ "i": { "priority": "CRITICAL", "firstResponseMinutes": 30, "resolutionMinutes": 60 } });
    ok(&app, &c.admin, POLICY, policy).await;
    // Saturday 2026-11-21, 12:00: the ticket comes in, support makes it critical
    assert_eq!(app.clock.now(), Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap());
    let id = open(&app, &c.client, question()).await;
    ok(&app, &c.support, PRIORITY, json!({ "id": id, "p": "CRITICAL" })).await;
    let due = |data: &Value, metric: &str| data["ticket"]["sla"][metric]["dueAt"].as_str().unwrap_or("").to_owned();
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(due(&data, "firstResponse"), "2026-11-23T09:30:00Z", "due on Monday morning: {data}");
    assert_eq!(due(&data, "resolution"), "2026-11-23T10:00:00Z");
    // Monday is made a holiday: both move to Tuesday; taken back, they return
    ok(&app, &c.admin, HOLIDAY, json!({ "d": "2026-11-23", "n": "Founders' day" })).await;
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(due(&data, "firstResponse"), "2026-11-24T09:30:00Z", "{data}");
    ok(&app, &c.admin, UNHOLIDAY, json!({ "d": "2026-11-23" })).await;
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(due(&data, "firstResponse"), "2026-11-23T09:30:00Z");

    // the weekend passes: nothing is used, nothing is said
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 59, 0).unwrap());
    app.run_jobs().await;
    assert_eq!(notices(&app, "SLA_WARNING").await, 0);
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["firstResponse"]["remaining"], 30 * 60);
    // 09:25: past 80% of the first response's 30 minutes: one warning, to the admins (no agent yet)
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 9, 25, 0).unwrap());
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(events(&app, "WARNED", "FIRST_RESPONSE").await, 1);
    assert_eq!(notices(&app, "SLA_WARNING").await, 1, "one admin on the demo site, told once");
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["firstResponse"]["state"], "WARNING", "{data}");
    // 10:05: both targets passed: each breached once, however often the job runs
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 10, 5, 0).unwrap());
    app.run_jobs().await;
    app.clock.advance(chrono::Duration::minutes(5));
    app.run_jobs().await;
    assert_eq!(events(&app, "BREACHED", "FIRST_RESPONSE").await, 1);
    assert_eq!(events(&app, "BREACHED", "RESOLUTION").await, 1);
    assert_eq!(events(&app, "WARNED", "RESOLUTION").await, 0, "passed before a warning: breached only");
    assert_eq!(notices(&app, "SLA_BREACHED").await, 2);
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    let first = &data["ticket"]["sla"]["firstResponse"];
    assert_eq!(first["state"], "BREACHED", "{data}");
    assert!(first["remaining"].as_i64().unwrap() < 0);
    // answered late and closed: still breached, and the compliance report says so
    ok(&app, &c.support, POST, json!({ "id": id, "b": "Sorry for the wait." })).await;
    ok(&app, &c.support, STATUS, json!({ "id": id, "s": "CLOSED" })).await;
    let data = ok(&app, &c.support, SLA, json!({ "id": id })).await;
    assert_eq!(data["ticket"]["sla"]["firstResponse"]["state"], "BREACHED");
    assert_eq!(events(&app, "BREACHED", "FIRST_RESPONSE").await, 1, "a late answer breaches no twice");
    // an answered-in-time medium ticket beside it
    let on_time = open(&app, &c.client, question()).await;
    ok(&app, &c.support, POST, json!({ "id": on_time, "b": "On it." })).await;
    ok(&app, &c.support, STATUS, json!({ "id": on_time, "s": "CLOSED" })).await;
    let vars = json!({ "f": "2026-11-01T00:00:00Z", "t": "2026-12-01T00:00:00Z", "g": "PRIORITY" });
    let data = ok(&app, &c.admin, COMPLIANCE, vars).await;
    let rows = data["slaCompliance"].as_array().unwrap();
    let row = |key: &str, metric: &str| rows.iter().find(|r| r["key"] == key && r["metric"] == metric).cloned();
    assert_eq!(row("CRITICAL", "FIRST_RESPONSE").unwrap()["breached"], 1, "{data}");
    assert_eq!(row("CRITICAL", "FIRST_RESPONSE").unwrap()["met"], 0);
    assert_eq!(row("MEDIUM", "RESOLUTION").unwrap()["met"], 1);
    assert_eq!(row("MEDIUM", "RESOLUTION").unwrap()["rate"], 1.0);
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let id = open(&app, &c.client, question()).await;
    // another client's order
    let other = app.sign_up("essays", "other-client@essays.test", "Other Client").await;
    let theirs = place(&app, &other, "Not yours").await;
    let before = written(&app).await;
    let cases: Vec<(&str, &str, Value, &str, &str)> = vec![
        (
            &c.client,
            OPEN,
            json!({ "i": { "subject": "S", "category": "ORDER", "message": "M", "orderId": theirs } }),
            "NOT_FOUND",
            "",
        ),
        (
            &c.client,
            OPEN,
            json!({ "i": { "subject": " ", "category": "ORDER", "message": "M" } }),
            "BAD_USER_INPUT",
            "input.subject",
        ),
        (
            &c.client,
            OPEN,
            json!({ "i": { "subject": "S", "category": "ORDER", "message": "x".repeat(10_001) } }),
            "BAD_USER_INPUT",
            "input.message",
        ),
        (
            &c.client,
            OPEN,
            json!({ "i": { "subject": "S", "category": "ORDER", "message": "M", "priority": "CRITICAL" } }),
            "BAD_USER_INPUT",
            "input.priority",
        ),
        (
            &c.support,
            OPEN,
            json!({ "i": { "subject": "S", "category": "ORDER", "message": "M" } }),
            "BAD_USER_INPUT",
            "input.requesterId",
        ),
        (&c.client, POST, json!({ "id": id, "b": "psst", "n": true }), "FORBIDDEN", ""),
        (&writer, POST, json!({ "id": id, "b": "hello" }), "NOT_FOUND", ""),
        (&c.client, STATUS, json!({ "id": id, "s": "IN_PROGRESS" }), "FORBIDDEN", ""),
        (&c.support, STATUS, json!({ "id": id, "s": "ESCALATED" }), "BAD_USER_INPUT", "status"),
        (&c.client, RATE, json!({ "id": id, "s": 4 }), "CONFLICT", ""),
        (&c.client, REOPEN, json!({ "id": id }), "CONFLICT", ""),
        (
            &c.support,
            ASSIGN,
            json!({ "id": id, "a": app.user_id("essays", "client@essays.test").await }),
            "BAD_USER_INPUT",
            "agentId",
        ),
        (
            &c.admin,
            SETTINGS,
            json!({ "i": { "openings": [{ "weekday": "MONDAY", "opens": "17:00", "closes": "09:00" }] } }),
            "BAD_USER_INPUT",
            "input.openings[0]",
        ),
        (
            &c.admin,
            SETTINGS,
            json!({ "i": { "openings": [
            { "weekday": "MONDAY", "opens": "09:00", "closes": "13:00" },
            { "weekday": "MONDAY", "opens": "12:00", "closes": "17:00" } ] } }),
            "BAD_USER_INPUT",
            "input.openings[1]",
        ),
        (
            &c.admin,
            SETTINGS,
            json!({ "i": { "openings": [{ "weekday": "MONDAY", "opens": "9am", "closes": "17:00" }] } }),
            "BAD_USER_INPUT",
            "input.openings[0].opens",
        ),
        (&c.admin, SETTINGS, json!({ "i": { "openings": [] } }), "BAD_USER_INPUT", "input.openings"),
        (&c.admin, SETTINGS, json!({ "i": { "warningPercent": 100 } }), "BAD_USER_INPUT", "input.warningPercent"),
        (
            &c.admin,
            POLICY,
            json!({ "i": { "priority": "HIGH", "firstResponseMinutes": 0, "resolutionMinutes": 60 } }),
            "BAD_USER_INPUT",
            "input.firstResponseMinutes",
        ),
        (
            &c.admin,
            POLICY,
            json!({ "i": { "priority": "HIGH", "firstResponseMinutes": 30, "resolutionMinutes": 0 } }),
            "BAD_USER_INPUT",
            "input.resolutionMinutes",
        ),
        (
            &c.support,
            POLICY,
            json!({ "i": { "priority": "HIGH", "firstResponseMinutes": 30, "resolutionMinutes": 60 } }),
            "FORBIDDEN",
            "",
        ),
        (&c.admin, HOLIDAY, json!({ "d": "23/11/2026", "n": "x" }), "BAD_USER_INPUT", "day"),
        (&c.admin, UNHOLIDAY, json!({ "d": "2026-12-25" }), "NOT_FOUND", ""),
        (
            &c.admin,
            COMPLIANCE,
            json!({ "f": "2026-12-01T00:00:00Z", "t": "2026-11-01T00:00:00Z", "g": "AGENT" }),
            "BAD_USER_INPUT",
            "to",
        ),
    ];
    for (token, query, vars, expected, at) in cases {
        let body = refused(&app, token, query, vars).await;
        assert_eq!(code(&body), expected, "{query}: {body}");
        if !at.is_empty() {
            assert_eq!(field(&body), at, "{query}: {body}");
        }
        assert_eq!(written(&app).await, before, "{query} wrote something: {body}");
    }
    // the requester's window: closed, then too late to reopen
    ok(&app, &c.client, STATUS, json!({ "id": id, "s": "CLOSED" })).await;
    app.clock.advance(chrono::Duration::hours(7 * 24 + 1));
    let before = written(&app).await;
    let body = refused(&app, &c.client, REOPEN, json!({ "id": id })).await;
    assert_eq!((code(&body), reason(&body)), ("CONFLICT", "EXPIRED"), "{body}");
    let body = refused(&app, &c.client, POST, json!({ "id": id, "b": "hello?" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(written(&app).await, before);
    // staff may reopen it still
    ok(&app, &c.support, REOPEN, json!({ "id": id })).await;
}

#[tokio::test]
async fn no_one_reaches_another_requesters_or_another_sites_tickets() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = open(&app, &c.client, question()).await;
    let other = app.sign_up("essays", "nosy@essays.test", "Nosy Client").await;
    let body = refused(&app, &other, TICKET, json!({ "id": id })).await;
    assert_eq!(code(&body), "NOT_FOUND");
    let data = ok(&app, &other, LIST, json!({})).await;
    assert_eq!(data["tickets"]["totalCount"], 0);
    // the other site's staff see nothing of it
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let body = as_(&app, "papers", &papers, TICKET, json!({ "id": id })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = as_(&app, "papers", &papers, LIST, json!({})).await;
    assert_eq!(body["data"]["tickets"]["totalCount"], 0, "{body}");
    let body = as_(&app, "papers", &papers, POST, json!({ "id": id, "b": "hi", "n": true })).await;
    assert_eq!(code(&body), "NOT_FOUND");
    // editors have no tickets
    let editor = app.sign_in("essays", "editor@essays.test").await;
    let body = refused(&app, &editor, LIST, json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn messaging_switched_off_refuses_requesters_messages_but_not_staff_notes() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = open(&app, &c.client, question()).await;
    let toggles = "mutation($i: FeatureTogglesInput!) { updateTenantFeatureToggles(input: $i) { id } }";
    ok(&app, &c.admin, toggles, json!({ "i": { "allowedMessageTypes": ["CLIENT_WRITER", "WRITER_SUPPORT"] } })).await;
    let before = written(&app).await;
    let body = refused(&app, &c.client, OPEN, json!({ "i": question() })).await;
    assert_eq!((code(&body), reason(&body)), ("FORBIDDEN", "FEATURE_DISABLED"), "{body}");
    let body = refused(&app, &c.support, POST, json!({ "id": id, "b": "An answer" })).await;
    assert_eq!((code(&body), reason(&body)), ("FORBIDDEN", "FEATURE_DISABLED"), "{body}");
    assert_eq!(written(&app).await, before);
    ok(&app, &c.admin, toggles, json!({ "i": { "messaging": false, "allowedMessageTypes": ["CLIENT_SUPPORT"] } }))
        .await;
    let body = refused(&app, &c.client, POST, json!({ "id": id, "b": "Hello?" })).await;
    assert_eq!((code(&body), reason(&body)), ("FORBIDDEN", "FEATURE_DISABLED"), "{body}");
    // staff's notes are staff's own
    ok(&app, &c.support, POST, json!({ "id": id, "b": "Client asked again by phone.", "n": true })).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_agents_taking_one_ticket_one_wins() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let make = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
    let input = json!({ "i": { "email": "agent2@essays.test", "displayName": "Agent Two", "role": "SUPPORT", "password": "agent-password-1" } });
    let second_id = ok(&app, &c.admin, make, input).await["createUser"]["id"].as_str().unwrap().to_owned();
    let second = app.sign_in_with("essays", "agent2@essays.test", "agent-password-1").await;
    for _ in 0..3 {
        let id = open(&app, &c.client, question()).await;
        let (a, b) = tokio::join!(
            as_(&app, "essays", &c.support, ASSIGN, json!({ "id": id, "a": c.support_id })),
            as_(&app, "essays", &second, ASSIGN, json!({ "id": id, "a": second_id })),
        );
        let won = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
        assert_eq!(won, 1, "exactly one agent gets it: {a} {b}");
        for lost in [&a, &b].iter().filter(|r| !r["errors"].is_null()) {
            assert_eq!(code(lost), "CONFLICT", "{lost}");
        }
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM ticket_events WHERE kind = 'ASSIGNED' AND ticket_id IN (SELECT id FROM tickets WHERE assignee_id IS NOT NULL)"
            )
            .await,
            app.count_where("SELECT COUNT(*) AS n FROM tickets WHERE assignee_id IS NOT NULL").await,
            "one assignment recorded per ticket"
        );
    }
}

#[tokio::test]
async fn admins_balance_the_load_in_bulk_each_ticket_on_its_own() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(open(&app, &c.client, question()).await);
    }
    // the second is closed before the bulk assignment
    ok(&app, &c.client, STATUS, json!({ "id": ids[1], "s": "CLOSED" })).await;
    let bulk = "mutation($ids: [ID!]!, $a: ID) { bulkAssignTickets(ids: $ids, agentId: $a) { id ok code } }";
    let data = ok(&app, &c.admin, bulk, json!({ "ids": ids, "a": c.support_id })).await;
    let oks: Vec<bool> =
        data["bulkAssignTickets"].as_array().unwrap().iter().map(|r| r["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, false, true], "{data}");
    assert_eq!(data["bulkAssignTickets"][1]["code"], "CONFLICT");
    let mine = ok(&app, &c.support, LIST, json!({ "f": { "mine": true } })).await;
    assert_eq!(mine["tickets"]["totalCount"], 2);
    assert_eq!(notices(&app, "TICKET_ASSIGNED").await, 2, "the agent hears of each");
    // support agents do not assign in bulk; nothing moves
    let before = written(&app).await;
    let body = refused(&app, &c.support, bulk, json!({ "ids": ids, "a": c.support_id })).await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = refused(&app, &c.admin, bulk, json!({ "ids": [], "a": c.support_id })).await;
    assert_eq!(field(&body), "ids");
    assert_eq!(written(&app).await, before);
}

#[tokio::test]
async fn the_support_dashboard_counts_the_queue_and_the_agents_record() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let mine = open(&app, &c.client, question()).await;
    let mut urgent = question();
    urgent["subject"] = json!("Payment failed");
    urgent["category"] = json!("PAYMENT");
    let other = open(&app, &c.client, urgent).await;
    ok(&app, &c.support, PRIORITY, json!({ "id": other, "p": "HIGH" })).await;
    ok(&app, &c.support, ASSIGN, json!({ "id": mine, "a": c.support_id })).await;
    // answered after 30 minutes, closed after an hour, rated 4
    app.clock.advance(chrono::Duration::minutes(30));
    ok(&app, &c.support, POST, json!({ "id": mine, "b": "Here it is." })).await;
    app.clock.advance(chrono::Duration::minutes(30));
    ok(&app, &c.support, STATUS, json!({ "id": mine, "s": "CLOSED" })).await;
    ok(&app, &c.client, RATE, json!({ "id": mine, "s": 4 })).await;
    let query = "{ supportDashboard { queue { unassigned mine highPriority overdue active } workload { openTickets averageFirstResponse resolutionRate slaCompliance } ordersNeedingSupport { disputed paymentIssues refundRequests } analytics { ticketsPerDay(days: 3) { count } resolutionTimeTrend(weeks: 2) { averageSeconds closed } byCategory { category total active } satisfaction { distribution count average } } recentTickets(first: 5) { subject } } }";
    let data = ok(&app, &c.support, query, json!({})).await;
    let d = &data["supportDashboard"];
    assert_eq!(
        d["queue"],
        json!({ "unassigned": 1, "mine": 0, "highPriority": 1, "overdue": 0, "active": 1 }),
        "{data}"
    );
    assert_eq!(d["workload"]["openTickets"], 0);
    assert_eq!(d["workload"]["averageFirstResponse"].as_f64().map(f64::round), Some(1800.0), "{data}");
    assert_eq!(d["workload"]["resolutionRate"], 1.0);
    assert_eq!(d["workload"]["slaCompliance"], 1.0, "both clocks met: {data}");
    assert_eq!(d["ordersNeedingSupport"]["paymentIssues"], 1);
    let per_day: i64 =
        d["analytics"]["ticketsPerDay"].as_array().unwrap().iter().map(|x| x["count"].as_i64().unwrap()).sum();
    assert_eq!(per_day, 2);
    let closed: Vec<&Value> =
        d["analytics"]["resolutionTimeTrend"].as_array().unwrap().iter().filter(|w| w["closed"] == 1).collect();
    assert_eq!(closed.len(), 1, "{data}");
    assert_eq!(closed[0]["averageSeconds"].as_f64().map(f64::round), Some(3600.0));
    assert_eq!(d["analytics"]["satisfaction"], json!({ "distribution": [0, 0, 0, 1, 0], "count": 1, "average": 4.0 }));
    assert_eq!(d["recentTickets"][0]["subject"], "Payment failed", "newest first");
    // clients and writers have no support dashboard
    let body = refused(&app, &c.client, query, json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN");
}

/// The site's daily support statistics, every row with a count, in order.
async fn daily_stats(app: &TestApp) -> Vec<Vec<String>> {
    use sea_orm::ConnectionTrait;
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(day AS TEXT) AS day, category, CAST(opened AS BIGINT) AS o, CAST(closed AS BIGINT) AS c, \
             CAST(resolution_seconds AS BIGINT) AS s, CAST(rated_1 AS BIGINT) AS r1, CAST(rated_2 AS BIGINT) AS r2, \
             CAST(rated_3 AS BIGINT) AS r3, CAST(rated_4 AS BIGINT) AS r4, CAST(rated_5 AS BIGINT) AS r5 \
             FROM support_daily_stats ORDER BY tenant_id, day, category",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let mut cells =
                vec![row.try_get::<String>("", "day").unwrap(), row.try_get::<String>("", "category").unwrap()];
            cells.extend(
                ["o", "c", "s", "r1", "r2", "r3", "r4", "r5"].map(|c| row.try_get::<i64>("", c).unwrap().to_string()),
            );
            cells
        })
        .filter(|cells| cells[2..].iter().any(|n| n != "0"))
        .collect()
}

/// Every ticket's SLA record (clocks met, breached, overdue) as kept, in order.
async fn sla_records(app: &TestApp) -> Vec<(String, i64, i64, bool)> {
    use sea_orm::ConnectionTrait;
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT subject, CAST(sla_met AS BIGINT) AS met, CAST(sla_breached AS BIGINT) AS breached, \
             CASE WHEN sla_overdue THEN 1 ELSE 0 END AS overdue FROM tickets ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            (
                row.try_get::<String>("", "subject").unwrap(),
                row.try_get::<i64>("", "met").unwrap(),
                row.try_get::<i64>("", "breached").unwrap(),
                row.try_get::<i32>("", "overdue").unwrap() == 1,
            )
        })
        .collect()
}

#[tokio::test]
async fn the_dashboards_history_is_kept_step_by_step_and_equals_the_tickets() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    // a site in Berlin, the weekend its clocks go forward (Sunday 28 March 2027 is 23 hours long)
    assert_eq!(app.set_time_zone("essays", "Europe/Berlin").await, "Europe/Berlin");
    app.clock.set(Utc.with_ymd_and_hms(2027, 3, 27, 12, 0, 0).unwrap());
    let c = cast(&app).await;
    let query = "{ supportDashboard { queue { overdue active } workload { slaCompliance } analytics { today: ticketsPerDay(days: 1) { count } ticketsPerDay(days: 3) { day count } resolutionTimeTrend(weeks: 1) { averageSeconds closed } byCategory(days: 3) { category total active } satisfaction(days: 1) { distribution } } } }";
    // Saturday: one ticket, closed after an hour
    let a = open(&app, &c.client, question()).await;
    app.clock.advance(chrono::Duration::hours(1));
    ok(&app, &c.support, STATUS, json!({ "id": a, "s": "CLOSED" })).await;
    // Sunday: reopened by its requester (its Saturday closing is taken back) and closed again 25
    // hours after it opened; a payment ticket closed after 30 minutes (rated 5); a technical
    // one stays open
    app.clock.advance(chrono::Duration::hours(24));
    ok(&app, &c.client, REOPEN, json!({ "id": a })).await;
    let mut payment = question();
    payment["subject"] = json!("Charged twice");
    payment["category"] = json!("PAYMENT");
    let b = open(&app, &c.client, payment).await;
    let mut technical = question();
    technical["subject"] = json!("Upload fails");
    technical["category"] = json!("TECHNICAL");
    let t = open(&app, &c.client, technical).await;
    ok(&app, &c.support, STATUS, json!({ "id": a, "s": "CLOSED" })).await;
    app.clock.advance(chrono::Duration::minutes(30));
    ok(&app, &c.support, STATUS, json!({ "id": b, "s": "CLOSED" })).await;
    ok(&app, &c.client, RATE, json!({ "id": b, "s": 5 })).await;

    let data = ok(&app, &c.support, query, json!({})).await;
    let d = &data["supportDashboard"]["analytics"];
    assert_eq!(d["today"], json!([{ "count": 2 }]), "{data}");
    // Berlin's days: Friday from 23:00 UTC (winter time), Saturday likewise, Sunday (today)
    assert_eq!(
        d["ticketsPerDay"],
        json!([
            { "day": "2027-03-25T23:00:00Z", "count": 0 },
            { "day": "2027-03-26T23:00:00Z", "count": 1 },
            { "day": "2027-03-27T23:00:00Z", "count": 2 },
        ]),
        "{data}"
    );
    // two closings, 25 h and 30 min: the reopened ticket's first is not counted
    assert_eq!(d["resolutionTimeTrend"][0]["closed"], 2, "{data}");
    assert_eq!(d["resolutionTimeTrend"][0]["averageSeconds"].as_f64(), Some((90_000.0 + 1_800.0) / 2.0), "{data}");
    assert_eq!(
        d["byCategory"],
        json!([
            { "category": "ORDER", "total": 1, "active": 0 },
            { "category": "PAYMENT", "total": 1, "active": 0 },
            { "category": "TECHNICAL", "total": 1, "active": 1 },
        ]),
        "{data}"
    );
    assert_eq!(d["satisfaction"]["distribution"], json!([0, 0, 0, 0, 1]), "{data}");

    // the technical ticket, the agent's, goes unanswered past its first response target
    // (medium: 12 hours): overdue, and the agent's record shows the breach
    ok(&app, &c.support, ASSIGN, json!({ "id": t, "a": c.support_id })).await;
    app.clock.advance(chrono::Duration::hours(12));
    app.run_jobs().await;
    let data = ok(&app, &c.support, query, json!({})).await;
    let d = &data["supportDashboard"];
    assert_eq!(d["queue"], json!({ "overdue": 1, "active": 1 }), "{data}");
    assert_eq!(d["workload"]["slaCompliance"], 0.0, "{data}");
    // Monday began at 22:00 UTC (summer time): Sunday was 23 hours long
    assert_eq!(d["analytics"]["ticketsPerDay"][2]["day"], "2027-03-28T22:00:00Z", "{data}");
    // answered late: no longer overdue, still breached
    ok(&app, &c.support, POST, json!({ "id": t, "b": "Looking into it." })).await;
    let data = ok(&app, &c.support, query, json!({})).await;
    let d = &data["supportDashboard"];
    assert_eq!(d["queue"], json!({ "overdue": 0, "active": 1 }), "{data}");
    assert_eq!(d["workload"]["slaCompliance"], 0.0, "{data}");

    // the SLA records kept step by step are those the clocks give when counted afresh
    let kept = sla_records(&app).await;
    assert!(kept.iter().any(|(subject, _, breached, _)| subject == "Upload fails" && *breached == 1), "{kept:?}");
    app.db.execute_unprepared("UPDATE tickets SET sla_met = 0, sla_breached = 0, sla_overdue = FALSE").await.unwrap();
    app.db.execute_unprepared(migration::m20261213_000033_support_stats::RECOUNT_SLA).await.unwrap();
    assert_eq!(sla_records(&app).await, kept);
    // and the daily counts kept step by step are those the tickets give when counted afresh
    let kept = daily_stats(&app).await;
    assert_eq!(kept.len(), 4, "Saturday's ticket, and Sunday's three categories: {kept:?}");
    app.db.execute_unprepared("DELETE FROM support_daily_stats").await.unwrap();
    assert!(daily_stats(&app).await.is_empty());
    migration::m20261213_000033_support_stats::fill_daily_stats(&app.db).await.unwrap();
    assert_eq!(daily_stats(&app).await, kept);
}
