//! Account abuse: reserved superadmin addresses, sign-up that does not reveal accounts, throttles
//! on sign-up and password changes, a lockout that cannot lock the owner out, and what a bare
//! host (no site) answers.

use std::sync::Arc;

use futures::future::join_all;
use identity::service::users;
use kernel::{Clock, Role};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tests::{DEMO_PASSWORD, TestApp, code, field};

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { message } }";
const SIGN_IN: &str =
    "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token user { role } } }";
const CHANGE: &str =
    "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) }";

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

async fn sign_up(app: &TestApp, email: &str, password: &str, ip: &str) -> Value {
    app.gql(SIGN_UP)
        .vars(json!({ "i": { "email": email, "password": password, "displayName": "Someone" } }))
        .tenant("essays")
        .ip(ip)
        .send()
        .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str, ip: &str) -> Value {
    app.gql(SIGN_IN).vars(json!({ "e": email, "p": password })).tenant("essays").ip(ip).send().await
}

/// A superadmin, written through the service as `create-superadmin` does.
async fn create_superadmin(app: &TestApp, email: &str) -> Result<(), kernel::AppError> {
    let prepared = users::prepare(email, "Root", Role::Superadmin, "a long superadmin password").await?;
    let txn = kernel::db::begin_write(&app.db).await.unwrap();
    users::insert(&txn, None, prepared, app.clock.now()).await?;
    txn.commit().await.unwrap();
    Ok(())
}

#[tokio::test]
async fn a_superadmins_address_cannot_be_taken_by_a_tenant_user() {
    let app = TestApp::spawn().await;
    let users_before = app.count("users").await;
    // sign-up answers as for any taken address, and creates nothing
    let body = sign_up(&app, "SuperAdmin@Scriptorium.test", "an impostor's password", "198.51.100.1").await;
    assert!(body["errors"].is_null(), "{body}");
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let body = app
        .gql("mutation($i: CreateUserInput!) { createUser(input: $i) { id } }")
        .vars(json!({ "i": { "email": "superadmin@scriptorium.test", "displayName": "Fake", "role": "SUPPORT", "password": "another-password-1" } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(field(&body), "email");
    assert_eq!(app.count("users").await, users_before);
    // the superadmin still signs in under the tenant's host, as the superadmin
    let body = sign_in(&app, "superadmin@scriptorium.test", DEMO_PASSWORD, "198.51.100.2").await;
    assert_eq!(body["data"]["signIn"]["user"]["role"], "SUPERADMIN", "{body}");
    assert!(
        sign_in(&app, "superadmin@scriptorium.test", "an impostor's password", "198.51.100.3").await["data"]["signIn"]
            .is_null()
    );
}

#[tokio::test]
async fn a_superadmin_cannot_be_created_with_a_tenant_users_address() {
    let app = TestApp::spawn().await;
    let users_before = app.count("users").await;
    let err = create_superadmin(&app, "Client@Essays.test").await.unwrap_err();
    assert_eq!(err.code, kernel::ErrorCode::Conflict);
    assert_eq!(err.reason, Some(kernel::Reason::EmailInUse));
    assert_eq!(app.count("users").await, users_before);
    // the tenant user is untouched and signs in as before
    let body = sign_in(&app, "client@essays.test", DEMO_PASSWORD, "198.51.100.4").await;
    assert_eq!(body["data"]["signIn"]["user"]["role"], "CLIENT", "{body}");
    // a fresh address is fine
    create_superadmin(&app, "root@example.test").await.unwrap();
}

#[tokio::test]
async fn racing_creations_of_one_address_never_make_a_superadmin_and_a_tenant_user() {
    let app = TestApp::spawn().await;
    let app = Arc::new(app);
    let email = "contested@example.test";
    let attempts = (0..10).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            if i % 2 == 0 {
                create_superadmin(&app, email).await.is_ok()
            } else {
                let prepared =
                    users::prepare(email, "Tenant user", Role::Client, "a tenant user's password").await.unwrap();
                let tenant = tenancy::service::tenants::find_by_slug(&app.db, "essays").await.unwrap().unwrap();
                let txn = kernel::db::begin_write(&app.db).await.unwrap();
                let made = users::insert(&txn, Some(tenant.id), prepared, app.clock.now()).await.is_ok();
                txn.commit().await.unwrap();
                made
            }
        })
    });
    let made = join_all(attempts).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(made, 1, "exactly one creation wins");
    let users = app.count_where(&format!("SELECT COUNT(*) AS n FROM users WHERE email_normalized = '{email}'")).await;
    assert_eq!(users, 1);
}

