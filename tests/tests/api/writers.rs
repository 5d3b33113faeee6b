//! The workforce: writers' profiles, levels and capacity, by role and tenant.

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const PROFILE: &str = "query($w: ID) { writerProfile(writerId: $w) { id displayName bio subjectIds languages status statusReason level { code maxActiveOrders } } }";
const UPDATE_PROFILE: &str =
    "mutation($i: WriterProfileInput!) { updateWriterProfile(input: $i) { bio subjectIds languages } }";
const WRITERS: &str = "query($f: WriterFilterInput) { writers(filter: $f, first: 20) { totalCount edges { node { displayName status level { code } } } } }";
const SET_LEVEL: &str = "mutation($w: ID!, $l: ID!) { setWriterLevel(writerId: $w, levelId: $l, reason: \"earned it\") { level { code } } }";
const SET_STATUS: &str = "mutation($w: ID!, $s: WriterStatus!, $r: String) { setWriterStatus(writerId: $w, status: $s, reason: $r) { status statusReason } }";
const RULES: &str = "mutation($l: ID!, $i: WriterLevelRulesInput!) { updateWriterLevelRules(levelId: $l, input: $i) { code maxActiveOrders payMode payPercent } }";
const CAPACITY: &str = "mutation($i: WriterCapacityInput!) { updateWriterCapacity(input: $i) { capacity { maxActiveOrders maxNewPerDay levelMaxActiveOrders autoAccept preferredSubjectIds } } }";
const STATUS: &str = "{ writerProfile { capacityStatus { active limit availableSlots takenToday dailyLimit acceptingNow utilization nextBlackout { reason } } stats { completedOrders activeOrders onTimeRate } } }";
const BLACKOUT: &str = "mutation($i: WriterBlackoutInput!) { addWriterBlackout(input: $i) { id from to reason } }";

