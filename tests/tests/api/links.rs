//! E-mailed links that act once: a password reset and a magic sign-in. The same answer whether
//! or not the address has an account; the link goes to the site's own domain and works once,
//! for its time, on its site; a reset ends every session and tells the owner; requests are
//! limited per account and per address; the secret leaves the outbox once sent.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tests::mail::Mail;
use tests::{TestApp, code, field};

const RESET: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const SET: &str = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
const MAGIC: &str = "mutation($e: String!) { requestMagicLink(email: $e) }";
const MAGIC_IN: &str = "mutation($t: String!) { signInWithMagicLink(token: $t) { token user { email } } }";
const ME: &str = "{ viewer { email } }";

async fn send(app: &TestApp, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").send().await
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_ends_every_session_and_tells_the_owner() {
    let app = TestApp::spawn().await;
    let mail = Mail::start(&app).await;
    let (phone, laptop) =
        (app.sign_in("essays", "client@essays.test").await, app.sign_in("essays", "client@essays.test").await);

    let answer = send(&app, RESET, json!({ "e": "client@essays.test" })).await;
    let nobody = send(&app, RESET, json!({ "e": "nobody@essays.test" })).await;
    assert!(answer["data"]["requestPasswordReset"].as_str().is_some_and(|a| a.contains("If an account")), "{answer}");
    assert_eq!(
        answer["data"]["requestPasswordReset"], nobody["data"]["requestPasswordReset"],
        "no one learns who has an account"
    );
    assert_eq!(app.count("login_links").await, 1);

    let token = mail.token("client@essays.test", "/reset-password").await;
    assert_eq!(mail.sink.messages().len(), 1, "nothing to the unknown address");
    let text = mail.sink.messages()[0].parsed().body_text(0).unwrap().into_owned();
    assert!(text.contains("http://localhost:8080/reset-password?token="), "the site's own address: {text}");
    // the link left the outbox once sent; only its hash is kept
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT data, body FROM notifications WHERE kind = 'PASSWORD_RESET'",
        ))
        .await
        .unwrap()
        .unwrap();
    let (data, body): (Value, String) = (row.try_get("", "data").unwrap(), row.try_get("", "body").unwrap());
    assert!(!data.to_string().contains(&token) && !body.contains(&token), "{data} {body}");

    let weak = send(&app, SET, json!({ "t": token, "p": "short" })).await;
    assert_eq!((code(&weak), field(&weak)), ("BAD_USER_INPUT", "newPassword"), "{weak}");
    let done = send(&app, SET, json!({ "t": token, "p": "a brand new passphrase" })).await;
    assert_eq!(done["data"]["resetPassword"], true, "{done}");
    for old in [&phone, &laptop] {
        let body = app.gql(ME).tenant("essays").token(old).send().await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "every session ended: {body}");
    }
    let again = send(&app, SET, json!({ "t": token, "p": "yet another passphrase" })).await;
    assert_eq!((code(&again), field(&again)), ("BAD_USER_INPUT", "token"), "once: {again}");
    let signed = app.sign_in_with("essays", "client@essays.test", "a brand new passphrase").await;
    assert!(!signed.is_empty());
    let old_password = app
        .gql("mutation { signIn(input: {email: \"client@essays.test\", password: \"demo-password\"}) { token } }")
        .tenant("essays")
        .send()
        .await;
    assert!(!old_password["errors"].is_null());

    while mail.worker.poll().await.unwrap().claimed > 0 {}
    assert!(
        mail.subjects("client@essays.test").iter().any(|s| s.contains("Your password was changed")),
        "{:?}",
        mail.subjects("client@essays.test")
    );
}

#[tokio::test]
async fn a_link_expires_and_works_only_on_its_own_site() {
    let app = TestApp::spawn().await;
    let mail = Mail::start(&app).await;
    send(&app, RESET, json!({ "e": "client@essays.test" })).await;
    let token = mail.token("client@essays.test", "/reset-password").await;
    app.clock.advance(chrono::Duration::minutes(31));
    let late = send(&app, SET, json!({ "t": token, "p": "a brand new passphrase" })).await;
    assert_eq!((code(&late), field(&late)), ("BAD_USER_INPUT", "token"), "{late}");

    send(&app, RESET, json!({ "e": "client@essays.test" })).await;
    let token = mail.token("client@essays.test", "/reset-password").await;
    let elsewhere =
        app.gql(SET).vars(json!({ "t": token, "p": "a brand new passphrase" })).tenant("papers").send().await;
    assert_eq!((code(&elsewhere), field(&elsewhere)), ("BAD_USER_INPUT", "token"), "{elsewhere}");
    let here = send(&app, SET, json!({ "t": token, "p": "a brand new passphrase" })).await;
    assert_eq!(here["data"]["resetPassword"], true, "the other site's try did not spend it: {here}");
    let nonsense = send(&app, SET, json!({ "t": "not-a-token", "p": "a brand new passphrase" })).await;
    assert_eq!(code(&nonsense), "BAD_USER_INPUT");
}

