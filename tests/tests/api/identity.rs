use chrono::Duration;
use serde_json::json;
use tests::{DEMO_PASSWORD, TestApp, code, field};

const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token user { id email displayName role } } }";
const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { message } }";
const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { id email role } }";

#[tokio::test]
async fn every_demo_role_signs_in_and_sees_only_its_own_tenant() {
    let app = TestApp::spawn().await;
    for (slug, domain) in [("essays", "essays.test"), ("papers", "papers.test")] {
        for (local, role) in [
            ("client", "CLIENT"),
            ("writer", "WRITER"),
            ("editor", "EDITOR"),
            ("support", "SUPPORT"),
            ("admin", "ADMIN"),
        ] {
            let email = format!("{local}@{domain}");
            let token = app.sign_in(slug, &email).await;
            let body = app.gql("{ viewer { email role tenant { slug } } }").tenant(slug).token(&token).send().await;
            assert_eq!(
                body["data"]["viewer"],
                json!({ "email": email, "role": role, "tenant": { "slug": slug } }),
                "{body}"
            );
            let other = if slug == "essays" { "papers" } else { "essays" };
            let cross = app.gql("{ viewer { email } }").tenant(other).token(&token).send().await;
            assert_eq!(code(&cross), "UNAUTHENTICATED", "{email} under {other}");
        }
    }
    // the superadmin signs in under any host and is valid under every one
    let root = app.sign_in("papers", "superadmin@scriptorium.test").await;
    for slug in ["essays", "papers"] {
        let body = app.gql("{ viewer { role } tenant { slug } }").tenant(slug).token(&root).send().await;
        assert_eq!(body["data"]["viewer"]["role"], "SUPERADMIN");
        assert_eq!(body["data"]["tenant"]["slug"], slug);
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "client@essays.test", "p": "not-the-password" }))
        .tenant("essays")
        .send()
        .await;
    let unknown = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "nobody@essays.test", "p": "not-the-password" }))
        .tenant("essays")
        .send()
        .await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"], unknown["errors"][0]["extensions"]);
    assert!(wrong["data"].is_null() || wrong["data"]["signIn"].is_null());
    // the e-mail is matched case-insensitively
    let body = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "  Client@Essays.TEST ", "p": DEMO_PASSWORD }))
        .tenant("essays")
        .send()
        .await;
    assert_eq!(body["data"]["signIn"]["user"]["email"], "client@essays.test");
    assert_eq!(app.count("sessions").await, 1);
}

#[tokio::test]
async fn sign_up_creates_a_client_and_refuses_bad_input_without_writing() {
    let app = TestApp::spawn().await;
    let users = app.count("users").await;
    let cases = [
        (
            json!({ "email": "new@essays.test", "password": "123456789", "displayName": "New" }),
            "BAD_USER_INPUT",
            "password",
        ),
        (
            json!({ "email": "not-an-email", "password": "long-enough-pw", "displayName": "New" }),
            "BAD_USER_INPUT",
            "email",
        ),
        (json!({ "email": "a@b@c", "password": "long-enough-pw", "displayName": "New" }), "BAD_USER_INPUT", "email"),
        (
            json!({ "email": "new@essays.test", "password": "long-enough-pw", "displayName": "   " }),
            "BAD_USER_INPUT",
            "displayName",
        ),
    ];
    for (input, expected_code, expected_field) in cases {
        let body = app.gql(SIGN_UP).vars(json!({ "i": input })).tenant("essays").send().await;
        assert_eq!(code(&body), expected_code, "{input} -> {body}");
        assert_eq!(field(&body), expected_field, "{input} -> {body}");
    }
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("sessions").await, 0);

    let body = app
        .gql(SIGN_UP)
        .vars(json!({ "i": { "email": "New@Essays.test", "password": "long-enough-pw", "displayName": "Newcomer" } }))
        .tenant("essays")
        .send()
        .await;
    assert!(body["data"]["signUp"]["message"].as_str().is_some_and(|m| m.contains("sign in")), "{body}");
    assert_eq!(app.count("sessions").await, 0, "sign-up does not sign in");
    let token = app.sign_in_with("essays", "new@essays.test", "long-enough-pw").await;
    let me =
        app.gql("{ viewer { email role displayName tenant { slug } } }").tenant("essays").token(&token).send().await;
    assert_eq!(
        me["data"]["viewer"],
        json!({ "email": "New@Essays.test", "role": "CLIENT", "displayName": "Newcomer", "tenant": { "slug": "essays" } })
    );
    // the same address in another tenant is another user
    let other = app
        .gql(SIGN_UP)
        .vars(json!({ "i": { "email": "new@essays.test", "password": "long-enough-pw", "displayName": "Twin" } }))
        .tenant("papers")
        .send()
        .await;
    assert!(other["errors"].is_null(), "{other}");
    assert_eq!(app.count("users").await, users + 2);
    app.sign_in_with("papers", "new@essays.test", "long-enough-pw").await;
}