struct Cast {
    admin: String,
    writer: String,
    writer_id: String,
    /// A second writer, created by the admin.
    other: String,
    other_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let created = app
        .gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }")
        .vars(json!({ "i": { "displayName": "Second Writer", "email": "writer2@essays.test", "password": "another-password-1", "role": "WRITER" } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    let other_id = created["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    Cast {
        writer: app.sign_in("essays", "writer@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
        other: app.sign_in_with("essays", "writer2@essays.test", "another-password-1").await,
        other_id,
        admin,
    }
}

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";
const ASSIGN: &str = "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { status } }";

async fn in_the_writers_hands(app: &TestApp, cast: &Cast, topic: &str, pages: i32) -> String {
    let client = app.sign_in("essays", "client@essays.test").await;
    app.order_in_progress(&client, &cast.admin, (&cast.writer, &cast.writer_id), topic, pages).await
}

#[tokio::test]
async fn a_writer_keeps_their_profile_and_only_they_and_staff_read_it() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let c = app.catalog("essays").await;

    // a profile exists before anyone writes it: the defaults, at the tenant's first level
    let fresh = as_(&app, &cast.writer, PROFILE, json!({})).await;
    assert_eq!(fresh["data"]["writerProfile"]["status"], "ACTIVE", "{fresh}");
    assert_eq!(fresh["data"]["writerProfile"]["bio"], "");
    assert!(fresh["data"]["writerProfile"]["level"]["code"].is_string(), "{fresh}");

    // bad input changes nothing
    let before = app.count("writer_profiles").await;
    let bad =
        as_(&app, &cast.writer, UPDATE_PROFILE, json!({ "i": { "bio": "new bio", "subjectIds": [c["essay"]] } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.subjectIds"), "{bad}");
    let bad = as_(&app, &cast.writer, UPDATE_PROFILE, json!({ "i": { "languages": ["E".repeat(41)] } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "input.languages"), "{bad}");
    assert_eq!(app.count("writer_profiles").await, before);

    let updated = as_(
        &app,
        &cast.writer,
        UPDATE_PROFILE,
        json!({ "i": { "bio": "Ten years of history essays.", "subjectIds": [c["english"], c["english"]], "languages": ["English", "english", "French"] } }),
    )
    .await;
    assert_eq!(
        updated["data"]["updateWriterProfile"],
        json!({ "bio": "Ten years of history essays.", "subjectIds": [c["english"]], "languages": ["English", "French"] }),
        "{updated}"
    );

    // staff read it by id; the writer reads their own
    for email in ["admin@essays.test", "support@essays.test"] {
        let staff = app.sign_in("essays", email).await;
        let read = as_(&app, &staff, PROFILE, json!({ "w": cast.writer_id })).await;
        assert_eq!(read["data"]["writerProfile"]["bio"], "Ten years of history essays.", "{email}: {read}");
    }
    // another writer's profile does not exist for a writer; clients and editors read none
    let other = as_(&app, &cast.other, PROFILE, json!({ "w": cast.writer_id })).await;
    assert_eq!(code(&other), "NOT_FOUND", "{other}");
    for email in ["client@essays.test", "editor@essays.test"] {
        let token = app.sign_in("essays", email).await;
        let refused = as_(&app, &token, PROFILE, json!({ "w": cast.writer_id })).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{email}: {refused}");
        assert!(refused["data"]["writerProfile"].is_null(), "{refused}");
    }
    // another site's admin finds no such writer
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let elsewhere = app.gql(PROFILE).vars(json!({ "w": cast.writer_id })).tenant("papers").token(&papers).send().await;
    assert_eq!(code(&elsewhere), "NOT_FOUND", "{elsewhere}");
}

#[tokio::test]
async fn admins_list_writers_filter_them_and_change_level_and_status_on_the_record() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let c = app.catalog("essays").await;

    let all = as_(&app, &cast.admin, WRITERS, json!({})).await;
    assert_eq!(all["data"]["writers"]["totalCount"], 2, "{all}");
    let names: Vec<&str> = all["data"]["writers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Demo Writer", "Second Writer"], "by name");

    // a level that is not a writer level is refused, and nothing is written
    let audits = app.count_where("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'writer.%'").await;
    let bad = as_(&app, &cast.admin, SET_LEVEL, json!({ "w": cast.other_id, "l": c["essay"] })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "levelId"), "{bad}");
    let set = as_(&app, &cast.admin, SET_LEVEL, json!({ "w": cast.other_id, "l": c["advanced"] })).await;
    assert_eq!(set["data"]["setWriterLevel"]["level"]["code"], "advanced", "{set}");
    let at_level = as_(&app, &cast.admin, WRITERS, json!({ "f": { "levelId": c["advanced"] } })).await;
    assert_eq!(at_level["data"]["writers"]["totalCount"], 1, "{at_level}");
    assert_eq!(at_level["data"]["writers"]["edges"][0]["node"]["displayName"], "Second Writer");

    // suspending needs a reason; with one it is on the record
    let bare = as_(&app, &cast.admin, SET_STATUS, json!({ "w": cast.other_id, "s": "SUSPENDED" })).await;
    assert_eq!((code(&bare), field(&bare)), ("BAD_USER_INPUT", "reason"), "{bare}");
    let suspended =
        as_(&app, &cast.admin, SET_STATUS, json!({ "w": cast.other_id, "s": "SUSPENDED", "r": "plagiarism" })).await;
    assert_eq!(
        suspended["data"]["setWriterStatus"],
        json!({ "status": "SUSPENDED", "statusReason": "plagiarism" }),
        "{suspended}"
    );
    let filtered = as_(&app, &cast.admin, WRITERS, json!({ "f": { "status": "SUSPENDED" } })).await;
    assert_eq!(filtered["data"]["writers"]["totalCount"], 1, "{filtered}");
    let available = as_(&app, &cast.admin, WRITERS, json!({ "f": { "availableNow": true } })).await;
    assert_eq!(available["data"]["writers"]["edges"][0]["node"]["displayName"], "Demo Writer", "{available}");
    assert_eq!(available["data"]["writers"]["totalCount"], 1, "{available}");
    // the suspended writer sees why
    let own = as_(&app, &cast.other, PROFILE, json!({})).await;
    assert_eq!(own["data"]["writerProfile"]["statusReason"], "plagiarism", "{own}");
    assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'writer.%'").await,
        audits + 2,
        "the level and the status change are audited, the refused ones not"
    );

    // a level of another site is not one of this site's
    let papers_levels = app.catalog("papers").await;
    let foreign =
        as_(&app, &cast.admin, SET_LEVEL, json!({ "w": cast.other_id, "l": papers_levels["advanced"] })).await;
    assert_eq!((code(&foreign), field(&foreign)), ("BAD_USER_INPUT", "levelId"), "{foreign}");

    // writers and support do none of it; another site's admin finds no such writer
    let support = app.sign_in("essays", "support@essays.test").await;
    let by_support = as_(&app, &support, SET_STATUS, json!({ "w": cast.writer_id, "s": "ACTIVE" })).await;
    assert_eq!(code(&by_support), "FORBIDDEN", "{by_support}");
    let listed = as_(&app, &cast.writer, WRITERS, json!({})).await;
    assert_eq!(code(&listed), "FORBIDDEN", "{listed}");
    let own_status = as_(&app, &cast.writer, SET_STATUS, json!({ "w": cast.writer_id, "s": "ACTIVE" })).await;
    assert_eq!(code(&own_status), "FORBIDDEN", "{own_status}");
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let elsewhere = app
        .gql(SET_STATUS)
        .vars(json!({ "w": cast.writer_id, "s": "SUSPENDED", "r": "not yours" }))
        .tenant("papers")
        .token(&papers)
        .send()
        .await;
    assert_eq!(code(&elsewhere), "NOT_FOUND", "{elsewhere}");
    let theirs = app.gql(WRITERS).vars(json!({})).tenant("papers").token(&papers).send().await;
    assert_eq!(theirs["data"]["writers"]["totalCount"], 1, "papers has its own demo writer only: {theirs}");
}

#[tokio::test]
async fn a_writers_limits_stay_within_their_levels() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let c = app.catalog("essays").await;
    let level = as_(&app, &cast.writer, PROFILE, json!({})).await["data"]["writerProfile"]["level"]["code"]
        .as_str()
        .unwrap()
        .to_owned();

    // rules: checked, then written and audited
    for (input, bad_field) in [
        (json!({ "maxActiveOrders": 0 }), "input.maxActiveOrders"),
        (json!({ "payMode": "PERCENT" }), "input.payPercent"),
        (json!({ "promoteAverageRating": "4.555" }), "input.promoteAverageRating"),
    ] {
        let bad = as_(&app, &cast.admin, RULES, json!({ "l": c[&level], "i": input })).await;
        assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", bad_field), "{bad}");
    }
    assert_eq!(app.count("writer_level_rules").await, 0, "refused rules write nothing");
    let rules = as_(&app, &cast.admin, RULES, json!({ "l": c[&level], "i": { "maxActiveOrders": 4 } })).await;
    assert_eq!(rules["data"]["updateWriterLevelRules"]["maxActiveOrders"], 4, "{rules}");
    assert_eq!(rules["data"]["updateWriterLevelRules"]["payMode"], "PER_PAGE");
    let by_writer = as_(&app, &cast.writer, RULES, json!({ "l": c[&level], "i": { "maxActiveOrders": 9 } })).await;
    assert_eq!(code(&by_writer), "FORBIDDEN", "{by_writer}");
    // another site's admin finds no such level
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let elsewhere = app
        .gql(RULES)
        .vars(json!({ "l": c[&level], "i": { "maxActiveOrders": 9 } }))
        .tenant("papers")
        .token(&papers)
        .send()
        .await;
    assert_eq!(code(&elsewhere), "NOT_FOUND", "{elsewhere}");

    // the writer's own limits: within the level's
    let over = as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxActiveOrders": 5 } })).await;
    assert_eq!((code(&over), field(&over)), ("BAD_USER_INPUT", "input.maxActiveOrders"), "{over}");
    assert_eq!(over["errors"][0]["extensions"]["reason"], "LEVEL_LIMIT", "{over}");
    let set = as_(
        &app,
        &cast.writer,
        CAPACITY,
        json!({ "i": { "maxActiveOrders": 2, "maxNewPerDay": 1, "autoAccept": true, "preferredSubjectIds": [c["english"]] } }),
    )
    .await;
    assert_eq!(
        set["data"]["updateWriterCapacity"]["capacity"],
        json!({ "maxActiveOrders": 2, "maxNewPerDay": 1, "levelMaxActiveOrders": 4, "autoAccept": true, "preferredSubjectIds": [c["english"]] }),
        "{set}"
    );
    // null follows the level again
    let cleared = as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxActiveOrders": null } })).await;
    assert_eq!(cleared["data"]["updateWriterCapacity"]["capacity"]["maxActiveOrders"], 4, "{cleared}");
    assert_eq!(cleared["data"]["updateWriterCapacity"]["capacity"]["maxNewPerDay"], 1, "kept: {cleared}");
    as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxActiveOrders": 2 } })).await;
    // a level lowered below the writer's own limit caps it
    as_(&app, &cast.admin, RULES, json!({ "l": c[&level], "i": { "maxActiveOrders": 1 } })).await;
    let capped = as_(&app, &cast.writer, STATUS, json!({})).await;
    assert_eq!(capped["data"]["writerProfile"]["capacityStatus"]["limit"], 1, "{capped}");

    // editors see the ladder without the pay
    let editor = app.sign_in("essays", "editor@essays.test").await;
    let ladder =
        as_(&app, &editor, "{ writerLevels { code maxActiveOrders payMode payPerPage payPercent } }", json!({})).await;
    assert_eq!(code(&ladder), "FORBIDDEN", "{ladder}");
    let first = &ladder["data"]["writerLevels"][0];
    assert!(first["code"].is_string() && first["maxActiveOrders"].is_i64(), "{ladder}");
    assert!(first["payMode"].is_null() && first["payPerPage"].is_null() && first["payPercent"].is_null(), "{ladder}");
    let own = as_(&app, &cast.writer, "{ writerLevels { payMode payPerPage } }", json!({})).await;
    assert!(own["errors"].is_null() && own["data"]["writerLevels"][0]["payPerPage"].is_string(), "{own}");
    let client = app.sign_in("essays", "client@essays.test").await;
    let none = as_(&app, &client, "{ writerLevels { code } }", json!({})).await;
    assert_eq!(code(&none), "FORBIDDEN", "{none}");
}

#[tokio::test]
async fn capacity_status_counts_orders_in_hand_days_and_blackouts() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let c = app.catalog("essays").await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let spec = json!({
        "topic": "Capacity", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
        "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72),
    });
    let placed =
        as_(&app, &client, "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", json!({ "i": spec }))
            .await;
    let order = placed["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{placed}")).to_owned();
    as_(&app, &cast.admin, ACT, json!({ "id": order, "a": "MARK_PAID" })).await;

    let idle = as_(&app, &cast.writer, STATUS, json!({})).await;
    let status = &idle["data"]["writerProfile"]["capacityStatus"];
    assert_eq!((status["active"].as_i64(), status["acceptingNow"].as_bool()), (Some(0), Some(true)), "{idle}");

    as_(&app, &cast.admin, ASSIGN, json!({ "id": order, "w": cast.writer_id })).await;
    let offered = as_(&app, &cast.writer, STATUS, json!({})).await;
    assert_eq!(offered["data"]["writerProfile"]["capacityStatus"]["active"], 1, "an offer holds a slot: {offered}");
    assert_eq!(
        offered["data"]["writerProfile"]["capacityStatus"]["takenToday"], 1,
        "an offer counts for the day: {offered}"
    );
    let accepted = as_(&app, &cast.writer, ACT, json!({ "id": order, "a": "ACCEPT_ASSIGNMENT" })).await;
    assert_eq!(accepted["data"]["performOrderAction"]["status"], "IN_PROGRESS", "{accepted}");
    let working = as_(&app, &cast.writer, STATUS, json!({})).await;
    let status = &working["data"]["writerProfile"]["capacityStatus"];
    assert_eq!(status["takenToday"], 1, "{working}");
    assert_eq!(
        (status["limit"].as_i64(), status["availableSlots"].as_i64()),
        (Some(3), Some(2)),
        "the default level: {working}"
    );
    assert_eq!(working["data"]["writerProfile"]["stats"]["activeOrders"], 1);
    // the other writer's numbers are their own
    let other = as_(&app, &cast.other, STATUS, json!({})).await;
    assert_eq!(other["data"]["writerProfile"]["capacityStatus"]["active"], 0, "{other}");

    // blackouts: bad ones change nothing; one covering now stops new work
    for (input, bad_field) in [
        (json!({ "from": app.in_hours(5), "to": app.in_hours(2) }), "input.to"),
        (json!({ "from": app.in_hours(-5), "to": app.in_hours(-2) }), "input.to"),
        (json!({ "from": app.in_hours(1), "to": app.in_hours(24 * 400) }), "input.to"),
    ] {
        let bad = as_(&app, &cast.other, BLACKOUT, json!({ "i": input })).await;
        assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", bad_field), "{bad}");
    }
    assert_eq!(app.count("writer_blackouts").await, 0);
    let added = as_(
        &app,
        &cast.other,
        BLACKOUT,
        json!({ "i": { "from": app.in_hours(-1), "to": app.in_hours(48), "reason": "Holiday" } }),
    )
    .await;
    let blackout = added["data"]["addWriterBlackout"]["id"].as_str().unwrap_or_else(|| panic!("{added}")).to_owned();
    let away = as_(&app, &cast.other, STATUS, json!({})).await;
    let status = &away["data"]["writerProfile"]["capacityStatus"];
    assert_eq!(status["acceptingNow"], false, "{away}");
    assert_eq!(status["nextBlackout"]["reason"], "Holiday");
    let available = as_(&app, &cast.admin, WRITERS, json!({ "f": { "availableNow": true } })).await;
    assert_eq!(available["data"]["writers"]["totalCount"], 1, "{available}");
    assert_eq!(available["data"]["writers"]["edges"][0]["node"]["displayName"], "Demo Writer");

    // nor one who took their day's allowance, nor one at their limit: in the list as on the profile
    as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxNewPerDay": 1 } })).await;
    let day_full = as_(&app, &cast.writer, STATUS, json!({})).await;
    assert_eq!(day_full["data"]["writerProfile"]["capacityStatus"]["acceptingNow"], false, "{day_full}");
    let available = as_(&app, &cast.admin, WRITERS, json!({ "f": { "availableNow": true } })).await;
    assert_eq!(available["data"]["writers"]["totalCount"], 0, "{available}");
    as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxNewPerDay": null } })).await;
    let available = as_(&app, &cast.admin, WRITERS, json!({ "f": { "availableNow": true } })).await;
    assert_eq!(available["data"]["writers"]["totalCount"], 1, "{available}");
    as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxActiveOrders": 1 } })).await;
    let full = as_(&app, &cast.writer, STATUS, json!({})).await;
    assert_eq!(full["data"]["writerProfile"]["capacityStatus"]["acceptingNow"], false, "{full}");
    let available = as_(&app, &cast.admin, WRITERS, json!({ "f": { "availableNow": true } })).await;
    assert_eq!(available["data"]["writers"]["totalCount"], 0, "{available}");
    let unavailable = as_(&app, &cast.admin, WRITERS, json!({ "f": { "availableNow": false } })).await;
    assert_eq!(unavailable["data"]["writers"]["totalCount"], 2, "{unavailable}");
    as_(&app, &cast.writer, CAPACITY, json!({ "i": { "maxActiveOrders": null } })).await;

    // only its writer removes it
    let remove = "mutation($id: ID!) { removeWriterBlackout(id: $id) }";
    let theirs = as_(&app, &cast.writer, remove, json!({ "id": blackout })).await;
    assert_eq!(code(&theirs), "NOT_FOUND", "{theirs}");
    let removed = as_(&app, &cast.other, remove, json!({ "id": blackout })).await;
    assert_eq!(removed["data"]["removeWriterBlackout"], true, "{removed}");
    let back = as_(&app, &cast.other, STATUS, json!({})).await;
    assert_eq!(back["data"]["writerProfile"]["capacityStatus"]["acceptingNow"], true, "{back}");
}

