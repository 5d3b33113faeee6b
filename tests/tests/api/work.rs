//! Getting work through the API: the pool as writers see it (never the client or the price),
//! taking, requests, the preferred writer, and an admin's offer, each through the gate; a
//! refusal names its reason and changes nothing.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const POOL: &str = "query($f: AvailableOrdersFilter) { availableOrders(filter: $f, first: 50) { totalCount edges { node { id topic pages writerDeadline pay subject { code } } } } }";
const TAKE: &str = "mutation($id: ID!) { takeOrder(orderId: $id) { id status } }";
const ASK: &str = "mutation($id: ID!) { requestOrder(orderId: $id, note: \"I know this topic\") { id status } }";
const APPROVE: &str = "mutation($id: ID!) { approveOrderRequest(id: $id) { request { status } order { status } } }";
const MY_REQUESTS: &str = "query($s: OrderRequestStatus) { viewer { orderRequests(status: $s, first: 20) { edges { node { id orderId status reason } } } } }";
const RULES: &str =
    "mutation($l: ID!, $i: WriterLevelRulesInput!) { updateWriterLevelRules(levelId: $l, input: $i) { code } }";
const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";

struct Site {
    admin: String,
    client: String,
    writer: String,
    writer_id: String,
    level: String,
    catalog: std::collections::HashMap<String, String>,
}

