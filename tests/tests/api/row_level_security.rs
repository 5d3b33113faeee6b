//! PostgreSQL's row-level security, the second wall under the services' own tenant filters:
//! what a statement on a request's path sees when it forgets its tenant. SQLite has no such
//! wall; there these tests have nothing to check and say so.

use kernel::{Reach, RequestDb, Role, Viewer, new_id};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tests::TestApp;
use uuid::Uuid;

fn on_postgres(app: &TestApp) -> bool {
    let postgres = app.db.get_database_backend() == DbBackend::Postgres;
    if !postgres {
        eprintln!("SQLite has no row-level security: nothing to check here");
    }
    postgres
}

async fn tenant(app: &TestApp, slug: &str) -> Uuid {
    tenancy::service::tenants::find_by_slug(&app.db, slug).await.unwrap().expect("a demo site").id
}

fn viewer(tenant: Option<Uuid>, role: Role) -> Viewer {
    Viewer {
        user_id: new_id(),
        tenant_id: tenant,
        role,
        session_id: new_id(),
        email: "someone@example.test".into(),
        display_name: "Someone".into(),
        two_factor: false,
    }
}

/// The handle a request of `viewer` under `tenant` works through, as the gateway builds it.
fn request_db(app: &TestApp, tenant: Option<Uuid>, viewer: Option<&Viewer>) -> RequestDb {
    RequestDb::for_request(app.state.requests_db.clone(), app.state.db.clone(), Reach::of(tenant, viewer), None)
}

async fn rows(db: &impl ConnectionTrait, sql: &str) -> Vec<Option<String>> {
    let statement = Statement::from_string(DbBackend::Postgres, sql.to_owned());
    db.query_all_raw(statement).await.unwrap().iter().map(|r| r.try_get_by_index(0).unwrap()).collect()
}

/// The tenants (as text; `None` for the installation's own rows) whose rows of `table` a
/// statement with no tenant filter at all returns.
async fn tenants_seen(db: &impl ConnectionTrait, table: &str) -> Vec<Option<String>> {
    rows(db, &format!("SELECT DISTINCT tenant_id::text FROM {table} ORDER BY 1")).await
}

#[tokio::test]
async fn an_unscoped_query_on_a_requests_path_returns_only_that_tenants_rows() {
    let app = TestApp::spawn().await;
    if !on_postgres(&app) {
        return;
    }
    let (essays, papers) = (tenant(&app, "essays").await, tenant(&app, "papers").await);
    let (essays_text, papers_text) = (Some(essays.to_string()), Some(papers.to_string()));
    // the demo data has both sites' users and catalogues, and the installation's superadmin
    let everything = tenants_seen(&app.db, "users").await;
    assert!(everything.contains(&None) && everything.contains(&essays_text) && everything.contains(&papers_text));
    assert_eq!(tenants_seen(&app.db, "catalog_items").await.len(), 2);

    // another site's user and the superadmin have authenticator secrets
    app.db
        .execute_unprepared(
            "INSERT INTO two_factor_secrets (user_id, secret, created_at) \
             SELECT id, 'JBSWY3DPEHPK3PXP', now() FROM users WHERE email IN ('admin@papers.test', 'superadmin@scriptorium.test')",
        )
        .await
        .unwrap();
    assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM two_factor_secrets").await, 2);
    for role in [Role::Client, Role::Writer, Role::Admin] {
        let db = request_db(&app, Some(essays), Some(&viewer(Some(essays), role)));
        for table in ["users", "orders", "order_events", "sessions", "audit_log", "catalog_items", "postings"] {
            let seen = tenants_seen(&db, table).await;
            assert!(seen.iter().all(|t| *t == essays_text), "{role:?} on {table} saw {seen:?}");
        }
        assert_eq!(tenants_seen(&db, "users").await, vec![essays_text.clone()], "{role:?}");
        // tables without a tenant of their own are walled through their user
        let secrets = rows(&db, "SELECT user_id::text FROM two_factor_secrets").await;
        assert!(secrets.is_empty(), "{role:?} saw other people's secrets: {secrets:?}");
        db.finish().await.unwrap();
    }

    // superadmins' names (they act in timelines) come through installation_people, which
    // answers for the installation's people only, and leaves the view as narrow as it was
    let db = request_db(&app, Some(essays), Some(&viewer(Some(essays), Role::Client)));
    let superadmin = app.count_where("SELECT COUNT(*) AS n FROM users WHERE tenant_id IS NULL").await;
    assert_eq!(superadmin, 1);
    let people =
        rows(&app.db, "SELECT string_agg(id::text, ',') FROM users WHERE tenant_id IS NULL OR tenant_id IS NOT NULL")
            .await
            .remove(0)
            .unwrap();
    let named = rows(&db, &format!("SELECT role FROM installation_people('{people}')")).await;
    assert_eq!(named, vec![Some("SUPERADMIN".to_owned())], "only the installation's people, every tenant's ids asked");
    assert_eq!(tenants_seen(&db, "users").await, vec![essays_text.clone()]);
    db.finish().await.unwrap();

    // signed out: the site's rows; the installation's only once the request widens to them (a
    // superadmin signing in at the site), and never another site's
    let db = request_db(&app, Some(papers), None);
    assert_eq!(tenants_seen(&db, "users").await, vec![papers_text.clone()]);
    assert!(db.include_installation().await.unwrap());
    assert_eq!(tenants_seen(&db, "users").await, vec![papers_text.clone(), None]);
    assert_eq!(tenants_seen(&db, "catalog_items").await, vec![papers_text.clone()]);
    db.commit().await.unwrap();
    assert_eq!(tenants_seen(&db, "users").await, vec![papers_text.clone(), None], "a new transaction keeps it");
    db.finish().await.unwrap();
    let db = request_db(&app, None, None);
    assert_eq!(tenants_seen(&db, "users").await, vec![None], "at no site: the installation's rows");
    db.finish().await.unwrap();

    // a superadmin's request reaches every site
    let db = request_db(&app, Some(essays), Some(&viewer(None, Role::Superadmin)));
    assert_eq!(tenants_seen(&db, "users").await, everything);
    db.finish().await.unwrap();

    // the pool itself, outside a request's transaction, names no tenant and sees nothing
    assert!(tenants_seen(&app.state.requests_db, "catalog_items").await.is_empty());
    assert!(tenants_seen(&app.state.requests_db, "users").await.is_empty());
}

