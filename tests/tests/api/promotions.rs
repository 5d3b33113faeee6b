//! Level proposals: the hourly job proposes moving a writer up when their record meets their
//! level's thresholds (once, however often it runs) and down when it no longer meets the ones
//! that led to their level; an admin approves (the level changes, audited; of two at once one
//! wins) or rejects, saying why; a proposal that no longer stands is superseded; writers and
//! other sites' admins are refused. And the monthly badge: the site's best average public rating
//! of the month, from at least three ratings.

use kernel::Clock;
use serde_json::{Value, json};
use tests::{TestApp, code, field};
use writers::service::{badges, promotions};

const ACT: &str = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { status } }";
const LEAVE: &str =
    "mutation($id: ID!, $i: WriterFeedbackInput!) { leaveWriterFeedback(orderId: $id, input: $i) { id } }";
const RULES: &str =
    "mutation($l: ID!, $i: WriterLevelRulesInput!) { updateWriterLevelRules(levelId: $l, input: $i) { code } }";
const SET_LEVEL: &str = "mutation($w: ID!, $l: ID!) { setWriterLevel(writerId: $w, levelId: $l) { level { code } } }";
const PROPOSALS: &str = "query($s: LevelProposalStatus) { levelProposals(status: $s, first: 20) { totalCount edges { node { id writerId writerName direction status fromLevel { code } toLevel { code } record { completedOrders recentOrders onTimeRate revisionRate ratings averageRating } decidedAt decidedBy reason } } } }";
const APPROVE: &str =
    "mutation($id: ID!) { approveLevelProposal(id: $id) { id status decidedAt decidedBy toLevel { code } } }";
const REJECT: &str =
    "mutation($id: ID!, $r: String!) { rejectLevelProposal(id: $id, reason: $r) { id status reason } }";
const PROFILE: &str = "query($w: ID) { writerProfile(writerId: $w) { level { code } badges { code awardedAt } } }";

struct Cast {
    admin: String,
    client: String,
    writer: String,
    writer_id: String,
    catalog: std::collections::HashMap<String, String>,
}

async fn cast(app: &TestApp) -> Cast {
    app.roomy_writer_levels("essays").await;
    Cast {
        admin: app.sign_in("essays", "admin@essays.test").await,
        client: app.sign_in("essays", "client@essays.test").await,
        writer: app.sign_in("essays", "writer@essays.test").await,
        writer_id: app.user_id("essays", "writer@essays.test").await,
        catalog: app.catalog("essays").await,
    }
}

async fn as_(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

/// A new writer of the demo site, created by its admin: their token and id.
async fn new_writer(app: &TestApp, cast: &Cast, n: usize) -> (String, String) {
    let email = format!("writer{n}@essays.test");
    let created = as_(
        app,
        &cast.admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "displayName": format!("Writer {n}"), "email": email, "password": "another-password-1", "role": "WRITER" } }),
    )
    .await;
    let id = created["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    (app.sign_in_with("essays", &email, "another-password-1").await, id)
}

