//! The installation's settings and global flags: a kill switch turns a feature off on every site
//! at once (whatever each site's toggle) and reaches another replica within a second; changes
//! scheduled for a time are applied once by a job, or cancelled; the defaults for new sites, the
//! registration switch and the maintenance banner; superadmins only, audited.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::{TestApp, code, field};

const FLAG: &str = "mutation($f: Feature!, $e: Boolean!) { setGlobalFlag(feature: $f, enabled: $e) { globalFlags { feature enabled } } }";
const RESET: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const SCHEDULE: &str = "mutation($f: Feature!, $e: Boolean!, $at: DateTime!) { scheduleFlagChange(feature: $f, enabled: $e, at: $at) { id feature enabled at status doneAt } }";
const CANCEL: &str = "mutation($id: ID!) { cancelFlagChange(id: $id) { id status doneAt } }";
const SETTINGS: &str = "{ systemSettings { registrationOpen maintenanceBanner defaultFeatureToggles { drafts maxPagesPerOrder } globalFlags { feature enabled } } }";
const UPDATE: &str = "mutation($i: SystemSettingsInput!) { updateSystemSettings(input: $i) { registrationOpen maintenanceBanner defaultFeatureToggles { drafts maxPagesPerOrder } } }";

async fn root(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).token(token).send().await
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

async fn reset_on(app: &TestApp, site: &str) -> Value {
    app.gql(RESET).vars(json!({ "e": format!("client@{site}.test") })).tenant(site).send().await
}

#[tokio::test]
async fn a_global_kill_switch_turns_a_feature_off_on_every_site_until_restored() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_superadmin().await;
    // one site turned password resets off itself
    let papers_admin = app.sign_in("papers", "admin@papers.test").await;
    let off = app.gql("mutation { updateTenantFeatureToggles(input: {passwordReset: false}) { featureToggles { passwordReset } } }").tenant("papers").token(&papers_admin).send().await;
    assert!(off["errors"].is_null(), "{off}");
    assert!(reset_on(&app, "essays").await["errors"].is_null());
    assert_eq!(reason(&reset_on(&app, "papers").await), "FEATURE_DISABLED");

    let admin = app.sign_in("essays", "admin@essays.test").await;
    let refused =
        app.gql(FLAG).vars(json!({ "f": "PASSWORD_RESET", "e": false })).tenant("essays").token(&admin).send().await;
    assert_eq!(code(&refused), "FORBIDDEN", "a site's admin cannot: {refused}");

    let killed = root(&app, &token, FLAG, json!({ "f": "PASSWORD_RESET", "e": false })).await;
    let flags = killed["data"]["setGlobalFlag"]["globalFlags"].as_array().unwrap_or_else(|| panic!("{killed}"));
    assert!(flags.iter().any(|f| f["feature"] == "PASSWORD_RESET" && f["enabled"] == false));
    assert!(flags.iter().filter(|f| f["feature"] != "PASSWORD_RESET").all(|f| f["enabled"] == true));
    let links = app.count("login_links").await;
    for site in ["essays", "papers"] {
        let body = reset_on(&app, site).await;
        assert_eq!((code(&body), reason(&body)), ("FORBIDDEN", "GLOBAL_KILL_SWITCH"), "{site}: {body}");
    }
    assert_eq!(app.count("login_links").await, links, "refused: no link made");
    let status = app.gql("{ systemStatus { disabledFeatures } }").send().await;
    assert_eq!(
        status["data"]["systemStatus"]["disabledFeatures"],
        json!(["PASSWORD_RESET"]),
        "pages can tell: {status}"
    );
    // a site's toggle is its own: still on where it was
    let toggles = app.gql("{ tenant { featureToggles { passwordReset } } }").tenant("essays").send().await;
    assert_eq!(toggles["data"]["tenant"]["featureToggles"]["passwordReset"], true, "{toggles}");

    let restored = root(&app, &token, FLAG, json!({ "f": "PASSWORD_RESET", "e": true })).await;
    assert!(restored["errors"].is_null(), "{restored}");
    assert!(reset_on(&app, "essays").await["errors"].is_null(), "on again where the site has it on");
    assert_eq!(reason(&reset_on(&app, "papers").await), "FEATURE_DISABLED", "and off where the site has it off");

    // both changes are in the installation's chain, by the superadmin, and it holds
    let log = root(&app, &token, "{ auditLog(filter: {action: \"system.\"}) { edges { node { action tenantId actorRole } } } auditIntegrity { tenantId intact } }", json!({})).await;
    let edges = log["data"]["auditLog"]["edges"].as_array().unwrap_or_else(|| panic!("{log}"));
    assert_eq!(edges.len(), 2, "{log}");
    assert!(edges.iter().all(|e| e["node"]["tenantId"].is_null() && e["node"]["actorRole"] == "SUPERADMIN"));
    assert!(log["data"]["auditIntegrity"].as_array().unwrap().iter().all(|c| c["intact"] == true), "{log}");
}

