//! TOTP two-factor sign-in end to end: enrolment with an authenticator app (the codes computed
//! here as the app would, at the test's clock), sign-in challenges completed by a code or a
//! recovery code, each accepted once, wrong codes counted, challenges that expire and stay on
//! their site; turning it off; an admin's reset (audited, e-mailed); and a site that requires it.

use serde_json::{Value, json};
use tests::{TestApp, code, field};
use totp_rs::{Algorithm, Builder, Secret};

const BEGIN: &str = "mutation { beginTwoFactorEnrollment { secret uri qrSvg } }";
const CONFIRM: &str = "mutation($c: String!) { confirmTwoFactorEnrollment(code: $c) }";
const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token twoFactorChallenge user { email } } }";
const VERIFY: &str = "mutation($ch: String!, $c: String, $r: String) { verifySecondFactor(challenge: $ch, code: $c, recoveryCode: $r) { token user { email } } }";
const ME: &str = "{ viewer { email twoFactorEnabled } }";

/// The code an authenticator app shows for `secret`, `offset` steps from the test's clock.
fn app_code(app: &TestApp, secret: &str, offset: i64) -> String {
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = kernel::Clock::now(&app.clock).timestamp() + offset * 30;
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

/// How many notifications of `kind` were written.
async fn told(app: &TestApp, kind: &str) -> i64 {
    app.count_where(&format!("SELECT COUNT(*) AS n FROM notifications WHERE kind = '{kind}'")).await
}

async fn as_user(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.gql(query).vars(vars).tenant("essays").token(token).send().await
}

/// Enrols `token`'s user; answers the secret and the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let begun = as_user(app, token, BEGIN, json!({})).await;
    let secret =
        begun["data"]["beginTwoFactorEnrollment"]["secret"].as_str().unwrap_or_else(|| panic!("{begun}")).to_owned();
    let confirmed = as_user(app, token, CONFIRM, json!({ "c": app_code(app, &secret, 0) })).await;
    let codes = confirmed["data"]["confirmTwoFactorEnrollment"].as_array().unwrap_or_else(|| panic!("{confirmed}"));
    (secret, codes.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
}

async fn challenge(app: &TestApp, tenant: &str, email: &str) -> String {
    let body = app.gql(SIGN_IN).vars(json!({ "e": email, "p": "demo-password" })).tenant(tenant).send().await;
    assert!(body["data"]["signIn"]["token"].is_null(), "no session before the second factor: {body}");
    body["data"]["signIn"]["twoFactorChallenge"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn verify(app: &TestApp, challenge: &str, code: Option<&str>, recovery: Option<&str>) -> Value {
    app.gql(VERIFY).vars(json!({ "ch": challenge, "c": code, "r": recovery })).tenant("essays").send().await
}

#[tokio::test]
async fn an_app_enrols_and_each_sign_in_then_takes_a_code_once() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let begun = as_user(&app, &client, BEGIN, json!({})).await;
    let e = &begun["data"]["beginTwoFactorEnrollment"];
    let secret = e["secret"].as_str().unwrap().to_owned();
    assert!(e["uri"].as_str().unwrap().starts_with("otpauth://totp/Essays%20Demo:client%40essays.test?"), "{e}");
    assert!(e["qrSvg"].as_str().unwrap().contains("<svg"), "{e}");
    let wrong = as_user(&app, &client, CONFIRM, json!({ "c": "000000" })).await;
    assert_eq!((code(&wrong), field(&wrong)), ("BAD_USER_INPUT", "code"), "{wrong}");
    assert_eq!(as_user(&app, &client, ME, json!({})).await["data"]["viewer"]["twoFactorEnabled"], false);
    let confirmed = as_user(&app, &client, CONFIRM, json!({ "c": app_code(&app, &secret, 0) })).await;
    let recovery =
        confirmed["data"]["confirmTwoFactorEnrollment"].as_array().unwrap_or_else(|| panic!("{confirmed}")).clone();
    assert_eq!(recovery.len(), 10);
    assert_eq!(as_user(&app, &client, ME, json!({})).await["data"]["viewer"]["twoFactorEnabled"], true);
    assert_eq!(code(&as_user(&app, &client, BEGIN, json!({})).await), "CONFLICT", "on already");

    // a password alone no longer opens a session
    let ch = challenge(&app, "essays", "client@essays.test").await;
    let replay = verify(&app, &ch, Some(&app_code(&app, &secret, 0)), None).await;
    assert_eq!(
        (code(&replay), field(&replay)),
        ("BAD_USER_INPUT", "code"),
        "the code confirmed with is spent: {replay}"
    );
    app.clock.advance(chrono::Duration::seconds(30));
    let done = verify(&app, &ch, Some(&app_code(&app, &secret, 0)), None).await;
    let token = done["data"]["verifySecondFactor"]["token"].as_str().unwrap_or_else(|| panic!("{done}")).to_owned();
    assert_eq!(as_user(&app, &token, ME, json!({})).await["data"]["viewer"]["email"], "client@essays.test");
    let again = verify(&app, &ch, Some(&app_code(&app, &secret, 1)), None).await;
    assert_eq!(code(&again), "UNAUTHENTICATED", "a challenge opens one session: {again}");

    // one step of skew either way, never back before the last accepted step
    app.clock.advance(chrono::Duration::seconds(90));
    let ch = challenge(&app, "essays", "client@essays.test").await;
    assert!(verify(&app, &ch, Some(&app_code(&app, &secret, -1)), None).await["errors"].is_null(), "a step behind");
    let ch = challenge(&app, "essays", "client@essays.test").await;
    let older = verify(&app, &ch, Some(&app_code(&app, &secret, -2)), None).await;
    assert_eq!(code(&older), "BAD_USER_INPUT", "two steps behind: {older}");

    // a recovery code works once
    let first = recovery[0].as_str().unwrap();
    assert!(verify(&app, &ch, None, Some(first)).await["errors"].is_null());
    let ch = challenge(&app, "essays", "client@essays.test").await;
    let reused = verify(&app, &ch, None, Some(first)).await;
    assert_eq!((code(&reused), field(&reused)), ("BAD_USER_INPUT", "recoveryCode"), "{reused}");
    let both = verify(&app, &ch, Some("123456"), Some(first)).await;
    assert_eq!(code(&both), "BAD_USER_INPUT", "one factor at a time");

    // five wrong tries end the challenge, even for the right code after them (a new window of the
    // account's own limit first: the wrong tries above count against it too)
    app.clock.advance(chrono::Duration::minutes(16));
    let ch = challenge(&app, "essays", "client@essays.test").await;
    for _ in 0..4 {
        assert_eq!(code(&verify(&app, &ch, Some("000000"), None).await), "BAD_USER_INPUT");
    }
    app.clock.advance(chrono::Duration::seconds(30));
    let right = app_code(&app, &secret, 0);
    assert_eq!(code(&verify(&app, &ch, Some("000000"), None).await), "BAD_USER_INPUT");
    assert_eq!(code(&verify(&app, &ch, Some(&right), None).await), "RATE_LIMITED");
    // and a fresh sign-in does not buy five more: the account's wrong codes are counted too
    let fresh = challenge(&app, "essays", "client@essays.test").await;
    assert_eq!(code(&verify(&app, &fresh, Some(&right), None).await), "RATE_LIMITED", "until the window passes");
    app.clock.advance(chrono::Duration::minutes(16));
    let fresh = challenge(&app, "essays", "client@essays.test").await;
    assert!(verify(&app, &fresh, Some(&app_code(&app, &secret, 0)), None).await["errors"].is_null());

    // a challenge lives 5 minutes, on its own site
    let ch = challenge(&app, "essays", "client@essays.test").await;
    app.clock.advance(chrono::Duration::seconds(30));
    let elsewhere =
        app.gql(VERIFY).vars(json!({ "ch": ch, "c": app_code(&app, &secret, 0) })).tenant("papers").send().await;
    assert_eq!(code(&elsewhere), "UNAUTHENTICATED", "{elsewhere}");
    app.clock.advance(chrono::Duration::minutes(6));
    let late = verify(&app, &ch, Some(&app_code(&app, &secret, 0)), None).await;
    assert_eq!(code(&late), "UNAUTHENTICATED", "{late}");
}

#[tokio::test]
async fn turning_it_off_takes_the_password_and_a_code_and_an_admin_can_reset_it() {
    let app = TestApp::spawn().await;
    let client = app.sign_in("essays", "client@essays.test").await;
    let (secret, _) = enrol(&app, &client).await;
    app.clock.advance(chrono::Duration::seconds(30));
    let disable = "mutation($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }";
    let wrong =
        as_user(&app, &client, disable, json!({ "p": "not the password", "c": app_code(&app, &secret, 0) })).await;
    assert_eq!((code(&wrong), field(&wrong)), ("BAD_USER_INPUT", "password"), "{wrong}");
    let off = as_user(&app, &client, disable, json!({ "p": "demo-password", "c": app_code(&app, &secret, 0) })).await;
    assert_eq!(off["data"]["disableTwoFactor"], true, "{off}");
    assert_eq!(told(&app, "TWO_FACTOR_CHANGED").await, 2, "told when it went on, and off");
    let body =
        app.gql(SIGN_IN).vars(json!({ "e": "client@essays.test", "p": "demo-password" })).tenant("essays").send().await;
    assert!(body["data"]["signIn"]["token"].is_string(), "a password is enough again: {body}");

    // a lost phone: the site's admin turns it off, the user is told
    app.clock.advance(chrono::Duration::seconds(30));
    enrol(&app, &client).await;
    let client_id = app.user_id("essays", "client@essays.test").await;
    let reset = "mutation($id: ID!) { resetTwoFactor(userId: $id) { email } }";
    let writer = app.sign_in("essays", "writer@essays.test").await;
    assert_eq!(code(&as_user(&app, &writer, reset, json!({ "id": client_id })).await), "FORBIDDEN");
    let other_admin = app.sign_in("papers", "admin@papers.test").await;
    let body = app.gql(reset).vars(json!({ "id": client_id })).tenant("papers").token(&other_admin).send().await;
    assert_eq!(code(&body), "NOT_FOUND", "another site's admin: {body}");
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let done = as_user(&app, &admin, reset, json!({ "id": client_id })).await;
    assert_eq!(done["data"]["resetTwoFactor"]["email"], "client@essays.test", "{done}");
    assert_eq!(as_user(&app, &client, ME, json!({})).await["data"]["viewer"]["twoFactorEnabled"], false);
    assert_eq!(told(&app, "TWO_FACTOR_RESET").await, 1);
    let audit = as_user(&app, &admin, "{ auditLog(first: 5) { edges { node { action } } } }", json!({})).await;
    assert!(audit.to_string().contains("user.reset_two_factor"), "{audit}");
}

#[tokio::test]
async fn a_site_that_requires_it_lets_a_user_do_nothing_but_enrol_until_they_have() {
    let app = TestApp::spawn().await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let on = as_user(&app, &root, "mutation { updateTenantFeatureToggles(input: {twoFactorRequired: true}) { featureToggles { twoFactorRequired } } }", json!({})).await;
    assert_eq!(on["data"]["updateTenantFeatureToggles"]["featureToggles"]["twoFactorRequired"], true, "{on}");
    let client = app.sign_in("essays", "client@essays.test").await;
    let refused = as_user(&app, &client, ME, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "TWO_FACTOR_ENROLLMENT_REQUIRED");
    let mixed =
        as_user(&app, &client, "mutation { beginTwoFactorEnrollment { secret } placeOrder: signOut }", json!({})).await;
    assert!(mixed["errors"].is_null(), "enrolment and signing out are allowed: {mixed}");
    let client = app.sign_in("essays", "client@essays.test").await;
    let sneaky = as_user(
        &app,
        &client,
        "mutation { beginTwoFactorEnrollment { secret } ... on Mutation { signOut } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&sneaky), "FORBIDDEN", "only plain enrolment fields: {sneaky}");
    enrol(&app, &client).await;
    let me = as_user(&app, &client, ME, json!({})).await;
    assert_eq!(me["data"]["viewer"]["twoFactorEnabled"], true, "enrolled, the site opens: {me}");
    app.clock.advance(chrono::Duration::seconds(30));
    let disable = "mutation($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }";
    let kept = as_user(&app, &client, disable, json!({ "p": "demo-password", "c": "000000" })).await;
    assert_eq!(code(&kept), "CONFLICT", "the site requires it: {kept}");
    // the superadmin is not governed by a site's rule
    assert!(as_user(&app, &root, ME, json!({})).await["errors"].is_null());
}

#[tokio::test]
async fn a_superadmin_with_two_factor_signs_in_at_a_site_with_a_code() {
    // a superadmin's account and challenge belong to no site: a site's signed-out request
    // reaches them (on PostgreSQL, past row-level security) only as the sign-in goes on
    let app = TestApp::spawn().await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let (secret, _) = enrol(&app, &root).await;
    app.clock.advance(chrono::Duration::seconds(31));
    let challenge = challenge(&app, "papers", "superadmin@scriptorium.test").await;
    let body =
        app.gql(VERIFY).vars(json!({ "ch": challenge, "c": app_code(&app, &secret, 0) })).tenant("papers").send().await;
    let token = body["data"]["verifySecondFactor"]["token"].as_str().unwrap_or_else(|| panic!("{body}"));
    let me = app.gql(ME).tenant("papers").token(token).send().await;
    assert_eq!(me["data"]["viewer"]["email"], "superadmin@scriptorium.test", "{me}");
    // a challenge no one holds is refused the same way, at a site or at none
    for tenant in ["papers", "essays"] {
        let body = app.gql(VERIFY).vars(json!({ "ch": "not-a-challenge", "c": "123456" })).tenant(tenant).send().await;
        assert_eq!(tests::code(&body), "UNAUTHENTICATED", "{body}");
    }
}