#[tokio::test]
async fn a_request_cannot_write_another_tenants_rows_and_a_refused_statement_keeps_nothing() {
    let app = TestApp::spawn().await;
    if !on_postgres(&app) {
        return;
    }
    let (essays, papers) = (tenant(&app, "essays").await, tenant(&app, "papers").await);
    let admin = viewer(Some(essays), Role::Admin);
    let note = |tenant: Uuid, id: Uuid| {
        format!(
            "INSERT INTO audit_log (id, tenant_id, action, target_type, at) \
             VALUES ('{id}', '{tenant}', 'test.note', 'test', now())"
        )
    };
    let (mine, theirs) = (new_id(), new_id());
    let before = app.count("audit_log").await;

    // a write into the request's own site goes in; one into another site is refused by the
    // database, and then nothing the request did is kept, the first write included
    let db = request_db(&app, Some(essays), Some(&admin));
    db.execute_unprepared(&note(essays, mine)).await.expect("a row of the request's own site");
    let refused = db.execute_unprepared(&note(papers, theirs)).await.expect_err("another site's row");
    assert!(refused.to_string().contains("row-level security"), "{refused}");
    assert!(db.finish().await.is_err(), "a request with a refused statement does not commit");
    assert_eq!(app.count("audit_log").await, before);

    // nor can an update move a row out of the request's site, or touch another site's rows
    let db = request_db(&app, Some(essays), Some(&admin));
    let moved =
        db.execute_unprepared(&format!("UPDATE users SET tenant_id = '{papers}' WHERE tenant_id = '{essays}'")).await;
    assert!(moved.is_err(), "moving a row to another site is refused");
    let _ = db.finish().await;
    let db = request_db(&app, Some(essays), Some(&admin));
    let touched = db.execute_unprepared("UPDATE users SET display_name = 'defaced'").await.unwrap();
    db.finish().await.unwrap();
    let defaced = app.count_where("SELECT COUNT(*) AS n FROM users WHERE display_name = 'defaced'").await;
    assert_eq!(u64::try_from(defaced).unwrap(), touched.rows_affected());
    assert_eq!(
        app.count_where(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE display_name = 'defaced' AND tenant_id IS DISTINCT FROM '{essays}'"
        ))
        .await,
        0
    );
    assert!(defaced > 0);
}

