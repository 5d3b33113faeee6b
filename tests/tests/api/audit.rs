//! The audit log as hash chains: concurrent audited mutations make one unbroken chain per site;
//! an entry edited (or removed) in the database is named by `auditIntegrity`; admins check
//! their own site only; views filter by actor, target, action and time; a superadmin's actions in
//! a site are shown to its admins without the superadmin's address.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tests::{TestApp, code, field};

const INTEGRITY: &str = "query($t: ID) { auditIntegrity(tenantId: $t) { tenantId entries intact problem outside lastSeq lastHash firstBroken { id seq action } } }";
const LOG: &str = "query($f: AuditLogFilter, $t: ID) { auditLog(tenantId: $t, filter: $f, first: 100) { totalCount edges { node { id seq hash action actorId actorRole ip targetType targetId } } } }";

async fn create_subject(app: &TestApp, token: &str, tenant: &str, code_: &str) -> Value {
    app.gql("mutation($c: String!) { createCatalogEntry(kind: SUBJECT, input: {code: $c, name: $c, technical: false}) { id } }")
        .vars(json!({ "c": code_ }))
        .tenant(tenant)
        .token(token)
        .ip("203.0.113.50")
        .send()
        .await
}

async fn ask(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

async fn exec(app: &TestApp, sql: &str) {
    app.db.execute_raw(Statement::from_string(app.db.get_database_backend(), sql.to_owned())).await.unwrap();
}

#[tokio::test]
async fn fifty_concurrent_audited_mutations_make_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let codes: Vec<String> = (0..50).map(|i| format!("subject_{i}")).collect();
    let writes = codes.iter().map(|c| create_subject(&app, &admin, "essays", c));
    for body in futures::future::join_all(writes).await {
        assert!(body["errors"].is_null(), "{body}");
    }
    let checked = ask(&app, &admin, INTEGRITY, json!({})).await;
    let chains = checked["data"]["auditIntegrity"].as_array().unwrap_or_else(|| panic!("{checked}"));
    assert_eq!(chains.len(), 1, "an admin checks their own site's chain");
    let chain = &chains[0];
    assert_eq!(chain["intact"], true, "{chain}");
    let entries = chain["entries"].as_u64().unwrap();
    assert!(entries >= 50, "{chain}");
    assert_eq!(chain["lastSeq"].as_u64(), Some(entries), "places 1..n, none twice, none skipped");
    let log = ask(&app, &admin, LOG, json!({ "f": { "action": "catalog." } })).await;
    assert_eq!(log["data"]["auditLog"]["totalCount"], 50, "{log}");
    let mut seqs: Vec<u64> = log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["seq"].as_u64().unwrap())
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 50);
}

#[tokio::test]
async fn an_entry_edited_or_removed_in_the_database_is_named() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    for i in 0..4 {
        let body = create_subject(&app, &admin, "essays", &format!("subject_{i}")).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let before = ask(&app, &admin, INTEGRITY, json!({})).await;
    let chain = &before["data"]["auditIntegrity"][0];
    assert_eq!(chain["intact"], true, "{before}");
    let tenant = chain["tenantId"].as_str().unwrap().to_owned();
    let last = chain["lastSeq"].as_u64().unwrap();
    let target = last - 2;

    // someone with the database rewrites what an entry says
    exec(&app, &format!("UPDATE audit_log SET target_id = 'nothing' WHERE chain = '{tenant}' AND seq = {target}"))
        .await;
    let after = ask(&app, &admin, INTEGRITY, json!({})).await;
    let chain = &after["data"]["auditIntegrity"][0];
    assert_eq!(chain["intact"], false, "{after}");
    assert_eq!(chain["firstBroken"]["seq"].as_u64(), Some(target), "{chain}");
    assert_eq!(chain["problem"], "it was changed after it was written");

    // and rehashed as a forger would (the entry now matches its hash): the next one no longer follows
    let edited = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use tenancy::entity::audit_entry::{Column, Entity};
        Entity::find()
            .filter(Column::Chain.eq(tenant.as_str()))
            .filter(Column::Seq.eq(target as i64))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
    };
    let forged = tenancy::service::audit::entry_hash(&edited);
    exec(&app, &format!("UPDATE audit_log SET hash = '{forged}' WHERE chain = '{tenant}' AND seq = {target}")).await;
    let after = ask(&app, &admin, INTEGRITY, json!({})).await;
    let chain = &after["data"]["auditIntegrity"][0];
    assert_eq!(chain["firstBroken"]["seq"].as_u64(), Some(target + 1), "{after}");
    assert_eq!(chain["problem"], "it does not follow the entry before it");

    // or taken out of the chain: counted as outside it
    exec(&app, &format!("UPDATE audit_log SET chain = NULL WHERE chain = '{tenant}' AND seq = {last}")).await;
    let after = ask(&app, &admin, INTEGRITY, json!({})).await;
    let chain = &after["data"]["auditIntegrity"][0];
    assert_eq!((chain["intact"].as_bool(), chain["outside"].as_u64()), (Some(false), Some(1)), "{after}");
    exec(&app, &format!("UPDATE audit_log SET chain = '{tenant}' WHERE chain IS NULL AND seq = {last}")).await;

    // or it is removed: the entry after the gap is named
    exec(&app, &format!("DELETE FROM audit_log WHERE chain = '{tenant}' AND seq = {target}")).await;
    let after = ask(&app, &admin, INTEGRITY, json!({})).await;
    let chain = &after["data"]["auditIntegrity"][0];
    assert_eq!(chain["firstBroken"]["seq"].as_u64(), Some(target + 1), "{chain}");
    assert_eq!(chain["problem"], "an entry before it is missing");
}

