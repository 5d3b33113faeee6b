use serde_json::json;
use tests::{TestApp, code, field};

const CREATE: &str = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id slug name currency domains status allowRegistration } }";

#[tokio::test]
async fn the_host_header_picks_the_tenant_and_x_tenant_is_the_fallback() {
    let app = TestApp::spawn().await;
    let slug = |body: serde_json::Value| body["data"]["tenant"]["slug"].as_str().map(str::to_owned);
    let q = "{ tenant { slug name currency } }";
    assert_eq!(slug(app.gql(q).host("LOCALHOST:8080").send().await).as_deref(), Some("essays"));
    assert_eq!(slug(app.gql(q).host("papers.localhost").send().await).as_deref(), Some("papers"));
    assert_eq!(slug(app.gql(q).host("www.papers.localhost:443").send().await).as_deref(), Some("papers"));
    // an unknown host falls back to X-Tenant, else there is no tenant
    assert_eq!(slug(app.gql(q).host("elsewhere.example").tenant("papers").send().await).as_deref(), Some("papers"));
    assert_eq!(slug(app.gql(q).send().await), None);
    let unknown = app.gql(q).tenant("nope").send().await;
    assert_eq!(code(&unknown), "NOT_FOUND");
    let papers = app.gql(q).tenant("papers").send().await;
    assert_eq!(papers["data"]["tenant"], json!({ "slug": "papers", "name": "Papers Demo", "currency": "EUR" }));
}

#[tokio::test]
async fn without_a_tenant_only_superadmin_operations_work() {
    let app = TestApp::spawn().await;
    // a tenant user cannot sign in with no tenant: the answer says there is no site here
    let body = app
        .gql("mutation { signIn(input: {email: \"client@essays.test\", password: \"demo-password\"}) { token } }")
        .send()
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "NO_TENANT", "{body}");
    let body = app.gql("mutation { signUp(input: {email: \"n@x.test\", password: \"long-enough-pw\", displayName: \"N\"}) { message } }").send().await;
    assert_eq!(code(&body), "NOT_FOUND");
    // the superadmin can, and runs the installation from there
    let body = app.gql("mutation { signIn(input: {email: \"superadmin@scriptorium.test\", password: \"demo-password\"}) { token } }").send().await;
    let token = body["data"]["signIn"]["token"].as_str().unwrap().to_owned();
    let tenants = app
        .gql("{ tenants { totalCount edges { node { slug domains } } } viewer { role tenant { slug } } }")
        .token(&token)
        .send()
        .await;
    assert_eq!(tenants["data"]["tenants"]["totalCount"], 2, "{tenants}");
    assert_eq!(tenants["data"]["tenants"]["edges"][1]["node"]["domains"], json!(["papers.localhost"]));
    assert_eq!(tenants["data"]["viewer"]["role"], "SUPERADMIN");
    assert!(tenants["data"]["viewer"]["tenant"].is_null());
}