#[tokio::test]
async fn a_page_of_writers_costs_the_same_statements_whatever_its_length() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let query = "{ writers(first: 50) { edges { node { displayName level { code } stats { completedOrders } capacity { maxActiveOrders blackouts { from } } capacityStatus { active acceptingNow } workload { pagesDueNext72h recommendedNewOrders } feedbackSummary { count last90Days } } } } }";
    let count = async |app: &TestApp| {
        let body = app.gql(query).tenant("essays").token(&cast.admin).send().await;
        assert!(body["errors"].is_null(), "{body}");
        body["extensions"]["sql"]["statements"].as_i64().unwrap_or_else(|| panic!("{body}"))
    };
    let two = count(&app).await;
    let admin = &cast.admin;
    for i in 3..8 {
        let created = app
            .gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }")
            .vars(json!({ "i": { "displayName": format!("Writer {i}"), "email": format!("writer{i}@essays.test"), "password": "another-password-1", "role": "WRITER" } }))
            .tenant("essays")
            .token(admin)
            .send()
            .await;
        assert!(created["errors"].is_null(), "{created}");
    }
    assert_eq!(count(&app).await, two, "seven writers cost what two do");
}

#[tokio::test]
async fn the_on_time_rate_counts_first_submissions_by_the_writers_deadline() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let mut orders = Vec::new();
    for topic in ["On time", "Late"] {
        orders.push(in_the_writers_hands(&app, &cast, topic, 2).await);
    }
    let done = async |id: &str| {
        let submitted = as_(&app, &cast.writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
        assert_eq!(submitted["data"]["performOrderAction"]["status"], "SUBMITTED", "{submitted}");
        let approved = as_(&app, &client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
        assert_eq!(approved["data"]["performOrderAction"]["status"], "COMPLETED", "{approved}");
    };
    done(&orders[0]).await;
    let stats = "{ writerProfile { stats { completedOrders activeOrders onTimeRate } } }";
    let first = as_(&app, &cast.writer, stats, json!({})).await;
    assert_eq!(
        first["data"]["writerProfile"]["stats"],
        json!({ "completedOrders": 1, "activeOrders": 1, "onTimeRate": 1.0 }),
        "{first}"
    );
    // past the writer's deadline (before the client's): late
    app.clock.advance(chrono::Duration::hours(66));
    done(&orders[1]).await;
    let both = as_(&app, &cast.writer, stats, json!({})).await;
    assert_eq!(
        both["data"]["writerProfile"]["stats"],
        json!({ "completedOrders": 2, "activeOrders": 0, "onTimeRate": 0.5 }),
        "{both}"
    );
}

#[tokio::test]
async fn a_writers_workload_counts_pages_due_and_recommends_within_their_pace() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let query = "query($w: ID) { writerWorkload(writerId: $w) { activeOrders pagesDueNext24h pagesDueNext72h pagesDueNext7d capacityLeft pagesPerDay recommendedNewOrders } }";

    let idle = as_(&app, &cast.writer, query, json!({})).await;
    assert_eq!(
        idle["data"]["writerWorkload"],
        json!({ "activeOrders": 0, "pagesDueNext24h": 0, "pagesDueNext72h": 0, "pagesDueNext7d": 0, "capacityLeft": 3, "pagesPerDay": 0.0, "recommendedNewOrders": 3 }),
        "{idle}"
    );
    // two orders of 2 and 3 pages, due to the writer in about 58 hours
    let mut orders = Vec::new();
    for pages in [2, 3] {
        orders.push(in_the_writers_hands(&app, &cast, "Workload", pages).await);
    }
    let busy = as_(&app, &cast.admin, query, json!({ "w": cast.writer_id })).await;
    assert_eq!(
        busy["data"]["writerWorkload"],
        json!({ "activeOrders": 2, "pagesDueNext24h": 0, "pagesDueNext72h": 5, "pagesDueNext7d": 5, "capacityLeft": 1, "pagesPerDay": 0.0, "recommendedNewOrders": 1 }),
        "no pace yet: the free slot: {busy}"
    );
    // a submission gives a pace over the writer's first day: 2 pages a day, 6 in three days, 3
    // of them due: room for one more order of 2 pages
    let submitted = as_(&app, &cast.writer, ACT, json!({ "id": orders[0], "a": "SUBMIT" })).await;
    assert_eq!(submitted["data"]["performOrderAction"]["status"], "SUBMITTED", "{submitted}");
    let paced = as_(&app, &cast.writer, query, json!({})).await;
    let w = &paced["data"]["writerWorkload"];
    assert_eq!((w["activeOrders"].as_i64(), w["pagesDueNext72h"].as_i64()), (Some(1), Some(3)), "{paced}");
    assert_eq!(w["pagesPerDay"], 2.0, "{paced}");
    assert_eq!(w["recommendedNewOrders"], 1, "{paced}");
    // past the writer's deadline the work is due now
    app.clock.advance(chrono::Duration::hours(60));
    let overdue = as_(&app, &cast.writer, query, json!({})).await;
    assert_eq!(overdue["data"]["writerWorkload"]["pagesDueNext24h"], 3, "{overdue}");

    // the same walls as the profile
    let other = as_(&app, &cast.other, query, json!({ "w": cast.writer_id })).await;
    assert_eq!(code(&other), "NOT_FOUND", "{other}");
    let refused = as_(&app, &client, query, json!({ "w": cast.writer_id })).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
}