#[tokio::test]
async fn every_table_with_tenant_data_is_behind_the_wall() {
    let app = TestApp::spawn().await;
    if !on_postgres(&app) {
        return;
    }
    let unprotected = rows(
        &app.db,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' \
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity \
                    AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_wall')) \
         ORDER BY 1",
    )
    .await;
    let outside: Vec<Option<String>> = migration::m20261206_000021_row_level_security::OUTSIDE_THE_WALL
        .iter()
        .map(|t| Some((*t).to_owned()))
        .collect();
    let mut expected = outside.clone();
    expected.sort();
    assert_eq!(
        unprotected, expected,
        "a new table holding a site's data needs the wall (protect() in its migration), or a reason to be outside it"
    );
    // and the server's connections are held to it: no superuser, no BYPASSRLS
    let passes_by = rows(
        &app.state.requests_db,
        &format!("SELECT passes::text FROM ({}) AS r(name, passes)", kernel::db::PASSES_THE_WALL_BY),
    )
    .await;
    assert_eq!(passes_by, vec![Some("false".to_owned())]);
}

/// A database owned by a role of its own, with a second role to serve as, as the README's
/// "PostgreSQL roles" has production do; dropped (with the roles) when the test ends.
struct OwnedDatabase {
    admin_url: String,
    owner: String,
    runtime: String,
    name: String,
}

impl OwnedDatabase {
    /// `postgres://<role>:<password>@host/<this database>`.
    fn url_as(&self, role: &str) -> String {
        let url = tests::db::with_database(&self.admin_url, &self.name);
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        format!("{scheme}://{role}:a-test-password@{host}")
    }
}

impl Drop for OwnedDatabase {
    fn drop(&mut self) {
        let (admin_url, sql) = (
            self.admin_url.clone(),
            format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE); DROP ROLE IF EXISTS {}; DROP ROLE IF EXISTS {}",
                self.name, self.owner, self.runtime
            ),
        );
        // Drop runs inside the test's runtime, which must not block: a thread of its own
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                    for statement in sql.split("; ") {
                        let _ = admin.execute_unprepared(statement).await;
                    }
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn an_owner_role_migrates_and_a_runtime_role_serves_behind_the_wall() {
    let Some(admin_url) = tests::db::postgres_url() else {
        eprintln!("SQLite has no roles: nothing to check here");
        return;
    };
    let tag = new_id().simple().to_string();
    let owned = OwnedDatabase {
        admin_url: admin_url.clone(),
        owner: format!("rls_owner_{tag}"),
        runtime: format!("rls_app_{tag}"),
        name: format!("rls_db_{tag}"),
    };
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    for statement in [
        format!("CREATE ROLE {} LOGIN PASSWORD 'a-test-password'", owned.owner),
        format!("CREATE ROLE {} LOGIN PASSWORD 'a-test-password'", owned.runtime),
        format!("CREATE DATABASE {} OWNER {}", owned.name, owned.owner),
    ] {
        admin.execute_unprepared(&statement).await.unwrap();
    }
    admin.close().await.unwrap();

    // the owner, no superuser, migrates (the wall and its one function included)
    let owner = kernel::db::connect(&owned.url_as(&owned.owner)).await.unwrap();
    <migration::Migrator as migration::MigratorTrait>::up(&owner, None).await.expect("the owner migrates");
    // the server connects as the runtime role, which the owner grants the tables
    let pools = kernel::db::Pools::open(&owned.url_as(&owned.runtime), &owner).await.expect("the server's pools");
    gateway::seed::seed_demo(&pools.system, std::sync::Arc::new(tests::db::start_clock()))
        .await
        .expect("the system pool writes every site's rows");
    let essays =
        tenancy::service::tenants::find_by_slug(&pools.system, "essays").await.unwrap().expect("a demo site").id;

    let client = viewer(Some(essays), Role::Client);
    let db = RequestDb::for_request(
        pools.requests.clone(),
        pools.system.clone(),
        Reach::of(Some(essays), Some(&client)),
        None,
    );
    assert_eq!(rows(&db, "SELECT current_user::text").await, vec![Some(owned.runtime.clone())]);
    assert_eq!(tenants_seen(&db, "users").await, vec![Some(essays.to_string())]);
    // a superadmin's address is taken everywhere: asked through the wall, answered, and the
    // view is narrow again after
    assert_eq!(
        rows(&db, "SELECT superadmin_holds('superadmin@scriptorium.test')::text").await,
        vec![Some("true".to_owned())]
    );
    assert_eq!(rows(&db, "SELECT superadmin_holds('client@essays.test')::text").await, vec![Some("false".to_owned())]);
    assert_eq!(tenants_seen(&db, "users").await, vec![Some(essays.to_string())]);
    db.finish().await.unwrap();
    pools.requests.close().await.unwrap();
    pools.system.close().await.unwrap();
    owner.close().await.unwrap();
}