#[tokio::test]
async fn superadmins_create_and_update_tenants_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let input = json!({ "slug": "theses", "name": "Theses Co", "currency": "GBP", "domains": ["WWW.Theses.Example", "theses.localhost:9000"] });
    let created = app.gql(CREATE).vars(json!({ "i": input })).token(&root).send().await;
    let tenant = &created["data"]["createTenant"];
    assert_eq!(tenant["domains"], json!(["theses.example", "theses.localhost"]), "{created}");
    assert_eq!(tenant["status"], "ACTIVE");
    let id = tenant["id"].as_str().unwrap();

    // the new tenant resolves by its host at once
    let by_host = app.gql("{ tenant { slug currency } }").host("theses.example").send().await;
    assert_eq!(by_host["data"]["tenant"]["slug"], "theses");

    let updated = app
        .gql("mutation($id: ID!) { updateTenant(id: $id, input: {name: \"Theses Ltd\", allowRegistration: false, contactEmail: \"help@theses.example\"}) { name allowRegistration contactEmail currency } }")
        .vars(json!({ "id": id }))
        .token(&root)
        .send()
        .await;
    assert_eq!(
        updated["data"]["updateTenant"],
        json!({ "name": "Theses Ltd", "allowRegistration": false, "contactEmail": "help@theses.example", "currency": "GBP" })
    );

    let log = app
        .gql("query($t: ID) { auditLog(tenantId: $t) { totalCount edges { node { action actorRole targetId ip before after } } } }")
        .vars(json!({ "t": id }))
        .token(&root)
        .send()
        .await;
    let edges = log["data"]["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(log["data"]["auditLog"]["totalCount"], 2, "{log}");
    let newest = &edges[0]["node"];
    assert_eq!(newest["action"], "tenant.update");
    assert_eq!(newest["actorRole"], "SUPERADMIN");
    assert_eq!(newest["targetId"], id);
    assert_eq!(newest["before"]["name"], "Theses Co");
    assert_eq!(newest["after"]["name"], "Theses Ltd");
    assert_eq!(newest["ip"], "127.0.0.1");
    assert_eq!(edges[1]["node"]["action"], "tenant.create");
    assert!(edges[1]["node"]["before"].is_null());
}

#[tokio::test]
async fn bad_tenant_input_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let tenants = app.count("tenants").await;
    let audit = app.count("audit_log").await;
    let cases = [
        (json!({ "slug": "Bad Slug", "name": "X", "currency": "USD", "domains": [] }), "BAD_USER_INPUT", "slug"),
        (json!({ "slug": "ok-slug", "name": "  ", "currency": "USD", "domains": [] }), "BAD_USER_INPUT", "name"),
        (json!({ "slug": "ok-slug", "name": "X", "currency": "usd", "domains": [] }), "BAD_USER_INPUT", "currency"),
        (
            json!({ "slug": "ok-slug", "name": "X", "currency": "USD", "domains": ["bad host!"] }),
            "BAD_USER_INPUT",
            "domains.0",
        ),
        (json!({ "slug": "essays", "name": "X", "currency": "USD", "domains": [] }), "CONFLICT", "slug"),
        (
            json!({ "slug": "ok-slug", "name": "X", "currency": "USD", "domains": ["www.papers.localhost"] }),
            "CONFLICT",
            "domains",
        ),
    ];
    for (input, expected_code, expected_field) in cases {
        let body = app.gql(CREATE).vars(json!({ "i": input })).token(&root).send().await;
        assert_eq!(code(&body), expected_code, "{input} -> {body}");
        assert_eq!(field(&body), expected_field, "{input} -> {body}");
    }
    assert_eq!(app.count("tenants").await, tenants);
    assert_eq!(app.count("tenant_domains").await, 2);
    assert_eq!(app.count("audit_log").await, audit);
}

#[tokio::test]
async fn only_superadmins_manage_tenants() {
    let app = TestApp::spawn().await;
    let tenants = app.count("tenants").await;
    for email in ["admin@essays.test", "client@essays.test", "support@essays.test"] {
        let token = app.sign_in("essays", email).await;
        let body = app
            .gql(CREATE)
            .vars(json!({ "i": { "slug": "mine", "name": "Mine", "currency": "USD", "domains": [] } }))
            .tenant("essays")
            .token(&token)
            .send()
            .await;
        assert_eq!(code(&body), "FORBIDDEN", "{email}");
        let list = app.gql("{ tenants { totalCount } }").tenant("essays").token(&token).send().await;
        assert_eq!(code(&list), "FORBIDDEN", "{email}");
    }
    let anonymous = app.gql("{ tenants { totalCount } }").tenant("essays").send().await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    assert_eq!(app.count("tenants").await, tenants);
}