#[tokio::test]
async fn if_a_tenant_user_and_a_superadmin_share_an_address_the_superadmin_wins() {
    let app = TestApp::spawn().await;
    // rows from before the rule: the same address in a tenant and as a superadmin
    create_superadmin(&app, "shared@example.test").await.unwrap();
    let hash = identity::service::password::hash("the tenant user's pw").await.unwrap();
    let tenant = tenancy::service::tenants::find_by_slug(&app.db, "essays").await.unwrap().unwrap();
    let backend = app.db.get_database_backend();
    let insert = sea_orm::Statement::from_sql_and_values(
        backend,
        if backend == sea_orm::DbBackend::Sqlite {
            "INSERT INTO users (id, tenant_id, email, email_normalized, display_name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        } else {
            "INSERT INTO users (id, tenant_id, email, email_normalized, display_name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        },
        [
            kernel::new_id().into(),
            tenant.id.into(),
            "shared@example.test".into(),
            "shared@example.test".into(),
            "Legacy".into(),
            "CLIENT".into(),
            hash.into(),
            app.clock.now().into(),
            app.clock.now().into(),
        ],
    );
    app.db.execute_raw(insert).await.unwrap();
    let body = sign_in(&app, "shared@example.test", "a long superadmin password", "198.51.100.5").await;
    assert_eq!(body["data"]["signIn"]["user"]["role"], "SUPERADMIN", "{body}");
}

#[tokio::test]
async fn sign_up_with_a_taken_address_answers_as_for_a_new_one_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let new = sign_up(&app, "fresh@essays.test", "long-enough-pw", "198.51.100.10").await;
    let users_after_new = app.count("users").await;
    let taken = sign_up(&app, "Client@essays.test", "the attacker's password", "198.51.100.10").await;
    assert!(new["errors"].is_null() && taken["errors"].is_null(), "{new} {taken}");
    assert_eq!(new["data"], taken["data"], "the answers must not differ");
    assert_eq!(app.count("users").await, users_after_new);
    // the owner's account is untouched; the attacker's password opens nothing
    assert_eq!(
        sign_in(&app, "client@essays.test", DEMO_PASSWORD, "198.51.100.11").await["data"]["signIn"]["user"]["role"],
        "CLIENT"
    );
    assert!(
        sign_in(&app, "client@essays.test", "the attacker's password", "198.51.100.11").await["data"]["signIn"]
            .is_null()
    );
}