#[tokio::test]
async fn concurrent_wrong_passwords_count_against_each_other_at_once() {
    // Each attempt is written where the others see it before the password is checked (not in
    // its request's transaction, which would hide it until that request ends): of many guesses
    // at once, only about the account's limit get a password check.
    let app = TestApp::spawn().await;
    const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }";
    let guesses = (0..15).map(|i| {
        let app = &app;
        async move {
            app.gql(SIGN_IN)
                .vars(serde_json::json!({ "e": "client@essays.test", "p": format!("wrong guess {i}") }))
                .tenant("essays")
                .ip(&format!("198.51.100.{}", 10 + i))
                .send()
                .await
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| tests::code(a) != "RATE_LIMITED").count();
    let limit = usize::try_from(identity::service::throttle::MAX_PER_ACCOUNT).unwrap();
    assert!(checked <= limit + 2, "{checked} of 15 concurrent guesses had the password checked");
    assert!(checked >= 1);
    // and the account stays locked for the right password too, from a new address
    let right = app
        .gql(SIGN_IN)
        .vars(serde_json::json!({ "e": "client@essays.test", "p": tests::DEMO_PASSWORD }))
        .tenant("essays")
        .ip("198.51.100.99")
        .send()
        .await;
    assert_eq!(tests::code(&right), "RATE_LIMITED", "{right}");
}

#[tokio::test]
async fn a_superadmins_session_the_path_past_every_sites_wall_is_audited_as_it_starts() {
    let app = TestApp::spawn().await;
    let entries = "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'session.sign_in'";
    app.sign_in("essays", "admin@essays.test").await;
    assert_eq!(app.count_where(entries).await, 0, "a site's own users are not this path");
    app.sign_in("essays", "superadmin@scriptorium.test").await;
    app.sign_in_superadmin().await;
    assert_eq!(app.count_where(&format!("{entries} AND tenant_id IS NULL AND actor_role = 'SUPERADMIN'")).await, 2);
    let essays = tenant(&app, "essays").await;
    let at_essays =
        rows(&app.db, "SELECT CAST(after AS TEXT) FROM audit_log WHERE action = 'session.sign_in' ORDER BY seq").await;
    assert!(at_essays[0].as_deref().unwrap().contains(&essays.to_string()), "{at_essays:?}");
    // the installation's chain still verifies
    let root = app.sign_in_superadmin().await;
    let body = app.gql("{ auditIntegrity { intact entries } }").token(&root).send().await;
    let chains = body["data"]["auditIntegrity"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert!(chains.iter().all(|c| c["intact"] == true), "{body}");
}

/// A request's writes are savepoints of its one transaction: one whose work was dropped midway
/// is rolled back alone, the request's other writes are kept; a statement that fails outside
/// any savepoint loses what the request wrote, and the request fails even when it ended that
/// transaction early and went on.
#[tokio::test]
async fn a_dropped_write_is_rolled_back_alone_and_a_failed_statement_fails_the_request() {
    let app = TestApp::spawn().await;
    if !on_postgres(&app) {
        return;
    }
    let essays = tenant(&app, "essays").await;
    let admin = viewer(Some(essays), Role::Admin);
    let insert = |domain: &str| {
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO tenant_domains (tenant_id, domain, created_at) VALUES ($1, $2, now())",
            [essays.into(), domain.into()],
        )
    };
    let domains =
        async || rows(&app.db, "SELECT domain FROM tenant_domains WHERE domain LIKE '%.request.test' ORDER BY 1").await;

    let db = request_db(&app, Some(essays), Some(&admin));
    let kept = db.begin_write().await.unwrap();
    kept.execute_raw(insert("kept-1.request.test")).await.unwrap();
    kept.commit().await.unwrap();
    {
        let dropped = db.begin_write().await.unwrap();
        dropped.execute_raw(insert("dropped.request.test")).await.unwrap();
    }
    let again = db.begin_write().await.unwrap();
    again.execute_raw(insert("kept-2.request.test")).await.unwrap();
    again.commit().await.unwrap();
    db.finish().await.unwrap();
    assert_eq!(domains().await, [Some("kept-1.request.test".into()), Some("kept-2.request.test".into())]);

    let db = request_db(&app, Some(essays), Some(&admin));
    let write = db.begin_write().await.unwrap();
    write.execute_raw(insert("lost.request.test")).await.unwrap();
    write.commit().await.unwrap();
    assert!(db.query_all_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1 / 0")).await.is_err());
    assert!(db.commit().await.is_err(), "ending the transaction early reports the loss");
    assert_eq!(rows(&db, "SELECT 'the request goes on'").await, [Some("the request goes on".into())]);
    assert!(db.finish().await.is_err(), "and the request fails at its end");
    assert_eq!(domains().await.len(), 2, "nothing of the failed transaction was kept");
}