#[tokio::test]
async fn a_kill_switch_reaches_another_replica_within_a_second() {
    let app = TestApp::spawn().await;
    let replica = app.replica().await;
    let token = app.sign_in_superadmin().await;
    assert!(reset_on(&replica, "essays").await["errors"].is_null(), "the replica has read the settings");
    let killed = root(&app, &token, FLAG, json!({ "f": "PASSWORD_RESET", "e": false })).await;
    assert!(killed["errors"].is_null(), "{killed}");
    let started = Instant::now();
    loop {
        let body = reset_on(&replica, "essays").await;
        if reason(&body) == "GLOBAL_KILL_SWITCH" {
            break;
        }
        assert!(started.elapsed() < Duration::from_millis(1500), "the replica still serves it: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_scheduled_change_is_applied_once_at_its_time_and_a_cancelled_one_never() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_superadmin().await;
    let mail = tests::mail::Mail::start(&app).await;
    let client = app.sign_in("essays", "client@essays.test").await;

    // bad times change nothing
    for (at, why) in [(app.in_hours(-1), "past"), (app.in_hours(24 * 400), "over a year")] {
        let body = root(&app, &token, SCHEDULE, json!({ "f": "DRAFTS", "e": false, "at": at })).await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "at"), "{why}: {body}");
    }
    assert_eq!(app.count("flag_changes").await, 0);
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let refused = app
        .gql(SCHEDULE)
        .vars(json!({ "f": "DRAFTS", "e": false, "at": app.in_hours(1) }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");

    let planned = root(&app, &token, SCHEDULE, json!({ "f": "DRAFTS", "e": false, "at": app.in_hours(1) })).await;
    let change = &planned["data"]["scheduleFlagChange"];
    assert_eq!(change["status"], "PENDING", "{planned}");
    let second = root(&app, &token, SCHEDULE, json!({ "f": "PRESETS", "e": false, "at": app.in_hours(1) })).await;
    let second_id = second["data"]["scheduleFlagChange"]["id"].clone();
    let cancelled = root(&app, &token, CANCEL, json!({ "id": second_id })).await;
    assert_eq!(cancelled["data"]["cancelFlagChange"]["status"], "CANCELLED", "{cancelled}");
    assert_eq!(code(&root(&app, &token, CANCEL, json!({ "id": second_id })).await), "CONFLICT");
    let unknown = root(&app, &token, CANCEL, json!({ "id": "00000000-0000-7000-8000-000000000000" })).await;
    assert_eq!(code(&unknown), "NOT_FOUND");

    let drafts = "{ orderDrafts(first: 5) { totalCount } }";
    let before = app.gql(drafts).tenant("essays").token(&client).send().await;
    assert!(before["errors"].is_null(), "not yet: {before}");
    while mail.worker.poll().await.unwrap().claimed > 0 {}
    assert!(app.gql(drafts).tenant("essays").token(&client).send().await["errors"].is_null(), "not before its time");

    app.clock.advance(chrono::Duration::minutes(61));
    while mail.worker.poll().await.unwrap().claimed > 0 {}
    // the server hears of what the worker did within a second
    let started = Instant::now();
    loop {
        let after = app.gql(drafts).tenant("essays").token(&client).send().await;
        if reason(&after) == "GLOBAL_KILL_SWITCH" {
            break;
        }
        assert!(started.elapsed() < Duration::from_millis(1500), "not applied: {after}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        app.gql("{ orderPresets { id } }").tenant("essays").token(&client).send().await["errors"].is_null(),
        "the cancelled change never applies"
    );
    let listed =
        root(&app, &token, "{ scheduledFlagChanges { edges { node { feature status doneAt } } } }", json!({})).await;
    let nodes: Vec<&Value> =
        listed["data"]["scheduledFlagChanges"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    assert!(
        nodes.iter().any(|n| n["feature"] == "DRAFTS" && n["status"] == "APPLIED" && n["doneAt"].is_string()),
        "{listed}"
    );
    assert!(nodes.iter().any(|n| n["feature"] == "PRESETS" && n["status"] == "CANCELLED"), "{listed}");
    // applied by the system (no actor), once, in the installation's chain
    let log = root(&app, &token, "{ auditLog(filter: {action: \"system.flag.apply_scheduled\"}) { totalCount edges { node { actorId tenantId } } } }", json!({})).await;
    assert_eq!(log["data"]["auditLog"]["totalCount"], 1, "{log}");
    assert!(log["data"]["auditLog"]["edges"][0]["node"]["actorId"].is_null());
    // a second run of the job (two workers, a retry) applies nothing more
    let again = jobs::JobRun {
        id: kernel::new_id(),
        tenant_id: None,
        kind: tenancy::service::system::FLAG_CHANGE_JOB.into(),
        payload: json!({ "change": change["id"] }),
        attempt: 1,
        max_attempts: 5,
        db: app.db.clone(),
        clock: std::sync::Arc::new(app.clock.clone()),
    };
    tenancy::service::system::apply_scheduled(again).await.unwrap();
    let log =
        root(&app, &token, "{ auditLog(filter: {action: \"system.flag.apply_scheduled\"}) { totalCount } }", json!({}))
            .await;
    assert_eq!(log["data"]["auditLog"]["totalCount"], 1, "{log}");
    let cancel_applied = root(&app, &token, CANCEL, json!({ "id": change["id"] })).await;
    assert_eq!(code(&cancel_applied), "CONFLICT");
}

#[tokio::test]
async fn the_defaults_for_new_sites_the_registration_switch_and_the_banner() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_superadmin().await;
    let status = "{ systemStatus { maintenanceBanner registrationOpen } }";
    assert_eq!(
        app.gql(status).send().await["data"]["systemStatus"],
        json!({ "maintenanceBanner": null, "registrationOpen": true })
    );

    // bad input names its field and changes nothing
    let bad = root(&app, &token, UPDATE, json!({ "i": { "defaultFeatureToggles": { "maxPagesPerOrder": 0 } } })).await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "maxPagesPerOrder"), "{bad}");
    let long = root(&app, &token, UPDATE, json!({ "i": { "maintenanceBanner": "x".repeat(501) } })).await;
    assert_eq!((code(&long), field(&long)), ("BAD_USER_INPUT", "maintenanceBanner"), "{long}");
    let unchanged = root(&app, &token, SETTINGS, json!({})).await;
    assert_eq!(
        unchanged["data"]["systemSettings"]["defaultFeatureToggles"],
        json!({ "drafts": true, "maxPagesPerOrder": 200 })
    );
    let admin = app.sign_in("essays", "admin@essays.test").await;
    for query in [SETTINGS, UPDATE] {
        let refused = app
            .gql(query)
            .vars(json!({ "i": { "registrationOpen": false } }))
            .tenant("essays")
            .token(&admin)
            .send()
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    assert_eq!(app.gql(status).send().await["data"]["systemStatus"]["registrationOpen"], true, "nothing changed");

    let set = root(
        &app,
        &token,
        UPDATE,
        json!({ "i": { "defaultFeatureToggles": { "drafts": false }, "registrationOpen": false, "maintenanceBanner": "Down for upgrades at 02:00 UTC" } }),
    )
    .await;
    assert_eq!(
        set["data"]["updateSystemSettings"],
        json!({ "registrationOpen": false, "maintenanceBanner": "Down for upgrades at 02:00 UTC", "defaultFeatureToggles": { "drafts": false, "maxPagesPerOrder": 200 } }),
        "{set}"
    );
    assert_eq!(
        app.gql(status).send().await["data"]["systemStatus"]["maintenanceBanner"],
        "Down for upgrades at 02:00 UTC"
    );
    // sign-ups are closed on a site that takes them
    let sign_up = app
        .gql("mutation { signUp(input: {email: \"new@essays.test\", password: \"long-enough-pw\", displayName: \"New\"}) { message } }")
        .tenant("essays")
        .send()
        .await;
    assert_eq!(reason(&sign_up), "REGISTRATION_CLOSED", "{sign_up}");
    // a new site starts with the defaults
    let input = json!({ "slug": "fresh", "name": "Fresh", "currency": "USD", "domains": ["fresh.localhost"] });
    let made = root(
        &app,
        &token,
        "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }",
        json!({ "i": input }),
    )
    .await;
    assert!(made["errors"].is_null(), "{made}");
    let fresh = app.gql("{ tenant { featureToggles { drafts presets } } }").tenant("fresh").send().await;
    assert_eq!(fresh["data"]["tenant"]["featureToggles"], json!({ "drafts": false, "presets": true }), "{fresh}");
    // a change that leaves the banner out keeps it; null takes it down; the rest stays
    let kept = root(&app, &token, UPDATE, json!({ "i": { "registrationOpen": false } })).await;
    assert_eq!(kept["data"]["updateSystemSettings"]["maintenanceBanner"], "Down for upgrades at 02:00 UTC", "{kept}");
    let down = root(&app, &token, UPDATE, json!({ "i": { "maintenanceBanner": null } })).await;
    assert_eq!(down["data"]["updateSystemSettings"]["maintenanceBanner"], Value::Null, "{down}");
    assert_eq!(down["data"]["updateSystemSettings"]["registrationOpen"], false);
}