#[tokio::test]
async fn sign_up_is_closed_where_the_tenant_does_not_allow_it() {
    let app = TestApp::spawn().await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let id =
        app.gql("{ tenant { id } }").tenant("papers").send().await["data"]["tenant"]["id"].as_str().unwrap().to_owned();
    app.gql("mutation($id: ID!) { updateTenant(id: $id, input: {allowRegistration: false}) { allowRegistration } }")
        .vars(json!({ "id": id }))
        .token(&root)
        .send()
        .await;
    let users = app.count("users").await;
    let body = app
        .gql(SIGN_UP)
        .vars(json!({ "i": { "email": "late@papers.test", "password": "long-enough-pw", "displayName": "Late" } }))
        .tenant("papers")
        .send()
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "REGISTRATION_CLOSED");
    assert_eq!(app.count("users").await, users);
}

#[tokio::test]
async fn sign_in_sets_an_http_only_cookie_that_authenticates_and_sign_out_ends_it() {
    let app = TestApp::spawn().await;
    let response = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "writer@essays.test", "p": DEMO_PASSWORD }))
        .tenant("essays")
        .response()
        .await;
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("scriptorium_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let body = app.gql("{ viewer { email } }").tenant("essays").cookie(&pair).send().await;
    assert_eq!(body["data"]["viewer"]["email"], "writer@essays.test");

    let out = app.gql("mutation { signOut }").tenant("essays").cookie(&pair).response().await;
    assert!(out.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    // a dead cookie is dropped: the request runs anonymously instead of failing
    let body = app.gql("{ viewer { email } }").tenant("essays").cookie(&pair).send().await;
    assert!(body["data"]["viewer"].is_null(), "{body}");
}

#[tokio::test]
async fn sessions_are_listed_and_a_revoked_token_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let first = app.sign_in("essays", "client@essays.test").await;
    let second = app.sign_in("essays", "client@essays.test").await;
    let third = app.sign_in("essays", "client@essays.test").await;
    let other_user = app.sign_in("essays", "writer@essays.test").await;

    let sessions = app
        .gql("{ viewer { sessions { id current ip userAgent createdAt lastSeenAt } } }")
        .tenant("essays")
        .token(&first)
        .send()
        .await;
    let list = sessions["data"]["viewer"]["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{sessions}");
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let second_id = app.gql("{ viewer { sessions { id current } } }").tenant("essays").token(&second).send().await["data"]["viewer"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // someone else cannot revoke it
    let denied = app
        .gql("mutation($id: ID!) { revokeSession(id: $id) }")
        .vars(json!({ "id": second_id }))
        .tenant("essays")
        .token(&other_user)
        .send()
        .await;
    assert_eq!(code(&denied), "NOT_FOUND");
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&second).send().await["errors"].is_null());

    let revoked = app
        .gql("mutation($id: ID!) { revokeSession(id: $id) }")
        .vars(json!({ "id": second_id }))
        .tenant("essays")
        .token(&first)
        .send()
        .await;
    assert_eq!(revoked["data"]["revokeSession"], true);
    assert_eq!(code(&app.gql("{ viewer { id } }").tenant("essays").token(&second).send().await), "UNAUTHENTICATED");

    let others = app.gql("mutation { revokeOtherSessions }").tenant("essays").token(&first).send().await;
    assert_eq!(others["data"]["revokeOtherSessions"], 1);
    assert_eq!(code(&app.gql("{ viewer { id } }").tenant("essays").token(&third).send().await), "UNAUTHENTICATED");
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&first).send().await["errors"].is_null());
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&other_user).send().await["errors"].is_null());
}