#[tokio::test]
async fn a_writers_calendar_shows_their_deadlines_and_blackouts_in_the_sites_time() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let order = in_the_writers_hands(&app, &cast, "Calendar", 2).await;
    as_(
        &app,
        &cast.writer,
        BLACKOUT,
        json!({ "i": { "from": app.in_hours(100), "to": app.in_hours(120), "reason": "Conference" } }),
    )
    .await;
    // another writer's blackout is not on this calendar
    as_(
        &app,
        &cast.other,
        BLACKOUT,
        json!({ "i": { "from": app.in_hours(10), "to": app.in_hours(20), "reason": "Theirs" } }),
    )
    .await;

    let query = "query($w: ID, $f: DateTime!, $t: DateTime!) { writerCalendar(writerId: $w, from: $f, to: $t) { timeZone events { kind title orderId startsAt endsAt startsAtLocal } } }";
    let week = json!({ "f": app.in_hours(0), "t": app.in_hours(24 * 7) });
    let own = as_(&app, &cast.writer, query, week.clone()).await;
    let calendar = &own["data"]["writerCalendar"];
    let kinds: Vec<&str> = calendar["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{own}"))
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["WRITER_DEADLINE", "CLIENT_DEADLINE", "BLACKOUT"], "soonest first: {own}");
    let events = calendar["events"].as_array().unwrap();
    assert_eq!(events[0]["title"], "Calendar");
    assert_eq!(events[0]["orderId"], order.as_str());
    assert_eq!(events[2]["title"], "Conference");
    assert!(events[2]["orderId"].is_null());
    // the local time is the same moment in the site's zone: put the site in Berlin (UTC+1 in
    // late November, when the test clock runs)
    assert_eq!(app.set_time_zone("essays", "Europe/Berlin").await, "Europe/Berlin");
    let berlin = as_(&app, &cast.writer, query, week.clone()).await;
    assert_eq!(berlin["data"]["writerCalendar"]["timeZone"], "Europe/Berlin", "{berlin}");
    let event = &berlin["data"]["writerCalendar"]["events"][1];
    let utc = chrono::DateTime::parse_from_rfc3339(event["startsAt"].as_str().unwrap()).unwrap();
    let local = chrono::DateTime::parse_from_rfc3339(event["startsAtLocal"].as_str().unwrap()).unwrap();
    assert_eq!(utc, local, "the same moment");
    assert_eq!(local.offset().local_minus_utc(), 3600, "{berlin}");

    // an open revision's deadline is on it too
    as_(&app, &cast.writer, ACT, json!({ "id": order, "a": "SUBMIT" })).await;
    let revise =
        "mutation($id: ID!, $i: RevisionRequestInput!) { requestRevision(orderId: $id, input: $i) { status } }";
    let input = json!({ "severity": "MINOR", "reason": "A citation is missing", "changes": [{ "section": "References", "description": "Cite the survey" }], "deadline": app.in_hours(30) });
    let revised = as_(&app, &client, revise, json!({ "id": order, "i": input })).await;
    assert!(revised["errors"].is_null(), "{revised}");
    let after =
        as_(&app, &cast.admin, query, json!({ "w": cast.writer_id, "f": app.in_hours(0), "t": app.in_hours(24 * 7) }))
            .await;
    let kinds: Vec<&str> = after["data"]["writerCalendar"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{after}"))
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["REVISION_DEADLINE", "WRITER_DEADLINE", "CLIENT_DEADLINE", "BLACKOUT"], "{after}");

    // the private feed for a calendar app: the same events, no session, the old address dead
    // once rotated
    let rotate = "mutation { rotateWriterCalendarFeed { path } }";
    let first = as_(&app, &cast.writer, rotate, json!({})).await;
    let old_path =
        first["data"]["rotateWriterCalendarFeed"]["path"].as_str().unwrap_or_else(|| panic!("{first}")).to_owned();
    let feed = app.http().get(app.url(&old_path)).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(feed.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let text = feed.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR") && text.contains("SUMMARY:Your deadline: Calendar"), "{text}");
    assert!(text.contains("Revision due") && text.contains("Blackout: Conference"), "{text}");
    assert!(!text.contains("Theirs"), "another writer's blackout: {text}");
    let second = as_(&app, &cast.writer, rotate, json!({})).await;
    let new_path = second["data"]["rotateWriterCalendarFeed"]["path"].as_str().unwrap().to_owned();
    assert_ne!(new_path, old_path);
    assert_eq!(app.http().get(app.url(&old_path)).send().await.unwrap().status(), 404);
    assert_eq!(app.http().get(app.url(&new_path)).send().await.unwrap().status(), 200);
    for path in ["/calendar/not-a-secret.ics", "/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics"] {
        assert_eq!(app.http().get(app.url(path)).send().await.unwrap().status(), 404, "{path}");
    }
    let by_admin = as_(&app, &cast.admin, rotate, json!({})).await;
    assert_eq!(code(&by_admin), "FORBIDDEN", "{by_admin}");
    // suspended, the writer's feed stops answering; reinstated, it answers again
    as_(&app, &cast.admin, SET_STATUS, json!({ "w": cast.writer_id, "s": "SUSPENDED", "r": "review" })).await;
    assert_eq!(app.http().get(app.url(&new_path)).send().await.unwrap().status(), 404);
    as_(&app, &cast.admin, SET_STATUS, json!({ "w": cast.writer_id, "s": "ACTIVE" })).await;
    assert_eq!(app.http().get(app.url(&new_path)).send().await.unwrap().status(), 200);

    // bad ranges, and the profile's walls
    for (f, t) in [(48, 24), (0, 24 * 100)] {
        let bad = as_(&app, &cast.writer, query, json!({ "f": app.in_hours(f), "t": app.in_hours(t) })).await;
        assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "to"), "{bad}");
    }
    let theirs =
        as_(&app, &cast.other, query, json!({ "w": cast.writer_id, "f": app.in_hours(0), "t": app.in_hours(24) }))
            .await;
    assert_eq!(code(&theirs), "NOT_FOUND", "{theirs}");
    let refused =
        as_(&app, &client, query, json!({ "w": cast.writer_id, "f": app.in_hours(0), "t": app.in_hours(24) })).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
}