#[tokio::test]
async fn a_suspended_tenant_turns_its_users_away_until_reactivated() {
    let app = TestApp::spawn().await;
    let root = app.sign_in("papers", "superadmin@scriptorium.test").await;
    let client = app.sign_in("papers", "client@papers.test").await;
    let papers_id =
        app.gql("{ tenant { id } }").tenant("papers").send().await["data"]["tenant"]["id"].as_str().unwrap().to_owned();

    let suspend = "mutation($id: ID!) { suspendTenant(id: $id) { status } }";
    let body = app.gql(suspend).vars(json!({ "id": papers_id })).token(&root).send().await;
    assert_eq!(body["data"]["suspendTenant"]["status"], "SUSPENDED");
    let again = app.gql(suspend).vars(json!({ "id": papers_id })).token(&root).send().await;
    assert_eq!(code(&again), "CONFLICT");

    let viewer = app.gql("{ viewer { id } }").tenant("papers").token(&client).send().await;
    assert_eq!(code(&viewer), "FORBIDDEN");
    assert_eq!(viewer["errors"][0]["extensions"]["reason"], "TENANT_SUSPENDED");
    let sign_in = app
        .gql("mutation { signIn(input: {email: \"admin@papers.test\", password: \"demo-password\"}) { token } }")
        .tenant("papers")
        .send()
        .await;
    assert_eq!(code(&sign_in), "FORBIDDEN");
    // other tenants carry on; the superadmin still reaches the suspended one
    let essays = app.sign_in("essays", "client@essays.test").await;
    assert!(app.gql("{ viewer { id } }").tenant("essays").token(&essays).send().await["errors"].is_null());
    let root_view = app.gql("{ tenant { status } }").tenant("papers").token(&root).send().await;
    assert_eq!(root_view["data"]["tenant"]["status"], "SUSPENDED");

    let body = app
        .gql("mutation($id: ID!) { reactivateTenant(id: $id) { status } }")
        .vars(json!({ "id": papers_id }))
        .token(&root)
        .send()
        .await;
    assert_eq!(body["data"]["reactivateTenant"]["status"], "ACTIVE");
    let viewer = app.gql("{ viewer { email } }").tenant("papers").token(&client).send().await;
    assert_eq!(viewer["data"]["viewer"]["email"], "client@papers.test");
}

const BRANDING: &str = "mutation($i: BrandingInput!) { updateTenantBranding(input: $i) { slug branding { fromName fromAddress primaryColor subjectPrefix logoUrl } } }";