#[tokio::test]
async fn link_requests_are_limited_per_account_and_per_address() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let body =
            app.gql(RESET).vars(json!({ "e": "client@essays.test" })).tenant("essays").ip("203.0.113.1").send().await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let fourth =
        app.gql(RESET).vars(json!({ "e": "client@essays.test" })).tenant("essays").ip("203.0.113.2").send().await;
    assert_eq!(code(&fourth), "RATE_LIMITED", "per account, from anywhere: {fourth}");
    // an address that has no account is limited alike (the limit says nothing of who has one)
    for _ in 0..3 {
        app.gql(RESET).vars(json!({ "e": "ghost@essays.test" })).tenant("essays").ip("203.0.113.3").send().await;
    }
    let ghost =
        app.gql(RESET).vars(json!({ "e": "ghost@essays.test" })).tenant("essays").ip("203.0.113.4").send().await;
    assert_eq!(code(&ghost), "RATE_LIMITED");
    // per address: ten a client address
    for i in 0..10 {
        let body = app
            .gql(RESET)
            .vars(json!({ "e": format!("someone{i}@essays.test") }))
            .tenant("essays")
            .ip("198.51.100.9")
            .send()
            .await;
        assert!(body["errors"].is_null(), "{i}: {body}");
    }
    let eleventh = app
        .gql(RESET)
        .vars(json!({ "e": "someone-else@essays.test" }))
        .tenant("essays")
        .ip("198.51.100.9")
        .send()
        .await;
    assert_eq!(code(&eleventh), "RATE_LIMITED");
    assert_eq!(app.count("login_links").await, 3, "only the real account's links were made");
}

#[tokio::test]
async fn a_magic_link_signs_in_once_where_the_site_allows_it() {
    let app = TestApp::spawn().await;
    let mail = Mail::start(&app).await;
    let off = send(&app, MAGIC, json!({ "e": "client@essays.test" })).await;
    assert_eq!(code(&off), "FORBIDDEN", "off by default: {off}");
    assert_eq!(off["errors"][0]["extensions"]["reason"], "FEATURE_DISABLED");
    assert_eq!(app.count("login_links").await, 0);

    let admin = app.sign_in("essays", "admin@essays.test").await;
    let on = app
        .gql("mutation { updateTenantFeatureToggles(input: {magicLinkLogin: true}) { featureToggles { magicLinkLogin } } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(on["data"]["updateTenantFeatureToggles"]["featureToggles"]["magicLinkLogin"], true, "{on}");

    send(&app, MAGIC, json!({ "e": "client@essays.test" })).await;
    let token = mail.token("client@essays.test", "/sign-in/link").await;
    let signed = send(&app, MAGIC_IN, json!({ "t": token })).await;
    let session =
        signed["data"]["signInWithMagicLink"]["token"].as_str().unwrap_or_else(|| panic!("{signed}")).to_owned();
    let me = app.gql(ME).tenant("essays").token(&session).send().await;
    assert_eq!(me["data"]["viewer"]["email"], "client@essays.test");
    let again = send(&app, MAGIC_IN, json!({ "t": token })).await;
    assert_eq!((code(&again), field(&again)), ("BAD_USER_INPUT", "token"));
    // a reset token does not sign in, nor a sign-in token reset
    send(&app, RESET, json!({ "e": "client@essays.test" })).await;
    let reset = mail.token("client@essays.test", "/reset-password").await;
    assert_eq!(code(&send(&app, MAGIC_IN, json!({ "t": reset })).await), "BAD_USER_INPUT");
    send(&app, MAGIC, json!({ "e": "client@essays.test" })).await;
    let magic = mail.token("client@essays.test", "/sign-in/link").await;
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(code(&send(&app, MAGIC_IN, json!({ "t": magic })).await), "BAD_USER_INPUT", "expired");
}

#[tokio::test]
async fn links_and_security_alerts_cannot_be_turned_off_by_e_mail() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let update = "mutation($i: [NotificationPreferenceInput!]!) { updateNotificationPreferences(input: $i) { kind } }";
    for kind in ["PASSWORD_RESET", "PASSWORD_CHANGED", "MAGIC_LINK"] {
        let body = app
            .gql(update)
            .vars(json!({ "i": [{ "kind": kind, "email": false, "inApp": true, "push": true }] }))
            .tenant("essays")
            .token(&client)
            .send()
            .await;
        assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "input.0.email"), "{kind}: {body}");
    }
    assert_eq!(app.count("notification_preferences").await, 0);
}