#[tokio::test]
async fn sessions_expire_and_garbage_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let token = app.sign_in("essays", "editor@essays.test").await;
    assert_eq!(code(&app.gql("{ viewer { id } }").tenant("essays").token("garbage").send().await), "UNAUTHENTICATED");
    app.clock.advance(Duration::days(31));
    assert_eq!(code(&app.gql("{ viewer { id } }").tenant("essays").token(&token).send().await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let q = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) }";
    let here = app.sign_in("essays", "support@essays.test").await;
    let elsewhere = app.sign_in("essays", "support@essays.test").await;
    let wrong = app
        .gql(q)
        .vars(json!({ "c": "not-it-at-all", "n": "a-new-long-password" }))
        .tenant("essays")
        .token(&here)
        .send()
        .await;
    assert_eq!(code(&wrong), "BAD_USER_INPUT");
    assert_eq!(field(&wrong), "currentPassword");
    let short = app.gql(q).vars(json!({ "c": DEMO_PASSWORD, "n": "short" })).tenant("essays").token(&here).send().await;
    assert_eq!(field(&short), "newPassword");
    // nothing changed so far
    app.sign_in("essays", "support@essays.test").await;
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&elsewhere).send().await["errors"].is_null());

    let ok = app
        .gql(q)
        .vars(json!({ "c": DEMO_PASSWORD, "n": "a-new-long-password" }))
        .tenant("essays")
        .token(&here)
        .send()
        .await;
    assert_eq!(ok["data"]["changePassword"], true, "{ok}");
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&here).send().await["errors"].is_null());
    assert_eq!(code(&app.gql("{ viewer { id } }").tenant("essays").token(&elsewhere).send().await), "UNAUTHENTICATED");
    let old =
        app.gql(SIGN_IN).vars(json!({ "e": "support@essays.test", "p": DEMO_PASSWORD })).tenant("essays").send().await;
    assert_eq!(code(&old), "UNAUTHENTICATED");
    app.sign_in_with("essays", "support@essays.test", "a-new-long-password").await;
}

#[tokio::test]
async fn admins_create_staff_below_them_and_superadmins_create_admins() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let input = |email: &str, role: &str| json!({ "i": { "email": email, "displayName": "Staff", "role": role, "password": "staff-password-1" } });

    let body = app.gql(CREATE_USER).vars(input("w2@essays.test", "WRITER")).tenant("essays").token(&admin).send().await;
    assert_eq!(body["data"]["createUser"]["role"], "WRITER", "{body}");
    app.sign_in_with("essays", "w2@essays.test", "staff-password-1").await;

    let users = app.count("users").await;
    let audit = app.count("audit_log").await;
    for role in ["ADMIN", "SUPERADMIN"] {
        let denied =
            app.gql(CREATE_USER).vars(input("boss@essays.test", role)).tenant("essays").token(&admin).send().await;
        assert_eq!(code(&denied), "FORBIDDEN", "{role}");
        assert_eq!(field(&denied), "role");
    }
    let support = app.sign_in("essays", "support@essays.test").await;
    let denied =
        app.gql(CREATE_USER).vars(input("c9@essays.test", "CLIENT")).tenant("essays").token(&support).send().await;
    assert_eq!(code(&denied), "FORBIDDEN");
    let dup =
        app.gql(CREATE_USER).vars(input("Writer@Essays.test", "WRITER")).tenant("essays").token(&admin).send().await;
    assert_eq!(code(&dup), "CONFLICT");
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("audit_log").await, audit);

    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let boss = app.gql(CREATE_USER).vars(input("boss@essays.test", "ADMIN")).tenant("essays").token(&root).send().await;
    assert_eq!(boss["data"]["createUser"]["role"], "ADMIN");
    let root_super =
        app.gql(CREATE_USER).vars(input("root2@essays.test", "SUPERADMIN")).tenant("essays").token(&root).send().await;
    assert_eq!(code(&root_super), "FORBIDDEN");

    let log = app
        .gql("{ auditLog { edges { node { action actorRole after } } } }")
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    let actions: Vec<_> = log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "user.create").count(), 2, "{log}");
    assert!(!log.to_string().contains("staff-password-1") && !log.to_string().contains("argon2"));
}