#[tokio::test]
async fn admins_check_and_read_their_own_site_and_see_a_superadmins_entries_without_the_address() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let other_admin = app.sign_in("papers", "admin@papers.test").await;
    let superadmin = app.sign_in("essays", gateway::seed::SUPERADMIN_EMAIL).await;
    assert!(create_subject(&app, &admin, "essays", "by_admin").await["errors"].is_null());
    assert!(create_subject(&app, &superadmin, "essays", "by_superadmin").await["errors"].is_null());
    assert!(create_subject(&app, &other_admin, "papers", "elsewhere").await["errors"].is_null());

    // the chains: an admin's own only; a superadmin's any, or all
    let papers = app.gql(INTEGRITY).tenant("papers").token(&other_admin).send().await;
    let papers_id = papers["data"]["auditIntegrity"][0]["tenantId"].as_str().unwrap().to_owned();
    let refused = ask(&app, &admin, INTEGRITY, json!({ "t": papers_id })).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let all = ask(&app, &superadmin, INTEGRITY, json!({})).await;
    let chains = all["data"]["auditIntegrity"].as_array().unwrap_or_else(|| panic!("{all}"));
    assert!(chains.len() >= 3, "the installation's and each site's: {all}");
    assert!(chains.iter().any(|c| c["tenantId"].is_null()), "{all}");
    assert!(chains.iter().all(|c| c["intact"] == true), "{all}");
    let one = ask(&app, &superadmin, INTEGRITY, json!({ "t": papers_id })).await;
    assert_eq!(one["data"]["auditIntegrity"].as_array().unwrap().len(), 1);
    let client = app.sign_in("essays", "client@essays.test").await;
    assert_eq!(code(&ask(&app, &client, INTEGRITY, json!({})).await), "FORBIDDEN");

    // the views: an admin sees their site's, the superadmin's there without its address
    let log = ask(&app, &admin, LOG, json!({ "f": { "targetType": "catalog_item" } })).await;
    let nodes: Vec<&Value> = log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(nodes.len(), 2, "not the other site's: {log}");
    let by_super = nodes.iter().find(|n| n["actorRole"] == "SUPERADMIN").expect("the superadmin's entry");
    assert!(by_super["ip"].is_null(), "{by_super}");
    let by_admin = nodes.iter().find(|n| n["actorRole"] == "ADMIN").unwrap();
    assert_eq!(by_admin["ip"], "203.0.113.50");
    let seen_by_super = ask(&app, &superadmin, LOG, json!({ "f": { "actorId": by_super["actorId"] } })).await;
    let edges = seen_by_super["data"]["auditLog"]["edges"].as_array().unwrap_or_else(|| panic!("{seen_by_super}"));
    assert!(!edges.is_empty() && edges.iter().all(|e| e["node"]["actorRole"] == "SUPERADMIN"));
    assert!(edges.iter().any(|e| e["node"]["ip"] == "203.0.113.50"), "the superadmin sees addresses");

    // a superadmin's own account, acted on through the site's host, is not the site's to read
    let other = app.sign_in("essays", gateway::seed::SUPERADMIN_EMAIL).await;
    let revoked = app.gql("mutation { revokeOtherSessions }").tenant("essays").token(&other).send().await;
    assert!(revoked["errors"].is_null(), "{revoked}");
    let sessions = ask(&app, &admin, LOG, json!({ "f": { "targetType": "session" } })).await;
    assert_eq!(sessions["data"]["auditLog"]["totalCount"], 0, "{sessions}");
    let own = app.gql(LOG).vars(json!({ "f": { "targetType": "session" } })).token(&other).send().await;
    let own = own["data"]["auditLog"]["edges"].as_array().unwrap_or_else(|| panic!("{own}")).clone();
    assert!(!own.is_empty() && own.iter().all(|e| e["node"]["actorRole"] == "SUPERADMIN"), "{own:?}");

    // filters: by actor, exact action, time
    let mine =
        ask(&app, &admin, LOG, json!({ "f": { "actorId": by_admin["actorId"], "targetType": "catalog_item" } })).await;
    assert_eq!(mine["data"]["auditLog"]["totalCount"], 1, "{mine}");
    let action = by_admin["action"].as_str().unwrap();
    let exact = ask(&app, &admin, LOG, json!({ "f": { "action": action } })).await;
    assert_eq!(exact["data"]["auditLog"]["totalCount"], 2, "{exact}");
    let later = ask(&app, &admin, LOG, json!({ "f": { "from": app.in_hours(1) } })).await;
    assert_eq!(later["data"]["auditLog"]["totalCount"], 0, "{later}");
    let backwards = ask(&app, &admin, LOG, json!({ "f": { "from": app.in_hours(2), "to": app.in_hours(1) } })).await;
    assert_eq!((code(&backwards), field(&backwards)), ("BAD_USER_INPUT", "filter.to"), "{backwards}");
}