#[tokio::test]
async fn admins_brand_their_own_tenant_only() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let body = app
        .gql(BRANDING)
        .vars(json!({ "i": { "fromName": "Essays Team", "fromAddress": "team@essays.test", "primaryColor": "#FF8800", "subjectPrefix": "[Essays]" } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(
        body["data"]["updateTenantBranding"]["branding"],
        json!({ "fromName": "Essays Team", "fromAddress": "team@essays.test", "primaryColor": "#ff8800", "subjectPrefix": "[Essays]", "logoUrl": null })
    );
    // anyone in the tenant reads it; the other tenant is untouched
    let public = app.gql("{ tenant { branding { fromName } } }").tenant("essays").send().await;
    assert_eq!(public["data"]["tenant"]["branding"]["fromName"], "Essays Team");
    let papers = app.gql("{ tenant { branding { fromName } } }").tenant("papers").send().await;
    assert!(papers["data"]["tenant"]["branding"]["fromName"].is_null());
    // null clears, absent keeps
    let body =
        app.gql(BRANDING).vars(json!({ "i": { "subjectPrefix": null } })).tenant("essays").token(&admin).send().await;
    assert!(body["data"]["updateTenantBranding"]["branding"]["subjectPrefix"].is_null());
    assert_eq!(body["data"]["updateTenantBranding"]["branding"]["fromName"], "Essays Team");

    // the admin's token is not valid under the other tenant
    let cross =
        app.gql(BRANDING).vars(json!({ "i": { "fromName": "Hijack" } })).tenant("papers").token(&admin).send().await;
    assert_eq!(code(&cross), "UNAUTHENTICATED");
    // non-admins may not
    let client = app.sign_in("essays", "client@essays.test").await;
    let denied =
        app.gql(BRANDING).vars(json!({ "i": { "fromName": "Mine" } })).tenant("essays").token(&client).send().await;
    assert_eq!(code(&denied), "FORBIDDEN");
    // bad values change nothing
    let audit = app.count("audit_log").await;
    let bad = app
        .gql(BRANDING)
        .vars(json!({ "i": { "fromName": "Changed", "primaryColor": "orange" } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    assert_eq!(field(&bad), "primaryColor");
    let after = app.gql("{ tenant { branding { fromName primaryColor } } }").tenant("essays").send().await;
    assert_eq!(after["data"]["tenant"]["branding"], json!({ "fromName": "Essays Team", "primaryColor": "#ff8800" }));
    assert_eq!(app.count("audit_log").await, audit);
}

#[tokio::test]
async fn feature_toggles_are_edited_by_admins_and_superadmins() {
    let app = TestApp::spawn().await;
    let q = "mutation($i: FeatureTogglesInput!) { updateTenantFeatureToggles(input: $i) { featureToggles { drafts wallet maxPagesPerOrder allowedMessageTypes } } }";
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let body = app
        .gql(q)
        .vars(json!({ "i": { "drafts": false, "maxPagesPerOrder": 50, "allowedMessageTypes": ["CLIENT_SUPPORT"] } }))
        .tenant("essays")
        .token(&admin)
        .send()
        .await;
    assert_eq!(
        body["data"]["updateTenantFeatureToggles"]["featureToggles"],
        json!({ "drafts": false, "wallet": true, "maxPagesPerOrder": 50, "allowedMessageTypes": ["CLIENT_SUPPORT"] })
    );
    let bad = app.gql(q).vars(json!({ "i": { "maxPagesPerOrder": 0 } })).tenant("essays").token(&admin).send().await;
    assert_eq!(field(&bad), "maxPagesPerOrder");
    let root = app.sign_in("papers", "superadmin@scriptorium.test").await;
    let body = app.gql(q).vars(json!({ "i": { "wallet": false } })).tenant("papers").token(&root).send().await;
    assert_eq!(body["data"]["updateTenantFeatureToggles"]["featureToggles"]["wallet"], false);
    let essays = app.gql("{ tenant { featureToggles { wallet drafts } } }").tenant("essays").send().await;
    assert_eq!(essays["data"]["tenant"]["featureToggles"], json!({ "wallet": true, "drafts": false }));
}

#[tokio::test]
async fn admins_read_their_tenants_audit_log_and_superadmins_read_all() {
    let app = TestApp::spawn().await;
    let essays_admin = app.sign_in("essays", "admin@essays.test").await;
    let papers_admin = app.sign_in("papers", "admin@papers.test").await;
    app.gql(BRANDING).vars(json!({ "i": { "fromName": "E" } })).tenant("essays").token(&essays_admin).send().await;
    app.gql(BRANDING).vars(json!({ "i": { "fromName": "P" } })).tenant("papers").token(&papers_admin).send().await;
    app.gql(BRANDING).vars(json!({ "i": { "fromName": "P2" } })).tenant("papers").token(&papers_admin).send().await;

    let q = "{ auditLog(first: 10) { totalCount edges { node { action tenantId after } } pageInfo { hasNextPage } } }";
    let essays_log = app.gql(q).tenant("essays").token(&essays_admin).send().await;
    assert_eq!(essays_log["data"]["auditLog"]["totalCount"], 1, "{essays_log}");
    assert_eq!(essays_log["data"]["auditLog"]["edges"][0]["node"]["after"]["branding"]["fromName"], "E");
    let papers_log = app.gql(q).tenant("papers").token(&papers_admin).send().await;
    assert_eq!(papers_log["data"]["auditLog"]["totalCount"], 2);
    assert_eq!(papers_log["data"]["auditLog"]["edges"][0]["node"]["after"]["branding"]["fromName"], "P2");

    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    let all = app
        .gql("{ auditLog(first: 2) { totalCount edges { cursor } pageInfo { hasNextPage } } }")
        .token(&root)
        .send()
        .await;
    // the three changes, and the superadmin's own session start (in the installation's chain)
    assert_eq!(all["data"]["auditLog"]["totalCount"], 4);
    assert_eq!(all["data"]["auditLog"]["pageInfo"]["hasNextPage"], true);
    let cursor = all["data"]["auditLog"]["edges"][1]["cursor"].as_str().unwrap();
    let rest = app
        .gql(
            "query($a: String) { auditLog(first: 2, after: $a) { edges { node { after } } pageInfo { hasNextPage } } }",
        )
        .vars(json!({ "a": cursor }))
        .token(&root)
        .send()
        .await;
    assert_eq!(rest["data"]["auditLog"]["edges"].as_array().unwrap().len(), 2);
    assert_eq!(rest["data"]["auditLog"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["data"]["auditLog"]["edges"][1]["node"]["after"]["branding"]["fromName"], "E");

    for email in ["client@essays.test", "writer@essays.test", "support@essays.test"] {
        let token = app.sign_in("essays", email).await;
        assert_eq!(code(&app.gql(q).tenant("essays").token(&token).send().await), "FORBIDDEN", "{email}");
    }
}

#[tokio::test]
async fn concurrent_edits_of_different_branding_fields_and_toggles_all_land() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in("essays", "admin@essays.test").await;
    let root = app.sign_in("essays", "superadmin@scriptorium.test").await;
    // warm the tenant cache: a stale cached copy must not be what edits merge into
    app.gql("{ tenant { branding { fromName } } }").tenant("essays").send().await;
    let fields = [
        ("subjectPrefix", "[Essays]"),
        ("fromName", "Essays Team"),
        ("replyTo", "help@essays.test"),
        ("logoUrl", "https://cdn.essays.test/logo.png"),
        ("primaryColor", "#112233"),
        ("secondaryColor", "#445566"),
        ("footerText", "Thanks for writing with us"),
        ("fromAddress", "team@essays.test"),
    ];
    let edits = fields.iter().enumerate().map(|(i, (name, value))| {
        let token = if i % 2 == 0 { admin.clone() } else { root.clone() };
        let query = format!("mutation($v: String) {{ updateTenantBranding(input: {{{name}: $v}}) {{ id }} }}");
        let app = &app;
        async move { app.gql(&query).vars(json!({ "v": value })).tenant("essays").token(&token).send().await }
    });
    let toggles = ["drafts: false", "presets: false", "wallet: false", "maxPagesPerOrder: 77"].map(|t| {
        let query = format!("mutation {{ updateTenantFeatureToggles(input: {{{t}}}) {{ id }} }}");
        let (app, admin) = (&app, admin.clone());
        async move { app.gql(&query).tenant("essays").token(&admin).send().await }
    });
    let (edits, toggles) = tokio::join!(futures::future::join_all(edits), futures::future::join_all(toggles));
    for body in edits.iter().chain(toggles.iter()) {
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = app
        .gql("{ tenant { branding { subjectPrefix fromName replyTo logoUrl primaryColor secondaryColor footerText fromAddress } featureToggles { drafts presets wallet maxPagesPerOrder } } }")
        .tenant("essays")
        .send()
        .await;
    let branding = &body["data"]["tenant"]["branding"];
    for (name, value) in fields {
        assert_eq!(branding[name], value, "{name} was lost: {body}");
    }
    assert_eq!(
        body["data"]["tenant"]["featureToggles"],
        json!({ "drafts": false, "presets": false, "wallet": false, "maxPagesPerOrder": 77 })
    );
}