#[tokio::test]
async fn admins_list_their_tenants_users_by_role() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("papers", "admin@papers.test").await;
    let all = app
        .gql("{ users(first: 2) { totalCount edges { node { email } } pageInfo { hasNextPage } } }")
        .tenant("papers")
        .token(&admin)
        .send()
        .await;
    assert_eq!(all["data"]["users"]["totalCount"], 5);
    assert_eq!(all["data"]["users"]["pageInfo"]["hasNextPage"], true);
    let writers = app
        .gql("{ users(role: WRITER) { totalCount edges { node { email role } } } }")
        .tenant("papers")
        .token(&admin)
        .send()
        .await;
    assert_eq!(
        writers["data"]["users"]["edges"],
        json!([{ "node": { "email": "writer@papers.test", "role": "WRITER" } }])
    );
    assert!(!all.to_string().contains("essays.test"));
    let too_many = app.gql("{ users(first: 101) { totalCount } }").tenant("papers").token(&admin).send().await;
    assert_eq!(field(&too_many), "first");
    let client = app.sign_in("papers", "client@papers.test").await;
    assert_eq!(code(&app.gql("{ users { totalCount } }").tenant("papers").token(&client).send().await), "FORBIDDEN");
}

#[tokio::test]
async fn five_failures_lock_an_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let attempt = |password: &'static str| {
        app.gql(SIGN_IN).vars(json!({ "e": "client@papers.test", "p": password })).tenant("papers").ip("203.0.113.7")
    };
    for _ in 0..5 {
        assert_eq!(code(&attempt("wrong-password").send().await), "UNAUTHENTICATED");
    }
    // now even the right password is refused, from any address
    assert_eq!(code(&attempt(DEMO_PASSWORD).send().await), "RATE_LIMITED");
    let elsewhere = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "client@papers.test", "p": DEMO_PASSWORD }))
        .tenant("papers")
        .ip("198.51.100.1")
        .send()
        .await;
    assert_eq!(code(&elsewhere), "RATE_LIMITED");
    // an unknown account is throttled the same way (no enumeration)
    for _ in 0..5 {
        app.gql(SIGN_IN)
            .vars(json!({ "e": "ghost@papers.test", "p": "x-password-x" }))
            .tenant("papers")
            .ip("198.51.100.2")
            .send()
            .await;
    }
    let ghost = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "ghost@papers.test", "p": "x-password-x" }))
        .tenant("papers")
        .ip("198.51.100.2")
        .send()
        .await;
    assert_eq!(code(&ghost), "RATE_LIMITED");
    // the same e-mail in another tenant is another account
    app.sign_in("essays", "client@essays.test").await;

    app.clock.advance(Duration::minutes(14));
    assert_eq!(code(&attempt(DEMO_PASSWORD).send().await), "RATE_LIMITED");
    app.clock.advance(Duration::minutes(2));
    let body = attempt(DEMO_PASSWORD).send().await;
    assert!(body["data"]["signIn"]["token"].is_string(), "{body}");
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_that_address() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let email = format!("guess{}@essays.test", i % 4);
        let body = app
            .gql(SIGN_IN)
            .vars(json!({ "e": email, "p": "wrong-password" }))
            .tenant("essays")
            .ip("192.0.2.50")
            .send()
            .await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "attempt {i}");
    }
    let locked = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "admin@essays.test", "p": DEMO_PASSWORD }))
        .tenant("essays")
        .ip("192.0.2.50")
        .send()
        .await;
    assert_eq!(code(&locked), "RATE_LIMITED");
    let other = app
        .gql(SIGN_IN)
        .vars(json!({ "e": "admin@essays.test", "p": DEMO_PASSWORD }))
        .tenant("essays")
        .ip("192.0.2.51")
        .send()
        .await;
    assert!(other["data"]["signIn"]["token"].is_string(), "{other}");
}