const DASHBOARD: &str = "query($from: DateTime!, $to: DateTime!) { writerDashboard { earnings { balance available held paidOut pending thisMonth byMonth(last: 3) { month amount } } performance { completed onTimeRate revisionRate averageRating } queue { active inRevision dueSoon } requests { id } badges { code } level { current { code } next { code } progress { completedOrders completedOrdersNeeded eligible } } workload { activeOrders } capacityStatus { active limit } calendar(from: $from, to: $to) { events { kind } } } }";

#[tokio::test]
async fn a_writers_dashboard_adds_up_their_earnings_and_record_in_the_same_statements_however_long() {
    let app = TestApp::spawn().await;
    app.roomy_writer_levels("essays").await;
    let cast = cast(&app).await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let vars = json!({ "from": app.in_hours(-24), "to": app.in_hours(24 * 10) });
    let statements = |body: &Value| body["extensions"]["sql"]["statements"].as_u64().unwrap();

    let fresh = as_(&app, &cast.writer, DASHBOARD, vars.clone()).await;
    assert!(fresh["errors"].is_null(), "{fresh}");
    let d = &fresh["data"]["writerDashboard"];
    assert_eq!(d["earnings"]["available"], "0.00", "{fresh}");
    assert_eq!(d["earnings"]["byMonth"].as_array().unwrap().len(), 3, "every month, none skipped: {fresh}");
    assert_eq!(d["performance"]["onTimeRate"], Value::Null);
    assert_eq!(d["level"]["current"]["code"], "standard", "{fresh}");
    assert_eq!(d["level"]["next"]["code"], "advanced", "{fresh}");

    // one order completed, one in hand due in about 58 hours
    let done = in_the_writers_hands(&app, &cast, "Done", 2).await;
    as_(&app, &cast.writer, ACT, json!({ "id": done, "a": "SUBMIT" })).await;
    let approved = as_(&app, &client, ACT, json!({ "id": done, "a": "APPROVE" })).await;
    assert_eq!(approved["data"]["performOrderAction"]["status"], "COMPLETED", "{approved}");
    in_the_writers_hands(&app, &cast, "In hand", 3).await;
    let once = as_(&app, &cast.writer, DASHBOARD, vars.clone()).await;
    let d = &once["data"]["writerDashboard"];
    let compensation =
        as_(&app, &cast.admin, "query($id: ID!) { order(id: $id) { writerCompensation } }", json!({ "id": done }))
            .await;
    let earned = compensation["data"]["order"]["writerCompensation"]
        .as_str()
        .unwrap_or_else(|| panic!("{compensation}"))
        .to_owned();
    assert_eq!(d["earnings"]["balance"], earned.as_str(), "{once}");
    // just credited: held against refunds and disputes for the site's days, not yet available
    assert_eq!((&d["earnings"]["held"], &d["earnings"]["available"]), (&json!(earned), &json!("0.00")), "{once}");
    assert_eq!(d["earnings"]["thisMonth"], earned.as_str(), "{once}");
    assert_eq!(d["earnings"]["byMonth"][2]["amount"], earned.as_str(), "this month is the last: {once}");
    let in_hand_pay = {
        let body = as_(
            &app,
            &cast.admin,
            "{ orders(first: 1, filter: { status: IN_PROGRESS }) { edges { node { writerCompensation } } } }",
            json!({}),
        )
        .await;
        body["data"]["orders"]["edges"][0]["node"]["writerCompensation"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    };
    assert_eq!(d["earnings"]["pending"], in_hand_pay.as_str(), "the order in hand will pay its compensation: {once}");
    assert_eq!(d["performance"]["completed"], 1);
    assert_eq!(
        (d["performance"]["onTimeRate"].as_f64(), d["performance"]["revisionRate"].as_f64()),
        (Some(1.0), Some(0.0))
    );
    assert_eq!((d["queue"]["active"].as_i64(), d["queue"]["dueSoon"].as_i64()), (Some(1), Some(0)), "{once}");
    assert_eq!(d["level"]["progress"]["completedOrders"], 1);

    // four more completed: the same statements
    for i in 0..4 {
        let id = in_the_writers_hands(&app, &cast, &format!("More {i}"), 1).await;
        as_(&app, &cast.writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
        as_(&app, &client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
    }
    let later = as_(&app, &cast.writer, DASHBOARD, vars.clone()).await;
    assert_eq!(later["data"]["writerDashboard"]["performance"]["completed"], 5, "{later}");
    assert_eq!(statements(&later), statements(&once), "the dashboard's statements do not grow with the history");

    // only the writer has one; another site's writer sees their own
    let refused = as_(&app, &client, DASHBOARD, vars.clone()).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let elsewhere = app.sign_in("papers", "writer@papers.test").await;
    let theirs = app.gql(DASHBOARD).vars(vars).tenant("papers").token(&elsewhere).send().await;
    assert_eq!(theirs["data"]["writerDashboard"]["performance"]["completed"], 0, "{theirs}");
    assert_eq!(theirs["data"]["writerDashboard"]["earnings"]["available"], "0.00", "{theirs}");
}