async fn site(app: &TestApp) -> Site {
    let writer = app.sign_in("essays", "writer@essays.test").await;
    let level = app.gql("{ writerProfile { level { id } } }").tenant("essays").token(&writer).send().await;
    Site {
        admin: app.sign_in("essays", "admin@essays.test").await,
        client: app.sign_in("essays", "client@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
        level: level["data"]["writerProfile"]["level"]["id"].as_str().unwrap_or_else(|| panic!("{level}")).to_owned(),
        catalog: app.catalog("essays").await,
        writer,
    }
}

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

impl Site {
    /// A paid order of the demo client, naming `preferred` as its writer when given.
    async fn paid(&self, app: &TestApp, topic: &str, pages: i32, preferred: Option<&str>) -> String {
        let id = self.placed(app, topic, pages, preferred).await;
        let paid = as_(app, &self.admin, ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
        assert!(paid["errors"].is_null(), "{paid}");
        id
    }

    /// The same order, placed and not paid.
    async fn placed(&self, app: &TestApp, topic: &str, pages: i32, preferred: Option<&str>) -> String {
        let c = &self.catalog;
        let spec = json!({
            "topic": topic, "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
            "workTypeId": c["writing"], "pages": pages, "deadline": app.in_hours(72), "preferredWriterId": preferred,
        });
        let placed = as_(
            app,
            &self.client,
            "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
            json!({ "i": spec }),
        )
        .await;
        placed["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{placed}")).to_owned()
    }

    async fn rules(&self, app: &TestApp, rules: Value) {
        let set = as_(app, &self.admin, RULES, json!({ "l": self.level, "i": rules })).await;
        assert!(set["errors"].is_null(), "{set}");
    }
}

async fn status_of(app: &TestApp, site: &Site, id: &str) -> Value {
    let body =
        as_(app, &site.admin, "query($id: ID!) { order(id: $id) { status writer { id } } }", json!({ "id": id })).await;
    body["data"]["order"].clone()
}

/// How many refunds the order has had.
async fn refunds_of(app: &TestApp, site: &Site, id: &str) -> usize {
    let body =
        as_(app, &site.admin, "query($id: ID!) { order(id: $id) { refunds { amount } } }", json!({ "id": id })).await;
    body["data"]["order"]["refunds"].as_array().unwrap_or_else(|| panic!("{body}")).len()
}

#[tokio::test]
async fn writers_see_the_work_and_their_pay_never_the_client_or_the_price() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    let small = site.paid(&app, "Small and in the pool", 2, None).await;
    let large = site.paid(&app, "Too large for a new writer", 60, None).await;
    let _unpaid = {
        let c = &site.catalog;
        let spec = json!({ "topic": "Not paid", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"], "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72) });
        as_(&app, &site.client, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", json!({ "i": spec }))
            .await
    };

    // the level takes orders of at most 50 pages: the large one is not shown, nor the unpaid one
    let pool = as_(&app, &site.writer, POOL, json!({})).await;
    let ids: Vec<&str> = pool["data"]["availableOrders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&small.as_str()), "{pool}");
    assert!(!ids.contains(&large.as_str()), "{pool}");
    let node = &pool["data"]["availableOrders"]["edges"][0]["node"];
    assert!(node["pay"].as_str().is_some_and(|p| p != "0.00"), "the writer sees their pay: {pool}");

    // the type itself has nothing of the client's: a new field must be added here, decided
    let fields = app
        .gql("{ __type(name: \"AvailableOrder\") { fields { name } } }")
        .tenant("essays")
        .token(&site.admin)
        .send()
        .await;
    let names: BTreeSet<&str> =
        fields["data"]["__type"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    let allowed: BTreeSet<&str> = [
        "id",
        "topic",
        "paperType",
        "academicLevel",
        "subject",
        "workType",
        "pages",
        "slides",
        "writerDeadline",
        "instructions",
        "pay",
    ]
    .into();
    assert_eq!(names, allowed, "AvailableOrder shows the work and the writer's pay only");

    // filters narrow it; a range that ends before it starts is refused
    let narrow = as_(&app, &site.writer, POOL, json!({ "f": { "pagesMin": 3 } })).await;
    assert!(!narrow.to_string().contains(&small), "{narrow}");
    let bad = as_(&app, &site.writer, POOL, json!({ "f": { "pagesMin": 5, "pagesMax": 2 } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "filter.pagesMax"), "{bad}");

    // a writer limited to another subject sees none of these
    let other_subject = site.catalog["history"].clone();
    let limited = as_(
        &app,
        &site.writer,
        "mutation($i: WriterProfileInput!) { updateWriterProfile(input: $i) { subjectIds } }",
        json!({ "i": { "subjectIds": [other_subject] } }),
    )
    .await;
    assert!(limited["errors"].is_null(), "{limited}");
    let none = as_(&app, &site.writer, POOL, json!({})).await;
    assert!(!none.to_string().contains(&small), "{none}");

    // only writers see the pool; another site's writer sees none of this one's orders
    let refused = as_(&app, &site.client, POOL, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let elsewhere = app.sign_in("papers", "writer@papers.test").await;
    let theirs = app.gql(POOL).vars(json!({})).tenant("papers").token(&elsewhere).send().await;
    assert!(theirs["errors"].is_null(), "{theirs}");
    assert!(!theirs.to_string().contains(&small), "{theirs}");
}

#[tokio::test]
async fn a_writer_takes_from_the_pool_only_where_site_and_level_allow_and_only_once() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    let id = site.paid(&app, "To take", 2, None).await;

    // a new writer's level does not take directly: refused, nothing moves
    let refused = as_(&app, &site.writer, TAKE, json!({ "id": id })).await;
    assert_eq!((code(&refused), reason(&refused)), ("CONFLICT", "LEVEL_LIMIT"), "{refused}");
    assert_eq!(status_of(&app, &site, &id).await["status"], "AVAILABLE");
    // nor through the plain action
    let plain = as_(&app, &site.writer, ACT, json!({ "id": id, "a": "TAKE" })).await;
    assert_eq!((code(&plain), field(&plain)), ("BAD_USER_INPUT", "action"), "{plain}");

    // the site switches direct takes off: refused whatever the level
    site.rules(&app, json!({ "mayTakeDirectly": true })).await;
    let toggles = "mutation($on: Boolean!) { updateTenantFeatureToggles(input: { directTake: $on }) { id } }";
    let off = as_(&app, &site.admin, toggles, json!({ "on": false })).await;
    assert!(off["errors"].is_null(), "{off}");
    let switched_off = as_(&app, &site.writer, TAKE, json!({ "id": id })).await;
    assert_eq!((code(&switched_off), reason(&switched_off)), ("FORBIDDEN", "FEATURE_DISABLED"), "{switched_off}");
    assert_eq!(status_of(&app, &site, &id).await["status"], "AVAILABLE");
    as_(&app, &site.admin, toggles, json!({ "on": true })).await;

    // taken: in progress, theirs; a second take of it is a conflict
    let taken = as_(&app, &site.writer, TAKE, json!({ "id": id })).await;
    assert_eq!(taken["data"]["takeOrder"]["status"], "IN_PROGRESS", "{taken}");
    assert_eq!(status_of(&app, &site, &id).await["writer"]["id"], site.writer_id.as_str());
    let again = as_(&app, &site.writer, TAKE, json!({ "id": id })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");

    // the day's allowance: a limit of one a day leaves the next take refused
    let set =
        as_(&app, &site.writer, "mutation { updateWriterCapacity(input: { maxNewPerDay: 1 }) { id } }", json!({}))
            .await;
    assert!(set["errors"].is_null(), "{set}");
    let next = site.paid(&app, "The next one", 2, None).await;
    let daily = as_(&app, &site.writer, TAKE, json!({ "id": next })).await;
    assert_eq!((code(&daily), reason(&daily)), ("CONFLICT", "DAILY_LIMIT"), "{daily}");
    assert_eq!(status_of(&app, &site, &next).await["status"], "AVAILABLE");
}

#[tokio::test]
async fn the_gate_refuses_a_blacked_out_a_suspended_or_a_full_writer() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    site.rules(&app, json!({ "mayTakeDirectly": true, "maxActiveOrders": 1 })).await;
    let first = site.paid(&app, "First", 2, None).await;
    let second = site.paid(&app, "Second", 2, None).await;

    // a blackout over the order's deadline
    let blackout = "mutation($i: WriterBlackoutInput!) { addWriterBlackout(input: $i) { id } }";
    let added = as_(
        &app,
        &site.writer,
        blackout,
        json!({ "i": { "from": app.in_hours(40), "to": app.in_hours(90), "reason": "away" } }),
    )
    .await;
    let blackout_id = added["data"]["addWriterBlackout"]["id"].as_str().unwrap_or_else(|| panic!("{added}")).to_owned();
    let away = as_(&app, &site.writer, TAKE, json!({ "id": first })).await;
    assert_eq!((code(&away), reason(&away)), ("CONFLICT", "BLACKOUT"), "{away}");
    // an admin's offer meets the same gate
    let offered = as_(
        &app,
        &site.admin,
        "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { status } }",
        json!({ "id": first, "w": site.writer_id }),
    )
    .await;
    assert_eq!((code(&offered), reason(&offered)), ("CONFLICT", "BLACKOUT"), "{offered}");
    as_(&app, &site.writer, "mutation($id: ID!) { removeWriterBlackout(id: $id) }", json!({ "id": blackout_id })).await;

    // full: one slot, one order held
    let taken = as_(&app, &site.writer, TAKE, json!({ "id": first })).await;
    assert_eq!(taken["data"]["takeOrder"]["status"], "IN_PROGRESS", "{taken}");
    let full = as_(&app, &site.writer, TAKE, json!({ "id": second })).await;
    assert_eq!((code(&full), reason(&full)), ("CONFLICT", "CAPACITY_FULL"), "{full}");

    // suspended: no new work at all
    site.rules(&app, json!({ "maxActiveOrders": 5 })).await;
    let suspend =
        "mutation($w: ID!) { setWriterStatus(writerId: $w, status: SUSPENDED, reason: \"review\") { status } }";
    as_(&app, &site.admin, suspend, json!({ "w": site.writer_id })).await;
    let inactive = as_(&app, &site.writer, TAKE, json!({ "id": second })).await;
    assert_eq!((code(&inactive), reason(&inactive)), ("CONFLICT", "WRITER_INACTIVE"), "{inactive}");
    assert_eq!(status_of(&app, &site, &second).await["status"], "AVAILABLE");
}

#[tokio::test]
async fn requests_are_approved_rejected_withdrawn_or_expire_and_stay_within_the_limit() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    site.rules(&app, json!({ "maxOpenRequests": 2 })).await;
    let a = site.paid(&app, "A", 2, None).await;
    let b = site.paid(&app, "B", 2, None).await;
    let c = site.paid(&app, "C", 2, None).await;

    let ask_a = as_(&app, &site.writer, ASK, json!({ "id": a })).await;
    assert_eq!(ask_a["data"]["requestOrder"]["status"], "PENDING", "{ask_a}");
    let twice = as_(&app, &site.writer, ASK, json!({ "id": a })).await;
    assert_eq!((code(&twice), reason(&twice)), ("CONFLICT", "DUPLICATE"), "{twice}");
    let ask_b = as_(&app, &site.writer, ASK, json!({ "id": b })).await;
    let over = as_(&app, &site.writer, ASK, json!({ "id": c })).await;
    assert_eq!((code(&over), reason(&over)), ("CONFLICT", "REQUEST_LIMIT"), "{over}");
    assert_eq!(app.count("writer_order_requests").await, 2);

    // another writer asks for A too; the admin approves ours: A is ours, theirs expires
    let created = as_(&app, &site.admin, "mutation { createUser(input: { displayName: \"Rival\", email: \"rival@essays.test\", password: \"rival-password-1\", role: WRITER }) { id } }", json!({})).await;
    assert!(created["errors"].is_null(), "{created}");
    let rival = app.sign_in_with("essays", "rival@essays.test", "rival-password-1").await;
    let rival_ask = as_(&app, &rival, ASK, json!({ "id": a })).await;
    let rival_request =
        rival_ask["data"]["requestOrder"]["id"].as_str().unwrap_or_else(|| panic!("{rival_ask}")).to_owned();
    // a writer cannot approve, nor withdraw another's request
    let not_theirs = as_(
        &app,
        &site.writer,
        "mutation($id: ID!) { withdrawOrderRequest(id: $id) { status } }",
        json!({ "id": rival_request }),
    )
    .await;
    assert_eq!(code(&not_theirs), "NOT_FOUND", "{not_theirs}");
    let request_a = ask_a["data"]["requestOrder"]["id"].as_str().unwrap().to_owned();
    let self_approve = as_(&app, &site.writer, APPROVE, json!({ "id": request_a })).await;
    assert_eq!(code(&self_approve), "FORBIDDEN", "{self_approve}");
    let approved = as_(&app, &site.admin, APPROVE, json!({ "id": request_a })).await;
    assert_eq!(approved["data"]["approveOrderRequest"]["request"]["status"], "APPROVED", "{approved}");
    assert_eq!(approved["data"]["approveOrderRequest"]["order"]["status"], "IN_PROGRESS", "{approved}");
    assert_eq!(status_of(&app, &site, &a).await["writer"]["id"], site.writer_id.as_str());
    let expired = as_(&app, &rival, MY_REQUESTS, json!({ "s": "EXPIRED" })).await;
    assert_eq!(
        expired["data"]["viewer"]["orderRequests"]["edges"][0]["node"]["id"],
        rival_request.as_str(),
        "{expired}"
    );
    let again = as_(&app, &site.admin, APPROVE, json!({ "id": request_a })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");

    // B: rejected with a reason, which a blank one is not
    let request_b = ask_b["data"]["requestOrder"]["id"].as_str().unwrap().to_owned();
    let reject = "mutation($id: ID!, $r: String!) { rejectOrderRequest(id: $id, reason: $r) { status reason } }";
    let blank = as_(&app, &site.admin, reject, json!({ "id": request_b, "r": " " })).await;
    assert_eq!((code(&blank), field(&blank)), ("BAD_USER_INPUT", "reason"), "{blank}");
    let rejected = as_(&app, &site.admin, reject, json!({ "id": request_b, "r": "needs a senior writer" })).await;
    assert_eq!(rejected["data"]["rejectOrderRequest"]["status"], "REJECTED", "{rejected}");

    // the limit counts open requests only: C can be asked for now, and withdrawn
    let ask_c = as_(&app, &site.writer, ASK, json!({ "id": c })).await;
    let request_c = ask_c["data"]["requestOrder"]["id"].as_str().unwrap_or_else(|| panic!("{ask_c}")).to_owned();
    let withdrawn = as_(
        &app,
        &site.writer,
        "mutation($id: ID!) { withdrawOrderRequest(id: $id) { status } }",
        json!({ "id": request_c }),
    )
    .await;
    assert_eq!(withdrawn["data"]["withdrawOrderRequest"]["status"], "WITHDRAWN", "{withdrawn}");
    let mine = as_(&app, &site.writer, MY_REQUESTS, json!({})).await;
    let statuses: Vec<&str> = mine["data"]["viewer"]["orderRequests"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["WITHDRAWN", "REJECTED", "APPROVED"], "{mine}");
    // an order cancelled under open requests: theirs expire when the writer next asks, and hold
    // no slot (the limit is 2: D and E open, D cancelled, F accepted)
    let d = site.paid(&app, "D", 2, None).await;
    let e = site.paid(&app, "E", 2, None).await;
    let f = site.paid(&app, "F", 2, None).await;
    for id in [&d, &e] {
        let asked = as_(&app, &site.writer, ASK, json!({ "id": id })).await;
        assert!(asked["errors"].is_null(), "{asked}");
    }
    let cancelled = as_(&app, &site.admin, ACT, json!({ "id": d, "a": "CANCEL" })).await;
    assert_eq!(cancelled["data"]["performOrderAction"]["status"], "CANCELLED", "{cancelled}");
    let ask_f = as_(&app, &site.writer, ASK, json!({ "id": f })).await;
    assert_eq!(ask_f["data"]["requestOrder"]["status"], "PENDING", "{ask_f}");
    let expired = as_(&app, &site.writer, MY_REQUESTS, json!({ "s": "EXPIRED" })).await;
    let gone = &expired["data"]["viewer"]["orderRequests"]["edges"][0]["node"];
    assert_eq!(
        (gone["orderId"].as_str(), gone["reason"].as_str()),
        (Some(d.as_str()), Some("the order left the pool")),
        "{expired}"
    );

    // a client has no requests to read
    let client = as_(&app, &site.client, "{ orderRequests(first: 5) { totalCount } }", json!({})).await;
    assert_eq!(code(&client), "FORBIDDEN", "{client}");
}

#[tokio::test]
async fn an_order_waits_for_its_preferred_writer_and_goes_to_the_pool_with_the_fee_back() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    let mail = tests::mail::Mail::start(&app).await;
    let wallet = async |app: &TestApp| {
        let body = app.gql("{ viewer { wallet { balance } } }").tenant("essays").token(&site.client).send().await;
        let balance = body["data"]["viewer"]["wallet"]["balance"].as_str().unwrap_or_else(|| panic!("{body}"));
        balance.parse::<f64>().unwrap()
    };

    // paid with a preferred writer: it waits for them, who sees it and takes it
    let kept = site.paid(&app, "For my writer", 2, Some(&site.writer_id)).await;
    assert_eq!(status_of(&app, &site, &kept).await["status"], "PENDING_PREFERRED");
    let seen = as_(
        &app,
        &site.writer,
        "query($id: ID!) { order(id: $id) { status availableActions } }",
        json!({ "id": kept }),
    )
    .await;
    assert_eq!(seen["data"]["order"]["availableActions"], json!(["TAKE", "DECLINE_ASSIGNMENT"]), "{seen}");
    // another writer neither sees nor takes it
    let created = as_(&app, &site.admin, "mutation { createUser(input: { displayName: \"Other\", email: \"other@essays.test\", password: \"other-password-1\", role: WRITER }) { id } }", json!({})).await;
    assert!(created["errors"].is_null(), "{created}");
    let other = app.sign_in_with("essays", "other@essays.test", "other-password-1").await;
    let stranger = as_(&app, &other, TAKE, json!({ "id": kept })).await;
    assert_eq!(code(&stranger), "NOT_FOUND", "{stranger}");
    let taken = as_(&app, &site.writer, TAKE, json!({ "id": kept })).await;
    assert_eq!(taken["data"]["takeOrder"]["status"], "IN_PROGRESS", "{taken}");

    // declined: to the pool, and the fee back to the client's wallet
    let before = wallet(&app).await;
    let declined = site.placed(&app, "Declined", 2, Some(&site.writer_id)).await;
    let pay = "mutation($id: ID!) { payOrderFromWallet(orderId: $id) { status } }";
    let paid = as_(&app, &site.client, pay, json!({ "id": declined })).await;
    assert_eq!(paid["data"]["payOrderFromWallet"]["status"], "PENDING_PREFERRED", "{paid}");
    let after_paying = wallet(&app).await;
    let decline = as_(&app, &site.writer, ACT, json!({ "id": declined, "a": "DECLINE_ASSIGNMENT" })).await;
    assert_eq!(decline["data"]["performOrderAction"]["status"], "AVAILABLE", "{decline}");
    let refunded = wallet(&app).await;
    assert!(refunded > after_paying && refunded < before, "{before} → {after_paying} → {refunded}");
    assert_eq!(refunds_of(&app, &site, &declined).await, 1, "the fee, once");
    let lines = as_(
        &app,
        &site.admin,
        "query($id: ID!) { order(id: $id) { lines { code amount } refunds { amount } } }",
        json!({ "id": declined }),
    )
    .await;
    let order = &lines["data"]["order"];
    let fee = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "preferred_writer")
        .map(|l| l["amount"].clone());
    assert_eq!(fee, Some(order["refunds"][0]["amount"].clone()), "the refund is the preferred-writer fee: {lines}");

    // unanswered: the window passes, the worker releases it, once
    let lapsing = site.paid(&app, "Lapsing", 2, Some(&site.writer_id)).await;
    app.clock.advance(chrono::Duration::hours(47));
    while mail.worker.poll().await.unwrap().claimed > 0 {}
    assert_eq!(status_of(&app, &site, &lapsing).await["status"], "PENDING_PREFERRED");
    app.clock.advance(chrono::Duration::hours(2));
    while mail.worker.poll().await.unwrap().claimed > 0 {}
    assert_eq!(status_of(&app, &site, &lapsing).await["status"], "AVAILABLE");
    assert_eq!(refunds_of(&app, &site, &lapsing).await, 1, "the fee, once");
    let timeline =
        as_(&app, &site.admin, "query($id: ID!) { order(id: $id) { timeline { kind } } }", json!({ "id": lapsing }))
            .await;
    assert!(timeline.to_string().contains("PREFERRED_LAPSED"), "{timeline}");
    // the fees given back are in the books as the orders show them: ledgerIntegrity's order
    // invariant (paid less refunded equals what the ledger holds) holds for both
    let integrity = as_(&app, &site.admin, "{ ledgerIntegrity { balanced mismatches } }", json!({})).await;
    assert_eq!(integrity["data"]["ledgerIntegrity"], json!({ "balanced": true, "mismatches": [] }), "{integrity}");
}

#[tokio::test]
async fn an_offer_to_a_writer_who_auto_accepts_a_matching_order_is_theirs_at_once() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    let assign = "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { status } }";
    let english = site.catalog["english"].clone();
    let history = site.catalog["history"].clone();
    let prefs = "mutation($i: WriterCapacityInput!) { updateWriterCapacity(input: $i) { capacity { autoAccept } } }";
    let set =
        as_(&app, &site.writer, prefs, json!({ "i": { "autoAccept": true, "preferredSubjectIds": [english] } })).await;
    assert!(set["errors"].is_null(), "{set}");
    let matching = site.paid(&app, "Matching", 2, None).await;
    let given = as_(&app, &site.admin, assign, json!({ "id": matching, "w": site.writer_id })).await;
    assert_eq!(given["data"]["assignWriter"]["status"], "IN_PROGRESS", "{given}");

    // not matching their preferences: an ordinary offer, waiting for their answer
    as_(&app, &site.writer, prefs, json!({ "i": { "preferredSubjectIds": [history] } })).await;
    let other = site.paid(&app, "Not matching", 2, None).await;
    let offered = as_(&app, &site.admin, assign, json!({ "id": other, "w": site.writer_id })).await;
    assert_eq!(offered["data"]["assignWriter"]["status"], "PENDING_ACCEPTANCE", "{offered}");

    // a client's id is not a writer
    let third = site.paid(&app, "Third", 2, None).await;
    let client_id = app.user_id("essays", "client@essays.test").await;
    let bad = as_(&app, &site.admin, assign, json!({ "id": third, "w": client_id })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "writerId"), "{bad}");
}