/// An order of the demo client written by `writer` (their token and id): paid, given, accepted,
/// submitted at once (on time) and approved by the client.
async fn completed(app: &TestApp, cast: &Cast, writer: &str, writer_id: &str) -> String {
    let id = app.order_in_progress(&cast.client, &cast.admin, (writer, writer_id), "Measured", 2).await;
    as_(app, writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
    let done = as_(app, &cast.client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
    assert_eq!(done["data"]["performOrderAction"]["status"], "COMPLETED", "{done}");
    id
}

/// `n` orders of the demo client given to `writer` (their token and id) at once, every one
/// submitted after its writer's deadline and approved.
async fn late_orders(app: &TestApp, cast: &Cast, writer: &str, writer_id: &str, n: usize) {
    let c = &cast.catalog;
    let mut ids = Vec::new();
    for _ in 0..n {
        let spec = json!({
            "topic": "Late", "paperTypeId": c["essay"], "academicLevelId": c["undergraduate"], "subjectId": c["english"],
            "workTypeId": c["writing"], "pages": 2, "deadline": app.in_hours(72),
        });
        let placed = as_(
            app,
            &cast.client,
            "mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }",
            json!({ "i": spec }),
        )
        .await;
        let id = placed["data"]["placeOrder"]["id"].as_str().unwrap_or_else(|| panic!("{placed}")).to_owned();
        as_(app, &cast.admin, ACT, json!({ "id": id, "a": "MARK_PAID" })).await;
        let given = as_(
            app,
            &cast.admin,
            "mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }",
            json!({ "id": id, "w": writer_id }),
        )
        .await;
        assert!(given["errors"].is_null(), "{given}");
        as_(app, writer, ACT, json!({ "id": id, "a": "ACCEPT_ASSIGNMENT" })).await;
        ids.push(id);
    }
    app.clock.advance(chrono::Duration::hours(80));
    for id in ids {
        as_(app, writer, ACT, json!({ "id": id, "a": "SUBMIT" })).await;
        let done = as_(app, &cast.client, ACT, json!({ "id": id, "a": "APPROVE" })).await;
        assert_eq!(done["data"]["performOrderAction"]["status"], "COMPLETED", "{done}");
    }
}

/// The client rates the order's writer `stars` on all four counts.
async fn rate(app: &TestApp, cast: &Cast, order: &str, stars: i32, public: bool) {
    let input = json!({
        "quality": stars, "communication": stars, "timeliness": stars, "followingInstructions": stars,
        "comment": "", "public": public,
    });
    let left = as_(app, &cast.client, LEAVE, json!({ "id": order, "i": input })).await;
    assert!(left["errors"].is_null(), "{left}");
}

async fn propose(app: &TestApp) -> promotions::Proposed {
    promotions::propose(&app.db, app.clock.now()).await.unwrap()
}

/// Runs every due job, the periodic ones of the hour among them, until none is left.
async fn proposals(app: &TestApp, status: &str) -> i64 {
    app.count_where(&format!("SELECT COUNT(*) AS n FROM writer_level_proposals WHERE status = '{status}'")).await
}

/// A proposal's levels' codes.
fn moves(node: &Value) -> (&str, &str) {
    (node["fromLevel"]["code"].as_str().unwrap_or(""), node["toLevel"]["code"].as_str().unwrap_or(""))
}

async fn audits(app: &TestApp, action: &str) -> i64 {
    app.count_where(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'")).await
}

/// The standard level leads to the next at two completed orders rated 4 or more on average (the
/// rates ask nothing); the demo writer completes two, and gets no proposal until both are rated.
async fn qualify(app: &TestApp, cast: &Cast) {
    let thresholds = json!({
        "promoteCompletedOrders": 2, "promoteAverageRating": "4", "promoteOnTimeRate": "0", "promoteMaxRevisionRate": "0",
    });
    let set = as_(app, &cast.admin, RULES, json!({ "l": cast.catalog["standard"], "i": thresholds })).await;
    assert!(set["errors"].is_null(), "{set}");
    let first = completed(app, cast, &cast.writer, &cast.writer_id).await;
    assert_eq!(propose(app).await, promotions::Proposed::default(), "one order of two");
    let second = completed(app, cast, &cast.writer, &cast.writer_id).await;
    assert_eq!(propose(app).await.proposed, 0, "two orders, but no rating yet");
    rate(app, cast, &first, 5, true).await;
    rate(app, cast, &second, 5, false).await;
    assert_eq!(app.count("writer_level_proposals").await, 0);
}

#[tokio::test]
async fn a_writer_who_meets_their_levels_thresholds_gets_one_pending_proposal_however_often_the_job_runs() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    qualify(&app, &cast).await;

    // the worker runs the periodic job
    app.run_jobs().await;
    assert_eq!(proposals(&app, "PENDING").await, 1);
    // again, and two runs at once: nothing more
    assert_eq!(propose(&app).await, promotions::Proposed::default());
    let now = app.clock.now();
    let (a, b) = tokio::join!(promotions::propose(&app.db, now), promotions::propose(&app.db, now));
    assert_eq!(a.unwrap().proposed + b.unwrap().proposed, 0);
    app.clock.advance(chrono::Duration::hours(1));
    app.run_jobs().await;
    assert_eq!(app.count("writer_level_proposals").await, 1);

    let listed = as_(&app, &cast.admin, PROPOSALS, json!({ "s": "PENDING" })).await;
    assert_eq!(listed["data"]["levelProposals"]["totalCount"], 1, "{listed}");
    let node = &listed["data"]["levelProposals"]["edges"][0]["node"];
    assert_eq!(node["writerId"], cast.writer_id.as_str(), "{listed}");
    assert_eq!(node["writerName"], "Demo Writer");
    assert_eq!(node["direction"], "PROMOTE");
    assert_eq!(moves(node), ("standard", "advanced"));
    // both submitted by the writer's deadline, neither revised; rated 5 in public and in private
    assert_eq!(
        node["record"],
        json!({ "completedOrders": 2, "recentOrders": 2, "onTimeRate": "100", "revisionRate": "0", "ratings": 2, "averageRating": "5" }),
        "{listed}"
    );
    assert_eq!(node["decidedAt"], Value::Null);
    // the other site's writer, at its lowest level with its default thresholds: none
    let papers = app.sign_in("papers", "admin@papers.test").await;
    let theirs = app.gql(PROPOSALS).vars(json!({})).tenant("papers").token(&papers).send().await;
    assert_eq!(theirs["data"]["levelProposals"]["totalCount"], 0, "{theirs}");
}

#[tokio::test]
async fn an_admin_approves_once_and_the_level_changes_on_the_record() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    qualify(&app, &cast).await;
    assert_eq!(propose(&app).await.proposed, 1);
    let listed = as_(&app, &cast.admin, PROPOSALS, json!({})).await;
    let id = listed["data"]["levelProposals"]["edges"][0]["node"]["id"].as_str().unwrap_or_else(|| panic!("{listed}"));
    let id = id.to_owned();

    // a writer neither reads nor decides proposals; another site's admin finds none
    for (query, vars) in
        [(PROPOSALS, json!({})), (APPROVE, json!({ "id": id })), (REJECT, json!({ "id": id, "r": "no" }))]
    {
        let refused = as_(&app, &cast.writer, query, vars).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    let papers = app.sign_in("papers", "admin@papers.test").await;
    for (query, vars) in [(APPROVE, json!({ "id": id })), (REJECT, json!({ "id": id, "r": "not yours" }))] {
        let elsewhere = app.gql(query).vars(vars).tenant("papers").token(&papers).send().await;
        assert_eq!(code(&elsewhere), "NOT_FOUND", "{elsewhere}");
    }
    let unknown = as_(&app, &cast.admin, APPROVE, json!({ "id": uuid::Uuid::now_v7().to_string() })).await;
    assert_eq!(code(&unknown), "NOT_FOUND", "{unknown}");
    // a rejection says why; without a reason nothing is written
    let bare = as_(&app, &cast.admin, REJECT, json!({ "id": id, "r": "   " })).await;
    assert_eq!((code(&bare), field(&bare)), ("BAD_USER_INPUT", "reason"), "{bare}");
    assert_eq!(proposals(&app, "PENDING").await, 1);
    assert_eq!(audits(&app, "writer_level_proposal.reject").await, 0);
    assert_eq!(audits(&app, "writer.level").await, 0);
    // a writer suspended meanwhile is not promoted by it; reinstated, they may be
    let status = "mutation($w: ID!, $s: WriterStatus!) { setWriterStatus(writerId: $w, status: $s, reason: \"review\") { status } }";
    let suspended = as_(&app, &cast.admin, status, json!({ "w": cast.writer_id, "s": "SUSPENDED" })).await;
    assert!(suspended["errors"].is_null(), "{suspended}");
    let refused = as_(&app, &cast.admin, APPROVE, json!({ "id": id })).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!((proposals(&app, "PENDING").await, audits(&app, "writer.level").await), (1, 0));
    let back = as_(&app, &cast.admin, status, json!({ "w": cast.writer_id, "s": "ACTIVE" })).await;
    assert!(back["errors"].is_null(), "{back}");

    // two admins approve at once: one moves the writer, the other is told it is decided
    let other = app.sign_in("essays", "admin@essays.test").await;
    let (a, b) = tokio::join!(
        as_(&app, &cast.admin, APPROVE, json!({ "id": id })),
        as_(&app, &other, APPROVE, json!({ "id": id }))
    );
    let (won, lost) = if a["errors"].is_null() { (a, b) } else { (b, a) };
    assert_eq!(code(&lost), "CONFLICT", "{lost}");
    let approved = &won["data"]["approveLevelProposal"];
    assert_eq!(approved["status"], "APPROVED", "{won}");
    assert_eq!(approved["toLevel"]["code"], "advanced");
    assert!(approved["decidedAt"].is_string(), "{won}");
    assert_eq!(approved["decidedBy"], app.user_id("essays", "admin@essays.test").await.as_str());
    let profile = as_(&app, &cast.admin, PROFILE, json!({ "w": cast.writer_id })).await;
    assert_eq!(profile["data"]["writerProfile"]["level"]["code"], "advanced", "{profile}");
    assert_eq!(audits(&app, "writer.level").await, 1, "the level change is audited, once");
    // decided: neither approved again nor rejected
    let again = as_(&app, &cast.admin, APPROVE, json!({ "id": id })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let late = as_(&app, &cast.admin, REJECT, json!({ "id": id, "r": "changed my mind" })).await;
    assert_eq!(code(&late), "CONFLICT", "{late}");
    assert_eq!(audits(&app, "writer_level_proposal.reject").await, 0);
    // at the new level the record calls for nothing more: no new proposal
    assert_eq!(propose(&app).await, promotions::Proposed::default());
    assert_eq!(app.count("writer_level_proposals").await, 1);
}

#[tokio::test]
async fn a_writer_below_their_levels_bar_is_proposed_down_and_a_proposal_overtaken_is_superseded() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let (newcomer_token, newcomer) = new_writer(&app, &cast, 2).await;
    let c = &cast.catalog;
    // the standard level leads on at 50 orders, 90 % of the recent ones on time
    let thresholds = json!({
        "promoteCompletedOrders": 50, "promoteAverageRating": "0", "promoteOnTimeRate": "90", "promoteMaxRevisionRate": "0",
    });
    let set = as_(&app, &cast.admin, RULES, json!({ "l": c["standard"], "i": thresholds })).await;
    assert!(set["errors"].is_null(), "{set}");
    // placed at the advanced level by an admin, with no record here: nothing to judge yet
    let set = as_(&app, &cast.admin, SET_LEVEL, json!({ "w": newcomer, "l": c["advanced"] })).await;
    assert_eq!(set["data"]["setWriterLevel"]["level"]["code"], "advanced", "{set}");
    assert_eq!(propose(&app).await, promotions::Proposed::default(), "no record is not a bad one");
    // nine orders, every one late: still too few to judge; the tenth makes a full window
    late_orders(&app, &cast, &newcomer_token, &newcomer, 9).await;
    assert_eq!(propose(&app).await, promotions::Proposed::default(), "nine orders");
    late_orders(&app, &cast, &newcomer_token, &newcomer, 1).await;
    assert_eq!(propose(&app).await.proposed, 1, "the demo writer, at the lowest level, is never proposed down");
    let page =
        "{ levelProposals(first: 50) { edges { node { id writerName status fromLevel { code } toLevel { name } } } } }";
    let statements = async |app: &TestApp| {
        let body = as_(app, &cast.admin, page, json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
        body["extensions"]["sql"]["statements"].as_i64().unwrap_or_else(|| panic!("{body}"))
    };
    // the first request after the clock moved renews the admin's session: measure the second
    statements(&app).await;
    let one = statements(&app).await;

    let listed = as_(&app, &cast.admin, PROPOSALS, json!({ "s": "PENDING" })).await;
    let node = &listed["data"]["levelProposals"]["edges"][0]["node"];
    assert_eq!((node["direction"].as_str(), node["writerName"].as_str()), (Some("DEMOTE"), Some("Writer 2")));
    assert_eq!(moves(node), ("advanced", "standard"), "{listed}");
    assert_eq!(
        node["record"],
        json!({ "completedOrders": 10, "recentOrders": 10, "onTimeRate": "0", "revisionRate": "0", "ratings": 0, "averageRating": null })
    );
    let id = node["id"].as_str().unwrap().to_owned();
    let rejected = as_(&app, &cast.admin, REJECT, json!({ "id": id, "r": "New here: give them a month" })).await;
    assert_eq!(
        rejected["data"]["rejectLevelProposal"],
        json!({ "id": id, "status": "REJECTED", "reason": "New here: give them a month" }),
        "{rejected}"
    );
    assert_eq!(audits(&app, "writer_level_proposal.reject").await, 1);
    let still = as_(&app, &cast.admin, PROFILE, json!({ "w": newcomer })).await;
    assert_eq!(still["data"]["writerProfile"]["level"]["code"], "advanced", "{still}");
    // a rejected move is not proposed again soon
    assert_eq!(propose(&app).await, promotions::Proposed::default());

    // at the expert level they are proposed down to advanced; put back at standard by hand, the
    // proposal no longer stands
    as_(&app, &cast.admin, SET_LEVEL, json!({ "w": newcomer, "l": c["expert"] })).await;
    assert_eq!(propose(&app).await.proposed, 1);
    assert_eq!(statements(&app).await, one, "two proposals cost the statements of one");
    as_(&app, &cast.admin, SET_LEVEL, json!({ "w": newcomer, "l": c["standard"] })).await;
    assert_eq!(propose(&app).await, promotions::Proposed { proposed: 0, superseded: 1 });
    let superseded = as_(&app, &cast.admin, PROPOSALS, json!({ "s": "SUPERSEDED" })).await;
    let node = &superseded["data"]["levelProposals"]["edges"][0]["node"];
    assert_eq!(moves(node), ("expert", "advanced"), "{superseded}");
    assert_eq!(node["reason"], "the writer's level changed");
    assert!(node["decidedAt"].is_string() && node["decidedBy"].is_null(), "{superseded}");
    let approve = as_(&app, &cast.admin, APPROVE, json!({ "id": node["id"] })).await;
    assert_eq!(code(&approve), "CONFLICT", "{approve}");
    assert_eq!(proposals(&app, "PENDING").await, 0);
    assert_eq!(app.count("writer_level_proposals").await, 2);
}

#[tokio::test]
async fn the_months_best_average_public_rating_from_three_ratings_earns_top_rated_month() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let (second, second_id) = new_writer(&app, &cast, 2).await;
    let (third, third_id) = new_writer(&app, &cast, 3).await;
    // the demo writer: 5, 5 and 4 in public (4.67)
    for stars in [5, 5, 4] {
        let order = completed(&app, &cast, &cast.writer, &cast.writer_id).await;
        rate(&app, &cast, &order, stars, true).await;
    }
    // the second: 5 and 5 in public, and a private 5: two public ratings are not enough
    for (stars, public) in [(5, true), (5, true), (5, false)] {
        let order = completed(&app, &cast, &second, &second_id).await;
        rate(&app, &cast, &order, stars, public).await;
    }
    // the third: three public ratings, lower
    for stars in [4, 4, 5] {
        let order = completed(&app, &cast, &third, &third_id).await;
        rate(&app, &cast, &order, stars, true).await;
    }
    let top_rated = async |writer: &str| {
        let body = as_(&app, &cast.admin, PROFILE, json!({ "w": writer })).await;
        let list = body["data"]["writerProfile"]["badges"].as_array().unwrap_or_else(|| panic!("{body}"));
        list.iter().any(|b| b["code"] == badges::TOP_RATED_MONTH)
    };

    // November is not over: it is not judged yet (October had no ratings)
    assert_eq!(badges::top_rated_month(&app.db, app.clock.now()).await.unwrap(), 0);
    assert!(!top_rated(cast.writer_id.as_str()).await, "a month in progress is not judged");
    // in December, November is
    app.clock.advance(chrono::Duration::days(12));
    assert_eq!(badges::top_rated_month(&app.db, app.clock.now()).await.unwrap(), 1);
    assert_eq!(badges::top_rated_month(&app.db, app.clock.now()).await.unwrap(), 0, "once");
    assert!(top_rated(cast.writer_id.as_str()).await);
    assert!(!top_rated(second_id.as_str()).await, "two public ratings");
    assert!(!top_rated(third_id.as_str()).await, "a lower average");
    // the hourly job awards it too, with the record's badges: nothing twice
    app.run_jobs().await;
    let monthly = "SELECT COUNT(*) AS n FROM writer_badges WHERE code = 'TOP_RATED_MONTH'";
    assert_eq!(app.count_where(monthly).await, 1);
    let profile = as_(&app, &cast.admin, PROFILE, json!({ "w": cast.writer_id })).await;
    let badge = profile["data"]["writerProfile"]["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == badges::TOP_RATED_MONTH)
        .cloned()
        .unwrap_or_else(|| panic!("{profile}"));
    assert!(badge["awardedAt"].is_string(), "{profile}");

    // in January, December is judged: nobody had three ratings in it; nothing new, the badge stays
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(badges::top_rated_month(&app.db, app.clock.now()).await.unwrap(), 0);
    assert_eq!(app.count_where(monthly).await, 1);
    let admin = app.sign_in("essays", "admin@essays.test").await; // the old session has ended
    let later = as_(&app, &admin, PROFILE, json!({ "w": cast.writer_id })).await;
    assert_eq!(later["data"]["writerProfile"]["badges"], profile["data"]["writerProfile"]["badges"], "{later}");
}