#[tokio::test]
async fn sign_up_is_throttled_per_client_address() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let body = sign_up(&app, &format!("bulk{i}@essays.test"), "long-enough-pw", "198.51.100.20").await;
        assert!(body["errors"].is_null(), "{i}: {body}");
    }
    let users = app.count("users").await;
    let refused = sign_up(&app, "bulk20@essays.test", "long-enough-pw", "198.51.100.20").await;
    assert_eq!(code(&refused), "RATE_LIMITED", "{refused}");
    // taken addresses count too, so the limit cannot be sidestepped by probing
    assert_eq!(code(&sign_up(&app, "client@essays.test", "long-enough-pw", "198.51.100.20").await), "RATE_LIMITED");
    assert_eq!(app.count("users").await, users);
    // another address is not held up, and the hour passes
    assert!(sign_up(&app, "elsewhere@essays.test", "long-enough-pw", "198.51.100.21").await["errors"].is_null());
    app.clock.advance(chrono::Duration::minutes(61));
    assert!(sign_up(&app, "bulk20@essays.test", "long-enough-pw", "198.51.100.20").await["errors"].is_null());
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_sign_ins() {
    let app = TestApp::spawn().await;
    let token = app.sign_in("essays", "client@essays.test").await;
    let change = |current: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            app.gql(CHANGE)
                .vars(json!({ "c": current, "n": "a brand new password" }))
                .tenant("essays")
                .token(&token)
                .send()
                .await
        }
    };
    for _ in 0..5 {
        let body = change("not the password").await;
        assert_eq!(reason(&body), "WRONG_PASSWORD", "{body}");
    }
    // the sixth is refused, even with the right password: a stolen session cannot guess on
    let body = change(DEMO_PASSWORD).await;
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    // and the failures count against sign-in of the account from an unknown address
    assert_eq!(code(&sign_in(&app, "client@essays.test", DEMO_PASSWORD, "198.51.100.30").await), "RATE_LIMITED");
    app.clock.advance(chrono::Duration::minutes(16));
    assert!(change(DEMO_PASSWORD).await["errors"].is_null());
}

#[tokio::test]
async fn failures_from_strangers_cannot_lock_the_owner_out_of_a_known_address() {
    let app = TestApp::spawn().await;
    let home = "192.0.2.10";
    // the owner signed in from home before
    assert!(sign_in(&app, "client@essays.test", DEMO_PASSWORD, home).await["errors"].is_null());
    // a stranger fails five times (from several addresses) and reaches the account's limit
    for i in 0..5 {
        let body = sign_in(&app, "client@essays.test", "guess", &format!("198.51.100.{}", 40 + i)).await;
        assert_eq!(reason(&body), "INVALID_CREDENTIALS", "{body}");
    }
    // strangers are refused now, even with the right password...
    assert_eq!(code(&sign_in(&app, "client@essays.test", DEMO_PASSWORD, "198.51.100.50").await), "RATE_LIMITED");
    // ...but the owner, from the address they signed in from before, still gets in
    let body = sign_in(&app, "client@essays.test", DEMO_PASSWORD, home).await;
    assert!(body["data"]["signIn"]["token"].is_string(), "{body}");
    // a known address has a limit of its own
    for _ in 0..5 {
        assert_eq!(reason(&sign_in(&app, "client@essays.test", "guess", home).await), "INVALID_CREDENTIALS");
    }
    assert_eq!(code(&sign_in(&app, "client@essays.test", DEMO_PASSWORD, home).await), "RATE_LIMITED");
}

#[tokio::test]
async fn a_bare_host_says_there_is_no_site_rather_than_that_the_password_is_wrong() {
    let app = TestApp::spawn().await;
    let bare = |query: &'static str, vars: Value| {
        let app = &app;
        async move { app.gql(query).vars(vars).host("203.0.113.99:8080").ip("198.51.100.60").send().await }
    };
    for (email, password) in [
        ("client@essays.test", DEMO_PASSWORD),
        ("client@essays.test", "wrong"),
        ("nobody@nowhere.test", "whatever"),
        ("superadmin@scriptorium.test", "wrong"),
    ] {
        let body = bare(SIGN_IN, json!({ "e": email, "p": password })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{email}: {body}");
        assert_eq!(reason(&body), "NO_TENANT", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("203.0.113.99:8080"), "{body}");
    }
    let body = bare("{ orderCatalog { paperTypes { id } } }", json!({})).await;
    assert_eq!(reason(&body), "NO_TENANT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("203.0.113.99"), "{body}");
    // a superadmin's own credentials work there
    let body = bare(SIGN_IN, json!({ "e": "superadmin@scriptorium.test", "p": DEMO_PASSWORD })).await;
    assert_eq!(body["data"]["signIn"]["user"]["role"], "SUPERADMIN", "{body}");
}