#[tokio::test]
async fn a_writer_hears_of_their_requests_live_and_by_notification_and_no_one_else_does() {
    let app = TestApp::spawn().await;
    let site = site(&app).await;
    let created = as_(&app, &site.admin, "mutation { createUser(input: { displayName: \"Rival\", email: \"rival@essays.test\", password: \"rival-password-1\", role: WRITER }) { id } }", json!({})).await;
    assert!(created["errors"].is_null(), "{created}");
    let rival = app.sign_in_with("essays", "rival@essays.test", "rival-password-1").await;
    let updates = "subscription { orderRequestUpdated { id status reason } }";
    let mut mine = tests::ws::WsClient::signed_in(app.addr, "essays", &site.writer).await;
    mine.subscribe("1", updates, json!({})).await;
    let mut theirs = tests::ws::WsClient::signed_in(app.addr, "essays", &rival).await;
    theirs.subscribe("1", updates, json!({})).await;
    let mut client = tests::ws::WsClient::signed_in(app.addr, "essays", &site.client).await;
    client.subscribe("1", updates, json!({})).await;
    let refused = client.expect().await;
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "only writers: {refused}");
    app.wait_for_subscriptions(2).await;

    let order = site.paid(&app, "Wanted by two", 2, None).await;
    let ask = as_(&app, &site.writer, ASK, json!({ "id": order })).await;
    let mine_id = ask["data"]["requestOrder"]["id"].as_str().unwrap_or_else(|| panic!("{ask}")).to_owned();
    let rival_ask = as_(&app, &rival, ASK, json!({ "id": order })).await;
    let rival_id = rival_ask["data"]["requestOrder"]["id"].as_str().unwrap_or_else(|| panic!("{rival_ask}")).to_owned();

    // approved: the writer hears it approved, the rival hears theirs expired
    let approved = as_(&app, &site.admin, APPROVE, json!({ "id": mine_id })).await;
    assert!(approved["errors"].is_null(), "{approved}");
    let heard = mine.expect().await;
    assert_eq!(
        heard["payload"]["data"]["orderRequestUpdated"],
        json!({ "id": mine_id, "status": "APPROVED", "reason": null }),
        "{heard}"
    );
    let expired = theirs.expect().await;
    assert_eq!(expired["payload"]["data"]["orderRequestUpdated"]["id"], rival_id.as_str(), "{expired}");
    assert_eq!(expired["payload"]["data"]["orderRequestUpdated"]["status"], "EXPIRED", "{expired}");
    mine.expect_silence(std::time::Duration::from_millis(300)).await;

    // and in their notifications, once each
    let inbox = "{ viewer { notifications(first: 10) { edges { node { kind body } } } } }";
    for (token, says) in [(&site.writer, "approved"), (&rival, "the order went to a writer")] {
        let body = as_(&app, token, inbox, json!({})).await;
        let told: Vec<&Value> = body["data"]["viewer"]["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["kind"] == "ORDER_REQUEST_UPDATED")
            .collect();
        assert_eq!(told.len(), 1, "{body}");
        assert!(told[0]["node"]["body"].as_str().unwrap().contains(says), "{body}");
    }
}
